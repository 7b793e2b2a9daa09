/* console.c - serial console on the host terminal (see console.h). */
#include "vm/console.h"

#include "devices/legacy/uart16550.h"
#include "vm/vm.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define CTRL_A 0x01

void console__open(struct console *c, int in_fd, int out_fd)
{
	struct termios t;

	memset(c, 0, sizeof(*c));
	c->in_fd = in_fd;
	c->out_fd = out_fd;
	c->in_open = in_fd >= 0;
	if (in_fd >= 0 && isatty(in_fd) && tcgetattr(in_fd, &c->saved) == 0) {
		t = c->saved;
		/* Raw input, as QEMU's -nographic: keys such as Ctrl-C go to the
		 * guest. Output processing stays on so a guest's bare "\n" still
		 * returns the carriage. */
		t.c_iflag &= (tcflag_t) ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR |
					  ICRNL | IXON);
		t.c_lflag &= (tcflag_t) ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
		t.c_cflag &= (tcflag_t) ~(CSIZE | PARENB);
		t.c_cflag |= CS8;
		t.c_cc[VMIN] = 1;
		t.c_cc[VTIME] = 0;
		if (tcsetattr(in_fd, TCSANOW, &t) == 0)
			c->raw = true;
	}
}

void console__close(struct console *c)
{
	if (c->raw)
		tcsetattr(c->in_fd, TCSANOW, &c->saved);
	c->raw = false;
}

void console__tx(void *ctx, uint8_t byte)
{
	struct console *c = ctx;
	ssize_t n;

	/* A closed or full stdout must not take the VMM down: the byte is
	 * dropped, as a serial line with nobody listening drops it. */
	do
		n = write(c->out_fd, &byte, 1);
	while (n < 0 && errno == EINTR);
}

int console__poll_fd(const struct console *c)
{
	/* Stop reading while earlier input waits for room in the UART. */
	return c->in_open && c->npending < sizeof(c->pending) ? c->in_fd : -1;
}

bool console__has_pending(const struct console *c)
{
	return c->npending > 0;
}

static void say(struct console *c, const char *s)
{
	ssize_t n = write(c->out_fd, s, strlen(s));

	(void)n;
}

/* Escape handling: returns true when the byte is for the guest. */
static bool filter(struct console *c, struct vm *vm, uint8_t *b)
{
	if (!c->escape) {
		if (*b == CTRL_A) {
			c->escape = true;
			return false;
		}
		return true;
	}
	c->escape = false;
	switch (*b) {
	case 'x':
	case 'X':
		say(c, "\r\nvmkit: terminated (Ctrl-A x)\r\n");
		vm__end(vm, VM_END_QUIT, 0, NULL);
		return false;
	case 'h':
	case 'H':
	case '?':
		say(c, "\r\nC-a x  quit\r\nC-a a  send C-a\r\nC-a h  this help\r\n");
		return false;
	case 'a':
	case CTRL_A:
		*b = CTRL_A;
		return true;
	default:
		return false;
	}
}

void console__pump(struct console *c, struct vm *vm, bool readable)
{
	uint8_t buf[256];
	size_t room = sizeof(c->pending) - c->npending, used;
	ssize_t n = 0;

	if (readable && c->in_open && room > 0) {
		n = read(c->in_fd, buf, room < sizeof(buf) ? room : sizeof(buf));
		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
			c->in_open = false; /* EOF: the guest just sees no more input */
		for (ssize_t i = 0; i < n && !vm__ending(vm); i++)
			if (filter(c, vm, &buf[i]))
				c->pending[c->npending++] = buf[i];
	}
	if (!c->npending || !vm->com1)
		return;
	used = uart__receive(vm->com1, c->pending, c->npending);
	memmove(c->pending, c->pending + used, c->npending - used);
	c->npending -= used;
}
