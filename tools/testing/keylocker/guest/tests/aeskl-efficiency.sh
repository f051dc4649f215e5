# SPDX-License-Identifier: GPL-2.0
# How many Key Locker instructions one request runs, read from the model's
# counters around a klcrypt process that sets a key (ENCODEKEY, not counted
# here) and sends one request of a given size: the wide instructions must
# cover every run of eight blocks, and XTS needs one more for the tweak.
kl_check aeskl-loaded "" kl_aeskl
kl_check afalg-drivers-by-name "" kl_afalg_drivers

# expect NAME WANT DRIVER KEYLEN LEN [--decrypt]
expect() {
	name=$1 want=$2
	shift 2
	before=$(kl_count)
	out=$(/kl/bin/klcrypt once --driver "$1" --keylen "$2" --len "$3" $4 2>&1)
	rc=$?
	after=$(kl_count)
	got=$(kl_count_delta "$before" "$after" | tr ' ' '\n' | grep -v '^encodekey' |
		tr '\n' ' ' | sed 's/ $//')
	want=$(echo "$want" | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')
	kl_check "insns-$name" "$1 key $2 len $3 $4: want '$want', got '$got' ($out)" \
		[ "$rc:$got" = "0:$want" ]
}

expect xts256-4096-encrypt "aesencwide256kl=32 aesenc256kl=1" xts-aes-aeskl 64 4096
expect xts256-4096-decrypt "aesdecwide256kl=32 aesenc256kl=1" xts-aes-aeskl 64 4096 --decrypt
expect xts128-512-encrypt "aesencwide128kl=4 aesenc128kl=1" xts-aes-aeskl 32 512
expect xts128-512-decrypt "aesdecwide128kl=4 aesenc128kl=1" xts-aes-aeskl 32 512 --decrypt
expect ecb256-4x8-encrypt "aesencwide256kl=4" ecb-aes-aeskl 32 512
expect ecb128-8x8-decrypt "aesdecwide128kl=8" ecb-aes-aeskl 16 1024 --decrypt
expect ctr256-2x8 "aesencwide256kl=2" ctr-aes-aeskl 32 256
expect ctr128-2x8-tail "aesencwide128kl=2 aesenc128kl=1" ctr-aes-aeskl 16 261
expect cbc128-3x8-decrypt "aesdecwide128kl=3" cbc-aes-aeskl 16 384 --decrypt
# CBC encryption is sequential: one instruction per block.
expect cbc256-24-encrypt "aesenc256kl=24" cbc-aes-aeskl 32 384
# Seven blocks are no run of eight.
expect ecb128-7-encrypt "aesenc128kl=7" ecb-aes-aeskl 16 112
