/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-policy-json: the agent's untrusted JSON input.  Every control
 * request's arguments and the state file go through policy/json.c: parse
 * the input as a whole policy, as each object kind and as a filter; a
 * policy that loads must dump and load again to the same JSON, and each
 * of its lookup records as text (pages) must be what json_dumps gives.
 * An "after" member is also taken as a page cursor and walked.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
text_cb(const struct lookup_record *r, void *aux)
{
	char buf[LR_JSON_TEXT_MAX];
	json_t *o = lr_to_json(r);
	char *want = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);

	(void)aux;
	lr_to_json_text(r, buf);
	if (want && strcmp(want, buf))
		abort();
	free(want);
	json_decref(o);
	return 0;
}

static int
count_cb(const struct lookup_record *r, void *aux)
{
	(void)r;
	return ++*(int *)aux > 3;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy *p = policy_create(), *q = policy_create();
	json_t *j = json_loadb((const char *)data, size, 0, NULL);
	struct policy_filter f;
	struct lookup_record lr;
	struct customer_route cr;
	struct provider_address pa;
	struct provider_route pr;
	struct vswitch sw;
	struct vm_adapter vma;
	struct pmsg m;

	if (!j)
		goto out;
	memset(&m, 0, sizeof(m));
	if (policy_from_json(p, j, &m) == 0) {
		json_t *a = policy_to_json(p), *b;

		if (policy_from_json(q, a, &m) != 0)
			abort();
		b = policy_to_json(q);
		if (!json_equal(a, b))
			abort();
		json_decref(a);
		json_decref(b);
		policy_lr_foreach(p, NULL, text_cb, NULL);
	}
	if (json_is_string(json_object_get(j, "after"))) {
		/* A cursor, over three records of VSID 6000 and one L2Only. */
		static const char base[] =
		    "{\"lookup_records\": ["
		    "{\"ca\":\"10.0.1.101\",\"vsid\":6000,\"mac\":"
		    "\"600060000101\","
		    "\"pa\":\"192.168.0.22\"},"
		    "{\"ca\":\"10.0.1.102\",\"vsid\":6000,\"mac\":"
		    "\"600060000102\","
		    "\"pa\":\"192.168.0.22\"},"
		    "{\"vsid\":6000,\"mac\":\"600060000103\",\"pa\":\"192.168."
		    "0.22\"},"
		    "{\"ca\":\"10.0.1.104\",\"vsid\":6000,\"mac\":"
		    "\"600060000104\","
		    "\"pa\":\"192.168.0.22\"}]}";
		json_t *b = json_loads(base, 0, NULL);
		struct policy_lr_walk w;
		int n = 0;

		policy_from_json(q, b, &m);
		json_decref(b);
		if (policy_lr_walk_init(
		        &w, NULL,
		        json_string_value(json_object_get(j, "after")),
		        &m) == 0)
			while (!w.done && n <= 3)
				policy_lr_walk_step(q, &w, 2, count_cb, &n);
	}
	lr_from_json(j, &lr, &m);
	cr_from_json(j, &cr, &m);
	pa_from_json(j, &pa, &m);
	pr_from_json(j, &pr, &m);
	sw_from_json(j, &sw, &m);
	vma_from_json(j, &vma, &m);
	policy_filter_from_json(j, &f, &m);
	json_decref(j);
out:
	policy_destroy(p);
	policy_destroy(q);
	return 0;
}
