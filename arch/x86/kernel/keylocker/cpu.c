// SPDX-License-Identifier: GPL-2.0
/*
 * The two processor writes the Key Locker core needs that only exist as
 * static inline C: CR4 (through the kernel's shadow, so CR4 pinning and the
 * per-CPU copy stay right) and the IWKey copy MSRs. Not exported.
 */
#include <linux/bits.h>
#include <linux/bug.h>
#include <linux/irqflags.h>
#include <asm/cpufeatures.h>
#include <asm/cpuid/api.h>
#include <asm/keylocker.h>
#include <asm/kvm_para.h>
#include <asm/msr.h>
#include <asm/tlbflush.h>

/*
 * Sets CR4.KL if this CPU's own CPUID enumerates Key Locker (CPUs of one
 * machine may differ); -ENODEV if it does not. Interrupts are off from the
 * check to the write, so both are about the same CPU.
 */
int keylocker_cr4_set(void)
{
	u32 eax, ebx, ecx, edx;
	unsigned long flags;
	int ret = 0;

	local_irq_save(flags);
	cpuid_count(7, 0, &eax, &ebx, &ecx, &edx);
	if (cpuid_eax(0) >= 0x19 && ecx & BIT(X86_FEATURE_KEYLOCKER & 31))
		cr4_set_bits_irqsoff(X86_CR4_KEYLOCKER);
	else
		ret = -ENODEV;
	local_irq_restore(flags);
	return ret;
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
