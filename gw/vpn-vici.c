/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vpn-vici: the VICI client of gw/vpn.c (wire format in vpn-vici.h).
 */
#include "gw/vpn-vici.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "lib/util.h"

enum {
	VICI_CMD_REQUEST = 0,
	VICI_CMD_RESPONSE = 1,
	VICI_CMD_UNKNOWN = 2,
	VICI_EVENT_REGISTER = 3,
	VICI_EVENT_UNREGISTER = 4,
	VICI_EVENT_CONFIRM = 5,
	VICI_EVENT_UNKNOWN = 6,
	VICI_EVENT = 7,
};

enum {
	VICI_SECTION_START = 1,
	VICI_SECTION_END = 2,
	VICI_KEY_VALUE = 3,
	VICI_LIST_START = 4,
	VICI_LIST_ITEM = 5,
	VICI_LIST_END = 6,
};

#define VICI_MAX_PACKET (512 * 1024)
#define VICI_MAX_DEPTH 16

struct vpn_vici {
	int fd;
	int timeout_ms;
};

/* ------------------------------------------------------------------ */
/* Encoding */

struct venc {
	unsigned char *buf;
	size_t size, len;
	bool bad;
};

static void
venc_put(struct venc *e, const void *p, size_t n)
{
	if (e->bad || n > e->size - e->len) {
		e->bad = true;
		return;
	}
	memcpy(e->buf + e->len, p, n);
	e->len += n;
}

static void
venc_u8(struct venc *e, unsigned v)
{
	unsigned char c = v;

	venc_put(e, &c, 1);
}

static void
venc_name(struct venc *e, const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 255) {
		e->bad = true;
		return;
	}
	venc_u8(e, n);
	venc_put(e, name, n);
}

static void
venc_value(struct venc *e, const char *v)
{
	size_t n = strlen(v);
	unsigned char l[2] = {n >> 8, n & 0xff};

	if (n > 0xffff) {
		e->bad = true;
		return;
	}
	venc_put(e, l, 2);
	venc_put(e, v, n);
}

static void
venc_section(struct venc *e, const json_t *obj, int depth)
{
	const char *key;
	json_t *v;

	if (depth > VICI_MAX_DEPTH) {
		e->bad = true;
		return;
	}
	json_object_foreach((json_t *)obj, key, v)
	{
		if (json_is_string(v)) {
			venc_u8(e, VICI_KEY_VALUE);
			venc_name(e, key);
			venc_value(e, json_string_value(v));
		} else if (json_is_object(v)) {
			venc_u8(e, VICI_SECTION_START);
			venc_name(e, key);
			venc_section(e, v, depth + 1);
			venc_u8(e, VICI_SECTION_END);
		} else if (json_is_array(v)) {
			size_t i;
			json_t *item;

			venc_u8(e, VICI_LIST_START);
			venc_name(e, key);
			json_array_foreach(v, i, item)
			{
				if (!json_is_string(item)) {
					e->bad = true;
					return;
				}
				venc_u8(e, VICI_LIST_ITEM);
				venc_value(e, json_string_value(item));
			}
			venc_u8(e, VICI_LIST_END);
		} else {
			e->bad = true;
		}
	}
}

int
vpn_vici_encode(const json_t *msg, unsigned char *buf, size_t size)
{
	struct venc e = {.buf = buf, .size = size};

	if (msg && !json_is_object(msg))
		return -1;
	if (msg)
		venc_section(&e, msg, 0);
	return e.bad ? -1 : (int)e.len;
}

/* ------------------------------------------------------------------ */
/* Decoding: a bounds-checked walk; any inconsistency yields NULL. */

struct vdec {
	const unsigned char *p;
	size_t len, off;
};

static bool
vdec_u8(struct vdec *d, unsigned *v)
{
	if (d->off >= d->len)
		return false;
	*v = d->p[d->off++];
	return true;
}

static char *
vdec_str(struct vdec *d, size_t n)
{
	char *s;

	if (n > d->len - d->off)
		return NULL;
	s = xmalloc(n + 1);
	memcpy(s, d->p + d->off, n);
	s[n] = '\0';
	d->off += n;
	return s;
}

static char *
vdec_name(struct vdec *d)
{
	unsigned n;

	if (!vdec_u8(d, &n))
		return NULL;
	return vdec_str(d, n);
}

static char *
vdec_value(struct vdec *d)
{
	unsigned hi, lo;

	if (!vdec_u8(d, &hi) || !vdec_u8(d, &lo))
		return NULL;
	return vdec_str(d, hi << 8 | lo);
}

/* json_string() refuses invalid UTF-8; VICI values are bytes. */
static json_t *
vdec_jstring(const char *s)
{
	json_t *j = json_string(s);
	char *c, *p;

	if (j)
		return j;
	c = xstrdup(s);
	for (p = c; *p; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	j = json_string(c);
	free(c);
	return j ? j : json_string("");
}

/* Fills 'obj' until SECTION_END (depth > 0) or the end (depth 0). */
static bool
vdec_section(struct vdec *d, json_t *obj, int depth)
{
	unsigned t;

	if (depth > VICI_MAX_DEPTH)
		return false;
	while (d->off < d->len) {
		char *name = NULL, *val;
		json_t *sub;

		vdec_u8(d, &t);
		switch (t) {
		case VICI_SECTION_START:
			if (!(name = vdec_name(d)))
				return false;
			sub = json_object();
			json_object_set_new(obj, name, sub);
			free(name);
			if (!vdec_section(d, sub, depth + 1))
				return false;
			break;
		case VICI_SECTION_END:
			return depth > 0;
		case VICI_KEY_VALUE:
			if (!(name = vdec_name(d)))
				return false;
			if (!(val = vdec_value(d))) {
				free(name);
				return false;
			}
			json_object_set_new(obj, name, vdec_jstring(val));
			free(name);
			free(val);
			break;
		case VICI_LIST_START:
			if (!(name = vdec_name(d)))
				return false;
			sub = json_array();
			json_object_set_new(obj, name, sub);
			free(name);
			for (;;) {
				if (!vdec_u8(d, &t))
					return false;
				if (t == VICI_LIST_END)
					break;
				if (t != VICI_LIST_ITEM ||
				    !(val = vdec_value(d)))
					return false;
				json_array_append_new(sub, vdec_jstring(val));
				free(val);
			}
			break;
		default:
			return false;
		}
	}
	return depth == 0;
}

json_t *
vpn_vici_decode(const unsigned char *buf, size_t len)
{
	struct vdec d = {.p = buf, .len = len};
	json_t *obj = json_object();

	if (!vdec_section(&d, obj, 0)) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

/* ------------------------------------------------------------------ */
/* The socket */

struct vpn_vici *
vpn_vici_connect(const char *path, int timeout_ms, char *err, size_t errlen)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct vpn_vici *v;
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "vici socket path %s: too long", path);
		return NULL;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return NULL;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		snprintf(err, errlen, "connecting to %s: %s", path,
		         strerror(errno));
		close(fd);
		return NULL;
	}
	v = xmalloc(sizeof(*v));
	v->fd = fd;
	v->timeout_ms = timeout_ms;
	return v;
}

void
vpn_vici_close(struct vpn_vici *v)
{
	if (!v)
		return;
	close(v->fd);
	free(v);
}

static int64_t
now_ms(void)
{
	return (int64_t)(time_ns() / 1000000);
}

/* Reads or writes exactly 'n' bytes before 'deadline'. */
static int
vici_io(struct vpn_vici *v, void *buf, size_t n, bool out, int64_t deadline)
{
	size_t done = 0;

	while (done < n) {
		struct pollfd pfd = {v->fd, out ? POLLOUT : POLLIN, 0};
		int64_t left = deadline - now_ms();
		ssize_t r;

		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r == 0 ? -ETIMEDOUT : -errno;
		r = out ? send(v->fd, (char *)buf + done, n - done,
		               MSG_NOSIGNAL)
		        : recv(v->fd, (char *)buf + done, n - done, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ECONNRESET;
		done += r;
	}
	return 0;
}

static int
vici_send(struct vpn_vici *v, unsigned type, const char *name,
          const json_t *msg, int64_t deadline)
{
	unsigned char *pkt = xmalloc(VICI_MAX_PACKET);
	size_t off = 4, nl = name ? strlen(name) : 0;
	int n, r = -EINVAL;

	if (nl > 255)
		goto out;
	pkt[off++] = type;
	if (name) {
		pkt[off++] = nl;
		memcpy(pkt + off, name, nl);
		off += nl;
	}
	n = vpn_vici_encode(msg, pkt + off, VICI_MAX_PACKET - off);
	if (n < 0)
		goto out;
	off += n;
	pkt[0] = (off - 4) >> 24;
	pkt[1] = (off - 4) >> 16;
	pkt[2] = (off - 4) >> 8;
	pkt[3] = (off - 4);
	r = vici_io(v, pkt, off, true, deadline);
out:
	free(pkt);
	return r;
}

/* Receives one packet: its type, and the message (NULL if none/bad). */
static int
vici_recv(struct vpn_vici *v, unsigned *type, json_t **msg, int64_t deadline)
{
	unsigned char hdr[4], *pkt;
	size_t len, off = 1;
	int r;

	*msg = NULL;
	if ((r = vici_io(v, hdr, 4, false, deadline)) < 0)
		return r;
	len = (size_t)hdr[0] << 24 | hdr[1] << 16 | hdr[2] << 8 | hdr[3];
	if (len < 1 || len > VICI_MAX_PACKET)
		return -EPROTO;
	pkt = xmalloc(len);
	if ((r = vici_io(v, pkt, len, false, deadline)) < 0)
		goto out;
	*type = pkt[0];
	if (*type == VICI_EVENT) {
		if (len < 2 || pkt[1] > len - 2) {
			r = -EPROTO;
			goto out;
		}
		off = 2 + pkt[1];
	}
	if (*type == VICI_CMD_RESPONSE || *type == VICI_EVENT) {
		*msg = vpn_vici_decode(pkt + off, len - off);
		if (!*msg)
			r = -EPROTO;
	}
out:
	free(pkt);
	return r;
}

/* Registers or unregisters 'event': 0 or a negative errno. */
static int
vici_event_reg(struct vpn_vici *v, const char *event, bool reg,
               int64_t deadline)
{
	unsigned type;
	json_t *msg;
	int r;

	r = vici_send(v, reg ? VICI_EVENT_REGISTER : VICI_EVENT_UNREGISTER,
	              event, NULL, deadline);
	if (r < 0)
		return r;
	for (;;) {
		if ((r = vici_recv(v, &type, &msg, deadline)) < 0)
			return r;
		json_decref(msg);
		if (type == VICI_EVENT_CONFIRM)
			return 0;
		if (type == VICI_EVENT_UNKNOWN)
			return -ENOENT;
		if (type != VICI_EVENT)
			return -EPROTO;
	}
}

json_t *
vpn_vici_call(struct vpn_vici *v, const char *cmd, const json_t *req,
              const char *event, json_t **events, char *err, size_t errlen)
{
	int64_t deadline = now_ms() + v->timeout_ms;
	json_t *msg, *resp = NULL;
	unsigned type;
	int r;

	if (events)
		*events = json_array();
	if (event && (r = vici_event_reg(v, event, true, deadline)) < 0) {
		snprintf(err, errlen, "vici: registering for %s: %s", event,
		         strerror(-r));
		goto fail;
	}
	if ((r = vici_send(v, VICI_CMD_REQUEST, cmd, req, deadline)) < 0) {
		snprintf(err, errlen, "vici: sending %s: %s", cmd,
		         strerror(-r));
		goto fail;
	}
	while (!resp) {
		if ((r = vici_recv(v, &type, &msg, deadline)) < 0) {
			snprintf(err, errlen, "vici: %s: %s", cmd,
			         strerror(-r));
			goto fail;
		}
		if (type == VICI_CMD_RESPONSE) {
			resp = msg;
		} else if (type == VICI_EVENT) {
			if (events && msg)
				json_array_append(*events, msg);
			json_decref(msg);
		} else if (type == VICI_CMD_UNKNOWN) {
			snprintf(err, errlen, "vici: unknown command %s", cmd);
			goto fail;
		} else {
			json_decref(msg);
			snprintf(err, errlen, "vici: %s: unexpected packet %u",
			         cmd, type);
			goto fail;
		}
	}
	if (event && (r = vici_event_reg(v, event, false, deadline)) < 0) {
		json_decref(resp);
		resp = NULL;
		snprintf(err, errlen, "vici: unregistering %s: %s", event,
		         strerror(-r));
		goto fail;
	}
	return resp;
fail:
	if (events) {
		json_decref(*events);
		*events = NULL;
	}
	return NULL;
}
