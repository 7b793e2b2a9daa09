/* loader_elf.c - ELF32 and ELF64 executables (System V ABI, "Program
 * Loading"; the x86-64 psABI). Segments are placed at their physical
 * addresses (p_paddr), as Multiboot loaders and QEMU's -kernel do, so a
 * kernel linked high but loaded low boots; an entry point given as a
 * virtual address inside a segment is translated the same way. */
#include "vm/loader.h"

#include "vm/boot.h"

#include <elf.h>
#include <errno.h>
#include <string.h>

#define ELF_MAX_PHDRS              256
#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002u

/* One program header, whatever the class. */
struct seg {
	uint32_t type;
	uint64_t offset, vaddr, paddr, filesz, memsz;
};

struct elf_info {
	int is64;
	uint16_t machine, type;
	uint64_t entry, phoff;
	uint16_t phentsize, phnum;
};

static const char *machine_name(uint16_t m)
{
	switch (m) {
	case EM_386:
		return "i386";
	case EM_X86_64:
		return "x86-64";
	case EM_ARM:
		return "arm";
	case EM_AARCH64:
		return "aarch64";
	case EM_RISCV:
		return "riscv";
	case EM_PPC64:
		return "ppc64";
	case EM_S390:
		return "s390";
	case EM_MIPS:
		return "mips";
	}
	return "another machine";
}

static int read_header(const uint8_t *img, size_t len, struct elf_info *h, struct err *e)
{
	if (len < EI_NIDENT)
		return err__set(e, EINVAL, "truncated ELF header");
	if (img[EI_DATA] != ELFDATA2LSB)
		return err__set(e, EINVAL, "big-endian ELF: need little-endian x86");
	if (img[EI_VERSION] != EV_CURRENT)
		return err__set(e, EINVAL, "unknown ELF version %u", img[EI_VERSION]);
	if (img[EI_CLASS] == ELFCLASS64) {
		Elf64_Ehdr eh;

		if (len < sizeof(eh))
			return err__set(e, EINVAL, "truncated ELF64 header");
		memcpy(&eh, img, sizeof(eh));
		*h = (struct elf_info){ 1,          eh.e_machine,   eh.e_type, eh.e_entry,
					eh.e_phoff, eh.e_phentsize, eh.e_phnum };
	} else if (img[EI_CLASS] == ELFCLASS32) {
		Elf32_Ehdr eh;

		if (len < sizeof(eh))
			return err__set(e, EINVAL, "truncated ELF32 header");
		memcpy(&eh, img, sizeof(eh));
		*h = (struct elf_info){ 0,          eh.e_machine,   eh.e_type, eh.e_entry,
					eh.e_phoff, eh.e_phentsize, eh.e_phnum };
	} else {
		return err__set(e, EINVAL, "unknown ELF class %u", img[EI_CLASS]);
	}
	if (h->machine != (h->is64 ? EM_X86_64 : EM_386))
		return err__set(e, ENOEXEC, "ELF%d for %s (machine %u), need %s", h->is64 ? 64 : 32,
				machine_name(h->machine), h->machine, h->is64 ? "x86-64" : "i386");
	if (h->type != ET_EXEC)
		return err__set(e, ENOEXEC, "ELF type %u is not an executable (ET_EXEC)", h->type);
	if (h->phentsize != (h->is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr)))
		return err__set(e, EINVAL, "bad program header size %u", h->phentsize);
	if (h->phnum == 0 || h->phnum > ELF_MAX_PHDRS)
		return err__set(e, EINVAL, "%u program headers (need 1 to %d)", h->phnum,
				ELF_MAX_PHDRS);
	/* phnum * phentsize is at most 256 * 56: no overflow; phoff may be
	 * anything, so compare without adding to it. */
	if (h->phoff > len || (uint64_t)h->phnum * h->phentsize > len - h->phoff)
		return err__set(e, EINVAL, "program headers beyond the end of the file");
	return 0;
}

static void read_seg(const uint8_t *img, const struct elf_info *h, int i, struct seg *s)
{
	/* In bounds: read_header() checked the whole table. */
	const uint8_t *p = img + h->phoff + (uint64_t)i * h->phentsize;

	if (h->is64) {
		Elf64_Phdr ph;

		memcpy(&ph, p, sizeof(ph));
		*s = (struct seg){ ph.p_type,  ph.p_offset, ph.p_vaddr,
				   ph.p_paddr, ph.p_filesz, ph.p_memsz };
	} else {
		Elf32_Phdr ph;

		memcpy(&ph, p, sizeof(ph));
		*s = (struct seg){ ph.p_type,  ph.p_offset, ph.p_vaddr,
				   ph.p_paddr, ph.p_filesz, ph.p_memsz };
	}
}

static int check_seg(const struct guest_mem *m, const struct seg *s, size_t len, struct err *e)
{
	if (s->filesz > s->memsz)
		return err__set(e, EINVAL, "segment at 0x%llx: file size above memory size",
				(unsigned long long)s->paddr);
	if (s->offset > len || s->filesz > len - s->offset)
		return err__set(e, EINVAL, "segment at 0x%llx: data beyond the end of the file",
				(unsigned long long)s->paddr);
	if (!mem__ptr(m, s->paddr, s->memsz))
		return err__set(e, ERANGE,
				"segment 0x%llx-0x%llx lies outside guest RAM "
				"(%llu MiB)",
				(unsigned long long)s->paddr,
				(unsigned long long)(s->paddr + s->memsz),
				(unsigned long long)(m->size >> 20));
	if (s->memsz && s->paddr < BOOT_AREA_END && s->paddr + s->memsz > BOOT_AREA_START)
		return err__set(e, ERANGE,
				"segment 0x%llx-0x%llx overlaps vmkit's boot area "
				"(0x%llx-0x%llx)",
				(unsigned long long)s->paddr,
				(unsigned long long)(s->paddr + s->memsz), BOOT_AREA_START,
				BOOT_AREA_END);
	return 0;
}

int loader__elf(const struct guest_mem *m, const uint8_t *img, size_t len,
		const struct loader_args *args, struct loader_result *res, struct err *e)
{
	struct elf_info h = { 0 };
	uint64_t entry, lo = UINT64_MAX, hi = 0;
	int r, nload = 0, entry_found = 0;
	uint32_t mb_flags, mbi;

	r = read_header(img, len, &h, e);
	if (r < 0)
		return r;
	entry = h.entry;
	for (int i = 0; i < h.phnum; i++) {
		struct seg s;

		read_seg(img, &h, i, &s);
		if (s.type != PT_LOAD)
			continue;
		r = check_seg(m, &s, len, e);
		if (r < 0)
			return r;
		/* check_seg() proved [paddr, paddr+memsz) is RAM and
		 * [offset, offset+filesz) is inside the file. */
		mem__write(m, s.paddr, img + s.offset, s.filesz);
		memset(mem__ptr(m, s.paddr + s.filesz, s.memsz - s.filesz), 0, s.memsz - s.filesz);
		if (!entry_found && h.entry >= s.vaddr && h.entry - s.vaddr < s.memsz) {
			entry = h.entry - s.vaddr + s.paddr;
			entry_found = 1;
		}
		if (s.paddr < lo)
			lo = s.paddr;
		if (s.paddr + s.memsz > hi)
			hi = s.paddr + s.memsz;
		nload++;
	}
	if (!nload)
		return err__set(e, EINVAL, "no loadable segment");
	if (!mem__ptr(m, entry, 1))
		return err__set(e, ERANGE, "entry point 0x%llx is outside guest RAM",
				(unsigned long long)entry);
	res->load_lo = lo;
	res->load_hi = hi;

	if (h.is64) {
		res->kind = "ELF64";
		if (boot__long_mode(m, &res->boot, entry) < 0)
			return err__set(e, ENOMEM, "guest RAM too small for page tables");
		return 0;
	}
	if (entry > UINT32_MAX)
		return err__set(e, ERANGE, "ELF32 entry point above 4 GiB");
	if (boot__protected_mode(m, &res->boot, (uint32_t)entry) < 0)
		return err__set(e, ENOMEM, "guest RAM too small for a GDT");
	if (loader__find_multiboot(img, len, &mb_flags) < 0) {
		res->kind = "ELF32";
		return 0;
	}
	/* Multiboot spec 3.1.2: bits 0-15 are requirements. We honour 0 (page
	 * aligned modules) and 1 (memory map) and ignore 2 (video mode), as
	 * QEMU does; others we cannot meet, so we must refuse. */
	if (mb_flags & 0xfff8)
		return err__set(e, ENOTSUP, "Multiboot header requires features 0x%x vmkit lacks",
				mb_flags & 0xfff8);
	r = loader__multiboot_info(m, args, hi, &mbi, e);
	if (r < 0)
		return r;
	res->boot.rax = MULTIBOOT_BOOTLOADER_MAGIC;
	res->boot.rbx = mbi;
	res->kind = "Multiboot ELF32";
	return 0;
}
