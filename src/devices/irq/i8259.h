/* i8259.h - the PC's pair of 8259A programmable interrupt controllers
 * (Intel 8259A data sheet, order 231468), master at ports 0x20-0x21, slave
 * at 0xa0-0xa1 cascaded on the master's IR2, plus the PIIX/EISA edge/level
 * control registers (ELCR) at 0x4d0-0x4d1. The software CPU's machine uses
 * it; under KVM the kernel has its own.
 *
 * Interrupt requests (data sheet, "Interrupt Sequence"): an input's rising
 * edge latches its IRR bit (edge mode, the default); with its ELCR bit set
 * the IRR bit follows the input level instead. The highest-priority IRR bit
 * that is not masked (IMR) and not blocked by an equal or higher priority
 * ISR bit raises INT. The CPU's INTA cycle (pic__ack) returns the vector,
 * sets the ISR bit (unless auto-EOI) and clears an edge IRR bit. With no
 * request left at INTA the 8259A answers IR7 (spurious) without setting
 * ISR. Here the master's IR2 follows the slave's INT as a level (below),
 * so a slave request withdrawn before INTA withdraws IR2 too and the
 * master answers IR7 (spurious IRQ7, the data sheet's case of an IR input
 * that drops before INTA); should the master still select IR2 while the
 * slave has nothing, the slave's IR7 (spurious IRQ15) is returned with
 * the master's IR2 in service, as on real hardware.
 *
 * Supported: ICW1-ICW4 (single mode, IC4, AEOI, SFNM; ICW3 is accepted but
 * the cascade is always slave-on-IR2; ICW1.LTIM and ICW4.uPM/BUF/M-S are
 * ignored, the PC uses ELCR and 8086 mode), OCW1 (IMR), OCW2 (every
 * command: non-specific/specific EOI, rotate on EOI, rotate in AEOI
 * set/clear, set priority), OCW3 (read IRR/ISR, poll, special mask mode).
 *
 * Deviations: the cascade input (master IR2) follows the slave's INT as a
 * level whatever the master's mode, so a slave request that stays pending
 * after an auto-EOI ack is not lost; pic__set_irq(2) is ignored (IR2 is
 * the cascade). An edge IRR bit
 * stays latched if its input drops before INTA (the chip may then answer
 * IR7; we deliver the request), so a pulse (raise then lower) is a
 * complete interrupt request.
 *
 * Locking: one mutex per pair. intr is called WITHOUT the lock held and
 * may call back into the pic; changes are reported in order, one caller at
 * a time, and a glitch (high then low again) that happens while another
 * thread is inside intr may be reported as its final level only. */
#ifndef VMKIT_DEVICES_IRQ_I8259_H
#define VMKIT_DEVICES_IRQ_I8259_H

#include <stdbool.h>
#include <stdint.h>

#define PIC_MASTER_PORT 0x20
#define PIC_SLAVE_PORT  0xa0
#define PIC_NPORTS      2
#define PIC_ELCR_PORT   0x4d0
#define PIC_ELCR_NPORTS 2

#define PIC_NR_IRQS     16
#define PIC_CASCADE_IRQ 2

/* Register offsets within a chip's two ports. */
enum pic_reg {
	PIC_CMD = 0,  /* write: ICW1 (bit 4 set), OCW2, OCW3; read: IRR/ISR/poll */
	PIC_DATA = 1, /* write: ICW2-ICW4 during init, else OCW1 (IMR); read: IMR */
};

/* ICW1 (data sheet, "Initialization Command Words"). */
#define PIC_ICW1_IC4  0x01 /* ICW4 needed */
#define PIC_ICW1_SNGL 0x02 /* single mode: no ICW3 */
#define PIC_ICW1_LTIM 0x08 /* level-triggered mode (ignored: ELCR decides) */
#define PIC_ICW1_INIT 0x10
/* ICW4 */
#define PIC_ICW4_8086 0x01
#define PIC_ICW4_AEOI 0x02
#define PIC_ICW4_SFNM 0x10 /* special fully nested mode */
/* OCW2: bits 7-5 are R, SL, EOI; bits 2-0 the level. */
#define PIC_OCW2_NONSPEC_EOI  0x20
#define PIC_OCW2_NOP          0x40
#define PIC_OCW2_SPEC_EOI     0x60
#define PIC_OCW2_ROT_AEOI_CLR 0x00
#define PIC_OCW2_ROT_AEOI_SET 0x80
#define PIC_OCW2_ROT_NONSPEC  0xa0
#define PIC_OCW2_SET_PRIO     0xc0
#define PIC_OCW2_ROT_SPEC_EOI 0xe0
/* OCW3: bit 3 set, bit 4 clear. */
#define PIC_OCW3          0x08
#define PIC_OCW3_READ_IRR 0x0a
#define PIC_OCW3_READ_ISR 0x0b
#define PIC_OCW3_POLL     0x0c
#define PIC_OCW3_SMM_SET  0x68
#define PIC_OCW3_SMM_CLR  0x48
/* ELCR bits that can be set: IRQ 0, 1, 2, 8 and 13 are always edge. */
#define PIC_ELCR_MASTER_MASK 0xf8
#define PIC_ELCR_SLAVE_MASK  0xde

struct pic;

/* intr: the master's INT output changed to level (called without the lock;
 * see above). */
struct pic *pic__new(void (*intr)(void *ctx, bool level), void *ctx);
void pic__free(void *pic);

/* Input line irq (0-15) of the pair goes to level (0 or non-zero). */
void pic__set_irq(struct pic *p, unsigned irq, int level);

/* The INTA cycle: the vector of the highest-priority request (moving it
 * from IRR to ISR), or the spurious IR7/IR15 vector if there is none. */
int pic__ack(struct pic *p);
/* INTA only if INT is up: the vector, or -1 when nothing is pending (so a
 * caller whose view of INT is stale gets no spurious IRQ7). */
int pic__ack_pending(struct pic *p);

/* The master's INT output now. */
bool pic__output(struct pic *p);

/* Bus handlers, offsets 0-1 of each range. Only the first byte of a wider
 * access is used; extra read bytes are 0xff. */
void pic__master_io(void *pic, uint64_t offset, uint8_t *data, unsigned len, bool is_write);
void pic__slave_io(void *pic, uint64_t offset, uint8_t *data, unsigned len, bool is_write);
void pic__elcr_io(void *pic, uint64_t offset, uint8_t *data, unsigned len, bool is_write);

#endif
