#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Self-test of the klinsn QEMU plugin: build it and the bare-metal payload
# selftest.S, boot the payload twice under the plugin and check the snapshot
# deltas (see the table in selftest.S) and that both runs wrote identical
# output. Runs inside the toolchain chroot.
# Prints "KLRESULT plugin-<name> ok|fail <detail>" lines; exits 0 even when a
# check fails, non-zero only on a usage error. KLINSN_KEEP=1 keeps the
# temporary directory (inside the chroot's /tmp).
#
# Usage: selftest.sh [QEMU_DIR]   (default: the newest /cache/qemu-*/ with a
#                                  build/qemu-system-x86_64; src/ must exist)
set -euo pipefail

[ $# -le 1 ] || { echo "usage: $0 [QEMU_DIR]" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)

result() { echo "KLRESULT plugin-$1 $2 ${*:3}"; }

qdir=${1:-}
if [ -z "$qdir" ]; then
	qbin=$(ls -t /cache/qemu-*/build/qemu-system-x86_64 2>/dev/null | head -n1 || true)
	qdir=${qbin%/build/qemu-system-x86_64}
fi
qemu=$qdir/build/qemu-system-x86_64
if [ -z "$qdir" ] || [ ! -x "$qemu" ] || [ ! -d "$qdir/src/include/qemu" ]; then
	result build fail "no QEMU build with sources found (${qdir:-none})"
	exit 0
fi

tmp=$(mktemp -d)
trap '[ -n "${KLINSN_KEEP:-}" ] || rm -rf "$tmp"' EXIT

if ! "$here/build.sh" "$qdir/src" "$tmp/klinsn.so" >"$tmp/build.log" 2>&1; then
	result build fail "plugin: $(tr '\n' ' ' <"$tmp/build.log" | cut -c1-300)"
	exit 0
fi
if ! { clang-19 --target=i686-unknown-none-elf -m32 -c "$here/selftest.S" -o "$tmp/st.o" &&
	ld.lld-19 -m elf_i386 -nostdlib -static -T "$here/selftest.ld" "$tmp/st.o" \
		-o "$tmp/payload.elf"; } >"$tmp/build.log" 2>&1; then
	result build fail "payload: $(tr '\n' ' ' <"$tmp/build.log" | cut -c1-300)"
	exit 0
fi
result build ok "plugin and payload built against $qdir"

sym() { llvm-nm-19 "$tmp/payload.elf" | awk -v s="$1" '$3 == s { print $1 }'; }
w0=0x$(sym klst_watch_a)
w1=$(printf '0x%x' $((0xffff800000000000 + 0x$(sym klst_watch_d))))

# run N [QEMU_ARGS...]: boot the payload, output in $tmp/runN.txt, QEMU
# status in $tmp/runN.rc
run() {
	local n=$1 rc=0
	shift
	timeout 120 "$qemu" -L /usr/share/qemu -L /usr/share/seabios \
		-display none -nographic -no-reboot -machine pc -accel tcg -m 64M -nic none \
		-cpu max,kl=on -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		-kernel "$tmp/payload.elf" \
		-plugin "$tmp/klinsn.so,out=$tmp/run$n.txt,watch=$w0,watch=$w1" "$@" \
		</dev/null >"$tmp/run$n.log" 2>&1 || rc=$?
	echo "$rc" >"$tmp/run$n.rc"
}
run 1
run 2
# SeaBIOS polls timers, so without -icount the firmware's instruction count
# (before the first snapshot) varies from run to run; with it, it does not.
run 3 -icount shift=0,sleep=off
run 4 -icount shift=0,sleep=off

rc=$(cat "$tmp/run1.rc")
if [ "$rc" = 33 ]; then
	result boot ok "payload exited through isa-debug-exit (status 33)"
else
	result boot fail "QEMU status $rc (33 expected; 35 = Key Locker ZF failure," \
		"0 = triple fault): $(tail -c 300 "$tmp/run1.log" | tr '\n' ' ')"
fi

# value FILE TAG KEY: KEY of the cpu 0 snapshot with tag TAG
value() {
	awk -v tag="tag=$2" -v key="$3" '
		$1 == "snap" && $2 == "cpu=0" && $3 == tag {
			for (i = 4; i <= NF; i++) {
				split($i, kv, "=")
				if (kv[1] == key) { print kv[2]; exit }
			}
		}' "$1"
}

# check NAME TAG_A TAG_B KEY=DELTA...: deltas between two snapshots of run 1
check() {
	local name=$1 a=$2 b=$3 kv key want va vb bad="" got=""
	shift 3
	for kv in "$@"; do
		key=${kv%%=*}
		want=${kv#*=}
		va=$(value "$tmp/run1.txt" "$a" "$key")
		vb=$(value "$tmp/run1.txt" "$b" "$key")
		if [ -z "$va" ] || [ -z "$vb" ]; then
			bad+=" $key:missing"
		elif [ $((vb - va)) -ne "$want" ]; then
			bad+=" $key:$((vb - va))!=$want"
		else
			got+=" $key=$want"
		fi
	done
	if [ -n "$bad" ]; then
		result "$name" fail "snap $a->$b:$bad"
	else
		result "$name" ok "snap $a->$b:$got"
	fi
}

check aesni-delta 1 2 u_aesni=10 k_aesni=0 u_keylocker=0 u_clmul=0
check other-delta 1 2 u_other=25 k_other=0
check range 1 2 r_aesni=10 r_other=20 r_keylocker=0 r_clmul=0
check watch 1 2 w0=10 w1=0
check encodings 3 4 u_aesni=12 u_clmul=2 u_keylocker=0 u_other=8 \
	r_aesni=0 r_other=0
check keylocker 5 6 u_keylocker=10 u_other=19 u_aesni=0 u_clmul=0
check kernel64 7 8 k_aesni=10 k_keylocker=1 k_other=26 k_clmul=0 \
	u_other=0 u_aesni=0 r_aesni=10 r_other=20 w0=0 w1=10

if grep -q '^total cpu=0 ' "$tmp/run1.txt"; then
	result total ok "$(grep '^total cpu=0 ' "$tmp/run1.txt" | cut -c1-120)"
else
	result total fail "no total line for cpu 0"
fi

# The determinism checks compare the snapshots only. The totals at exit
# may or may not count the OUT to isa-debug-exit that ends the run: QEMU
# exits from inside that instruction, and whether its count was added by
# then varies from run to run (seen as k_other=39 against 40).

# rebase FILE: the snapshot lines with every counter minus its value in
# the cpu 0 snapshot tagged 1, i.e. the guest work after that marker
rebase() {
	awk '
		$1 == "snap" && $2 == "cpu=0" && $3 == "tag=1" {
			for (i = 4; i <= NF; i++) { split($i, kv, "="); base[kv[1]] = kv[2] }
		}
		$1 == "snap" { line[++n] = $0 }
		END {
			for (j = 1; j <= n; j++) {
				m = split(line[j], f, " ")
				out = f[1]
				for (i = 2; i <= m; i++) {
					split(f[i], kv, "=")
					if (kv[1] in base)
						out = out " " kv[1] "=" kv[2] - base[kv[1]]
					else
						out = out " " f[i]
				}
				print out
			}
		}' "$1"
}

# same N M NAME DETAIL: compare runs N and M, raw or rebased
same() {
	local a=$1 b=$2 name=$3 how=$4
	if [ "$(cat "$tmp/run$a.rc")" != 33 ] || [ "$(cat "$tmp/run$b.rc")" != 33 ]; then
		result "$name" fail "QEMU status $(cat "$tmp/run$a.rc") / $(cat "$tmp/run$b.rc")"
	elif ! grep -q '^snap' "$tmp/run$a.txt"; then
		result "$name" fail "no snapshots to compare"
	elif [ "$how" = raw ] &&
		cmp -s <(grep '^snap' "$tmp/run$a.txt") <(grep '^snap' "$tmp/run$b.txt"); then
		result "$name" ok "runs $a and $b: identical snapshots"
	elif [ "$how" = rebased ] &&
		cmp -s <(rebase "$tmp/run$a.txt") <(rebase "$tmp/run$b.txt"); then
		result "$name" ok "runs $a and $b: identical counts after snapshot 1" \
			"($(grep -c '^snap' "$tmp/run$a.txt") snapshots)"
	else
		result "$name" fail "runs $a and $b ($how) differ in" \
			"$(diff <(rebase "$tmp/run$a.txt") <(rebase "$tmp/run$b.txt") |
				grep -c '^<') lines"
	fi
}

same 1 2 determinism rebased
same 3 4 determinism-icount raw
same 1 3 icount-same-work rebased
exit 0
