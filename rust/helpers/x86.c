// SPDX-License-Identifier: GPL-2.0

#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <linux/irqflags.h>

__rust_helper bool rust_helper_boot_cpu_has(u16 bit)
{
	return boot_cpu_has(bit);
}

__rust_helper bool rust_helper_boot_cpu_has_bug(u16 bug)
{
	return boot_cpu_has_bug(bug);
}

__rust_helper int rust_helper_rdmsrq_safe(u32 msr, u64 *val)
{
	return rdmsrq_safe(msr, val);
}

__rust_helper bool rust_helper_irqs_disabled(void)
{
	return irqs_disabled();
}
