/* SPDX-License-Identifier: Apache-2.0 */
/* probe: complete test packets for trace and tests (see probe.h). */
#include "pkt/probe.h"

#include <string.h>

#include "pkt/csum.h"

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

size_t
build_probe(uint8_t *f, const struct eth_addr *src, const struct eth_addr *dst,
            const struct in6_addr *ip_src, const struct in6_addr *ip_dst,
            int proto, int sport, int dport, int ttl)
{
	bool v6 = !ip_is_v4(ip_dst);
	size_t l3 = 14, l4 = v6 ? 54 : 34, l4len, len;
	static const char payload[] = "openhnv-trace-01";
	uint8_t *p4 = f + l4;
	uint32_t sum;

	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	put16(f + 12, v6 ? 0x86dd : 0x0800);
	if (proto == 1)
		proto = v6 ? 58 : 1;
	l4len = (proto == 6 ? 20 : 8) + sizeof(payload) - 1;
	memset(p4, 0, l4len);
	switch (proto) {
	case 1:
	case 58:
		p4[0] = v6 ? 128 : 8;
		put16(p4 + 4, 0x4856);
		put16(p4 + 6, 1);
		memcpy(p4 + 8, payload, sizeof(payload) - 1);
		break;
	case 17:
		put16(p4, (uint16_t)sport);
		put16(p4 + 2, (uint16_t)dport);
		put16(p4 + 4, (uint16_t)l4len);
		memcpy(p4 + 8, payload, sizeof(payload) - 1);
		break;
	default: /* TCP SYN */
		put16(p4, (uint16_t)sport);
		put16(p4 + 2, (uint16_t)dport);
		p4[12] = 5 << 4;
		p4[13] = 0x02;
		put16(p4 + 14, 65535);
		memcpy(p4 + 20, payload, sizeof(payload) - 1);
		break;
	}
	if (v6) {
		uint8_t *h = f + l3;

		memset(h, 0, 40);
		h[0] = 0x60;
		put16(h + 4, (uint16_t)l4len);
		h[6] = (uint8_t)proto;
		h[7] = (uint8_t)ttl;
		memcpy(h + 8, ip_src, 16);
		memcpy(h + 24, ip_dst, 16);
		sum = csum_pseudo6(ip_src, ip_dst, (uint8_t)proto,
		                   (uint32_t)l4len);
	} else {
		uint8_t *h = f + l3;
		uint32_t s4 = ip_get_v4(ip_src), d4 = ip_get_v4(ip_dst);

		memset(h, 0, 20);
		h[0] = 0x45;
		put16(h + 2, (uint16_t)(20 + l4len));
		put16(h + 6, 0x4000);
		h[8] = (uint8_t)ttl;
		h[9] = (uint8_t)proto;
		memcpy(h + 12, &s4, 4);
		memcpy(h + 16, &d4, 4);
		put16(h + 10, csum_fold(csum_add(0, h, 20)));
		sum = proto == 1 ? 0
		                 : csum_pseudo4(s4, d4, (uint8_t)proto,
		                                (uint32_t)l4len);
	}
	put16(p4 + (proto == 6    ? 16
	            : proto == 17 ? 6
	                          : 2),
	      csum_fold(csum_add(sum, p4, l4len)));
	len = l4 + l4len;
	return len;
}
