/* multiboot32.S - a Multiboot v1 kernel (Multiboot Specification 0.6.96):
 * checks the magic in EAX, then prints from the information block at EBX
 * its command line, the number of modules with the first one's text, and
 * whether a memory map is there. */
	.include "serial.inc"
	.set MB_MAGIC, 0x1badb002
	.set MB_FLAGS, 0x00000003	/* page-aligned modules, memory info */

	.section .multiboot
	.align 4
	.long MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

	.code32
	.text
	.globl _start
_start:
	mov $stack_top, %esp
	cmp $0x2badb002, %eax
	jne bad_magic
	mov %ebx, %edi			/* the information block */

	testl $(1 << 2), (%edi)		/* flags: cmdline present */
	jz fail
	mov $msg_cmdline, %esi
	call puts32
	mov 16(%edi), %esi
	call puts32
	mov $'\n', %al
	call putc32

	testl $(1 << 0), (%edi)		/* mem_lower/mem_upper */
	jz fail
	mov $msg_mem, %esi
	call puts32
	mov 8(%edi), %eax
	call puthex32
	mov $'\n', %al
	call putc32

	testl $(1 << 6), (%edi)		/* memory map */
	jz fail
	cmpl $0, 44(%edi)
	je fail

	mov $msg_mods, %esi
	call puts32
	mov 20(%edi), %eax
	call puthex32
	mov $'\n', %al
	call putc32
	cmpl $0, 20(%edi)
	je done
	mov 24(%edi), %edx		/* first module: start, end, string */
	mov $msg_mod, %esi
	call puts32
	mov 8(%edx), %esi
	call puts32
	mov $msg_sep, %esi
	call puts32
	mov (%edx), %esi		/* its text, up to its end or 32 bytes */
	mov 4(%edx), %ecx
	sub %esi, %ecx
	cmp $32, %ecx
	jbe 1f
	mov $32, %ecx
1:	jecxz 2f
	lodsb
	cmp $'\n', %al
	je 2f
	call putc32
	loop 1b
2:	mov $'\n', %al
	call putc32
done:	exit EXIT_PASS
bad_magic:
	mov $msg_magic, %esi
	call puts32
fail:	exit EXIT_FAIL

	.include "serial32.inc"

	.section .rodata
msg_cmdline: .asciz "cmdline: "
msg_mem:   .asciz "mem_upper: "
msg_mods:  .asciz "modules: "
msg_mod:   .asciz "module: "
msg_sep:   .asciz " => "
msg_magic: .asciz "bad multiboot magic\n"
	.section .bss
	.space 4096
stack_top:
