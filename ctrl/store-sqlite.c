/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store-sqlite: the controller's store (ctrl/store.h) in SQLite, the
 * embedded default.  WAL with synchronous=FULL:
 * a write is answered after its transaction's fsync, so a kill -9 at any
 * moment loses no acknowledged write.  Tables:
 *   meta(k, v)                          epoch, revision, next_id, schema
 *   objects(id, kind, host, rev, obj, owner)   every object, agent keys
 *                  JSON (high-level documents: theirs); owner: the id of
 *                  the high-level object it is derived from, or NULL
 *   changes(seq, rev, kind, del, scope, obj)   the change log
 * The controller keeps everything in memory and reads the database only
 * at start.
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ctrl/ctrl.h"
#include "lib/log.h"
#include "lib/util.h"

struct sqlite_store {
	struct store up;
	sqlite3 *db;
	sqlite3_stmt *put, *del, *chg, *meta, *begin, *commit, *rollback;
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS objects(id INTEGER PRIMARY KEY,"
    " kind TEXT NOT NULL, host TEXT, rev INTEGER NOT NULL,"
    " obj TEXT NOT NULL, owner INTEGER);"
    "CREATE TABLE IF NOT EXISTS changes(seq INTEGER PRIMARY KEY"
    " AUTOINCREMENT, rev INTEGER NOT NULL, kind TEXT NOT NULL,"
    " del INTEGER NOT NULL, scope TEXT NOT NULL, obj TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS changes_rev ON changes(rev);";

static int
prep(struct sqlite_store *s, sqlite3_stmt **st, const char *sql, struct cerr *e)
{
	if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK) {
		cerr_set(e, 500, "database: %s: %s", sql,
		         sqlite3_errmsg(s->db));
		return -1;
	}
	return 0;
}

static const struct store_ops sqlite_ops;
static void sq_close(struct store *);
static int sq_meta_get(struct store *, const char *k, char *v, size_t len);
static void sq_rollback(struct store *);

int
store_open_sqlite(struct store **out, const char *path, struct cerr *e)
{
	struct sqlite_store *s = xcalloc(1, sizeof(*s));
	char *err = NULL;

	if (sqlite3_open_v2(path, &s->db,
	                    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	                        SQLITE_OPEN_NOMUTEX,
	                    NULL) != SQLITE_OK) {
		cerr_set(e, 500, "database %s: %s", path,
		         s->db ? sqlite3_errmsg(s->db) : "cannot open");
		goto fail;
	}
	chmod(path, 0600);
	sqlite3_busy_timeout(s->db, 5000);
	if (sqlite3_exec(s->db,
	                 "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
	                 NULL, NULL, &err) != SQLITE_OK ||
	    sqlite3_exec(s->db, schema, NULL, NULL, &err) != SQLITE_OK) {
		cerr_set(e, 500, "database %s: %s", path, err ? err : "?");
		sqlite3_free(err);
		goto fail;
	}
	char v[32] = "";
	if (!sq_meta_get(&s->up, "schema", v, sizeof(v)) && !strcmp(v, "1")) {
		/* schema 1 -> 2: objects.owner (every object so far was made
		 * through the low-level API: owner NULL) */
		if (sqlite3_exec(s->db,
		                 "BEGIN IMMEDIATE;"
		                 "ALTER TABLE objects ADD COLUMN owner INTEGER;"
		                 "UPDATE meta SET v = '" STORE_SCHEMA
		                 "' WHERE k = 'schema';"
		                 "COMMIT;",
		                 NULL, NULL, &err) != SQLITE_OK) {
			cerr_set(
			    e, 500,
			    "database %s: cannot upgrade schema 1 to %s: %s",
			    path, STORE_SCHEMA, err ? err : "?");
			sqlite3_free(err);
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			goto fail;
		}
		log_info("database %s: schema 1 upgraded to %s", path,
		         STORE_SCHEMA);
		snprintf(v, sizeof(v), "%s", STORE_SCHEMA);
	}
	if (v[0] && strcmp(v, STORE_SCHEMA)) {
		cerr_set(e, 500,
		         "database %s: schema version %s, this controller "
		         "reads %s",
		         path, v, STORE_SCHEMA);
		goto fail;
	}
	if (prep(s, &s->put,
	         "INSERT OR REPLACE INTO objects(id, kind, host, rev, obj,"
	         " owner) VALUES(?, ?, ?, ?, ?, ?)",
	         e) ||
	    prep(s, &s->del, "DELETE FROM objects WHERE id = ?", e) ||
	    prep(s, &s->chg,
	         "INSERT INTO changes(rev, kind, del, scope, obj)"
	         " VALUES(?, ?, ?, ?, ?)",
	         e) ||
	    prep(s, &s->meta, "INSERT OR REPLACE INTO meta(k, v) VALUES(?, ?)",
	         e) ||
	    prep(s, &s->begin, "BEGIN IMMEDIATE", e) ||
	    prep(s, &s->commit, "COMMIT", e) ||
	    prep(s, &s->rollback, "ROLLBACK", e))
		goto fail;
	s->up.ops = &sqlite_ops;
	*out = &s->up;
	return 0;
fail:
	sq_close(&s->up);
	return -1;
}

static void
sq_close(struct store *up)
{
	struct sqlite_store *s = (struct sqlite_store *)up;
	if (!s)
		return;
	sqlite3_finalize(s->put);
	sqlite3_finalize(s->del);
	sqlite3_finalize(s->chg);
	sqlite3_finalize(s->meta);
	sqlite3_finalize(s->begin);
	sqlite3_finalize(s->commit);
	sqlite3_finalize(s->rollback);
	sqlite3_close(s->db);
	free(s);
}

static int
sq_meta_get(struct store *up, const char *k, char *v, size_t len)
{
	struct sqlite_store *s = (struct sqlite_store *)up;
	sqlite3_stmt *st;
	int rc = -ENOENT;

	if (sqlite3_prepare_v2(s->db, "SELECT v FROM meta WHERE k = ?", -1, &st,
	                       NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(v, len, "%s",
		         (const char *)sqlite3_column_text(st, 0));
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

static int
sq_load(struct store *up,
        int (*cb)(int kind, uint64_t id, uint64_t rev, uint64_t owner,
                  const char *host, const char *text, void *aux),
        void *aux)
{
	struct sqlite_store *s = (struct sqlite_store *)up;
	sqlite3_stmt *st;
	int rc = 0;

	if (sqlite3_prepare_v2(s->db,
	                       "SELECT id, rev, host, obj, owner FROM objects"
	                       " WHERE kind = ? ORDER BY id",
	                       -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	for (size_t i = 0; i < STORE_NKINDS && !rc; i++) {
		int k = store_load_order[i];
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, ckind_name(k), -1, SQLITE_STATIC);
		while (!rc && sqlite3_step(st) == SQLITE_ROW)
			rc = cb(k, (uint64_t)sqlite3_column_int64(st, 0),
			        (uint64_t)sqlite3_column_int64(st, 1),
			        (uint64_t)sqlite3_column_int64(st, 4),
			        (const char *)sqlite3_column_text(st, 2),
			        (const char *)sqlite3_column_text(st, 3), aux);
	}
	sqlite3_finalize(st);
	return rc;
}

static int
sq_load_changes(struct store *up, uint64_t after,
                void (*cb)(uint64_t rev, int kind, bool del, const char *scope,
                           const char *text, void *aux),
                void *aux)
{
	struct sqlite_store *s = (struct sqlite_store *)up;
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(s->db,
	                       "SELECT rev, kind, del, scope, obj FROM changes"
	                       " WHERE rev > ? ORDER BY seq",
	                       -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)after);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *kn = (const char *)sqlite3_column_text(st, 1);
		int kind = -1;
		for (int k = 0; k < CK_N; k++)
			if (!strcmp(kn, ckind_name(k)))
				kind = k;
		if (kind < 0)
			continue;
		cb((uint64_t)sqlite3_column_int64(st, 0), kind,
		   sqlite3_column_int(st, 2) != 0,
		   (const char *)sqlite3_column_text(st, 3),
		   (const char *)sqlite3_column_text(st, 4), aux);
	}
	sqlite3_finalize(st);
	return 0;
}

static int
step_done(struct sqlite_store *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE) {
		log_warnx("database: %s", sqlite3_errmsg(s->db));
		return -EIO;
	}
	return 0;
}

static int
sq_begin(struct store *up, uint64_t rev, bool structural)
{
	(void)rev;
	(void)structural;
	struct sqlite_store *s = (struct sqlite_store *)up;
	return step_done(s, s->begin);
}

static int
sq_put(struct store *up, const struct cobj *o)
{
	struct sqlite_store *s = (struct sqlite_store *)up;
	json_t *j = cobj_to_json(o);
	char *text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	sqlite3_bind_int64(s->put, 1, (sqlite3_int64)o->id);
	sqlite3_bind_text(s->put, 2, ckind_name(o->kind), -1, SQLITE_STATIC);
	if (o->host)
		sqlite3_bind_text(s->put, 3, o->host->name, -1,
		                  SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s->put, 3);
	sqlite3_bind_int64(s->put, 4, (sqlite3_int64)o->rev);
	sqlite3_bind_text(s->put, 5, text, -1, free);
	if (o->owner)
		sqlite3_bind_int64(s->put, 6, (sqlite3_int64)o->owner);
	else
		sqlite3_bind_null(s->put, 6);
	return step_done(s, s->put);
}

static int
sq_del(struct store *up, const struct cobj *o)
{
	struct sqlite_store *s = (struct sqlite_store *)up;
	sqlite3_bind_int64(s->del, 1, (sqlite3_int64)o->id);
	return step_done(s, s->del);
}

static int
sq_change(struct store *up, const struct change *c)
{
	struct sqlite_store *s = (struct sqlite_store *)up;
	sqlite3_bind_int64(s->chg, 1, (sqlite3_int64)c->rev);
	sqlite3_bind_text(s->chg, 2, ckind_name(c->kind), -1, SQLITE_STATIC);
	sqlite3_bind_int(s->chg, 3, c->del);
	sqlite3_bind_text(s->chg, 4, c->scope, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->chg, 5, c->text, -1, SQLITE_STATIC);
	return step_done(s, s->chg);
}

static int
sq_meta_set(struct store *up, const char *k, const char *v)
{
	struct sqlite_store *s = (struct sqlite_store *)up;
	sqlite3_bind_text(s->meta, 1, k, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->meta, 2, v, -1, SQLITE_TRANSIENT);
	return step_done(s, s->meta);
}

static int
sq_trim(struct store *up, uint64_t upto)
{
	struct sqlite_store *s = (struct sqlite_store *)up;
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, "DELETE FROM changes WHERE rev <= ?", -1,
	                       &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)upto);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -EIO;
	sqlite3_finalize(st);
	return rc;
}

static int
sq_commit(struct store *up, struct cerr *e)
{
	struct sqlite_store *s = (struct sqlite_store *)up;
	int rc = sqlite3_step(s->commit);
	sqlite3_reset(s->commit);
	if (rc != SQLITE_DONE) {
		cerr_set(e, 503, "database: cannot commit: %s",
		         sqlite3_errmsg(s->db));
		sq_rollback(&s->up);
		return -1;
	}
	return 0;
}

static void
sq_rollback(struct store *up)
{
	struct sqlite_store *s = (struct sqlite_store *)up;
	if (!sqlite3_get_autocommit(s->db)) {
		sqlite3_step(s->rollback);
		sqlite3_reset(s->rollback);
	}
}

static const struct store_ops sqlite_ops = {
    .name = "sqlite",
    .close = sq_close,
    .meta_get = sq_meta_get,
    .load = sq_load,
    .load_changes = sq_load_changes,
    .begin = sq_begin,
    .put = sq_put,
    .del = sq_del,
    .change = sq_change,
    .meta_set = sq_meta_set,
    .trim = sq_trim,
    .commit = sq_commit,
    .rollback = sq_rollback,
};
