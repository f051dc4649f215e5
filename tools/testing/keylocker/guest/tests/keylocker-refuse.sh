# SPDX-License-Identifier: GPL-2.0
# A mode whose prerequisites are missing: the specified errno, a log line
# that says why, and the system left disabled with CR4.KL clear everywhere.
# In the paravirt modes the guest never runs LOADIWKEY, not even to undo.
# klundo=1: the failure came after CPUs were given keys, and no key of the
# failed selection stays anywhere: every CPU and the platform backup hold a
# throwaway key (the model's key history says). klundo=0: the failure came
# before any CPU was touched, and no CPU got a key.
mode=$(kl_param klmode)
want=$(kl_param klexpect)
undo=$(kl_param klundo)
dmesg -c >/dev/null
before=$(kl_count)
mark=$(kl_host iwkey-mark)
res=$(kl_write $KL_SYSFS/mode "$mode")
ran=$(kl_count_delta "$before" "$(kl_count)")
kl_check refused "$mode: want $want, got $res" [ "$res" = "$want" ]
kl_check logged-why "$(dmesg | grep keylocker | tail -n1)" kl_logged "keylocker: $mode: "
kl_check stays-disabled "" [ "$(cat $KL_SYSFS/status)" = disabled ]
kl_check mode-shows-disabled "" grep -q '^\[disabled\] ' $KL_SYSFS/mode
kl_check cr4-clear-everywhere "$(kl_host cr4kl)" kl_cr4_all 0
case $mode in
paravirt_*)
	kl_check no-loadiwkey "ran: $ran" eval '! echo "$ran" | grep -q loadiwkey'
	;;
esac
case $undo in
1)
	out=$(kl_host iwkey-undone "$mark")
	kl_check failed-key-nowhere "$out" [ "$out" = ok ]
	;;
0)
	out=$(kl_host iwkey-unchanged "$mark")
	kl_check no-key-loaded "$out" [ "$out" = ok ]
	;;
esac
