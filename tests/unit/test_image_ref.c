/* test_image_ref.c - image references parsed as Docker parses them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "image/image.h"
#include "image/store_int.h"

#include <errno.h>
#include <string.h>

#define D64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void check(const char *in, const char *reg, const char *repo, const char *tag,
		  const char *digest, const char *canon)
{
	struct img_ref r;
	struct err e = { 0 };
	char buf[600];

	assert_int_equal(img__parse_ref(in, &r, &e), 0);
	assert_string_equal(r.registry, reg);
	assert_string_equal(r.repo, repo);
	assert_string_equal(r.tag, tag);
	assert_string_equal(r.digest, digest);
	img__ref_name(&r, buf, sizeof(buf));
	assert_string_equal(buf, canon);
}

static void test_hub_short_names(void **state)
{
	(void)state;
	check("ubuntu", "registry-1.docker.io", "library/ubuntu", "latest", "",
	      "docker.io/library/ubuntu:latest");
	check("ubuntu:22.04", "registry-1.docker.io", "library/ubuntu", "22.04", "",
	      "docker.io/library/ubuntu:22.04");
	check("bitnami/redis", "registry-1.docker.io", "bitnami/redis", "latest", "",
	      "docker.io/bitnami/redis:latest");
	check("docker.io/ubuntu", "registry-1.docker.io", "library/ubuntu", "latest", "",
	      "docker.io/library/ubuntu:latest");
	check("index.docker.io/library/ubuntu:x", "registry-1.docker.io", "library/ubuntu", "x", "",
	      "docker.io/library/ubuntu:x");
}

static void test_registries(void **state)
{
	(void)state;
	check("localhost/foo", "localhost", "foo", "latest", "", "localhost/foo:latest");
	check("localhost:5000/a/b:1.0", "localhost:5000", "a/b", "1.0", "",
	      "localhost:5000/a/b:1.0");
	check("127.0.0.1:5000/busybox", "127.0.0.1:5000", "busybox", "latest", "",
	      "127.0.0.1:5000/busybox:latest");
	check("quay.io/coreos/etcd", "quay.io", "coreos/etcd", "latest", "",
	      "quay.io/coreos/etcd:latest");
	check("[::1]:5000/x", "[::1]:5000", "x", "latest", "", "[::1]:5000/x:latest");
	check("Registry/x", "Registry", "x", "latest", "", "Registry/x:latest");
}

static void test_digests(void **state)
{
	(void)state;
	check("busybox@sha256:" D64, "registry-1.docker.io", "library/busybox", "", "sha256:" D64,
	      "docker.io/library/busybox@sha256:" D64);
	check("localhost:5000/b:t@sha256:" D64, "localhost:5000", "b", "t", "sha256:" D64,
	      "localhost:5000/b:t@sha256:" D64);
}

static void test_separators(void **state)
{
	(void)state;
	check("a.b_c__d-e--f", "registry-1.docker.io", "library/a.b_c__d-e--f", "latest", "",
	      "docker.io/library/a.b_c__d-e--f:latest");
	check("x:_tag-1.A", "registry-1.docker.io", "library/x", "_tag-1.A", "",
	      "docker.io/library/x:_tag-1.A");
}

static void test_rejects(void **state)
{
	static const char *const bad[] = {
		"",
		"UPPER",
		"a/UPPER",
		"a:",
		"a:-tag",
		"a@sha256:123",
		"a@md5:" D64,
		"a@sha256:" D64 "0",
		"a/",
		"/a",
		"a//b",
		"a..b",
		"a_-b",
		"-a",
		"a b",
		"localhost:port/x",
		"host:5000/",
		"a:t:t",
		"x:"
		"0123456789012345678901234567890123456789012345678901234567890123456789"
		"0123456789012345678901234567890123456789012345678901234567890",
	};
	struct img_ref r;
	struct err e = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err__clear(&e);
		if (img__parse_ref(bad[i], &r, &e) != -EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_non_null(strstr(e.msg, "invalid reference format"));
	}
}

static void test_familiar(void **state)
{
	char buf[600];

	(void)state;
	ref__familiar("docker.io/library/ubuntu:latest", buf, sizeof(buf));
	assert_string_equal(buf, "ubuntu:latest");
	ref__familiar("docker.io/bitnami/redis:7", buf, sizeof(buf));
	assert_string_equal(buf, "bitnami/redis:7");
	ref__familiar("localhost:5000/library/x:1", buf, sizeof(buf));
	assert_string_equal(buf, "localhost:5000/library/x:1");
}

static void test_time_and_digest(void **state)
{
	char d[80];

	(void)state;
	assert_int_equal(ref__parse_time("1970-01-02T00:00:00Z"), 86400);
	assert_int_equal(ref__parse_time("2024-01-01T00:00:00.123456789Z"), 1704067200);
	assert_int_equal(ref__parse_time("2024-01-01T02:00:00+02:00"), 1704067200);
	assert_int_equal(ref__parse_time("junk"), 0);
	digest__of("", 0, d);
	assert_string_equal(
		d, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	assert_true(digest__valid(d));
	d[10] = 'G';
	assert_false(digest__valid(d));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hub_short_names), cmocka_unit_test(test_registries),
		cmocka_unit_test(test_digests),         cmocka_unit_test(test_separators),
		cmocka_unit_test(test_rejects),         cmocka_unit_test(test_familiar),
		cmocka_unit_test(test_time_and_digest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
