/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config: the controller's answer to GET /v1/gateways/ID/config
 * (doc/gateway.md, "What the gateway daemon reads") into struct
 * gw_config.  Everything is checked again here: what the daemon renders
 * into nftables and strongSwan comes only from values that parsed, so a
 * broken or hostile reply is refused whole with the field it tripped on,
 * and the compartments keep what they had.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw/gw.h"
#include "lib/hash.h"
#include "lib/util.h"

struct pctx {
	char *err;
	size_t len;
};

static int PRINTF_FMT(2, 3) bad(struct pctx *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->err, p->len, fmt, ap);
	va_end(ap);
	return -1;
}

/* A JSON path into buf (vsnprintf: a longer one is cut, harmlessly). */
static void PRINTF_FMT(3, 4)
    subpath(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

static const char *
str_of(struct pctx *p, const json_t *o, const char *key, const char *path,
       bool required)
{
	const json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v)) {
		if (required)
			bad(p, "config: field '%s.%s' is missing", path, key);
		return NULL;
	}
	if (!json_is_string(v)) {
		bad(p, "config: field '%s.%s' is not a string", path, key);
		return NULL;
	}
	return json_string_value(v);
}

static int
ip_of(struct pctx *p, const json_t *o, const char *key, const char *path,
      bool required, struct in6_addr *out, bool *present)
{
	const char *s = str_of(p, o, key, path, required);
	if (present)
		*present = s != NULL;
	if (!s)
		return required ? -1 : 0;
	if (ip_parse(s, out))
		return bad(p,
		           "config: field '%s.%s': '%.64s' is not an IP "
		           "address",
		           path, key, s);
	return 0;
}

static int
prefix_of_str(struct pctx *p, const char *s, const char *path,
              struct gw_prefix *out)
{
	if (!s || prefix_parse(s, &out->addr, &out->plen))
		return bad(p, "config: field '%s': '%.64s' is not a prefix",
		           path, s ? s : "");
	return 0;
}

static int
int_of(struct pctx *p, const json_t *o, const char *key, const char *path,
       long long lo, long long hi, long long dflt, long long *out)
{
	const json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v)) {
		*out = dflt;
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < lo ||
	    json_integer_value(v) > hi)
		return bad(p,
		           "config: field '%s.%s' is not an integer in "
		           "%lld..%lld",
		           path, key, lo, hi);
	*out = json_integer_value(v);
	return 0;
}

/* A resourceId: letters, digits, '-', '_', '.'; it names nftables
 * comments and files. */
static int
id_of(struct pctx *p, const json_t *o, const char *path, char *out)
{
	const char *s = str_of(p, o, "resourceId", path, true);
	if (!s)
		return -1;
	size_t n = strlen(s);
	if (!n || n >= GW_ID_MAX)
		return bad(p,
		           "config: field '%s.resourceId' must have 1..%d "
		           "characters",
		           path, GW_ID_MAX - 1);
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("-_.", s[i]))
			return bad(p,
			           "config: field '%s.resourceId': '%.64s' "
			           "has a character other than letters, "
			           "digits, '-', '_', '.'",
			           path, s);
	memcpy(out, s, n + 1);
	return 0;
}

static int
prefixes_of(struct pctx *p, const json_t *arr, const char *path,
            struct gw_prefix **out, size_t *n)
{
	const json_t *x;
	size_t i;
	char sub[224];

	if (arr && !json_is_array(arr))
		return bad(p, "config: field '%s' is not an array", path);
	*n = 0;
	*out = NULL;
	if (!arr || !json_array_size(arr))
		return 0;
	*out = xcalloc(json_array_size(arr), sizeof(**out));
	json_array_foreach(arr, i, x)
	{
		subpath(sub, sizeof(sub), "%s[%zu]", path, i);
		if (prefix_of_str(p, json_string_value(x), sub, &(*out)[i]))
			return -1;
		(*n)++;
	}
	return 0;
}

static int
probe_of(struct pctx *p, const json_t *o, const char *path, uint16_t bport,
         struct gw_probe_cfg *pr)
{
	long long v;
	const char *s;

	pr->http = false;
	pr->port = bport;
	snprintf(pr->path, sizeof(pr->path), "/");
	pr->interval_ms = 1000;
	pr->timeout_ms = 800;
	pr->unhealthy = 2;
	pr->healthy = 2;
	if (!o || json_is_null(o))
		return 0;
	if (!json_is_object(o))
		return bad(p, "config: field '%s' is not an object", path);
	s = str_of(p, o, "protocol", path, false);
	if (s && !strcasecmp(s, "http"))
		pr->http = true;
	else if (s && strcasecmp(s, "tcp"))
		return bad(p,
		           "config: field '%s.protocol': '%.32s' is not tcp "
		           "or http",
		           path, s);
	if (int_of(p, o, "port", path, 1, 65535, bport, &v))
		return -1;
	pr->port = (uint16_t)v;
	s = str_of(p, o, "path", path, false);
	if (s) {
		if (s[0] != '/' || strlen(s) >= sizeof(pr->path))
			return bad(p,
			           "config: field '%s.path' must start with "
			           "'/' and be shorter than %zu",
			           path, sizeof(pr->path));
		for (const char *c = s; *c; c++)
			if ((unsigned char)*c <= ' ' || *c == 0x7f)
				return bad(p,
				           "config: field '%s.path' has a "
				           "space or control character",
				           path);
		snprintf(pr->path, sizeof(pr->path), "%s", s);
	}
	if (int_of(p, o, "intervalMs", path, 100, 60000, 1000, &v))
		return -1;
	pr->interval_ms = (int)v;
	if (int_of(p, o, "timeoutMs", path, 50, 60000, 800, &v))
		return -1;
	pr->timeout_ms = (int)v;
	if (int_of(p, o, "unhealthyThreshold", path, 1, 100, 2, &v))
		return -1;
	pr->unhealthy = (int)v;
	if (int_of(p, o, "healthyThreshold", path, 1, 100, 2, &v))
		return -1;
	pr->healthy = (int)v;
	return 0;
}

static int
lb_of(struct pctx *p, const json_t *o, const char *path, bool v4,
      struct gw_lb *lb)
{
	long long v;
	const char *s;
	const json_t *arr, *x;
	size_t i;
	char sub[224];

	if (!json_is_object(o))
		return bad(p, "config: field '%s' is not an object", path);
	if (id_of(p, o, path, lb->id) ||
	    ip_of(p, o, "frontendAddress", path, true, &lb->frontend, NULL))
		return -1;
	if (ip_is_v4(&lb->frontend) != v4)
		return bad(p,
		           "config: field '%s.frontendAddress' is not of the "
		           "external network's address family",
		           path);
	s = str_of(p, o, "protocol", path, true);
	if (!s)
		return -1;
	if (!strcasecmp(s, "udp"))
		lb->udp = true;
	else if (strcasecmp(s, "tcp"))
		return bad(p,
		           "config: field '%s.protocol': '%.32s' is not tcp "
		           "or udp",
		           path, s);
	if (!json_object_get(o, "frontendPort"))
		return bad(p, "config: field '%s.frontendPort' is missing",
		           path);
	if (int_of(p, o, "frontendPort", path, 1, 65535, 0, &v))
		return -1;
	lb->fport = (uint16_t)v;
	if (int_of(p, o, "backendPort", path, 1, 65535, lb->fport, &v))
		return -1;
	lb->bport = (uint16_t)v;
	arr = json_object_get(o, "backendAddresses");
	if (!json_is_array(arr) || !json_array_size(arr))
		return bad(p,
		           "config: field '%s.backendAddresses' must be a "
		           "non-empty array",
		           path);
	if (json_array_size(arr) > 1024)
		return bad(p,
		           "config: field '%s.backendAddresses' has more "
		           "than 1024 addresses",
		           path);
	lb->backends = xcalloc(json_array_size(arr), sizeof(*lb->backends));
	json_array_foreach(arr, i, x)
	{
		const char *a = json_string_value(x);
		if (!a || ip_parse(a, &lb->backends[i]))
			return bad(p,
			           "config: field '%s.backendAddresses[%zu]' "
			           "is not an IP address",
			           path, i);
		lb->n_backends++;
	}
	subpath(sub, sizeof(sub), "%s.probe", path);
	return probe_of(p, json_object_get(o, "probe"), sub, lb->bport,
	                &lb->probe);
}

static int
comp_of(struct pctx *p, const json_t *o, const char *path, bool v4,
        struct gw_comp *cp)
{
	const char *s;
	long long v;
	const json_t *arr, *x, *vpn;
	size_t i;
	char sub[224];

	if (!json_is_object(o))
		return bad(p, "config: field '%s' is not an object", path);
	if (id_of(p, o, path, cp->id))
		return -1;
	s = str_of(p, o, "role", path, true);
	if (!s)
		return -1;
	if (!strcmp(s, "active"))
		cp->active = true;
	else if (strcmp(s, "standby"))
		return bad(p,
		           "config: field '%s.role': '%.32s' is not active "
		           "or standby",
		           path, s);
	s = str_of(p, o, "vmName", path, true);
	if (!s)
		return -1;
	if (!*s || strlen(s) >= 48 || strchr(s, '/') || !strcmp(s, ".") ||
	    !strcmp(s, ".."))
		return bad(p,
		           "config: field '%s.vmName': '%.64s' cannot name "
		           "a network namespace",
		           path, s);
	snprintf(cp->vm, sizeof(cp->vm), "%s", s);
	s = str_of(p, o, "adapterName", path, false);
	snprintf(cp->adapter, sizeof(cp->adapter), "%s", s ? s : GW_IFNAME);
	if (!*cp->adapter || (s && strlen(s) >= sizeof(cp->adapter)) ||
	    strchr(cp->adapter, '/') || strchr(cp->adapter, ' '))
		return bad(p,
		           "config: field '%s.adapterName' is not an "
		           "interface name",
		           path);
	s = str_of(p, o, "macAddress", path, true);
	if (!s || eth_parse(s, &cp->mac))
		return s ? bad(p, "config: field '%s.macAddress' is not a MAC",
		               path)
		         : -1;
	s = str_of(p, o, "externalMacAddress", path, true);
	if (!s || eth_parse(s, &cp->ext_mac) || eth_is_multicast(&cp->ext_mac))
		return s ? bad(p,
		               "config: field '%s.externalMacAddress' is "
		               "not a unicast MAC",
		               path)
		         : -1;
	if (int_of(p, o, "virtualSubnetId", path, 4096, 16777214, 0, &v))
		return -1;
	cp->vsid = (uint32_t)v;
	s = str_of(p, o, "routingDomainId", path, false);
	snprintf(cp->rdid, sizeof(cp->rdid), "%s", s ? s : "");
	if (ip_of(p, o, "gatewayAddress", path, true, &cp->gw_addr, NULL) ||
	    ip_of(p, o, "subnetGateway", path, true, &cp->subnet_gw, NULL))
		return -1;
	subpath(sub, sizeof(sub), "%s.gatewaySubnet", path);
	if (prefix_of_str(p, str_of(p, o, "gatewaySubnet", path, true), sub,
	                  &cp->gw_subnet))
		return -1;
	if (!ip_in_prefix(&cp->gw_addr, &cp->gw_subnet.addr,
	                  cp->gw_subnet.plen) ||
	    !ip_in_prefix(&cp->subnet_gw, &cp->gw_subnet.addr,
	                  cp->gw_subnet.plen))
		return bad(p,
		           "config: field '%s.gatewayAddress': it and "
		           "subnetGateway must be in gatewaySubnet",
		           path);
	subpath(sub, sizeof(sub), "%s.addressPrefixes", path);
	if (prefixes_of(p, json_object_get(o, "addressPrefixes"), sub,
	                &cp->prefixes, &cp->n_prefixes))
		return -1;
	if (!cp->n_prefixes)
		return bad(p, "config: field '%s.addressPrefixes' is empty",
		           path);
	s = str_of(p, o, "mode", path, false);
	if (s && !strcmp(s, "forwarding"))
		cp->forwarding = true;
	else if (s && strcmp(s, "nat"))
		return bad(p,
		           "config: field '%s.mode': '%.32s' is not nat or "
		           "forwarding",
		           path, s);
	if (ip_of(p, o, "externalAddress", path, true, &cp->ext_addr, NULL))
		return -1;
	if (ip_is_v4(&cp->ext_addr) != v4)
		return bad(p,
		           "config: field '%s.externalAddress' is not of "
		           "the external network's address family",
		           path);

	arr = json_object_get(o, "natRules");
	if (arr && !json_is_array(arr))
		return bad(p, "config: field '%s.natRules' is not an array",
		           path);
	if (arr && json_array_size(arr)) {
		cp->nat1 = xcalloc(json_array_size(arr), sizeof(*cp->nat1));
		json_array_foreach(arr, i, x)
		{
			struct gw_nat1 *n = &cp->nat1[i];
			subpath(sub, sizeof(sub), "%s.natRules[%zu]", path, i);
			if (!json_is_object(x))
				return bad(p,
				           "config: field '%s' is not an "
				           "object",
				           sub);
			if (id_of(p, x, sub, n->id) ||
			    ip_of(p, x, "externalAddress", sub, true, &n->ext,
			          NULL) ||
			    ip_of(p, x, "internalAddress", sub, true, &n->in,
			          NULL))
				return -1;
			if (ip_is_v4(&n->ext) != v4 ||
			    ip_is_v4(&n->in) != ip_is_v4(&cp->gw_addr))
				return bad(p,
				           "config: field '%s': an address "
				           "of the wrong family",
				           sub);
			cp->n_nat1++;
		}
	}
	arr = json_object_get(o, "loadBalancers");
	if (arr && !json_is_array(arr))
		return bad(p,
		           "config: field '%s.loadBalancers' is not an "
		           "array",
		           path);
	if (arr && json_array_size(arr)) {
		cp->lbs = xcalloc(json_array_size(arr), sizeof(*cp->lbs));
		json_array_foreach(arr, i, x)
		{
			subpath(sub, sizeof(sub), "%s.loadBalancers[%zu]", path,
			        i);
			cp->n_lbs++;
			if (lb_of(p, x, sub, v4, &cp->lbs[i]))
				return -1;
		}
	}
	vpn = json_object_get(o, "vpn");
	if (vpn && !json_is_object(vpn) && !json_is_null(vpn))
		return bad(p, "config: field '%s.vpn' is not an object", path);
	if (vpn && json_is_object(vpn) && json_object_size(vpn)) {
		const json_t *s2s = json_object_get(vpn, "siteToSite");
		const json_t *p2s = json_object_get(vpn, "pointToSite");
		size_t cap = 1;
		if (s2s && !json_is_array(s2s))
			return bad(p,
			           "config: field '%s.vpn.siteToSite' is "
			           "not an array",
			           path);
		json_array_foreach(s2s, i, x) cap +=
		    json_array_size(json_object_get(x, "remotePrefixes"));
		cp->vpn_prefixes = xcalloc(cap, sizeof(*cp->vpn_prefixes));
		json_array_foreach(s2s, i, x)
		{
			const json_t *rp = json_object_get(x, "remotePrefixes");
			const json_t *y;
			size_t k;
			if (rp && !json_is_array(rp))
				return bad(p,
				           "config: field "
				           "'%s.vpn.siteToSite[%zu]."
				           "remotePrefixes' is not an array",
				           path, i);
			json_array_foreach(rp, k, y)
			{
				subpath(sub, sizeof(sub),
				        "%s.vpn.siteToSite[%zu]."
				        "remotePrefixes[%zu]",
				        path, i, k);
				if (prefix_of_str(
				        p, json_string_value(y), sub,
				        &cp->vpn_prefixes[cp->n_vpn_prefixes]))
					return -1;
				cp->n_vpn_prefixes++;
			}
		}
		if (p2s && json_is_object(p2s)) {
			subpath(sub, sizeof(sub),
			        "%s.vpn.pointToSite.addressPool", path);
			if (prefix_of_str(
			        p,
			        json_string_value(
			            json_object_get(p2s, "addressPool")),
			        sub, &cp->vpn_prefixes[cp->n_vpn_prefixes]))
				return -1;
			cp->n_vpn_prefixes++;
		}
		cp->vpn = json_deep_copy(vpn);
	}
	return 0;
}

int
gw_config_parse(const json_t *j, struct gw_config *c, char *err, size_t errlen)
{
	struct pctx p = {err, errlen};
	const json_t *g, *arr, *x;
	const char *s;
	size_t i;
	char sub[64];
	bool v4;

	memset(c, 0, sizeof(*c));
	if (!json_is_object(j))
		return bad(&p, "config: not a JSON object");
	x = json_object_get(j, "revision");
	if (!json_is_integer(x) || json_integer_value(x) < 0)
		return bad(&p, "config: field 'revision' is not a revision");
	c->revision = (uint64_t)json_integer_value(x);
	g = json_object_get(j, "gateway");
	if (!json_is_object(g))
		return bad(&p, "config: field 'gateway' is not an object");
	if (id_of(&p, g, "gateway", c->id))
		return -1;
	s = str_of(&p, g, "server", "gateway", false);
	snprintf(c->server, sizeof(c->server), "%s", s ? s : "");
	s = str_of(&p, g, "externalInterface", "gateway", false);
	if (s && (!*s || strlen(s) >= sizeof(c->ext_if) || strchr(s, '/')))
		return bad(&p,
		           "config: field 'gateway.externalInterface': "
		           "'%.32s' is not an interface name",
		           s);
	snprintf(c->ext_if, sizeof(c->ext_if), "%s", s ? s : "Ethernet2");
	if (prefix_of_str(&p, str_of(&p, g, "externalPrefix", "gateway", true),
	                  "gateway.externalPrefix", &c->ext_prefix))
		return -1;
	v4 = ip_is_v4(&c->ext_prefix.addr);
	if (ip_of(&p, g, "externalGateway", "gateway", false, &c->ext_gw,
	          &c->has_ext_gw))
		return -1;
	arr = json_object_get(j, "compartments");
	if (arr && !json_is_array(arr))
		return bad(&p, "config: field 'compartments' is not an array");
	if (!arr || !json_array_size(arr))
		return 0;
	c->comps = xcalloc(json_array_size(arr), sizeof(*c->comps));
	json_array_foreach(arr, i, x)
	{
		subpath(sub, sizeof(sub), "compartments[%zu]", i);
		c->n_comps++;
		if (comp_of(&p, x, sub, v4, &c->comps[i]))
			goto fail;
		for (size_t k = 0; k < i; k++)
			if (!strcasecmp(c->comps[k].id, c->comps[i].id) ||
			    !strcasecmp(c->comps[k].vm, c->comps[i].vm)) {
				bad(&p,
				    "config: field '%s': the resourceId or "
				    "vmName of compartments[%zu] again",
				    sub, k);
				goto fail;
			}
	}
	return 0;
fail:
	gw_config_free(c);
	return -1;
}

void
gw_config_free(struct gw_config *c)
{
	for (size_t i = 0; i < c->n_comps; i++) {
		struct gw_comp *cp = &c->comps[i];
		for (size_t k = 0; k < cp->n_lbs; k++)
			free(cp->lbs[k].backends);
		free(cp->lbs);
		free(cp->nat1);
		free(cp->prefixes);
		free(cp->vpn_prefixes);
		json_decref(cp->vpn);
	}
	free(c->comps);
	memset(c, 0, sizeof(*c));
}

const struct gw_comp *
gw_config_find(const struct gw_config *c, const char *id)
{
	for (size_t i = 0; i < c->n_comps; i++)
		if (!strcmp(c->comps[i].id, id))
			return &c->comps[i];
	return NULL;
}

void
gw_netns_name(const char *prefix, const char *vm, char *buf, size_t len)
{
	size_t i;

	snprintf(buf, len, "%s%s", prefix, vm);
	for (i = strlen(prefix); buf[i]; i++)
		buf[i] = (char)tolower((unsigned char)buf[i]);
}

void
gw_veth_name(const char *comp_id, char *buf, size_t len)
{
	snprintf(buf, len, "gx%08x", hash_string(comp_id, 0x6777));
}
