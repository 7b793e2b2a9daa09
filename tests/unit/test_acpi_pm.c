/* test_acpi_pm.c - tests of the ACPI PM block and 0xCF9 reset (src/devices/legacy/acpi_pm.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "devices/legacy/acpi_pm.h"

#include <string.h>

#define NS_PER_S 1000000000ULL

/* The fake clock the device reads; tests move it. */
static uint64_t fake_ns;

static uint64_t fake_now(void)
{
	return fake_ns;
}

struct fixture {
	struct pm *pm;
	/* machine requests, in order */
	enum machine_req req[16];
	int nreq;
	/* SCI level changes */
	int sci_events[16];
	int nsci;
	int sci_level;
	unsigned sci_line;
};

static void fake_request(void *ctx, enum machine_req req, unsigned value)
{
	struct fixture *f = ctx;

	assert_true(f->nreq < 16);
	f->req[f->nreq++] = req;
}

static void fake_sci(void *ctx, unsigned line, int level)
{
	struct fixture *f = ctx;

	assert_true(f->nsci < 16);
	f->sci_events[f->nsci++] = level;
	f->sci_level = level;
	f->sci_line = line;
}

static int setup(void **state)
{
	struct fixture *f = test_calloc(1, sizeof(*f));
	struct irq_line sci;
	struct machine_ctl ctl;

	if (!f)
		return -1;
	fake_ns = 123 * NS_PER_S; /* the machine starts late in host time */
	sci = (struct irq_line){ .set = fake_sci, .ctx = f, .line = PM_SCI_IRQ };
	ctl = (struct machine_ctl){ .request = fake_request, .ctx = f };
	f->pm = pm__new(&sci, &ctl, fake_now);
	if (!f->pm) {
		test_free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	pm__free(f->pm);
	test_free(f);
	return 0;
}

static uint32_t rd(struct fixture *f, unsigned off, unsigned len)
{
	uint8_t d[4] = { 0x5a, 0x5a, 0x5a, 0x5a };
	uint32_t v = 0;

	pm__io(f->pm, off, d, len, false);
	for (unsigned i = 0; i < len; i++)
		v |= (uint32_t)d[i] << (8 * i);
	return v;
}

static void wr(struct fixture *f, unsigned off, uint32_t v, unsigned len)
{
	uint8_t d[4];

	for (unsigned i = 0; i < 4; i++)
		d[i] = (uint8_t)(v >> (8 * i));
	pm__io(f->pm, off, d, len, true);
}

static uint16_t slp(unsigned typ, bool en)
{
	return (uint16_t)((typ << PM1_CNT_SLP_SHIFT) | (en ? PM1_CNT_SLP_EN : 0));
}

static void test_sci_en_always_reads_one(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(rd(f, PM1_CNT, 2), PM1_CNT_SCI_EN);
	wr(f, PM1_CNT, 0, 2);
	assert_int_equal(rd(f, PM1_CNT, 2) & PM1_CNT_SCI_EN, PM1_CNT_SCI_EN);
	assert_int_equal(rd(f, PM1_CNT, 1), PM1_CNT_SCI_EN);
	/* BM_RLD and SLP_TYP read back; SLP_EN and GBL_RLS are write-only. */
	wr(f, PM1_CNT, PM1_CNT_BM_RLD | PM1_CNT_GBL_RLS | slp(3, false), 2);
	assert_int_equal(rd(f, PM1_CNT, 2), PM1_CNT_SCI_EN | PM1_CNT_BM_RLD | slp(3, false));
	assert_int_equal(f->nreq, 0);
}

static void test_s5_with_slp_en_powers_off(void **state)
{
	struct fixture *f = *state;

	/* ACPICA writes SLP_TYP first, then SLP_TYP | SLP_EN. */
	wr(f, PM1_CNT, slp(PM_SLP_TYP_S5, false), 2);
	assert_int_equal(f->nreq, 0);
	wr(f, PM1_CNT, slp(PM_SLP_TYP_S5, true), 2);
	assert_int_equal(f->nreq, 1);
	assert_int_equal(f->req[0], MACHINE_POWEROFF);
	/* SLP_EN does not stick. */
	assert_int_equal(rd(f, PM1_CNT, 2) & PM1_CNT_SLP_EN, 0);
}

static void test_s5_by_high_byte_write(void **state)
{
	struct fixture *f = *state;

	/* SLP_TYP and SLP_EN both live in the high byte. */
	wr(f, PM1_CNT + 1, slp(PM_SLP_TYP_S5, true) >> 8, 1);
	assert_int_equal(f->nreq, 1);
	assert_int_equal(f->req[0], MACHINE_POWEROFF);
}

static void test_s5_by_dword_write(void **state)
{
	struct fixture *f = *state;

	/* A dword at PM1_CNT also covers the two unused ports after it. */
	wr(f, PM1_CNT, 0xffff0000u | slp(PM_SLP_TYP_S5, true), 4);
	assert_int_equal(f->nreq, 1);
	assert_int_equal(f->req[0], MACHINE_POWEROFF);
}

static void test_other_sleep_types_wake_at_once(void **state)
{
	struct fixture *f = *state;

	for (unsigned typ = 0; typ < 8; typ++) {
		if (typ == PM_SLP_TYP_S5)
			continue;
		wr(f, PM1_STS, PM1_WAK_STS, 2);
		assert_int_equal(rd(f, PM1_STS, 2) & PM1_WAK_STS, 0);
		wr(f, PM1_CNT, slp(typ, true), 2);
		assert_int_equal(f->nreq, 0);
		assert_int_equal(rd(f, PM1_STS, 2) & PM1_WAK_STS, PM1_WAK_STS);
	}
	/* S5's type without SLP_EN does nothing either. */
	wr(f, PM1_CNT, slp(PM_SLP_TYP_S5, false), 2);
	wr(f, PM1_CNT + 1, slp(PM_SLP_TYP_S5, false) >> 8, 1);
	assert_int_equal(f->nreq, 0);
	/* Nor does SLP_EN alone written to the low byte (no SLP_EN there). */
	wr(f, PM1_CNT, 0xff, 1);
	assert_int_equal(f->nreq, 0);
}

static void test_power_button_status_enable_and_sci(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(rd(f, PM1_STS, 2), 0);
	pm__power_button(f->pm);
	assert_int_equal(rd(f, PM1_STS, 2), PM1_PWRBTN);
	assert_int_equal(f->nsci, 0); /* not enabled */

	wr(f, PM1_EN, PM1_PWRBTN, 2);
	assert_int_equal(rd(f, PM1_EN, 2), PM1_PWRBTN);
	assert_int_equal(f->nsci, 1);
	assert_int_equal(f->sci_level, 1);
	assert_int_equal(f->sci_line, PM_SCI_IRQ);

	/* Writing 0 clears nothing; writing 1 to another bit neither. */
	wr(f, PM1_STS, 0, 2);
	wr(f, PM1_STS, PM1_SLPBTN, 2);
	assert_int_equal(rd(f, PM1_STS, 2), PM1_PWRBTN);
	assert_int_equal(f->sci_level, 1);
	/* Write-1-to-clear, through the high byte alone. */
	wr(f, PM1_STS + 1, PM1_PWRBTN >> 8, 1);
	assert_int_equal(rd(f, PM1_STS, 2), 0);
	assert_int_equal(f->nsci, 2);
	assert_int_equal(f->sci_level, 0);

	/* Pressed while enabled: the SCI rises at once. */
	pm__power_button(f->pm);
	assert_int_equal(f->nsci, 3);
	assert_int_equal(f->sci_level, 1);
	/* Disabling the event lowers it, the status stays. */
	wr(f, PM1_EN, 0, 2);
	assert_int_equal(f->nsci, 4);
	assert_int_equal(f->sci_level, 0);
	assert_int_equal(rd(f, PM1_STS, 2), PM1_PWRBTN);
}

static void test_event_block_as_one_dword(void **state)
{
	struct fixture *f = *state;

	pm__power_button(f->pm);
	/* Status in the low half, enable in the high half. */
	wr(f, PM1_STS, (uint32_t)PM1_PWRBTN << 16, 4);
	assert_int_equal(rd(f, PM1_STS, 4), (uint32_t)PM1_PWRBTN << 16 | PM1_PWRBTN);
	/* Enable bits outside the defined set stay clear. */
	wr(f, PM1_EN, 0xffff, 2);
	assert_int_equal(rd(f, PM1_EN, 2),
			 PM1_TMR | PM1_GBL | PM1_PWRBTN | PM1_SLPBTN | PM1_RTC | PM1_PCIEXP);
	/* Status is not settable by the guest. */
	wr(f, PM1_STS, 0xffff, 2);
	assert_int_equal(rd(f, PM1_STS, 2), 0);
}

static void test_unused_ports_read_ones(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(rd(f, 6, 2), 0xffff);
	/* A dword at PM1_CNT: the register, then the two unused ports. */
	assert_int_equal(rd(f, PM1_CNT, 4), 0xffff0000u | PM1_CNT_SCI_EN);
}

/* The nanosecond at or after which the timer has counted `ticks`. */
static uint64_t ns_for_ticks(uint64_t ticks)
{
	return (ticks * NS_PER_S + PM_TIMER_HZ - 1) / PM_TIMER_HZ;
}

static void test_timer_rate(void **state)
{
	struct fixture *f = *state;
	uint64_t t0 = fake_ns;

	/* Counts from creation, not from the host clock's origin. */
	assert_int_equal(rd(f, PM_TMR, 4), 0);
	fake_ns = t0 + NS_PER_S;
	assert_int_equal(rd(f, PM_TMR, 4), 3579545);
	fake_ns = t0 + NS_PER_S / 1000;
	assert_int_equal(rd(f, PM_TMR, 4), 3579); /* 3579.545 ticks */
	fake_ns = t0 + 279;                       /* one tick is 279.365 ns */
	assert_int_equal(rd(f, PM_TMR, 4), 0);
	fake_ns = t0 + 280;
	assert_int_equal(rd(f, PM_TMR, 4), 1);
	/* Exactly on the tick boundary, anywhere. */
	for (uint64_t k = 1000; k < 16000000; k += 1234567) {
		fake_ns = t0 + ns_for_ticks(k);
		assert_int_equal(rd(f, PM_TMR, 4), k);
		fake_ns--;
		assert_int_equal(rd(f, PM_TMR, 4), k - 1);
	}
}

static void test_timer_monotonic(void **state)
{
	struct fixture *f = *state;
	uint64_t t0 = fake_ns;
	uint32_t prev = 0, v;

	/* 4 s in 333 us steps: below the 4.69 s wrap, never backwards, and
	 * about 1192 ticks a step. */
	for (uint64_t ns = 0; ns < 4 * NS_PER_S; ns += 333000) {
		fake_ns = t0 + ns;
		v = rd(f, PM_TMR, 4);
		assert_true(v >= prev);
		assert_true(v - prev <= 1193);
		prev = v;
	}
	assert_true(prev > 14000000);
}

static void test_timer_wraps_at_24_bits(void **state)
{
	struct fixture *f = *state;
	uint64_t t0 = fake_ns;

	fake_ns = t0 + ns_for_ticks(PM_TIMER_MASK);
	assert_int_equal(rd(f, PM_TMR, 4), 0xffffff);
	fake_ns = t0 + ns_for_ticks(PM_TIMER_MASK + 1);
	assert_int_equal(rd(f, PM_TMR, 4), 0);
	fake_ns = t0 + ns_for_ticks(PM_TIMER_MASK + 6);
	assert_int_equal(rd(f, PM_TMR, 4), 5);
	/* Bits 31-24 read 0 whatever the uptime: a day, a century. */
	for (uint64_t s = 1; s < 100ULL * 366 * 86400; s = s * 7 + 1) {
		fake_ns = t0 + s * NS_PER_S;
		assert_int_equal(rd(f, PM_TMR, 4) >> 24, 0);
		assert_int_equal(rd(f, PM_TMR, 4), (s * PM_TIMER_HZ) & PM_TIMER_MASK);
	}
}

static void test_timer_bytes_and_read_only(void **state)
{
	struct fixture *f = *state;
	uint64_t t0 = fake_ns;

	fake_ns = t0 + ns_for_ticks(0xabcdef);
	assert_int_equal(rd(f, PM_TMR, 4), 0xabcdef);
	assert_int_equal(rd(f, PM_TMR, 1), 0xef);
	assert_int_equal(rd(f, PM_TMR + 1, 2), 0xabcd);
	assert_int_equal(rd(f, PM_TMR + 3, 1), 0);
	wr(f, PM_TMR, 0, 4);
	assert_int_equal(rd(f, PM_TMR, 4), 0xabcdef);
}

static uint8_t rst_rd(struct fixture *f)
{
	uint8_t v = 0x5a;

	pm__reset_io(f->pm, 0, &v, 1, false);
	return v;
}

static void rst_wr(struct fixture *f, uint8_t v)
{
	pm__reset_io(f->pm, 0, &v, 1, true);
}

static void test_reset_register_cf9(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(rst_rd(f), 0);
	/* Choosing the kind of reset does not reset. */
	rst_wr(f, PM_RST_SYS);
	assert_int_equal(f->nreq, 0);
	assert_int_equal(rst_rd(f), PM_RST_SYS);
	rst_wr(f, 0);
	rst_wr(f, 0xfb); /* everything but RST_CPU */
	assert_int_equal(f->nreq, 0);
	assert_int_equal(rst_rd(f), PM_RST_SYS | PM_RST_FULL);
	/* The FADT's RESET_VALUE, 6: a hard reset. */
	rst_wr(f, PM_RST_SYS | PM_RST_CPU);
	assert_int_equal(f->nreq, 1);
	assert_int_equal(f->req[0], MACHINE_RESET);
	/* A soft one (bit 2 alone) resets too. */
	rst_wr(f, PM_RST_CPU);
	assert_int_equal(f->nreq, 2);
	assert_int_equal(f->req[1], MACHINE_RESET);
	/* RST_CPU itself does not read back. */
	assert_int_equal(rst_rd(f) & PM_RST_CPU, 0);
	/* PM1 power-off was never asked for. */
	for (int i = 0; i < f->nreq; i++)
		assert_int_not_equal(f->req[i], MACHINE_POWEROFF);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_sci_en_always_reads_one),
		T(test_s5_with_slp_en_powers_off),
		T(test_s5_by_high_byte_write),
		T(test_s5_by_dword_write),
		T(test_other_sleep_types_wake_at_once),
		T(test_power_button_status_enable_and_sci),
		T(test_event_block_as_one_dword),
		T(test_unused_ports_read_ones),
		T(test_timer_rate),
		T(test_timer_monotonic),
		T(test_timer_wraps_at_24_bits),
		T(test_timer_bytes_and_read_only),
		T(test_reset_register_cf9),
	};
	return cmocka_run_group_tests_name("acpi_pm", tests, NULL, NULL);
}
