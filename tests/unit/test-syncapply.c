/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-syncapply: applying a controller's replies (agent/syncapply.c)
 * without root: the policy is real, the state database is real (in a
 * temporary directory), the ports (TAPs, bridges, namespaces) are the
 * fakes below, which count what they were asked to do.  Puts and dels
 * of every kind, idempotence, a reset over two pages that removes only
 * what none of its pages named (and nothing before its last page),
 * changes that fail (logged, counted, the rest applied), changes that
 * succeed only in another order, a large reply applied in slices that
 * the data path sees all at once, and the position written with the
 * changes and read back.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/store.h"
#include "agent/sync.h"
#include "lib/util.h"
#include "policy/json.h"
#include "tests/unit/harness.h"

#define RD1 "{12345678-1000-2000-3000-123456780001}"
#define RD2 "{12345678-1000-2000-3000-123456780002}"

/* ---- the fake ports ---- */

static int n_attach, n_detach, n_sw_up, n_sw_down, n_vm_create, n_vm_delete;
static int n_release;
static int n_mtu, next_port = 1;

int
ports_switch_up(struct agent *a, const struct vswitch *sw, struct pmsg *m)
{
	(void)a;
	(void)m;
	(void)sw;
	n_sw_up++;
	return 0;
}

void
ports_switch_down(struct agent *a, const struct vswitch *sw)
{
	(void)a;
	(void)sw;
	n_sw_down++;
}

int
ports_attach(struct agent *a, struct vm_adapter *vma, struct pmsg *m)
{
	(void)a;
	(void)m;
	vma->port = next_port++;
	n_attach++;
	return 0;
}

void
ports_detach(struct agent *a, struct vm_adapter *vma, bool delete_iface)
{
	(void)a;
	(void)delete_iface;
	vma->port = -1;
	n_detach++;
}

void
ports_release(struct agent *a, struct vm_adapter *vma)
{
	(void)a;
	vma->port = -1;
	n_release++;
}

int
ports_set_mac(struct agent *a, struct vm_adapter *vma, struct pmsg *m)
{
	(void)a;
	(void)vma;
	(void)m;
	return 0;
}

void
ports_update_mtu(struct agent *a)
{
	(void)a;
	n_mtu++;
}

void
ports_generate_mac(struct eth_addr *mac)
{
	eth_parse("00:15:5d:00:00:01", mac);
}

int
ports_vm_create(struct agent *a, const char *vm, struct pmsg *m)
{
	(void)a;
	(void)m;
	(void)vm;
	n_vm_create++;
	return 0;
}

void
ports_vm_delete(struct agent *a, const char *vm)
{
	(void)a;
	(void)vm;
	n_vm_delete++;
}

/* ---- the agent ---- */

static char dir[64];
static struct agent ag;
static uint64_t durable, failed;
static uint64_t max_step_ns;
static int steps;

static const char *
db_path(void)
{
	static char buf[128];

	snprintf(buf, sizeof(buf), "%s/state.db", dir);
	return buf;
}

static void
agent_up(void)
{
	struct pmsg m = {0};

	memset(&ag, 0, sizeof(ag));
	ag.uplink = "eth0";
	ag.netns_prefix = "t-";
	ag.controller_url = "http://127.0.0.1:8470";
	ag.controller_host = "Host1";
	ag.pol = policy_create();
	ag.vms = json_array();
	if (store_open(db_path(), false, &ag.store, &m) < 0 ||
	    store_load(ag.store, ag.pol, ag.vms, &m) < 0) {
		fprintf(stderr, "store: %s\n", m.err);
		abort();
	}
	ag.sa = syncapply_create(store_controller(ag.store));
	store_start(ag.store);
	durable = failed = 0;
}

static void
agent_down(void)
{
	store_close(ag.store);
	syncapply_destroy(ag.sa);
	policy_destroy(ag.pol);
	json_decref(ag.vms);
}

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test-syncapply.XXXXXX");
	if (!mkdtemp(dir))
		abort();
	n_attach = n_detach = n_sw_up = n_sw_down = 0;
	n_vm_create = n_vm_delete = n_mtu = n_release = 0;
	agent_up();
}

static void
teardown(void)
{
	char cmd[128];

	agent_down();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", dir);
}

/* Waits until the store reports progress (up to 10 s). */
static void
store_wait(void)
{
	struct pollfd p = {.fd = store_fd(ag.store), .events = POLLIN};

	poll(&p, 1, 10000);
	store_progress(ag.store, &durable, &failed, NULL, 0);
}

/* Applies one reply as the loop would: the job in slices of 'slice_ns',
 * then waits for the disk.  'probe', if set, runs between slices. */
static void
apply_sliced(json_t *reply, uint64_t slice_ns, void (*probe)(void))
{
	struct pmsg m = {0};

	(void)m;
	CHECK(!syncapply_busy(ag.sa));
	syncapply_start(&ag, reply);
	CHECK(ag.job != NULL);
	steps = 0;
	max_step_ns = 0;
	for (;;) {
		uint64_t t0 = time_ns();
		bool more = ag.job->step(&ag, ag.job, t0 + slice_ns);

		max_step_ns = MAX(max_step_ns, time_ns() - t0);
		steps++;
		if (!more)
			break;
		if (probe)
			probe();
	}
	ag.job->destroy(ag.job);
	ag.job = NULL;
	for (int i = 0; i < 100 && !syncapply_done(&ag, durable, failed, "");
	     i++)
		store_wait();
	CHECK(!syncapply_busy(ag.sa));
}

static void
apply(const char *text)
{
	json_error_t e;
	json_t *r = json_loads(text, 0, &e);

	if (!r) {
		fprintf(stderr, "bad test JSON: %s: %s\n", e.text, text);
		abort();
	}
	apply_sliced(r, 1000000, NULL);
}

static json_int_t
stat_of(const char *key)
{
	json_t *s = syncapply_status(ag.sa);
	json_int_t v = json_integer_value(json_object_get(s, key));

	json_decref(s);
	return v;
}

/* In the readers' view (the data path's). */
static bool
has_lr(const char *ca, uint32_t vsid, const char *pa)
{
	const struct lookup_record *r;
	struct in6_addr a, p;

	ip_parse(ca, &a);
	r = policy_lr_by_ca(ag.pol, vsid, &a);
	if (!r || !pa)
		return r != NULL;
	ip_parse(pa, &p);
	return ip_equal(&p, &r->pa);
}

static size_t
n_family(const char *name)
{
	json_t *all = policy_to_json(ag.pol);
	size_t n = json_array_size(json_object_get(all, name));

	json_decref(all);
	return n;
}

static size_t
n_cr(void)
{
	return n_family("customer_routes");
}

#define BASE_SMALL                                                             \
	"{\"op\":\"put\",\"kind\":\"switch\",\"obj\":{\"name\":\"HNVSwitch\"," \
	"\"netadapter\":\"eth0\"}},"                                           \
	"{\"op\":\"put\",\"kind\":\"provider-address\",\"obj\":{\"pa\":"       \
	"\"192.168.0.22\",\"prefix_len\":24}},"                                \
	"{\"op\":\"put\",\"kind\":\"customer-route\",\"obj\":{\"rdid\":\"" RD1 \
	"\",\"vsid\":6000,\"prefix\":\"10.0.1.0/24\"}},"

#define LR(ca, vsid, mac, pa)                                                  \
	"{\"op\":\"put\",\"kind\":\"lookup-record\",\"obj\":{\"ca\":\"" ca     \
	"\",\"vsid\":" #vsid ",\"mac\":\"" mac "\",\"pa\":\"" pa "\"}}"
#define LR_DEL(ca, vsid)                                                       \
	"{\"op\":\"del\",\"kind\":\"lookup-record\",\"obj\":{\"ca\":\"" ca     \
	"\",\"vsid\":" #vsid "}}"

/* Every kind put, then put again (nothing changes, nothing written but
 * the position), then deleted; deleting what is absent is fine. */
static void
test_put_del(void)
{
	setup();
	apply(
	    "{\"epoch\":\"E1\",\"revision\":5,\"changes\":[" BASE_SMALL
	    "{\"op\":\"put\",\"kind\":\"vm\",\"obj\":{\"vm\":\"Contoso1\"}},"
	    "{\"op\":\"put\",\"kind\":\"vm-adapter\",\"obj\":{\"vm\":"
	    "\"Contoso1\",\"name\":\"eth0\",\"switch\":\"HNVSwitch\","
	    "\"mac\":\"60:00:60:00:01:01\",\"vsid\":6000}},"
	    "{\"op\":\"put\",\"kind\":\"provider-route\",\"obj\":{\"prefix\":"
	    "\"10.9.0.0/16\",\"nexthop\":\"192.168.0.1\"}}," LR(
	        "10.0.1.101", 6000, "60:00:60:00:01:01",
	        "192.168.0.22") "," LR("10.0.1.103", 6000, "60:00:60:00:02:03",
	                               "192.168.0.33") "]}");
	CHECK(has_lr("10.0.1.101", 6000, "192.168.0.22"));
	CHECK(has_lr("10.0.1.103", 6000, "192.168.0.33"));
	CHECK_EQ(n_family("switches"), 1);
	CHECK_EQ(n_family("vm_adapters"), 1);
	CHECK_EQ(n_family("provider_routes"), 1);
	CHECK_EQ(n_cr(), 1);
	CHECK(agent_vm_known(&ag, "contoso1"));
	CHECK_EQ(n_attach, 1);
	CHECK_EQ(n_sw_up, 1);
	CHECK_EQ(stat_of("applied"), 8);
	CHECK_EQ(stat_of("failed"), 0);
	CHECK_EQ(syncapply_revision(ag.sa), 5);

	/* Again, and a replacement: one record gets a new PA. */
	apply(
	    "{\"epoch\":\"E1\",\"revision\":6,\"changes\":[" BASE_SMALL
	    "{\"op\":\"put\",\"kind\":\"vm-adapter\",\"obj\":{\"vm\":"
	    "\"Contoso1\",\"name\":\"eth0\",\"switch\":\"HNVSwitch\","
	    "\"mac\":\"60:00:60:00:01:01\",\"vsid\":6000}}," LR(
	        "10.0.1.101", 6000, "60:00:60:00:01:01",
	        "192.168.0.22") "," LR("10.0.1.103", 6000, "60:00:60:00:02:03",
	                               "192.168.0.44") "]}");
	CHECK_EQ(n_attach, 1); /* the same adapter: left alone */
	CHECK_EQ(n_sw_up, 1);
	CHECK(has_lr("10.0.1.103", 6000, "192.168.0.44"));
	CHECK_EQ(policy_lr_count(ag.pol), 2);

	/* Deletions, twice over. */
	for (int i = 0; i < 2; i++) {
		apply("{\"epoch\":\"E1\",\"revision\":7,\"changes\":[" LR_DEL(
		    "10.0.1.103", 6000) ",{\"op\":\"del\",\"kind\":\"vm-"
		                        "adapter\",\"obj\":{\"vm\":"
		                        "\"Contoso1\",\"name\":\"eth0\"}},"
		                        "{\"op\":\"del\",\"kind\":\"vm\","
		                        "\"obj\":{\"vm\":\"Contoso1\"}},"
		                        "{\"op\":\"del\",\"kind\":\"provider-"
		                        "route\",\"obj\":{\"prefix\":\"10.9."
		                        "0.0/16\",\"nexthop\":\"192.168.0."
		                        "1\"}}]}");
		CHECK(!has_lr("10.0.1.103", 6000, NULL));
		CHECK(has_lr("10.0.1.101", 6000, NULL));
		CHECK_EQ(n_family("vm_adapters"), 0);
		CHECK_EQ(n_family("provider_routes"), 0);
		CHECK(!agent_vm_known(&ag, "Contoso1"));
		CHECK_EQ(n_detach, 1);
		CHECK_EQ(n_vm_delete, 1);
	}
	CHECK_EQ(stat_of("failed"), 0);
	teardown();
}

/* A VM that moved to another host ("moved": true): its adapters are let
 * go (their TAPs left for the new host's agent), its namespace stays. */
static void
test_moved_vm(void)
{
	setup();
	apply("{\"epoch\":\"E1\",\"revision\":5,\"changes\":[" BASE_SMALL
	      "{\"op\":\"put\",\"kind\":\"vm\",\"obj\":{\"vm\":\"Contoso1\"}},"
	      "{\"op\":\"put\",\"kind\":\"vm-adapter\",\"obj\":{\"vm\":"
	      "\"Contoso1\",\"name\":\"eth0\",\"switch\":\"HNVSwitch\","
	      "\"mac\":\"60:00:60:00:01:01\",\"vsid\":6000}}]}");
	CHECK_EQ(n_family("vm_adapters"), 1);
	apply("{\"epoch\":\"E1\",\"revision\":6,\"changes\":["
	      "{\"op\":\"del\",\"kind\":\"vm\",\"obj\":{\"vm\":"
	      "\"Contoso1\",\"moved\":true}},"
	      "{\"op\":\"del\",\"kind\":\"vm-adapter\",\"obj\":{\"vm\":"
	      "\"Contoso1\",\"name\":\"eth0\"}}]}");
	CHECK_EQ(n_family("vm_adapters"), 0);
	CHECK(!agent_vm_known(&ag, "Contoso1"));
	CHECK_EQ(n_release, 1);
	CHECK_EQ(n_detach, 0);
	CHECK_EQ(n_vm_delete, 0);
	CHECK_EQ(stat_of("failed"), 0);
	/* after a restart it is still gone */
	agent_down();
	agent_up();
	CHECK_EQ(n_family("vm_adapters"), 0);
	CHECK(!agent_vm_known(&ag, "Contoso1"));
	teardown();
}

/* A change that cannot apply is counted and the others go on; one that
 * can only after others of its reply (a switch removed before its
 * adapter, records trading MACs, a VSID moving to another routing
 * domain while its records go) applies. */
static void
test_tolerant(void)
{
	setup();
	apply("{\"epoch\":\"E1\",\"revision\":1,\"changes\":[" BASE_SMALL LR(
	    "10.0.1.101", 6000, "60:00:60:00:01:01",
	    "192.168.0.22") "," LR("10.0.1.102", 6000, "60:00:60:00:01:02",
	                           "192.168.0.22") "]}");
	apply(
	    "{\"epoch\":\"E1\",\"revision\":2,\"changes\":["
	    /* bad values: counted */
	    LR("10.0.1.5", 70, "60:00:60:00:01:05",
	       "192.168.0.22") ","
	                       "{\"op\":\"frob\",\"kind\":\"switch\",\"obj\":{}"
	                       "},"
	                       "{\"op\":\"put\",\"kind\":\"gizmo\",\"obj\":{}},"
	                       /* a route's metric changes */
	                       "{\"op\":\"put\",\"kind\":\"customer-route\","
	                       "\"obj\":{\"rdid\":"
	                       "\"" RD1
	                       "\",\"vsid\":6000,\"prefix\":\"10.0.1.0/24\","
	                       "\"metric\":5}},"
	    /* 101 takes 102's MAC, which 102 gives up after */
	    LR("10.0.1.101", 6000, "60:00:60:00:01:02", "192.168.0.22") "," LR(
	        "10.0.1.102", 6000, "60:00:60:00:01:04", "192.168.0.22") "]}");
	CHECK_EQ(stat_of("failed"), 3);
	{
		const struct lookup_record *r;
		struct in6_addr ca;

		ip_parse("10.0.1.101", &ca);
		r = policy_lr_by_ca(ag.pol, 6000, &ca);
		CHECK(r && r->mac.b[5] == 2);
	}
	/* A switch deleted before its adapter; a route moved to another
	 * routing domain before its VSID's records go. */
	apply("{\"epoch\":\"E1\",\"revision\":3,\"changes\":["
	      "{\"op\":\"put\",\"kind\":\"vm-adapter\",\"obj\":{\"vm\":\"A\","
	      "\"name\":\"eth0\",\"switch\":\"HNVSwitch\",\"vsid\":6000}}]}");
	CHECK_EQ(n_family("vm_adapters"), 1);
	apply("{\"epoch\":\"E1\",\"revision\":4,\"changes\":["
	      "{\"op\":\"del\",\"kind\":\"switch\",\"obj\":{\"name\":"
	      "\"HNVSwitch\"}},"
	      "{\"op\":\"del\",\"kind\":\"vm-adapter\",\"obj\":{\"vm\":\"A\","
	      "\"name\":\"eth0\"}},"
	      "{\"op\":\"del\",\"kind\":\"customer-route\",\"obj\":{\"rdid\":"
	      "\"" RD1 "\",\"prefix\":\"10.0.1.0/24\"}},"
	      "{\"op\":\"put\",\"kind\":\"customer-route\",\"obj\":{\"rdid\":"
	      "\"" RD2 "\",\"vsid\":6000,\"prefix\":\"10.0.1.0/24\"}}," LR(
	          "10.0.1.7", 6000, "60:00:60:00:01:07",
	          "192.168.0.22") "," LR_DEL("10.0.1.101",
	                                     6000) "," LR_DEL("10.0.1.102",
	                                                      6000) "]}");
	CHECK_EQ(n_family("switches"), 0);
	CHECK_EQ(n_family("vm_adapters"), 0);
	CHECK(has_lr("10.0.1.7", 6000, NULL));
	CHECK_EQ(policy_lr_count(ag.pol), 1);
	{
		struct guid rd, want;

		guid_parse(RD2, &want);
		CHECK(policy_vsid_rdid(ag.pol, 6000, &rd) &&
		      guid_equal(&rd, &want));
	}
	CHECK_EQ(stat_of("failed"), 3);
	teardown();
}

/* A reset over two pages: nothing goes before the last page; then
 * whatever no page named goes, the rest stays (a record named on the
 * first page, unchanged, keeps its place). */
static void
test_reset(void)
{
	setup();
	apply(
	    "{\"epoch\":\"E1\",\"revision\":3,\"changes\":[" BASE_SMALL
	    "{\"op\":\"put\",\"kind\":\"customer-route\",\"obj\":{\"rdid\":"
	    "\"" RD1 "\",\"vsid\":6001,\"prefix\":\"10.0.2.0/24\"}},"
	    "{\"op\":\"put\",\"kind\":\"vm-adapter\",\"obj\":{\"vm\":\"Old\","
	    "\"name\":\"eth0\",\"switch\":\"HNVSwitch\",\"vsid\":6000}}," LR(
	        "10.0.1.1", 6000, "60:00:60:00:01:00",
	        "192.168.0.22") "," LR("10.0.1.2", 6000, "60:00:60:00:01:02",
	                               "192.168.0.33") "," LR("10.0.2.3", 6001,
	                                                      "60:01:60:"
	                                                      "00:01:03",
	                                                      "192.168.0."
	                                                      "33") "]}");
	CHECK_EQ(policy_lr_count(ag.pol), 3);
	CHECK(agent_vm_known(&ag, "Old"));

	apply("{\"epoch\":\"E2\",\"revision\":1,\"reset\":true,\"more\":true,"
	      "\"changes\":[" BASE_SMALL LR(
	          "10.0.1.1", 6000, "60:00:60:00:01:00", "192.168.0.22") "]}");
	/* Mid-reset: nothing removed yet. */
	CHECK_EQ(policy_lr_count(ag.pol), 3);
	CHECK_EQ(n_cr(), 2);
	CHECK(agent_vm_known(&ag, "Old"));
	apply("{\"epoch\":\"E2\",\"revision\":1,\"reset\":false,\"more\":"
	      "false,\"changes\":[" LR("10.0.1.9", 6000, "60:00:60:00:01:09",
	                               "192.168.0.33") "]}");
	CHECK(has_lr("10.0.1.1", 6000, NULL));
	CHECK(has_lr("10.0.1.9", 6000, NULL));
	CHECK(!has_lr("10.0.1.2", 6000, NULL));
	CHECK(!has_lr("10.0.2.3", 6001, NULL));
	CHECK_EQ(policy_lr_count(ag.pol), 2);
	CHECK_EQ(n_cr(), 1);
	CHECK_EQ(n_family("vm_adapters"), 0);
	CHECK_EQ(n_family("switches"), 1);
	CHECK(!agent_vm_known(&ag, "Old"));
	CHECK_EQ(n_vm_delete, 1);
	CHECK_EQ(stat_of("resets"), 1);
	CHECK_STR(syncapply_epoch(ag.sa), "E2");
	teardown();
}

/* The position is written with the changes; a restart resumes from it
 * with the policy as it was.  A reset cut short resumes from 0. */
static void
test_persist(void)
{
	setup();
	apply("{\"epoch\":\"E7\",\"revision\":42,\"changes\":[" BASE_SMALL LR(
	    "10.0.1.101", 6000, "60:00:60:00:01:01", "192.168.0.22") "]}");
	agent_down();
	agent_up();
	CHECK_EQ(syncapply_revision(ag.sa), 42);
	CHECK_STR(syncapply_epoch(ag.sa), "E7");
	CHECK(has_lr("10.0.1.101", 6000, "192.168.0.22"));
	CHECK_EQ(n_cr(), 1);

	apply("{\"epoch\":\"E8\",\"revision\":3,\"reset\":true,\"more\":true,"
	      "\"changes\":[]}");
	agent_down();
	agent_up();
	CHECK_EQ(syncapply_revision(ag.sa), 0);
	CHECK(has_lr("10.0.1.101", 6000, NULL));
	teardown();
}

static struct in6_addr probe_first, probe_last;
static int probe_none, probe_all, probe_partial;

/* Between two slices, as the data path: the first and the last record
 * of the reply are both visible or neither. */
static void
probe(void)
{
	bool first = policy_lr_by_ca(ag.pol, 6000, &probe_first) != NULL;
	bool last = policy_lr_by_ca(ag.pol, 6000, &probe_last) != NULL;

	if (first != last)
		probe_partial++;
	else if (first)
		probe_all++;
	else
		probe_none++;
}

/* 20,000 records in one reply: applied in many short slices, and the
 * data path sees none of them until it sees all. */
static void
test_large(void)
{
	json_t *reply, *changes;

	setup();
	apply("{\"epoch\":\"E1\",\"revision\":1,\"changes\":[" BASE_SMALL
	      "{\"op\":\"put\",\"kind\":\"customer-route\",\"obj\":{\"rdid\":"
	      "\"" RD1 "\",\"vsid\":6000,\"prefix\":\"10.0.0.0/8\"}}]}");
	reply = json_pack("{s:s,s:i,s:[]}", "epoch", "E1", "revision", 2,
	                  "changes");
	changes = json_object_get(reply, "changes");
	for (int i = 0; i < 20000; i++) {
		char ca[32], mac[32];

		snprintf(ca, sizeof(ca), "10.1.%d.%d", i / 250, i % 250 + 2);
		snprintf(mac, sizeof(mac), "02:00:00:00:%02x:%02x", i >> 8,
		         i & 255);
		json_array_append_new(
		    changes,
		    json_pack("{s:s,s:s,s:{s:s,s:i,s:s,s:s}}", "op", "put",
		              "kind", "lookup-record", "obj", "ca", ca, "vsid",
		              6000, "mac", mac, "pa", "192.168.0.33"));
	}
	ip_parse("10.1.0.2", &probe_first);
	ip_parse("10.1.79.251", &probe_last);
	probe_none = probe_all = probe_partial = 0;
	apply_sliced(reply, 1000000, probe);
	CHECK(steps > 5);
	CHECK(probe_none > 0); /* slices went by before the commit */
	CHECK_EQ(probe_partial, 0);
	CHECK(max_step_ns < 50000000ull);
	CHECK_EQ(policy_lr_count(ag.pol), 20000);
	CHECK(policy_lr_by_ca(ag.pol, 6000, &probe_last) != NULL);
	CHECK_EQ(stat_of("applied"), 20000 + 4);
	teardown();
}

/* Bad tokens and the refusal of local writes are netns tests
 * (tests/netns/sync.sh); here the token file. */
static void
test_token(void)
{
	char path[128], err[256], *t;
	FILE *f;

	snprintf(dir, sizeof(dir), "/tmp/test-syncapply.XXXXXX");
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/token", dir);
	f = fopen(path, "w");
	fputs("  s3cret-token \n\nsecond line\n", f);
	fclose(f);
	t = sync_read_token(path, err, sizeof(err));
	CHECK_STR(t, "s3cret-token");
	free(t);
	f = fopen(path, "w");
	fputs(" \n", f);
	fclose(f);
	CHECK(sync_read_token(path, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "no token") != NULL);
	unlink(path);
	CHECK(sync_read_token(path, err, sizeof(err)) == NULL);
	rmdir(dir);
}

const struct test_case tests[] = {
    TEST(test_put_del),  TEST(test_moved_vm),
    TEST(test_tolerant), TEST(test_reset),
    TEST(test_persist),  TEST(test_large),
    TEST(test_token),    {0},
};
