/* bus.c - sorted-range address decoding (see bus.h). */
#include "vm/bus.h"

#include "common/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void bus__init(struct bus *b, const char *name)
{
	memset(b, 0, sizeof(*b));
	b->name = name;
}

void bus__fini(struct bus *b)
{
	free(b->ranges);
	b->ranges = NULL;
	b->n = b->cap = 0;
}

/* Index of the first range whose base is > addr. */
static int upper_bound(const struct bus *b, uint64_t addr)
{
	int lo = 0, hi = b->n;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (b->ranges[mid].base <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int bus__register(struct bus *b, uint64_t base, uint64_t len, bus_handler_fn fn, void *opaque,
		  const char *name)
{
	int i;

	if (len == 0 || base + len - 1 < base || !fn)
		return -EINVAL;
	i = upper_bound(b, base);
	/* Overlap with the range before (which starts at or below base) or the
	 * one after (which starts above base). */
	if (i > 0 && b->ranges[i - 1].base + b->ranges[i - 1].len - 1 >= base)
		return -EEXIST;
	if (i < b->n && b->ranges[i].base <= base + len - 1)
		return -EEXIST;
	if (b->n == b->cap) {
		int cap = b->cap ? b->cap * 2 : 16;
		struct bus_range *r = realloc(b->ranges, (size_t)cap * sizeof(*r));

		if (!r)
			return -ENOMEM;
		b->ranges = r;
		b->cap = cap;
	}
	memmove(&b->ranges[i + 1], &b->ranges[i], (size_t)(b->n - i) * sizeof(b->ranges[0]));
	b->ranges[i] = (struct bus_range){
		.base = base, .len = len, .fn = fn, .opaque = opaque, .name = name
	};
	b->n++;
	return 0;
}

struct bus_range *bus__find(const struct bus *b, uint64_t addr)
{
	int i = upper_bound(b, addr);

	if (i > 0 && addr - b->ranges[i - 1].base < b->ranges[i - 1].len)
		return &b->ranges[i - 1];
	return NULL;
}

bool bus__access(struct bus *b, uint64_t addr, uint8_t *data, unsigned len, bool is_write)
{
	struct bus_range *r = bus__find(b, addr);
	uint64_t t0;

	if (!r) {
		atomic_fetch_add_explicit(&b->unclaimed, 1, memory_order_relaxed);
		if (!is_write)
			memset(data, 0xff, len);
		return false;
	}
	atomic_fetch_add_explicit(&r->count, 1, memory_order_relaxed);
	if (!b->timed) {
		r->fn(r->opaque, addr - r->base, data, len, is_write);
		return true;
	}
	t0 = util__now_ns();
	r->fn(r->opaque, addr - r->base, data, len, is_write);
	atomic_fetch_add_explicit(&r->ns, util__now_ns() - t0, memory_order_relaxed);
	return true;
}
