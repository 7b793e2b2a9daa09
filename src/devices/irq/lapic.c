/* lapic.c - local APIC model, xAPIC mode (see lapic.h).
 *
 * Every operation takes the lock, changes state and collects what must be
 * told to the outside (an IPI to send, a CPU to kick, a level EOI, a timer
 * to re-arm) in struct actions, which finish() performs after unlocking. */
#include "devices/irq/lapic.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

enum lvt_index { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR, LVT_N };

/* Writable bits of each LVT entry (figure 10-8); delivery status and
 * remote IRR are read-only. */
static const uint32_t lvt_writable[LVT_N] = {
	[LVT_TIMER] = LAPIC_VECTOR_MASK | LAPIC_LVT_MASKED | LAPIC_TIMER_PERIOD,
	[LVT_THERMAL] = LAPIC_VECTOR_MASK | LAPIC_DM_MASK | LAPIC_LVT_MASKED,
	[LVT_PERF] = LAPIC_VECTOR_MASK | LAPIC_DM_MASK | LAPIC_LVT_MASKED,
	[LVT_LINT0] = LAPIC_VECTOR_MASK | LAPIC_DM_MASK | LAPIC_POLARITY_LOW | LAPIC_TRIGGER_LVL |
		      LAPIC_LVT_MASKED,
	[LVT_LINT1] = LAPIC_VECTOR_MASK | LAPIC_DM_MASK | LAPIC_POLARITY_LOW | LAPIC_TRIGGER_LVL |
		      LAPIC_LVT_MASKED,
	[LVT_ERROR] = LAPIC_VECTOR_MASK | LAPIC_LVT_MASKED,
};

#define ICR_LO_WRITABLE                                                                            \
	(LAPIC_VECTOR_MASK | LAPIC_DM_MASK | LAPIC_DEST_LOGICAL | LAPIC_LEVEL_ASSERT |             \
	 LAPIC_TRIGGER_LVL | LAPIC_SHORTHAND)

struct lapic {
	pthread_mutex_t lock;
	struct lapic_ops ops;
	void *ctx;

	uint32_t id, tpr, ldr, dfr, svr;
	uint32_t isr[8], tmr[8], irr[8];
	uint32_t esr, esr_pending;
	uint32_t icr_lo, icr_hi;
	uint32_t lvt[LVT_N];
	uint32_t timer_icr, timer_dcr;

	/* Timer: counts = acc + (now - start) / divisor while armed. */
	bool timer_armed;
	uint64_t timer_start, timer_acc;
	uint64_t timer_fired; /* periodic: expiries delivered */

	bool lint[2]; /* input pin levels */
	bool extint_msg;
	bool nmi, init;
	int sipi;
};

struct actions {
	bool kick;
	bool ipi;
	uint32_t icr_lo, icr_hi;
	int eoi_vector;
	bool rearm;
};

static void lock(struct lapic *l, struct actions *a)
{
	memset(a, 0, sizeof(*a));
	a->eoi_vector = -1;
	pthread_mutex_lock(&l->lock);
}

static void finish(struct lapic *l, const struct actions *a)
{
	pthread_mutex_unlock(&l->lock);
	if (a->ipi && l->ops.send_ipi)
		l->ops.send_ipi(l->ctx, l, a->icr_lo, a->icr_hi);
	if (a->eoi_vector >= 0 && l->ops.eoi_level)
		l->ops.eoi_level(l->ctx, (uint8_t)a->eoi_vector);
	if (a->rearm && l->ops.rearm)
		l->ops.rearm(l->ctx, l);
	if (a->kick && l->ops.kick)
		l->ops.kick(l->ctx, l);
}

static void reset_locked(struct lapic *l)
{
	l->tpr = l->ldr = 0;
	l->dfr = 0xffffffffu;
	l->svr = 0xff;
	memset(l->isr, 0, sizeof(l->isr));
	memset(l->tmr, 0, sizeof(l->tmr));
	memset(l->irr, 0, sizeof(l->irr));
	l->esr = l->esr_pending = 0;
	l->icr_lo = l->icr_hi = 0;
	for (unsigned i = 0; i < LVT_N; i++)
		l->lvt[i] = LAPIC_LVT_MASKED;
	l->timer_icr = l->timer_dcr = 0;
	l->timer_armed = false;
	l->timer_start = l->timer_acc = l->timer_fired = 0;
	l->extint_msg = l->nmi = l->init = false;
	l->sipi = -1;
}

struct lapic *lapic__new(unsigned apic_id, const struct lapic_ops *ops, void *ctx)
{
	struct lapic *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	pthread_mutex_init(&l->lock, NULL);
	l->ops = *ops;
	l->ctx = ctx;
	l->id = (uint32_t)apic_id << 24;
	reset_locked(l);
	return l;
}

void lapic__free(void *opaque)
{
	struct lapic *l = opaque;

	if (!l)
		return;
	pthread_mutex_destroy(&l->lock);
	free(l);
}

void lapic__reset(struct lapic *l)
{
	struct actions a;

	lock(l, &a);
	reset_locked(l);
	a.rearm = true;
	finish(l, &a);
}

unsigned lapic__id(struct lapic *l)
{
	unsigned id;

	pthread_mutex_lock(&l->lock);
	id = l->id >> 24;
	pthread_mutex_unlock(&l->lock);
	return id;
}

/* --- priorities and the interrupt registers ----------------------------- */

static int highest(const uint32_t *bits)
{
	for (int i = 7; i >= 0; i--)
		if (bits[i])
			return i * 32 + 31 - __builtin_clz(bits[i]);
	return -1;
}

static bool test_bit(const uint32_t *bits, unsigned v)
{
	return (bits[v / 32] >> (v % 32)) & 1;
}

static void set_bit(uint32_t *bits, unsigned v, bool on)
{
	if (on)
		bits[v / 32] |= 1u << (v % 32);
	else
		bits[v / 32] &= ~(1u << (v % 32));
}

/* PPR (10.8.3.1). */
static uint32_t ppr(const struct lapic *l)
{
	int isrv = highest(l->isr);
	uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;

	if ((l->tpr & 0xf0) >= isr_class)
		return l->tpr & 0xff;
	return isr_class;
}

static bool sw_enabled(const struct lapic *l)
{
	return (l->svr & LAPIC_SVR_ENABLE) != 0;
}

static unsigned lvt_mode(uint32_t lvt)
{
	return (lvt & LAPIC_DM_MASK) >> LAPIC_DM_SHIFT;
}

static bool extint_pending(const struct lapic *l)
{
	uint32_t lvt = l->lvt[LVT_LINT0];

	if (l->extint_msg)
		return true;
	return l->lint[0] && !(lvt & LAPIC_LVT_MASKED) && lvt_mode(lvt) == LAPIC_DM_EXTINT;
}

/* The fixed vector the CPU would take now, or -1. */
static int fixed_deliverable(const struct lapic *l)
{
	int v = highest(l->irr);

	if (v < 0 || ((uint32_t)v & 0xf0) <= (ppr(l) & 0xf0))
		return -1;
	return v;
}

static bool pending_locked(const struct lapic *l)
{
	return extint_pending(l) || fixed_deliverable(l) >= 0;
}

static void accept_locked(struct lapic *l, unsigned vector, bool level, struct actions *a);

/* An error (10.5.3): recorded for the next ESR write, and the LVT error
 * entry delivered. An illegal error vector is not reported again. */
static void signal_error(struct lapic *l, uint32_t bits, struct actions *a)
{
	uint32_t lvt = l->lvt[LVT_ERROR];

	l->esr_pending |= bits;
	if (!(lvt & LAPIC_LVT_MASKED) && (lvt & LAPIC_VECTOR_MASK) >= 16)
		accept_locked(l, lvt & LAPIC_VECTOR_MASK, false, a);
}

/* Fixed delivery into IRR (10.8.1); vectors 0-15 are illegal. */
static void accept_locked(struct lapic *l, unsigned vector, bool level, struct actions *a)
{
	vector &= 0xff;
	if (vector < 16) {
		signal_error(l, LAPIC_ESR_RECV_ILLEGAL, a);
		return;
	}
	set_bit(l->irr, vector, true);
	set_bit(l->tmr, vector, level);
	if (fixed_deliverable(l) >= 0)
		a->kick = true;
}

/* --- LINT0 / LINT1 ------------------------------------------------------ */

/* Evaluate pin i after its level or its LVT entry changed; rising tells
 * whether the input just went from low to high. */
static void lint_eval(struct lapic *l, unsigned i, bool rising, struct actions *a)
{
	uint32_t *lvt = &l->lvt[LVT_LINT0 + i];
	bool level = l->lint[i];

	if (*lvt & LAPIC_LVT_MASKED)
		return;
	switch (lvt_mode(*lvt)) {
	case LAPIC_DM_FIXED:
		if (*lvt & LAPIC_TRIGGER_LVL) {
			/* Level: accepted while asserted and not in service
			 * (remote IRR, cleared by the EOI of its vector). */
			if (level && !(*lvt & LAPIC_REMOTE_IRR)) {
				*lvt |= LAPIC_REMOTE_IRR;
				accept_locked(l, *lvt & LAPIC_VECTOR_MASK, true, a);
			}
		} else if (rising) {
			accept_locked(l, *lvt & LAPIC_VECTOR_MASK, false, a);
		}
		break;
	case LAPIC_DM_NMI:
		if (rising) {
			l->nmi = true;
			a->kick = true;
		}
		break;
	case LAPIC_DM_INIT:
		if (rising) {
			l->init = true;
			a->kick = true;
		}
		break;
	case LAPIC_DM_EXTINT:
		if (level)
			a->kick = true;
		break;
	default: /* SMI, reserved */
		break;
	}
}

static void set_lint(struct lapic *l, unsigned i, bool level)
{
	struct actions a;
	bool rising;

	lock(l, &a);
	rising = level && !l->lint[i];
	l->lint[i] = level;
	lint_eval(l, i, rising, &a);
	finish(l, &a);
}

void lapic__set_lint0(struct lapic *l, bool level)
{
	set_lint(l, 0, level);
}

void lapic__set_lint1(struct lapic *l, bool level)
{
	set_lint(l, 1, level);
}

/* --- the timer (10.5.4) ------------------------------------------------- */

static uint64_t timer_divisor(const struct lapic *l)
{
	unsigned v = ((l->timer_dcr >> 1) & 4) | (l->timer_dcr & 3);

	return v == 7 ? 1 : 2ull << v;
}

static bool timer_periodic(const struct lapic *l)
{
	return (l->lvt[LVT_TIMER] & LAPIC_TIMER_PERIOD) != 0;
}

static uint64_t timer_counts(const struct lapic *l, uint64_t now)
{
	if (now <= l->timer_start)
		return l->timer_acc;
	return l->timer_acc + (now - l->timer_start) / timer_divisor(l);
}

static uint32_t timer_ccr(const struct lapic *l, uint64_t now)
{
	uint64_t c;

	if (!l->timer_armed)
		return 0;
	c = timer_counts(l, now);
	if (timer_periodic(l))
		return (uint32_t)(l->timer_icr - c % l->timer_icr);
	return c >= l->timer_icr ? 0 : (uint32_t)(l->timer_icr - c);
}

/* Restart counting at now from the counts already made (exactly: the
 * fraction of a count in progress is kept). */
static void timer_rebase(struct lapic *l, uint64_t now)
{
	uint64_t div = timer_divisor(l), done;

	if (now <= l->timer_start)
		return;
	done = (now - l->timer_start) / div;
	l->timer_acc += done;
	l->timer_start += done * div;
}

static void timer_expire(struct lapic *l, struct actions *a)
{
	uint32_t lvt = l->lvt[LVT_TIMER];

	if (!(lvt & LAPIC_LVT_MASKED))
		accept_locked(l, lvt & LAPIC_VECTOR_MASK, false, a);
}

uint64_t lapic__next_deadline(struct lapic *l)
{
	uint64_t target, t;

	pthread_mutex_lock(&l->lock);
	if (!l->timer_armed) {
		t = UINT64_MAX;
	} else {
		target = timer_periodic(l) ? (l->timer_fired + 1) * l->timer_icr : l->timer_icr;
		if (target <= l->timer_acc)
			t = l->timer_start;
		else
			t = l->timer_start + (target - l->timer_acc) * timer_divisor(l);
	}
	pthread_mutex_unlock(&l->lock);
	return t;
}

void lapic__tick(struct lapic *l, uint64_t now)
{
	struct actions a;
	uint64_t c, k;

	lock(l, &a);
	if (l->timer_armed) {
		c = timer_counts(l, now);
		if (timer_periodic(l)) {
			k = c / l->timer_icr;
			if (k > l->timer_fired) {
				l->timer_fired = k;
				timer_expire(l, &a);
			}
		} else if (c >= l->timer_icr) {
			l->timer_armed = false;
			timer_expire(l, &a);
		}
	}
	finish(l, &a);
}

/* --- register access ---------------------------------------------------- */

static uint32_t reg_read(struct lapic *l, unsigned off)
{
	switch (off) {
	case LAPIC_ID:
		return l->id;
	case LAPIC_VERSION:
		return LAPIC_VERSION_VALUE;
	case LAPIC_TPR:
		return l->tpr;
	case LAPIC_PPR:
		return ppr(l);
	case LAPIC_LDR:
		return l->ldr;
	case LAPIC_DFR:
		return l->dfr;
	case LAPIC_SVR:
		return l->svr;
	case LAPIC_ESR:
		return l->esr;
	case LAPIC_ICR_LO:
		return l->icr_lo;
	case LAPIC_ICR_HI:
		return l->icr_hi;
	case LAPIC_TIMER_ICR:
		return l->timer_icr;
	case LAPIC_TIMER_CCR:
		return timer_ccr(l, l->ops.now(l->ctx));
	case LAPIC_TIMER_DCR:
		return l->timer_dcr;
	default:
		break;
	}
	if (off >= LAPIC_ISR && off < LAPIC_ISR + 0x80)
		return l->isr[(off - LAPIC_ISR) >> 4];
	if (off >= LAPIC_TMR && off < LAPIC_TMR + 0x80)
		return l->tmr[(off - LAPIC_TMR) >> 4];
	if (off >= LAPIC_IRR && off < LAPIC_IRR + 0x80)
		return l->irr[(off - LAPIC_IRR) >> 4];
	if (off >= LAPIC_LVT_TIMER && off <= LAPIC_LVT_ERROR)
		return l->lvt[(off - LAPIC_LVT_TIMER) >> 4];
	return 0; /* APR, RRD, EOI (write-only), reserved */
}

/* EOI (10.8.5): the highest ISR bit is done. */
static void write_eoi(struct lapic *l, struct actions *a)
{
	int v = highest(l->isr);

	if (v < 0)
		return;
	set_bit(l->isr, (unsigned)v, false);
	if (test_bit(l->tmr, (unsigned)v))
		a->eoi_vector = v;
	for (unsigned i = 0; i < 2; i++) {
		uint32_t *lvt = &l->lvt[LVT_LINT0 + i];

		if ((*lvt & LAPIC_REMOTE_IRR) && (*lvt & LAPIC_VECTOR_MASK) == (unsigned)v) {
			*lvt &= ~LAPIC_REMOTE_IRR;
			lint_eval(l, i, false, a);
		}
	}
	/* Something below may be deliverable now; the CPU that wrote EOI
	 * is running, so this kick only matters to a machine that wants it. */
	if (fixed_deliverable(l) >= 0)
		a->kick = true;
}

static void write_icr_lo(struct lapic *l, uint32_t v, struct actions *a)
{
	unsigned mode;

	l->icr_lo = v & ICR_LO_WRITABLE;
	mode = lvt_mode(l->icr_lo);
	if ((mode == LAPIC_DM_FIXED || mode == LAPIC_DM_LOWEST) &&
	    (l->icr_lo & LAPIC_VECTOR_MASK) < 16) {
		signal_error(l, LAPIC_ESR_SEND_ILLEGAL, a);
		return;
	}
	a->ipi = true;
	a->icr_lo = l->icr_lo;
	a->icr_hi = l->icr_hi;
}

static void write_lvt(struct lapic *l, unsigned i, uint32_t v, struct actions *a, uint64_t now)
{
	uint32_t old = l->lvt[i], cc;

	v &= lvt_writable[i];
	if (!sw_enabled(l))
		v |= LAPIC_LVT_MASKED; /* 10.4.7.2: cannot be unmasked */
	l->lvt[i] = (old & ~lvt_writable[i]) | v;
	if (i == LVT_TIMER && ((old ^ v) & LAPIC_TIMER_PERIOD) && l->timer_armed) {
		/* One-shot <-> periodic: keep counting down from the
		 * current count; the next expiry is when it reaches 0. */
		l->lvt[i] = old;
		cc = timer_ccr(l, now);
		l->lvt[i] = (old & ~lvt_writable[i]) | v;
		if (cc) {
			timer_rebase(l, now);
			l->timer_acc = l->timer_icr - cc;
			l->timer_fired = 0;
		}
		a->rearm = true;
	}
	if (i == LVT_LINT0 || i == LVT_LINT1)
		lint_eval(l, i - LVT_LINT0, false, a);
}

static void reg_write(struct lapic *l, unsigned off, uint32_t v, struct actions *a)
{
	uint64_t now;

	switch (off) {
	case LAPIC_ID:
		l->id = v & 0xff000000u;
		return;
	case LAPIC_TPR:
		/* Lowering TPR may let an interrupt held in IRR through
		 * (SDM 10.8.3.1): tell the CPU to look again. */
		if ((v & 0xff) < l->tpr)
			a->kick = true;
		l->tpr = v & 0xff;
		return;
	case LAPIC_EOI:
		write_eoi(l, a);
		return;
	case LAPIC_LDR:
		l->ldr = v & 0xff000000u;
		return;
	case LAPIC_DFR:
		l->dfr = (v & 0xf0000000u) | 0x0fffffffu;
		return;
	case LAPIC_SVR:
		l->svr = v & (LAPIC_SVR_ENABLE | LAPIC_SVR_FOCUS | 0xff);
		if (!sw_enabled(l))
			for (unsigned i = 0; i < LVT_N; i++)
				l->lvt[i] |= LAPIC_LVT_MASKED;
		return;
	case LAPIC_ESR:
		l->esr = l->esr_pending;
		l->esr_pending = 0;
		return;
	case LAPIC_ICR_LO:
		write_icr_lo(l, v, a);
		return;
	case LAPIC_ICR_HI:
		l->icr_hi = v & 0xff000000u;
		return;
	case LAPIC_TIMER_ICR:
		now = l->ops.now(l->ctx);
		l->timer_icr = v;
		l->timer_armed = v != 0;
		l->timer_start = now;
		l->timer_acc = 0;
		l->timer_fired = 0;
		a->rearm = true;
		return;
	case LAPIC_TIMER_DCR:
		if (l->timer_armed)
			timer_rebase(l, l->ops.now(l->ctx));
		l->timer_dcr = v & 0xb;
		a->rearm = true;
		return;
	case LAPIC_VERSION:
	case LAPIC_APR:
	case LAPIC_PPR:
	case LAPIC_RRD:
	case LAPIC_TIMER_CCR:
	case LAPIC_LVT_CMCI:
		return; /* read-only, or absent */
	default:
		break;
	}
	if (off >= LAPIC_LVT_TIMER && off <= LAPIC_LVT_ERROR) {
		now = off == LAPIC_LVT_TIMER ? l->ops.now(l->ctx) : 0;
		write_lvt(l, (off - LAPIC_LVT_TIMER) >> 4, v, a, now);
		return;
	}
	if (off >= LAPIC_ISR && off < LAPIC_IRR + 0x80)
		return; /* ISR, TMR, IRR: read-only */
	signal_error(l, LAPIC_ESR_ILLEGAL_REG, a);
}

void lapic__mmio(void *opaque, uint64_t offset, uint8_t *data, unsigned len, bool is_write)
{
	struct lapic *l = opaque;
	struct actions a;
	uint32_t v;
	bool ok = len == 4 && !(offset & 0xf) && offset <= 0x3f0;

	if (!is_write) {
		memset(data, 0, len);
		if (!ok)
			return;
	} else if (!ok) {
		return;
	}
	lock(l, &a);
	if (is_write) {
		v = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
		    (uint32_t)data[3] << 24;
		reg_write(l, (unsigned)offset, v, &a);
	} else {
		v = reg_read(l, (unsigned)offset);
		data[0] = (uint8_t)v;
		data[1] = (uint8_t)(v >> 8);
		data[2] = (uint8_t)(v >> 16);
		data[3] = (uint8_t)(v >> 24);
	}
	finish(l, &a);
}

/* --- messages from the bus ---------------------------------------------- */

bool lapic__match_dest(struct lapic *l, uint8_t dest, bool logical)
{
	uint8_t ldr;
	bool match;

	if (dest == 0xff)
		return true;
	pthread_mutex_lock(&l->lock);
	if (!logical) {
		match = dest == (uint8_t)(l->id >> 24);
	} else {
		ldr = (uint8_t)(l->ldr >> 24);
		if ((l->dfr >> 28) == 0xf) /* flat model */
			match = (ldr & dest) != 0;
		else /* cluster model: bits 7-4 cluster (15 = all), 3-0 members */
			match = ((dest >> 4) == 0xf || (dest >> 4) == (ldr >> 4)) &&
				(dest & ldr & 0x0f) != 0;
	}
	pthread_mutex_unlock(&l->lock);
	return match;
}

void lapic__deliver(struct lapic *l, unsigned mode, uint8_t vector, bool level_trigger, bool assert)
{
	struct actions a;

	lock(l, &a);
	switch (mode) {
	case LAPIC_DM_FIXED:
	case LAPIC_DM_LOWEST:
		if (sw_enabled(l))
			accept_locked(l, vector, level_trigger, &a);
		break;
	case LAPIC_DM_NMI:
		l->nmi = true;
		a.kick = true;
		break;
	case LAPIC_DM_INIT:
		if (level_trigger && !assert)
			break; /* INIT level de-assert: no effect */
		l->init = true;
		a.kick = true;
		break;
	case LAPIC_DM_STARTUP:
		l->sipi = vector;
		a.kick = true;
		break;
	case LAPIC_DM_EXTINT:
		l->extint_msg = true;
		a.kick = true;
		break;
	default: /* SMI (not modelled), reserved */
		break;
	}
	finish(l, &a);
}

void lapic__accept(struct lapic *l, unsigned vector, bool level_trigger)
{
	lapic__deliver(l, LAPIC_DM_FIXED, (uint8_t)vector, level_trigger, true);
}

bool lapic__pending(struct lapic *l)
{
	bool p;

	pthread_mutex_lock(&l->lock);
	p = pending_locked(l);
	pthread_mutex_unlock(&l->lock);
	return p;
}

int lapic__ack(struct lapic *l)
{
	int v;

	pthread_mutex_lock(&l->lock);
	if (extint_pending(l)) {
		l->extint_msg = false;
		v = LAPIC_EXTINT;
	} else {
		v = fixed_deliverable(l);
		if (v >= 0) {
			set_bit(l->irr, (unsigned)v, false);
			set_bit(l->isr, (unsigned)v, true);
		}
	}
	pthread_mutex_unlock(&l->lock);
	return v;
}

bool lapic__take_nmi(struct lapic *l)
{
	bool v;

	pthread_mutex_lock(&l->lock);
	v = l->nmi;
	l->nmi = false;
	pthread_mutex_unlock(&l->lock);
	return v;
}

bool lapic__take_init(struct lapic *l)
{
	bool v;

	pthread_mutex_lock(&l->lock);
	v = l->init;
	l->init = false;
	pthread_mutex_unlock(&l->lock);
	return v;
}

int lapic__take_sipi(struct lapic *l)
{
	int v;

	pthread_mutex_lock(&l->lock);
	v = l->sipi;
	l->sipi = -1;
	pthread_mutex_unlock(&l->lock);
	return v;
}
