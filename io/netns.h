/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netns: named network namespaces, the "VMs" of OpenHNV.  A name refers
 * to the nsfs bind mount /run/netns/NAME that iproute2 uses, so
 * `ip netns exec NAME ...` and `ip -n NAME ...` see the same namespaces.
 *
 * Creation and deletion run `ip netns add|del NAME` (fork, exec, wait):
 * iproute2 already handles the shared-propagation mount of /run/netns that
 * makes the bind mounts visible to other mount namespaces.  The child is
 * reaped with waitpid() on its own pid, so a caller that reaps every child
 * (SIGCHLD set to SIG_IGN, or waitpid(-1) from a signal handler) breaks
 * these functions.
 *
 * netns_enter()/netns_leave() switch the *calling thread* with setns(2).
 * Threading: the caller must be single-threaded, or at least no other
 * thread may rely on the namespace of this one while it is switched;
 * sockets and file descriptors opened while inside stay bound to the
 * namespace they were opened in after leaving (that is the point: the TAP
 * backend opens /dev/net/tun inside a VM's namespace, then leaves).
 *
 * All functions return 0 or a negative errno and do not log: the caller
 * decides what an error means.
 */
#ifndef IO_NETNS_H
#define IO_NETNS_H

#include <stdbool.h>
#include <stdint.h>

#define NETNS_RUN_DIR "/run/netns"

/* True if NAME is a valid namespace name (non-empty, no '/', not "." or
 * "..", shorter than NAME_MAX). */
/* Call once at start, before any fork: when the process runs inside
 * `ip netns exec` (a private mount namespace), named namespaces are then
 * created in the outer mount namespace so everyone sees them.  Returns
 * -errno (-EACCES: opening another process's namespace takes
 * CAP_SYS_PTRACE when its capabilities exceed ours) if neither PID 1's
 * nor the parent's mount namespace could be opened: namespaces are then
 * made in our own, which others do not see if it is a private one. */
int netns_init(void);
bool netns_name_valid(const char *name);

/* True if /run/netns/NAME exists and is a namespace (nsfs) mount. */
bool netns_exists(const char *name);

/* The identity of namespace NAME (the inode number of its nsfs file, as
 * `ls -i /run/netns` shows), or 0 if there is none.  It changes when the
 * namespace is deleted and added again; it is never reused while anything
 * still holds the old namespace. */
uint64_t netns_ident(const char *name);

/* True if netns_init() found that named namespaces are to be made in
 * another mount namespace than ours (we run under `ip netns exec`, or in
 * a service's private mount namespace): netns_ensure() and
 * netns_delete() then need CAP_SYS_CHROOT besides CAP_SYS_ADMIN. */
bool netns_outer_mount(void);

/* Creates the named namespace unless it exists.  A stale empty file left
 * by an interrupted `ip netns add` is removed first.  -EINVAL for a bad
 * name, -ENOENT if ip(8) is missing, -EIO if it failed. */
int netns_ensure(const char *name);

/* Deletes the named namespace; 0 if it did not exist.  The namespace
 * itself lives on while anything holds it: a process inside, an open
 * descriptor of it, or a socket or TAP file opened in it. */
int netns_delete(const char *name);

/* Opens the namespace as a file descriptor (O_CLOEXEC), e.g. for
 * link_veth_create() or link_set_netns().  Returns the fd or -errno. */
int netns_open(const char *name);

/* Switches the calling thread into namespace NAME.  On success *saved_fd
 * holds the previous namespace, to give back to netns_leave().  On failure
 * nothing changed and *saved_fd is -1. */
int netns_enter(const char *name, int *saved_fd);

/* Returns to the namespace saved by netns_enter() and closes saved_fd.  A
 * failure means the thread is still in the other namespace; callers treat
 * it as fatal. */
int netns_leave(int saved_fd);

#endif
