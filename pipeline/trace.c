/* SPDX-License-Identifier: Apache-2.0 */
/* trace: per-packet decision records for `hnvctl trace`; drop names. */
#include "pipeline/trace.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pipeline/drop.h"
#include "pkt/parse.h"

static const char *const drop_names[] = {
#define X(n, d) #n,
    PKT_ERRORS DROP_REASONS
#undef X
};
static const char *const drop_descs[] = {
#define X(n, d) d,
    PKT_ERRORS DROP_REASONS
#undef X
};

static const char *const event_names[] = {
#define X(n, d) #n,
    PL_EVENTS
#undef X
};
static const char *const event_descs[] = {
#define X(n, d) d,
    PL_EVENTS
#undef X
};

/* A lower-case copy of 'upper' in 'buf' (made once: 'buf' starts empty). */
static const char *
lower_once(char *buf, size_t size, const char *upper)
{
	size_t i;

	if (buf[0])
		return buf;
	for (i = 0; upper[i] && i < size - 1; i++) {
		char c = upper[i];

		buf[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	buf[i] = '\0';
	return buf;
}

const char *
drop_name(enum drop_reason r)
{
	static char names[DROP_MAX][40];

	if ((unsigned)r >= DROP_MAX)
		return "unknown";
	return lower_once(names[r], sizeof(names[r]), drop_names[r]);
}

const char *
drop_desc(enum drop_reason r)
{
	return (unsigned)r < DROP_MAX ? drop_descs[r] : "unknown";
}

const char *
event_name(enum pl_event e)
{
	static char names[PLEV_MAX][40];

	if ((unsigned)e >= PLEV_MAX)
		return "unknown";
	return lower_once(names[e], sizeof(names[e]), event_names[e]);
}

const char *
event_desc(enum pl_event e)
{
	return (unsigned)e < PLEV_MAX ? event_descs[e] : "unknown";
}

void
trace_init(struct trace *t)
{
	memset(t, 0, sizeof(*t));
}

void
trace_step(struct trace *t, const char *stage, const char *fmt, ...)
{
	struct trace_step *s;
	va_list ap;

	if (t->n_steps >= TRACE_MAX_STEPS)
		return;
	s = &t->steps[t->n_steps++];
	strlcpy_(s->stage, stage, sizeof(s->stage));
	va_start(ap, fmt);
	vsnprintf(s->msg, sizeof(s->msg), fmt, ap);
	va_end(ap);
}

void
trace_verdict(struct trace *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->verdict, sizeof(t->verdict), fmt, ap);
	va_end(ap);
}

/* One header layer: "60:00:60:00:01:01 > 60:00:60:00:02:03 vlan 100,
 * 10.0.1.101 > 10.0.1.103 icmp 8" or an ARP description. */
static int
summarize_layer(char *buf, size_t cap, const struct pkt_info *pi)
{
	char a[IP_ADDR_STRLEN], b[IP_ADDR_STRLEN];
	char m1[ETH_ADDR_STRLEN], m2[ETH_ADDR_STRLEN];
	int n;

	n = snprintf(buf, cap, "%s > %s", eth_fmt(&pi->eth_src, m1),
	             eth_fmt(&pi->eth_dst, m2));
	if (pi->has_vlan)
		n += snprintf(buf + n, cap - (size_t)MIN((size_t)n, cap),
		              " vlan %u", pi->vlan_tci & 0x0fff);
	if ((size_t)n >= cap)
		return n;
	if (pi->ethertype == 0x0806)
		return n + snprintf(buf + n, cap - (size_t)n,
		                    ", arp %s who-has %s tell %s",
		                    pi->arp_op == 1 ? "request" : "reply",
		                    ip_fmt(&pi->arp_tpa, a),
		                    ip_fmt(&pi->arp_spa, b));
	if (!pi->is_ip)
		return n + snprintf(buf + n, cap - (size_t)n,
		                    ", ethertype 0x%04x", pi->ethertype);
	n += snprintf(buf + n, cap - (size_t)n, ", %s > %s ttl %u",
	              ip_fmt(&pi->ip_src, a), ip_fmt(&pi->ip_dst, b), pi->ttl);
	if ((size_t)n >= cap)
		return n;
	switch (pi->l4_proto) {
	case 1:
	case 58:
		return n + snprintf(buf + n, cap - (size_t)n, " icmp type %u",
		                    pi->icmp_type);
	case 6:
	case 17:
		return n + snprintf(buf + n, cap - (size_t)n, " %s %u > %u",
		                    pi->l4_proto == 6 ? "tcp" : "udp",
		                    pi->sport, pi->dport);
	case 47:
		return n + snprintf(buf + n, cap - (size_t)n,
		                    " gre key 0x%08x (vsid %u)", pi->gre_key,
		                    pi->gre_key >> 8);
	default:
		return n + snprintf(buf + n, cap - (size_t)n, " proto %u",
		                    pi->l4_proto);
	}
}

/* The frame as one line; for NVGRE the inner frame follows " | ". */
static void
summarize(char *buf, size_t cap, const uint8_t *frame, size_t len)
{
	struct pkt_info pi, in;
	int n;

	if (pkt_parse(frame, len, &pi) < 0) {
		snprintf(buf, cap, "%zu bytes (unparsable)", len);
		return;
	}
	n = summarize_layer(buf, cap, &pi);
	if (pi.l4_proto == 47 && pi.inner_ofs && (size_t)n < cap &&
	    pkt_parse(frame + pi.inner_ofs, len - pi.inner_ofs, &in) == 0) {
		n += snprintf(buf + n, cap - (size_t)n, " | ");
		if ((size_t)n < cap)
			summarize_layer(buf + n, cap - (size_t)n, &in);
	}
}

void
trace_output(struct trace *t, const char *port, const uint8_t *frame,
             size_t len, const char *summary)
{
	struct trace_out *o;

	if (t->n_out >= TRACE_MAX_OUT)
		return;
	o = &t->out[t->n_out++];
	strlcpy_(o->port, port, sizeof(o->port));
	if (summary && *summary)
		strlcpy_(o->summary, summary, sizeof(o->summary));
	else
		summarize(o->summary, sizeof(o->summary), frame, len);
	o->len = len;
	memcpy(o->frame, frame, MIN(len, sizeof(o->frame)));
}
