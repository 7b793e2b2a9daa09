/* auth.c - registry authentication without the network: WWW-Authenticate
 * challenges and the credentials file ROOT/auth.json. */
#include "image/registry.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define AUTH_FILE "auth.json"

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* RFC 7230 token characters, enough for scheme and parameter names. */
static int is_tchar(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       strchr("!#$%&'*+-.^_`|~", ch);
}

/* Reads a token or a quoted string (backslash escapes) into buf. */
static const char *read_value(const char *p, char *buf, size_t size)
{
	size_t n = 0;

	if (*p == '"') {
		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' && p[1])
				p++;
			if (n + 1 < size)
				buf[n++] = *p;
		}
		if (*p != '"')
			return NULL;
		p++;
	} else {
		for (; *p && *p != ',' && *p != ' ' && *p != '\t'; p++)
			if (n + 1 < size)
				buf[n++] = *p;
	}
	buf[n] = '\0';
	return p;
}

/* Parses "name=value" pairs after a scheme, stopping at the next scheme
 * (a token not followed by '='). Returns where it stopped. */
static const char *read_params(const char *p, struct reg_challenge *c, int *bad)
{
	char name[32], val[512];

	for (;;) {
		const char *start;
		size_t n = 0;

		p = skip_ws(p);
		while (*p == ',')
			p = skip_ws(p + 1);
		start = p;
		while (is_tchar(*p) && *p)
			if (n + 1 < sizeof(name))
				name[n++] = *p++;
			else
				p++;
		name[n] = '\0';
		p = skip_ws(p);
		if (!n || *p != '=')
			return start; /* end, or the next challenge's scheme */
		p = read_value(skip_ws(p + 1), val, sizeof(val));
		if (!p) {
			*bad = 1;
			return "";
		}
		if (!strcasecmp(name, "realm"))
			snprintf(c->realm, sizeof(c->realm), "%s", val);
		else if (!strcasecmp(name, "service"))
			snprintf(c->service, sizeof(c->service), "%.255s", val);
		else if (!strcasecmp(name, "scope"))
			snprintf(c->scope, sizeof(c->scope), "%s", val);
	}
}

int reg__parse_challenge(const char *value, struct reg_challenge *c)
{
	const char *p = value;

	while (*(p = skip_ws(p))) {
		char scheme[16];
		size_t n = 0;
		int bad = 0;

		memset(c, 0, sizeof(*c));
		while (is_tchar(*p) && *p)
			if (n + 1 < sizeof(scheme))
				scheme[n++] = *p++;
			else
				p++;
		scheme[n] = '\0';
		if (!n)
			return -EINVAL;
		p = read_params(p, c, &bad);
		if (bad)
			return -EINVAL;
		if (!strcasecmp(scheme, "Basic") || !strcasecmp(scheme, "Bearer")) {
			/* Normalised so callers can strcmp. */
			snprintf(c->scheme, sizeof(c->scheme), "%s",
				 !strcasecmp(scheme, "Basic") ? "Basic" : "Bearer");
			if (!strcmp(c->scheme, "Bearer") && !c->realm[0])
				return -EINVAL; /* nowhere to get a token */
			return 0;
		}
	}
	return -EINVAL;
}

void reg__host_key(const char *registry, char *buf, size_t size)
{
	const char *p = registry, *end;

	if (!strncmp(p, "https://", 8))
		p += 8;
	else if (!strncmp(p, "http://", 7))
		p += 7;
	end = strchr(p, '/');
	if (!end)
		end = p + strlen(p);
	snprintf(buf, size, "%.*s", (int)(end - p), p);
	if (!strcmp(buf, "index.docker.io") || !strcmp(buf, "registry-1.docker.io"))
		snprintf(buf, size, "docker.io");
}

static void auth_path(const char *root, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s", root ? root : IMG_DEFAULT_ROOT, AUTH_FILE);
}

/* The whole file, or a fresh {"auths": {}} when it does not exist. */
static int auth_read(const char *root, json_t **out, struct err *e)
{
	char path[4096];
	json_error_t je;
	json_t *j;

	auth_path(root, path, sizeof(path));
	if (access(path, F_OK) && errno == ENOENT) {
		*out = json_pack("{s:{}}", "auths");
		return *out ? 0 : err__set(e, ENOMEM, "out of memory");
	}
	j = json_load_file(path, 0, &je);
	if (!j)
		return err__set(e, EINVAL, "%s: %s (line %d)", path, je.text, je.line);
	if (!json_is_object(json_object_get(j, "auths")) &&
	    json_object_set_new(j, "auths", json_object())) {
		json_decref(j);
		return err__set(e, ENOMEM, "out of memory");
	}
	*out = j;
	return 0;
}

static int split_auth(const char *b64, char **user, char **pass)
{
	size_t n = strlen(b64);
	unsigned char *raw = malloc(n / 4 * 3 + 4);
	int len;
	char *colon;

	if (!raw)
		return -ENOMEM;
	len = EVP_DecodeBlock(raw, (const unsigned char *)b64, (int)n);
	if (len < 0) {
		free(raw);
		return -EINVAL;
	}
	/* EVP_DecodeBlock counts '=' padding as zero bytes; drop them. */
	while (n && b64[n - 1] == '=' && len > 0) {
		n--;
		len--;
	}
	raw[len] = '\0';
	colon = strchr((char *)raw, ':');
	if (!colon) {
		free(raw);
		return -EINVAL;
	}
	*colon = '\0';
	*user = strdup((char *)raw);
	*pass = strdup(colon + 1);
	free(raw);
	if (!*user || !*pass) {
		free(*user);
		free(*pass);
		return -ENOMEM;
	}
	return 0;
}

int reg__auth_load(const char *root, const char *registry, char **user, char **pass, struct err *e)
{
	char key[256];
	json_t *j, *entry;
	const char *b64;
	int rc;

	*user = *pass = NULL;
	rc = auth_read(root, &j, e);
	if (rc)
		return rc;
	reg__host_key(registry, key, sizeof(key));
	entry = json_object_get(json_object_get(j, "auths"), key);
	b64 = json_string_value(json_object_get(entry, "auth"));
	if (!b64) {
		json_decref(j);
		return -ENOENT; /* not an error: anonymous access */
	}
	rc = split_auth(b64, user, pass);
	json_decref(j);
	if (rc)
		return err__set(e, -rc, "credentials for %s in %s: malformed; run vmkit login %s",
				key, AUTH_FILE, key);
	return 0;
}

/* Written to a temporary file created 0600 and renamed over the old one, so
 * the secret is never readable by others and a crash leaves either file. */
static int auth_write(const char *root, json_t *j, struct err *e)
{
	char path[4096], tmp[4200];
	const char *dir = root ? root : IMG_DEFAULT_ROOT;
	int fd;

	if (mkdir(dir, 0700) && errno != EEXIST)
		return err__sys(e, errno, "%s", dir);
	auth_path(root, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return err__sys(e, errno, "%s", tmp);
	if (json_dumpfd(j, fd, JSON_INDENT(2)) || write(fd, "\n", 1) != 1 || fsync(fd)) {
		int saved = errno ? errno : EIO;

		close(fd);
		unlink(tmp);
		return err__sys(e, saved, "%s", tmp);
	}
	close(fd);
	if (rename(tmp, path)) {
		int saved = errno;

		unlink(tmp);
		return err__sys(e, saved, "%s", path);
	}
	return 0;
}

int reg__auth_store(const char *root, const char *registry, const char *user, const char *pass,
		    struct err *e)
{
	char key[256], *plain, *b64;
	size_t n;
	json_t *j;
	int rc;

	rc = auth_read(root, &j, e);
	if (rc)
		return rc;
	reg__host_key(registry, key, sizeof(key));
	n = strlen(user) + 1 + strlen(pass);
	plain = malloc(n + 1);
	b64 = malloc((n + 2) / 3 * 4 + 1);
	if (!plain || !b64) {
		rc = err__set(e, ENOMEM, "out of memory");
		goto out;
	}
	snprintf(plain, n + 1, "%s:%s", user, pass);
	EVP_EncodeBlock((unsigned char *)b64, (unsigned char *)plain, (int)n);
	if (json_object_set_new(json_object_get(j, "auths"), key,
				json_pack("{s:s}", "auth", b64))) {
		rc = err__set(e, ENOMEM, "out of memory");
		goto out;
	}
	rc = auth_write(root, j, e);
out:
	if (plain)
		explicit_bzero(plain, n);
	free(plain);
	free(b64);
	json_decref(j);
	return rc;
}

int reg__logout(const char *root, const char *registry, struct err *e)
{
	char key[256];
	json_t *j, *auths;
	int rc;

	rc = auth_read(root, &j, e);
	if (rc)
		return rc;
	reg__host_key(registry, key, sizeof(key));
	auths = json_object_get(j, "auths");
	if (!json_object_get(auths, key)) {
		json_decref(j);
		return err__set(e, ENOENT, "not logged in to %s", key);
	}
	json_object_del(auths, key);
	rc = auth_write(root, j, e);
	json_decref(j);
	return rc;
}
