/* info.c - `vmkit info`: a host check in the spirit of virt-host-validate.
 * Every line is PASS, WARN or FAIL with a short reason; --json gives the
 * same checks plus the raw facts. Exit status 1 when any check FAILs. */

#include "cli/cli.h"

#include "container/probe.h"
#include "host/host.h"
#include "vm/accel/kvm_probe.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum check_status { CHECK_PASS, CHECK_WARN, CHECK_FAIL };

struct check {
	const char *id;
	enum check_status status;
	char detail[320];
};

struct report {
	struct check checks[32];
	int n;
};

static const char info_usage[] = "info [--json]";

static void add(struct report *r, const char *id, enum check_status st, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void add(struct report *r, const char *id, enum check_status st, const char *fmt, ...)
{
	struct check *c;
	va_list ap;

	if (r->n >= (int)(sizeof(r->checks) / sizeof(r->checks[0])))
		return;
	c = &r->checks[r->n++];
	c->id = id;
	c->status = st;
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
	va_end(ap);
}

static void check_cpu(struct report *r, const struct host_cpu *cpu)
{
	add(r, "cpu", CHECK_PASS, "%s (%s)", cpu->model[0] ? cpu->model : "unknown model",
	    cpu->vendor);
	if (cpu->vmx || cpu->svm)
		add(r, "cpu.virt", CHECK_PASS, "hardware virtualization: %s",
		    cpu->vmx ? "vmx (Intel VT-x)" : "svm (AMD-V)");
	else
		add(r, "cpu.virt", CHECK_WARN,
		    "no vmx/svm flag: no hardware-assisted virtualization on this CPU");
	if (cpu->hypervisor)
		add(r, "cpu.hypervisor", CHECK_PASS, "this host is itself a guest of \"%s\"",
		    cpu->hv_signature);
}

static void check_kvm(struct report *r, const struct kvm_probe *k)
{
	if (!k->present) {
		add(r, "kvm.device", CHECK_WARN,
		    "/dev/kvm is missing: only the software CPU (--accel emu) can run guests");
		return;
	}
	if (!k->accessible) {
		add(r, "kvm.device", CHECK_FAIL, "/dev/kvm cannot be opened: %s%s",
		    strerror(k->open_errno),
		    k->open_errno == EACCES ? " (run as root or join group kvm)" : "");
		return;
	}
	add(r, "kvm.device", CHECK_PASS, "/dev/kvm is present and accessible");
	if (k->api_version == 12)
		add(r, "kvm.api", CHECK_PASS, "API version 12");
	else
		add(r, "kvm.api", CHECK_FAIL, "API version %d, vmkit needs 12", k->api_version);
	add(r, "kvm.vcpus", CHECK_PASS, "up to %d vCPUs per VM (%d recommended)", k->max_vcpus,
	    k->nr_vcpus);
	if (!k->vm_ok)
		add(r, "kvm.vm", CHECK_FAIL, "KVM_CREATE_VM failed: KVM cannot create VMs here");

	switch (k->flavour) {
	case KVM_FLAVOUR_VMX:
	case KVM_FLAVOUR_SVM:
		add(r, "kvm.flavour", CHECK_PASS,
		    "hardware-assisted (%s, %s): guests run natively in non-root mode", k->module,
		    k->flavour == KVM_FLAVOUR_VMX ? "VT-x" : "AMD-V");
		break;
	case KVM_FLAVOUR_PVM:
		add(r, "kvm.flavour", CHECK_WARN,
		    "KVM-PVM (kvm_pvm): only PVM-aware guests run at native speed; other guests run "
		    "in KVM's instruction emulator (about 1-2 million instructions/s) and a stock "
		    "Linux kernel does not boot");
		break;
	default:
		add(r, "kvm.flavour", CHECK_WARN, "unrecognised KVM module: speed unknown");
		break;
	}
}

static void check_accel(struct report *r, const struct kvm_probe *k)
{
	if (kvm__native(k))
		add(r, "accel", CHECK_PASS,
		    "standard guests: --accel kvm (auto picks kvm); small guests: kvm or emu");
	else if (k->accessible && k->vm_ok)
		add(r, "accel", CHECK_WARN,
		    "standard guests (Linux): --accel emu, the software CPU (auto picks it); "
		    "--accel kvm only for small guests");
	else
		add(r, "accel", CHECK_WARN, "every guest needs --accel emu, the software CPU");
}

static void check_containers(struct report *r, const struct ctr_probe *c)
{
	switch (c->cgroup_mode) {
	case CGROUP_MODE_V2:
		add(r, "cgroups", CHECK_PASS, "v2 (unified) at %s, controllers: %s", c->v2_path,
		    c->v2_controllers[0] ? c->v2_controllers : "none");
		break;
	case CGROUP_MODE_HYBRID:
		add(r, "cgroups", CHECK_PASS, "hybrid: v1 controllers (%s), cgroup2 at %s with: %s",
		    c->v1_controllers, c->v2_path,
		    c->v2_controllers[0] ? c->v2_controllers : "no controllers");
		break;
	case CGROUP_MODE_V1:
		add(r, "cgroups", CHECK_PASS, "v1 (legacy), controllers: %s", c->v1_controllers);
		break;
	case CGROUP_MODE_NONE:
		add(r, "cgroups", CHECK_FAIL, "no cgroup hierarchy under /sys/fs/cgroup");
		break;
	}
	for (int i = 0; i < CTR_NS_COUNT; i++) {
		static const char *const ids[CTR_NS_COUNT] = {
			"ns.mnt", "ns.pid",    "ns.uts",  "ns.ipc",
			"ns.net", "ns.cgroup", "ns.user", "ns.time",
		};
		/* Containers need all but time (and user, which is an option). */
		enum check_status bad =
			(i == CTR_NS_TIME || i == CTR_NS_USER) ? CHECK_WARN : CHECK_FAIL;

		if (c->ns_errno[i] == 0)
			add(r, ids[i], CHECK_PASS, "%s namespace available", ctr__ns_name(i));
		else
			add(r, ids[i], bad, "%s namespace unavailable: %s", ctr__ns_name(i),
			    strerror(c->ns_errno[i]));
	}
	if (c->overlayfs)
		add(r, "overlayfs", CHECK_PASS, "overlay filesystem available");
	else
		add(r, "overlayfs", CHECK_FAIL, "no overlay filesystem (modprobe overlay?)");
	if (c->seccomp_filter)
		add(r, "seccomp", CHECK_PASS, "seccomp with BPF filters available");
	else if (c->seccomp)
		add(r, "seccomp", CHECK_WARN, "seccomp without filter mode");
	else
		add(r, "seccomp", CHECK_FAIL, "kernel has no seccomp");
}

static const char *status_name(enum check_status s)
{
	return s == CHECK_PASS ? "PASS" : s == CHECK_WARN ? "WARN" : "FAIL";
}

static int print_json(const struct report *r, const struct host_cpu *cpu, const struct kvm_probe *k,
		      const struct ctr_probe *c)
{
	json_t *root, *checks, *ns;
	char *text;

	checks = json_array();
	for (int i = 0; i < r->n; i++)
		json_array_append_new(checks, json_pack("{s:s, s:s, s:s}", "id", r->checks[i].id,
							"status", status_name(r->checks[i].status),
							"detail", r->checks[i].detail));
	ns = json_object();
	for (int i = 0; i < CTR_NS_COUNT; i++)
		json_object_set_new(ns, ctr__ns_name(i), json_boolean(c->ns_errno[i] == 0));
	root = json_pack("{s:{s:s, s:s, s:b, s:b, s:b, s:s?},"
			 " s:{s:b, s:b, s:i, s:i, s:i, s:s, s:s?, s:b},"
			 " s:{s:s, s:s, s:s, s:s, s:o, s:b, s:b},"
			 " s:o}",
			 "cpu", "vendor", cpu->vendor, "model", cpu->model, "vmx", cpu->vmx, "svm",
			 cpu->svm, "hypervisor", cpu->hypervisor, "hypervisor_signature",
			 cpu->hypervisor ? cpu->hv_signature : NULL, "kvm", "present", k->present,
			 "accessible", k->accessible, "api_version", k->api_version, "max_vcpus",
			 k->max_vcpus, "recommended_vcpus", k->nr_vcpus, "flavour",
			 kvm__flavour_name(k->flavour), "module", k->module, "native",
			 kvm__native(k), "containers", "cgroup_mode",
			 ctr__cgroup_mode_name(c->cgroup_mode), "cgroup_v1_controllers",
			 c->v1_controllers, "cgroup2_path", c->v2_path, "cgroup2_controllers",
			 c->v2_controllers, "namespaces", ns, "overlayfs", c->overlayfs, "seccomp",
			 c->seccomp_filter, "checks", checks);
	if (!root)
		return cli__fail("info: cannot build JSON output");
	text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (!text)
		return cli__fail("info: cannot format JSON output");
	puts(text);
	free(text);
	return 0;
}

int cmd_info(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct host_cpu cpu;
	struct kvm_probe kvm;
	struct ctr_probe ctr;
	struct report rep = { .n = 0 };
	int c, json = 0, failed = 0;

	while ((c = cli__getopt(argc, argv, "+:jh", opts)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'h':
			printf("usage: vmkit %s\n\n"
			       "Check what this host can virtualize: CPU and hardware virtualization,\n"
			       "/dev/kvm and its flavour, and the kernel features containers need.\n\n"
			       "  --json   machine-readable output\n",
			       info_usage);
			return 0;
		default:
			return cli__bad_option(info_usage, argv, c);
		}
	}
	if (optind < argc)
		return cli__usage_error(info_usage, "unexpected argument '%s'", argv[optind]);

	host__cpu_probe(&cpu);
	kvm__probe(&kvm);
	ctr__probe(&ctr);
	check_cpu(&rep, &cpu);
	check_kvm(&rep, &kvm);
	check_accel(&rep, &kvm);
	check_containers(&rep, &ctr);
	for (int i = 0; i < rep.n; i++)
		failed |= rep.checks[i].status == CHECK_FAIL;

	if (json) {
		if (print_json(&rep, &cpu, &kvm, &ctr))
			return CLI_EXIT_FAIL;
	} else {
		for (int i = 0; i < rep.n; i++)
			printf("%s  %-15s %s\n", status_name(rep.checks[i].status),
			       rep.checks[i].id, rep.checks[i].detail);
	}
	return failed ? CLI_EXIT_FAIL : 0;
}
