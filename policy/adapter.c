/* SPDX-License-Identifier: Apache-2.0 */
/*
 * adapter: the Hyper-V side of the policy, virtual switches and VM network
 * adapters.  Switch names and VM names compare case-insensitively, as in
 * Hyper-V; adapter names are Linux interface names and compare exactly.
 * Adapters are hashed by (VM, name) for the control path and by (VSID,
 * MAC) for the data path (which local port owns a destination MAC).
 */
#include "policy/policy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/hash.h"
#include "policy/policy-private.h"

#define VMA_LABEL_LEN 96

static struct sw_node *
sw_lookup(const struct policy *p, const char *name)
{
	for (struct plist *e = p->sws.next; e != &p->sws; e = e->next) {
		struct sw_node *n = CONTAINER_OF(e, struct sw_node, order);

		if (!strcasecmp(n->sw.name, name))
			return n;
	}
	return NULL;
}

int
policy_sw_add(struct policy *p, const struct vswitch *sw, struct pmsg *msg)
{
	struct sw_node *n;

	policy_msg_reset(msg);
	if (!policy_str_fits(sw->name, sizeof(sw->name)) ||
	    !policy_str_fits(sw->netadapter, sizeof(sw->netadapter))) {
		policy_err(msg, "switch: name or netadapter is not terminated");
		return -EINVAL;
	}
	if (!sw->name[0]) {
		policy_err(msg, "switch '': the name is empty");
		return -EINVAL;
	}
	if (!sw->netadapter[0]) {
		policy_err(msg, "switch '%s': netadapter is empty", sw->name);
		return -EINVAL;
	}
	if (sw_lookup(p, sw->name)) {
		policy_err(msg, "switch '%s' already exists", sw->name);
		return -EEXIST;
	}
	n = xcalloc(1, sizeof(*n));
	n->sw = *sw;
	plist_push_back(&p->sws, &n->order);
	p->n_sw++;
	p->generation++;
	return 0;
}

/* 0, or -ENOENT.  Adapters on the switch keep its name (Hyper-V shows
 * them as not connected). */
int
policy_sw_remove(struct policy *p, const char *name)
{
	struct sw_node *n = sw_lookup(p, name);

	if (!n)
		return -ENOENT;
	plist_remove(&n->order);
	free(n);
	p->n_sw--;
	p->generation++;
	return 0;
}

const struct vswitch *
policy_sw_find(const struct policy *p, const char *name)
{
	const struct sw_node *n = sw_lookup(p, name);

	return n ? &n->sw : NULL;
}

int
policy_sw_foreach(const struct policy *p, policy_sw_cb cb, void *aux)
{
	const struct plist *e, *next;

	for (e = p->sws.next; e != &p->sws; e = next) {
		int rc;

		next = e->next;
		rc = cb(&CONTAINER_OF(e, struct sw_node, order)->sw, aux);
		if (rc)
			return rc;
	}
	return 0;
}

/* VM adapters. */

static uint32_t
vma_key_hash(const char *vm, const char *name)
{
	return hash_string_nocase(vm, hash_string(name, 0));
}

static struct vma_node *
vma_lookup(const struct policy *p, const char *vm, const char *name)
{
	uint32_t h = vma_key_hash(vm, name);

	for (struct hmap_node *n = hmap_first_with_hash(&p->vma_by_key, h); n;
	     n = hmap_next_with_hash(n)) {
		struct vma_node *v = CONTAINER_OF(n, struct vma_node, key_node);

		if (!strcasecmp(v->vma.vm, vm) && !strcmp(v->vma.name, name))
			return v;
	}
	return NULL;
}

static struct vma_node *
vma_lookup_mac(const struct policy *p, uint32_t vsid,
               const struct eth_addr *mac)
{
	uint32_t h = policy_hash_vsid_mac(vsid, mac);

	for (struct hmap_node *n = hmap_first_with_hash(&p->vma_by_mac, h); n;
	     n = hmap_next_with_hash(n)) {
		struct vma_node *v = CONTAINER_OF(n, struct vma_node, mac_node);

		if (v->vma.vsid == vsid && eth_equal(&v->vma.mac, mac))
			return v;
	}
	return NULL;
}

static void
vma_index_mac(struct policy *p, struct vma_node *v)
{
	if (!eth_is_zero(&v->vma.mac))
		hmap_insert(&p->vma_by_mac, &v->mac_node,
		            policy_hash_vsid_mac(v->vma.vsid, &v->vma.mac));
}

static void
vma_unindex_mac(struct policy *p, struct vma_node *v)
{
	if (!eth_is_zero(&v->vma.mac))
		hmap_remove(&p->vma_by_mac, &v->mac_node);
}

/*
 * The checks of an adapter, 'self' being the one a _set updates:
 *  1. VM and adapter names are set and terminated;
 *  2. the switch exists;
 *  3. the VSID is 0 (not virtualized) or in 4096..16777214;
 *  4. the MAC is not multicast, and no other adapter of the same nonzero
 *     VSID has it (zero means not assigned yet).
 */
static int
vma_check(const struct policy *p, const struct vm_adapter *a,
          const struct vma_node *self, const char *what, struct pmsg *msg)
{
	char m[ETH_ADDR_STRLEN];
	const struct vma_node *o;

	if (!policy_str_fits(a->sw, sizeof(a->sw))) {
		policy_err(msg, "%s: switch name is not terminated", what);
		return -EINVAL;
	}
	if (!a->vm[0] || !a->name[0]) {
		policy_err(msg, "%s: VM and adapter names must not be empty",
		           what);
		return -EINVAL;
	}
	if (!policy_sw_find(p, a->sw)) {
		policy_err(msg, "%s: switch '%s' does not exist", what, a->sw);
		return -EINVAL;
	}
	if (a->vsid && (a->vsid < VSID_MIN || a->vsid > VSID_MAX)) {
		policy_err(msg, "%s: vsid %u is out of range (0 or %u..%u)",
		           what, a->vsid, VSID_MIN, VSID_MAX);
		return -EINVAL;
	}
	if (eth_is_multicast(&a->mac)) {
		policy_err(msg, "%s: MAC %s is not a unicast MAC address", what,
		           eth_fmt(&a->mac, m));
		return -EINVAL;
	}
	if (!a->vsid || eth_is_zero(&a->mac))
		return 0;
	o = vma_lookup_mac(p, a->vsid, &a->mac);
	if (o && o != self) {
		policy_err(msg, "%s: MAC %s already used by %s/%s in vsid %u",
		           what, eth_fmt(&a->mac, m), o->vma.vm, o->vma.name,
		           a->vsid);
		return -EINVAL;
	}
	return 0;
}

/* "vm adapter Contoso1/eth0"; 0, or -EINVAL if the names do not fit. */
static int
vma_label(const struct vm_adapter *a, char what[VMA_LABEL_LEN],
          struct pmsg *msg)
{
	if (!policy_str_fits(a->vm, sizeof(a->vm)) ||
	    !policy_str_fits(a->name, sizeof(a->name))) {
		snprintf(what, VMA_LABEL_LEN, "vm adapter");
		policy_err(msg, "vm adapter: VM or adapter name is not "
		                "terminated");
		return -EINVAL;
	}
	snprintf(what, VMA_LABEL_LEN, "vm adapter %s/%s", a->vm, a->name);
	return 0;
}

int
policy_vma_add(struct policy *p, const struct vm_adapter *a, struct pmsg *msg)
{
	char what[VMA_LABEL_LEN];
	struct vma_node *v;
	int rc;

	policy_msg_reset(msg);
	rc = vma_label(a, what, msg);
	if (rc)
		return rc;
	if (vma_lookup(p, a->vm, a->name)) {
		policy_err(msg, "%s: already exists", what);
		return -EEXIST;
	}
	rc = vma_check(p, a, NULL, what, msg);
	if (rc)
		return rc;
	v = xcalloc(1, sizeof(*v));
	v->vma = *a;
	plist_push_back(&p->vmas, &v->order);
	hmap_insert(&p->vma_by_key, &v->key_node, vma_key_hash(a->vm, a->name));
	vma_index_mac(p, v);
	p->n_vma++;
	p->generation++;
	return 0;
}

int
policy_vma_set(struct policy *p, const struct vm_adapter *a, struct pmsg *msg)
{
	char what[VMA_LABEL_LEN];
	struct vma_node *v;
	int rc;

	policy_msg_reset(msg);
	rc = vma_label(a, what, msg);
	if (rc)
		return rc;
	v = vma_lookup(p, a->vm, a->name);
	if (!v) {
		policy_err(msg, "%s: no such adapter", what);
		return -ENOENT;
	}
	rc = vma_check(p, a, v, what, msg);
	if (rc)
		return rc;
	vma_unindex_mac(p, v);
	v->vma.mac = a->mac;
	v->vma.vsid = a->vsid;
	memcpy(v->vma.sw, a->sw, sizeof(v->vma.sw));
	vma_index_mac(p, v);
	p->generation++;
	return 0;
}

static void
vma_free(struct policy *p, struct vma_node *v)
{
	hmap_remove(&p->vma_by_key, &v->key_node);
	vma_unindex_mac(p, v);
	plist_remove(&v->order);
	free(v);
	p->n_vma--;
}

int
policy_vma_remove(struct policy *p, const struct policy_filter *f)
{
	struct plist *e, *next;
	int n = 0;

	for (e = p->vmas.next; e != &p->vmas; e = next) {
		struct vma_node *v = CONTAINER_OF(e, struct vma_node, order);

		next = e->next;
		if (!policy_vma_match(&v->vma, f))
			continue;
		vma_free(p, v);
		n++;
	}
	if (n)
		p->generation++;
	return n;
}

int
policy_vma_foreach(struct policy *p, const struct policy_filter *f,
                   policy_vma_cb cb, void *aux)
{
	struct plist *e, *next;

	for (e = p->vmas.next; e != &p->vmas; e = next) {
		struct vma_node *v = CONTAINER_OF(e, struct vma_node, order);
		int rc;

		next = e->next;
		if (!policy_vma_match(&v->vma, f))
			continue;
		rc = cb(&v->vma, aux);
		if (rc)
			return rc;
	}
	return 0;
}

struct vm_adapter *
policy_vma_find(struct policy *p, const char *vm, const char *name)
{
	struct vma_node *v = vma_lookup(p, vm, name);

	return v ? &v->vma : NULL;
}

struct vm_adapter *
policy_vma_by_mac(const struct policy *p, uint32_t vsid,
                  const struct eth_addr *mac)
{
	struct vma_node *v;

	if (eth_is_zero(mac))
		return NULL;
	v = vma_lookup_mac(p, vsid, mac);
	return v ? &v->vma : NULL;
}

void
policy_adapter_clear(struct policy *p)
{
	struct plist *e, *next;

	for (e = p->sws.next; e != &p->sws; e = next) {
		next = e->next;
		free(CONTAINER_OF(e, struct sw_node, order));
	}
	plist_init(&p->sws);
	p->n_sw = 0;
	for (e = p->vmas.next; e != &p->vmas; e = next) {
		next = e->next;
		free(CONTAINER_OF(e, struct vma_node, order));
	}
	plist_init(&p->vmas);
	p->n_vma = 0;
	hmap_clear(&p->vma_by_key);
	hmap_clear(&p->vma_by_mac);
}
