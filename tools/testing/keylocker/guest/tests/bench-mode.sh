# SPDX-License-Identifier: GPL-2.0
# The mode half of `make bench`: what choosing the klmode= mode costs on
# all CPUs, and what taking CPU 1 offline and online again costs, in
# instructions of the Key Locker core (its objects and the Rust kernel
# crate, the plugin's ranges) and in Key Locker instructions, summed over
# the vCPUs between two all-vCPU snapshots.
mode=$(kl_param klmode)
ranges=$(kl_host ranges core rust)
kl_check core-ranges "$ranges" [ -n "$ranges" ]
/kl/bin/klcrypt mark clear
for r in $(echo "$ranges" | tr ',' ' '); do
	/kl/bin/klcrypt mark range "$r"
done
/kl/bin/klcrypt mark snap-all 100
res=$(kl_write $KL_SYSFS/mode "$mode")
/kl/bin/klcrypt mark snap-all 101
kl_check select "$mode: $res" [ "$res" = OK ]
echo "KLBENCH tag=100 event=init mode=$mode cpus=$(grep -c ^processor /proc/cpuinfo)"
/kl/bin/klcrypt mark snap-all 102
echo 0 >/sys/devices/system/cpu/cpu1/online
echo 1 >/sys/devices/system/cpu/cpu1/online
/kl/bin/klcrypt mark snap-all 103
# The lifecycle table: norestore loses the key on this model (onlining
# sends INIT, which clears the vCPU's IWKey); every other mode keeps it.
want=active
[ "$mode" = norestore ] && want=lost
kl_check hotplug-status "want $want, got $(cat $KL_SYSFS/status)" \
	[ "$(cat $KL_SYSFS/status)" = "$want" ]
echo "KLBENCH tag=102 event=hotplug mode=$mode status=$(cat $KL_SYSFS/status)"
