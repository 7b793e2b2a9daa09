/* i8254.h - the PC's 8254 programmable interval timer (Intel 8254 data
 * sheet, order 231164) at ports 0x40-0x43, and the PC's port 0x61 (system
 * control port B), through which software drives channel 2's gate and
 * reads its OUT. The software CPU's machine uses it; under KVM the kernel
 * has its own.
 *
 * Time is abstract. The counters run at PIT_FREQ_HZ (1193182 Hz) derived
 * from a clock in nanoseconds (struct pit_clock); nothing counts in the
 * background. Counter values and OUT levels are computed from the clock
 * whenever they are read, so polling port 0x61 bit 5 or the counter
 * follows time exactly. Only channel 0's OUT drives an interrupt: the
 * machine asks pit__next_deadline() when its next rising edge is due and
 * calls pit__tick() then.
 *
 * IRQ 0 is driven in edge form: each rising edge of channel 0's OUT is
 * reported as a pulse, irq_line__set(1) then irq_line__set(0), from
 * pit__tick(). Edges that passed between two ticks (a late tick) are
 * coalesced into one pulse, as the 8259's IRR would coalesce them.
 *
 * Supported (data sheet, "Operation"): channels 0-2; modes 0 (interrupt on
 * terminal count), 1 (hardware retriggerable one-shot), 2 (rate
 * generator), 3 (square wave), 4 (software triggered strobe), 5 (hardware
 * triggered strobe), 6 and 7 as 2 and 3; binary and BCD counting; access
 * modes LSB, MSB, LSB then MSB; the counter latch command; the read-back
 * command with status (OUT, null count, RW, mode, BCD). Gates: channels 0
 * and 1 are tied high, channel 2's is port 0x61 bit 0 (low after reset).
 * After pit__new every channel is in mode 3, LSB then MSB, with count 0
 * (65536), as a PC BIOS leaves it and as QEMU models power-on: channel 0
 * interrupts at 18.2 Hz until the guest reprograms it.
 *
 * Deviations: counting starts at the write of the count rather than at the
 * next CLK, so OUT and the count are one clock (838 ns) early; a new count
 * written in modes 2 and 3 while counting takes effect at once instead of
 * at the end of the current period (as in KVM and QEMU); in mode 3 an odd
 * count reads back approximately (the period and OUT are exact).
 *
 * Locking: one mutex. irq0 and the clock's rearm are called without it;
 * clock.now is called with it held and must not call into the pit. */
#ifndef VMKIT_DEVICES_IRQ_I8254_H
#define VMKIT_DEVICES_IRQ_I8254_H

#include "devices/irq.h"

#include <stdbool.h>
#include <stdint.h>

#define PIT_PORT       0x40
#define PIT_NPORTS     4
#define PIT_PORT61     0x61
#define PIT_PORT61_LEN 1
#define PIT_FREQ_HZ    1193182u
#define PIT_NCHANNELS  3

/* Port offsets (data sheet, table 1). */
enum pit_reg {
	PIT_COUNTER0 = 0,
	PIT_COUNTER1 = 1,
	PIT_COUNTER2 = 2,
	PIT_CONTROL = 3,
};

/* Control word (data sheet, "Control Word Format"). */
#define PIT_CW_SC_SHIFT 6 /* bits 7-6: counter select, 3 = read-back */
#define PIT_CW_RW_SHIFT 4 /* bits 5-4: 0 latch, 1 LSB, 2 MSB, 3 LSB then MSB */
#define PIT_CW_M_SHIFT  1 /* bits 3-1: mode */
#define PIT_CW_BCD      0x01
#define PIT_RW_LATCH    0
#define PIT_RW_LSB      1
#define PIT_RW_MSB      2
#define PIT_RW_WORD     3
#define PIT_READBACK    0xc0
#define PIT_RB_NOCOUNT  0x20 /* read-back: do not latch count */
#define PIT_RB_NOSTATUS 0x10 /* read-back: do not latch status */
#define PIT_RB_CNT(n)   (0x02 << (n))
/* Status byte (data sheet, "Status Byte"). */
#define PIT_ST_OUT       0x80
#define PIT_ST_NULLCOUNT 0x40

/* Port 0x61 (PC/AT system control port B). */
#define PIT_P61_GATE2   0x01 /* channel 2 gate */
#define PIT_P61_SPEAKER 0x02 /* speaker data enable (stored only) */
#define PIT_P61_RWMASK  0x0f /* bits 2-3 (parity/IOCHK enables) are stored */
#define PIT_P61_REFRESH 0x10 /* toggles on every read */
#define PIT_P61_OUT2    0x20 /* channel 2 OUT */

struct pit_clock {
	uint64_t (*now)(void *ctx); /* required: current time, ns, monotonic */
	/* optional: pit__next_deadline() may have changed because the guest
	 * reprogrammed channel 0; the machine re-arms its timer. */
	void (*rearm)(void *ctx);
	void *ctx;
};

struct pit;

/* Both structures are copied. */
struct pit *pit__new(const struct irq_line *irq0, const struct pit_clock *clock);
void pit__free(void *pit);

/* Bus handlers: offsets 0-3 from 0x40, and offset 0 of port 0x61. Only the
 * first byte of a wider access is used; extra read bytes are 0xff. */
void pit__io(void *pit, uint64_t offset, uint8_t *data, unsigned len, bool is_write);
void pit__port61_io(void *pit, uint64_t offset, uint8_t *data, unsigned len, bool is_write);

/* Absolute time (ns) of channel 0's next OUT rising edge not yet reported
 * by pit__tick, UINT64_MAX if none is coming (not programmed, or mode 0/4
 * after terminal count). May be in the past when a tick is late. */
uint64_t pit__next_deadline(struct pit *p);

/* Report channel 0's OUT rising edges up to now as one irq0 pulse. */
void pit__tick(struct pit *p, uint64_t now);

#endif
