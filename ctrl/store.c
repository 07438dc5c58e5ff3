/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store: choosing the backend (store.h): "etcd:URLS" is an etcd cluster,
 * anything else a SQLite database.
 */
#include <string.h>

#include "ctrl/ctrl.h"

const int store_load_order[STORE_NKINDS] = {
    CK_HOST,    PK_SW, PK_PA,     PK_PR,   PK_VM,  PK_VMA, PK_CR, PK_LR,
    CK_MACPOOL, CK_LN, CK_SERVER, CK_VNET, CK_NIC, CK_GW,  CK_VGW};

_Static_assert(CK_N == STORE_NKINDS, "store_load_order lists every kind");

const char *store_etcd_prefix;

int
store_open(struct store **out, const char *where, struct cerr *e)
{
	if (!strncmp(where, "etcd:", 5))
		return store_open_etcd(out, where + 5, store_etcd_prefix, e);
	return store_open_sqlite(out, where, e);
}
