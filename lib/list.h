/* SPDX-License-Identifier: Apache-2.0 */
/*
 * list: an intrusive circular doubly linked list with a sentinel head
 * (after Open vSwitch's lib/list.h).  The caller embeds a struct list in
 * its object; insertion and removal are O(1) and never allocate.  An
 * element that is in no list should be list_poison()ed or
 * list_init()ed, so list_remove() on it is harmless.
 */
#ifndef LIB_LIST_H
#define LIB_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct list {
	struct list *prev, *next;
};

static inline void
list_init(struct list *l)
{
	l->prev = l->next = l;
}

static inline bool
list_is_empty(const struct list *l)
{
	return l->next == l;
}

/* Inserts 'e' just before 'before' (at the tail when 'before' is the
 * head). */
static inline void
list_insert(struct list *before, struct list *e)
{
	e->prev = before->prev;
	e->next = before;
	before->prev->next = e;
	before->prev = e;
}

static inline void
list_push_back(struct list *l, struct list *e)
{
	list_insert(l, e);
}

/* Removes 'e' from its list and leaves it a list of its own. */
static inline void
list_remove(struct list *e)
{
	e->prev->next = e->next;
	e->next->prev = e->prev;
	list_init(e);
}

/* The first element, or NULL when empty. */
static inline struct list *
list_front(const struct list *l)
{
	return list_is_empty(l) ? NULL : l->next;
}

#endif
