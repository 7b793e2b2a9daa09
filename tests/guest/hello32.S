/* hello32.S - ELF32: prints from 32-bit protected mode and proves it: a
 * 32-bit register holds a value no 16-bit one can. */
	.include "serial.inc"
	.code32
	.text
	.globl _start
_start:
	mov $stack_top, %esp
	mov $0x12345678, %eax
	shr $16, %eax
	cmp $0x1234, %eax
	jne fail
	mov %cr0, %eax
	test $1, %eax		/* CR0.PE */
	jz fail
	mov $msg, %esi
	call puts32
	exit EXIT_PASS
fail:	exit EXIT_FAIL

	.include "serial32.inc"

	.section .rodata
msg:	.asciz "Hello from protected mode\n"
	.section .bss
	.space 4096
stack_top:
