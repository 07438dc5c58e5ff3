/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hnv-agent: the OpenHNV host daemon.  Owns the host's provider addresses
 * on the uplink, attaches VM adapters, runs the data plane, keeps the host
 * policy in a state database and serves the control socket for hnvctl.
 *
 * One thread, one epoll loop (after Redis ae.c and OVS poll-loop): the
 * uplink, every TAP, the control socket and its clients, a 1 s timer and
 * a signalfd; two helper threads (the state writer, the parser of large
 * requests) report through eventfds in the same loop.  Signals only set
 * state through the signalfd.
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/store.h"
#include "agent/sync.h"
#include "io/link.h"
#include "io/netns.h"
#include "lib/log.h"
#include "lib/urllist.h"
#include "policy/json.h"

#define DEFAULT_CONTROL "/run/openhnv/agent.sock"
#define DEFAULT_STATE "/var/lib/openhnv/state.db"
/* The previous version's default: imported when the new one is absent. */
#define LEGACY_STATE "/var/lib/openhnv/state.json"

static void
usage(FILE *f)
{
	fprintf(f,
	        "usage: hnv-agent --uplink IFACE [options]\n"
	        "\n"
	        "The OpenHNV host daemon: NVGRE network virtualization on "
	        "IFACE.\n"
	        "\n"
	        "  -u, --uplink IFACE      physical interface carrying NVGRE "
	        "(required)\n"
	        "  -c, --control PATH      control socket (default %s)\n"
	        "  -s, --state PATH        state database (default %s; a "
	        "JSON state\n"
	        "                          file of an older version is "
	        "imported)\n"
	        "  -p, --netns-prefix P    prefix of VM network namespace "
	        "names (default none)\n"
	        "  -P, --pidfile PATH      write the daemon's pid here\n"
	        "  -e, --encap TUNNEL      nvgre (default) or vxlan: what this "
	        "host sends\n"
	        "                          (it receives both)\n"
	        "  -f, --flowid MODE       NVGRE FlowID (VXLAN source port): "
	        "hash\n"
	        "                          (default) or zero\n"
	        "      --busy-poll USECS   after traffic, poll without "
	        "sleeping this long\n"
	        "                          (default 0: always sleep "
	        "in between)\n"
	        "      --tap-offload on|off  TSO and checksum offload on the "
	        "VMs' TAPs\n"
	        "                          (default on: TCP super-frames "
	        "both ways)\n"
	        "      --poll-mode on|off  a port with steady traffic is read "
	        "on every turn\n"
	        "                          instead of waking the agent per "
	        "frame (default on)\n"
	        "      --uplink-io afpacket|afxdp  the uplink's sockets "
	        "(default afpacket;\n"
	        "                          afxdp: tunnel frames through "
	        "AF_XDP)\n"
	        "      --fast-path on|off  the decision cache (default on; "
	        "off: every\n"
	        "                          frame through every stage)\n"
	        "  -C, --controller URL[,URL...]\n"
	        "                          follow the controller at URL "
	        "(http or https):\n"
	        "                          its changes only; local policy "
	        "writes are refused.\n"
	        "                          Several (at most 16, one "
	        "cluster): one at a time,\n"
	        "                          the next at once when it fails\n"
	        "  -H, --host NAME         this host's name at the "
	        "controller (with\n"
	        "                          --controller; default: the "
	        "hostname)\n"
	        "  -T, --token-file PATH   the controller's bearer token "
	        "(one line)\n"
	        "      --ca-file PATH      CA certificates (PEM) of an https "
	        "controller\n"
	        "                          (default: the system's)\n"
	        "  -d, --foreground        stay in the foreground, log to "
	        "stderr\n"
	        "  -n, --check             check the configuration and state "
	        "file, then exit\n"
	        "  -v, --verbose           more logging\n"
	        "  -h, --help              this help\n"
	        "\n"
	        "See hnv-agent(8) and hnvctl(8).\n",
	        DEFAULT_CONTROL, DEFAULT_STATE);
}

static int
daemonize(void)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		return -errno;
	if (pid > 0)
		_exit(0);
	setsid();
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0)
		_exit(0);
	if (chdir("/") < 0)
		return -errno;
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	return 0;
}

static void
write_pidfile(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		log_warn("pidfile %s", path);
		return;
	}
	fprintf(f, "%d\n", (int)getpid());
	fclose(f);
}

/* With the default --state, the previous version's default file. */
static const char *
legacy_state(const struct agent *a)
{
	return strcmp(a->state_path, DEFAULT_STATE) ? NULL : LEGACY_STATE;
}

static int
check_config(struct agent *a)
{
	struct pmsg m = {0};

	if (link_ifindex(a->uplink) < 0) {
		fprintf(stderr, "hnv-agent: uplink '%s': no such interface\n",
		        a->uplink);
		return 1;
	}
	if (store_open_legacy(a->state_path, legacy_state(a), true, &a->store,
	                      &m) < 0 ||
	    store_load(a->store, a->pol, a->vms, &m) < 0) {
		fprintf(stderr, "hnv-agent: %s\n", m.err);
		store_close(a->store);
		return 1;
	}
	for (int i = 0; i < m.n_warn; i++)
		fprintf(stderr, "hnv-agent: warning: %s\n", m.warn[i]);
	if (store_is_json(a->store))
		printf(
		    "configuration OK: uplink %s, state %s (JSON of an older "
		    "version: imported into %s at the next start; %zu "
		    "lookup records)\n",
		    a->uplink, store_path(a->store), a->state_path,
		    policy_lr_count(a->pol));
	else
		printf("configuration OK: uplink %s, state %s (%zu lookup "
		       "records)\n",
		       a->uplink, a->state_path, policy_lr_count(a->pol));
	store_close(a->store);
	return 0;
}

static void
loop(struct agent *a, int sfd, int tfd)
{
	struct epoll_event evs[64];
	int timeout = -1;

	while (!a->quit) {
		int n = epoll_wait(a->epfd, evs, 64, timeout);
		uint64_t t0 = time_ns();

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			fatal("epoll_wait");
		for (int i = 0; i < n; i++) {
			uint32_t type = (uint32_t)(evs[i].data.u64 >> 32);
			int id = (int)(uint32_t)evs[i].data.u64;

			switch (type) {
			case EV_PORT:
				ports_event(a, id, evs[i].events);
				a->port_active_ns = t0;
				break;
			case EV_LINK:
				uplink_link_event(a);
				break;
			case EV_LISTEN:
				control_accept(a);
				break;
			case EV_CLIENT:
				control_client_event(a, id, evs[i].events);
				break;
			case EV_STORE:
				control_store_event(a);
				break;
			case EV_PARSER:
				control_parser_event(a);
				break;
			case EV_SYNC:
				/* control_run() takes the reply. */
				break;
			case EV_TIMER: {
				uint64_t x;

				if (read(tfd, &x, sizeof(x)) < 0)
					break;
				pipeline_tick(a->pl);
				ports_watch(a);
				if (!a->linkmon)
					uplink_sync(a);
				break;
			}
			case EV_SIGNAL: {
				struct signalfd_siginfo si;

				if (read(sfd, &si, sizeof(si)) != sizeof(si))
					break;
				if (si.ssi_signo == SIGHUP) {
					log_info("SIGHUP: checking the uplink; "
					         "making missing VM namespaces "
					         "and adapters again");
					uplink_sync(a);
					ports_restore(a);
					break;
				}
				log_info("signal %d: exiting (adapters "
				         "persist)",
				         (int)si.ssi_signo);
				a->quit = true;
				break;
			}
			}
		}
		/* Requests, and a slice of a long one: between polls. */
		timeout = control_run(a);
		learn_run(a);
		if (a->ports_busy) {
			int t = ports_retry_busy(a);
			if (t >= 0 && (timeout < 0 || t < timeout))
				timeout = t;
		}
		if (a->n_polled && ports_poll(a))
			timeout = 0;
		if (a->uplink_xdp)
			uplink_xdp_sync(a);
		/* Busy polling: soon after traffic, look again at once
		 * (letting anything else runnable on this CPU go first). */
		if (a->busy_poll_ns && timeout != 0 &&
		    time_ns() - a->port_active_ns < a->busy_poll_ns) {
			timeout = 0;
			sched_yield();
		}
		/* How long the loop was away from epoll_wait: the longest
		 * time no port could be polled (stats: control). */
		a->lat.max_loop = MAX(a->lat.max_loop, time_ns() - t0);
	}
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"uplink", required_argument, NULL, 'u'},
	    {"control", required_argument, NULL, 'c'},
	    {"state", required_argument, NULL, 's'},
	    {"netns-prefix", required_argument, NULL, 'p'},
	    {"pidfile", required_argument, NULL, 'P'},
	    {"flowid", required_argument, NULL, 'f'},
	    {"encap", required_argument, NULL, 'e'},
	    {"controller", required_argument, NULL, 'C'},
	    {"host", required_argument, NULL, 'H'},
	    {"token-file", required_argument, NULL, 'T'},
	    {"ca-file", required_argument, NULL, 1001},
	    {"tap-offload", required_argument, NULL, 1002},
	    {"busy-poll", required_argument, NULL, 1003},
	    {"fast-path", required_argument, NULL, 1004},
	    {"poll-mode", required_argument, NULL, 1005},
	    {"uplink-io", required_argument, NULL, 1006},
	    {"foreground", no_argument, NULL, 'd'},
	    {"check", no_argument, NULL, 'n'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	struct agent a = {.busy_poll_ns = 0,
	                  .poll_mode = true,
	                  .control_path = DEFAULT_CONTROL,
	                  .state_path = DEFAULT_STATE,
	                  .netns_prefix = "",
	                  .listen_fd = -1};
	struct pipeline_config cfg = {0};
	const char *pidfile = NULL, *token_file = NULL, *ca_file = NULL;
	char *token = NULL, hostname[256];
	bool fg = false, check = false;
	struct epoll_event ev = {.events = EPOLLIN};
	struct itimerspec its = {{1, 0}, {1, 0}};
	struct pmsg m = {0};
	sigset_t mask;
	int c, verbose = 0, sfd, tfd, nserr;

	while ((c = getopt_long(argc, argv, "u:c:s:p:P:f:e:C:H:T:dnvh", opts,
	                        NULL)) != -1) {
		switch (c) {
		case 'u':
			a.uplink = optarg;
			break;
		case 'c':
			a.control_path = optarg;
			break;
		case 's':
			a.state_path = optarg;
			break;
		case 'p':
			a.netns_prefix = optarg;
			break;
		case 'P':
			pidfile = optarg;
			break;
		case 'f':
			if (!strcmp(optarg, "zero"))
				a.flowid_zero = true;
			else if (strcmp(optarg, "hash")) {
				fprintf(stderr,
				        "hnv-agent: --flowid: '%s' is "
				        "not hash or zero\n",
				        optarg);
				return 2;
			}
			break;
		case 'e':
			if (pipeline_encap_parse(optarg, &a.encap) < 0) {
				fprintf(stderr,
				        "hnv-agent: --encap: '%s' is "
				        "not nvgre or vxlan\n",
				        optarg);
				return 2;
			}
			break;
		case 'C':
			a.controller_url = optarg;
			break;
		case 'H':
			a.controller_host = optarg;
			break;
		case 'T':
			token_file = optarg;
			break;
		case 1001:
			ca_file = optarg;
			break;
		case 1002:
		case 1004:
		case 1005: {
			const char *opt = c == 1002   ? "tap-offload"
			                  : c == 1004 ? "fast-path"
			                              : "poll-mode";
			bool on = !strcmp(optarg, "on");

			if (!on && strcmp(optarg, "off")) {
				fprintf(stderr,
				        "hnv-agent: --%s: '%s' is not on or "
				        "off\n",
				        opt, optarg);
				return 2;
			}
			if (c == 1002)
				io_tap_set_offload(on);
			else if (c == 1004)
				cfg.no_fast_path = !on;
			else
				a.poll_mode = on;
			break;
		}
		case 1006:
			if (strcmp(optarg, "afpacket") &&
			    strcmp(optarg, "afxdp")) {
				fprintf(stderr,
				        "hnv-agent: --uplink-io: '%s' is not "
				        "afpacket or afxdp\n",
				        optarg);
				return 2;
			}
			a.uplink_xdp = !strcmp(optarg, "afxdp");
			break;
		case 1003: {
			char *end;
			unsigned long us;

			errno = 0;
			us = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || us > 100000 ||
			    optarg[0] == '-') {
				fprintf(stderr,
				        "hnv-agent: --busy-poll: '%s' is not "
				        "a number of microseconds from 0 to "
				        "100000\n",
				        optarg);
				return 2;
			}
			a.busy_poll_ns = us * 1000;
			break;
		}
		case 'd':
			fg = true;
			break;
		case 'n':
			check = true;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (a.uplink && (!a.uplink[0] || strlen(a.uplink) >= 16)) {
		fprintf(stderr,
		        "hnv-agent: --uplink: '%s' is not an interface name "
		        "(1 to 15 characters)\n",
		        a.uplink);
		return 2;
	}
	if (optind < argc || !a.uplink) {
		fprintf(stderr, "hnv-agent: %s\n",
		        a.uplink ? "unexpected argument"
		                 : "missing --uplink IFACE");
		usage(stderr);
		return 2;
	}
	if (a.controller_url) {
		struct urllist l;
		char err[512];

		if (urllist_parse(&l, a.controller_url, err, sizeof(err)) < 0) {
			fprintf(stderr, "hnv-agent: --controller: %s\n", err);
			return 2;
		}
		urllist_uninit(&l);
	}
	if (!a.controller_url && (a.controller_host || token_file || ca_file)) {
		fprintf(stderr, "hnv-agent: --%s needs --controller URL\n",
		        a.controller_host ? "host"
		        : token_file      ? "token-file"
		                          : "ca-file");
		return 2;
	}
	if (a.controller_url && !a.controller_host) {
		if (gethostname(hostname, sizeof(hostname)) < 0 ||
		    !hostname[0]) {
			fprintf(stderr, "hnv-agent: --controller needs --host "
			                "NAME (no hostname)\n");
			return 2;
		}
		hostname[sizeof(hostname) - 1] = '\0';
		a.controller_host = hostname;
	}
	if (a.controller_host &&
	    (!a.controller_host[0] || strlen(a.controller_host) > 200)) {
		fprintf(stderr, "hnv-agent: --host: '%s' is not a host name\n",
		        a.controller_host);
		return 2;
	}
	if (a.controller_host)
		snprintf(a.tap_owner, sizeof(a.tap_owner), "hnv-agent %.60s",
		         a.controller_host);
	if (token_file) {
		char err[512];

		token = sync_read_token(token_file, err, sizeof(err));
		if (!token) {
			fprintf(stderr, "hnv-agent: %s\n", err);
			return 2;
		}
	}
	/* Large blocks (hash tables of a million records, batch vectors)
	 * come straight from mmap: fresh zero pages, faulted in as they are
	 * used.  glibc's default threshold rises as such blocks are freed,
	 * after which a doubling of a 16 MB table was a calloc from the heap
	 * that cleared and faulted it all at once (100 ms in one insert on
	 * a VM with slow page faults). */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
	/* No fastbins: freed small blocks coalesce as they are freed.  With
	 * them, the hundreds of thousands of small objects of a parsed batch
	 * sat in fastbins until one free that made a 64 KB block consolidated
	 * them all at once: 100 ms of the loop's time in one free(). */
	mallopt(M_MXFAST, 0);
	nserr = netns_init();
	a.pol = policy_create();
	a.vms = json_array();
	if (check)
		return check_config(&a);
	log_init("hnv-agent", fg, verbose);
	if (nserr < 0)
		log_warnx("cannot open PID 1's mount namespace (%s): VM "
		          "namespaces are made in ours; if it is a private one "
		          "(a service's sandbox), nobody else sees them",
		          strerror(-nserr));
	if (!fg && daemonize() < 0)
		fatal("daemonize");
	if (pidfile)
		write_pidfile(pidfile);
	signal(SIGPIPE, SIG_IGN);
	/* Before any thread: curl_global_init is not thread-safe. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("cannot initialise libcurl");
	a.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (a.epfd < 0)
		fatal("epoll_create1");
	cfg.flowid_zero = a.flowid_zero;
	cfg.encap = a.encap;
	a.pl = pipeline_create(a.pol, &cfg);
	/* Up, down or gone: the agent runs and waits for it. */
	uplink_init(&a);

	/* Blocked before any thread starts (the store's writer, the
	 * parser): only the loop takes them, through the signalfd. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	if (store_open_legacy(a.state_path, legacy_state(&a), false, &a.store,
	                      &m) < 0 ||
	    store_load(a.store, a.pol, a.vms, &m) < 0)
		fatalx("%s (move it away to start empty)", m.err);
	for (int i = 0; i < m.n_warn; i++)
		log_warnx("%s", m.warn[i]);
	/* Where we are in the controller's stream.  Forwarding starts on
	 * the state held, before the controller answers. */
	a.sa = syncapply_create(store_controller(a.store));
	if (!a.controller_url && syncapply_revision(a.sa)) {
		/* Local writes may follow: a controller later starts over. */
		log_info("not under a controller: the next one will resync "
		         "this host in full");
		syncapply_forget(&a);
		store_mark(a.store);
	}
	ports_restore(&a);
	log_info("uplink %s (%s, ifindex %d, mtu %d, %s); restored %zu lookup "
	         "records from %s",
	         a.uplink, uplink_state_name(a.uplink_state), a.uplink_ifindex,
	         a.uplink_mtu, pipeline_encap_name(a.encap),
	         policy_lr_count(a.pol), a.state_path);

	if (control_open(&a) < 0)
		fatalx("cannot open the control socket %s", a.control_path);
	privs_drop(a.uplink_xdp);
	/* Threads start after the drop: capabilities are per thread, and a
	 * thread inherits its creator's. */
	if (store_start(a.store) < 0)
		fatalx("cannot start the state writer thread");
	if (a.controller_url) {
		struct sync_config sc = {
		    .url = a.controller_url,
		    .host = a.controller_host,
		    .token = token,
		    .version = AGENT_VERSION,
		    .encap = pipeline_encap_name(a.encap),
		    .ca_file = ca_file,
		};

		a.sync = sync_create(&sc, syncapply_revision(a.sa),
		                     syncapply_epoch(a.sa));
		ev.data.u64 = EV_ID(EV_SYNC, 0);
		epoll_ctl(a.epfd, EPOLL_CTL_ADD, sync_fd(a.sync), &ev);
		if (sync_start(a.sync) < 0)
			fatalx("cannot start the controller sync thread");
		log_info("following the controller %s as host %s from "
		         "revision %llu",
		         a.controller_url, a.controller_host,
		         (unsigned long long)syncapply_revision(a.sa));
	}

	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	ev.data.u64 = EV_ID(EV_SIGNAL, 0);
	epoll_ctl(a.epfd, EPOLL_CTL_ADD, sfd, &ev);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	timerfd_settime(tfd, 0, &its, NULL);
	ev.data.u64 = EV_ID(EV_TIMER, 0);
	epoll_ctl(a.epfd, EPOLL_CTL_ADD, tfd, &ev);

	loop(&a, sfd, tfd);

	/* Ports persist: close our ends, leave the TAPs to the guests. */
	for (int i = 1; i <= pipeline_max_port(a.pl); i++) {
		struct io_port *io = pipeline_port_io(a.pl, i);

		if (io) {
			pipeline_remove_port(a.pl, i);
			io_destroy(io);
		}
	}
	sync_destroy(a.sync); /* before the job it may feed goes */
	control_close_all(&a);
	store_close(a.store); /* writes what is marked */
	syncapply_destroy(a.sa);
	free(token);
	curl_global_cleanup();
	uplink_fini(&a);
	pipeline_destroy(a.pl);
	policy_destroy(a.pol);
	json_decref(a.vms);
	if (pidfile)
		unlink(pidfile);
	return 0;
}
