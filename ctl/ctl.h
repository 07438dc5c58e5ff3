/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ctl: what hnvctl's subcommands share: the connection to the agent (its
 * control socket, ctl/client.h) or to hnv-controller (its REST API,
 * ctl/http.h: the same requests and results), error and warning
 * reporting, exit statuses, JSON and table output.  One file per
 * subcommand (cmd-*.c) declares its entry point here; ctl/hnvctl.c parses
 * the global options and dispatches.
 *
 * With a controller, requests go to it; those only an agent answers
 * (stats, trace, Get-NetAdapter's interface.get) go to the agent when
 * one was named (--agent or $HNV_AGENT), else fail saying so.
 *
 * Exit statuses: 0 success; 1 the agent or the controller refused the
 * request (or a script failed); 2 the agent or the controller cannot be
 * reached; 64 usage error.
 */
#ifndef CTL_CTL_H
#define CTL_CTL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "lib/util.h"

enum {
	CTL_EXIT_OK = 0,
	CTL_EXIT_FAIL = 1,
	CTL_EXIT_NOAGENT = 2,
	CTL_EXIT_USAGE = 64,
};

struct client;
struct http;
struct ps_backend;

struct ctl {
	const char *agent;      /* socket path */
	bool agent_given;       /* --agent or $HNV_AGENT, not the default */
	const char *controller; /* URL, or NULL: talk to the agent */
	const char *token_file; /* the controller's token, or NULL */
	const char *ca_file;    /* CA certificates for https, or NULL */
	const char *host;       /* the host of host-scoped objects, or NULL */
	bool json;              /* --json: print results as JSON */
	struct client *client;
	struct http *http;
	bool agent_down; /* the last request's agent could not be reached */
};

/* Connects unless connected: 0, or CTL_EXIT_NOAGENT after printing
 * "hnvctl: cannot connect to agent at PATH: ... (is hnv-agent running?)";
 * with a controller, prepares its client (no request is sent): 0, or
 * CTL_EXIT_FAIL after printing why (an unreadable token file). */
int ctl_connect(struct ctl *);
void ctl_disconnect(struct ctl *);
/* Connects, then fills 'be' with the backend requests go to. */
int ctl_backend(struct ctl *, struct ps_backend *be);
/* "hnvctl: SUBCOMMAND needs --controller URL" unless there is one:
 * 0, or CTL_EXIT_USAGE. */
int ctl_need_controller(struct ctl *, const char *what);
/* One request ('args' borrowed, NULL for {}).  Prints the reply's warnings
 * ("warning: ...") and an error ("hnvctl: ...") to stderr.  Returns 0 with
 * '*result' (owned by the caller; 'result' may be NULL), or an exit
 * status. */
int ctl_call(struct ctl *, const char *cmd, json_t *args, json_t **result);

/* A request of the controller's REST API as it is ('body' borrowed,
 * NULL: none): 0 with '*reply' (the JSON body, NULL for 204; owned by
 * the caller), or an exit status after printing the controller's error
 * ("hnvctl: <message>") or why it was not reached.  Needs --controller. */
int ctl_rest(struct ctl *, const char *method, const char *path,
             const json_t *body, json_t **reply);

/* ctl_call(), then the result on stdout (--json, or ctl_print_human()).
 * Returns an exit status. */
int ctl_call_print(struct ctl *, const char *cmd, json_t *args);

/* "hnvctl: <message>" on stderr; returns CTL_EXIT_USAGE. */
int ctl_usage(const char *fmt, ...) PRINTF_FMT(1, 2);
void ctl_print_json(const json_t *, FILE *);
/* A scalar as native output prints it ("-" for missing or null). */
char *ctl_scalar(const json_t *);
/* Best-effort human rendering of any JSON value: scalars as "key: value",
 * arrays of objects as tables, nested objects indented. */
void ctl_print_human(const json_t *, FILE *);
/* True for --help / -h. */
bool ctl_is_help(const char *);

/* Subcommands: argv[0] is the subcommand's name. */
bool cmd_object_known(const char *name);
int cmd_object_main(struct ctl *, int argc, char **argv);
void cmd_object_usage(FILE *);
/* Prints an array of 'object' objects as a native table. */
void cmd_object_print(const char *object, const json_t *array, FILE *);
int cmd_status_main(struct ctl *, int argc, char **argv);
int cmd_stats_main(struct ctl *, int argc, char **argv);
int cmd_trace_main(struct ctl *, int argc, char **argv);
int cmd_policy_main(struct ctl *, int argc, char **argv);
int cmd_ps_main(struct ctl *, int argc, char **argv);
int cmd_batch_main(struct ctl *, int argc, char **argv);
int cmd_host_main(struct ctl *, int argc, char **argv);
/* The high-level subcommands (cmd-hl.c): vm-network, subnet, server,
 * and vm for a VM with its network interface. */
int cmd_vmnet_main(struct ctl *, int argc, char **argv);
int cmd_subnet_main(struct ctl *, int argc, char **argv);
int cmd_server_main(struct ctl *, int argc, char **argv);
/* Is this 'vm' command the high-level one (not 'vm add vm NAME')? */
bool cmd_hl_vm_wants(const struct ctl *, int argc, char **argv);
int cmd_hl_vm_main(struct ctl *, int argc, char **argv);
/* gateway and vgateway (cmd-hl.c, doc/gateway.md) */
int cmd_gateway_main(struct ctl *, int argc, char **argv);
int cmd_vgateway_main(struct ctl *, int argc, char **argv);

#endif
