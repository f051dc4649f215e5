# SPDX-License-Identifier: GPL-2.0
# AF_ALG cross-check of the four AES-KL drivers against the AES library's
# templates: random keys of every size (AES-192 included, which AES-KL
# hands to the library), random IVs and lengths (CTR and XTS tails), data
# sent and received in random pieces so the walks split at odd offsets.
# The seed is printed with every result, so a failure can be replayed.
kl_check aeskl-loaded "" kl_aeskl
kl_check afalg-drivers-by-name "" kl_afalg_drivers
seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
for m in ecb cbc ctr xts; do
	case $m in
	xts) ref="xts(ecb(aes-lib))" lens=32,48,64 ;;
	*) ref="$m(aes-lib)" lens=16,24,32 ;;
	esac
	/kl/bin/klcrypt cross --mode $m --test "$m-aes-aeskl" --ref "$ref" \
		--keylen $lens --count "${KL_CROSS_COUNT:-400}" --seed "$seed" ||
		kl_result "cross-$m-ran" fail "klcrypt cross exited $?"
done
