/* registry.c - the OCI Distribution client on libcurl: the /v2/ probe and its
 * auth challenge, tokens, manifests and blobs (see registry.h). */
#include "image/registry.h"
#include "common/util.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define MANIFEST_MAX  (4 * 1024 * 1024) /* what registries accept (distribution spec) */
#define ERRBODY_MAX   4096
#define TOKEN_SLOTS   8
#define REDIRECTS_MAX 10
#define UA            "vmkit/" VMKIT_VERSION
#define MANIFEST_TYPES                                                                             \
	"application/vnd.oci.image.manifest.v1+json, "                                             \
	"application/vnd.oci.image.index.v1+json, "                                                \
	"application/vnd.docker.distribution.manifest.v2+json, "                                   \
	"application/vnd.docker.distribution.manifest.list.v2+json"

enum auth_scheme { AUTH_NONE, AUTH_BASIC, AUTH_BEARER };

struct token {
	char scope[300];
	char *value;
	time_t expires;
};

struct reg {
	CURL *curl; /* one handle: libcurl keeps its connections alive between requests */
	char host[256];
	char key[256];  /* host as users name it, for messages ("docker.io") */
	char base[300]; /* "https://host" or "http://host", chosen by the probe */
	bool tls_verify, plain_ok;
	char *user, *pass;
	enum auth_scheme scheme;
	struct reg_challenge chal;
	struct token tokens[TOKEN_SLOTS];
	unsigned next_slot;
};

/* What one HTTP exchange produced. Only a 2xx body reaches the sink; any
 * other body (an error document or a redirect page) goes to errbody. */
struct resp {
	long status;
	char reason[64];
	char ctype[128];
	char dcd[80]; /* Docker-Content-Digest */
	char chal[1024];
	size_t (*sink)(void *ctx, const char *p, size_t n);
	void *sink_ctx;
	char errbody[ERRBODY_MAX + 1];
	size_t errlen;
	char curlerr[CURL_ERROR_SIZE];
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* ---- small helpers ---- */

static void trim_crlf(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\r' || s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
}

static bool header_is(const char *line, size_t n, const char *name, const char **val)
{
	size_t k = strlen(name);

	if (n <= k || strncasecmp(line, name, k) || line[k] != ':')
		return false;
	for (*val = line + k + 1; **val == ' ' || **val == '\t'; (*val)++)
		;
	return true;
}

static void copy_header(char *dst, size_t size, const char *val, const char *end)
{
	snprintf(dst, size, "%.*s", (int)(end - val), val);
	trim_crlf(dst);
}

static size_t on_header(char *buf, size_t sz, size_t nm, void *p)
{
	struct resp *rs = p;
	size_t n = sz * nm;
	const char *v;

	if (n > 5 && !strncmp(buf, "HTTP/", 5)) {
		/* A new response (after a 100 or a redirect): forget the last. */
		const char *sp = memchr(buf, ' ', n);

		rs->status = sp ? strtol(sp + 1, NULL, 10) : 0;
		rs->reason[0] = rs->ctype[0] = rs->dcd[0] = rs->chal[0] = '\0';
		rs->errbody[0] = '\0';
		rs->errlen = 0;
		if (sp && (sp = memchr(sp + 1, ' ', n - (size_t)(sp + 1 - buf))))
			copy_header(rs->reason, sizeof(rs->reason), sp + 1, buf + n);
	} else if (header_is(buf, n, "Content-Type", &v)) {
		copy_header(rs->ctype, sizeof(rs->ctype), v, buf + n);
	} else if (header_is(buf, n, "Docker-Content-Digest", &v)) {
		copy_header(rs->dcd, sizeof(rs->dcd), v, buf + n);
	} else if (header_is(buf, n, "WWW-Authenticate", &v)) {
		/* Several may come; prefer Bearer, which carries the token realm. */
		if (!rs->chal[0] || !strncasecmp(v, "Bearer", 6))
			copy_header(rs->chal, sizeof(rs->chal), v, buf + n);
	}
	return n;
}

static size_t on_body(char *buf, size_t sz, size_t nm, void *p)
{
	struct resp *rs = p;
	size_t n = sz * nm;

	if (rs->status >= 200 && rs->status < 300)
		return rs->sink ? rs->sink(rs->sink_ctx, buf, n) : n;
	if (rs->errlen < ERRBODY_MAX) {
		size_t k = n < ERRBODY_MAX - rs->errlen ? n : ERRBODY_MAX - rs->errlen;

		memcpy(rs->errbody + rs->errlen, buf, k);
		rs->errlen += k;
	}
	rs->errbody[rs->errlen] = '\0';
	return n;
}

/* Loopback registries may speak plain HTTP, as Docker allows. */
static bool host_is_local(const char *host)
{
	char h[256], *colon;
	struct in_addr a4;

	if (host[0] == '[') {
		snprintf(h, sizeof(h), "%s", host + 1);
		if ((colon = strchr(h, ']')))
			*colon = '\0';
		return !strcmp(h, "::1");
	}
	snprintf(h, sizeof(h), "%s", host);
	if ((colon = strchr(h, ':')))
		*colon = '\0';
	if (!strcmp(h, "localhost"))
		return true;
	return inet_pton(AF_INET, h, &a4) == 1 && (ntohl(a4.s_addr) >> 24) == 127;
}

/* scheme://host[:port] of a URL, lower-cased host, default ports explicit:
 * Authorization only ever goes back to the registry's own origin. */
static bool origin_of(const char *url, char *buf, size_t size)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL;
	bool ok = false;

	if (u && !curl_url_set(u, CURLUPART_URL, url, 0) &&
	    !curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) &&
	    !curl_url_get(u, CURLUPART_HOST, &host, 0) &&
	    !curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT)) {
		for (char *c = host; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
		snprintf(buf, size, "%s://%s:%s", scheme, host, port);
		ok = true;
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return ok;
}

static bool same_origin(const char *a, const char *b)
{
	char oa[400], ob[400];

	return origin_of(a, oa, sizeof(oa)) && origin_of(b, ob, sizeof(ob)) && !strcmp(oa, ob);
}

/* A plain-HTTP token realm would get the credentials in the clear: only
 * the registry's own origin or a loopback host may have one, whatever
 * --tls-verify says. */
static bool realm_plain_ok(const char *realm, const char *base)
{
	CURLU *u;
	char *host = NULL;
	bool ok;

	if (same_origin(realm, base))
		return true;
	u = curl_url();
	ok = u && !curl_url_set(u, CURLUPART_URL, realm, 0) &&
	     !curl_url_get(u, CURLUPART_HOST, &host, 0) && host_is_local(host);
	curl_free(host);
	curl_url_cleanup(u);
	return ok;
}

/* The registry's own explanation ({"errors":[{"message": ...}]}), if any. */
static void registry_message(const struct resp *rs, char *buf, size_t size)
{
	json_t *j = json_loads(rs->errbody, 0, NULL);
	const char *m = json_string_value(
		json_object_get(json_array_get(json_object_get(j, "errors"), 0), "message"));

	snprintf(buf, size, "%s", m ? m : "");
	json_decref(j);
}

static const char *reason_of(const struct resp *rs)
{
	if (rs->reason[0])
		return rs->reason;
	switch (rs->status) { /* HTTP/2 has no reason phrase */
	case 500:
		return "Internal Server Error";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	default:
		return "error";
	}
}

/* ---- one exchange ---- */

static int curl_error(struct reg *r, CURLcode cc, const struct resp *rs, struct err *e)
{
	long oserr = 0;

	curl_easy_getinfo(r->curl, CURLINFO_OS_ERRNO, &oserr);
	switch (cc) {
	case CURLE_COULDNT_CONNECT:
		return err__set(e, ECONNREFUSED, "registry %s: cannot connect: %s", r->key,
				strerror(oserr ? (int)oserr : ECONNREFUSED));
	case CURLE_COULDNT_RESOLVE_HOST:
		return err__set(e, EHOSTUNREACH, "registry %s: cannot resolve host", r->key);
	case CURLE_OPERATION_TIMEDOUT:
		return err__set(e, ETIMEDOUT, "registry %s: timed out", r->key);
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
		return err__set(e, EPROTO, "registry %s: TLS: %s (--tls-verify=false accepts it)",
				r->key, rs->curlerr[0] ? rs->curlerr : curl_easy_strerror(cc));
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
		return err__set(e, EIO, "registry %s: connection closed early: short read", r->key);
	default:
		return err__set(e, EIO, "registry %s: %s", r->key,
				rs->curlerr[0] ? rs->curlerr : curl_easy_strerror(cc));
	}
}

/* GET url once, no redirects followed. auth: an "Authorization: ..." header
 * or NULL. Returns 0 with rs->status set, or a transport error. */
static int perform(struct reg *r, const char *url, const char *auth, const char *accept,
		   struct resp *rs, struct err *e)
{
	struct curl_slist *h = NULL;
	char line[4200];
	bool verify = r->tls_verify;
	CURLcode cc;

	rs->status = 0;
	rs->errlen = 0;
	rs->errbody[0] = rs->curlerr[0] = '\0';
	curl_easy_reset(r->curl); /* keeps the connection cache */
	curl_easy_setopt(r->curl, CURLOPT_URL, url);
	curl_easy_setopt(r->curl, CURLOPT_USERAGENT, UA);
	curl_easy_setopt(r->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(r->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(r->curl, CURLOPT_CONNECTTIMEOUT, 20L);
	/* A stalled transfer (under 1 byte/s for a minute) is an error, not a hang. */
	curl_easy_setopt(r->curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(r->curl, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(r->curl, CURLOPT_SSL_VERIFYPEER, verify ? 1L : 0L);
	curl_easy_setopt(r->curl, CURLOPT_SSL_VERIFYHOST, verify ? 2L : 0L);
	curl_easy_setopt(r->curl, CURLOPT_ERRORBUFFER, rs->curlerr);
	curl_easy_setopt(r->curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(r->curl, CURLOPT_HEADERDATA, rs);
	curl_easy_setopt(r->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(r->curl, CURLOPT_WRITEDATA, rs);
	if (accept) {
		snprintf(line, sizeof(line), "Accept: %s", accept);
		h = curl_slist_append(h, line);
	}
	if (auth)
		h = curl_slist_append(h, auth);
	curl_easy_setopt(r->curl, CURLOPT_HTTPHEADER, h);
	cc = curl_easy_perform(r->curl);
	/* rs and h die with this call: the handle must not point at them. */
	curl_easy_setopt(r->curl, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(r->curl, CURLOPT_ERRORBUFFER, NULL);
	curl_slist_free_all(h);
	if (cc == CURLE_WRITE_ERROR) /* callers know why from their sink */
		return err__set(e, EIO, "registry %s: transfer aborted", r->key);
	if (cc != CURLE_OK)
		return curl_error(r, cc, rs, e);
	curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, &rs->status);
	return 0;
}

/* ---- tokens ---- */

struct membuf {
	char *data;
	size_t len, cap, max;
	bool too_big;
};

static size_t mem_sink(void *ctx, const char *p, size_t n)
{
	struct membuf *m = ctx;

	if (m->len + n > m->max) {
		m->too_big = true;
		return 0;
	}
	if (m->len + n + 1 > m->cap) {
		size_t cap = (m->len + n + 1) * 2;
		char *d = realloc(m->data, cap);

		if (!d)
			return 0;
		m->data = d;
		m->cap = cap;
	}
	memcpy(m->data + m->len, p, n);
	m->len += n;
	m->data[m->len] = '\0';
	return n;
}

static char *basic_header(const struct reg *r)
{
	size_t n = strlen(r->user) + 1 + strlen(r->pass);
	char *plain = malloc(n + 1), *h = malloc(32 + (n + 2) / 3 * 4 + 1);

	if (!plain || !h) {
		free(plain);
		free(h);
		return NULL;
	}
	snprintf(plain, n + 1, "%s:%s", r->user, r->pass);
	strcpy(h, "Authorization: Basic ");
	EVP_EncodeBlock((unsigned char *)h + strlen(h), (unsigned char *)plain, (int)n);
	explicit_bzero(plain, n);
	free(plain);
	return h;
}

static int unauthorized(struct reg *r, struct err *e)
{
	if (r->user)
		return err__set(e, EACCES, "unauthorized: incorrect username or password for %s",
				r->key);
	return err__set(e, EACCES, "unauthorized: authentication required; run vmkit login %s",
			r->key);
}

static int http_error(struct reg *r, const struct resp *rs, struct err *e)
{
	char msg[256];

	registry_message(rs, msg, sizeof(msg));
	if (rs->status >= 500)
		return err__set(e, EIO, "registry %s: %ld %s", r->key, rs->status, reason_of(rs));
	return err__set(e, EPROTO, "registry %s: %ld %s%s%s", r->key, rs->status, reason_of(rs),
			msg[0] ? ": " : "", msg);
}

/* GET realm?service=..&scope=.. (with Basic credentials when we have them),
 * Docker's token protocol. */
static int fetch_token(struct reg *r, const char *scope, char **token, time_t *expires,
		       struct err *e)
{
	struct membuf m = { .max = 1024 * 1024 };
	struct resp *rs = calloc(1, sizeof(*rs));
	char *url = NULL, *svc = NULL, *scp = NULL, *auth = NULL;
	json_t *j = NULL;
	const char *t;
	int rc;

	if (!rs)
		return err__set(e, ENOMEM, "out of memory");
	if (!strncmp(r->chal.realm, "http://", 7) && !realm_plain_ok(r->chal.realm, r->base)) {
		rc = err__set(e, EPROTO, "registry %s: token realm %s is plain HTTP", r->key,
			      r->chal.realm);
		goto out;
	}
	svc = curl_easy_escape(r->curl, r->chal.service, 0);
	scp = curl_easy_escape(r->curl, scope, 0);
	if (asprintf(&url, "%s%cservice=%s%s%s", r->chal.realm,
		     strchr(r->chal.realm, '?') ? '&' : '?', svc ? svc : "",
		     scope[0] ? "&scope=" : "", scope[0] && scp ? scp : "") < 0) {
		url = NULL;
		rc = err__set(e, ENOMEM, "out of memory");
		goto out;
	}
	if (r->user && !(auth = basic_header(r))) {
		rc = err__set(e, ENOMEM, "out of memory");
		goto out;
	}
	rs->sink = mem_sink;
	rs->sink_ctx = &m;
	rc = perform(r, url, auth, "application/json", rs, e);
	if (rc == -EIO && m.too_big)
		rc = err__set(e, EFBIG, "registry %s: token response too large", r->key);
	if (rc)
		goto out;
	if (rs->status == 401 || rs->status == 403) {
		rc = unauthorized(r, e);
		goto out;
	}
	if (rs->status != 200) {
		rc = http_error(r, rs, e);
		err__wrap(e, "token");
		goto out;
	}
	j = json_loadb(m.data ? m.data : "", m.len, 0, NULL);
	t = json_string_value(json_object_get(j, "token"));
	if (!t || !*t)
		t = json_string_value(json_object_get(j, "access_token"));
	if (!t || !*t) {
		rc = err__set(e, EPROTO, "registry %s: token server %s sent no token", r->key,
			      r->chal.realm);
		goto out;
	}
	{
		json_int_t life = json_integer_value(json_object_get(j, "expires_in"));

		/* The spec's default lifetime is 60 s; renew 10 s early. */
		*expires = time(NULL) + (life > 10 ? life : 60) - 10;
	}
	*token = strdup(t);
	rc = *token ? 0 : err__set(e, ENOMEM, "out of memory");
out:
	json_decref(j);
	curl_free(svc);
	curl_free(scp);
	free(url);
	if (auth)
		explicit_bzero(auth, strlen(auth));
	free(auth);
	free(m.data);
	free(rs);
	return rc;
}

static struct token *token_find(struct reg *r, const char *scope)
{
	for (unsigned i = 0; i < TOKEN_SLOTS; i++)
		if (r->tokens[i].value && !strcmp(r->tokens[i].scope, scope) &&
		    r->tokens[i].expires > time(NULL))
			return &r->tokens[i];
	return NULL;
}

/* A cached token for scope, or a fresh one when fresh is set or none is
 * cached: tokens are per repository, so a pull asks once, not per blob. */
static int token_get(struct reg *r, const char *scope, bool fresh, const char **out, struct err *e)
{
	struct token *t = fresh ? NULL : token_find(r, scope);
	char *value = NULL;
	time_t exp = 0;
	int rc;

	if (t) {
		*out = t->value;
		return 0;
	}
	rc = fetch_token(r, scope, &value, &exp, e);
	if (rc)
		return rc;
	t = token_find(r, scope);
	if (!t) {
		t = &r->tokens[r->next_slot++ % TOKEN_SLOTS];
		snprintf(t->scope, sizeof(t->scope), "%s", scope);
	}
	free(t->value);
	t->value = value;
	t->expires = exp;
	*out = t->value;
	return 0;
}

static int auth_header(struct reg *r, const char *scope, bool fresh, char **out, struct err *e)
{
	const char *tok;
	int rc;

	*out = NULL;
	if (r->scheme == AUTH_BASIC && r->user) {
		*out = basic_header(r);
		return *out ? 0 : err__set(e, ENOMEM, "out of memory");
	}
	if (r->scheme != AUTH_BEARER)
		return 0;
	rc = token_get(r, scope, fresh, &tok, e);
	if (rc)
		return rc;
	if (asprintf(out, "Authorization: Bearer %s", tok) < 0) {
		*out = NULL;
		return err__set(e, ENOMEM, "out of memory");
	}
	return 0;
}

/* ---- requests with auth and redirects ---- */

static bool is_redirect(long s)
{
	return s == 301 || s == 302 || s == 303 || s == 307 || s == 308;
}

/* GET path on the registry (a path under /v2/), authenticating for scope
 * and following redirects; Authorization never leaves the registry's
 * origin (blob storage behind a redirect has its own signed URL). A 401
 * with a new challenge is answered once. */
static int request(struct reg *r, const char *path, const char *scope, const char *accept,
		   struct resp *rs, struct err *e)
{
	char *url = NULL, *auth = NULL, want[sizeof(r->chal.scope)];
	bool retried = false, refresh = false;
	int rc = 0, hops = 0;

	snprintf(want, sizeof(want), "%s", scope);

	if (asprintf(&url, "%s%s", r->base, path) < 0)
		return err__set(e, ENOMEM, "out of memory");
	for (;;) {
		bool home = same_origin(url, r->base);
		char *next;

		free(auth);
		auth = NULL;
		if (home && (rc = auth_header(r, want, refresh, &auth, e)))
			break;
		refresh = false;
		rc = perform(r, url, auth, accept, rs, e);
		if (rc)
			break;
		if (is_redirect(rs->status)) {
			if (++hops > REDIRECTS_MAX) {
				rc = err__set(e, ELOOP, "registry %s: too many redirects", r->key);
				break;
			}
			next = NULL;
			curl_easy_getinfo(r->curl, CURLINFO_REDIRECT_URL, &next);
			if (!next) {
				rc = err__set(e, EPROTO, "registry %s: redirect without a location",
					      r->key);
				break;
			}
			next = strdup(next);
			free(url);
			url = next;
			if (!url) {
				rc = err__set(e, ENOMEM, "out of memory");
				break;
			}
			continue;
		}
		if (rs->status == 401 && home && !retried) {
			struct reg_challenge c;

			/* First contact was anonymous, or the token expired or
			 * was for another scope: take the new challenge. */
			if (!reg__parse_challenge(rs->chal, &c)) {
				enum auth_scheme s =
					strcmp(c.scheme, "Basic") ? AUTH_BEARER : AUTH_BASIC;

				if (s == AUTH_BEARER || (r->user && r->scheme != AUTH_BASIC)) {
					r->chal = c;
					r->scheme = s;
					if (c.scope[0]) /* the scope the server asks for */
						snprintf(want, sizeof(want), "%s", c.scope);
					retried = refresh = true;
					continue;
				}
			}
		}
		break;
	}
	if (auth)
		explicit_bzero(auth, strlen(auth));
	free(auth);
	free(url);
	return rc;
}

/* ---- the /v2/ probe ---- */

static int probe_at(struct reg *r, const char *scheme, struct resp *rs, struct err *e)
{
	char url[400];

	snprintf(r->base, sizeof(r->base), "%s://%s", scheme, r->host);
	snprintf(url, sizeof(url), "%s/v2/", r->base);
	return perform(r, url, NULL, NULL, rs, e);
}

/* Finds how to talk to the registry: HTTPS, or plain HTTP where allowed
 * (tried second, as Docker does for insecure registries), and which
 * challenge /v2/ answers with. */
static int probe(struct reg *r, struct err *e)
{
	struct resp *rs = calloc(1, sizeof(*rs));
	int rc;

	if (!rs)
		return err__set(e, ENOMEM, "out of memory");
	rc = probe_at(r, "https", rs, e);
	if (rc && rc != -ENOMEM && r->plain_ok) {
		struct err e2 = { 0 };
		int rc2 = probe_at(r, "http", rs, &e2);

		/* A TLS-only server answers plain HTTP with 400: then the
		 * HTTPS failure (a certificate, say) is the one to report.
		 * Otherwise plain HTTP's answer or error is the news. */
		if (!rc2 && rs->status != 400)
			rc = 0;
		else if (rc2 && rc != -EPROTO) {
			rc = rc2;
			*e = e2;
		}
	}
	if (rc)
		goto out;
	if (rs->status == 401) {
		if (reg__parse_challenge(rs->chal, &r->chal)) {
			rc = err__set(e, EPROTO, "registry %s: 401 without a usable challenge",
				      r->key);
			goto out;
		}
		r->scheme = strcmp(r->chal.scheme, "Basic") ? AUTH_BEARER : AUTH_BASIC;
	} else if (rs->status == 404) {
		rc = err__set(e, EPROTO, "registry %s: no /v2/ API here (not an OCI registry?)",
			      r->key);
	} else if (rs->status != 200) {
		rc = http_error(r, rs, e);
	}
out:
	free(rs);
	return rc;
}

/* ---- public ---- */

int reg__open(const char *registry, const struct reg_opts *o, struct reg **out, struct err *e)
{
	struct reg *r;
	int rc;

	*out = NULL;
	pthread_once(&curl_once, curl_init);
	r = calloc(1, sizeof(*r));
	if (!r)
		return err__set(e, ENOMEM, "out of memory");
	reg__host_key(registry, r->key, sizeof(r->key));
	/* Docker Hub's API lives on another name than the one users type. */
	snprintf(r->host, sizeof(r->host), "%s",
		 strcmp(r->key, "docker.io") ? r->key : "registry-1.docker.io");
	r->tls_verify = o ? o->tls_verify : true;
	r->plain_ok = !r->tls_verify || host_is_local(r->host);
	if (o && o->username) {
		r->user = strdup(o->username);
		r->pass = strdup(o->password ? o->password : "");
		if (!r->user || !r->pass) {
			rc = err__set(e, ENOMEM, "out of memory");
			goto fail;
		}
	} else {
		rc = reg__auth_load(o ? o->root : NULL, r->key, &r->user, &r->pass, e);
		if (rc && rc != -ENOENT)
			goto fail;
	}
	r->curl = curl_easy_init();
	if (!r->curl) {
		rc = err__set(e, ENOMEM, "registry %s: cannot start libcurl", r->key);
		goto fail;
	}
	rc = probe(r, e);
	if (rc)
		goto fail;
	*out = r;
	return 0;
fail:
	reg__close(r);
	return rc;
}

void reg__close(struct reg *r)
{
	if (!r)
		return;
	if (r->curl)
		curl_easy_cleanup(r->curl);
	for (unsigned i = 0; i < TOKEN_SLOTS; i++)
		free(r->tokens[i].value);
	if (r->pass)
		explicit_bzero(r->pass, strlen(r->pass));
	free(r->user);
	free(r->pass);
	free(r);
}

/* "sha256:<64 hex>" or "sha512:<128 hex>": the only digests we can check,
 * and safe to put in a URL. */
static const EVP_MD *digest_md(const char *d)
{
	const char *colon = strchr(d, ':');
	const EVP_MD *md;
	size_t hex;

	if (!colon)
		return NULL;
	if (!strncmp(d, "sha256:", 7))
		md = EVP_sha256(), hex = 64;
	else if (!strncmp(d, "sha512:", 7))
		md = EVP_sha512(), hex = 128;
	else
		return NULL;
	if (strlen(colon + 1) != hex || strspn(colon + 1, "0123456789abcdef") != hex)
		return NULL;
	return md;
}

static void hex_digest(EVP_MD_CTX *c, const char *algo, char out[140])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	int k;

	EVP_DigestFinal_ex(c, md, &n);
	k = snprintf(out, 140, "%s:", algo);
	for (unsigned i = 0; i < n && k + 2 < 140; i++)
		k += snprintf(out + k, 140 - (size_t)k, "%02x", md[i]);
}

static bool valid_repo(const char *repo)
{
	return repo[0] &&
	       strspn(repo, "abcdefghijklmnopqrstuvwxyz0123456789._-/") == strlen(repo) &&
	       !strstr(repo, "..");
}

static bool valid_tag(const char *tag)
{
	size_t n = strlen(tag);

	return n && n <= 128 && tag[0] != '.' && tag[0] != '-' &&
	       strspn(tag, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
		       n;
}

/* The media type, from Content-Type or, when a registry sends a generic
 * one, the document's own mediaType field. */
static void media_type_of(const struct resp *rs, const char *body, size_t len, char out[128])
{
	json_t *j;
	const char *mt;

	snprintf(out, 128, "%.*s", (int)strcspn(rs->ctype, "; "), rs->ctype);
	if (!strncmp(out, "application/vnd.", 16))
		return;
	j = json_loadb(body, len, 0, NULL);
	mt = json_string_value(json_object_get(j, "mediaType"));
	snprintf(out, 128, "%s", mt ? mt : out);
	json_decref(j);
}

static int manifest_status(struct reg *r, const char *repo, const char *ref, bool by_digest,
			   const struct resp *rs, struct err *e)
{
	if (rs->status == 404)
		return err__set(e, ENOENT, "manifest unknown: %s/%s%c%s not found", r->key, repo,
				by_digest ? '@' : ':', ref);
	if (rs->status == 401 || rs->status == 403) {
		if (r->scheme == AUTH_BEARER && !r->user)
			return err__set(
				e, EACCES,
				"unauthorized: access to %s/%s denied (missing repository, or run vmkit login %s)",
				r->key, repo, r->key);
		return unauthorized(r, e);
	}
	return http_error(r, rs, e);
}

int reg__get_manifest(struct reg *r, const char *repo, const char *tag_or_digest, char **body,
		      size_t *len, char media_type[128], char digest[80], struct err *e)
{
	struct membuf m = { .max = MANIFEST_MAX };
	struct resp *rs;
	const EVP_MD *md = digest_md(tag_or_digest);
	bool by_digest = strchr(tag_or_digest, ':') != NULL;
	char path[1024], scope[400], got[140];
	EVP_MD_CTX *c;
	int rc;

	*body = NULL;
	*len = 0;
	if (!valid_repo(repo))
		return err__set(e, EINVAL, "invalid repository name \"%s\"", repo);
	if (by_digest && md == EVP_sha512()) /* does not fit digest[80] */
		return err__set(e, ENOTSUP, "%s: only sha256 manifest digests are supported",
				tag_or_digest);
	if (by_digest ? !md : !valid_tag(tag_or_digest))
		return err__set(e, EINVAL, "invalid %s \"%s\"", by_digest ? "digest" : "tag",
				tag_or_digest);
	if (!(rs = calloc(1, sizeof(*rs))))
		return err__set(e, ENOMEM, "out of memory");
	snprintf(path, sizeof(path), "/v2/%s/manifests/%s", repo, tag_or_digest);
	snprintf(scope, sizeof(scope), "repository:%s:pull", repo);
	rs->sink = mem_sink;
	rs->sink_ctx = &m;
	rc = request(r, path, scope, MANIFEST_TYPES, rs, e);
	if (rc == -EIO && m.too_big)
		rc = err__set(e, EFBIG, "manifest %s: larger than %d bytes", tag_or_digest,
			      MANIFEST_MAX);
	if (!rc && rs->status != 200)
		rc = manifest_status(r, repo, tag_or_digest, by_digest, rs, e);
	if (rc)
		goto out;
	/* Hash with the algorithm the reference names (sha256 by tag). */
	if (!md)
		md = EVP_sha256();
	c = EVP_MD_CTX_new();
	if (!c || !EVP_DigestInit_ex(c, md, NULL) ||
	    !EVP_DigestUpdate(c, m.data ? m.data : "", m.len)) {
		EVP_MD_CTX_free(c);
		rc = err__set(e, ENOMEM, "sha256: out of memory");
		goto out;
	}
	hex_digest(c, md == EVP_sha512() ? "sha512" : "sha256", got);
	EVP_MD_CTX_free(c);
	if (by_digest && strcmp(got, tag_or_digest)) {
		rc = err__set(e, EIO, "manifest %s/%s@%s: digest mismatch (got %s)", r->key, repo,
			      tag_or_digest, got);
		goto out;
	}
	/* By tag, the registry's own digest (when it sends one) must agree. */
	if (!by_digest && !strncmp(rs->dcd, "sha256:", 7) && strcmp(rs->dcd, got)) {
		rc = err__set(e, EIO,
			      "manifest %s/%s:%s: digest mismatch (registry says %s, got %s)",
			      r->key, repo, tag_or_digest, rs->dcd, got);
		goto out;
	}
	media_type_of(rs, m.data ? m.data : "", m.len, media_type);
	snprintf(digest, 80, "%.79s", got); /* sha256: 71 bytes */
	*body = m.data ? m.data : strdup("");
	*len = m.len;
	m.data = NULL;
	rc = *body ? 0 : err__set(e, ENOMEM, "out of memory");
out:
	free(m.data);
	free(rs);
	return rc;
}

/* The blob sink: hash, count and write, refusing more than was promised. */
struct blob_sink {
	EVP_MD_CTX *md;
	int fd;
	uint64_t done, size;
	reg_progress_fn progress;
	void *ctx;
	int err;      /* errno of a failed write */
	bool too_big; /* more bytes than the descriptor's size */
};

static size_t blob_write(void *p, const char *buf, size_t n)
{
	struct blob_sink *b = p;
	size_t off = 0;

	if (b->size != REG_SIZE_UNKNOWN && b->done + n > b->size) {
		b->too_big = true;
		return 0;
	}
	EVP_DigestUpdate(b->md, buf, n);
	while (off < n) {
		ssize_t w = write(b->fd, buf + off, n - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			b->err = w < 0 ? errno : EIO;
			return 0;
		}
		off += (size_t)w;
	}
	b->done += n;
	if (b->progress)
		b->progress(b->ctx, b->done, b->size == REG_SIZE_UNKNOWN ? 0 : b->size);
	return n;
}

static int blob_status(struct reg *r, const char *repo, const char *digest, const struct resp *rs,
		       struct err *e)
{
	if (rs->status == 404)
		return err__set(e, ENOENT, "blob unknown: %s not in %s/%s", digest, r->key, repo);
	if (rs->status == 401 || rs->status == 403)
		return unauthorized(r, e);
	return http_error(r, rs, e);
}

int reg__get_blob(struct reg *r, const char *repo, const char *digest, uint64_t size, int fd,
		  reg_progress_fn progress, void *ctx, struct err *e)
{
	const EVP_MD *md = digest_md(digest);
	struct blob_sink b = { .fd = fd, .size = size, .progress = progress, .ctx = ctx };
	char path[1024], scope[400], got[140];
	struct resp *rs;
	int rc;

	if (!valid_repo(repo))
		return err__set(e, EINVAL, "invalid repository name \"%s\"", repo);
	if (!md)
		return err__set(e, EINVAL, "invalid digest \"%s\"", digest);
	rs = calloc(1, sizeof(*rs));
	b.md = EVP_MD_CTX_new();
	if (!rs || !b.md || !EVP_DigestInit_ex(b.md, md, NULL)) {
		rc = err__set(e, ENOMEM, "out of memory");
		goto out;
	}
	snprintf(path, sizeof(path), "/v2/%s/blobs/%s", repo, digest);
	snprintf(scope, sizeof(scope), "repository:%s:pull", repo);
	rs->sink = blob_write;
	rs->sink_ctx = &b;
	rc = request(r, path, scope, NULL, rs, e);
	if (rc == -EIO && b.too_big)
		rc = err__set(e, EIO, "blob %s: more than the %llu bytes its manifest says", digest,
			      (unsigned long long)size);
	else if (rc == -EIO && b.err)
		rc = err__sys(e, b.err, "blob %s: write", digest);
	else if (rc == -EIO && strstr(e->msg, "short read"))
		rc = err__set(e, EIO, "blob %s: short read (%llu of %llu bytes)", digest,
			      (unsigned long long)b.done, (unsigned long long)size);
	if (rc)
		goto out;
	if (rs->status != 200) {
		rc = blob_status(r, repo, digest, rs, e);
		goto out;
	}
	if (size != REG_SIZE_UNKNOWN && b.done != size) {
		rc = err__set(e, EIO, "blob %s: short read (%llu of %llu bytes)", digest,
			      (unsigned long long)b.done, (unsigned long long)size);
		goto out;
	}
	hex_digest(b.md, md == EVP_sha512() ? "sha512" : "sha256", got);
	if (strcmp(got, digest))
		rc = err__set(e, EIO, "blob %s: digest mismatch (got %s)", digest, got);
out:
	EVP_MD_CTX_free(b.md);
	free(rs);
	return rc;
}

int reg__login(const char *root, const char *registry, const char *username, const char *password,
	       bool tls_verify, struct err *e)
{
	struct reg_opts o = {
		.root = root, .tls_verify = tls_verify, .username = username, .password = password
	};
	struct resp *rs = NULL;
	struct reg *r;
	char *auth = NULL;
	int rc;

	rc = reg__open(registry, &o, &r, e);
	if (rc)
		return rc;
	rs = calloc(1, sizeof(*rs));
	if (!rs) {
		rc = err__set(e, ENOMEM, "out of memory");
		goto out;
	}
	/* Bearer: the token server checks the password (an empty scope, as
	 * docker login asks). Basic: /v2/ itself does. Anonymous registries
	 * accept anything, and Docker stores the credentials all the same. */
	if (r->scheme == AUTH_BEARER) {
		const char *tok;

		rc = token_get(r, "", true, &tok, e);
	} else if (r->scheme == AUTH_BASIC) {
		char url[400];

		snprintf(url, sizeof(url), "%s/v2/", r->base);
		rc = auth_header(r, "", false, &auth, e);
		if (!rc)
			rc = perform(r, url, auth, NULL, rs, e);
		if (!rc && rs->status == 401)
			rc = unauthorized(r, e);
		else if (!rc && rs->status != 200)
			rc = http_error(r, rs, e);
	}
	if (!rc)
		rc = reg__auth_store(root, registry, username, password, e);
out:
	if (auth)
		explicit_bzero(auth, strlen(auth));
	free(auth);
	free(rs);
	reg__close(r);
	return rc;
}
