/* store_int.h - the image room's own interface between its files: the
 * store's layout, its lock and index, staging directories, blobs and layer
 * unpacking. Not for other rooms (they use image.h).
 *
 * Layout under ROOT/images:
 *   lock                   flock: shared to read the index, exclusive to change it
 *   index.json             every image (see store.c), replaced by rename
 *   blobs/sha256/<hex>     manifests, configs and layer blobs, as pulled
 *   layers/<diffid-hex>/   unpacked layers in overlayfs form
 *   tmp/<random>/          staging; a live owner holds tmp/<random>/.lock */
#ifndef VMKIT_IMAGE_STORE_INT_H
#define VMKIT_IMAGE_STORE_INT_H

#include "image/image.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define IMG_MEDIA_OCI_MANIFEST   "application/vnd.oci.image.manifest.v1+json"
#define IMG_MEDIA_OCI_INDEX      "application/vnd.oci.image.index.v1+json"
#define IMG_MEDIA_OCI_CONFIG     "application/vnd.oci.image.config.v1+json"
#define IMG_MEDIA_OCI_LAYER      "application/vnd.oci.image.layer.v1.tar"
#define IMG_MEDIA_OCI_LAYER_GZ   "application/vnd.oci.image.layer.v1.tar+gzip"
#define IMG_MEDIA_OCI_LAYER_ZSTD "application/vnd.oci.image.layer.v1.tar+zstd"
#define IMG_MEDIA_D2_MANIFEST    "application/vnd.docker.distribution.manifest.v2+json"
#define IMG_MEDIA_D2_LIST        "application/vnd.docker.distribution.manifest.list.v2+json"
#define IMG_MEDIA_D2_CONFIG      "application/vnd.docker.container.image.v1+json"
#define IMG_MEDIA_D2_LAYER       "application/vnd.docker.image.rootfs.diff.tar.gzip"

struct img_store {
	char *base; /* ROOT */
	char *root; /* ROOT/images */
	int dirfd;  /* ROOT/images */
	int lockfd; /* ROOT/images/lock */
	int locked; /* 0, LOCK_SH or LOCK_EX: the lock is not recursive */
};

/* A staging directory under tmp/, removed by stage__end (or by the next
 * img_store__open if its owner died). */
struct img_stage {
	char path[4096];
	int lockfd;
};

/* Whether the JSON array a holds the string s. */
bool store__json_has(json_t *a, const char *s);

int store__lock(struct img_store *s, bool exclusive, struct err *e);
void store__unlock(struct img_store *s);
int stage__begin(struct img_store *s, struct img_stage *st, struct err *e);
void stage__end(struct img_stage *st);

/* The index (a JSON object, "images": {id: image}); load and save under the lock. */
int index__load(struct img_store *s, json_t **out, struct err *e);
int index__save(struct img_store *s, json_t *index, struct err *e);

/* A new image to commit: its blobs and layer directories are in st. */
struct img_commit {
	const char *manifest_digest; /* blob in the store or in st as blob-<hex> */
	const char *manifest_type;
	const char *config_digest;
	json_t *config;     /* parsed config: created, rootfs.diff_ids */
	const char **blobs; /* every blob digest the image needs (manifest, config, layers) */
	size_t nblobs;
	const char *name;        /* canonical name to tag it with, or NULL */
	const char *repo_digest; /* "name@sha256:..." for pulled images, or NULL */
};
/* Move st's blob-<hex> files and layer-<hex> directories into place (any
 * already present are kept), check the image's blobs and layers are all
 * there, and record it (moving the name from any other image), under the
 * exclusive lock. */
int store__commit(struct img_store *s, struct img_stage *st, const struct img_commit *c,
		  struct err *e);

bool store__has_blob(struct img_store *s, const char *digest);
bool store__has_layer(struct img_store *s, const char *diff_id);
/* Path of a blob in the store ("ROOT/images/blobs/sha256/<hex>"). */
void store__blob_path(struct img_store *s, const char *digest, char *buf, size_t size);
/* Read a whole blob (manifest or config: small) and check its digest. */
int store__read_blob(struct img_store *s, const char *digest, char **buf, size_t *len,
		     struct err *e);

/* Digests: "sha256:<64 hex>". */
bool digest__valid(const char *d);
void digest__of(const void *buf, size_t len, char out[80]);
/* Write buf as st/blob-<hex>; its digest in out. */
int stage__put_blob(struct img_stage *st, const void *buf, size_t len, char out[80], struct err *e);

/* Unpack the tar stream read from fd (gzip, zstd or plain, detected) into
 * dir (which must exist and be empty) in overlayfs form, computing the
 * digest of the uncompressed tar (the diff_id) and the unpacked size. If
 * raw_fd >= 0 the uncompressed tar is also written there. */
int layer__unpack(int fd, const char *dir, int raw_fd, char diff_id[80], uint64_t *size,
		  struct err *e);

/* rm -rf, without following symlinks. */
int store__rmtree(const char *path);

/* Familiar form of a canonical name: "docker.io/library/ubuntu:latest" is
 * "ubuntu:latest". */
void ref__familiar(const char *canonical, char *buf, size_t size);

/* Seconds since the epoch from an RFC 3339 time ("2024-01-02T03:04:05.6Z"); 0 if bad. */
int64_t ref__parse_time(const char *s);

#endif
