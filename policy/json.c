/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json: policy objects to and from JSON (see json.h).  Parsing is driven
 * by one table of fields per object: each key names a kind (address,
 * number, string...) and where it goes, so every object rejects unknown
 * keys and reports bad values the same way:
 *   "lookup record: field 'mac': '60-00-zz' is not a MAC address".
 * Numbers are JSON integers or decimal strings and booleans are JSON
 * booleans or "true"/"false" in any case, because the PowerShell front
 * end passes everything as strings.  A null value counts as absent.
 */
#include "policy/json.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/util.h"

enum jkind {
	J_IP,       /* struct in6_addr */
	J_MAC,      /* struct eth_addr */
	J_GUID,     /* struct guid */
	J_PREFIX,   /* struct in6_addr at 'off', int plen at 'off2' */
	J_U32,      /* uint32_t in min..max */
	J_U16,      /* uint16_t in min..max */
	J_INT,      /* int in min..max */
	J_BOOL,     /* bool */
	J_STR,      /* char['size'] */
	J_RULE,     /* enum lr_rule */
	J_TYPE,     /* enum lr_type */
	J_SKIP,     /* accepted and ignored */
	J_NOFILTER, /* a known key that cannot select (filters only) */
};

struct jfield {
	const char *key;
	enum jkind kind;
	size_t off, off2, size;
	long long min, max;
	unsigned fbit; /* filters: the F_* bit the key sets */
};

struct jctx {
	const char *what; /* "lookup record" */
	struct pmsg *msg;
};

static void jerr(const struct jctx *, const char *key, const json_t *,
                 const char *fmt, ...) PRINTF_FMT(4, 5);
static void jerr_obj(const struct jctx *, const char *fmt, ...)
    PRINTF_FMT(2, 3);

static void
jerr(const struct jctx *c, const char *key, const json_t *v, const char *fmt,
     ...)
{
	char val[96], rest[160];
	va_list ap;

	if (!c->msg)
		return;
	if (json_is_string(v)) {
		const char *s = json_string_value(v);

		snprintf(val, sizeof(val), "'%.80s%s'", s,
		         strlen(s) > 80 ? "..." : "");
	} else {
		char *d = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

		snprintf(val, sizeof(val), "%.80s%s", d ? d : "?",
		         d && strlen(d) > 80 ? "..." : "");
		free(d);
	}
	va_start(ap, fmt);
	vsnprintf(rest, sizeof(rest), fmt, ap);
	va_end(ap);
	snprintf(c->msg->err, sizeof(c->msg->err), "%s: field '%s': %s %s",
	         c->what, key, val, rest);
}

static void
jerr_obj(const struct jctx *c, const char *fmt, ...)
{
	char rest[200];
	va_list ap;

	if (!c->msg)
		return;
	va_start(ap, fmt);
	vsnprintf(rest, sizeof(rest), fmt, ap);
	va_end(ap);
	snprintf(c->msg->err, sizeof(c->msg->err), "%s: %s", c->what, rest);
}

static void
msg_reset(struct pmsg *msg)
{
	if (msg) {
		msg->err[0] = '\0';
		msg->n_warn = 0;
	}
}

/* A JSON integer, or a string of decimal digits (optionally signed). */
static int
get_num(const json_t *v, long long *out)
{
	const char *s, *p;
	char *end;

	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return 0;
	}
	if (!json_is_string(v))
		return -EINVAL;
	s = json_string_value(v);
	p = s + (*s == '-' || *s == '+');
	if (!*p || strspn(p, "0123456789") != strlen(p) || strlen(p) > 18)
		return -EINVAL;
	*out = strtoll(s, &end, 10);
	return 0;
}

static int
get_bool(const json_t *v, bool *out)
{
	const char *s;

	if (json_is_boolean(v)) {
		*out = json_is_true(v);
		return 0;
	}
	if (!json_is_string(v))
		return -EINVAL;
	s = json_string_value(v);
	if (*s == '$')
		s++;
	if (!strcasecmp(s, "true")) {
		*out = true;
		return 0;
	}
	if (!strcasecmp(s, "false")) {
		*out = false;
		return 0;
	}
	return -EINVAL;
}

/* Parses one value into 'base' as 'f' says.  0 or -EINVAL. */
static int
parse_field(const struct jctx *c, const struct jfield *f, const json_t *v,
            void *base)
{
	char *dst = (char *)base + f->off;
	const char *s = json_string_value(v); /* NULL if not a string */
	long long n;

	switch (f->kind) {
	case J_IP:
		if (!s || ip_parse(s, (struct in6_addr *)(void *)dst))
			goto bad_ip;
		return 0;
	case J_MAC:
		if (!s || eth_parse(s, (struct eth_addr *)(void *)dst)) {
			jerr(c, f->key, v, "is not a MAC address");
			return -EINVAL;
		}
		return 0;
	case J_GUID:
		if (!s || guid_parse(s, (struct guid *)(void *)dst)) {
			jerr(c, f->key, v, "is not a GUID");
			return -EINVAL;
		}
		return 0;
	case J_PREFIX: {
		struct in6_addr *pfx = (struct in6_addr *)(void *)dst;
		int *plen = (int *)(void *)((char *)base + f->off2);
		char buf[IP_ADDR_STRLEN + 8], *slash;
		struct in6_addr m;
		char fixed[IP_ADDR_STRLEN + 4];

		if (s && !prefix_parse(s, pfx, plen))
			return 0;
		/* Say why when the only trouble is host bits. */
		if (s && strlen(s) < sizeof(buf)) {
			strcpy(buf, s);
			slash = strchr(buf, '/');
			if (slash) {
				*slash = '\0';
				n = atoi(slash + 1);
				if (!ip_parse(buf, &m) && slash[1] &&
				    strspn(slash + 1, "0123456789") ==
				        strlen(slash + 1) &&
				    n >= 0 && n <= (ip_is_v4(&m) ? 32 : 128)) {
					ip_mask(&m, (int)n);
					jerr(c, f->key, v,
					     "has host bits set (%s)",
					     prefix_fmt(&m, (int)n, fixed));
					return -EINVAL;
				}
			}
		}
		jerr(c, f->key, v, "is not a prefix (like 10.0.1.0/24)");
		return -EINVAL;
	}
	case J_U32:
	case J_U16:
	case J_INT:
		if (get_num(v, &n)) {
			jerr(c, f->key, v, "is not a number");
			return -EINVAL;
		}
		if (n < f->min || n > f->max) {
			jerr(c, f->key, v, "is out of range (%lld..%lld)",
			     f->min, f->max);
			return -EINVAL;
		}
		if (f->kind == J_U32)
			*(uint32_t *)(void *)dst = (uint32_t)n;
		else if (f->kind == J_U16)
			*(uint16_t *)(void *)dst = (uint16_t)n;
		else
			*(int *)(void *)dst = (int)n;
		return 0;
	case J_BOOL:
		if (get_bool(v, (bool *)(void *)dst)) {
			jerr(c, f->key, v, "is not a boolean (true or false)");
			return -EINVAL;
		}
		return 0;
	case J_STR:
		if (!s) {
			jerr(c, f->key, v, "is not a string");
			return -EINVAL;
		}
		if (strlen(s) >= f->size) {
			jerr(c, f->key, v,
			     "is too long (at most %zu characters)",
			     f->size - 1);
			return -EINVAL;
		}
		memset(dst, 0, f->size);
		memcpy(dst, s, strlen(s));
		return 0;
	case J_RULE:
		if (!s || lr_rule_parse(s, (enum lr_rule *)(void *)dst)) {
			jerr(c, f->key, v, "is not a rule (encap, nat, none)");
			return -EINVAL;
		}
		return 0;
	case J_TYPE:
		if (!s || lr_type_parse(s, (enum lr_type *)(void *)dst)) {
			jerr(c, f->key, v,
			     "is not a type (static, dynamic, l2only, "
			     "gateway-wildcard)");
			return -EINVAL;
		}
		return 0;
	case J_SKIP:
		return 0;
	case J_NOFILTER:
		jerr_obj(c, "field '%s' cannot be used to select objects",
		         f->key);
		return -EINVAL;
	}
	return -EINVAL;
bad_ip:
	jerr(c, f->key, v, "is not an IP address");
	return -EINVAL;
}

/* Parses every key of 'j' through 'fields'; '*seen' gets bit i for each
 * fields[i] present (and not null).  Unknown keys are errors. */
static int
parse_object(const struct jctx *c, const json_t *j, const struct jfield *fields,
             size_t n_fields, void *base, unsigned *seen)
{
	const char *key;
	json_t *v;

	*seen = 0;
	if (!json_is_object(j)) {
		jerr_obj(c, "expected a JSON object");
		return -EINVAL;
	}
	json_object_foreach((json_t *)j, key, v)
	{
		size_t i;
		int rc;

		for (i = 0; i < n_fields; i++)
			if (!strcmp(fields[i].key, key))
				break;
		if (i == n_fields) {
			jerr_obj(c, "unknown field '%s'", key);
			return -EINVAL;
		}
		if (json_is_null(v))
			continue;
		rc = parse_field(c, &fields[i], v, base);
		if (rc)
			return rc;
		*seen |= 1u << i;
	}
	return 0;
}

/* The first of 'required' (indexes into 'fields') missing from 'seen'. */
static int
check_required(const struct jctx *c, const struct jfield *fields, unsigned seen,
               const int *required, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!(seen & (1u << required[i]))) {
			jerr_obj(c, "missing field '%s'",
			         fields[required[i]].key);
			return -EINVAL;
		}
	}
	return 0;
}

/* clang-format off */
#define FLD(k, kind, type, m) {k, kind, offsetof(type, m), 0, 0, 0, 0, 0}
#define FSTR(k, type, m) \
	{k, J_STR, offsetof(type, m), 0, sizeof(((type *)0)->m), 0, 0, 0}
#define FNUM(k, kind, type, m, lo, hi) \
	{k, kind, offsetof(type, m), 0, 0, lo, hi, 0}
#define FPFX(k, type, m, p) \
	{k, J_PREFIX, offsetof(type, m), offsetof(type, p), 0, 0, 0, 0}
/* clang-format on */

/* Lookup records. */

enum { LR_CA, LR_VSID, LR_MAC, LR_PA, LR_RULE, LR_TYPE };
static const struct jfield lr_fields[] = {
    [LR_CA] = FLD("ca", J_IP, struct lookup_record, ca),
    [LR_VSID] = FNUM("vsid", J_U32, struct lookup_record, vsid, 0, UINT32_MAX),
    [LR_MAC] = FLD("mac", J_MAC, struct lookup_record, mac),
    [LR_PA] = FLD("pa", J_IP, struct lookup_record, pa),
    [LR_RULE] = FLD("rule", J_RULE, struct lookup_record, rule),
    [LR_TYPE] = FLD("type", J_TYPE, struct lookup_record, type),
    FLD("customer_id", J_GUID, struct lookup_record, customer_id),
    FSTR("vm_name", struct lookup_record, vm_name),
    FSTR("context", struct lookup_record, context),
    FLD("use_vm_mac", J_BOOL, struct lookup_record, use_vm_mac),
};

int
lr_from_json(const json_t *j, struct lookup_record *r, struct pmsg *msg)
{
	static const int required[] = {LR_VSID, LR_MAC, LR_PA};
	struct jctx c = {"lookup record", msg};
	unsigned seen;
	int rc;

	msg_reset(msg);
	memset(r, 0, sizeof(*r));
	r->rule = LR_RULE_ENCAP;
	r->type = LR_TYPE_STATIC;
	rc = parse_object(&c, j, lr_fields, ARRAY_SIZE(lr_fields), r, &seen);
	if (rc)
		return rc;
	if (!(seen & (1u << LR_CA))) {
		/* No CA: an L2Only record (MAC known, IP learnt). */
		if (!(seen & (1u << LR_TYPE)))
			r->type = LR_TYPE_L2ONLY;
		if (r->type != LR_TYPE_L2ONLY) {
			jerr_obj(&c, "missing field 'ca'");
			return -EINVAL;
		}
		ip_set_v4(&r->ca, 0);
	} else if (ip_is_unspec(&r->ca) && !(seen & (1u << LR_TYPE))) {
		r->type = LR_TYPE_L2ONLY;
	}
	return check_required(&c, lr_fields, seen, required,
	                      ARRAY_SIZE(required));
}

json_t *
lr_to_json(const struct lookup_record *r)
{
	char ca[IP_ADDR_STRLEN], pa[IP_ADDR_STRLEN], mac[ETH_ADDR_STRLEN];
	char cid[GUID_STRLEN];

	return json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b}",
	                 "ca", ip_fmt(&r->ca, ca), "vsid", (json_int_t)r->vsid,
	                 "mac", eth_fmt(&r->mac, mac), "pa", ip_fmt(&r->pa, pa),
	                 "rule", lr_rule_short(r->rule), "type",
	                 lr_type_short(r->type), "customer_id",
	                 guid_fmt(&r->customer_id, cid), "vm_name", r->vm_name,
	                 "context", r->context, "use_vm_mac",
	                 (int)r->use_vm_mac);
}

/* A JSON string as jansson writes it (no ASCII forcing, '/' as is). */
static size_t
json_str_text(char *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char *o = out;

	*o++ = '"';
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			*o++ = '\\';
			*o++ = (char)c;
		} else if (c >= 0x20) {
			*o++ = (char)c;
		} else {
			*o++ = '\\';
			switch (c) {
			case '\b':
				*o++ = 'b';
				break;
			case '\f':
				*o++ = 'f';
				break;
			case '\n':
				*o++ = 'n';
				break;
			case '\r':
				*o++ = 'r';
				break;
			case '\t':
				*o++ = 't';
				break;
			default:
				*o++ = 'u';
				*o++ = '0';
				*o++ = '0';
				*o++ = hex[c >> 4];
				*o++ = hex[c & 15];
			}
		}
	}
	*o++ = '"';
	return (size_t)(o - out);
}

size_t
lr_to_json_text(const struct lookup_record *r, char buf[LR_JSON_TEXT_MAX])
{
	char ca[IP_ADDR_STRLEN], pa[IP_ADDR_STRLEN], mac[ETH_ADDR_STRLEN];
	char cid[GUID_STRLEN];
	size_t n;

	/* Every string but the last two is plain ASCII without quotes. */
	n = (size_t)snprintf(
	    buf, LR_JSON_TEXT_MAX,
	    "{\"ca\":\"%s\",\"vsid\":%u,\"mac\":\"%s\",\"pa\":\"%s\","
	    "\"rule\":\"%s\",\"type\":\"%s\",\"customer_id\":\"%s\","
	    "\"vm_name\":",
	    ip_fmt(&r->ca, ca), r->vsid, eth_fmt(&r->mac, mac),
	    ip_fmt(&r->pa, pa), lr_rule_short(r->rule), lr_type_short(r->type),
	    guid_fmt(&r->customer_id, cid));
	/* 6 bytes per escaped byte at most: 63 * 6 + 127 * 6 + ~250. */
	n += json_str_text(buf + n, r->vm_name);
	memcpy(buf + n, ",\"context\":", 11);
	n += 11;
	n += json_str_text(buf + n, r->context);
	n += (size_t)snprintf(buf + n, LR_JSON_TEXT_MAX - n,
	                      ",\"use_vm_mac\":%s}",
	                      r->use_vm_mac ? "true" : "false");
	return n;
}

/* Customer routes. */

enum { CR_RDID, CR_VSID, CR_PREFIX };
static const struct jfield cr_fields[] = {
    [CR_RDID] = FLD("rdid", J_GUID, struct customer_route, rdid),
    [CR_VSID] = FNUM("vsid", J_U32, struct customer_route, vsid, 0, UINT32_MAX),
    [CR_PREFIX] = FPFX("prefix", struct customer_route, prefix, plen),
    FLD("nexthop", J_IP, struct customer_route, nexthop),
    FNUM("metric", J_U32, struct customer_route, metric, 0, UINT32_MAX),
};

/* On-link: the unspecified address of the prefix's family. */
static void
norm_nexthop(const struct in6_addr *pfx, struct in6_addr *nh)
{
	if (!ip_is_unspec(nh))
		return;
	if (ip_is_v4(pfx))
		ip_set_v4(nh, 0);
	else
		memset(nh, 0, sizeof(*nh));
}

int
cr_from_json(const json_t *j, struct customer_route *r, struct pmsg *msg)
{
	static const int required[] = {CR_RDID, CR_VSID, CR_PREFIX};
	struct jctx c = {"customer route", msg};
	unsigned seen;
	int rc;

	msg_reset(msg);
	memset(r, 0, sizeof(*r));
	rc = parse_object(&c, j, cr_fields, ARRAY_SIZE(cr_fields), r, &seen);
	if (!rc)
		rc = check_required(&c, cr_fields, seen, required,
		                    ARRAY_SIZE(required));
	if (!rc)
		norm_nexthop(&r->prefix, &r->nexthop);
	return rc;
}

json_t *
cr_to_json(const struct customer_route *r)
{
	char g[GUID_STRLEN], pf[IP_ADDR_STRLEN + 4], nh[IP_ADDR_STRLEN];

	return json_pack("{s:s, s:I, s:s, s:s, s:I}", "rdid",
	                 guid_fmt(&r->rdid, g), "vsid", (json_int_t)r->vsid,
	                 "prefix", prefix_fmt(&r->prefix, r->plen, pf),
	                 "nexthop", ip_fmt(&r->nexthop, nh), "metric",
	                 (json_int_t)r->metric);
}

/* Provider addresses. */

enum { PA_PA, PA_PLEN };
static const struct jfield pa_fields[] = {
    [PA_PA] = FLD("pa", J_IP, struct provider_address, pa),
    [PA_PLEN] =
        FNUM("prefix_len", J_INT, struct provider_address, plen, 0, 128),
    FNUM("vlan", J_U16, struct provider_address, vlan, 0, 4094),
    FLD("mac", J_MAC, struct provider_address, mac),
    FNUM("ifindex", J_U32, struct provider_address, ifindex, 0, UINT32_MAX),
};

int
pa_from_json(const json_t *j, struct provider_address *a, struct pmsg *msg)
{
	static const int required[] = {PA_PA, PA_PLEN};
	struct jctx c = {"provider address", msg};
	unsigned seen;
	int rc;

	msg_reset(msg);
	memset(a, 0, sizeof(*a));
	rc = parse_object(&c, j, pa_fields, ARRAY_SIZE(pa_fields), a, &seen);
	if (!rc)
		rc = check_required(&c, pa_fields, seen, required,
		                    ARRAY_SIZE(required));
	return rc;
}

json_t *
pa_to_json(const struct provider_address *a)
{
	char pa[IP_ADDR_STRLEN], mac[ETH_ADDR_STRLEN];

	return json_pack("{s:s, s:i, s:i, s:s, s:I}", "pa", ip_fmt(&a->pa, pa),
	                 "prefix_len", a->plen, "vlan", (int)a->vlan, "mac",
	                 eth_fmt(&a->mac, mac), "ifindex",
	                 (json_int_t)a->ifindex);
}

/* Provider routes. */

enum { PR_PREFIX, PR_NEXTHOP };
static const struct jfield pr_fields[] = {
    [PR_PREFIX] = FPFX("prefix", struct provider_route, prefix, plen),
    [PR_NEXTHOP] = FLD("nexthop", J_IP, struct provider_route, nexthop),
    FNUM("ifindex", J_U32, struct provider_route, ifindex, 0, UINT32_MAX),
    FNUM("metric", J_U32, struct provider_route, metric, 0, UINT32_MAX),
};

int
pr_from_json(const json_t *j, struct provider_route *r, struct pmsg *msg)
{
	static const int required[] = {PR_PREFIX, PR_NEXTHOP};
	struct jctx c = {"provider route", msg};
	unsigned seen;
	int rc;

	msg_reset(msg);
	memset(r, 0, sizeof(*r));
	rc = parse_object(&c, j, pr_fields, ARRAY_SIZE(pr_fields), r, &seen);
	if (!rc)
		rc = check_required(&c, pr_fields, seen, required,
		                    ARRAY_SIZE(required));
	if (!rc)
		norm_nexthop(&r->prefix, &r->nexthop);
	return rc;
}

json_t *
pr_to_json(const struct provider_route *r)
{
	char pf[IP_ADDR_STRLEN + 4], nh[IP_ADDR_STRLEN];

	return json_pack("{s:s, s:s, s:I, s:I}", "prefix",
	                 prefix_fmt(&r->prefix, r->plen, pf), "nexthop",
	                 ip_fmt(&r->nexthop, nh), "ifindex",
	                 (json_int_t)r->ifindex, "metric",
	                 (json_int_t)r->metric);
}

/* Switches. */

enum { SW_NAME, SW_NETADAPTER };
static const struct jfield sw_fields[] = {
    [SW_NAME] = FSTR("name", struct vswitch, name),
    [SW_NETADAPTER] = FSTR("netadapter", struct vswitch, netadapter),
};

int
sw_from_json(const json_t *j, struct vswitch *sw, struct pmsg *msg)
{
	static const int required[] = {SW_NAME, SW_NETADAPTER};
	struct jctx c = {"switch", msg};
	unsigned seen;
	int rc;

	msg_reset(msg);
	memset(sw, 0, sizeof(*sw));
	rc = parse_object(&c, j, sw_fields, ARRAY_SIZE(sw_fields), sw, &seen);
	if (!rc)
		rc = check_required(&c, sw_fields, seen, required,
		                    ARRAY_SIZE(required));
	return rc;
}

json_t *
sw_to_json(const struct vswitch *sw)
{
	return json_pack("{s:s, s:s}", "name", sw->name, "netadapter",
	                 sw->netadapter);
}

/* VM adapters ("port" is runtime state: accepted for the agent's own
 * output, ignored). */

enum { VMA_VM, VMA_NAME, VMA_SWITCH };
static const struct jfield vma_fields[] = {
    [VMA_VM] = FSTR("vm", struct vm_adapter, vm),
    [VMA_NAME] = FSTR("name", struct vm_adapter, name),
    [VMA_SWITCH] = FSTR("switch", struct vm_adapter, sw),
    FLD("mac", J_MAC, struct vm_adapter, mac),
    FNUM("vsid", J_U32, struct vm_adapter, vsid, 0, UINT32_MAX),
    FLD("port", J_SKIP, struct vm_adapter, port),
};

int
vma_from_json(const json_t *j, struct vm_adapter *a, struct pmsg *msg)
{
	static const int required[] = {VMA_VM, VMA_NAME, VMA_SWITCH};
	struct jctx c = {"vm adapter", msg};
	unsigned seen;
	int rc;

	msg_reset(msg);
	memset(a, 0, sizeof(*a));
	a->port = -1;
	rc = parse_object(&c, j, vma_fields, ARRAY_SIZE(vma_fields), a, &seen);
	if (!rc)
		rc = check_required(&c, vma_fields, seen, required,
		                    ARRAY_SIZE(required));
	return rc;
}

json_t *
vma_to_json(const struct vm_adapter *a)
{
	char mac[ETH_ADDR_STRLEN];

	return json_pack("{s:s, s:s, s:s, s:s, s:I}", "vm", a->vm, "name",
	                 a->name, "switch", a->sw, "mac", eth_fmt(&a->mac, mac),
	                 "vsid", (json_int_t)a->vsid);
}

/* Filters: the keys above that can select objects. */

/* clang-format off */
#define FF(k, kind, m, bit) \
	{k, kind, offsetof(struct policy_filter, m), 0, 0, 0, 0, bit}
#define FFNUM(k, m, bit) \
	{k, J_U32, offsetof(struct policy_filter, m), 0, 0, 0, UINT32_MAX, bit}
#define FFSTR(k, m, bit) \
	{k, J_STR, offsetof(struct policy_filter, m), 0, \
	 sizeof(((struct policy_filter *)0)->m), 0, 0, bit}
#define FFPFX(k, m, p, bit) \
	{k, J_PREFIX, offsetof(struct policy_filter, m), \
	 offsetof(struct policy_filter, p), 0, 0, 0, bit}
#define FFNO(k) {k, J_NOFILTER, 0, 0, 0, 0, 0, 0}
/* clang-format on */
static const struct jfield filter_fields[] = {
    FF("ca", J_IP, ca, F_CA),
    FFNUM("vsid", vsid, F_VSID),
    FF("mac", J_MAC, mac, F_MAC),
    FF("pa", J_IP, pa, F_PA),
    FF("rdid", J_GUID, rdid, F_RDID),
    FFPFX("prefix", prefix, plen, F_PREFIX),
    FF("nexthop", J_IP, nexthop, F_NEXTHOP),
    FFSTR("vm", vm, F_VM),
    FFSTR("vm_name", vm, F_VM),
    FFSTR("name", name, F_NAME),
    FFSTR("switch", sw, F_SWITCH),
    FF("type", J_TYPE, type, F_TYPE),
    FFNUM("ifindex", ifindex, F_IFINDEX),
    FFNO("rule"),
    FFNO("customer_id"),
    FFNO("context"),
    FFNO("use_vm_mac"),
    FFNO("metric"),
    FFNO("prefix_len"),
    FFNO("vlan"),
    FFNO("netadapter"),
};

int
policy_filter_from_json(const json_t *j, struct policy_filter *f,
                        struct pmsg *msg)
{
	struct jctx c = {"filter", msg};
	unsigned seen;
	int rc;

	msg_reset(msg);
	memset(f, 0, sizeof(*f));
	rc = parse_object(&c, j, filter_fields, ARRAY_SIZE(filter_fields), f,
	                  &seen);
	if (rc)
		return rc;
	for (size_t i = 0; i < ARRAY_SIZE(filter_fields); i++)
		if (seen & (1u << i))
			f->fields |= filter_fields[i].fbit;
	return 0;
}

/* The whole policy. */

static int
append_lr(const struct lookup_record *r, void *a)
{
	return json_array_append_new(a, lr_to_json(r));
}

static int
append_cr(const struct customer_route *r, void *a)
{
	return json_array_append_new(a, cr_to_json(r));
}

static int
append_pa(const struct provider_address *r, void *a)
{
	return json_array_append_new(a, pa_to_json(r));
}

static int
append_pr(const struct provider_route *r, void *a)
{
	return json_array_append_new(a, pr_to_json(r));
}

static int
append_sw(const struct vswitch *r, void *a)
{
	return json_array_append_new(a, sw_to_json(r));
}

static int
append_vma(struct vm_adapter *r, void *a)
{
	return json_array_append_new(a, vma_to_json(r));
}

json_t *
policy_to_json(const struct policy *p)
{
	json_t *sw = json_array(), *vma = json_array(), *pa = json_array();
	json_t *pr = json_array(), *cr = json_array(), *lr = json_array();

	policy_sw_foreach(p, append_sw, sw);
	/* foreach over adapters takes a mutable policy (callbacks may set
	 * the port); this one only reads. */
	policy_vma_foreach((struct policy *)p, NULL, append_vma, vma);
	policy_pa_foreach(p, NULL, append_pa, pa);
	policy_pr_foreach(p, NULL, append_pr, pr);
	policy_cr_foreach(p, NULL, append_cr, cr);
	policy_lr_foreach(p, NULL, append_lr, lr);
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "switches", sw,
	                 "vm_adapters", vma, "provider_addresses", pa,
	                 "provider_routes", pr, "customer_routes", cr,
	                 "lookup_records", lr);
}

/* One section of the policy object: parse and add each element. */
struct section {
	const char *key;
	int (*load)(struct policy *, const json_t *, struct pmsg *);
};

#define LOADER(name, type, from, add)                                          \
	static int name(struct policy *p, const json_t *j, struct pmsg *m)     \
	{                                                                      \
		type obj;                                                      \
		int rc = from(j, &obj, m);                                     \
		return rc ? rc : add(p, &obj, m);                              \
	}
LOADER(load_sw, struct vswitch, sw_from_json, policy_sw_add)
LOADER(load_vma, struct vm_adapter, vma_from_json, policy_vma_add)
LOADER(load_pa, struct provider_address, pa_from_json, policy_pa_add)
LOADER(load_pr, struct provider_route, pr_from_json, policy_pr_add)
LOADER(load_cr, struct customer_route, cr_from_json, policy_cr_add)
LOADER(load_lr, struct lookup_record, lr_from_json, policy_lr_add)

/* Dependencies first: adapters need their switch; record warnings need
 * the PAs, provider routes and customer routes. */
static const struct section sections[] = {
    {"switches", load_sw},           {"vm_adapters", load_vma},
    {"provider_addresses", load_pa}, {"provider_routes", load_pr},
    {"customer_routes", load_cr},    {"lookup_records", load_lr},
};

int
policy_from_json(struct policy *p, const json_t *j, struct pmsg *msg)
{
	struct jctx c = {"policy", msg};
	const char *key;
	json_t *v;
	int rc = -EINVAL;

	policy_clear(p);
	msg_reset(msg);
	if (!json_is_object(j)) {
		jerr_obj(&c, "expected a JSON object");
		return -EINVAL;
	}
	json_object_foreach((json_t *)j, key, v)
	{
		size_t i;

		for (i = 0; i < ARRAY_SIZE(sections); i++)
			if (!strcmp(sections[i].key, key))
				break;
		if (i == ARRAY_SIZE(sections)) {
			jerr_obj(&c, "unknown field '%s'", key);
			return -EINVAL;
		}
		if (!json_is_array(v) && !json_is_null(v)) {
			jerr(&c, key, v, "is not an array");
			return -EINVAL;
		}
	}
	for (size_t s = 0; s < ARRAY_SIZE(sections); s++) {
		json_t *arr = json_object_get(j, sections[s].key);
		size_t i;

		json_array_foreach(arr, i, v)
		{
			struct pmsg one;

			rc = sections[s].load(p, v, &one);
			if (rc) {
				if (msg)
					snprintf(msg->err, sizeof(msg->err),
					         "%s[%zu]: %.460s",
					         sections[s].key, i, one.err);
				goto fail;
			}
			for (int w = 0; msg && w < one.n_warn; w++)
				if (msg->n_warn < POLICY_MAX_WARN)
					memcpy(msg->warn[msg->n_warn++],
					       one.warn[w],
					       sizeof(one.warn[w]));
		}
	}
	return 0;
fail:
	policy_clear(p);
	if (msg)
		msg->n_warn = 0;
	return rc;
}
