/* host.c - PCI configuration mechanism #1 and the bus 0 function registry (see host.h). */
#include "devices/pci/host.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* CONFIG_ADDRESS fields (PCI 3.0 section 3.2.2.3.2). Bits 30-24 are
 * reserved and bits 1-0 read-only; both read as 0. */
#define ADDR_KEPT     0x80fffffcu
#define ADDR_BUS(a)   (((a) >> 16) & 0xff)
#define ADDR_DEVFN(a) (((a) >> 8) & 0xff)
#define ADDR_REG(a)   ((a)&0xfc)

/* Writable command bits of a plain function: I/O and memory decoding, bus
 * mastering, parity and SERR# response, INTx disable. */
#define COMMAND_WMASK                                                                              \
	(PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_PARITY |           \
	 PCI_COMMAND_SERR | PCI_COMMAND_INTX_OFF)

struct pci_host {
	pthread_mutex_t lock;
	uint32_t addr; /* CONFIG_ADDRESS */
	struct pci_dev bridge;
	struct pci_dev *devs[PCI_SLOTS * PCI_FUNCS];
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void pci__dev_init(struct pci_dev *d, uint16_t vendor, uint16_t device, uint32_t class_code,
		   uint8_t revision)
{
	memset(d, 0, sizeof(*d));
	d->devfn = -1;
	put16(&d->config[PCI_VENDOR_ID], vendor);
	put16(&d->config[PCI_DEVICE_ID], device);
	d->config[PCI_REVISION_ID] = revision;
	d->config[PCI_CLASS_PROG] = (uint8_t)class_code;
	put16(&d->config[PCI_CLASS_DEVICE], (uint16_t)(class_code >> 8));
	d->config[PCI_HEADER_TYPE] = 0; /* type 0, single function */
	put16(&d->wmask[PCI_COMMAND], COMMAND_WMASK);
	put16(&d->w1cmask[PCI_STATUS], PCI_STATUS_ERRORS);
	d->wmask[PCI_CACHE_LINE_SIZE] = 0xff;
	d->wmask[PCI_LATENCY_TIMER] = 0xff;
	d->wmask[PCI_INTERRUPT_LINE] = 0xff;
}

static bool pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

int pci__set_bar(struct pci_dev *d, int n, uint64_t size, uint32_t type)
{
	unsigned off = PCI_BAR0 + 4u * (unsigned)n;
	bool io = type == PCI_BAR_IO;
	bool mem64 = (type & ~PCI_BAR_PREFETCH) == PCI_BAR_MEM64;
	bool mem32 = (type & ~PCI_BAR_PREFETCH) == PCI_BAR_MEM32;
	uint64_t mask = ~(size - 1);

	if (n < 0 || n >= PCI_NUM_BARS || (mem64 && n + 1 >= PCI_NUM_BARS) || !pow2(size))
		return -EINVAL;
	if (io) {
		if (size < 4 || size > 0x10000)
			return -EINVAL;
		put32(&d->config[off], PCI_BAR_IO);
		put32(&d->wmask[off], (uint32_t)mask & ~0x3u);
		return 0;
	}
	if (!mem32 && !mem64)
		return -EINVAL;
	if (size < 16 || (mem32 && size > (1ULL << 31)))
		return -EINVAL;
	put32(&d->config[off], type);
	put32(&d->wmask[off], (uint32_t)mask & ~0xfu);
	if (mem64) {
		put32(&d->config[off + 4], 0);
		put32(&d->wmask[off + 4], (uint32_t)(mask >> 32));
	}
	return 0;
}

uint64_t pci__bar_addr(const struct pci_dev *d, int n)
{
	uint32_t lo;

	if (n < 0 || n >= PCI_NUM_BARS)
		return 0;
	lo = get32(&d->config[PCI_BAR0 + 4 * n]);
	if (lo & PCI_BAR_IO)
		return lo & ~0x3u;
	if ((lo & 0x6) == PCI_BAR_MEM64 && n + 1 < PCI_NUM_BARS)
		return (uint64_t)get32(&d->config[PCI_BAR0 + 4 * (n + 1)]) << 32 | (lo & ~0xfu);
	return lo & ~0xfu;
}

struct pci_host *pci__host_new(void)
{
	struct pci_host *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	pthread_mutex_init(&h->lock, NULL);
	pci__dev_init(&h->bridge, PCI_HOST_VENDOR, PCI_HOST_DEVICE, PCI_CLASS_HOST_BRIDGE, 0);
	h->bridge.opaque = h;
	h->bridge.devfn = 0;
	h->devs[0] = &h->bridge;
	return h;
}

void pci__host_free(void *host)
{
	struct pci_host *h = host;

	if (!h)
		return;
	pthread_mutex_destroy(&h->lock);
	free(h);
}

int pci__add(struct pci_host *h, struct pci_dev *d, int devfn)
{
	int r = 0;

	if (devfn >= PCI_SLOTS * PCI_FUNCS)
		return -EINVAL;
	pthread_mutex_lock(&h->lock);
	if (devfn < 0) {
		for (unsigned slot = 0; slot < PCI_SLOTS && devfn < 0; slot++)
			if (!h->devs[PCI_DEVFN(slot, 0)])
				devfn = (int)PCI_DEVFN(slot, 0);
		if (devfn < 0)
			r = -ENOSPC;
	} else if (h->devs[devfn]) {
		r = -EEXIST;
	}
	if (r == 0) {
		d->devfn = devfn;
		h->devs[devfn] = d;
	}
	pthread_mutex_unlock(&h->lock);
	return r;
}

struct pci_dev *pci__find(struct pci_host *h, unsigned devfn)
{
	struct pci_dev *d;

	if (devfn >= PCI_SLOTS * PCI_FUNCS)
		return NULL;
	pthread_mutex_lock(&h->lock);
	d = h->devs[devfn];
	pthread_mutex_unlock(&h->lock);
	return d;
}

void pci__addr_io(void *host, uint64_t offset, uint8_t *data, unsigned len, bool is_write)
{
	struct pci_host *h = host;

	/* Only a dword at 0xCF8 is CONFIG_ADDRESS; narrower accesses are
	 * plain I/O cycles that nothing here claims. */
	if (offset != 0 || len != 4) {
		if (!is_write)
			memset(data, 0xff, len);
		return;
	}
	pthread_mutex_lock(&h->lock);
	if (is_write)
		h->addr = get32(data) & ADDR_KEPT;
	else
		put32(data, h->addr);
	pthread_mutex_unlock(&h->lock);
}

static void config_write(struct pci_dev *d, unsigned reg, const uint8_t *data, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint8_t *c = &d->config[reg + i];
		uint8_t w = d->wmask[reg + i];

		*c = (uint8_t)((*c & ~w) | (data[i] & w));
		*c &= (uint8_t) ~(data[i] & d->w1cmask[reg + i]);
	}
	if (d->config_write)
		d->config_write(d, reg, n);
}

void pci__data_io(void *host, uint64_t offset, uint8_t *data, unsigned len, bool is_write)
{
	struct pci_host *h = host;
	struct pci_dev *d = NULL;
	unsigned reg, n;

	if (!is_write)
		memset(data, 0xff, len);
	if (offset >= PCI_CONFIG_DATA_LEN)
		return;
	/* Bytes past 0xCFF are not part of the data port. */
	n = offset + len > PCI_CONFIG_DATA_LEN ? PCI_CONFIG_DATA_LEN - (unsigned)offset : len;
	pthread_mutex_lock(&h->lock);
	if ((h->addr & PCI_CONFIG_ENABLE) && ADDR_BUS(h->addr) == 0)
		d = h->devs[ADDR_DEVFN(h->addr)];
	reg = ADDR_REG(h->addr) + (unsigned)offset;
	if (d && !is_write) {
		if (d->config_read)
			d->config_read(d, reg, n);
		memcpy(data, &d->config[reg], n);
	} else if (d) {
		config_write(d, reg, data, n);
	}
	pthread_mutex_unlock(&h->lock);
}
