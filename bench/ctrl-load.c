/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ctrl-load: bench/controller's HTTP client of hnv-controller: writers,
 * snapshot readers and many simulated agents long-polling their change
 * feeds (doc/controller.md "Agent sync"), over real TCP connections to
 * the controller (HTTP/1.1, keep-alive, raw sockets and epoll: one
 * thread holds a thousand long polls).
 *
 *   ctrl-load PORT TOKENFILE routes NVSIDS
 *       the customer routes of the big routing domain (RD1): VSIDs
 *       10000.. one /22 each, one batch
 *   ctrl-load PORT TOKENFILE post NAME FIRST COUNT CLIENTS
 *       COUNT lookup records (FIRST..) created one POST at a time over
 *       CLIENTS connections (one thread each)
 *   ctrl-load PORT TOKENFILE batch NAME FIRST COUNT SIZE
 *       COUNT records (FIRST..) in POST /v1/batch requests of SIZE
 *   ctrl-load PORT TOKENFILE snapshot NAME HOST LIMIT
 *       HOST's whole snapshot: GET .../changes?after=0&limit=LIMIT and
 *       the pages after it until "more" is false
 *   ctrl-load PORT TOKENFILE fanout NAME AGENTS CHANGES IDLE_FIRST IDLE_N
 *       AGENTS agents (hosts fa0000..) registered, each with a VM
 *       adapter in the fan-out routing domain (RD2, VSID 5000), each
 *       long-polling (wait=30) after its revision; CHANGES lookup record
 *       PATCHes in RD2, one at a time: for each agent, the time from just
 *       before the PATCH is sent to the reply carrying it; then IDLE_N
 *       records created in RD1 (which no agent needs) one POST at a time
 *       while every agent polls
 *
 *   ctrl-load PORT TOKENFILE adapters HOST NVSIDS
 *       a switch on HOST and one VM adapter in each of the VSIDs
 *       10000..10000+NVSIDS-1 (batches of 10000), so HOST needs them all
 *
 * Record i: VSID 10000 + i / PER, MAC 02:00 + i, PA 192.168.0.(40 + i %
 * 100); its CA: 10.0.0.0 + (i / PER) * 1024 + i % PER + 2 (the VSID's
 * /22 of RD1, past its gateway address), or, with NETS, 10.0.0.(i % PER
 * + 2): every VSID is then a VM network of its own (a routing domain
 * with one /22 customer route, 10.0.0.0/22 in each: the addresses
 * overlap, as tenants' do).
 *
 * Environment: HNV_LOAD_PER (records per VSID, default 1000, at most
 * 1000); HNV_LOAD_NETS (0: every VSID in RD1, the default; N: each VSID
 * its own routing domain, N of them); HNV_LOAD_AGENT_NETS K (default 0):
 * each fan-out agent also has adapters in K of the NETS VM networks
 * (agent a in a*K .. a*K+K-1, modulo NETS), so each has their records
 * to load and to resync.
 *
 * Prints "metric NAME VALUE UNIT" lines (bench/agent's format); exits 1
 * on any unexpected reply.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RD1 "{12345678-1000-2000-3000-000000000001}"
#define RD2 "{12345678-1000-2000-3000-000000000002}"
#define FAN_VSID 5000
#define FAN_RECORDS 10

static int port;
static char token[256];
static long per_vsid = 1000; /* records per VSID */
static long nets;            /* 0: one routing domain (RD1); else VM networks */
static long agent_nets;      /* VM networks per fan-out agent */

static void
die(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "ctrl-load: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

static double
now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void
metric(const char *prefix, const char *name, double v, const char *unit)
{
	if (v == (double)(long long)v)
		printf("metric %s%s %lld %s\n", prefix, name, (long long)v,
		       unit);
	else
		printf("metric %s%s %.3f %s\n", prefix, name, v, unit);
	fflush(stdout);
}

static void *
xmalloc(size_t n)
{
	void *p = malloc(n);
	if (!p)
		die("out of memory");
	return p;
}

static void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p)
		die("out of memory");
	return p;
}

/* ------------------------------------------------------------------ */
/* a growing string */

struct buf {
	char *p;
	size_t n, cap;
};

static void
buf_add(struct buf *b, const char *s, size_t len)
{
	if (b->n + len + 1 > b->cap) {
		b->cap = (b->n + len + 1) * 2;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, s, len);
	b->n += len;
	b->p[b->n] = '\0';
}

static void
buf_printf(struct buf *b, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		die("buf_printf: too long");
	buf_add(b, tmp, (size_t)n);
}

/* ------------------------------------------------------------------ */
/* HTTP/1.1 over one TCP connection */

struct conn {
	int fd;
	struct buf in; /* what was read of the current reply */
	int status;
	size_t body_off, body_len; /* once the head is whole */
	bool head;
	/* agents */
	int idx;
	uint64_t rev;
	bool busy;   /* a request is out */
	double sent; /* when */
	bool got;    /* the current change reached it */
	double got_at;
	uint64_t got_rev;
};

static int
tcp_connect(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
	                        .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	if (fd < 0)
		die("socket: %s", strerror(errno));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)))
		die("connect to 127.0.0.1:%d: %s", port, strerror(errno));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static void
set_block(int fd, bool block)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 ||
	    fcntl(fd, F_SETFL, block ? fl & ~O_NONBLOCK : fl | O_NONBLOCK))
		die("fcntl: %s", strerror(errno));
}

static void
conn_open(struct conn *c)
{
	memset(c, 0, sizeof(*c));
	c->fd = tcp_connect();
}

static void
conn_close(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->in.p);
	c->in = (struct buf){0};
}

static void
send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			/* a non-blocking agent socket with a full buffer
			 * (requests are small: should not happen) */
			usleep(100);
			continue;
		}
		if (w <= 0)
			die("send: %s", strerror(errno));
		p += w;
		n -= (size_t)w;
	}
}

static void
conn_send(struct conn *c, const char *method, const char *path,
          const char *body, size_t len)
{
	char head[1024];
	int n = snprintf(head, sizeof(head),
	                 "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	                 "Authorization: Bearer %s\r\n",
	                 method, path, token);
	if (body)
		n += snprintf(head + n, sizeof(head) - (size_t)n,
		              "Content-Type: application/json\r\n"
		              "Content-Length: %zu\r\n",
		              len);
	n += snprintf(head + n, sizeof(head) - (size_t)n, "\r\n");
	if (body && len < 64 * 1024) {
		/* one segment for small requests */
		char *all = xmalloc((size_t)n + len);
		memcpy(all, head, (size_t)n);
		memcpy(all + n, body, len);
		send_all(c->fd, all, (size_t)n + len);
		free(all);
	} else {
		send_all(c->fd, head, (size_t)n);
		if (body)
			send_all(c->fd, body, len);
	}
	c->in.n = 0;
	c->head = false;
}

/* 1 when c->in holds a whole reply, 0 when more is needed. */
static int
conn_parse(struct conn *c)
{
	if (!c->head) {
		char *e = c->in.p ? strstr(c->in.p, "\r\n\r\n") : NULL;
		if (!e)
			return 0;
		if (strncmp(c->in.p, "HTTP/1.", 7))
			die("not an HTTP reply: %.40s", c->in.p);
		c->status = atoi(c->in.p + 9);
		c->body_off = (size_t)(e + 4 - c->in.p);
		c->body_len = 0;
		*e = '\0';
		const char *cl = strcasestr(c->in.p, "\r\nContent-Length:");
		if (cl)
			c->body_len = strtoul(cl + 17, NULL, 10);
		else if (strcasestr(c->in.p, "chunked"))
			die("chunked replies are not handled");
		*e = '\r';
		c->head = true;
	}
	return c->in.n >= c->body_off + c->body_len;
}

/* Reads what is there (non-blocking) or until a reply is whole
 * (blocking): 1 a whole reply, 0 not yet, -1 the peer closed. */
static int
conn_read(struct conn *c, bool block)
{
	for (;;) {
		if (c->in.cap - c->in.n < 65536 + 1) {
			c->in.cap = c->in.cap * 2 + 65536 * 2;
			c->in.p = xrealloc(c->in.p, c->in.cap);
		}
		ssize_t r =
		    recv(c->fd, c->in.p + c->in.n, c->in.cap - c->in.n - 1, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN && !block)
			return 0;
		if (r < 0)
			die("recv: %s", strerror(errno));
		if (r == 0)
			return -1;
		c->in.n += (size_t)r;
		c->in.p[c->in.n] = '\0';
		if (conn_parse(c))
			return 1;
	}
}

static const char *
conn_body(const struct conn *c)
{
	return c->in.p + c->body_off;
}

/* A blocking call: the reply's status, the body in c. */
static int
call(struct conn *c, const char *method, const char *path, const char *body,
     size_t len)
{
	conn_send(c, method, path, body, len);
	if (conn_read(c, true) != 1) {
		/* an idle keep-alive connection the server closed: once more
		 * on a new one (only if nothing of a reply came) */
		if (c->in.n)
			die("%s %s: the connection closed mid-reply", method,
			    path);
		conn_close(c);
		conn_open(c);
		conn_send(c, method, path, body, len);
		if (conn_read(c, true) != 1)
			die("%s %s: the connection closed", method, path);
	}
	return c->status;
}

static void
call_ok(struct conn *c, const char *method, const char *path, const char *body,
        size_t len)
{
	int st = call(c, method, path, body, len);
	if (st != 200 && st != 201 && st != 204)
		die("%s %s: %d %.600s", method, path, st, conn_body(c));
}

/* "key":NUMBER in a reply body. */
static uint64_t
json_num(const char *body, const char *key)
{
	char pat[64];
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	const char *p = strstr(body, pat);
	if (!p)
		die("no '%s' in %.200s", key, body);
	return strtoull(p + strlen(pat), NULL, 10);
}

static bool
json_more(const char *body)
{
	/* the feed's head: {"epoch":..,"revision":..,"reset":..,"more":.. */
	const char *p = strstr(body, "\"more\":");
	if (!p)
		die("no 'more' in %.200s", body);
	return p[7] == 't';
}

static size_t
count_changes(const char *body)
{
	size_t n = 0;
	for (const char *p = body; (p = strstr(p, "{\"op\":")); p++)
		n++;
	return n;
}

/* ------------------------------------------------------------------ */
/* the objects */

static void
rec_body(struct buf *b, uint64_t i)
{
	uint64_t v = i / (uint64_t)per_vsid;
	uint32_t ca = (10u << 24) + (uint32_t)((nets ? 0 : v * 1024) +
	                                       i % (uint64_t)per_vsid + 2);
	buf_printf(b,
	           "{\"customerAddress\":\"%u.%u.%u.%u\","
	           "\"virtualSubnetId\":%llu,"
	           "\"macAddress\":\"02:00:%02x:%02x:%02x:%02x\","
	           "\"providerAddress\":\"192.168.0.%u\",\"rule\":\"encap\"}",
	           ca >> 24, ca >> 16 & 255, ca >> 8 & 255, ca & 255,
	           (unsigned long long)(10000 + v), (unsigned)(i >> 24 & 255),
	           (unsigned)(i >> 16 & 255), (unsigned)(i >> 8 & 255),
	           (unsigned)(i & 255), (unsigned)(40 + i % 100));
}

static void
batch_begin(struct buf *b)
{
	b->n = 0;
	buf_add(b, "{\"ops\":[", 8);
}

static void
batch_op(struct buf *b, bool first, const char *path)
{
	buf_printf(b, "%s{\"method\":\"POST\",\"path\":\"%s\",\"body\":",
	           first ? "" : ",", path);
}

static void
batch_send(struct conn *c, struct buf *b)
{
	buf_add(b, "]}", 2);
	call_ok(c, "POST", "/v1/batch", b->p, b->n);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double
pct(double *v, size_t n, double p)
{
	size_t i = (size_t)((double)n * p / 100.0);
	return v[i < n ? i : n - 1];
}

/* ------------------------------------------------------------------ */
/* routes */

static int
do_routes(long nvsids)
{
	struct conn c;
	struct buf b = {0};
	conn_open(&c);
	batch_begin(&b);
	for (long v = 0; v < nvsids; v++) {
		uint32_t net = (10u << 24) + (uint32_t)(nets ? 0 : v * 1024);
		char rd[64];
		/* RD1 is ...000000000001; the VM networks' ...1vvvvvvvvvvv */
		if (nets)
			snprintf(rd, sizeof(rd),
			         "{12345678-1000-2000-3000-1%011lx}", v);
		else
			snprintf(rd, sizeof(rd), "%s", RD1);
		batch_op(&b, v % 10000 == 0, "/v1/customer-routes");
		buf_printf(
		    &b,
		    "{\"routingDomainId\":\"%s\",\"virtualSubnetId\":%ld,"
		    "\"destinationPrefix\":\"%u.%u.%u.0/22\","
		    "\"nextHop\":\"0.0.0.0\"}}",
		    rd, 10000 + v, net >> 24, net >> 16 & 255, net >> 8 & 255);
		if (v % 10000 == 9999 || v == nvsids - 1) {
			batch_send(&c, &b);
			batch_begin(&b);
		}
	}
	free(b.p);
	conn_close(&c);
	return 0;
}

/* ------------------------------------------------------------------ */
/* adapters: a host that needs every VSID */

static int
do_adapters(const char *host, long nvsids)
{
	struct conn c;
	struct buf b = {0};
	char path[256];
	long k = 0; /* ops in the batch being built */
	conn_open(&c);
	batch_begin(&b);
	snprintf(path, sizeof(path), "/v1/hosts/%s/switches", host);
	batch_op(&b, k++ == 0, path);
	buf_printf(&b, "{\"name\":\"sw\",\"netAdapterName\":\"eth0\"}}");
	snprintf(path, sizeof(path), "/v1/hosts/%s/vm-adapters", host);
	for (long v = 0; v < nvsids; v++) {
		batch_op(&b, k++ == 0, path);
		buf_printf(&b,
		           "{\"vmName\":\"%s-vm%ld\",\"name\":\"eth0\","
		           "\"switchName\":\"sw\","
		           "\"macAddress\":\"04:02:00:%02lx:%02lx:%02lx\","
		           "\"virtualSubnetId\":%ld}}",
		           host, v, v >> 16 & 255, v >> 8 & 255, v & 255,
		           10000 + v);
		if (k == 10000 || v == nvsids - 1) {
			batch_send(&c, &b);
			batch_begin(&b);
			k = 0;
		}
	}
	free(b.p);
	conn_close(&c);
	return 0;
}

/* ------------------------------------------------------------------ */
/* post: one record per request */

struct poster {
	pthread_t th;
	uint64_t first, count;
	double *lat;
};

static void *
poster_run(void *arg)
{
	struct poster *p = arg;
	struct conn c;
	struct buf b = {0};
	conn_open(&c);
	for (uint64_t i = 0; i < p->count; i++) {
		b.n = 0;
		rec_body(&b, p->first + i);
		double t0 = now();
		int st = call(&c, "POST", "/v1/lookup-records", b.p, b.n);
		p->lat[i] = now() - t0;
		if (st != 201)
			die("POST /v1/lookup-records: %d %.300s", st,
			    conn_body(&c));
	}
	free(b.p);
	conn_close(&c);
	return NULL;
}

static int
do_post(const char *name, uint64_t first, uint64_t count, long clients)
{
	struct poster *ps = calloc((size_t)clients, sizeof(*ps));
	double *lat = xmalloc(count * sizeof(*lat));
	uint64_t per = count / (uint64_t)clients, at = 0;

	double t0 = now();
	for (long i = 0; i < clients; i++) {
		ps[i].first = first + at;
		ps[i].count = i == clients - 1 ? count - at : per;
		ps[i].lat = lat + at;
		at += ps[i].count;
		pthread_create(&ps[i].th, NULL, poster_run, &ps[i]);
	}
	for (long i = 0; i < clients; i++)
		pthread_join(ps[i].th, NULL);
	double secs = now() - t0;
	qsort(lat, count, sizeof(*lat), cmp_double);
	char pre[128];
	snprintf(pre, sizeof(pre), "%s_", name);
	metric(pre, "records", (double)count, "count");
	metric(pre, "clients", (double)clients, "count");
	metric(pre, "rate", (double)(long long)((double)count / secs),
	       "records/s");
	metric(pre, "latency_p50",
	       (double)(long long)(pct(lat, count, 50) * 1e6), "us");
	metric(pre, "latency_p99",
	       (double)(long long)(pct(lat, count, 99) * 1e6), "us");
	metric(pre, "seconds", secs, "s");
	free(lat);
	free(ps);
	return 0;
}

/* ------------------------------------------------------------------ */
/* batch */

static int
do_batch(const char *name, uint64_t first, uint64_t count, uint64_t size)
{
	struct conn c;
	struct buf b = {0};
	size_t nb = (count + size - 1) / size, k = 0;
	double *t = xmalloc(nb * sizeof(*t)), body_bytes = 0;

	conn_open(&c);
	double t0 = now();
	for (uint64_t at = 0; at < count; at += size, k++) {
		uint64_t n = count - at < size ? count - at : size;
		batch_begin(&b);
		for (uint64_t i = 0; i < n; i++) {
			batch_op(&b, i == 0, "/v1/lookup-records");
			rec_body(&b, first + at + i);
			buf_add(&b, "}", 1);
		}
		buf_add(&b, "]}", 2);
		body_bytes = (double)b.n;
		double t1 = now();
		call_ok(&c, "POST", "/v1/batch", b.p, b.n);
		t[k] = now() - t1;
		if (json_num(conn_body(&c), "created") != n)
			die("batch: not every record was created: %.300s",
			    conn_body(&c));
	}
	double secs = now() - t0;
	double sum = 0;
	for (size_t i = 0; i < nb; i++)
		sum += t[i];
	qsort(t, nb, sizeof(*t), cmp_double);
	char pre[128];
	snprintf(pre, sizeof(pre), "%s_", name);
	metric(pre, "records", (double)count, "count");
	metric(pre, "batch_size", (double)size, "records");
	metric(pre, "batches", (double)nb, "count");
	/* the requests only: building the bodies is the client's */
	metric(pre, "rate", (double)(long long)((double)count / sum),
	       "records/s");
	metric(pre, "batch_median", (double)(long long)(pct(t, nb, 50) * 1000),
	       "ms");
	metric(pre, "batch_max", (double)(long long)(t[nb - 1] * 1000), "ms");
	metric(pre, "body_bytes_last", body_bytes, "bytes");
	metric(pre, "seconds", secs, "s");
	free(t);
	free(b.p);
	conn_close(&c);
	return 0;
}

/* ------------------------------------------------------------------ */
/* snapshot */

static int
do_snapshot(const char *name, const char *host, long limit)
{
	struct conn c;
	char path[256];
	size_t pages = 0, bytes = 0, changes = 0;
	double first_page = 0, max_page = 0;
	uint64_t rev;

	conn_open(&c);
	snprintf(path, sizeof(path), "/v1/hosts/%s/changes?after=0&limit=%ld",
	         host, limit);
	double t0 = now();
	for (;;) {
		double t1 = now();
		call_ok(&c, "GET", path, NULL, 0);
		double dt = now() - t1;
		if (!pages)
			first_page = dt;
		if (dt > max_page)
			max_page = dt;
		pages++;
		bytes += c.body_len;
		changes += count_changes(conn_body(&c));
		rev = json_num(conn_body(&c), "revision");
		if (!json_more(conn_body(&c)))
			break;
		if (rev != 0)
			die("snapshot: a page before the last with revision "
			    "%llu",
			    (unsigned long long)rev);
	}
	double secs = now() - t0;
	char pre[128];
	snprintf(pre, sizeof(pre), "%s_", name);
	metric(pre, "objects", (double)changes, "count");
	metric(pre, "pages", (double)pages, "count");
	metric(pre, "bytes", (double)bytes, "bytes");
	metric(pre, "bytes_per_object",
	       (double)(long long)((double)bytes / (double)changes), "bytes");
	metric(pre, "seconds", secs, "s");
	metric(pre, "first_page", (double)(long long)(first_page * 1000), "ms");
	metric(pre, "page_max", (double)(long long)(max_page * 1000), "ms");
	metric(pre, "revision", (double)rev, "rev");
	conn_close(&c);
	return 0;
}

/* ------------------------------------------------------------------ */
/* fan-out */

static int ep;

static void
agent_poll(struct conn *a, bool wait)
{
	char path[256];
	snprintf(path, sizeof(path),
	         "/v1/hosts/fa%04d/changes?after=%llu&limit=10000%s", a->idx,
	         (unsigned long long)a->rev, wait ? "&wait=30" : "");
	conn_send(a, "GET", path, NULL, 0);
	a->busy = true;
	a->sent = now();
}

/* Runs the agents' sockets until 'done' says so or 'secs' pass: each
 * reply is taken (a->rev, a->got when it reaches 'target') and, when
 * 'repoll', followed at once by the next long poll. */
static void
agents_run(struct conn *ag, long n, struct conn *writer, uint64_t *target,
           bool repoll, double secs, bool (*done)(struct conn *, long))
{
	struct epoll_event ev[256];
	double end = now() + secs;

	while (!done(ag, n)) {
		double left = end - now();
		if (left <= 0)
			die("agents: no progress for %.0f s", secs);
		int k = epoll_wait(ep, ev, 256, (int)(left * 1000) + 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			die("epoll_wait: %s", strerror(errno));
		double t = now();
		for (int i = 0; i < k; i++) {
			struct conn *a = ev[i].data.ptr;
			int r = conn_read(a, false);
			if (r < 0)
				die("%s: the controller closed the "
				    "connection",
				    a == writer ? "writer" : "agent");
			if (r == 0)
				continue;
			if (a == writer) {
				if (a->status != 200)
					die("PATCH: %d %.300s", a->status,
					    conn_body(a));
				*target = json_num(conn_body(a), "revision");
				a->busy = false;
				a->got_at = t;
				continue;
			}
			if (a->status != 200)
				die("changes: %d %.300s", a->status,
				    conn_body(a));
			a->busy = false;
			bool more = json_more(conn_body(a));
			uint64_t rev = json_num(conn_body(a), "revision");
			if (rev)
				a->rev = rev;
			/* one change per round: the first reply with
			 * changes carries it (checked against the write's
			 * revision once the round is over) */
			if (!a->got && count_changes(conn_body(a))) {
				a->got = true;
				a->got_at = t;
				a->got_rev = a->rev;
			}
			if (repoll || more)
				agent_poll(a, !more);
		}
	}
}

static struct conn *the_writer;

static bool
all_idle(struct conn *ag, long n)
{
	for (long i = 0; i < n; i++)
		if (ag[i].busy)
			return false;
	return true;
}

static bool
all_got(struct conn *ag, long n)
{
	if (the_writer->busy)
		return false;
	for (long i = 0; i < n; i++)
		if (!ag[i].got)
			return false;
	return true;
}

static void
raise_nofile(long need)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	if (rl.rlim_cur < (rlim_t)need) {
		rl.rlim_cur =
		    rl.rlim_max < (rlim_t)need ? rl.rlim_max : (rlim_t)need;
		if (setrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur < (rlim_t)need)
			die("RLIMIT_NOFILE: need %ld open files", need);
	}
}

static int
do_fanout(const char *name, long n, long changes, uint64_t idle_first,
          long idle_n)
{
	struct conn w, *ag = calloc((size_t)n, sizeof(*ag));
	struct buf b = {0};
	char path[256];
	uint64_t target = 0;

	raise_nofile(n + 64);
	conn_open(&w);
	the_writer = &w;

	/* the domain: one route, FAN_RECORDS records (kept from an earlier
	 * run, whose changes made them differ) */
	static const char route[] =
	    "{\"routingDomainId\":\"" RD2 "\",\"virtualSubnetId\":5000,"
	    "\"destinationPrefix\":\"172.16.0.0/16\",\"nextHop\":\"0.0.0.0\"}";
	call_ok(&w, "POST", "/v1/customer-routes", route, sizeof(route) - 1);
	uint64_t rec_id[FAN_RECORDS];
	for (int k = 0; k < FAN_RECORDS; k++) {
		snprintf(path, sizeof(path),
		         "/v1/lookup-records?virtualSubnetId=%d&"
		         "customerAddress=172.16.1.%d",
		         FAN_VSID, 10 + k);
		call_ok(&w, "GET", path, NULL, 0);
		if (!strstr(conn_body(&w), "\"id\":")) {
			b.n = 0;
			buf_printf(&b,
			           "{\"customerAddress\":\"172.16.1.%d\","
			           "\"virtualSubnetId\":%d,"
			           "\"macAddress\":\"06:00:00:00:01:%02x\","
			           "\"providerAddress\":\"192.168.1.%d\","
			           "\"rule\":\"encap\"}",
			           10 + k, FAN_VSID, k, 10 + k);
			call_ok(&w, "POST", "/v1/lookup-records", b.p, b.n);
		}
		rec_id[k] = json_num(conn_body(&w), "id");
	}

	/* the agents: register, a switch and an adapter each (one batch) */
	double t0 = now();
	for (long i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/v1/hosts/fa%04ld/agent", i);
		static const char reg[] =
		    "{\"version\":\"bench\",\"encap\":\"nvgre\"}";
		call_ok(&w, "PUT", path, reg, sizeof(reg) - 1);
	}
	double reg_secs = now() - t0;
	batch_begin(&b);
	long k = 0; /* ops in the batch */
	double adapters_secs = 0;
	for (long i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/v1/hosts/fa%04ld/switches", i);
		batch_op(&b, k++ == 0, path);
		buf_printf(&b,
		           "{\"name\":\"sw\",\"netAdapterName\":\"eth0\"}}");
		snprintf(path, sizeof(path), "/v1/hosts/fa%04ld/vm-adapters",
		         i);
		batch_op(&b, false, path);
		buf_printf(&b,
		           "{\"vmName\":\"fa%04ld-vm\",\"name\":\"eth0\","
		           "\"switchName\":\"sw\","
		           "\"macAddress\":\"04:00:00:00:%02lx:%02lx\","
		           "\"virtualSubnetId\":%d}}",
		           i, i >> 8 & 255, i & 255, FAN_VSID);
		k++;
		for (long j = 0; nets && j < agent_nets; j++) {
			batch_op(&b, false, path);
			buf_printf(&b,
			           "{\"vmName\":\"fa%04ld-vm%ld\","
			           "\"name\":\"eth0\",\"switchName\":\"sw\","
			           "\"macAddress\":"
			           "\"04:01:%02lx:%02lx:00:%02lx\","
			           "\"virtualSubnetId\":%ld}}",
			           i, j, i >> 8 & 255, i & 255, j & 255,
			           10000 + (i * agent_nets + j) % nets);
			k++;
		}
		if (k >= 10000 || i == n - 1) {
			t0 = now();
			batch_send(&w, &b);
			adapters_secs += now() - t0;
			batch_begin(&b);
			k = 0;
		}
	}

	/* connect; every agent's snapshot (after=0), all at once */
	ep = epoll_create1(EPOLL_CLOEXEC);
	for (long i = 0; i < n; i++) {
		conn_open(&ag[i]);
		ag[i].idx = (int)i;
		struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &ag[i]};
		epoll_ctl(ep, EPOLL_CTL_ADD, ag[i].fd, &ev);
	}
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &w};
	epoll_ctl(ep, EPOLL_CTL_ADD, w.fd, &ev);
	/* non-blocking from here: reads come through epoll */
	for (long i = 0; i < n; i++)
		set_block(ag[i].fd, false);
	set_block(w.fd, false);
	t0 = now();
	for (long i = 0; i < n; i++)
		agent_poll(&ag[i], false);
	agents_run(ag, n, &w, &target, false, 120, all_idle);
	double snap_secs = now() - t0;

	/* the long polls; CHANGES changes, one at a time */
	double *lat = xmalloc((size_t)(n * changes) * sizeof(*lat));
	double *last = xmalloc((size_t)changes * sizeof(*last));
	double *wlat = xmalloc((size_t)changes * sizeof(*wlat));
	size_t nl = 0;
	for (long i = 0; i < n; i++)
		agent_poll(&ag[i], true);
	for (long c = 0; c < changes; c++) {
		/* let the controller take every poll and park it */
		usleep(100000 + (useconds_t)n * 200);
		for (long i = 0; i < n; i++)
			ag[i].got = false;
		target = 0;
		b.n = 0;
		buf_printf(&b, "{\"providerAddress\":\"192.168.%ld.%ld\"}",
		           2 + n % 250, 1 + c % 250);
		snprintf(path, sizeof(path), "/v1/lookup-records/%llu",
		         (unsigned long long)rec_id[c % FAN_RECORDS]);
		double ts = now();
		conn_send(&w, "PATCH", path, b.p, b.n);
		w.busy = true;
		agents_run(ag, n, &w, &target, true, 60, all_got);
		double mx = 0;
		for (long i = 0; i < n; i++) {
			if (ag[i].got_rev < target)
				die("agent fa%04ld: a change at revision %llu, "
				    "not the write's %llu",
				    i, (unsigned long long)ag[i].got_rev,
				    (unsigned long long)target);
			double d = ag[i].got_at - ts;
			lat[nl++] = d;
			if (d > mx)
				mx = d;
		}
		last[c] = mx;
		wlat[c] = w.got_at - ts;
	}

	/* writes no agent needs, while they all poll */
	double idle_secs = 0;
	if (idle_n > 0) {
		usleep(100000 + (useconds_t)n * 200);
		set_block(w.fd, true);
		t0 = now();
		for (long i = 0; i < idle_n; i++) {
			b.n = 0;
			rec_body(&b, idle_first + (uint64_t)i);
			int st =
			    call(&w, "POST", "/v1/lookup-records", b.p, b.n);
			if (st != 201)
				die("POST: %d %.300s", st, conn_body(&w));
		}
		idle_secs = now() - t0;
	}

	char pre[128];
	snprintf(pre, sizeof(pre), "%s_", name);
	metric(pre, "agents", (double)n, "count");
	metric(pre, "changes", (double)changes, "count");
	metric(pre, "register_seconds", reg_secs, "s");
	metric(pre, "adapters_batch_seconds", adapters_secs, "s");
	metric(pre, "initial_snapshots_seconds", snap_secs, "s");
	qsort(lat, nl, sizeof(*lat), cmp_double);
	qsort(last, (size_t)changes, sizeof(*last), cmp_double);
	qsort(wlat, (size_t)changes, sizeof(*wlat), cmp_double);
	metric(pre, "latency_p50", (double)(long long)(pct(lat, nl, 50) * 1e6),
	       "us");
	metric(pre, "latency_p99", (double)(long long)(pct(lat, nl, 99) * 1e6),
	       "us");
	metric(pre, "latency_max", (double)(long long)(lat[nl - 1] * 1e6),
	       "us");
	metric(pre, "all_agents_median",
	       (double)(long long)(pct(last, (size_t)changes, 50) * 1e6), "us");
	metric(pre, "write_reply_median",
	       (double)(long long)(pct(wlat, (size_t)changes, 50) * 1e6), "us");
	if (idle_n > 0) {
		metric(pre, "unrelated_writes", (double)idle_n, "count");
		metric(pre, "unrelated_write_rate",
		       (double)(long long)((double)idle_n / idle_secs),
		       "records/s");
	}
	for (long i = 0; i < n; i++)
		conn_close(&ag[i]);
	conn_close(&w);
	close(ep);
	free(ag);
	free(lat);
	free(last);
	free(wlat);
	free(b.p);
	return 0;
}

/* ------------------------------------------------------------------ */

static void
usage(FILE *f)
{
	fprintf(
	    f, "usage: ctrl-load PORT TOKENFILE routes NVSIDS\n"
	       "       ctrl-load PORT TOKENFILE post NAME FIRST COUNT CLIENTS\n"
	       "       ctrl-load PORT TOKENFILE batch NAME FIRST COUNT SIZE\n"
	       "       ctrl-load PORT TOKENFILE snapshot NAME HOST LIMIT\n"
	       "       ctrl-load PORT TOKENFILE adapters HOST NVSIDS\n"
	       "       ctrl-load PORT TOKENFILE fanout NAME AGENTS CHANGES "
	       "IDLE_FIRST IDLE_N\n"
	       "bench/controller's client of hnv-controller on "
	       "127.0.0.1:PORT (see the\ntop of bench/ctrl-load.c); prints "
	       "\"metric NAME VALUE UNIT\" lines.\n");
}

static long
num(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (!*s || *end || v < 0)
		die("'%s' is not a number", s);
	return v;
}

int
main(int argc, char **argv)
{
	if (argc < 4 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 4 && !(argc > 1 && !strcmp(argv[1], "-h"))
		          ? stderr
		          : stdout);
		return argc < 4 ? 2 : 0;
	}
	port = (int)num(argv[1]);
	FILE *f = fopen(argv[2], "r");
	if (!f || !fgets(token, sizeof(token), f))
		die("cannot read the token from %s", argv[2]);
	fclose(f);
	token[strcspn(token, " \t\r\n")] = '\0';
	const char *cmd = argv[3];
	char **a = argv + 4;
	int na = argc - 4;
	const char *e;
	if ((e = getenv("HNV_LOAD_PER")) && *e)
		per_vsid = num(e);
	if ((e = getenv("HNV_LOAD_NETS")) && *e)
		nets = num(e);
	if ((e = getenv("HNV_LOAD_AGENT_NETS")) && *e)
		agent_nets = num(e);
	if (per_vsid < 1 || per_vsid > 1000 || agent_nets > 255)
		die("HNV_LOAD_PER is 1..1000, HNV_LOAD_AGENT_NETS 0..255");
	if (!strcmp(cmd, "adapters") && na == 2)
		return do_adapters(a[0], num(a[1]));
	if (!strcmp(cmd, "routes") && na == 1)
		return do_routes(num(a[0]));
	if (!strcmp(cmd, "post") && na == 4 && num(a[3]) > 0 && num(a[2]) > 0)
		return do_post(a[0], (uint64_t)num(a[1]), (uint64_t)num(a[2]),
		               num(a[3]));
	if (!strcmp(cmd, "batch") && na == 4 && num(a[3]) > 0 && num(a[2]) > 0)
		return do_batch(a[0], (uint64_t)num(a[1]), (uint64_t)num(a[2]),
		                (uint64_t)num(a[3]));
	if (!strcmp(cmd, "snapshot") && na == 3)
		return do_snapshot(a[0], a[1], num(a[2]));
	if (!strcmp(cmd, "fanout") && na == 5 && num(a[1]) > 0 && num(a[2]) > 0)
		return do_fanout(a[0], num(a[1]), num(a[2]),
		                 (uint64_t)num(a[3]), num(a[4]));
	usage(stderr);
	return 2;
}
