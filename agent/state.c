/* SPDX-License-Identifier: Apache-2.0 */
/*
 * state: the host policy on disk.  Every accepted change rewrites the
 * whole file atomically (write a temporary, fsync, rename over, fsync the
 * directory), so the file is always either the old or the new policy,
 * even across a crash or power loss.  On start the agent restores it; this
 * is what Windows HNV lacks (its policy is gone after a reboot).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/agent.h"
#include "lib/log.h"
#include "policy/json.h"

static int
mkdirs(const char *dir)
{
	char buf[4096];

	if (snprintf(buf, sizeof(buf), "%s", dir) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int
state_save(struct agent *a, struct pmsg *m)
{
	char tmp[4096], dirbuf[4096];
	json_t *j = policy_to_json(a->pol);
	char *text;
	int fd = -1, dfd, err = 0;
	size_t len, off = 0;

	json_object_set_new(j, "version", json_integer(1));
	json_object_set(j, "vms", a->vms);
	text = json_dumps(j, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (!text)
		return -ENOMEM;
	len = strlen(text);
	snprintf(dirbuf, sizeof(dirbuf), "%s", a->state_path);
	mkdirs(dirname(dirbuf));
	snprintf(tmp, sizeof(tmp), "%s.tmp", a->state_path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			goto out;
		}
		off += (size_t)n;
	}
	if (write(fd, "\n", 1) != 1 || fsync(fd) < 0) {
		err = -errno;
		goto out;
	}
	close(fd);
	fd = -1;
	if (rename(tmp, a->state_path) < 0) {
		err = -errno;
		goto out;
	}
	snprintf(dirbuf, sizeof(dirbuf), "%s", a->state_path);
	dfd = open(dirname(dirbuf), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
out:
	if (fd >= 0) {
		close(fd);
		unlink(tmp);
	}
	if (err)
		snprintf(m->err, sizeof(m->err),
		         "cannot write state file %s: %s", a->state_path,
		         strerror(-err));
	free(text);
	return err;
}

int
state_load(struct agent *a, struct pmsg *m)
{
	json_error_t jerr;
	json_t *j;
	int err;

	if (access(a->state_path, F_OK) < 0)
		return 0;
	j = json_load_file(a->state_path, 0, &jerr);
	if (!j) {
		snprintf(m->err, sizeof(m->err), "state file %s:%d: %s",
		         a->state_path, jerr.line, jerr.text);
		return -EINVAL;
	}
	json_object_del(j, "version");
	if (json_is_array(json_object_get(j, "vms"))) {
		json_t *v;
		size_t i;

		json_array_foreach(json_object_get(j, "vms"), i, v)
		{
			if (json_is_string(v))
				agent_vm_remember(a, json_string_value(v));
		}
	}
	json_object_del(j, "vms");
	err = policy_from_json(a->pol, j, m);
	json_decref(j);
	if (err) {
		char tmp[sizeof(m->err)];
		int n = snprintf(tmp, sizeof(tmp),
		                 "state file %s: ", a->state_path);

		if (n > 0 && (size_t)n < sizeof(tmp))
			strlcpy_(tmp + n, m->err, sizeof(tmp) - (size_t)n);
		memcpy(m->err, tmp, sizeof(tmp));
	}
	return err;
}
