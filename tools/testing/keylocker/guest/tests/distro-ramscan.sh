# SPDX-License-Identifier: GPL-2.0
# On the Debian system, with both volumes opened on cryptsetup's default
# path (the volume key passed through the kernel keyring): no piece of
# either volume key anywhere in RAM after boot, nor after the data volume
# was suspended and resumed with cryptsetup (which wipes the key and sets
# it again), with the unmodified dm-crypt. The machine boots with
# init_on_free=1, so what was freed is gone; the control at the end shows
# that the scan finds a key that is in RAM.
vk=$(kl_param klvk)
datavk=$(kl_param kldatavk)
found=$(kl_scan_key "$vk")
kl_check root-key-not-in-ram-after-boot "found $found" [ "$found" = 0 ]
found=$(kl_scan_key "$datavk")
kl_check data-key-not-in-ram-after-boot "found $found" [ "$found" = 0 ]

kl_try luks-suspend cryptsetup luksSuspend data
kl_check suspended "" sh -c "cryptsetup status data | grep -q 'suspended'"
kl_try luks-resume cryptsetup luksResume data --key-file /etc/keys/data.key
kl_check resumed-key-from-keyring "" \
	sh -c "dmsetup table --showkeys data | grep -q ' :64:logon:cryptsetup:'"
kl_check data-usable-after-resume "" sh -c \
	"head -c 65536 /dev/urandom >/srv/data/resume && sync && [ -s /srv/data/resume ]"
found=$(kl_scan_key "$datavk")
kl_check data-key-not-in-ram-after-resume "found $found" [ "$found" = 0 ]
found=$(kl_scan_key "$vk")
kl_check root-key-not-in-ram-after-resume "found $found" [ "$found" = 0 ]

kl_unhex "$datavk" >/dev/shm/kl-control
found=$(kl_scan_key "$datavk")
rm -f /dev/shm/kl-control
kl_check control-key-in-tmpfs-found "found $found" [ "${found:-0}" -ge 1 ]
