/* emu.c - the software backend: vmkit's own x86-64 CPU (src/cpu) runs the
 * guest, one host thread per vCPU, with the same buses and devices as
 * KVM. Where KVM has in-kernel interrupt controllers and timers, this
 * backend has user-space ones (src/devices/irq), wired here. */
#include "vm/accel/accel.h"
#include "vm/accel/emu.h"

#include "common/util.h"
#include "devices/irq/lapic.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define EMU_MAX_CPUS 255 /* xAPIC IDs are 8 bits, 0xff is broadcast */

static void emu_pio(void *ctx, uint16_t port, uint8_t *data, unsigned len, bool is_write)
{
	vm__pio(ctx, port, data, len, is_write);
}

static void emu_mmio(void *ctx, uint64_t gpa, uint8_t *data, unsigned len, bool is_write)
{
	vm__mmio(ctx, gpa, data, len, is_write);
}

static int emu_vm_init(struct vm *vm, struct err *e)
{
	struct emu_vm *ev;

	if (vm->ncpus > EMU_MAX_CPUS)
		return err__set(e, EINVAL, "--cpus %d: the software CPU allows at most %d",
				vm->ncpus, EMU_MAX_CPUS);
	ev = calloc(1, sizeof(*ev));
	if (!ev)
		return err__set(e, ENOMEM, "out of memory");
	vm->accel_priv = ev;
	ev->vm = vm;
	ev->code = cpu__codemap_new(&vm->mem);
	if (!ev->code)
		return err__set(e, ENOMEM, "out of memory for the code map");
	ev->sys = (struct cpu_sys){
		.mem = &vm->mem,
		.code = ev->code,
		.ctx = vm,
		.ncpus = vm->ncpus,
		.pio = emu_pio,
		.mmio = emu_mmio,
		.intr_ack = emu_irq__ack,
		.apic_access = emu_irq__apic_access,
		.apic_base = emu_irq__apic_base,
	};
	return emu_irq__init(ev, e);
}

static void emu_vm_fini(struct vm *vm)
{
	struct emu_vm *ev = vm->accel_priv;

	if (!ev)
		return;
	emu_irq__fini(ev);
	cpu__codemap_free(ev->code);
	free(ev);
	vm->accel_priv = NULL;
}

static int emu_vcpu_init(struct vcpu *vc, struct err *e)
{
	struct emu_vm *ev = vc->vm->accel_priv;
	struct emu_vcpu *v = calloc(1, sizeof(*v));

	if (!v)
		return err__set(e, ENOMEM, "out of memory");
	vc->priv = v;
	pthread_mutex_init(&v->lock, NULL);
	pthread_cond_init(&v->wake, NULL);
	v->cpu = cpu__new(&ev->sys, vc->id);
	if (!v->cpu)
		return err__set(e, ENOMEM, "out of memory for vCPU %d", vc->id);
	/* Application processors wait for INIT and SIPI, as on a PC. */
	if (vc->id != 0)
		cpu__raise(v->cpu, CPU_EV_INIT);
	return emu_irq__vcpu_init(ev, vc, e);
}

static void emu_vcpu_fini(struct vcpu *vc)
{
	struct emu_vcpu *v = vc->priv;

	if (!v)
		return;
	cpu__free(v->cpu);
	lapic__free(v->lapic);
	pthread_cond_destroy(&v->wake);
	pthread_mutex_destroy(&v->lock);
	free(v);
	vc->priv = NULL;
}

static int emu_vcpu_boot(struct vcpu *vc, const struct x86_boot_state *bs, struct err *e)
{
	struct emu_vcpu *v = vc->priv;

	cpu__load_boot_state(v->cpu, bs);
	return 0;
}

/* Sleep while halted: until an event the CPU can act on arrives. */
static void wait_for_event(struct vcpu *vc, struct emu_vcpu *v, enum cpu_exit why)
{
	pthread_mutex_lock(&v->lock);
	for (;;) {
		unsigned ev = cpu__events(v->cpu);

		if (vm__ending(vc->vm) || (ev & (CPU_EV_STOP | CPU_EV_INIT | CPU_EV_SIPI)))
			break;
		if (why == CPU_EXIT_HLT &&
		    ((ev & CPU_EV_NMI) || ((ev & CPU_EV_IRQ) && cpu__interruptible(v->cpu))))
			break;
		pthread_cond_wait(&v->wake, &v->lock);
	}
	pthread_mutex_unlock(&v->lock);
}

static void emu_vcpu_run(struct vcpu *vc)
{
	struct emu_vcpu *v = vc->priv;
	uint64_t t0 = util__now_ns();

	/* Timers start with the machine, once every vCPU exists. */
	if (vc->id == 0)
		emu_irq__start(vc->vm->accel_priv);
	while (!vm__ending(vc->vm)) {
		enum cpu_exit r = cpu__run(v->cpu, UINT64_MAX);

		switch (r) {
		case CPU_EXIT_HLT:
		case CPU_EXIT_WAIT_SIPI:
			vc->stats.count[VM_EXIT_HLT]++;
			wait_for_event(vc, v, r);
			break;
		case CPU_EXIT_SHUTDOWN:
			vm__fail(vc, "vCPU %d: guest triple fault", vc->id);
			break;
		default:
			vc->stats.count[VM_EXIT_INTR]++;
			break;
		}
	}
	v->run_ns = util__now_ns() - t0;
	vc->stats.guest_ns = v->run_ns;
	/* The machine is ending: its timers must stop before the vCPUs
	 * they wake are freed. */
	if (vc->id == 0)
		emu_irq__stop(vc->vm->accel_priv);
}

static void emu_vcpu_kick(struct vcpu *vc)
{
	struct emu_vcpu *v = vc->priv;

	if (!v)
		return;
	cpu__raise(v->cpu, CPU_EV_STOP);
	emu__wake(v);
}

static void emu_irq_line(struct vm *vm, unsigned line, int level)
{
	emu_irq__line(vm->accel_priv, line, level);
}

static void emu_dump_regs(struct vcpu *vc, FILE *out)
{
	struct emu_vcpu *v = vc->priv;

	cpu__dump(v->cpu, out);
}

static void emu_print_stats(struct vm *vm, FILE *out)
{
	uint64_t insns = 0, hits = 0, misses = 0, tlbm = 0, tlbh = 0, exc[32] = { 0 }, irqs = 0,
		 smc = 0;
	uint64_t ns = 0;

	for (int i = 0; i < vm->ncpus; i++) {
		struct emu_vcpu *v = vm->cpus[i].priv;
		const struct cpu_stats *s = cpu__stats(v->cpu);

		insns += s->insns;
		hits += s->block_hits;
		misses += s->block_misses;
		tlbm += s->tlb_misses;
		tlbh += s->tlb_hits;
		irqs += s->interrupts;
		smc += s->smc;
		for (int k = 0; k < 32; k++)
			exc[k] += s->exceptions[k];
		if (v->run_ns > ns)
			ns = v->run_ns;
	}
	fprintf(out, "  software CPU: %llu instructions retired, %.1f MIPS\n",
		(unsigned long long)insns, ns ? (double)insns * 1e3 / (double)ns : 0.0);
	fprintf(out,
		"  decode cache: %llu block lookups, %.2f%% hits (%llu blocks decoded, %llu "
		"dropped by code writes)\n",
		(unsigned long long)(hits + misses),
		hits + misses ? 100.0 * (double)hits / (double)(hits + misses) : 0.0,
		(unsigned long long)misses, (unsigned long long)smc);
	fprintf(out, "  TLB: %llu data accesses, %.2f%% hits (%llu misses: page walks or MMIO)\n",
		(unsigned long long)(tlbh + tlbm),
		tlbh + tlbm ? 100.0 * (double)tlbh / (double)(tlbh + tlbm) : 0.0,
		(unsigned long long)tlbm);
	fprintf(out, "  interrupts delivered: %llu\n", (unsigned long long)irqs);
	for (int k = 0; k < 32; k++)
		if (exc[k])
			fprintf(out, "  exception vector %d: %llu\n", k,
				(unsigned long long)exc[k]);
}

const struct accel_ops accel_emu_ops = {
	.name = "emu",
	.vm_init = emu_vm_init,
	.vm_fini = emu_vm_fini,
	.vcpu_init = emu_vcpu_init,
	.vcpu_fini = emu_vcpu_fini,
	.vcpu_boot = emu_vcpu_boot,
	.vcpu_run = emu_vcpu_run,
	.vcpu_kick = emu_vcpu_kick,
	.irq_line = emu_irq_line,
	.dump_regs = emu_dump_regs,
	.print_stats = emu_print_stats,
};
