/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-store: the agent's state database (agent/store.c) for real, in a
 * temporary directory: what is marked is on disk when the ticket is
 * reported and reads back identical (records with their seqs, the small
 * families, the VMs); deletes and replacements; the import of a JSON
 * state file of the previous version; a commit that fails (its table
 * gone) is reported failed and retried with the next one; a bad row is
 * refused naming its seq and column.
 */
#include <errno.h>
#include <poll.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/store.h"
#include "lib/addr.h"
#include "lib/util.h"
#include "policy/json.h"
#include "tests/unit/harness.h"

static char dir[64];

/* A path in the test's directory (four buffers in turn, so that one
 * call may take several). */
static const char *
path_in(const char *name)
{
	static char buf[4][128];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test-store.XXXXXX");
	if (!mkdtemp(dir))
		abort();
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", dir);
}

static struct lookup_record
rec(int i)
{
	struct lookup_record r;
	char buf[64];

	memset(&r, 0, sizeof(r));
	snprintf(buf, sizeof(buf), "10.%d.%d.%d", i >> 16 & 255, i >> 8 & 255,
	         i & 255);
	ip_parse(buf, &r.ca);
	r.vsid = 5000 + (uint32_t)(i % 7);
	snprintf(buf, sizeof(buf), "02:00:00:%02x:%02x:%02x", i >> 16 & 255,
	         i >> 8 & 255, i & 255);
	eth_parse(buf, &r.mac);
	ip_parse(i % 3 ? "192.168.0.33" : "2001:db8::33", &r.pa);
	r.type = i % 5 ? LR_TYPE_STATIC : LR_TYPE_DYNAMIC;
	r.use_vm_mac = i % 2;
	if (i % 4 == 0)
		snprintf(r.vm_name, sizeof(r.vm_name), "vm \"%d\"", i);
	if (i % 6 == 0)
		snprintf(r.context, sizeof(r.context), "ctx/%d\n", i);
	if (i % 8 == 0)
		guid_parse("{12345678-1000-2000-3000-123456780001}",
		           &r.customer_id);
	return r;
}

/* Waits for the writer to report 'ticket' durable (true) or failed. */
static bool
wait_ticket(struct store *s, uint64_t ticket, char *err, size_t len)
{
	for (int tries = 0; tries < 100; tries++) {
		struct pollfd p = {.fd = store_fd(s), .events = POLLIN};
		uint64_t durable, failed;

		poll(&p, 1, 100);
		store_progress(s, &durable, &failed, err, len);
		if (durable >= ticket)
			return true;
		if (failed >= ticket)
			return false;
	}
	snprintf(err, len, "timed out");
	return false;
}

static int
put_cb(const struct lookup_record *r, void *aux)
{
	store_lr_put(aux, policy_lr_seq(r), r);
	return 0;
}

struct cmp {
	const struct policy *other;
	int bad, n;
};

/* Every record of one policy is in the other, with the same seq. */
static int
cmp_cb(const struct lookup_record *r, void *aux)
{
	struct cmp *c = aux;
	const struct lookup_record *o =
	    policy_lr_by_ca(c->other, r->vsid, &r->ca);

	c->n++;
	if (!o || memcmp(o, r, sizeof(*r)) ||
	    policy_lr_seq(o) != policy_lr_seq(r))
		c->bad++;
	return 0;
}

static int
same(const struct policy *a, const struct policy *b)
{
	struct cmp c = {b, 0, 0};

	policy_lr_foreach(a, NULL, cmp_cb, &c);
	return c.bad + (c.n != (int)policy_lr_count(b));
}

static struct policy *
reload(const char *path, json_t **vms, struct pmsg *m)
{
	struct policy *p = policy_create();
	struct store *s;

	*vms = json_array();
	CHECK_EQ(store_open(path, false, &s, m), 0);
	CHECK_EQ(store_load(s, p, *vms, m), 0);
	store_close(s);
	return p;
}

/*
 * 1. A policy of 3000 records and a customer route goes in; each ticket
 *    is durable when reported; a second open reads it back identical.
 * 2. Deletes and a replacement (a PUT of a seq that exists) read back.
 */
static void
test_store_roundtrip(void)
{
	struct policy *p = policy_create(), *q;
	struct customer_route cr = {.vsid = 5000, .plen = 16};
	struct store *s;
	struct pmsg m;
	json_t *vms = json_array(), *back;
	char err[256];
	uint64_t t;

	setup();
	guid_parse("{12345678-1000-2000-3000-123456780001}", &cr.rdid);
	ip_parse("10.0.0.0", &cr.prefix);
	CHECK_EQ(policy_cr_add(p, &cr, &m), 0);
	for (int i = 1; i <= 3000; i++) {
		struct lookup_record r = rec(i);

		CHECK_EQ(policy_lr_add(p, &r, &m), 0);
	}
	json_array_append_new(vms, json_string("Contoso1"));
	CHECK_EQ(store_open(path_in("state.db"), false, &s, &m), 0);
	CHECK(!store_is_json(s));
	CHECK_EQ(store_start(s), 0);
	{
		json_t *all = policy_to_json(p);

		store_meta_put(
		    s, "customer_routes",
		    json_dumps(json_object_get(all, "customer_routes"),
		               JSON_COMPACT));
		json_decref(all);
	}
	store_meta_put(s, "vms", json_dumps(vms, JSON_COMPACT));
	policy_lr_foreach(p, NULL, put_cb, s);
	t = store_mark(s);
	CHECK(wait_ticket(s, t, err, sizeof(err)));
	CHECK_EQ(store_backlog(s), 0);

	q = reload(path_in("state.db"), &back, &m);
	CHECK_EQ(same(p, q), 0);
	CHECK_EQ(same(q, p), 0);
	CHECK(json_equal(vms, back));
	CHECK(policy_vsid_rdid(q, 5000, NULL));
	policy_destroy(q);
	json_decref(back);

	/* Deletes, and a replacement with the same seq (a set). */
	{
		struct policy_filter f = {.fields = F_VSID | F_CA};
		struct lookup_record r = rec(10);
		const struct lookup_record *old;

		for (int i = 1; i <= 100; i++) {
			struct lookup_record d = rec(i);

			old = policy_lr_by_ca(p, d.vsid, &d.ca);
			store_lr_del(s, policy_lr_seq(old));
			f.vsid = d.vsid;
			f.ca = d.ca;
			if (i != 10)
				CHECK_EQ(policy_lr_remove(p, &f), 1);
		}
		ip_parse("192.168.0.44", &r.pa);
		CHECK_EQ(policy_lr_set(p, &r, &m), 0);
		old = policy_lr_by_ca(p, r.vsid, &r.ca);
		store_lr_put(s, policy_lr_seq(old), old);
	}
	t = store_mark(s);
	CHECK(wait_ticket(s, t, err, sizeof(err)));
	store_close(s);
	q = reload(path_in("state.db"), &back, &m);
	CHECK_EQ(policy_lr_count(q), 3000 - 99);
	CHECK_EQ(same(p, q), 0);
	policy_destroy(q);
	json_decref(back);
	policy_destroy(p);
	json_decref(vms);
	teardown();
}

/* The previous version's JSON state file is imported once, kept as
 * .v1.json; the database then reads back the same policy. */
static void
test_store_import_json(void)
{
	struct policy *p = policy_create(), *q;
	struct store *s;
	struct pmsg m;
	json_t *j, *back;
	FILE *f;

	setup();
	for (int i = 1; i <= 500; i++) {
		struct lookup_record r = rec(i);

		CHECK_EQ(policy_lr_add(p, &r, &m), 0);
	}
	j = policy_to_json(p);
	json_object_set_new(j, "version", json_integer(1));
	json_object_set_new(j, "vms", json_pack("[s]", "Contoso1"));
	f = fopen(path_in("state.json"), "w");
	json_dumpf(j, f, JSON_INDENT(1));
	fclose(f);
	json_decref(j);

	/* Read-only (hnv-agent -n): reads the JSON, imports nothing. */
	CHECK_EQ(store_open(path_in("state.json"), true, &s, &m), 0);
	CHECK(store_is_json(s));
	store_close(s);
	CHECK(access(path_in("state.json.v1.json"), F_OK) < 0);

	q = reload(path_in("state.json"), &back, &m);
	CHECK_EQ(policy_lr_count(q), 500);
	CHECK_STR(json_string_value(json_array_get(back, 0)), "Contoso1");
	{
		struct cmp c = {p, 0, 0};

		/* same records in the same order (seqs are new: 1..500) */
		policy_lr_foreach(q, NULL, cmp_cb, &c);
		CHECK_EQ(c.bad, 0);
	}
	CHECK_EQ(access(path_in("state.json.v1.json"), F_OK), 0);
	policy_destroy(q);
	json_decref(back);
	/* Opened again: a database now, no second import. */
	CHECK_EQ(store_open(path_in("state.json"), false, &s, &m), 0);
	CHECK(!store_is_json(s));
	store_close(s);

	/* The old default path beside a new default that does not exist
	 * yet: imported into the new one, and moved out of the way. */
	CHECK_EQ(rename(path_in("state.json.v1.json"), path_in("old.json")), 0);
	CHECK_EQ(store_open_legacy(path_in("new.db"), path_in("old.json"), true,
	                           &s, &m),
	         0);
	CHECK(store_is_json(s));
	CHECK_STR(store_path(s), path_in("old.json"));
	store_close(s);
	CHECK_EQ(store_open_legacy(path_in("new.db"), path_in("old.json"),
	                           false, &s, &m),
	         0);
	CHECK(!store_is_json(s));
	store_close(s);
	CHECK(access(path_in("old.json"), F_OK) < 0);
	CHECK_EQ(access(path_in("old.json.v1.json"), F_OK), 0);
	q = reload(path_in("new.db"), &back, &m);
	CHECK_EQ(policy_lr_count(q), 500);
	policy_destroy(q);
	json_decref(back);
	policy_destroy(p);
	teardown();
}

static void
sql(const char *path, const char *stmt)
{
	sqlite3 *db;

	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db, stmt, NULL, NULL, NULL) != SQLITE_OK)
		fprintf(stderr, "sql %s: %s\n", stmt, sqlite3_errmsg(db));
	sqlite3_close(db);
}

/* A commit that fails is reported failed with the reason, its deltas are
 * kept and written with the next commit once that can succeed. */
static void
test_store_failure_retry(void)
{
	struct lookup_record r1 = rec(1), r2 = rec(2);
	struct policy *q;
	struct store *s;
	struct pmsg m;
	json_t *back;
	char err[256];
	uint64_t t1, t2;

	setup();
	CHECK_EQ(store_open(path_in("state.db"), false, &s, &m), 0);
	CHECK_EQ(store_start(s), 0);
	sql(path_in("state.db"), "ALTER TABLE lookup_record RENAME TO x");
	store_lr_put(s, 1, &r1);
	t1 = store_mark(s);
	CHECK(!wait_ticket(s, t1, err, sizeof(err)));
	CHECK(strstr(err, "lookup_record") != NULL);
	sql(path_in("state.db"), "ALTER TABLE x RENAME TO lookup_record");
	store_lr_put(s, 2, &r2);
	t2 = store_mark(s);
	CHECK(wait_ticket(s, t2, err, sizeof(err)));
	store_close(s);
	q = reload(path_in("state.db"), &back, &m);
	CHECK_EQ(policy_lr_count(q), 2); /* the failed one was retried */
	policy_destroy(q);
	json_decref(back);
	teardown();
}

/* A row the agent cannot take stops the load, naming it. */
static void
test_store_bad_row(void)
{
	struct lookup_record r = rec(1);
	struct policy *p = policy_create();
	struct store *s;
	struct pmsg m;
	json_t *vms = json_array();
	char err[256];

	setup();
	CHECK_EQ(store_open(path_in("state.db"), false, &s, &m), 0);
	CHECK_EQ(store_start(s), 0);
	store_lr_put(s, 7, &r);
	CHECK(wait_ticket(s, store_mark(s), err, sizeof(err)));
	store_close(s);
	sql(path_in("state.db"), "UPDATE lookup_record SET mac = 'zz'");
	CHECK_EQ(store_open(path_in("state.db"), false, &s, &m), 0);
	CHECK_EQ(store_load(s, p, vms, &m), -EINVAL);
	CHECK(strstr(m.err, "seq 7") && strstr(m.err, "'mac'") &&
	      strstr(m.err, "zz"));
	CHECK_EQ(policy_lr_count(p), 0);
	store_close(s);
	policy_destroy(p);
	json_decref(vms);
	teardown();
}

const struct test_case tests[] = {
    TEST(test_store_roundtrip),
    TEST(test_store_import_json),
    TEST(test_store_failure_retry),
    TEST(test_store_bad_row),
    {0},
};
