/* traps32.S - ELF32: software interrupts, trap-class exceptions and IRET
 * in protected mode (Intel SDM vol. 3A, 6.4.2, 6.5, 6.12, 6.13, 6.15;
 * vol. 2 INT n/INTO/INT3/INT1, BOUND, IRET). Checks the vector and saved
 * EIP (a trap saves the next instruction, a fault the faulting one) of
 * INT3, INT 3, INTO (OF=0 and OF=1), BOUND (in range, below, above) and
 * INT1; IRET back from a trap gate (IF kept, flags restored) and from an
 * interrupt gate (IF cleared in the handler); the error codes of events
 * through a not-present gate (EXT=0 for INT n, EXT=1 for an exception)
 * and beyond the IDT limit. Prints "ok ..." or "FAIL ..." per check.
 * KVM-PVM's instruction emulator cannot run this guest (it emulates
 * neither INT n, INTO, BOUND nor IRET outside real mode); the bats test
 * skips it there. except32.S checks faults without these instructions. */
	.include "serial.inc"
	.code32
	.text
	.include "serial32.inc"
	.include "check32.inc"
	.include "idt32.inc"

	.globl _start
_start:
	mov $stack_top, %esp
	call idt_init
	idt_attr 0x40, 0x8f		/* trap gate */
	movl $hook_ret, exc_hooks + 0x40 * 4
	movl $hook_ret, exc_hooks + 0x41 * 4

	/* #BP (6.15, interrupt 3): INT3 is a trap; EIP after it. */
	begin "INT3: #BP, no error code, EIP after the INT3"
	arm 1f
	int3
2:	nop
1:	expect vector, exc_vec, $3
	expect error, exc_err, $0
	expect eip, exc_eip, $2b
	end_check

	begin "INT 3 (CD 03): #BP, EIP after it"
	arm 1f
	.byte 0xcd, 0x03
2:	nop
1:	expect vector, exc_vec, $3
	expect eip, exc_eip, $2b
	end_check

	/* #OF (interrupt 4): INTO traps only when OF=1. */
	begin "INTO with OF=0: no exception"
	arm 1f
	xor %eax, %eax			/* OF=0 */
	into
1:	movl $0, exc_resume
	expect events, exc_count, $0
	end_check

	begin "INTO with OF=1: #OF, EIP after the INTO"
	arm 1f
	mov $0x7fffffff, %eax
	add $1, %eax			/* OF=1 */
	into
2:	nop
1:	expect vector, exc_vec, $4
	expect eip, exc_eip, $2b
	end_check

	/* #BR (interrupt 5): BOUND is a fault when the index is outside
	 * [lower, upper] (both inclusive, signed). */
	begin "BOUND with the index in range (both ends): no exception"
	arm 1f
	mov $-5, %eax
	bound %eax, bounds
	mov $10, %eax
	bound %eax, bounds
1:	movl $0, exc_resume
	expect events, exc_count, $0
	end_check

	begin "BOUND below the lower bound: #BR, EIP = the BOUND"
	arm 1f
	mov $-6, %eax
2:	bound %eax, bounds
1:	expect vector, exc_vec, $5
	expect error, exc_err, $0
	expect eip, exc_eip, $2b
	end_check

	begin "BOUND above the upper bound: #BR"
	arm 1f
	mov $11, %eax
2:	bound %eax, bounds
1:	expect vector, exc_vec, $5
	expect eip, exc_eip, $2b
	end_check

	/* INT1 (ICEBP, F1) raises #DB as a trap, without a DPL check. */
	begin "INT1 (F1): #DB, EIP after it"
	arm 1f
	.byte 0xf1
2:	nop
1:	expect vector, exc_vec, $1
	expect eip, exc_eip, $2b
	end_check

	/* 6.12.1.2: a trap gate leaves IF alone, an interrupt gate clears
	 * it; IRET restores EFLAGS and returns to the saved EIP. */
	begin "INT 0x40 through a trap gate: IF kept in the handler, IRET back"
	movl $0, exc_count
	stc
	sti
	int $0x40
3:	pushf
	cli
	pop %ebx
	expect events, exc_count, $1
	expect eip, exc_eip, $3b
	mov h_eflags, %eax
	and $0x200, %eax
	expect "IF in the handler", %eax, $0x200
	and $0x201, %ebx
	expect "IF, CF after IRET", %ebx, $0x201
	end_check

	begin "INT 0x41 through an interrupt gate: IF cleared in the handler"
	movl $0, exc_count
	sti
	int $0x41
	cli
	mov h_eflags, %eax
	and $0x200, %eax
	expect "IF in the handler", %eax, $0
	expect events, exc_count, $1
	end_check

	/* 6.13: the error code of a fault on an IDT gate has IDT=1 (bit 1),
	 * the vector in the index field (bits 15:3), and EXT=1 only if the
	 * event being delivered came from outside the program: 0 for INT n,
	 * 1 for an exception (#UD is benign: the #NP is handled serially). */
	begin "INT 0x42 through a not-present gate: #NP(0x42 * 8 + IDT)"
	idt_attr 0x42, 0x0e
	arm 1f
2:	int $0x42
1:	expect vector, exc_vec, $11
	expect error, exc_err, $0x212
	expect eip, exc_eip, $2b
	end_check

	begin "#UD through a not-present gate: #NP(6 * 8 + IDT + EXT)"
	idt_attr 6, 0x0e
	arm 1f
2:	ud2
1:	idt_attr 6, 0x8e
	expect vector, exc_vec, $11
	expect error, exc_err, $0x33
	expect eip, exc_eip, $2b
	end_check

	/* 6.10: a vector beyond the IDT limit: #GP(vector * 8 + IDT). */
	begin "INT 0x90 beyond the IDT limit: #GP(0x90 * 8 + IDT)"
	lidt idt_short
	arm 1f
2:	int $0x90
1:	lidt idt32_ptr
	expect vector, exc_vec, $13
	expect error, exc_err, $0x482
	expect eip, exc_eip, $2b
	end_check

	finish

hook_ret:			/* note the handler's EFLAGS; IRET back */
	pushf
	popl h_eflags
	ret

	.section .data
	.balign 4
bounds:	.long -5, 10
h_eflags: .long 0
	.balign 4
	.word 0
idt_short:
	.word 0x80 * 8 - 1
	.long idt32
	.section .bss
	.balign 16
	.space 8192
stack_top:
