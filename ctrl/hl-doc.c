/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hl-doc: the documents of the high-level resources (ctrl/hl.h): each
 * body's properties validated (errors name the field by its JSON path,
 * unknown fields are errors) and completed into the document the
 * controller keeps: defaults filled in, references checked, and every
 * value it allocates written in --
 *  1. VSIDs: the lowest of --vsid-range no other virtual network's
 *     subnet, customer route, record or adapter uses;
 *  2. CAs: the lowest host address of the subnet after its .1 that no
 *     record of the routing domain has;
 *  3. MACs: the lowest of the macPools, in order, no adapter or record
 *     has (nor one this write took);
 *  4. PAs: the lowest of the logical subnet's ipPools, in order, no
 *     provider address or other server has;
 * a value the resource had before (a re-PUT without it) is kept.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ctrl/hl.h"
#include "lib/util.h"

#define HL_V6_TRIES 65536 /* addresses tried in an IPv6 subnet */

/* ------------------------------------------------------------------ */
/* errors */

int
hl_bad(struct hlw *w, int status, const char *field, const char *fmt, ...)
{
	char msg[480];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (w->res)
		cerr_set(w->e, status, "%s %.80s: %s%s%s", w->res->what, w->rid,
		         field ? field : "", field ? ": " : "", msg);
	else
		cerr_set(w->e, status, "%s%s%s", field ? field : "",
		         field ? ": " : "", msg);
	snprintf(w->e->field, sizeof(w->e->field), "%s", field ? field : "");
	return -1;
}

/* path.key, path.key[i]: JSON paths for messages (cut if too long) */
static void
pj(char *buf, size_t len, const char *path, const char *key)
{
	if (snprintf(buf, len, "%s%s%s", path, *path ? "." : "", key) >=
	    (int)len)
		buf[len - 1] = '\0';
}

static void
pi(char *buf, size_t len, const char *path, const char *key, size_t i)
{
	if (snprintf(buf, len, "%s%s%s[%zu]", path, *path ? "." : "", key, i) >=
	    (int)len)
		buf[len - 1] = '\0';
}

/* 'o' is an object whose keys are all in 'known' (space-separated). */
int
hl_keys_ok(struct hlw *w, const json_t *o, const char *path, const char *known)
{
	const char *k;
	json_t *v;
	char f[160];

	if (!json_is_object(o))
		return hl_bad(w, 400, path, "must be an object");
	json_object_foreach((json_t *)o, k, v)
	{
		size_t n = strlen(k);
		const char *p = known;
		bool found = false;
		while (*p && !found) {
			size_t m = strcspn(p, " ");
			found = m == n && !strncmp(p, k, n);
			p += m + (p[m] == ' ');
		}
		if (!found) {
			pj(f, sizeof(f), path, k);
			return hl_bad(w, 400, f, "unknown field (known: %s)",
			              known);
		}
	}
	return 0;
}

/* A string member: 0 with '*out' (NULL when absent and not required). */
static int
get_str(struct hlw *w, const json_t *o, const char *key, const char *path,
        bool required, const char **out)
{
	const json_t *v = json_object_get(o, key);
	char f[160];

	pj(f, sizeof(f), path, key);
	*out = NULL;
	if (!v || json_is_null(v)) {
		if (required)
			return hl_bad(w, 400, f, "missing");
		return 0;
	}
	if (!json_is_string(v) || !json_string_length(v))
		return hl_bad(w, 400, f, "must be a non-empty string");
	*out = json_string_value(v);
	return 0;
}

/* A number (or decimal string) member in lo..hi: 1 with '*out', 0 when
 * absent, -1 on error. */
static int
get_num(struct hlw *w, const json_t *o, const char *key, const char *path,
        long long lo, long long hi, long long *out)
{
	const json_t *v = json_object_get(o, key);
	char f[160], *end;
	long long n;

	pj(f, sizeof(f), path, key);
	if (!v || json_is_null(v))
		return 0;
	if (json_is_integer(v)) {
		n = json_integer_value(v);
	} else if (json_is_string(v) && json_string_length(v)) {
		n = strtoll(json_string_value(v), &end, 10);
		if (*end)
			return hl_bad(w, 400, f, "'%.40s' is not a number",
			              json_string_value(v));
	} else {
		return hl_bad(w, 400, f, "must be a number");
	}
	if (n < lo || n > hi)
		return hl_bad(w, 400, f, "%lld is outside %lld..%lld", n, lo,
		              hi);
	*out = n;
	return 1;
}

/* An array member ('*out' an empty array when absent). */
static int
get_arr(struct hlw *w, const json_t *o, const char *key, const char *path,
        const json_t **out)
{
	static json_t *empty;
	const json_t *v = json_object_get(o, key);
	char f[160];

	if (!empty)
		empty = json_array();
	*out = empty;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_array(v)) {
		pj(f, sizeof(f), path, key);
		return hl_bad(w, 400, f, "must be an array");
	}
	*out = v;
	return 0;
}

/* {"resourceRef": "..."} at o.key: 0 with '*ref', or -1. */
int
hl_get_ref(struct hlw *w, const json_t *o, const char *key, const char *path,
           bool required, const char **ref)
{
	const json_t *v = json_object_get(o, key);
	char f[160];

	pj(f, sizeof(f), path, key);
	*ref = NULL;
	if (!v || json_is_null(v))
		return required ? hl_bad(w, 400, f, "missing") : 0;
	if (hl_keys_ok(w, v, f, "resourceRef"))
		return -1;
	return get_str(w, v, "resourceRef", f, true, ref);
}

/* ------------------------------------------------------------------ */
/* documents and references */

const json_t *
hl_props(const struct cobj *o)
{
	return json_object_get(o->u.hl.doc, "properties");
}

const char *
hl_rid(const json_t *item)
{
	return json_string_value(json_object_get(item, "resourceId"));
}

/* The element of array 'arr' whose resourceId is 'rid', or NULL. */
const json_t *
hl_find_rid(const json_t *arr, const char *rid, size_t *idx)
{
	size_t i;
	const json_t *v;

	json_array_foreach((json_t *)arr, i, v)
	{
		const char *r = hl_rid(v);
		if (r && !strcasecmp(r, rid)) {
			if (idx)
				*idx = i;
			return v;
		}
	}
	return NULL;
}

/* "/servers/X" (optionally under /v1): the resource, or NULL. */
struct cobj *
hl_ref_res(struct model *md, const char *ref, int kind)
{
	const struct hlres *res = hl_res_of(kind);
	size_t n = strlen(res->path);

	if (!strncmp(ref, "/v1/", 4))
		ref += 3;
	if (ref[0] != '/' || strncmp(ref + 1, res->path, n) ||
	    ref[n + 1] != '/' || strchr(ref + n + 2, '/'))
		return NULL;
	return model_hl(md, kind, ref + n + 2);
}

/* "/PATH/X/subnets/S": the resource X and its subnet S (NULL, NULL when
 * there is none). */
const json_t *
hl_ref_subnet(struct model *md, const char *ref, int kind, struct cobj **parent)
{
	const struct hlres *res = hl_res_of(kind);
	size_t n = strlen(res->path);
	char x[96];

	*parent = NULL;
	if (!strncmp(ref, "/v1/", 4))
		ref += 3;
	if (ref[0] != '/' || strncmp(ref + 1, res->path, n) ||
	    ref[n + 1] != '/')
		return NULL;
	const char *a = ref + n + 2, *b = strchr(a, '/');
	if (!b || (size_t)(b - a) >= sizeof(x) || strncmp(b, "/subnets/", 9) ||
	    strchr(b + 9, '/'))
		return NULL;
	snprintf(x, sizeof(x), "%.*s", (int)(b - a), a);
	*parent = model_hl(md, kind, x);
	if (!*parent)
		return NULL;
	return hl_find_rid(json_object_get(hl_props(*parent), "subnets"), b + 9,
	                   NULL);
}

void
hl_ref(const struct cobj *o, char *buf, size_t len)
{
	const struct hlres *res = o ? hl_res_of(o->kind) : NULL;
	if (res)
		snprintf(buf, len, "/%s/%s", res->path, o->u.hl.rid);
	else
		snprintf(buf, len, "(object %llu)",
		         o ? (unsigned long long)o->id : 0ull);
}

int
hl_refuse_derived(struct model *md, const struct cobj *o, const char *verb,
                  struct cerr *e)
{
	char ref[200], url[300];

	if (!o->owner)
		return 0;
	hl_ref(model_get(md, o->owner), ref, sizeof(ref));
	cobj_coll_url(o->kind, o->host, url, sizeof(url));
	if (o->kind == CK_HOST)
		snprintf(url, sizeof(url), "/v1/hosts/%s", o->u.host);
	else
		snprintf(url + strlen(url), sizeof(url) - strlen(url), "/%llu",
		         (unsigned long long)o->id);
	cerr_set(e, 409,
	         "%s %s is derived from %s: the low-level API may not %s it "
	         "(change or remove %s instead)",
	         ckind_name(o->kind), url, ref, verb, ref);
	return -1;
}

/* ------------------------------------------------------------------ */
/* addresses */

static int
ip_cmp(const struct in6_addr *a, const struct in6_addr *b)
{
	return memcmp(a, b, sizeof(*a));
}

void
hl_ip_inc(struct in6_addr *a)
{
	for (int i = 15; i >= 0; i--)
		if (++a->s6_addr[i])
			break;
}

/* The last address of a prefix (the IPv4 broadcast). */
static void
ip_last(const struct in6_addr *pfx, int plen, struct in6_addr *out)
{
	int bits = ip_plen128(pfx, plen);
	*out = *pfx;
	for (int b = bits; b < 128; b++)
		out->s6_addr[b / 8] |= (uint8_t)(0x80 >> (b % 8));
}

static uint64_t
mac_u64(const struct eth_addr *m)
{
	uint64_t v = 0;
	for (int i = 0; i < 6; i++)
		v = v << 8 | m->b[i];
	return v;
}

static void
u64_mac(uint64_t v, struct eth_addr *m)
{
	for (int i = 5; i >= 0; i--, v >>= 8)
		m->b[i] = (uint8_t)v;
}

static int
cmp_ip(const void *a, const void *b)
{
	return ip_cmp(a, b);
}

void
hl_rand_bytes(uint8_t *b, size_t n)
{
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, b, n) != (ssize_t)n) {
		uint64_t t = time_ns();
		for (size_t i = 0; i < n; i++)
			b[i] = (uint8_t)(t >> (8 * (i % 8))) ^ (uint8_t)i;
	}
	if (fd >= 0)
		close(fd);
}

void
hl_rand_guid(struct guid *g)
{
	hl_rand_bytes(g->b, sizeof(g->b));
	g->b[6] = (uint8_t)((g->b[6] & 0x0f) | 0x40); /* version 4 */
	g->b[8] = (uint8_t)((g->b[8] & 0x3f) | 0x80);
}

/* A prefix string: 0 with it, or -1. */
static int
get_prefix(struct hlw *w, const json_t *o, const char *key, const char *path,
           struct in6_addr *pfx, int *plen)
{
	const char *s;
	char f[160];

	if (get_str(w, o, key, path, true, &s))
		return -1;
	pj(f, sizeof(f), path, key);
	if (prefix_parse(s, pfx, plen))
		return hl_bad(w, 400, f,
		              "'%.60s' is not a prefix (ADDRESS/LENGTH without "
		              "host bits)",
		              s);
	return 0;
}

/* An address string: 1 with it, 0 when absent (and not required). */
static int
get_ip(struct hlw *w, const json_t *o, const char *key, const char *path,
       bool required, struct in6_addr *a)
{
	const char *s;
	char f[160];

	if (get_str(w, o, key, path, required, &s))
		return -1;
	if (!s)
		return 0;
	pj(f, sizeof(f), path, key);
	if (ip_parse(s, a))
		return hl_bad(w, 400, f, "'%.60s' is not an IP address", s);
	return 1;
}

/* ------------------------------------------------------------------ */
/* logicalNetworks */

int
hl_norm_ln(struct hlw *w, const json_t *in, const json_t *old, json_t *out)
{
	const json_t *subnets, *sn;
	json_t *osn = json_array();
	char p[160], pp[160], f[160];
	size_t i;

	(void)old;
	if (hl_keys_ok(w, in, "properties", "subnets provisioningState") ||
	    get_arr(w, in, "subnets", "properties", &subnets))
		goto fail;
	json_array_foreach((json_t *)subnets, i, sn)
	{
		const json_t *props, *gws, *pools, *x;
		struct in6_addr pfx, a, b;
		int plen;
		long long vlan = 0;
		const char *rid;
		char buf[IP_ADDR_STRLEN + 4], rbuf[IP_ADDR_STRLEN];
		size_t j;

		pi(p, sizeof(p), "properties", "subnets", i);
		if (hl_keys_ok(w, sn, p,
		               "resourceId resourceRef etag properties") ||
		    get_str(w, sn, "resourceId", p, false, &rid))
			goto fail;
		if (!rid) {
			snprintf(rbuf, sizeof(rbuf), "subnet%zu", i + 1);
			rid = rbuf;
		}
		if (hl_find_rid(osn, rid, NULL)) {
			pj(f, sizeof(f), p, "resourceId");
			hl_bad(w, 400, f, "'%s' is given twice", rid);
			goto fail;
		}
		pj(pp, sizeof(pp), p, "properties");
		props = json_object_get(sn, "properties");
		if (!props) {
			hl_bad(w, 400, pp, "missing");
			goto fail;
		}
		if (hl_keys_ok(w, props, pp,
		               "addressPrefix vlanID defaultGateways ipPools "
		               "provisioningState") ||
		    get_prefix(w, props, "addressPrefix", pp, &pfx, &plen) ||
		    get_num(w, props, "vlanID", pp, 0, 4094, &vlan) < 0 ||
		    get_arr(w, props, "defaultGateways", pp, &gws) ||
		    get_arr(w, props, "ipPools", pp, &pools))
			goto fail;
		json_t *np = json_pack("{s:s, s:I}", "addressPrefix",
		                       prefix_fmt(&pfx, plen, buf), "vlanID",
		                       (json_int_t)vlan);
		json_t *ngw = json_array(), *npools = json_array();
		json_object_set_new(np, "defaultGateways", ngw);
		json_object_set_new(np, "ipPools", npools);
		json_array_append_new(osn, json_pack("{s:s, s:o}", "resourceId",
		                                     rid, "properties", np));
		json_array_foreach((json_t *)gws, j, x)
		{
			pi(f, sizeof(f), pp, "defaultGateways", j);
			if (!json_is_string(x) ||
			    ip_parse(json_string_value(x), &a)) {
				hl_bad(w, 400, f, "not an IP address");
				goto fail;
			}
			if (!ip_in_prefix(&a, &pfx, plen)) {
				hl_bad(w, 400, f, "%s is not in %s",
				       json_string_value(x), buf);
				goto fail;
			}
			json_array_append_new(ngw,
			                      json_string(ip_fmt(&a, rbuf)));
		}
		json_array_foreach((json_t *)pools, j, x)
		{
			char q[160], qp[160], c1[IP_ADDR_STRLEN],
			    c2[IP_ADDR_STRLEN], prb[32];
			const char *prid;
			const json_t *xp;

			pi(q, sizeof(q), pp, "ipPools", j);
			pj(qp, sizeof(qp), q, "properties");
			if (hl_keys_ok(
			        w, x, q,
			        "resourceId resourceRef etag properties") ||
			    get_str(w, x, "resourceId", q, false, &prid))
				goto fail;
			if (!prid) {
				snprintf(prb, sizeof(prb), "pool%zu", j + 1);
				prid = prb;
			}
			if (hl_find_rid(npools, prid, NULL)) {
				pj(f, sizeof(f), q, "resourceId");
				hl_bad(w, 400, f, "'%s' is given twice", prid);
				goto fail;
			}
			xp = json_object_get(x, "properties");
			if (!xp) {
				hl_bad(w, 400, qp, "missing");
				goto fail;
			}
			if (hl_keys_ok(w, xp, qp,
			               "startIpAddress endIpAddress "
			               "provisioningState") ||
			    get_ip(w, xp, "startIpAddress", qp, true, &a) < 0 ||
			    get_ip(w, xp, "endIpAddress", qp, true, &b) < 0)
				goto fail;
			pj(f, sizeof(f), qp,
			   !ip_in_prefix(&a, &pfx, plen) ? "startIpAddress"
			                                 : "endIpAddress");
			if (!ip_in_prefix(&a, &pfx, plen) ||
			    !ip_in_prefix(&b, &pfx, plen)) {
				hl_bad(w, 400, f,
				       "not in the subnet's prefix %s", buf);
				goto fail;
			}
			if (ip_cmp(&a, &b) > 0) {
				pj(f, sizeof(f), qp, "endIpAddress");
				hl_bad(w, 400, f,
				       "%s is before startIpAddress %s",
				       ip_fmt(&b, c2), ip_fmt(&a, c1));
				goto fail;
			}
			json_array_append_new(
			    npools, json_pack("{s:s, s:{s:s, s:s}}",
			                      "resourceId", prid, "properties",
			                      "startIpAddress", ip_fmt(&a, c1),
			                      "endIpAddress", ip_fmt(&b, c2)));
		}
	}
	json_object_set_new(out, "subnets", osn);
	return 0;
fail:
	json_decref(osn);
	return -1;
}

/* ------------------------------------------------------------------ */
/* macPools */

static int
get_mac(struct hlw *w, const json_t *o, const char *key, const char *path,
        bool required, struct eth_addr *m)
{
	const char *s;
	char f[160];

	if (get_str(w, o, key, path, required, &s))
		return -1;
	if (!s)
		return 0;
	pj(f, sizeof(f), path, key);
	if (eth_parse(s, m))
		return hl_bad(w, 400, f, "'%.40s' is not a MAC address", s);
	if (eth_is_multicast(m))
		return hl_bad(w, 400, f, "%s is a multicast MAC", s);
	return 1;
}

int
hl_norm_mp(struct hlw *w, const json_t *in, const json_t *old, json_t *out)
{
	struct eth_addr a, b;
	char m1[ETH_ADDR_STRLEN], m2[ETH_ADDR_STRLEN];

	(void)old;
	if (hl_keys_ok(w, in, "properties",
	               "startMacAddress endMacAddress provisioningState") ||
	    get_mac(w, in, "startMacAddress", "properties", true, &a) < 0 ||
	    get_mac(w, in, "endMacAddress", "properties", true, &b) < 0)
		return -1;
	if (mac_u64(&a) > mac_u64(&b))
		return hl_bad(w, 400, "properties.endMacAddress",
		              "%s is before startMacAddress %s",
		              eth_fmt(&b, m2), eth_fmt(&a, m1));
	json_object_set_new(out, "startMacAddress",
	                    json_string(eth_fmt(&a, m1)));
	json_object_set_new(out, "endMacAddress", json_string(eth_fmt(&b, m2)));
	return 0;
}

/* ------------------------------------------------------------------ */
/* allocation */

/* In use: by an adapter or a record (the model's index, which has what
 * this write made so far too), or given out by this write already. */
static bool
mac_used(struct hlw *w, uint64_t m)
{
	if (model_mac_used(w->md, m))
		return true;
	for (size_t i = 0; i < w->n_macs; i++)
		if (w->macs[i] == m)
			return true;
	return false;
}

static void
mac_take(struct hlw *w, uint64_t m)
{
	w->macs = xrealloc(w->macs, (w->n_macs + 1) * sizeof(*w->macs));
	w->macs[w->n_macs++] = m;
}

/* The lowest free MAC of the macPools, in order: 0, or -1 (409 naming
 * them). */
int
hl_mac_alloc(struct hlw *w, const char *field, struct eth_addr *out)
{
	const struct idvec *v = &w->md->by_kind[CK_MACPOOL];
	char names[300] = "";
	size_t n = 0;

	for (size_t i = 0; i < v->n; i++) {
		const struct cobj *p = v->objs[i];
		struct eth_addr a, b;
		if (!p)
			continue;
		const json_t *pp = hl_props(p);
		if (eth_parse(json_string_value(
		                  json_object_get(pp, "startMacAddress")),
		              &a) ||
		    eth_parse(
		        json_string_value(json_object_get(pp, "endMacAddress")),
		        &b))
			continue;
		for (uint64_t m = mac_u64(&a); m <= mac_u64(&b); m++)
			if (!mac_used(w, m)) {
				mac_take(w, m);
				u64_mac(m, out);
				return 0;
			}
		n += (size_t)snprintf(
		         names + strlen(names), sizeof(names) - strlen(names),
		         "%s/macPools/%s", n ? ", " : "", p->u.hl.rid) > 0;
	}
	if (!n)
		return hl_bad(w, 409, field,
		              "no MAC address to allocate: there is no macPool "
		              "(create one: PUT /v1/macPools/ID)");
	return hl_bad(w, 409, field,
	              "no MAC address to allocate: macPool %s exhausted (every "
	              "MAC in use)",
	              names);
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* Is VSID 'v' taken: by a virtual network's subnet (other than those of
 * 'self'), by a customer route, a record or an adapter ('adv': the
 * adapters' VSIDs, sorted)?  Each O(1) (or a bisection): allocation
 * probes one candidate after another, at 100k VM networks too. */
static bool
vsid_taken(struct hlw *w, uint32_t v, const struct cobj *self,
           const json_t *mine, const uint32_t *adv, size_t nadv)
{
	struct model *md = w->md;
	char key[32];
	struct guid g;
	size_t i;
	const json_t *sn;

	json_array_foreach((json_t *)mine, i, sn) if (
	    json_integer_value(json_object_get(
	        json_object_get(sn, "properties"), "virtualSubnetId")) ==
	    v) return true;
	if (model_vnet_of_vsid(md, v, self))
		return true;
	if (policy_vsid_rdid(md->dc, v, &g))
		return true;
	snprintf(key, sizeof(key), "v:%u", v);
	struct scope *s = model_scope(md, key, false);
	if (s && s->objs.live)
		return true;
	return bsearch(&v, adv, nadv, sizeof(*adv), cmp_u32) != NULL;
}

/* The VSIDs of every adapter, sorted: 'n' of them, to free. */
static uint32_t *
adapter_vsids(struct model *md, size_t *n)
{
	const struct idvec *ad = &md->by_kind[PK_VMA];
	uint32_t *v = xmalloc((ad->n ? ad->n : 1) * sizeof(*v));
	*n = 0;
	for (size_t k = 0; k < ad->n; k++)
		if (ad->objs[k])
			v[(*n)++] = ad->objs[k]->u.vma.vsid;
	qsort(v, *n, sizeof(*v), cmp_u32);
	return v;
}

/* ------------------------------------------------------------------ */
/* servers */

static bool
host_name_ok(const char *name)
{
	size_t len = strlen(name);
	return len && len <= 48 &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyz"
	                    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == len;
}

/* Is 'a' a PA in use: a provider address object not of host 'self', a
 * server's document (not 'self_srv'), or 'mine' so far? */
static bool
pa_used(struct hlw *w, const struct in6_addr *a, const char *self,
        const json_t *mine)
{
	struct model *md = w->md;
	const struct idvec *v = &md->by_kind[PK_PA];
	const json_t *x;
	struct in6_addr b;
	size_t i;

	for (size_t k = 0; k < v->n; k++)
		if (v->objs[k] && ip_equal(&v->objs[k]->u.pa.pa, a) &&
		    strcasecmp(v->objs[k]->host->name, self))
			return true;
	const struct idvec *sv = &md->by_kind[CK_SERVER];
	for (size_t k = 0; k < sv->n; k++) {
		const struct cobj *o = sv->objs[k];
		if (!o || !strcasecmp(o->u.hl.rid, self))
			continue;
		json_array_foreach(
		    json_object_get(hl_props(o), "providerAddresses"), i,
		    x) if (!ip_parse(json_string_value(json_object_get(x,
		                                                       "addres"
		                                                       "s")),
		                     &b) &&
		           ip_equal(&b, a)) return true;
	}
	json_array_foreach(
	    (json_t *)mine, i,
	    x) if (!ip_parse(json_string_value(json_object_get(x, "address")),
	                     &b) &&
	           ip_equal(&b, a)) return true;
	return false;
}

int
hl_norm_server(struct hlw *w, const json_t *in, const json_t *old, json_t *out)
{
	const json_t *pas, *x;
	const char *nic, *sw;
	json_t *opa = json_array();
	char p[160], f[160];
	size_t i;

	if (!host_name_ok(w->rid)) {
		hl_bad(
		    w, 400, "resourceId",
		    "a server's resourceId is its host name: 1 to 48 letters, "
		    "digits, '-', '_' or '.'");
		goto fail;
	}
	if (hl_keys_ok(w, in, "properties",
	               "providerAddresses netAdapterName switchName "
	               "provisioningState") ||
	    get_arr(w, in, "providerAddresses", "properties", &pas) ||
	    get_str(w, in, "netAdapterName", "properties", false, &nic) ||
	    get_str(w, in, "switchName", "properties", false, &sw))
		goto fail;
	if ((nic && strlen(nic) > 63) || (sw && strlen(sw) > 63)) {
		hl_bad(w, 400,
		       nic && strlen(nic) > 63 ? "properties.netAdapterName"
		                               : "properties.switchName",
		       "at most 63 characters");
		goto fail;
	}
	json_array_foreach((json_t *)pas, i, x)
	{
		const char *ref;
		struct cobj *ln;
		const json_t *sn, *sp;
		struct in6_addr a, pfx;
		int plen, got;
		char buf[IP_ADDR_STRLEN + 4];

		pi(p, sizeof(p), "properties", "providerAddresses", i);
		if (hl_keys_ok(w, x, p, "address logicalSubnet") ||
		    hl_get_ref(w, x, "logicalSubnet", p, true, &ref) ||
		    (got = get_ip(w, x, "address", p, false, &a)) < 0)
			goto fail;
		pj(f, sizeof(f), p, "logicalSubnet.resourceRef");
		sn = hl_ref_subnet(w->md, ref, CK_LN, &ln);
		if (!sn) {
			hl_bad(w, 400, f,
			       "no such logical subnet %.100s (expected "
			       "/logicalNetworks/LN/subnets/S)",
			       ref);
			goto fail;
		}
		sp = json_object_get(sn, "properties");
		prefix_parse(
		    json_string_value(json_object_get(sp, "addressPrefix")),
		    &pfx, &plen);
		prefix_fmt(&pfx, plen, buf);
		pj(f, sizeof(f), p, "address");
		if (!got && old) {
			/* the address this server had in that subnet */
			const json_t *y;
			size_t j;
			json_array_foreach(
			    json_object_get(old, "providerAddresses"), j, y)
			{
				struct in6_addr b;
				if (strcasecmp(
				        json_string_value(json_object_get(
				            json_object_get(y, "logicalSubnet"),
				            "resourceRef")),
				        ref) ||
				    ip_parse(json_string_value(
				                 json_object_get(y, "address")),
				             &b) ||
				    !ip_in_prefix(&b, &pfx, plen) ||
				    pa_used(w, &b, w->rid, opa))
					continue;
				a = b;
				got = 1;
				break;
			}
		}
		if (!got) {
			/* the lowest free address of the subnet's ipPools */
			const json_t *pools = json_object_get(sp, "ipPools"),
			             *pl;
			size_t j;
			char names[240] = "";
			json_array_foreach((json_t *)pools, j, pl)
			{
				struct in6_addr s, e;
				const json_t *pp =
				    json_object_get(pl, "properties");
				ip_parse(json_string_value(json_object_get(
				             pp, "startIpAddress")),
				         &s);
				ip_parse(json_string_value(json_object_get(
				             pp, "endIpAddress")),
				         &e);
				for (a = s; ip_cmp(&a, &e) <= 0;
				     hl_ip_inc(&a)) {
					if (!pa_used(w, &a, w->rid, opa)) {
						got = 1;
						break;
					}
					if (ip_equal(&a, &e))
						break;
				}
				if (got)
					break;
				snprintf(names + strlen(names),
				         sizeof(names) - strlen(names),
				         "%s%s/ipPools/%s", j ? ", " : "", ref,
				         hl_rid(pl));
			}
			if (!got) {
				if (!json_array_size(pools))
					hl_bad(
					    w, 409, f,
					    "logical subnet %s has no ipPools "
					    "to "
					    "allocate from: give the address",
					    ref);
				else
					hl_bad(
					    w, 409, f,
					    "no address to allocate: ipPool %s "
					    "exhausted (every address in use)",
					    names);
				goto fail;
			}
		} else if (!ip_in_prefix(&a, &pfx, plen)) {
			char c[IP_ADDR_STRLEN];
			hl_bad(w, 400, f,
			       "%s is not in the logical subnet's %s",
			       ip_fmt(&a, c), buf);
			goto fail;
		} else if (pa_used(w, &a, w->rid, opa)) {
			char c[IP_ADDR_STRLEN];
			hl_bad(w, 409, f,
			       "%s is another server's (or given twice)",
			       ip_fmt(&a, c));
			goto fail;
		}
		char c[IP_ADDR_STRLEN];
		json_array_append_new(
		    opa, json_pack("{s:s, s:{s:s}}", "address", ip_fmt(&a, c),
		                   "logicalSubnet", "resourceRef", ref));
	}
	json_object_set_new(out, "providerAddresses", opa);
	json_object_set_new(out, "netAdapterName",
	                    json_string(nic ? nic : "Ethernet"));
	json_object_set_new(out, "switchName",
	                    json_string(sw ? sw : "HNVSwitch"));
	return 0;
fail:
	json_decref(opa);
	return -1;
}

/* ------------------------------------------------------------------ */
/* virtualNetworks */

int
hl_norm_vnet(struct hlw *w, const json_t *in, const json_t *old, json_t *out)
{
	struct model *md = w->md;
	const json_t *space = json_object_get(in, "addressSpace"), *aps = NULL,
	             *subnets, *sn, *x;
	const char *rd;
	json_t *oaps = json_array(), *osn = json_array();
	struct guid g;
	char p[160], pp[160], f[160], gb[GUID_STRLEN];
	size_t i, j;
	const struct cobj *self = model_hl(md, CK_VNET, w->rid);

	if (hl_keys_ok(w, in, "properties",
	               "addressSpace routingDomainId subnets "
	               "provisioningState") ||
	    get_str(w, in, "routingDomainId", "properties", false, &rd) ||
	    get_arr(w, in, "subnets", "properties", &subnets))
		goto fail;
	if (space && !json_is_null(space)) {
		if (hl_keys_ok(w, space, "properties.addressSpace",
		               "addressPrefixes") ||
		    get_arr(w, space, "addressPrefixes",
		            "properties.addressSpace", &aps))
			goto fail;
		json_array_foreach((json_t *)aps, i, x)
		{
			struct in6_addr a;
			int l;
			char buf[IP_ADDR_STRLEN + 4];
			pi(f, sizeof(f), "properties.addressSpace",
			   "addressPrefixes", i);
			if (!json_is_string(x) ||
			    prefix_parse(json_string_value(x), &a, &l)) {
				hl_bad(w, 400, f,
				       "not a prefix (ADDRESS/LENGTH without "
				       "host bits)");
				goto fail;
			}
			json_array_append_new(
			    oaps, json_string(prefix_fmt(&a, l, buf)));
		}
	}
	if (rd) {
		if (guid_parse(rd, &g)) {
			hl_bad(w, 400, "properties.routingDomainId",
			       "'%.60s' is not a GUID", rd);
			goto fail;
		}
	} else if (!old || guid_parse(json_string_value(json_object_get(
	                                  old, "routingDomainId")),
	                              &g)) {
		hl_rand_guid(&g);
	}
	json_array_foreach((json_t *)subnets, i, sn)
	{
		const char *rid;
		const json_t *props;
		struct in6_addr pfx;
		int plen, got;
		long long vsid = 0;
		char rbuf[32], buf[IP_ADDR_STRLEN + 4];

		pi(p, sizeof(p), "properties", "subnets", i);
		pj(pp, sizeof(pp), p, "properties");
		if (hl_keys_ok(w, sn, p,
		               "resourceId resourceRef etag properties") ||
		    get_str(w, sn, "resourceId", p, false, &rid))
			goto fail;
		if (!rid) {
			snprintf(rbuf, sizeof(rbuf), "subnet%zu", i + 1);
			rid = rbuf;
		}
		if (strlen(rid) > 63 || strchr(rid, '/')) {
			pj(f, sizeof(f), p, "resourceId");
			hl_bad(w, 400, f, "at most 63 characters, no '/'");
			goto fail;
		}
		if (hl_find_rid(osn, rid, NULL)) {
			pj(f, sizeof(f), p, "resourceId");
			hl_bad(w, 400, f, "'%s' is given twice", rid);
			goto fail;
		}
		props = json_object_get(sn, "properties");
		if (!props) {
			hl_bad(w, 400, pp, "missing");
			goto fail;
		}
		if (hl_keys_ok(w, props, pp,
		               "addressPrefix virtualSubnetId "
		               "ipConfigurations provisioningState") ||
		    get_prefix(w, props, "addressPrefix", pp, &pfx, &plen) ||
		    (got = get_num(w, props, "virtualSubnetId", pp, 4096,
		                   16777214, &vsid)) < 0)
			goto fail;
		pj(f, sizeof(f), pp, "addressPrefix");
		prefix_fmt(&pfx, plen, buf);
		if (json_array_size(oaps)) {
			bool inside = false;
			json_array_foreach(oaps, j, x)
			{
				struct in6_addr a;
				int l;
				prefix_parse(json_string_value(x), &a, &l);
				inside |= ip_is_v4(&a) == ip_is_v4(&pfx) &&
				          l <= plen &&
				          ip_in_prefix(&pfx, &a, l);
			}
			if (!inside) {
				hl_bad(w, 400, f,
				       "%s is not inside the addressSpace's "
				       "addressPrefixes",
				       buf);
				goto fail;
			}
		}
		json_array_foreach(osn, j, x)
		{
			struct in6_addr a;
			int l;
			const json_t *xp = json_object_get(x, "properties");
			prefix_parse(json_string_value(
			                 json_object_get(xp, "addressPrefix")),
			             &a, &l);
			if (ip_is_v4(&a) != ip_is_v4(&pfx)) {
				hl_bad(
				    w, 400, f,
				    "%s: a virtual network's subnets are all "
				    "IPv4 or all IPv6 (subnets[%zu] is not)",
				    buf, j);
				goto fail;
			}
			if (ip_in_prefix(&a, &pfx, plen) ||
			    ip_in_prefix(&pfx, &a, l)) {
				hl_bad(w, 400, f, "%s overlaps subnets[%zu]",
				       buf, j);
				goto fail;
			}
		}
		pj(f, sizeof(f), pp, "virtualSubnetId");
		if (!got && old) {
			/* the VSID this subnet had, unless given to another
			 * subnet of this write */
			const json_t *os = hl_find_rid(
			    json_object_get(old, "subnets"), rid, NULL);
			vsid = json_integer_value(
			    json_object_get(json_object_get(os, "properties"),
			                    "virtualSubnetId"));
			got = vsid != 0;
			json_array_foreach(osn, j, x) got &=
			    json_integer_value(json_object_get(
			        json_object_get(x, "properties"),
			        "virtualSubnetId")) != vsid;
		}
		if (!got) {
			uint32_t v;
			size_t nadv;
			uint32_t *adv = adapter_vsids(md, &nadv);
			for (v = md->vsid_lo; v <= md->vsid_hi; v++)
				if (!vsid_taken(w, v, self, osn, adv, nadv))
					break;
			free(adv);
			if (v > md->vsid_hi) {
				hl_bad(w, 409, f,
				       "no VSID to allocate: --vsid-range "
				       "%u-%u exhausted (every VSID in use)",
				       md->vsid_lo, md->vsid_hi);
				goto fail;
			}
			vsid = v;
		} else {
			/* another virtual network's subnet? */
			const struct cobj *o =
			    vsid > 0 && vsid <= UINT32_MAX
			        ? model_vnet_of_vsid(md, (uint32_t)vsid, self)
			        : NULL;
			if (o) {
				json_array_foreach(json_object_get(hl_props(o), "subnets"), j, x) if (
				    json_integer_value(json_object_get(
				        json_object_get(x, "properties"),
				        "virtualSubnetId")) == vsid)
				{
					hl_bad(w, 409, f,
					       "VSID %lld is used by "
					       "/virtualNetworks/%s/subnets/%s",
					       vsid, o->u.hl.rid, hl_rid(x));
					goto fail;
				}
			}
			json_array_foreach(osn, j, x) if (
			    json_integer_value(json_object_get(
			        json_object_get(x, "properties"),
			        "virtualSubnetId")) == vsid)
			{
				hl_bad(w, 400, f, "VSID %lld is given twice",
				       vsid);
				goto fail;
			}
		}
		json_array_append_new(
		    osn, json_pack("{s:s, s:{s:s, s:I}}", "resourceId", rid,
		                   "properties", "addressPrefix", buf,
		                   "virtualSubnetId", (json_int_t)vsid));
	}
	json_object_set_new(out, "addressSpace",
	                    json_pack("{s:o}", "addressPrefixes", oaps));
	json_object_set_new(out, "routingDomainId",
	                    json_string(guid_fmt(&g, gb)));
	json_object_set_new(out, "subnets", osn);
	return 0;
fail:
	json_decref(oaps);
	json_decref(osn);
	return -1;
}

/* ------------------------------------------------------------------ */
/* networkInterfaces */

/* The CAs in use in the routing domain of 'vn' (every VSID of it). */
static struct in6_addr *
cas_used(struct hlw *w, const struct cobj *vn, size_t *n)
{
	struct in6_addr *v = NULL;
	const json_t *sn;
	size_t i;

	*n = 0;
	json_array_foreach(json_object_get(hl_props(vn), "subnets"), i, sn)
	{
		char key[32];
		snprintf(
		    key, sizeof(key), "v:%lld",
		    (long long)json_integer_value(json_object_get(
		        json_object_get(sn, "properties"), "virtualSubnetId")));
		struct scope *s = model_scope(w->md, key, false);
		for (size_t k = 0; s && k < s->objs.n; k++) {
			const struct cobj *o = s->objs.objs[k];
			if (!o || o->kind != PK_LR)
				continue;
			v = xrealloc(v, (*n + 1) * sizeof(*v));
			v[(*n)++] = o->u.lr.ca;
		}
	}
	if (*n)
		qsort(v, *n, sizeof(*v), cmp_ip);
	return v;
}

int
hl_norm_nic(struct hlw *w, const json_t *in, const json_t *old, json_t *out)
{
	struct model *md = w->md;
	const char *sref, *vm, *an;
	const json_t *ipcs, *x;
	json_t *oipc = json_array();
	struct eth_addr mac;
	char p[160], pp[160], f[160], m[ETH_ADDR_STRLEN];
	size_t i;
	int got;

	if (hl_keys_ok(w, in, "properties",
	               "server vmName adapterName privateMacAddress "
	               "ipConfigurations provisioningState") ||
	    hl_get_ref(w, in, "server", "properties", true, &sref) ||
	    get_str(w, in, "vmName", "properties", false, &vm) ||
	    get_str(w, in, "adapterName", "properties", false, &an) ||
	    (got = get_mac(w, in, "privateMacAddress", "properties", false,
	                   &mac)) < 0 ||
	    get_arr(w, in, "ipConfigurations", "properties", &ipcs))
		goto fail;
	if (!hl_ref_res(md, sref, CK_SERVER)) {
		hl_bad(w, 400, "properties.server.resourceRef",
		       "no such server %.100s (expected /servers/NAME)", sref);
		goto fail;
	}
	if (!vm)
		vm = w->rid;
	if (strlen(vm) > 63) {
		hl_bad(w, 400,
		       vm == w->rid ? "resourceId" : "properties.vmName",
		       "a VM name has at most 63 characters");
		goto fail;
	}
	if (an && strlen(an) > 63) {
		hl_bad(w, 400, "properties.adapterName",
		       "at most 63 characters");
		goto fail;
	}
	if (json_array_size(ipcs) > 1) {
		hl_bad(w, 400, "properties.ipConfigurations",
		       "at most one: a MAC has one CA in a routing domain");
		goto fail;
	}
	json_array_foreach((json_t *)ipcs, i, x)
	{
		const char *rid, *ref;
		const json_t *props, *sn, *sp;
		struct cobj *vn;
		struct in6_addr a, pfx, last, gw;
		int plen, have;
		char rbuf[32], buf[IP_ADDR_STRLEN + 4], c[IP_ADDR_STRLEN];

		pi(p, sizeof(p), "properties", "ipConfigurations", i);
		pj(pp, sizeof(pp), p, "properties");
		if (hl_keys_ok(w, x, p,
		               "resourceId resourceRef etag properties") ||
		    get_str(w, x, "resourceId", p, false, &rid))
			goto fail;
		if (!rid) {
			snprintf(rbuf, sizeof(rbuf), "ipconfig%zu", i + 1);
			rid = rbuf;
		}
		props = json_object_get(x, "properties");
		if (!props) {
			hl_bad(w, 400, pp, "missing");
			goto fail;
		}
		if (hl_keys_ok(w, props, pp,
		               "privateIPAddress privateIPAllocationMethod "
		               "subnet provisioningState") ||
		    hl_get_ref(w, props, "subnet", pp, true, &ref) ||
		    (have = get_ip(w, props, "privateIPAddress", pp, false,
		                   &a)) < 0)
			goto fail;
		pj(f, sizeof(f), pp, "subnet.resourceRef");
		sn = hl_ref_subnet(md, ref, CK_VNET, &vn);
		if (!sn) {
			hl_bad(w, 400, f,
			       "no such subnet %.100s (expected "
			       "/virtualNetworks/VN/subnets/S)",
			       ref);
			goto fail;
		}
		sp = json_object_get(sn, "properties");
		prefix_parse(
		    json_string_value(json_object_get(sp, "addressPrefix")),
		    &pfx, &plen);
		prefix_fmt(&pfx, plen, buf);
		ip_last(&pfx, plen, &last);
		gw = pfx;
		hl_ip_inc(&gw);
		pj(f, sizeof(f), pp, "privateIPAddress");
		if (!have && old) {
			const json_t *oi = hl_find_rid(
			    json_object_get(old, "ipConfigurations"), rid,
			    NULL);
			const json_t *op = json_object_get(oi, "properties");
			const char *oref = json_string_value(json_object_get(
			    json_object_get(op, "subnet"), "resourceRef"));
			if (oref && !strcasecmp(oref, ref) &&
			    !ip_parse(json_string_value(json_object_get(
			                  op, "privateIPAddress")),
			              &a) &&
			    ip_in_prefix(&a, &pfx, plen))
				have = 1;
		}
		if (have) {
			if (!ip_in_prefix(&a, &pfx, plen)) {
				hl_bad(w, 400, f,
				       "%s is not in the subnet's %s",
				       ip_fmt(&a, c), buf);
				goto fail;
			}
			if (ip_cmp(&a, &gw) <= 0 ||
			    (ip_is_v4(&a) && ip_equal(&a, &last))) {
				hl_bad(w, 400, f,
				       "%s is the subnet's network address, "
				       "default gateway (.1) or broadcast",
				       ip_fmt(&a, c));
				goto fail;
			}
		} else {
			/* the lowest free address after the .1 */
			if (hl_ca_alloc(w, vn, &pfx, plen, f, ref, &a))
				goto fail;
		}
		json_t *np =
		    json_pack("{s:s, s:{s:s}}", "privateIPAddress",
		              ip_fmt(&a, c), "subnet", "resourceRef", ref);
		const json_t *am =
		    json_object_get(props, "privateIPAllocationMethod");
		if (json_is_string(am))
			json_object_set(np, "privateIPAllocationMethod",
			                (json_t *)am);
		json_array_append_new(oipc,
		                      json_pack("{s:s, s:o}", "resourceId", rid,
		                                "properties", np));
	}
	if (!got && old &&
	    !eth_parse(
	        json_string_value(json_object_get(old, "privateMacAddress")),
	        &mac))
		got = 1;
	if (!got && hl_mac_alloc(w, "properties.privateMacAddress", &mac))
		goto fail;
	json_object_set_new(out, "server",
	                    json_pack("{s:s}", "resourceRef", sref));
	json_object_set_new(out, "vmName", json_string(vm));
	json_object_set_new(out, "adapterName", json_string(an ? an : "eth0"));
	json_object_set_new(out, "privateMacAddress",
	                    json_string(eth_fmt(&mac, m)));
	json_object_set_new(out, "ipConfigurations", oipc);
	return 0;
fail:
	json_decref(oipc);
	return -1;
}

/* ------------------------------------------------------------------ */
/* what ctrl/hl-gw.c shares */

int
hl_ca_alloc(struct hlw *w, const struct cobj *vn, const struct in6_addr *pfx,
            int plen, const char *field, const char *ref, struct in6_addr *out)
{
	size_t n;
	struct in6_addr *used = cas_used(w, vn, &n), a = *pfx, last;
	unsigned tries = 0;
	char buf[IP_ADDR_STRLEN + 4];

	ip_last(pfx, plen, &last);
	hl_ip_inc(&a); /* the .1 */
	for (hl_ip_inc(&a);
	     ip_cmp(&a, &last) < 0 || (!ip_is_v4(&a) && ip_equal(&a, &last));
	     hl_ip_inc(&a)) {
		if (!n || !bsearch(&a, used, n, sizeof(a), cmp_ip)) {
			free(used);
			*out = a;
			return 0;
		}
		if (ip_equal(&a, &last) || ++tries > HL_V6_TRIES)
			break;
	}
	free(used);
	return hl_bad(w, 409, field,
	              "no address to allocate: subnet %s (%s) exhausted "
	              "(every address in use)",
	              ref, prefix_fmt(pfx, plen, buf));
}

bool
hl_ca_reserved(const struct in6_addr *a, const struct in6_addr *pfx, int plen)
{
	struct in6_addr gw = *pfx, last;

	hl_ip_inc(&gw);
	ip_last(pfx, plen, &last);
	return ip_cmp(a, &gw) <= 0 || (ip_is_v4(a) && ip_equal(a, &last));
}

void
hl_pj(char *buf, size_t len, const char *path, const char *key)
{
	pj(buf, len, path, key);
}

void
hl_pi(char *buf, size_t len, const char *path, const char *key, size_t i)
{
	pi(buf, len, path, key, i);
}

int
hl_get_str(struct hlw *w, const json_t *o, const char *key, const char *path,
           bool required, const char **out)
{
	return get_str(w, o, key, path, required, out);
}

int
hl_get_num(struct hlw *w, const json_t *o, const char *key, const char *path,
           long long lo, long long hi, long long *out)
{
	return get_num(w, o, key, path, lo, hi, out);
}

int
hl_get_arr(struct hlw *w, const json_t *o, const char *key, const char *path,
           const json_t **out)
{
	return get_arr(w, o, key, path, out);
}

int
hl_get_ip(struct hlw *w, const json_t *o, const char *key, const char *path,
          bool required, struct in6_addr *a)
{
	return get_ip(w, o, key, path, required, a);
}

int
hl_get_prefix(struct hlw *w, const json_t *o, const char *key, const char *path,
              struct in6_addr *pfx, int *plen)
{
	return get_prefix(w, o, key, path, pfx, plen);
}

int
hl_get_mac(struct hlw *w, const json_t *o, const char *key, const char *path,
           bool required, struct eth_addr *m)
{
	return get_mac(w, o, key, path, required, m);
}
