/* irq.h - an interrupt line as a device sees it: raise or lower, nothing
 * more. The machine wires it to whichever interrupt controller the
 * accelerator provides (KVM's in-kernel PIC/IOAPIC, or the software CPU's). */
#ifndef VMKIT_DEVICES_IRQ_H
#define VMKIT_DEVICES_IRQ_H

struct irq_line {
	void (*set)(void *ctx, unsigned line, int level);
	void *ctx;
	unsigned line; /* ISA IRQ / GSI number */
};

static inline void irq_line__set(const struct irq_line *l, int level)
{
	if (l->set)
		l->set(l->ctx, l->line, level);
}

#endif
