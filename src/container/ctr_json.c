/* ctr_json.c - a container's config.json and state.json (see ctr_json.h). */
#include "container/ctr_json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int ctr__strv_len(char *const *v)
{
	int n = 0;

	while (v && v[n])
		n++;
	return n;
}

char **ctr__strv_dup(char *const *v)
{
	int n = ctr__strv_len(v);
	char **d;

	if (!v)
		return NULL;
	d = calloc(n + 1, sizeof(*d));
	if (!d)
		return NULL;
	for (int i = 0; i < n; i++) {
		d[i] = strdup(v[i]);
		if (!d[i]) {
			ctr__strv_free(d);
			return NULL;
		}
	}
	return d;
}

void ctr__strv_free(char **v)
{
	for (int i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

json_t *ctr_json__strv(char *const *v)
{
	json_t *a;

	if (!v)
		return json_null();
	a = json_array();
	for (int i = 0; a && v[i]; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

char **ctr_json__parse_strv(const json_t *a)
{
	size_t n, i;
	char **v;

	if (!json_is_array(a))
		return NULL;
	n = json_array_size(a);
	v = calloc(n + 1, sizeof(*v));
	if (!v)
		return NULL;
	for (i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(a, i));
		v[i] = strdup(s ? s : "");
	}
	return v;
}

static const char *const net_names[] = {
	[NET_NONE] = "none", [NET_HOST] = "host", [NET_BRIDGE] = "bridge"
};

const char *ctr_json__net_mode_name(enum net_mode m)
{
	return (unsigned)m < 3 ? net_names[m] : "none";
}

static enum net_mode net_mode_parse(const char *s)
{
	for (int i = 0; i < 3; i++)
		if (s && !strcmp(s, net_names[i]))
			return (enum net_mode)i;
	return NET_NONE;
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static char *dup_str(const json_t *j, const char *key)
{
	const char *s = json_string_value(json_object_get(j, key));

	return s ? strdup(s) : NULL;
}

static json_t *ports_json(const struct net_port *p, int n)
{
	json_t *a = json_array();

	for (int i = 0; a && i < n; i++)
		json_array_append_new(a, json_pack("{s:s, s:i, s:i, s:s}", "HostIp", p[i].host_ip,
						   "HostPort", p[i].host_port, "ContainerPort",
						   p[i].ctr_port, "Proto", p[i].proto));
	return a;
}

static int ports_parse(const json_t *a, struct net_port *p, int max)
{
	size_t i, n = json_array_size(a);

	for (i = 0; i < n && (int)i < max; i++) {
		const json_t *o = json_array_get(a, i);
		const char *ip = json_string_value(json_object_get(o, "HostIp"));
		const char *proto = json_string_value(json_object_get(o, "Proto"));

		memset(&p[i], 0, sizeof(p[i]));
		snprintf(p[i].host_ip, sizeof(p[i].host_ip), "%s", ip ? ip : "");
		snprintf(p[i].proto, sizeof(p[i].proto), "%s", proto ? proto : "tcp");
		p[i].host_port = (uint16_t)json_integer_value(json_object_get(o, "HostPort"));
		p[i].ctr_port = (uint16_t)json_integer_value(json_object_get(o, "ContainerPort"));
	}
	return (int)i;
}

json_t *ctr_json__config(const struct ctr_config *c)
{
	json_t *binds = json_array(), *j;

	for (int i = 0; binds && i < c->nbinds; i++)
		json_array_append_new(binds, json_pack("{s:s, s:s, s:b}", "Source", c->binds[i].src,
						       "Destination", c->binds[i].dst, "ReadOnly",
						       c->binds[i].ro));
	j = json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "Id", c->id,
		      "Name", c->name, "Image", str_or_null(c->image), "ImageId",
		      str_or_null(c->image_id), "Layers", ctr_json__strv(c->layers), "Entrypoint",
		      ctr_json__strv(c->entrypoint), "Cmd", ctr_json__strv(c->cmd), "Argv",
		      ctr_json__strv(c->argv), "Env", ctr_json__strv(c->env), "WorkingDir",
		      str_or_null(c->workdir), "User", str_or_null(c->user), "Hostname",
		      str_or_null(c->hostname));
	if (!j) {
		json_decref(binds);
		return NULL;
	}
	json_object_set_new(j, "Binds", binds);
	json_object_set_new(j, "Ports", ports_json(c->ports, c->nports));
	json_object_set_new(j, "NetworkMode", json_string(ctr_json__net_mode_name(c->net_mode)));
	json_object_set_new(j, "Memory", json_integer((json_int_t)c->limits.memory));
	json_object_set_new(j, "CpuQuota", json_integer((json_int_t)c->limits.cpu_quota));
	json_object_set_new(j, "CpuPeriod", json_integer((json_int_t)c->limits.cpu_period));
	json_object_set_new(j, "PidsLimit", json_integer((json_int_t)c->limits.pids));
	json_object_set_new(j, "Cpus", json_real(c->cpus));
	json_object_set_new(j, "Restart", json_string(ctr__restart_name(c->restart)));
	json_object_set_new(j, "RestartMax", json_integer(c->restart_max));
	json_object_set_new(j, "Tty", json_boolean(c->tty));
	json_object_set_new(j, "Interactive", json_boolean(c->interactive));
	json_object_set_new(j, "AutoRemove", json_boolean(c->auto_remove));
	json_object_set_new(j, "Privileged", json_boolean(c->privileged));
	json_object_set_new(j, "Userns", json_boolean(c->userns));
	json_object_set_new(j, "Created", json_integer(c->created));
	return j;
}

int ctr_json__parse_config(const json_t *j, struct ctr_config *c, struct err *e)
{
	const char *id = json_string_value(json_object_get(j, "Id"));
	const char *name = json_string_value(json_object_get(j, "Name"));
	const char *restart = json_string_value(json_object_get(j, "Restart"));
	const json_t *binds = json_object_get(j, "Binds"), *ports = json_object_get(j, "Ports");

	memset(c, 0, sizeof(*c));
	if (!id || strlen(id) != CTR_ID_LEN)
		return err__set(e, EINVAL, "config.json: no Id");
	memcpy(c->id, id, CTR_ID_LEN + 1);
	snprintf(c->name, sizeof(c->name), "%s", name ? name : "");
	c->image = dup_str(j, "Image");
	c->image_id = dup_str(j, "ImageId");
	c->layers = ctr_json__parse_strv(json_object_get(j, "Layers"));
	c->nlayers = ctr__strv_len(c->layers);
	c->entrypoint = ctr_json__parse_strv(json_object_get(j, "Entrypoint"));
	c->cmd = ctr_json__parse_strv(json_object_get(j, "Cmd"));
	c->argv = ctr_json__parse_strv(json_object_get(j, "Argv"));
	c->env = ctr_json__parse_strv(json_object_get(j, "Env"));
	c->workdir = dup_str(j, "WorkingDir");
	c->user = dup_str(j, "User");
	c->hostname = dup_str(j, "Hostname");
	c->nbinds = (int)json_array_size(binds);
	c->binds = calloc(c->nbinds ? c->nbinds : 1, sizeof(*c->binds));
	for (int i = 0; c->binds && i < c->nbinds; i++) {
		const json_t *b = json_array_get(binds, i);
		c->binds[i].src = dup_str(b, "Source");
		c->binds[i].dst = dup_str(b, "Destination");
		c->binds[i].ro = json_is_true(json_object_get(b, "ReadOnly"));
	}
	c->nports = (int)json_array_size(ports);
	c->ports = calloc(c->nports ? c->nports : 1, sizeof(*c->ports));
	if (c->ports)
		c->nports = ports_parse(ports, c->ports, c->nports);
	c->net_mode = net_mode_parse(json_string_value(json_object_get(j, "NetworkMode")));
	c->limits.memory = (uint64_t)json_integer_value(json_object_get(j, "Memory"));
	c->limits.cpu_quota = (uint64_t)json_integer_value(json_object_get(j, "CpuQuota"));
	c->limits.cpu_period = (uint64_t)json_integer_value(json_object_get(j, "CpuPeriod"));
	c->limits.pids = (uint64_t)json_integer_value(json_object_get(j, "PidsLimit"));
	c->cpus = json_real_value(json_object_get(j, "Cpus"));
	ctr__parse_restart(restart ? restart : "no", &c->restart, &c->restart_max, NULL);
	c->restart_max = (int)json_integer_value(json_object_get(j, "RestartMax"));
	c->tty = json_is_true(json_object_get(j, "Tty"));
	c->interactive = json_is_true(json_object_get(j, "Interactive"));
	c->auto_remove = json_is_true(json_object_get(j, "AutoRemove"));
	c->privileged = json_is_true(json_object_get(j, "Privileged"));
	c->userns = json_is_true(json_object_get(j, "Userns"));
	c->created = json_integer_value(json_object_get(j, "Created"));
	if (!c->binds || !c->ports || !c->argv)
		return err__set(e, EINVAL, "config.json of %.12s: incomplete", c->id);
	return 0;
}

void ctr__config_free(struct ctr_config *cfg)
{
	ctr_json__config_free(cfg);
}

void ctr_json__config_free(struct ctr_config *c)
{
	free(c->image);
	free(c->image_id);
	ctr__strv_free(c->layers);
	ctr__strv_free(c->entrypoint);
	ctr__strv_free(c->cmd);
	ctr__strv_free(c->argv);
	ctr__strv_free(c->env);
	free(c->workdir);
	free(c->user);
	free(c->hostname);
	for (int i = 0; c->binds && i < c->nbinds; i++) {
		free(c->binds[i].src);
		free(c->binds[i].dst);
	}
	free(c->binds);
	free(c->ports);
	memset(c, 0, sizeof(*c));
}

json_t *ctr_json__state(const struct ctr_state *s)
{
	json_t *j = json_pack("{s:s, s:i, s:i, s:i, s:b, s:b, s:I, s:I, s:i, s:s}", "Status",
			      ctr__status_name(s->status), "Pid", (int)s->pid, "MonitorPid",
			      (int)s->monitor_pid, "ExitCode", s->exit_code, "OOMKilled",
			      s->oom_killed, "StoppedByUser", s->stopped_by_user, "StartedAt",
			      (json_int_t)s->started_at, "FinishedAt", (json_int_t)s->finished_at,
			      "RestartCount", s->restart_count, "Error", s->error);

	if (j)
		json_object_set_new(j, "Net",
				    json_pack("{s:s, s:s, s:s, s:s, s:o}", "Mode",
					      ctr_json__net_mode_name(s->net.mode), "IP", s->net.ip,
					      "Gateway", s->net.gateway, "HostVeth",
					      s->net.host_veth, "Ports",
					      ports_json(s->net.ports, s->net.nports)));
	return j;
}

int ctr_json__parse_state(const json_t *j, struct ctr_state *s, struct err *e)
{
	const char *status = json_string_value(json_object_get(j, "Status"));
	const char *err = json_string_value(json_object_get(j, "Error"));
	const json_t *net = json_object_get(j, "Net");
	const char *v;

	memset(s, 0, sizeof(*s));
	if (!status)
		return err__set(e, EINVAL, "state.json: no Status");
	for (int i = CTR_CREATED; i <= CTR_EXITED; i++)
		if (!strcmp(status, ctr__status_name((enum ctr_status)i)))
			s->status = (enum ctr_status)i;
	s->pid = (pid_t)json_integer_value(json_object_get(j, "Pid"));
	s->monitor_pid = (pid_t)json_integer_value(json_object_get(j, "MonitorPid"));
	s->exit_code = (int)json_integer_value(json_object_get(j, "ExitCode"));
	s->oom_killed = json_is_true(json_object_get(j, "OOMKilled"));
	s->stopped_by_user = json_is_true(json_object_get(j, "StoppedByUser"));
	s->started_at = json_integer_value(json_object_get(j, "StartedAt"));
	s->finished_at = json_integer_value(json_object_get(j, "FinishedAt"));
	s->restart_count = (int)json_integer_value(json_object_get(j, "RestartCount"));
	snprintf(s->error, sizeof(s->error), "%s", err ? err : "");
	s->net.mode = net_mode_parse(json_string_value(json_object_get(net, "Mode")));
	v = json_string_value(json_object_get(net, "IP"));
	snprintf(s->net.ip, sizeof(s->net.ip), "%s", v ? v : "");
	v = json_string_value(json_object_get(net, "Gateway"));
	snprintf(s->net.gateway, sizeof(s->net.gateway), "%s", v ? v : "");
	v = json_string_value(json_object_get(net, "HostVeth"));
	snprintf(s->net.host_veth, sizeof(s->net.host_veth), "%s", v ? v : "");
	s->net.nports = ports_parse(json_object_get(net, "Ports"), s->net.ports, 16);
	return 0;
}
