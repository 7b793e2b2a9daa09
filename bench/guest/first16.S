/* first16.S - boot sector whose very first instruction is a port write:
 * 'S' to COM1. Start-up is measured to the moment that byte appears. */
	.code16
	.text
	.globl _start
_start:
	mov $0x3f8, %dx
	mov $'S', %al
	out %al, %dx
	mov $0x10, %al
	out %al, $0xf4
	hlt
	.org 510
	.word 0xaa55
