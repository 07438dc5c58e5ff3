/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hl: the high-level API of doc/controller.md ("High-level API (as VMM
 * does it)"): the resources of Microsoft's Network Controller northbound
 * API (MS-NCNBI) -- logicalNetworks, macPools, servers, virtualNetworks
 * (and their subnets), networkInterfaces (and their move) -- and the
 * low-level objects the controller derives from them.
 *
 * A resource is a document (objects of the kinds CK_LN..CK_NIC, stored in
 * the objects table like every object, never pushed to agents), kept as
 * it was given once validated and completed: defaults filled in and
 * every allocated value (VSIDs, routing domain, CAs, MACs, PAs) written
 * into it, so that a re-PUT of what was sent, or of what GET returned,
 * changes nothing.
 *
 * A write (PUT, POST, DELETE, a subnet's PUT or DELETE, a move) is one
 * struct txn: the documents, then every derived object of every resource
 * the write concerns, reconciled by key (reconcile()):
 *  1. each concerned resource says what it derives (the "wants": kind,
 *     host, agent keys), from the documents as the write leaves them;
 *  2. a want whose key exists: left alone when equal (no change-log
 *     entry), updated when it differs, deleted and created again when its
 *     host differs (a VM that moves: txn_delete_moved(), as
 *     POST /v1/vms/NAME/move does); an existing object owned by a
 *     resource outside the write, or made through the low-level API with
 *     other values, is a 409 (a host made by its agent's registration is
 *     adopted);
 *  3. what a concerned resource owns and no longer wants is deleted;
 *  4. deletions run first (records before adapters before switches...),
 *     then updates, then creations in dependency order (hosts, switches,
 *     PAs, provider routes, VMs, adapters, customer routes, records).
 * The resources a write concerns: the one written; for a server, the
 * interfaces on it; for a virtual network, the interfaces in its
 * subnets; for a logical network, the servers with a PA in it; for an
 * interface, the other interfaces of its VM (they share the VM object)
 * and the virtual networks of its subnets before and after (they own
 * the default-gateway records, one per subnet and server with an
 * interface in it).  Finding them scans the documents of a kind, and
 * allocating scans the objects of a scope (or, for MACs and PAs, of a
 * kind): O(objects) per write, fine for now (doc/controller.md says so).
 *
 * The documents themselves (validation, completion, allocation) are
 * ctrl/hl-doc.c's; ctrl/hl.h is what the two share.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctrl/hl.h"
#include "lib/log.h"
#include "lib/util.h"

#define HL_LIST_DEFAULT 1000
#define HL_LIST_MAX 10000

static const struct hlres hlres[] = {
    {CK_LN, "logicalNetworks", "logical network", hl_norm_ln},
    {CK_MACPOOL, "macPools", "MAC pool", hl_norm_mp},
    {CK_SERVER, "servers", "server", hl_norm_server},
    {CK_VNET, "virtualNetworks", "virtual network", hl_norm_vnet},
    {CK_NIC, "networkInterfaces", "network interface", hl_norm_nic},
    {CK_GW, "gateways", "gateway", hl_norm_gw},
    {CK_VGW, "virtualGateways", "virtual gateway", hl_norm_vgw},
};

const struct hlres *
hl_res_of(int kind)
{
	for (size_t i = 0; i < ARRAY_SIZE(hlres); i++)
		if (hlres[i].kind == kind)
			return &hlres[i];
	return NULL;
}

/* ------------------------------------------------------------------ */
/* what each resource derives */

static int
want(struct hlw *w, uint64_t owner, int kind, const char *host, json_t *obj,
     bool gw)
{
	struct cerr e2 = {0};
	struct chost *h = host ? model_host(w->md, host) : NULL;
	char key[192];
	json_t *n =
	    cobj_normalize(w->md, kind, h, obj, gw, key, sizeof(key), &e2);

	json_decref(obj);
	json_decref(e2.warnings);
	if (!n) {
		char ref[200];
		hl_ref(model_get(w->md, owner), ref, sizeof(ref));
		cerr_set(w->e, e2.status ? e2.status : 400, "%s: %s", ref,
		         e2.msg);
		snprintf(w->e->field, sizeof(w->e->field), "%s", e2.field);
		return -1;
	}
	for (size_t i = 0; i < w->n_wants; i++) {
		struct want *o = &w->wants[i];
		if (strcmp(o->key, key))
			continue;
		if (json_equal(o->obj, n) &&
		    !strcasecmp(o->host, host ? host : "")) {
			json_decref(n);
			return 0; /* shared (a VM's NICs, a server's routes) */
		}
		char r1[200], r2[200];
		hl_ref(model_get(w->md, o->owner), r1, sizeof(r1));
		hl_ref(model_get(w->md, owner), r2, sizeof(r2));
		cerr_set(w->e, 409, "%s and %s both derive %s %s, differently",
		         r1, r2, ckind_name(kind), key);
		json_decref(n);
		return -1;
	}
	w->wants = xrealloc(w->wants, (w->n_wants + 1) * sizeof(*w->wants));
	struct want *x = &w->wants[w->n_wants++];
	memset(x, 0, sizeof(*x));
	x->kind = kind;
	snprintf(x->host, sizeof(x->host), "%s", host ? host : "");
	x->obj = n;
	snprintf(x->key, sizeof(x->key), "%s", key);
	x->gw = gw;
	x->owner = owner;
	return 0;
}

/* The server's PA for a CA: its first of the CA's family, else its
 * first: 0, or -1 (none). */
static int
server_pa(const struct cobj *srv, const struct in6_addr *ca,
          struct in6_addr *pa)
{
	const json_t *x;
	size_t i;
	bool any = false;

	json_array_foreach(json_object_get(hl_props(srv), "providerAddresses"),
	                   i, x)
	{
		struct in6_addr a;
		if (ip_parse(json_string_value(json_object_get(x, "address")),
		             &a))
			continue;
		if (ip_is_v4(&a) == ip_is_v4(ca)) {
			*pa = a;
			return 0;
		}
		if (!any)
			*pa = a;
		any = true;
	}
	return any ? 0 : -1;
}

static int
derive_server(struct hlw *w, struct cobj *s)
{
	const json_t *p = hl_props(s), *x;
	const char *name = s->u.hl.rid;
	size_t i;
	char c[IP_ADDR_STRLEN];

	if (!model_host(w->md, name)) {
		/* the host first: what follows is scoped to it */
		struct cobj *o;
		bool cr;
		json_t *hj = json_pack("{s:s}", "name", name);
		txn_owner(w->t, s->id);
		int rc = txn_create(w->t, CK_HOST, NULL, hj, &o, &cr, w->e);
		txn_owner(w->t, 0);
		json_decref(hj);
		if (rc)
			return -1;
	}
	if (want(w, s->id, CK_HOST, NULL, json_pack("{s:s}", "name", name),
	         false) ||
	    want(w, s->id, PK_SW, name,
	         json_pack(
	             "{s:s, s:s}", "name",
	             json_string_value(json_object_get(p, "switchName")),
	             "netadapter",
	             json_string_value(json_object_get(p, "netAdapterName"))),
	         false))
		return -1;
	json_array_foreach(json_object_get(p, "providerAddresses"), i, x)
	{
		const char *ref = json_string_value(json_object_get(
		    json_object_get(x, "logicalSubnet"), "resourceRef"));
		struct cobj *ln;
		const json_t *sn = hl_ref_subnet(w->md, ref, CK_LN, &ln), *sp;
		struct in6_addr a, pfx, gw;
		int plen;

		if (!sn) {
			w->res = NULL;
			cerr_set(w->e, 409,
			         "/servers/%s: providerAddresses[%zu]: its "
			         "logical subnet %s is gone",
			         name, i, ref);
			return -1;
		}
		sp = json_object_get(sn, "properties");
		ip_parse(json_string_value(json_object_get(x, "address")), &a);
		prefix_parse(
		    json_string_value(json_object_get(sp, "addressPrefix")),
		    &pfx, &plen);
		if (!ip_in_prefix(&a, &pfx, plen)) {
			char b[IP_ADDR_STRLEN + 4];
			cerr_set(
			    w->e, 409,
			    "/servers/%s: providerAddresses[%zu]: %s is not "
			    "in %s's prefix %s",
			    name, i, ip_fmt(&a, c), ref,
			    prefix_fmt(&pfx, plen, b));
			return -1;
		}
		if (want(w, s->id, PK_PA, name,
		         json_pack(
		             "{s:s, s:i, s:I, s:i}", "pa", ip_fmt(&a, c),
		             "prefix_len", plen, "vlan",
		             json_integer_value(json_object_get(sp, "vlanID")),
		             "ifindex", 0),
		         false))
			return -1;
		const char *g = json_string_value(
		    json_array_get(json_object_get(sp, "defaultGateways"), 0));
		if (g && !ip_parse(g, &gw) &&
		    want(w, s->id, PK_PR, name,
		         json_pack("{s:s, s:s, s:i}", "prefix",
		                   ip_is_v4(&gw) ? "0.0.0.0/0" : "::/0",
		                   "nexthop", g, "ifindex", 0),
		         false))
			return -1;
	}
	return 0;
}

/* Does interface 'nic' have an ipConfiguration in 'vn''s subnet 'sid'
 * (NULL: any of its subnets)? */
static bool
nic_in(const struct cobj *nic, const struct cobj *vn, const char *sid)
{
	const json_t *x;
	size_t i;

	json_array_foreach(json_object_get(hl_props(nic), "ipConfigurations"),
	                   i, x)
	{
		const char *ref = json_string_value(json_object_get(
		    json_object_get(json_object_get(x, "properties"), "subnet"),
		    "resourceRef"));
		const char *v = ref ? strchr(ref + 1, '/') : NULL;
		if (ref && !strncmp(ref, "/v1/", 4))
			v = strchr(ref + 4, '/');
		if (!v)
			continue;
		const char *e = strchr(v + 1, '/');
		size_t n = e ? (size_t)(e - v - 1) : 0;
		if (!e || n != strlen(vn->u.hl.rid) ||
		    strncasecmp(v + 1, vn->u.hl.rid, n))
			continue;
		if (!sid || !strcasecmp(e + strlen("/subnets/"), sid))
			return true;
	}
	return false;
}

static struct cobj *
gw_server(struct model *md, const struct cobj *gw)
{
	return hl_ref_res(
	    md,
	    json_string_value(json_object_get(
	        json_object_get(hl_props(gw), "server"), "resourceRef")),
	    CK_SERVER);
}

static struct cobj *
nic_server(struct model *md, const struct cobj *nic)
{
	return hl_ref_res(
	    md,
	    json_string_value(json_object_get(
	        json_object_get(hl_props(nic), "server"), "resourceRef")),
	    CK_SERVER);
}

/* The server of virtual gateway 'vgw''s active gateway if its gateway
 * subnet is 'vn''s subnet 'sid', else NULL. */
static struct cobj *
vgw_server_in(struct model *md, const struct cobj *vgw, const struct cobj *vn,
              const char *sid)
{
	struct cobj *pvn, *gw;
	const json_t *sn;

	if (!vgw)
		return NULL;
	sn = hl_ref_subnet(md,
	                   json_string_value(json_object_get(
	                       json_object_get(hl_props(vgw), "gatewaySubnet"),
	                       "resourceRef")),
	                   CK_VNET, &pvn);
	if (!sn || pvn != vn || strcasecmp(hl_rid(sn), sid) ||
	    !(gw = hl_vgw_active(md, vgw)))
		return NULL;
	return hl_ref_res(
	    md,
	    json_string_value(json_object_get(
	        json_object_get(hl_props(gw), "server"), "resourceRef")),
	    CK_SERVER);
}

static int
derive_vnet(struct hlw *w, struct cobj *vn)
{
	struct model *md = w->md;
	const json_t *p = hl_props(vn), *sn;
	const char *rd =
	    json_string_value(json_object_get(p, "routingDomainId"));
	const struct idvec none = {0};
	const struct idvec *nics = model_nics_of(md, 'v', vn->u.hl.rid);
	const struct idvec *vgws = &md->by_kind[CK_VGW];
	size_t i;

	if (!nics)
		nics = &none;
	json_array_foreach(json_object_get(p, "subnets"), i, sn)
	{
		const json_t *sp = json_object_get(sn, "properties");
		const char *pfx_s =
		    json_string_value(json_object_get(sp, "addressPrefix"));
		json_int_t vsid =
		    json_integer_value(json_object_get(sp, "virtualSubnetId"));
		struct in6_addr pfx, gw;
		int plen;
		char c[IP_ADDR_STRLEN];

		if (want(w, vn->id, PK_CR, NULL,
		         json_pack("{s:s, s:I, s:s}", "rdid", rd, "vsid", vsid,
		                   "prefix", pfx_s),
		         false))
			return -1;
		prefix_parse(pfx_s, &pfx, &plen);
		gw = pfx;
		hl_ip_inc(&gw);
		/* a default-gateway record per server with an interface (or
		 * a virtual gateway's compartment) in this subnet */
		for (size_t k = 0; k < nics->n + vgws->n; k++) {
			const struct cobj *nic =
			    k < nics->n ? nics->objs[k] : NULL;
			struct cobj *srv = NULL;
			struct in6_addr pa;
			struct eth_addr mac = {{0}};
			char key[192], m[ETH_ADDR_STRLEN], a[IP_ADDR_STRLEN];
			bool done = false;

			if (k >= nics->n)
				srv = vgw_server_in(md, vgws->objs[k - nics->n],
				                    vn, hl_rid(sn));
			else if (nic && nic_in(nic, vn, hl_rid(sn)))
				srv = nic_server(md, nic);
			if (!srv)
				continue;
			for (size_t j = 0; j < w->n_wants && !done; j++)
				done = w->wants[j].gw &&
				       w->wants[j].owner == vn->id &&
				       !strcasecmp(w->wants[j].host,
				                   srv->u.hl.rid) &&
				       json_integer_value(json_object_get(
				           w->wants[j].obj, "vsid")) == vsid;
			if (done)
				continue;
			if (server_pa(srv, &gw, &pa)) {
				cerr_set(w->e, 409,
				         "/servers/%s has no provider address "
				         "(for the default-gateway record of "
				         "/virtualNetworks/%s/subnets/%s)",
				         srv->u.hl.rid, vn->u.hl.rid,
				         hl_rid(sn));
				return -1;
			}
			/* the MAC it has on that server, if any */
			snprintf(key, sizeof(key), "lr:%lld/%s/gw/%s",
			         (long long)vsid, ip_fmt(&gw, c),
			         ip_fmt(&pa, a));
			struct cobj *ex = model_by_key(md, key);
			struct chost *h = model_host(md, srv->u.hl.rid);
			char sk[96];
			snprintf(sk, sizeof(sk), "h:%s", srv->u.hl.rid);
			for (char *q = sk; *q; q++)
				*q = (char)(*q >= 'A' && *q <= 'Z' ? *q + 32
				                                   : *q);
			struct scope *hs =
			    h ? model_scope(md, sk, false) : NULL;
			for (size_t j = 0; !ex && hs && j < hs->objs.n; j++) {
				struct cobj *o = hs->objs.objs[j];
				if (o && o->kind == PK_LR && o->gw &&
				    o->owner == vn->id &&
				    o->u.lr.vsid == (uint32_t)vsid)
					ex = o;
			}
			if (ex)
				mac = ex->u.lr.mac;
			else if (hl_mac_alloc(w, NULL, &mac))
				return -1;
			if (want(w, vn->id, PK_LR, srv->u.hl.rid,
			         json_pack("{s:s, s:I, s:s, s:s}", "ca", c,
			                   "vsid", vsid, "mac",
			                   eth_fmt(&mac, m), "pa", a),
			         true))
				return -1;
		}
	}
	return 0;
}

static int
derive_nic(struct hlw *w, struct cobj *nic)
{
	struct model *md = w->md;
	const json_t *p = hl_props(nic), *x;
	struct cobj *srv = nic_server(md, nic);
	const char *vm = json_string_value(json_object_get(p, "vmName"));
	const char *mac =
	    json_string_value(json_object_get(p, "privateMacAddress"));
	json_int_t vsid = 0;
	size_t i;
	char ref[200];

	hl_ref(nic, ref, sizeof(ref));
	if (!srv) {
		cerr_set(w->e, 409, "%s: its server %s is gone", ref,
		         json_string_value(json_object_get(
		             json_object_get(p, "server"), "resourceRef")));
		return -1;
	}
	const json_t *sp = hl_props(srv);
	const char *host = srv->u.hl.rid;
	json_array_foreach(json_object_get(p, "ipConfigurations"), i, x)
	{
		const json_t *ip = json_object_get(x, "properties");
		const char *sref = json_string_value(json_object_get(
		    json_object_get(ip, "subnet"), "resourceRef"));
		const char *ca_s =
		    json_string_value(json_object_get(ip, "privateIPAddress"));
		struct cobj *vn;
		const json_t *sn = hl_ref_subnet(md, sref, CK_VNET, &vn);
		struct in6_addr ca, pa, pfx;
		int plen;
		char a[IP_ADDR_STRLEN];

		if (!sn) {
			cerr_set(w->e, 409,
			         "%s: ipConfigurations[%zu]: its subnet %s is "
			         "gone",
			         ref, i, sref);
			return -1;
		}
		const json_t *snp = json_object_get(sn, "properties");
		vsid =
		    json_integer_value(json_object_get(snp, "virtualSubnetId"));
		ip_parse(ca_s, &ca);
		prefix_parse(
		    json_string_value(json_object_get(snp, "addressPrefix")),
		    &pfx, &plen);
		if (!ip_in_prefix(&ca, &pfx, plen)) {
			char b[IP_ADDR_STRLEN + 4];
			cerr_set(w->e, 409,
			         "%s: ipConfigurations[%zu]: %s is not in %s's "
			         "prefix %s",
			         ref, i, ca_s, sref, prefix_fmt(&pfx, plen, b));
			return -1;
		}
		if (server_pa(srv, &ca, &pa)) {
			cerr_set(w->e, 409,
			         "%s: its server /servers/%s has no provider "
			         "address",
			         ref, host);
			return -1;
		}
		if (want(w, nic->id, PK_LR, NULL,
		         json_pack("{s:s, s:I, s:s, s:s, s:s}", "ca", ca_s,
		                   "vsid", vsid, "mac", mac, "pa",
		                   ip_fmt(&pa, a), "vm_name", vm),
		         false))
			return -1;
	}
	if (want(w, nic->id, PK_VM, host, json_pack("{s:s}", "vm", vm),
	         false) ||
	    want(w, nic->id, PK_VMA, host,
	         json_pack("{s:s, s:s, s:s, s:s, s:I}", "vm", vm, "name",
	                   json_string_value(json_object_get(p, "adapterName")),
	                   "switch",
	                   json_string_value(json_object_get(sp, "switchName")),
	                   "mac", mac, "vsid", vsid),
	         false))
		return -1;
	return 0;
}

/* A virtual gateway (doc/gateway.md): on its active gateway's server,
 * the compartment VM and its adapter int0 in the gateway subnet's VSID,
 * the lookup record of its CA, and a customer route to it per route,
 * site-to-site remote prefix and point-to-site pool. */
static int
derive_vgw(struct hlw *w, struct cobj *g)
{
	struct model *md = w->md;
	const json_t *p = hl_props(g), *sn, *snp, *x, *y;
	const char *vref = json_string_value(json_object_get(
	    json_object_get(p, "virtualNetwork"), "resourceRef"));
	const char *sref = json_string_value(json_object_get(
	    json_object_get(p, "gatewaySubnet"), "resourceRef"));
	const char *vm = json_string_value(json_object_get(p, "vmName"));
	const char *mac = json_string_value(json_object_get(p, "macAddress"));
	const char *ca_s =
	    json_string_value(json_object_get(p, "gatewayAddress"));
	struct cobj *vn = hl_ref_res(md, vref, CK_VNET), *svn, *gw, *srv;
	struct in6_addr ca, pa, pfx;
	int plen;
	char ref[200], a[IP_ADDR_STRLEN];
	size_t i, j;

	hl_ref(g, ref, sizeof(ref));
	sn = hl_ref_subnet(md, sref, CK_VNET, &svn);
	if (!vn || !sn || svn != vn) {
		cerr_set(w->e, 409, "%s: its gateway subnet %s is gone", ref,
		         sref);
		return -1;
	}
	if (hl_vgw_recheck(w, g))
		return -1;
	gw = hl_vgw_active(md, g);
	srv = gw ? hl_ref_res(md,
	                      json_string_value(json_object_get(
	                          json_object_get(hl_props(gw), "server"),
	                          "resourceRef")),
	                      CK_SERVER)
	         : NULL;
	if (!srv) {
		cerr_set(w->e, 409,
		         "%s: its active gateway or that gateway's server is "
		         "gone",
		         ref);
		return -1;
	}
	snp = json_object_get(sn, "properties");
	json_int_t vsid =
	    json_integer_value(json_object_get(snp, "virtualSubnetId"));
	prefix_parse(json_string_value(json_object_get(snp, "addressPrefix")),
	             &pfx, &plen);
	ip_parse(ca_s, &ca);
	if (!ip_in_prefix(&ca, &pfx, plen)) {
		char b[IP_ADDR_STRLEN + 4];
		cerr_set(w->e, 409,
		         "%s: its gatewayAddress %s is not in %s's "
		         "prefix %s",
		         ref, ca_s, sref, prefix_fmt(&pfx, plen, b));
		return -1;
	}
	if (server_pa(srv, &ca, &pa)) {
		cerr_set(w->e, 409,
		         "%s: the server /servers/%s of its active gateway has "
		         "no provider address",
		         ref, srv->u.hl.rid);
		return -1;
	}
	const char *host = srv->u.hl.rid;
	const char *rd =
	    json_string_value(json_object_get(hl_props(vn), "routingDomainId"));
	if (want(w, g->id, PK_VM, host, json_pack("{s:s}", "vm", vm), false) ||
	    want(w, g->id, PK_VMA, host,
	         json_pack("{s:s, s:s, s:s, s:s, s:I}", "vm", vm, "name",
	                   "int0", "switch",
	                   json_string_value(
	                       json_object_get(hl_props(srv), "switchName")),
	                   "mac", mac, "vsid", vsid),
	         false) ||
	    want(w, g->id, PK_LR, NULL,
	         json_pack("{s:s, s:I, s:s, s:s, s:s}", "ca", ca_s, "vsid",
	                   vsid, "mac", mac, "pa", ip_fmt(&pa, a), "vm_name",
	                   vm),
	         false))
		return -1;
	/* the routes: each of 'routes', the VPNs' remote prefixes */
	json_t *pfxs = json_deep_copy(json_object_get(p, "routes"));
	json_array_foreach(json_object_get(p, "siteToSite"), i, x)
	    json_array_foreach(json_object_get(json_object_get(x, "properties"),
	                                       "remotePrefixes"),
	                       j, y) json_array_append(pfxs, (json_t *)y);
	y = json_object_get(json_object_get(p, "pointToSite"), "addressPool");
	if (y)
		json_array_append(pfxs, (json_t *)y);
	json_array_foreach(pfxs, i, x)
	{
		if (want(w, g->id, PK_CR, NULL,
		         json_pack("{s:s, s:I, s:s, s:s}", "rdid", rd, "vsid",
		                   vsid, "prefix", json_string_value(x),
		                   "nexthop", ca_s),
		         false)) {
			json_decref(pfxs);
			return -1;
		}
	}
	json_decref(pfxs);
	return 0;
}

/* ------------------------------------------------------------------ */
/* the concerned resources */

static bool
in_set(const struct hlw *w, uint64_t id)
{
	for (size_t i = 0; i < w->n_set; i++)
		if (w->set[i].id == id)
			return true;
	return false;
}

static void set_add(struct hlw *w, struct cobj *o);
static void nic_links(struct hlw *w, struct cobj *o);

/* The interfaces of VM 'vm' and the virtual networks of their subnets. */
static void
set_add_vm(struct hlw *w, const char *vm)
{
	const struct idvec *v = vm ? model_nics_of(w->md, 'm', vm) : NULL;
	for (size_t i = 0; v && i < v->n; i++)
		if (v->objs[i] &&
		    !strcasecmp(vm, json_string_value(json_object_get(
		                        hl_props(v->objs[i]), "vmName"))))
			set_add(w, v->objs[i]);
}

static void
set_add(struct hlw *w, struct cobj *o)
{
	if (in_set(w, o->id))
		return;
	w->set = xrealloc(w->set, (w->n_set + 1) * sizeof(*w->set));
	w->set[w->n_set++] = (struct member){o->id, o};
	if (o->kind == CK_NIC)
		nic_links(w, o);
	if (o->kind == CK_VGW) {
		/* its network owns the default-gateway record of its
		 * compartment's server */
		const char *r = json_string_value(json_object_get(
		    json_object_get(hl_props(o), "virtualNetwork"),
		    "resourceRef"));
		struct cobj *vn = r ? hl_ref_res(w->md, r, CK_VNET) : NULL;
		if (vn)
			set_add(w, vn);
	}
}

/* What interface 'o' shares with others: its VM (the other interfaces
 * of it), the virtual networks of its subnets. */
static void
nic_links(struct hlw *w, struct cobj *o)
{
	struct model *md = w->md;
	const json_t *x;
	size_t i;

	{
		set_add_vm(w, json_string_value(
		                  json_object_get(hl_props(o), "vmName")));
		json_array_foreach(
		    json_object_get(hl_props(o), "ipConfigurations"), i, x)
		{
			struct cobj *vn;
			hl_ref_subnet(
			    md,
			    json_string_value(json_object_get(
			        json_object_get(
			            json_object_get(x, "properties"), "subnet"),
			        "resourceRef")),
			    CK_VNET, &vn);
			if (vn)
				set_add(w, vn);
		}
	}
}

/* What a write to 'o' concerns besides itself (documents as they are). */
static void
set_add_deps(struct hlw *w, struct cobj *o)
{
	struct model *md = w->md;
	const struct idvec *nics = &md->by_kind[CK_NIC];
	const struct idvec *srvs = &md->by_kind[CK_SERVER];
	const struct idvec *gws = &md->by_kind[CK_GW];
	const struct idvec *vgws = &md->by_kind[CK_VGW];
	const json_t *x;
	size_t i;

	/* the virtual gateways of a network, of a gateway, of the
	 * gateways of a server */
	if (o->kind == CK_VNET || o->kind == CK_GW)
		for (size_t k = 0; k < vgws->n; k++)
			if (vgws->objs[k] && hl_vgw_uses(md, vgws->objs[k], o))
				set_add(w, vgws->objs[k]);
	if (o->kind == CK_SERVER)
		for (size_t k = 0; k < gws->n; k++)
			if (gws->objs[k] && gw_server(md, gws->objs[k]) == o) {
				set_add(w, gws->objs[k]);
				set_add_deps(w, gws->objs[k]);
			}
	if (o->kind == CK_SERVER || o->kind == CK_VNET) {
		nics = model_nics_of(md, o->kind == CK_SERVER ? 's' : 'v',
		                     o->u.hl.rid);
		for (size_t k = 0; nics && k < nics->n; k++) {
			struct cobj *n = nics->objs[k];
			if (n && (o->kind == CK_SERVER ? nic_server(md, n) == o
			                               : nic_in(n, o, NULL)))
				set_add(w, n);
		}
	} else if (o->kind == CK_LN) {
		for (size_t k = 0; k < srvs->n; k++) {
			struct cobj *s = srvs->objs[k];
			if (!s)
				continue;
			json_array_foreach(
			    json_object_get(hl_props(s), "providerAddresses"),
			    i, x)
			{
				struct cobj *ln;
				hl_ref_subnet(
				    md,
				    json_string_value(json_object_get(
				        json_object_get(x, "logicalSubnet"),
				        "resourceRef")),
				    CK_LN, &ln);
				if (ln == o) {
					set_add(w, s);
					set_add_deps(w, s);
					break;
				}
			}
		}
	}
}

/* ------------------------------------------------------------------ */
/* reconcile */

static int
cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t) * (void *const *)a,
	          y = (uintptr_t) * (void *const *)b;
	return x < y ? -1 : x > y;
}

static int
reconcile(struct hlw *w)
{
	struct model *md = w->md;
	static const int del_order[] = {PK_LR, PK_VMA, PK_VM, PK_SW,
	                                PK_PR, PK_PA,  PK_CR, CK_HOST};
	static const int add_order[] = {CK_HOST, PK_SW,  PK_PA, PK_PR,
	                                PK_VM,   PK_VMA, PK_CR, PK_LR};
	struct cobj **keep = NULL, **gone = NULL;
	size_t n_keep = 0, n_gone = 0;
	int rc = -1;

	w->res = NULL;
	/* 1. the wants: servers (they make hosts), networks, interfaces */
	static const int kinds[] = {CK_SERVER, CK_VNET, CK_NIC, CK_VGW};
	for (size_t k = 0; k < ARRAY_SIZE(kinds); k++)
		for (size_t i = 0; i < w->n_set; i++) {
			struct cobj *o = w->set[i].o;
			if (!o || o->kind != kinds[k])
				continue;
			if ((o->kind == CK_SERVER && derive_server(w, o)) ||
			    (o->kind == CK_VNET && derive_vnet(w, o)) ||
			    (o->kind == CK_NIC && derive_nic(w, o)) ||
			    (o->kind == CK_VGW && derive_vgw(w, o)))
				goto out;
		}
	/* 2. each want against what exists */
	for (size_t i = 0; i < w->n_wants; i++) {
		struct want *x = &w->wants[i];
		struct cobj *ex = model_by_key(md, x->key);
		char ref[200];

		x->ex = ex;
		if (!ex) {
			x->create = true;
			continue;
		}
		json_t *cur = cobj_to_json(ex);
		bool same = x->kind == CK_HOST || json_equal(cur, x->obj);
		bool moved = x->kind != CK_HOST && x->host[0] &&
		             (!ex->host || strcasecmp(ex->host->name, x->host));
		json_decref(cur);
		if (ex->owner && !in_set(w, ex->owner)) {
			char ref2[200];
			hl_ref(model_get(md, ex->owner), ref, sizeof(ref));
			hl_ref(model_get(md, x->owner), ref2, sizeof(ref2));
			cerr_set(w->e, 409, "%s: %s %s exists, derived from %s",
			         ref2, ckind_name(x->kind),
			         x->key + strcspn(x->key, ":") + 1, ref);
			goto out;
		}
		if (!ex->owner && (!same || moved)) {
			char url[300];
			hl_ref(model_get(md, x->owner), ref, sizeof(ref));
			cobj_coll_url(ex->kind, ex->host, url, sizeof(url));
			cerr_set(w->e, 409,
			         "%s: %s %s exists with other values, made "
			         "through the low-level API (%s/%llu): remove "
			         "it first",
			         ref, ckind_name(x->kind),
			         x->key + strcspn(x->key, ":") + 1, url,
			         (unsigned long long)ex->id);
			goto out;
		}
		if (moved) {
			x->create = true;
			continue; /* 'ex' is not kept: deleted below */
		}
		x->update = !same;
		keep = xrealloc(keep, (n_keep + 1) * sizeof(*keep));
		keep[n_keep++] = ex;
	}
	if (n_keep)
		qsort(keep, n_keep, sizeof(*keep), cmp_ptr);
	/* 3. what the concerned resources own and no longer want */
	for (size_t i = 0; i < w->n_set; i++) {
		struct scope *s = model_owned(md, w->set[i].id);
		for (size_t j = 0; s && j < s->objs.n; j++) {
			struct cobj *o = s->objs.objs[j];
			if (!o || (n_keep && bsearch(&o, keep, n_keep,
			                             sizeof(o), cmp_ptr)))
				continue;
			gone = xrealloc(gone, (n_gone + 1) * sizeof(*gone));
			gone[n_gone++] = o;
		}
	}
	/* 4. deletes, updates, owners, creates */
	for (size_t k = 0; k < ARRAY_SIZE(del_order); k++)
		for (size_t i = 0; i < n_gone; i++) {
			struct cobj *o = gone[i];
			if (o->kind != del_order[k])
				continue;
			bool again = false;
			for (size_t j = 0; j < w->n_wants && !again; j++)
				again = w->wants[j].ex == o;
			if (o->kind == CK_HOST)
				api_delete_host(md, w->t, o->host);
			else if (o->kind == PK_VM && again)
				txn_delete_moved(w->t, o);
			else
				txn_delete(w->t, o);
		}
	for (size_t i = 0; i < w->n_wants; i++) {
		struct want *x = &w->wants[i];
		if (x->update && txn_update(w->t, x->ex, x->obj, w->e))
			goto out;
		if (!x->create && x->ex->owner != x->owner)
			txn_set_owner(w->t, x->ex, x->owner);
	}
	for (size_t k = 0; k < ARRAY_SIZE(add_order); k++)
		for (size_t i = 0; i < w->n_wants; i++) {
			struct want *x = &w->wants[i];
			struct cobj *o;
			bool cr;
			if (!x->create || x->kind != add_order[k])
				continue;
			struct chost *h =
			    x->host[0] ? model_host(md, x->host) : NULL;
			txn_owner(w->t, x->owner);
			int r =
			    txn_create(w->t, x->kind, h, x->obj, &o, &cr, w->e);
			txn_owner(w->t, 0);
			if (r) {
				char ref[200], msg[sizeof(w->e->msg)];
				hl_ref(model_get(md, x->owner), ref,
				       sizeof(ref));
				snprintf(msg, sizeof(msg), "%s", w->e->msg);
				cerr_set(w->e, w->e->status, "%s: %.500s", ref,
				         msg);
				goto out;
			}
			if (!cr && o->owner != x->owner)
				txn_set_owner(w->t, o, x->owner);
		}
	rc = 0;
out:
	free(keep);
	free(gone);
	return rc;
}

static void
hlw_free(struct hlw *w)
{
	for (size_t i = 0; i < w->n_wants; i++)
		json_decref(w->wants[i].obj);
	free(w->wants);
	free(w->set);
	free(w->macs);
}

/* ------------------------------------------------------------------ */
/* replies */

static void
add_refs(json_t *arr, const char *base, const char *sub)
{
	size_t i;
	json_t *x;
	json_array_foreach(arr, i, x)
	{
		char *ref = xasprintf("%s/%s/%s", base, sub, hl_rid(x));
		json_t *p = json_object_get(x, "properties");
		json_object_set_new(x, "resourceRef", json_string(ref));
		if (p) {
			json_object_set_new(p, "provisioningState",
			                    json_string("Succeeded"));
			if (json_object_get(p, "ipPools"))
				add_refs(json_object_get(p, "ipPools"), ref,
				         "ipPools");
		}
		free(ref);
	}
}

static json_t *
hl_to_api(struct model *md, const struct cobj *o)
{
	char ref[200], etag[32];
	json_t *p = json_deep_copy(hl_props(o));

	hl_ref(o, ref, sizeof(ref));
	snprintf(etag, sizeof(etag), "%llu", (unsigned long long)o->rev);
	if (json_object_get(p, "subnets"))
		add_refs(json_object_get(p, "subnets"), ref, "subnets");
	if (json_object_get(p, "ipConfigurations"))
		add_refs(json_object_get(p, "ipConfigurations"), ref,
		         "ipConfigurations");
	if (o->kind == CK_GW)
		json_object_set_new(p, "heartbeat",
		                    hl_gw_heartbeat_json(md, o));
	json_object_set_new(p, "provisioningState", json_string("Succeeded"));
	return json_pack("{s:s, s:s, s:s, s:o}", "resourceId", o->u.hl.rid,
	                 "resourceRef", ref, "etag", etag, "properties", p);
}

/* The reply for a subnet of virtual network 'vn'. */
static json_t *
subnet_to_api(struct model *md, const struct cobj *vn, const char *sid)
{
	json_t *all = hl_to_api(md, vn), *out = NULL;
	const json_t *s = hl_find_rid(
	    json_object_get(json_object_get(all, "properties"), "subnets"), sid,
	    NULL);
	if (s) {
		out = json_deep_copy(s);
		json_object_set(out, "etag", json_object_get(all, "etag"));
	}
	json_decref(all);
	return out;
}

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

static bool
dry_run(const struct http_req *r)
{
	const char *v = json_string_value(json_object_get(r->query, "dryRun"));
	return v && (!strcasecmp(v, "true") || !strcmp(v, "1") || !*v);
}

static json_t *
parse_body(struct http_req *r)
{
	json_error_t je;
	json_t *j;

	if (!r->body_len) {
		fail(r, 400, NULL, "the request needs a JSON body");
		return NULL;
	}
	j = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &je);
	if (!j) {
		fail(r, 400, NULL,
		     "the body is not valid JSON: %s (line %d, column %d)",
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

/* If-Match against 'o' (NULL: none exists): true if it may go on. */
static bool
if_match_ok(struct http_req *r, const struct cobj *o)
{
	const char *m = r->if_match;
	char buf[40];
	size_t n;

	if (!m || !strcmp(m, "*"))
		return !m || o;
	if (!strncmp(m, "W/", 2))
		m += 2;
	n = strlen(m);
	if (n >= 2 && m[0] == '"' && m[n - 1] == '"') {
		m++;
		n -= 2;
	}
	snprintf(buf, sizeof(buf), "%.*s", (int)MIN(n, sizeof(buf) - 1), m);
	return o && strtoull(buf, NULL, 10) == o->rev && buf[0];
}

/* ------------------------------------------------------------------ */
/* writes */

/* Who refers to 'o' (it cannot go): 0, or -1 with e set. */
static int
refuse_referenced(struct hlw *w, struct cobj *o)
{
	struct model *md = w->md;
	const struct idvec *nics = &md->by_kind[CK_NIC];
	char ref[200];

	hl_ref(o, ref, sizeof(ref));
	if (o->kind == CK_SERVER || o->kind == CK_VNET)
		nics = model_nics_of(md, o->kind == CK_SERVER ? 's' : 'v',
		                     o->u.hl.rid);
	if (o->kind == CK_SERVER || o->kind == CK_VNET)
		for (size_t k = 0; nics && k < nics->n; k++) {
			struct cobj *n = nics->objs[k];
			if (n && (o->kind == CK_SERVER ? nic_server(md, n) == o
			                               : nic_in(n, o, NULL))) {
				cerr_set(w->e, 409,
				         "%s is used by /networkInterfaces/%s: "
				         "remove or move that first",
				         ref, n->u.hl.rid);
				return -1;
			}
		}
	/* gateways on a server; virtual gateways of a network or a
	 * gateway */
	const struct idvec *gws = &md->by_kind[CK_GW];
	const struct idvec *vgws = &md->by_kind[CK_VGW];
	for (size_t k = 0; o->kind == CK_SERVER && k < gws->n; k++)
		if (gws->objs[k] && gw_server(md, gws->objs[k]) == o) {
			cerr_set(
			    w->e, 409,
			    "%s is used by /gateways/%s: remove that first",
			    ref, gws->objs[k]->u.hl.rid);
			return -1;
		}
	for (size_t k = 0;
	     (o->kind == CK_VNET || o->kind == CK_GW) && k < vgws->n; k++)
		if (vgws->objs[k] && hl_vgw_uses(md, vgws->objs[k], o)) {
			cerr_set(w->e, 409,
			         "%s is used by /virtualGateways/%s: remove "
			         "that first",
			         ref, vgws->objs[k]->u.hl.rid);
			return -1;
		}
	if (o->kind == CK_LN) {
		size_t before = w->n_set;
		set_add_deps(w, o);
		for (size_t i = before; i < w->n_set; i++)
			if (w->set[i].o && w->set[i].o->kind == CK_SERVER) {
				cerr_set(
				    w->e, 409,
				    "%s is used by /servers/%s: remove that "
				    "first",
				    ref, w->set[i].o->u.hl.rid);
				w->n_set = before;
				return -1;
			}
		w->n_set = before;
	}
	return 0;
}

/* The body of a PUT/POST into a document: NULL with the reply set. */
static json_t *
make_doc(struct hlw *w, struct http_req *r, const json_t *body,
         const struct cobj *old)
{
	const json_t *props = json_object_get(body, "properties");
	const char *brid = hl_rid(body);
	json_t *out;

	if (hl_keys_ok(w, body, "", "resourceId resourceRef etag properties"))
		return NULL;
	if (json_object_get(body, "resourceId") &&
	    (!brid || strcasecmp(brid, w->rid))) {
		hl_bad(w, 400, "resourceId",
		       "'%.80s' is not the resourceId of the URL (%s)",
		       brid ? brid : "(not a string)", w->rid);
		return NULL;
	}
	if (!props) {
		hl_bad(w, 400, "properties", "missing");
		return NULL;
	}
	out = json_object();
	if (w->res->norm(w, props, old ? hl_props(old) : NULL, out)) {
		json_decref(out);
		return NULL;
	}
	(void)r;
	return json_pack("{s:s, s:o}", "resourceId", w->rid, "properties", out);
}

/* Commits (or, for a dry run, undoes) w->t: 0, or -1 with the reply. */
static int
finish(struct model *md, struct http_req *r, struct hlw *w)
{
	if (dry_run(r)) {
		txn_abort(w->t);
		return 0;
	}
	if (txn_commit(w->t, w->e)) {
		reply_err(r, w->e);
		return -1;
	}
	http_wake(md);
	return 0;
}

/* PUT (or POST: 'post') of 'body' as resource 'rid' of 'res'; or, body
 * NULL, its DELETE.  'sub' (a subnet's resourceId): reply with that
 * subnet of the virtual network instead. */
static void
hl_write(struct model *md, struct http_req *r, const struct hlres *res,
         const char *rid, const json_t *body, bool post, const char *sub)
{
	struct cerr e = {0};
	struct hlw w = {.md = md, .e = &e, .res = res, .rid = rid};
	struct cobj *ex = model_hl(md, res->kind, rid), *o = NULL;
	json_t *doc = NULL, *rep = NULL;
	bool dry = dry_run(r);
	int status;

	if (strlen(rid) >= sizeof(ex->u.hl.rid) || strchr(rid, '/') ||
	    !rid[0]) {
		fail(r, 400, "resourceId",
		     "%s: a resourceId of 1 to %zu characters, no '/'",
		     res->what, sizeof(ex->u.hl.rid) - 1);
		return;
	}
	if (!body && !ex) {
		fail(r, 404, NULL, "no %s /%s/%.80s", res->what, res->path,
		     rid);
		return;
	}
	if (post && ex) {
		fail(r, 409, "resourceId",
		     "%s /%s/%.80s exists (PUT replaces it)", res->what,
		     res->path, rid);
		return;
	}
	if (!if_match_ok(r, ex)) {
		fail(r, 412, NULL,
		     "%s /%s/%.80s: etag is %llu, not %.40s (it changed)",
		     res->what, res->path, rid,
		     ex ? (unsigned long long)ex->rev : 0ull, r->if_match);
		return;
	}
	w.t = txn_begin(md);
	if (body) {
		doc = make_doc(&w, r, body, ex);
		if (!doc)
			goto err;
	} else if (refuse_referenced(&w, ex)) {
		goto err;
	}
	/* what the write concerns, before and after */
	if (ex) {
		set_add(&w, ex);
		set_add_deps(&w, ex);
	}
	if (!body) {
		for (size_t i = 0; i < w.n_set; i++)
			if (w.set[i].o == ex)
				w.set[i].o = NULL;
		txn_delete(w.t, ex);
		status = 204;
	} else if (ex && json_equal(ex->u.hl.doc, doc)) {
		json_decref(doc);
		o = ex;
		status = 200;
	} else {
		o = txn_hl_put(w.t, res->kind, rid, doc);
		status = ex ? 200 : 201;
		for (size_t i = 0; i < w.n_set; i++)
			if (w.set[i].id == o->id)
				w.set[i].o = o;
		set_add(&w, o);
		set_add_deps(&w, o);
		if (o->kind == CK_NIC)
			nic_links(&w, o); /* its VM and networks now */
	}
	if (reconcile(&w))
		goto err;
	if (o) {
		/* built before a dry run's undo frees a new one */
		rep = sub ? subnet_to_api(md, o, sub) : hl_to_api(md, o);
		if (status == 201)
			snprintf(r->location, sizeof(r->location), "/v1/%s/%s",
			         res->path, rid);
	}
	if (finish(md, r, &w)) {
		json_decref(rep);
		r->location[0] = '\0';
		hlw_free(&w);
		return;
	}
	if (rep && !dry) {
		char etag[32];
		snprintf(etag, sizeof(etag), "%llu",
		         (unsigned long long)o->rev);
		json_object_set_new(rep, "etag", json_string(etag));
	}
	if (rep && e.warnings)
		json_object_set(rep, "warnings", e.warnings);
	if (e.warnings) {
		r->warnings = e.warnings;
		e.warnings = NULL;
	}
	r->status = status;
	r->reply = rep;
	hlw_free(&w);
	return;
err:
	txn_abort(w.t);
	json_decref(e.warnings);
	e.warnings = NULL;
	reply_err(r, &e);
	hlw_free(&w);
}

/* ------------------------------------------------------------------ */
/* reads */

static void
hl_list(struct model *md, struct http_req *r, const struct hlres *res)
{
	const char *ls = json_string_value(json_object_get(r->query, "limit"));
	const char *as = json_string_value(json_object_get(r->query, "after"));
	char *end = NULL;
	long long limit = ls ? strtoll(ls, &end, 10) : HL_LIST_DEFAULT;
	unsigned long long after = 0;
	const char *k;
	json_t *v;

	json_object_foreach(r->query, k,
	                    v) if (strcmp(k, "limit") && strcmp(k, "after"))
	{
		fail(r, 400, k,
		     "query parameter '%.64s' is unknown (known: limit, "
		     "after)",
		     k);
		return;
	}
	if ((ls && (!*ls || *end)) || limit < 1 || limit > HL_LIST_MAX) {
		fail(r, 400, "limit",
		     "query parameter 'limit': a number in 1..%d", HL_LIST_MAX);
		return;
	}
	if (as) {
		after = strtoull(as, &end, 10);
		if (!*as || *end) {
			fail(r, 400, "after",
			     "query parameter 'after': a number");
			return;
		}
	}
	const struct idvec *iv = &md->by_kind[res->kind];
	json_t *items = json_array();
	uint64_t last = 0;
	bool more = false;
	for (size_t i = idvec_after(iv, after); i < iv->n; i++) {
		const struct cobj *o = iv->objs[i];
		if (!o)
			continue;
		if (json_array_size(items) == (size_t)limit) {
			more = true;
			break;
		}
		json_array_append_new(items, hl_to_api(md, o));
		last = o->id;
	}
	json_t *next = json_null();
	if (more) {
		char *u = xasprintf("/v1/%s?limit=%lld&after=%llu", res->path,
		                    limit, (unsigned long long)last);
		next = json_string(u);
		free(u);
	}
	r->status = 200;
	r->reply = json_pack("{s:o, s:o}", "items", items, "next", next);
}

/* ------------------------------------------------------------------ */
/* subnets of a virtual network, and moves */

/* PUT, DELETE (body NULL) or POST ('sid' NULL) of a subnet: the whole
 * virtual network written again with that subnet replaced, added or
 * left out. */
static void
subnet_write(struct model *md, struct http_req *r, struct cobj *vn,
             const char *sid, const json_t *body)
{
	json_t *doc = json_deep_copy(vn->u.hl.doc);
	json_t *props = json_object_get(doc, "properties");
	json_t *subnets = json_object_get(props, "subnets");
	char rbuf[64];
	size_t idx;
	const json_t *cur;

	if (!sid && body) {
		const char *brid = hl_rid(body);
		if (!brid) {
			uint8_t b[6];
			hl_rand_bytes(b, sizeof(b));
			snprintf(rbuf, sizeof(rbuf),
			         "subnet-%02x%02x%02x%02x%02x%02x", b[0], b[1],
			         b[2], b[3], b[4], b[5]);
			brid = rbuf;
		} else if (hl_find_rid(subnets, brid, NULL)) {
			json_decref(doc);
			fail(r, 409, "resourceId",
			     "subnet /virtualNetworks/%s/subnets/%.80s exists",
			     vn->u.hl.rid, brid);
			return;
		}
		snprintf(rbuf, sizeof(rbuf), "%.63s", brid);
		sid = rbuf;
	}
	cur = hl_find_rid(subnets, sid, &idx);
	bool existed = cur != NULL;
	if (!body && !cur) {
		json_decref(doc);
		fail(r, 404, NULL,
		     "no subnet /virtualNetworks/%s/subnets/%.80s",
		     vn->u.hl.rid, sid);
		return;
	}
	if (body) {
		const char *brid = hl_rid(body);
		if (json_object_get(body, "resourceId") &&
		    (!brid || strcasecmp(brid, sid))) {
			json_decref(doc);
			fail(r, 400, "resourceId",
			     "'%.80s' is not the subnet's resourceId (%s)",
			     brid ? brid : "(not a string)", sid);
			return;
		}
		json_t *nb = json_deep_copy(body);
		json_object_set_new(nb, "resourceId", json_string(sid));
		if (cur)
			json_array_set_new(subnets, idx, nb);
		else
			json_array_append_new(subnets, nb);
	} else {
		json_array_remove(subnets, idx);
	}
	/* the subnet's fields are checked as part of the network; its
	 * errors name subnets[i] of it */
	char rid[80];
	snprintf(rid, sizeof(rid), "%s", vn->u.hl.rid);
	hl_write(md, r, hl_res_of(CK_VNET), rid, doc, false, body ? sid : NULL);
	json_decref(doc);
	if (!body && r->status == 200) {
		json_decref(r->reply);
		r->reply = NULL;
		r->status = 204;
	} else if (body && !existed && r->status == 200) {
		r->status = 201;
		snprintf(r->location, sizeof(r->location),
		         "/v1/virtualNetworks/%s/subnets/%s", rid, sid);
	}
}

/* POST /v1/networkInterfaces/ID/move {"server": {"resourceRef": ...}}:
 * the interface and the other interfaces of its VM go to that server
 * (their VM, adapters and records move in one write). */
static void
nic_move(struct model *md, struct http_req *r, struct cobj *nic)
{
	struct cerr e = {0};
	struct hlw w = {
	    .md = md, .e = &e, .res = hl_res_of(CK_NIC), .rid = nic->u.hl.rid};
	json_t *body = parse_body(r);
	const char *ref;
	struct cobj *srv;

	if (!body)
		return;
	if (hl_keys_ok(&w, body, "", "server") ||
	    hl_get_ref(&w, body, "server", "", true, &ref)) {
		json_decref(body);
		reply_err(r, &e);
		return;
	}
	srv = hl_ref_res(md, ref, CK_SERVER);
	if (!srv) {
		fail(r, 404, "server.resourceRef",
		     "move: no server %.100s (expected /servers/NAME)", ref);
		json_decref(body);
		return;
	}
	if (!if_match_ok(r, nic)) {
		fail(r, 412, NULL,
		     "/networkInterfaces/%s: etag is %llu, not %.40s",
		     nic->u.hl.rid, (unsigned long long)nic->rev, r->if_match);
		json_decref(body);
		return;
	}
	char to[100];
	snprintf(to, sizeof(to), "/servers/%s", srv->u.hl.rid);
	json_decref(body);
	w.t = txn_begin(md);
	set_add(&w, nic);
	size_t n = w.n_set;
	for (size_t i = 0; i < n; i++) {
		struct cobj *o = w.set[i].o;
		if (o->kind != CK_NIC || nic_server(md, o) == srv)
			continue;
		json_t *doc = json_deep_copy(o->u.hl.doc);
		json_object_set_new(json_object_get(doc, "properties"),
		                    "server",
		                    json_pack("{s:s}", "resourceRef", to));
		txn_hl_put(w.t, CK_NIC, o->u.hl.rid, doc);
	}
	if (reconcile(&w)) {
		txn_abort(w.t);
		reply_err(r, &e);
		hlw_free(&w);
		return;
	}
	json_t *rep = hl_to_api(md, nic);
	if (finish(md, r, &w)) {
		json_decref(rep);
		hlw_free(&w);
		return;
	}
	if (!dry_run(r)) {
		char etag[32];
		snprintf(etag, sizeof(etag), "%llu",
		         (unsigned long long)nic->rev);
		json_object_set_new(rep, "etag", json_string(etag));
	}
	json_decref(e.warnings);
	r->status = 200;
	r->reply = rep;
	hlw_free(&w);
}

/* ------------------------------------------------------------------ */
/* gateways: failover, heartbeats, config (doc/gateway.md) */

/* Makes 'gw' the active gateway of 'vgw' in one write (its compartment
 * VM and adapter move to gw's server, its record's PA follows); '*rep'
 * (when asked) the virtual gateway as the reply gives it: 0, or -1 with
 * e set. */
static int
vgw_activate(struct model *md, struct cobj *vgw, struct cobj *gw, bool dry,
             json_t **rep, struct cerr *e)
{
	struct hlw w = {
	    .md = md, .e = e, .res = hl_res_of(CK_VGW), .rid = vgw->u.hl.rid};
	char to[120];

	w.t = txn_begin(md);
	if (hl_vgw_active(md, vgw) != gw) {
		json_t *doc = json_deep_copy(vgw->u.hl.doc);
		snprintf(to, sizeof(to), "/gateways/%s", gw->u.hl.rid);
		json_object_set_new(json_object_get(doc, "properties"),
		                    "activeGateway",
		                    json_pack("{s:s}", "resourceRef", to));
		txn_hl_put(w.t, CK_VGW, vgw->u.hl.rid, doc);
	}
	set_add(&w, vgw);
	set_add_deps(&w, vgw);
	if (reconcile(&w)) {
		txn_abort(w.t);
		hlw_free(&w);
		return -1;
	}
	if (rep)
		*rep = hl_to_api(md, vgw);
	if (dry) {
		txn_abort(w.t);
	} else if (txn_commit(w.t, e)) {
		if (rep) {
			json_decref(*rep);
			*rep = NULL;
		}
		hlw_free(&w);
		return -1;
	} else {
		http_wake(md);
		if (rep) {
			char etag[32];
			snprintf(etag, sizeof(etag), "%llu",
			         (unsigned long long)vgw->rev);
			json_object_set_new(*rep, "etag", json_string(etag));
		}
	}
	hlw_free(&w);
	return 0;
}

/* POST /v1/virtualGateways/ID/failover {"activeGateway": {"resourceRef":
 * "/gateways/G"}} */
static void
vgw_failover(struct model *md, struct http_req *r, struct cobj *vgw)
{
	struct cerr e = {0};
	struct hlw w = {
	    .md = md, .e = &e, .res = hl_res_of(CK_VGW), .rid = vgw->u.hl.rid};
	json_t *body = parse_body(r), *rep = NULL;
	const char *ref;
	struct cobj *gw, *g[2];
	size_t n;

	if (!body)
		return;
	if (hl_keys_ok(&w, body, "", "activeGateway") ||
	    hl_get_ref(&w, body, "activeGateway", "", true, &ref)) {
		json_decref(body);
		reply_err(r, &e);
		return;
	}
	gw = hl_ref_res(md, ref, CK_GW);
	n = hl_vgw_gateways(md, vgw, g);
	if (!gw || (gw != g[0] && (n < 2 || gw != g[1]))) {
		fail(r, 400, "activeGateway.resourceRef",
		     "failover: %.100s is not one of /virtualGateways/%s's "
		     "gateways",
		     ref, vgw->u.hl.rid);
		json_decref(body);
		return;
	}
	json_decref(body);
	if (!if_match_ok(r, vgw)) {
		fail(r, 412, NULL,
		     "/virtualGateways/%s: etag is %llu, not %.40s",
		     vgw->u.hl.rid, (unsigned long long)vgw->rev, r->if_match);
		return;
	}
	bool was = hl_vgw_active(md, vgw) == gw;
	if (vgw_activate(md, vgw, gw, dry_run(r), &rep, &e)) {
		json_decref(e.warnings);
		reply_err(r, &e);
		return;
	}
	if (!was && !dry_run(r))
		log_info("/virtualGateways/%s: failover to /gateways/%s (by "
		         "hand)",
		         vgw->u.hl.rid, gw->u.hl.rid);
	json_decref(e.warnings);
	r->status = 200;
	r->reply = rep;
}

/* PUT /v1/gateways/ID/heartbeat {} or {"status": {...}}: in memory; then
 * the failover rule of doc/gateway.md: each virtual gateway of which
 * this gateway is the standby and whose active gateway is dead
 * (hl_gw_dead()) fails over to it. */
static void
gw_heartbeat(struct model *md, struct http_req *r, struct cobj *gw)
{
	struct cerr e = {0};
	struct hlw w = {
	    .md = md, .e = &e, .res = hl_res_of(CK_GW), .rid = gw->u.hl.rid};
	json_t *body = r->body_len ? parse_body(r) : json_object();
	const json_t *st;

	if (!body)
		return;
	if (hl_keys_ok(&w, body, "", "status")) {
		json_decref(body);
		reply_err(r, &e);
		return;
	}
	st = json_object_get(body, "status");
	if (st && !json_is_object(st) && !json_is_null(st)) {
		json_decref(body);
		fail(r, 400, "status", "must be an object");
		return;
	}
	hl_gw_heartbeat(md, gw, st && json_is_object(st) ? st : NULL);
	json_decref(body);

	json_t *moved = json_array();
	const struct idvec *vgws = &md->by_kind[CK_VGW];
	for (size_t k = 0; k < vgws->n; k++) {
		struct cobj *v = vgws->objs[k], *act;
		if (!v || !hl_vgw_uses(md, v, gw) ||
		    (act = hl_vgw_active(md, v)) == gw ||
		    (act && !hl_gw_dead(md, act)))
			continue;
		struct cerr e2 = {0};
		if (vgw_activate(md, v, gw, false, NULL, &e2)) {
			log_warnx("/virtualGateways/%s: failover from "
			          "/gateways/%s to /gateways/%s failed: %s",
			          v->u.hl.rid, act ? act->u.hl.rid : "?",
			          gw->u.hl.rid, e2.msg);
		} else {
			log_info("/virtualGateways/%s: /gateways/%s is dead "
			         "(no heartbeat for --gateway-dead-after): "
			         "failover to /gateways/%s",
			         v->u.hl.rid, act ? act->u.hl.rid : "?",
			         gw->u.hl.rid);
			json_array_append_new(moved, json_string(v->u.hl.rid));
		}
		json_decref(e2.warnings);
	}
	r->status = 200;
	r->reply =
	    json_pack("{s:s, s:o, s:o, s:I}", "resourceId", gw->u.hl.rid,
	              "heartbeat", hl_gw_heartbeat_json(md, gw), "failedOver",
	              moved, "revision", (json_int_t)md->rev);
}

/* A query parameter: a number in lo..hi (1 with it), absent (0), or -1
 * with the reply set. */
static int
qnum(struct http_req *r, const char *k, long long lo, long long hi,
     long long *out)
{
	const char *v = json_string_value(json_object_get(r->query, k));
	char *end;

	if (!v)
		return 0;
	*out = strtoll(v, &end, 10);
	if (!*v || *end || *out < lo || *out > hi) {
		fail(r, 400, k, "query parameter '%s': a number in %lld..%lld",
		     k, lo, hi);
		return -1;
	}
	return 1;
}

/* GET /v1/gateways/ID/config?after=REV&wait=SECONDS: at once when the
 * controller's revision is not REV (anything changed after it, or REV
 * is not this controller's), else when a write comes or after 'wait'
 * seconds (at most 60), with the same content. */
static void
gw_config(struct model *md, struct http_req *r, struct cobj *gw)
{
	long long after = 0, wait = 0;
	int has_after;
	const char *k;
	json_t *v;

	json_object_foreach(r->query, k,
	                    v) if (strcmp(k, "after") && strcmp(k, "wait"))
	{
		fail(r, 400, k,
		     "query parameter '%.64s' is unknown (known: after, wait)",
		     k);
		return;
	}
	if ((has_after = qnum(r, "after", 0, INT64_MAX, &after)) < 0 ||
	    qnum(r, "wait", 0, 60, &wait) < 0)
		return;
	uint64_t now = time_ns();
	if (!r->wait_deadline)
		r->wait_deadline = now + (uint64_t)wait * 1000000000ull;
	if (has_after && (uint64_t)after == md->rev && now < r->wait_deadline) {
		r->wait = true;
		r->wait_any = true;
		r->wait_after = (uint64_t)after;
		return;
	}
	r->wait = false;
	r->status = 200;
	r->reply = hl_gw_config(md, gw);
}

/* ------------------------------------------------------------------ */

static void
new_rid(char *buf, size_t len)
{
	struct guid g;
	char s[GUID_STRLEN];
	hl_rand_guid(&g);
	guid_fmt(&g, s);
	snprintf(buf, len, "%.36s", s + 1);
}

bool
hl_handle(struct model *md, struct http_req *r)
{
	char **s = r->seg;
	int n = r->nseg;
	const struct hlres *res = NULL;
	const char *m = r->method;

	for (size_t i = 0; i < ARRAY_SIZE(hlres) && !res; i++)
		if (!strcmp(s[1], hlres[i].path))
			res = &hlres[i];
	if (!res)
		return false;
	if (n == 2) {
		if (!strcmp(m, "GET")) {
			hl_list(md, r, res);
		} else if (!strcmp(m, "POST")) {
			json_t *body = parse_body(r);
			char rid[80];
			if (!body)
				return true;
			const json_t *b = json_object_get(body, "resourceId");
			if (b && (!json_is_string(b) || !json_string_length(b)))
				fail(r, 400, "resourceId",
				     "must be a non-empty string");
			else if (b)
				hl_write(md, r, res, json_string_value(b), body,
				         true, NULL);
			else {
				new_rid(rid, sizeof(rid));
				if (res->kind == CK_SERVER)
					fail(r, 400, "resourceId",
					     "a server's resourceId (its host "
					     "name) is required");
				else
					hl_write(md, r, res, rid, body, true,
					         NULL);
			}
			json_decref(body);
		} else {
			fail(r, 405, NULL,
			     "%s is not allowed on /v1/%s (GET, POST)", m,
			     res->path);
		}
		return true;
	}
	struct cobj *o = model_hl(md, res->kind, s[2]);
	if (n == 3) {
		if (!strcmp(m, "GET")) {
			if (!o) {
				fail(r, 404, NULL, "no %s /%s/%.80s", res->what,
				     res->path, s[2]);
				return true;
			}
			r->status = 200;
			r->reply = hl_to_api(md, o);
		} else if (!strcmp(m, "PUT")) {
			json_t *body = parse_body(r);
			if (body)
				hl_write(md, r, res, s[2], body, false, NULL);
			json_decref(body);
		} else if (!strcmp(m, "DELETE")) {
			hl_write(md, r, res, s[2], NULL, false, NULL);
		} else {
			fail(r, 405, NULL,
			     "%s is not allowed on /v1/%s/%.80s (GET, PUT, "
			     "DELETE)",
			     m, res->path, s[2]);
		}
		return true;
	}
	if (res->kind == CK_NIC && n == 4 && !strcmp(s[3], "move")) {
		if (strcmp(m, "POST"))
			fail(r, 405, NULL, "move takes POST");
		else if (!o)
			fail(r, 404, NULL,
			     "no network interface "
			     "/networkInterfaces/%.80s",
			     s[2]);
		else
			nic_move(md, r, o);
		return true;
	}
	if (res->kind == CK_VGW && n == 4 && !strcmp(s[3], "failover")) {
		if (strcmp(m, "POST"))
			fail(r, 405, NULL, "failover takes POST");
		else if (!o)
			fail(r, 404, NULL,
			     "no virtual gateway /virtualGateways/%.80s", s[2]);
		else
			vgw_failover(md, r, o);
		return true;
	}
	if (res->kind == CK_GW && n == 4 &&
	    (!strcmp(s[3], "heartbeat") || !strcmp(s[3], "config"))) {
		bool hb = !strcmp(s[3], "heartbeat");
		if (hb ? strcmp(m, "PUT") && strcmp(m, "POST")
		       : strcmp(m, "GET"))
			fail(r, 405, NULL, "%s takes %s", s[3],
			     hb ? "PUT" : "GET");
		else if (!o)
			fail(r, 404, NULL, "no gateway /gateways/%.80s", s[2]);
		else if (hb)
			gw_heartbeat(md, r, o);
		else
			gw_config(md, r, o);
		return true;
	}
	if (res->kind == CK_VNET && (n == 4 || n == 5) &&
	    !strcmp(s[3], "subnets")) {
		if (!o) {
			fail(r, 404, NULL,
			     "no virtual network "
			     "/virtualNetworks/%.80s",
			     s[2]);
			return true;
		}
		if (n == 4 && !strcmp(m, "GET")) {
			json_t *all = hl_to_api(md, o);
			json_t *items = json_deep_copy(json_object_get(
			    json_object_get(all, "properties"), "subnets"));
			size_t i;
			json_t *x;
			json_array_foreach(items, i, x) json_object_set(
			    x, "etag", json_object_get(all, "etag"));
			json_decref(all);
			r->status = 200;
			r->reply =
			    json_pack("{s:o, s:n}", "items", items, "next");
		} else if (n == 4 && !strcmp(m, "POST")) {
			json_t *body = parse_body(r);
			if (body)
				subnet_write(md, r, o, NULL, body);
			json_decref(body);
		} else if (n == 5 && !strcmp(m, "GET")) {
			json_t *sn = subnet_to_api(md, o, s[4]);
			if (!sn) {
				fail(r, 404, NULL,
				     "no subnet /virtualNetworks/%s/subnets/"
				     "%.80s",
				     o->u.hl.rid, s[4]);
				return true;
			}
			r->status = 200;
			r->reply = sn;
		} else if (n == 5 && !strcmp(m, "PUT")) {
			json_t *body = parse_body(r);
			if (body)
				subnet_write(md, r, o, s[4], body);
			json_decref(body);
		} else if (n == 5 && !strcmp(m, "DELETE")) {
			subnet_write(md, r, o, s[4], NULL);
		} else {
			fail(r, 405, NULL, "%s is not allowed on %.200s", m,
			     r->url);
		}
		return true;
	}
	fail(r, 404, NULL, "no such path: %.200s", r->url);
	return true;
}
