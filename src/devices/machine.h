/* machine.h - what a device may ask of the machine it sits in: to be reset,
 * powered off, or ended through the debug-exit port. The machine decides
 * what that means (reboot, or stop with --no-reboot). */
#ifndef VMKIT_DEVICES_MACHINE_H
#define VMKIT_DEVICES_MACHINE_H

enum machine_req { MACHINE_RESET, MACHINE_POWEROFF, MACHINE_DEBUG_EXIT, MACHINE_PANIC };

struct machine_ctl {
	void (*request)(void *ctx, enum machine_req req, unsigned value);
	void *ctx;
};

static inline void machine_ctl__request(const struct machine_ctl *m, enum machine_req req,
					unsigned value)
{
	if (m->request)
		m->request(m->ctx, req, value);
}

#endif
