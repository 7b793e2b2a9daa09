/* cpu.h - vmkit's software x86-64 CPU: the interface the machine uses.
 *
 * A struct cpu is one logical processor. It reads and writes guest memory
 * through its own soft TLB, reaches ports and MMIO through the callbacks in
 * struct cpu_sys, and runs until something needs the VMM's attention: HLT,
 * a triple fault, a stop request. docs/CPU.md describes the organisation
 * (decoder, execution, MMU, interrupts). */
#ifndef VMKIT_CPU_CPU_H
#define VMKIT_CPU_CPU_H

#include "vm/mem.h"
#include "vm/x86.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct cpu;
struct cpu_codemap;

/* What the CPU needs from the machine around it. */
struct cpu_sys {
	const struct guest_mem *mem;
	struct cpu_codemap *code; /* shared by the machine's CPUs: code pages */
	int ncpus;                /* for CPUID's logical processor count */
	void *ctx;
	void (*pio)(void *ctx, uint16_t port, uint8_t *data, unsigned len, bool is_write);
	void (*mmio)(void *ctx, uint64_t gpa, uint8_t *data, unsigned len, bool is_write);
	/* The interrupt controller: a pending maskable interrupt's vector, or
	 * -1. Called only when the CPU can take one (IF=1, no shadow). */
	int (*intr_ack)(void *ctx, struct cpu *cpu);
	/* LAPIC registers, when the MMIO access hits the CPU's own APIC page
	 * (NULL: plain MMIO). */
	bool (*apic_access)(void *ctx, struct cpu *cpu, uint64_t gpa, uint8_t *data, unsigned len,
			    bool is_write);
	/* A write to MSR IA32_APIC_BASE or a read of it; NULL if none. */
	uint64_t (*apic_base)(void *ctx, struct cpu *cpu, const uint64_t *set);
};

/* Asynchronous events: any thread sets them, the CPU acts at its next
 * instruction-block boundary. */
#define CPU_EV_IRQ   (1u << 0) /* a maskable interrupt may be pending */
#define CPU_EV_NMI   (1u << 1)
#define CPU_EV_INIT  (1u << 2)
#define CPU_EV_SIPI  (1u << 3) /* with cpu__sipi_vector */
#define CPU_EV_STOP  (1u << 4) /* return to the caller of cpu__run */
#define CPU_EV_FLUSH (1u << 5) /* code pages changed under the CPU: drop write TLB */

enum cpu_exit {
	CPU_EXIT_STOP,      /* CPU_EV_STOP was raised */
	CPU_EXIT_HLT,       /* HLT: sleep until an event */
	CPU_EXIT_WAIT_SIPI, /* after INIT, an AP waits for a startup IPI */
	CPU_EXIT_SHUTDOWN,  /* triple fault */
	CPU_EXIT_BUDGET,    /* ran the number of instructions asked for */
	CPU_EXIT_EXCEPTION, /* trap_exceptions set and an exception was raised */
};

struct cpu_stats {
	uint64_t insns;                    /* instructions retired */
	uint64_t blocks;                   /* blocks entered */
	uint64_t block_hits, block_misses; /* decode cache */
	uint64_t tlb_hits, tlb_misses;
	uint64_t exceptions[32];
	uint64_t interrupts; /* external interrupts delivered */
	uint64_t smc;        /* code-page writes that dropped decoded blocks */
};

/* Tracks which guest pages hold decoded code, shared by all CPUs of a VM. */
struct cpu_codemap *cpu__codemap_new(const struct guest_mem *mem);
void cpu__codemap_free(struct cpu_codemap *cm);
/* Something other than a CPU (a device's DMA) wrote guest RAM. */
void cpu__codemap_written(struct cpu_codemap *cm, uint64_t gpa, uint64_t len);

struct cpu *cpu__new(const struct cpu_sys *sys, int id);
void cpu__free(struct cpu *cpu);

/* Reset to the power-on state, then (if bs) load a boot state. */
void cpu__reset(struct cpu *cpu);
void cpu__load_boot_state(struct cpu *cpu, const struct x86_boot_state *bs);

/* Run up to budget instructions (UINT64_MAX: no limit). */
enum cpu_exit cpu__run(struct cpu *cpu, uint64_t budget);

void cpu__raise(struct cpu *cpu, unsigned events);
void cpu__sipi(struct cpu *cpu, uint8_t vector);
bool cpu__interruptible(const struct cpu *cpu);
bool cpu__halted(const struct cpu *cpu);
unsigned cpu__events(const struct cpu *cpu);

/* For the differential harness: raise CPU_EXIT_EXCEPTION instead of
 * delivering exceptions through the IDT. */
void cpu__trap_exceptions(struct cpu *cpu, bool on);
int cpu__last_exception(const struct cpu *cpu, uint32_t *error_code);

void cpu__dump(const struct cpu *cpu, FILE *out);
const struct cpu_stats *cpu__stats(const struct cpu *cpu);
int cpu__id(const struct cpu *cpu);

/* Register access for tests and the harness: the 16 GPRs, RIP, RFLAGS. */
uint64_t cpu__gpr(const struct cpu *cpu, int r);
void cpu__set_gpr(struct cpu *cpu, int r, uint64_t v);
uint64_t cpu__rip(const struct cpu *cpu);
uint64_t cpu__rflags(struct cpu *cpu);
void cpu__set_rflags(struct cpu *cpu, uint64_t v);
void cpu__xmm(const struct cpu *cpu, int r, uint64_t out[2]);
void cpu__set_xmm(struct cpu *cpu, int r, const uint64_t v[2]);
uint32_t cpu__mxcsr(const struct cpu *cpu);

#endif
