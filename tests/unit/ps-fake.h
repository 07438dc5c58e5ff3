/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ps-fake: an in-memory stand-in for hnv-agent behind struct ps_backend,
 * so the hnvctl ps tests run without an agent and without the policy
 * module.  It keeps each object family as a JSON array and implements
 * OBJ.add / .get(filter) / .set / .remove with equality on the keys of
 * policy/json.h, the families' identifying keys, required keys and
 * defaults, and a few agent errors in the agent's words (duplicates,
 * VSID range, unknown switch, empty remove filter).  VMs: vm.add records
 * one, so does the first adapter of a VM (the agent creates its
 * namespace); vm.get reports each with its namespace and adapter count,
 * vm.remove removes it with its adapters.  It records every request in
 * 'log' so tests can check what was sent.  A header of static functions:
 * each test program includes it once.
 */
#ifndef TESTS_UNIT_PS_FAKE_H
#define TESTS_UNIT_PS_FAKE_H

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "ctl/ps/ps.h"
#include "lib/util.h"

struct fake_family {
	const char *name; /* protocol object */
	const char *noun;
	const char *keys;     /* all keys, space-separated */
	const char *ident;    /* identifying keys */
	const char *required; /* required on add */
};

static const struct fake_family fake_families[] = {
    {"lookup-record", "lookup record",
     " ca vsid mac pa rule type customer_id vm_name context use_vm_mac ",
     " vsid ca ", " vsid mac pa "},
    {"customer-route", "customer route", " rdid vsid prefix nexthop metric ",
     " rdid prefix ", " rdid vsid prefix "},
    {"provider-address", "provider address", " pa prefix_len vlan mac ifindex ",
     " pa ", " pa prefix_len "},
    {"provider-route", "provider route", " prefix nexthop ifindex metric ",
     " prefix nexthop ", " prefix nexthop "},
    {"switch", "switch", " name netadapter ", " name ", " name netadapter "},
    {"vm-adapter", "vm adapter", " vm name switch mac vsid ", " vm name ",
     " vm name switch "},
    {"vm", "VM", " vm ", " vm ", " vm "},
};

struct fake {
	json_t *tables;       /* family name -> array */
	json_t *log;          /* [{"cmd": .., "args": ..}] */
	const char *fail_cmd; /* if set, this request fails ... */
	const char *fail_msg; /* ... with this error */
};

static bool
fake_word_in(const char *list, const char *w)
{
	char buf[64];

	snprintf(buf, sizeof(buf), " %s ", w);
	return strstr(list, buf) != NULL;
}

static bool
fake_streq(const char *key, const json_t *a, const json_t *b)
{
	if (json_is_string(a) && json_is_string(b) &&
	    (!strcmp(key, "vm") || !strcmp(key, "name") ||
	     !strcmp(key, "switch")))
		return !strcasecmp(json_string_value(a), json_string_value(b));
	return json_equal((json_t *)a, (json_t *)b);
}

static bool
fake_match(const json_t *obj, const json_t *filter)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)filter, k, v)
	{
		json_t *have = json_object_get(obj, k);

		if (!have || !fake_streq(k, have, v))
			return false;
	}
	return true;
}

/* Identity of a lookup record: VSID + CA, or VSID + MAC without a CA. */
static json_t *
fake_ident(const struct fake_family *f, const json_t *obj)
{
	json_t *id = json_object();
	const char *p = f->ident;
	char key[32];
	int n;

	while (sscanf(p, " %31s%n", key, &n) == 1) {
		json_t *v = json_object_get(obj, key);

		p += n;
		if (!strcmp(key, "ca") &&
		    (!v || !strcmp(json_string_value(v), "0.0.0.0") ||
		     !strcmp(json_string_value(v), "::"))) {
			strcpy(key, "mac");
			v = json_object_get(obj, key);
		}
		if (v)
			json_object_set(id, key, v);
	}
	return id;
}

static int
fake_err(char **error, const char *fmt, const char *a, const char *b)
{
	*error = xasprintf(fmt, a, b);
	return -EINVAL;
}

/* Checks keys and required keys, fills defaults. */
static int
fake_validate(const struct fake_family *f, json_t *obj, char **error)
{
	const char *k;
	json_t *v;
	const char *p = f->required;
	char key[32];
	int n;

	json_object_foreach(obj, k, v)
	{
		if (!fake_word_in(f->keys, k))
			return fake_err(error, "%s: unknown key '%s'", f->noun,
			                k);
	}
	v = json_object_get(obj, "vsid");
	if (v && strcmp(f->name, "vm-adapter") &&
	    (json_integer_value(v) < 4096 ||
	     json_integer_value(v) > 16777214)) {
		char num[32];

		snprintf(num, sizeof(num), "%lld",
		         (long long)json_integer_value(v));
		return fake_err(error,
		                "%s: field 'vsid': %s is outside "
		                "4096..16777214",
		                f->noun, num);
	}
	while (sscanf(p, " %31s%n", key, &n) == 1) {
		p += n;
		if (!json_object_get(obj, key))
			return fake_err(error, "%s: missing field '%s'",
			                f->noun, key);
	}
	if (!strcmp(f->name, "lookup-record")) {
		if (!json_object_get(obj, "rule"))
			json_object_set_new(obj, "rule", json_string("encap"));
		if (!json_object_get(obj, "type"))
			json_object_set_new(
			    obj, "type",
			    json_string(json_object_get(obj, "ca") ? "static"
			                                           : "l2only"));
	}
	if (!strcmp(f->name, "customer-route") ||
	    !strcmp(f->name, "provider-route")) {
		if (!json_object_get(obj, "metric"))
			json_object_set_new(obj, "metric", json_integer(0));
	}
	if (!strcmp(f->name, "vm-adapter") && !json_object_get(obj, "vsid"))
		json_object_set_new(obj, "vsid", json_integer(0));
	return 0;
}

static int
fake_obj_call(struct fake *fk, const struct fake_family *f, const char *verb,
              json_t *args, json_t **result, char **error)
{
	json_t *table = json_object_get(fk->tables, f->name), *o;
	size_t i;

	if (!table) {
		table = json_array();
		json_object_set_new(fk->tables, f->name, table);
	}
	if (!strcmp(verb, "get")) {
		json_t *out = json_array();

		json_array_foreach(table, i, o)
		{
			if (fake_match(o, args))
				json_array_append(out, o);
		}
		*result = out;
		return 0;
	}
	if (!strcmp(verb, "add") || !strcmp(verb, "set")) {
		json_t *obj = json_deep_copy(args), *id;
		int r = fake_validate(f, obj, error);
		size_t at = (size_t)-1;

		if (r < 0) {
			json_decref(obj);
			return r;
		}
		if (!strcmp(f->name, "vm-adapter")) {
			json_t *sws = json_object_get(fk->tables, "switch");
			json_t *want = json_pack(
			    "{sO}", "name", json_object_get(obj, "switch"));
			bool found = false;

			json_array_foreach(sws, i, o) found |=
			    fake_match(o, want);
			json_decref(want);
			if (!found) {
				r = fake_err(error,
				             "vm adapter %s: switch '%s' does "
				             "not exist",
				             json_string_value(
				                 json_object_get(obj, "name")),
				             json_string_value(json_object_get(
				                 obj, "switch")));
				json_decref(obj);
				return r;
			}
		}
		id = fake_ident(f, obj);
		json_array_foreach(table, i, o)
		{
			if (fake_match(o, id))
				at = i;
		}
		if (!strcmp(verb, "add") && at != (size_t)-1 &&
		    strcmp(f->name, "vm")) {
			char *s = json_dumps(id, JSON_COMPACT | JSON_SORT_KEYS);

			r = fake_err(error, "%s %s: already exists", f->noun,
			             s);
			free(s);
		} else if (!strcmp(verb, "set") && at == (size_t)-1) {
			char *s = json_dumps(id, JSON_COMPACT | JSON_SORT_KEYS);

			r = fake_err(error, "no %s matches %s", f->noun, s);
			free(s);
		} else if (at != (size_t)-1) {
			json_array_set(table, at, obj);
		} else {
			json_array_append(table, obj);
		}
		json_decref(id);
		if (r == 0)
			*result = json_incref(obj);
		json_decref(obj);
		return r;
	}
	if (!strcmp(verb, "remove")) {
		size_t removed = 0;

		if (!json_object_size(args))
			return fake_err(error, "%s: remove needs a filter%s",
			                f->noun, "");
		for (i = json_array_size(table); i-- > 0;) {
			if (fake_match(json_array_get(table, i), args)) {
				json_array_remove(table, i);
				removed++;
			}
		}
		if (!removed) {
			char *s =
			    json_dumps(args, JSON_COMPACT | JSON_SORT_KEYS);
			int r = fake_err(error, "no %s matches %s", f->noun, s);

			free(s);
			return r;
		}
		*result = json_pack("{sI}", "removed", (json_int_t)removed);
		return 0;
	}
	return fake_err(error, "unknown command %s.%s", f->name, verb);
}

static json_t *
fake_table(struct fake *fk, const char *name)
{
	json_t *t = json_object_get(fk->tables, name);

	if (!t) {
		t = json_array();
		json_object_set_new(fk->tables, name, t);
	}
	return t;
}

/* vm.get and vm.remove: a VM is its namespace and its adapters. */
static int
fake_vm_call(struct fake *fk, const char *verb, json_t *args, json_t **result,
             char **error)
{
	json_t *vms = fake_table(fk, "vm"), *nas = fake_table(fk, "vm-adapter");
	json_t *o;
	size_t i;

	if (!strcmp(verb, "get")) {
		*result = json_array();
		json_array_foreach(vms, i, o)
		{
			const char *vm =
			    json_string_value(json_object_get(o, "vm"));
			char ns[64];
			json_int_t n = 0;
			size_t k;
			json_t *a;

			if (!fake_match(o, args))
				continue;
			snprintf(ns, sizeof(ns), "%s", vm);
			for (char *p = ns; *p; p++)
				*p = (char)tolower((unsigned char)*p);
			json_array_foreach(nas, k, a) n +=
			    fake_streq("vm", json_object_get(a, "vm"),
			               json_object_get(o, "vm"));
			json_array_append_new(
			    *result, json_pack("{sssssI}", "vm", vm, "netns",
			                       ns, "adapters", n));
		}
		return 0;
	}
	if (!strcmp(verb, "remove")) {
		json_t *vm = json_object_get(args, "vm");
		size_t removed = 0;
		char *s;
		int r;

		for (i = json_array_size(vms); vm && i-- > 0;) {
			if (!fake_streq(
			        "vm",
			        json_object_get(json_array_get(vms, i), "vm"),
			        vm))
				continue;
			json_array_remove(vms, i);
			removed++;
		}
		if (removed) {
			for (i = json_array_size(nas); i-- > 0;)
				if (fake_streq(
				        "vm",
				        json_object_get(json_array_get(nas, i),
				                        "vm"),
				        vm))
					json_array_remove(nas, i);
			*result =
			    json_pack("{sI}", "removed", (json_int_t)removed);
			return 0;
		}
		s = json_dumps(args, JSON_COMPACT | JSON_SORT_KEYS);
		r = fake_err(error, "no VM matches %s%s", s, "");
		free(s);
		return r;
	}
	return fake_obj_call(fk, &fake_families[ARRAY_SIZE(fake_families) - 1],
	                     verb, args, result, error);
}

static int
fake_call(void *ctx, const char *cmd, json_t *args, json_t **result,
          char **error, json_t **warnings)
{
	struct fake *fk = ctx;
	char obj[64];
	const char *dot = strrchr(cmd, '.');

	(void)warnings;
	*result = NULL;
	*error = NULL;
	json_array_append_new(fk->log, json_pack("{sssO}", "cmd", cmd, "args",
	                                         args ? args : json_null()));
	if (fk->fail_cmd && !strcmp(cmd, fk->fail_cmd)) {
		*error = xstrdup(fk->fail_msg);
		return -EINVAL;
	}
	if (!json_is_object(args))
		return fake_err(error, "%s: args must be an object%s", cmd, "");
	if (!strcmp(cmd, "interface.get")) {
		const char *name =
		    json_string_value(json_object_get(args, "name"));

		if (!name) { /* every interface */
			*result = json_pack(
			    "[{sssiss}{sssiss}]", "name", "Ethernet", "ifindex",
			    12, "mac", "33:44:55:66:77:88", "name", "Ethernet2",
			    "ifindex", 13, "mac", "33:44:55:66:77:88");
			return 0;
		}
		if (strcmp(name, "Ethernet") && strcmp(name, "Ethernet2"))
			return fake_err(error, "no interface named '%s'%s",
			                name, "");
		*result = json_pack("{sssiss}", "name", name, "ifindex",
		                    strcmp(name, "Ethernet") ? 13 : 12, "mac",
		                    "33:44:55:66:77:88");
		return 0;
	}
	if (!dot || (size_t)(dot - cmd) >= sizeof(obj))
		return fake_err(error, "unknown command %s%s", cmd, "");
	memcpy(obj, cmd, (size_t)(dot - cmd));
	obj[dot - cmd] = '\0';
	if (!strcmp(obj, "vm"))
		return fake_vm_call(fk, dot + 1, args, result, error);
	for (size_t i = 0; i < ARRAY_SIZE(fake_families); i++) {
		int r;

		if (strcmp(obj, fake_families[i].name))
			continue;
		r = fake_obj_call(fk, &fake_families[i], dot + 1, args, result,
		                  error);
		if (r == 0 && !strcmp(cmd, "vm-adapter.add")) {
			/* the agent creates the VM's namespace */
			json_t *vms = fake_table(fk, "vm"), *o;
			json_t *want = json_pack("{sO}", "vm",
			                         json_object_get(args, "vm"));
			bool found = false;
			size_t k;

			json_array_foreach(vms, k, o) found |=
			    fake_match(o, want);
			if (!found)
				json_array_append(vms, want);
			json_decref(want);
		}
		return r;
	}
	return fake_err(error, "unknown command %s%s", cmd, "");
}

static UNUSED struct fake *
fake_create(void)
{
	struct fake *fk = xcalloc(1, sizeof(*fk));

	fk->tables = json_object();
	fk->log = json_array();
	return fk;
}

static UNUSED void
fake_destroy(struct fake *fk)
{
	if (!fk)
		return;
	json_decref(fk->tables);
	json_decref(fk->log);
	free(fk);
}

static UNUSED struct ps_backend
fake_backend(struct fake *fk)
{
	struct ps_backend be = {fake_call, fk, NULL};

	return be;
}

/* Parses and runs 'text' against 'fk'; stdout and stderr go to one
 * malloc'd string '*output'.  Returns the exit status hnvctl ps would
 * give (0, or 1 for parse or runtime errors). */
static UNUSED int
fake_run(struct fake *fk, const char *file, const char *text, size_t len,
         char **output)
{
	struct ps_backend be = fake_backend(fk);
	struct ps_script *s = ps_parse(file, text, len);
	size_t n;
	FILE *f = open_memstream(output, &n);
	int status = 0;

	if (ps_script_n_errors(s)) {
		ps_script_print_errors(s, f);
		status = 1;
	} else if (ps_exec(s, &be, f, f) < 0) {
		status = 1;
	}
	fclose(f);
	ps_script_destroy(s);
	return status;
}

#endif
