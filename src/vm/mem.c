/* mem.c - guest RAM as one anonymous host mapping split into regions. */
#include "vm/mem.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

int mem__init(struct guest_mem *m, uint64_t size, struct err *e)
{
	uint64_t low = size < MEM_HOLE_START ? size : MEM_HOLE_START;
	void *p;

	memset(m, 0, sizeof(*m));
	/* MAP_NORESERVE: the guest touches what it uses; the rest costs nothing. */
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		 -1, 0);
	if (p == MAP_FAILED)
		return err__sys(e, errno, "cannot map %llu MiB of guest RAM",
				(unsigned long long)(size >> 20));
	/* Guest RAM is what the guest sees as memory; THP keeps the host's page
	 * tables and the accelerator's TLB small. A hint only. */
	madvise(p, size, MADV_HUGEPAGE);
	m->base = p;
	m->size = size;
	m->regions[0] = (struct mem_region){ .gpa = 0, .size = low, .hva = m->base };
	m->nregions = 1;
	if (size > low) {
		m->regions[1] = (struct mem_region){ .gpa = MEM_HIGH_START,
						     .size = size - low,
						     .hva = m->base + low };
		m->nregions = 2;
	}
	return 0;
}

void mem__fini(struct guest_mem *m)
{
	if (m->base)
		munmap(m->base, m->size);
	m->base = NULL;
	m->nregions = 0;
}

void *mem__ptr(const struct guest_mem *m, uint64_t gpa, uint64_t len)
{
	for (int i = 0; i < m->nregions; i++) {
		const struct mem_region *r = &m->regions[i];

		/* Written to avoid overflow: gpa + len may wrap for hostile input. */
		if (gpa >= r->gpa && gpa - r->gpa <= r->size && len <= r->size - (gpa - r->gpa))
			return r->hva + (gpa - r->gpa);
	}
	return NULL;
}

int mem__write(const struct guest_mem *m, uint64_t gpa, const void *src, uint64_t len)
{
	void *p = mem__ptr(m, gpa, len);

	if (!p)
		return -EFAULT;
	memcpy(p, src, len);
	return 0;
}

int mem__read(const struct guest_mem *m, uint64_t gpa, void *dst, uint64_t len)
{
	const void *p = mem__ptr(m, gpa, len);

	if (!p)
		return -EFAULT;
	memcpy(dst, p, len);
	return 0;
}

uint64_t mem__top(const struct guest_mem *m)
{
	const struct mem_region *r = &m->regions[m->nregions - 1];

	return r->gpa + r->size;
}
