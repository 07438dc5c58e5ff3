/* SPDX-License-Identifier: Apache-2.0 */
/*
 * link: network interfaces through rtnetlink (libmnl), in the *current*
 * network namespace of the calling thread: each call opens its own
 * NETLINK_ROUTE socket, so after netns_enter() the calls act inside the
 * entered namespace.  Interfaces are named, as users and topology files
 * name them; names are at most 15 characters (IFNAMSIZ - 1).
 *
 * Every function returns 0 (or a positive value where documented) or a
 * negative errno, and never logs: a missing interface (-ENODEV) or an
 * existing one (-EEXIST) is often what the caller expects.  When the
 * kernel explained why a request failed (netlink extended ACK, e.g.
 * "Invalid MTU value"), link_strerror() includes the explanation until
 * the next request.
 *
 * Threading: one thread (the explanation buffer is static).
 */
#ifndef IO_LINK_H
#define IO_LINK_H

#include <stdbool.h>

#include "lib/addr.h"

#define LINK_NAME_MAX 16 /* IFNAMSIZ, with the NUL */

struct link_info {
	int ifindex;
	int mtu;
	unsigned int flags;  /* IFF_UP, IFF_RUNNING, IFF_LOWER_UP, ... */
	int master;          /* ifindex of the bridge it is in, or 0 */
	struct eth_addr mac; /* zero if the link has no MAC */
	char name[LINK_NAME_MAX];
	char kind[16];  /* "tun", "veth", "bridge"; "" if none */
	int tun_type;   /* IFF_TUN or IFF_TAP if kind is "tun", else 0 */
	char alias[64]; /* IFLA_IFALIAS ("ip link set NAME alias A"), or "" */
};

/* Everything above about NAME; -ENODEV if there is no such interface. */
int link_get_info(const char *name, struct link_info *);

int link_ifindex(const char *name); /* > 0, or -errno (-ENODEV) */
/* Sets the interface's alias (at most 63 characters). */
int link_set_alias(const char *name, const char *alias);
bool link_exists(const char *name);
int link_get_mac(const char *name, struct eth_addr *);
int link_get_mtu(const char *name); /* > 0, or -errno */

int link_set_mtu(const char *name, int mtu);
int link_set_mac(const char *name, const struct eth_addr *);
int link_set_up(const char *name);
int link_set_down(const char *name);
int link_delete(const char *name);

/* A veth pair NAME <-> PEER; PEER goes into the namespace open as
 * 'peer_netns_fd' (see netns_open()), or stays here if it is -1.  Both
 * ends are created down. */
int link_veth_create(const char *name, const char *peer, int peer_netns_fd);
/* A Linux bridge, created down. */
int link_bridge_create(const char *name);
/* Enslaves IFNAME to bridge MASTER; MASTER NULL releases it. */
int link_set_master(const char *ifname, const char *master);
/* Moves IFNAME into the namespace open as 'netns_fd'.  The interface is
 * down over there and keeps its name, MAC and MTU. */
int link_set_netns(const char *ifname, int netns_fd);

/*
 * Link notifications (RTMGRP_LINK) of the current namespace, for an event
 * loop: poll link_monitor_fd() for input, then link_monitor_read() drains
 * it, calling 'cb' for each RTM_NEWLINK (a link appeared or changed: its
 * flags, MTU, MAC, name) and RTM_DELLINK ('deleted').  It returns 0, or
 * -ENOBUFS if the kernel dropped notifications because we were slow (the
 * caller then re-reads what it cares about with link_get_info()), or
 * another negative errno.
 */
struct link_monitor;
typedef void (*link_event_cb)(const struct link_info *, bool deleted,
                              void *aux);
struct link_monitor *link_monitor_open(int *err);
int link_monitor_fd(const struct link_monitor *);
int link_monitor_read(struct link_monitor *, link_event_cb, void *aux);
void link_monitor_close(struct link_monitor *); /* accepts NULL */

/* strerror(-err), followed by the kernel's explanation of the failure of
 * the last request when it gave one: "Invalid argument (Invalid MTU value)".
 * The string lives until the next call. */
const char *link_strerror(int err);

#endif
