/* console.h - the host side of the guest's serial console: guest output to
 * stdout, stdin to the guest, the terminal in raw mode while a VM runs, and
 * QEMU's escape keys: Ctrl-A x quits, Ctrl-A Ctrl-A (or a) sends Ctrl-A,
 * Ctrl-A h shows help. */
#ifndef VMKIT_VM_CONSOLE_H
#define VMKIT_VM_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <termios.h>

struct vm;

struct console {
	int in_fd, out_fd;
	bool in_open; /* input not at EOF */
	bool raw;     /* the terminal was put in raw mode */
	struct termios saved;
	bool escape;          /* the last key was Ctrl-A */
	uint8_t pending[256]; /* input the UART had no room for yet */
	size_t npending;
};

/* in_fd < 0: no input. Raw mode only when in_fd is a terminal. */
void console__open(struct console *c, int in_fd, int out_fd);
void console__close(struct console *c);

/* UART transmit sink (ctx is the console). */
void console__tx(void *ctx, uint8_t byte);

/* For the machine's event loop: the fd to poll for input (-1 if none),
 * and whether input is waiting for room in the UART. */
int console__poll_fd(const struct console *c);
bool console__has_pending(const struct console *c);

/* Read input if readable (poll said so: the fd may block), act on
 * escapes, feed what is waiting to vm's COM1. */
void console__pump(struct console *c, struct vm *vm, bool readable);

#endif
