/* test_bus.c - unit tests for src/vm/bus.c (address decoding) and src/vm/mem.c (guest RAM). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vm/bus.h"
#include "vm/mem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* What the last handler call saw. */
struct call {
	int n;
	void *opaque;
	uint64_t offset;
	unsigned len;
	bool is_write;
	uint8_t data[8];
};

static struct call last;

static void rec_handler(void *opaque, uint64_t offset, uint8_t *data, unsigned len, bool is_write)
{
	last.n++;
	last.opaque = opaque;
	last.offset = offset;
	last.len = len;
	last.is_write = is_write;
	if (is_write) {
		memcpy(last.data, data, len);
	} else {
		/* Reads answer with the low bytes of the offset, then 0xa0+i. */
		for (unsigned i = 0; i < len; i++)
			data[i] = i == 0 ? (uint8_t)offset : (uint8_t)(0xa0 + i);
	}
}

static void slow_handler(void *opaque, uint64_t offset, uint8_t *data, unsigned len, bool is_write)
{
	struct timespec ts = { 0, 2000000 }; /* 2 ms */

	nanosleep(&ts, NULL);
	rec_handler(opaque, offset, data, len, is_write);
}

static void test_register_keeps_ranges_sorted(void **state)
{
	struct bus b;
	static const uint64_t bases[] = { 0x3f8, 0x60, 0x2f8, 0x70, 0x64, 0xcf8, 0x20 };
	int tags[7];

	(void)state;
	bus__init(&b, "pio");
	assert_string_equal(b.name, "pio");
	assert_int_equal(b.n, 0);
	for (int i = 0; i < 7; i++)
		assert_int_equal(bus__register(&b, bases[i], bases[i] == 0x3f8 ? 8 : 2, rec_handler,
					       &tags[i], "dev"),
				 0);
	assert_int_equal(b.n, 7);
	for (int i = 1; i < b.n; i++)
		assert_true(b.ranges[i - 1].base + b.ranges[i - 1].len <= b.ranges[i].base);
	assert_int_equal(b.ranges[0].base, 0x20);
	assert_int_equal(b.ranges[6].base, 0xcf8);
	/* Each range kept its own handler data across the insertions. */
	for (int i = 0; i < 7; i++) {
		struct bus_range *r = bus__find(&b, bases[i]);

		assert_non_null(r);
		assert_int_equal(r->base, bases[i]);
		assert_ptr_equal(r->opaque, &tags[i]);
		assert_int_equal(r->count, 0);
	}
	bus__fini(&b);
	assert_int_equal(b.n, 0);
	assert_null(b.ranges);
}

static void test_register_rejects_overlap(void **state)
{
	struct bus b;

	(void)state;
	bus__init(&b, "pio");
	assert_int_equal(bus__register(&b, 0x100, 0x10, rec_handler, NULL, "a"), 0);
	assert_int_equal(bus__register(&b, 0x200, 0x10, rec_handler, NULL, "b"), 0);
	/* Left neighbour: starts inside or at the end of [0x100, 0x110). */
	assert_int_equal(bus__register(&b, 0x10f, 0x20, rec_handler, NULL, "x"), -EEXIST);
	assert_int_equal(bus__register(&b, 0x10f, 1, rec_handler, NULL, "x"), -EEXIST);
	assert_int_equal(bus__register(&b, 0x100, 1, rec_handler, NULL, "x"), -EEXIST);
	assert_int_equal(bus__register(&b, 0x105, 2, rec_handler, NULL, "x"), -EEXIST);
	/* Right neighbour: starts below and reaches into it. */
	assert_int_equal(bus__register(&b, 0xf0, 0x11, rec_handler, NULL, "x"), -EEXIST);
	assert_int_equal(bus__register(&b, 0x1f0, 0x11, rec_handler, NULL, "x"), -EEXIST);
	assert_int_equal(bus__register(&b, 0x110, 0xf1, rec_handler, NULL, "x"), -EEXIST);
	/* Swallowing both. */
	assert_int_equal(bus__register(&b, 0, 0x1000, rec_handler, NULL, "x"), -EEXIST);
	assert_int_equal(bus__register(&b, 0x1ff, 0x2, rec_handler, NULL, "x"), -EEXIST);
	/* Nothing was added by the failures. */
	assert_int_equal(b.n, 2);
	/* Adjacent on both sides, and the gap filled exactly, are fine. */
	assert_int_equal(bus__register(&b, 0xf0, 0x10, rec_handler, NULL, "c"), 0);
	assert_int_equal(bus__register(&b, 0x210, 0x10, rec_handler, NULL, "d"), 0);
	assert_int_equal(bus__register(&b, 0x110, 0xf0, rec_handler, NULL, "e"), 0);
	assert_int_equal(b.n, 5);
	assert_string_equal(bus__find(&b, 0x10f)->name, "a");
	assert_string_equal(bus__find(&b, 0x110)->name, "e");
	assert_string_equal(bus__find(&b, 0x1ff)->name, "e");
	assert_string_equal(bus__find(&b, 0x200)->name, "b");
	bus__fini(&b);
}

static void test_register_rejects_empty_and_wrapping(void **state)
{
	struct bus b;

	(void)state;
	bus__init(&b, "mmio");
	assert_int_equal(bus__register(&b, 0x1000, 0, rec_handler, NULL, "x"), -EINVAL);
	assert_int_equal(bus__register(&b, UINT64_MAX, 2, rec_handler, NULL, "x"), -EINVAL);
	assert_int_equal(bus__register(&b, 0x10, UINT64_MAX, rec_handler, NULL, "x"), -EINVAL);
	assert_int_equal(bus__register(&b, 0x1000, 0x10, NULL, NULL, "x"), -EINVAL);
	assert_int_equal(b.n, 0);
	/* Ending exactly at the top of the address space does not wrap. */
	assert_int_equal(bus__register(&b, UINT64_MAX, 1, rec_handler, NULL, "top"), 0);
	assert_int_equal(bus__register(&b, 0, UINT64_MAX, rec_handler, NULL, "rest"), 0);
	assert_string_equal(bus__find(&b, UINT64_MAX)->name, "top");
	assert_string_equal(bus__find(&b, UINT64_MAX - 1)->name, "rest");
	assert_string_equal(bus__find(&b, 0)->name, "rest");
	bus__fini(&b);
}

static void test_find_at_edges(void **state)
{
	struct bus b;

	(void)state;
	bus__init(&b, "mmio");
	assert_null(bus__find(&b, 0));
	assert_int_equal(bus__register(&b, 0xfee00000, 0x1000, rec_handler, NULL, "lapic"), 0);
	assert_int_equal(bus__register(&b, 0xfec00000, 0x20, rec_handler, NULL, "ioapic"), 0);
	assert_null(bus__find(&b, 0xfedfffff));
	assert_string_equal(bus__find(&b, 0xfee00000)->name, "lapic");
	assert_string_equal(bus__find(&b, 0xfee00fff)->name, "lapic");
	assert_null(bus__find(&b, 0xfee01000));
	assert_null(bus__find(&b, 0xfebfffff));
	assert_string_equal(bus__find(&b, 0xfec00000)->name, "ioapic");
	assert_string_equal(bus__find(&b, 0xfec0001f)->name, "ioapic");
	assert_null(bus__find(&b, 0xfec00020));
	assert_null(bus__find(&b, 0));
	assert_null(bus__find(&b, UINT64_MAX));
	bus__fini(&b);
}

static void test_access_passes_offset(void **state)
{
	struct bus b;
	int com1, com2;
	uint8_t data[8];

	(void)state;
	memset(&last, 0, sizeof(last));
	bus__init(&b, "pio");
	assert_int_equal(bus__register(&b, 0x3f8, 8, rec_handler, &com1, "com1"), 0);
	assert_int_equal(bus__register(&b, 0x2f8, 8, rec_handler, &com2, "com2"), 0);

	data[0] = 0x41;
	assert_true(bus__access(&b, 0x3f8, data, 1, true));
	assert_int_equal(last.n, 1);
	assert_ptr_equal(last.opaque, &com1);
	assert_int_equal(last.offset, 0);
	assert_int_equal(last.len, 1);
	assert_true(last.is_write);
	assert_int_equal(last.data[0], 0x41);

	memset(data, 0, sizeof(data));
	assert_true(bus__access(&b, 0x2fd, data, 2, false));
	assert_int_equal(last.n, 2);
	assert_ptr_equal(last.opaque, &com2);
	assert_int_equal(last.offset, 5);
	assert_int_equal(last.len, 2);
	assert_false(last.is_write);
	assert_int_equal(data[0], 5);
	assert_int_equal(data[1], 0xa1);

	memcpy(data, "\x01\x02\x03\x04", 4);
	assert_true(bus__access(&b, 0x3ff, data, 4, true));
	assert_int_equal(last.offset, 7);
	assert_int_equal(last.len, 4);
	assert_memory_equal(last.data, "\x01\x02\x03\x04", 4);

	assert_int_equal(bus__find(&b, 0x3f8)->count, 2);
	assert_int_equal(bus__find(&b, 0x2f8)->count, 1);
	assert_int_equal(b.unclaimed, 0);
	bus__fini(&b);
}

static void test_unclaimed_reads_all_ones(void **state)
{
	struct bus b;
	uint8_t data[8];

	(void)state;
	memset(&last, 0, sizeof(last));
	bus__init(&b, "pio");
	assert_int_equal(bus__register(&b, 0x60, 1, rec_handler, NULL, "kbd"), 0);

	memset(data, 0x12, sizeof(data));
	assert_false(bus__access(&b, 0x61, data, 4, false));
	assert_memory_equal(data, "\xff\xff\xff\xff\x12\x12\x12\x12", 8);
	assert_int_equal(b.unclaimed, 1);

	memset(data, 0x12, sizeof(data));
	assert_false(bus__access(&b, 0x5f, data, 8, false));
	assert_memory_equal(data, "\xff\xff\xff\xff\xff\xff\xff\xff", 8);
	assert_int_equal(b.unclaimed, 2);

	/* A write to nowhere vanishes and leaves the buffer alone. */
	memset(data, 0x34, sizeof(data));
	assert_false(bus__access(&b, 0x80, data, 1, true));
	assert_int_equal(data[0], 0x34);
	assert_int_equal(b.unclaimed, 3);

	assert_int_equal(last.n, 0);
	assert_int_equal(bus__find(&b, 0x60)->count, 0);
	assert_true(bus__access(&b, 0x60, data, 1, false));
	assert_int_equal(bus__find(&b, 0x60)->count, 1);
	assert_int_equal(b.unclaimed, 3);
	bus__fini(&b);
}

static void test_timed_accounting(void **state)
{
	struct bus b;
	uint8_t data[1] = { 0 };

	(void)state;
	memset(&last, 0, sizeof(last));
	bus__init(&b, "pio");
	b.timed = true;
	assert_int_equal(bus__register(&b, 0x80, 1, slow_handler, NULL, "slow"), 0);
	assert_true(bus__access(&b, 0x80, data, 1, false));
	assert_true(bus__access(&b, 0x80, data, 1, true));
	assert_int_equal(last.n, 2);
	assert_int_equal(bus__find(&b, 0x80)->count, 2);
	/* Two calls of at least 2 ms each. */
	assert_true(bus__find(&b, 0x80)->ns >= 4000000ULL);
	bus__fini(&b);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t xorshift64(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

struct ref_range {
	uint64_t base, len;
	int tag;
};

/* Brute force: the range holding addr, or -1. */
static int linear_find(const struct ref_range *r, int n, uint64_t addr)
{
	for (int i = 0; i < n; i++)
		if (addr >= r[i].base && addr - r[i].base < r[i].len)
			return i;
	return -1;
}

static bool linear_overlaps(const struct ref_range *r, int n, uint64_t base, uint64_t len)
{
	for (int i = 0; i < n; i++)
		if (base <= r[i].base + r[i].len - 1 && r[i].base <= base + len - 1)
			return true;
	return false;
}

#define NRANDOM 500

static void test_random_ranges_vs_linear_scan(void **state)
{
	static struct ref_range ref[NRANDOM];
	static int tags[NRANDOM];
	struct bus b;
	int n = 0, rejected = 0, tries = 0;

	(void)state;
	bus__init(&b, "mmio");
	/* Dense enough in a 1 MiB window that many candidates collide. */
	while (n < NRANDOM) {
		uint64_t base = xorshift64() % 0x100000, len = 1 + xorshift64() % 0x800;
		bool overlap = linear_overlaps(ref, n, base, len);
		int r;

		assert_true(++tries < 100000);
		tags[n] = n;
		r = bus__register(&b, base, len, rec_handler, &tags[n], "r");
		if (overlap) {
			assert_int_equal(r, -EEXIST);
			rejected++;
			continue;
		}
		assert_int_equal(r, 0);
		ref[n] = (struct ref_range){ base, len, n };
		n++;
	}
	assert_int_equal(b.n, NRANDOM);
	assert_true(rejected > 0);
	for (int i = 1; i < b.n; i++)
		assert_true(b.ranges[i - 1].base + b.ranges[i - 1].len <= b.ranges[i].base);

	/* Every edge of every range, its neighbours, and random addresses. */
	for (int i = 0; i < n + 20000; i++) {
		uint64_t addrs[4];
		int na;

		if (i < n) {
			addrs[0] = ref[i].base;
			addrs[1] = ref[i].base - 1;
			addrs[2] = ref[i].base + ref[i].len - 1;
			addrs[3] = ref[i].base + ref[i].len;
			na = 4;
		} else {
			addrs[0] = xorshift64() % 0x110000;
			na = 1;
		}
		for (int k = 0; k < na; k++) {
			int want = linear_find(ref, n, addrs[k]);
			struct bus_range *got = bus__find(&b, addrs[k]);

			if (want < 0) {
				assert_null(got);
				continue;
			}
			assert_non_null(got);
			assert_int_equal(got->base, ref[want].base);
			assert_int_equal(got->len, ref[want].len);
			assert_ptr_equal(got->opaque, &tags[ref[want].tag]);
		}
	}

	/* Dispatch through the same table counts on the right range. */
	for (int i = 0; i < n; i++) {
		uint8_t d = 0;

		memset(&last, 0, sizeof(last));
		assert_true(bus__access(&b, ref[i].base + ref[i].len / 2, &d, 1, false));
		assert_ptr_equal(last.opaque, &tags[i]);
		assert_int_equal(last.offset, ref[i].len / 2);
	}
	for (int i = 0; i < b.n; i++)
		assert_int_equal(b.ranges[i].count, 1);
	bus__fini(&b);
}

#define MEM_SIZE (16ULL << 20)

static void test_mem_init_and_bounds(void **state)
{
	struct guest_mem m;
	struct err e = { 0 };
	uint8_t buf[16], out[16];

	(void)state;
	assert_int_equal(mem__init(&m, MEM_SIZE, &e), 0);
	assert_int_equal(m.size, MEM_SIZE);
	assert_int_equal(m.nregions, 1);
	assert_int_equal(m.regions[0].gpa, 0);
	assert_int_equal(m.regions[0].size, MEM_SIZE);
	assert_int_equal(mem__top(&m), MEM_SIZE);

	assert_ptr_equal(mem__ptr(&m, 0, MEM_SIZE), m.base);
	assert_ptr_equal(mem__ptr(&m, 0x1234, 1), m.base + 0x1234);
	assert_ptr_equal(mem__ptr(&m, MEM_SIZE - 1, 1), m.base + MEM_SIZE - 1);
	assert_null(mem__ptr(&m, 0, MEM_SIZE + 1));
	assert_null(mem__ptr(&m, MEM_SIZE, 1));
	assert_null(mem__ptr(&m, MEM_SIZE - 1, 2));
	assert_null(mem__ptr(&m, MEM_SIZE + 0x1000, 0));
	/* Lengths and addresses that would wrap gpa + len. */
	assert_null(mem__ptr(&m, 1, UINT64_MAX));
	assert_null(mem__ptr(&m, 0x1000, UINT64_MAX - 0xfff));
	assert_null(mem__ptr(&m, 0x1000, UINT64_MAX - 0xfff + 0x10));
	assert_null(mem__ptr(&m, UINT64_MAX, 1));
	assert_null(mem__ptr(&m, UINT64_MAX, 2));
	assert_null(mem__ptr(&m, UINT64_MAX - 0xf, 0x20));
	assert_null(mem__ptr(&m, 0, UINT64_MAX));

	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(0x30 + i);
	assert_int_equal(mem__write(&m, 0x100000, buf, sizeof(buf)), 0);
	assert_memory_equal(m.base + 0x100000, buf, sizeof(buf));
	memset(out, 0, sizeof(out));
	assert_int_equal(mem__read(&m, 0x100000, out, sizeof(out)), 0);
	assert_memory_equal(out, buf, sizeof(buf));

	/* Crossing the end fails whole: nothing is written, nothing read. */
	assert_int_equal(mem__write(&m, MEM_SIZE - 8, buf, sizeof(buf)), -EFAULT);
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(m.base[MEM_SIZE - 8 + i], 0);
	memset(out, 0x77, sizeof(out));
	assert_int_equal(mem__read(&m, MEM_SIZE - 8, out, sizeof(out)), -EFAULT);
	assert_int_equal(out[0], 0x77);
	assert_int_equal(mem__write(&m, UINT64_MAX - 3, buf, 8), -EFAULT);
	assert_int_equal(mem__read(&m, 8, out, UINT64_MAX - 3), -EFAULT);
	/* The last bytes are reachable. */
	assert_int_equal(mem__write(&m, MEM_SIZE - 16, buf, sizeof(buf)), 0);
	assert_int_equal(mem__read(&m, MEM_SIZE - 16, out, sizeof(out)), 0);
	assert_memory_equal(out, buf, sizeof(buf));

	mem__fini(&m);
	assert_null(m.base);
	assert_int_equal(m.nregions, 0);
}

/* The split above 3 GiB without mapping gigabytes: a hand-built guest_mem
 * whose two regions sit in one small buffer. */
static void test_mem_ptr_two_regions(void **state)
{
	static uint8_t host[0x2000];
	struct guest_mem m = {
		.base = host,
		.size = sizeof(host),
		.nregions = 2,
		.regions = {
			{ .gpa = 0, .size = 0x1000, .hva = host },
			{ .gpa = MEM_HIGH_START, .size = 0x1000, .hva = host + 0x1000 },
		},
	};

	(void)state;
	assert_int_equal(mem__top(&m), MEM_HIGH_START + 0x1000);
	assert_ptr_equal(mem__ptr(&m, 0xfff, 1), host + 0xfff);
	assert_ptr_equal(mem__ptr(&m, MEM_HIGH_START, 0x1000), host + 0x1000);
	assert_ptr_equal(mem__ptr(&m, MEM_HIGH_START + 0xff0, 0x10), host + 0x1ff0);
	/* Contiguous on the host, but not for the guest. */
	assert_null(mem__ptr(&m, 0xff0, 0x20));
	assert_null(mem__ptr(&m, 0x1000, 1));
	assert_null(mem__ptr(&m, MEM_HOLE_START, 1));
	assert_null(mem__ptr(&m, MEM_HIGH_START - 1, 2));
	assert_null(mem__ptr(&m, MEM_HIGH_START + 0xff0, 0x11));
	assert_null(mem__ptr(&m, MEM_HIGH_START + 0x1000, 1));
	assert_null(mem__ptr(&m, MEM_HIGH_START + 8, UINT64_MAX - 4));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_register_keeps_ranges_sorted),
		cmocka_unit_test(test_register_rejects_overlap),
		cmocka_unit_test(test_register_rejects_empty_and_wrapping),
		cmocka_unit_test(test_find_at_edges),
		cmocka_unit_test(test_access_passes_offset),
		cmocka_unit_test(test_unclaimed_reads_all_ones),
		cmocka_unit_test(test_timed_accounting),
		cmocka_unit_test(test_random_ranges_vs_linear_scan),
		cmocka_unit_test(test_mem_init_and_bounds),
		cmocka_unit_test(test_mem_ptr_two_regions),
	};
	return cmocka_run_group_tests_name("bus", tests, NULL, NULL);
}
