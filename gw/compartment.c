/* SPDX-License-Identifier: Apache-2.0 */
/*
 * compartment: makes a tenant's compartment what its configuration says
 * (doc/gateway.md).  Every step is idempotent, so applying the same
 * configuration again changes nothing and a half-applied one is finished
 * by the next attempt:
 *  1. the namespace: hnv-agent makes it, with the TAP int0, when the
 *     compartment's VM reaches this host (active); a standby's is made
 *     here, so that it is ready to take over;
 *  2. the host side: the bridge hnvgw0 with the external NIC in it, and
 *     a veth gxXXXXXXXX <-> ext0 (in the compartment) on that bridge; ext0
 *     takes the virtual gateway's external MAC (the same on its two
 *     gateways);
 *  3. inside: forwarding on, reverse-path filtering off (nftables does
 *     the spoofing checks), lo/ext0/int0 up; addresses: the gateway CA on
 *     int0; the external address, 1:1 and VIP addresses on ext0, only
 *     when active; routes to the tenant's prefixes via the subnet's .1,
 *     and the default route via the external network's router;
 *  4. the nftables table (gw/render.c) through libnftables, in one
 *     transaction.
 * Addresses and routes are set with iproute2 (`ip -n NS ...`, its JSON
 * output read back to remove what is no longer wanted); links through
 * io/link.c (rtnetlink).
 */
#include <errno.h>
#include <fcntl.h>
#include <nftables/libnftables.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gw/compartment.h"
#include "io/link.h"
#include "io/netns.h"
#include "lib/log.h"
#include "lib/util.h"

static int PRINTF_FMT(3, 4) fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -1;
}

/* Runs argv (in namespace 'ns' when not NULL); its stdout into '*out'
 * (malloc'd) when 'out' is not NULL, its stderr's first line into err.
 * 0 if it exited 0. */
int
gw_run(const char *ns, char *const argv[], char **out, char *err, size_t len)
{
	int po[2] = {-1, -1}, pe[2];
	pid_t pid;
	int st;
	size_t n = 0, cap = 0;
	char *buf = NULL, ebuf[512];
	ssize_t r;

	if ((out && pipe2(po, O_CLOEXEC)) || pipe2(pe, O_CLOEXEC))
		return fail(err, len, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		return fail(err, len, "fork: %s", strerror(errno));
	if (!pid) {
		int saved;
		if (out)
			dup2(po[1], 1);
		else {
			int dn = open("/dev/null", O_WRONLY);
			if (dn >= 0)
				dup2(dn, 1);
		}
		dup2(pe[1], 2);
		if (ns && netns_enter(ns, &saved) < 0) {
			fprintf(stderr, "cannot enter namespace %s\n", ns);
			_exit(126);
		}
		execvp(argv[0], argv);
		fprintf(stderr, "%s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pe[1]);
	if (out) {
		close(po[1]);
		for (;;) {
			if (n + 4096 > cap) {
				cap = cap * 2 + 4096;
				buf = xrealloc(buf, cap);
			}
			r = read(po[0], buf + n, cap - n - 1);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			n += (size_t)r;
		}
		close(po[0]);
		buf = buf ? buf : xmalloc(1);
		buf[n] = 0;
		*out = buf;
	}
	r = read(pe[0], ebuf, sizeof(ebuf) - 1);
	ebuf[r > 0 ? r : 0] = 0;
	ebuf[strcspn(ebuf, "\n")] = 0;
	close(pe[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && !WEXITSTATUS(st))
		return 0;
	fail(err, len, "%s: %s", argv[0], *ebuf ? ebuf : "failed");
	if (out) {
		free(*out);
		*out = NULL;
	}
	return -1;
}

/* `ip -n NS ARGS...` */
static int PRINTF_FMT(4, 5)
    ipcmd(const char *ns, char *err, size_t len, const char *fmt, ...)
{
	char line[512], *argv[32];
	int argc = 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	argv[argc++] = "ip";
	if (ns) {
		argv[argc++] = "-n";
		argv[argc++] = (char *)ns;
	}
	for (char *s = strtok(line, " "); s && argc < 31; s = strtok(NULL, " "))
		argv[argc++] = s;
	argv[argc] = NULL;
	return gw_run(NULL, argv, NULL, err, len);
}

static json_t *
ip_json(const char *ns, const char *what, const char *dev, char *err,
        size_t len)
{
	char *out = NULL;
	char *argv[] = {"ip",         "-n",   (char *)ns, "-j",
	                (char *)what, "show", "dev",      (char *)dev,
	                NULL,         NULL,   NULL};
	json_t *j;

	if (!strcmp(what, "route")) {
		argv[8] = "proto";
		argv[9] = "static";
	}
	if (gw_run(NULL, argv, &out, err, len))
		return NULL;
	j = json_loads(out, 0, NULL);
	free(out);
	if (!j)
		j = json_array(); /* an empty answer */
	return j;
}

static int
write_sysctl(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return -errno;
	r = write(fd, val, strlen(val));
	close(fd);
	return r < 0 ? -errno : 0;
}

struct want_addr {
	struct in6_addr a;
	int plen;
};

/* Makes dev's addresses (global ones) exactly 'w'. */
static int
sync_addrs(const char *ns, const char *dev, const struct want_addr *w, size_t n,
           char *err, size_t len)
{
	json_t *j = ip_json(ns, "addr", dev, err, len), *ifc, *ai;
	size_t i, k;
	bool *have = xcalloc(n + 1, sizeof(bool));
	int rc = 0;

	if (!j) {
		free(have);
		return -1;
	}
	json_array_foreach(j, i, ifc)
	{
		json_array_foreach(json_object_get(ifc, "addr_info"), k, ai)
		{
			const char *s =
			    json_string_value(json_object_get(ai, "local"));
			const char *scope =
			    json_string_value(json_object_get(ai, "scope"));
			int plen = (int)json_integer_value(
			    json_object_get(ai, "prefixlen"));
			struct in6_addr a;
			bool keep = false;
			if (!s || ip_parse(s, &a) ||
			    (scope && strcmp(scope, "global")))
				continue;
			for (size_t m = 0; m < n; m++)
				if (ip_equal(&w[m].a, &a) && w[m].plen == plen)
					keep = have[m] = true;
			if (!keep &&
			    ipcmd(ns, err, len, "addr del %s/%d dev %s", s,
			          plen, dev))
				rc = -1;
		}
	}
	json_decref(j);
	for (size_t m = 0; m < n; m++) {
		char ab[IP_ADDR_STRLEN];
		if (have[m])
			continue;
		if (ipcmd(ns, err, len, "addr add %s/%d dev %s%s",
		          ip_fmt(&w[m].a, ab), w[m].plen, dev,
		          ip_is_v4(&w[m].a) ? "" : " nodad"))
			rc = -1;
	}
	free(have);
	return rc;
}

static void
add_want(struct want_addr **w, size_t *n, const struct in6_addr *a, int plen)
{
	for (size_t i = 0; i < *n; i++)
		if (ip_equal(&(*w)[i].a, a))
			return;
	*w = xrealloc(*w, (*n + 1) * sizeof(**w));
	(*w)[*n].a = *a;
	(*w)[*n].plen = plen;
	(*n)++;
}

int
gw_nft_apply(const char *ns, const char *ruleset, char *err, size_t len)
{
	int saved, rc;
	struct nft_ctx *ctx;

	if (netns_enter(ns, &saved) < 0)
		return fail(err, len, "cannot enter namespace %s", ns);
	ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!ctx) {
		netns_leave(saved);
		return fail(err, len, "nftables: cannot make a context");
	}
	nft_ctx_buffer_error(ctx);
	rc = nft_run_cmd_from_buffer(ctx, ruleset);
	if (rc) {
		const char *e = nft_ctx_get_error_buffer(ctx);
		fail(err, len, "nftables: %.*s", (int)strcspn(e, "\n"), e);
	}
	nft_ctx_free(ctx);
	if (netns_leave(saved) < 0)
		fatalx("cannot return to the gateway host's namespace");
	return rc ? -1 : 0;
}

json_t *
gw_nft_counters(const char *ns)
{
	int saved;
	struct nft_ctx *ctx;
	json_t *res = json_object(), *j, *it;
	size_t i;

	if (netns_enter(ns, &saved) < 0)
		return res;
	ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (ctx) {
		nft_ctx_output_set_flags(ctx, NFT_CTX_OUTPUT_JSON);
		nft_ctx_buffer_output(ctx);
		nft_ctx_buffer_error(ctx);
		if (!nft_run_cmd_from_buffer(
		        ctx, "list counters table inet " GW_TABLE)) {
			j = json_loads(nft_ctx_get_output_buffer(ctx), 0, NULL);
			json_array_foreach(json_object_get(j, "nftables"), i,
			                   it)
			{
				json_t *c = json_object_get(it, "counter");
				const char *name = json_string_value(
				    json_object_get(c, "name"));
				if (name)
					json_object_set(
					    res, name,
					    json_object_get(c, "packets"));
			}
			json_decref(j);
		}
		nft_ctx_free(ctx);
	}
	if (netns_leave(saved) < 0)
		fatalx("cannot return to the gateway host's namespace");
	return res;
}

/* The host side: the bridge with the external NIC, and the veth. */
static int
wire_outside(const struct gw_config *c, const struct gw_comp *cp,
             const char *ns, char *err, size_t len)
{
	char host[LINK_NAME_MAX];
	struct link_info li;
	int r, fd;

	if (!link_exists(c->ext_if))
		return fail(err, len,
		            "the external interface %s does not exist",
		            c->ext_if);
	if (!link_exists(GW_BRIDGE)) {
		r = link_bridge_create(GW_BRIDGE);
		if (r < 0 && r != -EEXIST)
			return fail(err, len, "bridge %s: %s", GW_BRIDGE,
			            link_strerror(r));
	}
	link_set_up(GW_BRIDGE);
	if (link_get_info(c->ext_if, &li) == 0 &&
	    li.master != link_ifindex(GW_BRIDGE)) {
		r = link_set_master(c->ext_if, GW_BRIDGE);
		if (r < 0)
			return fail(err, len, "%s into %s: %s", c->ext_if,
			            GW_BRIDGE, link_strerror(r));
	}
	link_set_up(c->ext_if);

	gw_veth_name(cp->id, host, sizeof(host));
	fd = netns_open(ns);
	if (fd < 0)
		return fail(err, len, "namespace %s: %s", ns, strerror(-fd));
	/* ext0 gone (a namespace made again): the old pair goes first */
	{
		int saved;
		bool inside = false;
		if (netns_enter(ns, &saved) == 0) {
			inside = link_exists(GW_EXTNAME);
			if (netns_leave(saved) < 0)
				fatalx("cannot return to the host's namespace");
		}
		if (!inside && link_exists(host))
			link_delete(host);
	}
	if (!link_exists(host)) {
		r = link_veth_create(host, GW_EXTNAME, fd);
		if (r < 0) {
			close(fd);
			return fail(err, len, "veth %s: %s", host,
			            link_strerror(r));
		}
	}
	close(fd);
	link_set_alias(host, cp->id);
	r = link_set_master(host, GW_BRIDGE);
	if (r < 0)
		return fail(err, len, "%s into %s: %s", host, GW_BRIDGE,
		            link_strerror(r));
	link_set_up(host);
	return 0;
}

static int
inside(const struct gw_comp *cp, char *err, size_t len)
{
	static const char *const on[] = {
	    "/proc/sys/net/ipv4/ip_forward",
	    "/proc/sys/net/ipv6/conf/all/forwarding",
	};
	static const char *const off[] = {
	    "/proc/sys/net/ipv4/conf/all/rp_filter",
	    "/proc/sys/net/ipv4/conf/default/rp_filter",
	    "/proc/sys/net/ipv4/conf/" GW_EXTNAME "/rp_filter",
	};
	struct eth_addr m;
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(on); i++)
		if ((r = write_sysctl(on[i], "1")) < 0)
			return fail(err, len, "%s: %s", on[i], strerror(-r));
	for (size_t i = 0; i < ARRAY_SIZE(off); i++)
		write_sysctl(off[i], "0");
	link_set_up("lo");
	if (link_get_mac(GW_EXTNAME, &m) == 0 && !eth_equal(&m, &cp->ext_mac)) {
		link_set_down(GW_EXTNAME);
		r = link_set_mac(GW_EXTNAME, &cp->ext_mac);
		if (r < 0)
			return fail(err, len, "MAC of %s: %s", GW_EXTNAME,
			            link_strerror(r));
	}
	link_set_up(GW_EXTNAME);
	if (link_exists(cp->adapter))
		link_set_up(cp->adapter);
	return 0;
}

static int
in_ns(const char *ns, const struct gw_comp *cp, char *err, size_t len)
{
	int saved, rc;

	if (netns_enter(ns, &saved) < 0)
		return fail(err, len, "cannot enter namespace %s", ns);
	rc = inside(cp, err, len);
	if (netns_leave(saved) < 0)
		fatalx("cannot return to the gateway host's namespace");
	return rc;
}

/* Makes the routes we own (proto static) on dev exactly 'dst' via 'via'
 * (NULL: none wanted).  "default" is the prefix 0.0.0.0/0 or ::/0. */
static int
sync_routes(const char *ns, const char *dev, const struct gw_prefix *dst,
            size_t n, const struct in6_addr *via, char *err, size_t len)
{
	json_t *j = ip_json(ns, "route", dev, err, len), *rt;
	size_t i;
	char pb[IP_ADDR_STRLEN + 4], vb[IP_ADDR_STRLEN];
	int rc = 0;

	if (!j)
		return -1;
	json_array_foreach(j, i, rt)
	{
		const char *d = json_string_value(json_object_get(rt, "dst"));
		struct gw_prefix p = {0};
		bool keep = false;
		if (!d)
			continue;
		if (!strcmp(d, "default"))
			p.plen = 0; /* matches either family's 0/0 below */
		else if (prefix_parse(d, &p.addr, &p.plen)) {
			if (ip_parse(d, &p.addr))
				continue;
			p.plen = ip_is_v4(&p.addr) ? 32 : 128;
		}
		for (size_t m = 0; via && m < n; m++)
			if (dst[m].plen == p.plen &&
			    (!p.plen || ip_equal(&dst[m].addr, &p.addr)))
				keep = true;
		if (!keep)
			ipcmd(ns, err, len, "route del %s dev %s proto static",
			      d, dev);
	}
	json_decref(j);
	for (size_t m = 0; via && m < n; m++) {
		if (ip_is_v4(&dst[m].addr) != ip_is_v4(via))
			continue;
		if (ipcmd(ns, err, len,
		          "route replace %s via %s dev %s proto static",
		          prefix_fmt(&dst[m].addr, dst[m].plen, pb),
		          ip_fmt(via, vb), dev))
			rc = -1;
	}
	return rc;
}

static void
garp(const char *ns, const struct in6_addr *a)
{
	char ab[IP_ADDR_STRLEN], e[256];
	char *argv[] = {"arping",   "-q", "-U", "-c", "1", "-I",
	                GW_EXTNAME, "-s", ab,   ab,   NULL};

	if (!ip_is_v4(a))
		return;
	ip_fmt(a, ab);
	if (gw_run(ns, argv, NULL, e, sizeof(e)))
		log_debug("gratuitous ARP for %s in %s: %s", ab, ns, e);
}

int
gw_comp_apply(const struct gw_config *c, const struct gw_comp *cp,
              const char *ns, bool *const *healthy, bool announce, char *err,
              size_t len)
{
	struct want_addr *w = NULL;
	size_t n = 0;
	char *rules;
	int rc = 0, r;

	if (!netns_exists(ns)) {
		if (cp->active)
			return fail(err, len,
			            "waiting for hnv-agent to make the "
			            "compartment's namespace %s (its VM %s)",
			            ns, cp->vm);
		r = netns_ensure(ns);
		if (r < 0)
			return fail(err, len, "namespace %s: %s", ns,
			            strerror(-r));
	}
	if (wire_outside(c, cp, ns, err, len) || in_ns(ns, cp, err, len))
		return -1;

	/* ext0: the tenant's addresses, when active */
	if (cp->active) {
		add_want(&w, &n, &cp->ext_addr, c->ext_prefix.plen);
		for (size_t i = 0; i < cp->n_nat1; i++)
			add_want(&w, &n, &cp->nat1[i].ext,
			         ip_is_v4(&cp->nat1[i].ext) ? 32 : 128);
		for (size_t i = 0; i < cp->n_lbs; i++)
			add_want(&w, &n, &cp->lbs[i].frontend,
			         ip_is_v4(&cp->lbs[i].frontend) ? 32 : 128);
	}
	if (sync_addrs(ns, GW_EXTNAME, w, n, err, len))
		rc = -1;
	if (announce)
		for (size_t i = 0; i < n; i++)
			garp(ns, &w[i].a);
	free(w);
	w = NULL;
	n = 0;

	/* int0 (the agent's TAP): the gateway CA, routes to the tenant */
	if (ip_link_in(ns, cp->adapter)) {
		add_want(&w, &n, &cp->gw_addr, cp->gw_subnet.plen);
		if (sync_addrs(ns, cp->adapter, w, n, err, len))
			rc = -1;
		free(w);
		if (sync_routes(ns, cp->adapter, cp->prefixes, cp->n_prefixes,
		                &cp->subnet_gw, err, len))
			rc = -1;
	}
	{
		struct gw_prefix def = {0};
		if (ip_is_v4(&c->ext_prefix.addr))
			ip_set_v4(&def.addr, 0);
		if (sync_routes(ns, GW_EXTNAME, &def, 1,
		                cp->active && c->has_ext_gw ? &c->ext_gw : NULL,
		                err, len))
			rc = -1;
	}

	rules = gw_render_nft(c, cp, healthy);
	if (gw_nft_apply(ns, rules, err, len))
		rc = -1;
	free(rules);
	if (!rc && cp->active && !ip_link_in(ns, cp->adapter))
		return fail(err, len,
		            "waiting for hnv-agent to make the compartment's "
		            "adapter %s in %s",
		            cp->adapter, ns);
	return rc;
}

bool
ip_link_in(const char *ns, const char *dev)
{
	int saved;
	bool r;

	if (netns_enter(ns, &saved) < 0)
		return false;
	r = link_exists(dev);
	if (netns_leave(saved) < 0)
		fatalx("cannot return to the gateway host's namespace");
	return r;
}

void
gw_comp_remove(const char *id, const char *ns, bool delete_ns)
{
	char host[LINK_NAME_MAX], e[256];

	gw_veth_name(id, host, sizeof(host));
	if (link_exists(host))
		link_delete(host);
	if (netns_exists(ns)) {
		gw_nft_apply(ns,
		             "table inet " GW_TABLE
		             "\ndelete table inet " GW_TABLE "\n",
		             e, sizeof(e));
		if (delete_ns)
			netns_delete(ns);
	}
}
