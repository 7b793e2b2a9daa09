/* test_registry.c - unit tests for the registry client's offline parts:
 * WWW-Authenticate parsing, credential keys, ROOT/auth.json, argument
 * checks and connection errors. (The HTTP paths run against the real
 * registry and fakereg in tests/integration/pull.bats.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "image/registry.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_challenge_bearer(void **state)
{
	struct reg_challenge c;

	(void)state;
	assert_int_equal(reg__parse_challenge("Bearer realm=\"https://auth.docker.io/token\","
					      "service=\"registry.docker.io\","
					      "scope=\"repository:library/ubuntu:pull\"",
					      &c),
			 0);
	assert_string_equal(c.scheme, "Bearer");
	assert_string_equal(c.realm, "https://auth.docker.io/token");
	assert_string_equal(c.service, "registry.docker.io");
	assert_string_equal(c.scope, "repository:library/ubuntu:pull");
}

static void test_challenge_variants(void **state)
{
	struct reg_challenge c;

	(void)state;
	/* Case-insensitive scheme and names, spaces, unquoted values. */
	assert_int_equal(reg__parse_challenge("bearer  Realm=http://h/t , service=svc", &c), 0);
	assert_string_equal(c.scheme, "Bearer");
	assert_string_equal(c.realm, "http://h/t");
	assert_string_equal(c.service, "svc");
	assert_string_equal(c.scope, "");
	/* Escapes inside a quoted string; a comma inside quotes is data. */
	assert_int_equal(reg__parse_challenge("Basic realm=\"a \\\"b\\\", c\"", &c), 0);
	assert_string_equal(c.scheme, "Basic");
	assert_string_equal(c.realm, "a \"b\", c");
	/* An unknown scheme first, then ours. */
	assert_int_equal(reg__parse_challenge("Negotiate abc=1, Basic realm=\"r\"", &c), 0);
	assert_string_equal(c.scheme, "Basic");
	assert_string_equal(c.realm, "r");
}

static void test_challenge_rejects(void **state)
{
	struct reg_challenge c;

	(void)state;
	assert_int_equal(reg__parse_challenge("", &c), -EINVAL);
	assert_int_equal(reg__parse_challenge("Negotiate", &c), -EINVAL);
	assert_int_equal(reg__parse_challenge("Bearer service=\"x\"", &c), -EINVAL); /* no realm */
	assert_int_equal(reg__parse_challenge("Bearer realm=\"unterminated", &c), -EINVAL);
}

static void test_host_key(void **state)
{
	char k[256];

	(void)state;
	reg__host_key("docker.io", k, sizeof(k));
	assert_string_equal(k, "docker.io");
	reg__host_key("registry-1.docker.io", k, sizeof(k));
	assert_string_equal(k, "docker.io");
	reg__host_key("https://index.docker.io/v1/", k, sizeof(k));
	assert_string_equal(k, "docker.io");
	reg__host_key("http://127.0.0.1:5000/", k, sizeof(k));
	assert_string_equal(k, "127.0.0.1:5000");
	reg__host_key("quay.io", k, sizeof(k));
	assert_string_equal(k, "quay.io");
}

static void test_auth_file(void **state)
{
	char dir[] = "/tmp/vmkit-test-registry-XXXXXX", path[128];
	struct err e = { 0 };
	char *u, *p;
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(reg__auth_load(dir, "example.com", &u, &p, &e), -ENOENT);
	assert_int_equal(reg__auth_store(dir, "example.com", "alice", "pa:ss word", &e), 0);
	assert_int_equal(reg__auth_store(dir, "https://registry-1.docker.io", "bob", "x", &e), 0);
	snprintf(path, sizeof(path), "%s/auth.json", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600); /* a secret: owner only */

	/* A colon in the password survives: only the first one splits. */
	assert_int_equal(reg__auth_load(dir, "example.com", &u, &p, &e), 0);
	assert_string_equal(u, "alice");
	assert_string_equal(p, "pa:ss word");
	free(u);
	free(p);
	assert_int_equal(reg__auth_load(dir, "docker.io", &u, &p, &e), 0);
	assert_string_equal(u, "bob");
	free(u);
	free(p);

	assert_int_equal(reg__logout(dir, "example.com", &e), 0);
	assert_int_equal(reg__auth_load(dir, "example.com", &u, &p, &e), -ENOENT);
	assert_int_equal(reg__logout(dir, "example.com", &e), -ENOENT);
	assert_non_null(strstr(e.msg, "not logged in"));
	assert_int_equal(reg__logout(dir, "index.docker.io", &e), 0);
	unlink(path);
	rmdir(dir);
}

static void test_auth_file_corrupt(void **state)
{
	char dir[] = "/tmp/vmkit-test-registry-XXXXXX", path[128];
	struct err e = { 0 };
	char *u, *p;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/auth.json", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"auths\": {\"h\": {\"auth\": \"bm9jb2xvbg==\"}}}", f); /* "nocolon" */
	fclose(f);
	assert_int_equal(reg__auth_load(dir, "h", &u, &p, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "malformed"));
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{not json", f);
	fclose(f);
	assert_int_equal(reg__auth_load(dir, "h", &u, &p, &e), -EINVAL);
	unlink(path);
	rmdir(dir);
}

/* A port nobody listens on: bind one, note it, close it. */
static int closed_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(s >= 0);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &len), 0);
	close(s);
	return ntohs(a.sin_port);
}

static void test_open_refused(void **state)
{
	struct reg_opts o = { .root = "/nonexistent", .tls_verify = true };
	struct err e = { 0 };
	struct reg *r = (struct reg *)1;
	char host[64];

	(void)state;
	snprintf(host, sizeof(host), "127.0.0.1:%d", closed_port());
	assert_int_equal(reg__open(host, &o, &r, &e), -ECONNREFUSED);
	assert_null(r);
	assert_non_null(strstr(e.msg, "Connection refused"));
	assert_non_null(strstr(e.msg, host));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_challenge_bearer),  cmocka_unit_test(test_challenge_variants),
		cmocka_unit_test(test_challenge_rejects), cmocka_unit_test(test_host_key),
		cmocka_unit_test(test_auth_file),         cmocka_unit_test(test_auth_file_corrupt),
		cmocka_unit_test(test_open_refused),
	};
	return cmocka_run_group_tests_name("registry", tests, NULL, NULL);
}
