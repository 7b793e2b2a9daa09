/* modes16.S - boot sector: from real mode through protected mode to long
 * mode and compatibility mode (Intel SDM vol. 3A, 9.9.1 and 9.8.5), a line
 * on COM1 at each stage: real mode; protected mode (LGDT, CR0.PE, far JMP);
 * IA-32e mode (CPUID LM, PAE, CR3, EFER.LME, CR0.PG, far JMP to an L=1
 * segment: 64-bit operands); compatibility mode (far return to an L=0
 * segment: 0x48 is DEC again); 64-bit mode again (far JMP). A failed
 * check prints "FAIL ..." and exits FAIL. Page tables at 0x70000. */
	.include "serial.inc"
	.set PML4, 0x70000
	.set CODE32, 0x08
	.set DATA, 0x10
	.set CODE64, 0x18
	.code16
	.text
	.globl _start
_start:
	boot16_init
	mov %cr0, %eax
	test $1, %al			/* real mode: PE=0 */
	jnz fail16
	mov $msg_real, %si
	call puts16
	lgdtl gdtr			/* 9.9.1: LGDT, CR0.PE, far JMP */
	mov %cr0, %eax
	or $1, %al
	mov %eax, %cr0
	ljmpl $CODE32, $pm32
fail16:	mov $msg_fail, %si
	call puts16
	exit EXIT_FAIL
	.include "serial16.inc"

	.code32
pm32:
	mov $DATA, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	mov $0x7c00, %esp
	mov $msg_prot, %esi
	call puts
	mov $0x80000001, %eax		/* 9.8.5: long mode supported? */
	cpuid
	bt $29, %edx
	jnc fail
	mov $PML4, %edi			/* PML4, PDPT, PD: the first 2 MiB */
	mov %edi, %cr3
	mov $(3 * 1024), %ecx
	xor %eax, %eax
	rep stosl
	movl $(PML4 + 0x1003), PML4
	movl $(PML4 + 0x2003), PML4 + 0x1000
	movl $0x83, PML4 + 0x2000
	mov %cr4, %eax
	or $0x20, %al			/* PAE */
	mov %eax, %cr4
	mov $0xc0000080, %ecx		/* EFER.LME */
	rdmsr
	or $1, %ah
	wrmsr
	mov %cr0, %eax
	bts $31, %eax			/* PG: IA-32e mode, compatibility */
	mov %eax, %cr0
	ljmp $CODE64, $lm64

	/* puts: print the string at (E/R)SI; the same bytes work as 32-bit
	 * and 64-bit code (no pushes, no operand-size-dependent forms). */
puts:
	lodsb
	test %al, %al
	jz 3f
	mov %al, %ah
	mov $COM1_LSR, %dx
2:	in %dx, %al
	test $0x20, %al
	jz 2b
	mov $COM1, %dx
	mov %ah, %al
	out %al, %dx
	jmp puts
3:	ret

fail:	mov $msg_fail, %esi
	call puts
	exit EXIT_FAIL

	/* compatibility mode: 0x48 is DEC EAX (not REX.W) */
compat:
	mov $1, %eax
	.byte 0x48			/* DEC EAX here; REX.W in 64-bit mode */
	test %eax, %eax
	jnz fail
	mov $msg_compat, %esi
	call puts
	ljmp $CODE64, $lm64_again

	.code64
lm64:
	mov $1, %eax
	shl $32, %rax			/* a 64-bit register */
	jz fail
	mov $msg_long, %esi
	call puts
	pushq $CODE32			/* far return to an L=0 segment */
	mov $compat, %eax
	push %rax
	lretq
lm64_again:
	mov $1, %eax
	.byte 0x48			/* REX.W: test %rax, %rax */
	test %eax, %eax
	jz fail
	mov $msg_again, %esi
	call puts
	exit EXIT_PASS

	.balign 8
gdt:	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08 32-bit code */
	.quad 0x00cf92000000ffff	/* 0x10 data */
	.quad 0x00209a0000000000	/* 0x18 64-bit code */
gdtr:	.word gdtr - gdt - 1
	.long gdt
msg_real:   .asciz "ok real mode\n"
msg_prot:   .asciz "ok protected mode\n"
msg_long:   .asciz "ok 64-bit mode\n"
msg_compat: .asciz "ok compatibility mode\n"
msg_again:  .asciz "ok 64-bit mode again\n"
msg_fail:   .asciz "FAIL mode check\n"
	.org 510
	.word 0xaa55
