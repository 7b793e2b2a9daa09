/* sys.c - CPUID, model-specific registers, control registers and the time
 * stamp counter: the state that decides what the CPU is.
 *
 * CPUID reports exactly what this CPU implements (SDM vol. 2A, CPUID): an
 * x86-64 with x87, SSE, SSE2, CMPXCHG16B, NX, 1 GiB pages, RDTSCP and an
 * xAPIC; no SSE3 or later, no XSAVE, no x2APIC, no PCID. The vendor is our
 * own, so guests take their generic, vendor-neutral paths. */
#include "cpu/internal.h"

#include "common/log.h"

#include <x86intrin.h>

#define CPUID_VENDOR "VmkitVirtCPU"
#define CPUID_BRAND  "vmkit software x86-64 CPU"

static void put_str(uint32_t *r, const char *s, unsigned n)
{
	memset(r, 0, n * 4);
	memcpy(r, s, strlen(s) < n * 4 ? strlen(s) : n * 4);
}

void cpu_cpuid(struct cpu *c, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	uint32_t a = 0, b = 0, cx = 0, d = 0;
	char brand[48] = CPUID_BRAND;
	uint32_t v[3];
	int n = c->sys->ncpus > 0 ? c->sys->ncpus : 1;

	switch (leaf) {
	case 0:
		a = 7;
		memcpy(v, CPUID_VENDOR, 12);
		b = v[0];
		d = v[1];
		cx = v[2];
		break;
	case 1:
		a = 0x00000663; /* family 6, model 6, stepping 3 */
		b = ((uint32_t)c->id << 24) | ((uint32_t)n << 16) | (8u << 8);
		cx = (1u << 13); /* CMPXCHG16B */
		d = (1u << 0) | (1u << 3) | (1u << 4) | (1u << 5) | (1u << 6) | (1u << 8) |
		    (1u << 9) | (1u << 13) | (1u << 15) | (1u << 16) | (1u << 19) | (1u << 23) |
		    (1u << 24) | (1u << 25) | (1u << 26);
		/* FPU PSE TSC MSR PAE CX8 APIC PGE CMOV PAT CLFSH MMX FXSR SSE SSE2 */
		if (n > 1)
			d |= 1u << 28; /* HTT: the logical count above is valid */
		if (!(c->apic_base & (1ULL << 11)))
			d &= ~(1u << 9);
		break;
	case 7:
		/* Only "FPU CS and DS deprecated" (EBX bit 13): FXSAVE stores 0. */
		if (sub == 0)
			b = 1u << 13;
		break;
	case 0x80000000:
		a = 0x80000008;
		break;
	case 0x80000001:
		cx = (1u << 0); /* LAHF/SAHF in 64-bit mode */
		d = (1u << 11) | (1u << 20) | (1u << 26) | (1u << 27) | (1u << 29);
		/* SYSCALL NX 1GB-pages RDTSCP LM */
		break;
	case 0x80000002:
	case 0x80000003:
	case 0x80000004: {
		uint32_t r[4];

		put_str(r, brand + (leaf - 0x80000002) * 16, 4);
		a = r[0];
		b = r[1];
		cx = r[2];
		d = r[3];
		break;
	}
	case 0x80000007:
		d = 1u << 8; /* invariant TSC: it runs at the host's constant rate */
		break;
	case 0x80000008:
		a = 40 | (48 << 8); /* physical and linear address bits */
		break;
	default:
		break; /* leaves we do not have read as zero */
	}
	out[0] = a;
	out[1] = b;
	out[2] = cx;
	out[3] = d;
}

uint64_t cpu_rdtsc(struct cpu *c)
{
	return __rdtsc() + c->tsc_offset;
}

bool cpu_rdmsr(struct cpu *c, uint32_t msr, uint64_t *v)
{
	switch (msr) {
	case MSR_TSC:
		*v = cpu_rdtsc(c);
		return true;
	case MSR_APIC_BASE:
		*v = c->sys->apic_base ? c->sys->apic_base(c->sys->ctx, c, NULL) : c->apic_base;
		return true;
	case MSR_EFER:
		*v = c->efer;
		return true;
	case MSR_STAR:
		*v = c->star;
		return true;
	case MSR_LSTAR:
		*v = c->lstar;
		return true;
	case MSR_CSTAR:
		*v = c->cstar;
		return true;
	case MSR_SFMASK:
		*v = c->sfmask;
		return true;
	case MSR_FS_BASE:
		*v = c->seg[SEG_FS].base;
		return true;
	case MSR_GS_BASE:
		*v = c->seg[SEG_GS].base;
		return true;
	case MSR_KERNEL_GS_BASE:
		*v = c->kernel_gs_base;
		return true;
	case MSR_TSC_AUX:
		*v = c->tsc_aux;
		return true;
	case MSR_PAT:
		*v = c->pat;
		return true;
	case MSR_SYSENTER_CS:
		*v = c->sysenter_cs;
		return true;
	case MSR_SYSENTER_ESP:
		*v = c->sysenter_esp;
		return true;
	case MSR_SYSENTER_EIP:
		*v = c->sysenter_eip;
		return true;
	case MSR_MISC_ENABLE:
		*v = c->misc_enable | 1;
		return true; /* fast strings */
	case MSR_MTRRCAP:
		*v = 0;
		return true; /* no MTRR ranges */
	case MSR_MTRR_DEF_TYPE:
		*v = c->mtrr_def_type;
		return true;
	case MSR_MCG_CAP:
	case MSR_MCG_STATUS:
		*v = 0;
		return true;
	case MSR_TSC_ADJUST:
		*v = c->tsc_adjust;
		return true;
	case 0x8b:
		*v = 0;
		return true; /* microcode revision */
	default:
		return false;
	}
}

bool cpu_wrmsr(struct cpu *c, uint32_t msr, uint64_t v)
{
	switch (msr) {
	case MSR_TSC:
		c->tsc_offset = v - __rdtsc();
		return true;
	case MSR_APIC_BASE:
		if (c->sys->apic_base)
			c->apic_base = c->sys->apic_base(c->sys->ctx, c, &v);
		else
			c->apic_base = v;
		cpu_flush_tlb(c); /* the APIC page may have moved */
		return true;
	case MSR_EFER: {
		uint64_t allowed = X86_EFER_SCE | X86_EFER_LME | X86_EFER_NXE;

		if (v & ~(allowed | X86_EFER_LMA))
			return false;
		/* LME cannot change while paging is on. */
		if ((c->cr0 & X86_CR0_PG) && ((v ^ c->efer) & X86_EFER_LME))
			return false;
		c->efer = (c->efer & X86_EFER_LMA) | (v & allowed);
		cpu_flush_tlb(c);
		return true;
	}
	case MSR_STAR:
		c->star = v;
		return true;
	case MSR_LSTAR:
		c->lstar = v;
		return true;
	case MSR_CSTAR:
		c->cstar = v;
		return true;
	case MSR_SFMASK:
		c->sfmask = v & 0xffffffff;
		return true;
	case MSR_FS_BASE:
		c->seg[SEG_FS].base = v;
		seg_update(c);
		return true;
	case MSR_GS_BASE:
		c->seg[SEG_GS].base = v;
		seg_update(c);
		return true;
	case MSR_KERNEL_GS_BASE:
		c->kernel_gs_base = v;
		return true;
	case MSR_TSC_AUX:
		c->tsc_aux = v & 0xffffffff;
		return true;
	case MSR_PAT:
		c->pat = v;
		return true;
	case MSR_SYSENTER_CS:
		c->sysenter_cs = v;
		return true;
	case MSR_SYSENTER_ESP:
		c->sysenter_esp = v;
		return true;
	case MSR_SYSENTER_EIP:
		c->sysenter_eip = v;
		return true;
	case MSR_MISC_ENABLE:
		c->misc_enable = v;
		return true;
	case MSR_MTRR_DEF_TYPE:
		c->mtrr_def_type = v;
		return true;
	case MSR_MCG_STATUS:
		return true;
	case MSR_TSC_ADJUST:
		c->tsc_offset += v - c->tsc_adjust;
		c->tsc_adjust = v;
		return true;
	default:
		return false;
	}
}

/* CR0 (SDM vol. 3A, 2.5 and 9.8.5: entering and leaving IA-32e mode). */
void cpu_write_cr0(struct cpu *c, uint64_t v)
{
	uint64_t old = c->cr0;

	if (v >> 32)
		cpu_gp(c, 0);
	v |= X86_CR0_ET;
	if ((v & X86_CR0_PG) && !(v & X86_CR0_PE))
		cpu_gp(c, 0);
	if ((v & (1u << 29)) && !(v & (1u << 30)))
		cpu_gp(c, 0); /* NW without CD */
	if ((v & X86_CR0_PG) && !(old & X86_CR0_PG) && (c->efer & X86_EFER_LME)) {
		if (!(c->cr4 & X86_CR4_PAE))
			cpu_gp(c, 0);
		c->efer |= X86_EFER_LMA;
	}
	if (!(v & X86_CR0_PG) && (old & X86_CR0_PG) && (c->efer & X86_EFER_LMA)) {
		if (c->code64)
			cpu_gp(c, 0); /* paging can only go off from compatibility mode */
		c->efer &= ~(uint64_t)X86_EFER_LMA;
	}
	c->cr0 = v;
	if ((old ^ v) & (X86_CR0_PG | X86_CR0_WP | X86_CR0_PE))
		cpu_flush_tlb(c);
	cpu_mode_changed(c);
}

void cpu_write_cr3(struct cpu *c, uint64_t v)
{
	c->cr3 = v & ((c->efer & X86_EFER_LMA) ? 0x000ffffffffff000ULL | 0x18 : 0xffffffffULL);
	cpu_flush_tlb(c);
	c->end_block = true;
}

void cpu_write_cr4(struct cpu *c, uint64_t v)
{
	/* VME PVI TSD DE PSE PAE MCE PGE PCE OSFXSR OSXMMEXCPT */
	uint64_t allowed = (1u << 2) | (1u << 3) | X86_CR4_PSE | X86_CR4_PAE | (1u << 6) |
			   (1u << 7) | (1u << 8) | (1u << 9) | (1u << 10);

	if (v & ~allowed)
		cpu_gp(c, 0);
	if ((c->efer & X86_EFER_LMA) && !(v & X86_CR4_PAE))
		cpu_gp(c, 0);
	c->cr4 = v;
	cpu_flush_tlb(c);
	cpu_mode_changed(c);
}
