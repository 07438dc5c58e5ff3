/* SPDX-License-Identifier: Apache-2.0 */
/*
 * names: the REST API's names for the keys of policy/json.h.  The agent's
 * control socket and state file use short keys ("ca", "vsid"); the
 * controller's REST API uses the cmdlets' parameter names in camelCase
 * ("customerAddress", "virtualSubnetId"), as doc/controller.md lists.
 * One table per object kind converts between the two, both ways, and
 * rewrites the field names in policy/json.c's error messages.
 */
#ifndef POLICY_NAMES_H
#define POLICY_NAMES_H

#include <jansson.h>
#include <stddef.h>

#include "policy/policy.h"

enum pkind {
	PK_LR,  /* lookup-record */
	PK_CR,  /* customer-route */
	PK_PA,  /* provider-address */
	PK_PR,  /* provider-route */
	PK_SW,  /* switch */
	PK_VM,  /* vm */
	PK_VMA, /* vm-adapter */
	PK_N
};

/* "lookup-record" ... (the agent's object names); -1 if unknown. */
int pkind_parse(const char *);
const char *pkind_name(enum pkind);
/* "lookup record" ... (for messages). */
const char *pkind_human(enum pkind);

/* The API name of short key 'key' of 'kind', or NULL if it has none. */
const char *pnames_api(enum pkind, const char *key);
/* The short key of API name 'name', or NULL. */
const char *pnames_short(enum pkind, const char *name);

/* A new object with the keys of 'obj' (short) renamed to API names; keys
 * without an API name are left out. */
json_t *pnames_to_api(enum pkind, const json_t *obj);
/* A new object with the API names of 'obj' renamed to short keys: NULL,
 * with msg->err naming it, if a key is unknown ("lookup record: field
 * 'customerAdress' is unknown (known: ...)") or 'obj' is not an object.
 * Keys in 'ignore' (NULL-terminated, may be NULL: "id", "revision") are
 * dropped. */
json_t *pnames_from_api(enum pkind, const json_t *obj,
                        const char *const *ignore, struct pmsg *msg);
/* Rewrites "field 'KEY'" in 'msg' (a policy/json.c or policy.c message)
 * to "field 'apiName'" in place; writes the API name of the first field
 * named into 'field' (size 'flen', "" if none). */
void pnames_msg_to_api(enum pkind, char *msg, size_t len, char *field,
                       size_t flen);

#endif
