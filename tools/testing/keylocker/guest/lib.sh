# SPDX-License-Identifier: GPL-2.0
#
# Helpers for in-guest tests, sourced by /init before each test runs.

# kl_result NAME ok|fail|skip [DETAIL...]: report one result to the host.
kl_result() {
	name=$1 status=$2
	shift 2
	echo "KLRESULT $name $status $*"
}

# kl_check NAME DETAIL COMMAND...: run COMMAND, report ok if it succeeds.
kl_check() {
	name=$1 detail=$2
	shift 2
	if "$@"; then
		kl_result "$name" ok "$detail"
	else
		kl_result "$name" fail "$detail (exit $?)"
	fi
}

# kl_host VERB [ARGS...]: ask the host runner to act on this machine (QMP
# actions, memory scans) over the control serial port; prints its reply
# without the "OK " prefix and fails if the host says ERR.
kl_host() {
	# One open file for request and reply: the UART drops what arrives
	# while no one has it open.
	exec 3<>/dev/ttyS1
	stty raw -echo <&3
	echo "REQ $*" >&3
	read -r reply <&3
	exec 3<&-
	case "$reply" in
	"OK"*) echo "${reply#OK}" | sed 's/^ //' ;;
	*) echo "$reply" >&2; return 1 ;;
	esac
}

# kl_try NAME COMMAND...: run COMMAND, report ok if it succeeds, else fail
# with the last lines it printed.
kl_try() {
	name=$1
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" = 0 ]; then
		kl_result "$name" ok
	else
		kl_result "$name" fail "$(echo "$out" | tail -n 3 | tr '\n' ' ')(exit $rc)"
	fi
}

# kl_unhex HEX: write the bytes HEX stands for to stdout (printf's \x
# escapes, which dash's built-in printf lacks).
kl_unhex() {
	env printf "$(echo "$1" | sed 's/../\\x&/g')"
}

# kl_cpuid LEAF [SUBLEAF]: print EAX EBX ECX EDX of CPU 0 in decimal, read
# through the cpuid driver (whose file offset is SUBLEAF << 32 | LEAF).
kl_cpuid() {
	off=$(( ($(( ${2:-0} )) << 32) | $(( $1 )) ))
	dd if=/dev/cpu/0/cpuid bs=16 count=1 skip="$off" iflag=skip_bytes 2>/dev/null |
		od -An -v -tu4
}

# kl_write FILE VALUE: write VALUE (no newline added) to FILE in one write;
# prints OK or the errno name the kernel returned.
kl_write() {
	err=$( (echo -n "$2" >"$1") 2>&1) && { echo OK; return; }
	case "$err" in
	*"Invalid argument"*) echo EINVAL ;;
	*"not supported"*) echo EOPNOTSUPP ;;
	*"resource busy"*) echo EBUSY ;;
	*"temporarily unavailable"*) echo EAGAIN ;;
	*"Input/output error"*) echo EIO ;;
	*"No such device"*) echo ENODEV ;;
	*) echo "UNKNOWN($err)" ;;
	esac
}

# kl_logged TEXT: true if the kernel log has a line containing TEXT.
kl_logged() {
	dmesg | grep -q -- "$1"
}

# kl_param NAME: the value of NAME= on the kernel command line.
kl_param() {
	sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" /proc/cmdline
}

KL_SYSFS=/sys/devices/system/cpu/keylocker

# kl_cr4_all BIT: true if CR4.KL on every vCPU (as QEMU reports it) is BIT.
kl_cr4_all() {
	cr4=$(kl_host cr4kl) || return 1
	for b in $cr4; do
		[ "$b" = "$1" ] || return 1
	done
}

# kl_ring3 [ARGS...]: run the ring-3 Key Locker checks, pass their results
# through, and report whether the program itself ran to the end.
kl_ring3() {
	klring3=/kl/bin/klring3
	if [ ! -x "$klring3" ]; then
		kl_result ring3-ran fail "$klring3 missing from the initramfs"
		return
	fi
	"$klring3" "$@"
	rc=$?
	kl_check ring3-ran "$klring3 $* exited $rc" [ "$rc" -eq 0 ]
}

# kl_aeskl [PARAM=VALUE...]: make Key Locker active in the klmode= mode if it
# is not, then load aeskl with PARAMs (if it is not loaded yet).
kl_aeskl() {
	if [ "$(cat $KL_SYSFS/status)" != active ]; then
		[ "$(kl_write $KL_SYSFS/mode "$(kl_param klmode)")" = OK ] || return 1
	fi
	grep -q '^aeskl ' /proc/modules || modprobe aeskl "$@"
}

# kl_afalg_drivers: let AF_ALG bind any algorithm or driver by name (this
# kernel's default allows only a list of algorithm names), as an
# administrator would to let user space ask for *-aes-aeskl.
kl_afalg_drivers() {
	echo 0 >/proc/sys/crypto/af_alg_restrict
}

# kl_count: the model's Key Locker instruction counters, summed over all
# vCPUs, as "insn=executed/failed" words.
kl_count() {
	kl_host klcount
}

# kl_count_delta BEFORE AFTER: what ran between two kl_count readings, as
# sorted "insn=N" words (and "insn-failed=N" for ZF failures), zeros left
# out.
kl_count_delta() {
	printf '%s\n%s\n' "$1" "$2" | awk '
	NR == 1 { for (i = 1; i <= NF; i++) {
		split($i, a, "[=/]"); e[a[1]] = a[2]; f[a[1]] = a[3] } }
	NR == 2 { for (i = 1; i <= NF; i++) { split($i, a, "[=/]")
		if (a[2] - e[a[1]]) print a[1] "=" a[2] - e[a[1]]
		if (a[3] - f[a[1]]) print a[1] "-failed=" a[3] - f[a[1]] } }' |
		sort | tr '\n' ' ' | sed 's/ $//'
}

# kl_hex N: N random bytes in hex.
kl_hex() {
	head -c "$1" /dev/urandom | od -An -v -tx1 | tr -d ' \n'
}

# kl_scan_key HEX: how often any 16-byte piece of the key HEX appears in a
# dump of all guest RAM (a key schedule starts with the key itself).
kl_scan_key() {
	kl_host scan $(echo "$1" | sed 's/.\{32\}/& /g')
}

# kl_hold_start DRIVER KEY [ARGS...]: key a tfm of DRIVER through AF_ALG in
# a klcrypt process that wipes its own copies and then waits; fails unless
# the tfm encrypted once. Up to four run at once, one per slot: hold_slot
# (0 to 3, default 0) names the slot for this and kl_hold_finish; $hold_pid
# is the process of the last one started.
kl_hold_start() {
	s=${hold_slot:-0} hold_driver=$1 hold_key=$2
	shift 2
	rm -f /tmp/hold$s.in /tmp/hold$s.out
	mkfifo /tmp/hold$s.in
	/kl/bin/klcrypt hold-key --driver "$hold_driver" --key "$hold_key" "$@" \
		</tmp/hold$s.in >/tmp/hold$s.out 2>&1 &
	hold_pid=$!
	eval "hold_pid$s=$hold_pid"
	eval "exec $((5 + s))>/tmp/hold$s.in"
	for _ in $(seq 100); do
		grep -q '^KLHOLD before' /tmp/hold$s.out && return 0
		sleep 0.1
	done
	return 1
}

# kl_hold_finish: let the klcrypt of kl_hold_start encrypt again and exit;
# fails if it did not encrypt the same as before. Its output is left in
# $hold_out (not printed: the process must be waited for by this shell).
kl_hold_finish() {
	s=${hold_slot:-0}
	eval "echo go >&$((5 + s)); exec $((5 + s))>&-; wait \$hold_pid$s"
	rc=$?
	hold_out=$(tr '\n' ' ' </tmp/hold$s.out)
	return $rc
}

# busybox sh runs its own applets before anything on PATH: the tests call
# e2fsprogs' mke2fs and e2fsck by their paths.

# kl_luks_format DEVICE CIPHER [ARGS...]: LUKS2 with 4096-byte sectors and
# a 512-bit key, a fixed passphrase (in /tmp/pass) and PBKDF2 at its minimum:
# the test machine is slow and the passphrase is not what is tested.
kl_luks_format() {
	luks_dev=$1 luks_cipher=$2
	shift 2
	echo -n kl-test-passphrase >/tmp/pass
	cryptsetup luksFormat -q --type luks2 --cipher "$luks_cipher" --key-size 512 \
		--sector-size 4096 --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
		--key-file /tmp/pass "$@" "$luks_dev"
}

# kl_luks_open DEVICE NAME [ARGS...]: open with kl_luks_format's passphrase.
kl_luks_open() {
	luks_dev=$1 luks_name=$2
	shift 2
	echo -n kl-test-passphrase >/tmp/pass
	cryptsetup open --key-file /tmp/pass "$@" "$luks_dev" "$luks_name"
}

# kl_dm_cipher TABLE CIPHER: the dm-crypt TABLE line with its cipher
# replaced, to map the same data with another implementation.
kl_dm_cipher() {
	echo "$1" | awk -v c="$2" '{ $4 = c; print }'
}

# kl_same_sum FILE SUMFILE: true if SUMFILE holds the sha256sum (of stdin)
# of FILE; false if either is missing or empty.
kl_same_sum() {
	[ -s "$1" ] && [ -s "$2" ] && [ "$(sha256sum <"$1")" = "$(cat "$2")" ]
}

# kl_volume_write: fill the open volume /dev/mapper/vol as
# aeskl-keyloss-reboot reads it back: an ext4 file system in the first
# 16 MiB with a 1 MiB file and the sha256sums of that file and of 64 KiB of
# raw data (/tmp/raw), which go at 24 MiB, past the file system.
kl_volume_write() {
	head -c 1048576 /dev/urandom >/tmp/data
	head -c 65536 /dev/urandom >/tmp/raw
	/usr/sbin/mke2fs -q -t ext4 /dev/mapper/vol 16M &&
		mount -t ext4 /dev/mapper/vol /mnt &&
		cp /tmp/data /mnt/data && sha256sum </tmp/data >/mnt/data.sum &&
		sha256sum </tmp/raw >/mnt/raw.sum && umount /mnt &&
		dd if=/tmp/raw of=/dev/mapper/vol bs=65536 seek=384 oflag=direct 2>/dev/null
}

# kl_raw_read: read kl_volume_write's raw data back in one request: its
# sha256sum in $raw_got (that of nothing if the read failed) and what dd
# said in $raw_err.
kl_raw_read() {
	raw_got=$(dd if=/dev/mapper/vol bs=65536 count=1 skip=384 iflag=direct \
		2>/tmp/dd.err | sha256sum)
	raw_err=$(tr '\n' ' ' </tmp/dd.err)
}

# kl_users_start: the users that kl_users_check checks: AES-KL loaded in
# the klmode= mode, a LUKS2 volume on AES-KL on /dev/vda open as "vol" and
# filled by kl_volume_write, and AF_ALG xts and cbc transforms of AES-KL in
# kl_hold_start's slots 0 and 1.
kl_users_start() {
	kl_check aeskl-loaded "" kl_aeskl
	kl_check afalg-drivers-by-name "" kl_afalg_drivers
	kl_check format "" kl_luks_format /dev/vda capi:xts-aes-aeskl-plain64
	kl_check open "" kl_luks_open /dev/vda vol
	kl_check volume-written "" kl_volume_write
	users_key=$(kl_hex 32)
	hold_slot=0
	kl_check afalg-xts-keyed "" kl_hold_start xts-aes-aeskl "$users_key" --len 4096
	hold_slot=1
	kl_check afalg-cbc-keyed "" kl_hold_start cbc-aes-aeskl "$users_key" --len 4096
	hold_slot=0
}

# kl_users_check works|fails: after an event, read kl_volume_write's raw
# data and let the AF_ALG transforms of kl_hold_start's slots 0 and 1
# encrypt again. "works": the data and both ciphertexts are what they were.
# "fails": never wrong data: the read fails with an I/O error and returns
# nothing, the transforms with ENOKEY and zeros in their destination.
kl_users_check() {
	kl_raw_read
	for s in 0 1; do
		hold_slot=$s
		kl_hold_finish
		rc=$?
		# Without the first ciphertext, which is long.
		out=$(echo "$hold_out" | sed 's/KLHOLD before [0-9a-f]* //')
		if [ "$1" = works ]; then
			kl_check "afalg-slot$s-same" "$out" [ "$rc" = 0 ]
		else
			kl_check "afalg-slot$s-enokey-zeros" "$out" sh -c \
				'echo "$1" | grep -q "KLHOLD dst zero .*error ENOKEY"' _ "$out"
		fi
	done
	hold_slot=0
	if [ "$1" = works ]; then
		kl_check dm-crypt-reads-back "$raw_err" \
			[ "$raw_got" = "$(sha256sum </tmp/raw)" ]
	else
		kl_check dm-crypt-read-fails "$raw_err" \
			sh -c 'echo "$1" | grep -q "Input/output error"' _ "$raw_err"
		kl_check dm-crypt-read-returns-nothing "" [ "$raw_got" = "$(sha256sum </dev/null)" ]
	fi
}
