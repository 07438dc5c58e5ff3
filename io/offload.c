/* SPDX-License-Identifier: Apache-2.0 */
/*
 * offload: software TSO and TCP receive coalescing (see offload.h).
 *
 * Header offsets are read straight from the frame: the IPv4 header at
 * l3 (total length +2, ID +4, fragment +6, protocol +9, checksum +10,
 * addresses +12 and +16), IPv6 (payload length +4, next header +6,
 * addresses +8 and +24), TCP at l4 (sequence +4, acknowledgment +8,
 * data offset +12, flags +13, window +14, checksum +16).
 */
#include "io/offload.h"

#include <errno.h>
#include <linux/virtio_net.h>
#include <string.h>

#include "pkt/csum.h"

#define ETH_HLEN_ 14
#define ETYPE_IPV4 0x0800
#define ETYPE_IPV6 0x86dd
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17

#define TCPF_FIN 0x01
#define TCPF_PSH 0x08
#define TCPF_ACK 0x10
#define TCPF_CWR 0x80

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* The pseudo-header sum of a frame's IP header for 'l4len' bytes of
 * protocol 'proto'. */
static uint32_t
pseudo_sum(const uint8_t *ip, bool v6, uint8_t proto, uint32_t l4len)
{
	uint32_t s, d;
	struct in6_addr s6, d6;

	if (v6) {
		memcpy(&s6, ip + 8, 16);
		memcpy(&d6, ip + 24, 16);
		return csum_pseudo6(&s6, &d6, proto, l4len);
	}
	memcpy(&s, ip + 12, 4);
	memcpy(&d, ip + 16, 4);
	return csum_pseudo4(s, d, proto, l4len);
}

static void
ip4_fix_csum(uint8_t *ip)
{
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;

	wr16(ip + 10, 0);
	wr16(ip + 10, csum_fold(csum_add(0, ip, ihl)));
}

/*
 * Where the IP and transport headers are and how long the frame is by its
 * IP header.  'v6' says which IP version and 'proto' which transport
 * (TCP or UDP) is wanted.  Returns false for anything but an untagged,
 * unfragmented frame of that kind whose headers fit.
 */
static bool
l4_frame(const uint8_t *f, size_t len, bool v6, uint8_t proto, uint16_t *l4,
         uint16_t *hlen, uint32_t *flen)
{
	size_t ihl, iplen, thl;

	if (len < ETH_HLEN_ + 20 ||
	    rd16(f + 12) != (v6 ? ETYPE_IPV6 : ETYPE_IPV4))
		return false;
	f += ETH_HLEN_;
	len -= ETH_HLEN_;
	if (v6) {
		if (len < 40 + 8 || f[0] >> 4 != 6 || f[6] != proto)
			return false;
		ihl = 40;
		iplen = 40 + (size_t)rd16(f + 4);
	} else {
		ihl = (size_t)(f[0] & 0x0f) * 4;
		if (f[0] >> 4 != 4 || ihl < 20 || f[9] != proto ||
		    (rd16(f + 6) & 0x3fff))
			return false;
		iplen = rd16(f + 2);
	}
	thl = proto == IPPROTO_UDP_ ? 8 : 20;
	if (iplen > len || iplen < ihl + thl)
		return false;
	if (proto == IPPROTO_TCP_) {
		thl = (size_t)(f[ihl + 12] >> 4) * 4;
		if (thl < 20 || ihl + thl > iplen)
			return false;
	} else if (rd16(f + ihl + 4) != iplen - ihl) {
		return false; /* the UDP length must be the IP payload's */
	}
	*l4 = (uint16_t)(ETH_HLEN_ + ihl);
	*hlen = (uint16_t)(ETH_HLEN_ + ihl + thl);
	*flen = (uint32_t)(ETH_HLEN_ + iplen);
	return true;
}

int
tso_init(struct tso *t, const uint8_t *frame, size_t len, uint8_t gso_type,
         uint16_t gso_size, size_t cap)
{
	uint8_t type = gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;
	uint32_t first;

	memset(t, 0, sizeof(*t));
	if (type == VIRTIO_NET_HDR_GSO_UDP_L4 && len >= ETH_HLEN_) {
		/* UDP segmentation: either IP version */
		t->udp = true;
		t->v6 = rd16(frame + 12) == ETYPE_IPV6;
	} else if (type == VIRTIO_NET_HDR_GSO_TCPV4 ||
	           type == VIRTIO_NET_HDR_GSO_TCPV6) {
		t->v6 = type == VIRTIO_NET_HDR_GSO_TCPV6;
	} else {
		return -EINVAL;
	}
	if (!l4_frame(frame, len, t->v6, t->udp ? IPPROTO_UDP_ : IPPROTO_TCP_,
	              &t->l4, &t->hlen, &t->len))
		return -EINVAL;
	if (gso_size < TSO_MIN_MSS)
		return -EINVAL;
	t->frame = frame;
	t->l3 = ETH_HLEN_;
	t->mss = gso_size;
	t->payload = t->len - t->hlen;
	t->seq0 = t->udp ? 0 : rd32(frame + t->l4 + 4);
	t->id0 = t->v6 ? 0 : rd16(frame + t->l3 + 4);
	first = t->payload < t->mss ? t->payload : t->mss;
	if ((size_t)t->hlen + first > cap)
		return -EMSGSIZE;
	return 0;
}

size_t
tso_next(struct tso *t, uint8_t *out)
{
	uint32_t seg = t->payload - t->done, flen;
	uint8_t *ip = out + t->l3, *tcp = out + t->l4;
	bool last;

	if (seg > t->mss)
		seg = t->mss;
	last = t->done + seg >= t->payload;
	flen = t->hlen + seg;
	memcpy(out, t->frame, t->hlen);
	memcpy(out + t->hlen, t->frame + t->hlen + t->done, seg);
	if (t->v6) {
		wr16(ip + 4, (uint16_t)(flen - t->l3 - 40));
	} else {
		wr16(ip + 2, (uint16_t)(flen - t->l3));
		wr16(ip + 4, (uint16_t)(t->id0 + t->seg));
		ip4_fix_csum(ip);
	}
	if (t->udp) {
		uint16_t sum;

		wr16(tcp + 4, (uint16_t)(flen - t->l4));
		wr16(tcp + 6, 0);
		sum = csum_fold(
		    csum_add(pseudo_sum(ip, t->v6, IPPROTO_UDP_, flen - t->l4),
		             tcp, flen - t->l4));
		wr16(tcp + 6, sum ? sum : 0xffff);
	} else {
		wr32(tcp + 4, t->seq0 + t->done);
		if (!last)
			tcp[13] &= (uint8_t) ~(TCPF_FIN | TCPF_PSH);
		if (t->seg)
			tcp[13] &= (uint8_t)~TCPF_CWR;
		wr16(tcp + 16, 0);
		wr16(tcp + 16,
		     csum_fold(csum_add(
		         pseudo_sum(ip, t->v6, IPPROTO_TCP_, flen - t->l4), tcp,
		         flen - t->l4)));
	}
	t->done += seg;
	t->seg++;
	return flen;
}

/* What coalescing needs to know of one frame. */
struct cframe {
	const uint8_t *f;
	uint16_t l4, hlen;
	uint32_t flen, payload, seq;
};

/* A frame that may take part in a merge: TCP or UDP ('proto'), no IPv4
 * options, no trailing bytes, a checksum that verifies (a UDP datagram
 * without one has nothing to vouch for: it goes alone); TCP with ACK set
 * and no SYN, RST, URG, FIN, ECE or CWR. */
static bool
cframe_get(const struct pbuf *b, bool v6, uint8_t proto, struct cframe *c)
{
	const uint8_t *l4;

	if (!l4_frame(b->data, b->len, v6, proto, &c->l4, &c->hlen, &c->flen) ||
	    c->flen != b->len || (!v6 && c->l4 != ETH_HLEN_ + 20))
		return false;
	c->f = b->data;
	l4 = c->f + c->l4;
	if (proto == IPPROTO_TCP_) {
		if ((l4[13] & (uint8_t)~TCPF_PSH) != TCPF_ACK)
			return false;
		c->seq = rd32(l4 + 4);
	} else if (!rd16(l4 + 6)) {
		return false;
	}
	c->payload = c->flen - c->hlen;
	return csum_ok(
	    csum_add(pseudo_sum(c->f + ETH_HLEN_, v6, proto, c->flen - c->l4),
	             l4, c->flen - c->l4));
}

/* Does 'n' continue the run that 'h' heads (whose next byte is 'seq', for
 * TCP)?  Everything but lengths, IDs, checksums and sequence numbers must
 * be equal (PSH aside, checked by the caller). */
static bool
cframe_follows(const struct cframe *h, const struct cframe *n, bool v6,
               uint8_t proto, uint32_t seq)
{
	const uint8_t *a = h->f, *b = n->f;
	const uint8_t *ta = a + h->l4, *tb = b + n->l4;

	if (n->hlen != h->hlen || memcmp(a, b, ETH_HLEN_))
		return false;
	a += ETH_HLEN_;
	b += ETH_HLEN_;
	if (v6) {
		if (memcmp(a, b, 4) || a[6] != b[6] || a[7] != b[7] ||
		    memcmp(a + 8, b + 8, 32))
			return false;
	} else {
		/* version/IHL, TOS; flags; TTL, protocol; addresses */
		if (a[0] != b[0] || a[1] != b[1] || a[6] != b[6] ||
		    a[8] != b[8] || a[9] != b[9] || memcmp(a + 12, b + 12, 8))
			return false;
	}
	if (proto == IPPROTO_UDP_)
		return !memcmp(ta, tb, 4); /* ports */
	/* ports, acknowledgment, data offset, window, options */
	return n->seq == seq && !memcmp(ta, tb, 4) &&
	       !memcmp(ta + 8, tb + 8, 5) && !memcmp(ta + 14, tb + 14, 2) &&
	       !memcmp(ta + 20, tb + 20, (size_t)h->hlen - h->l4 - 20);
}

void
coalesce_scan(struct pbuf *const *bufs, int n, size_t max_len, bool udp,
              struct coalesce *c)
{
	const uint8_t *ip;
	struct cframe h, x;
	uint8_t proto;
	uint32_t seq;
	bool v6;

	memset(c, 0, sizeof(*c));
	c->count = 1;
	c->len = bufs[0]->len;
	if (n < 2 || bufs[0]->len < ETH_HLEN_ + 40)
		return;
	v6 = rd16(bufs[0]->data + 12) == ETYPE_IPV6;
	ip = bufs[0]->data + ETH_HLEN_;
	proto = v6 ? ip[6] : ip[9];
	if ((proto != IPPROTO_TCP_ && proto != IPPROTO_UDP_) ||
	    (proto == IPPROTO_UDP_ && !udp))
		return;
	/* The head: some payload, no PSH (a pushed segment ends a run). */
	if (!cframe_get(bufs[0], v6, proto, &h) || h.payload == 0 ||
	    (proto == IPPROTO_TCP_ && (h.f[h.l4 + 13] & TCPF_PSH)))
		return;
	/* IPv4 total length and IPv6 payload length are 16 bits. */
	if (max_len > (size_t)ETH_HLEN_ + (v6 ? 40 : 0) + 0xffff)
		max_len = (size_t)ETH_HLEN_ + (v6 ? 40 : 0) + 0xffff;
	seq = h.seq + h.payload;
	for (int i = 1; i < n; i++) {
		if (bufs[i]->len <= h.hlen ||
		    bufs[i]->len - h.hlen > h.payload ||
		    c->len + bufs[i]->len - h.hlen > max_len)
			break;
		if (!cframe_get(bufs[i], v6, proto, &x) || x.payload == 0 ||
		    x.payload > h.payload ||
		    !cframe_follows(&h, &x, v6, proto, seq))
			break;
		c->count++;
		c->len += x.payload;
		seq += x.payload;
		/* A shorter or pushed segment is the last of a run. */
		if (x.payload < h.payload ||
		    (proto == IPPROTO_TCP_ && (x.f[x.l4 + 13] & TCPF_PSH)))
			break;
	}
	c->l4 = h.l4;
	c->hlen = h.hlen;
	c->mss = (uint16_t)h.payload;
	c->v6 = v6;
	c->udp = proto == IPPROTO_UDP_;
}

void
coalesce_head(struct pbuf *const *bufs, const struct coalesce *c)
{
	uint8_t *f = bufs[0]->data, *ip = f + ETH_HLEN_, *l4 = f + c->l4;
	const uint8_t *last = bufs[c->count - 1]->data + c->l4;
	uint8_t proto = c->udp ? IPPROTO_UDP_ : IPPROTO_TCP_;
	uint32_t ps;

	if (c->v6) {
		wr16(ip + 4, (uint16_t)(c->len - ETH_HLEN_ - 40));
	} else {
		wr16(ip + 2, (uint16_t)(c->len - ETH_HLEN_));
		ip4_fix_csum(ip);
	}
	ps = pseudo_sum(ip, c->v6, proto, c->len - c->l4);
	/* Not complemented: the sum the guest's stack finishes. */
	if (c->udp) {
		wr16(l4 + 4, (uint16_t)(c->len - c->l4));
		wr16(l4 + 6, (uint16_t)~csum_fold(ps));
	} else {
		l4[13] |= last[13] & TCPF_PSH;
		wr16(l4 + 16, (uint16_t)~csum_fold(ps));
	}
}
