# SPDX-License-Identifier: GPL-2.0
# A Rust module loads and runs its init: the kernel's Rust support works.
dmesg -c >/dev/null
if modprobe rust_minimal; then
	line=$(dmesg | grep 'Rust minimal sample (init)')
	kl_check rust-module-loads "$line" [ -n "$line" ]
	modprobe -r rust_minimal
	kl_check rust-module-unloads "" sh -c "dmesg | grep -q 'Rust minimal sample (exit)'"
else
	kl_result rust-module-loads fail "modprobe rust_minimal failed"
fi
