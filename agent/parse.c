/* SPDX-License-Identifier: Apache-2.0 */
/* parse: the request parser thread (see parse.h). */
#include "agent/parse.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/util.h"

struct pjob {
	struct pjob *next;
	uint64_t tag;
	char *buf;
	size_t off, len;
	json_t *j;
	char err[160];
};

struct parser {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct pjob *in, **in_tail;   /* to parse */
	struct pjob *out, **out_tail; /* parsed */
	bool stop;
	int efd;
};

static void *
parser_main(void *arg)
{
	struct parser *p = arg;

	setpriority(PRIO_PROCESS, (id_t)gettid(), 10); /* below forwarding */
	pthread_mutex_lock(&p->mu);
	for (;;) {
		struct pjob *job;
		json_error_t jerr;
		uint64_t one = 1;

		while (!p->stop && !p->in)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->stop)
			break;
		job = p->in;
		p->in = job->next;
		if (!p->in)
			p->in_tail = &p->in;
		pthread_mutex_unlock(&p->mu);

		job->j = json_loadb(job->buf + job->off, job->len,
		                    JSON_REJECT_DUPLICATES, &jerr);
		if (!job->j)
			snprintf(job->err, sizeof(job->err), "%s", jerr.text);
		free(job->buf);
		job->buf = NULL;
		job->next = NULL;

		pthread_mutex_lock(&p->mu);
		*p->out_tail = job;
		p->out_tail = &job->next;
		if (write(p->efd, &one, sizeof(one)) < 0)
			log_warn("parser: eventfd");
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

struct parser *
parser_create(void)
{
	struct parser *p = xcalloc(1, sizeof(*p));

	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	p->in_tail = &p->in;
	p->out_tail = &p->out;
	p->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (p->efd < 0)
		fatal("eventfd");
	if (pthread_create(&p->thread, NULL, parser_main, p))
		fatalx("cannot start the request parser thread");
	return p;
}

static void
pjob_free_list(struct pjob *j)
{
	while (j) {
		struct pjob *next = j->next;

		free(j->buf);
		json_decref(j->j);
		free(j);
		j = next;
	}
}

void
parser_destroy(struct parser *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	pthread_join(p->thread, NULL);
	pjob_free_list(p->in);
	pjob_free_list(p->out);
	close(p->efd);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p);
}

int
parser_fd(const struct parser *p)
{
	return p->efd;
}

void
parser_submit(struct parser *p, uint64_t tag, char *buf, size_t off, size_t len)
{
	struct pjob *job = xcalloc(1, sizeof(*job));

	job->tag = tag;
	job->buf = buf;
	job->off = off;
	job->len = len;
	pthread_mutex_lock(&p->mu);
	*p->in_tail = job;
	p->in_tail = &job->next;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

bool
parser_result(struct parser *p, uint64_t *tag, json_t **j, char *err,
              size_t errlen)
{
	struct pjob *job;
	uint64_t x;

	pthread_mutex_lock(&p->mu);
	job = p->out;
	if (job) {
		p->out = job->next;
		if (!p->out)
			p->out_tail = &p->out;
	} else if (read(p->efd, &x, sizeof(x)) < 0 && errno != EAGAIN) {
		log_warn("parser: eventfd");
	}
	pthread_mutex_unlock(&p->mu);
	if (!job)
		return false;
	*tag = job->tag;
	*j = job->j;
	snprintf(err, errlen, "%s", job->err);
	free(job);
	return true;
}
