/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http: hnvctl's side of hnv-controller's REST API (doc/controller.md),
 * with the contract of client_call() (ctl/client.h, struct ps_backend in
 * ctl/ps/ps.h): the same agent commands and args, the same results, so
 * every subcommand, printer and hnvctl ps run unchanged against a
 * controller.  ctl/rest.h does the translation; this file sends it with
 * libcurl, follows "next" pages, runs a set's find-then-PATCH and a
 * batch's finds.
 *
 * Host-scoped objects go to the host given to http_open() (--host), or
 * to the one http_set_host() names for the running cmdlet (hnvctl ps
 * -ComputerName).  Commands only an agent answers (rest_agent_only())
 * go to the agent backend given with http_set_agent() (hnvctl --agent),
 * else fail with the reason; interface.get without an agent answers
 * {"name": NAME, "ifindex": 0}, index 0 being what the controller stores
 * for "the host's uplink" (so the book's Get-NetAdapter then
 * -InterfaceIndex $NIC.InterfaceIndex works).
 *
 * Errors: a negative errno and '*error' (malloc'd): the controller's
 * message; or, when the controller cannot be reached, "cannot reach the
 * controller: METHOD URL: <curl's reason>" (http_unreachable() is true
 * for those).  One request at a time; single-threaded.
 */
#ifndef CTL_HTTP_H
#define CTL_HTTP_H

#include <jansson.h>
#include <stdbool.h>

#include "ctl/ps/ps.h"

#define HTTP_CONNECT_TIMEOUT_S 10
#define HTTP_TIMEOUT_S 600 /* a batch of 100,000 records */
#define HTTP_MAX_REPLY (256u << 20)
#define HTTP_MAX_PAGES 100000

struct http;

/* 'url': http:// or https://, with or without a trailing '/'.
 * 'token_file' (may be NULL): the file holding the bearer token.  'host'
 * (may be NULL): the host of host-scoped objects.  0, or -EINVAL /
 * -errno with '*error' (a bad URL, an unreadable token file). */
int http_open(const char *url, const char *token_file, const char *host,
              struct http **, char **error);
void http_close(struct http *); /* accepts NULL */
/* The CA certificates (PEM) an https controller's certificate must chain
 * to, instead of the system's (NULL: the system's). */
void http_set_ca_file(struct http *, const char *path);
/* How long a request may take, in seconds, from connecting to the last
 * byte of the reply (default, and 0: HTTP_TIMEOUT_S).  A daemon that
 * long-polls sets the wait plus a margin, so that a controller that
 * stopped answering is noticed. */
void http_set_timeout(struct http *, long seconds);
/* Where agent-only commands go ('agent' copied; NULL: nowhere). */
void http_set_agent(struct http *, const struct ps_backend *agent);
/* The host for the calls that follow (NULL: back to http_open()'s). */
void http_set_host(struct http *, const char *host);
const char *http_url(const struct http *);

int http_call(struct http *, const char *cmd, json_t *args, json_t **result,
              char **error, json_t **warnings);
/* For struct ps_backend. */
int http_ps_call(void *http, const char *cmd, json_t *args, json_t **result,
                 char **error, json_t **warnings);
void http_ps_set_host(void *http, const char *host);

/* One request of the REST API as it is (the high-level resources,
 * ctl/cmd-hl.c): 'method' on 'path' (under the controller's URL, with
 * its query) with 'body' (borrowed; NULL: none).  0 with '*status' and
 * '*reply' (the body as JSON; NULL if empty or not JSON), or a negative
 * errno with '*error' (the controller not reached, a reply too large). */
int http_rest(struct http *, const char *method, const char *path,
              const json_t *body, long *status, json_t **reply, char **error);

/* Was error 'err' (from http_call) the controller not answering? */
bool http_unreachable(int err);

#endif
