/* i8259.c - 8259A master/slave pair (see i8259.h).
 *
 * Priorities are kept as in the data sheet's "Priority Cell": IR levels
 * rotate, and priority_add is the level that currently has the highest
 * priority (0 after init; the level after the last rotated one). */
#include "devices/irq/i8259.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct chip {
	uint8_t irr, isr, imr;
	uint8_t line; /* input levels */
	uint8_t elcr, elcr_mask;
	uint8_t base; /* ICW2 & 0xf8 */
	uint8_t priority_add;
	unsigned init_state; /* 0: ready, 1-3: expecting ICW2-ICW4 */
	bool init4, single;
	bool auto_eoi, rotate_aeoi, sfnm;
	bool read_isr, poll, special_mask;
	bool is_master;
};

struct pic {
	pthread_mutex_t lock;
	struct chip c[2]; /* master, slave */
	void (*intr)(void *ctx, bool level);
	void *ctx;
	bool out;      /* master INT now */
	bool reported; /* last level given to intr */
	bool notifying;
};

static void chip_reset(struct chip *c)
{
	c->irr &= c->elcr & c->line;
	c->isr = 0;
	c->imr = 0;
	c->base = 0;
	c->priority_add = 0;
	c->init_state = 0;
	c->init4 = c->single = false;
	c->auto_eoi = c->rotate_aeoi = c->sfnm = false;
	c->read_isr = c->poll = c->special_mask = false;
}

struct pic *pic__new(void (*intr)(void *ctx, bool level), void *ctx)
{
	struct pic *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	pthread_mutex_init(&p->lock, NULL);
	p->intr = intr;
	p->ctx = ctx;
	p->c[0].is_master = true;
	p->c[0].elcr_mask = PIC_ELCR_MASTER_MASK;
	p->c[1].elcr_mask = PIC_ELCR_SLAVE_MASK;
	chip_reset(&p->c[0]);
	chip_reset(&p->c[1]);
	return p;
}

void pic__free(void *opaque)
{
	struct pic *p = opaque;

	if (!p)
		return;
	pthread_mutex_destroy(&p->lock);
	free(p);
}

/* Priority (0 = highest) of the best bit in mask, 8 if none. */
static unsigned get_priority(const struct chip *c, uint8_t mask)
{
	unsigned prio = 0;

	if (!mask)
		return 8;
	while (!(mask & (1u << ((prio + c->priority_add) & 7))))
		prio++;
	return prio;
}

/* The IR level this chip would present at INTA, or -1 (INT low). */
static int chip_get_irq(const struct chip *c)
{
	unsigned prio, cur;
	uint8_t in_service;

	prio = get_priority(c, c->irr & ~c->imr);
	if (prio == 8)
		return -1;
	in_service = c->isr;
	if (c->special_mask)
		in_service &= ~c->imr; /* masked levels do not block */
	if (c->sfnm && c->is_master)
		in_service &= ~(1u << PIC_CASCADE_IRQ); /* the slave nests itself */
	cur = get_priority(c, in_service);
	if (prio < cur)
		return (int)((prio + c->priority_add) & 7);
	return -1;
}

static void chip_set_input(struct chip *c, unsigned ir, bool level, bool level_mode)
{
	uint8_t bit = (uint8_t)(1u << ir);

	if (level_mode || (c->elcr & bit)) {
		if (level)
			c->irr |= bit;
		else
			c->irr &= ~bit;
	} else if (level && !(c->line & bit)) {
		c->irr |= bit;
	}
	if (level)
		c->line |= bit;
	else
		c->line &= ~bit;
}

/* Propagate the slave's INT to the master's IR2, then compute the master's
 * INT. Called with the lock held after every state change. */
static void update(struct pic *p)
{
	chip_set_input(&p->c[0], PIC_CASCADE_IRQ, chip_get_irq(&p->c[1]) >= 0, true);
	p->out = chip_get_irq(&p->c[0]) >= 0;
}

/* Drop the lock, reporting INT changes to intr first. One thread reports
 * at a time, always the latest level, so the reports stay in order. */
static void unlock_and_notify(struct pic *p)
{
	bool level;

	if (p->notifying || !p->intr) {
		pthread_mutex_unlock(&p->lock);
		return;
	}
	p->notifying = true;
	while (p->reported != p->out) {
		level = p->out;
		p->reported = level;
		pthread_mutex_unlock(&p->lock);
		p->intr(p->ctx, level);
		pthread_mutex_lock(&p->lock);
	}
	p->notifying = false;
	pthread_mutex_unlock(&p->lock);
}

void pic__set_irq(struct pic *p, unsigned irq, int level)
{
	if (irq >= PIC_NR_IRQS || irq == PIC_CASCADE_IRQ)
		return;
	pthread_mutex_lock(&p->lock);
	chip_set_input(&p->c[irq >> 3], irq & 7, level != 0, false);
	update(p);
	unlock_and_notify(p);
}

/* INTA for level ir of chip c: in service unless auto-EOI (data sheet,
 * "Automatic End of Interrupt Mode"), and an edge request is consumed. */
static void chip_intack(struct chip *c, unsigned ir)
{
	uint8_t bit = (uint8_t)(1u << ir);

	if (c->auto_eoi) {
		if (c->rotate_aeoi)
			c->priority_add = (uint8_t)((ir + 1) & 7);
	} else {
		c->isr |= bit;
	}
	if (!(c->elcr & bit) && !(c->is_master && ir == PIC_CASCADE_IRQ))
		c->irr &= ~bit;
}

static int ack_locked(struct pic *p)
{
	struct chip *m = &p->c[0], *s = &p->c[1];
	int irq = chip_get_irq(m), irq2;
	int vector;

	if (irq < 0) {
		/* Spurious: the master answers IR7, nothing goes in service. */
		return m->base | 7;
	}
	if (irq == PIC_CASCADE_IRQ) {
		irq2 = chip_get_irq(s);
		if (irq2 >= 0) {
			chip_intack(s, (unsigned)irq2);
			vector = s->base | irq2;
		} else {
			vector = s->base | 7; /* spurious IRQ15 */
		}
	} else {
		vector = m->base | irq;
	}
	chip_intack(m, (unsigned)irq);
	update(p);
	return vector;
}

int pic__ack(struct pic *p)
{
	int vector;

	pthread_mutex_lock(&p->lock);
	vector = ack_locked(p);
	unlock_and_notify(p);
	return vector;
}

int pic__ack_pending(struct pic *p)
{
	int vector = -1;

	pthread_mutex_lock(&p->lock);
	if (p->out)
		vector = ack_locked(p);
	unlock_and_notify(p);
	return vector;
}

bool pic__output(struct pic *p)
{
	bool out;

	pthread_mutex_lock(&p->lock);
	out = p->out;
	pthread_mutex_unlock(&p->lock);
	return out;
}

static void write_ocw2(struct chip *c, uint8_t v)
{
	unsigned prio, ir = v & 7;

	switch (v & 0xe0) {
	case PIC_OCW2_ROT_AEOI_CLR:
	case PIC_OCW2_ROT_AEOI_SET:
		c->rotate_aeoi = (v & 0x80) != 0;
		break;
	case PIC_OCW2_NONSPEC_EOI:
	case PIC_OCW2_ROT_NONSPEC:
		prio = get_priority(c, c->isr);
		if (prio == 8)
			break;
		ir = (prio + c->priority_add) & 7;
		c->isr &= (uint8_t) ~(1u << ir);
		if ((v & 0xe0) == PIC_OCW2_ROT_NONSPEC)
			c->priority_add = (uint8_t)((ir + 1) & 7);
		break;
	case PIC_OCW2_SPEC_EOI:
		c->isr &= (uint8_t) ~(1u << ir);
		break;
	case PIC_OCW2_ROT_SPEC_EOI:
		c->isr &= (uint8_t) ~(1u << ir);
		c->priority_add = (uint8_t)((ir + 1) & 7);
		break;
	case PIC_OCW2_SET_PRIO:
		/* L2-L0 becomes the lowest priority. */
		c->priority_add = (uint8_t)((ir + 1) & 7);
		break;
	default: /* no operation */
		break;
	}
}

static void chip_write(struct chip *c, unsigned reg, uint8_t v)
{
	if (reg == PIC_CMD) {
		if (v & PIC_ICW1_INIT) {
			/* ICW1 (data sheet, "Initialization Command Words"):
			 * IMR cleared, IR7 lowest priority, special mask mode
			 * off, IRR selected for reading, ICW4 functions zero
			 * unless IC4. The edge sense latches are reset, so an
			 * input must go low and high again to request. */
			chip_reset(c);
			c->init_state = 1;
			c->init4 = (v & PIC_ICW1_IC4) != 0;
			c->single = (v & PIC_ICW1_SNGL) != 0;
		} else if (v & PIC_OCW3) {
			if (v & 0x04)
				c->poll = true;
			if (v & 0x02)
				c->read_isr = (v & 0x01) != 0;
			if (v & 0x40)
				c->special_mask = (v & 0x20) != 0;
		} else {
			write_ocw2(c, v);
		}
		return;
	}
	switch (c->init_state) {
	case 1: /* ICW2 */
		c->base = v & 0xf8;
		c->init_state = c->single ? (c->init4 ? 3 : 0) : 2;
		break;
	case 2: /* ICW3: the cascade wiring is fixed */
		c->init_state = c->init4 ? 3 : 0;
		break;
	case 3: /* ICW4 */
		c->auto_eoi = (v & PIC_ICW4_AEOI) != 0;
		c->sfnm = (v & PIC_ICW4_SFNM) != 0;
		c->init_state = 0;
		break;
	default: /* OCW1 */
		c->imr = v;
		break;
	}
}

/* Poll command (data sheet, "The Poll Command"): the read acts as INTA
 * and returns bit 7 = request, bits 2-0 = level. */
static uint8_t chip_poll(struct chip *c)
{
	int ir = chip_get_irq(c);

	if (ir < 0)
		return 0;
	chip_intack(c, (unsigned)ir);
	return (uint8_t)(0x80 | ir);
}

static uint8_t chip_read(struct chip *c, unsigned reg)
{
	if (c->poll) {
		c->poll = false;
		return chip_poll(c);
	}
	if (reg == PIC_CMD)
		return c->read_isr ? c->isr : c->irr;
	return c->imr;
}

static void chip_io(struct pic *p, unsigned idx, uint64_t offset, uint8_t *data, unsigned len,
		    bool is_write)
{
	unsigned reg = (unsigned)(offset & 1);

	if (!len)
		return;
	pthread_mutex_lock(&p->lock);
	if (is_write) {
		chip_write(&p->c[idx], reg, data[0]);
	} else {
		data[0] = chip_read(&p->c[idx], reg);
		if (len > 1)
			memset(data + 1, 0xff, len - 1);
	}
	update(p);
	unlock_and_notify(p);
}

void pic__master_io(void *pic, uint64_t offset, uint8_t *data, unsigned len, bool is_write)
{
	chip_io(pic, 0, offset, data, len, is_write);
}

void pic__slave_io(void *pic, uint64_t offset, uint8_t *data, unsigned len, bool is_write)
{
	chip_io(pic, 1, offset, data, len, is_write);
}

void pic__elcr_io(void *pic, uint64_t offset, uint8_t *data, unsigned len, bool is_write)
{
	struct pic *p = pic;
	struct chip *c;

	/* Byte lanes: a 16-bit access at 0x4d0 reaches both registers. */
	pthread_mutex_lock(&p->lock);
	for (unsigned i = 0; i < len; i++) {
		if (offset + i > 1) {
			if (!is_write)
				data[i] = 0xff;
			continue;
		}
		c = &p->c[offset + i];
		if (is_write) {
			c->elcr = data[i] & c->elcr_mask;
			/* A level input's request is its line. */
			c->irr = (uint8_t)((c->irr & ~c->elcr) | (c->line & c->elcr));
		} else {
			data[i] = c->elcr;
		}
	}
	update(p);
	unlock_and_notify(p);
}
