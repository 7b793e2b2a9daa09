/* native.c - runs test cases on the host CPU in a seccomp-sandboxed worker. */
#include "cpudiff.h"

#include <errno.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

/*
 * The worker maps the code page, the data area and its control block at
 * the fixed addresses of cpudiff.h, installs fault handlers on an
 * alternate stack, then locks itself down to read, write, rt_sigreturn
 * and exit. Each case: the tested bytes go to CODE_ADDR with a jmp to a
 * per-marker stub at each marker; the trampoline loads the FXRSTOR image,
 * RFLAGS and all sixteen GPRs from the control block and jumps in; a
 * stub records its marker and jumps to the tail, which saves everything.
 * A fault lands in on_fault, which reads the state from the signal frame
 * and resumes the trampoline's recovery path by editing the ucontext.
 */

/* The control block (CTRL_ADDR), as the trampoline sees it. */
#define CTRL        0x20010000
#define K_GPR_IN    0x000
#define K_RFL_IN    0x080
#define K_ENTRY     0x088
#define K_HOST_RSP  0x090
#define K_TAIL      0x098
#define K_GPR_OUT   0x0a0
#define K_RFL_OUT   0x120
#define K_END_ID    0x128
#define K_FX_IN     0x200
#define K_FX_OUT    0x400
#define K_FX_HOST   0x600
#define K_FAULT     0x800 /* struct fault, written by on_fault */
#define STR_(x)     #x
#define STR(x)      STR_(x)
#define K(off)      STR(CTRL + off)
#define KG(base, r) STR(CTRL + base + 8 * r)

_Static_assert(CTRL == CTRL_ADDR, "the trampoline's control block address");

struct fault {
	uint32_t hit;
	int32_t vec;
	uint32_t err;
	uint64_t rip, addr;
};

void cpudiff_native_enter(void);
void cpudiff_native_tail(void);
void cpudiff_native_recover(void);

/* Callee-saved registers on the host stack, its RSP in the control block;
 * then the guest state. Every access is 32-bit absolute, so no register
 * is needed as a base and the tested code gets all sixteen. */
/* clang-format off */
__asm__(".text\n"
	".p2align 4\n"
	".globl cpudiff_native_enter\n"
	".type cpudiff_native_enter, @function\n"
	"cpudiff_native_enter:\n"
	"\tpush %rbx\n"
	"\tpush %rbp\n"
	"\tpush %r12\n"
	"\tpush %r13\n"
	"\tpush %r14\n"
	"\tpush %r15\n"
	"\tmov %rsp, " K(K_HOST_RSP) "\n"
	"\tfxsave " K(K_FX_HOST) "\n"
	"\tfxrstor " K(K_FX_IN) "\n"
	"\tpushq " K(K_RFL_IN) "\n"
	"\tpopfq\n"
	"\tmov " KG(K_GPR_IN, 0) ", %rax\n"
	"\tmov " KG(K_GPR_IN, 1) ", %rcx\n"
	"\tmov " KG(K_GPR_IN, 2) ", %rdx\n"
	"\tmov " KG(K_GPR_IN, 3) ", %rbx\n"
	"\tmov " KG(K_GPR_IN, 4) ", %rsp\n"
	"\tmov " KG(K_GPR_IN, 5) ", %rbp\n"
	"\tmov " KG(K_GPR_IN, 6) ", %rsi\n"
	"\tmov " KG(K_GPR_IN, 7) ", %rdi\n"
	"\tmov " KG(K_GPR_IN, 8) ", %r8\n"
	"\tmov " KG(K_GPR_IN, 9) ", %r9\n"
	"\tmov " KG(K_GPR_IN, 10) ", %r10\n"
	"\tmov " KG(K_GPR_IN, 11) ", %r11\n"
	"\tmov " KG(K_GPR_IN, 12) ", %r12\n"
	"\tmov " KG(K_GPR_IN, 13) ", %r13\n"
	"\tmov " KG(K_GPR_IN, 14) ", %r14\n"
	"\tmov " KG(K_GPR_IN, 15) ", %r15\n"
	"\tjmp *" K(K_ENTRY) "\n"
	".globl cpudiff_native_tail\n"
	"cpudiff_native_tail:\n"
	"\tmov %rax, " KG(K_GPR_OUT, 0) "\n"
	"\tmov %rcx, " KG(K_GPR_OUT, 1) "\n"
	"\tmov %rdx, " KG(K_GPR_OUT, 2) "\n"
	"\tmov %rbx, " KG(K_GPR_OUT, 3) "\n"
	"\tmov %rsp, " KG(K_GPR_OUT, 4) "\n"
	"\tmov %rbp, " KG(K_GPR_OUT, 5) "\n"
	"\tmov %rsi, " KG(K_GPR_OUT, 6) "\n"
	"\tmov %rdi, " KG(K_GPR_OUT, 7) "\n"
	"\tmov %r8, " KG(K_GPR_OUT, 8) "\n"
	"\tmov %r9, " KG(K_GPR_OUT, 9) "\n"
	"\tmov %r10, " KG(K_GPR_OUT, 10) "\n"
	"\tmov %r11, " KG(K_GPR_OUT, 11) "\n"
	"\tmov %r12, " KG(K_GPR_OUT, 12) "\n"
	"\tmov %r13, " KG(K_GPR_OUT, 13) "\n"
	"\tmov %r14, " KG(K_GPR_OUT, 14) "\n"
	"\tmov %r15, " KG(K_GPR_OUT, 15) "\n"
	"\tmov " K(K_HOST_RSP) ", %rsp\n"
	"\tpushfq\n"
	"\tpopq " K(K_RFL_OUT) "\n"
	"\tfxsave " K(K_FX_OUT) "\n"
	".globl cpudiff_native_recover\n"
	"cpudiff_native_recover:\n"
	"\tpushq $0x202\n"
	"\tpopfq\n"
	"\tfxrstor " K(K_FX_HOST) "\n"
	"\tpop %r15\n"
	"\tpop %r14\n"
	"\tpop %r13\n"
	"\tpop %r12\n"
	"\tpop %rbp\n"
	"\tpop %rbx\n"
	"\tret\n"
	".size cpudiff_native_enter, .-cpudiff_native_enter\n");
/* clang-format on */

#define CTRL_P(off)  ((void *)(uintptr_t)(CTRL_ADDR + (off)))
#define CODE_P(off)  ((uint8_t *)(uintptr_t)(CODE_PAGE + (off)))
#define DATA_P       ((uint8_t *)(uintptr_t)DATA_ADDR)
#define ALTSTACK_LEN (256u << 10)

static const int gregs_of[16] = { REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP,
				  REG_RSI, REG_RDI, REG_R8,  REG_R9,  REG_R10, REG_R11,
				  REG_R12, REG_R13, REG_R14, REG_R15 };

/* A fault outside the tested code is a harness bug: say where, and exit
 * (the sandbox allows write and exit_group, not sigaction). */
static _Noreturn void harness_fault(int sig, uint64_t rip, uint64_t addr)
{
	char msg[96] = "cpudiff: native worker: signal ", *p = msg + strlen(msg);
	const uint64_t v[3] = { (uint64_t)sig, rip, addr };

	for (int i = 0; i < 3; i++) {
		for (int sh = 60; sh >= 0; sh -= 4)
			*p++ = "0123456789abcdef"[(v[i] >> sh) & 15];
		*p++ = i < 2 ? ' ' : '\n';
	}
	if (write(2, msg, (size_t)(p - msg)) < 0)
		_exit(5);
	_exit(5);
}

/* A fault in the tested code: its state goes where the tail would have
 * put it, then the trampoline's recovery path runs on the host stack. */
static void on_fault(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	greg_t *gr = uc->uc_mcontext.gregs;
	struct fault *f = CTRL_P(K_FAULT);
	uint64_t *out = CTRL_P(K_GPR_OUT);
	uint64_t rip = (uint64_t)gr[REG_RIP];

	if (rip < CODE_PAGE || rip >= CODE_PAGE + CODE_PAGE_SIZE)
		harness_fault(sig, rip, (uint64_t)(uintptr_t)si->si_addr);
	for (int i = 0; i < 16; i++)
		out[i] = (uint64_t)gr[gregs_of[i]];
	*(uint64_t *)CTRL_P(K_RFL_OUT) = (uint64_t)gr[REG_EFL];
	memcpy(CTRL_P(K_FX_OUT), uc->uc_mcontext.fpregs, 512);
	f->hit = 1;
	f->vec = (int32_t)gr[REG_TRAPNO];
	f->err = (uint32_t)gr[REG_ERR];
	f->rip = rip;
	f->addr = (uint64_t)(uintptr_t)si->si_addr;
	gr[REG_RSP] = (greg_t) * (uint64_t *)CTRL_P(K_HOST_RSP);
	gr[REG_RIP] = (greg_t)(uintptr_t)cpudiff_native_recover;
	gr[REG_EFL] = 0x202;
}

static bool map_fixed(uint64_t addr, size_t len, int prot)
{
	void *p = mmap((void *)(uintptr_t)addr, len, prot,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	return p == (void *)(uintptr_t)addr;
}

/* The stub for marker k: record k, jump to the tail. */
static void write_stubs(void)
{
	uint32_t end = (uint32_t)(CTRL_ADDR + K_END_ID), tail = (uint32_t)(CTRL_ADDR + K_TAIL);

	memset(CODE_P(0), FILLER_BYTE, CODE_PAGE_SIZE);
	for (unsigned k = 0; k < NMARK; k++) {
		uint8_t *p = CODE_P(NATIVE_STUB_OFF + 16 * k);

		p[0] = 0xc6; /* mov byte [abs32], k */
		p[1] = 0x04;
		p[2] = 0x25;
		memcpy(p + 3, &end, 4);
		p[7] = (uint8_t)k;
		p[8] = 0xff; /* jmp qword [abs32] */
		p[9] = 0x24;
		p[10] = 0x25;
		memcpy(p + 11, &tail, 4);
	}
	*(uint64_t *)CTRL_P(K_TAIL) = (uint64_t)(uintptr_t)cpudiff_native_tail;
	*(uint64_t *)CTRL_P(K_ENTRY) = CODE_ADDR;
}

static bool install_handlers(void)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP };
	stack_t ss = { .ss_size = ALTSTACK_LEN };
	struct sigaction sa;

	ss.ss_sp = mmap(NULL, ALTSTACK_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			0);
	if (ss.ss_sp == MAP_FAILED || sigaltstack(&ss, NULL) < 0)
		return false;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], &sa, NULL) < 0)
			return false;
	return true;
}

/* From here on the worker may only talk through its pipes and exit. */
static bool sandbox(void)
{
	static const int allowed[] = { SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(rt_sigreturn),
				       SCMP_SYS(exit_group), SCMP_SYS(exit) };
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);

	if (!ctx)
		return false;
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0) < 0)
			return false;
	/* The context is not released: freeing could need a syscall. */
	return seccomp_load(ctx) == 0;
}

/* Each marker becomes a jmp rel32 to its stub. */
static void place_markers(const struct tcase *c, bool on)
{
	for (unsigned k = 0; k < c->nmark; k++) {
		uint8_t *p = CODE_P(CODE_OFF + c->mark[k]);
		int32_t rel =
			(int32_t)(NATIVE_STUB_OFF + 16 * k) - (CODE_OFF + c->mark[k] + MARK_LEN);

		if (on) {
			p[0] = 0xe9;
			memcpy(p + 1, &rel, 4);
		} else {
			memset(p, FILLER_BYTE, MARK_LEN);
		}
	}
}

static void collect(const struct tcase *c, struct result *r)
{
	const uint8_t *fx = CTRL_P(K_FX_OUT);
	struct fault *f = CTRL_P(K_FAULT);

	memcpy(r->out.gpr, CTRL_P(K_GPR_OUT), sizeof(r->out.gpr));
	memcpy(&r->out.rflags, CTRL_P(K_RFL_OUT), 8);
	memcpy(r->out.xmm, fx + 160, sizeof(r->out.xmm));
	memcpy(&r->out.mxcsr, fx + 24, 4);
	if (c->cmp_fx)
		memcpy(r->fx, fx, 512);
	if (f->hit) {
		r->end = END_EXC;
		r->vec = f->vec;
		r->err = f->err;
		r->rip = (int32_t)(f->rip - CODE_ADDR);
		r->addr = f->addr;
	} else {
		uint8_t k = *(uint8_t *)CTRL_P(K_END_ID);

		r->end = k;
		r->vec = -1;
		r->err = 0;
		r->rip = k < c->nmark ? c->mark[k] : -1;
	}
}

static void run_case(const struct batch *b, const struct tcase *c, struct result *r)
{
	struct fault *f = CTRL_P(K_FAULT);

	memcpy(CODE_P(CODE_OFF), c->code, c->len);
	place_markers(c, true);
	case_apply_patches(c, DATA_P);
	fx_build(c, CTRL_P(K_FX_IN));
	memcpy(CTRL_P(K_GPR_IN), c->in.gpr, sizeof(c->in.gpr));
	/* Never TF or AC: the host would trap or check alignment. */
	*(uint64_t *)CTRL_P(K_RFL_IN) = (c->in.rflags & ~(uint64_t)(F_TF | F_AC)) | 0x202;
	*(uint8_t *)CTRL_P(K_END_ID) = 0xff;
	f->hit = 0;
	cpudiff_native_enter();
	collect(c, r);
	memcpy(r->win, DATA_P + c->win_off, c->win_len);
	memcpy(DATA_P + c->win_off, b->baseline + c->win_off, c->win_len);
	for (unsigned i = 0; i < c->npatch; i++)
		memcpy(DATA_P + c->patch[i].off, b->baseline + c->patch[i].off, c->patch[i].len);
	place_markers(c, false);
	memset(CODE_P(CODE_OFF), FILLER_BYTE, c->len);
}

static bool native_init(void *ctx)
{
	(void)ctx;
	if (!map_fixed(CODE_PAGE, CODE_PAGE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC) ||
	    !map_fixed(CTRL_ADDR, CTRL_SIZE, PROT_READ | PROT_WRITE) ||
	    !map_fixed(DATA_ADDR, DATA_SIZE, PROT_READ | PROT_WRITE)) {
		dprintf(2, "cpudiff: native: cannot map the fixed areas: %s\n", strerror(errno));
		return false;
	}
	write_stubs();
	if (!install_handlers() || !sandbox()) {
		dprintf(2, "cpudiff: native: cannot set up the sandbox\n");
		return false;
	}
	return true;
}

static void native_run(struct batch *b, void *ctx)
{
	(void)ctx;
	memcpy(DATA_P, b->baseline, DATA_SIZE);
	for (uint32_t i = 0; i < b->n; i++)
		run_case(b, &b->cases[i], &b->res[i]);
	b->stray = memcmp(DATA_P, b->baseline, DATA_SIZE) != 0;
}

const struct worker_ops native_ops = { "native side", native_init, native_run };
