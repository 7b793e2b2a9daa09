/* fakereg.c - a faulty registry for tests: an HTTP server (libmicrohttpd)
 * on 127.0.0.1 that forwards to a real registry (libcurl) and injects the
 * faults its flags ask for. Every request is logged on stdout as
 * "METHOD PATH auth=none|basic|bearer -> STATUS".
 *
 *   fakereg --upstream http://HOST:PORT [--port N] [--port-file F] [FAULT...]
 *     --bearer[=USER:PASS]   demand a Bearer token from our own /token
 *                            endpoint (anonymous, or Basic USER:PASS there)
 *     --always-401           answer every request 401 (Basic challenge)
 *     --status-500[=WHAT]    answer 500 for WHAT: manifests, blobs or all
 *     --status-404[=WHAT]    answer 404 (MANIFEST_UNKNOWN / BLOB_UNKNOWN)
 *     --short-blob           send half of each blob, then close
 *     --flip-blob            flip one byte in the middle of each blob
 *     --flip-manifest        change one letter's case in each manifest
 *                            (still valid JSON, another digest)
 *     --redirect-blobs       307 blobs to http://localhost:PORT/_storage/...
 *                            which refuses (400) any request carrying an
 *                            Authorization header
 * Runs until SIGTERM or SIGINT. */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

enum target { T_NONE, T_MANIFESTS, T_BLOBS, T_ALL };

#define MAX_TOKENS 256

struct fake {
	const char *upstream;
	unsigned port;
	bool bearer, always_401, short_blob, flip_blob, flip_manifest, redirect_blobs;
	const char *token_creds; /* "user:pass" or NULL */
	enum target s500, s404;
	pthread_mutex_t lock;
	char *tokens[MAX_TOKENS]; /* "TOKEN SCOPE" */
	unsigned ntokens, serial;
};

struct buf {
	char *data;
	size_t len;
	char ctype[128], dcd[128], location[1024];
};

static void log_req(const char *method, const char *url, const char *auth, unsigned status)
{
	const char *kind = !auth ? "none" : !strncasecmp(auth, "Basic ", 6) ? "basic" : "bearer";

	printf("%s %s auth=%s -> %u\n", method, url, kind, status);
	fflush(stdout);
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *ctype,
			     const char *body, size_t len, const char *hname, const char *hval)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ok;

	if (!r)
		return MHD_NO;
	if (ctype)
		MHD_add_response_header(r, "Content-Type", ctype);
	if (hname)
		MHD_add_response_header(r, hname, hval);
	ok = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ok;
}

static enum MHD_Result json_error(struct MHD_Connection *c, unsigned status, const char *code,
				  const char *msg, const char *hname, const char *hval)
{
	char body[512];

	snprintf(body, sizeof(body), "{\"errors\":[{\"code\":\"%s\",\"message\":\"%s\"}]}", code,
		 msg);
	return reply(c, status, "application/json", body, strlen(body), hname, hval);
}

/* /v2/REPO/(manifests|blobs)/REF: the kind and the repository. */
static enum target kind_of(const char *url, char *repo, size_t size)
{
	const char *m = strstr(url, "/manifests/"), *b = strstr(url, "/blobs/"), *end;
	enum target t = m ? T_MANIFESTS : b ? T_BLOBS : T_NONE;

	repo[0] = '\0';
	if (t == T_NONE || strncmp(url, "/v2/", 4))
		return T_NONE;
	end = m ? m : b;
	snprintf(repo, size, "%.*s", (int)(end - url - 4), url + 4);
	return t;
}

static size_t on_body(char *p, size_t sz, size_t n, void *ctx)
{
	struct buf *b = ctx;
	char *d = realloc(b->data, b->len + sz * n + 1);

	if (!d)
		return 0;
	memcpy(d + b->len, p, sz * n);
	b->data = d;
	b->len += sz * n;
	return sz * n;
}

static void copy_value(char *dst, size_t size, const char *line, size_t n, size_t skip)
{
	size_t k = n - skip;

	while (k && (line[skip + k - 1] == '\r' || line[skip + k - 1] == '\n'))
		k--;
	snprintf(dst, size, "%.*s", (int)k, line + skip);
}

static size_t on_header(char *p, size_t sz, size_t n, void *ctx)
{
	struct buf *b = ctx;

	n *= sz;
	if (n > 14 && !strncasecmp(p, "Content-Type: ", 14))
		copy_value(b->ctype, sizeof(b->ctype), p, n, 14);
	else if (n > 23 && !strncasecmp(p, "Docker-Content-Digest: ", 23))
		copy_value(b->dcd, sizeof(b->dcd), p, n, 23);
	return n;
}

/* GET (or HEAD) url upstream, passing Accept on; the whole body in b. */
static long forward(const struct fake *f, struct MHD_Connection *c, const char *method,
		    const char *path, struct buf *b)
{
	const char *accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept");
	struct curl_slist *h = NULL;
	char url[2048], line[1024];
	long status = 502;
	CURL *cu = curl_easy_init();

	if (!cu)
		return 502;
	snprintf(url, sizeof(url), "%s%s", f->upstream, path);
	if (accept) {
		snprintf(line, sizeof(line), "Accept: %s", accept);
		h = curl_slist_append(h, line);
	}
	curl_easy_setopt(cu, CURLOPT_URL, url);
	curl_easy_setopt(cu, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(cu, CURLOPT_NOBODY, strcmp(method, "HEAD") ? 0L : 1L);
	curl_easy_setopt(cu, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(cu, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(cu, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(cu, CURLOPT_HEADERDATA, b);
	if (curl_easy_perform(cu) == CURLE_OK)
		curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	curl_easy_cleanup(cu);
	return status;
}

/* ---- tokens ---- */

static bool token_ok(struct fake *f, const char *auth, const char *repo)
{
	char want[600];
	bool ok = false;

	if (!auth || strncmp(auth, "Bearer ", 7))
		return false;
	snprintf(want, sizeof(want), "%s repository:%s:pull", auth + 7, repo);
	pthread_mutex_lock(&f->lock);
	for (unsigned i = 0; i < f->ntokens && !ok; i++) {
		size_t tl = strlen(auth + 7);

		/* /v2/ itself takes any token we issued. */
		ok = repo[0] ? !strcmp(f->tokens[i], want)
			     : !strncmp(f->tokens[i], auth + 7, tl) && f->tokens[i][tl] == ' ';
	}
	pthread_mutex_unlock(&f->lock);
	return ok;
}

static bool basic_ok(const char *auth, const char *creds)
{
	char expect[512];
	static const char tbl[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = strlen(creds), k = 0;

	/* A tiny base64 encoder: the test tool should not share the
	 * client's code it checks. */
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned char)creds[i] << 16;

		v |= i + 1 < n ? (unsigned char)creds[i + 1] << 8 : 0;
		v |= i + 2 < n ? (unsigned char)creds[i + 2] : 0;
		expect[k++] = tbl[(v >> 18) & 63];
		expect[k++] = tbl[(v >> 12) & 63];
		expect[k++] = i + 1 < n ? tbl[(v >> 6) & 63] : '=';
		expect[k++] = i + 2 < n ? tbl[v & 63] : '=';
		if (k > sizeof(expect) - 8)
			break;
	}
	expect[k] = '\0';
	return auth && !strncmp(auth, "Basic ", 6) && !strcmp(auth + 6, expect);
}

static enum MHD_Result serve_token(struct fake *f, struct MHD_Connection *c, const char *auth)
{
	const char *scope = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "scope");
	const char *service = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "service");
	char tok[64], body[256];

	if (!service || strcmp(service, "fakereg"))
		return json_error(c, 400, "UNSUPPORTED", "wrong service", NULL, NULL);
	if (f->token_creds && !basic_ok(auth, f->token_creds))
		return json_error(c, 401, "UNAUTHORIZED", "bad credentials", "WWW-Authenticate",
				  "Basic realm=\"fakereg-token\"");
	pthread_mutex_lock(&f->lock);
	snprintf(tok, sizeof(tok), "fk%u.%08x", ++f->serial, (unsigned)random());
	if (f->ntokens < MAX_TOKENS) {
		char *entry;

		if (asprintf(&entry, "%s %s", tok, scope ? scope : "") >= 0)
			f->tokens[f->ntokens++] = entry;
	}
	pthread_mutex_unlock(&f->lock);
	snprintf(body, sizeof(body), "{\"token\":\"%s\",\"expires_in\":300}", tok);
	return reply(c, 200, "application/json", body, strlen(body), NULL, NULL);
}

/* ---- faulty blobs ---- */

struct cut {
	char *data;
	size_t len, stop;
};

static ssize_t cut_reader(void *cls, uint64_t pos, char *out, size_t max)
{
	struct cut *ct = cls;
	size_t n;

	if (pos >= ct->stop)
		return MHD_CONTENT_READER_END_WITH_ERROR; /* drop the connection */
	n = ct->stop - pos < max ? ct->stop - (size_t)pos : max;
	memcpy(out, ct->data + pos, n);
	return (ssize_t)n;
}

static void cut_free(void *cls)
{
	struct cut *ct = cls;

	free(ct->data);
	free(ct);
}

static enum MHD_Result send_short(struct MHD_Connection *c, struct buf *b)
{
	struct cut *ct = calloc(1, sizeof(*ct));
	struct MHD_Response *r;
	enum MHD_Result ok;

	if (!ct)
		return MHD_NO;
	ct->data = b->data;
	ct->len = b->len;
	ct->stop = b->len / 2;
	b->data = NULL;
	/* The full length is announced; only half follows. */
	r = MHD_create_response_from_callback(ct->len, 16384, cut_reader, ct, cut_free);
	if (!r) {
		cut_free(ct);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", "application/octet-stream");
	ok = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	return ok;
}

static enum MHD_Result send_buf(struct MHD_Connection *c, unsigned status, struct buf *b)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		b->len, b->data ? b->data : (void *)"",
		b->data ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ok;

	if (!r)
		return MHD_NO;
	b->data = NULL;
	if (b->ctype[0])
		MHD_add_response_header(r, "Content-Type", b->ctype);
	if (b->dcd[0])
		MHD_add_response_header(r, "Docker-Content-Digest", b->dcd);
	ok = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ok;
}

/* Changes the document's bytes but keeps it valid JSON (so only the digest
 * check can notice): the last letter in the body changes case. */
static void flip_json(struct buf *b)
{
	for (size_t i = b->len; i-- > 0;) {
		char ch = b->data[i];

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')) {
			b->data[i] ^= 0x20;
			return;
		}
	}
}

static bool hits(enum target want, enum target kind)
{
	return want == T_ALL ? kind != T_NONE : want == kind && kind != T_NONE;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **state)
{
	struct fake *f = cls;
	const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	char repo[512], chal[1024];
	const char *path = url;
	enum target kind;
	struct buf b = { 0 };
	unsigned status;
	enum MHD_Result ok;

	(void)version, (void)upload, (void)upload_size, (void)state;
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		log_req(method, url, auth, 405);
		return json_error(c, 405, "UNSUPPORTED", "read-only", NULL, NULL);
	}
	if (!strcmp(url, "/token")) {
		ok = serve_token(f, c, auth);
		log_req(method, url, auth, 200);
		return ok;
	}
	if (!strncmp(url, "/_storage/", 10)) {
		/* Blob storage behind a redirect: the registry's credentials
		 * must never come here. */
		if (auth) {
			log_req(method, url, auth, 400);
			return json_error(c, 400, "LEAK", "Authorization sent to storage", NULL,
					  NULL);
		}
		path = url + 9; /* "/v2/..." */
	}
	kind = kind_of(path, repo, sizeof(repo));
	if (f->always_401) {
		log_req(method, url, auth, 401);
		return json_error(c, 401, "UNAUTHORIZED", "authentication required",
				  "WWW-Authenticate", "Basic realm=\"fakereg\"");
	}
	if (f->bearer && path == url && !token_ok(f, auth, repo)) {
		snprintf(chal, sizeof(chal),
			 "Bearer realm=\"http://127.0.0.1:%u/token\",service=\"fakereg\"%s%s%s",
			 f->port, repo[0] ? ",scope=\"repository:" : "", repo,
			 repo[0] ? ":pull\"" : "");
		log_req(method, url, auth, 401);
		return json_error(c, 401, "UNAUTHORIZED", "authentication required",
				  "WWW-Authenticate", chal);
	}
	if (hits(f->s500, kind)) {
		log_req(method, url, auth, 500);
		return json_error(c, 500, "UNKNOWN", "injected failure", NULL, NULL);
	}
	if (hits(f->s404, kind)) {
		log_req(method, url, auth, 404);
		return json_error(c, 404, kind == T_BLOBS ? "BLOB_UNKNOWN" : "MANIFEST_UNKNOWN",
				  "not here", NULL, NULL);
	}
	if (kind == T_BLOBS && f->redirect_blobs && path == url) {
		char loc[1024];

		snprintf(loc, sizeof(loc), "http://localhost:%u/_storage%s?sig=fake", f->port, url);
		log_req(method, url, auth, 307);
		return reply(c, 307, "text/plain", "", 0, "Location", loc);
	}
	status = (unsigned)forward(f, c, method, path, &b);
	log_req(method, url, auth, status);
	if (kind == T_BLOBS && status == 200 && !strcmp(method, "GET")) {
		if (f->short_blob && b.len > 1)
			return send_short(c, &b);
		if (f->flip_blob && b.len)
			b.data[b.len / 2] ^= 0x01;
	}
	if (kind == T_MANIFESTS && status == 200 && f->flip_manifest && b.len)
		flip_json(&b);
	return send_buf(c, status, &b);
}

static enum target parse_target(const char *s)
{
	if (!s || !strcmp(s, "all"))
		return T_ALL;
	if (!strcmp(s, "manifests"))
		return T_MANIFESTS;
	if (!strcmp(s, "blobs"))
		return T_BLOBS;
	fprintf(stderr, "fakereg: %s: manifests, blobs or all\n", s);
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "upstream", required_argument, NULL, 'u' },
		{ "port", required_argument, NULL, 'p' },
		{ "port-file", required_argument, NULL, 'f' },
		{ "bearer", optional_argument, NULL, 'b' },
		{ "always-401", no_argument, NULL, 'a' },
		{ "status-500", optional_argument, NULL, '5' },
		{ "status-404", optional_argument, NULL, '4' },
		{ "short-blob", no_argument, NULL, 's' },
		{ "flip-blob", no_argument, NULL, 'x' },
		{ "flip-manifest", no_argument, NULL, 'm' },
		{ "redirect-blobs", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct fake f = { .lock = PTHREAD_MUTEX_INITIALIZER };
	const char *port_file = NULL;
	const union MHD_DaemonInfo *info;
	struct MHD_Daemon *d;
	unsigned port = 0;
	sigset_t set;
	int c, sig;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'u':
			f.upstream = optarg;
			break;
		case 'p':
			port = (unsigned)atoi(optarg);
			break;
		case 'f':
			port_file = optarg;
			break;
		case 'b':
			f.bearer = true;
			f.token_creds = optarg;
			break;
		case 'a':
			f.always_401 = true;
			break;
		case '5':
			f.s500 = parse_target(optarg);
			break;
		case '4':
			f.s404 = parse_target(optarg);
			break;
		case 's':
			f.short_blob = true;
			break;
		case 'x':
			f.flip_blob = true;
			break;
		case 'm':
			f.flip_manifest = true;
			break;
		case 'r':
			f.redirect_blobs = true;
			break;
		default:
			fprintf(stderr, "usage: fakereg --upstream URL [--port N] [--port-file F] "
					"[--bearer[=U:P]] [--always-401] [--status-500[=WHAT]] "
					"[--status-404[=WHAT]] [--short-blob] [--flip-blob] "
					"[--redirect-blobs]\n");
			return 2;
		}
	}
	if (!f.upstream) {
		fprintf(stderr, "fakereg: --upstream is required\n");
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	srandom((unsigned)getpid());
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL); /* before MHD starts its threads */
	d = MHD_start_daemon(
		MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG,
		(uint16_t)port, NULL, NULL, handle, &f, MHD_OPTION_SOCK_ADDR,
		(struct sockaddr *)&(struct sockaddr_in){ .sin_family = AF_INET,
							  .sin_port = htons((uint16_t)port),
							  .sin_addr.s_addr =
								  htonl(INADDR_LOOPBACK) },
		MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "fakereg: cannot listen on 127.0.0.1:%u: %s\n", port,
			strerror(errno));
		return 1;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	f.port = info ? info->port : port;
	if (port_file) {
		FILE *pf = fopen(port_file, "w");

		if (!pf || fprintf(pf, "%u\n", f.port) < 0 || fclose(pf)) {
			fprintf(stderr, "fakereg: %s: %s\n", port_file, strerror(errno));
			MHD_stop_daemon(d);
			return 1;
		}
	}
	fprintf(stderr, "fakereg: listening on 127.0.0.1:%u\n", f.port);
	sigwait(&set, &sig);
	MHD_stop_daemon(d);
	for (unsigned i = 0; i < f.ntokens; i++)
		free(f.tokens[i]);
	curl_global_cleanup();
	return 0;
}
