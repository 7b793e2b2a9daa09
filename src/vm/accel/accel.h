/* accel.h - the CPU backend interface: KVM (hardware-assisted) and the
 * software x86-64 CPU implement the same ops, so the machine, its devices
 * and its loaders never know which one runs the guest. */
#ifndef VMKIT_VM_ACCEL_ACCEL_H
#define VMKIT_VM_ACCEL_ACCEL_H

#include "common/err.h"
#include "vm/vm.h"
#include "vm/x86.h"

#include <stdio.h>

struct accel_ops {
	const char *name;
	/* Create the backend's VM: map guest RAM, create interrupt
	 * controllers and timers. Checks cfg->ncpus against its limits. */
	int (*vm_init)(struct vm *vm, struct err *e);
	void (*vm_fini)(struct vm *vm);
	int (*vcpu_init)(struct vcpu *cpu, struct err *e);
	void (*vcpu_fini)(struct vcpu *cpu);
	/* Load the boot state into the boot vCPU. Other vCPUs wait for an
	 * INIT/SIPI from the guest, as application processors do. */
	int (*vcpu_boot)(struct vcpu *cpu, const struct x86_boot_state *bs, struct err *e);
	/* Run on the vCPU's own thread until vm__ending(); failures end the
	 * VM with VM_END_ERROR. */
	void (*vcpu_run)(struct vcpu *cpu);
	/* Make a running vCPU return from the guest soon (any thread). */
	void (*vcpu_kick)(struct vcpu *cpu);
	void (*irq_line)(struct vm *vm, unsigned line, int level);
	/* Registers, for error reports. */
	void (*dump_regs)(struct vcpu *cpu, FILE *out);
	/* Backend figures for --stats (may be NULL). */
	void (*print_stats)(struct vm *vm, FILE *out);
};

extern const struct accel_ops accel_kvm_ops;
extern const struct accel_ops accel_emu_ops;

/* Pick the backend for cfg->accel ("kvm", "emu", "auto"). */
int accel__select(const char *name, const struct accel_ops **ops, struct err *e);

#endif
