/* SPDX-License-Identifier: Apache-2.0 */
/*
 * render: a compartment's nftables ruleset, as text for libnftables
 * (nft -f syntax).  One table, `inet hnvgw`, replaced whole in one
 * transaction ("table; delete table; table {...}"), so a packet sees
 * either the old rules or the new ones.
 *
 *   gw_raw      drops spoofed sources: from outside, an address of the
 *             tenant or of the gateway itself; from the tenant's side, a
 *             source outside its address space (and its VPN prefixes)
 *   gw_dnat     1:1 mappings and VIPs (jhash of the client's address and
 *             port over the healthy backends: a flow stays on its DIP,
 *             conntrack keeps it there while the set changes)
 *   gw_snat    1:1 outbound, then the tenant's SNAT to its external
 *             address (NAT mode; none in forwarding mode, and never for
 *             traffic to the VPN prefixes)
 *   gw_forward  policy drop: replies, tenant to outside, outside to a
 *             mapped or balanced address (ct status dnat), forwarding
 *             mode's inbound, VPN traffic
 *   gw_input  policy drop: the gateway itself answers pings (limited),
 *             IKE and ESP-in-UDP when there is a VPN, and a VIP with no
 *             healthy backend resets
 * Every drop has a named counter ("hnvctl gateway status" shows them).
 * Only values that gw/config.c parsed (addresses, prefixes, numbers,
 * checked ids) reach the text.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw/gw.h"
#include "lib/util.h"

struct sbuf {
	char *p;
	size_t len, cap;
};

static void PRINTF_FMT(2, 3) put(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < b->cap - b->len)
			break;
		b->cap = b->cap * 2 + (size_t)n + 64;
		b->p = xrealloc(b->p, b->cap);
	}
	b->len += (size_t)n;
}

static const char *
fam(const struct in6_addr *a)
{
	return ip_is_v4(a) ? "ip" : "ip6";
}

static const char *
ipf(const struct in6_addr *a, char buf[IP_ADDR_STRLEN])
{
	return ip_fmt(a, buf);
}

static void
put_prefixes(struct sbuf *b, const struct gw_prefix *p, size_t n, bool v4)
{
	char buf[IP_ADDR_STRLEN + 4];
	bool first = true;

	for (size_t i = 0; i < n; i++) {
		if (ip_is_v4(&p[i].addr) != v4)
			continue;
		put(b, "%s%s", first ? "" : ", ",
		    prefix_fmt(&p[i].addr, p[i].plen, buf));
		first = false;
	}
}

static bool
any_of(const struct gw_prefix *p, size_t n, bool v4)
{
	for (size_t i = 0; i < n; i++)
		if (ip_is_v4(&p[i].addr) == v4)
			return true;
	return false;
}

static void
put_lb(struct sbuf *b, const struct gw_comp *cp, const struct gw_lb *lb,
       const bool *healthy)
{
	char a[IP_ADDR_STRLEN], d[IP_ADDR_STRLEN];
	const char *proto = lb->udp ? "udp" : "tcp";
	size_t n = 0, k = 0;

	for (size_t j = 0; j < lb->n_backends; j++)
		if ((!healthy || healthy[j]) &&
		    ip_is_v4(&lb->backends[j]) == ip_is_v4(&cp->gw_addr))
			n++;
	if (!n || ip_is_v4(&lb->frontend) != ip_is_v4(&cp->gw_addr))
		return; /* "in" resets it */
	put(b,
	    "\t\tiifname \"" GW_EXTNAME "\" %s daddr %s %s dport %u "
	    "dnat %s addr . port to jhash %s saddr . %s sport mod %zu "
	    "map { ",
	    fam(&lb->frontend), ipf(&lb->frontend, a), proto, lb->fport,
	    fam(&cp->gw_addr), fam(&lb->frontend), proto, n);
	for (size_t j = 0; j < lb->n_backends; j++) {
		if ((healthy && !healthy[j]) ||
		    ip_is_v4(&lb->backends[j]) != ip_is_v4(&cp->gw_addr))
			continue;
		put(b, "%s%zu : %s . %u", k ? ", " : "", k,
		    ipf(&lb->backends[j], d), lb->bport);
		k++;
	}
	put(b, " } comment \"lb %s\"\n", lb->id);
}

char *
gw_render_nft(const struct gw_config *c, const struct gw_comp *cp,
              bool *const *healthy)
{
	struct sbuf b = {0};
	char a[IP_ADDR_STRLEN], d[IP_ADDR_STRLEN];
	bool v4 = ip_is_v4(&cp->gw_addr); /* the tenant's family */
	const char *tf = v4 ? "ip" : "ip6";
	const char *settype = v4 ? "ipv4_addr" : "ipv6_addr";
	bool ext_v4 = ip_is_v4(&cp->ext_addr);
	bool same = v4 == ext_v4;
	bool vpn = cp->vpn != NULL;
	bool remote = any_of(cp->vpn_prefixes, cp->n_vpn_prefixes, v4);
	static const char *const counters[] = {
	    "spoofed_outside", "spoofed_inside", "invalid",
	    "forward_denied",  "input_denied",   "lb_no_backend",
	};

	b.cap = 4096;
	b.p = xmalloc(b.cap);
	b.p[0] = 0;
	put(&b, "table inet " GW_TABLE "\ndelete table inet " GW_TABLE
	        "\ntable inet " GW_TABLE " {\n");
	for (size_t i = 0; i < ARRAY_SIZE(counters); i++)
		put(&b, "\tcounter %s { }\n", counters[i]);
	put(&b,
	    "\tset tenant {\n\t\ttype %s\n\t\tflags interval\n"
	    "\t\telements = { ",
	    settype);
	put_prefixes(&b, cp->prefixes, cp->n_prefixes, v4);
	put(&b, " }\n\t}\n");
	if (remote) {
		put(&b,
		    "\tset remote {\n\t\ttype %s\n\t\tflags interval\n"
		    "\t\telements = { ",
		    settype);
		put_prefixes(&b, cp->vpn_prefixes, cp->n_vpn_prefixes, v4);
		put(&b, " }\n\t}\n");
	}

	/* raw_pre: spoofing */
	put(&b, "\tchain gw_raw {\n\t\ttype filter hook prerouting priority "
	        "raw; policy accept;\n");
	put(&b,
	    "\t\tiifname \"" GW_EXTNAME
	    "\" %s saddr @tenant counter name spoofed_outside drop\n",
	    tf);
	put(&b, "\t\tiifname \"" GW_EXTNAME
	        "\" fib saddr type local counter name spoofed_outside drop\n");
	put(&b,
	    "\t\tiifname \"%s\" meta nfproto %s %s saddr != @tenant %s"
	    "counter name spoofed_inside drop\n",
	    cp->adapter, v4 ? "ipv4" : "ipv6", tf,
	    remote ? (v4 ? "ip saddr != @remote " : "ip6 saddr != @remote ")
	           : "");
	put(&b, "\t}\n");

	/* nat_pre: 1:1 and VIPs */
	put(&b, "\tchain gw_dnat {\n\t\ttype nat hook prerouting priority "
	        "dstnat; policy accept;\n");
	for (size_t i = 0; i < cp->n_nat1 && same; i++)
		put(&b,
		    "\t\tiifname \"" GW_EXTNAME "\" %s daddr %s dnat %s to %s "
		    "comment \"nat %s\"\n",
		    fam(&cp->nat1[i].ext), ipf(&cp->nat1[i].ext, a), tf,
		    ipf(&cp->nat1[i].in, d), cp->nat1[i].id);
	for (size_t i = 0; i < cp->n_lbs; i++)
		put_lb(&b, cp, &cp->lbs[i], healthy ? healthy[i] : NULL);
	put(&b, "\t}\n");
	/* nat_post */
	put(&b, "\tchain gw_snat {\n\t\ttype nat hook postrouting priority "
	        "srcnat; policy accept;\n");
	/* Neither translation for traffic to the VPN's remote prefixes
	 * (with the kernel's xfrm it leaves through ext0 too, and must keep
	 * its inside source to match the tunnel's policy). */
	for (size_t i = 0; i < cp->n_nat1 && same; i++)
		put(&b,
		    "\t\toifname \"" GW_EXTNAME "\" %s saddr %s %s"
		    "snat %s to %s comment \"nat %s\"\n",
		    tf, ipf(&cp->nat1[i].in, a),
		    remote ? (v4 ? "ip daddr != @remote "
		                 : "ip6 daddr != @remote ")
		           : "",
		    fam(&cp->nat1[i].ext), ipf(&cp->nat1[i].ext, d),
		    cp->nat1[i].id);
	if (!cp->forwarding && same)
		put(&b,
		    "\t\toifname \"" GW_EXTNAME "\" %s saddr @tenant %s"
		    "snat %s to %s comment \"tenant\"\n",
		    tf,
		    remote ? (v4 ? "ip daddr != @remote "
		                 : "ip6 daddr != @remote ")
		           : "",
		    tf, ipf(&cp->ext_addr, a));
	put(&b, "\t}\n");

	/* fwd */
	put(&b, "\tchain gw_forward {\n\t\ttype filter hook forward priority "
	        "filter; policy drop;\n"
	        "\t\tct state established,related accept\n"
	        "\t\tct state invalid counter name invalid drop\n");
	put(&b,
	    "\t\tiifname \"%s\" oifname \"" GW_EXTNAME "\" %s saddr @tenant "
	    "accept\n",
	    cp->adapter, tf);
	put(&b,
	    "\t\tiifname \"" GW_EXTNAME "\" oifname \"%s\" ct status dnat "
	    "accept\n",
	    cp->adapter);
	if (cp->forwarding)
		put(&b,
		    "\t\tiifname \"" GW_EXTNAME "\" oifname \"%s\" %s daddr "
		    "@tenant accept\n",
		    cp->adapter, tf);
	if (remote) {
		put(&b,
		    "\t\tiifname \"%s\" %s saddr @tenant %s daddr @remote "
		    "accept\n",
		    cp->adapter, tf, tf);
		put(&b,
		    "\t\toifname \"%s\" %s saddr @remote %s daddr @tenant "
		    "accept\n",
		    cp->adapter, tf, tf);
	}
	put(&b, "\t\tcounter name forward_denied drop\n\t}\n");

	/* in */
	put(&b,
	    "\tchain gw_input {\n\t\ttype filter hook input priority filter; "
	    "policy drop;\n"
	    "\t\tiif \"lo\" accept\n"
	    "\t\tct state established,related accept\n"
	    "\t\tct state invalid counter name invalid drop\n"
	    "\t\ticmp type echo-request limit rate 50/second accept\n"
	    "\t\ticmpv6 type { echo-request } limit rate 50/second "
	    "accept\n"
	    "\t\ticmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, "
	    "nd-router-advert, packet-too-big } accept\n");
	if (vpn)
		put(&b,
		    "\t\tiifname \"" GW_EXTNAME "\" udp dport { 500, 4500 } "
		    "accept\n"
		    "\t\tiifname \"" GW_EXTNAME "\" meta l4proto esp "
		    "accept\n");
	for (size_t i = 0; i < cp->n_lbs; i++) {
		const struct gw_lb *lb = &cp->lbs[i];
		put(&b,
		    "\t\t%s daddr %s %s dport %u counter name lb_no_backend "
		    "%s\n",
		    fam(&lb->frontend), ipf(&lb->frontend, a),
		    lb->udp ? "udp" : "tcp", lb->fport,
		    lb->udp ? "reject" : "reject with tcp reset");
	}
	put(&b, "\t\tcounter name input_denied drop\n\t}\n}\n");
	(void)c;
	return b.p;
}
