/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conn-rate: short TCP connections per second, a load generator that is
 * not the bottleneck (bench/gateway runs it through the gateway's NAT and
 * load balancer).
 *
 *   conn-rate server ADDR PORT
 *       accepts, reads a request (whatever arrives first), answers a
 *       small HTTP/1.0 response and closes (the server closes first, so
 *       TIME_WAIT stays on its side); until SIGTERM or SIGINT.  HTTP
 *       health probes and curl get "ok".
 *   conn-rate client ADDR PORT [-c CONCURRENT] [-t SECONDS]
 *                    [-T TIMEOUT_MS] [-b SOURCE_ADDR]
 *       CONCURRENT (default 64) connections at a time for SECONDS
 *       (default 10): each connects, sends a small request, reads the
 *       response to its end (the server's FIN) and closes; a new one
 *       starts at once in its place.  A connection that fails (refused,
 *       reset, unreachable) or does not finish within TIMEOUT_MS
 *       (default 3000) counts as a failure and is replaced.
 *
 * One thread, non-blocking sockets and epoll.  The client prints one
 * "NAME VALUE" line per figure: connections (completed), per_second,
 * failures, timeouts, p50_us, p99_us (connect to end of response, of the
 * completed ones), seconds (measured), then "error NAME COUNT" per
 * errno seen.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void
usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: conn-rate server ADDR PORT\n"
	    "       conn-rate client ADDR PORT [-c CONCURRENT] [-t SECONDS]\n"
	    "                 [-T TIMEOUT_MS] [-b SOURCE_ADDR]\n"
	    "Short TCP connections per second: the server answers a "
	    "small HTTP\nresponse and closes; the client keeps CONCURRENT "
	    "connections (64)\ngoing for SECONDS (10) and prints "
	    "\"NAME VALUE\" lines.\n");
}

static uint64_t
now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static int
parse_addr(const char *addr, int port, struct sockaddr_in *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &sa->sin_addr) != 1) {
		fprintf(stderr, "conn-rate: '%s' is not an IPv4 address\n",
		        addr);
		return -1;
	}
	return 0;
}

static int
parse_long(const char *s, const char *what, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr,
		        "conn-rate: %s: '%s' is not a number in %ld-%ld\n",
		        what, s, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

static const char RESPONSE[] = "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n"
                               "Connection: close\r\n\r\nok\n";
static const char REQUEST[] = "GET / HTTP/1.0\r\n\r\n";

/* ---- server ---- */

static int
do_server(const char *addr, int port)
{
	struct sockaddr_in sa;
	struct epoll_event ev, evs[256];
	int one = 1, lfd, ep;
	char buf[2048];

	if (parse_addr(addr, port, &sa) < 0)
		return 64;
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd < 0) {
		perror("conn-rate: socket");
		return 1;
	}
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(lfd, 4096) < 0) {
		fprintf(stderr, "conn-rate: %s:%d: %s\n", addr, port,
		        strerror(errno));
		return 1;
	}
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0) {
		perror("conn-rate: epoll_create1");
		return 1;
	}
	ev.events = EPOLLIN;
	ev.data.fd = lfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	while (!stop) {
		int n = epoll_wait(ep, evs, 256, 200);

		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == lfd) {
				int c;

				while ((c = accept4(lfd, NULL, NULL,
				                    SOCK_NONBLOCK |
				                        SOCK_CLOEXEC)) >= 0) {
					ev.events = EPOLLIN | EPOLLRDHUP;
					ev.data.fd = c;
					if (epoll_ctl(ep, EPOLL_CTL_ADD, c,
					              &ev) < 0)
						close(c);
				}
				continue;
			}
			ssize_t r = read(fd, buf, sizeof(buf));

			if (r < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (r > 0 &&
			    write(fd, RESPONSE, sizeof(RESPONSE) - 1) < 0) {
				/* the peer is gone: just close */
			}
			/* closing removes fd from the epoll set */
			close(fd);
		}
	}
	close(ep);
	close(lfd);
	return 0;
}

/* ---- client ---- */

struct slot {
	int fd;
	int sent;
	size_t got;
	uint64_t t0;
};

struct client {
	struct sockaddr_in dst, src;
	int bind_src;
	int ep;
	uint64_t timeout_ns;
	uint64_t done, failures, timeouts;
	uint64_t errs[256];
	uint32_t *lat; /* microseconds of the completed connections */
	size_t n_lat, cap_lat;
};

static void
count_err(struct client *c, int err)
{
	c->failures++;
	if (err > 0 && err < 256)
		c->errs[err]++;
}

static void
slot_close(struct client *c, struct slot *s)
{
	(void)c;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

/* slot_open: a new connection in s; on a failure at once, counts it and
 * leaves s closed (the caller's loop opens it again later). */
static void
slot_open(struct client *c, struct slot *s, size_t idx)
{
	struct epoll_event ev;
	int fd, one = 1;

	s->fd = -1;
	s->sent = 0;
	s->got = 0;
	s->t0 = now_ns();
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		count_err(c, errno);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (c->bind_src) {
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
		           sizeof(one));
		if (bind(fd, (struct sockaddr *)&c->src, sizeof(c->src)) < 0) {
			count_err(c, errno);
			close(fd);
			return;
		}
	}
	if (connect(fd, (struct sockaddr *)&c->dst, sizeof(c->dst)) < 0 &&
	    errno != EINPROGRESS) {
		count_err(c, errno);
		close(fd);
		return;
	}
	ev.events = EPOLLOUT | EPOLLIN | EPOLLRDHUP;
	ev.data.u64 = idx;
	if (epoll_ctl(c->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		count_err(c, errno);
		close(fd);
		return;
	}
	s->fd = fd;
}

static void
record(struct client *c, uint64_t ns)
{
	if (c->n_lat == c->cap_lat) {
		size_t cap = c->cap_lat ? 2 * c->cap_lat : 65536;
		uint32_t *p = realloc(c->lat, cap * sizeof(*p));

		if (!p)
			return; /* the count is kept; the latency is lost */
		c->lat = p;
		c->cap_lat = cap;
	}
	c->lat[c->n_lat++] =
	    (uint32_t)(ns / 1000 > UINT32_MAX ? UINT32_MAX : ns / 1000);
}

/* slot_event: progress of s on an epoll event; returns 1 when the
 * connection is over (done or failed) and the slot is closed. */
static int
slot_event(struct client *c, struct slot *s, size_t idx, uint32_t events)
{
	char buf[2048];
	int err = 0;
	socklen_t len = sizeof(err);

	if (!s->sent) {
		if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err) {
			count_err(c, err);
			slot_close(c, s);
			return 1;
		}
		if (!(events & (EPOLLOUT | EPOLLIN | EPOLLHUP | EPOLLRDHUP)))
			return 0;
		if (write(s->fd, REQUEST, sizeof(REQUEST) - 1) < 0) {
			if (errno == EAGAIN)
				return 0;
			count_err(c, errno);
			slot_close(c, s);
			return 1;
		}
		s->sent = 1;
		/* from now on, only the response: no more EPOLLOUT */
		struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP};

		ev.data.u64 = idx;
		if (epoll_ctl(c->ep, EPOLL_CTL_MOD, s->fd, &ev) < 0) {
			count_err(c, errno);
			slot_close(c, s);
			return 1;
		}
	}
	for (;;) {
		ssize_t r = read(s->fd, buf, sizeof(buf));

		if (r > 0) {
			s->got += (size_t)r;
			continue;
		}
		if (r == 0) {
			if (s->got > 0) {
				c->done++;
				record(c, now_ns() - s->t0);
			} else {
				count_err(c, ECONNRESET);
			}
			slot_close(c, s);
			return 1;
		}
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		count_err(c, errno);
		slot_close(c, s);
		return 1;
	}
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int
do_client(const char *addr, int port, long conc, long secs, long tmo_ms,
          const char *src)
{
	struct client c;
	struct slot *slots;
	struct epoll_event evs[512];
	uint64_t t_start, t_end, t_last_scan;

	memset(&c, 0, sizeof(c));
	if (parse_addr(addr, port, &c.dst) < 0)
		return 64;
	if (src) {
		if (parse_addr(src, 0, &c.src) < 0)
			return 64;
		c.bind_src = 1;
	}
	c.timeout_ns = (uint64_t)tmo_ms * 1000000ull;
	c.ep = epoll_create1(EPOLL_CLOEXEC);
	if (c.ep < 0) {
		perror("conn-rate: epoll_create1");
		return 1;
	}
	slots = calloc((size_t)conc, sizeof(*slots));
	if (!slots) {
		fprintf(stderr, "conn-rate: out of memory\n");
		return 1;
	}
	for (long i = 0; i < conc; i++)
		slots[i].fd = -1;
	t_start = now_ns();
	t_end = t_start + (uint64_t)secs * 1000000000ull;
	t_last_scan = t_start;
	for (long i = 0; i < conc; i++)
		slot_open(&c, &slots[i], (size_t)i);
	while (!stop) {
		uint64_t t = now_ns();

		if (t >= t_end)
			break;
		int n = epoll_wait(c.ep, evs, 512, 10);

		for (int i = 0; i < n; i++) {
			size_t idx = (size_t)evs[i].data.u64;
			struct slot *s = &slots[idx];

			if (s->fd < 0)
				continue;
			if (slot_event(&c, s, idx, evs[i].events) &&
			    now_ns() < t_end)
				slot_open(&c, s, idx);
		}
		t = now_ns();
		if (t - t_last_scan >= 50000000ull) {
			t_last_scan = t;
			for (long i = 0; i < conc; i++) {
				struct slot *s = &slots[i];

				if (s->fd >= 0 && t - s->t0 > c.timeout_ns) {
					c.failures++;
					c.timeouts++;
					slot_close(&c, s);
				}
				if (s->fd < 0 && t < t_end)
					slot_open(&c, s, (size_t)i);
			}
		}
	}
	uint64_t elapsed = now_ns() - t_start;

	for (long i = 0; i < conc; i++)
		slot_close(&c, &slots[i]);
	qsort(c.lat, c.n_lat, sizeof(*c.lat), cmp_u32);
	double s = (double)elapsed / 1e9;

	printf("connections %llu\n", (unsigned long long)c.done);
	printf("per_second %.0f\n", s > 0 ? (double)c.done / s : 0.0);
	printf("failures %llu\n", (unsigned long long)c.failures);
	printf("timeouts %llu\n", (unsigned long long)c.timeouts);
	if (c.n_lat) {
		printf("p50_us %u\n", c.lat[c.n_lat / 2]);
		printf("p99_us %u\n", c.lat[(c.n_lat * 99) / 100]);
	}
	printf("seconds %.3f\n", s);
	for (int e = 1; e < 256; e++)
		if (c.errs[e])
			printf("error %s %llu\n", strerrorname_np(e),
			       (unsigned long long)c.errs[e]);
	free(c.lat);
	free(slots);
	close(c.ep);
	return 0;
}

int
main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_signal};
	long port, conc = 64, secs = 10, tmo = 3000;
	const char *src = NULL;

	if (argc >= 2 &&
	    (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	if (argc < 4) {
		usage(stderr);
		return 64;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (parse_long(argv[3], "PORT", 1, 65535, &port) < 0)
		return 64;
	if (!strcmp(argv[1], "server")) {
		if (argc != 4) {
			usage(stderr);
			return 64;
		}
		return do_server(argv[2], (int)port);
	}
	if (strcmp(argv[1], "client")) {
		usage(stderr);
		return 64;
	}
	for (int i = 4; i < argc; i++) {
		const char *o = argv[i];

		if (i + 1 >= argc) {
			fprintf(stderr, "conn-rate: %s needs a value\n", o);
			return 64;
		}
		const char *v = argv[++i];

		if (!strcmp(o, "-c")) {
			if (parse_long(v, "-c", 1, 100000, &conc) < 0)
				return 64;
		} else if (!strcmp(o, "-t")) {
			if (parse_long(v, "-t", 1, 3600, &secs) < 0)
				return 64;
		} else if (!strcmp(o, "-T")) {
			if (parse_long(v, "-T", 1, 600000, &tmo) < 0)
				return 64;
		} else if (!strcmp(o, "-b")) {
			src = v;
		} else {
			fprintf(stderr, "conn-rate: unknown option '%s'\n", o);
			usage(stderr);
			return 64;
		}
	}
	return do_client(argv[2], (int)port, conc, secs, tmo, src);
}
