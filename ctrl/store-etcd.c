/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store-etcd: the controller's store (ctrl/store.h) in an etcd cluster,
 * through etcd's v3 JSON gateway (POST /v3/kv/range, /v3/kv/txn,
 * /v3/kv/deleterange, /v3/watch) with libcurl.  Several controllers
 * share one cluster: each keeps the whole model in memory, writes each
 * revision as one etcd transaction, and follows the revisions the others
 * write.  Keys, under the prefix P ("/openhnv/"):
 *
 *   P m/<name>              epoch, schema, revision, next_id
 *   P o/<rank>/<id>         an object: "kind TAB rev TAB owner TAB host
 *                           NEWLINE agent-JSON" (host empty if none: a
 *                           header, not JSON, so a load parses each
 *                           object once); rank (2 digits) is its kind's
 *                           place in store_load_order, id 16 hex digits,
 *                           so a range over P o/ is a load in order
 *   P s/<name>              soft state: no revision, not followed
 *                           (a gateway's last heartbeat, hb/<id>)
 *   P c/<rev>               revision rev (20 digits): {"rev", "next_id",
 *                           "structural", "ops": [["p", kind, id, rev,
 *                           owner, host|null, text] | ["d", id] |
 *                           ["c", kind, del, scope, text]]}: what the
 *                           writer's store calls were, in their order;
 *                           the change log, and what followers apply
 *
 * A commit is one transaction whose compare is "P m/revision is still
 * rev - 1": of two controllers writing revision rev at once, one wins;
 * the other's commit fails with store->conflict set, and the controller
 * catches up (follow) and runs the request again.  So revisions are
 * dense and the same on every controller, and an agent can move from
 * one to another and resume from its revision.  (etcd's own revision
 * counts every key written, heartbeats included: ours counts policy
 * writes, as the SQLite backend's does, and is what agents see.)
 *
 * Requests go to one member; a connection failure, a timeout or a 5xx
 * moves to the next member and retries, for up to ETCD_RETRY_MS: while
 * the cluster elects a leader, writes wait rather than fail.  A reply
 * after that is a 503.  Each thread has its own curl handle (the HTTP
 * thread's writes, the watch thread's reads).
 */
#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctrl/ctrl.h"
#include "ctrl/etcd-wire.h"
#include "lib/log.h"
#include "lib/util.h"

#define ETCD_MAX_URLS 16
#define ETCD_RETRY_MS 15000
#define ETCD_PAGE 10000
#define ETCD_DEFAULT_PREFIX "/openhnv/"

struct etcd_store {
	struct store up;
	char *urls[ETCD_MAX_URLS];
	int nurls;
	int cur; /* the member requests go to (benign race) */
	char prefix[128];
	/* the open transaction */
	bool open;
	uint64_t rev;
	bool structural;
	json_t *kv_ops; /* etcd request ops */
	json_t *rec;    /* this revision's "ops" */
	char *meta_rev; /* the "revision" value being set */
	char *meta_next_id;
	bool init; /* meta without revision: the first start */
	/* the watch */
	pthread_t watcher, ticker;
	bool watching;
	void (*notify)(void *, uint64_t rev);
	void *notify_aux;
	int64_t watch_from; /* etcd revision */
};

/* ------------------------------------------------------------------ */
/* base64, etcd's encoding of keys and values (etcd-wire.c) */

static char *
b64(const void *p, size_t n)
{
	return etcd_b64(p, n);
}

static char *
unb64(const char *s, size_t *len)
{
	return etcd_unb64(s, strlen(s), len);
}

/* json_string of base64 of 's' (new reference). */
static json_t *
jkey(const char *s)
{
	char *e = b64(s, strlen(s));
	json_t *j = json_string(e);
	free(e);
	return j;
}

static uint64_t
jnum(const json_t *j)
{
	/* int64 fields come as strings */
	if (json_is_string(j))
		return strtoull(json_string_value(j), NULL, 10);
	if (json_is_integer(j))
		return (uint64_t)json_integer_value(j);
	return 0;
}

/* ------------------------------------------------------------------ */
/* HTTP */

struct buf {
	char *p;
	size_t n, cap;
};

static size_t
buf_write(char *data, size_t size, size_t nmemb, void *aux)
{
	struct buf *b = aux;
	size_t n = size * nmemb;
	if (b->n + n + 1 > b->cap) {
		b->cap = MAX(b->cap * 2, b->n + n + 1);
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, data, n);
	b->n += n;
	b->p[b->n] = '\0';
	return n;
}

static __thread CURL *tls_curl;

static CURL *
curl_handle(void)
{
	if (!tls_curl)
		tls_curl = curl_easy_init();
	else
		curl_easy_reset(tls_curl);
	return tls_curl;
}

static void
sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* POST 'req' to API path 'api' ("/v3/kv/range"): 0 with '*out' (the
 * reply's text, malloc'd; etcd's gateway answers 200 only to what
 * succeeded), or -1 with e set (503: no member answered within
 * ETCD_RETRY_MS; 500/413: etcd refused the request). */
static int
ec_post(struct etcd_store *s, const char *api, const json_t *req, char **out,
        size_t *outlen, struct cerr *e)
{
	char *body = json_dumps(req, JSON_COMPACT);
	uint64_t deadline = time_ns() + (uint64_t)ETCD_RETRY_MS * 1000000ull;
	unsigned backoff = 50;
	char why[300] = "";
	int tries = 0;

	*out = NULL;
	for (;;) {
		int m = s->cur % s->nurls;
		char url[600];
		struct buf b = {0};
		long code = 0;
		snprintf(url, sizeof(url), "%s%s", s->urls[m], api);
		CURL *c = curl_handle();
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, buf_write);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
		curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 1000L);
		/* short, so that a member cut off from a dead leader is
		 * left soon; longer for large transactions */
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
		                 (long)(2000 + strlen(body) / 5000));
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		CURLcode rc = curl_easy_perform(c);
		tries++;
		if (rc == CURLE_OK)
			curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
		if (rc == CURLE_OK && code == 200 && b.p) {
			free(body);
			if (tries > 1)
				log_info("etcd: %s answered (after %d tries)",
				         s->urls[m], tries);
			*out = b.p;
			if (outlen)
				*outlen = b.n;
			return 0;
		}
		json_t *j =
		    rc == CURLE_OK && b.p ? json_loads(b.p, 0, NULL) : NULL;
		const char *msg =
		    j ? json_string_value(json_object_get(j, "message")) : NULL;
		if (rc != CURLE_OK)
			snprintf(why, sizeof(why), "%s: %s", s->urls[m],
			         curl_easy_strerror(rc));
		else
			snprintf(why, sizeof(why), "%s: HTTP %ld: %s",
			         s->urls[m], code,
			         msg ? msg : (b.p ? b.p : "no reply"));
		bool retry =
		    rc != CURLE_OK || code >= 500 ||
		    (msg &&
		     (strstr(msg, "leader") || strstr(msg, "timed out") ||
		      strstr(msg, "unavailable") || strstr(msg, "stopped")));
		json_decref(j);
		free(b.p);
		if (!retry) {
			free(body);
			if (msg && strstr(why, "too many operations"))
				cerr_set(
				    e, 413,
				    "etcd refuses a transaction this large "
				    "(%s): start its members with a larger "
				    "--max-txn-ops (doc/controller.md)",
				    why);
			else if (msg && strstr(why, "too large"))
				cerr_set(
				    e, 413,
				    "etcd refuses a request this large (%s): "
				    "start its members with a larger "
				    "--max-request-bytes (doc/controller.md)",
				    why);
			else
				cerr_set(e, 500, "etcd: %s", why);
			return -1;
		}
		if (tries == 1 || tries % 20 == 0)
			log_warnx("etcd: %s; trying the next member", why);
		s->cur = (m + 1) % s->nurls;
		if (time_ns() > deadline)
			break;
		/* every member once at once, then back off */
		if (tries % s->nurls == 0) {
			sleep_ms(backoff);
			backoff = MIN(backoff * 2, 1000u);
		}
	}
	free(body);
	cerr_set(e, 503, "etcd: no member answered for %d s (last: %s)",
	         ETCD_RETRY_MS / 1000, why);
	return -1;
}

/* ec_post(), the reply parsed. */
static int
ec_call(struct etcd_store *s, const char *api, const json_t *req, json_t **out,
        struct cerr *e)
{
	char *text;
	*out = NULL;
	if (ec_post(s, api, req, &text, NULL, e))
		return -1;
	*out = json_loads(text, 0, NULL);
	free(text);
	if (!*out) {
		cerr_set(e, 500, "etcd: %s: a reply that is not JSON", api);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* keys */

static void
k_meta(const struct etcd_store *s, const char *k, char *buf, size_t len)
{
	snprintf(buf, len, "%sm/%s", s->prefix, k);
}

static int
kind_rank(int kind)
{
	for (int i = 0; i < STORE_NKINDS; i++)
		if (store_load_order[i] == kind)
			return i;
	return 99;
}

static void
k_obj(const struct etcd_store *s, int kind, uint64_t id, char *buf, size_t len)
{
	snprintf(buf, len, "%so/%02d/%016" PRIx64, s->prefix, kind_rank(kind),
	         id);
}

static void
k_rev(const struct etcd_store *s, uint64_t rev, char *buf, size_t len)
{
	snprintf(buf, len, "%sc/%020" PRIu64, s->prefix, rev);
}

/* The end of the range of keys starting with 'k': 'k' with its last
 * byte incremented. */
static json_t *
jrange_end(const char *k)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", k);
	size_t n = strlen(buf);
	buf[n - 1]++;
	return jkey(buf);
}

static int
kind_of(const char *name)
{
	for (int k = 0; k < CK_N; k++)
		if (!strcmp(name, ckind_name(k)))
			return k;
	return -1;
}

/* ------------------------------------------------------------------ */
/* open */

static const struct store_ops etcd_ops;
static void ec_close(struct store *);

int
store_open_etcd(struct store **out, const char *urls, const char *prefix,
                struct cerr *e)
{
	struct etcd_store *s = xcalloc(1, sizeof(*s));
	char *list = xstrdup(urls), *save = NULL;

	s->up.ops = &etcd_ops;
	snprintf(s->prefix, sizeof(s->prefix), "%s",
	         prefix && *prefix ? prefix : ETCD_DEFAULT_PREFIX);
	if (s->prefix[strlen(s->prefix) - 1] != '/' &&
	    strlen(s->prefix) + 1 < sizeof(s->prefix))
		strcat(s->prefix, "/");
	for (char *u = strtok_r(list, ",", &save); u;
	     u = strtok_r(NULL, ",", &save)) {
		size_t n = strlen(u);
		while (n && u[n - 1] == '/')
			u[--n] = '\0';
		if (strncmp(u, "http://", 7) && strncmp(u, "https://", 8)) {
			cerr_set(e, 500,
			         "--etcd: '%s' is not an http:// or https:// "
			         "URL of an etcd member",
			         u);
			goto fail;
		}
		if (s->nurls == ETCD_MAX_URLS) {
			cerr_set(e, 500, "--etcd: at most %d members",
			         ETCD_MAX_URLS);
			goto fail;
		}
		s->urls[s->nurls++] = xstrdup(u);
	}
	if (!s->nurls) {
		cerr_set(e, 500, "--etcd: no member URL");
		goto fail;
	}
	free(list);
	/* one request, so that a cluster that is not there is said now */
	json_t *r = NULL;
	json_t *req =
	    json_pack("{s:o, s:b}", "key", jkey(s->prefix), "count_only", 1);
	int rc = ec_call(s, "/v3/kv/range", req, &r, e);
	json_decref(req);
	json_decref(r);
	if (rc)
		goto fail_nolist;
	log_info("etcd: %s, keys under %s", urls, s->prefix);
	*out = &s->up;
	return 0;
fail:
	free(list);
fail_nolist:
	ec_close(&s->up);
	return -1;
}

static void
ec_close(struct store *up)
{
	struct etcd_store *s = (struct etcd_store *)up;
	if (!s)
		return;
	/* the watch threads are detached and end with the process */
	if (s->watching)
		return;
	for (int i = 0; i < s->nurls; i++)
		free(s->urls[i]);
	json_decref(s->kv_ops);
	json_decref(s->rec);
	free(s->meta_rev);
	free(s->meta_next_id);
	free(s);
}

/* ------------------------------------------------------------------ */
/* reads */

static int
ec_meta_get(struct store *up, const char *k, char *v, size_t len)
{
	struct etcd_store *s = (struct etcd_store *)up;
	char key[256];
	struct cerr e = {0};
	json_t *r;

	k_meta(s, k, key, sizeof(key));
	json_t *req = json_pack("{s:o}", "key", jkey(key));
	int rc = ec_call(s, "/v3/kv/range", req, &r, &e);
	json_decref(req);
	if (rc) {
		log_warnx("%s", e.msg);
		return -EIO;
	}
	json_t *kvs = json_object_get(r, "kvs");
	const char *val =
	    json_string_value(json_object_get(json_array_get(kvs, 0), "value"));
	rc = -ENOENT;
	if (val) {
		char *d = unb64(val, NULL);
		if (d) {
			snprintf(v, len, "%s", d);
			free(d);
			rc = 0;
		} else {
			rc = -EIO;
		}
	}
	json_decref(r);
	return rc;
}

/* Every key in [from, end) at etcd revision '*at' (0: the newest, which
 * it sets), in pages: 'cb' gets each decoded key's value.  0, or -1.
 * The replies, megabytes at a load, are scanned rather than parsed into
 * a tree: the first cost of a load was jansson's. */
struct range_ctx {
	int (*cb)(const char *key, const char *val, size_t len, void *aux);
	void *aux;
	char *last; /* the last key */
	size_t last_len;
};

static int
range_one(const char *k, size_t kl, const char *v, size_t vl, void *aux)
{
	struct range_ctx *rc = aux;
	free(rc->last);
	rc->last = xmalloc(kl + 1);
	memcpy(rc->last, k, kl + 1);
	rc->last_len = kl;
	return rc->cb(k, v, vl, rc->aux);
}

/* Bytes a range reply should stay under: etcd builds a whole reply in
 * memory (and base64 and JSON make it 1.4 times the values), so a page
 * of 10,000 batch revision records (2 MB each) grew each member by
 * gigabytes.  The page's key limit follows the replies' sizes. */
#define RANGE_REPLY_MAX (8u << 20)

static int
range_all(struct etcd_store *s, const char *from, json_t *end, int64_t *at,
          int limit,
          int (*cb)(const char *key, const char *val, size_t len, void *aux),
          void *aux, struct cerr *e)
{
	struct range_ctx ctx = {cb, aux, xstrdup(from), strlen(from)};
	bool first = true;
	int rc = 0;

	for (;;) {
		char *text;
		size_t len;
		json_t *req = json_pack("{s:O, s:i, s:s}", "range_end", end,
		                        "limit", limit, "sort_order", "ASCEND");
		if (*at)
			json_object_set_new(req, "revision",
			                    json_integer((json_int_t)*at));
		/* after the first page: just after the last key, key + NUL */
		char *k64 = b64(ctx.last, ctx.last_len + (first ? 0 : 1));
		json_object_set_new(req, "key", json_string(k64));
		free(k64);
		rc = ec_post(s, "/v3/kv/range", req, &text, &len, e);
		json_decref(req);
		if (rc)
			break;
		if (len > RANGE_REPLY_MAX && limit > 1)
			limit = (int)MAX(1, (uint64_t)limit * RANGE_REPLY_MAX /
			                        2 / len);
		else if (len < RANGE_REPLY_MAX / 4 && limit < ETCD_PAGE)
			limit = MIN(ETCD_PAGE, limit * 2);
		int64_t rev;
		bool more;
		size_t n;
		rc = etcd_scan_range(text, &rev, &more, &n, range_one, &ctx);
		free(text);
		if (rc == -1 && !e->msg[0])
			cerr_set(e, 500,
			         "etcd: a key or value that is not "
			         "base64");
		if (!*at)
			*at = rev;
		if (rc || !more || !n)
			break;
		first = false;
	}
	free(ctx.last);
	return rc;
}

struct load_ctx {
	store_load_cb cb;
	void *aux;
	size_t bad;
};

static int
load_one(const char *key, const char *val, size_t len, void *aux)
{
	struct load_ctx *lc = aux;
	const char *idp = strrchr(key, '/'), *json;
	char kn[64], host[128];
	uint64_t rev, owner;
	int kind = -1;

	if (!etcd_obj_parse(val, len, kn, sizeof(kn), &rev, &owner, host,
	                    sizeof(host), &json))
		kind = kind_of(kn);
	if (kind < 0 || !idp) {
		log_warnx("etcd: %s is not an object of ours; left out", key);
		lc->bad++;
		return 0;
	}
	return lc->cb(kind, strtoull(idp + 1, NULL, 16), rev, owner,
	              host[0] ? host : NULL, json, lc->aux);
}

/* The revision model_open() loads at: the objects and the change log
 * are read at one etcd revision, a consistent snapshot. */
static __thread int64_t load_at;

/* How many keys in [from, end) at etcd revision 'at': >= 0, or -1. */
static int64_t
range_count(struct etcd_store *s, const char *from, const char *end, int64_t at,
            struct cerr *e)
{
	json_t *r;
	json_t *req =
	    json_pack("{s:o, s:o, s:b, s:I}", "key", jkey(from), "range_end",
	              jkey(end), "count_only", 1, "revision", (json_int_t)at);
	int rc = ec_call(s, "/v3/kv/range", req, &r, e);
	json_decref(req);
	if (rc)
		return -1;
	int64_t n = (int64_t)jnum(json_object_get(r, "count"));
	json_decref(r);
	return n;
}

/* Ids per request for the large kinds: etcd counts every key of a
 * range's rest for each page ("more", "count"), so one range over a
 * million objects paged 10,000 at a time would scan 50 million keys. */
#define LOAD_BLOCK 20000

static int
ec_load(struct store *up, store_load_cb cb, void *aux)
{
	struct etcd_store *s = (struct etcd_store *)up;
	char from[256], to[256], v[32];
	struct load_ctx lc = {cb, aux, 0};
	struct cerr e = {0};
	uint64_t next_id = 0;
	int rc = 0;

	/* the snapshot's revision: now */
	load_at = 0;
	snprintf(from, sizeof(from), "%so/", s->prefix);
	snprintf(to, sizeof(to), "%so0", s->prefix);
	{
		json_t *r;
		json_t *req = json_pack("{s:o, s:o, s:b}", "key", jkey(from),
		                        "range_end", jkey(to), "count_only", 1);
		rc = ec_call(s, "/v3/kv/range", req, &r, &e);
		json_decref(req);
		if (!rc)
			load_at = (int64_t)jnum(json_object_get(
			    json_object_get(r, "header"), "revision"));
		json_decref(r);
	}
	if (!rc && !ec_meta_get(up, "next_id", v, sizeof(v)))
		next_id = strtoull(v, NULL, 10);
	for (int rank = 0; rank < STORE_NKINDS && !rc; rank++) {
		snprintf(from, sizeof(from), "%so/%02d/", s->prefix, rank);
		snprintf(to, sizeof(to), "%so/%02d0", s->prefix, rank);
		int64_t n = range_count(s, from, to, load_at, &e);
		if (n < 0) {
			rc = -1;
			break;
		}
		if (n == 0)
			continue;
		if (n <= LOAD_BLOCK || !next_id) {
			json_t *end = jkey(to);
			rc = range_all(s, from, end, &load_at, ETCD_PAGE,
			               load_one, &lc, &e);
			json_decref(end);
			continue;
		}
		for (uint64_t lo = 0; lo <= next_id && !rc; lo += LOAD_BLOCK) {
			char bf[256];
			snprintf(bf, sizeof(bf), "%so/%02d/%016" PRIx64,
			         s->prefix, rank, lo);
			snprintf(to, sizeof(to), "%so/%02d/%016" PRIx64,
			         s->prefix, rank, lo + LOAD_BLOCK);
			json_t *end = jkey(to);
			rc = range_all(s, bf, end, &load_at, ETCD_PAGE,
			               load_one, &lc, &e);
			json_decref(end);
		}
	}
	if (rc && e.msg[0])
		log_warnx("%s", e.msg);
	s->watch_from = load_at + 1;
	return rc ? -EIO : 0;
}

/* ------------------------------------------------------------------ */
/* the revisions' records */

struct rec_ctx {
	struct etcd_store *s;
	uint64_t next;                   /* the revision expected next */
	const struct store_follow_cb *f; /* follow, or */
	store_change_cb change;          /* load_changes */
	void *aux;
	int err;
	uint64_t last; /* the revision of the last record read */
};

static int
rec_one(const char *key, const char *val, size_t len, void *aux)
{
	struct rec_ctx *rc = aux;
	json_t *j = json_loadb(val, len, 0, NULL);
	uint64_t rev = jnum(json_object_get(j, "rev"));
	rc->last = rev;
	json_t *ops = json_object_get(j, "ops");
	size_t i;
	json_t *op;

	if (!j || !rev || !json_is_array(ops)) {
		log_warnx("etcd: %s is not a revision record", key);
		json_decref(j);
		rc->err = -EIO;
		return -1;
	}
	if (rc->next && rev != rc->next) {
		/* trimmed, or not yet visible: the caller decides */
		json_decref(j);
		rc->err = rev > rc->next ? -ERANGE : 0;
		return rev > rc->next ? -1 : 0;
	}
	rc->next = rev + 1;
	json_array_foreach(ops, i, op)
	{
		const char *t = json_string_value(json_array_get(op, 0));
		if (!t)
			continue;
		if (t[0] == 'c') {
			int kind = kind_of(
			    json_string_value(json_array_get(op, 1)) ?: "");
			const char *text =
			    json_string_value(json_array_get(op, 4));
			const char *scope =
			    json_string_value(json_array_get(op, 3));
			if (kind < 0 || !text || !scope)
				continue;
			store_change_cb cb = rc->f ? rc->f->change : rc->change;
			cb(rev, kind, json_is_true(json_array_get(op, 2)),
			   scope, text, rc->aux);
		} else if (!rc->f) {
			continue;
		} else if (t[0] == 'p') {
			int kind = kind_of(
			    json_string_value(json_array_get(op, 1)) ?: "");
			const char *text =
			    json_string_value(json_array_get(op, 6));
			if (kind < 0 || !text)
				continue;
			rc->f->put(kind, jnum(json_array_get(op, 2)),
			           jnum(json_array_get(op, 3)),
			           jnum(json_array_get(op, 4)),
			           json_string_value(json_array_get(op, 5)),
			           text, rc->aux);
		} else if (t[0] == 'd') {
			rc->f->del(jnum(json_array_get(op, 1)), rc->aux);
		}
	}
	if (rc->f)
		rc->f->done(rev, jnum(json_object_get(j, "next_id")),
		            json_is_true(json_object_get(j, "structural")),
		            rc->aux);
	json_decref(j);
	return 0;
}

/* Revisions per range of revision records: etcd 3.4 walks every key
 * of a range's rest for each page, and the records are a key each, a
 * million of them after a million single writes. */
#define CHANGE_BLOCK 1000

/* The first revision record's revision at or after 'from' (one range
 * with limit 1, keys only: it walks the rest once), or 0 if none. */
static uint64_t
first_record(struct etcd_store *s, uint64_t from, int64_t at, struct cerr *e)
{
	char k[256], pfx[256];
	json_t *r = NULL;
	uint64_t rev = 0;

	k_rev(s, from, k, sizeof(k));
	snprintf(pfx, sizeof(pfx), "%sc/", s->prefix);
	json_t *req =
	    json_pack("{s:o, s:o, s:i, s:b}", "key", jkey(k), "range_end",
	              jrange_end(pfx), "limit", 1, "keys_only", 1);
	if (at)
		json_object_set_new(req, "revision", json_integer(at));
	if (!ec_call(s, "/v3/kv/range", req, &r, e)) {
		const char *k64 = json_string_value(json_object_get(
		    json_array_get(json_object_get(r, "kvs"), 0), "key"));
		size_t n;
		char *key = k64 ? etcd_unb64(k64, strlen(k64), &n) : NULL;
		const char *d = key ? strrchr(key, '/') : NULL;
		if (d && strlen(d + 1) == 20 &&
		    strspn(d + 1, "0123456789") == 20)
			rev = strtoull(d + 1, NULL, 10);
		free(key);
	}
	json_decref(req);
	json_decref(r);
	return rev;
}

/* The revision records after 'after', in order, into rec_one(): blocks
 * of CHANGE_BLOCK revisions (they are dense: one record a revision,
 * until the end or from where the oldest were trimmed).  0, or -1. */
static int
range_changes(struct etcd_store *s, uint64_t after, int64_t *at,
              struct rec_ctx *rc, struct cerr *e)
{
	uint64_t lo = after + 1;
	for (bool first = true;; first = false) {
		char from[256], to[256];
		k_rev(s, lo, from, sizeof(from));
		k_rev(s, lo + CHANGE_BLOCK, to, sizeof(to));
		json_t *end = jkey(to);
		rc->last = 0;
		int r = range_all(s, from, end, at, 8, rec_one, rc, e);
		json_decref(end);
		if (r)
			return r;
		if (!rc->last && first) {
			/* none at 'after + 1': trimmed up to a later one, or
			 * no more */
			uint64_t f = first_record(s, lo, *at, e);
			if (!f)
				return e->msg[0] ? -1 : 0;
			lo = f;
			rc->last = 0;
			continue;
		}
		if (rc->last != lo + CHANGE_BLOCK - 1)
			return 0; /* the block did not fill: the end */
		lo += CHANGE_BLOCK;
	}
}

static int
ec_load_changes(struct store *up, uint64_t after, store_change_cb cb, void *aux)
{
	struct etcd_store *s = (struct etcd_store *)up;
	struct rec_ctx rc = {.s = s, .change = cb, .aux = aux};
	struct cerr e = {0};
	int64_t at = load_at;

	int r = range_changes(s, after, &at, &rc, &e);
	if (r && e.msg[0])
		log_warnx("%s", e.msg);
	return r && rc.err != -ERANGE ? -EIO : 0;
}

static int
ec_follow(struct store *up, uint64_t after, const struct store_follow_cb *f,
          void *aux)
{
	struct etcd_store *s = (struct etcd_store *)up;
	struct rec_ctx rc = {.s = s, .next = after + 1, .f = f, .aux = aux};
	struct cerr e = {0};
	int64_t at = 0;

	int r = range_changes(s, after, &at, &rc, &e);
	if (r && rc.err == -ERANGE)
		return -ERANGE;
	if (r) {
		if (e.msg[0])
			log_warnx("%s", e.msg);
		return -EIO;
	}
	/* nothing at after + 1 although the revision says more: trimmed */
	if (rc.next == after + 1) {
		char v[32];
		if (!ec_meta_get(up, "revision", v, sizeof(v)) &&
		    strtoull(v, NULL, 10) > after + 1)
			return -ERANGE;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* writes */

static int
ec_begin(struct store *up, uint64_t rev, bool structural)
{
	struct etcd_store *s = (struct etcd_store *)up;
	json_decref(s->kv_ops);
	json_decref(s->rec);
	free(s->meta_rev);
	free(s->meta_next_id);
	s->kv_ops = json_array();
	s->rec = json_array();
	s->meta_rev = s->meta_next_id = NULL;
	s->rev = rev;
	s->structural = structural;
	s->init = false;
	s->open = true;
	return 0;
}

static void
op_put(struct etcd_store *s, const char *key, const char *val)
{
	json_t *k = jkey(key);
	char *v = b64(val, strlen(val));
	json_array_append_new(
	    s->kv_ops,
	    json_pack("{s:{s:o, s:s}}", "request_put", "key", k, "value", v));
	free(v);
}

static void
op_delrange(struct etcd_store *s, const char *key, json_t *end)
{
	json_t *r = json_pack("{s:o}", "key", jkey(key));
	if (end)
		json_object_set_new(r, "range_end", end);
	json_array_append_new(s->kv_ops,
	                      json_pack("{s:o}", "request_delete_range", r));
}

static int
ec_put(struct store *up, const struct cobj *o)
{
	struct etcd_store *s = (struct etcd_store *)up;
	char key[256];
	const char *host = o->host ? o->host->name : "";

	if (strpbrk(host, "\t\n")) {
		log_warnx("etcd: host name '%s' has a tab or a newline", host);
		return -EINVAL;
	}
	char *text = cobj_text(o);
	k_obj(s, o->kind, o->id, key, sizeof(key));
	char *v = xasprintf("%s\t%" PRIu64 "\t%" PRIu64 "\t%s\n%s",
	                    ckind_name(o->kind), o->rev, o->owner, host, text);
	op_put(s, key, v);
	free(v);
	json_array_append_new(
	    s->rec,
	    json_pack(
	        "[s, s, I, I, I, o, s]", "p", ckind_name(o->kind),
	        (json_int_t)o->id, (json_int_t)o->rev, (json_int_t)o->owner,
	        o->host ? json_string(o->host->name) : json_null(), text));
	free(text);
	return 0;
}

static int
ec_del(struct store *up, const struct cobj *o)
{
	struct etcd_store *s = (struct etcd_store *)up;
	char key[256];
	k_obj(s, o->kind, o->id, key, sizeof(key));
	op_delrange(s, key, NULL);
	json_array_append_new(s->rec,
	                      json_pack("[s, I]", "d", (json_int_t)o->id));
	return 0;
}

static int
ec_change(struct store *up, const struct change *c)
{
	struct etcd_store *s = (struct etcd_store *)up;
	json_array_append_new(s->rec, json_pack("[s, s, b, s, s]", "c",
	                                        ckind_name(c->kind), c->del,
	                                        c->scope, c->text));
	return 0;
}

static int
ec_meta_set(struct store *up, const char *k, const char *v)
{
	struct etcd_store *s = (struct etcd_store *)up;
	char key[256];
	if (!strcmp(k, "revision")) {
		free(s->meta_rev);
		s->meta_rev = xstrdup(v);
	} else if (!strcmp(k, "next_id")) {
		free(s->meta_next_id);
		s->meta_next_id = xstrdup(v);
	} else if (!strcmp(k, "epoch")) {
		s->init = true;
	}
	k_meta(s, k, key, sizeof(key));
	op_put(s, key, v);
	return 0;
}

static int
ec_trim(struct store *up, uint64_t upto)
{
	struct etcd_store *s = (struct etcd_store *)up;
	char from[256], to[256];
	struct cerr e = {0};
	json_t *r;

	k_rev(s, 0, from, sizeof(from));
	k_rev(s, upto + 1, to, sizeof(to));
	json_t *req =
	    json_pack("{s:o, s:o}", "key", jkey(from), "range_end", jkey(to));
	int rc = ec_call(s, "/v3/kv/deleterange", req, &r, &e);
	json_decref(req);
	json_decref(r);
	if (rc)
		log_warnx("%s", e.msg);
	return rc ? -EIO : 0;
}

static int
ec_commit(struct store *up, struct cerr *e)
{
	struct etcd_store *s = (struct etcd_store *)up;
	char key[256];
	json_t *cmp = json_array();

	if (!s->open) {
		cerr_set(e, 500, "etcd: commit without a transaction");
		return -1;
	}
	s->open = false;
	if (s->rev) {
		/* the revision record, and "revision is still rev - 1" */
		char prev[32], rk[256];
		json_t *rec = json_pack(
		    "{s:I, s:I, s:b, s:O}", "rev", (json_int_t)s->rev,
		    "next_id",
		    (json_int_t)(s->meta_next_id
		                     ? strtoull(s->meta_next_id, NULL, 10)
		                     : 0),
		    "structural", s->structural, "ops", s->rec);
		char *t = json_dumps(rec, JSON_COMPACT);
		k_rev(s, s->rev, rk, sizeof(rk));
		op_put(s, rk, t);
		free(t);
		json_decref(rec);
		snprintf(prev, sizeof(prev), "%" PRIu64, s->rev - 1);
		k_meta(s, "revision", key, sizeof(key));
		char *pv = b64(prev, strlen(prev));
		json_array_append_new(cmp, json_pack("{s:o, s:s, s:s, s:s}",
		                                     "key", jkey(key), "target",
		                                     "VALUE", "result", "EQUAL",
		                                     "value", pv));
		free(pv);
	} else if (s->init) {
		/* the first start: nobody else made the epoch */
		k_meta(s, "epoch", key, sizeof(key));
		json_array_append_new(
		    cmp, json_pack("{s:o, s:s, s:s, s:s}", "key", jkey(key),
		                   "target", "CREATE", "result", "EQUAL",
		                   "create_revision", "0"));
		k_meta(s, "revision", key, sizeof(key));
		op_put(s, key, "0");
	}
	json_t *req =
	    json_pack("{s:o, s:O}", "compare", cmp, "success", s->kv_ops);
	json_t *r;
	int rc = ec_call(s, "/v3/kv/txn", req, &r, e);
	json_decref(req);
	if (rc)
		return -1;
	if (!json_is_true(json_object_get(r, "succeeded"))) {
		up->conflict = true;
		cerr_set(e, 409,
		         "another controller wrote revision %" PRIu64
		         " first; try again",
		         s->rev);
		json_decref(r);
		return -1;
	}
	json_decref(r);
	return 0;
}

static void
ec_rollback(struct store *up)
{
	struct etcd_store *s = (struct etcd_store *)up;
	s->open = false;
}

/* ------------------------------------------------------------------ */
/* watch */

struct watch_buf {
	struct etcd_store *s;
	struct buf b;
	bool created;
};

/* Our revision, the value of the watched key m/revision in a watch
 * event's kv (base64 of its decimal digits); 0 if not that. */
static uint64_t
watch_value(const json_t *kv)
{
	const char *b = json_string_value(json_object_get(kv, "value"));
	size_t n;
	char *d = b ? etcd_unb64(b, strlen(b), &n) : NULL;
	uint64_t rev = 0;
	if (d && n > 0 && n < 21 && strspn(d, "0123456789") == n)
		rev = strtoull(d, NULL, 10);
	free(d);
	return rev;
}

/* The stream: one JSON message per line. */
static size_t
watch_write(char *data, size_t size, size_t nmemb, void *aux)
{
	struct watch_buf *w = aux;
	size_t n = size * nmemb;
	buf_write(data, size, nmemb, &w->b);
	char *nl;
	while (w->b.p && (nl = memchr(w->b.p, '\n', w->b.n))) {
		*nl = '\0';
		json_t *j = json_loads(w->b.p, 0, NULL);
		json_t *res = json_object_get(j, "result");
		json_t *ev = json_object_get(res, "events");
		if (json_is_true(json_object_get(res, "created")))
			w->created = true;
		if (json_array_size(ev)) {
			json_t *kv = json_object_get(
			    json_array_get(ev, json_array_size(ev) - 1), "kv");
			int64_t mr =
			    (int64_t)jnum(json_object_get(kv, "mod_revision"));
			if (mr >= w->s->watch_from)
				w->s->watch_from = mr + 1;
			w->s->notify(w->s->notify_aux, watch_value(kv));
		}
		if (res && json_object_get(res, "compact_revision") &&
		    jnum(json_object_get(res, "compact_revision"))) {
			/* history gone: start from now, and catch up */
			w->s->watch_from = 0;
			w->s->notify(w->s->notify_aux, 0);
		}
		json_decref(j);
		size_t rest = w->b.n - (size_t)(nl + 1 - w->b.p);
		memmove(w->b.p, nl + 1, rest);
		w->b.n = rest;
		w->b.p[rest] = '\0';
	}
	return n;
}

static void *
watcher(void *arg)
{
	struct etcd_store *s = arg;
	char key[256], url[600];

	/* not this thread's curl_handle(): the write callback follows,
	 * which makes requests of its own meanwhile */
	CURL *c = curl_easy_init();
	k_meta(s, "revision", key, sizeof(key));
	for (;;) {
		int m = s->cur % s->nurls;
		struct watch_buf w = {.s = s};
		json_t *req = json_pack("{s:{s:o, s:I}}", "create_request",
		                        "key", jkey(key), "start_revision",
		                        (json_int_t)s->watch_from);
		char *body = json_dumps(req, JSON_COMPACT);
		json_decref(req);
		snprintf(url, sizeof(url), "%s/v3/watch", s->urls[m]);
		curl_easy_reset(c);
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, watch_write);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, &w);
		curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 1000L);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
		curl_easy_setopt(c, CURLOPT_TCP_KEEPIDLE, 5L);
		curl_easy_setopt(c, CURLOPT_TCP_KEEPINTVL, 2L);
		CURLcode rc = curl_easy_perform(c);
		free(body);
		free(w.b.p);
		log_debug("etcd: the watch on %s ended: %s", s->urls[m],
		          curl_easy_strerror(rc));
		/* whatever was missed meanwhile */
		s->notify(s->notify_aux, 0);
		s->cur = (m + 1) % s->nurls;
		sleep_ms(w.created ? 50 : 300);
	}
	return NULL;
}

/* A catch-up every 2 s whatever the watch says: a member cut off from
 * the others may keep a watch open and quiet. */
static void *
ticker(void *arg)
{
	struct etcd_store *s = arg;
	for (;;) {
		char v[32];
		sleep(2);
		/* the revision first, with no lock held: most ticks find
		 * nothing new, and the model is not held meanwhile */
		s->notify(s->notify_aux,
		          ec_meta_get(&s->up, "revision", v, sizeof(v))
		              ? 0
		              : strtoull(v, NULL, 10));
	}
	return NULL;
}

static int
ec_watch(struct store *up, void (*notify)(void *, uint64_t), void *aux)
{
	struct etcd_store *s = (struct etcd_store *)up;
	s->notify = notify;
	s->notify_aux = aux;
	if (pthread_create(&s->watcher, NULL, watcher, s))
		return -1;
	pthread_detach(s->watcher);
	if (pthread_create(&s->ticker, NULL, ticker, s))
		return -1;
	pthread_detach(s->ticker);
	s->watching = true;
	return 0;
}

/* ------------------------------------------------------------------ */
/* soft state */

static int
ec_soft_put(struct store *up, const char *k, const char *v)
{
	struct etcd_store *s = (struct etcd_store *)up;
	char key[256];
	struct cerr e = {0};
	json_t *r;

	snprintf(key, sizeof(key), "%ss/%s", s->prefix, k);
	char *v64 = b64(v, strlen(v));
	json_t *req = json_pack("{s:o, s:s}", "key", jkey(key), "value", v64);
	free(v64);
	int rc = ec_call(s, "/v3/kv/put", req, &r, &e);
	json_decref(req);
	json_decref(r);
	if (rc)
		log_warnx("%s", e.msg);
	return rc ? -EIO : 0;
}

static int
ec_soft_get(struct store *up, const char *k, char **v)
{
	struct etcd_store *s = (struct etcd_store *)up;
	char key[256];
	struct cerr e = {0};
	json_t *r;

	*v = NULL;
	snprintf(key, sizeof(key), "%ss/%s", s->prefix, k);
	json_t *req = json_pack("{s:o}", "key", jkey(key));
	int rc = ec_call(s, "/v3/kv/range", req, &r, &e);
	json_decref(req);
	if (rc) {
		log_warnx("%s", e.msg);
		return -EIO;
	}
	const char *val = json_string_value(json_object_get(
	    json_array_get(json_object_get(r, "kvs"), 0), "value"));
	if (val)
		*v = unb64(val, NULL);
	json_decref(r);
	return *v ? 0 : -ENOENT;
}

static const struct store_ops etcd_ops = {
    .name = "etcd",
    .close = ec_close,
    .meta_get = ec_meta_get,
    .load = ec_load,
    .load_changes = ec_load_changes,
    .begin = ec_begin,
    .put = ec_put,
    .del = ec_del,
    .change = ec_change,
    .meta_set = ec_meta_set,
    .trim = ec_trim,
    .commit = ec_commit,
    .rollback = ec_rollback,
    .follow = ec_follow,
    .watch = ec_watch,
    .soft_put = ec_soft_put,
    .soft_get = ec_soft_get,
};
