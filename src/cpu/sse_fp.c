/* sse_fp.c - SSE/SSE2 floating point, computed by the host CPU so results
 * and MXCSR flags are bit-exact: each operation runs as the same host
 * instruction under the guest's rounding, FTZ and DAZ with every
 * exception masked; the flags it raises then decide what the guest sees
 * (SDM vol. 1, 11.5). */
#include "cpu/sse.h"

#include <emmintrin.h>
#include <stdatomic.h>

#if !defined(__x86_64__)
#error "the software CPU computes SSE floating point with the host's SSE: x86-64 hosts only"
#endif

/* ---- running one host instruction ---- */

/* A host operation: d = op(d, s) under MXCSR csr; returns the exception
 * flags raised. Conversions to an integer leave it in d->q[0], those from
 * one take it from s->q[0]; COMISS and friends leave EFLAGS in d->q[0]. */
typedef unsigned (*host_fn)(union xmm *d, const union xmm *s, uint32_t csr, unsigned imm);

/* The host MXCSR is saved and restored inside the same asm statement, so
 * no compiler-generated floating point ever runs under the guest's. */
#define HOST_IN    "stmxcsr %[save]\n\tldmxcsr %[csr]\n\t"
#define HOST_OUT   "\n\tstmxcsr %[csr]\n\tldmxcsr %[save]"
#define HOST_MXCSR [csr] "+m"(csr), [save] "=m"(save)

/* text works on %[a] (in/out) and %[b] */
#define HOST_VEC(name, text)                                                                       \
	static unsigned name(union xmm *d, const union xmm *s, uint32_t csr, unsigned imm)         \
	{                                                                                          \
		__m128i a, b;                                                                      \
		uint32_t save;                                                                     \
		(void)imm;                                                                         \
		memcpy(&a, d, 16);                                                                 \
		memcpy(&b, s, 16);                                                                 \
		__asm__ volatile(HOST_IN text HOST_OUT : [a] "+x"(a), HOST_MXCSR : [b] "x"(b));    \
		memcpy(d, &a, 16);                                                                 \
		return csr & MXCSR_FLAGS;                                                          \
	}

/* text compares %[a] with %[b]; ZF, PF and CF are read right after it */
#define HOST_COMI(name, text)                                                                      \
	static unsigned name(union xmm *d, const union xmm *s, uint32_t csr, unsigned imm)         \
	{                                                                                          \
		__m128i a, b;                                                                      \
		uint32_t save;                                                                     \
		uint8_t z, p, c;                                                                   \
		(void)imm;                                                                         \
		memcpy(&a, d, 16);                                                                 \
		memcpy(&b, s, 16);                                                                 \
		__asm__ volatile(HOST_IN text "\n\tsetz %[z]\n\tsetp %[p]\n\tsetc %[c]" HOST_OUT   \
				 : [z] "=&q"(z), [p] "=&q"(p), [c] "=&q"(c), HOST_MXCSR            \
				 : [a] "x"(a), [b] "x"(b)                                          \
				 : "cc");                                                          \
		d->q[0] = (z ? F_ZF : 0) | (p ? F_PF : 0) | (c ? F_CF : 0);                        \
		return csr & MXCSR_FLAGS;                                                          \
	}

/* text converts %[b] into the general register %[r] of type T */
#define HOST_TO_INT(name, text, T)                                                                 \
	static unsigned name(union xmm *d, const union xmm *s, uint32_t csr, unsigned imm)         \
	{                                                                                          \
		__m128i b;                                                                         \
		uint32_t save;                                                                     \
		T r;                                                                               \
		(void)imm;                                                                         \
		memcpy(&b, s, 16);                                                                 \
		__asm__ volatile(HOST_IN text HOST_OUT : [r] "=&r"(r), HOST_MXCSR : [b] "x"(b));   \
		d->q[0] = r;                                                                       \
		return csr & MXCSR_FLAGS;                                                          \
	}

/* text converts the general register %[g] of type T into %[a] */
#define HOST_FROM_INT(name, text, T)                                                               \
	static unsigned name(union xmm *d, const union xmm *s, uint32_t csr, unsigned imm)         \
	{                                                                                          \
		__m128i a;                                                                         \
		uint32_t save;                                                                     \
		T g = (T)s->q[0];                                                                  \
		(void)imm;                                                                         \
		memcpy(&a, d, 16);                                                                 \
		__asm__ volatile(HOST_IN text HOST_OUT : [a] "+x"(a), HOST_MXCSR : [g] "r"(g));    \
		memcpy(d, &a, 16);                                                                 \
		return csr & MXCSR_FLAGS;                                                          \
	}

/* add sub mul div min max sqrt in the four shapes */
#define HOST_ARITH(op)                                                                             \
	HOST_VEC(h_##op##ps, #op "ps %[b], %[a]")                                                  \
	HOST_VEC(h_##op##pd, #op "pd %[b], %[a]")                                                  \
	HOST_VEC(h_##op##ss, #op "ss %[b], %[a]")                                                  \
	HOST_VEC(h_##op##sd, #op "sd %[b], %[a]")

HOST_ARITH(add)
HOST_ARITH(sub)
HOST_ARITH(mul)
HOST_ARITH(div)
HOST_ARITH(min)
HOST_ARITH(max)
HOST_ARITH(sqrt)
/* The approximations differ between CPU models: only the host's match. */
HOST_VEC(h_rcpps, "rcpps %[b], %[a]")
HOST_VEC(h_rcpss, "rcpss %[b], %[a]")
HOST_VEC(h_rsqrtps, "rsqrtps %[b], %[a]")
HOST_VEC(h_rsqrtss, "rsqrtss %[b], %[a]")

HOST_VEC(h_cvtps2pd, "cvtps2pd %[b], %[a]")
HOST_VEC(h_cvtpd2ps, "cvtpd2ps %[b], %[a]")
HOST_VEC(h_cvtss2sd, "cvtss2sd %[b], %[a]")
HOST_VEC(h_cvtsd2ss, "cvtsd2ss %[b], %[a]")
HOST_VEC(h_cvtdq2ps, "cvtdq2ps %[b], %[a]")
HOST_VEC(h_cvtps2dq, "cvtps2dq %[b], %[a]")
HOST_VEC(h_cvttps2dq, "cvttps2dq %[b], %[a]")
HOST_VEC(h_cvtdq2pd, "cvtdq2pd %[b], %[a]")
HOST_VEC(h_cvtpd2dq, "cvtpd2dq %[b], %[a]")
HOST_VEC(h_cvttpd2dq, "cvttpd2dq %[b], %[a]")

HOST_COMI(h_comiss, "comiss %[b], %[a]")
HOST_COMI(h_comisd, "comisd %[b], %[a]")
HOST_COMI(h_ucomiss, "ucomiss %[b], %[a]")
HOST_COMI(h_ucomisd, "ucomisd %[b], %[a]")

HOST_TO_INT(h_cvtss2si32, "cvtss2si %[b], %[r]", uint32_t)
HOST_TO_INT(h_cvtss2si64, "cvtss2si %[b], %[r]", uint64_t)
HOST_TO_INT(h_cvtsd2si32, "cvtsd2si %[b], %[r]", uint32_t)
HOST_TO_INT(h_cvtsd2si64, "cvtsd2si %[b], %[r]", uint64_t)
HOST_TO_INT(h_cvttss2si32, "cvttss2si %[b], %[r]", uint32_t)
HOST_TO_INT(h_cvttss2si64, "cvttss2si %[b], %[r]", uint64_t)
HOST_TO_INT(h_cvttsd2si32, "cvttsd2si %[b], %[r]", uint32_t)
HOST_TO_INT(h_cvttsd2si64, "cvttsd2si %[b], %[r]", uint64_t)

HOST_FROM_INT(h_cvtsi2ss32, "cvtsi2ssl %[g], %[a]", uint32_t)
HOST_FROM_INT(h_cvtsi2ss64, "cvtsi2ssq %[g], %[a]", uint64_t)
HOST_FROM_INT(h_cvtsi2sd32, "cvtsi2sdl %[g], %[a]", uint32_t)
HOST_FROM_INT(h_cvtsi2sd64, "cvtsi2sdq %[g], %[a]", uint64_t)

/* CMPPS and friends: the legacy encoding uses imm8[2:0] only. The
 * predicate is part of the instruction, hence one host function each. */
#define HOST_CMP(sfx)                                                                              \
	HOST_VEC(h_cmpeq##sfx, "cmpeq" #sfx " %[b], %[a]")                                         \
	HOST_VEC(h_cmplt##sfx, "cmplt" #sfx " %[b], %[a]")                                         \
	HOST_VEC(h_cmple##sfx, "cmple" #sfx " %[b], %[a]")                                         \
	HOST_VEC(h_cmpunord##sfx, "cmpunord" #sfx " %[b], %[a]")                                   \
	HOST_VEC(h_cmpneq##sfx, "cmpneq" #sfx " %[b], %[a]")                                       \
	HOST_VEC(h_cmpnlt##sfx, "cmpnlt" #sfx " %[b], %[a]")                                       \
	HOST_VEC(h_cmpnle##sfx, "cmpnle" #sfx " %[b], %[a]")                                       \
	HOST_VEC(h_cmpord##sfx, "cmpord" #sfx " %[b], %[a]")                                       \
	static unsigned h_cmp##sfx(union xmm *d, const union xmm *s, uint32_t csr, unsigned imm)   \
	{                                                                                          \
		static const host_fn pred[8] = {                                                   \
			h_cmpeq##sfx,  h_cmplt##sfx,  h_cmple##sfx,  h_cmpunord##sfx,              \
			h_cmpneq##sfx, h_cmpnlt##sfx, h_cmpnle##sfx, h_cmpord##sfx,                \
		};                                                                                 \
		return pred[imm & 7](d, s, csr, 0);                                                \
	}

HOST_CMP(ps)
HOST_CMP(pd)
HOST_CMP(ss)
HOST_CMP(sd)

/* The MMX conversions have no host form we may use (MMX registers are
 * x87 state), so they run as their XMM counterparts on a 64-bit half. The
 * zeroed other half converts exactly and raises nothing. */
static unsigned h_cvtpi2ps(union xmm *d, const union xmm *s, uint32_t csr, unsigned imm)
{
	union xmm t = { .q = { s->q[0], 0 } };
	unsigned f = h_cvtdq2ps(&t, &t, csr, imm);

	d->q[0] = t.q[0];
	return f;
}

static unsigned h_cvtps2pi(union xmm *d, const union xmm *s, uint32_t csr, unsigned imm)
{
	union xmm t = { .q = { s->q[0], 0 } };

	return h_cvtps2dq(d, &t, csr, imm);
}

static unsigned h_cvttps2pi(union xmm *d, const union xmm *s, uint32_t csr, unsigned imm)
{
	union xmm t = { .q = { s->q[0], 0 } };

	return h_cvttps2dq(d, &t, csr, imm);
}

/* ---- MXCSR ---- */

static _Atomic uint32_t mxcsr_mask_cache;

/* What the host's FXSAVE reports, restricted to the bits we model (AMD
 * adds MM, bit 17, which we do not). */
uint32_t sse_mxcsr_mask(void)
{
	uint32_t m = atomic_load_explicit(&mxcsr_mask_cache, memory_order_relaxed);

	if (!m) {
		_Alignas(16) uint8_t area[512] = { 0 };

		__asm__ volatile("fxsave %0" : "=m"(area));
		memcpy(&m, area + 28, sizeof(m));
		m = m ? m & 0xffff : 0xffbf; /* 0: a CPU from before DAZ */
		atomic_store_explicit(&mxcsr_mask_cache, m, memory_order_relaxed);
	}
	return m;
}

/* The host MXCSR for a guest operation: its rounding, FTZ and DAZ, all
 * exceptions masked, no flags, so the flags afterwards are this
 * operation's. */
static uint32_t host_csr(const struct cpu *cpu)
{
	return (cpu->mxcsr & (MXCSR_RC | MXCSR_FZ | MXCSR_DAZ) & sse_mxcsr_mask()) | MXCSR_MASKS;
}

/* ---- unmasked overflow and underflow ---- */

/* The masked run answers for masked responses only. Unmasked, underflow
 * is reported for every tiny result, exact or not, and with an unmasked
 * overflow or underflow PE means the result rounded to the destination
 * precision with an unbounded exponent was inexact (SDM vol. 1, 4.9.1.5
 * and 11.5.2.4-5). Only these instructions overflow or underflow; for
 * them the flags are worked out element by element. */
enum { X_ADD, X_SUB, X_MUL, X_DIV, X_CVT };

struct post {
	host_fn scalar; /* the same operation on element 0 */
	uint8_t xop;    /* X_* */
	uint8_t esize;  /* bytes of a source element */
	uint8_t count;  /* elements */
	uint8_t prec;   /* result significand bits: 24 or 53 */
};

#define POST(name, fn, xop, esize, count, prec)                                                    \
	static const struct post name = { fn, xop, esize, count, prec }
#define POST4(op, xop)                                                                             \
	POST(p_##op##ps, h_##op##ss, xop, 4, 4, 24);                                               \
	POST(p_##op##pd, h_##op##sd, xop, 8, 2, 53);                                               \
	POST(p_##op##ss, h_##op##ss, xop, 4, 1, 24);                                               \
	POST(p_##op##sd, h_##op##sd, xop, 8, 1, 53)

POST4(add, X_ADD);
POST4(sub, X_SUB);
POST4(mul, X_MUL);
POST4(div, X_DIV);
POST(p_cvtpd2ps, h_cvtsd2ss, X_CVT, 8, 2, 24);
POST(p_cvtsd2ss, h_cvtsd2ss, X_CVT, 8, 1, 24);

/* Element i as a double (exact), a denormal read as zero under DAZ. */
static double elem(const union xmm *v, unsigned i, unsigned esize, uint32_t csr)
{
	if (esize == 4) {
		uint32_t bits = v->d[i];

		if ((csr & MXCSR_DAZ) && !(bits & 0x7f800000))
			bits &= 0x80000000;
		return (double)(union xmm){ .d = { bits } }.f[0];
	}
	uint64_t bits = v->q[i];

	if ((csr & MXCSR_DAZ) && !(bits & 0x7ff0000000000000ULL))
		bits &= 1ULL << 63;
	return (union xmm){ .q = { bits } }.fd[0];
}

/* a op b on the x87: its 64-bit significand and wide exponent never
 * overflow or underflow here; sw gets its status word (PE: inexact). */
#define X87_OP(text)                                                                               \
	__asm__ volatile("fnstcw %[save]\n\tfldcw %[cw]\n\tfnclex\n\tfldl %[a]\n\t" text           \
			 " %[b]\n\tfnstsw %[sw]\n\tfstpt %[r]\n\tfnclex\n\tfldcw %[save]"          \
			 : [r] "=m"(r), [sw] "=m"(sw), [save] "=m"(save)                           \
			 : [a] "m"(a), [b] "m"(b), [cw] "m"(cw))

/* Whether a op b rounded to prec bits with an unbounded exponent is
 * inexact: either the x87 already rounded it, or its significand has
 * bits below the prec-th. */
static bool inexact_unbounded(unsigned xop, double a, double b, unsigned prec)
{
	const uint16_t cw = 0x37f; /* 64-bit precision, to nearest, masked */
	uint16_t sw = 0, save;
	long double r = a;
	uint64_t sig;

	switch (xop) {
	case X_ADD:
		X87_OP("faddl");
		break;
	case X_SUB:
		X87_OP("fsubl");
		break;
	case X_MUL:
		X87_OP("fmull");
		break;
	case X_DIV:
		X87_OP("fdivl");
		break;
	default:
		break; /* X_CVT: a itself, exact */
	}
	memcpy(&sig, &r, sizeof(sig));
	return (sw & 0x20) || (sig & ((1ULL << (64 - prec)) - 1));
}

/* OE, UE and PE as the guest, with some of OE and UE unmasked, sees them. */
static unsigned post_flags(const struct post *p, const union xmm *d, const union xmm *s,
			   uint32_t csr, unsigned unmasked)
{
	unsigned flags = 0;

	for (unsigned i = 0; i < p->count; i++) {
		union xmm ed = { 0 }, es = { 0 }, t;
		unsigned f, tiny, e;

		memcpy(&ed, d->b + i * p->esize, p->esize);
		memcpy(&es, s->b + i * p->esize, p->esize);
		t = ed;
		f = p->scalar(&t, &es, csr, 0);
		if (f & (MXCSR_IE | MXCSR_ZE))
			continue; /* a NaN or infinity: nothing after the computation */
		/* Under FTZ the host flags every tiny result, exact or not. */
		t = ed;
		tiny = p->scalar(&t, &es, csr | MXCSR_FZ, 0) & MXCSR_UE;
		e = f & (MXCSR_OE | MXCSR_UE | MXCSR_PE);
		if ((tiny && (unmasked & MXCSR_UE)) || ((f & MXCSR_OE) && (unmasked & MXCSR_OE))) {
			double a = p->xop == X_CVT ? elem(&es, 0, p->esize, csr)
						   : elem(&ed, 0, p->esize, csr);
			double b = elem(&es, 0, p->esize, csr);

			e = (tiny ? MXCSR_UE : MXCSR_OE) |
			    (inexact_unbounded(p->xop, a, b, p->prec) ? MXCSR_PE : 0);
		}
		flags |= e;
	}
	return flags;
}

/* ---- running an operation for the guest ---- */

/* Run fn for the guest: d gets the result, or, if an unmasked exception
 * occurs, d stays as it was and #XM (or #UD) is raised. post: how the
 * operation overflows or underflows, if it can. */
static void fp_run(struct cpu *cpu, host_fn fn, const struct post *post, union xmm *d,
		   const union xmm *s, unsigned imm)
{
	const unsigned pre = MXCSR_IE | MXCSR_DE | MXCSR_ZE;
	const unsigned unmasked = ~(cpu->mxcsr >> 7) & MXCSR_FLAGS;
	uint32_t csr = host_csr(cpu);
	union xmm r = *d;
	unsigned raised = fn(&r, s, csr, imm);

	/* An unmasked underflow can hide behind no flag at all (exact). */
	if (likely(!(raised & unmasked) && !(post && (unmasked & MXCSR_UE)))) {
		cpu->mxcsr |= raised;
		*d = r;
		return;
	}
	if (raised & unmasked & pre) {
		/* Pre-computation faults stop the instruction before the
		 * computation that would raise OE, UE or PE. */
		cpu->mxcsr |= raised & pre;
		sse_simd_fault(cpu);
	}
	if (post && (unmasked & (MXCSR_OE | MXCSR_UE)))
		raised = (raised & pre) | post_flags(post, d, s, csr, unmasked);
	cpu->mxcsr |= raised;
	if (raised & unmasked)
		sse_simd_fault(cpu);
	*d = r;
}

/* ---- instructions ---- */

enum {
	K_VEC,      /* xmm = op(xmm, xmm/m) */
	K_COMI,     /* EFLAGS = op(xmm, xmm/m) */
	K_TO_INT,   /* r32/r64 = op(xmm/m) */
	K_FROM_INT, /* xmm = op(xmm, r/m32 or r/m64) */
	K_FROM_MM,  /* xmm = op(xmm, mm/m64) */
	K_TO_MM,    /* mm = op(xmm/m) */
};

struct fpop {
	host_fn fn, fn64;        /* fn64: the REX.W form of integer conversions */
	const struct post *post; /* for those that overflow or underflow */
	uint8_t kind;
	uint8_t size; /* bytes of a memory operand */
	bool align;   /* a 128-bit operand: 16-byte alignment required */
};

/* clang-format off */
#define PACKED(fn)         { fn, 0, 0, K_VEC, 16, true }
#define SCALAR(fn, size)   { fn, 0, 0, K_VEC, size, false }
#define PACKED_P(fn)       { h_##fn, 0, &p_##fn, K_VEC, 16, true }
#define SCALAR_P(fn, size) { h_##fn, 0, &p_##fn, K_VEC, size, false }
#define COMI(fn, size)     { fn, 0, 0, K_COMI, size, false }
#define TO_INT(fn, size)   { fn##32, fn##64, 0, K_TO_INT, size, false }
#define FROM_INT(fn)       { fn##32, fn##64, 0, K_FROM_INT, 0, false }
#define FROM_MM(fn)        { fn, 0, 0, K_FROM_MM, 8, false }
#define TO_MM(fn, size)    { fn, 0, 0, K_TO_MM, size, size == 16 }
#define NONE               { 0 }
#define ARITH(op)   { PACKED(h_##op##ps), PACKED(h_##op##pd), \
		      SCALAR(h_##op##ss, 4), SCALAR(h_##op##sd, 8) }
#define ARITH_P(op) { PACKED_P(op##ps), PACKED_P(op##pd), \
		      SCALAR_P(op##ss, 4), SCALAR_P(op##sd, 8) }

/* By opcode and column (none, 66, F3, F2); sse.c routes exactly these
 * entries here. */
static const struct fpop fp_ops[256][4] = {
	/* cvtpi2ps cvtpi2pd cvtsi2ss cvtsi2sd */
	[0x2a] = { FROM_MM(h_cvtpi2ps), FROM_MM(h_cvtdq2pd),
		   FROM_INT(h_cvtsi2ss), FROM_INT(h_cvtsi2sd) },
	/* cvttps2pi cvttpd2pi cvttss2si cvttsd2si */
	[0x2c] = { TO_MM(h_cvttps2pi, 8), TO_MM(h_cvttpd2dq, 16),
		   TO_INT(h_cvttss2si, 4), TO_INT(h_cvttsd2si, 8) },
	/* cvtps2pi cvtpd2pi cvtss2si cvtsd2si */
	[0x2d] = { TO_MM(h_cvtps2pi, 8), TO_MM(h_cvtpd2dq, 16),
		   TO_INT(h_cvtss2si, 4), TO_INT(h_cvtsd2si, 8) },
	[0x2e] = { COMI(h_ucomiss, 4), COMI(h_ucomisd, 8) },
	[0x2f] = { COMI(h_comiss, 4), COMI(h_comisd, 8) },
	[0x51] = ARITH(sqrt),
	[0x52] = { PACKED(h_rsqrtps), NONE, SCALAR(h_rsqrtss, 4) },
	[0x53] = { PACKED(h_rcpps), NONE, SCALAR(h_rcpss, 4) },
	[0x58] = ARITH_P(add),
	[0x59] = ARITH_P(mul),
	/* cvtps2pd (m64) cvtpd2ps cvtss2sd cvtsd2ss */
	[0x5a] = { SCALAR(h_cvtps2pd, 8), PACKED_P(cvtpd2ps),
		   SCALAR(h_cvtss2sd, 4), SCALAR_P(cvtsd2ss, 8) },
	[0x5b] = { PACKED(h_cvtdq2ps), PACKED(h_cvtps2dq), PACKED(h_cvttps2dq) },
	[0x5c] = ARITH_P(sub),
	[0x5d] = ARITH(min),
	[0x5e] = ARITH_P(div),
	[0x5f] = ARITH(max),
	[0xc2] = { PACKED(h_cmpps), PACKED(h_cmppd), SCALAR(h_cmpss, 4), SCALAR(h_cmpsd, 8) },
	/* - cvttpd2dq cvtdq2pd (m64) cvtpd2dq */
	[0xe6] = { NONE, PACKED(h_cvttpd2dq), SCALAR(h_cvtdq2pd, 8), PACKED(h_cvtpd2dq) },
};
/* clang-format on */

static void fp_exec(struct cpu *cpu, const struct insn *in, unsigned col)
{
	const struct fpop *op = &fp_ops[in->op][col];
	const bool wide = in->opsz == 8; /* REX.W */
	union xmm d, s = { 0 };

	if (!op->fn)
		cpu_ud(cpu);
	sse_check(cpu);
	switch (op->kind) {
	case K_VEC:
		sse_rm_load(cpu, in, &s, op->size, op->align);
		d = cpu->xmm[in->reg];
		fp_run(cpu, op->fn, op->post, &d, &s, (unsigned)in->imm);
		cpu->xmm[in->reg] = d;
		break;
	case K_COMI:
		sse_rm_load(cpu, in, &s, op->size, false);
		d = cpu->xmm[in->reg];
		fp_run(cpu, op->fn, NULL, &d, &s, 0);
		flags_put(cpu, d.q[0]); /* OF, SF and AF cleared */
		break;
	case K_TO_INT:
		sse_rm_load(cpu, in, &s, op->size, false);
		d = (union xmm){ 0 };
		fp_run(cpu, wide ? op->fn64 : op->fn, NULL, &d, &s, 0);
		set_reg(cpu, in->reg, wide ? 8 : 4, d.q[0]);
		break;
	case K_FROM_INT:
		s.q[0] = rm_read(cpu, in, wide ? 8 : 4);
		d = cpu->xmm[in->reg];
		fp_run(cpu, wide ? op->fn64 : op->fn, NULL, &d, &s, 0);
		cpu->xmm[in->reg] = d;
		break;
	case K_FROM_MM:
		/* Only an MMX register source makes the x87-to-MMX transition. */
		if (in->mod == 3) {
			mmx_enter(cpu);
			s.q[0] = mmx_get(cpu, in->rm);
		} else {
			s.q[0] = mem_read(cpu, in->seg, insn_ea(cpu, in), 8);
		}
		d = cpu->xmm[in->reg];
		fp_run(cpu, op->fn, NULL, &d, &s, 0);
		cpu->xmm[in->reg] = d;
		break;
	case K_TO_MM:
		/* The source first: a misaligned m128 faults before the MMX
		 * transition changes the x87 tags. */
		sse_rm_load(cpu, in, &s, op->size, op->align);
		mmx_enter(cpu);
		d = (union xmm){ 0 };
		fp_run(cpu, op->fn, NULL, &d, &s, 0);
		mmx_set(cpu, in->reg, d.q[0]);
		break;
	}
}

/* One handler per mandatory-prefix column, since F2 and F3 are gone from
 * insn.pfx by the time a handler runs. */
void sse_fp_none(struct cpu *cpu, const struct insn *in)
{
	fp_exec(cpu, in, 0);
}

void sse_fp_66(struct cpu *cpu, const struct insn *in)
{
	fp_exec(cpu, in, 1);
}

void sse_fp_f3(struct cpu *cpu, const struct insn *in)
{
	fp_exec(cpu, in, 2);
}

void sse_fp_f2(struct cpu *cpu, const struct insn *in)
{
	fp_exec(cpu, in, 3);
}
