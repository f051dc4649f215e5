/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_X86_KEYLOCKER_H
#define _ASM_X86_KEYLOCKER_H

#include <linux/types.h>

/*
 * The system's Key Locker state, published by the built-in core in
 * arch/x86/kernel/keylocker/ as one word: the generation (how many times a
 * wrapping key was loaded in this boot) above KEYLOCKER_STATE_BITS, the
 * features every CPU running the mode offers (KEYLOCKER_STATE_WIDE,
 * KEYLOCKER_STATE_CPL0), and the state in KEYLOCKER_STATE_MASK. See
 * Documentation/arch/x86/keylocker.rst.
 */
#define KEYLOCKER_STATE_BITS		4
#define KEYLOCKER_STATE_MASK		0x3
#define KEYLOCKER_STATE_DISABLED	0
#define KEYLOCKER_STATE_ACTIVE		1
#define KEYLOCKER_STATE_LOST		2
#define KEYLOCKER_STATE_WIDE		0x4
#define KEYLOCKER_STATE_CPL0		0x8

/* Built-in only: whether RFDS is mitigated (Key Locker requires it). */
bool rfds_mitigated(void);

/* Readable by modules: the AES-KL ciphers check it before every request. */
u64 keylocker_state_read(void);

/*
 * For the built-in core only, and deliberately not exported: modules must
 * not be able to change the state, CR4.KL or the IWKey backup.
 */
void keylocker_state_publish(u64 word);
int keylocker_cr4_set(void);
void keylocker_cr4_clear(void);
int keylocker_wrmsr(u32 msr, u64 val);
const char *keylocker_boot_mode_get(size_t *len);

#endif /* _ASM_X86_KEYLOCKER_H */
