/* test_container.c - unit tests for the container room's pure parts: the
 * wording of durations and statuses, restart policies, detach keys, names,
 * config/state JSON round trips, attach frames and the log format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/util.h"
#include "container/container.h"
#include "container/ctr_json.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SEC 1000000000LL

static void dur(int64_t ns, const char *want)
{
	char buf[64];

	util__human_duration(ns, buf, sizeof(buf));
	assert_string_equal(buf, want);
}

static void test_human_duration(void **state)
{
	(void)state;
	dur(0, "Less than a second");
	dur(SEC / 2, "Less than a second");
	dur(SEC, "1 second");
	dur(59 * SEC, "59 seconds");
	dur(60 * SEC, "About a minute");
	dur(119 * SEC, "About a minute");
	dur(120 * SEC, "2 minutes");
	dur(3599 * SEC, "59 minutes");
	dur(3600 * SEC, "About an hour");
	dur(3 * 3600 * SEC, "3 hours");
	dur(3 * 24 * 3600 * SEC, "3 days");
	dur(21 * 24 * 3600 * SEC, "3 weeks");
	dur(90 * 24 * 3600 * SEC, "3 months");
	dur(3 * 365 * 24 * 3600 * SEC, "3 years");
}

static void test_status_string(void **state)
{
	struct ctr c = { 0 };
	char buf[128];
	int64_t now = 1000 * SEC;

	(void)state;
	ctr__status_string(&c, now, buf, sizeof(buf));
	assert_string_equal(buf, "Created");
	c.st.status = CTR_RUNNING;
	c.st.started_at = now - 3 * SEC;
	ctr__status_string(&c, now, buf, sizeof(buf));
	assert_string_equal(buf, "Up 3 seconds");
	c.st.status = CTR_EXITED;
	c.st.exit_code = 137;
	c.st.finished_at = now - 5 * SEC;
	ctr__status_string(&c, now, buf, sizeof(buf));
	assert_string_equal(buf, "Exited (137) 5 seconds ago");
}

static void test_format_time(void **state)
{
	char buf[64];

	(void)state;
	ctr__format_time(0, buf, sizeof(buf));
	assert_string_equal(buf, "0001-01-01T00:00:00Z");
	ctr__format_time(1700000000LL * SEC + 5, buf, sizeof(buf));
	assert_string_equal(buf, "2023-11-14T22:13:20.000000005Z");
}

static void test_restart_policy(void **state)
{
	enum ctr_restart r;
	int max;

	(void)state;
	assert_int_equal(ctr__parse_restart("no", &r, &max, NULL), 0);
	assert_int_equal(r, CTR_RESTART_NO);
	assert_int_equal(ctr__parse_restart("always", &r, &max, NULL), 0);
	assert_int_equal(r, CTR_RESTART_ALWAYS);
	assert_int_equal(ctr__parse_restart("on-failure", &r, &max, NULL), 0);
	assert_int_equal(r, CTR_RESTART_ON_FAILURE);
	assert_int_equal(max, 0);
	assert_int_equal(ctr__parse_restart("on-failure:2", &r, &max, NULL), 0);
	assert_int_equal(max, 2);
	assert_int_equal(ctr__parse_restart("unless-stopped", &r, &max, NULL), 0);
	assert_int_equal(ctr__parse_restart("on-failure:", &r, &max, NULL), -EINVAL);
	assert_int_equal(ctr__parse_restart("on-failure:x", &r, &max, NULL), -EINVAL);
	assert_int_equal(ctr__parse_restart("always:3", &r, &max, NULL), -EINVAL);
	assert_int_equal(ctr__parse_restart("sometimes", &r, &max, NULL), -EINVAL);
	assert_int_equal(ctr__parse_restart("", &r, &max, NULL), -EINVAL);
}

static void test_detach_keys(void **state)
{
	char k[16];
	size_t n;
	struct err e;

	(void)state;
	assert_int_equal(ctr__parse_detach_keys("ctrl-p,ctrl-q", k, sizeof(k), &n, &e), 0);
	assert_int_equal(n, 2);
	assert_int_equal(k[0], 0x10);
	assert_int_equal(k[1], 0x11);
	assert_int_equal(ctr__parse_detach_keys("ctrl-a,x,ctrl-@", k, sizeof(k), &n, &e), 0);
	assert_int_equal(n, 3);
	assert_int_equal(k[0], 1);
	assert_int_equal(k[1], 'x');
	assert_int_equal(k[2], 0);
	assert_int_equal(ctr__parse_detach_keys("ctrl-1", k, sizeof(k), &n, &e), -EINVAL);
	assert_int_equal(ctr__parse_detach_keys("", k, sizeof(k), &n, &e), -EINVAL);
	assert_int_equal(ctr__parse_detach_keys("ab", k, sizeof(k), &n, &e), -EINVAL);
}

static void test_names(void **state)
{
	(void)state;
	assert_int_equal(ctr__check_name("hello", NULL), 0);
	assert_int_equal(ctr__check_name("a1_b.c-d", NULL), 0);
	assert_int_equal(ctr__check_name("x", NULL), -EINVAL);
	assert_int_equal(ctr__check_name("-bad", NULL), -EINVAL);
	assert_int_equal(ctr__check_name("has space", NULL), -EINVAL);
	assert_int_equal(ctr__check_name("sl/ash", NULL), -EINVAL);
}

static char **strv(const char *a, const char *b)
{
	char **v = calloc(3, sizeof(*v));

	v[0] = strdup(a);
	v[1] = b ? strdup(b) : NULL;
	return v;
}

static void test_config_round_trip(void **state)
{
	struct ctr_config c = { 0 }, d;
	json_t *j;

	(void)state;
	memset(c.id, 'a', CTR_ID_LEN);
	strcpy(c.name, "web");
	c.image = strdup("busybox");
	c.image_id = strdup("sha256:00");
	c.layers = strv("/l/1", "/l/2");
	c.nlayers = 2;
	c.cmd = strv("sleep", "30");
	c.argv = strv("sleep", "30");
	c.env = strv("A=1", NULL);
	c.workdir = strdup("/tmp");
	c.nbinds = 1;
	c.binds = calloc(1, sizeof(*c.binds));
	c.binds[0] = (struct ctr_bind){ strdup("/h"), strdup("/c"), true };
	c.nports = 1;
	c.ports = calloc(1, sizeof(*c.ports));
	c.ports[0] = (struct net_port){ .host_port = 8080, .ctr_port = 80, .proto = "tcp" };
	c.net_mode = NET_NONE;
	c.limits.memory = 64 << 20;
	c.limits.pids = 50;
	c.cpus = 0.5;
	c.restart = CTR_RESTART_ON_FAILURE;
	c.restart_max = 2;
	c.tty = true;
	c.created = 42;
	j = ctr_json__config(&c);
	assert_non_null(j);
	assert_int_equal(ctr_json__parse_config(j, &d, NULL), 0);
	json_decref(j);
	assert_memory_equal(d.id, c.id, CTR_ID_LEN + 1);
	assert_string_equal(d.name, "web");
	assert_string_equal(d.layers[1], "/l/2");
	assert_int_equal(d.nlayers, 2);
	assert_null(d.entrypoint);
	assert_string_equal(d.argv[1], "30");
	assert_string_equal(d.binds[0].dst, "/c");
	assert_true(d.binds[0].ro);
	assert_int_equal(d.ports[0].host_port, 8080);
	assert_int_equal(d.net_mode, NET_NONE);
	assert_int_equal(d.limits.memory, 64 << 20);
	assert_int_equal(d.restart, CTR_RESTART_ON_FAILURE);
	assert_int_equal(d.restart_max, 2);
	assert_true(d.tty);
	assert_false(d.auto_remove);
	assert_int_equal(d.created, 42);
	ctr__config_free(&c);
	ctr__config_free(&d);
}

static void test_state_round_trip(void **state)
{
	struct ctr_state s = { .status = CTR_EXITED,
			       .pid = 0,
			       .exit_code = 137,
			       .oom_killed = true,
			       .started_at = 5,
			       .finished_at = 9,
			       .restart_count = 2 },
			 t;
	json_t *j;

	(void)state;
	strcpy(s.net.ip, "10.209.0.2");
	s.net.mode = NET_BRIDGE;
	j = ctr_json__state(&s);
	assert_int_equal(ctr_json__parse_state(j, &t, NULL), 0);
	json_decref(j);
	assert_int_equal(t.status, CTR_EXITED);
	assert_int_equal(t.exit_code, 137);
	assert_true(t.oom_killed);
	assert_int_equal(t.finished_at, 9);
	assert_int_equal(t.restart_count, 2);
	assert_string_equal(t.net.ip, "10.209.0.2");
	assert_int_equal(t.net.mode, NET_BRIDGE);
}

static void test_frames(void **state)
{
	int sv[2];
	struct ctr_frame_hdr h;
	char buf[CTR_FRAME_MAX], big[5000];
	int32_t v = 7;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	memset(big, 'x', sizeof(big));
	assert_int_equal(ctr__send_frame(sv[0], CTR_F_SIGNAL, &v, sizeof(v)), 0);
	assert_int_equal(ctr__send_frame(sv[0], CTR_F_STDOUT, big, sizeof(big)), 0);
	assert_int_equal(ctr__send_frame(sv[0], CTR_F_STDIN_EOF, NULL, 0), 0);
	assert_int_equal(ctr__recv_frame(sv[1], &h, buf, sizeof(buf)), 0);
	assert_int_equal(h.type, CTR_F_SIGNAL);
	assert_int_equal(h.len, 4);
	assert_memory_equal(buf, &v, 4);
	assert_int_equal(ctr__recv_frame(sv[1], &h, buf, sizeof(buf)), 0);
	assert_int_equal(h.len, sizeof(big));
	assert_memory_equal(buf, big, sizeof(big));
	assert_int_equal(ctr__recv_frame(sv[1], &h, buf, sizeof(buf)), 0);
	assert_int_equal(h.type, CTR_F_STDIN_EOF);
	close(sv[0]);
	assert_int_equal(ctr__recv_frame(sv[1], &h, buf, sizeof(buf)), -EPIPE);
	close(sv[1]);
}

/* Read a whole small file. */
static char *slurp(int fd)
{
	static char buf[4096];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void test_log_round_trip(void **state)
{
	char dir[] = "/tmp/vmkit-test-log-XXXXXX", path[128];
	struct ctr c = { 0 };
	struct ctr_log_opts all = { .tail = -1 }, tail2 = { .tail = 2 },
			    ts = { .tail = 1, .timestamps = true };
	int fd, out, err;

	(void)state;
	assert_non_null(mkdtemp(dir));
	c.dir = dir;
	snprintf(path, sizeof(path), "%s/" CTR_LOG_NAME, dir);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ctr__log_write(fd, 1, "one\ntw", 6), 0);
	assert_int_equal(ctr__log_write(fd, 2, "oops\n", 5), 0);
	assert_int_equal(ctr__log_write(fd, 1, "o\nthree\n", 8), 0);
	close(fd);

	out = open(dir, O_TMPFILE | O_RDWR, 0600);
	err = open(dir, O_TMPFILE | O_RDWR, 0600);
	assert_int_equal(ctr__log_read(&c, &all, out, err, NULL), 0);
	assert_string_equal(slurp(out), "one\ntwo\nthree\n");
	assert_string_equal(slurp(err), "oops\n");
	close(out);
	close(err);

	out = open(dir, O_TMPFILE | O_RDWR, 0600);
	err = open(dir, O_TMPFILE | O_RDWR, 0600);
	assert_int_equal(ctr__log_read(&c, &tail2, out, err, NULL), 0);
	assert_string_equal(slurp(out), "two\nthree\n");
	assert_string_equal(slurp(err), "");
	close(out);
	close(err);

	out = open(dir, O_TMPFILE | O_RDWR, 0600);
	assert_int_equal(ctr__log_read(&c, &ts, out, out, NULL), 0);
	assert_int_equal(strlen(slurp(out)), 30 + 1 + 6);
	assert_string_equal(slurp(out) + 31, "three\n");
	close(out);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_human_duration),
		cmocka_unit_test(test_status_string),
		cmocka_unit_test(test_format_time),
		cmocka_unit_test(test_restart_policy),
		cmocka_unit_test(test_detach_keys),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_config_round_trip),
		cmocka_unit_test(test_state_round_trip),
		cmocka_unit_test(test_frames),
		cmocka_unit_test(test_log_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
