# Benchmarks: the timing harness and the guests that only benchmarks use.
BENCH_DIR := build/bench

bench-tools: $(BENCH_DIR)/timeto $(BENCH_DIR)/first16.bin $(BENCH_DIR)/exits0.bin \
	     $(BENCH_DIR)/exits100k.bin

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
