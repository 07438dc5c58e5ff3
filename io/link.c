/* SPDX-License-Identifier: Apache-2.0 */
/*
 * link: rtnetlink requests (RTM_GETLINK, RTM_SETLINK, RTM_NEWLINK,
 * RTM_DELLINK) built and parsed with libmnl.  Each request opens a fresh
 * NETLINK_ROUTE socket in the caller's current namespace, asks for an ACK
 * and the kernel's extended ACK message, and returns the kernel's errno.
 * Devices are named in the request (IFLA_IFNAME with ifi_index 0), which
 * the kernel resolves itself, so no request needs a lookup first.
 */
#include "io/link.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/util.h"

BUILD_ASSERT(LINK_NAME_MAX == IFNAMSIZ, "LINK_NAME_MAX is IFNAMSIZ");

#define LINK_RECV_SIZE 32768 /* a full RTM_NEWLINK fits easily */

static char link_ext_msg[200]; /* kernel's explanation of the last failure */

static bool
link_name_ok(const char *name)
{
	return name && name[0] && strlen(name) < LINK_NAME_MAX;
}

/* NLMSG_ERROR: an ACK (error 0) ends the exchange; an error records the
 * extended ACK message, if any, and fails with its errno. */
static int
link_error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;
	size_t off;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (e->error == 0)
		return MNL_CB_STOP;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		off = sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
		mnl_attr_for_each(attr, nlh, off)
		{
			if (mnl_attr_get_type(attr) != NLMSGERR_ATTR_MSG ||
			    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
				continue;
			strlcpy_(link_ext_msg, mnl_attr_get_str(attr),
			         sizeof(link_ext_msg));
		}
	}
	errno = e->error < 0 ? -e->error : e->error;
	return MNL_CB_ERROR;
}

/*
 * Sends the request in 'nlh' (NLM_F_ACK is added) and feeds replies to
 * 'cb' until the ACK.  Returns 0 or the kernel's negative errno.
 */
static int
link_talk(struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	static mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
	    [NLMSG_ERROR] = link_error_cb,
	};
	char buf[LINK_RECV_SIZE];
	struct mnl_socket *nl;
	unsigned int portid, seq = 1;
	int err = 0, one = 1, ret;
	ssize_t n;

	link_ext_msg[0] = '\0';
	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto out;
	}
	/* Best effort: short ACKs, and the kernel's explanations. */
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	portid = mnl_socket_get_portid(nl);
	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		err = -errno;
		goto out;
	}
	for (;;) {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		ret = mnl_cb_run2(buf, (size_t)n, seq, portid, cb, data, ctl,
		                  ARRAY_SIZE(ctl));
		if (ret == MNL_CB_ERROR) {
			err = errno ? -errno : -EIO;
			break;
		}
		if (ret == MNL_CB_STOP)
			break;
	}
out:
	mnl_socket_close(nl);
	return err;
}

/* Starts a request about interface NAME (NULL: none) in 'buf'. */
static struct nlmsghdr *
link_msg(char *buf, uint16_t type, uint16_t flags, const char *name)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifm;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	if (name)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return nlh;
}

static int
link_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, IFLA_MAX) < 0)
		return MNL_CB_OK;
	tb[type] = attr;
	return MNL_CB_OK;
}

static int
link_info_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, IFLA_INFO_MAX) < 0)
		return MNL_CB_OK;
	tb[type] = attr;
	return MNL_CB_OK;
}

static int
link_tun_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, IFLA_TUN_MAX) < 0)
		return MNL_CB_OK;
	tb[type] = attr;
	return MNL_CB_OK;
}

static void
link_parse_linkinfo(const struct nlattr *nest, struct link_info *li)
{
	const struct nlattr *info[IFLA_INFO_MAX + 1] = {0};
	const struct nlattr *tun[IFLA_TUN_MAX + 1] = {0};

	if (mnl_attr_parse_nested(nest, link_info_attr_cb, info) < 0)
		return;
	if (info[IFLA_INFO_KIND] &&
	    mnl_attr_validate(info[IFLA_INFO_KIND], MNL_TYPE_STRING) == 0) {
		size_t len = mnl_attr_get_payload_len(info[IFLA_INFO_KIND]);

		len = MIN(len, sizeof(li->kind) - 1);
		memcpy(li->kind, mnl_attr_get_payload(info[IFLA_INFO_KIND]),
		       len);
		li->kind[len] = '\0';
	}
	if (strcmp(li->kind, "tun") || !info[IFLA_INFO_DATA])
		return;
	if (mnl_attr_parse_nested(info[IFLA_INFO_DATA], link_tun_attr_cb, tun) <
	    0)
		return;
	if (tun[IFLA_TUN_TYPE] &&
	    mnl_attr_validate(tun[IFLA_TUN_TYPE], MNL_TYPE_U8) == 0)
		li->tun_type = mnl_attr_get_u8(tun[IFLA_TUN_TYPE]);
}

/* An RTM_NEWLINK or RTM_DELLINK into 'li' (zeroed first); -EBADMSG if it
 * is too short or its attributes do not parse. */
static int
link_parse(const struct nlmsghdr *nlh, struct link_info *li)
{
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFLA_MAX + 1] = {0};
	const struct nlattr *attr;

	memset(li, 0, sizeof(*li));
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*ifm)) ||
	    mnl_attr_parse(nlh, sizeof(*ifm), link_attr_cb, tb) < 0)
		return -EBADMSG;
	li->ifindex = ifm->ifi_index;
	li->flags = ifm->ifi_flags;
	attr = tb[IFLA_MTU];
	if (attr && mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
		li->mtu = (int)mnl_attr_get_u32(attr);
	attr = tb[IFLA_MASTER];
	if (attr && mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
		li->master = (int)mnl_attr_get_u32(attr);
	attr = tb[IFLA_ADDRESS];
	if (attr && mnl_attr_get_payload_len(attr) == sizeof(li->mac))
		memcpy(li->mac.b, mnl_attr_get_payload(attr), sizeof(li->mac));
	attr = tb[IFLA_IFNAME];
	if (attr && mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
		strlcpy_(li->name, mnl_attr_get_str(attr), sizeof(li->name));
	attr = tb[IFLA_IFALIAS];
	if (attr && mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
		strlcpy_(li->alias, mnl_attr_get_str(attr), sizeof(li->alias));
	if (tb[IFLA_LINKINFO])
		link_parse_linkinfo(tb[IFLA_LINKINFO], li);
	return 0;
}

static int
link_info_cb(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	return link_parse(nlh, data) ? MNL_CB_ERROR : MNL_CB_OK;
}

int
link_get_info(const char *name, struct link_info *li)
{
	char buf[1024];
	struct nlmsghdr *nlh;
	int err;

	memset(li, 0, sizeof(*li));
	if (!link_name_ok(name))
		return -EINVAL;
	nlh = link_msg(buf, RTM_GETLINK, 0, name);
#ifdef RTEXT_FILTER_SKIP_STATS
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
#endif
	err = link_talk(nlh, link_info_cb, li);
	if (!err && li->ifindex <= 0)
		err = -ENODEV;
	return err;
}

int
link_ifindex(const char *name)
{
	struct link_info li;
	int err = link_get_info(name, &li);

	return err ? err : li.ifindex;
}

bool
link_exists(const char *name)
{
	return link_ifindex(name) > 0;
}

int
link_get_mac(const char *name, struct eth_addr *mac)
{
	struct link_info li;
	int err = link_get_info(name, &li);

	if (!err)
		*mac = li.mac;
	return err;
}

int
link_get_mtu(const char *name)
{
	struct link_info li;
	int err = link_get_info(name, &li);

	if (err)
		return err;
	return li.mtu > 0 ? li.mtu : -EINVAL;
}

int
link_set_mtu(const char *name, int mtu)
{
	char buf[1024];
	struct nlmsghdr *nlh;

	if (!link_name_ok(name) || mtu <= 0)
		return -EINVAL;
	nlh = link_msg(buf, RTM_SETLINK, 0, name);
	mnl_attr_put_u32(nlh, IFLA_MTU, (uint32_t)mtu);
	return link_talk(nlh, NULL, NULL);
}

int
link_set_alias(const char *name, const char *alias)
{
	char buf[1024];
	struct nlmsghdr *nlh;

	if (!link_name_ok(name) || strlen(alias) >= 64)
		return -EINVAL;
	nlh = link_msg(buf, RTM_SETLINK, 0, name);
	mnl_attr_put_strz(nlh, IFLA_IFALIAS, alias);
	return link_talk(nlh, NULL, NULL);
}

int
link_set_mac(const char *name, const struct eth_addr *mac)
{
	char buf[1024];
	struct nlmsghdr *nlh;

	if (!link_name_ok(name))
		return -EINVAL;
	nlh = link_msg(buf, RTM_SETLINK, 0, name);
	mnl_attr_put(nlh, IFLA_ADDRESS, sizeof(mac->b), mac->b);
	return link_talk(nlh, NULL, NULL);
}

static int
link_set_flags(const char *name, unsigned int change, unsigned int flags)
{
	char buf[1024];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifm;

	if (!link_name_ok(name))
		return -EINVAL;
	nlh = link_msg(buf, RTM_SETLINK, 0, name);
	ifm = mnl_nlmsg_get_payload(nlh);
	ifm->ifi_change = change;
	ifm->ifi_flags = flags;
	return link_talk(nlh, NULL, NULL);
}

int
link_set_up(const char *name)
{
	return link_set_flags(name, IFF_UP, IFF_UP);
}

int
link_set_down(const char *name)
{
	return link_set_flags(name, IFF_UP, 0);
}

int
link_delete(const char *name)
{
	char buf[1024];

	if (!link_name_ok(name))
		return -EINVAL;
	return link_talk(link_msg(buf, RTM_DELLINK, 0, name), NULL, NULL);
}

int
link_veth_create(const char *name, const char *peer, int peer_netns_fd)
{
	char buf[1024];
	struct nlmsghdr *nlh;
	struct nlattr *linkinfo, *data, *peer_nest;
	struct ifinfomsg *pifm;

	if (!link_name_ok(name) || !link_name_ok(peer))
		return -EINVAL;
	nlh = link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, name);
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	/* VETH_INFO_PEER: a struct ifinfomsg, then the peer's attributes. */
	peer_nest = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	pifm = mnl_nlmsg_get_payload_tail(nlh);
	memset(pifm, 0, sizeof(*pifm));
	pifm->ifi_family = AF_UNSPEC;
	nlh->nlmsg_len += MNL_ALIGN(sizeof(*pifm));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
	if (peer_netns_fd >= 0)
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)peer_netns_fd);
	mnl_attr_nest_end(nlh, peer_nest);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, linkinfo);
	return link_talk(nlh, NULL, NULL);
}

int
link_bridge_create(const char *name)
{
	char buf[1024];
	struct nlmsghdr *nlh;
	struct nlattr *linkinfo;

	if (!link_name_ok(name))
		return -EINVAL;
	nlh = link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, name);
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	mnl_attr_nest_end(nlh, linkinfo);
	return link_talk(nlh, NULL, NULL);
}

int
link_set_master(const char *ifname, const char *master)
{
	char buf[1024];
	struct nlmsghdr *nlh;
	int master_index = 0;

	if (!link_name_ok(ifname))
		return -EINVAL;
	if (master) {
		master_index = link_ifindex(master);
		if (master_index < 0)
			return master_index;
	}
	nlh = link_msg(buf, RTM_SETLINK, 0, ifname);
	mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master_index);
	return link_talk(nlh, NULL, NULL);
}

int
link_set_netns(const char *ifname, int netns_fd)
{
	char buf[1024];
	struct nlmsghdr *nlh;

	if (!link_name_ok(ifname) || netns_fd < 0)
		return -EINVAL;
	nlh = link_msg(buf, RTM_SETLINK, 0, ifname);
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)netns_fd);
	return link_talk(nlh, NULL, NULL);
}

/* ---- notifications ---- */

struct link_monitor {
	struct mnl_socket *nl;
};

struct link_monitor *
link_monitor_open(int *errp)
{
	struct link_monitor *m;
	struct mnl_socket *nl;
	int err, bufsize = 1 << 20;

	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!nl) {
		*errp = -errno;
		return NULL;
	}
	if (mnl_socket_bind(nl, RTMGRP_LINK, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		mnl_socket_close(nl);
		*errp = err;
		return NULL;
	}
	/* Room for bursts (many links made at once); best effort. */
	setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUF, &bufsize,
	           sizeof(bufsize));
	m = xcalloc(1, sizeof(*m));
	m->nl = nl;
	*errp = 0;
	return m;
}

int
link_monitor_fd(const struct link_monitor *m)
{
	return mnl_socket_get_fd(m->nl);
}

struct link_monitor_walk {
	link_event_cb cb;
	void *aux;
};

static int
link_monitor_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link_monitor_walk *w = data;
	struct link_info li;

	if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
		return MNL_CB_OK;
	if (link_parse(nlh, &li) == 0)
		w->cb(&li, nlh->nlmsg_type == RTM_DELLINK, w->aux);
	return MNL_CB_OK;
}

int
link_monitor_read(struct link_monitor *m, link_event_cb cb, void *aux)
{
	struct link_monitor_walk w = {cb, aux};
	char buf[LINK_RECV_SIZE];
	int err = 0;
	ssize_t n;

	for (;;) {
		n = mnl_socket_recvfrom(m->nl, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			/* ENOBUFS: notifications were lost; the socket
			 * carries on with the next ones. */
			err = -errno;
			if (errno == ENOBUFS)
				continue;
			break;
		}
		/* Notifications: sequence 0, from the kernel (port 0). */
		mnl_cb_run(buf, (size_t)n, 0, 0, link_monitor_cb, &w);
	}
	return err;
}

void
link_monitor_close(struct link_monitor *m)
{
	if (!m)
		return;
	mnl_socket_close(m->nl);
	free(m);
}

const char *
link_strerror(int err)
{
	static char buf[300];

	if (err < 0)
		err = -err;
	if (link_ext_msg[0])
		snprintf(buf, sizeof(buf), "%s (%s)", strerror(err),
		         link_ext_msg);
	else
		snprintf(buf, sizeof(buf), "%s", strerror(err));
	return buf;
}
