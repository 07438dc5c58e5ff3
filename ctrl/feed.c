/* SPDX-License-Identifier: Apache-2.0 */
/*
 * feed: what each agent is sent (doc/controller.md, "Agent sync").
 *
 * A host needs the scopes of its interest (model.c): "h:HOST", the
 * routing domains it has adapters in ("r:RDID") and their VSIDs
 * ("v:VSID").  From revision R a host gets every logged change whose
 * scope it needed at any time after R (puts and deletes are idempotent,
 * so one too many is harmless), then, for a scope it began to need after
 * R, every object of it as a put, and for one it stopped needing, every
 * object of it as a delete.  Work per reply is O(changes since R + what
 * it sends): nothing is recomputed for the whole datacenter.
 *
 * A full resync (after 0, another epoch, a revision the log no longer
 * covers) pages through the scopes the host needs, in pages of 'limit'
 * objects: the first page has "reset": true, the pages before the last
 * have "revision": 0 and "more": true (an agent that restarts in the
 * middle asks after 0 again and starts over; the controller forgets a
 * half-sent snapshot when the agent registers), the last has the
 * revision the snapshot began at; changes made meanwhile follow as
 * changes after it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctrl/ctrl.h"
#include "lib/hash.h"
#include "lib/util.h"

struct sbuf {
	char *p;
	size_t n, cap;
};

static void
sb_add(struct sbuf *b, const char *s, size_t len)
{
	if (b->n + len + 1 > b->cap) {
		b->cap = MAX(b->cap * 2, b->n + len + 1024);
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, s, len);
	b->n += len;
	b->p[b->n] = '\0';
}

static void
sb_str(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

struct reply {
	struct sbuf b;
	size_t n; /* changes written */
};

static void
put_change(struct reply *r, bool del, int kind, const char *text)
{
	char head[64];
	int len = snprintf(
	    head, sizeof(head),
	    "%s{\"op\":\"%s\",\"kind\":\"%s\",\"obj\":", r->n ? "," : "",
	    del ? "del" : "put", ckind_name(kind));
	sb_add(&r->b, head, (size_t)len);
	sb_str(&r->b, text);
	sb_add(&r->b, "}", 1);
	r->n++;
}

static void
put_obj(struct reply *r, bool del, const struct cobj *o)
{
	char *t = cobj_text(o);
	put_change(r, del, o->kind, t);
	free(t);
}

static char *
finish(struct reply *r, const struct model *md, uint64_t rev, bool reset,
       bool more)
{
	char tail[160];
	struct sbuf out = {0};
	snprintf(tail, sizeof(tail),
	         "{\"epoch\":\"%s\",\"revision\":%llu,\"reset\":%s,"
	         "\"more\":%s,\"changes\":[",
	         md->epoch, (unsigned long long)rev, reset ? "true" : "false",
	         more ? "true" : "false");
	sb_str(&out, tail);
	if (r->b.n)
		sb_add(&out, r->b.p, r->b.n);
	sb_str(&out, "]}");
	free(r->b.p);
	return out.p;
}

static int
cmp_key(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void
snap_start(struct model *md, struct chost *h)
{
	struct hmap_node *n;
	size_t k = 0;

	free(h->snap_scopes);
	h->snap_scopes =
	    xcalloc(hmap_count(&h->interest) + 1, sizeof(*h->snap_scopes));
	HMAP_FOR_EACH(n, &h->interest)
	{
		const struct interest *i =
		    CONTAINER_OF(n, struct interest, node);
		if (!i->until)
			snprintf(h->snap_scopes[k++], 64, "%s", i->key);
	}
	/* host-scoped first: switches and adapters before anything else */
	qsort(h->snap_scopes, k, sizeof(*h->snap_scopes), cmp_key);
	for (size_t i = 0; i < k; i++)
		if (h->snap_scopes[i][0] == 'h' && i) {
			char t[64];
			memcpy(t, h->snap_scopes[i], 64);
			memmove(h->snap_scopes[1], h->snap_scopes[0], i * 64);
			memcpy(h->snap_scopes[0], t, 64);
		}
	h->snap = true;
	h->snap_rev = md->rev;
	h->snap_n = k;
	h->snap_i = 0;
	h->snap_after = 0;
}

/* Kinds in the order an agent can apply them: a switch before its
 * adapters, routes before records. */
static const int apply_order[] = {PK_SW,  PK_PA, PK_PR, PK_VM,
                                  PK_VMA, PK_CR, PK_LR};

static char *
snap_page(struct model *md, struct chost *h, size_t limit)
{
	struct reply r = {0};
	bool first = h->snap_i == 0 && h->snap_after == 0;

	while (h->snap_i < h->snap_n && r.n < limit) {
		struct scope *s =
		    model_scope(md, h->snap_scopes[h->snap_i], false);
		size_t i = s ? idvec_after(&s->objs, h->snap_after) : 0;
		if (s && h->snap_scopes[h->snap_i][0] == 'h' &&
		    h->snap_after == 0) {
			/* a host's own scope is small: all of it, in the
			 * order the agent applies it */
			for (size_t k = 0; k < ARRAY_SIZE(apply_order); k++)
				for (size_t j = 0; j < s->objs.n; j++)
					if (s->objs.objs[j] &&
					    s->objs.objs[j]->kind ==
					        apply_order[k])
						put_obj(&r, false,
						        s->objs.objs[j]);
			i = s->objs.n;
		}
		for (; s && i < s->objs.n && r.n < limit; i++)
			if (s->objs.objs[i]) {
				put_obj(&r, false, s->objs.objs[i]);
				h->snap_after = s->objs.ids[i];
			}
		if (!s || i >= s->objs.n) {
			h->snap_i++;
			h->snap_after = 0;
		}
	}
	if (h->snap_i < h->snap_n)
		return finish(&r, md, 0, first, true);
	h->snap = false;
	return finish(&r, md, h->snap_rev, first, false);
}

/* The first log entry after revision 'after'. */
static size_t
log_after(const struct model *md, uint64_t after)
{
	size_t lo = 0, hi = md->log_n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (md->log[mid].rev <= after)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool
feed_pending(const struct model *md, const struct chost *h, uint64_t after)
{
	struct hmap_node *n;

	if (h->snap || after == 0 || after < md->log_start || after > md->rev)
		return true;
	for (size_t i = log_after(md, after); i < md->log_n; i++) {
		const struct interest *in = interest_find(h, md->log[i].scope);
		if (in && (!in->until || in->until > after))
			return true;
	}
	HMAP_FOR_EACH(n, &h->interest)
	{
		const struct interest *in =
		    CONTAINER_OF(n, struct interest, node);
		if ((!in->until && in->since > after) || in->until > after)
			return true;
	}
	return false;
}

char *
feed_reply(struct model *md, struct chost *h, uint64_t after, const char *epoch,
           size_t limit, bool must_answer)
{
	bool epoch_ok = !epoch || !epoch[0] || !strcmp(epoch, md->epoch);

	if (h->snap && after == 0 && epoch_ok)
		return snap_page(md, h, limit);
	if (after == 0 || !epoch_ok || after < md->log_start ||
	    after > md->rev) {
		snap_start(md, h);
		return snap_page(md, h, limit);
	}
	h->snap = false;

	struct reply r = {0};
	size_t i = log_after(md, after), scanned = 0;
	uint64_t rev = md->rev;
	bool more = false;
	for (; i < md->log_n; i++, scanned++) {
		const struct change *c = &md->log[i];
		if (r.n >= limit && c->rev != md->log[i - 1].rev) {
			more = true;
			rev = md->log[i - 1].rev;
			break;
		}
		const struct interest *in = interest_find(h, c->scope);
		if (in && (!in->until || in->until > after))
			put_change(&r, c->del, c->kind, c->text);
	}
	if (!more) {
		/* scopes gained or lost since 'after' */
		struct hmap_node *n;
		for (int pass = 0; pass < 2; pass++)
			HMAP_FOR_EACH(n, &h->interest)
			{
				const struct interest *in =
				    CONTAINER_OF(n, struct interest, node);
				bool gained = !in->until && in->since > after;
				bool lost = in->until > after;
				/* deletes first, then puts */
				if (pass == 0 ? !lost : !gained)
					continue;
				struct scope *s =
				    model_scope(md, in->key, false);
				for (size_t j = 0; s && j < s->objs.n; j++)
					if (s->objs.objs[j])
						put_obj(&r, lost,
						        s->objs.objs[j]);
			}
	}
	if (!r.n && !more && !must_answer && scanned < 10000) {
		free(r.b.p);
		return NULL;
	}
	return finish(&r, md, rev, false, more);
}

void
feed_commit_scopes(const struct model *md, struct feed_commit *fc)
{
	size_t i = log_after(md, md->rev - 1);

	/* every host's interest recomputed; else feed_wakes() looks at
	 * each host's interest_rev */
	fc->all = md->structural_rev == md->rev;
	fc->n = 0;
	for (; i < md->log_n && !fc->all; i++) {
		const char *s = md->log[i].scope;
		/* a batch's changes mostly come scope after scope */
		if (fc->n && !strcmp(fc->scope[fc->n - 1], s))
			continue;
		size_t k = 0;
		while (k < fc->n && strcmp(fc->scope[k], s))
			k++;
		if (k < fc->n)
			continue;
		if (fc->n == FEED_WAKE_SCOPES)
			fc->all = true;
		else
			fc->scope[fc->n++] = s;
	}
}

bool
feed_wakes(struct model *md, const struct feed_commit *fc, const char *name,
           uint64_t after)
{
	struct chost *h = model_host(md, name);

	/* what feed_reply() answers without waiting */
	if (fc->all || !h || h->interest_rev > after || after == 0 ||
	    after < md->log_start || after > md->rev ||
	    md->log_n - log_after(md, after) >= 10000)
		return true;
	for (size_t i = 0; i < fc->n; i++) {
		const struct interest *in = interest_find(h, fc->scope[i]);
		if (in && (!in->until || in->until > after))
			return true;
	}
	return false;
}
