/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-policy-json: the JSON form of policy objects.  Round trips of every
 * object and of a whole policy, the input forms accepted (PowerShell
 * strings for numbers and booleans, every MAC and GUID spelling), the
 * defaults, and a table of bad inputs whose errors must name the object,
 * the field and the value.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/addr.h"
#include "lib/util.h"
#include "policy/json.h"
#include "policy/policy.h"
#include "tests/unit/harness.h"

#define RD1 "{12345678-1000-2000-3000-123456780001}"

static json_t *
parse(const char *s)
{
	json_error_t e;
	json_t *j = json_loads(s, JSON_DECODE_ANY, &e);

	if (!j) {
		fprintf(stderr, "bad test JSON: %s: %s\n", s, e.text);
		abort();
	}
	return j;
}

/* to_json, then through text, then from_json. */
static json_t *
through_text(json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);
	json_t *back = parse(s);

	free(s);
	json_decref(j);
	return back;
}

static void
test_roundtrip_objects(void)
{
	struct lookup_record r, r2;
	struct customer_route c, c2;
	struct provider_address a, a2;
	struct provider_route pr, pr2;
	struct vswitch s, s2;
	struct vm_adapter v, v2;
	struct pmsg m;
	json_t *j;

	memset(&r, 0, sizeof(r));
	ip_parse("2001:db8::7", &r.ca);
	r.vsid = 16777214;
	eth_parse("60:00:60:00:01:07", &r.mac);
	ip_parse("192.168.0.22", &r.pa);
	r.rule = LR_RULE_NAT;
	r.type = LR_TYPE_DYNAMIC;
	guid_parse("{abcdef01-2345-6789-abcd-ef0123456789}", &r.customer_id);
	strcpy(r.vm_name, "Contoso \"7\" \\ ünïcode");
	memset(r.context, 'x', sizeof(r.context) - 1);
	r.use_vm_mac = true;
	j = through_text(lr_to_json(&r));
	CHECK_EQ(lr_from_json(j, &r2, &m), 0);
	CHECK(!memcmp(&r, &r2, sizeof(r)));
	json_decref(j);

	/* an L2Only record, and every rule and type */
	for (int rule = 0; rule < 3; rule++) {
		for (int type = 0; type < 4; type++) {
			r.rule = (enum lr_rule)rule;
			r.type = (enum lr_type)type;
			j = through_text(lr_to_json(&r));
			CHECK_EQ(lr_from_json(j, &r2, &m), 0);
			CHECK(!memcmp(&r, &r2, sizeof(r)));
			json_decref(j);
		}
	}

	memset(&c, 0, sizeof(c));
	guid_parse(RD1, &c.rdid);
	c.vsid = 6001;
	prefix_parse("0.0.0.0/0", &c.prefix, &c.plen);
	ip_parse("10.0.2.2", &c.nexthop);
	c.metric = 4294967295u;
	j = through_text(cr_to_json(&c));
	CHECK_EQ(cr_from_json(j, &c2, &m), 0);
	CHECK(!memcmp(&c, &c2, sizeof(c)));
	json_decref(j);
	prefix_parse("2001:db8:1::/64", &c.prefix, &c.plen);
	memset(&c.nexthop, 0, sizeof(c.nexthop));
	j = through_text(cr_to_json(&c));
	CHECK_EQ(cr_from_json(j, &c2, &m), 0);
	CHECK(!memcmp(&c, &c2, sizeof(c)));
	json_decref(j);

	memset(&a, 0, sizeof(a));
	ip_parse("192.168.0.22", &a.pa);
	a.plen = 24;
	a.vlan = 4094;
	eth_parse("334455667788", &a.mac);
	a.ifindex = 3;
	j = through_text(pa_to_json(&a));
	CHECK_EQ(pa_from_json(j, &a2, &m), 0);
	CHECK(!memcmp(&a, &a2, sizeof(a)));
	json_decref(j);

	memset(&pr, 0, sizeof(pr));
	prefix_parse("192.168.2.0/24", &pr.prefix, &pr.plen);
	ip_parse("192.168.1.1", &pr.nexthop);
	pr.ifindex = 2;
	pr.metric = 100;
	j = through_text(pr_to_json(&pr));
	CHECK_EQ(pr_from_json(j, &pr2, &m), 0);
	CHECK(!memcmp(&pr, &pr2, sizeof(pr)));
	json_decref(j);

	memset(&s, 0, sizeof(s));
	strcpy(s.name, "HNVSwitch");
	strcpy(s.netadapter, "eth0");
	j = through_text(sw_to_json(&s));
	CHECK_EQ(sw_from_json(j, &s2, &m), 0);
	CHECK(!memcmp(&s, &s2, sizeof(s)));
	json_decref(j);

	memset(&v, 0, sizeof(v));
	strcpy(v.vm, "Contoso1");
	strcpy(v.name, "eth0");
	strcpy(v.sw, "HNVSwitch");
	eth_parse("600060000101", &v.mac);
	v.vsid = 6000;
	v.port = 5; /* runtime: not carried */
	j = through_text(vma_to_json(&v));
	CHECK(json_object_get(j, "port") == NULL);
	CHECK_EQ(vma_from_json(j, &v2, &m), 0);
	CHECK_EQ(v2.port, -1);
	v2.port = 5;
	CHECK(!memcmp(&v, &v2, sizeof(v)));
	json_decref(j);
}

/* The output form: colon MACs, braced lower-case GUIDs, short names. */
static void
test_output_form(void)
{
	struct lookup_record r;
	struct pmsg m;
	json_t *j = parse("{\"ca\":\"10.0.1.101\",\"vsid\":6000,"
	                  "\"mac\":\"600060000101\",\"pa\":\"192.168.0.22\","
	                  "\"customer_id\":\"ABCDEF01-2345-6789-ABCD-"
	                  "EF0123456789\"}");
	char *s;

	CHECK_EQ(lr_from_json(j, &r, &m), 0);
	json_decref(j);
	j = lr_to_json(&r);
	s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	CHECK_STR(s,
	          "{\"ca\":\"10.0.1.101\",\"context\":\"\","
	          "\"customer_id\":\"{abcdef01-2345-6789-abcd-ef0123456789}\","
	          "\"mac\":\"60:00:60:00:01:01\",\"pa\":\"192.168.0.22\","
	          "\"rule\":\"encap\",\"type\":\"static\","
	          "\"use_vm_mac\":false,\"vm_name\":\"\",\"vsid\":6000}");
	free(s);
	json_decref(j);
}

/* What PowerShell passes: strings for everything, long names. */
static void
test_input_forms(void)
{
	struct lookup_record r;
	struct customer_route c;
	struct provider_address a;
	struct pmsg m;
	json_t *j;

	j = parse("{\"ca\":\"10.0.1.101\",\"vsid\":\"6000\","
	          "\"mac\":\"60-00-60-00-01-01\",\"pa\":\"192.168.0.22\","
	          "\"rule\":\"TranslationMethodEncap\",\"type\":\"STATIC\","
	          "\"use_vm_mac\":\"True\",\"vm_name\":\"Contoso1\"}");
	CHECK_EQ(lr_from_json(j, &r, &m), 0);
	CHECK_EQ(r.vsid, 6000);
	CHECK_EQ(r.rule, LR_RULE_ENCAP);
	CHECK_EQ(r.type, LR_TYPE_STATIC);
	CHECK(r.use_vm_mac);
	CHECK_EQ(r.mac.b[5], 1);
	json_decref(j);
	j = parse("{\"ca\":\"10.0.1.101\",\"vsid\":6000,\"mac\":\"60:00:60:"
	          "00:01:01\",\"pa\":\"192.168.0.22\",\"rule\":\"nat\","
	          "\"type\":\"dynamic\",\"use_vm_mac\":\"false\"}");
	CHECK_EQ(lr_from_json(j, &r, &m), 0);
	CHECK_EQ(r.rule, LR_RULE_NAT);
	CHECK_EQ(r.type, LR_TYPE_DYNAMIC);
	CHECK(!r.use_vm_mac);
	json_decref(j);
	j = parse("{\"rdid\":\"12345678-1000-2000-3000-123456780001\","
	          "\"vsid\":\"6001\",\"prefix\":\"0.0.0.0/0\","
	          "\"nexthop\":\"10.0.2.2\",\"metric\":\"5\"}");
	CHECK_EQ(cr_from_json(j, &c, &m), 0);
	CHECK_EQ(c.metric, 5);
	CHECK_EQ(c.plen, 0);
	json_decref(j);
	j = parse("{\"pa\":\"192.168.0.22\",\"prefix_len\":\"24\","
	          "\"mac\":\"334455667788\",\"vlan\":\"12\"}");
	CHECK_EQ(pa_from_json(j, &a, &m), 0);
	CHECK_EQ(a.plen, 24);
	CHECK_EQ(a.vlan, 12);
	json_decref(j);
}

static void
test_defaults(void)
{
	struct lookup_record r;
	struct customer_route c;
	struct provider_route pr;
	struct vm_adapter v;
	struct pmsg m;
	char buf[IP_ADDR_STRLEN];
	json_t *j;

	/* no CA: L2Only with CA 0.0.0.0 */
	j = parse("{\"vsid\":6000,\"mac\":\"600060000101\","
	          "\"pa\":\"192.168.0.22\"}");
	CHECK_EQ(lr_from_json(j, &r, &m), 0);
	CHECK_EQ(r.type, LR_TYPE_L2ONLY);
	CHECK_EQ(r.rule, LR_RULE_ENCAP);
	CHECK_STR(ip_fmt(&r.ca, buf), "0.0.0.0");
	CHECK(guid_is_zero(&r.customer_id));
	json_decref(j);
	/* CA 0.0.0.0 without a type: L2Only too */
	j = parse("{\"ca\":\"0.0.0.0\",\"vsid\":6000,\"mac\":\"600060000101\","
	          "\"pa\":\"192.168.0.22\"}");
	CHECK_EQ(lr_from_json(j, &r, &m), 0);
	CHECK_EQ(r.type, LR_TYPE_L2ONLY);
	json_decref(j);
	/* a CA: Static */
	j = parse("{\"ca\":\"10.0.1.1\",\"vsid\":6000,\"mac\":\"600060000101\","
	          "\"pa\":\"192.168.0.22\",\"context\":null}");
	CHECK_EQ(lr_from_json(j, &r, &m), 0);
	CHECK_EQ(r.type, LR_TYPE_STATIC);
	json_decref(j);
	/* routes: on-link of the prefix's family, metric 0 */
	j = parse("{\"rdid\":\"" RD1 "\",\"vsid\":6000,"
	          "\"prefix\":\"10.0.1.0/24\"}");
	CHECK_EQ(cr_from_json(j, &c, &m), 0);
	CHECK_STR(ip_fmt(&c.nexthop, buf), "0.0.0.0");
	CHECK_EQ(c.metric, 0);
	json_decref(j);
	j = parse("{\"rdid\":\"" RD1 "\",\"vsid\":6000,"
	          "\"prefix\":\"2001:db8::/64\"}");
	CHECK_EQ(cr_from_json(j, &c, &m), 0);
	CHECK_STR(ip_fmt(&c.nexthop, buf), "::");
	json_decref(j);
	j = parse("{\"prefix\":\"10.0.0.0/8\",\"nexthop\":\"::\"}");
	CHECK_EQ(pr_from_json(j, &pr, &m), 0);
	CHECK_STR(ip_fmt(&pr.nexthop, buf), "0.0.0.0");
	json_decref(j);
	j = parse("{\"vm\":\"Contoso1\",\"name\":\"eth0\",\"switch\":\"S\","
	          "\"port\":7}");
	CHECK_EQ(vma_from_json(j, &v, &m), 0);
	CHECK_EQ(v.port, -1);
	CHECK_EQ(v.vsid, 0);
	CHECK(eth_is_zero(&v.mac));
	json_decref(j);
}

enum kind { LR, CR, PA, PR, SW, VMA, FILTER };

struct bad_case {
	enum kind kind;
	const char *json;
	const char *err; /* the exact message, or a prefix ending in '*' */
};

#define LR_OK "\"vsid\":6000,\"mac\":\"600060000101\",\"pa\":\"192.168.0.22\""
#define CR_OK "\"rdid\":\"" RD1 "\",\"vsid\":6000"
static const struct bad_case bad_cases[] = {
    {LR,
     "{\"ca\":\"10.0.1.7\",\"vsid\":6000,\"mac\":\"60-00-zz\","
     "\"pa\":\"192.168.0.22\"}",
     "lookup record: field 'mac': '60-00-zz' is not a MAC address"},
    {LR, "{\"ca\":\"10.0.1.7\",\"macc\":\"600060000101\"," LR_OK "}",
     "lookup record: unknown field 'macc'"},
    {LR, "{\"ca\":\"10.0.1.7\",\"mac\":\"600060000101\",\"pa\":\"1.2.3.4\"}",
     "lookup record: missing field 'vsid'"},
    {LR, "{\"ca\":\"10.0.1.7\",\"vsid\":6000,\"pa\":\"1.2.3.4\"}",
     "lookup record: missing field 'mac'"},
    {LR, "{\"ca\":\"10.0.1.7\",\"vsid\":6000,\"mac\":\"600060000101\"}",
     "lookup record: missing field 'pa'"},
    {LR, "{\"type\":\"static\"," LR_OK "}",
     "lookup record: missing field 'ca'"},
    {LR, "{\"ca\":\"10.0.1.300\"," LR_OK "}",
     "lookup record: field 'ca': '10.0.1.300' is not an IP address"},
    {LR, "{\"ca\":17," LR_OK "}",
     "lookup record: field 'ca': 17 is not an IP address"},
    {LR,
     "{\"ca\":\"10.0.1.7\",\"vsid\":\"60x0\",\"mac\":\"600060000101\","
     "\"pa\":\"192.168.0.22\"}",
     "lookup record: field 'vsid': '60x0' is not a number"},
    {LR,
     "{\"ca\":\"10.0.1.7\",\"vsid\":-1,\"mac\":\"600060000101\","
     "\"pa\":\"192.168.0.22\"}",
     "lookup record: field 'vsid': -1 is out of range (0..4294967295)"},
    {LR,
     "{\"ca\":\"10.0.1.7\",\"vsid\":6000.5,\"mac\":\"600060000101\","
     "\"pa\":\"192.168.0.22\"}",
     "lookup record: field 'vsid': 6000.5 is not a number"},
    {LR,
     "{\"ca\":\"10.0.1.7\",\"vsid\":\"99999999999999999999\","
     "\"mac\":\"600060000101\",\"pa\":\"192.168.0.22\"}",
     "lookup record: field 'vsid': '99999999999999999999' is not a number"},
    {LR,
     "{\"ca\":\"10.0.1.7\",\"pa\":\"192.168.0.x\",\"vsid\":6000,"
     "\"mac\":\"600060000101\"}",
     "lookup record: field 'pa': '192.168.0.x' is not an IP address"},
    {LR, "{\"ca\":\"10.0.1.7\",\"rule\":\"encapsulate\"," LR_OK "}",
     "lookup record: field 'rule': 'encapsulate' is not a rule (encap, nat, "
     "none)"},
    {LR, "{\"ca\":\"10.0.1.7\",\"type\":\"bogus\"," LR_OK "}",
     "lookup record: field 'type': 'bogus' is not a type (static, dynamic, "
     "l2only, gateway-wildcard)"},
    {LR, "{\"ca\":\"10.0.1.7\",\"use_vm_mac\":\"yes\"," LR_OK "}",
     "lookup record: field 'use_vm_mac': 'yes' is not a boolean (true or "
     "false)"},
    {LR, "{\"ca\":\"10.0.1.7\",\"use_vm_mac\":1," LR_OK "}",
     "lookup record: field 'use_vm_mac': 1 is not a boolean*"},
    {LR, "{\"ca\":\"10.0.1.7\",\"customer_id\":\"{1234}\"," LR_OK "}",
     "lookup record: field 'customer_id': '{1234}' is not a GUID"},
    {LR,
     "{\"ca\":\"10.0.1.7\",\"vm_name\":\"0123456789012345678901234567890123"
     "456789012345678901234567890123\"," LR_OK "}",
     "lookup record: field 'vm_name': '01234567890123456789012345678901234567"
     "89012345678901234567890123' is too long (at most 63 characters)"},
    {LR, "{\"ca\":\"10.0.1.7\",\"context\":[1]," LR_OK "}",
     "lookup record: field 'context': [1] is not a string"},
    {LR, "[1,2]", "lookup record: expected a JSON object"},
    {LR, "\"10.0.1.7\"", "lookup record: expected a JSON object"},
    {CR, "{\"vsid\":6000,\"prefix\":\"10.0.1.0/24\"}",
     "customer route: missing field 'rdid'"},
    {CR, "{\"rdid\":\"" RD1 "\",\"prefix\":\"10.0.1.0/24\"}",
     "customer route: missing field 'vsid'"},
    {CR, "{" CR_OK "}", "customer route: missing field 'prefix'"},
    {CR, "{" CR_OK ",\"prefix\":\"10.0.1.5/24\"}",
     "customer route: field 'prefix': '10.0.1.5/24' has host bits set "
     "(10.0.1.0/24)"},
    {CR, "{" CR_OK ",\"prefix\":\"2001:db8::1/64\"}",
     "customer route: field 'prefix': '2001:db8::1/64' has host bits set "
     "(2001:db8::/64)"},
    {CR, "{" CR_OK ",\"prefix\":\"10.0.1.0\"}",
     "customer route: field 'prefix': '10.0.1.0' is not a prefix*"},
    {CR, "{" CR_OK ",\"prefix\":\"10.0.1.0/33\"}",
     "customer route: field 'prefix': '10.0.1.0/33' is not a prefix*"},
    {CR, "{" CR_OK ",\"prefix\":\"10.0.1.0/2x\"}",
     "customer route: field 'prefix': '10.0.1.0/2x' is not a prefix*"},
    {CR, "{" CR_OK ",\"prefix\":\"10.0.1.0/24\",\"nexthop\":\"gw\"}",
     "customer route: field 'nexthop': 'gw' is not an IP address"},
    {CR, "{" CR_OK ",\"prefix\":\"10.0.1.0/24\",\"metric\":true}",
     "customer route: field 'metric': true is not a number"},
    {CR, "{" CR_OK ",\"prefix\":\"10.0.1.0/24\",\"rdid\":\"x\"}",
     "customer route: field 'rdid': 'x' is not a GUID"},
    {CR, "{" CR_OK ",\"prefix\":\"10.0.1.0/24\",\"next_hop\":\"1.2.3.4\"}",
     "customer route: unknown field 'next_hop'"},
    {PA, "{\"pa\":\"192.168.0.22\"}",
     "provider address: missing field 'prefix_len'"},
    {PA, "{\"prefix_len\":24}", "provider address: missing field 'pa'"},
    {PA, "{\"pa\":\"192.168.0.22\",\"prefix_len\":200}",
     "provider address: field 'prefix_len': 200 is out of range (0..128)"},
    {PA, "{\"pa\":\"192.168.0.22\",\"prefix_len\":24,\"vlan\":4095}",
     "provider address: field 'vlan': 4095 is out of range (0..4094)"},
    {PA, "{\"pa\":\"192.168.0.22\",\"prefix_len\":24,\"vlan\":\"-3\"}",
     "provider address: field 'vlan': '-3' is out of range (0..4094)"},
    {PA, "{\"pa\":\"192.168.0.22\",\"prefix_len\":24,\"ifindex\":-1}",
     "provider address: field 'ifindex': -1 is out of range*"},
    {PR, "{\"prefix\":\"10.0.0.0/8\"}",
     "provider route: missing field 'nexthop'"},
    {PR, "{\"nexthop\":\"10.0.0.1\"}",
     "provider route: missing field 'prefix'"},
    {SW, "{\"name\":\"HNVSwitch\"}", "switch: missing field 'netadapter'"},
    {SW, "{\"name\":\"HNVSwitch\",\"netadapter\":\"eth0123456789abcd\"}",
     "switch: field 'netadapter': 'eth0123456789abcd' is too long (at most 15 "
     "characters)"},
    {SW, "{\"netadapter\":\"eth0\"}", "switch: missing field 'name'"},
    {SW, "{\"name\":\"S\",\"netadapter\":\"eth0\",\"nic\":\"eth1\"}",
     "switch: unknown field 'nic'"},
    {VMA, "{\"vm\":\"Contoso1\",\"name\":\"eth0\"}",
     "vm adapter: missing field 'switch'"},
    {VMA, "{\"vm\":\"Contoso1\",\"switch\":\"S\"}",
     "vm adapter: missing field 'name'"},
    {VMA, "{\"name\":\"eth0\",\"switch\":\"S\"}",
     "vm adapter: missing field 'vm'"},
    {VMA, "{\"vm\":\"C\",\"name\":\"eth0\",\"switch\":\"S\",\"mac\":\"x\"}",
     "vm adapter: field 'mac': 'x' is not a MAC address"},
    {VMA, "{\"vm\":\"C\",\"name\":\"eth0\",\"switch\":\"S\",\"vsid\":\"\"}",
     "vm adapter: field 'vsid': '' is not a number"},
    {FILTER, "{\"foo\":1}", "filter: unknown field 'foo'"},
    {FILTER, "{\"metric\":1}",
     "filter: field 'metric' cannot be used to select objects"},
    {FILTER, "{\"vsid\":\"x\"}", "filter: field 'vsid': 'x' is not a number"},
    {FILTER, "{\"prefix\":\"10.0.0.1/8\"}",
     "filter: field 'prefix': '10.0.0.1/8' has host bits set (10.0.0.0/8)"},
    {FILTER, "3", "filter: expected a JSON object"},
};

static int
parse_kind(enum kind k, const json_t *j, struct pmsg *m)
{
	struct lookup_record r;
	struct customer_route c;
	struct provider_address a;
	struct provider_route pr;
	struct vswitch s;
	struct vm_adapter v;
	struct policy_filter f;

	switch (k) {
	case LR:
		return lr_from_json(j, &r, m);
	case CR:
		return cr_from_json(j, &c, m);
	case PA:
		return pa_from_json(j, &a, m);
	case PR:
		return pr_from_json(j, &pr, m);
	case SW:
		return sw_from_json(j, &s, m);
	case VMA:
		return vma_from_json(j, &v, m);
	case FILTER:
		return policy_filter_from_json(j, &f, m);
	}
	return 0;
}

static void
test_bad_input(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];
		json_t *j = parse(c->json);
		struct pmsg m;
		size_t n = strlen(c->err);
		bool ok;

		CHECK_EQ(parse_kind(c->kind, j, &m), -EINVAL);
		if (c->err[n - 1] == '*')
			ok = !strncmp(m.err, c->err, n - 1);
		else
			ok = !strcmp(m.err, c->err);
		if (!ok)
			fprintf(stderr, "case %zu: got \"%s\"\n  want \"%s\"\n",
			        i, m.err, c->err);
		CHECK(ok);
		json_decref(j);
	}
}

static void
test_filter(void)
{
	struct policy_filter f;
	struct pmsg m;
	char buf[IP_ADDR_STRLEN];
	json_t *j;

	j = parse("{}");
	CHECK_EQ(policy_filter_from_json(j, &f, &m), 0);
	CHECK_EQ(f.fields, 0);
	json_decref(j);
	j = parse(
	    "{\"vsid\":\"6000\",\"ca\":\"10.0.1.7\",\"mac\":\"600060000107"
	    "\",\"pa\":\"192.168.0.22\",\"type\":\"L2Only\"}");
	CHECK_EQ(policy_filter_from_json(j, &f, &m), 0);
	CHECK_EQ(f.fields, F_VSID | F_CA | F_MAC | F_PA | F_TYPE);
	CHECK_EQ(f.vsid, 6000);
	CHECK_EQ(f.type, LR_TYPE_L2ONLY);
	json_decref(j);
	j = parse("{\"rdid\":\"" RD1 "\",\"prefix\":\"10.0.0.0/8\","
	          "\"nexthop\":\"::\",\"ifindex\":3}");
	CHECK_EQ(policy_filter_from_json(j, &f, &m), 0);
	CHECK_EQ(f.fields, F_RDID | F_PREFIX | F_NEXTHOP | F_IFINDEX);
	CHECK_EQ(f.plen, 8);
	CHECK_STR(ip_fmt(&f.nexthop, buf), "::");
	json_decref(j);
	j = parse("{\"vm_name\":\"Contoso1\",\"name\":\"eth0\","
	          "\"switch\":\"HNVSwitch\"}");
	CHECK_EQ(policy_filter_from_json(j, &f, &m), 0);
	CHECK_EQ(f.fields, F_VM | F_NAME | F_SWITCH);
	CHECK_STR(f.vm, "Contoso1");
	CHECK_STR(f.sw, "HNVSwitch");
	json_decref(j);
	j = parse("{\"vm\":\"Contoso1\",\"ca\":null}");
	CHECK_EQ(policy_filter_from_json(j, &f, &m), 0);
	CHECK_EQ(f.fields, F_VM);
	json_decref(j);
}

/* A whole host's state: the book's Host1 plus IPv6 and every family. */
static const char *const host1 =
    "{\"switches\":[{\"name\":\"HNVSwitch\",\"netadapter\":\"eth0\"}],"
    "\"vm_adapters\":["
    "{\"vm\":\"Contoso1\",\"name\":\"eth0\",\"switch\":\"HNVSwitch\","
    "\"mac\":\"600060000101\",\"vsid\":6000},"
    "{\"vm\":\"Contoso2\",\"name\":\"eth0\",\"switch\":\"hnvswitch\","
    "\"mac\":\"600060000102\",\"vsid\":\"6000\"}],"
    "\"provider_addresses\":[{\"pa\":\"192.168.0.22\",\"prefix_len\":24,"
    "\"mac\":\"334455667788\",\"ifindex\":2},"
    "{\"pa\":\"2001:db8:ffff::22\",\"prefix_len\":64}],"
    "\"provider_routes\":[{\"prefix\":\"192.168.5.0/24\","
    "\"nexthop\":\"192.168.0.1\",\"metric\":10}],"
    "\"customer_routes\":["
    "{\"rdid\":\"" RD1 "\",\"vsid\":6000,\"prefix\":\"10.0.1.0/24\"},"
    "{\"rdid\":\"" RD1 "\",\"vsid\":6001,\"prefix\":\"10.0.2.0/24\","
    "\"nexthop\":\"0.0.0.0\"},"
    "{\"rdid\":\"" RD1 "\",\"vsid\":6001,\"prefix\":\"0.0.0.0/0\","
    "\"nexthop\":\"10.0.2.2\"},"
    "{\"rdid\":\"{12345678-1000-2000-3000-123456780002}\",\"vsid\":7000,"
    "\"prefix\":\"2001:db8:70::/64\"}],"
    "\"lookup_records\":["
    "{\"ca\":\"10.0.1.1\",\"vsid\":6000,\"mac\":\"600060000100\","
    "\"pa\":\"192.168.0.22\",\"type\":\"Static\"},"
    "{\"ca\":\"10.0.1.101\",\"vsid\":6000,\"mac\":\"600060000101\","
    "\"pa\":\"192.168.0.22\",\"vm_name\":\"Contoso1\"},"
    "{\"ca\":\"10.0.1.102\",\"vsid\":6000,\"mac\":\"600060000102\","
    "\"pa\":\"192.168.0.22\"},"
    "{\"ca\":\"10.0.1.103\",\"vsid\":6000,\"mac\":\"600060000203\","
    "\"pa\":\"192.168.0.33\",\"rule\":\"TranslationMethodEncap\"},"
    "{\"ca\":\"10.0.2.2\",\"vsid\":6001,\"mac\":\"600160010301\","
    "\"pa\":\"192.168.0.11\"},"
    "{\"vsid\":6000,\"mac\":\"600060000199\",\"pa\":\"192.168.0.33\"},"
    "{\"ca\":\"2001:db8:70::5\",\"vsid\":7000,\"mac\":\"700070000005\","
    "\"pa\":\"2001:db8:ffff::33\",\"type\":\"dynamic\","
    "\"context\":\"learnt\",\"use_vm_mac\":true}]}";

static void
test_policy_roundtrip(void)
{
	struct policy *p = policy_create(), *q = policy_create();
	json_t *j = parse(host1), *out, *out2;
	struct in6_addr a;
	struct eth_addr e;
	struct vm_adapter *v;
	struct pmsg m;
	char *s1, *s2;

	CHECK_EQ(policy_from_json(p, j, &m), 0);
	CHECK_STR(m.err, "");
	/* Only the book's multicast PA MAC is worth a warning. */
	CHECK_EQ(m.n_warn, 1);
	CHECK(m.n_warn < 1 || strstr(m.warn[0], "33:44:55:66:77:88"));
	CHECK_EQ(policy_lr_count(p), 7);
	eth_parse("600060000101", &e);
	v = policy_vma_by_mac(p, 6000, &e);
	CHECK(v != NULL);
	if (v)
		v->port = 4; /* runtime state is not saved */
	out = policy_to_json(p);
	s1 = json_dumps(out, JSON_COMPACT);
	json_t *text = through_text(json_incref(out));
	CHECK_EQ(policy_from_json(q, text, &m), 0);
	json_decref(text);
	out2 = policy_to_json(q);
	s2 = json_dumps(out2, JSON_COMPACT);
	CHECK_STR(s1, s2);
	CHECK(json_equal(out, out2));
	/* a record survived with every field */
	ip_parse("2001:db8:70::5", &a);
	const struct lookup_record *r = policy_lr_by_ca(q, 7000, &a);
	CHECK(r && r->type == LR_TYPE_DYNAMIC && r->use_vm_mac &&
	      !strcmp(r->context, "learnt"));
	v = policy_vma_find(q, "contoso1", "eth0");
	CHECK(v && v->port == -1);
	/* insertion order is kept: the arrays come out as they went in */
	json_t *lrs = json_object_get(out2, "lookup_records");
	CHECK_EQ(json_array_size(lrs), 7);
	CHECK_STR(
	    json_string_value(json_object_get(json_array_get(lrs, 0), "ca")),
	    "10.0.1.1");
	CHECK_STR(
	    json_string_value(json_object_get(json_array_get(lrs, 5), "type")),
	    "l2only");
	free(s1);
	free(s2);
	json_decref(out);
	json_decref(out2);
	json_decref(j);
	/* an empty policy */
	policy_clear(q);
	out = policy_to_json(q);
	s1 = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
	CHECK_STR(s1, "{\"customer_routes\":[],\"lookup_records\":[],"
	              "\"provider_addresses\":[],\"provider_routes\":[],"
	              "\"switches\":[],\"vm_adapters\":[]}");
	free(s1);
	json_decref(out);
	policy_destroy(p);
	policy_destroy(q);
}

static void
test_policy_from_json_errors(void)
{
	static const struct {
		const char *json, *err;
	} cases[] = {
	    {"[]", "policy: expected a JSON object"},
	    {"{\"switchs\":[]}", "policy: unknown field 'switchs'"},
	    {"{\"switches\":{}}",
	     "policy: field 'switches': {} is not an array"},
	    {"{\"lookup_records\":[{\"ca\":\"10.0.1.7\",\"vsid\":6000,"
	     "\"mac\":\"600060000107\",\"pa\":\"1.1.1.1\"},{\"ca\":"
	     "\"10.0.1.8\",\"vsid\":6000,\"mac\":\"60-00-zz\",\"pa\":"
	     "\"1.1.1.1\"}]}",
	     "lookup_records[1]: lookup record: field 'mac': '60-00-zz' is not "
	     "a MAC address"},
	    {"{\"customer_routes\":[{\"rdid\":\"" RD1 "\",\"vsid\":6000,"
	     "\"prefix\":\"10.0.1.0/24\"},{\"rdid\":\"{12345678-1000-2000-3000-"
	     "123456780002}\",\"vsid\":6000,\"prefix\":\"10.0.1.0/24\"}]}",
	     "customer_routes[1]: customer route 10.0.1.0/24 vsid 6000: vsid "
	     "6000 already belongs to routing domain " RD1},
	    {"{\"vm_adapters\":[{\"vm\":\"Contoso1\",\"name\":\"eth0\","
	     "\"switch\":\"ExternalSwich\"}]}",
	     "vm_adapters[0]: vm adapter Contoso1/eth0: switch 'ExternalSwich' "
	     "does not exist"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct policy *p = policy_create();
		struct vswitch s = {"Old", "eth9"};
		json_t *j = parse(cases[i].json);
		struct pmsg m;

		policy_sw_add(p, &s, &m);
		CHECK(policy_from_json(p, j, &m) < 0);
		CHECK_STR(m.err, cases[i].err);
		/* left empty: nothing half-loaded, nothing from before */
		CHECK_EQ(policy_lr_count(p), 0);
		CHECK(policy_sw_find(p, "Old") == NULL);
		json_t *o = policy_to_json(p);
		CHECK_EQ(json_array_size(json_object_get(o, "customer_routes")),
		         0);
		json_decref(o);
		json_decref(j);
		policy_destroy(p);
	}
}

/* Warnings of the records loaded come back (the seed's GWHost typo). */
static void
test_policy_from_json_warnings(void)
{
	struct policy *p = policy_create();
	json_t *j = parse(
	    "{\"provider_addresses\":[{\"pa\":\"192.168.0.11\","
	    "\"prefix_len\":24}],\"customer_routes\":[{\"rdid\":\"" RD1 "\","
	    "\"vsid\":6001,\"prefix\":\"10.0.2.0/24\"}],\"lookup_records\":["
	    "{\"ca\":\"10.0.2.1\",\"vsid\":6001,\"mac\":\"600160010300\","
	    "\"pa\":\"192.168.0.33\"}]}");
	struct pmsg m;

	CHECK_EQ(policy_from_json(p, j, &m), 0);
	CHECK_EQ(m.n_warn, 1);
	CHECK_STR(m.warn[0],
	          "lookup record 10.0.2.1 vsid 6001: default-gateway record "
	          "points at PA 192.168.0.33, which is not a provider address "
	          "of this host (192.168.0.11)");
	json_decref(j);
	policy_destroy(p);
}

/* lr_to_json_text() writes exactly what json_dumps(lr_to_json()) does,
 * for every byte a name may hold (controls, quotes, backslash, UTF-8),
 * longest names, IPv6, both booleans. */
static void
test_lr_text(void)
{
	static const char *const names[] = {
	    "", "Contoso1", "a\"b\\c/d", "\x01\x02\b\f\n\r\t\x1f\x7f",
	    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"};
	struct lookup_record r;
	int bad = 0;

	for (int k = 0; k < 40; k++) {
		char buf[LR_JSON_TEXT_MAX], *want;
		json_t *j;
		size_t n;

		memset(&r, 0, sizeof(r));
		ip_parse(k % 2 ? "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
		               : "10.0.1.101",
		         &r.ca);
		ip_parse(k % 3 ? "192.168.0.22" : "2001:db8::1", &r.pa);
		eth_parse("60:00:60:00:01:01", &r.mac);
		r.vsid = 4096 + (uint32_t)k * 400000;
		r.rule = (enum lr_rule)(k % 3);
		r.type = (enum lr_type)(k % 4);
		r.use_vm_mac = k % 2;
		if (k % 5 == 4)
			guid_parse(RD1, &r.customer_id);
		if (k < 25) {
			snprintf(r.vm_name, sizeof(r.vm_name), "%s",
			         names[k % 5]);
			snprintf(r.context, sizeof(r.context), "%s",
			         names[(k + 2) % 5]);
		} else {
			/* the longest, all needing escapes */
			memset(r.vm_name, k % 2 ? '\x01' : '"',
			       sizeof(r.vm_name) - 1);
			memset(r.context, k % 2 ? '\\' : '\x1e',
			       sizeof(r.context) - 1);
		}
		j = lr_to_json(&r);
		want = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
		n = lr_to_json_text(&r, buf);
		if (!want || strcmp(buf, want) || n != strlen(want)) {
			fprintf(stderr, "want %s\ngot  %s\n", want, buf);
			bad++;
		}
		free(want);
		json_decref(j);
	}
	CHECK_EQ(bad, 0);
}

const struct test_case tests[] = {
    TEST(test_roundtrip_objects),
    TEST(test_output_form),
    TEST(test_input_forms),
    TEST(test_defaults),
    TEST(test_bad_input),
    TEST(test_filter),
    TEST(test_policy_roundtrip),
    TEST(test_policy_from_json_errors),
    TEST(test_policy_from_json_warnings),
    TEST(test_lr_text),
    {0},
};
