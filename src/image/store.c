/* store.c - the content-addressed image store under ROOT/images: its lock,
 * its index, staging directories and committing new images (see
 * store_int.h for the layout).
 *
 * Nothing half-made is ever visible: layers are unpacked and blobs written
 * in a staging directory under tmp/, then renamed into place and recorded
 * in index.json (written to a temporary file and renamed) while holding the
 * exclusive lock. Readers take the shared lock. A staging directory whose
 * owner died (its .lock no longer held) is removed by the next open. */
#include "image/store_int.h"

#include "common/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define INDEX_MAX (64 * MiB)
#define BLOB_MAX  (16 * MiB) /* manifests and configs */

int store__rmtree(const char *path)
{
	return util__rmtree(path);
}

static int mkdir_p(const char *path, struct err *e)
{
	int r = util__mkdir_p(path, 0755);

	return r < 0 ? err__sys(e, -r, "mkdir %s", path) : 0;
}

int store__lock(struct img_store *s, bool exclusive, struct err *e)
{
	int op = exclusive ? LOCK_EX : LOCK_SH;

	while (flock(s->lockfd, op) < 0)
		if (errno != EINTR)
			return err__sys(e, errno, "image store: lock");
	s->locked = op;
	return 0;
}

void store__unlock(struct img_store *s)
{
	flock(s->lockfd, LOCK_UN);
	s->locked = 0;
}

/* Under the exclusive lock: a tmp/ entry whose .lock nobody holds was left
 * by a process that died (or by gc, which needs no lock). */
static void clean_stale(struct img_store *s)
{
	char path[4096];
	struct dirent *d;
	DIR *dir;
	int fd;

	fd = openat(s->dirfd, "tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(dir = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((d = readdir(dir))) {
		int lfd;

		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/tmp/%s/.lock", s->root, d->d_name);
		lfd = open(path, O_RDWR | O_CLOEXEC);
		if (lfd >= 0 && flock(lfd, LOCK_EX | LOCK_NB) < 0) {
			close(lfd); /* alive */
			continue;
		}
		snprintf(path, sizeof(path), "%s/tmp/%s", s->root, d->d_name);
		store__rmtree(path);
		if (lfd >= 0)
			close(lfd);
	}
	closedir(dir);
}

/* Under the exclusive lock: index.json.<pid> files of writers that died. */
static void clean_index_temps(struct img_store *s)
{
	struct dirent *d;
	DIR *dir;
	int fd = openat(s->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || !(dir = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((d = readdir(dir)))
		if (!strncmp(d->d_name, "index.json.", 11))
			unlinkat(s->dirfd, d->d_name, 0);
	closedir(dir);
}

int img_store__open(const char *root, struct img_store **out, struct err *e)
{
	static const char *const subdirs[] = { "blobs/sha256", "layers", "tmp" };
	struct img_store *s;
	char path[4096];
	int r;

	*out = NULL;
	if (!root)
		root = IMG_DEFAULT_ROOT;
	s = calloc(1, sizeof(*s));
	if (!s)
		return err__set(e, ENOMEM, "image store: out of memory");
	s->dirfd = s->lockfd = -1;
	s->base = strdup(root);
	if (!s->base || asprintf(&s->root, "%s/images", root) < 0) {
		free(s->base);
		free(s);
		return err__set(e, ENOMEM, "image store: out of memory");
	}
	for (size_t i = 0; i < ARRAY_SIZE(subdirs); i++) {
		snprintf(path, sizeof(path), "%s/%s", s->root, subdirs[i]);
		r = mkdir_p(path, e);
		if (r < 0)
			goto fail;
	}
	s->dirfd = open(s->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	snprintf(path, sizeof(path), "%s/lock", s->root);
	s->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (s->dirfd < 0 || s->lockfd < 0) {
		r = err__sys(e, errno, "image store %s", s->root);
		goto fail;
	}
	/* Layers keep their owners, modes, setuid bits and device nodes: only
	 * root may walk into them (Docker keeps its own 0710 for the same
	 * reason). Tightened on every open, for stores made before this. */
	if (fchmod(s->dirfd, 0700) < 0) {
		r = err__sys(e, errno, "image store %s", s->root);
		goto fail;
	}
	r = store__lock(s, true, e);
	if (r < 0)
		goto fail;
	clean_stale(s);
	clean_index_temps(s);
	store__unlock(s);
	*out = s;
	return 0;
fail:
	img_store__close(s);
	return r;
}

void img_store__close(struct img_store *s)
{
	if (!s)
		return;
	if (s->dirfd >= 0)
		close(s->dirfd);
	if (s->lockfd >= 0)
		close(s->lockfd);
	free(s->root);
	free(s->base);
	free(s);
}

/* Made under the store lock so clean_stale never sees a staging directory
 * between its mkdtemp and its .lock. */
int stage__begin(struct img_store *s, struct img_stage *st, struct err *e)
{
	char lock[4200];
	int r, was = s->locked;

	st->lockfd = -1;
	snprintf(st->path, sizeof(st->path), "%s/tmp/XXXXXX", s->root);
	if (!was) {
		r = store__lock(s, true, e);
		if (r < 0)
			return r;
	}
	if (!mkdtemp(st->path)) {
		r = err__sys(e, errno, "image store: staging directory");
		goto out;
	}
	snprintf(lock, sizeof(lock), "%s/.lock", st->path);
	st->lockfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (st->lockfd < 0 || flock(st->lockfd, LOCK_EX) < 0) {
		r = err__sys(e, errno, "image store: staging lock");
		store__rmtree(st->path);
		goto out;
	}
	r = 0;
out:
	if (!was)
		store__unlock(s);
	return r;
}

void stage__end(struct img_stage *st)
{
	if (st->lockfd < 0)
		return;
	store__rmtree(st->path);
	close(st->lockfd);
	st->lockfd = -1;
}

void digest__of(const void *buf, size_t len, char out[80])
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	EVP_Digest(buf, len, md, &mdlen, EVP_sha256(), NULL);
	strcpy(out, "sha256:");
	for (unsigned int i = 0; i < mdlen; i++)
		sprintf(out + 7 + 2 * i, "%02x", md[i]);
}

static int write_file(const char *path, const void *buf, size_t len, struct err *e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int r;

	if (fd < 0)
		return err__sys(e, errno, "create %s", path);
	r = util__write_all(fd, buf, len);
	if (!r && fsync(fd) < 0)
		r = -errno;
	close(fd);
	if (r < 0)
		return err__sys(e, -r, "write %s", path);
	return 0;
}

int stage__put_blob(struct img_stage *st, const void *buf, size_t len, char out[80], struct err *e)
{
	char path[4200];

	digest__of(buf, len, out);
	snprintf(path, sizeof(path), "%s/blob-%s", st->path, out + 7);
	return write_file(path, buf, len, e);
}

void store__blob_path(struct img_store *s, const char *digest, char *buf, size_t size)
{
	snprintf(buf, size, "%s/blobs/sha256/%s", s->root, digest + 7);
}

bool store__has_blob(struct img_store *s, const char *digest)
{
	char path[4200];

	if (!digest__valid(digest))
		return false;
	store__blob_path(s, digest, path, sizeof(path));
	return access(path, F_OK) == 0;
}

bool store__has_layer(struct img_store *s, const char *diff_id)
{
	char path[4200];

	if (!digest__valid(diff_id))
		return false;
	snprintf(path, sizeof(path), "%s/layers/%s", s->root, diff_id + 7);
	return access(path, F_OK) == 0;
}

int store__read_blob(struct img_store *s, const char *digest, char **buf, size_t *len,
		     struct err *e)
{
	char path[4200], got[80];
	uint8_t *data;
	int r;

	if (!digest__valid(digest))
		return err__set(e, EINVAL, "bad digest \"%s\"", digest);
	store__blob_path(s, digest, path, sizeof(path));
	r = util__read_file(path, BLOB_MAX, &data, len);
	if (r < 0)
		return err__sys(e, -r, "blob %.19s", digest);
	digest__of(data, *len, got);
	if (strcmp(got, digest)) {
		free(data);
		return err__set(e, EIO, "blob %.19s: digest mismatch (store corrupted)", digest);
	}
	*buf = (char *)data;
	return 0;
}

int index__load(struct img_store *s, json_t **out, struct err *e)
{
	char path[4200];
	json_error_t je;
	uint8_t *data;
	size_t len;
	json_t *idx;
	int r;

	snprintf(path, sizeof(path), "%s/index.json", s->root);
	r = util__read_file(path, INDEX_MAX, &data, &len);
	if (r == -ENOENT) {
		*out = json_pack("{s:i,s:{}}", "version", 1, "images");
		return *out ? 0 : err__set(e, ENOMEM, "out of memory");
	}
	if (r < 0)
		return err__sys(e, -r, "read %s", path);
	idx = json_loadb((const char *)data, len, 0, &je);
	free(data);
	if (!idx || !json_is_object(json_object_get(idx, "images"))) {
		json_decref(idx);
		return err__set(e, EIO, "%s: corrupt index: %s", path, je.text);
	}
	*out = idx;
	return 0;
}

int index__save(struct img_store *s, json_t *idx, struct err *e)
{
	char path[4200], tmp[4200];
	char *text;
	int r;

	snprintf(path, sizeof(path), "%s/index.json", s->root);
	snprintf(tmp, sizeof(tmp), "%s/index.json.%d", s->root, (int)getpid());
	text = json_dumps(idx, JSON_INDENT(1) | JSON_SORT_KEYS);
	if (!text)
		return err__set(e, ENOMEM, "index: out of memory");
	r = write_file(tmp, text, strlen(text), e);
	free(text);
	if (r < 0)
		return r;
	if (rename(tmp, path) < 0) {
		r = err__sys(e, errno, "rename %s", tmp);
		unlink(tmp);
	}
	return r;
}

/* Move stage/<prefix><hex> to dest unless dest exists already (then the
 * staged copy is dropped with the stage). */
static int move_in(struct img_stage *st, const char *prefix, const char *hex, const char *dest,
		   struct err *e)
{
	char src[4200];

	if (access(dest, F_OK) == 0)
		return 0;
	snprintf(src, sizeof(src), "%s/%s%s", st->path, prefix, hex);
	if (rename(src, dest) < 0) {
		if (errno == ENOENT)
			return err__set(e, EAGAIN,
					"%.19s: missing (removed by a concurrent rmi?): try again",
					hex);
		return err__sys(e, errno, "rename %s", src);
	}
	return 0;
}

static json_t *str_array(json_t *img, const char *key)
{
	json_t *a = json_object_get(img, key);

	if (!json_is_array(a)) {
		a = json_array();
		json_object_set_new(img, key, a);
	}
	return a;
}

bool store__json_has(json_t *a, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(a, i, v) if (json_is_string(v) &&
					!strcmp(json_string_value(v), s)) return true;
	return false;
}

static void array_drop(json_t *a, const char *s)
{
	for (size_t i = 0; i < json_array_size(a);) {
		const char *v = json_string_value(json_array_get(a, i));

		if (v && !strcmp(v, s))
			json_array_remove(a, i);
		else
			i++;
	}
}

/* Untag name (or repo digest) from every image but keep. */
static void untag_others(json_t *idx, const char *key, const char *name, const char *keep)
{
	const char *id;
	json_t *img;

	json_object_foreach(json_object_get(idx, "images"), id, img) if (strcmp(id, keep))
		array_drop(str_array(img, key), name);
}

static uint64_t dir_size(const char *path);

int store__commit(struct img_store *s, struct img_stage *st, const struct img_commit *c,
		  struct err *e)
{
	json_t *idx = NULL, *img, *diff_ids, *layers, *v;
	char dest[4200];
	uint64_t size = 0;
	size_t i;
	int r;

	diff_ids = json_object_get(json_object_get(c->config, "rootfs"), "diff_ids");
	if (!json_is_array(diff_ids))
		return err__set(e, EINVAL, "image config has no rootfs.diff_ids");
	r = store__lock(s, true, e);
	if (r < 0)
		return r;
	r = index__load(s, &idx, e);
	if (r < 0)
		goto out;
	for (i = 0; i < c->nblobs; i++) {
		store__blob_path(s, c->blobs[i], dest, sizeof(dest));
		r = move_in(st, "blob-", c->blobs[i] + 7, dest, e);
		if (r < 0)
			goto out;
	}
	layers = json_object_get(idx, "layers");
	if (!json_is_object(layers)) {
		layers = json_object();
		json_object_set_new(idx, "layers", layers);
	}
	json_array_foreach(diff_ids, i, v)
	{
		const char *d = json_string_value(v);
		json_t *sz;

		if (!d || !digest__valid(d)) {
			r = err__set(e, EINVAL, "image config: bad diff_id");
			goto out;
		}
		snprintf(dest, sizeof(dest), "%s/layers/%s", s->root, d + 7);
		r = move_in(st, "layer-", d + 7, dest, e);
		if (r < 0)
			goto out;
		sz = json_object_get(layers, d + 7);
		if (!sz) {
			/* Unpacked before sizes were recorded, or by this commit. */
			sz = json_integer((json_int_t)dir_size(dest));
			json_object_set_new(layers, d + 7, sz);
		}
		size += json_integer_value(sz);
	}

	img = json_object_get(json_object_get(idx, "images"), c->config_digest);
	if (!img) {
		json_t *cr = json_object_get(c->config, "created");
		json_t *blobs = json_array();

		for (i = 0; i < c->nblobs; i++)
			json_array_append_new(blobs, json_string(c->blobs[i]));
		img = json_pack("{s:s,s:s,s:O,s:o,s:[],s:[],s:[],s:I,s:I,s:I}", "manifest",
				c->manifest_digest, "manifest_type", c->manifest_type, "diff_ids",
				diff_ids, "blobs", blobs, "names", "repo_digests", "holds",
				"created", (json_int_t)ref__parse_time(json_string_value(cr)),
				"size", (json_int_t)size, "added", (json_int_t)time(NULL));
		if (!img) {
			r = err__set(e, ENOMEM, "index: out of memory");
			goto out;
		}
		json_object_set_new(json_object_get(idx, "images"), c->config_digest, img);
	}
	if (c->name) {
		untag_others(idx, "names", c->name, c->config_digest);
		if (!store__json_has(str_array(img, "names"), c->name))
			json_array_append_new(str_array(img, "names"), json_string(c->name));
	}
	if (c->repo_digest) {
		untag_others(idx, "repo_digests", c->repo_digest, c->config_digest);
		if (!store__json_has(str_array(img, "repo_digests"), c->repo_digest))
			json_array_append_new(str_array(img, "repo_digests"),
					      json_string(c->repo_digest));
	}
	r = index__save(s, idx, e);
out:
	store__unlock(s);
	json_decref(idx);
	return r;
}

static uint64_t du_total;

static int du_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)path;
	(void)flag;
	(void)ftw;
	if (S_ISREG(st->st_mode) && st->st_nlink >= 1)
		du_total += st->st_size;
	return 0;
}

/* Bytes of regular files, as docker's SIZE counts them. */
static uint64_t dir_size(const char *path)
{
	du_total = 0;
	nftw(path, du_one, 32, FTW_PHYS);
	return du_total;
}
