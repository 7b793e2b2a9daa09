/* login.c - `vmkit login` and `vmkit logout`: registry credentials (being
 * written). */
#include "cli/cli.h"

int cmd_login(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cli__fail("login: not implemented yet");
}
