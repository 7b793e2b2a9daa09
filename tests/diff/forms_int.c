/* forms_int.c - integer instruction families: ALU, multiply and divide, shifts, bits, moves, strings. */
#include "forms.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define LOGIC_U F_AF
#define MUL_U   (F_SF | F_ZF | F_AF | F_PF)
#define BT_U    (F_OF | F_SF | F_AF | F_PF)
#define BSF_U   (F_CF | F_OF | F_SF | F_AF | F_PF)

struct form *forms_add(struct formlist *l, const struct form *t, const char *fmt, ...)
{
	struct form *f;
	va_list ap;

	if (l->n >= FORMS_MAX) {
		fprintf(stderr, "cpudiff: FORMS_MAX too small\n");
		return &l->v[FORMS_MAX - 1];
	}
	f = &l->v[l->n++];
	*f = *t;
	if (!f->weight)
		f->weight = 1;
	va_start(ap, fmt);
	vsnprintf(f->name, sizeof(f->name), fmt, ap);
	va_end(ap);
	return f;
}

uint32_t cc_reads(unsigned cc)
{
	static const uint32_t r[8] = { F_OF, F_CF, F_ZF,        F_CF | F_ZF,
				       F_SF, F_PF, F_SF | F_OF, F_ZF | F_SF | F_OF };

	return r[(cc >> 1) & 7];
}

static const char *rn(unsigned size)
{
	return size == 1 ? "r8" : size == 2 ? "r16" : size == 4 ? "r32" : "r64";
}

static const char *rmn(unsigned size)
{
	return size == 1 ? "r/m8" : size == 2 ? "r/m16" : size == 4 ? "r/m32" : "r/m64";
}

static const char *immn(unsigned size)
{
	return size == 1 ? "imm8" : size == 2 ? "imm16" : "imm32";
}

/* Register or memory, as the form allows; sequences use registers. */
static bool want_mem(struct gen *g, const struct form *f)
{
	if (g->seq || (f->opt & O_REG))
		return false;
	return (f->opt & O_MEM) || g_chance(g, 50);
}

static unsigned mflags(const struct form *f)
{
	return ((f->opt & O_NOACC) ? M_NOACC : 0) | ((f->opt & O_ALIGN) ? M_ALIGN : 0) |
	       ((f->opt & O_A16) ? M_ALIGN16 : 0);
}

/* ---- the common shape: one ModRM instruction, random operands ---- */

static void gen_basic(struct gen *g, const struct form *f)
{
	struct form t = *f;
	struct insn_ops o = { .mflags = mflags(f) };
	bool mem = want_mem(g, f);
	unsigned cc = g_below(g, 16);

	if (f->opt & O_CC)
		t.op[t.nop - 1] = (uint8_t)(t.op[t.nop - 1] + cc);
	if (f->opt & O_EXTANY)
		t.ext = (int8_t)g_below(g, 8);
	o.lock = (f->opt & O_LOCK) && mem && g_chance(g, 50);
	emit_modrm(g, &t, mem, &o);
	if ((f->opt & O_ZERO) && g_chance(g, 25))
		opnd_put(g, &o.rm, f->size, 0);
	if (f->opt & O_ZERO) {
		g->c->zf_ignore = (int8_t)o.reg.reg;
		g->bad = true; /* an undefined destination: not for sequences */
	}
	g->reads = f->rd | ((f->opt & O_CC) ? cc_reads(cc) : 0);
	g_flags(g, f->wr, f->undef);
}

/* Accumulator and immediate, no ModRM (04 05 A8 A9 ...). */
static void gen_acc(struct gen *g, const struct form *f)
{
	struct enc e;

	g->norex = false;
	enc_init(&e, f->op, f->nop);
	enc_size(g, &e, f->size);
	enc_imm(&e, f->imm, g_int(g, f->imm));
	enc_emit(g, &e);
	if (!(g->fixed & 1))
		g_setreg(g, R_AX, f->size, g_int(g, f->size));
	g->reads = f->rd;
	g_flags(g, f->wr, f->undef);
}

/* A register in the opcode's low bits (B0+r, B8+r, 90+r, 0F C8+r). */
static void gen_opreg(struct gen *g, const struct form *f)
{
	uint8_t op[3];
	struct enc e;
	int r;

	g->norex = f->size == 1 && g_chance(g, 40);
	r = g_pick_reg(g, f->size, 0);
	memcpy(op, f->op, 3);
	op[f->nop - 1] = (uint8_t)(op[f->nop - 1] + (r >= REG_AH ? r - REG_AH + 4 : r & 7));
	enc_init(&e, op, f->nop);
	enc_size(g, &e, f->size);
	if (r >= 8 && r < REG_AH)
		e.rex |= 1;
	if (f->size == 1 && !g->norex)
		e.rex_any = true;
	if (f->imm)
		enc_imm(&e, f->imm, g_int(g, f->imm));
	enc_emit(g, &e);
	if (!(g->fixed & (1u << (r & 15))))
		g_setreg(g, r, f->size, g_int(g, f->size));
	if (f->op[0] == 0x90 && !(g->fixed & 1)) /* xchg with rAX */
		g_setreg(g, R_AX, f->size, g_int(g, f->size));
	g->reads = f->rd;
	g_flags(g, f->wr, f->undef);
}

/* No operands: the size prefix and the opcode. */
static void gen_plain(struct gen *g, const struct form *f)
{
	struct enc e;

	g->norex = false;
	enc_init(&e, f->op, f->nop);
	enc_size(g, &e, f->size);
	enc_emit(g, &e);
	if (!(g->fixed & 1))
		g_setreg(g, R_AX, 8, g_int(g, 8));
	g->reads = f->rd;
	g_flags(g, f->wr, f->undef);
}

/* ---- shifts and rotates ---- */

static unsigned shift_count(struct gen *g, unsigned size)
{
	static const uint8_t edge[] = { 0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65 };

	switch (g_below(g, 4)) {
	case 0:
		return edge[g_below(g, sizeof(edge))];
	case 1:
		return g_below(g, 71);
	case 2:
		return (unsigned)g_rand(g) & 0xff;
	default:
		return g_below(g, size * 8 + 2);
	}
}

/* What a shift by count leaves undefined (SDM vol. 2B, SAL/SAR/SHL/SHR,
 * RCL/RCR/ROL/ROR): nothing for a zero count; OF unless the count is 1;
 * AF for the shifts; CF of SHL/SHR when the count reaches the width. */
static uint32_t shift_undef(unsigned op, unsigned size, unsigned cnt, uint32_t *wr)
{
	unsigned c = cnt & (size == 8 ? 63 : 31);
	uint32_t u;

	if (c == 0) {
		*wr = 0;
		return 0;
	}
	if (op < 4) {
		*wr = F_CF | F_OF;
		return c == 1 ? 0 : F_OF;
	}
	*wr = F_ARITH;
	u = F_AF | (c != 1 ? F_OF : 0);
	if (op != 7 && c >= size * 8)
		u |= F_CF;
	return u;
}

/* sub: 0 by one (D0 D1), 1 by CL (D2 D3), 2 by imm8 (C0 C1). */
static void gen_shift(struct gen *g, const struct form *f)
{
	struct insn_ops o = { 0 };
	unsigned cnt = 1, op = (unsigned)f->ext;
	uint32_t wr, u;

	if (f->sub == 1) {
		cnt = shift_count(g, f->size);
		g_set(g, R_CX, (g_rand(g) & ~0xffULL) | cnt);
	} else if (f->sub == 2) {
		cnt = shift_count(g, f->size);
		o.imm_given = true;
		o.imm = cnt;
	}
	emit_modrm(g, f, want_mem(g, f), &o);
	u = shift_undef(op, f->size, cnt, &wr);
	g->reads = (op == 2 || op == 3) && wr ? F_CF : 0;
	g_flags(g, wr, u);
}

/* SHLD/SHRD; sub: 0 imm8, 1 CL. A count beyond the width (16-bit
 * operands) leaves the result and the flags undefined. */
static void gen_shxd(struct gen *g, const struct form *f)
{
	struct insn_ops o = { 0 };
	unsigned cnt = shift_count(g, f->size), c = cnt & (f->size == 8 ? 63 : 31);

	if (f->sub == 1)
		g_set(g, R_CX, (g_rand(g) & ~0xffULL) | cnt);
	else
		o.imm_given = true;
	o.imm = cnt;
	emit_modrm(g, f, want_mem(g, f), &o);
	if (c == 0) {
		g_flags(g, 0, 0);
	} else if (c > f->size * 8u) {
		if (o.rm.mem)
			g_ignore(g, o.rm.off, f->size);
		else
			g->c->gpr_ignore |= (uint16_t)(1u << o.rm.reg);
		g->bad = true;
		g_flags(g, F_ARITH, F_ARITH);
	} else {
		g_flags(g, F_ARITH, F_AF | (c != 1 ? F_OF : 0));
	}
}

/* ---- multiply and divide ---- */

typedef unsigned __int128 u128;
typedef __int128 s128;

static uint64_t smax(unsigned size)
{
	return (1ULL << (size * 8 - 1)) - 1;
}

/* A dividend whose quotient fits, mostly; else anything (#DE). */
static u128 dividend(struct gen *g, uint64_t d, unsigned size, bool sign)
{
	unsigned bits = size * 8;
	uint64_t m = size == 8 ? ~0ULL : (1ULL << bits) - 1;

	if (g_chance(g, 12) || d == 0)
		return ((u128)g_rand(g) << 64) | g_rand(g);
	if (!sign) {
		uint64_t q = g_int(g, size) & m, r = d ? g_rand(g) % d : 0;

		return (u128)q * d + r;
	}
	s128 sd = (s128)(int64_t)(d << (64 - bits)) >> (64 - bits);
	s128 q = (s128)(int64_t)(g_int(g, size) << (64 - bits)) >> (64 - bits);
	s128 ad = sd < 0 ? -sd : sd, r = (s128)(g_rand(g) % (uint64_t)ad);

	if (q > (s128)smax(size))
		q = (s128)smax(size);
	if ((q < 0) != (sd < 0) && q != 0)
		r = -r;
	else if (q == 0 && g_chance(g, 50))
		r = -r;
	return (u128)(q * sd + r);
}

static void gen_div(struct gen *g, const struct form *f)
{
	struct insn_ops o = { 0 };
	bool sign = f->ext == 7;
	unsigned size = f->size;
	uint64_t d, m = size == 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
	u128 n;

	g_set(g, R_AX, g_rand(g));
	g_set(g, R_DX, g_rand(g));
	emit_modrm(g, f, want_mem(g, f), &o);
	d = g_int(g, size) & m;
	if (d == 0 && g_chance(g, 80))
		d = 1 + g_below(g, 1000);
	/* A divisor in AX or DX is part of the dividend: leave it random. */
	if (o.rm.mem || ((o.rm.reg & 15) != R_AX && ((o.rm.reg & 15) != R_DX || size == 1)))
		opnd_put(g, &o.rm, size, d);
	d = opnd_get(g, &o.rm, size);
	n = dividend(g, d, size, sign);
	if (size == 1) {
		g_setreg(g, R_AX, 2, (uint64_t)n);
	} else {
		g_setreg(g, R_AX, size, (uint64_t)n);
		g_setreg(g, R_DX, size, (uint64_t)(n >> (size * 8)));
	}
	g_flags(g, F_ARITH, F_ARITH);
}

/* ---- exchanges ---- */

/* CMPXCHG: the accumulator equal to the destination half the time. */
static void gen_cmpxchg(struct gen *g, const struct form *f)
{
	struct insn_ops o = { 0 };
	bool mem = want_mem(g, f);

	g_set(g, R_AX, g_int(g, 8));
	o.lock = mem && g_chance(g, 50);
	emit_modrm(g, f, mem, &o);
	if (g_chance(g, 50))
		g_setreg(g, R_AX, f->size, opnd_get(g, &o.rm, f->size));
	g_flags(g, F_ARITH, 0);
}

/* CMPXCHG8B/16B (size 4: 8B, 8: 16B with REX.W). */
static void gen_cmpxchg8b(struct gen *g, const struct form *f)
{
	struct insn_ops o = { .mflags = f->size == 8 ? M_ALIGN16 : 0 };
	unsigned half = f->size == 8 ? 8 : 4;

	for (int r = R_AX; r <= R_BX; r++)
		g_set(g, r, g_int(g, 8));
	o.lock = g_chance(g, 50);
	emit_modrm(g, f, true, &o);
	if (g_chance(g, 50)) {
		struct opnd hi = o.rm;

		hi.off += half;
		g_setreg(g, R_AX, half, opnd_get(g, &o.rm, half));
		g_setreg(g, R_DX, half, opnd_get(g, &hi, half));
	}
	g_touch(g, o.rm.off, half * 2);
	g_flags(g, F_ZF, 0);
}

/* ---- bits ---- */

/* BT* r/m, r: a register bit offset reaches other words of memory. */
static void gen_bt(struct gen *g, const struct form *f)
{
	struct insn_ops o = { .fix_reg = true };
	bool mem = want_mem(g, f);
	unsigned s = f->size, bits = s * 8;

	o.lock = (f->opt & O_LOCK) && mem && g_chance(g, 50);
	emit_modrm(g, f, mem, &o);
	if (mem) {
		int64_t lo = -(int64_t)(o.rm.off < 200 ? o.rm.off : 200) / s;
		int64_t hi = (int64_t)((DATA_SIZE - s - o.rm.off) < 200 ? DATA_SIZE - s - o.rm.off
									: 200) /
			     s;
		int64_t k = lo + (int64_t)g_below(g, (unsigned)(hi - lo + 1));
		int64_t v = k * bits + g_below(g, bits);

		g_setreg(g, o.reg.reg, s, (uint64_t)v);
		g_touch(g, (uint32_t)((int64_t)o.rm.off + k * s), s);
	} else {
		g_setreg(g, o.reg.reg, s, g_int(g, s));
	}
	g_flags(g, F_CF | BT_U, BT_U);
}

/* ---- memory-only shapes ---- */

/* MOV A0-A3: a 64-bit absolute address (32-bit with 67). */
static void gen_moffs(struct gen *g, const struct form *f)
{
	uint32_t off = g_region(g, 16, 1) + g_below(g, 8);
	bool a32 = g_chance(g, 25);
	uint64_t v = g_int(g, 8);
	struct enc e;

	g->norex = false;
	enc_init(&e, f->op, f->nop);
	enc_size(g, &e, f->size);
	if (a32)
		enc_prefix(&e, 0x67);
	enc_imm(&e, a32 ? 4 : 8, DATA_ADDR + off);
	enc_emit(g, &e);
	if (g_chance(g, 50))
		g_patch(g, off, &v, f->size);
	g_touch(g, off, f->size);
	g_setreg(g, R_AX, f->size, g_int(g, f->size));
	g_flags(g, 0, 0);
}

/* XLAT: AL = [RBX + AL] (EBX with 67). */
static void gen_xlat(struct gen *g, const struct form *f)
{
	uint32_t off = g_region(g, 1, 1);
	unsigned al = g_below(g, 256);
	bool a32 = g_chance(g, 30);
	uint64_t base = DATA_ADDR + off - al;
	struct enc e;

	(void)f;
	g->norex = false;
	enc_init(&e, (const uint8_t *)"\xd7", 1);
	if (a32) {
		enc_prefix(&e, 0x67);
		base = (g_rand(g) << 32) | (uint32_t)base;
	}
	enc_emit(g, &e);
	g_set(g, R_BX, base);
	g_set(g, R_AX, (g_rand(g) & ~0xffULL) | al);
	g_touch(g, off, 1);
	g_flags(g, 0, 0);
}

/* ---- strings ---- */

enum { S_MOVS, S_CMPS, S_STOS, S_LODS, S_SCAS };

static unsigned rep_count(struct gen *g)
{
	static const uint8_t edge[] = { 0, 1, 2, 3, 40 };

	return g_chance(g, 30) ? edge[g_below(g, sizeof(edge))] : g_below(g, 41);
}

/* A pointer register for n elements of s bytes at data offset lo..: it
 * points at the first element, which is the highest with DF=1. */
static uint64_t str_ptr(struct gen *g, uint32_t lo, unsigned n, unsigned s, bool df, bool a32)
{
	uint64_t p = DATA_ADDR + lo + (df && n ? (n - 1) * s : 0);

	return a32 ? (g_rand(g) << 32) | p : p;
}

/* Elements 0..k-1 of dst made equal to the source (CMPS) or to rAX
 * (SCAS) so REPE runs a while; REPNE gets one equal element at k.
 * Element i is at index n-1-i when DF=1: either way one run of bytes. */
static void str_match(struct gen *g, unsigned op, bool repne, uint32_t src, uint32_t dst,
		      unsigned n, unsigned s, bool df)
{
	unsigned k = g_below(g, n + 1), first = repne ? k : 0, cnt = repne ? (k < n) : k;
	unsigned lo = df ? n - first - cnt : first;
	uint64_t a = g_regval(g, R_AX, s);
	uint8_t b[8 * 41];

	if (!cnt)
		return;
	for (unsigned i = 0; i < cnt; i++) {
		uint64_t v = op == S_SCAS ? a : g_peek(g, src + (lo + i) * s, s);

		memcpy(b + i * s, &v, s);
	}
	g_patch(g, dst + lo * s, b, cnt * s);
}

/* Source and destination runs that cross a page boundary, ending a few
 * bytes either side of it. */
static void str_pages(struct gen *g, unsigned span, uint32_t *src, uint32_t *dst)
{
	uint32_t page = 4096 * (1 + g_below(g, DATA_SIZE / 4096 - 1));

	*src = page - g_below(g, span + 1) - (g_chance(g, 50) ? g_below(g, 8) : 0);
	*dst = page - g_below(g, span + 1) - (g_chance(g, 50) ? g_below(g, 8) : 0);
}

/* sub: the operation; pfx: 0, F3 or F2. */
static void gen_string(struct gen *g, const struct form *f)
{
	unsigned op = f->sub, s = f->size;
	bool rep = f->pfx != 0, df = g_chance(g, 50), a32 = f->msz == 4;
	unsigned n = rep ? rep_count(g) : 1, span = (n ? n : 1) * s;
	uint32_t src = g_region(g, span, 1), dst = g_region(g, span, 1);
	struct enc e;

	g->norex = false;
	if (g_chance(g, 30))
		str_pages(g, span, &src, &dst);
	if (op == S_MOVS && g_chance(g, 30)) {
		/* Overlapping source and destination, either way round. */
		int64_t d = (int64_t)src + (int64_t)g_below(g, 4 * s + 1) - 2 * (int64_t)s;

		if (d >= 0 && d + span <= DATA_SIZE)
			dst = (uint32_t)d;
	}
	enc_init(&e, f->op, f->nop);
	enc_size(g, &e, s);
	if (a32)
		enc_prefix(&e, 0x67);
	if (f->pfx)
		enc_prefix(&e, f->pfx);
	enc_emit(g, &e);
	if (df)
		g->c->in.rflags |= F_DF;
	g_set(g, R_AX, g_int(g, 8));
	if (rep)
		g_set(g, R_CX, a32 ? (g_rand(g) << 32) | n : n);
	if (op == S_MOVS || op == S_CMPS || op == S_LODS) {
		g_set(g, R_SI, str_ptr(g, src, n, s, df, a32));
		if (n || !rep)
			g_touch(g, src, span);
	}
	if (op != S_LODS) {
		g_set(g, R_DI, str_ptr(g, dst, n, s, df, a32));
		if (n || !rep)
			g_touch(g, dst, span);
	}
	if ((op == S_CMPS || op == S_SCAS) && n)
		str_match(g, op, f->pfx == 0xf2, src, dst, n, s, df);
	g_flags(g, (op == S_CMPS || op == S_SCAS) && (n || !rep) ? F_ARITH : 0, 0);
}

/* ---- #UD ---- */

/* Opcodes invalid in 64-bit mode, and UD2/UD1; trailing bytes random. */
static void gen_invalid(struct gen *g, const struct form *f)
{
	static const uint8_t ops[] = { 0x06, 0x07, 0x0e, 0x16, 0x17, 0x1e, 0x1f, 0x27, 0x2f, 0x37,
				       0x3f, 0x60, 0x61, 0x82, 0x9a, 0xce, 0xd4, 0xd5, 0xd6, 0xea };
	unsigned k = g_below(g, sizeof(ops) + 2);

	(void)f;
	if (k < sizeof(ops)) {
		g_byte(g, ops[k]);
	} else {
		g_byte(g, 0x0f);
		g_byte(g, k == sizeof(ops) ? 0x0b : 0xb9);
	}
	for (unsigned i = 0; i < 6; i++)
		g_byte(g, (uint8_t)g_rand(g));
	g_flags(g, 0, 0);
}

/* A memory operand at a non-canonical address: #GP(0), or #SS(0) when
 * the base is RSP or RBP (a stack-segment reference). */
static void gen_noncanon(struct gen *g, const struct form *f)
{
	static const uint8_t ops[] = { 0x8b, 0x89, 0x01, 0x3b, 0xff };
	uint8_t op = ops[g_below(g, sizeof(ops))];
	int base = (int)g_below(g, 16);
	int32_t disp = (int8_t)g_rand(g);
	uint64_t bit = 1ULL << (47 + g_below(g, 17));
	struct enc e;

	(void)f;
	g->norex = false;
	enc_init(&e, &op, 1);
	e.rex = 8;
	if (op == 0xff)
		enc_ext(&e, 0); /* inc qword [base+disp8] */
	else
		enc_reg(g, &e, (int)g_below(g, 16), 8);
	if (base >= 8)
		e.rex |= 1;
	e.mod = 1;
	e.dsz = 1;
	e.disp = disp;
	if ((base & 7) == 4) {
		e.sib = true;
		e.rm = 4;
		e.idx = 4;
		e.base = 4;
	} else {
		e.rm = (uint8_t)(base & 7);
	}
	enc_emit(g, &e);
	g_set(g, base, ((g_rand(g) & 0x7fffffffffffULL) | bit) - (uint64_t)(int64_t)disp);
	g_flags(g, 0, 0);
}

/* More than 15 bytes (redundant prefixes): #GP(0). */
static void gen_too_long(struct gen *g, const struct form *f)
{
	static const uint8_t pfx[] = { 0x26, 0x2e, 0x36, 0x3e, 0x66, 0x67, 0xf2, 0xf3 };
	static const uint8_t tail[][3] = { { 0x01, 0xc8 }, { 0x90 }, { 0x8b, 0xc1 } };
	unsigned k = g_below(g, 3), len = k == 1 ? 1 : 2, n = 16 - len + g_below(g, 4);

	(void)f;
	for (unsigned i = 0; i < n; i++)
		g_byte(g, pfx[g_below(g, sizeof(pfx))]);
	for (unsigned i = 0; i < len; i++)
		g_byte(g, tail[k][i]);
	g_flags(g, 0, 0);
}

/* LOCK where it is not allowed: not a read-modify-write, a register
 * destination, or CMP. */
static void gen_lock_ud(struct gen *g, const struct form *f)
{
	static const uint8_t ops[][2] = { { 0x89, 1 }, { 0x8b, 1 }, { 0x01, 0 }, { 0x39, 1 },
					  { 0x85, 1 }, { 0x8d, 1 }, { 0x87, 0 }, { 0xf7, 0 } };
	unsigned k = g_below(g, sizeof(ops) / sizeof(ops[0]));
	struct form t = { .op = { ops[k][0] }, .nop = 1, .ext = -1, .size = 4 };
	struct insn_ops o = { .lock = true };

	(void)f;
	if (ops[k][0] == 0xf7)
		t.ext = 3; /* neg r32 */
	emit_modrm(g, &t, ops[k][1] && g_chance(g, 50), &o);
	g_flags(g, 0, 0);
}

/* ---- random sequences for the lazy flags ---- */

static const struct form *seq_forms[FORMS_MAX];
static unsigned nseq;

/* 2-6 register-only instructions: flag producers feeding consumers
 * (ADC, SBB, SETcc, CMOVcc, RCL, LAHF, a final Jcc), reading only
 * flags the earlier ones defined. */
static void gen_seq(struct gen *g, const struct form *f)
{
	unsigned n = 2 + g_below(g, 5);

	(void)f;
	for (unsigned i = 0; i < n && nseq; i++) {
		for (int tries = 0; tries < 50; tries++) {
			const struct form *p = seq_forms[g_below(g, nseq)];
			uint64_t gpr[16], fdef = g->fdef;
			uint16_t len = g->c->len, fixed = g->fixed, ign = g->c->gpr_ignore;

			memcpy(gpr, g->c->in.gpr, sizeof(gpr));
			g->seq = true;
			g->bad = false;
			g->reads = 0;
			p->gen(g, p);
			if (!g->bad && !(g->reads & ~fdef) && g->c->len < CODE_MAX - 24)
				break;
			memcpy(g->c->in.gpr, gpr, sizeof(gpr));
			g->c->len = len;
			g->fdef = fdef;
			g->fixed = fixed;
			g->c->gpr_ignore = ign;
			g->c->zf_ignore = -1;
		}
	}
	g->seq = false;
	if (g_chance(g, 30)) {
		unsigned cc = g_below(g, 16);

		if (!(cc_reads(cc) & ~g->fdef))
			emit_jcc_marker(g, cc);
	}
}

/* ---- registration ---- */

#define FORM(...) (&(const struct form){ __VA_ARGS__ })

static const unsigned sizes[4] = { 1, 2, 4, 8 };

static const char *accn(unsigned size)
{
	return size == 1 ? "al" : size == 2 ? "ax" : size == 4 ? "eax" : "rax";
}

/* imm8, imm16 or imm32 by operand size (64-bit takes a sign-extended imm32). */
static uint8_t immz(unsigned size)
{
	return (uint8_t)(size == 1 ? 1 : size == 2 ? 2 : 4);
}

/* One ALU operation at one size, in its six encodings. */
static void add_alu(struct formlist *l, unsigned op, unsigned s)
{
	static const char *const mn[8] = { "add", "or", "adc", "sbb", "and", "sub", "xor", "cmp" };
	uint8_t b = s > 1, base = (uint8_t)(op * 8);
	struct form t = { .gen = gen_basic,
			  .nop = 1,
			  .ext = -1,
			  .size = (uint8_t)s,
			  .rd = (op == 2 || op == 3) ? F_CF : 0,
			  .wr = F_ARITH,
			  .undef = (op == 1 || op == 4 || op == 6) ? LOGIC_U : 0 };
	uint32_t lock = op != 7 ? O_LOCK : 0; /* CMP takes no LOCK */

	t.op[0] = (uint8_t)(base + b);
	t.opt = O_SEQ | lock;
	forms_add(l, &t, "%s %s, %s", mn[op], rmn(s), rn(s));
	t.op[0] = (uint8_t)(base + 2 + b);
	t.opt = O_SEQ;
	forms_add(l, &t, "%s %s, %s", mn[op], rn(s), rmn(s));
	t.gen = gen_acc;
	t.op[0] = (uint8_t)(base + 4 + b);
	t.imm = immz(s);
	forms_add(l, &t, "%s %s, %s", mn[op], accn(s), immn(t.imm));
	t.gen = gen_basic;
	t.op[0] = s == 1 ? 0x80 : 0x81;
	t.ext = (int8_t)op;
	t.opt = O_SEQ | lock;
	forms_add(l, &t, "%s %s, %s", mn[op], rmn(s), immn(t.imm));
	if (s > 1) {
		t.op[0] = 0x83;
		t.imm = 1;
		forms_add(l, &t, "%s %s, imm8", mn[op], rmn(s));
	}
}

/* F6/F7: TEST (and its /1 alias), NOT, NEG, MUL, IMUL, DIV, IDIV. */
static void add_grp3(struct formlist *l, unsigned s)
{
	static const char *const mn[8] = { "test", "test", "not", "neg",
					   "mul",  "imul", "div", "idiv" };
	static const uint32_t undef[8] = { LOGIC_U, LOGIC_U, 0, 0, MUL_U, MUL_U, F_ARITH, F_ARITH };

	for (unsigned op = 0; op < 8; op++) {
		struct form t = { .gen = op >= 6 ? gen_div : gen_basic,
				  .op = { s == 1 ? 0xf6 : 0xf7 },
				  .nop = 1,
				  .ext = (int8_t)op,
				  .size = (uint8_t)s,
				  .imm = (uint8_t)(op < 2 ? immz(s) : 0),
				  .wr = op == 2 ? 0 : F_ARITH,
				  .undef = undef[op],
				  .opt = (op == 2 || op == 3 ? O_LOCK : 0) | (op < 6 ? O_SEQ : 0) };

		if (op < 2)
			forms_add(l, &t, "test %s, %s (F%c /%u)", rmn(s), immn(t.imm),
				  s == 1 ? '6' : '7', op);
		else
			forms_add(l, &t, "%s %s", mn[op], rmn(s));
	}
}

/* INC, DEC (FE FF /0 /1) and TEST (84 85, A8 A9). */
static void add_incdec_test(struct formlist *l, unsigned s)
{
	for (unsigned op = 0; op < 2; op++)
		forms_add(l,
			  FORM(.gen = gen_basic, .op = { s == 1 ? 0xfe : 0xff }, .nop = 1,
			       .ext = (int8_t)op, .size = (uint8_t)s, .wr = F_ARITH & ~F_CF,
			       .opt = O_LOCK | O_SEQ),
			  "%s %s", op ? "dec" : "inc", rmn(s));
	forms_add(l,
		  FORM(.gen = gen_basic, .op = { s == 1 ? 0x84 : 0x85 }, .nop = 1, .ext = -1,
		       .size = (uint8_t)s, .wr = F_ARITH, .undef = LOGIC_U, .opt = O_SEQ),
		  "test %s, %s", rmn(s), rn(s));
	forms_add(l,
		  FORM(.gen = gen_acc, .op = { s == 1 ? 0xa8 : 0xa9 }, .nop = 1, .size = (uint8_t)s,
		       .imm = immz(s), .wr = F_ARITH, .undef = LOGIC_U, .opt = O_SEQ),
		  "test %s, %s", accn(s), immn(immz(s)));
}

/* IMUL r, r/m (0F AF), r, r/m, imm (69 6B). */
static void add_imul(struct formlist *l, unsigned s)
{
	struct form t = { .gen = gen_basic,
			  .op = { 0x0f, 0xaf },
			  .nop = 2,
			  .ext = -1,
			  .size = (uint8_t)s,
			  .wr = F_ARITH,
			  .undef = MUL_U,
			  .opt = O_SEQ };

	forms_add(l, &t, "imul %s, %s", rn(s), rmn(s));
	t.op[0] = 0x69;
	t.nop = 1;
	t.imm = immz(s);
	forms_add(l, &t, "imul %s, %s, %s", rn(s), rmn(s), immn(t.imm));
	t.op[0] = 0x6b;
	t.imm = 1;
	forms_add(l, &t, "imul %s, %s, imm8", rn(s), rmn(s));
}

/* ROL ROR RCL RCR SHL SHR SAL(/6) SAR by 1, CL and imm8. */
static void add_shifts(struct formlist *l, unsigned s)
{
	static const char *const mn[8] = { "rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar" };
	static const char *const how[3] = { "1", "cl", "imm8" };
	static const uint8_t ops[3] = { 0xd0, 0xd2, 0xc0 };

	for (unsigned k = 0; k < 3; k++)
		for (unsigned op = 0; op < 8; op++)
			forms_add(l,
				  FORM(.gen = gen_shift, .op = { (uint8_t)(ops[k] + (s > 1)) },
				       .nop = 1, .ext = (int8_t)op, .size = (uint8_t)s,
				       .imm = (uint8_t)(k == 2), .sub = (uint16_t)k,
				       .opt = k != 1 ? O_SEQ : 0),
				  "%s %s, %s%s", mn[op], rmn(s), how[k], op == 6 ? " (/6)" : "");
}

/* SHLD SHRD by imm8 and CL. */
static void add_shxd(struct formlist *l, unsigned s)
{
	for (unsigned k = 0; k < 4; k++) {
		bool cl = k & 1, right = k >> 1;

		forms_add(l,
			  FORM(.gen = gen_shxd, .op = { 0x0f, (uint8_t)(0xa4 + cl + 8 * right) },
			       .nop = 2, .ext = -1, .size = (uint8_t)s, .imm = (uint8_t)!cl,
			       .sub = (uint16_t)cl, .opt = cl ? 0 : O_SEQ),
			  "%s %s, %s, %s", right ? "shrd" : "shld", rmn(s), rn(s),
			  cl ? "cl" : "imm8");
	}
}

/* BT BTS BTR BTC r/m, r and r/m, imm8; BSF BSR; CMOVcc. */
static void add_bits(struct formlist *l, unsigned s)
{
	static const char *const bt[4] = { "bt", "bts", "btr", "btc" };
	static const uint8_t btr[4] = { 0xa3, 0xab, 0xb3, 0xbb };

	for (unsigned k = 0; k < 4; k++) {
		uint32_t lock = k ? O_LOCK : 0;

		forms_add(l,
			  FORM(.gen = gen_bt, .op = { 0x0f, btr[k] }, .nop = 2, .ext = -1,
			       .size = (uint8_t)s, .opt = lock | O_SEQ),
			  "%s %s, %s", bt[k], rmn(s), rn(s));
		forms_add(l,
			  FORM(.gen = gen_basic, .op = { 0x0f, 0xba }, .nop = 2,
			       .ext = (int8_t)(4 + k), .size = (uint8_t)s, .imm = 1,
			       .wr = F_CF | BT_U, .undef = BT_U, .opt = lock | O_SEQ),
			  "%s %s, imm8", bt[k], rmn(s));
	}
	for (unsigned k = 0; k < 2; k++)
		forms_add(l,
			  FORM(.gen = gen_basic, .op = { 0x0f, (uint8_t)(0xbc + k) }, .nop = 2,
			       .ext = -1, .size = (uint8_t)s, .wr = F_ARITH, .undef = BSF_U,
			       .opt = O_ZERO),
			  "%s %s, %s", k ? "bsr" : "bsf", rn(s), rmn(s));
	forms_add(l,
		  FORM(.gen = gen_basic, .op = { 0x0f, 0x40 }, .nop = 2, .ext = -1,
		       .size = (uint8_t)s, .opt = O_CC | O_SEQ),
		  "cmovcc %s, %s", rn(s), rmn(s));
}

/* MOV 88-8B, C6/C7, B0+r/B8+r, A0-A3. */
static void add_mov(struct formlist *l, unsigned s)
{
	uint8_t b = s > 1;

	forms_add(l,
		  FORM(.gen = gen_basic, .op = { (uint8_t)(0x88 + b) }, .nop = 1, .ext = -1,
		       .size = (uint8_t)s, .opt = O_SEQ),
		  "mov %s, %s", rmn(s), rn(s));
	forms_add(l,
		  FORM(.gen = gen_basic, .op = { (uint8_t)(0x8a + b) }, .nop = 1, .ext = -1,
		       .size = (uint8_t)s, .opt = O_SEQ),
		  "mov %s, %s", rn(s), rmn(s));
	forms_add(l,
		  FORM(.gen = gen_basic, .op = { (uint8_t)(0xc6 + b) }, .nop = 1, .ext = 0,
		       .size = (uint8_t)s, .imm = immz(s), .opt = O_SEQ),
		  "mov %s, %s", rmn(s), immn(immz(s)));
	forms_add(l,
		  FORM(.gen = gen_opreg, .op = { s == 1 ? 0xb0 : 0xb8 }, .nop = 1,
		       .size = (uint8_t)s, .imm = (uint8_t)s, .opt = O_SEQ),
		  "mov %s, imm%u (%s+r)", rn(s), s * 8, s == 1 ? "B0" : "B8");
	forms_add(
		l,
		FORM(.gen = gen_moffs, .op = { (uint8_t)(0xa0 + b) }, .nop = 1, .size = (uint8_t)s),
		"mov %s, moffs%u", accn(s), s * 8);
	forms_add(
		l,
		FORM(.gen = gen_moffs, .op = { (uint8_t)(0xa2 + b) }, .nop = 1, .size = (uint8_t)s),
		"mov moffs%u, %s", s * 8, accn(s));
}

/* XCHG (86 87, 90+r), XADD, CMPXCHG. */
static void add_xchg(struct formlist *l, unsigned s)
{
	uint8_t b = s > 1;

	if (s > 1)
		forms_add(l,
			  FORM(.gen = gen_opreg, .op = { 0x90 }, .nop = 1, .size = (uint8_t)s,
			       .opt = O_SEQ),
			  "xchg %s, %s (90+r)", accn(s), rn(s));
	forms_add(l,
		  FORM(.gen = gen_basic, .op = { (uint8_t)(0x86 + b) }, .nop = 1, .ext = -1,
		       .size = (uint8_t)s, .opt = O_LOCK | O_SEQ),
		  "xchg %s, %s", rmn(s), rn(s));
	forms_add(l,
		  FORM(.gen = gen_basic, .op = { 0x0f, (uint8_t)(0xc0 + b) }, .nop = 2, .ext = -1,
		       .size = (uint8_t)s, .wr = F_ARITH, .opt = O_LOCK | O_SEQ),
		  "xadd %s, %s", rmn(s), rn(s));
	forms_add(l,
		  FORM(.gen = gen_cmpxchg, .op = { 0x0f, (uint8_t)(0xb0 + b) }, .nop = 2, .ext = -1,
		       .size = (uint8_t)s, .wr = F_ARITH, .opt = O_SEQ),
		  "cmpxchg %s, %s", rmn(s), rn(s));
}

/* MOVZX MOVSX (r/m8, r/m16), LEA, BSWAP. */
static void add_extend(struct formlist *l, unsigned s)
{
	static const uint8_t op[4] = { 0xb6, 0xbe, 0xb7, 0xbf };

	for (unsigned k = 0; k < 4; k++)
		forms_add(l,
			  FORM(.gen = gen_basic, .op = { 0x0f, op[k] }, .nop = 2, .ext = -1,
			       .size = (uint8_t)s, .msz = (uint8_t)(k < 2 ? 1 : 2), .opt = O_SEQ),
			  "%s %s, r/m%u", k & 1 ? "movsx" : "movzx", rn(s), k < 2 ? 8 : 16);
	forms_add(l,
		  FORM(.gen = gen_basic, .op = { 0x8d }, .nop = 1, .ext = -1, .size = (uint8_t)s,
		       .opt = O_MEM | O_NOACC),
		  "lea %s, m", rn(s));
	if (s > 2)
		forms_add(l,
			  FORM(.gen = gen_opreg, .op = { 0x0f, 0xc8 }, .nop = 2, .size = (uint8_t)s,
			       .opt = O_SEQ),
			  "bswap %s", rn(s));
}

/* MOVSXD, CMPXCHG8B/16B, MOVNTI, SETcc. */
static void add_others(struct formlist *l)
{
	forms_add(l,
		  FORM(.gen = gen_basic, .op = { 0x63 }, .nop = 1, .ext = -1, .size = 8, .msz = 4,
		       .opt = O_SEQ),
		  "movsxd r64, r/m32");
	forms_add(l,
		  FORM(.gen = gen_basic, .op = { 0x63 }, .nop = 1, .ext = -1, .size = 4, .msz = 4,
		       .opt = O_SEQ),
		  "movsxd r32, r/m32 (no REX.W)");
	forms_add(l,
		  FORM(.gen = gen_cmpxchg8b, .op = { 0x0f, 0xc7 }, .nop = 2, .ext = 1, .size = 4,
		       .msz = 8),
		  "cmpxchg8b m64");
	forms_add(l,
		  FORM(.gen = gen_cmpxchg8b, .op = { 0x0f, 0xc7 }, .nop = 2, .ext = 1, .size = 8,
		       .msz = 16),
		  "cmpxchg16b m128");
	for (unsigned s = 4; s <= 8; s += 4)
		forms_add(l,
			  FORM(.gen = gen_basic, .op = { 0x0f, 0xc3 }, .nop = 2, .ext = -1,
			       .size = (uint8_t)s, .opt = O_MEM),
			  "movnti m%u, r%u", s * 8, s * 8);
	forms_add(l,
		  FORM(.gen = gen_basic, .op = { 0x0f, 0x90 }, .nop = 2, .size = 1,
		       .opt = O_CC | O_EXTANY | O_SEQ),
		  "setcc r/m8");
}

/* No operands: conversions, flag operations, NOP, PAUSE. */
static void add_plain(struct formlist *l)
{
	static const struct {
		uint8_t op, size;
		uint32_t rd, wr;
		const char *name;
	} p[] = {
		{ 0x98, 2, 0, 0, "cbw" },
		{ 0x98, 4, 0, 0, "cwde" },
		{ 0x98, 8, 0, 0, "cdqe" },
		{ 0x99, 2, 0, 0, "cwd" },
		{ 0x99, 4, 0, 0, "cdq" },
		{ 0x99, 8, 0, 0, "cqo" },
		{ 0x9f, 4, F_ARITH & ~F_OF, 0, "lahf" },
		{ 0x9e, 4, 0, F_ARITH & ~F_OF, "sahf" },
		{ 0xf8, 4, 0, F_CF, "clc" },
		{ 0xf9, 4, 0, F_CF, "stc" },
		{ 0xf5, 4, F_CF, F_CF, "cmc" },
		{ 0xfc, 4, 0, F_DF, "cld" },
		{ 0xfd, 4, 0, F_DF, "std" },
		{ 0x90, 4, 0, 0, "nop (90)" },
		{ 0x90, 2, 0, 0, "nop (66 90)" },
	};

	for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++)
		forms_add(l,
			  FORM(.gen = gen_plain, .op = { p[i].op }, .nop = 1, .size = p[i].size,
			       .rd = p[i].rd, .wr = p[i].wr, .opt = O_SEQ),
			  "%s", p[i].name);
	forms_add(l, FORM(.gen = gen_plain, .op = { 0xf3, 0x90 }, .nop = 2, .size = 4),
		  "pause (F3 90)");
}

/* MOVS CMPS STOS LODS SCAS x (none, REP/REPE, REPNE) x 4 sizes, with
 * 64-bit and (67) 32-bit addresses. */
static void add_strings(struct formlist *l)
{
	static const char *const sn[5] = { "movs", "cmps", "stos", "lods", "scas" };
	static const uint8_t so[5] = { 0xa4, 0xa6, 0xaa, 0xac, 0xae };
	static const uint8_t rpp[3] = { 0, 0xf3, 0xf2 };
	static const char sc[4] = { 'b', 'w', 'd', 'q' };

	for (unsigned a = 0; a < 2; a++)
		for (unsigned op = 0; op < 5; op++)
			for (unsigned r = 0; r < 3; r++)
				for (unsigned i = 0; i < 4; i++) {
					const char *rep = r == 0                 ? ""
							  : r == 2               ? "repne "
							  : (op == 1 || op == 4) ? "repe "
										 : "rep ";

					forms_add(l,
						  FORM(.gen = gen_string,
						       .op = { (uint8_t)(so[op] + (i > 0)) },
						       .nop = 1, .size = (uint8_t)sizes[i],
						       .msz = (uint8_t)(a ? 4 : 8), .pfx = rpp[r],
						       .sub = (uint16_t)op),
						  "%s%s%c%s", rep, sn[op], sc[i],
						  a ? " (67: 32-bit addresses)" : "");
				}
}

/* XLAT, the NOP and hint forms, CLFLUSH. */
static void add_hints(struct formlist *l)
{
	forms_add(l, FORM(.gen = gen_xlat), "xlat");
	forms_add(l,
		  FORM(.gen = gen_basic, .op = { 0x0f, 0x1f }, .nop = 2, .ext = 0, .size = 4,
		       .opt = O_NOACC),
		  "nop r/m32 (0F 1F /0)");
	forms_add(l,
		  FORM(.gen = gen_basic, .op = { 0x0f, 0x1f }, .nop = 2, .ext = 0, .size = 2,
		       .opt = O_NOACC),
		  "nop r/m16 (66 0F 1F /0)");
	for (unsigned k = 0; k < 4; k++)
		forms_add(l,
			  FORM(.gen = gen_basic, .op = { 0x0f, 0x18 }, .nop = 2, .ext = (int8_t)k,
			       .size = 4, .opt = O_NOACC | O_MEM),
			  "prefetch%s m8 (0F 18 /%u)", k ? "t" : "nta", k);
	forms_add(l,
		  FORM(.gen = gen_basic, .op = { 0x0f, 0x0d }, .nop = 2, .ext = 1, .size = 4,
		       .opt = O_NOACC | O_MEM),
		  "prefetchw m8 (0F 0D /1)");
	forms_add(l,
		  FORM(.gen = gen_basic, .op = { 0x0f, 0xae }, .nop = 2, .ext = 7, .size = 4,
		       .msz = 1, .opt = O_MEM | O_ALIGN),
		  "clflush m8");
}

/* Faults by design: #UD, #GP, #SS. */
static void add_faults(struct formlist *l)
{
	forms_add(l, FORM(.gen = gen_invalid), "invalid in 64-bit mode, ud2, ud1 (#UD)");
	forms_add(l, FORM(.gen = gen_lock_ud), "lock on a non-RMW form (#UD)");
	forms_add(l, FORM(.gen = gen_noncanon),
		  "non-canonical memory address (#GP, #SS via RSP/RBP)");
	forms_add(l, FORM(.gen = gen_too_long), "instruction longer than 15 bytes (#GP)");
}

static void collect_seq(struct formlist *l)
{
	nseq = 0;
	for (unsigned i = 0; i < l->n; i++)
		if (l->v[i].opt & O_SEQ)
			seq_forms[nseq++] = &l->v[i];
}

void forms_int(struct formlist *l)
{
	for (unsigned i = 0; i < 4; i++) {
		for (unsigned op = 0; op < 8; op++)
			add_alu(l, op, sizes[i]);
		add_grp3(l, sizes[i]);
		add_incdec_test(l, sizes[i]);
		add_shifts(l, sizes[i]);
		add_mov(l, sizes[i]);
		add_xchg(l, sizes[i]);
		if (i > 0) {
			add_imul(l, sizes[i]);
			add_shxd(l, sizes[i]);
			add_bits(l, sizes[i]);
			add_extend(l, sizes[i]);
		}
	}
	add_others(l);
	add_plain(l);
	add_strings(l);
	add_hints(l);
	add_faults(l);
	collect_seq(l);
	forms_add(l, FORM(.gen = gen_seq, .weight = 8),
		  "flag sequences (lazy flags: producers, consumers, jcc)");
}
