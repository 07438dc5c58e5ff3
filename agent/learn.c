/* SPDX-License-Identifier: Apache-2.0 */
/*
 * learn: flow F4 in the agent.  The data path queues the addresses it
 * learns from ARP (pipeline.h, struct pl_learnt: an L2Only MAC's sender
 * address no record owns); between batches, when no job holds the
 * policy, the agent takes them and
 *  1. adds a Dynamic lookup record (CA, VSID, MAC, PA) to its policy and
 *     its state database, so the next ARP for that address is answered
 *     here and nothing floods;
 *  2. under a controller, reports it (sync_report: POST
 *     /v1/lookup-records, type dynamic); the controller validates it
 *     across the datacenter and pushes it to the other hosts of that VM
 *     network, as it does any record.
 * An address the policy already gives to another MAC (duplicate address
 * detection) is refused: not added, not reported, logged (rate limited)
 * and counted (stats "learn").  An address already recorded with the
 * same MAC and PA is nothing new.
 */
#include <string.h>

#include "agent/agent.h"
#include "agent/store.h"
#include "agent/sync.h"
#include "lib/log.h"
#include "policy/json.h"
#include "policy/names.h"

void
learn_run(struct agent *a)
{
	struct pl_learnt q[64];
	size_t n;
	bool saved = false;

	if (a->job || policy_lr_in_stage(a->pol))
		return; /* the policy is a job's: next time */
	while ((n = pipeline_learnt_take(a->pl, q, 64)) > 0) {
		for (size_t i = 0; i < n; i++) {
			const struct pl_learnt *l = &q[i];
			const struct lookup_record *old =
			    policy_lr_by_ca(a->pol, l->vsid, &l->ca);
			struct lookup_record r = {0};
			struct pmsg m = {0};
			char ip[IP_ADDR_STRLEN], mac[ETH_ADDR_STRLEN];

			if (old && eth_equal(&old->mac, &l->mac) &&
			    ip_equal(&old->pa, &l->pa))
				continue;
			r.ca = l->ca;
			r.vsid = l->vsid;
			r.mac = l->mac;
			r.pa = l->pa;
			r.rule = LR_RULE_ENCAP;
			r.type = LR_TYPE_DYNAMIC;
			if (old || policy_lr_add(a->pol, &r, &m) < 0) {
				a->learn.conflicts++;
				LOG_RL(log_warnx(
				    "learnt %s vsid %u at MAC %s: refused: %s",
				    ip_fmt(&l->ca, ip), l->vsid,
				    eth_fmt(&l->mac, mac),
				    old ? "the address is another MAC's "
				          "(duplicate address)"
				        : m.err));
				continue;
			}
			a->learn.learnt++;
			log_info("learnt %s vsid %u at MAC %s behind PA %s",
			         ip_fmt(&l->ca, ip), l->vsid,
			         eth_fmt(&l->mac, mac),
			         ip_fmt(&l->pa, (char[IP_ADDR_STRLEN]){0}));
			old = policy_lr_by_ca(a->pol, l->vsid, &l->ca);
			if (old) {
				store_lr_put(a->store, policy_lr_seq(old), old);
				saved = true;
			}
			if (a->sync) {
				json_t *j = lr_to_json(&r);
				sync_report(a->sync, pnames_to_api(PK_LR, j));
				json_decref(j);
			}
		}
	}
	if (saved)
		store_mark(a->store);
}
