/* paging64.S - ELF64: 4-level paging (Intel SDM vol. 3A, chapter 4). Builds
 * its own page tables at 2 MiB, switches CR3 to them and checks: 4 KiB,
 * 2 MiB and 1 GiB pages map the frames they name; #PF error codes and CR2
 * for not-present pages (reads, writes, fetches with and without
 * EFER.NXE), read-only pages under CR0.WP, NX pages and reserved bits; a
 * #PF handler that maps the page and retries; the accessed and dirty flags;
 * INVLPG (also of a 2 MiB page) and MOV to CR3 flushing the TLB; a second
 * PML4 and code run through it above 4 GiB; a #PF through a not-present
 * gate becoming #DF; non-canonical addresses.
 * Prints "ok ..." or "FAIL ..." per check.
 *
 * Linear layout (frames are identity-mapped unless said otherwise):
 *   0x400000-0x5fffff  4 KiB pages through PT:
 *     0x401000 -> frame 0x405000    0x402000  not present
 *     0x403000  read-only           0x404000  NX
 *   0x600000  2 MiB page -> frame 0x800000
 *   0xc00000  2 MiB page with reserved bit 13 set
 *   0x2000000 2 MiB page -> frame 0x400000 (writable alias of PT's frames)
 *   0x40000000 1 GiB page -> frame 0 (an alias of the first GiB) */
	.include "serial.inc"
	.set PML4, 0x200000
	.set PDPT, 0x201000
	.set PD, 0x202000		/* the first GiB, 2 MiB pages */
	.set PT, 0x203000		/* 0x400000-0x5fffff, 4 KiB pages */
	.set PML4B, 0x204000		/* a second PML4 */
	.set ALIAS, 0x40000000		/* the 1 GiB page: linear ALIAS + x is frame x */
	.set AL4K, 0x2000000 - 0x400000	/* a 2 MiB page: AL4K + x is frame x (PT's range) */
	.set HIGH, 0x8000000000		/* 512 GiB: PML4B[1] */
	.set P, 1
	.set RW, 2
	.set PS, 0x80
	.set MSR_EFER, 0xc0000080
	.set EFER_NXE, 0x800
	.set CR0_WP, 0x10000
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
	mov $PML4, %rax
	mov %rax, %cr3
	mov %cr0, %rax
	or $CR0_WP, %rax
	mov %rax, %cr0

	/* 4.5: a PTE maps a 4 KiB frame; write through one alias, read the other. */
	begin "4 KiB page: linear 0x401000 maps frame 0x405000"
	mov $0x4b4b4b4b01020304, %rcx
	mov %rcx, 0x405008
	expect read, 0x401008, %rcx
	not %rcx
	mov %rcx, 0x401010
	expect write, 0x405010, %rcx
	end_check

	/* 4.5, table 4-18: a PDE with PS=1 maps a 2 MiB page. */
	begin "2 MiB page: linear 0x600000 maps frame 0x800000"
	mov $0x2d2d2d2d05060708, %rcx
	mov %rcx, 0x800100
	expect read, 0x600100, %rcx
	end_check

	/* 4.5, table 4-16: a PDPTE with PS=1 maps a 1 GiB page. */
	/* Without CPUID.80000001H:EDX.Page1GB[26] the PS bit of a PDPTE is
	 * reserved (table 4-15): then the read must give #PF with RSVD. */
	begin "1 GiB page: linear 0x40000000 maps frame 0 (#PF RSVD without CPUID Page1GB)"
	mov $0x80000001, %eax
	cpuid
	bt $26, %edx
	setc %r13b
	mov $0x1f1f1f1f090a0b0c, %rcx
	mov %rcx, 0x300000
	arm 1f
	xor %ebx, %ebx
	mov ALIAS + 0x300000, %rbx
1:	movq $0, exc_resume
	test %r13b, %r13b
	jz 3f
	expect32 faults, exc_count, $0
	expect read, %rbx, %rcx
	jmp 4f
3:	expect vector, exc_vec, $14
	expect error, exc_err, $9
	expect cr2, exc_cr2, $(ALIAS + 0x300000)
4:	end_check

	/* 4.7: a not-present page gives #PF; error code P=0, W/R says the
	 * access, I/D only for fetches with EFER.NXE=1; CR2 = the address;
	 * the saved RIP is the faulting instruction. */
	begin "not-present page, read: #PF error 0, CR2"
	arm 1f
2:	mov 0x402010, %rax
1:	expect vector, exc_vec, $14
	expect error, exc_err, $0
	expect cr2, exc_cr2, $0x402010
	expect rip, exc_rip, $2b
	end_check

	begin "not-present page, write: #PF error 2 (W)"
	arm 1f
2:	movq $0, 0x402018
1:	expect vector, exc_vec, $14
	expect error, exc_err, $2
	expect cr2, exc_cr2, $0x402018
	expect rip, exc_rip, $2b
	end_check

	begin "not-present page, fetch with EFER.NXE=0: #PF error 0 (no I)"
	arm 1f
	mov $0x402000, %rax
	jmp *%rax
1:	expect vector, exc_vec, $14
	expect error, exc_err, $0
	expect cr2, exc_cr2, $0x402000
	expect rip, exc_rip, $0x402000
	end_check

	mov $MSR_EFER, %ecx
	rdmsr
	or $EFER_NXE, %eax
	wrmsr
	begin "not-present page, fetch with EFER.NXE=1: #PF error 0x10 (I)"
	arm 1f
	mov $0x402000, %rax
	jmp *%rax
1:	expect vector, exc_vec, $14
	expect error, exc_err, $0x10
	expect cr2, exc_cr2, $0x402000
	expect rip, exc_rip, $0x402000
	end_check

	/* A #PF handler that maps the page: IRETQ retries the access. */
	begin "#PF handler maps the page, IRETQ retries the read"
	mov $0x6d6d6d6d0d0e0f10, %rcx
	mov %rcx, 0x406020
	movq $pf_map_hook, exc_hooks + 14 * 8
	movl $0, exc_count
	mov 0x402020, %rbx
	movq $0, exc_hooks + 14 * 8
	expect value, %rbx, %rcx
	expect32 faults, exc_count, $1
	end_check

	/* 4.6: with CR0.WP=1 a supervisor write to a read-only page faults
	 * (error P=1 W=1); 4.8: a faulting write does not set D. */
	begin "read-only page, CR0.WP=1: write gives #PF error 3, no store, D stays 0"
	movq $0x33, AL4K + 0x403000
	arm 1f
2:	movq $0x5555, 0x403000
1:	expect vector, exc_vec, $14
	expect error, exc_err, $3
	expect cr2, exc_cr2, $0x403000
	expect rip, exc_rip, $2b
	expect memory, AL4K + 0x403000, $0x33
	mov PT + 3 * 8, %rbx
	and $0x40, %ebx
	expect dirty, %rbx, $0
	end_check

	/* 4.6.1: with CR0.WP=0 supervisor writes ignore R/W. */
	begin "read-only page, CR0.WP=0: a CPL 0 write succeeds"
	mov %cr0, %rax
	and $~CR0_WP, %rax
	mov %rax, %cr0
	arm 1f
	movq $0x6666, 0x403000
1:	movq $0, exc_resume
	mov %cr0, %rax
	or $CR0_WP, %rax
	mov %rax, %cr0
	expect32 faults, exc_count, $0
	expect memory, AL4K + 0x403000, $0x6666
	end_check

	/* 4.6: with EFER.NXE=1, XD (bit 63) forbids fetches (error P=1 I=1)
	 * but not reads. The page holds "jmp *%rbx". */
	begin "NX page: fetch gives #PF error 0x11 (P, I), a read does not fault"
	movw $0xe3ff, AL4K + 0x404000
	movl $0, nx_ran
	arm 1f
	mov $3f, %rbx
	mov $0x404000, %rax
	jmp *%rax
3:	movl $1, nx_ran
1:	expect vector, exc_vec, $14
	expect error, exc_err, $0x11
	expect cr2, exc_cr2, $0x404000
	expect rip, exc_rip, $0x404000
	expect32 ran, nx_ran, $0
	arm 1f
	movzwl 0x404000, %ebx
1:	movq $0, exc_resume
	expect32 faults, exc_count, $0
	expect read, %rbx, $0xe3ff
	end_check

	begin "NX cleared in the PTE, INVLPG: the page runs"
	btrq $63, PT + 4 * 8
	invlpg 0x404000
	arm 1f
	mov $3f, %rbx
	mov $0x404000, %rax
	jmp *%rax
3:	movl $1, nx_ran
1:	movq $0, exc_resume
	expect32 faults, exc_count, $0
	expect32 ran, nx_ran, $1
	end_check

	/* 4.7, table 4-19: with EFER.NXE=0 bit 63 is reserved: RSVD=1. */
	begin "bit 63 with EFER.NXE=0 is reserved: #PF error 9 (P, RSVD)"
	btsq $63, PT + 4 * 8
	mov $MSR_EFER, %ecx
	rdmsr
	and $~EFER_NXE, %eax
	wrmsr
	invlpg 0x404000
	arm 1f
2:	mov 0x404000, %al
1:	mov $MSR_EFER, %ecx
	rdmsr
	or $EFER_NXE, %eax
	wrmsr
	expect vector, exc_vec, $14
	expect error, exc_err, $9
	expect cr2, exc_cr2, $0x404000
	expect rip, exc_rip, $2b
	end_check

	/* 4.5, table 4-18: bits 20:13 of a 2 MiB PDE are reserved. */
	begin "reserved bit 13 in a 2 MiB PDE: #PF error 9 (P, RSVD)"
	arm 1f
2:	mov 0xc00040, %al
1:	movq $0, exc_resume
	expect32 faults, exc_count, $1
	expect vector, exc_vec, $14
	expect error, exc_err, $9
	expect cr2, exc_cr2, $0xc00040
	expect rip, exc_rip, $2b
	end_check

	/* 4.8: a read sets A in the entries used; a write sets D in the
	 * entry that maps the frame. PT[7] starts with A=D=0. */
	begin "4 KiB page: a read sets A (not D), a write sets D"
	mov 0x407000, %rax
	mov PT + 7 * 8, %rbx
	and $0x60, %ebx
	expect "PTE A|D after read", %rbx, $0x20
	mov PD + 2 * 8, %rbx
	and $0x20, %ebx
	expect "PDE A", %rbx, $0x20
	movq $1, 0x407000
	mov PT + 7 * 8, %rbx
	and $0x60, %ebx
	expect "PTE A|D after write", %rbx, $0x60
	end_check

	begin "2 MiB page: a read sets A (not D), a write sets D"
	mov PD + 3 * 8, %rbx	/* read at 0x600100 above */
	and $0x60, %ebx
	expect "PDE A|D after read", %rbx, $0x20
	movq $1, 0x600100
	mov PD + 3 * 8, %rbx
	and $0x60, %ebx
	expect "PDE A|D after write", %rbx, $0x60
	end_check

	/* 4.10.4.1: INVLPG invalidates the TLB entry of the page. */
	begin "INVLPG: a changed PTE takes effect"
	mov $0x1111, %rcx
	mov %rcx, 0x405030
	movq $0x2222, 0x406030
	expect before, 0x401030, %rcx	/* cached: 0x401000 -> 0x405000 */
	movq $(0x406000 | P | RW), PT + 1 * 8
	invlpg 0x401000
	expect after, 0x401030, $0x2222
	end_check

	/* 4.10.2.3, 4.10.4.1: for a page larger than 4 KiB, INVLPG of any
	 * address in it invalidates all the TLB entries of that page. */
	begin "INVLPG of one address in a 2 MiB page flushes the whole page"
	movq $0x3333, 0x801040
	movq $0x4444, 0xa01040
	mov 0x600040, %rax	/* cache both 4 KiB pieces */
	expect before, 0x601040, $0x3333
	movq $(0xa00000 | P | RW | PS), PD + 3 * 8
	invlpg 0x600000
	expect after, 0x601040, $0x4444
	end_check

	/* 4.10.4.1: MOV to CR3 invalidates all non-global TLB entries. */
	begin "MOV to CR3 flushes the TLB"
	expect before, 0x401030, $0x2222
	movq $(0x405000 | P | RW), PT + 1 * 8
	mov %cr3, %rax
	mov %rax, %cr3
	expect after, 0x401030, $0x1111
	end_check

	/* 4.5: another PML4 maps the same tables at 512 GiB too. */
	begin "switching CR3 to a second PML4 and back"
	mov $PML4B, %rax
	mov %rax, %cr3
	movabs HIGH + 0x401030, %rax
	mov %rax, %rbx
	expect "alias read", %rbx, $0x1111
	mov $PML4, %rax
	mov %rax, %cr3
	arm 1f
2:	movabs HIGH + 0x401030, %rax
1:	expect vector, exc_vec, $14
	expect error, exc_err, $0
	expect cr2, exc_cr2, $(HIGH + 0x401030)
	expect rip, exc_rip, $2b
	end_check

	/* 6.15 (interrupt 8), table 6-5: a contributory exception (#NP for
	 * the not-present gate) while delivering a #PF is a double fault. */
	begin "#PF through a not-present IDT gate: #DF, error code 0"
	idt_attr 14, 0x0e
	arm 1f
	movabs HIGH, %al		/* not present with this PML4 */
1:	idt_attr 14, 0x8e
	expect vector, exc_vec, $8
	expect error, exc_err, $0
	expect32 events, exc_count, $1
	end_check

	/* 3.3.7.1, 6.15: a non-canonical address gives #GP(0), or #SS(0)
	 * when the reference is through SS (base register RSP or RBP). */
	begin "non-canonical data address: #GP(0)"
	arm 1f
	mov $0x0000800000000000, %rax
2:	mov (%rax), %rbx
1:	expect vector, exc_vec, $13
	expect error, exc_err, $0
	expect rip, exc_rip, $2b
	end_check

	begin "non-canonical stack address (RBP base): #SS(0)"
	arm 1f
	mov %rbp, %r15
	mov $0xffff700000000000, %rbp
2:	mov 8(%rbp), %rbx
1:	mov %r15, %rbp
	expect vector, exc_vec, $12
	expect error, exc_err, $0
	expect rip, exc_rip, $2b
	end_check

	/* SDM vol. 2A, JMP: in 64-bit mode a near indirect JMP has a 64-bit
	 * operand (no 32-bit form): it reaches code above 4 GiB. */
	begin "JMP r/m64 to code at 512 GiB (second PML4) and back"
	mov $PML4B, %rax
	mov %rax, %cr3
	xor %ebx, %ebx
	movabs $HIGH + high_code, %rax
	mov $1f, %rcx
	jmp *%rax
1:	mov $PML4, %rax
	mov %rax, %cr3
	movabs $HIGH + high_code_rip, %rcx
	expect "RIP there", %rbx, %rcx
	end_check

	finish

	/* Run at HIGH + high_code: %rbx = where RIP was, back to %rcx. */
high_code:
	lea 0(%rip), %rbx
high_code_rip:
	jmp *%rcx

	/* #PF hook: map 0x402000 to frame 0x406000, then retry. */
pf_map_hook:
	movq $(0x406000 | P | RW), PT + 2 * 8
	mov exc_cr2, %rax
	invlpg (%rax)
	ret

build_tables:
	mov $PML4, %rdi		/* zero PML4, PDPT, PD, PT, PML4B */
	mov $(5 * 4096 / 8), %ecx
	xor %eax, %eax
	rep stosq
	movq $(PDPT | P | RW), PML4
	movq $(PDPT | P | RW), PML4B
	movq $(PDPT | P | RW), PML4B + 8	/* 512 GiB up: the same */
	movq $(PD | P | RW), PDPT
	movq $(0 | P | RW | PS), PDPT + 8	/* 1 GiB page at 1 GiB */
	xor %ecx, %ecx			/* PD: 2 MiB identity */
1:	mov %rcx, %rax
	shl $21, %rax
	or $(P | RW | PS), %rax
	mov %rax, PD(, %rcx, 8)
	inc %ecx
	cmp $512, %ecx
	jb 1b
	movq $(PT | P | RW), PD + 2 * 8
	movq $(0x800000 | P | RW | PS), PD + 3 * 8
	movq $(0xc00000 | P | RW | PS | (1 << 13)), PD + 6 * 8
	movq $(0x400000 | P | RW | PS), PD + 16 * 8	/* AL4K */
	xor %ecx, %ecx			/* PT: 4 KiB identity */
1:	mov %rcx, %rax
	shl $12, %rax
	add $(0x400000 | P | RW), %rax
	mov %rax, PT(, %rcx, 8)
	inc %ecx
	cmp $512, %ecx
	jb 1b
	movq $(0x405000 | P | RW), PT + 1 * 8
	movq $0, PT + 2 * 8
	movq $(0x403000 | P), PT + 3 * 8
	mov $(0x404000 | P | RW), %rax
	bts $63, %rax
	mov %rax, PT + 4 * 8
	ret

	.section .data
nx_ran:	.long 0
	.section .bss
	.balign 16
	.space 8192
stack_top:
