/* SPDX-License-Identifier: Apache-2.0 */
/*
 * log: the daemons' one logging API.  Messages go to stderr (foreground,
 * -d) or syslog.  log_warn appends strerror(errno); log_warnx does not.
 * The data path never logs: it counts drops by reason (pipeline/drop.h).
 * LOG_RL() wraps a call so it runs at most once per second per call site.
 */
#ifndef LIB_LOG_H
#define LIB_LOG_H

#include <stdbool.h>

#include "lib/util.h"

void log_init(const char *progname, bool to_stderr, int verbose);
void log_warn(const char *fmt, ...) PRINTF_FMT(1, 2);
void log_warnx(const char *fmt, ...) PRINTF_FMT(1, 2);
void log_info(const char *fmt, ...) PRINTF_FMT(1, 2);
void log_debug(const char *fmt, ...) PRINTF_FMT(1, 2);
void fatal(const char *fmt, ...) PRINTF_FMT(1, 2) __attribute__((noreturn));
void fatalx(const char *fmt, ...) PRINTF_FMT(1, 2) __attribute__((noreturn));

bool log_ratelimit_(unsigned long long *last_ns);
#define LOG_RL(call)                                                           \
	do {                                                                   \
		static unsigned long long last_;                               \
		if (log_ratelimit_(&last_))                                    \
			call;                                                  \
	} while (0)

#endif
