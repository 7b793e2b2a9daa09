/* test_pci.c - black-box tests of the PCI host bridge and mechanism #1 (src/devices/pci/host.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "devices/pci/host.h"

#include <errno.h>
#include <string.h>

#define TEST_SLOT 3

struct fixture {
	struct pci_host *h;
	struct pci_dev dev; /* a test function with BARs, at 00:03.0 */
	unsigned writes[16][2];
	int nwrites;
	unsigned reads;
};

/* The test device's callbacks: record writes; refresh a counter at 0x40. */
static void dev_config_write(struct pci_dev *d, unsigned off, unsigned len)
{
	struct fixture *f = d->opaque;

	assert_true(f->nwrites < 16);
	f->writes[f->nwrites][0] = off;
	f->writes[f->nwrites][1] = len;
	f->nwrites++;
}

static void dev_config_read(struct pci_dev *d, unsigned off, unsigned len)
{
	struct fixture *f = d->opaque;

	d->config[0x40] = (uint8_t)++f->reads;
}

static int setup(void **state)
{
	struct fixture *f = test_calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->h = pci__host_new();
	if (!f->h) {
		test_free(f);
		return -1;
	}
	pci__dev_init(&f->dev, 0x1af4, 0x1041, 0x020000, 1);
	f->dev.opaque = f;
	f->dev.config[PCI_INTERRUPT_PIN] = 1; /* INTA# */
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	pci__host_free(f->h);
	test_free(f);
	return 0;
}

static uint32_t cfg_addr(unsigned bus, unsigned dev, unsigned fn, unsigned reg)
{
	return PCI_CONFIG_ENABLE | bus << 16 | dev << 11 | fn << 8 | (reg & 0xfc);
}

static void io(struct fixture *f, uint16_t port, uint8_t *d, unsigned len, bool is_write)
{
	if (port >= PCI_CONFIG_DATA_PORT)
		pci__data_io(f->h, port - PCI_CONFIG_DATA_PORT, d, len, is_write);
	else
		pci__addr_io(f->h, port - PCI_CONFIG_ADDR_PORT, d, len, is_write);
}

static uint32_t in(struct fixture *f, uint16_t port, unsigned len)
{
	uint8_t d[4] = { 0x5a, 0x5a, 0x5a, 0x5a };
	uint32_t v = 0;

	io(f, port, d, len, false);
	for (unsigned i = 0; i < len; i++)
		v |= (uint32_t)d[i] << (8 * i);
	return v;
}

static void out(struct fixture *f, uint16_t port, uint32_t v, unsigned len)
{
	uint8_t d[4];

	for (unsigned i = 0; i < 4; i++)
		d[i] = (uint8_t)(v >> (8 * i));
	io(f, port, d, len, true);
}

/* Read len bytes of bus:dev.fn's configuration space at reg, as Linux's
 * pci_conf1_read does: address with reg & ~3, data at 0xCFC + (reg & 3). */
static uint32_t conf_rd(struct fixture *f, unsigned bus, unsigned dev, unsigned fn, unsigned reg,
			unsigned len)
{
	out(f, PCI_CONFIG_ADDR_PORT, cfg_addr(bus, dev, fn, reg), 4);
	return in(f, (uint16_t)(PCI_CONFIG_DATA_PORT + (reg & 3)), len);
}

static void conf_wr(struct fixture *f, unsigned bus, unsigned dev, unsigned fn, unsigned reg,
		    uint32_t v, unsigned len)
{
	out(f, PCI_CONFIG_ADDR_PORT, cfg_addr(bus, dev, fn, reg), 4);
	out(f, (uint16_t)(PCI_CONFIG_DATA_PORT + (reg & 3)), v, len);
}

static void test_address_latch_round_trip(void **state)
{
	struct fixture *f = *state;

	/* Linux's pci_check_type1. */
	out(f, PCI_CONFIG_ADDR_PORT, 0x80000000u, 4);
	assert_int_equal(in(f, PCI_CONFIG_ADDR_PORT, 4), 0x80000000u);
	out(f, PCI_CONFIG_ADDR_PORT, 0x8012345cu, 4);
	assert_int_equal(in(f, PCI_CONFIG_ADDR_PORT, 4), 0x8012345cu);
	out(f, PCI_CONFIG_ADDR_PORT, 0x00abcd04u, 4);
	assert_int_equal(in(f, PCI_CONFIG_ADDR_PORT, 4), 0x00abcd04u);
	/* Reserved bits 30-24 and the read-only bits 1-0 read as 0. */
	out(f, PCI_CONFIG_ADDR_PORT, 0xffffffffu, 4);
	assert_int_equal(in(f, PCI_CONFIG_ADDR_PORT, 4), 0x80fffffcu);
}

static void test_address_needs_a_dword(void **state)
{
	struct fixture *f = *state;

	out(f, PCI_CONFIG_ADDR_PORT, 0x80000000u, 4);
	/* Linux writes a byte to 0xCFB before probing: not the register. */
	out(f, PCI_CONFIG_ADDR_PORT, 0x01, 1);
	out(f, PCI_CONFIG_ADDR_PORT, 0x1234, 2);
	assert_int_equal(in(f, PCI_CONFIG_ADDR_PORT, 4), 0x80000000u);
	assert_int_equal(in(f, PCI_CONFIG_ADDR_PORT, 1), 0xff);
	assert_int_equal(in(f, PCI_CONFIG_ADDR_PORT, 2), 0xffff);
}

static void test_host_bridge_identity(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(conf_rd(f, 0, 0, 0, PCI_VENDOR_ID, 4), 0x0d578086u);
	assert_int_equal(conf_rd(f, 0, 0, 0, PCI_VENDOR_ID, 2), PCI_HOST_VENDOR);
	assert_int_equal(conf_rd(f, 0, 0, 0, PCI_DEVICE_ID, 2), PCI_HOST_DEVICE);
	/* Class dword: class code in bits 31-8, revision below. */
	assert_int_equal(conf_rd(f, 0, 0, 0, PCI_REVISION_ID, 4) >> 8, PCI_CLASS_HOST_BRIDGE);
	/* What Linux's pci_sanity_check reads. */
	assert_int_equal(conf_rd(f, 0, 0, 0, PCI_CLASS_DEVICE, 2), 0x0600);
	assert_int_equal(conf_rd(f, 0, 0, 0, PCI_HEADER_TYPE, 1), 0);
	assert_ptr_not_equal(pci__find(f->h, 0), NULL);
	assert_int_equal(pci__find(f->h, 0)->devfn, 0);
}

static void test_absent_functions_read_all_ones(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(conf_rd(f, 0, 1, 0, PCI_VENDOR_ID, 4), 0xffffffffu);
	assert_int_equal(conf_rd(f, 0, 0, 1, PCI_VENDOR_ID, 2), 0xffff);
	assert_int_equal(conf_rd(f, 0, 31, 7, PCI_CLASS_DEVICE, 2), 0xffff);
	/* Only bus 0 exists. */
	assert_int_equal(conf_rd(f, 1, 0, 0, PCI_VENDOR_ID, 4), 0xffffffffu);
	assert_int_equal(conf_rd(f, 255, 0, 0, PCI_VENDOR_ID, 4), 0xffffffffu);
	/* Without the enable bit the data port reaches nothing. */
	out(f, PCI_CONFIG_ADDR_PORT, 0x00000000u, 4);
	assert_int_equal(in(f, PCI_CONFIG_DATA_PORT, 4), 0xffffffffu);
	out(f, PCI_CONFIG_DATA_PORT, 0, 4); /* and writes go nowhere */
	assert_int_equal(conf_rd(f, 0, 0, 0, PCI_VENDOR_ID, 4), 0x0d578086u);
	/* A registered function appears; other slots stay empty. */
	assert_int_equal(pci__add(f->h, &f->dev, (int)PCI_DEVFN(TEST_SLOT, 0)), 0);
	assert_int_equal(conf_rd(f, 0, TEST_SLOT, 0, PCI_VENDOR_ID, 4), 0x10411af4u);
	assert_int_equal(conf_rd(f, 0, TEST_SLOT, 1, PCI_VENDOR_ID, 4), 0xffffffffu);
	assert_int_equal(conf_rd(f, 1, TEST_SLOT, 0, PCI_VENDOR_ID, 4), 0xffffffffu);
}

static void test_byte_and_word_lanes(void **state)
{
	struct fixture *f = *state;

	/* Vendor 0x8086, device 0x0d57: bytes 86 80 57 0d. */
	assert_int_equal(conf_rd(f, 0, 0, 0, 0, 1), 0x86);
	assert_int_equal(conf_rd(f, 0, 0, 0, 1, 1), 0x80);
	assert_int_equal(conf_rd(f, 0, 0, 0, 2, 1), 0x57);
	assert_int_equal(conf_rd(f, 0, 0, 0, 3, 1), 0x0d);
	assert_int_equal(conf_rd(f, 0, 0, 0, 1, 2), 0x5780);
	assert_int_equal(conf_rd(f, 0, 0, 0, 2, 2), 0x0d57);
	/* Bits 1-0 of CONFIG_ADDRESS do not select a byte: 0xCFD does. */
	out(f, PCI_CONFIG_ADDR_PORT, cfg_addr(0, 0, 0, 0) | 3, 4);
	assert_int_equal(in(f, PCI_CONFIG_DATA_PORT, 1), 0x86);
	assert_int_equal(in(f, PCI_CONFIG_DATA_PORT + 1, 1), 0x80);
	assert_int_equal(in(f, PCI_CONFIG_DATA_PORT + 3, 1), 0x0d);
	/* Class bytes at 0x0A-0x0B through 0xCFE. */
	assert_int_equal(conf_rd(f, 0, 0, 0, 0x0a, 2), 0x0600);
	assert_int_equal(conf_rd(f, 0, 0, 0, 0x0b, 1), 0x06);
	/* A word at 0xCFF: one byte of data port, then nothing. */
	out(f, PCI_CONFIG_ADDR_PORT, cfg_addr(0, 0, 0, 0), 4);
	assert_int_equal(in(f, PCI_CONFIG_DATA_PORT + 3, 2), 0xff0d);

	/* Writes land on their lane: the interrupt line at 0x3C. */
	conf_wr(f, 0, 0, 0, PCI_INTERRUPT_LINE, 0x0b, 1);
	assert_int_equal(conf_rd(f, 0, 0, 0, PCI_INTERRUPT_LINE, 4) & 0xff, 0x0b);
	conf_wr(f, 0, 0, 0, PCI_LATENCY_TIMER, 0x40, 1);
	assert_int_equal(conf_rd(f, 0, 0, 0, PCI_CACHE_LINE_SIZE, 4) & 0xffff, 0x4000);
	conf_wr(f, 0, 0, 0, PCI_CACHE_LINE_SIZE, 0x1008, 2);
	assert_int_equal(conf_rd(f, 0, 0, 0, PCI_CACHE_LINE_SIZE, 2), 0x1008);
}

static void test_read_only_fields(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(pci__add(f->h, &f->dev, (int)PCI_DEVFN(TEST_SLOT, 0)), 0);
	for (unsigned dev = 0; dev <= TEST_SLOT; dev += TEST_SLOT) {
		uint32_t id = conf_rd(f, 0, dev, 0, PCI_VENDOR_ID, 4);
		uint32_t cls = conf_rd(f, 0, dev, 0, PCI_REVISION_ID, 4);

		conf_wr(f, 0, dev, 0, PCI_VENDOR_ID, 0, 4);
		conf_wr(f, 0, dev, 0, PCI_DEVICE_ID, 0x1234, 2);
		conf_wr(f, 0, dev, 0, PCI_REVISION_ID, 0xffffffffu, 4);
		conf_wr(f, 0, dev, 0, PCI_HEADER_TYPE, 0xff, 1);
		conf_wr(f, 0, dev, 0, PCI_INTERRUPT_PIN, 0x7, 1);
		conf_wr(f, 0, dev, 0, PCI_ROM_ADDRESS, 0xffffffffu, 4);
		assert_int_equal(conf_rd(f, 0, dev, 0, PCI_VENDOR_ID, 4), id);
		assert_int_equal(conf_rd(f, 0, dev, 0, PCI_REVISION_ID, 4), cls);
		assert_int_equal(conf_rd(f, 0, dev, 0, PCI_HEADER_TYPE, 1), 0);
		assert_int_equal(conf_rd(f, 0, dev, 0, PCI_INTERRUPT_PIN, 1), dev ? 1 : 0);
		/* No expansion ROM: its BAR stays 0. */
		assert_int_equal(conf_rd(f, 0, dev, 0, PCI_ROM_ADDRESS, 4), 0);
		/* Only the defined command bits stick. */
		conf_wr(f, 0, dev, 0, PCI_COMMAND, 0xffff, 2);
		assert_int_equal(conf_rd(f, 0, dev, 0, PCI_COMMAND, 2), 0x0547);
		conf_wr(f, 0, dev, 0, PCI_COMMAND, 0, 2);
		assert_int_equal(conf_rd(f, 0, dev, 0, PCI_COMMAND, 2), 0);
	}
	/* Status error bits are write-1-to-clear, the rest read-only. */
	f->dev.config[PCI_STATUS] = 0x10;     /* capability list */
	f->dev.config[PCI_STATUS + 1] = 0x81; /* parity error, master data parity */
	conf_wr(f, 0, TEST_SLOT, 0, PCI_STATUS, 0x0100, 2);
	assert_int_equal(conf_rd(f, 0, TEST_SLOT, 0, PCI_STATUS, 2), 0x8010);
	conf_wr(f, 0, TEST_SLOT, 0, PCI_STATUS, 0xffff, 2);
	assert_int_equal(conf_rd(f, 0, TEST_SLOT, 0, PCI_STATUS, 2), 0x0010);
	/* A dword write to command+status sets command, clears status. */
	f->dev.config[PCI_STATUS + 1] = 0x80;
	conf_wr(f, 0, TEST_SLOT, 0, PCI_COMMAND, 0x80000006u, 4);
	assert_int_equal(conf_rd(f, 0, TEST_SLOT, 0, PCI_COMMAND, 4), 0x00100006u);
}

static void test_bar_sizing(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(pci__set_bar(&f->dev, 0, 0x1000, PCI_BAR_MEM32), 0);
	assert_int_equal(pci__set_bar(&f->dev, 1, 0x20, PCI_BAR_IO), 0);
	assert_int_equal(pci__set_bar(&f->dev, 2, 0x200000000ULL, PCI_BAR_MEM64 | PCI_BAR_PREFETCH),
			 0);
	assert_int_equal(pci__add(f->h, &f->dev, (int)PCI_DEVFN(TEST_SLOT, 0)), 0);

	/* Unassigned BARs read their type bits. */
	assert_int_equal(conf_rd(f, 0, TEST_SLOT, 0, PCI_BAR0, 4), 0);
	assert_int_equal(conf_rd(f, 0, TEST_SLOT, 0, PCI_BAR0 + 4, 4), PCI_BAR_IO);
	assert_int_equal(conf_rd(f, 0, TEST_SLOT, 0, PCI_BAR0 + 8, 4), 0xc);

	/* Linux's __pci_read_base: save, write ~0, read the mask, restore. */
	for (unsigned bar = 0; bar < PCI_NUM_BARS; bar++)
		conf_wr(f, 0, TEST_SLOT, 0, PCI_BAR0 + 4 * bar, 0xffffffffu, 4);
	assert_int_equal(conf_rd(f, 0, TEST_SLOT, 0, PCI_BAR0, 4), 0xfffff000u);
	assert_int_equal(conf_rd(f, 0, TEST_SLOT, 0, PCI_BAR0 + 4, 4), 0xffffffe1u);
	assert_int_equal(conf_rd(f, 0, TEST_SLOT, 0, PCI_BAR0 + 8, 4), 0x0000000cu);
	assert_int_equal(conf_rd(f, 0, TEST_SLOT, 0, PCI_BAR0 + 12, 4), 0xfffffffeu);
	/* Unimplemented BARs stay 0. */
	assert_int_equal(conf_rd(f, 0, TEST_SLOT, 0, PCI_BAR0 + 16, 4), 0);
	assert_int_equal(conf_rd(f, 0, TEST_SLOT, 0, PCI_BAR0 + 20, 4), 0);

	/* Assigned addresses read back, aligned, and decode. */
	conf_wr(f, 0, TEST_SLOT, 0, PCI_BAR0, 0xc0001234u, 4);
	conf_wr(f, 0, TEST_SLOT, 0, PCI_BAR0 + 4, 0xc040, 4);
	conf_wr(f, 0, TEST_SLOT, 0, PCI_BAR0 + 8, 0, 4);
	conf_wr(f, 0, TEST_SLOT, 0, PCI_BAR0 + 12, 0x8, 4);
	assert_int_equal(conf_rd(f, 0, TEST_SLOT, 0, PCI_BAR0, 4), 0xc0001000u);
	assert_int_equal(conf_rd(f, 0, TEST_SLOT, 0, PCI_BAR0 + 4, 4), 0xc041);
	assert_int_equal(pci__bar_addr(&f->dev, 0), 0xc0001000u);
	assert_int_equal(pci__bar_addr(&f->dev, 1), 0xc040);
	assert_int_equal(pci__bar_addr(&f->dev, 2), 0x800000000ULL);
	assert_int_equal(pci__bar_addr(&f->dev, 4), 0);
	/* There are six BARs: what follows them is not one. */
	f->dev.config[0x28] = 0x10;
	f->dev.config[0x0c] = 0x10;
	assert_int_equal(pci__bar_addr(&f->dev, 6), 0);
	assert_int_equal(pci__bar_addr(&f->dev, -1), 0);
	/* The host bridge has no BARs. */
	conf_wr(f, 0, 0, 0, PCI_BAR0, 0xffffffffu, 4);
	assert_int_equal(conf_rd(f, 0, 0, 0, PCI_BAR0, 4), 0);
}

static void test_set_bar_rejects_bad_requests(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(pci__set_bar(&f->dev, -1, 0x1000, PCI_BAR_MEM32), -EINVAL);
	assert_int_equal(pci__set_bar(&f->dev, 6, 0x1000, PCI_BAR_MEM32), -EINVAL);
	assert_int_equal(pci__set_bar(&f->dev, 5, 0x1000, PCI_BAR_MEM64), -EINVAL);
	assert_int_equal(pci__set_bar(&f->dev, 0, 0x1800, PCI_BAR_MEM32), -EINVAL);
	assert_int_equal(pci__set_bar(&f->dev, 0, 0, PCI_BAR_MEM32), -EINVAL);
	assert_int_equal(pci__set_bar(&f->dev, 0, 8, PCI_BAR_MEM32), -EINVAL);
	assert_int_equal(pci__set_bar(&f->dev, 0, 2, PCI_BAR_IO), -EINVAL);
	assert_int_equal(pci__set_bar(&f->dev, 0, 1ULL << 32, PCI_BAR_MEM32), -EINVAL);
	assert_int_equal(pci__set_bar(&f->dev, 0, 16, PCI_BAR_IO | PCI_BAR_PREFETCH), -EINVAL);
	assert_int_equal(pci__set_bar(&f->dev, 0, 16, 0x2), -EINVAL);
	/* Nothing was changed by the failures. */
	for (unsigned i = 0; i < 4 * PCI_NUM_BARS; i++)
		assert_int_equal(f->dev.wmask[PCI_BAR0 + i], 0);
	assert_int_equal(pci__set_bar(&f->dev, 5, 16, PCI_BAR_MEM32 | PCI_BAR_PREFETCH), 0);
	assert_int_equal(pci__set_bar(&f->dev, 4, 1ULL << 40, PCI_BAR_MEM64), 0);
}

static void test_callbacks(void **state)
{
	struct fixture *f = *state;

	f->dev.config_write = dev_config_write;
	f->dev.config_read = dev_config_read;
	assert_int_equal(pci__set_bar(&f->dev, 0, 0x1000, PCI_BAR_MEM32), 0);
	assert_int_equal(pci__add(f->h, &f->dev, (int)PCI_DEVFN(TEST_SLOT, 0)), 0);

	conf_wr(f, 0, TEST_SLOT, 0, PCI_BAR0, 0xfe000000u, 4);
	conf_wr(f, 0, TEST_SLOT, 0, PCI_COMMAND + 1, 0x04, 1);
	assert_int_equal(f->nwrites, 2);
	assert_int_equal(f->writes[0][0], PCI_BAR0);
	assert_int_equal(f->writes[0][1], 4);
	assert_int_equal(f->writes[1][0], PCI_COMMAND + 1);
	assert_int_equal(f->writes[1][1], 1);
	/* The write was applied before the callback ran. */
	assert_int_equal(pci__bar_addr(&f->dev, 0), 0xfe000000u);

	/* Reads see what the read callback refreshed. */
	assert_int_equal(conf_rd(f, 0, TEST_SLOT, 0, 0x40, 1), 1);
	assert_int_equal(conf_rd(f, 0, TEST_SLOT, 0, 0x40, 4) & 0xff, 2);
	assert_int_equal(f->reads, 2);
	/* Absent functions call nobody. */
	conf_wr(f, 0, TEST_SLOT + 1, 0, PCI_COMMAND, 0x7, 2);
	assert_int_equal(f->nwrites, 2);
}

static void test_registry(void **state)
{
	struct fixture *f = *state;
	static struct pci_dev more[PCI_SLOTS];

	assert_int_equal(f->dev.devfn, -1);
	assert_int_equal(pci__add(f->h, &f->dev, 0), -EEXIST);
	assert_int_equal(pci__add(f->h, &f->dev, PCI_SLOTS * PCI_FUNCS), -EINVAL);
	assert_ptr_equal(pci__find(f->h, 1), NULL);
	assert_ptr_equal(pci__find(f->h, 256), NULL);
	/* Next free slot: 1, function 0. */
	assert_int_equal(pci__add(f->h, &f->dev, -1), 0);
	assert_int_equal(f->dev.devfn, (int)PCI_DEVFN(1, 0));
	assert_ptr_equal(pci__find(f->h, PCI_DEVFN(1, 0)), &f->dev);
	/* Functions of a slot are separate places. */
	pci__dev_init(&more[0], 0x1af4, 0x1000, 0x020000, 0);
	assert_int_equal(pci__add(f->h, &more[0], (int)PCI_DEVFN(1, 2)), 0);
	assert_int_equal(conf_rd(f, 0, 1, 2, PCI_DEVICE_ID, 2), 0x1000);
	/* Fill every slot: 2..31 then no room. */
	for (unsigned s = 2; s < PCI_SLOTS; s++) {
		pci__dev_init(&more[s], 0x1af4, (uint16_t)(0x1000 + s), 0xff0000, 0);
		assert_int_equal(pci__add(f->h, &more[s], -1), 0);
		assert_int_equal(more[s].devfn, (int)PCI_DEVFN(s, 0));
	}
	pci__dev_init(&more[1], 0x1af4, 0x1001, 0xff0000, 0);
	assert_int_equal(pci__add(f->h, &more[1], -1), -ENOSPC);
	assert_int_equal(more[1].devfn, -1);
	assert_int_equal(conf_rd(f, 0, 31, 0, PCI_DEVICE_ID, 2), 0x1000 + 31);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_address_latch_round_trip),
		T(test_address_needs_a_dword),
		T(test_host_bridge_identity),
		T(test_absent_functions_read_all_ones),
		T(test_byte_and_word_lanes),
		T(test_read_only_fields),
		T(test_bar_sizing),
		T(test_set_bar_rejects_bad_requests),
		T(test_callbacks),
		T(test_registry),
	};
	return cmocka_run_group_tests_name("pci", tests, NULL, NULL);
}
