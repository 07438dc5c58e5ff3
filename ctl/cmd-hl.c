/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-hl: hnvctl's high-level subcommands against hnv-controller
 * (doc/controller.md, "High-level API"): the controller allocates and
 * derives, these only name things.
 *
 *   vm-network add NAME [rdid GUID] [prefix P]...   POST /v1/virtualNetworks
 *   vm-network get [NAME] | remove NAME
 *   subnet add VMNET/NAME prefix P [vsid N]   PUT .../subnets/NAME
 *   subnet get [VMNET[/NAME]] | remove VMNET/NAME
 *   server add NAME pa-subnet /logicalNetworks/LN/subnets/S [pa A]
 *          [switch NAME] [netadapter NAME]   PUT /v1/servers/NAME
 *   server get [NAME] | remove NAME
 *   vm add NAME host H subnet VMNET/S [ip A] [mac M] [adapter NAME]
 *          PUT /v1/networkInterfaces/NAME (one interface of VM NAME)
 *   vm get [NAME] | remove NAME | move NAME host H
 *   gateway add NAME server S external-prefix P [external-gateway A]
 *          [external-interface IF]   PUT /v1/gateways/NAME
 *   gateway get [NAME] | remove NAME
 *   vgateway add NAME vm-network VN subnet VN/S gateways G1[,G2]
 *          external-address A [mode nat|forwarding]
 *          PUT /v1/virtualGateways/NAME
 *   vgateway get [NAME] | remove NAME | failover NAME to G
 *
 * (A subnet can also be named "NAME vm-network VMNET".)  Results are
 * tables, or with --json the controller's resources.  `vm` is also the
 * low-level VM object (`vm add vm NAME`, cmd-object.c): cmd_hl_vm_wants()
 * tells the two apart.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctl/ctl.h"
#include "ctl/http.h"
#include "ctl/rest.h"
#include "ctl/table.h"

#define MAX_KV 16

/* The arguments after the verb: an optional NAME, then KEY VALUE pairs
 * from 'known' (space-separated); a key in 'multi' may repeat. */
struct hlargs {
	const char *name;
	const char *k[MAX_KV], *v[MAX_KV];
	size_t n;
};

static bool
word_in(const char *w, const char *list)
{
	size_t n = strlen(w);
	while (list && *list) {
		size_t m = strcspn(list, " ");
		if (m == n && !strncmp(list, w, n))
			return true;
		list += m + (list[m] == ' ');
	}
	return false;
}

static int
parse(const char *what, int argc, char **argv, bool want_name,
      const char *known, const char *multi, struct hlargs *a)
{
	int i = 2;

	memset(a, 0, sizeof(*a));
	if (want_name && i < argc && !word_in(argv[i], known))
		a->name = argv[i++];
	for (; i < argc; i += 2) {
		if (!word_in(argv[i], known))
			return ctl_usage("%s: unknown key '%s' (known: %s)",
			                 what, argv[i], known);
		if (i + 1 >= argc)
			return ctl_usage("%s: key '%s' needs a value", what,
			                 argv[i]);
		for (size_t j = 0; j < a->n; j++)
			if (!strcmp(a->k[j], argv[i]) &&
			    !word_in(argv[i], multi))
				return ctl_usage("%s: key '%s' given twice",
				                 what, argv[i]);
		if (a->n == MAX_KV)
			return ctl_usage("%s: too many arguments", what);
		a->k[a->n] = argv[i];
		a->v[a->n++] = argv[i + 1];
	}
	return 0;
}

static const char *
arg(const struct hlargs *a, const char *k)
{
	for (size_t i = 0; i < a->n; i++)
		if (!strcmp(a->k[i], k))
			return a->v[i];
	return NULL;
}

static char *
path_of(const char *coll, const char *name, const char *rest)
{
	char *e = rest_escape(name);
	char *p = xasprintf("/v1/%s/%s%s", coll, e, rest ? rest : "");
	free(e);
	return p;
}

/* Splits "VMNET/NAME" (or NAME with 'vmnet' given): 0, or a usage
 * error. */
static int
split_subnet(const char *what, const char *s, const char *vmnet, char *vn,
             size_t vnlen, char *sn, size_t snlen)
{
	const char *slash = s ? strchr(s, '/') : NULL;
	if (!s)
		return ctl_usage("%s: give the subnet as VMNET/NAME", what);
	if (slash && !vmnet) {
		snprintf(vn, vnlen, "%.*s", (int)(slash - s), s);
		snprintf(sn, snlen, "%s", slash + 1);
	} else if (vmnet && !slash) {
		snprintf(vn, vnlen, "%s", vmnet);
		snprintf(sn, snlen, "%s", s);
	} else {
		return ctl_usage("%s: give the subnet as VMNET/NAME (or NAME "
		                 "vm-network VMNET)",
		                 what);
	}
	if (!vn[0] || !sn[0] || strchr(sn, '/'))
		return ctl_usage("%s: '%s' is not VMNET/NAME", what, s);
	return 0;
}

static const json_t *
props(const json_t *res)
{
	return json_object_get(res, "properties");
}

static const char *
str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "-";
}

/* The last segment of a resourceRef ("/servers/Host1" -> "Host1"). */
static const char *
ref_last(const json_t *ref_obj)
{
	const char *r =
	    json_string_value(json_object_get(ref_obj, "resourceRef"));
	const char *s = r ? strrchr(r, '/') : NULL;
	return s ? s + 1 : "-";
}

/* The items of a list reply, or a one-resource reply as a list. */
static json_t *
as_list(json_t *rep)
{
	json_t *items = json_object_get(rep, "items");
	if (items)
		return json_incref(items);
	json_t *a = json_array();
	if (rep)
		json_array_append(a, rep);
	return a;
}

static void
print_table(struct table *t, FILE *f)
{
	if (table_n_rows(t))
		table_print(t, f);
	table_destroy(t);
}

static void
join(char *buf, size_t len, const char *s)
{
	size_t n = strlen(buf);
	snprintf(buf + n, len - n, "%s%s", n ? "," : "", s);
}

/* ------------------------------------------------------------------ */
/* printers */

static void
print_vmnets(const json_t *arr, FILE *f)
{
	struct table *t = table_create(4, 2, false);
	const json_t *x, *y;
	size_t i, j;

	table_header(t, 0, "NAME", false);
	table_header(t, 1, "ROUTING-DOMAIN", false);
	table_header(t, 2, "ADDRESS-SPACE", false);
	table_header(t, 3, "SUBNETS", false);
	json_array_foreach((json_t *)arr, i, x)
	{
		char sp[512] = "", sn[512] = "";
		const json_t *p = props(x);
		json_array_foreach(
		    json_object_get(json_object_get(p, "addressSpace"),
		                    "addressPrefixes"),
		    j, y) join(sp, sizeof(sp), json_string_value(y));
		json_array_foreach(json_object_get(p, "subnets"), j, y)
		    join(sn, sizeof(sn), str(y, "resourceId"));
		const char *cells[] = {str(x, "resourceId"),
		                       str(p, "routingDomainId"),
		                       sp[0] ? sp : "-", sn[0] ? sn : "-"};
		table_add(t, cells);
	}
	print_table(t, f);
}

static void
print_subnets(const char *vn, const json_t *arr, struct table **tp)
{
	struct table *t = *tp;
	const json_t *x;
	size_t i;

	if (!t) {
		t = *tp = table_create(4, 2, false);
		table_header(t, 0, "VM-NETWORK", false);
		table_header(t, 1, "NAME", false);
		table_header(t, 2, "PREFIX", false);
		table_header(t, 3, "VSID", false);
	}
	json_array_foreach((json_t *)arr, i, x)
	{
		char vsid[24];
		const json_t *p = props(x);
		snprintf(vsid, sizeof(vsid), "%lld",
		         (long long)json_integer_value(
		             json_object_get(p, "virtualSubnetId")));
		const char *cells[] = {vn, str(x, "resourceId"),
		                       str(p, "addressPrefix"), vsid};
		table_add(t, cells);
	}
}

static void
print_servers(const json_t *arr, FILE *f)
{
	struct table *t = table_create(3, 2, false);
	const json_t *x, *y;
	size_t i, j;

	table_header(t, 0, "NAME", false);
	table_header(t, 1, "PROVIDER-ADDRESSES", false);
	table_header(t, 2, "SWITCH", false);
	json_array_foreach((json_t *)arr, i, x)
	{
		char pas[512] = "";
		const json_t *p = props(x);
		json_array_foreach(json_object_get(p, "providerAddresses"), j,
		                   y) join(pas, sizeof(pas), str(y, "address"));
		const char *cells[] = {str(x, "resourceId"), pas[0] ? pas : "-",
		                       str(p, "switchName")};
		table_add(t, cells);
	}
	print_table(t, f);
}

static void
print_vms(const json_t *arr, FILE *f)
{
	struct table *t = table_create(6, 2, false);
	const json_t *x;
	size_t i;

	table_header(t, 0, "NAME", false);
	table_header(t, 1, "VM", false);
	table_header(t, 2, "HOST", false);
	table_header(t, 3, "SUBNET", false);
	table_header(t, 4, "IP", false);
	table_header(t, 5, "MAC", false);
	json_array_foreach((json_t *)arr, i, x)
	{
		const json_t *p = props(x);
		const json_t *ip = props(
		    json_array_get(json_object_get(p, "ipConfigurations"), 0));
		const char *sref = json_string_value(json_object_get(
		    json_object_get(ip, "subnet"), "resourceRef"));
		char sub[200] = "-";
		/* "/virtualNetworks/VN/subnets/S" -> "VN/S" */
		if (sref && !strncmp(sref, "/virtualNetworks/", 17)) {
			const char *a = sref + 17, *b = strchr(a, '/');
			if (b && !strncmp(b, "/subnets/", 9))
				snprintf(sub, sizeof(sub), "%.*s/%s",
				         (int)(b - a), a, b + 9);
		}
		const char *cells[] = {str(x, "resourceId"),
		                       str(p, "vmName"),
		                       ref_last(json_object_get(p, "server")),
		                       sub,
		                       ip ? str(ip, "privateIPAddress") : "-",
		                       str(p, "privateMacAddress")};
		table_add(t, cells);
	}
	print_table(t, f);
}

/* Prints 'rep' (a resource or a list) with 'pr', or as JSON. */
static int
show(struct ctl *ctl, json_t *rep, void (*pr)(const json_t *, FILE *))
{
	if (ctl->json) {
		ctl_print_json(rep, stdout);
	} else if (rep) {
		json_t *l = as_list(rep);
		pr(l, stdout);
		json_decref(l);
	}
	json_decref(rep);
	return CTL_EXIT_OK;
}

static int
verb_of(const char *v)
{
	if (!strcmp(v, "add") || !strcmp(v, "create"))
		return 'a';
	if (!strcmp(v, "get") || !strcmp(v, "show") || !strcmp(v, "list"))
		return 'g';
	if (!strcmp(v, "remove") || !strcmp(v, "del") || !strcmp(v, "delete") ||
	    !strcmp(v, "rm"))
		return 'r';
	if (!strcmp(v, "move"))
		return 'm';
	return 0;
}

/* The common start: the verb, --help, the controller. */
static int
start(struct ctl *ctl, int argc, char **argv, void (*usage)(FILE *),
      const char *verbs, int *verb)
{
	const char *v = argc > 1 ? argv[1] : NULL;

	if (!v || ctl_is_help(v)) {
		usage(v ? stdout : stderr);
		return v ? -1 : CTL_EXIT_USAGE;
	}
	*verb = verb_of(v);
	if (!*verb || !strchr(verbs, *verb))
		return ctl_usage("%s: unknown verb '%s'", argv[0], v);
	return ctl_need_controller(ctl, argv[0]);
}

/* ------------------------------------------------------------------ */
/* vm-network */

static void
vmnet_usage(FILE *f)
{
	fprintf(f, "usage: hnvctl --controller URL [--json] vm-network add "
	           "NAME [rdid GUID] [prefix P]...\n"
	           "       hnvctl --controller URL [--json] vm-network get "
	           "[NAME]\n"
	           "       hnvctl --controller URL vm-network remove NAME\n"
	           "A VM network (the controller's virtualNetworks): its "
	           "routing domain (a GUID,\ngenerated when not given) and "
	           "address space; add subnets with 'hnvctl subnet'.\n");
}

int
cmd_vmnet_main(struct ctl *ctl, int argc, char **argv)
{
	struct hlargs a;
	json_t *rep = NULL;
	char *path;
	int verb, r = start(ctl, argc, argv, vmnet_usage, "agr", &verb);

	if (r)
		return r < 0 ? CTL_EXIT_OK : r;
	if ((r = parse("vm-network", argc, argv, true,
	               verb == 'a' ? "rdid prefix" : "", "prefix", &a)))
		return r;
	if (verb != 'g' && !a.name)
		return ctl_usage("vm-network %s: give the NAME", argv[1]);
	if (verb == 'a') {
		json_t *pfx = json_array();
		for (size_t i = 0; i < a.n; i++)
			if (!strcmp(a.k[i], "prefix"))
				json_array_append_new(pfx, json_string(a.v[i]));
		json_t *body =
		    json_pack("{s:s, s:{s:{s:o}, s:[]}}", "resourceId", a.name,
		              "properties", "addressSpace", "addressPrefixes",
		              pfx, "subnets");
		if (arg(&a, "rdid"))
			json_object_set_new(json_object_get(body, "properties"),
			                    "routingDomainId",
			                    json_string(arg(&a, "rdid")));
		r = ctl_rest(ctl, "POST", "/v1/virtualNetworks", body, &rep);
		json_decref(body);
	} else if (verb == 'g') {
		path = a.name ? path_of("virtualNetworks", a.name, NULL)
		              : xstrdup("/v1/virtualNetworks?limit=10000");
		r = ctl_rest(ctl, "GET", path, NULL, &rep);
		free(path);
	} else {
		path = path_of("virtualNetworks", a.name, NULL);
		r = ctl_rest(ctl, "DELETE", path, NULL, &rep);
		free(path);
		json_decref(rep);
		return r;
	}
	return r ? r : show(ctl, rep, print_vmnets);
}

/* ------------------------------------------------------------------ */
/* subnet */

static void
subnet_usage(FILE *f)
{
	fprintf(f, "usage: hnvctl --controller URL [--json] subnet add "
	           "VMNET/NAME prefix P [vsid N]\n"
	           "       hnvctl --controller URL [--json] subnet get "
	           "[VMNET[/NAME]]\n"
	           "       hnvctl --controller URL subnet remove VMNET/NAME\n"
	           "A virtual subnet of a VM network: its prefix and VSID "
	           "(allocated from the\ncontroller's --vsid-range when not "
	           "given).  NAME vm-network VMNET also\nnames one.\n");
}

int
cmd_subnet_main(struct ctl *ctl, int argc, char **argv)
{
	struct hlargs a;
	json_t *rep = NULL;
	char vn[128], sn[128], *path, *e;
	int verb, r = start(ctl, argc, argv, subnet_usage, "agr", &verb);

	if (r)
		return r < 0 ? CTL_EXIT_OK : r;
	if ((r = parse("subnet", argc, argv, true,
	               verb == 'a' ? "vm-network prefix vsid" : "vm-network",
	               NULL, &a)))
		return r;
	if (verb == 'g' && (!a.name || !strchr(a.name, '/')) &&
	    !(a.name && arg(&a, "vm-network"))) {
		/* every subnet of one VM network, or of all */
		const char *only = a.name ? a.name : arg(&a, "vm-network");
		struct table *t = NULL;
		path = only ? path_of("virtualNetworks", only, NULL)
		            : xstrdup("/v1/virtualNetworks?limit=10000");
		r = ctl_rest(ctl, "GET", path, NULL, &rep);
		free(path);
		if (r)
			return r;
		json_t *l = as_list(rep), *x, *out = json_array();
		size_t i;
		json_array_foreach(l, i, x)
		{
			const json_t *subs =
			    json_object_get(props(x), "subnets");
			json_array_extend(out, (json_t *)subs);
			print_subnets(str(x, "resourceId"), subs, &t);
		}
		if (ctl->json)
			ctl_print_json(out, stdout);
		else if (t)
			print_table(t, stdout);
		if (ctl->json && t)
			table_destroy(t);
		json_decref(out);
		json_decref(l);
		json_decref(rep);
		return CTL_EXIT_OK;
	}
	if ((r = split_subnet("subnet", a.name, arg(&a, "vm-network"), vn,
	                      sizeof(vn), sn, sizeof(sn))))
		return r;
	e = rest_escape(sn);
	path = xasprintf("/v1/virtualNetworks/%s/subnets/%s", vn, e);
	free(e);
	if (verb == 'a') {
		if (!arg(&a, "prefix")) {
			free(path);
			return ctl_usage("subnet add: give its prefix");
		}
		json_t *p =
		    json_pack("{s:s}", "addressPrefix", arg(&a, "prefix"));
		if (arg(&a, "vsid")) {
			char *end;
			long long v = strtoll(arg(&a, "vsid"), &end, 10);
			if (*end || !*arg(&a, "vsid")) {
				free(path);
				json_decref(p);
				return ctl_usage("subnet add: vsid '%s' is not "
				                 "a number",
				                 arg(&a, "vsid"));
			}
			json_object_set_new(p, "virtualSubnetId",
			                    json_integer(v));
		}
		json_t *body = json_pack("{s:o}", "properties", p);
		r = ctl_rest(ctl, "PUT", path, body, &rep);
		json_decref(body);
	} else if (verb == 'g') {
		r = ctl_rest(ctl, "GET", path, NULL, &rep);
	} else {
		r = ctl_rest(ctl, "DELETE", path, NULL, &rep);
		free(path);
		json_decref(rep);
		return r;
	}
	free(path);
	if (r)
		return r;
	if (ctl->json) {
		ctl_print_json(rep, stdout);
	} else {
		struct table *t = NULL;
		json_t *l = as_list(rep);
		print_subnets(vn, l, &t);
		print_table(t, stdout);
		json_decref(l);
	}
	json_decref(rep);
	return CTL_EXIT_OK;
}

/* ------------------------------------------------------------------ */
/* server */

static void
server_usage(FILE *f)
{
	fprintf(f, "usage: hnvctl --controller URL [--json] server add NAME "
	           "pa-subnet /logicalNetworks/LN/subnets/S\n"
	           "              [pa ADDRESS] [switch NAME] [netadapter "
	           "NAME]\n"
	           "       hnvctl --controller URL [--json] server get [NAME]\n"
	           "       hnvctl --controller URL server remove NAME\n"
	           "A server (an HNV host) with a provider address in a "
	           "logical subnet (allocated\nfrom its ipPools when not "
	           "given): the controller makes the host, its provider\n"
	           "address, default route and switch.\n");
}

int
cmd_server_main(struct ctl *ctl, int argc, char **argv)
{
	struct hlargs a;
	json_t *rep = NULL;
	char *path;
	int verb, r = start(ctl, argc, argv, server_usage, "agr", &verb);

	if (r)
		return r < 0 ? CTL_EXIT_OK : r;
	if ((r = parse("server", argc, argv, true,
	               verb == 'a' ? "pa-subnet pa switch netadapter" : "",
	               NULL, &a)))
		return r;
	if (verb != 'g' && !a.name)
		return ctl_usage("server %s: give the NAME", argv[1]);
	if (verb == 'a') {
		json_t *p = json_object(), *pas = json_array();
		if (arg(&a, "pa") && !arg(&a, "pa-subnet")) {
			json_decref(p);
			json_decref(pas);
			return ctl_usage("server add: pa needs pa-subnet");
		}
		if (arg(&a, "pa-subnet")) {
			json_t *x =
			    json_pack("{s:{s:s}}", "logicalSubnet",
			              "resourceRef", arg(&a, "pa-subnet"));
			if (arg(&a, "pa"))
				json_object_set_new(x, "address",
				                    json_string(arg(&a, "pa")));
			json_array_append_new(pas, x);
		}
		json_object_set_new(p, "providerAddresses", pas);
		if (arg(&a, "switch"))
			json_object_set_new(p, "switchName",
			                    json_string(arg(&a, "switch")));
		if (arg(&a, "netadapter"))
			json_object_set_new(p, "netAdapterName",
			                    json_string(arg(&a, "netadapter")));
		json_t *body = json_pack("{s:o}", "properties", p);
		path = path_of("servers", a.name, NULL);
		r = ctl_rest(ctl, "PUT", path, body, &rep);
		json_decref(body);
	} else if (verb == 'g') {
		path = a.name ? path_of("servers", a.name, NULL)
		              : xstrdup("/v1/servers?limit=10000");
		r = ctl_rest(ctl, "GET", path, NULL, &rep);
	} else {
		path = path_of("servers", a.name, NULL);
		r = ctl_rest(ctl, "DELETE", path, NULL, &rep);
		free(path);
		json_decref(rep);
		return r;
	}
	free(path);
	return r ? r : show(ctl, rep, print_servers);
}

/* ------------------------------------------------------------------ */
/* vm: a network interface */

static void
vm_usage(FILE *f)
{
	fprintf(f, "usage: hnvctl --controller URL [--json] vm add NAME host "
	           "H subnet VMNET/S [ip A] [mac M]\n"
	           "              [adapter NAME]\n"
	           "       hnvctl --controller URL [--json] vm get [NAME]\n"
	           "       hnvctl --controller URL vm remove NAME\n"
	           "       hnvctl --controller URL [--json] vm move NAME host "
	           "H\n"
	           "A VM with its network interface (the controller's "
	           "networkInterfaces NAME):\nthe controller allocates its "
	           "IP (the lowest free after the subnet's .1) and\nMAC (from "
	           "its macPools) when not given and places its adapter and "
	           "lookup\nrecord on host H.  move takes it (and the VM's "
	           "other interfaces) to another\nhost in one write.  "
	           "(The low-level VM object is 'hnvctl vm add vm NAME'.)\n");
}

bool
cmd_hl_vm_wants(const struct ctl *ctl, int argc, char **argv)
{
	const char *verb = argc > 1 ? argv[1] : NULL;

	if (!verb || ctl_is_help(verb))
		return ctl->controller && !ctl->host;
	if (!strcmp(verb, "move"))
		return true;
	if (argc > 2)
		return strcmp(argv[2], "vm") != 0; /* 'vm add vm NAME' */
	/* a bare 'vm get': the interfaces, unless a host is named */
	return verb_of(verb) == 'g' && ctl->controller && !ctl->host;
}

int
cmd_hl_vm_main(struct ctl *ctl, int argc, char **argv)
{
	struct hlargs a;
	json_t *rep = NULL, *body = NULL;
	char *path = NULL;
	int verb, r = start(ctl, argc, argv, vm_usage, "agrm", &verb);

	if (r)
		return r < 0 ? CTL_EXIT_OK : r;
	if ((r = parse("vm", argc, argv, true,
	               verb == 'a'   ? "host subnet ip mac adapter"
	               : verb == 'm' ? "host"
	                             : "",
	               NULL, &a)))
		return r;
	if (verb != 'g' && !a.name)
		return ctl_usage("vm %s: give the NAME", argv[1]);
	if ((verb == 'a' || verb == 'm') && !arg(&a, "host"))
		return ctl_usage("vm %s: give the host", argv[1]);
	if (verb == 'a') {
		char vn[128], sn[128];
		if (!arg(&a, "subnet"))
			return ctl_usage("vm add: give the subnet (VMNET/S)");
		if ((r = split_subnet("vm add", arg(&a, "subnet"), NULL, vn,
		                      sizeof(vn), sn, sizeof(sn))))
			return r;
		char *sref =
		    xasprintf("/virtualNetworks/%s/subnets/%s", vn, sn);
		char *href = xasprintf("/servers/%s", arg(&a, "host"));
		json_t *ipp =
		    json_pack("{s:{s:s}}", "subnet", "resourceRef", sref);
		if (arg(&a, "ip"))
			json_object_set_new(ipp, "privateIPAddress",
			                    json_string(arg(&a, "ip")));
		json_t *p =
		    json_pack("{s:{s:s}, s:[{s:s, s:o}]}", "server",
		              "resourceRef", href, "ipConfigurations",
		              "resourceId", "ipconfig1", "properties", ipp);
		if (arg(&a, "mac"))
			json_object_set_new(p, "privateMacAddress",
			                    json_string(arg(&a, "mac")));
		if (arg(&a, "adapter"))
			json_object_set_new(p, "adapterName",
			                    json_string(arg(&a, "adapter")));
		body = json_pack("{s:o}", "properties", p);
		free(sref);
		free(href);
		path = path_of("networkInterfaces", a.name, NULL);
		r = ctl_rest(ctl, "PUT", path, body, &rep);
	} else if (verb == 'm') {
		char *href = xasprintf("/servers/%s", arg(&a, "host"));
		body = json_pack("{s:{s:s}}", "server", "resourceRef", href);
		free(href);
		path = path_of("networkInterfaces", a.name, "/move");
		r = ctl_rest(ctl, "POST", path, body, &rep);
	} else if (verb == 'g') {
		path = a.name ? path_of("networkInterfaces", a.name, NULL)
		              : xstrdup("/v1/networkInterfaces?limit=10000");
		r = ctl_rest(ctl, "GET", path, NULL, &rep);
	} else {
		path = path_of("networkInterfaces", a.name, NULL);
		r = ctl_rest(ctl, "DELETE", path, NULL, &rep);
		json_decref(rep);
		rep = NULL;
	}
	json_decref(body);
	free(path);
	if (r || verb == 'r')
		return r;
	return show(ctl, rep, print_vms);
}

/* ------------------------------------------------------------------ */
/* gateway, vgateway (doc/gateway.md) */

static void
print_gateways(const json_t *arr, FILE *f)
{
	struct table *t = table_create(6, 2, false);
	const json_t *x;
	size_t i;

	table_header(t, 0, "NAME", false);
	table_header(t, 1, "SERVER", false);
	table_header(t, 2, "EXTERNAL-PREFIX", false);
	table_header(t, 3, "EXTERNAL-GATEWAY", false);
	table_header(t, 4, "INTERFACE", false);
	table_header(t, 5, "ALIVE", false);
	json_array_foreach((json_t *)arr, i, x)
	{
		const json_t *p = props(x);
		const json_t *hb = json_object_get(p, "heartbeat");
		const char *cells[] = {
		    str(x, "resourceId"),
		    ref_last(json_object_get(p, "server")),
		    str(p, "externalPrefix"),
		    str(p, "externalGateway"),
		    str(p, "externalInterface"),
		    json_is_true(json_object_get(hb, "alive")) ? "yes" : "no"};
		table_add(t, cells);
	}
	print_table(t, f);
}

static void
print_vgateways(const json_t *arr, FILE *f)
{
	struct table *t = table_create(8, 2, false);
	const json_t *x, *y;
	size_t i, j;

	table_header(t, 0, "NAME", false);
	table_header(t, 1, "VM-NETWORK", false);
	table_header(t, 2, "GATEWAYS", false);
	table_header(t, 3, "ACTIVE", false);
	table_header(t, 4, "MODE", false);
	table_header(t, 5, "EXTERNAL-ADDRESS", false);
	table_header(t, 6, "GATEWAY-ADDRESS", false);
	table_header(t, 7, "VM", false);
	json_array_foreach((json_t *)arr, i, x)
	{
		char gws[256] = "";
		const json_t *p = props(x);
		json_array_foreach(json_object_get(p, "gateways"), j, y)
		    join(gws, sizeof(gws), ref_last(y));
		const char *cells[] = {
		    str(x, "resourceId"),
		    ref_last(json_object_get(p, "virtualNetwork")),
		    gws[0] ? gws : "-",
		    ref_last(json_object_get(p, "activeGateway")),
		    str(p, "mode"),
		    str(p, "externalAddress"),
		    str(p, "gatewayAddress"),
		    str(p, "vmName")};
		table_add(t, cells);
	}
	print_table(t, f);
}

static void
gateway_usage(FILE *f)
{
	fprintf(f, "usage: hnvctl --controller URL [--json] gateway add NAME "
	           "server S external-prefix P\n"
	           "              [external-gateway A] [external-interface "
	           "IF]\n"
	           "       hnvctl --controller URL [--json] gateway get "
	           "[NAME]\n"
	           "       hnvctl --controller URL gateway remove NAME\n"
	           "A gateway host (the controller's gateways, doc/"
	           "gateway.md): the server it runs\non, its NIC on the "
	           "external network (default Ethernet2), that network's\n"
	           "prefix and router.  get shows whether its hnv-gateway "
	           "is alive (heartbeats).\n");
}

int
cmd_gateway_main(struct ctl *ctl, int argc, char **argv)
{
	struct hlargs a;
	json_t *rep = NULL;
	char *path;
	int verb, r = start(ctl, argc, argv, gateway_usage, "agr", &verb);

	if (r)
		return r < 0 ? CTL_EXIT_OK : r;
	if ((r = parse("gateway", argc, argv, true,
	               verb == 'a' ? "server external-prefix external-gateway "
	                             "external-interface"
	                           : "",
	               NULL, &a)))
		return r;
	if (verb != 'g' && !a.name)
		return ctl_usage("gateway %s: give the NAME", argv[1]);
	if (verb == 'a') {
		if (!arg(&a, "server") || !arg(&a, "external-prefix"))
			return ctl_usage("gateway add: give its server and "
			                 "external-prefix");
		char *sref = xasprintf("/servers/%s", arg(&a, "server"));
		json_t *p =
		    json_pack("{s:{s:s}, s:s}", "server", "resourceRef", sref,
		              "externalPrefix", arg(&a, "external-prefix"));
		free(sref);
		if (arg(&a, "external-gateway"))
			json_object_set_new(
			    p, "externalGateway",
			    json_string(arg(&a, "external-gateway")));
		if (arg(&a, "external-interface"))
			json_object_set_new(
			    p, "externalInterface",
			    json_string(arg(&a, "external-interface")));
		json_t *body = json_pack("{s:o}", "properties", p);
		path = path_of("gateways", a.name, NULL);
		r = ctl_rest(ctl, "PUT", path, body, &rep);
		json_decref(body);
	} else if (verb == 'g') {
		path = a.name ? path_of("gateways", a.name, NULL)
		              : xstrdup("/v1/gateways?limit=10000");
		r = ctl_rest(ctl, "GET", path, NULL, &rep);
	} else {
		path = path_of("gateways", a.name, NULL);
		r = ctl_rest(ctl, "DELETE", path, NULL, &rep);
		free(path);
		json_decref(rep);
		return r;
	}
	free(path);
	return r ? r : show(ctl, rep, print_gateways);
}

static void
vgateway_usage(FILE *f)
{
	fprintf(f, "usage: hnvctl --controller URL [--json] vgateway add NAME "
	           "vm-network VN subnet VN/S\n"
	           "              gateways G1[,G2] external-address A [mode "
	           "nat|forwarding]\n"
	           "       hnvctl --controller URL [--json] vgateway get "
	           "[NAME]\n"
	           "       hnvctl --controller URL vgateway remove NAME\n"
	           "       hnvctl --controller URL [--json] vgateway failover "
	           "NAME to G\n"
	           "A tenant's gateway (the controller's virtualGateways, "
	           "doc/gateway.md): one per\nVM network, in its gateway "
	           "subnet S, on gateway G1 (active) and G2 (standby),\nwith "
	           "its address on the external network.  The controller "
	           "allocates its CA\nand MAC and places its compartment on "
	           "the active gateway's server; failover\nmakes G active.  "
	           "add writes the whole resource: NAT rules, load balancers\n"
	           "and VPNs are set by PUTting the document to /v1/"
	           "virtualGateways/NAME (curl).\n");
}

int
cmd_vgateway_main(struct ctl *ctl, int argc, char **argv)
{
	struct hlargs a;
	json_t *rep = NULL, *body = NULL;
	char *path = NULL;
	int verb = 0, r;
	const char *v = argc > 1 ? argv[1] : NULL;

	/* failover is this command's own verb */
	if (v && !strcmp(v, "failover")) {
		if ((r = ctl_need_controller(ctl, argv[0])))
			return r;
		verb = 'f';
	} else if ((r = start(ctl, argc, argv, vgateway_usage, "agr", &verb))) {
		return r < 0 ? CTL_EXIT_OK : r;
	}
	if ((r = parse("vgateway", argc, argv, true,
	               verb == 'a'   ? "vm-network subnet gateways "
	                               "external-address mode"
	               : verb == 'f' ? "to"
	                             : "",
	               NULL, &a)))
		return r;
	if (verb != 'g' && !a.name)
		return ctl_usage("vgateway %s: give the NAME", argv[1]);
	if (verb == 'a') {
		char vn[128], sn[128];
		const char *vmn = arg(&a, "vm-network"),
		           *sub = arg(&a, "subnet"), *gws = arg(&a, "gateways");
		if (!vmn || !sub || !gws || !arg(&a, "external-address"))
			return ctl_usage("vgateway add: give vm-network, "
			                 "subnet, gateways and "
			                 "external-address");
		if ((r = split_subnet("vgateway add", sub,
		                      strchr(sub, '/') ? NULL : vmn, vn,
		                      sizeof(vn), sn, sizeof(sn))))
			return r;
		if (strcasecmp(vn, vmn))
			return ctl_usage("vgateway add: subnet %s is not of "
			                 "vm-network %s",
			                 sub, vmn);
		json_t *ga = json_array();
		char *list = xstrdup(gws), *save = NULL;
		for (char *g = strtok_r(list, ",", &save); g;
		     g = strtok_r(NULL, ",", &save)) {
			char *gref = xasprintf("/gateways/%s", g);
			json_array_append_new(
			    ga, json_pack("{s:s}", "resourceRef", gref));
			free(gref);
		}
		free(list);
		char *vref = xasprintf("/virtualNetworks/%s", vmn);
		char *sref =
		    xasprintf("/virtualNetworks/%s/subnets/%s", vn, sn);
		json_t *p =
		    json_pack("{s:{s:s}, s:{s:s}, s:o, s:s}", "virtualNetwork",
		              "resourceRef", vref, "gatewaySubnet",
		              "resourceRef", sref, "gateways", ga,
		              "externalAddress", arg(&a, "external-address"));
		free(vref);
		free(sref);
		if (arg(&a, "mode"))
			json_object_set_new(p, "mode",
			                    json_string(arg(&a, "mode")));
		body = json_pack("{s:o}", "properties", p);
		path = path_of("virtualGateways", a.name, NULL);
		r = ctl_rest(ctl, "PUT", path, body, &rep);
	} else if (verb == 'f') {
		if (!arg(&a, "to"))
			return ctl_usage("vgateway failover: give the gateway "
			                 "(to G)");
		char *gref = xasprintf("/gateways/%s", arg(&a, "to"));
		body = json_pack("{s:{s:s}}", "activeGateway", "resourceRef",
		                 gref);
		free(gref);
		path = path_of("virtualGateways", a.name, "/failover");
		r = ctl_rest(ctl, "POST", path, body, &rep);
	} else if (verb == 'g') {
		path = a.name ? path_of("virtualGateways", a.name, NULL)
		              : xstrdup("/v1/virtualGateways?limit=10000");
		r = ctl_rest(ctl, "GET", path, NULL, &rep);
	} else {
		path = path_of("virtualGateways", a.name, NULL);
		r = ctl_rest(ctl, "DELETE", path, NULL, &rep);
		json_decref(rep);
		rep = NULL;
	}
	json_decref(body);
	free(path);
	if (r || verb == 'r')
		return r;
	return show(ctl, rep, print_vgateways);
}
