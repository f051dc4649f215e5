# SPDX-License-Identifier: GPL-2.0
# Runner self-check: the guest stops reporting; the host must time out.
while :; do sleep 1; done
