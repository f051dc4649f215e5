/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Bare-metal payload for the klinsn plugin self-test (multiboot v1, booted
 * with -kernel at 1 MiB, -cpu max,kl=on).  Interrupts stay off and there is
 * no IDT: any exception triple-faults and, with -no-reboot, ends QEMU with
 * status 0 instead of the isa-debug-exit status.
 *
 * Snapshot pairs and the deltas selftest.sh expects (a snapshot includes
 * its own CPUID, so every delta has 4 "other" for the second marker):
 *   1->2  32-bit loop, 10 x aesenc in range [loop_a, loop_a_end),
 *         watch w0 = klst_watch_a:  u_aesni=10 u_other=25 r_aesni=10
 *         r_other=20 w0=10
 *   3->4  32-bit mix after clearing the ranges: u_aesni=12 u_clmul=2
 *         u_other=8, r_* 0
 *   5->6  32-bit Key Locker: u_keylocker=10 u_other=19
 *   7->8  64-bit at the kernel-half alias 0xffff800000000000 + phys, REX
 *         forms, range [loop_d, loop_d_end), w1 = klst_watch_d + alias:
 *         k_aesni=10 k_keylocker=1 k_other=26 r_aesni=10 r_other=20 w1=10
 * Exit: 0x10 to port 0xf4 (QEMU status 33); 0x11 (status 35) if a Key
 * Locker instruction reported failure through ZF.
 */

#define MB_MAGIC	0x1badb002
#define MB_FLAGS	0x00000003
#define KBASE		0xffff800000000000

/* marker: 4 instructions, the last one the CPUID */
.macro MARK cmd, tag
	movl $0x4b4c5054, %eax
	movl $\cmd, %ecx
	movl $\tag, %edx
	cpuid
.endm

	.section .multiboot, "a"
	.align 4
	.long MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

	.text
	.code32
	.globl _start
_start:
	cli
	movl $stack_top, %esp
	lgdt gdt_desc
	ljmp $0x08, $1f
1:	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movl %cr0, %eax
	andl $~0xc, %eax		/* EM, TS off */
	orl $0x2, %eax			/* MP */
	movl %eax, %cr0
	movl %cr4, %eax
	orl $((1 << 9) | (1 << 10) | (1 << 18) | (1 << 19)), %eax
	movl %eax, %cr4			/* OSFXSR OSXMMEXCPT OSXSAVE KL */
	xorl %ecx, %ecx
	xorl %edx, %edx
	movl $7, %eax			/* x87 SSE AVX */
	xsetbv

	/* ---- 1->2: loop, range, watch ---- */
	movl $loop_a, %esi
	movl $loop_a_end, %edi
	MARK 2, 0
	jmp 1f				/* new TB: the range is in effect */
1:	MARK 1, 1
	movl $10, %ebx
loop_a:
	.globl klst_watch_a
klst_watch_a:
	aesenc %xmm1, %xmm0
	decl %ebx
	jnz loop_a
loop_a_end:
	MARK 1, 2
	MARK 3, 0
	jmp 1f

	/* ---- 3->4: encodings ---- */
1:	MARK 1, 3
	aesenc %xmm1, %xmm0
	aesenclast %xmm1, %xmm0
	aesdec %xmm1, %xmm0
	aesdeclast %xmm1, %xmm0
	aesimc %xmm1, %xmm2
	aeskeygenassist $1, %xmm1, %xmm2
	aesenc blk, %xmm0			/* disp32 */
	xorl %ebx, %ebx				/* other */
	leal blk, %esi				/* other */
	aesdec 16(%esi,%ebx,1), %xmm0		/* SIB + disp8 */
	vaesenc %xmm1, %xmm2, %xmm3		/* VEX.128 */
	vaesdeclast blk, %xmm2, %xmm3
	vaesimc %xmm1, %xmm2
	vaeskeygenassist $2, %xmm1, %xmm2
	pclmulqdq $0x11, %xmm1, %xmm0
	vpclmulqdq $0x00, %xmm1, %xmm2, %xmm3
	movdqa %xmm0, %xmm4			/* other */
	pshufb %xmm1, %xmm0			/* other, 66 0F 38 00 */
	MARK 1, 4

	/* ---- 5->6: Key Locker ---- */
	MARK 1, 5
	xorl %eax, %eax
	loadiwkey %xmm2, %xmm1
	encodekey128 %eax, %eax
	movdqu %xmm0, h128
	movdqu %xmm1, h128 + 16
	movdqu %xmm2, h128 + 32
	aesenc128kl h128, %xmm3
	jz kl_fail
	aesdec128kl h128, %xmm3
	jz kl_fail
	aesencwide128kl h128
	jz kl_fail
	aesdecwide128kl h128
	jz kl_fail
	encodekey256 %eax, %eax
	movdqu %xmm0, h256
	movdqu %xmm1, h256 + 16
	movdqu %xmm2, h256 + 32
	movdqu %xmm3, h256 + 48
	aesenc256kl h256, %xmm3
	jz kl_fail
	aesdec256kl h256, %xmm3
	jz kl_fail
	.byte 0x66				/* 66 F3 0F 38 DC: F3 wins */
	aesenc128kl h128, %xmm3
	jz kl_fail
	MARK 1, 6

	/* ---- long mode, identity + kernel-half alias of the first 2 MiB ---- */
	movl $pdpt + 3, pml4
	movl $pdpt + 3, pml4 + 256 * 8
	movl $pd + 3, pdpt
	movl $0x83, pd				/* 2 MiB page at 0 */
	movl $pml4, %eax
	movl %eax, %cr3
	movl %cr4, %eax
	orl $(1 << 5), %eax			/* PAE */
	movl %eax, %cr4
	movl $0xc0000080, %ecx
	rdmsr
	orl $(1 << 8), %eax			/* EFER.LME */
	wrmsr
	movl %cr0, %eax
	orl $0x80000000, %eax
	movl %eax, %cr0
	ljmp $0x18, $long64

	.code64
long64:
	movabsq $KBASE, %rax
	leaq hi_entry(%rip), %rbx
	addq %rbx, %rax
	jmp *%rax

	/* ---- 7->8: runs at KBASE + phys ---- */
hi_entry:
	leaq loop_d(%rip), %rsi
	leaq loop_d_end(%rip), %rdi
	MARK 2, 0
	jmp 1f
1:	MARK 1, 7
	movl $10, %ebx
loop_d:
	.globl klst_watch_d
klst_watch_d:
	aesenc %xmm8, %xmm9			/* 66 45 0F 38 DC C8 */
	decl %ebx
	jnz loop_d
loop_d_end:
	aesenc128kl h128(%rip), %xmm9		/* F3 44 0F 38 DC 0D rel32 */
	jz kl_fail64
	MARK 1, 8
	movb $0x10, %al
	outb %al, $0xf4
1:	hlt
	jmp 1b
kl_fail64:
	movb $0x11, %al
	outb %al, $0xf4
	jmp 1b

	.code32
kl_fail:
	movb $0x11, %al
	outb %al, $0xf4
1:	hlt
	jmp 1b

	.section .rodata
	.align 8
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08: 32-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
	.quad 0x00af9a000000ffff	/* 0x18: 64-bit code */
gdt_end:
gdt_desc:
	.word gdt_end - gdt - 1
	.long gdt

	.data
	.align 16
blk:
	.fill 32, 1, 0x5a

	.bss
	.align 4096
pml4:
	.skip 4096
pdpt:
	.skip 4096
pd:
	.skip 4096
	.align 64
h128:
	.skip 64
h256:
	.skip 64
	.align 16
	.skip 4096
stack_top:
