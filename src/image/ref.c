/* ref.c - image references as Docker reads them (distribution/reference):
 * [DOMAIN/]PATH[:TAG][@DIGEST], where a first component holding '.' or ':'
 * (or "localhost", or upper case) is a registry and anything else lives on
 * Docker Hub, one-component names under library/. */
#include "image/image.h"
#include "image/store_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HUB_DOMAIN   "docker.io"
#define HUB_REGISTRY "registry-1.docker.io"

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* One path component: [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)* */
static bool component_ok(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t run = 0;

		while (i < n && is_lower_alnum(s[i]))
			i++, run++;
		if (!run)
			return false;
		if (i == n)
			return true;
		if (s[i] == '.') {
			i++;
		} else if (s[i] == '_') {
			i++;
			if (i < n && s[i] == '_')
				i++;
		} else if (s[i] == '-') {
			while (i < n && s[i] == '-')
				i++;
		} else {
			return false;
		}
		if (i == n)
			return false; /* a separator must be followed by more */
	}
	return false;
}

static bool path_ok(const char *s)
{
	const char *p = s;

	if (!*s)
		return false;
	for (;;) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);

		if (!component_ok(p, n))
			return false;
		if (!slash)
			return true;
		p = slash + 1;
	}
}

/* host[:port], a bracketed IPv6 address allowed as host. */
static bool domain_ok(const char *s)
{
	const char *colon;

	if (*s == '[') {
		const char *end = strchr(s, ']');

		if (!end || end == s + 1)
			return false;
		for (const char *p = s + 1; p < end; p++)
			if (!isxdigit((unsigned char)*p) && *p != ':' && *p != '.')
				return false;
		colon = end[1] ? end + 1 : NULL;
		if (colon && *colon != ':')
			return false;
	} else {
		colon = strchr(s, ':');
		size_t n = colon ? (size_t)(colon - s) : strlen(s);

		if (!n || s[0] == '-' || s[0] == '.' || s[n - 1] == '-' || s[n - 1] == '.')
			return false;
		for (size_t i = 0; i < n; i++)
			if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '.')
				return false;
	}
	if (colon) {
		if (!colon[1])
			return false;
		for (const char *p = colon + 1; *p; p++)
			if (!isdigit((unsigned char)*p))
				return false;
	}
	return true;
}

/* [\w][\w.-]{0,127} */
static bool tag_ok(const char *t)
{
	size_t n = strlen(t);

	if (!n || n > 127 || !(isalnum((unsigned char)t[0]) || t[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)t[i]) && t[i] != '_' && t[i] != '.' && t[i] != '-')
			return false;
	return true;
}

bool digest__valid(const char *d)
{
	if (strncmp(d, "sha256:", 7) || strlen(d) != 7 + 64)
		return false;
	for (const char *p = d + 7; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

static int bad(struct err *e, const char *s, const char *why)
{
	return err__set(e, EINVAL, "invalid reference format \"%s\": %s", s, why);
}

int img__parse_ref(const char *s, struct img_ref *r, struct err *e)
{
	char buf[512], *name = buf, *at, *slash, *colon;

	memset(r, 0, sizeof(*r));
	if (!*s)
		return bad(e, s, "empty name");
	if (strlen(s) >= sizeof(buf))
		return bad(e, s, "name too long");
	strcpy(buf, s);

	at = strchr(name, '@');
	if (at) {
		*at = '\0';
		if (!digest__valid(at + 1))
			return bad(e, s, "a digest is sha256: and 64 lower-case hex digits");
		strcpy(r->digest, at + 1);
	}
	/* A tag is after the last ':' that has no '/' after it (else a port). */
	colon = strrchr(name, ':');
	if (colon && !strchr(colon, '/')) {
		*colon = '\0';
		if (!tag_ok(colon + 1))
			return bad(e, s, "bad tag");
		memcpy(r->tag, colon + 1, strlen(colon + 1) + 1); /* tag_ok: at most 128 */
	}

	slash = strchr(name, '/');
	if (slash) {
		bool upper = false;

		for (char *p = name; p < slash; p++)
			upper |= isupper((unsigned char)*p);
		if (memchr(name, '.', slash - name) || memchr(name, ':', slash - name) ||
		    !strncmp(name, "localhost/", 10) || upper) {
			*slash = '\0';
			if (!domain_ok(name))
				return bad(e, s, "bad registry host");
			if (strlen(name) >= sizeof(r->registry))
				return bad(e, s, "registry host too long");
			strcpy(r->registry, name);
			name = slash + 1;
		}
	}
	if (!r->registry[0] || !strcmp(r->registry, HUB_DOMAIN) ||
	    !strcmp(r->registry, "index.docker.io"))
		strcpy(r->registry, HUB_REGISTRY);

	for (char *p = name; *p; p++)
		if (isupper((unsigned char)*p))
			return bad(e, s, "repository name must be lowercase");
	if (!path_ok(name))
		return bad(e, s, "bad repository name");
	if (strlen(name) + sizeof("library/") > sizeof(r->repo))
		return bad(e, s, "name too long");
	if (!strcmp(r->registry, HUB_REGISTRY) && !strchr(name, '/')) {
		strcpy(r->repo, "library/");
		strcat(r->repo, name);
	} else {
		strcpy(r->repo, name);
	}
	if (strlen(r->registry) + 1 + strlen(r->repo) > 255)
		return bad(e, s, "name too long");
	if (!r->tag[0] && !r->digest[0])
		strcpy(r->tag, "latest");
	return 0;
}

void img__ref_name(const struct img_ref *r, char *buf, size_t size)
{
	const char *dom = strcmp(r->registry, HUB_REGISTRY) ? r->registry : HUB_DOMAIN;

	if (r->tag[0] && r->digest[0])
		snprintf(buf, size, "%s/%s:%s@%s", dom, r->repo, r->tag, r->digest);
	else if (r->tag[0])
		snprintf(buf, size, "%s/%s:%s", dom, r->repo, r->tag);
	else
		snprintf(buf, size, "%s/%s@%s", dom, r->repo, r->digest);
}

void ref__familiar(const char *canonical, char *buf, size_t size)
{
	const char *p = canonical;

	if (!strncmp(p, HUB_DOMAIN "/", sizeof(HUB_DOMAIN))) {
		p += sizeof(HUB_DOMAIN);
		if (!strncmp(p, "library/", 8) && !strchr(p + 8, '/'))
			p += 8;
	}
	snprintf(buf, size, "%s", p);
}

int64_t ref__parse_time(const char *s)
{
	struct tm tm;
	const char *rest;

	if (!s)
		return 0;
	memset(&tm, 0, sizeof(tm));
	rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!rest)
		return 0;
	/* Fractions and a zone other than Z are rare in image configs; the
	 * offset, when there is one, is applied so CREATED stays right. */
	int64_t t = (int64_t)timegm(&tm);
	while (*rest == '.' || isdigit((unsigned char)*rest))
		rest++;
	if ((rest[0] == '+' || rest[0] == '-') && strlen(rest) >= 6) {
		int off = (atoi(rest + 1) * 60 + atoi(rest + 4)) * 60;

		t -= rest[0] == '+' ? off : -off;
	}
	return t;
}
