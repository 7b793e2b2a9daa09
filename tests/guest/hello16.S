/* hello16.S - boot sector: prints from real mode, exits PASS. */
	.include "serial.inc"
	.code16
	.text
	.globl _start
_start:
	boot16_init
	mov $msg, %si
	call puts16
	exit EXIT_PASS
	hlt

	.include "serial16.inc"

msg:	.asciz "Hello from real mode\n"
	.org 510
	.word 0xaa55
