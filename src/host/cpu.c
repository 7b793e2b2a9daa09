/* cpu.c - the host CPU as CPUID describes it (Intel SDM vol. 2A, CPUID). */
#include "host/host.h"

#include <cpuid.h>
#include <string.h>

static void regs_to_str(char *dst, const unsigned *regs, int n)
{
	memcpy(dst, regs, (size_t)n * 4);
	dst[n * 4] = '\0';
}

void host__cpu_probe(struct host_cpu *cpu)
{
	unsigned a, b, c, d, max_ext, r[12];
	char *p;
	size_t n;

	memset(cpu, 0, sizeof(*cpu));
	if (!__get_cpuid(0, &a, &b, &c, &d))
		return;
	r[0] = b;
	r[1] = d;
	r[2] = c; /* vendor string order is EBX, EDX, ECX */
	regs_to_str(cpu->vendor, r, 3);

	__cpuid(1, a, b, c, d);
	cpu->vmx = c & (1u << 5);
	cpu->hypervisor = c & (1u << 31);

	__cpuid(0x80000000, max_ext, b, c, d);
	if (max_ext >= 0x80000001) {
		__cpuid(0x80000001, a, b, c, d);
		cpu->svm = c & (1u << 2);
	}
	if (max_ext >= 0x80000004) {
		for (unsigned i = 0; i < 3; i++)
			__cpuid(0x80000002 + i, r[i * 4], r[i * 4 + 1], r[i * 4 + 2], r[i * 4 + 3]);
		regs_to_str(cpu->model, r, 12);
		/* Brand strings are padded with spaces on either side. */
		p = cpu->model;
		while (*p == ' ')
			p++;
		memmove(cpu->model, p, strlen(p) + 1);
		n = strlen(cpu->model);
		while (n && cpu->model[n - 1] == ' ')
			cpu->model[--n] = '\0';
	}
	if (cpu->hypervisor) {
		/* Leaf 0x40000000 is only defined when the hypervisor bit is set. */
		__cpuid(0x40000000, a, b, c, d);
		r[0] = b;
		r[1] = c;
		r[2] = d;
		regs_to_str(cpu->hv_signature, r, 3);
	}
}
