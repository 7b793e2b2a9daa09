/* triple32.S - ELF32: loads an empty IDT and raises an exception. The
 * #UD cannot be delivered (#GP), nor can that (#DF), so the CPU shuts down:
 * a triple fault, which vmkit must report as an error with registers. */
	.include "serial.inc"
	.code32
	.text
	.globl _start
_start:
	mov $msg, %esi
	call puts32
	lidt idt_empty
	mov $0xdeadbeef, %eax	/* easy to spot in the register dump */
	ud2
	exit EXIT_FAIL		/* not reached */

	.include "serial32.inc"

	.section .rodata
	.align 8
idt_empty:
	.word 0
	.long 0
msg:	.asciz "about to triple fault\n"
