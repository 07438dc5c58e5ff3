/* SPDX-License-Identifier: Apache-2.0 */
/*
 * probe: health probes of a load balancer's backends (DIPs), run from
 * inside the compartment (its namespace) so that they take the tenant's
 * path: a TCP connect, or an HTTP GET whose status must be 2xx or 3xx.
 * Non-blocking, driven by the daemon's poll loop: gw_probe_poll() says
 * which fd to watch and until when, gw_probe_run() moves it on.
 *
 * A backend starts healthy (so that a gateway taking over serves at
 * once); 'unhealthy' failures in a row take it out, 'healthy' successes
 * in a row put it back.  With the defaults (every 1000 ms, a timeout of
 * 800 ms, 2 and 2) a dead backend is out within 2.8 s of its last
 * success.
 */
#ifndef GW_PROBE_H
#define GW_PROBE_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>

#include "gw/gw.h"

struct gw_probe {
	char ns[64];
	struct in6_addr addr;
	struct gw_probe_cfg cfg;
	int fd;
	int phase; /* 0 idle, 1 connecting, 2 waiting for the answer */
	uint64_t next_ns, deadline_ns;
	char rbuf[32];
	size_t rlen;
	int ok_run, fail_run;
	bool healthy, known;
	uint64_t changed_ns; /* when 'healthy' last changed (or started) */
	char last_error[96];
};

void gw_probe_init(struct gw_probe *, const char *ns,
                   const struct in6_addr *addr, const struct gw_probe_cfg *cfg,
                   uint64_t now_ns);
void gw_probe_stop(struct gw_probe *); /* closes its socket */
/* The fd to poll (-1: none) and its events; '*deadline_ns' lowered to
 * when gw_probe_run() must be called next. */
int gw_probe_poll(const struct gw_probe *, short *events,
                  uint64_t *deadline_ns);
/* Moves the probe on ('revents' of its fd, or 0): true if 'healthy'
 * changed. */
bool gw_probe_run(struct gw_probe *, short revents, uint64_t now_ns);

#endif
