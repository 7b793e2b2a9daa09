/* optable.h - what the decoder needs to know about each opcode: its
 * handler and how its operands are encoded (SDM vol. 2, appendix A, the
 * opcode map). The tables themselves are in optable.c (one- and two-byte
 * maps), sse.c (SSE/SSE2, by mandatory prefix) and x87.c. */
#ifndef VMKIT_CPU_OPTABLE_H
#define VMKIT_CPU_OPTABLE_H

#include "cpu/internal.h"

#define O_MODRM   (1u << 0)  /* a ModRM byte follows */
#define O_BYTE    (1u << 1)  /* 8-bit operands */
#define O_IMM8    (1u << 2)  /* imm8, sign-extended into insn.imm */
#define O_IMMZ    (1u << 3)  /* imm16 or imm32 (sign-extended to 64) by operand size */
#define O_IMMV    (1u << 4)  /* imm16, imm32 or imm64 by operand size */
#define O_IMM16   (1u << 5)  /* imm16 */
#define O_MOFFS   (1u << 6)  /* an address-size offset (MOV A0-A3) */
#define O_DEF64   (1u << 7)  /* 64-bit operands by default in 64-bit mode */
#define O_F64     (1u << 8)  /* always 64-bit operands in 64-bit mode */
#define O_END     (1u << 9)  /* ends a block: control flow or state change */
#define O_GROUP   (1u << 10) /* the operation is chosen by ModRM.reg */
#define O_INV64   (1u << 11) /* #UD in 64-bit mode */
#define O_FAR     (1u << 12) /* ptr16:16/32 immediate */
#define O_ENTER   (1u << 13) /* imm16, imm8 */
#define O_SSE     (1u << 14) /* chosen by the mandatory prefix: none, 66, F3, F2 */
#define O_RM8     (1u << 15) /* the r/m operand alone is 8-bit (MOVZX, SETcc) */
#define O_LOCK    (1u << 16) /* LOCK allowed (with a memory destination) */
#define O_REGONLY (1u << 17) /* mod must be 3 (else #UD) */
#define O_MEMONLY (1u << 18) /* mod must not be 3 (else #UD) */

struct opinfo {
	insn_fn fn;
	const struct opinfo *sub; /* O_GROUP: 8 entries by reg; O_SSE: 4 by prefix */
	uint32_t f;
};

extern const struct opinfo optable_1[256];  /* one-byte opcodes */
extern const struct opinfo optable_0f[256]; /* 0F xx */
extern const struct opinfo optable_0f38[256];
extern const struct opinfo optable_0f3a[256];
/* sse.c: SSE/SSE2 (and MMX) by mandatory prefix: [opcode][none, 66, F3, F2] */
extern const struct opinfo sse_0f[256][4];

#endif
