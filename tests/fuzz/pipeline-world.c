/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pipeline-world: the fuzzed host's policy as tables, the policy and
 * pipeline built from them, and the helpers of the fuzz input format
 * (pipeline-world.h describes both).  The tables are the single source:
 * the policy is loaded from them through the public policy API, and the
 * oracle checks the pipeline's output against them, so neither depends on
 * how the pipeline works inside.
 */
#include "tests/fuzz/pipeline-world.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "pkt/build.h"
#include "pkt/csum.h"
#include "pkt/nvgre.h"
#include "pkt/parse.h"
#include "pkt/vxlan.h"

static const char *const rdid_guid[W_N_RDIDS] = {
    [W_BLUE] = "{12345678-1000-2000-3000-0000000000b1}",
    [W_RED] = "{12345678-1000-2000-3000-0000000000ed}",
    [W_GREEN] = "{12345678-1000-2000-3000-0000000000a6}",
};
static const char *const rdid_name[W_N_RDIDS] = {
    [W_BLUE] = "Blue",
    [W_RED] = "Red",
    [W_GREEN] = "Green",
};

static const struct {
	enum w_rdid rdid;
	uint32_t vsid;
	const char *prefix, *nexthop;
} route_tab[] = {
    {W_BLUE, 5001, "10.0.1.0/24", "0.0.0.0"},
    {W_BLUE, 5002, "10.0.2.0/24", "0.0.0.0"},
    {W_BLUE, 5003, "10.0.3.0/24", "0.0.0.0"},
    {W_BLUE, 5003, "0.0.0.0/0", "10.0.3.2"},
    {W_RED, 6001, "10.0.1.0/24", "0.0.0.0"},
    {W_RED, 6002, "10.0.5.0/24", "0.0.0.0"},
    {W_RED, 6002, "0.0.0.0/0", "10.0.5.2"},
    {W_GREEN, 7001, "fd00:a:1::/64", "::"},
    {W_GREEN, 7002, "fd00:a:2::/64", "::"},
};

/* Provider addresses of this host; the first is the default source. */
#define PA_MAIN "192.168.1.10"
#define PA_NAT "192.168.1.112"
#define PA_VLAN "192.168.3.10"
#define PA_V6 "fd00:1::10"

/* Remote hosts' PAs. */
#define H2 "192.168.1.20"
#define GW "192.168.1.11"
#define H3 "192.168.2.30"
#define H4 "fd00:1::20"
#define H5 "192.168.3.40"
#define H6 "fd00:2::30"
#define NATPEER "192.168.1.122"
#define NATRED "192.168.1.123"
#define H7 "fd00:1::30"
#define NOWHERE "2001:db8:99::1"

enum {
	ENCAP = LR_RULE_ENCAP,
	NAT = LR_RULE_NAT,
	NONE = LR_RULE_NONE,
};
enum {
	STATIC = LR_TYPE_STATIC,
	DYNAMIC = LR_TYPE_DYNAMIC,
	L2ONLY = LR_TYPE_L2ONLY,
	WILDCARD = LR_TYPE_GW_WILDCARD,
};

static const struct {
	const char *ca;
	uint32_t vsid;
	const char *mac, *pa;
	int rule, type;
} record_tab[] = {
    /* Blue 5001 */
    {"10.0.1.1", 5001, "02:b1:01:00:00:01", PA_MAIN, ENCAP, STATIC},
    {"10.0.1.11", 5001, "02:00:00:00:00:11", PA_MAIN, ENCAP, STATIC},
    {"10.0.1.12", 5001, "02:b1:01:00:00:12", PA_MAIN, ENCAP, STATIC},
    {"10.0.1.21", 5001, "02:00:00:00:00:21", H2, ENCAP, STATIC},
    {"10.0.1.31", 5001, "02:b1:01:00:00:31", H3, ENCAP, STATIC},
    {"10.0.1.51", 5001, "02:b1:01:00:00:51", H2, NONE, STATIC},
    {"0.0.0.0", 5001, "02:b1:01:00:00:41", H2, ENCAP, L2ONLY},
    {"10.0.1.41", 5001, "02:b1:01:00:00:41", H2, ENCAP, DYNAMIC},
    /* Blue 5002: no ".1" record */
    {"10.0.2.11", 5002, "02:b1:02:00:00:11", PA_MAIN, ENCAP, STATIC},
    {"10.0.2.12", 5002, "02:b1:02:00:00:12", PA_NAT, NAT, STATIC},
    {"10.0.2.21", 5002, "02:b1:02:00:00:21", H4, ENCAP, STATIC},
    {"10.0.2.22", 5002, "02:b1:02:00:00:22", NATPEER, NAT, STATIC},
    /* Blue 5003: the gateway's subnet */
    {"10.0.3.1", 5003, "02:b1:03:00:00:01", PA_MAIN, ENCAP, STATIC},
    {"10.0.3.2", 5003, "02:b1:03:00:00:02", GW, ENCAP, STATIC},
    {"0.0.0.0", 5003, "02:b1:03:00:00:02", GW, ENCAP, WILDCARD},
    /* Red 6001: Blue's addresses again */
    {"10.0.1.1", 6001, "02:ed:01:00:00:01", PA_MAIN, ENCAP, STATIC},
    {"10.0.1.11", 6001, "02:00:00:00:00:11", PA_MAIN, ENCAP, STATIC},
    {"10.0.1.12", 6001, "02:ed:01:00:00:12", PA_VLAN, ENCAP, STATIC},
    {"10.0.1.21", 6001, "02:00:00:00:00:21", H2, ENCAP, STATIC},
    {"10.0.1.41", 6001, "02:ed:01:00:00:41", H5, ENCAP, STATIC},
    {"0.0.0.0", 6001, "02:ed:01:00:00:77", PA_MAIN, ENCAP, L2ONLY},
    /* Red 6002: a local gateway VM */
    {"10.0.5.1", 6002, "02:ed:02:00:00:01", PA_MAIN, ENCAP, STATIC},
    {"10.0.5.2", 6002, "02:ed:02:00:00:02", PA_MAIN, ENCAP, STATIC},
    {"10.0.5.21", 6002, "02:ed:02:00:00:21", H3, ENCAP, STATIC},
    {"10.0.5.22", 6002, "02:ed:02:00:00:22", NATRED, NAT, STATIC},
    /* Green 7001 */
    {"fd00:a:1::1", 7001, "02:a6:01:00:00:01", PA_V6, ENCAP, STATIC},
    {"fd00:a:1::11", 7001, "02:a6:01:00:00:11", PA_V6, ENCAP, STATIC},
    {"fd00:a:1::12", 7001, "02:a6:01:00:00:12", PA_MAIN, ENCAP, STATIC},
    {"fd00:a:1::21", 7001, "02:a6:01:00:00:21", H4, ENCAP, STATIC},
    {"fd00:a:1::31", 7001, "02:a6:01:00:00:31", H2, ENCAP, STATIC},
    {"fd00:a:1::41", 7001, "02:a6:01:00:00:41", H7, ENCAP, STATIC},
    {"fd00:a:1::51", 7001, "02:a6:01:00:00:51", NOWHERE, ENCAP, STATIC},
    /* Green 7002: no ".1" record; a remote gateway */
    {"fd00:a:2::11", 7002, "02:a6:02:00:00:11", PA_V6, ENCAP, STATIC},
    {"fd00:a:2::2", 7002, "02:a6:02:00:00:02", H6, ENCAP, STATIC},
    {"::", 7002, "02:a6:02:00:00:02", H6, ENCAP, WILDCARD},
};

static const struct {
	const char *pa;
	int plen;
	uint16_t vlan;
	const char *mac;
} pa_tab[] = {
    {PA_MAIN, 24, 0, "02:00:00:00:01:10"},
    {PA_NAT, 24, 0, "00:00:00:00:00:00"},
    {PA_VLAN, 24, 100, "02:00:00:00:03:10"},
    {PA_V6, 64, 0, "02:00:00:00:06:10"},
};

static const struct {
	const char *prefix, *nexthop;
} provider_route_tab[] = {
    {"192.168.2.0/24", "192.168.1.1"},
    {"fd00:2::/64", "fd00:1::1"},
};

/* Sources the NVGRE helper offers: the remote PAs, a PA that holds no
 * record, one of our own, and an IPv6 stranger. */
static const struct {
	const char *name, *pa, *mac;
	uint16_t vlan;
} remote_tab[] = {
    {"H2", H2, "02:00:00:00:01:20", 0},
    {"GW", GW, "02:00:00:00:01:11", 0},
    {"H3", H3, "02:00:00:00:01:01", 0},
    {"H4", H4, "02:00:00:00:06:20", 0},
    {"H6", H6, "02:00:00:00:06:01", 0},
    {"H5", H5, "02:00:00:00:03:40", 100},
    {"NATPEER", NATPEER, "02:00:00:00:01:22", 0},
    {"NATRED", NATRED, "02:00:00:00:01:23", 0},
    {"H7", H7, "02:00:00:00:06:30", 0},
    {"stranger", "192.168.1.99", "02:00:00:00:01:99", 0},
    {"self", PA_MAIN, "02:00:00:00:01:10", 0},
    {"stranger6", "fd00:1::99", "02:00:00:00:06:99", 0},
};

/* Next hops world_reset() resolves (all but H5 and H7). */
static const struct {
	const char *ip, *mac;
} neighbour_tab[] = {
    {H2, "02:00:00:00:01:20"},
    {GW, "02:00:00:00:01:11"},
    {"192.168.1.1", "02:00:00:00:01:01"},
    {NATPEER, "02:00:00:00:01:22"},
    {NATRED, "02:00:00:00:01:23"},
    {H4, "02:00:00:00:06:20"},
    {"fd00:1::1", "02:00:00:00:06:01"},
};

static const struct {
	const char *name, *mac;
	uint32_t vsid;
} vm_tab[W_N_VMS] = {
    {"B1", "02:00:00:00:00:11", 5001}, {"B2", "02:b1:01:00:00:12", 5001},
    {"X", "02:b1:01:00:00:99", 5001},  {"B3", "02:b1:02:00:00:11", 5002},
    {"N1", "02:b1:02:00:00:12", 5002}, {"R1", "02:00:00:00:00:11", 6001},
    {"R3", "02:ed:01:00:00:12", 6001}, {"R2", "02:ed:02:00:00:02", 6002},
    {"G1", "02:a6:01:00:00:11", 7001}, {"G2", "02:a6:01:00:00:12", 7001},
    {"G3", "02:a6:02:00:00:11", 7002}, {"L", "02:ed:01:00:00:77", 6001},
    {"U", "02:00:00:00:00:99", 0},
};

/* VSIDs the NVGRE helper offers: the policy's, one that is reserved and
 * one no policy knows. */
static const uint32_t vsid_tab[] = {5001, 5002, 5003, 6001, 6002,
                                    7001, 7002, 4000, 9999};

static struct in6_addr
ip(const char *s)
{
	struct in6_addr a;

	if (ip_parse(s, &a) < 0) {
		fprintf(stderr, "pipeline-world: bad address %s\n", s);
		abort();
	}
	return a;
}

static struct eth_addr
mac(const char *s)
{
	struct eth_addr e;

	if (eth_parse(s, &e) < 0) {
		fprintf(stderr, "pipeline-world: bad MAC %s\n", s);
		abort();
	}
	return e;
}

static void
must(int err, const struct pmsg *msg, const char *what)
{
	if (err == 0)
		return;
	fprintf(stderr, "pipeline-world: %s: %s\n", what, msg->err);
	abort();
}

static void
load_policy(struct world *w)
{
	struct vswitch sw = {0};
	struct pmsg msg;

	w->n_routes = (int)ARRAY_SIZE(route_tab);
	w->routes = xcalloc((size_t)w->n_routes, sizeof(*w->routes));
	for (int i = 0; i < w->n_routes; i++) {
		struct w_route *r = &w->routes[i];
		struct customer_route cr = {0};

		r->rdid = route_tab[i].rdid;
		r->vsid = route_tab[i].vsid;
		if (prefix_parse(route_tab[i].prefix, &r->prefix, &r->plen) < 0)
			abort();
		r->nexthop = ip(route_tab[i].nexthop);
		guid_parse(rdid_guid[r->rdid], &cr.rdid);
		cr.vsid = r->vsid;
		cr.prefix = r->prefix;
		cr.plen = r->plen;
		cr.nexthop = r->nexthop;
		memset(&msg, 0, sizeof(msg));
		must(policy_cr_add(w->pol, &cr, &msg), &msg, "customer route");
	}

	w->n_pas = (int)ARRAY_SIZE(pa_tab);
	w->pas = xcalloc((size_t)w->n_pas, sizeof(*w->pas));
	for (int i = 0; i < w->n_pas; i++) {
		struct provider_address pa = {0};

		w->pas[i].pa = ip(pa_tab[i].pa);
		w->pas[i].plen = pa_tab[i].plen;
		w->pas[i].vlan = pa_tab[i].vlan;
		w->pas[i].mac = mac(pa_tab[i].mac);
		pa.pa = w->pas[i].pa;
		pa.plen = w->pas[i].plen;
		pa.vlan = w->pas[i].vlan;
		pa.mac = w->pas[i].mac;
		memset(&msg, 0, sizeof(msg));
		must(policy_pa_add(w->pol, &pa, &msg), &msg,
		     "provider address");
	}
	for (size_t i = 0; i < ARRAY_SIZE(provider_route_tab); i++) {
		struct provider_route pr = {0};

		if (prefix_parse(provider_route_tab[i].prefix, &pr.prefix,
		                 &pr.plen) < 0)
			abort();
		pr.nexthop = ip(provider_route_tab[i].nexthop);
		memset(&msg, 0, sizeof(msg));
		must(policy_pr_add(w->pol, &pr, &msg), &msg, "provider route");
	}

	w->n_records = (int)ARRAY_SIZE(record_tab);
	w->records = xcalloc((size_t)w->n_records, sizeof(*w->records));
	for (int i = 0; i < w->n_records; i++) {
		struct w_record *r = &w->records[i];
		struct lookup_record lr = {0};

		r->ca = ip(record_tab[i].ca);
		r->vsid = record_tab[i].vsid;
		r->mac = mac(record_tab[i].mac);
		r->pa = ip(record_tab[i].pa);
		r->rule = (enum lr_rule)record_tab[i].rule;
		r->type = (enum lr_type)record_tab[i].type;
		lr.ca = r->ca;
		lr.vsid = r->vsid;
		lr.mac = r->mac;
		lr.pa = r->pa;
		lr.rule = r->rule;
		lr.type = r->type;
		memset(&msg, 0, sizeof(msg));
		must(policy_lr_add(w->pol, &lr, &msg), &msg, "lookup record");
	}

	strcpy(sw.name, "HNVSwitch");
	strcpy(sw.netadapter, "uplink");
	memset(&msg, 0, sizeof(msg));
	must(policy_sw_add(w->pol, &sw, &msg), &msg, "switch");
	for (int i = 0; i < W_N_VMS; i++) {
		struct vm_adapter v = {0};

		strlcpy_(v.vm, vm_tab[i].name, sizeof(v.vm));
		strcpy(v.name, "eth0");
		strcpy(v.sw, "HNVSwitch");
		v.mac = mac(vm_tab[i].mac);
		v.vsid = vm_tab[i].vsid;
		v.port = -1;
		memset(&msg, 0, sizeof(msg));
		must(policy_vma_add(w->pol, &v, &msg), &msg, "VM adapter");
		w->vm[i].name = vm_tab[i].name;
		w->vm[i].mac = v.mac;
		w->vm[i].vsid = v.vsid;
		w->vm[i].vma = policy_vma_find(w->pol, vm_tab[i].name, "eth0");
		w->vm[i].io = io_mem_create(vm_tab[i].name);
	}

	w->n_remotes = (int)ARRAY_SIZE(remote_tab);
	w->remotes = xcalloc((size_t)w->n_remotes, sizeof(*w->remotes));
	for (int i = 0; i < w->n_remotes; i++) {
		w->remotes[i].name = remote_tab[i].name;
		w->remotes[i].pa = ip(remote_tab[i].pa);
		w->remotes[i].mac = mac(remote_tab[i].mac);
		w->remotes[i].vlan = remote_tab[i].vlan;
	}
	w->n_vsids = (int)ARRAY_SIZE(vsid_tab);
	w->vsids = xcalloc((size_t)w->n_vsids, sizeof(*w->vsids));
	memcpy(w->vsids, vsid_tab, sizeof(vsid_tab));
}

struct world *
world_create(void)
{
	struct world *w = xcalloc(1, sizeof(*w));

	const char *fresh = getenv("FUZZ_PIPELINE_FRESH");

	w->always_fresh = fresh && strcmp(fresh, "0") != 0;
	w->pol = policy_create();
	w->uplink = io_mem_create("uplink");
	w->uplink_mac = mac("02:00:00:00:00:01");
	load_policy(w);
	world_reset(w, PIPELINE_ENCAP_NVGRE, NULL, NULL);
	return w;
}

void
world_destroy(struct world *w)
{
	if (!w)
		return;
	pipeline_destroy(w->pl);
	io_destroy(w->uplink);
	for (int i = 0; i < W_N_VMS; i++)
		io_destroy(w->vm[i].io);
	policy_destroy(w->pol);
	free(w->routes);
	free(w->records);
	free(w->pas);
	free(w->remotes);
	free(w->vsids);
	free(w);
}

void
world_drain(struct world *w, world_out_cb check, void *aux)
{
	static uint8_t buf[PBUF_FRAME_MAX];
	int n;

	while ((n = io_mem_take(w->uplink, buf, sizeof(buf))) > 0)
		if (check)
			check(w, PIPELINE_UPLINK, buf, (size_t)n, aux);
	for (int i = 0; i < W_N_VMS; i++)
		while ((n = io_mem_take(w->vm[i].io, buf, sizeof(buf))) > 0)
			if (check)
				check(w, w->vm[i].port, buf, (size_t)n, aux);
}

/* Answers as each neighbour would: an ARP reply to our main PA, or a
 * solicitation for our IPv6 PA (which makes us learn the asker). */
static void
resolve_neighbours(struct world *w, world_out_cb check, void *aux)
{
	const struct w_pa *pa4 = &w->pas[0], *pa6 = &w->pas[3];
	uint8_t f[256];

	for (size_t i = 0; i < ARRAY_SIZE(neighbour_tab); i++) {
		struct in6_addr a = ip(neighbour_tab[i].ip);
		struct eth_addr m = mac(neighbour_tab[i].mac);
		size_t n;

		if (ip_is_v4(&a))
			n = build_arp(f, sizeof(f), &pa4->mac, &m, 0, 2, &m, &a,
			              &pa4->mac, &pa4->pa);
		else
			n = build_nd_ns(f, sizeof(f), &m, 0, &a, &pa6->pa, &m);
		if (io_mem_inject(w->uplink, f, n) < 0)
			abort();
		while (pipeline_poll(w->pl, PIPELINE_UPLINK, 64) > 0)
			;
		world_drain(w, check, aux);
	}
}

struct neigh_snap {
	struct neigh_info *v;
	int n; /* -1 on overflow */
};

static void
neigh_snap_cb(const struct neigh_info *ni, void *aux)
{
	struct neigh_snap *s = aux;

	if (s->n < 0 || s->n == W_NEIGH_SNAP) {
		s->n = -1;
		return;
	}
	s->v[s->n++] = *ni;
}

/* The neighbour table, in the pipeline's order; -1 if too big. */
static int
neigh_snapshot(const struct world *w, struct neigh_info *v)
{
	struct neigh_snap s = {v, 0};

	pipeline_neigh_foreach(w->pl, neigh_snap_cb, &s);
	return s.n;
}

/* Does the pipeline still have the neighbours world_reset() left? */
static bool
neigh_unchanged(const struct world *w)
{
	struct neigh_info now[W_NEIGH_SNAP];
	int n = neigh_snapshot(w, now);

	if (n < 0 || n != w->n_neigh)
		return false;
	for (int i = 0; i < n; i++)
		if (!ip_equal(&now[i].ip, &w->neigh[i].ip) ||
		    !eth_equal(&now[i].mac, &w->neigh[i].mac) ||
		    now[i].vlan != w->neigh[i].vlan ||
		    now[i].resolved != w->neigh[i].resolved)
			return false;
	return true;
}

/* An ICMP or ICMPv6 error message (counted by the rate limit). */
static bool
is_icmp_error(const uint8_t *f, size_t len)
{
	struct pkt_info pi;

	if (pkt_parse(f, len, &pi) < 0 || !pi.is_ip || !pi.l4_ofs)
		return false;
	if (pi.is_ipv6)
		return pi.l4_proto == 58 && pi.icmp_type < 128;
	return pi.l4_proto == 1 && pi.icmp_type != 0 && pi.icmp_type != 8;
}

void
world_reset(struct world *w, enum pipeline_encap encap, world_out_cb check,
            void *aux)
{
	struct pipeline_config cfg = {0};

	/* Nothing may linger in a queue from the previous input. */
	if (w->pl) {
		while (pipeline_poll(w->pl, PIPELINE_UPLINK, 64) > 0)
			;
		for (int i = 0; i < W_N_VMS; i++)
			while (pipeline_poll(w->pl, w->vm[i].port, 64) > 0)
				;
	}
	world_drain(w, NULL, NULL);
	pipeline_destroy(w->pl);
	cfg.encap = encap;
	cfg.uplink_mac = w->uplink_mac;
	cfg.uplink_mtu = 1500;
	cfg.no_fast_path = w->no_fast_path;
	w->encap = encap;
	w->pl = pipeline_create(w->pol, &cfg);
	pipeline_set_uplink(w->pl, w->uplink);
	for (int i = 0; i < W_N_VMS; i++) {
		w->vm[i].port =
		    pipeline_add_port(w->pl, w->vm[i].io, w->vm[i].vma);
		w->vm[i].vma->port = w->vm[i].port;
	}
	resolve_neighbours(w, check, aux);
	w->n_neigh = neigh_snapshot(w, w->neigh);
	w->generation = policy_generation(w->pol);
	w->dirty = false;
}

const struct w_vm *
world_vm_at_port(const struct world *w, int port)
{
	for (int i = 0; i < W_N_VMS; i++)
		if (w->vm[i].port == port)
			return &w->vm[i];
	return NULL;
}

bool
world_vsid_rdid(const struct world *w, uint32_t vsid, enum w_rdid *rdid)
{
	for (int i = 0; i < w->n_routes; i++)
		if (w->routes[i].vsid == vsid) {
			*rdid = w->routes[i].rdid;
			return true;
		}
	return false;
}

const char *
world_rdid_name(enum w_rdid r)
{
	return (unsigned)r < W_N_RDIDS ? rdid_name[r] : "?";
}

int
world_sel_port(const struct world *w, uint8_t sel)
{
	int i = (sel & W_SEL_PORT) % (1 + W_N_VMS);

	return i == 0 ? PIPELINE_UPLINK : w->vm[i - 1].port;
}

uint8_t
world_sel_for(int vm_index)
{
	return (uint8_t)(vm_index < 0 ? 0 : vm_index + 1);
}

size_t
world_wrap(const struct world *w, const uint8_t *payload, size_t len,
           uint8_t *out, size_t cap)
{
	const struct w_remote *src;
	const struct w_pa *dst = NULL;
	struct nvgre_outer o = {0};
	bool vxlan;
	int n_fam = 0, want;
	size_t ol, inner;

	if (len < 4)
		return 0;
	vxlan = payload[0] & W_WRAP_VXLAN;
	src = &w->remotes[(payload[0] & ~W_WRAP_VXLAN) % w->n_remotes];
	/* The destination: one of our PAs of the source's family. */
	for (int i = 0; i < w->n_pas; i++)
		n_fam += ip_is_v4(&w->pas[i].pa) == ip_is_v4(&src->pa);
	want = payload[1] % n_fam;
	for (int i = 0; i < w->n_pas && !dst; i++)
		if (ip_is_v4(&w->pas[i].pa) == ip_is_v4(&src->pa) &&
		    want-- == 0)
			dst = &w->pas[i];
	o.eth_dst = eth_is_zero(&dst->mac) ? w->uplink_mac : dst->mac;
	o.eth_src = src->mac;
	o.vlan = dst->vlan;
	o.pa_src = src->pa;
	o.pa_dst = dst->pa;
	ol = vxlan ? vxlan_outer_len(&o) : nvgre_outer_len(&o);
	inner = len - 4;
	if (ol + inner > cap)
		inner = cap - ol;
	memcpy(out + ol, payload + 4, inner);
	if (vxlan)
		vxlan_write(out, &o, w->vsids[payload[2] % w->n_vsids],
		            vxlan_sport(payload[3]), inner);
	else
		nvgre_write(out, &o, w->vsids[payload[2] % w->n_vsids],
		            payload[3], inner);
	return ol + inner;
}

struct run_drain {
	const struct world_hooks *h;
	void *aux;
};

static void
run_output(struct world *w, int port, const uint8_t *f, size_t len, void *aux)
{
	struct run_drain *d = aux;

	if (is_icmp_error(f, len))
		w->dirty = true;
	if (d->h->output)
		d->h->output(w, port, f, len, d->aux);
}

static void
run_record(struct world *w, uint8_t sel, const uint8_t *bytes, size_t len,
           int index, const struct world_hooks *h, void *aux)
{
	static uint8_t frame[PBUF_FRAME_MAX];
	struct run_drain d = {h, aux};
	int port = world_sel_port(w, sel);
	struct io_port *io = port == PIPELINE_UPLINK ? w->uplink : NULL;
	size_t n;

	for (int i = 0; i < W_N_VMS && !io; i++)
		if (w->vm[i].port == port)
			io = w->vm[i].io;
	if (port == PIPELINE_UPLINK && (sel & W_SEL_NVGRE)) {
		n = world_wrap(w, bytes, len, frame, sizeof(frame));
	} else {
		n = len < sizeof(frame) ? len : sizeof(frame);
		memcpy(frame, bytes, n);
	}
	if (sel & W_SEL_CSUM)
		world_fix_csums(frame, n);
	if (n && io_mem_inject(io, frame, n) == 0) {
		h->input(w, index, port, frame, n, aux);
		while (pipeline_poll(w->pl, port, 64) > 0)
			;
		world_drain(w, run_output, &d);
	}
	if (sel & W_SEL_TICK) {
		h->input(w, index, WORLD_TICK, NULL, 0, aux);
		w->dirty = true;
		pipeline_tick(w->pl);
		world_drain(w, run_output, &d);
	}
}

void
world_run(struct world *w, const uint8_t *data, size_t size,
          const struct world_hooks *h, void *aux)
{
	enum pipeline_encap encap = size && (data[0] & W_SEL_VXLAN)
	                                ? PIPELINE_ENCAP_VXLAN
	                                : PIPELINE_ENCAP_NVGRE;

	h->input(w, -1, WORLD_SETUP, NULL, 0, aux);
	if (w->dirty || w->always_fresh || encap != w->encap)
		world_reset(w, encap, h->output, aux);
	else
		pipeline_fast_flush(w->pl); /* no decision of the last input */
	for (int i = 0; i < W_MAX_FRAMES && size >= 3; i++) {
		uint8_t sel = data[0];
		size_t len = (size_t)data[1] << 8 | data[2];

		data += 3;
		size -= 3;
		if (len > size)
			len = size;
		run_record(w, sel, data, len, i, h, aux);
		data += len;
		size -= len;
	}
	if (!neigh_unchanged(w) || policy_generation(w->pol) != w->generation)
		w->dirty = true;
}

/* The tunnel in an IP payload 'p' of 'n' bytes (protocol 'proto'): the
 * offset of the inner frame, or 0 if it is neither NVGRE (GRE with only
 * K, type 0x6558) nor VXLAN (UDP to 4789). */
static size_t
tunnel_inner(const uint8_t *p, size_t n, uint8_t proto)
{
	if (proto == 47 && n >= 8 && p[0] == 0x20 && p[1] == 0x00 &&
	    p[2] == 0x65 && p[3] == 0x58)
		return 8;
	if (proto == 17 && n >= 16 && p[2] == VXLAN_PORT >> 8 &&
	    p[3] == (VXLAN_PORT & 0xff))
		return 16;
	return 0;
}

/*
 * Fixes the frame's IPv4 header checksum and, in an NVGRE or VXLAN
 * payload (over IPv4 or IPv6, without extension headers), the inner
 * frame's, innermost first; then the UDP checksum of VXLAN over IPv6 (the
 * one a receiver must verify).
 */
void
world_fix_csums(uint8_t *f, size_t len)
{
	size_t l3 = len >= 18 && f[12] == 0x81 && f[13] == 0x00 ? 18 : 14;
	size_t hl, in;
	uint8_t *h = f + l3, proto;
	bool v6;
	uint16_t c;

	if (len < l3 + 20)
		return;
	v6 = f[l3 - 2] == 0x86 && f[l3 - 1] == 0xdd && (h[0] >> 4) == 6;
	if (!v6 && (f[l3 - 2] != 0x08 || f[l3 - 1] != 0x00 || (h[0] >> 4) != 4))
		return;
	hl = v6 ? 40 : (size_t)(h[0] & 0x0f) * 4;
	if (hl < 20 || l3 + hl > len)
		return;
	proto = v6 ? h[6] : h[9];
	in = tunnel_inner(h + hl, len - l3 - hl, proto);
	if (in)
		world_fix_csums(h + hl + in, len - l3 - hl - in);
	if (!v6) {
		h[10] = h[11] = 0;
		c = htons(csum_fold(csum_add(0, h, hl)));
		memcpy(h + 10, &c, 2);
	} else if (in && proto == 17) {
		size_t ul = MIN((size_t)(h[4] << 8 | h[5]), len - l3 - hl);
		struct in6_addr sa, da;

		memcpy(&sa, h + 8, 16);
		memcpy(&da, h + 24, 16);
		h[hl + 6] = h[hl + 7] = 0;
		c = htons(csum_fold(csum_add(
		    csum_pseudo6(&sa, &da, 17, (uint32_t)ul), h + hl, ul)));
		if (!c)
			c = 0xffff;
		memcpy(h + hl + 6, &c, 2);
	}
}
