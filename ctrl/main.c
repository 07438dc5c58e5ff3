/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hnv-controller: the OpenHNV central policy store (doc/controller.md).
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctrl/ctrl.h"
#include "lib/log.h"
#include "lib/util.h"

#define DEFAULT_LISTEN "127.0.0.1:8470"
#define DEFAULT_DB "/var/lib/openhnv/controller.db"
#define MAX_BODY (16u << 20)
#define DEFAULT_VSID_LO 5000u
#define DEFAULT_VSID_HI 16777214u

static void
usage(FILE *f)
{
	fprintf(f,
	        "usage: hnv-controller [options]\n"
	        "\n"
	        "The OpenHNV central policy store: a REST API (doc/"
	        "controller.md, /openapi.json)\n"
	        "over a SQLite database, or an etcd cluster that several "
	        "controllers share;\n"
	        "agents started with --controller follow it.\n"
	        "\n"
	        "  -l, --listen ADDR:PORT  where to listen (default %s;\n"
	        "                          [ADDR6]:PORT, :PORT for every "
	        "address)\n"
	        "  -b, --db PATH           the database (default %s)\n"
	        "  -e, --etcd URL[,URL...] keep the policy in this etcd "
	        "cluster instead (its\n"
	        "                          members' client URLs); "
	        "controllers on one cluster\n"
	        "                          serve the same policy and "
	        "revisions\n"
	        "  -t, --token-file PATH   the bearer token clients must send; "
	        "generated\n"
	        "                          (mode 0600) if missing (default: "
	        "the database\n"
	        "                          path + .token; with --etcd "
	        "required: every\n"
	        "                          controller needs the same token)\n"
	        "      --tls-cert PATH     serve HTTPS with this certificate "
	        "(PEM)\n"
	        "      --tls-key PATH      and this key (PEM)\n"
	        "      --vsid-range LO-HI  where the high-level API allocates "
	        "VSIDs\n"
	        "                          (default %u-%u; within "
	        "4096-16777214)\n"
	        "      --gateway-dead-after SECONDS\n"
	        "                          a gateway without a heartbeat for "
	        "this long is\n"
	        "                          dead: its standby takes over "
	        "(default 3)\n"
	        "  -P, --pidfile PATH      write the daemon's pid here\n"
	        "  -d, --foreground        stay in the foreground, log to "
	        "stderr\n"
	        "  -v, --verbose           more logging\n"
	        "  -h, --help              this help\n"
	        "\n"
	        "See hnv-controller(8).\n",
	        DEFAULT_LISTEN, DEFAULT_DB, DEFAULT_VSID_LO, DEFAULT_VSID_HI);
}

/* "LO-HI" within 4096..16777214: 0, or -1. */
static int
parse_vsid_range(const char *s, uint32_t *lo, uint32_t *hi)
{
	char *end;
	unsigned long a, b;

	if (*s < '0' || *s > '9')
		return -1;
	a = strtoul(s, &end, 10);
	if (*end != '-' || end[1] < '0' || end[1] > '9')
		return -1;
	b = strtoul(end + 1, &end, 10);
	if (*end || a < 4096 || b > 16777214 || a > b)
		return -1;
	*lo = (uint32_t)a;
	*hi = (uint32_t)b;
	return 0;
}

/* Reads the token, or creates the file with a new one: NULL on error. */
static char *
token_load(const char *path)
{
	char buf[256];
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT) {
		unsigned char r[24];
		int u = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
		if (u < 0 || read(u, r, sizeof(r)) != (ssize_t)sizeof(r)) {
			log_warn("/dev/urandom");
			if (u >= 0)
				close(u);
			return NULL;
		}
		close(u);
		size_t o = 0;
		for (size_t i = 0; i < sizeof(r); i++)
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%02x",
			                      r[i]);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 || write(fd, buf, o) != (ssize_t)o ||
		    write(fd, "\n", 1) != 1 || fsync(fd)) {
			log_warn("cannot write the token to %s", path);
			if (fd >= 0)
				close(fd);
			return NULL;
		}
		close(fd);
		log_info("new API token in %s", path);
		return xstrdup(buf);
	}
	if (fd < 0) {
		log_warn("cannot read the token file %s", path);
		return NULL;
	}
	struct stat st;
	if (!fstat(fd, &st) && (st.st_mode & 077))
		log_warnx("token file %s is readable by others (mode %03o): "
		          "chmod 600 it",
		          path, (unsigned)(st.st_mode & 0777));
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0) {
		log_warnx("token file %s is empty", path);
		return NULL;
	}
	buf[n] = '\0';
	buf[strcspn(buf, " \t\r\n")] = '\0';
	if (strlen(buf) < 16) {
		log_warnx("token file %s: the token is shorter than 16 "
		          "characters",
		          path);
		return NULL;
	}
	return xstrdup(buf);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"listen", required_argument, NULL, 'l'},
	    {"db", required_argument, NULL, 'b'},
	    {"etcd", required_argument, NULL, 'e'},
	    {"etcd-prefix", required_argument, NULL, 'E'},
	    {"token-file", required_argument, NULL, 't'},
	    {"tls-cert", required_argument, NULL, 'C'},
	    {"tls-key", required_argument, NULL, 'K'},
	    {"pidfile", required_argument, NULL, 'P'},
	    {"vsid-range", required_argument, NULL, 'V'},
	    {"gateway-dead-after", required_argument, NULL, 'G'},
	    {"foreground", no_argument, NULL, 'd'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct http_cfg cfg = {.listen = DEFAULT_LISTEN, .max_body = MAX_BODY};
	const char *db = DEFAULT_DB, *token_file = NULL, *pidfile = NULL;
	const char *etcd = NULL;
	bool db_set = false;
	bool fg = false;
	uint32_t vsid_lo = DEFAULT_VSID_LO, vsid_hi = DEFAULT_VSID_HI;
	int verbose = 0, c;
	double dead_after = 3;
	char *end;

	while ((c = getopt_long(argc, argv, "l:b:e:t:P:dvh", opts, NULL)) !=
	       -1) {
		switch (c) {
		case 'l':
			cfg.listen = optarg;
			break;
		case 'b':
			db = optarg;
			db_set = true;
			break;
		case 'e':
			etcd = optarg;
			break;
		case 'E':
			if (optarg[0] != '/' || strlen(optarg) > 100) {
				fprintf(
				    stderr,
				    "hnv-controller: --etcd-prefix '%s': a key "
				    "prefix starting with '/', at most 100 "
				    "characters\n",
				    optarg);
				return 2;
			}
			store_etcd_prefix = optarg;
			break;
		case 't':
			token_file = optarg;
			break;
		case 'C':
			cfg.tls_cert = optarg;
			break;
		case 'K':
			cfg.tls_key = optarg;
			break;
		case 'P':
			pidfile = optarg;
			break;
		case 'V':
			if (parse_vsid_range(optarg, &vsid_lo, &vsid_hi)) {
				fprintf(stderr,
				        "hnv-controller: --vsid-range '%s': "
				        "expected LO-HI with 4096 <= LO <= HI "
				        "<= 16777214\n",
				        optarg);
				return 2;
			}
			break;
		case 'G':
			dead_after = strtod(optarg, &end);
			if (end == optarg || *end || !(dead_after > 0) ||
			    dead_after > 86400) {
				fprintf(
				    stderr,
				    "hnv-controller: --gateway-dead-after "
				    "'%s': seconds, more than 0 and at most "
				    "86400\n",
				    optarg);
				return 2;
			}
			break;
		case 'd':
			fg = true;
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
	if (optind < argc) {
		fprintf(stderr, "hnv-controller: unexpected argument '%s'\n",
		        argv[optind]);
		usage(stderr);
		return 2;
	}
	if (etcd && db_set) {
		fprintf(stderr, "hnv-controller: --db and --etcd: one store, "
		                "not both\n");
		return 2;
	}
	if (etcd && !token_file) {
		fprintf(stderr,
		        "hnv-controller: --etcd needs --token-file (every "
		        "controller of the cluster must accept the same "
		        "token)\n");
		return 2;
	}
	log_init("hnv-controller", fg, verbose);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	char *where = etcd ? xasprintf("etcd:%s", etcd) : xstrdup(db);

	char *tf = token_file ? xstrdup(token_file) : xasprintf("%s.token", db);
	char *token = token_load(tf);
	if (!token)
		return 1;
	cfg.token = token;

	/* a thousand agents' long polls */
	struct rlimit rl;
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < 8192) {
		rl.rlim_cur = MIN(rl.rlim_max, (rlim_t)8192);
		setrlimit(RLIMIT_NOFILE, &rl);
	}

	struct model md;
	struct cerr e = {0};
	if (model_open(&md, where, vsid_lo, vsid_hi, &e)) {
		log_warnx("%s", e.msg);
		return 1;
	}
	md.gw_dead_after = (uint64_t)(dead_after * 1e9);
	md.started = time_ns();
	if (!fg && daemon(0, 0)) {
		log_warn("daemon");
		return 1;
	}
	if (pidfile) {
		FILE *f = fopen(pidfile, "w");
		if (f) {
			fprintf(f, "%d\n", (int)getpid());
			fclose(f);
		} else {
			log_warn("pidfile %s", pidfile);
		}
	}

	sigset_t ss;
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &ss, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (http_start(&md, &cfg)) {
		model_close(&md);
		return 1;
	}
	/* after daemon(): the store's watch is a thread */
	if (model_watch(&md)) {
		log_warnx("cannot follow the store");
		return 1;
	}
	log_info("listening on %s%s, %s %s at revision %llu", cfg.listen,
	         cfg.tls_cert ? " (HTTPS)" : "", etcd ? "etcd" : "database",
	         etcd ? etcd : db, (unsigned long long)md.rev);
	int sig = 0;
	do
		sigwait(&ss, &sig);
	while (sig == SIGHUP);
	log_info("signal %d: stopping", sig);
	http_stop();
	/* a shared store's watch thread waits on the lock for ever */
	pthread_mutex_lock(&md.lock);
	model_close(&md);
	free(where);
	if (pidfile)
		unlink(pidfile);
	free(token);
	free(tf);
	return 0;
}
