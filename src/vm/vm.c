/* vm.c - machine life cycle, the vCPU threads and the host event loop. */
#include "vm/vm.h"

#include "common/log.h"
#include "common/util.h"
#include "vm/accel/accel.h"
#include "vm/console.h"
#include "vm/loader.h"
#include "vm/pc.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

/* Below this a loader has no room for its boot structures. */
#define VM_MIN_MEM (2 * MiB)

static int check_config(const struct vm_config *cfg, struct err *e)
{
	long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
	uint64_t host = pages > 0 && psize > 0 ? (uint64_t)pages * (uint64_t)psize : 0;

	if (cfg->mem_size < VM_MIN_MEM)
		return err__set(e, EINVAL, "--memory %lluK: too small, at least %lluM",
				(unsigned long long)(cfg->mem_size >> 10),
				(unsigned long long)(VM_MIN_MEM >> 20));
	if (host && cfg->mem_size > host)
		return err__set(e, ENOMEM, "--memory %lluM: more than the host's %lluM of RAM",
				(unsigned long long)(cfg->mem_size >> 20),
				(unsigned long long)(host >> 20));
	if (cfg->mem_size & (4096 - 1))
		return err__set(e, EINVAL, "--memory: must be a multiple of 4K");
	if (cfg->ncpus < 1)
		return err__set(e, EINVAL, "--cpus %d: need at least 1", cfg->ncpus);
	return 0;
}

int vm__create(struct vm **out, const struct vm_config *cfg, struct console *con, struct err *e)
{
	struct vm *vm;
	int r;

	r = check_config(cfg, e);
	if (r < 0)
		return r;
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return err__set(e, ENOMEM, "out of memory");
	vm->cfg = cfg;
	vm->ncpus = cfg->ncpus;
	vm->console = con;
	bus__init(&vm->pio, "pio");
	bus__init(&vm->mmio, "mmio");
	vm->pio.timed = vm->mmio.timed = cfg->stats;
	vm->end_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vm->end_fd < 0) {
		r = err__sys(e, errno, "eventfd");
		goto fail;
	}
	r = accel__select(cfg->accel, &vm->accel, e);
	if (r < 0)
		goto fail;
	r = mem__init(&vm->mem, cfg->mem_size, e);
	if (r < 0)
		goto fail;
	r = vm->accel->vm_init(vm, e);
	if (r < 0) {
		err__wrap(e, "%s", vm->accel->name);
		goto fail;
	}
	r = pc__init(vm, e);
	if (r < 0)
		goto fail;
	r = loader__load(vm, e);
	if (r < 0)
		goto fail;
	vm->cpus = calloc((size_t)vm->ncpus, sizeof(*vm->cpus));
	if (!vm->cpus) {
		r = err__set(e, ENOMEM, "out of memory");
		goto fail;
	}
	for (int i = 0; i < vm->ncpus; i++) {
		vm->cpus[i].vm = vm;
		vm->cpus[i].id = i;
		r = vm->accel->vcpu_init(&vm->cpus[i], e);
		if (r < 0)
			goto fail;
	}
	r = vm->accel->vcpu_boot(&vm->cpus[0], &vm->boot, e);
	if (r < 0)
		goto fail;
	*out = vm;
	return 0;
fail:
	vm__destroy(vm);
	return r;
}

void vm__destroy(struct vm *vm)
{
	if (!vm)
		return;
	if (vm->cpus) {
		for (int i = vm->ncpus - 1; i >= 0; i--)
			if (vm->cpus[i].priv)
				vm->accel->vcpu_fini(&vm->cpus[i]);
		free(vm->cpus);
	}
	while (vm->ndevices > 0) {
		vm->ndevices--;
		vm->device_fini[vm->ndevices](vm->devices[vm->ndevices]);
	}
	if (vm->accel && vm->accel_priv)
		vm->accel->vm_fini(vm);
	mem__fini(&vm->mem);
	bus__fini(&vm->pio);
	bus__fini(&vm->mmio);
	if (vm->end_fd >= 0)
		close(vm->end_fd);
	free(vm->end_dump);
	free(vm);
}

int vm__add_device(struct vm *vm, void *state, void (*fini)(void *))
{
	if (vm->ndevices >= (int)ARRAY_SIZE(vm->devices)) {
		fini(state);
		return -ENOSPC;
	}
	vm->devices[vm->ndevices] = state;
	vm->device_fini[vm->ndevices] = fini;
	vm->ndevices++;
	return 0;
}

static bool claim_end(struct vm *vm, enum vm_end why)
{
	int expected = VM_END_NONE;

	return atomic_compare_exchange_strong(&vm->end, &expected, (int)why);
}

static void wake_all(struct vm *vm)
{
	uint64_t one = 1;
	ssize_t n = write(vm->end_fd, &one, sizeof(one));

	(void)n; /* the counter cannot overflow from one write per VM */
	/* Every vCPU, the caller's own included: a device that ends the VM
	 * from inside a vCPU's exit must stop that vCPU too. */
	for (int i = 0; vm->cpus && i < vm->ncpus; i++)
		if (vm->cpus[i].priv)
			vm->accel->vcpu_kick(&vm->cpus[i]);
}

void vm__end(struct vm *vm, enum vm_end why, int value, const char *fmt, ...)
{
	va_list ap;

	if (!claim_end(vm, why))
		return;
	vm->end_value = value;
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(vm->end_msg, sizeof(vm->end_msg), fmt, ap);
		va_end(ap);
	}
	wake_all(vm);
}

void vm__fail(struct vcpu *cpu, const char *fmt, ...)
{
	struct vm *vm = cpu->vm;
	size_t len = 0;
	va_list ap;
	FILE *f;

	if (!claim_end(vm, VM_END_ERROR))
		return;
	vm->end_value = cpu->id;
	va_start(ap, fmt);
	vsnprintf(vm->end_msg, sizeof(vm->end_msg), fmt, ap);
	va_end(ap);
	/* The registers are read here, on the failing vCPU's own thread,
	 * while they still show the failure. */
	f = open_memstream(&vm->end_dump, &len);
	if (f) {
		fprintf(f, "vCPU %d registers:\n", cpu->id);
		vm->accel->dump_regs(cpu, f);
		fclose(f);
	}
	wake_all(vm);
}

void vm__irq_line(struct vm *vm, unsigned line, int level)
{
	vm->accel->irq_line(vm, line, level);
}

static void log_unclaimed(struct vm *vm, const char *bus, uint64_t addr, unsigned len,
			  bool is_write)
{
	/* Probing empty ports is normal for an OS; say so only at -vv, and
	 * only for the first few, so a busy guest cannot flood the log. */
	if (log__level >= LOG_DEBUG && atomic_fetch_add(&vm->unclaimed_logged, 1) < 32)
		log__debug("guest %s %u bytes at %s 0x%llx: no device", is_write ? "wrote" : "read",
			   len, bus, (unsigned long long)addr);
}

void vm__pio(struct vm *vm, uint16_t port, uint8_t *data, unsigned len, bool is_write)
{
	if (!bus__access(&vm->pio, port, data, len, is_write))
		log_unclaimed(vm, "port", port, len, is_write);
}

void vm__mmio(struct vm *vm, uint64_t addr, uint8_t *data, unsigned len, bool is_write)
{
	if (!bus__access(&vm->mmio, addr, data, len, is_write))
		log_unclaimed(vm, "MMIO", addr, len, is_write);
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *cpu = arg;

	cpu->self = pthread_self();
	atomic_store(&cpu->running, true);
	cpu->vm->accel->vcpu_run(cpu);
	return NULL;
}

/* The main thread waits for the end of the machine while it serves the
 * console's input and the host's termination signals. */
static void event_loop(struct vm *vm, int sig_fd)
{
	struct console *con = vm->console;

	while (!vm__ending(vm)) {
		struct pollfd p[3] = {
			{ .fd = vm->end_fd, .events = POLLIN },
			{ .fd = sig_fd, .events = POLLIN },
			{ .fd = con ? console__poll_fd(con) : -1, .events = POLLIN },
		};
		/* Input waiting for room in the UART is retried every 10 ms. */
		int timeout = con && console__has_pending(con) ? 10 : -1;

		if (poll(p, 3, timeout) < 0 && errno != EINTR)
			break;
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sig_fd, &si, sizeof(si)) == sizeof(si)) {
				/* Remember it even if a reset wins the race to end
				 * the machine: the user still wants vmkit to stop. */
				vm->signal = (int)si.ssi_signo;
				vm__end(vm, VM_END_SIGNAL, (int)si.ssi_signo, NULL);
			}
		}
		if (con &&
		    ((p[2].revents & (POLLIN | POLLHUP | POLLERR)) || console__has_pending(con)))
			console__pump(con, vm, p[2].revents & (POLLIN | POLLHUP | POLLERR));
	}
}

enum vm_end vm__run(struct vm *vm)
{
	sigset_t stop_sigs, old;
	int sig_fd;

	/* SIGINT/SIGTERM/SIGHUP arrive through a signalfd in the event loop;
	 * blocked here, they stay blocked in the vCPU threads too. */
	sigemptyset(&stop_sigs);
	sigaddset(&stop_sigs, SIGINT);
	sigaddset(&stop_sigs, SIGTERM);
	sigaddset(&stop_sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &stop_sigs, &old);
	sig_fd = signalfd(-1, &stop_sigs, SFD_CLOEXEC | SFD_NONBLOCK);

	vm->start_ns = util__now_ns();
	for (int i = 0; i < vm->ncpus; i++) {
		int r = pthread_create(&vm->cpus[i].thread, NULL, vcpu_thread, &vm->cpus[i]);

		if (r != 0) {
			vm__end(vm, VM_END_ERROR, -1, "cannot start vCPU %d: %s", i, strerror(r));
			break;
		}
		vm->cpus[i].created = true;
	}
	event_loop(vm, sig_fd);
	for (int i = 0; i < vm->ncpus; i++)
		vm->accel->vcpu_kick(&vm->cpus[i]);
	for (int i = 0; i < vm->ncpus; i++) {
		if (vm->cpus[i].created) {
			pthread_join(vm->cpus[i].thread, NULL);
			vm->cpus[i].created = false;
			atomic_store(&vm->cpus[i].running, false);
		}
	}
	vm->end_ns = util__now_ns();
	if (sig_fd >= 0)
		close(sig_fd);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return (enum vm_end)atomic_load(&vm->end);
}
