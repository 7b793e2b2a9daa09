/* forms_flow.c - stack and control-flow families: push, pop, flags, frames, jumps, calls, loops. */
#include "forms.h"

#include <limits.h>

/* A marker position for a branch target in [lo, hi] (offsets from
 * CODE_ADDR): inside the code page's target area, clear of the code,
 * the fallthrough marker and the other markers. */
static int pick_target(struct gen *g, int lo, int hi)
{
	int len = g->c->len, min = (int)(TARGET_MIN - CODE_ADDR);
	int max = (int)(TARGET_MAX - CODE_ADDR) - MARK_LEN;

	lo = lo < min ? min : lo;
	hi = hi > max ? max : hi;
	for (int tries = 0; tries < 200 && lo <= hi; tries++) {
		int t = lo + (int)g_below(g, (unsigned)(hi - lo + 1));
		bool ok = t + MARK_LEN <= 0 || t >= len + MARK_LEN;

		for (unsigned k = 0; k < g->c->nmark && ok; k++)
			ok = t + MARK_LEN <= g->c->mark[k] || t >= g->c->mark[k] + MARK_LEN;
		if (ok)
			return t;
	}
	return INT_MIN;
}

/* Patch the rel8/rel32 at the end of the instruction just emitted to
 * reach a marker; a marker that does not fit gets the fallthrough. */
static void branch_to_marker(struct gen *g, unsigned relsz)
{
	int len = g->c->len, t;
	int32_t rel;

	if (relsz == 1)
		t = pick_target(g, len - 128, len + 127);
	else
		t = pick_target(g, INT_MIN / 2, INT_MAX / 2);
	if (t == INT_MIN)
		t = len;
	rel = t - len;
	for (unsigned i = 0; i < relsz; i++)
		g->c->code[len - relsz + i] = (uint8_t)((uint32_t)rel >> (8 * i));
	if (t != len)
		g_mark(g, t);
}

/* A target address for indirect branches and returns. */
static uint64_t target_addr(struct gen *g)
{
	int t = pick_target(g, INT_MIN / 2, INT_MAX / 2);

	if (t == INT_MIN)
		t = g->c->len;
	else
		g_mark(g, t);
	return CODE_ADDR + (uint64_t)(int64_t)t;
}

static void emit_rel(struct gen *g, const uint8_t *op, unsigned nop, unsigned relsz, uint8_t pfx)
{
	struct enc e;

	g->norex = false;
	enc_init(&e, op, nop);
	if (pfx)
		enc_prefix(&e, pfx);
	enc_imm(&e, relsz, 0);
	enc_emit(g, &e);
	branch_to_marker(g, relsz);
}

void emit_jcc_marker(struct gen *g, unsigned cc)
{
	uint8_t op = (uint8_t)(0x70 + cc);

	emit_rel(g, &op, 1, 1, 0);
}

/* ---- branches ---- */

/* sub: 0 Jcc rel8, 1 Jcc rel32, 2 JMP rel8, 3 JMP rel32. */
static void gen_jump(struct gen *g, const struct form *f)
{
	unsigned cc = g_below(g, 16);
	uint8_t op[2] = { f->op[0], f->op[1] };

	if (f->sub < 2)
		op[f->nop - 1] = (uint8_t)(op[f->nop - 1] + cc);
	emit_rel(g, op, f->nop, f->sub & 1 ? 4 : 1, 0);
	g_flags(g, 0, 0);
}

/* LOOP LOOPE LOOPNE JRCXZ; with 67 they count ECX. */
static void gen_loop(struct gen *g, const struct form *f)
{
	bool a32 = g_chance(g, 30);
	uint64_t cx;

	switch (g_below(g, 5)) {
	case 0:
		cx = 0;
		break;
	case 1:
		cx = 1;
		break;
	case 2:
		cx = 2;
		break;
	case 3:
		cx = 1ULL << 32 | g_below(g, 2);
		break;
	default:
		cx = g_int(g, 8);
		break;
	}
	g_set(g, R_CX, cx);
	emit_rel(g, f->op, 1, 1, a32 ? 0x67 : 0);
	g_flags(g, 0, 0);
}

/* CALL rel32: the return address goes on the stack. */
static void gen_call_rel(struct gen *g, const struct form *f)
{
	uint32_t sp = g_stack(g, 64, 64);

	emit_rel(g, f->op, 1, 4, 0);
	g_touch(g, sp - 8, 8);
	g_flags(g, 0, 0);
}

/* JMP/CALL r/m64 (FF /4, FF /2): the target in a register or memory. */
static void gen_indirect(struct gen *g, const struct form *f)
{
	bool call = f->ext == 2, mem = g_chance(g, 50);
	uint32_t sp = call ? g_stack(g, 64, 64) : 0;
	struct enc e;
	int r = -1;
	uint64_t t, ea = 0;

	g->norex = false;
	enc_init(&e, f->op, 1);
	enc_ext(&e, (unsigned)f->ext);
	if (g_chance(g, 10))
		e.rex |= 8; /* REX.W: no effect, 64-bit already */
	if (mem) {
		ea = enc_mem(g, &e, 8, call ? M_RSP : 0);
	} else {
		r = g_pick_reg(g, 8, g->fixed);
		enc_rm(g, &e, r, 8);
	}
	enc_emit(g, &e);
	t = target_addr(g);
	if (mem)
		g_patch(g, (uint32_t)(ea - DATA_ADDR), &t, 8);
	else
		g_set(g, r, t);
	if (call)
		g_touch(g, sp - 8, 8);
	g_flags(g, 0, 0);
}

/* RET and RET imm16: the return address patched at RSP. */
static void gen_ret(struct gen *g, const struct form *f)
{
	uint32_t sp = g_stack(g, 32, 32);
	struct enc e;
	uint64_t t;

	g->norex = false;
	enc_init(&e, f->op, 1);
	if (f->imm)
		enc_imm(&e, 2, g_chance(g, 50) ? g_below(g, 64) : g_rand(g) & 0xffff);
	enc_emit(g, &e);
	t = target_addr(g);
	g_patch(g, sp, &t, 8);
	g_flags(g, 0, 0);
}

/* ---- the stack ---- */

/* PUSH r / POP r (50+r, 58+r); size 8, or 2 with 66. */
static void gen_pushpop_r(struct gen *g, const struct form *f)
{
	bool pop = f->op[0] == 0x58;
	uint32_t sp = g_stack(g, 32, 32);
	uint8_t op;
	struct enc e;
	int r;

	g->norex = false;
	r = (int)g_below(g, 16);
	op = (uint8_t)(f->op[0] + (r & 7));
	enc_init(&e, &op, 1);
	if (f->size == 2)
		enc_prefix(&e, 0x66);
	if (r >= 8)
		e.rex |= 1;
	enc_emit(g, &e);
	if (r != R_SP)
		g_setreg(g, r, 8, g_int(g, 8));
	if (pop) {
		uint64_t v = g_int(g, 8);

		g_patch(g, sp, &v, f->size);
	} else {
		g_touch(g, sp - f->size, f->size);
	}
	g_flags(g, 0, 0);
}

/* PUSH imm8/imm32 (6A 68), with 66 imm8/imm16. */
static void gen_push_imm(struct gen *g, const struct form *f)
{
	uint32_t sp = g_stack(g, 32, 32);
	struct enc e;

	g->norex = false;
	enc_init(&e, f->op, 1);
	if (f->size == 2)
		enc_prefix(&e, 0x66);
	enc_imm(&e, f->imm, g_int(g, f->imm));
	enc_emit(g, &e);
	g_touch(g, sp - f->size, f->size);
	g_flags(g, 0, 0);
}

/* PUSH r/m (FF /6) and POP r/m (8F /0); RSP may be the base (read
 * after the pop for POP). */
static void gen_pushpop_rm(struct gen *g, const struct form *f)
{
	bool pop = f->op[0] == 0x8f;
	unsigned s = f->size == 2 ? 2 : 8;
	uint32_t sp = g_stack(g, 64, 64);
	struct form t = *f;
	struct insn_ops o = { .mflags = M_RSP };
	uint64_t v = g_int(g, 8);

	g->rsp_adj = pop ? (int)s : 0;
	t.size = f->size == 2 ? 2 : 4; /* no REX.W needed: 64-bit by default */
	t.msz = (uint8_t)s;
	emit_modrm(g, &t, g_chance(g, 60), &o);
	g->rsp_adj = 0;
	if (pop)
		g_patch(g, sp, &v, s);
	else
		g_touch(g, sp - s, s);
	g_flags(g, 0, 0);
}

/* PUSHF/POPF; the popped value keeps IF set, IOPL 0, TF and AC clear
 * (the native side runs at CPL 3 and must not trap or check alignment). */
static void gen_pushf(struct gen *g, const struct form *f)
{
	bool pop = f->op[0] == 0x9d;
	uint32_t sp = g_stack(g, 32, 32);
	struct enc e;

	g->norex = false;
	enc_init(&e, f->op, 1);
	if (f->size == 2)
		enc_prefix(&e, 0x66);
	enc_emit(g, &e);
	g->c->in.rflags |= g_rand(g) & F_DF;
	if (pop) {
		uint64_t v = (g_rand(g) & (F_ARITH | F_DF | F_NT | F_ID)) | F_IF | 2;

		if (g_chance(g, 30))
			v |= g_rand(g) & ~0x3fffffULL; /* reserved bits: ignored */
		g_patch(g, sp, &v, f->size);
	} else {
		g_touch(g, sp - f->size, f->size);
	}
	g_flags(g, F_COMPARED, 0);
}

/* ENTER imm16, imm8: level L copies L-1 frame pointers from [RBP]. */
static void gen_enter(struct gen *g, const struct form *f)
{
	unsigned s = f->size, lvl, room;
	uint32_t sp, bp;
	struct enc e;
	uint8_t lv;

	switch (g_below(g, 4)) {
	case 0:
		lv = 0;
		break;
	case 1:
		lv = 1;
		break;
	case 2:
		lv = (uint8_t)(2 + g_below(g, 6));
		break;
	default:
		lv = (uint8_t)g_rand(g);
		break;
	}
	lvl = lv & 31;
	room = s * (lvl + 2);
	sp = g_stack(g, room, 8);
	bp = sp + 8 * g_below(g, 8);
	if (bp < room || bp + 8 > DATA_SIZE)
		bp = sp;
	g_set(g, R_BP, DATA_ADDR + bp);
	g->norex = false;
	enc_init(&e, f->op, 1);
	if (s == 2)
		enc_prefix(&e, 0x66);
	/* The CPU probes a write at the final RSP: keep the frame in the area. */
	enc_imm(&e, 2, g_below(g, sp - room + 1 < 0x10000 ? sp - room + 1 : 0x10000));
	enc_emit(g, &e);
	g_byte(g, lv);
	g_touch(g, sp - room, room);
	if (lvl > 1)
		g_touch(g, bp - s * (lvl - 1), s * (lvl - 1));
	g_flags(g, 0, 0);
}

/* LEAVE: RSP = RBP, then pop RBP. */
static void gen_leave(struct gen *g, const struct form *f)
{
	uint32_t bp = g_region(g, 16, 8) + (g_chance(g, 10) ? 1 + g_below(g, 7) : 0);
	uint64_t v = g_int(g, 8);
	struct enc e;

	g->norex = false;
	enc_init(&e, f->op, 1);
	if (f->size == 2)
		enc_prefix(&e, 0x66);
	enc_emit(g, &e);
	g_set(g, R_BP, DATA_ADDR + bp);
	g_patch(g, bp, &v, f->size);
	g_flags(g, 0, 0);
}

void forms_flow(struct formlist *l)
{
	static const struct {
		const char *name;
		struct form t;
	} f[] = {
		{ "jcc rel8", { .gen = gen_jump, .op = { 0x70 }, .nop = 1, .sub = 0 } },
		{ "jcc rel32", { .gen = gen_jump, .op = { 0x0f, 0x80 }, .nop = 2, .sub = 1 } },
		{ "jmp rel8", { .gen = gen_jump, .op = { 0xeb }, .nop = 1, .sub = 2 } },
		{ "jmp rel32", { .gen = gen_jump, .op = { 0xe9 }, .nop = 1, .sub = 3 } },
		{ "loop rel8", { .gen = gen_loop, .op = { 0xe2 } } },
		{ "loope rel8", { .gen = gen_loop, .op = { 0xe1 } } },
		{ "loopne rel8", { .gen = gen_loop, .op = { 0xe0 } } },
		{ "jrcxz rel8", { .gen = gen_loop, .op = { 0xe3 } } },
		{ "call rel32", { .gen = gen_call_rel, .op = { 0xe8 } } },
		{ "call r/m64", { .gen = gen_indirect, .op = { 0xff }, .ext = 2 } },
		{ "jmp r/m64", { .gen = gen_indirect, .op = { 0xff }, .ext = 4 } },
		{ "ret", { .gen = gen_ret, .op = { 0xc3 } } },
		{ "ret imm16", { .gen = gen_ret, .op = { 0xc2 }, .imm = 2 } },
		{ "push r64 (50+r)", { .gen = gen_pushpop_r, .op = { 0x50 }, .size = 8 } },
		{ "push r16 (66 50+r)", { .gen = gen_pushpop_r, .op = { 0x50 }, .size = 2 } },
		{ "pop r64 (58+r)", { .gen = gen_pushpop_r, .op = { 0x58 }, .size = 8 } },
		{ "pop r16 (66 58+r)", { .gen = gen_pushpop_r, .op = { 0x58 }, .size = 2 } },
		{ "push imm8", { .gen = gen_push_imm, .op = { 0x6a }, .size = 8, .imm = 1 } },
		{ "push imm32", { .gen = gen_push_imm, .op = { 0x68 }, .size = 8, .imm = 4 } },
		{ "push imm8 (66)", { .gen = gen_push_imm, .op = { 0x6a }, .size = 2, .imm = 1 } },
		{ "push imm16", { .gen = gen_push_imm, .op = { 0x68 }, .size = 2, .imm = 2 } },
		{ "push r/m64",
		  { .gen = gen_pushpop_rm, .op = { 0xff }, .nop = 1, .ext = 6, .size = 8 } },
		{ "push r/m16",
		  { .gen = gen_pushpop_rm, .op = { 0xff }, .nop = 1, .ext = 6, .size = 2 } },
		{ "pop r/m64",
		  { .gen = gen_pushpop_rm, .op = { 0x8f }, .nop = 1, .ext = 0, .size = 8 } },
		{ "pop r/m16",
		  { .gen = gen_pushpop_rm, .op = { 0x8f }, .nop = 1, .ext = 0, .size = 2 } },
		{ "pushfq", { .gen = gen_pushf, .op = { 0x9c }, .size = 8 } },
		{ "pushf (66)", { .gen = gen_pushf, .op = { 0x9c }, .size = 2 } },
		{ "popfq", { .gen = gen_pushf, .op = { 0x9d }, .size = 8 } },
		{ "popf (66)", { .gen = gen_pushf, .op = { 0x9d }, .size = 2 } },
		{ "enter", { .gen = gen_enter, .op = { 0xc8 }, .size = 8 } },
		{ "enter (66)", { .gen = gen_enter, .op = { 0xc8 }, .size = 2 } },
		{ "leave", { .gen = gen_leave, .op = { 0xc9 }, .size = 8 } },
		{ "leave (66)", { .gen = gen_leave, .op = { 0xc9 }, .size = 2 } },
	};

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		forms_add(l, &f[i].t, "%s", f[i].name);
}
