/* test_uart.c - black-box tests of the 16550A UART model (src/devices/legacy/uart16550.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "devices/legacy/uart16550.h"

#include <string.h>

#define COM1_IRQ 4

/* Fake interrupt line: every level change, in order. */
struct fake_irq {
	int events[64];
	int n;
	int level;
	unsigned line;
};

/* Fake host sink: every transmitted byte. */
struct fake_tx {
	uint8_t bytes[256];
	size_t n;
};

struct fixture {
	struct fake_irq irq;
	struct fake_tx tx;
	struct uart *u;
};

static void fake_irq_set(void *ctx, unsigned line, int level)
{
	struct fake_irq *f = ctx;

	assert_true(f->n < (int)(sizeof(f->events) / sizeof(f->events[0])));
	f->events[f->n++] = level;
	f->level = level;
	f->line = line;
}

static void fake_tx_byte(void *ctx, uint8_t byte)
{
	struct fake_tx *t = ctx;

	assert_true(t->n < sizeof(t->bytes));
	t->bytes[t->n++] = byte;
}

static int setup(void **state)
{
	struct fixture *f = test_calloc(1, sizeof(*f));
	struct irq_line line;

	if (!f)
		return -1;
	line = (struct irq_line){ .set = fake_irq_set, .ctx = &f->irq, .line = COM1_IRQ };
	f->u = uart__new(&line, fake_tx_byte, &f->tx);
	if (!f->u) {
		test_free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	uart__free(f->u);
	test_free(f);
	return 0;
}

static void wr(struct fixture *f, unsigned reg, uint8_t v)
{
	uart__io(f->u, reg, &v, 1, true);
}

static uint8_t rd(struct fixture *f, unsigned reg)
{
	uint8_t v = 0x5a;

	uart__io(f->u, reg, &v, 1, false);
	return v;
}

static size_t rx(struct fixture *f, const char *s, size_t n)
{
	return uart__receive(f->u, (const uint8_t *)s, n);
}

static void test_thr_write_reaches_tx(void **state)
{
	struct fixture *f = *state;

	wr(f, UART_RBR_THR_DLL, 'h');
	wr(f, UART_RBR_THR_DLL, 'i');
	wr(f, UART_RBR_THR_DLL, 0);
	wr(f, UART_RBR_THR_DLL, 0xff);
	assert_int_equal(f->tx.n, 4);
	assert_memory_equal(f->tx.bytes, "hi\0\xff", 4);
	/* Nothing enabled, nothing raised. */
	assert_int_equal(f->irq.n, 0);
	assert_int_equal(rd(f, UART_IIR_FCR), UART_IIR_NONE);
}

static void test_dlab_switches_divisor_latch(void **state)
{
	struct fixture *f = *state;

	wr(f, UART_IER_DLM, 0x05);
	wr(f, UART_LCR, UART_LCR_DLAB | 0x03);
	assert_int_equal(rd(f, UART_LCR), 0x83);
	wr(f, UART_RBR_THR_DLL, 0x34);
	wr(f, UART_IER_DLM, 0x12);
	assert_int_equal(rd(f, UART_RBR_THR_DLL), 0x34);
	assert_int_equal(rd(f, UART_IER_DLM), 0x12);
	/* The divisor writes were not data and did not touch IER. */
	assert_int_equal(f->tx.n, 0);

	wr(f, UART_LCR, 0x03);
	assert_int_equal(rd(f, UART_IER_DLM), 0x05);
	wr(f, UART_RBR_THR_DLL, 'x');
	assert_int_equal(f->tx.n, 1);
	assert_int_equal(f->tx.bytes[0], 'x');
	assert_int_equal(rx(f, "y", 1), 1);
	assert_int_equal(rd(f, UART_RBR_THR_DLL), 'y');

	/* The latch kept its value while DLAB was clear. */
	wr(f, UART_LCR, UART_LCR_DLAB);
	assert_int_equal(rd(f, UART_RBR_THR_DLL), 0x34);
	assert_int_equal(rd(f, UART_IER_DLM), 0x12);
	wr(f, UART_LCR, 0);
	assert_int_equal(rd(f, UART_IER_DLM), 0x05);
}

static void test_scratch_register(void **state)
{
	struct fixture *f = *state;

	wr(f, UART_SCR, 0xa5);
	assert_int_equal(rd(f, UART_SCR), 0xa5);
	wr(f, UART_SCR, 0x5a);
	assert_int_equal(rd(f, UART_SCR), 0x5a);
	wr(f, UART_LCR, UART_LCR_DLAB);
	assert_int_equal(rd(f, UART_SCR), 0x5a);
}

static void test_lsr_thre_temt_and_dr(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(rd(f, UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
	wr(f, UART_RBR_THR_DLL, 'a');
	assert_int_equal(rd(f, UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
	assert_int_equal(rx(f, "b", 1), 1);
	assert_int_equal(rd(f, UART_LSR), UART_LSR_THRE | UART_LSR_TEMT | UART_LSR_DR);
	/* Reading LSR does not consume data. */
	assert_int_equal(rd(f, UART_LSR), UART_LSR_THRE | UART_LSR_TEMT | UART_LSR_DR);
	assert_int_equal(rd(f, UART_RBR_THR_DLL), 'b');
	assert_int_equal(rd(f, UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
}

static void test_receive_fifo_capacity(void **state)
{
	struct fixture *f = *state;
	char buf[20];

	for (int i = 0; i < 20; i++)
		buf[i] = (char)('A' + i);
	/* FIFOs off: the receiver holds one character. */
	assert_int_equal(rx(f, buf, 3), 1);
	assert_int_equal(rx(f, buf + 1, 1), 0);
	assert_int_equal(rd(f, UART_RBR_THR_DLL), 'A');
	assert_int_equal(rd(f, UART_LSR) & UART_LSR_DR, 0);

	/* FIFOs on: sixteen. */
	wr(f, UART_IIR_FCR, UART_FCR_ENABLE);
	assert_int_equal(rx(f, buf, 20), 16);
	assert_int_equal(rx(f, buf, 1), 0);
	/* A full host-side FIFO is flow control, not a line overrun. */
	assert_int_equal(rd(f, UART_LSR), UART_LSR_THRE | UART_LSR_TEMT | UART_LSR_DR);
	for (int i = 0; i < 16; i++) {
		assert_int_equal(rd(f, UART_LSR) & UART_LSR_DR, UART_LSR_DR);
		assert_int_equal(rd(f, UART_RBR_THR_DLL), 'A' + i);
	}
	assert_int_equal(rd(f, UART_LSR) & UART_LSR_DR, 0);
	/* Room again, and the ring wraps in order. */
	assert_int_equal(rx(f, buf + 4, 10), 10);
	assert_int_equal(rx(f, buf + 14, 6), 6);
	for (int i = 0; i < 16; i++)
		assert_int_equal(rd(f, UART_RBR_THR_DLL), 'E' + i);
	assert_int_equal(rd(f, UART_LSR) & UART_LSR_DR, 0);
}

static void test_iir_none_and_fifo_bits(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(rd(f, UART_IIR_FCR), 0x01);
	wr(f, UART_IIR_FCR, UART_FCR_ENABLE);
	assert_int_equal(rd(f, UART_IIR_FCR), 0xc1);
	wr(f, UART_IIR_FCR, 0);
	assert_int_equal(rd(f, UART_IIR_FCR), 0x01);
}

static void test_iir_rda_and_timeout_by_trigger_level(void **state)
{
	struct fixture *f = *state;
	static const struct {
		uint8_t fcr;
		unsigned trigger;
	} levels[] = { { 0x01, 1 }, { 0x41, 4 }, { 0x81, 8 }, { 0xc1, 14 } };

	wr(f, UART_IER_DLM, UART_IER_ERBFI);
	/* FIFOs off: one character is "received data available". */
	assert_int_equal(rx(f, "z", 1), 1);
	assert_int_equal(rd(f, UART_IIR_FCR), 0x04);
	assert_int_equal(rd(f, UART_RBR_THR_DLL), 'z');
	assert_int_equal(rd(f, UART_IIR_FCR), 0x01);

	for (unsigned l = 0; l < 4; l++) {
		unsigned t = levels[l].trigger;

		wr(f, UART_IIR_FCR, levels[l].fcr | UART_FCR_CLEAR_RX);
		assert_int_equal(rd(f, UART_IIR_FCR), 0xc1);
		for (unsigned i = 1; i < t; i++) {
			assert_int_equal(rx(f, "d", 1), 1);
			assert_int_equal(rd(f, UART_IIR_FCR), 0xcc);
		}
		assert_int_equal(rx(f, "d", 1), 1);
		assert_int_equal(rd(f, UART_IIR_FCR), 0xc4);
		assert_int_equal(rx(f, "d", 1), 1);
		assert_int_equal(rd(f, UART_IIR_FCR), 0xc4);
		/* Falling below the trigger level again gives the timeout. */
		rd(f, UART_RBR_THR_DLL);
		rd(f, UART_RBR_THR_DLL);
		if (t > 1)
			assert_int_equal(rd(f, UART_IIR_FCR), 0xcc);
		for (unsigned i = 0; i + 1 < t; i++)
			rd(f, UART_RBR_THR_DLL);
		assert_int_equal(rd(f, UART_IIR_FCR), 0xc1);
	}
}

static void test_iir_thre_on_etbei(void **state)
{
	struct fixture *f = *state;

	wr(f, UART_IER_DLM, UART_IER_ETBEI);
	assert_int_equal(f->irq.n, 1);
	assert_int_equal(f->irq.events[0], 1);
	assert_int_equal(f->irq.line, COM1_IRQ);
	assert_int_equal(rd(f, UART_IIR_FCR), 0x02);
	/* Reading IIR while THRE is the source cleared it. */
	assert_int_equal(f->irq.n, 2);
	assert_int_equal(f->irq.events[1], 0);
	assert_int_equal(rd(f, UART_IIR_FCR), 0x01);
	/* Rewriting the same IER does not re-arm it... */
	wr(f, UART_IER_DLM, UART_IER_ETBEI);
	assert_int_equal(rd(f, UART_IIR_FCR), 0x01);
	assert_int_equal(f->irq.n, 2);
	/* ...a THR write does. */
	wr(f, UART_RBR_THR_DLL, '!');
	assert_int_equal(f->irq.n, 3);
	assert_int_equal(f->irq.events[2], 1);
	wr(f, UART_IIR_FCR, UART_FCR_ENABLE);
	assert_int_equal(rd(f, UART_IIR_FCR), 0xc2);
	assert_int_equal(rd(f, UART_IIR_FCR), 0xc1);
	assert_int_equal(f->irq.n, 4);
	assert_int_equal(f->irq.events[3], 0);
	/* Disabling and enabling ETBEI again interrupts at once. */
	wr(f, UART_IER_DLM, 0);
	wr(f, UART_IER_DLM, UART_IER_ETBEI);
	assert_int_equal(f->irq.n, 5);
	assert_int_equal(f->irq.events[4], 1);
	/* Disabling it lowers the line. */
	wr(f, UART_IER_DLM, 0);
	assert_int_equal(f->irq.n, 6);
	assert_int_equal(f->irq.events[5], 0);
	assert_int_equal(f->irq.level, 0);
}

static void test_iir_priorities(void **state)
{
	struct fixture *f = *state;

	/* Loopback, FIFOs off: a second byte overruns the first. */
	wr(f, UART_MCR, UART_MCR_LOOP);
	rd(f, UART_MSR); /* drop the deltas from entering loopback */
	wr(f, UART_IER_DLM, UART_IER_ERBFI | UART_IER_ETBEI | UART_IER_ELSI | UART_IER_EDSSI);
	assert_int_equal(rd(f, UART_IIR_FCR), 0x02);
	assert_int_equal(rd(f, UART_IIR_FCR), 0x01);
	wr(f, UART_RBR_THR_DLL, 0x11);
	wr(f, UART_RBR_THR_DLL, 0x22);
	/* Modem status change pending too (RTS -> CTS). */
	wr(f, UART_MCR, UART_MCR_LOOP | UART_MCR_RTS);
	assert_int_equal(f->irq.level, 1);
	/* Line status first; reading IIR does not clear it. */
	assert_int_equal(rd(f, UART_IIR_FCR), 0x06);
	assert_int_equal(rd(f, UART_IIR_FCR), 0x06);
	assert_int_equal(rd(f, UART_LSR) & UART_LSR_OE, UART_LSR_OE);
	/* Then received data; reading IIR leaves the THRE latch alone. */
	assert_int_equal(rd(f, UART_IIR_FCR), 0x04);
	assert_int_equal(rd(f, UART_IIR_FCR), 0x04);
	rd(f, UART_RBR_THR_DLL);
	/* Then THR empty, cleared by this read. */
	assert_int_equal(rd(f, UART_IIR_FCR), 0x02);
	/* Then modem status, cleared by reading MSR. */
	assert_int_equal(rd(f, UART_IIR_FCR), 0x00);
	assert_int_equal(f->irq.level, 1);
	assert_int_equal(rd(f, UART_MSR), UART_MSR_CTS | 0x01);
	assert_int_equal(rd(f, UART_IIR_FCR), 0x01);
	assert_int_equal(f->irq.level, 0);
}

static void test_irq_follows_received_data(void **state)
{
	struct fixture *f = *state;

	wr(f, UART_IER_DLM, UART_IER_ERBFI);
	assert_int_equal(f->irq.n, 0);
	assert_int_equal(rx(f, "q", 1), 1);
	assert_int_equal(f->irq.n, 1);
	assert_int_equal(f->irq.events[0], 1);
	/* Reading IIR or LSR does not lower it; reading the data does. */
	rd(f, UART_IIR_FCR);
	rd(f, UART_LSR);
	assert_int_equal(f->irq.n, 1);
	assert_int_equal(rd(f, UART_RBR_THR_DLL), 'q');
	assert_int_equal(f->irq.n, 2);
	assert_int_equal(f->irq.events[1], 0);
	/* A byte arriving with ERBFI off raises nothing; enabling it does. */
	wr(f, UART_IER_DLM, 0);
	assert_int_equal(rx(f, "r", 1), 1);
	assert_int_equal(f->irq.n, 2);
	wr(f, UART_IER_DLM, UART_IER_ERBFI);
	assert_int_equal(f->irq.n, 3);
	assert_int_equal(f->irq.events[2], 1);
	wr(f, UART_IER_DLM, 0);
	assert_int_equal(f->irq.n, 4);
	assert_int_equal(f->irq.events[3], 0);
}

static void test_fcr_clear_rx(void **state)
{
	struct fixture *f = *state;

	wr(f, UART_IIR_FCR, UART_FCR_ENABLE);
	wr(f, UART_IER_DLM, UART_IER_ERBFI);
	assert_int_equal(rx(f, "hello", 5), 5);
	assert_int_equal(f->irq.level, 1);
	wr(f, UART_IIR_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR_RX);
	assert_int_equal(rd(f, UART_LSR) & UART_LSR_DR, 0);
	assert_int_equal(rd(f, UART_IIR_FCR), 0xc1);
	assert_int_equal(f->irq.level, 0);
	/* Still in FIFO mode: sixteen fit again, oldest first. */
	assert_int_equal(rx(f, "0123456789abcdefXYZ", 19), 16);
	assert_int_equal(rd(f, UART_RBR_THR_DLL), '0');
	assert_int_equal(rd(f, UART_RBR_THR_DLL), '1');
	/* Turning FIFO mode off empties the FIFO too. */
	wr(f, UART_IIR_FCR, 0);
	assert_int_equal(rd(f, UART_LSR) & UART_LSR_DR, 0);
}

static void test_loopback(void **state)
{
	struct fixture *f = *state;

	wr(f, UART_IIR_FCR, UART_FCR_ENABLE);
	wr(f, UART_MCR, UART_MCR_LOOP);
	assert_int_equal(rd(f, UART_MCR), UART_MCR_LOOP);
	wr(f, UART_RBR_THR_DLL, 0x5a);
	wr(f, UART_RBR_THR_DLL, 0xa5);
	assert_int_equal(f->tx.n, 0);
	assert_int_equal(rd(f, UART_LSR), UART_LSR_THRE | UART_LSR_TEMT | UART_LSR_DR);
	assert_int_equal(rd(f, UART_RBR_THR_DLL), 0x5a);
	assert_int_equal(rd(f, UART_RBR_THR_DLL), 0xa5);
	/* The receiver hears only the transmitter. */
	assert_int_equal(rx(f, "no", 2), 0);
	assert_int_equal(rd(f, UART_LSR) & UART_LSR_DR, 0);

	/* Modem inputs follow the modem outputs. */
	wr(f, UART_MCR, UART_MCR_LOOP | UART_MCR_RTS);
	assert_int_equal(rd(f, UART_MSR) & 0xf0, UART_MSR_CTS);
	wr(f, UART_MCR, UART_MCR_LOOP | UART_MCR_DTR);
	assert_int_equal(rd(f, UART_MSR) & 0xf0, UART_MSR_DSR);
	wr(f, UART_MCR, UART_MCR_LOOP | UART_MCR_OUT1);
	assert_int_equal(rd(f, UART_MSR) & 0xf0, UART_MSR_RI);
	wr(f, UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2);
	assert_int_equal(rd(f, UART_MSR) & 0xf0, UART_MSR_DCD);
	wr(f, UART_MCR, 0x1f);
	assert_int_equal(rd(f, UART_MSR) & 0xf0, 0xf0);
	wr(f, UART_MCR, UART_MCR_LOOP);
	assert_int_equal(rd(f, UART_MSR) & 0xf0, 0x00);

	/* Out of loopback: bytes go to the host again and come in from it. */
	wr(f, UART_MCR, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2);
	wr(f, UART_RBR_THR_DLL, 'k');
	assert_int_equal(f->tx.n, 1);
	assert_int_equal(f->tx.bytes[0], 'k');
	assert_int_equal(rd(f, UART_LSR) & UART_LSR_DR, 0);
	assert_int_equal(rx(f, "ok", 2), 2);
	assert_int_equal(rd(f, UART_RBR_THR_DLL), 'o');
}

static void test_msr_delta_bits_clear_on_read(void **state)
{
	struct fixture *f = *state;

	/* Power-on lines are DCD, DSR and CTS; entering loopback with all
	 * outputs low drops the three: DDCD, DDSR and DCTS. */
	assert_int_equal(rd(f, UART_MSR), UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS);
	wr(f, UART_MCR, UART_MCR_LOOP);
	assert_int_equal(rd(f, UART_MSR), 0x0b);
	assert_int_equal(rd(f, UART_MSR), 0x00);
	/* RI rising is no event; TERI is the trailing edge only. */
	wr(f, UART_MCR, UART_MCR_LOOP | UART_MCR_OUT1);
	assert_int_equal(rd(f, UART_MSR), UART_MSR_RI);
	wr(f, UART_MCR, UART_MCR_LOOP);
	assert_int_equal(rd(f, UART_MSR), 0x04);
	assert_int_equal(rd(f, UART_MSR), 0x00);
	/* Deltas accumulate until read. */
	wr(f, UART_MCR, UART_MCR_LOOP | UART_MCR_RTS);
	wr(f, UART_MCR, UART_MCR_LOOP | UART_MCR_RTS | UART_MCR_DTR);
	assert_int_equal(rd(f, UART_MSR), UART_MSR_CTS | UART_MSR_DSR | 0x03);
	assert_int_equal(rd(f, UART_MSR), UART_MSR_CTS | UART_MSR_DSR);
	/* MSR is read-only. */
	wr(f, UART_MSR, 0x0f);
	assert_int_equal(rd(f, UART_MSR), UART_MSR_CTS | UART_MSR_DSR);
}

static void test_overrun_in_fifo_mode(void **state)
{
	struct fixture *f = *state;

	wr(f, UART_IIR_FCR, UART_FCR_ENABLE);
	wr(f, UART_MCR, UART_MCR_LOOP);
	for (int i = 0; i < 16; i++)
		wr(f, UART_RBR_THR_DLL, (uint8_t)i);
	assert_int_equal(rd(f, UART_LSR), UART_LSR_THRE | UART_LSR_TEMT | UART_LSR_DR);
	wr(f, UART_RBR_THR_DLL, 0x99);
	assert_int_equal(rd(f, UART_LSR),
			 UART_LSR_THRE | UART_LSR_TEMT | UART_LSR_DR | UART_LSR_OE);
	/* OE clears on read. */
	assert_int_equal(rd(f, UART_LSR), UART_LSR_THRE | UART_LSR_TEMT | UART_LSR_DR);
	/* Data sheet: the character in the shift register is overwritten,
	 * not transferred to the FIFO. */
	for (int i = 0; i < 16; i++)
		assert_int_equal(rd(f, UART_RBR_THR_DLL), i);
	assert_int_equal(rd(f, UART_LSR) & UART_LSR_DR, 0);
}

static void test_overrun_in_16450_mode(void **state)
{
	struct fixture *f = *state;

	wr(f, UART_MCR, UART_MCR_LOOP);
	wr(f, UART_RBR_THR_DLL, 0x11);
	assert_int_equal(rd(f, UART_LSR), UART_LSR_THRE | UART_LSR_TEMT | UART_LSR_DR);
	wr(f, UART_RBR_THR_DLL, 0x22);
	assert_int_equal(rd(f, UART_LSR),
			 UART_LSR_THRE | UART_LSR_TEMT | UART_LSR_DR | UART_LSR_OE);
	assert_int_equal(rd(f, UART_LSR), UART_LSR_THRE | UART_LSR_TEMT | UART_LSR_DR);
	/* PC16550D, LSR bit 1: OE "indicates that data in the Receiver Buffer
	 * Register was not read by the CPU before the next character was
	 * transferred into the Receiver Buffer Register, thereby destroying
	 * the previous character". Without FIFOs the newer byte wins. */
	assert_int_equal(rd(f, UART_RBR_THR_DLL), 0x22);
	assert_int_equal(rd(f, UART_LSR) & UART_LSR_DR, 0);
}

static void test_wide_access_past_the_end(void **state)
{
	struct fixture *f = *state;
	uint8_t d[4] = { 0, 0, 0, 0 };

	wr(f, UART_SCR, 0x42);
	uart__io(f->u, UART_SCR, d, 2, false);
	assert_int_equal(d[0], 0x42);
	assert_int_equal(d[1], 0xff);
	/* A write spilling past the end reaches only the scratch register. */
	d[0] = 0x24;
	d[1] = 0x99;
	uart__io(f->u, UART_SCR, d, 2, true);
	assert_int_equal(rd(f, UART_SCR), 0x24);
	/* Byte lanes: a 2-byte read at LSR gives LSR then MSR. */
	uart__io(f->u, UART_LSR, d, 2, false);
	assert_int_equal(d[0], UART_LSR_THRE | UART_LSR_TEMT);
	assert_int_equal(d[1], UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS);
	/* A 2-byte write at offset 0 sends the low byte and sets IER. */
	d[0] = 'w';
	d[1] = UART_IER_ERBFI;
	uart__io(f->u, UART_RBR_THR_DLL, d, 2, true);
	assert_int_equal(f->tx.n, 1);
	assert_int_equal(f->tx.bytes[0], 'w');
	assert_int_equal(rd(f, UART_IER_DLM), UART_IER_ERBFI);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_thr_write_reaches_tx),
		T(test_dlab_switches_divisor_latch),
		T(test_scratch_register),
		T(test_lsr_thre_temt_and_dr),
		T(test_receive_fifo_capacity),
		T(test_iir_none_and_fifo_bits),
		T(test_iir_rda_and_timeout_by_trigger_level),
		T(test_iir_thre_on_etbei),
		T(test_iir_priorities),
		T(test_irq_follows_received_data),
		T(test_fcr_clear_rx),
		T(test_loopback),
		T(test_msr_delta_bits_clear_on_read),
		T(test_overrun_in_fifo_mode),
		T(test_overrun_in_16450_mode),
		T(test_wide_access_past_the_end),
	};
	return cmocka_run_group_tests_name("uart", tests, NULL, NULL);
}
