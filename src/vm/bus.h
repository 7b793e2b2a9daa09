/* bus.h - address decoding for port I/O and MMIO.
 *
 * A device registers (base, length, handler, opaque) and is called with the
 * offset inside its range; it never learns which accelerator delivered the
 * access. Ranges are kept sorted and found by binary search, so a lookup
 * costs O(log n) whatever the number of devices. Registration happens while
 * the machine is built, before any vCPU runs; lookups take no lock. */
#ifndef VMKIT_VM_BUS_H
#define VMKIT_VM_BUS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* data holds len bytes (1, 2, 4 or 8), little-endian as the guest sees them.
 * A read fills data; a write consumes it. */
typedef void (*bus_handler_fn)(void *opaque, uint64_t offset, uint8_t *data, unsigned len,
			       bool is_write);

struct bus_range {
	uint64_t base, len;
	bus_handler_fn fn;
	void *opaque;
	const char *name;    /* for statistics and diagnostics */
	atomic_ullong count; /* accesses */
	atomic_ullong ns;    /* time spent in fn */
};

struct bus {
	const char *name; /* "pio" or "mmio" */
	struct bus_range *ranges;
	int n, cap;
	bool timed;              /* account time per range (--stats) */
	atomic_ullong unclaimed; /* accesses that hit no device */
};

void bus__init(struct bus *b, const char *name);
void bus__fini(struct bus *b);

/* -EEXIST if the range overlaps one already registered, -EINVAL if empty
 * or wrapping, -ENOMEM. */
int bus__register(struct bus *b, uint64_t base, uint64_t len, bus_handler_fn fn, void *opaque,
		  const char *name);

struct bus_range *bus__find(const struct bus *b, uint64_t addr);

/* Dispatch one access. Returns false when no device claims addr: reads then
 * return all ones, as an unpopulated ISA/PCI bus does, and writes vanish. */
bool bus__access(struct bus *b, uint64_t addr, uint8_t *data, unsigned len, bool is_write);

#endif
