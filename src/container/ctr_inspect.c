/* ctr_inspect.c - containers and images as `docker inspect` shows them (the
 * fields people and scripts read). */
#include "container/container.h"

#include "container/ctr_json.h"
#include "image/image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *time_json(int64_t ns)
{
	char buf[64];

	ctr__format_time(ns, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *state_json(const struct ctr *c)
{
	const struct ctr_state *s = &c->st;
	bool running = s->status == CTR_RUNNING;

	return json_pack("{s:s, s:b, s:b, s:b, s:b, s:b, s:b, s:i, s:i, s:s, s:o, s:o}", "Status",
			 ctr__status_name(s->status), "Running", running, "Paused", 0, "Restarting",
			 s->status == CTR_RESTARTING, "OOMKilled", s->oom_killed, "Dead", 0,
			 "StoppedByUser", s->stopped_by_user, "Pid", running ? (int)s->pid : 0,
			 "ExitCode", s->exit_code, "Error", s->error, "StartedAt",
			 time_json(s->started_at), "FinishedAt", time_json(s->finished_at));
}

static json_t *port_map(const struct net_port *p, int n, bool with_host)
{
	json_t *o = json_object();

	for (int i = 0; i < n; i++) {
		char key[32], hp[8];
		json_t *a;

		snprintf(key, sizeof(key), "%u/%s", p[i].ctr_port, p[i].proto);
		snprintf(hp, sizeof(hp), "%u", p[i].host_port);
		a = json_object_get(o, key);
		if (!a) {
			a = json_array();
			json_object_set_new(o, key, a);
		}
		if (with_host)
			json_array_append_new(a,
					      json_pack("{s:s, s:s}", "HostIp",
							p[i].host_ip[0] ? p[i].host_ip : "0.0.0.0",
							"HostPort", hp));
	}
	return o;
}

static json_t *binds_json(const struct ctr_config *cfg, bool mounts)
{
	json_t *a = json_array();

	for (int i = 0; i < cfg->nbinds; i++) {
		const struct ctr_bind *b = &cfg->binds[i];
		if (mounts) {
			json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:b, s:s}", "Type",
							   "bind", "Source", b->src, "Destination",
							   b->dst, "Mode", b->ro ? "ro" : "", "RW",
							   !b->ro, "Propagation", "rprivate"));
		} else {
			char *s;
			if (asprintf(&s, "%s:%s%s", b->src, b->dst, b->ro ? ":ro" : "") >= 0) {
				json_array_append_new(a, json_string(s));
				free(s);
			}
		}
	}
	return a;
}

static json_t *config_json(const struct ctr *c)
{
	const struct ctr_config *cfg = &c->cfg;

	return json_pack("{s:s, s:s, s:o, s:o, s:o, s:s, s:s, s:b, s:b, s:b, s:b, s:o}", "Hostname",
			 cfg->hostname ? cfg->hostname : "", "Image", cfg->image ? cfg->image : "",
			 "Cmd", ctr_json__strv(cfg->cmd), "Entrypoint",
			 ctr_json__strv(cfg->entrypoint), "Env", ctr_json__strv(cfg->env),
			 "WorkingDir", cfg->workdir ? cfg->workdir : "", "User",
			 cfg->user ? cfg->user : "", "Tty", cfg->tty, "OpenStdin", cfg->interactive,
			 "AttachStdout", 1, "AttachStderr", 1, "ExposedPorts",
			 port_map(cfg->ports, cfg->nports, false));
}

static json_t *host_config_json(const struct ctr *c)
{
	const struct ctr_config *cfg = &c->cfg;

	return json_pack(
		"{s:I, s:I, s:I, s:I, s:I, s:s, s:{s:s, s:i}, s:o, s:o, s:b, s:b, s:s}", "Memory",
		(json_int_t)cfg->limits.memory, "NanoCpus", (json_int_t)(cfg->cpus * 1e9 + 0.5),
		"CpuQuota", (json_int_t)cfg->limits.cpu_quota, "CpuPeriod",
		(json_int_t)cfg->limits.cpu_period, "PidsLimit", (json_int_t)cfg->limits.pids,
		"NetworkMode", ctr_json__net_mode_name(cfg->net_mode), "RestartPolicy", "Name",
		ctr__restart_name(cfg->restart), "MaximumRetryCount", cfg->restart_max, "Binds",
		binds_json(cfg, false), "PortBindings", port_map(cfg->ports, cfg->nports, true),
		"AutoRemove", cfg->auto_remove, "Privileged", cfg->privileged, "UsernsMode",
		cfg->userns ? "private" : "");
}

static json_t *network_json(const struct ctr *c)
{
	bool running = c->st.status == CTR_RUNNING;
	const struct net_state *n = &c->st.net;

	return json_pack("{s:s, s:s, s:o}", "IPAddress", running ? n->ip : "", "Gateway",
			 running ? n->gateway : "", "Ports",
			 running ? port_map(n->ports, n->nports, true) : json_object());
}

char *ctr__inspect_json(const struct ctr *c)
{
	char name[160], path[4200];
	json_t *j;
	char *s;

	snprintf(name, sizeof(name), "/%s", c->cfg.name);
	snprintf(path, sizeof(path), "%s/" CTR_LOG_NAME, c->dir);
	j = json_pack("{s:s, s:o, s:s, s:o, s:o, s:s, s:s, s:o, s:i, s:s, s:o, s:o, s:o, s:o}",
		      "Id", c->cfg.id, "Created", time_json(c->cfg.created), "Path",
		      c->cfg.argv && c->cfg.argv[0] ? c->cfg.argv[0] : "", "Args",
		      ctr_json__strv(c->cfg.argv && c->cfg.argv[0] ? c->cfg.argv + 1 : NULL),
		      "State", state_json(c), "Image", c->cfg.image_id ? c->cfg.image_id : "",
		      "LogPath", path, "Name", json_string(name), "RestartCount",
		      c->st.restart_count, "Driver", "overlay", "Config", config_json(c),
		      "HostConfig", host_config_json(c), "NetworkSettings", network_json(c),
		      "Mounts", binds_json(&c->cfg, true));
	if (!j)
		return NULL;
	json_object_set_new(j, "GraphDriver",
			    json_pack("{s:s, s:{s:s, s:s}}", "Name", "overlay", "Data", "UpperDir",
				      "", "WorkDir", ""));
	{
		char up[4200], wk[4200];
		json_t *d = json_object_get(json_object_get(j, "GraphDriver"), "Data");
		snprintf(up, sizeof(up), "%s/upper", c->dir);
		snprintf(wk, sizeof(wk), "%s/work", c->dir);
		json_object_set_new(d, "UpperDir", json_string(up));
		json_object_set_new(d, "WorkDir", json_string(wk));
	}
	s = json_dumps(j, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
	json_decref(j);
	return s;
}

/* The image's own config section, as stored, or one built from what
 * img__lookup parsed. */
static json_t *image_config(const struct img_info *info)
{
	json_t *whole = info->config_json ? json_loads(info->config_json, 0, NULL) : NULL;
	json_t *cfg = json_object_get(whole, "config");

	if (cfg) {
		json_incref(cfg);
		json_decref(whole);
		return cfg;
	}
	json_decref(whole);
	return json_pack("{s:o, s:o, s:o, s:s, s:s}", "Env", ctr_json__strv(info->config.env),
			 "Cmd", ctr_json__strv(info->config.cmd), "Entrypoint",
			 ctr_json__strv(info->config.entrypoint), "WorkingDir",
			 info->config.workdir ? info->config.workdir : "", "User",
			 info->config.user ? info->config.user : "");
}

json_t *ctr_json__image_inspect(struct img_store *s, const char *ref, struct err *e)
{
	struct img_info info = { 0 };
	json_t *j, *layers;
	size_t lower_len = 1;
	char *lower, ts[64];

	if (img__lookup(s, ref, &info, e) < 0)
		return NULL;
	for (int i = 0; i < info.nlayers; i++)
		lower_len += strlen(info.layers[i]) + 1;
	lower = calloc(1, lower_len);
	/* LowerDir lists the top layer first, as overlayfs wants it. */
	for (int i = info.nlayers - 1; lower && i >= 0; i--) {
		if (i != info.nlayers - 1)
			strcat(lower, ":");
		strcat(lower, info.layers[i]);
	}
	if (info.diff_ids) {
		layers = ctr_json__strv(info.diff_ids);
	} else {
		layers = json_array();
		for (int i = 0; i < info.nlayers; i++) {
			const char *base = strrchr(info.layers[i], '/');
			char d[128];
			snprintf(d, sizeof(d), "sha256:%s", base ? base + 1 : info.layers[i]);
			json_array_append_new(layers, json_string(d));
		}
	}
	ctr__format_time(info.created * 1000000000LL, ts, sizeof(ts));
	j = json_pack(
		"{s:s, s:o, s:o, s:s, s:I, s:o, s:s, s:s, s:{s:s, s:o}, s:{s:s, s:{s:s}}}", "Id",
		info.id, "RepoTags",
		info.repo_tags ? ctr_json__strv(info.repo_tags) : json_pack("[s]", info.name),
		"RepoDigests", info.repo_digests ? ctr_json__strv(info.repo_digests) : json_array(),
		"Created", ts, "Size", (json_int_t)info.size, "Config", image_config(&info),
		"Architecture", "amd64", "Os", "linux", "RootFS", "Type", "layers", "Layers",
		layers, "GraphDriver", "Name", "overlay", "Data", "LowerDir", lower ? lower : "");
	free(lower);
	img__info_free(&info);
	return j;
}
