/* ioapic64.S - ELF64: the 8254 PIT's IRQ 0 through the I/O APIC in long
 * mode (82093AA I/O APIC data sheet, 3.2: IOREGSEL at 0, IOWIN at 0x10;
 * Intel SDM vol. 3A 10.8: EOI to the local APIC). With both 8259s masked,
 * checks: the version register (24 pins); a redirection entry reads back;
 * the PIT at 1 kHz delivers 20 interrupts through pin 2, where ISA IRQ 0
 * is wired on a PC (the ACPI interrupt source override vmkit's machine
 * follows), none through pin 0; a masked entry delivers nothing. Prints
 * "ok ..." or "FAIL ..." per check, never timings.
 * %r15 = the local APIC's MMIO base, %r14 = the I/O APIC's. */
	.include "serial.inc"
	.set LAPIC, 0xfee00000
	.set IOAPIC, 0xfec00000
	.set EOI, 0xb0
	.set SVR, 0xf0
	.set VEC_PIN2, 0x42
	.set VEC_PIN0, 0x43
	.set TICKS, 20
	.code64
	.text
	.include "serial64.inc"
	.include "check64.inc"
	.include "idt64.inc"

	/* rte_write PIN, LOW, HIGH: program a redirection entry (registers
	 * 0x10 + 2 * PIN and 0x11 + 2 * PIN). */
	.macro rte_write pin, low, high=0
	movl $(0x10 + 2 * \pin), (%r14)
	movl $\low, 0x10(%r14)
	movl $(0x11 + 2 * \pin), (%r14)
	movl $\high, 0x10(%r14)
	.endm

	.globl _start
_start:
	mov $stack_top, %rsp
	call idt_init
	mov $LAPIC, %r15d
	mov $IOAPIC, %r14d
	movq $pin_isr, exc_hooks + VEC_PIN2 * 8
	movq $pin_isr, exc_hooks + VEC_PIN0 * 8
	movq $spurious_isr, exc_hooks + 0xff * 8
	mov $0xff, %al			/* mask both 8259s (OCW1) */
	out %al, $0x21
	out %al, $0xa1
	movl $0x1ff, SVR(%r15)		/* LAPIC software-enabled */

	/* Data sheet 3.2.2: IOAPICVER bits 23:16 = the highest redirection
	 * entry (0x17 on the 82093AA: 24 pins). */
	begin "I/O APIC version register: 24 redirection entries"
	movl $1, (%r14)
	mov 0x10(%r14), %ebx
	shr $16, %ebx
	and $0xff, %ebx
	expect "highest entry", %rbx, $23
	end_check

	/* 3.2.4: vector, fixed delivery, physical destination, active
	 * high, edge, unmasked; delivery status and remote IRR are read-only. */
	begin "I/O APIC redirection entries read back"
	rte_write 2, VEC_PIN2
	rte_write 0, VEC_PIN0
	movl $(0x10 + 2 * 2), (%r14)
	mov 0x10(%r14), %ebx
	and $0x1afff, %ebx
	expect "pin 2 low", %rbx, $VEC_PIN2
	movl $(0x11 + 2 * 2), (%r14)
	mov 0x10(%r14), %ebx
	expect "pin 2 high", %rbx, $0
	end_check

	begin "PIT at 1 kHz through I/O APIC pin 2, 8259 masked: 20 interrupts"
	mov $0x34, %al			/* PIT channel 0, lo/hi, mode 2 */
	out %al, $0x43
	mov $(1193 & 0xff), %al		/* 1193182 Hz / 1193: 1 kHz */
	out %al, $0x40
	mov $(1193 >> 8), %al
	out %al, $0x40
	sti
1:	hlt
	cmpl $TICKS, pin_ticks
	jb 1b
	cli
	expect32 "at pin 2", pin2_ticks, $TICKS
	expect32 "at pin 0", pin0_ticks, $0
	end_check

	/* 3.2.4: a masked entry sends no interrupt. After three PIT periods
	 * to take what was already on its way before the mask (a slow host
	 * may have one queued), none in the next three. */
	begin "a masked redirection entry delivers nothing"
	rte_write 2, (VEC_PIN2 | (1 << 16))
	rte_write 0, (VEC_PIN0 | (1 << 16))
	sti
	mov $3, %ebx
	call pit_wraps
	movl $0, pin_ticks
	mov $3, %ebx
	call pit_wraps
	cli
	expect32 interrupts, pin_ticks, $0
	end_check
	mov $0x30, %al			/* PIT channel 0, mode 0, no count: quiet */
	out %al, $0x43

	finish

pit_wraps:			/* wait until channel 0's count wraps %ebx times */
	call pit_count
	mov %eax, %ebp
1:	call pit_count
	cmp %ebp, %eax
	mov %eax, %ebp
	jbe 1b			/* still counting down */
	dec %ebx
	jnz 1b
	ret

	/* pit_count: %eax = channel 0's count (a latched read, 8254 data
	 * sheet: counter latch command). */
pit_count:
	mov $0x00, %al			/* counter latch, channel 0 */
	out %al, $0x43
	in $0x40, %al
	mov %al, %ah
	in $0x40, %al
	xchg %al, %ah
	movzwl %ax, %eax
	ret

pin_isr:			/* %rdi: the frame; vector first */
	incl pin_ticks
	cmpq $VEC_PIN2, (%rdi)
	jne 1f
	incl pin2_ticks
	jmp 2f
1:	incl pin0_ticks
2:	movl $0, EOI(%r15)
	ret

spurious_isr:			/* SDM 10.9: no EOI for the spurious vector */
	ret

	.section .data
	.balign 4
pin_ticks:  .long 0
pin2_ticks: .long 0
pin0_ticks: .long 0
	.section .bss
	.balign 16
	.space 8192
stack_top:
