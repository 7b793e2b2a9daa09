/* exec.c - the run loop: find the decoded block at CS:RIP (decoding it on
 * a miss), run its instructions, act on events (interrupts, INIT/SIPI,
 * stop requests) between blocks, and turn faults raised by handlers into
 * exception delivery. Also the CPU's life cycle and the code map. */
#include "cpu/internal.h"
#include "cpu/ops.h"

#include "common/log.h"

#include <stdlib.h>
#include <sys/mman.h>

/* ---- code map ---- */

struct cpu_codemap *cpu__codemap_new(const struct guest_mem *mem)
{
	struct cpu_codemap *cm = calloc(1, sizeof(*cm));

	if (!cm)
		return NULL;
	cm->mem = mem;
	cm->npages = mem->size >> 12;
	pthread_mutex_init(&cm->lock, NULL);
	/* calloc of big arrays maps zero pages lazily: untouched pages of
	 * guest RAM cost nothing here either. */
	cm->gen = calloc(cm->npages, sizeof(*cm->gen));
	cm->code = calloc(cm->npages, sizeof(*cm->code));
	if (!cm->gen || !cm->code) {
		cpu__codemap_free(cm);
		return NULL;
	}
	return cm;
}

void cpu__codemap_free(struct cpu_codemap *cm)
{
	if (!cm)
		return;
	pthread_mutex_destroy(&cm->lock);
	free((void *)cm->gen);
	free((void *)cm->code);
	free(cm);
}

void cpu__codemap_written(struct cpu_codemap *cm, uint64_t gpa, uint64_t len)
{
	for (uint64_t pg = gpa & ~0xfffULL; pg < gpa + len; pg += 4096) {
		int64_t i = codemap_index(cm, pg);

		if (i >= 0 && atomic_load_explicit(&cm->code[i], memory_order_relaxed)) {
			atomic_store(&cm->code[i], 0);
			atomic_fetch_add(&cm->gen[i], 1);
		}
	}
}

/* ---- life cycle ---- */

void cpu_flush_tlb(struct cpu *c)
{
	memset(c->tlb_r, 0xff, sizeof(c->tlb_r));
	memset(c->tlb_w, 0xff, sizeof(c->tlb_w));
	memset(c->tlb_x, 0xff, sizeof(c->tlb_x));
	c->tlb_epoch++;
	c->tlb_big = false;
}

void cpu_flush_code(struct cpu *c)
{
	memset(c->bcache, 0, sizeof(c->bcache));
	c->arena_used = 0;
}

void cpu_end_block(struct cpu *c)
{
	c->end_block = true;
}

void cpu_mode_changed(struct cpu *c)
{
	seg_update(c);
	c->end_block = true;
}

struct cpu *cpu__new(const struct cpu_sys *sys, int id)
{
	struct cpu *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->arena = mmap(NULL, ARENA_SIZE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (c->arena == MAP_FAILED) {
		free(c);
		return NULL;
	}
	c->sys = sys;
	c->id = id;
	if (sys->code) {
		pthread_mutex_lock(&sys->code->lock);
		if (sys->code->ncpus < 256)
			sys->code->cpus[sys->code->ncpus++] = c;
		pthread_mutex_unlock(&sys->code->lock);
	}
	/* A developer's aid: VMKIT_CPU_TRACE=FILE logs every instruction. */
	if (getenv("VMKIT_CPU_TRACE"))
		c->trace = fopen(getenv("VMKIT_CPU_TRACE"), "we");
	cpu__reset(c);
	return c;
}

void cpu__free(struct cpu *c)
{
	if (!c)
		return;
	if (c->sys->code) {
		struct cpu_codemap *cm = c->sys->code;

		pthread_mutex_lock(&cm->lock);
		for (int i = 0; i < cm->ncpus; i++)
			if (cm->cpus[i] == c)
				cm->cpus[i] = cm->cpus[--cm->ncpus];
		pthread_mutex_unlock(&cm->lock);
	}
	if (c->trace)
		fclose(c->trace);
	munmap(c->arena, ARENA_SIZE);
	free(c);
}

/* Power-on and INIT state (SDM vol. 3A, 9.1.1, table 9-1). */
void cpu__reset(struct cpu *c)
{
	uint64_t apic = c->apic_base;

	memset(c->regs, 0, sizeof(c->regs));
	c->regs[R_DX] = 0x600; /* family 6 */
	c->regs[R_RIP] = 0xfff0;
	c->lf_op = LF_NONE;
	c->rflags = X86_RFLAGS_FIXED;
	for (int s = 0; s < SEG_COUNT; s++)
		c->seg[s] = x86__seg_real(0, 0);
	c->seg[SEG_CS] = x86__seg_real(0xf000, 1);
	c->seg[SEG_CS].base = 0xffff0000;
	c->seg[SEG_LDTR] = (struct x86_seg){ .limit = 0xffff, .type = 2, .present = 1 };
	c->seg[SEG_TR] = (struct x86_seg){ .limit = 0xffff, .type = 0xb, .present = 1 };
	c->gdtr = (struct x86_dtable){ 0, 0xffff };
	c->idtr = (struct x86_dtable){ 0, 0xffff };
	c->cr0 = 0x60000010;
	c->cr2 = c->cr3 = c->cr4 = c->cr8 = 0;
	c->efer = 0;
	c->xcr0 = 1;
	c->star = c->lstar = c->cstar = c->sfmask = c->kernel_gs_base = 0;
	c->pat = 0x0007040600070406ULL;
	c->mtrr_def_type = 0;
	/* INIT keeps the APIC base; power-on puts the APIC at its default
	 * address, enabled, with BSP set on processor 0. */
	c->apic_base = apic ? apic : 0xfee00000ULL | (1ULL << 11) | (c->id == 0 ? 1ULL << 8 : 0);
	c->halted = c->wait_sipi = c->irq_shadow = c->nmi_blocked = false;
	c->shutdown = false;
	fpu_reset(c);
	seg_update(c);
	cpu_flush_tlb(c);
	cpu_flush_code(c);
}

void cpu__load_boot_state(struct cpu *c, const struct x86_boot_state *bs)
{
	c->regs[R_AX] = bs->rax;
	c->regs[R_BX] = bs->rbx;
	c->regs[R_CX] = bs->rcx;
	c->regs[R_DX] = bs->rdx;
	c->regs[R_SI] = bs->rsi;
	c->regs[R_DI] = bs->rdi;
	c->regs[R_SP] = bs->rsp;
	c->regs[R_BP] = bs->rbp;
	c->regs[R_RIP] = bs->rip;
	c->lf_op = LF_NONE;
	c->rflags = bs->rflags | X86_RFLAGS_FIXED;
	c->seg[SEG_CS] = bs->cs;
	c->seg[SEG_DS] = bs->ds;
	c->seg[SEG_ES] = bs->es;
	c->seg[SEG_FS] = bs->fs;
	c->seg[SEG_GS] = bs->gs;
	c->seg[SEG_SS] = bs->ss;
	if (bs->tr.present)
		c->seg[SEG_TR] = bs->tr;
	c->gdtr = bs->gdt;
	c->idtr = bs->idt;
	c->cr0 = bs->cr0;
	c->cr3 = bs->cr3;
	c->cr4 = bs->cr4;
	c->efer = bs->efer;
	c->wait_sipi = false;
	c->halted = false;
	seg_update(c);
	cpu_flush_tlb(c);
	cpu_flush_code(c);
}

/* ---- blocks ---- */

static unsigned block_hash(uint64_t lin)
{
	return (unsigned)((lin ^ (lin >> BCACHE_BITS) ^ (lin >> 28)) & (BCACHE_SIZE - 1));
}

static uint64_t fetch_translate(struct cpu *c, uint64_t lin)
{
	struct tlb_entry *e = &c->tlb_x[(lin >> 12) & (TLB_SIZE - 1)];

	if (likely(e->tag == ((lin & ~0xfffULL) | c->tlb_cpl)))
		return e->phys | (lin & 0xfff);
	uint64_t phys = mmu_translate(c, lin, ACC_X, c->cpl == 3);
	uint8_t *host = mem__ptr(c->sys->mem, phys & ~0xfffULL, 4096);

	if (host) {
		e->tag = (lin & ~0xfffULL) | c->tlb_cpl;
		e->addend = (uintptr_t)host - (uintptr_t)(lin & ~0xfffULL);
		e->phys = phys & ~0xfffULL;
	}
	return phys;
}

static uint32_t mark_code(struct cpu *c, int64_t idx)
{
	struct cpu_codemap *cm = c->sys->code;

	if (!atomic_load_explicit(&cm->code[idx], memory_order_relaxed)) {
		atomic_store(&cm->code[idx], 1);
		/* Other CPUs may hold this page in their write TLBs: they drop
		 * them at their next block. */
		pthread_mutex_lock(&cm->lock);
		for (int i = 0; i < cm->ncpus; i++)
			if (cm->cpus[i] != c)
				cpu__raise(cm->cpus[i], CPU_EV_FLUSH);
		pthread_mutex_unlock(&cm->lock);
	}
	return atomic_load(&cm->gen[idx]);
}

static void *arena_alloc(struct cpu *c, size_t n)
{
	void *p;

	n = (n + 15) & ~(size_t)15;
	if (c->arena_used + n > ARENA_SIZE)
		cpu_flush_code(c);
	p = c->arena + c->arena_used;
	c->arena_used += n;
	return p;
}

static struct block *decode_block(struct cpu *c, uint64_t lin)
{
	struct cpu_codemap *cm = c->sys->code;
	struct insn tmp[BLOCK_MAX_INSNS];
	uint64_t phys = fetch_translate(c, lin), phys2 = ~0ULL;
	const uint8_t *page = mem__ptr(c->sys->mem, phys & ~0xfffULL, 4096);
	unsigned off = (unsigned)(lin & 0xfff), n = 0;
	int64_t pidx, pidx2 = -1;
	uint32_t gen, gen2 = 0;
	struct block *b;

	if (!page) {
		/* Code outside RAM (an MMIO page, or nothing): no ROM to run. */
		log__debug("vCPU %d: instruction fetch from non-RAM 0x%llx", c->id,
			   (unsigned long long)phys);
		cpu_ud(c);
	}
	pidx = codemap_index(cm, phys);
	gen = mark_code(c, pidx);
	/* This page may sit in our own write TLB: writes to it must now go
	 * the slow way, which notices code. */
	memset(c->tlb_w, 0xff, sizeof(c->tlb_w));

	while (n < BLOCK_MAX_INSNS) {
		uint8_t buf[32];
		const uint8_t *p = page + off;
		unsigned avail = 4096 - off;
		int r;

		r = cpu_decode(c, p, avail, &tmp[n]);
		if (r < 0 && avail < 15) {
			/* The instruction runs into the next page. Only a block's
			 * first instruction fetches it (a fault there is real);
			 * otherwise the next block starts with it. */
			uint64_t nlin = lin + avail, nphys;
			const uint8_t *np;

			if (n > 0)
				break;
			nphys = fetch_translate(c, c->code64 ? nlin : nlin & 0xffffffff);
			np = mem__ptr(c->sys->mem, nphys & ~0xfffULL, 4096);
			if (!np)
				cpu_ud(c);
			memcpy(buf, p, avail);
			memcpy(buf + avail, np, 16);
			r = cpu_decode(c, buf, avail + 16, &tmp[n]);
			phys2 = nphys & ~0xfffULL;
			pidx2 = codemap_index(cm, phys2);
			gen2 = mark_code(c, pidx2);
		}
		if (r < 0) {
			/* Longer than 15 bytes: #GP(0) when it runs. */
			tmp[n].fn = op_gp0;
			tmp[n].len = 15;
			n++;
			break;
		}
		off += tmp[n].len;
		n++;
		if (r > 0 || off >= 4096 || phys2 != ~0ULL)
			break;
	}
	b = arena_alloc(c, sizeof(*b) + n * sizeof(struct insn));
	b->lin = lin;
	b->phys = phys;
	b->phys2 = phys2;
	b->pidx = pidx;
	b->pidx2 = pidx2;
	b->gen = gen;
	b->gen2 = gen2;
	b->mode = c->mode_key;
	b->valid_epoch = c->tlb_epoch;
	b->genp = &cm->gen[pidx];
	b->link[0] = b->link[1] = NULL;
	b->n = (uint16_t)n;
	memcpy(b->insns, tmp, n * sizeof(struct insn));
	unsigned h = block_hash(lin);
	b->hnext = c->bcache[h];
	c->bcache[h] = b;
	return b;
}

static bool block_current(struct cpu *c, struct block *b)
{
	struct cpu_codemap *cm = c->sys->code;

	if (atomic_load_explicit(b->genp, memory_order_relaxed) != b->gen)
		return false;
	if (b->pidx2 >= 0 &&
	    atomic_load_explicit(&cm->gen[b->pidx2], memory_order_relaxed) != b->gen2)
		return false;
	if (b->valid_epoch != c->tlb_epoch) {
		/* The page tables may have changed: same physical page? */
		if ((fetch_translate(c, b->lin) & ~0xfffULL) != (b->phys & ~0xfffULL))
			return false;
		b->valid_epoch = c->tlb_epoch;
	}
	return true;
}

static struct block *find_block(struct cpu *c)
{
	uint64_t lin = c->segbase[SEG_CS] + c->regs[R_RIP];
	struct block *b;

	if (!c->code64) {
		if (unlikely(c->regs[R_RIP] > c->seg[SEG_CS].limit))
			cpu_gp(c, 0);
		lin &= 0xffffffff;
	}
	for (b = c->bcache[block_hash(lin)]; b; b = b->hnext) {
		if (b->lin == lin && b->mode == c->mode_key && block_current(c, b)) {
			c->stats.block_hits++;
			return b;
		}
	}
	c->stats.block_misses++;
	return decode_block(c, lin);
}

/* ---- events ---- */

static void start_ap(struct cpu *c, uint8_t vector)
{
	c->seg[SEG_CS] = x86__seg_real((uint16_t)(vector << 8), 1);
	c->regs[R_RIP] = 0;
	c->wait_sipi = false;
	c->halted = false;
	seg_update(c);
}

/* Returns an exit reason, or -1 to go on running. */
static int handle_events(struct cpu *c)
{
	unsigned ev = atomic_load_explicit(&c->events, memory_order_acquire);

	if (ev & CPU_EV_FLUSH) {
		/* Another CPU turned some page into code: our write TLB may
		 * still map it. */
		atomic_fetch_and(&c->events, ~CPU_EV_FLUSH);
		memset(c->tlb_w, 0xff, sizeof(c->tlb_w));
		ev &= ~CPU_EV_FLUSH;
	}
	if (!ev)
		return c->halted ? CPU_EXIT_HLT : c->wait_sipi ? CPU_EXIT_WAIT_SIPI : -1;
	if (ev & CPU_EV_STOP) {
		atomic_fetch_and(&c->events, ~CPU_EV_STOP);
		return CPU_EXIT_STOP;
	}
	if (ev & CPU_EV_INIT) {
		atomic_fetch_and(&c->events, ~CPU_EV_INIT);
		cpu__reset(c);
		c->wait_sipi = c->id != 0;
	}
	if (ev & CPU_EV_SIPI) {
		atomic_fetch_and(&c->events, ~CPU_EV_SIPI);
		if (c->wait_sipi)
			start_ap(c, c->sipi_vector);
	}
	if (c->wait_sipi)
		return CPU_EXIT_WAIT_SIPI;
	if ((ev & CPU_EV_NMI) && !c->nmi_blocked) {
		atomic_fetch_and(&c->events, ~CPU_EV_NMI);
		c->nmi_blocked = true;
		c->halted = false;
		cpu_interrupt(c, EXC_NMI, EXC_NO_ERR, false, false);
	}
	if ((ev & CPU_EV_IRQ) && !(c->rflags & F_IF)) {
		/* Interrupts are off: stop looking at this event every block;
		 * cpu_if_changed() raises it again when IF comes back. */
		atomic_fetch_and(&c->events, ~CPU_EV_IRQ);
		c->irq_deferred = true;
	} else if ((ev & CPU_EV_IRQ) && !c->irq_shadow) {
		int vec;

		atomic_fetch_and(&c->events, ~CPU_EV_IRQ);
		vec = c->sys->intr_ack ? c->sys->intr_ack(c->sys->ctx, c) : -1;
		if (vec >= 0) {
			c->halted = false;
			c->stats.interrupts++;
			cpu_interrupt(c, vec, EXC_NO_ERR, false, false);
		}
	}
	return c->halted ? CPU_EXIT_HLT : -1;
}

/* ---- the loop ---- */

/* The block that follows prev at the current CS:RIP: first the ones that
 * followed it before (a loop's branch goes one of two ways), then the
 * hash table. */
static inline struct block *next_block(struct cpu *c, struct block *prev)
{
	uint64_t lin = c->segbase[SEG_CS] + c->regs[R_RIP];
	struct block *b;

	if (likely(prev != NULL && c->code64)) {
		for (int k = 0; k < 2; k++) {
			b = prev->link[k];
			if (b && b->lin == lin && b->mode == c->mode_key &&
			    atomic_load_explicit(b->genp, memory_order_relaxed) == b->gen &&
			    b->valid_epoch == c->tlb_epoch && b->pidx2 < 0) {
				c->stats.block_hits++;
				return b;
			}
		}
	}
	b = find_block(c);
	if (prev && prev->link[0] != b) {
		prev->link[1] = prev->link[0];
		prev->link[0] = b;
	}
	return b;
}

/* The common case: no budget, no tracing. */
static enum cpu_exit run_fast(struct cpu *c)
{
	struct block *b = NULL;

	for (;;) {
		const struct insn *in, *end;

		if (unlikely(atomic_load_explicit(&c->events, memory_order_relaxed) | c->halted |
			     c->wait_sipi | c->irq_shadow)) {
			int r = handle_events(c);

			if (r >= 0)
				return (enum cpu_exit)r;
			if (c->irq_shadow)
				return CPU_EXIT_BUDGET; /* one instruction the slow way */
			b = NULL;
		}
		b = next_block(c, b);
		c->blk_page = b->phys & ~0xfffULL;
		c->blk_page2 = b->phys2;
		in = b->insns;
		end = in + b->n;
		do {
			c->cur = in;
			c->regs[R_RIP] += in->len;
			in->fn(c, in);
			in++;
		} while (in < end && !c->end_block);
		c->stats.insns += (uint64_t)(in - b->insns);
		if (unlikely(c->end_block)) {
			c->end_block = false;
			b = NULL; /* the next block follows no fixed path */
		}
		c->cur = NULL;
	}
}

/* With a budget, tracing, or an interrupt shadow: checks per block. */
static enum cpu_exit run_slow(struct cpu *c)
{
	for (;;) {
		const struct insn *in, *end;
		struct block *b;
		int r;

		if (atomic_load_explicit(&c->events, memory_order_relaxed) || c->halted ||
		    c->wait_sipi) {
			r = handle_events(c);
			if (r >= 0)
				return (enum cpu_exit)r;
		}
		if (c->budget == 0)
			return CPU_EXIT_BUDGET;
		b = find_block(c);
		c->blk_page = b->phys & ~0xfffULL;
		c->blk_page2 = b->phys2;
		in = b->insns;
		end = in + b->n;
		if (c->irq_shadow) {
			end = in + 1; /* one instruction before interrupts again */
			c->irq_shadow = false;
		}
		if (c->trace)
			end = in + 1;
		if ((uint64_t)(end - in) > c->budget)
			end = in + c->budget;
		if (c->trace)
			fprintf(c->trace, "%d %016llx %s%02x ", c->id,
				(unsigned long long)c->regs[R_RIP], in->map ? "0f" : "", in->op);
		do {
			c->cur = in;
			c->regs[R_RIP] += in->len;
			in->fn(c, in);
			in++;
		} while (in < end && !c->end_block);
		if (c->trace)
			fprintf(c->trace,
				"ax=%llx cx=%llx dx=%llx bx=%llx sp=%llx si=%llx di=%llx fl=%llx\n",
				(unsigned long long)c->regs[R_AX],
				(unsigned long long)c->regs[R_CX],
				(unsigned long long)c->regs[R_DX],
				(unsigned long long)c->regs[R_BX],
				(unsigned long long)c->regs[R_SP],
				(unsigned long long)c->regs[R_SI],
				(unsigned long long)c->regs[R_DI],
				(unsigned long long)cpu_get_flags(c));
		c->stats.insns += (uint64_t)(in - b->insns);
		if (c->budget != UINT64_MAX)
			c->budget -= (uint64_t)(in - b->insns);
		c->end_block = false;
		c->cur = NULL;
		if (!c->trace && c->budget == UINT64_MAX && !c->irq_shadow)
			return CPU_EXIT_BUDGET; /* back to the fast loop */
	}
}

static enum cpu_exit run_blocks(struct cpu *c)
{
	for (;;) {
		enum cpu_exit r;

		if (c->budget == UINT64_MAX && !c->trace && !c->irq_shadow) {
			r = run_fast(c);
			if (r != CPU_EXIT_BUDGET)
				return r;
		}
		r = run_slow(c);
		if (r != CPU_EXIT_BUDGET || c->budget == 0)
			return r;
	}
}

/* A handler (or the loop) raised an exception: rewind RIP to the faulting
 * instruction and deliver it. Returns an exit reason or -1. */
static int handle_fault(struct cpu *c)
{
	int vec = c->last_vec;
	uint32_t err = c->trapped_err;

	if (c->cur) {
		c->regs[R_RIP] -= c->cur->len;
		c->cur = NULL;
	}
	c->end_block = false;
	if (c->trap_exc) {
		c->trapped_vec = vec;
		c->stats.exceptions[vec & 31]++;
		return CPU_EXIT_EXCEPTION;
	}
	if (!cpu_deliver_exception(c, vec, err)) {
		c->shutdown = true;
		return CPU_EXIT_SHUTDOWN;
	}
	return -1;
}

enum cpu_exit cpu__run(struct cpu *c, uint64_t budget)
{
	c->budget = budget;
	for (;;) {
		if (setjmp(c->jmp)) {
			int r = handle_fault(c);

			if (r >= 0)
				return (enum cpu_exit)r;
			continue;
		}
		return run_blocks(c);
	}
}

/* ---- the outside view ---- */

void cpu__raise(struct cpu *c, unsigned events)
{
	atomic_fetch_or_explicit(&c->events, events, memory_order_release);
}

void cpu__sipi(struct cpu *c, uint8_t vector)
{
	c->sipi_vector = vector;
	cpu__raise(c, CPU_EV_SIPI);
}

bool cpu__interruptible(const struct cpu *c)
{
	return (c->rflags & F_IF) && !c->irq_shadow;
}

bool cpu__halted(const struct cpu *c)
{
	return c->halted;
}

unsigned cpu__events(const struct cpu *c)
{
	return atomic_load(&c->events);
}

void cpu__trap_exceptions(struct cpu *c, bool on)
{
	c->trap_exc = on;
}

int cpu__last_exception(const struct cpu *c, uint32_t *err)
{
	if (err)
		*err = c->trapped_err;
	return c->trapped_vec;
}

const struct cpu_stats *cpu__stats(const struct cpu *c)
{
	return &c->stats;
}

int cpu__id(const struct cpu *c)
{
	return c->id;
}

uint64_t cpu__gpr(const struct cpu *c, int r)
{
	return c->regs[r];
}

void cpu__set_gpr(struct cpu *c, int r, uint64_t v)
{
	c->regs[r] = v;
}

uint64_t cpu__rip(const struct cpu *c)
{
	return c->regs[R_RIP];
}

uint64_t cpu__rflags(struct cpu *c)
{
	return cpu_get_flags(c);
}

void cpu__set_rflags(struct cpu *c, uint64_t v)
{
	c->lf_op = LF_NONE;
	c->rflags = v | X86_RFLAGS_FIXED;
}

void cpu__xmm(const struct cpu *c, int r, uint64_t out[2])
{
	out[0] = c->xmm[r].q[0];
	out[1] = c->xmm[r].q[1];
}

void cpu__set_xmm(struct cpu *c, int r, const uint64_t v[2])
{
	c->xmm[r].q[0] = v[0];
	c->xmm[r].q[1] = v[1];
}

uint32_t cpu__mxcsr(const struct cpu *c)
{
	return c->mxcsr;
}

static void dump_seg(FILE *out, const char *n, const struct x86_seg *s)
{
	fprintf(out,
		"  %-3s sel=%04x base=%016llx limit=%08x type=%x s=%u dpl=%u p=%u l=%u db=%u g=%u\n",
		n, s->selector, (unsigned long long)s->base, s->limit, s->type, s->s, s->dpl,
		s->present, s->l, s->db, s->g);
}

void cpu__dump(const struct cpu *c, FILE *out)
{
	static const char *const names[16] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp",
					       "rsi", "rdi", "r8 ", "r9 ", "r10", "r11",
					       "r12", "r13", "r14", "r15" };
	struct cpu *mc = (struct cpu *)c; /* flags are computed lazily */

	for (int i = 0; i < 16; i++)
		fprintf(out, "%s%s=%016llx%s", i % 4 ? " " : "  ", names[i],
			(unsigned long long)c->regs[i], i % 4 == 3 ? "\n" : "");
	fprintf(out, "  rip=%016llx rflags=%08llx cpl=%u\n", (unsigned long long)c->regs[R_RIP],
		(unsigned long long)cpu_get_flags(mc), c->cpl);
	dump_seg(out, "cs", &c->seg[SEG_CS]);
	dump_seg(out, "ds", &c->seg[SEG_DS]);
	dump_seg(out, "ss", &c->seg[SEG_SS]);
	dump_seg(out, "tr", &c->seg[SEG_TR]);
	fprintf(out, "  gdt=%016llx/%04x idt=%016llx/%04x\n", (unsigned long long)c->gdtr.base,
		c->gdtr.limit, (unsigned long long)c->idtr.base, c->idtr.limit);
	fprintf(out, "  cr0=%016llx cr2=%016llx cr3=%016llx cr4=%016llx efer=%016llx\n",
		(unsigned long long)c->cr0, (unsigned long long)c->cr2, (unsigned long long)c->cr3,
		(unsigned long long)c->cr4, (unsigned long long)c->efer);
}
