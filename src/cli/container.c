/* container.c - `vmkit run` and the container life-cycle commands: ps,
 * start, stop, restart, kill, attach, logs, exec, rm, inspect. The work is
 * in src/container (state.c, monitor.c); this file parses, prints, and
 * turns results into Docker's exit statuses. */
#include "cli/cli.h"

#include "common/util.h"
#include "container/container.h"
#include "container/ctr_json.h"
#include "container/runtime.h"
#include "image/image.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Docker's statuses for `run`: its own failures, and a command that
 * cannot run. */
#define EXIT_RUN_FAIL 125

struct strv {
	char **v;
	int n, cap;
};

static int strv_push(struct strv *s, const char *str)
{
	if (s->n + 2 > s->cap) {
		int cap = s->cap ? s->cap * 2 : 8;
		char **nv = realloc(s->v, sizeof(*nv) * cap);
		if (!nv)
			return -ENOMEM;
		s->v = nv;
		s->cap = cap;
	}
	s->v[s->n] = strdup(str);
	if (!s->v[s->n])
		return -ENOMEM;
	s->v[++s->n] = NULL;
	return 0;
}

static void strv_clear(struct strv *s)
{
	ctr__strv_free(s->v);
	memset(s, 0, sizeof(*s));
}

/* The state directory as an absolute path: the monitor works from "/",
 * and config.json keeps paths (layers) made from it. */
static const char *root_dir(void)
{
	static char abs[4096];
	char cwd[4096];

	if (abs[0])
		return abs;
	if (cli__root && cli__root[0] != '/' && getcwd(cwd, sizeof(cwd)) &&
	    strlen(cwd) + strlen(cli__root) + 2 <= sizeof(abs)) {
		strcpy(abs, cwd);
		strcat(abs, "/");
		strcat(abs, cli__root);
	} else {
		snprintf(abs, sizeof(abs), "%s", cli__root ? cli__root : IMG_DEFAULT_ROOT);
	}
	return abs;
}

/* ---- run: options ---- */

struct run_opts {
	bool interactive, tty, detach, rm, privileged;
	const char *name, *workdir, *user, *hostname, *entrypoint, *memory, *cpus, *pids;
	const char *network, *restart, *detach_keys, *pull, *userns;
	bool entrypoint_set;
	struct strv env, env_files, volumes, ports;
};

static const char run_usage[] =
	"run [-i] [-t] [-d] [--rm] [--name NAME] [-e K=V] [--env-file F] [-v HOST:CTR[:ro]] "
	"[-w DIR] [-u UID[:GID]] [--hostname H] [--entrypoint E] [--memory M] [--cpus N] "
	"[--pids-limit N] [--network none|host|bridge] [-p HOST:CTR] [--restart POLICY] "
	"[--privileged] [--userns host|private] [--detach-keys KEYS] [--pull missing|always|never] "
	"IMAGE [CMD...]";

enum {
	OPT_RM = 256,
	OPT_NAME,
	OPT_ENV_FILE,
	OPT_HOSTNAME,
	OPT_ENTRYPOINT,
	OPT_MEMORY,
	OPT_CPUS,
	OPT_PIDS,
	OPT_NETWORK,
	OPT_RESTART,
	OPT_PRIVILEGED,
	OPT_USERNS,
	OPT_DETACH_KEYS,
	OPT_HELP,
	OPT_NO_TRUNC,
	OPT_TAIL,
	OPT_TIME,
	OPT_PULL,
};

static int parse_run_opts(int argc, char **argv, struct run_opts *o)
{
	static const struct option opts[] = {
		{ "interactive", no_argument, NULL, 'i' },
		{ "tty", no_argument, NULL, 't' },
		{ "detach", no_argument, NULL, 'd' },
		{ "rm", no_argument, NULL, OPT_RM },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "env", required_argument, NULL, 'e' },
		{ "env-file", required_argument, NULL, OPT_ENV_FILE },
		{ "volume", required_argument, NULL, 'v' },
		{ "workdir", required_argument, NULL, 'w' },
		{ "user", required_argument, NULL, 'u' },
		{ "hostname", required_argument, NULL, OPT_HOSTNAME },
		{ "entrypoint", required_argument, NULL, OPT_ENTRYPOINT },
		{ "memory", required_argument, NULL, OPT_MEMORY },
		{ "cpus", required_argument, NULL, OPT_CPUS },
		{ "pids-limit", required_argument, NULL, OPT_PIDS },
		{ "network", required_argument, NULL, OPT_NETWORK },
		{ "net", required_argument, NULL, OPT_NETWORK },
		{ "publish", required_argument, NULL, 'p' },
		{ "restart", required_argument, NULL, OPT_RESTART },
		{ "privileged", no_argument, NULL, OPT_PRIVILEGED },
		{ "userns", required_argument, NULL, OPT_USERNS },
		{ "detach-keys", required_argument, NULL, OPT_DETACH_KEYS },
		{ "pull", required_argument, NULL, OPT_PULL },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->pull = "missing";
	optind = 1;
	while ((c = cli__getopt(argc, argv, "+:itde:v:w:u:p:h:m:", opts)) != -1) {
		switch (c) {
		case 'i':
			o->interactive = true;
			break;
		case 't':
			o->tty = true;
			break;
		case 'd':
			o->detach = true;
			break;
		case OPT_RM:
			o->rm = true;
			break;
		case OPT_NAME:
			o->name = optarg;
			break;
		case 'e':
			strv_push(&o->env, optarg);
			break;
		case OPT_ENV_FILE:
			strv_push(&o->env_files, optarg);
			break;
		case 'v':
			strv_push(&o->volumes, optarg);
			break;
		case 'w':
			o->workdir = optarg;
			break;
		case 'u':
			o->user = optarg;
			break;
		case 'h':
		case OPT_HOSTNAME:
			o->hostname = optarg;
			break;
		case OPT_ENTRYPOINT:
			o->entrypoint = optarg;
			o->entrypoint_set = true;
			break;
		case 'm':
		case OPT_MEMORY:
			o->memory = optarg;
			break;
		case OPT_CPUS:
			o->cpus = optarg;
			break;
		case OPT_PIDS:
			o->pids = optarg;
			break;
		case OPT_NETWORK:
			o->network = optarg;
			break;
		case 'p':
			strv_push(&o->ports, optarg);
			break;
		case OPT_RESTART:
			o->restart = optarg;
			break;
		case OPT_PRIVILEGED:
			o->privileged = true;
			break;
		case OPT_USERNS:
			o->userns = optarg;
			break;
		case OPT_DETACH_KEYS:
			o->detach_keys = optarg;
			break;
		case OPT_PULL:
			o->pull = optarg;
			break;
		case OPT_HELP:
			printf("usage: vmkit %s\n", run_usage);
			return -1;
		default:
			return cli__bad_option(run_usage, argv, c);
		}
	}
	if (optind >= argc)
		return cli__usage_error(run_usage, "run needs an IMAGE");
	return 0;
}

/* ---- run: validation, before anything is created ---- */

static int parse_volume(const char *s, struct ctr_bind *b, struct err *e)
{
	char *copy = strdup(s), *parts[4] = { 0 };
	int n = 0;

	if (!copy)
		return err__set(e, ENOMEM, "-v");
	for (char *tok = strtok(copy, ":"); tok && n < 4; tok = strtok(NULL, ":"))
		parts[n++] = tok;
	if (n < 2 || n > 3 || strtok(NULL, ":") || strstr(s, "::"))
		goto bad;
	if (parts[0][0] != '/')
		goto bad;
	if (parts[1][0] != '/')
		goto bad;
	if (n == 3 && strcmp(parts[2], "ro") && strcmp(parts[2], "rw"))
		goto bad;
	b->src = strdup(parts[0]);
	b->dst = strdup(parts[1]);
	b->ro = n == 3 && !strcmp(parts[2], "ro");
	free(copy);
	if (!b->src || !b->dst)
		return err__set(e, ENOMEM, "-v");
	return 0;
bad:
	free(copy);
	return err__set(e, EINVAL,
			"invalid volume specification \"%s\": use /HOST/PATH:/CONTAINER/PATH[:ro]",
			s);
}

static bool env_key_ok(const char *kv)
{
	const char *eq = strchr(kv, '=');
	size_t n = eq ? (size_t)(eq - kv) : strlen(kv);

	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (kv[i] == ' ' || kv[i] == '\t' || kv[i] == '\n')
			return false;
	return true;
}

/* Set or replace K in env; "K" alone takes the host's value (dropped if
 * unset), as docker does. */
static int env_set(struct strv *env, const char *kv, struct err *e)
{
	const char *eq = strchr(kv, '=');
	size_t klen = eq ? (size_t)(eq - kv) : strlen(kv);
	char *owned = NULL;
	int rc;

	if (!env_key_ok(kv))
		return err__set(e, EINVAL, "invalid environment variable \"%s\": use KEY=VALUE",
				kv);
	if (!eq) {
		const char *v = getenv(kv);
		if (!v)
			return 0;
		if (asprintf(&owned, "%s=%s", kv, v) < 0)
			return err__set(e, ENOMEM, "-e");
		kv = owned;
	}
	for (int i = 0; i < env->n; i++) {
		if (!strncmp(env->v[i], kv, klen) && env->v[i][klen] == '=') {
			char *d = strdup(kv);
			free(owned);
			if (!d)
				return err__set(e, ENOMEM, "-e");
			free(env->v[i]);
			env->v[i] = d;
			return 0;
		}
	}
	rc = strv_push(env, kv);
	free(owned);
	return rc < 0 ? err__set(e, ENOMEM, "-e") : 0;
}

static int read_env_file(struct strv *env, const char *path, struct err *e)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;

	if (!f)
		return err__sys(e, errno, "--env-file %s", path);
	while (rc == 0 && (n = getline(&line, &cap, f)) >= 0) {
		char *p = line;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			continue;
		rc = env_set(env, p, e);
		if (rc < 0)
			err__wrap(e, "--env-file %s", path);
	}
	free(line);
	fclose(f);
	return rc;
}

static int parse_cpus(const char *s, struct ctr_config *cfg, struct err *e)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	char *end;
	double v = strtod(s, &end);

	if (!*s || *end || !(v > 0))
		return err__set(e, EINVAL, "invalid --cpus \"%s\": a positive number", s);
	if (v < 0.01 || v > (double)ncpu)
		return err__set(e, ERANGE, "--cpus %s: the range is 0.01 to %ld", s, ncpu);
	cfg->cpus = v;
	cfg->limits.cpu_period = 100000;
	cfg->limits.cpu_quota = (uint64_t)(v * 100000 + 0.5);
	return 0;
}

static int parse_limits(const struct run_opts *o, struct ctr_config *cfg, struct err *e)
{
	if (o->memory) {
		if (util__parse_size(o->memory, &cfg->limits.memory) < 0)
			return err__set(e, EINVAL,
					"invalid --memory \"%s\": a size such as 512m or 1g",
					o->memory);
		if (cfg->limits.memory < 6 * MiB)
			return err__set(e, ERANGE, "--memory %s: the minimum is 6m", o->memory);
	}
	if (o->cpus && parse_cpus(o->cpus, cfg, e) < 0)
		return -EINVAL;
	if (o->pids) {
		char *end;
		long long v = strtoll(o->pids, &end, 10);
		if (!*o->pids || *end || v < -1)
			return err__set(e, EINVAL, "invalid --pids-limit \"%s\"", o->pids);
		cfg->limits.pids = v > 0 ? (uint64_t)v : 0;
	}
	return 0;
}

static int parse_net(const struct run_opts *o, struct ctr_config *cfg, struct err *e)
{
	int rc;

	cfg->net_mode = NET_BRIDGE;
	if (o->network && (rc = net__parse_mode(o->network, &cfg->net_mode, e)) < 0)
		return rc;
	cfg->ports = calloc(o->ports.n ? o->ports.n : 1, sizeof(*cfg->ports));
	if (!cfg->ports)
		return err__set(e, ENOMEM, "-p");
	for (int i = 0; i < o->ports.n; i++) {
		rc = net__parse_port(o->ports.v[i], &cfg->ports[i], e);
		if (rc < 0)
			return rc;
		cfg->nports++;
	}
	if (cfg->nports && cfg->net_mode != NET_BRIDGE)
		return err__set(e, EINVAL, "-p needs --network bridge");
	return 0;
}

static int validate(const struct run_opts *o, struct ctr_config *cfg, struct strv *env,
		    struct err *e)
{
	int rc;

	if (o->name) {
		if ((rc = ctr__check_name(o->name, e)) < 0)
			return rc;
		snprintf(cfg->name, sizeof(cfg->name), "%s", o->name);
	}
	cfg->binds = calloc(o->volumes.n ? o->volumes.n : 1, sizeof(*cfg->binds));
	if (!cfg->binds)
		return err__set(e, ENOMEM, "-v");
	for (int i = 0; i < o->volumes.n; i++) {
		if ((rc = parse_volume(o->volumes.v[i], &cfg->binds[i], e)) < 0)
			return rc;
		cfg->nbinds++;
	}
	for (int i = 0; i < o->env_files.n; i++)
		if ((rc = read_env_file(env, o->env_files.v[i], e)) < 0)
			return rc;
	for (int i = 0; i < o->env.n; i++)
		if ((rc = env_set(env, o->env.v[i], e)) < 0)
			return rc;
	if ((rc = parse_limits(o, cfg, e)) < 0 || (rc = parse_net(o, cfg, e)) < 0)
		return rc;
	cfg->restart = CTR_RESTART_NO;
	if (o->restart &&
	    (rc = ctr__parse_restart(o->restart, &cfg->restart, &cfg->restart_max, e)) < 0)
		return rc;
	if (o->rm && cfg->restart != CTR_RESTART_NO)
		return err__set(e, EINVAL, "conflicting options: --restart and --rm");
	if (o->workdir && o->workdir[0] != '/')
		return err__set(e, EINVAL,
				"invalid -w \"%s\": the working directory must be absolute",
				o->workdir);
	if (o->detach_keys) {
		char k[16];
		size_t n;
		if ((rc = ctr__parse_detach_keys(o->detach_keys, k, sizeof(k), &n, e)) < 0)
			return rc;
	}
	if (strcmp(o->pull, "missing") && strcmp(o->pull, "always") && strcmp(o->pull, "never"))
		return err__set(e, EINVAL, "invalid --pull \"%s\": use missing, always or never",
				o->pull);
	cfg->tty = o->tty;
	cfg->interactive = o->interactive;
	cfg->auto_remove = o->rm;
	cfg->privileged = o->privileged;
	/* "private" (podman's "auto" too): root in the container is an
	 * unprivileged uid range on the host (/etc/subuid's for root, else
	 * 100000-165535). */
	if (o->userns && strcmp(o->userns, "host")) {
		if (strcmp(o->userns, "private") && strcmp(o->userns, "auto"))
			return err__set(e, EINVAL, "invalid --userns \"%s\": use host or private",
					o->userns);
		cfg->userns = true;
	}
	return 0;
}

/* ---- run: the image's config, combined as docker does ---- */

static int merge_image(const struct run_opts *o, char **cmd, const struct img_info *img,
		       struct ctr_config *cfg, struct strv *user_env, struct err *e)
{
	struct strv env = { 0 }, argv = { 0 };
	int rc = 0;

	cfg->image_id = strdup(img->id);
	cfg->layers = ctr__strv_dup(img->layers);
	cfg->nlayers = img->nlayers;
	/* --entrypoint replaces the image's entrypoint and drops its Cmd. */
	if (o->entrypoint_set) {
		if (o->entrypoint[0]) {
			cfg->entrypoint = calloc(2, sizeof(char *));
			if (cfg->entrypoint)
				cfg->entrypoint[0] = strdup(o->entrypoint);
		}
	} else {
		cfg->entrypoint = ctr__strv_dup(img->config.entrypoint);
	}
	if (cmd[0])
		cfg->cmd = ctr__strv_dup(cmd);
	else if (!o->entrypoint_set)
		cfg->cmd = ctr__strv_dup(img->config.cmd);
	for (int i = 0; cfg->entrypoint && cfg->entrypoint[i]; i++)
		strv_push(&argv, cfg->entrypoint[i]);
	for (int i = 0; cfg->cmd && cfg->cmd[i]; i++)
		strv_push(&argv, cfg->cmd[i]);
	if (!argv.n) {
		strv_clear(&argv);
		return err__set(e, EINVAL,
				"no command specified: the image has no Cmd or Entrypoint");
	}
	cfg->argv = argv.v;
	for (int i = 0; img->config.env && img->config.env[i]; i++)
		env_set(&env, img->config.env[i], NULL);
	if (o->tty)
		env_set(&env, "TERM=xterm", NULL);
	for (int i = 0; i < user_env->n && rc == 0; i++)
		rc = env_set(&env, user_env->v[i], e);
	if (!env.v)
		strv_push(&env,
			  "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	cfg->env = env.v;
	cfg->workdir = strdup(o->workdir ? o->workdir
					 : (img->config.workdir && img->config.workdir[0]
						    ? img->config.workdir
						    : "/"));
	if (o->user || (img->config.user && img->config.user[0]))
		cfg->user = strdup(o->user ? o->user : img->config.user);
	return rc;
}

/* ---- running and attaching ---- */

static int status_for_start_error(int rc)
{
	if (rc == -ENOENT)
		return RT_EXIT_NOT_FOUND;
	if (rc == -EACCES)
		return RT_EXIT_CANNOT_EXEC;
	return EXIT_RUN_FAIL;
}

/* Relay a started container to this terminal until it exits or we detach;
 * the process's exit status. */
static int attach_until_exit(int sock, struct ctr *c, bool in, const char *keys)
{
	struct ctr_attach_opts ao = { .in_fd = in ? 0 : -1,
				      .out_fd = 1,
				      .err_fd = 2,
				      .tty = c->cfg.tty,
				      .detach_keys = keys };
	struct err e = { 0 };
	bool detached;
	int status, rc;

	rc = ctr__attach_relay(sock, &ao, &status, &detached, &e);
	close(sock);
	if (rc < 0)
		return cli__fail("%s: %s", c->cfg.name, e.msg);
	return detached ? 0 : status;
}

static int run_started(struct ctr *c, int sock, const struct run_opts *o)
{
	struct err e = { 0 };
	int rc = ctr__wait_started(sock, NULL, &e);

	if (rc < 0) {
		close(sock);
		cli__fail("%s", e.msg);
		return status_for_start_error(rc);
	}
	if (o->detach) {
		close(sock);
		printf("%s\n", c->cfg.id);
		return 0;
	}
	return attach_until_exit(sock, c, o->interactive, o->detach_keys);
}

/* The image, pulled first if it is missing (docker's --pull missing). The
 * pull runs in vmkit-xfer (cli__xfer_run), the only program that loads
 * libcurl; the store is closed meanwhile, as the pull takes its lock. */
static int find_image(struct img_store **store, const struct run_opts *o, const char *name,
		      struct img_info *img, struct err *e)
{
	char *args[] = { "pull", (char *)name, NULL };
	int rc;

	if (strcmp(o->pull, "always")) {
		rc = img__lookup(*store, name, img, e);
		if (rc != -ENOENT || !strcmp(o->pull, "never"))
			return rc < 0 ? err__wrap(e, "image %s", name) : rc;
		fprintf(stderr, "Unable to find image '%s' locally\n", name);
	}
	img_store__close(*store);
	*store = NULL;
	rc = cli__xfer_run(args);
	if (rc < 0)
		return err__sys(e, -rc, "pull %s: cannot run vmkit-xfer", name);
	if (rc > 0) /* vmkit-xfer has said why */
		return err__set(e, EIO, "pull %s failed", name);
	rc = img_store__open(root_dir(), store, e);
	if (rc == 0)
		rc = img__lookup(*store, name, img, e);
	return rc < 0 ? err__wrap(e, "image %s", name) : 0;
}

static int run_with(const struct run_opts *o, char **rest, struct err *e, int *status)
{
	struct ctr_config cfg = { 0 };
	struct strv env = { 0 };
	struct img_store *store = NULL;
	struct img_info img = { 0 };
	struct ctr *c = NULL;
	uint32_t flags = 0;
	int rc, sock;

	rc = validate(o, &cfg, &env, e);
	if (rc == 0)
		rc = img_store__open(root_dir(), &store, e);
	if (rc == 0)
		rc = find_image(&store, o, rest[0], &img, e);
	if (rc == 0)
		rc = merge_image(o, rest + 1, &img, &cfg, &env, e);
	if (rc == 0) {
		cfg.image = strdup(rest[0]);
		cfg.hostname = o->hostname ? strdup(o->hostname) : NULL;
		rc = ctr__create(root_dir(), &cfg, &c, e);
	} else {
		/* cfg's strings are ours until ctr__create takes them. */
		ctr__config_free(&cfg);
	}
	strv_clear(&env);
	if (store) {
		img__info_free(&img);
		img_store__close(store);
	}
	if (rc < 0)
		return rc;
	if (!o->detach)
		flags = CTR_ATTACH_OUTPUT | (o->interactive ? CTR_ATTACH_STDIN : 0);
	rc = ctr__start(c, flags, &sock, e);
	if (rc < 0) {
		ctr__free(c);
		return rc;
	}
	fflush(stdout);
	*status = run_started(c, sock, o);
	ctr__free(c);
	return 0;
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o = { 0 };
	struct err e = { 0 };
	int rc, status = 0;

	rc = parse_run_opts(argc, argv, &o);
	if (rc == 0) {
		rc = run_with(&o, argv + optind, &e, &status);
		if (rc < 0) {
			cli__fail("%s", e.msg);
			status = EXIT_RUN_FAIL;
		}
	} else {
		status = rc < 0 ? 0 : rc;
	}
	strv_clear(&o.env);
	strv_clear(&o.env_files);
	strv_clear(&o.volumes);
	strv_clear(&o.ports);
	return status;
}

/* ---- the other commands: shared bits ---- */

/* getopt for a command with only flags, and --help. Returns 0, or the
 * exit status to return (-1 for a --help already printed). */
static int simple_opts(int argc, char **argv, const char *usage, const char *shorts,
		       const struct option *longs, int (*on)(int c, void *ctx), void *ctx)
{
	int c;

	optind = 1;
	while ((c = cli__getopt(argc, argv, shorts, longs)) != -1) {
		if (c == OPT_HELP) {
			printf("usage: vmkit %s\n", usage);
			return -1;
		}
		if (c == '?' || c == ':' || on(c, ctx) < 0)
			return c == '?' || c == ':' ? cli__bad_option(usage, argv, c)
						    : CLI_EXIT_USAGE;
	}
	return 0;
}

static int lookup(const char *ref, struct ctr **c)
{
	struct err e = { 0 };

	if (ctr__lookup(root_dir(), ref, c, &e) < 0) {
		cli__fail("%s", e.msg);
		return -1;
	}
	return 0;
}

static bool is_running(const struct ctr *c)
{
	return c->st.status == CTR_RUNNING || c->st.status == CTR_RESTARTING;
}

/* ---- ps ---- */

struct ps_opts {
	bool all, quiet, no_trunc;
};

static int ps_opt(int c, void *ctx)
{
	struct ps_opts *o = ctx;

	if (c == 'a')
		o->all = true;
	else if (c == 'q')
		o->quiet = true;
	else if (c == OPT_NO_TRUNC)
		o->no_trunc = true;
	else
		return -1;
	return 0;
}

/* docker ps's COMMAND: the command line, cut to 20 with an ellipsis, quoted. */
static void ps_command(const struct ctr *c, bool no_trunc, char *buf, size_t size)
{
	char line[1024] = "";
	size_t n = 0;

	for (int i = 0; c->cfg.argv && c->cfg.argv[i] && n < sizeof(line) - 1; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s", i ? " " : "",
				      c->cfg.argv[i]);
	if (!no_trunc && strlen(line) > 20) {
		/* 19 characters (not bytes of a multibyte one) and "…". */
		size_t cut = 19;
		while (cut && (line[cut] & 0xc0) == 0x80)
			cut--;
		snprintf(line + cut, sizeof(line) - cut, "…");
	}
	snprintf(buf, size, "\"%s\"", line);
}

static void ps_ports(const struct ctr *c, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	if (c->st.status != CTR_RUNNING)
		return;
	for (int i = 0; i < c->st.net.nports && n < size; i++) {
		const struct net_port *p = &c->st.net.ports[i];
		n += (size_t)snprintf(buf + n, size - n, "%s%s:%u->%u/%s", i ? ", " : "",
				      p->host_ip[0] ? p->host_ip : "0.0.0.0", p->host_port,
				      p->ctr_port, p->proto);
	}
}

#define PS_COLS 7

static int display_width(const char *s)
{
	int w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

static void ps_print(char *(*rows)[PS_COLS], int n)
{
	int width[PS_COLS] = { 0 };

	for (int r = 0; r < n; r++)
		for (int k = 0; k < PS_COLS; k++)
			if (display_width(rows[r][k]) > width[k])
				width[k] = display_width(rows[r][k]);
	for (int r = 0; r < n; r++) {
		for (int k = 0; k < PS_COLS; k++) {
			if (k == PS_COLS - 1) {
				printf("%s\n", rows[r][k]);
				break;
			}
			printf("%s%*s", rows[r][k], width[k] - display_width(rows[r][k]) + 3, "");
		}
	}
}

int cmd_ps(int argc, char **argv)
{
	static const char usage[] = "ps [-a] [-q] [--no-trunc]";
	static const struct option longs[] = { { "all", no_argument, NULL, 'a' },
					       { "quiet", no_argument, NULL, 'q' },
					       { "no-trunc", no_argument, NULL, OPT_NO_TRUNC },
					       { "help", no_argument, NULL, OPT_HELP },
					       { NULL, 0, NULL, 0 } };
	struct ps_opts o = { 0 };
	struct err e = { 0 };
	struct ctr **v;
	char *(*rows)[PS_COLS];
	int n, nrows = 0, rc;
	int64_t now = ctr__now();

	rc = simple_opts(argc, argv, usage, "+:aq", longs, ps_opt, &o);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (optind < argc)
		return cli__usage_error(usage, "ps takes no arguments");
	if (ctr__list(root_dir(), &v, &n, &e) < 0)
		return cli__fail("ps: %s", e.msg);
	rows = calloc((size_t)n + 1, sizeof(*rows));
	if (!rows) {
		ctr__free_list(v, n);
		return cli__fail("ps: out of memory");
	}
	rows[nrows][0] = strdup("CONTAINER ID");
	rows[nrows][1] = strdup("IMAGE");
	rows[nrows][2] = strdup("COMMAND");
	rows[nrows][3] = strdup("CREATED");
	rows[nrows][4] = strdup("STATUS");
	rows[nrows][5] = strdup("PORTS");
	rows[nrows++][6] = strdup("NAMES");
	/* Newest first, as docker lists them. */
	for (int i = n - 1; i >= 0; i--) {
		struct ctr *c = v[i];
		char buf[1100], d[64];

		if (!o.all && !is_running(c))
			continue;
		if (o.quiet) {
			printf("%.*s\n", o.no_trunc ? CTR_ID_LEN : CTR_SHORT_LEN, c->cfg.id);
			continue;
		}
		rows[nrows][0] = strndup(c->cfg.id, o.no_trunc ? CTR_ID_LEN : CTR_SHORT_LEN);
		rows[nrows][1] = strdup(c->cfg.image ? c->cfg.image : "");
		ps_command(c, o.no_trunc, buf, sizeof(buf));
		rows[nrows][2] = strdup(buf);
		util__human_duration(now - c->cfg.created, d, sizeof(d));
		snprintf(buf, sizeof(buf), "%s ago", d);
		rows[nrows][3] = strdup(buf);
		ctr__status_string(c, now, buf, sizeof(buf));
		rows[nrows][4] = strdup(buf);
		ps_ports(c, buf, sizeof(buf));
		rows[nrows][5] = strdup(buf);
		rows[nrows++][6] = strdup(c->cfg.name);
	}
	for (int r = 0; r < nrows; r++)
		for (int k = 0; k < PS_COLS; k++)
			if (!rows[r][k])
				rows[r][k] = strdup("");
	if (!o.quiet)
		ps_print(rows, nrows);
	for (int r = 0; r < nrows; r++)
		for (int k = 0; k < PS_COLS; k++)
			free(rows[r][k]);
	free(rows);
	ctr__free_list(v, n);
	return 0;
}

/* ---- rm ---- */

struct force_opts {
	bool force;
};

static int force_opt(int c, void *ctx)
{
	if (c != 'f')
		return -1;
	((struct force_opts *)ctx)->force = true;
	return 0;
}

/* ctr__remove refuses (-EBUSY) while a monitor runs it, whatever c said
 * when loaded; with -f, stop it, and again if a start won meanwhile. */
static int remove_one(struct ctr *c, bool force, struct err *e)
{
	int rc = -EBUSY;

	for (int tries = 0; rc == -EBUSY && tries < (force ? 3 : 1); tries++) {
		if (force && (is_running(c) || tries) && (rc = ctr__stop(c, 0, e)) < 0)
			return rc;
		rc = ctr__remove(c, e);
	}
	return rc;
}

int cmd_rm(int argc, char **argv)
{
	static const char usage[] = "rm [-f] CONTAINER...";
	static const struct option longs[] = { { "force", no_argument, NULL, 'f' },
					       { "help", no_argument, NULL, OPT_HELP },
					       { NULL, 0, NULL, 0 } };
	struct force_opts o = { 0 };
	int rc, status = 0;

	rc = simple_opts(argc, argv, usage, "+:f", longs, force_opt, &o);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (optind >= argc)
		return cli__usage_error(usage, "rm needs a CONTAINER");
	for (int i = optind; i < argc; i++) {
		struct err e = { 0 };
		struct ctr *c;

		if (lookup(argv[i], &c) < 0) {
			status = CLI_EXIT_FAIL;
			continue;
		}
		rc = (is_running(c) && !o.force) ? -EBUSY : remove_one(c, o.force, &e);
		if (rc == -EBUSY) {
			cli__fail(
				"cannot remove container %s: it is running: stop it first or use rm -f",
				argv[i]);
			status = CLI_EXIT_FAIL;
		} else if (rc < 0) {
			cli__fail("rm %s: %s", argv[i], e.msg);
			status = CLI_EXIT_FAIL;
		} else {
			printf("%s\n", argv[i]);
		}
		ctr__free(c);
	}
	return status;
}

/* ---- start, stop, restart ---- */

struct start_opts {
	bool attach, interactive;
	const char *detach_keys;
};

static int start_opt(int c, void *ctx)
{
	struct start_opts *o = ctx;

	if (c == 'a')
		o->attach = true;
	else if (c == 'i')
		o->interactive = true;
	else if (c == OPT_DETACH_KEYS)
		o->detach_keys = optarg;
	else
		return -1;
	return 0;
}

/* Start c detached; 0 or an error printed (already running is fine, as
 * with docker start). */
static int start_one(struct ctr *c, const char *ref)
{
	struct err e = { 0 };
	int sock, rc;

	rc = ctr__start(c, 0, &sock, &e);
	if (rc == -EALREADY)
		return 0;
	if (rc == 0) {
		rc = ctr__wait_started(sock, NULL, &e);
		close(sock);
	}
	if (rc < 0) {
		cli__fail("start %s: %s", ref, e.msg);
		return -1;
	}
	return 0;
}

int cmd_start(int argc, char **argv)
{
	static const char usage[] = "start [-a] [-i] [--detach-keys KEYS] CONTAINER...";
	static const struct option longs[] = { { "attach", no_argument, NULL, 'a' },
					       { "interactive", no_argument, NULL, 'i' },
					       { "detach-keys", required_argument, NULL,
						 OPT_DETACH_KEYS },
					       { "help", no_argument, NULL, OPT_HELP },
					       { NULL, 0, NULL, 0 } };
	struct start_opts o = { 0 };
	int rc, status = 0;

	rc = simple_opts(argc, argv, usage, "+:ai", longs, start_opt, &o);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (optind >= argc)
		return cli__usage_error(usage, "start needs a CONTAINER");
	if ((o.attach || o.interactive) && argc - optind > 1)
		return cli__usage_error(usage, "start -a/-i takes one CONTAINER");
	if (o.attach || o.interactive) {
		struct err e = { 0 };
		struct ctr *c;
		int sock;
		uint32_t fl = CTR_ATTACH_OUTPUT | (o.interactive ? CTR_ATTACH_STDIN : 0);

		if (lookup(argv[optind], &c) < 0)
			return CLI_EXIT_FAIL;
		rc = ctr__start(c, fl, &sock, &e);
		if (rc == 0 && (rc = ctr__wait_started(sock, NULL, &e)) < 0)
			close(sock);
		if (rc < 0) {
			cli__fail("start %s: %s", argv[optind], e.msg);
			ctr__free(c);
			return rc == -EALREADY ? CLI_EXIT_FAIL : status_for_start_error(rc);
		}
		status = attach_until_exit(sock, c, o.interactive, o.detach_keys);
		ctr__free(c);
		return status;
	}
	for (int i = optind; i < argc; i++) {
		struct ctr *c;

		if (lookup(argv[i], &c) < 0) {
			status = CLI_EXIT_FAIL;
			continue;
		}
		if (start_one(c, argv[i]) < 0)
			status = CLI_EXIT_FAIL;
		else
			printf("%s\n", argv[i]);
		ctr__free(c);
	}
	return status;
}

struct time_opts {
	const char *t;
};

static int time_opt(int c, void *ctx)
{
	if (c != 't')
		return -1;
	((struct time_opts *)ctx)->t = optarg;
	return 0;
}

/* stop and restart share everything but the start. */
static int stop_cmd(int argc, char **argv, const char *usage, bool restart)
{
	static const struct option longs[] = { { "time", required_argument, NULL, 't' },
					       { "timeout", required_argument, NULL, 't' },
					       { "help", no_argument, NULL, OPT_HELP },
					       { NULL, 0, NULL, 0 } };
	struct time_opts o = { 0 };
	uint64_t t = 10;
	int rc, status = 0;

	rc = simple_opts(argc, argv, usage, "+:t:", longs, time_opt, &o);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (o.t && util__parse_uint(o.t, 0, 86400, &t) < 0)
		return cli__usage_error(usage, "invalid -t \"%s\": seconds", o.t);
	if (optind >= argc)
		return cli__usage_error(usage, "%s needs a CONTAINER", argv[0]);
	for (int i = optind; i < argc; i++) {
		struct err e = { 0 };
		struct ctr *c;

		if (lookup(argv[i], &c) < 0) {
			status = CLI_EXIT_FAIL;
			continue;
		}
		if (ctr__stop(c, (int)t, &e) < 0) {
			cli__fail("%s %s: %s", argv[0], argv[i], e.msg);
			status = CLI_EXIT_FAIL;
		} else if (restart && start_one(c, argv[i]) < 0) {
			status = CLI_EXIT_FAIL;
		} else {
			printf("%s\n", argv[i]);
		}
		ctr__free(c);
	}
	return status;
}

int cmd_stop(int argc, char **argv)
{
	return stop_cmd(argc, argv, "stop [-t SECONDS] CONTAINER...", false);
}

int cmd_restart(int argc, char **argv)
{
	return stop_cmd(argc, argv, "restart [-t SECONDS] CONTAINER...", true);
}

/* ---- kill ---- */

static int parse_signal(const char *s)
{
	uint64_t n;

	if (util__parse_uint(s, 1, NSIG - 1, &n) == 0)
		return (int)n;
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (int i = 1; i < NSIG; i++) {
		const char *name = sigabbrev_np(i);
		if (name && !strcasecmp(name, s))
			return i;
	}
	return -1;
}

struct kill_opts {
	const char *sig;
};

static int kill_opt(int c, void *ctx)
{
	if (c != 's')
		return -1;
	((struct kill_opts *)ctx)->sig = optarg;
	return 0;
}

int cmd_kill(int argc, char **argv)
{
	static const char usage[] = "kill [-s SIGNAL] CONTAINER...";
	static const struct option longs[] = { { "signal", required_argument, NULL, 's' },
					       { "help", no_argument, NULL, OPT_HELP },
					       { NULL, 0, NULL, 0 } };
	struct kill_opts o = { "KILL" };
	int rc, sig, status = 0;

	rc = simple_opts(argc, argv, usage, "+:s:", longs, kill_opt, &o);
	if (rc)
		return rc < 0 ? 0 : rc;
	sig = parse_signal(o.sig);
	if (sig < 0)
		return cli__usage_error(usage, "invalid signal \"%s\"", o.sig);
	if (optind >= argc)
		return cli__usage_error(usage, "kill needs a CONTAINER");
	for (int i = optind; i < argc; i++) {
		struct err e = { 0 };
		struct ctr *c;

		if (lookup(argv[i], &c) < 0) {
			status = CLI_EXIT_FAIL;
			continue;
		}
		if (!is_running(c) || ctr__kill(c, sig, &e) < 0) {
			cli__fail("kill %s: %s", argv[i],
				  e.code ? e.msg : "the container is not running");
			status = CLI_EXIT_FAIL;
		} else {
			printf("%s\n", argv[i]);
		}
		ctr__free(c);
	}
	return status;
}

/* ---- attach ---- */

struct attach_opts {
	const char *keys;
	bool no_stdin;
};

static int attach_opt(int c, void *ctx)
{
	struct attach_opts *o = ctx;

	if (c == OPT_DETACH_KEYS)
		o->keys = optarg;
	else if (c == OPT_NAME) /* --no-stdin */
		o->no_stdin = true;
	else
		return -1;
	return 0;
}

int cmd_attach(int argc, char **argv)
{
	static const char usage[] = "attach [--detach-keys KEYS] [--no-stdin] CONTAINER";
	static const struct option longs[] = { { "detach-keys", required_argument, NULL,
						 OPT_DETACH_KEYS },
					       { "no-stdin", no_argument, NULL, OPT_NAME },
					       { "help", no_argument, NULL, OPT_HELP },
					       { NULL, 0, NULL, 0 } };
	struct attach_opts o = { 0 };
	struct err e = { 0 };
	struct ctr *c;
	bool in;
	int rc, sock;

	rc = simple_opts(argc, argv, usage, "+:", longs, attach_opt, &o);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (optind != argc - 1)
		return cli__usage_error(usage, "attach needs one CONTAINER");
	if (o.keys) {
		char k[16];
		size_t n;
		if (ctr__parse_detach_keys(o.keys, k, sizeof(k), &n, &e) < 0)
			return cli__fail("%s", e.msg);
	}
	if (lookup(argv[optind], &c) < 0)
		return CLI_EXIT_FAIL;
	in = c->cfg.interactive && !o.no_stdin;
	if (!is_running(c) ||
	    ctr__connect(c, CTR_ATTACH_OUTPUT | (in ? CTR_ATTACH_STDIN : 0), &sock, &e) < 0) {
		cli__fail("attach %s: %s", argv[optind],
			  e.code ? e.msg : "cannot attach to a stopped container: start it first");
		ctr__free(c);
		return CLI_EXIT_FAIL;
	}
	rc = attach_until_exit(sock, c, in, o.keys);
	ctr__free(c);
	return rc;
}

/* ---- logs ---- */

static int logs_opt(int c, void *ctx)
{
	struct ctr_log_opts *o = ctx;
	long long n;
	char *end;

	switch (c) {
	case 'f':
		o->follow = true;
		return 0;
	case 't':
		o->timestamps = true;
		return 0;
	case 'n':
	case OPT_TAIL:
		if (!strcmp(optarg, "all")) {
			o->tail = -1;
			return 0;
		}
		n = strtoll(optarg, &end, 10);
		if (!*optarg || *end || n < -1)
			return -1;
		o->tail = (long)n;
		return 0;
	default:
		return -1;
	}
}

int cmd_logs(int argc, char **argv)
{
	static const char usage[] = "logs [-f] [-t] [--tail N] CONTAINER";
	static const struct option longs[] = { { "follow", no_argument, NULL, 'f' },
					       { "timestamps", no_argument, NULL, 't' },
					       { "tail", required_argument, NULL, OPT_TAIL },
					       { "help", no_argument, NULL, OPT_HELP },
					       { NULL, 0, NULL, 0 } };
	struct ctr_log_opts o = { .tail = -1 };
	struct err e = { 0 };
	struct ctr *c;
	int rc;

	rc = simple_opts(argc, argv, usage, "+:ftn:", longs, logs_opt, &o);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (optind != argc - 1)
		return cli__usage_error(usage, "logs needs one CONTAINER");
	if (lookup(argv[optind], &c) < 0)
		return CLI_EXIT_FAIL;
	fflush(stdout);
	rc = ctr__log_read(c, &o, 1, 2, &e);
	ctr__free(c);
	if (rc < 0)
		return cli__fail("logs %s: %s", argv[optind], e.msg);
	return 0;
}

/* ---- exec ---- */

struct exec_opts {
	bool interactive, tty, detach;
	const char *user, *workdir;
	struct strv env;
};

static int exec_opt(int c, void *ctx)
{
	struct exec_opts *o = ctx;

	switch (c) {
	case 'i':
		o->interactive = true;
		break;
	case 't':
		o->tty = true;
		break;
	case 'd':
		o->detach = true;
		break;
	case 'u':
		o->user = optarg;
		break;
	case 'w':
		o->workdir = optarg;
		break;
	case 'e':
		strv_push(&o->env, optarg);
		break;
	default:
		return -1;
	}
	return 0;
}

static int exec_in(struct ctr *c, const struct exec_opts *o, char **cmd)
{
	struct strv env = { 0 };
	struct ctr_exec_opts x = { .argv = cmd,
				   .user = o->user,
				   .workdir = o->workdir,
				   .interactive = o->interactive,
				   .tty = o->tty,
				   .detach = o->detach };
	struct err e = { 0 };
	int status, rc;

	/* The container's environment with -e on top. */
	for (int i = 0; c->cfg.env && c->cfg.env[i]; i++)
		env_set(&env, c->cfg.env[i], NULL);
	for (int i = 0; i < o->env.n; i++) {
		if (env_set(&env, o->env.v[i], &e) < 0) {
			strv_clear(&env);
			return cli__fail("%s", e.msg);
		}
	}
	x.env = env.v;
	fflush(stdout);
	rc = ctr__exec(c, &x, &status, &e);
	strv_clear(&env);
	if (rc < 0) {
		cli__fail("exec: %s", e.msg);
		return rc == -ENOENT ? RT_EXIT_NOT_FOUND
				     : (rc == -EACCES ? RT_EXIT_CANNOT_EXEC : EXIT_RUN_FAIL);
	}
	return status;
}

int cmd_exec(int argc, char **argv)
{
	static const char usage[] =
		"exec [-i] [-t] [-d] [-e K=V] [-u USER] [-w DIR] CONTAINER CMD...";
	static const struct option longs[] = { { "interactive", no_argument, NULL, 'i' },
					       { "tty", no_argument, NULL, 't' },
					       { "detach", no_argument, NULL, 'd' },
					       { "env", required_argument, NULL, 'e' },
					       { "user", required_argument, NULL, 'u' },
					       { "workdir", required_argument, NULL, 'w' },
					       { "help", no_argument, NULL, OPT_HELP },
					       { NULL, 0, NULL, 0 } };
	struct exec_opts o = { 0 };
	struct ctr *c;
	int rc;

	rc = simple_opts(argc, argv, usage, "+:itde:u:w:", longs, exec_opt, &o);
	if (rc) {
		strv_clear(&o.env);
		return rc < 0 ? 0 : rc;
	}
	if (argc - optind < 2) {
		strv_clear(&o.env);
		return cli__usage_error(usage, "exec needs a CONTAINER and a command");
	}
	if (lookup(argv[optind], &c) < 0) {
		strv_clear(&o.env);
		return CLI_EXIT_FAIL;
	}
	if (c->st.status != CTR_RUNNING) {
		rc = cli__fail("exec %s: the container is not running", argv[optind]);
	} else {
		rc = exec_in(c, &o, argv + optind + 1);
	}
	ctr__free(c);
	strv_clear(&o.env);
	return rc;
}

/* ---- inspect ---- */

int cmd_inspect(int argc, char **argv)
{
	static const char usage[] = "inspect NAME...";
	static const struct option longs[] = { { "help", no_argument, NULL, OPT_HELP },
					       { NULL, 0, NULL, 0 } };
	struct img_store *store = NULL;
	json_t *out = json_array();
	int rc, status = 0;
	char *s;

	rc = simple_opts(argc, argv, usage, "+:", longs, force_opt, &(struct force_opts){ 0 });
	if (rc) {
		json_decref(out);
		return rc < 0 ? 0 : rc;
	}
	if (optind >= argc) {
		json_decref(out);
		return cli__usage_error(usage, "inspect needs a NAME");
	}
	for (int i = optind; i < argc; i++) {
		struct err e = { 0 };
		struct ctr *c;
		json_t *j = NULL;

		if (ctr__lookup(root_dir(), argv[i], &c, &e) == 0) {
			s = ctr__inspect_json(c);
			ctr__free(c);
			j = s ? json_loads(s, 0, NULL) : NULL;
			free(s);
		} else if (e.code == ENOENT) {
			if (!store && img_store__open(root_dir(), &store, &e) < 0)
				store = NULL;
			j = store ? ctr_json__image_inspect(store, argv[i], &e) : NULL;
			if (!j)
				snprintf(e.msg, sizeof(e.msg), "no such container or image: %s",
					 argv[i]);
		}
		if (!j) {
			cli__fail("inspect: %s", e.msg);
			status = CLI_EXIT_FAIL;
			continue;
		}
		json_array_append_new(out, j);
	}
	if (store)
		img_store__close(store);
	s = json_dumps(out, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
	if (s)
		printf("%s\n", s);
	free(s);
	json_decref(out);
	return status;
}
