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
