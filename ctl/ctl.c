/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ctl: shared plumbing of hnvctl's subcommands (see ctl.h).
 */
#include "ctl/ctl.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/client.h"
#include "ctl/http.h"
#include "ctl/ps/ps.h"
#include "ctl/table.h"

/* The agent, for the requests only it answers, when the controller is
 * the backend: connected at the first such request. */
static int
agent_call(void *ctx, const char *cmd, json_t *args, json_t **result,
           char **error, json_t **warnings)
{
	struct ctl *ctl = ctx;
	int r;

	if (!ctl->client) {
		r = client_open(ctl->agent, &ctl->client);
		if (r < 0) {
			*result = NULL;
			if (warnings)
				*warnings = NULL;
			*error = xasprintf("cannot connect to agent at %s: %s "
			                   "(is hnv-agent running?)",
			                   ctl->agent, strerror(-r));
			ctl->agent_down = true;
			return r;
		}
	}
	return client_call(ctl->client, cmd, args, result, error, warnings);
}

int
ctl_connect(struct ctl *ctl)
{
	int r;

	if (ctl->controller) {
		char *err = NULL;

		if (ctl->http)
			return 0;
		r = http_open(ctl->controller, ctl->token_file, ctl->host,
		              &ctl->http, &err);
		if (r < 0) {
			fprintf(stderr, "hnvctl: %s\n", err);
			free(err);
			return CTL_EXIT_FAIL;
		}
		if (ctl->ca_file)
			http_set_ca_file(ctl->http, ctl->ca_file);
		if (ctl->agent_given) {
			struct ps_backend agent = {agent_call, ctl, NULL};

			http_set_agent(ctl->http, &agent);
		}
		return 0;
	}
	if (ctl->client)
		return 0;
	r = client_open(ctl->agent, &ctl->client);
	if (r < 0) {
		fprintf(stderr,
		        "hnvctl: cannot connect to agent at %s: %s (is "
		        "hnv-agent running?)\n",
		        ctl->agent, strerror(-r));
		return CTL_EXIT_NOAGENT;
	}
	return 0;
}

void
ctl_disconnect(struct ctl *ctl)
{
	http_close(ctl->http);
	ctl->http = NULL;
	client_close(ctl->client);
	ctl->client = NULL;
}

int
ctl_backend(struct ctl *ctl, struct ps_backend *be)
{
	int r = ctl_connect(ctl);

	if (r)
		return r;
	if (ctl->http) {
		be->call = http_ps_call;
		be->ctx = ctl->http;
		be->set_host = http_ps_set_host;
	} else {
		be->call = client_ps_call;
		be->ctx = ctl->client;
		be->set_host = NULL;
	}
	return 0;
}

int
ctl_need_controller(struct ctl *ctl, const char *what)
{
	if (ctl->controller)
		return 0;
	return ctl_usage("%s needs a controller: give --controller URL (or "
	                 "set HNV_CONTROLLER)",
	                 what);
}

int
ctl_call(struct ctl *ctl, const char *cmd, json_t *args, json_t **result)
{
	json_t *res = NULL, *warn = NULL;
	struct ps_backend be;
	char *err = NULL;
	int r;

	if (result)
		*result = NULL;
	r = ctl_backend(ctl, &be);
	if (r)
		return r;
	ctl->agent_down = false;
	r = be.call(be.ctx, cmd, args, &res, &err, &warn);
	for (size_t i = 0; i < json_array_size(warn); i++) {
		const char *w = json_string_value(json_array_get(warn, i));

		if (w)
			fprintf(stderr, "warning: %s\n", w);
	}
	json_decref(warn);
	if (r < 0) {
		fprintf(stderr, "hnvctl: %s\n", err ? err : strerror(-r));
		free(err);
		json_decref(res);
		return ctl->agent_down || (ctl->http && http_unreachable(r))
		           ? CTL_EXIT_NOAGENT
		           : CTL_EXIT_FAIL;
	}
	free(err);
	if (result)
		*result = res;
	else
		json_decref(res);
	return 0;
}

int
ctl_rest(struct ctl *ctl, const char *method, const char *path,
         const json_t *body, json_t **reply)
{
	json_t *rep = NULL;
	char *err = NULL;
	long status = 0;
	int r;

	*reply = NULL;
	r = ctl_connect(ctl);
	if (r)
		return r;
	if (!ctl->http)
		return ctl_usage("%s %s needs a controller", method, path);
	r = http_rest(ctl->http, method, path, body, &status, &rep, &err);
	if (r < 0) {
		fprintf(stderr, "hnvctl: %s\n", err ? err : strerror(-r));
		free(err);
		return http_unreachable(r) ? CTL_EXIT_NOAGENT : CTL_EXIT_FAIL;
	}
	const json_t *w = json_object_get(rep, "warnings");
	for (size_t i = 0; i < json_array_size(w); i++)
		fprintf(stderr, "warning: %s\n",
		        json_string_value(json_array_get(w, i)));
	if (status < 200 || status > 299) {
		const char *m = json_string_value(
		    json_object_get(json_object_get(rep, "error"), "message"));
		if (m)
			fprintf(stderr, "hnvctl: %s\n", m);
		else
			fprintf(stderr, "hnvctl: %s %s: HTTP %ld\n", method,
			        path, status);
		json_decref(rep);
		return CTL_EXIT_FAIL;
	}
	*reply = rep;
	return 0;
}

int
ctl_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("hnvctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n", stderr);
	return CTL_EXIT_USAGE;
}

void
ctl_print_json(const json_t *v, FILE *f)
{
	char *s = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
	                            JSON_ENCODE_ANY);

	fprintf(f, "%s\n", s ? s : "null");
	free(s);
}

char *
ctl_scalar(const json_t *v)
{
	if (!v || json_is_null(v))
		return xstrdup("-");
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	if (json_is_integer(v))
		return xasprintf("%lld", (long long)json_integer_value(v));
	if (json_is_real(v))
		return xasprintf("%g", json_real_value(v));
	if (json_is_boolean(v))
		return xstrdup(json_is_true(v) ? "true" : "false");
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

bool
ctl_is_help(const char *s)
{
	return !strcmp(s, "--help") || !strcmp(s, "-h") || !strcmp(s, "help");
}

static bool
is_object_array(const json_t *v)
{
	size_t i;
	json_t *e;

	if (!json_is_array(v) || !json_array_size(v))
		return false;
	json_array_foreach(v, i, e)
	{
		if (!json_is_object(e))
			return false;
	}
	return true;
}

static char *
header_of(const char *key)
{
	char *h = xstrdup(key);

	for (char *p = h; *p; p++)
		*p = *p == '_' ? '-' : (char)toupper((unsigned char)*p);
	return h;
}

/* An array of objects as a table whose columns are the union of their
 * keys, in first-seen order. */
static void
print_object_array(const json_t *arr, int indent, FILE *f)
{
	json_t *cols = json_array(), *e, *v;
	const char *k;
	struct table *t;
	size_t i, n;

	json_array_foreach(arr, i, e)
	{
		json_object_foreach((json_t *)e, k, v)
		{
			bool seen = false;

			for (size_t c = 0; c < json_array_size(cols); c++)
				seen |= !strcmp(
				    json_string_value(json_array_get(cols, c)),
				    k);
			if (!seen)
				json_array_append_new(cols, json_string(k));
		}
	}
	n = json_array_size(cols);
	t = table_create(n, 2, false);
	for (size_t c = 0; c < n; c++) {
		char *h = header_of(json_string_value(json_array_get(cols, c)));

		table_header(t, c, h, false);
		free(h);
	}
	json_array_foreach(arr, i, e)
	{
		char **cells = xcalloc(n ? n : 1, sizeof(*cells));

		for (size_t c = 0; c < n; c++)
			cells[c] = ctl_scalar(json_object_get(
			    e, json_string_value(json_array_get(cols, c))));
		table_add(t, (const char *const *)cells);
		for (size_t c = 0; c < n; c++)
			free(cells[c]);
		free(cells);
	}
	table_print_indented(t, f, indent);
	table_destroy(t);
	json_decref(cols);
}

static void
print_human(const json_t *v, int indent, FILE *f)
{
	const char *k;
	json_t *e;
	size_t w = 0;

	if (!json_is_object(v)) {
		if (is_object_array(v)) {
			print_object_array(v, indent, f);
		} else {
			char *s = ctl_scalar(v);

			fprintf(f, "%*s%s\n", indent, "", s);
			free(s);
		}
		return;
	}
	json_object_foreach((json_t *)v, k, e)
	{
		if (!json_is_object(e) && !is_object_array(e))
			w = MAX(w, strlen(k) + 1);
	}
	json_object_foreach((json_t *)v, k, e)
	{
		if (json_is_object(e) || is_object_array(e)) {
			fprintf(f, "%*s%s:\n", indent, "", k);
			print_human(e, indent + 2, f);
		} else {
			char *s = ctl_scalar(e);
			char *key = xasprintf("%s:", k);

			fprintf(f, "%*s%-*s %s\n", indent, "", (int)w, key, s);
			free(key);
			free(s);
		}
	}
}

int
ctl_call_print(struct ctl *ctl, const char *cmd, json_t *args)
{
	json_t *res;
	int r = ctl_call(ctl, cmd, args, &res);

	if (r)
		return r;
	if (ctl->json)
		ctl_print_json(res, stdout);
	else
		ctl_print_human(res, stdout);
	json_decref(res);
	return CTL_EXIT_OK;
}

void
ctl_print_human(const json_t *v, FILE *f)
{
	print_human(v, 0, f);
}
