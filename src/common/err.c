/* err.c - error objects (see err.h). */
#include "common/err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int neg_code(int code)
{
	return code > 0 ? -code : (code < 0 ? code : -EINVAL);
}

int err__set(struct err *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return neg_code(code);
	e->code = code > 0 ? code : (code < 0 ? -code : EINVAL);
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -e->code;
}

int err__sys(struct err *e, int code, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (code < 0)
		code = -code;
	if (!e)
		return neg_code(code);
	e->code = code ? code : EINVAL;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	n = strlen(e->msg);
	if (n + 2 < sizeof(e->msg)) {
		memcpy(e->msg + n, ": ", 3);
		snprintf(e->msg + n + 2, sizeof(e->msg) - n - 2, "%s", strerror(e->code));
	}
	return -e->code;
}

int err__wrap(struct err *e, const char *fmt, ...)
{
	char prefix[ERR_MSG_MAX], old[ERR_MSG_MAX];
	size_t n;
	va_list ap;

	if (!e)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof(old));
	/* Two bounded copies rather than one "%s: %s", which a compiler rightly
	 * warns may truncate: the newest context matters most, so it goes first. */
	n = strlen(prefix);
	if (n > sizeof(e->msg) - 3)
		n = sizeof(e->msg) - 3;
	memcpy(e->msg, prefix, n);
	memcpy(e->msg + n, ": ", 2);
	old[sizeof(e->msg) - n - 3] = '\0'; /* keep what fits after the prefix */
	memcpy(e->msg + n + 2, old, strlen(old) + 1);
	return -(e->code ? e->code : EINVAL);
}

void err__clear(struct err *e)
{
	e->code = 0;
	e->msg[0] = '\0';
}
