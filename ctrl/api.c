/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api: the REST resources of doc/controller.md.  Every handler runs on
 * libmicrohttpd's thread with the request's body whole; it fills
 * req->status and req->reply (or reply_text), or asks to wait (a long
 * poll).  Writes go through one struct txn each: validated, committed in
 * one database transaction, or not at all.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctrl/ctrl.h"
#include "lib/util.h"
#include "policy/json.h"

#define LIST_LIMIT_DEFAULT 1000
#define LIST_LIMIT_MAX 10000
#define FEED_LIMIT_DEFAULT 10000
#define FEED_LIMIT_MAX 100000
#define BATCH_MAX_OPS 100000

static void
reply_err(struct http_req *r, const struct cerr *e)
{
	json_t *err =
	    json_pack("{s:i, s:s}", "status", e->status, "message", e->msg);
	if (e->field[0])
		json_object_set_new(err, "field", json_string(e->field));
	r->status = e->status;
	json_decref(r->reply);
	r->reply = json_pack("{s:o}", "error", err);
}

static void fail(struct http_req *r, int status, const char *field,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void
fail(struct http_req *r, int status, const char *field, const char *fmt, ...)
{
	struct cerr e = {0};
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e.msg, sizeof(e.msg), fmt, ap);
	va_end(ap);
	e.status = status;
	if (field)
		snprintf(e.field, sizeof(e.field), "%s", field);
	reply_err(r, &e);
}

static void
take_warnings(struct http_req *r, struct cerr *e)
{
	if (e->warnings) {
		if (!r->warnings)
			r->warnings = json_array();
		json_array_extend(r->warnings, e->warnings);
		json_decref(e->warnings);
		e->warnings = NULL;
	}
}

static const char *
qget(const struct http_req *r, const char *k)
{
	return json_string_value(json_object_get(r->query, k));
}

/* A decimal query parameter in lo..hi, or 'def' when absent: -1 on a bad
 * value (reply set). */
static long long
qnum(struct http_req *r, const char *k, long long def, long long lo,
     long long hi)
{
	const char *v = qget(r, k);
	char *end;
	if (!v)
		return def;
	long long n = strtoll(v, &end, 10);
	if (!*v || *end || n < lo || n > hi) {
		fail(r, 400, k,
		     "query parameter '%s': '%.40s' is not a number "
		     "in %lld..%lld",
		     k, v, lo, hi);
		return -1;
	}
	return n;
}

static bool
qbool(const struct http_req *r, const char *k)
{
	const char *v = qget(r, k);
	return v && (!strcasecmp(v, "true") || !strcmp(v, "1") || !*v);
}

static json_t *
parse_body(struct http_req *r)
{
	json_error_t je;
	if (!r->body_len) {
		fail(r, 400, NULL, "the request needs a JSON body");
		return NULL;
	}
	json_t *j =
	    json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &je);
	if (!j) {
		fail(r, 400, NULL,
		     "the body is not valid JSON: %s (line %d, "
		     "column %d)",
		     je.text, je.line, je.column);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		fail(r, 400, NULL, "the body must be a JSON object");
		return NULL;
	}
	return j;
}

static const char *const ignore_keys[] = {"id", "revision", "host", NULL};

/* The body (API names) as agent keys: NULL with the reply set. */
static json_t *
body_to_agent(struct http_req *r, int kind, const json_t *body)
{
	struct pmsg m = {0};
	if (kind == CK_HOST) {
		const char *key;
		json_t *v;
		json_object_foreach(
		    (json_t *)body, key,
		    v) if (strcmp(key, "name") && strcmp(key, "id") &&
		           strcmp(key, "revision") && strcmp(key, "agent"))
		{
			fail(r, 400, key,
			     "host: field '%.64s' is unknown (known: "
			     "name)",
			     key);
			return NULL;
		}
		return json_incref((json_t *)body);
	}
	json_t *j = pnames_from_api(kind, body, ignore_keys, &m);
	if (!j) {
		char field[64] = "";
		const char *q = strstr(m.err, "field '");
		if (q)
			snprintf(field, sizeof(field), "%.*s",
			         (int)strcspn(q + 7, "'"), q + 7);
		fail(r, 400, field[0] ? field : NULL, "%s", m.err);
	}
	return j;
}

static void
reply_obj(struct http_req *r, int status, const struct cobj *o)
{
	r->status = status;
	json_decref(r->reply);
	r->reply = cobj_to_api(o);
	if (r->warnings)
		json_object_set(r->reply, "warnings", r->warnings);
}

/* ------------------------------------------------------------------ */
/* collections */

struct coll {
	int kind;
	struct chost *h; /* host-scoped collections */
	char url[300];
};

static bool
in_coll(const struct coll *c, const struct cobj *o)
{
	if (o->kind != c->kind)
		return false;
	if (c->kind == PK_PA || c->kind == PK_PR || c->kind == PK_SW ||
	    c->kind == PK_VM || c->kind == PK_VMA)
		return o->host == c->h;
	return true;
}

/* The filter of a query (API names): 0, or -1 with the reply set. */
static int
query_filter(struct http_req *r, const struct coll *c, struct policy_filter *f,
             bool *any)
{
	json_t *fj = json_object();
	const char *k;
	json_t *v;
	struct pmsg m = {0};

	*any = false;
	memset(f, 0, sizeof(*f));
	json_object_foreach(r->query, k, v)
	{
		if (!strcmp(k, "limit") || !strcmp(k, "after") ||
		    !strcmp(k, "dryRun"))
			continue;
		const char *sk = c->kind == CK_HOST
		                     ? (!strcmp(k, "name") ? "name" : NULL)
		                     : pnames_short(c->kind, k);
		if (!sk) {
			json_decref(fj);
			fail(r, 400, k,
			     "query parameter '%.64s' is not a "
			     "field of %s",
			     k, ckind_name(c->kind));
			return -1;
		}
		json_object_set(fj, sk, v);
		*any = true;
	}
	if (policy_filter_from_json(fj, f, &m)) {
		struct cerr e = {0};
		if (c->kind < PK_N)
			pnames_msg_to_api(c->kind, m.err, sizeof(m.err),
			                  e.field, sizeof(e.field));
		json_decref(fj);
		fail(r, 400, e.field[0] ? e.field : NULL, "%s", m.err);
		return -1;
	}
	json_decref(fj);
	return 0;
}

static void
list(struct model *md, struct http_req *r, const struct coll *c)
{
	struct policy_filter f;
	bool any;
	long long limit =
	    qnum(r, "limit", LIST_LIMIT_DEFAULT, 1, LIST_LIMIT_MAX);
	long long after = qnum(r, "after", 0, 0, INT64_MAX);

	if (limit < 0 || after < 0 || query_filter(r, c, &f, &any))
		return;
	const struct idvec *v = &md->by_kind[c->kind];
	json_t *items = json_array();
	size_t i = idvec_after(v, (uint64_t)after);
	uint64_t last = 0;
	bool more = false;
	for (; i < v->n; i++) {
		const struct cobj *o = v->objs[i];
		if (!o || !in_coll(c, o) || (any && !cobj_match(o, &f)))
			continue;
		if (json_array_size(items) == (size_t)limit) {
			more = true;
			break;
		}
		json_array_append_new(items, cobj_to_api(o));
		last = o->id;
	}
	json_t *next = json_null();
	if (more) {
		/* the same query with after = the last id given */
		char *url = xasprintf("%s?", c->url);
		const char *k;
		json_t *qv;
		json_object_foreach(r->query, k, qv)
		{
			if (!strcmp(k, "after"))
				continue;
			char *u2 = xasprintf("%s%s=%s&", url, k,
			                     json_string_value(qv));
			free(url);
			url = u2;
		}
		next = json_string_nocheck(url);
		free(url);
		char *u3 = xasprintf("%safter=%llu", json_string_value(next),
		                     (unsigned long long)last);
		json_decref(next);
		next = json_string(u3);
		free(u3);
	}
	r->status = 200;
	r->reply = json_pack("{s:o, s:o}", "items", items, "next", next);
}

static int
commit(struct model *md, struct http_req *r, struct txn *t, bool dry)
{
	struct cerr e = {0};
	if (dry) {
		txn_abort(t);
		return 0;
	}
	if (txn_commit(t, &e)) {
		reply_err(r, &e);
		return -1;
	}
	http_wake(md);
	return 0;
}

static void
create(struct model *md, struct http_req *r, const struct coll *c)
{
	json_t *body = parse_body(r), *aj;
	struct cerr e = {0};
	struct cobj *o;
	bool created;
	bool dry = qbool(r, "dryRun");

	if (!body)
		return;
	aj = body_to_agent(r, c->kind, body);
	json_decref(body);
	if (!aj)
		return;
	struct txn *t = txn_begin(md);
	if (txn_create(t, c->kind, c->h, aj, &o, &created, &e)) {
		json_decref(aj);
		take_warnings(r, &e);
		txn_abort(t);
		reply_err(r, &e);
		return;
	}
	json_decref(aj);
	take_warnings(r, &e);
	if (!created) {
		txn_abort(t);
		reply_obj(r, 200, o);
		return;
	}
	/* the reply is built before a dry run's undo frees the object */
	json_t *rep = cobj_to_api(o);
	char url[300];
	cobj_coll_url(o->kind, o->host, url, sizeof(url));
	if (o->kind == CK_HOST)
		snprintf(r->location, sizeof(r->location), "%s/%s", url,
		         o->u.host);
	else
		snprintf(r->location, sizeof(r->location), "%s/%llu", url,
		         (unsigned long long)o->id);
	if (commit(md, r, t, dry)) {
		json_decref(rep);
		r->location[0] = '\0';
		return;
	}
	json_object_set_new(rep, "revision",
	                    json_integer((json_int_t)(dry ? 0 : md->rev)));
	if (r->warnings)
		json_object_set(rep, "warnings", r->warnings);
	r->status = 201;
	r->reply = rep;
}

static void
remove_matching(struct model *md, struct http_req *r, const struct coll *c)
{
	struct policy_filter f;
	bool any;

	if (query_filter(r, c, &f, &any))
		return;
	if (!any) {
		fail(r, 400, NULL,
		     "DELETE on a collection needs a filter (a "
		     "query parameter naming a field); to remove "
		     "one object, DELETE its URL");
		return;
	}
	struct txn *t = txn_begin(md);
	const struct idvec *v = &md->by_kind[c->kind];
	size_t n = 0;
	for (size_t i = 0; i < v->n; i++) {
		struct cobj *o = v->objs[i];
		if (o && in_coll(c, o) && cobj_match(o, &f)) {
			struct cerr e = {0};
			if (hl_refuse_derived(md, o, "remove", &e)) {
				txn_abort(t);
				reply_err(r, &e);
				return;
			}
			/* a host goes with everything scoped to it */
			if (o->kind == CK_HOST)
				api_delete_host(md, t, o->host);
			else
				txn_delete(t, o);
			n++;
		}
	}
	if (!n) {
		txn_abort(t);
		fail(r, 404, NULL, "no %s matches the filter",
		     ckind_name(c->kind));
		return;
	}
	if (commit(md, r, t, qbool(r, "dryRun")))
		return;
	r->status = 200;
	r->reply = json_pack("{s:I}", "removed", (json_int_t)n);
}

static struct cobj *
find_id(struct model *md, struct http_req *r, const struct coll *c,
        const char *ids)
{
	char *end;
	unsigned long long id = strtoull(ids, &end, 10);
	struct cobj *o = *ids && !*end ? model_get(md, id) : NULL;
	if (!o || !in_coll(c, o)) {
		fail(r, 404, NULL, "%s %s/%.40s: no such object",
		     ckind_name(c->kind), c->url, ids);
		return NULL;
	}
	if (r->if_match && strtoull(r->if_match, NULL, 10) != o->rev) {
		fail(r, 412, NULL,
		     "%s %llu: revision is %llu, not %.40s (it changed)",
		     ckind_name(c->kind), id, (unsigned long long)o->rev,
		     r->if_match);
		return NULL;
	}
	return o;
}

static void
patch(struct model *md, struct http_req *r, const struct coll *c,
      struct cobj *o)
{
	json_t *body = parse_body(r), *aj, *merged;
	struct cerr e = {0};
	bool dry = qbool(r, "dryRun");

	if (!body)
		return;
	aj = body_to_agent(r, c->kind, body);
	json_decref(body);
	if (!aj)
		return;
	merged = cobj_to_json(o);
	json_object_update(merged, aj);
	json_decref(aj);
	struct txn *t = txn_begin(md);
	int rc = txn_update(t, o, merged, &e);
	json_decref(merged);
	take_warnings(r, &e);
	if (rc) {
		txn_abort(t);
		reply_err(r, &e);
		return;
	}
	json_t *rep = cobj_to_api(o);
	if (commit(md, r, t, dry)) {
		json_decref(rep);
		return;
	}
	if (!dry)
		json_object_set_new(rep, "revision",
		                    json_integer((json_int_t)o->rev));
	if (r->warnings)
		json_object_set(rep, "warnings", r->warnings);
	r->status = 200;
	r->reply = rep;
}

void
api_delete_host(struct model *md, struct txn *t, struct chost *h)
{
	char key[64];
	snprintf(key, sizeof(key), "h:");
	for (size_t i = 0; h->name[i] && i + 3 < sizeof(key); i++)
		key[2 + i] = (char)(h->name[i] >= 'A' && h->name[i] <= 'Z'
		                        ? h->name[i] + 32
		                        : h->name[i]),
		        key[3 + i] = '\0';
	struct scope *s = model_scope(md, key, false);
	/* its default-gateway records ("g:HOST:VSID" scopes) */
	char gp[72];
	size_t gl = (size_t)snprintf(gp, sizeof(gp), "g:%s:", key + 2);
	struct hmap_node *n;
	HMAP_FOR_EACH(n, &md->scopes)
	{
		struct scope *g = CONTAINER_OF(n, struct scope, node);
		if (strncmp(g->key, gp, gl))
			continue;
		for (size_t i = 0; i < g->objs.n; i++)
			if (g->objs.objs[i])
				txn_delete(t, g->objs.objs[i]);
	}
	/* adapters before switches: undo re-adds in reverse */
	static const int order[] = {PK_LR, PK_VMA, PK_VM, PK_SW, PK_PR, PK_PA};
	for (size_t k = 0; s && k < ARRAY_SIZE(order); k++)
		for (size_t i = 0; i < s->objs.n; i++)
			if (s->objs.objs[i] &&
			    s->objs.objs[i]->kind == order[k])
				txn_delete(t, s->objs.objs[i]);
	txn_delete(t, h->obj);
}

static void
one(struct model *md, struct http_req *r, const struct coll *c, const char *ids)
{
	struct cobj *o = find_id(md, r, c, ids);
	struct cerr e = {0};
	if (!o)
		return;
	if ((!strcmp(r->method, "PATCH") || !strcmp(r->method, "DELETE")) &&
	    hl_refuse_derived(
	        md, o, strcmp(r->method, "PATCH") ? "remove" : "change", &e)) {
		reply_err(r, &e);
		return;
	}
	if (!strcmp(r->method, "GET")) {
		reply_obj(r, 200, o);
	} else if (!strcmp(r->method, "PATCH")) {
		patch(md, r, c, o);
	} else if (!strcmp(r->method, "DELETE")) {
		struct txn *t = txn_begin(md);
		if (o->kind == CK_HOST)
			api_delete_host(md, t, o->host);
		else
			txn_delete(t, o);
		if (commit(md, r, t, qbool(r, "dryRun")))
			return;
		r->status = 204;
	} else {
		fail(r, 405, NULL,
		     "%s is not allowed on %s/%s (GET, PATCH, "
		     "DELETE)",
		     r->method, c->url, ids);
	}
}

static void
collection(struct model *md, struct http_req *r, const struct coll *c)
{
	if (!strcmp(r->method, "GET"))
		list(md, r, c);
	else if (!strcmp(r->method, "POST"))
		create(md, r, c);
	else if (!strcmp(r->method, "DELETE"))
		remove_matching(md, r, c);
	else
		fail(r, 405, NULL,
		     "%s is not allowed on %s (GET, POST, "
		     "DELETE)",
		     r->method, c->url);
}

/* ------------------------------------------------------------------ */
/* agents */

static void
agent_register(struct model *md, struct http_req *r, const char *name)
{
	struct chost *h = model_host(md, name);
	json_t *body = r->body_len ? parse_body(r) : json_object();

	if (!body)
		return;
	const char *ver = json_string_value(json_object_get(body, "version"));
	const char *enc = json_string_value(json_object_get(body, "encap"));
	if (!h) {
		struct cerr e = {0};
		struct cobj *o;
		bool created;
		json_t *hj = json_pack("{s:s}", "name", name);
		struct txn *t = txn_begin(md);
		int rc = txn_create(t, CK_HOST, NULL, hj, &o, &created, &e);
		json_decref(hj);
		if (rc || txn_commit(t, &e)) {
			if (rc)
				txn_abort(t);
			json_decref(body);
			reply_err(r, &e);
			return;
		}
		h = o->host;
	}
	h->registered = true;
	h->snap = false;
	h->last_seen = time_ns();
	snprintf(h->version, sizeof(h->version), "%s", ver ? ver : "");
	snprintf(h->encap, sizeof(h->encap), "%s", enc ? enc : "");
	json_decref(body);
	reply_obj(r, 200, h->obj);
}

static void
changes(struct model *md, struct http_req *r, struct chost *h)
{
	long long after = qnum(r, "after", 0, 0, INT64_MAX);
	long long wait = qnum(r, "wait", 0, 0, 60);
	long long limit =
	    qnum(r, "limit", FEED_LIMIT_DEFAULT, 1, FEED_LIMIT_MAX);
	if (after < 0 || wait < 0 || limit < 0)
		return;
	uint64_t now = time_ns();
	if (!r->wait_deadline)
		r->wait_deadline = now + (uint64_t)wait * 1000000000ull;
	h->last_seen = now;
	h->applied = (uint64_t)after;
	char *text = feed_reply(md, h, (uint64_t)after, qget(r, "epoch"),
	                        (size_t)limit, now >= r->wait_deadline);
	if (!text) {
		r->wait = true;
		r->wait_host = h;
		r->wait_after = (uint64_t)after;
		return;
	}
	r->wait = false;
	r->status = 200;
	r->reply_text = text;
}

/* ------------------------------------------------------------------ */
/* batch */

static void
batch(struct model *md, struct http_req *r)
{
	json_t *body = parse_body(r);
	if (!body)
		return;
	json_t *ops = json_object_get(body, "ops");
	if (!json_is_array(ops) || json_object_size(body) != 1) {
		json_decref(body);
		fail(r, 400, "ops", "batch: the body must be {\"ops\": [...]}");
		return;
	}
	if (json_array_size(ops) > BATCH_MAX_OPS) {
		json_decref(body);
		fail(r, 413, "ops", "batch: %zu ops, at most %d",
		     json_array_size(ops), BATCH_MAX_OPS);
		return;
	}
	struct txn *t = txn_begin(md);
	size_t idx;
	json_t *op;
	size_t created = 0, same = 0, changed = 0, removed = 0;
	json_array_foreach(ops, idx, op)
	{
		const char *method =
		    json_string_value(json_object_get(op, "method"));
		const char *path =
		    json_string_value(json_object_get(op, "path"));
		json_t *ob = json_object_get(op, "body");
		struct http_req sub = {0};
		char *pathcopy = xstrdup(path ? path : "");
		char *segs[8];
		int ns = 0;
		for (char *p = strtok(pathcopy, "/"); p && ns < 8;
		     p = strtok(NULL, "/"))
			segs[ns++] = p;
		struct coll c = {.kind = -1};
		const char *ids = NULL;
		if (ns >= 2 && !strcmp(segs[0], "v1")) {
			if (ns >= 4 && !strcmp(segs[1], "hosts")) {
				c.kind = ckind_from_path(segs[3]);
				c.h = model_host(md, segs[2]);
				ids = ns == 5 ? segs[4] : NULL;
				if (ns > 5 || c.kind == PK_LR ||
				    c.kind == PK_CR || !c.h)
					c.kind = -1;
			} else {
				c.kind = ckind_from_path(segs[1]);
				ids = ns == 3 ? segs[2] : NULL;
				if (ns > 3 ||
				    (c.kind != PK_LR && c.kind != PK_CR))
					c.kind = -1;
			}
		}
		struct cerr e = {0};
		int rc = 0;
		if (!method || c.kind < 0) {
			cerr_set(&e, 400,
			         "not a method and a path of a "
			         "collection or object%s",
			         path && ns >= 4 && !strcmp(segs[1], "hosts") &&
			                 !model_host(md, segs[2])
			             ? " (no such host)"
			             : "");
			rc = -1;
		} else if (!strcmp(method, "POST") && !ids) {
			json_t *aj = json_is_object(ob)
			                 ? body_to_agent(&sub, c.kind, ob)
			                 : NULL;
			struct cobj *o;
			bool cr;
			if (!aj) {
				if (sub.reply)
					snprintf(
					    e.msg, sizeof(e.msg), "%s",
					    json_string_value(json_object_get(
					        json_object_get(sub.reply,
					                        "error"),
					        "message")));
				else
					snprintf(e.msg, sizeof(e.msg),
					         "'body' must be an object");
				e.status = 400;
				rc = -1;
			} else {
				rc =
				    txn_create(t, c.kind, c.h, aj, &o, &cr, &e);
				if (!rc)
					cr ? created++ : same++;
			}
			json_decref(aj);
		} else if (!strcmp(method, "DELETE") && ids) {
			char *end;
			struct cobj *o = model_get(md, strtoull(ids, &end, 10));
			if (!o || *end || !in_coll(&c, o)) {
				cerr_set(&e, 404, "no such object");
				rc = -1;
			} else if (hl_refuse_derived(md, o, "remove", &e)) {
				rc = -1;
			} else {
				txn_delete(t, o);
				removed++;
			}
		} else if (!strcmp(method, "PATCH") && ids) {
			char *end;
			struct cobj *o = model_get(md, strtoull(ids, &end, 10));
			json_t *aj = NULL;
			if (!o || *end || !in_coll(&c, o)) {
				cerr_set(&e, 404, "no such object");
				rc = -1;
			} else if (hl_refuse_derived(md, o, "change", &e)) {
				rc = -1;
			} else if (!json_is_object(ob) ||
			           !(aj = body_to_agent(&sub, c.kind, ob))) {
				cerr_set(&e, 400, "'body' is not a valid %s",
				         ckind_name(c.kind));
				rc = -1;
			} else {
				json_t *m = cobj_to_json(o);
				json_object_update(m, aj);
				rc = txn_update(t, o, m, &e);
				json_decref(m);
				if (!rc)
					changed++;
			}
			json_decref(aj);
		} else {
			cerr_set(&e, 400,
			         "method %s on %s: a batch takes POST "
			         "on a collection, PATCH and DELETE on "
			         "an object",
			         method, path ? path : "?");
			rc = -1;
		}
		json_decref(sub.reply);
		json_decref(sub.warnings);
		free(pathcopy);
		json_decref(e.warnings);
		if (rc) {
			txn_abort(t);
			struct cerr e2 = e;
			snprintf(e2.msg, sizeof(e2.msg),
			         "ops[%zu] (%.8s %.80s): %.480s", idx,
			         method ? method : "?", path ? path : "?",
			         e.msg);
			e2.warnings = NULL;
			json_decref(body);
			reply_err(r, &e2);
			return;
		}
	}
	/* 'ops' belongs to 'body' */
	size_t nops = json_array_size(ops);
	json_decref(body);
	if (commit(md, r, t, qbool(r, "dryRun")))
		return;
	r->status = 200;
	r->reply = json_pack(
	    "{s:I, s:I, s:I, s:I, s:I, s:I}", "ops", (json_int_t)nops,
	    "created", (json_int_t)created, "unchanged", (json_int_t)same,
	    "changed", (json_int_t)changed, "removed", (json_int_t)removed,
	    "revision", (json_int_t)md->rev);
}

/* ------------------------------------------------------------------ */
/* moving a VM (flow F9) */

/* The host whose provider address is 'pa', or NULL. */
static const struct chost *
pa_host(struct model *md, const struct in6_addr *pa)
{
	const struct idvec *v = &md->by_kind[PK_PA];
	for (size_t i = 0; i < v->n; i++)
		if (v->objs[i] && ip_equal(&v->objs[i]->u.pa.pa, pa))
			return v->objs[i]->host;
	return NULL;
}

/* The PA of host 'h' to move a record with PA 'old' to: the first of
 * the family of 'old'. */
static const struct cobj *
move_pa(struct model *md, const struct chost *h, const struct in6_addr *old)
{
	const struct idvec *v = &md->by_kind[PK_PA];
	for (size_t i = 0; i < v->n; i++) {
		const struct cobj *p = v->objs[i];
		if (p && p->host == h && ip_is_v4(&p->u.pa.pa) == ip_is_v4(old))
			return p;
	}
	return NULL;
}

/* POST /v1/vms/NAME/move {"server": HOST}: the VM's adapters (and its VM
 * object) leave their host for HOST, and every lookup record of their
 * MACs that points at a PA of the old host points at a PA of HOST, in
 * one write: each agent sees its part at the same revision. */
static void
vm_move(struct model *md, struct http_req *r, const char *vm)
{
	json_t *body = parse_body(r);
	if (!body)
		return;
	const char *k;
	json_t *v;
	json_object_foreach(body, k,
	                    v) if (strcmp(k, "server") && strcmp(k, "host"))
	{
		json_decref(body);
		fail(r, 400, k,
		     "move: field '%.64s' is unknown (known: "
		     "server)",
		     k);
		return;
	}
	const char *to = json_string_value(json_object_get(body, "server"));
	if (!to)
		to = json_string_value(json_object_get(body, "host"));
	struct chost *h2 = to ? model_host(md, to) : NULL;
	if (!h2) {
		fail(r, to ? 404 : 400, "server", "move: %s%.64s",
		     to ? "no host "
		        : "field 'server' (the host to move to) "
		          "is missing",
		     to ? to : "");
		json_decref(body);
		return;
	}
	json_decref(body);

	/* the VM's adapters and VM object */
	struct cobj **objs = NULL;
	size_t n = 0;
	struct chost *h1 = NULL;
	for (int kind = PK_VM; kind <= PK_VMA; kind++) {
		const struct idvec *iv = &md->by_kind[kind];
		for (size_t i = 0; i < iv->n; i++) {
			struct cobj *o = iv->objs[i];
			const char *name =
			    o ? (kind == PK_VM ? o->u.vm : o->u.vma.vm) : NULL;
			if (name && !strcasecmp(name, vm)) {
				objs = xrealloc(objs, (n + 1) * sizeof(*objs));
				objs[n++] = o;
				h1 = o->host;
			}
		}
	}
	if (!n) {
		free(objs);
		fail(r, 404, NULL, "no VM %.64s (no VM object, no adapter)",
		     vm);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct cerr e = {0};
		if (hl_refuse_derived(md, objs[i], "move", &e)) {
			free(objs);
			reply_err(r, &e);
			return;
		}
	}
	if (h1 == h2) {
		free(objs);
		r->status = 200;
		r->reply = json_pack("{s:s, s:s, s:I}", "vm", vm, "server",
		                     h2->name, "revision", (json_int_t)md->rev);
		return;
	}
	struct txn *t = txn_begin(md);
	struct cerr e = {0};
	json_t **saved = xcalloc(n, sizeof(*saved));
	for (size_t i = 0; i < n; i++) {
		saved[i] = cobj_to_json(objs[i]);
		if (objs[i]->kind == PK_VM)
			txn_delete_moved(t, objs[i]);
		else
			txn_delete(t, objs[i]);
	}
	int rc = 0;
	size_t moved_lr = 0;
	/* VM objects first (the loop above collected PK_VM first) */
	for (size_t i = 0; i < n && !rc; i++) {
		struct cobj *o;
		bool cr;
		int kind = json_object_get(saved[i], "switch") ? PK_VMA : PK_VM;
		rc = txn_create(t, kind, h2, saved[i], &o, &cr, &e);
		if (rc || kind != PK_VMA || !o->u.vma.vsid)
			continue;
		/* the records of this adapter's MAC on the old host's PAs */
		char key[32];
		snprintf(key, sizeof(key), "v:%u", o->u.vma.vsid);
		struct scope *sc = model_scope(md, key, false);
		for (size_t j = 0; sc && j < sc->objs.n && !rc; j++) {
			struct cobj *lr = sc->objs.objs[j];
			if (!lr || lr->kind != PK_LR ||
			    !eth_equal(&lr->u.lr.mac, &o->u.vma.mac) ||
			    pa_host(md, &lr->u.lr.pa) != h1)
				continue;
			char a[IP_ADDR_STRLEN], pk[80];
			snprintf(pk, sizeof(pk), "%s", ip_fmt(&lr->u.lr.pa, a));
			const struct cobj *pa = move_pa(md, h2, &lr->u.lr.pa);
			if (!pa) {
				cerr_set(
				    &e, 409,
				    "host %s has no provider address of the "
				    "family of %s (record %s)",
				    h2->name, pk, ip_fmt(&lr->u.lr.ca, a));
				rc = -1;
				break;
			}
			json_t *m = cobj_to_json(lr);
			json_object_set_new(
			    m, "pa", json_string(ip_fmt(&pa->u.pa.pa, a)));
			rc = txn_update(t, lr, m, &e);
			json_decref(m);
			moved_lr++;
		}
	}
	for (size_t i = 0; i < n; i++)
		json_decref(saved[i]);
	free(saved);
	free(objs);
	take_warnings(r, &e);
	if (rc) {
		txn_abort(t);
		char msg[sizeof(e.msg)];
		snprintf(msg, sizeof(msg), "%s", e.msg);
		snprintf(e.msg, sizeof(e.msg), "move %.48s to %.48s: %.480s",
		         vm, h2->name, msg);
		reply_err(r, &e);
		return;
	}
	if (commit(md, r, t, qbool(r, "dryRun")))
		return;
	r->status = 200;
	r->reply =
	    json_pack("{s:s, s:s, s:s, s:I, s:I}", "vm", vm, "from", h1->name,
	              "server", h2->name, "lookupRecords", (json_int_t)moved_lr,
	              "revision", (json_int_t)md->rev);
}

/* ------------------------------------------------------------------ */

void
api_handle(struct model *md, struct http_req *r)
{
	char **s = r->seg;
	int n = r->nseg;
	struct coll c = {.kind = -1};

	if (n == 2 && !strcmp(s[0], "v1") && !strcmp(s[1], "health")) {
		r->status = 200;
		r->reply =
		    json_pack("{s:s, s:I, s:s}", "status", "ok", "revision",
		              (json_int_t)md->rev, "epoch", md->epoch);
		return;
	}
	if (n < 2 || strcmp(s[0], "v1")) {
		fail(r, 404, NULL,
		     "no such path: %.200s (the API is under "
		     "/v1; see /openapi.json)",
		     r->url);
		return;
	}
	/* the high-level resources (hl.c) */
	if (hl_handle(md, r))
		return;
	if (n == 2 && !strcmp(s[1], "batch")) {
		if (strcmp(r->method, "POST"))
			fail(r, 405, NULL, "/v1/batch takes POST");
		else
			batch(md, r);
		return;
	}
	if (n == 4 && !strcmp(s[1], "vms") && !strcmp(s[3], "move")) {
		if (strcmp(r->method, "POST"))
			fail(r, 405, NULL, "move takes POST");
		else
			vm_move(md, r, s[2]);
		return;
	}
	if (!strcmp(s[1], "hosts")) {
		c.kind = CK_HOST;
		snprintf(c.url, sizeof(c.url), "/v1/hosts");
		if (n == 2) {
			collection(md, r, &c);
			return;
		}
		if (n == 4 && !strcmp(s[3], "agent") &&
		    (!strcmp(r->method, "PUT") || !strcmp(r->method, "POST"))) {
			agent_register(md, r, s[2]);
			return;
		}
		struct chost *h = model_host(md, s[2]);
		if (!h) {
			fail(r, 404, NULL,
			     "no host %.64s (create it: POST "
			     "/v1/hosts {\"name\": ...}, or start "
			     "its agent)",
			     s[2]);
			return;
		}
		if (n == 3) {
			char ids[32];
			snprintf(ids, sizeof(ids), "%llu",
			         (unsigned long long)h->obj->id);
			one(md, r, &c, ids);
			return;
		}
		if (n == 4 && !strcmp(s[3], "changes")) {
			if (strcmp(r->method, "GET"))
				fail(r, 405, NULL, "changes takes GET");
			else
				changes(md, r, h);
			return;
		}
		c.kind = ckind_from_path(s[3]);
		if (c.kind < 0 || c.kind == PK_LR || c.kind == PK_CR ||
		    c.kind == CK_HOST || n > 5) {
			fail(r, 404, NULL, "no such path: %.200s", r->url);
			return;
		}
		c.h = h;
		cobj_coll_url(c.kind, h, c.url, sizeof(c.url));
		if (n == 4)
			collection(md, r, &c);
		else
			one(md, r, &c, s[4]);
		return;
	}
	c.kind = ckind_from_path(s[1]);
	if ((c.kind != PK_LR && c.kind != PK_CR) || n > 3) {
		fail(r, 404, NULL, "no such path: %.200s", r->url);
		return;
	}
	cobj_coll_url(c.kind, NULL, c.url, sizeof(c.url));
	if (n == 2)
		collection(md, r, &c);
	else
		one(md, r, &c, s[2]);
}
