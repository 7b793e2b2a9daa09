/* catalog.c - finding, listing, holding and removing images in the store's
 * index, and collecting the layers and blobs no image needs any more.
 *
 * Index entry of an image (index.json "images", keyed by its ID, the config
 * digest): manifest, manifest_type, diff_ids, blobs (every blob it needs),
 * names (canonical "docker.io/library/busybox:latest"), repo_digests,
 * holds (containers), created, size, added. */
#include "image/store_int.h"

#include "common/util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

static char **strv_new(size_t n)
{
	return calloc(n + 1, sizeof(char *));
}

static void strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

/* A JSON array of strings (or object keys, for ExposedPorts/Volumes) as a
 * NULL-terminated vector; NULL when absent. */
static char **strv_from_json(json_t *j, bool keys)
{
	char **v = NULL;
	size_t n = 0, i;
	const char *k;
	json_t *x;

	if (keys && json_is_object(j)) {
		v = strv_new(json_object_size(j));
		json_object_foreach(j, k, x) if (v) v[n++] = strdup(k);
	} else if (!keys && json_is_array(j)) {
		v = strv_new(json_array_size(j));
		json_array_foreach(j, i, x) if (v && json_is_string(x)) v[n++] =
			strdup(json_string_value(x));
	}
	return v;
}

static char *str_or_null(json_t *j)
{
	const char *s = json_string_value(j);

	return s && *s ? strdup(s) : NULL;
}

static void familiar_v(char **v)
{
	char buf[600];

	for (; v && *v; v++) {
		ref__familiar(*v, buf, sizeof(buf));
		free(*v);
		*v = strdup(buf);
	}
}

/* Fill out from the index entry img and its config blob. */
static int fill_info(struct img_store *s, const char *id, json_t *img, struct img_info *out,
		     struct err *e)
{
	json_t *cfg = NULL, *c, *diff_ids = json_object_get(img, "diff_ids");
	json_error_t je;
	size_t len, i;
	char *text;
	json_t *v;
	int r;

	memset(out, 0, sizeof(*out));
	snprintf(out->id, sizeof(out->id), "%s", id);
	snprintf(out->manifest, sizeof(out->manifest), "%s",
		 json_string_value(json_object_get(img, "manifest")) ?: "");
	r = store__read_blob(s, id, &text, &len, e);
	if (r < 0)
		return err__wrap(e, "image %.19s config", id + 7);
	cfg = json_loadb(text, len, 0, &je);
	if (!cfg) {
		free(text);
		return err__set(e, EIO, "image %.19s: config: %s", id + 7, je.text);
	}
	out->config_json = text;
	out->nlayers = (int)json_array_size(diff_ids);
	out->layers = strv_new(out->nlayers);
	out->diff_ids = strv_from_json(diff_ids, false);
	json_array_foreach(diff_ids, i,
			   v) if (out->layers && asprintf(&out->layers[i], "%s/layers/%s", s->root,
							  json_string_value(v) + 7) < 0)
		out->layers[i] = NULL;
	c = json_object_get(cfg, "config");
	out->config.entrypoint = strv_from_json(json_object_get(c, "Entrypoint"), false);
	out->config.cmd = strv_from_json(json_object_get(c, "Cmd"), false);
	out->config.env = strv_from_json(json_object_get(c, "Env"), false);
	out->config.workdir = str_or_null(json_object_get(c, "WorkingDir"));
	out->config.user = str_or_null(json_object_get(c, "User"));
	out->config.exposed_ports = strv_from_json(json_object_get(c, "ExposedPorts"), true);
	out->config.volumes = strv_from_json(json_object_get(c, "Volumes"), true);
	out->size = json_integer_value(json_object_get(img, "size"));
	out->created = json_integer_value(json_object_get(img, "created"));
	out->repo_tags = strv_from_json(json_object_get(img, "names"), false);
	familiar_v(out->repo_tags);
	out->repo_digests = strv_from_json(json_object_get(img, "repo_digests"), false);
	familiar_v(out->repo_digests);
	json_decref(cfg);
	if (!out->layers || !out->diff_ids || !out->repo_tags || !out->repo_digests) {
		img__info_free(out);
		return err__set(e, ENOMEM, "out of memory");
	}
	return 0;
}

void img__info_free(struct img_info *info)
{
	if (!info)
		return;
	strv_free(info->layers);
	strv_free(info->config.entrypoint);
	strv_free(info->config.cmd);
	strv_free(info->config.env);
	free(info->config.workdir);
	free(info->config.user);
	strv_free(info->config.exposed_ports);
	strv_free(info->config.volumes);
	strv_free(info->repo_tags);
	strv_free(info->repo_digests);
	strv_free(info->diff_ids);
	free(info->config_json);
	memset(info, 0, sizeof(*info));
}

static bool is_hex(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s) && !(*s >= 'a' && *s <= 'f'))
			return false;
	return true;
}

/* Resolve name (a reference, "sha256:<hex>" or an ID prefix) in idx.
 * *by_id tells which it was; canon gets the canonical reference. */
static int resolve(json_t *idx, const char *name, const char **id_out, json_t **img_out,
		   bool *by_id, char canon[600], struct err *e)
{
	json_t *images = json_object_get(idx, "images"), *img;
	const char *id, *hex = name, *found = NULL;
	struct img_ref ref;
	struct err ignore;

	*by_id = false;
	canon[0] = '\0';
	if (img__parse_ref(name, &ref, &ignore) == 0) {
		img__ref_name(&ref, canon, 600);
		char key[600];

		if (ref.digest[0]) {
			/* name:tag@digest is matched as name@digest, as docker does */
			struct img_ref bare = ref;

			bare.tag[0] = '\0';
			img__ref_name(&bare, key, sizeof(key));
		} else {
			snprintf(key, sizeof(key), "%s", canon);
		}
		json_object_foreach(images, id, img)
		{
			json_t *where =
				json_object_get(img, ref.digest[0] ? "repo_digests" : "names");

			if (store__json_has(where, key)) {
				*id_out = id;
				*img_out = img;
				snprintf(canon, 600, "%s", key);
				return 0;
			}
		}
	}
	if (!strncmp(hex, "sha256:", 7))
		hex += 7;
	if (is_hex(hex) && strlen(hex) <= 64) {
		json_object_foreach(images, id, img)
		{
			if (strncmp(id + 7, hex, strlen(hex)))
				continue;
			if (found)
				return err__set(e, EINVAL, "%s: ambiguous image ID prefix", name);
			found = id;
			*img_out = img;
		}
		if (found) {
			*id_out = found;
			*by_id = true;
			return 0;
		}
	}
	return err__set(e, ENOENT, "No such image: %s", name);
}

int img__lookup(struct img_store *s, const char *name, struct img_info *out, struct err *e)
{
	char canon[600];
	const char *id;
	json_t *idx, *img;
	bool by_id;
	int r;

	memset(out, 0, sizeof(*out));
	r = store__lock(s, false, e);
	if (r < 0)
		return r;
	r = index__load(s, &idx, e);
	if (r < 0)
		goto out;
	r = resolve(idx, name, &id, &img, &by_id, canon, e);
	if (!r)
		r = fill_info(s, id, img, out, e);
	if (!r) {
		const char *nm = by_id ? id : canon;
		size_t n = strnlen(nm, sizeof(out->name) - 1);

		memcpy(out->name, nm, n);
		out->name[n] = '\0';
	}
	json_decref(idx);
out:
	store__unlock(s);
	return r;
}

static int by_created(const void *a, const void *b)
{
	const struct img_info *x = a, *y = b;

	return x->created < y->created ? 1 : x->created > y->created ? -1 : strcmp(x->id, y->id);
}

int img__list(struct img_store *s, struct img_info **out, size_t *n, struct err *e)
{
	struct img_info *list;
	const char *id;
	json_t *idx, *images, *img;
	size_t i = 0;
	int r;

	*out = NULL;
	*n = 0;
	r = store__lock(s, false, e);
	if (r < 0)
		return r;
	r = index__load(s, &idx, e);
	if (r < 0)
		goto out;
	images = json_object_get(idx, "images");
	list = calloc(json_object_size(images) + 1, sizeof(*list));
	if (!list) {
		r = err__set(e, ENOMEM, "out of memory");
		goto done;
	}
	json_object_foreach(images, id, img)
	{
		r = fill_info(s, id, img, &list[i], e);
		if (r < 0) {
			img__list_free(list, i);
			goto done;
		}
		i++;
	}
	qsort(list, i, sizeof(*list), by_created);
	*out = list;
	*n = i;
done:
	json_decref(idx);
out:
	store__unlock(s);
	return r;
}

void img__list_free(struct img_info *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		img__info_free(&list[i]);
	free(list);
}

/* Find an image by its exact ID ("sha256:<hex>" or the bare hex). */
static json_t *by_exact_id(json_t *idx, const char *image_id)
{
	char key[80];

	snprintf(key, sizeof(key), "%s%s", strncmp(image_id, "sha256:", 7) ? "sha256:" : "",
		 image_id);
	return json_object_get(json_object_get(idx, "images"), key);
}

static int change_hold(struct img_store *s, const char *image_id, const char *holder, bool add,
		       struct err *e)
{
	json_t *idx, *img, *holds;
	int r;

	r = store__lock(s, true, e);
	if (r < 0)
		return r;
	r = index__load(s, &idx, e);
	if (r < 0)
		goto out;
	img = by_exact_id(idx, image_id);
	if (!img) {
		r = add ? err__set(e, ENOENT, "No such image: %s", image_id) : 0;
		goto done;
	}
	holds = json_object_get(img, "holds");
	if (!json_is_array(holds)) {
		holds = json_array();
		json_object_set_new(img, "holds", holds);
	}
	if (add == store__json_has(holds, holder))
		goto done;
	if (add) {
		json_array_append_new(holds, json_string(holder));
	} else {
		for (size_t i = 0; i < json_array_size(holds); i++)
			if (!strcmp(json_string_value(json_array_get(holds, i)) ?: "", holder))
				json_array_remove(holds, i--);
	}
	r = index__save(s, idx, e);
done:
	json_decref(idx);
out:
	store__unlock(s);
	return r;
}

int img__hold(struct img_store *s, const char *image_id, const char *holder, struct err *e)
{
	return change_hold(s, image_id, holder, true, e);
}

int img__release(struct img_store *s, const char *image_id, const char *holder, struct err *e)
{
	return change_hold(s, image_id, holder, false, e);
}

/* Under the exclusive lock, after images were removed from idx: remove
 * layer directories and blobs no image names. Layer directories are moved
 * under tmp/ (where nothing holds them, so they count as stale) and deleted
 * by the caller after unlocking, keeping the lock short. */
static void collect(struct img_store *s, json_t *idx, struct img_stage *trash)
{
	json_t *images = json_object_get(idx, "images"), *img, *v, *layers;
	json_t *keep_l = json_object(), *keep_b = json_object();
	const char *id, *k;
	char from[4200], to[4200];
	struct dirent *d;
	size_t i;
	DIR *dir;
	int n = 0;

	json_object_foreach(images, id, img)
	{
		json_array_foreach(json_object_get(img, "diff_ids"), i, v)
			json_object_set(keep_l, json_string_value(v) + 7, json_true());
		json_array_foreach(json_object_get(img, "blobs"), i, v)
			json_object_set(keep_b, json_string_value(v) + 7, json_true());
	}
	layers = json_object_get(idx, "layers");
	void *tmp;
	json_object_foreach_safe(layers, tmp, k, v) if (!json_object_get(keep_l, k))
		json_object_del(layers, k);

	snprintf(from, sizeof(from), "%s/layers", s->root);
	if ((dir = opendir(from))) {
		while ((d = readdir(dir))) {
			if (d->d_name[0] == '.' || json_object_get(keep_l, d->d_name))
				continue;
			snprintf(from, sizeof(from), "%s/layers/%s", s->root, d->d_name);
			snprintf(to, sizeof(to), "%s/%d", trash->path, n++);
			if (trash->lockfd < 0 || rename(from, to) < 0)
				store__rmtree(from);
		}
		closedir(dir);
	}
	snprintf(from, sizeof(from), "%s/blobs/sha256", s->root);
	if ((dir = opendir(from))) {
		while ((d = readdir(dir))) {
			if (d->d_name[0] == '.' || json_object_get(keep_b, d->d_name))
				continue;
			snprintf(from, sizeof(from), "%s/blobs/sha256/%s", s->root, d->d_name);
			unlink(from);
		}
		closedir(dir);
	}
	json_decref(keep_l);
	json_decref(keep_b);
}

static void report_line(img_report_fn report, void *ctx, const char *what, const char *name)
{
	char buf[700], fam[600];

	if (!report)
		return;
	if (!strncmp(name, "sha256:", 7))
		snprintf(fam, sizeof(fam), "%s", name);
	else
		ref__familiar(name, fam, sizeof(fam));
	snprintf(buf, sizeof(buf), "%s: %s", what, fam);
	report(ctx, buf);
}

static int holder_conflict(json_t *img, const char *name, const char *id, struct err *e)
{
	const char *h = json_string_value(json_array_get(json_object_get(img, "holds"), 0));

	return err__set(e, EBUSY,
			"conflict: unable to remove %s (must force) - container %.12s is using "
			"image %.12s",
			name, h ?: "?", id + 7);
}

int img__remove(struct img_store *s, const char *name, bool force, img_report_fn report, void *ctx,
		struct err *e)
{
	struct img_stage trash = { .lockfd = -1 };
	char canon[600];
	const char *id;
	json_t *idx, *img, *names;
	bool by_id, held, drop;
	int r;

	r = store__lock(s, true, e);
	if (r < 0)
		return r;
	r = index__load(s, &idx, e);
	if (r < 0)
		goto out;
	r = resolve(idx, name, &id, &img, &by_id, canon, e);
	if (r < 0)
		goto done;
	names = json_object_get(img, "names");
	held = json_array_size(json_object_get(img, "holds")) > 0;
	if (by_id && json_array_size(names) > 1 && !force) {
		r = err__set(e, EBUSY,
			     "conflict: unable to delete %.12s (must be forced) - image is "
			     "referenced in multiple repositories",
			     id + 7);
		goto done;
	}
	if (held && !force && (by_id || json_array_size(names) <= 1)) {
		r = holder_conflict(img, name, id, e);
		goto done;
	}
	if (by_id) {
		for (size_t i = 0; i < json_array_size(names); i++)
			report_line(report, ctx, "Untagged",
				    json_string_value(json_array_get(names, i)));
		json_array_clear(names);
	} else {
		size_t i;
		json_t *v;

		json_array_foreach(names, i, v) if (!strcmp(json_string_value(v), canon)) break;
		if (i < json_array_size(names)) {
			report_line(report, ctx, "Untagged", canon);
			json_array_remove(names, i);
		}
		/* by digest: drop that repo digest */
		for (i = 0; i < json_array_size(json_object_get(img, "repo_digests")); i++) {
			const char *rd = json_string_value(
				json_array_get(json_object_get(img, "repo_digests"), i));

			if (rd && !strcmp(rd, canon)) {
				report_line(report, ctx, "Untagged", canon);
				json_array_remove(json_object_get(img, "repo_digests"), i);
				break;
			}
		}
	}
	drop = !held && (by_id || json_array_size(names) == 0);
	if (drop) {
		json_t *rd = json_object_get(img, "repo_digests"), *v;
		size_t i;
		char did[80];

		json_array_foreach(rd, i, v)
			report_line(report, ctx, "Untagged", json_string_value(v));

		snprintf(did, sizeof(did), "%s", id);
		json_object_del(json_object_get(idx, "images"), did);
		report_line(report, ctx, "Deleted", did);
	}
	r = index__save(s, idx, e);
	/* Files go only once the index no longer names them: a failed save
	 * leaves the image whole. */
	if (r == 0 && drop) {
		stage__begin(s, &trash, e); /* best effort: collect() copes without */
		err__clear(e);
		collect(s, idx, &trash);
	}
done:
	json_decref(idx);
out:
	store__unlock(s);
	stage__end(&trash);
	return r;
}
