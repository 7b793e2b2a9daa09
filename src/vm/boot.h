/* boot.h - where vmkit puts its boot structures in guest memory, and the
 * CPU states guests are entered with.
 *
 * Low memory layout (all below 1 MiB, as Firecracker and QEMU use it):
 *   0x00500  GDT: 0x10 flat code (32- or 64-bit), 0x18 flat data
 *   0x07000  boot information (Multiboot info; Linux's zero page later)
 *   0x08000  stack for ELF entry, growing down from 0x8ff0
 *   0x09000  PML4, 0x0a000 PDPT, 0x0b000.. page directories (2 MiB pages)
 *   0x20000  kernel command line and Multiboot module strings
 * Images may not be loaded over [BOOT_AREA_START, BOOT_AREA_END). */
#ifndef VMKIT_VM_BOOT_H
#define VMKIT_VM_BOOT_H

#include "vm/mem.h"
#include "vm/x86.h"

#include <stdint.h>

#define BOOT_AREA_START   0x500ULL
#define BOOT_GDT_ADDR     0x500ULL
#define BOOT_INFO_ADDR    0x7000ULL
#define BOOT_INFO_SIZE    0x1000ULL
#define BOOT_STACK_TOP    0x8ff0ULL
#define BOOT_PML4_ADDR    0x9000ULL
#define BOOT_PDPT_ADDR    0xa000ULL
#define BOOT_PD_ADDR      0xb000ULL
#define BOOT_PD_MAX       16 /* page directories: identity map up to 16 GiB */
#define BOOT_CMDLINE_ADDR 0x20000ULL
#define BOOT_CMDLINE_MAX  0x10000ULL
#define BOOT_AREA_END     0x30000ULL

#define BOOT_SEL_CODE 0x10
#define BOOT_SEL_DATA 0x18

/* An entry of the BIOS-style memory map (ACPI's E820 types). */
enum { E820_RAM = 1, E820_RESERVED = 2 };
struct e820_entry {
	uint64_t addr, size;
	uint32_t type;
};
#define E820_MAX 8

/* The memory map vmkit's machine presents; returns the entry count. */
int boot__e820(const struct guest_mem *m, struct e820_entry *map);

/* 16-bit real mode at cs:ip, as a PC BIOS hands over to a boot sector. */
void boot__real_mode(struct x86_boot_state *bs, uint16_t cs, uint16_t ip);

/* 32-bit protected mode, flat 4 GiB segments, paging off. Writes the GDT. */
int boot__protected_mode(const struct guest_mem *m, struct x86_boot_state *bs, uint32_t entry);

/* 64-bit long mode with guest RAM (and the 32-bit hole) identity-mapped by
 * 2 MiB pages. Writes the GDT and page tables. */
int boot__long_mode(const struct guest_mem *m, struct x86_boot_state *bs, uint64_t entry);

#endif
