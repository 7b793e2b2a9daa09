/* image.h - the image store: OCI/Docker images pulled from registries,
 * imported from tarballs or loaded from OCI archives, kept under
 * ROOT/images (content-addressed blobs, unpacked layers shared between
 * images). The container room asks it for an image's layers and config.
 *
 * Library code: every fallible call returns a negative errno and fills a
 * struct err; only the CLI prints. */
#ifndef VMKIT_IMAGE_IMAGE_H
#define VMKIT_IMAGE_IMAGE_H

#include "common/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IMG_DEFAULT_ROOT "/var/lib/vmkit"

struct img_store;

/* Open (creating if needed) the store under root (IMG_DEFAULT_ROOT if NULL). */
int img_store__open(const char *root, struct img_store **out, struct err *e);
void img_store__close(struct img_store *s);

/* A reference as Docker reads it: "ubuntu" is docker.io/library/ubuntu:latest;
 * "localhost:5000/a/b@sha256:..." keeps its registry and digest. */
struct img_ref {
	char registry[256]; /* "registry-1.docker.io" for docker.io */
	char repo[256];     /* "library/ubuntu" */
	char tag[128];      /* "latest" unless a digest alone was given */
	char digest[80];    /* "sha256:<64 hex>" or "" */
};
int img__parse_ref(const char *s, struct img_ref *r, struct err *e);
/* The canonical display name: "docker.io/library/ubuntu:latest". */
void img__ref_name(const struct img_ref *r, char *buf, size_t size);

/* What a container needs from an image (OCI image-spec config.json,
 * "config" section): NULL-terminated string vectors, NULL when unset. */
struct img_config {
	char **entrypoint;
	char **cmd;
	char **env; /* "K=V" */
	char *workdir;
	char *user;           /* "uid[:gid]" or a name */
	char **exposed_ports; /* "80/tcp" */
	char **volumes;
};

struct img_info {
	char id[80];    /* the config digest, "sha256:..." */
	char name[512]; /* the name it was looked up by, canonical */
	char **layers;  /* unpacked layer directories, bottom first; NULL-terminated */
	int nlayers;
	struct img_config config;
	uint64_t size;   /* bytes of its layers, unpacked */
	int64_t created; /* seconds since the epoch, from the config */
	/* Added for inspect and images: NULL-terminated, familiar names
	 * ("ubuntu:latest", "localhost:5000/a/b:1"), possibly empty. */
	char **repo_tags;
	char **repo_digests; /* "ubuntu@sha256:..." for pulled images */
	char **diff_ids;     /* "sha256:...", bottom first, as rootfs.diff_ids */
	char manifest[80];   /* the manifest's digest */
	char *config_json;   /* the whole config blob, as stored */
};

/* Find a local image by name ("ubuntu", "ubuntu:22.04", full names), by ID
 * or unique ID prefix. -ENOENT if there is none. */
int img__lookup(struct img_store *s, const char *name, struct img_info *out, struct err *e);
void img__info_free(struct img_info *info);

/* Containers hold the images they were created from: an image in use
 * cannot be removed (rmi says so) and its layers stay. */
int img__hold(struct img_store *s, const char *image_id, const char *holder, struct err *e);
int img__release(struct img_store *s, const char *image_id, const char *holder, struct err *e);

/* Every image, newest first (name left empty). */
int img__list(struct img_store *s, struct img_info **out, size_t *n, struct err *e);
void img__list_free(struct img_info *list, size_t n);

/* Commands report what they did a line at a time ("Untagged: busybox:latest",
 * "Deleted: sha256:...", "Loaded image: busybox:latest"). */
typedef void (*img_report_fn)(void *ctx, const char *line);

/* rmi: a name untags (and removes the image once no name is left); an ID
 * removes the image with all its names, which needs force if it has more
 * than one. A held image keeps its content: refused unless force, and
 * then only untagged. Layers and blobs no image needs are removed. */
int img__remove(struct img_store *s, const char *name, bool force, img_report_fn report, void *ctx,
		struct err *e);

/* import: a root filesystem tarball (plain, gzip, zstd, ...) read from fd
 * becomes a one-layer image named name; its ID in id. */
int img__import(struct img_store *s, int fd, const char *name, char id[80], struct err *e);

/* pull from a registry. */
struct img_pull_opts {
	bool tls_verify; /* false: --tls-verify=false */
	bool quiet;      /* no progress at all */
	bool tty;        /* progress lines updated in place (stderr is a terminal) */
	int progress_fd; /* where progress goes (2) */
	const char *username, *password;
	img_report_fn report; /* status lines ("Digest: ...", "Status: ..."), or NULL */
	void *report_ctx;
};
int img__pull(struct img_store *s, const char *name, const struct img_pull_opts *o, char id[80],
	      struct err *e);

/* save: images (names or IDs) as an OCI image layout in a tar archive, with
 * a Docker manifest.json too, written to fd. */
int img__save(struct img_store *s, char *const *names, size_t n, int fd, struct err *e);

/* load: an OCI archive or a docker-save tarball read from fd. */
int img__load(struct img_store *s, int fd, img_report_fn report, void *ctx, struct err *e);

#endif
