/* pull.c - `vmkit pull`: reference -> manifest (an index picks linux/amd64)
 * -> config and layer blobs (those already in the store are not fetched
 * again) -> layers unpacked and their diff_ids checked against the config
 * -> one commit. Drives registry.c, which verifies each blob's digest as
 * it downloads.
 *
 * Output as docker's: per-layer lines ("a3ed95caeb02: Pull complete"),
 * updated in place when stderr is a terminal, then "Digest: ..." and
 * "Status: ..." lines through the caller's report function. */
#include "image/registry.h"
#include "image/store_int.h"

#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_LAYERS 256

struct layer {
	const char *digest;  /* blob, from the manifest */
	const char *diff_id; /* from the config */
	uint64_t size;
	char status[128];
};

struct pull {
	struct img_store *s;
	const struct img_pull_opts *o;
	struct reg *reg;
	struct img_ref ref;
	struct img_stage st;
	struct layer layers[MAX_LAYERS];
	size_t n;
	bool default_tag; /* no tag given: "latest" */
	bool drawn;       /* tty: the layer lines are on screen */
	uint64_t last_ns; /* tty: last progress redraw */
	struct err *e;
};

static void report(struct pull *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void report(struct pull *p, const char *fmt, ...)
{
	char line[700];
	va_list ap;

	if (p->o->quiet || !p->o->report)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	p->o->report(p->o->report_ctx, line);
}

/* tty: redraw every layer line in place (cursor up over the block). */
static void draw(struct pull *p)
{
	FILE *f = fdopen(dup(p->o->progress_fd), "w");

	if (!f)
		return;
	if (p->drawn)
		fprintf(f, "\033[%zuA", p->n);
	for (size_t i = 0; i < p->n; i++)
		fprintf(f, "\r\033[2K%.12s: %s\n", p->layers[i].digest + 7, p->layers[i].status);
	fclose(f);
	p->drawn = true;
}

static void set_status(struct pull *p, size_t i, const char *status)
{
	snprintf(p->layers[i].status, sizeof(p->layers[i].status), "%s", status);
	if (p->o->quiet)
		return;
	if (p->o->tty)
		draw(p);
	else if (strcmp(status, "Downloading") && strcmp(status, "Extracting"))
		report(p, "%.12s: %s", p->layers[i].digest + 7, status);
}

static void human(uint64_t n, char *buf, size_t size)
{
	if (n >= 1000 * 1000)
		snprintf(buf, size, "%.1fMB", n / 1e6);
	else
		snprintf(buf, size, "%.1fkB", n / 1e3);
}

struct progress {
	struct pull *p;
	size_t i;
};

static void on_progress(void *ctx, uint64_t done, uint64_t total)
{
	struct progress *pr = ctx;
	struct pull *p = pr->p;
	char bar[52], a[16], b[16], line[128];
	uint64_t now = util__now_ns();
	int fill;

	if (p->o->quiet || !p->o->tty || !total || (now - p->last_ns < 100000000 && done < total))
		return;
	p->last_ns = now;
	fill = (int)(50 * (done > total ? total : done) / total);
	memset(bar, '=', fill);
	bar[fill] = fill < 50 ? '>' : '=';
	memset(bar + fill + 1, ' ', 50 - fill > 0 ? 50 - fill - 1 : 0);
	bar[50] = '\0';
	human(done, a, sizeof(a));
	human(total, b, sizeof(b));
	snprintf(line, sizeof(line), "Downloading [%s] %s/%s", bar, a, b);
	snprintf(p->layers[pr->i].status, sizeof(p->layers[pr->i].status), "%s", line);
	draw(p);
}

/* Pick linux/amd64 out of an index (OCI) or manifest list (Docker). */
static int pick_platform(struct pull *p, json_t *index, const char **digest)
{
	size_t i;
	json_t *m;

	json_array_foreach(json_object_get(index, "manifests"), i, m)
	{
		json_t *pl = json_object_get(m, "platform");
		const char *os = json_string_value(json_object_get(pl, "os"));
		const char *arch = json_string_value(json_object_get(pl, "architecture"));

		if (os && arch && !strcmp(os, "linux") && !strcmp(arch, "amd64")) {
			*digest = json_string_value(json_object_get(m, "digest"));
			if (*digest && digest__valid(*digest))
				return 0;
		}
	}
	return err__set(p->e, ENOENT, "no linux/amd64 image in the manifest list");
}

static bool is_index(const char *mt, json_t *j)
{
	const char *inner = json_string_value(json_object_get(j, "mediaType"));

	if (!strcmp(mt, IMG_MEDIA_OCI_INDEX) || !strcmp(mt, IMG_MEDIA_D2_LIST))
		return true;
	/* Some registries answer application/json: go by the body. */
	return (inner &&
		(!strcmp(inner, IMG_MEDIA_OCI_INDEX) || !strcmp(inner, IMG_MEDIA_D2_LIST))) ||
	       (!inner && json_is_array(json_object_get(j, "manifests")) &&
		!json_object_get(j, "layers"));
}

static int get_manifest(struct pull *p, const char *what, char **body, size_t *len, char mt[128],
			char digest[80], json_t **out)
{
	json_error_t je;
	int r;

	r = reg__get_manifest(p->reg, p->ref.repo, what, body, len, mt, digest, p->e);
	if (r < 0)
		return r;
	*out = json_loadb(*body, *len, 0, &je);
	if (!*out)
		return err__set(p->e, EINVAL, "manifest %s: not JSON: %s", what, je.text);
	return 0;
}

static bool layer_type_ok(const char *mt)
{
	static const char *const ok[] = {
		IMG_MEDIA_OCI_LAYER,
		IMG_MEDIA_OCI_LAYER_GZ,
		IMG_MEDIA_OCI_LAYER_ZSTD,
		IMG_MEDIA_D2_LAYER,
		"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
		"application/vnd.oci.image.layer.nondistributable.v1.tar",
		"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
		"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
	};

	for (size_t i = 0; i < ARRAY_SIZE(ok); i++)
		if (!strcmp(mt, ok[i]))
			return true;
	return false;
}

/* Check the manifest's shape and list its layers; diff_ids come later. */
static int read_manifest(struct pull *p, json_t *m, const char *mt, const char **cfg,
			 uint64_t *cfg_size)
{
	json_t *layers = json_object_get(m, "layers"), *l;
	size_t i;

	if (json_integer_value(json_object_get(m, "schemaVersion")) != 2)
		return err__set(p->e, ENOTSUP,
				"manifest schema %lld is not supported (only schema 2 / OCI)",
				(long long)json_integer_value(json_object_get(m, "schemaVersion")));
	if (strcmp(mt, IMG_MEDIA_OCI_MANIFEST) && strcmp(mt, IMG_MEDIA_D2_MANIFEST) &&
	    strcmp(mt, "application/json"))
		return err__set(p->e, ENOTSUP, "manifest type %s is not supported", mt);
	*cfg = json_string_value(json_object_get(json_object_get(m, "config"), "digest"));
	*cfg_size = json_integer_value(json_object_get(json_object_get(m, "config"), "size"));
	if (!*cfg || !digest__valid(*cfg))
		return err__set(p->e, EINVAL, "manifest: bad config digest");
	if (!json_is_array(layers) || json_array_size(layers) > MAX_LAYERS)
		return err__set(p->e, EINVAL, "manifest: bad layer list");
	json_array_foreach(layers, i, l)
	{
		const char *d = json_string_value(json_object_get(l, "digest"));
		const char *lt = json_string_value(json_object_get(l, "mediaType")) ?: "";
		json_int_t sz = json_integer_value(json_object_get(l, "size"));

		if (!d || !digest__valid(d) || sz < 0)
			return err__set(p->e, EINVAL, "manifest: bad layer %zu", i);
		if (!layer_type_ok(lt))
			return err__set(p->e, ENOTSUP,
					"layer %.19s: media type %s is not supported", d, lt);
		p->layers[i].digest = d;
		p->layers[i].size = sz;
		snprintf(p->layers[i].status, sizeof(p->layers[i].status), "Waiting");
	}
	p->n = i;
	return 0;
}

/* Download digest into the stage as blob-<hex> unless the store has it. */
static int fetch_blob(struct pull *p, const char *digest, uint64_t size, size_t layer)
{
	char path[4200], tmp[4200];
	struct progress pr = { p, layer };
	int fd, r;

	snprintf(path, sizeof(path), "%s/blob-%s", p->st.path, digest + 7);
	if (store__has_blob(p->s, digest) || access(path, F_OK) == 0)
		return 0;
	snprintf(tmp, sizeof(tmp), "%s/part-%s", p->st.path, digest + 7);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return err__sys(p->e, errno, "create %s", tmp);
	if (layer != (size_t)-1)
		set_status(p, layer, "Downloading");
	r = reg__get_blob(p->reg, p->ref.repo, digest, size, fd,
			  layer != (size_t)-1 ? on_progress : NULL, &pr, p->e);
	if (!r && fsync(fd) < 0)
		r = err__sys(p->e, errno, "write %s", tmp);
	close(fd);
	if (!r && rename(tmp, path) < 0)
		r = err__sys(p->e, errno, "rename %s", tmp);
	if (r < 0)
		unlink(tmp);
	return r;
}

/* The staged copy if this pull fetched it, else the store's. */
static int open_blob(struct pull *p, const char *digest)
{
	char path[4200];
	int fd;

	snprintf(path, sizeof(path), "%s/blob-%s", p->st.path, digest + 7);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		store__blob_path(p->s, digest, path, sizeof(path));
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0)
		return err__sys(p->e, errno, "blob %.19s", digest);
	return fd;
}

static int load_config(struct pull *p, const char *digest, uint64_t size, json_t **cfg)
{
	char got[80];
	json_error_t je;
	uint8_t *buf;
	size_t len;
	int fd, r;

	r = fetch_blob(p, digest, size, (size_t)-1);
	if (r < 0)
		return err__wrap(p->e, "config");
	fd = open_blob(p, digest);
	if (fd < 0)
		return fd;
	{
		char path[64];

		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		r = util__read_file(path, 16 << 20, &buf, &len);
	}
	close(fd);
	if (r < 0)
		return err__sys(p->e, -r, "config %.19s", digest);
	digest__of(buf, len, got);
	if (strcmp(got, digest)) {
		free(buf);
		return err__set(p->e, EIO, "config: digest mismatch: %s, expected %s", got, digest);
	}
	*cfg = json_loadb((const char *)buf, len, 0, &je);
	free(buf);
	if (!*cfg)
		return err__set(p->e, EINVAL, "config: not JSON: %s", je.text);
	return 0;
}

static int unpack_layer(struct pull *p, size_t i)
{
	struct layer *l = &p->layers[i];
	char dir[4200], got[80];
	uint64_t size;
	int fd, r;

	snprintf(dir, sizeof(dir), "%s/layer-%s", p->st.path, l->diff_id + 7);
	if (access(dir, F_OK) == 0)
		return 0; /* the same layer twice in one image */
	set_status(p, i, "Extracting");
	snprintf(dir, sizeof(dir), "%s/unpack-%zu", p->st.path, i);
	if (mkdir(dir, 0755) < 0)
		return err__sys(p->e, errno, "mkdir %s", dir);
	fd = open_blob(p, l->digest);
	if (fd < 0)
		return fd;
	r = layer__unpack(fd, dir, -1, got, &size, p->e);
	close(fd);
	if (r < 0)
		return err__wrap(p->e, "layer %.19s", l->digest);
	if (strcmp(got, l->diff_id))
		return err__set(p->e, EIO, "layer %.19s: diff_id mismatch: %s, config says %s",
				l->digest, got, l->diff_id);
	char to[4200];

	snprintf(to, sizeof(to), "%s/layer-%s", p->st.path, l->diff_id + 7);
	if (rename(dir, to) < 0)
		return err__sys(p->e, errno, "rename %s", dir);
	return 0;
}

/* Layers: fetch what is missing, unpack what the store lacks. The blob
 * is kept even when the layer exists, so save can write it back. */
static int fetch_layers(struct pull *p, json_t *config)
{
	json_t *diff_ids = json_object_get(json_object_get(config, "rootfs"), "diff_ids");
	int r;

	if (json_array_size(diff_ids) != p->n)
		return err__set(p->e, EINVAL, "config lists %zu layers, the manifest %zu",
				json_array_size(diff_ids), p->n);
	for (size_t i = 0; i < p->n; i++) {
		p->layers[i].diff_id = json_string_value(json_array_get(diff_ids, i));
		if (!p->layers[i].diff_id || !digest__valid(p->layers[i].diff_id))
			return err__set(p->e, EINVAL, "config: bad diff_id %zu", i);
		snprintf(p->layers[i].status, sizeof(p->layers[i].status),
			 store__has_layer(p->s, p->layers[i].diff_id) ? "Already exists"
								      : "Waiting");
	}
	if (p->o->tty && !p->o->quiet)
		draw(p);
	for (size_t i = 0; i < p->n; i++) {
		bool have = store__has_layer(p->s, p->layers[i].diff_id);
		/* A blob new to the store must be shown to unpack to its
		 * diff_id even when the layer exists (the same layer under
		 * another compression), or save would write back a blob that
		 * does not match the config. */
		bool fresh = !store__has_blob(p->s, p->layers[i].digest);

		r = fetch_blob(p, p->layers[i].digest, p->layers[i].size, i);
		if (r < 0)
			return err__wrap(p->e, "layer %.19s", p->layers[i].digest);
		if (!have || fresh) {
			r = unpack_layer(p, i);
			if (r < 0)
				return r;
		}
		set_status(p, i, have ? "Already exists" : "Pull complete");
	}
	return 0;
}

static bool up_to_date(struct pull *p, const char *id, const char *name)
{
	struct img_info info;
	struct err e = { 0 };
	bool same;

	if (img__lookup(p->s, name, &info, &e) < 0)
		return false;
	same = !strcmp(info.id, id);
	img__info_free(&info);
	return same;
}

static int do_pull(struct pull *p, char id[80])
{
	char *body = NULL, *body2 = NULL, mt[128], top[80], mdigest[80], canon[700], repo_dig[700];
	const char *what = p->ref.digest[0] ? p->ref.digest : p->ref.tag, *cfg_digest = NULL,
		   *pick = NULL;
	json_t *top_j = NULL, *man = NULL, *config = NULL;
	uint64_t cfg_size = 0;
	size_t len, len2;
	int r;

	r = get_manifest(p, what, &body, &len, mt, top, &top_j);
	if (r < 0)
		goto out;
	/* Said once the registry knows the name, so a bad name is one line. */
	if (p->default_tag)
		report(p, "Using default tag: latest");
	report(p, "%s: Pulling from %s", what, p->ref.repo);
	man = json_incref(top_j);
	strcpy(mdigest, top);
	if (is_index(mt, top_j)) {
		json_decref(man);
		man = NULL;
		r = pick_platform(p, top_j, &pick);
		if (r < 0)
			goto out;
		r = get_manifest(p, pick, &body2, &len2, mt, mdigest, &man);
		if (r < 0)
			goto out;
		if (is_index(mt, man)) {
			r = err__set(p->e, EINVAL, "nested manifest lists are not supported");
			goto out;
		}
	}
	r = read_manifest(p, man, mt, &cfg_digest, &cfg_size);
	if (r < 0)
		goto out;
	r = stage__begin(p->s, &p->st, p->e);
	if (r < 0)
		goto out;
	{
		char check[80];

		/* The bytes kept must be the bytes whose digest the registry gave. */
		r = stage__put_blob(&p->st, body2 ? body2 : body, body2 ? len2 : len, check, p->e);
		if (!r && strcmp(check, mdigest))
			r = err__set(p->e, EIO, "manifest: digest mismatch");
		if (r < 0)
			goto out;
	}
	r = load_config(p, cfg_digest, cfg_size, &config);
	if (!r)
		r = fetch_layers(p, config);
	if (r < 0)
		goto out;

	const char *blobs[MAX_LAYERS + 2];
	size_t nb = 0;

	blobs[nb++] = mdigest;
	blobs[nb++] = cfg_digest;
	for (size_t i = 0; i < p->n; i++)
		blobs[nb++] = p->layers[i].digest;
	{
		struct img_ref bare = p->ref;
		char tagged[600];

		bare.digest[0] = '\0';
		img__ref_name(&bare, tagged, sizeof(tagged));
		bare.tag[0] = '\0';
		strcpy(bare.digest, top);
		img__ref_name(&bare, repo_dig, sizeof(repo_dig));
		snprintf(canon, sizeof(canon), "%s", p->ref.tag[0] ? tagged : repo_dig);
	}
	bool fresh = !up_to_date(p, cfg_digest, canon);
	struct img_commit c = {
		.manifest_digest = mdigest,
		.manifest_type = mt,
		.config_digest = cfg_digest,
		.config = config,
		.blobs = blobs,
		.nblobs = nb,
		.name = p->ref.tag[0] ? canon : NULL,
		.repo_digest = repo_dig,
	};
	r = store__commit(p->s, &p->st, &c, p->e);
	if (r < 0)
		goto out;
	strcpy(id, cfg_digest);
	{
		char fam[600];

		ref__familiar(canon, fam, sizeof(fam));
		report(p, "Digest: %s", top);
		report(p, "Status: %s for %s",
		       fresh ? "Downloaded newer image" : "Image is up to date", fam);
	}
out:
	json_decref(top_j);
	json_decref(man);
	json_decref(config);
	free(body);
	free(body2);
	return r;
}

int img__pull(struct img_store *s, const char *name, const struct img_pull_opts *o, char id[80],
	      struct err *e)
{
	struct reg_opts ro = { .root = s->base,
			       .tls_verify = o->tls_verify,
			       .username = o->username,
			       .password = o->password };
	struct pull *p;
	int r;

	p = calloc(1, sizeof(*p));
	if (!p)
		return err__set(e, ENOMEM, "out of memory");
	p->s = s;
	p->o = o;
	p->e = e;
	p->st.lockfd = -1;
	r = img__parse_ref(name, &p->ref, e);
	if (r < 0)
		goto out;
	r = reg__open(p->ref.registry, &ro, &p->reg, e);
	if (r < 0)
		goto out;
	p->default_tag = !strchr(strrchr(name, '/') ?: name, ':') && !strchr(name, '@');
	r = do_pull(p, id);
out:
	stage__end(&p->st);
	reg__close(p->reg);
	free(p);
	return r;
}
