# SPDX-License-Identifier: GPL-2.0
# The cipher half of `make bench`, under the klinsn plugin: for every AES
# driver of each mode (AES-KL, AES-NI and any faster variant this CPU
# gets), key size and request size, one klcrypt process on CPU 0 runs
# KL_BENCH_REQUESTS requests with fixed key, IV and data between two
# snapshot markers, with the driver's own code as the plugin's ranges.
# Each run prints one KLBENCH line; klbench.py turns them and the plugin's
# snapshots into the table. With klbench=quick (the smoke run in make
# check) only XTS-512 on 4096 bytes, and the plugin's snapshots are checked
# here.
kl_check aeskl-loaded "" kl_aeskl
kl_check afalg-drivers-by-name "" kl_afalg_drivers
# The module's address and size (/proc/modules), as a range; shell
# arithmetic, since awk's numbers are doubles.
aeskl=$(awk '$1 == "aeskl" { print $6, $2 }' /proc/modules | {
	read -r base size && printf '%x-%x' $((base)) $((base + size))
})
ranges_kl="$aeskl,$(kl_host ranges rust)"
ranges_ni=$(kl_host ranges aesni)
kl_check driver-ranges "aeskl $ranges_kl, aesni $ranges_ni" \
	[ "${aeskl%%-*}" != 0 -a -n "$aeskl" -a -n "$ranges_ni" ]

# drivers MODE: every driver of MODE(aes) but the generic templates and
# the AES library's (whose code is neither AES-NI's nor ours).
drivers() {
	awk -v n="$1(aes)" '$1 == "name" { name = $3 }
		$1 == "driver" && name == n && $3 !~ /[(]|-lib$/ { print $3 }' /proc/crypto |
		sort -u
}

quick=$([ "$(kl_param klbench)" = quick ] && echo 1)
if [ -n "$quick" ]; then
	modes=xts bits_list=256 sizes=4096
else
	modes="ecb cbc ctr xts" bits_list="128 256" sizes="16 512 4096 65536"
fi
# smoke_check DRIVER TAG KL: the plugin saw both markers on CPU 0, with
# Key Locker or AES instructions between them, and exactly one FPU section
# per request (a page-aligned 4 KiB request is one walk step).
smoke_check() {
	if ! a=$(kl_host snap "$2") || ! b=$(kl_host snap $(($2 + 1))); then
		kl_result "plugin-counts-$1" fail "no plugin snapshot with tag $2 or $(($2 + 1))"
		return
	fi
	field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | grep . || echo 0; }
	case $1 in
	*-aeskl) insns=$(( $(field "$b" k_keylocker) - $(field "$a" k_keylocker) )) ;;
	*) insns=$(( $(field "$b" k_aesni) - $(field "$a" k_aesni) )) ;;
	esac
	fpu=$(( $(field "$b" w0) - $(field "$a" w0) ))
	kl_check "plugin-counts-$1" "cipher instructions $insns, FPU sections $fpu, model $3" \
		[ "$insns" -gt 0 -a "$fpu" -eq "$requests" ]
}

tag=0
for mode in $modes; do
	for drv in $(drivers $mode); do
		case $drv in
		*-aeskl) ranges=$ranges_kl ;;
		*) ranges=$ranges_ni ;;
		esac
		for bits in $bits_list; do
			keylen=$((bits / 8))
			[ $mode = xts ] && keylen=$((keylen * 2))
			for size in $sizes; do
				requests=$((size >= 65536 ? 4 : 16))
				tag=$((tag + 2))
				before=$(kl_count)
				out=$(/kl/bin/klcrypt once --driver "$drv" --keylen $keylen \
					--len $size --requests $requests --cpu 0 --seed 1 \
					--ranges "$ranges" --mark $tag 2>&1)
				rc=$?
				kl=$(kl_count_delta "$before" "$(kl_count)" | tr ' ' ',')
				echo "KLBENCH tag=$tag driver=$drv mode=$mode bits=$bits" \
					"size=$size requests=$requests kl=${kl:-none} rc=$rc"
				[ $rc = 0 ] || kl_result "bench-$drv-$bits-$size" fail "$out"
				[ -n "$quick" ] && smoke_check "$drv" $tag "$kl"
			done
		done
	done
done
kl_check bench-ran "$tag runs" [ $tag -gt 0 ]
