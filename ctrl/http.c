/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http: libmicrohttpd glue.  One internal polling thread (epoll) runs
 * every request, under the model's lock (which a shared store's watch
 * thread takes too, to follow the other controllers' writes).  Limits against
 * hostile or broken clients: bodies over the limit are read and thrown
 * away (413), idle connections close after 30 s, at most 4096
 * connections.  Long polls (an agent's GET .../changes with nothing to
 * send yet) are suspended connections: a commit resumes all of them, the
 * ticker thread resumes those whose time is up; a resumed one runs its
 * request again.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctrl/ctrl.h"
#include "lib/log.h"
#include "lib/util.h"

#define MAX_BODY_BATCH (64u << 20)
#define MAX_SEGS 8

extern const char openapi_json[];
extern const size_t openapi_json_len;

struct conn_ctx {
	char *body;
	size_t len, cap;
	bool too_big;
	size_t limit;
	bool suspended;
	uint64_t deadline; /* of a long poll */
	char host[64];     /* and whose, after which revision */
	uint64_t after;
	bool any; /* woken by any commit (a gateway's config) */
	struct conn_ctx *wnext;
	struct MHD_Connection *conn;
};

static struct {
	struct MHD_Daemon *d;
	struct model *md;
	const struct http_cfg *cfg;
	pthread_mutex_t wlock;
	struct conn_ctx *waiters; /* suspended long polls */
	pthread_t ticker;
	bool stop;
	char *tls_cert, *tls_key;
} H = {.wlock = PTHREAD_MUTEX_INITIALIZER};

/* Parks a long poll: false when the controller is stopping (the poll
 * must be answered now: MHD cannot stop with suspended connections). */
static bool
waiter_add(struct conn_ctx *c)
{
	pthread_mutex_lock(&H.wlock);
	if (H.stop) {
		pthread_mutex_unlock(&H.wlock);
		return false;
	}
	MHD_suspend_connection(c->conn);
	c->suspended = true;
	c->wnext = H.waiters;
	H.waiters = c;
	pthread_mutex_unlock(&H.wlock);
	return true;
}

static void
waiter_resume(struct conn_ctx **pp)
{
	struct conn_ctx *c = *pp;
	*pp = c->wnext;
	c->suspended = false;
	MHD_resume_connection(c->conn);
}

/* Resumes the waiters whose deadline is before 'before' (all: ~0). */
static void
waiters_resume(uint64_t before)
{
	pthread_mutex_lock(&H.wlock);
	struct conn_ctx **pp = &H.waiters;
	while (*pp) {
		struct conn_ctx *c = *pp;
		if (c->deadline <= before)
			waiter_resume(pp);
		else
			pp = &c->wnext;
	}
	pthread_mutex_unlock(&H.wlock);
}

void
http_wake_all(void)
{
	waiters_resume(~0ull);
}

/* On libmicrohttpd's thread (the model's), after a commit: resuming a
 * poll that has nothing new costs a run of its request and a suspend
 * again, which for a thousand agents made every write wait for a
 * thousand of them. */
void
http_wake(struct model *md)
{
	struct feed_commit fc;
	feed_commit_scopes(md, &fc);
	pthread_mutex_lock(&H.wlock);
	struct conn_ctx **pp = &H.waiters;
	while (*pp) {
		if ((*pp)->any ||
		    feed_wakes(md, &fc, (*pp)->host, (*pp)->after))
			waiter_resume(pp);
		else
			pp = &(*pp)->wnext;
	}
	pthread_mutex_unlock(&H.wlock);
}

static void *
ticker(void *arg)
{
	while (!H.stop) {
		usleep(200000);
		waiters_resume(time_ns());
	}
	return NULL;
}

static enum MHD_Result
add_query(void *cls, enum MHD_ValueKind kind, const char *key,
          const char *value)
{
	json_t *q = cls;
	if (json_object_size(q) < 64 && key)
		json_object_set_new(q, key, json_string(value ? value : ""));
	return MHD_YES;
}

static enum MHD_Result
send_text(struct MHD_Connection *conn, int status, char *text,
          const struct http_req *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if (!text)
		text = xstrdup("");
	size_t len = strlen(text);
	if (len) {
		text[len] = '\0';
		/* a newline at the end, for curl users */
		text = xrealloc(text, len + 2);
		text[len++] = '\n';
		text[len] = '\0';
	}
	resp =
	    MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (len)
		MHD_add_response_header(resp, "Content-Type",
		                        "application/json");
	if (r && r->location[0])
		MHD_add_response_header(resp, "Location", r->location);
	if (r && r->warnings) {
		size_t i;
		json_t *w;
		json_array_foreach(r->warnings, i, w)
		{
			char hdr[400];
			/* RFC 7234: 199 = miscellaneous warning */
			snprintf(hdr, sizeof(hdr),
			         "199 hnv-controller \"%.360s\"",
			         json_string_value(w));
			for (char *p = hdr; *p; p++)
				if (*p == '\n' || *p == '\r')
					*p = ' ';
			MHD_add_response_header(resp, "Warning", hdr);
		}
	}
	if (status == 401)
		MHD_add_response_header(resp, "WWW-Authenticate",
		                        "Bearer realm=\"hnv-controller\"");
	ret = MHD_queue_response(conn, (unsigned)status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result
send_error(struct MHD_Connection *conn, int status, const char *msg)
{
	json_t *j = json_pack("{s:{s:i, s:s}}", "error", "status", status,
	                      "message", msg);
	char *t = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return send_text(conn, status, t, NULL);
}

static enum MHD_Result
send_too_big(struct MHD_Connection *conn, const struct conn_ctx *c)
{
	char msg[128];
	snprintf(msg, sizeof(msg), "the body is larger than %zu bytes",
	         c->limit);
	return send_error(conn, 413, msg);
}

static bool
token_ok(struct MHD_Connection *conn)
{
	const char *a =
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
	const char *tok = H.cfg->token;
	if (!tok)
		return true;
	if (!a || strncasecmp(a, "Bearer ", 7))
		return false;
	a += 7;
	while (*a == ' ')
		a++;
	size_t la = strlen(a), lt = strlen(tok);
	unsigned char diff = la != lt;
	for (size_t i = 0; i < lt; i++)
		diff |= (unsigned char)(tok[i] ^ (i < la ? a[i] : 0));
	return diff == 0;
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *conn, const char *url,
        const char *method, const char *version, const char *upload,
        size_t *upload_size, void **con_cls)
{
	struct conn_ctx *c = *con_cls;

	if (!c) {
		c = xcalloc(1, sizeof(*c));
		c->conn = conn;
		c->limit =
		    strcmp(url, "/v1/batch") ? H.cfg->max_body : MAX_BODY_BATCH;
		const char *cl = MHD_lookup_connection_value(
		    conn, MHD_HEADER_KIND, "Content-Length");
		if (cl && strtoull(cl, NULL, 10) > c->limit)
			c->too_big = true;
		*con_cls = c;
		/* said too big: answer now (libmicrohttpd closes the
		 * connection after it) rather than read gigabytes or wait
		 * for bytes that never come */
		if (c->too_big)
			return send_too_big(conn, c);
		return MHD_YES;
	}
	if (*upload_size) {
		if (!c->too_big && c->len + *upload_size > c->limit)
			c->too_big = true;
		if (!c->too_big) {
			if (c->len + *upload_size + 1 > c->cap) {
				c->cap =
				    MAX(c->cap * 2, c->len + *upload_size + 1);
				c->body = xrealloc(c->body, c->cap);
			}
			memcpy(c->body + c->len, upload, *upload_size);
			c->len += *upload_size;
			c->body[c->len] = '\0';
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (c->too_big)
		return send_too_big(conn, c);
	if (!strcmp(url, "/openapi.json") && !strcmp(method, "GET"))
		return send_text(conn, 200, xstrdup(openapi_json), NULL);
	if (strcmp(url, "/v1/health") && !token_ok(conn))
		return send_error(conn, 401,
		                  "no or wrong bearer token (Authorization: "
		                  "Bearer TOKEN; the token is in the "
		                  "controller's --token-file)");
	if (c->len) {
		const char *ct = MHD_lookup_connection_value(
		    conn, MHD_HEADER_KIND, "Content-Type");
		if (ct && !strcasestr(ct, "json") &&
		    strncasecmp(ct, "application/x-www-form-urlencoded", 33))
			return send_error(conn, 415,
			                  "the body must be JSON "
			                  "(Content-Type: application/json)");
	}

	struct http_req r = {0};
	char *path = xstrdup(url), *segs[MAX_SEGS];
	int n = 0;
	bool too_deep = false;
	for (char *p = strtok(path, "/"); p; p = strtok(NULL, "/")) {
		if (n == MAX_SEGS) {
			too_deep = true;
			break;
		}
		segs[n++] = p;
	}
	r.method = method;
	r.url = url;
	r.seg = segs;
	r.nseg = too_deep ? 0 : n;
	r.query = json_object();
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, add_query,
	                          r.query);
	r.body = c->body;
	r.body_len = c->len;
	r.if_match =
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "If-Match");
	r.wait_deadline = c->deadline;
	r.conn = conn;
	pthread_mutex_lock(&H.md->lock);
	api_handle(H.md, &r);
	/* a shared store: another controller wrote first; catch up and
	 * run the request again on the new state */
	for (int tries = 1; H.md->stale && tries < 5; tries++) {
		json_decref(r.reply);
		json_decref(r.warnings);
		free(r.reply_text);
		r.reply = r.warnings = NULL;
		r.reply_text = NULL;
		r.status = 0;
		r.location[0] = '\0';
		r.wait = false;
		model_follow(H.md);
		api_handle(H.md, &r);
	}
	enum MHD_Result ret = MHD_YES;
	if (r.wait) {
		c->deadline = r.wait_deadline;
		c->any = r.wait_any;
		snprintf(c->host, sizeof(c->host), "%s",
		         r.wait_host ? r.wait_host->name : "");
		c->after = r.wait_after;
		if (!waiter_add(c))
			ret =
			    send_error(conn, 503, "the controller is stopping");
	} else {
		char *text = r.reply_text;
		if (!text && r.reply)
			text = json_dumps(r.reply, JSON_COMPACT);
		ret = send_text(conn, r.status ? r.status : 500, text, &r);
	}
	pthread_mutex_unlock(&H.md->lock);
	json_decref(r.reply);
	json_decref(r.query);
	json_decref(r.warnings);
	free(path);
	return ret;
}

static void
completed(void *cls, struct MHD_Connection *conn, void **con_cls,
          enum MHD_RequestTerminationCode toe)
{
	struct conn_ctx *c = *con_cls;
	if (!c)
		return;
	if (c->suspended) {
		/* cannot happen: MHD only ends resumed requests; be safe */
		pthread_mutex_lock(&H.wlock);
		for (struct conn_ctx **pp = &H.waiters; *pp; pp = &(*pp)->wnext)
			if (*pp == c) {
				*pp = c->wnext;
				break;
			}
		pthread_mutex_unlock(&H.wlock);
	}
	free(c->body);
	free(c);
	*con_cls = NULL;
}

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[512];
	vsnprintf(buf, sizeof(buf), fmt, ap);
	buf[strcspn(buf, "\n")] = '\0';
	log_debug("http: %s", buf);
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	char tmp[4096];
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0) {
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			buf = xrealloc(buf, cap);
		}
		memcpy(buf + len, tmp, n);
		len += n;
	}
	fclose(f);
	if (buf)
		buf[len] = '\0';
	return buf;
}

/* "ADDR:PORT", "[V6]:PORT" or ":PORT". */
static int
parse_listen(const char *s, struct sockaddr_storage *ss)
{
	char host[128];
	const char *colon = strrchr(s, ':');
	if (!colon || !colon[1])
		return -1;
	char *end;
	unsigned long port = strtoul(colon + 1, &end, 10);
	if (*end || port == 0 || port > 65535)
		return -1;
	size_t hl = (size_t)(colon - s);
	if (hl >= sizeof(host))
		return -1;
	memcpy(host, s, hl);
	host[hl] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		host[hl - 1] = '\0';
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		return inet_pton(AF_INET6, host + 1, &a->sin6_addr) == 1 ? 0
		                                                         : -1;
	}
	struct sockaddr_in *a = (struct sockaddr_in *)ss;
	a->sin_family = AF_INET;
	a->sin_port = htons((uint16_t)port);
	if (!host[0])
		return 0; /* any */
	return inet_pton(AF_INET, host, &a->sin_addr) == 1 ? 0 : -1;
}

int
http_start(struct model *md, const struct http_cfg *cfg)
{
	struct sockaddr_storage ss;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
	                 MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;

	H.md = md;
	H.cfg = cfg;
	if (parse_listen(cfg->listen, &ss)) {
		log_warnx("--listen %s: not ADDR:PORT, [ADDR6]:PORT or :PORT",
		          cfg->listen);
		return -1;
	}
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (cfg->tls_cert || cfg->tls_key) {
		if (!cfg->tls_cert || !cfg->tls_key) {
			log_warnx("TLS needs both --tls-cert and --tls-key");
			return -1;
		}
		H.tls_cert = slurp(cfg->tls_cert);
		H.tls_key = slurp(cfg->tls_key);
		if (!H.tls_cert || !H.tls_key) {
			log_warn("cannot read %s",
			         !H.tls_cert ? cfg->tls_cert : cfg->tls_key);
			return -1;
		}
		flags |= MHD_USE_TLS;
	}
	H.d = MHD_start_daemon(
	    flags, 0, NULL, NULL, handler, NULL, MHD_OPTION_SOCK_ADDR, &ss,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)4096,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32 * 1024),
	    MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
	    H.tls_cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, H.tls_cert,
	    MHD_OPTION_HTTPS_MEM_KEY, H.tls_key, MHD_OPTION_END);
	if (!H.d) {
		log_warn("cannot listen on %s", cfg->listen);
		return -1;
	}
	pthread_create(&H.ticker, NULL, ticker, NULL);
	return 0;
}

void
http_stop(void)
{
	if (!H.d)
		return;
	pthread_mutex_lock(&H.wlock);
	H.stop = true; /* no poll parks from now on */
	pthread_mutex_unlock(&H.wlock);
	pthread_join(H.ticker, NULL);
	http_wake_all();
	MHD_stop_daemon(H.d);
	H.d = NULL;
	free(H.tls_cert);
	free(H.tls_key);
}
