/* ioapic.c - 82093AA I/O APIC model (see ioapic.h).
 *
 * Messages are decided under the lock (remote IRR is set there) and sent
 * after unlocking, at most one per pin per call. */
#include "devices/irq/ioapic.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define RTE_WRITABLE                                                                               \
	(IOAPIC_RTE_VECTOR | IOAPIC_RTE_DM_MASK | IOAPIC_RTE_LOGICAL | IOAPIC_RTE_POLARITY |       \
	 IOAPIC_RTE_LEVEL | IOAPIC_RTE_MASKED | 0xffull << IOAPIC_RTE_DEST_SHIFT)

struct ioapic {
	pthread_mutex_t lock;
	ioapic_deliver_fn deliver;
	void *ctx;
	uint32_t regsel;
	uint32_t id;
	uint64_t rte[IOAPIC_NPINS];
	uint32_t pins; /* asserted inputs */
};

struct message {
	uint8_t dest, vector, mode;
	bool logical, level;
};

struct outbox {
	struct message m[IOAPIC_NPINS];
	unsigned n;
};

struct ioapic *ioapic__new(ioapic_deliver_fn deliver, void *ctx)
{
	struct ioapic *io = calloc(1, sizeof(*io));

	if (!io)
		return NULL;
	pthread_mutex_init(&io->lock, NULL);
	io->deliver = deliver;
	io->ctx = ctx;
	for (unsigned i = 0; i < IOAPIC_NPINS; i++)
		io->rte[i] = IOAPIC_RTE_MASKED;
	return io;
}

void ioapic__free(void *opaque)
{
	struct ioapic *io = opaque;

	if (!io)
		return;
	pthread_mutex_destroy(&io->lock);
	free(io);
}

static unsigned rte_mode(uint64_t rte)
{
	return (unsigned)((rte & IOAPIC_RTE_DM_MASK) >> IOAPIC_RTE_DM_SHIFT);
}

/* Level semantics apply to fixed and lowest-priority entries only. */
static bool rte_level(uint64_t rte)
{
	unsigned mode = rte_mode(rte);

	return (rte & IOAPIC_RTE_LEVEL) && (mode == IOAPIC_DM_FIXED || mode == IOAPIC_DM_LOWEST);
}

static void queue(struct ioapic *io, unsigned pin, struct outbox *out)
{
	uint64_t rte = io->rte[pin];
	struct message *m = &out->m[out->n++];

	m->dest = (uint8_t)(rte >> IOAPIC_RTE_DEST_SHIFT);
	m->logical = (rte & IOAPIC_RTE_LOGICAL) != 0;
	m->vector = (uint8_t)(rte & IOAPIC_RTE_VECTOR);
	m->mode = (uint8_t)rte_mode(rte);
	m->level = rte_level(rte);
	if (m->level)
		io->rte[pin] |= IOAPIC_RTE_REMOTE_IRR;
}

/* A level pin that is asserted, unmasked and not in service is sent. */
static void service_level(struct ioapic *io, unsigned pin, struct outbox *out)
{
	uint64_t rte = io->rte[pin];

	if (rte_level(rte) && (io->pins >> pin & 1) && !(rte & IOAPIC_RTE_MASKED) &&
	    !(rte & IOAPIC_RTE_REMOTE_IRR))
		queue(io, pin, out);
}

static void unlock_and_send(struct ioapic *io, const struct outbox *out)
{
	pthread_mutex_unlock(&io->lock);
	for (unsigned i = 0; i < out->n; i++) {
		const struct message *m = &out->m[i];

		if (io->deliver)
			io->deliver(io->ctx, m->dest, m->logical, m->vector, m->mode, m->level);
	}
}

void ioapic__set_irq(struct ioapic *io, unsigned pin, int level)
{
	struct outbox out = { .n = 0 };
	uint32_t bit;
	bool was;

	if (pin >= IOAPIC_NPINS)
		return;
	bit = 1u << pin;
	pthread_mutex_lock(&io->lock);
	was = (io->pins & bit) != 0;
	if (level)
		io->pins |= bit;
	else
		io->pins &= ~bit;
	if (rte_level(io->rte[pin]))
		service_level(io, pin, &out);
	else if (level && !was && !(io->rte[pin] & IOAPIC_RTE_MASKED))
		queue(io, pin, &out);
	unlock_and_send(io, &out);
}

void ioapic__eoi(struct ioapic *io, uint8_t vector)
{
	struct outbox out = { .n = 0 };

	pthread_mutex_lock(&io->lock);
	for (unsigned i = 0; i < IOAPIC_NPINS; i++) {
		uint64_t rte = io->rte[i];

		if ((rte & IOAPIC_RTE_VECTOR) != vector || !(rte & IOAPIC_RTE_REMOTE_IRR))
			continue;
		io->rte[i] &= ~IOAPIC_RTE_REMOTE_IRR;
		service_level(io, i, &out);
	}
	unlock_and_send(io, &out);
}

static uint32_t reg_read(struct ioapic *io, uint32_t reg)
{
	unsigned pin;

	switch (reg) {
	case IOAPIC_REG_ID:
	case IOAPIC_REG_ARB:
		return io->id;
	case IOAPIC_REG_VER:
		return IOAPIC_VERSION_VALUE;
	default:
		break;
	}
	if (reg < IOAPIC_REG_REDTBL || reg >= IOAPIC_REG_REDTBL + 2 * IOAPIC_NPINS)
		return 0;
	pin = (reg - IOAPIC_REG_REDTBL) / 2;
	if (reg & 1)
		return (uint32_t)(io->rte[pin] >> 32);
	return (uint32_t)io->rte[pin]; /* delivery status is always 0 */
}

static void reg_write(struct ioapic *io, uint32_t reg, uint32_t v, struct outbox *out)
{
	unsigned pin;
	uint64_t rte, keep;

	if (reg == IOAPIC_REG_ID) {
		io->id = v & 0x0f000000u;
		return;
	}
	if (reg < IOAPIC_REG_REDTBL || reg >= IOAPIC_REG_REDTBL + 2 * IOAPIC_NPINS)
		return;
	pin = (reg - IOAPIC_REG_REDTBL) / 2;
	rte = io->rte[pin];
	if (reg & 1) {
		io->rte[pin] = (rte & 0xffffffffull) | ((uint64_t)v << 32 & RTE_WRITABLE);
		return;
	}
	keep = rte & (0xffffffff00000000ull | IOAPIC_RTE_REMOTE_IRR);
	rte = keep | (v & RTE_WRITABLE & 0xffffffffull);
	if (!rte_level(rte))
		rte &= ~IOAPIC_RTE_REMOTE_IRR;
	io->rte[pin] = rte;
	service_level(io, pin, out);
}

void ioapic__mmio(void *opaque, uint64_t offset, uint8_t *data, unsigned len, bool is_write)
{
	struct ioapic *io = opaque;
	struct outbox out = { .n = 0 };
	uint32_t v = 0;

	if (!is_write)
		memset(data, 0, len);
	if (!len || len > 4)
		return;
	pthread_mutex_lock(&io->lock);
	if (offset == IOAPIC_IOREGSEL) {
		if (is_write)
			io->regsel = data[0];
		else
			data[0] = (uint8_t)io->regsel;
	} else if (offset == IOAPIC_IOWIN && len == 4) {
		if (is_write) {
			v = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
			    (uint32_t)data[3] << 24;
			reg_write(io, io->regsel, v, &out);
		} else {
			v = reg_read(io, io->regsel);
			data[0] = (uint8_t)v;
			data[1] = (uint8_t)(v >> 8);
			data[2] = (uint8_t)(v >> 16);
			data[3] = (uint8_t)(v >> 24);
		}
	}
	unlock_and_send(io, &out);
}
