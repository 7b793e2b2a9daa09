/* uart16550.c - 16550A UART model (see uart16550.h).
 *
 * Interrupt identification follows the data sheet's priority order: line
 * status, received data (or character timeout), THR empty, modem status.
 * The THRE interrupt is a latch: set when THR becomes empty (at once, here)
 * or when ETBEI is enabled with THR empty, cleared by writing THR or by
 * reading IIR while it is the reported source. Linux's 8250 driver and its
 * probe (scratch register, FIFO detection, loopback) rely on all of this. */
#include "devices/legacy/uart16550.h"

#include <pthread.h>
#include <stdlib.h>

struct uart {
	pthread_mutex_t lock;
	struct irq_line irq;
	uart_tx_fn tx;
	void *tx_ctx;

	uint8_t fifo[UART_FIFO_SIZE]; /* receive FIFO */
	unsigned rx_head, rx_count;
	uint8_t ier, fcr, lcr, mcr, lsr_err, msr, scr, dll, dlm;
	bool thr_latch; /* THRE interrupt pending */
	bool irq_level;
};

struct uart *uart__new(const struct irq_line *irq, uart_tx_fn tx, void *tx_ctx)
{
	struct uart *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	pthread_mutex_init(&u->lock, NULL);
	u->irq = *irq;
	u->tx = tx;
	u->tx_ctx = tx_ctx;
	/* Power-on: 9600 baud divisor, modem lines of an attached terminal. */
	u->dll = 12;
	u->msr = UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
	return u;
}

void uart__free(void *p)
{
	struct uart *u = p;

	if (!u)
		return;
	pthread_mutex_destroy(&u->lock);
	free(u);
}

static unsigned fifo_capacity(const struct uart *u)
{
	/* With FIFOs off the receiver holds one character. */
	return (u->fcr & UART_FCR_ENABLE) ? UART_FIFO_SIZE : 1;
}

static unsigned rx_trigger(const struct uart *u)
{
	static const unsigned level[4] = { 1, 4, 8, 14 };

	return (u->fcr & UART_FCR_ENABLE) ? level[u->fcr >> 6] : 1;
}

static bool rx_push(struct uart *u, uint8_t b)
{
	if (u->rx_count >= fifo_capacity(u)) {
		u->lsr_err |= UART_LSR_OE;
		/* Overrun: with FIFOs the character in the shift register is
		 * lost; without, it overwrites RBR, "destroying the previous
		 * character" (data sheet, LSR bit 1). */
		if (!(u->fcr & UART_FCR_ENABLE))
			u->fifo[u->rx_head] = b;
		return false;
	}
	u->fifo[(u->rx_head + u->rx_count) % UART_FIFO_SIZE] = b;
	u->rx_count++;
	return true;
}

static uint8_t rx_pop(struct uart *u)
{
	uint8_t b;

	if (!u->rx_count)
		return 0;
	b = u->fifo[u->rx_head];
	u->rx_head = (u->rx_head + 1) % UART_FIFO_SIZE;
	u->rx_count--;
	return b;
}

static uint8_t compute_iir(const struct uart *u)
{
	uint8_t fifo = (u->fcr & UART_FCR_ENABLE) ? UART_IIR_FIFO : 0;

	if ((u->ier & UART_IER_ELSI) && u->lsr_err)
		return fifo | UART_IIR_RLS;
	if ((u->ier & UART_IER_ERBFI) && u->rx_count) {
		/* Below the trigger level a real 16550 raises the timeout
		 * interrupt after four character times; we do it at once. */
		if ((u->fcr & UART_FCR_ENABLE) && u->rx_count < rx_trigger(u))
			return fifo | UART_IIR_CTI;
		return fifo | UART_IIR_RDA;
	}
	if ((u->ier & UART_IER_ETBEI) && u->thr_latch)
		return fifo | UART_IIR_THRE;
	if ((u->ier & UART_IER_EDSSI) && (u->msr & 0x0f))
		return fifo | UART_IIR_MSR;
	return fifo | UART_IIR_NONE;
}

/* Interrupt line from IIR. Like QEMU's model, and unlike a PC's wiring, the
 * line is not gated by MCR.OUT2: test kernels written for QEMU expect
 * interrupts without setting it. */
static void update_irq(struct uart *u)
{
	bool level = !(compute_iir(u) & UART_IIR_NONE);

	if (level != u->irq_level) {
		u->irq_level = level;
		irq_line__set(&u->irq, level);
	}
}

/* In loopback the modem inputs are wired to the modem outputs. */
static uint8_t loop_msr(uint8_t mcr)
{
	return (uint8_t)(((mcr & UART_MCR_RTS) ? UART_MSR_CTS : 0) |
			 ((mcr & UART_MCR_DTR) ? UART_MSR_DSR : 0) |
			 ((mcr & UART_MCR_OUT1) ? UART_MSR_RI : 0) |
			 ((mcr & UART_MCR_OUT2) ? UART_MSR_DCD : 0));
}

static void set_msr_lines(struct uart *u, uint8_t lines)
{
	uint8_t old = u->msr & 0xf0, delta = 0;

	if ((old ^ lines) & UART_MSR_CTS)
		delta |= 0x01;
	if ((old ^ lines) & UART_MSR_DSR)
		delta |= 0x02;
	if ((old & UART_MSR_RI) && !(lines & UART_MSR_RI))
		delta |= 0x04; /* trailing edge of ring indicator */
	if ((old ^ lines) & UART_MSR_DCD)
		delta |= 0x08;
	u->msr = (uint8_t)(lines | (u->msr & 0x0f) | delta);
}

static uint8_t reg_read(struct uart *u, unsigned reg)
{
	uint8_t v;

	switch (reg) {
	case UART_RBR_THR_DLL:
		if (u->lcr & UART_LCR_DLAB)
			return u->dll;
		return rx_pop(u);
	case UART_IER_DLM:
		return (u->lcr & UART_LCR_DLAB) ? u->dlm : u->ier;
	case UART_IIR_FCR:
		v = compute_iir(u);
		if ((v & 0x0f) == UART_IIR_THRE)
			u->thr_latch = false;
		return v;
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		v = (uint8_t)(UART_LSR_THRE | UART_LSR_TEMT | u->lsr_err |
			      (u->rx_count ? UART_LSR_DR : 0));
		u->lsr_err = 0; /* error bits clear on read */
		return v;
	case UART_MSR:
		v = u->msr;
		u->msr &= 0xf0; /* delta bits clear on read */
		return v;
	default:
		return u->scr;
	}
}

static void reg_write(struct uart *u, unsigned reg, uint8_t v)
{
	switch (reg) {
	case UART_RBR_THR_DLL:
		if (u->lcr & UART_LCR_DLAB) {
			u->dll = v;
			return;
		}
		if (u->mcr & UART_MCR_LOOP)
			rx_push(u, v);
		else if (u->tx)
			u->tx(u->tx_ctx, v);
		/* Sent at once: THR is empty again and says so. */
		u->thr_latch = true;
		return;
	case UART_IER_DLM:
		if (u->lcr & UART_LCR_DLAB) {
			u->dlm = v;
			return;
		}
		/* Enabling ETBEI while THR is empty interrupts at once. */
		if ((v & UART_IER_ETBEI) && !(u->ier & UART_IER_ETBEI))
			u->thr_latch = true;
		u->ier = v & 0x0f;
		return;
	case UART_IIR_FCR:
		if ((v ^ u->fcr) & UART_FCR_ENABLE) {
			u->rx_count = 0; /* switching FIFO mode resets them */
			u->rx_head = 0;
		}
		if (v & UART_FCR_CLEAR_RX) {
			u->rx_count = 0;
			u->rx_head = 0;
		}
		u->fcr = v & 0xc9; /* trigger level, DMA mode, enable */
		return;
	case UART_LCR:
		u->lcr = v;
		return;
	case UART_MCR:
		u->mcr = v & 0x1f;
		if (u->mcr & UART_MCR_LOOP)
			set_msr_lines(u, loop_msr(u->mcr));
		else
			set_msr_lines(u, UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS);
		return;
	case UART_LSR:
	case UART_MSR:
		return; /* read-only (factory test writes are ignored) */
	default:
		u->scr = v;
		return;
	}
}

void uart__io(void *opaque, uint64_t offset, uint8_t *data, unsigned len, bool is_write)
{
	struct uart *u = opaque;

	pthread_mutex_lock(&u->lock);
	for (unsigned i = 0; i < len; i++) {
		/* The bus only routes offsets inside our 8 registers; a wide
		 * access at offset 7 spills past it and reads as all ones. */
		unsigned reg = (unsigned)offset + i;

		if (reg >= UART_NREGS) {
			if (!is_write)
				data[i] = 0xff;
			continue;
		}
		if (is_write)
			reg_write(u, reg, data[i]);
		else
			data[i] = reg_read(u, reg);
	}
	update_irq(u);
	pthread_mutex_unlock(&u->lock);
}

size_t uart__receive(struct uart *u, const uint8_t *buf, size_t n)
{
	size_t i;

	pthread_mutex_lock(&u->lock);
	/* In loopback the receiver hears only the transmitter. */
	if (u->mcr & UART_MCR_LOOP) {
		pthread_mutex_unlock(&u->lock);
		return 0;
	}
	for (i = 0; i < n && u->rx_count < fifo_capacity(u); i++)
		rx_push(u, buf[i]);
	update_irq(u);
	pthread_mutex_unlock(&u->lock);
	return i;
}
