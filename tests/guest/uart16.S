/* uart16.S - boot sector: the 16550 driven by interrupts. Enabling the
 * THRE interrupt must interrupt at once; received bytes arrive by RX
 * interrupts and are echoed until a 'q'. Then it reports and exits PASS. */
	.include "serial.inc"
	.include "pic16.inc"
	.code16
	.text
	.globl _start
_start:
	boot16_init
	ivt_set 0x24, uart_isr	/* IRQ4 */
	pic_init 0xef		/* only IRQ4 */
	mov $(COM1 + 3), %dx	/* LCR: DLAB, divisor 1 (115200 baud), then 8N1 */
	mov $0x80, %al
	out %al, %dx
	mov $COM1, %dx
	mov $1, %al
	out %al, %dx
	inc %dx
	xor %al, %al
	out %al, %dx
	mov $(COM1 + 3), %dx
	mov $0x03, %al
	out %al, %dx
	mov $(COM1 + 2), %dx	/* FCR: enable and clear FIFOs, trigger 1 */
	mov $0x07, %al
	out %al, %dx
	mov $(COM1 + 4), %dx	/* MCR: DTR, RTS, OUT2 */
	mov $0x0b, %al
	out %al, %dx
	mov $msg_ready, %si
	call puts16
	mov $(COM1 + 1), %dx	/* IER: RX data and THR empty */
	mov $0x03, %al
	out %al, %dx
	sti
1:	hlt
	cmpb $0, quit
	je 1b
	cli
	cmpw $0, thre_irqs
	je fail
	mov $msg_thre, %si
	call puts16
	exit EXIT_PASS
fail:	exit EXIT_FAIL

uart_isr:
	push %ax
	push %dx
2:	mov $(COM1 + 2), %dx	/* IIR: loop until no interrupt is pending */
	in %dx, %al
	test $1, %al
	jnz 5f
	and $0x0e, %al
	cmp $0x02, %al
	jne 3f
	incw thre_irqs		/* THR empty: count it, then stop asking */
	mov $(COM1 + 1), %dx
	mov $0x01, %al
	out %al, %dx
	jmp 2b
3:	mov $(COM1 + 5), %dx	/* RX data (or timeout): drain the FIFO */
	in %dx, %al
	test $1, %al
	jz 2b
	mov $COM1, %dx
	in %dx, %al
	cmp $'q', %al
	jne 4f
	movb $1, quit
	jmp 3b
4:	mov %al, %ah		/* echo */
	mov $COM1_LSR, %dx
6:	in %dx, %al
	test $0x20, %al
	jz 6b
	mov $COM1, %dx
	mov %ah, %al
	out %al, %dx
	jmp 3b
5:	mov $0x20, %al
	out %al, $0x20
	pop %dx
	pop %ax
	iret

	.include "serial16.inc"

quit:	.byte 0
thre_irqs: .word 0
msg_ready: .asciz "ready\n"
msg_thre: .asciz "\nTHRE interrupt ok\n"
	.org 510
	.word 0xaa55
