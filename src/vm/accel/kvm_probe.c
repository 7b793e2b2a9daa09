/* kvm_probe.c - probe /dev/kvm without keeping anything open. */
#include "vm/accel/kvm_probe.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

static bool module_loaded(const char *name)
{
	char path[128];
	struct stat st;

	/* /sys/module/<name> exists for loaded modules and built-in ones alike;
	 * /proc/modules misses the latter. */
	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return stat(path, &st) == 0;
}

static void probe_flavour(struct kvm_probe *p)
{
	/* PVM first: a PVM host may also carry kvm_intel/kvm_amd without the
	 * hardware to use them. */
	if (module_loaded("kvm_pvm")) {
		p->flavour = KVM_FLAVOUR_PVM;
		p->module = "kvm_pvm";
	} else if (module_loaded("kvm_intel")) {
		p->flavour = KVM_FLAVOUR_VMX;
		p->module = "kvm_intel";
	} else if (module_loaded("kvm_amd")) {
		p->flavour = KVM_FLAVOUR_SVM;
		p->module = "kvm_amd";
	} else {
		p->flavour = p->present ? KVM_FLAVOUR_UNKNOWN : KVM_FLAVOUR_NONE;
		p->module = NULL;
	}
}

void kvm__probe(struct kvm_probe *p)
{
	struct stat st;
	int fd, vm, r;

	memset(p, 0, sizeof(*p));
	p->present = stat("/dev/kvm", &st) == 0;
	probe_flavour(p);
	if (!p->present)
		return;
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		p->open_errno = errno;
		return;
	}
	p->accessible = true;
	p->api_version = ioctl(fd, KVM_GET_API_VERSION, 0);
	r = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	p->max_vcpus = r > 0 ? r : 0;
	r = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	p->nr_vcpus = r > 0 ? r : 4; /* the API says: assume 4 if absent */
	if (p->max_vcpus == 0)
		p->max_vcpus = p->nr_vcpus;
	vm = ioctl(fd, KVM_CREATE_VM, 0);
	if (vm >= 0) {
		p->vm_ok = true;
		close(vm);
	}
	close(fd);
}

bool kvm__native(const struct kvm_probe *p)
{
	return p->accessible && p->vm_ok &&
	       (p->flavour == KVM_FLAVOUR_VMX || p->flavour == KVM_FLAVOUR_SVM);
}

const char *kvm__flavour_name(enum kvm_flavour f)
{
	switch (f) {
	case KVM_FLAVOUR_VMX:
		return "vmx";
	case KVM_FLAVOUR_SVM:
		return "svm";
	case KVM_FLAVOUR_PVM:
		return "pvm";
	case KVM_FLAVOUR_UNKNOWN:
		return "unknown";
	case KVM_FLAVOUR_NONE:
		break;
	}
	return "none";
}
