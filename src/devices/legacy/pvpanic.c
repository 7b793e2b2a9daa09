/* pvpanic.c - the paravirtual panic notifier (see pvpanic.h). */
#include "devices/legacy/pvpanic.h"

#include <string.h>

void pvpanic__io(void *opaque, uint64_t offset, uint8_t *data, unsigned len, bool is_write)
{
	const struct machine_ctl *ctl = opaque;

	if (!is_write) {
		memset(data, 0, len);
		data[0] = PVPANIC_PANICKED | PVPANIC_CRASH_LOADED;
		return;
	}
	if (data[0] & PVPANIC_PANICKED)
		machine_ctl__request(ctl, MACHINE_PANIC, data[0]);
}
