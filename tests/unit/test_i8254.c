/* test_i8254.c - black-box tests of the 8254 PIT (src/devices/irq/i8254.c),
 * driven by a fake clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "devices/irq/i8254.h"

#define T0 1000000ull /* the clock at pit__new, ns */

struct fixture {
	struct pit *p;
	uint64_t now;
	int rearms;
	int events[512]; /* irq0 levels, in order */
	int n;
};

static uint64_t fake_now(void *ctx)
{
	return ((struct fixture *)ctx)->now;
}

static void fake_rearm(void *ctx)
{
	((struct fixture *)ctx)->rearms++;
}

static void fake_irq(void *ctx, unsigned line, int level)
{
	struct fixture *f = ctx;

	assert_int_equal(line, 0);
	assert_true(f->n < (int)(sizeof(f->events) / sizeof(f->events[0])));
	f->events[f->n++] = level;
}

static int setup(void **state)
{
	struct fixture *f = test_calloc(1, sizeof(*f));
	struct irq_line irq0;
	struct pit_clock clock;

	if (!f)
		return -1;
	f->now = T0;
	irq0 = (struct irq_line){ .set = fake_irq, .ctx = f, .line = 0 };
	clock = (struct pit_clock){ .now = fake_now, .rearm = fake_rearm, .ctx = f };
	f->p = pit__new(&irq0, &clock);
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

	pit__free(f->p);
	test_free(f);
	return 0;
}

/* The first time after a start at which n PIT clocks have passed. */
static uint64_t ns_for(uint64_t clocks)
{
	return (clocks * 1000000000ull + PIT_FREQ_HZ - 1) / PIT_FREQ_HZ;
}

static void wr(struct fixture *f, unsigned port, uint8_t v)
{
	pit__io(f->p, port, &v, 1, true);
}

static uint8_t rd(struct fixture *f, unsigned port)
{
	uint8_t v = 0x5a;

	pit__io(f->p, port, &v, 1, false);
	return v;
}

static void wr61(struct fixture *f, uint8_t v)
{
	pit__port61_io(f->p, 0, &v, 1, true);
}

static uint8_t rd61(struct fixture *f)
{
	uint8_t v = 0x5a;

	pit__port61_io(f->p, 0, &v, 1, false);
	return v;
}

static bool out2(struct fixture *f)
{
	return (rd61(f) & PIT_P61_OUT2) != 0;
}

static void program(struct fixture *f, unsigned ch, unsigned mode, uint16_t count)
{
	wr(f, PIT_CONTROL, (uint8_t)(ch << 6 | PIT_RW_WORD << 4 | mode << 1));
	wr(f, ch, (uint8_t)count);
	wr(f, ch, (uint8_t)(count >> 8));
}

static uint16_t read_word(struct fixture *f, unsigned ch)
{
	uint8_t lo = rd(f, ch);

	return (uint16_t)(lo | rd(f, ch) << 8);
}

/* irq0 pulses so far, checking each is a 1 then a 0. */
static int pulses(struct fixture *f)
{
	assert_int_equal(f->n % 2, 0);
	for (int i = 0; i < f->n; i += 2) {
		assert_int_equal(f->events[i], 1);
		assert_int_equal(f->events[i + 1], 0);
	}
	return f->n / 2;
}

static void test_power_on_state(void **state)
{
	struct fixture *f = *state;

	/* Channel 0 in mode 3 with count 65536: 18.2 Hz from power-on. */
	assert_int_equal(pit__next_deadline(f->p), T0 + ns_for(65536));
	assert_int_equal(ns_for(65536), 54925402);
	wr(f, PIT_CONTROL, PIT_READBACK | PIT_RB_NOCOUNT | PIT_RB_CNT(0));
	assert_int_equal(rd(f, 0), PIT_ST_OUT | PIT_RW_WORD << 4 | 3 << 1);
	/* Channel 2's gate is low after reset. */
	assert_int_equal(rd61(f) & PIT_P61_GATE2, 0);
}

static void test_mode2_periodic_irq0(void **state)
{
	struct fixture *f = *state;
	const uint16_t count = 1193; /* ~1000 Hz */
	uint64_t start, dl;
	int before = f->rearms;

	f->now = 5000000;
	start = f->now;
	program(f, 0, 2, count);
	assert_true(f->rearms > before);
	dl = pit__next_deadline(f->p);
	assert_int_equal(dl, start + ns_for(count));
	assert_int_equal(dl - start, 999848);

	pit__tick(f->p, dl - 1);
	assert_int_equal(pulses(f), 0);
	for (unsigned k = 1; k <= 100; k++) {
		dl = pit__next_deadline(f->p);
		assert_int_equal(dl, start + ns_for((uint64_t)k * count));
		pit__tick(f->p, dl);
		assert_int_equal(pulses(f), (int)k);
		pit__tick(f->p, dl); /* the same edge is not reported twice */
		assert_int_equal(pulses(f), (int)k);
	}
	/* About 100 ms for 100 periods. */
	assert_true(dl - start > 99980000 && dl - start < 99990000);
}

static void test_late_tick_coalesces(void **state)
{
	struct fixture *f = *state;
	uint64_t start = f->now;

	program(f, 0, 2, 1000);
	pit__tick(f->p, start + ns_for(10 * 1000) + 5);
	assert_int_equal(pulses(f), 1);
	assert_int_equal(pit__next_deadline(f->p), start + ns_for(11 * 1000));
}

static void test_mode3_period_and_out(void **state)
{
	struct fixture *f = *state;
	uint64_t start;

	/* Channel 0 mode 3, count 100: a rising edge every 100 clocks. */
	program(f, 0, 3, 100);
	start = f->now;
	assert_int_equal(pit__next_deadline(f->p), start + ns_for(100));
	pit__tick(f->p, start + ns_for(100));
	assert_int_equal(pit__next_deadline(f->p), start + ns_for(200));

	/* Channel 2 through port 0x61: even count high 50, low 50 clocks. */
	wr61(f, PIT_P61_GATE2);
	program(f, 2, 3, 100);
	start = f->now;
	assert_true(out2(f));
	f->now = start + ns_for(50) - 1;
	assert_true(out2(f));
	f->now = start + ns_for(50);
	assert_false(out2(f));
	f->now = start + ns_for(100) - 1;
	assert_false(out2(f));
	f->now = start + ns_for(100);
	assert_true(out2(f));
	/* Odd count: high (N+1)/2, low (N-1)/2. */
	program(f, 2, 3, 101);
	start = f->now;
	f->now = start + ns_for(51) - 1;
	assert_true(out2(f));
	f->now = start + ns_for(51);
	assert_false(out2(f));
	f->now = start + ns_for(101) - 1;
	assert_false(out2(f));
	f->now = start + ns_for(101);
	assert_true(out2(f));
}

static void test_mode0_one_shot(void **state)
{
	struct fixture *f = *state;
	uint64_t start = f->now, dl;

	program(f, 0, 0, 1000);
	dl = pit__next_deadline(f->p);
	assert_int_equal(dl, start + ns_for(1000));
	pit__tick(f->p, dl - 1);
	assert_int_equal(pulses(f), 0);
	f->now = dl - 1;
	wr(f, PIT_CONTROL, 0x00); /* latch */
	assert_int_equal(read_word(f, 0), 1);
	pit__tick(f->p, dl);
	assert_int_equal(pulses(f), 1);
	assert_int_equal(pit__next_deadline(f->p), UINT64_MAX);
	pit__tick(f->p, dl + 100000000);
	assert_int_equal(pulses(f), 1);
	/* The counter wraps past zero and keeps counting. */
	f->now = start + ns_for(1001);
	assert_int_equal(read_word(f, 0), 0xffff);
	/* A new count re-arms it. */
	program(f, 0, 0, 10);
	assert_int_equal(pit__next_deadline(f->p), f->now + ns_for(10));
}

static void test_mode4_strobe(void **state)
{
	struct fixture *f = *state;
	uint64_t start = f->now;

	/* OUT goes low for one clock at terminal count: the rising edge is
	 * one clock after it. */
	program(f, 0, 4, 50);
	assert_int_equal(pit__next_deadline(f->p), start + ns_for(51));
	pit__tick(f->p, start + ns_for(51));
	assert_int_equal(pulses(f), 1);
	assert_int_equal(pit__next_deadline(f->p), UINT64_MAX);
	/* Seen on channel 2 with its gate high. */
	wr61(f, PIT_P61_GATE2);
	program(f, 2, 4, 50);
	start = f->now;
	f->now = start + ns_for(50) - 1;
	assert_true(out2(f));
	f->now = start + ns_for(50);
	assert_false(out2(f));
	f->now = start + ns_for(51);
	assert_true(out2(f));
}

static void test_control_word_disarms(void **state)
{
	struct fixture *f = *state;

	program(f, 0, 2, 100);
	assert_true(pit__next_deadline(f->p) != UINT64_MAX);
	wr(f, PIT_CONTROL, 0x34); /* mode 2, no count yet */
	assert_int_equal(pit__next_deadline(f->p), UINT64_MAX);
	pit__tick(f->p, f->now + 1000000000);
	assert_int_equal(pulses(f), 0);
}

static void test_latch_and_lohi_reads(void **state)
{
	struct fixture *f = *state;
	uint64_t start;

	program(f, 0, 2, 0x1234);
	start = f->now;
	f->now = start + ns_for(0x100);
	wr(f, PIT_CONTROL, 0x00); /* counter latch, channel 0 */
	f->now = start + ns_for(0x200);
	wr(f, PIT_CONTROL, 0x00); /* a second latch does not overwrite */
	assert_int_equal(read_word(f, 0), 0x1134);
	/* Unlatched: the live count, LSB then MSB. */
	assert_int_equal(read_word(f, 0), 0x1034);
	/* Latch, read the LSB only, then the MSB still comes from the latch. */
	wr(f, PIT_CONTROL, 0x00);
	assert_int_equal(rd(f, 0), 0x34);
	f->now = start + ns_for(0x300);
	assert_int_equal(rd(f, 0), 0x10);
	assert_int_equal(read_word(f, 0), 0x0f34);

	/* LSB-only access. */
	wr(f, PIT_CONTROL, 0 << 6 | PIT_RW_LSB << 4 | 2 << 1);
	wr(f, 0, 200);
	start = f->now;
	f->now = start + ns_for(10);
	assert_int_equal(rd(f, 0), 190);
	assert_int_equal(rd(f, 0), 190);
	assert_int_equal(pit__next_deadline(f->p), start + ns_for(200));
	/* MSB-only access: count 0x0300. */
	wr(f, PIT_CONTROL, 0 << 6 | PIT_RW_MSB << 4 | 2 << 1);
	wr(f, 0, 0x03);
	start = f->now;
	assert_int_equal(pit__next_deadline(f->p), start + ns_for(0x300));
	f->now = start + ns_for(0x101);
	assert_int_equal(rd(f, 0), 0x01);
	wr(f, PIT_CONTROL, 0x00);
	assert_int_equal(rd(f, 0), 0x01); /* latched MSB, one read */
	f->now = start + ns_for(0x201);
	assert_int_equal(rd(f, 0), 0x00);
}

static void test_port61_out2_mode0_10ms(void **state)
{
	struct fixture *f = *state;
	const uint16_t count = 11932; /* ~10 ms */
	uint64_t start;
	uint8_t v;

	/* Linux's pit_calibrate_tsc: gate on, speaker off, mode 0. */
	wr61(f, (uint8_t)((rd61(f) & ~PIT_P61_SPEAKER) | PIT_P61_GATE2));
	wr(f, PIT_CONTROL, 0xb0);
	f->now += 12345;
	wr(f, PIT_COUNTER2, (uint8_t)count);
	/* Writing the LSB in mode 0 holds OUT low. */
	assert_false(out2(f));
	wr(f, PIT_COUNTER2, (uint8_t)(count >> 8));
	start = f->now;
	assert_int_equal(ns_for(count), 10000151);
	assert_false(out2(f));
	f->now = start + ns_for(count / 2);
	assert_false(out2(f));
	f->now = start + ns_for(count) - 1;
	assert_false(out2(f));
	f->now = start + ns_for(count);
	assert_true(out2(f));
	f->now += 1000000000;
	assert_true(out2(f));
	/* Channel 2 never drives irq0. */
	pit__tick(f->p, f->now);
	assert_int_equal(pulses(f), 1); /* channel 0's power-on mode 3 */

	/* Bits 0-3 read back, bit 4 toggles on every read. */
	wr61(f, 0x0d);
	v = rd61(f);
	assert_int_equal(v & 0x0f, 0x0d);
	assert_int_not_equal(v & PIT_P61_REFRESH, rd61(f) & PIT_P61_REFRESH);
	assert_int_equal(v & PIT_P61_REFRESH, rd61(f) & PIT_P61_REFRESH);
}

static void test_gate_suspends_mode0(void **state)
{
	struct fixture *f = *state;
	uint64_t start;

	wr61(f, PIT_P61_GATE2);
	program(f, 2, 0, 1000);
	start = f->now;
	f->now = start + ns_for(400);
	wr61(f, 0); /* gate low at 400 clocks: counting stops */
	f->now += 5000000;
	wr(f, PIT_CONTROL, 0x80);
	assert_int_equal(read_word(f, 2), 600);
	assert_false(out2(f));
	start = f->now;
	wr61(f, PIT_P61_GATE2); /* resumes from 600 */
	f->now = start + ns_for(600) - 1;
	assert_false(out2(f));
	f->now = start + ns_for(600);
	assert_true(out2(f));
}

static void test_gate_mode2_restarts(void **state)
{
	struct fixture *f = *state;
	uint64_t start;

	wr61(f, PIT_P61_GATE2);
	program(f, 2, 2, 100);
	start = f->now;
	/* OUT low for the one clock where the count is 1. */
	f->now = start + ns_for(99) - 1;
	assert_true(out2(f));
	f->now = start + ns_for(99);
	assert_false(out2(f));
	wr61(f, 0); /* gate low: OUT high at once */
	assert_true(out2(f));
	f->now += 100000;
	start = f->now;
	wr61(f, PIT_P61_GATE2); /* rising gate reloads */
	f->now = start + ns_for(10);
	assert_int_equal(read_word(f, 2), 90);
}

static void test_readback_status(void **state)
{
	struct fixture *f = *state;
	uint64_t start;

	wr(f, PIT_CONTROL, 0x34);
	wr(f, PIT_CONTROL, PIT_READBACK | PIT_RB_NOCOUNT | PIT_RB_CNT(0));
	/* OUT high, null count: no count written since the control word. */
	assert_int_equal(rd(f, 0), PIT_ST_OUT | PIT_ST_NULLCOUNT | 0x34);
	wr(f, 0, 0x00);
	wr(f, 0, 0x10); /* 4096 */
	start = f->now;
	f->now = start + ns_for(96);
	/* Count and status of channel 0: status first, then the count. */
	wr(f, PIT_CONTROL, PIT_READBACK | PIT_RB_CNT(0));
	f->now = start + ns_for(500);
	assert_int_equal(rd(f, 0), PIT_ST_OUT | 0x34);
	assert_int_equal(read_word(f, 0), 4000);
	assert_int_equal(read_word(f, 0), 3596); /* the latch is used up */

	/* Mode 0 channel 2: OUT low until terminal count. */
	wr61(f, PIT_P61_GATE2);
	program(f, 2, 0, 20);
	start = f->now;
	wr(f, PIT_CONTROL, PIT_READBACK | PIT_RB_NOCOUNT | PIT_RB_CNT(2));
	assert_int_equal(rd(f, 2), 0x30);
	f->now = start + ns_for(20);
	/* Two channels at once; the first latch holds until read. */
	wr(f, PIT_CONTROL, PIT_READBACK | PIT_RB_NOCOUNT | PIT_RB_CNT(0) | PIT_RB_CNT(2));
	wr(f, PIT_CONTROL, PIT_READBACK | PIT_RB_NOCOUNT | PIT_RB_CNT(2));
	assert_int_equal(rd(f, 2), PIT_ST_OUT | 0x30);
	assert_int_equal(rd(f, 0), PIT_ST_OUT | 0x34);
	/* Nothing latched any more: the live count. */
	assert_int_equal(read_word(f, 2), 0);
}

static void test_bcd(void **state)
{
	struct fixture *f = *state;
	uint64_t start;

	/* Mode 2, BCD, count 0100 (decimal 100). */
	wr(f, PIT_CONTROL, 0x35);
	wr(f, 0, 0x00);
	wr(f, 0, 0x01);
	start = f->now;
	assert_int_equal(pit__next_deadline(f->p), start + ns_for(100));
	f->now = start + ns_for(1);
	assert_int_equal(read_word(f, 0), 0x0099);
	f->now = start + ns_for(58);
	assert_int_equal(read_word(f, 0), 0x0042);
	/* BCD count 0 is 10000. */
	wr(f, PIT_CONTROL, 0x35);
	wr(f, 0, 0x00);
	wr(f, 0, 0x00);
	assert_int_equal(pit__next_deadline(f->p), f->now + ns_for(10000));
}

static void test_wide_and_bad_accesses(void **state)
{
	struct fixture *f = *state;
	uint8_t d[2] = { 0, 0 };

	pit__io(f->p, PIT_CONTROL, d, 2, false);
	assert_int_equal(d[0], 0xff); /* control is write-only */
	assert_int_equal(d[1], 0xff);
	pit__io(f->p, 7, d, 1, false);
	assert_int_equal(d[0], 0xff);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_power_on_state),
		T(test_mode2_periodic_irq0),
		T(test_late_tick_coalesces),
		T(test_mode3_period_and_out),
		T(test_mode0_one_shot),
		T(test_mode4_strobe),
		T(test_control_word_disarms),
		T(test_latch_and_lohi_reads),
		T(test_port61_out2_mode0_10ms),
		T(test_gate_suspends_mode0),
		T(test_gate_mode2_restarts),
		T(test_readback_status),
		T(test_bcd),
		T(test_wide_and_bad_accesses),
	};
	return cmocka_run_group_tests_name("i8254", tests, NULL, NULL);
}
