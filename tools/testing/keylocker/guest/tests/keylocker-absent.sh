# SPDX-License-Identifier: GPL-2.0
# No Key Locker at all: no sysfs directory, CR4.KL clear.
kl_check no-sysfs-dir "" [ ! -e "$KL_SYSFS" ]
kl_check cr4-clear-everywhere "$(kl_host cr4kl)" kl_cr4_all 0
kl_check boot-request-refused-logged "" kl_logged 'keylocker.mode=: this CPU has no Key Locker'
