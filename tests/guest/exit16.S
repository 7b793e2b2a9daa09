/* exit16.S - boot sector: writes 0x2a to the debug-exit port at once, so
 * vmkit must exit with status (0x2a << 1) | 1 = 85. */
	.include "serial.inc"
	.code16
	.text
	.globl _start
_start:
	exit 0x2a
	hlt
	.org 510
	.word 0xaa55
