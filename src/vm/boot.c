/* boot.c - boot structures in guest memory and entry CPU states. */
#include "vm/boot.h"

#include <errno.h>
#include <string.h>

int boot__e820(const struct guest_mem *m, struct e820_entry *map)
{
	const struct mem_region *low = &m->regions[0];
	int n = 0;

	/* Conventional memory up to the EBDA, then the legacy video and BIOS
	 * areas as a PC firmware reports them. */
	map[n++] = (struct e820_entry){ 0, 0x9fc00, E820_RAM };
	map[n++] = (struct e820_entry){ 0x9fc00, 0x400, E820_RESERVED };
	map[n++] = (struct e820_entry){ 0xf0000, 0x10000, E820_RESERVED };
	if (low->size > 0x100000)
		map[n++] = (struct e820_entry){ 0x100000, low->size - 0x100000, E820_RAM };
	if (m->nregions > 1)
		map[n++] = (struct e820_entry){ m->regions[1].gpa, m->regions[1].size, E820_RAM };
	return n;
}

void boot__real_mode(struct x86_boot_state *bs, uint16_t cs, uint16_t ip)
{
	memset(bs, 0, sizeof(*bs));
	bs->cs = x86__seg_real(cs, 1);
	bs->ds = bs->es = bs->fs = bs->gs = bs->ss = x86__seg_real(0, 0);
	bs->rip = ip;
	bs->rsp = 0x7c00; /* below the boot sector, as BIOSes commonly leave it */
	bs->rdx = 0x80;   /* DL: boot drive, the first hard disk */
	bs->rflags = X86_RFLAGS_FIXED;
	bs->cr0 = X86_CR0_ET;
	bs->idt = (struct x86_dtable){ .base = 0, .limit = 0x3ff }; /* the real-mode IVT */
	bs->gdt = (struct x86_dtable){ .base = 0, .limit = 0xffff };
}

/* GDT with flat code at 0x10 and flat data at 0x18: the selectors Linux's
 * boot protocol asks for (__BOOT_CS, __BOOT_DS). */
static int write_gdt(const struct guest_mem *m, struct x86_boot_state *bs, int long_mode)
{
	/* Access byte 0x9b: present, DPL 0, code, execute/read, accessed;
	 * 0x93: data, read/write, accessed. Flags: G=1, D/B=1 or L=1. */
	uint64_t gdt[4] = {
		0,
		0,
		x86__gdt_entry(0, 0xfffff, long_mode ? 0xa09b : 0xc09b),
		x86__gdt_entry(0, 0xfffff, 0xc093),
	};

	if (mem__write(m, BOOT_GDT_ADDR, gdt, sizeof(gdt)) < 0)
		return -EFAULT;
	bs->gdt = (struct x86_dtable){ .base = BOOT_GDT_ADDR, .limit = sizeof(gdt) - 1 };
	bs->idt = (struct x86_dtable){ .base = 0, .limit = 0 };
	bs->cs = x86__seg_from_gdt(gdt[2], BOOT_SEL_CODE);
	bs->ds = bs->es = bs->fs = bs->gs = bs->ss = x86__seg_from_gdt(gdt[3], BOOT_SEL_DATA);
	return 0;
}

int boot__protected_mode(const struct guest_mem *m, struct x86_boot_state *bs, uint32_t entry)
{
	memset(bs, 0, sizeof(*bs));
	if (write_gdt(m, bs, 0) < 0)
		return -EFAULT;
	bs->rip = entry;
	bs->rsp = BOOT_STACK_TOP;
	bs->rflags = X86_RFLAGS_FIXED; /* interrupts off */
	bs->cr0 = X86_CR0_PE | X86_CR0_ET;
	return 0;
}

int boot__long_mode(const struct guest_mem *m, struct x86_boot_state *bs, uint64_t entry)
{
	uint64_t top = mem__top(m), pml4e, pdpt[512] = { 0 }, pd[512];
	unsigned ngb = (unsigned)((top + (1ULL << 30) - 1) >> 30);

	memset(bs, 0, sizeof(*bs));
	if (write_gdt(m, bs, 1) < 0)
		return -EFAULT;
	/* Map at least 4 GiB so the LAPIC, IOAPIC and PCI holes are reachable. */
	if (ngb < 4)
		ngb = 4;
	if (ngb > BOOT_PD_MAX)
		ngb = BOOT_PD_MAX;
	pml4e = BOOT_PDPT_ADDR | X86_PTE_P | X86_PTE_RW;
	if (mem__write(m, BOOT_PML4_ADDR, &pml4e, sizeof(pml4e)) < 0)
		return -EFAULT;
	for (unsigned g = 0; g < ngb; g++) {
		uint64_t pd_addr = BOOT_PD_ADDR + (uint64_t)g * 0x1000;

		pdpt[g] = pd_addr | X86_PTE_P | X86_PTE_RW;
		for (unsigned i = 0; i < 512; i++)
			pd[i] = ((uint64_t)g << 30) + ((uint64_t)i << 21) +
				(X86_PTE_P | X86_PTE_RW | X86_PTE_PS);
		if (mem__write(m, pd_addr, pd, sizeof(pd)) < 0)
			return -EFAULT;
	}
	if (mem__write(m, BOOT_PDPT_ADDR, pdpt, sizeof(pdpt)) < 0)
		return -EFAULT;
	bs->rip = entry;
	bs->rsp = BOOT_STACK_TOP;
	bs->rflags = X86_RFLAGS_FIXED;
	bs->cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_PG;
	bs->cr3 = BOOT_PML4_ADDR;
	bs->cr4 = X86_CR4_PAE;
	bs->efer = X86_EFER_LME | X86_EFER_LMA;
	return 0;
}
