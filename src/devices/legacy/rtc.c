/* rtc.c - MC146818A CMOS clock model (see rtc.h). */
#include "devices/legacy/rtc.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct rtc {
	pthread_mutex_t lock;
	time_t (*now)(void);
	int64_t offset; /* guest time - host time, in seconds */
	uint8_t index;
	uint8_t cmos[128]; /* registers A-D and battery-backed RAM */
};

static time_t host_now(void)
{
	return time(NULL);
}

struct rtc *rtc__new(time_t (*now)(void))
{
	struct rtc *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	pthread_mutex_init(&r->lock, NULL);
	r->now = now ? now : host_now;
	r->cmos[RTC_REG_A] = 0x26; /* 32.768 kHz time base, 1024 Hz periodic rate */
	r->cmos[RTC_REG_B] = RTC_B_24H;
	r->cmos[RTC_REG_D] = RTC_D_VRT; /* battery good */
	return r;
}

void rtc__free(void *p)
{
	struct rtc *r = p;

	if (!r)
		return;
	pthread_mutex_destroy(&r->lock);
	free(r);
}

static uint8_t to_bcd(unsigned v)
{
	return (uint8_t)(((v / 10) << 4) | (v % 10));
}

static unsigned from_bcd(uint8_t v)
{
	return (v >> 4) * 10u + (v & 0x0f);
}

static uint8_t encode(const struct rtc *r, unsigned v)
{
	return (r->cmos[RTC_REG_B] & RTC_B_BINARY) ? (uint8_t)v : to_bcd(v);
}

static unsigned decode(const struct rtc *r, uint8_t v)
{
	return (r->cmos[RTC_REG_B] & RTC_B_BINARY) ? v : from_bcd(v);
}

static void guest_tm(const struct rtc *r, struct tm *tm)
{
	time_t t = r->now() + (time_t)r->offset;

	gmtime_r(&t, tm);
}

static uint8_t read_hours(const struct rtc *r, int hour)
{
	unsigned h12;

	if (r->cmos[RTC_REG_B] & RTC_B_24H)
		return encode(r, (unsigned)hour);
	/* 12-hour mode: 12, 1..11 with bit 7 set after noon. */
	h12 = (unsigned)(hour % 12 ? hour % 12 : 12);
	return (uint8_t)(encode(r, h12) | (hour >= 12 ? 0x80 : 0));
}

static uint8_t reg_read(struct rtc *r, uint8_t idx)
{
	struct tm tm;
	uint8_t v;

	switch (idx) {
	case RTC_SECONDS:
	case RTC_MINUTES:
	case RTC_HOURS:
	case RTC_WEEKDAY:
	case RTC_DAY:
	case RTC_MONTH:
	case RTC_YEAR:
	case RTC_CENTURY:
		if (r->cmos[RTC_REG_B] & RTC_B_SET)
			return r->cmos[idx]; /* frozen while being set */
		guest_tm(r, &tm);
		switch (idx) {
		case RTC_SECONDS:
			return encode(r, (unsigned)tm.tm_sec);
		case RTC_MINUTES:
			return encode(r, (unsigned)tm.tm_min);
		case RTC_HOURS:
			return read_hours(r, tm.tm_hour);
		case RTC_WEEKDAY:
			return encode(r, (unsigned)tm.tm_wday + 1);
		case RTC_DAY:
			return encode(r, (unsigned)tm.tm_mday);
		case RTC_MONTH:
			return encode(r, (unsigned)tm.tm_mon + 1);
		case RTC_YEAR:
			return encode(r, (unsigned)(tm.tm_year % 100));
		default:
			return encode(r, (unsigned)(tm.tm_year + 1900) / 100);
		}
	case RTC_REG_A:
		/* UIP (bit 7) stays clear: our time never changes mid-read in a
		 * way a reader could see half of, so "no update in progress". */
		return r->cmos[RTC_REG_A] & 0x7f;
	case RTC_REG_C:
		v = r->cmos[RTC_REG_C];
		r->cmos[RTC_REG_C] = 0; /* interrupt flags clear on read */
		return v;
	default:
		return r->cmos[idx];
	}
}

static const uint8_t time_regs[] = {
	RTC_SECONDS, RTC_MINUTES, RTC_HOURS, RTC_DAY, RTC_MONTH, RTC_YEAR, RTC_CENTURY,
};

static bool is_time_reg(uint8_t idx)
{
	for (size_t i = 0; i < sizeof(time_regs); i++)
		if (time_regs[i] == idx)
			return true;
	return false;
}

/* Apply one clock register, as written by the guest, to tm. */
static void apply_field(const struct rtc *r, uint8_t idx, uint8_t v, struct tm *tm)
{
	unsigned n;

	if (idx == RTC_HOURS && !(r->cmos[RTC_REG_B] & RTC_B_24H)) {
		n = decode(r, v & 0x7f) % 12;
		tm->tm_hour = (int)n + ((v & 0x80) ? 12 : 0);
		return;
	}
	n = decode(r, v);
	switch (idx) {
	case RTC_SECONDS:
		tm->tm_sec = (int)n;
		break;
	case RTC_MINUTES:
		tm->tm_min = (int)n;
		break;
	case RTC_HOURS:
		tm->tm_hour = (int)n;
		break;
	case RTC_DAY:
		tm->tm_mday = (int)n;
		break;
	case RTC_MONTH:
		tm->tm_mon = (int)n - 1;
		break;
	case RTC_YEAR:
		tm->tm_year = (tm->tm_year + 1900) / 100 * 100 + (int)n - 1900;
		break;
	case RTC_CENTURY:
		tm->tm_year = (int)n * 100 + (tm->tm_year + 1900) % 100 - 1900;
		break;
	default:
		break; /* the weekday follows from the date */
	}
}

/* The guest sets the clock: move our offset so the fields read back as
 * written, leaving the host clock alone. */
static void set_offset(struct rtc *r, struct tm *tm)
{
	time_t t = timegm(tm);

	if (t != (time_t)-1)
		r->offset = (int64_t)t - (int64_t)r->now();
}

/* Register B's SET bit freezes the clock while software writes the fields
 * one by one (MC146818A: "SET"); they take effect together when it clears,
 * so no half-written date (Feb 31) is ever seen. */
static void write_reg_b(struct rtc *r, uint8_t v)
{
	uint8_t old = r->cmos[RTC_REG_B];
	struct tm tm;

	if (!(old & RTC_B_SET) && (v & RTC_B_SET)) {
		for (size_t i = 0; i < sizeof(time_regs); i++)
			r->cmos[time_regs[i]] = reg_read(r, time_regs[i]);
	}
	r->cmos[RTC_REG_B] = v;
	if ((old & RTC_B_SET) && !(v & RTC_B_SET)) {
		guest_tm(r, &tm);
		for (size_t i = 0; i < sizeof(time_regs); i++)
			apply_field(r, time_regs[i], r->cmos[time_regs[i]], &tm);
		set_offset(r, &tm);
	}
}

static void reg_write(struct rtc *r, uint8_t idx, uint8_t v)
{
	struct tm tm;

	if (is_time_reg(idx)) {
		if (r->cmos[RTC_REG_B] & RTC_B_SET) {
			r->cmos[idx] = v; /* held until SET clears */
			return;
		}
		guest_tm(r, &tm);
		apply_field(r, idx, v, &tm);
		set_offset(r, &tm);
		return;
	}
	switch (idx) {
	case RTC_WEEKDAY:
		r->cmos[idx] = v;
		return;
	case RTC_REG_A:
		r->cmos[idx] = v & 0x7f; /* UIP is read-only */
		return;
	case RTC_REG_B:
		write_reg_b(r, v);
		return;
	case RTC_REG_C:
	case RTC_REG_D:
		return; /* read-only */
	default:
		r->cmos[idx] = v;
		return;
	}
}

void rtc__io(void *opaque, uint64_t offset, uint8_t *data, unsigned len, bool is_write)
{
	struct rtc *r = opaque;

	pthread_mutex_lock(&r->lock);
	if (offset == 0) {
		/* Index port: write-only on real hardware, bit 7 masks NMI. */
		if (is_write)
			r->index = data[0] & 0x7f;
		else
			memset(data, 0xff, len);
	} else if (is_write) {
		reg_write(r, r->index, data[0]);
	} else {
		data[0] = reg_read(r, r->index);
		if (len > 1)
			memset(data + 1, 0xff, len - 1);
	}
	pthread_mutex_unlock(&r->lock);
}
