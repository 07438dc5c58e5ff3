/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netns: named network namespaces through iproute2's /run/netns, and
 * setns(2) in and out of them.  See netns.h for the threading rule.
 */
#include "io/netns.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

bool
netns_name_valid(const char *name)
{
	size_t len;

	if (!name)
		return false;
	len = strlen(name);
	if (len == 0 || len >= NAME_MAX || strchr(name, '/'))
		return false;
	return strcmp(name, ".") && strcmp(name, "..");
}

static int
netns_path(const char *name, char *buf, size_t size)
{
	if (!netns_name_valid(name))
		return -EINVAL;
	snprintf(buf, size, "%s/%s", NETNS_RUN_DIR, name);
	return 0;
}

bool
netns_exists(const char *name)
{
	char path[PATH_MAX];
	struct statfs sfs;

	if (netns_path(name, path, sizeof(path)))
		return false;
	if (statfs(path, &sfs))
		return false;
	return sfs.f_type == NSFS_MAGIC;
}

uint64_t
netns_ident(const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	if (!netns_exists(name) || netns_path(name, path, sizeof(path)) ||
	    stat(path, &st))
		return 0;
	return (uint64_t)st.st_ino;
}

/*
 * Runs `ip netns VERB NAME` and waits for it.  ip(8) is looked up in PATH,
 * then in the usual sbin directories (daemons often run with a short
 * PATH).  Its stdout goes to /dev/null; its stderr is left alone so an
 * unexpected failure explains itself.
 */
static int root_mnt_fd = -1;

/* Our own mount namespace differs from the one named namespaces should be
 * created in when we run under `ip netns exec`: remember the outer one
 * (PID 1's, else our parent's, which ran `ip netns exec`). */
int
netns_init(void)
{
	struct stat self, other;
	char path[64];
	int fd, err;

	if (root_mnt_fd >= 0 || stat("/proc/self/ns/mnt", &self) < 0)
		return 0;
	fd = open("/proc/1/ns/mnt", O_RDONLY | O_CLOEXEC);
	err = fd < 0 ? -errno : 0;
	if (fd < 0) {
		snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)getppid());
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0)
		return err; /* PID 1's error: the one that matters */
	if (fstat(fd, &other) == 0 && other.st_ino == self.st_ino &&
	    other.st_dev == self.st_dev) {
		close(fd);
		return 0;
	}
	root_mnt_fd = fd;
	return 0;
}

bool
netns_outer_mount(void)
{
	return root_mnt_fd >= 0;
}

static int
netns_run_ip(const char *verb, const char *name)
{
	static const char *const fallback[] = {"/usr/sbin/ip", "/sbin/ip",
	                                       "/usr/bin/ip", "/bin/ip"};
	char *argv[] = {"ip", "netns", (char *)verb, (char *)name, NULL};
	int devnull, status, initmnt;
	pid_t pid;

	/*
	 * Named namespaces are bind mounts under /run/netns.  When we run
	 * inside `ip netns exec` (the lab does that), our mount namespace is
	 * a private slave copy: a mount made here would be invisible to
	 * everyone else.  So `ip` runs in PID 1's mount namespace, from
	 * which /run/netns propagates back to us.
	 */
	initmnt = root_mnt_fd >= 0 ? dup(root_mnt_fd) : -1;
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	pid = fork();
	if (pid < 0) {
		int err = -errno;

		if (devnull >= 0)
			close(devnull);
		if (initmnt >= 0)
			close(initmnt);
		return err;
	}
	if (pid == 0) {
		/* Child: async-signal-safe calls only. */
		if (initmnt >= 0)
			(void)setns(initmnt, CLONE_NEWNS);
		if (devnull >= 0)
			dup2(devnull, STDOUT_FILENO);
		execvp("ip", argv);
		for (size_t i = 0; i < sizeof(fallback) / sizeof(fallback[0]);
		     i++)
			execv(fallback[i], argv);
		_exit(127);
	}
	if (devnull >= 0)
		close(devnull);
	if (initmnt >= 0)
		close(initmnt);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	if (!WIFEXITED(status))
		return -EIO;
	if (WEXITSTATUS(status) == 127)
		return -ENOENT;
	return WEXITSTATUS(status) ? -EIO : 0;
}

int
netns_ensure(const char *name)
{
	char path[PATH_MAX];
	struct stat st;
	int err;

	err = netns_path(name, path, sizeof(path));
	if (err)
		return err;
	if (netns_exists(name))
		return 0;
	/*
	 * `ip netns add` creates the file with O_EXCL before mounting onto
	 * it; if it was interrupted in between, an empty regular file stays
	 * and every later add fails.  Remove such a leftover.
	 */
	if (stat(path, &st) == 0) {
		if (!S_ISREG(st.st_mode) || st.st_size != 0)
			return -EEXIST;
		if (unlink(path) && errno != ENOENT)
			return -errno;
	}
	err = netns_run_ip("add", name);
	if (err)
		return err;
	return netns_exists(name) ? 0 : -EIO;
}

int
netns_delete(const char *name)
{
	char path[PATH_MAX];
	int err;

	err = netns_path(name, path, sizeof(path));
	if (err)
		return err;
	if (!netns_exists(name)) {
		/* A stale empty file is removed too; nothing else is ours. */
		struct stat st;

		if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		    st.st_size == 0)
			unlink(path);
		return 0;
	}
	err = netns_run_ip("del", name);
	if (err)
		return err;
	return netns_exists(name) ? -EIO : 0;
}

int
netns_open(const char *name)
{
	char path[PATH_MAX];
	int err, fd;

	err = netns_path(name, path, sizeof(path));
	if (err)
		return err;
	if (!netns_exists(name))
		return -ENOENT;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int
netns_enter(const char *name, int *saved_fd)
{
	int err, fd, saved;

	*saved_fd = -1;
	fd = netns_open(name);
	if (fd < 0)
		return fd;
	/* thread-self: setns() changes the thread, not the whole process. */
	saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (saved < 0) {
		err = -errno;
		goto out;
	}
	if (setns(fd, CLONE_NEWNET)) {
		err = -errno;
		close(saved);
		goto out;
	}
	*saved_fd = saved;
	err = 0;
out:
	close(fd);
	return err;
}

int
netns_leave(int saved_fd)
{
	int err = 0;

	if (saved_fd < 0)
		return -EBADF;
	if (setns(saved_fd, CLONE_NEWNET))
		err = -errno;
	close(saved_fd);
	return err;
}
