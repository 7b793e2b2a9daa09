/* i8042.c - keyboard controller model (see i8042.h).
 *
 * Commands follow the IBM PC/AT Technical Reference's 8042 command set as
 * Linux's drivers/input/serio/i8042.c and atkbd.c use it. Bytes the
 * controller or the keyboard return go through one output queue; the
 * status register's OBF bit says whether it holds anything, and IRQ1 is
 * raised while it does and the command byte enables keyboard interrupts. */
#include "devices/legacy/i8042.h"

#include <pthread.h>
#include <stdlib.h>

#define STS_OBF       0x01 /* output buffer full */
#define STS_SYS       0x04 /* system flag: self-test passed */
#define STS_CMD       0x08 /* last write was to the command port */
#define STS_UNLOCKED  0x10
#define CTR_KBD_INT   0x01
#define CTR_SYS       0x04
#define CTR_KBD_OFF   0x10
#define CTR_AUX_OFF   0x20
#define CTR_XLATE     0x40
#define OUTPORT_RESET 0x01 /* 0 = hold the CPU in reset */
#define OUTPORT_A20   0x02
#define QLEN          16

struct i8042 {
	pthread_mutex_t lock;
	struct irq_line irq;
	struct machine_ctl ctl;
	uint8_t q[QLEN];
	unsigned qhead, qcount;
	uint8_t status, ctr, outport;
	uint8_t pending_cmd; /* controller command awaiting its data byte */
	bool irq_level;
};

struct i8042 *i8042__new(const struct irq_line *kbd_irq, const struct machine_ctl *ctl)
{
	struct i8042 *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	pthread_mutex_init(&k->lock, NULL);
	k->irq = *kbd_irq;
	k->ctl = *ctl;
	/* As a BIOS leaves it: self-test done, translation on, AUX off. */
	k->status = STS_SYS | STS_UNLOCKED;
	k->ctr = CTR_KBD_INT | CTR_SYS | CTR_XLATE | CTR_AUX_OFF;
	k->outport = OUTPORT_RESET | OUTPORT_A20;
	return k;
}

void i8042__free(void *p)
{
	struct i8042 *k = p;

	if (!k)
		return;
	pthread_mutex_destroy(&k->lock);
	free(k);
}

static void push(struct i8042 *k, uint8_t b)
{
	if (k->qcount < QLEN)
		k->q[(k->qhead + k->qcount++) % QLEN] = b;
}

static void update(struct i8042 *k)
{
	bool level;

	if (k->qcount)
		k->status |= STS_OBF;
	else
		k->status &= (uint8_t)~STS_OBF;
	level = k->qcount && (k->ctr & CTR_KBD_INT);
	if (level != k->irq_level) {
		k->irq_level = level;
		irq_line__set(&k->irq, level);
	}
}

static void reset_machine(struct i8042 *k)
{
	machine_ctl__request(&k->ctl, MACHINE_RESET, 0);
}

/* A byte for the keyboard itself (written to 0x60 with no command
 * pending): answer as an MF2 keyboard would. */
static void keyboard_command(struct i8042 *k, uint8_t b)
{
	switch (b) {
	case 0xff: /* reset: ACK, then self-test passed */
		push(k, 0xfa);
		push(k, 0xaa);
		break;
	case 0xf2: /* identify: ACK, MF2 keyboard with translation */
		push(k, 0xfa);
		push(k, 0xab);
		push(k, (k->ctr & CTR_XLATE) ? 0x41 : 0x83);
		break;
	case 0xee: /* echo */
		push(k, 0xee);
		break;
	default: /* LEDs, typematic, scan set, enable, ...: acknowledged */
		push(k, 0xfa);
		break;
	}
}

static void controller_command(struct i8042 *k, uint8_t cmd)
{
	switch (cmd) {
	case 0x20: /* read command byte */
		push(k, k->ctr);
		break;
	case 0x60: /* write command byte: data follows */
	case 0xd1: /* write output port */
	case 0xd2: /* write keyboard output buffer */
	case 0xd3: /* write AUX output buffer */
	case 0xd4: /* write to AUX device */
		k->pending_cmd = cmd;
		break;
	case 0xa7:
		k->ctr |= CTR_AUX_OFF;
		break;
	case 0xa8:
		k->ctr &= (uint8_t)~CTR_AUX_OFF;
		break;
	case 0xa9: /* AUX interface test: no mouse, "clock line stuck low" */
		push(k, 0x01);
		break;
	case 0xaa: /* controller self-test */
		k->status |= STS_SYS;
		push(k, 0x55);
		break;
	case 0xab: /* keyboard interface test: OK */
		push(k, 0x00);
		break;
	case 0xad:
		k->ctr |= CTR_KBD_OFF;
		break;
	case 0xae:
		k->ctr &= (uint8_t)~CTR_KBD_OFF;
		break;
	case 0xc0:             /* read input port */
		push(k, 0x80); /* keyboard not inhibited */
		break;
	case 0xd0: /* read output port */
		push(k, k->outport);
		break;
	default:
		/* 0xF0-0xFF pulse output-port lines low for 6 us; a clear bit
		 * 0 pulses the CPU reset line. 0xFE is the classic reboot. */
		if (cmd >= 0xf0 && !(cmd & 0x01))
			reset_machine(k);
		break;
	}
}

static void data_write(struct i8042 *k, uint8_t b)
{
	uint8_t cmd = k->pending_cmd;

	k->pending_cmd = 0;
	switch (cmd) {
	case 0x60:
		k->ctr = b;
		break;
	case 0xd1:
		k->outport = b;
		if (!(b & OUTPORT_RESET))
			reset_machine(k);
		break;
	case 0xd2:
		push(k, b);
		break;
	case 0xd3: /* no AUX port: the loop-back byte goes nowhere */
	case 0xd4: /* no mouse attached */
		break;
	default:
		keyboard_command(k, b);
		break;
	}
}

void i8042__data_io(void *opaque, uint64_t offset, uint8_t *data, unsigned len, bool is_write)
{
	struct i8042 *k = opaque;

	pthread_mutex_lock(&k->lock);
	if (is_write) {
		k->status &= (uint8_t)~STS_CMD;
		data_write(k, data[0]);
	} else {
		data[0] = k->qcount ? k->q[k->qhead] : 0;
		if (k->qcount) {
			k->qhead = (k->qhead + 1) % QLEN;
			k->qcount--;
		}
		for (unsigned i = 1; i < len; i++)
			data[i] = 0xff;
	}
	update(k);
	pthread_mutex_unlock(&k->lock);
}

void i8042__cmd_io(void *opaque, uint64_t offset, uint8_t *data, unsigned len, bool is_write)
{
	struct i8042 *k = opaque;

	pthread_mutex_lock(&k->lock);
	if (is_write) {
		k->status |= STS_CMD;
		controller_command(k, data[0]);
	} else {
		data[0] = k->status;
		for (unsigned i = 1; i < len; i++)
			data[i] = 0xff;
	}
	update(k);
	pthread_mutex_unlock(&k->lock);
}
