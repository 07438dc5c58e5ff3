/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cursor: bounds-checked reads over a byte buffer (after OpenBSD's ibuf).
 *
 * Every packet and wire read goes through a cursor.  A read past the end
 * never touches memory outside [buf, buf+len): it returns 0 (or NULL) and
 * latches 'err', so a parser can do a run of reads and test once.  Multi-
 * byte integers are read in network byte order and returned in host order.
 */
#ifndef LIB_CURSOR_H
#define LIB_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct cursor {
	const uint8_t *buf;
	size_t len;
	size_t off;
	bool err;
};

static inline void
cursor_init(struct cursor *c, const void *buf, size_t len)
{
	c->buf = buf;
	c->len = len;
	c->off = 0;
	c->err = false;
}

static inline size_t
cursor_left(const struct cursor *c)
{
	return c->err ? 0 : c->len - c->off;
}

/* Returns a pointer to the next 'n' bytes and advances, or NULL. */
static inline const uint8_t *
cursor_pull(struct cursor *c, size_t n)
{
	const uint8_t *p;

	if (c->err || n > c->len - c->off) {
		c->err = true;
		return NULL;
	}
	p = c->buf + c->off;
	c->off += n;
	return p;
}

/* Like cursor_pull but does not advance. */
static inline const uint8_t *
cursor_peek(const struct cursor *c, size_t n)
{
	if (c->err || n > c->len - c->off)
		return NULL;
	return c->buf + c->off;
}

static inline bool
cursor_skip(struct cursor *c, size_t n)
{
	return cursor_pull(c, n) != NULL;
}

static inline uint8_t
cursor_u8(struct cursor *c)
{
	const uint8_t *p = cursor_pull(c, 1);

	return p ? p[0] : 0;
}

static inline uint16_t
cursor_u16(struct cursor *c)
{
	const uint8_t *p = cursor_pull(c, 2);

	return p ? (uint16_t)(p[0] << 8 | p[1]) : 0;
}

static inline uint32_t
cursor_u32(struct cursor *c)
{
	const uint8_t *p = cursor_pull(c, 4);

	return p ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	               (uint32_t)p[2] << 8 | p[3]
	         : 0;
}

static inline bool
cursor_copy(struct cursor *c, void *dst, size_t n)
{
	const uint8_t *p = cursor_pull(c, n);

	if (!p)
		return false;
	memcpy(dst, p, n);
	return true;
}

#endif
