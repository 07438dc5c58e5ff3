/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rest: agent commands <-> hnv-controller REST calls (see rest.h).
 */
#include "ctl/rest.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/addr.h"
#include "lib/util.h"
#include "policy/names.h"

/* Each family's collection, whether it belongs to a host, and the keys
 * that name one object for set (agent/commands.c's, in its order). */
static const char *const lr_keys[] = {"vsid", "ca", NULL};
static const char *const cr_keys[] = {"rdid", "prefix", NULL};
static const char *const pa_keys[] = {"pa", NULL};
static const char *const pr_keys[] = {"prefix", "nexthop", NULL};
static const char *const vma_keys[] = {"vm", "name", NULL};

static const struct {
	const char *coll;
	bool host;
	const char *const *keys; /* NULL: no set */
} colls[PK_N] = {
    [PK_LR] = {"lookup-records", false, lr_keys},
    [PK_CR] = {"customer-routes", false, cr_keys},
    [PK_PA] = {"provider-addresses", true, pa_keys},
    [PK_PR] = {"provider-routes", true, pr_keys},
    [PK_SW] = {"switches", true, NULL},
    [PK_VM] = {"vms", true, NULL},
    [PK_VMA] = {"vm-adapters", true, vma_keys},
};

/* What the API adds to every object, and the warnings of a write. */
static const char *const api_extra[] = {"id", "revision", "warnings", "host",
                                        NULL};

void
rest_req_uninit(struct rest_req *r)
{
	free(r->path);
	json_decref(r->body);
	json_decref(r->args);
	free(r->host);
	memset(r, 0, sizeof(*r));
	r->kind = -1;
}

const char *
rest_agent_only(const char *cmd)
{
	static const char *const why[][2] = {
	    {"status", "the controller does not run this host's data path "
	               "(hnvctl --controller URL status shows the "
	               "controller's)"},
	    {"stats", "the controller does not count packets"},
	    {"stats.clear", "the controller does not count packets"},
	    {"trace", "the controller does not run the data path"},
	    {"interface.get", "the controller does not see hosts' network "
	                      "interfaces"},
	    {"policy.get", "the controller does not hand out a host's whole "
	                   "policy at once (use the objects' get)"},
	    {"policy.clear", "the controller does not clear everything at "
	                     "once (remove objects, or hnvctl host remove "
	                     "NAME)"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(why); i++)
		if (!strcmp(cmd, why[i][0]))
			return why[i][1];
	return NULL;
}

char *
rest_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = xmalloc(3 * strlen(s) + 1), *o = out;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (isalnum(*p) || strchr("-_.~", *p)) {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = '\0';
	return out;
}

char *
rest_next_url(const char *base, const char *next)
{
	if (!strncmp(next, "http://", 7) || !strncmp(next, "https://", 8))
		return xstrdup(next);
	return xasprintf("%s%s%s", base, *next == '/' ? "" : "/", next);
}

static char *
coll_path(enum pkind k, const char *host)
{
	char *h, *p;

	if (!colls[k].host)
		return xasprintf("/v1/%s", colls[k].coll);
	h = rest_escape(host);
	p = xasprintf("/v1/hosts/%s/%s", h, colls[k].coll);
	free(h);
	return p;
}

/* A query value: strings as they are, numbers in decimal, booleans. */
static int
query_value(const json_t *v, char **out)
{
	if (json_is_string(v))
		*out = xstrdup(json_string_value(v));
	else if (json_is_integer(v))
		*out = xasprintf("%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		*out = xasprintf("%.17g", json_real_value(v));
	else if (json_is_boolean(v))
		*out = xstrdup(json_is_true(v) ? "true" : "false");
	else
		return -EINVAL;
	return 0;
}

/* Appends "?name=value&..." for the keys of 'filter' to '*path'; keys
 * are renamed to API names ('kind' >= 0) except those in 'pass'. */
static int
add_query(char **path, int kind, const json_t *filter, const char *const *pass,
          char **error)
{
	const char *key, *human = kind >= 0 ? pkind_human(kind) : "host";
	bool first = !strchr(*path, '?');
	json_t *v;

	json_object_foreach((json_t *)filter, key, v)
	{
		const char *name = NULL;
		char *val, *ev, *en, *p;

		for (const char *const *q = pass; q && *q; q++)
			if (!strcmp(*q, key))
				name = key;
		if (!name && kind >= 0)
			name = pnames_api(kind, key);
		if (!name) {
			*error =
			    xasprintf("%s: unknown field '%s'", human, key);
			return -EINVAL;
		}
		if (json_is_null(v))
			continue;
		if (query_value(v, &val) < 0) {
			*error = xasprintf("%s: field '%s': a filter value "
			                   "must be a string, a number or a "
			                   "boolean",
			                   human, key);
			return -EINVAL;
		}
		ev = rest_escape(val);
		en = rest_escape(name);
		p = xasprintf("%s%c%s=%s", *path, first ? '?' : '&', en, ev);
		free(*path);
		*path = p;
		first = false;
		free(val);
		free(ev);
		free(en);
	}
	return 0;
}

/* The args of an add or a set as an API body: every key must have an
 * API name, as the agent refuses unknown keys. */
static int
api_body(enum pkind k, const json_t *args, json_t **body, char **error)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)args, key, v)
	{
		if (!pnames_api(k, key)) {
			*error = xasprintf("%s: unknown field '%s'",
			                   pkind_human(k), key);
			return -EINVAL;
		}
	}
	*body = pnames_to_api(k, args);
	return 0;
}

static int
host_request(const char *verb, const json_t *args, struct rest_req *req,
             char **error)
{
	const char *name = json_string_value(json_object_get(args, "name"));
	char *e;

	if (!strcmp(verb, "get")) {
		static const char *const pass[] = {"name", NULL};

		req->op = REST_HOST_GET;
		req->method = "GET";
		req->path = xstrdup("/v1/hosts");
		return add_query(&req->path, -1, args, pass, error);
	}
	if (!name || !*name) {
		*error =
		    xasprintf("host %s: needs field 'name' (a string)", verb);
		return -EINVAL;
	}
	if (!strcmp(verb, "add")) {
		req->op = REST_HOST_ADD;
		req->method = "POST";
		req->path = xstrdup("/v1/hosts");
		req->body = json_pack("{ss}", "name", name);
		return 0;
	}
	if (!strcmp(verb, "remove")) {
		req->op = REST_HOST_REMOVE;
		req->method = "DELETE";
		e = rest_escape(name);
		req->path = xasprintf("/v1/hosts/%s", e);
		free(e);
		return 0;
	}
	*error = xasprintf("host: unknown verb '%s' (get, add, remove)", verb);
	return -EINVAL;
}

static int
object_request(enum pkind k, const char *verb, const json_t *args,
               const char *host, struct rest_req *req, char **error)
{
	static const char *const page_keys[] = {"limit", "after", NULL};
	const char *human = pkind_human(k);

	req->kind = (int)k;
	if (colls[k].host) {
		if (!host || !*host) {
			*error = xasprintf("%s: this object belongs to a host: "
			                   "give --host NAME (or -ComputerName "
			                   "in hnvctl ps)",
			                   pkind_name(k));
			return -EINVAL;
		}
		req->host = xstrdup(host);
	}
	req->path = coll_path(k, host);
	if (!strcmp(verb, "add")) {
		req->op = REST_ADD;
		req->method = "POST";
		return api_body(k, args, &req->body, error);
	}
	if (!strcmp(verb, "get")) {
		req->op = REST_GET;
		req->method = "GET";
		return add_query(&req->path, k, args, page_keys, error);
	}
	if (!strcmp(verb, "remove")) {
		req->op = REST_REMOVE;
		req->method = "DELETE";
		if (!json_object_size(args)) {
			*error = xasprintf("%s: remove needs a filter", human);
			return -EINVAL;
		}
		return add_query(&req->path, k, args, NULL, error);
	}
	if (!strcmp(verb, "set")) {
		json_t *key = json_object(), *body;
		int r;

		if (!colls[k].keys) {
			json_decref(key);
			*error = xasprintf("%s: set is not supported; remove "
			                   "and add",
			                   human);
			return -EINVAL;
		}
		/* Check the whole set now: nothing is sent for a bad one. */
		r = api_body(k, args, &body, error);
		json_decref(body);
		if (r < 0) {
			json_decref(key);
			return r;
		}
		for (const char *const *f = colls[k].keys; *f; f++)
			if (json_object_get(args, *f))
				json_object_set(key, *f,
				                json_object_get(args, *f));
		/* An L2Only record has no CA: name it by its MAC. */
		if (k == PK_LR && !json_object_get(key, "ca") &&
		    json_object_get(args, "mac"))
			json_object_set(key, "mac",
			                json_object_get(args, "mac"));
		if (!json_object_size(key)) {
			json_decref(key);
			*error = xasprintf("%s: set needs field '%s'", human,
			                   colls[k].keys[0]);
			return -EINVAL;
		}
		req->op = REST_FIND;
		req->method = "GET";
		r = add_query(&req->path, k, key, NULL, error);
		json_decref(key);
		return r;
	}
	*error = xasprintf("unknown verb '%s' for %s (add, get, set, remove)",
	                   verb, pkind_name(k));
	return -EINVAL;
}

int
rest_request(const char *cmd, const json_t *args, const char *host,
             struct rest_req *req, char **error)
{
	const char *dot = strrchr(cmd, '.'), *why;
	json_t *empty = NULL;
	char *obj;
	int k, r;

	memset(req, 0, sizeof(*req));
	req->kind = -1;
	*error = NULL;
	if (!args)
		args = empty = json_object();
	if (!json_is_object(args)) {
		*error = xasprintf("%s: the args must be a JSON object", cmd);
		return -EINVAL;
	}
	req->args = json_deep_copy(args);
	json_decref(empty);
	why = rest_agent_only(cmd);
	if (why) {
		*error = xasprintf("%s: needs an agent (--agent PATH): %s", cmd,
		                   why);
		return -EOPNOTSUPP;
	}
	if (!strcmp(cmd, "health")) {
		req->op = REST_HEALTH;
		req->method = "GET";
		req->path = xstrdup("/v1/health");
		return 0;
	}
	if (!dot) {
		*error =
		    xasprintf("the controller has no equivalent of '%s'", cmd);
		return -EINVAL;
	}
	obj = xasprintf("%.*s", (int)(dot - cmd), cmd);
	if (!strcmp(obj, "host")) {
		free(obj);
		return host_request(dot + 1, req->args, req, error);
	}
	k = pkind_parse(obj);
	free(obj);
	if (k < 0) {
		*error =
		    xasprintf("the controller has no equivalent of '%s'", cmd);
		return -EINVAL;
	}
	r = object_request((enum pkind)k, dot + 1, req->args, host, req, error);
	return r;
}

/* Does the PA of API object 'o' equal 'pa' (any accepted form)? */
static bool
same_pa(const json_t *o, const json_t *pa)
{
	const char *a =
	    json_string_value(json_object_get(o, "providerAddress"));
	const char *b = json_string_value(pa);
	struct in6_addr x, y;

	if (!a || !b || ip_parse(a, &x) < 0 || ip_parse(b, &y) < 0)
		return false;
	return !memcmp(&x, &y, sizeof(x));
}

int
rest_patch(const struct rest_req *find, const json_t *items,
           struct rest_req *patch, char **error)
{
	const char *human = pkind_human(find->kind), *q;
	json_t *match = json_array(), *id, *o;
	char *ids = NULL, *eid;
	size_t i;
	int r;

	memset(patch, 0, sizeof(*patch));
	patch->kind = -1;
	*error = NULL;
	json_array_foreach((json_t *)items, i, o)
	{
		json_array_append(match, o);
	}
	/* The default-gateway record of a subnet exists once per host PA:
	 * the PA given picks one. */
	if (find->kind == PK_LR && json_array_size(match) > 1 &&
	    json_object_get(find->args, "pa")) {
		json_t *narrowed = json_array();

		json_array_foreach(match, i, o)
		{
			if (same_pa(o, json_object_get(find->args, "pa")))
				json_array_append(narrowed, o);
		}
		json_decref(match);
		match = narrowed;
	}
	if (json_array_size(match) != 1) {
		*error = xasprintf("%s: %s", human,
		                   json_array_size(match)
		                       ? "more than one object matches"
		                       : "no such object");
		json_decref(match);
		return -ENOENT;
	}
	id = json_object_get(json_array_get(match, 0), "id");
	if (json_is_string(id) && *json_string_value(id))
		ids = xstrdup(json_string_value(id));
	else if (json_is_integer(id))
		ids = xasprintf("%lld", (long long)json_integer_value(id));
	json_decref(match);
	if (!ids) {
		*error = xasprintf("%s: the controller's object has no \"id\"",
		                   human);
		return -EPROTO;
	}
	patch->op = REST_PATCH;
	patch->kind = find->kind;
	patch->method = "PATCH";
	q = strchr(find->path, '?');
	eid = rest_escape(ids);
	patch->path =
	    xasprintf("%.*s/%s",
	              (int)(q ? q - find->path : (ptrdiff_t)strlen(find->path)),
	              find->path, eid);
	free(eid);
	free(ids);
	patch->args = json_deep_copy(find->args);
	patch->host = find->host ? xstrdup(find->host) : NULL;
	r = api_body(find->kind, patch->args, &patch->body, error);
	return r;
}

int
rest_batch_op(size_t index, const json_t *op, const char *host,
              struct rest_req *req, char **error)
{
	const char *cmd = json_string_value(json_object_get(op, "cmd"));
	const json_t *args = json_object_get(op, "args");
	const char *verb = cmd ? strrchr(cmd, '.') : NULL;
	char *e = NULL;
	int r;

	memset(req, 0, sizeof(*req));
	req->kind = -1;
	if (!json_is_object(op) || !cmd) {
		*error = xasprintf("ops[%zu]: expected {\"cmd\": ..., "
		                   "\"args\": {...}}",
		                   index);
		return -EINVAL;
	}
	if (!verb || !strncmp(cmd, "host.", 5) ||
	    (strcmp(verb, ".add") && strcmp(verb, ".set") &&
	     strcmp(verb, ".remove"))) {
		*error = xasprintf("ops[%zu] (%s): a batch takes add, set and "
		                   "remove ops only",
		                   index, cmd);
		return -EINVAL;
	}
	r = rest_request(cmd, args, host, req, &e);
	if (r < 0) {
		*error = xasprintf("ops[%zu] (%s): %s", index, cmd, e);
		free(e);
	}
	return r;
}

json_t *
rest_batch_entry(const struct rest_req *req)
{
	json_t *e =
	    json_pack("{ssss}", "method", req->method, "path", req->path);

	if (req->body)
		json_object_set(e, "body", req->body);
	return e;
}

void
rest_batch_request(json_t *ops, struct rest_req *req)
{
	memset(req, 0, sizeof(*req));
	req->kind = -1;
	req->op = REST_BATCH;
	req->method = "POST";
	req->path = xstrdup("/v1/batch");
	req->body = json_pack("{so}", "ops", ops);
}

/* ---- replies ---- */

/* The start of a body that is not JSON, on one line. */
static char *
body_excerpt(const char *body, size_t len)
{
	size_t n = MIN(len, (size_t)200);
	char *s = xmalloc(n + 4);

	for (size_t i = 0; i < n; i++)
		s[i] = body[i] == '\n' || body[i] == '\r' || body[i] == '\t' ||
		               !body[i]
		           ? ' '
		           : body[i];
	strcpy(s + n, len > n ? "..." : "");
	while (n && s[n - 1] == ' ' && len <= 200)
		s[--n] = '\0';
	return s;
}

static char *
no_match(const struct rest_req *req)
{
	char *a = json_dumps(req->args, JSON_COMPACT), *m;

	if (req->host)
		m = xasprintf("no %s matches %s on host %s",
		              pkind_human(req->kind), a ? a : "{}", req->host);
	else
		m = xasprintf("no %s matches %s", pkind_human(req->kind),
		              a ? a : "{}");
	free(a);
	return m;
}

static int
reply_error(const struct rest_req *req, long status, const json_t *j,
            const char *body, size_t len, char **error)
{
	const char *msg = json_string_value(
	    json_object_get(json_object_get(j, "error"), "message"));
	char *text;

	if (msg)
		text = xstrdup(msg);
	else if (len && body) {
		char *ex = body_excerpt(body, len);

		text = xasprintf("the controller's reply to %s %s: HTTP %ld: "
		                 "%s",
		                 req->method, req->path, status, ex);
		free(ex);
	} else {
		text = xasprintf("the controller's reply to %s %s: HTTP %ld",
		                 req->method, req->path, status);
	}
	if (status == 401) {
		if (req->token)
			*error = xasprintf("the controller refused the token "
			                   "(%s): check --token-file PATH (or "
			                   "$HNV_TOKEN_FILE)",
			                   text);
		else
			*error = xasprintf(
			    "the controller wants a token (%s): give "
			    "--token-file PATH (or set HNV_TOKEN_FILE), the "
			    "file hnv-controller writes it to (its "
			    "--token-file; by default its database path with "
			    ".token appended)",
			    text);
		free(text);
		return -EACCES;
	}
	if (status == 404 && req->op == REST_REMOVE) {
		*error = no_match(req);
		free(text);
		return -ENOENT;
	}
	if (status >= 500) {
		*error = msg ? xasprintf("the controller failed (HTTP %ld): "
		                         "%s",
		                         status, text)
		             : text;
		if (msg)
			free(text);
		return -EREMOTEIO;
	}
	*error = text;
	return status == 404 ? -ENOENT : status == 409 ? -EEXIST : -EINVAL;
}

static int
protocol_error(const struct rest_req *req, const char *what, char **error)
{
	*error = xasprintf("the controller's reply to %s %s %s", req->method,
	                   req->path, what);
	return -EPROTO;
}

/* An API object in the agent's form. */
static int
from_api(const struct rest_req *req, const json_t *o, json_t **out,
         char **error)
{
	struct pmsg msg;

	memset(&msg, 0, sizeof(msg));
	*out = pnames_from_api(req->kind, o, api_extra, &msg);
	if (!*out) {
		*error = xasprintf("the controller's reply to %s %s: %s",
		                   req->method, req->path, msg.err);
		return -EPROTO;
	}
	return 0;
}

static int
batch_result(const struct rest_req *req, const json_t *j, json_t **result)
{
	const json_t *ops = json_object_get(req->body, "ops");
	long long added = 0, set = 0, removed = 0;
	const char *key;
	json_t *op, *v;
	size_t i;

	json_array_foreach((json_t *)ops, i, op)
	{
		const char *m =
		    json_string_value(json_object_get(op, "method"));

		added += m && !strcmp(m, "POST");
		set += m && !strcmp(m, "PATCH");
		removed += m && !strcmp(m, "DELETE");
	}
	*result =
	    json_pack("{sIsIsIsI}", "ops", (json_int_t)json_array_size(ops),
	              "added", (json_int_t)added, "set", (json_int_t)set,
	              "removed", (json_int_t)removed);
	/* What the controller counted (a remove may match several) wins. */
	json_object_foreach((json_t *)j, key, v)
	{
		if (json_is_integer(v) &&
		    (!strcmp(key, "ops") || !strcmp(key, "added") ||
		     !strcmp(key, "set") || !strcmp(key, "removed") ||
		     !strcmp(key, "revision")))
			json_object_set(*result, key, v);
	}
	return 0;
}

static int
reply_ok(const struct rest_req *req, long status, json_t *j, json_t **result,
         char **next, char **error)
{
	json_t *items, *n, *o;
	size_t i;
	int r;

	if (req->op == REST_HOST_REMOVE) {
		*result = json_pack("{si}", "removed", 1);
		return 0;
	}
	if (!j) {
		if (req->op == REST_HEALTH) {
			*result = json_object();
			return 0;
		}
		return protocol_error(req, "is empty", error);
	}
	switch (req->op) {
	case REST_ADD:
	case REST_PATCH:
		return from_api(req, j, result, error);
	case REST_GET:
	case REST_FIND:
	case REST_HOST_GET:
		items = json_object_get(j, "items");
		n = json_object_get(j, "next");
		if (!json_is_array(items))
			return protocol_error(req, "has no \"items\" array",
			                      error);
		if (n && !json_is_null(n) && !json_is_string(n))
			return protocol_error(
			    req, "has a \"next\" that is not a URL", error);
		if (json_is_string(n) && *json_string_value(n))
			*next = xstrdup(json_string_value(n));
		if (req->op != REST_GET) {
			*result = json_incref(items);
			return 0;
		}
		*result = json_array();
		json_array_foreach(items, i, o)
		{
			json_t *s;

			r = from_api(req, o, &s, error);
			if (r < 0) {
				json_decref(*result);
				*result = NULL;
				free(*next);
				*next = NULL;
				return r;
			}
			json_array_append_new(*result, s);
		}
		return 0;
	case REST_REMOVE:
		n = json_object_get(j, "removed");
		if (!json_is_integer(n))
			return protocol_error(req, "has no \"removed\" count",
			                      error);
		if (json_integer_value(n) == 0) {
			*error = no_match(req);
			return -ENOENT;
		}
		*result = json_pack("{sO}", "removed", n);
		return 0;
	case REST_BATCH:
		return batch_result(req, j, result);
	case REST_HOST_ADD:
	case REST_HEALTH:
		*result = json_incref(j);
		return 0;
	case REST_HOST_REMOVE:
		break;
	}
	(void)status;
	return protocol_error(req, "is not understood", error);
}

int
rest_reply(const struct rest_req *req, long status, const char *body,
           size_t len, json_t **result, json_t **warnings, char **next,
           char **error)
{
	json_t *j = NULL, *w;
	json_error_t jerr;
	int r;

	*result = NULL;
	*warnings = NULL;
	*next = NULL;
	*error = NULL;
	if (body && len) {
		j = json_loadb(body, len, 0, &jerr);
		if (!j && status >= 200 && status < 300) {
			char *ex = body_excerpt(body, len);

			*error =
			    xasprintf("the controller's reply to %s %s is "
			              "not JSON (%s): %s",
			              req->method, req->path, jerr.text, ex);
			free(ex);
			return -EPROTO;
		}
	}
	if (status < 200 || status >= 300) {
		r = reply_error(req, status, j, body, len, error);
		json_decref(j);
		return r;
	}
	w = json_object_get(j, "warnings");
	if (json_is_array(w) && json_array_size(w))
		*warnings = json_incref(w);
	r = reply_ok(req, status, j, result, next, error);
	json_decref(j);
	if (r < 0) {
		json_decref(*warnings);
		*warnings = NULL;
	}
	return r;
}
