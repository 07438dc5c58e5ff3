/* SPDX-License-Identifier: Apache-2.0 */
/* probe: see probe.h. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gw/probe.h"
#include "io/netns.h"
#include "lib/log.h"

#define MS 1000000ull

void
gw_probe_init(struct gw_probe *p, const char *ns, const struct in6_addr *addr,
              const struct gw_probe_cfg *cfg, uint64_t now_ns)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->ns, sizeof(p->ns), "%s", ns);
	p->addr = *addr;
	p->cfg = *cfg;
	p->fd = -1;
	p->healthy = true;
	p->changed_ns = now_ns;
	p->next_ns = now_ns; /* the first one at once */
}

void
gw_probe_stop(struct gw_probe *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	p->phase = 0;
}

int
gw_probe_poll(const struct gw_probe *p, short *events, uint64_t *deadline_ns)
{
	uint64_t d = p->phase ? p->deadline_ns : p->next_ns;

	if (d < *deadline_ns)
		*deadline_ns = d;
	if (!p->phase || p->fd < 0)
		return -1;
	*events = p->phase == 1 ? POLLOUT : POLLIN;
	return p->fd;
}

static bool
result(struct gw_probe *p, bool ok, const char *why, uint64_t now)
{
	bool was = p->healthy;

	gw_probe_stop(p);
	p->next_ns += (uint64_t)p->cfg.interval_ms * MS;
	if (p->next_ns <= now)
		p->next_ns = now + (uint64_t)p->cfg.interval_ms * MS;
	p->known = true;
	if (ok) {
		p->last_error[0] = 0;
		p->fail_run = 0;
		if (++p->ok_run >= p->cfg.healthy)
			p->healthy = true;
	} else {
		snprintf(p->last_error, sizeof(p->last_error), "%s", why);
		p->ok_run = 0;
		if (++p->fail_run >= p->cfg.unhealthy)
			p->healthy = false;
	}
	if (was != p->healthy)
		p->changed_ns = now;
	return was != p->healthy;
}

static int
open_socket(struct gw_probe *p)
{
	int saved, fd;

	if (netns_enter(p->ns, &saved) < 0)
		return -ENOENT;
	fd = socket(ip_is_v4(&p->addr) ? AF_INET : AF_INET6,
	            SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		fd = -errno;
	if (netns_leave(saved) < 0)
		fatalx("cannot return to the gateway host's namespace");
	return fd;
}

static bool
start(struct gw_probe *p, uint64_t now)
{
	struct sockaddr_storage ss = {0};
	socklen_t sl;
	int fd = open_socket(p);

	if (fd < 0)
		return result(p, false, "no compartment namespace", now);
	if (ip_is_v4(&p->addr)) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(p->cfg.port);
		s4->sin_addr.s_addr = ip_get_v4(&p->addr);
		sl = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(p->cfg.port);
		s6->sin6_addr = p->addr;
		sl = sizeof(*s6);
	}
	p->fd = fd;
	p->phase = 1;
	p->rlen = 0;
	p->deadline_ns = now + (uint64_t)p->cfg.timeout_ms * MS;
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0 &&
	    errno != EINPROGRESS) {
		char why[64];
		snprintf(why, sizeof(why), "connect: %s", strerror(errno));
		return result(p, false, why, now);
	}
	return false;
}

static bool
connected(struct gw_probe *p, uint64_t now)
{
	int e = 0;
	socklen_t el = sizeof(e);
	char req[384], why[64];
	int n;

	getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &e, &el);
	if (e) {
		snprintf(why, sizeof(why), "connect: %s", strerror(e));
		return result(p, false, why, now);
	}
	if (!p->cfg.http)
		return result(p, true, NULL, now);
	n = snprintf(req, sizeof(req),
	             "GET %s HTTP/1.0\r\nUser-Agent: hnv-gateway-probe\r\n"
	             "Connection: close\r\n\r\n",
	             p->cfg.path);
	if (send(p->fd, req, (size_t)n, MSG_NOSIGNAL) != n)
		return result(p, false, "HTTP: cannot send the request", now);
	p->phase = 2;
	return false;
}

/* "HTTP/1.x NNN": true for 2xx and 3xx. */
static bool
status_ok(const char *s, size_t n, bool *complete)
{
	*complete = n >= 12;
	if (!*complete)
		return false;
	return !strncmp(s, "HTTP/1.", 7) && s[8] == ' ' &&
	       (s[9] == '2' || s[9] == '3') && s[10] >= '0' && s[10] <= '9' &&
	       s[11] >= '0' && s[11] <= '9';
}

static bool
answer(struct gw_probe *p, uint64_t now)
{
	ssize_t r =
	    recv(p->fd, p->rbuf + p->rlen, sizeof(p->rbuf) - p->rlen, 0);
	bool complete;

	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return false;
	if (r <= 0)
		return result(p, false, "HTTP: no status line", now);
	p->rlen += (size_t)r;
	if (status_ok(p->rbuf, p->rlen, &complete))
		return result(p, true, NULL, now);
	if (complete)
		return result(p, false, "HTTP: status not 2xx or 3xx", now);
	return false;
}

bool
gw_probe_run(struct gw_probe *p, short revents, uint64_t now)
{
	if (!p->phase)
		return now >= p->next_ns ? start(p, now) : false;
	if (p->phase == 1 && (revents & (POLLOUT | POLLERR | POLLHUP)))
		return connected(p, now);
	if (p->phase == 2 && (revents & (POLLIN | POLLERR | POLLHUP)))
		return answer(p, now);
	if (now >= p->deadline_ns)
		return result(p, false, "timed out", now);
	return false;
}
