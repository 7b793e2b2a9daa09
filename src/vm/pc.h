/* pc.h - the PC platform: the legacy devices every x86 machine has, wired
 * to the buses and interrupt lines in one place. */
#ifndef VMKIT_VM_PC_H
#define VMKIT_VM_PC_H

#include "common/err.h"

struct vm;

#define PC_COM1_PORT 0x3f8
#define PC_COM1_IRQ  4
#define PC_KBD_IRQ   1
#define PC_RTC_IRQ   8
#define PC_POST_PORT 0x80

/* Attach, in order: COM1, the i8042, the RTC, the POST port, the ACPI PM
 * block (0x600-0x60b, SCI on IRQ 9) and reset control register (0xcf9),
 * the PCI host bridge (0xcf8, 0xcfc-0xcff; vm->pci), the debug-exit port.
 * Devices already attached are released by vm__destroy. The ACPI tables
 * that describe them are written by acpi__build (vm/acpi.h), which the
 * loader calls. */
int pc__init(struct vm *vm, struct err *e);

#endif
