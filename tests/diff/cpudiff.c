/* cpudiff.c - the differential CPU harness: options, batches for both worlds, TAP per family. */
#include "cpudiff.h"
#include "forms.h"

#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/*
 * cpudiff [--seed N] [--count N] [--filter SUBSTRING] [--verbose] [--list] [--show]
 *         [--each] [--case N]
 *
 * Each instruction family (struct form) is one TAP test: its generator
 * builds random cases in batches; the native child runs a batch while
 * this process runs the same batch on the software CPU; then every case
 * is compared. The seed of a family depends on --seed and its name only,
 * so --filter reproduces the cases of a full run.
 */

#define BASE_CASES   1280u
#define DEFAULT_SEED 0x5eedc0de2024ULL

/* Families that fail today because of an emulator bug (in src/cpu).
 * They stay in the suite and are reported as failures, with the bug
 * printed next to them, until it is fixed; then the entry goes. Each
 * pattern is an fnmatch(3) glob over family names. */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

/* clang-format off */
#define BUG(p, b)     { .pattern = p, .bug = b }
#define SAN_BUG(p, b) { .pattern = p, .bug = b, .sanitized = true }
/* clang-format on */

static const struct {
	const char *pattern;
	const char *bug;
	bool sanitized; /* fails only in the ASan/UBSan build */
} expected_mismatches[] = {
	/* Known emulator bugs, by family-name pattern: none open. A family
	 * listed here still fails; the note says why. */
	{ .pattern = NULL },
};

struct opts {
	uint64_t seed;
	unsigned count;
	const char *filter;
	bool verbose, list, show, each;
	int64_t one; /* --case N: dump this case in full */
};

struct tally {
	uint64_t cases, bad;
	uint64_t vec[20]; /* native exceptions, by vector */
	bool dumped;
	char first[640];
};

struct run {
	struct opts o;
	struct batch *b;
	struct worker *native, *emu;
	struct emu *cpu; /* the emulator's pristine state: each worker forks a copy */
	struct gen g;
};

static struct formlist forms;

/* ---- shared by both runners ---- */

void fx_build(const struct tcase *c, uint8_t img[512])
{
	memset(img, 0, 512);
	memcpy(img, &c->x87.fcw, 2);
	memcpy(img + 2, &c->x87.fsw, 2);
	img[4] = c->x87.ftw;
	memcpy(img + 24, &c->in.mxcsr, 4);
	for (int i = 0; i < 8; i++)
		memcpy(img + 32 + 16 * i, c->x87.st[i], 10);
	memcpy(img + 160, c->in.xmm, sizeof(c->in.xmm));
}

void case_apply_patches(const struct tcase *c, uint8_t *data)
{
	for (unsigned i = 0; i < c->npatch; i++)
		memcpy(data + c->patch[i].off, c->pool + c->patch[i].at, c->patch[i].len);
}

/* ---- options ---- */

static void usage(void)
{
	fprintf(stderr, "usage: cpudiff [--seed N] [--count N] [--filter SUBSTRING] [--verbose] "
			"[--list] [--show] [--each] [--case N]\n"
			"  --verbose  the first mismatch of each family in full\n"
			"  --show     the first case of each family in full, mismatch or not\n"
			"  --each     every mismatch, one line each\n"
			"  --case N   case N of each family in full\n");
	exit(2);
}

static struct opts parse(int argc, char **argv)
{
	struct opts o = { .seed = DEFAULT_SEED, .count = 1, .one = -1 };

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool more = i + 1 < argc;

		if (!strcmp(a, "--seed") && more)
			o.seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(a, "--count") && more)
			o.count = (unsigned)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(a, "--filter") && more)
			o.filter = argv[++i];
		else if (!strcmp(a, "--verbose"))
			o.verbose = true;
		else if (!strcmp(a, "--list"))
			o.list = true;
		else if (!strcmp(a, "--show"))
			o.show = true;
		else if (!strcmp(a, "--each"))
			o.each = true;
		else if (!strcmp(a, "--case") && more)
			o.one = strtoll(argv[++i], NULL, 0);
		else
			usage();
	}
	if (!o.count)
		usage();
	return o;
}

/* ---- running a family ---- */

static uint64_t form_seed(uint64_t seed, const char *name)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (const char *p = name; *p; p++)
		h = (h ^ (uint8_t)*p) * 0x100000001b3ULL;
	return h ^ seed;
}

static void note(struct tally *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(struct tally *t, const char *fmt, ...)
{
	va_list ap;

	if (t->first[0])
		return;
	va_start(ap, fmt);
	vsnprintf(t->first, sizeof(t->first), fmt, ap);
	va_end(ap);
}

static void generate(struct run *r, const struct form *f, uint32_t n)
{
	uint64_t *base = (uint64_t *)(void *)r->b->baseline;

	for (uint32_t i = 0; i < DATA_SIZE / 8; i++)
		base[i] = g_rand(&r->g);
	for (uint32_t i = 0; i < n; i++) {
		g_begin(&r->g, &r->b->cases[i], r->b->baseline);
		f->gen(&r->g, f);
		g_end(&r->g);
		r->b->cases[i].cmp_fx = f->x87;
	}
	r->b->n = n;
}

/* A worker that died or hung: the batch fails, a fresh worker follows. */
static bool restart(struct run *r, struct worker **w, const struct worker_ops *ops, void *ctx,
		    struct tally *t, const char *why)
{
	char err[256];

	note(t, "%s", why);
	worker__stop(*w);
	*w = worker__start(ops, ctx, r->b, err, sizeof(err));
	return *w != NULL;
}

static void check(struct run *r, const struct form *f, struct tally *t, uint32_t n)
{
	char why[400];

	if (r->o.show && !t->cases) {
		printf("# %s: case 0:\n", f->name);
		dump_case(stdout, &r->b->cases[0], r->b->baseline, &r->b->res[0], &r->b->emu[0]);
	}
	if (r->o.one >= (int64_t)t->cases && r->o.one < (int64_t)(t->cases + n)) {
		uint32_t i = (uint32_t)(r->o.one - (int64_t)t->cases);

		printf("# %s: case %" PRId64 ":\n", f->name, r->o.one);
		dump_case(stdout, &r->b->cases[i], r->b->baseline, &r->b->res[i], &r->b->emu[i]);
	}
	for (uint32_t i = 0; i < n; i++) {
		const struct tcase *c = &r->b->cases[i];

		char bytes[3 * 48 + 1] = "";

		if (r->b->res[i].end == END_EXC && r->b->res[i].vec >= 0 && r->b->res[i].vec < 20)
			t->vec[r->b->res[i].vec]++;
		if (compare_case(c, &r->b->res[i], &r->b->emu[i], why, sizeof(why)))
			continue;
		t->bad++;
		for (unsigned k = 0; k < c->len && k < 48; k++)
			snprintf(bytes + 3 * k, 4, "%02x ", c->code[k]);
		note(t, "case %" PRIu64 ": bytes %s: %s", t->cases + i, bytes, why);
		if (r->o.each)
			printf("# %s: case %" PRIu64 ": bytes %s: %s\n", f->name, t->cases + i,
			       bytes, why);
		if (r->o.verbose && !t->dumped) {
			t->dumped = true;
			printf("# %s: case %" PRIu64 " in full:\n", f->name, t->cases + i);
			dump_case(stdout, c, r->b->baseline, &r->b->res[i], &r->b->emu[i]);
		}
	}
	if (r->b->stray) {
		t->bad++;
		note(t, "native: bytes outside the compared windows changed (a generator bug)");
	}
	if (r->b->emu_stray) {
		t->bad++;
		note(t, "emulator: %u bytes outside the compared windows changed", r->b->emu_stray);
	}
}

/* Both worlds run the batch at once; false if a worker cannot restart. */
static bool run_batch(struct run *r, const struct form *f, struct tally *t, uint32_t n)
{
	char nwhy[256], ewhy[256];
	bool nok, eok;

	generate(r, f, n);
	nok = worker__send(r->native, nwhy, sizeof(nwhy));
	eok = worker__send(r->emu, ewhy, sizeof(ewhy));
	nok = nok && worker__wait(r->native, nwhy, sizeof(nwhy));
	eok = eok && worker__wait(r->emu, ewhy, sizeof(ewhy));
	if (nok && eok) {
		check(r, f, t, n);
		return true;
	}
	t->bad += n;
	if (!nok && !restart(r, &r->native, &native_ops, NULL, t, nwhy))
		return false;
	return eok || restart(r, &r->emu, &emu_ops, r->cpu, t, ewhy);
}

/* ", 12 #DE, 3 #GP": which exceptions the native side raised. */
static void faults(const struct tally *t, char *s, size_t len)
{
	static const char *const names[20] = { "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD",
					       "#NM", "#DF", "#9",  "#TS", "#NP", "#SS", "#GP",
					       "#PF", "#15", "#MF", "#AC", "#MC", "#XM" };
	size_t n = 0;

	s[0] = 0;
	for (int v = 0; v < 20 && n < len; v++)
		if (t->vec[v])
			n += (size_t)snprintf(s + n, len - n, ", %" PRIu64 " %s", t->vec[v],
					      names[v]);
}

/* Returns false when the native side is gone for good. */
static bool run_form(struct run *r, const struct form *f, unsigned num, uint64_t *total,
		     unsigned *failed)
{
	uint64_t want = (uint64_t)BASE_CASES * f->weight * r->o.count;
	struct tally t = { 0 };
	bool alive = true;
	char seen[160];

	g_seed(&r->g, form_seed(r->o.seed, f->name));
	while (t.cases < want && alive) {
		uint32_t n = want - t.cases < BATCH_MAX ? (uint32_t)(want - t.cases) : BATCH_MAX;

		alive = run_batch(r, f, &t, n);
		t.cases += n;
	}
	*total += t.cases;
	faults(&t, seen, sizeof(seen));
	if (!t.bad) {
		printf("ok %u - %s (%" PRIu64 " cases%s)%s\n", num, f->name, t.cases, seen,
		       f->known ? " # listed in expected_mismatches but passes: remove it" : "");
		return alive;
	}
	++*failed;
	printf("not ok %u - %s (%" PRIu64 " cases%s, %" PRIu64 " mismatches)\n", num, f->name,
	       t.cases, seen, t.bad);
	if (f->known)
		printf("# expected mismatch (emulator bug): %s\n", f->known);
	printf("# first mismatch: %s\n", t.first);
	return alive;
}

/* ---- main ---- */

static void mark_known(void)
{
	for (size_t k = 0; expected_mismatches[k].pattern; k++) {
		bool found = false;

		if (expected_mismatches[k].sanitized && !SANITIZED)
			continue;

		for (unsigned i = 0; i < forms.n; i++) {
			if (!fnmatch(expected_mismatches[k].pattern, forms.v[i].name, 0)) {
				forms.v[i].known = expected_mismatches[k].bug;
				found = true;
			}
		}
		if (!found)
			printf("# expected_mismatches names no family: %s\n",
			       expected_mismatches[k].pattern);
	}
}

static bool selected(const struct opts *o, const struct form *f)
{
	return !o->filter || strstr(f->name, o->filter);
}

/* One NOP through both workers: the sandbox, the fixed mappings and the
 * CPU all work, or the run stops here with the reason. */
static bool selftest(struct run *r)
{
	char why[400] = "";

	g_seed(&r->g, r->o.seed);
	memset(r->b->baseline, 0, DATA_SIZE);
	g_begin(&r->g, &r->b->cases[0], r->b->baseline);
	g_byte(&r->g, 0x90);
	r->b->cases[0].ninsn = 1;
	g_end(&r->g);
	r->b->n = 1;
	if (!worker__send(r->native, why, sizeof(why)) ||
	    !worker__wait(r->native, why, sizeof(why)) || !worker__send(r->emu, why, sizeof(why)) ||
	    !worker__wait(r->emu, why, sizeof(why))) {
		printf("Bail out! %s\n", why);
		return false;
	}
	if (!compare_case(&r->b->cases[0], &r->b->res[0], &r->b->emu[0], why, sizeof(why))) {
		printf("Bail out! a NOP differs already: %s\n", why);
		return false;
	}
	return true;
}

static bool setup(struct run *r)
{
	char why[256];

	r->b = mmap(NULL, sizeof(*r->b), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (r->b == MAP_FAILED) {
		printf("Bail out! shared memory: %s\n", strerror(errno));
		return false;
	}
	r->cpu = emu__new(why, sizeof(why));
	if (!r->cpu) {
		printf("Bail out! emulator: %s\n", why);
		return false;
	}
	r->native = worker__start(&native_ops, NULL, r->b, why, sizeof(why));
	r->emu = r->native ? worker__start(&emu_ops, r->cpu, r->b, why, sizeof(why)) : NULL;
	if (!r->emu) {
		printf("Bail out! %s\n", why);
		return false;
	}
	return selftest(r);
}

static double seconds(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

int main(int argc, char **argv)
{
	struct run r = { .o = parse(argc, argv) };
	unsigned n = 0, num = 0, failed = 0;
	uint64_t total = 0;
	struct timespec t0, t1;

	forms_int(&forms);
	forms_flow(&forms);
	forms_sse(&forms);
	forms_x87(&forms);
	mark_known();
	for (unsigned i = 0; i < forms.n; i++) {
		n += selected(&r.o, &forms.v[i]);
		if (r.o.list && selected(&r.o, &forms.v[i]))
			printf("%s\n", forms.v[i].name);
	}
	if (r.o.list)
		return 0;
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("1..%u\n# seed %#" PRIx64 ", count %u\n", n, r.o.seed, r.o.count);
	if (!setup(&r))
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned i = 0; i < forms.n; i++) {
		if (!selected(&r.o, &forms.v[i]))
			continue;
		if (!run_form(&r, &forms.v[i], ++num, &total, &failed)) {
			printf("Bail out! a worker cannot be restarted\n");
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	worker__stop(r.native);
	worker__stop(r.emu);
	emu__free(r.cpu);
	munmap(r.b, sizeof(*r.b));
	printf("# %" PRIu64 " cases, each run natively and emulated, in %.1f s; %u of %u families "
	       "failed\n",
	       total, seconds(&t0, &t1), failed, n);
	return failed ? 1 : 0;
}
