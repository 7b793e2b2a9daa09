/* mem.h - guest physical memory: host-mapped RAM regions.
 *
 * RAM below 3 GiB starts at guest-physical 0; anything beyond goes above
 * 4 GiB so the hole [3 GiB, 4 GiB) stays free for MMIO (LAPIC, IOAPIC, PCI),
 * as on a PC. Both accelerators see the same host mapping. */
#ifndef VMKIT_VM_MEM_H
#define VMKIT_VM_MEM_H

#include "common/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MEM_HOLE_START  0xC0000000ULL  /* 3 GiB: start of the 32-bit MMIO hole */
#define MEM_HIGH_START  0x100000000ULL /* 4 GiB */
#define MEM_MAX_REGIONS 2

struct mem_region {
	uint64_t gpa;  /* guest-physical start */
	uint64_t size; /* bytes */
	uint8_t *hva;  /* host address of gpa */
};

struct guest_mem {
	uint8_t *base; /* one host mapping holding every region, in order */
	uint64_t size; /* total RAM bytes */
	int nregions;
	struct mem_region regions[MEM_MAX_REGIONS];
};

int mem__init(struct guest_mem *m, uint64_t size, struct err *e);
void mem__fini(struct guest_mem *m);

/* Host pointer for [gpa, gpa+len) if it lies wholly inside one RAM region,
 * else NULL. Every guest-supplied address goes through here (or mem__copy*)
 * before the VMM dereferences it. */
void *mem__ptr(const struct guest_mem *m, uint64_t gpa, uint64_t len);

/* Copy into / out of guest RAM; -EFAULT if any byte is outside RAM. */
int mem__write(const struct guest_mem *m, uint64_t gpa, const void *src, uint64_t len);
int mem__read(const struct guest_mem *m, uint64_t gpa, void *dst, uint64_t len);

/* Highest RAM address + 1. */
uint64_t mem__top(const struct guest_mem *m);

#endif
