/* kvm_probe.h - what /dev/kvm on this host can do, for `vmkit info` and for
 * `--accel auto`. */
#ifndef VMKIT_VM_ACCEL_KVM_PROBE_H
#define VMKIT_VM_ACCEL_KVM_PROBE_H

#include <stdbool.h>

enum kvm_flavour {
	KVM_FLAVOUR_NONE,    /* no KVM module loaded */
	KVM_FLAVOUR_VMX,     /* kvm_intel: VT-x, guests run natively */
	KVM_FLAVOUR_SVM,     /* kvm_amd: AMD-V, guests run natively */
	KVM_FLAVOUR_PVM,     /* kvm_pvm: only PVM-aware guests run natively */
	KVM_FLAVOUR_UNKNOWN, /* a /dev/kvm whose module we do not recognise */
};

struct kvm_probe {
	bool present;    /* /dev/kvm exists */
	bool accessible; /* and we can open it read-write */
	int open_errno;  /* why not, when !accessible */
	int api_version; /* KVM_GET_API_VERSION, 12 on every modern kernel */
	int max_vcpus;   /* KVM_CAP_MAX_VCPUS */
	int nr_vcpus;    /* KVM_CAP_NR_VCPUS, the recommended maximum */
	bool vm_ok;      /* KVM_CREATE_VM succeeded */
	enum kvm_flavour flavour;
	const char *module; /* "kvm_intel", "kvm_amd", "kvm_pvm" or NULL */
};

void kvm__probe(struct kvm_probe *p);

/* True when KVM runs an unmodified (non-PVM-aware) guest at native speed. */
bool kvm__native(const struct kvm_probe *p);

const char *kvm__flavour_name(enum kvm_flavour f);

#endif
