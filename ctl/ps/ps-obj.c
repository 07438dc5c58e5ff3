/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ps-obj: the objects that flow through hnvctl ps pipelines.  An object is
 * the JSON the agent returned (keys of policy/json.h) tagged with its
 * type; its PowerShell properties are computed from the JSON on demand,
 * formatted the way Windows prints them: MACs as 600060000101, GUIDs
 * braced and lower-case, booleans True/False, rules and types by their
 * PowerShell names.  Property lists are in the order of the seeds' Get-*
 * output.  An object Select-Object made keeps its type and JSON, with a
 * view: the properties it kept.
 */
#include "ctl/ps/ps-int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/addr.h"
#include "lib/util.h"

#define ZERO_GUID "{00000000-0000-0000-0000-000000000000}"

static const struct ps_prop lr_props[] = {
    {"CustomerAddress", "ca", PS_K_IP, "0.0.0.0"},
    {"VirtualSubnetID", "vsid", PS_K_INT, "0"},
    {"MACAddress", "mac", PS_K_MAC, ""},
    {"ProviderAddress", "pa", PS_K_IP, ""},
    {"CustomerID", "customer_id", PS_K_GUID, ZERO_GUID},
    {"Context", "context", PS_K_STR, ""},
    {"Rule", "rule", PS_K_RULE, "TranslationMethodEncap"},
    {"VMName", "vm_name", PS_K_STR, ""},
    {"UseVmMACAddress", "use_vm_mac", PS_K_BOOL, "False"},
    {"Type", "type", PS_K_LRTYPE, "Static"},
    {NULL, NULL, 0, NULL},
};
static const char *const lr_table[] = {
    "CustomerAddress",
    "VirtualSubnetID",
    "MACAddress",
    "ProviderAddress",
    "Rule",
    "Type",
    NULL,
};
static const char *const lr_keys[] = {
    "ca",          "vsid",    "mac",     "pa",         "rule", "type",
    "customer_id", "vm_name", "context", "use_vm_mac", NULL,
};
static const char *const lr_ident[] = {"vsid", "ca", NULL};

static const struct ps_prop cr_props[] = {
    {"RoutingDomainID", "rdid", PS_K_GUID, ZERO_GUID},
    {"VirtualSubnetID", "vsid", PS_K_INT, "0"},
    {"DestinationPrefix", "prefix", PS_K_PREFIX, ""},
    {"NextHop", "nexthop", PS_K_NEXTHOP, NULL},
    {"Metric", "metric", PS_K_INT, "0"},
    {NULL, NULL, 0, NULL},
};
static const char *const cr_keys[] = {"rdid",    "vsid",   "prefix",
                                      "nexthop", "metric", NULL};
static const char *const cr_ident[] = {"rdid", "prefix", NULL};

static const struct ps_prop pa_props[] = {
    {"ProviderAddress", "pa", PS_K_IP, ""},
    {"InterfaceIndex", "ifindex", PS_K_INT, "0"},
    {"PrefixLength", "prefix_len", PS_K_INT, "0"},
    {"VlanID", "vlan", PS_K_INT, "0"},
    {"AddressState", NULL, PS_K_CONST, "Preferred"},
    {"MACAddress", "mac", PS_K_MAC, "000000000000"},
    {"ManagedByCluster", NULL, PS_K_CONST, "False"},
    {NULL, NULL, 0, NULL},
};
static const char *const pa_keys[] = {"pa",  "prefix_len", "vlan",
                                      "mac", "ifindex",    NULL};
static const char *const pa_ident[] = {"pa", NULL};

static const struct ps_prop pr_props[] = {
    {"DestinationPrefix", "prefix", PS_K_PREFIX, ""},
    {"InterfaceIndex", "ifindex", PS_K_INT, "0"},
    {"NextHop", "nexthop", PS_K_NEXTHOP, NULL},
    {"Metric", "metric", PS_K_INT, "0"},
    {NULL, NULL, 0, NULL},
};
static const char *const pr_keys[] = {"prefix", "nexthop", "ifindex", "metric",
                                      NULL};
static const char *const pr_ident[] = {"prefix", "nexthop", NULL};

static const struct ps_prop vmna_props[] = {
    {"Name", "name", PS_K_STR, ""},
    {"IsManagementOs", NULL, PS_K_CONST, "False"},
    {"VMName", "vm", PS_K_STR, ""},
    {"SwitchName", "switch", PS_K_STR, ""},
    {"MacAddress", "mac", PS_K_MAC, "000000000000"},
    {"VirtualSubnetId", "vsid", PS_K_INT, "0"},
    {"Status", "attached", PS_K_STATUS, NULL},
    {"IPAddresses", NULL, PS_K_CONST, "{}"},
    {NULL, NULL, 0, NULL},
};
static const char *const vmna_table[] = {
    "Name",       "IsManagementOs", "VMName",      "SwitchName",
    "MacAddress", "Status",         "IPAddresses", NULL,
};
static const char *const vmna_keys[] = {"vm",  "name", "switch",
                                        "mac", "vsid", NULL};
static const char *const vmna_ident[] = {"vm", "name", NULL};

static const struct ps_prop sw_props[] = {
    {"Name", "name", PS_K_STR, ""},
    {"SwitchType", NULL, PS_K_CONST, "External"},
    {"NetAdapterInterfaceDescription", "netadapter", PS_K_STR, ""},
    {NULL, NULL, 0, NULL},
};
static const char *const sw_table[] = {"Name", "SwitchType",
                                       "NetAdapterInterfaceDescription", NULL};
static const char *const sw_keys[] = {"name", "netadapter", NULL};
static const char *const sw_ident[] = {"name", NULL};

static const struct ps_prop na_props[] = {
    {"Name", "name", PS_K_STR, ""},
    {"InterfaceDescription", "description", PS_K_DESCR, ""},
    {"ifIndex", "ifindex", PS_K_INT, "0"},
    {"InterfaceIndex", "ifindex", PS_K_INT, "0"},
    {"MacAddress", "mac", PS_K_MAC_DASH, ""},
    {NULL, NULL, 0, NULL},
};
static const char *const na_table[] = {"Name", "InterfaceDescription",
                                       "ifIndex", "MacAddress", NULL};

/* A VM is a network namespace: always running, the rest constants. */
static const struct ps_prop vm_props[] = {
    {"Name", "vm", PS_K_STR, ""},
    {"State", NULL, PS_K_CONST, "Running"},
    {"CPUUsage", NULL, PS_K_CONST, "0"},
    {"MemoryAssigned", NULL, PS_K_CONST, "0"},
    {"Uptime", NULL, PS_K_CONST, "00:00:00"},
    {"Status", NULL, PS_K_CONST, "Operating normally"},
    {"Version", NULL, PS_K_CONST, "9.0"},
    {"VMName", "vm", PS_K_STR, ""},
    {NULL, NULL, 0, NULL},
};
static const char *const vm_table[] = {
    "Name",   "State",  "CPUUsage", "MemoryAssigned",
    "Uptime", "Status", "Version",  NULL,
};
static const char *const vm_labels[] = {
    "Name",   "State",  "CPUUsage(%)", "MemoryAssigned(M)",
    "Uptime", "Status", "Version",     NULL,
};
static const char *const vm_keys[] = {"vm", NULL};

static const struct ps_prop measure_props[] = {
    {"Count", "count", PS_K_INT, "0"},
    {"Average", "average", PS_K_NUM, ""},
    {"Sum", "sum", PS_K_NUM, ""},
    {"Maximum", "maximum", PS_K_NUM, ""},
    {"Minimum", "minimum", PS_K_NUM, ""},
    {"Property", "property", PS_K_STR, ""},
    {NULL, NULL, 0, NULL},
};

static const struct ps_prop no_props[] = {{NULL, NULL, 0, NULL}};

static const struct ps_type types[] = {
    {PS_O_NONE, "nothing", NULL, "nothing", no_props, NULL, NULL, false, NULL,
     NULL},
    {PS_O_ANY, "object", NULL, "object", no_props, NULL, NULL, false, NULL,
     NULL},
    {PS_O_SCALAR, "value", NULL, "value", no_props, NULL, NULL, false, NULL,
     NULL},
    {PS_O_LR, "NetVirtualizationLookupRecord", "lookup-record", "lookup record",
     lr_props, lr_table, NULL, true, lr_keys, lr_ident},
    {PS_O_CR, "NetVirtualizationCustomerRoute", "customer-route",
     "customer route", cr_props, NULL, NULL, true, cr_keys, cr_ident},
    {PS_O_PA, "NetVirtualizationProviderAddress", "provider-address",
     "provider address", pa_props, NULL, NULL, true, pa_keys, pa_ident},
    {PS_O_PR, "NetVirtualizationProviderRoute", "provider-route",
     "provider route", pr_props, NULL, NULL, true, pr_keys, pr_ident},
    {PS_O_VMNA, "VMNetworkAdapter", "vm-adapter", "network adapter", vmna_props,
     vmna_table, NULL, false, vmna_keys, vmna_ident},
    {PS_O_SWITCH, "VMSwitch", "switch", "switch", sw_props, sw_table, NULL,
     false, sw_keys, sw_ident},
    {PS_O_NETADAPTER, "NetAdapter", "interface", "network adapter", na_props,
     na_table, NULL, false, NULL, NULL},
    {PS_O_VM, "VirtualMachine", "vm", "VM", vm_props, vm_table, vm_labels,
     false, vm_keys, vm_keys},
    {PS_O_MEASURE, "GenericMeasureInfo", NULL, "measurement", measure_props,
     NULL, NULL, true, NULL, NULL},
};

const struct ps_type *
ps_obj_type(enum ps_otype t)
{
	for (size_t i = 0; i < ARRAY_SIZE(types); i++)
		if (types[i].id == t)
			return &types[i];
	return &types[1];
}

const struct ps_prop *
ps_obj_prop(const struct ps_type *t, const char *name)
{
	for (const struct ps_prop *p = t->props; p->name; p++)
		if (!strcasecmp(p->name, name))
			return p;
	return NULL;
}

const struct ps_prop *
ps_obj_prop_by_key(const struct ps_type *t, const char *key)
{
	for (const struct ps_prop *p = t->props; p->name; p++)
		if (p->key && !strcmp(p->key, key))
			return p;
	return NULL;
}

bool
ps_obj_in_view(const json_t *view, const char *name)
{
	if (!view)
		return true;
	for (size_t i = 0; i < json_array_size(view); i++)
		if (!strcasecmp(json_string_value(json_array_get(view, i)),
		                name))
			return true;
	return false;
}

size_t
ps_obj_props(const struct ps_obj *o, const struct ps_prop **out, size_t max)
{
	const struct ps_type *t = ps_obj_type(o->type);
	size_t n = 0;

	if (!o->view) {
		for (const struct ps_prop *p = t->props; p->name && n < max;
		     p++)
			out[n++] = p;
		return n;
	}
	for (size_t i = 0; i < json_array_size(o->view) && n < max; i++) {
		const struct ps_prop *p = ps_obj_prop(
		    t, json_string_value(json_array_get(o->view, i)));

		if (p)
			out[n++] = p;
	}
	return n;
}

static const char *const rule_names[][2] = {
    {"encap", "TranslationMethodEncap"},
    {"nat", "TranslationMethodNat"},
    {"none", "TranslationMethodNone"},
};
static const char *const type_names[][2] = {
    {"static", "Static"},
    {"dynamic", "Dynamic"},
    {"l2only", "L2Only"},
    {"gateway-wildcard", "GatewayWildcard"},
};

static char *
map_name(const char *const (*tab)[2], size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcasecmp(s, tab[i][0]) || !strcasecmp(s, tab[i][1]))
			return xstrdup(tab[i][1]);
	return xstrdup(s);
}

char *
ps_obj_scalar(const json_t *v)
{
	if (!v || json_is_null(v))
		return xstrdup("");
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	if (json_is_integer(v))
		return xasprintf("%lld", (long long)json_integer_value(v));
	if (json_is_real(v)) {
		double d = json_real_value(v);

		/* as .NET prints a double: no ".0", 15 significant digits */
		if (d == (double)(long long)d && d > -1e15 && d < 1e15)
			return xasprintf("%lld", (long long)d);
		return xasprintf("%.15g", d);
	}
	if (json_is_boolean(v))
		return xstrdup(json_is_true(v) ? "True" : "False");
	if (json_is_array(v))
		return xasprintf("{%zu items}", json_array_size(v));
	return xstrdup("{...}");
}

char *
ps_obj_format(const struct ps_prop *p, const json_t *obj)
{
	const json_t *v = p->key ? json_object_get(obj, p->key) : NULL;
	const char *s = json_string_value(v);

	switch (p->kind) {
	case PS_K_CONST:
		return xstrdup(p->dflt);
	case PS_K_STATUS:
		return xstrdup(json_is_false(v) ? "{}" : "{Ok}");
	case PS_K_DESCR:
		if (!s)
			s = json_string_value(json_object_get(obj, "name"));
		return xstrdup(s ? s : "");
	case PS_K_NEXTHOP:
		if (!v || json_is_null(v)) {
			const char *pfx =
			    json_string_value(json_object_get(obj, "prefix"));

			return xstrdup(pfx && strchr(pfx, ':') ? "::"
			                                       : "0.0.0.0");
		}
		break;
	default:
		break;
	}
	if (!v || json_is_null(v))
		return xstrdup(p->dflt ? p->dflt : "");
	if (!s)
		return ps_obj_scalar(v);
	switch (p->kind) {
	case PS_K_MAC:
	case PS_K_MAC_DASH: {
		struct eth_addr e;
		char buf[ETH_ADDR_STRLEN];

		if (eth_parse(s, &e) < 0)
			break;
		if (p->kind == PS_K_MAC)
			return xstrdup(eth_fmt_ps(&e, buf));
		return xasprintf("%02X-%02X-%02X-%02X-%02X-%02X", e.b[0],
		                 e.b[1], e.b[2], e.b[3], e.b[4], e.b[5]);
	}
	case PS_K_IP:
	case PS_K_NEXTHOP: {
		struct in6_addr a;
		char buf[IP_ADDR_STRLEN];

		if (ip_parse(s, &a) < 0)
			break;
		return xstrdup(ip_fmt(&a, buf));
	}
	case PS_K_PREFIX: {
		struct in6_addr a;
		char buf[IP_ADDR_STRLEN + 4];
		int plen;

		if (prefix_parse(s, &a, &plen) < 0)
			break;
		return xstrdup(prefix_fmt(&a, plen, buf));
	}
	case PS_K_GUID: {
		struct guid g;
		char buf[GUID_STRLEN];

		if (guid_parse(s, &g) < 0)
			break;
		return xstrdup(guid_fmt(&g, buf));
	}
	case PS_K_BOOL:
		if (!strcasecmp(s, "true"))
			return xstrdup("True");
		if (!strcasecmp(s, "false"))
			return xstrdup("False");
		break;
	case PS_K_RULE:
		return map_name(rule_names, ARRAY_SIZE(rule_names), s);
	case PS_K_LRTYPE:
		return map_name(type_names, ARRAY_SIZE(type_names), s);
	default:
		break;
	}
	return xstrdup(s);
}

char *
ps_obj_get(const struct ps_obj *o, const char *name, bool *numeric)
{
	const struct ps_prop *p;

	if (numeric)
		*numeric = false;
	if (!json_is_object(o->v))
		return NULL;
	p = ps_obj_prop(ps_obj_type(o->type), name);
	if (!p || !ps_obj_in_view(o->view, name))
		return NULL;
	if (numeric)
		*numeric = p->kind == PS_K_INT ||
		           (p->kind == PS_K_NUM &&
		            json_is_number(json_object_get(o->v, p->key))) ||
		           (p->kind == PS_K_CONST && p->dflt[0] >= '0' &&
		            p->dflt[0] <= '9' && !strchr(p->dflt, ':'));
	return ps_obj_format(p, o->v);
}

/* 'v' quoted as in Hyper-V's object names: numbers bare, the rest in
 * single quotes. */
static char *
quote_value(const struct ps_prop *p, const char *v)
{
	if (p->kind == PS_K_INT || p->kind == PS_K_NUM)
		return xstrdup(v);
	return xasprintf("'%s'", v);
}

char *
ps_obj_describe(enum ps_otype t, const json_t *obj)
{
	const struct ps_type *ty = ps_obj_type(t);
	char *s = xstrdup("");
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)obj, k, v)
	{
		const struct ps_prop *p = ps_obj_prop_by_key(ty, k);
		char *f, *q, *n;

		if (!p || json_is_null(v))
			continue;
		f = ps_obj_format(p, obj);
		q = quote_value(p, f);
		n = xasprintf("%s%s%s = %s", s, *s ? ", " : "", p->name, q);
		free(f);
		free(q);
		free(s);
		s = n;
	}
	if (*s) {
		char *n = xasprintf("%s (%s)", ty->name, s);

		free(s);
		return n;
	}
	free(s);
	return xstrdup(ty->name);
}

char *
ps_obj_string(const struct ps_obj *o)
{
	const struct ps_type *t = ps_obj_type(o->type);
	json_t *id;
	char *s;

	if (!json_is_object(o->v))
		return ps_obj_scalar(o->v);
	if (o->view) {
		const struct ps_prop *props[32];
		size_t n = ps_obj_props(o, props, ARRAY_SIZE(props));

		s = xstrdup("@{");
		for (size_t i = 0; i <= n; i++) {
			char *v = i < n ? ps_obj_format(props[i], o->v) : NULL;
			char *ns =
			    i < n ? xasprintf("%s%s%s=%s", s, i ? "; " : "",
			                      props[i]->name, v)
			          : xasprintf("%s}", s);

			free(v);
			free(s);
			s = ns;
		}
		return s;
	}
	if (o->type == PS_O_MEASURE)
		return xstrdup(
		    "Microsoft.PowerShell.Commands.GenericMeasureInfo");
	/* the identifying properties, in the type's order */
	id = json_object();
	for (const struct ps_prop *p = t->props; p->name; p++) {
		json_t *v = p->key ? json_object_get(o->v, p->key) : NULL;
		bool ident = p == t->props && !t->ident;

		for (size_t i = 0; t->ident && t->ident[i]; i++)
			ident |= p->key && !strcmp(p->key, t->ident[i]);
		if (ident && v && !json_object_get(id, p->key))
			json_object_set(id, p->key, v);
	}
	s = ps_obj_describe(o->type, id);
	json_decref(id);
	return s;
}

void
ps_objs_push(struct ps_objs *os, enum ps_otype t, json_t *v)
{
	if (os->n == os->cap) {
		os->cap = os->cap ? os->cap * 2 : 8;
		os->v = xrealloc(os->v, os->cap * sizeof(*os->v));
	}
	os->v[os->n].type = t;
	os->v[os->n].v = v;
	os->v[os->n].view = NULL;
	os->n++;
}

void
ps_objs_push_obj(struct ps_objs *os, const struct ps_obj *o)
{
	ps_objs_push(os, o->type, json_incref(o->v));
	os->v[os->n - 1].view = o->view ? json_incref(o->view) : NULL;
}

void
ps_objs_copy(struct ps_objs *dst, const struct ps_objs *src)
{
	for (size_t i = 0; i < src->n; i++)
		ps_objs_push_obj(dst, &src->v[i]);
}

void
ps_objs_clear(struct ps_objs *os)
{
	for (size_t i = 0; i < os->n; i++) {
		json_decref(os->v[i].v);
		json_decref(os->v[i].view);
	}
	free(os->v);
	memset(os, 0, sizeof(*os));
}

void
ps_objs_move(struct ps_objs *dst, struct ps_objs *src)
{
	ps_objs_clear(dst);
	*dst = *src;
	memset(src, 0, sizeof(*src));
}

void
ps_str_add(struct ps_str *b, const char *s)
{
	size_t len = strlen(s);

	if (b->n + len + 1 > b->cap) {
		b->cap = MAX(2 * b->cap, b->n + len + 1);
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->n, s, len + 1);
	b->n += len;
}

char *
ps_str_take(struct ps_str *b)
{
	char *s = b->s ? b->s : xstrdup("");

	memset(b, 0, sizeof(*b));
	return s;
}

bool
ps_obj_has_wildcard(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

static int
fold(int c, bool case_sens)
{
	return case_sens ? c : tolower(c);
}

/* Matches one pattern element at 'p' (not '*') against character 'c'.
 * Returns the element's length, or 0 if it does not match. */
static size_t
match_one(const char *p, char c, bool cs)
{
	int ch = fold((unsigned char)c, cs);

	if (*p == '?')
		return 1;
	if (*p == '`' && p[1])
		return fold((unsigned char)p[1], cs) == ch ? 2 : 0;
	if (*p == '[') {
		const char *q = p + 1;
		bool hit = false;

		while (*q && *q != ']') {
			int lo = fold((unsigned char)*q, cs), hi = lo;

			if (q[1] == '-' && q[2] && q[2] != ']') {
				hi = fold((unsigned char)q[2], cs);
				q += 2;
			}
			if (ch >= lo && ch <= hi)
				hit = true;
			q++;
		}
		if (*q != ']') /* no closing bracket: a literal '[' */
			return ch == '[' ? 1 : 0;
		return hit ? (size_t)(q - p + 1) : 0;
	}
	return fold((unsigned char)*p, cs) == ch ? 1 : 0;
}

/* Classic greedy matching with one backtrack point: every element but '*'
 * consumes exactly one character, so this is exact. */
bool
ps_obj_like(const char *pat, const char *s, bool case_sens)
{
	const char *star_p = NULL, *star_s = NULL;
	size_t n;

	while (*s) {
		if (*pat == '*') {
			star_p = ++pat;
			star_s = s;
		} else if (*pat && (n = match_one(pat, *s, case_sens))) {
			pat += n;
			s++;
		} else if (star_p) {
			pat = star_p;
			s = ++star_s;
		} else {
			return false;
		}
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}
