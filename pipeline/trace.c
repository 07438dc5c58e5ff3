/* SPDX-License-Identifier: Apache-2.0 */
/* trace: per-packet decision records for `hnvctl trace`; drop names. */
#include "pipeline/trace.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pipeline/drop.h"

static const char *const drop_names[] = {
#define X(n, d) #n,
    PKT_ERRORS DROP_REASONS
#undef X
};
static const char *const drop_descs[] = {
#define X(n, d) d,
    PKT_ERRORS DROP_REASONS
#undef X
};

const char *
drop_name(enum drop_reason r)
{
	/* Lower-case copies, made once. */
	static char names[DROP_MAX][40];

	if ((unsigned)r >= DROP_MAX)
		return "unknown";
	if (!names[r][0]) {
		size_t i;

		for (i = 0; drop_names[r][i] && i < sizeof(names[r]) - 1; i++) {
			char c = drop_names[r][i];

			names[r][i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		}
		names[r][i] = '\0';
	}
	return names[r];
}

const char *
drop_desc(enum drop_reason r)
{
	return (unsigned)r < DROP_MAX ? drop_descs[r] : "unknown";
}

void
trace_init(struct trace *t)
{
	memset(t, 0, sizeof(*t));
}

void
trace_step(struct trace *t, const char *stage, const char *fmt, ...)
{
	struct trace_step *s;
	va_list ap;

	if (t->n_steps >= TRACE_MAX_STEPS)
		return;
	s = &t->steps[t->n_steps++];
	strlcpy_(s->stage, stage, sizeof(s->stage));
	va_start(ap, fmt);
	vsnprintf(s->msg, sizeof(s->msg), fmt, ap);
	va_end(ap);
}

void
trace_verdict(struct trace *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->verdict, sizeof(t->verdict), fmt, ap);
	va_end(ap);
}

void
trace_output(struct trace *t, const char *port, const uint8_t *frame,
             size_t len, const char *summary)
{
	struct trace_out *o;

	if (t->n_out >= TRACE_MAX_OUT)
		return;
	o = &t->out[t->n_out++];
	strlcpy_(o->port, port, sizeof(o->port));
	strlcpy_(o->summary, summary, sizeof(o->summary));
	o->len = len;
	memcpy(o->frame, frame, MIN(len, sizeof(o->frame)));
}
