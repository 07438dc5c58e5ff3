/* SPDX-License-Identifier: Apache-2.0 */
/*
 * client: the control socket client (see client.h).  Bytes after the
 * newline that ends a reply are kept for the next one, although the agent
 * answers one request at a time.  Paged replies (a "next" beside
 * "result") are followed here, so callers see one result.
 */
#include "ctl/client.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/util.h"

struct client {
	int fd;
	char *buf; /* received, not yet consumed */
	size_t len, cap;
};

int
client_open(const char *path, struct client **out)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct client *c;
	int fd, err;

	*out = NULL;
	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	while (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		if (errno == EINTR)
			continue;
		err = -errno;
		close(fd);
		return err;
	}
	c = xcalloc(1, sizeof(*c));
	c->fd = fd;
	*out = c;
	return 0;
}

void
client_close(struct client *c)
{
	if (!c)
		return;
	close(c->fd);
	free(c->buf);
	free(c);
}

static int
send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Reads until buf holds a full line; returns its length (without the
 * newline) or a negative errno. */
static long
read_line(struct client *c)
{
	size_t scanned = 0;

	for (;;) {
		char *nl = c->len > scanned ? memchr(c->buf + scanned, '\n',
		                                     c->len - scanned)
		                            : NULL;
		struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
		ssize_t r;
		int pr;

		if (nl)
			return nl - c->buf;
		scanned = c->len;
		if (c->len >= CLIENT_MAX_REPLY)
			return -EMSGSIZE;
		if (c->cap - c->len < 4096) {
			c->cap = c->cap ? 2 * c->cap : 65536;
			c->buf = xrealloc(c->buf, c->cap);
		}
		pr = poll(&pfd, 1, CLIENT_TIMEOUT_MS);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0)
			return -errno;
		if (pr == 0)
			return -ETIMEDOUT;
		r = read(c->fd, c->buf + c->len, c->cap - c->len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ECONNRESET;
		c->len += (size_t)r;
	}
}

static int
transport_error(char **error, int err, const char *what)
{
	if (err == -ETIMEDOUT)
		*error = xasprintf("no reply from the agent within %d s",
		                   CLIENT_TIMEOUT_MS / 1000);
	else if (err == -ECONNRESET || err == -EPIPE)
		*error = xstrdup("the agent closed the connection");
	else if (err == -EMSGSIZE)
		*error = xasprintf("the agent's reply exceeds %u bytes",
		                   CLIENT_MAX_REPLY);
	else
		*error = xasprintf("%s: %s", what, strerror(-err));
	return err;
}

/* One request, one reply; '*next' gets the reply's "next", if any. */
static int
call_once(struct client *c, const char *cmd, json_t *args, json_t **result,
          char **error, json_t **warnings, json_t **next)
{
	json_t *req, *reply, *ok, *w;
	json_error_t jerr;
	char *line;
	long n;
	int r;

	*result = NULL;
	*error = NULL;
	if (warnings)
		*warnings = NULL;
	req = json_pack("{ssso}", "cmd", cmd, "args",
	                args ? json_incref(args) : json_object());
	line = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (!line) {
		*error = xstrdup("cannot encode the request");
		return -EINVAL;
	}
	if (strlen(line) >= CLIENT_MAX_REQUEST) {
		*error =
		    xasprintf("the request is %zu MB, more than the "
		              "agent takes (%u MB): split it",
		              strlen(line) >> 20, CLIENT_MAX_REQUEST >> 20);
		free(line);
		return -E2BIG;
	}
	r = send_all(c->fd, line, strlen(line));
	if (r == 0)
		r = send_all(c->fd, "\n", 1);
	free(line);
	if (r < 0)
		return transport_error(error, r, "cannot send to the agent");
	n = read_line(c);
	if (n < 0)
		return transport_error(error, (int)n, "cannot read the reply");
	reply = json_loadb(c->buf, (size_t)n, 0, &jerr);
	c->len -= (size_t)n + 1;
	memmove(c->buf, c->buf + n + 1, c->len);
	if (!reply) {
		*error =
		    xasprintf("the agent's reply is not JSON: %s", jerr.text);
		return -EPROTO;
	}
	ok = json_object_get(reply, "ok");
	if (!json_is_boolean(ok)) {
		json_decref(reply);
		*error = xstrdup("the agent's reply has no \"ok\"");
		return -EPROTO;
	}
	w = json_object_get(reply, "warnings");
	if (warnings && json_is_array(w))
		*warnings = json_incref(w);
	if (json_is_true(ok)) {
		json_t *res = json_object_get(reply, "result");

		*result = res ? json_incref(res) : json_null();
		if (json_is_object(json_object_get(reply, "next")))
			*next = json_incref(json_object_get(reply, "next"));
		r = 0;
	} else {
		const char *e =
		    json_string_value(json_object_get(reply, "error"));

		*error = xstrdup(e ? e : "request failed (no message)");
		r = -EINVAL;
	}
	json_decref(reply);
	return r;
}

/* Appends a page to what came before: arrays are concatenated, and so
 * are the arrays inside objects (policy.get). */
static void
merge_page(json_t **acc, json_t *page)
{
	const char *key;
	json_t *v;

	if (!*acc) {
		*acc = json_incref(page);
		return;
	}
	if (json_is_array(*acc) && json_is_array(page)) {
		json_array_extend(*acc, page);
		return;
	}
	if (!json_is_object(*acc) || !json_is_object(page))
		return;
	json_object_foreach(page, key, v)
	{
		json_t *have = json_object_get(*acc, key);

		if (json_is_array(have) && json_is_array(v))
			json_array_extend(have, v);
		else
			json_object_set(*acc, key, v);
	}
}

int
client_call(struct client *c, const char *cmd, json_t *args, json_t **result,
            char **error, json_t **warnings)
{
	json_t *acc = NULL, *page_args = NULL, *next = NULL, *res;
	char *last = NULL;
	int r;

	if (warnings)
		*warnings = NULL;
	for (;;) {
		next = NULL;
		r = call_once(c, cmd, page_args ? page_args : args, &res, error,
		              warnings && !*warnings ? warnings : NULL, &next);
		if (r) {
			json_decref(acc);
			break;
		}
		merge_page(&acc, res);
		json_decref(res);
		if (!next)
			break;
		/* The same request from where the page ended. */
		{
			char *now =
			    json_dumps(next, JSON_COMPACT | JSON_SORT_KEYS);

			if (last && now && !strcmp(last, now)) {
				free(now);
				json_decref(acc);
				*error = xstrdup("the agent repeated a page "
				                 "cursor");
				r = -EPROTO;
				break;
			}
			free(last);
			last = now;
		}
		json_decref(page_args);
		page_args = args ? json_deep_copy(args) : json_object();
		json_object_update(page_args, next);
		json_decref(next);
	}
	json_decref(next);
	json_decref(page_args);
	free(last);
	*result = r ? NULL : acc;
	return r;
}

int
client_ps_call(void *client, const char *cmd, json_t *args, json_t **result,
               char **error, json_t **warnings)
{
	return client_call(client, cmd, args, result, error, warnings);
}
