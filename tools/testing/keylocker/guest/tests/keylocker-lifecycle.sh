# SPDX-License-Identifier: GPL-2.0
# The lifecycle table of SPEC.md section 5 for one mode: after each event the
# status is what the table says (klafter_<event>=active|lost on the command
# line; "skip" leaves an event out), and CPUs always come online. Hot-add
# comes last: S3 after a vCPU hot-add hangs the emulated machine
# (QEMU/SeaBIOS), not the kernel.
mode=$(kl_param klmode)
status() { cat $KL_SYSFS/status; }
res=$(kl_write $KL_SYSFS/mode "$mode")
kl_check select "$mode: $res" [ "$res" = OK ]

if [ "$(kl_param klafter_offline)" != skip ]; then
	echo 0 >/sys/devices/system/cpu/cpu1/online
	echo 1 >/sys/devices/system/cpu/cpu1/online
	kl_check offline-online "want $(kl_param klafter_offline), got $(status)" \
		[ "$(status)" = "$(kl_param klafter_offline)" ]
fi

if [ "$(kl_param klafter_s3)" != skip ]; then
	echo deep >/sys/power/mem_sleep
	echo mem >/sys/power/state
	kl_check s3 "want $(kl_param klafter_s3), got $(status)" \
		[ "$(status)" = "$(kl_param klafter_s3)" ]
fi
before=$(ls -d /sys/devices/system/cpu/cpu[0-9]* | wc -l)
kl_host hotadd >/dev/null
for _ in $(seq 50); do
	[ -e "/sys/devices/system/cpu/cpu$before/online" ] && break
	sleep 0.2
done
echo 1 >"/sys/devices/system/cpu/cpu$before/online"
kl_check hotadd-cpu-online "" [ "$(cat /sys/devices/system/cpu/cpu$before/online)" = 1 ]
kl_check hotadd "want $(kl_param klafter_hotadd), got $(status)" \
	[ "$(status)" = "$(kl_param klafter_hotadd)" ]

kl_check cr4-set-everywhere "$(kl_host cr4kl)" kl_cr4_all 1
if [ "$(status)" = lost ]; then
	kl_check lost-logged-once "" [ "$(dmesg | grep -c 'keylocker: wrapping key lost')" = 1 ]
	res=$(kl_write $KL_SYSFS/mode "$mode")
	kl_check reinit-after-lost "$res" [ "$res" = OK ]
	kl_check active-after-reinit "" [ "$(status)" = active ]
	kl_check new-generation "" kl_logged "keylocker: $mode: active on all CPUs (generation 2)"
fi
