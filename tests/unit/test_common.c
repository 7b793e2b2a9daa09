/* test_common.c - unit tests for src/common: size parsing, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/err.h"
#include "common/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_parse_size_suffixes(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(util__parse_size("4096", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(util__parse_size("64k", &v), 0);
	assert_int_equal(v, 64 * 1024);
	assert_int_equal(util__parse_size("128M", &v), 0);
	assert_int_equal(v, 128ULL << 20);
	assert_int_equal(util__parse_size("2G", &v), 0);
	assert_int_equal(v, 2ULL << 30);
	assert_int_equal(util__parse_size("1GiB", &v), 0);
	assert_int_equal(v, 1ULL << 30);
}

static void test_parse_size_rejects(void **state)
{
	uint64_t v = 7;

	(void)state;
	assert_int_equal(util__parse_size("", &v), -EINVAL);
	assert_int_equal(util__parse_size("M", &v), -EINVAL);
	assert_int_equal(util__parse_size("-1M", &v), -EINVAL);
	assert_int_equal(util__parse_size("12X", &v), -EINVAL);
	assert_int_equal(util__parse_size("12MX", &v), -EINVAL);
	assert_int_equal(util__parse_size("99999999999999999999", &v), -ERANGE);
	assert_int_equal(util__parse_size("17179869184G", &v), -ERANGE);
	assert_int_equal(v, 7); /* untouched on failure */
}

static void test_parse_uint(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(util__parse_uint("3", 1, 8, &v), 0);
	assert_int_equal(v, 3);
	assert_int_equal(util__parse_uint("0", 1, 8, &v), -ERANGE);
	assert_int_equal(util__parse_uint("9", 1, 8, &v), -ERANGE);
	assert_int_equal(util__parse_uint("3x", 1, 8, &v), -EINVAL);
	assert_int_equal(util__parse_uint(" 3", 1, 8, &v), -EINVAL);
}

static void test_err_wrap(void **state)
{
	struct err e;

	(void)state;
	assert_int_equal(err__sys(&e, ENOENT, "open %s", "k.bin"), -ENOENT);
	assert_string_equal(e.msg, "open k.bin: No such file or directory");
	assert_int_equal(err__wrap(&e, "kernel"), -ENOENT);
	assert_string_equal(e.msg, "kernel: open k.bin: No such file or directory");
	assert_int_equal(err__set(&e, 0, "x"), -EINVAL);
	assert_int_equal(e.code, EINVAL);
}

static void test_err_wrap_truncates_safely(void **state)
{
	struct err e;
	char big[2 * ERR_MSG_MAX];

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	err__set(&e, EIO, "%s", big);
	err__wrap(&e, "%s", big);
	assert_int_equal(strlen(e.msg), ERR_MSG_MAX - 1);
}

static void test_mkdir_p(void **state)
{
	char base[] = "/tmp/vmkit-mkdirp-XXXXXX", path[256], file[256];
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(base));
	snprintf(path, sizeof(path), "%s/a/b/c", base);
	assert_int_equal(util__mkdir_p(path, 0700), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700 & ~umask(022));
	assert_int_equal(util__mkdir_p(path, 0700), 0); /* existing is fine */
	snprintf(file, sizeof(file), "%s/f", base);
	fclose(fopen(file, "w"));
	snprintf(path, sizeof(path), "%s/f/x", base);
	assert_int_equal(util__mkdir_p(path, 0755), -ENOTDIR);
	unlink(file);
	rmdir(strcat(strcpy(path, base), "/a/b/c"));
	rmdir(strcat(strcpy(path, base), "/a/b"));
	rmdir(strcat(strcpy(path, base), "/a"));
	assert_int_equal(rmdir(base), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_size_suffixes),
		cmocka_unit_test(test_parse_size_rejects),
		cmocka_unit_test(test_parse_uint),
		cmocka_unit_test(test_err_wrap),
		cmocka_unit_test(test_err_wrap_truncates_safely),
		cmocka_unit_test(test_mkdir_p),
	};
	return cmocka_run_group_tests_name("common", tests, NULL, NULL);
}
