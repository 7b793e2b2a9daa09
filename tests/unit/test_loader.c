/* test_loader.c - unit and fuzz tests for the image loader (loader*.c, multiboot.c, boot.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vm/boot.h"
#include "vm/loader.h"
#include "vm/mem.h"
#include "vm/x86.h"

#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define RAM_SIZE      (16ULL << 20)
#define MB_MAGIC      0x1BADB002u
#define MB_BOOT_MAGIC 0x2BADB002u

/* Image layout: ELF header, program headers at PH_OFF, an optional
 * Multiboot header at MB_OFF, segment data from DATA_OFF. */
#define PH_OFF      0x40
#define MB_OFF      0x100
#define DATA_OFF    0x200
#define DATA_LEN    0x100
#define IMG_LEN     (DATA_OFF + DATA_LEN)
#define IMG_MAX     0x1000
#define KERNEL_ADDR 0x100000ULL

struct seg_spec {
	uint32_t type;
	uint64_t offset, vaddr, paddr, filesz, memsz;
};

struct image {
	uint8_t b[IMG_MAX];
	size_t len;
};

static uint8_t pattern(size_t i)
{
	return (uint8_t)(i * 7 + 3);
}

/* An x86 ELF executable; mb_flags < 0 means no Multiboot header. */
static void build_elf(struct image *im, int is64, uint64_t entry, const struct seg_spec *segs,
		      int nsegs, long mb_flags)
{
	memset(im, 0, sizeof(*im));
	im->len = IMG_LEN;
	if (is64) {
		Elf64_Ehdr eh = { 0 };

		memcpy(eh.e_ident, ELFMAG, SELFMAG);
		eh.e_ident[EI_CLASS] = ELFCLASS64;
		eh.e_ident[EI_DATA] = ELFDATA2LSB;
		eh.e_ident[EI_VERSION] = EV_CURRENT;
		eh.e_type = ET_EXEC;
		eh.e_machine = EM_X86_64;
		eh.e_version = EV_CURRENT;
		eh.e_entry = entry;
		eh.e_phoff = PH_OFF;
		eh.e_ehsize = sizeof(eh);
		eh.e_phentsize = sizeof(Elf64_Phdr);
		eh.e_phnum = (uint16_t)nsegs;
		memcpy(im->b, &eh, sizeof(eh));
		for (int i = 0; i < nsegs; i++) {
			Elf64_Phdr ph = {
				.p_type = segs[i].type,
				.p_flags = PF_R | PF_W | PF_X,
				.p_offset = segs[i].offset,
				.p_vaddr = segs[i].vaddr,
				.p_paddr = segs[i].paddr,
				.p_filesz = segs[i].filesz,
				.p_memsz = segs[i].memsz,
				.p_align = 0x1000,
			};

			memcpy(im->b + PH_OFF + i * sizeof(ph), &ph, sizeof(ph));
		}
	} else {
		Elf32_Ehdr eh = { 0 };

		memcpy(eh.e_ident, ELFMAG, SELFMAG);
		eh.e_ident[EI_CLASS] = ELFCLASS32;
		eh.e_ident[EI_DATA] = ELFDATA2LSB;
		eh.e_ident[EI_VERSION] = EV_CURRENT;
		eh.e_type = ET_EXEC;
		eh.e_machine = EM_386;
		eh.e_version = EV_CURRENT;
		eh.e_entry = (uint32_t)entry;
		eh.e_phoff = PH_OFF;
		eh.e_ehsize = sizeof(eh);
		eh.e_phentsize = sizeof(Elf32_Phdr);
		eh.e_phnum = (uint16_t)nsegs;
		memcpy(im->b, &eh, sizeof(eh));
		for (int i = 0; i < nsegs; i++) {
			Elf32_Phdr ph = {
				.p_type = segs[i].type,
				.p_flags = PF_R | PF_W | PF_X,
				.p_offset = (uint32_t)segs[i].offset,
				.p_vaddr = (uint32_t)segs[i].vaddr,
				.p_paddr = (uint32_t)segs[i].paddr,
				.p_filesz = (uint32_t)segs[i].filesz,
				.p_memsz = (uint32_t)segs[i].memsz,
				.p_align = 0x1000,
			};

			memcpy(im->b + PH_OFF + i * sizeof(ph), &ph, sizeof(ph));
		}
	}
	if (mb_flags >= 0) {
		uint32_t mb[3] = { MB_MAGIC, (uint32_t)mb_flags, 0 };

		mb[2] = (uint32_t) - (mb[0] + mb[1]);
		memcpy(im->b + MB_OFF, mb, sizeof(mb));
	}
	for (size_t i = DATA_OFF; i < IMG_LEN; i++)
		im->b[i] = pattern(i);
}

/* One PT_LOAD of the data at paddr (vaddr too), memsz bytes. */
static void build_simple(struct image *im, int is64, uint64_t paddr, uint64_t memsz, long mb_flags)
{
	struct seg_spec s = { PT_LOAD, DATA_OFF, paddr, paddr, DATA_LEN, memsz };

	build_elf(im, is64, paddr + 0x10, &s, 1, mb_flags);
}

static void build_bootsect(struct image *im)
{
	memset(im, 0, sizeof(*im));
	im->len = 512;
	for (size_t i = 0; i < 510; i++)
		im->b[i] = pattern(i);
	im->b[510] = 0x55;
	im->b[511] = 0xaa;
}

/* Where the fields of the images' first program header sit. */
static size_t ph_field(int is64, int field)
{
	/* 0 type, 1 offset, 2 vaddr, 3 paddr, 4 filesz, 5 memsz */
	static const size_t off64[] = { 0, 8, 16, 24, 32, 40 };
	static const size_t off32[] = { 0, 4, 8, 12, 16, 20 };

	return PH_OFF + (is64 ? off64[field] : off32[field]);
}

static void put_field(struct image *im, int is64, size_t off, uint64_t v)
{
	if (is64) {
		memcpy(im->b + off, &v, 8);
	} else {
		uint32_t w = (uint32_t)v;

		memcpy(im->b + off, &w, 4);
	}
}

static void set_ph(struct image *im, int is64, int field, uint64_t v)
{
	if (field == 0) {
		uint32_t t = (uint32_t)v;

		memcpy(im->b + ph_field(is64, 0), &t, 4);
		return;
	}
	put_field(im, is64, ph_field(is64, field), v);
}

static uint64_t rd64(const struct guest_mem *m, uint64_t gpa)
{
	uint64_t v = 0;

	assert_int_equal(mem__read(m, gpa, &v, 8), 0);
	return v;
}

static uint32_t rd32(const struct guest_mem *m, uint64_t gpa)
{
	uint32_t v = 0;

	assert_int_equal(mem__read(m, gpa, &v, 4), 0);
	return v;
}

/* A NUL-terminated string in guest RAM. */
static const char *guest_str(const struct guest_mem *m, uint64_t gpa)
{
	const char *s = mem__ptr(m, gpa, 1);

	assert_non_null(s);
	assert_non_null(memchr(s, '\0', (size_t)(mem__top(m) - gpa)));
	return s;
}

static int setup(void **state)
{
	struct guest_mem *m = test_calloc(1, sizeof(*m));
	struct err e;

	if (!m)
		return -1;
	if (mem__init(m, RAM_SIZE, &e) < 0) {
		test_free(m);
		return -1;
	}
	*state = m;
	return 0;
}

static int teardown(void **state)
{
	struct guest_mem *m = *state;

	mem__fini(m);
	test_free(m);
	return 0;
}

static const struct loader_args no_args = { .cmdline = NULL };

/* Load a heap copy of exactly len bytes, so ASan sees any read past it. */
static int load(const struct guest_mem *m, const uint8_t *img, size_t len,
		const struct loader_args *args, struct loader_result *res, struct err *e)
{
	uint8_t *copy = malloc(len ? len : 1);
	int r;

	assert_non_null(copy);
	if (len)
		memcpy(copy, img, len);
	memset(e, 0, sizeof(*e));
	r = loader__load_image(m, copy, len, args ? args : &no_args, res, e);
	free(copy);
	return r;
}

/* A refused image: negative errno, the same code in e, and a message. */
static int expect_fail_at(const struct guest_mem *m, const uint8_t *img, size_t len, struct err *e,
			  int line)
{
	struct loader_result res;
	int r = load(m, img, len, NULL, &res, e);

	if (r >= 0 || e->msg[0] == '\0' || e->code != -r)
		fail_msg("line %d: len %zu: r=%d code=%d msg='%s'", line, len, r, e->code, e->msg);
	return r;
}

#define expect_fail(m, img, len, e) expect_fail_at(m, img, len, e, __LINE__)

static void test_boot_sector(void **state)
{
	struct guest_mem *m = *state;
	struct loader_result res;
	struct image im;
	struct err e;

	build_bootsect(&im);
	assert_int_equal(load(m, im.b, im.len, NULL, &res, &e), 0);
	assert_string_equal(res.kind, "boot sector");
	assert_memory_equal(m->base + 0x7c00, im.b, 512);
	assert_int_equal(res.load_lo, 0x7c00);
	assert_int_equal(res.load_hi, 0x7e00);
	assert_int_equal(res.boot.rip, 0x7c00);
	assert_int_equal(res.boot.cs.selector, 0);
	assert_int_equal(res.boot.cs.base, 0);
	assert_int_equal(res.boot.cr0 & X86_CR0_PE, 0);
	assert_int_equal(res.boot.cr0 & X86_CR0_PG, 0);
	assert_int_equal(res.boot.efer, 0);
	assert_int_equal(res.boot.rdx & 0xff, 0x80); /* DL: boot drive */
	assert_true(res.boot.rflags & X86_RFLAGS_FIXED);
	assert_int_equal(res.boot.rflags & X86_RFLAGS_IF, 0);
}

static void test_boot_sector_without_signature(void **state)
{
	struct guest_mem *m = *state;
	struct image im;
	struct err e;

	build_bootsect(&im);
	im.b[511] = 0x00;
	assert_int_equal(expect_fail(m, im.b, 512, &e), -EINVAL);
	im.b[511] = 0xaa;
	im.b[510] = 0x54;
	assert_int_equal(expect_fail(m, im.b, 512, &e), -EINVAL);
	/* Nothing was loaded. */
	for (size_t i = 0; i < 512; i++)
		assert_int_equal(m->base[0x7c00 + i], 0);
	/* A signature at the right place of a file of another size. */
	build_bootsect(&im);
	expect_fail(m, im.b, 511, &e);
	im.b[511] = 0x55;
	im.b[512] = 0xaa;
	expect_fail(m, im.b, 513, &e);
	/* An empty file. */
	expect_fail(m, im.b, 0, &e);
	/* Random junk. */
	for (size_t i = 0; i < 1000; i++)
		im.b[i] = pattern(i * 13 + 1);
	im.b[0] = 0;
	expect_fail(m, im.b, 1000, &e);
}

static void check_gdt_code(const struct guest_mem *m, const struct x86_boot_state *bs,
			   unsigned flags)
{
	uint64_t code, data;

	assert_int_equal(bs->gdt.base, BOOT_GDT_ADDR);
	assert_true(bs->gdt.limit >= 0x1f);
	code = rd64(m, bs->gdt.base + 0x10);
	data = rd64(m, bs->gdt.base + 0x18);
	/* Present, DPL 0, execute/read code; read/write data. */
	assert_int_equal((code >> 40) & 0xff, 0x9b);
	assert_int_equal((data >> 40) & 0xff, 0x93);
	/* G and D (32-bit) or G and L (64-bit). */
	assert_int_equal((code >> 52) & 0xf, flags);
	assert_int_equal(bs->cs.selector, 0x10);
	assert_int_equal(bs->ds.selector, 0x18);
	assert_int_equal(bs->ss.selector, 0x18);
	assert_int_equal(bs->cs.base, 0);
	assert_int_equal(bs->ds.base, 0);
	assert_int_equal(bs->cs.present, 1);
}

static void test_elf32(void **state)
{
	struct guest_mem *m = *state;
	struct loader_result res;
	struct image im;
	struct err e;

	/* Dirty RAM: bss must be zeroed, not assumed zero. */
	memset(m->base + KERNEL_ADDR, 0xcc, 0x4000);
	build_simple(&im, 0, KERNEL_ADDR, 0x1000, -1);
	assert_int_equal(load(m, im.b, im.len, NULL, &res, &e), 0);
	assert_string_equal(res.kind, "ELF32");
	assert_memory_equal(m->base + KERNEL_ADDR, im.b + DATA_OFF, DATA_LEN);
	for (size_t i = DATA_LEN; i < 0x1000; i++)
		if (m->base[KERNEL_ADDR + i] != 0)
			fail_msg("bss byte at 0x%zx is 0x%x", (size_t)KERNEL_ADDR + i,
				 m->base[KERNEL_ADDR + i]);
	/* Past memsz, untouched. */
	assert_int_equal(m->base[KERNEL_ADDR + 0x1000], 0xcc);
	assert_int_equal(m->base[KERNEL_ADDR - 1], 0);
	assert_int_equal(res.load_lo, KERNEL_ADDR);
	assert_int_equal(res.load_hi, KERNEL_ADDR + 0x1000);
	assert_int_equal(res.boot.rip, KERNEL_ADDR + 0x10);
	assert_int_equal(res.boot.cr0 & X86_CR0_PE, X86_CR0_PE);
	assert_int_equal(res.boot.cr0 & X86_CR0_PG, 0);
	assert_int_equal(res.boot.efer & X86_EFER_LME, 0);
	assert_int_equal(res.boot.rflags & X86_RFLAGS_IF, 0);
	assert_int_not_equal(res.boot.rax, MB_BOOT_MAGIC);
	assert_int_equal(res.boot.cs.l, 0);
	assert_int_equal(res.boot.cs.db, 1);
	assert_int_equal(res.boot.cs.limit, 0xffffffff);
	check_gdt_code(m, &res.boot, 0xc);
}

static void test_multiboot(void **state)
{
	struct guest_mem *m = *state;
	struct loader_args args = { .cmdline = "console=ttyS0 quiet" };
	struct loader_result res;
	struct image im;
	struct err e;
	uint64_t mbi, mmap, mmap_len;
	uint32_t flags;
	int covers_kernel = 0;

	build_simple(&im, 0, KERNEL_ADDR, 0x1000, 0x3);
	assert_int_equal(load(m, im.b, im.len, &args, &res, &e), 0);
	assert_string_equal(res.kind, "Multiboot ELF32");
	assert_int_equal(res.boot.rax, MB_BOOT_MAGIC);
	assert_int_equal(res.boot.rip, KERNEL_ADDR + 0x10);
	/* Multiboot 3.2: protected mode, paging off, flat 32-bit segments. */
	assert_int_equal(res.boot.cr0 & (X86_CR0_PE | X86_CR0_PG), X86_CR0_PE);
	assert_int_equal(res.boot.rflags & X86_RFLAGS_IF, 0);
	check_gdt_code(m, &res.boot, 0xc);
	assert_memory_equal(m->base + KERNEL_ADDR, im.b + DATA_OFF, DATA_LEN);

	mbi = res.boot.rbx;
	assert_true(mbi != 0 && mbi < 0x100000000ULL);
	assert_non_null(mem__ptr(m, mbi, 120));
	/* Not inside the kernel. */
	assert_true(mbi + 120 <= res.load_lo || mbi >= res.load_hi);
	flags = rd32(m, mbi);
	assert_int_equal(flags & (1u << 2), 1u << 2);
	assert_string_equal(guest_str(m, rd32(m, mbi + 16)), "console=ttyS0 quiet");
	/* Memory sizes (bit 0): lower at most 640 KiB, upper up to the top. */
	assert_int_equal(flags & 1u, 1u);
	assert_true(rd32(m, mbi + 4) <= 640);
	assert_int_equal(rd32(m, mbi + 8), (RAM_SIZE - 0x100000) >> 10);
	/* Memory map (bit 6): 24-byte entries, size field 20. */
	assert_int_equal(flags & (1u << 6), 1u << 6);
	mmap_len = rd32(m, mbi + 44);
	mmap = rd32(m, mbi + 48);
	assert_true(mmap_len > 0);
	assert_int_equal(mmap_len % 24, 0);
	assert_non_null(mem__ptr(m, mmap, mmap_len));
	for (uint64_t p = mmap; p < mmap + mmap_len; p += 24) {
		uint64_t base = rd64(m, p + 4), len = rd64(m, p + 12);
		uint32_t type = rd32(m, p + 20);

		assert_int_equal(rd32(m, p), 20);
		assert_true(len > 0);
		if (type == 1) {
			assert_true(base + len <= RAM_SIZE);
			if (base <= KERNEL_ADDR && KERNEL_ADDR < base + len)
				covers_kernel = 1;
		}
	}
	assert_true(covers_kernel);
	if (flags & (1u << 9))
		assert_true(guest_str(m, rd32(m, mbi + 64))[0] != '\0');
	if (flags & (1u << 3))
		assert_int_equal(rd32(m, mbi + 20), 0);
}

static void test_multiboot_without_cmdline(void **state)
{
	struct guest_mem *m = *state;
	struct loader_result res;
	struct image im;
	struct err e;

	build_simple(&im, 0, KERNEL_ADDR, 0x1000, 0x0);
	assert_int_equal(load(m, im.b, im.len, NULL, &res, &e), 0);
	assert_string_equal(res.kind, "Multiboot ELF32");
	if (rd32(m, res.boot.rbx) & (1u << 2))
		assert_string_equal(guest_str(m, rd32(m, res.boot.rbx + 16)), "");
}

static void test_multiboot_modules(void **state)
{
	struct guest_mem *m = *state;
	static uint8_t a[5000], b[100];
	struct loader_file mods[2] = {
		{ "a.bin arg=1", a, sizeof(a) },
		{ "b.bin", b, sizeof(b) },
	};
	struct loader_args args = { .cmdline = "root=/dev/ram0", .mods = mods, .nmods = 2 };
	struct loader_result res;
	struct image im;
	struct err e;
	uint64_t mbi, mods_addr, prev_end;

	for (size_t i = 0; i < sizeof(a); i++)
		a[i] = pattern(i + 1);
	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = pattern(i + 2);
	build_simple(&im, 0, KERNEL_ADDR, 0x1800, 0x3);
	assert_int_equal(load(m, im.b, im.len, &args, &res, &e), 0);
	assert_string_equal(res.kind, "Multiboot ELF32");
	mbi = res.boot.rbx;
	assert_int_equal(rd32(m, mbi) & (1u << 3), 1u << 3);
	assert_int_equal(rd32(m, mbi + 20), 2);
	mods_addr = rd32(m, mbi + 24);
	prev_end = res.load_hi;
	for (int i = 0; i < 2; i++) {
		uint64_t start = rd32(m, mods_addr + 16 * i), end = rd32(m, mods_addr + 16 * i + 4);

		/* Flag bit 0: page-aligned; above the image and the previous one. */
		assert_int_equal(start & 0xfff, 0);
		assert_true(start >= prev_end);
		assert_true(start < prev_end + 0x1000);
		assert_int_equal(end - start, mods[i].len);
		assert_non_null(mem__ptr(m, start, mods[i].len));
		assert_memory_equal(m->base + start, mods[i].data, mods[i].len);
		assert_string_equal(guest_str(m, rd32(m, mods_addr + 16 * i + 8)), mods[i].name);
		prev_end = end;
	}
	assert_string_equal(guest_str(m, rd32(m, mbi + 16)), "root=/dev/ram0");
	/* The kernel survived the modules. */
	assert_memory_equal(m->base + KERNEL_ADDR, im.b + DATA_OFF, DATA_LEN);
}

/* A kernel may sit below vmkit's boot area (the loader allows [0, 0x500));
 * its modules then must still not land on the boot area, where the
 * command line (0x20000) and the Multiboot info (0x7000) live. */
static void test_multiboot_modules_avoid_boot_area(void **state)
{
	struct guest_mem *m = *state;
	static uint8_t a[0x20000];
	struct loader_file mod = { "low.bin", a, sizeof(a) };
	struct loader_args args = { .cmdline = "console=ttyS0", .mods = &mod, .nmods = 1 };
	struct loader_result res;
	struct image im;
	struct err e;
	uint64_t mbi, mods, start, end;
	int r;

	for (size_t i = 0; i < sizeof(a); i++)
		a[i] = pattern(i + 5);
	build_simple(&im, 0, 0, 0x100, 0x3);
	r = load(m, im.b, im.len, &args, &res, &e);
	if (r < 0) {
		/* Refusing is a correct answer too. */
		assert_true(e.msg[0] != '\0');
		return;
	}
	assert_string_equal(res.kind, "Multiboot ELF32");
	mbi = res.boot.rbx;
	assert_int_equal(rd32(m, mbi + 20), 1);
	mods = rd32(m, mbi + 24);
	start = rd32(m, mods);
	end = rd32(m, mods + 4);
	assert_int_equal(end - start, sizeof(a));
	if (start < BOOT_AREA_END && end > BOOT_AREA_START)
		fail_msg("module 0x%llx-0x%llx placed over the boot area 0x%llx-0x%llx",
			 (unsigned long long)start, (unsigned long long)end, BOOT_AREA_START,
			 BOOT_AREA_END);
	assert_memory_equal(m->base + start, a, sizeof(a));
	assert_string_equal(guest_str(m, rd32(m, mbi + 16)), "console=ttyS0");
}

static void test_multiboot_module_too_big(void **state)
{
	struct guest_mem *m = *state;
	size_t big = RAM_SIZE;
	uint8_t *data = calloc(1, big);
	struct loader_file mod = { "huge.bin", data, big };
	struct loader_args args = { .mods = &mod, .nmods = 1 };
	struct loader_result res;
	struct image im;
	struct err e;
	int r;

	assert_non_null(data);
	build_simple(&im, 0, KERNEL_ADDR, 0x1000, 0x3);
	r = load(m, im.b, im.len, &args, &res, &e);
	free(data);
	assert_true(r < 0);
	assert_true(e.msg[0] != '\0');
}

static void test_multiboot_unsupported_flags(void **state)
{
	struct guest_mem *m = *state;
	struct loader_result res;
	struct image im;
	struct err e;

	/* Bit 3 and up in the low half are requirements vmkit cannot meet. */
	build_simple(&im, 0, KERNEL_ADDR, 0x1000, 0x3 | (1 << 3));
	assert_int_equal(expect_fail(m, im.b, im.len, &e), -ENOTSUP);
	build_simple(&im, 0, KERNEL_ADDR, 0x1000, 1 << 15);
	assert_int_equal(expect_fail(m, im.b, im.len, &e), -ENOTSUP);
	/* A header with a bad checksum is no header: plain ELF32. */
	build_simple(&im, 0, KERNEL_ADDR, 0x1000, 0x3 | (1 << 3));
	im.b[MB_OFF + 8] ^= 1;
	assert_int_equal(load(m, im.b, im.len, NULL, &res, &e), 0);
	assert_string_equal(res.kind, "ELF32");
	assert_int_not_equal(res.boot.rax, MB_BOOT_MAGIC);
}

/* The entry in the page tables for addr: the 2 MiB PDE. */
static uint64_t walk(const struct guest_mem *m, uint64_t cr3, uint64_t addr)
{
	const uint64_t mask = 0x000ffffffffff000ULL;
	uint64_t pml4e = rd64(m, (cr3 & mask) + 8 * ((addr >> 39) & 511)), pdpte, pde;

	assert_int_equal(pml4e & (X86_PTE_P | X86_PTE_RW), X86_PTE_P | X86_PTE_RW);
	pdpte = rd64(m, (pml4e & mask) + 8 * ((addr >> 30) & 511));
	assert_int_equal(pdpte & (X86_PTE_P | X86_PTE_RW), X86_PTE_P | X86_PTE_RW);
	assert_int_equal(pdpte & X86_PTE_PS, 0);
	pde = rd64(m, (pdpte & mask) + 8 * ((addr >> 21) & 511));
	return pde;
}

static void test_elf64(void **state)
{
	struct guest_mem *m = *state;
	static const uint64_t addrs[] = {
		0,          0x7c00,     KERNEL_ADDR, 0x1234567,  RAM_SIZE - 1, 0x3fffffff,
		0x40000000, 0xc0000000, 0xfec00000,  0xfee00000, 0xffffffff,
	};
	struct loader_result res;
	struct image im;
	struct err e;

	memset(m->base + KERNEL_ADDR, 0xcc, 0x4000);
	build_simple(&im, 1, KERNEL_ADDR, 0x2000, -1);
	assert_int_equal(load(m, im.b, im.len, NULL, &res, &e), 0);
	assert_string_equal(res.kind, "ELF64");
	assert_memory_equal(m->base + KERNEL_ADDR, im.b + DATA_OFF, DATA_LEN);
	for (size_t i = DATA_LEN; i < 0x2000; i++)
		assert_int_equal(m->base[KERNEL_ADDR + i], 0);
	assert_int_equal(m->base[KERNEL_ADDR + 0x2000], 0xcc);
	assert_int_equal(res.boot.rip, KERNEL_ADDR + 0x10);
	assert_int_equal(res.boot.efer & 0x500, 0x500);
	assert_int_equal(res.boot.cr0 & (X86_CR0_PE | X86_CR0_PG), X86_CR0_PE | X86_CR0_PG);
	assert_int_equal(res.boot.cr4 & X86_CR4_PAE, X86_CR4_PAE);
	assert_int_equal(res.boot.cr3, 0x9000);
	assert_int_equal(res.boot.cs.l, 1);
	assert_int_equal(res.boot.cs.db, 0);
	check_gdt_code(m, &res.boot, 0xa);
	assert_int_not_equal(res.boot.rax, MB_BOOT_MAGIC);
	for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		uint64_t pde = walk(m, res.boot.cr3, addrs[i]);

		assert_int_equal(pde & (X86_PTE_P | X86_PTE_RW | X86_PTE_PS),
				 X86_PTE_P | X86_PTE_RW | X86_PTE_PS);
		assert_int_equal(pde & 0x000fffffffe00000ULL, addrs[i] & ~0x1fffffULL);
	}
	/* The stack is in RAM, outside the image. */
	assert_non_null(mem__ptr(m, res.boot.rsp - 16, 16));
	assert_true(res.boot.rsp <= res.load_lo);
}

static void test_entry_translated_to_paddr(void **state)
{
	struct guest_mem *m = *state;
	struct loader_result res;
	struct image im;
	struct err e;
	struct seg_spec s64 = { PT_LOAD,     DATA_OFF, 0xffffffff80100000ULL,
				KERNEL_ADDR, DATA_LEN, 0x1000 };
	struct seg_spec s32[2] = {
		{ PT_LOAD, DATA_OFF, 0xc0100000, KERNEL_ADDR, 0x80, 0x1000 },
		{ PT_LOAD, DATA_OFF + 0x80, 0xc0200000, 0x200000, 0x80, 0x1000 },
	};

	build_elf(&im, 1, 0xffffffff80100040ULL, &s64, 1, -1);
	assert_int_equal(load(m, im.b, im.len, NULL, &res, &e), 0);
	assert_string_equal(res.kind, "ELF64");
	assert_int_equal(res.boot.rip, KERNEL_ADDR + 0x40);
	assert_memory_equal(m->base + KERNEL_ADDR, im.b + DATA_OFF, DATA_LEN);

	/* Entry in the second segment of two. */
	memset(m->base + KERNEL_ADDR, 0, 0x200000);
	build_elf(&im, 0, 0xc0200010, s32, 2, -1);
	assert_int_equal(load(m, im.b, im.len, NULL, &res, &e), 0);
	assert_string_equal(res.kind, "ELF32");
	assert_int_equal(res.boot.rip, 0x200010);
	assert_int_equal(res.load_lo, KERNEL_ADDR);
	assert_int_equal(res.load_hi, 0x201000);
	assert_memory_equal(m->base + KERNEL_ADDR, im.b + DATA_OFF, 0x80);
	assert_memory_equal(m->base + 0x200000, im.b + DATA_OFF + 0x80, 0x80);

	/* Entry at a physical address outside every segment: used as is. */
	build_elf(&im, 0, 0x300000, s32, 1, -1);
	assert_int_equal(load(m, im.b, im.len, NULL, &res, &e), 0);
	assert_int_equal(res.boot.rip, 0x300000);
}

static void test_elf_wrong_machine(void **state)
{
	struct guest_mem *m = *state;
	struct image im;
	struct err e;
	uint16_t mach;

	build_simple(&im, 1, KERNEL_ADDR, 0x1000, -1);
	mach = EM_AARCH64;
	memcpy(im.b + offsetof(Elf64_Ehdr, e_machine), &mach, 2);
	expect_fail(m, im.b, im.len, &e);
	assert_non_null(strstr(e.msg, "aarch64"));
	/* ELF32 claiming x86-64, ELF64 claiming i386. */
	build_simple(&im, 0, KERNEL_ADDR, 0x1000, -1);
	mach = EM_X86_64;
	memcpy(im.b + offsetof(Elf32_Ehdr, e_machine), &mach, 2);
	expect_fail(m, im.b, im.len, &e);
	build_simple(&im, 1, KERNEL_ADDR, 0x1000, -1);
	mach = EM_386;
	memcpy(im.b + offsetof(Elf64_Ehdr, e_machine), &mach, 2);
	expect_fail(m, im.b, im.len, &e);
	/* Nothing was loaded. */
	for (size_t i = 0; i < DATA_LEN; i++)
		assert_int_equal(m->base[KERNEL_ADDR + i], 0);
}

static void test_elf_bad_ident_and_type(void **state)
{
	struct guest_mem *m = *state;
	struct image im;
	struct err e;
	uint16_t v;

	for (int is64 = 0; is64 < 2; is64++) {
		build_simple(&im, is64, KERNEL_ADDR, 0x1000, -1);
		im.b[EI_DATA] = ELFDATA2MSB;
		expect_fail(m, im.b, im.len, &e);
		build_simple(&im, is64, KERNEL_ADDR, 0x1000, -1);
		im.b[EI_CLASS] = 3;
		expect_fail(m, im.b, im.len, &e);
		build_simple(&im, is64, KERNEL_ADDR, 0x1000, -1);
		im.b[EI_CLASS] = ELFCLASSNONE;
		expect_fail(m, im.b, im.len, &e);
		build_simple(&im, is64, KERNEL_ADDR, 0x1000, -1);
		im.b[EI_VERSION] = 2;
		expect_fail(m, im.b, im.len, &e);
		build_simple(&im, is64, KERNEL_ADDR, 0x1000, -1);
		v = ET_DYN;
		memcpy(im.b + 16, &v, 2); /* e_type, same place in both classes */
		expect_fail(m, im.b, im.len, &e);
		v = ET_REL;
		memcpy(im.b + 16, &v, 2);
		expect_fail(m, im.b, im.len, &e);
	}
}

static void test_elf_bad_program_headers(void **state)
{
	struct guest_mem *m = *state;
	struct image im;
	struct err e;

	for (int is64 = 0; is64 < 2; is64++) {
		size_t phoff = is64 ? offsetof(Elf64_Ehdr, e_phoff) : offsetof(Elf32_Ehdr, e_phoff);
		size_t phnum = is64 ? offsetof(Elf64_Ehdr, e_phnum) : offsetof(Elf32_Ehdr, e_phnum);
		size_t phent = is64 ? offsetof(Elf64_Ehdr, e_phentsize)
				    : offsetof(Elf32_Ehdr, e_phentsize);
		uint16_t v;

		/* phnum 0, and absurdly many. */
		build_simple(&im, is64, KERNEL_ADDR, 0x1000, -1);
		v = 0;
		memcpy(im.b + phnum, &v, 2);
		expect_fail(m, im.b, im.len, &e);
		v = 0xffff;
		memcpy(im.b + phnum, &v, 2);
		expect_fail(m, im.b, im.len, &e);
		/* phentsize of the other class, and zero. */
		build_simple(&im, is64, KERNEL_ADDR, 0x1000, -1);
		v = is64 ? sizeof(Elf32_Phdr) : sizeof(Elf64_Phdr);
		memcpy(im.b + phent, &v, 2);
		expect_fail(m, im.b, im.len, &e);
		v = 0;
		memcpy(im.b + phent, &v, 2);
		expect_fail(m, im.b, im.len, &e);
		/* phoff: past the end, straddling it, wrapping. */
		build_simple(&im, is64, KERNEL_ADDR, 0x1000, -1);
		put_field(&im, is64, phoff, im.len + 1);
		expect_fail(m, im.b, im.len, &e);
		put_field(&im, is64, phoff, im.len - 8);
		expect_fail(m, im.b, im.len, &e);
		put_field(&im, is64, phoff, is64 ? UINT64_MAX : UINT32_MAX);
		expect_fail(m, im.b, im.len, &e);
		put_field(&im, is64, phoff, is64 ? UINT64_MAX - 0x1f : UINT32_MAX - 0x1f);
		expect_fail(m, im.b, im.len, &e);
		/* The table cut short by the file's end. */
		build_simple(&im, is64, KERNEL_ADDR, 0x1000, -1);
		for (size_t len = PH_OFF;
		     len < PH_OFF + (is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr)); len++)
			expect_fail(m, im.b, len, &e);
		/* No PT_LOAD at all. */
		build_simple(&im, is64, KERNEL_ADDR, 0x1000, -1);
		set_ph(&im, is64, 0, PT_NOTE);
		expect_fail(m, im.b, im.len, &e);
	}
}

static void test_elf_bad_segments(void **state)
{
	struct guest_mem *m = *state;
	struct image im;
	struct err e;

	for (int is64 = 0; is64 < 2; is64++) {
		uint64_t max = is64 ? UINT64_MAX : UINT32_MAX;

		/* Data beyond the end of the file. */
		build_simple(&im, is64, KERNEL_ADDR, 0x1000, -1);
		set_ph(&im, is64, 1, im.len - 0x10);
		expect_fail(m, im.b, im.len, &e);
		set_ph(&im, is64, 1, im.len + 1);
		expect_fail(m, im.b, im.len, &e);
		set_ph(&im, is64, 1, max);
		set_ph(&im, is64, 4, 2);
		expect_fail(m, im.b, im.len, &e);
		build_simple(&im, is64, KERNEL_ADDR, 0x1000, -1);
		set_ph(&im, is64, 4, max);
		set_ph(&im, is64, 5, max);
		expect_fail(m, im.b, im.len, &e);
		/* filesz > memsz. */
		build_simple(&im, is64, KERNEL_ADDR, 0x1000, -1);
		set_ph(&im, is64, 5, DATA_LEN - 1);
		expect_fail(m, im.b, im.len, &e);
		/* Outside RAM, crossing its end, wrapping. */
		build_simple(&im, is64, 0x7fff0000, 0x1000, -1);
		expect_fail(m, im.b, im.len, &e);
		build_simple(&im, is64, RAM_SIZE - 0x800, 0x1000, -1);
		expect_fail(m, im.b, im.len, &e);
		build_simple(&im, is64, KERNEL_ADDR, 0x1000, -1);
		set_ph(&im, is64, 5, RAM_SIZE);
		expect_fail(m, im.b, im.len, &e);
		build_simple(&im, is64, max - 0x7f, 0x100, -1);
		expect_fail(m, im.b, im.len, &e);
		build_simple(&im, is64, KERNEL_ADDR, 0x1000, -1);
		set_ph(&im, is64, 5, max);
		expect_fail(m, im.b, im.len, &e);
		/* Over vmkit's boot area [0x500, 0x30000), from inside and from
		 * either side. */
		build_simple(&im, is64, 0x1000, 0x1000, -1);
		expect_fail(m, im.b, im.len, &e);
		build_simple(&im, is64, 0x400, 0x200, -1);
		expect_fail(m, im.b, im.len, &e);
		build_simple(&im, is64, 0x2ff00, 0x200, -1);
		expect_fail(m, im.b, im.len, &e);
		build_simple(&im, is64, 0x7000, 0x100, -1);
		expect_fail(m, im.b, im.len, &e);
		/* Entry point outside RAM. */
		{
			struct seg_spec s = { PT_LOAD,     DATA_OFF, KERNEL_ADDR,
					      KERNEL_ADDR, DATA_LEN, 0x1000 };

			build_elf(&im, is64, 0x7fff0000, &s, 1, -1);
			expect_fail(m, im.b, im.len, &e);
			build_elf(&im, is64, RAM_SIZE, &s, 1, -1);
			expect_fail(m, im.b, im.len, &e);
		}
	}
}

static void test_elf_segment_placement_edges(void **state)
{
	struct guest_mem *m = *state;
	struct loader_result res;
	struct image im;
	struct err e;

	/* Right after the boot area, and ending at the top of RAM, load. */
	build_simple(&im, 1, BOOT_AREA_END, 0x1000, -1);
	assert_int_equal(load(m, im.b, im.len, NULL, &res, &e), 0);
	assert_memory_equal(m->base + BOOT_AREA_END, im.b + DATA_OFF, DATA_LEN);
	build_simple(&im, 0, RAM_SIZE - 0x1000, 0x1000, -1);
	assert_int_equal(load(m, im.b, im.len, NULL, &res, &e), 0);
	assert_int_equal(res.load_hi, RAM_SIZE);
	assert_int_equal(res.boot.rip, RAM_SIZE - 0x1000 + 0x10);
}

static void test_truncated_headers(void **state)
{
	struct guest_mem *m = *state;
	struct image im;
	struct err e;

	build_simple(&im, 1, KERNEL_ADDR, 0x1000, -1);
	for (size_t len = 0; len <= sizeof(Elf64_Ehdr); len++)
		expect_fail(m, im.b, len, &e);
	build_simple(&im, 0, KERNEL_ADDR, 0x1000, 0x3);
	for (size_t len = 0; len <= sizeof(Elf32_Ehdr); len++)
		expect_fail(m, im.b, len, &e);
	/* Every shorter cut of a whole ELF32 image ends its data early. */
	for (size_t len = sizeof(Elf32_Ehdr); len < im.len; len++)
		expect_fail(m, im.b, len, &e);
}

/* A synthetic bzImage: one setup sector, a 4 KiB "kernel" of a pattern,
 * protocol 2.15 with the 64-bit entry point. */
#define BZ_KERNEL 4096
static size_t make_bzimage(uint8_t *img, uint16_t version, uint16_t xloadflags)
{
	uint64_t pref = 0x100000;
	uint32_t v;

	memset(img, 0, 1024 + BZ_KERNEL);
	img[0x1f1] = 1; /* setup_sects */
	v = BZ_KERNEL / 16;
	memcpy(img + 0x1f4, &v, 4); /* syssize */
	img[0x1fe] = 0x55;
	img[0x1ff] = 0xaa;
	img[0x200] = 0xeb;
	img[0x201] = 0x66; /* the header ends at 0x268 */
	memcpy(img + 0x202, "HdrS", 4);
	memcpy(img + 0x206, &version, 2);
	img[0x211] = 0x01; /* LOADED_HIGH */
	v = 0x7fffffff;
	memcpy(img + 0x22c, &v, 4); /* initrd_addr_max */
	v = 0x200000;
	memcpy(img + 0x230, &v, 4); /* kernel_alignment */
	img[0x234] = 1;
	memcpy(img + 0x236, &xloadflags, 2);
	v = 2048;
	memcpy(img + 0x238, &v, 4); /* cmdline_size */
	memcpy(img + 0x258, &pref, 8);
	v = 0x10000;
	memcpy(img + 0x260, &v, 4); /* init_size */
	for (size_t i = 0; i < BZ_KERNEL; i++)
		img[1024 + i] = (uint8_t)(i * 7 + 1);
	return 1024 + BZ_KERNEL;
}

static void test_bzimage(void **state)
{
	struct guest_mem *m = *state;
	static uint8_t img[1024 + BZ_KERNEL], rd[8192];
	struct loader_file initrd = { .name = "initrd", .data = rd, .len = sizeof(rd) };
	struct loader_args args = { .cmdline = "console=ttyS0 quiet",
				    .initrd = &initrd,
				    .rsdp = 0xf0000 };
	struct loader_result res;
	uint8_t bp[4096];
	uint32_t rd_at, rd_len, cmd;
	uint64_t rsdp;
	struct err e;
	size_t len = make_bzimage(img, 0x020f, 1);

	for (size_t i = 0; i < sizeof(rd); i++)
		rd[i] = (uint8_t)(i ^ 0x5a);
	assert_int_equal(load(m, img, len, &args, &res, &e), 0);
	assert_string_equal(res.kind, "Linux bzImage");
	assert_int_equal(res.boot.rip, 0x100200); /* startup_64 */
	assert_int_equal(res.boot.rsi, 0x7000);   /* boot_params */
	assert_true(res.boot.efer & X86_EFER_LMA);
	assert_memory_equal(mem__ptr(m, 0x100000, BZ_KERNEL), img + 1024, BZ_KERNEL);
	assert_int_equal(mem__read(m, 0x7000, bp, sizeof(bp)), 0);
	assert_int_equal(bp[0x210], 0xff);          /* type_of_loader */
	assert_memory_equal(bp + 0x202, "HdrS", 4); /* the header was copied */
	memcpy(&cmd, bp + 0x228, 4);
	assert_string_equal((char *)mem__ptr(m, cmd, 20), "console=ttyS0 quiet");
	memcpy(&rd_at, bp + 0x218, 4);
	memcpy(&rd_len, bp + 0x21c, 4);
	assert_int_equal(rd_len, sizeof(rd));
	assert_int_equal(rd_at & 0xfff, 0);
	assert_true(rd_at >= 0x100000 + 0x10000); /* above the kernel's init_size */
	assert_true(rd_at + rd_len <= RAM_SIZE);
	assert_memory_equal(mem__ptr(m, rd_at, sizeof(rd)), rd, sizeof(rd));
	memcpy(&rsdp, bp + 0x70, 8);
	assert_int_equal(rsdp, 0xf0000);
	assert_true(bp[0x1e8] >= 3);         /* e820 entries */
	assert_int_equal(bp[0x2d0 + 16], 1); /* the first one is RAM */
}

static void test_bzimage_errors(void **state)
{
	struct guest_mem *m = *state;
	static uint8_t img[1024 + BZ_KERNEL], big[20 << 20];
	static char cmd[4096];
	struct loader_file initrd = { .name = "big", .data = big, .len = sizeof(big) };
	struct loader_args args = { .cmdline = cmd };
	struct loader_result res;
	struct err e;
	size_t len;

	len = make_bzimage(img, 0x0201, 1); /* too old */
	assert_int_equal(expect_fail(m, img, len, &e), -ENOTSUP);
	len = make_bzimage(img, 0x020f, 0); /* no 64-bit entry */
	assert_int_equal(expect_fail(m, img, len, &e), -ENOEXEC);
	len = make_bzimage(img, 0x020f, 1);
	assert_int_equal(expect_fail(m, img, 1024 + 100, &e), -EINVAL); /* truncated */
	assert_int_equal(expect_fail(m, img, 0x300, &e), -EINVAL);
	memset(cmd, 'x', sizeof(cmd) - 1);
	assert_int_equal(load(m, img, len, &args, &res, &e), -E2BIG);
	args.cmdline = "quiet";
	args.initrd = &initrd; /* larger than guest RAM */
	assert_int_equal(load(m, img, len, &args, &res, &e), -ENOMEM);
	assert_non_null(strstr(e.msg, "initramfs"));
	/* An arm64 Image: not for us, and said so. */
	memset(img, 0, 0x100);
	memcpy(img + 0x38, "ARM\x64", 4);
	assert_int_equal(expect_fail(m, img, 0x100, &e), -ENOEXEC);
	assert_non_null(strstr(e.msg, "arm64"));
}

/* xorshift64: deterministic mutations. */
static uint64_t rng = 0x2545f4914f6cdd1dULL;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint64_t rnd_below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static uint64_t interesting(size_t len)
{
	static const uint64_t v[] = {
		0,
		1,
		0x7f,
		0x80,
		0xff,
		0xffff,
		0x7fffffff,
		0x80000000,
		0xffffffff,
		0xfffff000,
		0x100000,
		0x500,
		0x30000,
		0x7c00,
		RAM_SIZE,
		RAM_SIZE - 1,
		0x7fffffffffffffffULL,
		0x8000000000000000ULL,
		UINT64_MAX,
		UINT64_MAX - 0xfff,
	};
	uint64_t k = rnd_below(sizeof(v) / sizeof(v[0]) + 3);

	if (k < sizeof(v) / sizeof(v[0]))
		return v[k];
	if (k == sizeof(v) / sizeof(v[0]))
		return len + rnd_below(16) - 8;
	return rnd();
}

struct fuzz_base {
	const char *name;
	struct image im;
	size_t hot_off, hot_len; /* program headers, or the boot signature */
	int has_mb;
};

/* Mutate buf (len bytes, room for IMG_MAX); returns the new length. */
static size_t mutate(uint8_t *buf, size_t len, const struct fuzz_base *fb)
{
	int nops = 1 + (int)rnd_below(4);

	for (int op = 0; op < nops && len > 0; op++) {
		size_t head = len < 128 ? len : 128;
		size_t hot_end = fb->hot_off + fb->hot_len < len ? fb->hot_off + fb->hot_len : len;
		size_t pos;
		uint64_t v;

		switch (rnd_below(10)) {
		case 0: /* flip a byte anywhere */
			buf[rnd_below(len)] ^= (uint8_t)(1 + rnd_below(255));
			break;
		case 1: /* flip a byte in the file header */
		case 2:
			buf[rnd_below(head)] ^= (uint8_t)(1 + rnd_below(255));
			break;
		case 3: /* flip a byte in the program headers */
		case 4:
			if (hot_end > fb->hot_off)
				buf[fb->hot_off + rnd_below(hot_end - fb->hot_off)] ^=
					(uint8_t)(1 + rnd_below(255));
			break;
		case 5: /* truncate */
			len = rnd_below(len + 1);
			break;
		case 6: /* a 4-byte field in the header or program headers */
			pos = rnd_below(2) ? rnd_below(head) & ~(size_t)3
					   : fb->hot_off + (rnd_below(fb->hot_len) & ~(size_t)3);
			v = interesting(len);
			if (pos + 4 <= len)
				memcpy(buf + pos, &v, 4);
			break;
		case 7: /* an 8-byte field */
			pos = rnd_below(2) ? rnd_below(head) & ~(size_t)7
					   : fb->hot_off + (rnd_below(fb->hot_len) & ~(size_t)7);
			v = interesting(len);
			if (pos + 8 <= len)
				memcpy(buf + pos, &v, 8);
			break;
		case 8: /* Multiboot flags with a matching checksum */
			if (fb->has_mb && MB_OFF + 12 <= len) {
				uint32_t mb[3] = { MB_MAGIC, (uint32_t)rnd(), 0 };

				if (rnd_below(2))
					mb[1] &= 0x7;
				mb[2] = (uint32_t) - (mb[0] + mb[1]);
				memcpy(buf + MB_OFF, mb, sizeof(mb));
			} else {
				buf[rnd_below(len)] = rnd_below(2) ? 0 : 0xff;
			}
			break;
		default: /* grow by a few random bytes */
			for (size_t n = 1 + rnd_below(8); n > 0 && len < IMG_MAX; n--)
				buf[len++] = (uint8_t)rnd();
			break;
		}
	}
	return len;
}

#define FUZZ_PER_BASE 1000

static void test_fuzz_mutated_images(void **state)
{
	struct guest_mem *m = *state;
	static struct fuzz_base bases[4];
	static uint8_t buf[IMG_MAX];
	struct loader_args args = { .cmdline = "fuzz" };
	int total = 0, loaded = 0;

	bases[0].name = "boot sector";
	build_bootsect(&bases[0].im);
	bases[0].hot_off = 480;
	bases[0].hot_len = 32;
	bases[1].name = "ELF32";
	build_simple(&bases[1].im, 0, KERNEL_ADDR, 0x1000, -1);
	bases[1].hot_off = PH_OFF;
	bases[1].hot_len = sizeof(Elf32_Phdr);
	bases[2].name = "Multiboot ELF32";
	build_simple(&bases[2].im, 0, KERNEL_ADDR, 0x1000, 0x3);
	bases[2].hot_off = PH_OFF;
	bases[2].hot_len = sizeof(Elf32_Phdr);
	bases[2].has_mb = 1;
	bases[3].name = "ELF64";
	{
		struct seg_spec s[2] = {
			{ PT_LOAD, DATA_OFF, 0xffffffff80100000ULL, KERNEL_ADDR, 0x80, 0x1000 },
			{ PT_LOAD, DATA_OFF + 0x80, 0x200000, 0x200000, 0x80, 0x2000 },
		};

		build_elf(&bases[3].im, 1, 0xffffffff80100000ULL, s, 2, -1);
	}
	bases[3].hot_off = PH_OFF;
	bases[3].hot_len = 2 * sizeof(Elf64_Phdr);

	for (int b = 0; b < 4; b++) {
		struct loader_result res;
		struct err e;
		int ok = 0;

		/* The unmutated image loads as what it is. */
		assert_int_equal(load(m, bases[b].im.b, bases[b].im.len, &args, &res, &e), 0);
		assert_string_equal(res.kind, bases[b].name);
		for (int i = 0; i < FUZZ_PER_BASE; i++) {
			size_t len;
			int r;

			memcpy(buf, bases[b].im.b, bases[b].im.len);
			len = mutate(buf, bases[b].im.len, &bases[b]);
			r = load(m, buf, len, &args, &res, &e);
			total++;
			if (r < 0) {
				if (e.msg[0] == '\0' || e.code != -r)
					fail_msg("%s #%d (len %zu): r=%d code=%d, empty or "
						 "mismatched error",
						 bases[b].name, i, len, r, e.code);
				continue;
			}
			assert_int_equal(r, 0);
			assert_non_null(res.kind);
			if (!mem__ptr(m, res.boot.rip, 1))
				fail_msg("%s #%d (len %zu): loaded as %s with rip 0x%llx outside "
					 "RAM",
					 bases[b].name, i, len, res.kind,
					 (unsigned long long)res.boot.rip);
			assert_true(res.load_lo <= res.load_hi);
			if (strcmp(res.kind, "Multiboot ELF32") == 0)
				assert_non_null(mem__ptr(m, res.boot.rbx, 120));
			ok++;
		}
		/* The mutations must exercise both outcomes. */
		assert_true(ok > 0);
		assert_true(ok < FUZZ_PER_BASE);
		print_message("fuzz: %s: %d mutated images, %d loaded\n", bases[b].name,
			      FUZZ_PER_BASE, ok);
		loaded += ok;
	}
	print_message("fuzz: %d mutated images tried, %d loaded\n", total, loaded);
	assert_int_equal(total, 4 * FUZZ_PER_BASE);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_boot_sector),
		T(test_boot_sector_without_signature),
		T(test_elf32),
		T(test_multiboot),
		T(test_multiboot_without_cmdline),
		T(test_multiboot_modules),
		T(test_multiboot_modules_avoid_boot_area),
		T(test_multiboot_module_too_big),
		T(test_multiboot_unsupported_flags),
		T(test_elf64),
		T(test_entry_translated_to_paddr),
		T(test_elf_wrong_machine),
		T(test_elf_bad_ident_and_type),
		T(test_elf_bad_program_headers),
		T(test_elf_bad_segments),
		T(test_elf_segment_placement_edges),
		T(test_truncated_headers),
		T(test_bzimage),
		T(test_bzimage_errors),
		T(test_fuzz_mutated_images),
	};
	return cmocka_run_group_tests_name("loader", tests, NULL, NULL);
}
