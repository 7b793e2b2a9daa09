/* apic64.S - ELF64: the local APIC and its timer in long mode (Intel SDM
 * vol. 3A, chapter 10: 10.4 base and enable, 10.5.4 the timer, 10.8
 * TPR/PPR/ISR/IRR/EOI, 10.8.6.1 CR8). Checks: IA32_APIC_BASE; the timer in
 * periodic mode (divide by 16) delivering 20 interrupts with HLT between
 * them; ISR and PPR while in the handler, ISR clear after EOI; the current
 * count counting down and stopping; one-shot mode; TPR holding an
 * interrupt pending in IRR until lowered; CR8 as the TPR. Prints "ok ..."
 * or "FAIL ..." per check, never timings. %r15 = the LAPIC's MMIO base.
 * ioapic64.S checks the I/O APIC and the PIT. */
	.include "serial.inc"
	.set LAPIC, 0xfee00000
	.set TPR, 0x80
	.set PPR, 0xa0
	.set EOI, 0xb0
	.set SVR, 0xf0
	.set ISR2, 0x120		/* ISR bits 95:64: vectors 0x40-0x5f */
	.set IRR2, 0x220
	.set LVT_TIMER, 0x320
	.set TMICT, 0x380
	.set TMCCT, 0x390
	.set TDCR, 0x3e0
	.set VEC_TIMER, 0x40
	.set TICKS, 20
	.code64
	.text
	.include "serial64.inc"
	.include "check64.inc"
	.include "idt64.inc"

	/* wait_count VAR, N: HLT with interrupts on until VAR >= N. */
	.macro wait_count var, n
	sti
1:	hlt
	cmpl $\n, \var
	jb 1b
	cli
	.endm

	.globl _start
_start:
	mov $stack_top, %rsp
	call idt_init
	mov $LAPIC, %r15d
	movq $lapic_isr, exc_hooks + VEC_TIMER * 8
	movq $spurious_isr, exc_hooks + 0xff * 8
	mov $0xff, %al			/* mask both 8259s (OCW1) */
	out %al, $0x21
	out %al, $0xa1

	/* 10.4.3, 10.4.4: the APIC is at 0xfee00000, enabled (bit 11), and
	 * this is the bootstrap processor (bit 8). */
	begin "IA32_APIC_BASE: 0xfee00000, enabled, BSP"
	mov $0x1b, %ecx
	rdmsr
	and $0xfffff900, %eax
	expect32 "APIC base", %eax, $0xfee00900
	end_check

	/* 10.4.7.1: SVR bit 8 software-enables the APIC; spurious 0xff. */
	movl $0x1ff, SVR(%r15)

	/* 10.5.4: periodic timer, divide by 16 (TDCR 0b0011). */
	begin "LAPIC timer, periodic, divide by 16: 20 interrupts, EOI each"
	movl $3, TDCR(%r15)
	movl $(VEC_TIMER | (1 << 17)), LVT_TIMER(%r15)
	movl $20000, TMICT(%r15)
	wait_count ticks, TICKS
	movl $(1 << 16), LVT_TIMER(%r15)	/* masked */
	movl $0, TMICT(%r15)
	expect32 interrupts, ticks, $TICKS
	end_check

	/* 10.8.3.1, 10.8.4, 10.8.5: while the handler runs the vector's ISR
	 * bit is set and PPR = its priority class; EOI clears the ISR bit. */
	begin "in the handler: ISR bit set, PPR 0x40; after EOI: ISR clear"
	expect32 "handlers with ISR set", isr_set, $TICKS
	expect32 "handlers with PPR 0x40", ppr_40, $TICKS
	expect32 "ISR set after EOI", isr_after, $0
	end_check

	/* 10.5.4: the current count counts down from the initial count;
	 * writing 0 to the initial count stops the timer. */
	begin "LAPIC timer: current count counts down; initial count 0 stops it"
	movl $(VEC_TIMER | (1 << 16)), LVT_TIMER(%r15)	/* one-shot, masked */
	movl $0x7fffffff, TMICT(%r15)
	mov TMCCT(%r15), %ebx
	mov $1000, %ecx
1:	pause
	loop 1b
	mov TMCCT(%r15), %ebp
	xor %r8d, %r8d
	cmp $0x7fffffff, %ebx
	setb %r8b
	expect "first read below initial", %r8, $1
	xor %r8d, %r8d
	cmp %ebx, %ebp
	setb %r8b
	expect "second read below first", %r8, $1
	movl $0, TMICT(%r15)
	expect32 "count after stop", TMCCT(%r15), $0
	end_check

	/* 10.5.4: one-shot mode: one interrupt, then the count stays 0. */
	begin "LAPIC timer, one-shot: 1 interrupt, then current count 0"
	movl $0, ticks
	movl $VEC_TIMER, LVT_TIMER(%r15)
	movl $1000, TMICT(%r15)
	wait_count ticks, 1
	expect32 interrupts, ticks, $1
	expect32 "current count", TMCCT(%r15), $0
	end_check

	/* 10.8.3.1, 10.8.6: an interrupt whose class (4) is not above the
	 * TPR's (5) stays pending in IRR; lowering the TPR delivers it. */
	begin "TPR 0x50 holds vector 0x40 pending in IRR; TPR 0 delivers it"
	movl $0, ticks
	movl $0x50, TPR(%r15)
	movl $100, TMICT(%r15)
	sti
	mov $10000000, %ecx
1:	testl $1, IRR2(%r15)
	jnz 2f
	loop 1b
2:	mov IRR2(%r15), %ebx
	and $1, %ebx
	mov ticks, %ebp
	movl $0, TPR(%r15)
	mov $10000000, %ecx
1:	cmpl $0, ticks
	jne 2f
	loop 1b
2:	cli
	expect "IRR bit at TPR 0x50", %rbx, $1
	expect "interrupts at TPR 0x50", %rbp, $0
	expect32 "interrupts at TPR 0", ticks, $1
	end_check
	movl $(1 << 16), LVT_TIMER(%r15)

	/* 10.8.6.1: in 64-bit mode CR8[3:0] is TPR[7:4]: writing one shows
	 * in the other. */
	begin "MOV to CR8 sets TPR[7:4]; MOV from CR8 reads it"
	mov $5, %eax
	mov %rax, %cr8
	expect32 "TPR after CR8=5", TPR(%r15), $0x50
	movl $0x30, TPR(%r15)
	mov %cr8, %rbx
	expect "CR8 after TPR=0x30", %rbx, $3
	movl $0, TPR(%r15)
	end_check

	finish

lapic_isr:
	incl ticks
	mov ISR2(%r15), %eax
	and $1, %eax
	add %eax, isr_set
	mov PPR(%r15), %eax
	cmp $0x40, %eax
	sete %al
	movzbl %al, %eax
	add %eax, ppr_40
	movl $0, EOI(%r15)
	mov ISR2(%r15), %eax
	and $1, %eax
	add %eax, isr_after
	ret

spurious_isr:			/* 10.9: no EOI for the spurious vector */
	ret

	.section .data
	.balign 4
ticks:      .long 0
isr_set:    .long 0
isr_after:  .long 0
ppr_40:     .long 0
	.section .bss
	.balign 16
	.space 8192
stack_top:
