/* emu_irq.c - interrupt delivery for the software backend: the PC's 8259
 * pair and 8254 on ports, an I/O APIC, one local APIC per vCPU, and a
 * thread that fires their timers. The wiring is a PC's:
 *   ISA IRQ n -> 8259 input n and I/O APIC pin n (IRQ 0 on pin 2, the
 *   usual interrupt source override);
 *   8259 INT  -> LINT0 of the boot CPU's APIC, programmed as ExtINT as a
 *   BIOS leaves it ("virtual wire" mode);
 *   I/O APIC messages and IPIs -> the APICs they address. */
#include "vm/accel/emu.h"

#include "common/util.h"
#include "devices/irq/i8254.h"
#include "devices/irq/i8259.h"
#include "devices/irq/ioapic.h"
#include "devices/irq/lapic.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

static struct emu_vcpu *vcpu_of(struct emu_vm *ev, int id)
{
	/* NULL while the machine is still being built. */
	if (!ev->vm->cpus || id < 0 || id >= ev->vm->ncpus)
		return NULL;
	return ev->vm->cpus[id].priv;
}

void emu__wake(struct emu_vcpu *v)
{
	pthread_mutex_lock(&v->lock);
	pthread_cond_signal(&v->wake);
	pthread_mutex_unlock(&v->lock);
}

/* ---- timers ---- */

static uint64_t clock_now(void *ctx)
{
	(void)ctx;
	return util__now_ns();
}

static void timer_rearm(struct emu_vm *ev)
{
	pthread_mutex_lock(&ev->timer_lock);
	ev->timer_rearms++;
	pthread_cond_signal(&ev->timer_cond);
	pthread_mutex_unlock(&ev->timer_lock);
}

static void pit_rearm(void *ctx)
{
	timer_rearm(ctx);
}

static uint64_t next_deadline(struct emu_vm *ev)
{
	uint64_t d = pit__next_deadline(ev->pit);

	for (int i = 0; i < ev->vm->ncpus; i++) {
		struct emu_vcpu *v = vcpu_of(ev, i);
		uint64_t l = v && v->lapic ? lapic__next_deadline(v->lapic) : UINT64_MAX;

		if (l < d)
			d = l;
	}
	return d;
}

static void *timer_thread(void *arg)
{
	struct emu_vm *ev = arg;

	pthread_mutex_lock(&ev->timer_lock);
	while (!ev->timer_quit) {
		unsigned seen = ev->timer_rearms;
		uint64_t now, d;

		pthread_mutex_unlock(&ev->timer_lock);
		now = util__now_ns();
		pit__tick(ev->pit, now);
		for (int i = 0; i < ev->vm->ncpus; i++)
			if (vcpu_of(ev, i))
				lapic__tick(vcpu_of(ev, i)->lapic, now);
		d = next_deadline(ev);
		pthread_mutex_lock(&ev->timer_lock);
		if (ev->timer_quit || ev->timer_rearms != seen)
			continue;
		if (d == UINT64_MAX) {
			pthread_cond_wait(&ev->timer_cond, &ev->timer_lock);
		} else if (d > now) {
			struct timespec ts = { .tv_sec = (time_t)(d / 1000000000ULL),
					       .tv_nsec = (long)(d % 1000000000ULL) };

			pthread_cond_timedwait(&ev->timer_cond, &ev->timer_lock, &ts);
		}
	}
	pthread_mutex_unlock(&ev->timer_lock);
	return NULL;
}

/* ---- APIC bus ---- */

static void deliver_to(struct emu_vm *ev, uint8_t dest, bool logical, unsigned mode, uint8_t vector,
		       bool level, bool assert, struct lapic *only)
{
	for (int i = 0; i < ev->vm->ncpus; i++) {
		struct emu_vcpu *v = vcpu_of(ev, i);
		struct lapic *l = v ? v->lapic : NULL;

		if (!l)
			continue;
		if (only ? l == only : lapic__match_dest(l, dest, logical)) {
			lapic__deliver(l, mode, vector, level, assert);
			/* Lowest priority goes to one APIC: the first that matches. */
			if (mode == LAPIC_DM_LOWEST)
				break;
		}
	}
}

static void ioapic_deliver(void *ctx, uint8_t dest, bool logical, uint8_t vector, uint8_t mode,
			   bool level)
{
	deliver_to(ctx, dest, logical, mode, vector, level, true, NULL);
}

static void lapic_send_ipi(void *ctx, struct lapic *from, uint32_t lo, uint32_t hi)
{
	struct emu_vm *ev = ctx;
	unsigned mode = (lo & LAPIC_DM_MASK) >> LAPIC_DM_SHIFT;
	uint8_t vector = lo & LAPIC_VECTOR_MASK, dest = (uint8_t)(hi >> LAPIC_ICR_DEST_SHIFT);
	bool level = lo & LAPIC_TRIGGER_LVL, assert = lo & LAPIC_LEVEL_ASSERT;

	switch (lo & LAPIC_SHORTHAND) {
	case LAPIC_SH_SELF:
		deliver_to(ev, 0, false, mode, vector, level, assert, from);
		break;
	case LAPIC_SH_ALL:
		deliver_to(ev, 0xff, false, mode, vector, level, assert, NULL);
		break;
	case LAPIC_SH_OTHERS:
		for (int i = 0; i < ev->vm->ncpus; i++) {
			struct emu_vcpu *v = vcpu_of(ev, i);

			if (v && v->lapic && v->lapic != from)
				lapic__deliver(v->lapic, mode, vector, level, assert);
		}
		break;
	default:
		deliver_to(ev, dest, lo & LAPIC_DEST_LOGICAL, mode, vector, level, assert, NULL);
		break;
	}
}

/* Something became deliverable at an APIC: turn it into CPU events. */
static void lapic_kick(void *ctx, struct lapic *l)
{
	struct emu_vm *ev = ctx;
	struct emu_vcpu *v = vcpu_of(ev, (int)lapic__id(l));
	unsigned events = 0;
	int sipi;

	if (!v)
		return;
	if (lapic__take_init(l))
		events |= CPU_EV_INIT;
	sipi = lapic__take_sipi(l);
	if (sipi >= 0)
		cpu__sipi(v->cpu, (uint8_t)sipi);
	if (lapic__take_nmi(l))
		events |= CPU_EV_NMI;
	if (lapic__pending(l))
		events |= CPU_EV_IRQ;
	if (events)
		cpu__raise(v->cpu, events);
	emu__wake(v);
}

static uint64_t lapic_now(void *ctx)
{
	return clock_now(ctx);
}

static void lapic_eoi_level(void *ctx, uint8_t vector)
{
	struct emu_vm *ev = ctx;

	ioapic__eoi(ev->ioapic, vector);
}

static void lapic_rearm(void *ctx, struct lapic *l)
{
	(void)l;
	timer_rearm(ctx);
}

static const struct lapic_ops lapic_ops = {
	.send_ipi = lapic_send_ipi,
	.kick = lapic_kick,
	.now = lapic_now,
	.eoi_level = lapic_eoi_level,
	.rearm = lapic_rearm,
};

/* ---- the CPU's side ---- */

int emu_irq__ack(void *ctx, struct cpu *cpu)
{
	struct vm *vm = ctx;
	struct emu_vm *ev = vm->accel_priv;
	struct emu_vcpu *v = vcpu_of(ev, cpu__id(cpu));
	int vec = lapic__ack(v->lapic);

	/* LINT0 can still read high for a moment after the 8259 dropped INT
	 * (another thread may be the one reporting the change): with nothing
	 * to deliver there, there is no interrupt, rather than a spurious
	 * IRQ7 that the thread race, not the guest, caused. */
	if (vec == LAPIC_EXTINT)
		vec = pic__ack_pending(ev->pic);
	/* More may be waiting (another ExtINT, a higher vector). */
	if (lapic__pending(v->lapic))
		cpu__raise(cpu, CPU_EV_IRQ);
	return vec;
}

bool emu_irq__apic_access(void *ctx, struct cpu *cpu, uint64_t off, uint8_t *data, unsigned len,
			  bool is_write)
{
	struct vm *vm = ctx;
	struct emu_vcpu *v = vcpu_of(vm->accel_priv, cpu__id(cpu));

	lapic__mmio(v->lapic, off, data, len, is_write);
	return true;
}

uint64_t emu_irq__apic_base(void *ctx, struct cpu *cpu, const uint64_t *set)
{
	/* The APIC stays at its default address, enabled; BSP on CPU 0. A
	 * guest's write is accepted for the enable bit only. */
	uint64_t base = LAPIC_BASE | (1ULL << 11) | (cpu__id(cpu) == 0 ? 1ULL << 8 : 0);

	(void)ctx;
	if (set && !(*set & (1ULL << 11)))
		base &= ~(1ULL << 11);
	return base;
}

static void pic_intr(void *ctx, bool level)
{
	struct emu_vm *ev = ctx;
	struct emu_vcpu *bsp = vcpu_of(ev, 0);

	if (bsp && bsp->lapic)
		lapic__set_lint0(bsp->lapic, level);
}

static void irq0_line(void *ctx, unsigned line, int level)
{
	emu_irq__line(ctx, line, level);
}

void emu_irq__line(struct emu_vm *ev, unsigned line, int level)
{
	if (line < 16)
		pic__set_irq(ev->pic, line, level);
	ioapic__set_irq(ev->ioapic, line == 0 ? 2 : line, level);
}

/* ---- set-up ---- */

static int attach(struct vm *vm, struct bus *b, uint64_t base, uint64_t len, bus_handler_fn fn,
		  void *opaque, const char *name, struct err *e)
{
	int r = bus__register(b, base, len, fn, opaque, name);

	return r < 0 ? err__sys(e, -r, "%s at 0x%llx", name, (unsigned long long)base) : 0;
}

int emu_irq__init(struct emu_vm *ev, struct err *e)
{
	struct vm *vm = ev->vm;
	struct irq_line irq0 = { irq0_line, ev, 0 };
	struct pit_clock clk = { clock_now, pit_rearm, ev };
	pthread_condattr_t ca;
	int r;

	/* Deadlines are CLOCK_MONOTONIC; a condition variable waits on
	 * CLOCK_REALTIME unless told otherwise. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_mutex_init(&ev->timer_lock, NULL);
	pthread_cond_init(&ev->timer_cond, &ca);
	pthread_condattr_destroy(&ca);
	ev->pic = pic__new(pic_intr, ev);
	ev->pit = pit__new(&irq0, &clk);
	ev->ioapic = ioapic__new(ioapic_deliver, ev);
	if (!ev->pic || !ev->pit || !ev->ioapic)
		return err__set(e, ENOMEM, "out of memory for interrupt controllers");
	if ((r = attach(vm, &vm->pio, PIC_MASTER_PORT, PIC_NPORTS, pic__master_io, ev->pic,
			"i8259 master", e)) < 0 ||
	    (r = attach(vm, &vm->pio, PIC_SLAVE_PORT, PIC_NPORTS, pic__slave_io, ev->pic,
			"i8259 slave", e)) < 0 ||
	    (r = attach(vm, &vm->pio, PIC_ELCR_PORT, PIC_ELCR_NPORTS, pic__elcr_io, ev->pic,
			"i8259 ELCR", e)) < 0 ||
	    (r = attach(vm, &vm->pio, PIT_PORT, PIT_NPORTS, pit__io, ev->pit, "i8254 PIT", e)) <
		    0 ||
	    (r = attach(vm, &vm->pio, PIT_PORT61, PIT_PORT61_LEN, pit__port61_io, ev->pit,
			"port 0x61", e)) < 0 ||
	    (r = attach(vm, &vm->mmio, IOAPIC_BASE, IOAPIC_SIZE, ioapic__mmio, ev->ioapic,
			"I/O APIC", e)) < 0)
		return r;
	return 0;
}

int emu_irq__vcpu_init(struct emu_vm *ev, struct vcpu *vc, struct err *e)
{
	struct emu_vcpu *v = vc->priv;
	uint32_t v32;

	v->lapic = lapic__new((unsigned)vc->id, &lapic_ops, ev);
	if (!v->lapic)
		return err__set(e, ENOMEM, "out of memory for the local APIC");
	if (vc->id == 0) {
		/* What a PC BIOS leaves for the OS: APIC on, LINT0 ExtINT (the
		 * 8259 reaches the CPU), LINT1 NMI. */
		v32 = 0x1ff;
		lapic__mmio(v->lapic, 0xf0, (uint8_t *)&v32, 4, true);
		v32 = LAPIC_DM_EXTINT << LAPIC_DM_SHIFT;
		lapic__mmio(v->lapic, 0x350, (uint8_t *)&v32, 4, true);
		v32 = LAPIC_DM_NMI << LAPIC_DM_SHIFT;
		lapic__mmio(v->lapic, 0x360, (uint8_t *)&v32, 4, true);
	}
	return 0;
}

void emu_irq__start(struct emu_vm *ev)
{
	if (!ev->timer_started && pthread_create(&ev->timer, NULL, timer_thread, ev) == 0)
		ev->timer_started = true;
}

void emu_irq__stop(struct emu_vm *ev)
{
	if (!ev->timer_started)
		return;
	pthread_mutex_lock(&ev->timer_lock);
	ev->timer_quit = true;
	pthread_cond_signal(&ev->timer_cond);
	pthread_mutex_unlock(&ev->timer_lock);
	pthread_join(ev->timer, NULL);
	ev->timer_started = false;
}

void emu_irq__fini(struct emu_vm *ev)
{
	emu_irq__stop(ev);
	pit__free(ev->pit);
	pic__free(ev->pic);
	ioapic__free(ev->ioapic);
	pthread_cond_destroy(&ev->timer_cond);
	pthread_mutex_destroy(&ev->timer_lock);
}
