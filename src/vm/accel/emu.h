/* emu.h - the software backend's private state, shared by emu.c (CPUs)
 * and emu_irq.c (interrupt controllers and timers). */
#ifndef VMKIT_VM_ACCEL_EMU_H
#define VMKIT_VM_ACCEL_EMU_H

#include "cpu/cpu.h"
#include "vm/vm.h"

#include <pthread.h>

struct pic;
struct pit;
struct ioapic;
struct lapic;

struct emu_vcpu {
	struct cpu *cpu;
	struct lapic *lapic;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	uint64_t run_ns;
};

struct emu_vm {
	struct vm *vm;
	struct cpu_codemap *code;
	struct cpu_sys sys;
	struct pic *pic;
	struct pit *pit;
	struct ioapic *ioapic;
	/* The timer thread sleeps until the earliest PIT/LAPIC deadline. */
	pthread_t timer;
	bool timer_started, timer_quit;
	pthread_mutex_t timer_lock;
	pthread_cond_t timer_cond;
	unsigned timer_rearms;
};

/* emu_irq.c */
int emu_irq__init(struct emu_vm *ev, struct err *e);
void emu_irq__fini(struct emu_vm *ev);
int emu_irq__vcpu_init(struct emu_vm *ev, struct vcpu *vc, struct err *e);
void emu_irq__start(struct emu_vm *ev);
/* Stop the timer thread: before the vCPUs it wakes are freed. */
void emu_irq__stop(struct emu_vm *ev);
void emu_irq__line(struct emu_vm *ev, unsigned line, int level);
int emu_irq__ack(void *ctx, struct cpu *cpu);
bool emu_irq__apic_access(void *ctx, struct cpu *cpu, uint64_t off, uint8_t *data, unsigned len,
			  bool is_write);
uint64_t emu_irq__apic_base(void *ctx, struct cpu *cpu, const uint64_t *set);
/* Wake a halted vCPU (after raising an event on it). */
void emu__wake(struct emu_vcpu *v);

#endif
