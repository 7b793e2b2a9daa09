/* host.h - facts about the host CPU, as CPUID reports them. The KVM and
 * container probes live with their rooms (vm/accel/kvm.h, container/probe.h). */
#ifndef VMKIT_HOST_HOST_H
#define VMKIT_HOST_HOST_H

#include <stdbool.h>

struct host_cpu {
	char vendor[13];       /* "GenuineIntel", "AuthenticAMD" */
	char model[49];        /* brand string, trimmed */
	bool vmx;              /* CPUID.1:ECX[5], Intel VT-x */
	bool svm;              /* CPUID.80000001h:ECX[2], AMD-V */
	bool hypervisor;       /* CPUID.1:ECX[31]: this host is itself a guest */
	char hv_signature[13]; /* CPUID.40000000h EBX:ECX:EDX, "KVMKVMKVM" */
};

void host__cpu_probe(struct host_cpu *cpu);

#endif
