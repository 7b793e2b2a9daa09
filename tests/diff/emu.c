/* emu.c - runs test cases on vmkit's software CPU, in guest memory laid out as the native side's. */
#include "cpudiff.h"

#include "common/err.h"
#include "cpu/cpu.h"
#include "vm/boot.h"
#include "vm/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * One CPU, created once in the parent; the emulator worker is a fork of
 * it, and so is its replacement after a crash. Each case: the tested
 * bytes at CODE_ADDR with UD2 at each marker, the patches in the data
 * area, the FXRSTOR image at FXIN; then a 64-bit boot state
 * (identity-mapped paging, CPL 0) entering the prologue
 * "fxrstor [FXIN]; jmp CODE_ADDR", the GPRs, RFLAGS and XMM registers set
 * through the API, and cpu__run with exceptions trapped. Reaching a
 * marker ends in #UD at the marker; anything else is the case's own
 * exception. cpu__load_boot_state flushes the TLB and the decode cache,
 * which is what lets every case put new bytes at the same address.
 * MXCSR and the x87 state have no setters: the FXRSTOR prologue loads
 * them (and the XMM registers again, to the same values).
 *
 * The marker is UD2 rather than HLT: HLT leaves the CPU halted and
 * nothing in cpu.h clears that short of cpu__reset.
 */

#define GUEST_RAM  0x20200000ULL
#define FXIN_ADDR  (CTRL_ADDR + 0x200)
#define FXOUT_ADDR (CTRL_ADDR + 0x400)
/* Instructions a case may retire beyond its own: the prologue's two, the
 * marker, slack. Tight, so a runaway REP stops after a chunk or two. */
#define BUDGET_EXTRA 4
#define CR0_MP       (1ULL << 1)
#define CR0_NE       (1ULL << 5)
#define CR4_OSFXSR   (1ULL << 9)
#define CR4_OSXMM    (1ULL << 10)
#define VEC_UD       6

/* Pseudo vectors for endings the native side cannot have. */
enum { VEC_EMU_HLT = 256, VEC_EMU_BUDGET, VEC_EMU_SHUTDOWN, VEC_EMU_STOP, VEC_EMU_IO };

struct emu {
	struct guest_mem mem;
	struct cpu_codemap *code;
	struct cpu_sys sys;
	struct cpu *cpu;
	struct x86_boot_state bs;
	uint8_t *data, *page, *fxin, *fxout;
	unsigned io; /* port or MMIO accesses: never expected */
};

static void on_pio(void *ctx, uint16_t port, uint8_t *data, unsigned len, bool is_write)
{
	struct emu *e = ctx;

	(void)port;
	if (!is_write)
		memset(data, 0xff, len);
	e->io++;
}

static void on_mmio(void *ctx, uint64_t gpa, uint8_t *data, unsigned len, bool is_write)
{
	struct emu *e = ctx;

	(void)gpa;
	if (!is_write)
		memset(data, 0xff, len);
	e->io++;
}

static void put_abs32(uint8_t *p, uint64_t addr)
{
	uint32_t a = (uint32_t)addr;

	memcpy(p, &a, 4);
}

/* fxrstor [FXIN]; jmp CODE_ADDR, and the stub fxsave [FXOUT]; ud2. */
static void write_stubs(struct emu *e)
{
	uint8_t *p = e->page + EMU_PROLOGUE_OFF, *s = e->page + EMU_FXSAVE_OFF;
	int32_t rel = (int32_t)(CODE_OFF - (EMU_PROLOGUE_OFF + 13));

	memset(e->page, FILLER_BYTE, CODE_PAGE_SIZE);
	memcpy(p, "\x0f\xae\x0c\x25", 4);
	put_abs32(p + 4, FXIN_ADDR);
	p[8] = 0xe9;
	memcpy(p + 9, &rel, 4);
	memcpy(s, "\x0f\xae\x04\x25", 4);
	put_abs32(s + 4, FXOUT_ADDR);
	memcpy(s + 8, "\x0f\x0b", 2);
}

struct emu *emu__new(char *why, size_t whylen)
{
	struct emu *e = calloc(1, sizeof(*e));
	struct err err = { 0 };

	if (!e || mem__init(&e->mem, GUEST_RAM, &err) < 0) {
		snprintf(why, whylen, "guest memory: %s", e ? err.msg : "out of memory");
		free(e);
		return NULL;
	}
	e->code = cpu__codemap_new(&e->mem);
	e->sys = (struct cpu_sys){ .mem = &e->mem,
				   .code = e->code,
				   .ncpus = 1,
				   .ctx = e,
				   .pio = on_pio,
				   .mmio = on_mmio };
	e->cpu = e->code ? cpu__new(&e->sys, 0) : NULL;
	if (!e->cpu || boot__long_mode(&e->mem, &e->bs, CODE_PAGE + EMU_PROLOGUE_OFF) < 0) {
		snprintf(why, whylen, "cannot create the CPU");
		emu__free(e);
		return NULL;
	}
	/* What an OS gives user code: SSE enabled, x87 errors as #MF. */
	e->bs.cr0 |= CR0_MP | CR0_NE;
	e->bs.cr4 |= CR4_OSFXSR | CR4_OSXMM;
	e->data = mem__ptr(&e->mem, DATA_ADDR, DATA_SIZE);
	e->page = mem__ptr(&e->mem, CODE_PAGE, CODE_PAGE_SIZE);
	e->fxin = mem__ptr(&e->mem, FXIN_ADDR, 512);
	e->fxout = mem__ptr(&e->mem, FXOUT_ADDR, 512);
	cpu__trap_exceptions(e->cpu, true);
	write_stubs(e);
	return e;
}

void emu__free(struct emu *e)
{
	if (!e)
		return;
	cpu__free(e->cpu);
	cpu__codemap_free(e->code);
	mem__fini(&e->mem);
	free(e);
}

/* A batch starts from a fresh data area, and fresh boot structures and
 * code page in case a wild write of the last batch hit them. */
static void emu_baseline(struct emu *e, const uint8_t *baseline)
{
	struct x86_boot_state bs;

	memcpy(e->data, baseline, DATA_SIZE);
	boot__long_mode(&e->mem, &bs, 0);
	write_stubs(e);
}

static void place_markers(struct emu *e, const struct tcase *c, bool on)
{
	for (unsigned k = 0; k < c->nmark; k++) {
		uint8_t *p = e->page + CODE_OFF + c->mark[k];

		memset(p, FILLER_BYTE, MARK_LEN);
		if (on)
			memcpy(p, "\x0f\x0b", 2);
	}
}

static int exit_vec(enum cpu_exit x)
{
	switch (x) {
	case CPU_EXIT_HLT:
		return VEC_EMU_HLT;
	case CPU_EXIT_BUDGET:
		return VEC_EMU_BUDGET;
	case CPU_EXIT_SHUTDOWN:
		return VEC_EMU_SHUTDOWN;
	default:
		return VEC_EMU_STOP;
	}
}

/* How the run ended: a marker, the case's exception, or something odd. */
static void classify(struct emu *e, const struct tcase *c, enum cpu_exit x, struct result *r)
{
	uint32_t err = 0;

	r->rip = (int32_t)(cpu__rip(e->cpu) - CODE_ADDR);
	r->end = END_EXC;
	r->err = 0;
	if (x != CPU_EXIT_EXCEPTION) {
		r->vec = exit_vec(x);
		return;
	}
	r->vec = cpu__last_exception(e->cpu, &err);
	r->err = err;
	if (r->vec != VEC_UD)
		return;
	for (unsigned k = 0; k < c->nmark; k++) {
		if (r->rip == c->mark[k]) {
			r->end = (int32_t)k;
			r->vec = -1;
			return;
		}
	}
}

static void read_state(struct emu *e, struct result *r)
{
	for (int i = 0; i < 16; i++)
		r->out.gpr[i] = cpu__gpr(e->cpu, i);
	r->out.rflags = cpu__rflags(e->cpu);
	for (int i = 0; i < 16; i++)
		cpu__xmm(e->cpu, i, r->out.xmm[i]);
	r->out.mxcsr = cpu__mxcsr(e->cpu);
}

/* The x87 state has no accessor: run fxsave [FXOUT] and read it back. */
static void save_fx(struct emu *e, struct result *r)
{
	enum cpu_exit x;

	e->bs.rip = CODE_PAGE + EMU_FXSAVE_OFF;
	cpu__load_boot_state(e->cpu, &e->bs);
	x = cpu__run(e->cpu, 4);
	if (x != CPU_EXIT_EXCEPTION || cpu__rip(e->cpu) != CODE_PAGE + EMU_FXSAVE_OFF + 8)
		memset(r->fx, 0xee, sizeof(r->fx));
	else
		memcpy(r->fx, e->fxout, sizeof(r->fx));
}

static void load_state(struct emu *e, const struct tcase *c)
{
	e->bs.rip = CODE_PAGE + EMU_PROLOGUE_OFF;
	cpu__load_boot_state(e->cpu, &e->bs);
	for (int i = 0; i < 16; i++)
		cpu__set_gpr(e->cpu, i, c->in.gpr[i]);
	cpu__set_rflags(e->cpu, (c->in.rflags & ~(uint64_t)(F_TF | F_AC)) | 0x202);
	for (int i = 0; i < 16; i++)
		cpu__set_xmm(e->cpu, i, c->in.xmm[i]);
}

static void emu_run(struct emu *e, const struct tcase *c, struct result *r)
{
	unsigned io = e->io;
	enum cpu_exit x;

	memcpy(e->page + CODE_OFF, c->code, c->len);
	place_markers(e, c, true);
	case_apply_patches(c, e->data);
	fx_build(c, e->fxin);
	load_state(e, c);
	x = cpu__run(e->cpu, c->ninsn + BUDGET_EXTRA);
	classify(e, c, x, r);
	read_state(e, r);
	if (c->cmp_fx)
		save_fx(e, r);
	if (e->io != io) {
		r->end = END_EXC;
		r->vec = VEC_EMU_IO;
	}
	memcpy(r->win, e->data + c->win_off, c->win_len);
	place_markers(e, c, false);
	memset(e->page + CODE_OFF, FILLER_BYTE, c->len);
}

/* After a case: its window and patches back to the baseline. */
static void emu_restore(struct emu *e, const struct tcase *c, const uint8_t *baseline)
{
	memcpy(e->data + c->win_off, baseline + c->win_off, c->win_len);
	for (unsigned i = 0; i < c->npatch; i++)
		memcpy(e->data + c->patch[i].off, baseline + c->patch[i].off, c->patch[i].len);
}

static uint32_t emu_stray(struct emu *e, const uint8_t *baseline)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < DATA_SIZE; i++)
		n += e->data[i] != baseline[i];
	return n;
}

static void emu_batch(struct batch *b, void *ctx)
{
	struct emu *e = ctx;

	emu_baseline(e, b->baseline);
	for (uint32_t i = 0; i < b->n; i++) {
		emu_run(e, &b->cases[i], &b->emu[i]);
		emu_restore(e, &b->cases[i], b->baseline);
	}
	b->emu_stray = emu_stray(e, b->baseline);
}

const struct worker_ops emu_ops = { "emulator", NULL, emu_batch };
