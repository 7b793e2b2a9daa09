/* host.h - the PCI host bridge: configuration mechanism #1 on ports 0xCF8
 * (CONFIG_ADDRESS) and 0xCFC-0xCFF (CONFIG_DATA), as the PCI Local Bus
 * Specification 3.0, section 3.2.2.3.2 defines it, in front of a registry
 * of PCI functions on bus 0. Device 00:00.0 is the host bridge itself.
 *
 * CONFIG_ADDRESS is a 32-bit register: bit 31 enables the data port, bits
 * 23-16 select the bus, 15-11 the device, 10-8 the function and 7-2 the
 * dword register; it reads back what was written. Only 32-bit accesses to
 * 0xCF8 reach it: byte and word accesses to 0xCF8-0xCFB are ordinary I/O
 * (0xCF9 is the reset control register, devices/legacy/acpi_pm.h). The
 * data port accepts any width at any of its four byte offsets. Functions
 * that are not there read as all ones (vendor 0xFFFF) and ignore writes.
 *
 * A function is a struct pci_dev that its device model owns and
 * registers: 256 bytes of configuration space (header type 0, section
 * 6.1), a mask of the bits the guest may write (the rest are read-only)
 * and one of write-1-to-clear bits, and optional callbacks. The host
 * serializes every configuration access under its lock and calls the
 * callbacks with it held: they must not call back into the host. */
#ifndef VMKIT_DEVICES_PCI_HOST_H
#define VMKIT_DEVICES_PCI_HOST_H

#include <stdbool.h>
#include <stdint.h>

#define PCI_CONFIG_ADDR_PORT 0xcf8
#define PCI_CONFIG_DATA_PORT 0xcfc
#define PCI_CONFIG_DATA_LEN  4

#define PCI_CONFIG_ENABLE   0x80000000u
#define PCI_CONFIG_SIZE     256
#define PCI_SLOTS           32
#define PCI_FUNCS           8
#define PCI_DEVFN(slot, fn) ((unsigned)(((slot) << 3) | (fn)))

/* Type 0 configuration header offsets (PCI 3.0 section 6.1). */
enum pci_cfg {
	PCI_VENDOR_ID = 0x00,
	PCI_DEVICE_ID = 0x02,
	PCI_COMMAND = 0x04,
	PCI_STATUS = 0x06,
	PCI_REVISION_ID = 0x08,
	PCI_CLASS_PROG = 0x09,
	PCI_CLASS_DEVICE = 0x0a, /* sub-class, base class */
	PCI_CACHE_LINE_SIZE = 0x0c,
	PCI_LATENCY_TIMER = 0x0d,
	PCI_HEADER_TYPE = 0x0e,
	PCI_BAR0 = 0x10,
	PCI_SUBSYSTEM_VENDOR_ID = 0x2c,
	PCI_SUBSYSTEM_ID = 0x2e,
	PCI_ROM_ADDRESS = 0x30,
	PCI_CAPABILITY_LIST = 0x34,
	PCI_INTERRUPT_LINE = 0x3c,
	PCI_INTERRUPT_PIN = 0x3d,
};

#define PCI_NUM_BARS 6

#define PCI_COMMAND_IO       0x0001
#define PCI_COMMAND_MEMORY   0x0002
#define PCI_COMMAND_MASTER   0x0004
#define PCI_COMMAND_PARITY   0x0040
#define PCI_COMMAND_SERR     0x0100
#define PCI_COMMAND_INTX_OFF 0x0400
#define PCI_STATUS_CAP_LIST  0x0010
#define PCI_STATUS_ERRORS    0xf900 /* the write-1-to-clear error bits */

/* BAR type bits (PCI 3.0 section 6.2.5.1). */
#define PCI_BAR_IO       0x1
#define PCI_BAR_MEM32    0x0
#define PCI_BAR_MEM64    0x4
#define PCI_BAR_PREFETCH 0x8

/* Class code of a host bridge: base class 06h (bridge), sub-class 00h. */
#define PCI_CLASS_HOST_BRIDGE 0x060000u

/* The host bridge's identity: the "virtual PCIe host" ID in Intel's vendor
 * space that cloud-hypervisor (pci/src/bus.rs) and Dragonball also give
 * their generic root bridge. It is not a real part: no driver binds to it
 * and no chipset quirk matches it; Linux only needs a class 06/00 device. */
#define PCI_HOST_VENDOR 0x8086
#define PCI_HOST_DEVICE 0x0d57

struct pci_dev {
	uint8_t config[PCI_CONFIG_SIZE];
	uint8_t wmask[PCI_CONFIG_SIZE];   /* bits the guest may write */
	uint8_t w1cmask[PCI_CONFIG_SIZE]; /* bits a guest 1 clears (status) */
	/* Optional. Before a read of [off, off+len): refresh config[]. */
	void (*config_read)(struct pci_dev *d, unsigned off, unsigned len);
	/* Optional. After a write of [off, off+len) has been applied to
	 * config[] through the masks: react (BAR moved, decoding on, ...). */
	void (*config_write)(struct pci_dev *d, unsigned off, unsigned len);
	void *opaque; /* the device model's state */
	int devfn;    /* set by pci__add; -1 until then */
};

struct pci_host;

struct pci_host *pci__host_new(void);
void pci__host_free(void *host);

/* Bus handlers: CONFIG_ADDRESS (register at 0xCF8 with length 1: only a
 * 32-bit access at offset 0 reaches the register) and CONFIG_DATA (0xCFC,
 * length 4). */
void pci__addr_io(void *host, uint64_t offset, uint8_t *data, unsigned len, bool is_write);
void pci__data_io(void *host, uint64_t offset, uint8_t *data, unsigned len, bool is_write);

/* Fill a type 0 header: identity, class (base << 16 | sub << 8 | prog-if),
 * and the usual writable fields (command, cache line size, latency timer,
 * interrupt line) and write-1-to-clear status bits. No BARs, no ROM. */
void pci__dev_init(struct pci_dev *d, uint16_t vendor, uint16_t device, uint32_t class_code,
		   uint8_t revision);

/* Make BAR n (0-5) a power-of-two region of size bytes: type bits
 * PCI_BAR_IO or PCI_BAR_MEM32 / PCI_BAR_MEM64 (| PCI_BAR_PREFETCH). A
 * 64-bit BAR takes n and n + 1. Writing all ones then reads back the size
 * mask, as sizing software expects. -EINVAL for a bad BAR, size or type. */
int pci__set_bar(struct pci_dev *d, int n, uint64_t size, uint32_t type);

/* Where BAR n currently points (0 if unassigned); for 64-bit BARs, both
 * halves. */
uint64_t pci__bar_addr(const struct pci_dev *d, int n);

/* Register a function at devfn on bus 0, or at function 0 of the first
 * free slot when devfn < 0. -EEXIST when taken, -ENOSPC when full,
 * -EINVAL out of range. The device stays owned by the caller. */
int pci__add(struct pci_host *h, struct pci_dev *d, int devfn);

/* The function at devfn on bus 0, or NULL. */
struct pci_dev *pci__find(struct pci_host *h, unsigned devfn);

#endif
