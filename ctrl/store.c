/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store: choosing the backend (store.h).  One today: a path is a SQLite
 * database.  A clustered backend will be chosen by a URL scheme (etcd://
 * or --etcd) here, and nowhere else.
 */
#include "ctrl/ctrl.h"

int
store_open(struct store **out, const char *where, struct cerr *e)
{
	return store_open_sqlite(out, where, e);
}
