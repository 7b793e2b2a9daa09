/* regcli.c - drives the registry client (src/image/registry.c) alone, for
 * tests that should not depend on the image store:
 *   regcli [--root DIR] [-u USER -p PASS] [--tls-verify=false] manifest HOST REPO REF
 *       prints "<media type> <digest>" and then the body
 *   regcli [...] blob HOST REPO DIGEST SIZE FILE
 *       writes the verified blob to FILE (SIZE "-" when unknown)
 *   regcli [...] blobs HOST REPO REF
 *       fetches the config and every layer of the manifest REF (to
 *       /dev/null), on one client: the request log shows connection and
 *       token reuse
 * Errors go to stderr as "regcli: <message>", status 1. */
#include "image/registry.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fail(const struct err *e)
{
	fprintf(stderr, "regcli: %s\n", e->msg);
	return 1;
}

static int get_blob(struct reg *r, const char *repo, const char *digest, uint64_t size,
		    const char *path, struct err *e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int rc;

	if (fd < 0)
		return err__sys(e, errno, "%s", path);
	rc = reg__get_blob(r, repo, digest, size, fd, NULL, NULL, e);
	close(fd);
	return rc;
}

static int all_blobs(struct reg *r, const char *repo, const char *ref, struct err *e)
{
	char *body, mt[128], dg[80];
	size_t len, i;
	json_t *j, *layers, *l;
	int rc;

	rc = reg__get_manifest(r, repo, ref, &body, &len, mt, dg, e);
	if (rc)
		return rc;
	j = json_loadb(body, len, 0, NULL);
	free(body);
	if (!j)
		return err__set(e, EINVAL, "manifest is not JSON");
	rc = get_blob(
		r, repo, json_string_value(json_object_get(json_object_get(j, "config"), "digest")),
		(uint64_t)json_integer_value(json_object_get(json_object_get(j, "config"), "size")),
		"/dev/null", e);
	layers = json_object_get(j, "layers");
	json_array_foreach(layers, i, l)
	{
		if (rc)
			break;
		rc = get_blob(r, repo, json_string_value(json_object_get(l, "digest")),
			      (uint64_t)json_integer_value(json_object_get(l, "size")), "/dev/null",
			      e);
	}
	json_decref(j);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "tls-verify", required_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	struct reg_opts o = { .tls_verify = true };
	struct err e = { 0 };
	struct reg *r;
	int c, rc;

	while ((c = getopt_long(argc, argv, "u:p:", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			o.root = optarg;
			break;
		case 'T':
			o.tls_verify = strcmp(optarg, "false") != 0;
			break;
		case 'u':
			o.username = optarg;
			break;
		case 'p':
			o.password = optarg;
			break;
		default:
			return 2;
		}
	}
	if (argc - optind < 4) {
		fprintf(stderr, "usage: regcli [OPTIONS] manifest|blob|blobs HOST REPO REF...\n");
		return 2;
	}
	if (reg__open(argv[optind + 1], &o, &r, &e))
		return fail(&e);
	if (!strcmp(argv[optind], "manifest")) {
		char *body, mt[128], dg[80];
		size_t len;

		rc = reg__get_manifest(r, argv[optind + 2], argv[optind + 3], &body, &len, mt, dg,
				       &e);
		if (!rc) {
			printf("%s %s\n", mt, dg);
			fwrite(body, 1, len, stdout);
			putchar('\n');
			free(body);
		}
	} else if (!strcmp(argv[optind], "blob") && argc - optind == 6) {
		const char *s = argv[optind + 4];

		rc = get_blob(r, argv[optind + 2], argv[optind + 3],
			      strcmp(s, "-") ? strtoull(s, NULL, 10) : REG_SIZE_UNKNOWN,
			      argv[optind + 5], &e);
	} else if (!strcmp(argv[optind], "blobs")) {
		rc = all_blobs(r, argv[optind + 2], argv[optind + 3], &e);
	} else {
		fprintf(stderr, "regcli: unknown command %s\n", argv[optind]);
		reg__close(r);
		return 2;
	}
	reg__close(r);
	return rc ? fail(&e) : 0;
}
