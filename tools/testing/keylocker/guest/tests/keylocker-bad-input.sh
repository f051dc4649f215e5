# SPDX-License-Identifier: GPL-2.0
# Malformed writes to mode are EINVAL and change nothing; then the active
# mode again is a no-op and a different mode is EBUSY.
check_einval() {
	res=$(kl_write $KL_SYSFS/mode "$2")
	kl_check "einval-$1" "$res" [ "$res" = EINVAL ]
}
check_einval newline-only "
"
check_einval unknown bogus
check_einval upper-case NORESTORE
check_einval mixed-case Norestore
check_einval trailing-spaces "norestore  "
check_einval leading-space " norestore"
check_einval two-newlines "norestore

"
check_einval overlong "$(head -c 4096 /dev/zero | tr '\0' a)"
check_einval overlong-prefix-valid "norestore$(head -c 4000 /dev/zero | tr '\0' ' ')"
nul=$( (echo -ne 'nore\0store' >$KL_SYSFS/mode) 2>&1)
kl_check einval-embedded-nul "$nul" sh -c "echo '$nul' | grep -q 'Invalid argument'"
kl_check still-disabled "" [ "$(cat $KL_SYSFS/status)" = disabled ]
kl_check einval-logged "" kl_logged 'keylocker: mode: not a mode name'

res=$(kl_write $KL_SYSFS/mode kernel_key_remember)
kl_check select "$res" [ "$res" = OK ]
res=$(kl_write $KL_SYSFS/mode kernel_key_remember)
kl_check active-again-ok "$res" [ "$res" = OK ]
res=$(kl_write $KL_SYSFS/mode norestore)
kl_check different-busy "$res" [ "$res" = EBUSY ]
kl_check busy-logged "" kl_logged 'keylocker: norestore: kernel_key_remember is already active'
