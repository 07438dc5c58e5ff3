/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-policy-json: the agent's untrusted JSON input.  Every control
 * request's arguments and the state file go through policy/json.c: parse
 * the input as a whole policy, as each object kind and as a filter; a
 * policy that loads must dump and load again to the same JSON.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
