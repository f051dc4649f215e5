# SPDX-License-Identifier: GPL-2.0
# keylocker.mode= acts like a write to mode after SMP bring-up: a valid
# name is active when init starts, anything else is refused and logged.
# With klunseeded=1 the kernel's CRNG is not seeded at that point: a mode
# whose key the kernel makes waits for it, and becomes active later.
want=$(kl_param klexpect)
if [ "$(kl_param klunseeded)" = 1 ]; then
	for _ in $(seq 300); do
		[ "$(cat $KL_SYSFS/status)" = "$want" ] && break
		sleep 0.2
	done
	seeded=$(dmesg | grep -n 'crng init done' | cut -d: -f1)
	active=$(dmesg | grep -n "keylocker: $(kl_param klmode): active" | cut -d: -f1)
	before() { [ -n "$1" ] && [ -n "$2" ] && [ "$1" -lt "$2" ]; }
	kl_check key-made-after-crng-seeded \
		"crng seeded at log line ${seeded:-never}, active at ${active:-never}" \
		before "$seeded" "$active"
	kl_check wait-logged "" \
		kl_logged "keylocker.mode=: .*waits until the kernel's random generator is seeded"
fi
kl_check status-at-init "want $want" [ "$(cat $KL_SYSFS/status)" = "$want" ]
if [ "$want" = active ]; then
	kl_check mode-bracketed "$(cat $KL_SYSFS/mode)" \
		grep -q "\[$(kl_param klmode)\]" $KL_SYSFS/mode
	kl_check cr4-set-everywhere "$(kl_host cr4kl)" kl_cr4_all 1
else
	kl_check refusal-logged "" kl_logged 'keylocker.mode=: not a mode name'
	kl_check cr4-clear-everywhere "$(kl_host cr4kl)" kl_cr4_all 0
fi
