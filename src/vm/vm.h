/* vm.h - a virtual machine: guest RAM, buses, devices, vCPUs and the
 * accelerator that runs them.
 *
 * Life cycle: vm__create() builds the machine in one place (RAM, the
 * accelerator, the PC devices, the guest image, the vCPUs) and undoes what
 * it did if any step fails. vm__run() starts one host thread per vCPU and
 * returns when the machine ends; vm__destroy() releases everything. All
 * state lives in struct vm, so one process can hold many machines. */
#ifndef VMKIT_VM_VM_H
#define VMKIT_VM_VM_H

#include "common/err.h"
#include "vm/bus.h"
#include "vm/mem.h"
#include "vm/x86.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct console;
struct pci_host;
struct uart;

/* Why a machine ended. */
enum vm_end {
	VM_END_NONE,       /* still running */
	VM_END_POWEROFF,   /* the guest powered off: status 0 */
	VM_END_RESET,      /* the guest asked for a reset (i8042, ACPI, ...) */
	VM_END_DEBUG_EXIT, /* isa-debug-exit written: status (value << 1) | 1 */
	VM_END_QUIT,       /* the host user quit (Ctrl-A x) */
	VM_END_SIGNAL,     /* vmkit got SIGINT/SIGTERM/SIGHUP */
	VM_END_ERROR,      /* a vCPU failed: triple fault, entry failure, ... */
	VM_END_PANIC,      /* the guest kernel reported a panic (pvpanic) */
};

/* Exits from the accelerator back to the VMM, by reason. */
enum vm_exit_kind {
	VM_EXIT_IO,
	VM_EXIT_MMIO,
	VM_EXIT_HLT,
	VM_EXIT_INTR,
	VM_EXIT_SYSTEM_EVENT,
	VM_EXIT_SHUTDOWN,
	VM_EXIT_INTERNAL_ERROR,
	VM_EXIT_FAIL_ENTRY,
	VM_EXIT_OTHER,
	VM_EXIT_KIND_COUNT
};

struct vcpu_stats {
	uint64_t count[VM_EXIT_KIND_COUNT];
	uint64_t vmm_ns[VM_EXIT_KIND_COUNT]; /* time in the VMM handling each kind */
	uint64_t guest_ns;                   /* time inside the accelerator */
};

struct vcpu {
	struct vm *vm;
	int id;
	pthread_t thread; /* as pthread_create gave it, for the join */
	bool created;
	pthread_t self;          /* set by the thread itself, for signals */
	atomic_bool running;     /* self is valid */
	void *priv;              /* the accelerator's per-vCPU state */
	struct vcpu_stats stats; /* written only by this vCPU's thread */
};

struct vm_config {
	const char *kernel; /* guest image (required) */
	const char *initrd; /* Linux initramfs, or Multiboot modules "a,b" */
	const char *append; /* kernel command line */
	uint64_t mem_size;  /* bytes of guest RAM */
	int ncpus;
	const char *accel; /* "kvm", "emu" or "auto" */
	bool stats;        /* collect and print exit statistics */
};

struct accel_ops;

struct vm {
	const struct vm_config *cfg;
	const struct accel_ops *accel;
	void *accel_priv;
	struct guest_mem mem;
	struct bus pio, mmio;
	int ncpus;
	struct vcpu *cpus;
	struct x86_boot_state boot; /* how the boot vCPU enters the guest */
	const char *image_kind;     /* what the loader found, for messages */
	uint64_t rsdp;              /* root pointer of the ACPI tables, 0 if none */

	struct console *console; /* host side of COM1; may be NULL */
	struct uart *com1;
	struct pci_host *pci; /* bus 0's configuration space (pc.c) */
	void *devices[8];     /* device states, freed by vm__destroy */
	void (*device_fini[8])(void *);
	int ndevices;

	/* The end of the machine: first writer wins; the rest is read after
	 * every vCPU thread has been joined. */
	atomic_int end;
	int end_value;               /* debug-exit value or signal number */
	int signal;                  /* a SIGINT/SIGTERM/SIGHUP received, even if the
				 * machine was already ending for another reason */
	char end_msg[512];           /* for VM_END_ERROR: what happened */
	char *end_dump;              /* and the failing vCPU's registers */
	atomic_int unclaimed_logged; /* accesses to no device, logged so far */
	int end_fd;                  /* eventfd: wakes the main loop at the end */
	uint64_t start_ns, end_ns;
};

int vm__create(struct vm **out, const struct vm_config *cfg, struct console *con, struct err *e);
/* Runs until the machine ends; returns why. */
enum vm_end vm__run(struct vm *vm);
void vm__destroy(struct vm *vm);

/* End the machine (any thread). The first call decides the reason. For
 * VM_END_ERROR, fmt describes it; value is the debug-exit value or signal. */
void vm__end(struct vm *vm, enum vm_end why, int value, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* End the machine because a vCPU failed: the message, plus a dump of that
 * vCPU's registers. Call on the vCPU's own thread. */
void vm__fail(struct vcpu *cpu, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static inline bool vm__ending(const struct vm *vm)
{
	return atomic_load_explicit(&vm->end, memory_order_relaxed) != VM_END_NONE;
}

/* Raise or lower an interrupt line (ISA IRQ / GSI) through the accelerator's
 * interrupt controllers. Devices call this without knowing the backend. */
void vm__irq_line(struct vm *vm, unsigned line, int level);

/* Keep a device's state for teardown, in reverse order of adding. */
int vm__add_device(struct vm *vm, void *state, void (*fini)(void *));

/* The accelerator's exit handlers call these to reach the buses. */
void vm__pio(struct vm *vm, uint16_t port, uint8_t *data, unsigned len, bool is_write);
void vm__mmio(struct vm *vm, uint64_t addr, uint8_t *data, unsigned len, bool is_write);

/* Print exit statistics (after vm__run). */
void vm__print_stats(struct vm *vm, FILE *out);

const char *vm__exit_kind_name(enum vm_exit_kind k);

#endif
