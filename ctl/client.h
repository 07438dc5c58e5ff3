/* SPDX-License-Identifier: Apache-2.0 */
/*
 * client: hnvctl's side of the hnv-agent control socket
 * (doc/control-protocol.md): one JSON request per line, one JSON reply
 * per line, in order, over a Unix stream socket.
 *
 * client_call() follows struct ps_backend's contract (ctl/ps/ps.h): 0 with
 * '*result' on {"ok": true}; -EINVAL with '*error' = the agent's message
 * on {"ok": false}; another negative errno with '*error' describing a
 * transport failure (connection lost, timeout, a reply that is not the
 * protocol's).  '*warnings' gets the reply's "warnings" array, if any.
 * Replies are bounded (CLIENT_MAX_REPLY) and waited for at most
 * CLIENT_TIMEOUT_MS.  Single-threaded; one request at a time.
 *
 * Paged replies (lookup-record.get, policy.get: a "next" object beside
 * "result") are followed transparently: the same request again with the
 * "next" members added to its args, until a reply has none; '*result'
 * is all pages together (arrays concatenated, and the arrays inside an
 * object).  '*warnings' are the first page's.
 */
#ifndef CTL_CLIENT_H
#define CTL_CLIENT_H

#include <jansson.h>

#define CLIENT_DEFAULT_PATH "/run/openhnv/agent.sock"
#define CLIENT_MAX_REPLY (64u << 20)
/* The agent closes a connection whose request line is longer (agent/
 * control.c, MAX_REQUEST): refused here with a message instead. */
#define CLIENT_MAX_REQUEST (64u << 20)
#define CLIENT_TIMEOUT_MS 60000

struct client;

/* Connects: 0, or a negative errno (the socket's). */
int client_open(const char *path, struct client **);
void client_close(struct client *); /* accepts NULL */
int client_call(struct client *, const char *cmd, json_t *args, json_t **result,
                char **error, json_t **warnings);
/* client_call() with a void * context, for struct ps_backend. */
int client_ps_call(void *client, const char *cmd, json_t *args, json_t **result,
                   char **error, json_t **warnings);

#endif
