/* SPDX-License-Identifier: Apache-2.0 */
/*
 * udp-gap: a steady UDP stream and the longest silence in it, to see how
 * long forwarding stops (bench/agent runs it between two VMs while the
 * agent applies a large batch).
 *
 *   udp-gap send ADDR PORT RATE   packets of 64 bytes, RATE per second,
 *                                 paced on absolute times, until killed
 *   udp-gap recv PORT             until SIGINT/SIGTERM, then prints
 *
 * The receiver takes each packet's kernel receive time (SO_TIMESTAMPNS),
 * so its own scheduling does not count, and prints one "NAME VALUE" line
 * per figure: packets, lost (by sequence number), max_gap_us (the
 * longest time between two packets received one after the other),
 * max_gap_at_ms (when it ended, from the first packet), p99_gap_us,
 * p999_gap_us, gaps_over_2ms, gaps_over_10ms; then one line
 * "gap END_NS GAP_US" per gap over 1 ms (END_NS: when it ended, in
 * CLOCK_REALTIME nanoseconds), so that a caller can pick the gaps of a
 * time window (bench/agent: while a batch applied).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	fprintf(f, "usage: udp-gap send ADDR PORT RATE\n"
	           "       udp-gap recv PORT\n"
	           "A paced UDP stream, and the longest gap between packets "
	           "received\n(printed when the receiver gets SIGTERM or "
	           "SIGINT).\n");
}

static uint64_t
ts_ns(const struct timespec *t)
{
	return (uint64_t)t->tv_sec * 1000000000ull + (uint64_t)t->tv_nsec;
}

static int
do_send(const char *addr, int port, long rate)
{
	struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6};
	struct sockaddr_in sin = {.sin_family = AF_INET};
	struct sockaddr *sa;
	socklen_t salen;
	struct timespec next;
	uint64_t step = 1000000000ull / (uint64_t)rate;
	uint32_t seq = 0;
	char buf[64] = {0};
	int fd;

	if (inet_pton(AF_INET, addr, &sin.sin_addr) == 1) {
		sin.sin_port = htons((uint16_t)port);
		sa = (struct sockaddr *)&sin;
		salen = sizeof(sin);
	} else if (inet_pton(AF_INET6, addr, &sin6.sin6_addr) == 1) {
		sin6.sin6_port = htons((uint16_t)port);
		sa = (struct sockaddr *)&sin6;
		salen = sizeof(sin6);
	} else {
		fprintf(stderr, "udp-gap: '%s' is not an address\n", addr);
		return 2;
	}
	fd = socket(sa->sa_family, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("udp-gap: socket");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!stop) {
		uint32_t n = htonl(seq++);
		uint64_t t;

		memcpy(buf, &n, sizeof(n));
		if (sendto(fd, buf, sizeof(buf), 0, sa, salen) < 0 &&
		    errno != ENOBUFS && errno != EAGAIN)
			perror("udp-gap: sendto");
		t = ts_ns(&next) + step;
		next.tv_sec = (time_t)(t / 1000000000ull);
		next.tv_nsec = (long)(t % 1000000000ull);
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	close(fd);
	return 0;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int
do_recv(int port)
{
	struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6,
	                            .sin6_port = htons((uint16_t)port)};
	size_t n = 0, cap = 1 << 16, over2 = 0, over10 = 0, nlong = 0;
	uint64_t *gaps = malloc(cap * sizeof(*gaps));
	struct {
		uint64_t end, gap;
	} *longs = malloc(100000 * sizeof(*longs));
	uint64_t first = 0, last = 0, max = 0, max_at = 0;
	uint32_t seq0 = 0, seq_max = 0;
	int one = 1, fd = socket(AF_INET6, SOCK_DGRAM, 0);

	if (fd < 0 || !gaps || !longs) {
		perror("udp-gap: socket");
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &(int){0}, sizeof(int));
	if (bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) < 0) {
		perror("udp-gap: bind");
		return 1;
	}
	while (!stop) {
		char buf[256], ctl[256];
		struct iovec iov = {buf, sizeof(buf)};
		struct msghdr mh = {.msg_iov = &iov,
		                    .msg_iovlen = 1,
		                    .msg_control = ctl,
		                    .msg_controllen = sizeof(ctl)};
		struct timespec now;
		uint64_t t = 0;
		uint32_t seq;
		ssize_t r = recvmsg(fd, &mh, 0);

		if (r < 4)
			continue; /* EINTR at the end, or a runt */
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c;
		     c = CMSG_NXTHDR(&mh, c))
			if (c->cmsg_level == SOL_SOCKET &&
			    c->cmsg_type == SO_TIMESTAMPNS) {
				memcpy(&now, CMSG_DATA(c), sizeof(now));
				t = ts_ns(&now);
			}
		if (!t) {
			clock_gettime(CLOCK_REALTIME, &now);
			t = ts_ns(&now);
		}
		memcpy(&seq, buf, sizeof(seq));
		seq = ntohl(seq);
		if (!first) {
			first = t;
			seq0 = seq;
		} else {
			uint64_t g = t > last ? t - last : 0;

			if (n == cap) {
				cap *= 2;
				gaps = realloc(gaps, cap * sizeof(*gaps));
				if (!gaps)
					return 1;
			}
			gaps[n++] = g;
			if (g > 1000000 && nlong < 100000) {
				longs[nlong].end = t;
				longs[nlong++].gap = g;
			}
			over2 += g > 2000000;
			over10 += g > 10000000;
			if (g > max) {
				max = g;
				max_at = t - first;
			}
		}
		last = t;
		if (seq > seq_max)
			seq_max = seq;
	}
	qsort(gaps, n, sizeof(*gaps), cmp_u64);
	printf("packets %zu\n", first ? n + 1 : 0);
	printf("lost %lld\n",
	       first ? (long long)(seq_max - seq0 + 1) - (long long)(n + 1)
	             : 0);
	printf("max_gap_us %llu\n", (unsigned long long)max / 1000);
	printf("max_gap_at_ms %llu\n", (unsigned long long)max_at / 1000000);
	printf("p99_gap_us %llu\n",
	       n ? (unsigned long long)gaps[n * 99 / 100] / 1000 : 0);
	printf("p999_gap_us %llu\n",
	       n ? (unsigned long long)gaps[n * 999 / 1000] / 1000 : 0);
	printf("gaps_over_2ms %zu\n", over2);
	printf("gaps_over_10ms %zu\n", over10);
	for (size_t i = 0; i < nlong; i++)
		printf("gap %llu %llu\n", (unsigned long long)longs[i].end,
		       (unsigned long long)longs[i].gap / 1000);
	free(gaps);
	free(longs);
	return 0;
}

int
main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_signal};

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (argc == 2 &&
	    (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	if (argc == 5 && !strcmp(argv[1], "send") && atol(argv[4]) > 0)
		return do_send(argv[2], atoi(argv[3]), atol(argv[4]));
	if (argc == 3 && !strcmp(argv[1], "recv"))
		return do_recv(atoi(argv[2]));
	usage(stderr);
	return 2;
}
