/* smc64.S - ELF64: self-modifying code (Intel SDM vol. 3A, 8.1.3 "Handling
 * Self- and Cross-Modifying Code", 11.6 "Self-Modifying Code": a write to
 * an instruction already fetched or decoded takes effect; the check is by
 * physical address, so writes through another linear alias count too; a
 * jump or serializing instruction after the write is the portable way to
 * be sure, and these checks use one wherever they leave the block). Checks:
 * an immediate rewritten in code that already ran; a store into the next
 * instruction of the same block; a loop that rewrites its own body each
 * iteration; writes through a second linear mapping (512 GiB up) of the
 * page, executing either alias; an instruction spanning two pages,
 * patched in the second; REP MOVSB copying new code over old; a linear
 * address remapped to a frame with other code. Prints "ok ..." or
 * "FAIL ..." per check. */
	.include "serial.inc"
	.set PML4, 0x200000
	.set BOOT_PDPT, 0xa000		/* vmkit's identity map (boot.h) */
	.set HIGH, 0x8000000000		/* PML4[1]: a second mapping of it */
	.set PDPT2, 0x201000		/* PML4[2] -> PDPT2 -> PD2: one 2 MiB page */
	.set PD2, 0x202000
	.set REMAP, 0x10000000000	/* its linear address */
	.code64
	.text
	.include "serial64.inc"
	.include "check64.inc"

	/* run_at ADDR: run code at ADDR (in %rax, any linear address) that
	 * returns by jmp *%rcx; without CALL r/m, which checks elsewhere. */
	.macro run_at
	lea 9f(%rip), %rcx
	push %rax
	ret
9:
	.endm

	.globl _start
_start:
	mov $stack_top, %rsp
	/* Our PML4: slot 0 and slot 1 both point at the boot PDPT. */
	mov $PML4, %edi
	mov $(3 * 512), %ecx
	xor %eax, %eax
	rep stosq
	movq $(BOOT_PDPT | 3), PML4
	movq $(BOOT_PDPT | 3), PML4 + 8
	mov $PML4, %eax
	mov %rax, %cr3

	begin "an immediate rewritten in code that already ran"
	call imm_fn
	mov %eax, %r12d
	movl $2, imm_fn + 1
	call imm_fn
	mov %eax, %r13d
	expect32 "before", %r12d, $1
	expect32 "after", %r13d, $2
	end_check

	/* 11.6: a write to an instruction already prefetched by the same
	 * instruction stream is detected and the prefetch invalidated. */
	begin "a store into the next instruction of the same block"
	call same_block_fn
	mov %eax, %r12d
	movl $0x33, same_block_imm	/* undo, from another block */
	call same_block_fn
	mov %eax, %r13d
	expect32 "first run", %r12d, $0x22
	expect32 "second run", %r13d, $0x22
	end_check

	begin "a loop that rewrites its own body each iteration"
	xor %ebx, %ebx
	mov $1, %ecx
1:	mov %cl, 2f + 2			/* the ADD's imm8 := the counter */
2:	.byte 0x83, 0xc3, 0x00		/* add $imm8, %ebx */
	inc %ecx
	cmp $11, %ecx
	jne 1b
	expect32 "sum 1..10", %ebx, $55
	end_check

	/* 11.6: the check is on physical addresses: linear aliases count. */
	begin "code patched through a second linear mapping, run at the first"
	call alias_fn
	mov %eax, %r12d
	movabs $HIGH + alias_fn + 1, %rax
	movl $2, (%rax)
	cpuid				/* serializing, after the write */
	call alias_fn
	mov %eax, %r13d
	expect32 "before", %r12d, $1
	expect32 "after", %r13d, $2
	end_check

	begin "code run at the second mapping, patched through the first"
	movabs $HIGH + alias2_fn, %rax
	run_at
	mov %eax, %r12d
	movl $2, alias2_fn + 1
	cpuid
	movabs $HIGH + alias2_fn, %rax
	run_at
	mov %eax, %r13d
	expect32 "before", %r12d, $1
	expect32 "after", %r13d, $2
	end_check

	/* An instruction whose immediate crosses into the next page. */
	begin "an instruction spanning two pages, patched in the second page"
	call span_fn
	mov %eax, %r12d
	movb $0x77, span_fn + 3		/* imm32 byte 2: in the second page */
	call span_fn
	mov %eax, %r13d
	expect32 "before", %r12d, $0
	expect32 "after", %r13d, $0x770000
	end_check

	begin "REP MOVSB copies new code over code that ran"
	mov $code_a, %esi
	call load_code
	mov $code_buf, %eax
	run_at
	mov %eax, %r12d
	mov $code_b, %esi
	call load_code
	mov $code_buf, %eax
	run_at
	mov %eax, %r13d
	expect32 "before", %r12d, $0xa
	expect32 "after", %r13d, $0xb
	end_check

	/* 4.10.4.1: after a PDE changes and INVLPG, the linear address
	 * runs the code of the new frame, not what was decoded before. */
	begin "a linear address remapped to other code (INVLPG) runs the new code"
	mov $code_a, %esi		/* frame 0x400000: returns 0xa */
	mov $0x400000, %edi
	mov $16, %ecx
	rep movsb
	mov $code_b, %esi		/* frame 0x600000: returns 0xb */
	mov $0x600000, %edi
	mov $16, %ecx
	rep movsb
	movq $(PDPT2 | 3), PML4 + 16	/* linear REMAP: PML4[2] */
	movq $(PD2 | 3), PDPT2
	movq $(0x400000 | 0x83), PD2
	movabs $REMAP, %rax
	run_at
	mov %eax, %r12d
	movq $(0x600000 | 0x83), PD2
	movabs $REMAP, %rax
	invlpg (%rax)
	run_at
	mov %eax, %r13d
	expect32 "before", %r12d, $0xa
	expect32 "after", %r13d, $0xb
	end_check

	finish

load_code:			/* copy 16 bytes of code from %rsi */
	mov $code_buf, %edi
	mov $16, %ecx
	cld
	rep movsb
	ret

imm_fn:
	mov $1, %eax
	ret

same_block_fn:
	movl $0x22, same_block_imm
	mov $0x33, %eax			/* b8 imm32 */
	same_block_imm = . - 4
	ret

alias_fn:
	mov $1, %eax
	ret

alias2_fn:			/* run through run_at */
	mov $1, %eax
	jmp *%rcx

code_a:	mov $0xa, %eax
	jmp *%rcx
	.balign 16
code_b:	mov $0xb, %eax
	jmp *%rcx
	.balign 16

	/* span_fn starts 2 bytes before a page boundary: B8 and the first
	 * immediate byte in one page, the other three in the next. */
	.balign 4096
	.skip 4096 - 2, 0xcc
span_fn:
	mov $0, %eax
	ret

	.section .bss
	.balign 4096
code_buf: .space 4096
	.space 8192
stack_top:
