/* seg.c - segmentation (SDM vol. 3A, chapter 3 and 5.5-5.8): descriptor
 * loads with their protection checks, limit checks, and the mode state
 * derived from CS, SS, CR0 and EFER. */
#include "cpu/internal.h"

/* Descriptor type bits (in x86_seg.type) for code/data segments. */
#define T_ACCESSED 1
#define T_WRITE    2 /* data: writable */
#define T_READ     2 /* code: readable */
#define T_EXPDOWN  4 /* data: expand-down */
#define T_CONFORM  4 /* code: conforming */
#define T_CODE     8

void seg_update(struct cpu *c)
{
	const struct x86_seg *cs = &c->seg[SEG_CS], *ss = &c->seg[SEG_SS];

	c->pe = c->cr0 & X86_CR0_PE;
	c->code64 = (c->efer & X86_EFER_LMA) && cs->l;
	if (c->code64) {
		c->def_opsz = 4;
		c->def_adsz = 8;
	} else {
		c->def_opsz = c->def_adsz = cs->db ? 4 : 2;
	}
	c->stack_size = c->code64 ? 8 : ss->db ? 4 : 2;
	c->cpl = c->pe ? (uint8_t)(cs->selector & 3) : 0;
	if (c->pe && !c->code64 && (c->rflags & F_VM))
		c->cpl = 3;
	c->tlb_cpl = c->cpl == 3;
	c->mode_key = (uint32_t)(c->code64 ? 2 : cs->db ? 1 : 0);
	c->seg_checked = 0;
	for (int s = SEG_ES; s <= SEG_GS; s++) {
		const struct x86_seg *g = &c->seg[s];

		if (c->code64) {
			c->segbase[s] = (s == SEG_FS || s == SEG_GS) ? g->base : 0;
			continue;
		}
		c->segbase[s] = g->base & 0xffffffff;
		/* Limit checks only where they can fail: a flat, writable,
		 * expand-up 4 GiB data segment needs none. */
		if (g->limit != 0xffffffff || (g->type & (T_CODE | T_EXPDOWN)) ||
		    !(g->type & T_WRITE) || g->unusable || !g->present)
			c->seg_checked |= (uint8_t)(1u << s);
	}
}

void seg_check_fail(struct cpu *c, int s, uint64_t off, unsigned size, bool write)
{
	const struct x86_seg *g = &c->seg[s];
	int vec = s == SEG_SS ? EXC_SS : EXC_GP;
	uint64_t last = off + size - 1;

	if (c->pe) {
		if (g->unusable || !g->present)
			cpu_exception(c, vec, 0);
		if (write && ((g->type & T_CODE) || !(g->type & T_WRITE)))
			cpu_exception(c, EXC_GP, 0);
		if (!write && (g->type & T_CODE) && !(g->type & T_READ))
			cpu_exception(c, EXC_GP, 0);
	}
	if (!(g->type & T_CODE) && (g->type & T_EXPDOWN)) {
		uint64_t upper = g->db ? 0xffffffffULL : 0xffffULL;

		if (off <= g->limit || last > upper)
			cpu_exception(c, vec, 0);
		return;
	}
	if (last > g->limit || last < off)
		cpu_exception(c, vec, 0);
}

struct x86_seg seg_from_desc(uint64_t lo, uint64_t hi, uint16_t sel)
{
	struct x86_seg s = x86__seg_from_gdt(lo, sel);

	/* System descriptors in long mode are 16 bytes: base bits 63:32. */
	if (!s.s)
		s.base |= (hi & 0xffffffffULL) << 32;
	return s;
}

/* The 8-byte descriptor for sel from the GDT or LDT; *ok false if the
 * selector points past the table's limit. */
uint64_t seg_read_desc(struct cpu *c, uint16_t sel, bool *ok)
{
	uint64_t base, limit, off = sel & ~7u;

	if (sel & 4) {
		base = c->seg[SEG_LDTR].base;
		limit = c->seg[SEG_LDTR].unusable ? 0 : c->seg[SEG_LDTR].limit;
		if (c->seg[SEG_LDTR].unusable) {
			*ok = false;
			return 0;
		}
	} else {
		base = c->gdtr.base;
		limit = c->gdtr.limit;
	}
	if (off + 7 > limit) {
		*ok = false;
		return 0;
	}
	*ok = true;
	return sys_read(c, base + off, 8);
}

static void set_accessed(struct cpu *c, uint16_t sel, uint64_t desc)
{
	uint64_t base = (sel & 4) ? c->seg[SEG_LDTR].base : c->gdtr.base;

	if (!(desc & (1ULL << 40)))
		sys_write(c, base + (sel & ~7u) + 5, 1, (desc >> 40) | 1);
}

void seg_load_real(struct cpu *c, int s, uint16_t sel)
{
	/* Real mode keeps the cached limit and attributes ("unreal mode"). */
	c->seg[s].selector = sel;
	c->seg[s].base = (uint64_t)sel << 4;
	c->seg[s].present = 1;
	c->seg[s].unusable = 0;
	seg_update(c);
}

void seg_load(struct cpu *c, int s, uint16_t sel)
{
	uint64_t d;
	struct x86_seg g;
	unsigned rpl = sel & 3, dpl;
	bool ok;

	if (!c->pe || (c->rflags & F_VM)) {
		seg_load_real(c, s, sel);
		return;
	}
	if ((sel & ~3u) == 0) {
		/* A null selector: fine for data segments (they fault when
		 * used), and for SS only in 64-bit mode below CPL 3. */
		if (s == SEG_SS && !(c->code64 && c->cpl < 3 && rpl == c->cpl))
			cpu_gp(c, 0);
		c->seg[s] = (struct x86_seg){ .selector = sel,
					      .unusable = 1,
					      .base = (s == SEG_FS || s == SEG_GS) ? c->seg[s].base
										   : 0 };
		if (s == SEG_SS)
			c->seg[s].db = 1, c->seg[s].dpl = (uint8_t)c->cpl;
		seg_update(c);
		return;
	}
	d = seg_read_desc(c, sel, &ok);
	if (!ok)
		cpu_gp(c, sel & ~3u);
	g = seg_from_desc(d, 0, sel);
	dpl = g.dpl;
	if (s == SEG_SS) {
		if (rpl != c->cpl || dpl != c->cpl || !g.s || (g.type & T_CODE) ||
		    !(g.type & T_WRITE))
			cpu_gp(c, sel & ~3u);
		if (!g.present)
			cpu_exception(c, EXC_SS, sel & ~3u);
	} else {
		if (!g.s || ((g.type & T_CODE) && !(g.type & T_READ)))
			cpu_gp(c, sel & ~3u);
		if ((!(g.type & T_CODE) || !(g.type & T_CONFORM)) && (dpl < c->cpl || dpl < rpl))
			cpu_gp(c, sel & ~3u);
		if (!g.present)
			cpu_exception(c, EXC_NP, sel & ~3u);
	}
	set_accessed(c, sel, d);
	g.type |= T_ACCESSED;
	c->seg[s] = g;
	seg_update(c);
}

void seg_load_cs(struct cpu *c, uint16_t sel, int target_cpl)
{
	uint64_t d;
	struct x86_seg g;
	bool ok;

	if (!c->pe || (c->rflags & F_VM)) {
		seg_load_real(c, SEG_CS, sel);
		return;
	}
	if ((sel & ~3u) == 0)
		cpu_gp(c, 0);
	d = seg_read_desc(c, sel, &ok);
	if (!ok)
		cpu_gp(c, sel & ~3u);
	g = seg_from_desc(d, 0, sel);
	if (!g.s || !(g.type & T_CODE))
		cpu_gp(c, sel & ~3u);
	if (!g.present)
		cpu_exception(c, EXC_NP, sel & ~3u);
	set_accessed(c, sel, d);
	g.type |= T_ACCESSED;
	g.selector = (uint16_t)((sel & ~3u) | (unsigned)target_cpl);
	c->seg[SEG_CS] = g;
	seg_update(c);
}
