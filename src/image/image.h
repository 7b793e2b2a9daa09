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
};

/* Find a local image by name ("ubuntu", "ubuntu:22.04", full names), by ID
 * or unique ID prefix. -ENOENT if there is none. */
int img__lookup(struct img_store *s, const char *name, struct img_info *out, struct err *e);
void img__info_free(struct img_info *info);

/* Containers hold the images they were created from: an image in use
 * cannot be removed (rmi says so) and its layers stay. */
int img__hold(struct img_store *s, const char *image_id, const char *holder, struct err *e);
int img__release(struct img_store *s, const char *image_id, const char *holder, struct err *e);

#endif
