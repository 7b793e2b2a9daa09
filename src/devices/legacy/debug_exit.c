/* debug_exit.c - the debug-exit port (see debug_exit.h). */
#include "devices/legacy/debug_exit.h"

#include <string.h>

void debug_exit__io(void *opaque, uint64_t offset, uint8_t *data, unsigned len, bool is_write)
{
	const struct machine_ctl *ctl = opaque;
	unsigned v = 0;

	if (!is_write) {
		memset(data, 0xff, len);
		return;
	}
	/* The value is the access as written, whatever its width. */
	for (unsigned i = 0; i < len && i < 4; i++)
		v |= (unsigned)data[i] << (8 * i);
	machine_ctl__request(ctl, MACHINE_DEBUG_EXIT, v);
}
