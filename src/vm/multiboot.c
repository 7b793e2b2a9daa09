/* multiboot.c - the Multiboot v1 information block ("Multiboot
 * Specification version 0.6.96", section 3.3): memory sizes, memory map,
 * command line, modules and the boot loader's name. */
#include "vm/boot.h"
#include "vm/loader.h"

#include <errno.h>
#include <string.h>

#define MB_HEADER_MAGIC 0x1BADB002u
#define MB_SEARCH       8192
#define MBI_MEMORY      (1u << 0)
#define MBI_CMDLINE     (1u << 2)
#define MBI_MODS        (1u << 3)
#define MBI_MMAP        (1u << 6)
#define MBI_LOADER_NAME (1u << 9)
#define MBI_SIZE        120

/* Where the pieces go inside the boot information page. */
#define MBI_ADDR      BOOT_INFO_ADDR
#define MBI_MMAP_ADDR (BOOT_INFO_ADDR + 0x100)
#define MBI_MODS_ADDR (BOOT_INFO_ADDR + 0x300)
#define MBI_NAME_ADDR (BOOT_INFO_ADDR + 0xf00)

long loader__find_multiboot(const uint8_t *img, size_t len, uint32_t *flags)
{
	size_t end = len < MB_SEARCH ? len : MB_SEARCH;

	/* The header is 32-bit aligned within the first 8192 bytes. */
	for (size_t off = 0; off + 12 <= end; off += 4) {
		uint32_t w[3];

		memcpy(w, img + off, sizeof(w));
		if (w[0] == MB_HEADER_MAGIC && (uint32_t)(w[0] + w[1] + w[2]) == 0) {
			*flags = w[1];
			return (long)off;
		}
	}
	return -1;
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

/* Strings (the command line, module names) go from BOOT_CMDLINE_ADDR up. */
static int put_string(const struct guest_mem *m, uint64_t *cursor, const char *s, uint32_t *addr,
		      struct err *e)
{
	size_t n = strlen(s) + 1;

	if (*cursor + n > BOOT_CMDLINE_ADDR + BOOT_CMDLINE_MAX)
		return err__set(e, E2BIG, "command lines longer than %llu bytes in all",
				BOOT_CMDLINE_MAX);
	if (mem__write(m, *cursor, s, n) < 0)
		return err__set(e, ENOMEM, "guest RAM too small for the command line");
	*addr = (uint32_t)*cursor;
	*cursor += n;
	return 0;
}

int loader__multiboot_info(const struct guest_mem *m, const struct loader_args *args,
			   uint64_t image_end, uint32_t *mbi_addr, struct err *e)
{
	struct e820_entry map[E820_MAX];
	uint8_t mbi[MBI_SIZE] = { 0 }, ent[24];
	uint64_t strings = BOOT_CMDLINE_ADDR, mod_at, low_top = m->regions[0].size;
	uint32_t addr, flags = MBI_MEMORY | MBI_CMDLINE | MBI_MODS | MBI_MMAP | MBI_LOADER_NAME;
	int n = boot__e820(m, map), r;

	/* mem_lower: KiB from 0 (max 640); mem_upper: KiB from 1 MiB up to the
	 * first hole. */
	put32(mbi + 4, 639);
	put32(mbi + 8, (uint32_t)((low_top > 0x100000 ? low_top - 0x100000 : 0) >> 10));
	r = put_string(m, &strings, args->cmdline ? args->cmdline : "", &addr, e);
	if (r < 0)
		return r;
	put32(mbi + 16, addr);

	/* Modules: page-aligned, one after another above the kernel image and
	 * never inside vmkit's boot area. */
	mod_at = (image_end + 0xfff) & ~0xfffULL;
	if (mod_at < BOOT_AREA_END)
		mod_at = BOOT_AREA_END;
	for (int i = 0; i < args->nmods; i++) {
		const struct loader_file *f = &args->mods[i];
		uint8_t mod[16];

		if (mod_at + f->len > UINT32_MAX || mem__write(m, mod_at, f->data, f->len) < 0)
			return err__set(e, ENOMEM, "module %s does not fit in guest RAM", f->name);
		put32(mod, (uint32_t)mod_at);
		put32(mod + 4, (uint32_t)(mod_at + f->len));
		r = put_string(m, &strings, f->name, &addr, e);
		if (r < 0)
			return r;
		put32(mod + 8, addr);
		put32(mod + 12, 0);
		if (mem__write(m, MBI_MODS_ADDR + 16ULL * (unsigned)i, mod, sizeof(mod)) < 0)
			return err__set(e, ENOMEM, "guest RAM too small");
		mod_at = (mod_at + f->len + 0xfff) & ~0xfffULL;
	}
	put32(mbi + 20, (uint32_t)args->nmods);
	put32(mbi + 24, (uint32_t)MBI_MODS_ADDR);

	/* Memory map entries: size (of the rest, 20), base, length, type. */
	for (int i = 0; i < n; i++) {
		put32(ent, 20);
		memcpy(ent + 4, &map[i].addr, 8);
		memcpy(ent + 12, &map[i].size, 8);
		put32(ent + 20, map[i].type);
		if (mem__write(m, MBI_MMAP_ADDR + 24ULL * (unsigned)i, ent, sizeof(ent)) < 0)
			return err__set(e, ENOMEM, "guest RAM too small");
	}
	put32(mbi + 44, (uint32_t)(24 * n));
	put32(mbi + 48, (uint32_t)MBI_MMAP_ADDR);

	if (mem__write(m, MBI_NAME_ADDR, "vmkit", 6) < 0)
		return err__set(e, ENOMEM, "guest RAM too small");
	put32(mbi + 64, (uint32_t)MBI_NAME_ADDR);
	put32(mbi, flags);
	if (mem__write(m, MBI_ADDR, mbi, sizeof(mbi)) < 0)
		return err__set(e, ENOMEM, "guest RAM too small");
	*mbi_addr = (uint32_t)MBI_ADDR;
	return 0;
}
