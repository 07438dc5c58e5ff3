/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http: hnv-controller's REST API behind client_call()'s contract (see
 * http.h).  One libcurl easy handle, reused so that the connection stays
 * open across a script's requests; ctl/rest.c builds every request and
 * reads every reply.
 */
#include "ctl/http.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "ctl/rest.h"
#include "lib/urllist.h"
#include "lib/util.h"

#ifndef HNV_VERSION
#define HNV_VERSION "0.1"
#endif

struct http {
	CURL *curl;
	struct urllist urls; /* --controller URL[,URL...] */
	char *base;          /* the one used now, without a trailing '/' */
	char *token;         /* NULL: none */
	char *host;          /* --host, or NULL */
	char *cur;           /* http_set_host()'s, or NULL */
	char *ca;            /* --ca-file, or NULL */
	long timeout;        /* seconds a request may take */
	struct ps_backend agent;
	char errbuf[CURL_ERROR_SIZE];
};

struct body {
	char *p;
	size_t n, cap;
	bool over;
};

static int
read_token(const char *path, char **token, char **error)
{
	FILE *f = fopen(path, "re");
	char buf[4096];
	size_t n;

	if (!f) {
		*error =
		    xasprintf("--token-file %s: %s", path, strerror(errno));
		return -errno;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	if (ferror(f)) {
		int err = errno;

		fclose(f);
		*error = xasprintf("--token-file %s: %s", path, strerror(err));
		return -err;
	}
	fclose(f);
	buf[n] = '\0';
	while (n && isspace((unsigned char)buf[n - 1]))
		buf[--n] = '\0';
	if (!n) {
		*error = xasprintf("--token-file %s: the file is empty", path);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++)
		if (!isgraph((unsigned char)buf[i])) {
			*error = xasprintf("--token-file %s: the token has a "
			                   "space or a control character",
			                   path);
			return -EINVAL;
		}
	*token = xstrdup(buf);
	return 0;
}

int
http_open(const char *url, const char *token_file, const char *host,
          struct http **out, char **error)
{
	static bool curl_ready;
	struct http *h;
	size_t n;
	int r;

	struct urllist urls;
	char msg[256];

	*out = NULL;
	*error = NULL;
	if (urllist_parse(&urls, url, msg, sizeof(msg)) < 0) {
		*error = xasprintf("--controller: %s", msg);
		return -EINVAL;
	}
	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
			*error = xstrdup("cannot initialise libcurl");
			return -ENOMEM;
		}
		curl_ready = true;
	}
	h = xcalloc(1, sizeof(*h));
	h->timeout = HTTP_TIMEOUT_S;
	h->urls = urls;
	h->base = xstrdup(urllist_current(&h->urls));
	n = strlen(h->base);
	while (n && h->base[n - 1] == '/')
		h->base[--n] = '\0';
	h->host = host && *host ? xstrdup(host) : NULL;
	if (token_file && *token_file) {
		r = read_token(token_file, &h->token, error);
		if (r < 0) {
			http_close(h);
			return r;
		}
	}
	h->curl = curl_easy_init();
	if (!h->curl) {
		http_close(h);
		*error = xstrdup("cannot initialise libcurl");
		return -ENOMEM;
	}
	*out = h;
	return 0;
}

void
http_set_ca_file(struct http *h, const char *path)
{
	free(h->ca);
	h->ca = path ? xstrdup(path) : NULL;
}

void
http_set_timeout(struct http *h, long seconds)
{
	h->timeout = seconds > 0 ? seconds : HTTP_TIMEOUT_S;
}

void
http_close(struct http *h)
{
	if (!h)
		return;
	if (h->curl)
		curl_easy_cleanup(h->curl);
	urllist_uninit(&h->urls);
	free(h->base);
	free(h->token);
	free(h->host);
	free(h->cur);
	free(h->ca);
	free(h);
}

void
http_set_agent(struct http *h, const struct ps_backend *agent)
{
	if (agent)
		h->agent = *agent;
	else
		memset(&h->agent, 0, sizeof(h->agent));
}

void
http_set_host(struct http *h, const char *host)
{
	free(h->cur);
	h->cur = host && *host ? xstrdup(host) : NULL;
}

const char *
http_url(const struct http *h)
{
	return h->base;
}

bool
http_unreachable(int err)
{
	return err == -ECONNREFUSED || err == -EHOSTUNREACH ||
	       err == -ETIMEDOUT || err == -EIO;
}

static size_t
on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct body *b = ud;
	size_t n = size * nmemb;

	if (b->n + n > HTTP_MAX_REPLY) {
		b->over = true;
		return 0;
	}
	if (b->n + n + 1 > b->cap) {
		b->cap = MAX(b->cap * 2, b->n + n + 1);
		b->cap = MAX(b->cap, (size_t)65536);
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, ptr, n);
	b->n += n;
	b->p[b->n] = '\0';
	return n;
}

static int
curl_errno(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
		return -ECONNREFUSED;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return -EHOSTUNREACH;
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	default:
		return -EIO;
	}
}

/* One HTTP exchange: 0 with '*status' and the body in 'b', or a negative
 * errno with '*error'. */
static int
perform(struct http *h, const char *method, const char *url, const json_t *body,
        long *status, struct body *b, char **error)
{
	struct curl_slist *hdr = NULL;
	char *text = NULL, *auth = NULL, *moved = NULL;
	CURLcode rc;
	int r = 0;

	curl_easy_reset(h->curl);
	h->errbuf[0] = '\0';
	curl_easy_setopt(h->curl, CURLOPT_URL, url);
	if (h->ca)
		curl_easy_setopt(h->curl, CURLOPT_CAINFO, h->ca);
	curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT,
	                 (long)HTTP_CONNECT_TIMEOUT_S);
	curl_easy_setopt(h->curl, CURLOPT_TIMEOUT, h->timeout);
	curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, h->errbuf);
	curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(h->curl, CURLOPT_USERAGENT, "hnvctl/" HNV_VERSION);
	hdr = curl_slist_append(hdr, "Accept: application/json");
	/* No "Expect: 100-continue" wait before a large body. */
	hdr = curl_slist_append(hdr, "Expect:");
	if (h->token) {
		auth = xasprintf("Authorization: Bearer %s", h->token);
		hdr = curl_slist_append(hdr, auth);
	}
	if (body) {
		text = json_dumps(body, JSON_COMPACT);
		if (!text) {
			*error = xasprintf("%s %s: cannot encode the body",
			                   method, url);
			r = -EINVAL;
			goto out;
		}
		hdr = curl_slist_append(hdr, "Content-Type: application/json");
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, text);
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE,
		                 (curl_off_t)strlen(text));
	}
	if (!strcmp(method, "GET"))
		curl_easy_setopt(h->curl, CURLOPT_HTTPGET, 1L);
	else if (strcmp(method, "POST") || !body)
		curl_easy_setopt(h->curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, hdr);
	rc = curl_easy_perform(h->curl);
	/* Several controllers (on one etcd cluster: the same policy): the
	 * next one, when this one could not be reached at all.  Not when it
	 * timed out or broke off: a write may then have been made, and
	 * making it again elsewhere could make it twice. */
	for (size_t tries = 1;
	     rc == CURLE_COULDNT_CONNECT && tries < h->urls.n &&
	     !strncmp(url, h->base, strlen(h->base));
	     tries++) {
		char *next;
		urllist_fail(&h->urls);
		next = xasprintf("%s%s", urllist_current(&h->urls),
		                 url + strlen(h->base));
		free(h->base);
		h->base = xstrdup(urllist_current(&h->urls));
		free(moved);
		url = moved = next;
		b->n = 0;
		b->over = false;
		h->errbuf[0] = '\0';
		curl_easy_setopt(h->curl, CURLOPT_URL, url);
		rc = curl_easy_perform(h->curl);
	}
	if (rc == CURLE_OK)
		urllist_ok(&h->urls);
	if (rc == CURLE_WRITE_ERROR && b->over) {
		*error = xasprintf("%s %s: the controller's reply exceeds %u "
		                   "MB",
		                   method, url, HTTP_MAX_REPLY >> 20);
		r = -EMSGSIZE;
	} else if (rc != CURLE_OK) {
		*error = xasprintf(
		    "cannot reach the controller: %s %s: %s", method, url,
		    h->errbuf[0] ? h->errbuf : curl_easy_strerror(rc));
		r = curl_errno(rc);
	} else {
		curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, status);
	}
out:
	curl_slist_free_all(hdr);
	free(auth);
	free(text);
	free(moved);
	return r;
}

int
http_rest(struct http *h, const char *method, const char *path,
          const json_t *body, long *status, json_t **reply, char **error)
{
	char *url = rest_next_url(h->base, path);
	struct body b = {0};
	int r;

	*reply = NULL;
	*status = 0;
	r = perform(h, method, url, body, status, &b, error);
	if (r == 0 && b.n)
		*reply = json_loadb(b.p, b.n, 0, NULL);
	free(b.p);
	free(url);
	return r;
}

/* Sends 'req' and follows its "next" pages: '*result' is every page's
 * items together.  '*warnings' gets the first page's. */
static int
run(struct http *h, struct rest_req *req, json_t **result, json_t **warnings,
    char **error)
{
	char *url = rest_next_url(h->base, req->path), *next = NULL;
	json_t *acc = NULL;
	int r;

	*result = NULL;
	*warnings = NULL;
	req->token = h->token != NULL;
	for (size_t pages = 0;; pages++) {
		struct body b = {0};
		json_t *res, *w;
		long status = 0;
		char *nurl;

		r = perform(h, req->method, url, req->body, &status, &b, error);
		if (r == 0)
			r = rest_reply(req, status, b.p, b.n, &res, &w, &next,
			               error);
		free(b.p);
		if (r < 0)
			break;
		if (!*warnings)
			*warnings = w;
		else
			json_decref(w);
		if (!acc)
			acc = res;
		else if (json_is_array(acc) && json_is_array(res))
			json_array_extend(acc, res);
		if (acc != res)
			json_decref(res);
		if (!next)
			break;
		nurl = rest_next_url(h->base, next);
		free(next);
		next = NULL;
		if (!strcmp(nurl, url) || pages + 1 >= HTTP_MAX_PAGES) {
			*error = xasprintf("the controller's pages do not end "
			                   "(%s %s, next %s)",
			                   req->method, url, nurl);
			free(nurl);
			r = -EPROTO;
			break;
		}
		free(url);
		url = nurl;
	}
	free(url);
	if (r < 0) {
		json_decref(acc);
		json_decref(*warnings);
		*warnings = NULL;
		return r;
	}
	*result = acc;
	return 0;
}

/* OBJ.set: the object the key names, then its PATCH (or, for a batch,
 * the PATCH op: 'patch_out' set). */
static int
find_and_patch(struct http *h, struct rest_req *find, struct rest_req *patch,
               char **error)
{
	json_t *items, *w;
	int r = run(h, find, &items, &w, error);

	json_decref(w);
	if (r < 0)
		return r;
	r = rest_patch(find, items, patch, error);
	json_decref(items);
	return r;
}

static int
batch(struct http *h, const json_t *args, const char *host, json_t **result,
      json_t **warnings, char **error)
{
	const json_t *ops = json_object_get(args, "ops");
	json_t *conv, *op;
	struct rest_req breq;
	size_t i;
	int r = 0;

	if (!json_is_array(ops)) {
		*error = xstrdup("batch: args need \"ops\" (an array)");
		return -EINVAL;
	}
	conv = json_array();
	json_array_foreach((json_t *)ops, i, op)
	{
		struct rest_req req, patch = {.kind = -1};
		char *e = NULL;

		r = rest_batch_op(i, op, host, &req, error);
		if (r == 0 && req.op == REST_FIND) {
			r = find_and_patch(h, &req, &patch, &e);
			if (r < 0) {
				*error =
				    xasprintf("ops[%zu] (%s): %s", i,
				              json_string_value(
				                  json_object_get(op, "cmd")),
				              e);
				free(e);
			} else {
				json_array_append_new(conv,
				                      rest_batch_entry(&patch));
			}
			rest_req_uninit(&patch);
		} else if (r == 0) {
			json_array_append_new(conv, rest_batch_entry(&req));
		}
		rest_req_uninit(&req);
		if (r < 0)
			break;
	}
	if (r < 0) {
		json_decref(conv);
		return r;
	}
	rest_batch_request(conv, &breq);
	r = run(h, &breq, result, warnings, error);
	rest_req_uninit(&breq);
	return r;
}

/* interface.get without an agent: the controller stores interface index
 * 0 for "the host's uplink", so a named interface is that. */
static int
uplink_interface(const json_t *args, json_t **result, char **error)
{
	const char *name = json_string_value(json_object_get(args, "name"));

	if (!name || !*name) {
		*error = xstrdup("interface.get: without a name needs an agent "
		                 "(--agent PATH): the controller does not see "
		                 "hosts' network interfaces");
		return -EOPNOTSUPP;
	}
	*result = json_pack("{sssi}", "name", name, "ifindex", 0);
	return 0;
}

int
http_call(struct http *h, const char *cmd, json_t *args, json_t **result,
          char **error, json_t **warnings)
{
	const char *host = h->cur ? h->cur : h->host;
	struct rest_req req = {.kind = -1};
	json_t *w = NULL;
	int r;

	*result = NULL;
	*error = NULL;
	if (warnings)
		*warnings = NULL;
	if (rest_agent_only(cmd)) {
		if (h->agent.call)
			return h->agent.call(h->agent.ctx, cmd, args, result,
			                     error, warnings);
		if (!strcmp(cmd, "interface.get"))
			return uplink_interface(args, result, error);
	}
	if (!strcmp(cmd, "batch")) {
		r = batch(h, args, host, result, &w, error);
	} else {
		r = rest_request(cmd, args, host, &req, error);
		if (r == 0 && req.op == REST_FIND) {
			struct rest_req patch = {.kind = -1};

			r = find_and_patch(h, &req, &patch, error);
			if (r == 0)
				r = run(h, &patch, result, &w, error);
			rest_req_uninit(&patch);
		} else if (r == 0) {
			r = run(h, &req, result, &w, error);
		}
		rest_req_uninit(&req);
	}
	if (warnings)
		*warnings = w;
	else
		json_decref(w);
	return r;
}

int
http_ps_call(void *h, const char *cmd, json_t *args, json_t **result,
             char **error, json_t **warnings)
{
	return http_call(h, cmd, args, result, error, warnings);
}

void
http_ps_set_host(void *h, const char *host)
{
	http_set_host(h, host);
}
