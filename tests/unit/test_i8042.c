/* test_i8042.c - unit tests for the 8042 keyboard controller and the debug-exit port. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "devices/legacy/debug_exit.h"
#include "devices/legacy/i8042.h"

#include <string.h>

#define KBD_IRQ 1
#define STS_OBF 0x01
#define STS_SYS 0x04
#define STS_CMD 0x08

struct fake_irq {
	int events[64];
	int n;
	int level;
	unsigned line;
};

struct fake_ctl {
	enum machine_req req[16];
	unsigned value[16];
	int n;
};

struct fixture {
	struct fake_irq irq;
	struct fake_ctl ctl;
	struct i8042 *k;
};

static void fake_irq_set(void *ctx, unsigned line, int level)
{
	struct fake_irq *f = ctx;

	assert_true(f->n < 64);
	f->events[f->n++] = level;
	f->level = level;
	f->line = line;
}

static void fake_request(void *ctx, enum machine_req req, unsigned value)
{
	struct fake_ctl *c = ctx;

	assert_true(c->n < 16);
	c->req[c->n] = req;
	c->value[c->n] = value;
	c->n++;
}

static int setup(void **state)
{
	struct fixture *f = test_calloc(1, sizeof(*f));
	struct irq_line line;
	struct machine_ctl ctl;

	if (!f)
		return -1;
	line = (struct irq_line){ .set = fake_irq_set, .ctx = &f->irq, .line = KBD_IRQ };
	ctl = (struct machine_ctl){ .request = fake_request, .ctx = &f->ctl };
	f->k = i8042__new(&line, &ctl);
	if (!f->k) {
		test_free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	i8042__free(f->k);
	test_free(f);
	return 0;
}

static void cmd(struct fixture *f, uint8_t v)
{
	i8042__cmd_io(f->k, 0, &v, 1, true);
}

static void data_wr(struct fixture *f, uint8_t v)
{
	i8042__data_io(f->k, 0, &v, 1, true);
}

static uint8_t status(struct fixture *f)
{
	uint8_t v = 0;

	i8042__cmd_io(f->k, 0, &v, 1, false);
	return v;
}

static uint8_t data_rd(struct fixture *f)
{
	uint8_t v = 0x5a;

	i8042__data_io(f->k, 0, &v, 1, false);
	return v;
}

static void test_self_test(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(status(f) & STS_OBF, 0);
	assert_int_equal(status(f) & STS_SYS, STS_SYS);
	cmd(f, 0xaa);
	assert_int_equal(status(f) & STS_OBF, STS_OBF);
	assert_int_equal(status(f) & STS_CMD, STS_CMD);
	assert_int_equal(data_rd(f), 0x55);
	assert_int_equal(status(f) & STS_OBF, 0);
	/* Interface test. */
	cmd(f, 0xab);
	assert_int_equal(status(f) & STS_OBF, STS_OBF);
	assert_int_equal(data_rd(f), 0x00);
	assert_int_equal(status(f) & STS_OBF, 0);
	assert_int_equal(f->ctl.n, 0);
}

static void test_command_byte(void **state)
{
	struct fixture *f = *state;
	uint8_t initial;

	cmd(f, 0x20);
	initial = data_rd(f);
	/* Keyboard interrupt on, system flag set, as the BIOS leaves it. */
	assert_int_equal(initial & 0x01, 0x01);
	assert_int_equal(initial & 0x04, 0x04);
	cmd(f, 0x60);
	assert_int_equal(status(f) & STS_OBF, 0);
	data_wr(f, 0x45);
	assert_int_equal(status(f) & STS_CMD, 0);
	assert_int_equal(status(f) & STS_OBF, 0); /* no reply to 0x60 */
	cmd(f, 0x20);
	assert_int_equal(data_rd(f), 0x45);
	/* The data byte went to the controller, not the keyboard: no ACK. */
	assert_int_equal(status(f) & STS_OBF, 0);
	/* Enable/disable commands edit the command byte. */
	cmd(f, 0xad);
	cmd(f, 0x20);
	assert_int_equal(data_rd(f), 0x55);
	cmd(f, 0xae);
	cmd(f, 0xa8);
	cmd(f, 0x20);
	assert_int_equal(data_rd(f), 0x45);
	assert_int_equal(f->ctl.n, 0);
}

static void test_pulse_reset(void **state)
{
	struct fixture *f = *state;

	cmd(f, 0xff); /* pulses nothing */
	assert_int_equal(f->ctl.n, 0);
	cmd(f, 0xfe);
	assert_int_equal(f->ctl.n, 1);
	assert_int_equal(f->ctl.req[0], MACHINE_RESET);
	cmd(f, 0xf0); /* pulses all four lines, reset among them */
	assert_int_equal(f->ctl.n, 2);
	assert_int_equal(f->ctl.req[1], MACHINE_RESET);
	cmd(f, 0xfd); /* bit 0 set: not the reset line */
	assert_int_equal(f->ctl.n, 2);
}

static void test_write_output_port(void **state)
{
	struct fixture *f = *state;

	cmd(f, 0xd1);
	data_wr(f, 0x03); /* reset line high, A20 on */
	assert_int_equal(f->ctl.n, 0);
	cmd(f, 0xd0);
	assert_int_equal(data_rd(f), 0x03);
	cmd(f, 0xd1);
	data_wr(f, 0x02); /* reset line low */
	assert_int_equal(f->ctl.n, 1);
	assert_int_equal(f->ctl.req[0], MACHINE_RESET);
	/* The byte after that is for the keyboard again. */
	data_wr(f, 0xf4);
	assert_int_equal(f->ctl.n, 1);
	assert_int_equal(data_rd(f), 0xfa);
}

static void test_keyboard_reset(void **state)
{
	struct fixture *f = *state;

	data_wr(f, 0xff);
	assert_int_equal(status(f) & STS_OBF, STS_OBF);
	assert_int_equal(data_rd(f), 0xfa);
	assert_int_equal(status(f) & STS_OBF, STS_OBF);
	assert_int_equal(data_rd(f), 0xaa);
	assert_int_equal(status(f) & STS_OBF, 0);
	assert_int_equal(f->ctl.n, 0);
}

static void test_keyboard_identify(void **state)
{
	struct fixture *f = *state;

	data_wr(f, 0xf2);
	assert_int_equal(data_rd(f), 0xfa);
	assert_int_equal(data_rd(f), 0xab);
	assert_int_equal(status(f) & STS_OBF, STS_OBF);
	/* Translated (command byte bit 6 set by default): 0x41. */
	assert_int_equal(data_rd(f), 0x41);
	assert_int_equal(status(f) & STS_OBF, 0);
	/* Translation off: the raw MF2 id 0x83. */
	cmd(f, 0x60);
	data_wr(f, 0x05);
	data_wr(f, 0xf2);
	assert_int_equal(data_rd(f), 0xfa);
	assert_int_equal(data_rd(f), 0xab);
	assert_int_equal(data_rd(f), 0x83);
	/* Echo. */
	data_wr(f, 0xee);
	assert_int_equal(data_rd(f), 0xee);
	assert_int_equal(status(f) & STS_OBF, 0);
}

static void test_irq_follows_output_buffer(void **state)
{
	struct fixture *f = *state;

	cmd(f, 0xaa);
	assert_int_equal(f->irq.n, 1);
	assert_int_equal(f->irq.events[0], 1);
	assert_int_equal(f->irq.line, KBD_IRQ);
	assert_int_equal(data_rd(f), 0x55);
	assert_int_equal(f->irq.n, 2);
	assert_int_equal(f->irq.events[1], 0);
	/* Several bytes: high until the last one is read. */
	data_wr(f, 0xff);
	assert_int_equal(f->irq.n, 3);
	assert_int_equal(data_rd(f), 0xfa);
	assert_int_equal(f->irq.n, 3);
	assert_int_equal(f->irq.level, 1);
	assert_int_equal(data_rd(f), 0xaa);
	assert_int_equal(f->irq.n, 4);
	assert_int_equal(f->irq.level, 0);

	/* Command byte bit 0 clear: output queued, no interrupt. */
	cmd(f, 0x60);
	data_wr(f, 0x44);
	assert_int_equal(f->irq.n, 4);
	cmd(f, 0xaa);
	assert_int_equal(status(f) & STS_OBF, STS_OBF);
	assert_int_equal(f->irq.n, 4);
	/* Enabling it with a byte waiting raises the line. */
	cmd(f, 0x60);
	data_wr(f, 0x45);
	assert_int_equal(f->irq.n, 5);
	assert_int_equal(f->irq.level, 1);
	assert_int_equal(data_rd(f), 0x55);
	assert_int_equal(f->irq.n, 6);
	assert_int_equal(f->irq.level, 0);
}

static void test_write_keyboard_output_buffer(void **state)
{
	struct fixture *f = *state;

	cmd(f, 0xd2);
	assert_int_equal(status(f) & STS_OBF, 0);
	data_wr(f, 0x1c);
	assert_int_equal(status(f) & STS_OBF, STS_OBF);
	assert_int_equal(data_rd(f), 0x1c);
	/* No mouse: AUX writes vanish, the interface test fails. */
	cmd(f, 0xd4);
	data_wr(f, 0xff);
	assert_int_equal(status(f) & STS_OBF, 0);
	cmd(f, 0xa9);
	assert_int_not_equal(data_rd(f), 0x00);
}

static void test_wide_reads(void **state)
{
	struct fixture *f = *state;
	uint8_t d[4] = { 0, 0, 0, 0 };

	cmd(f, 0xaa);
	i8042__cmd_io(f->k, 0, d, 2, false);
	assert_int_equal(d[0] & STS_OBF, STS_OBF);
	assert_int_equal(d[1], 0xff);
	i8042__data_io(f->k, 0, d, 4, false);
	assert_int_equal(d[0], 0x55);
	assert_memory_equal(d + 1, "\xff\xff\xff", 3);
}

struct exit_rec {
	int n;
	enum machine_req req;
	unsigned value;
};

static void exit_request(void *ctx, enum machine_req req, unsigned value)
{
	struct exit_rec *r = ctx;

	r->n++;
	r->req = req;
	r->value = value;
}

static void test_debug_exit(void **state)
{
	struct exit_rec rec = { 0, MACHINE_RESET, 0 };
	struct machine_ctl ctl = { .request = exit_request, .ctx = &rec };
	uint8_t d[4];

	(void)state;
	d[0] = 0x2a;
	debug_exit__io(&ctl, 0, d, 1, true);
	assert_int_equal(rec.n, 1);
	assert_int_equal(rec.req, MACHINE_DEBUG_EXIT);
	assert_int_equal(rec.value, 0x2a);

	memcpy(d, "\x78\x56\x34\x12", 4);
	debug_exit__io(&ctl, 0, d, 4, true);
	assert_int_equal(rec.n, 2);
	assert_int_equal(rec.req, MACHINE_DEBUG_EXIT);
	assert_int_equal(rec.value, 0x12345678);

	memcpy(d, "\x01\x02", 2);
	debug_exit__io(&ctl, 0, d, 2, true);
	assert_int_equal(rec.n, 3);
	assert_int_equal(rec.value, 0x0201);

	/* Reads end nothing and float high. */
	memset(d, 0, sizeof(d));
	debug_exit__io(&ctl, 0, d, 4, false);
	assert_int_equal(rec.n, 3);
	assert_memory_equal(d, "\xff\xff\xff\xff", 4);
	d[0] = 0;
	debug_exit__io(&ctl, 0, d, 1, false);
	assert_int_equal(d[0], 0xff);
	assert_int_equal(rec.n, 3);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_self_test),
		T(test_command_byte),
		T(test_pulse_reset),
		T(test_write_output_port),
		T(test_keyboard_reset),
		T(test_keyboard_identify),
		T(test_irq_follows_output_buffer),
		T(test_write_keyboard_output_buffer),
		T(test_wide_reads),
		cmocka_unit_test(test_debug_exit),
	};
	return cmocka_run_group_tests_name("i8042", tests, NULL, NULL);
}
