/* ops_data.c - data movement: MOV and its relatives, exchanges, the
 * compare-and-exchange family, and the stack (SDM vol. 2). */
#include "cpu/ops.h"

bool cpu_cas(void *p, unsigned size, uint64_t *old, uint64_t val);

void op_mov_rm_r(struct cpu *c, const struct insn *in)
{
	rm_write(c, in, in->opsz, get_reg(c, in->reg, in->opsz));
}

void op_mov_r_rm(struct cpu *c, const struct insn *in)
{
	set_reg(c, in->reg, in->opsz, rm_read(c, in, in->opsz));
}

void op_mov_r_imm(struct cpu *c, const struct insn *in)
{
	set_reg(c, in->rm, in->opsz, in->imm);
}

void op_mov_rm_imm(struct cpu *c, const struct insn *in)
{
	rm_write(c, in, in->opsz, in->imm);
}

void op_mov_a_moffs(struct cpu *c, const struct insn *in)
{
	set_reg(c, R_AX, in->opsz, mem_read(c, in->seg, in->imm & ad_mask(in->adsz), in->opsz));
}

void op_mov_moffs_a(struct cpu *c, const struct insn *in)
{
	mem_write(c, in->seg, in->imm & ad_mask(in->adsz), in->opsz, get_reg(c, R_AX, in->opsz));
}

void op_movzx(struct cpu *c, const struct insn *in)
{
	unsigned from = in->op == 0xb6 ? 1 : 2;

	set_reg(c, in->reg, in->opsz, rm_read(c, in, from));
}

void op_movsx(struct cpu *c, const struct insn *in)
{
	unsigned from = in->op == 0xbe ? 1 : 2;

	set_reg(c, in->reg, in->opsz, sext(rm_read(c, in, from), from));
}

/* 63: MOVSXD in 64-bit mode, ARPL elsewhere. */
void op_movsxd(struct cpu *c, const struct insn *in)
{
	if (!c->code64) {
		op_arpl(c, in);
		return;
	}
	set_reg(c, in->reg, in->opsz,
		in->opsz == 8 ? sext(rm_read(c, in, 4), 4) : rm_read(c, in, in->opsz));
}

/* 0F C3 MOVNTI: no mandatory prefix; 66, F2 or F3 make it invalid. */
void op_movnti(struct cpu *c, const struct insn *in)
{
	if (in->pfx & (PFX_OPSZ | PFX_REP | PFX_REPNE))
		cpu_ud(c);
	op_mov_rm_r(c, in);
}

void op_lea(struct cpu *c, const struct insn *in)
{
	set_reg(c, in->reg, in->opsz, insn_ea(c, in));
}

void op_nop(struct cpu *c, const struct insn *in)
{
}

/* XCHG with memory is locked whether or not it says so. */
void op_xchg_rm_r(struct cpu *c, const struct insn *in)
{
	unsigned size = in->opsz;
	uint64_t r = get_reg(c, in->reg, size), m, lin;
	void *p;

	if (in->mod == 3) {
		m = get_reg(c, in->rm, size);
		set_reg(c, in->rm, size, r);
		set_reg(c, in->reg, size, m);
		return;
	}
	lin = seg_lin(c, in->seg, insn_ea(c, in), size, true);
	p = mmu_rmw_ptr(c, lin, size);
	if (p) {
		m = 0;
		switch (size) {
		case 1:
			m = __atomic_exchange_n((uint8_t *)p, (uint8_t)r, __ATOMIC_SEQ_CST);
			break;
		case 2:
			m = __atomic_exchange_n((uint16_t *)p, (uint16_t)r, __ATOMIC_SEQ_CST);
			break;
		case 4:
			m = __atomic_exchange_n((uint32_t *)p, (uint32_t)r, __ATOMIC_SEQ_CST);
			break;
		default:
			m = __atomic_exchange_n((uint64_t *)p, r, __ATOMIC_SEQ_CST);
			break;
		}
	} else {
		m = lin_read(c, lin, size);
		lin_write(c, lin, size, r);
	}
	set_reg(c, in->reg, size, m);
}

/* 90+r: XCHG rAX, r; 90 is NOP (with F3, PAUSE), but with REX.B it is a
 * real exchange with R8. */
void op_xchg_r_a(struct cpu *c, const struct insn *in)
{
	unsigned size = in->opsz;
	uint64_t a, r;

	if (in->rm == R_AX)
		return; /* NOP: even in 64-bit mode RAX's upper half stays */
	a = get_reg(c, R_AX, size);
	r = get_reg(c, in->rm, size);
	set_reg(c, R_AX, size, r);
	set_reg(c, in->rm, size, a);
}

void op_cmpxchg(struct cpu *c, const struct insn *in)
{
	unsigned size = in->opsz;
	uint64_t acc = get_reg(c, R_AX, size), src = get_reg(c, in->reg, size), cur, lin;
	void *p;

	if (in->mod == 3) {
		cur = get_reg(c, in->rm, size);
		if (cur == acc)
			set_reg(c, in->rm, size, src);
		else
			set_reg(c, R_AX, size, cur);
	} else {
		lin = seg_lin(c, in->seg, insn_ea(c, in), size, true);
		p = (in->pfx & PFX_LOCK) ? mmu_rmw_ptr(c, lin, size) : NULL;
		if (p) {
			cur = acc;
			if (!cpu_cas(p, size, &cur, src))
				set_reg(c, R_AX, size, cur);
		} else {
			cur = lin_read(c, lin, size);
			/* The destination is written either way (with its own
			 * value on failure), as the SDM describes. */
			lin_write(c, lin, size, cur == acc ? src : cur);
			if (cur != acc)
				set_reg(c, R_AX, size, cur);
		}
	}
	lf_set(c, LF_SUB, size, acc - cur, acc, cur);
}

/* LOCK CMPXCHG16B on the host: p is 16-byte aligned (checked by the
 * caller on the guest address; guest RAM pages map to host pages). */
static bool host_cmpxchg16b(void *p, uint64_t *lo, uint64_t *hi, uint64_t nlo, uint64_t nhi)
{
	bool ok;

	__asm__ __volatile__("lock cmpxchg16b %1"
			     : "=@ccz"(ok), "+m"(*(volatile unsigned __int128 *)p), "+a"(*lo),
			       "+d"(*hi)
			     : "b"(nlo), "c"(nhi)
			     : "memory");
	return ok;
}

/* 0F C7 /1: CMPXCHG8B m64, or CMPXCHG16B m128 with REX.W. */
void cpu_cmpxchg8b(struct cpu *c, const struct insn *in);
void cpu_cmpxchg8b(struct cpu *c, const struct insn *in)
{
	uint64_t ea = insn_ea(c, in), lin;
	bool ok;

	if (in->pfx & PFX_REXW) {
		unsigned __int128 cmp, nv, cur;
		void *p;

		if (ea & 15)
			cpu_gp(c, 0);
		lin = seg_lin(c, in->seg, ea, 16, true);
		cmp = ((unsigned __int128)c->regs[R_DX] << 64) | c->regs[R_AX];
		nv = ((unsigned __int128)c->regs[R_CX] << 64) | c->regs[R_BX];
		p = mmu_rmw_ptr(c, lin, 16);
		if (p) {
			uint64_t lo = (uint64_t)cmp, hi = (uint64_t)(cmp >> 64);

			ok = host_cmpxchg16b(p, &lo, &hi, (uint64_t)nv, (uint64_t)(nv >> 64));
			cur = ((unsigned __int128)hi << 64) | lo;
		} else {
			uint64_t lo = lin_read(c, lin, 8), hi = lin_read(c, lin + 8, 8);

			cur = ((unsigned __int128)hi << 64) | lo;
			ok = cur == cmp;
			if (ok) {
				lin_write(c, lin, 8, c->regs[R_BX]);
				lin_write(c, lin + 8, 8, c->regs[R_CX]);
			}
		}
		if (!ok) {
			c->regs[R_AX] = (uint64_t)cur;
			c->regs[R_DX] = (uint64_t)(cur >> 64);
		}
	} else {
		uint64_t cmp = (c->regs[R_DX] << 32) | (c->regs[R_AX] & 0xffffffff), cur;
		uint64_t nv = (c->regs[R_CX] << 32) | (c->regs[R_BX] & 0xffffffff);
		void *p;

		lin = seg_lin(c, in->seg, ea, 8, true);
		p = mmu_rmw_ptr(c, lin, 8);
		if (p) {
			cur = cmp;
			ok = cpu_cas(p, 8, &cur, nv);
		} else {
			cur = lin_read(c, lin, 8);
			ok = cur == cmp;
			lin_write(c, lin, 8, ok ? nv : cur);
		}
		if (!ok) {
			set_reg(c, R_AX, 4, cur & 0xffffffff);
			set_reg(c, R_DX, 4, cur >> 32);
		}
	}
	flags_put(c, (cpu_get_flags(c) & ~(uint64_t)F_ZF) | (ok ? F_ZF : 0));
}

void op_xadd(struct cpu *c, const struct insn *in)
{
	unsigned size = in->opsz;
	uint64_t src = get_reg(c, in->reg, size), cur, lin;
	void *p;

	if (in->mod == 3) {
		cur = get_reg(c, in->rm, size);
		set_reg(c, in->reg, size, cur);
		set_reg(c, in->rm, size, cur + src);
	} else {
		lin = seg_lin(c, in->seg, insn_ea(c, in), size, true);
		p = (in->pfx & PFX_LOCK) ? mmu_rmw_ptr(c, lin, size) : NULL;
		if (p) {
			switch (size) {
			case 1:
				cur = __atomic_fetch_add((uint8_t *)p, (uint8_t)src,
							 __ATOMIC_SEQ_CST);
				break;
			case 2:
				cur = __atomic_fetch_add((uint16_t *)p, (uint16_t)src,
							 __ATOMIC_SEQ_CST);
				break;
			case 4:
				cur = __atomic_fetch_add((uint32_t *)p, (uint32_t)src,
							 __ATOMIC_SEQ_CST);
				break;
			default:
				cur = __atomic_fetch_add((uint64_t *)p, src, __ATOMIC_SEQ_CST);
				break;
			}
		} else {
			cur = lin_read(c, lin, size);
			lin_write(c, lin, size, cur + src);
		}
		set_reg(c, in->reg, size, cur);
	}
	lf_set(c, LF_ADD, size, cur + src, cur, src);
}

void op_bswap(struct cpu *c, const struct insn *in)
{
	if (in->opsz == 8)
		c->regs[in->rm] = __builtin_bswap64(c->regs[in->rm]);
	else if (in->opsz == 4)
		set_reg(c, in->rm, 4, __builtin_bswap32((uint32_t)c->regs[in->rm]));
	else
		set_reg(c, in->rm, 2, 0); /* 16-bit BSWAP is undefined; it gives 0 */
}

void op_xlat(struct cpu *c, const struct insn *in)
{
	uint64_t off = (c->regs[R_BX] + get_r8(c, R_AX)) & ad_mask(in->adsz);

	set_r8(c, R_AX, mem_read(c, in->seg, off, 1));
}

/* ---- stack ---- */

void op_push_r(struct cpu *c, const struct insn *in)
{
	push(c, in->opsz, get_reg(c, in->rm, in->opsz));
}

void op_pop_r(struct cpu *c, const struct insn *in)
{
	set_reg(c, in->rm, in->opsz, pop(c, in->opsz));
}

void op_push_imm(struct cpu *c, const struct insn *in)
{
	push(c, in->opsz, in->imm);
}

void op_push_rm(struct cpu *c, const struct insn *in)
{
	push(c, in->opsz, rm_read(c, in, in->opsz));
}

/* POP r/m: an address using RSP is computed after the pop (SDM: POP);
 * if the store faults, RSP is as it was. */
void op_pop_rm(struct cpu *c, const struct insn *in)
{
	uint64_t sp = c->regs[R_SP], v = pop(c, in->opsz), after, ea;

	if (in->mod == 3) {
		set_reg(c, in->rm, in->opsz, v);
		return;
	}
	after = c->regs[R_SP];
	ea = insn_ea(c, in);
	c->regs[R_SP] = sp;
	mem_write(c, in->seg, ea, in->opsz, v);
	c->regs[R_SP] = after;
}

void op_pusha(struct cpu *c, const struct insn *in)
{
	unsigned size = in->opsz;
	uint64_t sp = get_reg(c, R_SP, size);

	for (int r = R_AX; r <= R_DI; r++)
		push(c, size, r == R_SP ? sp : get_reg(c, (unsigned)r, size));
}

void op_popa(struct cpu *c, const struct insn *in)
{
	unsigned size = in->opsz;

	for (int r = R_DI; r >= R_AX; r--) {
		uint64_t v = pop(c, size);

		if (r != R_SP)
			set_reg(c, (unsigned)r, size, v);
	}
}

void op_pushf(struct cpu *c, const struct insn *in)
{
	/* VM and RF read as 0 in the image PUSHF stores. */
	push(c, in->opsz, cpu_get_flags(c) & ~(uint64_t)(F_VM | F_RF));
}

void op_popf(struct cpu *c, const struct insn *in)
{
	uint64_t v = pop(c, in->opsz);
	uint64_t writable = F_ARITH | F_TF | F_DF | F_NT | F_AC | F_ID;
	unsigned iopl = (cpu_get_flags(c) >> 12) & 3;

	if (c->cpl == 0)
		writable |= F_IOPL | F_IF;
	else if (c->cpl <= iopl)
		writable |= F_IF;
	if (in->opsz == 2)
		writable &= 0xffff;
	cpu_set_flags(c, v, writable);
	c->end_block = true; /* IF may now let an interrupt in */
}

/* ENTER: every store happens before any register changes, so a fault
 * leaves RSP and RBP as they were. */
void op_enter(struct cpu *c, const struct insn *in)
{
	unsigned size = in->opsz, level = in->imm2 & 31;
	uint64_t smask = ad_mask(c->stack_size);
	uint64_t sp = c->regs[R_SP] & smask, bp = c->regs[R_BP], frame;

	sp = (sp - size) & smask;
	mem_write(c, SEG_SS, sp, size, get_reg(c, R_BP, size));
	frame = sp;
	for (unsigned i = 1; i < level; i++) {
		bp = (bp - size) & smask;
		sp = (sp - size) & smask;
		mem_write(c, SEG_SS, sp, size, mem_read(c, SEG_SS, bp, size));
	}
	if (level) {
		sp = (sp - size) & smask;
		mem_write(c, SEG_SS, sp, size, frame);
	}
	set_reg(c, R_BP, size, frame);
	c->regs[R_SP] = (c->regs[R_SP] & ~smask) | ((sp - (in->imm & 0xffff)) & smask);
}

void op_leave(struct cpu *c, const struct insn *in)
{
	uint64_t smask = ad_mask(c->stack_size);

	c->regs[R_SP] = (c->regs[R_SP] & ~smask) | (c->regs[R_BP] & smask);
	set_reg(c, R_BP, in->opsz, pop(c, in->opsz));
}
