/* compare.c - comparing a case's native and emulated results, and printing both in full. */
#include "cpudiff.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const gpr_names[16] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
					   "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15" };

static const char *vec_name(int v)
{
	static const char *const n[32] = { "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD",
					   "#NM", "#DF", "#9",  "#TS", "#NP", "#SS", "#GP",
					   "#PF", "#15", "#MF", "#AC", "#MC", "#XM" };
	static const char *const emu[5] = { "HLT", "instruction budget exhausted", "triple fault",
					    "stopped", "port or MMIO access" };

	if (v >= 0 && v < 32 && n[v])
		return n[v];
	if (v >= 256 && v < 261)
		return emu[v - 256];
	return "?";
}

/* Vectors whose error code is compared. */
static bool has_err(int v)
{
	return (v >= 10 && v <= 14) || v == 17;
}

static void say(char *why, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void say(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
}

static void describe_end(const struct result *r, char *s, size_t len)
{
	if (r->end == END_EXC && r->vec == 14 && r->addr)
		snprintf(s, len, "#PF (err %#x, address %#" PRIx64 ") at +%d", r->err, r->addr,
			 r->rip);
	else if (r->end == END_EXC)
		snprintf(s, len, "%s (err %#x) at +%d", vec_name(r->vec), r->err, r->rip);
	else
		snprintf(s, len, "marker %d at +%d", r->end, r->rip);
}

static bool cmp_end(const struct result *n, const struct result *e, char *why, size_t len)
{
	char a[80], b[80];
	bool same = n->end == e->end && n->rip == e->rip;

	if (same && n->end == END_EXC) {
		/* #PF error codes differ in U/S: CPL 3 against CPL 0. */
		uint32_t m = n->vec == 14 ? ~4u : ~0u;

		same = n->vec == e->vec && (!has_err(n->vec) || ((n->err ^ e->err) & m) == 0);
	}
	if (same)
		return true;
	describe_end(n, a, sizeof(a));
	describe_end(e, b, sizeof(b));
	say(why, len, "ended: native %s, emulator %s", a, b);
	return false;
}

static bool cmp_regs(const struct tcase *c, const struct result *n, const struct result *e,
		     char *why, size_t len)
{
	uint64_t fx;

	for (int r = 0; r < 16; r++) {
		if (c->gpr_ignore & (1u << r))
			continue;
		if (c->zf_ignore == r && (n->out.rflags & F_ZF))
			continue;
		if (n->out.gpr[r] != e->out.gpr[r]) {
			say(why, len, "%s: native %#" PRIx64 ", emulator %#" PRIx64, gpr_names[r],
			    n->out.gpr[r], e->out.gpr[r]);
			return false;
		}
	}
	fx = (n->out.rflags ^ e->out.rflags) & c->fmask;
	if (fx) {
		say(why, len,
		    "rflags: native %#" PRIx64 ", emulator %#" PRIx64 " (differ in %#" PRIx64
		    ", compared %#" PRIx64 ")",
		    n->out.rflags, e->out.rflags, fx, c->fmask);
		return false;
	}
	for (int x = 0; x < 16; x++) {
		if (memcmp(n->out.xmm[x], e->out.xmm[x], 16)) {
			say(why, len,
			    "xmm%d: native %016" PRIx64 "%016" PRIx64 ", emulator %016" PRIx64
			    "%016" PRIx64,
			    x, n->out.xmm[x][1], n->out.xmm[x][0], e->out.xmm[x][1],
			    e->out.xmm[x][0]);
			return false;
		}
	}
	if (n->out.mxcsr != e->out.mxcsr) {
		say(why, len, "mxcsr: native %#x, emulator %#x", n->out.mxcsr, e->out.mxcsr);
		return false;
	}
	return true;
}

static bool ignored(const struct tcase *c, uint32_t off)
{
	for (int i = 0; i < NIGN; i++)
		if (off >= c->ign_off[i] && off < c->ign_off[i] + c->ign_len[i])
			return true;
	return false;
}

static bool cmp_mem(const struct tcase *c, const struct result *n, const struct result *e,
		    char *why, size_t len)
{
	for (uint32_t i = 0; i < c->win_len; i++) {
		uint32_t off = c->win_off + i;

		if (n->win[i] == e->win[i] || ignored(c, off))
			continue;
		say(why, len, "memory at %#" PRIx64 " (data+%#x): native %02x, emulator %02x",
		    DATA_ADDR + off, off, n->win[i], e->win[i]);
		return false;
	}
	return true;
}

/* The FXSAVE image: FCW FSW FTW, MXCSR, ST0-7, and FOP, FIP and FDP
 * (low halves) when an exception is pending: this AMD host stores the
 * x87 error pointers only then (zeros otherwise), the CPU model always.
 * Never FCS and FDS (user against kernel selectors, deprecated anyway),
 * the MXCSR_MASK (the host's, with bits for features the CPU model does
 * not have), nor the reserved bytes of each register slot. */
static bool cmp_fx(const struct result *n, const struct result *e, char *why, size_t len)
{
	static const struct {
		uint16_t off, len;
		const char *name;
	} f[] = {
		{ 0, 2, "fcw" }, { 2, 2, "fsw" }, { 4, 1, "ftw" },  { 24, 4, "mxcsr" },
		{ 6, 2, "fop" }, { 8, 4, "fip" }, { 16, 4, "fdp" },
	};
	size_t nf = (n->fx[3] & 0x80) ? 7 : 4; /* FSW.ES */
	uint64_t a = 0, b = 0;

	for (size_t i = 0; i < nf; i++) {
		memcpy(&a, n->fx + f[i].off, f[i].len);
		memcpy(&b, e->fx + f[i].off, f[i].len);
		if (a != b) {
			say(why, len, "x87 %s: native %#" PRIx64 ", emulator %#" PRIx64, f[i].name,
			    a, b);
			return false;
		}
	}
	for (int i = 0; i < 8; i++) {
		const uint8_t *p = n->fx + 32 + 16 * i, *q = e->fx + 32 + 16 * i;
		uint16_t pe, qe;

		if (!memcmp(p, q, 10))
			continue;
		memcpy(&a, p, 8);
		memcpy(&b, q, 8);
		memcpy(&pe, p + 8, 2);
		memcpy(&qe, q + 8, 2);
		say(why, len, "st%d: native %04x:%016" PRIx64 ", emulator %04x:%016" PRIx64, i, pe,
		    a, qe, b);
		return false;
	}
	return true;
}

bool compare_case(const struct tcase *c, const struct result *n, const struct result *e, char *why,
		  size_t len)
{
	return cmp_end(n, e, why, len) && cmp_regs(c, n, e, why, len) &&
	       cmp_mem(c, n, e, why, len) && (!c->cmp_fx || cmp_fx(n, e, why, len));
}

/* ---- printing a case in full ---- */

static void print_bytes(FILE *out, const struct tcase *c)
{
	for (unsigned i = 0; i < c->len; i++)
		fprintf(out, "%02x%s", c->code[i], i + 1 < c->len ? " " : "");
}

static void dump_regs(FILE *out, const char *who, const struct regs *r, bool xmm)
{
	fprintf(out, "#   %s:\n", who);
	for (int i = 0; i < 16; i++)
		fprintf(out, "%s%-3s=%016" PRIx64 "%s", i % 4 ? " " : "#     ", gpr_names[i],
			r->gpr[i], i % 4 == 3 ? "\n" : "");
	fprintf(out, "#     rflags=%08" PRIx64 " mxcsr=%08x\n", r->rflags, r->mxcsr);
	for (int i = 0; xmm && i < 16; i++)
		fprintf(out, "#     xmm%-2d=%016" PRIx64 "%016" PRIx64 "\n", i, r->xmm[i][1],
			r->xmm[i][0]);
}

static void dump_x87(FILE *out, const char *who, const uint8_t *fx)
{
	uint16_t cw, sw;

	memcpy(&cw, fx, 2);
	memcpy(&sw, fx + 2, 2);
	fprintf(out, "#     x87 (%s): fcw=%04x fsw=%04x ftw=%02x\n", who, cw, sw, fx[4]);
	for (int i = 0; i < 8; i++) {
		uint64_t m;
		uint16_t se;

		memcpy(&m, fx + 32 + 16 * i, 8);
		memcpy(&se, fx + 40 + 16 * i, 2);
		fprintf(out, "#       st%d=%04x:%016" PRIx64 "\n", i, se, m);
	}
}

static void dump_window(FILE *out, const char *who, const struct tcase *c, const uint8_t *w)
{
	fprintf(out, "#   memory %s (data+%#x, %u bytes):", who, c->win_off, c->win_len);
	for (uint32_t i = 0; i < c->win_len; i++)
		fprintf(out, "%s%02x", i % 32 ? " " : "\n#     ", w[i]);
	fprintf(out, "\n");
}

void dump_case(FILE *out, const struct tcase *c, const uint8_t *baseline, const struct result *n,
	       const struct result *e)
{
	uint8_t before[WIN_MAX];
	char a[80], b[80];

	fprintf(out, "#   bytes at %#" PRIx64 ": ", CODE_ADDR);
	print_bytes(out, c);
	fprintf(out, "\n#   markers:");
	for (unsigned k = 0; k < c->nmark; k++)
		fprintf(out, " %d:+%d", k, c->mark[k]);
	fprintf(out, "; compared rflags bits %#" PRIx64 "\n", c->fmask);
	for (int i = 0; i < NIGN; i++)
		if (c->ign_len[i])
			fprintf(out, "#   not compared: data+%#x, %u bytes\n", c->ign_off[i],
				c->ign_len[i]);
	if (c->gpr_ignore)
		fprintf(out, "#   registers not compared: %#x\n", c->gpr_ignore);
	dump_regs(out, "initial", &c->in, true);
	if (c->cmp_fx) {
		uint8_t img[512];

		fx_build(c, img);
		dump_x87(out, "initial", img);
	}
	memcpy(before, baseline + c->win_off, c->win_len);
	for (unsigned i = 0; i < c->npatch; i++)
		for (unsigned k = 0; k < c->patch[i].len; k++) {
			uint32_t off = c->patch[i].off + k;

			if (off >= c->win_off && off < c->win_off + c->win_len)
				before[off - c->win_off] = c->pool[c->patch[i].at + k];
		}
	dump_window(out, "before", c, before);
	describe_end(n, a, sizeof(a));
	describe_end(e, b, sizeof(b));
	fprintf(out, "#   native ended: %s; emulator ended: %s\n", a, b);
	dump_regs(out, "native", &n->out, true);
	dump_regs(out, "emulator", &e->out, true);
	if (c->cmp_fx) {
		dump_x87(out, "native", n->fx);
		dump_x87(out, "emulator", e->fx);
	}
	dump_window(out, "native", c, n->win);
	dump_window(out, "emulator", c, e->win);
}
