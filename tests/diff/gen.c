/* gen.c - the case generator's core: random values, initial state, an x86 encoder, memory operands. */
#include "forms.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- randomness: xoshiro256** seeded by splitmix64 ---- */

void g_seed(struct gen *g, uint64_t seed)
{
	for (int i = 0; i < 4; i++) {
		uint64_t z = (seed += 0x9e3779b97f4a7c15ULL);

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		g->s[i] = z ^ (z >> 31);
	}
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t g_rand(struct gen *g)
{
	uint64_t *s = g->s, r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return r;
}

unsigned g_below(struct gen *g, unsigned n)
{
	return n ? (unsigned)((g_rand(g) >> 32) * n >> 32) : 0;
}

bool g_chance(struct gen *g, unsigned pct)
{
	return g_below(g, 100) < pct;
}

static uint64_t width_mask(unsigned size)
{
	return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

/* Edge values at a width: zero, one, all ones, the signed limits and
 * their neighbours, small numbers, single bits; the bits above the width
 * random, zero or a sign extension. */
uint64_t g_int(struct gen *g, unsigned size)
{
	unsigned bits = size * 8;
	uint64_t m = width_mask(size), top = 1ULL << (bits - 1), v;

	switch (g_below(g, 16)) {
	case 0:
		v = 0;
		break;
	case 1:
		v = 1;
		break;
	case 2:
		v = m;
		break;
	case 3:
		v = top - 1 - g_below(g, 3);
		break;
	case 4:
		v = top + g_below(g, 3);
		break;
	case 5:
		v = g_below(g, 64);
		break;
	case 6:
		v = 0 - (uint64_t)(1 + g_below(g, 64));
		break;
	case 7:
		v = 1ULL << g_below(g, bits);
		break;
	case 8:
		v = ~(1ULL << g_below(g, bits));
		break;
	default:
		v = g_rand(g);
		break;
	}
	v &= m;
	if (size >= 8)
		return v;
	switch (g_below(g, 3)) {
	case 0:
		return v | (g_rand(g) & ~m);
	case 1:
		return v;
	default:
		return (v & top) ? v | ~m : v;
	}
}

/* IEEE values: zeros, ones, infinities, quiet and signalling NaNs,
 * denormals, the normal limits, integer boundaries, ties, and ordinary
 * numbers of moderate magnitude. */
uint32_t g_f32(struct gen *g)
{
	uint32_t s = (uint32_t)(g_rand(g) & 1) << 31, r = (uint32_t)g_rand(g);
	float f;

	switch (g_below(g, 18)) {
	case 0:
		return s;
	case 1:
		return s | 0x3f800000;
	case 2:
		return s | 0x7f800000;
	case 3:
		return s | 0x7fc00000 | (r & 0x3fffff);
	case 4:
		return s | 0x7f800000 | (1 + r % 0x3fffff);
	case 5:
		return s | (r & 0x7fffff);
	case 6:
		return s | (0x00800000 + (r & 0xff));
	case 7:
		return s | (0x7f7fffff - (r & 0xff));
	case 8:
		return s | (0x4f000000 + (r & 3) - 2);
	case 9:
		return s | (0x5f000000 + (r & 3) - 2);
	case 10:
		f = (float)((int)g_below(g, 400) - 200) * 0.5f;
		memcpy(&r, &f, 4);
		return r;
	case 11:
		return r;
	default:
		return s | ((97u + g_below(g, 60)) << 23) | (r & 0x7fffff);
	}
}

uint64_t g_f64(struct gen *g)
{
	uint64_t s = (g_rand(g) & 1) << 63, r = g_rand(g);
	double d;

	switch (g_below(g, 18)) {
	case 0:
		return s;
	case 1:
		return s | 0x3ff0000000000000ULL;
	case 2:
		return s | 0x7ff0000000000000ULL;
	case 3:
		return s | 0x7ff8000000000000ULL | (r & 0x7ffffffffffffULL);
	case 4:
		return s | 0x7ff0000000000000ULL | (1 + r % 0x7ffffffffffffULL);
	case 5:
		return s | (r & 0xfffffffffffffULL);
	case 6:
		return s | (0x0010000000000000ULL + (r & 0xff));
	case 7:
		return s | (0x7fefffffffffffffULL - (r & 0xff));
	case 8:
		return s | (0x41e0000000000000ULL + (r & 0xff) - 0x80);
	case 9:
		return s | (0x43e0000000000000ULL + (r & 3) - 2);
	case 10:
		d = (double)((int)g_below(g, 400) - 200) * 0.5;
		memcpy(&r, &d, 8);
		return r;
	case 11:
		/* Near float's range, for conversions to single. */
		return s | ((uint64_t)(0x380 + g_below(g, 0x100)) << 52) | (r & 0xfffffffffffffULL);
	case 12:
		return r;
	default:
		return s | ((uint64_t)(993 + g_below(g, 60)) << 52) | (r & 0xfffffffffffffULL);
	}
}

/* Integer lanes of one random width, each an edge value at that width. */
static uint64_t int_lanes(struct gen *g)
{
	unsigned w = 1u << g_below(g, 4);
	uint64_t v = 0;

	for (unsigned i = 0; i < 8; i += w)
		v |= (g_int(g, w) & width_mask(w)) << (8 * i);
	return v;
}

void g_vec(struct gen *g, uint64_t v[2], unsigned cls)
{
	if (cls == V_ANY)
		cls = 1 + g_below(g, 3);
	for (int h = 0; h < 2; h++) {
		switch (cls) {
		case V_PS:
			v[h] = g_f32(g) | (uint64_t)g_f32(g) << 32;
			break;
		case V_PD:
			v[h] = g_f64(g);
			break;
		case V_I32:
			v[h] = (g_int(g, 4) & 0xffffffff) | g_int(g, 4) << 32;
			break;
		default:
			v[h] = g_chance(g, 30) ? g_rand(g) : int_lanes(g);
			break;
		}
	}
}

/* x87 extended values: the IEEE specials widened, plus unnormals and
 * pseudo-denormals now and then. */
void g_f80(struct gen *g, uint8_t out[10])
{
	uint64_t m = g_rand(g), d = g_f64(g);
	uint16_t se = (uint16_t)(g_rand(g) & 0x8000);
	unsigned e = (unsigned)(d >> 52) & 0x7ff;

	switch (g_below(g, 12)) {
	case 0: /* a double's special or normal value, widened */
		se = (uint16_t)(((d >> 48) & 0x8000) | (e == 0x7ff ? 0x7fff
							: e == 0   ? 0
								   : e - 1023 + 16383));
		m = (d << 11) | (e ? 1ULL << 63 : 0);
		break;
	case 1:
		m = 0;
		break;
	case 2:
		se |= 0x7fff;
		m = 1ULL << 63;
		break;
	case 3:
		se |= 0x7fff;
		m |= 3ULL << 62;
		break;
	case 4:
		se |= 0x7fff;
		m = (m & ~(3ULL << 62)) | 1ULL << 63 | 1;
		break;
	case 5: /* denormal */
		m &= ~(1ULL << 63);
		break;
	case 6: /* unnormal or pseudo-denormal: unsupported formats */
		if (g_chance(g, 30)) {
			se |= (uint16_t)(g_chance(g, 50) ? 0 : 1 + g_below(g, 0x7ffe));
			m &= ~(1ULL << 63);
			break;
		}
		/* fall through */
	default:
		se |= (uint16_t)(16383 - 40 + g_below(g, 80));
		m |= 1ULL << 63;
		break;
	}
	memcpy(out, &m, 8);
	memcpy(out + 8, &se, 2);
}

/* ---- the case ---- */

static uint32_t pick_anchor(struct gen *g)
{
	if (g_chance(g, 35))
		return (1 + g_below(g, DATA_SIZE / 4096 - 1)) * 4096 + g_below(g, 128) - 64;
	return 640 + g_below(g, DATA_SIZE - 1280);
}

void g_begin(struct gen *g, struct tcase *c, const uint8_t *baseline)
{
	memset(c, 0, offsetof(struct tcase, pool));
	g->c = c;
	g->baseline = baseline;
	g->fixed = 0;
	g->norex = g->seq = g->bad = false;
	g->tlo = UINT32_MAX;
	g->thi = 0;
	g->anchor = pick_anchor(g);
	g->fdef = F_COMPARED;
	g->reads = 0;
	g->pool = 0;
	g->rsp_adj = 0;
	for (int r = 0; r < 16; r++)
		c->in.gpr[r] = g_int(g, 1u << g_below(g, 4));
	c->in.rflags = 0x202 | (g_rand(g) & F_ARITH);
	/* Vector operands get edge values from their forms; the rest only
	 * has to survive, so random bits do. */
	for (int i = 0; i < 16; i++) {
		c->in.xmm[i][0] = g_rand(g);
		c->in.xmm[i][1] = g_rand(g);
	}
	c->in.mxcsr = 0x1f80;
	c->x87.fcw = 0x037f;
	for (int i = 0; i < 8; i++) {
		uint64_t m = g_chance(g, 50) ? g_rand(g) : g_int(g, 1u << g_below(g, 4));
		uint16_t se = (uint16_t)g_rand(g);

		memcpy(c->x87.st[i], &m, 8);
		memcpy(c->x87.st[i] + 8, &se, 2);
	}
	c->zf_ignore = -1;
}

int g_mark(struct gen *g, int off)
{
	struct tcase *c = g->c;

	if (c->nmark >= NMARK) {
		fprintf(stderr, "cpudiff: too many markers\n");
		abort();
	}
	c->mark[c->nmark] = (int16_t)off;
	return c->nmark++;
}

/* The fallthrough marker, and the window around every byte touched. */
void g_end(struct gen *g)
{
	struct tcase *c = g->c;
	bool have = false;

	for (unsigned k = 0; k < c->nmark; k++)
		have |= c->mark[k] == (int16_t)c->len;
	if (!have)
		g_mark(g, c->len);
	if (!c->ninsn)
		c->ninsn = 1;
	c->fmask = g->fdef;
	if (g->tlo > g->thi) {
		c->win_off = c->win_len = 0;
		return;
	}
	c->win_off = g->tlo > 16 ? g->tlo - 16 : 0;
	c->win_len = (g->thi + 16 < DATA_SIZE ? g->thi + 16 : DATA_SIZE) - c->win_off;
	if (c->win_len > WIN_MAX) {
		fprintf(stderr, "cpudiff: window of %u bytes\n", c->win_len);
		abort();
	}
}

void g_set(struct gen *g, int r, uint64_t v)
{
	g->c->in.gpr[r] = v;
	g->fixed |= (uint16_t)(1u << r);
}

static uint64_t g_get(const struct gen *g, int r)
{
	return g->c->in.gpr[r];
}

uint64_t g_regval(const struct gen *g, int r, unsigned size)
{
	if (r >= REG_AH)
		return (g->c->in.gpr[r - REG_AH] >> 8) & 0xff;
	return g->c->in.gpr[r] & width_mask(size);
}

/* The size-byte part of register r, the rest kept. */
void g_setreg(struct gen *g, int r, unsigned size, uint64_t v)
{
	uint64_t *p = &g->c->in.gpr[r >= REG_AH ? r - REG_AH : r];
	uint64_t m = width_mask(size);

	if (r >= REG_AH)
		*p = (*p & ~0xff00ULL) | ((v & 0xff) << 8);
	else
		*p = (*p & ~m) | (v & m);
}

int g_pick_reg(struct gen *g, unsigned size, uint16_t avoid)
{
	static const int legacy8[8] = { 0, 1, 2, 3, REG_AH, REG_AH + 1, REG_AH + 2, REG_AH + 3 };

	for (int tries = 0; tries < 64; tries++) {
		int r = g->norex ? (size == 1 ? legacy8[g_below(g, 8)] : (int)g_below(g, 8))
				 : (int)g_below(g, 16);
		int phys = r >= REG_AH ? r - REG_AH : r;

		if (!(avoid & (1u << phys)))
			return r;
	}
	for (int r = 0; r < (g->norex ? 8 : 16); r++)
		if (!(avoid & (1u << r)))
			return r;
	return 0;
}

void g_touch(struct gen *g, uint32_t off, uint32_t len)
{
	if (len == 0)
		return;
	if ((uint64_t)off + len > DATA_SIZE) {
		fprintf(stderr, "cpudiff: touch outside the data area: %#x+%u\n", off, len);
		abort();
	}
	if (off < g->tlo)
		g->tlo = off;
	if (off + len > g->thi)
		g->thi = off + len;
}

void g_patch(struct gen *g, uint32_t off, const void *p, unsigned len)
{
	struct tcase *c = g->c;

	if (c->npatch >= NPATCH || g->pool + len > POOL_MAX) {
		fprintf(stderr, "cpudiff: out of patch room\n");
		abort();
	}
	g_touch(g, off, len);
	c->patch[c->npatch++] = (struct patch){ (uint16_t)off, (uint16_t)len, g->pool };
	memcpy(c->pool + g->pool, p, len);
	g->pool = (uint16_t)(g->pool + len);
}

/* The bytes the case will see at off: baseline, then patches in order. */
uint64_t g_peek(const struct gen *g, uint32_t off, unsigned len)
{
	uint8_t b[8];
	uint64_t v = 0;

	memcpy(b, g->baseline + off, len);
	for (unsigned i = 0; i < g->c->npatch; i++) {
		const struct patch *p = &g->c->patch[i];

		for (unsigned k = 0; k < len; k++)
			if (off + k >= p->off && off + k < (uint32_t)p->off + p->len)
				b[k] = g->c->pool[p->at + off + k - p->off];
	}
	memcpy(&v, b, len);
	return v;
}

void g_byte(struct gen *g, uint8_t b)
{
	if (g->c->len >= CODE_MAX) {
		fprintf(stderr, "cpudiff: code too long\n");
		abort();
	}
	g->c->code[g->c->len++] = b;
}

void g_flags(struct gen *g, uint32_t written, uint32_t undef)
{
	g->fdef = (g->fdef | written) & ~(uint64_t)undef;
}

void g_ignore(struct gen *g, uint32_t off, uint32_t len)
{
	struct tcase *c = g->c;

	for (int i = 0; i < NIGN; i++) {
		if (!c->ign_len[i]) {
			c->ign_off[i] = off;
			c->ign_len[i] = len;
			return;
		}
	}
	fprintf(stderr, "cpudiff: too many ignored ranges\n");
	abort();
}

/* len bytes near the anchor, aligned, inside the area. */
uint32_t g_region(struct gen *g, unsigned len, unsigned align)
{
	int64_t off = (int64_t)g->anchor + (int64_t)g_below(g, 256) - 128 - (int64_t)len / 2;

	if (align > 1)
		off &= ~(int64_t)(align - 1);
	if (off < 0)
		off = 0;
	if (off + len > DATA_SIZE)
		off = (DATA_SIZE - len) & ~(uint32_t)(align ? align - 1 : 0);
	return (uint32_t)off;
}

/* RSP in the area, with room below and above; mostly 8-aligned. */
uint32_t g_stack(struct gen *g, unsigned below, unsigned above)
{
	uint32_t off = g_region(g, below + above, 8) + below;

	if (g_chance(g, 10))
		off += 1 + g_below(g, 7);
	if (off + above > DATA_SIZE)
		off = DATA_SIZE - above;
	g_set(g, R_SP, DATA_ADDR + off);
	return off;
}

/* ---- operands ---- */

uint64_t opnd_get(const struct gen *g, const struct opnd *o, unsigned size)
{
	return o->mem ? g_peek(g, o->off, size) : g_regval(g, o->reg, size);
}

void opnd_put(struct gen *g, const struct opnd *o, unsigned size, uint64_t v)
{
	if (o->mem)
		g_patch(g, o->off, &v, size);
	else
		g_setreg(g, o->reg, size, v);
}

/* ---- the encoder ---- */

void enc_init(struct enc *e, const uint8_t *op, unsigned nop)
{
	memset(e, 0, sizeof(*e));
	memcpy(e->op, op, nop);
	e->nop = (uint8_t)nop;
}

void enc_prefix(struct enc *e, uint8_t p)
{
	e->pfx[e->npfx++] = p;
}

/* 66 for 16 bits, REX.W for 64 (now and then with a 66 it overrides). */
void enc_size(struct gen *g, struct enc *e, unsigned size)
{
	if (size == 2)
		enc_prefix(e, 0x66);
	if (size == 8) {
		e->rex |= 8;
		if (g_chance(g, 8))
			enc_prefix(e, 0x66);
	}
}

static void note_reg(struct gen *g, struct enc *e, int r, unsigned bit, unsigned size)
{
	if (r >= 8 && r < REG_AH)
		e->rex |= (uint8_t)bit;
	if (size == 1 && !g->norex)
		e->rex_any = true; /* byte operands 4-7 are SPL-DIL */
}

void enc_reg(struct gen *g, struct enc *e, int r, unsigned size)
{
	e->modrm = true;
	e->reg = (uint8_t)(r >= REG_AH ? r - REG_AH + 4 : r & 7);
	note_reg(g, e, r, 4, size);
}

void enc_ext(struct enc *e, unsigned digit)
{
	e->modrm = true;
	e->reg = (uint8_t)digit;
}

void enc_rm(struct gen *g, struct enc *e, int r, unsigned size)
{
	e->modrm = true;
	e->mod = 3;
	e->rm = (uint8_t)(r >= REG_AH ? r - REG_AH + 4 : r & 7);
	note_reg(g, e, r, 1, size);
}

void enc_imm(struct enc *e, unsigned size, uint64_t v)
{
	e->isz = (uint8_t)size;
	e->imm = v;
}

/* Where in the area a memory operand of msz bytes goes: near the anchor,
 * aligned or not, now and then across a page boundary. */
static uint32_t pick_off(struct gen *g, unsigned msz, unsigned fl)
{
	unsigned align = (fl & M_ALIGN16) ? 16 : msz > 16 ? 16 : msz;
	int64_t off = (int64_t)g->anchor + (int64_t)g_below(g, 320) - 160;
	unsigned r = g_below(g, 10);

	int64_t page = ((int64_t)g->anchor + 2048) & ~4095LL;

	if (r < 3 && msz > 1 && !(fl & (M_ALIGN | M_ALIGN16)) && page > 0 &&
	    llabs(page - (int64_t)g->anchor) < 160) {
		off = page - 1 - g_below(g, msz - 1);
	} else if ((fl & (M_ALIGN | M_ALIGN16)) || r < 6) {
		off &= ~(int64_t)(align - 1);
		if ((fl & M_ALIGN16) && g_chance(g, 6))
			off += 1 + g_below(g, 15);
	}
	if (off < 0)
		off = 0;
	if (off + msz > DATA_SIZE)
		off = DATA_SIZE - msz - 16;
	return (uint32_t)off;
}

/* 1 + 2^s is odd for s > 0: its inverse modulo 2^64. */
static uint64_t inv_odd(uint64_t k)
{
	uint64_t x = k;

	for (int i = 0; i < 6; i++)
		x *= 2 - k * x;
	return x;
}

/* An index register's value: small, edge or random. */
static uint64_t index_value(struct gen *g)
{
	switch (g_below(g, 3)) {
	case 0:
		return g_below(g, 512) - 256;
	case 1:
		return g_int(g, 8);
	default:
		return g_rand(g);
	}
}

/* Register values that make base + index*2^s + disp = ea, modulo 2^64
 * or, with the address-size prefix, 2^32 (the upper halves random). */
static void solve(struct gen *g, struct enc *e, int base, int index, unsigned s, uint64_t ea,
		  bool a32)
{
	uint64_t am = a32 ? 0xffffffffULL : ~0ULL, hi = a32 ? g_rand(g) & ~am : 0;
	uint64_t t = (ea - (uint64_t)(int64_t)e->disp) & am, v;

	if (base >= 0 && base == index) {
		if (s == 0) {
			/* 2v = t: the caller made t even. */
			v = (t >> 1) + (g_chance(g, 50) ? (am >> 1) + 1 : 0);
		} else {
			v = t * inv_odd(1 + (1ULL << s));
		}
		g_set(g, base, (v & am) | hi);
		return;
	}
	if (index >= 0) {
		uint64_t iv = index_value(g);

		g_set(g, index, iv);
		t -= iv << s;
	}
	if (base >= 0)
		g_set(g, base, (t & am) | (a32 ? g_rand(g) & ~am : 0));
}

/* [index*2^s + disp32] without a base: disp32 must reach ea. */
static void solve_index_only(struct gen *g, struct enc *e, int index, unsigned s, uint64_t ea,
			     bool a32)
{
	uint64_t iv = g_below(g, (unsigned)(ea >> s) + 1);

	if (a32) {
		iv = g_rand(g);
		e->disp = (int32_t)(uint32_t)(ea - (iv << s));
	} else {
		/* Bits shifted out past bit 63 do not matter. */
		if (s && g_chance(g, 30))
			iv |= g_rand(g) << (64 - s);
		e->disp = (int32_t)(ea - (iv << s));
	}
	g_set(g, index, iv);
}

enum {
	AM_BASE,
	AM_BASE_D8,
	AM_BASE_D32,
	AM_BI,
	AM_BI_D8,
	AM_BI_D32,
	AM_I_D32,
	AM_ABS,
	AM_RIP,
	AM_N
};

static int pick_free(struct gen *g, uint16_t avoid, bool noacc)
{
	uint16_t ok =
		(uint16_t)((g->norex ? 0xff : 0xffff) & ~avoid & (noacc ? 0xffff : ~g->fixed));
	int n = __builtin_popcount(ok), k;

	if (!n)
		return -1;
	k = (int)g_below(g, (unsigned)n);
	for (int r = 0; r < 16; r++)
		if ((ok >> r) & 1 && k-- == 0)
			return r;
	return -1;
}

/* ModRM/SIB encoding of base, index, scale and the displacement size. */
static void encode_mem(struct enc *e, int base, int index, unsigned s, bool force_sib)
{
	e->modrm = true;
	if (e->dsz == 0 && base >= 0 && (base & 7) == 5) {
		e->dsz = 1; /* [rbp] and [r13] need a disp8 of 0 */
		e->disp = 0;
	}
	e->mod = (uint8_t)(base < 0 ? 0 : e->dsz == 0 ? 0 : e->dsz == 1 ? 1 : 2);
	if (index < 0 && base >= 0 && (base & 7) != 4 && !force_sib) {
		e->rm = (uint8_t)(base & 7);
	} else {
		e->sib = true;
		e->rm = 4;
		e->ss = (uint8_t)s;
		e->idx = (uint8_t)(index < 0 ? 4 : index & 7);
		e->base = (uint8_t)(base < 0 ? 5 : base & 7);
		if (base < 0)
			e->dsz = 4;
		if (index >= 8)
			e->rex |= 2;
	}
	if (base >= 8)
		e->rex |= 1;
}

static void pick_disp(struct gen *g, struct enc *e, unsigned mode)
{
	if (mode == AM_BASE_D8 || mode == AM_BI_D8) {
		e->dsz = 1;
		e->disp = (int8_t)g_rand(g);
	} else if (mode == AM_BASE_D32 || mode == AM_BI_D32) {
		e->dsz = 4;
		e->disp = g_chance(g, 50) ? (int32_t)g_rand(g) : (int32_t)g_below(g, 4096) - 2048;
	}
}

/* RSP as the base of a stack instruction's memory operand: its value is
 * known (POP r/m reads it after the pop). */
static void rsp_base(struct gen *g, struct enc *e, uint64_t ea)
{
	int64_t d = (int64_t)(ea - (g_get(g, R_SP) + (uint64_t)(int64_t)g->rsp_adj));

	e->dsz = (d >= -128 && d <= 127 && g_chance(g, 70)) ? 1 : 4;
	e->disp = (int32_t)d;
	encode_mem(e, R_SP, -1, 0, true);
	if (d == 0 && g_chance(g, 50)) {
		e->dsz = 0;
		e->mod = 0;
	}
}

/* An addressing mode and its registers: base and index from those no
 * constraint owns (any for no access), falling back to simpler modes. */
static unsigned pick_mode(struct gen *g, int *base, int *index, bool noacc)
{
	unsigned mode = g_below(g, AM_N);

	*base = *index = -1;
	if (mode <= AM_BI_D32)
		*base = pick_free(g, 0, noacc);
	if (mode >= AM_BI && mode <= AM_I_D32) {
		if (g_chance(g, 10) && *base >= 0 && *base != R_SP)
			*index = *base;
		else
			*index = pick_free(g, 1u << R_SP, noacc);
		if (*index < 0)
			mode = mode == AM_I_D32 ? AM_ABS : AM_BASE;
	}
	if (*base < 0 && mode <= AM_BI_D32)
		mode = AM_ABS;
	if (mode < AM_BI)
		*index = -1;
	return mode;
}

static void encode_rip(struct enc *e, uint64_t ea)
{
	e->modrm = true;
	e->mod = 0;
	e->rm = 5;
	e->dsz = 4;
	e->rip = true;
	e->ea = ea;
}

uint64_t enc_mem(struct gen *g, struct enc *e, unsigned msz, unsigned fl)
{
	bool noacc = fl & M_NOACC, a32 = g_chance(g, 15);
	uint32_t off = noacc ? 0 : pick_off(g, msz, fl);
	uint64_t ea = DATA_ADDR + off;
	unsigned s = g_below(g, 4), mode;
	int base, index;

	if (a32)
		enc_prefix(e, 0x67);
	if ((fl & M_RSP) && g_chance(g, 30)) {
		rsp_base(g, e, ea);
		g_touch(g, off, msz);
		return ea;
	}
	mode = pick_mode(g, &base, &index, noacc);
	pick_disp(g, e, mode);
	if (mode == AM_ABS) {
		e->dsz = 4;
		e->disp = (int32_t)ea;
		encode_mem(e, -1, -1, s, true);
	} else if (mode == AM_RIP) {
		encode_rip(e, ea);
	} else if (mode == AM_I_D32) {
		encode_mem(e, -1, index, s, true);
		if (!noacc)
			solve_index_only(g, e, index, s, ea, a32);
	} else {
		encode_mem(e, base, index, s, g_chance(g, 10));
		if (index >= 0 && index == base && s == 0 &&
		    ((ea - (uint64_t)(int64_t)e->disp) & 1)) {
			/* [r+r*1] reaches even sums only: move the operand. */
			ea += off ? -1 : 1;
			off += off ? -1u : 1u;
		}
		if (!noacc)
			solve(g, e, base, index, index < 0 ? 0 : s, ea, a32);
	}
	if (!noacc)
		g_touch(g, off, msz);
	return ea;
}

/* Legacy prefixes in random order, sometimes a null segment override
 * (ignored in 64-bit mode) or a stray REX before them (ignored too). */
static unsigned enc_len(const struct gen *g, const struct enc *e)
{
	bool rex = !g->norex && (e->rex || e->rex_any);

	return e->npfx + rex + e->nop + e->modrm + e->sib + e->dsz + e->isz;
}

static void emit_prefixes(struct gen *g, struct enc *e)
{
	static const uint8_t nullseg[4] = { 0x26, 0x2e, 0x36, 0x3e };
	uint8_t p[8];
	unsigned n = e->npfx, room = 15 - enc_len(g, e);

	memcpy(p, e->pfx, n);
	if (room > 2 && g_chance(g, 4))
		p[n++] = nullseg[g_below(g, 4)];
	for (unsigned i = n; i > 1; i--) {
		unsigned j = g_below(g, i);
		uint8_t t = p[i - 1];

		p[i - 1] = p[j];
		p[j] = t;
	}
	if (n && !g->norex && room > 2 && g_chance(g, 3))
		g_byte(g, (uint8_t)(0x40 | g_below(g, 16)));
	for (unsigned i = 0; i < n; i++)
		g_byte(g, p[i]);
}

/* Mandatory prefixes (66 F2 F3 before 0F) must stay last among the
 * legacy ones: the caller lists them last and emits them in order. */
unsigned enc_emit(struct gen *g, struct enc *e)
{
	uint64_t v;
	bool empty_rex;

	for (unsigned i = 0; i < e->npfx && enc_len(g, e) > 15 && (e->rex & 8); i++) {
		if (e->pfx[i] == 0x66) {
			/* A 66 that REX.W overrides made it too long: drop it. */
			memmove(e->pfx + i, e->pfx + i + 1, (size_t)(e->npfx - i - 1));
			e->npfx--;
		}
	}
	empty_rex = enc_len(g, e) < 15 && g_chance(g, 8);
	emit_prefixes(g, e);
	if (!g->norex && (e->rex || e->rex_any || empty_rex))
		g_byte(g, (uint8_t)(0x40 | e->rex));
	for (unsigned i = 0; i < e->nop; i++)
		g_byte(g, e->op[i]);
	if (e->modrm) {
		g_byte(g, (uint8_t)(e->mod << 6 | e->reg << 3 | e->rm));
		if (e->sib)
			g_byte(g, (uint8_t)(e->ss << 6 | e->idx << 3 | e->base));
	}
	if (e->rip) {
		uint64_t next = CODE_ADDR + g->c->len + 4 + e->isz;

		e->disp = (int32_t)(e->ea - next);
	}
	v = (uint64_t)(int64_t)e->disp;
	for (unsigned i = 0; i < e->dsz; i++)
		g_byte(g, (uint8_t)(v >> (8 * i)));
	for (unsigned i = 0; i < e->isz; i++)
		g_byte(g, (uint8_t)(e->imm >> (8 * i)));
	g->c->ninsn++;
	return g->c->len;
}

/* ---- the generic ModRM instruction ---- */

static bool byte_rm(const struct form *f)
{
	return (f->msz ? f->msz : f->size) == 1;
}

/* Operand values at the operand size: edge values in the registers no
 * constraint owns, in memory half the time, and now and then the same
 * value in both operands. */
static void operand_values(struct gen *g, const struct form *f, struct insn_ops *o)
{
	unsigned size = f->size, msz = f->msz ? f->msz : f->size, vsz = msz > 8 ? 8 : msz;
	bool noacc = o->mflags & M_NOACC;
	uint64_t v;

	if (o->reg.reg >= 0 && !(g->fixed & (1u << (o->reg.reg & 15))))
		g_setreg(g, o->reg.reg, size, g_int(g, size));
	if (!o->rm.mem && !(g->fixed & (1u << (o->rm.reg & 15))))
		g_setreg(g, o->rm.reg, msz, g_int(g, msz));
	if (o->rm.mem && !noacc && g_chance(g, 50)) {
		v = g_int(g, vsz);
		g_patch(g, o->rm.off, &v, vsz);
	}
	if (o->reg.reg < 0 || !g_chance(g, 10) || (o->rm.mem && noacc))
		return;
	if (!o->rm.mem && (g->fixed & (1u << (o->rm.reg & 15))))
		return;
	opnd_put(g, &o->rm, vsz, opnd_get(g, &o->reg, vsz));
}

void emit_modrm(struct gen *g, const struct form *f, bool mem, struct insn_ops *o)
{
	unsigned msz = f->msz ? f->msz : f->size;
	struct enc e;

	enc_init(&e, f->op, f->nop);
	g->norex = (f->size == 1 || byte_rm(f)) && f->size != 8 && g_chance(g, 40);
	enc_size(g, &e, f->size);
	o->reg.mem = false;
	o->reg.reg = -1;
	if (f->ext >= 0) {
		enc_ext(&e, (unsigned)f->ext);
	} else {
		o->reg.reg = g_pick_reg(g, f->size, 0);
		enc_reg(g, &e, o->reg.reg, f->size);
		if (o->fix_reg)
			g->fixed |= (uint16_t)(1u << (o->reg.reg & 15));
	}
	o->rm.mem = mem;
	if (mem) {
		o->rm.off = (uint32_t)(enc_mem(g, &e, msz, o->mflags) - DATA_ADDR);
	} else {
		o->rm.reg = g_pick_reg(g, msz, 0);
		enc_rm(g, &e, o->rm.reg, msz);
	}
	if (f->imm)
		enc_imm(&e, f->imm, o->imm_given ? o->imm : g_int(g, f->imm));
	o->imm = e.imm;
	if (o->lock)
		enc_prefix(&e, 0xf0);
	o->end = enc_emit(g, &e);
	operand_values(g, f, o);
}
