/* internal.h - the software CPU's state and the helpers its instruction
 * handlers share. Only files under src/cpu include this.
 *
 * Execution model: instructions are decoded once into struct insn and kept
 * in blocks (straight-line runs ending at a control transfer or anything
 * that changes how later bytes decode). The run loop (exec.c) finds the
 * block at CS:RIP and calls each instruction's handler. A handler sees RIP
 * already advanced past its instruction. Faults longjmp back to the run
 * loop, which rewinds RIP to the faulting instruction (cpu->cur) and
 * delivers the exception (intr.c). */
#ifndef VMKIT_CPU_INTERNAL_H
#define VMKIT_CPU_INTERNAL_H

#include "cpu/cpu.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <string.h>

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* General registers in encoding order; RIP and a constant zero follow so
 * an effective address is regs[base] + (regs[index] << scale) + disp with
 * no branches (see struct insn). */
enum {
	R_AX,
	R_CX,
	R_DX,
	R_BX,
	R_SP,
	R_BP,
	R_SI,
	R_DI,
	R_R8,
	R_R9,
	R_R10,
	R_R11,
	R_R12,
	R_R13,
	R_R14,
	R_R15,
	R_RIP = 16,
	R_ZERO = 17,
	R_COUNT = 18
};
/* Byte registers: 0-15 are the low bytes; AH, CH, DH, BH (encodings 4-7
 * without REX) are renumbered 16-19 by the decoder. */
#define R8_HIGH 16

enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_LDTR, SEG_TR, SEG_COUNT };
#define SEG_NONE 0xff

/* RFLAGS (SDM vol. 1, 3.4.3). */
#define F_CF    (1u << 0)
#define F_PF    (1u << 2)
#define F_AF    (1u << 4)
#define F_ZF    (1u << 6)
#define F_SF    (1u << 7)
#define F_TF    (1u << 8)
#define F_IF    (1u << 9)
#define F_DF    (1u << 10)
#define F_OF    (1u << 11)
#define F_IOPL  (3u << 12)
#define F_NT    (1u << 14)
#define F_RF    (1u << 16)
#define F_VM    (1u << 17)
#define F_AC    (1u << 18)
#define F_VIF   (1u << 19)
#define F_VIP   (1u << 20)
#define F_ID    (1u << 21)
#define F_ARITH (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)

/* Exception vectors (SDM vol. 3A, table 6-1). */
enum {
	EXC_DE = 0,
	EXC_DB = 1,
	EXC_NMI = 2,
	EXC_BP = 3,
	EXC_OF = 4,
	EXC_BR = 5,
	EXC_UD = 6,
	EXC_NM = 7,
	EXC_DF = 8,
	EXC_TS = 10,
	EXC_NP = 11,
	EXC_SS = 12,
	EXC_GP = 13,
	EXC_PF = 14,
	EXC_MF = 16,
	EXC_AC = 17,
	EXC_MC = 18,
	EXC_XM = 19,
};
#define EXC_NO_ERR 0xffffffffu

/* Page-fault error code bits (SDM vol. 3A, 4.7). */
#define PF_P    (1u << 0)
#define PF_W    (1u << 1)
#define PF_U    (1u << 2)
#define PF_RSVD (1u << 3)
#define PF_I    (1u << 4)

/* MSRs the CPU keeps (SDM vol. 4). */
#define MSR_TSC             0x10
#define MSR_APIC_BASE       0x1b
#define MSR_FEATURE_CONTROL 0x3a
#define MSR_TSC_ADJUST      0x3b
#define MSR_SPEC_CTRL       0x48
#define MSR_MTRRCAP         0xfe
#define MSR_SYSENTER_CS     0x174
#define MSR_SYSENTER_ESP    0x175
#define MSR_SYSENTER_EIP    0x176
#define MSR_MCG_CAP         0x179
#define MSR_MCG_STATUS      0x17a
#define MSR_MISC_ENABLE     0x1a0
#define MSR_PAT             0x277
#define MSR_MTRR_DEF_TYPE   0x2ff
#define MSR_EFER            0xc0000080
#define MSR_STAR            0xc0000081
#define MSR_LSTAR           0xc0000082
#define MSR_CSTAR           0xc0000083
#define MSR_SFMASK          0xc0000084
#define MSR_FS_BASE         0xc0000100
#define MSR_GS_BASE         0xc0000101
#define MSR_KERNEL_GS_BASE  0xc0000102
#define MSR_TSC_AUX         0xc0000103

/* Lazy arithmetic flags: the last flag-setting operation is remembered and
 * its flags computed only when something reads them. LF_NONE: RFLAGS holds
 * them. The low two bits are log2 of the operand size. */
enum {
	LF_NONE = 0,
	LF_ADD = 1 << 2,
	LF_ADC = 2 << 2,
	LF_SUB = 3 << 2,
	LF_SBB = 4 << 2,
	LF_LOGIC = 5 << 2,
	LF_INC = 6 << 2,
	LF_DEC = 7 << 2,
	LF_NEG = 8 << 2,
	/* CF in lf_a bit 0, OF in lf_b bit 0, AF 0; ZF SF PF from the result
	 * (shifts, multiplies) */
	LF_CFOF = 9 << 2,
};

/* One decoded instruction. */
struct insn;
typedef void (*insn_fn)(struct cpu *cpu, const struct insn *in);

/* Prefix flags in insn.pfx. */
#define PFX_LOCK  (1u << 0)
#define PFX_REP   (1u << 1) /* F3 */
#define PFX_REPNE (1u << 2) /* F2 */
#define PFX_OPSZ  (1u << 3) /* 66 */
#define PFX_ADSZ  (1u << 4) /* 67 */
#define PFX_REX   (1u << 5)
#define PFX_REXW  (1u << 6)

struct insn {
	insn_fn fn;
	int32_t disp;
	uint8_t len;   /* bytes */
	uint8_t op;    /* opcode byte (the last one for 0F xx) */
	uint8_t map;   /* 0: one byte, 1: 0F, 2: 0F 38, 3: 0F 3A */
	uint8_t opsz;  /* operand size in bytes: 1, 2, 4 or 8 */
	uint8_t adsz;  /* address size: 2, 4 or 8 */
	uint8_t seg;   /* segment of the memory operand */
	uint8_t reg;   /* ModRM.reg with REX.R (byte regs renumbered) */
	uint8_t rm;    /* ModRM.rm with REX.B, register form */
	uint8_t mod;   /* 3: register operand; else memory */
	uint8_t base;  /* R_* (R_RIP: RIP-relative; R_ZERO: none) */
	uint8_t index; /* R_* or R_ZERO */
	uint8_t scale; /* shift count 0-3 */
	uint8_t pfx;   /* PFX_* */
	uint8_t modrm; /* the raw ModRM byte */
	uint16_t imm2; /* ENTER's level, a far pointer's selector */
	uint64_t imm;  /* immediate, sign- or zero-extended as the opcode says */
};

/* A block: decoded instructions from one guest page, run in order. */
struct block {
	struct block *hnext;    /* hash chain */
	struct block *link[2];  /* the blocks that followed this one lately */
	_Atomic uint32_t *genp; /* &codemap->gen[pidx] */
	uint64_t lin;           /* linear address of the first byte */
	uint64_t phys;          /* its physical address */
	uint64_t phys2;         /* physical page of a last instruction that
				* crosses into the next page, or ~0 */
	uint32_t gen, gen2;     /* code generations of those pages when decoded */
	int64_t pidx, pidx2;    /* their indexes in the code map (-1: none) */
	uint32_t mode;          /* decode mode key (cpu->mode_key) */
	uint32_t valid_epoch;   /* cpu->tlb_epoch when phys was last confirmed */
	uint16_t n;             /* instructions */
	struct insn insns[];
};

struct tlb_entry {
	uint64_t tag;     /* linear page | CPL bit; ~0 when empty */
	uintptr_t addend; /* host address - linear address */
	uint64_t phys;    /* guest-physical page */
};
#define TLB_BITS 8
#define TLB_SIZE (1u << TLB_BITS)

#define BCACHE_BITS     14
#define BCACHE_SIZE     (1u << BCACHE_BITS)
#define BLOCK_MAX_INSNS 64
#define ARENA_SIZE      (8u << 20)

struct cpu_codemap {
	const struct guest_mem *mem;
	uint64_t npages;
	_Atomic uint32_t *gen; /* bumped when a code page is written */
	_Atomic uint8_t *code; /* 1: some CPU decoded code from this page */
	pthread_mutex_t lock;  /* guards cpus[] */
	struct cpu *cpus[256]; /* told (CPU_EV_FLUSH) when a page becomes code */
	int ncpus;
};

union xmm {
	uint8_t b[16];
	uint16_t w[8];
	uint32_t d[4];
	uint64_t q[2];
	float f[4];
	double fd[2];
};

struct fpu {
	long double st[8];      /* physical registers R0-R7 */
	uint16_t fcw, fsw, ftw; /* ftw: 2 bits per register, 11 = empty */
	uint8_t top;
	uint16_t fop;
	uint64_t fip, fdp;
};

struct cpu {
	uint64_t regs[R_COUNT];
	/* lazy flags */
	uint64_t lf_res, lf_a, lf_b;
	uint32_t lf_op;
	uint32_t lf_cf;  /* carry in (ADC/SBB) or CF kept by INC/DEC */
	uint64_t rflags; /* all bits; arithmetic ones valid if LF_NONE */

	const struct insn *cur; /* the instruction running, for fault RIP */
	bool end_block;         /* a handler wants the block to stop here */

	struct x86_seg seg[SEG_COUNT];
	uint64_t segbase[6]; /* bases for address computation (0 in 64-bit mode but FS/GS) */
	uint8_t seg_checked; /* bit per segment: limit checks needed */
	struct x86_dtable gdtr, idtr;
	uint64_t cr0, cr2, cr3, cr4, cr8, efer, xcr0;
	uint64_t dr[8];
	uint8_t cpl;
	bool code64;        /* 64-bit mode (LMA and CS.L) */
	bool pe;            /* CR0.PE */
	uint8_t stack_size; /* 2, 4 or 8: SS.B or 64-bit mode */
	uint32_t mode_key;  /* decode mode: default sizes */
	uint8_t def_opsz, def_adsz;

	/* MSRs */
	uint64_t star, lstar, cstar, sfmask, kernel_gs_base, tsc_aux, pat, tsc_offset;
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip, misc_enable, spec_ctrl;
	uint64_t apic_base, mtrr_def_type, mtrr[32], tsc_adjust;

	/* x87 and SSE */
	struct fpu fpu;
	union xmm xmm[16];
	uint32_t mxcsr;

	/* soft TLB, one table per access kind */
	struct tlb_entry tlb_r[TLB_SIZE], tlb_w[TLB_SIZE], tlb_x[TLB_SIZE];
	uint64_t tlb_cpl;             /* 1 at CPL 3: the tag's low bit */
	uint64_t blk_page, blk_page2; /* physical pages of the running block */
	uint32_t tlb_epoch;           /* bumped by every flush */
	bool tlb_big;                 /* some entry came from a 2M/4M/1G page */

	/* decode cache */
	struct block *bcache[BCACHE_SIZE];
	uint8_t *arena;
	size_t arena_used;

	/* events and state */
	_Atomic unsigned events;
	uint8_t sipi_vector;
	bool halted, wait_sipi;
	bool irq_shadow;   /* STI / MOV SS: no interrupt before the next insn */
	bool irq_deferred; /* an IRQ event arrived while IF was 0 */
	bool nmi_blocked;
	int exc_depth; /* nested exception delivery, for #DF / triple fault */
	int last_vec;  /* the exception being delivered, for #DF rules */
	bool trap_exc;
	FILE *trace; /* VMKIT_CPU_TRACE: one line per instruction */
	int trapped_vec;
	uint32_t trapped_err;
	bool shutdown;
	uint64_t budget;

	jmp_buf jmp;
	const struct cpu_sys *sys;
	int id;
	struct cpu_stats stats;
	uint8_t ud_logged[256]; /* opcodes whose #UD was logged, per map 0/1 */
};

/* exec.c */
int64_t codemap_index(const struct cpu_codemap *cm, uint64_t gpa);
bool cpu_deliver_exception(struct cpu *cpu, int vec, uint32_t err);
void cpu_iret(struct cpu *cpu, unsigned opsz);
void cpu_flush_tlb(struct cpu *cpu);
void cpu_flush_code(struct cpu *cpu);
void cpu_mode_changed(struct cpu *cpu);
void cpu_end_block(struct cpu *cpu);

/* intr.c: raise an exception; never returns. err EXC_NO_ERR for none. */
_Noreturn void cpu_exception(struct cpu *cpu, int vec, uint32_t err);
_Noreturn void cpu_ud(struct cpu *cpu);
static inline _Noreturn void cpu_gp(struct cpu *cpu, uint32_t err)
{
	cpu_exception(cpu, EXC_GP, err);
}
/* Deliver interrupt vec now (INT n when soft, with RIP after it). */
void cpu_interrupt(struct cpu *cpu, int vec, uint32_t err, bool soft, bool is_exc);

/* exec.c: IF may have gone from 0 to 1: let a deferred interrupt in. */
static inline void cpu_if_changed(struct cpu *c)
{
	if (c->irq_deferred && (c->rflags & (1u << 9))) {
		c->irq_deferred = false;
		cpu__raise(c, CPU_EV_IRQ);
	}
}

/* flags.c */
uint64_t cpu_get_flags(struct cpu *cpu);
void cpu_set_flags(struct cpu *cpu, uint64_t v, uint64_t writable);
bool cpu_cond(struct cpu *cpu, unsigned cc);
bool cpu_cf(struct cpu *cpu);
void cpu_flags_commit(struct cpu *cpu);

/* mmu.c: linear-address access. acc: 0 read, 1 write, 2 fetch. */
enum { ACC_R = 0, ACC_W = 1, ACC_X = 2 };
uint64_t mmu_read_slow(struct cpu *cpu, uint64_t lin, unsigned size);
void mmu_write_slow(struct cpu *cpu, uint64_t lin, unsigned size, uint64_t v);
/* Host pointer for [lin, lin+size) in one RAM page, for a read-modify-write
 * (checks write permission) or NULL when the operand is MMIO or crosses
 * pages. */
void *mmu_rmw_ptr(struct cpu *cpu, uint64_t lin, unsigned size);
/* Host address of lin for a read or write of RAM, through the TLB
 * (faults as the access would); NULL for MMIO or a write to a code page. */
uint8_t *mmu_host_ptr(struct cpu *cpu, uint64_t lin, int acc);
/* Translate for an access with the current CPL; faults like the access. */
uint64_t mmu_translate(struct cpu *cpu, uint64_t lin, int acc, bool user);
/* Physical memory (the page walker, descriptor tables by the CPU). */
uint64_t phys_read(struct cpu *cpu, uint64_t gpa, unsigned size);
void phys_write(struct cpu *cpu, uint64_t gpa, unsigned size, uint64_t v);
void mmu_note_code_write(struct cpu *cpu, uint64_t gpa, unsigned size);
/* Copy from guest linear memory for system structures (no CPL checks). */
uint64_t sys_read(struct cpu *cpu, uint64_t lin, unsigned size);
void sys_write(struct cpu *cpu, uint64_t lin, unsigned size, uint64_t v);

/* seg.c */
void seg_load_real(struct cpu *cpu, int s, uint16_t sel);
void seg_load(struct cpu *cpu, int s, uint16_t sel); /* protected-mode checks */
void seg_load_cs(struct cpu *cpu, uint16_t sel, int target_cpl);
void seg_update(struct cpu *cpu); /* recompute segbase, checks, modes */
uint64_t seg_read_desc(struct cpu *cpu, uint16_t sel, bool *ok);
struct x86_seg seg_from_desc(uint64_t lo, uint64_t hi, uint16_t sel);

/* decode.c */
int cpu_decode(struct cpu *cpu, const uint8_t *code, unsigned avail, struct insn *in);
/* ops_fast.c: swap in a handler specialised for this form, if there is one. */
void cpu_specialize(struct cpu *cpu, struct insn *in);

/* x87.c: the legacy FXSAVE area (SDM vol. 1, 10.5.1, table 10-2): x87
 * state, MXCSR and the XMM registers. area is 512 bytes. */
void fpu_reset(struct cpu *cpu); /* FNINIT state, MXCSR 0x1f80 */
void fpu_fxsave(struct cpu *cpu, uint8_t *area, bool rex_w);
/* Returns false (caller raises #GP) if MXCSR has reserved bits set. */
bool fpu_fxrstor(struct cpu *cpu, const uint8_t *area, bool rex_w);

/* sys.c */
void cpu_cpuid(struct cpu *cpu, uint32_t leaf, uint32_t sub, uint32_t out[4]);
bool cpu_rdmsr(struct cpu *cpu, uint32_t msr, uint64_t *v);
bool cpu_wrmsr(struct cpu *cpu, uint32_t msr, uint64_t v);
void cpu_write_cr0(struct cpu *cpu, uint64_t v);
void cpu_write_cr3(struct cpu *cpu, uint64_t v);
void cpu_write_cr4(struct cpu *cpu, uint64_t v);
uint64_t cpu_rdtsc(struct cpu *cpu);

/* ---- registers ---- */

static inline uint64_t size_mask(unsigned size)
{
	return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

static inline uint64_t sext(uint64_t v, unsigned size)
{
	switch (size) {
	case 1:
		return (uint64_t)(int64_t)(int8_t)v;
	case 2:
		return (uint64_t)(int64_t)(int16_t)v;
	case 4:
		return (uint64_t)(int64_t)(int32_t)v;
	default:
		return v;
	}
}

static inline uint64_t get_r8(const struct cpu *c, unsigned r)
{
	return r >= R8_HIGH ? (c->regs[r - R8_HIGH] >> 8) & 0xff : c->regs[r] & 0xff;
}

static inline void set_r8(struct cpu *c, unsigned r, uint64_t v)
{
	if (r >= R8_HIGH)
		c->regs[r - R8_HIGH] = (c->regs[r - R8_HIGH] & ~0xff00ULL) | ((v & 0xff) << 8);
	else
		c->regs[r] = (c->regs[r] & ~0xffULL) | (v & 0xff);
}

static inline uint64_t get_reg(const struct cpu *c, unsigned r, unsigned size)
{
	switch (size) {
	case 1:
		return get_r8(c, r);
	case 2:
		return c->regs[r] & 0xffff;
	case 4:
		return c->regs[r] & 0xffffffff;
	default:
		return c->regs[r];
	}
}

/* 32-bit writes zero the upper half (SDM vol. 1, 3.4.1.1); 8- and 16-bit
 * writes keep the rest. */
static inline void set_reg(struct cpu *c, unsigned r, unsigned size, uint64_t v)
{
	switch (size) {
	case 1:
		set_r8(c, r, v);
		break;
	case 2:
		c->regs[r] = (c->regs[r] & ~0xffffULL) | (v & 0xffff);
		break;
	case 4:
		c->regs[r] = v & 0xffffffff;
		break;
	default:
		c->regs[r] = v;
		break;
	}
}

/* ---- memory ---- */

static inline uint64_t ad_mask(unsigned adsz)
{
	return adsz == 8 ? ~0ULL : adsz == 4 ? 0xffffffffULL : 0xffffULL;
}

/* Offset of the memory operand inside its segment. */
static inline uint64_t insn_ea(const struct cpu *c, const struct insn *in)
{
	return (c->regs[in->base] + (c->regs[in->index] << in->scale) +
		(uint64_t)(int64_t)in->disp) &
	       ad_mask(in->adsz);
}

void seg_check_fail(struct cpu *c, int s, uint64_t off, unsigned size, bool write);

/* Linear address of seg:off, checking the segment limit where the mode
 * has one (not in 64-bit mode; not for flat 4 GiB segments). */
static inline uint64_t seg_lin(struct cpu *c, int s, uint64_t off, unsigned size, bool write)
{
	if (unlikely(c->seg_checked & (1u << s)))
		seg_check_fail(c, s, off, size, write);
	return c->segbase[s] + off;
}

static inline uint64_t lin_read(struct cpu *c, uint64_t lin, unsigned size)
{
	const struct tlb_entry *e = &c->tlb_r[(lin >> 12) & (TLB_SIZE - 1)];
	uint64_t v = 0;

	if (likely(e->tag == ((lin & ~0xfffULL) | c->tlb_cpl) && (lin & 0xfff) + size <= 0x1000)) {
		/* The TLB maps only RAM pages: addend + lin is inside guest RAM. */
		memcpy(&v, (const void *)(e->addend + lin), size);
		c->stats.tlb_hits++;
		return v;
	}
	return mmu_read_slow(c, lin, size);
}

static inline void lin_write(struct cpu *c, uint64_t lin, unsigned size, uint64_t v)
{
	const struct tlb_entry *e = &c->tlb_w[(lin >> 12) & (TLB_SIZE - 1)];

	if (likely(e->tag == ((lin & ~0xfffULL) | c->tlb_cpl) && (lin & 0xfff) + size <= 0x1000)) {
		memcpy((void *)(e->addend + lin), &v, size);
		c->stats.tlb_hits++;
		return;
	}
	mmu_write_slow(c, lin, size, v);
}

static inline uint64_t mem_read(struct cpu *c, int s, uint64_t off, unsigned size)
{
	return lin_read(c, seg_lin(c, s, off, size, false), size);
}

static inline void mem_write(struct cpu *c, int s, uint64_t off, unsigned size, uint64_t v)
{
	lin_write(c, seg_lin(c, s, off, size, true), size, v);
}

/* Byte-wise copies for wide operands (SSE, x87, descriptor tables). They
 * fault as one access would, before any byte is written. */
void mem_read_n(struct cpu *c, int s, uint64_t off, void *dst, unsigned n);
void mem_write_n(struct cpu *c, int s, uint64_t off, const void *src, unsigned n);

/* The r/m operand. */
static inline uint64_t rm_read(struct cpu *c, const struct insn *in, unsigned size)
{
	if (in->mod == 3)
		return get_reg(c, in->rm, size);
	return mem_read(c, in->seg, insn_ea(c, in), size);
}

static inline void rm_write(struct cpu *c, const struct insn *in, unsigned size, uint64_t v)
{
	if (in->mod == 3)
		set_reg(c, in->rm, size, v);
	else
		mem_write(c, in->seg, insn_ea(c, in), size, v);
}

/* ---- stack ---- */

static inline void push(struct cpu *c, unsigned size, uint64_t v)
{
	uint64_t mask = ad_mask(c->stack_size);
	uint64_t sp = (c->regs[R_SP] - size) & mask;

	mem_write(c, SEG_SS, sp, size, v);
	c->regs[R_SP] = (c->regs[R_SP] & ~mask) | sp;
}

static inline uint64_t pop(struct cpu *c, unsigned size)
{
	uint64_t mask = ad_mask(c->stack_size);
	uint64_t sp = c->regs[R_SP] & mask;
	uint64_t v = mem_read(c, SEG_SS, sp, size);

	c->regs[R_SP] = (c->regs[R_SP] & ~mask) | ((sp + size) & mask);
	return v;
}

/* ---- lazy flags ---- */

static inline unsigned size_log2(unsigned size)
{
	return size == 8 ? 3 : size == 4 ? 2 : size == 2 ? 1 : 0;
}

static inline void lf_set(struct cpu *c, unsigned op, unsigned size, uint64_t res, uint64_t a,
			  uint64_t b)
{
	uint64_t m = size_mask(size);

	c->lf_op = op | size_log2(size);
	c->lf_res = res & m;
	c->lf_a = a & m;
	c->lf_b = b & m;
}

/* Set the arithmetic flags to exact values (non-lazy ops). */
static inline void flags_put(struct cpu *c, uint64_t arith)
{
	if (c->lf_op != LF_NONE)
		cpu_flags_commit(c);
	c->rflags = (c->rflags & ~(uint64_t)F_ARITH) | (arith & F_ARITH);
}

static inline unsigned parity(uint64_t v)
{
	return __builtin_parity((unsigned)(v & 0xff)) ? 0 : F_PF;
}

/* RIP for control transfers: in 64-bit mode 64 bits, else masked to the
 * operand size. */
static inline void set_rip(struct cpu *c, uint64_t rip, unsigned opsz)
{
	c->regs[R_RIP] = opsz == 8 ? rip : rip & size_mask(opsz);
}

#endif
