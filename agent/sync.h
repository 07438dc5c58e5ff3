/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync: an agent following a controller (doc/controller.md, "Agent
 * sync"; doc/agent.md, "Under a controller").  Two halves:
 *
 * sync.c, the client: a thread of its own that talks HTTP (libcurl) to
 * the controller, so the event loop never waits for the network.  It
 * registers (PUT /v1/hosts/NAME/agent), then long-polls
 * GET /v1/hosts/NAME/changes?after=R&epoch=E&wait=30&limit=10000; each
 * reply, parsed and checked for its shape, is handed to the loop
 * (sync_fd() becomes readable, sync_take() gives it) and the thread
 * waits until the loop says it is applied and on disk (sync_ack()),
 * then asks for the next.  Unreachable or 5xx: with several
 * controllers (--controller URL,URL,...: a cluster sharing one etcd,
 * with the same revisions and epoch), follows the next one at once,
 * registering there and resuming from the same position; when every one
 * has failed in turn (lib/urllist.h), or with one, retries after 1 s,
 * doubling to 30 s; 401/403: "token rejected", retries every 30 s.  It
 * logs each change of state and each switch once (connected, lost: why,
 * following URL), not each try.
 *
 * syncapply.c, in the loop thread: applies a reply as a job (agent.h),
 * in slices, with no other request running meanwhile:
 *  1. the small families' puts (VMs, switches, provider addresses and
 *     routes, customer routes) first, so that records find their routing
 *     domain;
 *  2. the lookup records in one policy stage (policy.h): the data path
 *     sees all of the reply's records at once, and never waits more than
 *     a slice;
 *  3. then deletions of the small families and adapter puts (their
 *     switch and VM exist by now), again and again while that makes
 *     progress; lookup record puts that failed, once more if it did;
 *  4. a change that still fails (it contradicts the agent's state,
 *     perhaps only for now) is logged and counted, never stops the
 *     stream;
 *  5. the changes, the families they touched and the new position
 *     (revision, epoch) go to the state database in one transaction;
 *     the thread is told once it is durable.
 * A put replaces the object with the same key (lookup record (VSID, CA),
 * L2Only (VSID, MAC); customer route (RDID, prefix); provider address
 * PA; provider route (prefix, next hop); switch, VM by name; adapter
 * (VM, name)); an identical one is left alone.  A del removes by key;
 * absent is fine.  A reset (reset: true, up to the reply with more:
 * false) names every object the host needs; at its end whatever the
 * agent holds and none of its pages named goes, without the tables ever
 * being emptied.
 */
#ifndef AGENT_SYNC_H
#define AGENT_SYNC_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct agent;

/* ---- sync.c: the client thread ---- */

struct sync_config {
	const char *url;   /* http(s)://host:port, or a comma-separated list
	                    * of them, checked (urllist_parse) */
	const char *host;  /* this host's name at the controller */
	const char *token; /* bearer token, or NULL */
	const char *version;
	const char *encap;   /* "nvgre" or "vxlan" */
	const char *ca_file; /* CA certificates for https, or NULL */
};

struct sync;
/* Copies what it needs of 'cfg'; starts at ('revision', 'epoch'). */
struct sync *sync_create(const struct sync_config *, uint64_t revision,
                         const char *epoch);
/* Starts the thread (after the capabilities are dropped). */
int sync_start(struct sync *);
/* Stops the thread (interrupting a poll) and frees.  Accepts NULL. */
void sync_destroy(struct sync *);
/* Readable when a reply waits; sync_take() clears it. */
int sync_fd(const struct sync *);
/* The reply waiting, if any: the caller owns it.  An object with
 * "epoch" (string), "revision" (integer >= 0), "reset" and "more"
 * (booleans) and "changes" (an array), as checked by the thread. */
json_t *sync_take(struct sync *);
/* The reply taken last is applied and durable; the position is now
 * ('revision', 'epoch'): the thread asks for what follows. */
void sync_ack(struct sync *, uint64_t revision, const char *epoch);
/* Queues a learnt address (flow F4) for the controller: 'rec' is a
 * lookup record with the API's names (pnames_to_api); takes the
 * reference.  Sent in order by a thread of its own, retried while the
 * controller is unreachable; "learnt_reported" and "learnt_refused" in
 * sync_status count them. */
void sync_report(struct sync *, json_t *rec);
/* Adds "url" (the controller followed now), "host", "state"
 * (connecting, connected, unreachable, rejected) and "last_error" to
 * 'obj'; with several controllers also "urls" (all of them) and
 * "switches" (how many times it moved to another). */
void sync_status(struct sync *, json_t *obj);
/* Reads a token file: one line, whitespace trimmed.  NULL and 'err'
 * set if it cannot be read or is empty. */
char *sync_read_token(const char *path, char *err, size_t errlen);

/* ---- syncapply.c: applying replies, in the loop thread ---- */

struct syncapply;
/* Reads the position from the store's "controller" row (NULL: none):
 * revision 0 (a full resync) when there is none or a reset was cut
 * short. */
struct syncapply *syncapply_create(const json_t *stored);
void syncapply_destroy(struct syncapply *);
/* Where to resume. */
uint64_t syncapply_revision(const struct syncapply *);
const char *syncapply_epoch(const struct syncapply *);
/* The agent has no controller now: the next one starts with a full
 * resync.  Queues the row's reset to the store (then store_mark). */
void syncapply_forget(struct agent *);
/* True from syncapply_start() until syncapply_done() said true. */
bool syncapply_busy(const struct syncapply *);
/* Starts applying 'reply' (takes it; shaped as sync_take() says) as
 * a->job, which must be free. */
void syncapply_start(struct agent *, json_t *reply);
/* After the job, and whenever the store reports progress ('durable',
 * 'failed': control.c's view of the tickets): true once the reply is
 * on disk (the caller then acks it to the thread). */
bool syncapply_done(struct agent *, uint64_t durable, uint64_t failed,
                    const char *why);
/* For status and stats: position, counters, the last failure. */
json_t *syncapply_status(const struct syncapply *);

#endif
