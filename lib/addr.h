/* SPDX-License-Identifier: Apache-2.0 */
/*
 * addr: MAC addresses, IP addresses, prefixes and GUIDs: parsing what
 * users type, and printing.
 *
 * One IP type for both families: IPv4 is held IPv4-mapped in a struct
 * in6_addr (::ffff:a.b.c.d), so hashes and tries need one code path.
 * Prefix lengths are in the family's own terms (0..32 for IPv4, 0..128
 * for IPv6); ip_plen128() converts.
 *
 * Accepted input forms:
 *   MAC:    600060000101, 60-00-60-00-01-01, 60:00:60:00:01:01
 *   GUID:   {12345678-1000-2000-3000-123456780001} with or without braces
 *   prefix: 10.0.1.0/24, 2001:db8::/64 (host bits must be zero)
 */
#ifndef LIB_ADDR_H
#define LIB_ADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

struct eth_addr {
	uint8_t b[6];
};

struct guid {
	uint8_t b[16];
};

#define ETH_ADDR_STRLEN 18 /* "60:00:60:00:01:01" + NUL */
#define IP_ADDR_STRLEN 46  /* INET6_ADDRSTRLEN */
#define GUID_STRLEN 39     /* "{...}" + NUL */

/* The predicates and accessors below are inline: the data path calls
 * them several times per packet. */
static inline bool
eth_is_zero(const struct eth_addr *e)
{
	static const struct eth_addr zero;

	return !memcmp(e, &zero, sizeof(zero));
}

static inline bool
eth_is_multicast(const struct eth_addr *e)
{
	return e->b[0] & 1;
}

static inline bool
eth_is_broadcast(const struct eth_addr *e)
{
	static const struct eth_addr bc = {
	    {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};

	return !memcmp(e, &bc, sizeof(bc));
}

static inline bool
eth_equal(const struct eth_addr *a, const struct eth_addr *b)
{
	return !memcmp(a, b, sizeof(*a));
}

int eth_parse(const char *s, struct eth_addr *out); /* 0 or -EINVAL */
/* "60:00:60:00:01:01" */
const char *eth_fmt(const struct eth_addr *, char buf[ETH_ADDR_STRLEN]);
/* PowerShell style: "600060000101" (upper-case hex, no separators) */
const char *eth_fmt_ps(const struct eth_addr *, char buf[ETH_ADDR_STRLEN]);

static inline bool
ip_is_v4(const struct in6_addr *a)
{
	return IN6_IS_ADDR_V4MAPPED(a);
}

static inline void
ip_set_v4(struct in6_addr *a, uint32_t be_addr)
{
	memset(a, 0, sizeof(*a));
	a->s6_addr[10] = 0xff;
	a->s6_addr[11] = 0xff;
	memcpy(&a->s6_addr[12], &be_addr, 4);
}

/* Network byte order. */
static inline uint32_t
ip_get_v4(const struct in6_addr *a)
{
	uint32_t v;

	memcpy(&v, &a->s6_addr[12], 4);
	return v;
}

static inline bool
ip_equal(const struct in6_addr *a, const struct in6_addr *b)
{
	return !memcmp(a, b, sizeof(*a));
}

/* 0.0.0.0 or :: */
static inline bool
ip_is_unspec(const struct in6_addr *a)
{
	if (ip_is_v4(a))
		return ip_get_v4(a) == 0;
	return IN6_IS_ADDR_UNSPECIFIED(a);
}

int ip_parse(const char *s, struct in6_addr *out); /* 0 or -EINVAL */
const char *ip_fmt(const struct in6_addr *, char buf[IP_ADDR_STRLEN]);
static inline int
ip_plen128(const struct in6_addr *a, int plen)
{
	return ip_is_v4(a) ? plen + 96 : plen;
}

/* Zeroes host bits beyond 'plen' (family terms). */
void ip_mask(struct in6_addr *, int plen);
bool ip_in_prefix(const struct in6_addr *a, const struct in6_addr *pfx,
                  int plen);
/* Are 'a' and 'b' of one family and equal in their first 'plen' bits
 * (family terms)?  Neither needs its host bits zero: "is 'a' on the
 * subnet of address 'b'/plen".  Inline for two IPv4 addresses (the
 * encapsulator asks it of every packet). */
bool ip_same_prefix__(const struct in6_addr *a, const struct in6_addr *b,
                      int plen);
static inline bool
ip_same_prefix(const struct in6_addr *a, const struct in6_addr *b, int plen)
{
	if (ip_is_v4(a) && ip_is_v4(b)) {
		uint32_t m = plen <= 0    ? 0
		             : plen >= 32 ? 0xffffffffu
		                          : 0xffffffffu << (32 - plen);

		return ((ip_get_v4(a) ^ ip_get_v4(b)) & htonl(m)) == 0;
	}
	return ip_same_prefix__(a, b, plen);
}
/* "10.0.1.0/24": 0, or -EINVAL (syntax, range, or host bits set). */
int prefix_parse(const char *s, struct in6_addr *pfx, int *plen);
const char *prefix_fmt(const struct in6_addr *, int plen,
                       char buf[IP_ADDR_STRLEN + 4]);

int guid_parse(const char *s, struct guid *out); /* 0 or -EINVAL */
/* "{12345678-1000-2000-3000-123456780001}" */
const char *guid_fmt(const struct guid *, char buf[GUID_STRLEN]);
bool guid_equal(const struct guid *, const struct guid *);
bool guid_is_zero(const struct guid *);

#endif
