/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ps-netvirt: the NetVirtualization cmdlets of hnvctl ps (New-, Get-,
 * Set- and Remove-NetVirtualizationLookupRecord, -CustomerRoute,
 * -ProviderAddress, -ProviderRoute), on the agent's OBJECT.add/get/set/
 * remove requests (doc/hnvctl.md has the table):
 *  1. New-X: X.add with every given parameter's key; the agent's reply
 *     (or, without one, what was sent) is the new object;
 *  2. Get-X: X.get with the parameters the agent filters on, the others
 *     filtered here;
 *  3. Set-X: the objects to change are the pipeline input, else X.get
 *     with the selecting parameters (none selects all; a selection that
 *     matches nothing is an error); each is sent back to X.set with the
 *     changing parameters applied, so the agent always receives whole
 *     objects;
 *  4. Remove-X: X.remove with the filter, or one X.remove per object
 *     (pipeline input, or filters the agent does not know).
 */
#include "ctl/ps/ps-int.h"

#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

static int
nv_new(struct ps_exec *x, const struct ps_cmd *c, struct ps_objs *out)
{
	enum ps_otype t = c->cmdlet->otype;
	json_t *args = json_object(), *res;
	char *req;
	int r;

	if (ps_exec_args(x, c, PS_SEL_ALL, args) < 0) {
		json_decref(args);
		return -1;
	}
	if (t == PS_O_LR && !json_object_get(args, "type"))
		json_object_set_new(args, "type", json_string("static"));
	req = ps_exec_request_name(t, "add");
	json_incref(args);
	r = ps_exec_call(x, req, args, &res);
	free(req);
	if (r == 0) {
		if (json_is_object(res)) {
			ps_objs_push(out, t, res);
		} else {
			json_decref(res);
			ps_objs_push(out, t, json_incref(args));
		}
	}
	json_decref(args);
	return r;
}

static int
nv_get(struct ps_exec *x, const struct ps_cmd *c, struct ps_objs *out)
{
	json_t *filter = json_object();

	if (ps_exec_args(x, c, PS_SEL_FILTER, filter) < 0) {
		json_decref(filter);
		return -1;
	}
	return ps_exec_fetch(x, c, c->cmdlet->otype, filter, PS_SEL_CLIENT,
	                     out);
}

static int
nv_set(struct ps_exec *x, const struct ps_cmd *c, const struct ps_objs *in,
       bool piped, struct ps_objs *out)
{
	enum ps_otype t = c->cmdlet->otype;
	struct ps_objs targets = {0};
	char *req;
	int r = 0;

	if (piped) {
		if (ps_exec_check_input(x, in, t) < 0)
			return -1;
		ps_objs_copy(&targets, in);
	} else {
		json_t *filter = json_object();

		if (ps_exec_args(x, c, PS_SEL_IDENT, filter) < 0) {
			json_decref(filter);
			return -1;
		}
		if (ps_exec_fetch(x, c, t, filter, PS_SEL_IDENT, &targets) <
		    0) {
			ps_objs_clear(&targets);
			return -1;
		}
		if (!targets.n) {
			/* With selectors, nothing matching is an error; with
			 * none (= every object), an empty table is not. */
			char *d = ps_exec_describe(x, c, PS_SEL_IDENT);

			r = *d ? ps_exec_fail(x, "no %s matches %s",
			                      ps_obj_type(t)->noun, d)
			       : 0;
			free(d);
			if (r < 0)
				return -1;
		}
	}
	req = ps_exec_request_name(t, "set");
	for (size_t i = 0; i < targets.n && r == 0; i++) {
		json_t *obj = ps_exec_object_keys(t, targets.v[i].v), *res;

		r = ps_exec_args(x, c, PS_SEL_CHANGE, obj);
		if (r < 0) {
			json_decref(obj);
			break;
		}
		r = ps_exec_call(x, req, obj, &res);
		if (r == 0 && json_is_object(res))
			ps_objs_push(out, t, res);
		else if (r == 0)
			json_decref(res);
	}
	free(req);
	ps_objs_clear(&targets);
	return r;
}

static int
nv_remove(struct ps_exec *x, const struct ps_cmd *c, const struct ps_objs *in,
          bool piped)
{
	enum ps_otype t = c->cmdlet->otype;
	struct ps_objs targets = {0};
	bool client = false, any = false;
	json_t *filter;
	int r;

	if (piped) {
		if (ps_exec_check_input(x, in, t) < 0)
			return -1;
		return ps_exec_remove_each(x, t, in);
	}
	for (size_t i = 0; i < c->n_args; i++) {
		if (ps_exec_selected(c, &c->args[i], PS_SEL_CLIENT))
			client = true;
		if (ps_exec_selected(c, &c->args[i], PS_SEL_ALL))
			any = true;
	}
	filter = json_object();
	if (ps_exec_args(x, c, PS_SEL_FILTER, filter) < 0) {
		json_decref(filter);
		return -1;
	}
	if (any && !client) {
		char *req = ps_exec_request_name(t, "remove");

		r = ps_exec_call(x, req, filter, NULL);
		free(req);
		return r;
	}
	if (ps_exec_fetch(x, c, t, filter, PS_SEL_CLIENT, &targets) < 0) {
		ps_objs_clear(&targets);
		return -1;
	}
	if (!targets.n && any) {
		char *d = ps_exec_describe(x, c, PS_SEL_ALL);

		ps_exec_fail(x, "no %s matches %s", ps_obj_type(t)->noun, d);
		free(d);
		return -1;
	}
	r = ps_exec_remove_each(x, t, &targets);
	ps_objs_clear(&targets);
	return r;
}

int
ps_netvirt_run(struct ps_exec *x, const struct ps_cmd *c,
               const struct ps_objs *in, bool piped, struct ps_objs *out)
{
	switch (c->cmdlet->id) {
	case PS_C_NV_NEW:
		return nv_new(x, c, out);
	case PS_C_NV_GET:
		return nv_get(x, c, out);
	case PS_C_NV_SET:
		return nv_set(x, c, in, piped, out);
	case PS_C_NV_REMOVE:
		return nv_remove(x, c, in, piped);
	default:
		return ps_exec_fail(x, "internal error: not a "
		                       "NetVirtualization cmdlet");
	}
}
