# Benchmarks: the timing harness and the guests that only benchmarks use.
BENCH_DIR := build/bench

bench-tools: $(BENCH_DIR)/timeto $(BENCH_DIR)/first16.bin $(BENCH_DIR)/exits0.bin \
	     $(BENCH_DIR)/exits100k.bin $(BENCH_DIR)/loop64.elf $(BENCH_DIR)/cpubench.elf

$(BENCH_DIR)/timeto: bench/timeto.c
	@mkdir -p $(@D)
	@echo "  CC      $@"
	$(Q)$(CC) -O2 -Wall -Wextra -o $@ $<

$(BENCH_DIR)/first16.bin: bench/guest/first16.S tests/guest/boot16.ld
	@mkdir -p $(@D)
	$(Q)as --32 -o $(@:.bin=.o) $<
	$(Q)ld -m elf_i386 -T tests/guest/boot16.ld -o $@ $(@:.bin=.o)

$(BENCH_DIR)/exits%.bin: bench/guest/exits16.S tests/guest/boot16.ld
	@mkdir -p $(@D)
	$(Q)as --32 --defsym COUNT=$(subst k,000,$*) -o $(@:.bin=.o) $<
	$(Q)ld -m elf_i386 -T tests/guest/boot16.ld -o $@ $(@:.bin=.o)

# 5 instructions x 100 million iterations: the software CPU's MIPS.
$(BENCH_DIR)/loop64.elf: bench/guest/loop64.S tests/guest/elf64.ld
	@mkdir -p $(@D)
	$(Q)as --64 --defsym ITERS=100000000 -o $(@:.elf=.o) $<
	$(Q)ld --no-warn-rwx-segments -m elf_x86_64 -T tests/guest/elf64.ld -o $@ $(@:.elf=.o)

# A Multiboot ELF32 that enters long mode itself and runs freestanding C:
# the same file boots in vmkit and in `qemu-system-x86_64 -kernel`.
BENCH_CFLAGS := -m64 -O2 -ffreestanding -fno-pic -fno-pie -mno-red-zone \
		-fno-stack-protector -nostdlib
$(BENCH_DIR)/cpubench.elf: bench/guest/mb64.S bench/guest/cpubench.c bench/guest/cpubench.ld
	@mkdir -p $(@D)
	@echo "  GUEST   $@"
	$(Q)as --64 -o $(BENCH_DIR)/mb64.o bench/guest/mb64.S
	$(Q)gcc $(BENCH_CFLAGS) -c -o $(BENCH_DIR)/cpubench.o bench/guest/cpubench.c
	$(Q)ld --no-warn-rwx-segments -z noexecstack -m elf_x86_64 -T bench/guest/cpubench.ld \
		-o $(BENCH_DIR)/cpubench64.elf $(BENCH_DIR)/mb64.o $(BENCH_DIR)/cpubench.o
	$(Q)objcopy -O elf32-i386 $(BENCH_DIR)/cpubench64.elf $@
