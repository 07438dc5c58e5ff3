/* SPDX-License-Identifier: Apache-2.0 */
/*
 * urllist: parsing --controller URL[,URL...] and the failover rule over
 * it (see urllist.h).
 */
#include "lib/urllist.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

static bool
blank(char c)
{
	return c == ' ' || c == '\t';
}

int
urllist_parse(struct urllist *l, const char *arg, char *err, size_t errlen)
{
	const char *p = arg;

	memset(l, 0, sizeof(*l));
	for (size_t i = 1;; i++) {
		const char *end = p + strcspn(p, ","), *b = p, *e = end, *e0;
		size_t scheme;

		while (b < e && blank(*b))
			b++;
		while (e > b && blank(e[-1]))
			e--;
		if (b == e) {
			if (!strchr(arg, ','))
				snprintf(err, errlen, "no URL given");
			else
				snprintf(err, errlen,
				         "URL %zu of '%s' is empty (URLs are "
				         "separated by single commas)",
				         i, arg);
			goto bad;
		}
		if (l->n == URLLIST_MAX) {
			snprintf(err, errlen,
			         "more than %d URLs: '%.*s' is number %zu",
			         URLLIST_MAX, (int)(e - b), b, i);
			goto bad;
		}
		scheme = !strncmp(b, "http://", 7)    ? 7
		         : !strncmp(b, "https://", 8) ? 8
		                                      : 0;
		if (!scheme) {
			snprintf(err, errlen,
			         "'%.*s' is not an http:// or https:// URL",
			         (int)(e - b), b);
			goto bad;
		}
		e0 = e;
		while (e > b + scheme && e[-1] == '/')
			e--;
		if (e == b + scheme) {
			snprintf(err, errlen, "'%.*s' names no host",
			         (int)(e0 - b), b);
			goto bad;
		}
		l->url[l->n] = xasprintf("%.*s", (int)(e - b), b);
		for (size_t k = 0; k < l->n; k++) {
			if (!strcmp(l->url[k], l->url[l->n])) {
				snprintf(err, errlen, "'%s' is given twice",
				         l->url[k]);
				l->n++;
				goto bad;
			}
		}
		l->n++;
		if (!*end)
			break;
		p = end + 1;
	}
	return 0;
bad:
	urllist_uninit(l);
	return -EINVAL;
}

void
urllist_uninit(struct urllist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->url[i]);
	memset(l, 0, sizeof(*l));
}

const char *
urllist_current(const struct urllist *l)
{
	return l->url[l->cur];
}

bool
urllist_fail(struct urllist *l)
{
	if (l->n > 1) {
		l->cur = (l->cur + 1) % l->n;
		l->switches++;
	}
	if (++l->failed < l->n)
		return false;
	l->failed = 0;
	l->down = true;
	return true;
}

void
urllist_ok(struct urllist *l)
{
	l->failed = 0;
	l->down = false;
}
