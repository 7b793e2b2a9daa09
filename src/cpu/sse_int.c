/* sse_int.c - integer SIMD on MMX (no prefix) and XMM (66) registers:
 * element-wise arithmetic, packs and unpacks, shifts, shuffles, and the
 * bitwise/unpack forms of the ps/pd rows (SDM vol. 1, chapters 9-11). */
#include "cpu/sse.h"

#include <limits.h>

/* ---- element-wise operations ---- */

static inline int sat(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* d.m[i] = expr for each element; a and b are the two elements as T.
 * Narrowing back into the element type wraps, as the hardware does. */
#define LANES(name, T, m, expr)                                                                    \
	static void name(union xmm *d, const union xmm *s, unsigned n)                             \
	{                                                                                          \
		for (unsigned i = 0; i < n / sizeof(d->m[0]); i++) {                               \
			T a = (T)d->m[i], b = (T)s->m[i];                                          \
			d->m[i] = (expr);                                                          \
		}                                                                                  \
	}

LANES(paddb, uint8_t, b, a + b)
LANES(paddw, uint16_t, w, a + b)
LANES(paddd, uint32_t, d, a + b)
LANES(paddq, uint64_t, q, a + b)
LANES(psubb, uint8_t, b, a - b)
LANES(psubw, uint16_t, w, a - b)
LANES(psubd, uint32_t, d, a - b)
LANES(psubq, uint64_t, q, a - b)
LANES(paddsb, int8_t, b, sat(a + b, INT8_MIN, INT8_MAX))
LANES(paddsw, int16_t, w, sat(a + b, INT16_MIN, INT16_MAX))
LANES(psubsb, int8_t, b, sat(a - b, INT8_MIN, INT8_MAX))
LANES(psubsw, int16_t, w, sat(a - b, INT16_MIN, INT16_MAX))
LANES(paddusb, uint8_t, b, sat(a + b, 0, UINT8_MAX))
LANES(paddusw, uint16_t, w, sat(a + b, 0, UINT16_MAX))
LANES(psubusb, uint8_t, b, sat(a - b, 0, UINT8_MAX))
LANES(psubusw, uint16_t, w, sat(a - b, 0, UINT16_MAX))
LANES(pmullw, int16_t, w, (a * b))
/* The high half of the signed product. */
static inline uint32_t mulhs(int16_t a, int16_t b)
{
	return (uint32_t)(a * b) >> 16;
}
LANES(pmulhw, int16_t, w, mulhs(a, b))
LANES(pmulhuw, uint16_t, w, ((uint32_t)a * b) >> 16)
LANES(pmuludq, uint64_t, q, (a & 0xffffffff) * (b & 0xffffffff))
/* The 64-bit sum keeps 0x8000 * 0x8000 twice from overflowing. */
static inline uint32_t madd(uint32_t a, uint32_t b)
{
	int64_t lo = (int64_t)(int16_t)a * (int16_t)b,
		hi = (int64_t)(int16_t)(a >> 16) * (int16_t)(b >> 16);

	return (uint32_t)(lo + hi);
}
LANES(pmaddwd, uint32_t, d, madd(a, b))
LANES(pavgb, uint8_t, b, (a + b + 1) >> 1)
LANES(pavgw, uint16_t, w, (a + b + 1) >> 1)
LANES(pminub, uint8_t, b, a < b ? a : b)
LANES(pmaxub, uint8_t, b, a > b ? a : b)
LANES(pminsw, int16_t, w, a < b ? a : b)
LANES(pmaxsw, int16_t, w, a > b ? a : b)
LANES(pand, uint64_t, q, (a & b))
LANES(pandn, uint64_t, q, (~a & b))
LANES(por, uint64_t, q, (a | b))
LANES(pxor, uint64_t, q, (a ^ b))
/* Comparisons: all ones (-1 wrapped) or zero. */
LANES(pcmpeqb, uint8_t, b, -(a == b))
LANES(pcmpeqw, uint16_t, w, -(a == b))
LANES(pcmpeqd, uint32_t, d, -(uint32_t)(a == b))
LANES(pcmpgtb, int8_t, b, -(a > b))
LANES(pcmpgtw, int16_t, w, -(a > b))
LANES(pcmpgtd, int32_t, d, -(a > b))

/* Shifts by the low 64 bits of the source; counts past the element width
 * clear it, or fill it with the sign for arithmetic shifts. */
#define SHIFT(name, T, m, expr)                                                                    \
	static void name(union xmm *d, const union xmm *s, unsigned n)                             \
	{                                                                                          \
		const uint64_t c = s->q[0], bits = 8 * sizeof(d->m[0]);                            \
		for (unsigned i = 0; i < n / sizeof(d->m[0]); i++) {                               \
			T a = (T)d->m[i];                                                          \
			d->m[i] = (expr);                                                          \
		}                                                                                  \
	}

SHIFT(psrlw, uint16_t, w, c >= bits ? 0 : a >> c)
SHIFT(psrld, uint32_t, d, c >= bits ? 0 : a >> c)
SHIFT(psrlq, uint64_t, q, c >= bits ? 0 : a >> c)
SHIFT(psraw, int16_t, w, a >> (c >= bits ? bits - 1 : c))
SHIFT(psrad, int32_t, d, a >> (c >= bits ? bits - 1 : c))
SHIFT(psllw, uint16_t, w, c >= bits ? 0 : a << c)
SHIFT(pslld, uint32_t, d, c >= bits ? 0 : a << c)
SHIFT(psllq, uint64_t, q, c >= bits ? 0 : a << c)

/* psrldq/pslldq: whole-register byte shifts, XMM only */
static void psrldq(union xmm *d, const union xmm *s, unsigned n)
{
	unsigned c = s->q[0] > 16 ? 16 : (unsigned)s->q[0];
	union xmm r = { 0 };

	(void)n;
	memcpy(r.b, d->b + c, 16 - c);
	*d = r;
}

static void pslldq(union xmm *d, const union xmm *s, unsigned n)
{
	unsigned c = s->q[0] > 16 ? 16 : (unsigned)s->q[0];
	union xmm r = { 0 };

	(void)n;
	memcpy(r.b + c, d->b, 16 - c);
	*d = r;
}

/* psadbw: per 64-bit group, the sum of absolute byte differences in the
 * low word, the rest zero. */
static void psadbw(union xmm *d, const union xmm *s, unsigned n)
{
	for (unsigned g = 0; g < n / 8; g++) {
		unsigned sum = 0;

		for (unsigned i = 8 * g; i < 8 * g + 8; i++)
			sum += d->b[i] > s->b[i] ? d->b[i] - s->b[i] : s->b[i] - d->b[i];
		d->q[g] = sum;
	}
}

/* Packs: the destination's elements, then the source's, each narrowed to
 * half width with saturation. */
#define PACK(name, T, from, to, lo, hi)                                                            \
	static void name(union xmm *d, const union xmm *s, unsigned n)                             \
	{                                                                                          \
		const unsigned k = n / sizeof(d->from[0]);                                         \
		union xmm r;                                                                       \
		for (unsigned i = 0; i < k; i++) {                                                 \
			r.to[i] = sat((T)d->from[i], lo, hi);                                      \
			r.to[k + i] = sat((T)s->from[i], lo, hi);                                  \
		}                                                                                  \
		memcpy(d, &r, n);                                                                  \
	}

PACK(packsswb, int16_t, w, b, INT8_MIN, INT8_MAX)
PACK(packuswb, int16_t, w, b, 0, UINT8_MAX)
PACK(packssdw, int32_t, d, w, INT16_MIN, INT16_MAX)

/* Unpacks interleave e-byte elements of the low (or high) halves of
 * destination and source. */
static void unpack(union xmm *d, const union xmm *s, unsigned n, unsigned e, bool high)
{
	const unsigned half = high ? n / 2 : 0;
	union xmm r;

	for (unsigned i = 0; i < n / (2 * e); i++) {
		memcpy(&r.b[2 * i * e], &d->b[half + i * e], e);
		memcpy(&r.b[(2 * i + 1) * e], &s->b[half + i * e], e);
	}
	memcpy(d, &r, n);
}

#define UNPACK(name, e, high)                                                                      \
	static void name(union xmm *d, const union xmm *s, unsigned n)                             \
	{                                                                                          \
		unpack(d, s, n, e, high);                                                          \
	}

UNPACK(punpcklbw, 1, false)
UNPACK(punpcklwd, 2, false)
UNPACK(punpckldq, 4, false)
UNPACK(punpcklqdq, 8, false)
UNPACK(punpckhbw, 1, true)
UNPACK(punpckhwd, 2, true)
UNPACK(punpckhdq, 4, true)
UNPACK(punpckhqdq, 8, true)

/* ---- handlers ---- */

/* dst = dst op src for the opcodes sse_pint serves */
static const vec_fn int_ops[256] = {
	[0x60] = punpcklbw,  [0x61] = punpcklwd,  [0x62] = punpckldq, [0x63] = packsswb,
	[0x64] = pcmpgtb,    [0x65] = pcmpgtw,    [0x66] = pcmpgtd,   [0x67] = packuswb,
	[0x68] = punpckhbw,  [0x69] = punpckhwd,  [0x6a] = punpckhdq, [0x6b] = packssdw,
	[0x6c] = punpcklqdq, [0x6d] = punpckhqdq, [0x74] = pcmpeqb,   [0x75] = pcmpeqw,
	[0x76] = pcmpeqd,    [0xd1] = psrlw,      [0xd2] = psrld,     [0xd3] = psrlq,
	[0xd4] = paddq,      [0xd5] = pmullw,     [0xd8] = psubusb,   [0xd9] = psubusw,
	[0xda] = pminub,     [0xdb] = pand,       [0xdc] = paddusb,   [0xdd] = paddusw,
	[0xde] = pmaxub,     [0xdf] = pandn,      [0xe0] = pavgb,     [0xe1] = psraw,
	[0xe2] = psrad,      [0xe3] = pavgw,      [0xe4] = pmulhuw,   [0xe5] = pmulhw,
	[0xe8] = psubsb,     [0xe9] = psubsw,     [0xea] = pminsw,    [0xeb] = por,
	[0xec] = paddsb,     [0xed] = paddsw,     [0xee] = pmaxsw,    [0xef] = pxor,
	[0xf1] = psllw,      [0xf2] = pslld,      [0xf3] = psllq,     [0xf4] = pmuludq,
	[0xf5] = pmaddwd,    [0xf6] = psadbw,     [0xf8] = psubb,     [0xf9] = psubw,
	[0xfa] = psubd,      [0xfb] = psubq,      [0xfc] = paddb,     [0xfd] = paddw,
	[0xfe] = paddd,
};

/* op xmm, xmm/m128 (16-byte aligned) */
static void xmm_apply(struct cpu *cpu, const struct insn *in, vec_fn fn)
{
	union xmm s;

	sse_check(cpu);
	sse_rm_load(cpu, in, &s, 16, true);
	fn(&cpu->xmm[in->reg], &s, 16);
}

/* op mm, mm/m64; the low-half unpacks read only m32 */
static void mmx_apply(struct cpu *cpu, const struct insn *in, vec_fn fn)
{
	union xmm d = { 0 }, s = { 0 };
	unsigned size = in->op >= 0x60 && in->op <= 0x62 ? 4 : 8;

	mmx_enter(cpu);
	s.q[0] = mmx_rm_load(cpu, in, size);
	d.q[0] = mmx_get(cpu, in->reg);
	fn(&d, &s, 8);
	mmx_set(cpu, in->reg, d.q[0]);
}

/* Rows with an MMX and an XMM form: in the no-prefix column 66 is never
 * set, in the 66 column it always is. */
void sse_pint(struct cpu *cpu, const struct insn *in)
{
	if (in->pfx & PFX_OPSZ)
		xmm_apply(cpu, in, int_ops[in->op]);
	else
		mmx_apply(cpu, in, int_ops[in->op]);
}

/* The ps (no prefix) and pd (66) forms of the bitwise and unpack rows:
 * plain bit moves, no floating-point exceptions. */
void sse_xvec(struct cpu *cpu, const struct insn *in)
{
	static const vec_fn ops[0x58][2] = {
		[0x14] = { punpckldq, punpcklqdq }, /* unpcklps unpcklpd */
		[0x15] = { punpckhdq, punpckhqdq }, /* unpckhps unpckhpd */
		[0x54] = { pand, pand },            /* andps andpd */
		[0x55] = { pandn, pandn },          /* andnps andnpd */
		[0x56] = { por, por },              /* orps orpd */
		[0x57] = { pxor, pxor },            /* xorps xorpd */
	};

	xmm_apply(cpu, in, ops[in->op][(in->pfx & PFX_OPSZ) ? 1 : 0]);
}

/* 71-73 groups: shift the r/m register by imm8, as the by-register forms
 * do with that count. */
void sse_pshift_imm(struct cpu *cpu, const struct insn *in)
{
	static const vec_fn ops[3][8] = {
		{ [2] = psrlw, [4] = psraw, [6] = psllw },
		{ [2] = psrld, [4] = psrad, [6] = pslld },
		{ [2] = psrlq, [3] = psrldq, [6] = psllq, [7] = pslldq },
	};
	vec_fn fn = ops[in->op - 0x71][(in->modrm >> 3) & 7];
	union xmm c = { .q = { in->imm & 0xff, 0 } };

	if (in->pfx & PFX_OPSZ) {
		sse_check(cpu);
		fn(&cpu->xmm[in->rm], &c, 16);
	} else {
		union xmm d = { 0 };

		mmx_enter(cpu);
		d.q[0] = mmx_get(cpu, in->rm);
		fn(&d, &c, 8);
		mmx_set(cpu, in->rm, d.q[0]);
	}
}

/* ---- shuffles ---- */

/* 0F 70 pshufw mm, mm/m64, imm8 */
void sse_pshufw(struct cpu *cpu, const struct insn *in)
{
	union xmm s = { 0 }, r = { 0 };

	mmx_enter(cpu);
	s.q[0] = mmx_rm_load(cpu, in, 8);
	for (unsigned i = 0; i < 4; i++)
		r.w[i] = s.w[(in->imm >> (2 * i)) & 3];
	mmx_set(cpu, in->reg, r.q[0]);
}

/* 66 0F 70 pshufd xmm, xmm/m128, imm8 */
void sse_pshufd(struct cpu *cpu, const struct insn *in)
{
	union xmm s, r;

	sse_check(cpu);
	sse_rm_load(cpu, in, &s, 16, true);
	for (unsigned i = 0; i < 4; i++)
		r.d[i] = s.d[(in->imm >> (2 * i)) & 3];
	cpu->xmm[in->reg] = r;
}

/* pshufhw/pshuflw: shuffle the words of one half, copy the other */
static void pshuf_half(struct cpu *cpu, const struct insn *in, unsigned half)
{
	union xmm s, r;

	sse_check(cpu);
	sse_rm_load(cpu, in, &s, 16, true);
	r = s;
	for (unsigned i = 0; i < 4; i++)
		r.w[4 * half + i] = s.w[4 * half + ((in->imm >> (2 * i)) & 3)];
	cpu->xmm[in->reg] = r;
}

/* F3 0F 70 pshufhw xmm, xmm/m128, imm8 */
void sse_pshufhw(struct cpu *cpu, const struct insn *in)
{
	pshuf_half(cpu, in, 1);
}

/* F2 0F 70 pshuflw xmm, xmm/m128, imm8 */
void sse_pshuflw(struct cpu *cpu, const struct insn *in)
{
	pshuf_half(cpu, in, 0);
}

/* 0F C6 shufps, 66 0F C6 shufpd: the low result elements come from the
 * destination, the high ones from the source. */
void sse_shufp(struct cpu *cpu, const struct insn *in)
{
	union xmm s, r, *d = &cpu->xmm[in->reg];
	unsigned imm = in->imm & 0xff;

	sse_check(cpu);
	sse_rm_load(cpu, in, &s, 16, true);
	if (in->pfx & PFX_OPSZ) {
		r.q[0] = d->q[imm & 1];
		r.q[1] = s.q[(imm >> 1) & 1];
	} else {
		r.d[0] = d->d[imm & 3];
		r.d[1] = d->d[(imm >> 2) & 3];
		r.d[2] = s.d[(imm >> 4) & 3];
		r.d[3] = s.d[(imm >> 6) & 3];
	}
	*d = r;
}

/* ---- words, masks ---- */

/* C5 pextrw r32, mm/xmm, imm8: zero-extended into the whole register */
void sse_pextrw(struct cpu *cpu, const struct insn *in)
{
	uint64_t v;

	if (in->pfx & PFX_OPSZ) {
		sse_check(cpu);
		v = cpu->xmm[in->rm].w[in->imm & 7];
	} else {
		mmx_enter(cpu);
		v = (mmx_get(cpu, in->rm) >> (16 * (in->imm & 3))) & 0xffff;
	}
	set_reg(cpu, in->reg, 4, v);
}

/* C4 pinsrw mm/xmm, r32/m16, imm8 */
void sse_pinsrw(struct cpu *cpu, const struct insn *in)
{
	uint64_t v;

	if (in->pfx & PFX_OPSZ) {
		sse_check(cpu);
		v = rm_read(cpu, in, 2);
		cpu->xmm[in->reg].w[in->imm & 7] = (uint16_t)v;
	} else {
		unsigned sh = 16 * (in->imm & 3);

		mmx_enter(cpu);
		v = rm_read(cpu, in, 2);
		mmx_set(cpu, in->reg, (mmx_get(cpu, in->reg) & ~(0xffffULL << sh)) | (v << sh));
	}
}

/* D7 pmovmskb r32, mm/xmm: the top bit of each byte */
void sse_pmovmskb(struct cpu *cpu, const struct insn *in)
{
	union xmm s = { 0 };
	unsigned n = 16, mask = 0;

	if (in->pfx & PFX_OPSZ) {
		sse_check(cpu);
		s = cpu->xmm[in->rm];
	} else {
		mmx_enter(cpu);
		s.q[0] = mmx_get(cpu, in->rm);
		n = 8;
	}
	for (unsigned i = 0; i < n; i++)
		mask |= (unsigned)(s.b[i] >> 7) << i;
	set_reg(cpu, in->reg, 4, mask);
}

/* 50 movmskps/movmskpd r32, xmm: the sign bit of each element */
void sse_movmskp(struct cpu *cpu, const struct insn *in)
{
	const union xmm *s = &cpu->xmm[in->rm];
	unsigned mask;

	sse_check(cpu);
	if (in->pfx & PFX_OPSZ)
		mask = (unsigned)(s->q[0] >> 63) | (unsigned)(s->q[1] >> 63) << 1;
	else
		mask = (s->d[0] >> 31) | (s->d[1] >> 31) << 1 | (s->d[2] >> 31) << 2 |
		       (s->d[3] >> 31) << 3;
	set_reg(cpu, in->reg, 4, mask);
}

/* F7 maskmovq mm, mm / maskmovdqu xmm, xmm: store the bytes of reg whose
 * mask byte (r/m) has its top bit set to seg:rDI. */
void sse_maskmov(struct cpu *cpu, const struct insn *in)
{
	union xmm v = { 0 }, m = { 0 };
	const uint64_t amask = ad_mask(in->adsz), di = cpu->regs[R_DI] & amask;
	unsigned n = 16, first = 16, last = 0;
	uint64_t lin, end;

	if (in->pfx & PFX_OPSZ) {
		sse_check(cpu);
		v = cpu->xmm[in->reg];
		m = cpu->xmm[in->rm];
	} else {
		mmx_enter(cpu);
		v.q[0] = mmx_get(cpu, in->reg);
		m.q[0] = mmx_get(cpu, in->rm);
		n = 8;
	}
	for (unsigned i = 0; i < n; i++) {
		if (m.b[i] & 0x80) {
			first = first < i ? first : i;
			last = i;
		}
	}
	if (first > last)
		return; /* nothing selected: no access at all */
	/* Fault before any byte is written, as mem_write_n does: check the
	 * segment for the whole span, translate its last page first. */
	lin = seg_lin(cpu, in->seg, (di + first) & amask, last - first + 1, true);
	end = lin + (last - first);
	if (!(cpu->efer & X86_EFER_LMA))
		end &= 0xffffffff;
	if ((end >> 12) != (lin >> 12))
		mmu_translate(cpu, end, ACC_W, cpu->cpl == 3);
	for (unsigned i = first; i <= last; i++)
		if (m.b[i] & 0x80)
			mem_write(cpu, in->seg, (di + i) & amask, 1, v.b[i]);
}
