/* reset16.S - boot sector: prints "boot", then resets the machine through
 * the i8042 (command 0xFE pulses the CPU reset line). */
	.include "serial.inc"
	.code16
	.text
	.globl _start
_start:
	boot16_init
	mov $msg, %si
	call puts16
	mov $0xfe, %al
	out %al, $0x64
1:	hlt			/* the reset takes effect before this matters */
	jmp 1b

	.include "serial16.inc"

msg:	.asciz "boot\n"
	.org 510
	.word 0xaa55
