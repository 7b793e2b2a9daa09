/* acpi.h - the ACPI tables vmkit writes into guest memory, as firmware
 * would: RSDP, XSDT, FADT, FACS, MADT and DSDT (ACPI 6.4 chapter 5,
 * "ACPI Software Programming Model").
 *
 * Everything lives in the BIOS area [ACPI_AREA_START, ACPI_AREA_END), which
 * boot__e820 reports reserved. The RSDP comes first, at 0xF0000: 16-byte
 * aligned, so the legacy scan of 0xE0000-0xFFFFF (section 5.2.5.1) finds it
 * as well as boot_params.acpi_rsdp_addr does. The tables:
 *   RSDP  section 5.2.5.3  revision 2, XSDT only (RsdtAddress 0)
 *   XSDT  section 5.2.8    -> FACP, APIC
 *   FADT  section 5.2.9    revision 6 ("FACP"): full (not hardware-reduced)
 *         ACPI, SMI_CMD 0 (always in ACPI mode), SCI on ISA IRQ 9, PM1a
 *         event/control blocks and the 24-bit PM timer in port I/O
 *         (devices/legacy/acpi_pm.h), RESET_REG = port 0xCF9 value 6,
 *         IA-PC boot flags: legacy devices, 8042, no VGA; X_DSDT, X_FACS
 *   FACS  section 5.2.10   zeroed: no waking vector, no global lock users
 *   MADT  section 5.2.12   ("APIC") LAPIC at 0xFEE00000, PCAT_COMPAT; one
 *         Processor Local APIC per vCPU (5.2.12.2: UID = APIC ID = index);
 *         the I/O APIC (5.2.12.3) at 0xFEC00000, GSI base 0, ID = ncpus;
 *         interrupt source overrides (5.2.12.5) IRQ 0 -> GSI 2 (edge,
 *         high) and IRQ 9 -> GSI 9 (level, high: the SCI); a Local APIC
 *         NMI structure (5.2.12.7) for LINT1 of every processor
 *   DSDT  section 5.2.11.1 AML compiled from src/vm/acpi/dsdt.asl by iasl:
 *         \_SB.PCI0 (PNP0A03), COM1 (PNP0501), KBD (PNP0303), RTC
 *         (PNP0B00), \_S5
 * Every table carries OEM ID "VMKIT ", OEM table ID "VMKIT   " and creator
 * "VMKT"; every checksum sums its table to zero. */
#ifndef VMKIT_VM_ACPI_H
#define VMKIT_VM_ACPI_H

#include "common/err.h"
#include "vm/mem.h"

#include <stddef.h>
#include <stdint.h>

struct vm;

#define ACPI_AREA_START 0xf0000ULL
#define ACPI_AREA_END   0x100000ULL
#define ACPI_RSDP_ADDR  ACPI_AREA_START

#define ACPI_LAPIC_ADDR  0xfee00000u
#define ACPI_IOAPIC_ADDR 0xfec00000u
/* The I/O APIC's ID follows the vCPUs' APIC IDs, and all are 8 bits. */
#define ACPI_MAX_CPUS 254

#define ACPI_OEM_ID       "VMKIT "
#define ACPI_OEM_TABLE_ID "VMKIT   "
#define ACPI_CREATOR_ID   "VMKT"

/* Write the tables for a machine of ncpus vCPUs (1..ACPI_MAX_CPUS) into
 * guest memory m (which must cover the BIOS area: at least 1 MiB of RAM).
 * *rsdp_addr gets the guest-physical address of the RSDP. Returns 0, or
 * -EINVAL / -ENOSPC / -EFAULT with e filled. */
int acpi__build_tables(const struct guest_mem *m, int ncpus, uint64_t *rsdp_addr, struct err *e);

/* The same for a machine: its RAM and vCPU count. For the Linux loader,
 * which passes *rsdp_addr in boot_params.acpi_rsdp_addr. */
int acpi__build(struct vm *vm, uint64_t *rsdp_addr, struct err *e);

/* The DSDT's AML as iasl compiled it (src/vm/acpi/dsdt.c). */
const uint8_t *acpi__dsdt_aml(size_t *len);

#endif
