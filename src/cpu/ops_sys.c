/* ops_sys.c - system instructions: port I/O, HLT, interrupt flag, CPUID,
 * TSC and MSR access, control and debug registers, descriptor-table
 * registers, segment loads, SYSCALL/SYSRET, FXSAVE and the fences
 * (SDM vol. 2; protection rules from vol. 3A). */
#include "cpu/ops.h"
#include "cpu/sse.h"
#include "cpu/x87.h"

#include "common/log.h"

static void need_cpl0(struct cpu *c)
{
	if (c->cpl != 0)
		cpu_gp(c, 0);
}

static unsigned iopl(struct cpu *c)
{
	return (cpu_get_flags(c) >> 12) & 3;
}

/* ---- port I/O ---- */

/* In protected mode above IOPL, the TSS I/O permission bitmap decides
 * (SDM vol. 1, 19.5.2). */
bool cpu_io_allowed(struct cpu *c, uint16_t port, unsigned size);
bool cpu_io_allowed(struct cpu *c, uint16_t port, unsigned size)
{
	const struct x86_seg *tr = &c->seg[SEG_TR];
	uint64_t base, bits;

	if (!c->pe || c->cpl <= iopl(c))
		return true;
	if (tr->unusable || tr->limit < 0x67)
		return false;
	base = sys_read(c, tr->base + 0x66, 2) + port / 8;
	if (base + 1 > tr->limit)
		return false;
	bits = sys_read(c, tr->base + base, 2);
	return !((bits >> (port & 7)) & ((1u << size) - 1));
}

void cpu_port_io(struct cpu *c, uint16_t port, uint8_t *data, unsigned size, bool write);
void cpu_port_io(struct cpu *c, uint16_t port, uint8_t *data, unsigned size, bool write)
{
	if (c->sys->pio)
		c->sys->pio(c->sys->ctx, port, data, size, write);
	else if (!write)
		memset(data, 0xff, size);
	/* A device may have raised an interrupt or ended the machine: act
	 * on it after this instruction, not at the end of the block. */
	if (atomic_load_explicit(&c->events, memory_order_relaxed))
		c->end_block = true;
}

static void do_in(struct cpu *c, const struct insn *in, uint16_t port)
{
	uint64_t v = 0;
	unsigned size = in->opsz == 8 ? 4 : in->opsz;

	if (!cpu_io_allowed(c, port, size))
		cpu_gp(c, 0);
	cpu_port_io(c, port, (uint8_t *)&v, size, false);
	set_reg(c, R_AX, size, v);
}

static void do_out(struct cpu *c, const struct insn *in, uint16_t port)
{
	unsigned size = in->opsz == 8 ? 4 : in->opsz;
	uint64_t v = get_reg(c, R_AX, size);

	if (!cpu_io_allowed(c, port, size))
		cpu_gp(c, 0);
	cpu_port_io(c, port, (uint8_t *)&v, size, true);
}

void op_in_imm(struct cpu *c, const struct insn *in)
{
	do_in(c, in, (uint16_t)(in->imm & 0xff));
}
void op_in_dx(struct cpu *c, const struct insn *in)
{
	do_in(c, in, (uint16_t)c->regs[R_DX]);
}
void op_out_imm(struct cpu *c, const struct insn *in)
{
	do_out(c, in, (uint16_t)(in->imm & 0xff));
}
void op_out_dx(struct cpu *c, const struct insn *in)
{
	do_out(c, in, (uint16_t)c->regs[R_DX]);
}

/* ---- processor state ---- */

void op_hlt(struct cpu *c, const struct insn *in)
{
	need_cpl0(c);
	c->halted = true;
	c->end_block = true;
}

void op_cli(struct cpu *c, const struct insn *in)
{
	if (c->pe && c->cpl > iopl(c))
		cpu_gp(c, 0);
	c->rflags &= ~(uint64_t)F_IF;
}

void op_sti(struct cpu *c, const struct insn *in)
{
	if (c->pe && c->cpl > iopl(c))
		cpu_gp(c, 0);
	/* The instruction after STI runs before any interrupt (the STI
	 * shadow), so STI; HLT cannot miss a wake-up. */
	if (!(c->rflags & F_IF))
		c->irq_shadow = true;
	c->rflags |= F_IF;
	cpu_if_changed(c);
}

void op_cpuid(struct cpu *c, const struct insn *in)
{
	uint32_t r[4];

	cpu_cpuid(c, (uint32_t)c->regs[R_AX], (uint32_t)c->regs[R_CX], r);
	c->regs[R_AX] = r[0];
	c->regs[R_BX] = r[1];
	c->regs[R_CX] = r[2];
	c->regs[R_DX] = r[3];
}

void op_rdtsc(struct cpu *c, const struct insn *in)
{
	uint64_t t;

	if ((c->cr4 & (1u << 2)) && c->cpl != 0)
		cpu_gp(c, 0);
	t = cpu_rdtsc(c);
	c->regs[R_AX] = t & 0xffffffff;
	c->regs[R_DX] = t >> 32;
}

void op_rdmsr(struct cpu *c, const struct insn *in)
{
	uint64_t v;

	need_cpl0(c);
	if (!cpu_rdmsr(c, (uint32_t)c->regs[R_CX], &v))
		cpu_gp(c, 0);
	c->regs[R_AX] = v & 0xffffffff;
	c->regs[R_DX] = v >> 32;
}

void op_wrmsr(struct cpu *c, const struct insn *in)
{
	uint64_t v = (c->regs[R_DX] << 32) | (c->regs[R_AX] & 0xffffffff);

	need_cpl0(c);
	if (!cpu_wrmsr(c, (uint32_t)c->regs[R_CX], v))
		cpu_gp(c, 0);
	seg_update(c);
}

void op_rdpmc(struct cpu *c, const struct insn *in)
{
	cpu_gp(c, 0); /* no performance counters */
}

/* CR8 is the local APIC's TPR bits 7:4 (SDM vol. 3A, 10.8.6.1). */
static uint64_t read_cr8(struct cpu *c)
{
	uint32_t tpr = 0;

	if (c->sys->apic_access &&
	    c->sys->apic_access(c->sys->ctx, c, 0x80, (uint8_t *)&tpr, 4, false))
		return (tpr >> 4) & 15;
	return c->cr8;
}

static void write_cr8(struct cpu *c, uint64_t v)
{
	uint32_t tpr = (uint32_t)(v & 15) << 4;

	if (v >> 4)
		cpu_gp(c, 0); /* reserved bits */
	c->cr8 = v & 15;
	if (c->sys->apic_access)
		c->sys->apic_access(c->sys->ctx, c, 0x80, (uint8_t *)&tpr, 4, true);
}

void op_mov_r_cr(struct cpu *c, const struct insn *in)
{
	uint64_t v;

	need_cpl0(c);
	switch (in->reg) {
	case 0:
		v = c->cr0;
		break;
	case 2:
		v = c->cr2;
		break;
	case 3:
		v = c->cr3;
		break;
	case 4:
		v = c->cr4;
		break;
	case 8:
		v = read_cr8(c);
		break;
	default:
		cpu_ud(c);
	}
	set_reg(c, in->rm, c->code64 ? 8 : 4, v);
}

void op_mov_cr_r(struct cpu *c, const struct insn *in)
{
	uint64_t v = get_reg(c, in->rm, c->code64 ? 8 : 4);

	need_cpl0(c);
	switch (in->reg) {
	case 0:
		cpu_write_cr0(c, v);
		break;
	case 2:
		c->cr2 = v;
		break;
	case 3:
		cpu_write_cr3(c, v);
		break;
	case 4:
		cpu_write_cr4(c, v);
		break;
	case 8:
		write_cr8(c, v);
		break;
	default:
		cpu_ud(c);
	}
}

void op_mov_r_dr(struct cpu *c, const struct insn *in)
{
	unsigned r = in->reg & 7;

	need_cpl0(c);
	if (r == 4 || r == 5)
		r += 2;
	set_reg(c, in->rm, c->code64 ? 8 : 4,
		r == 6   ? c->dr[6] | 0xffff0ff0
		: r == 7 ? c->dr[7] | 0x400
			 : c->dr[r]);
}

void op_mov_dr_r(struct cpu *c, const struct insn *in)
{
	unsigned r = in->reg & 7;

	need_cpl0(c);
	if (r == 4 || r == 5)
		r += 2;
	/* Breakpoints are stored, not acted on. */
	c->dr[r] = get_reg(c, in->rm, c->code64 ? 8 : 4);
}

void op_clts(struct cpu *c, const struct insn *in)
{
	need_cpl0(c);
	c->cr0 &= ~(uint64_t)(1u << 3);
}

void op_invd(struct cpu *c, const struct insn *in)
{
	need_cpl0(c); /* INVD/WBINVD: there is no cache to write back */
}

/* ---- descriptor tables ---- */

static void load_dtable(struct cpu *c, const struct insn *in, struct x86_dtable *t)
{
	uint64_t ea = insn_ea(c, in);
	uint16_t limit = (uint16_t)mem_read(c, in->seg, ea, 2);
	uint64_t base = mem_read(c, in->seg, (ea + 2) & ad_mask(in->adsz), c->code64 ? 8 : 4);

	need_cpl0(c);
	if (!c->code64 && in->opsz == 2)
		base &= 0xffffff;
	t->limit = limit;
	t->base = base;
}

static void store_dtable(struct cpu *c, const struct insn *in, const struct x86_dtable *t)
{
	uint64_t ea = insn_ea(c, in);

	mem_write(c, in->seg, ea, 2, t->limit);
	mem_write(c, in->seg, (ea + 2) & ad_mask(in->adsz), c->code64 ? 8 : 4,
		  c->code64 ? t->base : t->base & 0xffffffff);
}

static void invlpg(struct cpu *c, uint64_t lin)
{
	unsigned i = (lin >> 12) & (TLB_SIZE - 1);

	/* The soft TLB holds large pages as 4 KiB pieces and does not know
	 * which: when any came from one, INVLPG must drop them all (SDM
	 * 4.10.4.1: every entry for the page, whatever its size). */
	if (c->tlb_big) {
		cpu_flush_tlb(c);
		return;
	}
	c->tlb_r[i].tag = c->tlb_w[i].tag = c->tlb_x[i].tag = ~0ULL;
	c->tlb_epoch++; /* blocks revalidate their physical page */
}

static void swapgs(struct cpu *c)
{
	uint64_t t = c->seg[SEG_GS].base;

	if (!c->code64)
		cpu_ud(c);
	need_cpl0(c);
	c->seg[SEG_GS].base = c->kernel_gs_base;
	c->kernel_gs_base = t;
	seg_update(c);
}

/* 0F 01: the memory forms by ModRM.reg, the register forms by the whole
 * ModRM byte (SDM vol. 2D, table A-6). */
void op_grp7(struct cpu *c, const struct insn *in)
{
	unsigned reg = in->reg & 7;

	if (in->mod != 3) {
		switch (reg) {
		case 0:
			store_dtable(c, in, &c->gdtr);
			return;
		case 1:
			store_dtable(c, in, &c->idtr);
			return;
		case 2:
			load_dtable(c, in, &c->gdtr);
			return;
		case 3:
			load_dtable(c, in, &c->idtr);
			return;
		case 4:
			rm_write(c, in, 2, c->cr0 & 0xffff);
			return;
		case 6:
			need_cpl0(c);
			/* LMSW sets PE, MP, EM, TS; it cannot clear PE. */
			cpu_write_cr0(c, (c->cr0 & ~0xeULL) | (rm_read(c, in, 2) & 0xf) |
						 (c->cr0 & 1));
			return;
		case 7:
			need_cpl0(c);
			invlpg(c, seg_lin(c, in->seg, insn_ea(c, in), 1, false));
			return;
		default:
			cpu_ud(c);
		}
	}
	switch (in->modrm) {
	case 0xf8:
		swapgs(c);
		return;
	case 0xf9: { /* RDTSCP */
		uint64_t t;

		if ((c->cr4 & (1u << 2)) && c->cpl != 0)
			cpu_gp(c, 0);
		t = cpu_rdtsc(c);
		c->regs[R_AX] = t & 0xffffffff;
		c->regs[R_DX] = t >> 32;
		c->regs[R_CX] = c->tsc_aux;
		return;
	}
	default:
		if (reg == 4) {
			set_reg(c, in->rm, in->opsz, c->cr0 & size_mask(in->opsz));
			return;
		}
		if (reg == 6) {
			need_cpl0(c);
			cpu_write_cr0(c, (c->cr0 & ~0xeULL) | (get_reg(c, in->rm, 2) & 0xf) |
						 (c->cr0 & 1));
			return;
		}
		cpu_ud(c); /* VMX, SVM, MONITOR, XGETBV, SMAP: not reported */
	}
}

/* A system-segment descriptor (LDT, TSS): 16 bytes in long mode. */
static struct x86_seg system_desc(struct cpu *c, uint16_t sel, uint64_t *lo)
{
	uint64_t hi = 0;
	bool ok;

	if (sel & 4)
		cpu_gp(c, sel & ~3u); /* must be in the GDT */
	*lo = seg_read_desc(c, sel, &ok);
	if (!ok)
		cpu_gp(c, sel & ~3u);
	if (c->efer & X86_EFER_LMA) {
		if ((sel & ~7u) + 15 > c->gdtr.limit)
			cpu_gp(c, sel & ~3u);
		hi = sys_read(c, c->gdtr.base + (sel & ~7u) + 8, 8);
	}
	return seg_from_desc(*lo, hi, sel);
}

void op_grp6(struct cpu *c, const struct insn *in)
{
	unsigned reg = in->reg & 7;
	uint64_t lo;
	struct x86_seg g;
	uint16_t sel;

	if (!c->pe)
		cpu_ud(c);
	switch (reg) {
	case 0: /* SLDT */
		rm_write(c, in, in->mod == 3 ? in->opsz : 2, c->seg[SEG_LDTR].selector);
		return;
	case 1: /* STR */
		rm_write(c, in, in->mod == 3 ? in->opsz : 2, c->seg[SEG_TR].selector);
		return;
	case 2: /* LLDT */
		need_cpl0(c);
		sel = (uint16_t)rm_read(c, in, 2);
		if ((sel & ~3u) == 0) {
			c->seg[SEG_LDTR] = (struct x86_seg){ .selector = sel, .unusable = 1 };
			return;
		}
		g = system_desc(c, sel, &lo);
		if (g.s || g.type != 2)
			cpu_gp(c, sel & ~3u);
		if (!g.present)
			cpu_exception(c, EXC_NP, sel & ~3u);
		c->seg[SEG_LDTR] = g;
		return;
	case 3: /* LTR */
		need_cpl0(c);
		sel = (uint16_t)rm_read(c, in, 2);
		if ((sel & ~3u) == 0)
			cpu_gp(c, 0);
		g = system_desc(c, sel, &lo);
		if (g.s || (g.type != 9 && g.type != 1))
			cpu_gp(c, sel & ~3u);
		if (!g.present)
			cpu_exception(c, EXC_NP, sel & ~3u);
		/* Mark the TSS busy in the GDT. */
		sys_write(c, c->gdtr.base + (sel & ~7u) + 5, 1, ((lo >> 40) & 0xff) | 2);
		g.type |= 2;
		c->seg[SEG_TR] = g;
		return;
	case 4:   /* VERR */
	case 5: { /* VERW */
		bool ok, good;
		struct x86_seg s;
		uint64_t d;

		sel = (uint16_t)rm_read(c, in, 2);
		d = seg_read_desc(c, sel, &ok);
		s = seg_from_desc(d, 0, sel);
		good = ok && (sel & ~3u) && s.s &&
		       (reg == 4 ? (!(s.type & 8) || (s.type & 2))
				 : (!(s.type & 8) && (s.type & 2))) &&
		       ((s.type & 0xc) == 0xc || (s.dpl >= c->cpl && s.dpl >= (sel & 3)));
		flags_put(c, (cpu_get_flags(c) & ~(uint64_t)F_ZF) | (good ? F_ZF : 0));
		return;
	}
	default:
		cpu_ud(c);
	}
}

static bool lar_lsl(struct cpu *c, const struct insn *in, uint64_t *lo_out, struct x86_seg *out)
{
	uint16_t sel = (uint16_t)rm_read(c, in, 2);
	bool ok;
	uint64_t d = seg_read_desc(c, sel, &ok);
	struct x86_seg s = seg_from_desc(d, 0, sel);

	if (!c->pe)
		cpu_ud(c);
	*lo_out = d;
	*out = s;
	if (!ok || !(sel & ~3u))
		return false;
	if (!s.s && !(s.type == 1 || s.type == 2 || s.type == 3 || s.type == 9 || s.type == 0xb ||
		      (s.type == 0xc && in->op == 0x02)))
		return false;
	/* Conforming code segments are visible at any level. */
	if (!(s.s && (s.type & 0xc) == 0xc) && (s.dpl < c->cpl || s.dpl < (sel & 3)))
		return false;
	return true;
}

void op_lar(struct cpu *c, const struct insn *in)
{
	uint64_t d;
	struct x86_seg s;
	bool ok = lar_lsl(c, in, &d, &s);

	if (ok)
		set_reg(c, in->reg, in->opsz, (d >> 32) & 0x00f0ff00);
	flags_put(c, (cpu_get_flags(c) & ~(uint64_t)F_ZF) | (ok ? F_ZF : 0));
}

void op_lsl(struct cpu *c, const struct insn *in)
{
	uint64_t d;
	struct x86_seg s;
	bool ok = lar_lsl(c, in, &d, &s);

	if (ok)
		set_reg(c, in->reg, in->opsz, s.limit);
	flags_put(c, (cpu_get_flags(c) & ~(uint64_t)F_ZF) | (ok ? F_ZF : 0));
}

/* 0F C7: /1 CMPXCHG8B/16B; RDRAND, RDSEED, RDPID are not reported. */
void cpu_cmpxchg8b(struct cpu *c, const struct insn *in);
void op_grp9(struct cpu *c, const struct insn *in)
{
	if ((in->reg & 7) == 1 && in->mod != 3) {
		cpu_cmpxchg8b(c, in);
		return;
	}
	cpu_ud(c);
}

/* 0F AE: FXSAVE FXRSTOR LDMXCSR STMXCSR CLFLUSH and the fences. */
void op_grp15(struct cpu *c, const struct insn *in)
{
	unsigned reg = in->reg & 7;
	uint8_t area[512];
	uint64_t ea;

	if (in->mod == 3) {
		if (in->pfx & (PFX_REP | PFX_REPNE))
			cpu_ud(c); /* RDFSBASE and friends: CR4.FSGSBASE is not supported */
		if (reg == 6)
			__atomic_thread_fence(__ATOMIC_SEQ_CST); /* MFENCE */
		else if (reg != 5 && reg != 7)
			cpu_ud(c);
		return; /* LFENCE, SFENCE: x86 hosts already order what they need */
	}
	ea = insn_ea(c, in);
	switch (reg) {
	case 0:
	case 1:
		if (c->cr0 & ((1u << 2) | (1u << 3)))
			cpu_exception(c, (c->cr0 & (1u << 2)) ? EXC_UD : EXC_NM, EXC_NO_ERR);
		if (ea & 15)
			cpu_gp(c, 0);
		if (reg == 0) {
			/* Read first so untouched bytes (416-511) keep their value. */
			mem_read_n(c, in->seg, ea, area, 512);
			fpu_fxsave(c, area, in->pfx & PFX_REXW);
			mem_write_n(c, in->seg, ea, area, 512);
		} else {
			mem_read_n(c, in->seg, ea, area, 512);
			if (!fpu_fxrstor(c, area, in->pfx & PFX_REXW))
				cpu_gp(c, 0);
		}
		return;
	case 2: /* LDMXCSR */
	case 3: /* STMXCSR */
		if ((c->cr0 & (1u << 2)) || !(c->cr4 & (1u << 9)))
			cpu_ud(c);
		if (c->cr0 & (1u << 3))
			cpu_exception(c, EXC_NM, EXC_NO_ERR);
		if (reg == 3) {
			mem_write(c, in->seg, ea, 4, c->mxcsr);
		} else {
			uint32_t v = (uint32_t)mem_read(c, in->seg, ea, 4);

			if (v & ~sse_mxcsr_mask())
				cpu_gp(c, 0);
			c->mxcsr = v;
		}
		return;
	case 7: /* CLFLUSH: check the address, nothing to flush */
		mem_read(c, in->seg, ea, 1);
		return;
	default:
		cpu_ud(c); /* XSAVE family: not reported */
	}
}

/* ---- SYSCALL / SYSRET (AMD64 vol. 2, 6.1.1; SDM vol. 2B) ---- */

static struct x86_seg flat_seg(uint16_t sel, bool code, bool long_code, unsigned dpl)
{
	return (struct x86_seg){ .selector = sel,
				 .base = 0,
				 .limit = 0xffffffff,
				 .type = code ? 0xb : 0x3,
				 .s = 1,
				 .dpl = (uint8_t)dpl,
				 .present = 1,
				 .l = long_code,
				 .db = !long_code,
				 .g = 1 };
}

void op_syscall(struct cpu *c, const struct insn *in)
{
	uint16_t sel = (uint16_t)(c->star >> 32);
	bool to64 = c->efer & X86_EFER_LMA;

	if (!(c->efer & X86_EFER_SCE))
		cpu_ud(c);
	c->regs[R_CX] = c->regs[R_RIP];
	if (to64) {
		c->regs[11] = cpu_get_flags(c) & ~(uint64_t)F_RF;
		c->regs[R_RIP] = c->code64 ? c->lstar : c->cstar;
		cpu_set_flags(c, cpu_get_flags(c) & ~c->sfmask, ~0ULL);
		c->rflags &= ~(uint64_t)F_RF;
	} else {
		c->regs[R_RIP] = c->star & 0xffffffff;
		c->rflags &= ~(uint64_t)(F_IF | F_VM | F_RF);
	}
	c->seg[SEG_CS] = flat_seg(sel & ~3u, true, to64, 0);
	c->seg[SEG_SS] = flat_seg((uint16_t)((sel + 8) & ~3u), false, false, 0);
	seg_update(c);
}

void op_sysret(struct cpu *c, const struct insn *in)
{
	uint16_t sel = (uint16_t)(c->star >> 48);
	bool q = in->pfx & PFX_REXW;

	if (!(c->efer & X86_EFER_SCE))
		cpu_ud(c);
	if (!c->pe || c->cpl != 0 || !(c->efer & X86_EFER_LMA))
		cpu_gp(c, 0);
	if (q && (uint64_t)(((int64_t)c->regs[R_CX] << 16) >> 16) != c->regs[R_CX])
		cpu_gp(c, 0); /* non-canonical RIP: fault here, at CPL 0 */
	cpu_set_flags(c, (c->regs[11] & ~(uint64_t)(F_RF | F_VM)) | X86_RFLAGS_FIXED, ~0ULL);
	if (q) {
		c->seg[SEG_CS] = flat_seg((uint16_t)((sel + 16) | 3), true, true, 3);
		c->regs[R_RIP] = c->regs[R_CX];
	} else {
		c->seg[SEG_CS] = flat_seg((uint16_t)(sel | 3), true, false, 3);
		c->regs[R_RIP] = c->regs[R_CX] & 0xffffffff;
	}
	c->seg[SEG_SS] = flat_seg((uint16_t)((sel + 8) | 3), false, false, 3);
	seg_update(c);
}

void op_sysenter(struct cpu *c, const struct insn *in)
{
	cpu_ud(c); /* SEP is not reported */
}

void op_sysexit(struct cpu *c, const struct insn *in)
{
	cpu_ud(c);
}

/* ---- segment registers ---- */

static int seg_of_reg(struct cpu *c, unsigned reg)
{
	reg &= 7;
	if (reg > SEG_GS)
		cpu_ud(c);
	return (int)reg;
}

void op_mov_rm_seg(struct cpu *c, const struct insn *in)
{
	int s = seg_of_reg(c, in->reg);

	rm_write(c, in, in->mod == 3 ? in->opsz : 2, c->seg[s].selector);
}

void op_mov_seg_rm(struct cpu *c, const struct insn *in)
{
	int s = seg_of_reg(c, in->reg);
	uint16_t sel = (uint16_t)rm_read(c, in, 2);

	if (s == SEG_CS)
		cpu_ud(c);
	seg_load(c, s, sel);
	if (s == SEG_SS)
		c->irq_shadow = true; /* MOV SS shadows the next instruction */
}

static int seg_of_pushpop(const struct insn *in)
{
	if (in->map == 1)
		return in->op < 0xa8 ? SEG_FS : SEG_GS;
	return (in->op >> 3) & 3; /* 06 ES, 0E CS, 16 SS, 1E DS */
}

void op_push_seg(struct cpu *c, const struct insn *in)
{
	push(c, in->opsz, c->seg[seg_of_pushpop(in)].selector);
}

void op_pop_seg(struct cpu *c, const struct insn *in)
{
	int s = seg_of_pushpop(in);
	uint64_t sp = c->regs[R_SP];
	uint16_t sel = (uint16_t)pop(c, in->opsz);
	uint64_t after = c->regs[R_SP];

	if (s == SEG_CS)
		cpu_ud(c);
	c->regs[R_SP] = sp; /* a faulting load leaves RSP as it was */
	seg_load(c, s, sel);
	c->regs[R_SP] = after;
	if (s == SEG_SS)
		c->irq_shadow = true;
}

/* LES LDS LSS LFS LGS: offset then selector from memory. */
void op_lseg(struct cpu *c, const struct insn *in)
{
	int s;
	uint64_t ea = insn_ea(c, in), off;
	uint16_t sel;

	if (in->map == 0)
		s = in->op == 0xc4 ? SEG_ES : SEG_DS;
	else
		s = in->op == 0xb2 ? SEG_SS : in->op == 0xb4 ? SEG_FS : SEG_GS;
	off = mem_read(c, in->seg, ea, in->opsz);
	sel = (uint16_t)mem_read(c, in->seg, (ea + in->opsz) & ad_mask(in->adsz), 2);
	seg_load(c, s, sel);
	set_reg(c, in->reg, in->opsz, off);
}

void op_bound(struct cpu *c, const struct insn *in)
{
	unsigned size = in->opsz;
	uint64_t ea = insn_ea(c, in);
	int64_t v = (int64_t)sext(get_reg(c, in->reg, size), size);
	int64_t lo = (int64_t)sext(mem_read(c, in->seg, ea, size), size);
	int64_t hi =
		(int64_t)sext(mem_read(c, in->seg, (ea + size) & ad_mask(in->adsz), size), size);

	if (v < lo || v > hi)
		cpu_exception(c, EXC_BR, EXC_NO_ERR);
}

void op_arpl(struct cpu *c, const struct insn *in)
{
	uint64_t d, s;
	bool adj;

	if (!c->pe)
		cpu_ud(c);
	d = rm_read(c, in, 2);
	s = get_reg(c, in->reg, 2);
	adj = (d & 3) < (s & 3);
	if (adj)
		rm_write(c, in, 2, (d & ~3ULL) | (s & 3));
	flags_put(c, (cpu_get_flags(c) & ~(uint64_t)F_ZF) | (adj ? F_ZF : 0));
}

/* An instruction longer than 15 bytes (SDM vol. 2A, 2.3.11): #GP(0). */
void op_gp0(struct cpu *c, const struct insn *in)
{
	cpu_gp(c, 0);
}

/* An encoding that is invalid by the architecture: #UD, quietly. */
void op_ud(struct cpu *c, const struct insn *in)
{
	cpu_ud(c);
}

/* An opcode this CPU does not implement: #UD in the guest, and its bytes
 * in vmkit's log, once per opcode. */
void op_unimpl(struct cpu *c, const struct insn *in)
{
	uint8_t *seen = &c->ud_logged[in->op];
	uint8_t bit = (uint8_t)(1u << in->map);

	if (!(*seen & bit)) {
		uint64_t rip = c->regs[R_RIP] - in->len;
		uint64_t lin = c->segbase[SEG_CS] + rip;
		char hex[3 * 15 + 1] = "";
		uint8_t *p = mmu_host_ptr(c, lin, ACC_R);

		*seen |= bit;
		for (unsigned i = 0; p && i < in->len && (lin & 0xfff) + i < 4096; i++)
			snprintf(hex + 3 * i, 4, " %02x", p[i]);
		log__warn("vCPU %d: unimplemented instruction at %llx:%s (#UD)", c->id,
			  (unsigned long long)rip, hex);
	}
	cpu_ud(c);
}

void op_fwait(struct cpu *c, const struct insn *in)
{
	if ((c->cr0 & ((1u << 1) | (1u << 3))) == ((1u << 1) | (1u << 3)))
		cpu_exception(c, EXC_NM, EXC_NO_ERR);
	fpu_wait(c); /* a pending unmasked x87 exception: #MF */
}
