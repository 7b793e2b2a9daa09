/* pc.c - build the PC platform's legacy devices (see pc.h). */
#include "vm/pc.h"

#include "devices/legacy/acpi_pm.h"
#include "devices/legacy/debug_exit.h"
#include "devices/legacy/i8042.h"
#include "devices/legacy/pvpanic.h"
#include "devices/legacy/rtc.h"
#include "devices/legacy/uart16550.h"
#include "devices/pci/host.h"
#include "vm/console.h"
#include "vm/vm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The board's glue: what devices call to reach the machine. */
struct pc_board {
	struct machine_ctl ctl;
};

static void board_irq(void *ctx, unsigned line, int level)
{
	vm__irq_line(ctx, line, level);
}

static void board_request(void *ctx, enum machine_req req, unsigned value)
{
	struct vm *vm = ctx;

	switch (req) {
	case MACHINE_RESET:
		vm__end(vm, VM_END_RESET, 0, NULL);
		break;
	case MACHINE_POWEROFF:
		vm__end(vm, VM_END_POWEROFF, 0, NULL);
		break;
	case MACHINE_DEBUG_EXIT:
		vm__end(vm, VM_END_DEBUG_EXIT, (int)value, NULL);
		break;
	case MACHINE_PANIC:
		vm__end(vm, VM_END_PANIC, (int)value, NULL);
		break;
	}
}

/* Port 0x80: POST codes, and the traditional "wait a moment" write that
 * old drivers use as an I/O delay. Accepted and ignored. */
static void post_io(void *opaque, uint64_t offset, uint8_t *data, unsigned len, bool is_write)
{
	if (!is_write)
		memset(data, 0xff, len);
}

static int attach(struct vm *vm, uint64_t port, uint64_t len, bus_handler_fn fn, void *opaque,
		  const char *name, struct err *e)
{
	int r = bus__register(&vm->pio, port, len, fn, opaque, name);

	if (r < 0)
		return err__sys(e, -r, "%s at port 0x%llx", name, (unsigned long long)port);
	return 0;
}

/* Hand a new device's state to the machine for teardown. vm__add_device
 * frees it when its table is full. */
static int keep(struct vm *vm, void *state, void (*fini)(void *), struct err *e)
{
	if (!state)
		return err__set(e, ENOMEM, "out of memory");
	if (vm__add_device(vm, state, fini) < 0)
		return err__set(e, ENOSPC, "too many devices for the machine's table");
	return 0;
}

int pc__init(struct vm *vm, struct err *e)
{
	struct irq_line com1_irq = { board_irq, vm, PC_COM1_IRQ };
	struct irq_line kbd_irq = { board_irq, vm, PC_KBD_IRQ };
	struct irq_line sci = { board_irq, vm, PM_SCI_IRQ };
	struct pc_board *board;
	struct i8042 *kbc;
	struct pm *pm;
	struct rtc *rtc;
	int r;

	board = calloc(1, sizeof(*board));
	if (!board || vm__add_device(vm, board, free) < 0)
		return err__set(e, ENOMEM, "out of memory");
	board->ctl = (struct machine_ctl){ board_request, vm };

	vm->com1 = uart__new(&com1_irq, vm->console ? console__tx : NULL, vm->console);
	if (!vm->com1 || vm__add_device(vm, vm->com1, uart__free) < 0)
		return err__set(e, ENOMEM, "out of memory");
	r = attach(vm, PC_COM1_PORT, UART_NREGS, uart__io, vm->com1, "uart16550 (COM1)", e);
	if (r < 0)
		return r;

	kbc = i8042__new(&kbd_irq, &board->ctl);
	if (!kbc || vm__add_device(vm, kbc, i8042__free) < 0)
		return err__set(e, ENOMEM, "out of memory");
	r = attach(vm, I8042_DATA_PORT, 1, i8042__data_io, kbc, "i8042 data", e);
	if (r < 0)
		return r;
	r = attach(vm, I8042_CMD_PORT, 1, i8042__cmd_io, kbc, "i8042 command", e);
	if (r < 0)
		return r;

	rtc = rtc__new(NULL);
	if (!rtc || vm__add_device(vm, rtc, rtc__free) < 0)
		return err__set(e, ENOMEM, "out of memory");
	r = attach(vm, RTC_PORT, RTC_NPORTS, rtc__io, rtc, "rtc (CMOS)", e);
	if (r < 0)
		return r;

	r = attach(vm, PC_POST_PORT, 1, post_io, NULL, "port 0x80 (POST)", e);
	if (r < 0)
		return r;
	r = attach(vm, PVPANIC_PORT, 1, pvpanic__io, &board->ctl, "pvpanic", e);
	if (r < 0)
		return r;

	/* ACPI fixed hardware, as the FADT (vm/acpi.c) describes it. */
	pm = pm__new(&sci, &board->ctl, NULL);
	r = keep(vm, pm, pm__free, e);
	if (r < 0)
		return r;
	r = attach(vm, PM_PORT, PM_NPORTS, pm__io, pm, "acpi pm", e);
	if (r < 0)
		return r;
	r = attach(vm, PM_RESET_PORT, PM_RESET_LEN, pm__reset_io, pm, "reset control", e);
	if (r < 0)
		return r;

	/* PCI configuration mechanism #1: CONFIG_ADDRESS is a dword at 0xCF8
	 * (a range of one port, so 0xCF9 stays the reset register). */
	vm->pci = pci__host_new();
	r = keep(vm, vm->pci, pci__host_free, e);
	if (r < 0) {
		vm->pci = NULL;
		return r;
	}
	r = attach(vm, PCI_CONFIG_ADDR_PORT, 1, pci__addr_io, vm->pci, "pci config address", e);
	if (r < 0)
		return r;
	r = attach(vm, PCI_CONFIG_DATA_PORT, PCI_CONFIG_DATA_LEN, pci__data_io, vm->pci,
		   "pci config data", e);
	if (r < 0)
		return r;
	return attach(vm, DEBUG_EXIT_PORT, DEBUG_EXIT_LEN, debug_exit__io, &board->ctl,
		      "debug-exit", e);
}
