/* image_xfer.c - `vmkit pull`, `import`, `save`, `load`: the commands that
 * move image data in and out of the store, printing what Docker prints.
 * They run in vmkit-xfer (see xfer/main.c): libcurl, libarchive and
 * OpenSSL stay out of the vmkit that starts containers and machines. */
#include "cli/cli.h"

#include "common/err.h"
#include "image/image.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char pull_usage[] = "pull [--tls-verify=false] [-q] NAME[:TAG|@DIGEST]";
static const char import_usage[] = "import FILE|- [NAME[:TAG]]";
static const char save_usage[] = "save [-o FILE] IMAGE...";
static const char load_usage[] = "load -i FILE";

static bool parse_bool(const char *s, bool *out)
{
	if (!strcmp(s, "true") || !strcmp(s, "1")) {
		*out = true;
		return true;
	}
	if (!strcmp(s, "false") || !strcmp(s, "0")) {
		*out = false;
		return true;
	}
	return false;
}

int cmd_pull(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "tls-verify", required_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	struct img_pull_opts o = { .tls_verify = true, .progress_fd = 2 };
	struct img_store *s;
	struct img_ref ref;
	struct err e = { 0 };
	char id[80], name[700];
	int c, r;

	while ((c = cli__getopt(argc, argv, "+:qh", opts)) != -1) {
		switch (c) {
		case 'q':
			o.quiet = true;
			break;
		case 'T':
			if (!parse_bool(optarg, &o.tls_verify))
				return cli__usage_error(
					pull_usage, "--tls-verify takes true or false, not '%s'",
					optarg);
			break;
		default:
			return cli__help_or_fail(
				pull_usage,
				"Pull an image from a registry.\n\n"
				"  -q, --quiet              print only the image name\n"
				"      --tls-verify=false   allow plain HTTP and any "
				"certificate\n",
				argv, c);
		}
	}
	if (argc - optind != 1)
		return cli__usage_error(pull_usage, argc == optind ? "an image name is needed"
								   : "too many arguments");
	o.tty = isatty(2);
	o.report = cli__print_line;
	if (img__parse_ref(argv[optind], &ref, &e) < 0)
		return cli__fail("pull: %s", e.msg);
	if (cli__open_store(&s))
		return CLI_EXIT_FAIL;
	r = img__pull(s, argv[optind], &o, id, &e);
	img_store__close(s);
	if (r < 0)
		return cli__fail("pull %s: %s", argv[optind], e.msg);
	img__ref_name(&ref, name, sizeof(name));
	printf("%s\n", name);
	return 0;
}

/* "-" is stdin; anything else must be a readable regular file (or pipe). */
static int open_input(const char *path, int *fd)
{
	struct stat st;

	if (!strcmp(path, "-")) {
		*fd = 0;
		return 0;
	}
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return -errno;
	if (fstat(*fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(*fd);
		return -EISDIR;
	}
	return 0;
}

int cmd_import(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct img_store *s;
	struct err e = { 0 };
	char id[80];
	int c, fd, r;

	while ((c = cli__getopt(argc, argv, "+:h", opts)) != -1)
		return cli__help_or_fail(
			import_usage,
			"Create an image from a root filesystem tarball (plain, gzip, "
			"zstd, xz, bzip2; - for stdin).\n",
			argv, c);
	if (argc - optind < 1 || argc - optind > 2)
		return cli__usage_error(import_usage, argc == optind ? "a tarball is needed"
								     : "too many arguments");
	r = open_input(argv[optind], &fd);
	if (r < 0)
		return cli__fail("import %s: %s", argv[optind], strerror(-r));
	if (cli__open_store(&s)) {
		if (fd)
			close(fd);
		return CLI_EXIT_FAIL;
	}
	r = img__import(s, fd, optind + 1 < argc ? argv[optind + 1] : NULL, id, &e);
	img_store__close(s);
	if (fd)
		close(fd);
	if (r < 0)
		return cli__fail("import %s: %s", argv[optind], e.msg);
	printf("%s\n", id);
	return 0;
}

int cmd_save(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL;
	char tmp[4200];
	struct img_store *s;
	struct err e = { 0 };
	int c, fd, r;

	while ((c = cli__getopt(argc, argv, "+:o:h", opts)) != -1) {
		if (c == 'o')
			out = optarg;
		else
			return cli__help_or_fail(
				save_usage,
				"Write images to an OCI archive (OCI image layout in a "
				"tar, with a Docker manifest.json).\n\n"
				"  -o, --output FILE   the archive to write (default: stdout)\n",
				argv, c);
	}
	if (optind >= argc)
		return cli__usage_error(save_usage, "an image is needed");
	if (!out && isatty(1))
		return cli__usage_error(save_usage, "refusing to write an archive to a terminal: "
						    "use -o FILE or redirect");
	if (cli__open_store(&s))
		return CLI_EXIT_FAIL;
	if (!out) {
		r = img__save(s, argv + optind, argc - optind, 1, &e);
		img_store__close(s);
		return r < 0 ? cli__fail("save: %s", e.msg) : 0;
	}
	/* Written beside the target and renamed: a failed save leaves no
	 * half archive under the name asked for. */
	snprintf(tmp, sizeof(tmp), "%s.tmp%d", out, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		img_store__close(s);
		return cli__fail("save: %s: %s", out, strerror(errno));
	}
	r = img__save(s, argv + optind, argc - optind, fd, &e);
	img_store__close(s);
	if (!r && fsync(fd) < 0)
		r = err__sys(&e, errno, "%s", out);
	close(fd);
	if (!r && rename(tmp, out) < 0)
		r = err__sys(&e, errno, "%s", out);
	if (r < 0) {
		unlink(tmp);
		return cli__fail("save: %s", e.msg);
	}
	return 0;
}

int cmd_load(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "input", required_argument, NULL, 'i' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	const char *in = "-";
	struct img_store *s;
	struct err e = { 0 };
	bool quiet = false;
	int c, fd, r;

	while ((c = cli__getopt(argc, argv, "+:i:qh", opts)) != -1) {
		if (c == 'i')
			in = optarg;
		else if (c == 'q')
			quiet = true;
		else
			return cli__help_or_fail(
				load_usage,
				"Load images from an OCI archive or a docker-save "
				"tarball.\n\n"
				"  -i, --input FILE   the archive (default: stdin)\n"
				"  -q, --quiet        print nothing\n",
				argv, c);
	}
	if (optind < argc)
		return cli__usage_error(load_usage, "unexpected argument '%s'", argv[optind]);
	r = open_input(in, &fd);
	if (r < 0)
		return cli__fail("load %s: %s", in, strerror(-r));
	if (cli__open_store(&s)) {
		if (fd)
			close(fd);
		return CLI_EXIT_FAIL;
	}
	r = img__load(s, fd, quiet ? NULL : cli__print_line, NULL, &e);
	img_store__close(s);
	if (fd)
		close(fd);
	if (r < 0)
		return cli__fail("load %s: %s", in, e.msg);
	return 0;
}
