/* accel.c - choose the CPU backend for a machine. */
#include "vm/accel/accel.h"

#include "common/log.h"
#include "vm/accel/kvm_probe.h"

#include <errno.h>
#include <string.h>

int accel__select(const char *name, const struct accel_ops **ops, struct err *e)
{
	struct kvm_probe probe;

	if (!name || strcmp(name, "auto") == 0) {
		/* auto: KVM when it runs an unmodified guest at native speed,
		 * otherwise the software CPU. Until the software CPU exists, a
		 * usable but slow KVM (KVM-PVM's emulator) beats no backend. */
		kvm__probe(&probe);
		if (kvm__native(&probe)) {
			*ops = &accel_kvm_ops;
			return 0;
		}
		if (probe.accessible && probe.vm_ok) {
			log__warn(
				"--accel auto: KVM here is %s, not hardware-assisted; the software "
				"CPU is not built yet, so using kvm (slow: KVM's instruction emulator)",
				kvm__flavour_name(probe.flavour));
			*ops = &accel_kvm_ops;
			return 0;
		}
		return err__set(e, ENODEV,
				"--accel auto: no usable accelerator (no /dev/kvm, and "
				"the software CPU is not built yet)");
	}
	if (strcmp(name, "kvm") == 0) {
		*ops = &accel_kvm_ops;
		return 0;
	}
	if (strcmp(name, "emu") == 0)
		return err__set(e, ENOTSUP, "--accel emu: the software CPU is not built yet");
	return err__set(e, EINVAL, "--accel %s: expected kvm, emu or auto", name);
}
