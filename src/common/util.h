/* util.h - small parsing and time helpers shared by every room. */
#ifndef VMKIT_COMMON_UTIL_H
#define VMKIT_COMMON_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define KiB           (1024ULL)
#define MiB           (1024ULL * KiB)
#define GiB           (1024ULL * MiB)

/* "128M", "1G", "4096", "64k": bytes. Rejects junk, zero-length numbers and
 * overflow. Returns 0 or -EINVAL / -ERANGE. */
int util__parse_size(const char *s, uint64_t *out);

/* Decimal unsigned integer in [min, max]. Returns 0 or -EINVAL / -ERANGE. */
int util__parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* Monotonic clock in nanoseconds. */
uint64_t util__now_ns(void);

/* Whole file into a malloc'd buffer (NUL-terminated for convenience). Fails
 * with -EFBIG beyond max bytes. */
int util__read_file(const char *path, size_t max, uint8_t **buf, size_t *len);

/* mkdir -p: parents 0755, the last component mode (before umask); an
 * existing directory is fine. Returns 0 or a negative errno. */
int util__mkdir_p(const char *path, unsigned int mode);

/* "Less than a second", "3 minutes", "About an hour": Docker's wording
 * for a duration of ns nanoseconds (ps, images). */
void util__human_duration(int64_t ns, char *buf, size_t size);

/* write() all of buf, retrying after EINTR and short writes. 0 or -errno. */
int util__write_all(int fd, const void *buf, size_t len);

/* rm -rf path (a file or a tree), not following symlinks. No FTW_MOUNT:
 * on overlayfs files and directories can report different st_dev, and
 * nothing vmkit removes holds mounts of the host's (a container's live in
 * its own namespace). 0, or -ENOTEMPTY / -errno if something stayed. */
int util__rmtree(const char *path);

/* First line of a small text file (sysfs, procfs), newline stripped. */
int util__read_line(const char *path, char *buf, size_t size);

#endif
