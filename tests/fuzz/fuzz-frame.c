/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-frame: pkt_parse() over arbitrary bytes, as a libFuzzer target
 * (build/fuzz/fuzz-frame) and a corpus replayer (build/tests/replay-
 * frame over tests/fuzz/corpus/frame/).  A GRE frame's inner frame is
 * parsed too; the flow hash runs on every result; an echo request is
 * answered in place on a copy and the reply must parse again; ICMP
 * errors and the TTL decrement run on every IP frame.  The invariants of
 * pkt/parse.h are checked with abort(), so a violation is a crash.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/addr.h"
#include "pkt/build.h"
#include "pkt/csum.h"
#include "pkt/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX 16384

static void
fuzz_check(const struct pkt_info *pi, size_t len)
{
	if (pi->l3_ofs > len)
		abort();
	if (!pi->is_ip)
		return;
	if (pi->ip_end > len || pi->ip_end < pi->l3_ofs)
		abort();
	if (pi->l4_ofs && (pi->l4_ofs < pi->l3_ofs || pi->l4_ofs > pi->ip_end))
		abort();
	if (pi->inner_ofs && (!pi->l4_ofs || pi->inner_ofs > pi->ip_end))
		abort();
	if (pi->is_later_fragment && (pi->l4_ofs || !pi->is_fragment))
		abort();
}

static void
fuzz_one(const uint8_t *data, size_t size, int depth)
{
	static uint8_t copy[FUZZ_MAX], out[2048];
	struct pkt_info pi, rep;
	volatile uint32_t h;
	size_t n;

	if (pkt_parse(data, size, &pi) < 0) {
		h = pkt_flow_hash(&pi);
		(void)h;
		return;
	}
	fuzz_check(&pi, size);
	h = pkt_flow_hash(&pi);
	(void)h;

	if (pi.is_ip && size <= sizeof(copy)) {
		struct in6_addr from;
		struct eth_addr mac = {{2, 0, 0, 0, 0, 1}};

		memcpy(copy, data, size);
		if (build_echo_reply_inplace(copy, size, &pi) == 0) {
			if (pkt_parse(copy, size, &rep) < 0)
				abort();
			fuzz_check(&rep, size);
		}
		memcpy(copy, data, size);
		if (pi.ttl > 1) {
			build_dec_ttl(copy, &pi);
			if (pkt_parse(copy, size, &rep) < 0)
				abort();
		}
		if (pi.is_ipv6)
			inet_pton(AF_INET6, "fd00::1", &from);
		else
			ip_set_v4(&from, htonl(0x0a000001));
		n = build_icmp_error(out, sizeof(out), &mac, &mac, &from, 3, 1,
		                     0, data, &pi);
		if (!n || pkt_parse(out, n, &rep) < 0 || rep.ip_end != n)
			abort();
	}
	if (pi.l4_ofs && pi.inner_ofs && depth < 2)
		fuzz_one(data + pi.inner_ofs, pi.ip_end - pi.inner_ofs,
		         depth + 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_one(data, size, 0);
	return 0;
}
