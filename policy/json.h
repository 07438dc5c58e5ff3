/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy/json: the JSON form of every policy object, shared by the agent's
 * control socket, its state file and hnvctl --json.
 *
 * Keys (values: addresses as strings in any accepted form, numbers as
 * JSON integers, booleans as JSON booleans):
 *   lookup-record:     ca vsid mac pa rule type customer_id vm_name
 *                      context use_vm_mac
 *   customer-route:    rdid vsid prefix nexthop metric
 *   provider-address:  pa prefix_len vlan mac ifindex
 *   provider-route:    prefix nexthop ifindex metric
 *   switch:            name netadapter
 *   vm-adapter:        vm name switch mac vsid
 * Output uses colon MACs, braced lower-case GUIDs and the short rule/type
 * names ("encap", "static").
 *
 * _from_json: 0, or -EINVAL with msg->err naming the key and the value
 * ("lookup record: field 'mac': '60-00-zz' is not a MAC address").
 * Required keys: lookup-record ca (may be omitted for l2only) vsid mac pa;
 * customer-route rdid vsid prefix; provider-address pa prefix_len;
 * provider-route prefix nexthop; switch name netadapter; vm-adapter vm
 * name switch.  Unknown keys are an error (typos must not pass silently).
 * Defaults: rule encap, type static (l2only when ca omitted), nexthop
 * on-link, metric 0, vlan 0, zero GUIDs, mac zero.
 *
 * policy_filter_from_json: every key optional; same names as above.
 */
#ifndef POLICY_JSON_H
#define POLICY_JSON_H

#include <jansson.h>

#include "policy/policy.h"

json_t *lr_to_json(const struct lookup_record *);
json_t *cr_to_json(const struct customer_route *);
json_t *pa_to_json(const struct provider_address *);
json_t *pr_to_json(const struct provider_route *);
json_t *sw_to_json(const struct vswitch *);
json_t *vma_to_json(const struct vm_adapter *);

/* lr_to_json() as compact text, exactly what json_dumps(lr_to_json(r),
 * JSON_COMPACT | JSON_PRESERVE_ORDER) gives, without building the
 * object (a page of a thousand records costs a tenth).  Returns the
 * length; the text is NUL-terminated. */
#define LR_JSON_TEXT_MAX 1600
size_t lr_to_json_text(const struct lookup_record *,
                       char buf[LR_JSON_TEXT_MAX]);

int lr_from_json(const json_t *, struct lookup_record *, struct pmsg *);
int cr_from_json(const json_t *, struct customer_route *, struct pmsg *);
int pa_from_json(const json_t *, struct provider_address *, struct pmsg *);
int pr_from_json(const json_t *, struct provider_route *, struct pmsg *);
int sw_from_json(const json_t *, struct vswitch *, struct pmsg *);
int vma_from_json(const json_t *, struct vm_adapter *, struct pmsg *);
int policy_filter_from_json(const json_t *, struct policy_filter *,
                            struct pmsg *);

/* The whole policy as one object {"switches":[...],"vm_adapters":[...],
 * "provider_addresses":[...],"provider_routes":[...],
 * "customer_routes":[...],"lookup_records":[...]} and back (into an empty
 * policy; on error the policy is left empty). */
json_t *policy_to_json(const struct policy *);
int policy_from_json(struct policy *, const json_t *, struct pmsg *);

#endif
