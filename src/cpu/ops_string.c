/* ops_string.c - string instructions MOVS, CMPS, STOS, LODS, SCAS, INS,
 * OUTS with REP/REPE/REPNE (SDM vol. 2). Registers advance after every
 * element, so a fault in the middle restarts where it stopped; a long
 * REP yields every REP_CHUNK elements so interrupts are not held off. */
#include "cpu/ops.h"

#define REP_CHUNK 65536u

bool cpu_io_allowed(struct cpu *c, uint16_t port, unsigned size);
void cpu_port_io(struct cpu *c, uint16_t port, uint8_t *data, unsigned size, bool write);

struct strop {
	unsigned size;
	uint64_t am;  /* address-size mask */
	int64_t step; /* +size or -size by DF */
	bool rep;
	uint64_t count; /* elements to do (rCX, or 1) */
};

static void str_begin(struct cpu *c, const struct insn *in, struct strop *s)
{
	s->size = in->opsz;
	s->am = ad_mask(in->adsz);
	s->step = (c->rflags & F_DF) ? -(int64_t)s->size : (int64_t)s->size;
	s->rep = in->pfx & (PFX_REP | PFX_REPNE);
	s->count = s->rep ? c->regs[R_CX] & s->am : 1;
}

static inline uint64_t ireg(const struct cpu *c, unsigned r, const struct strop *s)
{
	return c->regs[r] & s->am;
}

/* Write an index or count register at the address size: 16-bit keeps
 * the rest, 32-bit clears the upper half (as any 32-bit write does). */
static inline void iset(struct cpu *c, unsigned r, const struct strop *s, uint64_t v)
{
	if (s->am == 0xffff)
		c->regs[r] = (c->regs[r] & ~0xffffULL) | (v & 0xffff);
	else
		c->regs[r] = v & s->am;
}

static inline void iadv(struct cpu *c, unsigned r, const struct strop *s)
{
	iset(c, r, s, c->regs[r] + (uint64_t)s->step);
}

static inline void count_down(struct cpu *c, const struct strop *s)
{
	if (s->rep)
		iset(c, R_CX, s, c->regs[R_CX] - 1);
}

/* After REP_CHUNK elements with more to do: run this instruction again
 * from the next block boundary. */
static void yield(struct cpu *c, const struct insn *in)
{
	c->regs[R_RIP] -= in->len;
	c->end_block = true;
}

/* MOVS forward over RAM with flat segments: copy up to n elements in one
 * run inside a page on both sides. Returns how many it did (0: take the
 * element-by-element path for the next one). */
static uint64_t movs_run(struct cpu *c, const struct insn *in, struct strop *s, uint64_t n)
{
	uint64_t si = ireg(c, R_SI, s), di = ireg(c, R_DI, s);
	uint64_t src = c->segbase[in->seg] + si, dst = c->segbase[SEG_ES] + di;
	uint64_t room = 4096 - ((src & 0xfff) > (dst & 0xfff) ? (src & 0xfff) : (dst & 0xfff));
	uint64_t elems = room / s->size, bytes;
	uint8_t *psrc, *pdst;

	if (elems > n)
		elems = n;
	bytes = elems * s->size;
	/* Both pages RAM, and the index registers do not wrap. */
	if (!elems || si + bytes > s->am || di + bytes > s->am)
		return 0;
	/* Forward byte-by-byte copying repeats a pattern when the
	 * destination overlaps just above the source; memmove would not. */
	if (dst > src && dst < src + bytes)
		return 0;
	psrc = mmu_host_ptr(c, src, ACC_R);
	pdst = mmu_host_ptr(c, dst, ACC_W);
	if (!psrc || !pdst)
		return 0;
	memmove(pdst, psrc, bytes);
	iset(c, R_SI, s, si + bytes);
	iset(c, R_DI, s, di + bytes);
	if (s->rep)
		iset(c, R_CX, s, c->regs[R_CX] - elems);
	return elems;
}

void op_movs(struct cpu *c, const struct insn *in)
{
	bool fast = !(c->seg_checked & ((1u << in->seg) | (1u << SEG_ES)));
	struct strop s;
	uint64_t n;

	str_begin(c, in, &s);
	fast = fast && s.rep && s.step > 0;
	n = s.count < REP_CHUNK ? s.count : REP_CHUNK;
	while (n) {
		uint64_t done = fast ? movs_run(c, in, &s, n) : 0, v;

		if (done) {
			n -= done;
			continue;
		}
		v = mem_read(c, in->seg, ireg(c, R_SI, &s), s.size);
		mem_write(c, SEG_ES, ireg(c, R_DI, &s), s.size, v);
		iadv(c, R_SI, &s);
		iadv(c, R_DI, &s);
		count_down(c, &s);
		n--;
	}
	if (s.rep && (c->regs[R_CX] & s.am))
		yield(c, in);
}

void op_stos(struct cpu *c, const struct insn *in)
{
	struct strop s;
	uint64_t n, v;

	str_begin(c, in, &s);
	v = get_reg(c, R_AX, s.size);
	n = s.count < REP_CHUNK ? s.count : REP_CHUNK;
	while (n) {
		uint64_t di = ireg(c, R_DI, &s), lin = seg_lin(c, SEG_ES, di, s.size, true);

		/* Forward over RAM with a flat ES: fill the rest of the page. */
		if (s.step > 0 && !(c->seg_checked & (1u << SEG_ES))) {
			uint64_t k = (4096 - (lin & 0xfff)) / s.size;
			uint8_t *p = mmu_host_ptr(c, lin, ACC_W);

			if (k > n)
				k = n;
			if (p && k && di + k * s.size <= s.am) {
				if (s.size == 1)
					memset(p, (int)v, k);
				else
					for (uint64_t i = 0; i < k; i++)
						memcpy(p + i * s.size, &v, s.size);
				iset(c, R_DI, &s, di + k * s.size);
				if (s.rep)
					iset(c, R_CX, &s, c->regs[R_CX] - k);
				n -= k;
				continue;
			}
		}
		lin_write(c, lin, s.size, v);
		iadv(c, R_DI, &s);
		count_down(c, &s);
		n--;
	}
	if (s.rep && (c->regs[R_CX] & s.am))
		yield(c, in);
}

void op_lods(struct cpu *c, const struct insn *in)
{
	struct strop s;
	uint64_t n;

	str_begin(c, in, &s);
	n = s.count < REP_CHUNK ? s.count : REP_CHUNK;
	for (; n; n--) {
		set_reg(c, R_AX, s.size, mem_read(c, in->seg, ireg(c, R_SI, &s), s.size));
		iadv(c, R_SI, &s);
		count_down(c, &s);
	}
	if (s.rep && (c->regs[R_CX] & s.am))
		yield(c, in);
}

/* CMPS and SCAS: REPE stops on a difference, REPNE on equality. */
static bool rep_done(const struct insn *in, uint64_t a, uint64_t b)
{
	if (in->pfx & PFX_REP)
		return a != b;
	return a == b;
}

void op_cmps(struct cpu *c, const struct insn *in)
{
	struct strop s;
	uint64_t n, a = 0, b = 0;

	str_begin(c, in, &s);
	n = s.count < REP_CHUNK ? s.count : REP_CHUNK;
	if (!n)
		return;
	for (; n; n--) {
		a = mem_read(c, in->seg, ireg(c, R_SI, &s), s.size);
		b = mem_read(c, SEG_ES, ireg(c, R_DI, &s), s.size);
		iadv(c, R_SI, &s);
		iadv(c, R_DI, &s);
		count_down(c, &s);
		if (s.rep && rep_done(in, a, b))
			break;
	}
	lf_set(c, LF_SUB, s.size, a - b, a, b);
	if (s.rep && !rep_done(in, a, b) && (c->regs[R_CX] & s.am))
		yield(c, in);
}

void op_scas(struct cpu *c, const struct insn *in)
{
	struct strop s;
	uint64_t n, a, b = 0;

	str_begin(c, in, &s);
	a = get_reg(c, R_AX, s.size);
	n = s.count < REP_CHUNK ? s.count : REP_CHUNK;
	if (!n)
		return;
	for (; n; n--) {
		b = mem_read(c, SEG_ES, ireg(c, R_DI, &s), s.size);
		iadv(c, R_DI, &s);
		count_down(c, &s);
		if (s.rep && rep_done(in, a, b))
			break;
	}
	lf_set(c, LF_SUB, s.size, a - b, a, b);
	if (s.rep && !rep_done(in, a, b) && (c->regs[R_CX] & s.am))
		yield(c, in);
}

void op_ins(struct cpu *c, const struct insn *in)
{
	struct strop s;
	uint16_t port = (uint16_t)c->regs[R_DX];
	uint64_t n;

	str_begin(c, in, &s);
	if (!cpu_io_allowed(c, port, s.size))
		cpu_gp(c, 0);
	n = s.count < REP_CHUNK ? s.count : REP_CHUNK;
	for (; n; n--) {
		uint64_t v = 0;
		uint64_t off = ireg(c, R_DI, &s);

		/* Check the destination before the device sees the read. */
		seg_lin(c, SEG_ES, off, s.size, true);
		cpu_port_io(c, port, (uint8_t *)&v, s.size, false);
		mem_write(c, SEG_ES, off, s.size, v);
		iadv(c, R_DI, &s);
		count_down(c, &s);
	}
	if (s.rep && (c->regs[R_CX] & s.am))
		yield(c, in);
}

void op_outs(struct cpu *c, const struct insn *in)
{
	struct strop s;
	uint16_t port = (uint16_t)c->regs[R_DX];
	uint64_t n;

	str_begin(c, in, &s);
	if (!cpu_io_allowed(c, port, s.size))
		cpu_gp(c, 0);
	n = s.count < REP_CHUNK ? s.count : REP_CHUNK;
	for (; n; n--) {
		uint64_t v = mem_read(c, in->seg, ireg(c, R_SI, &s), s.size);

		cpu_port_io(c, port, (uint8_t *)&v, s.size, true);
		iadv(c, R_SI, &s);
		count_down(c, &s);
	}
	if (s.rep && (c->regs[R_CX] & s.am))
		yield(c, in);
}
