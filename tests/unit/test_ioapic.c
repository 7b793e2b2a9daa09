/* test_ioapic.c - black-box tests of the I/O APIC (src/devices/irq/ioapic.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "devices/irq/ioapic.h"

struct msg {
	uint8_t dest, vector, mode;
	bool logical, level;
};

struct fixture {
	struct ioapic *io;
	struct msg m[64];
	int n;
	int eoi_from_deliver; /* deliver EOIs this many times itself */
};

static void fake_deliver(void *ctx, uint8_t dest, bool logical, uint8_t vector, uint8_t mode,
			 bool level)
{
	struct fixture *f = ctx;

	assert_true(f->n < (int)(sizeof(f->m) / sizeof(f->m[0])));
	f->m[f->n++] = (struct msg){ dest, vector, mode, logical, level };
	/* The lock is not held: a CPU may EOI before deliver returns. */
	if (f->eoi_from_deliver > 0) {
		f->eoi_from_deliver--;
		ioapic__eoi(f->io, vector);
	}
}

static int setup(void **state)
{
	struct fixture *f = test_calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->io = ioapic__new(fake_deliver, f);
	if (!f->io) {
		test_free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	ioapic__free(f->io);
	test_free(f);
	return 0;
}

static void mmio32(struct fixture *f, unsigned off, uint32_t *v, bool is_write)
{
	uint8_t d[4] = { (uint8_t)*v, (uint8_t)(*v >> 8), (uint8_t)(*v >> 16),
			 (uint8_t)(*v >> 24) };

	ioapic__mmio(f->io, off, d, 4, is_write);
	*v = (uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 | (uint32_t)d[3] << 24;
}

static void wreg(struct fixture *f, uint32_t reg, uint32_t v)
{
	mmio32(f, IOAPIC_IOREGSEL, &reg, true);
	mmio32(f, IOAPIC_IOWIN, &v, true);
}

static uint32_t rreg(struct fixture *f, uint32_t reg)
{
	uint32_t v = 0x5a5a5a5a;

	mmio32(f, IOAPIC_IOREGSEL, &reg, true);
	mmio32(f, IOAPIC_IOWIN, &v, false);
	return v;
}

static void program(struct fixture *f, unsigned pin, uint64_t rte)
{
	/* Linux writes the high half first, then the low half. */
	wreg(f, IOAPIC_REG_REDTBL + 2 * pin + 1, (uint32_t)(rte >> 32));
	wreg(f, IOAPIC_REG_REDTBL + 2 * pin, (uint32_t)rte);
}

static uint64_t rte_of(struct fixture *f, unsigned pin)
{
	return (uint64_t)rreg(f, IOAPIC_REG_REDTBL + 2 * pin + 1) << 32 |
	       rreg(f, IOAPIC_REG_REDTBL + 2 * pin);
}

static void test_registers(void **state)
{
	struct fixture *f = *state;
	uint32_t v;

	assert_int_equal(rreg(f, IOAPIC_REG_VER), 0x00170011);
	assert_int_equal(rreg(f, IOAPIC_REG_ID), 0);
	wreg(f, IOAPIC_REG_ID, 0xffffffff);
	assert_int_equal(rreg(f, IOAPIC_REG_ID), 0x0f000000);
	assert_int_equal(rreg(f, IOAPIC_REG_ARB), 0x0f000000);
	wreg(f, IOAPIC_REG_VER, 0);
	assert_int_equal(rreg(f, IOAPIC_REG_VER), IOAPIC_VERSION_VALUE);
	/* Every entry masked after reset. */
	for (unsigned pin = 0; pin < IOAPIC_NPINS; pin++)
		assert_int_equal(rte_of(f, pin), IOAPIC_RTE_MASKED);
	/* Past the table. */
	assert_int_equal(rreg(f, IOAPIC_REG_REDTBL + 2 * IOAPIC_NPINS), 0);
	assert_int_equal(rreg(f, 0x03), 0);
	/* IOREGSEL reads back. */
	v = 0x21;
	mmio32(f, IOAPIC_IOREGSEL, &v, true);
	v = 0;
	mmio32(f, IOAPIC_IOREGSEL, &v, false);
	assert_int_equal(v, 0x21);
}

static void test_redirection_programming(void **state)
{
	struct fixture *f = *state;

	program(f, 4, 0xffffffffffffffffull);
	/* Bits 55-17 reserved, 12 (delivery status) and 14 (remote IRR)
	 * read-only. */
	assert_int_equal(rte_of(f, 4), 0xff0000000001afffull);
	program(f, 4, 0x0200000000000834ull);
	assert_int_equal(rte_of(f, 4), 0x0200000000000834ull);
	/* Other pins untouched. */
	assert_int_equal(rte_of(f, 3), IOAPIC_RTE_MASKED);
	assert_int_equal(rte_of(f, 5), IOAPIC_RTE_MASKED);
	assert_int_equal(f->n, 0);
}

static void test_edge_once_per_edge(void **state)
{
	struct fixture *f = *state;

	program(f, 1, 0x0100000000000031ull); /* fixed, physical, to APIC 1 */
	ioapic__set_irq(f->io, 1, 1);
	assert_int_equal(f->n, 1);
	assert_int_equal(f->m[0].vector, 0x31);
	assert_int_equal(f->m[0].dest, 1);
	assert_false(f->m[0].logical);
	assert_int_equal(f->m[0].mode, IOAPIC_DM_FIXED);
	assert_false(f->m[0].level);
	ioapic__set_irq(f->io, 1, 1);
	assert_int_equal(f->n, 1);
	ioapic__set_irq(f->io, 1, 0);
	assert_int_equal(f->n, 1);
	ioapic__set_irq(f->io, 1, 1);
	assert_int_equal(f->n, 2);
	/* Edge entries never hold remote IRR; EOI does nothing. */
	assert_false(rte_of(f, 1) & IOAPIC_RTE_REMOTE_IRR);
	ioapic__eoi(f->io, 0x31);
	assert_int_equal(f->n, 2);
}

static void test_masked_pin(void **state)
{
	struct fixture *f = *state;

	program(f, 2, IOAPIC_RTE_MASKED | 0x30);
	ioapic__set_irq(f->io, 2, 1);
	ioapic__set_irq(f->io, 2, 0);
	assert_int_equal(f->n, 0);
	/* The edge seen while masked is lost. */
	program(f, 2, 0x30);
	assert_int_equal(f->n, 0);
	ioapic__set_irq(f->io, 2, 1);
	assert_int_equal(f->n, 1);
	/* A level pin asserted while masked is sent when unmasked. */
	program(f, 10, IOAPIC_RTE_MASKED | IOAPIC_RTE_LEVEL | 0x3a);
	ioapic__set_irq(f->io, 10, 1);
	assert_int_equal(f->n, 1);
	program(f, 10, IOAPIC_RTE_LEVEL | 0x3a);
	assert_int_equal(f->n, 2);
	assert_int_equal(f->m[1].vector, 0x3a);
	assert_true(f->m[1].level);
}

static void test_level_remote_irr_and_eoi(void **state)
{
	struct fixture *f = *state;

	program(f, 9, IOAPIC_RTE_LEVEL | IOAPIC_RTE_POLARITY | 0x39);
	ioapic__set_irq(f->io, 9, 1);
	assert_int_equal(f->n, 1);
	assert_true(f->m[0].level);
	assert_true(rte_of(f, 9) & IOAPIC_RTE_REMOTE_IRR);
	/* Remote IRR blocks until EOI; writing the entry keeps it. */
	ioapic__set_irq(f->io, 9, 0);
	ioapic__set_irq(f->io, 9, 1);
	program(f, 9, IOAPIC_RTE_LEVEL | IOAPIC_RTE_POLARITY | 0x39);
	assert_int_equal(f->n, 1);
	assert_true(rte_of(f, 9) & IOAPIC_RTE_REMOTE_IRR);
	/* Another vector's EOI does nothing. */
	ioapic__eoi(f->io, 0x38);
	assert_int_equal(f->n, 1);
	/* EOI while still asserted: sent again. */
	ioapic__eoi(f->io, 0x39);
	assert_int_equal(f->n, 2);
	assert_true(rte_of(f, 9) & IOAPIC_RTE_REMOTE_IRR);
	/* Deasserted, then EOI: remote IRR clears, nothing sent. */
	ioapic__set_irq(f->io, 9, 0);
	ioapic__eoi(f->io, 0x39);
	assert_int_equal(f->n, 2);
	assert_false(rte_of(f, 9) & IOAPIC_RTE_REMOTE_IRR);
	ioapic__set_irq(f->io, 9, 1);
	assert_int_equal(f->n, 3);
}

static void test_shared_vector_eoi(void **state)
{
	struct fixture *f = *state;

	/* Two level pins on one vector: one EOI serves both. */
	program(f, 16, IOAPIC_RTE_LEVEL | 0x50);
	program(f, 17, IOAPIC_RTE_LEVEL | 0x50);
	ioapic__set_irq(f->io, 16, 1);
	ioapic__set_irq(f->io, 17, 1);
	assert_int_equal(f->n, 2);
	ioapic__set_irq(f->io, 16, 0);
	ioapic__eoi(f->io, 0x50);
	assert_int_equal(f->n, 3); /* pin 17 still asserted */
	assert_false(rte_of(f, 16) & IOAPIC_RTE_REMOTE_IRR);
	assert_true(rte_of(f, 17) & IOAPIC_RTE_REMOTE_IRR);
}

static void test_edge_entry_clears_remote_irr(void **state)
{
	struct fixture *f = *state;

	program(f, 5, IOAPIC_RTE_LEVEL | 0x35);
	ioapic__set_irq(f->io, 5, 1);
	assert_true(rte_of(f, 5) & IOAPIC_RTE_REMOTE_IRR);
	program(f, 5, 0x35);
	assert_false(rte_of(f, 5) & IOAPIC_RTE_REMOTE_IRR);
	assert_int_equal(f->n, 1);
}

static void test_modes_and_destinations(void **state)
{
	struct fixture *f = *state;

	/* Logical, lowest priority, level, to the MDA 0x0f. */
	program(f, 3,
		0x0f00000000000000ull | IOAPIC_RTE_LEVEL | IOAPIC_RTE_LOGICAL |
			IOAPIC_DM_LOWEST << IOAPIC_RTE_DM_SHIFT | 0x33);
	ioapic__set_irq(f->io, 3, 1);
	assert_int_equal(f->n, 1);
	assert_int_equal(f->m[0].dest, 0x0f);
	assert_true(f->m[0].logical);
	assert_int_equal(f->m[0].mode, IOAPIC_DM_LOWEST);
	assert_true(f->m[0].level);
	/* NMI is edge whatever the trigger bit says. */
	program(f, 6, IOAPIC_RTE_LEVEL | IOAPIC_DM_NMI << IOAPIC_RTE_DM_SHIFT);
	ioapic__set_irq(f->io, 6, 1);
	assert_int_equal(f->n, 2);
	assert_int_equal(f->m[1].mode, IOAPIC_DM_NMI);
	assert_false(f->m[1].level);
	assert_false(rte_of(f, 6) & IOAPIC_RTE_REMOTE_IRR);
	ioapic__set_irq(f->io, 6, 1);
	assert_int_equal(f->n, 2);
	/* ExtINT (virtual wire through pin 0). */
	program(f, 0, IOAPIC_DM_EXTINT << IOAPIC_RTE_DM_SHIFT);
	ioapic__set_irq(f->io, 0, 1);
	assert_int_equal(f->n, 3);
	assert_int_equal(f->m[2].mode, IOAPIC_DM_EXTINT);
}

static void test_deliver_without_lock(void **state)
{
	struct fixture *f = *state;

	/* deliver EOIs at once (as a fast CPU might): the re-delivery of
	 * the still-asserted pin happens, and nothing deadlocks. */
	program(f, 11, IOAPIC_RTE_LEVEL | 0x3b);
	f->eoi_from_deliver = 1;
	ioapic__set_irq(f->io, 11, 1);
	assert_int_equal(f->n, 2);
	assert_true(rte_of(f, 11) & IOAPIC_RTE_REMOTE_IRR);
}

static void test_bad_accesses(void **state)
{
	struct fixture *f = *state;
	uint8_t d[4] = { IOAPIC_REG_VER, 0, 0, 0 };

	/* An 8-bit IOREGSEL write works. */
	ioapic__mmio(f->io, IOAPIC_IOREGSEL, d, 1, true);
	assert_int_equal(rreg(f, IOAPIC_REG_VER), IOAPIC_VERSION_VALUE);
	/* IOWIN wants 32 bits. */
	d[0] = IOAPIC_REG_VER;
	ioapic__mmio(f->io, IOAPIC_IOREGSEL, d, 1, true);
	ioapic__mmio(f->io, IOAPIC_IOWIN, d, 2, false);
	assert_int_equal(d[0], 0);
	assert_int_equal(d[1], 0);
	d[0] = 0x55;
	ioapic__mmio(f->io, 0x20, d, 4, false);
	assert_int_equal(d[0], 0);
	/* Pins past 23 are ignored. */
	ioapic__set_irq(f->io, 24, 1);
	assert_int_equal(f->n, 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_registers),
		T(test_redirection_programming),
		T(test_edge_once_per_edge),
		T(test_masked_pin),
		T(test_level_remote_irr_and_eoi),
		T(test_shared_vector_eoi),
		T(test_edge_entry_clears_remote_irr),
		T(test_modes_and_destinations),
		T(test_deliver_without_lock),
		T(test_bad_accesses),
	};
	return cmocka_run_group_tests_name("ioapic", tests, NULL, NULL);
}
