/* x86.h - architectural x86 state shared by loaders and accelerators.
 *
 * A loader describes the CPU state a guest is entered with as a struct
 * x86_boot_state; each accelerator applies it its own way (KVM via
 * KVM_SET_REGS/SREGS, the software CPU by copying). Bit names follow the
 * Intel SDM vol. 3A, chapter 2 (control registers) and 3.4.5 (descriptors). */
#ifndef VMKIT_VM_X86_H
#define VMKIT_VM_X86_H

#include <stdint.h>

#define X86_CR0_PE       (1ULL << 0)
#define X86_CR0_MP       (1ULL << 1)
#define X86_CR0_ET       (1ULL << 4)
#define X86_CR0_NE       (1ULL << 5)
#define X86_CR0_WP       (1ULL << 16)
#define X86_CR0_PG       (1ULL << 31)
#define X86_CR4_PSE      (1ULL << 4)
#define X86_CR4_PAE      (1ULL << 5)
#define X86_EFER_SCE     (1ULL << 0)
#define X86_EFER_LME     (1ULL << 8)
#define X86_EFER_LMA     (1ULL << 10)
#define X86_EFER_NXE     (1ULL << 11)
#define X86_RFLAGS_FIXED (1ULL << 1) /* bit 1 always reads as 1 */
#define X86_RFLAGS_IF    (1ULL << 9)

/* Page-table entry bits (SDM 4.5). */
#define X86_PTE_P  (1ULL << 0)
#define X86_PTE_RW (1ULL << 1)
#define X86_PTE_US (1ULL << 2)
#define X86_PTE_PS (1ULL << 7)

/* A segment register's hidden part, unpacked. */
struct x86_seg {
	uint64_t base;
	uint32_t limit; /* in bytes, already scaled by G */
	uint16_t selector;
	uint8_t type; /* 4-bit type field */
	uint8_t s;    /* 1 = code/data, 0 = system */
	uint8_t dpl;
	uint8_t present;
	uint8_t avl;
	uint8_t l;        /* 64-bit code segment */
	uint8_t db;       /* default operand size 32 */
	uint8_t g;        /* limit granularity 4 KiB */
	uint8_t unusable; /* a null selector loaded in protected mode */
};

struct x86_dtable {
	uint64_t base;
	uint16_t limit;
};

struct x86_boot_state {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp;
	uint64_t rip, rflags;
	struct x86_seg cs, ds, es, fs, gs, ss, tr, ldt;
	struct x86_dtable gdt, idt;
	uint64_t cr0, cr3, cr4, efer;
};

/* Pack a descriptor as it sits in a GDT (SDM 3.4.5, figure 3-8). */
uint64_t x86__gdt_entry(uint32_t base, uint32_t limit, uint16_t flags);

/* Unpack a GDT entry into a segment's hidden part, with its selector. */
struct x86_seg x86__seg_from_gdt(uint64_t desc, uint16_t selector);

/* Real-mode segment: base = selector << 4, 64 KiB limit. */
struct x86_seg x86__seg_real(uint16_t selector, int code);

#endif
