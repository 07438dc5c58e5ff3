/* SPDX-License-Identifier: Apache-2.0 */
/*
 * parse: a thread that parses large control requests, so that a batch of
 * 100,000 lookup records (a line of about 15 MB, 100 ms or more of
 * json_loadb) does not stop the event loop.  Small requests are parsed
 * in the loop (control.c decides by length).
 *
 * The loop submits a line with a tag (which client, which connection);
 * the thread parses it and queues the result; parse_fd() becomes
 * readable; the loop collects results with parse_result().  Results come
 * back in submission order.  jansson objects are not shared between the
 * threads: the thread creates the tree and hands it over.
 */
#ifndef AGENT_PARSE_H
#define AGENT_PARSE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct parser;

struct parser *parser_create(void);   /* aborts on failure */
void parser_destroy(struct parser *); /* accepts NULL */
int parser_fd(const struct parser *);
/* Parses the 'len' bytes at 'buf' + 'off' (not NUL-terminated); takes
 * ownership of 'buf' (a client's input buffer, handed over whole rather
 * than copied: copying 12 MB faults in 3000 fresh pages in the loop). */
void parser_submit(struct parser *, uint64_t tag, char *buf, size_t off,
                   size_t len);
/* Pops one result: true with '*tag' and either '*j' (a new reference)
 * or '*j' NULL and 'err' set; false when none is ready. */
bool parser_result(struct parser *, uint64_t *tag, json_t **j, char *err,
                   size_t errlen);

#endif
