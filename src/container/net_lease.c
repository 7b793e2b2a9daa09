/* net_lease.c - the address allocator: one file per address in use,
 * ROOT/net/<a.b.c.d>, holding "<id> <pid> <starttime> <nports>". Taken under an
 * flock on ROOT/net/lock; a lease whose process is gone (a crashed
 * monitor never freed it) may be taken over by the next container. */
#include "container/net_int.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define LEASE_FIRST (NET_SUBNET_BASE | 2u)
#define LEASE_LAST  (NET_SUBNET_BASE | 0xfffeu)

void net__ip_str(uint32_t ip, char buf[16])
{
	snprintf(buf, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
}

/* Field 22 of /proc/PID/stat: with the pid it names one process for
 * good, where a pid alone may be reused. 0 when the process is gone. */
static unsigned long long proc_start(long pid)
{
	char path[64], buf[1024], *p;
	unsigned long long v = 0;
	FILE *f;
	size_t n;
	int i;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* the command name may hold spaces */
	if (!p)
		return 0;
	for (i = 2; i < 22 && p; i++)
		p = strchr(p + 1, ' ');
	if (p)
		v = strtoull(p + 1, NULL, 10);
	return v;
}

static int lease_dir(const char *root, char *buf, size_t size, struct err *e)
{
	if ((size_t)snprintf(buf, size, "%s/net", root) >= size)
		return err__set(e, ENAMETOOLONG, "network: state path too long");
	if (mkdir(root, 0700) < 0 && errno != EEXIST)
		return err__sys(e, errno, "network: mkdir %s", root);
	if (mkdir(buf, 0700) < 0 && errno != EEXIST)
		return err__sys(e, errno, "network: mkdir %s", buf);
	return 0;
}

static bool lease_read(int dirfd, const char *name, struct net_lease *l)
{
	char buf[160];
	ssize_t n;
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);

	memset(l, 0, sizeof(*l));
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return sscanf(buf, "%64s %ld %llu %d", l->id, &l->pid, &l->start, &l->nports) == 4;
}

int net_lease__live(const struct net_lease *l)
{
	return l->pid > 0 && proc_start(l->pid) == l->start;
}

/* An entry's address, or 0 for lock and other names. */
static uint32_t name_ip(const char *name)
{
	struct in_addr a;
	uint32_t ip;

	if (inet_pton(AF_INET, name, &a) != 1)
		return 0;
	ip = ntohl(a.s_addr);
	return ip >= LEASE_FIRST && ip <= LEASE_LAST ? ip : 0;
}

int net_lease__find(const char *root, const char *id, struct net_lease *l)
{
	char dir[4096];
	struct dirent *d;
	DIR *dp;
	int r = -ENOENT;

	if ((size_t)snprintf(dir, sizeof(dir), "%s/net", root) >= sizeof(dir))
		return -ENAMETOOLONG;
	dp = opendir(dir);
	if (!dp)
		return -errno;
	while (r < 0 && (d = readdir(dp))) {
		uint32_t a = name_ip(d->d_name);

		if (a && lease_read(dirfd(dp), d->d_name, l) && !strcmp(l->id, id)) {
			l->ip = a;
			r = 0;
		}
	}
	closedir(dp);
	return r;
}

/* Scan the leases: mark every one in use; remember one of our own id
 * (left by a crash: reuse it) or else the first stale one (a fallback
 * when the subnet is full). */
static void lease_scan(DIR *dp, const char *id, uint8_t *used, uint32_t *own, uint32_t *stale,
		       char stale_id[65])
{
	struct dirent *d;
	struct net_lease l;

	*own = *stale = 0;
	while ((d = readdir(dp))) {
		uint32_t a = name_ip(d->d_name);
		bool ok;

		if (!a)
			continue;
		NET_BUSY_SET(used, a);
		ok = lease_read(dirfd(dp), d->d_name, &l);
		if (ok && !strcmp(l.id, id))
			*own = a;
		else if (!*stale && (!ok || !net_lease__live(&l))) {
			*stale = a;
			snprintf(stale_id, 65, "%s", ok ? l.id : "");
		}
	}
}

static int lease_write(int dirfd, uint32_t ip, const char *id, pid_t pid, int nports, struct err *e)
{
	char name[16], buf[160];
	int fd, n, r = 0;

	net__ip_str(ip, name);
	n = snprintf(buf, sizeof(buf), "%s %d %llu %d\n", id, (int)pid, proc_start(pid), nports);
	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return err__sys(e, errno, "network: lease %s", name);
	if (write(fd, buf, (size_t)n) != n)
		r = err__sys(e, errno ? errno : EIO, "network: write lease %s", name);
	close(fd);
	if (r < 0)
		unlinkat(dirfd, name, 0);
	return r;
}

static uint32_t first_free(const uint8_t *used)
{
	uint32_t a;

	for (a = LEASE_FIRST; a <= LEASE_LAST; a++)
		if (!NET_BUSY_HAS(used, a))
			return a;
	return 0;
}

int net_lease__take(const char *root, const char *id, pid_t pid, int nports, uint8_t *used,
		    uint32_t *ip, char stale_id[65], struct err *e)
{
	char dir[4096], stale_of[65] = "";
	uint32_t own, stale, a;
	DIR *dp = NULL;
	int lock = -1, r;

	stale_id[0] = '\0';
	r = lease_dir(root, dir, sizeof(dir), e);
	if (r < 0)
		return r;
	lock = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lock < 0 || flock(lock, LOCK_EX) < 0) {
		r = err__sys(e, errno, "network: lock %s", dir);
		goto out;
	}
	dp = opendir(dir);
	if (!dp) {
		r = err__sys(e, errno, "network: %s", dir);
		goto out;
	}
	lease_scan(dp, id, used, &own, &stale, stale_of);
	if (own) {
		a = own; /* the caller clears what the crashed run left */
		snprintf(stale_id, 65, "%s", id);
	} else if ((a = first_free(used)) == 0 && (a = stale) != 0) {
		snprintf(stale_id, 65, "%s", stale_of);
	}
	if (!a) {
		r = err__set(e, EADDRNOTAVAIL, "network: no free address in 10.209.0.0/16");
		goto out;
	}
	r = lease_write(lock, a, id, pid, nports, e);
	if (r == 0)
		*ip = a;
out:
	if (dp)
		closedir(dp);
	if (lock >= 0)
		close(lock); /* drops the flock */
	return r;
}

int net_lease__free(const char *root, uint32_t ip, struct err *e)
{
	char path[4096], name[16];

	net__ip_str(ip, name);
	if ((size_t)snprintf(path, sizeof(path), "%s/net/%s", root, name) >= sizeof(path))
		return err__set(e, ENAMETOOLONG, "network: state path too long");
	if (unlink(path) < 0 && errno != ENOENT)
		return err__sys(e, errno, "network: free lease %s", name);
	return 0;
}
