/* SPDX-License-Identifier: Apache-2.0 */
/*
 * privs: once started, the agent keeps only the capabilities it uses:
 *
 *   CAP_NET_ADMIN   TAPs (TUNSETIFF, TUNSETPERSIST), links through
 *                   rtnetlink (MAC, MTU, up, veths, bridges), promiscuous
 *                   mode and ethtool (GRO off) on the uplink;
 *   CAP_NET_RAW     the uplink's AF_PACKET socket, opened again whenever
 *                   the uplink returns;
 *   CAP_SYS_ADMIN   setns(2) into VM namespaces; `ip netns add|del`
 *                   (unshare(2), mount(2), umount(2));
 *   CAP_SYS_CHROOT  only when named namespaces are made in another mount
 *                   namespace than ours (netns_outer_mount(): we run under
 *                   `ip netns exec` or in a service's private mount
 *                   namespace): setns(2) into a mount namespace needs it;
 *   CAP_IPC_LOCK    only with an AF_XDP uplink (--uplink-io afxdp): its
 *                   UMEM, made again whenever the uplink returns, is
 *                   pinned memory, which without it counts against
 *                   RLIMIT_MEMLOCK (8 MB by default, and only
 *                   CAP_SYS_RESOURCE may raise it).  bpf(2) takes
 *                   CAP_SYS_ADMIN, kept anyway.
 *
 * Everything else leaves the effective, permitted and inheritable sets,
 * the ambient set and the bounding set, so that `ip` (run as root, which
 * would otherwise get a full set back at execve) gets no more than we
 * have; then no_new_privs.  Plain capset(2) and prctl(2), no library.
 * What start-up alone needed goes too: CAP_SYS_PTRACE, which opening PID
 * 1's mount namespace takes when our permitted set is smaller than PID
 * 1's (as under the systemd unit), and CAP_SETPCAP, used here last.
 */
#include <errno.h>
#include <linux/capability.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "agent/agent.h"
#include "io/netns.h"
#include "lib/log.h"

static const struct {
	int cap;
	const char *name;
} privs_kept[] = {
    {CAP_NET_ADMIN, "cap_net_admin"}, {CAP_NET_RAW, "cap_net_raw"},
    {CAP_SYS_ADMIN, "cap_sys_admin"}, {CAP_SYS_CHROOT, "cap_sys_chroot"},
    {CAP_IPC_LOCK, "cap_ipc_lock"},
};

static int
privs_last_cap(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "r");
	int last = CAP_LAST_CAP;

	if (f) {
		if (fscanf(f, "%d", &last) != 1 || last < 0 || last > 63)
			last = CAP_LAST_CAP;
		fclose(f);
	}
	return last;
}

void
privs_drop(bool afxdp)
{
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[2];
	uint64_t keep = 0, have;
	char names[128] = "";
	int last = privs_last_cap(), bset_err = 0;

	for (size_t i = 0; i < ARRAY_SIZE(privs_kept); i++) {
		if (privs_kept[i].cap == CAP_SYS_CHROOT && !netns_outer_mount())
			continue;
		if (privs_kept[i].cap == CAP_IPC_LOCK && !afxdp)
			continue;
		keep |= 1ull << privs_kept[i].cap;
	}
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) < 0) {
		log_warn("capabilities: capget");
		return;
	}
	have = data[0].permitted | (uint64_t)data[1].permitted << 32;
	keep &= have;

	/* The bounding set first: dropping from it takes CAP_SETPCAP. */
	for (int c = 0; c <= last; c++) {
		if ((keep & (1ull << c)) || prctl(PR_CAPBSET_READ, c) != 1)
			continue;
		if (prctl(PR_CAPBSET_DROP, c) < 0 && !bset_err)
			bset_err = errno;
	}
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	data[0].effective = data[0].permitted = (uint32_t)keep;
	data[1].effective = data[1].permitted = (uint32_t)(keep >> 32);
	data[0].inheritable = data[1].inheritable = 0;
	if (syscall(SYS_capset, &hdr, data) < 0) {
		log_warn("capabilities: capset");
		return;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		log_warn("capabilities: no_new_privs");

	for (size_t i = 0; i < ARRAY_SIZE(privs_kept); i++) {
		if (!(keep & (1ull << privs_kept[i].cap)))
			continue;
		if (names[0])
			strcat(names, " ");
		strcat(names, privs_kept[i].name);
	}
	log_info("capabilities: kept %s; dropped the rest%s%s",
	         names[0] ? names : "none",
	         bset_err ? " (the bounding set is left as given: " : "",
	         bset_err ? "no CAP_SETPCAP)" : "");
}
