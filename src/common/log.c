/* log.c - diagnostics on stderr. One write per message so lines from several
 * vCPU threads do not interleave mid-line. */
#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum log_level log__level = LOG_WARN;

void log__msg(enum log_level lvl, const char *fmt, ...)
{
	static const char *const tag[] = { "", "warning: ", "", "debug: " };
	char buf[1024];
	va_list ap;
	int n;

	if (lvl > log__level)
		return;
	n = snprintf(buf, sizeof(buf), "vmkit: %s", tag[lvl]);
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	/* Best effort: a diagnostic that cannot be written has nowhere to go. */
	if (write(STDERR_FILENO, buf, (size_t)n) < 0)
		return;
}
