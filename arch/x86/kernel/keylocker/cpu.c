// SPDX-License-Identifier: GPL-2.0
/*
 * The two processor writes the Key Locker core needs that only exist as
 * static inline C: CR4 (through the kernel's shadow, so CR4 pinning and the
 * per-CPU copy stay right) and the IWKey copy MSRs. Not exported.
 */
#include <linux/bug.h>
#include <asm/keylocker.h>
#include <asm/msr.h>
#include <asm/tlbflush.h>

void keylocker_cr4_set(void)
{
	cr4_set_bits(X86_CR4_KEYLOCKER);
}

void keylocker_cr4_clear(void)
{
	cr4_clear_bits(X86_CR4_KEYLOCKER);
}

int keylocker_wrmsr(u32 msr, u64 val)
{
	switch (msr) {
	case MSR_IA32_COPY_LOCAL_TO_PLATFORM:
	case MSR_IA32_COPY_PLATFORM_TO_LOCAL:
	case MSR_KVM_KEYLOCKER:
		return wrmsrq_safe(msr, val);
	default:
		WARN_ON_ONCE(1);
		return -EINVAL;
	}
}
