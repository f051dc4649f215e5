// SPDX-License-Identifier: GPL-2.0
/*
 * keylocker.mode= on the kernel command line. The core applies it after SMP
 * bring-up exactly like a write to /sys/devices/system/cpu/keylocker/mode;
 * only the string is kept here, because __setup() has no Rust equivalent.
 */
#include <linux/init.h>
#include <linux/string.h>
#include <asm/keylocker.h>

/* Longer than any mode name, so an overlong request is kept overlong. */
static char keylocker_boot_mode[64];
static size_t keylocker_boot_mode_len;
/* An empty keylocker.mode= is a request too, and refused like any bad name. */
static bool keylocker_boot_mode_given;

static int __init keylocker_mode_setup(char *arg)
{
	keylocker_boot_mode_given = true;
	keylocker_boot_mode_len = strlen(arg);
	strscpy(keylocker_boot_mode, arg);
	return 1;
}
__setup("keylocker.mode=", keylocker_mode_setup);

/* The requested mode, or NULL if none; *len is its full length. */
const char *keylocker_boot_mode_get(size_t *len)
{
	*len = keylocker_boot_mode_len;
	return keylocker_boot_mode_given ? keylocker_boot_mode : NULL;
}
