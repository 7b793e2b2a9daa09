/* acpi_pm.c - ACPI PM1 registers, PM timer and 0xCF9 reset control (see acpi_pm.h). */
#include "devices/legacy/acpi_pm.h"

#include "common/util.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define NS_PER_S 1000000000ULL

/* Status bits this model keeps; all are write-1-to-clear. */
#define STS_MASK                                                                                   \
	(PM1_TMR | PM1_BM_STS | PM1_GBL | PM1_PWRBTN | PM1_SLPBTN | PM1_RTC | PM1_PCIEXP |         \
	 PM1_WAK_STS)
/* Enable bits the guest may set. */
#define EN_MASK (PM1_TMR | PM1_GBL | PM1_PWRBTN | PM1_SLPBTN | PM1_RTC | PM1_PCIEXP)
/* Events that raise the SCI when both status and enable are set. */
#define SCI_EVENTS (PM1_TMR | PM1_GBL | PM1_PWRBTN | PM1_SLPBTN | PM1_RTC)
/* PM1_CNT bits that read back as written: BM_RLD, bit 9 (ignored by
 * software but preserved) and SLP_TYP. GBL_RLS and SLP_EN are write-only;
 * SCI_EN always reads 1. */
#define CNT_KEPT (PM1_CNT_BM_RLD | 0x0200 | PM1_CNT_SLP_TYP)
#define RST_KEPT (PM_RST_SYS | PM_RST_FULL)

struct pm {
	pthread_mutex_t lock;
	struct irq_line sci;
	struct machine_ctl ctl;
	uint64_t (*now_ns)(void);
	uint64_t start_ns;
	uint16_t sts, en, cnt;
	uint8_t rst;
	bool sci_level;
};

/* The registers of the PM block, by offset and width. */
static const struct {
	unsigned off, len;
} regs[] = {
	{ PM1_STS, 2 },
	{ PM1_EN, 2 },
	{ PM1_CNT, 2 },
	{ PM_TMR, 4 },
};

struct pm *pm__new(const struct irq_line *sci, const struct machine_ctl *ctl,
		   uint64_t (*now_ns)(void))
{
	struct pm *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	pthread_mutex_init(&p->lock, NULL);
	p->sci = *sci;
	p->ctl = *ctl;
	p->now_ns = now_ns ? now_ns : util__now_ns;
	p->start_ns = p->now_ns();
	return p;
}

void pm__free(void *pm)
{
	struct pm *p = pm;

	if (!p)
		return;
	pthread_mutex_destroy(&p->lock);
	free(p);
}

/* Ticks of the 3.579545 MHz clock since creation, in 24 bits. Split at
 * whole seconds so the product cannot overflow for centuries of uptime. */
static uint32_t timer_now(const struct pm *p)
{
	uint64_t ns = p->now_ns() - p->start_ns;
	uint64_t ticks = ns / NS_PER_S * PM_TIMER_HZ + ns % NS_PER_S * PM_TIMER_HZ / NS_PER_S;

	return (uint32_t)(ticks & PM_TIMER_MASK);
}

/* The SCI is a level: high while an enabled event's status is set. */
static void update_sci(struct pm *p)
{
	bool level = (p->sts & p->en & SCI_EVENTS) != 0;

	if (level != p->sci_level) {
		p->sci_level = level;
		irq_line__set(&p->sci, level);
	}
}

static uint32_t reg_read(const struct pm *p, unsigned off)
{
	switch (off) {
	case PM1_STS:
		return p->sts;
	case PM1_EN:
		return p->en;
	case PM1_CNT:
		return p->cnt | PM1_CNT_SCI_EN;
	default:
		return timer_now(p);
	}
}

/* Write the bytes of a register that mask selects. Returns true when the
 * guest asked for power-off. */
static bool reg_write(struct pm *p, unsigned off, uint32_t val, uint32_t mask)
{
	unsigned typ;

	switch (off) {
	case PM1_STS:
		p->sts &= (uint16_t) ~(val & mask & STS_MASK);
		return false;
	case PM1_EN:
		p->en = (uint16_t)((p->en & ~mask) | (val & mask & EN_MASK));
		return false;
	case PM1_CNT:
		p->cnt = (uint16_t)((p->cnt & ~mask) | (val & mask & CNT_KEPT));
		if (!(val & mask & PM1_CNT_SLP_EN))
			return false;
		typ = (p->cnt & PM1_CNT_SLP_TYP) >> PM1_CNT_SLP_SHIFT;
		if (typ == PM_SLP_TYP_S5)
			return true;
		/* Sleeping states we do not implement wake at once, so an
		 * OSPM waiting for WAK_STS carries on. */
		p->sts |= PM1_WAK_STS;
		return false;
	default:
		return false; /* the timer is read-only */
	}
}

void pm__io(void *opaque, uint64_t offset, uint8_t *data, unsigned len, bool is_write)
{
	struct pm *p = opaque;
	bool poweroff = false;

	if (!is_write)
		memset(data, 0xff, len); /* bytes between registers */
	pthread_mutex_lock(&p->lock);
	for (size_t r = 0; r < ARRAY_SIZE(regs); r++) {
		uint64_t lo = offset > regs[r].off ? offset : regs[r].off;
		uint64_t hi = offset + len < regs[r].off + regs[r].len ? offset + len
								       : regs[r].off + regs[r].len;
		uint32_t val = 0, mask = 0;

		if (lo >= hi)
			continue;
		if (!is_write) {
			val = reg_read(p, regs[r].off); /* once: the timer moves */
			for (uint64_t a = lo; a < hi; a++)
				data[a - offset] = (uint8_t)(val >> (8 * (a - regs[r].off)));
			continue;
		}
		for (uint64_t a = lo; a < hi; a++) {
			val |= (uint32_t)data[a - offset] << (8 * (a - regs[r].off));
			mask |= 0xffu << (8 * (a - regs[r].off));
		}
		poweroff |= reg_write(p, regs[r].off, val, mask);
	}
	update_sci(p);
	pthread_mutex_unlock(&p->lock);
	if (poweroff)
		machine_ctl__request(&p->ctl, MACHINE_POWEROFF, 0);
}

void pm__reset_io(void *opaque, uint64_t offset, uint8_t *data, unsigned len, bool is_write)
{
	struct pm *p = opaque;
	bool reset = false;

	pthread_mutex_lock(&p->lock);
	if (!is_write) {
		memset(data, 0xff, len);
		data[0] = p->rst;
	} else {
		/* SYS_RST and FULL_RST choose the kind of reset; RST_CPU does
		 * it. Every kind is the same here: the machine is rebuilt. */
		p->rst = data[0] & RST_KEPT;
		reset = (data[0] & PM_RST_CPU) != 0;
	}
	pthread_mutex_unlock(&p->lock);
	if (reset)
		machine_ctl__request(&p->ctl, MACHINE_RESET, 0);
}

void pm__power_button(struct pm *p)
{
	pthread_mutex_lock(&p->lock);
	p->sts |= PM1_PWRBTN;
	update_sci(p);
	pthread_mutex_unlock(&p->lock);
}
