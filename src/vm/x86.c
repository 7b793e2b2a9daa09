/* x86.c - descriptor packing helpers (SDM vol. 3A, 3.4.5). */
#include "vm/x86.h"

uint64_t x86__gdt_entry(uint32_t base, uint32_t limit, uint16_t flags)
{
	/* flags: bits 0-7 access byte (type, S, DPL, P), bits 12-15 AVL/L/DB/G. */
	return ((uint64_t)(base & 0xff000000) << 32) | ((uint64_t)(flags & 0xf0ff) << 40) |
	       ((uint64_t)(limit & 0x000f0000) << 32) | ((uint64_t)(base & 0x00ffffff) << 16) |
	       (uint64_t)(limit & 0x0000ffff);
}

struct x86_seg x86__seg_from_gdt(uint64_t d, uint16_t selector)
{
	struct x86_seg s = {
		.base = ((d >> 16) & 0xffffff) | ((d >> 32) & 0xff000000),
		.limit = (uint32_t)((d & 0xffff) | ((d >> 32) & 0xf0000)),
		.selector = selector,
		.type = (d >> 40) & 0xf,
		.s = (d >> 44) & 1,
		.dpl = (d >> 45) & 3,
		.present = (d >> 47) & 1,
		.avl = (d >> 52) & 1,
		.l = (d >> 53) & 1,
		.db = (d >> 54) & 1,
		.g = (d >> 55) & 1,
	};

	if (s.g)
		s.limit = (s.limit << 12) | 0xfff;
	return s;
}

struct x86_seg x86__seg_real(uint16_t selector, int code)
{
	return (struct x86_seg){
		.base = (uint64_t)selector << 4,
		.limit = 0xffff,
		.selector = selector,
		.type = code ? 0xb : 0x3, /* execute/read accessed; read/write accessed */
		.s = 1,
		.present = 1,
	};
}
