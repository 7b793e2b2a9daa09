/* except32.S - ELF32: exceptions in protected mode and their error codes
 * (Intel SDM vol. 3A, chapter 6: 6.13 error codes, 6.15 the exception
 * reference; vol. 3A 5.3-5.6 segment checks). Loads its own GDT and a
 * 32-bit IDT, then checks vector, error code and saved EIP (a fault saves
 * the faulting instruction) of: #DE (DIV by 0, IDIV overflow), #UD (UD2,
 * LOCK on a register operand), #GP with selector error codes (beyond the
 * GDT limit, an LDT selector without an LDT, SS from a read-only segment,
 * a far JMP to data), #GP(0) (write to a read-only segment, offset beyond
 * a limit), #NP and #SS (not-present segment in DS, SS), #SS(0) (beyond
 * the stack segment's limit); RF in the saved EFLAGS; the double-fault
 * rules: #DE through a not-present gate is #DF(0). traps32.S checks
 * INT3, INTO, BOUND, INT1, INT n and IRET. Prints "ok ..." or "FAIL ..."
 * per check. */
	.include "serial.inc"
	.set SMALL, 0x08	/* data, limit 0x1fffff */
	.set CODE, 0x10		/* flat code (IDT_CS) */
	.set DATA, 0x18		/* flat data (IDT_DS) */
	.set ABSENT, 0x20	/* data, not present */
	.set RODATA, 0x28	/* flat data, read-only */
	.code32
	.text
	.include "serial32.inc"
	.include "check32.inc"
	.include "idt32.inc"

	.globl _start
_start:
	mov $stack_top, %esp
	lgdt gdt_ptr
	ljmp $CODE, $1f
1:	mov $DATA, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %fs
	mov %eax, %gs
	mov %eax, %ss
	call idt_init

	/* #DE (6.15, interrupt 0): a fault, no error code. */
	begin "DIV by 0: #DE, no error code, EIP = the DIV"
	arm 1f
	mov $1, %eax
	xor %edx, %edx
	xor %ecx, %ecx
2:	div %ecx
1:	expect vector, exc_vec, $0
	expect error, exc_err, $0
	expect eip, exc_eip, $2b
	expect cs, exc_cs, $CODE
	expect frame, exc_frame, $(stack_top - 12)
	end_check

	begin "IDIV 0x80000000 / -1 (quotient too large): #DE"
	arm 1f
	mov $0x80000000, %eax
	cltd
	mov $-1, %ecx
2:	idiv %ecx
1:	expect vector, exc_vec, $0
	expect eip, exc_eip, $2b
	end_check

	/* #UD (interrupt 6): UD2; LOCK with a non-memory destination. */
	begin "UD2: #UD, EIP = the UD2"
	arm 1f
2:	ud2
1:	expect vector, exc_vec, $6
	expect error, exc_err, $0
	expect eip, exc_eip, $2b
	end_check

	/* Vol. 3B 17.3.1.1: faults other than instruction-breakpoint #DB
	 * push EFLAGS with RF=1. */
	begin "a fault (#UD) pushes EFLAGS with RF=1"
	mov exc_eflags, %ebx
	and $0x10000, %ebx
	expect RF, %ebx, $0x10000
	end_check

	begin "LOCK ADD with a register destination: #UD"
	arm 1f
2:	.byte 0xf0, 0x01, 0xc8	/* lock add %ecx, %eax */
1:	expect vector, exc_vec, $6
	expect eip, exc_eip, $2b
	end_check

	/* 6.13, 5.4.1: a selector beyond the descriptor-table limit gives
	 * #GP with the selector (RPL cleared) as error code; the segment
	 * register keeps its old value. */
	begin "MOV DS, 0x33 (beyond the GDT limit): #GP(0x30), DS unchanged"
	arm 1f
	mov $0x33, %eax
2:	mov %eax, %ds
1:	expect vector, exc_vec, $13
	expect error, exc_err, $0x30
	expect eip, exc_eip, $2b
	expect ds, exc_ds, $DATA
	end_check

	begin "MOV DS, 0x0c (TI=1, no LDT loaded): #GP(0x0c)"
	arm 1f
	mov $0x0c, %eax
2:	mov %eax, %ds
1:	expect vector, exc_vec, $13
	expect error, exc_err, $0x0c
	expect eip, exc_eip, $2b
	end_check

	/* Vol. 2, MOV: SS needs a writable data segment, else #GP(selector). */
	begin "MOV SS with a read-only data segment: #GP(0x28)"
	arm 1f
	mov $RODATA, %eax
2:	mov %eax, %ss
1:	expect vector, exc_vec, $13
	expect error, exc_err, $RODATA
	expect eip, exc_eip, $2b
	end_check

	/* Vol. 2, JMP: a far JMP to a data segment: #GP(selector). */
	begin "far JMP to a data segment: #GP(0x18)"
	arm 1f
2:	ljmp $DATA, $3f
3:	nop
1:	expect vector, exc_vec, $13
	expect error, exc_err, $DATA
	expect eip, exc_eip, $2b
	end_check

	/* 5.5: writing through a read-only data segment: #GP(0). */
	begin "write through a read-only data segment: #GP(0)"
	mov $RODATA, %eax
	mov %eax, %es
	arm 1f
2:	movl $1, %es:scratch
1:	mov $DATA, %eax
	mov %eax, %es
	expect vector, exc_vec, $13
	expect error, exc_err, $0
	expect eip, exc_eip, $2b
	end_check

	/* 5.3: an offset beyond the limit: #GP(0), or #SS(0) through SS. */
	begin "DS access beyond the segment limit: #GP(0)"
	mov $SMALL, %eax
	mov %eax, %ds
	arm 1f
2:	mov 0x300000, %eax
1:	mov $DATA, %eax
	mov %eax, %ds
	expect vector, exc_vec, $13
	expect error, exc_err, $0
	expect eip, exc_eip, $2b
	end_check

	begin "SS access (EBP base) beyond the stack segment limit: #SS(0)"
	mov $SMALL, %eax
	mov %eax, %ss
	arm 1f
	mov $0x300000, %ebp
2:	mov (%ebp), %eax
1:	mov $DATA, %eax
	mov %eax, %ss
	expect vector, exc_vec, $12
	expect error, exc_err, $0
	expect eip, exc_eip, $2b
	end_check

	/* Vol. 2, MOV: a not-present segment: #NP(selector) for DS,
	 * #SS(selector) for SS. */
	begin "MOV DS with a not-present segment: #NP(0x20)"
	arm 1f
	mov $ABSENT, %eax
2:	mov %eax, %ds
1:	expect vector, exc_vec, $11
	expect error, exc_err, $ABSENT
	expect eip, exc_eip, $2b
	end_check

	begin "MOV SS with a not-present segment: #SS(0x20)"
	arm 1f
	mov $ABSENT, %eax
2:	mov %eax, %ss
1:	expect vector, exc_vec, $12
	expect error, exc_err, $ABSENT
	expect eip, exc_eip, $2b
	end_check

	/* 6.15, interrupt 8, table 6-5: a contributory exception (#NP for
	 * the not-present gate) while delivering a contributory one (#DE)
	 * is a double fault, error code 0. */
	begin "#DE through a not-present gate: #DF, error code 0"
	idt_attr 0, 0x0e
	arm 1f
	mov $1, %eax
	xor %edx, %edx
	xor %ecx, %ecx
	div %ecx
1:	idt_attr 0, 0x8e
	expect vector, exc_vec, $8
	expect error, exc_err, $0
	expect events, exc_count, $1
	end_check

	finish

	.section .data
	.balign 8
gdt:	.quad 0
	.quad 0x00c09200000001ff	/* 0x08 SMALL: limit 0x1ff pages */
	.quad 0x00cf9a000000ffff	/* 0x10 code */
	.quad 0x00cf92000000ffff	/* 0x18 data */
	.quad 0x00cf12000000ffff	/* 0x20 data, P=0 */
	.quad 0x00cf90000000ffff	/* 0x28 data, read-only */
gdt_end:
	.balign 4
	.word 0
gdt_ptr:
	.word gdt_end - gdt - 1
	.long gdt
scratch: .long 0
	.section .bss
	.balign 16
	.space 8192
stack_top:
