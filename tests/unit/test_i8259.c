/* test_i8259.c - black-box tests of the 8259A pair (src/devices/irq/i8259.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "devices/irq/i8259.h"

#include <pthread.h>

#define MBASE 0x30 /* Linux's ISA_IRQ_VECTOR(0) */
#define SBASE 0x38

struct fixture {
	struct pic *p;
	bool events[64];
	int n;
	bool level;
	bool probe; /* intr calls back into the pic */
	bool probed_output;
};

static void fake_intr(void *ctx, bool level)
{
	struct fixture *f = ctx;

	assert_true(f->n < (int)(sizeof(f->events) / sizeof(f->events[0])));
	f->events[f->n++] = level;
	f->level = level;
	/* The lock must not be held here: this would deadlock. */
	if (f->probe)
		f->probed_output = pic__output(f->p);
}

static int setup(void **state)
{
	struct fixture *f = test_calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->p = pic__new(fake_intr, f);
	if (!f->p) {
		test_free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	pic__free(f->p);
	test_free(f);
	return 0;
}

static void wr(struct fixture *f, bool slave, unsigned reg, uint8_t v)
{
	(slave ? pic__slave_io : pic__master_io)(f->p, reg, &v, 1, true);
}

static uint8_t rd(struct fixture *f, bool slave, unsigned reg)
{
	uint8_t v = 0x5a;

	(slave ? pic__slave_io : pic__master_io)(f->p, reg, &v, 1, false);
	return v;
}

static uint8_t read_isr(struct fixture *f, bool slave)
{
	wr(f, slave, PIC_CMD, PIC_OCW3_READ_ISR);
	return rd(f, slave, PIC_CMD);
}

static uint8_t read_irr(struct fixture *f, bool slave)
{
	wr(f, slave, PIC_CMD, PIC_OCW3_READ_IRR);
	return rd(f, slave, PIC_CMD);
}

/* Linux's init_8259A(): ICW1 0x11, ICW2 base, ICW3 cascade, ICW4 8086. */
static void init_pair(struct fixture *f, uint8_t icw4)
{
	wr(f, false, PIC_DATA, 0xff);
	wr(f, true, PIC_DATA, 0xff);
	wr(f, false, PIC_CMD, 0x11);
	wr(f, false, PIC_DATA, MBASE);
	wr(f, false, PIC_DATA, 1u << PIC_CASCADE_IRQ);
	wr(f, false, PIC_DATA, icw4);
	wr(f, true, PIC_CMD, 0x11);
	wr(f, true, PIC_DATA, SBASE);
	wr(f, true, PIC_DATA, PIC_CASCADE_IRQ);
	wr(f, true, PIC_DATA, icw4);
	wr(f, false, PIC_DATA, 0x00);
	wr(f, true, PIC_DATA, 0x00);
}

static void eoi(struct fixture *f, bool slave)
{
	wr(f, slave, PIC_CMD, PIC_OCW2_NONSPEC_EOI);
}

static void test_edge_ack_eoi(void **state)
{
	struct fixture *f = *state;

	init_pair(f, PIC_ICW4_8086);
	assert_false(pic__output(f->p));
	assert_int_equal(f->n, 0);
	pic__set_irq(f->p, 1, 1);
	assert_true(pic__output(f->p));
	assert_int_equal(f->n, 1);
	assert_true(f->level);
	assert_int_equal(read_irr(f, false), 0x02);

	assert_int_equal(pic__ack(f->p), MBASE + 1);
	assert_false(pic__output(f->p));
	assert_false(f->level);
	assert_int_equal(read_isr(f, false), 0x02);
	assert_int_equal(read_irr(f, false), 0x00);

	eoi(f, false);
	assert_int_equal(read_isr(f, false), 0x00);
	/* The line is still high: an edge input needs a new rising edge. */
	assert_false(pic__output(f->p));
	pic__set_irq(f->p, 1, 0);
	assert_false(pic__output(f->p));
	pic__set_irq(f->p, 1, 1);
	assert_true(pic__output(f->p));
	assert_int_equal(pic__ack(f->p), MBASE + 1);
}

static void test_pulse_is_latched(void **state)
{
	struct fixture *f = *state;

	init_pair(f, PIC_ICW4_8086);
	pic__set_irq(f->p, 0, 1);
	pic__set_irq(f->p, 0, 0);
	assert_true(pic__output(f->p));
	assert_int_equal(pic__ack(f->p), MBASE + 0);
	assert_int_equal(read_isr(f, false), 0x01);
}

static void test_intr_reports_changes_in_order(void **state)
{
	struct fixture *f = *state;

	init_pair(f, PIC_ICW4_8086);
	f->probe = true;
	pic__set_irq(f->p, 3, 1);
	pic__set_irq(f->p, 4, 1); /* output already high: no new report */
	assert_int_equal(f->n, 1);
	assert_true(f->probed_output);
	pic__ack(f->p); /* IRQ3 in service blocks IRQ4 */
	assert_int_equal(f->n, 2);
	assert_false(f->events[1]);
	eoi(f, false);
	assert_int_equal(f->n, 3);
	assert_true(f->events[2]);
	assert_true(f->probed_output);
}

static void test_imr_masks(void **state)
{
	struct fixture *f = *state;

	init_pair(f, PIC_ICW4_8086);
	wr(f, false, PIC_DATA, 0x10);
	assert_int_equal(rd(f, false, PIC_DATA), 0x10);
	pic__set_irq(f->p, 4, 1);
	assert_false(pic__output(f->p));
	assert_int_equal(read_irr(f, false), 0x10); /* requested, masked */
	wr(f, false, PIC_DATA, 0x00);
	assert_true(pic__output(f->p));
	assert_int_equal(pic__ack(f->p), MBASE + 4);
}

static void test_priority_and_nesting(void **state)
{
	struct fixture *f = *state;

	init_pair(f, PIC_ICW4_8086);
	pic__set_irq(f->p, 5, 1);
	pic__set_irq(f->p, 3, 1);
	assert_int_equal(pic__ack(f->p), MBASE + 3);
	/* IRQ3 in service blocks the lower-priority IRQ5... */
	assert_false(pic__output(f->p));
	/* ...but not the higher-priority IRQ1, which nests. */
	pic__set_irq(f->p, 1, 1);
	assert_true(pic__output(f->p));
	assert_int_equal(pic__ack(f->p), MBASE + 1);
	assert_int_equal(read_isr(f, false), 0x0a);
	eoi(f, false); /* clears the highest priority: IRQ1 */
	assert_int_equal(read_isr(f, false), 0x08);
	assert_false(pic__output(f->p));
	eoi(f, false);
	assert_true(pic__output(f->p));
	assert_int_equal(pic__ack(f->p), MBASE + 5);
}

static void test_cascade(void **state)
{
	struct fixture *f = *state;

	init_pair(f, PIC_ICW4_8086);
	pic__set_irq(f->p, 12, 1);
	assert_true(pic__output(f->p));
	assert_int_equal(read_irr(f, true), 0x10);
	assert_int_equal(pic__ack(f->p), SBASE + 4);
	assert_int_equal(read_isr(f, true), 0x10);
	assert_int_equal(read_isr(f, false), 1u << PIC_CASCADE_IRQ);
	assert_false(pic__output(f->p));
	/* Master IRQ1 outranks the cascade (IRQ2) in service. */
	pic__set_irq(f->p, 1, 1);
	assert_true(pic__output(f->p));
	assert_int_equal(pic__ack(f->p), MBASE + 1);
	eoi(f, false);
	/* Linux: EOI the slave, then the master. */
	eoi(f, true);
	eoi(f, false);
	assert_int_equal(read_isr(f, true), 0);
	assert_int_equal(read_isr(f, false), 0);
	/* Master IRQ0 beats slave IRQ8 (on IR2). */
	pic__set_irq(f->p, 8, 1);
	pic__set_irq(f->p, 0, 1);
	assert_int_equal(pic__ack(f->p), MBASE + 0);
	eoi(f, false);
	assert_int_equal(pic__ack(f->p), SBASE + 0);
}

static void test_slave_mask(void **state)
{
	struct fixture *f = *state;

	init_pair(f, PIC_ICW4_8086);
	wr(f, true, PIC_DATA, 0x01);
	pic__set_irq(f->p, 8, 1);
	assert_false(pic__output(f->p));
	/* Masking the cascade on the master hides the whole slave. */
	wr(f, false, PIC_DATA, 1u << PIC_CASCADE_IRQ);
	wr(f, true, PIC_DATA, 0x00);
	assert_false(pic__output(f->p));
	wr(f, false, PIC_DATA, 0x00);
	assert_true(pic__output(f->p));
	assert_int_equal(pic__ack(f->p), SBASE + 0);
}

static void test_spurious(void **state)
{
	struct fixture *f = *state;
	uint8_t v = 1u << 4; /* IRQ12 level-triggered */

	init_pair(f, PIC_ICW4_8086);
	/* Nothing pending: IR7 of the master, nothing in service. */
	assert_int_equal(pic__ack(f->p), MBASE + 7);
	assert_int_equal(read_isr(f, false), 0);
	/* A level request withdrawn before INTA. */
	pic__elcr_io(f->p, 1, &v, 1, true);
	pic__set_irq(f->p, 12, 1);
	assert_true(pic__output(f->p));
	pic__set_irq(f->p, 12, 0);
	assert_false(pic__output(f->p));
	assert_int_equal(pic__ack(f->p), MBASE + 7);
	assert_int_equal(read_isr(f, false), 0);
	assert_int_equal(read_isr(f, true), 0);
	/* A real IR7 is not spurious: it goes in service. */
	pic__set_irq(f->p, 7, 1);
	assert_int_equal(pic__ack(f->p), MBASE + 7);
	assert_int_equal(read_isr(f, false), 0x80);
}

/* pic__ack_pending: no INTA at all when INT is down; a real request as
 * pic__ack would give it. */
static void test_ack_pending(void **state)
{
	struct fixture *f = *state;

	init_pair(f, PIC_ICW4_8086);
	assert_int_equal(pic__ack_pending(f->p), -1);
	assert_int_equal(read_isr(f, false), 0);
	pic__set_irq(f->p, 0, 1);
	assert_int_equal(pic__ack_pending(f->p), MBASE + 0);
	assert_int_equal(read_isr(f, false), 0x01);
	/* IR0 in service blocks a second IR0: INT is down again. */
	pic__set_irq(f->p, 0, 0);
	pic__set_irq(f->p, 0, 1);
	assert_int_equal(pic__ack_pending(f->p), -1);
}

static void test_auto_eoi(void **state)
{
	struct fixture *f = *state;

	init_pair(f, PIC_ICW4_8086 | PIC_ICW4_AEOI);
	pic__set_irq(f->p, 3, 1);
	pic__set_irq(f->p, 5, 1);
	assert_int_equal(pic__ack(f->p), MBASE + 3);
	assert_int_equal(read_isr(f, false), 0);
	assert_true(pic__output(f->p)); /* nothing blocks IRQ5 */
	assert_int_equal(pic__ack(f->p), MBASE + 5);
	/* Two slave requests: the second is not lost after an AEOI ack. */
	pic__set_irq(f->p, 9, 1);
	pic__set_irq(f->p, 10, 1);
	assert_int_equal(pic__ack(f->p), SBASE + 1);
	assert_true(pic__output(f->p));
	assert_int_equal(pic__ack(f->p), SBASE + 2);
	assert_false(pic__output(f->p));
}

static void test_specific_eoi_and_rotation(void **state)
{
	struct fixture *f = *state;

	init_pair(f, PIC_ICW4_8086);
	pic__set_irq(f->p, 1, 1);
	pic__set_irq(f->p, 3, 1);
	assert_int_equal(pic__ack(f->p), MBASE + 1);
	/* Rotate on specific EOI: IRQ1 becomes the lowest priority. */
	wr(f, false, PIC_CMD, PIC_OCW2_ROT_SPEC_EOI | 1);
	assert_int_equal(read_isr(f, false), 0);
	pic__set_irq(f->p, 1, 0);
	pic__set_irq(f->p, 1, 1);
	assert_int_equal(pic__ack(f->p), MBASE + 3);
	/* IRQ3 in service; IRQ1 (now lowest) is blocked. */
	assert_false(pic__output(f->p));
	wr(f, false, PIC_CMD, PIC_OCW2_SPEC_EOI | 3);
	assert_int_equal(read_isr(f, false), 0);
	assert_int_equal(pic__ack(f->p), MBASE + 1);
	/* Rotate on non-specific EOI: 1 done and lowest, 2 now highest. */
	wr(f, false, PIC_CMD, PIC_OCW2_ROT_NONSPEC);
	assert_int_equal(read_isr(f, false), 0);
	pic__set_irq(f->p, 0, 1);
	pic__set_irq(f->p, 6, 1);
	assert_int_equal(pic__ack(f->p), MBASE + 6);
	wr(f, false, PIC_CMD, PIC_OCW2_SPEC_EOI | 6);
	/* Set priority: 5 lowest, so 6 highest, then 7, then 0. */
	wr(f, false, PIC_CMD, PIC_OCW2_SET_PRIO | 5);
	pic__set_irq(f->p, 6, 0);
	pic__set_irq(f->p, 6, 1);
	assert_int_equal(pic__ack(f->p), MBASE + 6);
	assert_false(pic__output(f->p)); /* 0 is below 6 in service */
	eoi(f, false);
	assert_int_equal(pic__ack(f->p), MBASE + 0);
}

static void test_rotate_in_auto_eoi(void **state)
{
	struct fixture *f = *state;

	init_pair(f, PIC_ICW4_8086 | PIC_ICW4_AEOI);
	wr(f, false, PIC_CMD, PIC_OCW2_ROT_AEOI_SET);
	pic__set_irq(f->p, 0, 1);
	pic__set_irq(f->p, 4, 1);
	assert_int_equal(pic__ack(f->p), MBASE + 0);
	/* 0 is now the lowest; a new IRQ0 loses to IRQ4. */
	pic__set_irq(f->p, 0, 0);
	pic__set_irq(f->p, 0, 1);
	assert_int_equal(pic__ack(f->p), MBASE + 4);
	wr(f, false, PIC_CMD, PIC_OCW2_ROT_AEOI_CLR);
	assert_int_equal(pic__ack(f->p), MBASE + 0);
}

static void test_poll(void **state)
{
	struct fixture *f = *state;

	init_pair(f, PIC_ICW4_8086);
	wr(f, false, PIC_CMD, PIC_OCW3_POLL);
	assert_int_equal(rd(f, false, PIC_CMD), 0x00);
	pic__set_irq(f->p, 6, 1);
	wr(f, false, PIC_CMD, PIC_OCW3_POLL);
	assert_int_equal(rd(f, false, PIC_CMD), 0x86);
	assert_int_equal(read_isr(f, false), 0x40);
	assert_false(pic__output(f->p));
	/* Poll mode lasts one read. */
	assert_int_equal(rd(f, false, PIC_DATA), 0x00);
}

static void test_elcr_level(void **state)
{
	struct fixture *f = *state;
	uint8_t v[2] = { 0xff, 0xff };

	pic__elcr_io(f->p, 0, v, 2, true);
	pic__elcr_io(f->p, 0, v, 2, false);
	assert_int_equal(v[0], PIC_ELCR_MASTER_MASK);
	assert_int_equal(v[1], PIC_ELCR_SLAVE_MASK);
	v[0] = 0;
	v[1] = 1u << 3; /* IRQ11 level */
	pic__elcr_io(f->p, 0, v, 2, true);
	init_pair(f, PIC_ICW4_8086);

	pic__set_irq(f->p, 11, 1);
	assert_int_equal(pic__ack(f->p), SBASE + 3);
	/* A level request stays in IRR while the line is high. */
	assert_int_equal(read_irr(f, true), 0x08);
	eoi(f, true);
	eoi(f, false);
	assert_true(pic__output(f->p)); /* still asserted: requests again */
	pic__set_irq(f->p, 11, 0);
	assert_false(pic__output(f->p));
	assert_int_equal(read_irr(f, true), 0x00);
}

static void test_real_mode_init(void **state)
{
	struct fixture *f = *state;

	/* A BIOS-less real-mode guest: master at 0x08, slave at 0x70. */
	wr(f, false, PIC_CMD, 0x11);
	wr(f, false, PIC_DATA, 0x08);
	wr(f, false, PIC_DATA, 0x04);
	wr(f, false, PIC_DATA, 0x01);
	wr(f, true, PIC_CMD, 0x11);
	wr(f, true, PIC_DATA, 0x70);
	wr(f, true, PIC_DATA, 0x02);
	wr(f, true, PIC_DATA, 0x01);
	assert_int_equal(rd(f, false, PIC_DATA), 0x00); /* ICW1 cleared IMR */
	pic__set_irq(f->p, 0, 1);
	assert_int_equal(pic__ack(f->p), 0x08);
	eoi(f, false);
	pic__set_irq(f->p, 14, 1);
	assert_int_equal(pic__ack(f->p), 0x76);
}

static void test_icw1_resets_edge_sense(void **state)
{
	struct fixture *f = *state;

	init_pair(f, PIC_ICW4_8086);
	pic__set_irq(f->p, 4, 1);
	wr(f, false, PIC_DATA, 0x5a);
	init_pair(f, PIC_ICW4_8086);
	/* The request was dropped and a held-high line needs a new edge. */
	assert_int_equal(read_irr(f, false), 0);
	assert_false(pic__output(f->p));
	pic__set_irq(f->p, 4, 0);
	pic__set_irq(f->p, 4, 1);
	assert_int_equal(pic__ack(f->p), MBASE + 4);
	/* Without IC4, ICW4 is skipped and the next data write is IMR. */
	wr(f, false, PIC_CMD, 0x10);
	wr(f, false, PIC_DATA, 0x20);
	wr(f, false, PIC_DATA, 0x04);
	wr(f, false, PIC_DATA, 0xf0);
	assert_int_equal(rd(f, false, PIC_DATA), 0xf0);
}

static void test_special_mask_mode(void **state)
{
	struct fixture *f = *state;

	init_pair(f, PIC_ICW4_8086);
	pic__set_irq(f->p, 1, 1);
	assert_int_equal(pic__ack(f->p), MBASE + 1);
	pic__set_irq(f->p, 5, 1);
	assert_false(pic__output(f->p));
	/* Special mask mode: masking IRQ1 lets lower levels through. */
	wr(f, false, PIC_CMD, PIC_OCW3_SMM_SET);
	wr(f, false, PIC_DATA, 0x02);
	assert_true(pic__output(f->p));
	assert_int_equal(pic__ack(f->p), MBASE + 5);
	wr(f, false, PIC_CMD, PIC_OCW3_SMM_CLR);
	wr(f, false, PIC_DATA, 0x00);
	assert_int_equal(read_isr(f, false), 0x22);
}

static void test_special_fully_nested(void **state)
{
	struct fixture *f = *state;

	/* Master in SFNM: a higher slave request nests inside a slave
	 * interrupt in service. */
	init_pair(f, PIC_ICW4_8086 | PIC_ICW4_SFNM);
	pic__set_irq(f->p, 12, 1);
	assert_int_equal(pic__ack(f->p), SBASE + 4);
	pic__set_irq(f->p, 9, 1);
	assert_true(pic__output(f->p));
	assert_int_equal(pic__ack(f->p), SBASE + 1);
	/* Without SFNM it waits for the master's EOI. */
	init_pair(f, PIC_ICW4_8086);
	pic__set_irq(f->p, 12, 0);
	pic__set_irq(f->p, 12, 1);
	assert_int_equal(pic__ack(f->p), SBASE + 4);
	pic__set_irq(f->p, 9, 0);
	pic__set_irq(f->p, 9, 1);
	assert_false(pic__output(f->p));
	eoi(f, false);
	assert_true(pic__output(f->p));
}

static void test_irq2_and_range_ignored(void **state)
{
	struct fixture *f = *state;

	init_pair(f, PIC_ICW4_8086);
	pic__set_irq(f->p, 2, 1);
	pic__set_irq(f->p, 16, 1);
	assert_false(pic__output(f->p));
	assert_int_equal(f->n, 0);
}

/* Threads raising, acknowledging and EOIing at once: intr reports stay
 * ordered, so the last level reported is the output's. */
struct race {
	struct pic *p;
	bool level; /* written by intr, one caller at a time */
	int changes;
};

static void race_intr(void *ctx, bool level)
{
	struct race *r = ctx;

	r->level = level;
	r->changes++;
}

static void *race_thread(void *arg)
{
	struct race *r = arg;
	uint8_t v;

	for (unsigned i = 0; i < 20000; i++) {
		unsigned irq = (i * 7 + 3) % 16;

		pic__set_irq(r->p, irq, 1);
		pic__set_irq(r->p, irq, 0);
		if (pic__output(r->p) && pic__ack(r->p) >= SBASE) {
			v = PIC_OCW2_NONSPEC_EOI;
			pic__slave_io(r->p, PIC_CMD, &v, 1, true);
		}
		v = PIC_OCW2_NONSPEC_EOI;
		pic__master_io(r->p, PIC_CMD, &v, 1, true);
	}
	return NULL;
}

static void test_threads_keep_reports_ordered(void **state)
{
	struct fixture *f = *state;
	struct race r = { .p = pic__new(race_intr, &r) };
	struct pic *own = f->p;
	pthread_t t[4];

	assert_non_null(r.p);
	f->p = r.p; /* init_pair on this pair */
	init_pair(f, PIC_ICW4_8086);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, race_thread, &r), 0);
	for (unsigned i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	assert_true(r.changes > 0);
	assert_int_equal(r.level, pic__output(r.p));
	/* Drain: acknowledge and EOI whatever is left. */
	for (unsigned i = 0; i < 32 && pic__output(r.p); i++) {
		if (pic__ack(r.p) >= SBASE)
			eoi(f, true);
		eoi(f, false);
	}
	assert_false(pic__output(r.p));
	assert_false(r.level);
	pic__free(r.p);
	f->p = own;
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_edge_ack_eoi),
		T(test_pulse_is_latched),
		T(test_intr_reports_changes_in_order),
		T(test_imr_masks),
		T(test_priority_and_nesting),
		T(test_cascade),
		T(test_slave_mask),
		T(test_spurious),
		T(test_ack_pending),
		T(test_auto_eoi),
		T(test_specific_eoi_and_rotation),
		T(test_rotate_in_auto_eoi),
		T(test_poll),
		T(test_elcr_level),
		T(test_real_mode_init),
		T(test_icw1_resets_edge_sense),
		T(test_special_mask_mode),
		T(test_special_fully_nested),
		T(test_irq2_and_range_ignored),
		T(test_threads_keep_reports_ordered),
	};
	return cmocka_run_group_tests_name("i8259", tests, NULL, NULL);
}
