/* sse.c - SSE/SSE2 and MMX: the 0F map by mandatory prefix, the checks
 * and operand access all forms share, and the data moves. Integer
 * arithmetic is in sse_int.c, floating point in sse_fp.c. */
#include "cpu/sse.h"
#include "cpu/optable.h"
#include "cpu/ops.h"

/* ---- checks and operands ---- */

/* Before every MMX instruction but EMMS: #UD with CR0.EM, #NM with
 * CR0.TS, #MF for a pending x87 exception; then the x87-to-MMX
 * transition: TOP = 0 and all tags valid (SDM vol. 1, 9.5 and 9.6). */
void mmx_enter(struct cpu *cpu)
{
	if (cpu->cr0 & SSE_CR0_EM)
		cpu_ud(cpu);
	if (cpu->cr0 & SSE_CR0_TS)
		cpu_exception(cpu, EXC_NM, EXC_NO_ERR);
	/* With CR0.NE clear the pending exception would go out through
	 * FERR#, which the machine does not wire; it stays pending. */
	if ((cpu->fpu.fsw & FSW_ES) && (cpu->cr0 & X86_CR0_NE))
		cpu_exception(cpu, EXC_MF, EXC_NO_ERR);
	cpu->fpu.top = 0;
	cpu->fpu.fsw &= (uint16_t)~FSW_TOP;
	cpu->fpu.ftw = 0;
}

/* An unmasked SIMD floating-point exception: #XM if the OS said it
 * handles them, else #UD (SDM vol. 1, 11.5.3.2). */
_Noreturn void sse_simd_fault(struct cpu *cpu)
{
	if (cpu->cr4 & SSE_CR4_OSXMMEXCPT)
		cpu_exception(cpu, EXC_XM, EXC_NO_ERR);
	cpu_ud(cpu);
}

/* Offset of the memory operand; align: the legacy 16-byte alignment rule
 * for 128-bit operands, checked on the linear address. */
static uint64_t sse_ea(struct cpu *cpu, const struct insn *in, bool align)
{
	uint64_t off = insn_ea(cpu, in);

	if (align && ((cpu->segbase[in->seg] + off) & 15))
		cpu_gp(cpu, 0);
	return off;
}

/* The xmm/m operand: a whole register, or size bytes of memory with the
 * rest zero. */
void sse_rm_load(struct cpu *cpu, const struct insn *in, union xmm *v, unsigned size, bool align)
{
	uint64_t off;

	if (in->mod == 3) {
		*v = cpu->xmm[in->rm];
		return;
	}
	off = sse_ea(cpu, in, align);
	memset(v, 0, sizeof(*v));
	if (size == 16)
		mem_read_n(cpu, in->seg, off, v, 16);
	else
		v->q[0] = mem_read(cpu, in->seg, off, size);
}

static void sse_mem_store(struct cpu *cpu, const struct insn *in, const union xmm *v, unsigned size,
			  bool align)
{
	uint64_t off = sse_ea(cpu, in, align);

	if (size == 16)
		mem_write_n(cpu, in->seg, off, v, 16);
	else
		mem_write(cpu, in->seg, off, size, v->q[0]);
}

/* The mm/m operand. MMX registers ignore REX.B. */
uint64_t mmx_rm_load(struct cpu *cpu, const struct insn *in, unsigned size)
{
	if (in->mod == 3)
		return mmx_get(cpu, in->rm);
	return mem_read(cpu, in->seg, insn_ea(cpu, in), size);
}

/* ---- 128-bit moves ---- */

static void movx_load(struct cpu *cpu, const struct insn *in, bool align)
{
	union xmm v;

	sse_check(cpu);
	sse_rm_load(cpu, in, &v, 16, align);
	cpu->xmm[in->reg] = v;
}

static void movx_store(struct cpu *cpu, const struct insn *in, bool align)
{
	sse_check(cpu);
	if (in->mod == 3)
		cpu->xmm[in->rm] = cpu->xmm[in->reg];
	else
		sse_mem_store(cpu, in, &cpu->xmm[in->reg], 16, align);
}

/* movups movupd movdqu xmm, xmm/m128 */
static void op_movu_load(struct cpu *cpu, const struct insn *in)
{
	movx_load(cpu, in, false);
}

/* movaps movapd movdqa xmm, xmm/m128 */
static void op_mova_load(struct cpu *cpu, const struct insn *in)
{
	movx_load(cpu, in, true);
}

/* movups movupd movdqu xmm/m128, xmm */
static void op_movu_store(struct cpu *cpu, const struct insn *in)
{
	movx_store(cpu, in, false);
}

/* movaps movapd movdqa movntps movntpd movntdq xmm/m128, xmm */
static void op_mova_store(struct cpu *cpu, const struct insn *in)
{
	movx_store(cpu, in, true);
}

/* ---- scalar and half moves ---- */

/* movss/movsd load: between registers only the low element moves; from
 * memory the rest of the register is zeroed. */
static void movs_load(struct cpu *cpu, const struct insn *in, unsigned size)
{
	union xmm v;

	sse_check(cpu);
	if (in->mod == 3) {
		memmove(&cpu->xmm[in->reg], &cpu->xmm[in->rm], size);
		return;
	}
	sse_rm_load(cpu, in, &v, size, false);
	cpu->xmm[in->reg] = v;
}

static void movs_store(struct cpu *cpu, const struct insn *in, unsigned size)
{
	sse_check(cpu);
	if (in->mod == 3)
		memmove(&cpu->xmm[in->rm], &cpu->xmm[in->reg], size);
	else
		sse_mem_store(cpu, in, &cpu->xmm[in->reg], size, false);
}

static void op_movss_load(struct cpu *cpu, const struct insn *in)
{
	movs_load(cpu, in, 4);
}

static void op_movsd_load(struct cpu *cpu, const struct insn *in)
{
	movs_load(cpu, in, 8);
}

static void op_movss_store(struct cpu *cpu, const struct insn *in)
{
	movs_store(cpu, in, 4);
}

static void op_movsd_store(struct cpu *cpu, const struct insn *in)
{
	movs_store(cpu, in, 8);
}

/* 0F 12: movlps xmm, m64, or movhlps xmm, xmm (high half to low);
 * 66 0F 12 movlpd is memory-only. */
static void op_movlps_load(struct cpu *cpu, const struct insn *in)
{
	uint64_t v;

	sse_check(cpu);
	if (in->mod == 3)
		v = cpu->xmm[in->rm].q[1];
	else
		v = mem_read(cpu, in->seg, insn_ea(cpu, in), 8);
	cpu->xmm[in->reg].q[0] = v;
}

/* 0F 16: movhps xmm, m64, or movlhps xmm, xmm (low half to high) */
static void op_movhps_load(struct cpu *cpu, const struct insn *in)
{
	uint64_t v;

	sse_check(cpu);
	if (in->mod == 3)
		v = cpu->xmm[in->rm].q[0];
	else
		v = mem_read(cpu, in->seg, insn_ea(cpu, in), 8);
	cpu->xmm[in->reg].q[1] = v;
}

/* movlps movlpd m64, xmm */
static void op_movlps_store(struct cpu *cpu, const struct insn *in)
{
	sse_check(cpu);
	mem_write(cpu, in->seg, insn_ea(cpu, in), 8, cpu->xmm[in->reg].q[0]);
}

/* movhps movhpd m64, xmm */
static void op_movhps_store(struct cpu *cpu, const struct insn *in)
{
	sse_check(cpu);
	mem_write(cpu, in->seg, insn_ea(cpu, in), 8, cpu->xmm[in->reg].q[1]);
}

/* F3 0F 7E movq xmm, xmm/m64: the upper half is zeroed either way */
static void op_movq_load(struct cpu *cpu, const struct insn *in)
{
	union xmm v;

	sse_check(cpu);
	sse_rm_load(cpu, in, &v, 8, false);
	cpu->xmm[in->reg] = (union xmm){ .q = { v.q[0], 0 } };
}

/* 66 0F D6 movq xmm/m64, xmm: a register destination is zero-extended */
static void op_movq_store(struct cpu *cpu, const struct insn *in)
{
	uint64_t v;

	sse_check(cpu);
	v = cpu->xmm[in->reg].q[0];
	if (in->mod == 3)
		cpu->xmm[in->rm] = (union xmm){ .q = { v, 0 } };
	else
		mem_write(cpu, in->seg, insn_ea(cpu, in), 8, v);
}

/* ---- general registers, MMX ---- */

/* movd/movq mm or xmm, r/m32 (r/m64 with REX.W), zero-extended */
static void op_movd_load(struct cpu *cpu, const struct insn *in)
{
	unsigned size = in->opsz == 8 ? 8 : 4;
	uint64_t v;

	if (in->pfx & PFX_OPSZ) {
		sse_check(cpu);
		v = rm_read(cpu, in, size);
		cpu->xmm[in->reg] = (union xmm){ .q = { v, 0 } };
	} else {
		mmx_enter(cpu);
		mmx_set(cpu, in->reg, rm_read(cpu, in, size));
	}
}

/* movd/movq r/m32 (r/m64), mm or xmm */
static void op_movd_store(struct cpu *cpu, const struct insn *in)
{
	unsigned size = in->opsz == 8 ? 8 : 4;
	uint64_t v;

	if (in->pfx & PFX_OPSZ) {
		sse_check(cpu);
		v = cpu->xmm[in->reg].q[0];
	} else {
		mmx_enter(cpu);
		v = mmx_get(cpu, in->reg);
	}
	rm_write(cpu, in, size, v);
}

/* 0F 6F movq mm, mm/m64 */
static void op_movq_mm_load(struct cpu *cpu, const struct insn *in)
{
	mmx_enter(cpu);
	mmx_set(cpu, in->reg, mmx_rm_load(cpu, in, 8));
}

/* 0F 7F movq mm/m64, mm; 0F E7 movntq m64, mm */
static void op_movq_mm_store(struct cpu *cpu, const struct insn *in)
{
	uint64_t v;

	mmx_enter(cpu);
	v = mmx_get(cpu, in->reg);
	if (in->mod == 3)
		mmx_set(cpu, in->rm, v);
	else
		mem_write(cpu, in->seg, insn_ea(cpu, in), 8, v);
}

/* F3 0F D6 movq2dq xmm, mm */
static void op_movq2dq(struct cpu *cpu, const struct insn *in)
{
	sse_check(cpu);
	mmx_enter(cpu);
	cpu->xmm[in->reg] = (union xmm){ .q = { mmx_get(cpu, in->rm), 0 } };
}

/* F2 0F D6 movdq2q mm, xmm */
static void op_movdq2q(struct cpu *cpu, const struct insn *in)
{
	sse_check(cpu);
	mmx_enter(cpu);
	mmx_set(cpu, in->reg, cpu->xmm[in->rm].q[0]);
}

/* 0F 77 emms: all x87 tags empty, leaving MMX for x87 code */
void op_emms(struct cpu *cpu, const struct insn *in)
{
	(void)in;
	if (cpu->cr0 & SSE_CR0_EM)
		cpu_ud(cpu);
	if (cpu->cr0 & SSE_CR0_TS)
		cpu_exception(cpu, EXC_NM, EXC_NO_ERR);
	if ((cpu->fpu.fsw & FSW_ES) && (cpu->cr0 & X86_CR0_NE))
		cpu_exception(cpu, EXC_MF, EXC_NO_ERR);
	cpu->fpu.ftw = 0xffff;
}

/* ---- the table ---- */

/* Hand-aligned: one row per opcode, its mnemonics by column. */
/* clang-format off */
#define X(fn)  { fn, 0, 0 }
#define XI(fn) { fn, 0, O_IMM8 }
#define XR(fn) { fn, 0, O_REGONLY }
#define XM(fn) { fn, 0, O_MEMONLY }
#define NONE   { 0, 0, 0 }
/* Floating point: sse_fp.c has the operation for each column. */
#define FP4    { X(sse_fp_none), X(sse_fp_66), X(sse_fp_f3), X(sse_fp_f2) }
/* Integer ops: MMX form without prefix, XMM form with 66. */
#define PINT   { X(sse_pint), X(sse_pint) }
/* XMM only: ps without prefix, pd with 66. */
#define XVEC   { X(sse_xvec), X(sse_xvec) }
#define SHIFT_GROUP(mmx, xmm) \
	{ { 0, mmx, O_GROUP | O_IMM8 | O_REGONLY }, { 0, xmm, O_GROUP | O_IMM8 | O_REGONLY } }

/* 71 72: psrlw/d /2, psraw/d /4, psllw/d /6, by imm8 */
static const struct opinfo grp_shift[8] = {
	[2] = X(sse_pshift_imm), [4] = X(sse_pshift_imm), [6] = X(sse_pshift_imm),
};
/* 73: psrlq /2, psllq /6; the XMM form adds psrldq /3 and pslldq /7 */
static const struct opinfo grp_shiftq_mmx[8] = {
	[2] = X(sse_pshift_imm), [6] = X(sse_pshift_imm),
};
static const struct opinfo grp_shiftq_xmm[8] = {
	[2] = X(sse_pshift_imm), [3] = X(sse_pshift_imm),
	[6] = X(sse_pshift_imm), [7] = X(sse_pshift_imm),
};

/* Columns: no prefix, 66, F3, F2. Empty entries are #UD; so are SSE3
 * and later rows (7C 7D D0 F0), which CPUID does not report. */
const struct opinfo sse_0f[256][4] = {
	/* movups movupd movss movsd */
	[0x10] = { X(op_movu_load), X(op_movu_load), X(op_movss_load), X(op_movsd_load) },
	[0x11] = { X(op_movu_store), X(op_movu_store), X(op_movss_store), X(op_movsd_store) },
	/* movlps/movhlps movlpd */
	[0x12] = { X(op_movlps_load), XM(op_movlps_load) },
	/* movlps movlpd */
	[0x13] = { XM(op_movlps_store), XM(op_movlps_store) },
	[0x14] = XVEC,					/* unpcklps unpcklpd */
	[0x15] = XVEC,					/* unpckhps unpckhpd */
	/* movhps/movlhps movhpd */
	[0x16] = { X(op_movhps_load), XM(op_movhps_load) },
	/* movhps movhpd */
	[0x17] = { XM(op_movhps_store), XM(op_movhps_store) },
	[0x28] = { X(op_mova_load), X(op_mova_load) },	/* movaps movapd */
	/* movaps movapd */
	[0x29] = { X(op_mova_store), X(op_mova_store) },
	[0x2a] = FP4,					/* cvtpi2ps cvtpi2pd cvtsi2ss cvtsi2sd */
	/* movntps movntpd */
	[0x2b] = { XM(op_mova_store), XM(op_mova_store) },
	/* cvttps2pi cvttpd2pi cvttss2si cvttsd2si */
	[0x2c] = FP4,
	[0x2d] = FP4,					/* cvtps2pi cvtpd2pi cvtss2si cvtsd2si */
	[0x2e] = { X(sse_fp_none), X(sse_fp_66) },	/* ucomiss ucomisd */
	[0x2f] = { X(sse_fp_none), X(sse_fp_66) },	/* comiss comisd */
	[0x50] = { XR(sse_movmskp), XR(sse_movmskp) },	/* movmskps movmskpd */
	[0x51] = FP4,					/* sqrtps sqrtpd sqrtss sqrtsd */
	/* rsqrtps - rsqrtss */
	[0x52] = { X(sse_fp_none), NONE, X(sse_fp_f3) },
	/* rcpps - rcpss */
	[0x53] = { X(sse_fp_none), NONE, X(sse_fp_f3) },
	[0x54] = XVEC,					/* andps andpd */
	[0x55] = XVEC,					/* andnps andnpd */
	[0x56] = XVEC,					/* orps orpd */
	[0x57] = XVEC,					/* xorps xorpd */
	[0x58] = FP4,					/* addps addpd addss addsd */
	[0x59] = FP4,					/* mulps mulpd mulss mulsd */
	[0x5a] = FP4,					/* cvtps2pd cvtpd2ps cvtss2sd cvtsd2ss */
	/* cvtdq2ps cvtps2dq cvttps2dq */
	[0x5b] = { X(sse_fp_none), X(sse_fp_66), X(sse_fp_f3) },
	[0x5c] = FP4,					/* subps subpd subss subsd */
	[0x5d] = FP4,					/* minps minpd minss minsd */
	[0x5e] = FP4,					/* divps divpd divss divsd */
	[0x5f] = FP4,					/* maxps maxpd maxss maxsd */
	[0x60] = PINT,					/* punpcklbw */
	[0x61] = PINT,					/* punpcklwd */
	[0x62] = PINT,					/* punpckldq */
	[0x63] = PINT,					/* packsswb */
	[0x64] = PINT,					/* pcmpgtb */
	[0x65] = PINT,					/* pcmpgtw */
	[0x66] = PINT,					/* pcmpgtd */
	[0x67] = PINT,					/* packuswb */
	[0x68] = PINT,					/* punpckhbw */
	[0x69] = PINT,					/* punpckhwd */
	[0x6a] = PINT,					/* punpckhdq */
	[0x6b] = PINT,					/* packssdw */
	[0x6c] = { NONE, X(sse_pint) },			/* - punpcklqdq */
	[0x6d] = { NONE, X(sse_pint) },			/* - punpckhqdq */
	[0x6e] = { X(op_movd_load), X(op_movd_load) },	/* movd/movq mm, r/m; xmm, r/m */
	/* movq mm, mm/m64; movdqa; movdqu */
	[0x6f] = { X(op_movq_mm_load), X(op_mova_load), X(op_movu_load) },
	/* pshufw pshufd pshufhw pshuflw */
	[0x70] = { XI(sse_pshufw), XI(sse_pshufd), XI(sse_pshufhw), XI(sse_pshuflw) },
	[0x71] = SHIFT_GROUP(grp_shift, grp_shift),	/* psrlw psraw psllw */
	[0x72] = SHIFT_GROUP(grp_shift, grp_shift),	/* psrld psrad pslld */
	/* psrlq psrldq psllq pslldq */
	[0x73] = SHIFT_GROUP(grp_shiftq_mmx, grp_shiftq_xmm),
	[0x74] = PINT,					/* pcmpeqb */
	[0x75] = PINT,					/* pcmpeqw */
	[0x76] = PINT,					/* pcmpeqd */
	/* emms has no ModRM byte, which SSE rows always get: optable_0f
	 * must map 0F 77 to op_emms itself; this entry is never reached. */
	[0x77] = { X(op_emms) },
	/* movd/movq r/m, mm; the same from xmm; movq xmm, xmm/m64 */
	[0x7e] = { X(op_movd_store), X(op_movd_store), X(op_movq_load) },
	/* movq mm/m64, mm; movdqa; movdqu */
	[0x7f] = { X(op_movq_mm_store), X(op_mova_store), X(op_movu_store) },
	/* cmpps cmppd cmpss cmpsd */
	[0xc2] = { XI(sse_fp_none), XI(sse_fp_66), XI(sse_fp_f3), XI(sse_fp_f2) },
	[0xc4] = { XI(sse_pinsrw), XI(sse_pinsrw) },	/* pinsrw */
	/* pextrw */
	[0xc5] = { { sse_pextrw, 0, O_IMM8 | O_REGONLY }, { sse_pextrw, 0, O_IMM8 | O_REGONLY } },
	[0xc6] = { XI(sse_shufp), XI(sse_shufp) },	/* shufps shufpd */
	[0xd1] = PINT,					/* psrlw */
	[0xd2] = PINT,					/* psrld */
	[0xd3] = PINT,					/* psrlq */
	[0xd4] = PINT,					/* paddq */
	[0xd5] = PINT,					/* pmullw */
	/* - movq xmm/m64, xmm; movq2dq; movdq2q */
	[0xd6] = { NONE, X(op_movq_store), XR(op_movq2dq), XR(op_movdq2q) },
	/* pmovmskb */
	[0xd7] = { XR(sse_pmovmskb), XR(sse_pmovmskb) },
	[0xd8] = PINT,					/* psubusb */
	[0xd9] = PINT,					/* psubusw */
	[0xda] = PINT,					/* pminub */
	[0xdb] = PINT,					/* pand */
	[0xdc] = PINT,					/* paddusb */
	[0xdd] = PINT,					/* paddusw */
	[0xde] = PINT,					/* pmaxub */
	[0xdf] = PINT,					/* pandn */
	[0xe0] = PINT,					/* pavgb */
	[0xe1] = PINT,					/* psraw */
	[0xe2] = PINT,					/* psrad */
	[0xe3] = PINT,					/* pavgw */
	[0xe4] = PINT,					/* pmulhuw */
	[0xe5] = PINT,					/* pmulhw */
	/* - cvttpd2dq cvtdq2pd cvtpd2dq */
	[0xe6] = { NONE, X(sse_fp_66), X(sse_fp_f3), X(sse_fp_f2) },
	/* movntq movntdq */
	[0xe7] = { XM(op_movq_mm_store), XM(op_mova_store) },
	[0xe8] = PINT,					/* psubsb */
	[0xe9] = PINT,					/* psubsw */
	[0xea] = PINT,					/* pminsw */
	[0xeb] = PINT,					/* por */
	[0xec] = PINT,					/* paddsb */
	[0xed] = PINT,					/* paddsw */
	[0xee] = PINT,					/* pmaxsw */
	[0xef] = PINT,					/* pxor */
	[0xf1] = PINT,					/* psllw */
	[0xf2] = PINT,					/* pslld */
	[0xf3] = PINT,					/* psllq */
	[0xf4] = PINT,					/* pmuludq */
	[0xf5] = PINT,					/* pmaddwd */
	[0xf6] = PINT,					/* psadbw */
	[0xf7] = { XR(sse_maskmov), XR(sse_maskmov) },	/* maskmovq maskmovdqu */
	[0xf8] = PINT,					/* psubb */
	[0xf9] = PINT,					/* psubw */
	[0xfa] = PINT,					/* psubd */
	[0xfb] = PINT,					/* psubq */
	[0xfc] = PINT,					/* paddb */
	[0xfd] = PINT,					/* paddw */
	[0xfe] = PINT,					/* paddd */
};
/* clang-format on */
