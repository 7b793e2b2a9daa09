/* forms.h - test-case generation: random state, an x86 encoder, and the instruction families. */
#ifndef CPUDIFF_FORMS_H
#define CPUDIFF_FORMS_H

#include "cpudiff.h"

/* The generator's state for the case being built. */
struct gen {
	uint64_t s[4]; /* xoshiro256** */
	struct tcase *c;
	const uint8_t *baseline;
	uint16_t fixed;    /* registers a constraint owns: memory operands avoid them */
	bool norex;        /* AH-BH in use: no REX, registers 0-7 only */
	bool seq;          /* building a sequence: register operands only */
	bool bad;          /* the last instruction left something undefined */
	uint32_t tlo, thi; /* touched data bytes, offsets from DATA_ADDR */
	uint32_t anchor;   /* where this case's memory operands cluster */
	uint64_t fdef;     /* RFLAGS bits defined so far */
	uint32_t reads;    /* flags the last instruction read */
	uint16_t pool;     /* patch bytes used */
	int rsp_adj;       /* POP r/m: RSP as a base is read after the pop */
};

/* Memory operand options. */
#define M_ALIGN   (1u << 0) /* naturally aligned (mostly) */
#define M_ALIGN16 (1u << 1) /* 16-byte alignment required: misaligned now and then */
#define M_NOACC   (1u << 2) /* no access (LEA, NOP): any registers, any address */
#define M_RSP     (1u << 3) /* RSP (fixed) may serve as the base */

struct form;
typedef void (*gen_fn)(struct gen *g, const struct form *f);

/* One family: one TAP test. */
struct form {
	char name[64];
	gen_fn gen;
	uint8_t op[3], nop; /* opcode bytes after the prefixes */
	int8_t ext;         /* ModRM.reg digit, or -1 for a register operand */
	uint8_t size;       /* operand size (66 or REX.W) */
	uint8_t msz;        /* r/m operand size when it differs from size */
	uint8_t imm;        /* immediate bytes */
	uint8_t pfx;        /* mandatory prefix (SSE), or 0 */
	uint8_t cls;        /* value class of vector operands */
	uint32_t opt;       /* O_* */
	uint16_t sub;       /* family-specific */
	uint32_t rd;        /* RFLAGS bits it reads */
	uint32_t wr;        /* RFLAGS bits it writes */
	uint32_t undef;     /* of those, the ones the SDM leaves undefined */
	uint16_t weight;    /* cases, in units of the base count */
	bool x87;           /* compare the x87 state (FXSAVE image) too */
	const char *known;  /* a known emulator bug this form exposes */
};

/* Options (form.opt). */
#define O_MEM    (1u << 0)  /* memory operand only */
#define O_REG    (1u << 1)  /* register operand only */
#define O_LOCK   (1u << 2)  /* may take LOCK with a memory operand */
#define O_CC     (1u << 3)  /* the opcode's low nibble is a random condition */
#define O_EXTANY (1u << 4)  /* ModRM.reg is ignored: random */
#define O_NOACC  (1u << 5)  /* the memory operand is not accessed (LEA, NOP) */
#define O_SEQ    (1u << 6)  /* may appear in random flag sequences */
#define O_ALIGN  (1u << 7)  /* memory operand naturally aligned */
#define O_A16    (1u << 8)  /* 16-byte alignment required (#GP otherwise) */
#define O_WIGN   (1u << 9)  /* REX.W is ignored: add it now and then */
#define O_ZERO   (1u << 10) /* a zero source now and then (BSF, BSR) */
#define O_SHCNT  (1u << 11) /* the source is a shift count: mostly small */
#define O_MXCSR  (1u << 12) /* floating point: random MXCSR */
#define O_STORE  (1u << 13) /* the r/m operand is the destination */

#define FORMS_MAX 2048

struct formlist {
	struct form v[FORMS_MAX];
	unsigned n;
};

/* Adds a copy of t named by fmt; weight 1 unless t says otherwise. */
struct form *forms_add(struct formlist *l, const struct form *t, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void forms_int(struct formlist *l);
void forms_flow(struct formlist *l);
void forms_sse(struct formlist *l);
void forms_x87(struct formlist *l);

/* Flags a condition code reads (Jcc numbering). */
uint32_t cc_reads(unsigned cc);
/* forms_flow.c: Jcc rel8 to a marker, for sequences that end in a branch. */
void emit_jcc_marker(struct gen *g, unsigned cc);

/* ---- randomness ---- */
void g_seed(struct gen *g, uint64_t seed);
uint64_t g_rand(struct gen *g);
unsigned g_below(struct gen *g, unsigned n);
bool g_chance(struct gen *g, unsigned pct);
uint64_t g_int(struct gen *g, unsigned size); /* biased to edge values at that width */
uint32_t g_f32(struct gen *g);
uint64_t g_f64(struct gen *g);
void g_vec(struct gen *g, uint64_t v[2], unsigned cls);
void g_f80(struct gen *g, uint8_t out[10]);

/* Vector value classes. */
enum { V_ANY, V_PS, V_PD, V_INT, V_I32 };

/* ---- the case ---- */
void g_begin(struct gen *g, struct tcase *c, const uint8_t *baseline);
void g_end(struct gen *g);
void g_set(struct gen *g, int r, uint64_t v); /* value and ownership */
int g_pick_reg(struct gen *g, unsigned size, uint16_t avoid);
void g_touch(struct gen *g, uint32_t off, uint32_t len);
void g_patch(struct gen *g, uint32_t off, const void *p, unsigned len);
uint64_t g_peek(const struct gen *g, uint32_t off, unsigned len);
void g_byte(struct gen *g, uint8_t b);
int g_mark(struct gen *g, int off); /* a marker at CODE_ADDR + off; its index */
void g_flags(struct gen *g, uint32_t written, uint32_t undef);
uint32_t g_stack(struct gen *g, unsigned below, unsigned above); /* RSP in the area */
uint32_t g_region(struct gen *g, unsigned len, unsigned align);  /* len bytes near the anchor */
void g_ignore(struct gen *g, uint32_t off, uint32_t len);        /* window bytes not compared */

/* Register operands: 0-15, or 16-19 for AH CH DH BH. */
#define REG_AH 16
/* The value of a register operand of size bytes. */
uint64_t g_regval(const struct gen *g, int r, unsigned size);
void g_setreg(struct gen *g, int r, unsigned size, uint64_t v);

/* ---- the encoder ---- */
struct enc {
	uint8_t pfx[6], npfx;
	uint8_t rex; /* W R X B bits; REX is emitted if any is set or rex_any */
	bool rex_any;
	uint8_t op[3], nop;
	bool modrm, sib, rip;
	uint8_t mod, reg, rm, ss, idx, base;
	uint8_t dsz, isz;
	int32_t disp;
	uint64_t ea, imm;
};

void enc_init(struct enc *e, const uint8_t *op, unsigned nop);
void enc_prefix(struct enc *e, uint8_t p);
void enc_size(struct gen *g, struct enc *e, unsigned size);
void enc_reg(struct gen *g, struct enc *e, int r, unsigned size);
void enc_ext(struct enc *e, unsigned digit);
void enc_rm(struct gen *g, struct enc *e, int r, unsigned size);
uint64_t enc_mem(struct gen *g, struct enc *e, unsigned msz, unsigned flags);
void enc_imm(struct enc *e, unsigned size, uint64_t v);
unsigned enc_emit(struct gen *g, struct enc *e); /* returns the end offset */

/* An operand: a register (0-19) or memory at a data-area offset. */
struct opnd {
	bool mem;
	int reg;
	uint32_t off;
};
uint64_t opnd_get(const struct gen *g, const struct opnd *o, unsigned size);
void opnd_put(struct gen *g, const struct opnd *o, unsigned size, uint64_t v);

/* A ModRM instruction from a form: the r/m operand (register or memory),
 * the reg operand (or the /digit), an immediate. */
struct insn_ops {
	struct opnd rm, reg;
	bool lock;       /* in: add LOCK */
	bool fix_reg;    /* in: the reg operand is a constraint's (memory avoids it) */
	bool imm_given;  /* in: use imm */
	unsigned mflags; /* in: M_* for the memory operand */
	uint64_t imm;
	unsigned end; /* out: offset after the instruction */
};
void emit_modrm(struct gen *g, const struct form *f, bool mem, struct insn_ops *o);

#endif
