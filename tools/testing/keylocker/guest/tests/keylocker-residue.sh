# SPDX-License-Identifier: GPL-2.0
# The wrapping key's bytes are nowhere in guest RAM, except in
# kernel_key_remember, where the kernel keeps it (which proves the scan can
# find it). The host reads the loaded IWKey through the model's oracle and
# scans a full memory dump.
mode=$(kl_param klmode)
if [ "$(cat $KL_SYSFS/status)" != active ]; then
	kl_result iwkey-residue skip "status $(cat $KL_SYSFS/status): no key to look for"
	exit 0
fi
res=$(kl_host iwkey-scan)
found=${res#*found=}
kl_check iwkey-loaded "$res" [ "${res%% *}" = loaded=1 ]
if [ "$mode" = kernel_key_remember ]; then
	kl_check iwkey-in-ram-as-documented "$res" [ "$found" -ge 1 ]
else
	kl_check iwkey-not-in-ram "$res" [ "$found" = 0 ]
fi
