/* loader.c - detect the image format and load it (see loader.h). */
#include "vm/loader.h"

#include "common/util.h"
#include "vm/acpi.h"
#include "vm/boot.h"
#include "vm/vm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define BOOTSECT_SIZE 512
#define BOOTSECT_ADDR 0x7c00
#define MAX_MODULES   16

static int load_bootsect(const struct guest_mem *m, const uint8_t *img, struct loader_result *res,
			 struct err *e)
{
	if (mem__write(m, BOOTSECT_ADDR, img, BOOTSECT_SIZE) < 0)
		return err__set(e, ENOMEM, "boot sector: guest RAM too small");
	boot__real_mode(&res->boot, 0, BOOTSECT_ADDR);
	res->kind = "boot sector";
	res->load_lo = BOOTSECT_ADDR;
	res->load_hi = BOOTSECT_ADDR + BOOTSECT_SIZE;
	return 0;
}

int loader__load_image(const struct guest_mem *m, const uint8_t *img, size_t len,
		       const struct loader_args *args, struct loader_result *res, struct err *e)
{
	memset(res, 0, sizeof(*res));
	if (len >= 4 && memcmp(img, "\177ELF", 4) == 0)
		return loader__elf(m, img, len, args, res, e);
	/* The Linux boot protocol's setup header says "HdrS" at 0x202. */
	if (len >= 0x206 && memcmp(img + 0x202, "HdrS", 4) == 0)
		return loader__linux(m, img, len, args, res, e);
	/* An arm64 Linux Image says "ARM\x64" at 0x38; a RISC-V one "RSC\x05". */
	if (len >= 0x40 &&
	    (memcmp(img + 0x38, "ARM\x64", 4) == 0 || memcmp(img + 0x38, "RSC\x05", 4) == 0))
		return err__set(e, ENOEXEC, "a Linux kernel for %s: vmkit boots x86-64",
				img[0x38] == 'A' ? "arm64" : "RISC-V");
	if (len == BOOTSECT_SIZE && img[510] == 0x55 && img[511] == 0xaa)
		return load_bootsect(m, img, res, e);
	if (len == BOOTSECT_SIZE)
		return err__set(e, EINVAL,
				"unknown format: a 512-byte file without the 55 AA "
				"boot signature");
	return err__set(e, EINVAL, "unknown format: not a boot sector, ELF or bzImage");
}

static void free_files(struct loader_file *f, int n)
{
	for (int i = 0; i < n; i++)
		free((void *)f[i].data);
}

/* --initrd "a,b c": Multiboot modules, each "path[ args]", comma-separated
 * as QEMU's -initrd takes them. Names point into the copy in names. */
static int read_modules(const char *spec, char *names, struct loader_file *mods, int *n,
			uint64_t max, struct err *e)
{
	char *save = NULL, *tok;
	int r;

	*n = 0;
	strcpy(names, spec);
	for (tok = strtok_r(names, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char path[4096];
		size_t plen = strcspn(tok, " ");
		uint8_t *buf;
		size_t blen;

		if (*n == MAX_MODULES)
			return err__set(e, E2BIG, "--initrd: more than %d modules", MAX_MODULES);
		if (plen == 0 || plen >= sizeof(path))
			return err__set(e, EINVAL, "--initrd: empty or overlong module path");
		memcpy(path, tok, plen);
		path[plen] = '\0';
		r = util__read_file(path, max, &buf, &blen);
		if (r == -EFBIG)
			return err__set(e, EFBIG, "%s: larger than guest RAM", path);
		if (r < 0)
			return err__sys(e, -r, "%s", path);
		mods[*n] = (struct loader_file){ .name = tok, .data = buf, .len = blen };
		(*n)++;
	}
	return 0;
}

int loader__load(struct vm *vm, struct err *e)
{
	const struct vm_config *cfg = vm->cfg;
	struct loader_file mods[MAX_MODULES];
	struct loader_args args = { .cmdline = cfg->append, .mods = mods };
	struct loader_result res;
	char *names = NULL;
	uint8_t *img;
	size_t len;
	int r;

	r = util__read_file(cfg->kernel, cfg->mem_size, &img, &len);
	if (r == -EFBIG)
		return err__set(e, EFBIG, "%s: larger than guest RAM", cfg->kernel);
	if (r < 0)
		return err__sys(e, -r, "%s", cfg->kernel);
	if (cfg->initrd) {
		names = malloc(strlen(cfg->initrd) + 1);
		if (!names) {
			r = err__set(e, ENOMEM, "out of memory");
			goto out;
		}
		r = read_modules(cfg->initrd, names, mods, &args.nmods, cfg->mem_size, e);
		if (r < 0)
			goto out;
	}
	/* ACPI tables describe the machine to any OS that looks (Linux needs
	 * them for its interrupt routing and power-off). */
	r = acpi__build(vm, &vm->rsdp, e);
	if (r < 0)
		goto out;
	/* A Linux kernel takes one initramfs: the first --initrd file. */
	if (args.nmods == 1)
		args.initrd = &mods[0];
	args.rsdp = vm->rsdp;
	r = loader__load_image(&vm->mem, img, len, &args, &res, e);
	if (r < 0) {
		err__wrap(e, "%s", cfg->kernel);
		goto out;
	}
	if (cfg->initrd && strcmp(res.kind, "Multiboot ELF32") != 0 &&
	    !(strcmp(res.kind, "Linux bzImage") == 0 && args.nmods == 1)) {
		r = err__set(e, EINVAL, "--initrd: %s takes %s", res.kind,
			     strcmp(res.kind, "Linux bzImage") == 0 ? "one initramfs"
								    : "no modules");
		goto out;
	}
	vm->boot = res.boot;
	vm->image_kind = res.kind;
out:
	free_files(mods, args.nmods);
	free(names);
	free(img);
	return r;
}
