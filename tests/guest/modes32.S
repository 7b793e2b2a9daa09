/* modes32.S - ELF32: processor mode switches (Intel SDM vol. 3A, 9.8-9.9).
 * Entered in 32-bit protected mode, it goes to real mode (9.9.2: through a
 * 16-bit code segment with a 64 KiB limit, then CR0.PE=0 and a far JMP),
 * checks real-mode segmentation and the IVT, returns to protected mode
 * (9.9.1), enters IA-32e mode (9.8.5: PAE, CR3, EFER.LME, CR0.PG; then a
 * far JMP to a 64-bit code segment; CALL and PUSH through r/m have 64-bit
 * operands there), switches to compatibility mode (a far return to a code
 * segment with L=0) and back to 64-bit mode, and leaves
 * IA-32e mode again (9.8.5.4). Each stage prints "ok ..." or "FAIL ...".
 * The real-mode part is copied to 0x40000 and runs with CS = 0x4000. */
	.include "serial.inc"
	.set RM_BASE, 0x40000
	.set CODE16, 0x08	/* 16-bit code, base RM_BASE, limit 0xffff */
	.set CODE, 0x10		/* flat 32-bit code (compatibility mode too) */
	.set DATA, 0x18		/* flat data */
	.set DATA16, 0x20	/* 16-bit data, base 0, limit 0xffff */
	.set CODE64, 0x28	/* 64-bit code: L=1 */
	.set PML4, 0x200000
	.set PDPT, 0x201000
	.set PD, 0x202000
	.set MSR_EFER, 0xc0000080
	.code32
	.text
	.include "serial32.inc"
	.include "check32.inc"
	.code64
	.include "serial64.inc"
	.code32

	/* check_compat MSG: in compatibility mode EFER.LMA=1, but the code
	 * runs as 32-bit code: 0x48 is DEC EAX, not a REX prefix (2.2.1). */
	.macro check_compat msg
	begin "\msg"
	mov $MSR_EFER, %ecx
	rdmsr
	and $0x400, %eax
	expect "EFER.LMA", %eax, $0x400
	mov $5, %eax
	.byte 0x48			/* DEC EAX */
	nop
	expect "0x48 is DEC", %eax, $4
	end_check
	.endm

	.globl _start
_start:
	mov $stack_top, %esp
	lgdt gdt_ptr
	ljmp $CODE, $1f
1:	mov $DATA, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss

	begin "protected mode: CR0.PE=1, 32-bit operands by default"
	mov %cr0, %ebx
	and $1, %ebx
	expect "CR0.PE", %ebx, $1
	mov $0x12345678, %ebx
	shr $16, %ebx
	expect "32-bit register", %ebx, $0x1234
	end_check

	/* 9.9.2, steps 3-7: to real mode through the 16-bit code segment. */
	mov $rm_start, %esi
	mov $RM_BASE, %edi
	mov $(rm_end - rm_start), %ecx
	cld
	rep movsb
	ljmp $CODE16, $0

	/* 9.9.1: back in protected mode from the real-mode part. */
pm_again:
	mov $DATA, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	mov $stack_top, %esp
	movzbl RM_BASE + (rm_fails - rm_start), %eax
	add %eax, check_failures
	begin "protected mode again: CR0.PE=1, 32-bit operands"
	mov %cr0, %ebx
	and $1, %ebx
	expect "CR0.PE", %ebx, $1
	mov $0x12345678, %ebx
	shr $16, %ebx
	expect "32-bit register", %ebx, $0x1234
	end_check

	/* 9.8.5: IA-32e mode needs CPUID.80000001H:EDX.LM[29]. */
	begin "CPUID reports long mode (80000001H:EDX.LM)"
	mov $0x80000001, %eax
	cpuid
	shr $29, %edx
	and $1, %edx
	expect LM, %edx, $1
	end_check

	/* 9.8.5 steps: PAE, CR3, EFER.LME, then CR0.PG activates IA-32e
	 * mode; CS still has L=0, so this is compatibility mode. */
	mov $PML4, %edi
	mov $(3 * 4096 / 4), %ecx
	xor %eax, %eax
	rep stosl
	movl $(PDPT | 3), PML4
	movl $(PD | 3), PDPT
	xor %ecx, %ecx			/* the first GiB, 2 MiB pages */
1:	mov %ecx, %eax
	shl $21, %eax
	or $0x83, %eax
	mov %eax, PD(, %ecx, 8)
	inc %ecx
	cmp $512, %ecx
	jb 1b
	mov %cr4, %eax
	or $0x20, %eax			/* PAE */
	mov %eax, %cr4
	mov $PML4, %eax
	mov %eax, %cr3
	mov $MSR_EFER, %ecx
	rdmsr
	or $0x100, %eax			/* LME */
	wrmsr
	mov %cr0, %eax
	or $0x80000000, %eax		/* PG */
	mov %eax, %cr0
	check_compat "IA-32e mode on, compatibility mode: EFER.LMA=1, CS.L=0 (0x48 is DEC)"
	ljmp $CODE64, $lm64

	/* 3.4.5, 5.2.1: a code segment with L=1 runs 64-bit code. */
	/* (In an ELF32 object, 64-bit code names symbols through 32-bit
	 * zero-extended immediates: mov $sym, %r32.) */
	.code64
lm64:
	mov $0x123456789abcdef0, %rax
	shr $32, %rax
	cmp $0x12345678, %rax
	jne 1f
	mov $5, %eax
	.byte 0x48, 0x90		/* REX.W NOP: no DEC in 64-bit mode */
	cmp $5, %eax
	jne 1f
	mov $msg_lm64, %esi
	jmp 2f
1:	mov $msg_lm64_fail, %esi
	mov $check_failures, %eax
	incl (%rax)
2:	call puts64

	/* Vol. 2, CALL and PUSH: in 64-bit mode the near forms through r/m
	 * have 64-bit operands (there is no 32-bit form). */
	mov %rsp, %r12
	mov $lm64_probe, %eax
	call *%rax
lm64_back:
	lea -8(%r12), %rcx
	cmp %rcx, %rbx			/* RSP in the callee */
	jne 1f
	mov $lm64_back, %eax
	cmp %rax, %r8			/* the return address pushed */
	jne 1f
	mov $push_src, %eax
	pushq (%rax)
	mov %rsp, %rbx
	mov (%rsp), %r8
	mov %r12, %rsp
	cmp %rcx, %rbx
	jne 1f
	cmp (%rax), %r8
	jne 1f
	mov $msg_lm64_ops, %esi
	jmp 2f
1:	mov %r12, %rsp
	mov $msg_lm64_ops_fail, %esi
	mov $check_failures, %eax
	incl (%rax)
2:	call puts64

	/* A far return to a code segment with L=0: compatibility mode. */
	pushq $CODE
	mov $compat, %eax
	push %rax
	lretq
lm64_probe:			/* note RSP and the return address, back */
	mov %rsp, %rbx
	mov (%rsp), %r8
	mov %r12, %rsp
	jmp lm64_back
	.code32
compat:
	check_compat "far return to an L=0 segment: compatibility mode (EFER.LMA=1, 0x48 is DEC)"
	ljmp $CODE64, $lm64_again

	.code64
lm64_again:
	mov $0xfedcba9876543210, %rax
	shr $32, %rax
	cmp $0xfedcba98, %eax
	jne 1f
	test %rax, %rax
	js 1f
	mov $msg_lm64_again, %esi
	jmp 2f
1:	mov $msg_lm64_again_fail, %esi
	mov $check_failures, %eax
	incl (%rax)
2:	call puts64
	pushq $CODE
	mov $compat_leave, %eax
	push %rax
	lretq
	.code32

	/* 9.8.5.4: leave IA-32e mode from compatibility mode: CR0.PG=0
	 * clears EFER.LMA; then EFER.LME can be cleared. */
compat_leave:
	mov %cr0, %eax
	and $0x7fffffff, %eax
	mov %eax, %cr0
	mov $MSR_EFER, %ecx
	rdmsr
	and $~0x100, %eax
	wrmsr
	begin "left IA-32e mode: paging off, EFER.LMA=0, protected mode"
	mov $MSR_EFER, %ecx
	rdmsr
	and $0x500, %eax
	expect "EFER.LME|LMA", %eax, $0
	mov %cr0, %ebx
	and $0x80000001, %ebx
	expect "CR0.PG|PE", %ebx, $1
	mov $5, %eax
	.byte 0x48			/* DEC EAX outside 64-bit mode */
	nop
	expect "0x48 is DEC", %eax, $4
	end_check
	finish

	/* ---- the real-mode part: runs at RM_BASE; addresses are offsets
	 * from rm_start (CS = DS = 0x4000 in real mode) ---- */
	.code16
rm_start:
	/* 16-bit protected mode, CS = CODE16. 9.9.2 step 4: segment
	 * registers get 64 KiB real-mode-like limits; step 5: a real-mode
	 * IDT (the IVT at 0); step 6: CR0.PE=0; step 7: a far JMP. */
	mov $DATA16, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	lidt %cs:(rm_ivt_ptr - rm_start)
	mov %cr0, %eax
	and $~1, %eax
	mov %eax, %cr0
	ljmp $(RM_BASE >> 4), $(rm_real - rm_start)
rm_real:
	mov %cs, %ax
	mov %ax, %ds
	mov %ax, %ss
	mov $0xfff0, %sp

	/* 20.1.1: in real mode CR0.PE=0. */
	mov %cr0, %eax
	test $1, %al
	mov $(rm_msg_pe - rm_start), %si
	call rm_report

	/* 20.1.1: linear address = selector * 16 + offset. */
	movw $0x5a5a, 0x8000
	mov $((RM_BASE >> 4) + 0x800), %ax
	mov %ax, %es
	cmpw $0x5a5a, %es:0
	mov $(rm_msg_seg - rm_start), %si
	call rm_report

	/* 20.1.4: INT n through the IVT (4-byte entries at 0). */
	xor %ax, %ax
	mov %ax, %es
	movw $(rm_int30 - rm_start), %es:(0x30 * 4)
	movw $(RM_BASE >> 4), %es:(0x30 * 4 + 2)
	movb $0, rm_flag - rm_start
	int $0x30
	cmpb $1, rm_flag - rm_start
	mov $(rm_msg_int - rm_start), %si
	call rm_report

	/* 9.9.1: back to protected mode: LGDT, CR0.PE=1, a far JMP to a
	 * 32-bit code segment. */
	cli
	lgdtl %cs:(rm_gdt_ptr - rm_start)
	mov %cr0, %eax
	or $1, %eax
	mov %eax, %cr0
	ljmpl $CODE, $pm_again

rm_int30:
	movb $1, %cs:(rm_flag - rm_start)
	iret

	/* rm_report: ZF=1: print "ok " + DS:SI, else "FAIL " + DS:SI and
	 * count it in rm_fails. */
rm_report:
	push %si
	mov $(rm_ok - rm_start), %si
	je 1f
	incb rm_fails - rm_start
	mov $(rm_fail - rm_start), %si
1:	call rm_puts
	pop %si
	call rm_puts
	ret
rm_puts:
	push %ax
	push %dx
1:	lodsb
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
	jmp 1b
3:	pop %dx
	pop %ax
	ret

rm_ivt_ptr:  .word 0x3ff
	     .long 0
rm_gdt_ptr:  .word gdt_end - gdt - 1
	     .long gdt
rm_fails:    .byte 0
rm_flag:     .byte 0
rm_ok:       .asciz "ok "
rm_fail:     .asciz "FAIL "
rm_msg_pe:   .asciz "real mode: CR0.PE=0\n"
rm_msg_seg:  .asciz "real mode: linear = segment * 16 + offset\n"
rm_msg_int:  .asciz "real mode: INT 0x30 through the IVT, IRET back\n"
rm_end:
	.code32

	.section .rodata
msg_lm64:            .asciz "ok 64-bit mode: CS.L=1, 64-bit registers, 0x48 is REX.W\n"
msg_lm64_fail:       .asciz "FAIL 64-bit mode: CS.L=1, 64-bit registers, 0x48 is REX.W\n"
msg_lm64_ops:        .asciz "ok 64-bit mode: CALL and PUSH through r/m push 8 bytes\n"
msg_lm64_ops_fail:   .asciz "FAIL 64-bit mode: CALL and PUSH through r/m push 8 bytes\n"
msg_lm64_again:      .asciz "ok back from compatibility mode to 64-bit mode\n"
msg_lm64_again_fail: .asciz "FAIL back from compatibility mode to 64-bit mode\n"

	.section .data
	.balign 8
gdt:	.quad 0
	.quad 0x00009a040000ffff	/* 0x08 16-bit code, base 0x40000 */
	.quad 0x00cf9a000000ffff	/* 0x10 32-bit code */
	.quad 0x00cf92000000ffff	/* 0x18 data */
	.quad 0x000092000000ffff	/* 0x20 16-bit data, 64 KiB */
	.quad 0x00209a0000000000	/* 0x28 64-bit code */
gdt_end:
	.balign 4
	.word 0
gdt_ptr:
	.word gdt_end - gdt - 1
	.long gdt
	.balign 8
push_src: .quad 0x0123456789abcdef
	.section .bss
	.balign 16
	.space 8192
stack_top:
