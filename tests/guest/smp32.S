/* smp32.S - ELF32: the boot processor wakes the second one with the
 * INIT-SIPI-SIPI sequence through its local APIC (Intel SDM vol. 3A,
 * 8.4.4, "MP initialization example"). The AP starts in real mode at the
 * SIPI vector's page, says so on COM1 and raises a flag the BSP waits for,
 * timing out after about two RTC seconds. Run with --cpus 2. */
	.include "serial.inc"
	.set LAPIC, 0xfee00000
	.set LAPIC_SVR, LAPIC + 0xf0
	.set LAPIC_ICR_LO, LAPIC + 0x300
	.set LAPIC_ICR_HI, LAPIC + 0x310
	.set TRAMPOLINE, 0x40000	/* SIPI vector 0x40 */
	.set FLAG, TRAMPOLINE + 0x200
	.code32
	.text
	.globl _start
_start:
	mov $stack_top, %esp
	movl $0, FLAG
	mov $ap_start, %esi		/* copy the AP's real-mode code */
	mov $TRAMPOLINE, %edi
	mov $(ap_end - ap_start), %ecx
	cld
	rep movsb
	orl $0x1ff, LAPIC_SVR		/* APIC software enable, spurious vector 0xff */
	movl $(1 << 24), LAPIC_ICR_HI	/* destination: APIC ID 1 */
	movl $0x00004500, LAPIC_ICR_LO	/* INIT, assert */
	movl $(1 << 24), LAPIC_ICR_HI
	movl $0x00004640, LAPIC_ICR_LO	/* STARTUP, vector 0x40 */
	movl $(1 << 24), LAPIC_ICR_HI
	movl $0x00004640, LAPIC_ICR_LO	/* the second SIPI the SDM asks for */

	mov $4, %ebx			/* timeout: 3 changes of the RTC seconds */
	call rtc_seconds
	mov %al, %bh
1:	cmpl $0x1234, FLAG
	je up
	pause
	call rtc_seconds
	cmp %al, %bh
	je 1b
	mov %al, %bh
	dec %bl
	jnz 1b
	mov $msg_timeout, %esi
	call puts32
	exit EXIT_FAIL
up:	mov $msg_bsp, %esi
	call puts32
	exit EXIT_PASS

rtc_seconds:				/* %al = CMOS seconds register */
	mov $0, %al
	out %al, $0x70
	in $0x71, %al
	ret

	.include "serial32.inc"

	/* The AP's code runs at TRAMPOLINE with CS = 0x4000, IP = 0. */
	.code16
ap_start:
	mov %cs, %ax
	mov %ax, %ds
	mov $(ap_msg - ap_start), %si
2:	lodsb
	test %al, %al
	jz 4f
	mov %al, %ah
	mov $COM1_LSR, %dx
3:	in %dx, %al
	test $0x20, %al
	jz 3b
	mov $COM1, %dx
	mov %ah, %al
	out %al, %dx
	jmp 2b
4:	movl $0x1234, (FLAG - TRAMPOLINE)
5:	cli
	hlt
	jmp 5b
ap_msg:	.asciz "AP: started by INIT/SIPI\n"
ap_end:
	.code32

	.section .rodata
msg_bsp: .asciz "BSP: saw the AP\n"
msg_timeout: .asciz "BSP: no AP within 2 seconds\n"
	.section .bss
	.space 4096
stack_top:
