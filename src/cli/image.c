/* image.c - `vmkit images` and `rmi`: the image store's commands that need
 * no network or archive code (the others are in xfer/image_xfer.c). */
#include "cli/cli.h"

#include "common/err.h"
#include "common/util.h"
#include "image/image.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char images_usage[] = "images [-a] [-q] [--no-trunc] [REPOSITORY[:TAG]]";
static const char rmi_usage[] = "rmi [-f] IMAGE...";

/* Docker's units.HumanSizeWithPrecision(size, 3): decimal units. */
static void human_size(uint64_t n, char *buf, size_t size)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB" };
	double v = (double)n;
	int u = 0;

	while (v >= 1000 && u < 5) {
		v /= 1000;
		u++;
	}
	snprintf(buf, size, "%.3g%s", v, units[u]);
}

struct row {
	char repo[512], tag[130], id[80], created[64], size[32];
};

static void split_tag(const char *name, struct row *r)
{
	const char *colon = strrchr(name, ':');

	if (!colon || strchr(colon, '/')) {
		snprintf(r->repo, sizeof(r->repo), "%s", name);
		snprintf(r->tag, sizeof(r->tag), "<none>");
		return;
	}
	snprintf(r->repo, sizeof(r->repo), "%.*s", (int)(colon - name), name);
	snprintf(r->tag, sizeof(r->tag), "%s", colon + 1);
}

static bool matches(const char *filter, const struct row *r)
{
	char full[700];

	if (!filter)
		return true;
	snprintf(full, sizeof(full), "%s:%s", r->repo, r->tag);
	return !strcmp(filter, r->repo) || !strcmp(filter, full);
}

static void print_rows(struct row *rows, size_t n, bool quiet)
{
	int w[4] = { 10, 3, 8, 7 };

	for (size_t i = 0; i < n; i++) {
		w[0] = w[0] > (int)strlen(rows[i].repo) ? w[0] : (int)strlen(rows[i].repo);
		w[1] = w[1] > (int)strlen(rows[i].tag) ? w[1] : (int)strlen(rows[i].tag);
		w[2] = w[2] > (int)strlen(rows[i].id) ? w[2] : (int)strlen(rows[i].id);
		w[3] = w[3] > (int)strlen(rows[i].created) ? w[3] : (int)strlen(rows[i].created);
	}
	if (quiet) {
		for (size_t i = 0; i < n; i++) {
			bool seen = false;

			for (size_t j = 0; j < i; j++)
				seen |= !strcmp(rows[j].id, rows[i].id);
			if (!seen)
				printf("%s\n", rows[i].id);
		}
		return;
	}
	printf("%-*s   %-*s   %-*s   %-*s   %s\n", w[0], "REPOSITORY", w[1], "TAG", w[2],
	       "IMAGE ID", w[3], "CREATED", "SIZE");
	for (size_t i = 0; i < n; i++)
		printf("%-*s   %-*s   %-*s   %-*s   %s\n", w[0], rows[i].repo, w[1], rows[i].tag,
		       w[2], rows[i].id, w[3], rows[i].created, rows[i].size);
}

static int list_images(bool quiet, bool no_trunc, const char *filter)
{
	struct img_info *list;
	struct img_store *s;
	struct err e = { 0 };
	struct row *rows;
	size_t n, nrows = 0;
	int r;

	if (cli__open_store(&s))
		return CLI_EXIT_FAIL;
	r = img__list(s, &list, &n, &e);
	img_store__close(s);
	if (r < 0)
		return cli__fail("images: %s", e.msg);
	size_t cap = 0;
	for (size_t i = 0; i < n; i++)
		for (char **t = list[i].repo_tags; *t; t++)
			cap++;
	rows = calloc(cap + n + 1, sizeof(*rows));
	if (!rows) {
		img__list_free(list, n);
		return cli__fail("images: out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		struct row base;
		char **t = list[i].repo_tags;

		if (no_trunc || quiet)
			snprintf(base.id, sizeof(base.id), "%s",
				 no_trunc ? list[i].id : list[i].id + 7);
		if (!no_trunc)
			snprintf(base.id, sizeof(base.id), "%.12s", list[i].id + 7);
		util__human_duration((time(NULL) - list[i].created) * 1000000000LL, base.created,
				     sizeof(base.created));
		strcat(base.created, " ago");
		human_size(list[i].size, base.size, sizeof(base.size));
		do {
			rows[nrows] = base;
			if (*t) {
				split_tag(*t, &rows[nrows]);
			} else {
				strcpy(rows[nrows].repo, "<none>");
				strcpy(rows[nrows].tag, "<none>");
			}
			if (matches(filter, &rows[nrows]))
				nrows++;
		} while (*t && *++t);
	}
	print_rows(rows, nrows, quiet);
	free(rows);
	img__list_free(list, n);
	return 0;
}

int cmd_images(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "all", no_argument, NULL, 'a' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "no-trunc", no_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 },
	};
	bool quiet = false, no_trunc = false;
	int c;

	while ((c = cli__getopt(argc, argv, "+:aqh", opts)) != -1) {
		switch (c) {
		case 'a': /* no intermediate images here: every image is shown */
			break;
		case 'q':
			quiet = true;
			break;
		case 'N':
			no_trunc = true;
			break;
		default:
			return cli__help_or_fail(images_usage,
						 "List images.\n\n"
						 "  -a, --all        show all images\n"
						 "  -q, --quiet      only IDs\n"
						 "      --no-trunc   full IDs\n",
						 argv, c);
		}
	}
	if (argc - optind > 1)
		return cli__usage_error(images_usage, "too many arguments");
	return list_images(quiet, no_trunc, optind < argc ? argv[optind] : NULL);
}

int cmd_rmi(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct img_store *s;
	bool force = false;
	int c, rc = 0;

	while ((c = cli__getopt(argc, argv, "+:fh", opts)) != -1) {
		if (c == 'f')
			force = true;
		else
			return cli__help_or_fail(
				rmi_usage,
				"Remove images (by name or ID) and the layers no other "
				"image needs.\n\n"
				"  -f, --force   remove an ID with several names; untag an "
				"image a container uses\n",
				argv, c);
	}
	if (optind >= argc)
		return cli__usage_error(rmi_usage, "an image is needed");
	if (cli__open_store(&s))
		return CLI_EXIT_FAIL;
	for (int i = optind; i < argc; i++) {
		struct err e = { 0 };

		if (img__remove(s, argv[i], force, cli__print_line, NULL, &e) < 0)
			rc = cli__fail("rmi: %s", e.msg);
	}
	img_store__close(s);
	return rc;
}
