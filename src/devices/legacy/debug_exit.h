/* debug_exit.h - a port that ends the machine, compatible with QEMU's
 * isa-debug-exit (iobase=0xf4, iosize=4): writing V ends the VM and vmkit
 * exits with status (V << 1) | 1, so test runners written for QEMU read the
 * guest's verdict unchanged. */
#ifndef VMKIT_DEVICES_LEGACY_DEBUG_EXIT_H
#define VMKIT_DEVICES_LEGACY_DEBUG_EXIT_H

#include "devices/machine.h"

#include <stdbool.h>
#include <stdint.h>

#define DEBUG_EXIT_PORT 0xf4
#define DEBUG_EXIT_LEN  4

/* Bus handler; opaque is a struct machine_ctl (the device has no state). */
void debug_exit__io(void *ctl, uint64_t offset, uint8_t *data, unsigned len, bool is_write);

#endif
