/* vm.c - `vmkit vm ...`: the hypervisor's commands. */
#include "cli/cli.h"

#include "common/err.h"
#include "common/util.h"
#include "vm/console.h"
#include "vm/vm.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char vm_usage[] = "vm COMMAND [OPTIONS] (try 'vmkit vm --help')";
static const char run_usage[] =
	"vm run [--accel kvm|emu|auto] [--cpus N] [--memory SIZE] [--append STR] "
	"[--initrd FILE] [--stats] [--no-reboot] --kernel FILE";

static void run_help(void)
{
	printf("usage: vmkit %s\n\n"
	       "Boot a guest kernel. The format is found from the file: a 512-byte boot\n"
	       "sector (real mode at 0000:7c00), an ELF32 (protected mode; Multiboot v1\n"
	       "supported) or an ELF64 (long mode, RAM identity-mapped).\n\n"
	       "  -k, --kernel FILE    guest image (required)\n"
	       "  -a, --accel NAME     kvm, emu or auto (default auto: kvm where it runs\n"
	       "                       guests natively, else the software CPU)\n"
	       "  -c, --cpus N         virtual CPUs (default 1)\n"
	       "  -m, --memory SIZE    guest RAM, K/M/G suffixes (default 128M)\n"
	       "      --append STR     kernel command line\n"
	       "      --initrd FILE    Multiboot modules: \"file[ args][,file...]\"\n"
	       "      --stats          print exit statistics when the VM ends\n"
	       "      --no-reboot      end when the guest resets instead of rebooting\n\n"
	       "Console: COM1 is on stdin/stdout; Ctrl-A x quits, Ctrl-A h for help.\n"
	       "Exit status: 0 when the guest powers off or resets with --no-reboot,\n"
	       "(V << 1) | 1 when it writes V to the debug-exit port 0xf4, 1 on errors,\n"
	       "128+N when vmkit is ended by signal N.\n",
	       run_usage);
}

static int parse_run(int argc, char **argv, struct vm_config *cfg, bool *no_reboot)
{
	static const struct option opts[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "accel", required_argument, NULL, 'a' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "memory", required_argument, NULL, 'm' },
		{ "append", required_argument, NULL, 'A' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "stats", no_argument, NULL, 's' },
		{ "no-reboot", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int c;

	while ((c = cli__getopt(argc, argv, "+:k:a:c:m:h", opts)) != -1) {
		switch (c) {
		case 'k':
			cfg->kernel = optarg;
			break;
		case 'a':
			cfg->accel = optarg;
			break;
		case 'A':
			cfg->append = optarg;
			break;
		case 'i':
			cfg->initrd = optarg;
			break;
		case 's':
			cfg->stats = true;
			break;
		case 'R':
			*no_reboot = true;
			break;
		case 'c':
			if (util__parse_uint(optarg, 1, 4096, &v) < 0)
				return cli__usage_error(
					run_usage, "--cpus '%s': expected a number from 1 to 4096",
					optarg);
			cfg->ncpus = (int)v;
			break;
		case 'm':
			if (util__parse_size(optarg, &v) < 0)
				return cli__usage_error(
					run_usage,
					"--memory '%s': expected a size such as 128M or 1G",
					optarg);
			cfg->mem_size = v;
			break;
		case 'h':
			run_help();
			return -1;
		default:
			return cli__bad_option(run_usage, argv, c);
		}
	}
	if (optind < argc)
		return cli__usage_error(run_usage, "unexpected argument '%s'", argv[optind]);
	if (!cfg->kernel)
		return cli__usage_error(run_usage, "--kernel FILE is required");
	if (strcmp(cfg->accel, "kvm") && strcmp(cfg->accel, "emu") && strcmp(cfg->accel, "auto"))
		return cli__usage_error(run_usage, "--accel '%s': expected kvm, emu or auto",
					cfg->accel);
	return 0;
}

/* What the guest's ending means for vmkit's exit status. */
static int end_status(struct vm *vm, enum vm_end why)
{
	switch (why) {
	case VM_END_DEBUG_EXIT:
		return (((unsigned)vm->end_value << 1) | 1) & 0xff;
	case VM_END_SIGNAL:
		fprintf(stderr, "vmkit: terminating on signal %d\n", vm->end_value);
		return 128 + vm->end_value;
	case VM_END_PANIC:
		fprintf(stderr, "vmkit: the guest kernel panicked (its console above says why)\n");
		return CLI_EXIT_FAIL;
	case VM_END_ERROR:
		fprintf(stderr, "vmkit: %s\n", vm->end_msg);
		if (vm->end_dump)
			fputs(vm->end_dump, stderr);
		return CLI_EXIT_FAIL;
	default:
		return 0;
	}
}

static int vm_run(int argc, char **argv)
{
	struct vm_config cfg = { .mem_size = 128 * MiB, .ncpus = 1, .accel = "auto" };
	struct console con;
	bool no_reboot = false;
	enum vm_end why;
	struct err e;
	struct vm *vm;
	int r, status;

	r = parse_run(argc, argv, &cfg, &no_reboot);
	if (r)
		return r < 0 ? 0 : r;
	console__open(&con, STDIN_FILENO, STDOUT_FILENO);
	for (;;) {
		err__clear(&e);
		if (vm__create(&vm, &cfg, &con, &e) < 0) {
			console__close(&con);
			return cli__fail("%s", e.msg);
		}
		why = vm__run(vm);
		if (cfg.stats)
			vm__print_stats(vm, stderr);
		if (vm->signal && why != VM_END_SIGNAL) {
			/* A signal that lost the race with another ending (a
			 * reset, a power-off) still ends vmkit. */
			vm->end_value = vm->signal;
			why = VM_END_SIGNAL;
		}
		status = end_status(vm, why);
		vm__destroy(vm);
		/* A reset reboots the machine from scratch: a new VM, the
		 * image loaded afresh, as a real reset would. */
		if (why != VM_END_RESET || no_reboot)
			break;
	}
	console__close(&con);
	return status;
}

int cmd_vm(int argc, char **argv)
{
	if (argc < 2)
		return cli__usage_error(vm_usage, "vm: no command given");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		printf("usage: vmkit vm COMMAND [OPTIONS]\n\nCommands:\n"
		       "  run   boot a guest kernel (vmkit vm run --help)\n");
		return 0;
	}
	if (strcmp(argv[1], "run") == 0) {
		optind = 0;
		return vm_run(argc - 1, argv + 1);
	}
	return cli__usage_error(vm_usage, "vm: unknown command '%s'", argv[1]);
}
