/* loop64.S - ELF64: a simple integer loop for the software CPU's MIPS
 * figure: 5 instructions per iteration (add, xor, add, dec, jnz), ITERS
 * iterations (--defsym ITERS=N), then the debug-exit port. */
	.code64
	.text
	.globl _start
_start:
	mov $ITERS, %rcx
	xor %eax, %eax
	mov $1, %ebx
1:	add %rbx, %rax
	xor %rax, %rdx
	add $3, %rbx
	dec %rcx
	jnz 1b
	mov $0x10, %al
	out %al, $0xf4
	hlt
