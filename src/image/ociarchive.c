/* ociarchive.c - `vmkit save` and `vmkit load`: images as a tar of an OCI
 * image layout (oci-layout, index.json, blobs/sha256/...) plus a Docker
 * manifest.json, so both OCI tools (skopeo, podman) and `docker load`
 * read what save writes; load reads OCI archives and docker-save tarballs.
 *
 * Load trusts nothing in the archive: it is extracted (regular files only,
 * libarchive's path checks) into a staging directory, every blob's digest
 * is recomputed, every layer's diff_id checked against its config, and
 * only then is the image committed like a pulled one. */
#include "image/store_int.h"

#include "common/util.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define REF_NAME_ANN     "org.opencontainers.image.ref.name"
#define CONTAINERD_NAME  "io.containerd.image.name"
#define MAX_IMAGE_LAYERS 256
#define ARCHIVE_JSON_MAX (16 * MiB)

/* ---- save ---- */

static int add_bytes(struct archive *a, const char *name, const void *buf, size_t len,
		     struct err *e)
{
	struct archive_entry *ent = archive_entry_new();
	int r = 0;

	archive_entry_set_pathname(ent, name);
	archive_entry_set_filetype(ent, AE_IFREG);
	archive_entry_set_perm(ent, 0644);
	archive_entry_set_size(ent, len);
	if (archive_write_header(a, ent) != ARCHIVE_OK ||
	    (len && archive_write_data(a, buf, len) != (la_ssize_t)len))
		r = err__set(e, EIO, "save: %s: %s", name, archive_error_string(a));
	archive_entry_free(ent);
	return r;
}

static int add_dir(struct archive *a, const char *name, struct err *e)
{
	struct archive_entry *ent = archive_entry_new();
	int r = 0;

	archive_entry_set_pathname(ent, name);
	archive_entry_set_filetype(ent, AE_IFDIR);
	archive_entry_set_perm(ent, 0755);
	if (archive_write_header(a, ent) != ARCHIVE_OK)
		r = err__set(e, EIO, "save: %s: %s", name, archive_error_string(a));
	archive_entry_free(ent);
	return r;
}

static int add_blob(struct img_store *s, struct archive *a, const char *digest, struct err *e)
{
	struct archive_entry *ent;
	char path[4200], name[100], buf[65536];
	struct stat st;
	ssize_t n;
	int fd, r = 0;

	store__blob_path(s, digest, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		r = err__sys(e, errno, "save: blob %.19s", digest);
		if (fd >= 0)
			close(fd);
		return r;
	}
	snprintf(name, sizeof(name), "blobs/sha256/%s", digest + 7);
	ent = archive_entry_new();
	archive_entry_set_pathname(ent, name);
	archive_entry_set_filetype(ent, AE_IFREG);
	archive_entry_set_perm(ent, 0644);
	archive_entry_set_size(ent, st.st_size);
	if (archive_write_header(a, ent) != ARCHIVE_OK)
		r = err__set(e, EIO, "save: %s", archive_error_string(a));
	while (!r && (n = read(fd, buf, sizeof(buf))) > 0)
		if (archive_write_data(a, buf, n) != n)
			r = err__set(e, EIO, "save: %s", archive_error_string(a));
	archive_entry_free(ent);
	close(fd);
	return r;
}

static json_t *blob_names(struct img_info *info, json_t *manifest)
{
	json_t *layers = json_array(), *l;
	size_t i;

	json_array_foreach(json_object_get(manifest, "layers"), i, l)
	{
		char name[100];

		snprintf(name, sizeof(name), "blobs/sha256/%s",
			 json_string_value(json_object_get(l, "digest")) + 7);
		json_array_append_new(layers, json_string(name));
	}
	(void)info;
	return layers;
}

/* Add one image's blobs (once each), its index.json entries and its
 * manifest.json entry. */
static int save_one(struct img_store *s, struct archive *a, const char *name, json_t *index,
		    json_t *docker, json_t *written, struct err *e)
{
	struct img_info info;
	json_t *manifest = NULL, *l, *tags;
	char *mtext = NULL, cfgname[100];
	json_error_t je;
	size_t mlen, i;
	int r;

	r = img__lookup(s, name, &info, e);
	if (r < 0)
		return r;
	r = store__read_blob(s, info.manifest, &mtext, &mlen, e);
	if (r < 0)
		goto out;
	manifest = json_loadb(mtext, mlen, 0, &je);
	if (!manifest) {
		r = err__set(e, EIO, "manifest %.19s: %s", info.manifest, je.text);
		goto out;
	}
	const char *need[MAX_IMAGE_LAYERS + 2];
	size_t n = 0;

	need[n++] = info.manifest;
	need[n++] = info.id;
	json_array_foreach(json_object_get(manifest, "layers"), i, l) if (n < MAX_IMAGE_LAYERS + 2)
		need[n++] = json_string_value(json_object_get(l, "digest"));
	for (i = 0; i < n && !r; i++) {
		if (!need[i] || !digest__valid(need[i])) {
			r = err__set(e, EIO, "manifest %.19s: bad digest", info.manifest);
			break;
		}
		if (json_object_get(written, need[i]))
			continue;
		r = add_blob(s, a, need[i], e);
		json_object_set_new(written, need[i], json_true());
	}
	if (r < 0)
		goto out;
	const char *mt = json_string_value(json_object_get(manifest, "mediaType"));
	/* one index entry per name (or one without a name) */
	tags = json_array();
	for (char **t = info.repo_tags; *t; t++)
		json_array_append_new(tags, json_string(*t));
	size_t ntags = json_array_size(tags);
	for (i = 0; i < (ntags ? ntags : 1); i++) {
		json_t *desc = json_pack("{s:s,s:s,s:I}", "mediaType", mt ?: IMG_MEDIA_OCI_MANIFEST,
					 "digest", info.manifest, "size", (json_int_t)mlen);

		if (ntags) {
			struct img_ref ref;
			struct err ignore;
			char full[700];
			const char *t = json_string_value(json_array_get(tags, i));

			if (img__parse_ref(t, &ref, &ignore) == 0)
				img__ref_name(&ref, full, sizeof(full));
			else
				snprintf(full, sizeof(full), "%s", t);
			json_object_set_new(
				desc, "annotations",
				json_pack("{s:s,s:s}", REF_NAME_ANN, full, CONTAINERD_NAME, full));
		}
		json_array_append_new(json_object_get(index, "manifests"), desc);
	}
	snprintf(cfgname, sizeof(cfgname), "blobs/sha256/%.64s", info.id + 7);
	json_array_append_new(docker, json_pack("{s:s,s:o,s:o}", "Config", cfgname, "RepoTags",
						tags, "Layers", blob_names(&info, manifest)));
out:
	free(mtext);
	json_decref(manifest);
	img__info_free(&info);
	return r;
}

static int add_json(struct archive *a, const char *name, json_t *j, struct err *e)
{
	char *text = json_dumps(j, JSON_COMPACT);
	int r;

	if (!text)
		return err__set(e, ENOMEM, "out of memory");
	r = add_bytes(a, name, text, strlen(text), e);
	free(text);
	return r;
}

int img__save(struct img_store *s, char *const *names, size_t n, int fd, struct err *e)
{
	static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
	json_t *index, *docker = json_array(), *written = json_object();
	struct archive *a = archive_write_new();
	int r;

	index = json_pack("{s:i,s:s,s:[]}", "schemaVersion", 2, "mediaType", IMG_MEDIA_OCI_INDEX,
			  "manifests");
	if (!a || !index || !docker || !written) {
		r = err__set(e, ENOMEM, "out of memory");
		goto out;
	}
	archive_write_set_format_pax_restricted(a);
	/* The same bytes to a file or a pipe: no padding to a 10 KiB block. */
	archive_write_set_bytes_in_last_block(a, 1);
	if (archive_write_open_fd(a, fd) != ARCHIVE_OK) {
		r = err__set(e, EIO, "save: %s", archive_error_string(a));
		goto out;
	}
	r = add_bytes(a, "oci-layout", layout, sizeof(layout) - 1, e);
	if (!r)
		r = add_dir(a, "blobs/", e);
	if (!r)
		r = add_dir(a, "blobs/sha256/", e);
	for (size_t i = 0; i < n && !r; i++)
		r = save_one(s, a, names[i], index, docker, written, e);
	if (!r)
		r = add_json(a, "index.json", index, e);
	if (!r)
		r = add_json(a, "manifest.json", docker, e);
	if (!r && archive_write_close(a) != ARCHIVE_OK)
		r = err__set(e, EIO, "save: %s", archive_error_string(a));
out:
	if (a)
		archive_write_free(a);
	json_decref(index);
	json_decref(docker);
	json_decref(written);
	return r;
}

/* ---- load ---- */

struct load {
	struct img_store *s;
	struct img_stage st;
	char x[4200]; /* the extracted archive */
	img_report_fn report;
	void *ctx;
	struct err *e;
};

static int extract(struct load *l, int fd)
{
	struct archive *in = archive_read_new(), *out = archive_write_disk_new();
	struct archive_entry *ent;
	int cwd = -1, r = 0, rr;

	archive_read_support_filter_all(in);
	archive_read_support_format_tar(in);
	archive_read_support_format_gnutar(in);
	archive_write_disk_set_options(out, ARCHIVE_EXTRACT_SECURE_SYMLINKS |
						    ARCHIVE_EXTRACT_SECURE_NODOTDOT |
						    ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS);
	if (archive_read_open_fd(in, fd, 65536) != ARCHIVE_OK) {
		r = err__set(l->e, EINVAL, "not an image archive: %s", archive_error_string(in));
		goto out;
	}
	cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (chdir(l->x) < 0) {
		r = err__sys(l->e, errno, "%s", l->x);
		goto out;
	}
	while ((rr = archive_read_next_header(in, &ent)) == ARCHIVE_OK) {
		const void *buf;
		size_t len;
		la_int64_t off;

		/* Only what a layout or docker-save tarball holds: files and dirs. */
		if (archive_entry_filetype(ent) != AE_IFREG &&
		    archive_entry_filetype(ent) != AE_IFDIR)
			continue;
		archive_entry_set_perm(ent, archive_entry_filetype(ent) == AE_IFDIR ? 0755 : 0644);
		if (archive_write_header(out, ent) < ARCHIVE_WARN) {
			r = err__set(l->e, EINVAL, "archive entry %s: %s",
				     archive_entry_pathname(ent), archive_error_string(out));
			break;
		}
		while ((rr = archive_read_data_block(in, &buf, &len, &off)) == ARCHIVE_OK)
			if (archive_write_data_block(out, buf, len, off) < ARCHIVE_WARN)
				break;
		if (rr != ARCHIVE_EOF) {
			r = err__set(l->e, EIO, "archive entry %s: %s", archive_entry_pathname(ent),
				     archive_error_string(in) ?: archive_error_string(out));
			break;
		}
		archive_write_finish_entry(out);
	}
	if (!r && rr != ARCHIVE_EOF)
		r = err__set(l->e, EINVAL, "not an image archive or truncated: %s",
			     archive_error_string(in));
	if (!r && archive_write_close(out) < ARCHIVE_WARN)
		r = err__set(l->e, EIO, "extract: %s", archive_error_string(out));
	if (cwd < 0 || fchdir(cwd) < 0)
		(void)!chdir("/");
out:
	if (cwd >= 0)
		close(cwd);
	archive_read_free(in);
	archive_write_free(out);
	return r;
}

/* sha256 of a file, streamed. */
static int digest_file(const char *path, char out[80])
{
	unsigned char md[32], buf[65536];
	unsigned int n = 0;
	EVP_MD_CTX *c;
	ssize_t k;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	c = EVP_MD_CTX_new();
	EVP_DigestInit_ex(c, EVP_sha256(), NULL);
	while ((k = read(fd, buf, sizeof(buf))) > 0)
		EVP_DigestUpdate(c, buf, k);
	close(fd);
	EVP_DigestFinal_ex(c, md, &n);
	EVP_MD_CTX_free(c);
	if (k < 0)
		return -EIO;
	strcpy(out, "sha256:");
	for (unsigned int i = 0; i < n; i++)
		sprintf(out + 7 + 2 * i, "%02x", md[i]);
	return 0;
}

/* A file of the archive by its name inside it, checked to stay inside. */
static int arch_path(struct load *l, const char *rel, char *buf, size_t size)
{
	if (!rel || !*rel || rel[0] == '/' || strstr(rel, ".."))
		return err__set(l->e, EINVAL, "archive: bad file name \"%s\"", rel ?: "");
	snprintf(buf, size, "%s/%s", l->x, rel);
	return 0;
}

static int read_json(struct load *l, const char *rel, json_t **out, char **text, size_t *len)
{
	char path[4400];
	json_error_t je;
	uint8_t *buf;
	size_t n;
	int r;

	r = arch_path(l, rel, path, sizeof(path));
	if (r < 0)
		return r;
	r = util__read_file(path, ARCHIVE_JSON_MAX, &buf, &n);
	if (r < 0)
		return err__sys(l->e, -r, "archive: %s", rel);
	*out = json_loadb((const char *)buf, n, 0, &je);
	if (!*out) {
		free(buf);
		return err__set(l->e, EINVAL, "archive: %s: %s", rel, je.text);
	}
	if (text) {
		*text = (char *)buf;
		*len = n;
	} else {
		free(buf);
	}
	return 0;
}

/* Move an archive file into the stage as blob-<hex> after checking that
 * its content has the digest expected (NULL: whatever it is; out gets it). */
static int stage_file(struct load *l, const char *rel, const char *expect, char out[80])
{
	char path[4400], to[4200];
	int r;

	r = arch_path(l, rel, path, sizeof(path));
	if (r < 0)
		return r;
	r = digest_file(path, out);
	if (r < 0)
		return err__sys(l->e, -r, "archive: %s", rel);
	if (expect && strcmp(out, expect))
		return err__set(l->e, EIO, "archive: %s: digest mismatch: %s, expected %s", rel,
				out, expect);
	snprintf(to, sizeof(to), "%s/blob-%s", l->st.path, out + 7);
	if (access(to, F_OK) == 0)
		return 0;
	if (link(path, to) < 0)
		return err__sys(l->e, errno, "archive: %s", rel);
	return 0;
}

static int stage_layer(struct load *l, const char *blob, const char *diff_id, int idx)
{
	char path[4200], dir[4200], got[80];
	uint64_t size;
	int fd, r;

	snprintf(dir, sizeof(dir), "%s/layer-%s", l->st.path, diff_id + 7);
	/* An existing layer needs no unpacking, unless the blob is new to
	 * the store: then it must still be shown to match the diff_id. */
	if ((store__has_layer(l->s, diff_id) && store__has_blob(l->s, blob)) ||
	    access(dir, F_OK) == 0)
		return 0;
	snprintf(dir, sizeof(dir), "%s/unpack-%d", l->st.path, idx);
	snprintf(path, sizeof(path), "%s/blob-%s", l->st.path, blob + 7);
	if (mkdir(dir, 0755) < 0)
		return err__sys(l->e, errno, "mkdir %s", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err__sys(l->e, errno, "layer %.19s", blob);
	r = layer__unpack(fd, dir, -1, got, &size, l->e);
	close(fd);
	if (r < 0)
		return err__wrap(l->e, "layer %.19s", blob);
	if (strcmp(got, diff_id))
		return err__set(l->e, EIO, "layer %.19s: diff_id mismatch: %s, config says %s",
				blob, got, diff_id);
	char to[4200];

	snprintf(to, sizeof(to), "%s/layer-%s", l->st.path, diff_id + 7);
	if (rename(dir, to) < 0)
		return err__sys(l->e, errno, "rename %s", dir);
	return 0;
}

/* Commit an image (its blobs and layers staged) under each of names. */
static int commit_names(struct load *l, const char *mdigest, const char *mtype,
			const char *cfg_digest, json_t *config, const char **blobs, size_t nb,
			json_t *names)
{
	size_t n = json_array_size(names), i;
	char line[800], canon[700];
	int r = 0;

	for (i = 0; i < (n ? n : 1) && !r; i++) {
		const char *name = json_string_value(json_array_get(names, i));
		struct img_ref ref;

		canon[0] = '\0';
		if (name) {
			r = img__parse_ref(name, &ref, l->e);
			if (r < 0)
				return err__wrap(l->e, "archive: image name");
			img__ref_name(&ref, canon, sizeof(canon));
		}
		struct img_commit c = {
			.manifest_digest = mdigest,
			.manifest_type = mtype,
			.config_digest = cfg_digest,
			.config = config,
			.blobs = blobs,
			.nblobs = nb,
			.name = name ? canon : NULL,
		};
		r = store__commit(l->s, &l->st, &c, l->e);
		if (!r && l->report) {
			char fam[700];

			if (name) {
				ref__familiar(canon, fam, sizeof(fam));
				snprintf(line, sizeof(line), "Loaded image: %s", fam);
			} else {
				snprintf(line, sizeof(line), "Loaded image ID: %s", cfg_digest);
			}
			l->report(l->ctx, line);
		}
	}
	return r;
}

/* Check and stage config and layers listed by a manifest; commit. */
static int load_image(struct load *l, const char *mdigest, const char *mtype, json_t *manifest,
		      json_t *names)
{
	const char *blobs[MAX_IMAGE_LAYERS + 2], *cfg_digest;
	json_t *config = NULL, *layers = json_object_get(manifest, "layers"), *diff_ids, *x;
	char rel[100], got[80];
	size_t nb = 0, i;
	int r;

	cfg_digest =
		json_string_value(json_object_get(json_object_get(manifest, "config"), "digest"));
	if (!cfg_digest || !digest__valid(cfg_digest) || !json_is_array(layers) ||
	    json_array_size(layers) > MAX_IMAGE_LAYERS)
		return err__set(l->e, EINVAL, "archive: manifest %.19s: bad config or layers",
				mdigest);
	snprintf(rel, sizeof(rel), "blobs/sha256/%s", cfg_digest + 7);
	r = stage_file(l, rel, cfg_digest, got);
	if (r < 0)
		return r;
	r = read_json(l, rel, &config, NULL, NULL);
	if (r < 0)
		return r;
	diff_ids = json_object_get(json_object_get(config, "rootfs"), "diff_ids");
	if (json_array_size(diff_ids) != json_array_size(layers)) {
		r = err__set(l->e, EINVAL, "archive: config and manifest disagree on layers");
		goto out;
	}
	blobs[nb++] = mdigest;
	blobs[nb++] = cfg_digest;
	json_array_foreach(layers, i, x)
	{
		const char *d = json_string_value(json_object_get(x, "digest"));
		const char *di = json_string_value(json_array_get(diff_ids, i));

		if (!d || !digest__valid(d) || !di || !digest__valid(di)) {
			r = err__set(l->e, EINVAL, "archive: bad layer digest");
			goto out;
		}
		snprintf(rel, sizeof(rel), "blobs/sha256/%s", d + 7);
		r = stage_file(l, rel, d, got);
		if (!r)
			r = stage_layer(l, d, di, (int)i);
		if (r < 0)
			goto out;
		blobs[nb++] = d;
	}
	r = commit_names(l, mdigest, mtype, cfg_digest, config, blobs, nb, names);
out:
	json_decref(config);
	return r;
}

static json_t *names_of(json_t *desc)
{
	json_t *ann = json_object_get(desc, "annotations"), *names = json_array();
	const char *n = json_string_value(json_object_get(ann, CONTAINERD_NAME));

	if (!n)
		n = json_string_value(json_object_get(ann, REF_NAME_ANN));
	/* A bare tag ("latest") names no repository: the image loads untagged. */
	if (n && (strchr(n, '/') || strchr(n, ':') || strchr(n, '@')))
		json_array_append_new(names, json_string(n));
	return names;
}

static int load_oci(struct load *l, json_t *index, int depth)
{
	json_t *m;
	size_t i;
	int r = 0, loaded = 0;

	json_array_foreach(json_object_get(index, "manifests"), i, m)
	{
		const char *d = json_string_value(json_object_get(m, "digest"));
		const char *mt = json_string_value(json_object_get(m, "mediaType")) ?: "";
		json_t *inner = NULL, *names;
		char rel[100], got[80];

		if (!d || !digest__valid(d))
			return err__set(l->e, EINVAL, "archive: index.json: bad digest");
		json_t *pl = json_object_get(m, "platform");
		const char *arch = json_string_value(json_object_get(pl, "architecture"));

		if (arch && strcmp(arch, "amd64"))
			continue; /* another platform's image */
		snprintf(rel, sizeof(rel), "blobs/sha256/%s", d + 7);
		r = stage_file(l, rel, d, got);
		if (!r)
			r = read_json(l, rel, &inner, NULL, NULL);
		if (r < 0)
			return r;
		if (!strcmp(mt, IMG_MEDIA_OCI_INDEX) || !strcmp(mt, IMG_MEDIA_D2_LIST)) {
			r = depth < 2 ? load_oci(l, inner, depth + 1)
				      : err__set(l->e, EINVAL, "archive: indexes nested too deep");
		} else {
			names = names_of(m);
			r = load_image(l, d, *mt ? mt : IMG_MEDIA_OCI_MANIFEST, inner, names);
			json_decref(names);
		}
		json_decref(inner);
		if (r < 0)
			return r;
		loaded++;
	}
	if (!loaded)
		return err__set(l->e, ENOENT, "archive: no linux/amd64 image in index.json");
	return 0;
}

/* docker save: manifest.json lists Config, RepoTags and Layers by file name;
 * an OCI manifest is made for them (layers as their files are, gzip
 * detected by its magic). */
static int load_docker(struct load *l, json_t *list)
{
	json_t *img;
	size_t i;
	int r = 0;

	if (!json_is_array(list) || !json_array_size(list))
		return err__set(l->e, EINVAL, "archive: manifest.json lists no image");
	json_array_foreach(list, i, img)
	{
		json_t *layers = json_object_get(img, "Layers"), *x, *man, *descs;
		char cfg[80], man_digest[80], got[80];
		char *text;
		size_t j;

		r = stage_file(l, json_string_value(json_object_get(img, "Config")), NULL, cfg);
		if (r < 0)
			return r;
		descs = json_array();
		json_array_foreach(layers, j, x)
		{
			char path[4400];
			unsigned char magic[2] = { 0 };
			struct stat st;
			int fd;

			r = stage_file(l, json_string_value(x), NULL, got);
			if (r < 0)
				break;
			arch_path(l, json_string_value(x), path, sizeof(path));
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd >= 0) {
				(void)!read(fd, magic, 2);
				fstat(fd, &st);
				close(fd);
			}
			json_array_append_new(descs, json_pack("{s:s,s:s,s:I}", "mediaType",
							       magic[0] == 0x1f && magic[1] == 0x8b
								       ? IMG_MEDIA_OCI_LAYER_GZ
								       : IMG_MEDIA_OCI_LAYER,
							       "digest", got, "size",
							       (json_int_t)st.st_size));
		}
		if (r < 0) {
			json_decref(descs);
			return r;
		}
		char cpath[4400];
		struct stat cst;

		arch_path(l, json_string_value(json_object_get(img, "Config")), cpath,
			  sizeof(cpath));
		stat(cpath, &cst);
		man = json_pack("{s:i,s:s,s:{s:s,s:s,s:I},s:o}", "schemaVersion", 2, "mediaType",
				IMG_MEDIA_OCI_MANIFEST, "config", "mediaType", IMG_MEDIA_OCI_CONFIG,
				"digest", cfg, "size", (json_int_t)cst.st_size, "layers", descs);
		text = json_dumps(man, JSON_COMPACT);
		r = text ? stage__put_blob(&l->st, text, strlen(text), man_digest, l->e)
			 : err__set(l->e, ENOMEM, "out of memory");
		free(text);
		if (!r) {
			/* load_image reads blobs from the archive directory: put the
			 * made-up manifest's layer files there under their digests. */
			json_t *d;

			json_array_foreach(descs, j, d)
			{
				char from[4200], to[4400];
				const char *dg = json_string_value(json_object_get(d, "digest"));

				snprintf(from, sizeof(from), "%s/blob-%s", l->st.path, dg + 7);
				snprintf(to, sizeof(to), "%s/blobs", l->x);
				mkdir(to, 0755);
				snprintf(to, sizeof(to), "%s/blobs/sha256", l->x);
				mkdir(to, 0755);
				snprintf(to, sizeof(to), "%s/blobs/sha256/%s", l->x, dg + 7);
				if (access(to, F_OK) && link(from, to) < 0 && errno != EEXIST)
					r = err__sys(l->e, errno, "archive: %s", to);
			}
			char from[4200], to[4400];

			snprintf(from, sizeof(from), "%s/blob-%s", l->st.path, cfg + 7);
			snprintf(to, sizeof(to), "%s/blobs/sha256/%s", l->x, cfg + 7);
			if (!r && access(to, F_OK) && link(from, to) < 0)
				r = err__sys(l->e, errno, "archive: %s", to);
		}
		if (!r)
			r = load_image(l, man_digest, IMG_MEDIA_OCI_MANIFEST, man,
				       json_object_get(img, "RepoTags"));
		json_decref(man);
		if (r < 0)
			return r;
	}
	return 0;
}

int img__load(struct img_store *s, int fd, img_report_fn report, void *ctx, struct err *e)
{
	struct load l = { .s = s, .st = { .lockfd = -1 }, .report = report, .ctx = ctx, .e = e };
	char path[4400];
	json_t *j = NULL;
	int r;

	r = stage__begin(s, &l.st, e);
	if (r < 0)
		return r;
	snprintf(l.x, sizeof(l.x), "%s/archive", l.st.path);
	if (mkdir(l.x, 0755) < 0) {
		r = err__sys(e, errno, "mkdir %s", l.x);
		goto out;
	}
	r = extract(&l, fd);
	if (r < 0)
		goto out;
	/* docker 25+ writes both; the OCI index names the images better. */
	snprintf(path, sizeof(path), "%s/index.json", l.x);
	if (access(path, F_OK) == 0) {
		r = read_json(&l, "index.json", &j, NULL, NULL);
		if (!r)
			r = load_oci(&l, j, 0);
	} else {
		snprintf(path, sizeof(path), "%s/manifest.json", l.x);
		if (access(path, F_OK) < 0) {
			r = err__set(e, EINVAL,
				     "not an image archive: no index.json or manifest.json in it");
			goto out;
		}
		r = read_json(&l, "manifest.json", &j, NULL, NULL);
		if (!r)
			r = load_docker(&l, j);
	}
out:
	json_decref(j);
	stage__end(&l.st);
	return r;
}
