/* SPDX-License-Identifier: Apache-2.0 */
/*
 * control: the agent's control socket (doc/control-protocol.md): its
 * clients, their buffers, and the order in which requests run and
 * replies leave.  Nothing here waits: sockets are non-blocking, replies
 * are buffered and sent as the peer reads them (EPOLLOUT).
 *
 * Rules:
 *  1. requests run one at a time (commands.c), in the loop thread,
 *     between forwarding polls; one that becomes a job (lrjob.c) runs in
 *     slices of CONTROL_SLICE_NS, and no other request runs meanwhile;
 *  2. each client's replies leave in the order of its requests; a reply
 *     to a change leaves once the store says the change is on disk
 *     (its ticket), or as an error saying it is NOT SAVED;
 *  3. backpressure: a client whose unsent replies exceed OUT_HIGH bytes
 *     gets no more requests run and is not read from until they drain,
 *     so a client that never reads stalls only itself (its own socket
 *     fills up and its writes block), never forwarding or other clients;
 *  4. a line longer than PARSE_INLINE bytes (a big batch) is parsed by
 *     the parser thread (parse.h); lines of more than MAX_REQUEST bytes
 *     close the connection;
 *  5. requests from several clients are served round-robin, at most
 *     DISPATCH_NS worth per loop iteration;
 *  6. under a controller, a reply of the controller (sync.h) runs as a
 *     job of no client when no job runs; the next is asked for once it
 *     is on disk.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/parse.h"
#include "agent/store.h"
#include "agent/sync.h"
#include "lib/log.h"

#define MAX_CLIENTS 64
#define MAX_REQUEST (64u << 20)  /* one request line */
#define READ_CHUNK (128u << 10)  /* read per readiness event */
#define IN_HIGH (1u << 20)       /* queued requests: stop reading */
#define OUT_HIGH (4u << 20)      /* unsent replies: stop serving */
#define PARSE_INLINE (64u << 10) /* larger lines go to the parser */
#define CONTROL_SLICE_NS 1000000ull
#define DISPATCH_NS 1000000ull

/* A reply waiting for its ticket or for earlier replies. */
struct pending {
	struct pending *next;
	char *text; /* the line, with its '\n' */
	size_t len;
	uint64_t ticket;
	uint64_t t_start, t_visible;
	char what[96];
};

struct client {
	int fd;
	uint32_t gen; /* connection number: tags parser results */
	char *in;     /* received: [in_off, in_len) unconsumed */
	size_t in_off, in_len, in_cap;
	size_t scanned; /* [in_off, scanned) holds no '\n' */
	char *out;      /* to send: [out_off, out_len) */
	size_t out_off, out_len, out_cap;
	struct pending *pend, **pend_tail;
	size_t pend_bytes;
	bool parsing;      /* a line is in the parser thread */
	json_t *parsed;    /* ... and came back */
	char *parse_error; /* ... or failed */
	bool job;          /* its request runs as the job */
	bool eof;          /* the peer sent everything */
	uint32_t events;   /* as registered with epoll */
};

static struct client clients[MAX_CLIENTS];
static uint32_t next_gen;
static int rr;               /* round-robin start */
static int job_slot = -1;    /* whose job runs */
static uint32_t job_gen;     /* ... that connection's */
static uint64_t durable;     /* the store's last durable ticket */
static uint64_t failed;      /* ... and last failed one */
static char failed_why[256]; /* ... why */

static void client_close(struct agent *, int slot);

int
control_open(struct agent *a)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct epoll_event ev = {.events = EPOLLIN};
	char dir[sizeof(sun.sun_path)];
	char *slash;
	int fd;

	if (strlen(a->control_path) >= sizeof(sun.sun_path)) {
		log_warnx("control socket path too long: %s", a->control_path);
		return -ENAMETOOLONG;
	}
	strcpy(sun.sun_path, a->control_path);
	strcpy(dir, a->control_path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0755);
	}
	for (int i = 0; i < MAX_CLIENTS; i++)
		clients[i].fd = -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	unlink(a->control_path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    chmod(a->control_path, 0660) < 0 || listen(fd, 16) < 0) {
		int err = -errno;

		log_warn("control socket %s", a->control_path);
		close(fd);
		return err;
	}
	ev.data.u64 = EV_ID(EV_LISTEN, 0);
	epoll_ctl(a->epfd, EPOLL_CTL_ADD, fd, &ev);
	a->listen_fd = fd;

	ev.data.u64 = EV_ID(EV_STORE, 0);
	epoll_ctl(a->epfd, EPOLL_CTL_ADD, store_fd(a->store), &ev);
	return 0;
}

void
control_accept(struct agent *a)
{
	struct epoll_event ev = {.events = EPOLLIN};
	struct client *c;
	int fd, slot;

	fd = accept4(a->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	for (slot = 0; slot < MAX_CLIENTS; slot++)
		if (clients[slot].fd < 0)
			break;
	if (slot == MAX_CLIENTS) {
		LOG_RL(log_warnx("too many control clients"));
		close(fd);
		return;
	}
	c = &clients[slot];
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->gen = ++next_gen;
	c->pend_tail = &c->pend;
	c->events = EPOLLIN;
	ev.data.u64 = EV_ID(EV_CLIENT, slot);
	epoll_ctl(a->epfd, EPOLL_CTL_ADD, fd, &ev);
}

static void
client_close(struct agent *a, int slot)
{
	struct client *c = &clients[slot];

	epoll_ctl(a->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c->in);
	free(c->out);
	while (c->pend) {
		struct pending *p = c->pend;

		c->pend = p->next;
		free(p->text);
		free(p);
	}
	json_decref(c->parsed);
	free(c->parse_error);
	/* A job of this client runs on (it cannot stop halfway); its reply
	 * goes nowhere (job_gen no longer matches). */
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

void
control_close_all(struct agent *a)
{
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (clients[i].fd >= 0)
			client_close(a, i);
	if (a->listen_fd >= 0) {
		close(a->listen_fd);
		unlink(a->control_path);
	}
	if (a->job) {
		/* Unfinished: nothing of it was marked for the store. */
		a->job->destroy(a->job);
		a->job = NULL;
	}
	parser_destroy(a->parser);
	a->parser = NULL;
}

/* ---- output ---- */

static size_t
out_bytes(const struct client *c)
{
	return c->out_len - c->out_off + c->pend_bytes;
}

static void
out_append(struct client *c, const char *p, size_t n)
{
	if (c->out_off && c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	if (c->out_len + n > c->out_cap) {
		if (c->out_off) {
			memmove(c->out, c->out + c->out_off,
			        c->out_len - c->out_off);
			c->out_len -= c->out_off;
			c->out_off = 0;
		}
		while (c->out_len + n > c->out_cap)
			c->out_cap = c->out_cap ? c->out_cap * 2 : 16384;
		c->out = xrealloc(c->out, c->out_cap);
	}
	memcpy(c->out + c->out_len, p, n);
	c->out_len += n;
}

/* Sends what the socket takes: 0, or -1 if the peer is gone. */
static int
flush(struct client *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n =
		    send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
		         MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0)
			return -1;
		c->out_off += (size_t)n;
	}
	if (c->out_off == c->out_len) {
		c->out_off = c->out_len = 0;
		if (c->out_cap > (1u << 20)) {
			free(c->out);
			c->out = NULL;
			c->out_cap = 0;
		}
	}
	return 0;
}

static void
not_saved(struct pending *p)
{
	char msg[512];
	json_t *j;

	snprintf(msg, sizeof(msg),
	         "%s: in effect but NOT SAVED (lost on restart unless a later "
	         "save succeeds): %.300s",
	         p->what, failed_why);
	j = commands_error(msg);
	free(p->text);
	p->text = json_dumps(j, JSON_COMPACT);
	p->len = strlen(p->text);
	p->text = xrealloc(p->text, p->len + 2);
	p->text[p->len++] = '\n';
	json_decref(j);
}

static void
note_latency(struct agent *a, const struct pending *p, bool saved)
{
	uint64_t now = time_ns();
	uint64_t apply = p->t_visible - p->t_start, dur = now - p->t_visible;

	a->lat.changes++;
	a->lat.failed += !saved;
	a->lat.last_apply = apply;
	a->lat.last_durable = dur;
	a->lat.max_apply = MAX(a->lat.max_apply, apply);
	a->lat.max_durable = MAX(a->lat.max_durable, dur);
}

/* Moves replies whose turn has come to the output buffer. */
static void
release(struct agent *a, struct client *c)
{
	while (c->pend) {
		struct pending *p = c->pend;
		bool saved = true;

		if (p->ticket > durable) {
			if (p->ticket > failed)
				break; /* still being written */
			not_saved(p);
			saved = false;
		}
		if (p->t_visible)
			note_latency(a, p, saved);
		c->pend = p->next;
		if (!c->pend)
			c->pend_tail = &c->pend;
		c->pend_bytes -= p->len;
		out_append(c, p->text, p->len);
		free(p->text);
		free(p);
	}
}

static void
queue_reply(struct agent *a, struct client *c, struct cmd_result *r)
{
	struct pending *p = xcalloc(1, sizeof(*p));

	if (r->text) {
		p->text = r->text;
		r->text = NULL;
	} else {
		p->text =
		    json_dumps(r->reply, JSON_COMPACT | JSON_PRESERVE_ORDER);
	}
	if (!p->text)
		p->text = xstrdup("{\"ok\":false,\"error\":\"cannot encode the "
		                  "reply\"}");
	p->len = strlen(p->text);
	p->text = xrealloc(p->text, p->len + 2);
	p->text[p->len++] = '\n';
	p->ticket = r->ticket;
	p->t_start = r->t_start;
	p->t_visible = r->t_visible;
	snprintf(p->what, sizeof(p->what), "%s", r->what);
	json_decref(r->reply);
	r->reply = NULL;
	*c->pend_tail = p;
	c->pend_tail = &p->next;
	c->pend_bytes += p->len;
	release(a, c);
}

/* ---- input ---- */

static bool
has_line(struct client *c)
{
	char *nl;

	if (c->scanned < c->in_off)
		c->scanned = c->in_off;
	if (c->scanned == c->in_len)
		return false;
	nl = memchr(c->in + c->scanned, '\n', c->in_len - c->scanned);
	if (nl)
		return true;
	c->scanned = c->in_len;
	return false;
}

static bool
want_read(struct client *c)
{
	size_t queued = c->in_len - c->in_off;

	if (c->eof || out_bytes(c) >= OUT_HIGH)
		return false;
	return queued < IN_HIGH || !has_line(c);
}

/* Reads up to READ_CHUNK: 0, or -1 if the connection is to be closed. */
static int
read_some(struct client *c)
{
	size_t got = 0;

	while (got < READ_CHUNK && !c->eof) {
		ssize_t n;

		if (c->in_off &&
		    (c->in_off == c->in_len || c->in_len + 4096 > c->in_cap)) {
			memmove(c->in, c->in + c->in_off,
			        c->in_len - c->in_off);
			c->in_len -= c->in_off;
			c->scanned -= MIN(c->scanned, c->in_off);
			c->in_off = 0;
		}
		if (c->in_cap - c->in_len < 4096) {
			if (c->in_cap >= MAX_REQUEST + 4096)
				return -1; /* no line end in sight */
			c->in_cap = c->in_cap ? c->in_cap * 2 : 16384;
			c->in = xrealloc(c->in, c->in_cap);
		}
		n = recv(c->fd, c->in + c->in_len,
		         MIN(c->in_cap - c->in_len, READ_CHUNK - got),
		         MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0)
			return -1;
		if (n == 0) {
			c->eof = true;
			break;
		}
		c->in_len += (size_t)n;
		got += (size_t)n;
		if (c->in_len - c->in_off >= IN_HIGH && has_line(c))
			break;
	}
	if (c->in_len - c->in_off > MAX_REQUEST && !has_line(c)) {
		LOG_RL(log_warnx("control: request longer than %u bytes: "
		                 "closing the connection",
		                 MAX_REQUEST));
		return -1;
	}
	return 0;
}

static void
update_events(struct agent *a, int slot)
{
	struct client *c = &clients[slot];
	struct epoll_event ev;
	uint32_t want = 0;

	if (want_read(c))
		want |= EPOLLIN;
	if (c->out_off < c->out_len)
		want |= EPOLLOUT;
	if (want == c->events)
		return;
	ev.events = want;
	ev.data.u64 = EV_ID(EV_CLIENT, slot);
	epoll_ctl(a->epfd, EPOLL_CTL_MOD, c->fd, &ev);
	c->events = want;
}

/* Whether the connection is done: the peer closed its side and nothing
 * is left to run or send. */
static bool
finished(struct client *c)
{
	return c->eof && !c->parsing && !c->parsed && !c->parse_error &&
	       !c->job && !c->pend && c->out_off == c->out_len && !has_line(c);
}

/* After anything happened to a client: send, then watch what it needs,
 * or close it. */
static void
settle(struct agent *a, int slot)
{
	struct client *c = &clients[slot];

	if (c->fd < 0)
		return;
	if (flush(c) < 0 || finished(c)) {
		client_close(a, slot);
		return;
	}
	update_events(a, slot);
}

void
control_client_event(struct agent *a, int slot, uint32_t events)
{
	struct client *c = &clients[slot];

	if (c->fd < 0)
		return;
	if (events & (EPOLLHUP | EPOLLERR)) {
		/* The peer is gone both ways: nobody to answer. */
		client_close(a, slot);
		return;
	}
	if ((events & EPOLLIN) && read_some(c) < 0) {
		client_close(a, slot);
		return;
	}
	settle(a, slot);
}

/* The controller's side: a reply applied and durable is acked (the
 * thread asks for the next); a reply waiting starts as the job.  True
 * if it started one. */
static bool
sync_run(struct agent *a)
{
	json_t *reply;

	if (!a->sync || a->job)
		return false;
	if (syncapply_done(a, durable, failed, failed_why))
		sync_ack(a->sync, syncapply_revision(a->sa),
		         syncapply_epoch(a->sa));
	if (syncapply_busy(a->sa))
		return false;
	reply = sync_take(a->sync);
	if (!reply)
		return false;
	syncapply_start(a, reply);
	return true;
}

void
control_store_event(struct agent *a)
{
	store_progress(a->store, &durable, &failed, failed_why,
	               sizeof(failed_why));
	sync_run(a);
	for (int i = 0; i < MAX_CLIENTS; i++) {
		if (clients[i].fd < 0 || !clients[i].pend)
			continue;
		release(a, &clients[i]);
		settle(a, i);
	}
}

void
control_parser_event(struct agent *a)
{
	uint64_t tag;
	json_t *j;
	char err[160];

	while (parser_result(a->parser, &tag, &j, err, sizeof(err))) {
		int slot = (int)(tag >> 32);
		struct client *c = &clients[slot];

		if (slot >= MAX_CLIENTS || c->fd < 0 ||
		    c->gen != (uint32_t)tag) {
			json_decref(j);
			continue;
		}
		c->parsing = false;
		if (j)
			c->parsed = j;
		else
			c->parse_error = xasprintf("request is not valid "
			                           "JSON: %s",
			                           err);
	}
}

/* ---- running requests ---- */

static void
job_done(struct agent *a)
{
	struct job *j = a->job;
	struct client *c = job_slot >= 0 ? &clients[job_slot] : NULL;

	a->job = NULL;
	if (c && c->fd >= 0 && c->gen == job_gen) {
		c->job = false;
		queue_reply(a, c, &j->res);
		settle(a, job_slot);
	}
	job_slot = -1;
	j->destroy(j);
}

/* One slice of the job: true if it is still running. */
static bool
job_slice(struct agent *a)
{
	bool more = a->job->step(a, a->job, time_ns() + CONTROL_SLICE_NS);

	if (!more)
		job_done(a);
	return more;
}

static void
run_request(struct agent *a, int slot, json_t *req)
{
	struct client *c = &clients[slot];
	struct cmd_result r;

	commands_run(a, req, &r);
	json_decref(req);
	if (r.reply || r.text) {
		queue_reply(a, c, &r);
		return;
	}
	/* A job: it answers when done.  Small ones are done at once. */
	c->job = true;
	job_slot = slot;
	job_gen = c->gen;
	job_slice(a);
}

static void
error_reply(struct agent *a, struct client *c, const char *msg)
{
	struct cmd_result r = {0};

	r.reply = commands_error(msg);
	queue_reply(a, c, &r);
}

static bool
can_serve(struct client *c)
{
	if (c->fd < 0 || c->parsing || c->job || out_bytes(c) >= OUT_HIGH)
		return false;
	return c->parsed || c->parse_error || has_line(c);
}

/* Runs the client's next request, or hands it to the parser. */
static void
serve_one(struct agent *a, int slot)
{
	struct client *c = &clients[slot];
	json_error_t jerr;
	json_t *req;
	char *line, *nl;
	size_t len;

	if (c->parsed) {
		req = c->parsed;
		c->parsed = NULL;
		run_request(a, slot, req);
		return;
	}
	if (c->parse_error) {
		error_reply(a, c, c->parse_error);
		free(c->parse_error);
		c->parse_error = NULL;
		return;
	}
	line = c->in + c->in_off;
	nl = memchr(c->in + c->scanned, '\n', c->in_len - c->scanned);
	len = (size_t)(nl - line);
	if (len > PARSE_INLINE) {
		/* The parser takes the whole input buffer; what follows the
		 * line (usually nothing) moves to a new one. */
		char *buf = c->in;
		size_t off = c->in_off, rest = c->in_len - off - len - 1;

		c->in = NULL;
		c->in_cap = c->in_off = c->in_len = c->scanned = 0;
		if (rest) {
			c->in_cap = MAX(rest + 4096, 16384);
			c->in = xmalloc(c->in_cap);
			memcpy(c->in, nl + 1, rest);
			c->in_len = rest;
		}
		c->parsing = true;
		if (!a->parser) {
			/* Made on first use: after start-up dropped the
			 * capabilities it does not need (they are per
			 * thread, inherited at creation). */
			struct epoll_event ev = {.events = EPOLLIN};

			a->parser = parser_create();
			ev.data.u64 = EV_ID(EV_PARSER, 0);
			epoll_ctl(a->epfd, EPOLL_CTL_ADD, parser_fd(a->parser),
			          &ev);
		}
		parser_submit(a->parser, (uint64_t)slot << 32 | c->gen, buf,
		              off, len);
		return;
	}
	c->in_off += len + 1;
	c->scanned = c->in_off;
	if (!len)
		return;
	req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!req) {
		char msg[256];

		snprintf(msg, sizeof(msg), "request is not valid JSON: %s",
		         jerr.text);
		error_reply(a, c, msg);
		return;
	}
	run_request(a, slot, req);
}

static int
control_run__(struct agent *a)
{
	uint64_t deadline;
	bool busy = false;

	if (a->job) {
		if (job_slice(a))
			return 0; /* back to forwarding, then more */
	}
	if (sync_run(a) && job_slice(a))
		return 0;
	sync_run(a); /* done at once: acked */
	deadline = time_ns() + DISPATCH_NS;
	for (bool progress = true; progress && !a->job;) {
		progress = false;
		for (int k = 0; k < MAX_CLIENTS && !a->job; k++) {
			int slot = (rr + k) % MAX_CLIENTS;

			if (!can_serve(&clients[slot]))
				continue;
			if (time_ns() >= deadline) {
				busy = true;
				break;
			}
			serve_one(a, slot);
			settle(a, slot);
			progress = true;
		}
		rr = (rr + 1) % MAX_CLIENTS;
		if (busy)
			break;
	}
	/* Clients that were blocked may read again now. */
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (clients[i].fd >= 0)
			settle(a, i);
	return a->job || busy ? 0 : -1;
}

/* Everything the control side does between two polls of the ports; the
 * longest such hold is reported by `stats` (control.max_slice_us). */
int
control_run(struct agent *a)
{
	uint64_t t0 = time_ns();
	int timeout = control_run__(a);

	a->lat.max_slice = MAX(a->lat.max_slice, time_ns() - t0);
	return timeout;
}
