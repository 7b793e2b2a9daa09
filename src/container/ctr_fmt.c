/* ctr_fmt.c - how containers read to people: status lines, durations,
 * times, restart policies. */
#include "common/util.h"
#include "container/container.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const status_names[] = { [CTR_CREATED] = "created",
					    [CTR_RUNNING] = "running",
					    [CTR_RESTARTING] = "restarting",
					    [CTR_EXITED] = "exited" };

const char *ctr__status_name(enum ctr_status s)
{
	return (unsigned)s <= CTR_EXITED ? status_names[s] : "unknown";
}

static const char *const restart_names[] = { [CTR_RESTART_NO] = "no",
					     [CTR_RESTART_ON_FAILURE] = "on-failure",
					     [CTR_RESTART_ALWAYS] = "always",
					     [CTR_RESTART_UNLESS_STOPPED] = "unless-stopped" };

const char *ctr__restart_name(enum ctr_restart r)
{
	return (unsigned)r <= CTR_RESTART_UNLESS_STOPPED ? restart_names[r] : "no";
}

int ctr__parse_restart(const char *s, enum ctr_restart *r, int *max, struct err *e)
{
	const char *colon = strchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : strlen(s);

	*max = 0;
	for (int i = 0; i <= CTR_RESTART_UNLESS_STOPPED; i++) {
		if (strlen(restart_names[i]) != n || strncmp(s, restart_names[i], n))
			continue;
		*r = (enum ctr_restart)i;
		if (!colon)
			return 0;
		if (i != CTR_RESTART_ON_FAILURE)
			break;
		char *end;
		long v = strtol(colon + 1, &end, 10);
		if (!colon[1] || *end || v < 0 || v > 1000000)
			break;
		*max = (int)v;
		return 0;
	}
	return err__set(
		e, EINVAL,
		"invalid restart policy \"%s\": use no, on-failure[:N], always or unless-stopped",
		s);
}

int64_t ctr__now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void ctr__format_time(int64_t ns, char *buf, size_t size)
{
	time_t t = (time_t)(ns / 1000000000);
	struct tm tm;

	if (ns <= 0) {
		snprintf(buf, size, "0001-01-01T00:00:00Z");
		return;
	}
	gmtime_r(&t, &tm);
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%09dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ns % 1000000000));
}

void ctr__status_string(const struct ctr *c, int64_t now, char *buf, size_t size)
{
	char d[64];

	switch (c->st.status) {
	case CTR_RUNNING:
		util__human_duration(now - c->st.started_at, d, sizeof(d));
		snprintf(buf, size, "Up %s", d);
		break;
	case CTR_RESTARTING:
		util__human_duration(now - c->st.finished_at, d, sizeof(d));
		snprintf(buf, size, "Restarting (%d) %s ago", c->st.exit_code, d);
		break;
	case CTR_EXITED:
		util__human_duration(now - c->st.finished_at, d, sizeof(d));
		snprintf(buf, size, "Exited (%d) %s ago", c->st.exit_code, d);
		break;
	default:
		snprintf(buf, size, "Created");
	}
}
