# SPDX-License-Identifier: GPL-2.0
# The host hot-adds a vCPU through QMP device_add; the guest onlines it.
before=$(ls -d /sys/devices/system/cpu/cpu[0-9]* | wc -l)
if ! slot=$(kl_host hotadd); then
	kl_result cpu-hotadd fail "host could not add a vCPU"
	exit 0
fi
for _ in $(seq 50); do
	after=$(ls -d /sys/devices/system/cpu/cpu[0-9]* | wc -l)
	[ "$after" -gt "$before" ] && break
	sleep 0.2
done
new=/sys/devices/system/cpu/cpu$before
[ -e "$new/online" ] && [ "$(cat "$new/online")" = 0 ] && echo 1 >"$new/online"
kl_check cpu-hotadd "slot $slot -> cpu$before" [ "$(cat "$new/online" 2>/dev/null)" = 1 ]
kl_check cpu-hotadd-runs-tasks "" taskset -c "$before" true
