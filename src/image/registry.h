/* registry.h - an OCI Distribution (Docker Registry HTTP API v2) client on
 * libcurl: manifests and blobs, anonymous, Basic and Bearer-token auth,
 * HTTPS with the system's CAs, plain HTTP for 127.0.0.0/8, ::1 and
 * localhost or when TLS verification is turned off. Knows nothing of the
 * store: pull.c drives it.
 *
 * Library code: fallible calls return a negative errno and fill a struct err
 * whose message a user can act on ("registry 127.0.0.1:5000: 401
 * unauthorized: run vmkit login 127.0.0.1:5000"). */
#ifndef VMKIT_IMAGE_REGISTRY_H
#define VMKIT_IMAGE_REGISTRY_H

#include "common/err.h"
#include "image/image.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct reg;

struct reg_opts {
	const char *root;                /* vmkit state dir: credentials from ROOT/auth.json */
	bool tls_verify;                 /* false: --tls-verify=false (also allows plain HTTP) */
	const char *username, *password; /* explicit credentials, or NULL */
};

/* One client per registry host (r->registry). */
int reg__open(const char *registry, const struct reg_opts *o, struct reg **out, struct err *e);
void reg__close(struct reg *r);

/* Fetch a manifest or an index by tag or digest. Accepts OCI and Docker
 * schema-2 manifests and lists. *body is malloc'd; media_type is the
 * Content-Type; digest is the sha256 of the body, checked against the
 * reference when one was given. -ENOENT for an unknown repo/tag. */
int reg__get_manifest(struct reg *r, const char *repo, const char *tag_or_digest, char **body,
		      size_t *len, char media_type[128], char digest[80], struct err *e);

/* Called as bytes arrive, for a progress display. */
typedef void (*reg_progress_fn)(void *ctx, uint64_t done, uint64_t total);

/* Stream a blob into fd, verifying its sha256 and size as it goes: a short
 * or corrupt blob is -EIO ("digest mismatch" / "short read") and fd's
 * contents must then be discarded. Follows redirects. size is the
 * descriptor's; REG_SIZE_UNKNOWN skips the size check (the digest is still
 * checked). */
#define REG_SIZE_UNKNOWN UINT64_MAX
int reg__get_blob(struct reg *r, const char *repo, const char *digest, uint64_t size, int fd,
		  reg_progress_fn progress, void *ctx, struct err *e);

/* Check credentials against the registry (GET /v2/ with them, following a
 * Bearer challenge) and store them in ROOT/auth.json (0600). */
int reg__login(const char *root, const char *registry, const char *username, const char *password,
	       bool tls_verify, struct err *e);
/* -ENOENT when there were no credentials for registry. */
int reg__logout(const char *root, const char *registry, struct err *e);

/* auth.c: the pieces of authentication that need no network. */

/* One parsed WWW-Authenticate challenge (RFC 7235; the Bearer parameters
 * are Docker's token spec: realm, service, scope). */
struct reg_challenge {
	char scheme[16]; /* "Basic" or "Bearer" */
	char realm[512];
	char service[256];
	char scope[512];
};
/* Parses the first Basic or Bearer challenge in a header value; -EINVAL
 * if there is none or it is malformed. */
int reg__parse_challenge(const char *value, struct reg_challenge *c);

/* The key credentials are stored under: the host[:port] without a scheme
 * or path, with docker.io, index.docker.io and registry-1.docker.io all
 * "docker.io". */
void reg__host_key(const char *registry, char *buf, size_t size);

/* ROOT/auth.json ({"auths": {"HOST": {"auth": base64("user:pass")}}}, as
 * Docker's config.json, mode 0600; root NULL is IMG_DEFAULT_ROOT).
 * reg__auth_load gives malloc'd strings, or -ENOENT when there are none. */
int reg__auth_load(const char *root, const char *registry, char **user, char **pass, struct err *e);
int reg__auth_store(const char *root, const char *registry, const char *user, const char *pass,
		    struct err *e);

#endif
