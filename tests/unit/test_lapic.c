/* test_lapic.c - black-box tests of the local APIC (src/devices/irq/lapic.c),
 * driven by a fake clock and fake machine callbacks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "devices/irq/lapic.h"

#define APIC_ID 3
#define T0      1000000ull

struct fixture {
	struct lapic *l;
	uint64_t now;
	int kicks, rearms;
	int ipis;
	struct lapic *ipi_from;
	uint32_t ipi_lo, ipi_hi;
	bool self_deliver; /* send_ipi delivers back into the sender */
	int eois[16];
	int neoi;
};

static void fake_send_ipi(void *ctx, struct lapic *from, uint32_t lo, uint32_t hi)
{
	struct fixture *f = ctx;

	f->ipis++;
	f->ipi_from = from;
	f->ipi_lo = lo;
	f->ipi_hi = hi;
	/* The lock is not held: a self-IPI re-enters the APIC. */
	if (f->self_deliver)
		lapic__deliver(from, (lo & LAPIC_DM_MASK) >> LAPIC_DM_SHIFT,
			       (uint8_t)(lo & LAPIC_VECTOR_MASK), (lo & LAPIC_TRIGGER_LVL) != 0,
			       (lo & LAPIC_LEVEL_ASSERT) != 0);
}

static void fake_kick(void *ctx, struct lapic *self)
{
	struct fixture *f = ctx;

	assert_ptr_equal(self, f->l);
	f->kicks++;
}

static uint64_t fake_now(void *ctx)
{
	return ((struct fixture *)ctx)->now;
}

static void fake_eoi_level(void *ctx, uint8_t vector)
{
	struct fixture *f = ctx;

	assert_true(f->neoi < 16);
	f->eois[f->neoi++] = vector;
}

static void fake_rearm(void *ctx, struct lapic *self)
{
	((struct fixture *)ctx)->rearms++;
	(void)self;
}

static const struct lapic_ops ops = {
	.send_ipi = fake_send_ipi,
	.kick = fake_kick,
	.now = fake_now,
	.eoi_level = fake_eoi_level,
	.rearm = fake_rearm,
};

static int setup(void **state)
{
	struct fixture *f = test_calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->now = T0;
	f->l = lapic__new(APIC_ID, &ops, f);
	if (!f->l) {
		test_free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	lapic__free(f->l);
	test_free(f);
	return 0;
}

static void wr(struct fixture *f, unsigned off, uint32_t v)
{
	uint8_t d[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };

	lapic__mmio(f->l, off, d, 4, true);
}

static uint32_t rd(struct fixture *f, unsigned off)
{
	uint8_t d[4] = { 0x5a, 0x5a, 0x5a, 0x5a };

	lapic__mmio(f->l, off, d, 4, false);
	return (uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 | (uint32_t)d[3] << 24;
}

static bool reg_bit(struct fixture *f, unsigned base, unsigned vector)
{
	return (rd(f, base + 0x10 * (vector / 32)) >> (vector % 32)) & 1;
}

static void enable(struct fixture *f)
{
	wr(f, LAPIC_SVR, LAPIC_SVR_ENABLE | 0xff);
}

static void test_reset_values(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(rd(f, LAPIC_ID), APIC_ID << 24);
	assert_int_equal(lapic__id(f->l), APIC_ID);
	assert_int_equal(rd(f, LAPIC_VERSION), 0x00050014);
	assert_int_equal(rd(f, LAPIC_SVR), 0xff);
	assert_int_equal(rd(f, LAPIC_DFR), 0xffffffff);
	assert_int_equal(rd(f, LAPIC_TPR), 0);
	assert_int_equal(rd(f, LAPIC_PPR), 0);
	assert_int_equal(rd(f, LAPIC_LDR), 0);
	for (unsigned off = LAPIC_LVT_TIMER; off <= LAPIC_LVT_ERROR; off += 0x10)
		assert_int_equal(rd(f, off), LAPIC_LVT_MASKED);
	assert_int_equal(rd(f, LAPIC_TIMER_ICR), 0);
	assert_int_equal(rd(f, LAPIC_TIMER_CCR), 0);
	assert_int_equal(rd(f, LAPIC_TIMER_DCR), 0);
	assert_int_equal(lapic__next_deadline(f->l), UINT64_MAX);
	assert_false(lapic__pending(f->l));
	assert_int_equal(lapic__ack(f->l), -1);
	assert_int_equal(lapic__take_sipi(f->l), -1);
}

static void test_software_enable(void **state)
{
	struct fixture *f = *state;

	/* Disabled: LVT entries cannot be unmasked, fixed not accepted. */
	wr(f, LAPIC_LVT_LINT0, 0x700);
	assert_int_equal(rd(f, LAPIC_LVT_LINT0), LAPIC_LVT_MASKED | 0x700);
	lapic__accept(f->l, 0x40, false);
	assert_false(reg_bit(f, LAPIC_IRR, 0x40));
	assert_false(lapic__pending(f->l));
	assert_int_equal(f->kicks, 0);

	enable(f);
	assert_int_equal(rd(f, LAPIC_SVR), 0x1ff);
	wr(f, LAPIC_LVT_LINT0, 0x700);
	assert_int_equal(rd(f, LAPIC_LVT_LINT0), 0x700);
	lapic__accept(f->l, 0x40, false);
	assert_true(reg_bit(f, LAPIC_IRR, 0x40));
	assert_true(lapic__pending(f->l));
	assert_int_equal(f->kicks, 1);

	/* Disabling masks every LVT entry; IRR is kept. */
	wr(f, LAPIC_SVR, 0xff);
	assert_int_equal(rd(f, LAPIC_LVT_LINT0), LAPIC_LVT_MASKED | 0x700);
	assert_true(lapic__pending(f->l));
}

static void test_priority_ack_eoi(void **state)
{
	struct fixture *f = *state;

	enable(f);
	lapic__accept(f->l, 0x41, false);
	lapic__accept(f->l, 0x81, false);
	lapic__accept(f->l, 0x45, false);
	assert_int_equal(f->kicks, 3);
	assert_true(reg_bit(f, LAPIC_IRR, 0x41));
	assert_true(reg_bit(f, LAPIC_IRR, 0x81));

	assert_int_equal(lapic__ack(f->l), 0x81);
	assert_true(reg_bit(f, LAPIC_ISR, 0x81));
	assert_false(reg_bit(f, LAPIC_IRR, 0x81));
	assert_int_equal(rd(f, LAPIC_PPR), 0x80);
	/* Class 4 is below class 8 in service. */
	assert_false(lapic__pending(f->l));
	assert_int_equal(lapic__ack(f->l), -1);
	/* A higher class nests. */
	lapic__accept(f->l, 0x91, false);
	assert_int_equal(lapic__ack(f->l), 0x91);
	wr(f, LAPIC_EOI, 0);
	assert_false(reg_bit(f, LAPIC_ISR, 0x91));
	assert_true(reg_bit(f, LAPIC_ISR, 0x81));
	wr(f, LAPIC_EOI, 0);
	assert_int_equal(rd(f, LAPIC_PPR), 0);

	assert_int_equal(lapic__ack(f->l), 0x45);
	/* 0x41 is in the same class as 0x45 in service: blocked. */
	assert_false(lapic__pending(f->l));
	assert_int_equal(rd(f, LAPIC_PPR), 0x40);
	wr(f, LAPIC_EOI, 0);
	assert_int_equal(lapic__ack(f->l), 0x41);
	wr(f, LAPIC_EOI, 0);
	assert_false(lapic__pending(f->l));
	for (unsigned i = 0; i < 8; i++) {
		assert_int_equal(rd(f, LAPIC_ISR + 0x10 * i), 0);
		assert_int_equal(rd(f, LAPIC_IRR + 0x10 * i), 0);
	}
	/* Edge-triggered: no level EOI was reported. */
	assert_int_equal(f->neoi, 0);
}

static void test_tpr_blocks(void **state)
{
	struct fixture *f = *state;

	enable(f);
	wr(f, LAPIC_TPR, 0x50);
	assert_int_equal(rd(f, LAPIC_TPR), 0x50);
	assert_int_equal(rd(f, LAPIC_PPR), 0x50);
	lapic__accept(f->l, 0x5f, false);
	assert_false(lapic__pending(f->l));
	assert_int_equal(lapic__ack(f->l), -1);
	assert_int_equal(f->kicks, 0); /* nothing deliverable, no wake-up */
	lapic__accept(f->l, 0x60, false);
	assert_true(lapic__pending(f->l));
	assert_int_equal(f->kicks, 1);
	assert_int_equal(lapic__ack(f->l), 0x60);
	/* PPR: the ISR class 6 is above TPR. */
	assert_int_equal(rd(f, LAPIC_PPR), 0x60);
	wr(f, LAPIC_EOI, 0);
	assert_int_equal(rd(f, LAPIC_PPR), 0x50);
	wr(f, LAPIC_TPR, 0x00);
	assert_true(lapic__pending(f->l));
	assert_int_equal(lapic__ack(f->l), 0x5f);
	/* Equal classes: PPR is TPR, low bits included (10.8.3.1). */
	wr(f, LAPIC_TPR, 0x5a);
	assert_int_equal(rd(f, LAPIC_PPR), 0x5a);
	wr(f, LAPIC_TPR, 0x4a);
	assert_int_equal(rd(f, LAPIC_PPR), 0x50);
}

static void test_level_eoi_reported(void **state)
{
	struct fixture *f = *state;

	enable(f);
	lapic__accept(f->l, 0x61, true);
	lapic__accept(f->l, 0x52, false);
	assert_true(reg_bit(f, LAPIC_TMR, 0x61));
	assert_false(reg_bit(f, LAPIC_TMR, 0x52));
	assert_int_equal(lapic__ack(f->l), 0x61);
	wr(f, LAPIC_EOI, 0);
	assert_int_equal(f->neoi, 1);
	assert_int_equal(f->eois[0], 0x61);
	assert_int_equal(lapic__ack(f->l), 0x52);
	wr(f, LAPIC_EOI, 0);
	assert_int_equal(f->neoi, 1);
	/* EOI with nothing in service does nothing. */
	wr(f, LAPIC_EOI, 0);
	assert_int_equal(f->neoi, 1);
}

static void test_timer_one_shot(void **state)
{
	struct fixture *f = *state;
	int rearms;

	enable(f);
	wr(f, LAPIC_LVT_TIMER, 0x30);
	wr(f, LAPIC_TIMER_DCR, 0x3); /* divide by 16 */
	rearms = f->rearms;
	wr(f, LAPIC_TIMER_ICR, 1000);
	assert_true(f->rearms > rearms);
	assert_int_equal(lapic__next_deadline(f->l), T0 + 16000);
	f->now = T0 + 1600;
	assert_int_equal(rd(f, LAPIC_TIMER_CCR), 900);
	assert_int_equal(rd(f, LAPIC_TIMER_ICR), 1000);
	lapic__tick(f->l, T0 + 15999);
	assert_false(lapic__pending(f->l));
	lapic__tick(f->l, T0 + 16000);
	assert_true(lapic__pending(f->l));
	assert_int_equal(f->kicks, 1);
	assert_int_equal(lapic__next_deadline(f->l), UINT64_MAX);
	f->now = T0 + 20000;
	assert_int_equal(rd(f, LAPIC_TIMER_CCR), 0);
	assert_int_equal(lapic__ack(f->l), 0x30);
	wr(f, LAPIC_EOI, 0);
	lapic__tick(f->l, T0 + 100000);
	assert_false(lapic__pending(f->l));
	/* Writing 0 stops a running timer. */
	wr(f, LAPIC_TIMER_ICR, 50);
	assert_int_not_equal(lapic__next_deadline(f->l), UINT64_MAX);
	wr(f, LAPIC_TIMER_ICR, 0);
	assert_int_equal(lapic__next_deadline(f->l), UINT64_MAX);
}

static void test_timer_periodic(void **state)
{
	struct fixture *f = *state;
	uint64_t dl;
	int fired = 0;

	enable(f);
	wr(f, LAPIC_LVT_TIMER, LAPIC_TIMER_PERIOD | 0x31);
	wr(f, LAPIC_TIMER_DCR, 0xb); /* divide by 1 */
	wr(f, LAPIC_TIMER_ICR, 500);
	f->now = T0 + 750;
	assert_int_equal(rd(f, LAPIC_TIMER_CCR), 250);
	for (unsigned k = 1; k <= 10; k++) {
		dl = lapic__next_deadline(f->l);
		assert_int_equal(dl, T0 + 500 * k);
		lapic__tick(f->l, dl);
		if (lapic__ack(f->l) == 0x31) {
			fired++;
			wr(f, LAPIC_EOI, 0);
		}
	}
	assert_int_equal(fired, 10);
	/* Divide by 2 from now on: the count continues from where it is. */
	f->now = T0 + 5100; /* 100 counts into the 11th period */
	wr(f, LAPIC_TIMER_DCR, 0x0);
	assert_int_equal(rd(f, LAPIC_TIMER_CCR), 400);
	assert_int_equal(lapic__next_deadline(f->l), T0 + 5100 + 800);
	f->now = T0 + 5100 + 200;
	assert_int_equal(rd(f, LAPIC_TIMER_CCR), 300);
	/* Masked: counts, expires, delivers nothing. */
	wr(f, LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | LAPIC_TIMER_PERIOD | 0x31);
	lapic__tick(f->l, T0 + 5100 + 800);
	assert_false(lapic__pending(f->l));
	assert_int_equal(lapic__next_deadline(f->l), T0 + 5100 + 800 + 1000);
}

static void test_timer_divide_config(void **state)
{
	struct fixture *f = *state;
	static const struct {
		uint32_t dcr;
		unsigned div;
	} table[] = {
		{ 0x0, 2 },  { 0x1, 4 },  { 0x2, 8 },   { 0x3, 16 },
		{ 0x8, 32 }, { 0x9, 64 }, { 0xa, 128 }, { 0xb, 1 },
	};

	enable(f);
	wr(f, LAPIC_LVT_TIMER, 0x40);
	for (unsigned i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		wr(f, LAPIC_TIMER_DCR, table[i].dcr | 0xf0); /* reserved bits dropped */
		assert_int_equal(rd(f, LAPIC_TIMER_DCR), table[i].dcr);
		wr(f, LAPIC_TIMER_ICR, 100);
		assert_int_equal(lapic__next_deadline(f->l), f->now + 100 * table[i].div);
	}
}

static void test_timer_mode_change_keeps_count(void **state)
{
	struct fixture *f = *state;

	enable(f);
	wr(f, LAPIC_LVT_TIMER, 0x40);
	wr(f, LAPIC_TIMER_DCR, 0xb);
	wr(f, LAPIC_TIMER_ICR, 1000);
	f->now = T0 + 300;
	wr(f, LAPIC_LVT_TIMER, LAPIC_TIMER_PERIOD | 0x40);
	assert_int_equal(rd(f, LAPIC_TIMER_CCR), 700);
	assert_int_equal(lapic__next_deadline(f->l), T0 + 1000);
	lapic__tick(f->l, T0 + 1000);
	assert_int_equal(lapic__ack(f->l), 0x40);
	assert_int_equal(lapic__next_deadline(f->l), T0 + 2000);
}

static void test_icr_sends_ipi(void **state)
{
	struct fixture *f = *state;

	enable(f);
	wr(f, LAPIC_ICR_HI, 0x02ffffff);
	assert_int_equal(rd(f, LAPIC_ICR_HI), 0x02000000);
	assert_int_equal(f->ipis, 0);
	wr(f, LAPIC_ICR_LO, LAPIC_DELIV_STATUS | LAPIC_LEVEL_ASSERT | 0x40);
	assert_int_equal(f->ipis, 1);
	assert_ptr_equal(f->ipi_from, f->l);
	assert_int_equal(f->ipi_lo, LAPIC_LEVEL_ASSERT | 0x40);
	assert_int_equal(f->ipi_hi, 0x02000000);
	/* Delivery is instant: the status bit reads 0. */
	assert_int_equal(rd(f, LAPIC_ICR_LO), LAPIC_LEVEL_ASSERT | 0x40);

	/* INIT, then STARTUP with vector 0x9a to all but self. */
	wr(f, LAPIC_ICR_LO, LAPIC_SH_OTHERS | LAPIC_LEVEL_ASSERT | LAPIC_DM_INIT << 8);
	assert_int_equal(f->ipi_lo, 0x000c4500);
	wr(f, LAPIC_ICR_LO, LAPIC_SH_OTHERS | LAPIC_DM_STARTUP << 8 | 0x9a);
	assert_int_equal(f->ipis, 3);
	assert_int_equal(f->ipi_lo, 0x000c069a);

	/* An illegal fixed vector is not sent; ESR says why. */
	wr(f, LAPIC_ESR, 0);
	wr(f, LAPIC_ICR_LO, 0x05);
	assert_int_equal(f->ipis, 3);
	wr(f, LAPIC_ESR, 0);
	assert_int_equal(rd(f, LAPIC_ESR), LAPIC_ESR_SEND_ILLEGAL);
	wr(f, LAPIC_ESR, 0);
	assert_int_equal(rd(f, LAPIC_ESR), 0);

	/* A self-IPI routed back into the sender. */
	f->self_deliver = true;
	wr(f, LAPIC_ICR_LO, LAPIC_SH_SELF | 0x77);
	assert_int_equal(f->ipis, 4);
	assert_true(reg_bit(f, LAPIC_IRR, 0x77));
	assert_int_equal(lapic__ack(f->l), 0x77);
}

static void test_extint_via_lint0(void **state)
{
	struct fixture *f = *state;

	/* Virtual-wire mode as a BIOS programs it. */
	enable(f);
	wr(f, LAPIC_LVT_LINT0, LAPIC_DM_EXTINT << LAPIC_DM_SHIFT);
	assert_false(lapic__pending(f->l));
	lapic__set_lint0(f->l, true);
	assert_int_equal(f->kicks, 1);
	assert_true(lapic__pending(f->l));
	/* Not subject to PPR, and ahead of fixed interrupts. */
	wr(f, LAPIC_TPR, 0xf0);
	lapic__accept(f->l, 0x40, false);
	assert_true(lapic__pending(f->l));
	assert_int_equal(lapic__ack(f->l), LAPIC_EXTINT);
	/* A level: pending while the 8259's INT stays high. */
	assert_true(lapic__pending(f->l));
	lapic__set_lint0(f->l, false);
	assert_false(lapic__pending(f->l));
	assert_int_equal(lapic__ack(f->l), -1);
	wr(f, LAPIC_TPR, 0);
	assert_int_equal(lapic__ack(f->l), 0x40);
	wr(f, LAPIC_EOI, 0);

	/* Masked LINT0: the 8259 is not heard; unmasking while high is. */
	wr(f, LAPIC_LVT_LINT0, LAPIC_LVT_MASKED | LAPIC_DM_EXTINT << LAPIC_DM_SHIFT);
	lapic__set_lint0(f->l, true);
	assert_false(lapic__pending(f->l));
	f->kicks = 0;
	wr(f, LAPIC_LVT_LINT0, LAPIC_DM_EXTINT << LAPIC_DM_SHIFT);
	assert_true(lapic__pending(f->l));
	assert_int_equal(f->kicks, 1);
}

static void test_lint_fixed_level_and_nmi(void **state)
{
	struct fixture *f = *state;

	enable(f);
	/* LINT0 fixed, level: remote IRR until the EOI of its vector. */
	wr(f, LAPIC_LVT_LINT0, LAPIC_TRIGGER_LVL | 0x50);
	lapic__set_lint0(f->l, true);
	assert_true(rd(f, LAPIC_LVT_LINT0) & LAPIC_REMOTE_IRR);
	assert_true(reg_bit(f, LAPIC_TMR, 0x50));
	assert_int_equal(lapic__ack(f->l), 0x50);
	lapic__set_lint0(f->l, true); /* remote IRR holds it */
	assert_false(reg_bit(f, LAPIC_IRR, 0x50));
	wr(f, LAPIC_EOI, 0);
	/* Still asserted: accepted again. */
	assert_true(rd(f, LAPIC_LVT_LINT0) & LAPIC_REMOTE_IRR);
	assert_int_equal(lapic__ack(f->l), 0x50);
	lapic__set_lint0(f->l, false);
	wr(f, LAPIC_EOI, 0);
	assert_false(rd(f, LAPIC_LVT_LINT0) & LAPIC_REMOTE_IRR);
	assert_false(lapic__pending(f->l));

	/* LINT1 as NMI, edge. */
	wr(f, LAPIC_LVT_LINT1, LAPIC_DM_NMI << LAPIC_DM_SHIFT);
	lapic__set_lint1(f->l, true);
	lapic__set_lint1(f->l, true);
	assert_true(lapic__take_nmi(f->l));
	assert_false(lapic__take_nmi(f->l));
	lapic__set_lint1(f->l, false);
	lapic__set_lint1(f->l, true);
	assert_true(lapic__take_nmi(f->l));
}

static void test_deliver_modes(void **state)
{
	struct fixture *f = *state;

	/* Software-disabled: NMI, INIT and STARTUP still arrive. */
	lapic__deliver(f->l, LAPIC_DM_FIXED, 0x40, false, true);
	assert_false(reg_bit(f, LAPIC_IRR, 0x40));
	lapic__deliver(f->l, LAPIC_DM_NMI, 0, false, true);
	assert_true(lapic__take_nmi(f->l));
	assert_false(lapic__take_nmi(f->l));
	lapic__deliver(f->l, LAPIC_DM_INIT, 0, true, false); /* de-assert */
	assert_false(lapic__take_init(f->l));
	lapic__deliver(f->l, LAPIC_DM_INIT, 0, false, true);
	assert_true(lapic__take_init(f->l));
	assert_false(lapic__take_init(f->l));
	lapic__deliver(f->l, LAPIC_DM_STARTUP, 0x9a, false, true);
	assert_int_equal(lapic__take_sipi(f->l), 0x9a);
	assert_int_equal(lapic__take_sipi(f->l), -1);
	lapic__deliver(f->l, LAPIC_DM_SMI, 0, false, true);
	assert_false(lapic__pending(f->l));
	assert_int_equal(f->kicks, 3);

	enable(f);
	lapic__deliver(f->l, LAPIC_DM_LOWEST, 0x42, true, true);
	assert_true(reg_bit(f, LAPIC_IRR, 0x42));
	assert_true(reg_bit(f, LAPIC_TMR, 0x42));
	/* An ExtINT message: acknowledged once. */
	lapic__deliver(f->l, LAPIC_DM_EXTINT, 0, false, true);
	assert_int_equal(lapic__ack(f->l), LAPIC_EXTINT);
	assert_int_equal(lapic__ack(f->l), 0x42);

	/* INIT reset keeps the ID only. */
	wr(f, LAPIC_TPR, 0x20);
	wr(f, LAPIC_ID, 0x07000000);
	lapic__reset(f->l);
	assert_int_equal(rd(f, LAPIC_ID), 0x07000000);
	assert_int_equal(rd(f, LAPIC_TPR), 0);
	assert_int_equal(rd(f, LAPIC_SVR), 0xff);
	assert_false(reg_bit(f, LAPIC_ISR, 0x42));
}

static void test_match_dest(void **state)
{
	struct fixture *f = *state;

	assert_true(lapic__match_dest(f->l, APIC_ID, false));
	assert_false(lapic__match_dest(f->l, APIC_ID + 1, false));
	assert_true(lapic__match_dest(f->l, 0xff, false));
	/* Flat logical: LDR bit 1. */
	wr(f, LAPIC_LDR, 0x02ffffff);
	assert_int_equal(rd(f, LAPIC_LDR), 0x02000000);
	assert_true(lapic__match_dest(f->l, 0x03, true));
	assert_false(lapic__match_dest(f->l, 0x01, true));
	assert_true(lapic__match_dest(f->l, 0xff, true));
	/* Cluster: cluster 2, member bit 0. */
	wr(f, LAPIC_DFR, 0x0);
	assert_int_equal(rd(f, LAPIC_DFR), 0x0fffffff);
	wr(f, LAPIC_LDR, 0x21000000);
	assert_true(lapic__match_dest(f->l, 0x21, true));
	assert_true(lapic__match_dest(f->l, 0x23, true));
	assert_false(lapic__match_dest(f->l, 0x12, true));
	assert_false(lapic__match_dest(f->l, 0x11, true));
	assert_true(lapic__match_dest(f->l, 0xf1, true));
}

static void test_errors(void **state)
{
	struct fixture *f = *state;

	enable(f);
	wr(f, LAPIC_LVT_ERROR, 0xfe);
	assert_int_equal(rd(f, LAPIC_LVT_ERROR), 0xfe);
	lapic__accept(f->l, 5, false);
	assert_false(reg_bit(f, LAPIC_IRR, 5));
	/* The error interrupt. */
	assert_true(reg_bit(f, LAPIC_IRR, 0xfe));
	assert_int_equal(rd(f, LAPIC_ESR), 0); /* not until ESR is written */
	wr(f, LAPIC_ESR, 0);
	assert_int_equal(rd(f, LAPIC_ESR), LAPIC_ESR_RECV_ILLEGAL);
	/* A write to a reserved register. */
	wr(f, 0x3f0, 1);
	wr(f, LAPIC_ESR, 0);
	assert_int_equal(rd(f, LAPIC_ESR), LAPIC_ESR_ILLEGAL_REG);
}

static void test_mmio_access_rules(void **state)
{
	struct fixture *f = *state;
	uint8_t d[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

	/* Only aligned 32-bit accesses reach a register. */
	lapic__mmio(f->l, LAPIC_SVR, d, 2, false);
	assert_int_equal(d[0], 0);
	assert_int_equal(d[1], 0);
	lapic__mmio(f->l, LAPIC_SVR + 4, d, 4, false);
	assert_int_equal(d[0], 0);
	d[0] = 0xff;
	d[1] = 0x01;
	lapic__mmio(f->l, LAPIC_SVR, d, 2, true);
	assert_int_equal(rd(f, LAPIC_SVR), 0xff);
	lapic__mmio(f->l, 0x800, d, 4, false);
	assert_int_equal(d[0], 0);
	/* Read-only registers ignore writes. */
	wr(f, LAPIC_VERSION, 0);
	assert_int_equal(rd(f, LAPIC_VERSION), LAPIC_VERSION_VALUE);
	wr(f, LAPIC_PPR, 0xff);
	assert_int_equal(rd(f, LAPIC_PPR), 0);
	wr(f, LAPIC_IRR, 0xffffffff);
	assert_int_equal(rd(f, LAPIC_IRR), 0);
	assert_int_equal(rd(f, LAPIC_EOI), 0);
	/* Reserved LVT bits are dropped; delivery status is read-only. */
	enable(f);
	wr(f, LAPIC_LVT_TIMER, 0xffffffff);
	assert_int_equal(rd(f, LAPIC_LVT_TIMER), 0x000300ff);
	wr(f, LAPIC_LVT_ERROR, 0xffffffff);
	assert_int_equal(rd(f, LAPIC_LVT_ERROR), 0x000100ff);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_reset_values),
		T(test_software_enable),
		T(test_priority_ack_eoi),
		T(test_tpr_blocks),
		T(test_level_eoi_reported),
		T(test_timer_one_shot),
		T(test_timer_periodic),
		T(test_timer_divide_config),
		T(test_timer_mode_change_keeps_count),
		T(test_icr_sends_ipi),
		T(test_extint_via_lint0),
		T(test_lint_fixed_level_and_nmi),
		T(test_deliver_modes),
		T(test_match_dest),
		T(test_errors),
		T(test_mmio_access_rules),
	};
	return cmocka_run_group_tests_name("lapic", tests, NULL, NULL);
}
