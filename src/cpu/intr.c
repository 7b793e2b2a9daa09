/* intr.c - exceptions and interrupts (SDM vol. 3A, chapter 6): delivery
 * through the real-mode IVT, protected-mode and long-mode IDTs with
 * privilege-level stack switches and IST stacks, the double-fault rules,
 * and IRET. */
#include "cpu/internal.h"

#include "common/log.h"

_Noreturn void cpu_exception(struct cpu *c, int vec, uint32_t err)
{
	c->last_vec = vec;
	c->trapped_err = err;
	longjmp(c->jmp, 1);
}

_Noreturn void cpu_ud(struct cpu *c)
{
	cpu_exception(c, EXC_UD, EXC_NO_ERR);
}

static bool has_error_code(int vec)
{
	return vec == EXC_DF || (vec >= EXC_TS && vec <= EXC_PF) || vec == EXC_AC;
}

/* Read one TSS field with supervisor rights. */
static uint64_t tss_read(struct cpu *c, unsigned off, unsigned size)
{
	const struct x86_seg *tr = &c->seg[SEG_TR];

	if (tr->unusable || off + size - 1 > tr->limit)
		cpu_exception(c, EXC_TS, tr->selector & ~3u);
	return sys_read(c, tr->base + off, size);
}

static void deliver_real(struct cpu *c, int vec)
{
	uint64_t ent;

	if ((uint64_t)vec * 4 + 3 > c->idtr.limit)
		cpu_gp(c, 0);
	ent = sys_read(c, c->idtr.base + (uint64_t)vec * 4, 4);
	push(c, 2, cpu_get_flags(c));
	push(c, 2, c->seg[SEG_CS].selector);
	push(c, 2, c->regs[R_RIP]);
	c->rflags &= ~(uint64_t)(F_IF | F_TF | F_AC);
	seg_load_real(c, SEG_CS, (uint16_t)(ent >> 16));
	c->regs[R_RIP] = ent & 0xffff;
}

/* Push onto a stack given by base/pointer without touching SS:RSP yet. */
static uint64_t push_at(struct cpu *c, const struct x86_seg *ss, uint64_t sp, unsigned size,
			uint64_t v, uint64_t mask)
{
	sp = (sp - size) & mask;
	sys_write(c, (c->code64 || (c->efer & X86_EFER_LMA) ? 0 : ss->base) + sp, size, v);
	return sp;
}

static void deliver_long(struct cpu *c, int vec, uint32_t err, bool soft, bool ext, bool fault)
{
	uint64_t lo, hi, off, rsp, flags = cpu_get_flags(c) | (fault ? F_RF : 0),
				   old_rsp = c->regs[R_SP];
	uint16_t sel, old_cs = c->seg[SEG_CS].selector, old_ss = c->seg[SEG_SS].selector;
	unsigned type, dpl, ist, new_cpl;
	uint64_t desc;
	struct x86_seg cs;
	bool ok;
	/* An error code naming the IDT: index (the vector) << 3, IDT bit, EXT. */
	uint32_t ecode = (uint32_t)vec * 8 + 2 + (ext ? 1 : 0);

	if ((uint64_t)vec * 16 + 15 > c->idtr.limit)
		cpu_gp(c, ecode);
	lo = sys_read(c, c->idtr.base + (uint64_t)vec * 16, 8);
	hi = sys_read(c, c->idtr.base + (uint64_t)vec * 16 + 8, 8);
	type = (lo >> 40) & 0xf;
	dpl = (lo >> 45) & 3;
	if (type != 0xe && type != 0xf)
		cpu_gp(c, ecode);
	if (soft && dpl < c->cpl)
		cpu_gp(c, ecode);
	if (!(lo & (1ULL << 47)))
		cpu_exception(c, EXC_NP, ecode);
	off = (lo & 0xffff) | ((lo >> 32) & 0xffff0000ULL) | (hi << 32);
	sel = (uint16_t)(lo >> 16);
	ist = (lo >> 32) & 7;
	desc = seg_read_desc(c, sel, &ok);
	if (!ok || (sel & ~3u) == 0)
		cpu_gp(c, (sel & ~3u) + (ext ? 1 : 0));
	cs = seg_from_desc(desc, 0, sel);
	if (!cs.s || !(cs.type & 8) || !cs.l || cs.db)
		cpu_gp(c, (sel & ~3u) + (ext ? 1 : 0));
	if (!cs.present)
		cpu_exception(c, EXC_NP, (sel & ~3u) + (ext ? 1 : 0));
	new_cpl = (cs.type & 4) ? c->cpl : cs.dpl; /* conforming keeps CPL */
	if (new_cpl > c->cpl)
		cpu_gp(c, (sel & ~3u) + (ext ? 1 : 0));

	if (ist)
		rsp = tss_read(c, 0x24 + (ist - 1) * 8, 8);
	else if (new_cpl < c->cpl)
		rsp = tss_read(c, 4 + new_cpl * 8, 8);
	else
		rsp = c->regs[R_SP];
	rsp &= ~0xfULL; /* the frame is 16-byte aligned */
	rsp = push_at(c, &c->seg[SEG_SS], rsp, 8, old_ss, ~0ULL);
	rsp = push_at(c, &c->seg[SEG_SS], rsp, 8, old_rsp, ~0ULL);
	rsp = push_at(c, &c->seg[SEG_SS], rsp, 8, flags, ~0ULL);
	rsp = push_at(c, &c->seg[SEG_SS], rsp, 8, old_cs, ~0ULL);
	rsp = push_at(c, &c->seg[SEG_SS], rsp, 8, c->regs[R_RIP], ~0ULL);
	if (err != EXC_NO_ERR)
		rsp = push_at(c, &c->seg[SEG_SS], rsp, 8, err, ~0ULL);

	if (new_cpl != c->cpl) {
		/* A null SS with the new RPL, as the SDM's 64-bit mode says. */
		c->seg[SEG_SS] = (struct x86_seg){ .selector = (uint16_t)new_cpl,
						   .unusable = 1,
						   .db = 1,
						   .dpl = (uint8_t)new_cpl,
						   .present = 1,
						   .s = 1,
						   .type = 3 };
	}
	cs.selector = (uint16_t)((sel & ~3u) | new_cpl);
	cs.type |= 1;
	c->seg[SEG_CS] = cs;
	c->regs[R_SP] = rsp;
	c->regs[R_RIP] = off;
	c->lf_op = LF_NONE;
	c->rflags = flags & ~(uint64_t)(F_TF | F_NT | F_RF | F_VM | F_AC);
	if (type == 0xe)
		c->rflags &= ~(uint64_t)F_IF;
	seg_update(c);
}

static void deliver_prot(struct cpu *c, int vec, uint32_t err, bool soft, bool ext, bool fault)
{
	uint64_t g, off, sp, flags = cpu_get_flags(c) | (fault ? F_RF : 0), old_sp = c->regs[R_SP];
	uint16_t sel, old_cs = c->seg[SEG_CS].selector, old_ss = c->seg[SEG_SS].selector;
	unsigned type, dpl, new_cpl, size;
	struct x86_seg cs, ss = c->seg[SEG_SS];
	uint64_t desc;
	bool ok;
	uint32_t ecode = (uint32_t)vec * 8 + 2 + (ext ? 1 : 0);

	if ((uint64_t)vec * 8 + 7 > c->idtr.limit)
		cpu_gp(c, ecode);
	g = sys_read(c, c->idtr.base + (uint64_t)vec * 8, 8);
	type = (g >> 40) & 0x1f;
	dpl = (g >> 45) & 3;
	if (type != 0x6 && type != 0x7 && type != 0xe && type != 0xf)
		cpu_gp(c, ecode); /* task gates are not supported */
	if (soft && dpl < c->cpl)
		cpu_gp(c, ecode);
	if (!(g & (1ULL << 47)))
		cpu_exception(c, EXC_NP, ecode);
	size = (type & 8) ? 4 : 2;
	off = (g & 0xffff) | ((g >> 32) & 0xffff0000ULL);
	sel = (uint16_t)(g >> 16);
	desc = seg_read_desc(c, sel, &ok);
	if (!ok || (sel & ~3u) == 0)
		cpu_gp(c, (sel & ~3u) + (ext ? 1 : 0));
	cs = seg_from_desc(desc, 0, sel);
	if (!cs.s || !(cs.type & 8))
		cpu_gp(c, (sel & ~3u) + (ext ? 1 : 0));
	if (!cs.present)
		cpu_exception(c, EXC_NP, (sel & ~3u) + (ext ? 1 : 0));
	new_cpl = (cs.type & 4) ? c->cpl : cs.dpl;

	sp = c->regs[R_SP];
	if (new_cpl < c->cpl) {
		/* Inner stack from the 32-bit TSS: ESPn at 4 + 8n, SSn at 8 + 8n. */
		uint16_t ss_sel = (uint16_t)tss_read(c, 8 + new_cpl * 8, 2);
		uint64_t ssd;

		sp = tss_read(c, 4 + new_cpl * 8, 4);
		ssd = seg_read_desc(c, ss_sel, &ok);
		if (!ok)
			cpu_exception(c, EXC_TS, ss_sel & ~3u);
		ss = seg_from_desc(ssd, 0, ss_sel);
		sp = push_at(c, &ss, sp, size, old_ss, ss.db ? 0xffffffff : 0xffff);
		sp = push_at(c, &ss, sp, size, old_sp, ss.db ? 0xffffffff : 0xffff);
	}
	{
		uint64_t mask = ss.db ? 0xffffffff : 0xffff;

		sp = push_at(c, &ss, sp, size, flags, mask);
		sp = push_at(c, &ss, sp, size, old_cs, mask);
		sp = push_at(c, &ss, sp, size, c->regs[R_RIP], mask);
		if (err != EXC_NO_ERR)
			sp = push_at(c, &ss, sp, size, err, mask);
		if (new_cpl < c->cpl)
			c->seg[SEG_SS] = ss;
		c->regs[R_SP] = (c->regs[R_SP] & ~mask) | (sp & mask);
	}
	cs.selector = (uint16_t)((sel & ~3u) | new_cpl);
	c->seg[SEG_CS] = cs;
	c->regs[R_RIP] = off & (size == 4 ? 0xffffffff : 0xffff);
	c->lf_op = LF_NONE;
	c->rflags = flags & ~(uint64_t)(F_TF | F_NT | F_RF | F_VM | F_AC);
	if (!(type & 1))
		c->rflags &= ~(uint64_t)F_IF;
	seg_update(c);
}

void cpu_interrupt(struct cpu *c, int vec, uint32_t err, bool soft, bool is_exc)
{
	if (is_exc && !has_error_code(vec))
		err = EXC_NO_ERR;
	/* EXT: the event came from outside the program (an exception or an
	 * external interrupt, not INT n/INT3/INTO); faults push RF=1 so the
	 * retried instruction does not trip an instruction breakpoint again
	 * (SDM vol. 3A, 6.13; vol. 3B, 17.3.1.1). */
	bool fault = is_exc && vec != EXC_DB && vec != EXC_BP && vec != EXC_OF;

	if (!c->pe)
		deliver_real(c, vec);
	else if (c->efer & X86_EFER_LMA)
		deliver_long(c, vec, err, soft, !soft, fault);
	else
		deliver_prot(c, vec, err, soft, !soft, fault);
	c->cur = NULL;
}

static bool contributory(int v)
{
	return v == EXC_DE || (v >= EXC_TS && v <= EXC_GP);
}

/* Deliver an exception, applying the double-fault rules (SDM vol. 3A,
 * table 6-5) when delivering it faults in turn. Returns false on a triple
 * fault. Overwrites cpu->jmp: the caller re-arms it. */
bool cpu_deliver_exception(struct cpu *c, int vec, uint32_t err)
{
	volatile int v = vec;
	volatile uint32_t e = err;

	for (;;) {
		if (setjmp(c->jmp) == 0) {
			c->stats.exceptions[v & 31]++;
			cpu_interrupt(c, v, e, false, true);
			return true;
		}
		int v2 = c->last_vec;
		uint32_t e2 = c->trapped_err;

		if (v == EXC_DF)
			return false;
		if ((contributory(v) && contributory(v2)) ||
		    (v == EXC_PF && (contributory(v2) || v2 == EXC_PF))) {
			v = EXC_DF;
			e = 0;
		} else {
			v = v2;
			e = e2;
		}
	}
}

/* IRET (SDM vol. 2A, IRET/IRETD/IRETQ), without task returns or VM86. */
void cpu_iret(struct cpu *c, unsigned opsz)
{
	uint64_t rip, cs, fl, rsp = 0, ss = 0;
	uint64_t writable = F_ARITH | F_TF | F_DF | F_NT | F_OF | F_RF | F_AC | F_ID;
	unsigned new_cpl;
	bool outer;

	if (!c->pe) {
		rip = pop(c, opsz);
		cs = pop(c, opsz);
		fl = pop(c, opsz);
		seg_load_real(c, SEG_CS, (uint16_t)cs);
		c->regs[R_RIP] = rip & size_mask(opsz);
		writable |= F_IF | F_IOPL;
		cpu_set_flags(c, fl, opsz == 2 ? writable & 0xffff : writable);
		c->nmi_blocked = false;
		seg_update(c);
		return;
	}
	if (!(c->efer & X86_EFER_LMA) && (cpu_get_flags(c) & F_NT))
		cpu_gp(c, 0); /* task return: no hardware task switching */
	rip = pop(c, opsz);
	cs = pop(c, opsz) & 0xffff;
	fl = pop(c, opsz);
	new_cpl = cs & 3;
	if (new_cpl < c->cpl)
		cpu_gp(c, cs & ~3u);
	/* IRETQ always pops SS:RSP; 32-bit IRET only to an outer level. */
	outer = opsz == 8 || new_cpl > c->cpl;
	if (outer) {
		rsp = pop(c, opsz);
		ss = pop(c, opsz) & 0xffff;
	}
	if (c->cpl == 0)
		writable |= F_IOPL | F_IF | F_VIF | F_VIP;
	else if (c->cpl <= ((cpu_get_flags(c) >> 12) & 3))
		writable |= F_IF;
	seg_load_cs(c, (uint16_t)cs, (int)new_cpl);
	if (outer) {
		seg_load(c, SEG_SS, (uint16_t)ss);
		if (c->code64)
			c->regs[R_SP] = rsp;
		else
			c->regs[R_SP] = (c->regs[R_SP] & ~size_mask(c->stack_size)) |
					(rsp & size_mask(c->stack_size));
	}
	c->regs[R_RIP] = opsz == 8 || c->code64 ? rip : rip & size_mask(opsz);
	cpu_set_flags(c, fl, opsz == 2 ? writable & 0xffff : writable);
	c->nmi_blocked = false;
	/* Returning to an outer level voids data segments it may not use. */
	if (new_cpl > 0) {
		for (int s = SEG_ES; s <= SEG_GS; s++) {
			if (s == SEG_CS || s == SEG_SS)
				continue;
			struct x86_seg *g = &c->seg[s];

			if (!g->unusable && (!(g->type & 8) || !(g->type & 4)) && g->dpl < new_cpl)
				*g = (struct x86_seg){ .unusable = 1 };
		}
	}
	seg_update(c);
}
