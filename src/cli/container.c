/* container.c - `vmkit run` and the container life cycle commands (being
 * written). */
#include "cli/cli.h"

#define NOT_YET(name)                                                                              \
	int cmd_##name(int argc, char **argv)                                                      \
	{                                                                                          \
		(void)argc;                                                                        \
		(void)argv;                                                                        \
		return cli__fail(#name ": not implemented yet");                                   \
	}

NOT_YET(run)
NOT_YET(ps)
NOT_YET(start)
NOT_YET(stop)
NOT_YET(restart)
NOT_YET(kill)
NOT_YET(attach)
NOT_YET(logs)
NOT_YET(exec)
NOT_YET(rm)
NOT_YET(inspect)
