/* kvm.c - the hardware-assisted backend: Linux's KVM API on /dev/kvm.
 *
 * The guest runs in VMX/SVM non-root mode inside KVM_RUN; every exit back
 * to user space (port I/O, MMIO, shutdown, ...) is dispatched here to the
 * machine's buses. Interrupt controllers and the PIT are KVM's in-kernel
 * ones (KVM_CREATE_IRQCHIP, KVM_CREATE_PIT2). See Documentation/virt/kvm/
 * api.rst in the Linux tree for the ioctls. */
#include "vm/accel/accel.h"

#include "common/log.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

/* Intel's VMX needs three pages for the real-mode TSS and one for the EPT
 * identity map, at addresses the guest never uses: just below the BIOS
 * area at the top of the 4 GiB space, where QEMU puts them too. */
#define KVM_TSS_ADDR          0xfffbd000ULL
#define KVM_IDENTITY_MAP_ADDR 0xfffbc000ULL
#define KVM_KICK_SIGNAL       SIGUSR1

struct kvm_vm {
	int sys_fd; /* /dev/kvm */
	int vm_fd;
	int run_size;
	struct kvm_cpuid2 *cpuid; /* what KVM supports, given to every vCPU */
};

struct kvm_vcpu {
	int fd;
	struct kvm_run *run;
};

static void kick_handler(int sig)
{
	(void)sig; /* only there to make KVM_RUN return with EINTR */
}

/* Interrupt routing as a PC wires it, and as the MADT says: ISA IRQs 0-15
 * reach the 8259 pair, GSIs 0-23 the I/O APIC pin of the same number,
 * except that IRQ 0 (the PIT) is on pin 2 (the interrupt source override).
 * KVM's default sends GSI 0 to pin 0. */
static int set_gsi_routing(struct kvm_vm *k, struct err *e)
{
	struct kvm_irq_routing *t = calloc(1, sizeof(*t) + (16 + 24) * sizeof(t->entries[0]));
	unsigned n = 0;
	int r = 0;

	if (!t)
		return err__set(e, ENOMEM, "out of memory");
	for (unsigned gsi = 0; gsi < 16; gsi++) {
		if (gsi == 2)
			continue; /* the cascade */
		t->entries[n].gsi = gsi;
		t->entries[n].type = KVM_IRQ_ROUTING_IRQCHIP;
		t->entries[n].u.irqchip.irqchip =
			gsi < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE;
		t->entries[n].u.irqchip.pin = gsi & 7;
		n++;
	}
	for (unsigned gsi = 0; gsi < 24; gsi++) {
		if (gsi == 2)
			continue; /* pin 2 belongs to IRQ 0 */
		t->entries[n].gsi = gsi;
		t->entries[n].type = KVM_IRQ_ROUTING_IRQCHIP;
		t->entries[n].u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
		t->entries[n].u.irqchip.pin = gsi == 0 ? 2 : gsi;
		n++;
	}
	t->nr = n;
	if (ioctl(k->vm_fd, KVM_SET_GSI_ROUTING, t) < 0)
		r = err__sys(e, errno, "KVM_SET_GSI_ROUTING");
	free(t);
	return r;
}

static int get_supported_cpuid(struct kvm_vm *k, struct err *e)
{
	for (int n = 256; n <= 4096; n *= 2) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + (size_t)n * sizeof(c->entries[0]));

		if (!c)
			return err__set(e, ENOMEM, "out of memory");
		c->nent = (uint32_t)n;
		if (ioctl(k->sys_fd, KVM_GET_SUPPORTED_CPUID, c) == 0) {
			k->cpuid = c;
			return 0;
		}
		free(c);
		if (errno != E2BIG)
			return err__sys(e, errno, "KVM_GET_SUPPORTED_CPUID");
	}
	return err__set(e, E2BIG, "KVM_GET_SUPPORTED_CPUID: too many entries");
}

static int kvm_vm_init(struct vm *vm, struct err *e)
{
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
	struct sigaction sa = { .sa_handler = kick_handler };
	uint64_t idmap = KVM_IDENTITY_MAP_ADDR;
	struct kvm_vm *k;
	int r, max;

	k = calloc(1, sizeof(*k));
	if (!k)
		return err__set(e, ENOMEM, "out of memory");
	k->sys_fd = k->vm_fd = -1;
	vm->accel_priv = k;
	k->sys_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (k->sys_fd < 0)
		return err__sys(e, errno, "/dev/kvm");
	r = ioctl(k->sys_fd, KVM_GET_API_VERSION, 0);
	if (r != KVM_API_VERSION)
		return err__set(e, ENOTSUP, "/dev/kvm: API version %d, need %d", r,
				KVM_API_VERSION);
	max = ioctl(k->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	if (max <= 0)
		max = ioctl(k->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	if (max <= 0)
		max = 4;
	if (vm->ncpus > max)
		return err__set(e, EINVAL, "--cpus %d: KVM allows at most %d", vm->ncpus, max);
	if (ioctl(k->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_IMMEDIATE_EXIT) <= 0)
		return err__set(e, ENOTSUP, "KVM lacks KVM_CAP_IMMEDIATE_EXIT (Linux 4.11+)");
	k->run_size = ioctl(k->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (k->run_size <= 0)
		return err__sys(e, errno, "KVM_GET_VCPU_MMAP_SIZE");

	do
		k->vm_fd = ioctl(k->sys_fd, KVM_CREATE_VM, 0);
	while (k->vm_fd < 0 && errno == EINTR);
	if (k->vm_fd < 0)
		return err__sys(e, errno, "KVM_CREATE_VM");
	fcntl(k->vm_fd, F_SETFD, FD_CLOEXEC);
	/* Memory before the irqchip: once the irqchip exists, changing
	 * memslots waits for an SRCU grace period (measured here: 7-11 ms on
	 * a nested host, against 0.05 ms before). */
	for (int i = 0; i < vm->mem.nregions; i++) {
		const struct mem_region *mr = &vm->mem.regions[i];
		struct kvm_userspace_memory_region reg = {
			.slot = (uint32_t)i,
			.guest_phys_addr = mr->gpa,
			.memory_size = mr->size,
			.userspace_addr = (uintptr_t)mr->hva,
		};

		if (ioctl(k->vm_fd, KVM_SET_USER_MEMORY_REGION, &reg) < 0)
			return err__sys(e, errno, "KVM_SET_USER_MEMORY_REGION");
	}
	if (ioctl(k->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)KVM_TSS_ADDR) < 0)
		return err__sys(e, errno, "KVM_SET_TSS_ADDR");
	if (ioctl(k->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &idmap) < 0)
		return err__sys(e, errno, "KVM_SET_IDENTITY_MAP_ADDR");
	if (ioctl(k->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0)
		return err__sys(e, errno, "KVM_CREATE_IRQCHIP");
	if (ioctl(k->vm_fd, KVM_CREATE_PIT2, &pit) < 0)
		return err__sys(e, errno, "KVM_CREATE_PIT2");
	r = set_gsi_routing(k, e);
	if (r < 0)
		return r;

	r = get_supported_cpuid(k, e);
	if (r < 0)
		return r;
	/* No SA_RESTART: the point of the kick is to interrupt KVM_RUN. */
	sigaction(KVM_KICK_SIGNAL, &sa, NULL);
	return 0;
}

static void kvm_vm_fini(struct vm *vm)
{
	struct kvm_vm *k = vm->accel_priv;

	if (!k)
		return;
	if (k->vm_fd >= 0)
		close(k->vm_fd);
	if (k->sys_fd >= 0)
		close(k->sys_fd);
	free(k->cpuid);
	free(k);
	vm->accel_priv = NULL;
}

/* Each vCPU gets KVM's supported CPUID with its own APIC ID filled in. */
static int set_cpuid(struct vcpu *cpu, struct kvm_vm *k, int fd, struct err *e)
{
	size_t sz = sizeof(*k->cpuid) + k->cpuid->nent * sizeof(k->cpuid->entries[0]);
	struct kvm_cpuid2 *c = malloc(sz);
	int r;

	if (!c)
		return err__set(e, ENOMEM, "out of memory");
	memcpy(c, k->cpuid, sz);
	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *en = &c->entries[i];

		if (en->function == 1) {
			/* EBX[31:24] initial APIC ID; EBX[23:16] logical CPUs. */
			en->ebx = (en->ebx & 0x0000ffff) | ((uint32_t)cpu->id << 24) |
				  ((uint32_t)cpu->vm->ncpus << 16);
			if (cpu->vm->ncpus > 1)
				en->edx |= 1u << 28; /* HTT: the logical count is valid */
		} else if (en->function == 0xb || en->function == 0x1f) {
			en->edx = (uint32_t)cpu->id; /* x2APIC ID */
		}
	}
	r = ioctl(fd, KVM_SET_CPUID2, c);
	free(c);
	if (r < 0)
		return err__sys(e, errno, "KVM_SET_CPUID2");
	return 0;
}

static int kvm_vcpu_init(struct vcpu *cpu, struct err *e)
{
	struct kvm_vm *k = cpu->vm->accel_priv;
	struct kvm_vcpu *v;

	v = calloc(1, sizeof(*v));
	if (!v)
		return err__set(e, ENOMEM, "out of memory");
	cpu->priv = v;
	v->fd = ioctl(k->vm_fd, KVM_CREATE_VCPU, (unsigned long)cpu->id);
	if (v->fd < 0)
		return err__sys(e, errno, "KVM_CREATE_VCPU %d", cpu->id);
	fcntl(v->fd, F_SETFD, FD_CLOEXEC);
	v->run = mmap(NULL, (size_t)k->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		return err__sys(e, errno, "mmap vCPU %d run area", cpu->id);
	}
	return set_cpuid(cpu, k, v->fd, e);
}

static void kvm_vcpu_fini(struct vcpu *cpu)
{
	struct kvm_vm *k = cpu->vm->accel_priv;
	struct kvm_vcpu *v = cpu->priv;

	if (!v)
		return;
	if (v->run)
		munmap(v->run, (size_t)k->run_size);
	if (v->fd >= 0)
		close(v->fd);
	free(v);
	cpu->priv = NULL;
}

static void seg_to_kvm(struct kvm_segment *k, const struct x86_seg *s)
{
	*k = (struct kvm_segment){
		.base = s->base,
		.limit = s->limit,
		.selector = s->selector,
		.type = s->type,
		.present = s->present,
		.dpl = s->dpl,
		.db = s->db,
		.s = s->s,
		.l = s->l,
		.g = s->g,
		.avl = s->avl,
		.unusable = s->unusable,
	};
}

static int kvm_vcpu_boot(struct vcpu *cpu, const struct x86_boot_state *bs, struct err *e)
{
	struct kvm_vcpu *v = cpu->priv;
	struct kvm_sregs sr;
	struct kvm_regs regs = {
		.rax = bs->rax,
		.rbx = bs->rbx,
		.rcx = bs->rcx,
		.rdx = bs->rdx,
		.rsi = bs->rsi,
		.rdi = bs->rdi,
		.rsp = bs->rsp,
		.rbp = bs->rbp,
		.rip = bs->rip,
		.rflags = bs->rflags | X86_RFLAGS_FIXED,
	};

	if (ioctl(v->fd, KVM_GET_SREGS, &sr) < 0)
		return err__sys(e, errno, "KVM_GET_SREGS");
	seg_to_kvm(&sr.cs, &bs->cs);
	seg_to_kvm(&sr.ds, &bs->ds);
	seg_to_kvm(&sr.es, &bs->es);
	seg_to_kvm(&sr.fs, &bs->fs);
	seg_to_kvm(&sr.gs, &bs->gs);
	seg_to_kvm(&sr.ss, &bs->ss);
	if (bs->tr.present)
		seg_to_kvm(&sr.tr, &bs->tr);
	sr.gdt.base = bs->gdt.base;
	sr.gdt.limit = bs->gdt.limit;
	sr.idt.base = bs->idt.base;
	sr.idt.limit = bs->idt.limit;
	sr.cr0 = bs->cr0;
	sr.cr3 = bs->cr3;
	sr.cr4 = bs->cr4;
	sr.efer = bs->efer;
	if (ioctl(v->fd, KVM_SET_SREGS, &sr) < 0)
		return err__sys(e, errno, "KVM_SET_SREGS");
	if (ioctl(v->fd, KVM_SET_REGS, &regs) < 0)
		return err__sys(e, errno, "KVM_SET_REGS");
	return 0;
}

static const char *internal_error_name(uint32_t sub)
{
	switch (sub) {
	case KVM_INTERNAL_ERROR_EMULATION:
		return "instruction emulation failed";
	case KVM_INTERNAL_ERROR_SIMUL_EX:
		return "exception during exception delivery";
	case KVM_INTERNAL_ERROR_DELIVERY_EV:
		return "exit during event delivery";
	case KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON:
		return "unexpected exit reason";
	}
	return "unknown suberror";
}

static enum vm_exit_kind exit_kind(uint32_t reason)
{
	switch (reason) {
	case KVM_EXIT_IO:
		return VM_EXIT_IO;
	case KVM_EXIT_MMIO:
		return VM_EXIT_MMIO;
	case KVM_EXIT_HLT:
		return VM_EXIT_HLT;
	case KVM_EXIT_INTR:
		return VM_EXIT_INTR;
	case KVM_EXIT_SYSTEM_EVENT:
		return VM_EXIT_SYSTEM_EVENT;
	case KVM_EXIT_SHUTDOWN:
		return VM_EXIT_SHUTDOWN;
	case KVM_EXIT_INTERNAL_ERROR:
		return VM_EXIT_INTERNAL_ERROR;
	case KVM_EXIT_FAIL_ENTRY:
		return VM_EXIT_FAIL_ENTRY;
	}
	return VM_EXIT_OTHER;
}

/* Handle one exit. Returns false when the vCPU must stop. */
static bool handle_exit(struct vcpu *cpu, struct kvm_run *run)
{
	struct vm *vm = cpu->vm;

	switch (run->exit_reason) {
	case KVM_EXIT_IO: {
		/* data_offset and count come from the kernel, not the guest. */
		uint8_t *p = (uint8_t *)run + run->io.data_offset;

		for (uint32_t i = 0; i < run->io.count; i++, p += run->io.size)
			vm__pio(vm, run->io.port, p, run->io.size,
				run->io.direction == KVM_EXIT_IO_OUT);
		return true;
	}
	case KVM_EXIT_MMIO:
		vm__mmio(vm, run->mmio.phys_addr, run->mmio.data, run->mmio.len,
			 run->mmio.is_write);
		return true;
	case KVM_EXIT_HLT:
	case KVM_EXIT_INTR:
		return true;
	case KVM_EXIT_SYSTEM_EVENT:
		switch (run->system_event.type) {
		case KVM_SYSTEM_EVENT_SHUTDOWN:
			vm__end(vm, VM_END_POWEROFF, 0, NULL);
			return false;
		case KVM_SYSTEM_EVENT_RESET:
			vm__end(vm, VM_END_RESET, 0, NULL);
			return false;
		default:
			vm__fail(cpu, "vCPU %d: system event %u", cpu->id, run->system_event.type);
			return false;
		}
	case KVM_EXIT_SHUTDOWN:
		vm__fail(cpu, "vCPU %d: guest triple fault (KVM_EXIT_SHUTDOWN)", cpu->id);
		return false;
	case KVM_EXIT_INTERNAL_ERROR: {
		char bytes[64] = "";

		/* An emulation failure may carry the instruction's bytes: the
		 * most useful clue to what the guest was doing. */
		if (run->emulation_failure.suberror == KVM_INTERNAL_ERROR_EMULATION &&
		    run->emulation_failure.ndata >= 3 &&
		    (run->emulation_failure.flags &
		     KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES)) {
			unsigned n = run->emulation_failure.insn_size;
			size_t off = 0;

			if (n > sizeof(run->emulation_failure.insn_bytes))
				n = sizeof(run->emulation_failure.insn_bytes);
			off += (size_t)snprintf(bytes, sizeof(bytes), " (instruction bytes:");
			for (unsigned i = 0; i < n && off < sizeof(bytes) - 4; i++)
				off += (size_t)snprintf(bytes + off, sizeof(bytes) - off, " %02x",
							run->emulation_failure.insn_bytes[i]);
			snprintf(bytes + off, sizeof(bytes) - off, ")");
		}
		vm__fail(cpu, "vCPU %d: KVM internal error %u: %s%s", cpu->id,
			 run->internal.suberror, internal_error_name(run->internal.suberror),
			 bytes);
		return false;
	}
	case KVM_EXIT_FAIL_ENTRY:
		vm__fail(cpu, "vCPU %d: VM entry failed, hardware reason 0x%llx", cpu->id,
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		return false;
	}
	vm__fail(cpu, "vCPU %d: unhandled KVM exit reason %u", cpu->id, run->exit_reason);
	return false;
}

static void kvm_vcpu_run(struct vcpu *cpu)
{
	struct kvm_vcpu *v = cpu->priv;
	struct kvm_run *run = v->run;
	struct vcpu_stats *st = &cpu->stats;
	bool timed = cpu->vm->cfg->stats;
	uint64_t t_in = 0, t_out = 0;

	while (!vm__ending(cpu->vm)) {
		if (timed)
			t_in = util__now_ns();
		int r = ioctl(v->fd, KVM_RUN, 0);
		if (timed) {
			t_out = util__now_ns();
			st->guest_ns += t_out - t_in;
		}
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				/* A kick: immediate_exit made KVM_RUN return at once. */
				run->immediate_exit = 0;
				st->count[VM_EXIT_INTR]++;
				continue;
			}
			vm__fail(cpu, "vCPU %d: KVM_RUN: %s", cpu->id, strerror(errno));
			return;
		}
		enum vm_exit_kind kind = exit_kind(run->exit_reason);
		st->count[kind]++;
		bool go_on = handle_exit(cpu, run);
		if (timed)
			st->vmm_ns[kind] += util__now_ns() - t_out;
		if (!go_on)
			return;
	}
}

static void kvm_vcpu_kick(struct vcpu *cpu)
{
	struct kvm_vcpu *v = cpu->priv;

	/* immediate_exit covers a kick that lands just before KVM_RUN; the
	 * signal covers one while the guest runs. */
	if (v && v->run)
		__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	if (atomic_load(&cpu->running))
		pthread_kill(cpu->self, KVM_KICK_SIGNAL);
}

static void kvm_irq_line(struct vm *vm, unsigned line, int level)
{
	struct kvm_vm *k = vm->accel_priv;
	struct kvm_irq_level irq = { .irq = line, .level = (uint32_t)level };

	if (ioctl(k->vm_fd, KVM_IRQ_LINE, &irq) < 0)
		log__warn("KVM_IRQ_LINE %u: %s", line, strerror(errno));
}

static void dump_seg(FILE *out, const char *name, const struct kvm_segment *s)
{
	fprintf(out,
		"  %-3s sel=%04x base=%016llx limit=%08x type=%x s=%u dpl=%u p=%u l=%u db=%u g=%u\n",
		name, s->selector, (unsigned long long)s->base, s->limit, s->type, s->s, s->dpl,
		s->present, s->l, s->db, s->g);
}

static void kvm_dump_regs(struct vcpu *cpu, FILE *out)
{
	struct kvm_vcpu *v = cpu->priv;
	struct kvm_regs r;
	struct kvm_sregs s;

	if (ioctl(v->fd, KVM_GET_REGS, &r) < 0 || ioctl(v->fd, KVM_GET_SREGS, &s) < 0) {
		fprintf(out, "  (registers unavailable: %s)\n", strerror(errno));
		return;
	}
	fprintf(out,
		"  rax=%016llx rbx=%016llx rcx=%016llx rdx=%016llx\n"
		"  rsi=%016llx rdi=%016llx rsp=%016llx rbp=%016llx\n"
		"  r8 =%016llx r9 =%016llx r10=%016llx r11=%016llx\n"
		"  r12=%016llx r13=%016llx r14=%016llx r15=%016llx\n"
		"  rip=%016llx rflags=%08llx\n",
		r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rsp, r.rbp, r.r8, r.r9, r.r10, r.r11,
		r.r12, r.r13, r.r14, r.r15, r.rip, r.rflags);
	dump_seg(out, "cs", &s.cs);
	dump_seg(out, "ds", &s.ds);
	dump_seg(out, "ss", &s.ss);
	dump_seg(out, "tr", &s.tr);
	fprintf(out,
		"  gdt=%016llx/%04x idt=%016llx/%04x\n"
		"  cr0=%016llx cr2=%016llx cr3=%016llx cr4=%016llx efer=%016llx\n",
		s.gdt.base, s.gdt.limit, s.idt.base, s.idt.limit, s.cr0, s.cr2, s.cr3, s.cr4,
		s.efer);
}

const struct accel_ops accel_kvm_ops = {
	.name = "kvm",
	.vm_init = kvm_vm_init,
	.vm_fini = kvm_vm_fini,
	.vcpu_init = kvm_vcpu_init,
	.vcpu_fini = kvm_vcpu_fini,
	.vcpu_boot = kvm_vcpu_boot,
	.vcpu_run = kvm_vcpu_run,
	.vcpu_kick = kvm_vcpu_kick,
	.irq_line = kvm_irq_line,
	.dump_regs = kvm_dump_regs,
};
