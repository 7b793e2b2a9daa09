/* loader_linux.c - direct boot of a Linux bzImage by the x86 boot protocol
 * (Documentation/arch/x86/boot.rst in the Linux tree), as Firecracker and
 * QEMU's -kernel do: no BIOS and no real-mode setup code. The protected-mode
 * kernel goes where the setup header asks, the boot_params "zero page"
 * carries the header, the e820 map, the command line, the initramfs and
 * the ACPI RSDP, and the CPU enters the 64-bit entry point (startup_64,
 * 0x200 into the kernel) in long mode with RSI pointing at boot_params. */
#include "vm/loader.h"

#include "vm/boot.h"

#include <errno.h>
#include <string.h>

/* Setup header fields, as offsets into the image and into boot_params. */
#define HDR_SETUP_SECTS      0x1f1
#define HDR_BOOT_FLAG        0x1fe
#define HDR_JUMP             0x200
#define HDR_MAGIC            0x202
#define HDR_VERSION          0x206
#define HDR_TYPE_OF_LOADER   0x210
#define HDR_LOADFLAGS        0x211
#define HDR_RAMDISK_IMAGE    0x218
#define HDR_RAMDISK_SIZE     0x21c
#define HDR_HEAP_END_PTR     0x224
#define HDR_CMD_LINE_PTR     0x228
#define HDR_INITRD_ADDR_MAX  0x22c
#define HDR_KERNEL_ALIGNMENT 0x230
#define HDR_RELOCATABLE      0x234
#define HDR_XLOADFLAGS       0x236
#define HDR_CMDLINE_SIZE     0x238
#define HDR_PREF_ADDRESS     0x258
#define HDR_INIT_SIZE        0x260
#define HDR_END_MIN          0x264

/* boot_params (arch/x86/include/uapi/asm/bootparam.h) */
#define BP_ACPI_RSDP_ADDR 0x070
#define BP_E820_ENTRIES   0x1e8
#define BP_E820_TABLE     0x2d0
#define BP_E820_MAX       128
#define BP_SIZE           4096

#define LOADED_HIGH    0x01
#define CAN_USE_HEAP   0x80
#define XLF_KERNEL_64  0x01
#define MIN_VERSION    0x020c /* 2.12: xloadflags, the 64-bit entry point */
#define ENTRY64_OFFSET 0x200
#define DEFAULT_LOAD   0x1000000ULL /* 16 MiB, the usual pref_address */

static uint32_t get32(const uint8_t *p, size_t off)
{
	uint32_t v;

	memcpy(&v, p + off, 4);
	return v;
}

static uint16_t get16(const uint8_t *p, size_t off)
{
	uint16_t v;

	memcpy(&v, p + off, 2);
	return v;
}

static void put32(uint8_t *p, size_t off, uint32_t v)
{
	memcpy(p + off, &v, 4);
}

static int check_header(const uint8_t *img, size_t len, struct err *e)
{
	uint16_t version;

	if (len < HDR_END_MIN + 4 || get16(img, HDR_BOOT_FLAG) != 0xaa55)
		return err__set(e, EINVAL, "Linux bzImage: truncated or corrupt setup header");
	version = get16(img, HDR_VERSION);
	if (version < MIN_VERSION)
		return err__set(
			e, ENOTSUP,
			"Linux boot protocol %u.%02u: vmkit needs 2.12 or later (Linux 3.8+)",
			version >> 8, version & 0xff);
	if (!(img[HDR_LOADFLAGS] & LOADED_HIGH))
		return err__set(e, ENOTSUP, "Linux zImage (not bzImage): not supported");
	if (!(get16(img, HDR_XLOADFLAGS) & XLF_KERNEL_64))
		return err__set(e, ENOEXEC,
				"Linux bzImage without a 64-bit entry point "
				"(a 32-bit kernel?): vmkit boots x86-64 kernels");
	return 0;
}

/* Where the protected-mode kernel goes: its preferred address, or for a
 * relocatable kernel the first aligned place above 1 MiB where it fits. */
static int place_kernel(const struct guest_mem *m, const uint8_t *img, uint64_t need, uint64_t *at,
			struct err *e)
{
	uint64_t pref = 0, align = get32(img, HDR_KERNEL_ALIGNMENT);
	uint64_t low_top = m->regions[0].size;

	memcpy(&pref, img + HDR_PREF_ADDRESS, 8);
	if (!pref)
		pref = DEFAULT_LOAD;
	if (pref + need <= low_top) {
		*at = pref;
		return 0;
	}
	if (img[HDR_RELOCATABLE] && align && (align & (align - 1)) == 0) {
		uint64_t a = (BOOT_AREA_END + 0x100000 + align - 1) & ~(align - 1);

		if (a + need <= low_top) {
			*at = a;
			return 0;
		}
	}
	return err__set(e, ENOMEM,
			"guest RAM too small for this kernel: it needs %llu MiB "
			"above 0x%llx",
			(unsigned long long)((need + (1 << 20) - 1) >> 20),
			(unsigned long long)pref);
}

int loader__linux(const struct guest_mem *m, const uint8_t *img, size_t len,
		  const struct loader_args *args, struct loader_result *res, struct err *e)
{
	uint8_t bp[BP_SIZE] = { 0 };
	struct e820_entry map[E820_MAX];
	size_t setup_len, kernel_len, hdr_end;
	uint64_t load = 0, need, cmd_max, low_top = m->regions[0].size;
	unsigned setup_sects;
	const char *cmdline = args->cmdline ? args->cmdline : "";
	int r, n;

	r = check_header(img, len, e);
	if (r < 0)
		return r;
	setup_sects = img[HDR_SETUP_SECTS] ? img[HDR_SETUP_SECTS] : 4;
	setup_len = ((size_t)setup_sects + 1) * 512;
	if (setup_len >= len)
		return err__set(e, EINVAL, "Linux bzImage: truncated (no protected-mode kernel)");
	kernel_len = len - setup_len;
	/* syssize counts the protected-mode part in 16-byte paragraphs. */
	if ((uint64_t)get32(img, 0x1f4) * 16 > kernel_len + 15)
		return err__set(e, EINVAL, "Linux bzImage: truncated (%zu of %llu kernel bytes)",
				kernel_len, (unsigned long long)get32(img, 0x1f4) * 16);
	need = get32(img, HDR_INIT_SIZE);
	if (need < kernel_len)
		need = kernel_len;
	r = place_kernel(m, img, need, &load, e);
	if (r < 0)
		return r;
	if (mem__write(m, load, img + setup_len, kernel_len) < 0)
		return err__set(e, ENOMEM, "guest RAM too small for the kernel");

	/* boot_params: the setup header as the image has it, then ours. */
	hdr_end = HDR_MAGIC + img[HDR_JUMP + 1];
	if (hdr_end > HDR_INIT_SIZE + 0x40 || hdr_end > len)
		hdr_end = HDR_END_MIN;
	memcpy(bp + HDR_SETUP_SECTS, img + HDR_SETUP_SECTS, hdr_end - HDR_SETUP_SECTS);
	bp[HDR_TYPE_OF_LOADER] = 0xff; /* an unregistered loader */
	bp[HDR_LOADFLAGS] |= CAN_USE_HEAP;
	bp[HDR_HEAP_END_PTR] = 0x00;
	bp[HDR_HEAP_END_PTR + 1] = 0xfe; /* 0xfe00: the usual heap end */

	cmd_max = get32(img, HDR_CMDLINE_SIZE);
	if (!cmd_max)
		cmd_max = 255;
	if (strlen(cmdline) > cmd_max || strlen(cmdline) >= BOOT_CMDLINE_MAX)
		return err__set(e, E2BIG,
				"kernel command line of %zu bytes: this kernel takes %llu",
				strlen(cmdline), (unsigned long long)cmd_max);
	if (mem__write(m, BOOT_CMDLINE_ADDR, cmdline, strlen(cmdline) + 1) < 0)
		return err__set(e, ENOMEM, "guest RAM too small for the command line");
	put32(bp, HDR_CMD_LINE_PTR, (uint32_t)BOOT_CMDLINE_ADDR);

	if (args->initrd) {
		uint64_t max = get32(img, HDR_INITRD_ADDR_MAX), top, at;
		uint64_t size = args->initrd->len;

		/* As high as allowed, below the first hole, above the kernel. */
		top = low_top < max + 1 ? low_top : max + 1;
		at = top > size ? (top - size) & ~0xfffULL : 0;
		if (size == 0 || at < load + need || at + size > top)
			return err__set(
				e, ENOMEM,
				"initramfs of %zu MiB does not fit in guest RAM below 0x%llx "
				"above the kernel (raise --memory)",
				args->initrd->len >> 20, (unsigned long long)top);
		mem__write(m, at, args->initrd->data, size);
		put32(bp, HDR_RAMDISK_IMAGE, (uint32_t)at);
		put32(bp, HDR_RAMDISK_SIZE, (uint32_t)size);
	}

	n = boot__e820(m, map);
	bp[BP_E820_ENTRIES] = (uint8_t)n;
	for (int i = 0; i < n && i < BP_E820_MAX; i++) {
		memcpy(bp + BP_E820_TABLE + 20 * i, &map[i].addr, 8);
		memcpy(bp + BP_E820_TABLE + 20 * i + 8, &map[i].size, 8);
		put32(bp, BP_E820_TABLE + 20 * i + 16, map[i].type);
	}
	if (args->rsdp)
		memcpy(bp + BP_ACPI_RSDP_ADDR, &args->rsdp, 8);
	if (mem__write(m, BOOT_INFO_ADDR, bp, sizeof(bp)) < 0)
		return err__set(e, ENOMEM, "guest RAM too small for boot_params");

	if (boot__long_mode(m, &res->boot, load + ENTRY64_OFFSET) < 0)
		return err__set(e, ENOMEM, "guest RAM too small for page tables");
	res->boot.rsi = BOOT_INFO_ADDR;
	res->kind = "Linux bzImage";
	res->load_lo = load;
	res->load_hi = load + need;
	return 0;
}
