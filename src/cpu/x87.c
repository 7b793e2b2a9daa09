/* x87.c - the x87 FPU (D8-DF): an emulated register stack, arithmetic on the host's x87. */
#include "cpu/ops.h"
#include "cpu/sse.h"
#include "cpu/x87.h"

#if !defined(__x86_64__) || !defined(__GNUC__)
#error "x87.c runs the guest's x87 arithmetic on the host's x87: GNU C on x86-64 only"
#endif

/*
 * The register stack is emulated here: TOP, the tag word, which registers
 * an instruction reads and writes, stack overflow and underflow, pushing
 * and popping, the exception flags and masks, FIP/FDP/FOP and the memory
 * images (FSTENV, FSAVE, FXSAVE).
 *
 * The arithmetic runs on the host's x87. Each guest instruction that
 * computes executes once on the host as the same instruction, in the
 * guest's mode: its FCW (rounding, precision control, exception masks) and
 * its condition codes are loaded with FLDENV, its register operands with
 * FLD m80, which never raises and never changes a value. The host's status
 * word then gives the exceptions the operation raised, C0-C3 and whether
 * it rounded up, and FSTP m80 brings the results back. Results, NaN
 * propagation, denormals, FPREM's quotient bits, the transcendental
 * approximations, the condition codes an instruction leaves undefined and
 * the rebiased result of an unmasked overflow are therefore the
 * hardware's own. An unmasked exception stays pending on the host only
 * until the FNSTSW/FNCLEX right after the instruction, so it never reaches
 * a waiting host instruction.
 *
 * Where this file decides behaviour itself (stack faults, unmasked
 * exceptions, the undocumented aliases, the environment images), it
 * follows what a differential test against the hardware showed; that
 * hardware was an AMD EPYC, and the few places where it differs from the
 * SDM's description say so.
 */

/* FSW (SDM vol. 1, 8.1.3); FSW_ES and FSW_TOP are in sse.h. */
#define FSW_IE  (1u << 0)
#define FSW_DE  (1u << 1)
#define FSW_ZE  (1u << 2)
#define FSW_OE  (1u << 3)
#define FSW_UE  (1u << 4)
#define FSW_PE  (1u << 5)
#define FSW_EXC 0x3fu
#define FSW_SF  (1u << 6)
#define FSW_C0  (1u << 8)
#define FSW_C1  (1u << 9)
#define FSW_C2  (1u << 10)
#define FSW_C3  (1u << 14)
#define FSW_B   (1u << 15)
#define FSW_CC  (FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3)

#define FCW_INIT 0x037fu

/* What a loaded FCW keeps: bit 6 reads as one, bits 7 and 13-15 as zero. */
static uint16_t fcw_load(uint32_t v)
{
	return (uint16_t)((v & 0x1f3f) | 0x40);
}

/* Tag word values (SDM vol. 1, 8.1.7). */
#define TAG_VALID   0u
#define TAG_ZERO    1u
#define TAG_SPECIAL 2u
#define TAG_EMPTY   3u

#define CR0_EM (1ULL << 2)
#define CR0_TS (1ULL << 3)

/* ---- 80-bit values ---- */

/* Laid out as the 80-bit memory format, so FLD/FSTP m80 take its address. */
struct f80 {
	uint64_t m;  /* significand with the explicit integer bit 63 */
	uint16_t se; /* sign (bit 15) and biased exponent */
};

/* The default QNaN ("real indefinite") a masked invalid operation leaves. */
static const struct f80 f80_indef = { 0xc000000000000000ULL, 0xffff };

static unsigned f80_tag(struct f80 v)
{
	unsigned e = v.se & 0x7fff;

	if (e == 0x7fff)
		return TAG_SPECIAL;
	if (e == 0)
		return v.m ? TAG_SPECIAL : TAG_ZERO;  /* denormals and pseudo-denormals */
	return (v.m >> 63) ? TAG_VALID : TAG_SPECIAL; /* unnormals are unsupported */
}

/* Integers convert exactly, so FILD needs no host help. */
static struct f80 f80_from_int(int64_t v)
{
	struct f80 r = { 0, 0 };
	uint64_t m;
	int n;

	if (v == 0)
		return r;
	m = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	n = __builtin_clzll(m);
	r.m = m << n;
	r.se = (uint16_t)((v < 0 ? 0x8000 : 0) | (16383 + 63 - n));
	return r;
}

/* IEEE single (8 exponent bits, 23 fraction bits) or double (11, 52) to
 * 80 bits, when that is exact and raises nothing: zeros, normals,
 * infinities. NaNs (an SNaN raises IE) and denormals (DE) are left to the
 * host. */
static bool f80_from_ieee(uint64_t v, unsigned ebits, unsigned fbits, struct f80 *r)
{
	unsigned emax = (1u << ebits) - 1, e = (unsigned)(v >> fbits) & emax;
	uint64_t frac = v & ((1ULL << fbits) - 1);
	uint16_t sign = (uint16_t)(((v >> (ebits + fbits)) & 1) << 15);

	if (e == 0 && frac == 0) {
		*r = (struct f80){ 0, sign };
		return true;
	}
	if (e == 0 || (e == emax && frac))
		return false;
	r->m = (1ULL << 63) | (frac << (63 - fbits));
	r->se = (uint16_t)(sign | (e == emax ? 0x7fff : e - (emax >> 1) + 16383));
	return true;
}

/* The other way, when exact: a zero, an infinity, or a normal value whose
 * significand fits and whose exponent is in range. Nothing to round or
 * raise then, whatever FCW says; the rest is left to the host. */
static bool f80_to_ieee(struct f80 x, unsigned ebits, unsigned fbits, uint64_t *r)
{
	unsigned emax = (1u << ebits) - 1, e = x.se & 0x7fff;
	uint64_t sign = (uint64_t)(x.se >> 15) << (ebits + fbits);
	int be = (int)e - 16383 + (int)(emax >> 1);

	if (e == 0 && x.m == 0) {
		*r = sign;
		return true;
	}
	if (e == 0x7fff && x.m == 1ULL << 63) {
		*r = sign | (uint64_t)emax << fbits;
		return true;
	}
	if (e == 0 || e == 0x7fff || !(x.m >> 63) || (x.m & ((1ULL << (63 - fbits)) - 1)) ||
	    be < 1 || be >= (int)emax)
		return false;
	*r = sign | (uint64_t)be << fbits | (x.m << 1) >> (64 - fbits);
	return true;
}

static struct f80 f80_get(const void *p)
{
	struct f80 v;

	memcpy(&v.m, p, 8);
	memcpy(&v.se, (const uint8_t *)p + 8, 2);
	return v;
}

static void f80_put(void *p, struct f80 v)
{
	memcpy(p, &v.m, 8);
	memcpy((uint8_t *)p + 8, &v.se, 2);
}

static void put16(uint8_t *p, uint64_t v)
{
	uint16_t x = (uint16_t)v;

	memcpy(p, &x, 2);
}

static void put32(uint8_t *p, uint64_t v)
{
	uint32_t x = (uint32_t)v;

	memcpy(p, &x, 4);
}

static uint16_t get16(const uint8_t *p)
{
	uint16_t x;

	memcpy(&x, p, 2);
	return x;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t x;

	memcpy(&x, p, 4);
	return x;
}

/* ---- the register stack ---- */

static struct f80 reg_get(const struct fpu *f, unsigned p)
{
	return f80_get(&f->st[p & 7]);
}

/* Writes physical register p and tags it by its contents. */
static void reg_set(struct fpu *f, unsigned p, struct f80 v)
{
	uint8_t *d = (uint8_t *)&f->st[p & 7];

	p &= 7;
	f80_put(d, v);
	memset(d + 10, 0, sizeof(f->st[0]) - 10);
	f->ftw = (uint16_t)((f->ftw & ~(3u << (2 * p))) | (f80_tag(v) << (2 * p)));
}

static unsigned st_phys(const struct fpu *f, unsigned i)
{
	return (f->top + i) & 7;
}

static bool st_empty(const struct fpu *f, unsigned i)
{
	return ((f->ftw >> (2 * st_phys(f, i))) & 3) == TAG_EMPTY;
}

static struct f80 st_get(const struct fpu *f, unsigned i)
{
	return reg_get(f, st_phys(f, i));
}

static void st_set(struct fpu *f, unsigned i, struct f80 v)
{
	reg_set(f, st_phys(f, i), v);
}

/* TOP lives in FSW bits 11-13 and, for speed, in fpu.top: keep both. */
static void set_top(struct fpu *f, unsigned top)
{
	f->top = (uint8_t)(top & 7);
	f->fsw = (uint16_t)((f->fsw & ~FSW_TOP) | (f->top << 11));
}

static void st_pop(struct fpu *f)
{
	f->ftw |= (uint16_t)(TAG_EMPTY << (2 * st_phys(f, 0)));
	set_top(f, f->top + 1u);
}

static void st_push(struct fpu *f, struct f80 v)
{
	set_top(f, f->top - 1u);
	st_set(f, 0, v);
}

/* The full tag word FSTENV and FSAVE store: empty stays empty, the other
 * registers are classified by their contents (SDM vol. 1, 8.1.7). */
static uint16_t tags_full(const struct fpu *f)
{
	unsigned tw = 0;

	for (unsigned p = 0; p < 8; p++) {
		unsigned t = (f->ftw >> (2 * p)) & 3;

		if (t != TAG_EMPTY)
			t = f80_tag(reg_get(f, p));
		tw |= t << (2 * p);
	}
	return (uint16_t)tw;
}

/* After loading a tag word from memory only "empty" counts: reclassify the
 * rest from the registers (FLDENV, FRSTOR, FXRSTOR). */
static void tags_load(struct fpu *f, uint16_t tw)
{
	unsigned r = 0;

	for (unsigned p = 0; p < 8; p++) {
		unsigned t = (tw >> (2 * p)) & 3;

		if (t != TAG_EMPTY)
			t = f80_tag(reg_get(f, p));
		r |= t << (2 * p);
	}
	f->ftw = (uint16_t)r;
}

/* ---- exceptions ---- */

/* Sets the exception flags exc (with SF) and, for those unmasked, ES and
 * B. Returns the unmasked ones. */
static unsigned fpu_raise(struct fpu *f, unsigned exc)
{
	unsigned um = exc & ~f->fcw & FSW_EXC;

	f->fsw |= (uint16_t)exc;
	if (um)
		f->fsw |= FSW_ES | FSW_B;
	return um;
}

/* ES and B summarize the flags FCW leaves unmasked; loading FCW (FLDCW,
 * FLDENV...) sets or clears them to match, so unmasking a flag already set
 * makes the exception pending. */
static void fsw_sync_es(struct fpu *f)
{
	if (f->fsw & ~f->fcw & FSW_EXC)
		f->fsw |= FSW_ES | FSW_B;
	else
		f->fsw &= (uint16_t) ~(FSW_ES | FSW_B);
}

/* A stack overflow (push onto a full register) or underflow (read of an
 * empty one): IE and SF, C1 telling which (SDM vol. 1, 8.5.1.1). Returns
 * true when IE is masked and the instruction goes on with the default NaN;
 * false when it must stop, leaving registers and TOP alone. */
static bool stack_fault(struct fpu *f, bool overflow)
{
	f->fsw = (uint16_t)((f->fsw & ~FSW_C1) | (overflow ? FSW_C1 : 0));
	return !fpu_raise(f, FSW_IE | FSW_SF);
}

/* Before a push: on a full stack handle the overflow (a masked one pushes
 * the default NaN) and return false. */
static bool push_ok(struct fpu *f)
{
	if (st_empty(f, 7))
		return true;
	if (stack_fault(f, true))
		st_push(f, f80_indef);
	return false;
}

/* ---- the host's x87 ---- */

/* One host instruction: a and b are loaded as the host's ST(0) and ST(1),
 * the instruction runs (a memory operand at mem, addressed through RAX),
 * and the host's ST(0) and ST(1) come back in r0 and r1 with its FSW before
 * (sw0) and after (sw), and RFLAGS for FCOMI. env is the FLDENV image that
 * starts it: the guest's FCW and condition codes, no exception flags, an
 * empty stack. */
struct hx {
	struct f80 a, b;
	struct f80 r0, r1;
	void *mem;
	uint32_t env[7];
	uint16_t sw0, sw;
	uint8_t cf, zf, pf;
};

typedef void (*hx_fn)(struct hx *h);

/* Used while the results are stored: everything masked, so storing from an
 * empty host register (after an instruction that popped) is harmless. */
static const uint16_t hx_masked_cw = FCW_INIT;

/* FLDENV rather than FNCLEX/FLDCW: it also sets C0, C2 and C3 as the guest
 * has them (FLD m80 clears C1), so whatever hardware leaves unchanged comes
 * back unchanged, and it empties the host stack whatever state it was in.
 * The stack is empty again at the end (FSTP twice, FFREE for an
 * instruction that pushed), as the ABI wants; FNINIT would cost more. */
#define HX_STUB(name, bytes)                                                                       \
	static void name(struct hx *h)                                                             \
	{                                                                                          \
		uint16_t hcw;                                                                      \
		__asm__ volatile(                                                                  \
			"fnstcw %[hcw]\n\t"                                                        \
			"fldenv %[env]\n\t"                                                        \
			"fldt %[b]\n\t"                                                            \
			"fldt %[a]\n\t"                                                            \
			"fnstsw %[sw0]\n\t"                                                        \
			".byte " bytes "\n\t"                                                      \
			"fnstsw %[sw]\n\t"                                                         \
			"setb %[cf]\n\t"                                                           \
			"sete %[zf]\n\t"                                                           \
			"setp %[pf]\n\t"                                                           \
			"fnclex\n\t"                                                               \
			"fldcw %[mcw]\n\t"                                                         \
			"fstpt %[r0]\n\t"                                                          \
			"fstpt %[r1]\n\t"                                                          \
			"ffree %%st(0)\n\t"                                                        \
			"fldcw %[hcw]"                                                             \
			: [hcw] "=m"(hcw), [sw0] "=m"(h->sw0), [sw] "=m"(h->sw), [r0] "=m"(h->r0), \
			  [r1] "=m"(h->r1), [cf] "=m"(h->cf), [zf] "=m"(h->zf), [pf] "=m"(h->pf)   \
			: [env] "m"(h->env), [mcw] "m"(hx_masked_cw), [a] "m"(h->a),               \
			  [b] "m"(h->b), "a"(h->mem)                                               \
			: "memory", "cc", "st", "st(1)", "st(2)", "st(3)", "st(4)", "st(5)",       \
			  "st(6)", "st(7)");                                                       \
	}

/* Register forms, on ST(0) and ST(1). D8: ST(0) = ST(0) op ST(1). */
HX_STUB(hx_d8_0, "0xd8, 0xc1")
HX_STUB(hx_d8_1, "0xd8, 0xc9")
HX_STUB(hx_d8_2, "0xd8, 0xd1")
HX_STUB(hx_d8_4, "0xd8, 0xe1")
HX_STUB(hx_d8_5, "0xd8, 0xe9")
HX_STUB(hx_d8_6, "0xd8, 0xf1")
HX_STUB(hx_d8_7, "0xd8, 0xf9")
/* DC: ST(1) = ST(1) op ST(0) (DE, the popping form, pops here in C). */
HX_STUB(hx_dc_0, "0xdc, 0xc1")
HX_STUB(hx_dc_1, "0xdc, 0xc9")
HX_STUB(hx_dc_4, "0xdc, 0xe1")
HX_STUB(hx_dc_5, "0xdc, 0xe9")
HX_STUB(hx_dc_6, "0xdc, 0xf1")
HX_STUB(hx_dc_7, "0xdc, 0xf9")
HX_STUB(hx_fucom, "0xdd, 0xe1")
HX_STUB(hx_fcomi, "0xdb, 0xf1")
HX_STUB(hx_fucomi, "0xdb, 0xe9")

/* Memory forms of the arithmetic and compares: op /reg with ModRM [rax]. */
#define HX_MEM8(op)                                                                                \
	HX_STUB(hx_##op##_m0, "0x" #op ", 0x00")                                                   \
	HX_STUB(hx_##op##_m1, "0x" #op ", 0x08")                                                   \
	HX_STUB(hx_##op##_m2, "0x" #op ", 0x10")                                                   \
	HX_STUB(hx_##op##_m4, "0x" #op ", 0x20")                                                   \
	HX_STUB(hx_##op##_m5, "0x" #op ", 0x28")                                                   \
	HX_STUB(hx_##op##_m6, "0x" #op ", 0x30")                                                   \
	HX_STUB(hx_##op##_m7, "0x" #op ", 0x38")
#define HX_MEM8_FNS(op)                                                                            \
	{                                                                                          \
		hx_##op##_m0, hx_##op##_m1, hx_##op##_m2, hx_##op##_m2, hx_##op##_m4,              \
			hx_##op##_m5, hx_##op##_m6, hx_##op##_m7                                   \
	}
HX_MEM8(d8)
HX_MEM8(da)
HX_MEM8(dc)
HX_MEM8(de)

/* Loads and stores that convert. */
HX_STUB(hx_flds, "0xd9, 0x00")
HX_STUB(hx_fldl, "0xdd, 0x00")
HX_STUB(hx_fbld, "0xdf, 0x20")
HX_STUB(hx_fsts, "0xd9, 0x10")
HX_STUB(hx_fstl, "0xdd, 0x10")
HX_STUB(hx_fists, "0xdf, 0x10")
HX_STUB(hx_fistl, "0xdb, 0x10")
HX_STUB(hx_fistpll, "0xdf, 0x38")
HX_STUB(hx_fisttps, "0xdf, 0x08")
HX_STUB(hx_fisttpl, "0xdb, 0x08")
HX_STUB(hx_fisttpll, "0xdd, 0x08")
HX_STUB(hx_fbstp, "0xdf, 0x30")

/* D9 E4-FF. */
HX_STUB(hx_ftst, "0xd9, 0xe4")
HX_STUB(hx_fld1, "0xd9, 0xe8")
HX_STUB(hx_fldl2t, "0xd9, 0xe9")
HX_STUB(hx_fldl2e, "0xd9, 0xea")
HX_STUB(hx_fldpi, "0xd9, 0xeb")
HX_STUB(hx_fldlg2, "0xd9, 0xec")
HX_STUB(hx_fldln2, "0xd9, 0xed")
HX_STUB(hx_fldz, "0xd9, 0xee")
HX_STUB(hx_f2xm1, "0xd9, 0xf0")
HX_STUB(hx_fyl2x, "0xd9, 0xf1")
HX_STUB(hx_fptan, "0xd9, 0xf2")
HX_STUB(hx_fpatan, "0xd9, 0xf3")
HX_STUB(hx_fxtract, "0xd9, 0xf4")
HX_STUB(hx_fprem1, "0xd9, 0xf5")
HX_STUB(hx_fprem, "0xd9, 0xf8")
HX_STUB(hx_fyl2xp1, "0xd9, 0xf9")
HX_STUB(hx_fsqrt, "0xd9, 0xfa")
HX_STUB(hx_fsincos, "0xd9, 0xfb")
HX_STUB(hx_frndint, "0xd9, 0xfc")
HX_STUB(hx_fscale, "0xd9, 0xfd")
HX_STUB(hx_fsin, "0xd9, 0xfe")
HX_STUB(hx_fcos, "0xd9, 0xff")

/* Indexed by ModRM.reg; 2 and 3 (the compares) by the compare code. */
static const hx_fn hx_d8[8] = { hx_d8_0, hx_d8_1, hx_d8_2, hx_d8_2,
				hx_d8_4, hx_d8_5, hx_d8_6, hx_d8_7 };
static const hx_fn hx_dc[8] = { hx_dc_0, hx_dc_1, NULL, NULL, hx_dc_4, hx_dc_5, hx_dc_6, hx_dc_7 };
/* D8 m32fp, DA m32int, DC m64fp, DE m16int: by (opcode & 7) / 2. */
static const hx_fn hx_mem[4][8] = { HX_MEM8_FNS(d8), HX_MEM8_FNS(da), HX_MEM8_FNS(dc),
				    HX_MEM8_FNS(de) };
static const uint8_t hx_mem_size[4] = { 4, 4, 8, 2 };

/* Runs fn on the host in the guest's mode. */
static void hx_run(const struct fpu *f, hx_fn fn, struct hx *h)
{
	h->env[0] = 0xffff0000u | f->fcw;
	h->env[1] = 0xffff0000u | (f->fsw & FSW_CC);
	h->env[2] = 0xffffffffu;
	h->env[3] = h->env[4] = h->env[5] = h->env[6] = 0;
	fn(h);
}

/* How many values the host instruction pushed (negative: popped). */
static int hx_net(const struct hx *h)
{
	int d = (int)(((h->sw0 >> 11) - (h->sw >> 11)) & 7);

	return d >= 4 ? d - 8 : d;
}

/* Merges a host instruction's exceptions and the condition codes in cc into
 * the guest's FSW. Returns false when an unmasked invalid-operation,
 * denormal-operand or divide-by-zero exception stopped it before it wrote
 * anything: operands and TOP stay as they were (SDM vol. 1, 8.5.1-8.5.3).
 * The condition codes are the host's either way: it started from the
 * guest's, and hardware sets them even when it stops (an unordered
 * compare, C1 cleared). */
static bool hx_commit(struct fpu *f, const struct hx *h, unsigned cc)
{
	unsigned um = fpu_raise(f, h->sw & FSW_EXC);

	f->fsw = (uint16_t)((f->fsw & ~cc) | (h->sw & cc));
	return !(um & (FSW_IE | FSW_DE | FSW_ZE));
}

/* ---- instruction groups ---- */

/* FCOM, FUCOM, FICOM, FTST, FCOMI and their popping forms: ST(0) against
 * ST(i) (i < 8), or against what h already holds. The result goes to
 * C0/C2/C3 or, for FCOMI, to ZF/PF/CF (OF, SF, AF cleared); then npop
 * pops. */
static void x87_compare(struct cpu *cpu, hx_fn fn, struct hx *h, unsigned i, unsigned npop,
			bool rflags)
{
	struct fpu *f = &cpu->fpu;

	if (st_empty(f, 0) || (i < 8 && st_empty(f, i))) {
		/* Unordered, even when an unmasked fault stops the pops. */
		bool masked = stack_fault(f, false);

		if (rflags)
			flags_put(cpu, F_ZF | F_PF | F_CF);
		else
			f->fsw |= FSW_C0 | FSW_C2 | FSW_C3;
		if (!masked)
			return;
	} else {
		bool done;

		h->a = st_get(f, 0);
		if (i < 8)
			h->b = st_get(f, i);
		hx_run(f, fn, h);
		/* FCOMI leaves C1 alone on hardware (AMD; the SDM says it
		 * clears it), but the host's FLD m80 cleared it: keep ours. */
		done = hx_commit(f, h, rflags ? FSW_C0 | FSW_C2 | FSW_C3 : FSW_CC);
		if (rflags)
			flags_put(cpu,
				  (h->zf ? F_ZF : 0) | (h->pf ? F_PF : 0) | (h->cf ? F_CF : 0));
		if (!done)
			return;
	}
	while (npop--)
		st_pop(f);
}

/* D8 DA DC DE with a memory operand: ST(0) = ST(0) op m, or a compare. */
static void x87_arith_mem(struct cpu *cpu, const struct insn *in, unsigned op, unsigned sub)
{
	struct fpu *f = &cpu->fpu;
	unsigned k = (op >> 1) & 3;
	uint64_t v = mem_read(cpu, in->seg, insn_ea(cpu, in), hx_mem_size[k]);
	struct hx h = { .mem = &v };

	if (sub == 2 || sub == 3) {
		x87_compare(cpu, hx_mem[k][2], &h, 8, sub == 3, false);
		return;
	}
	if (st_empty(f, 0)) {
		if (stack_fault(f, false))
			st_set(f, 0, f80_indef);
		return;
	}
	h.a = st_get(f, 0);
	hx_run(f, hx_mem[k][sub], &h);
	if (hx_commit(f, &h, FSW_CC))
		st_set(f, 0, h.r0);
}

/* D8 (ST(0) = ST(0) op ST(i)), DC (ST(i) = ST(i) op ST(0)) and DE (the
 * same, then pop), sub being ModRM.reg: add, mul, -, -, sub, subr, div,
 * divr. Both register orders compute the same way from (ST(0), ST(i)), so
 * the host runs them on its ST(0) and ST(1). */
static void x87_arith_reg(struct cpu *cpu, unsigned op, unsigned sub, unsigned i)
{
	struct fpu *f = &cpu->fpu;
	bool to_i = op != 0;
	struct hx h;

	if (st_empty(f, 0) || st_empty(f, i)) {
		if (!stack_fault(f, false))
			return;
		st_set(f, to_i ? i : 0, f80_indef);
	} else {
		h.a = st_get(f, 0);
		h.b = st_get(f, i);
		h.mem = NULL;
		hx_run(f, to_i ? hx_dc[sub] : hx_d8[sub], &h);
		if (!hx_commit(f, &h, FSW_CC))
			return;
		st_set(f, to_i ? i : 0, to_i ? h.r1 : h.r0);
	}
	if (op == 6)
		st_pop(f);
}

/* FLD m32fp/m64fp, FBLD: the host converts (an SNaN raises IE, a denormal
 * DE). Whether it pushed decides: an unmasked DE still loads on hardware,
 * an unmasked IE does not. */
static void x87_load_host(struct cpu *cpu, hx_fn fn, void *buf)
{
	struct fpu *f = &cpu->fpu;
	struct hx h = { .mem = buf };

	if (!push_ok(f))
		return;
	hx_run(f, fn, &h);
	hx_commit(f, &h, FSW_CC);
	if (hx_net(&h) > 0)
		st_push(f, h.r0);
}

/* FLD m80fp, FILD, FLD ST(i): exact, nothing to raise but overflow. */
static void x87_load_exact(struct fpu *f, struct f80 v)
{
	if (!push_ok(f))
		return;
	f->fsw &= (uint16_t)~FSW_C1;
	st_push(f, v);
}

/* FST/FSTP m32fp/m64fp, FIST(P)/FISTTP, FBSTP: the host converts into a
 * buffer. Memory is written before the FPU state changes, so a page fault
 * leaves the FPU as it was. An unmasked exception other than precision
 * writes nothing and does not pop. */
static void x87_store_host(struct cpu *cpu, const struct insn *in, hx_fn fn, unsigned size,
			   bool pop)
{
	struct fpu *f = &cpu->fpu;
	uint8_t buf[16] = { 0 };
	bool empty = st_empty(f, 0);
	struct hx h = { .mem = buf };
	unsigned um;

	if (empty && !(f->fcw & FSW_IE)) {
		stack_fault(f, false);
		return;
	}
	/* A masked underflow stores what the default NaN converts to: the
	 * QNaN, the integer or the BCD indefinite. */
	h.a = empty ? f80_indef : st_get(f, 0);
	hx_run(f, fn, &h);
	um = empty ? 0 : h.sw & ~f->fcw & FSW_EXC;
	if (!(um & ~FSW_PE))
		mem_write_n(cpu, in->seg, insn_ea(cpu, in), buf, size);
	if (empty) {
		stack_fault(f, false);
	} else {
		fpu_raise(f, h.sw & FSW_EXC);
		f->fsw = (uint16_t)((f->fsw & ~FSW_CC) | (h.sw & FSW_CC));
		if (um & ~FSW_PE)
			return;
	}
	if (pop)
		st_pop(f);
}

/* FLD m32fp/m64fp: the common values convert here, the rest on the host. */
static void x87_load_fp(struct cpu *cpu, const struct insn *in, bool dbl)
{
	uint64_t v = mem_read(cpu, in->seg, insn_ea(cpu, in), dbl ? 8 : 4);
	struct f80 x;

	if (f80_from_ieee(v, dbl ? 11 : 8, dbl ? 52 : 23, &x))
		x87_load_exact(&cpu->fpu, x);
	else
		x87_load_host(cpu, dbl ? hx_fldl : hx_flds, &v);
}

/* FST/FSTP m32fp/m64fp: exact values are stored here (C1 = 0: nothing
 * rounded up), the rest on the host. */
static void x87_store_fp(struct cpu *cpu, const struct insn *in, bool dbl, bool pop)
{
	struct fpu *f = &cpu->fpu;
	uint64_t v;

	if (st_empty(f, 0) || !f80_to_ieee(st_get(f, 0), dbl ? 11 : 8, dbl ? 52 : 23, &v)) {
		x87_store_host(cpu, in, dbl ? hx_fstl : hx_fsts, dbl ? 8 : 4, pop);
		return;
	}
	mem_write(cpu, in->seg, insn_ea(cpu, in), dbl ? 8 : 4, v);
	f->fsw &= (uint16_t)~FSW_C1;
	if (pop)
		st_pop(f);
}

/* FSTP m80fp: a bit copy. */
static void x87_store_m80(struct cpu *cpu, const struct insn *in)
{
	struct fpu *f = &cpu->fpu;
	bool empty = st_empty(f, 0);
	uint8_t buf[10];

	if (empty && !(f->fcw & FSW_IE)) {
		stack_fault(f, false);
		return;
	}
	f80_put(buf, empty ? f80_indef : st_get(f, 0));
	mem_write_n(cpu, in->seg, insn_ea(cpu, in), buf, 10);
	if (empty)
		stack_fault(f, false);
	else
		f->fsw &= (uint16_t)~FSW_C1;
	st_pop(f);
}

/* FST/FSTP ST(i): a register copy, which raises nothing for NaNs. */
static void x87_store_reg(struct fpu *f, unsigned i, bool pop)
{
	if (st_empty(f, 0)) {
		if (!stack_fault(f, false))
			return;
		st_set(f, i, f80_indef);
	} else {
		f->fsw &= (uint16_t)~FSW_C1;
		st_set(f, i, st_get(f, 0));
	}
	if (pop)
		st_pop(f);
}

/* FLD ST(i): an empty source and a full stack are one fault, reported as
 * the underflow when both happen (C1 = 0, as hardware does). */
static void x87_fld_reg(struct fpu *f, unsigned i)
{
	bool under = st_empty(f, i);

	if (under || !st_empty(f, 7)) {
		if (stack_fault(f, !under))
			st_push(f, f80_indef);
		return;
	}
	f->fsw &= (uint16_t)~FSW_C1;
	st_push(f, st_get(f, i));
}

/* FXCH: a masked underflow first fills the empty side with the default
 * NaN. */
static void x87_fxch(struct fpu *f, unsigned i)
{
	struct f80 a, b;

	if (st_empty(f, 0) || st_empty(f, i)) {
		if (!stack_fault(f, false))
			return;
		if (st_empty(f, 0))
			st_set(f, 0, f80_indef);
		if (st_empty(f, i))
			st_set(f, i, f80_indef);
	} else {
		f->fsw &= (uint16_t)~FSW_C1;
	}
	a = st_get(f, 0);
	b = st_get(f, i);
	st_set(f, 0, b);
	st_set(f, i, a);
}

/* FCMOVcc: cc is the condition in Jcc numbering. */
static void x87_fcmov(struct cpu *cpu, unsigned cc, unsigned i)
{
	struct fpu *f = &cpu->fpu;

	if (st_empty(f, 0) || st_empty(f, i)) {
		/* Masked, the default NaN lands whatever the condition. */
		if (stack_fault(f, false))
			st_set(f, 0, f80_indef);
		return;
	}
	if (cpu_cond(cpu, cc))
		st_set(f, 0, st_get(f, i));
}

/* FXAM: the class of ST(0) in C3 C2 C0 and its sign in C1, empty or not;
 * no exceptions (SDM vol. 2A, FXAM). */
static void x87_fxam(struct fpu *f)
{
	struct f80 v = st_get(f, 0);
	unsigned e = v.se & 0x7fff, cc;

	if (st_empty(f, 0))
		cc = FSW_C3 | FSW_C0;
	else if (e == 0)
		cc = v.m ? FSW_C3 | FSW_C2 : FSW_C3; /* denormal : zero */
	else if (!(v.m >> 63))
		cc = 0; /* unsupported */
	else if (e == 0x7fff)
		cc = (v.m << 1) ? FSW_C0 : FSW_C2 | FSW_C0; /* NaN : infinity */
	else
		cc = FSW_C2; /* normal */
	if (v.se & 0x8000)
		cc |= FSW_C1;
	f->fsw = (uint16_t)((f->fsw & ~FSW_CC) | cc);
}

/* D9 F0-FF but FDECSTP and FINCSTP: operations on ST(0), or on ST(0) and
 * ST(1), that the host runs on its own ST(0) and ST(1) so its pushes and
 * pops map onto the guest's stack one to one. */
struct d9op {
	hx_fn fn;
	uint8_t nin; /* operands: ST(0), or ST(0) and ST(1) */
	int8_t net;  /* what the stack does when all goes well */
	bool c2;     /* C2 means "incomplete": a stack fault clears it */
};

static const struct d9op d9ops[16] = {
	[0x0] = { hx_f2xm1, 1, 0, false },   [0x1] = { hx_fyl2x, 2, -1, false },
	[0x2] = { hx_fptan, 1, 1, true },    [0x3] = { hx_fpatan, 2, -1, false },
	[0x4] = { hx_fxtract, 1, 1, false }, [0x5] = { hx_fprem1, 2, 0, true },
	[0x8] = { hx_fprem, 2, 0, true },    [0x9] = { hx_fyl2xp1, 2, -1, false },
	[0xa] = { hx_fsqrt, 1, 0, false },   [0xb] = { hx_fsincos, 1, 1, true },
	[0xc] = { hx_frndint, 1, 0, false }, [0xd] = { hx_fscale, 2, 0, false },
	[0xe] = { hx_fsin, 1, 0, true },     [0xf] = { hx_fcos, 1, 0, true },
};

static void x87_d9op(struct fpu *f, const struct d9op *d)
{
	struct hx h = { .mem = NULL };
	bool under = st_empty(f, 0) || (d->nin == 2 && st_empty(f, 1));
	int net;

	if (under || (d->net > 0 && !st_empty(f, 7))) {
		/* A stack fault clears C2 ("reduction complete") too. */
		if (d->c2)
			f->fsw &= (uint16_t)~FSW_C2;
		if (!stack_fault(f, !under))
			return;
		/* Masked: every result is the default NaN. */
		if (d->net < 0)
			st_pop(f);
		st_set(f, 0, f80_indef);
		if (d->net > 0)
			st_push(f, f80_indef);
		return;
	}
	h.a = st_get(f, 0);
	if (d->nin == 2)
		h.b = st_get(f, 1);
	else
		h.b = (struct f80){ 0, 0 };
	hx_run(f, d->fn, &h);
	if (!hx_commit(f, &h, FSW_CC))
		return;
	net = hx_net(&h);
	if (net < 0) {
		st_pop(f);
		st_set(f, 0, h.r0);
	} else if (net == 0) {
		st_set(f, 0, h.r0);
	} else {
		st_set(f, 0, h.r1);
		st_push(f, h.r0);
	}
}

/* ---- control: environment and state images ---- */

/* Real-address and virtual-8086 mode use the real-mode environment
 * layouts, with 20/32-bit linear FIP/FDP (SDM vol. 1, 8.1.10). */
static bool env_real(const struct cpu *cpu)
{
	return !cpu->pe || (cpu->rflags & F_VM);
}

/* FCS and FDS are stored as zero: this CPU deprecates them, as CPUID leaf
 * 7 EBX bit 13 says on current processors (SDM vol. 1, 8.1.8), so nothing
 * needs to track them. */
static unsigned env_store(struct cpu *cpu, uint8_t *b, bool o16)
{
	const struct fpu *f = &cpu->fpu;
	bool real = env_real(cpu);
	uint16_t tw = tags_full(f);
	uint64_t ip = f->fip, dp = f->fdp;

	if (o16) {
		put16(b + 0, f->fcw);
		put16(b + 2, f->fsw);
		put16(b + 4, tw);
		put16(b + 6, ip);
		put16(b + 8, real ? ((ip >> 4) & 0xf000) | (f->fop & 0x7ff) : 0);
		put16(b + 10, dp);
		put16(b + 12, real ? (dp >> 4) & 0xf000 : 0);
		return 14;
	}
	/* The upper halves of the first three doublewords are reserved and
	 * read back as ones on hardware. */
	put32(b + 0, 0xffff0000u | f->fcw);
	put32(b + 4, 0xffff0000u | f->fsw);
	put32(b + 8, 0xffff0000u | tw);
	if (real) {
		put32(b + 12, 0xffff0000u | (ip & 0xffff));
		put32(b + 16, ((ip >> 4) & 0x0ffff000) | (f->fop & 0x7ff));
		put32(b + 20, 0xffff0000u | (dp & 0xffff));
		put32(b + 24, (dp >> 4) & 0x0ffff000);
	} else {
		put32(b + 12, ip);
		put32(b + 16, (uint32_t)(f->fop & 0x7ff) << 16);
		put32(b + 20, dp);
		put32(b + 24, 0xffff0000u);
	}
	return 28;
}

/* Loads an environment; the tag word is returned for tags_load once the
 * registers are in place. */
static uint16_t env_load(struct cpu *cpu, const uint8_t *b, bool o16)
{
	struct fpu *f = &cpu->fpu;
	bool real = env_real(cpu);
	uint16_t tw;

	if (o16) {
		f->fcw = fcw_load(get16(b + 0));
		f->fsw = get16(b + 2);
		tw = get16(b + 4);
		if (real) {
			f->fip = get16(b + 6) | (uint64_t)(get16(b + 8) & 0xf000) << 4;
			f->fop = get16(b + 8) & 0x7ff;
			f->fdp = get16(b + 10) | (uint64_t)(get16(b + 12) & 0xf000) << 4;
		} else {
			/* This layout has no FOP: it reads back as zero. */
			f->fip = get16(b + 6);
			f->fop = 0;
			f->fdp = get16(b + 10);
		}
	} else {
		f->fcw = fcw_load(get16(b + 0));
		f->fsw = get16(b + 4);
		tw = get16(b + 8);
		if (real) {
			f->fip = get16(b + 12) | (uint64_t)(get32(b + 16) & 0x0ffff000) << 4;
			f->fop = get32(b + 16) & 0x7ff;
			f->fdp = get16(b + 20) | (uint64_t)(get32(b + 24) & 0x0ffff000) << 4;
		} else {
			f->fip = get32(b + 12);
			f->fop = (get32(b + 16) >> 16) & 0x7ff;
			f->fdp = get32(b + 20);
		}
	}
	set_top(f, (f->fsw >> 11) & 7);
	fsw_sync_es(f);
	return tw;
}

static void fpu_init(struct fpu *f)
{
	f->fcw = FCW_INIT;
	f->fsw = 0;
	f->top = 0;
	f->ftw = 0xffff;
	f->fop = 0;
	f->fip = f->fdp = 0;
}

/* FNSTENV (save) and FNSAVE (save, registers, then FNINIT). */
static void x87_fnstenv(struct cpu *cpu, const struct insn *in, bool regs)
{
	struct fpu *f = &cpu->fpu;
	uint8_t b[108];
	unsigned n = env_store(cpu, b, in->opsz == 2);

	if (regs) {
		for (unsigned i = 0; i < 8; i++)
			f80_put(b + n + 10 * i, st_get(f, i));
		n += 80;
	}
	mem_write_n(cpu, in->seg, insn_ea(cpu, in), b, n);
	if (regs)
		fpu_init(f);
	else {
		/* FNSTENV masks all exceptions; with nothing unmasked, no
		 * exception is pending any more (ES and B clear). */
		f->fcw |= FSW_EXC;
		f->fsw &= (uint16_t) ~(FSW_ES | (1u << 15));
	}
}

/* FLDENV and FRSTOR. */
static void x87_fldenv(struct cpu *cpu, const struct insn *in, bool regs)
{
	struct fpu *f = &cpu->fpu;
	bool o16 = in->opsz == 2;
	unsigned n = o16 ? 14 : 28;
	uint8_t b[108];
	uint16_t tw;

	mem_read_n(cpu, in->seg, insn_ea(cpu, in), b, n + (regs ? 80 : 0));
	tw = env_load(cpu, b, o16);
	if (regs) {
		for (unsigned i = 0; i < 8; i++)
			reg_set(f, st_phys(f, i), f80_get(b + n + 10 * i));
	}
	tags_load(f, tw);
}

void fpu_wait(struct cpu *cpu)
{
	if ((cpu->fpu.fsw & FSW_ES) && (cpu->cr0 & X86_CR0_NE))
		cpu_exception(cpu, EXC_MF, EXC_NO_ERR);
}

/* A non-control instruction ran: remember where, for FSTENV, FSAVE and
 * FXSAVE and the #MF handler that reads them (SDM vol. 1, 8.1.8-8.1.9).
 * FDP changes only with a memory operand. */
static void fpu_note(struct cpu *cpu, const struct insn *in)
{
	struct fpu *f = &cpu->fpu;
	uint64_t ip = cpu->regs[R_RIP] - in->len;

	f->fop = (uint16_t)(((in->op & 7u) << 8) | in->modrm);
	if (cpu->code64) {
		f->fip = ip;
		if (in->mod != 3)
			f->fdp = insn_ea(cpu, in);
	} else if (env_real(cpu)) {
		f->fip = (cpu->segbase[SEG_CS] + (ip & 0xffffffff)) & 0xffffffff;
		if (in->mod != 3)
			f->fdp = (cpu->segbase[in->seg] + insn_ea(cpu, in)) & 0xffffffff;
	} else {
		f->fip = ip & 0xffffffff;
		if (in->mod != 3)
			f->fdp = insn_ea(cpu, in);
	}
}

/* ---- dispatch ---- */

/* Memory forms; returns false for an encoding that does not exist. */
static bool x87_mem(struct cpu *cpu, const struct insn *in, unsigned op, unsigned sub)
{
	struct fpu *f = &cpu->fpu;
	uint64_t v;
	uint8_t b10[10];

	/* Control instructions: no FIP/FOP update; the FN ones do not wait. */
	switch (op << 3 | sub) {
	case 1 << 3 | 4: /* FLDENV */
		fpu_wait(cpu);
		x87_fldenv(cpu, in, false);
		return true;
	case 1 << 3 | 5: /* FLDCW */
		fpu_wait(cpu);
		f->fcw = fcw_load((uint32_t)mem_read(cpu, in->seg, insn_ea(cpu, in), 2));
		fsw_sync_es(f);
		return true;
	case 1 << 3 | 6: /* FNSTENV */
		x87_fnstenv(cpu, in, false);
		return true;
	case 1 << 3 | 7: /* FNSTCW */
		mem_write(cpu, in->seg, insn_ea(cpu, in), 2, f->fcw);
		return true;
	case 5 << 3 | 4: /* FRSTOR */
		fpu_wait(cpu);
		x87_fldenv(cpu, in, true);
		return true;
	case 5 << 3 | 6: /* FNSAVE */
		x87_fnstenv(cpu, in, true);
		return true;
	case 5 << 3 | 7: /* FNSTSW m16 */
		mem_write(cpu, in->seg, insn_ea(cpu, in), 2, f->fsw);
		return true;
	case 1 << 3 | 1:
	case 3 << 3 | 4:
	case 3 << 3 | 6:
	case 5 << 3 | 5:
		return false;
	}

	fpu_wait(cpu);
	switch (op << 3 | sub) {
	case 1 << 3 | 0: /* FLD m32fp */
		x87_load_fp(cpu, in, false);
		break;
	case 1 << 3 | 2: /* FST m32fp */
	case 1 << 3 | 3: /* FSTP m32fp */
		x87_store_fp(cpu, in, false, sub == 3);
		break;
	case 3 << 3 | 0: /* FILD m32int */
		v = mem_read(cpu, in->seg, insn_ea(cpu, in), 4);
		x87_load_exact(f, f80_from_int((int32_t)v));
		break;
	case 3 << 3 | 1: /* FISTTP m32int */
		x87_store_host(cpu, in, hx_fisttpl, 4, true);
		break;
	case 3 << 3 | 2: /* FIST m32int */
	case 3 << 3 | 3: /* FISTP m32int */
		x87_store_host(cpu, in, hx_fistl, 4, sub == 3);
		break;
	case 3 << 3 | 5: /* FLD m80fp */
		mem_read_n(cpu, in->seg, insn_ea(cpu, in), b10, 10);
		x87_load_exact(f, f80_get(b10));
		break;
	case 3 << 3 | 7: /* FSTP m80fp */
		x87_store_m80(cpu, in);
		break;
	case 5 << 3 | 0: /* FLD m64fp */
		x87_load_fp(cpu, in, true);
		break;
	case 5 << 3 | 1: /* FISTTP m64int */
		x87_store_host(cpu, in, hx_fisttpll, 8, true);
		break;
	case 5 << 3 | 2: /* FST m64fp */
	case 5 << 3 | 3: /* FSTP m64fp */
		x87_store_fp(cpu, in, true, sub == 3);
		break;
	case 7 << 3 | 0: /* FILD m16int */
		v = mem_read(cpu, in->seg, insn_ea(cpu, in), 2);
		x87_load_exact(f, f80_from_int((int16_t)v));
		break;
	case 7 << 3 | 1: /* FISTTP m16int */
		x87_store_host(cpu, in, hx_fisttps, 2, true);
		break;
	case 7 << 3 | 2: /* FIST m16int */
	case 7 << 3 | 3: /* FISTP m16int */
		x87_store_host(cpu, in, hx_fists, 2, sub == 3);
		break;
	case 7 << 3 | 4: /* FBLD m80bcd */
		mem_read_n(cpu, in->seg, insn_ea(cpu, in), b10, 10);
		x87_load_host(cpu, hx_fbld, b10);
		break;
	case 7 << 3 | 5: /* FILD m64int */
		v = mem_read(cpu, in->seg, insn_ea(cpu, in), 8);
		x87_load_exact(f, f80_from_int((int64_t)v));
		break;
	case 7 << 3 | 6: /* FBSTP m80bcd */
		x87_store_host(cpu, in, hx_fbstp, 10, true);
		break;
	case 7 << 3 | 7: /* FISTP m64int */
		x87_store_host(cpu, in, hx_fistpll, 8, true);
		break;
	default: /* D8 DA DC DE: arithmetic and compares */
		x87_arith_mem(cpu, in, op, sub);
		break;
	}
	fpu_note(cpu, in);
	return true;
}

/* D9 with ModRM C0-FF (the #UD ones already weeded out). */
static void x87_d9(struct cpu *cpu, unsigned modrm)
{
	static const hx_fn consts[7] = { hx_fld1,   hx_fldl2t, hx_fldl2e, hx_fldpi,
					 hx_fldlg2, hx_fldln2, hx_fldz };
	struct fpu *f = &cpu->fpu;
	unsigned i = modrm & 7;
	struct hx h = { .mem = NULL };

	switch (modrm >> 3 & 7) {
	case 0: /* FLD ST(i) */
		x87_fld_reg(f, i);
		return;
	case 1: /* FXCH ST(i) */
		x87_fxch(f, i);
		return;
	case 2: /* FNOP */
		return;
	case 3: /* FSTP1: FSTP ST(i), but an empty ST(0) just pops (AMD) */
		if (st_empty(f, 0)) {
			f->fsw &= (uint16_t)~FSW_C1;
			st_pop(f);
		} else {
			x87_store_reg(f, i, true);
		}
		return;
	}
	switch (modrm) {
	case 0xe0: /* FCHS */
	case 0xe1: /* FABS */
		if (st_empty(f, 0)) {
			if (stack_fault(f, false))
				st_set(f, 0, f80_indef);
		} else {
			struct f80 v = st_get(f, 0);

			v.se = modrm == 0xe0 ? v.se ^ 0x8000 : v.se & 0x7fff;
			f->fsw &= (uint16_t)~FSW_C1;
			st_set(f, 0, v);
		}
		return;
	case 0xe4: /* FTST */
		x87_compare(cpu, hx_ftst, &h, 8, 0, false);
		return;
	case 0xe5: /* FXAM */
		x87_fxam(f);
		return;
	case 0xe8: /* FLD1 FLDL2T FLDL2E FLDPI FLDLG2 FLDLN2 FLDZ, rounded by RC */
	case 0xe9:
	case 0xea:
	case 0xeb:
	case 0xec:
	case 0xed:
	case 0xee:
		if (push_ok(f)) {
			hx_run(f, consts[modrm - 0xe8], &h);
			if (hx_commit(f, &h, FSW_CC))
				st_push(f, h.r0);
		}
		return;
	case 0xf6: /* FDECSTP */
	case 0xf7: /* FINCSTP */
		f->fsw &= (uint16_t)~FSW_C1;
		set_top(f, f->top + (modrm == 0xf6 ? 7u : 1u));
		return;
	}
	x87_d9op(f, &d9ops[modrm & 0xf]);
}

/* Register forms; returns false for an encoding that does not exist.
 * Aliases real processors execute (DC D0, DD C8, DE D0, DF C0-DF...) are
 * implemented, as they are not #UD on hardware. */
static bool x87_reg(struct cpu *cpu, const struct insn *in, unsigned op, unsigned modrm)
{
	/* FCMOVB FCMOVE FCMOVBE FCMOVU; DB: the negations (Jcc numbering). */
	static const uint8_t fcmov_cc[4] = { 0x2, 0x4, 0x6, 0xa };
	struct fpu *f = &cpu->fpu;
	unsigned sub = modrm >> 3 & 7, i = modrm & 7;
	struct hx h = { .mem = NULL };

	/* Control instructions: no wait, no FIP/FOP update. */
	if (op == 3 && modrm >= 0xe0 && modrm <= 0xe4) {
		if (modrm == 0xe2) /* FNCLEX */
			f->fsw &= (uint16_t) ~(FSW_EXC | FSW_SF | FSW_ES | FSW_B);
		else if (modrm == 0xe3) /* FNINIT */
			fpu_init(f);
		/* E0 FNENI, E1 FNDISI, E4 FNSETPM: no-ops since the 80387. */
		return true;
	}
	if (op == 7 && modrm == 0xe0) { /* FNSTSW AX */
		set_reg(cpu, R_AX, 2, f->fsw);
		return true;
	}

	/* Encodings that #UD, before anything else happens. */
	switch (op) {
	case 1:
		if ((modrm >= 0xd1 && modrm <= 0xd7) || modrm == 0xe2 || modrm == 0xe3 ||
		    modrm == 0xe6 || modrm == 0xe7 || modrm == 0xef)
			return false;
		break;
	case 2:
		if (modrm >= 0xe0 && modrm != 0xe9)
			return false;
		break;
	case 3:
		if (modrm >= 0xe0 && modrm < 0xe8)
			return false;
		if (modrm >= 0xf8)
			return false;
		break;
	case 5:
		if (modrm >= 0xf0)
			return false;
		break;
	case 6:
		if (sub == 3 && modrm != 0xd9)
			return false;
		break;
	case 7:
		if (sub == 4 || sub == 7)
			return false;
		break;
	}

	fpu_wait(cpu);
	switch (op) {
	case 0: /* D8 */
		if (sub == 2 || sub == 3)
			x87_compare(cpu, hx_d8_2, &h, i, sub == 3, false);
		else
			x87_arith_reg(cpu, 0, sub, i);
		break;
	case 1:
		x87_d9(cpu, modrm);
		break;
	case 2:                    /* DA */
		if (modrm == 0xe9) /* FUCOMPP */
			x87_compare(cpu, hx_fucom, &h, 1, 2, false);
		else
			x87_fcmov(cpu, fcmov_cc[sub], i);
		break;
	case 3: /* DB */
		if (sub < 4)
			x87_fcmov(cpu, fcmov_cc[sub] ^ 1u, i);
		else /* E8 FUCOMI, F0 FCOMI */
			x87_compare(cpu, sub == 5 ? hx_fucomi : hx_fcomi, &h, i, 0, true);
		break;
	case 4:                           /* DC */
	case 6:                           /* DE */
		if (sub == 2 || sub == 3) /* FCOM/FCOMP aliases, DE D9 FCOMPP */
			x87_compare(cpu, hx_d8_2, &h, i,
				    op == 6 && modrm == 0xd9 ? 2 : op == 6 || sub == 3, false);
		else
			x87_arith_reg(cpu, op, sub, i);
		break;
	case 5: /* DD */
		switch (sub) {
		case 0: /* FFREE */
			f->fsw &= (uint16_t)~FSW_C1;
			f->ftw |= (uint16_t)(TAG_EMPTY << (2 * st_phys(f, i)));
			break;
		case 1: /* FXCH alias */
			x87_fxch(f, i);
			break;
		case 2: /* FST ST(i) */
		case 3: /* FSTP ST(i) */
			x87_store_reg(f, i, sub == 3);
			break;
		case 4: /* FUCOM */
		case 5: /* FUCOMP */
			x87_compare(cpu, hx_fucom, &h, i, sub == 5, false);
			break;
		}
		break;
	case 7: /* DF */
		switch (sub) {
		case 0: /* FFREEP (AMD documents it; Intel runs it too) */
			f->fsw &= (uint16_t)~FSW_C1;
			f->ftw |= (uint16_t)(TAG_EMPTY << (2 * st_phys(f, i)));
			st_pop(f);
			break;
		case 1: /* FXCH alias */
			x87_fxch(f, i);
			break;
		case 2: /* FSTP aliases */
		case 3:
			x87_store_reg(f, i, true);
			break;
		case 5: /* FUCOMIP */
		case 6: /* FCOMIP */
			x87_compare(cpu, sub == 5 ? hx_fucomi : hx_fcomi, &h, i, 1, true);
			break;
		}
		break;
	}
	fpu_note(cpu, in);
	return true;
}

void op_x87(struct cpu *cpu, const struct insn *in)
{
	unsigned op = in->op & 7, sub = in->modrm >> 3 & 7;
	bool ok;

	if (cpu->cr0 & (CR0_EM | CR0_TS))
		cpu_exception(cpu, EXC_NM, EXC_NO_ERR);
	if (in->mod != 3)
		ok = x87_mem(cpu, in, op, sub);
	else
		ok = x87_reg(cpu, in, op, in->modrm);
	if (!ok)
		cpu_ud(cpu);
}

/* ---- reset and the FXSAVE image ---- */

void fpu_reset(struct cpu *cpu)
{
	fpu_init(&cpu->fpu);
	cpu->mxcsr = 0x1f80;
	memset(cpu->xmm, 0, sizeof(cpu->xmm));
}

/* The legacy 512-byte area (SDM vol. 1, table 10-2; vol. 2A, FXSAVE).
 * Bytes 416-511 are left alone, as are XMM8-15's outside 64-bit mode. */
void fpu_fxsave(struct cpu *cpu, uint8_t *area, bool rex_w)
{
	const struct fpu *f = &cpu->fpu;
	unsigned ftw = 0, nxmm = cpu->code64 ? 16 : 8;

	for (unsigned p = 0; p < 8; p++)
		if (((f->ftw >> (2 * p)) & 3) != TAG_EMPTY)
			ftw |= 1u << p;
	put16(area + 0, f->fcw);
	put16(area + 2, f->fsw);
	area[4] = (uint8_t)ftw;
	area[5] = 0;
	put16(area + 6, f->fop & 0x7ff);
	if (rex_w) {
		memcpy(area + 8, &f->fip, 8);
		memcpy(area + 16, &f->fdp, 8);
	} else {
		/* FCS and FDS deprecated: zero (see env_store). */
		put32(area + 8, f->fip);
		put32(area + 12, 0);
		put32(area + 16, f->fdp);
		put32(area + 20, 0);
	}
	put32(area + 24, cpu->mxcsr);
	put32(area + 28, sse_mxcsr_mask());
	for (unsigned i = 0; i < 8; i++) {
		memset(area + 32 + 16 * i, 0, 16);
		f80_put(area + 32 + 16 * i, st_get(f, i));
	}
	for (unsigned i = 0; i < nxmm; i++)
		memcpy(area + 160 + 16 * i, &cpu->xmm[i], 16);
}

bool fpu_fxrstor(struct cpu *cpu, const uint8_t *area, bool rex_w)
{
	struct fpu *f = &cpu->fpu;
	uint32_t mxcsr = get32(area + 24);
	unsigned nxmm = cpu->code64 ? 16 : 8, tw = 0;

	if (mxcsr & ~sse_mxcsr_mask())
		return false;
	f->fcw = fcw_load(get16(area + 0));
	f->fsw = get16(area + 2);
	set_top(f, (f->fsw >> 11) & 7);
	fsw_sync_es(f);
	f->fop = get16(area + 6) & 0x7ff;
	if (rex_w) {
		memcpy(&f->fip, area + 8, 8);
		memcpy(&f->fdp, area + 16, 8);
	} else {
		f->fip = get32(area + 8);
		f->fdp = get32(area + 16);
	}
	for (unsigned i = 0; i < 8; i++)
		reg_set(f, st_phys(f, i), f80_get(area + 32 + 16 * i));
	/* The abridged tag: one bit per physical register, 1 = not empty. */
	for (unsigned p = 0; p < 8; p++)
		if (!(area[4] & (1u << p)))
			tw |= TAG_EMPTY << (2 * p);
	tags_load(f, (uint16_t)tw);
	cpu->mxcsr = mxcsr;
	for (unsigned i = 0; i < nxmm; i++)
		memcpy(&cpu->xmm[i], area + 160 + 16 * i, 16);
	return true;
}
