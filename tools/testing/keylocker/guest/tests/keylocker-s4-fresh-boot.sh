# SPDX-License-Identifier: GPL-2.0
# Runs only if the boot after hibernation did not resume the image: the
# resumed kernel carries on with the tests of the boot that hibernated.
why=$(dmesg | grep -m1 -i 'PM: .*image' || echo 'no image message')
kl_result resumed fail "booted afresh: the hibernation image was not resumed ($why)"
