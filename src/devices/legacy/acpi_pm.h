/* acpi_pm.h - the ACPI fixed hardware a PC guest uses for power management:
 * the PM1a event and control registers and the PM timer in port I/O (ACPI
 * 6.4 section 4.8, "ACPI Hardware Features": PM1 event grouping, PM1
 * control grouping, power management timer), and the chipset's reset
 * control register at port 0xCF9 that the FADT names as RESET_REG (ACPI
 * 6.4 section 4.8, "Reset Register", and section 5.2.9; on Intel chipsets
 * the PIIX4/ICH "Reset Control Register", RST_CNT).
 *
 * ACPI mode is always on (the FADT's SMI_CMD is 0), so SCI_EN reads 1.
 * Writing SLP_EN with SLP_TYP = PM_SLP_TYP_S5 (the DSDT's \_S5 value)
 * powers the machine off; other sleep types wake at once (WAK_STS set).
 * The timer counts at 3.579545 MHz in 24 bits (FADT TMR_VAL_EXT clear) and
 * raises no overflow event. The power button is a fixed feature: pressing
 * it sets PWRBTN_STS and, if PWRBTN_EN is set, raises the SCI (level). */
#ifndef VMKIT_DEVICES_LEGACY_ACPI_PM_H
#define VMKIT_DEVICES_LEGACY_ACPI_PM_H

#include "devices/irq.h"
#include "devices/machine.h"

#include <stdbool.h>
#include <stdint.h>

/* Port layout of the PM block: one bus range of PM_NPORTS from PM_PORT. */
#define PM_PORT       0x600
#define PM_NPORTS     12
#define PM1_EVT_PORT  0x600 /* PM1a_EVT_BLK: status (2 bytes), enable (2 bytes) */
#define PM1_EVT_LEN   4
#define PM1_CNT_PORT  0x604 /* PM1a_CNT_BLK */
#define PM1_CNT_LEN   2
#define PM_TMR_PORT   0x608 /* PM_TMR_BLK */
#define PM_TMR_LEN    4
#define PM_SCI_IRQ    9 /* SCI_INT: ISA IRQ 9, level, active high */
#define PM_RESET_PORT 0xcf9
#define PM_RESET_LEN  1

/* Offsets inside the PM block. */
enum pm_reg {
	PM1_STS = 0x0,
	PM1_EN = 0x2,
	PM1_CNT = 0x4,
	PM_TMR = 0x8,
};

/* PM1 status and enable bits (status bits are write-1-to-clear). */
#define PM1_TMR           0x0001
#define PM1_BM_STS        0x0010
#define PM1_GBL           0x0020
#define PM1_PWRBTN        0x0100
#define PM1_SLPBTN        0x0200
#define PM1_RTC           0x0400
#define PM1_PCIEXP        0x4000 /* PCIEXP_WAKE_STS / PCIEXP_WAKE_DIS */
#define PM1_WAK_STS       0x8000
#define PM1_CNT_SCI_EN    0x0001
#define PM1_CNT_BM_RLD    0x0002
#define PM1_CNT_GBL_RLS   0x0004
#define PM1_CNT_SLP_TYP   0x1c00 /* bits 12:10 */
#define PM1_CNT_SLP_EN    0x2000
#define PM1_CNT_SLP_SHIFT 10

/* The SLP_TYP value of \_S5 in the DSDT (src/vm/acpi/dsdt.asl). */
#define PM_SLP_TYP_S5 5

#define PM_TIMER_HZ   3579545ULL
#define PM_TIMER_MASK 0xffffffu

/* Reset control register (0xCF9) bits. */
#define PM_RST_SYS  0x02 /* system (hard) reset rather than a CPU reset */
#define PM_RST_CPU  0x04 /* do it */
#define PM_RST_FULL 0x08

struct pm;

/* sci: the SCI line (PM_SCI_IRQ). ctl: where power-off and reset requests
 * go. now_ns: a monotonic clock in nanoseconds (NULL: the host's); the
 * timer counts from the first call, at creation. */
struct pm *pm__new(const struct irq_line *sci, const struct machine_ctl *ctl,
		   uint64_t (*now_ns)(void));
void pm__free(void *pm);

/* Bus handlers: the PM block (offsets from PM_PORT, any width) and the
 * reset control register at 0xCF9 (offset 0). */
void pm__io(void *pm, uint64_t offset, uint8_t *data, unsigned len, bool is_write);
void pm__reset_io(void *pm, uint64_t offset, uint8_t *data, unsigned len, bool is_write);

/* Press the power button: PWRBTN_STS, and the SCI if PWRBTN_EN. An ACPI
 * guest then shuts down in an orderly way and writes S5. */
void pm__power_button(struct pm *pm);

#endif
