/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gw: hnv-gateway, the multi-tenant gateway (doc/gateway.md).
 *
 * The daemon reads its gateway's configuration from the controller
 * (GET /v1/gateways/ID/config), one compartment per tenant, and makes
 * each compartment -- a network namespace whose inside NIC is a TAP of
 * the host's hnv-agent in the tenant's gateway VSID -- what it says:
 * addresses and routes, the external veth, one nftables table (NAT, 1:1
 * mappings, load-balanced VIPs, the filter of the external side), health
 * probes of the VIPs' backends, and strongSwan for VPNs (gw/vpn.h).
 *
 *   config.c       the controller's JSON into struct gw_config (checked)
 *   render.c       a compartment's nftables ruleset (text, pure)
 *   compartment.c  applying a compartment (namespaces, links, nftables)
 *   probe.c        health probes (TCP connect, HTTP GET), non-blocking
 *   main.c         the daemon: options, the controller threads, the loop
 */
#ifndef GW_GW_H
#define GW_GW_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/addr.h"

#define GW_ID_MAX 64
#define GW_IFNAME "int0"   /* the compartment's NIC on the HNV switch */
#define GW_EXTNAME "ext0"  /* the compartment's NIC on the outside */
#define GW_BRIDGE "hnvgw0" /* the host's bridge of the external NIC */
#define GW_TABLE "hnvgw"   /* the compartment's nftables table (inet) */

struct gw_prefix {
	struct in6_addr addr;
	int plen;
};

struct gw_probe_cfg {
	bool http; /* else a TCP connect */
	uint16_t port;
	char path[256];
	int interval_ms, timeout_ms;
	int unhealthy, healthy; /* thresholds */
};

struct gw_lb {
	char id[GW_ID_MAX];
	struct in6_addr frontend;
	bool udp;
	uint16_t fport, bport;
	struct in6_addr *backends;
	size_t n_backends;
	struct gw_probe_cfg probe;
};

struct gw_nat1 {
	char id[GW_ID_MAX];
	struct in6_addr ext, in;
};

struct gw_comp {
	char id[GW_ID_MAX];
	bool active;
	char vm[GW_ID_MAX], adapter[16];
	struct eth_addr mac, ext_mac;
	uint32_t vsid;
	char rdid[GUID_STRLEN];
	struct in6_addr gw_addr, subnet_gw;
	struct gw_prefix gw_subnet;
	struct gw_prefix *prefixes; /* the tenant's address space */
	size_t n_prefixes;
	bool forwarding; /* else NAT */
	struct in6_addr ext_addr;
	struct gw_nat1 *nat1;
	size_t n_nat1;
	struct gw_lb *lbs;
	size_t n_lbs;
	/* VPN: what gw/vpn.h takes (NULL: none), and the prefixes it adds
	 * (site-to-site remote prefixes, the point-to-site pool). */
	json_t *vpn;
	struct gw_prefix *vpn_prefixes;
	size_t n_vpn_prefixes;
};

struct gw_config {
	uint64_t revision;
	char id[GW_ID_MAX];
	char server[GW_ID_MAX];
	char ext_if[16];
	struct gw_prefix ext_prefix;
	bool has_ext_gw;
	struct in6_addr ext_gw;
	struct gw_comp *comps;
	size_t n_comps;
};

/* config.c: the reply of GET /v1/gateways/ID/config into 'c' (zeroed
 * first): 0, or -1 with a message naming the field in 'err'. */
int gw_config_parse(const json_t *j, struct gw_config *c, char *err,
                    size_t errlen);
void gw_config_free(struct gw_config *c);
const struct gw_comp *gw_config_find(const struct gw_config *c, const char *id);

/* render.c: the nftables ruleset of compartment 'cp' ("flush table" and
 * the whole table: one atomic transaction), given which backends are
 * healthy: healthy[i][j] for load balancer i, backend j (NULL: all).
 * Malloc'd. */
char *gw_render_nft(const struct gw_config *c, const struct gw_comp *cp,
                    bool *const *healthy);

/* The compartment's namespace name: prefix + the VM name in lower case
 * (as hnv-agent names VM namespaces). */
void gw_netns_name(const char *prefix, const char *vm, char *buf, size_t len);
/* The host-side name of a compartment's external veth ("gx" + hash). */
void gw_veth_name(const char *comp_id, char *buf, size_t len);

#endif
