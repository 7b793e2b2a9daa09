/* lapic.h - a local APIC in xAPIC mode (Intel SDM vol. 3A, chapter 10 "Advanced
 * Programmable Interrupt Controller (APIC)"), one per vCPU, memory-mapped
 * at LAPIC_BASE (the APIC base MSR, its relocation and the hardware enable
 * bit are the machine's). The software CPU's machine uses it; under KVM
 * the kernel has its own.
 *
 * Model (section numbers of SDM vol. 3A, chapter 10):
 *  - registers (10.4.1, table 10-1): ID, version LAPIC_VERSION_VALUE (an
 *    integrated APIC, version 0x14, max LVT entry 5: timer, thermal,
 *    performance, LINT0, LINT1, error; no CMCI), TPR, PPR, EOI, LDR, DFR,
 *    SVR, ISR/TMR/IRR, ESR, ICR, the LVT, the timer's initial and current
 *    count and divide configuration. APR and RRD read 0. Only aligned
 *    32-bit accesses to offsets 0x000-0x3f0 reach a register; other
 *    accesses are ignored and read 0. Reserved and write-only registers
 *    read 0; writes to read-only registers are ignored.
 *  - priorities (10.8.3): PPR from TPR and the highest ISR vector; a fixed
 *    interrupt is deliverable when its priority class (vector >> 4) is
 *    above PPR's.
 *  - software enable (10.4.7.2): after reset SVR = 0xff and the APIC is
 *    software-disabled; all LVT entries are masked and cannot be unmasked
 *    until SVR bit 8 is set, and fixed interrupts are not accepted.
 *    NMI, INIT and STARTUP still are. Interrupts already in IRR stay
 *    deliverable.
 *  - the timer (10.5.4): one-shot and periodic; TSC-deadline mode is NOT
 *    implemented (LVT timer bit 18 is reserved; the CPU must not report
 *    CPUID.01H:ECX[24]). It counts at LAPIC_TIMER_HZ (1 GHz: one count per
 *    nanosecond before the divider, as KVM's), divided by the divide
 *    configuration register. Writing the initial count starts it (0
 *    stops it); changing the timer mode in the LVT disarms it. The
 *    machine calls lapic__tick at lapic__next_deadline. Expiries that
 *    passed between two ticks of a periodic timer coalesce into one
 *    interrupt (a vector has a single IRR bit anyway).
 *  - errors (10.5.3): send/receive illegal vector (vectors 0-15) and
 *    illegal register address (a write to a reserved offset) are recorded; writing ESR makes them
 *    visible and clears the record; the LVT error entry is delivered.
 *  - LINT0/LINT1 (10.5.1): fixed (edge or level, with remote IRR), NMI
 *    and ExtINT delivery. ExtINT (virtual-wire mode, the 8259's INT
 *    wired to LINT0) is a level: while LINT0 is high and its LVT entry is
 *    unmasked ExtINT, lapic__pending is true and lapic__ack returns
 *    LAPIC_EXTINT; the machine then takes the vector from pic__ack.
 *    ExtINT is not subject to PPR and wins over fixed interrupts.
 *  - EOI (10.8.5): a write to EOI clears the highest ISR bit; if that
 *    vector's TMR bit is set (it was accepted level-triggered) ops.eoi_level
 *    is called so the I/O APIC can clear its remote IRR. There is no EOI
 *    broadcast suppression (version bit 24 is clear).
 *
 * The machine's interrupt router: lapic__match_dest tells whether this APIC
 * is a destination (physical or logical, flat or cluster); the router
 * expands ICR shorthands and broadcast, picks one APIC for lowest priority
 * (or treats it as fixed), and calls lapic__deliver on each target.
 *
 * Locking: one mutex per APIC. send_ipi, kick, eoi_level and rearm are
 * called WITHOUT it held and may call back into this APIC (a self-IPI does).
 * ops.now is called with it held and must not call into the APIC. */
#ifndef VMKIT_DEVICES_IRQ_LAPIC_H
#define VMKIT_DEVICES_IRQ_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define LAPIC_BASE          0xfee00000u
#define LAPIC_SIZE          0x1000
#define LAPIC_VERSION_VALUE 0x00050014u
#define LAPIC_TIMER_HZ      1000000000ull

/* Register offsets (SDM vol. 3A, table 10-1). */
enum lapic_reg {
	LAPIC_ID = 0x020,
	LAPIC_VERSION = 0x030,
	LAPIC_TPR = 0x080,
	LAPIC_APR = 0x090,
	LAPIC_PPR = 0x0a0,
	LAPIC_EOI = 0x0b0,
	LAPIC_RRD = 0x0c0,
	LAPIC_LDR = 0x0d0,
	LAPIC_DFR = 0x0e0,
	LAPIC_SVR = 0x0f0,
	LAPIC_ISR = 0x100, /* 8 registers, 0x10 apart */
	LAPIC_TMR = 0x180,
	LAPIC_IRR = 0x200,
	LAPIC_ESR = 0x280,
	LAPIC_LVT_CMCI = 0x2f0,
	LAPIC_ICR_LO = 0x300,
	LAPIC_ICR_HI = 0x310,
	LAPIC_LVT_TIMER = 0x320,
	LAPIC_LVT_THERMAL = 0x330,
	LAPIC_LVT_PERF = 0x340,
	LAPIC_LVT_LINT0 = 0x350,
	LAPIC_LVT_LINT1 = 0x360,
	LAPIC_LVT_ERROR = 0x370,
	LAPIC_TIMER_ICR = 0x380, /* initial count */
	LAPIC_TIMER_CCR = 0x390, /* current count */
	LAPIC_TIMER_DCR = 0x3e0, /* divide configuration */
};

/* SVR (10.9). */
#define LAPIC_SVR_ENABLE 0x100
#define LAPIC_SVR_FOCUS  0x200 /* focus processor checking disabled */

/* LVT entries and ICR low (figures 10-8 and 10-12). */
#define LAPIC_VECTOR_MASK    0x000000ffu
#define LAPIC_DM_SHIFT       8
#define LAPIC_DM_MASK        0x00000700u
#define LAPIC_DEST_LOGICAL   0x00000800u /* ICR */
#define LAPIC_DELIV_STATUS   0x00001000u
#define LAPIC_POLARITY_LOW   0x00002000u /* LINT */
#define LAPIC_REMOTE_IRR     0x00004000u /* LINT, level fixed */
#define LAPIC_LEVEL_ASSERT   0x00004000u /* ICR */
#define LAPIC_TRIGGER_LVL    0x00008000u
#define LAPIC_LVT_MASKED     0x00010000u
#define LAPIC_TIMER_PERIOD   0x00020000u /* LVT timer mode 01b */
#define LAPIC_SHORTHAND      0x000c0000u /* ICR bits 19-18 */
#define LAPIC_SH_NONE        0x00000000u
#define LAPIC_SH_SELF        0x00040000u
#define LAPIC_SH_ALL         0x00080000u
#define LAPIC_SH_OTHERS      0x000c0000u
#define LAPIC_ICR_DEST_SHIFT 24 /* ICR high */

/* Delivery modes (10.5.1, 10.6.1). */
enum lapic_dm {
	LAPIC_DM_FIXED = 0,
	LAPIC_DM_LOWEST = 1,
	LAPIC_DM_SMI = 2,
	LAPIC_DM_NMI = 4,
	LAPIC_DM_INIT = 5,
	LAPIC_DM_STARTUP = 6,
	LAPIC_DM_EXTINT = 7,
};

/* ESR bits (10.5.3). */
#define LAPIC_ESR_SEND_ILLEGAL 0x20
#define LAPIC_ESR_RECV_ILLEGAL 0x40
#define LAPIC_ESR_ILLEGAL_REG  0x80

/* lapic__ack's answer when the interrupt is the 8259's (ExtINT). */
#define LAPIC_EXTINT (-2)

struct lapic;

struct lapic_ops {
	/* The guest wrote ICR low: route the IPI (icr_lo as written, with the
	 * delivery status bit clear; icr_hi's bits 31-24 are the
	 * destination). Not called for an illegal fixed vector. */
	void (*send_ipi)(void *ctx, struct lapic *from, uint32_t icr_lo, uint32_t icr_hi);
	/* Something became deliverable (an interrupt, NMI, INIT or SIPI):
	 * wake the CPU. */
	void (*kick)(void *ctx, struct lapic *self);
	/* Current time, ns, monotonic (called with the lock held). */
	uint64_t (*now)(void *ctx);
	/* optional: a level-triggered vector was EOIed. */
	void (*eoi_level)(void *ctx, uint8_t vector);
	/* optional: lapic__next_deadline may have changed (timer programmed). */
	void (*rearm)(void *ctx, struct lapic *self);
};

/* In reset state (SVR 0xff, LVT masked, timer stopped). ops is copied. */
struct lapic *lapic__new(unsigned apic_id, const struct lapic_ops *ops, void *ctx);
void lapic__free(void *lapic);

/* Power-up / INIT reset (10.4.7.3): every register but ID returns to its
 * reset value, pending INIT, SIPI and NMI are dropped. */
void lapic__reset(struct lapic *l);

unsigned lapic__id(struct lapic *l);

/* Bus handler: offset 0-0xfff in the APIC page. */
void lapic__mmio(void *lapic, uint64_t offset, uint8_t *data, unsigned len, bool is_write);

/* Is this APIC a destination of dest (ICR high bits 31-24, I/O APIC
 * redirection bits 63-56) in physical or logical mode (10.6.2)? 0xff is
 * broadcast in both. */
bool lapic__match_dest(struct lapic *l, uint8_t dest, bool logical);

/* A message from the bus (an IPI or an I/O APIC message) for this APIC.
 * mode is an enum lapic_dm; level_trigger is the trigger mode (fixed and
 * lowest priority: sets TMR so EOI calls eoi_level); assert is the ICR
 * level bit (an INIT with level_trigger set and assert clear is the INIT
 * level de-assert and is ignored; I/O APIC messages pass true). Fixed and
 * lowest priority go to IRR (not accepted while software-disabled), SMI is
 * ignored, NMI/INIT/STARTUP are recorded for lapic__take_*, ExtINT makes
 * lapic__ack return LAPIC_EXTINT once. */
void lapic__deliver(struct lapic *l, unsigned mode, uint8_t vector, bool level_trigger,
		    bool assert);

/* Fixed delivery: set IRR (and TMR if level_trigger), kick. */
void lapic__accept(struct lapic *l, unsigned vector, bool level_trigger);

/* A maskable interrupt (fixed above PPR, or ExtINT) is deliverable now.
 * The CPU still checks RFLAGS.IF and interrupt shadows. */
bool lapic__pending(struct lapic *l);

/* The interrupt acknowledge: LAPIC_EXTINT for ExtINT, else the highest
 * deliverable IRR vector, moved to ISR; -1 if none. */
int lapic__ack(struct lapic *l);

/* The LINT0 / LINT1 input pins (active high). */
void lapic__set_lint0(struct lapic *l, bool level);
void lapic__set_lint1(struct lapic *l, bool level);

/* Take (and clear) a pending NMI / INIT / STARTUP IPI (the vector, -1 if
 * none; only the latest SIPI is kept). */
bool lapic__take_nmi(struct lapic *l);
bool lapic__take_init(struct lapic *l);
int lapic__take_sipi(struct lapic *l);

/* Absolute time (ns) of the timer's next expiry, UINT64_MAX if disarmed. */
uint64_t lapic__next_deadline(struct lapic *l);
/* Fire the timer if its expiry is due at now. */
void lapic__tick(struct lapic *l, uint64_t now);

#endif
