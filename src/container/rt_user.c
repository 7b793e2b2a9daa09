/* rt_user.c - who a container process runs as and which file it executes,
 * found in the container's own /etc/passwd, /etc/group and $PATH (never
 * through NSS: the host's name service knows nothing of the image). */
#include "container/rt_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RT_ETC_MAX (64 * 1024) /* /etc/passwd or /etc/group read at most */

static bool parse_id(const char *s, size_t len, unsigned *out)
{
	unsigned long v = 0;

	if (!len || len > 10)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > 0xfffffffeUL)
		return false;
	*out = (unsigned)v;
	return true;
}

/* Split one line of a colon-separated file into at most max fields (in
 * place: the line is a copy). Returns the number of fields. */
static int split_fields(char *line, char **f, int max)
{
	int n = 0;

	f[n++] = line;
	for (char *p = line; *p && n < max; p++) {
		if (*p == ':') {
			*p = '\0';
			f[n++] = p + 1;
		}
	}
	return n;
}

/* Call fn on each line of text (a copy of at most 1023 bytes, fields split);
 * stop when fn returns non-zero and return that. */
static int each_entry(const char *text, int nf, int (*fn)(char **f, int n, void *arg), void *arg)
{
	char line[1024];
	char *f[8];

	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		int r;

		if (len < sizeof(line) && len && p[0] != '#') {
			memcpy(line, p, len);
			line[len] = '\0';
			r = fn(f, split_fields(line, f, nf), arg);
			/* f points into line, which the callback has used by now */
			if (r)
				return r;
		}
		p = nl ? nl + 1 : NULL;
	}
	return 0;
}

struct pw_match {
	const char *name; /* what the user asked for */
	size_t len;
	unsigned id;
	bool numeric;
	char found_name[64];
	struct rt_user *u;
};

static int match_passwd(char **f, int n, void *arg)
{
	struct pw_match *m = arg;
	unsigned uid, gid;

	if (n < 7 || !parse_id(f[2], strlen(f[2]), &uid) || !parse_id(f[3], strlen(f[3]), &gid))
		return 0;
	if (m->numeric ? uid != m->id : (strlen(f[0]) != m->len || memcmp(f[0], m->name, m->len)))
		return 0;
	m->u->uid = uid;
	m->u->gid = gid;
	snprintf(m->u->home, sizeof(m->u->home), "%s", f[5]);
	snprintf(m->found_name, sizeof(m->found_name), "%s", f[0]);
	return 1;
}

static int match_group(char **f, int n, void *arg)
{
	struct pw_match *m = arg;
	unsigned gid;

	if (n < 3 || !parse_id(f[2], strlen(f[2]), &gid))
		return 0;
	if (m->numeric ? gid != m->id : (strlen(f[0]) != m->len || memcmp(f[0], m->name, m->len)))
		return 0;
	m->u->gid = gid;
	return 1;
}

/* Supplementary groups: every group listing the user as a member. */
static int collect_groups(char **f, int n, void *arg)
{
	struct pw_match *m = arg;
	unsigned gid;
	size_t ulen = strlen(m->found_name);

	if (n < 4 || !parse_id(f[2], strlen(f[2]), &gid))
		return 0;
	for (const char *p = f[3]; *p;) {
		const char *c = strchr(p, ',');
		size_t len = c ? (size_t)(c - p) : strlen(p);

		if (len == ulen && !memcmp(p, m->found_name, len) && m->u->ngroups < RT_MAX_GROUPS)
			m->u->groups[m->u->ngroups++] = gid;
		p = c ? c + 1 : p + len;
	}
	return 0;
}

static void match_init(struct pw_match *m, const char *s, size_t len, struct rt_user *u)
{
	memset(m, 0, sizeof(*m));
	m->name = s;
	m->len = len;
	m->numeric = parse_id(s, len, &m->id);
	m->u = u;
}

/* As runc's GetExecUser: a numeric uid need not exist (then gid 0 and
 * HOME /), a name must; a group given explicitly replaces the supplementary
 * groups, otherwise they come from the user's memberships. */
int rt__user_parse(const char *spec, const char *passwd, const char *group, struct rt_user *u,
		   struct err *e)
{
	const char *colon = spec ? strchr(spec, ':') : NULL;
	size_t ulen = spec ? (colon ? (size_t)(colon - spec) : strlen(spec)) : 0;
	struct pw_match m;

	memset(u, 0, sizeof(*u));
	snprintf(u->home, sizeof(u->home), "/");
	if (!spec || !*spec)
		spec = "0", ulen = 1;
	match_init(&m, spec, ulen, u);
	if (!ulen && colon)
		return err__set(e, EINVAL, "user \"%s\": no user before ':'", spec);
	if (!each_entry(passwd, 7, match_passwd, &m)) {
		if (!m.numeric)
			return err__set(
				e, ENOENT,
				"unable to find user %.*s: no matching entries in passwd file",
				(int)ulen, spec);
		u->uid = m.id;
	}
	if (colon) {
		const char *g = colon + 1;

		match_init(&m, g, strlen(g), u);
		if (!*g)
			return err__set(e, EINVAL, "user \"%s\": no group after ':'", spec);
		if (!each_entry(group, 4, match_group, &m)) {
			if (!m.numeric)
				return err__set(
					e, ENOENT,
					"unable to find group %s: no matching entries in group file",
					g);
			u->gid = m.id;
		}
		return 0;
	}
	if (m.found_name[0])
		each_entry(group, 4, collect_groups, &m);
	return 0;
}

/* A small file into buf, NUL-terminated (cut at size - 1); "" when it does
 * not exist (an image without /etc/group is fine for numeric ids). Reads
 * to the end, so procfs files (whose size says 0) work too. */
int rt__read_small(const char *path, char *buf, size_t size, struct err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;

	buf[0] = '\0';
	if (fd < 0)
		return errno == ENOENT ? 0 : err__sys(e, errno, "open %s", path);
	while (len + 1 < size) {
		ssize_t n = read(fd, buf + len, size - 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int r = err__sys(e, errno, "read %s", path);

			close(fd);
			return r;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	close(fd);
	return 0;
}

int rt__user_resolve(const char *spec, struct rt_user *u, struct err *e)
{
	/* static: the child runs on its parent's stack copy; 128 KiB of
	 * buffers is better kept off it. Only one child uses them. */
	static char passwd[RT_ETC_MAX], group[RT_ETC_MAX];
	int r;

	if ((r = rt__read_small("/etc/passwd", passwd, sizeof(passwd), e)) < 0 ||
	    (r = rt__read_small("/etc/group", group, sizeof(group), e)) < 0)
		return r;
	return rt__user_parse(spec, passwd, group, u, e);
}

/* Docker (Go's exec.LookPath): a name with a slash is used as it is; other
 * names are searched in $PATH for a regular file with an execute bit. */
static int check_exec(const char *file)
{
	struct stat st;

	if (stat(file, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode) || !(st.st_mode & 0111))
		return -EACCES;
	return 0;
}

int rt__lookup(const char *argv0, const char *path, char *out, size_t size, struct err *e)
{
	int r;

	if (!argv0 || !*argv0)
		return err__set(e, ENOENT, "exec: no command");
	if (strchr(argv0, '/')) {
		snprintf(out, size, "%s", argv0);
		r = check_exec(argv0);
		if (r == -EACCES)
			return err__set(e, EACCES, "exec: \"%s\": permission denied", argv0);
		if (r < 0)
			return err__sys(e, -r, "exec: \"%s\": stat %s", argv0, argv0);
		return 0;
	}
	for (const char *p = path ? path : ""; p;) {
		const char *c = strchr(p, ':');
		size_t len = c ? (size_t)(c - p) : strlen(p);
		int n;

		/* An empty element means the current directory, as in POSIX. */
		n = len ? snprintf(out, size, "%.*s/%s", (int)len, p, argv0)
			: snprintf(out, size, "./%s", argv0);
		if (n > 0 && (size_t)n < size && check_exec(out) == 0)
			return 0;
		p = c ? c + 1 : NULL;
	}
	return err__set(e, ENOENT, "exec: \"%s\": executable file not found in $PATH", argv0);
}

const char *rt__env_get(char *const *env, const char *key)
{
	size_t klen = strlen(key);

	for (; env && *env; env++)
		if (!strncmp(*env, key, klen) && (*env)[klen] == '=')
			return *env + klen + 1;
	return NULL;
}
