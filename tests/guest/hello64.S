/* hello64.S - ELF64: prints from 64-bit long mode and proves it: EFER.LMA
 * is set and a 64-bit register holds a 64-bit value. */
	.include "serial.inc"
	.code64
	.text
	.globl _start
_start:
	lea stack_top(%rip), %rsp
	mov $0x123456789abcdef0, %rax
	shr $32, %rax
	cmp $0x12345678, %eax
	jne fail
	mov $0xc0000080, %ecx	/* IA32_EFER */
	rdmsr
	test $0x400, %eax	/* LMA */
	jz fail
	lea msg(%rip), %rsi
	call puts64
	exit EXIT_PASS
fail:	exit EXIT_FAIL

	.include "serial64.inc"

	.section .rodata
msg:	.asciz "Hello from long mode\n"
	.section .bss
	.space 4096
stack_top:
