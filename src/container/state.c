/* state.c - containers on disk: ROOT/containers/<id>/{config.json,
 * state.json, lock, upper/, work/, rootfs/, etc/, ctr.log}, and the names
 * index ROOT/names/<name> -> <id> (symlinks: creating one is atomic, so two
 * runs asking for one name cannot both get it).
 *
 * Crash safety: a container directory is built as containers/.tmp-<id>
 * and renamed into place only when complete; removal renames it to
 * containers/.rm-<id> first. Either kind left by a killed process is
 * finished off by the next listing (its lock tells a live creator or
 * remover from a dead one). A name whose container directory is gone is
 * stale, unless a live creator is still making it (.tmp-<id>: the name is
 * taken before the rename), and can be taken again. */
#include "container/container.h"

#include "container/ctr_json.h"
#include "common/util.h"
#include "image/image.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

char *ctr__root_dir(const char *root)
{
	return strdup(root ? root : IMG_DEFAULT_ROOT);
}

int ctr__check_name(const char *name, struct err *e)
{
	size_t n = strlen(name);

	if (n < 2 || n >= sizeof(((struct ctr_config *)0)->name))
		goto bad;
	for (size_t i = 0; i < n; i++) {
		char ch = name[i];
		bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			     (ch >= '0' && ch <= '9');
		if (!alnum && (i == 0 || (ch != '_' && ch != '.' && ch != '-')))
			goto bad;
	}
	return 0;
bad:
	return err__set(e, EINVAL,
			"invalid container name \"%s\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
			name);
}

/* snprintf for paths: they fit in PATH_MAX-sized buffers, and a va_list
 * keeps the compiler from guessing otherwise about every caller. */
static void __attribute__((format(printf, 3, 4)))
pathf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

/* Write path atomically: a temporary file beside it, then rename. */
static int write_json_file(const char *path, json_t *j, struct err *e)
{
	char tmp[4200];
	char *s = json_dumps(j, JSON_INDENT(1));
	int fd, rc = 0;
	size_t len;

	if (!s)
		return err__set(e, ENOMEM, "encode %s", path);
	pathf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = err__sys(e, errno, "create %s", tmp);
		goto out;
	}
	len = strlen(s);
	if (write(fd, s, len) != (ssize_t)len || write(fd, "\n", 1) != 1) {
		rc = err__sys(e, errno ? errno : EIO, "write %s", tmp);
		close(fd);
		unlink(tmp);
		goto out;
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		rc = err__sys(e, errno, "rename %s", tmp);
		unlink(tmp);
	}
out:
	free(s);
	return rc;
}

static json_t *read_json_file(const char *path, struct err *e)
{
	json_error_t je;
	json_t *j = json_load_file(path, 0, &je);

	if (!j)
		err__set(e, errno == ENOENT ? ENOENT : EINVAL, "%s: %s", path, je.text);
	return j;
}

static void random_hex(char *out, size_t nbytes)
{
	unsigned char b[64];
	static const char hex[] = "0123456789abcdef";

	if (getrandom(b, nbytes, 0) != (ssize_t)nbytes) {
		/* getrandom cannot fail for small sizes once the pool is ready;
		 * fall back to something unique rather than abort. */
		for (size_t i = 0; i < nbytes; i++)
			b[i] = (unsigned char)(rand() ^ (getpid() << 3) ^ (int)i);
	}
	for (size_t i = 0; i < nbytes; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
	out[2 * nbytes] = '\0';
}

/* Docker names unnamed containers adjective_name; a short list of our own. */
static void random_name(char *out, size_t size)
{
	static const char *const adj[] = { "brave",  "calm",   "eager",  "fond",   "gentle",
					   "happy",  "jolly",  "keen",   "lucid",  "merry",
					   "nifty",  "proud",  "quirky", "serene", "sharp",
					   "tender", "upbeat", "vivid",  "witty",  "zen" };
	static const char *const noun[] = { "babbage", "curie",  "dijkstra", "euler",    "fermat",
					    "gauss",   "hopper", "knuth",    "lovelace", "maxwell",
					    "noether", "pascal", "ritchie",  "shannon",  "thompson",
					    "turing",  "wirth",  "hamilton", "lamport",  "kay" };
	unsigned char r[3];

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		memset(r, 0, sizeof(r));
	pathf(out, size, "%s_%s%s", adj[r[0] % ARRAY_SIZE(adj)], noun[r[1] % ARRAY_SIZE(noun)],
	      r[2] % 4 ? "" : "_2");
}

static char *names_path(const char *root, const char *name)
{
	char *p;

	if (asprintf(&p, "%s/names/%s", root, name) < 0)
		return NULL;
	return p;
}

static bool ctr_dir_exists(const char *root, const char *id)
{
	char path[4200];

	pathf(path, sizeof(path), "%s/containers/%s", root, id);
	return access(path, F_OK) == 0;
}

static void sweep_one(const char *root, const char *entry);

/* Whether id's directory is still being made (.tmp-<id>, its creator
 * alive): the creator takes the name before renaming it into place. A dead
 * creator's is swept here, which makes its name stale. */
static bool creating(const char *root, const char *id)
{
	char entry[CTR_ID_LEN + 8], path[4200];

	pathf(entry, sizeof(entry), ".tmp-%s", id);
	pathf(path, sizeof(path), "%s/containers/%s", root, entry);
	if (access(path, F_OK) < 0)
		return false;
	sweep_one(root, entry);
	return access(path, F_OK) == 0;
}

/* Take the name for id; a link to a container that no longer exists is
 * stale and taken over. */
static int reserve_name(const char *root, const char *name, const char *id, struct err *e)
{
	char *path = names_path(root, name);
	char other[CTR_ID_LEN + 8];
	int rc = 0;

	if (!path)
		return err__set(e, ENOMEM, "name %s", name);
	for (int tries = 0; tries < 3; tries++) {
		ssize_t n;

		if (symlink(id, path) == 0)
			goto out;
		if (errno != EEXIST) {
			rc = err__sys(e, errno, "reserve name %s", name);
			goto out;
		}
		n = readlink(path, other, sizeof(other) - 1);
		if (n < 0)
			continue;
		other[n] = '\0';
		if (ctr_dir_exists(root, other) || creating(root, other)) {
			rc = err__set(e, EEXIST, "name %s already in use by container %s", name,
				      other);
			goto out;
		}
		/* Stale: its container is gone. Whoever unlinks first wins. */
		unlink(path);
	}
	rc = err__set(e, EEXIST, "name %s: could not reserve it", name);
out:
	free(path);
	return rc;
}

static void release_name(const char *root, const char *name, const char *id)
{
	char *path = names_path(root, name);
	char other[CTR_ID_LEN + 8];
	ssize_t n;

	if (!path)
		return;
	n = readlink(path, other, sizeof(other) - 1);
	if (n > 0) {
		other[n] = '\0';
		if (!strcmp(other, id))
			unlink(path);
	}
	free(path);
}

void ctr__free(struct ctr *c)
{
	if (!c)
		return;
	ctr_json__config_free(&c->cfg);
	free(c->root);
	free(c->dir);
	free(c);
}

void ctr__free_list(struct ctr **v, int n)
{
	for (int i = 0; i < n; i++)
		ctr__free(v[i]);
	free(v);
}

int ctr__save_state(struct ctr *c, struct err *e)
{
	char path[4200];
	json_t *j = ctr_json__state(&c->st);
	int rc;

	if (!j)
		return err__set(e, ENOMEM, "encode state");
	pathf(path, sizeof(path), "%s/state.json", c->dir);
	rc = write_json_file(path, j, e);
	json_decref(j);
	return rc;
}

int ctr__reload_state(struct ctr *c, struct err *e)
{
	char path[4200];
	struct err e2;
	json_t *j;
	int rc;

	pathf(path, sizeof(path), "%s/state.json", c->dir);
	j = read_json_file(path, e ? e : &e2);
	if (!j)
		return e ? -e->code : -e2.code;
	rc = ctr_json__parse_state(j, &c->st, e);
	json_decref(j);
	return rc;
}

int ctr__lock(struct ctr *c, bool wait, struct err *e)
{
	char path[4200];
	int fd;

	pathf(path, sizeof(path), "%s/lock", c->dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return err__sys(e, errno, "open %s", path);
	if (flock(fd, wait ? LOCK_EX : LOCK_EX | LOCK_NB) < 0) {
		int err = errno;
		close(fd);
		if (err == EWOULDBLOCK)
			return err__set(e, EBUSY, "container %.12s is busy", c->cfg.id);
		return err__sys(e, err, "lock %s", path);
	}
	return fd;
}

bool ctr__monitor_alive(struct ctr *c)
{
	int fd = ctr__lock(c, false, NULL);

	if (fd == -EBUSY)
		return true;
	if (fd >= 0)
		close(fd);
	return false;
}

static struct ctr *ctr_alloc(const char *root, const char *id)
{
	struct ctr *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->root = strdup(root);
	if (asprintf(&c->dir, "%s/containers/%s", root, id) < 0)
		c->dir = NULL;
	if (!c->root || !c->dir) {
		ctr__free(c);
		return NULL;
	}
	return c;
}

static int hold_image(const char *root, const char *image_id, const char *id, bool hold,
		      struct err *e)
{
	struct img_store *s;
	int rc = img_store__open(root, &s, e);

	if (rc < 0)
		return rc;
	rc = hold ? img__hold(s, image_id, id, e) : img__release(s, image_id, id, e);
	img_store__close(s);
	return rc;
}

static int make_ctr_dir(const char *dir, struct ctr *c, int *lock, struct err *e)
{
	static const char *const subs[] = { "upper", "work", "rootfs", "etc" };
	char path[4200];
	json_t *j;
	int rc;

	if (mkdir(dir, 0700) < 0)
		return err__sys(e, errno, "create %s", dir);
	/* Locked while half-made, so a listing does not sweep it away. */
	pathf(path, sizeof(path), "%s/lock", dir);
	*lock = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (*lock < 0 || flock(*lock, LOCK_EX) < 0)
		return err__sys(e, errno, "lock %s", path);
	for (size_t i = 0; i < ARRAY_SIZE(subs); i++) {
		pathf(path, sizeof(path), "%s/%s", dir, subs[i]);
		if (mkdir(path, 0755) < 0)
			return err__sys(e, errno, "create %s", path);
	}
	j = ctr_json__config(&c->cfg);
	if (!j)
		return err__set(e, ENOMEM, "encode config");
	pathf(path, sizeof(path), "%s/config.json", dir);
	rc = write_json_file(path, j, e);
	json_decref(j);
	if (rc < 0)
		return rc;
	j = ctr_json__state(&c->st);
	if (!j)
		return err__set(e, ENOMEM, "encode state");
	pathf(path, sizeof(path), "%s/state.json", dir);
	rc = write_json_file(path, j, e);
	json_decref(j);
	return rc;
}

int ctr__create(const char *root, struct ctr_config *cfg, struct ctr **out, struct err *e)
{
	char tmpdir[4200], cdir[4200];
	struct ctr *c;
	bool named = cfg->name[0] != '\0', redrawn = false;
	int rc, lock = -1;

	random_hex(cfg->id, CTR_ID_LEN / 2);
	cfg->created = ctr__now();
	c = ctr_alloc(root, cfg->id);
	if (!c) {
		ctr_json__config_free(cfg);
		return err__set(e, ENOMEM, "create container");
	}
	c->cfg = *cfg;
	memset(cfg, 0, sizeof(*cfg));
	if (!c->cfg.hostname)
		c->cfg.hostname = strndup(c->cfg.id, CTR_SHORT_LEN);
	if (!named)
		random_name(c->cfg.name, sizeof(c->cfg.name));
	c->st.status = CTR_CREATED;

	pathf(cdir, sizeof(cdir), "%s/containers", root);
	rc = util__mkdir_p(cdir, 0700);
	if (rc == 0) {
		pathf(tmpdir, sizeof(tmpdir), "%s/names", root);
		rc = util__mkdir_p(tmpdir, 0700);
	}
	if (rc < 0) {
		err__sys(e, -rc, "create %s", cdir);
		goto fail;
	}
	pathf(tmpdir, sizeof(tmpdir), "%s/containers/.tmp-%s", root, c->cfg.id);
	rc = make_ctr_dir(tmpdir, c, &lock, e);
	if (rc < 0)
		goto fail_tmp;
	rc = hold_image(root, c->cfg.image_id, c->cfg.id, true, e);
	if (rc < 0)
		goto fail_tmp;
	/* The name before the rename: a container in place always has its
	 * name, and a name whose directory is missing (and not being made)
	 * is stale. */
	for (int tries = 0;; tries++) {
		rc = reserve_name(root, c->cfg.name, c->cfg.id, e);
		if (rc != -EEXIST || named || tries > 20)
			break;
		random_name(c->cfg.name, sizeof(c->cfg.name));
		redrawn = true;
	}
	if (rc < 0)
		goto fail_hold;
	if (redrawn) {
		/* config.json has the name drawn first, which was taken. */
		json_t *j = ctr_json__config(&c->cfg);
		char path[4300];
		pathf(path, sizeof(path), "%s/config.json", tmpdir);
		rc = j ? write_json_file(path, j, e) : err__set(e, ENOMEM, "encode config");
		json_decref(j);
		if (rc < 0)
			goto fail_name;
	}
	if (rename(tmpdir, c->dir) < 0) {
		rc = err__sys(e, errno, "create %s", c->dir);
		goto fail_name;
	}
	close(lock);
	*out = c;
	return 0;

fail_name:
	release_name(root, c->cfg.name, c->cfg.id);
fail_hold:
	hold_image(root, c->cfg.image_id, c->cfg.id, false, NULL);
fail_tmp:
	util__rmtree(tmpdir);
	if (lock >= 0)
		close(lock);
fail:
	ctr__free(c);
	return rc;
}

static int load_one(const char *root, const char *id, struct ctr **out, struct err *e)
{
	struct ctr *c = ctr_alloc(root, id);
	char path[4200];
	json_t *j;
	int rc;

	if (!c)
		return err__set(e, ENOMEM, "load container");
	pathf(path, sizeof(path), "%s/config.json", c->dir);
	j = read_json_file(path, e);
	if (!j) {
		rc = -e->code;
		goto fail;
	}
	rc = ctr_json__parse_config(j, &c->cfg, e);
	json_decref(j);
	if (rc < 0)
		goto fail;
	rc = ctr__reload_state(c, e);
	if (rc < 0)
		goto fail;
	*out = c;
	return 0;
fail:
	ctr__free(c);
	return rc;
}

/* Undo what a start left outside the container directory, after its
 * monitor died without doing it. */
static void cleanup_leftovers(struct ctr *c)
{
	struct err e2;
	struct cg *cg;

	/* PDEATHSIG normally took the container with its monitor; anything
	 * still in its cgroups (a process that escaped it) goes now, before
	 * the state says exited and a start could run a second copy. */
	if (cg__open(c->cfg.id, &cg, &e2) == 0) {
		cg__kill_all(cg, SIGKILL, &e2);
		cg__destroy(cg, &e2);
	}
	if (c->st.net.mode == NET_BRIDGE || c->cfg.net_mode == NET_BRIDGE)
		net__teardown(c->root, c->cfg.id, &c->st.net, &e2);
}

/* Whether a monitor ran for c (its state says running or restarting, or
 * carries the monitor_pid a monitor writes before the runtime creates
 * anything). Without the lock held, it may be a live one. */
static bool needs_cleanup(const struct ctr *c)
{
	return c->st.status == CTR_RUNNING || c->st.status == CTR_RESTARTING ||
	       c->st.monitor_pid != 0;
}

/* A container whose state says running but whose monitor is gone was
 * killed with it (its init has PDEATHSIG): record that, clean up, and
 * remove it if it was --rm. Returns -ENOENT when removed. */
static int refresh(struct ctr *c, struct err *e)
{
	int fd, rc = 0;

	if (!needs_cleanup(c))
		return 0;
	fd = ctr__lock(c, false, NULL);
	if (fd < 0)
		return 0; /* a monitor has it: the state is its to keep */
	rc = ctr__reload_state(c, e);
	if (rc < 0)
		goto out;
	if (needs_cleanup(c)) {
		cleanup_leftovers(c);
		c->st.status = CTR_EXITED;
		c->st.exit_code = 128 + SIGKILL;
		c->st.pid = 0;
		c->st.monitor_pid = 0;
		c->st.finished_at = ctr__now();
		pathf(c->st.error, sizeof(c->st.error), "monitor died");
		rc = ctr__save_state(c, e);
	}
	if (rc == 0 && c->cfg.auto_remove) {
		rc = ctr__remove_locked(c, e);
		if (rc == 0)
			rc = -ENOENT;
	}
out:
	close(fd);
	return rc;
}

/* Finish off a .tmp- or .rm- directory whose creator or remover died. */
static void sweep_one(const char *root, const char *entry)
{
	char dir[4200], lock[4300];
	const char *id = strchr(entry + 1, '-') + 1;
	struct ctr *c;
	int fd;

	pathf(dir, sizeof(dir), "%s/containers/%s", root, entry);
	pathf(lock, sizeof(lock), "%s/lock", dir);
	fd = open(lock, O_RDWR | O_CLOEXEC);
	if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		return; /* still being created or removed */
	}
	if (fd < 0) {
		struct stat st;
		/* Without a lock file it is either brand new (mkdir, then the
		 * lock) or long dead: leave young ones alone. */
		if (stat(dir, &st) < 0 || time(NULL) - st.st_mtime < 60)
			return;
	}
	c = ctr_alloc(root, id);
	if (c) {
		char path[4300];
		json_t *j;

		pathf(path, sizeof(path), "%s/config.json", dir);
		j = read_json_file(path, NULL);
		if (j && ctr_json__parse_config(j, &c->cfg, NULL) == 0 && c->cfg.image_id) {
			release_name(root, c->cfg.name, id);
			hold_image(root, c->cfg.image_id, id, false, NULL);
		}
		json_decref(j);
		ctr__free(c);
	}
	util__rmtree(dir);
	if (fd >= 0)
		close(fd);
}

static void strv_free_n(char **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static bool is_hex_id(const char *s)
{
	size_t n = strlen(s);

	if (n != CTR_ID_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static int cmp_created(const void *a, const void *b)
{
	const struct ctr *x = *(struct ctr *const *)a, *y = *(struct ctr *const *)b;

	return x->cfg.created < y->cfg.created ? -1 : x->cfg.created > y->cfg.created;
}

/* Every id in ROOT/containers, optionally sweeping dead temporaries. */
static int list_ids(const char *root, bool sweep, char ***ids, int *n, struct err *e)
{
	char path[4200];
	DIR *d;
	struct dirent *de;
	char **v = NULL;
	int cnt = 0, cap = 0;

	*ids = NULL;
	*n = 0;
	pathf(path, sizeof(path), "%s/containers", root);
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? 0 : err__sys(e, errno, "open %s", path);
	while ((de = readdir(d))) {
		if (sweep &&
		    (!strncmp(de->d_name, ".tmp-", 5) || !strncmp(de->d_name, ".rm-", 4)) &&
		    is_hex_id(strchr(de->d_name + 1, '-') + 1)) {
			sweep_one(root, de->d_name);
			continue;
		}
		if (!is_hex_id(de->d_name))
			continue;
		if (cnt == cap) {
			char **nv = realloc(v, sizeof(*v) * (cap = cap ? 2 * cap : 16));
			if (!nv)
				break;
			v = nv;
		}
		v[cnt] = strdup(de->d_name);
		if (v[cnt])
			cnt++;
	}
	closedir(d);
	*ids = v;
	*n = cnt;
	return 0;
}

int ctr__list(const char *root, struct ctr ***out, int *n, struct err *e)
{
	char **ids;
	int nids, cnt = 0, rc;
	struct ctr **v;

	rc = list_ids(root, true, &ids, &nids, e);
	if (rc < 0)
		return rc;
	v = calloc(nids ? nids : 1, sizeof(*v));
	if (!v) {
		strv_free_n(ids, nids);
		return err__set(e, ENOMEM, "list containers");
	}
	for (int i = 0; i < nids; i++) {
		struct ctr *c;
		if (load_one(root, ids[i], &c, NULL) < 0)
			continue; /* removed meanwhile */
		if (refresh(c, NULL) < 0) {
			ctr__free(c);
			continue;
		}
		v[cnt++] = c;
	}
	strv_free_n(ids, nids);
	qsort(v, cnt, sizeof(*v), cmp_created);
	*out = v;
	*n = cnt;
	return 0;
}

/* Resolve ref as Docker does: full id, then name, then unique id prefix. */
static int resolve(const char *root, const char *ref, char id[CTR_ID_LEN + 1], struct err *e)
{
	char *npath, link[CTR_ID_LEN + 8];
	char **ids;
	int nids, found = 0, rc;
	size_t rl = strlen(ref);
	ssize_t n;

	if (is_hex_id(ref) && ctr_dir_exists(root, ref)) {
		memcpy(id, ref, CTR_ID_LEN + 1);
		return 0;
	}
	if (ctr__check_name(ref, NULL) == 0 && (npath = names_path(root, ref))) {
		n = readlink(npath, link, sizeof(link) - 1);
		free(npath);
		if (n == CTR_ID_LEN) {
			link[n] = '\0';
			if (ctr_dir_exists(root, link)) {
				memcpy(id, link, CTR_ID_LEN + 1);
				return 0;
			}
		}
	}
	rc = list_ids(root, false, &ids, &nids, e);
	if (rc < 0)
		return rc;
	for (int i = 0; i < nids && rl > 0; i++) {
		if (strncmp(ids[i], ref, rl))
			continue;
		if (found++)
			break;
		memcpy(id, ids[i], CTR_ID_LEN + 1);
	}
	strv_free_n(ids, nids);
	if (found > 1)
		return err__set(e, EINVAL, "multiple containers match %s: give more of the id",
				ref);
	if (!found)
		return err__set(e, ENOENT, "no such container: %s", ref);
	return 0;
}

int ctr__lookup(const char *root, const char *ref, struct ctr **out, struct err *e)
{
	char id[CTR_ID_LEN + 1];
	struct ctr *c;
	int rc;

	rc = resolve(root, ref, id, e);
	if (rc < 0)
		return rc;
	rc = load_one(root, id, &c, e);
	if (rc == -ENOENT)
		return err__set(e, ENOENT, "no such container: %s", ref);
	if (rc < 0)
		return rc;
	rc = refresh(c, e);
	if (rc < 0) {
		ctr__free(c);
		if (rc == -ENOENT)
			return err__set(e, ENOENT, "no such container: %s", ref);
		return rc;
	}
	*out = c;
	return 0;
}

int ctr__remove(struct ctr *c, struct err *e)
{
	int fd, rc;

	/* Never wait: the lock is busy for as long as a monitor runs it (or
	 * a start is starting it), and what the caller saw may be stale. */
	fd = ctr__lock(c, false, e);
	if (fd == -EBUSY)
		return err__set(e, EBUSY, "container %s is running: stop it first or use rm -f",
				c->cfg.name);
	if (fd < 0)
		return err__wrap(e, "remove %.12s", c->cfg.id);
	rc = ctr__reload_state(c, e);
	if (rc == 0)
		rc = ctr__remove_locked(c, e);
	close(fd);
	return rc;
}

int ctr__remove_locked(struct ctr *c, struct err *e)
{
	char gone[4200];
	int rc;

	pathf(gone, sizeof(gone), "%s/containers/.rm-%s", c->root, c->cfg.id);
	if (rename(c->dir, gone) < 0)
		return err__sys(e, errno, "remove %.12s", c->cfg.id);
	/* Gone for every other command from here on; the rest is tidying,
	 * which sweep_one finishes if we are killed now. */
	if (needs_cleanup(c))
		cleanup_leftovers(c);
	release_name(c->root, c->cfg.name, c->cfg.id);
	if (c->cfg.image_id)
		hold_image(c->root, c->cfg.image_id, c->cfg.id, false, NULL);
	rc = util__rmtree(gone);
	if (rc < 0)
		return err__sys(e, -rc, "remove %s", gone);
	return 0;
}
