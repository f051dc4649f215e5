# SPDX-License-Identifier: GPL-2.0
# Live migration of the VM in one mode, as a host does it: the host moves
# the machine to a new QEMU process with QEMU's own migration
# (kl_host migrate), while a LUKS2 volume on AES-KL is being read and two
# AF_ALG transforms are keyed. klafter_migrate= says what the host does:
#   migrated  it carries the key (a software key it knows) and everything
#             keeps working;
#   refused   the key is hardware-random, the host refuses to migrate and
#             the VM runs on where it was;
#   dropped   the host migrates without the random key: every request
#             fails (I/O errors, ENOKEY, zeros), and the next CPU online
#             finds the key lost.
# Whatever happens, no read returns wrong data. klafter_migrate_online=
# is the status after a CPU goes offline and online again at the
# destination (skip: not tried).
mode=$(kl_param klmode)
want=$(kl_param klafter_migrate)
kl_users_start
good=$(sha256sum </tmp/raw)
empty=$(sha256sum </dev/null)

# A reader that goes on through the migration: each read, one 64 KiB
# request, gives the data written or, failing, nothing.
rm -f /tmp/stop
(
	while [ ! -e /tmp/stop ]; do
		kl_raw_read
		echo "$raw_got"
	done
) >/tmp/reads &
reader=$!
sleep 1
res=$(kl_host migrate)
sleep 1
touch /tmp/stop
wait $reader
case "$want" in
refused) kl_check host-refused "$res" sh -c 'echo "$1" | grep -q "^refused .*random"' _ "$res" ;;
*) kl_check host-migrated "$res" [ "$res" = migrated ] ;;
esac
n=$(wc -l </tmp/reads)
wrong=$(grep -v -c -e "^$good\$" -e "^$empty\$" /tmp/reads)
kl_check reads-never-wrong "$n reads, $wrong wrong" sh -c "[ $n -gt 0 ] && [ $wrong = 0 ]"

if [ "$want" = dropped ]; then
	kl_users_check fails
else
	kl_check status-active "$(cat $KL_SYSFS/status)" [ "$(cat $KL_SYSFS/status)" = active ]
	kl_users_check works
fi

online=$(kl_param klafter_migrate_online)
if [ "$online" != skip ]; then
	echo 0 >/sys/devices/system/cpu/cpu1/online
	echo 1 >/sys/devices/system/cpu/cpu1/online
	kl_check offline-online-after "want $online, got $(cat $KL_SYSFS/status)" \
		[ "$(cat $KL_SYSFS/status)" = "$online" ]
fi
if [ "$(cat $KL_SYSFS/status)" = lost ]; then
	res=$(kl_write $KL_SYSFS/mode "$mode")
	kl_check reinit-after-lost "$res" [ "$res" = OK ]
fi
cryptsetup close vol
