/* uart16550.h - a 16550A UART (National Semiconductor PC16550D data sheet),
 * the PC's COM port: eight registers at a port base, one interrupt line,
 * 16-byte FIFOs. Transmission is instant: bytes go to the host sink as the
 * guest writes them, so THR and the transmitter are always empty. */
#ifndef VMKIT_DEVICES_LEGACY_UART16550_H
#define VMKIT_DEVICES_LEGACY_UART16550_H

#include "devices/irq.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UART_NREGS     8
#define UART_FIFO_SIZE 16

/* Register offsets (data sheet, table II). */
enum uart_reg {
	UART_RBR_THR_DLL = 0,
	UART_IER_DLM = 1,
	UART_IIR_FCR = 2,
	UART_LCR = 3,
	UART_MCR = 4,
	UART_LSR = 5,
	UART_MSR = 6,
	UART_SCR = 7,
};

#define UART_IER_ERBFI    0x01 /* received data available */
#define UART_IER_ETBEI    0x02 /* transmitter holding register empty */
#define UART_IER_ELSI     0x04 /* receiver line status */
#define UART_IER_EDSSI    0x08 /* modem status */
#define UART_IIR_NONE     0x01
#define UART_IIR_MSR      0x00
#define UART_IIR_THRE     0x02
#define UART_IIR_RDA      0x04
#define UART_IIR_RLS      0x06
#define UART_IIR_CTI      0x0c
#define UART_IIR_FIFO     0xc0
#define UART_FCR_ENABLE   0x01
#define UART_FCR_CLEAR_RX 0x02
#define UART_FCR_CLEAR_TX 0x04
#define UART_LCR_DLAB     0x80
#define UART_MCR_DTR      0x01
#define UART_MCR_RTS      0x02
#define UART_MCR_OUT1     0x04
#define UART_MCR_OUT2     0x08
#define UART_MCR_LOOP     0x10
#define UART_LSR_DR       0x01
#define UART_LSR_OE       0x02
#define UART_LSR_THRE     0x20
#define UART_LSR_TEMT     0x40
#define UART_MSR_CTS      0x10
#define UART_MSR_DSR      0x20
#define UART_MSR_RI       0x40
#define UART_MSR_DCD      0x80

typedef void (*uart_tx_fn)(void *ctx, uint8_t byte);

struct uart;

struct uart *uart__new(const struct irq_line *irq, uart_tx_fn tx, void *tx_ctx);
void uart__free(void *uart);

/* Bus handler: offset 0..7 from the port base. Wider accesses are split
 * into byte cycles, as the ISA bus does for an 8-bit device. */
void uart__io(void *uart, uint64_t offset, uint8_t *data, unsigned len, bool is_write);

/* Host to guest: queue up to n received bytes; returns how many fit. */
size_t uart__receive(struct uart *u, const uint8_t *buf, size_t n);

#endif
