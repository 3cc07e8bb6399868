# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# leakscope build: bpf/*.bpf.c -> build/*.bpf.o -> bpftool gen skeleton -> build/*.skel.h,
# src/**/*.c -> build/leakscope.  Everything generated lands under $(OUT); `make` writes nothing else.
OUT := build
CC ?= gcc
CLANG ?= clang
BPFTOOL ?= bpftool
ARCH := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
VMLINUX_DIR := vmlinux/$(ARCH)

CFLAGS ?= -g -O2
CFLAGS += -std=gnu11 -Wall -Wextra -Werror -MMD -MP -D_GNU_SOURCE
CPPFLAGS += -Iinclude -Isrc -I$(OUT)
# __cxa_demangle comes from libstdc++; everything else is C.  libdw: DWARF CFI for unwind.c.
LDLIBS += $(shell pkg-config --libs libbpf libdw libelf zlib 2>/dev/null || echo -lbpf -ldw -lelf -lz) -lstdc++ -lm -lpthread
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -Iinclude -I$(VMLINUX_DIR) -Wall -Werror

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(OUT)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS := $(patsubst bpf/%.bpf.c,$(OUT)/%.skel.h,$(BPF_SRCS))
SRCS := $(wildcard src/*.c src/output/*.c)
OBJS := $(patsubst src/%.c,$(OUT)/obj/%.o,$(SRCS))
LIB_OBJS := $(filter-out $(OUT)/obj/main.o,$(OBJS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUT)/tests/%,$(UNIT_SRCS))

ifeq ($(V),1)
	Q =
	msg =
else
	Q = @
	msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.PHONY: all deps demo test unit integration bench clean format
.DELETE_ON_ERROR:
.SECONDARY:

all: $(OUT)/leakscope

deps:
	$(Q)bash scripts/install-deps.sh

$(OUT)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) $(wildcard include/leakscope/*.h) | $(OUT)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/%.skel.h: $(OUT)/bpf/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@

# Every userspace object may include a skeleton: generate them first.
$(OUT)/obj/%.o: src/%.c $(SKELS) | $(OUT)/obj/output
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(OUT)/libleakscope.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(OUT)/leakscope: $(OUT)/obj/main.o $(OUT)/libleakscope.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

$(OUT)/tests/%: tests/unit/%.c $(OUT)/libleakscope.a | $(OUT)/tests
	$(call msg,CC-TEST,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -Itests/unit $< $(OUT)/libleakscope.a $(LDLIBS) -lcmocka -o $@

$(OUT)/bpf $(OUT)/obj/output $(OUT)/tests:
	$(Q)mkdir -p $@

# every driver runs, then the target fails if any did
unit: $(UNIT_BINS)
	$(Q)failed=""; for t in $(UNIT_BINS); do echo "== $$t"; $$t || failed="$$failed $$t"; done; \
	if [ -n "$$failed" ]; then echo "unit tests failed:$$failed"; exit 1; fi

integration: $(OUT)/leakscope
	$(Q)bash tests/integration/run.sh

# make test: everything, as CI runs it (installs missing Debian packages first).
test: deps
	$(Q)$(MAKE) --no-print-directory all unit
	$(Q)$(MAKE) --no-print-directory integration

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)bash scripts/demo.sh

bench: $(OUT)/leakscope
	$(Q)bash scripts/bench-overhead.sh
	$(Q)bash scripts/bench-paired.sh

format:
	$(Q)clang-format -i $(SRCS) $(wildcard src/*.h src/output/*.h include/leakscope/*.h bpf/*.c bpf/*.h tests/unit/*.c)

clean:
	$(Q)rm -rf $(OUT)

-include $(wildcard $(OUT)/obj/*.d $(OUT)/obj/output/*.d)
