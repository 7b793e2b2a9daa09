/* err.h - error objects: a code plus a message that callers wrap with context.
 *
 * Library code (loaders, machine set-up, images, containers) reports failure
 * by returning a negative errno and filling a struct err. Each caller that
 * knows more adds it with err__wrap(). Only the CLI prints the result, as
 * "vmkit: <what>: <why>".
 */
#ifndef VMKIT_COMMON_ERR_H
#define VMKIT_COMMON_ERR_H

#include <stddef.h>

#define ERR_MSG_MAX 512

struct err {
	int code;              /* positive errno value; 0 = no error */
	char msg[ERR_MSG_MAX]; /* "<what>: <why>" */
};

/* Record an error with a complete message. Returns -code (or -EINVAL if code
 * is 0) so callers can write `return err__set(e, EINVAL, "...")`. */
int err__set(struct err *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Like err__set(), appending ": strerror(code)". */
int err__sys(struct err *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Prefix the message with "<context>: ". Returns -code. */
int err__wrap(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void err__clear(struct err *e);

#endif
