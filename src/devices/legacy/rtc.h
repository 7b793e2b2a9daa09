/* rtc.h - the PC's CMOS real-time clock (Motorola MC146818A) at ports 0x70
 * (index; bit 7 masks NMI) and 0x71 (data). It shows host time in UTC, in
 * BCD or binary and 12- or 24-hour format as register B asks; a guest that
 * sets the clock moves its own offset, never the host's clock. */
#ifndef VMKIT_DEVICES_LEGACY_RTC_H
#define VMKIT_DEVICES_LEGACY_RTC_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define RTC_PORT   0x70
#define RTC_NPORTS 2

/* Register indexes (MC146818A data sheet, "Address map"). */
enum rtc_reg {
	RTC_SECONDS = 0x00,
	RTC_MINUTES = 0x02,
	RTC_HOURS = 0x04,
	RTC_WEEKDAY = 0x06,
	RTC_DAY = 0x07,
	RTC_MONTH = 0x08,
	RTC_YEAR = 0x09,
	RTC_REG_A = 0x0a,
	RTC_REG_B = 0x0b,
	RTC_REG_C = 0x0c,
	RTC_REG_D = 0x0d,
	RTC_CENTURY = 0x32,
};

#define RTC_B_24H    0x02
#define RTC_B_BINARY 0x04
#define RTC_B_SET    0x80
#define RTC_D_VRT    0x80

struct rtc;

/* now: the clock source (time(NULL) in the machine; fixed in tests). */
struct rtc *rtc__new(time_t (*now)(void));
void rtc__free(void *rtc);
void rtc__io(void *rtc, uint64_t offset, uint8_t *data, unsigned len, bool is_write);

#endif
