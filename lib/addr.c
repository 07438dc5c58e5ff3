/* SPDX-License-Identifier: Apache-2.0 */
/* addr: parsing and printing of MACs, IPs, prefixes and GUIDs. */
#include "lib/addr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
eth_parse(const char *s, struct eth_addr *out)
{
	size_t n = strlen(s);
	char sep = 0;

	if (n == 12) {
		sep = 0;
	} else if (n == 17 && (s[2] == ':' || s[2] == '-')) {
		sep = s[2];
	} else {
		return -EINVAL;
	}
	for (int i = 0; i < 6; i++) {
		const char *p = s + (sep ? i * 3 : i * 2);
		int hi = hexval(p[0]), lo = hexval(p[1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		if (sep && i < 5 && p[2] != sep)
			return -EINVAL;
		out->b[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

const char *
eth_fmt(const struct eth_addr *e, char buf[ETH_ADDR_STRLEN])
{
	snprintf(buf, ETH_ADDR_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x", e->b[0],
	         e->b[1], e->b[2], e->b[3], e->b[4], e->b[5]);
	return buf;
}

const char *
eth_fmt_ps(const struct eth_addr *e, char buf[ETH_ADDR_STRLEN])
{
	snprintf(buf, ETH_ADDR_STRLEN, "%02X%02X%02X%02X%02X%02X", e->b[0],
	         e->b[1], e->b[2], e->b[3], e->b[4], e->b[5]);
	return buf;
}

int
ip_parse(const char *s, struct in6_addr *out)
{
	struct in_addr v4;

	if (strchr(s, ':'))
		return inet_pton(AF_INET6, s, out) == 1 ? 0 : -EINVAL;
	if (inet_pton(AF_INET, s, &v4) != 1)
		return -EINVAL;
	ip_set_v4(out, v4.s_addr);
	return 0;
}

const char *
ip_fmt(const struct in6_addr *a, char buf[IP_ADDR_STRLEN])
{
	if (ip_is_v4(a)) {
		struct in_addr v4 = {.s_addr = ip_get_v4(a)};

		inet_ntop(AF_INET, &v4, buf, IP_ADDR_STRLEN);
	} else {
		inet_ntop(AF_INET6, a, buf, IP_ADDR_STRLEN);
	}
	return buf;
}

/* The big-endian mask of the 32-bit word 'i' (0..3) of a 128-bit prefix
 * of 'bits' bits. */
static uint32_t
ip_word_mask(int bits, int i)
{
	int keep = bits - i * 32;

	if (keep >= 32)
		return 0xffffffffu;
	return keep <= 0 ? 0 : htonl(0xffffffffu << (32 - keep));
}

void
ip_mask(struct in6_addr *a, int plen)
{
	int bits = ip_plen128(a, plen);

	for (int i = 0; i < 4; i++) {
		uint32_t w;

		memcpy(&w, a->s6_addr + 4 * i, 4);
		w &= ip_word_mask(bits, i);
		memcpy(a->s6_addr + 4 * i, &w, 4);
	}
}

bool
ip_in_prefix(const struct in6_addr *a, const struct in6_addr *pfx, int plen)
{
	int bits = ip_plen128(a, plen);
	uint32_t diff = 0;

	if (ip_is_v4(a) != ip_is_v4(pfx))
		return false;
	for (int i = 0; i < 4; i++) {
		uint32_t x, y;

		memcpy(&x, a->s6_addr + 4 * i, 4);
		memcpy(&y, pfx->s6_addr + 4 * i, 4);
		diff |= (x & ip_word_mask(bits, i)) ^ y;
	}
	return diff == 0;
}

bool
ip_same_prefix__(const struct in6_addr *a, const struct in6_addr *b, int plen)
{
	int bits = ip_plen128(a, plen);
	uint32_t diff = 0;

	if (ip_is_v4(a) != ip_is_v4(b))
		return false;
	for (int i = 0; i < 4; i++) {
		uint32_t x, y;

		memcpy(&x, a->s6_addr + 4 * i, 4);
		memcpy(&y, b->s6_addr + 4 * i, 4);
		diff |= (x ^ y) & ip_word_mask(bits, i);
	}
	return diff == 0;
}

int
prefix_parse(const char *s, struct in6_addr *pfx, int *plen)
{
	char buf[IP_ADDR_STRLEN + 8], *slash, *end;
	struct in6_addr m;
	long n;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (!slash)
		return -EINVAL;
	*slash = '\0';
	if (ip_parse(buf, pfx) < 0 || !slash[1])
		return -EINVAL;
	errno = 0;
	n = strtol(slash + 1, &end, 10);
	if (*end || errno || n < 0 || n > (ip_is_v4(pfx) ? 32 : 128))
		return -EINVAL;
	m = *pfx;
	ip_mask(&m, (int)n);
	if (!ip_equal(&m, pfx))
		return -EINVAL;
	*plen = (int)n;
	return 0;
}

const char *
prefix_fmt(const struct in6_addr *a, int plen, char buf[IP_ADDR_STRLEN + 4])
{
	char ip[IP_ADDR_STRLEN];

	snprintf(buf, IP_ADDR_STRLEN + 4, "%s/%d", ip_fmt(a, ip), plen);
	return buf;
}

int
guid_parse(const char *s, struct guid *out)
{
	static const int groups[] = {8, 4, 4, 4, 12};
	size_t n = strlen(s);
	int k = 0;

	if (n == 38 && s[0] == '{' && s[37] == '}') {
		s++;
		n -= 2;
	}
	if (n != 36)
		return -EINVAL;
	for (int g = 0; g < 5; g++) {
		for (int i = 0; i < groups[g]; i += 2) {
			int hi = hexval(s[0]), lo = hexval(s[1]);

			if (hi < 0 || lo < 0)
				return -EINVAL;
			out->b[k++] = (uint8_t)(hi << 4 | lo);
			s += 2;
		}
		if (g < 4 && *s++ != '-')
			return -EINVAL;
	}
	return 0;
}

const char *
guid_fmt(const struct guid *g, char buf[GUID_STRLEN])
{
	const uint8_t *b = g->b;

	snprintf(buf, GUID_STRLEN,
	         "{%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	         "%02x%02x%02x%02x%02x%02x}",
	         b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
	         b[10], b[11], b[12], b[13], b[14], b[15]);
	return buf;
}

bool
guid_equal(const struct guid *a, const struct guid *b)
{
	return !memcmp(a, b, sizeof(*a));
}

bool
guid_is_zero(const struct guid *g)
{
	static const struct guid zero;

	return guid_equal(g, &zero);
}
