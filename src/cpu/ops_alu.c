/* ops_alu.c - integer arithmetic, logic, shifts and rotates, bit
 * operations, multiply and divide, BCD adjustments and flag instructions
 * (SDM vol. 2; the "Flags Affected" section of each is what the code
 * follows; flags it calls undefined are left as the simplest computation
 * gives them, and the differential harness does not compare them). */
#include "cpu/ops.h"

/* ---- locked read-modify-write ---- */

static void *lock_ptr(struct cpu *c, const struct insn *in, unsigned size)
{
	if (!(in->pfx & PFX_LOCK) || in->mod == 3)
		return NULL;
	return mmu_rmw_ptr(c, seg_lin(c, in->seg, insn_ea(c, in), size, true), size);
}

static uint64_t atomic_ld(void *p, unsigned size)
{
	switch (size) {
	case 1:
		return __atomic_load_n((uint8_t *)p, __ATOMIC_SEQ_CST);
	case 2:
		return __atomic_load_n((uint16_t *)p, __ATOMIC_SEQ_CST);
	case 4:
		return __atomic_load_n((uint32_t *)p, __ATOMIC_SEQ_CST);
	default:
		return __atomic_load_n((uint64_t *)p, __ATOMIC_SEQ_CST);
	}
}

/* Compare-and-swap at size; on failure *old gets the current value. */
static bool cas(void *p, unsigned size, uint64_t *old, uint64_t val)
{
	switch (size) {
	case 1: {
		uint8_t o = (uint8_t)*old;
		bool ok = __atomic_compare_exchange_n((uint8_t *)p, &o, (uint8_t)val, false,
						      __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
		*old = o;
		return ok;
	}
	case 2: {
		uint16_t o = (uint16_t)*old;
		bool ok = __atomic_compare_exchange_n((uint16_t *)p, &o, (uint16_t)val, false,
						      __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
		*old = o;
		return ok;
	}
	case 4: {
		uint32_t o = (uint32_t)*old;
		bool ok = __atomic_compare_exchange_n((uint32_t *)p, &o, (uint32_t)val, false,
						      __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
		*old = o;
		return ok;
	}
	default:
		return __atomic_compare_exchange_n((uint64_t *)p, old, val, false, __ATOMIC_SEQ_CST,
						   __ATOMIC_SEQ_CST);
	}
}

bool cpu_cas(void *p, unsigned size, uint64_t *old, uint64_t val);
bool cpu_cas(void *p, unsigned size, uint64_t *old, uint64_t val)
{
	return cas(p, size, old, val);
}

/* ---- ADD OR ADC SBB AND SUB XOR CMP ---- */

static const unsigned alu_lf[8] = { LF_ADD,   LF_LOGIC, LF_ADC,   LF_SBB,
				    LF_LOGIC, LF_SUB,   LF_LOGIC, LF_SUB };

static inline uint64_t alu_calc(unsigned op, uint64_t a, uint64_t b, unsigned cf)
{
	switch (op) {
	case 0:
		return a + b;
	case 1:
		return a | b;
	case 2:
		return a + b + cf;
	case 3:
		return a - b - cf;
	case 4:
		return a & b;
	case 6:
		return a ^ b;
	default:
		return a - b; /* SUB, CMP */
	}
}

static inline void alu_flags(struct cpu *c, unsigned op, unsigned size, uint64_t r, uint64_t a,
			     uint64_t b, unsigned cf)
{
	c->lf_cf = cf;
	lf_set(c, alu_lf[op], size, r, a, b);
}

/* dst op= b on the r/m operand, locked if asked. */
static void alu_rm(struct cpu *c, const struct insn *in, unsigned op, uint64_t b)
{
	unsigned size = in->opsz, cf = (op == 2 || op == 3) ? cpu_cf(c) : 0;
	uint64_t a, r, lin;
	void *p;

	if (in->mod == 3) {
		a = get_reg(c, in->rm, size);
		r = alu_calc(op, a, b, cf);
		if (op != 7)
			set_reg(c, in->rm, size, r);
	} else if ((p = lock_ptr(c, in, size)) != NULL) {
		a = atomic_ld(p, size);
		do
			r = alu_calc(op, a, b, cf);
		while (!cas(p, size, &a, r));
	} else {
		lin = seg_lin(c, in->seg, insn_ea(c, in), size, op != 7);
		a = lin_read(c, lin, size);
		r = alu_calc(op, a, b, cf);
		if (op != 7)
			lin_write(c, lin, size, r);
	}
	alu_flags(c, op, size, r, a, b, cf);
}

void op_alu_rm_r(struct cpu *c, const struct insn *in)
{
	alu_rm(c, in, (in->op >> 3) & 7, get_reg(c, in->reg, in->opsz));
}

void op_alu_rm_imm(struct cpu *c, const struct insn *in)
{
	alu_rm(c, in, in->reg & 7, in->imm & size_mask(in->opsz));
}

void op_alu_r_rm(struct cpu *c, const struct insn *in)
{
	unsigned op = (in->op >> 3) & 7, size = in->opsz, cf = (op == 2 || op == 3) ? cpu_cf(c) : 0;
	uint64_t a = get_reg(c, in->reg, size), b = rm_read(c, in, size);
	uint64_t r = alu_calc(op, a, b, cf);

	if (op != 7)
		set_reg(c, in->reg, size, r);
	alu_flags(c, op, size, r, a, b, cf);
}

void op_alu_a_imm(struct cpu *c, const struct insn *in)
{
	unsigned op = (in->op >> 3) & 7, size = in->opsz, cf = (op == 2 || op == 3) ? cpu_cf(c) : 0;
	uint64_t a = get_reg(c, R_AX, size), b = in->imm & size_mask(size);
	uint64_t r = alu_calc(op, a, b, cf);

	if (op != 7)
		set_reg(c, R_AX, size, r);
	alu_flags(c, op, size, r, a, b, cf);
}

void op_test_rm_r(struct cpu *c, const struct insn *in)
{
	uint64_t r = rm_read(c, in, in->opsz) & get_reg(c, in->reg, in->opsz);

	lf_set(c, LF_LOGIC, in->opsz, r, 0, 0);
}

void op_test_a_imm(struct cpu *c, const struct insn *in)
{
	lf_set(c, LF_LOGIC, in->opsz, get_reg(c, R_AX, in->opsz) & in->imm, 0, 0);
}

void op_test_rm_imm(struct cpu *c, const struct insn *in)
{
	lf_set(c, LF_LOGIC, in->opsz, rm_read(c, in, in->opsz) & in->imm, 0, 0);
}

/* ---- INC DEC NOT NEG ---- */

enum unop { UN_INC, UN_DEC, UN_NOT, UN_NEG };

static inline uint64_t unop_calc(enum unop op, uint64_t a)
{
	switch (op) {
	case UN_INC:
		return a + 1;
	case UN_DEC:
		return a - 1;
	case UN_NOT:
		return ~a;
	default:
		return 0 - a;
	}
}

static void unop_flags(struct cpu *c, enum unop op, unsigned size, uint64_t a, uint64_t r,
		       unsigned cf)
{
	switch (op) {
	case UN_INC:
		c->lf_cf = cf;
		lf_set(c, LF_INC, size, r, a, 1);
		break;
	case UN_DEC:
		c->lf_cf = cf;
		lf_set(c, LF_DEC, size, r, a, 1);
		break;
	case UN_NEG:
		lf_set(c, LF_NEG, size, r, 0, a);
		break;
	default:
		break; /* NOT changes no flag */
	}
}

static void unop_rm(struct cpu *c, const struct insn *in, enum unop op)
{
	unsigned size = in->opsz, cf = (op <= UN_DEC) ? cpu_cf(c) : 0;
	uint64_t a, r, lin;
	void *p;

	if (in->mod == 3) {
		a = get_reg(c, in->rm, size);
		r = unop_calc(op, a);
		set_reg(c, in->rm, size, r);
	} else if ((p = lock_ptr(c, in, size)) != NULL) {
		a = atomic_ld(p, size);
		do
			r = unop_calc(op, a);
		while (!cas(p, size, &a, r));
	} else {
		lin = seg_lin(c, in->seg, insn_ea(c, in), size, true);
		a = lin_read(c, lin, size);
		r = unop_calc(op, a);
		lin_write(c, lin, size, r);
	}
	unop_flags(c, op, size, a, r, cf);
}

void op_inc_rm(struct cpu *c, const struct insn *in)
{
	unop_rm(c, in, UN_INC);
}
void op_dec_rm(struct cpu *c, const struct insn *in)
{
	unop_rm(c, in, UN_DEC);
}
void op_not(struct cpu *c, const struct insn *in)
{
	unop_rm(c, in, UN_NOT);
}
void op_neg(struct cpu *c, const struct insn *in)
{
	unop_rm(c, in, UN_NEG);
}
void op_inc_r(struct cpu *c, const struct insn *in)
{
	unop_rm(c, in, UN_INC);
}
void op_dec_r(struct cpu *c, const struct insn *in)
{
	unop_rm(c, in, UN_DEC);
}

/* ---- multiply and divide ---- */

/* CF = OF = overflow; SF, ZF, AF and PF are undefined: they read as the
 * low half gives them (and AF 0), without touching RFLAGS now. */
static void mul_flags(struct cpu *c, bool overflow, uint64_t low, unsigned size)
{
	c->lf_op = LF_CFOF | size_log2(size);
	c->lf_res = low & size_mask(size);
	c->lf_a = c->lf_b = overflow;
}

void op_mul(struct cpu *c, const struct insn *in)
{
	unsigned size = in->opsz;
	uint64_t b = rm_read(c, in, size), a = get_reg(c, R_AX, size);
	unsigned __int128 p = (unsigned __int128)a * b;
	uint64_t lo = (uint64_t)p & size_mask(size), hi;

	if (size == 8)
		hi = (uint64_t)(p >> 64);
	else
		hi = (uint64_t)(p >> (size * 8)) & size_mask(size);
	if (size == 1) {
		set_reg(c, R_AX, 2, (uint64_t)p & 0xffff);
	} else {
		set_reg(c, R_AX, size, lo);
		set_reg(c, R_DX, size, hi);
	}
	mul_flags(c, hi != 0, lo, size);
}

/* Signed product of a and b at size, and whether it overflows size. */
static uint64_t imul_calc(uint64_t a, uint64_t b, unsigned size, bool *ovf, uint64_t *hi)
{
	__int128 p = (__int128)(int64_t)sext(a, size) * (__int128)(int64_t)sext(b, size);
	uint64_t lo = (uint64_t)p;

	*ovf = p != (__int128)(int64_t)sext(lo & size_mask(size), size);
	*hi = size == 8 ? (uint64_t)(p >> 64) : (uint64_t)(p >> (size * 8));
	return lo & size_mask(size);
}

void op_imul1(struct cpu *c, const struct insn *in)
{
	unsigned size = in->opsz;
	uint64_t hi, lo;
	bool ovf;

	lo = imul_calc(get_reg(c, R_AX, size), rm_read(c, in, size), size, &ovf, &hi);
	if (size == 1) {
		set_reg(c, R_AX, 2, (lo & 0xff) | ((hi & 0xff) << 8));
	} else {
		set_reg(c, R_AX, size, lo);
		set_reg(c, R_DX, size, hi);
	}
	mul_flags(c, ovf, lo, size);
}

void op_imul_r_rm(struct cpu *c, const struct insn *in)
{
	uint64_t hi, lo;
	bool ovf;

	lo = imul_calc(get_reg(c, in->reg, in->opsz), rm_read(c, in, in->opsz), in->opsz, &ovf,
		       &hi);
	set_reg(c, in->reg, in->opsz, lo);
	mul_flags(c, ovf, lo, in->opsz);
}

void op_imul_r_rm_imm(struct cpu *c, const struct insn *in)
{
	uint64_t hi, lo;
	bool ovf;

	lo = imul_calc(rm_read(c, in, in->opsz), in->imm, in->opsz, &ovf, &hi);
	set_reg(c, in->reg, in->opsz, lo);
	mul_flags(c, ovf, lo, in->opsz);
}

void op_div(struct cpu *c, const struct insn *in)
{
	unsigned size = in->opsz, bits = size * 8;
	uint64_t d = rm_read(c, in, size);
	unsigned __int128 n;
	unsigned __int128 q, r;

	if (d == 0)
		cpu_exception(c, EXC_DE, EXC_NO_ERR);
	if (size == 1)
		n = get_reg(c, R_AX, 2);
	else
		n = ((unsigned __int128)get_reg(c, R_DX, size) << bits) | get_reg(c, R_AX, size);
	q = n / d;
	r = n % d;
	if (q > size_mask(size))
		cpu_exception(c, EXC_DE, EXC_NO_ERR);
	if (size == 1) {
		set_reg(c, R_AX, 2, (uint64_t)q | ((uint64_t)r << 8));
	} else {
		set_reg(c, R_AX, size, (uint64_t)q);
		set_reg(c, R_DX, size, (uint64_t)r);
	}
}

void op_idiv(struct cpu *c, const struct insn *in)
{
	unsigned size = in->opsz, bits = size * 8;
	int64_t d = (int64_t)sext(rm_read(c, in, size), size);
	__int128 n, q, r;

	if (d == 0)
		cpu_exception(c, EXC_DE, EXC_NO_ERR);
	if (size == 1)
		n = (int16_t)get_reg(c, R_AX, 2);
	else if (size == 8)
		n = (__int128)(((unsigned __int128)c->regs[R_DX] << 64) | c->regs[R_AX]);
	else /* DX:AX or EDX:EAX, sign-extended from twice the operand size */
		n = (int64_t)sext((get_reg(c, R_DX, size) << bits) | get_reg(c, R_AX, size),
				  2 * size);
	/* The one quotient __int128 cannot hold: -2^127 / -1. */
	if (size == 8 && d == -1 && (unsigned __int128)n == (unsigned __int128)1 << 127)
		cpu_exception(c, EXC_DE, EXC_NO_ERR);
	q = n / d;
	r = n % d;
	if (q > (__int128)(size_mask(size) >> 1) || q < -(__int128)(size_mask(size) >> 1) - 1)
		cpu_exception(c, EXC_DE, EXC_NO_ERR);
	if (size == 1) {
		set_reg(c, R_AX, 2, ((uint64_t)q & 0xff) | (((uint64_t)r & 0xff) << 8));
	} else {
		set_reg(c, R_AX, size, (uint64_t)q);
		set_reg(c, R_DX, size, (uint64_t)r);
	}
}

/* ---- shifts and rotates ---- */

/* ROL ROR RCL RCR by n (masked, not 0): the result; CF and OF change, the
 * other flags stay, so the old flags are read (rotates are rarer). */
static uint64_t rotate_calc(struct cpu *c, unsigned op, unsigned size, uint64_t a, unsigned n)
{
	unsigned bits = size * 8;
	uint64_t m = size_mask(size), top = 1ULL << (bits - 1), r, f = cpu_get_flags(c);
	bool cf, of;

	a &= m;
	switch (op) {
	case 0: { /* ROL */
		unsigned k = n % bits;

		r = k ? ((a << k) | (a >> (bits - k))) & m : a;
		cf = r & 1;
		of = !!(r & top) != cf;
		break;
	}
	case 1: { /* ROR */
		unsigned k = n % bits;

		r = k ? ((a >> k) | (a << (bits - k))) & m : a;
		cf = r & top;
		of = !!(r & top) != !!(r & (top >> 1));
		break;
	}
	case 2: { /* RCL: a (bits+1)-bit rotation through CF */
		unsigned k = n % (bits + 1);
		unsigned __int128 w = ((unsigned __int128)((f & F_CF) ? 1 : 0) << bits) | a;

		if (k)
			w = ((w << k) | (w >> (bits + 1 - k))) &
			    (((unsigned __int128)1 << (bits + 1)) - 1);
		r = (uint64_t)w & m;
		cf = (w >> bits) & 1;
		of = !!(r & top) != cf;
		break;
	}
	default: { /* RCR */
		unsigned k = n % (bits + 1);
		unsigned __int128 w = ((unsigned __int128)((f & F_CF) ? 1 : 0) << bits) | a;

		of = !!(a & top) != !!(f & F_CF);
		if (k)
			w = ((w >> k) | (w << (bits + 1 - k))) &
			    (((unsigned __int128)1 << (bits + 1)) - 1);
		r = (uint64_t)w & m;
		cf = (w >> bits) & 1;
		break;
	}
	}
	c->lf_op = LF_NONE;
	c->rflags = (f & ~(uint64_t)(F_CF | F_OF)) | (cf ? F_CF : 0) | (of ? F_OF : 0);
	return r;
}

/* SHL/SAL, SHR, SAR by n (masked, not 0): the result, with CF and OF kept
 * lazily (LF_CFOF; AF is undefined and reads 0). No old flag is needed. */
static inline uint64_t shift_lazy(struct cpu *c, unsigned op, unsigned size, uint64_t a, unsigned n)
{
	unsigned bits = size * 8;
	uint64_t m = size_mask(size), top = 1ULL << (bits - 1), r;
	unsigned cf, of;

	a &= m;
	switch (op) {
	case 5: /* SHR */
		r = a >> n;
		cf = (a >> (n - 1)) & 1;
		of = (a & top) != 0;
		break;
	case 7: { /* SAR */
		int64_t sa = (int64_t)sext(a, size);

		r = (uint64_t)(sa >> n) & m;
		cf = (unsigned)(sa >> (n - 1)) & 1;
		of = 0;
		break;
	}
	default: /* SHL, SAL */
		r = n < 64 ? (a << n) & m : 0;
		cf = n <= bits ? (a >> (bits - n)) & 1 : 0;
		of = ((r & top) != 0) != cf;
		break;
	}
	c->lf_op = LF_CFOF | size_log2(size);
	c->lf_res = r;
	c->lf_a = cf;
	c->lf_b = of;
	return r;
}

void op_shift(struct cpu *c, const struct insn *in)
{
	unsigned size = in->opsz, op = in->reg & 7, n;
	uint64_t a, r, lin = 0;

	if (in->op == 0xd0 || in->op == 0xd1)
		n = 1;
	else if (in->op == 0xd2 || in->op == 0xd3)
		n = c->regs[R_CX] & 0xff;
	else
		n = in->imm & 0xff;
	n &= size == 8 ? 0x3f : 0x1f;
	if (in->mod == 3) {
		a = get_reg(c, in->rm, size);
	} else {
		lin = seg_lin(c, in->seg, insn_ea(c, in), size, true);
		a = lin_read(c, lin, size);
	}
	if (n == 0) {
		/* No flag changes and no store; but a 32-bit register is still
		 * written, which clears its upper half. */
		if (in->mod == 3 && size == 4)
			set_reg(c, in->rm, 4, a);
		return;
	}
	r = op >= 4 ? shift_lazy(c, op, size, a, n) : rotate_calc(c, op, size, a, n);
	if (in->mod == 3)
		set_reg(c, in->rm, size, r);
	else
		lin_write(c, lin, size, r);
}

/* Register forms of SHL/SHR/SAR at 64 and 32 bits, by imm8 or CL: chosen
 * at decode time (cpu_specialize). */
#define SHIFT_REG(name, size, cl)                                                                  \
	void name(struct cpu *c, const struct insn *in)                                            \
	{                                                                                          \
		unsigned n = (unsigned)((cl) ? c->regs[R_CX] : in->imm) & (size == 8 ? 63 : 31);   \
		uint64_t a = c->regs[in->rm];                                                      \
                                                                                                   \
		if (n)                                                                             \
			a = shift_lazy(c, in->reg & 7, size, a, n);                                \
		c->regs[in->rm] = size == 4 ? (uint32_t)a : a;                                     \
	}

SHIFT_REG(op_shift_ri8, 8, 0)
SHIFT_REG(op_shift_ri4, 4, 0)
SHIFT_REG(op_shift_rcl8, 8, 1)
SHIFT_REG(op_shift_rcl4, 4, 1)

static void double_shift(struct cpu *c, const struct insn *in, bool left)
{
	unsigned size = in->opsz, bits = size * 8, n;
	uint64_t a, b = get_reg(c, in->reg, size), r, lin = 0, m = size_mask(size);
	uint64_t top = 1ULL << (bits - 1);
	bool cf, of;

	n = ((in->op & 1) ? c->regs[R_CX] : in->imm) & (size == 8 ? 0x3f : 0x1f);
	if (in->mod == 3) {
		a = get_reg(c, in->rm, size);
	} else {
		lin = seg_lin(c, in->seg, insn_ea(c, in), size, true);
		a = lin_read(c, lin, size);
	}
	if (n == 0) {
		if (in->mod == 3 && size == 4)
			set_reg(c, in->rm, 4, a); /* as for SHL: the upper half clears */
		return;
	}
	if (size == 2) {
		/* Counts above 16 are undefined; shift the 32-bit pair. */
		uint64_t w = left ? (a << 16) | b : (b << 16) | a;

		r = (left ? (w << n) >> 16 : w >> n) & m;
		cf = left ? (w >> (32 - n)) & 1 : (w >> (n - 1)) & 1;
	} else if (left) {
		r = ((a << n) | (b >> (bits - n))) & m;
		cf = (a >> (bits - n)) & 1;
	} else {
		r = ((a >> n) | (b << (bits - n))) & m;
		cf = (a >> (n - 1)) & 1;
	}
	of = !!((a ^ r) & top);
	if (in->mod == 3)
		set_reg(c, in->rm, size, r);
	else
		lin_write(c, lin, size, r);
	flags_put(c, (cf ? F_CF : 0) | (of ? F_OF : 0) | (r ? 0 : F_ZF) | ((r & top) ? F_SF : 0) |
			     parity(r));
}

void op_shld(struct cpu *c, const struct insn *in)
{
	double_shift(c, in, true);
}
void op_shrd(struct cpu *c, const struct insn *in)
{
	double_shift(c, in, false);
}

/* ---- bit tests and scans ---- */

/* BT BTS BTR BTC: op 0-3; off is the bit offset, already reduced for
 * register operands. Memory operands with a register offset address any
 * bit relative to the operand (the offset is signed). */
static void bit_op(struct cpu *c, const struct insn *in, unsigned op, int64_t off, bool wide)
{
	unsigned size = in->opsz, bits = size * 8;
	uint64_t a, r, mask, lin = 0;
	void *p = NULL;

	if (in->mod == 3) {
		off &= bits - 1;
		a = get_reg(c, in->rm, size);
	} else {
		uint64_t ea = insn_ea(c, in);

		if (wide) {
			ea += (uint64_t)((off >> 3) & ~(int64_t)(size - 1));
			ea &= ad_mask(in->adsz);
		}
		off &= bits - 1;
		lin = seg_lin(c, in->seg, ea, size, op != 0);
		if (op != 0 && (in->pfx & PFX_LOCK))
			p = mmu_rmw_ptr(c, lin, size);
		a = p ? atomic_ld(p, size) : lin_read(c, lin, size);
	}
	mask = 1ULL << off;
	for (;;) {
		switch (op) {
		case 1:
			r = a | mask;
			break;
		case 2:
			r = a & ~mask;
			break;
		case 3:
			r = a ^ mask;
			break;
		default:
			r = a;
			break;
		}
		if (!p || cas(p, size, &a, r))
			break;
	}
	if (op != 0) {
		if (in->mod == 3)
			set_reg(c, in->rm, size, r);
		else if (!p)
			lin_write(c, lin, size, r);
	}
	flags_put(c, (cpu_get_flags(c) & ~(uint64_t)F_CF) | ((a & mask) ? F_CF : 0));
}

void op_bt_rm_r(struct cpu *c, const struct insn *in)
{
	/* 0F A3 BT, AB BTS, B3 BTR, BB BTC */
	unsigned op = (in->op >> 3) & 3;

	bit_op(c, in, op, (int64_t)sext(get_reg(c, in->reg, in->opsz), in->opsz), true);
}

void op_bt_rm_imm(struct cpu *c, const struct insn *in)
{
	bit_op(c, in, in->reg & 3, (int64_t)(in->imm & 0xff), false);
}

void op_bsf(struct cpu *c, const struct insn *in)
{
	uint64_t v = rm_read(c, in, in->opsz) & size_mask(in->opsz);

	if (!v) {
		flags_put(c, (cpu_get_flags(c) & ~(uint64_t)F_ZF) | F_ZF);
		return; /* destination unchanged */
	}
	set_reg(c, in->reg, in->opsz, (uint64_t)__builtin_ctzll(v));
	flags_put(c, cpu_get_flags(c) & ~(uint64_t)F_ZF);
}

void op_bsr(struct cpu *c, const struct insn *in)
{
	uint64_t v = rm_read(c, in, in->opsz) & size_mask(in->opsz);

	if (!v) {
		flags_put(c, (cpu_get_flags(c) & ~(uint64_t)F_ZF) | F_ZF);
		return;
	}
	set_reg(c, in->reg, in->opsz, 63 - (uint64_t)__builtin_clzll(v));
	flags_put(c, cpu_get_flags(c) & ~(uint64_t)F_ZF);
}

/* ---- BCD (legacy modes only) ---- */

void op_daa(struct cpu *c, const struct insn *in)
{
	uint64_t f = cpu_get_flags(c), al = get_r8(c, R_AX), old = al;
	bool cf = f & F_CF, af = false;

	if ((al & 0xf) > 9 || (f & F_AF)) {
		al += 6;
		af = true;
	}
	if (old > 0x99 || cf) {
		al += 0x60;
		cf = true;
	} else {
		cf = false;
	}
	al &= 0xff;
	set_r8(c, R_AX, al);
	flags_put(c, (cf ? F_CF : 0) | (af ? F_AF : 0) | (al ? 0 : F_ZF) |
			     ((al & 0x80) ? F_SF : 0) | parity(al));
}

void op_das(struct cpu *c, const struct insn *in)
{
	uint64_t f = cpu_get_flags(c), al = get_r8(c, R_AX), old = al;
	bool cf = false, af = false;

	if ((al & 0xf) > 9 || (f & F_AF)) {
		cf = (f & F_CF) || al < 6;
		al -= 6;
		af = true;
	}
	if (old > 0x99 || (f & F_CF)) {
		al -= 0x60;
		cf = true;
	}
	al &= 0xff;
	set_r8(c, R_AX, al);
	flags_put(c, (cf ? F_CF : 0) | (af ? F_AF : 0) | (al ? 0 : F_ZF) |
			     ((al & 0x80) ? F_SF : 0) | parity(al));
}

static void ascii_adjust(struct cpu *c, bool add)
{
	uint64_t f = cpu_get_flags(c), ax = get_reg(c, R_AX, 2);
	bool adj = (ax & 0xf) > 9 || (f & F_AF);

	if (adj && add) {
		ax += 0x106;
	} else if (adj) {
		ax -= 6; /* a borrow out of AL reaches AH, then AH - 1 */
		ax = (ax & 0xff) | ((((ax >> 8) - 1) & 0xff) << 8);
	}
	set_reg(c, R_AX, 2, ax & 0xff0f);
	flags_put(c, (f & ~(uint64_t)(F_CF | F_AF)) | (adj ? F_CF | F_AF : 0));
}

void op_aaa(struct cpu *c, const struct insn *in)
{
	ascii_adjust(c, true);
}
void op_aas(struct cpu *c, const struct insn *in)
{
	ascii_adjust(c, false);
}

void op_aam(struct cpu *c, const struct insn *in)
{
	unsigned base = in->imm & 0xff, al = (unsigned)get_r8(c, R_AX);

	if (!base)
		cpu_exception(c, EXC_DE, EXC_NO_ERR);
	al = al % base | (al / base) << 8;
	set_reg(c, R_AX, 2, al);
	lf_set(c, LF_LOGIC, 1, al & 0xff, 0, 0);
}

void op_aad(struct cpu *c, const struct insn *in)
{
	unsigned base = in->imm & 0xff, ax = (unsigned)get_reg(c, R_AX, 2);
	unsigned al = ((ax & 0xff) + (ax >> 8) * base) & 0xff;

	set_reg(c, R_AX, 2, al);
	lf_set(c, LF_LOGIC, 1, al, 0, 0);
}

void op_salc(struct cpu *c, const struct insn *in)
{
	set_r8(c, R_AX, cpu_cf(c) ? 0xff : 0);
}

/* ---- conversions, conditions, flags ---- */

void op_cbw(struct cpu *c, const struct insn *in)
{
	unsigned size = in->opsz;

	set_reg(c, R_AX, size, sext(get_reg(c, R_AX, size / 2), size / 2));
}

void op_cwd(struct cpu *c, const struct insn *in)
{
	unsigned size = in->opsz;
	uint64_t a = get_reg(c, R_AX, size);

	set_reg(c, R_DX, size, (a >> (size * 8 - 1)) & 1 ? ~0ULL : 0);
}

void op_setcc(struct cpu *c, const struct insn *in)
{
	rm_write(c, in, 1, cpu_cond(c, in->op & 15));
}

void op_cmov(struct cpu *c, const struct insn *in)
{
	uint64_t v = rm_read(c, in, in->opsz); /* the source is read either way */

	if (cpu_cond(c, in->op & 15))
		set_reg(c, in->reg, in->opsz, v);
	else if (in->opsz == 4)
		set_reg(c, in->reg, 4, get_reg(c, in->reg, 4)); /* 32-bit: upper half cleared */
}

void op_cmc(struct cpu *c, const struct insn *in)
{
	flags_put(c, cpu_get_flags(c) ^ F_CF);
}

void op_clc(struct cpu *c, const struct insn *in)
{
	flags_put(c, cpu_get_flags(c) & ~(uint64_t)F_CF);
}

void op_stc(struct cpu *c, const struct insn *in)
{
	flags_put(c, cpu_get_flags(c) | F_CF);
}

void op_cld(struct cpu *c, const struct insn *in)
{
	c->rflags &= ~(uint64_t)F_DF;
}

void op_std(struct cpu *c, const struct insn *in)
{
	c->rflags |= F_DF;
}

void op_lahf(struct cpu *c, const struct insn *in)
{
	set_r8(c, R8_HIGH + R_AX, (cpu_get_flags(c) & (F_SF | F_ZF | F_AF | F_PF | F_CF)) | 2);
}

void op_sahf(struct cpu *c, const struct insn *in)
{
	uint64_t ah = get_r8(c, R8_HIGH + R_AX), keep = F_SF | F_ZF | F_AF | F_PF | F_CF;

	flags_put(c, (cpu_get_flags(c) & ~keep) | (ah & keep));
}
