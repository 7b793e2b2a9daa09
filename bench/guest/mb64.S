/* mb64.S - the entry of bench/guest/cpubench: a Multiboot v1 header and a
 * 32-bit stub that enters long mode itself (identity-mapped first 1 GiB
 * with 2 MiB pages) and calls bench_main(), so the same file boots under
 * `vmkit vm run` and `qemu-system-x86_64 -kernel`. */
	.set MB_MAGIC, 0x1badb002
	.set MB_FLAGS, 0x00000003
	.section .multiboot, "a"
	.align 4
	.long MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

	.section .text32, "ax"
	.code32
	.globl _start
_start:
	cli
	mov $stack_top, %esp
	/* PML4[0] -> PDPT, PDPT[0] -> PD, PD: 512 x 2 MiB */
	mov $pdpt, %eax
	or $3, %eax
	mov %eax, pml4
	mov $pd, %eax
	or $3, %eax
	mov %eax, pdpt
	xor %ecx, %ecx
1:	mov %ecx, %eax
	shl $21, %eax
	or $0x83, %eax
	mov %eax, pd(,%ecx,8)
	inc %ecx
	cmp $512, %ecx
	jb 1b
	mov %cr4, %eax
	or $0x620, %eax		/* PAE, OSFXSR, OSXMMEXCPT */
	mov %eax, %cr4
	mov $pml4, %eax
	mov %eax, %cr3
	mov $0xc0000080, %ecx	/* EFER.LME */
	rdmsr
	or $0x100, %eax
	wrmsr
	mov %cr0, %eax
	and $~0x4, %eax		/* no x87 emulation */
	or $0x80000002, %eax	/* PG, MP */
	mov %eax, %cr0
	lgdt gdtr
	ljmp $0x08, $long_entry

	.section .text, "ax"
	.code64
long_entry:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov $stack_top, %rsp
	call bench_main
	mov %eax, %edx		/* bench_main's verdict: exit value */
	mov %dl, %al
	out %al, $0xf4
2:	hlt
	jmp 2b

	.section .rodata
	.align 8
gdt:	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
gdtr:	.word gdtr - gdt - 1
	.long gdt

	.section .bss
	.align 4096
pml4:	.space 4096
pdpt:	.space 4096
pd:	.space 4096
	.space 65536
stack_top:
