/* SPDX-License-Identifier: Apache-2.0 */
/*
 * xdpprog: loads the embedded XDP program (io/xdpprog.h).  The object
 * file is compiled by clang -target bpf at build time and linked in as
 * bytes (build/gen/xdp-uplink-obj.c, scripts/embed), so the agent needs
 * no file of its own at run time.
 */
#include "io/xdpprog.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/if_link.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"

extern const char xdp_uplink_obj[];
extern const size_t xdp_uplink_obj_len;

struct xdp_uplink {
	struct bpf_object *obj;
	int prog_fd, xsks_fd, pas_fd, counts_fd;
};

/* libbpf's messages: its warnings to our debug log (the callers say what
 * failed, once; a retried attach would repeat them every second), its
 * debug chatter away. */
static int
libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char buf[512];
	size_t n;

	if (level == LIBBPF_DEBUG)
		return 0;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	log_debug("libbpf: %s", buf);
	return 0;
}

static int
map_fd(struct bpf_object *obj, const char *name)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, name);

	return m ? bpf_map__fd(m) : -ENOENT;
}

struct xdp_uplink *
xdp_uplink_load(char *err, size_t errlen)
{
	struct xdp_uplink *x = calloc(1, sizeof(*x));
	struct bpf_program *prog;
	int e;

	if (!x) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	libbpf_set_print(libbpf_log);
	x->obj = bpf_object__open_mem(xdp_uplink_obj, xdp_uplink_obj_len, NULL);
	if (!x->obj) {
		snprintf(err, errlen, "XDP program: cannot open: %s",
		         strerror(errno));
		free(x);
		return NULL;
	}
	e = bpf_object__load(x->obj);
	if (e < 0) {
		snprintf(err, errlen,
		         "XDP program: the kernel refused it: %s (BPF needs "
		         "root, or CAP_BPF and CAP_NET_ADMIN)",
		         strerror(-e));
		xdp_uplink_close(x);
		return NULL;
	}
	prog = bpf_object__find_program_by_name(x->obj, "xdp_uplink");
	x->prog_fd = prog ? bpf_program__fd(prog) : -ENOENT;
	x->xsks_fd = map_fd(x->obj, "xsks");
	x->pas_fd = map_fd(x->obj, "pas");
	x->counts_fd = map_fd(x->obj, "counts");
	if (x->prog_fd < 0 || x->xsks_fd < 0 || x->pas_fd < 0 ||
	    x->counts_fd < 0) {
		snprintf(err, errlen, "XDP program: a part is missing");
		xdp_uplink_close(x);
		return NULL;
	}
	return x;
}

void
xdp_uplink_close(struct xdp_uplink *x)
{
	if (!x)
		return;
	bpf_object__close(x->obj);
	free(x);
}

int
xdp_uplink_prog_fd(const struct xdp_uplink *x)
{
	return x->prog_fd;
}

int
xdp_uplink_xsks_fd(const struct xdp_uplink *x)
{
	return x->xsks_fd;
}

static int
pa_key(struct xdp_uplink_pa *k, const void *addr, size_t len)
{
	memset(k, 0, sizeof(*k));
	if (len == 4) {
		k->a[10] = 0xff;
		k->a[11] = 0xff;
		memcpy(&k->a[12], addr, 4);
	} else if (len == 16) {
		memcpy(k->a, addr, 16);
	} else {
		return -EINVAL;
	}
	return 0;
}

int
xdp_uplink_pa_add(struct xdp_uplink *x, const void *addr, size_t len)
{
	struct xdp_uplink_pa k;
	uint8_t one = 1;

	if (pa_key(&k, addr, len) < 0)
		return -EINVAL;
	return bpf_map_update_elem(x->pas_fd, &k, &one, BPF_ANY) < 0 ? -errno
	                                                             : 0;
}

int
xdp_uplink_pa_del(struct xdp_uplink *x, const void *addr, size_t len)
{
	struct xdp_uplink_pa k;

	if (pa_key(&k, addr, len) < 0)
		return -EINVAL;
	return bpf_map_delete_elem(x->pas_fd, &k) < 0 ? -errno : 0;
}

int
xdp_uplink_pa_retain(struct xdp_uplink *x,
                     bool (*keep)(const struct in6_addr *, void *), void *aux)
{
	struct xdp_uplink_pa cur, next, *gone = NULL, *g;
	size_t n = 0, cap = 0;
	bool first = true;
	int e = 0;

	/* The keys to delete first, then delete them: deleting while
	 * walking a hash map would make the walk start over. */
	while (bpf_map_get_next_key(x->pas_fd, first ? NULL : &cur, &next) ==
	       0) {
		struct in6_addr a;

		first = false;
		cur = next;
		memcpy(&a, cur.a, sizeof(a));
		if (keep && keep(&a, aux))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			g = realloc(gone, cap * sizeof(*gone));
			if (!g) {
				free(gone);
				return -ENOMEM;
			}
			gone = g;
		}
		gone[n++] = cur;
	}
	for (size_t i = 0; i < n; i++)
		if (bpf_map_delete_elem(x->pas_fd, &gone[i]) < 0 &&
		    errno != ENOENT && !e)
			e = -errno;
	free(gone);
	return e;
}

int
xdp_uplink_pa_clear(struct xdp_uplink *x)
{
	return xdp_uplink_pa_retain(x, NULL, NULL);
}

int
xdp_uplink_run(struct xdp_uplink *x, const void *frame, size_t len)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame,
	            .data_size_in = (uint32_t)len, .repeat = 1);

	if (bpf_prog_test_run_opts(x->prog_fd, &o) < 0)
		return -errno;
	return (int)o.retval;
}

int
xdp_uplink_counts(struct xdp_uplink *x, uint64_t out[XDP_UPLINK_N_COUNTS])
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *v;

	if (ncpu <= 0)
		return ncpu < 0 ? ncpu : -EINVAL;
	v = calloc((size_t)ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (uint32_t i = 0; i < XDP_UPLINK_N_COUNTS; i++) {
		out[i] = 0;
		if (bpf_map_lookup_elem(x->counts_fd, &i, v) < 0) {
			int e = -errno;

			free(v);
			return e;
		}
		for (int c = 0; c < ncpu; c++)
			out[i] += v[c];
	}
	free(v);
	return 0;
}
