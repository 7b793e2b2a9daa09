/* ioapic.h - an I/O APIC (Intel 82093AA data sheet, order 290566) with 24
 * input pins, memory-mapped at IOAPIC_BASE. The software CPU's machine
 * uses it; under KVM the kernel has its own.
 *
 * Registers (data sheet, 3.0 "Register Description"): IOREGSEL at offset
 * 0x00 selects the register that IOWIN at offset 0x10 reads and writes
 * (32-bit accesses; an 8-bit IOREGSEL write also works). IOAPICID (0:
 * bits 27-24 writable), IOAPICVER (1: IOAPIC_VERSION_VALUE, 24 entries,
 * version 0x11), IOAPICARB (2: reads as the ID), and the redirection table
 * (0x10 + 2 * pin: low dword, 0x11 + 2 * pin: high dword). Unknown
 * registers read 0 and ignore writes.
 *
 * Redirection (3.2.4): vector, delivery mode, destination mode, polarity,
 * trigger mode, mask and destination (bits 63-56) are writable; delivery
 * status (bit 12) reads 0 (a message is delivered at once) and remote IRR
 * (bit 14) is read-only. After reset every entry is masked.
 *  - edge: a rising edge on an unmasked pin sends one message; an edge
 *    while masked is lost.
 *  - level (fixed or lowest priority only): while the pin is asserted, the
 *    entry unmasked and remote IRR clear, a message is sent and remote IRR
 *    set. ioapic__eoi(vector) (the local APIC's EOI of a level vector)
 *    clears remote IRR of the level entries with that vector and sends
 *    again if the pin is still asserted. Unmasking an asserted level pin
 *    sends at once. Writing an entry as edge clears its remote IRR.
 *  - SMI, NMI, INIT and ExtINT are always edge (the data sheet requires
 *    edge mode for them).
 * The level given to ioapic__set_irq is the pin's logical state (1 =
 * asserted), so the polarity bit is stored but not applied, like KVM's and
 * QEMU's models; the machine's devices report assertion, not voltage.
 *
 * Locking: one mutex. deliver is called WITHOUT it held and may call back
 * into the I/O APIC (an EOI path to ioapic__eoi, say). */
#ifndef VMKIT_DEVICES_IRQ_IOAPIC_H
#define VMKIT_DEVICES_IRQ_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define IOAPIC_BASE          0xfec00000u
#define IOAPIC_SIZE          0x1000
#define IOAPIC_NPINS         24
#define IOAPIC_VERSION_VALUE 0x00170011u

/* MMIO offsets (3.1, "Memory Mapped Registers"). */
#define IOAPIC_IOREGSEL 0x00
#define IOAPIC_IOWIN    0x10

/* Indirect registers (table 2). */
enum ioapic_reg {
	IOAPIC_REG_ID = 0x00,
	IOAPIC_REG_VER = 0x01,
	IOAPIC_REG_ARB = 0x02,
	IOAPIC_REG_REDTBL = 0x10, /* 0x10-0x3f: pin n at 0x10 + 2n (low), 0x11 + 2n (high) */
};

/* Redirection entry bits (3.2.4). */
#define IOAPIC_RTE_VECTOR     0x00000000000000ffull
#define IOAPIC_RTE_DM_SHIFT   8
#define IOAPIC_RTE_DM_MASK    0x0000000000000700ull
#define IOAPIC_RTE_LOGICAL    0x0000000000000800ull
#define IOAPIC_RTE_DELIVS     0x0000000000001000ull
#define IOAPIC_RTE_POLARITY   0x0000000000002000ull /* 1 = active low */
#define IOAPIC_RTE_REMOTE_IRR 0x0000000000004000ull
#define IOAPIC_RTE_LEVEL      0x0000000000008000ull
#define IOAPIC_RTE_MASKED     0x0000000000010000ull
#define IOAPIC_RTE_DEST_SHIFT 56

/* Delivery modes (same numbering as the local APIC's). */
#define IOAPIC_DM_FIXED  0
#define IOAPIC_DM_LOWEST 1
#define IOAPIC_DM_SMI    2
#define IOAPIC_DM_NMI    4
#define IOAPIC_DM_INIT   5
#define IOAPIC_DM_EXTINT 7

struct ioapic;

/* deliver: one interrupt message on the APIC bus: destination (physical
 * APIC ID, or logical MDA when logical), vector, delivery mode and trigger
 * mode (level: the receiving APIC sets TMR and reports its EOI). */
typedef void (*ioapic_deliver_fn)(void *ctx, uint8_t dest, bool logical, uint8_t vector,
				  uint8_t delivery_mode, bool level);

struct ioapic *ioapic__new(ioapic_deliver_fn deliver, void *ctx);
void ioapic__free(void *ioapic);

/* Pin (0-23) goes to level (0 = deasserted). */
void ioapic__set_irq(struct ioapic *io, unsigned pin, int level);

/* A local APIC EOIed a level-triggered vector. */
void ioapic__eoi(struct ioapic *io, uint8_t vector);

/* Bus handler: offset 0-0xff in the I/O APIC's window. */
void ioapic__mmio(void *ioapic, uint64_t offset, uint8_t *data, unsigned len, bool is_write);

#endif
