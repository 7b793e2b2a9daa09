/* i8042.h - the PC keyboard controller (8042) at ports 0x60 and 0x64: enough
 * for the reset command (0xFE), for Linux's i8042 and atkbd probes, and for
 * the A20 and output-port commands. No mouse is attached. */
#ifndef VMKIT_DEVICES_LEGACY_I8042_H
#define VMKIT_DEVICES_LEGACY_I8042_H

#include "devices/irq.h"
#include "devices/machine.h"

#include <stdbool.h>
#include <stdint.h>

#define I8042_DATA_PORT 0x60
#define I8042_CMD_PORT  0x64

struct i8042;

struct i8042 *i8042__new(const struct irq_line *kbd_irq, const struct machine_ctl *ctl);
void i8042__free(void *kbc);

/* Bus handlers: the data port (offset 0 of 0x60) and the command/status
 * port (offset 0 of 0x64). */
void i8042__data_io(void *kbc, uint64_t offset, uint8_t *data, unsigned len, bool is_write);
void i8042__cmd_io(void *kbc, uint64_t offset, uint8_t *data, unsigned len, bool is_write);

#endif
