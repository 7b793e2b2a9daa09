/* string64.S - ELF64: string instructions with REP (Intel SDM vol. 2,
 * MOVS/STOS/CMPS/SCAS and REP/REPE/REPNE; vol. 1 7.3.9). Checks: REP MOVSB
 * and REP STOSQ across a page boundary into frames that are not adjacent;
 * an overlapping forward copy (destination = source + 1) replicating the
 * first byte, as the byte-by-byte definition says; RCX = 0 doing nothing
 * (registers, memory and flags unchanged); DF = 1 copying backwards; REP
 * MOVSB faulting on a not-present page with the registers showing its
 * progress, then completing when the #PF handler maps the page; REPE CMPSB
 * and REPNE SCASB stopping where they should. Prints "ok ..." or "FAIL
 * ..." per check.
 * Linear 0x401000 -> frame 0x408000, 0x402000 -> frame 0x40c000, 0x403000
 * not present (until the #PF handler maps it to frame 0x410000). */
	.include "serial.inc"
	.set PML4, 0x200000
	.set PDPT, 0x201000
	.set PD, 0x202000
	.set PT, 0x203000		/* 0x400000-0x5fffff, 4 KiB pages */
	.code64
	.text
	.include "serial64.inc"
	.include "check64.inc"
	.include "idt64.inc"

	.globl _start
_start:
	mov $stack_top, %rsp
	call idt_init
	call build_tables
	mov $PML4, %eax
	mov %rax, %cr3
	cld
	mov $pattern, %edi		/* pattern: bytes 0, 1, 2, ... 255 */
	xor %eax, %eax
1:	stosb
	inc %al
	jnz 1b

	begin "REP MOVSB across a page boundary into non-adjacent frames"
	mov $pattern, %esi
	mov $0x401f80, %edi
	mov $256, %ecx
	rep movsb
	mov %rsi, %r12
	mov %rdi, %r13
	expect rcx, %rcx, $0
	expect rsi, %r12, $(pattern + 256)
	expect rdi, %r13, $0x402080
	mov $pattern, %esi		/* frame 0x408f80: 128 bytes */
	mov $0x408f80, %edi
	mov $128, %ecx
	call compare
	expect "bytes in frame 0x408000", %rax, $128
	mov $pattern + 128, %esi	/* frame 0x40c000: 128 bytes */
	mov $0x40c000, %edi
	mov $128, %ecx
	call compare
	expect "bytes in frame 0x40c000", %rax, $128
	end_check

	begin "REP STOSQ across a page boundary"
	mov $0x0123456789abcdef, %rax
	mov $0x401f00, %edi
	mov $64, %ecx
	rep stosq
	mov %rdi, %r13
	expect rcx, %rcx, $0
	expect rdi, %r13, $0x402100
	mov $0x0123456789abcdef, %rbx
	expect "last qword, frame 0x408000", 0x408ff8, %rbx
	expect "first qword, frame 0x40c000", 0x40c000, %rbx
	expect "last qword, frame 0x40c000", 0x40c0f8, %rbx
	expect "after the end", 0x40c100, $0
	end_check

	/* MOVS moves one element per iteration in order: with an overlap
	 * the copy reads what it has just written. */
	begin "overlapping REP MOVSB (destination = source + 1) replicates the first byte"
	mov $pattern + 16, %esi		/* bytes 16..79 */
	mov $buf, %edi
	mov $64, %ecx
	rep movsb
	mov $buf, %esi
	mov $buf + 1, %edi
	mov $63, %ecx
	rep movsb
	mov $buf, %esi
	mov $64, %ecx
	call count_byte16
	expect "bytes equal to the first", %rax, $64
	end_check

	/* REP with a count of 0 does no iteration (vol. 2, REP). */
	begin "REP with RCX=0: nothing moves, registers and flags unchanged"
	movb $0x5a, buf
	mov $pattern, %esi
	mov $buf, %edi
	xor %ecx, %ecx
	stc
	rep movsb
	rep stosb
	repe cmpsb			/* would clear CF: 0x00 vs 0x5a */
	setc %bl
	movzbl %bl, %ebx
	mov %rsi, %r12
	mov %rdi, %r13
	expect rcx, %rcx, $0
	expect rsi, %r12, $pattern
	expect rdi, %r13, $buf
	expect "CF kept", %rbx, $1
	movzbl buf, %ebx
	expect "memory", %rbx, $0x5a
	end_check

	/* DF = 1: elements from the high end down; RSI, RDI end one
	 * element below the area (vol. 1 3.4.3.3, vol. 2 MOVS). */
	begin "DF=1: REP MOVSB copies backwards, also over itself (dst = src + 1)"
	mov $pattern, %esi
	mov $buf, %edi
	mov $64, %ecx
	rep movsb
	std
	mov $buf + 62, %esi		/* move buf[0..62] to buf[1..63] */
	mov $buf + 63, %edi
	mov $63, %ecx
	rep movsb
	cld
	mov %rsi, %r12
	mov %rdi, %r13
	expect rsi, %r12, $(buf - 1)
	expect rdi, %r13, $buf
	mov $pattern, %esi
	mov $buf + 1, %edi
	mov $63, %ecx
	call compare
	expect "bytes moved up", %rax, $63
	end_check

	/* vol. 2, REP: an exception in a repeated string instruction leaves
	 * RCX, RSI, RDI at the elements still to do; it resumes after the
	 * handler. Not-present page 0x403000: #PF with CR2 there. */
	begin "REP MOVSB into a not-present page: #PF mid-copy, the handler maps it, the copy completes"
	movq $pf_map, exc_hooks + 14 * 8
	movl $0, exc_count
	movq $0, fault_rcx
	mov $pattern, %esi
	mov $0x402f80, %edi
	mov $256, %ecx
	rep movsb
	mov %rcx, %r14
	movq $0, exc_hooks + 14 * 8
	expect32 faults, exc_count, $1
	mov exc_cr2, %rbx
	and $~0xfff, %rbx
	expect "CR2 page", %rbx, $0x403000
	mov fault_rdi, %rbx		/* what was done = 256 - RCX */
	sub $0x402f80, %rbx
	mov $256, %r8
	sub fault_rcx, %r8
	expect "RDI progress = 256 - RCX", %rbx, %r8
	mov fault_rsi, %rbx
	sub $pattern, %rbx
	expect "RSI progress = 256 - RCX", %rbx, %r8
	expect rcx, %r14, $0
	mov $pattern + 128, %esi	/* the frame mapped by the handler */
	mov $0x410000, %edi
	mov $128, %ecx
	call compare
	expect "bytes in the new page", %rax, $128
	end_check

	begin "REPE CMPSB stops after the first difference"
	mov $str_a, %esi
	mov $str_b, %edi
	mov $6, %ecx
	repe cmpsb
	setz %bl
	movzbl %bl, %ebx
	mov %rsi, %r12
	expect rcx, %rcx, $2
	expect rsi, %r12, $(str_a + 4)
	expect ZF, %rbx, $0
	end_check

	begin "REPNE SCASB stops after the byte found"
	mov $str_a, %edi
	xor %eax, %eax
	mov $16, %ecx
	repne scasb
	setz %bl
	movzbl %bl, %ebx
	mov %rdi, %r13
	expect rcx, %rcx, $9
	expect rdi, %r13, $(str_a + 7)
	expect ZF, %rbx, $1
	end_check

	finish

	/* #PF hook: map 0x403000 to frame 0x410000, noting RCX, RSI, RDI
	 * as they were at the fault; IRETQ resumes the REP MOVSB. */
pf_map:
	mov -16(%rdi), %rax		/* saved by exc_common: RCX */
	mov %rax, fault_rcx
	mov -32(%rdi), %rax		/* RSI */
	mov %rax, fault_rsi
	mov -40(%rdi), %rax		/* RDI */
	mov %rax, fault_rdi
	movq $(0x410000 | 3), PT + 3 * 8
	invlpg 0x403000
	ret

compare:			/* %rax = how many of %rcx bytes at %rsi, %rdi match */
	xor %eax, %eax
1:	mov (%rsi, %rax), %dl
	cmp (%rdi, %rax), %dl
	jne 2f
	inc %rax
	cmp %rcx, %rax
	jb 1b
2:	ret

count_byte16:			/* %rax = bytes of %rcx at %rsi equal to 16 */
	xor %eax, %eax
1:	cmpb $16, -1(%rsi, %rcx)
	jne 2f
	inc %eax
2:	loop 1b
	ret

build_tables:
	mov $PML4, %edi
	mov $(4 * 512), %ecx
	xor %eax, %eax
	rep stosq
	movq $(PDPT | 3), PML4
	movq $(PD | 3), PDPT
	xor %ecx, %ecx			/* PD: 2 MiB identity */
1:	mov %rcx, %rax
	shl $21, %rax
	or $0x83, %rax
	mov %rax, PD(, %rcx, 8)
	inc %ecx
	cmp $512, %ecx
	jb 1b
	movq $(PT | 3), PD + 2 * 8
	xor %ecx, %ecx			/* PT: 4 KiB identity */
1:	mov %rcx, %rax
	shl $12, %rax
	add $(0x400000 | 3), %rax
	mov %rax, PT(, %rcx, 8)
	inc %ecx
	cmp $512, %ecx
	jb 1b
	movq $(0x408000 | 3), PT + 1 * 8
	movq $(0x40c000 | 3), PT + 2 * 8
	movq $0, PT + 3 * 8
	ret

	.section .data
str_a:	.ascii "abcdef\0........"
str_b:	.ascii "abcxef"
	.balign 8
fault_rcx: .quad 0
fault_rsi: .quad 0
fault_rdi: .quad 0
	.section .bss
	.balign 16
pattern: .space 256
buf:	.space 256
	.space 8192
stack_top:
