/* ops_flow.c - control transfers: near and far jumps, calls and returns,
 * loops, software interrupts and IRET (SDM vol. 2; far transfers follow
 * the protected-mode rules of vol. 3A, 5.8, without call gates or task
 * switches). */
#include "cpu/ops.h"

void op_jcc(struct cpu *c, const struct insn *in)
{
	if (cpu_cond(c, in->op & 15))
		set_rip(c, c->regs[R_RIP] + in->imm, in->opsz);
}

void op_jmp_rel(struct cpu *c, const struct insn *in)
{
	set_rip(c, c->regs[R_RIP] + in->imm, in->opsz);
}

void op_jmp_rm(struct cpu *c, const struct insn *in)
{
	set_rip(c, rm_read(c, in, in->opsz), in->opsz);
}

void op_call_rel(struct cpu *c, const struct insn *in)
{
	uint64_t ret = c->regs[R_RIP];

	push(c, in->opsz, ret);
	set_rip(c, ret + in->imm, in->opsz);
}

void op_call_rm(struct cpu *c, const struct insn *in)
{
	uint64_t target = rm_read(c, in, in->opsz);

	push(c, in->opsz, c->regs[R_RIP]);
	set_rip(c, target, in->opsz);
}

void op_ret(struct cpu *c, const struct insn *in)
{
	uint64_t rip = pop(c, in->opsz), smask = ad_mask(c->stack_size);

	if (in->op == 0xc2)
		c->regs[R_SP] =
			(c->regs[R_SP] & ~smask) | ((c->regs[R_SP] + (in->imm & 0xffff)) & smask);
	set_rip(c, rip, in->opsz);
}

/* LOOP/LOOPE/LOOPNE: count in rCX by address size. */
void op_loop(struct cpu *c, const struct insn *in)
{
	uint64_t m = ad_mask(in->adsz), cnt = (c->regs[R_CX] - 1) & m;
	bool go = cnt != 0;

	/* rCX at the address size; a 32-bit count clears the upper half. */
	c->regs[R_CX] = in->adsz == 2 ? (c->regs[R_CX] & ~m) | cnt : cnt;
	if (in->op == 0xe0)
		go = go && !cpu_cond(c, 4);
	else if (in->op == 0xe1)
		go = go && cpu_cond(c, 4);
	if (go)
		set_rip(c, c->regs[R_RIP] + in->imm, in->opsz);
}

void op_jcxz(struct cpu *c, const struct insn *in)
{
	if ((c->regs[R_CX] & ad_mask(in->adsz)) == 0)
		set_rip(c, c->regs[R_RIP] + in->imm, in->opsz);
}

/* ---- far transfers ---- */

/* Load CS for a far JMP/CALL to sel:off in protected mode: a code segment
 * at the current privilege (conforming: at or below it). */
static void far_target(struct cpu *c, uint16_t sel, uint64_t off, unsigned opsz)
{
	if (!c->pe) {
		seg_load_real(c, SEG_CS, sel);
		c->regs[R_RIP] = off & size_mask(opsz);
		return;
	}
	uint64_t d;
	bool ok;
	struct x86_seg g;

	if ((sel & ~3u) == 0)
		cpu_gp(c, 0);
	d = seg_read_desc(c, sel, &ok);
	if (!ok)
		cpu_gp(c, sel & ~3u);
	g = seg_from_desc(d, 0, sel);
	if (!g.s || !(g.type & 8))
		cpu_gp(c, sel & ~3u); /* call gates and TSS targets: not supported */
	if ((g.type & 4) ? g.dpl > c->cpl : (g.dpl != c->cpl || (sel & 3) > c->cpl))
		cpu_gp(c, sel & ~3u);
	seg_load_cs(c, sel, c->cpl);
	c->regs[R_RIP] = c->code64 ? off : off & size_mask(opsz);
}

void op_jmp_far(struct cpu *c, const struct insn *in)
{
	far_target(c, in->imm2, in->imm, in->opsz);
}

void op_call_far(struct cpu *c, const struct insn *in)
{
	uint16_t cs = c->seg[SEG_CS].selector;
	uint64_t rip = c->regs[R_RIP], sp = c->regs[R_SP];

	push(c, in->opsz, cs);
	push(c, in->opsz, rip);
	{
		/* If loading the target faults, the pushes never happened. */
		uint64_t after = c->regs[R_SP];

		c->regs[R_SP] = sp;
		far_target(c, in->imm2, in->imm, in->opsz);
		c->regs[R_SP] = after;
	}
}

/* FF /3, FF /5: the far pointer is in memory, offset then selector. */
static void far_pointer(struct cpu *c, const struct insn *in, uint16_t *sel, uint64_t *off)
{
	uint64_t ea = insn_ea(c, in);
	unsigned osz = in->opsz;

	*off = mem_read(c, in->seg, ea, osz);
	*sel = (uint16_t)mem_read(c, in->seg, (ea + osz) & ad_mask(in->adsz), 2);
}

void op_jmp_far_rm(struct cpu *c, const struct insn *in)
{
	uint16_t sel;
	uint64_t off;

	far_pointer(c, in, &sel, &off);
	far_target(c, sel, off, in->opsz);
}

void op_call_far_rm(struct cpu *c, const struct insn *in)
{
	uint16_t sel, cs = c->seg[SEG_CS].selector;
	uint64_t off, rip = c->regs[R_RIP], sp = c->regs[R_SP], after;

	far_pointer(c, in, &sel, &off);
	push(c, in->opsz, cs);
	push(c, in->opsz, rip);
	after = c->regs[R_SP];
	c->regs[R_SP] = sp;
	far_target(c, sel, off, in->opsz);
	c->regs[R_SP] = after;
}

void op_retf(struct cpu *c, const struct insn *in)
{
	unsigned osz = in->opsz;
	uint64_t smask = ad_mask(c->stack_size), sp = c->regs[R_SP];
	uint64_t rip = pop(c, osz), cs = pop(c, osz) & 0xffff, nsp = 0, nss = 0;
	unsigned rpl = cs & 3;

	if (!c->pe) {
		seg_load_real(c, SEG_CS, (uint16_t)cs);
		c->regs[R_RIP] = rip & size_mask(osz);
	} else if (rpl == c->cpl) {
		uint64_t after = c->regs[R_SP];

		c->regs[R_SP] = sp;
		far_target(c, (uint16_t)cs, rip, osz);
		c->regs[R_SP] = after;
	} else {
		/* Return to an outer level: SS:rSP follow (after imm16 bytes). */
		if (rpl < c->cpl)
			cpu_gp(c, cs & ~3u);
		c->regs[R_SP] =
			(c->regs[R_SP] & ~smask) | ((c->regs[R_SP] + (in->imm & 0xffff)) & smask);
		nsp = pop(c, osz);
		nss = pop(c, osz) & 0xffff;
		seg_load_cs(c, (uint16_t)cs, (int)rpl);
		seg_load(c, SEG_SS, (uint16_t)nss);
		c->regs[R_SP] = c->code64 ? nsp
					  : (c->regs[R_SP] & ~ad_mask(c->stack_size)) |
						    (nsp & ad_mask(c->stack_size));
		c->regs[R_RIP] = c->code64 ? rip : rip & size_mask(osz);
		return;
	}
	if (in->op == 0xca)
		c->regs[R_SP] =
			(c->regs[R_SP] & ~smask) | ((c->regs[R_SP] + (in->imm & 0xffff)) & smask);
}

/* ---- software interrupts ---- */

void op_int(struct cpu *c, const struct insn *in)
{
	cpu_interrupt(c, (int)(in->imm & 0xff), EXC_NO_ERR, true, false);
}

void op_int3(struct cpu *c, const struct insn *in)
{
	if (c->trap_exc)
		cpu_exception(c, EXC_BP, EXC_NO_ERR);
	c->stats.exceptions[EXC_BP]++;
	cpu_interrupt(c, EXC_BP, EXC_NO_ERR, true, false);
}

void op_into(struct cpu *c, const struct insn *in)
{
	if (cpu_cond(c, 0)) {
		c->stats.exceptions[EXC_OF]++;
		cpu_interrupt(c, EXC_OF, EXC_NO_ERR, true, false);
	}
}

void op_int1(struct cpu *c, const struct insn *in)
{
	c->stats.exceptions[EXC_DB]++;
	cpu_interrupt(c, EXC_DB, EXC_NO_ERR, false, false);
}

void op_iret(struct cpu *c, const struct insn *in)
{
	cpu_iret(c, in->opsz);
}
