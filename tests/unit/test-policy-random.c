/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-policy-random: lookup records against a naive oracle (a plain
 * array checked by linear scans, with the uniqueness rules re-implemented
 * the slow way) under seeded random add/set/remove and routing domain
 * joins, comparing every result, and the whole table every 16 steps;
 * the same with every change in a stage (readers see the old records
 * until the commit, a rollback leaves them, the finalize stream rebuilds
 * the table); and pages walked by cursor while records come and go.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/addr.h"
#include "lib/util.h"
#include "policy/policy.h"
#include "tests/unit/harness.h"
#include "tests/unit/policy-build.h"

/*
 * The random differential test.  Fixed routes give VSIDs 5000 and 5001
 * RDID A, 5002 RDID B; 5003 and 5004 have none (their own domains).  The
 * oracle keeps records in an array in insertion order and re-implements
 * the key and uniqueness rules with linear scans.
 */
#define NV 5
static const uint32_t rvsids[NV] = {5000, 5001, 5002, 5003, 5004};
static int rdom_of[NV]; /* 1: RD1, 2: RD2, 0: none (its own domain) */

struct orc {
	struct lookup_record r[512];
	int n;
};

static uint64_t rng_state;

static uint32_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

static int
dom(uint32_t vsid)
{
	for (int i = 0; i < NV; i++)
		if (rvsids[i] == vsid)
			return rdom_of[i] ? rdom_of[i] : -1 - i;
	abort();
}

static bool
o_has_ca_key(const struct lookup_record *r)
{
	return r->type != LR_TYPE_L2ONLY;
}

static bool
o_key_eq(const struct lookup_record *a, const struct lookup_record *b)
{
	if (a->vsid != b->vsid || o_has_ca_key(a) != o_has_ca_key(b))
		return false;
	if (o_has_ca_key(a))
		return ip_equal(&a->ca, &b->ca);
	return eth_equal(&a->mac, &b->mac);
}

static bool
o_may_share(const struct lookup_record *a, const struct lookup_record *b)
{
	if (!ip_equal(&a->pa, &b->pa))
		return false;
	if ((a->type == LR_TYPE_L2ONLY && b->type == LR_TYPE_DYNAMIC) ||
	    (b->type == LR_TYPE_L2ONLY && a->type == LR_TYPE_DYNAMIC))
		return true;
	return a->type == LR_TYPE_GW_WILDCARD || b->type == LR_TYPE_GW_WILDCARD;
}

/* Expected result of adding 'r' (self < 0) or setting it (self = the
 * index of the record it replaces). */
/* The checks on the record alone that random records can fail: IP
 * Rewrite needs a CA of the PA's family. */
static int
o_check_fields(const struct lookup_record *r)
{
	if (r->rule == LR_RULE_NAT &&
	    (ip_is_unspec(&r->ca) || ip_is_v4(&r->ca) != ip_is_v4(&r->pa)))
		return -EINVAL;
	return 0;
}

static int
o_check(const struct orc *o, const struct lookup_record *r, int self)
{
	if (o_check_fields(r))
		return -EINVAL;
	for (int i = 0; i < o->n; i++) {
		const struct lookup_record *q = &o->r[i];

		if (i == self)
			continue;
		if (o_key_eq(q, r))
			return -EEXIST;
	}
	for (int i = 0; i < o->n; i++) {
		const struct lookup_record *q = &o->r[i];

		if (i == self || dom(q->vsid) != dom(r->vsid))
			continue;
		if (o_has_ca_key(r) && o_has_ca_key(q) &&
		    ip_equal(&q->ca, &r->ca))
			return -EINVAL;
		if (eth_equal(&q->mac, &r->mac) && !o_may_share(r, q))
			return -EINVAL;
		if (r->type != LR_TYPE_L2ONLY && q->type != LR_TYPE_L2ONLY &&
		    ip_is_v4(&q->ca) != ip_is_v4(&r->ca))
			return -EINVAL;
	}
	/* ... and a PA no other IP Rewrite record uses (any domain). */
	for (int i = 0; r->rule == LR_RULE_NAT && i < o->n; i++)
		if (i != self && o->r[i].rule == LR_RULE_NAT &&
		    ip_equal(&o->r[i].pa, &r->pa))
			return -EEXIST;
	return 0;
}

/* Expected result of giving VSID index 'v' a route in routing domain
 * 'rd': its records must not clash with the domain's (rules 3 and 4). */
static int
o_check_join(const struct orc *o, int v, int rd)
{
	for (int i = 0; i < o->n; i++) {
		const struct lookup_record *r = &o->r[i];

		if (r->vsid != rvsids[v])
			continue;
		for (int j = 0; j < o->n; j++) {
			const struct lookup_record *q = &o->r[j];

			if (q->vsid == rvsids[v] || dom(q->vsid) != rd)
				continue;
			if (o_has_ca_key(r) && o_has_ca_key(q) &&
			    ip_equal(&q->ca, &r->ca))
				return -EINVAL;
			if (eth_equal(&q->mac, &r->mac) && !o_may_share(r, q))
				return -EINVAL;
			if (r->type != LR_TYPE_L2ONLY &&
			    q->type != LR_TYPE_L2ONLY &&
			    ip_is_v4(&q->ca) != ip_is_v4(&r->ca))
				return -EINVAL;
		}
	}
	return 0;
}

static int
o_find_key(const struct orc *o, const struct lookup_record *r)
{
	for (int i = 0; i < o->n; i++)
		if (o_key_eq(&o->r[i], r))
			return i;
	return -1;
}

static void
o_remove(struct orc *o, int i)
{
	memmove(&o->r[i], &o->r[i + 1],
	        (size_t)(o->n - i - 1) * sizeof(o->r[0]));
	o->n--;
}

static void
random_record(struct lookup_record *r)
{
	static const char *const pas[] = {"192.168.0.1", "192.168.0.2",
	                                  "2001:db8::3"};
	uint32_t t = rng() % 100;
	char buf[64];

	memset(r, 0, sizeof(*r));
	r->vsid = rvsids[rng() % NV];
	r->type = t < 55   ? LR_TYPE_STATIC
	          : t < 80 ? LR_TYPE_DYNAMIC
	          : t < 95 ? LR_TYPE_L2ONLY
	                   : LR_TYPE_GW_WILDCARD;
	if (r->type == LR_TYPE_L2ONLY) {
		r->ca = ip("0.0.0.0");
	} else if (r->type == LR_TYPE_GW_WILDCARD) {
		r->ca = ip(rng() % 4 ? "0.0.0.0" : "::");
	} else if (rng() % 10 == 0) {
		snprintf(buf, sizeof(buf), "2001:db8:1::%u", rng() % 4 + 1);
		r->ca = ip(buf);
	} else {
		snprintf(buf, sizeof(buf), "10.0.0.%u", rng() % 24 + 1);
		r->ca = ip(buf);
	}
	snprintf(buf, sizeof(buf), "02:00:00:00:00:%02x", rng() % 16 + 1);
	r->mac = mac(buf);
	r->pa = ip(pas[rng() % 3]);
	r->rule = (enum lr_rule)(rng() % 3);
	r->use_vm_mac = rng() % 2;
}

static int
o_rank(const struct lookup_record *r)
{
	if (r->type == LR_TYPE_L2ONLY)
		return 0;
	return r->type == LR_TYPE_GW_WILDCARD ? 1 : 2;
}

struct walk {
	const struct orc *o;
	int i, bad;
};

static int
walk_cb(const struct lookup_record *r, void *aux)
{
	struct walk *w = aux;

	if (w->i >= w->o->n || memcmp(r, &w->o->r[w->i], sizeof(*r)))
		w->bad++;
	w->i++;
	return 0;
}

/* The writers' view (count, foreach) against 'o' (unless NULL: halfway
 * through a rollback), the readers' (the lookups the data path uses)
 * against 'ro' (they differ in a stage). */
static long
o_compare2(const struct policy *p, const struct orc *o, const struct orc *ro)
{
	struct walk w = {o, 0, 0};
	long bad = 0;

	if (o) {
		bad += policy_lr_count(p) != (size_t)o->n;
		policy_lr_foreach(p, NULL, walk_cb, &w);
		bad += w.bad + (w.i != o->n);
	}
	o = ro;
	/* probe every key of the pools, both indexes */
	for (int v = 0; v < NV; v++) {
		for (int k = 1; k <= 24 + 4 + 2; k++) {
			char buf[64];
			struct in6_addr ca;
			const struct lookup_record *want = NULL, *got;

			if (k <= 24)
				snprintf(buf, sizeof(buf), "10.0.0.%d", k);
			else if (k <= 28)
				snprintf(buf, sizeof(buf), "2001:db8:1::%d",
				         k - 24);
			else
				snprintf(buf, sizeof(buf), "%s",
				         k == 29 ? "0.0.0.0" : "::");
			ca = ip(buf);
			for (int i = 0; i < o->n; i++)
				if (o->r[i].vsid == rvsids[v] &&
				    o_has_ca_key(&o->r[i]) &&
				    ip_equal(&o->r[i].ca, &ca))
					want = &o->r[i];
			got = policy_lr_by_ca(p, rvsids[v], &ca);
			bad += !want != !got ||
			       (want && memcmp(want, got, sizeof(*got)));
		}
		for (int k = 1; k <= 16; k++) {
			char buf[32];
			struct eth_addr e;
			const struct lookup_record *want = NULL, *got;

			snprintf(buf, sizeof(buf), "02:00:00:00:00:%02x", k);
			e = mac(buf);
			for (int i = 0; i < o->n; i++)
				if (o->r[i].vsid == rvsids[v] &&
				    eth_equal(&o->r[i].mac, &e) &&
				    (!want || o_rank(&o->r[i]) > o_rank(want)))
					want = &o->r[i];
			got = policy_lr_by_mac(p, rvsids[v], &e);
			bad += !want != !got ||
			       (want && memcmp(want, got, sizeof(*got)));
		}
	}
	return bad;
}

static long
o_compare(const struct policy *p, const struct orc *o)
{
	return o_compare2(p, o, o);
}

/* A store fed by policy_lr_finalize_step(): records by seq. */
struct fstore {
	uint64_t seq[2048];
	struct lookup_record r[2048];
	int n;
	long bad;
};

static void
fstore_cb(enum policy_lr_change ch, uint64_t seq, const struct lookup_record *r,
          void *aux)
{
	struct fstore *st = aux;
	int i;

	for (i = 0; i < st->n && st->seq[i] != seq; i++)
		;
	if (ch == POLICY_LR_DEL) {
		if (i == st->n) {
			st->bad++; /* deleting what the store lacks */
			return;
		}
		memmove(&st->seq[i], &st->seq[i + 1],
		        (size_t)(st->n - i - 1) * sizeof(st->seq[0]));
		memmove(&st->r[i], &st->r[i + 1],
		        (size_t)(st->n - i - 1) * sizeof(st->r[0]));
		st->n--;
		return;
	}
	if (i < st->n) {
		st->bad++; /* a PUT over a live row: missing DEL */
		return;
	}
	/* keep the store sorted by seq */
	for (i = st->n; i > 0 && st->seq[i - 1] > seq; i--) {
		st->seq[i] = st->seq[i - 1];
		st->r[i] = st->r[i - 1];
	}
	st->seq[i] = seq;
	st->r[i] = *r;
	st->n++;
}

struct seqwalk {
	const struct fstore *st;
	int i, bad;
};

static int
seqwalk_cb(const struct lookup_record *r, void *aux)
{
	struct seqwalk *w = aux;

	if (w->i >= w->st->n || w->st->seq[w->i] != policy_lr_seq(r) ||
	    memcmp(r, &w->st->r[w->i], sizeof(*r)))
		w->bad++;
	w->i++;
	return 0;
}

/* The store holds exactly the policy's records, with their seqs. */
static long
fstore_compare(const struct policy *p, const struct fstore *st)
{
	struct seqwalk w = {st, 0, 0};

	policy_lr_foreach(p, NULL, seqwalk_cb, &w);
	return w.bad + (w.i != st->n) + st->bad;
}

/*
 * With 'staged', every lookup record change happens in a stage of 1 to
 * 40 changes, which commits (then finalizes into a store) or rolls back;
 * throughout, readers must see the records as they were before the
 * stage, writers as they are; after a rollback, the old records; after a
 * finalize, the store must equal the policy.
 */
static void
run_random(uint64_t seed, int ops, bool staged)
{
	static struct orc snap;
	static struct fstore fst;
	int stage_left = 0;
	long commits = 0, rollbacks = 0;

	struct policy *p = policy_create();
	struct orc *o = calloc(1, sizeof(*o));
	static const char *const rds[] = {"", RD1, RD2};
	long bad = 0, accepted = 0, rejected = 0, joins = 0;
	struct pmsg m;

	rng_state = seed;
	/* start with 5000, 5001 in RD1 and 5002 in RD2 */
	for (int v = 0; v < NV; v++) {
		char pfx[32];
		struct customer_route c;

		rdom_of[v] = v < 2 ? 1 : v == 2 ? 2 : 0;
		if (!rdom_of[v])
			continue;
		snprintf(pfx, sizeof(pfx), "10.%d.0.0/16", v);
		c = cr(rds[rdom_of[v]], rvsids[v], pfx, "0.0.0.0");
		CHECK_EQ(policy_cr_add(p, &c, &m), 0);
	}
	memset(&fst, 0, sizeof(fst));
	for (int op = 0; op < ops; op++) {
		uint32_t what = rng() % 100;
		struct lookup_record r;
		int want, got;

		random_record(&r);
		if (staged && !stage_left && rng() % 5 == 0)
			what = rng() % 4;
		if (staged && !stage_left && what >= 4) {
			CHECK_EQ(policy_lr_begin(p), 0);
			CHECK_EQ(policy_lr_begin(p), -EBUSY);
			snap = *o;
			stage_left = (int)(rng() % 40) + 1;
		}
		if (what < 4 && stage_left) {
			/* routes change outside stages: do another op */
			what = 4 + rng() % 96;
		}
		if (what < 4) {
			/* a VSID leaves its routing domain, or joins one */
			int v = (int)(rng() % NV), rd = (int)(rng() % 2) + 1;
			struct policy_filter f = {.fields = F_VSID};
			char pfx[32];
			struct customer_route c;

			snprintf(pfx, sizeof(pfx), "10.%d.0.0/16", v);
			c = cr(rds[rd], rvsids[v], pfx, "0.0.0.0");
			if (rdom_of[v]) {
				f.vsid = rvsids[v];
				got = policy_cr_remove(p, &f) == 1 ? 0 : -1;
				bad += got != 0;
				rdom_of[v] = 0;
			} else {
				want = o_check_join(o, v, rd);
				got = policy_cr_add(p, &c, &m);
				if (want != got)
					fprintf(stderr,
					        "op %d join: want %d got %d "
					        "(%s)\n",
					        op, want, got, m.err);
				bad += want != got;
				if (!got)
					rdom_of[v] = rd;
				joins++;
			}
		} else if (what < 45 && o->n < 500) {
			want = o_check(o, &r, -1);
			got = policy_lr_add(p, &r, &m);
			if (want != got)
				fprintf(stderr,
				        "op %d add: want %d got %d (%s)\n", op,
				        want, got, m.err);
			bad += want != got;
			if (!got)
				o->r[o->n++] = r;
		} else if (what < 65) {
			/* set: usually aim at an existing key */
			if (o->n && rng() % 4) {
				const struct lookup_record *t =
				    &o->r[rng() % (uint32_t)o->n];

				r.vsid = t->vsid;
				r.type = t->type;
				r.ca = t->ca;
				if (t->type == LR_TYPE_L2ONLY || rng() % 2)
					r.mac = t->mac;
			}
			int idx = o_find_key(o, &r);

			/* Field checks come before the key lookup. */
			want = o_check_fields(&r);
			if (!want)
				want = idx < 0 ? -ENOENT : o_check(o, &r, idx);
			got = policy_lr_set(p, &r, &m);
			if (want != got)
				fprintf(stderr,
				        "op %d set: want %d got %d (%s)\n", op,
				        want, got, m.err);
			bad += want != got;
			if (!got)
				o->r[idx] = r;
		} else {
			struct policy_filter f;
			int n = 0;

			memset(&f, 0, sizeof(f));
			f.vsid = r.vsid;
			f.ca = r.ca;
			f.mac = r.mac;
			f.pa = r.pa;
			f.type = r.type;
			if (what < 78)
				f.fields = F_VSID | F_CA;
			else if (what < 90)
				f.fields = F_VSID | F_MAC;
			else if (what < 97)
				f.fields = F_PA | F_TYPE;
			else
				f.fields = F_VSID;
			for (int i = 0; i < o->n;) {
				if (policy_lr_match(&o->r[i], &f)) {
					o_remove(o, i);
					n++;
				} else {
					i++;
				}
			}
			got = policy_lr_remove(p, &f);
			if (got != n)
				fprintf(stderr,
				        "op %d remove: want %d got %d\n", op, n,
				        got);
			bad += got != n;
		}
		if (got == 0)
			accepted++;
		else
			rejected++;
		if (stage_left && op % 4 == 0) {
			long b2 = o_compare2(p, o, &snap);

			if (b2)
				fprintf(stderr, "op %d: views differ (%ld)\n",
				        op, b2);
			bad += b2;
		} else if (op % 16 == 0)
			bad += o_compare(p, o);
		if (stage_left && (--stage_left == 0 || op == ops - 1)) {
			stage_left = 0;
			if (rng() % 5) {
				policy_lr_commit(p);
				bad += o_compare(p, o);
				while (policy_lr_finalize_step(p, rng() % 7 + 1,
				                               fstore_cb, &fst))
					bad += o_compare(p, o);
				{
					long fb = fstore_compare(p, &fst);

					if (fb)
						fprintf(stderr,
						        "op %d: store differs "
						        "(%ld)\n",
						        op, fb);
					bad += fb;
				}
				commits++;
			} else {
				while (
				    policy_lr_rollback_step(p, rng() % 7 + 1))
					bad += o_compare2(p, NULL, &snap);
				*o = snap;
				rollbacks++;
			}
			bad += o_compare(p, o);
			CHECK(!policy_lr_in_stage(p));
		}
	}
	bad += o_compare(p, o);
	CHECK_EQ(bad, 0);
	if (staged) {
		CHECK(commits > 10);
		CHECK(rollbacks > 3);
	}
	CHECK(joins > ops / (staged ? 400 : 100));
	/* both outcomes were exercised */
	CHECK(accepted > ops / 10);
	CHECK(rejected > ops / 10);
	policy_destroy(p);
	free(o);
}

static void
test_lr_random(void)
{
	for (uint64_t seed = 1; seed <= 6; seed++)
		run_random(seed * 0x9e3779b97f4a7c15ull, 6000, false);
}

static void
test_lr_random_staged(void)
{
	for (uint64_t seed = 1; seed <= 6; seed++)
		run_random(seed * 0x2545f4914f6cdd1dull, 6000, true);
}

/* ---- walks: pages resumed by cursor while the policy changes ---- */

struct page {
	uint64_t seqs[64];
	int n, limit;
};

static int
page_cb(const struct lookup_record *r, void *aux)
{
	struct page *pg = aux;

	pg->seqs[pg->n++] = policy_lr_seq(r);
	return pg->n >= pg->limit;
}

static struct lookup_record
walk_rec(int i)
{
	char ca[32], mc[32];
	struct lookup_record r;

	snprintf(ca, sizeof(ca), "10.%d.%d.%d", i % 3, i / 250 % 250,
	         i % 250 + 2);
	snprintf(mc, sizeof(mc), "02:00:00:%02x:%02x:%02x", i % 3, i >> 8 & 255,
	         i & 255);
	r = lr(ca, 7000 + (uint32_t)(i % 3), mc, "192.168.0.5", LR_TYPE_STATIC);
	return r;
}

/*
 * Paging by cursor, each page a fresh walk from the previous page's
 * cursor, while records are removed (the cursor's own record too) and
 * added between pages:
 *  1. every record present from the first page to the last is returned
 *     exactly once; nothing is returned twice; seqs only grow;
 *  2. a VSID filter walks only that VSID's records;
 *  3. a (VSID, CA) filter visits one record;
 *  4. a bad cursor is an error naming the field.
 */
static void
test_lr_walk_pages(void)
{
	struct policy *p = policy_create();
	static uint8_t present[4000], seen[4000]; /* by i */
	static int by_seq[8000];                  /* seq -> i */
	struct policy_filter fv = {.fields = F_VSID, .vsid = 7001};
	struct pmsg m;
	int next_i = 0, dup = 0, missed = 0, wrong_vsid = 0, pages = 0;

	rng_state = 77;
	for (; next_i < 1500; next_i++) {
		struct lookup_record r = walk_rec(next_i);

		CHECK_EQ(policy_lr_add(p, &r, &m), 0);
		by_seq[policy_lr_seq(policy_lr_by_ca(p, r.vsid, &r.ca))] =
		    next_i;
		present[next_i] = 1;
	}
	for (int pass = 0; pass < 2; pass++) {
		const struct policy_filter *f = pass ? &fv : NULL;
		static uint8_t always[4000];
		char cursor[POLICY_LR_CURSOR_LEN] = "";
		uint64_t last = 0;

		memset(seen, 0, sizeof(seen));
		memcpy(always, present, sizeof(always));
		for (;;) {
			struct policy_lr_walk w;
			struct page pg = {.limit = (int)(rng() % 40) + 1};

			CHECK_EQ(policy_lr_walk_init(&w, f, cursor, &m), 0);
			while (!w.done && pg.n < pg.limit)
				policy_lr_walk_step(p, &w, 13, page_cb, &pg);
			pages++;
			for (int k = 0; k < pg.n; k++) {
				int i = by_seq[pg.seqs[k]];

				dup += seen[i]++ > 0;
				dup += pg.seqs[k] <= last;
				last = pg.seqs[k];
				wrong_vsid += pass && i % 3 != 1;
			}
			if (w.done)
				break;
			policy_lr_walk_cursor(&w, cursor);
			/* Change things between pages: remove the
			 * cursor's record sometimes, others, add some. */
			for (int c = 0; c < 6; c++) {
				int i = rng() % 3 == 0 && pg.n
				            ? by_seq[pg.seqs[pg.n - 1]]
				            : (int)(rng() % (uint32_t)next_i);
				struct lookup_record r = walk_rec(i);
				struct policy_filter rf = {.fields =
				                               F_VSID | F_CA,
				                           .vsid = r.vsid,
				                           .ca = r.ca};

				if (present[i] &&
				    policy_lr_remove(p, &rf) == 1) {
					present[i] = 0;
					always[i] = 0;
				}
			}
			if (next_i < 4000) {
				struct lookup_record r = walk_rec(next_i);

				CHECK_EQ(policy_lr_add(p, &r, &m), 0);
				by_seq[policy_lr_seq(policy_lr_by_ca(
				    p, r.vsid, &r.ca))] = next_i;
				present[next_i++] = 1;
			}
		}
		for (int i = 0; i < 4000; i++)
			if (always[i] && !seen[i] && (!pass || i % 3 == 1))
				missed++;
	}
	CHECK_EQ(dup, 0);
	CHECK_EQ(missed, 0);
	CHECK_EQ(wrong_vsid, 0);
	CHECK(pages > 50);
	/* a VSID walk visits that VSID's records only */
	{
		struct policy_lr_walk w;
		struct page pg = {.limit = 1 << 30};
		long in_v = 0;
		size_t v = 0;

		for (int i = 0; i < next_i; i++)
			in_v += present[i] && i % 3 == 1;
		CHECK_EQ(policy_lr_walk_init(&w, &fv, NULL, &m), 0);
		while (!w.done) {
			pg.n = 0;
			v += policy_lr_walk_step(p, &w, 50, page_cb, &pg);
		}
		CHECK_EQ(v, in_v);
		CHECK(in_v < (long)policy_lr_count(p) / 2);
	}

	/* one record by its key */
	{
		struct lookup_record r = walk_rec(next_i - 1);
		struct policy_filter fk = {
		    .fields = F_VSID | F_CA, .vsid = r.vsid, .ca = r.ca};
		struct policy_lr_walk w;
		struct page pg = {.limit = 64};

		CHECK_EQ(policy_lr_walk_init(&w, &fk, NULL, &m), 0);
		CHECK_EQ(policy_lr_walk_step(p, &w, 1000, page_cb, &pg), 1);
		CHECK(w.done);
		CHECK_EQ(pg.n, 1);
	}
	{
		struct policy_lr_walk w;

		CHECK_EQ(policy_lr_walk_init(&w, NULL, "12/x", &m), -EINVAL);
		CHECK(strstr(m.err, "'after'") && strstr(m.err, "12/x"));
		CHECK_EQ(policy_lr_walk_init(&w, NULL, "5/7000/l2/zz", &m),
		         -EINVAL);
		CHECK_EQ(policy_lr_walk_init(&w, NULL,
		                             "5/7000/l2/02:00:00:00:00:01", &m),
		         0);
	}
	policy_destroy(p);
}

const struct test_case tests[] = {
    TEST(test_lr_random),
    TEST(test_lr_random_staged),
    TEST(test_lr_walk_pages),
    {0},
};
