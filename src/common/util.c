/* util.c - small parsing and time helpers. */
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int util__parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (*end)
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int util__parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	uint64_t mult = 1;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	switch (*end) {
	case '\0':
		break;
	case 'k':
	case 'K':
		mult = KiB;
		end++;
		break;
	case 'm':
	case 'M':
		mult = MiB;
		end++;
		break;
	case 'g':
	case 'G':
		mult = GiB;
		end++;
		break;
	case 't':
	case 'T':
		mult = 1024 * GiB;
		end++;
		break;
	default:
		return -EINVAL;
	}
	/* Accept "128MiB" and "128MB" as people write them. */
	if (mult > 1 && (end[0] == 'i' || end[0] == 'I') && (end[1] == 'B' || end[1] == 'b'))
		end += 2;
	else if (mult > 1 && (end[0] == 'B' || end[0] == 'b'))
		end++;
	if (*end)
		return -EINVAL;
	if (v > UINT64_MAX / mult)
		return -ERANGE;
	*out = v * mult;
	return 0;
}

uint64_t util__now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int util__read_file(const char *path, size_t max, uint8_t **buf, size_t *len)
{
	struct stat st;
	uint8_t *p;
	size_t got = 0;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		goto out_close;
	}
	if (S_ISDIR(st.st_mode)) {
		ret = -EISDIR;
		goto out_close;
	}
	if ((uint64_t)st.st_size > max) {
		ret = -EFBIG;
		goto out_close;
	}
	p = malloc((size_t)st.st_size + 1);
	if (!p) {
		ret = -ENOMEM;
		goto out_close;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, p + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			free(p);
			goto out_close;
		}
		got += (size_t)n;
	}
	p[got] = '\0';
	*buf = p;
	*len = got;
	ret = 0;
out_close:
	close(fd);
	return ret;
}

int util__read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return -errno;
	if (!fgets(buf, (int)size, f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	n = strlen(buf);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	return 0;
}

int util__mkdir_p(const char *path, unsigned int mode)
{
	char buf[4096];
	size_t len = strlen(path);

	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* The wording of Docker's go-units HumanDuration, which ps shows. */
void util__human_duration(int64_t ns, char *buf, size_t size)
{
	int64_t s = ns / 1000000000, m = s / 60, h = (ns + 1800000000000LL) / 3600000000000LL;

	if (s < 1)
		snprintf(buf, size, "Less than a second");
	else if (s == 1)
		snprintf(buf, size, "1 second");
	else if (s < 60)
		snprintf(buf, size, "%lld seconds", (long long)s);
	else if (m == 1)
		snprintf(buf, size, "About a minute");
	else if (m < 60)
		snprintf(buf, size, "%lld minutes", (long long)m);
	else if (h == 1)
		snprintf(buf, size, "About an hour");
	else if (h < 48)
		snprintf(buf, size, "%lld hours", (long long)h);
	else if (h < 24 * 7 * 2)
		snprintf(buf, size, "%lld days", (long long)(h / 24));
	else if (h < 24 * 30 * 2)
		snprintf(buf, size, "%lld weeks", (long long)(h / 24 / 7));
	else if (h < 24 * 365 * 2)
		snprintf(buf, size, "%lld months", (long long)(h / 24 / 30));
	else
		snprintf(buf, size, "%lld years", (long long)(s / 3600 / 24 / 365));
}

int util__write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

int util__rmtree(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlink(path) < 0 ? -errno : 0;
	nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS);
	return access(path, F_OK) == 0 ? -ENOTEMPTY : 0;
}
