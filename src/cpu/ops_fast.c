/* ops_fast.c - specialised handlers for the most common instruction forms.
 * The generic handlers switch on operand size and operand kind at run
 * time; these fix both when the instruction is decoded (cpu_specialize),
 * which is worth it for the forms that dominate compiled code: register
 * ALU operations, register and memory moves at 32 and 64 bits. Each must
 * behave exactly as the generic handler it replaces (the differential
 * harness runs both through the same tests). */
#include "cpu/ops.h"

#define LG4 2
#define LG8 3

/* ---- ALU, register destination ---- */

#define ALU_RR(name, expr, kind, size, lg, dst, src)                                               \
	static void name(struct cpu *c, const struct insn *in)                                     \
	{                                                                                          \
		uint64_t a = c->regs[in->dst], b = c->regs[in->src], r;                            \
                                                                                                   \
		if (size == 4) {                                                                   \
			a = (uint32_t)a;                                                           \
			b = (uint32_t)b;                                                           \
		}                                                                                  \
		r = expr;                                                                          \
		if (size == 4)                                                                     \
			r = (uint32_t)r;                                                           \
		c->regs[in->dst] = r;                                                              \
		c->lf_op = kind | lg;                                                              \
		c->lf_res = r;                                                                     \
		if (kind != LF_LOGIC) {                                                            \
			c->lf_a = a;                                                               \
			c->lf_b = b;                                                               \
		}                                                                                  \
	}

/* op r/m, r with a register r/m (00-3D family): dst = rm, src = reg */
ALU_RR(add_rr8, a + b, LF_ADD, 8, LG8, rm, reg)
ALU_RR(add_rr4, a + b, LF_ADD, 4, LG4, rm, reg)
ALU_RR(sub_rr8, a - b, LF_SUB, 8, LG8, rm, reg)
ALU_RR(sub_rr4, a - b, LF_SUB, 4, LG4, rm, reg)
ALU_RR(and_rr8, a &b, LF_LOGIC, 8, LG8, rm, reg)
ALU_RR(and_rr4, a &b, LF_LOGIC, 4, LG4, rm, reg)
ALU_RR(or_rr8, a | b, LF_LOGIC, 8, LG8, rm, reg)
ALU_RR(or_rr4, a | b, LF_LOGIC, 4, LG4, rm, reg)
ALU_RR(xor_rr8, a ^ b, LF_LOGIC, 8, LG8, rm, reg)
ALU_RR(xor_rr4, a ^ b, LF_LOGIC, 4, LG4, rm, reg)
/* op r, r/m with a register r/m: dst = reg, src = rm */
ALU_RR(add_rr8r, a + b, LF_ADD, 8, LG8, reg, rm)
ALU_RR(add_rr4r, a + b, LF_ADD, 4, LG4, reg, rm)
ALU_RR(sub_rr8r, a - b, LF_SUB, 8, LG8, reg, rm)
ALU_RR(sub_rr4r, a - b, LF_SUB, 4, LG4, reg, rm)
ALU_RR(and_rr8r, a &b, LF_LOGIC, 8, LG8, reg, rm)
ALU_RR(and_rr4r, a &b, LF_LOGIC, 4, LG4, reg, rm)
ALU_RR(or_rr8r, a | b, LF_LOGIC, 8, LG8, reg, rm)
ALU_RR(or_rr4r, a | b, LF_LOGIC, 4, LG4, reg, rm)
ALU_RR(xor_rr8r, a ^ b, LF_LOGIC, 8, LG8, reg, rm)
ALU_RR(xor_rr4r, a ^ b, LF_LOGIC, 4, LG4, reg, rm)

#define CMP_RR(name, size, lg, first, second)                                                      \
	static void name(struct cpu *c, const struct insn *in)                                     \
	{                                                                                          \
		uint64_t a = c->regs[in->first], b = c->regs[in->second];                          \
                                                                                                   \
		if (size == 4) {                                                                   \
			a = (uint32_t)a;                                                           \
			b = (uint32_t)b;                                                           \
		}                                                                                  \
		c->lf_op = LF_SUB | lg;                                                            \
		c->lf_res = size == 4 ? (uint32_t)(a - b) : a - b;                                 \
		c->lf_a = a;                                                                       \
		c->lf_b = b;                                                                       \
	}

CMP_RR(cmp_rr8, 8, LG8, rm, reg)
CMP_RR(cmp_rr4, 4, LG4, rm, reg)
CMP_RR(cmp_rr8r, 8, LG8, reg, rm)
CMP_RR(cmp_rr4r, 4, LG4, reg, rm)

#define TEST_RR(name, size, lg)                                                                    \
	static void name(struct cpu *c, const struct insn *in)                                     \
	{                                                                                          \
		uint64_t r = c->regs[in->rm] & c->regs[in->reg];                                   \
                                                                                                   \
		c->lf_op = LF_LOGIC | lg;                                                          \
		c->lf_res = size == 4 ? (uint32_t)r : r;                                           \
	}

TEST_RR(test_rr8, 8, LG8)
TEST_RR(test_rr4, 4, LG4)

/* op r/m, imm with a register r/m (80/81/83) */
#define ALU_RI(name, expr, kind, size, lg)                                                         \
	static void name(struct cpu *c, const struct insn *in)                                     \
	{                                                                                          \
		uint64_t a = c->regs[in->rm], b = in->imm, r;                                      \
                                                                                                   \
		if (size == 4) {                                                                   \
			a = (uint32_t)a;                                                           \
			b = (uint32_t)b;                                                           \
		}                                                                                  \
		r = expr;                                                                          \
		if (size == 4)                                                                     \
			r = (uint32_t)r;                                                           \
		c->regs[in->rm] = r;                                                               \
		c->lf_op = kind | lg;                                                              \
		c->lf_res = r;                                                                     \
		if (kind != LF_LOGIC) {                                                            \
			c->lf_a = a;                                                               \
			c->lf_b = b;                                                               \
		}                                                                                  \
	}

ALU_RI(add_ri8, a + b, LF_ADD, 8, LG8)
ALU_RI(add_ri4, a + b, LF_ADD, 4, LG4)
ALU_RI(sub_ri8, a - b, LF_SUB, 8, LG8)
ALU_RI(sub_ri4, a - b, LF_SUB, 4, LG4)
ALU_RI(and_ri8, a &b, LF_LOGIC, 8, LG8)
ALU_RI(and_ri4, a &b, LF_LOGIC, 4, LG4)
ALU_RI(or_ri8, a | b, LF_LOGIC, 8, LG8)
ALU_RI(or_ri4, a | b, LF_LOGIC, 4, LG4)
ALU_RI(xor_ri8, a ^ b, LF_LOGIC, 8, LG8)
ALU_RI(xor_ri4, a ^ b, LF_LOGIC, 4, LG4)

#define CMP_RI(name, size, lg)                                                                     \
	static void name(struct cpu *c, const struct insn *in)                                     \
	{                                                                                          \
		uint64_t a = c->regs[in->rm], b = in->imm;                                         \
                                                                                                   \
		if (size == 4) {                                                                   \
			a = (uint32_t)a;                                                           \
			b = (uint32_t)b;                                                           \
		}                                                                                  \
		c->lf_op = LF_SUB | lg;                                                            \
		c->lf_res = size == 4 ? (uint32_t)(a - b) : a - b;                                 \
		c->lf_a = a;                                                                       \
		c->lf_b = b;                                                                       \
	}

CMP_RI(cmp_ri8, 8, LG8)
CMP_RI(cmp_ri4, 4, LG4)

/* INC/DEC r: CF is kept, so it is captured before the flags change. */
#define INCDEC(name, delta, kind, size, lg)                                                        \
	static void name(struct cpu *c, const struct insn *in)                                     \
	{                                                                                          \
		uint64_t a = c->regs[in->rm], r;                                                   \
                                                                                                   \
		c->lf_cf = cpu_cf(c);                                                              \
		if (size == 4)                                                                     \
			a = (uint32_t)a;                                                           \
		r = a + (uint64_t)(delta);                                                         \
		if (size == 4)                                                                     \
			r = (uint32_t)r;                                                           \
		c->regs[in->rm] = r;                                                               \
		c->lf_op = kind | lg;                                                              \
		c->lf_res = r;                                                                     \
		c->lf_a = a;                                                                       \
		c->lf_b = 1;                                                                       \
	}

INCDEC(inc_r8, 1, LF_INC, 8, LG8)
INCDEC(inc_r4, 1, LF_INC, 4, LG4)
INCDEC(dec_r8, -1, LF_DEC, 8, LG8)
INCDEC(dec_r4, -1, LF_DEC, 4, LG4)

/* ---- moves ---- */

static void mov_rr8(struct cpu *c, const struct insn *in)
{
	c->regs[in->rm] = c->regs[in->reg];
}

static void mov_rr4(struct cpu *c, const struct insn *in)
{
	c->regs[in->rm] = (uint32_t)c->regs[in->reg];
}

static void mov_rr8r(struct cpu *c, const struct insn *in)
{
	c->regs[in->reg] = c->regs[in->rm];
}

static void mov_rr4r(struct cpu *c, const struct insn *in)
{
	c->regs[in->reg] = (uint32_t)c->regs[in->rm];
}

static void mov_ri8(struct cpu *c, const struct insn *in)
{
	c->regs[in->rm] = in->imm;
}

static void mov_ri4(struct cpu *c, const struct insn *in)
{
	c->regs[in->rm] = (uint32_t)in->imm;
}

static void load8(struct cpu *c, const struct insn *in)
{
	c->regs[in->reg] = mem_read(c, in->seg, insn_ea(c, in), 8);
}

static void load4(struct cpu *c, const struct insn *in)
{
	c->regs[in->reg] = mem_read(c, in->seg, insn_ea(c, in), 4);
}

static void store8(struct cpu *c, const struct insn *in)
{
	mem_write(c, in->seg, insn_ea(c, in), 8, c->regs[in->reg]);
}

static void store4(struct cpu *c, const struct insn *in)
{
	mem_write(c, in->seg, insn_ea(c, in), 4, (uint32_t)c->regs[in->reg]);
}

static void lea8(struct cpu *c, const struct insn *in)
{
	c->regs[in->reg] = insn_ea(c, in);
}

static void movzx_b4(struct cpu *c, const struct insn *in)
{
	/* MOVZX r32, r/m8 (memory): the commonest byte load */
	c->regs[in->reg] = mem_read(c, in->seg, insn_ea(c, in), 1);
}

static void push8(struct cpu *c, const struct insn *in)
{
	push(c, 8, c->regs[in->rm]);
}

static void pop8(struct cpu *c, const struct insn *in)
{
	uint64_t v = pop(c, 8);

	c->regs[in->rm] = v;
}

/* ---- ALU with a memory source: op r, m (02-3B family) ---- */

#define ALU_RM(name, expr, kind, size, lg)                                                         \
	static void name(struct cpu *c, const struct insn *in)                                     \
	{                                                                                          \
		uint64_t a = c->regs[in->reg], b = mem_read(c, in->seg, insn_ea(c, in), size), r;  \
                                                                                                   \
		if (size == 4)                                                                     \
			a = (uint32_t)a;                                                           \
		r = expr;                                                                          \
		if (size == 4)                                                                     \
			r = (uint32_t)r;                                                           \
		c->regs[in->reg] = r;                                                              \
		c->lf_op = kind | lg;                                                              \
		c->lf_res = r;                                                                     \
		if (kind != LF_LOGIC) {                                                            \
			c->lf_a = a;                                                               \
			c->lf_b = b;                                                               \
		}                                                                                  \
	}

ALU_RM(add_rm8, a + b, LF_ADD, 8, LG8)
ALU_RM(add_rm4, a + b, LF_ADD, 4, LG4)
ALU_RM(sub_rm8, a - b, LF_SUB, 8, LG8)
ALU_RM(sub_rm4, a - b, LF_SUB, 4, LG4)
ALU_RM(and_rm8, a &b, LF_LOGIC, 8, LG8)
ALU_RM(and_rm4, a &b, LF_LOGIC, 4, LG4)
ALU_RM(or_rm8, a | b, LF_LOGIC, 8, LG8)
ALU_RM(or_rm4, a | b, LF_LOGIC, 4, LG4)
ALU_RM(xor_rm8, a ^ b, LF_LOGIC, 8, LG8)
ALU_RM(xor_rm4, a ^ b, LF_LOGIC, 4, LG4)

/* CMP r, m and CMP m, r: flags only */
#define CMP_MEM(name, size, lg, reg_first)                                                         \
	static void name(struct cpu *c, const struct insn *in)                                     \
	{                                                                                          \
		uint64_t m = mem_read(c, in->seg, insn_ea(c, in), size);                           \
		uint64_t r = size == 4 ? (uint32_t)c->regs[in->reg] : c->regs[in->reg];            \
		uint64_t a = reg_first ? r : m, b = reg_first ? m : r;                             \
                                                                                                   \
		c->lf_op = LF_SUB | lg;                                                            \
		c->lf_res = size == 4 ? (uint32_t)(a - b) : a - b;                                 \
		c->lf_a = a;                                                                       \
		c->lf_b = b;                                                                       \
	}

CMP_MEM(cmp_rm8, 8, LG8, 1)
CMP_MEM(cmp_rm4, 4, LG4, 1)
CMP_MEM(cmp_mr8, 8, LG8, 0)
CMP_MEM(cmp_mr4, 4, LG4, 0)

/* CMP m, imm and TEST m, imm */
#define CMP_MI(name, size, lg)                                                                     \
	static void name(struct cpu *c, const struct insn *in)                                     \
	{                                                                                          \
		uint64_t a = mem_read(c, in->seg, insn_ea(c, in), size), b = in->imm;              \
                                                                                                   \
		if (size == 4)                                                                     \
			b = (uint32_t)b;                                                           \
		c->lf_op = LF_SUB | lg;                                                            \
		c->lf_res = size == 4 ? (uint32_t)(a - b) : a - b;                                 \
		c->lf_a = a;                                                                       \
		c->lf_b = b;                                                                       \
	}

CMP_MI(cmp_mi8, 8, LG8)
CMP_MI(cmp_mi4, 4, LG4)

/* IMUL r, r/m: CF = OF = the product does not fit */
#define IMUL_RM(name, size, lg, type)                                                              \
	static void name(struct cpu *c, const struct insn *in)                                     \
	{                                                                                          \
		type a = (type)c->regs[in->reg], b = (type)rm_read(c, in, size), r;                \
		bool ovf = __builtin_mul_overflow(a, b, &r);                                       \
                                                                                                   \
		c->regs[in->reg] = size == 4 ? (uint32_t)r : (uint64_t)r;                          \
		c->lf_op = LF_CFOF | lg;                                                           \
		c->lf_res = size == 4 ? (uint32_t)r : (uint64_t)r;                                 \
		c->lf_a = c->lf_b = ovf;                                                           \
	}

IMUL_RM(imul_rm8, 8, LG8, int64_t)
IMUL_RM(imul_rm4, 4, LG4, int32_t)

static void movsxd_r(struct cpu *c, const struct insn *in)
{
	c->regs[in->reg] = (uint64_t)(int64_t)(int32_t)c->regs[in->rm];
}

static void movsxd_m(struct cpu *c, const struct insn *in)
{
	c->regs[in->reg] = (uint64_t)(int64_t)(int32_t)mem_read(c, in->seg, insn_ea(c, in), 4);
}

/* 64-bit near CALL and RET: the kernel's commonest control transfers */
static void call_rel64(struct cpu *c, const struct insn *in)
{
	uint64_t ret = c->regs[R_RIP];

	push(c, 8, ret);
	c->regs[R_RIP] = ret + in->imm;
}

static void ret64(struct cpu *c, const struct insn *in)
{
	c->regs[R_RIP] = pop(c, 8);
}

/* ---- the choice ---- */

/* ALU op numbers: ADD OR ADC SBB AND SUB XOR CMP; NULL: no fast form. */
static const insn_fn alu_rm_r[8][2] = {
	{ add_rr4, add_rr8 },
	{ or_rr4, or_rr8 },
	{ 0, 0 },
	{ 0, 0 },
	{ and_rr4, and_rr8 },
	{ sub_rr4, sub_rr8 },
	{ xor_rr4, xor_rr8 },
	{ cmp_rr4, cmp_rr8 },
};
static const insn_fn alu_r_rm[8][2] = {
	{ add_rr4r, add_rr8r },
	{ or_rr4r, or_rr8r },
	{ 0, 0 },
	{ 0, 0 },
	{ and_rr4r, and_rr8r },
	{ sub_rr4r, sub_rr8r },
	{ xor_rr4r, xor_rr8r },
	{ cmp_rr4r, cmp_rr8r },
};
static const insn_fn alu_ri[8][2] = {
	{ add_ri4, add_ri8 },
	{ or_ri4, or_ri8 },
	{ 0, 0 },
	{ 0, 0 },
	{ and_ri4, and_ri8 },
	{ sub_ri4, sub_ri8 },
	{ xor_ri4, xor_ri8 },
	{ cmp_ri4, cmp_ri8 },
};

static const insn_fn alu_r_m[8][2] = {
	{ add_rm4, add_rm8 },
	{ or_rm4, or_rm8 },
	{ 0, 0 },
	{ 0, 0 },
	{ and_rm4, and_rm8 },
	{ sub_rm4, sub_rm8 },
	{ xor_rm4, xor_rm8 },
	{ cmp_rm4, cmp_rm8 },
};

void cpu_specialize(struct cpu *c, struct insn *in)
{
	insn_fn f = in->fn, fast = NULL;
	int w = in->opsz == 8 ? 1 : 0;
	bool wide = in->opsz == 8 || in->opsz == 4, reg = in->mod == 3;

	if (!wide || (in->pfx & PFX_LOCK))
		return;
	if (f == op_alu_rm_r && reg)
		fast = alu_rm_r[(in->op >> 3) & 7][w];
	else if (f == op_alu_r_rm && reg)
		fast = alu_r_rm[(in->op >> 3) & 7][w];
	else if (f == op_alu_r_rm)
		fast = alu_r_m[(in->op >> 3) & 7][w];
	else if (f == op_alu_rm_r && !reg && ((in->op >> 3) & 7) == 7)
		fast = w ? cmp_mr8 : cmp_mr4;
	else if (f == op_alu_rm_imm && !reg && (in->reg & 7) == 7)
		fast = w ? cmp_mi8 : cmp_mi4;
	else if (f == op_shift && reg && (in->op == 0xc1 || in->op == 0xd3) &&
		 ((in->reg & 7) == 4 || (in->reg & 7) == 5 || (in->reg & 7) == 7))
		fast = in->op == 0xc1 ? (w ? op_shift_ri8 : op_shift_ri4)
				      : (w ? op_shift_rcl8 : op_shift_rcl4);
	else if (f == op_imul_r_rm)
		fast = w ? imul_rm8 : imul_rm4;
	else if (f == op_movsxd && c->code64 && w)
		fast = reg ? movsxd_r : movsxd_m;
	else if (f == op_call_rel && w && c->code64)
		fast = call_rel64;
	else if (f == op_ret && in->op == 0xc3 && w && c->code64)
		fast = ret64;
	else if (f == op_alu_rm_imm && reg)
		fast = alu_ri[in->reg & 7][w];
	else if (f == op_test_rm_r && reg)
		fast = w ? test_rr8 : test_rr4;
	else if ((f == op_inc_rm || f == op_inc_r) && reg)
		fast = w ? inc_r8 : inc_r4;
	else if ((f == op_dec_rm || f == op_dec_r) && reg)
		fast = w ? dec_r8 : dec_r4;
	else if (f == op_mov_rm_r)
		fast = reg ? (w ? mov_rr8 : mov_rr4) : (w ? store8 : store4);
	else if (f == op_mov_r_rm)
		fast = reg ? (w ? mov_rr8r : mov_rr4r) : (w ? load8 : load4);
	else if (f == op_mov_r_imm)
		fast = w ? mov_ri8 : mov_ri4;
	else if (f == op_lea && w)
		fast = lea8;
	else if (f == op_movzx && in->op == 0xb6 && !reg && !w)
		fast = movzx_b4;
	else if (f == op_push_r && w && c->code64)
		fast = push8;
	else if (f == op_pop_r && w && c->code64)
		fast = pop8;
	if (fast)
		in->fn = fast;
}
