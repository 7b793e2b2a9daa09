/* loader.h - put a guest image into guest memory and say how to enter it.
 *
 * Formats, detected from the file's contents:
 *   - a raw boot sector (512 bytes ending in 55 AA): at 0x7c00, real mode;
 *   - ELF32 (EM_386): by its program headers, 32-bit protected mode; with a
 *     Multiboot v1 header also EAX=0x2BADB002 and EBX -> Multiboot info;
 *   - ELF64 (EM_X86_64): by its program headers, 64-bit long mode;
 *   - a Linux bzImage: the x86 boot protocol, entered at its 64-bit entry.
 * Every offset and length read from the image is checked before use. */
#ifndef VMKIT_VM_LOADER_H
#define VMKIT_VM_LOADER_H

#include "common/err.h"
#include "vm/mem.h"
#include "vm/x86.h"

#include <stddef.h>
#include <stdint.h>

struct vm;

/* A file the loader was given besides the kernel (Multiboot modules). */
struct loader_file {
	const char *name; /* path, and the module's command line */
	const uint8_t *data;
	size_t len;
};

struct loader_args {
	const char *cmdline;            /* --append, may be NULL */
	const struct loader_file *mods; /* Multiboot modules */
	int nmods;
	const struct loader_file *initrd; /* Linux initramfs (the first module) */
	uint64_t rsdp;                    /* ACPI RSDP for Linux, 0 if none */
};

struct loader_result {
	struct x86_boot_state boot;
	const char *kind;          /* "boot sector", "ELF32", "Multiboot ELF32", "ELF64" */
	uint64_t load_lo, load_hi; /* guest-physical extent of the image */
};

/* Load an image already in host memory. The heart of the loader; unit and
 * fuzz tests call it directly. */
int loader__load_image(const struct guest_mem *m, const uint8_t *img, size_t len,
		       const struct loader_args *args, struct loader_result *res, struct err *e);

/* Read vm->cfg->kernel (and modules from cfg->initrd), load, fill vm->boot. */
int loader__load(struct vm *vm, struct err *e);

/* Inside the loader: one function per format. */
int loader__elf(const struct guest_mem *m, const uint8_t *img, size_t len,
		const struct loader_args *args, struct loader_result *res, struct err *e);
int loader__linux(const struct guest_mem *m, const uint8_t *img, size_t len,
		  const struct loader_args *args, struct loader_result *res, struct err *e);
int loader__multiboot_info(const struct guest_mem *m, const struct loader_args *args,
			   uint64_t image_end, uint32_t *mbi_addr, struct err *e);
/* Offset of a valid Multiboot v1 header in the first 8 KiB, or -1. */
long loader__find_multiboot(const uint8_t *img, size_t len, uint32_t *flags);

#endif
