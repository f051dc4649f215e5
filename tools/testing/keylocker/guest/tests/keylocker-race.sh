# SPDX-License-Identifier: GPL-2.0
# Writers race each other and CPU hotplug: exactly one mode wins, everyone
# else gets EBUSY (or OK for the same mode), and every CPU ends with the key.
modes="kernel_key_remember norestore kernel_key_backup native_random_key"
cpus=$(ls -d /sys/devices/system/cpu/cpu[1-9]* 2>/dev/null)
( for _ in $(seq 20); do
	for c in $cpus; do echo 0 >"$c/online"; echo 1 >"$c/online"; done
done ) &
hotplug=$!
for m in $modes $modes; do
	( echo "$(kl_write $KL_SYSFS/mode "$m") $m" >>/tmp/race.out ) &
done
wait
kl_check hotplug-loop-ran "" [ -n "$hotplug" ]
winner=$(sed -n 's/.*\[\(.*\)\].*/\1/p' $KL_SYSFS/mode)
kl_check one-winner "$winner" [ -n "$winner" ]
# In completion order, a write of another mode may succeed only after the
# mode that won lost its key, which only norestore does under hotplug (any
# mode may then be chosen); the last mode to succeed is the one in force.
bad="" last=""
while read -r result m; do
	case $result in
	EBUSY) ;;
	OK)
		[ -z "$last" ] || [ "$m" = "$last" ] || [ "$last" = norestore ] ||
			bad="$bad $m"
		last=$m
		;;
	*) bad="$bad $result:$m" ;;
	esac
done </tmp/race.out
race_ok() { [ -z "$bad" ] && [ "$last" = "$winner" ]; }
kl_check others-busy "$(tr '\n' ';' </tmp/race.out)" race_ok
# A CPU that went offline and came back keeps the key, except in norestore,
# which has no way to give it back (the lifecycle table).
want=active
[ "$winner" = norestore ] && want=lost
kl_check status-after-hotplug "want $want" [ "$(cat $KL_SYSFS/status)" = "$want" ]
for c in $cpus; do echo 1 >"$c/online"; done
kl_check cr4-set-everywhere "$(kl_host cr4kl)" kl_cr4_all 1
