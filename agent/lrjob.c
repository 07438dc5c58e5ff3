/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lrjob: the lookup record requests, as jobs that run in slices between
 * forwarding polls (control.c gives each about a millisecond), so that a
 * batch of 100,000 records, a page of a million, a removal by a filter
 * no index serves or policy.clear never stop forwarding for long.
 *
 * Changes (lookup-record.add/set/remove, batch) run in a policy stage
 * (policy.h, "Stages"):
 *  1. apply each op in order, validating it against the records as the
 *     earlier ops left them; the data path meanwhile sees the records as
 *     they were before the request;
 *  2. at the first op that fails: roll back, reply with the error naming
 *     the op's index; nothing changed, for anyone;
 *  3. when all applied: commit (the data path sees all of it at once),
 *     then hand the net changes to the store and close its transaction:
 *     the reply waits for that ticket (control.c);
 * so a request is all or nothing, for the data path and on disk.
 *
 * Reads (lookup-record.get, policy.get) return pages: at most 'limit'
 * records (default LRJOB_PAGE, at most LRJOB_PAGE_MAX) and, when more may
 * follow, "next": {"after": CURSOR} beside "result" in the reply; the
 * same request with "after" added returns the next page.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "agent/store.h"
#include "lib/log.h"
#include "policy/json.h"

#define LRJOB_PAGE 1000
#define LRJOB_PAGE_MAX 10000
#define LRJOB_STEP 256   /* records per step, between clock reads */
#define LRJOB_WARN_MAX 8 /* warnings in a batch reply, then a count */

/* ---- changes ---- */

enum op_kind { OP_ADD, OP_SET, OP_REMOVE };
enum phase { PH_APPLY, PH_ROLLBACK, PH_FINALIZE, PH_CLEAR_REST };

struct change_job {
	struct job job;
	struct agent *a;
	json_t *ops; /* batch: the array of {"cmd", "args"} */
	json_t *one; /* a single op: its args */
	enum op_kind one_kind;
	bool batch, clear;
	size_t n, i; /* ops, the next to apply */
	enum phase phase;
	/* A removal walking records (a filter no index serves). */
	bool walking;
	struct policy_lr_walk walk;
	size_t walk_removed;
	json_t *walk_args;
	/* What happened. */
	size_t added, set, removed;
	json_t *stored; /* a single add or set: the record as stored */
	json_t *warnings;
	size_t more_warnings;
	char err[512];
};

static const char *const op_cmds[] = {
    [OP_ADD] = "lookup-record.add",
    [OP_SET] = "lookup-record.set",
    [OP_REMOVE] = "lookup-record.remove",
};

static void
change_destroy(struct job *j)
{
	struct change_job *c = CONTAINER_OF(j, struct change_job, job);

	json_decref(c->ops);
	json_decref(c->one);
	json_decref(c->walk_args);
	json_decref(c->stored);
	json_decref(c->warnings);
	json_decref(c->job.res.reply);
	free(c);
}

/* The error of op 'i': "ops[i] (cmd): msg" in a batch, 'msg' alone for
 * a single op. */
static void
op_error(struct change_job *c, enum op_kind k, const char *msg)
{
	if (c->batch)
		snprintf(c->err, sizeof(c->err), "ops[%zu] (%s): %.440s", c->i,
		         op_cmds[k], msg);
	else
		snprintf(c->err, sizeof(c->err), "%s", msg);
}

static void
op_warnings(struct change_job *c, const struct pmsg *m)
{
	for (int w = 0; w < m->n_warn; w++) {
		char buf[sizeof(m->warn[0]) + 32];

		if (json_array_size(c->warnings) >= LRJOB_WARN_MAX) {
			c->more_warnings++;
			continue;
		}
		if (c->batch)
			snprintf(buf, sizeof(buf), "ops[%zu]: %s", c->i,
			         m->warn[w]);
		else
			snprintf(buf, sizeof(buf), "%s", m->warn[w]);
		log_warnx("%s", buf);
		json_array_append_new(c->warnings, json_string(buf));
	}
}

static int
walk_remove_cb(const struct lookup_record *r, void *aux)
{
	struct change_job *c = aux;

	policy_lr_remove_rec(c->a->pol, r);
	c->walk_removed++;
	return 0;
}

static void
no_match(struct change_job *c, const json_t *args)
{
	char *s = json_dumps(args, JSON_COMPACT);
	char msg[400];

	snprintf(msg, sizeof(msg), "no lookup record matches %.300s",
	         s ? s : "");
	free(s);
	op_error(c, OP_REMOVE, msg);
}

/* Applies op 'c->i' (or starts its walk): 0, or -1 with c->err set. */
static int
apply_op(struct agent *a, struct change_job *c)
{
	struct pmsg m = {0};
	struct lookup_record r;
	struct policy_filter f;
	const json_t *args;
	json_t *merged = NULL;
	enum op_kind k;
	int rc = 0;

	if (c->batch) {
		const json_t *op = json_array_get(c->ops, c->i);
		const char *cmd = json_string_value(json_object_get(op, "cmd"));
		size_t j;

		args = json_object_get(op, "args");
		for (j = 0; cmd && j < ARRAY_SIZE(op_cmds); j++)
			if (!strcmp(cmd, op_cmds[j]))
				break;
		if (!json_is_object(op)) {
			snprintf(c->err, sizeof(c->err),
			         "ops[%zu]: must be an object {\"cmd\": ..., "
			         "\"args\": {...}}",
			         c->i);
			return -1;
		}
		if (!cmd || j == ARRAY_SIZE(op_cmds)) {
			snprintf(c->err, sizeof(c->err),
			         "ops[%zu]: field 'cmd': %s%.60s%s is not "
			         "lookup-record.add, lookup-record.set or "
			         "lookup-record.remove",
			         c->i, cmd ? "'" : "", cmd ? cmd : "missing",
			         cmd ? "'" : "");
			return -1;
		}
		if (!json_is_object(args)) {
			snprintf(
			    c->err, sizeof(c->err),
			    "ops[%zu] (%s): field 'args' must be an object",
			    c->i, cmd);
			return -1;
		}
		k = (enum op_kind)j;
	} else {
		args = c->one;
		k = c->one_kind;
	}
	switch (k) {
	case OP_ADD:
		rc = lr_from_json(args, &r, &m);
		if (!rc)
			rc = policy_lr_add(a->pol, &r, &m);
		if (!rc) {
			c->added++;
			if (!c->batch)
				c->stored = lr_to_json(&r);
		}
		break;
	case OP_SET:
		rc = lrjob_merge_for_set(a, args, &merged, &m);
		if (!rc)
			rc = lr_from_json(merged, &r, &m);
		if (!rc)
			rc = policy_lr_set(a->pol, &r, &m);
		json_decref(merged);
		if (!rc) {
			c->set++;
			if (!c->batch)
				c->stored = lr_to_json(&r);
		}
		break;
	case OP_REMOVE:
		rc = policy_filter_from_json(args, &f, &m);
		if (!rc && !f.fields) {
			snprintf(m.err, sizeof(m.err),
			         "lookup record: remove needs a filter (use "
			         "policy.clear to remove everything)");
			rc = -EINVAL;
		}
		if (rc)
			break;
		if ((f.fields & (F_VSID | F_CA)) == (F_VSID | F_CA) &&
		    !ip_is_unspec(&f.ca)) {
			int n = policy_lr_remove(a->pol, &f);

			if (!n) {
				no_match(c, args);
				return -1;
			}
			c->removed += (size_t)n;
			break;
		}
		/* Anything else may match many: walk, in steps. */
		policy_lr_walk_init(&c->walk, &f, NULL, NULL);
		c->walking = true;
		c->walk_removed = 0;
		json_decref(c->walk_args);
		c->walk_args = json_incref((json_t *)args);
		return 0;
	}
	if (rc) {
		op_error(c, k, m.err);
		return -1;
	}
	op_warnings(c, &m);
	return 0;
}

static void
store_cb(enum policy_lr_change ch, uint64_t seq, const struct lookup_record *r,
         void *aux)
{
	struct change_job *c = aux;

	if (c->clear)
		return; /* one "delete everything" instead */
	if (ch == POLICY_LR_PUT)
		store_lr_put(c->a->store, seq, r);
	else
		store_lr_del(c->a->store, seq);
}

static void
finish(struct agent *a, struct change_job *c, json_t *result, bool changed)
{
	json_t *reply;

	if (result) {
		reply = json_pack("{s:b,s:o}", "ok", 1, "result", result);
		if (changed)
			c->job.res.ticket = store_mark(a->store);
	} else {
		reply = commands_error(c->err);
	}
	if (json_array_size(c->warnings)) {
		if (c->more_warnings) {
			char buf[64];

			snprintf(buf, sizeof(buf), "... and %zu more warnings",
			         c->more_warnings);
			json_array_append_new(c->warnings, json_string(buf));
		}
		json_object_set(reply, "warnings", c->warnings);
	}
	c->job.res.reply = reply;
}

static json_t *
change_result(struct change_job *c)
{
	if (c->clear)
		return json_object();
	if (c->batch)
		return json_pack("{s:I,s:I,s:I,s:I}", "ops", (json_int_t)c->n,
		                 "added", (json_int_t)c->added, "set",
		                 (json_int_t)c->set, "removed",
		                 (json_int_t)c->removed);
	if (c->one_kind == OP_REMOVE)
		return json_pack("{s:I}", "removed", (json_int_t)c->removed);
	return json_incref(c->stored);
}

/* Done with op i: a batch frees it now (a 100,000-op tree freed at once
 * would stop the loop for tens of milliseconds). */
static void
next_op(struct change_job *c)
{
	if (c->batch)
		json_array_set_new(c->ops, c->i, json_null());
	c->i++;
}

static bool
change_step(struct agent *a, struct job *j, uint64_t deadline)
{
	struct change_job *c = CONTAINER_OF(j, struct change_job, job);

	do {
		switch (c->phase) {
		case PH_APPLY:
			if (c->walking) {
				policy_lr_walk_step(a->pol, &c->walk,
				                    LRJOB_STEP, walk_remove_cb,
				                    c);
				if (!c->walk.done)
					break;
				c->walking = false;
				if (!c->walk_removed && !c->clear) {
					no_match(c, c->walk_args);
					c->phase = PH_ROLLBACK;
					break;
				}
				c->removed += c->walk_removed;
				next_op(c);
				break;
			}
			if (c->i == c->n) {
				policy_lr_commit(a->pol);
				c->job.res.t_visible = time_ns();
				c->phase = PH_FINALIZE;
				break;
			}
			if (apply_op(a, c) < 0) {
				c->phase = PH_ROLLBACK;
				break;
			}
			if (!c->walking)
				next_op(c);
			break;
		case PH_ROLLBACK:
			if (policy_lr_rollback_step(a->pol, LRJOB_STEP))
				break;
			finish(a, c, NULL, false);
			return false;
		case PH_FINALIZE:
			if (policy_lr_finalize_step(a->pol, LRJOB_STEP,
			                            store_cb, c))
				break;
			if (c->clear) {
				c->phase = PH_CLEAR_REST;
				break;
			}
			finish(a, c, change_result(c),
			       c->added + c->set + c->removed > 0);
			return false;
		case PH_CLEAR_REST:
			/* The records are gone: the rest is small. */
			policy_clear(a->pol);
			store_lr_clear(a->store);
			finish(a, c, change_result(c), false);
			c->job.res.ticket = agent_save(a, SAVE_ALL_META);
			return false;
		}
	} while (time_ns() < deadline);
	return true;
}

static struct change_job *
change_new(struct agent *a)
{
	struct change_job *c = xcalloc(1, sizeof(*c));

	c->job.step = change_step;
	c->job.destroy = change_destroy;
	c->a = a;
	c->warnings = json_array();
	if (policy_lr_begin(a->pol))
		fatalx("lookup record stage already open"); /* a bug */
	return c;
}

int
lrjob_change(struct agent *a, const char *verb, const json_t *args,
             struct pmsg *m)
{
	struct change_job *c;

	(void)m;
	c = change_new(a);
	c->one = json_incref((json_t *)args);
	c->one_kind = !strcmp(verb, "add")   ? OP_ADD
	              : !strcmp(verb, "set") ? OP_SET
	                                     : OP_REMOVE;
	c->n = 1;
	snprintf(c->job.res.what, sizeof(c->job.res.what), "lookup record %s",
	         verb);
	a->job = &c->job;
	return 0;
}

int
lrjob_batch(struct agent *a, const json_t *args, struct pmsg *m)
{
	const json_t *ops = json_object_get(args, "ops");
	struct change_job *c;

	if (!json_is_array(ops) || json_object_size(args) != 1) {
		snprintf(m->err, sizeof(m->err),
		         "batch: args must be {\"ops\": [{\"cmd\": "
		         "\"lookup-record.add\", \"args\": {...}}, ...]}");
		return -EINVAL;
	}
	c = change_new(a);
	c->batch = true;
	c->ops = json_incref((json_t *)ops);
	c->n = json_array_size(ops);
	snprintf(c->job.res.what, sizeof(c->job.res.what), "batch of %zu ops",
	         c->n);
	a->job = &c->job;
	return 0;
}

static int
detach_cb(struct vm_adapter *vma, void *aux)
{
	ports_detach(aux, vma, true);
	return 0;
}

/* policy.clear: the adapters' interfaces go at once; the records in
 * steps, in a stage; then the rest, which is small. */
int
lrjob_clear(struct agent *a, struct pmsg *m)
{
	struct change_job *c;

	(void)m;
	policy_vma_foreach(a->pol, NULL, detach_cb, a);
	c = change_new(a);
	c->clear = true;
	c->n = 1; /* the walk removing every record */
	c->walking = true;
	policy_lr_walk_init(&c->walk, NULL, NULL, NULL);
	snprintf(c->job.res.what, sizeof(c->job.res.what), "policy clear");
	a->job = &c->job;
	return 0;
}

/* ---- pages ---- */

/* The reply is written as text as the walk goes, record by record, so
 * that no slice pays for building, dumping or freeing a whole page. */
struct get_job {
	struct job job;
	struct policy_lr_walk walk;
	char *text;
	size_t len, cap;
	size_t n, limit;
	bool whole; /* policy.get: the page goes into an object */
};

static void
get_destroy(struct job *j)
{
	struct get_job *g = CONTAINER_OF(j, struct get_job, job);

	free(g->text);
	free(g->job.res.text);
	json_decref(g->job.res.reply);
	free(g);
}

static void
text_add(struct get_job *g, const char *p, size_t n)
{
	if (g->len + n + 1 > g->cap) {
		while (g->len + n + 1 > g->cap)
			g->cap = g->cap ? g->cap * 2 : 65536;
		g->text = xrealloc(g->text, g->cap);
	}
	memcpy(g->text + g->len, p, n);
	g->len += n;
	g->text[g->len] = '\0';
}

static int
page_cb(const struct lookup_record *r, void *aux)
{
	struct get_job *g = aux;
	char buf[LR_JSON_TEXT_MAX + 1];
	size_t n;

	buf[0] = ',';
	n = lr_to_json_text(r, buf + 1);
	if (g->n++)
		text_add(g, buf, n + 1);
	else
		text_add(g, buf + 1, n);
	return g->n >= g->limit;
}

static bool
get_step(struct agent *a, struct job *j, uint64_t deadline)
{
	struct get_job *g = CONTAINER_OF(j, struct get_job, job);

	do {
		policy_lr_walk_step(a->pol, &g->walk, LRJOB_STEP / 4, page_cb,
		                    g);
		if (g->walk.done || g->n >= g->limit)
			break;
	} while (time_ns() < deadline);
	if (!g->walk.done && g->n < g->limit)
		return true;
	text_add(g, g->whole ? "]}" : "]", g->whole ? 2 : 1);
	if (!g->walk.done) {
		char cur[POLICY_LR_CURSOR_LEN];
		json_t *s;
		char *q;

		policy_lr_walk_cursor(&g->walk, cur);
		s = json_string(cur);
		q = json_dumps(s, JSON_ENCODE_ANY);
		text_add(g, ",\"next\":{\"after\":", 17);
		text_add(g, q, strlen(q));
		text_add(g, "}", 1);
		free(q);
		json_decref(s);
	}
	text_add(g, "}", 1);
	g->job.res.text = g->text;
	g->text = NULL;
	return false;
}

/* "limit": a JSON integer or a string of digits, 1..LRJOB_PAGE_MAX. */
static int
parse_limit(const json_t *v, size_t *out, struct pmsg *m)
{
	long long n = -1;
	char *end;

	if (!v) {
		*out = LRJOB_PAGE;
		return 0;
	}
	if (json_is_integer(v))
		n = json_integer_value(v);
	else if (json_is_string(v) && *json_string_value(v)) {
		n = strtoll(json_string_value(v), &end, 10);
		if (*end)
			n = -1;
	}
	if (n < 1 || n > LRJOB_PAGE_MAX) {
		char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

		snprintf(m->err, sizeof(m->err),
		         "field 'limit': %.40s is not in 1..%d", s ? s : "?",
		         LRJOB_PAGE_MAX);
		free(s);
		return -EINVAL;
	}
	*out = (size_t)n;
	return 0;
}

/* The first page of policy.get carries the small families too, as the
 * start of the object whose "lookup_records" the page fills. */
static char *
small_families(struct agent *a)
{
	json_t *all = json_object();
	static const struct {
		const char *key, *cmd;
	} fam[] = {
	    {"switches", "switch"},
	    {"vm_adapters", "vm-adapter"},
	    {"provider_addresses", "provider-address"},
	    {"provider_routes", "provider-route"},
	    {"customer_routes", "customer-route"},
	};
	char *text;

	for (size_t i = 0; i < ARRAY_SIZE(fam); i++) {
		json_t *req = json_pack("{s:s+}", "cmd", fam[i].cmd, ".get");
		struct cmd_result r;

		commands_run(a, req, &r);
		json_object_set(all, fam[i].key,
		                json_object_get(r.reply, "result"));
		json_decref(r.reply);
		json_decref(req);
	}
	json_object_set_new(all, "lookup_records", json_array());
	text = json_dumps(all, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(all);
	/* Drop the closing "]}" of the empty lookup_records. */
	text[strlen(text) - 2] = '\0';
	return text;
}

int
lrjob_get(struct agent *a, const json_t *args, bool whole_policy,
          struct pmsg *m)
{
	json_t *fargs = json_deep_copy(args);
	const char *after = json_string_value(json_object_get(args, "after"));
	struct policy_filter f;
	struct get_job *g;
	size_t limit;
	int rc;

	if (json_object_get(args, "after") && !after) {
		snprintf(m->err, sizeof(m->err),
		         "field 'after': must be a string (a reply's 'next')");
		json_decref(fargs);
		return -EINVAL;
	}
	rc = parse_limit(json_object_get(args, "limit"), &limit, m);
	json_object_del(fargs, "limit");
	json_object_del(fargs, "after");
	if (!rc && whole_policy && json_object_size(fargs)) {
		snprintf(m->err, sizeof(m->err),
		         "policy.get: unknown field '%s' (limit, after)",
		         json_object_iter_key(json_object_iter(fargs)));
		rc = -EINVAL;
	}
	if (!rc && !whole_policy)
		rc = policy_filter_from_json(fargs, &f, m);
	json_decref(fargs);
	if (rc)
		return rc;
	g = xcalloc(1, sizeof(*g));
	rc = policy_lr_walk_init(&g->walk, whole_policy ? NULL : &f, after, m);
	if (rc) {
		free(g);
		return rc;
	}
	g->job.step = get_step;
	g->job.destroy = get_destroy;
	g->limit = limit;
	g->whole = whole_policy;
	text_add(g, "{\"ok\":true,\"result\":", 20);
	if (whole_policy && !after) {
		char *t = small_families(a);

		text_add(g, t, strlen(t));
		free(t);
	} else if (whole_policy) {
		text_add(g, "{\"lookup_records\":[", 19);
	} else {
		text_add(g, "[", 1);
	}
	snprintf(g->job.res.what, sizeof(g->job.res.what), "%s",
	         whole_policy ? "policy get" : "lookup record get");
	a->job = &g->job;
	return 0;
}
