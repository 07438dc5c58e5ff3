/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ps: hnvctl's PowerShell-compatible front end.  It runs the HNV cmdlet
 * scripts of the seeds (the book's "Simple setup", the Blue/Red blog post)
 * unchanged: cmdlet invocations with named, switch and positional
 * parameters, parameters continued on the following lines, `$x = ...`
 * assignments and `$x.Prop` values, and pipelines through Where-Object,
 * Format-List and Format-Table.  doc/hnvctl.md has the grammar subset and
 * the cmdlet -> request mapping.
 *
 * Two passes:
 *  1. ps_parse() lexes, parses and binds the whole script: unknown cmdlets
 *     and parameters, missing mandatory parameters, values of the wrong
 *     type (-VirtualSubnetID abc), unset variables and unsupported
 *     constructs are all reported before anything runs, as
 *     "FILE:LINE: CMDLET: message".
 *  2. ps_exec() runs the statements in order against a backend, printing
 *     Get-* output to 'out'; at the first request the backend refuses it
 *     prints "FILE:LINE: CMDLET: <error>" and "stopped: N of M commands
 *     ran" to 'err' and stops.
 *
 * The backend is one function (OVS netdev-provider style), so the executor
 * runs against the agent's socket (ctl/client.h) or an in-memory fake in
 * the tests.  call() sends request 'cmd' with 'args' (borrowed) and
 * returns 0 with '*result' (owned by the caller), or a negative errno with
 * '*error' (malloc'd, the agent's message or a transport error).  It may
 * set '*warnings' (a JSON array of strings, owned by the caller) either
 * way.
 *
 * set_host (may be NULL) is called before each request with the host a
 * cmdlet's -ComputerName or -CimSession names, or NULL when it names none
 * (or "localhost"): the backend's default host.  A backend with one host
 * (the agent's socket) leaves it NULL; a cmdlet naming another host is
 * then an error.
 */
#ifndef CTL_PS_H
#define CTL_PS_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

struct ps_backend {
	int (*call)(void *ctx, const char *cmd, json_t *args, json_t **result,
	            char **error, json_t **warnings);
	void *ctx;
	void (*set_host)(void *ctx, const char *host);
};

struct ps_script;

/* Parses 'len' bytes of 'text' (need not be NUL-terminated); 'file' names
 * it in messages ("-" for stdin).  Always returns a script; check
 * ps_script_n_errors(). */
struct ps_script *ps_parse(const char *file, const char *text, size_t len);
void ps_script_destroy(struct ps_script *); /* accepts NULL */

size_t ps_script_n_errors(const struct ps_script *);
/* Error 'i' as "FILE:LINE: CMDLET: message" (no newline). */
const char *ps_script_error(const struct ps_script *, size_t i);
/* Prints every error, one per line, then "FILE: N errors, nothing ran". */
void ps_script_print_errors(const struct ps_script *, FILE *);
size_t ps_script_n_statements(const struct ps_script *);

/* Runs a script that parsed cleanly.  0 when every statement ran;
 * -ECANCELED when a runtime error stopped it (reported on 'err'); -EINVAL
 * if the script had parse errors (nothing runs). */
int ps_exec(struct ps_script *, const struct ps_backend *, FILE *out,
            FILE *err);

#endif
