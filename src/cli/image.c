/* image.c - `vmkit pull`, `images`, `rmi`, `import`, `save`, `load`: the
 * image store's commands (being written). */
#include "cli/cli.h"

#define NOT_YET(name)                                                                              \
	int cmd_##name(int argc, char **argv)                                                      \
	{                                                                                          \
		(void)argc;                                                                        \
		(void)argv;                                                                        \
		return cli__fail(#name ": not implemented yet");                                   \
	}

NOT_YET(pull)
NOT_YET(images)
NOT_YET(rmi)
NOT_YET(import)
NOT_YET(save)
NOT_YET(load)
