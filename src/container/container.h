/* container.h - containers as vmkit keeps them: their state on disk, the
 * per-container monitor that runs them, and the attach protocol its socket
 * speaks. No daemon: every command reads ROOT/containers/<id>/ and, for a
 * running container, talks to its monitor (see monitor.c for the design).
 *
 * Library code: fallible calls return a negative errno and fill a struct err. */
#ifndef VMKIT_CONTAINER_CONTAINER_H
#define VMKIT_CONTAINER_CONTAINER_H

#include "common/err.h"
#include "container/cgroup.h"
#include "container/net.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CTR_ID_LEN    64
#define CTR_SHORT_LEN 12

enum ctr_status { CTR_CREATED, CTR_RUNNING, CTR_RESTARTING, CTR_EXITED };

enum ctr_restart {
	CTR_RESTART_NO,
	CTR_RESTART_ON_FAILURE,
	CTR_RESTART_ALWAYS,
	CTR_RESTART_UNLESS_STOPPED
};

struct ctr_bind {
	char *src, *dst;
	bool ro;
};

/* Everything `run` was given, resolved against the image: config.json.
 * Never changes after creation. */
struct ctr_config {
	char id[CTR_ID_LEN + 1];
	char name[128];
	char *image;    /* as the user named it */
	char *image_id; /* "sha256:..." */
	char **layers;  /* the image's layer dirs, bottom first (held, so they stay) */
	int nlayers;
	char **entrypoint; /* what the container was configured with (image or --entrypoint) */
	char **cmd;
	char **argv; /* entrypoint + cmd, what runs */
	char **env;
	char *workdir;
	char *user;
	char *hostname;
	struct ctr_bind *binds;
	int nbinds;
	struct net_port *ports;
	int nports;
	enum net_mode net_mode;
	struct cg_limits limits;
	double cpus; /* --cpus as given (NanoCpus = cpus * 1e9) */
	enum ctr_restart restart;
	int restart_max; /* on-failure:N; 0 = unlimited */
	bool tty, interactive, auto_remove, privileged;
	bool userns;     /* --userns private: a user namespace of its own */
	int64_t created; /* ns since the epoch */
};

/* What happened to it: state.json, rewritten atomically (temp + rename)
 * by whichever process holds the container's lock. */
struct ctr_state {
	enum ctr_status status;
	pid_t pid;         /* the init, as the host sees it; 0 when not running */
	pid_t monitor_pid; /* 0 when no monitor */
	int exit_code;
	bool oom_killed;
	bool stopped_by_user;            /* stop/kill: restart policies do not apply */
	int64_t started_at, finished_at; /* ns since the epoch; 0 = never */
	int restart_count;
	char error[ERR_MSG_MAX]; /* why the last start failed */
	struct net_state net;
};

struct ctr {
	char *root; /* the vmkit state directory */
	char *dir;  /* ROOT/containers/<id> */
	struct ctr_config cfg;
	struct ctr_state st;
};

/* ---- state.c: the store of containers ---- */

/* The state directory for root (NULL = /var/lib/vmkit). malloc'd. */
char *ctr__root_dir(const char *root);

/* Check a --name as Docker does: [a-zA-Z0-9][a-zA-Z0-9_.-]+. */
int ctr__check_name(const char *name, struct err *e);

/* Create ROOT/containers/<id>/ (config.json, state.json "created", upper/
 * work/ rootfs/ etc/), reserve its name (a random one if cfg->name is
 * empty) and hold its image. cfg->id and cfg->created are filled in, and
 * the hostname defaults to the short id as in Docker.
 * Atomic: on failure nothing is left; a name already in use is -EEXIST
 * ("name hello already in use by container <id>"). Takes ownership of the
 * strings in cfg (the caller must not free them). */
int ctr__create(const char *root, struct ctr_config *cfg, struct ctr **out, struct err *e);

/* Find a container by full id, name, or unique id prefix; load it and bring
 * its state up to date (a running container whose monitor died is marked
 * exited and its leftovers cleaned up; --rm ones are removed, -ENOENT). */
int ctr__lookup(const char *root, const char *ref, struct ctr **out, struct err *e);
/* Every container, oldest first, each brought up to date as ctr__lookup. */
int ctr__list(const char *root, struct ctr ***out, int *n, struct err *e);
void ctr__free(struct ctr *c);
void ctr__config_free(struct ctr_config *cfg);
void ctr__free_list(struct ctr **v, int n);

/* Write state.json atomically. The caller holds the container's lock. */
int ctr__save_state(struct ctr *c, struct err *e);

/* Reload state.json (after a monitor changed it). */
int ctr__reload_state(struct ctr *c, struct err *e);

/* The container's lock (ROOT/containers/<id>/lock): its monitor holds it
 * for as long as it lives. Returns the locked fd (O_CLOEXEC), or -EBUSY
 * with wait == false while a monitor holds it. */
int ctr__lock(struct ctr *c, bool wait, struct err *e);
/* Whether a monitor holds the lock now. */
bool ctr__monitor_alive(struct ctr *c);

/* Remove a container that is not running: its directory, name, image hold,
 * and anything a crashed run left (cgroups, network). -EBUSY, without
 * waiting, while a monitor holds its lock (it is running or starting). */
int ctr__remove(struct ctr *c, struct err *e);
/* The same, for the holder of its lock (its monitor, for --rm). */
int ctr__remove_locked(struct ctr *c, struct err *e);

/* The directory of the attach socket, and its name in it. Socket paths are
 * limited to 108 bytes, so callers bind and connect through
 * /proc/self/fd/<dirfd>/NAME. */
#define CTR_SOCK_NAME "attach.sock"

/* "Up 3 seconds", "Exited (0) 5 seconds ago", "Created". */
void ctr__status_string(const struct ctr *c, int64_t now_ns, char *buf, size_t size);
/* RFC 3339 with nanoseconds, UTC; "0001-01-01T00:00:00Z" for 0. */
void ctr__format_time(int64_t ns, char *buf, size_t size);
int64_t ctr__now(void); /* CLOCK_REALTIME, ns */

const char *ctr__status_name(enum ctr_status s);
int ctr__parse_restart(const char *s, enum ctr_restart *r, int *max, struct err *e);
const char *ctr__restart_name(enum ctr_restart r);

/* String vectors (NULL-terminated), as config.json keeps them. */
int ctr__strv_len(char *const *v);
char **ctr__strv_dup(char *const *v);
void ctr__strv_free(char **v);

/* ---- monitor.c: running a container ---- */

/* Frames on the attach socket: a header then len bytes of payload. */
enum ctr_frame_type {
	/* client -> monitor */
	CTR_F_ATTACH = 1, /* u32 flags: CTR_ATTACH_* */
	CTR_F_STDIN,      /* bytes for the container's stdin */
	CTR_F_STDIN_EOF,  /* close the container's stdin (not for a tty) */
	CTR_F_RESIZE,     /* u16 rows, u16 cols */
	CTR_F_SIGNAL,     /* i32 signal number */
	CTR_F_STOP,       /* i32 seconds before SIGKILL */
	/* monitor -> client */
	CTR_F_STARTED = 32, /* i32 0 or -errno, i32 pid, then an error message */
	CTR_F_STDOUT,
	CTR_F_STDERR,
	CTR_F_EXIT, /* i32 exit status */
};

#define CTR_ATTACH_OUTPUT 1u /* send me STDOUT/STDERR */
#define CTR_ATTACH_STDIN  2u /* I will send STDIN */

struct ctr_frame_hdr {
	uint8_t type;
	uint8_t pad[3];
	uint32_t len;
};

#define CTR_FRAME_MAX 65536

int ctr__send_frame(int fd, int type, const void *data, uint32_t len);
/* Read one frame; *len is set, the payload (up to CTR_FRAME_MAX) lands in
 * buf. 0 on success, -EPIPE on a clean end of stream. */
int ctr__recv_frame(int fd, struct ctr_frame_hdr *h, void *buf, size_t size);

/* Start a created or exited container: fork its monitor (which takes over
 * the lock, spawns the init and serves the socket) and return a socket to
 * it, already attached with the given CTR_ATTACH_* flags. The monitor's
 * first frame on it is CTR_F_STARTED. -EALREADY if it is running. */
int ctr__start(struct ctr *c, uint32_t attach_flags, int *sock, struct err *e);

/* Connect to a running container's monitor and send CTR_F_ATTACH flags. */
int ctr__connect(struct ctr *c, uint32_t attach_flags, int *sock, struct err *e);

/* Read the CTR_F_STARTED frame: 0, or the spawn's -errno with e->msg set. */
int ctr__wait_started(int sock, pid_t *pid, struct err *e);

/* Stop: SIGTERM, then SIGKILL after timeout seconds; returns once it has
 * exited (no-op if it is not running). */
int ctr__stop(struct ctr *c, int timeout, struct err *e);
int ctr__kill(struct ctr *c, int sig, struct err *e);

/* ---- ctr_log.c: the log file ---- */

/* Log records, one line each, in the CRI format:
 * "<RFC3339Nano> <stdout|stderr> <F|P> <bytes>": F ends a line, P is part
 * of one (output that did not end with a newline yet). */
#define CTR_LOG_NAME "ctr.log"

/* Append data from a stream (1 stdout, 2 stderr) to the log fd. */
int ctr__log_write(int fd, int stream, const char *data, size_t len);

struct ctr_log_opts {
	long tail;       /* last N lines; -1 = all */
	bool timestamps; /* prefix each line with its time */
	bool follow;     /* keep reading until the container stops */
};
/* Copy the log to out_fd (stdout records) and err_fd (stderr records). */
int ctr__log_read(struct ctr *c, const struct ctr_log_opts *o, int out_fd, int err_fd,
		  struct err *e);

/* ---- ctr_attach.c: the client side of attach ---- */

struct ctr_attach_opts {
	int in_fd, out_fd, err_fd; /* in_fd < 0: no stdin */
	bool tty;                  /* raw mode on in_fd if it is a terminal; resize */
	const char *detach_keys;   /* "ctrl-p,ctrl-q" when NULL */
};

/* Relay between the terminal and the monitor until the container exits
 * (returns 0 and its status in *status) or the user types the detach keys
 * (returns 0, *detached = true; only with tty, so piped data passes). */
int ctr__attach_relay(int sock, const struct ctr_attach_opts *o, int *status, bool *detached,
		      struct err *e);
/* Parse "ctrl-p,ctrl-q" into bytes. */
int ctr__parse_detach_keys(const char *s, char *keys, size_t size, size_t *n, struct err *e);

/* ---- ctr_exec.c ---- */

struct ctr_exec_opts {
	char *const *argv;
	char *const *env;           /* the whole environment */
	const char *user, *workdir; /* NULL: the container's */
	bool interactive, tty, detach;
};

/* Run a command in a running container (rt__exec) on this process's stdio,
 * or on a pty of its own relayed to this terminal with tty; *status is its
 * exit status (128+n for a signal; 0 at once with detach). A command that
 * is missing or not executable is -ENOENT / -EACCES as for rt__spawn. */
int ctr__exec(const struct ctr *c, const struct ctr_exec_opts *o, int *status, struct err *e);

/* ---- ctr_inspect.c ---- */

/* The docker-inspect JSON object of a container, as a malloc'd string. */
char *ctr__inspect_json(const struct ctr *c);

#endif
