/* pvpanic.h - the paravirtual panic notifier: a one-byte port the guest
 * kernel writes when it panics (Linux's pvpanic driver, which binds to the
 * ACPI device QEMU0001, the ID QEMU defined for it and guests know). Bit 0
 * "panicked" ends the VM with an error; bit 1 "crash kernel loaded" is
 * acknowledged and ignored. Reading returns the events supported. */
#ifndef VMKIT_DEVICES_LEGACY_PVPANIC_H
#define VMKIT_DEVICES_LEGACY_PVPANIC_H

#include "devices/machine.h"

#include <stdbool.h>
#include <stdint.h>

#define PVPANIC_PORT         0x505
#define PVPANIC_PANICKED     (1u << 0)
#define PVPANIC_CRASH_LOADED (1u << 1)

/* Bus handler; opaque is the machine's struct machine_ctl. */
void pvpanic__io(void *ctl, uint64_t offset, uint8_t *data, unsigned len, bool is_write);

#endif
