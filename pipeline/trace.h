/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trace: a record of every decision the pipeline takes for one packet.
 * The pipeline writes to it only when a trace is attached (one branch per
 * decision otherwise).  `hnvctl trace` injects a packet with a trace
 * attached and output suppressed, then prints the steps.
 */
#ifndef PIPELINE_TRACE_H
#define PIPELINE_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/util.h"

#define TRACE_MAX_STEPS 64
#define TRACE_MAX_OUT 8

struct trace_step {
	char stage[16];
	char msg[200];
};

struct trace_out {
	char port[48];
	char summary[320];
	uint8_t frame[256]; /* first bytes of the frame */
	size_t len;         /* whole length */
};

struct trace {
	int n_steps;
	struct trace_step steps[TRACE_MAX_STEPS];
	int n_out;
	struct trace_out out[TRACE_MAX_OUT];
	char verdict[200];
};

void trace_init(struct trace *);
void trace_step(struct trace *, const char *stage, const char *fmt, ...)
    PRINTF_FMT(3, 4);
void trace_verdict(struct trace *, const char *fmt, ...) PRINTF_FMT(2, 3);
/* 'summary' may be NULL or "": the frame is then decoded into one line. */
void trace_output(struct trace *, const char *port, const uint8_t *frame,
                  size_t len, const char *summary);

#endif
