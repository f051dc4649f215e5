# SPDX-License-Identifier: GPL-2.0
# Runner self-check: the guest kernel panics; the host must notice.
echo c >/proc/sysrq-trigger
