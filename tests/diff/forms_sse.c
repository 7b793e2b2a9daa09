/* forms_sse.c - SSE, SSE2 and MMX families: every row of src/cpu/sse.c's table, by mandatory prefix. */
#include "forms.h"

#include <string.h>

/* Operand kinds: the ModRM.reg operand and the r/m operand. */
enum { T_X = 1, T_M, T_G };

/* form.sub: reg kind | rm kind << 4 | imm kind << 8 */
enum { I_NONE, I_ANY, I_PRED, I_SHIFT };
#define SUB(reg, rm, imm) ((reg) | (rm) << 4 | (imm) << 8)

struct row {
	uint8_t pfx, op;
	int8_t ext;    /* shift groups: the /digit; else -1 */
	uint16_t kind; /* SUB() */
	uint8_t msz;   /* memory operand bytes */
	uint16_t opt;  /* O_MEM O_REG O_A16 O_SHCNT O_MXCSR O_STORE */
	uint8_t cls;   /* values of the vector operands */
	uint8_t gsz;   /* general register operand: 4, or 48 for both sizes */
	const char *name;
};

#define XX  SUB(T_X, T_X, I_NONE)
#define MM  SUB(T_M, T_M, I_NONE)
#define A16 O_A16
#define FP  O_MXCSR

/* The XMM column of an integer row: 66 prefix, m128, aligned. */
#define PINT(op, name)                                                                             \
	{ 0, op, -1, MM, 8, 0, V_INT, 0, name },                                                   \
	{                                                                                          \
		0x66, op, -1, XX, 16, A16, V_INT, 0, name                                          \
	}
#define PSHIFT(op, name)                                                                           \
	{ 0, op, -1, MM, 8, O_SHCNT, V_INT, 0, name },                                             \
	{                                                                                          \
		0x66, op, -1, XX, 16, A16 | O_SHCNT, V_INT, 0, name                                \
	}
/* ps pd ss sd of one floating-point operation. */
#define FP4(op, name)                                                                              \
	{ 0, op, -1, XX, 16, A16 | FP, V_PS, 0, name "ps" },                                       \
		{ 0x66, op, -1, XX, 16, A16 | FP, V_PD, 0, name "pd" },                            \
		{ 0xf3, op, -1, XX, 4, FP, V_PS, 0, name "ss" },                                   \
	{                                                                                          \
		0xf2, op, -1, XX, 8, FP, V_PD, 0, name "sd"                                        \
	}
/* Shift groups by imm8: the XMM form, and the MMX one where it exists. */
#define GRPX(op, ext, name)                                                                        \
	{                                                                                          \
		0x66, op, ext, SUB(0, T_X, I_SHIFT), 0, O_REG, V_INT, 0, name                      \
	}
#define GRP(op, ext, name)                                                                         \
	GRPX(op, ext, name),                                                                       \
	{                                                                                          \
		0, op, ext, SUB(0, T_M, I_SHIFT), 0, O_REG, V_INT, 0, name                         \
	}

static const struct row rows[] = {
	{ 0, 0x10, -1, XX, 16, 0, V_ANY, 0, "movups" },
	{ 0x66, 0x10, -1, XX, 16, 0, V_ANY, 0, "movupd" },
	{ 0xf3, 0x10, -1, XX, 4, 0, V_ANY, 0, "movss" },
	{ 0xf2, 0x10, -1, XX, 8, 0, V_ANY, 0, "movsd" },
	{ 0, 0x11, -1, XX, 16, O_STORE, V_ANY, 0, "movups (store)" },
	{ 0x66, 0x11, -1, XX, 16, O_STORE, V_ANY, 0, "movupd (store)" },
	{ 0xf3, 0x11, -1, XX, 4, O_STORE, V_ANY, 0, "movss (store)" },
	{ 0xf2, 0x11, -1, XX, 8, O_STORE, V_ANY, 0, "movsd (store)" },
	{ 0, 0x12, -1, XX, 8, 0, V_ANY, 0, "movlps/movhlps" },
	{ 0x66, 0x12, -1, XX, 8, O_MEM, V_ANY, 0, "movlpd" },
	{ 0, 0x13, -1, XX, 8, O_MEM | O_STORE, V_ANY, 0, "movlps (store)" },
	{ 0x66, 0x13, -1, XX, 8, O_MEM | O_STORE, V_ANY, 0, "movlpd (store)" },
	{ 0, 0x14, -1, XX, 16, A16, V_ANY, 0, "unpcklps" },
	{ 0x66, 0x14, -1, XX, 16, A16, V_ANY, 0, "unpcklpd" },
	{ 0, 0x15, -1, XX, 16, A16, V_ANY, 0, "unpckhps" },
	{ 0x66, 0x15, -1, XX, 16, A16, V_ANY, 0, "unpckhpd" },
	{ 0, 0x16, -1, XX, 8, 0, V_ANY, 0, "movhps/movlhps" },
	{ 0x66, 0x16, -1, XX, 8, O_MEM, V_ANY, 0, "movhpd" },
	{ 0, 0x17, -1, XX, 8, O_MEM | O_STORE, V_ANY, 0, "movhps (store)" },
	{ 0x66, 0x17, -1, XX, 8, O_MEM | O_STORE, V_ANY, 0, "movhpd (store)" },
	{ 0, 0x28, -1, XX, 16, A16, V_ANY, 0, "movaps" },
	{ 0x66, 0x28, -1, XX, 16, A16, V_ANY, 0, "movapd" },
	{ 0, 0x29, -1, XX, 16, A16 | O_STORE, V_ANY, 0, "movaps (store)" },
	{ 0x66, 0x29, -1, XX, 16, A16 | O_STORE, V_ANY, 0, "movapd (store)" },
	{ 0, 0x2a, -1, SUB(T_X, T_M, I_NONE), 8, FP, V_I32, 0, "cvtpi2ps" },
	{ 0x66, 0x2a, -1, SUB(T_X, T_M, I_NONE), 8, FP, V_I32, 0, "cvtpi2pd" },
	{ 0xf3, 0x2a, -1, SUB(T_X, T_G, I_NONE), 0, FP, V_PS, 48, "cvtsi2ss" },
	{ 0xf2, 0x2a, -1, SUB(T_X, T_G, I_NONE), 0, FP, V_PD, 48, "cvtsi2sd" },
	{ 0, 0x2b, -1, XX, 16, A16 | O_MEM | O_STORE, V_ANY, 0, "movntps" },
	{ 0x66, 0x2b, -1, XX, 16, A16 | O_MEM | O_STORE, V_ANY, 0, "movntpd" },
	{ 0, 0x2c, -1, SUB(T_M, T_X, I_NONE), 8, FP, V_PS, 0, "cvttps2pi" },
	{ 0x66, 0x2c, -1, SUB(T_M, T_X, I_NONE), 16, FP | A16, V_PD, 0, "cvttpd2pi" },
	{ 0xf3, 0x2c, -1, SUB(T_G, T_X, I_NONE), 4, FP, V_PS, 48, "cvttss2si" },
	{ 0xf2, 0x2c, -1, SUB(T_G, T_X, I_NONE), 8, FP, V_PD, 48, "cvttsd2si" },
	{ 0, 0x2d, -1, SUB(T_M, T_X, I_NONE), 8, FP, V_PS, 0, "cvtps2pi" },
	{ 0x66, 0x2d, -1, SUB(T_M, T_X, I_NONE), 16, FP | A16, V_PD, 0, "cvtpd2pi" },
	{ 0xf3, 0x2d, -1, SUB(T_G, T_X, I_NONE), 4, FP, V_PS, 48, "cvtss2si" },
	{ 0xf2, 0x2d, -1, SUB(T_G, T_X, I_NONE), 8, FP, V_PD, 48, "cvtsd2si" },
	{ 0, 0x2e, -1, XX, 4, FP, V_PS, 0, "ucomiss" },
	{ 0x66, 0x2e, -1, XX, 8, FP, V_PD, 0, "ucomisd" },
	{ 0, 0x2f, -1, XX, 4, FP, V_PS, 0, "comiss" },
	{ 0x66, 0x2f, -1, XX, 8, FP, V_PD, 0, "comisd" },
	{ 0, 0x50, -1, SUB(T_G, T_X, I_NONE), 0, O_REG, V_ANY, 48, "movmskps" },
	{ 0x66, 0x50, -1, SUB(T_G, T_X, I_NONE), 0, O_REG, V_ANY, 48, "movmskpd" },
	FP4(0x51, "sqrt"),
	{ 0, 0x52, -1, XX, 16, A16 | FP, V_PS, 0, "rsqrtps" },
	{ 0xf3, 0x52, -1, XX, 4, FP, V_PS, 0, "rsqrtss" },
	{ 0, 0x53, -1, XX, 16, A16 | FP, V_PS, 0, "rcpps" },
	{ 0xf3, 0x53, -1, XX, 4, FP, V_PS, 0, "rcpss" },
	{ 0, 0x54, -1, XX, 16, A16, V_ANY, 0, "andps" },
	{ 0x66, 0x54, -1, XX, 16, A16, V_ANY, 0, "andpd" },
	{ 0, 0x55, -1, XX, 16, A16, V_ANY, 0, "andnps" },
	{ 0x66, 0x55, -1, XX, 16, A16, V_ANY, 0, "andnpd" },
	{ 0, 0x56, -1, XX, 16, A16, V_ANY, 0, "orps" },
	{ 0x66, 0x56, -1, XX, 16, A16, V_ANY, 0, "orpd" },
	{ 0, 0x57, -1, XX, 16, A16, V_ANY, 0, "xorps" },
	{ 0x66, 0x57, -1, XX, 16, A16, V_ANY, 0, "xorpd" },
	FP4(0x58, "add"),
	FP4(0x59, "mul"),
	{ 0, 0x5a, -1, XX, 8, FP, V_PS, 0, "cvtps2pd" },
	{ 0x66, 0x5a, -1, XX, 16, A16 | FP, V_PD, 0, "cvtpd2ps" },
	{ 0xf3, 0x5a, -1, XX, 4, FP, V_PS, 0, "cvtss2sd" },
	{ 0xf2, 0x5a, -1, XX, 8, FP, V_PD, 0, "cvtsd2ss" },
	{ 0, 0x5b, -1, XX, 16, A16 | FP, V_I32, 0, "cvtdq2ps" },
	{ 0x66, 0x5b, -1, XX, 16, A16 | FP, V_PS, 0, "cvtps2dq" },
	{ 0xf3, 0x5b, -1, XX, 16, A16 | FP, V_PS, 0, "cvttps2dq" },
	FP4(0x5c, "sub"),
	FP4(0x5d, "min"),
	FP4(0x5e, "div"),
	FP4(0x5f, "max"),
	PINT(0x60, "punpcklbw"),
	PINT(0x61, "punpcklwd"),
	PINT(0x62, "punpckldq"),
	PINT(0x63, "packsswb"),
	PINT(0x64, "pcmpgtb"),
	PINT(0x65, "pcmpgtw"),
	PINT(0x66, "pcmpgtd"),
	PINT(0x67, "packuswb"),
	PINT(0x68, "punpckhbw"),
	PINT(0x69, "punpckhwd"),
	PINT(0x6a, "punpckhdq"),
	PINT(0x6b, "packssdw"),
	{ 0x66, 0x6c, -1, XX, 16, A16, V_INT, 0, "punpcklqdq" },
	{ 0x66, 0x6d, -1, XX, 16, A16, V_INT, 0, "punpckhqdq" },
	{ 0, 0x6e, -1, SUB(T_M, T_G, I_NONE), 0, 0, V_INT, 48, "movd/movq mm, r/m" },
	{ 0x66, 0x6e, -1, SUB(T_X, T_G, I_NONE), 0, 0, V_INT, 48, "movd/movq xmm, r/m" },
	{ 0, 0x6f, -1, MM, 8, 0, V_INT, 0, "movq mm, mm/m64" },
	{ 0x66, 0x6f, -1, XX, 16, A16, V_INT, 0, "movdqa" },
	{ 0xf3, 0x6f, -1, XX, 16, 0, V_INT, 0, "movdqu" },
	{ 0, 0x70, -1, SUB(T_M, T_M, I_ANY), 8, 0, V_INT, 0, "pshufw" },
	{ 0x66, 0x70, -1, SUB(T_X, T_X, I_ANY), 16, A16, V_INT, 0, "pshufd" },
	{ 0xf3, 0x70, -1, SUB(T_X, T_X, I_ANY), 16, A16, V_INT, 0, "pshufhw" },
	{ 0xf2, 0x70, -1, SUB(T_X, T_X, I_ANY), 16, A16, V_INT, 0, "pshuflw" },
	GRP(0x71, 2, "psrlw imm8"),
	GRP(0x71, 4, "psraw imm8"),
	GRP(0x71, 6, "psllw imm8"),
	GRP(0x72, 2, "psrld imm8"),
	GRP(0x72, 4, "psrad imm8"),
	GRP(0x72, 6, "pslld imm8"),
	GRP(0x73, 2, "psrlq imm8"),
	GRP(0x73, 6, "psllq imm8"),
	GRPX(0x73, 3, "psrldq imm8"),
	GRPX(0x73, 7, "pslldq imm8"),
	PINT(0x74, "pcmpeqb"),
	PINT(0x75, "pcmpeqw"),
	PINT(0x76, "pcmpeqd"),
	{ 0, 0x7e, -1, SUB(T_M, T_G, I_NONE), 0, O_STORE, V_INT, 48, "movd/movq r/m, mm" },
	{ 0x66, 0x7e, -1, SUB(T_X, T_G, I_NONE), 0, O_STORE, V_INT, 48, "movd/movq r/m, xmm" },
	{ 0xf3, 0x7e, -1, XX, 8, 0, V_INT, 0, "movq xmm, xmm/m64" },
	{ 0, 0x7f, -1, MM, 8, O_STORE, V_INT, 0, "movq mm/m64, mm" },
	{ 0x66, 0x7f, -1, XX, 16, A16 | O_STORE, V_INT, 0, "movdqa (store)" },
	{ 0xf3, 0x7f, -1, XX, 16, O_STORE, V_INT, 0, "movdqu (store)" },
	{ 0, 0xc2, -1, SUB(T_X, T_X, I_PRED), 16, A16 | FP, V_PS, 0, "cmpps" },
	{ 0x66, 0xc2, -1, SUB(T_X, T_X, I_PRED), 16, A16 | FP, V_PD, 0, "cmppd" },
	{ 0xf3, 0xc2, -1, SUB(T_X, T_X, I_PRED), 4, FP, V_PS, 0, "cmpss" },
	{ 0xf2, 0xc2, -1, SUB(T_X, T_X, I_PRED), 8, FP, V_PD, 0, "cmpsd" },
	{ 0, 0xc4, -1, SUB(T_M, T_G, I_ANY), 2, 0, V_INT, 4, "pinsrw mm" },
	{ 0x66, 0xc4, -1, SUB(T_X, T_G, I_ANY), 2, 0, V_INT, 4, "pinsrw xmm" },
	{ 0, 0xc5, -1, SUB(T_G, T_M, I_ANY), 0, O_REG, V_INT, 48, "pextrw mm" },
	{ 0x66, 0xc5, -1, SUB(T_G, T_X, I_ANY), 0, O_REG, V_INT, 48, "pextrw xmm" },
	{ 0, 0xc6, -1, SUB(T_X, T_X, I_ANY), 16, A16, V_PS, 0, "shufps" },
	{ 0x66, 0xc6, -1, SUB(T_X, T_X, I_ANY), 16, A16, V_PD, 0, "shufpd" },
	PSHIFT(0xd1, "psrlw"),
	PSHIFT(0xd2, "psrld"),
	PSHIFT(0xd3, "psrlq"),
	PINT(0xd4, "paddq"),
	PINT(0xd5, "pmullw"),
	{ 0x66, 0xd6, -1, XX, 8, O_STORE, V_INT, 0, "movq xmm/m64, xmm" },
	{ 0xf3, 0xd6, -1, SUB(T_X, T_M, I_NONE), 0, O_REG, V_INT, 0, "movq2dq" },
	{ 0xf2, 0xd6, -1, SUB(T_M, T_X, I_NONE), 0, O_REG, V_INT, 0, "movdq2q" },
	{ 0, 0xd7, -1, SUB(T_G, T_M, I_NONE), 0, O_REG, V_INT, 48, "pmovmskb mm" },
	{ 0x66, 0xd7, -1, SUB(T_G, T_X, I_NONE), 0, O_REG, V_INT, 48, "pmovmskb xmm" },
	PINT(0xd8, "psubusb"),
	PINT(0xd9, "psubusw"),
	PINT(0xda, "pminub"),
	PINT(0xdb, "pand"),
	PINT(0xdc, "paddusb"),
	PINT(0xdd, "paddusw"),
	PINT(0xde, "pmaxub"),
	PINT(0xdf, "pandn"),
	PINT(0xe0, "pavgb"),
	PSHIFT(0xe1, "psraw"),
	PSHIFT(0xe2, "psrad"),
	PINT(0xe3, "pavgw"),
	PINT(0xe4, "pmulhuw"),
	PINT(0xe5, "pmulhw"),
	{ 0x66, 0xe6, -1, XX, 16, A16 | FP, V_PD, 0, "cvttpd2dq" },
	{ 0xf3, 0xe6, -1, XX, 8, FP, V_I32, 0, "cvtdq2pd" },
	{ 0xf2, 0xe6, -1, XX, 16, A16 | FP, V_PD, 0, "cvtpd2dq" },
	{ 0, 0xe7, -1, MM, 8, O_MEM | O_STORE, V_INT, 0, "movntq" },
	{ 0x66, 0xe7, -1, XX, 16, A16 | O_MEM | O_STORE, V_INT, 0, "movntdq" },
	PINT(0xe8, "psubsb"),
	PINT(0xe9, "psubsw"),
	PINT(0xea, "pminsw"),
	PINT(0xeb, "por"),
	PINT(0xec, "paddsb"),
	PINT(0xed, "paddsw"),
	PINT(0xee, "pmaxsw"),
	PINT(0xef, "pxor"),
	PSHIFT(0xf1, "psllw"),
	PSHIFT(0xf2, "pslld"),
	PSHIFT(0xf3, "psllq"),
	PINT(0xf4, "pmuludq"),
	PINT(0xf5, "pmaddwd"),
	PINT(0xf6, "psadbw"),
	PINT(0xf8, "psubb"),
	PINT(0xf9, "psubw"),
	PINT(0xfa, "psubd"),
	PINT(0xfb, "psubq"),
	PINT(0xfc, "paddb"),
	PINT(0xfd, "paddw"),
	PINT(0xfe, "paddd"),
};

static uint32_t mxcsr_random(struct gen *g)
{
	uint32_t m = 0x1f80;

	if (g_chance(g, 40))
		return m;
	m |= (uint32_t)g_rand(g) & (0x3f | 0x40 | 0x6000 | 0x8000);
	if (g_chance(g, 20))
		m &= ~((uint32_t)g_rand(g) & 0x1f80); /* some exceptions unmasked: #XM */
	return m;
}

/* A shift count as a vector or memory operand: mostly small. */
static uint64_t shift_src(struct gen *g)
{
	return g_chance(g, 75) ? g_below(g, 70) : g_int(g, 8);
}

static void set_mm(struct gen *g, int r, uint64_t v)
{
	memcpy(g->c->x87.st[r & 7], &v, 8);
}

static uint8_t imm8(struct gen *g, unsigned kind)
{
	switch (kind) {
	case I_PRED:
		return (uint8_t)(g_below(g, 8) | (g_chance(g, 5) ? g_rand(g) & 0xf8 : 0));
	case I_SHIFT:
		return (uint8_t)(g_chance(g, 70) ? g_below(g, 70) : g_rand(g));
	default:
		return (uint8_t)g_rand(g);
	}
}

/* A register operand of kind k: its number, and REX bits where they
 * count (MMX registers ignore them: random then). */
static int vec_reg(struct gen *g, struct enc *e, unsigned k, bool rm)
{
	int r = (int)g_below(g, k == T_M ? 8 : 16);

	if (k == T_M) {
		if (g_chance(g, 20))
			e->rex |= rm ? 1 : 4;
		return r;
	}
	if (r >= 8)
		e->rex |= rm ? 1 : 4;
	return r;
}

static void fill_vec(struct gen *g, unsigned k, int r, unsigned cls, bool count)
{
	uint64_t v[2];

	g_vec(g, v, cls == V_INT ? V_ANY : cls);
	if (count)
		v[0] = shift_src(g);
	if (k == T_X)
		memcpy(g->c->in.xmm[r], v, 16);
	else if (k == T_M)
		set_mm(g, r, v[0]);
}

static void fill_mem(struct gen *g, uint32_t off, unsigned msz, unsigned cls, bool count)
{
	uint64_t v[2];

	g_vec(g, v, cls == V_INT ? V_ANY : cls);
	if (count)
		v[0] = shift_src(g);
	g_patch(g, off, v, msz);
}

/* The operands of one SSE/MMX instruction: registers (-1: none) or a
 * memory operand at a data offset. */
struct sse_ops {
	int reg, rm;
	bool mem;
	uint32_t off;
	unsigned msz;
};

/* Prefixes, REX.W, the ModRM.reg operand and the r/m operand. */
static void sse_encode(struct gen *g, const struct form *f, struct enc *e, struct sse_ops *o)
{
	unsigned regk = f->sub & 15, rmk = (f->sub >> 4) & 15;

	if (g_chance(g, 4))
		enc_prefix(e, 0x3e);
	if (f->pfx)
		enc_prefix(e, f->pfx);
	if (f->size == 8 || ((f->opt & O_WIGN) && g_chance(g, 10)))
		e->rex |= 8;
	if (f->ext >= 0)
		enc_ext(e, (unsigned)f->ext);
	else if (regk == T_G)
		enc_reg(g, e, o->reg = g_pick_reg(g, f->size, 0), f->size);
	else
		enc_ext(e, (unsigned)((o->reg = vec_reg(g, e, regk, false)) & 7));
	if (o->mem) {
		o->off = (uint32_t)(enc_mem(g, e, o->msz, (f->opt & O_A16) ? M_ALIGN16 : 0) -
				    DATA_ADDR);
	} else if (rmk == T_G) {
		enc_rm(g, e, o->rm = g_pick_reg(g, f->size, 0), f->size);
	} else {
		o->rm = vec_reg(g, e, rmk, true);
		e->modrm = true;
		e->mod = 3;
		e->rm = (uint8_t)(o->rm & 7);
	}
}

/* Values of the class the form asks for; shift counts mostly small. */
static void sse_values(struct gen *g, const struct form *f, const struct sse_ops *o)
{
	unsigned regk = f->sub & 15, rmk = (f->sub >> 4) & 15;
	bool count = f->opt & O_SHCNT;

	if (o->reg >= 0)
		fill_vec(g, regk, o->reg, f->cls, false);
	if (o->rm >= 0 && rmk == T_G && !(g->fixed & (1u << o->rm)))
		g_setreg(g, o->rm, f->size, g_int(g, f->size));
	else if (o->rm >= 0)
		fill_vec(g, rmk, o->rm, f->cls, count);
	if (o->mem && !(f->opt & O_STORE))
		fill_mem(g, o->off, o->msz, rmk == T_G ? V_INT : f->cls, count);
	if (f->opt & O_MXCSR)
		g->c->in.mxcsr = mxcsr_random(g);
}

static void gen_sse(struct gen *g, const struct form *f)
{
	unsigned rmk = (f->sub >> 4) & 15, immk = f->sub >> 8;
	uint8_t op[2] = { 0x0f, f->op[1] };
	struct sse_ops o = { .reg = -1, .rm = -1 };
	struct enc e;

	o.mem = !(f->opt & O_REG) && ((f->opt & O_MEM) || g_chance(g, 50));
	o.msz = rmk == T_G ? (f->msz ? f->msz : f->size) : f->msz;
	g->norex = false;
	enc_init(&e, op, 2);
	sse_encode(g, f, &e, &o);
	if (immk)
		enc_imm(&e, 1, imm8(g, immk));
	enc_emit(g, &e);
	sse_values(g, f, &o);
	/* (U)COMISS/SD set ZF PF CF and clear OF SF AF. */
	g_flags(g, f->op[1] == 0x2e || f->op[1] == 0x2f ? F_ARITH : 0, 0);
}

/* MASKMOVQ / MASKMOVDQU: selected bytes to [RDI] (EDI with 67). */
static void gen_maskmov(struct gen *g, const struct form *f)
{
	bool xmm = f->pfx == 0x66, a32 = g_chance(g, 20);
	unsigned n = xmm ? 16 : 8;
	uint32_t off = g_region(g, n, 1);
	uint8_t op[2] = { 0x0f, 0xf7 };
	struct enc e;
	int r = (int)g_below(g, xmm ? 16 : 8), m = (int)g_below(g, xmm ? 16 : 8);
	uint64_t mask[2];

	g->norex = false;
	enc_init(&e, op, 2);
	if (a32)
		enc_prefix(&e, 0x67);
	if (f->pfx)
		enc_prefix(&e, f->pfx);
	e.modrm = true;
	e.mod = 3;
	e.reg = (uint8_t)(r & 7);
	e.rm = (uint8_t)(m & 7);
	if (xmm)
		e.rex |= (uint8_t)((r >= 8 ? 4 : 0) | (m >= 8 ? 1 : 0));
	enc_emit(g, &e);
	g_set(g, R_DI, (a32 ? g_rand(g) << 32 : 0) | (DATA_ADDR + off));
	mask[0] = g_rand(g);
	mask[1] = g_rand(g);
	if (xmm)
		memcpy(g->c->in.xmm[m], mask, 16);
	else
		set_mm(g, m, mask[0]);
	g_touch(g, off, n);
	g_flags(g, 0, 0);
}

/* EMMS: all x87 tags empty; from the MMX state (an MMX move first) or
 * from the random x87 state. */
static void gen_emms(struct gen *g, const struct form *f)
{
	(void)f;
	if (g_chance(g, 50)) {
		g_byte(g, 0x0f); /* movq mm(i), mm(j) */
		g_byte(g, 0x6f);
		g_byte(g, (uint8_t)(0xc0 | g_below(g, 64)));
		g->c->ninsn++;
	}
	g->c->x87.ftw = (uint8_t)g_rand(g);
	g_byte(g, 0x0f);
	g_byte(g, 0x77);
	g->c->ninsn++;
	g_flags(g, 0, 0);
}

void forms_sse(struct formlist *l)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		unsigned regk = r->kind & 15, rmk = (r->kind >> 4) & 15;
		bool mmx = regk == T_M || rmk == T_M;
		struct form t = { .gen = gen_sse,
				  .op = { 0x0f, r->op },
				  .nop = 2,
				  .ext = r->ext,
				  .pfx = r->pfx,
				  .msz = r->msz,
				  .opt = r->opt,
				  .cls = r->cls,
				  .sub = r->kind,
				  .x87 = mmx,
				  .size = 4 };
		const char *p = r->pfx == 0x66   ? "66 "
				: r->pfx == 0xf3 ? "F3 "
				: r->pfx == 0xf2 ? "F2 "
						 : "";

		if (!(regk == T_G || rmk == T_G))
			t.opt |= O_WIGN;
		if (r->gsz == 48) {
			forms_add(l, &t, "%s (%s0F %02X, 32-bit)", r->name, p, r->op);
			t.size = 8;
			forms_add(l, &t, "%s (%s0F %02X, REX.W)", r->name, p, r->op);
		} else if (r->ext >= 0) {
			forms_add(l, &t, "%s %s (%s0F %02X /%d)", r->name, mmx ? "mm" : "xmm", p,
				  r->op, r->ext);
		} else {
			forms_add(l, &t, "%s%s (%s0F %02X)", r->name,
				  mmx && regk == T_M && rmk == T_M && r->pfx == 0 ? " mm" : "", p,
				  r->op);
		}
	}
	struct form em = { .gen = gen_emms, .x87 = true };

	forms_add(l, &em, "emms (0F 77)");
	struct form m = { .gen = gen_maskmov, .x87 = true };

	forms_add(l, &m, "maskmovq (0F F7)");
	m.pfx = 0x66;
	m.x87 = false;
	forms_add(l, &m, "maskmovdqu (66 0F F7)");
}
