/* SPDX-License-Identifier: Apache-2.0 */
/* log: stderr or syslog, with a per-call-site rate limiter. */
#include "lib/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

static const char *log_prog = "hnv";
static bool log_stderr = true;
static int log_verbose;

void
log_init(const char *progname, bool to_stderr, int verbose)
{
	log_prog = progname;
	log_stderr = to_stderr;
	log_verbose = verbose;
	if (!to_stderr)
		openlog(progname, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

static void
vlog(int pri, const char *fmt, va_list ap, const char *err)
{
	char buf[1024];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (log_stderr) {
		if (err)
			fprintf(stderr, "%s: %s: %s\n", log_prog, buf, err);
		else
			fprintf(stderr, "%s: %s\n", log_prog, buf);
		fflush(stderr);
	} else if (err) {
		syslog(pri, "%s: %s", buf, err);
	} else {
		syslog(pri, "%s", buf);
	}
}

#define LOG_FN(name, pri, with_err, cond)                                      \
	void name(const char *fmt, ...)                                        \
	{                                                                      \
		int saved = errno;                                             \
		va_list ap;                                                    \
		if (!(cond))                                                   \
			return;                                                \
		va_start(ap, fmt);                                             \
		vlog(pri, fmt, ap, with_err ? strerror(saved) : NULL);         \
		va_end(ap);                                                    \
		errno = saved;                                                 \
	}

LOG_FN(log_warn, LOG_WARNING, true, true)
LOG_FN(log_warnx, LOG_WARNING, false, true)
LOG_FN(log_info, LOG_INFO, false, true)
LOG_FN(log_debug, LOG_DEBUG, false, log_verbose > 0)

void
fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, strerror(saved));
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, NULL);
	va_end(ap);
	exit(1);
}

bool
log_ratelimit_(unsigned long long *last_ns)
{
	unsigned long long now = time_ns();

	if (*last_ns && now - *last_ns < 1000000000ull)
		return false;
	*last_ns = now;
	return true;
}
