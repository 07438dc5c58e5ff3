/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fast: the decision cache.  The stages (vm.c, router.c, uplink.c,
 * encap.c) decide what happens to a frame from a dozen lookups; for the
 * two commonest kinds of frame the decision depends on a few header
 * fields only, so it is remembered under them and replayed:
 *
 *  E. a VM's IPv4 TCP or UDP frame switched to a remote lookup record
 *     (vm.c rule 13, flow F3) and tunnelled with NVGRE over an IPv4 PA
 *     (encap.c): the decision depends on the port (adapter, VSID), the
 *     source MAC (vm.c rule 2), the source IP (rule 3: its owner) and
 *     the destination MAC (the record, its rule, its PA, the outer
 *     source, the next hop).  Replayed: the outer header as the stages
 *     wrote it, with this packet's length, checksum and FlowID (the
 *     inner flow's hash, pkt_flow_hash_v4), out the uplink;
 *  D. an NVGRE packet from an IPv4 PA, untagged, with an IPv4 TCP or
 *     UDP inner frame, delivered to a local adapter (uplink.c rule 4):
 *     the decision depends on the outer source and destination PAs, the
 *     VSID, the inner destination MAC (4d) and the inner source MAC and
 *     IP (4e-4f).  Replayed: the outer headers (and any padding after
 *     the outer datagram) stripped, out that adapter's port.
 *
 * Rules:
 *  1. Only a frame of the exact common shape is looked up (fast_key):
 *     untagged; IPv4 with a 20-byte header whose checksum is right and
 *     whose length fits the frame; not a fragment; TCP or UDP with its
 *     whole header; for D, the outer IPv4 header likewise, GRE exactly
 *     0x2000 / 0x6558 with the key, and no inner checksum left to
 *     complete (PBUF_F_CSUM_PARTIAL).  Anything else goes through the
 *     stages, which check, count and drop as they always do.
 *  2. An entry is made only by the stages, at the end of the one path
 *     it replays, for the frame that was looked up and missed (vm.c
 *     calls fast_arm on the switched path; encap.c calls
 *     fast_note_encap and uplink.c fast_note_decap): a frame that went
 *     anywhere else (the router, IP Rewrite, fragmentation, a next hop
 *     not resolved, a moved VM's grace rules, a drop) makes none.
 *  3. Every entry holds the policy's generation and the pipeline's own
 *     (fast_flush: ports, the uplink, neighbours that change or go): an
 *     entry of another generation is a miss.  A change to anything a
 *     decision read makes every decision be taken afresh.
 *  4. E replays only packets whose inner IP packet fits the uplink
 *     (encap.c rule 4); a bigger one goes through the stages.
 *  5. A replayed E keeps its next hop the most recently used (neigh.c
 *     rule 1), as the stages would.
 *  6. Traces (pipeline_trace) never use the cache: they explain the
 *     stages' decision.
 *  7. When fewer than 1 in 8 of the last window of FAST_WINDOW lookups
 *     hit (more destinations than the cache holds, none repeated soon:
 *     a scan, or a million records used uniformly), only 1 frame in
 *     FAST_THRASH_SAMPLE is looked up (and makes an entry if it misses):
 *     the others cost the stages only, not also a lookup that misses and
 *     an entry no frame will use.  The sampled lookups keep measuring
 *     the hit rate, and one window over 1 in 8 ends it.
 * The cache is two-way set-associative, FAST_SETS sets (4 MB): a new
 * entry takes an empty or stale way of its set, else either.  Events fast_hit
 * and fast_installed count.
 */
#include "pipeline/internal.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "pkt/csum.h"
#include "pkt/nvgre.h"

#define FAST_SETS 16384 /* a power of 2 */
#define FAST_WINDOW 1024
#define FAST_THRASH_SAMPLE 16
#define FAST_TMPL_MAX 48 /* Ethernet + 802.1Q + IPv4 + GRE = 46 */

struct fast_entry {
	/* first cache line: what a lookup reads, and all of D */
	struct fast_key key;
	uint64_t pgen, lgen;
	uint8_t olen;    /* E: outer header bytes */
	uint8_t l3;      /* E: offset of the outer IPv4 header */
	uint16_t ip_mtu; /* E: the largest inner IP packet */
	uint16_t csum;   /* E: the outer IPv4 header's sum, tot_len 0 */
	uint16_t pad;
	void *p; /* E: the next hop (struct pl_neigh); D: the adapter */
	/* second line: E's outer header */
	uint8_t tmpl[FAST_TMPL_MAX];
} __attribute__((aligned(64)));

struct pl_fast {
	struct fast_entry set[FAST_SETS][2];
};

void
fast_init(struct pipeline *pl)
{
	pl->fast = NULL; /* allocated with the first entry */
	pl->fast_lgen = 1;
}

void
fast_uninit(struct pipeline *pl)
{
	free(pl->fast);
	pl->fast = NULL;
}

void
fast_flush(struct pipeline *pl)
{
	pl->fast_lgen++;
}

void
pipeline_fast_flush(struct pipeline *pl)
{
	fast_flush(pl);
}

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Rule 1 for an IPv4 header at 'ip' with 'avail' bytes of frame from
 * there: 20 bytes, checksum right, length within the frame, not a
 * fragment.  Its total length, or 0. */
static inline size_t
fast_ipv4(const uint8_t *ip, size_t avail)
{
	size_t t;

	if (avail < 20 || ip[0] != 0x45 || (rd16(ip + 6) & 0x3fff) ||
	    csum_ipv4_hdr20(ip) != 0xffff)
		return 0;
	t = rd16(ip + 2);
	return t >= 20 && t <= avail ? t : 0;
}

/* Rule 1 for the inner (E: the VM's) frame at 'f' with 'avail' bytes:
 * fills the packet fields of 'k'. */
static inline bool
fast_inner(const uint8_t *f, size_t avail, struct fast_pkt *k)
{
	const uint8_t *ip = f + 14, *l4 = f + 34;
	size_t t;

	if (avail < 14 + 20 || f[0] & 1 || f[12] != 0x08 || f[13] != 0x00)
		return false;
	t = fast_ipv4(ip, avail - 14);
	if (ip[9] == IPPROTO_TCP) {
		if (t < 40 || (l4[12] >> 4) < 5 ||
		    20 + (size_t)(l4[12] >> 4) * 4 > t)
			return false;
	} else if (ip[9] != IPPROTO_UDP || t < 28) {
		return false;
	}
	memcpy(k->key.mac, f, 12);
	memcpy(&k->key.ip_src, ip + 12, 4);
	memcpy(&k->ip_dst, ip + 16, 4);
	k->proto = ip[9];
	k->tot = (uint16_t)t;
	k->ports = (uint32_t)rd16(l4) << 16 | rd16(l4 + 2);
	return true;
}

/* Multiply-add of the key's four words, then a mix (splitmix64's) that
 * brings every bit into the low 32: a slot index, no more (a collision
 * costs a miss, never a wrong decision: the whole key is compared).
 * Without the mix, the top byte of a word (the destination MAC's fourth
 * byte, the source MAC's last, the outer source PA's last) reached no
 * bit of the index: flows that differed only there shared one set. */
static inline uint32_t
fast_hash(const struct fast_key *k)
{
	uint64_t w[4], h;

	memcpy(w, k, sizeof(w));
	h = w[0] * 0x9e3779b97f4a7c15ull + w[1] * 0xc2b2ae3d27d4eb4full +
	    w[2] * 0x165667b19e3779f9ull + w[3] * 0x85ebca77c2b2ae63ull;
	h = (h ^ h >> 30) * 0xbf58476d1ce4e5b9ull;
	h = (h ^ h >> 27) * 0x94d049bb133111ebull;
	return (uint32_t)(h ^ h >> 31);
}

static inline bool
fast_key_equal(const struct fast_key *a, const struct fast_key *b)
{
	uint64_t x[4], y[4];

	memcpy(x, a, sizeof(x));
	memcpy(y, b, sizeof(y));
	return !((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3]));
}

bool
fast_key(const struct pipeline *pl, int port, const struct pbuf *b,
         struct fast_pkt *k)
{
	const uint8_t *p = b->data;
	size_t tot;

	memset(&k->key, 0, sizeof(k->key));
	if (port != PIPELINE_UPLINK) {
		if (!pl->ports[port].vma || !fast_inner(p, b->len, k))
			return false;
		k->key.kind = FAST_ENCAP;
		k->key.port = (uint16_t)port;
		k->key.vsid = pl->ports[port].vma->vsid;
	} else {
		/* outer Ethernet, IPv4, GRE with the key; the inner frame */
		if (b->flags & PBUF_F_CSUM_PARTIAL || b->len < 42 ||
		    p[12] != 0x08 || p[13] != 0x00 || p[23] != IPPROTO_GRE)
			return false;
		tot = fast_ipv4(p + 14, b->len - 14);
		if (tot < 28 || rd16(p + 34) != NVGRE_GRE_FLAGS ||
		    rd16(p + 36) != NVGRE_PROTO ||
		    !fast_inner(p + 42, tot - 28, k))
			return false;
		k->key.kind = FAST_DECAP;
		memcpy(&k->key.outer_src, p + 26, 4);
		memcpy(&k->key.outer_dst, p + 30, 4);
		k->key.vsid =
		    (uint32_t)p[38] << 16 | (uint32_t)p[39] << 8 | p[40];
		k->frame_len = (uint16_t)(14 + tot);
	}
	k->hash = fast_hash(&k->key);
	return true;
}

bool
fast_sampled(struct pipeline *pl)
{
	return !pl->fast_thrash || ++pl->fast_skipped % FAST_THRASH_SAMPLE == 0;
}

void
fast_prefetch(const struct pipeline *pl, const struct fast_pkt *k)
{
	const struct fast_entry *e;

	if (!pl->fast)
		return;
	e = pl->fast->set[k->hash & (FAST_SETS - 1)];
	__builtin_prefetch(e);
	__builtin_prefetch(e + 1);
	if (k->key.kind == FAST_ENCAP)
		__builtin_prefetch(e->tmpl);
}

/* E: the outer header, this packet's fields, out the uplink. */
static bool
fast_encap(struct pipeline *pl, struct pbuf *b, const struct fast_pkt *k,
           const struct fast_entry *e)
{
	uint32_t flowid = 0, sum;
	uint8_t *h, *ip;
	uint16_t tot;

	if (k->tot > e->ip_mtu || pbuf_headroom(b) < e->olen)
		return false;
	if (!pl->cfg.flowid_zero)
		flowid = (uint8_t)pkt_flow_hash_v4(k->key.ip_src, k->ip_dst,
		                                   k->proto, k->ports);
	h = pbuf_push(b, e->olen);
	if (e->olen == 42) /* untagged: a copy of known size, inline */
		memcpy(h, e->tmpl, 42);
	else
		memcpy(h, e->tmpl, e->olen);
	ip = h + e->l3;
	tot = (uint16_t)(b->len - e->l3);
	ip[2] = (uint8_t)(tot >> 8);
	ip[3] = (uint8_t)tot;
	sum = (uint32_t)e->csum + tot;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	ip[10] = (uint8_t)(sum >> 8);
	ip[11] = (uint8_t)sum;
	ip[20 + 7] = (uint8_t)flowid; /* the key's low byte */
	b->vsid = k->key.vsid;
	neigh_touch(pl, e->p);
	pl_emit(pl, PIPELINE_UPLINK, b);
	return true;
}

/* D: strip, out the adapter's port (vm_deliver_to's checks). */
static bool
fast_decap(struct pipeline *pl, struct pbuf *b, const struct fast_pkt *k,
           const struct fast_entry *e)
{
	const struct vm_adapter *vma = e->p;

	if (vma->port <= 0 || vma->port >= pl->n_ports ||
	    !pl->ports[vma->port].used)
		return false;
	b->len = k->frame_len;
	pbuf_pull(b, 42);
	b->vsid = k->key.vsid;
	pl_emit(pl, vma->port, b);
	return true;
}

/* The entry of set 's' for 'k', or NULL. */
static inline struct fast_entry *
fast_find(struct fast_entry *s, const struct fast_key *k)
{
	if (fast_key_equal(&s[0].key, k))
		return &s[0];
	return fast_key_equal(&s[1].key, k) ? &s[1] : NULL;
}

bool
fast_try(struct pipeline *pl, struct pbuf *b, const struct fast_pkt *k,
         uint64_t pgen)
{
	const struct fast_entry *e;
	bool done;

	if (!pl->fast)
		return false;
	e = fast_find(pl->fast->set[k->hash & (FAST_SETS - 1)], &k->key);
	/* Rule 7: the hit rate of each window of FAST_WINDOW lookups */
	if (++pl->fast_looks % FAST_WINDOW == 0) {
		pl->fast_thrash = pl->fast_win_hits < FAST_WINDOW / 8;
		pl->fast_win_hits = 0;
	}
	if (!e || e->pgen != pgen || e->lgen != pl->fast_lgen)
		return false;
	done = k->key.kind == FAST_ENCAP ? fast_encap(pl, b, k, e)
	                                 : fast_decap(pl, b, k, e);
	if (done) {
		pl->events[PLEV_FAST_HIT]++;
		pl->fast_win_hits++;
	}
	return done;
}

void
fast_arm(struct pipeline *pl, const struct pbuf *b)
{
	if (pl->fast_cand == b && pl->fast_pkt->key.kind == FAST_ENCAP)
		pl->fast_armed = true;
}

/* The entry to fill for the frame being processed, or NULL (rule 7). */
static struct fast_entry *
fast_slot(struct pipeline *pl)
{
	const struct fast_pkt *k = pl->fast_pkt;
	uint64_t pgen = policy_generation(pl->pol);
	struct fast_entry *s, *e;

	pl->fast_cand = NULL;
	if (!pl->fast)
		pl->fast = xcalloc(1, sizeof(*pl->fast)); /* kind 0: empty */
	s = pl->fast->set[k->hash & (FAST_SETS - 1)];
	e = fast_find(s, &k->key);
	if (!e) {
		/* an empty or stale way, else either */
		if (s[0].pgen != pgen || s[0].lgen != pl->fast_lgen)
			e = &s[0];
		else if (s[1].pgen != pgen || s[1].lgen != pl->fast_lgen)
			e = &s[1];
		else
			e = &s[pl->fast_looks & 1];
	}
	e->key = k->key;
	e->pgen = pgen;
	e->lgen = pl->fast_lgen;
	pl->events[PLEV_FAST_INSTALLED]++;
	return e;
}

void
fast_note_encap(struct pipeline *pl, const struct pbuf *b, size_t olen,
                size_t ip_mtu, struct pl_neigh *n)
{
	struct fast_entry *e;
	size_t l3 = olen - 28;
	uint8_t *ip;

	/* only the armed frame, tunnelled whole in IPv4 with NVGRE */
	if (pl->fast_cand != b || !pl->fast_armed || olen > FAST_TMPL_MAX ||
	    ip_mtu > UINT16_MAX || b->len < olen ||
	    rd16(b->data + l3 - 2) != 0x0800 || b->data[l3 + 9] != IPPROTO_GRE)
		return;
	e = fast_slot(pl);
	if (!e)
		return;
	e->olen = (uint8_t)olen;
	e->l3 = (uint8_t)l3;
	e->ip_mtu = (uint16_t)ip_mtu;
	e->p = n;
	memcpy(e->tmpl, b->data, olen);
	ip = e->tmpl + l3;
	ip[2] = ip[3] = ip[10] = ip[11] = 0;
	e->csum = (uint16_t)csum_ipv4_hdr20(ip);
	ip[20 + 7] = 0;
}

void
fast_note_decap(struct pipeline *pl, const struct pbuf *b,
                struct vm_adapter *vma)
{
	struct fast_entry *e;

	if (pl->fast_cand != b || pl->fast_pkt->key.kind != FAST_DECAP)
		return;
	e = fast_slot(pl);
	if (e)
		e->p = vma;
}
