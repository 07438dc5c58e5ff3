/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pipeline-oracle: what fuzz-pipeline asserts about every frame the
 * pipeline sends, given the frame that made it send it.  The rules are
 * DESIGN.md F8 (isolation) and the anti-spoofing that F1-F7 rely on; they
 * are restated, numbered, at the top of pipeline-oracle.c, and every
 * violation message starts with a tag naming the rule and the case
 * ("5b: ...").
 *
 * The oracle knows the world only through the tables of pipeline-world.h
 * and the pipeline's public API (pipeline_router_mac), and reads frames
 * with pkt_parse(): the pipeline's internals may change freely.
 */
#ifndef TESTS_FUZZ_PIPELINE_ORACLE_H
#define TESTS_FUZZ_PIPELINE_ORACLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tests/fuzz/pipeline-world.h"

enum oracle_kind {
	ORACLE_FROM_VM,     /* a frame a VM sent */
	ORACLE_FROM_TUNNEL, /* NVGRE (or VXLAN) received on the uplink */
	ORACLE_FROM_WIRE,   /* anything else received on the uplink */
	ORACLE_TICK,        /* pipeline_tick(): no input frame */
};

/* Where the frame being processed came from, as the oracle sees it. */
struct oracle_input {
	enum oracle_kind kind;
	const struct w_vm *vm; /* FROM_VM: the sender */
	uint32_t vsid;         /* FROM_VM: the sender's; TUNNEL: the key's */
	bool has_rdid;         /* FROM_VM, TUNNEL: the VSID has one */
	enum w_rdid rdid;
	struct in6_addr src, dst; /* TUNNEL: outer; WIRE: IP, if is_ip */
	bool is_ip;
};

/* Classifies the frame about to be given to the pipeline on 'port'. */
void oracle_input(const struct world *, int port, const uint8_t *frame,
                  size_t len, struct oracle_input *);
void oracle_input_tick(struct oracle_input *);

/* Checks one frame the pipeline sent on 'port'.  Returns NULL if it is
 * allowed, else a message naming the rule and the addresses involved
 * (static storage, valid until the next call). */
const char *oracle_check(const struct world *, const struct oracle_input *,
                         int port, const uint8_t *frame, size_t len);

#endif
