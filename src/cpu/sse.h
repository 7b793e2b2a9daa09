/* sse.h - SSE/SSE2/MMX internals shared by sse.c, sse_int.c and sse_fp.c. */
#ifndef VMKIT_CPU_SSE_H
#define VMKIT_CPU_SSE_H

#include "cpu/internal.h"

/* Control-register bits that gate SSE and MMX (SDM vol. 3A, 2.5). */
#define SSE_CR0_EM         (1ULL << 2)
#define SSE_CR0_TS         (1ULL << 3)
#define SSE_CR4_OSFXSR     (1ULL << 9)
#define SSE_CR4_OSXMMEXCPT (1ULL << 10)

/* MXCSR (SDM vol. 1, 10.2.3). */
#define MXCSR_IE    (1u << 0)
#define MXCSR_DE    (1u << 1)
#define MXCSR_ZE    (1u << 2)
#define MXCSR_OE    (1u << 3)
#define MXCSR_UE    (1u << 4)
#define MXCSR_PE    (1u << 5)
#define MXCSR_FLAGS 0x3fu
#define MXCSR_DAZ   (1u << 6)
#define MXCSR_MASKS (0x3fu << 7)
#define MXCSR_RC    (3u << 13)
#define MXCSR_FZ    (1u << 15)

/* x87 status word bits MMX instructions look at (SDM vol. 1, 8.1.3). */
#define FSW_ES  (1u << 7)
#define FSW_TOP (7u << 11)

/* MXCSR_MASK for FXSAVE: 0xffff when the host (which runs our floating
 * point) supports DAZ, else 0xffbf. LDMXCSR and FXRSTOR must #GP on bits
 * outside it. */
uint32_t sse_mxcsr_mask(void);

/* A vector operation on n bytes (8: MMX, 16: XMM): d = d op s. */
typedef void (*vec_fn)(union xmm *d, const union xmm *s, unsigned n);

/* Before every SSE instruction: #UD with CR0.EM or without CR4.OSFXSR,
 * then #NM with CR0.TS (SDM vol. 3A, 2.5 and 13.1). */
static inline void sse_check(struct cpu *cpu)
{
	if ((cpu->cr0 & SSE_CR0_EM) || !(cpu->cr4 & SSE_CR4_OSFXSR))
		cpu_ud(cpu);
	if (cpu->cr0 & SSE_CR0_TS)
		cpu_exception(cpu, EXC_NM, EXC_NO_ERR);
}

/* The MMX registers are the low 64 bits (significand) of the x87
 * physical registers R0-R7 (SDM vol. 1, 9.5.1). */
static inline uint64_t mmx_get(const struct cpu *cpu, unsigned i)
{
	uint64_t v;

	memcpy(&v, &cpu->fpu.st[i & 7], sizeof(v));
	return v;
}

/* A write also sets the sign and exponent (bits 64-79) to all ones, so
 * the register reads as a NaN to x87 code. */
static inline void mmx_set(struct cpu *cpu, unsigned i, uint64_t v)
{
	const uint16_t se = 0xffff;
	unsigned char *p = (unsigned char *)&cpu->fpu.st[i & 7];

	memcpy(p, &v, sizeof(v));
	memcpy(p + 8, &se, sizeof(se));
}

/* sse.c */
void mmx_enter(struct cpu *cpu);
_Noreturn void sse_simd_fault(struct cpu *cpu);
void sse_rm_load(struct cpu *cpu, const struct insn *in, union xmm *v, unsigned size, bool align);
uint64_t mmx_rm_load(struct cpu *cpu, const struct insn *in, unsigned size);

/* 0F 77 EMMS. It has no ModRM byte, so optable_0f maps it directly
 * rather than through sse_0f (whose rows always decode one). */
void op_emms(struct cpu *cpu, const struct insn *in);

/* Handlers the table in sse.c refers to. */
#define SSE_OP(name) void name(struct cpu *cpu, const struct insn *in)

/* sse_int.c: integer SIMD, MMX form without a prefix, XMM form with 66 */
SSE_OP(sse_pint);       /* d = d op s, chosen by opcode */
SSE_OP(sse_xvec);       /* XMM-only bitwise and unpack ops (14 15 54-57) */
SSE_OP(sse_pshift_imm); /* 71-73 groups */
SSE_OP(sse_pshufw);
SSE_OP(sse_pshufd);
SSE_OP(sse_pshufhw);
SSE_OP(sse_pshuflw);
SSE_OP(sse_shufp);
SSE_OP(sse_pextrw);
SSE_OP(sse_pinsrw);
SSE_OP(sse_pmovmskb);
SSE_OP(sse_movmskp);
SSE_OP(sse_maskmov);

/* sse_fp.c: floating point, one handler per mandatory-prefix column */
SSE_OP(sse_fp_none);
SSE_OP(sse_fp_66);
SSE_OP(sse_fp_f3);
SSE_OP(sse_fp_f2);

#undef SSE_OP

#endif
