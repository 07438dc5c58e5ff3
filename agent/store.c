/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store: the state database and its writer thread (see store.h).
 *
 * Why SQLite and not a journal of our own (doc/agent.md): a change must
 * cost O(change) and survive a crash at any point.  SQLite in WAL mode
 * gives that with one fsync per transaction (synchronous=FULL), row
 * updates in place (no compaction to write, no snapshot of a million
 * records to take from the loop thread), group commit by putting many
 * changes in one transaction, and a file an operator can read with the
 * sqlite3 shell.  The agent keeps the policy in memory and only ever
 * writes the database, except at start.
 */
#include "agent/store.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/util.h"
#include "policy/json.h"

#define SCHEMA_VERSION "1"

enum delta_op { D_LR_PUT, D_LR_DEL, D_LR_CLEAR, D_META };

struct delta {
	enum delta_op op;
	uint64_t seq; /* D_LR_* */
	char *name;   /* D_META */
	char *body;   /* D_META */
	struct lookup_record rec;
};

/*
 * Deltas travel in chunks: the loop thread fills one on its own and
 * hands it over (one lock) when it is full or a transaction ends, so a
 * batch of 100,000 records costs the two threads a hundred lock rounds
 * and a hundred allocations, not 100,000 of each (one of each per delta
 * made them contend on the mutex and on malloc's arena: slices of
 * 100 ms).
 */
#define DELTA_CHUNK 1024
struct chunk {
	struct chunk *next;
	size_t n;
	uint64_t ticket; /* > 0: a transaction ends with this chunk */
	struct delta d[DELTA_CHUNK];
};

struct store {
	char *path;
	sqlite3 *db;
	bool json; /* a JSON state file, opened read-only */
	int efd;
	pthread_t thread;
	bool started;

	/* Shared with the writer thread, under 'mu'. */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct chunk *head, **tail; /* queued */
	struct chunk **cut;         /* after the last marked chunk */
	size_t queued;              /* deltas */
	uint64_t marked;            /* the last ticket marked */
	uint64_t durable;           /* the last ticket committed */
	uint64_t failed;            /* the last ticket that failed */
	char err[256];              /* why */
	bool stop;

	/* Loop thread only. */
	uint64_t next_ticket;
	struct chunk *cur; /* being filled */

	/* What store_load found in meta 'controller' (store_controller). */
	json_t *controller;

	/* Writer thread only. */
	sqlite3_stmt *st_put, *st_del, *st_clear, *st_meta;
	struct chunk *retry; /* failed deltas, tried again first */
};

static const char *const meta_families[] = {
    "switches",        "vm_adapters",     "provider_addresses",
    "provider_routes", "customer_routes",
};

static int
db_exec(sqlite3 *db, const char *sql, struct pmsg *m, const char *path)
{
	char *e = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &e) == SQLITE_OK)
		return 0;
	if (m)
		snprintf(m->err, sizeof(m->err), "state %s: %s", path,
		         e ? e : sqlite3_errmsg(db));
	sqlite3_free(e);
	return -EIO;
}

static int
mkdirs(const char *dir)
{
	char buf[4096];

	if (snprintf(buf, sizeof(buf), "%s", dir) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static void
fsync_dir_of(const char *path)
{
	char buf[4096];
	int fd;

	snprintf(buf, sizeof(buf), "%s", path);
	fd = open(dirname(buf), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* A file whose first non-blank byte is '{' is a JSON state file. */
static bool
file_is_json(const char *path)
{
	FILE *f = fopen(path, "re");
	int c;

	if (!f)
		return false;
	do
		c = getc(f);
	while (c == ' ' || c == '\n' || c == '\t' || c == '\r');
	fclose(f);
	return c == '{';
}

static void
unlink_db(const char *path)
{
	char buf[4200];

	unlink(path);
	snprintf(buf, sizeof(buf), "%s-wal", path);
	unlink(buf);
	snprintf(buf, sizeof(buf), "%s-shm", path);
	unlink(buf);
	snprintf(buf, sizeof(buf), "%s-journal", path);
	unlink(buf);
}

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS meta ("
    "  name TEXT PRIMARY KEY, body TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS lookup_record ("
    "  seq INTEGER PRIMARY KEY, vsid INTEGER NOT NULL, ca TEXT NOT NULL,"
    "  mac TEXT NOT NULL, pa TEXT NOT NULL, rule TEXT NOT NULL,"
    "  type TEXT NOT NULL, customer_id TEXT, vm_name TEXT, context TEXT,"
    "  use_vm_mac INTEGER NOT NULL);"
    "INSERT OR IGNORE INTO meta VALUES ('schema_version', '" SCHEMA_VERSION
    "');";

static int
db_open(const char *path, bool readonly, sqlite3 **out, struct pmsg *m)
{
	int flags = readonly ? SQLITE_OPEN_READONLY
	                     : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	sqlite3 *db = NULL;
	int rc;

	flags |= SQLITE_OPEN_NOMUTEX;
	rc = sqlite3_open_v2(path, &db, flags, NULL);
	if (rc != SQLITE_OK) {
		snprintf(m->err, sizeof(m->err), "state %s: %s", path,
		         db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return -EIO;
	}
	sqlite3_busy_timeout(db, 5000);
	if (!readonly &&
	    (db_exec(db,
	             "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
	             "PRAGMA journal_size_limit=67108864;",
	             m, path) < 0 ||
	     db_exec(db, schema, m, path) < 0)) {
		sqlite3_close(db);
		return -EIO;
	}
	*out = db;
	return 0;
}

/* ---- writing (the writer thread, and the import) ---- */

static int
prep(sqlite3 *db, const char *sql, sqlite3_stmt **st)
{
	return sqlite3_prepare_v2(db, sql, -1, st, NULL) == SQLITE_OK ? 0
	                                                              : -EIO;
}

static int
prepare_all(struct store *s)
{
	if (s->st_put)
		return 0;
	if (prep(s->db,
	         "INSERT OR REPLACE INTO lookup_record VALUES "
	         "(?,?,?,?,?,?,?,?,?,?,?)",
	         &s->st_put) < 0 ||
	    prep(s->db, "DELETE FROM lookup_record WHERE seq = ?", &s->st_del) <
	        0 ||
	    prep(s->db, "DELETE FROM lookup_record", &s->st_clear) < 0 ||
	    prep(s->db, "INSERT OR REPLACE INTO meta VALUES (?, ?)",
	         &s->st_meta) < 0)
		return -EIO;
	return 0;
}

static void
bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
	if (*s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static int
step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

static int
apply_delta(struct store *s, const struct delta *d)
{
	char ca[IP_ADDR_STRLEN], pa[IP_ADDR_STRLEN], mac[ETH_ADDR_STRLEN];
	char cid[GUID_STRLEN];
	sqlite3_stmt *st;

	switch (d->op) {
	case D_LR_PUT:
		st = s->st_put;
		sqlite3_bind_int64(st, 1, (sqlite3_int64)d->seq);
		sqlite3_bind_int64(st, 2, d->rec.vsid);
		sqlite3_bind_text(st, 3, ip_fmt(&d->rec.ca, ca), -1,
		                  SQLITE_STATIC);
		sqlite3_bind_text(st, 4, eth_fmt(&d->rec.mac, mac), -1,
		                  SQLITE_STATIC);
		sqlite3_bind_text(st, 5, ip_fmt(&d->rec.pa, pa), -1,
		                  SQLITE_STATIC);
		sqlite3_bind_text(st, 6, lr_rule_short(d->rec.rule), -1,
		                  SQLITE_STATIC);
		sqlite3_bind_text(st, 7, lr_type_short(d->rec.type), -1,
		                  SQLITE_STATIC);
		if (guid_is_zero(&d->rec.customer_id))
			sqlite3_bind_null(st, 8);
		else
			sqlite3_bind_text(st, 8,
			                  guid_fmt(&d->rec.customer_id, cid),
			                  -1, SQLITE_STATIC);
		bind_text_or_null(st, 9, d->rec.vm_name);
		bind_text_or_null(st, 10, d->rec.context);
		sqlite3_bind_int(st, 11, d->rec.use_vm_mac);
		return step_done(st);
	case D_LR_DEL:
		sqlite3_bind_int64(s->st_del, 1, (sqlite3_int64)d->seq);
		return step_done(s->st_del);
	case D_LR_CLEAR:
		return step_done(s->st_clear);
	case D_META:
		sqlite3_bind_text(s->st_meta, 1, d->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(s->st_meta, 2, d->body, -1, SQLITE_STATIC);
		return step_done(s->st_meta);
	}
	return 0;
}

static void
chunk_free(struct chunk *c)
{
	while (c) {
		struct chunk *next = c->next;

		for (size_t i = 0; i < c->n; i++) {
			free(c->d[i].name);
			free(c->d[i].body);
		}
		free(c);
		c = next;
	}
}

static size_t
chunk_count(const struct chunk *c)
{
	size_t n = 0;

	for (; c; c = c->next)
		n += c->n;
	return n;
}

/* Applies a list of chunks in one transaction: 0, or -EIO with the
 * reason in 'err' (the transaction is rolled back). */
static int
commit_list(struct store *s, const struct chunk *list, char *err, size_t len)
{
	int rc = 0;

	if (prepare_all(s) < 0 || sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL,
	                                       NULL, NULL) != SQLITE_OK) {
		snprintf(err, len, "%s", sqlite3_errmsg(s->db));
		return -EIO;
	}
	for (const struct chunk *c = list; c && !rc; c = c->next)
		for (size_t i = 0; i < c->n && !rc; i++)
			rc = apply_delta(s, &c->d[i]);
	if (!rc && sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = -EIO;
	if (rc) {
		snprintf(err, len, "%s", sqlite3_errmsg(s->db));
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	}
	return rc;
}

static void
notify(struct store *s)
{
	uint64_t one = 1;

	if (write(s->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_warn("store: eventfd");
}

/*
 * The writer: take everything queued up to the last mark, commit it in
 * one transaction, report.  On failure the deltas stay (in order, ahead
 * of newer ones) for the next attempt, which waits for new work or one
 * second.
 */
static void *
writer_main(void *arg)
{
	struct store *s = arg;

	/* Below the loop thread: on a busy machine forwarding comes first;
	 * the writer only makes replies wait. */
	setpriority(PRIO_PROCESS, (id_t)gettid(), 10);
	pthread_mutex_lock(&s->mu);
	for (;;) {
		struct chunk *list, **cut;
		uint64_t ticket = 0;
		size_t n;
		char err[sizeof(s->err)];
		int rc;

		while (!s->stop && s->marked == s->durable && !s->retry)
			pthread_cond_wait(&s->cv, &s->mu);
		if (s->marked == s->durable && !s->retry)
			break; /* stop, nothing left */
		/* Take the queue up to its last mark, in O(1). */
		list = NULL;
		cut = s->cut;
		if (cut != &s->head) {
			ticket = s->marked;
			list = s->head;
			s->head = *cut;
			*cut = NULL;
			if (!s->head)
				s->tail = &s->head;
			s->cut = &s->head;
		}
		pthread_mutex_unlock(&s->mu);

		/* Failed deltas go first. */
		if (s->retry) {
			struct chunk **t = &s->retry;

			while (*t)
				t = &(*t)->next;
			*t = list;
			list = s->retry;
			s->retry = NULL;
			if (!ticket)
				ticket = s->failed;
		}
		rc = commit_list(s, list, err, sizeof(err));
		n = rc ? 0 : chunk_count(list);
		pthread_mutex_lock(&s->mu);
		if (!rc) {
			s->durable = ticket > s->durable ? ticket : s->durable;
			s->queued -= n;
			pthread_mutex_unlock(&s->mu);
			chunk_free(list);
		} else {
			s->failed = ticket;
			snprintf(s->err, sizeof(s->err), "%s", err);
			s->retry = list;
			pthread_mutex_unlock(&s->mu);
			log_warnx("state %s: cannot commit: %s", s->path, err);
		}
		notify(s);
		pthread_mutex_lock(&s->mu);
		if (rc && !s->stop) {
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += 1;
			pthread_cond_timedwait(&s->cv, &s->mu, &ts);
		} else if (rc) {
			break; /* stopping: give up */
		}
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* Hands the chunk being filled to the writer; 'ticket' > 0 ends a
 * transaction with it. */
static void
hand_over(struct store *s, uint64_t ticket)
{
	struct chunk *c = s->cur;

	if (!c) {
		if (!ticket)
			return;
		c = xcalloc(1, offsetof(struct chunk, d));
	}
	s->cur = NULL;
	c->next = NULL;
	c->ticket = ticket;
	pthread_mutex_lock(&s->mu);
	*s->tail = c;
	s->tail = &c->next;
	s->queued += c->n;
	if (ticket) {
		s->marked = ticket;
		s->cut = &c->next;
		pthread_cond_signal(&s->cv);
	}
	pthread_mutex_unlock(&s->mu);
}

/* The next free delta of the chunk being filled. */
static struct delta *
delta_new(struct store *s, enum delta_op op, uint64_t seq)
{
	struct delta *d;

	if (s->cur && s->cur->n == DELTA_CHUNK)
		hand_over(s, 0);
	if (!s->cur) {
		s->cur = xmalloc(sizeof(*s->cur));
		s->cur->n = 0;
	}
	d = &s->cur->d[s->cur->n++];
	d->op = op;
	d->seq = seq;
	d->name = d->body = NULL;
	return d;
}

void
store_lr_put(struct store *s, uint64_t seq, const struct lookup_record *r)
{
	delta_new(s, D_LR_PUT, seq)->rec = *r;
}

void
store_lr_del(struct store *s, uint64_t seq)
{
	delta_new(s, D_LR_DEL, seq);
}

void
store_lr_clear(struct store *s)
{
	delta_new(s, D_LR_CLEAR, 0);
}

void
store_meta_put(struct store *s, const char *name, char *body)
{
	struct delta *d = delta_new(s, D_META, 0);

	d->name = xstrdup(name);
	d->body = body;
}

uint64_t
store_mark(struct store *s)
{
	uint64_t t = ++s->next_ticket;

	hand_over(s, t);
	return t;
}

int
store_fd(const struct store *s)
{
	return s->efd;
}

void
store_progress(struct store *s, uint64_t *durable, uint64_t *failed, char *err,
               size_t errlen)
{
	uint64_t x;

	if (read(s->efd, &x, sizeof(x)) < 0 && errno != EAGAIN)
		log_warn("store: eventfd");
	pthread_mutex_lock(&s->mu);
	*durable = s->durable;
	*failed = s->failed;
	if (err)
		snprintf(err, errlen, "%s", s->err);
	pthread_mutex_unlock(&s->mu);
}

size_t
store_backlog(const struct store *s)
{
	size_t n;

	pthread_mutex_lock((pthread_mutex_t *)&s->mu);
	n = s->queued;
	pthread_mutex_unlock((pthread_mutex_t *)&s->mu);
	return n;
}

/* ---- the whole state, for the import ---- */

static int
put_lr_cb(const struct lookup_record *r, void *aux)
{
	store_lr_put(aux, policy_lr_seq(r), r);
	return 0;
}

/* Queues the whole of 'pol' and 'vms' (then store_mark). */
static void
queue_everything(struct store *s, const struct policy *pol, const json_t *vms)
{
	json_t *all = policy_to_json(pol);

	for (size_t i = 0; i < ARRAY_SIZE(meta_families); i++)
		store_meta_put(
		    s, meta_families[i],
		    json_dumps(json_object_get(all, meta_families[i]),
		               JSON_COMPACT | JSON_PRESERVE_ORDER));
	store_meta_put(s, "vms", json_dumps(vms, JSON_COMPACT));
	json_decref(all);
	policy_lr_foreach(pol, NULL, put_lr_cb, s);
}

int
store_load_json(const char *path, struct policy *pol, json_t *vms,
                struct pmsg *m)
{
	json_error_t jerr;
	json_t *j, *v;
	size_t i;
	int err;

	j = json_load_file(path, 0, &jerr);
	if (!j) {
		snprintf(m->err, sizeof(m->err), "state file %s:%d: %s", path,
		         jerr.line, jerr.text);
		return -EINVAL;
	}
	json_object_del(j, "version");
	json_array_foreach(json_object_get(j, "vms"), i, v)
	{
		if (json_is_string(v))
			json_array_append(vms, v);
	}
	json_object_del(j, "vms");
	err = policy_from_json(pol, j, m);
	json_decref(j);
	if (err) {
		char tmp[sizeof(m->err)];

		snprintf(tmp, sizeof(tmp), "state file %s: %.400s", path,
		         m->err);
		memcpy(m->err, tmp, sizeof(tmp));
	}
	return err;
}

/*
 * The import of a JSON state file 'src' (the previous version's format)
 * into the database 'dst' (the same path, or the new default beside the
 * old one):
 *  1. load it (a bad file stops the agent, as before: nothing changes);
 *  2. write every object into a new database DST.import, in one
 *     transaction, and close it (so no -wal is left beside it);
 *  3. keep the JSON as SRC.v1.json (a hard link), rename the database
 *     over DST, fsync the directory; a different SRC goes away.
 * A crash anywhere leaves either the JSON (imported again at the next
 * start) or the database, which is then used.
 */
static int
import_json(const char *src, const char *dst, struct pmsg *m)
{
	struct policy *pol = policy_create();
	json_t *vms = json_array();
	char tmp[4200], bak[4200], err[256];
	struct store s = {0};
	int rc;

	rc = store_load_json(src, pol, vms, m);
	if (rc)
		goto out;
	snprintf(tmp, sizeof(tmp), "%s.import", dst);
	snprintf(bak, sizeof(bak), "%s.v1.json", src);
	unlink_db(tmp);
	rc = db_open(tmp, false, &s.db, m);
	if (rc)
		goto out;
	s.path = tmp;
	s.tail = &s.head;
	s.cut = &s.head;
	pthread_mutex_init(&s.mu, NULL);
	pthread_cond_init(&s.cv, NULL);
	queue_everything(&s, pol, vms);
	hand_over(&s, 1);
	rc = commit_list(&s, s.head, err, sizeof(err));
	chunk_free(s.head);
	sqlite3_finalize(s.st_put);
	sqlite3_finalize(s.st_del);
	sqlite3_finalize(s.st_clear);
	sqlite3_finalize(s.st_meta);
	sqlite3_close(s.db);
	pthread_mutex_destroy(&s.mu);
	pthread_cond_destroy(&s.cv);
	if (rc) {
		snprintf(m->err, sizeof(m->err), "state %.200s: import: %.250s",
		         tmp, err);
		unlink_db(tmp);
		goto out;
	}
	unlink(bak);
	if (link(src, bak) < 0 || rename(tmp, dst) < 0) {
		rc = -errno;
		snprintf(m->err, sizeof(m->err), "state %.200s: import: %.250s",
		         dst, strerror(errno));
		unlink_db(tmp);
		goto out;
	}
	if (strcmp(src, dst))
		unlink(src);
	fsync_dir_of(dst);
	log_info("state %s: imported the JSON state file of the previous "
	         "version %s (%zu lookup records); the JSON is kept as %s",
	         dst, src, policy_lr_count(pol), bak);
out:
	policy_destroy(pol);
	json_decref(vms);
	return rc;
}

int
store_open(const char *path, bool readonly, struct store **out, struct pmsg *m)
{
	return store_open_legacy(path, NULL, readonly, out, m);
}

int
store_open_legacy(const char *path, const char *legacy, bool readonly,
                  struct store **out, struct pmsg *m)
{
	struct store *s;
	char dirbuf[4096];
	bool exists = access(path, F_OK) == 0;
	const char *json = NULL;
	int rc;

	*out = NULL;
	s = xcalloc(1, sizeof(*s));
	s->path = xstrdup(path);
	s->efd = -1;
	s->tail = &s->head;
	s->cut = &s->head;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	if (exists && file_is_json(path))
		json = path;
	else if (!exists && legacy && file_is_json(legacy))
		json = legacy;
	if (json && readonly) {
		s->json = true;
		free(s->path);
		s->path = xstrdup(json);
		*out = s;
		return 0;
	}
	if (json) {
		rc = import_json(json, path, m);
		if (rc)
			goto fail;
	} else if (!exists) {
		if (readonly) {
			*out = s; /* nothing to load */
			return 0;
		}
		snprintf(dirbuf, sizeof(dirbuf), "%s", path);
		mkdirs(dirname(dirbuf));
		unlink_db(path); /* a stale -wal must not apply to it */
	}
	rc = db_open(path, readonly, &s->db, m);
	if (rc)
		goto fail;
	if (!readonly) {
		s->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (s->efd < 0) {
			rc = -errno;
			snprintf(m->err, sizeof(m->err), "eventfd: %s",
			         strerror(errno));
			goto fail;
		}
	}
	*out = s;
	return 0;
fail:
	store_close(s);
	return rc;
}

const json_t *
store_controller(const struct store *s)
{
	return s->controller;
}

const char *
store_path(const struct store *s)
{
	return s->path;
}

bool
store_is_json(const struct store *s)
{
	return s->json;
}

/* ---- loading ---- */

static const char *
col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? (const char *)t : "";
}

/* One row of lookup_record into 'r': 0 or -EINVAL naming the column. */
static int
row_to_lr(sqlite3_stmt *st, struct lookup_record *r, struct pmsg *m)
{
	const char *col = NULL, *v = "";
	sqlite3_int64 vsid = sqlite3_column_int64(st, 1);

	memset(r, 0, sizeof(*r));
	if (vsid < 0 || vsid > UINT32_MAX)
		col = "vsid";
	r->vsid = (uint32_t)vsid;
	if (!col && ip_parse(v = col_text(st, 2), &r->ca) < 0)
		col = "ca";
	if (!col && eth_parse(v = col_text(st, 3), &r->mac) < 0)
		col = "mac";
	if (!col && ip_parse(v = col_text(st, 4), &r->pa) < 0)
		col = "pa";
	if (!col && lr_rule_parse(v = col_text(st, 5), &r->rule) < 0)
		col = "rule";
	if (!col && lr_type_parse(v = col_text(st, 6), &r->type) < 0)
		col = "type";
	if (!col && sqlite3_column_type(st, 7) != SQLITE_NULL &&
	    guid_parse(v = col_text(st, 7), &r->customer_id) < 0)
		col = "customer_id";
	if (!col && strlen(v = col_text(st, 8)) >= sizeof(r->vm_name))
		col = "vm_name";
	else if (!col)
		strcpy(r->vm_name, v);
	if (!col && strlen(v = col_text(st, 9)) >= sizeof(r->context))
		col = "context";
	else if (!col)
		strcpy(r->context, v);
	r->use_vm_mac = sqlite3_column_int(st, 10) != 0;
	if (col) {
		snprintf(m->err, sizeof(m->err),
		         "column '%s': '%.80s' is not valid", col, v);
		return -EINVAL;
	}
	return 0;
}

static int
load_meta(struct store *s, json_t *pol_json, json_t *vms, struct pmsg *m)
{
	sqlite3_stmt *st;
	int rc;

	if (prep(s->db, "SELECT name, body FROM meta", &st) < 0) {
		snprintf(m->err, sizeof(m->err), "state %s: %s", s->path,
		         sqlite3_errmsg(s->db));
		return -EIO;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = col_text(st, 0), *body = col_text(st, 1);
		json_error_t jerr;
		json_t *j;

		if (!strcmp(name, "schema_version")) {
			if (strcmp(body, SCHEMA_VERSION)) {
				snprintf(m->err, sizeof(m->err),
				         "state %s: schema version %.20s, this "
				         "agent knows %s",
				         s->path, body, SCHEMA_VERSION);
				sqlite3_finalize(st);
				return -EINVAL;
			}
			continue;
		}
		j = json_loads(body, 0, &jerr);
		if (!strcmp(name, "controller")) {
			/* Where the agent is in its controller's stream: read
			 * by syncapply.c, which checks it. */
			json_decref(s->controller);
			s->controller = json_is_object(j) ? j : NULL;
			if (!s->controller)
				json_decref(j);
			continue;
		}
		if (!json_is_array(j)) {
			snprintf(m->err, sizeof(m->err),
			         "state %s: meta '%.40s' is not a JSON array",
			         s->path, name);
			json_decref(j);
			sqlite3_finalize(st);
			return -EINVAL;
		}
		if (!strcmp(name, "vms"))
			json_array_extend(vms, j);
		else
			json_object_set(pol_json, name, j);
		json_decref(j);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		snprintf(m->err, sizeof(m->err), "state %s: %s", s->path,
		         sqlite3_errmsg(s->db));
		return -EIO;
	}
	return 0;
}

int
store_load(struct store *s, struct policy *pol, json_t *vms, struct pmsg *m)
{
	json_t *pj = json_object();
	sqlite3_stmt *st = NULL;
	struct pmsg one;
	int rc;

	if (s->json)
		return store_load_json(s->path, pol, vms, m);
	if (!s->db)
		return 0; /* no state yet */
	rc = load_meta(s, pj, vms, m);
	if (!rc) {
		rc = policy_from_json(pol, pj, m);
		if (rc) {
			char tmp[sizeof(m->err)];

			snprintf(tmp, sizeof(tmp), "state %s: %.440s", s->path,
			         m->err);
			memcpy(m->err, tmp, sizeof(tmp));
		}
	}
	json_decref(pj);
	if (rc)
		return rc;
	if (prep(s->db, "SELECT count(*) FROM lookup_record", &st) == 0 &&
	    sqlite3_step(st) == SQLITE_ROW)
		policy_lr_reserve(pol, (size_t)sqlite3_column_int64(st, 0));
	sqlite3_finalize(st);
	if (prep(s->db, "SELECT * FROM lookup_record ORDER BY seq", &st) < 0) {
		snprintf(m->err, sizeof(m->err), "state %s: %s", s->path,
		         sqlite3_errmsg(s->db));
		return -EIO;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct lookup_record r;
		sqlite3_int64 seq = sqlite3_column_int64(st, 0);

		rc = row_to_lr(st, &r, &one);
		if (!rc)
			rc = policy_lr_restore(pol, &r, (uint64_t)seq, &one);
		if (rc) {
			snprintf(m->err, sizeof(m->err),
			         "state %s: lookup_record seq %lld: %.400s",
			         s->path, (long long)seq, one.err);
			sqlite3_finalize(st);
			policy_clear(pol);
			return -EINVAL;
		}
		for (int w = 0; w < one.n_warn; w++)
			if (m->n_warn < POLICY_MAX_WARN)
				memcpy(m->warn[m->n_warn++], one.warn[w],
				       sizeof(one.warn[w]));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		snprintf(m->err, sizeof(m->err), "state %s: %s", s->path,
		         sqlite3_errmsg(s->db));
		policy_clear(pol);
		return -EIO;
	}
	return 0;
}

/* ---- lifecycle ---- */

int
store_start(struct store *s)
{
	int rc = pthread_create(&s->thread, NULL, writer_main, s);

	if (rc)
		return -rc;
	s->started = true;
	return 0;
}

void
store_close(struct store *s)
{
	if (!s)
		return;
	if (s->started) {
		pthread_mutex_lock(&s->mu);
		s->stop = true;
		pthread_cond_signal(&s->cv);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->thread, NULL);
	}
	chunk_free(s->head);
	chunk_free(s->retry);
	chunk_free(s->cur);
	sqlite3_finalize(s->st_put);
	sqlite3_finalize(s->st_del);
	sqlite3_finalize(s->st_clear);
	sqlite3_finalize(s->st_meta);
	if (s->db)
		sqlite3_close(s->db);
	if (s->efd >= 0)
		close(s->efd);
	json_decref(s->controller);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s->path);
	free(s);
}
