/* wait16.S - boot sector: prints "waiting" and halts with interrupts off
 * for ever: only the host (Ctrl-A x, a signal) can end it. */
	.include "serial.inc"
	.code16
	.text
	.globl _start
_start:
	boot16_init
	mov $msg, %si
	call puts16
1:	hlt
	jmp 1b

	.include "serial16.inc"

msg:	.asciz "waiting\n"
	.org 510
	.word 0xaa55
