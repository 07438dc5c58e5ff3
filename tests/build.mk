# SPDX-License-Identifier: Apache-2.0
# tests/: rules beyond the generic ones of the top Makefile.
#
# fuzz-pipeline is three files: the target, the fuzzed host's policy
# (pipeline-world.c) and the oracle that checks every output frame
# (pipeline-oracle.c).  The replayer gets its own recipe because the
# extra objects must come before the libraries on the link line; the
# libFuzzer build compiles sources, in any order.
FUZZ_PIPELINE_SRCS := tests/fuzz/pipeline-world.c tests/fuzz/pipeline-oracle.c

$(O)/tests/replay-pipeline: $(O)/obj/tests/fuzz/fuzz-pipeline.o \
		$(call obj,$(FUZZ_PIPELINE_SRCS)) $(O)/obj/tests/fuzz/replay.o \
		$(CTL_LIB) $(LIB)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)
$(O)/fuzz/fuzz-pipeline: $(FUZZ_PIPELINE_SRCS)

# The seeds of fuzz-pipeline, and the test that they reach where their
# packet flows go with the oracle's approval (run with the unit tests,
# also under ASan and UBSan).
$(O)/tests/test-fuzz-pipeline-seeds: $(O)/obj/tests/fuzz/seeds-pipeline.o \
		$(call obj,$(FUZZ_PIPELINE_SRCS)) $(CTL_LIB) $(LIB)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)
all unit: $(O)/tests/test-fuzz-pipeline-seeds
$(O)/tests/asan-test-fuzz-pipeline-seeds: \
		$(O)/asan/tests/fuzz/seeds-pipeline.o \
		$(call aobj,$(FUZZ_PIPELINE_SRCS)) $(ALIB)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(LDLIBS)
unit: $(O)/tests/asan-test-fuzz-pipeline-seeds

# tests/netns/gw-vpn.sh drives gw/vpn.c (the compartments' strongSwan)
# through this small program.
$(O)/tests/gw-vpn-tool: $(O)/obj/tests/tools/gw-vpn-tool.o $(GW_LIB) $(LIB)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) $(GW_LDLIBS)
all: $(O)/tests/gw-vpn-tool
