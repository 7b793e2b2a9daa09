# Guest programs: tiny kernels written for vmkit's tests, built with
# binutils alone. The name says the entry mode:
#   NAME16.S -> build/guest/NAME16.bin  512-byte boot sector, real mode
#   NAME32.S -> build/guest/NAME32.elf  ELF32, protected mode (Multiboot if it says so)
#   NAME64.S -> build/guest/NAME64.elf  ELF64, long mode
GUEST_DIR := build/guest
GUEST_16  := $(patsubst tests/guest/%.S,$(GUEST_DIR)/%.bin,$(wildcard tests/guest/*16.S))
GUEST_32  := $(patsubst tests/guest/%.S,$(GUEST_DIR)/%.elf,$(wildcard tests/guest/*32.S))
GUEST_64  := $(patsubst tests/guest/%.S,$(GUEST_DIR)/%.elf,$(wildcard tests/guest/*64.S))
GUEST_INC := $(wildcard tests/guest/*.inc)

guests: $(GUEST_16) $(GUEST_32) $(GUEST_64)

$(GUEST_DIR)/%16.bin: tests/guest/%16.S tests/guest/boot16.ld $(GUEST_INC)
	@mkdir -p $(@D)
	@echo "  GUEST   $@"
	$(Q)as --32 -I tests/guest -o $(@:.bin=.o) $<
	$(Q)ld -m elf_i386 -T tests/guest/boot16.ld -o $@ $(@:.bin=.o)

$(GUEST_DIR)/%32.elf: tests/guest/%32.S tests/guest/elf32.ld $(GUEST_INC)
	@mkdir -p $(@D)
	@echo "  GUEST   $@"
	$(Q)as --32 -I tests/guest -o $(@:.elf=.o) $<
	$(Q)ld --no-warn-rwx-segments -m elf_i386 -T tests/guest/elf32.ld -o $@ $(@:.elf=.o)

$(GUEST_DIR)/%64.elf: tests/guest/%64.S tests/guest/elf64.ld $(GUEST_INC)
	@mkdir -p $(@D)
	@echo "  GUEST   $@"
	$(Q)as --64 -I tests/guest -o $(@:.elf=.o) $<
	$(Q)ld --no-warn-rwx-segments -m elf_x86_64 -T tests/guest/elf64.ld -o $@ $(@:.elf=.o)
