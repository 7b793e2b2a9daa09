/* acpi.c - write the ACPI tables into the guest's BIOS area (see acpi.h). */
#include "vm/acpi.h"

#include "devices/legacy/acpi_pm.h"
#include "vm/vm.h"

#include <errno.h>
#include <string.h>

/* System description table header (ACPI 6.4 section 5.2.6). */
#define HDR_LEN      36
#define HDR_CHECKSUM 9

#define RSDP_LEN    36
#define RSDP_V1_LEN 20
#define FACS_LEN    64
#define FADT_LEN    276
#define MADT_HDR    44

/* FADT field offsets (section 5.2.9). */
enum fadt_off {
	FADT_FIRMWARE_CTRL = 36,
	FADT_DSDT = 40,
	FADT_PM_PROFILE = 45,
	FADT_SCI_INT = 46,
	FADT_SMI_CMD = 48,
	FADT_PM1A_EVT_BLK = 56,
	FADT_PM1A_CNT_BLK = 64,
	FADT_PM_TMR_BLK = 76,
	FADT_PM1_EVT_LEN = 88,
	FADT_PM1_CNT_LEN = 89,
	FADT_PM_TMR_LEN = 91,
	FADT_P_LVL2_LAT = 96,
	FADT_P_LVL3_LAT = 98,
	FADT_CENTURY = 108,
	FADT_IAPC_BOOT_ARCH = 109,
	FADT_FLAGS = 112,
	FADT_RESET_REG = 116,
	FADT_RESET_VALUE = 128,
	FADT_MINOR_VERSION = 131,
	FADT_X_FIRMWARE_CTRL = 132,
	FADT_X_DSDT = 140,
	FADT_X_PM1A_EVT_BLK = 148,
	FADT_X_PM1A_CNT_BLK = 172,
	FADT_X_PM_TMR_BLK = 208,
};

/* FADT fixed feature flags (section 5.2.9). */
#define FADT_F_WBINVD        (1u << 0)
#define FADT_F_PROC_C1       (1u << 2)
#define FADT_F_SLP_BUTTON    (1u << 5) /* no fixed-feature sleep button */
#define FADT_F_FIX_RTC       (1u << 6) /* no RTC wake status in PM1 */
#define FADT_F_RESET_REG_SUP (1u << 10)
/* IA-PC boot architecture flags (section 5.2.9.3). */
#define BOOT_LEGACY_DEVICES  (1u << 0)
#define BOOT_8042            (1u << 1)
#define BOOT_VGA_NOT_PRESENT (1u << 2)

/* Generic Address Structure (section 5.2.3.2). */
#define GAS_SYSTEM_IO 1
enum gas_access { GAS_BYTE = 1, GAS_WORD = 2, GAS_DWORD = 3 };

/* MADT (section 5.2.12). */
#define MADT_PCAT_COMPAT   1u
#define MADT_LAPIC         0
#define MADT_IOAPIC        1
#define MADT_ISO           2
#define MADT_LAPIC_NMI     4
#define MADT_LAPIC_ENABLED 1u
/* MPS INTI flags: polarity bits 1:0, trigger mode bits 3:2. */
#define INTI_HIGH  0x1
#define INTI_EDGE  0x4
#define INTI_LEVEL 0xc

/* A run of the reserved BIOS area being filled, table after table. */
struct area {
	uint8_t *p; /* host address of ACPI_AREA_START */
	size_t used;
	struct err *e;
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint8_t sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	while (len--)
		s = (uint8_t)(s + *p++);
	return s;
}

/* Room for len bytes at the given alignment: the table's guest address,
 * or 0 (with e filled) when the area is full. */
static uint64_t take(struct area *a, size_t len, size_t align, uint8_t **out)
{
	size_t at = (a->used + align - 1) & ~(align - 1);

	if (at + len > ACPI_AREA_END - ACPI_AREA_START) {
		err__set(a->e, ENOSPC, "ACPI tables do not fit in 0x%llx-0x%llx",
			 (unsigned long long)ACPI_AREA_START,
			 (unsigned long long)ACPI_AREA_END - 1);
		return 0;
	}
	a->used = at + len;
	*out = a->p + at;
	return ACPI_AREA_START + at;
}

static void header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev)
{
	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = rev;
	memcpy(t + 10, ACPI_OEM_ID, 6);
	memcpy(t + 16, ACPI_OEM_TABLE_ID, 8);
	put32(t + 24, 1); /* OEM revision */
	memcpy(t + 28, ACPI_CREATOR_ID, 4);
	put32(t + 32, 1); /* creator revision */
}

static void seal(uint8_t *t, size_t len)
{
	t[HDR_CHECKSUM] = 0;
	t[HDR_CHECKSUM] = (uint8_t)-sum(t, len);
}

static void gas(uint8_t *p, uint8_t bits, enum gas_access access, uint64_t port)
{
	p[0] = GAS_SYSTEM_IO;
	p[1] = bits;
	p[2] = 0; /* bit offset */
	p[3] = (uint8_t)access;
	put64(p + 4, port);
}

static uint64_t build_dsdt(struct area *a)
{
	size_t len;
	const uint8_t *aml = acpi__dsdt_aml(&len);
	uint8_t *t;
	uint64_t at;

	if (len < HDR_LEN || memcmp(aml, "DSDT", 4) ||
	    (aml[4] | aml[5] << 8 | aml[6] << 16 | (uint32_t)aml[7] << 24) != len) {
		err__set(a->e, EINVAL, "the built-in DSDT is malformed");
		return 0;
	}
	at = take(a, len, 16, &t);
	if (!at)
		return 0;
	memcpy(t, aml, len);
	/* iasl pads the IDs with NULs and names itself the creator. */
	header(t, "DSDT", (uint32_t)len, aml[8]);
	seal(t, len);
	return at;
}

static uint64_t build_facs(struct area *a)
{
	uint8_t *t;
	uint64_t at = take(a, FACS_LEN, 64, &t); /* section 5.2.10: 64-byte aligned */

	if (!at)
		return 0;
	memcpy(t, "FACS", 4);
	put32(t + 4, FACS_LEN);
	t[32] = 2; /* version */
	return at;
}

static uint64_t build_fadt(struct area *a, uint64_t dsdt, uint64_t facs)
{
	uint8_t *t;
	uint64_t at = take(a, FADT_LEN, 16, &t);

	if (!at)
		return 0;
	header(t, "FACP", FADT_LEN, 6);
	/* FACS only in the 64-bit field (the spec allows one of the two);
	 * the DSDT in both, equal, for OSes that read only the first. */
	put32(t + FADT_FIRMWARE_CTRL, 0);
	put32(t + FADT_DSDT, (uint32_t)dsdt);
	t[FADT_PM_PROFILE] = 0; /* unspecified */
	put16(t + FADT_SCI_INT, PM_SCI_IRQ);
	put32(t + FADT_SMI_CMD, 0); /* no SMM: ACPI mode is always on */
	put32(t + FADT_PM1A_EVT_BLK, PM1_EVT_PORT);
	put32(t + FADT_PM1A_CNT_BLK, PM1_CNT_PORT);
	put32(t + FADT_PM_TMR_BLK, PM_TMR_PORT);
	t[FADT_PM1_EVT_LEN] = PM1_EVT_LEN;
	t[FADT_PM1_CNT_LEN] = PM1_CNT_LEN;
	t[FADT_PM_TMR_LEN] = PM_TMR_LEN;
	/* Latencies above 100 and 1000 us say C2 and C3 are unsupported. */
	put16(t + FADT_P_LVL2_LAT, 101);
	put16(t + FADT_P_LVL3_LAT, 1001);
	t[FADT_CENTURY] = 0x32; /* RTC_CENTURY, devices/legacy/rtc.h */
	put16(t + FADT_IAPC_BOOT_ARCH, BOOT_LEGACY_DEVICES | BOOT_8042 | BOOT_VGA_NOT_PRESENT);
	/* TMR_VAL_EXT clear: the PM timer is 24 bits. PWR_BUTTON clear: the
	 * power button is a fixed feature (PM1 PWRBTN_STS/EN). */
	put32(t + FADT_FLAGS, FADT_F_WBINVD | FADT_F_PROC_C1 | FADT_F_SLP_BUTTON | FADT_F_FIX_RTC |
				      FADT_F_RESET_REG_SUP);
	gas(t + FADT_RESET_REG, 8, GAS_BYTE, PM_RESET_PORT);
	t[FADT_RESET_VALUE] = PM_RST_SYS | PM_RST_CPU;
	t[FADT_MINOR_VERSION] = 4; /* FADT 6.4 */
	put64(t + FADT_X_FIRMWARE_CTRL, facs);
	put64(t + FADT_X_DSDT, dsdt);
	gas(t + FADT_X_PM1A_EVT_BLK, PM1_EVT_LEN * 8, GAS_WORD, PM1_EVT_PORT);
	gas(t + FADT_X_PM1A_CNT_BLK, PM1_CNT_LEN * 8, GAS_WORD, PM1_CNT_PORT);
	gas(t + FADT_X_PM_TMR_BLK, PM_TMR_LEN * 8, GAS_DWORD, PM_TMR_PORT);
	seal(t, FADT_LEN);
	return at;
}

static uint8_t *iso(uint8_t *p, uint8_t irq, uint32_t gsi, uint16_t flags)
{
	p[0] = MADT_ISO;
	p[1] = 10;
	p[2] = 0; /* bus: ISA */
	p[3] = irq;
	put32(p + 4, gsi);
	put16(p + 8, flags);
	return p + 10;
}

static uint64_t build_madt(struct area *a, int ncpus)
{
	uint32_t len = MADT_HDR + 8u * (unsigned)ncpus + 12 + 2 * 10 + 6;
	uint8_t *t, *p;
	uint64_t at = take(a, len, 16, &t);

	if (!at)
		return 0;
	header(t, "APIC", len, 5);
	put32(t + 36, ACPI_LAPIC_ADDR);
	put32(t + 40, MADT_PCAT_COMPAT); /* the 8259s are there too */
	p = t + MADT_HDR;
	for (int i = 0; i < ncpus; i++, p += 8) {
		p[0] = MADT_LAPIC;
		p[1] = 8;
		p[2] = (uint8_t)i; /* ACPI processor UID */
		p[3] = (uint8_t)i; /* APIC ID */
		put32(p + 4, MADT_LAPIC_ENABLED);
	}
	p[0] = MADT_IOAPIC;
	p[1] = 12;
	p[2] = (uint8_t)ncpus; /* I/O APIC ID, after the CPUs' */
	p[3] = 0;
	put32(p + 4, ACPI_IOAPIC_ADDR);
	put32(p + 8, 0); /* GSI base */
	p += 12;
	/* The PIT's IRQ 0 is wired to I/O APIC pin 2, as on every PC. */
	p = iso(p, 0, 2, INTI_HIGH | INTI_EDGE);
	p = iso(p, PM_SCI_IRQ, PM_SCI_IRQ, INTI_HIGH | INTI_LEVEL);
	p[0] = MADT_LAPIC_NMI;
	p[1] = 6;
	p[2] = 0xff; /* every processor */
	put16(p + 3, INTI_HIGH | INTI_EDGE);
	p[5] = 1; /* LINT1 */
	seal(t, len);
	return at;
}

static uint64_t build_xsdt(struct area *a, const uint64_t *entries, int n)
{
	uint32_t len = HDR_LEN + 8u * (unsigned)n;
	uint8_t *t;
	uint64_t at = take(a, len, 16, &t);

	if (!at)
		return 0;
	header(t, "XSDT", len, 1);
	for (int i = 0; i < n; i++)
		put64(t + HDR_LEN + 8 * i, entries[i]);
	seal(t, len);
	return at;
}

static void build_rsdp(uint8_t *p, uint64_t xsdt)
{
	memcpy(p, "RSD PTR ", 8);
	memcpy(p + 9, ACPI_OEM_ID, 6);
	p[15] = 2;        /* revision: ACPI 2.0+ */
	put32(p + 16, 0); /* no RSDT */
	put32(p + 20, RSDP_LEN);
	put64(p + 24, xsdt);
	p[8] = (uint8_t)-sum(p, RSDP_V1_LEN);
	p[32] = (uint8_t)-sum(p, RSDP_LEN);
}

int acpi__build_tables(const struct guest_mem *m, int ncpus, uint64_t *rsdp_addr, struct err *e)
{
	struct area a = { .e = e };
	uint64_t tables[2], dsdt, facs, xsdt;
	uint8_t *rsdp;

	if (ncpus < 1 || ncpus > ACPI_MAX_CPUS)
		return err__set(e, EINVAL, "ACPI: %d vCPUs: the MADT describes 1 to %d", ncpus,
				ACPI_MAX_CPUS);
	a.p = mem__ptr(m, ACPI_AREA_START, ACPI_AREA_END - ACPI_AREA_START);
	if (!a.p)
		return err__set(e, EFAULT, "ACPI: guest RAM does not cover 0x%llx-0x%llx",
				(unsigned long long)ACPI_AREA_START,
				(unsigned long long)ACPI_AREA_END - 1);
	memset(a.p, 0, ACPI_AREA_END - ACPI_AREA_START);
	if (!take(&a, RSDP_LEN, 16, &rsdp))
		return -ENOSPC;
	facs = build_facs(&a);
	dsdt = facs ? build_dsdt(&a) : 0;
	tables[0] = dsdt ? build_fadt(&a, dsdt, facs) : 0;
	tables[1] = tables[0] ? build_madt(&a, ncpus) : 0;
	xsdt = tables[1] ? build_xsdt(&a, tables, 2) : 0;
	if (!xsdt)
		return -e->code;
	build_rsdp(rsdp, xsdt);
	*rsdp_addr = ACPI_RSDP_ADDR;
	return 0;
}

int acpi__build(struct vm *vm, uint64_t *rsdp_addr, struct err *e)
{
	return acpi__build_tables(&vm->mem, vm->ncpus, rsdp_addr, e);
}
