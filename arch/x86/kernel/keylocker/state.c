// SPDX-License-Identifier: GPL-2.0
/*
 * The published Key Locker state word (see asm/keylocker.h).
 *
 * It lives in C because reading it must be exported to modules while
 * changing it must not be: the AES-KL cipher module reads it before every
 * request, and only the built-in core publishes.
 */
#include <linux/atomic.h>
#include <linux/export.h>
#include <asm/keylocker.h>

static atomic64_t keylocker_state_word = ATOMIC64_INIT(KEYLOCKER_STATE_DISABLED);

u64 keylocker_state_read(void)
{
	return atomic64_read_acquire(&keylocker_state_word);
}
EXPORT_SYMBOL_GPL(keylocker_state_read);

void keylocker_state_publish(u64 word)
{
	atomic64_set_release(&keylocker_state_word, word);
}
