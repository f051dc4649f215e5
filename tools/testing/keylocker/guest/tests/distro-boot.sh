# SPDX-License-Identifier: GPL-2.0
# The Debian system came up from its LUKS2 root as its configuration says:
# the mode from the kernel command line, aeskl loaded by the initramfs,
# the root opened there by cryptsetup-initramfs through /etc/crypttab with
# the volume key passed in the kernel keyring, the data volume opened by
# systemd-cryptsetup, systemd at its default target, and AES-KL (not
# AES-NI) the driver that both volumes use.
cipher=$(kl_param klcipher)
state=$(systemctl is-system-running)
kl_check system-running "$state; failed: $(systemctl --failed --plain --no-legend | tr '\n' ';')" \
	[ "$state" = running ]
kl_check default-target-reached "$(systemctl get-default)" \
	systemctl is-active -q "$(systemctl get-default)"
mode=$(sed -n 's/.*\[\(.*\)\].*/\1/p' $KL_SYSFS/mode)
kl_check mode-from-command-line "$mode" [ "$mode" = "$(kl_param keylocker.mode)" ]
kl_check status-active "" [ "$(cat $KL_SYSFS/status)" = active ]
kl_check aeskl-loaded-by-initramfs "" grep -q '^aeskl ' /proc/modules

for v in root data; do
	table=$(dmsetup table "$v" | cut -d' ' -f1-5)
	kl_check "$v-cipher" "$table" sh -c "dmsetup table $v | grep -q ' $cipher '"
	kl_check "$v-key-from-keyring" "" \
		sh -c "dmsetup table --showkeys $v | grep -q ' :64:logon:cryptsetup:'"
done
kl_check root-mounted "" sh -c "findmnt -n -o SOURCE / | grep -qx /dev/mapper/root"
kl_check data-by-systemd-cryptsetup "" systemctl is-active -q systemd-cryptsetup@data.service
kl_check data-mounted "" mountpoint -q /srv/data

# What an administrator checks: the driver's reference count in
# /proc/crypto (1 while only registered).
refcnt() {
	awk -v d="$1" '/^driver/ { cur = $3 } /^refcnt/ && cur == d { print $3 }' /proc/crypto
}
kl_check aeskl-in-use "xts-aes-aeskl refcnt $(refcnt xts-aes-aeskl)" \
	[ "$(refcnt xts-aes-aeskl)" -gt 1 ]
kl_check aesni-unused "xts-aes-aesni refcnt $(refcnt xts-aes-aesni)" \
	[ "$(refcnt xts-aes-aesni)" -le 1 ]
# What the model sees: reading the root runs Key Locker instructions.
before=$(kl_count)
dd if=/dev/mapper/root of=/dev/null bs=1M count=8 iflag=direct status=none
after=$(kl_count)
kl_check root-read-ran-keylocker "$(kl_count_delta "$before" "$after")" \
	sh -c "echo '$(kl_count_delta "$before" "$after")' | grep -q 'aesdecwide256kl='"
