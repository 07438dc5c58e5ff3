/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hl-gw: the gateway resources of doc/gateway.md ("The controller's
 * resources"), on the high-level framework of ctrl/hl.c:
 *  - gateways (a gateway host: its server, external NIC and network):
 *    documents that derive nothing;
 *  - virtualGateways (a tenant's gateway): validated and completed here
 *    (defaults, the gateway CA and the adapter's MAC allocated like an
 *    interface's, every rule of the doc's "Validation"); hl.c derives
 *    the compartment VM, its adapter, its lookup record and the
 *    customer routes from them (derive_vgw());
 *  - heartbeats (in memory only: lastSeen, status) and the failover rule
 *    of --gateway-dead-after (hl.c applies it);
 *  - the config a gateway daemon reads (GET /v1/gateways/ID/config).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ctrl/hl.h"
#include "lib/util.h"

#define GW_IFNAME_MAX 15 /* IFNAMSIZ - 1 */

/* ------------------------------------------------------------------ */
/* references */

static const char *
ref_of(const json_t *o, const char *key)
{
	return json_string_value(
	    json_object_get(json_object_get(o, key), "resourceRef"));
}

size_t
hl_vgw_gateways(struct model *md, const struct cobj *vgw, struct cobj *out[2])
{
	const json_t *x;
	size_t i, n = 0;

	json_array_foreach(json_object_get(hl_props(vgw), "gateways"), i, x)
	{
		const char *r =
		    json_string_value(json_object_get(x, "resourceRef"));
		struct cobj *g = r ? hl_ref_res(md, r, CK_GW) : NULL;
		if (g && n < 2)
			out[n++] = g;
	}
	return n;
}

struct cobj *
hl_vgw_active(struct model *md, const struct cobj *vgw)
{
	const char *r = ref_of(hl_props(vgw), "activeGateway");
	return r ? hl_ref_res(md, r, CK_GW) : NULL;
}

bool
hl_vgw_uses(struct model *md, const struct cobj *vgw, const struct cobj *o)
{
	const json_t *p = hl_props(vgw);

	if (o->kind == CK_VNET) {
		const char *r = ref_of(p, "virtualNetwork");
		return r && hl_ref_res(md, r, CK_VNET) == o;
	}
	if (o->kind == CK_GW) {
		struct cobj *g[2];
		size_t n = hl_vgw_gateways(md, vgw, g);
		for (size_t i = 0; i < n; i++)
			if (g[i] == o)
				return true;
	}
	return false;
}

/* The address space of virtual network 'vn': its addressPrefixes, or
 * (none given) its subnets' prefixes: a new array of strings. */
static json_t *
vn_space(const struct cobj *vn)
{
	const json_t *p = hl_props(vn), *x;
	json_t *out = json_deep_copy(json_object_get(
	    json_object_get(p, "addressSpace"), "addressPrefixes"));
	size_t i;

	if (!out)
		out = json_array();
	if (json_array_size(out))
		return out;
	json_array_foreach(json_object_get(p, "subnets"), i, x)
	    json_array_append(out,
	                      json_object_get(json_object_get(x, "properties"),
	                                      "addressPrefix"));
	return out;
}

static bool
overlap(const struct in6_addr *a, int al, const struct in6_addr *b, int bl)
{
	return ip_is_v4(a) == ip_is_v4(b) &&
	       (ip_in_prefix(a, b, bl) || ip_in_prefix(b, a, al));
}

/* The prefix of 'space' that overlaps a/al (or, 'inside', contains
 * address a), or NULL. */
static const char *
space_hit(const json_t *space, const struct in6_addr *a, int al, bool inside)
{
	const json_t *x;
	size_t i;

	json_array_foreach((json_t *)space, i, x)
	{
		struct in6_addr p;
		int l;
		if (prefix_parse(json_string_value(x), &p, &l))
			continue;
		if (inside ? ip_in_prefix(a, &p, l) : overlap(a, al, &p, l))
			return json_string_value(x);
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* gateways */

static void hb_note_new(const char *rid);

int
hl_norm_gw(struct hlw *w, const json_t *in, const json_t *old, json_t *out)
{
	const char *sref, *ifn;
	struct cobj *srv;
	struct in6_addr pfx, gw;
	int plen, got;
	char buf[IP_ADDR_STRLEN + 4], c[IP_ADDR_STRLEN];

	if (hl_keys_ok(w, in, "properties",
	               "server externalInterface externalPrefix "
	               "externalGateway heartbeat provisioningState") ||
	    hl_get_ref(w, in, "server", "properties", true, &sref) ||
	    hl_get_str(w, in, "externalInterface", "properties", false, &ifn) ||
	    hl_get_prefix(w, in, "externalPrefix", "properties", &pfx, &plen) ||
	    (got = hl_get_ip(w, in, "externalGateway", "properties", false,
	                     &gw)) < 0)
		return -1;
	srv = hl_ref_res(w->md, sref, CK_SERVER);
	if (!srv)
		return hl_bad(w, 400, "properties.server.resourceRef",
		              "no such server %.100s (expected /servers/NAME)",
		              sref);
	if (ifn && (strlen(ifn) > GW_IFNAME_MAX || strpbrk(ifn, "/ \t\n")))
		return hl_bad(w, 400, "properties.externalInterface",
		              "an interface name: at most %d characters, no "
		              "'/' or spaces",
		              GW_IFNAME_MAX);
	prefix_fmt(&pfx, plen, buf);
	if (got && !ip_in_prefix(&gw, &pfx, plen))
		return hl_bad(w, 400, "properties.externalGateway",
		              "%s is not in externalPrefix %s", ip_fmt(&gw, c),
		              buf);
	char ref[100];
	snprintf(ref, sizeof(ref), "/servers/%s", srv->u.hl.rid);
	json_object_set_new(out, "server",
	                    json_pack("{s:s}", "resourceRef", ref));
	json_object_set_new(out, "externalInterface",
	                    json_string(ifn ? ifn : "Ethernet2"));
	json_object_set_new(out, "externalPrefix", json_string(buf));
	if (got)
		json_object_set_new(out, "externalGateway",
		                    json_string(ip_fmt(&gw, c)));
	if (!old)
		hb_note_new(w->rid);
	return 0;
}

/* ------------------------------------------------------------------ */
/* heartbeats (in memory: not written, no revision; with a shared store
 * also its soft state, for the other controllers) */

struct hb {
	char rid[80];
	uint64_t seen; /* time_ns(), 0: never */
	uint64_t born; /* time_ns() the resource was made here, 0: before */
	struct timespec wall;
	json_t *status;
};
static struct hb *hbs;
static size_t n_hbs;

static struct hb *
hb_find(const char *rid, bool create)
{
	for (size_t i = 0; i < n_hbs; i++)
		if (!strcasecmp(hbs[i].rid, rid))
			return &hbs[i];
	if (!create)
		return NULL;
	hbs = xrealloc(hbs, (n_hbs + 1) * sizeof(*hbs));
	struct hb *h = &hbs[n_hbs++];
	memset(h, 0, sizeof(*h));
	snprintf(h->rid, sizeof(h->rid), "%s", rid);
	return h;
}

/* A gateway just made: hl_gw_dead() gives it time to speak. */
static void
hb_note_new(const char *rid)
{
	hb_find(rid, true)->born = time_ns();
}

/* Shared stores: the heartbeat's key, "hb/<id in lower case>". */
static void
hb_key(const char *rid, char *buf, size_t len)
{
	size_t i = 0;
	i = (size_t)snprintf(buf, len, "hb/");
	for (; *rid && i + 1 < len; rid++)
		buf[i++] = (char)tolower((unsigned char)*rid);
	buf[i] = '\0';
}

void
hl_gw_heartbeat(struct model *md, const struct cobj *gw, const json_t *status)
{
	struct hb *h = hb_find(gw->u.hl.rid, true);

	h->seen = time_ns();
	clock_gettime(CLOCK_REALTIME, &h->wall);
	if (status) {
		json_decref(h->status);
		h->status = json_deep_copy(status);
	}
	/* Several controllers: the others hear of it too (a gateway talks
	 * to one of them; the one its standby talks to must not think it
	 * dead).  Wall clock: the controllers' clocks must agree within
	 * much less than --gateway-dead-after (NTP). */
	if (store_shared(md->db) && md->db->ops->soft_put) {
		char k[96];
		uint64_t ms = (uint64_t)h->wall.tv_sec * 1000 +
		              (uint64_t)h->wall.tv_nsec / 1000000;
		json_t *j =
		    json_pack("{s:I, s:O}", "t", (json_int_t)ms, "status",
		              h->status ? h->status : json_null());
		char *v = json_dumps(j, JSON_COMPACT);
		hb_key(gw->u.hl.rid, k, sizeof(k));
		md->db->ops->soft_put(md->db, k, v);
		free(v);
		json_decref(j);
	}
}

/* Shared stores: what another controller heard of 'rid' lately, into
 * its local record: true if it is newer than what this one has. */
static bool
hb_shared(struct model *md, const char *rid)
{
	char k[96], *v = NULL;
	struct timespec now;

	if (!store_shared(md->db) || !md->db->ops->soft_get)
		return false;
	hb_key(rid, k, sizeof(k));
	if (md->db->ops->soft_get(md->db, k, &v))
		return false;
	json_t *j = json_loads(v, 0, NULL);
	free(v);
	json_t *t = json_object_get(j, "t");
	if (!json_is_integer(t)) {
		json_decref(j);
		return false;
	}
	uint64_t ms = (uint64_t)json_integer_value(t);
	clock_gettime(CLOCK_REALTIME, &now);
	uint64_t now_ms =
	    (uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_nsec / 1000000;
	uint64_t ago = now_ms > ms ? (now_ms - ms) * 1000000ull : 0;
	struct hb *h = hb_find(rid, true);
	uint64_t mono = time_ns();
	bool newer = !h->seen || mono - ago > h->seen;
	if (newer) {
		h->seen = mono - ago;
		h->wall.tv_sec = (time_t)(ms / 1000);
		h->wall.tv_nsec = (long)(ms % 1000) * 1000000L;
		json_t *st = json_object_get(j, "status");
		if (json_is_object(st)) {
			json_decref(h->status);
			h->status = json_incref(st);
		}
	}
	json_decref(j);
	return newer;
}

bool
hl_gw_dead(struct model *md, const struct cobj *gw)
{
	const struct hb *h = hb_find(gw->u.hl.rid, false);
	uint64_t now = time_ns();

	if (h && h->seen && now - h->seen <= md->gw_dead_after)
		return false;
	/* dead here: perhaps it talks to another controller */
	if (hb_shared(md, gw->u.hl.rid))
		h = hb_find(gw->u.hl.rid, false);
	if (h && h->seen)
		return now - h->seen > md->gw_dead_after;
	/* Never seen: dead once it has had --gateway-dead-after to speak
	 * since the controller started or the gateway was made, so that
	 * the first of two gateways started together does not take every
	 * tenant from the other. */
	uint64_t since = md->started;
	if (h && h->born > since)
		since = h->born;
	return now - since >= md->gw_dead_after;
}

json_t *
hl_gw_heartbeat_json(struct model *md, const struct cobj *gw)
{
	/* first: it may learn of (and add) a heartbeat from the store */
	bool dead = hl_gw_dead(md, gw);
	const struct hb *h = hb_find(gw->u.hl.rid, false);
	json_t *seen = json_null();

	if (h && h->seen) {
		struct tm tm;
		char t[64];
		gmtime_r(&h->wall.tv_sec, &tm);
		strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(t + strlen(t), sizeof(t) - strlen(t), ".%03ldZ",
		         h->wall.tv_nsec / 1000000);
		seen = json_string(t);
	}
	return json_pack("{s:o, s:b, s:O}", "lastSeen", seen, "alive",
	                 h && h->seen && !dead, "status",
	                 h && h->status ? h->status : json_null());
}

/* ------------------------------------------------------------------ */
/* virtualGateways */

/* One external address of a virtual gateway being validated, and where
 * it is. */
struct ext {
	struct in6_addr a;
	char field[160];
	int what; /* 0 externalAddress, 1 a 1:1 rule's, 2 a frontend */
};

/* A VPN prefix and where it is. */
struct vpfx {
	struct in6_addr p;
	int l;
	char field[160];
};

struct vgwv {
	struct hlw *w;
	struct cobj *gws[2];
	size_t n_gws;
	const json_t *space; /* the virtual network's prefixes */
	bool v4;             /* its CA family */
	struct ext *ext;
	size_t n_ext;
	struct vpfx *vp;
	size_t n_vp;
};

/* An external address at 'field': in every gateway's externalPrefix,
 * never one's externalGateway. */
static int
ext_check(struct vgwv *v, const struct in6_addr *a, const char *field)
{
	char c[IP_ADDR_STRLEN];

	ip_fmt(a, c);
	for (size_t i = 0; i < v->n_gws; i++) {
		const json_t *gp = hl_props(v->gws[i]);
		const char *ps =
		    json_string_value(json_object_get(gp, "externalPrefix"));
		const char *gs =
		    json_string_value(json_object_get(gp, "externalGateway"));
		struct in6_addr p, g;
		int l;
		if (!prefix_parse(ps, &p, &l) && !ip_in_prefix(a, &p, l))
			return hl_bad(v->w, 400, field,
			              "%s is not in /gateways/%s's "
			              "externalPrefix %s",
			              c, v->gws[i]->u.hl.rid, ps);
		if (gs && !ip_parse(gs, &g) && ip_equal(a, &g))
			return hl_bad(v->w, 400, field,
			              "%s is /gateways/%s's externalGateway", c,
			              v->gws[i]->u.hl.rid);
	}
	return 0;
}

/* Adds external address 'a' ('what': see struct ext): 0, or -1 if it
 * is taken inside this virtual gateway. */
static int
ext_add(struct vgwv *v, const struct in6_addr *a, const char *field, int what)
{
	char c[IP_ADDR_STRLEN];

	if (ext_check(v, a, field))
		return -1;
	for (size_t i = 0; i < v->n_ext; i++) {
		const struct ext *x = &v->ext[i];
		/* a frontend may share the gateway's own address or another
		 * frontend's (other ports); a 1:1 rule takes its address
		 * whole */
		if (!ip_equal(&x->a, a) ||
		    (what != 1 && x->what != 1 && (what == 2 || x->what == 2)))
			continue;
		return hl_bad(v->w, 400, field, "%s is also %s", ip_fmt(a, c),
		              x->field);
	}
	v->ext = xrealloc(v->ext, (v->n_ext + 1) * sizeof(*v->ext));
	struct ext *x = &v->ext[v->n_ext++];
	x->a = *a;
	x->what = what;
	snprintf(x->field, sizeof(x->field), "%s", field);
	return 0;
}

/* An internal address (a 1:1 rule's, a backend): in the virtual
 * network's address space. */
static int
int_check(struct vgwv *v, const struct in6_addr *a, const char *field)
{
	char c[IP_ADDR_STRLEN];

	if (space_hit(v->space, a, 0, true))
		return 0;
	return hl_bad(v->w, 400, field,
	              "%s is not in the virtual network's address space",
	              ip_fmt(a, c));
}

/* A local VPN prefix (what a tunnel or a remote user reaches): inside
 * the virtual network's address space, so that tunnels only join
 * prefixes the network routes. */
static int
local_prefix(struct vgwv *v, const struct in6_addr *p, int l, const char *field)
{
	const json_t *x;
	size_t i;
	char b[IP_ADDR_STRLEN + 4];

	json_array_foreach((json_t *)v->space, i, x)
	{
		struct in6_addr sp;
		int sl;
		if (!prefix_parse(json_string_value(x), &sp, &sl) && l >= sl &&
		    ip_in_prefix(p, &sp, sl))
			return 0;
	}
	return hl_bad(v->w, 400, field,
	              "%s is not inside the virtual network's address space",
	              prefix_fmt(p, l, b));
}

/* A VPN prefix (a remote prefix, the point-to-site pool): of the
 * network's family, overlapping neither its address space nor another
 * VPN prefix. */
static int
vpn_prefix(struct vgwv *v, const struct in6_addr *p, int l, const char *field)
{
	char b[IP_ADDR_STRLEN + 4];
	const char *hit;

	prefix_fmt(p, l, b);
	if (ip_is_v4(p) != v->v4)
		return hl_bad(v->w, 400, field,
		              "%s: the virtual network's addresses are IPv%d",
		              b, v->v4 ? 4 : 6);
	if ((hit = space_hit(v->space, p, l, false)))
		return hl_bad(v->w, 400, field,
		              "%s overlaps the virtual network's address "
		              "space (%s)",
		              b, hit);
	for (size_t i = 0; i < v->n_vp; i++)
		if (overlap(p, l, &v->vp[i].p, v->vp[i].l))
			return hl_bad(v->w, 400, field, "%s overlaps %s", b,
			              v->vp[i].field);
	v->vp = xrealloc(v->vp, (v->n_vp + 1) * sizeof(*v->vp));
	v->vp[v->n_vp].p = *p;
	v->vp[v->n_vp].l = l;
	snprintf(v->vp[v->n_vp].field, sizeof(v->vp[v->n_vp].field), "%s",
	         field);
	v->n_vp++;
	return 0;
}

/* An array of prefixes at path.key into 'out' (each through 'fn' when
 * given): 0, or -1. */
static int
prefixes(struct vgwv *v, const json_t *o, const char *key, const char *path,
         bool required, json_t *out,
         int (*fn)(struct vgwv *, const struct in6_addr *, int, const char *))
{
	const json_t *arr, *x;
	char f[200], b[IP_ADDR_STRLEN + 4];
	size_t i;

	if (hl_get_arr(v->w, o, key, path, &arr))
		return -1;
	hl_pj(f, sizeof(f), path, key);
	if (required && !json_array_size(arr))
		return hl_bad(v->w, 400, f, "at least one prefix");
	json_array_foreach((json_t *)arr, i, x)
	{
		struct in6_addr p;
		int l;
		hl_pi(f, sizeof(f), path, key, i);
		if (!json_is_string(x) ||
		    prefix_parse(json_string_value(x), &p, &l))
			return hl_bad(
			    v->w, 400, f,
			    "not a prefix (ADDRESS/LENGTH without host "
			    "bits)");
		if (fn && fn(v, &p, l, f))
			return -1;
		prefix_fmt(&p, l, b);
		size_t j;
		json_t *y;
		json_array_foreach(out, j,
		                   y) if (!strcmp(json_string_value(y), b))
		{
			return hl_bad(v->w, 400, f, "%s is given twice", b);
		}
		json_array_append_new(out, json_string(b));
	}
	return 0;
}

/* An element of natRules, loadBalancers, siteToSite: its resourceId
 * (default PREFIX + index) and properties: 0, or -1. */
static int
item(struct vgwv *v, const json_t *x, const char *p, const char *defp, size_t i,
     const json_t *seen, char *rid, size_t ridlen, const json_t **props,
     char *pp, size_t pplen)
{
	const char *r;
	char f[200];

	if (hl_keys_ok(v->w, x, p, "resourceId resourceRef etag properties") ||
	    hl_get_str(v->w, x, "resourceId", p, false, &r))
		return -1;
	if (r && (strlen(r) >= ridlen || strchr(r, '/'))) {
		hl_pj(f, sizeof(f), p, "resourceId");
		return hl_bad(v->w, 400, f, "at most %zu characters, no '/'",
		              ridlen - 1);
	}
	snprintf(rid, ridlen, "%s", r ? r : "");
	if (!r)
		snprintf(rid, ridlen, "%s%zu", defp, i + 1);
	if (hl_find_rid(seen, rid, NULL)) {
		hl_pj(f, sizeof(f), p, "resourceId");
		return hl_bad(v->w, 400, f, "'%s' is given twice", rid);
	}
	hl_pj(pp, pplen, p, "properties");
	*props = json_object_get(x, "properties");
	if (!*props)
		return hl_bad(v->w, 400, pp, "missing");
	return 0;
}

static int
nat_rules(struct vgwv *v, const json_t *in, json_t *out)
{
	const json_t *arr, *x;
	size_t i;

	if (hl_get_arr(v->w, in, "natRules", "properties", &arr))
		return -1;
	json_array_foreach((json_t *)arr, i, x)
	{
		char p[200], pp[200], f[200], rid[64], c1[IP_ADDR_STRLEN],
		    c2[IP_ADDR_STRLEN];
		const json_t *props;
		struct in6_addr e, n;

		hl_pi(p, sizeof(p), "properties", "natRules", i);
		if (item(v, x, p, "nat", i, out, rid, sizeof(rid), &props, pp,
		         sizeof(pp)) ||
		    hl_keys_ok(v->w, props, pp,
		               "externalAddress internalAddress "
		               "provisioningState") ||
		    hl_get_ip(v->w, props, "externalAddress", pp, true, &e) <
		        0 ||
		    hl_get_ip(v->w, props, "internalAddress", pp, true, &n) < 0)
			return -1;
		hl_pj(f, sizeof(f), pp, "externalAddress");
		if (ext_add(v, &e, f, 1))
			return -1;
		hl_pj(f, sizeof(f), pp, "internalAddress");
		if (int_check(v, &n, f))
			return -1;
		json_array_append_new(
		    out,
		    json_pack("{s:s, s:{s:s, s:s}}", "resourceId", rid,
		              "properties", "externalAddress", ip_fmt(&e, c1),
		              "internalAddress", ip_fmt(&n, c2)));
	}
	return 0;
}

static int
one_of(struct vgwv *v, const json_t *o, const char *key, const char *path,
       const char *dflt, const char *a, const char *b, const char **out)
{
	char f[200];

	if (hl_get_str(v->w, o, key, path, !dflt, out))
		return -1;
	if (!*out)
		*out = dflt;
	if (strcmp(*out, a) && strcmp(*out, b)) {
		hl_pj(f, sizeof(f), path, key);
		return hl_bad(v->w, 400, f, "'%.40s' is neither %s nor %s",
		              *out, a, b);
	}
	return 0;
}

static int
probe(struct vgwv *v, const json_t *lp, const char *pp, long long bport,
      json_t **out)
{
	const json_t *pr = json_object_get(lp, "probe");
	char p[200], f[200];
	const char *proto, *path = NULL;
	long long port = bport, iv = 1000, to, unh = 2, hl = 2;
	int got_to;

	hl_pj(p, sizeof(p), pp, "probe");
	if (pr && json_is_null(pr))
		pr = NULL;
	if (pr &&
	    (hl_keys_ok(v->w, pr, p,
	                "protocol port path intervalMs timeoutMs "
	                "unhealthyThreshold healthyThreshold") ||
	     hl_get_num(v->w, pr, "port", p, 1, 65535, &port) < 0 ||
	     hl_get_str(v->w, pr, "path", p, false, &path) ||
	     hl_get_num(v->w, pr, "intervalMs", p, 100, 3600000, &iv) < 0 ||
	     hl_get_num(v->w, pr, "unhealthyThreshold", p, 1, 1000, &unh) < 0 ||
	     hl_get_num(v->w, pr, "healthyThreshold", p, 1, 1000, &hl) < 0))
		return -1;
	if (one_of(v, pr, "protocol", p, "tcp", "tcp", "http", &proto))
		return -1;
	to = MIN(800, iv);
	if ((got_to = hl_get_num(v->w, pr, "timeoutMs", p, 1, 3600000, &to)) <
	    0)
		return -1;
	if (to > iv) {
		hl_pj(f, sizeof(f), p, "timeoutMs");
		return hl_bad(v->w, 400, f, "%lld is more than intervalMs %lld",
		              to, iv);
	}
	if (path && strcmp(proto, "http")) {
		hl_pj(f, sizeof(f), p, "path");
		return hl_bad(v->w, 400, f, "only for protocol http");
	}
	if (path && (path[0] != '/' || strpbrk(path, " \t\r\n"))) {
		hl_pj(f, sizeof(f), p, "path");
		return hl_bad(v->w, 400, f,
		              "an HTTP path: starts with '/', no spaces");
	}
	*out = json_pack("{s:s, s:I}", "protocol", proto, "port",
	                 (json_int_t)port);
	if (!strcmp(proto, "http"))
		json_object_set_new(*out, "path",
		                    json_string(path ? path : "/"));
	json_object_set_new(*out, "intervalMs", json_integer(iv));
	json_object_set_new(*out, "timeoutMs", json_integer(to));
	json_object_set_new(*out, "unhealthyThreshold", json_integer(unh));
	json_object_set_new(*out, "healthyThreshold", json_integer(hl));
	return 0;
}

static int
load_balancers(struct vgwv *v, const json_t *in, json_t *out)
{
	const json_t *arr, *x;
	size_t i;

	if (hl_get_arr(v->w, in, "loadBalancers", "properties", &arr))
		return -1;
	json_array_foreach((json_t *)arr, i, x)
	{
		char p[200], pp[200], f[200], rid[64], c[IP_ADDR_STRLEN];
		const json_t *props, *bes, *y;
		const char *proto;
		struct in6_addr fa;
		long long fport = 0, bport;
		json_t *obe, *pr = NULL;
		size_t j;

		hl_pi(p, sizeof(p), "properties", "loadBalancers", i);
		if (item(v, x, p, "lb", i, out, rid, sizeof(rid), &props, pp,
		         sizeof(pp)) ||
		    hl_keys_ok(v->w, props, pp,
		               "frontendAddress protocol frontendPort "
		               "backendPort backendAddresses probe "
		               "provisioningState") ||
		    hl_get_ip(v->w, props, "frontendAddress", pp, true, &fa) <
		        0 ||
		    one_of(v, props, "protocol", pp, NULL, "tcp", "udp",
		           &proto) ||
		    hl_get_num(v->w, props, "frontendPort", pp, 1, 65535,
		               &fport) < 0 ||
		    hl_get_arr(v->w, props, "backendAddresses", pp, &bes))
			return -1;
		if (!fport) {
			hl_pj(f, sizeof(f), pp, "frontendPort");
			return hl_bad(v->w, 400, f, "missing");
		}
		bport = fport;
		if (hl_get_num(v->w, props, "backendPort", pp, 1, 65535,
		               &bport) < 0)
			return -1;
		hl_pj(f, sizeof(f), pp, "frontendAddress");
		if (ext_add(v, &fa, f, 2))
			return -1;
		/* (frontendAddress, protocol, frontendPort) once */
		json_array_foreach(out, j, y)
		{
			const json_t *yp = json_object_get(y, "properties");
			struct in6_addr b;
			ip_parse(json_string_value(
			             json_object_get(yp, "frontendAddress")),
			         &b);
			if (ip_equal(&b, &fa) &&
			    !strcmp(proto, json_string_value(json_object_get(
			                       yp, "protocol"))) &&
			    json_integer_value(
			        json_object_get(yp, "frontendPort")) == fport) {
				hl_pj(f, sizeof(f), pp, "frontendPort");
				return hl_bad(v->w, 400, f,
				              "%s %s port %lld is also "
				              "properties.loadBalancers[%zu]'s",
				              ip_fmt(&fa, c), proto, fport, j);
			}
		}
		hl_pj(f, sizeof(f), pp, "backendAddresses");
		if (!json_array_size(bes))
			return hl_bad(v->w, 400, f, "at least one address");
		obe = json_array();
		json_array_foreach((json_t *)bes, j, y)
		{
			struct in6_addr b;
			size_t k;
			json_t *z;
			hl_pi(f, sizeof(f), pp, "backendAddresses", j);
			if (!json_is_string(y) ||
			    ip_parse(json_string_value(y), &b)) {
				json_decref(obe);
				return hl_bad(v->w, 400, f,
				              "not an IP address");
			}
			if (int_check(v, &b, f)) {
				json_decref(obe);
				return -1;
			}
			ip_fmt(&b, c);
			json_array_foreach(
			    obe, k, z) if (!strcmp(json_string_value(z), c))
			{
				json_decref(obe);
				return hl_bad(v->w, 400, f, "%s is given twice",
				              c);
			}
			json_array_append_new(obe, json_string(c));
		}
		if (probe(v, props, pp, bport, &pr)) {
			json_decref(obe);
			return -1;
		}
		json_array_append_new(
		    out,
		    json_pack("{s:s, s:{s:s, s:s, s:I, s:I, s:o, s:o}}",
		              "resourceId", rid, "properties",
		              "frontendAddress", ip_fmt(&fa, c), "protocol",
		              proto, "frontendPort", (json_int_t)fport,
		              "backendPort", (json_int_t)bport,
		              "backendAddresses", obe, "probe", pr));
	}
	return 0;
}

static int
site_to_site(struct vgwv *v, const json_t *in, json_t *out)
{
	const json_t *arr, *x;
	size_t i;

	if (hl_get_arr(v->w, in, "siteToSite", "properties", &arr))
		return -1;
	json_array_foreach((json_t *)arr, i, x)
	{
		char p[200], pp[200], rid[64], c[IP_ADDR_STRLEN];
		const json_t *props;
		const char *psk;
		struct in6_addr peer;
		json_t *rem = json_array(), *loc = json_array();

		hl_pi(p, sizeof(p), "properties", "siteToSite", i);
		if (item(v, x, p, "site", i, out, rid, sizeof(rid), &props, pp,
		         sizeof(pp)) ||
		    hl_keys_ok(v->w, props, pp,
		               "peerAddress remotePrefixes localPrefixes psk "
		               "provisioningState") ||
		    hl_get_ip(v->w, props, "peerAddress", pp, true, &peer) <
		        0 ||
		    prefixes(v, props, "remotePrefixes", pp, true, rem,
		             vpn_prefix) ||
		    prefixes(v, props, "localPrefixes", pp, false, loc,
		             local_prefix) ||
		    hl_get_str(v->w, props, "psk", pp, true, &psk)) {
			json_decref(rem);
			json_decref(loc);
			return -1;
		}
		if (!json_array_size(loc)) {
			json_decref(loc);
			loc = json_deep_copy(v->space);
		}
		json_array_append_new(
		    out,
		    json_pack("{s:s, s:{s:s, s:o, s:o, s:s}}", "resourceId",
		              rid, "properties", "peerAddress",
		              ip_fmt(&peer, c), "remotePrefixes", rem,
		              "localPrefixes", loc, "psk", psk));
	}
	return 0;
}

static bool
pem_like(const char *s)
{
	const char *b = strstr(s, "-----BEGIN ");
	return b && strstr(b, "-----END ") != NULL;
}

static int
point_to_site(struct vgwv *v, const json_t *in, json_t *out)
{
	const json_t *p2s = json_object_get(in, "pointToSite"), *users, *x;
	const char *pp = "properties.pointToSite", *cert, *key;
	struct in6_addr pool;
	int plen;
	char f[200], b[IP_ADDR_STRLEN + 4];
	size_t i;

	if (!p2s || json_is_null(p2s))
		return 0;
	if (hl_keys_ok(v->w, p2s, pp,
	               "addressPool users serverCertificate serverKey "
	               "localPrefixes") ||
	    hl_get_prefix(v->w, p2s, "addressPool", pp, &pool, &plen) ||
	    vpn_prefix(v, &pool, plen, "properties.pointToSite.addressPool") ||
	    hl_get_arr(v->w, p2s, "users", pp, &users) ||
	    hl_get_str(v->w, p2s, "serverCertificate", pp, true, &cert) ||
	    hl_get_str(v->w, p2s, "serverKey", pp, true, &key))
		return -1;
	if (!pem_like(cert))
		return hl_bad(v->w, 400,
		              "properties.pointToSite.serverCertificate",
		              "not PEM (-----BEGIN ...----- ... -----END "
		              "...-----)");
	if (!pem_like(key))
		return hl_bad(v->w, 400, "properties.pointToSite.serverKey",
		              "not PEM (-----BEGIN ...----- ... -----END "
		              "...-----)");
	json_t *ou = json_array();
	json_array_foreach((json_t *)users, i, x)
	{
		const char *name, *pw;
		size_t j;
		json_t *y;
		hl_pi(f, sizeof(f), pp, "users", i);
		if (hl_keys_ok(v->w, x, f, "name password") ||
		    hl_get_str(v->w, x, "name", f, true, &name) ||
		    hl_get_str(v->w, x, "password", f, true, &pw)) {
			json_decref(ou);
			return -1;
		}
		json_array_foreach(
		    ou, j,
		    y) if (!strcmp(json_string_value(json_object_get(y,
		                                                     "name")),
		                   name))
		{
			json_decref(ou);
			return hl_bad(v->w, 400, f,
			              "user '%.60s' is given twice", name);
		}
		json_array_append_new(
		    ou, json_pack("{s:s, s:s}", "name", name, "password", pw));
	}
	/* What the remote users reach: the virtual network's address
	 * space unless the operator narrows it. */
	json_t *loc = json_array();
	if (prefixes(v, p2s, "localPrefixes", pp, false, loc, local_prefix)) {
		json_decref(ou);
		json_decref(loc);
		return -1;
	}
	if (!json_array_size(loc)) {
		json_decref(loc);
		loc = json_deep_copy(v->space);
	}
	json_object_set_new(
	    out, "pointToSite",
	    json_pack("{s:s, s:o, s:o, s:s, s:s}", "addressPool",
	              prefix_fmt(&pool, plen, b), "users", ou, "localPrefixes",
	              loc, "serverCertificate", cert, "serverKey", key));
	return 0;
}

/* The external addresses of virtual gateway 'o' (a new array of
 * strings). */
static json_t *
vgw_externals(const struct cobj *o)
{
	const json_t *p = hl_props(o), *x;
	json_t *out = json_array();
	size_t i;

	json_array_append(out, json_object_get(p, "externalAddress"));
	json_array_foreach(json_object_get(p, "natRules"), i, x)
	    json_array_append(out,
	                      json_object_get(json_object_get(x, "properties"),
	                                      "externalAddress"));
	json_array_foreach(json_object_get(p, "loadBalancers"), i, x)
	    json_array_append(out,
	                      json_object_get(json_object_get(x, "properties"),
	                                      "frontendAddress"));
	return out;
}

int
hl_norm_vgw(struct hlw *w, const json_t *in, const json_t *old, json_t *out)
{
	struct model *md = w->md;
	struct vgwv v = {.w = w};
	const char *vref, *sref, *aref, *vm, *mode;
	const json_t *gws, *x, *sn, *sp;
	struct cobj *vn, *svn, *active = NULL;
	struct in6_addr ea, pfx, ca;
	struct eth_addr mac;
	int plen, got;
	json_t *ogws = json_array(), *routes = json_array(),
	       *nat = json_array(), *lbs = json_array(), *s2s = json_array(),
	       *space = NULL;
	char f[200], c[IP_ADDR_STRLEN], m[ETH_ADDR_STRLEN], ref[200];
	size_t i;
	int rc = -1;

	if (hl_keys_ok(w, in, "properties",
	               "virtualNetwork gatewaySubnet gatewayAddress "
	               "macAddress vmName gateways activeGateway mode "
	               "externalAddress routes natRules loadBalancers "
	               "siteToSite pointToSite provisioningState") ||
	    hl_get_ref(w, in, "virtualNetwork", "properties", true, &vref) ||
	    hl_get_ref(w, in, "gatewaySubnet", "properties", true, &sref) ||
	    hl_get_arr(w, in, "gateways", "properties", &gws) ||
	    hl_get_ref(w, in, "activeGateway", "properties", false, &aref) ||
	    hl_get_str(w, in, "vmName", "properties", false, &vm))
		goto out;
	vn = hl_ref_res(md, vref, CK_VNET);
	if (!vn) {
		hl_bad(w, 400, "properties.virtualNetwork.resourceRef",
		       "no such virtual network %.100s (expected "
		       "/virtualNetworks/NAME)",
		       vref);
		goto out;
	}
	/* one per virtual network */
	const struct idvec *all = &md->by_kind[CK_VGW];
	for (size_t k = 0; k < all->n; k++) {
		const struct cobj *o = all->objs[k];
		if (o && strcasecmp(o->u.hl.rid, w->rid) &&
		    hl_vgw_uses(md, o, vn)) {
			hl_bad(w, 409, "properties.virtualNetwork.resourceRef",
			       "/virtualNetworks/%s has a virtual gateway "
			       "already: /virtualGateways/%s (one per virtual "
			       "network)",
			       vn->u.hl.rid, o->u.hl.rid);
			goto out;
		}
	}
	sn = hl_ref_subnet(md, sref, CK_VNET, &svn);
	if (!sn || svn != vn) {
		hl_bad(w, 400, "properties.gatewaySubnet.resourceRef",
		       "%.100s is not a subnet of %s (expected "
		       "/virtualNetworks/%s/subnets/NAME)",
		       sref, vref, vn->u.hl.rid);
		goto out;
	}
	sp = json_object_get(sn, "properties");
	prefix_parse(json_string_value(json_object_get(sp, "addressPrefix")),
	             &pfx, &plen);
	v.v4 = ip_is_v4(&pfx);
	space = vn_space(vn);
	v.space = space;
	/* gateways: one or two, distinct, existing */
	if (json_array_size(gws) < 1 || json_array_size(gws) > 2) {
		hl_bad(w, 400, "properties.gateways",
		       "one or two gateways (active and standby), not %zu",
		       json_array_size(gws));
		goto out;
	}
	json_array_foreach((json_t *)gws, i, x)
	{
		const char *r;
		hl_pi(f, sizeof(f), "properties", "gateways", i);
		if (hl_keys_ok(w, x, f, "resourceRef") ||
		    hl_get_str(w, x, "resourceRef", f, true, &r))
			goto out;
		snprintf(f + strlen(f), sizeof(f) - strlen(f), ".resourceRef");
		struct cobj *g = hl_ref_res(md, r, CK_GW);
		if (!g) {
			hl_bad(w, 400, f,
			       "no such gateway %.100s (expected "
			       "/gateways/NAME)",
			       r);
			goto out;
		}
		if (v.n_gws && v.gws[0] == g) {
			hl_bad(w, 400, f, "/gateways/%s is given twice",
			       g->u.hl.rid);
			goto out;
		}
		v.gws[v.n_gws++] = g;
		snprintf(ref, sizeof(ref), "/gateways/%s", g->u.hl.rid);
		json_array_append_new(ogws,
		                      json_pack("{s:s}", "resourceRef", ref));
	}
	if (aref) {
		active = hl_ref_res(md, aref, CK_GW);
		if (!active || (active != v.gws[0] &&
		                (v.n_gws < 2 || active != v.gws[1]))) {
			hl_bad(w, 400, "properties.activeGateway.resourceRef",
			       "%.100s is not one of properties.gateways",
			       aref);
			goto out;
		}
	} else if (old) {
		/* the active one it had, if still one of them */
		const char *oa = ref_of(old, "activeGateway");
		struct cobj *g = oa ? hl_ref_res(md, oa, CK_GW) : NULL;
		if (g && (g == v.gws[0] || (v.n_gws > 1 && g == v.gws[1])))
			active = g;
	}
	if (!active)
		active = v.gws[0];
	if (one_of(&v, in, "mode", "properties", "nat", "nat", "forwarding",
	           &mode))
		goto out;
	/* external addresses */
	if (hl_get_ip(w, in, "externalAddress", "properties", true, &ea) < 0 ||
	    ext_add(&v, &ea, "properties.externalAddress", 0) ||
	    nat_rules(&v, in, nat) || load_balancers(&v, in, lbs))
		goto out;
	for (size_t k = 0; k < all->n; k++) {
		const struct cobj *o = all->objs[k];
		if (!o || !strcasecmp(o->u.hl.rid, w->rid))
			continue;
		json_t *theirs = vgw_externals(o);
		for (size_t j = 0; j < v.n_ext; j++) {
			size_t n;
			json_t *y;
			ip_fmt(&v.ext[j].a, c);
			json_array_foreach(theirs, n, y)
			{
				struct in6_addr b;
				if (ip_parse(json_string_value(y), &b) ||
				    !ip_equal(&b, &v.ext[j].a))
					continue;
				json_decref(theirs);
				hl_bad(w, 409, v.ext[j].field,
				       "%s is an external address of "
				       "/virtualGateways/%s",
				       c, o->u.hl.rid);
				goto out;
			}
		}
		json_decref(theirs);
	}
	/* VPNs */
	if (site_to_site(&v, in, s2s) || point_to_site(&v, in, out))
		goto out;
	/* routes: the vnet's family; the default route by default */
	const json_t *rin = json_object_get(in, "routes");
	if (rin && !json_is_null(rin)) {
		if (prefixes(&v, in, "routes", "properties", false, routes,
		             NULL))
			goto out;
		json_array_foreach(routes, i, x)
		{
			struct in6_addr p;
			int l;
			prefix_parse(json_string_value(x), &p, &l);
			if (ip_is_v4(&p) != v.v4) {
				hl_pi(f, sizeof(f), "properties", "routes", i);
				hl_bad(
				    w, 400, f,
				    "%s: the virtual network's addresses are "
				    "IPv%d",
				    json_string_value(x), v.v4 ? 4 : 6);
				goto out;
			}
		}
	} else {
		json_array_append_new(routes,
		                      json_string(v.v4 ? "0.0.0.0/0" : "::/0"));
	}
	/* the compartment: VM name, CA, MAC */
	if (!vm) {
		snprintf(f, sizeof(f), "gw-%s", w->rid);
		vm = f;
	}
	if (strlen(vm) > 63) {
		hl_bad(w, 400, vm == f ? "resourceId" : "properties.vmName",
		       "a VM name has at most 63 characters");
		goto out;
	}
	json_object_set_new(out, "vmName", json_string(vm));
	if ((got = hl_get_ip(w, in, "gatewayAddress", "properties", false,
	                     &ca)) < 0)
		goto out;
	if (!got && old) {
		/* the CA it had, in the same subnet */
		const char *os = ref_of(old, "gatewaySubnet");
		struct cobj *ovn;
		if (os && hl_ref_subnet(md, os, CK_VNET, &ovn) == sn &&
		    !ip_parse(json_string_value(
		                  json_object_get(old, "gatewayAddress")),
		              &ca) &&
		    ip_in_prefix(&ca, &pfx, plen))
			got = 1;
	}
	if (got) {
		char b[IP_ADDR_STRLEN + 4];
		if (!ip_in_prefix(&ca, &pfx, plen)) {
			hl_bad(w, 400, "properties.gatewayAddress",
			       "%s is not in the gateway subnet's %s",
			       ip_fmt(&ca, c), prefix_fmt(&pfx, plen, b));
			goto out;
		}
		if (hl_ca_reserved(&ca, &pfx, plen)) {
			hl_bad(w, 400, "properties.gatewayAddress",
			       "%s is the subnet's network address, default "
			       "gateway (.1) or broadcast",
			       ip_fmt(&ca, c));
			goto out;
		}
	} else if (hl_ca_alloc(w, vn, &pfx, plen, "properties.gatewayAddress",
	                       sref, &ca)) {
		goto out;
	}
	if ((got = hl_get_mac(w, in, "macAddress", "properties", false, &mac)) <
	    0)
		goto out;
	if (!got && old &&
	    !eth_parse(json_string_value(json_object_get(old, "macAddress")),
	               &mac))
		got = 1;
	if (!got && hl_mac_alloc(w, "properties.macAddress", &mac))
		goto out;

	snprintf(ref, sizeof(ref), "/virtualNetworks/%s", vn->u.hl.rid);
	json_object_set_new(out, "virtualNetwork",
	                    json_pack("{s:s}", "resourceRef", ref));
	snprintf(ref, sizeof(ref), "/virtualNetworks/%s/subnets/%s",
	         vn->u.hl.rid, hl_rid(sn));
	json_object_set_new(out, "gatewaySubnet",
	                    json_pack("{s:s}", "resourceRef", ref));
	json_object_set_new(out, "gatewayAddress", json_string(ip_fmt(&ca, c)));
	json_object_set_new(out, "macAddress", json_string(eth_fmt(&mac, m)));
	json_object_set(out, "gateways", ogws);
	snprintf(ref, sizeof(ref), "/gateways/%s", active->u.hl.rid);
	json_object_set_new(out, "activeGateway",
	                    json_pack("{s:s}", "resourceRef", ref));
	json_object_set_new(out, "mode", json_string(mode));
	json_object_set_new(out, "externalAddress",
	                    json_string(ip_fmt(&ea, c)));
	json_object_set(out, "routes", routes);
	json_object_set(out, "natRules", nat);
	json_object_set(out, "loadBalancers", lbs);
	json_object_set(out, "siteToSite", s2s);
	rc = 0;
out:
	json_decref(ogws);
	json_decref(routes);
	json_decref(nat);
	json_decref(lbs);
	json_decref(s2s);
	json_decref(space);
	free(v.ext);
	free(v.vp);
	return rc;
}

int
hl_vgw_recheck(struct hlw *w, const struct cobj *vgw)
{
	struct cobj *g[2];
	size_t n = hl_vgw_gateways(w->md, vgw, g);
	json_t *ext = vgw_externals(vgw), *x;
	size_t i;
	int rc = 0;

	if (n != json_array_size(json_object_get(hl_props(vgw), "gateways"))) {
		cerr_set(w->e, 409,
		         "/virtualGateways/%s: one of its gateways "
		         "is gone",
		         vgw->u.hl.rid);
		rc = -1;
	}
	json_array_foreach(ext, i, x)
	{
		struct in6_addr a;
		if (rc || ip_parse(json_string_value(x), &a))
			continue;
		for (size_t k = 0; k < n && !rc; k++) {
			const json_t *gp = hl_props(g[k]);
			const char *ps = json_string_value(
			    json_object_get(gp, "externalPrefix"));
			const char *gs = json_string_value(
			    json_object_get(gp, "externalGateway"));
			struct in6_addr p, b;
			int l;
			if (!prefix_parse(ps, &p, &l) &&
			    !ip_in_prefix(&a, &p, l)) {
				cerr_set(w->e, 409,
				         "/virtualGateways/%s: its external "
				         "address %s is not in /gateways/%s's "
				         "externalPrefix %s",
				         vgw->u.hl.rid, json_string_value(x),
				         g[k]->u.hl.rid, ps);
				rc = -1;
			} else if (gs && !ip_parse(gs, &b) &&
			           ip_equal(&a, &b)) {
				cerr_set(w->e, 409,
				         "/virtualGateways/%s: its external "
				         "address %s is /gateways/%s's "
				         "externalGateway",
				         vgw->u.hl.rid, gs, g[k]->u.hl.rid);
				rc = -1;
			}
		}
	}
	json_decref(ext);
	return rc;
}

/* ------------------------------------------------------------------ */
/* the config a gateway daemon reads (doc/gateway.md) */

/* 02:xx:xx:xx:xx:xx from the virtual gateway's resourceId (FNV-1a):
 * locally administered, unicast, the same on both of its gateways. */
static void
ext_mac(const char *rid, char *buf)
{
	uint64_t h = 1469598103934665603ull;
	for (const char *p = "hnv-vgw:"; *p; p++)
		h = (h ^ (uint8_t)*p) * 1099511628211ull;
	for (const char *p = rid; *p; p++) {
		char ch = *p >= 'A' && *p <= 'Z' ? (char)(*p + 32) : *p;
		h = (h ^ (uint8_t)ch) * 1099511628211ull;
	}
	snprintf(buf, ETH_ADDR_STRLEN, "02:%02x:%02x:%02x:%02x:%02x",
	         (unsigned)(h >> 32) & 0xff, (unsigned)(h >> 24) & 0xff,
	         (unsigned)(h >> 16) & 0xff, (unsigned)(h >> 8) & 0xff,
	         (unsigned)h & 0xff);
}

/* [{resourceId, properties: {...}}] -> [{resourceId, ...}] */
static json_t *
flatten(const json_t *arr)
{
	json_t *out = json_array(), *x;
	size_t i;

	json_array_foreach((json_t *)arr, i, x)
	{
		json_t *o = json_pack("{s:O}", "resourceId",
		                      json_object_get(x, "resourceId"));
		json_object_update(o, json_object_get(x, "properties"));
		json_array_append_new(out, o);
	}
	return out;
}

static json_t *
compartment(struct model *md, const struct cobj *gw, const struct cobj *vgw)
{
	const json_t *p = hl_props(vgw), *sn, *sp;
	struct cobj *vn;
	struct in6_addr pfx, sgw;
	int plen;
	char c[IP_ADDR_STRLEN], m[ETH_ADDR_STRLEN];

	sn = hl_ref_subnet(md, ref_of(p, "gatewaySubnet"), CK_VNET, &vn);
	if (!sn)
		return NULL; /* cannot be: writes keep it consistent */
	sp = json_object_get(sn, "properties");
	prefix_parse(json_string_value(json_object_get(sp, "addressPrefix")),
	             &pfx, &plen);
	sgw = pfx;
	hl_ip_inc(&sgw);
	ext_mac(vgw->u.hl.rid, m);
	json_t *vpn = json_object();
	if (json_array_size(json_object_get(p, "siteToSite")))
		json_object_set_new(vpn, "siteToSite",
		                    flatten(json_object_get(p, "siteToSite")));
	if (json_object_get(p, "pointToSite"))
		json_object_set(vpn, "pointToSite",
		                json_object_get(p, "pointToSite"));
	json_t *lbs = flatten(json_object_get(p, "loadBalancers"));
	return json_pack(
	    "{s:O, s:s, s:O, s:s, s:O, s:O, s:O, s:O, s:O, s:s, s:o, s:O, "
	    "s:O, s:s, s:o, s:o, s:o}",
	    "resourceId", json_object_get(vgw->u.hl.doc, "resourceId"), "role",
	    hl_vgw_active(md, vgw) == gw ? "active" : "standby", "vmName",
	    json_object_get(p, "vmName"), "adapterName", "int0", "macAddress",
	    json_object_get(p, "macAddress"), "virtualSubnetId",
	    json_object_get(sp, "virtualSubnetId"), "routingDomainId",
	    json_object_get(hl_props(vn), "routingDomainId"), "gatewayAddress",
	    json_object_get(p, "gatewayAddress"), "gatewaySubnet",
	    json_object_get(sp, "addressPrefix"), "subnetGateway",
	    ip_fmt(&sgw, c), "addressPrefixes", vn_space(vn), "mode",
	    json_object_get(p, "mode"), "externalAddress",
	    json_object_get(p, "externalAddress"), "externalMacAddress", m,
	    "natRules", flatten(json_object_get(p, "natRules")),
	    "loadBalancers", lbs, "vpn", vpn);
}

json_t *
hl_gw_config(struct model *md, const struct cobj *gw)
{
	const json_t *p = hl_props(gw);
	const char *sref = ref_of(p, "server");
	const char *srv = sref ? strrchr(sref, '/') : NULL;
	json_t *g =
	    json_pack("{s:O, s:s, s:O, s:O}", "resourceId",
	              json_object_get(gw->u.hl.doc, "resourceId"), "server",
	              srv ? srv + 1 : "", "externalInterface",
	              json_object_get(p, "externalInterface"), "externalPrefix",
	              json_object_get(p, "externalPrefix"));
	if (json_object_get(p, "externalGateway"))
		json_object_set(g, "externalGateway",
		                json_object_get(p, "externalGateway"));
	json_t *comps = json_array();
	const struct idvec *all = &md->by_kind[CK_VGW];
	for (size_t k = 0; k < all->n; k++) {
		const struct cobj *o = all->objs[k];
		json_t *x;
		if (o && hl_vgw_uses(md, o, gw) && (x = compartment(md, gw, o)))
			json_array_append_new(comps, x);
	}
	return json_pack("{s:I, s:o, s:o}", "revision", (json_int_t)md->rev,
	                 "gateway", g, "compartments", comps);
}
