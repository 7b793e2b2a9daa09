/* import.c - `vmkit import`: a root filesystem tarball becomes a one-layer
 * image with a minimal config (no Cmd, Env PATH), as `docker import` makes.
 * The layer blob kept is the uncompressed tar, so its digest is the
 * diff_id and `save` can write it back unchanged. */
#include "image/store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static void now_rfc3339(char buf[40])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, 40, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Unpack fd into st/layer-<hex>, keeping the tar as st/blob-<hex>. */
static int stage_layer(struct img_stage *st, int fd, char diff_id[80], uint64_t *size,
		       uint64_t *tar_size, struct err *e)
{
	char blob[4200], layer[4200], to[4200];
	struct stat sb;
	int rawfd, r;

	snprintf(blob, sizeof(blob), "%s/blob-new", st->path);
	snprintf(layer, sizeof(layer), "%s/layer-new", st->path);
	if (mkdir(layer, 0755) < 0)
		return err__sys(e, errno, "mkdir %s", layer);
	rawfd = open(blob, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (rawfd < 0)
		return err__sys(e, errno, "create %s", blob);
	r = layer__unpack(fd, layer, rawfd, diff_id, size, e);
	if (!r && (fsync(rawfd) < 0 || fstat(rawfd, &sb) < 0))
		r = err__sys(e, errno, "write %s", blob);
	close(rawfd);
	if (r < 0)
		return r;
	*tar_size = sb.st_size;
	snprintf(to, sizeof(to), "%s/blob-%s", st->path, diff_id + 7);
	if (rename(blob, to) < 0)
		return err__sys(e, errno, "rename %s", blob);
	snprintf(to, sizeof(to), "%s/layer-%s", st->path, diff_id + 7);
	if (rename(layer, to) < 0)
		return err__sys(e, errno, "rename %s", layer);
	return 0;
}

static int put_json(struct img_stage *st, json_t *j, char digest[80], size_t *len, struct err *e)
{
	char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	int r;

	if (!text)
		return err__set(e, ENOMEM, "out of memory");
	*len = strlen(text);
	r = stage__put_blob(st, text, *len, digest, e);
	free(text);
	return r;
}

int img__import(struct img_store *s, int fd, const char *name, char id[80], struct err *e)
{
	char canon[600], diff_id[80], cfg_digest[80], man_digest[80], now[40];
	struct img_stage st = { .lockfd = -1 };
	json_t *config = NULL, *manifest = NULL;
	uint64_t size, tar_size = 0;
	size_t cfg_len, man_len;
	struct img_ref ref;
	int r;

	canon[0] = '\0';
	if (name) {
		r = img__parse_ref(name, &ref, e);
		if (r < 0)
			return r;
		if (ref.digest[0])
			return err__set(e, EINVAL,
					"%s: an imported image is named by tag, not digest", name);
		img__ref_name(&ref, canon, sizeof(canon));
	}
	r = stage__begin(s, &st, e);
	if (r < 0)
		return r;
	r = stage_layer(&st, fd, diff_id, &size, &tar_size, e);
	if (r < 0)
		goto out;
	now_rfc3339(now);
	config = json_pack("{s:s,s:s,s:s,s:{s:[s]},s:{s:s,s:[s]},s:[{s:s,s:s}]}", "architecture",
			   "amd64", "os", "linux", "created", now, "config", "Env", DEFAULT_PATH,
			   "rootfs", "type", "layers", "diff_ids", diff_id, "history", "created",
			   now, "created_by", "vmkit import");
	if (!config) {
		r = err__set(e, ENOMEM, "out of memory");
		goto out;
	}
	r = put_json(&st, config, cfg_digest, &cfg_len, e);
	if (r < 0)
		goto out;
	manifest = json_pack("{s:i,s:s,s:{s:s,s:s,s:I},s:[{s:s,s:s,s:I}]}", "schemaVersion", 2,
			     "mediaType", IMG_MEDIA_OCI_MANIFEST, "config", "mediaType",
			     IMG_MEDIA_OCI_CONFIG, "digest", cfg_digest, "size",
			     (json_int_t)cfg_len, "layers", "mediaType", IMG_MEDIA_OCI_LAYER,
			     "digest", diff_id, "size", (json_int_t)tar_size);
	if (!manifest) {
		r = err__set(e, ENOMEM, "out of memory");
		goto out;
	}
	r = put_json(&st, manifest, man_digest, &man_len, e);
	if (r < 0)
		goto out;
	const char *blobs[] = { man_digest, cfg_digest, diff_id };
	struct img_commit c = {
		.manifest_digest = man_digest,
		.manifest_type = IMG_MEDIA_OCI_MANIFEST,
		.config_digest = cfg_digest,
		.config = config,
		.blobs = blobs,
		.nblobs = 3,
		.name = name ? canon : NULL,
	};
	r = store__commit(s, &st, &c, e);
	if (!r)
		strcpy(id, cfg_digest);
out:
	json_decref(config);
	json_decref(manifest);
	stage__end(&st);
	return r;
}
