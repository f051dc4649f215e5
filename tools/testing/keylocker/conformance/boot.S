/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Multiboot entry of the Key Locker conformance payload: a flat 32-bit
 * ring-0 environment (own GDT, IDT for vectors 0-31) and the exception
 * path the tests use to observe #UD, #NM and #GP.
 *
 * A test arms recovery by storing a resume address in kl_recover_eip
 * before an instruction that may fault.  The common handler records the
 * vector in kl_fault_vector, disarms recovery and returns to that
 * address.  An exception while recovery is disarmed is a test bug or a
 * model bug: kl_unexpected() reports it and ends the run.
 */

#define MB_MAGIC	0x1badb002
#define MB_FLAGS	0x00000003	/* page-aligned modules, memory info */

	.section .multiboot, "a"
	.align 4
	.long MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

	.text
	.globl _start
_start:
	cli
	movl $stack_top, %esp
	pushl %ebx			/* multiboot information */
	pushl %eax			/* multiboot magic */
	lgdt gdt_desc
	ljmp $0x08, $1f
1:	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %fs
	movw %ax, %gs
	movw %ax, %ss
	call idt_init
	call kl_main
2:	hlt
	jmp 2b

/* Fill the IDT with interrupt gates to the 32 stubs */
idt_init:
	xorl %ecx, %ecx
1:	movl isr_table(,%ecx,4), %eax
	movw %ax, idt(,%ecx,8)
	movw $0x08, idt+2(,%ecx,8)
	movw $0x8e00, idt+4(,%ecx,8)
	shrl $16, %eax
	movw %ax, idt+6(,%ecx,8)
	incl %ecx
	cmpl $32, %ecx
	jne 1b
	lidt idt_desc
	ret

/* Vectors 8, 10-14 and 17 push an error code; the others get a dummy one */
.macro isr vec
isr\vec:
	.if !(\vec == 8 || (\vec >= 10 && \vec <= 14) || \vec == 17)
	pushl $0
	.endif
	pushl $\vec
	jmp isr_common
.endm

.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	isr \v
.endr

/* Stack: vector, error code, EIP, CS, EFLAGS */
isr_common:
	pushl %eax
	movl 4(%esp), %eax
	movl %eax, kl_fault_vector
	movl kl_recover_eip, %eax
	testl %eax, %eax
	jz 1f
	movl %eax, 12(%esp)
	movl $0, kl_recover_eip
	popl %eax
	addl $8, %esp
	iret
1:	popl %eax
	call kl_unexpected		/* vector, error code, EIP as arguments */
2:	hlt
	jmp 2b

	.section .rodata
	.align 4
isr_table:
.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.long isr\v
.endr

	.align 8
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08: code, base 0, 4 GiB, ring 0 */
	.quad 0x00cf92000000ffff	/* 0x10: data, base 0, 4 GiB, ring 0 */
gdt_end:
gdt_desc:
	.word gdt_end - gdt - 1
	.long gdt
idt_desc:
	.word 32 * 8 - 1
	.long idt

	.bss
	.align 8
idt:
	.skip 32 * 8
	.align 16
	.skip 16384
stack_top:
