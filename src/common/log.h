/* log.h - diagnostics on stderr, prefixed "vmkit: ". */
#ifndef VMKIT_COMMON_LOG_H
#define VMKIT_COMMON_LOG_H

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

extern enum log_level log__level; /* set once by the CLI; default LOG_WARN */

void log__msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log__error(...) log__msg(LOG_ERROR, __VA_ARGS__)
#define log__warn(...)  log__msg(LOG_WARN, __VA_ARGS__)
#define log__info(...)  log__msg(LOG_INFO, __VA_ARGS__)
#define log__debug(...) log__msg(LOG_DEBUG, __VA_ARGS__)

#endif
