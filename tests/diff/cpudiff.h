/* cpudiff.h - the differential CPU harness: test cases, results and the two runners. */
#ifndef CPUDIFF_H
#define CPUDIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Both worlds use the same addresses:
 *   DATA_ADDR  the data area every memory operand and the stack land in
 *   CODE_PAGE  one page: filler, the emulator's prologue and FXSAVE stub,
 *              the tested bytes at CODE_ADDR, the native end stubs
 *   CTRL_ADDR  the native control block; in the emulator the FXRSTOR and
 *              FXSAVE images
 * All are below 2 GiB so 32-bit absolute addressing reaches them.
 */
#define DATA_ADDR      UINT64_C(0x10000000)
#define DATA_SIZE      0x10000u
#define CODE_PAGE      UINT64_C(0x20000000)
#define CODE_PAGE_SIZE 0x1000u
#define CODE_OFF       0x800u
#define CODE_ADDR      (CODE_PAGE + CODE_OFF)
#define CODE_MAX       256u
#define CTRL_ADDR      UINT64_C(0x20010000)
#define CTRL_SIZE      0x2000u

/* Where branch targets (markers) may go: inside the code page, clear of
 * the prologue below and the native stubs above. */
#define TARGET_MIN (CODE_PAGE + 0x200)
#define TARGET_MAX (CODE_PAGE + 0xe00)

/* Offsets in the code page. */
#define EMU_PROLOGUE_OFF 0x100u /* emulator: fxrstor [FXIN]; jmp CODE_ADDR */
#define EMU_FXSAVE_OFF   0x140u /* emulator: fxsave [FXOUT]; ud2 */
#define NATIVE_STUB_OFF  0xf00u /* native: per-marker stubs, 16 bytes each */
#define FILLER_BYTE      0xce   /* INTO: #UD in 64-bit mode, one byte */

#define NMARK    4    /* end markers per case */
#define MARK_LEN 5    /* room a marker takes (a native jmp rel32) */
#define NPATCH   16   /* memory patches per case */
#define POOL_MAX 1024 /* their bytes */
#define WIN_MAX  1024u
#define NIGN     4 /* ranges of the window not compared */

#define F_CF    0x0001u
#define F_PF    0x0004u
#define F_AF    0x0010u
#define F_ZF    0x0040u
#define F_SF    0x0080u
#define F_TF    0x0100u
#define F_IF    0x0200u
#define F_DF    0x0400u
#define F_OF    0x0800u
#define F_NT    0x4000u
#define F_AC    0x40000u
#define F_ID    0x200000u
#define F_IOPL  0x3000u
#define F_ARITH (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)
/* Compared unless an instruction leaves them undefined: not RF, VM, VIF,
 * VIP (a native fault's frame may have RF set). */
#define F_COMPARED (F_ARITH | F_TF | F_IF | F_DF | F_IOPL | F_NT | F_AC | F_ID)

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
	R_R15
};

/* Architectural state both worlds load and report. */
struct regs {
	uint64_t gpr[16];
	uint64_t rflags;
	uint64_t xmm[16][2];
	uint32_t mxcsr;
};

/* Bytes written into the data area before the case runs. */
struct patch {
	uint16_t off; /* from DATA_ADDR */
	uint16_t len;
	uint16_t at; /* in tcase.pool */
};

/* The x87 part of the initial state (loaded with FXRSTOR). */
struct x87init {
	uint16_t fcw, fsw;
	uint8_t ftw; /* abridged: one bit per physical register, 1 = valid */
	uint8_t st[8][10];
};

struct tcase {
	struct regs in;
	struct x87init x87;
	uint8_t code[CODE_MAX];
	uint16_t len;
	uint8_t nmark, npatch;
	int16_t mark[NMARK]; /* marker offsets from CODE_ADDR */
	struct patch patch[NPATCH];
	uint32_t win_off, win_len;             /* the data area bytes compared */
	uint32_t ign_off[NIGN], ign_len[NIGN]; /* window bytes not compared (from DATA_ADDR) */
	uint64_t fmask;                        /* RFLAGS bits compared */
	uint16_t gpr_ignore;                   /* registers not compared */
	int8_t zf_ignore;                      /* register not compared when native ZF=1 */
	uint8_t cmp_fx;                        /* compare the FXSAVE image too */
	uint8_t ninsn;                         /* instructions on the longest path */
	uint8_t pool[POOL_MAX];                /* patch bytes; last: not cleared per case */
};

/* How a case ended. */
enum { END_EXC = -1 };

struct result {
	struct regs out;
	int32_t end; /* marker index, or END_EXC */
	int32_t vec; /* exception vector */
	uint32_t err;
	int32_t rip;   /* final RIP - CODE_ADDR */
	uint64_t addr; /* native #PF: the faulting address */
	uint8_t fx[512];
	uint8_t win[WIN_MAX];
};

/* One round trip to the workers. */
#define BATCH_MAX 1024u

struct batch {
	uint32_t n;
	uint32_t stray;     /* native: the data area changed outside the windows */
	uint32_t emu_stray; /* emulator: how many bytes changed outside the windows */
	_Alignas(64) uint8_t baseline[DATA_SIZE];
	struct tcase cases[BATCH_MAX];
	struct result res[BATCH_MAX]; /* native */
	struct result emu[BATCH_MAX];
};

/* The FXRSTOR image a case starts from (shared by both worlds). */
void fx_build(const struct tcase *c, uint8_t img[512]);

/* worker.c: a forked process that runs batches: init once, then run for
 * each batch the parent sends. */
struct worker_ops {
	const char *name;
	bool (*init)(void *ctx);
	void (*run)(struct batch *b, void *ctx);
};
struct worker;
struct worker *worker__start(const struct worker_ops *ops, void *ctx, struct batch *b, char *why,
			     size_t len);
/* Start b->n cases, then wait for them; false if the worker died or
 * hung (why says how). */
bool worker__send(struct worker *w, char *why, size_t len);
bool worker__wait(struct worker *w, char *why, size_t len);
void worker__stop(struct worker *w);

/* native.c: the host CPU, in a seccomp sandbox. */
extern const struct worker_ops native_ops;

/* emu.c: vmkit's software CPU. */
struct emu;
struct emu *emu__new(char *why, size_t whylen);
void emu__free(struct emu *e);
extern const struct worker_ops emu_ops; /* ctx: the struct emu */

/* Shared by both runners: write a case's patches into the data area. */
void case_apply_patches(const struct tcase *c, uint8_t *data);

/* compare.c: the first difference, in words; a case in full. */
bool compare_case(const struct tcase *c, const struct result *n, const struct result *e, char *why,
		  size_t len);
void dump_case(FILE *out, const struct tcase *c, const uint8_t *baseline, const struct result *n,
	       const struct result *e);

#endif
