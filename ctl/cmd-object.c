/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-object: `hnvctl OBJECT VERB [KEY VALUE]...`, the native commands on
 * the policy objects.  KEY VALUE pairs become the request's JSON object
 * with the keys of policy/json.h (dashes accepted for underscores); the
 * numeric keys are sent as integers and use_vm_mac as a boolean, the rest
 * as strings the agent parses (so every address form it accepts works).
 * `get` prints a table (colon MACs; optional columns only when some row
 * has a value in them), --json the reply's result.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctl/ctl.h"
#include "ctl/table.h"
#include "lib/addr.h"

enum key_type { KT_STR, KT_INT, KT_BOOL, KT_MAC };

struct key_def {
	const char *key;
	enum key_type type;
	bool optional; /* column shown only when some row has a value */
};

struct obj_def {
	const char *name, *alias;
	const char *verbs; /* the verbs the agent implements */
	const struct key_def *keys;
	const char *required;
	const char *example;
};

static const struct key_def lr_keys[] = {
    {"ca", KT_STR, false},     {"vsid", KT_INT, false},
    {"mac", KT_MAC, false},    {"pa", KT_STR, false},
    {"rule", KT_STR, false},   {"type", KT_STR, false},
    {"vm_name", KT_STR, true}, {"customer_id", KT_STR, true},
    {"context", KT_STR, true}, {"use_vm_mac", KT_BOOL, true},
    {NULL, 0, false},
};
static const struct key_def cr_keys[] = {
    {"rdid", KT_STR, false},   {"vsid", KT_INT, false},
    {"prefix", KT_STR, false}, {"nexthop", KT_STR, false},
    {"metric", KT_INT, false}, {NULL, 0, false},
};
static const struct key_def pa_keys[] = {
    {"pa", KT_STR, false},      {"prefix_len", KT_INT, false},
    {"vlan", KT_INT, false},    {"mac", KT_MAC, false},
    {"ifindex", KT_INT, false}, {NULL, 0, false},
};
static const struct key_def pr_keys[] = {
    {"prefix", KT_STR, false},  {"nexthop", KT_STR, false},
    {"ifindex", KT_INT, false}, {"metric", KT_INT, false},
    {NULL, 0, false},
};
static const struct key_def sw_keys[] = {
    {"name", KT_STR, false},
    {"netadapter", KT_STR, false},
    {NULL, 0, false},
};
static const struct key_def vma_keys[] = {
    {"vm", KT_STR, false},  {"name", KT_STR, false}, {"switch", KT_STR, false},
    {"mac", KT_MAC, false}, {"vsid", KT_INT, false}, {NULL, 0, false},
};
static const struct key_def vm_keys[] = {
    {"vm", KT_STR, false},
    {"netns", KT_STR, true},
    {"adapters", KT_INT, true},
    {NULL, 0, false},
};

#define ALL_VERBS "add get set remove"

static const struct obj_def objects[] = {
    {"lookup-record", "lr", ALL_VERBS, lr_keys,
     "ca (not for type l2only) vsid mac pa",
     "lookup-record add ca 10.0.1.101 vsid 6000 mac 60:00:60:00:01:01 "
     "pa 192.168.0.22"},
    {"customer-route", "cr", ALL_VERBS, cr_keys, "rdid vsid prefix",
     "customer-route add rdid {12345678-1000-2000-3000-123456780001} "
     "vsid 6000 prefix 10.0.1.0/24"},
    {"provider-address", "pa", ALL_VERBS, pa_keys, "pa prefix-len",
     "provider-address add pa 192.168.0.22 prefix-len 24 ifindex 2"},
    {"provider-route", "pr", ALL_VERBS, pr_keys, "prefix nexthop",
     "provider-route add prefix 192.168.2.0/24 nexthop 192.168.0.1"},
    {"vm-adapter", "vma", ALL_VERBS, vma_keys, "vm name switch",
     "vm-adapter add vm Contoso1 name eth0 switch HNVSwitch mac "
     "60:00:60:00:01:01"},
    {"switch", "sw", ALL_VERBS, sw_keys, "name netadapter",
     "switch add name HNVSwitch netadapter eth1"},
    {"vm", NULL, "add get remove", vm_keys, "vm", "vm add vm Contoso1"},
};

static bool
has_verb(const struct obj_def *o, const char *verb)
{
	size_t n = strlen(verb);
	const char *p = o->verbs;

	while ((p = strstr(p, verb))) {
		if ((p == o->verbs || p[-1] == ' ') &&
		    (p[n] == ' ' || p[n] == '\0'))
			return true;
		p += n;
	}
	return false;
}

static const struct obj_def *
find_object(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(objects); i++)
		if (!strcmp(name, objects[i].name) ||
		    (objects[i].alias && !strcmp(name, objects[i].alias)))
			return &objects[i];
	return NULL;
}

bool
cmd_object_known(const char *name)
{
	return find_object(name) != NULL;
}

static void
print_keys(const struct obj_def *o, FILE *f)
{
	for (const struct key_def *k = o->keys; k->key; k++)
		fprintf(f, "%s%s", k == o->keys ? "" : " ", k->key);
}

void
cmd_object_usage(FILE *f)
{
	for (size_t i = 0; i < ARRAY_SIZE(objects); i++) {
		const struct obj_def *o = &objects[i];
		char *name = o->alias ? xasprintf("%s (%s)", o->name, o->alias)
		                      : xstrdup(o->name);

		fprintf(f, "  %-25s ", name);
		print_keys(o, f);
		fputc('\n', f);
		free(name);
	}
}

static void
object_help(const struct obj_def *o, FILE *f)
{
	fprintf(f,
	        "usage: hnvctl [--agent PATH] [--json] %s VERB [KEY "
	        "VALUE]...\n",
	        o->name);
	if (o->alias)
		fprintf(f, "  alias:    %s\n", o->alias);
	fprintf(f, "  verbs:    %s (aliases: show, list = get; del = remove)\n",
	        o->verbs);
	fprintf(f, "  keys:     ");
	print_keys(o, f);
	fprintf(f, "\n  required: %s (for add and set)\n", o->required);
	fprintf(f,
	        "get and remove take any keys as a filter (remove needs at "
	        "least one);\nset replaces the object with the same "
	        "identifying keys.  Keys may use\ndashes for underscores "
	        "(vm-name).  Numbers as decimal, use_vm_mac as\ntrue/false.\n"
	        "example:  hnvctl %s\n",
	        o->example);
}

static const struct key_def *
find_key(const struct obj_def *o, const char *key)
{
	for (const struct key_def *k = o->keys; k->key; k++)
		if (!strcmp(k->key, key))
			return k;
	return NULL;
}

static int
parse_bool(const char *s, bool *b)
{
	static const char *const yes[] = {"true", "yes", "on", "1"};
	static const char *const no[] = {"false", "no", "off", "0"};

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(s, yes[i])) {
			*b = true;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*b = false;
			return 0;
		}
	}
	return -EINVAL;
}

/* KEY VALUE pairs -> JSON object; 0 or an exit status. */
static int
parse_pairs(const struct obj_def *o, int argc, char **argv, json_t **out)
{
	json_t *obj = json_object();

	if (argc % 2) {
		json_decref(obj);
		return ctl_usage("%s: key '%s' has no value", o->name,
		                 argv[argc - 1]);
	}
	for (int i = 0; i < argc; i += 2) {
		char *key = xstrdup(argv[i]);
		const char *val = argv[i + 1];
		const struct key_def *k;
		json_t *v = NULL;

		for (char *p = key; *p; p++)
			if (*p == '-')
				*p = '_';
		k = find_key(o, key);
		if (!k) {
			fprintf(stderr,
			        "hnvctl: %s: unknown key '%s' (keys: ", o->name,
			        argv[i]);
			print_keys(o, stderr);
			fprintf(stderr, ")\n");
			free(key);
			json_decref(obj);
			return CTL_EXIT_USAGE;
		}
		if (k->type == KT_INT) {
			char *end;
			long long n;

			errno = 0;
			n = strtoll(val, &end, 10);
			if (!*val || *end || errno || n < 0) {
				free(key);
				json_decref(obj);
				return ctl_usage("%s: %s: '%s' is not a number",
				                 o->name, k->key, val);
			}
			v = json_integer(n);
		} else if (k->type == KT_BOOL) {
			bool b;

			if (parse_bool(val, &b) < 0) {
				free(key);
				json_decref(obj);
				return ctl_usage("%s: %s: '%s' is not true or "
				                 "false",
				                 o->name, k->key, val);
			}
			v = json_boolean(b);
		} else {
			v = json_string(val);
			if (!v) {
				free(key);
				json_decref(obj);
				return ctl_usage("%s: %s: value is not UTF-8",
				                 o->name, k->key);
			}
		}
		if (json_object_get(obj, k->key)) {
			free(key);
			json_decref(v);
			json_decref(obj);
			return ctl_usage("%s: key '%s' given twice", o->name,
			                 k->key);
		}
		json_object_set_new(obj, k->key, v);
		free(key);
	}
	*out = obj;
	return 0;
}

/* A value as the native table shows it. */
static char *
cell(const struct key_def *k, const json_t *v)
{
	if (k->type == KT_MAC && json_is_string(v)) {
		struct eth_addr e;
		char buf[ETH_ADDR_STRLEN];

		if (eth_parse(json_string_value(v), &e) == 0)
			return xstrdup(eth_fmt(&e, buf));
	}
	return ctl_scalar(v);
}

static bool
is_default(const json_t *v)
{
	const char *s = json_string_value(v);
	struct guid g;

	if (!v || json_is_null(v) || json_is_false(v))
		return true;
	if (s && (!*s || (guid_parse(s, &g) == 0 && guid_is_zero(&g))))
		return true;
	return false;
}

static void
print_with(const struct obj_def *o, const json_t *arr, FILE *f)
{
	const struct key_def *cols[16];
	size_t n = 0;
	struct table *t;
	json_t *e;
	size_t i;

	for (const struct key_def *k = o->keys; k->key && n < 16; k++) {
		bool show = !k->optional;

		json_array_foreach(arr, i, e)
		{
			show |= !is_default(json_object_get(e, k->key));
		}
		if (show)
			cols[n++] = k;
	}
	t = table_create(n, 2, false);
	for (size_t c = 0; c < n; c++) {
		char *h = xstrdup(cols[c]->key);

		for (char *p = h; *p; p++)
			*p = *p == '_' ? '-' : (char)toupper((unsigned char)*p);
		table_header(t, c, h, false);
		free(h);
	}
	json_array_foreach(arr, i, e)
	{
		char *cells[16];

		if (!json_is_object(e))
			continue;
		for (size_t c = 0; c < n; c++)
			cells[c] =
			    cell(cols[c], json_object_get(e, cols[c]->key));
		table_add(t, (const char *const *)cells);
		for (size_t c = 0; c < n; c++)
			free(cells[c]);
	}
	if (table_n_rows(t))
		table_print(t, f);
	table_destroy(t);
}

void
cmd_object_print(const char *object, const json_t *arr, FILE *f)
{
	const struct obj_def *o = find_object(object);

	if (o)
		print_with(o, arr, f);
	else
		ctl_print_human(arr, f);
}

int
cmd_object_main(struct ctl *ctl, int argc, char **argv)
{
	const struct obj_def *o = find_object(argv[0]);
	const char *verb;
	json_t *args = NULL, *res = NULL;
	char *cmd;
	int r;

	if (!o)
		return ctl_usage("unknown object '%s'", argv[0]);
	if (argc < 2 || ctl_is_help(argv[1])) {
		object_help(o, argc < 2 ? stderr : stdout);
		return argc < 2 ? CTL_EXIT_USAGE : CTL_EXIT_OK;
	}
	verb = argv[1];
	if (!strcmp(verb, "show") || !strcmp(verb, "list"))
		verb = "get";
	else if (!strcmp(verb, "del") || !strcmp(verb, "delete") ||
	         !strcmp(verb, "rm"))
		verb = "remove";
	if (!has_verb(o, verb))
		return ctl_usage("%s: unknown verb '%s' (try 'hnvctl %s "
		                 "--help')",
		                 o->name, argv[1], o->name);
	r = parse_pairs(o, argc - 2, argv + 2, &args);
	if (r)
		return r;
	if (!strcmp(verb, "remove") && !json_object_size(args)) {
		json_decref(args);
		return ctl_usage("%s remove: give a filter (KEY VALUE...); "
		                 "nothing was removed",
		                 o->name);
	}
	cmd = xasprintf("%s.%s", o->name, verb);
	r = ctl_call(ctl, cmd, args, &res);
	free(cmd);
	json_decref(args);
	if (r)
		return r;
	if (ctl->json)
		ctl_print_json(res, stdout);
	else if (!strcmp(verb, "get"))
		print_with(o, res, stdout);
	json_decref(res);
	return CTL_EXIT_OK;
}
