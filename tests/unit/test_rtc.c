/* test_rtc.c - unit tests for the MC146818A CMOS clock model (src/devices/legacy/rtc.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "devices/legacy/rtc.h"

#include <string.h>

#define LEAP_DAY 1709214356 /* 2024-02-29 13:45:56 UTC, a Thursday */
#define JAN_31   1706702400 /* 2024-01-31 12:00:00 UTC */

static time_t fake_time;

static time_t fake_now(void)
{
	return fake_time;
}

static int setup(void **state)
{
	fake_time = LEAP_DAY;
	*state = rtc__new(fake_now);
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	rtc__free(*state);
	return 0;
}

static void sel(struct rtc *r, uint8_t idx)
{
	rtc__io(r, 0, &idx, 1, true);
}

static uint8_t rd(struct rtc *r, uint8_t idx)
{
	uint8_t v = 0x5a;

	sel(r, idx);
	rtc__io(r, 1, &v, 1, false);
	return v;
}

static void wr(struct rtc *r, uint8_t idx, uint8_t v)
{
	sel(r, idx);
	rtc__io(r, 1, &v, 1, true);
}

static void test_bcd_24h_default(void **state)
{
	struct rtc *r = *state;

	assert_int_equal(rd(r, RTC_REG_B), RTC_B_24H);
	assert_int_equal(rd(r, RTC_SECONDS), 0x56);
	assert_int_equal(rd(r, RTC_MINUTES), 0x45);
	assert_int_equal(rd(r, RTC_HOURS), 0x13);
	assert_int_equal(rd(r, RTC_WEEKDAY), 0x05); /* Sunday = 1 */
	assert_int_equal(rd(r, RTC_DAY), 0x29);
	assert_int_equal(rd(r, RTC_MONTH), 0x02);
	assert_int_equal(rd(r, RTC_YEAR), 0x24);
	assert_int_equal(rd(r, RTC_CENTURY), 0x20);
	/* The clock runs with the host's. */
	fake_time += 3;
	assert_int_equal(rd(r, RTC_SECONDS), 0x59);
	fake_time += 1;
	assert_int_equal(rd(r, RTC_SECONDS), 0x00);
	assert_int_equal(rd(r, RTC_MINUTES), 0x46);
}

static void test_binary_mode(void **state)
{
	struct rtc *r = *state;

	wr(r, RTC_REG_B, RTC_B_24H | RTC_B_BINARY);
	assert_int_equal(rd(r, RTC_REG_B), RTC_B_24H | RTC_B_BINARY);
	assert_int_equal(rd(r, RTC_SECONDS), 56);
	assert_int_equal(rd(r, RTC_MINUTES), 45);
	assert_int_equal(rd(r, RTC_HOURS), 13);
	assert_int_equal(rd(r, RTC_WEEKDAY), 5);
	assert_int_equal(rd(r, RTC_DAY), 29);
	assert_int_equal(rd(r, RTC_MONTH), 2);
	assert_int_equal(rd(r, RTC_YEAR), 24);
	assert_int_equal(rd(r, RTC_CENTURY), 20);
	/* And back. */
	wr(r, RTC_REG_B, RTC_B_24H);
	assert_int_equal(rd(r, RTC_MINUTES), 0x45);
}

static void test_12_hour_mode(void **state)
{
	struct rtc *r = *state;

	wr(r, RTC_REG_B, 0);                             /* BCD, 12-hour */
	assert_int_equal(rd(r, RTC_HOURS), 0x80 | 0x01); /* 1 PM */
	assert_int_equal(rd(r, RTC_MINUTES), 0x45);
	wr(r, RTC_REG_B, RTC_B_BINARY);
	assert_int_equal(rd(r, RTC_HOURS), 0x80 | 1);
	fake_time = LEAP_DAY - 13 * 3600 - 45 * 60; /* 00:00:56 */
	assert_int_equal(rd(r, RTC_HOURS), 12);     /* 12 AM */
	fake_time += 11 * 3600;                     /* 11:00:56 */
	assert_int_equal(rd(r, RTC_HOURS), 11);
	fake_time += 3600; /* 12:00:56 */
	assert_int_equal(rd(r, RTC_HOURS), 0x80 | 12);
	wr(r, RTC_REG_B, 0);
	fake_time += 10 * 3600; /* 22:00:56 */
	assert_int_equal(rd(r, RTC_HOURS), 0x80 | 0x10);
	fake_time += 2 * 3600; /* 00:00:56 next day */
	assert_int_equal(rd(r, RTC_HOURS), 0x12);
	assert_int_equal(rd(r, RTC_DAY), 0x01);
	assert_int_equal(rd(r, RTC_MONTH), 0x03);
}

static void test_status_registers(void **state)
{
	struct rtc *r = *state;

	/* A: update-in-progress clear, and read-only. */
	assert_int_equal(rd(r, RTC_REG_A) & 0x80, 0);
	assert_int_equal(rd(r, RTC_REG_A), 0x26);
	wr(r, RTC_REG_A, 0xa6);
	assert_int_equal(rd(r, RTC_REG_A), 0x26);
	wr(r, RTC_REG_A, 0x20);
	assert_int_equal(rd(r, RTC_REG_A), 0x20);
	/* D: valid RAM and time, read-only. */
	assert_int_equal(rd(r, RTC_REG_D), RTC_D_VRT);
	wr(r, RTC_REG_D, 0);
	assert_int_equal(rd(r, RTC_REG_D), RTC_D_VRT);
	/* C: no interrupt flags here, writes cannot set any, reads clear. */
	assert_int_equal(rd(r, RTC_REG_C), 0);
	wr(r, RTC_REG_C, 0xf0);
	assert_int_equal(rd(r, RTC_REG_C), 0);
	assert_int_equal(rd(r, RTC_REG_C), 0);
}

static void test_cmos_ram(void **state)
{
	struct rtc *r = *state;

	wr(r, 0x40, 0x5a);
	wr(r, 0x41, 0xa5);
	wr(r, 0x7f, 0x33);
	wr(r, 0x0e, 0x01);
	assert_int_equal(rd(r, 0x40), 0x5a);
	assert_int_equal(rd(r, 0x41), 0xa5);
	assert_int_equal(rd(r, 0x7f), 0x33);
	assert_int_equal(rd(r, 0x0e), 0x01);
	assert_int_equal(rd(r, 0x42), 0x00);
	/* RAM is not the clock: the time is untouched. */
	assert_int_equal(rd(r, RTC_MINUTES), 0x45);
	assert_int_equal(rd(r, RTC_YEAR), 0x24);
}

static void test_index_port(void **state)
{
	struct rtc *r = *state;
	uint8_t v[2];

	wr(r, 0x40, 0x5a);
	/* Bit 7 of the index masks NMI; it does not select a register. */
	sel(r, 0x80 | 0x40);
	v[0] = 0;
	rtc__io(r, 1, v, 1, false);
	assert_int_equal(v[0], 0x5a);
	sel(r, 0x80 | RTC_MINUTES);
	rtc__io(r, 1, v, 1, false);
	assert_int_equal(v[0], 0x45);
	v[0] = 0x77;
	sel(r, 0x80 | 0x41);
	rtc__io(r, 1, v, 1, true);
	assert_int_equal(rd(r, 0x41), 0x77);
	/* The index port is write-only: reads float high. */
	v[0] = v[1] = 0;
	rtc__io(r, 0, v, 2, false);
	assert_int_equal(v[0], 0xff);
	assert_int_equal(v[1], 0xff);
	/* The index survives data accesses. */
	sel(r, 0x40);
	rtc__io(r, 1, v, 1, false);
	rtc__io(r, 1, v, 1, false);
	assert_int_equal(v[0], 0x5a);
	/* A wide data read gives the register then all ones. */
	rtc__io(r, 1, v, 2, false);
	assert_int_equal(v[0], 0x5a);
	assert_int_equal(v[1], 0xff);
}

static void test_set_minutes_moves_offset(void **state)
{
	struct rtc *r = *state;

	wr(r, RTC_MINUTES, 0x10);
	assert_int_equal(rd(r, RTC_MINUTES), 0x10);
	assert_int_equal(rd(r, RTC_SECONDS), 0x56);
	assert_int_equal(rd(r, RTC_HOURS), 0x13);
	assert_int_equal(rd(r, RTC_DAY), 0x29);
	/* The guest's clock keeps running with fake time. */
	fake_time += 4;
	assert_int_equal(rd(r, RTC_SECONDS), 0x00);
	assert_int_equal(rd(r, RTC_MINUTES), 0x11);
	fake_time += 3600;
	assert_int_equal(rd(r, RTC_MINUTES), 0x11);
	assert_int_equal(rd(r, RTC_HOURS), 0x14);
	/* A second RTC on the same host clock is unaffected. */
	{
		struct rtc *other = rtc__new(fake_now);

		assert_non_null(other);
		assert_int_equal(rd(other, RTC_MINUTES), 0x46);
		rtc__free(other);
	}
}

static void test_set_year_and_century(void **state)
{
	struct rtc *r = *state;

	wr(r, RTC_YEAR, 0x28); /* 2028 is a leap year too */
	assert_int_equal(rd(r, RTC_YEAR), 0x28);
	assert_int_equal(rd(r, RTC_CENTURY), 0x20);
	assert_int_equal(rd(r, RTC_MONTH), 0x02);
	assert_int_equal(rd(r, RTC_DAY), 0x29);
	assert_int_equal(rd(r, RTC_MINUTES), 0x45);
	fake_time += 11 * 3600; /* past midnight: 2028-03-01 */
	assert_int_equal(rd(r, RTC_YEAR), 0x28);
	assert_int_equal(rd(r, RTC_MONTH), 0x03);
	assert_int_equal(rd(r, RTC_DAY), 0x01);
	/* In binary mode, the written value is binary. */
	wr(r, RTC_REG_B, RTC_B_24H | RTC_B_BINARY);
	wr(r, RTC_YEAR, 99);
	assert_int_equal(rd(r, RTC_YEAR), 99);
	assert_int_equal(rd(r, RTC_CENTURY), 20);
	wr(r, RTC_CENTURY, 19);
	assert_int_equal(rd(r, RTC_CENTURY), 19);
	assert_int_equal(rd(r, RTC_YEAR), 99);
}

static void test_set_hours_12h(void **state)
{
	struct rtc *r = *state;

	wr(r, RTC_REG_B, 0);
	wr(r, RTC_HOURS, 0x80 | 0x09); /* 9 PM */
	assert_int_equal(rd(r, RTC_HOURS), 0x89);
	wr(r, RTC_REG_B, RTC_B_24H);
	assert_int_equal(rd(r, RTC_HOURS), 0x21);
	wr(r, RTC_REG_B, 0);
	wr(r, RTC_HOURS, 0x12); /* 12 AM */
	wr(r, RTC_REG_B, RTC_B_24H);
	assert_int_equal(rd(r, RTC_HOURS), 0x00);
	assert_int_equal(rd(r, RTC_DAY), 0x29);
}

/* Setting the date field by field, as an OS does under the SET bit
 * (register B bit 7), must not be disturbed by invalid intermediate dates:
 * the MC146818A stores each byte as written. From January 31st, writing
 * month 2 then day 15 must give February 15th. */
static void test_set_date_through_invalid_intermediate(void **state)
{
	struct rtc *r = *state;

	fake_time = JAN_31;
	assert_int_equal(rd(r, RTC_DAY), 0x31);
	assert_int_equal(rd(r, RTC_MONTH), 0x01);
	wr(r, RTC_REG_B, RTC_B_SET | RTC_B_24H);
	wr(r, RTC_YEAR, 0x24);
	wr(r, RTC_MONTH, 0x02);
	wr(r, RTC_DAY, 0x15);
	wr(r, RTC_HOURS, 0x08);
	wr(r, RTC_MINUTES, 0x30);
	wr(r, RTC_SECONDS, 0x00);
	wr(r, RTC_REG_B, RTC_B_24H);
	assert_int_equal(rd(r, RTC_YEAR), 0x24);
	assert_int_equal(rd(r, RTC_MONTH), 0x02);
	assert_int_equal(rd(r, RTC_DAY), 0x15);
	assert_int_equal(rd(r, RTC_HOURS), 0x08);
	assert_int_equal(rd(r, RTC_MINUTES), 0x30);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_bcd_24h_default),
		T(test_binary_mode),
		T(test_12_hour_mode),
		T(test_status_registers),
		T(test_cmos_ram),
		T(test_index_port),
		T(test_set_minutes_moves_offset),
		T(test_set_year_and_century),
		T(test_set_hours_12h),
		T(test_set_date_through_invalid_intermediate),
	};
	return cmocka_run_group_tests_name("rtc", tests, NULL, NULL);
}
