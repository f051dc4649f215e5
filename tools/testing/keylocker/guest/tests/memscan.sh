# SPDX-License-Identifier: GPL-2.0
# The host can dump all guest RAM and find bytes the guest put there, and
# does not find bytes that never existed in the guest.
hex=$(head -c 32 /dev/urandom | od -An -v -tx1 | tr -d ' \n')
printf "$(echo "$hex" | sed 's/../\\x&/g')" >/tmp/pattern
# The complement is computed from the text digits, so its bytes never exist.
inv=""
for b in $(echo "$hex" | sed 's/../& /g'); do
	inv="$inv$(printf '%02x' $(( 0xff ^ 0x$b )))"
done
found=$(kl_host scan "$hex")
kl_check memscan-finds-present-bytes "found $found" [ "${found:-0}" -ge 1 ]
missing=$(kl_host scan "$inv")
kl_check memscan-misses-absent-bytes "found $missing" [ "$missing" = 0 ]
