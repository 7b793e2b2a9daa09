/* stats.c - `--stats`: exits by reason and accesses by device, the
 * boundary between the guest and the VMM made visible (compare `perf kvm
 * stat`). Printed once the vCPU threads are joined, so no locking. */
#include "vm/vm.h"

#include "vm/accel/accel.h"

#include <inttypes.h>

const char *vm__exit_kind_name(enum vm_exit_kind k)
{
	static const char *const names[VM_EXIT_KIND_COUNT] = {
		[VM_EXIT_IO] = "io",
		[VM_EXIT_MMIO] = "mmio",
		[VM_EXIT_HLT] = "hlt",
		[VM_EXIT_INTR] = "intr (kick/signal)",
		[VM_EXIT_SYSTEM_EVENT] = "system_event",
		[VM_EXIT_SHUTDOWN] = "shutdown",
		[VM_EXIT_INTERNAL_ERROR] = "internal_error",
		[VM_EXIT_FAIL_ENTRY] = "fail_entry",
		[VM_EXIT_OTHER] = "other",
	};

	return k < VM_EXIT_KIND_COUNT ? names[k] : "?";
}

static void print_bus(FILE *out, const struct bus *b)
{
	for (int i = 0; i < b->n; i++) {
		const struct bus_range *r = &b->ranges[i];
		uint64_t n = atomic_load(&r->count), ns = atomic_load(&r->ns);

		if (!n)
			continue;
		fprintf(out,
			"  %-20s %-4s 0x%08" PRIx64 "-0x%08" PRIx64 " %12" PRIu64
			" %12.3f %10.2f\n",
			r->name, b->name, r->base, r->base + r->len - 1, n, (double)ns / 1e6,
			(double)ns / 1e3 / (double)n);
	}
	if (atomic_load(&b->unclaimed))
		fprintf(out, "  %-20s %-4s %-21s %12llu\n", "(no device)", b->name, "",
			(unsigned long long)atomic_load(&b->unclaimed));
}

void vm__print_stats(struct vm *vm, FILE *out)
{
	struct vcpu_stats sum = { 0 };
	uint64_t total = 0, total_ns = 0;

	for (int c = 0; c < vm->ncpus; c++) {
		for (int k = 0; k < VM_EXIT_KIND_COUNT; k++) {
			sum.count[k] += vm->cpus[c].stats.count[k];
			sum.vmm_ns[k] += vm->cpus[c].stats.vmm_ns[k];
		}
		sum.guest_ns += vm->cpus[c].stats.guest_ns;
	}
	for (int k = 0; k < VM_EXIT_KIND_COUNT; k++) {
		total += sum.count[k];
		total_ns += sum.vmm_ns[k];
	}
	fprintf(out, "\nvmkit: exit statistics: accel %s, %d vCPU%s, %.3f s wall\n",
		vm->accel->name, vm->ncpus, vm->ncpus > 1 ? "s" : "",
		(double)(vm->end_ns - vm->start_ns) / 1e9);
	fprintf(out, "  %-20s %12s %8s %14s %10s\n", "exit reason", "count", "share", "in VMM (ms)",
		"avg (us)");
	for (int k = 0; k < VM_EXIT_KIND_COUNT; k++) {
		if (!sum.count[k])
			continue;
		fprintf(out, "  %-20s %12" PRIu64 " %7.1f%% %14.3f %10.2f\n", vm__exit_kind_name(k),
			sum.count[k], 100.0 * (double)sum.count[k] / (double)total,
			(double)sum.vmm_ns[k] / 1e6,
			(double)sum.vmm_ns[k] / 1e3 / (double)sum.count[k]);
	}
	fprintf(out, "  %-20s %12" PRIu64 " %8s %14.3f\n", "total", total, "",
		(double)total_ns / 1e6);
	fprintf(out, "  time in the guest (inside %s): %.3f ms\n", vm->accel->name,
		(double)sum.guest_ns / 1e6);
	if (vm->accel->print_stats)
		vm->accel->print_stats(vm, out);
	fprintf(out, "  %-20s %-4s %-21s %12s %12s %10s\n", "device", "bus", "range", "accesses",
		"time (ms)", "avg (us)");
	print_bus(out, &vm->pio);
	print_bus(out, &vm->mmio);
}
