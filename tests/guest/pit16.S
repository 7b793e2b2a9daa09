/* pit16.S - boot sector: timer interrupts from the 8254 PIT through the
 * 8259 PIC, delivered through the real-mode IVT. Counts 20 ticks of a
 * 1 kHz timer while halted between them, then exits PASS. */
	.include "serial.inc"
	.include "pic16.inc"
	.set TICKS, 20
	.code16
	.text
	.globl _start
_start:
	boot16_init
	ivt_set 0x20, timer_isr
	pic_init 0xfe		/* only IRQ0 */
	mov $0x34, %al		/* PIT channel 0, lo/hi byte, mode 2 (rate generator) */
	out %al, $0x43
	mov $(1193 & 0xff), %al	/* 1193182 Hz / 1193 = 1 kHz */
	out %al, $0x40
	mov $(1193 >> 8), %al
	out %al, $0x40
	sti
1:	hlt			/* sleep until the next interrupt */
	cmpw $TICKS, ticks
	jb 1b
	cli
	mov $msg, %si
	call puts16
	exit EXIT_PASS

timer_isr:
	incw ticks
	push %ax
	mov $0x20, %al		/* non-specific EOI */
	out %al, $0x20
	pop %ax
	iret

	.include "serial16.inc"

ticks:	.word 0
msg:	.asciz "PIT: 20 timer interrupts\n"
	.org 510
	.word 0xaa55
