/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hnv-gateway: the multi-tenant gateway daemon (doc/gateway.md).
 *
 * One thread runs the compartments: it applies each new configuration,
 * retries what failed every second, runs the health probes (poll loop)
 * and writes the status.  Two threads talk to the controller with
 * libcurl and never touch a compartment: one long-polls
 * GET /v1/gateways/ID/config and hands each answer over (mutex +
 * eventfd); one sends PUT /v1/gateways/ID/heartbeat every second with
 * the latest status.  Without a controller, --config FILE gives the same
 * JSON (read again on SIGHUP).
 *
 * --controller may list several controllers (a cluster sharing one
 * etcd: the same revisions): both threads talk to the one followed now
 * (lib/urllist.h).  When it fails (unreachable, timed out, a 5xx, a
 * reply of the wrong shape) in either thread, both move to the next one
 * at once, and the poll resumes with the same ?after=; only once every
 * one has failed in turn does the poll back off (1 s doubling to 5 s).
 *
 * The last configuration applied is kept in STATE_DIR/config.json and
 * applied at start, so a gateway host that reboots while the controller
 * is away comes back as it was; the controller's answer replaces it.
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctl/http.h"
#include "gw/compartment.h"
#include "gw/gw.h"
#include "gw/probe.h"
#include "gw/vpn.h"
#include "io/netns.h"
#include "lib/log.h"
#include "lib/urllist.h"
#include "lib/util.h"

#define DEFAULT_STATE_DIR "/var/lib/openhnv/gateway"
#define MS 1000000ull
#define MAX_POLL 4096
#define POLL_WAIT 30         /* seconds the controller may hold a poll */
#define HEARTBEAT_TIMEOUT 10 /* seconds */

struct opts {
	const char *controller, *gateway, *token_file, *ca_file;
	const char *config_file, *state_dir, *prefix, *pidfile;
	bool fg;
	int verbose;
};

/* What the daemon keeps of a compartment between configurations. */
struct crt {
	char id[GW_ID_MAX];
	char ns[64];
	json_t *raw;     /* its JSON as last applied */
	bool ok;         /* the last apply went through */
	bool was_active; /* addresses announced */
	bool made_ns;    /* a standby's namespace we made */
	char err[512];
	struct gw_probe **probes; /* [lb][backend] */
	bool **healthy;
	size_t n_lbs;
	bool vpn_on;
	bool dirty; /* apply again (health changed, retry) */
	uint64_t retry_at,
	    retry_ms; /* after a failure: 200 ms doubling to 5 s */
};

static struct opts o;
static struct gw_config cfg;
static json_t *cfg_raw; /* the compartments array of cfg */
static struct crt *crts;
static size_t n_crts;
static uint64_t applied_rev;

/* Shared with the controller threads, under mu. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static json_t *pending;    /* a configuration to apply */
static json_t *status_pub; /* the latest status, for the heartbeat */
static char ctrl_state[256] = "not configured";
static struct urllist ctrls; /* --controller: the one followed now */
static volatile bool stopping;
static int efd = -1;

static void
usage(FILE *f)
{
	fprintf(f,
	        "usage: hnv-gateway [options]\n"
	        "       hnv-gateway status [--state-dir DIR] [--json]\n\n"
	        "The OpenHNV multi-tenant gateway: one compartment (network "
	        "namespace) per tenant\nbehind hnv-agent's NVGRE, with NAT, "
	        "1:1 mappings, load-balanced VIPs with health\nprobes, VPNs "
	        "(strongSwan) and active/standby failover "
	        "(doc/gateway.md).\n\n"
	        "  -c, --controller URL[,URL...]\n"
	        "                          hnv-controller to take the "
	        "configuration from;\n"
	        "                          several (at most 16, one "
	        "cluster): one at a time,\n"
	        "                          the next at once when it fails\n"
	        "  -g, --gateway ID        this gateway's resourceId at the "
	        "controller\n"
	        "  -t, --token-file PATH   the controller's bearer token\n"
	        "      --ca-file PATH      CA certificates of an https "
	        "controller\n"
	        "  -f, --config FILE       the configuration from FILE "
	        "instead (the JSON of\n"
	        "                          GET /v1/gateways/ID/config; "
	        "SIGHUP reads it again)\n"
	        "  -s, --state-dir DIR     status, last configuration, VPN "
	        "files (default\n"
	        "                          %s)\n"
	        "  -p, --netns-prefix P    prefix of the compartments' "
	        "namespaces: the same as\n"
	        "                          the host's hnv-agent "
	        "--netns-prefix (default none)\n"
	        "  -d, --foreground        stay in the foreground, log to "
	        "stderr\n"
	        "  -P, --pidfile PATH      write the daemon's pid here\n"
	        "  -v, --verbose           more log (twice: debug)\n"
	        "  -h, --help              this help\n\n"
	        "See hnv-gateway(8).\n",
	        DEFAULT_STATE_DIR);
}

/* ---------------------------------------------------------------- */
/* files */

static int
write_atomic(const char *path, const char *text)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fputs(text, f);
	if (fflush(f) || fsync(fileno(f))) {
		fclose(f);
		unlink(tmp);
		return -EIO;
	}
	fclose(f);
	if (rename(tmp, path) < 0)
		return -errno;
	return 0;
}

static char *
state_path(const char *name)
{
	return xasprintf("%s/%s", o.state_dir, name);
}

/* ---------------------------------------------------------------- */
/* compartments */

static struct crt *
crt_find(const char *id)
{
	for (size_t i = 0; i < n_crts; i++)
		if (!strcmp(crts[i].id, id))
			return &crts[i];
	return NULL;
}

static void
probes_free(struct crt *r)
{
	for (size_t i = 0; i < r->n_lbs; i++) {
		for (size_t j = 0; r->probes[i] && r->probes[i][j].ns[0]; j++)
			gw_probe_stop(&r->probes[i][j]);
		free(r->probes[i]);
		free(r->healthy[i]);
	}
	free(r->probes);
	free(r->healthy);
	r->probes = NULL;
	r->healthy = NULL;
	r->n_lbs = 0;
}

static void
probes_make(struct crt *r, const struct gw_comp *cp)
{
	uint64_t now = time_ns();

	probes_free(r);
	r->n_lbs = cp->n_lbs;
	r->probes = xcalloc(cp->n_lbs + 1, sizeof(*r->probes));
	r->healthy = xcalloc(cp->n_lbs + 1, sizeof(*r->healthy));
	for (size_t i = 0; i < cp->n_lbs; i++) {
		const struct gw_lb *lb = &cp->lbs[i];
		/* one more, zeroed: the end (ns[0] == 0) */
		r->probes[i] = xcalloc(lb->n_backends + 1, sizeof(**r->probes));
		r->healthy[i] = xcalloc(lb->n_backends + 1, sizeof(bool));
		for (size_t j = 0; j < lb->n_backends; j++) {
			gw_probe_init(&r->probes[i][j], r->ns, &lb->backends[j],
			              &lb->probe, now);
			r->healthy[i][j] = true;
		}
	}
}

static void
vpn_dir(const struct crt *r, char *buf, size_t len)
{
	snprintf(buf, len, "%s/vpn/%s", o.state_dir, r->id);
}

static void
crt_remove(size_t k)
{
	struct crt *r = &crts[k];

	log_info("compartment %s: removed", r->id);
	probes_free(r);
	if (r->vpn_on) {
		char dir[512];
		vpn_dir(r, dir, sizeof(dir));
		gw_vpn_stop(r->ns, dir);
	}
	gw_comp_remove(r->id, r->ns, r->made_ns);
	json_decref(r->raw);
	crts[k] = crts[--n_crts];
}

static void
apply_one(struct crt *r, const struct gw_comp *cp)
{
	char err[512] = "";
	bool announce = cp->active && !r->was_active;
	bool existed = netns_exists(r->ns);
	int rc;

	rc = gw_comp_apply(&cfg, cp, r->ns, r->healthy, announce, err,
	                   sizeof(err));
	if (!existed && netns_exists(r->ns) && !cp->active)
		r->made_ns = true;
	if (!rc) {
		char dir[512];
		vpn_dir(r, dir, sizeof(dir));
		if (cp->active && cp->vpn) {
			char ext[IP_ADDR_STRLEN];
			if (gw_vpn_apply(r->ns, dir, ip_fmt(&cp->ext_addr, ext),
			                 cp->vpn, err, sizeof(err)))
				rc = -1;
			else
				r->vpn_on = true;
		} else if (r->vpn_on) {
			gw_vpn_stop(r->ns, dir);
			r->vpn_on = false;
		}
	}
	if (rc) {
		if (strcmp(err, r->err))
			log_warnx("compartment %s: %s", r->id, err);
		snprintf(r->err, sizeof(r->err), "%s", err);
		r->ok = false;
		r->retry_ms = r->retry_ms ? MIN(r->retry_ms * 2, 5000) : 200;
		r->retry_at = time_ns() + r->retry_ms * MS;
		return;
	}
	if (!r->ok || r->was_active != cp->active)
		log_info("compartment %s: %s in %s", r->id,
		         cp->active ? "active" : "standby", r->ns);
	r->err[0] = 0;
	r->ok = true;
	r->retry_ms = 0;
	r->was_active = cp->active;
	r->dirty = false;
}

/* A new configuration: compartments gone are removed, new or changed
 * ones applied. */
static void
take_config(json_t *j, const char *from)
{
	struct gw_config nc;
	char err[512];
	const json_t *arr, *x;
	size_t i;

	if (gw_config_parse(j, &nc, err, sizeof(err))) {
		log_warnx("%s: %s; keeping the configuration of revision "
		          "%llu",
		          from, err, (unsigned long long)applied_rev);
		json_decref(j);
		return;
	}
	arr = json_object_get(j, "compartments");
	for (size_t k = 0; k < n_crts;) {
		if (!gw_config_find(&nc, crts[k].id))
			crt_remove(k);
		else
			k++;
	}
	gw_config_free(&cfg);
	json_decref(cfg_raw);
	cfg = nc;
	cfg_raw = json_incref((json_t *)arr);
	json_array_foreach(arr, i, x)
	{
		const struct gw_comp *cp = &cfg.comps[i];
		struct crt *r = crt_find(cp->id);
		bool same;
		if (!r) {
			crts = xrealloc(crts, (n_crts + 1) * sizeof(*crts));
			r = &crts[n_crts++];
			memset(r, 0, sizeof(*r));
			snprintf(r->id, sizeof(r->id), "%s", cp->id);
		}
		gw_netns_name(o.prefix, cp->vm, r->ns, sizeof(r->ns));
		same = r->raw && json_equal(r->raw, x);
		if (!same || !r->probes) {
			bool lbs_same =
			    r->raw &&
			    json_equal(json_object_get(r->raw, "loadBalancers"),
			               json_object_get(x, "loadBalancers"));
			if (!lbs_same || !r->probes)
				probes_make(r, cp);
		}
		json_decref(r->raw);
		r->raw = json_incref((json_t *)x);
		if (!same)
			r->retry_ms = 0;
		if (!same || !r->ok || r->dirty)
			apply_one(r, cp);
	}
	applied_rev = cfg.revision;
	{
		char *p = state_path("config.json");
		char *text = json_dumps(j, JSON_COMPACT);
		if (text && write_atomic(p, text) < 0)
			log_warn("cannot write %s", p);
		free(text);
		free(p);
	}
	json_decref(j);
}

static void
retry_all(void)
{
	for (size_t i = 0; i < n_crts; i++) {
		const struct gw_comp *cp = gw_config_find(&cfg, crts[i].id);
		if (cp && (crts[i].dirty ||
		           (!crts[i].ok && time_ns() >= crts[i].retry_at)))
			apply_one(&crts[i], cp);
	}
}

/* ---------------------------------------------------------------- */
/* status */

static char *
iso_now(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

static json_t *
make_status(void)
{
	json_t *st = json_object(), *arr = json_array();
	char tb[32], ab[IP_ADDR_STRLEN];
	uint64_t now = time_ns();

	json_object_set_new(st, "gateway", json_string(cfg.id));
	json_object_set_new(st, "revision",
	                    json_integer((json_int_t)applied_rev));
	json_object_set_new(st, "time", json_string(iso_now(tb, sizeof(tb))));
	pthread_mutex_lock(&mu);
	json_object_set_new(st, "controller", json_string(ctrl_state));
	if (ctrls.n)
		json_object_set_new(st, "controllerUrl",
		                    json_string(urllist_current(&ctrls)));
	pthread_mutex_unlock(&mu);
	for (size_t i = 0; i < n_crts; i++) {
		struct crt *r = &crts[i];
		const struct gw_comp *cp = gw_config_find(&cfg, r->id);
		json_t *c = json_object(), *lbs = json_array();
		if (!cp)
			continue;
		json_object_set_new(c, "resourceId", json_string(r->id));
		json_object_set_new(
		    c, "role", json_string(cp->active ? "active" : "standby"));
		json_object_set_new(c, "netns", json_string(r->ns));
		json_object_set_new(c, "state",
		                    json_string(r->ok ? "ready" : "error"));
		if (!r->ok)
			json_object_set_new(c, "error", json_string(r->err));
		json_object_set_new(c, "externalAddress",
		                    json_string(ip_fmt(&cp->ext_addr, ab)));
		for (size_t l = 0; l < cp->n_lbs && l < r->n_lbs; l++) {
			json_t *lb = json_object(), *bs = json_array();
			json_object_set_new(lb, "resourceId",
			                    json_string(cp->lbs[l].id));
			for (size_t b = 0; b < cp->lbs[l].n_backends; b++) {
				struct gw_probe *p = &r->probes[l][b];
				json_t *be = json_pack(
				    "{s:s,s:b,s:b,s:f}", "address",
				    ip_fmt(&p->addr, ab), "healthy", p->healthy,
				    "probed", p->known, "sinceSeconds",
				    (double)(now - p->changed_ns) / 1e9);
				if (p->last_error[0])
					json_object_set_new(
					    be, "lastError",
					    json_string(p->last_error));
				json_array_append_new(bs, be);
			}
			json_object_set_new(lb, "backends", bs);
			json_array_append_new(lbs, lb);
		}
		json_object_set_new(c, "loadBalancers", lbs);
		if (netns_exists(r->ns))
			json_object_set_new(c, "drops", gw_nft_counters(r->ns));
		if (r->vpn_on) {
			char dir[512];
			vpn_dir(r, dir, sizeof(dir));
			json_object_set_new(c, "vpn", gw_vpn_status(dir));
		}
		json_array_append_new(arr, c);
	}
	json_object_set_new(st, "compartments", arr);
	return st;
}

static void
publish_status(void)
{
	json_t *st = make_status();
	char *p = state_path("status.json");
	char *text = json_dumps(st, JSON_INDENT(2));

	if (text && write_atomic(p, text) < 0)
		LOG_RL(log_warn("cannot write %s", p));
	free(text);
	free(p);
	pthread_mutex_lock(&mu);
	json_decref(status_pub);
	status_pub = st;
	pthread_mutex_unlock(&mu);
}

/* ---------------------------------------------------------------- */
/* the controller threads */

static void
set_ctrl_state(const char *fmt, const char *why)
{
	pthread_mutex_lock(&mu);
	if (strncmp(ctrl_state, fmt, strlen(fmt)) || why)
		snprintf(ctrl_state, sizeof(ctrl_state), fmt, why ? why : "");
	pthread_mutex_unlock(&mu);
}

static void
nap(int ms)
{
	for (int i = 0; i < ms / 100 && !stopping; i++)
		usleep(100 * 1000);
}

/* The controller to talk to now: its index in 'ctrls'. */
static size_t
ctrl_current(void)
{
	size_t i;

	pthread_mutex_lock(&mu);
	i = ctrls.cur;
	pthread_mutex_unlock(&mu);
	return i;
}

/* The handle '*h' of a thread, on the controller followed now: opened
 * again after a switch ('*idx': the controller it is open to).  0, or -1
 * with '*e' (the token file cannot be read). */
static int
ctrl_open(struct http **h, size_t *idx, long timeout, char **e)
{
	size_t cur = ctrl_current();

	if (*h && *idx == cur)
		return 0;
	http_close(*h);
	*h = NULL;
	/* The strings of 'ctrls' do not change once parsed. */
	if (http_open(ctrls.url[cur], o.token_file, NULL, h, e))
		return -1;
	*idx = cur;
	if (o.ca_file)
		http_set_ca_file(*h, o.ca_file);
	http_set_timeout(*h, timeout);
	return 0;
}

/* Controller 'idx' answered. */
static void
ctrl_ok(size_t idx)
{
	pthread_mutex_lock(&mu);
	if (idx == ctrls.cur)
		urllist_ok(&ctrls);
	pthread_mutex_unlock(&mu);
}

/* Controller 'idx' failed (unreachable, timed out, 5xx, a reply of the
 * wrong shape): if it is still the one followed, move to the next and
 * log it (once: not in the rounds after a whole round failed).  True:
 * try the one followed now at once; false: every one failed in turn,
 * back off first. */
static bool
ctrl_lost(size_t idx, const char *why)
{
	bool again = true, log = false, was_connected = false;
	const char *old = NULL, *now = NULL;

	pthread_mutex_lock(&mu);
	if (idx == ctrls.cur) {
		bool was_down = ctrls.down;

		again = !urllist_fail(&ctrls);
		log = again && !was_down;
		old = ctrls.url[idx];
		now = urllist_current(&ctrls);
		was_connected = !strcmp(ctrl_state, "connected");
		if (log)
			snprintf(ctrl_state, sizeof(ctrl_state), "connecting");
	}
	pthread_mutex_unlock(&mu);
	if (log)
		log_warnx("controller %s %s (%s); following %s", old,
		          was_connected ? "lost" : "unreachable", why, now);
	return again;
}

static void *
poll_main(void *arg)
{
	struct http *h = NULL;
	char *e = NULL;
	uint64_t after = 0;
	size_t idx = 0;
	int backoff = 1000;

	(void)arg;
	while (!stopping) {
		long status = 0;
		json_t *reply = NULL;
		char path[256];
		int r;
		if (ctrl_open(&h, &idx, POLL_WAIT + 30, &e)) {
			set_ctrl_state("error: %s", e);
			free(e);
			e = NULL;
			nap(5000);
			continue;
		}
		snprintf(path, sizeof(path),
		         "/v1/gateways/%s/config?after=%llu&wait=%d", o.gateway,
		         (unsigned long long)after, POLL_WAIT);
		r = http_rest(h, "GET", path, NULL, &status, &reply, &e);
		if (r || status != 200 || !json_is_object(reply)) {
			/* 401, 403, another 4xx: every controller of the
			 * cluster would say the same; stay. */
			bool lost = r || status >= 500 || status == 200;
			char why[300];
			if (e)
				snprintf(why, sizeof(why), "%s", e);
			else if (status == 200)
				snprintf(why, sizeof(why),
				         "GET %s: the reply is not a JSON "
				         "object",
				         path);
			else
				snprintf(why, sizeof(why), "GET %s: HTTP %ld",
				         path, status);
			free(e);
			e = NULL;
			json_decref(reply);
			if (lost && ctrl_lost(idx, why))
				continue;
			set_ctrl_state("unreachable: %s", why);
			LOG_RL(log_warnx("controller %s: %s", ctrls.url[idx],
			                 why));
			nap(backoff);
			backoff = MIN(backoff * 2, 5000);
			continue;
		}
		backoff = 1000;
		ctrl_ok(idx);
		set_ctrl_state("connected", NULL);
		after = (uint64_t)json_integer_value(
		    json_object_get(reply, "revision"));
		pthread_mutex_lock(&mu);
		json_decref(pending);
		pending = reply;
		pthread_mutex_unlock(&mu);
		uint64_t one = 1;
		if (write(efd, &one, sizeof(one)) < 0)
			log_warn("eventfd");
	}
	http_close(h);
	return NULL;
}

static void *
heartbeat_main(void *arg)
{
	struct http *h = NULL;
	char *e = NULL, path[256];
	size_t idx = 0;

	(void)arg;
	snprintf(path, sizeof(path), "/v1/gateways/%s/heartbeat", o.gateway);
	while (!stopping) {
		long status = 0;
		json_t *reply = NULL, *body;
		int r;
		if (ctrl_open(&h, &idx, HEARTBEAT_TIMEOUT, &e)) {
			free(e);
			e = NULL;
			nap(1000);
			continue;
		}
		pthread_mutex_lock(&mu);
		body = json_pack("{s:O?}", "status", status_pub);
		pthread_mutex_unlock(&mu);
		r = http_rest(h, "PUT", path, body, &status, &reply, &e);
		if (r || status >= 300) {
			const char *msg = json_string_value(json_object_get(
			    json_object_get(reply, "error"), "message"));
			char why[300];

			if (e)
				snprintf(why, sizeof(why), "heartbeat: %s", e);
			else
				snprintf(why, sizeof(why),
				         "heartbeat: HTTP %ld%s%.200s", status,
				         msg ? ": " : "", msg ? msg : "");
			LOG_RL(log_warnx("controller %s: %s", ctrls.url[idx],
			                 why));
			/* A heartbeat missed is a failover coming: on to
			 * the next controller (the poll follows). */
			if (r || status >= 500)
				ctrl_lost(idx, why);
		} else {
			ctrl_ok(idx);
		}
		free(e);
		e = NULL;
		json_decref(reply);
		json_decref(body);
		nap(1000);
	}
	http_close(h);
	return NULL;
}

/* ---------------------------------------------------------------- */

static json_t *
load_file(const char *path, bool quiet)
{
	json_error_t je;
	json_t *j = json_load_file(path, 0, &je);

	if (!j && !quiet)
		log_warnx("%s:%d: %s", path, je.line, je.text);
	return j;
}

static int
status_cmd(int argc, char **argv)
{
	const char *dir = DEFAULT_STATE_DIR;
	bool js = false;
	json_t *st, *x;
	size_t i;

	for (int k = 2; k < argc; k++) {
		if (!strcmp(argv[k], "--json"))
			js = true;
		else if (!strcmp(argv[k], "--state-dir") && k + 1 < argc)
			dir = argv[++k];
		else if (!strcmp(argv[k], "-h") || !strcmp(argv[k], "--help")) {
			printf("usage: hnv-gateway status [--state-dir DIR] "
			       "[--json]\n\nThe running gateway's status: its "
			       "compartments, their backends and drops.\n");
			return 0;
		} else {
			fprintf(stderr,
			        "hnv-gateway status: unknown argument "
			        "'%s'\n",
			        argv[k]);
			return 2;
		}
	}
	char *p = xasprintf("%s/status.json", dir);
	st = json_load_file(p, 0, NULL);
	if (!st) {
		fprintf(stderr,
		        "hnv-gateway status: %s: no status (is the "
		        "gateway running with --state-dir %s?)\n",
		        p, dir);
		free(p);
		return 1;
	}
	free(p);
	if (js) {
		json_dumpf(st, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(st);
		return 0;
	}
	printf("gateway %s  revision %lld  controller %s%s%s  (%s)\n",
	       json_string_value(json_object_get(st, "gateway")),
	       json_integer_value(json_object_get(st, "revision")),
	       json_string_value(json_object_get(st, "controller")),
	       json_object_get(st, "controllerUrl") ? " at " : "",
	       json_object_get(st, "controllerUrl")
	           ? json_string_value(json_object_get(st, "controllerUrl"))
	           : "",
	       json_string_value(json_object_get(st, "time")));
	printf("%-16s %-8s %-7s %-16s %s\n", "COMPARTMENT", "ROLE", "STATE",
	       "EXTERNAL", "NAMESPACE");
	json_array_foreach(json_object_get(st, "compartments"), i, x)
	{
		printf("%-16s %-8s %-7s %-16s %s\n",
		       json_string_value(json_object_get(x, "resourceId")),
		       json_string_value(json_object_get(x, "role")),
		       json_string_value(json_object_get(x, "state")),
		       json_string_value(json_object_get(x, "externalAddress")),
		       json_string_value(json_object_get(x, "netns")));
		if (json_object_get(x, "error"))
			printf("  error: %s\n",
			       json_string_value(json_object_get(x, "error")));
		const json_t *lb, *be;
		size_t a, b;
		json_array_foreach(
		    json_object_get(x, "loadBalancers"), a,
		    lb) json_array_foreach(json_object_get(lb, "backends"), b,
		                           be)
		    printf("  lb %s backend %s %s\n",
		           json_string_value(json_object_get(lb, "resourceId")),
		           json_string_value(json_object_get(be, "address")),
		           json_is_true(json_object_get(be, "healthy"))
		               ? "healthy"
		               : "down");
	}
	json_decref(st);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option lopts[] = {
	    {"controller", required_argument, NULL, 'c'},
	    {"gateway", required_argument, NULL, 'g'},
	    {"token-file", required_argument, NULL, 't'},
	    {"ca-file", required_argument, NULL, 'C'},
	    {"config", required_argument, NULL, 'f'},
	    {"state-dir", required_argument, NULL, 's'},
	    {"netns-prefix", required_argument, NULL, 'p'},
	    {"foreground", no_argument, NULL, 'd'},
	    {"pidfile", required_argument, NULL, 'P'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	pthread_t tp, th;
	sigset_t ss;
	int sfd, ch;
	uint64_t next_tick = 0, next_retry = 0;

	if (argc > 1 && !strcmp(argv[1], "status"))
		return status_cmd(argc, argv);
	o.state_dir = DEFAULT_STATE_DIR;
	o.prefix = "";
	while ((ch = getopt_long(argc, argv, "c:g:t:f:s:p:dP:vh", lopts,
	                         NULL)) != -1) {
		switch (ch) {
		case 'c':
			o.controller = optarg;
			break;
		case 'g':
			o.gateway = optarg;
			break;
		case 't':
			o.token_file = optarg;
			break;
		case 'C':
			o.ca_file = optarg;
			break;
		case 'f':
			o.config_file = optarg;
			break;
		case 's':
			o.state_dir = optarg;
			break;
		case 'p':
			o.prefix = optarg;
			break;
		case 'd':
			o.fg = true;
			break;
		case 'P':
			o.pidfile = optarg;
			break;
		case 'v':
			o.verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "hnv-gateway: unexpected argument '%s'\n",
		        argv[optind]);
		return 2;
	}
	if (!o.controller == !o.config_file) {
		fprintf(stderr, "hnv-gateway: give --controller URL (with "
		                "--gateway ID) or --config FILE\n");
		return 2;
	}
	if (o.controller && !o.gateway) {
		fprintf(stderr,
		        "hnv-gateway: --controller needs --gateway ID\n");
		return 2;
	}
	if (o.controller) {
		char err[512];

		if (urllist_parse(&ctrls, o.controller, err, sizeof(err)) < 0) {
			fprintf(stderr, "hnv-gateway: --controller: %s\n", err);
			return 2;
		}
	}
	if (o.gateway &&
	    strspn(o.gateway, "abcdefghijklmnopqrstuvwxyz"
	                      "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                      "0123456789-_.") != strlen(o.gateway)) {
		fprintf(stderr,
		        "hnv-gateway: --gateway '%s': letters, digits, "
		        "'-', '_' and '.' only\n",
		        o.gateway);
		return 2;
	}
	if (mkdir(o.state_dir, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "hnv-gateway: --state-dir %s: %s\n",
		        o.state_dir, strerror(errno));
		return 1;
	}
	{
		char *vd = state_path("vpn");
		mkdir(vd, 0700);
		free(vd);
	}
	log_init("hnv-gateway", o.fg, o.verbose);
	if (netns_init() < 0)
		log_warnx("named namespaces are made in this mount namespace");
	if (!o.fg && daemon(0, 0) < 0)
		fatal("daemon");
	if (o.pidfile) {
		FILE *f = fopen(o.pidfile, "we");
		if (f) {
			fprintf(f, "%d\n", (int)getpid());
			fclose(f);
		}
	}
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &ss, NULL);
	sfd = signalfd(-1, &ss, SFD_CLOEXEC | SFD_NONBLOCK);
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (sfd < 0 || efd < 0)
		fatal("signalfd/eventfd");
	curl_global_init(CURL_GLOBAL_DEFAULT);

	/* the last configuration, at once */
	{
		char *p = state_path("config.json");
		json_t *j = o.config_file ? load_file(o.config_file, false)
		                          : load_file(p, true);
		if (j)
			take_config(j, o.config_file ? o.config_file : p);
		free(p);
	}
	if (o.controller) {
		set_ctrl_state("connecting", NULL);
		if (pthread_create(&tp, NULL, poll_main, NULL) ||
		    pthread_create(&th, NULL, heartbeat_main, NULL))
			fatalx("cannot start the controller threads");
	}
	log_info("started (%s %s)", o.controller ? "controller" : "config",
	         o.controller ? o.controller : o.config_file);

	while (!stopping) {
		struct pollfd pf[MAX_POLL];
		struct {
			struct gw_probe *p;
			struct crt *r;
			size_t l;
		} who[MAX_POLL];
		size_t n = 0;
		uint64_t now = time_ns(), deadline = MIN(next_tick, next_retry);
		int timeout;

		pf[n++] = (struct pollfd){.fd = sfd, .events = POLLIN};
		pf[n++] = (struct pollfd){.fd = efd, .events = POLLIN};
		for (size_t i = 0; i < n_crts; i++) {
			struct crt *r = &crts[i];
			const struct gw_comp *cp = gw_config_find(&cfg, r->id);
			if (!cp || !cp->active)
				continue;
			for (size_t l = 0; l < r->n_lbs; l++)
				for (size_t b = 0; r->probes[l][b].ns[0]; b++) {
					short ev = 0;
					int fd = gw_probe_poll(&r->probes[l][b],
					                       &ev, &deadline);
					if (n < MAX_POLL) {
						who[n].p = &r->probes[l][b];
						who[n].r = r;
						who[n].l = l;
						pf[n++] = (struct pollfd){
						    .fd = fd, .events = ev};
					}
				}
		}
		timeout = deadline > now ? (int)((deadline - now) / MS) + 1 : 0;
		bool retaken = false;
		if (poll(pf, n, MIN(timeout, 1000)) < 0 && errno != EINTR)
			fatal("poll");
		now = time_ns();
		if (pf[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGHUP && o.config_file) {
					json_t *j =
					    load_file(o.config_file, false);
					if (j) {
						take_config(j, o.config_file);
						retaken = true;
					}
				} else if (si.ssi_signo != SIGHUP) {
					log_info(
					    "signal %d: exiting (the "
					    "compartments stay as they are)",
					    (int)si.ssi_signo);
					stopping = true;
				}
			}
		}
		if (pf[1].revents & POLLIN) {
			uint64_t v;
			json_t *j;
			if (read(efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
				log_warn("eventfd");
			pthread_mutex_lock(&mu);
			j = pending;
			pending = NULL;
			pthread_mutex_unlock(&mu);
			if (j) {
				take_config(j, "the controller");
				retaken = true;
			}
		}
		/* a new configuration may have freed the probes polled */
		for (size_t i = 2; i < n && !retaken; i++) {
			struct gw_probe *p = who[i].p;
			if (gw_probe_run(p, pf[i].revents, now)) {
				struct crt *r = who[i].r;
				size_t l = who[i].l,
				       b = (size_t)(p - r->probes[l]);
				char pa[IP_ADDR_STRLEN];

				r->healthy[l][b] = p->healthy;
				log_info("compartment %s: backend %s of %s is "
				         "%s (%s)",
				         r->id, ip_fmt(&p->addr, pa),
				         gw_config_find(&cfg, r->id)->lbs[l].id,
				         p->healthy ? "healthy" : "down",
				         p->last_error[0] ? p->last_error
				                          : "ok");
				r->dirty = true;
			}
		}
		for (size_t i = 0; i < n_crts; i++)
			if (crts[i].dirty && crts[i].ok) {
				const struct gw_comp *cp =
				    gw_config_find(&cfg, crts[i].id);
				if (cp)
					apply_one(&crts[i], cp);
			}
		if (now >= next_retry) {
			/* what waits for the agent, soon: a takeover waits
			 * on it */
			retry_all();
			next_retry = now + 200 * MS;
		}
		if (now >= next_tick) {
			publish_status();
			next_tick = now + 1000 * MS;
		}
	}
	if (o.controller) {
		pthread_join(tp, NULL);
		pthread_join(th, NULL);
	}
	urllist_uninit(&ctrls);
	if (o.pidfile)
		unlink(o.pidfile);
	return 0;
}
