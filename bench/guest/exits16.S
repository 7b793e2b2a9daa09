/* exits16.S - boot sector that writes COUNT times to port 0x3e0, where no
 * device lives, then ends through the debug-exit port. Every write is one
 * exit to the VMM and back. Build with --defsym COUNT=N. */
	.code16
	.text
	.globl _start
_start:
	cli
	mov $0x3e0, %dx
	mov $COUNT, %ecx
	jecxz 2f
1:	out %al, %dx
	dec %ecx
	jnz 1b
2:	mov $0x10, %al
	out %al, $0xf4
	hlt
	.org 510
	.word 0xaa55
