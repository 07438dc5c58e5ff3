/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-offload: software TSO and receive coalescing (io/offload.h) over
 * arbitrary bytes, as a libFuzzer target (build/fuzz/fuzz-offload) and a
 * corpus replayer (build/tests/replay-offload over
 * tests/fuzz/corpus/offload/).
 *
 * Input: byte 0 the virtio-net gso_type, bytes 1-2 the gso_size (big
 * endian), byte 3 how many of the segments to coalesce again, then the
 * frame (a guest's super-frame).  Invariants, checked with abort():
 * whatever tso_init() accepts is cut into segments that fit the buffer,
 * parse as IP/TCP frames, carry a valid TCP checksum, and hold all the
 * payload in order; coalescing any prefix of them never claims more
 * frames than it was given nor a length beyond its limit, and merging a
 * run gives a head whose IP length is the run's.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io/offload.h"
#include "pkt/csum.h"
#include "pkt/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SEG_MAX 64
#define CAP 2000

static struct pbuf segs[SEG_MAX];

static uint32_t
tcp_sum(const uint8_t *f, const struct pkt_info *pi)
{
	uint32_t l4len = (uint32_t)(pi->ip_end - pi->l4_ofs), sum;

	if (pi->is_ipv6) {
		struct in6_addr s, d;

		memcpy(&s, f + pi->l3_ofs + 8, 16);
		memcpy(&d, f + pi->l3_ofs + 24, 16);
		sum = csum_pseudo6(&s, &d, 6, l4len);
	} else {
		uint32_t s, d;

		memcpy(&s, f + pi->l3_ofs + 12, 4);
		memcpy(&d, f + pi->l3_ofs + 16, 4);
		sum = csum_pseudo4(s, d, 6, l4len);
	}
	return csum_add(sum, f + pi->l4_ofs, l4len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pbuf *bufs[SEG_MAX];
	struct coalesce c;
	struct tso t;
	uint16_t gso_size;
	size_t done = 0;
	int n = 0, want;

	if (size < 4)
		return 0;
	gso_size = (uint16_t)(data[1] << 8 | data[2]);
	want = data[3] % (SEG_MAX + 1);
	if (tso_init(&t, data + 4, size - 4, data[0], gso_size, CAP))
		return 0;
	while (tso_more(&t) && n < SEG_MAX) {
		struct pbuf *b = &segs[n];
		struct pkt_info pi;

		pbuf_reset(b);
		b->len = (uint32_t)tso_next(&t, b->data);
		if (b->len > CAP || b->len < t.hlen)
			abort();
		if (pkt_parse(b->data, b->len, &pi) < 0 || !pi.is_ip ||
		    pi.l4_proto != 6 || pi.ip_end != b->len)
			abort();
		if (!csum_ok(tcp_sum(b->data, &pi)))
			abort();
		if (memcmp(b->data + t.hlen, data + 4 + t.hlen + done,
		           b->len - t.hlen))
			abort();
		done += b->len - t.hlen;
		bufs[n] = b;
		n++;
	}
	if (!tso_more(&t) && done != t.payload)
		abort();
	if (want > n)
		want = n;
	for (int i = 0; i < want;) {
		coalesce_scan(bufs + i, want - i, 65536, true, &c);
		if (c.count < 1 || c.count > want - i || c.len > 65536)
			abort();
		if (c.count > 1) {
			const uint8_t *ip = bufs[i]->data + 14;
			uint32_t iplen;

			coalesce_head(bufs + i, &c);
			iplen = c.v6 ? 40u + (uint32_t)(ip[4] << 8 | ip[5])
			             : (uint32_t)(ip[2] << 8 | ip[3]);
			if (iplen + 14 != c.len)
				abort();
		}
		i += c.count;
	}
	return 0;
}
