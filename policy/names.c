/* SPDX-License-Identifier: Apache-2.0 */
/*
 * names: short keys <-> REST API names (names.h).  The tables follow
 * policy/json.h's key lists; a key missing here has no API name (the
 * agent's runtime "port", say) and is left out of API objects.
 */
#include "policy/names.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lib/util.h"

struct pname {
	const char *key, *api;
};

static const struct pname lr_names[] = {
    {"ca", "customerAddress"},
    {"vsid", "virtualSubnetId"},
    {"mac", "macAddress"},
    {"pa", "providerAddress"},
    {"rule", "rule"},
    {"type", "type"},
    {"customer_id", "customerId"},
    {"vm_name", "vmName"},
    {"context", "context"},
    {"use_vm_mac", "useVmMacAddress"},
    {NULL, NULL},
};
static const struct pname cr_names[] = {
    {"rdid", "routingDomainId"},
    {"vsid", "virtualSubnetId"},
    {"prefix", "destinationPrefix"},
    {"nexthop", "nextHop"},
    {"metric", "metric"},
    {NULL, NULL},
};
static const struct pname pa_names[] = {
    {"pa", "providerAddress"},
    {"prefix_len", "prefixLength"},
    {"vlan", "vlanId"},
    {"mac", "macAddress"},
    {"ifindex", "interfaceIndex"},
    {NULL, NULL},
};
static const struct pname pr_names[] = {
    {"prefix", "destinationPrefix"},
    {"nexthop", "nextHop"},
    {"ifindex", "interfaceIndex"},
    {"metric", "metric"},
    {NULL, NULL},
};
static const struct pname sw_names[] = {
    {"name", "name"},
    {"netadapter", "netAdapterName"},
    {NULL, NULL},
};
static const struct pname vm_names[] = {
    {"vm", "vmName"},
    {NULL, NULL},
};
static const struct pname vma_names[] = {
    {"vm", "vmName"},
    {"name", "name"},
    {"switch", "switchName"},
    {"mac", "macAddress"},
    {"vsid", "virtualSubnetId"},
    {NULL, NULL},
};

static const struct {
	const char *name, *human;
	const struct pname *names;
} kinds[PK_N] = {
    [PK_LR] = {"lookup-record", "lookup record", lr_names},
    [PK_CR] = {"customer-route", "customer route", cr_names},
    [PK_PA] = {"provider-address", "provider address", pa_names},
    [PK_PR] = {"provider-route", "provider route", pr_names},
    [PK_SW] = {"switch", "switch", sw_names},
    [PK_VM] = {"vm", "VM", vm_names},
    [PK_VMA] = {"vm-adapter", "VM network adapter", vma_names},
};

int
pkind_parse(const char *s)
{
	for (int k = 0; k < PK_N; k++)
		if (s && !strcmp(s, kinds[k].name))
			return k;
	return -1;
}

const char *
pkind_name(enum pkind k)
{
	return kinds[k].name;
}

const char *
pkind_human(enum pkind k)
{
	return kinds[k].human;
}

const char *
pnames_api(enum pkind k, const char *key)
{
	for (const struct pname *p = kinds[k].names; p->key; p++)
		if (!strcmp(p->key, key))
			return p->api;
	return NULL;
}

const char *
pnames_short(enum pkind k, const char *name)
{
	/* API names are matched case-insensitively: PowerShell users type
	 * "VirtualSubnetID" as readily as "virtualSubnetId". */
	for (const struct pname *p = kinds[k].names; p->key; p++)
		if (!strcasecmp(p->api, name))
			return p->key;
	return NULL;
}

json_t *
pnames_to_api(enum pkind k, const json_t *obj)
{
	json_t *out = json_object();
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)obj, key, v)
	{
		const char *api = pnames_api(k, key);
		if (api)
			json_object_set(out, api, v);
	}
	return out;
}

static bool
ignored(const char *key, const char *const *ignore)
{
	for (; ignore && *ignore; ignore++)
		if (!strcmp(key, *ignore))
			return true;
	return false;
}

json_t *
pnames_from_api(enum pkind k, const json_t *obj, const char *const *ignore,
                struct pmsg *msg)
{
	if (!json_is_object(obj)) {
		snprintf(msg->err, sizeof(msg->err),
		         "%s: the body must be a JSON object", kinds[k].human);
		return NULL;
	}
	json_t *out = json_object();
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)obj, key, v)
	{
		if (ignored(key, ignore))
			continue;
		const char *sk = pnames_short(k, key);
		if (!sk) {
			char known[256] = "";
			size_t n = 0;
			for (const struct pname *p = kinds[k].names;
			     p->key && n < sizeof(known); p++)
				n += snprintf(known + n, sizeof(known) - n,
				              "%s%s", n ? " " : "", p->api);
			snprintf(msg->err, sizeof(msg->err),
			         "%s: field '%.64s' is unknown (known: %s)",
			         kinds[k].human, key, known);
			json_decref(out);
			return NULL;
		}
		if (json_object_get(out, sk)) {
			snprintf(msg->err, sizeof(msg->err),
			         "%s: field '%.64s' is given twice",
			         kinds[k].human, key);
			json_decref(out);
			return NULL;
		}
		json_object_set(out, sk, v);
	}
	return out;
}

void
pnames_msg_to_api(enum pkind k, char *msg, size_t len, char *field, size_t flen)
{
	char out[1024];
	size_t o = 0;
	const char *p = msg;

	if (field && flen)
		field[0] = '\0';
	while (*p && o + 1 < sizeof(out)) {
		const char *q = strstr(p, "field '");
		if (!q) {
			o += snprintf(out + o, sizeof(out) - o, "%s", p);
			break;
		}
		q += strlen("field '");
		const char *end = strchr(q, '\'');
		if (!end) {
			o += snprintf(out + o, sizeof(out) - o, "%s", p);
			break;
		}
		char key[64];
		snprintf(key, sizeof(key), "%.*s", (int)(end - q), q);
		const char *api = pnames_api(k, key);
		if (!api)
			api = key;
		if (field && flen && !field[0])
			snprintf(field, flen, "%s", api);
		o += snprintf(out + o, sizeof(out) - o, "%.*s%s'", (int)(q - p),
		              p, api);
		p = end + 1;
	}
	if (o >= sizeof(out))
		o = sizeof(out) - 1;
	out[o] = '\0';
	snprintf(msg, len, "%s", out);
}
