/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-gw-config: hnv-gateway's reading of the controller's
 * GET /v1/gateways/ID/config (gw/config.c) on the reply the controller
 * really gives (taken from tests/api/gateway.py), its refusals naming
 * the field, and the nftables ruleset rendered from it (gw/render.c):
 * what each tenant's NAT, 1:1 rule and VIP become, and a VIP whose
 * backends are all down.
 */
#include <jansson.h>
#include <string.h>

#include "gw/gw.h"
#include "tests/unit/harness.h"

static const char reply[] =
    "{\"revision\":12,\"gateway\":{\"resourceId\":\"gw1\",\"server\":"
    "\"GWHost\",\"externalInterface\":\"Ethernet2\",\"externalPrefix\":"
    "\"203.0.113.0/24\",\"externalGateway\":\"203.0.113.1\"},"
    "\"compartments\":[{\"resourceId\":\"contoso\",\"role\":\"active\","
    "\"vmName\":\"gw-contoso\",\"adapterName\":\"int0\",\"macAddress\":"
    "\"60:00:60:00:00:00\",\"virtualSubnetId\":6002,\"routingDomainId\":"
    "\"{14737f8f-34ac-4d8a-b4df-68b5a6ce6e6a}\",\"gatewayAddress\":"
    "\"10.0.2.2\",\"gatewaySubnet\":\"10.0.2.0/24\",\"subnetGateway\":"
    "\"10.0.2.1\",\"addressPrefixes\":[\"10.0.0.0/16\"],\"mode\":\"nat\","
    "\"externalAddress\":\"203.0.113.10\",\"externalMacAddress\":"
    "\"02:22:18:f4:89:ed\",\"natRules\":[{\"resourceId\":\"web\","
    "\"externalAddress\":\"203.0.113.11\",\"internalAddress\":"
    "\"10.0.1.101\"}],\"loadBalancers\":[{\"resourceId\":\"www\","
    "\"frontendAddress\":\"203.0.113.12\",\"protocol\":\"tcp\","
    "\"frontendPort\":80,\"backendPort\":8080,\"backendAddresses\":"
    "[\"10.0.1.101\",\"10.0.1.102\"],\"probe\":{\"protocol\":\"http\","
    "\"port\":8080,\"path\":\"/\",\"intervalMs\":1000,\"timeoutMs\":800,"
    "\"unhealthyThreshold\":2,\"healthyThreshold\":2}}],\"vpn\":"
    "{\"siteToSite\":[{\"resourceId\":\"hq\",\"peerAddress\":"
    "\"198.51.100.2\",\"remotePrefixes\":[\"192.168.50.0/24\"],"
    "\"localPrefixes\":[\"10.0.0.0/16\"],\"psk\":\"s3cret\"}],"
    "\"pointToSite\":{\"addressPool\":\"172.16.200.0/24\",\"users\":[]}}},"
    "{\"resourceId\":\"v2\",\"role\":\"standby\",\"vmName\":\"gw-v2\","
    "\"adapterName\":\"int0\",\"macAddress\":\"60:00:60:00:00:02\","
    "\"virtualSubnetId\":6004,\"routingDomainId\":"
    "\"{0552aafd-e25a-46dc-b5c0-b355eeebc029}\",\"gatewayAddress\":"
    "\"10.0.2.2\",\"gatewaySubnet\":\"10.0.2.0/24\",\"subnetGateway\":"
    "\"10.0.2.1\",\"addressPrefixes\":[\"10.0.0.0/16\"],\"mode\":\"nat\","
    "\"externalAddress\":\"203.0.113.30\",\"externalMacAddress\":"
    "\"02:1d:7b:25:33:1a\",\"natRules\":[],\"loadBalancers\":[],"
    "\"vpn\":{}}]}";

static int
parse(const char *text, struct gw_config *c, char *err, size_t len)
{
	json_t *j = json_loads(text, 0, NULL);
	int rc = gw_config_parse(j, c, err, len);
	json_decref(j);
	return rc;
}

static void
test_controller_reply(void)
{
	struct gw_config c;
	char err[256] = "", ab[IP_ADDR_STRLEN];

	CHECK_EQ(parse(reply, &c, err, sizeof(err)), 0);
	CHECK_STR(err, "");
	CHECK_EQ(c.revision, 12);
	CHECK_STR(c.ext_if, "Ethernet2");
	CHECK(c.has_ext_gw);
	CHECK_EQ(c.n_comps, 2);
	const struct gw_comp *a = gw_config_find(&c, "contoso");
	const struct gw_comp *b = gw_config_find(&c, "v2");
	CHECK(a && b);
	if (!a || !b)
		return;
	CHECK(a->active);
	CHECK(!b->active);
	CHECK_EQ(a->vsid, 6002);
	CHECK_STR(ip_fmt(&a->gw_addr, ab), "10.0.2.2");
	CHECK_EQ(a->n_nat1, 1);
	CHECK_EQ(a->n_lbs, 1);
	CHECK_EQ(a->lbs[0].n_backends, 2);
	CHECK_EQ(a->lbs[0].fport, 80);
	CHECK_EQ(a->lbs[0].bport, 8080);
	CHECK(a->lbs[0].probe.http);
	CHECK(a->vpn != NULL);
	CHECK_EQ(a->n_vpn_prefixes, 2); /* the site's prefix, the pool */
	CHECK(b->vpn == NULL);
	gw_config_free(&c);
}

static void
test_render(void)
{
	struct gw_config c;
	char err[256];
	bool down[3] = {false, false, false}, *h[2] = {down, NULL};

	CHECK_EQ(parse(reply, &c, err, sizeof(err)), 0);
	if (c.n_comps != 2)
		return;
	char *t = gw_render_nft(&c, &c.comps[0], NULL);
	CHECK(strstr(t, "oifname \"ext0\" ip saddr @tenant ip daddr != "
	                "@remote snat ip to 203.0.113.10") != NULL);
	CHECK(strstr(t, "iifname \"ext0\" ip daddr 203.0.113.11 dnat ip to "
	                "10.0.1.101") != NULL);
	/* 1:1 outbound, but not into the VPN */
	CHECK(strstr(t, "oifname \"ext0\" ip saddr 10.0.1.101 ip daddr != "
	                "@remote snat ip to 203.0.113.11") != NULL);
	CHECK(strstr(t, "ip daddr 203.0.113.12 tcp dport 80 dnat ip addr . "
	                "port to jhash ip saddr . tcp sport mod 2 map { 0 : "
	                "10.0.1.101 . 8080, 1 : 10.0.1.102 . 8080 }") != NULL);
	CHECK(strstr(t, "udp dport { 500, 4500 } accept") != NULL);
	CHECK(strstr(t, "policy drop") != NULL);
	free(t);
	/* every backend down: no dnat, the gateway resets instead */
	t = gw_render_nft(&c, &c.comps[0], h);
	CHECK(strstr(t, "jhash") == NULL);
	CHECK(strstr(t, "ip daddr 203.0.113.12 tcp dport 80 counter name "
	                "lb_no_backend reject with tcp reset") != NULL);
	free(t);
	/* the other tenant: no VPN, so no IKE ports, its own address */
	t = gw_render_nft(&c, &c.comps[1], NULL);
	CHECK(strstr(t, "snat ip to 203.0.113.30") != NULL);
	CHECK(strstr(t, "4500") == NULL);
	free(t);
	gw_config_free(&c);
}

static void
test_refusals(void)
{
	static const struct {
		const char *from, *to, *field;
	} cases[] = {
	    {"\"resourceId\":\"contoso\"", "\"resourceId\":\"a b\"",
	     "compartments[0].resourceId"},
	    {"\"role\":\"active\"", "\"role\":\"boss\"",
	     "compartments[0].role"},
	    {"\"frontendPort\":80", "\"frontendPort\":70000",
	     "compartments[0].loadBalancers[0].frontendPort"},
	    {"\"10.0.1.102\"]", "\"10.0.1.x\"]",
	     "compartments[0].loadBalancers[0].backendAddresses[1]"},
	    {"\"vmName\":\"gw-contoso\"", "\"vmName\":\"../etc\"",
	     "compartments[0].vmName"},
	    {"\"path\":\"/\"", "\"path\":\"/ HTTP/1.1\\r\\nHost: x\"",
	     "compartments[0].loadBalancers[0].probe.path"},
	    {"\"192.168.50.0/24\"", "\"192.168.50.0/33\"", "remotePrefixes[0]"},
	    {"\"externalAddress\":\"203.0.113.30\"",
	     "\"externalAddress\":\"2001:db8::1\"",
	     "compartments[1].externalAddress"},
	    {"\"resourceId\":\"v2\"", "\"resourceId\":\"contoso\"",
	     "compartments[1]"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[sizeof(reply) + 128], err[256] = "";
		const char *at = strstr(reply, cases[i].from);
		struct gw_config c;
		CHECK(at != NULL);
		if (!at)
			continue;
		snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - reply), reply,
		         cases[i].to, at + strlen(cases[i].from));
		CHECK_EQ(parse(buf, &c, err, sizeof(err)), -1);
		if (!strstr(err, cases[i].field)) {
			fprintf(stderr, "case %zu: '%s' does not name %s\n", i,
			        err, cases[i].field);
			CHECK(false);
		}
	}
}

const struct test_case tests[] = {
    TEST(test_controller_reply),
    TEST(test_render),
    TEST(test_refusals),
    {0},
};
