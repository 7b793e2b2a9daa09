/* forms_x87.c - x87 families (D8-DF) and FXSAVE, FXRSTOR, LDMXCSR, STMXCSR, FWAIT. */
#include "forms.h"

#include <string.h>

/*
 * Every case starts from a random x87 state loaded by FXRSTOR: TOP,
 * which registers are valid, their values (specials, denormals, now and
 * then unnormals), rounding and precision control, exception masks
 * (unmasked now and then, so results may stay pending or raise #MF) and
 * sticky flags. The whole x87 state is compared through FXSAVE images.
 */

/* What a memory operand holds (form.cls). */
enum {
	XV_NONE,
	XV_F32,
	XV_F64,
	XV_F80,
	XV_I16,
	XV_I32,
	XV_I64,
	XV_BCD,
	XV_CW,
	XV_ENV,
	XV_ENV16,
	XV_SAVE,
	XV_SAVE16,
	XV_FX,
	XV_MXCSR
};

static const uint16_t xv_size[] = {
	[XV_NONE] = 0,   [XV_F32] = 4,    [XV_F64] = 8,     [XV_F80] = 10, [XV_I16] = 2,
	[XV_I32] = 4,    [XV_I64] = 8,    [XV_BCD] = 10,    [XV_CW] = 2,   [XV_ENV] = 28,
	[XV_ENV16] = 14, [XV_SAVE] = 108, [XV_SAVE16] = 94, [XV_FX] = 512, [XV_MXCSR] = 4
};

/* FSW with ES and B as the flags and FCW's masks make them. */
static uint16_t fsw_consistent(uint16_t fsw, uint16_t fcw)
{
	fsw &= (uint16_t)~0x8080;
	if (fsw & ~fcw & 0x3f)
		fsw |= 0x8080;
	return fsw;
}

static uint16_t random_fcw(struct gen *g)
{
	static const uint16_t pc[3] = { 0, 2, 3 };
	uint16_t masks = g_chance(g, 75) ? 0x3f : (uint16_t)(g_rand(g) & 0x3f);

	return (uint16_t)(0x40 | masks | pc[g_below(g, 3)] << 8 | g_below(g, 4) << 10);
}

static uint16_t random_fsw(struct gen *g, uint16_t fcw, unsigned top)
{
	uint16_t flags = g_chance(g, 50) ? 0 : (uint16_t)(g_rand(g) & 0x7f);
	uint16_t cc = (uint16_t)(g_rand(g) & 0x4700);

	return fsw_consistent((uint16_t)(flags | cc | top << 11), fcw);
}

static void x87_state(struct gen *g)
{
	struct x87init *x = &g->c->x87;
	unsigned top = g_below(g, 8);

	x->fcw = random_fcw(g);
	x->fsw = random_fsw(g, x->fcw, top);
	x->ftw = 0;
	for (unsigned p = 0; p < 8; p++)
		if (g_chance(g, 70))
			x->ftw |= (uint8_t)(1u << p);
	if (g_chance(g, 10))
		x->ftw = 0xff;
	for (unsigned i = 0; i < 8; i++)
		g_f80(g, x->st[i]);
}

/* Packed BCD: 18 digits and a sign byte; a bad digit now and then. */
static void bcd(struct gen *g, uint8_t b[10])
{
	for (int i = 0; i < 9; i++) {
		unsigned lo = g_below(g, 10), hi = g_below(g, 10);

		if (g_chance(g, 3))
			lo = 10 + g_below(g, 6);
		b[i] = (uint8_t)(hi << 4 | lo);
	}
	b[9] = g_chance(g, 50) ? 0x80 : 0;
}

/* The protected-mode environment (28 bytes, or 14 with 66). */
static unsigned env_image(struct gen *g, uint8_t *b, bool o16)
{
	uint16_t fcw = random_fcw(g), fsw = random_fsw(g, fcw, g_below(g, 8));
	uint16_t tw = (uint16_t)g_rand(g);
	unsigned step = o16 ? 2 : 4;

	for (unsigned i = 0; i < (o16 ? 14u : 28u); i++)
		b[i] = (uint8_t)g_rand(g);
	memcpy(b, &fcw, 2);
	memcpy(b + step, &fsw, 2);
	memcpy(b + 2 * step, &tw, 2);
	return o16 ? 14 : 28;
}

static void fx_image(struct gen *g, uint8_t *b)
{
	uint16_t fcw = random_fcw(g), fsw = random_fsw(g, fcw, g_below(g, 8));
	uint32_t mx = 0x1f80 | ((uint32_t)g_rand(g) & 0xe07f);

	for (unsigned i = 0; i < 512; i++)
		b[i] = (uint8_t)g_rand(g);
	if (g_chance(g, 5))
		mx |= 1u << (18 + g_below(g, 14)); /* reserved: #GP */
	memcpy(b, &fcw, 2);
	memcpy(b + 2, &fsw, 2);
	memcpy(b + 24, &mx, 4);
	for (unsigned i = 0; i < 8; i++)
		g_f80(g, b + 32 + 16 * i);
}

/* The memory operand's contents, by what the instruction reads. Reserved
 * MXCSR bits (#GP) come from 18 up: this host also takes bit 17, AMD's
 * misaligned-SSE mask (MXCSR_MASK 0x2ffff), which the CPU model lacks. */
static void mem_value(struct gen *g, unsigned kind, uint32_t off)
{
	uint8_t b[512];
	unsigned n = xv_size[kind];
	uint64_t v;

	switch (kind) {
	case XV_NONE:
		return;
	case XV_F32:
		v = g_f32(g);
		break;
	case XV_F64:
		v = g_f64(g);
		break;
	case XV_F80:
		g_f80(g, b);
		g_patch(g, off, b, 10);
		return;
	case XV_BCD:
		bcd(g, b);
		g_patch(g, off, b, 10);
		return;
	case XV_CW:
		v = g_chance(g, 80) ? random_fcw(g) : g_rand(g);
		break;
	case XV_MXCSR:
		v = 0x1f80 | (g_rand(g) & 0xe07f);
		if (g_chance(g, 20))
			v = g_rand(g) & 0xffff;
		if (g_chance(g, 5))
			v |= 1ULL << (18 + g_below(g, 14));
		break;
	case XV_ENV:
	case XV_ENV16:
		g_patch(g, off, b, env_image(g, b, kind == XV_ENV16));
		return;
	case XV_SAVE:
	case XV_SAVE16:
		n = env_image(g, b, kind == XV_SAVE16);
		for (unsigned i = 0; i < 8; i++)
			g_f80(g, b + n + 10 * i);
		g_patch(g, off, b, n + 80);
		return;
	case XV_FX:
		fx_image(g, b);
		g_patch(g, off, b, 512);
		return;
	default:
		v = g_int(g, n);
		break;
	}
	g_patch(g, off, &v, n);
}

/* Stored images: the x87 error pointers and selectors are not compared
 * (this host stores them only while an exception is pending; see
 * compare.c), nor FXSAVE's MXCSR_MASK (the host's, not the CPU model's). */
static void ignore_pointers(struct gen *g, unsigned kind, uint32_t off)
{
	switch (kind) {
	case XV_FX:
		g_ignore(g, off + 6, 18);
		g_ignore(g, off + 28, 4);
		break;
	case XV_ENV:
	case XV_SAVE:
		g_ignore(g, off + 12, 16);
		break;
	case XV_ENV16:
	case XV_SAVE16:
		g_ignore(g, off + 6, 8);
		break;
	}
}

/* Memory forms: op /ext with an operand of form.cls; register forms
 * (ext < 0): ModRM form.sub, plus a random i when form.msz is 8. */
static void gen_x87(struct gen *g, const struct form *f)
{
	struct enc e;
	uint32_t off = 0;
	unsigned n = xv_size[f->cls];

	x87_state(g);
	g->norex = false;
	enc_init(&e, f->op, f->nop);
	if (f->size == 2)
		enc_prefix(&e, 0x66);
	if (f->size == 8)
		e.rex |= 8;
	if (f->ext >= 0) {
		enc_ext(&e, (unsigned)f->ext);
		off = (uint32_t)(enc_mem(g, &e, n ? n : 2, (f->opt & O_A16) ? M_ALIGN16 : 0) -
				 DATA_ADDR);
	} else {
		unsigned m = f->sub + (f->msz == 8 ? g_below(g, 8) : 0);

		e.modrm = true;
		e.mod = 3;
		e.reg = (uint8_t)(m >> 3 & 7);
		e.rm = (uint8_t)(m & 7);
	}
	enc_emit(g, &e);
	if (f->ext >= 0 && !(f->opt & O_STORE))
		mem_value(g, f->cls, off);
	if (f->opt & O_MXCSR)
		g->c->in.mxcsr = 0x1f80 | ((uint32_t)g_rand(g) & 0xe07f);
	if (f->opt & O_STORE)
		ignore_pointers(g, f->cls, off);
	g_flags(g, f->wr, 0);
}

/* FWAIT: raises a pending unmasked exception (#MF), else nothing. */
static void gen_fwait(struct gen *g, const struct form *f)
{
	(void)f;
	x87_state(g);
	g_byte(g, 0x9b);
	g_flags(g, 0, 0);
}

struct x87mem {
	uint8_t op, ext, cls, store;
	const char *name;
};

static const struct x87mem mems[] = {
	{ 0xd8, 0, XV_F32, 0, "fadd m32fp" },    { 0xd8, 1, XV_F32, 0, "fmul m32fp" },
	{ 0xd8, 2, XV_F32, 0, "fcom m32fp" },    { 0xd8, 3, XV_F32, 0, "fcomp m32fp" },
	{ 0xd8, 4, XV_F32, 0, "fsub m32fp" },    { 0xd8, 5, XV_F32, 0, "fsubr m32fp" },
	{ 0xd8, 6, XV_F32, 0, "fdiv m32fp" },    { 0xd8, 7, XV_F32, 0, "fdivr m32fp" },
	{ 0xdc, 0, XV_F64, 0, "fadd m64fp" },    { 0xdc, 1, XV_F64, 0, "fmul m64fp" },
	{ 0xdc, 2, XV_F64, 0, "fcom m64fp" },    { 0xdc, 3, XV_F64, 0, "fcomp m64fp" },
	{ 0xdc, 4, XV_F64, 0, "fsub m64fp" },    { 0xdc, 5, XV_F64, 0, "fsubr m64fp" },
	{ 0xdc, 6, XV_F64, 0, "fdiv m64fp" },    { 0xdc, 7, XV_F64, 0, "fdivr m64fp" },
	{ 0xda, 0, XV_I32, 0, "fiadd m32int" },  { 0xda, 1, XV_I32, 0, "fimul m32int" },
	{ 0xda, 2, XV_I32, 0, "ficom m32int" },  { 0xda, 3, XV_I32, 0, "ficomp m32int" },
	{ 0xda, 4, XV_I32, 0, "fisub m32int" },  { 0xda, 5, XV_I32, 0, "fisubr m32int" },
	{ 0xda, 6, XV_I32, 0, "fidiv m32int" },  { 0xda, 7, XV_I32, 0, "fidivr m32int" },
	{ 0xde, 0, XV_I16, 0, "fiadd m16int" },  { 0xde, 1, XV_I16, 0, "fimul m16int" },
	{ 0xde, 2, XV_I16, 0, "ficom m16int" },  { 0xde, 3, XV_I16, 0, "ficomp m16int" },
	{ 0xde, 4, XV_I16, 0, "fisub m16int" },  { 0xde, 5, XV_I16, 0, "fisubr m16int" },
	{ 0xde, 6, XV_I16, 0, "fidiv m16int" },  { 0xde, 7, XV_I16, 0, "fidivr m16int" },
	{ 0xd9, 0, XV_F32, 0, "fld m32fp" },     { 0xd9, 2, XV_F32, 1, "fst m32fp" },
	{ 0xd9, 3, XV_F32, 1, "fstp m32fp" },    { 0xd9, 4, XV_ENV, 0, "fldenv m28" },
	{ 0xd9, 5, XV_CW, 0, "fldcw m16" },      { 0xd9, 6, XV_ENV, 1, "fnstenv m28" },
	{ 0xd9, 7, XV_CW, 1, "fnstcw m16" },     { 0xdb, 0, XV_I32, 0, "fild m32int" },
	{ 0xdb, 1, XV_I32, 1, "fisttp m32int" }, { 0xdb, 2, XV_I32, 1, "fist m32int" },
	{ 0xdb, 3, XV_I32, 1, "fistp m32int" },  { 0xdb, 5, XV_F80, 0, "fld m80fp" },
	{ 0xdb, 7, XV_F80, 1, "fstp m80fp" },    { 0xdd, 0, XV_F64, 0, "fld m64fp" },
	{ 0xdd, 1, XV_I64, 1, "fisttp m64int" }, { 0xdd, 2, XV_F64, 1, "fst m64fp" },
	{ 0xdd, 3, XV_F64, 1, "fstp m64fp" },    { 0xdd, 4, XV_SAVE, 0, "frstor m108" },
	{ 0xdd, 6, XV_SAVE, 1, "fnsave m108" },  { 0xdd, 7, XV_I16, 1, "fnstsw m16" },
	{ 0xdf, 0, XV_I16, 0, "fild m16int" },   { 0xdf, 1, XV_I16, 1, "fisttp m16int" },
	{ 0xdf, 2, XV_I16, 1, "fist m16int" },   { 0xdf, 3, XV_I16, 1, "fistp m16int" },
	{ 0xdf, 4, XV_BCD, 0, "fbld m80bcd" },   { 0xdf, 5, XV_I64, 0, "fild m64int" },
	{ 0xdf, 6, XV_BCD, 1, "fbstp m80bcd" },  { 0xdf, 7, XV_I64, 1, "fistp m64int" },
};

struct x87reg {
	uint8_t op, modrm, n;
	const char *name;
};

/* n = 8: ModRM + i for ST(i). Aliases the hardware runs are included. */
static const struct x87reg regs[] = {
	{ 0xd8, 0xc0, 8, "fadd st, st(i)" },
	{ 0xd8, 0xc8, 8, "fmul st, st(i)" },
	{ 0xd8, 0xd0, 8, "fcom st(i)" },
	{ 0xd8, 0xd8, 8, "fcomp st(i)" },
	{ 0xd8, 0xe0, 8, "fsub st, st(i)" },
	{ 0xd8, 0xe8, 8, "fsubr st, st(i)" },
	{ 0xd8, 0xf0, 8, "fdiv st, st(i)" },
	{ 0xd8, 0xf8, 8, "fdivr st, st(i)" },
	{ 0xdc, 0xc0, 8, "fadd st(i), st" },
	{ 0xdc, 0xc8, 8, "fmul st(i), st" },
	{ 0xdc, 0xd0, 8, "fcom st(i) (DC D0+i)" },
	{ 0xdc, 0xd8, 8, "fcomp st(i) (DC D8+i)" },
	{ 0xdc, 0xe0, 8, "fsubr st(i), st (DC E0+i)" },
	{ 0xdc, 0xe8, 8, "fsub st(i), st (DC E8+i)" },
	{ 0xdc, 0xf0, 8, "fdivr st(i), st (DC F0+i)" },
	{ 0xdc, 0xf8, 8, "fdiv st(i), st (DC F8+i)" },
	{ 0xde, 0xc0, 8, "faddp" },
	{ 0xde, 0xc8, 8, "fmulp" },
	{ 0xde, 0xd0, 8, "fcomp (DE D0+i)" },
	{ 0xde, 0xd9, 1, "fcompp" },
	{ 0xde, 0xe0, 8, "fsubrp (DE E0+i)" },
	{ 0xde, 0xe8, 8, "fsubp (DE E8+i)" },
	{ 0xde, 0xf0, 8, "fdivrp (DE F0+i)" },
	{ 0xde, 0xf8, 8, "fdivp (DE F8+i)" },
	{ 0xd9, 0xc0, 8, "fld st(i)" },
	{ 0xd9, 0xc8, 8, "fxch st(i)" },
	{ 0xd9, 0xd0, 1, "fnop" },
	{ 0xd9, 0xd8, 8, "fstp1 st(i) (D9 D8+i)" },
	{ 0xd9, 0xe0, 1, "fchs" },
	{ 0xd9, 0xe1, 1, "fabs" },
	{ 0xd9, 0xe4, 1, "ftst" },
	{ 0xd9, 0xe5, 1, "fxam" },
	{ 0xd9, 0xe8, 1, "fld1" },
	{ 0xd9, 0xe9, 1, "fldl2t" },
	{ 0xd9, 0xea, 1, "fldl2e" },
	{ 0xd9, 0xeb, 1, "fldpi" },
	{ 0xd9, 0xec, 1, "fldlg2" },
	{ 0xd9, 0xed, 1, "fldln2" },
	{ 0xd9, 0xee, 1, "fldz" },
	{ 0xd9, 0xf0, 1, "f2xm1" },
	{ 0xd9, 0xf1, 1, "fyl2x" },
	{ 0xd9, 0xf2, 1, "fptan" },
	{ 0xd9, 0xf3, 1, "fpatan" },
	{ 0xd9, 0xf4, 1, "fxtract" },
	{ 0xd9, 0xf5, 1, "fprem1" },
	{ 0xd9, 0xf6, 1, "fdecstp" },
	{ 0xd9, 0xf7, 1, "fincstp" },
	{ 0xd9, 0xf8, 1, "fprem" },
	{ 0xd9, 0xf9, 1, "fyl2xp1" },
	{ 0xd9, 0xfa, 1, "fsqrt" },
	{ 0xd9, 0xfb, 1, "fsincos" },
	{ 0xd9, 0xfc, 1, "frndint" },
	{ 0xd9, 0xfd, 1, "fscale" },
	{ 0xd9, 0xfe, 1, "fsin" },
	{ 0xd9, 0xff, 1, "fcos" },
	{ 0xda, 0xc0, 8, "fcmovb" },
	{ 0xda, 0xc8, 8, "fcmove" },
	{ 0xda, 0xd0, 8, "fcmovbe" },
	{ 0xda, 0xd8, 8, "fcmovu" },
	{ 0xda, 0xe9, 1, "fucompp" },
	{ 0xdb, 0xc0, 8, "fcmovnb" },
	{ 0xdb, 0xc8, 8, "fcmovne" },
	{ 0xdb, 0xd0, 8, "fcmovnbe" },
	{ 0xdb, 0xd8, 8, "fcmovnu" },
	{ 0xdb, 0xe2, 1, "fnclex" },
	{ 0xdb, 0xe3, 1, "fninit" },
	{ 0xdb, 0xe8, 8, "fucomi" },
	{ 0xdb, 0xf0, 8, "fcomi" },
	{ 0xdd, 0xc0, 8, "ffree" },
	{ 0xdd, 0xc8, 8, "fxch (DD C8+i)" },
	{ 0xdd, 0xd0, 8, "fst st(i)" },
	{ 0xdd, 0xd8, 8, "fstp st(i)" },
	{ 0xdd, 0xe0, 8, "fucom" },
	{ 0xdd, 0xe8, 8, "fucomp" },
	{ 0xdf, 0xc0, 8, "ffreep" },
	{ 0xdf, 0xc8, 8, "fxch (DF C8+i)" },
	{ 0xdf, 0xd0, 8, "fstp (DF D0+i)" },
	{ 0xdf, 0xd8, 8, "fstp (DF D8+i)" },
	{ 0xdf, 0xe0, 1, "fnstsw ax" },
	{ 0xdf, 0xe8, 8, "fucomip" },
	{ 0xdf, 0xf0, 8, "fcomip" },
};

static void add_fx(struct formlist *l)
{
	static const struct {
		uint8_t ext, size, cls, store;
		const char *name;
	} fx[] = {
		{ 0, 4, XV_FX, 1, "fxsave m512" },    { 0, 8, XV_FX, 1, "fxsave64 m512" },
		{ 1, 4, XV_FX, 0, "fxrstor m512" },   { 1, 8, XV_FX, 0, "fxrstor64 m512" },
		{ 2, 4, XV_MXCSR, 0, "ldmxcsr m32" }, { 3, 4, XV_MXCSR, 1, "stmxcsr m32" },
	};

	for (size_t i = 0; i < sizeof(fx) / sizeof(fx[0]); i++) {
		struct form t = { .gen = gen_x87,
				  .op = { 0x0f, 0xae },
				  .nop = 2,
				  .ext = (int8_t)fx[i].ext,
				  .size = fx[i].size,
				  .cls = fx[i].cls,
				  .opt = (fx[i].store ? O_STORE : 0) | (fx[i].ext < 2 ? O_A16 : 0) |
					 O_MXCSR,
				  .x87 = true };

		forms_add(l, &t, "%s", fx[i].name);
	}
}

void forms_x87(struct formlist *l)
{
	for (size_t i = 0; i < sizeof(mems) / sizeof(mems[0]); i++) {
		struct form t = { .gen = gen_x87,
				  .op = { mems[i].op },
				  .nop = 1,
				  .ext = (int8_t)mems[i].ext,
				  .size = 4,
				  .cls = mems[i].cls,
				  .opt = mems[i].store ? O_STORE : 0,
				  .x87 = true };

		forms_add(l, &t, "%s", mems[i].name);
		if (mems[i].cls == XV_ENV || mems[i].cls == XV_SAVE) {
			t.size = 2;
			t.cls = mems[i].cls == XV_ENV ? XV_ENV16 : XV_SAVE16;
			forms_add(l, &t, "%s (66: 16-bit format)", mems[i].name);
		}
	}
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		uint8_t m = regs[i].modrm;
		struct form t = { .gen = gen_x87,
				  .op = { regs[i].op },
				  .nop = 1,
				  .ext = -1,
				  .size = 4,
				  .sub = m,
				  .msz = regs[i].n,
				  .x87 = true,
				  .wr = (regs[i].op == 0xdb || regs[i].op == 0xdf) && m >= 0xe8
						? F_ARITH
						: 0 };

		forms_add(l, &t, "%s", regs[i].name);
	}
	add_fx(l);
	struct form w = { .gen = gen_fwait, .x87 = true };

	forms_add(l, &w, "fwait");
}
