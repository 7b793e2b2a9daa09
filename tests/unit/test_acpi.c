/* test_acpi.c - build the ACPI tables (src/vm/acpi.c) into guest RAM and parse them back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "devices/legacy/acpi_pm.h"
#include "vm/acpi.h"
#include "vm/vm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MiB (1024ULL * 1024)

struct fixture {
	struct guest_mem mem;
	struct err e;
};

static int setup(void **state)
{
	struct fixture *f = test_calloc(1, sizeof(*f));

	if (!f)
		return -1;
	if (mem__init(&f->mem, 2 * MiB, &f->e) < 0) {
		test_free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	mem__fini(&f->mem);
	test_free(f);
	return 0;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) | (uint32_t)get16(p + 2) << 16;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static uint8_t sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	while (len--)
		s = (uint8_t)(s + *p++);
	return s;
}

/* A table's header at gpa: in the BIOS area, the right signature, its
 * checksum zero, the vmkit IDs. Returns a host pointer to it. */
static const uint8_t *table(struct fixture *f, uint64_t gpa, const char *sig)
{
	const uint8_t *t;
	uint32_t len;

	assert_true(gpa >= ACPI_AREA_START && gpa + 36 <= ACPI_AREA_END);
	t = mem__ptr(&f->mem, gpa, 36);
	assert_non_null(t);
	assert_memory_equal(t, sig, 4);
	len = get32(t + 4);
	assert_true(len >= 36);
	assert_true(gpa + len <= ACPI_AREA_END);
	assert_int_equal(sum(t, len), 0);
	assert_memory_equal(t + 10, "VMKIT ", 6);
	assert_memory_equal(t + 16, "VMKIT   ", 8);
	assert_memory_equal(t + 28, "VMKT", 4);
	return t;
}

static uint64_t build(struct fixture *f, int ncpus)
{
	uint64_t rsdp = 0;

	assert_int_equal(acpi__build_tables(&f->mem, ncpus, &rsdp, &f->e), 0);
	return rsdp;
}

static const uint8_t *xsdt_of(struct fixture *f, uint64_t rsdp)
{
	const uint8_t *r = mem__ptr(&f->mem, rsdp, 36);

	assert_non_null(r);
	return table(f, get64(r + 24), "XSDT");
}

/* The table the XSDT lists with signature sig. */
static const uint8_t *find(struct fixture *f, uint64_t rsdp, const char *sig, uint64_t *gpa)
{
	const uint8_t *x = xsdt_of(f, rsdp);
	uint32_t n = (get32(x + 4) - 36) / 8;

	for (uint32_t i = 0; i < n; i++) {
		uint64_t a = get64(x + 36 + 8 * i);
		const uint8_t *t = mem__ptr(&f->mem, a, 4);

		if (t && !memcmp(t, sig, 4)) {
			if (gpa)
				*gpa = a;
			return table(f, a, sig);
		}
	}
	fail_msg("no %s in the XSDT", sig);
	return NULL;
}

static void test_rsdp(void **state)
{
	struct fixture *f = *state;
	uint64_t rsdp = build(f, 2);
	const uint8_t *r = mem__ptr(&f->mem, rsdp, 36);

	assert_int_equal(rsdp, 0xf0000);
	assert_int_equal(rsdp % 16, 0);
	assert_memory_equal(r, "RSD PTR ", 8);
	assert_int_equal(sum(r, 20), 0);  /* ACPI 1.0 checksum */
	assert_int_equal(sum(r, 36), 0);  /* extended checksum */
	assert_int_not_equal(r[8], 0xff); /* not a blank that happens to sum */
	assert_memory_equal(r + 9, "VMKIT ", 6);
	assert_int_equal(r[15], 2);
	assert_int_equal(get32(r + 16), 0); /* no RSDT */
	assert_int_equal(get32(r + 20), 36);
	assert_int_equal(get64(r + 24) % 8, 0);
	xsdt_of(f, rsdp);
}

static void test_legacy_scan_finds_the_rsdp(void **state)
{
	struct fixture *f = *state;
	uint8_t *bios = mem__ptr(&f->mem, 0xe0000, 0x20000);
	uint64_t rsdp, found = 0;
	int n = 0;

	/* A stale, valid-looking RSDP in the area must not survive. */
	assert_non_null(bios);
	memcpy(bios + 0x1ff00, "RSD PTR ", 8);
	bios[0x1ff00 + 8] = (uint8_t)-sum(bios + 0x1ff00, 20);
	assert_int_equal(sum(bios + 0x1ff00, 20), 0);
	rsdp = build(f, 1);
	/* Section 5.2.5.1: 16-byte boundaries of 0xE0000-0xFFFFF. */
	for (uint64_t a = 0; a < 0x20000; a += 16) {
		if (memcmp(bios + a, "RSD PTR ", 8) || sum(bios + a, 20))
			continue;
		n++;
		found = 0xe0000 + a;
	}
	assert_int_equal(n, 1);
	assert_int_equal(found, rsdp);
}

static void test_xsdt_lists_fadt_and_madt(void **state)
{
	struct fixture *f = *state;
	uint64_t rsdp = build(f, 2);
	const uint8_t *x = xsdt_of(f, rsdp);
	uint64_t a, b;

	assert_int_equal(x[8], 1);
	assert_int_equal(get32(x + 4), 36 + 2 * 8);
	find(f, rsdp, "FACP", &a);
	find(f, rsdp, "APIC", &b);
	assert_int_not_equal(a, b);
}

static void test_tables_do_not_overlap(void **state)
{
	struct fixture *f = *state;
	uint64_t rsdp = build(f, ACPI_MAX_CPUS);
	const uint8_t *fadt;
	uint64_t at[5], len[5];

	at[0] = rsdp;
	len[0] = 36;
	at[1] = get64(mem__ptr(&f->mem, rsdp, 36) + 24);
	len[1] = get32(xsdt_of(f, rsdp) + 4);
	fadt = find(f, rsdp, "FACP", &at[2]);
	len[2] = get32(fadt + 4);
	len[3] = get32(find(f, rsdp, "APIC", &at[3]) + 4);
	at[4] = get64(fadt + 140);
	len[4] = get32(table(f, at[4], "DSDT") + 4);
	for (int i = 0; i < 5; i++)
		for (int j = i + 1; j < 5; j++)
			assert_true(at[i] + len[i] <= at[j] || at[j] + len[j] <= at[i]);
}

static void test_fadt(void **state)
{
	struct fixture *f = *state;
	uint64_t rsdp = build(f, 2);
	const uint8_t *t = find(f, rsdp, "FACP", NULL);
	const uint8_t *facs;
	uint32_t flags = get32(t + 112);
	uint64_t dsdt = get64(t + 140), facs_at = get64(t + 132);

	assert_int_equal(get32(t + 4), 276);
	assert_int_equal(t[8], 6);
	/* OEM table ID matches the XSDT's, as section 5.2.8 asks. */
	assert_memory_equal(t + 16, xsdt_of(f, rsdp) + 16, 8);
	assert_int_equal(get16(t + 46), 9); /* SCI_INT */
	assert_int_equal(get32(t + 48), 0); /* SMI_CMD: always ACPI mode */
	assert_int_equal(get32(t + 56), PM1_EVT_PORT);
	assert_int_equal(get32(t + 60), 0); /* no PM1b */
	assert_int_equal(get32(t + 64), PM1_CNT_PORT);
	assert_int_equal(get32(t + 76), PM_TMR_PORT);
	assert_int_equal(get32(t + 56), 0x600);
	assert_int_equal(get32(t + 64), 0x604);
	assert_int_equal(get32(t + 76), 0x608);
	assert_int_equal(t[88], 4);     /* PM1_EVT_LEN */
	assert_int_equal(t[89], 2);     /* PM1_CNT_LEN */
	assert_int_equal(t[91], 4);     /* PM_TMR_LEN */
	assert_int_equal(t[108], 0x32); /* CENTURY */
	/* IAPC_BOOT_ARCH: legacy devices and an 8042; MSI not forbidden. */
	assert_int_equal(get16(t + 109) & 0x3, 0x3);
	assert_int_equal(get16(t + 109) & 0x8, 0);
	/* Flags: RESET_REG_SUP; TMR_VAL_EXT and HW_REDUCED_ACPI clear; the
	 * power button a fixed feature. */
	assert_int_equal(flags & (1u << 10), 1u << 10);
	assert_int_equal(flags & (1u << 8), 0);
	assert_int_equal(flags & (1u << 20), 0);
	assert_int_equal(flags & (1u << 4), 0);
	/* RESET_REG: system I/O, 8 bits at 0xCF9; RESET_VALUE 6. */
	assert_int_equal(t[116], 1);
	assert_int_equal(t[117], 8);
	assert_int_equal(t[118], 0);
	assert_int_equal(get64(t + 120), 0xcf9);
	assert_int_equal(t[128], 0x06);
	/* The 64-bit blocks agree with the 32-bit ones. */
	assert_int_equal(t[148], 1);
	assert_int_equal(t[149], 32);
	assert_int_equal(get64(t + 152), 0x600);
	assert_int_equal(t[172], 1);
	assert_int_equal(t[173], 16);
	assert_int_equal(get64(t + 176), 0x604);
	assert_int_equal(t[208], 1);
	assert_int_equal(t[209], 32);
	assert_int_equal(get64(t + 212), 0x608);
	assert_int_equal(get64(t + 160), 0); /* no PM1b */
	assert_int_equal(get64(t + 220), 0); /* no GPE0 */
	/* DSDT: both pointers, equal. */
	assert_int_equal(get32(t + 40), dsdt);
	table(f, dsdt, "DSDT");
	/* FACS: in X_FIRMWARE_CTRL only, 64-byte aligned, 64 bytes. */
	assert_int_equal(get32(t + 36), 0);
	assert_int_equal(facs_at % 64, 0);
	assert_true(facs_at >= ACPI_AREA_START && facs_at + 64 <= ACPI_AREA_END);
	facs = mem__ptr(&f->mem, facs_at, 64);
	assert_memory_equal(facs, "FACS", 4);
	assert_int_equal(get32(facs + 4), 64);
	assert_int_equal(get32(facs + 12), 0); /* no waking vector */
	assert_int_equal(get32(facs + 16), 0); /* global lock free */
}

static void check_madt(struct fixture *f, int ncpus)
{
	uint64_t rsdp = build(f, ncpus);
	const uint8_t *t = find(f, rsdp, "APIC", NULL);
	const uint8_t *p = t + 44, *end = t + get32(t + 4);
	int nlapic = 0, nioapic = 0, nnmi = 0, iso0 = 0, iso9 = 0;
	unsigned ioapic_id = 0;
	uint8_t seen[256] = { 0 };

	assert_int_equal(get32(t + 36), 0xfee00000u);
	assert_int_equal(get32(t + 40) & 1, 1); /* PCAT_COMPAT */
	while (p < end) {
		assert_true(p[1] >= 2 && p + p[1] <= end);
		switch (p[0]) {
		case 0: /* Processor Local APIC */
			assert_int_equal(p[1], 8);
			assert_int_equal(p[2], nlapic); /* UID */
			assert_int_equal(p[3], nlapic); /* APIC ID */
			assert_int_equal(get32(p + 4) & 1, 1);
			seen[p[3]]++;
			nlapic++;
			break;
		case 1: /* I/O APIC */
			assert_int_equal(p[1], 12);
			ioapic_id = p[2];
			assert_int_equal(get32(p + 4), 0xfec00000u);
			assert_int_equal(get32(p + 8), 0);
			nioapic++;
			break;
		case 2: /* Interrupt Source Override */
			assert_int_equal(p[1], 10);
			assert_int_equal(p[2], 0); /* ISA */
			if (p[3] == 0) {
				assert_int_equal(get32(p + 4), 2);
				assert_int_equal(get16(p + 8) & 0xc, 0x4); /* edge */
				iso0++;
			} else if (p[3] == 9) {
				assert_int_equal(get32(p + 4), 9);
				assert_int_equal(get16(p + 8), 0xd); /* level, high */
				iso9++;
			} else {
				fail_msg("unexpected override of IRQ %u", p[3]);
			}
			break;
		case 4: /* Local APIC NMI */
			assert_int_equal(p[1], 6);
			assert_int_equal(p[2], 0xff);
			assert_int_equal(p[5], 1); /* LINT1 */
			nnmi++;
			break;
		default:
			fail_msg("unexpected MADT structure type %u", p[0]);
		}
		p += p[1];
	}
	assert_ptr_equal(p, end);
	assert_int_equal(nlapic, ncpus);
	assert_int_equal(nioapic, 1);
	assert_int_equal(ioapic_id, ncpus);
	assert_int_equal(seen[ioapic_id], 0); /* no collision with a CPU */
	assert_int_equal(iso0, 1);
	assert_int_equal(iso9, 1);
	assert_int_equal(nnmi, 1);
}

static void test_madt(void **state)
{
	struct fixture *f = *state;
	static const int counts[] = { 1, 2, 4, 64, ACPI_MAX_CPUS, 3 };

	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
		check_madt(f, counts[i]);
}

/* ASL's EISAID("PNP0501"): three 5-bit letters and four hex digits,
 * big-endian within the dword, which AML then stores little-endian. */
static uint32_t eisaid(const char *id)
{
	uint32_t v = (uint32_t)(id[0] - 0x40) << 26 | (uint32_t)(id[1] - 0x40) << 21 |
		     (uint32_t)(id[2] - 0x40) << 16 | (uint32_t)strtoul(id + 3, NULL, 16);

	return (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
}

static const uint8_t *memfind(const uint8_t *h, size_t hlen, const void *n, size_t nlen)
{
	for (size_t i = 0; i + nlen <= hlen; i++)
		if (!memcmp(h + i, n, nlen))
			return h + i;
	return NULL;
}

/* An AML integer data object: ZeroOp, OneOp, BytePrefix n. */
static int aml_small_int(const uint8_t *p)
{
	switch (p[0]) {
	case 0x00:
		return 0;
	case 0x01:
		return 1;
	case 0x0a:
		return p[1];
	default:
		fail_msg("unexpected AML integer opcode 0x%02x", p[0]);
		return -1;
	}
}

static void test_dsdt(void **state)
{
	struct fixture *f = *state;
	uint64_t rsdp = build(f, 1);
	const uint8_t *fadt = find(f, rsdp, "FACP", NULL);
	const uint8_t *t = table(f, get64(fadt + 140), "DSDT");
	uint32_t len = get32(t + 4);
	static const char *const ids[] = { "PNP0A03", "PNP0501", "PNP0303", "PNP0B00" };
	const uint8_t *s5;

	assert_true(t[8] >= 2); /* 64-bit AML integers */
	assert_int_equal(eisaid("PNP0501"), 0x0105d041u);
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		uint32_t v = eisaid(ids[i]);
		uint8_t dword[5] = { 0x0c, (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
				     (uint8_t)(v >> 24) };

		if (!memfind(t + 36, len - 36, dword, sizeof(dword)))
			fail_msg("no EisaId (\"%s\") in the DSDT", ids[i]);
	}
	/* \_S5: Name (\_S5, Package () {SLP_TYPa, ...}). */
	s5 = memfind(t + 36, len - 36, "_S5_", 4);
	assert_non_null(s5);
	/* NameOp, with or without the root prefix (iasl drops it at root). */
	assert_int_equal(s5[-1] == '\\' ? s5[-2] : s5[-1], 0x08);
	assert_int_equal(s5[4], 0x12);     /* PackageOp */
	assert_int_equal(s5[5] & 0xc0, 0); /* one-byte PkgLength */
	assert_true(s5[6] >= 1);           /* NumElements */
	assert_int_equal(aml_small_int(s5 + 7), PM_SLP_TYP_S5);
	/* The iasl output is the source of the copy. */
	{
		size_t n;
		const uint8_t *aml = acpi__dsdt_aml(&n);

		assert_int_equal(n, len);
		assert_memory_equal(aml + 36, t + 36, len - 36);
	}
}

static void test_rejects_bad_machines(void **state)
{
	struct fixture *f = *state;
	struct guest_mem small;
	uint64_t rsdp = 0x1234;

	assert_int_equal(acpi__build_tables(&f->mem, 0, &rsdp, &f->e), -EINVAL);
	assert_int_equal(f->e.code, EINVAL);
	assert_int_equal(acpi__build_tables(&f->mem, ACPI_MAX_CPUS + 1, &rsdp, &f->e), -EINVAL);
	assert_int_equal(acpi__build_tables(&f->mem, -1, &rsdp, &f->e), -EINVAL);
	assert_int_equal(rsdp, 0x1234);
	/* RAM that stops short of the BIOS area. */
	assert_int_equal(mem__init(&small, 0xf8000, &f->e), 0);
	assert_int_equal(acpi__build_tables(&small, 1, &rsdp, &f->e), -EFAULT);
	assert_int_equal(f->e.code, EFAULT);
	assert_int_equal(rsdp, 0x1234);
	mem__fini(&small);
}

static void test_build_for_a_vm(void **state)
{
	struct fixture *f = *state;
	struct vm vm;
	uint64_t rsdp = 0;
	const uint8_t *madt;
	int n = 0;

	/* Only what acpi__build reads: the RAM and the vCPU count. */
	memset(&vm, 0, sizeof(vm));
	vm.mem = f->mem;
	vm.ncpus = 3;
	assert_int_equal(acpi__build(&vm, &rsdp, &f->e), 0);
	assert_int_equal(rsdp, ACPI_RSDP_ADDR);
	madt = find(f, rsdp, "APIC", NULL);
	for (const uint8_t *p = madt + 44; p < madt + get32(madt + 4); p += p[1])
		n += p[0] == 0;
	assert_int_equal(n, 3);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_rsdp),
		T(test_legacy_scan_finds_the_rsdp),
		T(test_xsdt_lists_fadt_and_madt),
		T(test_tables_do_not_overlap),
		T(test_fadt),
		T(test_madt),
		T(test_dsdt),
		T(test_rejects_bad_machines),
		T(test_build_for_a_vm),
	};
	return cmocka_run_group_tests_name("acpi", tests, NULL, NULL);
}
