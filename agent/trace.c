/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trace: `hnvctl trace`.  Builds the packet the user describes, filling
 * what they left out from policy the way the guest's stack would (its own
 * MAC and CA, the router's MAC for off-subnet destinations, the lookup
 * record's MAC on-subnet), runs it through the pipeline with output
 * suppressed, and returns every decision.
 *
 * Arguments: in (a VM name, "VM/adapter", or "uplink"), eth_src, eth_dst,
 * ip_src, ip_dst, proto (icmp, udp, tcp), sport, dport, ttl; for the
 * uplink also vsid, pa_src, pa_dst (the packet is NVGRE-encapsulated).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "agent/agent.h"
#include "lib/log.h"
#include "pkt/probe.h"
#include "pkt/nvgre.h"

struct targs {
	const json_t *j;
	struct pmsg *m;
	int err;
};

static const char *
arg_str(struct targs *t, const char *key)
{
	const json_t *v = json_object_get(t->j, key);

	return v && json_is_string(v) ? json_string_value(v) : NULL;
}

static long
arg_int(struct targs *t, const char *key, long def, long max)
{
	const json_t *v = json_object_get(t->j, key);
	long n = def;
	char *end;

	if (!v)
		return def;
	if (json_is_integer(v)) {
		n = (long)json_integer_value(v);
	} else if (json_is_string(v)) {
		n = strtol(json_string_value(v), &end, 0);
		if (*end || !*json_string_value(v))
			n = -1;
	} else {
		n = -1;
	}
	if (n < 0 || n > max) {
		snprintf(t->m->err, sizeof(t->m->err),
		         "trace: field '%s': not a number in 0..%ld", key, max);
		t->err = -EINVAL;
		return def;
	}
	return n;
}

static bool
arg_ip(struct targs *t, const char *key, struct in6_addr *ip)
{
	const char *s = arg_str(t, key);

	if (!s)
		return false;
	if (ip_parse(s, ip) < 0) {
		snprintf(t->m->err, sizeof(t->m->err),
		         "trace: field '%s': '%s' is not an IP address", key,
		         s);
		t->err = -EINVAL;
		return false;
	}
	return true;
}

static bool
arg_mac(struct targs *t, const char *key, struct eth_addr *mac)
{
	const char *s = arg_str(t, key);

	if (!s)
		return false;
	if (eth_parse(s, mac) < 0) {
		snprintf(t->m->err, sizeof(t->m->err),
		         "trace: field '%s': '%s' is not a MAC address", key,
		         s);
		t->err = -EINVAL;
		return false;
	}
	return true;
}

static int
proto_arg(struct targs *t)
{
	const char *p = arg_str(t, "proto");

	if (!p || !strcasecmp(p, "icmp") || !strcasecmp(p, "icmpv6") ||
	    !strcasecmp(p, "ping"))
		return 1;
	if (!strcasecmp(p, "udp"))
		return 17;
	if (!strcasecmp(p, "tcp"))
		return 6;
	snprintf(t->m->err, sizeof(t->m->err),
	         "trace: field 'proto': '%s' is not icmp, udp or tcp", p);
	t->err = -EINVAL;
	return 1;
}

struct vm_find {
	const char *vm, *name;
	struct vm_adapter *found;
};

static int
vm_find_cb(struct vm_adapter *vma, void *aux)
{
	struct vm_find *f = aux;

	if (strcasecmp(vma->vm, f->vm) ||
	    (f->name && strcmp(vma->name, f->name)))
		return 0;
	f->found = vma;
	return 1;
}

/* Fills the inner addresses a guest in 'vsid' would use. */
static int
guest_defaults(struct agent *a, struct targs *t, uint32_t vsid,
               struct eth_addr *src, struct eth_addr *dst,
               struct in6_addr *ip_src, struct in6_addr *ip_dst, bool have_src)
{
	const struct lookup_record *self, *rec;
	const struct customer_route *subnet;
	char ip[IP_ADDR_STRLEN];

	if (!arg_ip(t, "ip_dst", ip_dst)) {
		if (!t->err)
			snprintf(t->m->err, sizeof(t->m->err),
			         "trace: missing field 'ip_dst'");
		return -EINVAL;
	}
	if (!arg_ip(t, "ip_src", ip_src)) {
		self = have_src ? policy_lr_by_mac(a->pol, vsid, src) : NULL;
		if (!self || ip_is_unspec(&self->ca)) {
			if (!t->err)
				snprintf(t->m->err, sizeof(t->m->err),
				         "trace: no lookup record gives the "
				         "source CA: give field 'ip_src'");
			return -EINVAL;
		}
		*ip_src = self->ca;
	}
	if (t->err)
		return t->err;
	if (arg_mac(t, "eth_dst", dst) || t->err)
		return t->err;
	subnet = policy_cr_subnet(a->pol, vsid, ip_src);
	if (subnet && ip_in_prefix(ip_dst, &subnet->prefix, subnet->plen) &&
	    !policy_is_gateway_ca(a->pol, vsid, ip_dst)) {
		rec = policy_lr_by_ca(a->pol, vsid, ip_dst);
		if (!rec) {
			snprintf(t->m->err, sizeof(t->m->err),
			         "trace: no lookup record for %s in vsid %u "
			         "to give the destination MAC: give field "
			         "'eth_dst'",
			         ip_fmt(ip_dst, ip), vsid);
			return -ENOENT;
		}
		*dst = rec->mac;
	} else {
		pipeline_router_mac(a->pl, vsid, dst);
	}
	return 0;
}

static json_t *
trace_json(const struct trace *tr, const uint8_t *frame, size_t len)
{
	json_t *steps = json_array(), *out = json_array();
	char hex[2 * 256 + 1];

	for (int i = 0; i < tr->n_steps; i++)
		json_array_append_new(
		    steps, json_pack("{s:s,s:s}", "stage", tr->steps[i].stage,
		                     "msg", tr->steps[i].msg));
	for (int i = 0; i < tr->n_out; i++) {
		const struct trace_out *o = &tr->out[i];
		size_t n = MIN(o->len, sizeof(o->frame));

		for (size_t k = 0; k < n; k++)
			sprintf(hex + 2 * k, "%02x", o->frame[k]);
		hex[2 * n] = '\0';
		json_array_append_new(
		    out, json_pack("{s:s,s:I,s:s,s:s}", "port", o->port, "len",
		                   (json_int_t)o->len, "frame", hex, "summary",
		                   o->summary));
	}
	for (size_t k = 0; k < MIN(len, 256); k++)
		sprintf(hex + 2 * k, "%02x", frame[k]);
	hex[2 * MIN(len, 256)] = '\0';
	return json_pack("{s:s,s:o,s:o,s:s}", "verdict", tr->verdict, "steps",
	                 steps, "output", out, "input", hex);
}

static const char *const trace_keys[] = {
    "in",    "eth_src", "eth_dst", "ip_src", "ip_dst", "proto", "sport",
    "dport", "ttl",     "vsid",    "pa_src", "pa_dst", NULL};

int
agent_trace(struct agent *a, const json_t *args, json_t **result,
            struct pmsg *m)
{
	struct targs t = {.j = args, .m = m};
	const char *in = arg_str(&t, "in"), *key;
	struct eth_addr src, dst;
	struct in6_addr ip_src, ip_dst;
	static uint8_t frame[512];
	static struct trace tr;
	uint8_t *inner = frame + NVGRE_MAX_OUTER;
	size_t len;
	int proto, port, err;
	long sport, dport, ttl;
	json_t *v;

	json_object_foreach((json_t *)args, key, v)
	{
		const char *const *k;

		for (k = trace_keys; *k && strcmp(*k, key); k++)
			;
		if (!*k) {
			snprintf(m->err, sizeof(m->err),
			         "trace: unknown field '%s'", key);
			return -EINVAL;
		}
	}
	if (!in) {
		snprintf(m->err, sizeof(m->err),
		         "trace: missing field 'in' (a VM, VM/adapter, or "
		         "uplink)");
		return -EINVAL;
	}
	proto = proto_arg(&t);
	sport = arg_int(&t, "sport", 40000, 65535);
	dport = arg_int(&t, "dport", 80, 65535);
	ttl = arg_int(&t, "ttl", 64, 255);
	if (t.err)
		return t.err;
	if (!strcasecmp(in, "uplink")) {
		const struct provider_address *local;
		const struct lookup_record *owner;
		struct nvgre_outer o;
		long vsid = arg_int(&t, "vsid", -1, NVGRE_VSID_MAX);

		if (t.err)
			return t.err;
		if (vsid < 0) {
			snprintf(m->err, sizeof(m->err),
			         "trace: missing field 'vsid' (uplink)");
			return -EINVAL;
		}
		if (!arg_mac(&t, "eth_src", &src))
			memcpy(&src, "\x02\x00\x00\x00\x00\x01", 6);
		err = guest_defaults(a, &t, (uint32_t)vsid, &src, &dst, &ip_src,
		                     &ip_dst, false);
		if (err)
			return err;
		len = build_probe(inner, &src, &dst, &ip_src, &ip_dst, proto,
		                  (int)sport, (int)dport, (int)ttl);
		if (!arg_ip(&t, "pa_src", &o.pa_src)) {
			owner = t.err ? NULL
			              : pipeline_ca_owner(a->pl, (uint32_t)vsid,
			                                  &ip_src);
			if (!owner) {
				if (!t.err)
					snprintf(m->err, sizeof(m->err),
					         "trace: give field 'pa_src'");
				return -EINVAL;
			}
			o.pa_src = owner->pa;
		}
		if (!arg_ip(&t, "pa_dst", &o.pa_dst)) {
			local = policy_pa_first(a->pol, &o.pa_src);
			if (!local) {
				if (!t.err)
					snprintf(m->err, sizeof(m->err),
					         "trace: no local provider "
					         "address: give 'pa_dst'");
				return -EINVAL;
			}
			o.pa_dst = local->pa;
		}
		local = policy_pa_find(a->pol, &o.pa_dst);
		o.vlan = local ? local->vlan : 0;
		o.eth_dst = a->uplink_mac;
		memcpy(&o.eth_src, "\x02\x00\x00\x00\x00\x02", 6);
		if (ip_is_v4(&o.pa_src) != ip_is_v4(&o.pa_dst)) {
			snprintf(m->err, sizeof(m->err),
			         "trace: pa_src and pa_dst differ in family");
			return -EINVAL;
		}
		nvgre_write(inner - nvgre_outer_len(&o), &o, (uint32_t)vsid, 0,
		            len);
		len += nvgre_outer_len(&o);
		port = PIPELINE_UPLINK;
		trace_init(&tr);
		pipeline_trace(a->pl, port, inner - nvgre_outer_len(&o), len,
		               &tr);
		*result = trace_json(&tr, inner - nvgre_outer_len(&o), len);
		return 0;
	} else {
		char vm[64];
		struct vm_find f = {.vm = vm};
		char *slash;

		strlcpy_(vm, in, sizeof(vm));
		slash = strchr(vm, '/');
		if (slash) {
			*slash = '\0';
			f.name = slash + 1;
		}
		policy_vma_foreach(a->pol, NULL, vm_find_cb, &f);
		if (!f.found || f.found->port <= 0) {
			snprintf(m->err, sizeof(m->err),
			         "trace: field 'in': no attached adapter '%s' "
			         "on the HNV switch",
			         in);
			return -ENOENT;
		}
		if (!arg_mac(&t, "eth_src", &src))
			src = f.found->mac;
		if (t.err)
			return t.err;
		err = guest_defaults(a, &t, f.found->vsid, &src, &dst, &ip_src,
		                     &ip_dst, true);
		if (err)
			return err;
		if (ip_is_v4(&ip_src) != ip_is_v4(&ip_dst)) {
			snprintf(m->err, sizeof(m->err),
			         "trace: ip_src and ip_dst differ in family");
			return -EINVAL;
		}
		len = build_probe(frame, &src, &dst, &ip_src, &ip_dst, proto,
		                  (int)sport, (int)dport, (int)ttl);
		trace_init(&tr);
		pipeline_trace(a->pl, f.found->port, frame, len, &tr);
		*result = trace_json(&tr, frame, len);
		return 0;
	}
}
