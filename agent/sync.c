/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync: the agent's client of its controller, a thread of its own that
 * talks HTTP with libcurl (see sync.h).  The loop thread never waits for
 * it: it takes replies when the eventfd says one is there and acks each
 * once it is applied and durable.
 *
 * The thread's loop, on the controller followed now (one of the list
 * --controller gave: lib/urllist.h):
 *  1. register: PUT /v1/hosts/NAME/agent {"version", "encap"} (the
 *     controller creates the host if needed), once per connection;
 *  2. GET /v1/hosts/NAME/changes?after=R&epoch=E&wait=30&limit=10000,
 *     which the controller holds up to 'wait' seconds when nothing
 *     changed;
 *  3. a reply of the right shape goes to the loop; wait for its ack,
 *     which brings the new position; go to 2 at once;
 *  4. transport errors (timeouts included), 5xx and replies of the
 *     wrong shape: the controller is lost; with several, follow the next
 *     one of the list at once (go to 1: register there, then resume
 *     from the same position, R and E), unless every one has failed in
 *     turn since one last answered: then, as with one controller, the
 *     state is "unreachable", wait (1 s doubling to 30 s) and go to 1
 *     with the next;
 *  5. 401/403: "rejected", wait 30 s, go to 1 on the same controller;
 *     another 4xx: "unreachable", wait as in 4, the same controller
 *     (every controller of a cluster would answer the same).
 * A change of state and a switch are logged once, with the reason, not
 * each try; "last_error" in status always has the latest.
 */
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "agent/sync.h"
#include "lib/log.h"
#include "lib/urllist.h"
#include "lib/util.h"

#define SYNC_WAIT 30        /* seconds a poll may wait at the controller */
#define SYNC_LIMIT 10000    /* changes per reply */
#define SYNC_BACKOFF_MAX 30 /* seconds */
#define SYNC_REJECTED_WAIT 30
#define SYNC_REPLY_MAX (512u << 20)

enum sync_state { S_CONNECTING, S_CONNECTED, S_UNREACHABLE, S_REJECTED };

/* How a request failed (request()): 0 is success. */
enum sync_fail {
	F_LOST = 1, /* transport error, timeout, 5xx, wrong shape */
	F_REJECTED, /* 401, 403 */
	F_REFUSED,  /* another status */
};

static const char *const state_names[] = {
    [S_CONNECTING] = "connecting",
    [S_CONNECTED] = "connected",
    [S_UNREACHABLE] = "unreachable",
    [S_REJECTED] = "rejected",
};

/* One libcurl handle and its reply buffer (a thread's). */
struct sync_conn {
	CURL *curl;
	char *buf;
	size_t len, cap;
	bool too_big;
	struct sync *s;
};

struct sync {
	char *host, *auth, *register_body, *ca_file;
	int efd;
	pthread_t thread;
	bool started;

	/* Shared, under 'mu'.  'urls': only the poller changes it (so it
	 * reads it unlocked); its strings live as long as 's'. */
	pthread_mutex_t mu;
	struct urllist urls;
	pthread_cond_t cv;
	bool stop;
	json_t *reply; /* handed to the loop, not taken yet */
	bool waiting;  /* for the ack of the reply taken */
	uint64_t revision;
	char epoch[128];
	enum sync_state state;
	char last_error[512];

	/* Learnt addresses to report (sync_report), under 'mu'. */
	json_t *reports; /* array of lookup records, agent keys */
	pthread_t rthread;
	bool rstarted;
	uint64_t n_reported, n_refused;

	/* The threads' own: the poller's and the reporter's. */
	struct sync_conn poll, rep;
};

/* ---- the loop thread's side ---- */

struct sync *
sync_create(const struct sync_config *cfg, uint64_t revision, const char *epoch)
{
	struct sync *s = xcalloc(1, sizeof(*s));
	json_t *body = json_pack("{s:s,s:s}", "version", cfg->version, "encap",
	                         cfg->encap);
	char err[512];

	if (urllist_parse(&s->urls, cfg->url, err, sizeof(err)) < 0)
		fatalx("--controller: %s", err);
	s->host = xstrdup(cfg->host);
	s->ca_file = cfg->ca_file ? xstrdup(cfg->ca_file) : NULL;
	if (cfg->token)
		s->auth = xasprintf("Authorization: Bearer %s", cfg->token);
	s->register_body = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	s->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->efd < 0)
		fatal("eventfd");
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	s->revision = revision;
	snprintf(s->epoch, sizeof(s->epoch), "%s", epoch ? epoch : "");
	s->state = S_CONNECTING;
	return s;
}

int
sync_fd(const struct sync *s)
{
	return s->efd;
}

json_t *
sync_take(struct sync *s)
{
	uint64_t x;
	json_t *r;

	if (read(s->efd, &x, sizeof(x)) < 0 && errno != EAGAIN)
		log_warn("sync: eventfd");
	pthread_mutex_lock(&s->mu);
	r = s->reply;
	s->reply = NULL;
	pthread_mutex_unlock(&s->mu);
	return r;
}

void
sync_ack(struct sync *s, uint64_t revision, const char *epoch)
{
	pthread_mutex_lock(&s->mu);
	s->revision = revision;
	snprintf(s->epoch, sizeof(s->epoch), "%s", epoch);
	s->waiting = false;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

void
sync_status(struct sync *s, json_t *obj)
{
	pthread_mutex_lock(&s->mu);
	json_object_set_new(obj, "url", json_string(urllist_current(&s->urls)));
	if (s->urls.n > 1) {
		json_t *all = json_array();

		for (size_t i = 0; i < s->urls.n; i++)
			json_array_append_new(all, json_string(s->urls.url[i]));
		json_object_set_new(obj, "urls", all);
		json_object_set_new(obj, "switches",
		                    json_integer((json_int_t)s->urls.switches));
	}
	json_object_set_new(obj, "host", json_string(s->host));
	json_object_set_new(obj, "state", json_string(state_names[s->state]));
	json_object_set_new(obj, "last_error", json_string(s->last_error));
	json_object_set_new(obj, "learnt_reported",
	                    json_integer((json_int_t)s->n_reported));
	json_object_set_new(obj, "learnt_refused",
	                    json_integer((json_int_t)s->n_refused));
	json_object_set_new(
	    obj, "learnt_queued",
	    json_integer((json_int_t)json_array_size(s->reports)));
	pthread_mutex_unlock(&s->mu);
}

char *
sync_read_token(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	char buf[4096], *p, *end;
	size_t n;

	if (!f) {
		snprintf(err, errlen, "--token-file %s: %s", path,
		         strerror(errno));
		return NULL;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = buf;
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	end = p + strcspn(p, "\r\n");
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*end = '\0';
	if (!*p) {
		snprintf(err, errlen, "--token-file %s: no token in it", path);
		return NULL;
	}
	for (char *c = p; *c; c++) {
		if ((unsigned char)*c < 0x21 || (unsigned char)*c > 0x7e) {
			snprintf(err, errlen,
			         "--token-file %s: the token has a character "
			         "that cannot go in an HTTP header",
			         path);
			return NULL;
		}
	}
	return xstrdup(p);
}

/* ---- the threads ---- */

/* The VSID of an API record, as text (for messages): a static buffer
 * per thread. */
static const char *
json_dumps_vsid(const json_t *rec)
{
	static __thread char buf[24];

	snprintf(buf, sizeof(buf), "%lld",
	         (long long)json_integer_value(
	             json_object_get(rec, "virtualSubnetId")));
	return buf;
}

/* The controller followed now (its string lives as long as 's'). */
static const char *
current_url(struct sync *s)
{
	const char *url;

	pthread_mutex_lock(&s->mu);
	url = urllist_current(&s->urls);
	pthread_mutex_unlock(&s->mu);
	return url;
}

/* 'url': the controller 'why' is about. */
static void
set_state(struct sync *s, enum sync_state st, const char *url, const char *why)
{
	enum sync_state old;

	pthread_mutex_lock(&s->mu);
	old = s->state;
	s->state = st;
	if (why && s->urls.n > 1)
		snprintf(s->last_error, sizeof(s->last_error), "%s: %s", url,
		         why);
	else if (why)
		snprintf(s->last_error, sizeof(s->last_error), "%s", why);
	pthread_mutex_unlock(&s->mu);
	if (old == st)
		return;
	switch (st) {
	case S_CONNECTED:
		log_info("controller %s: connected (host %s)", url, s->host);
		break;
	case S_UNREACHABLE:
		if (s->urls.n > 1 && s->urls.down)
			log_warnx("controller %s: unreachable: %s; none of the "
			          "%zu controllers answers: forwarding goes on "
			          "with the policy held, retrying",
			          url, why, s->urls.n);
		else if (old == S_CONNECTED)
			log_warnx("controller %s: connection lost: %s; "
			          "forwarding goes on with the policy held, "
			          "retrying",
			          url, why);
		else
			log_warnx("controller %s: unreachable: %s; "
			          "forwarding goes on with the policy held, "
			          "retrying",
			          url, why);
		break;
	case S_REJECTED:
		log_warnx("controller %s: token rejected (%s): check "
		          "--token-file; retrying every %d s",
		          url, why, SYNC_REJECTED_WAIT);
		break;
	case S_CONNECTING:
		break;
	}
}

/* The controller followed failed in a way another may not (F_LOST):
 * move to the next (lib/urllist.h).  True: try it at once; false: a
 * whole round failed, back off first. */
static bool
switch_controller(struct sync *s, const char *why)
{
	const char *old = urllist_current(&s->urls), *now;
	bool was_down, backoff;
	enum sync_state st;

	pthread_mutex_lock(&s->mu);
	was_down = s->urls.down;
	backoff = urllist_fail(&s->urls);
	now = urllist_current(&s->urls);
	st = s->state;
	pthread_mutex_unlock(&s->mu);
	if (backoff)
		return false;
	/* Once a whole round failed, the state stays unreachable (logged
	 * once) until one answers: the rounds that follow are quiet. */
	if (!was_down) {
		log_warnx("controller %s %s (%s); following %s", old,
		          st == S_CONNECTED ? "lost" : "unreachable", why, now);
		set_state(s, S_CONNECTING, old, why);
	} else {
		set_state(s, st, old, why);
	}
	return true;
}

static bool
stopping(struct sync *s)
{
	bool stop;

	pthread_mutex_lock(&s->mu);
	stop = s->stop;
	pthread_mutex_unlock(&s->mu);
	return stop;
}

/* Waits 'secs' or until stopped. */
static void
pause_for(struct sync *s, int secs)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += secs;
	pthread_mutex_lock(&s->mu);
	while (!s->stop &&
	       pthread_cond_timedwait(&s->cv, &s->mu, &ts) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&s->mu);
}

static size_t
write_cb(char *p, size_t size, size_t n, void *aux)
{
	struct sync_conn *s = aux;
	size_t len = size * n;

	if (s->len + len + 1 > SYNC_REPLY_MAX) {
		s->too_big = true;
		return 0;
	}
	if (s->len + len + 1 > s->cap) {
		while (s->len + len + 1 > s->cap)
			s->cap = s->cap ? s->cap * 2 : 65536;
		s->buf = xrealloc(s->buf, s->cap);
	}
	memcpy(s->buf + s->len, p, len);
	s->len += len;
	s->buf[s->len] = '\0';
	return len;
}

/* Called by libcurl about once a second, and on progress: stop. */
static int
progress_cb(void *aux, curl_off_t dt, curl_off_t dn, curl_off_t ut,
            curl_off_t un)
{
	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	return stopping(aux) ? 1 : 0;
}

/* The controller's error message, if the body is one. */
static void
http_error(const struct sync_conn *s, long code, char *why, size_t len)
{
	json_t *j = s->buf ? json_loads(s->buf, 0, NULL) : NULL;
	const char *msg = json_string_value(
	    json_object_get(json_object_get(j, "error"), "message"));

	snprintf(why, len, "HTTP %ld%s%.400s", code, msg ? ": " : "",
	         msg ? msg : "");
	json_decref(j);
}

/* One request: 0 with the body in s->buf for a 2xx; else how it failed
 * (enum sync_fail), with 'why'. */
static int
request(struct sync_conn *c, const char *method, const char *url,
        const char *body, long timeout, char *why, size_t len)
{
	struct sync *s = c->s;
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdrs = NULL;
	long code = 0;
	CURLcode rc;

	c->len = 0;
	c->too_big = false;
	if (c->buf)
		c->buf[0] = '\0';
	curl_easy_reset(c->curl);
	curl_easy_setopt(c->curl, CURLOPT_URL, url);
	if (s->ca_file)
		curl_easy_setopt(c->curl, CURLOPT_CAINFO, s->ca_file);
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(c->curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c->curl, CURLOPT_XFERINFOFUNCTION, progress_cb);
	curl_easy_setopt(c->curl, CURLOPT_XFERINFODATA, s);
	curl_easy_setopt(c->curl, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c->curl, CURLOPT_USERAGENT, "hnv-agent");
	hdrs = curl_slist_append(hdrs, "Accept: application/json");
	if (s->auth)
		hdrs = curl_slist_append(hdrs, s->auth);
	if (body) {
		hdrs =
		    curl_slist_append(hdrs, "Content-Type: application/json");
		curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, method);
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
	}
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, hdrs);
	rc = curl_easy_perform(c->curl);
	curl_slist_free_all(hdrs);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &code);
	if (rc != CURLE_OK) {
		if (c->too_big)
			snprintf(why, len, "reply larger than %u MB",
			         SYNC_REPLY_MAX >> 20);
		else
			snprintf(why, len, "%s",
			         *errbuf ? errbuf : curl_easy_strerror(rc));
		return F_LOST;
	}
	if (code >= 200 && code < 300)
		return 0;
	http_error(c, code, why, len);
	if (code == 401 || code == 403)
		return F_REJECTED;
	return code >= 500 ? F_LOST : F_REFUSED;
}

/* The shape the loop relies on (sync.h): NULL and 'why' if not. */
static json_t *
parse_reply(struct sync *s, char *why, size_t len)
{
	json_error_t jerr;
	json_t *j =
	    json_loadb(s->poll.buf ? s->poll.buf : "", s->poll.len, 0, &jerr);
	const json_t *rev, *f;

	if (!j) {
		snprintf(why, len, "reply is not JSON: %s", jerr.text);
		return NULL;
	}
	rev = json_object_get(j, "revision");
	if (!json_is_object(j) || !json_is_integer(rev) ||
	    json_integer_value(rev) < 0) {
		snprintf(why, len,
		         "reply: field 'revision': missing or not "
		         "a number");
		goto bad;
	}
	f = json_object_get(j, "epoch");
	if (!json_is_string(f) || strlen(json_string_value(f)) >= 128) {
		snprintf(why, len,
		         "reply: field 'epoch': missing or not a "
		         "string (of at most 127 characters)");
		goto bad;
	}
	if (((f = json_object_get(j, "reset")) && !json_is_boolean(f)) ||
	    ((f = json_object_get(j, "more")) && !json_is_boolean(f))) {
		snprintf(why, len,
		         "reply: fields 'reset' and 'more' must be "
		         "booleans");
		goto bad;
	}
	f = json_object_get(j, "changes");
	if (f && !json_is_array(f)) {
		snprintf(why, len, "reply: field 'changes' must be an array");
		goto bad;
	}
	if (!f)
		json_object_set_new(j, "changes", json_array());
	return j;
bad:
	json_decref(j);
	return NULL;
}

/* Hands a reply to the loop and waits for its ack: false if stopped. */
static bool
deliver(struct sync *s, json_t *reply)
{
	uint64_t one = 1;
	bool ok;

	pthread_mutex_lock(&s->mu);
	s->reply = reply;
	s->waiting = true;
	pthread_mutex_unlock(&s->mu);
	if (write(s->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_warn("sync: eventfd");
	pthread_mutex_lock(&s->mu);
	while (s->waiting && !s->stop)
		pthread_cond_wait(&s->cv, &s->mu);
	ok = !s->stop;
	pthread_mutex_unlock(&s->mu);
	return ok;
}

static char *
changes_url(struct sync *s, const char *host)
{
	char *epoch, *url;
	uint64_t after;

	pthread_mutex_lock(&s->mu);
	after = s->revision;
	epoch = curl_easy_escape(s->poll.curl, s->epoch, 0);
	pthread_mutex_unlock(&s->mu);
	url = xasprintf("%s/v1/hosts/%s/changes?after=%llu%s%s&wait=%d"
	                "&limit=%d",
	                urllist_current(&s->urls), host,
	                (unsigned long long)after, *epoch ? "&epoch=" : "",
	                epoch, SYNC_WAIT, SYNC_LIMIT);
	curl_free(epoch);
	return url;
}

static void *
sync_main(void *arg)
{
	struct sync *s = arg;
	char *host = curl_easy_escape(s->poll.curl, s->host, 0);
	bool registered = false;
	int backoff = 1;

	while (!stopping(s)) {
		/* Only this thread changes s->urls. */
		const char *base = urllist_current(&s->urls);
		char why[512] = "";
		int st;

		if (!registered) {
			char *reg_url =
			    xasprintf("%s/v1/hosts/%s/agent", base, host);

			st = request(&s->poll, "PUT", reg_url, s->register_body,
			             30, why, sizeof(why));
			free(reg_url);
			if (st == 0) {
				registered = true;
				set_state(s, S_CONNECTED, base, NULL);
			}
		} else {
			char *url = changes_url(s, host);
			json_t *reply;

			st = request(&s->poll, "GET", url, NULL, SYNC_WAIT + 30,
			             why, sizeof(why));
			free(url);
			if (st == 0) {
				reply = parse_reply(s, why, sizeof(why));
				if (!reply) {
					st = F_LOST;
				} else {
					backoff = 1;
					pthread_mutex_lock(&s->mu);
					urllist_ok(&s->urls);
					pthread_mutex_unlock(&s->mu);
					if (!deliver(s, reply))
						break;
					continue;
				}
			}
		}
		if (st == 0)
			continue;
		if (stopping(s))
			break;
		registered = false;
		if (st == F_REJECTED) {
			set_state(s, S_REJECTED, base, why);
			pause_for(s, SYNC_REJECTED_WAIT);
			continue;
		}
		/* Lost: the next controller at once, unless all failed. */
		if (st == F_LOST && switch_controller(s, why))
			continue;
		set_state(s, S_UNREACHABLE, base, why);
		pause_for(s, backoff);
		backoff = MIN(backoff * 2, SYNC_BACKOFF_MAX);
	}
	curl_free(host);
	return NULL;
}

/* The reporter: learnt addresses (flow F4) go to the controller as
 * Dynamic lookup records (POST /v1/lookup-records), one request each,
 * in the order learnt; the controller validates them (a duplicate
 * address is refused: 409) and pushes them to the other hosts.  One that
 * cannot be sent (controller unreachable) waits and is sent again; one
 * refused is logged and counted. */
static void *
report_main(void *arg)
{
	struct sync *s = arg;
	int backoff = 1;

	for (;;) {
		json_t *rec;
		char why[512] = "", *body, *url;
		const char *base;
		int st;

		pthread_mutex_lock(&s->mu);
		while (!s->stop && !json_array_size(s->reports))
			pthread_cond_wait(&s->cv, &s->mu);
		if (s->stop) {
			pthread_mutex_unlock(&s->mu);
			break;
		}
		rec = json_incref(json_array_get(s->reports, 0));
		pthread_mutex_unlock(&s->mu);

		/* To the controller the poller follows now. */
		base = current_url(s);
		url = xasprintf("%s/v1/lookup-records", base);
		body = json_dumps(rec, JSON_COMPACT);
		st = request(&s->rep, "POST", url, body, 30, why, sizeof(why));
		free(body);
		free(url);
		if (st == F_LOST || st == F_REJECTED) {
			/* not sent: try again */
			json_decref(rec);
			pause_for(s, backoff);
			backoff = MIN(backoff * 2, SYNC_BACKOFF_MAX);
			continue;
		}
		backoff = 1;
		pthread_mutex_lock(&s->mu);
		if (st == 0) {
			s->n_reported++;
		} else {
			s->n_refused++;
			snprintf(s->last_error, sizeof(s->last_error),
			         "learnt %.40s vsid %s refused: %.400s",
			         json_string_value(
			             json_object_get(rec, "customerAddress")),
			         json_dumps_vsid(rec), why);
		}
		json_array_remove(s->reports, 0);
		pthread_mutex_unlock(&s->mu);
		if (st)
			log_warnx("controller %s: the learnt address %s (vsid "
			          "%s, MAC %s) was refused: %s",
			          base,
			          json_string_value(
			              json_object_get(rec, "customerAddress")),
			          json_dumps_vsid(rec),
			          json_string_value(
			              json_object_get(rec, "macAddress")),
			          why);
		json_decref(rec);
	}
	return NULL;
}

void
sync_report(struct sync *s, json_t *rec)
{
	pthread_mutex_lock(&s->mu);
	if (!s->reports)
		s->reports = json_array();
	if (json_array_size(s->reports) < 4096)
		json_array_append(s->reports, rec);
	else
		s->n_refused++;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	json_decref(rec);
}

int
sync_start(struct sync *s)
{
	int rc;

	s->poll.curl = curl_easy_init();
	s->rep.curl = curl_easy_init();
	if (!s->poll.curl || !s->rep.curl)
		return -ENOMEM;
	s->poll.s = s->rep.s = s;
	rc = pthread_create(&s->thread, NULL, sync_main, s);
	if (rc)
		return -rc;
	s->started = true;
	rc = pthread_create(&s->rthread, NULL, report_main, s);
	if (rc)
		return -rc;
	s->rstarted = true;
	return 0;
}

void
sync_destroy(struct sync *s)
{
	if (!s)
		return;
	if (s->started) {
		pthread_mutex_lock(&s->mu);
		s->stop = true;
		pthread_cond_broadcast(&s->cv);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->thread, NULL);
		if (s->rstarted)
			pthread_join(s->rthread, NULL);
	}
	if (s->poll.curl)
		curl_easy_cleanup(s->poll.curl);
	if (s->rep.curl)
		curl_easy_cleanup(s->rep.curl);
	json_decref(s->reply);
	json_decref(s->reports);
	free(s->poll.buf);
	free(s->rep.buf);
	urllist_uninit(&s->urls);
	free(s->host);
	free(s->ca_file);
	free(s->auth);
	free(s->register_body);
	close(s->efd);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s);
}
