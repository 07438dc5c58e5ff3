/* SPDX-License-Identifier: Apache-2.0 */
/*
 * urllist: the controllers a daemon may follow (hnv-agent and hnv-gateway
 * --controller URL[,URL...]) and which one it follows now.  Several
 * hnv-controllers sharing one etcd cluster serve the same policy with the
 * same revisions and epoch, so a client that loses one goes on with the
 * next from where it was (doc/controller.md, "Agent sync").
 *
 * The failover rule, on the current URL failing (unreachable, timed out,
 * a 5xx, a reply of the wrong shape):
 *  1. move to the next URL of the list, round robin;
 *  2. at once, while this round has URLs that did not fail yet: a round
 *     is the failures in a row since one last answered (urllist_ok);
 *  3. when every URL has failed in turn, the round is over: the caller
 *     backs off (its own back-off, as with one URL) before the next one,
 *     and a new round begins;
 *  4. with one URL every failure ends a round: it behaves as it did
 *     before lists existed.
 * Pure logic, no locking and no I/O: a caller shared by threads locks
 * around it.
 */
#ifndef LIB_URLLIST_H
#define LIB_URLLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define URLLIST_MAX 16

struct urllist {
	char *url[URLLIST_MAX]; /* http(s)://..., no trailing '/' */
	size_t n;               /* 1..URLLIST_MAX once parsed */
	size_t cur;             /* the one followed now */
	size_t failed;          /* failures in a row in this round */
	bool down;         /* a whole round failed since one last answered */
	uint64_t switches; /* moves to another URL (n > 1) */
};

/* Parses 'arg', one URL or several separated by commas (blanks around
 * each are ignored), into 'l' (zeroed first): each must begin with
 * http:// or https:// and name a host; at most URLLIST_MAX, none twice;
 * trailing slashes are dropped.  0, or -EINVAL with a message naming the
 * bad one in 'err' (to follow "--controller: "); 'l' is then empty. */
int urllist_parse(struct urllist *l, const char *arg, char *err, size_t errlen);
/* Frees the URLs.  Accepts an empty (zeroed) list. */
void urllist_uninit(struct urllist *l);
/* The URL followed now. */
const char *urllist_current(const struct urllist *l);
/* The current URL failed: moves to the next.  True when that ended a
 * round (every URL failed in turn): back off before trying the next;
 * false: try it at once. */
bool urllist_fail(struct urllist *l);
/* The current URL answered: the next failure starts a round. */
void urllist_ok(struct urllist *l);

#endif
