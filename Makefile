# SPDX-License-Identifier: Apache-2.0
# OpenHNV: one non-recursive Makefile.  Sources are found by directory:
#   lib/ pkt/ policy/ pipeline/ io/  -> build/libhnv.a (no daemon code)
#   ctl/ ctl/ps/ (all but hnvctl.c)  -> build/libhnvctl.a (ps front end)
#   agent/*.c                        -> build/bin/hnv-agent
#   ctrl/*.c                         -> build/bin/hnv-controller
#   ctl/hnvctl.c                     -> build/bin/hnvctl
#   gw/ (all but main.c)             -> build/libhnvgw.a (gateway, -lnftables)
#   gw/main.c                        -> build/bin/hnv-gateway
#   tests/unit/test-*.c              -> build/tests/test-*      (+ ASan/UBSan)
#   tests/fuzz/fuzz-*.c              -> build/tests/replay-*    (corpus replay)
#                                       build/fuzz/fuzz-*       (libFuzzer, clang)
# A directory may add rules in its own build.mk.  Quiet unless V=1.

CC ?= cc
CLANG ?= clang
O := build
PREFIX ?= /usr/local
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wno-unused-parameter -Werror
CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -D_GNU_SOURCE -I. $(WARN) -MMD -MP
LDLIBS := -ljansson -lmnl -lsqlite3 -lcurl -lmicrohttpd -lcrypto -lxdp -lbpf -lpthread
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined

ifeq ($(V),1)
Q :=
else
Q := @
endif

LIB_SRCS := $(wildcard lib/*.c pkt/*.c policy/*.c pipeline/*.c io/*.c)
CTL_LIB_SRCS := $(filter-out ctl/hnvctl.c,$(wildcard ctl/*.c ctl/ps/*.c))
AGENT_SRCS := $(wildcard agent/*.c)
CTRL_SRCS := $(wildcard ctrl/*.c)
GW_LIB_SRCS := $(filter-out gw/main.c,$(wildcard gw/*.c))
GW_LDLIBS := -lnftables
UNIT_SRCS := $(wildcard tests/unit/test-*.c)
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz-*.c)

obj = $(patsubst %.c,$(O)/obj/%.o,$(1))
aobj = $(patsubst %.c,$(O)/asan/%.o,$(1))

LIB := $(O)/libhnv.a
CTL_LIB := $(O)/libhnvctl.a
ALIB := $(O)/asan/libhnv.a
ACTL_LIB := $(O)/asan/libhnvctl.a
GW_LIB := $(O)/libhnvgw.a
AGW_LIB := $(O)/asan/libhnvgw.a
BINS := $(O)/bin/hnv-agent $(O)/bin/hnvctl $(if $(CTRL_SRCS),$(O)/bin/hnv-controller) \
	$(if $(wildcard gw/main.c),$(O)/bin/hnv-gateway)
BENCH_BINS := $(O)/bench/udp-gap $(O)/bench/ctrl-load $(O)/bench/pipeline \
	$(O)/bench/conn-rate
UNIT_BINS := $(patsubst tests/unit/%.c,$(O)/tests/%,$(UNIT_SRCS))
UNIT_ASAN := $(patsubst tests/unit/%.c,$(O)/tests/asan-%,$(UNIT_SRCS))
REPLAYERS := $(patsubst tests/fuzz/fuzz-%.c,$(O)/tests/replay-%,$(FUZZ_SRCS))
FUZZERS := $(patsubst tests/fuzz/%.c,$(O)/fuzz/%,$(FUZZ_SRCS))

.PHONY: all test unit demo fuzz bench bench-controller bench-pipeline bench-gateway install lint format deps clean golden-refresh
all: $(BINS) $(GW_LIB) $(UNIT_BINS) $(REPLAYERS) $(BENCH_BINS)

# The test programs' objects are reached only through pattern rules, so
# make would take them for intermediate files, delete them after linking
# and compile them again on the next run.  Keep every target: a second
# make compiles nothing (scripts/check-build checks it).
.SECONDARY:

$(O)/obj/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(O)/asan/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC-SAN  $<")
	$(Q)$(CC) $(CFLAGS) $(SAN) -c $< -o $@

# The uplink's XDP program (io/xdpprog.c): compiled for the kernel's BPF
# machine and linked into libhnv as bytes.
MULTIARCH := $(shell $(CC) -dumpmachine)
$(O)/gen/xdp-uplink.bpf.o: io/bpf/xdp-uplink.bpf.c io/xdpprog-abi.h
	@mkdir -p $(@D)
	@$(if $(Q),echo "  BPF     $<")
	$(Q)$(CLANG) -O2 -g -target bpf -I. -I/usr/include/$(MULTIARCH) \
		-Wall -Werror -c $< -o $@
$(O)/gen/xdp-uplink-obj.c: $(O)/gen/xdp-uplink.bpf.o scripts/embed
	$(Q)scripts/embed $< xdp_uplink_obj > $@
$(O)/gen/xdp-uplink-obj.o: $(O)/gen/xdp-uplink-obj.c
	$(Q)$(CC) -c $< -o $@
XDP_OBJ := $(O)/gen/xdp-uplink-obj.o

$(LIB): $(call obj,$(LIB_SRCS)) $(XDP_OBJ)
	@mkdir -p $(@D)
	$(Q)rm -f $@ && ar rcs $@ $^
$(CTL_LIB): $(call obj,$(CTL_LIB_SRCS))
	@mkdir -p $(@D)
	$(Q)rm -f $@ && ar rcs $@ $^
$(GW_LIB): $(call obj,$(GW_LIB_SRCS))
	@mkdir -p $(@D)
	$(Q)rm -f $@ && ar rcs $@ $^
$(AGW_LIB): $(call aobj,$(GW_LIB_SRCS))
	@mkdir -p $(@D)
	$(Q)rm -f $@ && ar rcs $@ $^
$(ALIB): $(call aobj,$(LIB_SRCS)) $(XDP_OBJ)
	$(Q)rm -f $@ && ar rcs $@ $^
$(ACTL_LIB): $(call aobj,$(CTL_LIB_SRCS))
	$(Q)rm -f $@ && ar rcs $@ $^

$(O)/bin/hnv-agent: $(call obj,$(AGENT_SRCS)) $(LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)
$(O)/gen/openapi.c: doc/openapi.json scripts/embed
	@mkdir -p $(@D)
	$(Q)scripts/embed $< openapi_json > $@
$(O)/gen/openapi.o: $(O)/gen/openapi.c
	$(Q)$(CC) -c $< -o $@
$(O)/bin/hnv-controller: $(call obj,$(CTRL_SRCS)) $(O)/gen/openapi.o $(LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)
# The controller under ASan and UBSan, for its API tests by hand:
# make build/asan/bin/hnv-controller, then
# HNV_CONTROLLER_BIN=build/asan/bin/hnv-controller tests/api/controller.py
$(O)/asan/bin/hnv-controller: $(call aobj,$(CTRL_SRCS)) $(O)/gen/openapi.o $(ALIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD-SAN  $@")
	$(Q)$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(LDLIBS)
$(O)/bin/hnv-gateway: $(call obj,gw/main.c) $(GW_LIB) $(CTL_LIB) $(LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) $(GW_LDLIBS)
$(O)/bin/hnvctl: $(call obj,ctl/hnvctl.c) $(CTL_LIB) $(LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(O)/tests/test-%: $(O)/obj/tests/unit/test-%.o $(O)/obj/tests/unit/harness.o $(GW_LIB) $(CTL_LIB) $(LIB)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) $(GW_LDLIBS)
$(O)/tests/asan-test-%: $(O)/asan/tests/unit/test-%.o $(O)/asan/tests/unit/harness.o $(AGW_LIB) $(ACTL_LIB) $(ALIB)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(LDLIBS) $(GW_LDLIBS)
# bench/ helpers (bench/agent and bench/controller run them).
$(O)/bench/%: $(O)/obj/bench/%.o
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $^
# bench/pipeline runs the data plane itself (doc/PERFORMANCE.md).
$(O)/bench/pipeline: $(O)/obj/bench/pipeline.o $(LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# test-store exercises the agent's state database (agent/store.c).
$(O)/tests/test-store: $(O)/obj/tests/unit/test-store.o $(O)/obj/tests/unit/harness.o $(call obj,agent/store.c) $(CTL_LIB) $(LIB)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)
$(O)/tests/asan-test-store: $(O)/asan/tests/unit/test-store.o $(O)/asan/tests/unit/harness.o $(call aobj,agent/store.c) $(ACTL_LIB) $(ALIB)
	$(Q)$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(LDLIBS)

# test-syncapply applies controller replies (agent/syncapply.c, with
# objects.c and store.c; the test fakes the ports).
SYNC_TEST_SRCS := agent/syncapply.c agent/objects.c agent/store.c agent/sync.c
$(O)/tests/test-syncapply: $(O)/obj/tests/unit/test-syncapply.o $(O)/obj/tests/unit/harness.o $(call obj,$(SYNC_TEST_SRCS)) $(CTL_LIB) $(LIB)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)
$(O)/tests/asan-test-syncapply: $(O)/asan/tests/unit/test-syncapply.o $(O)/asan/tests/unit/harness.o $(call aobj,$(SYNC_TEST_SRCS)) $(ACTL_LIB) $(ALIB)
	$(Q)$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(LDLIBS)

# fuzz-etcd reads what the controller's etcd store reads (ctrl/etcd-wire.c)
$(O)/tests/replay-etcd: $(O)/obj/tests/fuzz/fuzz-etcd.o $(O)/obj/tests/fuzz/replay.o $(O)/obj/ctrl/etcd-wire.o $(LIB)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)
$(O)/tests/replay-%: $(O)/obj/tests/fuzz/fuzz-%.o $(O)/obj/tests/fuzz/replay.o $(GW_LIB) $(CTL_LIB) $(LIB)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# libFuzzer builds (clang): make fuzz, then build/fuzz/fuzz-frame corpus/...
FUZZ_LIB_SRCS := $(LIB_SRCS) $(CTL_LIB_SRCS) gw/config.c gw/render.c ctrl/etcd-wire.c \
	$(O)/gen/xdp-uplink-obj.c
$(O)/fuzz/fuzz-%: tests/fuzz/fuzz-%.c $(FUZZ_LIB_SRCS)
	@mkdir -p $(@D)
	$(Q)$(CLANG) -std=gnu11 -D_GNU_SOURCE -I. -g -O1 \
		-fsanitize=fuzzer,address,undefined -o $@ $^ $(LDLIBS)
fuzz: $(FUZZERS)

unit: $(UNIT_BINS) $(UNIT_ASAN) $(REPLAYERS)

test: deps all unit
	$(Q)scripts/run-tests

demo: deps all
	$(Q)lab/demo

deps:
	$(Q)scripts/deps

# VM to VM: OpenHNV, OVS userspace, the kernel's tunnel, a veth; writes the
# results into doc/PERFORMANCE.md.  BENCH_ARGS=--quick checks the script.
bench: deps all
	$(Q)bench/run --write-doc $(BENCH_ARGS)

# hnv-controller at scale over loopback, on SQLite and on a 3-member etcd
# cluster (doc/PERFORMANCE.md "Controller"); BENCH_ARGS=--quick for a
# short run, BENCH_ARGS="--store sqlite" for one store.
bench-controller: all
	$(Q)bench/controller $(BENCH_ARGS)

# The pipeline alone, no kernel: ns and instructions per packet
# (doc/PERFORMANCE.md "The pipeline alone"); BENCH_ARGS=--quick for a
# short run.
bench-pipeline: all
	$(Q)bench/pipeline $(BENCH_ARGS)

# The gateway: NAT and VIP connections/s, TCP and IPsec throughput through
# hnv-gateway and the same ruleset by hand; writes doc/PERFORMANCE.md's
# "Gateway" section.  BENCH_ARGS=--quick checks the script (~1 minute).
bench-gateway: deps all
	$(Q)bench/gateway --write-doc $(BENCH_ARGS)

lint:
	$(Q)scripts/check-format
	$(Q)scripts/check-build

format:
	$(Q)clang-format -i $$(git ls-files '*.c' '*.h')

golden-refresh: all
	$(Q)GOLDEN_REFRESH=1 scripts/run-tests golden

install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin \
		$(DESTDIR)$(PREFIX)/share/man/man8 $(DESTDIR)$(PREFIX)/share/openhnv
	install -m 755 $(O)/bin/hnv-agent $(O)/bin/hnv-controller $(O)/bin/hnv-gateway $(DESTDIR)$(PREFIX)/sbin/
	install -m 755 $(O)/bin/hnvctl lab/hnv-lab $(DESTDIR)$(PREFIX)/bin/
	install -m 644 man/*.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	cp -r lab/topologies $(DESTDIR)$(PREFIX)/share/openhnv/
	install -m 644 contrib/wireshark/nvgre.lua $(DESTDIR)$(PREFIX)/share/openhnv/
	install -m 644 tests/etcd-lib.sh $(DESTDIR)$(PREFIX)/share/openhnv/
	install -d $(DESTDIR)$(SYSTEMDUNITDIR)
	for u in dist/systemd/*.in; do \
		sed -e 's|@SBINDIR@|$(PREFIX)/sbin|g' \
		    -e 's|@DATADIR@|$(PREFIX)/share/openhnv|g' $$u \
		    >$(DESTDIR)$(SYSTEMDUNITDIR)/$$(basename $$u .in) && \
		chmod 644 $(DESTDIR)$(SYSTEMDUNITDIR)/$$(basename $$u .in) || \
		exit 1; \
	done
	install -m 644 dist/hnv-agent.default \
		$(DESTDIR)$(PREFIX)/share/openhnv/hnv-agent.default

clean:
	rm -rf $(O)

-include $(wildcard */build.mk)
-include $(shell find $(O) -name '*.d' 2>/dev/null)
