/* mmio32.S - ELF32: reads and writes in the MMIO hole where no device
 * lives. Each access must exit to the VMM (visible in --stats), reads must
 * return all ones as an empty bus does, and the guest must carry on. */
	.include "serial.inc"
	.set HOLE, 0xd0000000
	.code32
	.text
	.globl _start
_start:
	mov $stack_top, %esp
	movl $0x12345678, HOLE		/* write: vanishes */
	mov HOLE, %eax			/* 32-bit read */
	cmp $0xffffffff, %eax
	jne fail
	movzbl HOLE + 0x10, %eax	/* 8-bit read */
	cmp $0xff, %eax
	jne fail
	mov $msg, %esi
	call puts32
	mov HOLE, %eax
	call puthex32
	mov $'\n', %al
	call putc32
	exit EXIT_PASS
fail:	exit EXIT_FAIL

	.include "serial32.inc"

	.section .rodata
msg:	.asciz "mmio read: "
	.section .bss
	.space 4096
stack_top:
