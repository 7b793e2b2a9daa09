/* mmu.c - linear to physical translation and guest memory access (SDM
 * vol. 3A, chapter 4: 32-bit, PAE and 4-level paging with 4 KiB, 2 MiB,
 * 4 MiB and 1 GiB pages; A/D bits; U/S, R/W, NX and CR0.WP).
 *
 * The soft TLB (internal.h) caches, per 4 KiB linear page and access kind,
 * the host address of RAM pages only: MMIO always takes the slow path, and
 * so do writes to pages holding decoded code, which must drop their blocks
 * (self-modifying code). */
#include "cpu/internal.h"

#include "common/log.h"

#define PTE_ADDR 0x000ffffffffff000ULL
#define PTE_NX   (1ULL << 63)
#define PTE_A    (1ULL << 5)
#define PTE_D    (1ULL << 6)

/* ---- physical memory ---- */

static bool apic_page(const struct cpu *c, uint64_t gpa)
{
	return c->sys->apic_access && (c->apic_base & (1ULL << 11)) &&
	       (gpa & ~0xfffULL) == (c->apic_base & ~0xfffULL);
}

static void phys_io(struct cpu *c, uint64_t gpa, uint8_t *data, unsigned size, bool write)
{
	if (apic_page(c, gpa) &&
	    c->sys->apic_access(c->sys->ctx, c, gpa & 0xfff, data, size, write))
		return;
	if (c->sys->mmio)
		c->sys->mmio(c->sys->ctx, gpa, data, size, write);
	else if (!write)
		memset(data, 0xff, size);
	if (atomic_load_explicit(&c->events, memory_order_relaxed))
		c->end_block = true;
}

uint64_t phys_read(struct cpu *c, uint64_t gpa, unsigned size)
{
	const void *p = mem__ptr(c->sys->mem, gpa, size);
	uint64_t v = 0;

	if (likely(p != NULL && !apic_page(c, gpa)))
		memcpy(&v, p, size);
	else
		phys_io(c, gpa, (uint8_t *)&v, size, false);
	return v;
}

void phys_write(struct cpu *c, uint64_t gpa, unsigned size, uint64_t v)
{
	void *p = mem__ptr(c->sys->mem, gpa, size);

	if (likely(p != NULL && !apic_page(c, gpa))) {
		mmu_note_code_write(c, gpa, size);
		memcpy(p, &v, size);
	} else {
		phys_io(c, gpa, (uint8_t *)&v, size, true);
	}
}

/* ---- page walk ---- */

static _Noreturn void page_fault(struct cpu *c, uint64_t lin, uint32_t err)
{
	c->cr2 = lin;
	cpu_exception(c, EXC_PF, err);
}

/* Set A (and D) in a paging-structure entry with an atomic OR: another
 * vCPU may be updating the same entry. */
static void set_bits(struct cpu *c, uint64_t gpa, unsigned size, uint64_t bits)
{
	void *p = mem__ptr(c->sys->mem, gpa, size);

	if (!p)
		return;
	if (size == 8)
		__atomic_fetch_or((uint64_t *)p, bits, __ATOMIC_RELAXED);
	else
		__atomic_fetch_or((uint32_t *)p, (uint32_t)bits, __ATOMIC_RELAXED);
}

struct walk {
	uint64_t phys; /* physical address of lin */
	uint64_t page; /* page size */
	bool rw, us, nx;
	uint64_t leaf_gpa, leaf; /* the entry that mapped it, for the D bit */
	unsigned leaf_size;
};

/* Bits 51:40 of an 8-byte entry lie above the 40 address bits CPUID
 * reports (0x80000008) and are reserved (SDM vol. 3A, 4.5). */
#define PTE_RSVD_HIGH 0x000fff0000000000ULL

/* Returns 0, or the #PF error code bits (P, RSVD) of a failed walk. */
static uint32_t walk(struct cpu *c, uint64_t lin, bool write, struct walk *w)
{
	uint64_t table, e = 0, gpa = 0;
	unsigned levels, shift, esize;
	bool pae = c->cr4 & X86_CR4_PAE;

	w->rw = w->us = true;
	w->nx = false;
	if (c->efer & X86_EFER_LMA) {
		levels = 4;
		shift = 39;
		esize = 8;
		table = c->cr3 & PTE_ADDR;
	} else if (pae) {
		/* PAE: CR3 points at four PDPTEs chosen by bits 31:30. */
		gpa = (c->cr3 & 0xffffffe0) + ((lin >> 30) & 3) * 8;
		e = phys_read(c, gpa, 8);
		if (!(e & X86_PTE_P))
			return 0; /* not present */
		levels = 2;
		shift = 21;
		esize = 8;
		table = e & PTE_ADDR;
	} else {
		levels = 2;
		shift = 22;
		esize = 4;
		table = c->cr3 & 0xfffff000;
	}
	for (unsigned l = 0; l < levels; l++, shift -= esize == 8 ? 9 : 10) {
		unsigned bits = esize == 8 ? 9 : 10;
		bool big;

		gpa = table + ((lin >> shift) & ((1u << bits) - 1)) * esize;
		e = phys_read(c, gpa, esize);
		if (!(e & X86_PTE_P))
			return 0;
		if (esize == 8 && (e & PTE_NX)) {
			if (!(c->efer & X86_EFER_NXE))
				return PF_P | PF_RSVD;
			w->nx = true;
		}
		if (esize == 8 && (e & PTE_RSVD_HIGH))
			return PF_P | PF_RSVD;
		/* Large pages: PS in a PDPTE (1 GiB, 4-level only) or a PDE
		 * (2 MiB with 8-byte entries, 4 MiB with CR4.PSE otherwise).
		 * PS in a PML4E is reserved. */
		big = (e & X86_PTE_PS) && l + 1 < levels &&
		      (esize == 8 ? (levels == 2 || l >= 1) : (c->cr4 & X86_CR4_PSE));
		if (esize == 8 && levels == 4 && l == 0 && (e & X86_PTE_PS))
			return PF_P | PF_RSVD;
		/* A large page's address bits below its size, above bit 12
		 * (the PAT bit), are reserved: 20:13 for 2 MiB, 29:13 for 1 GiB. */
		if (big && esize == 8 && (e & ((1ULL << shift) - 1) & ~0x1fffULL))
			return PF_P | PF_RSVD;
		w->rw &= !!(e & X86_PTE_RW);
		w->us &= !!(e & X86_PTE_US);
		if (!(e & PTE_A))
			set_bits(c, gpa, esize, PTE_A);
		if (big) {
			w->page = 1ULL << shift;
			if (esize == 8)
				w->phys = (e & PTE_ADDR & ~(w->page - 1)) | (lin & (w->page - 1));
			else
				w->phys = (e & 0xffc00000) | (lin & 0x3fffff);
			goto leaf;
		}
		table = esize == 8 ? e & PTE_ADDR : e & 0xfffff000;
	}
	w->page = 4096;
	w->phys = table | (lin & 0xfff);
leaf:
	w->leaf_gpa = gpa;
	w->leaf = e;
	w->leaf_size = esize;
	return PF_P; /* present */
}

static bool canonical(uint64_t lin)
{
	return (uint64_t)((int64_t)(lin << 16) >> 16) == lin;
}

uint64_t mmu_translate(struct cpu *c, uint64_t lin, int acc, bool user)
{
	struct walk w = { 0 };
	uint32_t r, err;

	if (!(c->cr0 & X86_CR0_PG))
		return c->code64 ? lin : lin & 0xffffffff;
	if ((c->efer & X86_EFER_LMA) && !canonical(lin)) {
		/* Through SS (an RSP or RBP base) the fault is #SS(0). */
		if (c->cur && c->cur->seg == SEG_SS)
			cpu_exception(c, EXC_SS, 0);
		cpu_gp(c, 0);
	}
	if (!(c->efer & X86_EFER_LMA))
		lin &= 0xffffffff;
	r = walk(c, lin, acc == ACC_W, &w);
	err = (acc == ACC_W ? PF_W : 0) | (user ? PF_U : 0) |
	      (acc == ACC_X && (c->efer & X86_EFER_NXE) ? PF_I : 0);
	if (!(r & PF_P) || (r & PF_RSVD))
		page_fault(c, lin, err | r);
	if (user && !w.us)
		page_fault(c, lin, err | PF_P);
	if (acc == ACC_W && !w.rw && (user || (c->cr0 & X86_CR0_WP)))
		page_fault(c, lin, err | PF_P);
	if (acc == ACC_X && w.nx)
		page_fault(c, lin, err | PF_P);
	/* Dirty only for a write that is allowed to happen (SDM 4.8). */
	if (acc == ACC_W && !(w.leaf & PTE_D))
		set_bits(c, w.leaf_gpa, w.leaf_size, PTE_A | PTE_D);
	if (w.page > 4096)
		c->tlb_big = true;
	return w.phys;
}

/* ---- code pages ---- */

int64_t codemap_index(const struct cpu_codemap *cm, uint64_t gpa)
{
	const struct guest_mem *m = cm->mem;
	uint64_t base = 0;

	for (int i = 0; i < m->nregions; i++) {
		const struct mem_region *r = &m->regions[i];

		if (gpa >= r->gpa && gpa - r->gpa < r->size)
			return (int64_t)((base + gpa - r->gpa) >> 12);
		base += r->size;
	}
	return -1;
}

void mmu_note_code_write(struct cpu *c, uint64_t gpa, unsigned size)
{
	struct cpu_codemap *cm = c->sys->code;
	uint64_t last = gpa + size - 1;

	if (!cm)
		return;
	for (uint64_t pg = gpa & ~0xfffULL; pg <= last; pg += 4096) {
		int64_t i = codemap_index(cm, pg);

		if (i < 0 || !atomic_load_explicit(&cm->code[i], memory_order_relaxed))
			continue;
		atomic_store(&cm->code[i], 0);
		atomic_fetch_add(&cm->gen[i], 1);
		c->stats.smc++;
		/* Writing into the block that is running: stop after this
		 * instruction so the rest is decoded afresh. */
		if (pg == c->blk_page || pg == c->blk_page2)
			c->end_block = true;
	}
}

static bool page_is_code(const struct cpu *c, uint64_t gpa)
{
	struct cpu_codemap *cm = c->sys->code;
	int64_t i;

	if (!cm)
		return false;
	i = codemap_index(cm, gpa);
	return i >= 0 && atomic_load_explicit(&cm->code[i], memory_order_relaxed);
}

/* ---- TLB ---- */

static void tlb_fill(struct cpu *c, struct tlb_entry *t, uint64_t lin, uint64_t phys, int acc)
{
	uint64_t ppage = phys & ~0xfffULL;
	uint8_t *host = mem__ptr(c->sys->mem, ppage, 4096);
	struct tlb_entry *e = &t[(lin >> 12) & (TLB_SIZE - 1)];

	if (!host || apic_page(c, ppage))
		return; /* MMIO: every access goes to the bus */
	if (acc == ACC_W && page_is_code(c, ppage))
		return; /* keep writes on the slow path until the code is gone */
	e->tag = (lin & ~0xfffULL) | c->tlb_cpl;
	e->addend = (uintptr_t)host - (uintptr_t)(lin & ~0xfffULL);
	e->phys = ppage;
}

static uint64_t translate_fill(struct cpu *c, uint64_t lin, int acc)
{
	bool user = c->cpl == 3;
	uint64_t phys = mmu_translate(c, lin, acc, user);

	c->stats.tlb_misses++;
	tlb_fill(c, acc == ACC_R ? c->tlb_r : acc == ACC_W ? c->tlb_w : c->tlb_x, lin, phys, acc);
	return phys;
}

uint64_t mmu_read_slow(struct cpu *c, uint64_t lin, unsigned size)
{
	uint64_t v = 0, p1, p2;
	unsigned first;

	if (!(c->efer & X86_EFER_LMA))
		lin &= 0xffffffff;
	if ((lin & 0xfff) + size <= 0x1000)
		return phys_read(c, translate_fill(c, lin, ACC_R), size);
	/* Crossing a page: translate both halves before reading either. */
	first = 0x1000 - (unsigned)(lin & 0xfff);
	p1 = translate_fill(c, lin, ACC_R);
	p2 = translate_fill(c, lin + first, ACC_R);
	v = phys_read(c, p1, first);
	v |= phys_read(c, p2, size - first) << (8 * first);
	return v;
}

void mmu_write_slow(struct cpu *c, uint64_t lin, unsigned size, uint64_t v)
{
	uint64_t p1, p2;
	unsigned first;

	if (!(c->efer & X86_EFER_LMA))
		lin &= 0xffffffff;
	if ((lin & 0xfff) + size <= 0x1000) {
		phys_write(c, translate_fill(c, lin, ACC_W), size, v);
		return;
	}
	first = 0x1000 - (unsigned)(lin & 0xfff);
	p1 = translate_fill(c, lin, ACC_W);
	p2 = translate_fill(c, lin + first, ACC_W);
	phys_write(c, p1, first, v);
	phys_write(c, p2, size - first, v >> (8 * first));
}

uint8_t *mmu_host_ptr(struct cpu *c, uint64_t lin, int acc)
{
	struct tlb_entry *t = acc == ACC_W ? c->tlb_w : c->tlb_r;
	struct tlb_entry *e = &t[(lin >> 12) & (TLB_SIZE - 1)];

	if (!(c->efer & X86_EFER_LMA))
		lin &= 0xffffffff;
	if (e->tag != ((lin & ~0xfffULL) | c->tlb_cpl))
		translate_fill(c, lin, acc);
	if (e->tag != ((lin & ~0xfffULL) | c->tlb_cpl))
		return NULL; /* MMIO, or a write to a code page */
	return (uint8_t *)(e->addend + lin);
}

void *mmu_rmw_ptr(struct cpu *c, uint64_t lin, unsigned size)
{
	uint64_t phys;
	void *p;

	if (!(c->efer & X86_EFER_LMA))
		lin &= 0xffffffff;
	if ((lin & 0xfff) + size > 0x1000)
		return NULL;
	phys = mmu_translate(c, lin, ACC_W, c->cpl == 3);
	p = mem__ptr(c->sys->mem, phys, size);
	if (!p || apic_page(c, phys))
		return NULL;
	mmu_note_code_write(c, phys, size);
	return p;
}

/* ---- wide and system accesses ---- */

void mem_read_n(struct cpu *c, int s, uint64_t off, void *dst, unsigned n)
{
	uint64_t lin = seg_lin(c, s, off, n, false);
	uint8_t *d = dst;

	/* Translate the last byte first so a fault leaves nothing done. */
	if (n > 1)
		lin_read(c, lin + n - 1, 1);
	for (unsigned i = 0; i < n; i += 8) {
		unsigned k = n - i < 8 ? n - i : 8;
		uint64_t v = lin_read(c, lin + i, k);

		memcpy(d + i, &v, k);
	}
}

void mem_write_n(struct cpu *c, int s, uint64_t off, const void *src, unsigned n)
{
	uint64_t lin = seg_lin(c, s, off, n, true);
	const uint8_t *p = src;

	if (n > 1) {
		uint64_t lastpage =
			(c->efer & X86_EFER_LMA) ? lin + n - 1 : (lin + n - 1) & 0xffffffff;

		if ((lastpage >> 12) != (lin >> 12))
			mmu_translate(c, lastpage, ACC_W, c->cpl == 3);
	}
	for (unsigned i = 0; i < n; i += 8) {
		unsigned k = n - i < 8 ? n - i : 8;
		uint64_t v = 0;

		memcpy(&v, p + i, k);
		lin_write(c, lin + i, k, v);
	}
}

/* Descriptor tables, the TSS and the IDT are read with supervisor rights
 * whatever the CPL (SDM vol. 3A, 4.6: implicit supervisor-mode accesses). */
uint64_t sys_read(struct cpu *c, uint64_t lin, unsigned size)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < size; i++) {
		uint64_t phys = mmu_translate(c, lin + i, ACC_R, false);

		v |= phys_read(c, phys, 1) << (8 * i);
	}
	return v;
}

void sys_write(struct cpu *c, uint64_t lin, unsigned size, uint64_t v)
{
	for (unsigned i = 0; i < size; i++)
		phys_write(c, mmu_translate(c, lin + i, ACC_W, false), 1, v >> (8 * i));
}
