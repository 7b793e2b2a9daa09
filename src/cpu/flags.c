/* flags.c - lazy arithmetic flags (see LF_* in internal.h). The last
 * flag-setting ALU operation is kept as (kind, size, result, operands);
 * CF, PF, AF, ZF, SF and OF are computed from it only when read, as the
 * SDM defines them for each instruction (vol. 2, "Flags Affected"). */
#include "cpu/internal.h"

static inline uint64_t top_bit(unsigned lg)
{
	return 1ULL << ((8u << lg) - 1);
}

static bool lf_carry(const struct cpu *c)
{
	uint64_t a = c->lf_a, b = c->lf_b, r = c->lf_res;

	switch (c->lf_op & ~3u) {
	case LF_ADD:
		return r < a;
	case LF_ADC:
		return r < a || (c->lf_cf && r == a);
	case LF_SUB:
		return a < b;
	case LF_SBB:
		return a < b || (c->lf_cf && a == b);
	case LF_NEG:
		return b != 0;
	case LF_INC:
	case LF_DEC:
		return c->lf_cf;
	case LF_CFOF:
		return a & 1;
	default:
		return false; /* LF_LOGIC */
	}
}

static bool lf_overflow(const struct cpu *c)
{
	uint64_t a = c->lf_a, b = c->lf_b, r = c->lf_res, top = top_bit(c->lf_op & 3);

	switch (c->lf_op & ~3u) {
	case LF_ADD:
	case LF_ADC:
	case LF_INC:
		return ((a ^ r) & (b ^ r) & top) != 0;
	case LF_SUB:
	case LF_SBB:
	case LF_DEC:
	case LF_NEG:
		return ((a ^ b) & (a ^ r) & top) != 0;
	case LF_CFOF:
		return b & 1;
	default:
		return false;
	}
}

static uint64_t lf_compute(const struct cpu *c)
{
	uint64_t r = c->lf_res, f = 0;

	if (lf_carry(c))
		f |= F_CF;
	if (lf_overflow(c))
		f |= F_OF;
	if ((c->lf_op & ~3u) != LF_LOGIC && (c->lf_op & ~3u) != LF_CFOF &&
	    ((c->lf_a ^ c->lf_b ^ r) & 0x10))
		f |= F_AF;
	if (r == 0)
		f |= F_ZF;
	if (r & top_bit(c->lf_op & 3))
		f |= F_SF;
	f |= parity(r);
	return f;
}

uint64_t cpu_get_flags(struct cpu *c)
{
	if (c->lf_op == LF_NONE)
		return c->rflags;
	return (c->rflags & ~(uint64_t)F_ARITH) | lf_compute(c);
}

void cpu_flags_commit(struct cpu *c)
{
	c->rflags = cpu_get_flags(c);
	c->lf_op = LF_NONE;
}

void cpu_set_flags(struct cpu *c, uint64_t v, uint64_t writable)
{
	uint64_t cur = cpu_get_flags(c);

	c->lf_op = LF_NONE;
	c->rflags = ((cur & ~writable) | (v & writable) | X86_RFLAGS_FIXED) &
		    ~(uint64_t)((1u << 3) | (1u << 5) | (1u << 15));
	cpu_if_changed(c);
}

bool cpu_cf(struct cpu *c)
{
	if (c->lf_op == LF_NONE)
		return c->rflags & F_CF;
	return lf_carry(c);
}

/* Condition codes (SDM vol. 1, appendix B). CMP and TEST results, the
 * common case before a Jcc, are answered without building RFLAGS. */
bool cpu_cond(struct cpu *c, unsigned cc)
{
	uint64_t f;
	bool r;

	if ((c->lf_op & ~3u) == LF_SUB) {
		unsigned lg = c->lf_op & 3;
		uint64_t a = c->lf_a, b = c->lf_b;
		int64_t sa = (int64_t)(a << (64 - (8u << lg))),
			sb = (int64_t)(b << (64 - (8u << lg)));

		switch (cc >> 1) {
		case 1:
			r = a < b;
			goto out; /* B */
		case 2:
			r = a == b;
			goto out; /* E */
		case 3:
			r = a <= b;
			goto out; /* BE */
		case 6:
			r = sa < sb;
			goto out; /* L */
		case 7:
			r = sa <= sb;
			goto out; /* LE */
		default:
			break;
		}
	} else if ((c->lf_op & ~3u) == LF_LOGIC) {
		uint64_t res = c->lf_res;
		bool sf = res & top_bit(c->lf_op & 3);

		switch (cc >> 1) {
		case 0:
			r = false;
			goto out; /* O */
		case 1:
			r = false;
			goto out; /* B */
		case 2:
			r = res == 0;
			goto out; /* E */
		case 3:
			r = res == 0;
			goto out; /* BE */
		case 4:
			r = sf;
			goto out; /* S */
		case 6:
			r = sf;
			goto out; /* L: SF != OF, OF = 0 */
		case 7:
			r = res == 0 || sf;
			goto out; /* LE */
		default:
			break;
		}
	}
	if (c->lf_op != LF_NONE && ((cc >> 1) == 2 || (cc >> 1) == 4)) {
		/* ZF and SF come from the result whatever set them. */
		r = (cc >> 1) == 2 ? c->lf_res == 0 : (c->lf_res & top_bit(c->lf_op & 3)) != 0;
		goto out;
	}
	f = cpu_get_flags(c);
	switch (cc >> 1) {
	case 0:
		r = f & F_OF;
		break;
	case 1:
		r = f & F_CF;
		break;
	case 2:
		r = f & F_ZF;
		break;
	case 3:
		r = f & (F_CF | F_ZF);
		break;
	case 4:
		r = f & F_SF;
		break;
	case 5:
		r = f & F_PF;
		break;
	case 6:
		r = !!(f & F_SF) != !!(f & F_OF);
		break;
	default:
		r = (f & F_ZF) || (!!(f & F_SF) != !!(f & F_OF));
		break;
	}
out:
	return (cc & 1) ? !r : r;
}
