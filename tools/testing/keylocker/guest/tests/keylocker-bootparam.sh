# SPDX-License-Identifier: GPL-2.0
# keylocker.mode= acts like a write to mode after SMP bring-up: a valid
# name is active when init starts, anything else is refused and logged.
want=$(kl_param klexpect)
kl_check status-at-init "want $want" [ "$(cat $KL_SYSFS/status)" = "$want" ]
if [ "$want" = active ]; then
	kl_check mode-bracketed "$(cat $KL_SYSFS/mode)" \
		grep -q "\[$(kl_param klmode)\]" $KL_SYSFS/mode
	kl_check cr4-set-everywhere "$(kl_host cr4kl)" kl_cr4_all 1
else
	kl_check refusal-logged "" kl_logged 'keylocker.mode=: not a mode name'
	kl_check cr4-clear-everywhere "$(kl_host cr4kl)" kl_cr4_all 0
fi
