/* i8254.c - 8254 PIT model (see i8254.h).
 *
 * A channel's state is the number of CLK pulses d it has counted since its
 * count was loaded (or since its gate triggered it): d = acc + the clocks
 * between start and now while it runs. The counting element's value and
 * OUT are functions of d, the count n and the mode (data sheet, "Mode
 * Definitions"), so nothing needs to be stepped. Rising edges of OUT come
 * at known values of d, which give channel 0's deadlines. */
#include "devices/irq/i8254.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define NS_PER_S 1000000000ull

struct channel {
	uint8_t mode;      /* behaviour: 0-5 (6 and 7 fold to 2 and 3) */
	uint8_t mode_bits; /* as programmed, for the status byte */
	uint8_t rw;        /* PIT_RW_LSB, _MSB or _WORD */
	bool bcd;
	bool gate;
	bool loaded;     /* a count was written since the control word */
	bool triggered;  /* modes 1 and 5: a gate edge started counting */
	bool null_count; /* the count written is not in the counter yet */
	bool running;    /* counting now */
	uint32_t cr_n;   /* last count written, as clocks: 1-65536 (1-10000 BCD) */
	uint32_t n;      /* count in use */
	uint16_t frozen; /* counter shown while not loaded */
	uint64_t start;  /* time the current run began */
	uint64_t acc;    /* clocks counted before start */
	uint64_t fired;  /* d up to which rising edges were reported (channel 0) */

	bool write_msb; /* word access: the MSB comes next */
	uint8_t write_lsb;
	bool read_msb; /* word access, unlatched: the MSB comes next */
	bool count_latched, latch_msb;
	uint16_t latch;
	bool status_latched;
	uint8_t status;
};

struct pit {
	pthread_mutex_t lock;
	struct irq_line irq0;
	struct pit_clock clock;
	struct channel ch[PIT_NCHANNELS];
	uint8_t port61; /* bits 0-3 as written */
	bool refresh;
};

static uint64_t ns_to_clocks(uint64_t ns)
{
	return ns / NS_PER_S * PIT_FREQ_HZ + ns % NS_PER_S * PIT_FREQ_HZ / NS_PER_S;
}

/* The first time (ns after the start) at which c clocks have passed. */
static uint64_t clocks_to_ns(uint64_t c)
{
	return c / PIT_FREQ_HZ * NS_PER_S +
	       (c % PIT_FREQ_HZ * NS_PER_S + PIT_FREQ_HZ - 1) / PIT_FREQ_HZ;
}

static uint32_t modulus(const struct channel *c)
{
	return c->bcd ? 10000 : 65536;
}

static uint16_t to_bcd(uint32_t v)
{
	return (uint16_t)((v / 1000 % 10) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 |
			  (v % 10));
}

static uint32_t from_bcd(uint32_t v)
{
	return ((v >> 12) & 0xf) * 1000 + ((v >> 8) & 0xf) * 100 + ((v >> 4) & 0xf) * 10 +
	       (v & 0xf);
}

static uint64_t elapsed(const struct channel *c, uint64_t now)
{
	if (!c->running || now <= c->start)
		return c->acc;
	return c->acc + ns_to_clocks(now - c->start);
}

/* The counting element's value after d clocks, in binary. */
static uint32_t count_at(const struct channel *c, uint64_t d)
{
	uint32_t m = modulus(c), n = c->n, p;

	if (!c->loaded || ((c->mode == 1 || c->mode == 5) && !c->triggered))
		return c->frozen;
	switch (c->mode) {
	case 2:
		return (uint32_t)(n - d % n) % m;
	case 3:
		/* Decrements by two; an odd count spends one clock more high. */
		p = (uint32_t)(d % n);
		if (p >= (n + 1) / 2)
			p -= (n + 1) / 2;
		return ((n & ~1u) - 2 * p) % m;
	default: /* 0, 1, 4, 5: count down through zero and wrap */
		return (uint32_t)((n + m - d % m) % m);
	}
}

static bool out_at(const struct channel *c, uint64_t d)
{
	uint64_t n = c->n;

	if (!c->loaded)
		return c->mode != 0;
	switch (c->mode) {
	case 0:
		return d >= n;
	case 1:
		return !c->triggered || d >= n;
	case 2:
		return !c->gate || d % n != n - 1;
	case 3:
		return !c->gate || d % n < (n + 1) / 2;
	case 4:
		return d != n;
	default: /* 5 */
		return !c->triggered || d != n;
	}
}

/* d of the first OUT rising edge after d = after, or UINT64_MAX. */
static uint64_t next_edge(const struct channel *c, uint64_t after)
{
	uint64_t n = c->n;

	if (!c->loaded || !c->running)
		return UINT64_MAX;
	switch (c->mode) {
	case 0:
	case 1:
		return after < n ? n : UINT64_MAX;
	case 2:
	case 3:
		return (after / n + 1) * n;
	default: /* 4, 5: OUT low for one clock at terminal count */
		return after < n + 1 ? n + 1 : UINT64_MAX;
	}
}

/* Begin a counting cycle with the count in cr_n. */
static void start_cycle(struct channel *c, uint64_t now)
{
	c->n = c->cr_n;
	c->null_count = false;
	c->acc = 0;
	c->start = now;
	c->fired = 0;
}

static void load_count(struct channel *c, uint32_t v, uint64_t now)
{
	if (c->bcd)
		v = from_bcd(v);
	c->cr_n = v ? v : modulus(c);
	c->null_count = true;
	c->loaded = true;
	switch (c->mode) {
	case 1:
	case 5:
		/* Used from the next gate trigger on. */
		break;
	default:
		start_cycle(c, now);
		c->running = c->gate;
		break;
	}
}

static void set_gate(struct channel *c, bool gate, uint64_t now)
{
	if (gate == c->gate)
		return;
	c->acc = elapsed(c, now);
	c->start = now;
	c->gate = gate;
	switch (c->mode) {
	case 0:
	case 4:
		/* Gate low suspends counting. */
		c->running = gate && c->loaded;
		break;
	case 2:
	case 3:
		/* Gate low stops counting and sets OUT high; the rising edge
		 * reloads the counter. */
		if (gate && c->loaded)
			start_cycle(c, now);
		c->running = gate && c->loaded;
		break;
	default: /* 1, 5: the rising edge (re)triggers */
		if (gate && c->loaded) {
			start_cycle(c, now);
			c->triggered = true;
			c->running = true;
		}
		break;
	}
}

static uint16_t read_value(const struct channel *c, uint64_t now)
{
	uint32_t v = count_at(c, elapsed(c, now));

	return c->bcd ? to_bcd(v) : (uint16_t)v;
}

static void latch_count(struct channel *c, uint64_t now)
{
	if (c->count_latched)
		return; /* the first latch holds until read */
	c->latch = read_value(c, now);
	c->count_latched = true;
	c->latch_msb = c->rw == PIT_RW_MSB;
}

static void latch_status(struct channel *c, uint64_t now)
{
	if (c->status_latched)
		return;
	c->status = (uint8_t)((out_at(c, elapsed(c, now)) ? PIT_ST_OUT : 0) |
			      (c->null_count ? PIT_ST_NULLCOUNT : 0) | c->rw << PIT_CW_RW_SHIFT |
			      c->mode_bits << PIT_CW_M_SHIFT | (c->bcd ? PIT_CW_BCD : 0));
	c->status_latched = true;
}

static void set_mode(struct channel *c, uint8_t cw, uint64_t now)
{
	uint8_t mode = (cw >> PIT_CW_M_SHIFT) & 7;

	c->frozen = (uint16_t)count_at(c, elapsed(c, now));
	c->mode_bits = mode;
	c->mode = mode > 5 ? mode - 4 : mode;
	c->rw = (cw >> PIT_CW_RW_SHIFT) & 3;
	c->bcd = (cw & PIT_CW_BCD) != 0;
	c->loaded = false;
	c->triggered = false;
	c->running = false;
	c->null_count = true;
	c->acc = 0;
	c->start = now;
	c->fired = 0;
	c->write_msb = c->read_msb = false;
	c->count_latched = c->status_latched = false;
}

static void reset_channel(struct channel *c, bool gate, uint64_t now)
{
	/* As a PC BIOS leaves it: mode 3, LSB then MSB, count 0 (65536). */
	memset(c, 0, sizeof(*c));
	c->gate = gate;
	set_mode(c, PIT_RW_WORD << PIT_CW_RW_SHIFT | 3 << PIT_CW_M_SHIFT, now);
	load_count(c, 0, now);
}

struct pit *pit__new(const struct irq_line *irq0, const struct pit_clock *clock)
{
	struct pit *p = calloc(1, sizeof(*p));
	uint64_t now;

	if (!p)
		return NULL;
	pthread_mutex_init(&p->lock, NULL);
	if (irq0)
		p->irq0 = *irq0;
	p->clock = *clock;
	now = p->clock.now(p->clock.ctx);
	for (unsigned i = 0; i < PIT_NCHANNELS; i++)
		reset_channel(&p->ch[i], i != 2, now);
	return p;
}

void pit__free(void *opaque)
{
	struct pit *p = opaque;

	if (!p)
		return;
	pthread_mutex_destroy(&p->lock);
	free(p);
}

static void write_control(struct pit *p, uint8_t v, uint64_t now)
{
	unsigned sc = v >> PIT_CW_SC_SHIFT;
	struct channel *c;

	if (sc == 3) {
		/* Read-back (data sheet, "Read-Back Command"): bits 5 and 4
		 * are active low, bits 3-1 select counters 2-0. */
		for (unsigned i = 0; i < PIT_NCHANNELS; i++) {
			if (!(v & PIT_RB_CNT(i)))
				continue;
			if (!(v & PIT_RB_NOCOUNT))
				latch_count(&p->ch[i], now);
			if (!(v & PIT_RB_NOSTATUS))
				latch_status(&p->ch[i], now);
		}
		return;
	}
	c = &p->ch[sc];
	if (((v >> PIT_CW_RW_SHIFT) & 3) == PIT_RW_LATCH)
		latch_count(c, now);
	else
		set_mode(c, v, now);
}

static void write_counter(struct channel *c, uint8_t v, uint64_t now)
{
	switch (c->rw) {
	case PIT_RW_LSB:
		load_count(c, v, now);
		break;
	case PIT_RW_MSB:
		load_count(c, (uint32_t)v << 8, now);
		break;
	default:
		if (!c->write_msb) {
			c->write_lsb = v;
			c->write_msb = true;
			if (c->mode == 0) {
				/* Mode 0: writing the first byte stops
				 * counting and sets OUT low. */
				c->frozen = (uint16_t)count_at(c, elapsed(c, now));
				c->loaded = false;
				c->running = false;
			}
			break;
		}
		c->write_msb = false;
		load_count(c, (uint32_t)c->write_lsb | (uint32_t)v << 8, now);
		break;
	}
}

static uint8_t read_counter(struct channel *c, uint64_t now)
{
	uint16_t v;

	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	if (c->count_latched) {
		if (c->rw == PIT_RW_WORD && !c->latch_msb) {
			c->latch_msb = true;
			return (uint8_t)c->latch;
		}
		c->count_latched = false;
		return (uint8_t)(c->rw == PIT_RW_LSB ? c->latch : c->latch >> 8);
	}
	v = read_value(c, now);
	switch (c->rw) {
	case PIT_RW_LSB:
		return (uint8_t)v;
	case PIT_RW_MSB:
		return (uint8_t)(v >> 8);
	default:
		c->read_msb = !c->read_msb;
		return (uint8_t)(c->read_msb ? v : v >> 8);
	}
}

void pit__io(void *opaque, uint64_t offset, uint8_t *data, unsigned len, bool is_write)
{
	struct pit *p = opaque;
	bool rearm = false;
	uint64_t now;

	if (!len)
		return;
	if (len > 1 && !is_write)
		memset(data + 1, 0xff, len - 1);
	pthread_mutex_lock(&p->lock);
	now = p->clock.now(p->clock.ctx);
	if (offset == PIT_CONTROL) {
		if (is_write) {
			write_control(p, data[0], now);
			rearm = (data[0] >> PIT_CW_SC_SHIFT) == 0;
		} else {
			data[0] = 0xff; /* the control word register is write-only */
		}
	} else if (offset < PIT_NCHANNELS) {
		if (is_write) {
			write_counter(&p->ch[offset], data[0], now);
			rearm = offset == 0;
		} else {
			data[0] = read_counter(&p->ch[offset], now);
		}
	} else if (!is_write) {
		data[0] = 0xff;
	}
	pthread_mutex_unlock(&p->lock);
	if (rearm && p->clock.rearm)
		p->clock.rearm(p->clock.ctx);
}

void pit__port61_io(void *opaque, uint64_t offset, uint8_t *data, unsigned len, bool is_write)
{
	struct pit *p = opaque;
	struct channel *c2 = &p->ch[2];
	uint64_t now;

	if (!len || offset != 0)
		return;
	pthread_mutex_lock(&p->lock);
	now = p->clock.now(p->clock.ctx);
	if (is_write) {
		p->port61 = data[0] & PIT_P61_RWMASK;
		set_gate(c2, data[0] & PIT_P61_GATE2, now);
	} else {
		data[0] = (uint8_t)(p->port61 | (p->refresh ? PIT_P61_REFRESH : 0) |
				    (out_at(c2, elapsed(c2, now)) ? PIT_P61_OUT2 : 0));
		p->refresh = !p->refresh;
		if (len > 1)
			memset(data + 1, 0xff, len - 1);
	}
	pthread_mutex_unlock(&p->lock);
}

uint64_t pit__next_deadline(struct pit *p)
{
	struct channel *c = &p->ch[0];
	uint64_t d, t;

	pthread_mutex_lock(&p->lock);
	d = next_edge(c, c->fired);
	if (d == UINT64_MAX)
		t = UINT64_MAX;
	else if (d <= c->acc)
		t = c->start;
	else
		t = c->start + clocks_to_ns(d - c->acc);
	pthread_mutex_unlock(&p->lock);
	return t;
}

void pit__tick(struct pit *p, uint64_t now)
{
	struct channel *c = &p->ch[0];
	uint64_t d, edge;
	bool pulse = false;

	pthread_mutex_lock(&p->lock);
	d = elapsed(c, now);
	edge = next_edge(c, c->fired);
	if (edge != UINT64_MAX && edge <= d) {
		pulse = true;
		c->fired = d;
	}
	pthread_mutex_unlock(&p->lock);
	if (pulse) {
		irq_line__set(&p->irq0, 1);
		irq_line__set(&p->irq0, 0);
	}
}
