#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Make the Debian system of a distro scenario bootable with our kernel:
# copy the cached debootstrap (distro-root.sh), add the kernel's modules,
# the administrator's configuration from tools/testing/keylocker/distro/
# (common/, then the variant's own files), key files and the test unit,
# and let Debian's own initramfs-tools build the initramfs in it. Writes
# OUT/root.ext4 (the root file system, which the install test copies onto
# the LUKS2 volume), OUT/initrd.img and OUT/cmdline (the kernel parameters
# the image's GRUB configuration would add), for the test kernel that
# all.sh built (/build/paths.env). VARIANT is "common" (only the files in
# distro/common/) or a directory beside it whose files are added. Runs
# inside the chroot; does nothing if the inputs have not changed.
#
# Usage: distro-image.sh VARIANT OUT
set -euo pipefail
. "$(dirname "$0")/lib.sh"

variant=$1 out=$2
obj=$(sed -n 's|^SYSTEM_MAP=\(.*\)/System.map$|\1|p' /build/paths.env)
[ -d "$obj" ] || die "no test kernel in /build/paths.env: run all.sh first"
distro=$KL_TOOLS/distro
src=/cache/$(kl_distro_dir)/root
[ -d "$src" ] || die "$src missing: run build/distro-root.sh on the host"
[ -d "$distro/$variant" ] || die "no distro variant '$variant' in $distro"
release=$(cat "$obj/include/config/kernel.release")

key=$(kl_key "$0" "$src" "$release" "$(find "$obj/modroot" "$distro" "$KL_TOOLS/guest" \
	-type f -exec sha256sum {} + | sort)")
if [ "$(cat "$out/key" 2>/dev/null)" = "$key" ]; then
	exit 0
fi
log "building the Debian image '$variant' in $out"
root=$(mktemp -d /cache/distro-image.XXXXXX)
trap 'umount -R "$root/proc" "$root/dev" 2>/dev/null || true; rm -rf "$root"' EXIT
cp -a "$src/." "$root/"
mkdir -p "$root/usr/lib/modules"
cp -a "$obj/modroot/lib/modules/$release" "$root/usr/lib/modules/"
cp "$obj/.config" "$root/boot/config-$release"
cp "$obj/System.map" "$root/boot/System.map-$release"
cp -r "$distro/common/." "$root/"
[ "$variant" = common ] || cp -r "$distro/$variant/." "$root/"
# The hook and the boot script are kept without execute permission in the
# tree (checkpatch); an administrator installs them executable.
chmod 0755 "$root/etc/initramfs-tools/hooks/keylocker" \
	"$root/etc/initramfs-tools/scripts/init-premount/keylocker"
echo kl-distro >"$root/etc/hostname"
mkdir -p "$root/srv/data" "$root/etc/keys"
chmod 0700 "$root/etc/keys"
for k in root data; do
	head -c 64 /dev/urandom >"$root/etc/keys/$k.key"
	chmod 0400 "$root/etc/keys/$k.key"
done
# The test unit and the in-guest tests: not part of the administrator's
# configuration.
mkdir -p "$root/usr/local/lib/kl"
cp "$KL_TOOLS/guest/lib.sh" "$root/usr/local/lib/kl/lib.sh"
cp -r "$KL_TOOLS/guest/tests" "$root/usr/local/lib/kl/tests"
install -m 0755 "$KL_TOOLS/guest/distro-tests.sh" "$root/usr/local/lib/kl/distro-tests"
cp "$KL_TOOLS/guest/kl-tests.service" "$root/etc/systemd/system/"
mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
ln -s /etc/systemd/system/kl-tests.service \
	"$root/etc/systemd/system/multi-user.target.wants/kl-tests.service"
# The tests report on the serial console: no getty may hang it up.
ln -s /dev/null "$root/etc/systemd/system/serial-getty@ttyS0.service"

mount -t proc proc "$root/proc"
mount --rbind /dev "$root/dev"
chroot "$root" depmod "$release"
chroot "$root" update-initramfs -c -k "$release" >"$root/update-initramfs.log" 2>&1 || {
	cat "$root/update-initramfs.log" >&2
	die "update-initramfs failed"
}
umount -R "$root/proc" "$root/dev"
mkdir -p "$out"
cp "$root/boot/initrd.img-$release" "$out/initrd.img.tmp"
rm "$root/update-initramfs.log"
# The kernel parameters the image's grub.d file adds, with the root that
# Debian's GRUB would pass.
# shellcheck disable=SC1091
cmdline=$(GRUB_CMDLINE_LINUX="root=/dev/mapper/root ro" &&
	. "$root/etc/default/grub.d/keylocker.cfg" && echo "$GRUB_CMDLINE_LINUX")
# Room for what the tests write.
size=$(($(du -sm "$root" | cut -f1) * 5 / 4 + 64))
/usr/sbin/mke2fs -q -t ext4 -b 4096 -L root -d "$root" "$out/root.ext4.tmp" "${size}M"
mv "$out/root.ext4.tmp" "$out/root.ext4"
mv "$out/initrd.img.tmp" "$out/initrd.img"
echo "$cmdline" >"$out/cmdline"
echo "$key" >"$out/key"
