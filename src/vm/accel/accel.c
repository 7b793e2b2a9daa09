/* accel.c - choose the CPU backend for a machine. */
#include "vm/accel/accel.h"

#include "vm/accel/kvm_probe.h"

#include <errno.h>
#include <string.h>

int accel__select(const char *name, const struct accel_ops **ops, struct err *e)
{
	struct kvm_probe probe;

	if (!name || strcmp(name, "auto") == 0) {
		/* auto: KVM when it runs an unmodified guest at native speed
		 * (VT-x/AMD-V), otherwise the software CPU. */
		kvm__probe(&probe);
		*ops = kvm__native(&probe) ? &accel_kvm_ops : &accel_emu_ops;
		return 0;
	}
	if (strcmp(name, "kvm") == 0) {
		*ops = &accel_kvm_ops;
		return 0;
	}
	if (strcmp(name, "emu") == 0) {
		*ops = &accel_emu_ops;
		return 0;
	}
	return err__set(e, EINVAL, "--accel %s: expected kvm, emu or auto", name);
}
