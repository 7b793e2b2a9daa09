/* test_container_state.c - unit tests for state.c: containers created in a
 * temporary root (over an image imported from a tiny tarball), found by
 * name, id and prefix, names taken atomically by racing processes,
 * removed without a trace, and half-made directories swept. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "container/container.h"
#include "image/image.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

struct fixture {
	char root[64];
	char image_id[80];
};

/* A one-file tar in a temporary file, for img__import. */
static int tiny_tar(void)
{
	char path[] = "/tmp/vmkit-test-tar-XXXXXX";
	int fd = mkstemp(path);
	struct archive *a = archive_write_new();
	struct archive_entry *en = archive_entry_new();

	unlink(path);
	archive_write_set_format_pax_restricted(a);
	archive_write_open_fd(a, fd);
	archive_entry_set_pathname(en, "hello");
	archive_entry_set_filetype(en, AE_IFREG);
	archive_entry_set_perm(en, 0644);
	archive_entry_set_size(en, 3);
	archive_write_header(a, en);
	archive_write_data(a, "hi\n", 3);
	archive_entry_free(en);
	archive_write_close(a);
	archive_write_free(a);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct img_store *s;
	struct err e = { 0 };
	int fd;

	strcpy(f->root, "/tmp/vmkit-test-ctr-XXXXXX");
	if (!mkdtemp(f->root))
		return -1;
	if (img_store__open(f->root, &s, &e) < 0)
		return -1;
	fd = tiny_tar();
	if (img__import(s, fd, "tiny", f->image_id, &e) < 0) {
		fprintf(stderr, "import: %s\n", e.msg);
		return -1;
	}
	close(fd);
	img_store__close(s);
	*state = f;
	return 0;
}

static void rm_rf(const char *path)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", path);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	rm_rf(f->root);
	free(f);
	return 0;
}

static struct ctr_config config(const struct fixture *f, const char *name)
{
	struct ctr_config c = { 0 };

	snprintf(c.name, sizeof(c.name), "%s", name ? name : "");
	c.image = strdup("tiny");
	c.image_id = strdup(f->image_id);
	c.argv = calloc(2, sizeof(char *));
	c.argv[0] = strdup("/bin/true");
	c.binds = calloc(1, sizeof(*c.binds));
	c.ports = calloc(1, sizeof(*c.ports));
	return c;
}

static int count_dir(const char *root, const char *sub)
{
	char cmd[256];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls -A '%s/%s' 2>/dev/null | wc -l", root, sub);
	p = popen(cmd, "r");
	if (p && fscanf(p, "%d", &n) != 1)
		n = -1;
	if (p)
		pclose(p);
	return n;
}

static void test_create_lookup_remove(void **state)
{
	struct fixture *f = *state;
	struct ctr_config cfg = config(f, "web");
	struct ctr *c, *d;
	struct err e = { 0 };
	char prefix[8];

	assert_int_equal(ctr__create(f->root, &cfg, &c, &e), 0);
	assert_int_equal(strlen(c->cfg.id), CTR_ID_LEN);
	assert_int_equal(c->st.status, CTR_CREATED);
	assert_int_equal(strncmp(c->cfg.hostname, c->cfg.id, CTR_SHORT_LEN), 0);
	/* By name, full id, short id, prefix. */
	assert_int_equal(ctr__lookup(f->root, "web", &d, &e), 0);
	assert_string_equal(d->cfg.id, c->cfg.id);
	assert_string_equal(d->cfg.argv[0], "/bin/true");
	ctr__free(d);
	assert_int_equal(ctr__lookup(f->root, c->cfg.id, &d, &e), 0);
	ctr__free(d);
	memcpy(prefix, c->cfg.id, 5);
	prefix[5] = '\0';
	assert_int_equal(ctr__lookup(f->root, prefix, &d, &e), 0);
	ctr__free(d);
	assert_int_equal(ctr__lookup(f->root, "nope", &d, &e), -ENOENT);
	assert_string_equal(e.msg, "no such container: nope");
	/* The image is held while the container exists. */
	assert_int_equal(ctr__remove(c, &e), 0);
	ctr__free(c);
	assert_int_equal(ctr__lookup(f->root, "web", &d, &e), -ENOENT);
	assert_int_equal(count_dir(f->root, "containers"), 0);
	assert_int_equal(count_dir(f->root, "names"), 0);
}

static void test_name_in_use(void **state)
{
	struct fixture *f = *state;
	struct ctr_config a = config(f, "dup"), b = config(f, "dup");
	struct ctr *c, *d;
	struct err e = { 0 };
	char want[256];

	assert_int_equal(ctr__create(f->root, &a, &c, &e), 0);
	assert_int_equal(ctr__create(f->root, &b, &d, &e), -EEXIST);
	snprintf(want, sizeof(want), "name dup already in use by container %s", c->cfg.id);
	assert_string_equal(e.msg, want);
	assert_int_equal(count_dir(f->root, "containers"), 1);
	/* A stale name (its container gone without rm) is taken over. */
	rm_rf(c->dir);
	b = config(f, "dup");
	assert_int_equal(ctr__create(f->root, &b, &d, &e), 0);
	assert_int_equal(ctr__remove(d, &e), 0);
	ctr__free(d);
	ctr__free(c);
}

/* Eight processes race for one name: exactly one gets it. */
static void test_name_race(void **state)
{
	struct fixture *f = *state;
	int wins = 0, n = 8;
	struct ctr **v;
	int cnt;

	for (int i = 0; i < n; i++) {
		if (fork() == 0) {
			struct ctr_config cfg = config(f, "racer");
			struct ctr *c;
			_exit(ctr__create(f->root, &cfg, &c, NULL) == 0 ? 0 : 1);
		}
	}
	for (int i = 0; i < n; i++) {
		int st;
		wait(&st);
		wins += WIFEXITED(st) && WEXITSTATUS(st) == 0;
	}
	assert_int_equal(wins, 1);
	assert_int_equal(ctr__list(f->root, &v, &cnt, NULL), 0);
	assert_int_equal(cnt, 1);
	assert_string_equal(v[0]->cfg.name, "racer");
	assert_int_equal(ctr__remove(v[0], NULL), 0);
	ctr__free_list(v, cnt);
}

static void test_unnamed_and_sweep(void **state)
{
	struct fixture *f = *state;
	struct ctr_config a = config(f, NULL);
	struct ctr *c, **v;
	struct err e = { 0 };
	char path[256];
	int cnt;

	assert_int_equal(ctr__create(f->root, &a, &c, &e), 0);
	assert_int_equal(ctr__check_name(c->cfg.name, NULL), 0);
	/* A dead remover's half-removed directory is finished off. */
	snprintf(path, sizeof(path), "%s/containers/.rm-%s", f->root, c->cfg.id);
	assert_int_equal(rename(c->dir, path), 0);
	assert_int_equal(ctr__list(f->root, &v, &cnt, NULL), 0);
	assert_int_equal(cnt, 0);
	ctr__free_list(v, cnt);
	assert_int_equal(count_dir(f->root, "containers"), 0);
	assert_int_equal(count_dir(f->root, "names"), 0);
	ctr__free(c);
}

static void test_dead_monitor_repaired(void **state)
{
	struct fixture *f = *state;
	struct ctr_config a = config(f, "dead");
	struct ctr *c, *d;
	struct err e = { 0 };

	a.net_mode = NET_NONE;
	assert_int_equal(ctr__create(f->root, &a, &c, &e), 0);
	/* As a monitor killed with -9 leaves it: running, lock free. */
	c->st.status = CTR_RUNNING;
	c->st.pid = 999999;
	assert_int_equal(ctr__save_state(c, &e), 0);
	assert_false(ctr__monitor_alive(c));
	assert_int_equal(ctr__lookup(f->root, "dead", &d, &e), 0);
	assert_int_equal(d->st.status, CTR_EXITED);
	assert_int_equal(d->st.exit_code, 137);
	assert_int_equal(d->st.pid, 0);
	/* A held lock means a live monitor: its state is left alone. */
	int fd = ctr__lock(d, false, &e);
	assert_true(fd >= 0);
	assert_true(ctr__monitor_alive(d));
	assert_int_equal(ctr__lock(d, false, &e), -EBUSY);
	close(fd);
	assert_int_equal(ctr__remove(d, &e), 0);
	ctr__free(d);
	ctr__free(c);

	/* With --rm, the repair removes it (and must not wait on itself). */
	a = config(f, "deadrm");
	a.auto_remove = true;
	assert_int_equal(ctr__create(f->root, &a, &c, &e), 0);
	c->st.status = CTR_RUNNING;
	assert_int_equal(ctr__save_state(c, &e), 0);
	assert_int_equal(ctr__lookup(f->root, "deadrm", &d, &e), -ENOENT);
	assert_int_equal(count_dir(f->root, "containers"), 0);
	assert_int_equal(count_dir(f->root, "names"), 0);
	ctr__free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_lookup_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_name_in_use, setup, teardown),
		cmocka_unit_test_setup_teardown(test_name_race, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unnamed_and_sweep, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dead_monitor_repaired, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
