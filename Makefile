# vmkit - GNU make build. `make` builds build/vmkit.
#   make demo          install what is missing, build, run the demo
#   make test          install what is missing, build, run every test
#   make SAN=1         ASan+UBSan build in build/asan
#   make CC=clang      any C11 compiler; WERROR=1 turns warnings into errors

CC      ?= cc
BUILD   ?= build
PKGS    := jansson libcurl libarchive libcrypto libseccomp libnftables libnl-route-3.0
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo 0.1-dev)

CPPFLAGS += -Isrc -D_GNU_SOURCE -DVMKIT_VERSION='"$(VERSION)"' -MMD -MP
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wno-unused-parameter -fno-strict-aliasing -pthread
LDFLAGS  += -pthread -Wl,--as-needed
CFLAGS   += $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS   += $(shell pkg-config --libs $(PKGS) 2>/dev/null)

ifeq ($(SAN),1)
BUILD    := build/asan
CFLAGS   += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS  += -fsanitize=address,undefined
endif
ifeq ($(WERROR),1)
CFLAGS   += -Werror
endif

# Everything but the CLI is a library, so unit tests link what vmkit links.
LIB_SRC  := $(shell find src -name '*.c' ! -path 'src/cli/*' | sort)
CLI_SRC  := $(wildcard src/cli/*.c)
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
# vmkit-xfer: pull, import, save, load, login (see src/cli/xfer/main.c).
XFER_SRC := $(wildcard src/cli/xfer/*.c)
XFER_OBJ := $(XFER_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/src/cli/cli.o
LIB      := $(BUILD)/libvmkit.a

# The differential CPU harness: one program from tests/diff/*.c.
DIFF_SRC := $(wildcard tests/diff/*.c)
DIFF_OBJ := $(DIFF_SRC:%.c=$(BUILD)/obj/%.o)
DIFF_BIN := $(if $(DIFF_SRC),$(BUILD)/tests/diff/cpudiff)

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%)
UNIT_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)

# Test tools: one program per tests/tools/*.c (drivers and fake servers the
# integration tests use), linked with the library.
TOOL_SRC := $(wildcard tests/tools/*.c)
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tests/tools/%)
TOOL_LIBS := $(shell pkg-config --libs libmicrohttpd 2>/dev/null)

# Quiet by default (one line per file); V=1 shows whole commands.
ifeq ($(V),1)
Q :=
else
Q := @
endif

.PHONY: all unit guests deps demo test clean format bench bench-tools kit
.SECONDARY:
all: $(BUILD)/vmkit $(BUILD)/vmkit-xfer

$(BUILD)/vmkit: $(CLI_OBJ) $(LIB)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(LDLIBS)

$(BUILD)/vmkit-xfer: $(XFER_OBJ) $(LIB)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $(XFER_OBJ) $(LIB) $(LDLIBS)

$(LIB): $(LIB_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC      $@"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# The DSDT: ASL compiled to AML by iasl (Debian's acpica-tools) as a C
# array in the build tree, renamed to a static const and included by
# src/vm/acpi/dsdt.c. -we: an ASL warning fails the build.
ACPI_GEN := $(BUILD)/gen/vm/acpi

$(ACPI_GEN)/dsdt_aml.h: src/vm/acpi/dsdt.asl
	@mkdir -p $(@D)
	@echo "  IASL    $<"
	$(Q)iasl -vs -we -tc -p $(ACPI_GEN)/dsdt $< >$(ACPI_GEN)/iasl.log 2>&1 || \
		{ cat $(ACPI_GEN)/iasl.log >&2; exit 1; }
	$(Q)sed 's/^unsigned char dsdt_aml_code\[\]/static const unsigned char dsdt_aml[]/' \
		$(ACPI_GEN)/dsdt.hex >$@.tmp
	$(Q)grep -q '^static const unsigned char dsdt_aml\[\]' $@.tmp || \
		{ echo "$@: unexpected iasl -tc output (see $(ACPI_GEN)/dsdt.hex)" >&2; exit 1; }
	$(Q)mv $@.tmp $@

$(BUILD)/obj/src/vm/acpi/dsdt.o: $(ACPI_GEN)/dsdt_aml.h
$(BUILD)/obj/src/vm/acpi/dsdt.o: CPPFLAGS += -I$(ACPI_GEN)

unit: $(UNIT_BIN) $(DIFF_BIN) $(TOOL_BIN)

$(BUILD)/tests/diff/cpudiff: $(DIFF_OBJ) $(LIB)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $(DIFF_OBJ) $(LIB) $(LDLIBS)

$(BUILD)/tests/unit/%: $(BUILD)/obj/tests/unit/%.o $(LIB)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS) $(UNIT_LIBS)

$(BUILD)/tests/tools/%: $(BUILD)/obj/tests/tools/%.o $(LIB)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS) $(TOOL_LIBS)

include tests/guest/guest.mk
include bench/bench.mk

deps:
	@scripts/deps.sh

# The guest kit: Debian's cloud kernel and a busybox initramfs, fetched with
# apt-get download and unpacked under build/kit (never installed).
kit:
	@scripts/guest-kit.sh

# The demo: boot the Linux guest kit, run uname, nproc and free in it, and
# power off (vmkit.demo on the command line tells the kit's init to).
demo: deps
	@$(MAKE) --no-print-directory all
	@scripts/guest-kit.sh
	@$(BUILD)/vmkit info | grep -E "accel|kvm.flavour" || true
	$(BUILD)/vmkit vm run --memory 256M --kernel build/kit/vmlinuz --initrd build/kit/initrd.cpio \
		--append "console=ttyS0 quiet vmkit.demo"

# The suite builds what it runs (normal and sanitizer builds, guests), then
# tests/run.sh runs everything and prints "N passed, N failed".
test: deps
	@$(MAKE) --no-print-directory all unit guests
	@$(MAKE) --no-print-directory SAN=1 all unit
	@scripts/guest-kit.sh || echo "guest kit unavailable: Linux tests will be skipped"
	@tests/run.sh

# Benchmarks compare against peers (QEMU), which only they install.
bench: deps
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory all guests bench-tools
	@bench/run.sh

format:
	clang-format -i $$(find src tests/unit tests/tools -name '*.[ch]')

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' -type f 2>/dev/null)
