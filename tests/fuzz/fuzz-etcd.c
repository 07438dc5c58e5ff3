/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-etcd: what hnv-controller reads from an etcd member (ctrl/
 * etcd-wire.c): a range reply of its JSON gateway, scanned for the
 * header's revision, "more" and each key and value (base64), and each
 * value read as a stored object (a header line and JSON); over arbitrary
 * bytes.  A libFuzzer target (build/fuzz/fuzz-etcd) and a corpus
 * replayer (build/tests/replay-etcd over tests/fuzz/corpus/etcd/).
 *
 * Invariants, checked with abort(): no more pairs than the text has
 * "key" fields; a decoded key or value re-encodes to the base64 it came
 * from (nothing invented, nothing lost); an accepted object's JSON lies
 * inside its value, after the header's newline, and its kind and host
 * have no tab or newline.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctrl/etcd-wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
one(const char *k, size_t kl, const char *v, size_t vl, void *aux)
{
	const char *text = aux;
	char kind[64], host[128];
	uint64_t rev, owner;
	const char *json;

	/* the key's base64 is in the text */
	char *e = etcd_b64(k, kl);
	if (!strstr(text, e))
		abort();
	free(e);
	if (!etcd_obj_parse(v, vl, kind, sizeof(kind), &rev, &owner, host,
	                    sizeof(host), &json)) {
		if (json <= v || json > v + vl || json[-1] != '\n' ||
		    strpbrk(kind, "\t\n") || strpbrk(host, "\t\n"))
			abort();
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	int64_t rev;
	bool more;
	size_t n, keys = 0;

	memcpy(text, data, size);
	text[size] = '\0';
	for (const char *p = text; (p = strstr(p, "\"key\":\"")); p++)
		keys++;
	etcd_scan_range(text, &rev, &more, &n, one, text);
	if (n > keys)
		abort();
	/* base64 both ways */
	size_t l;
	char *d = etcd_unb64(text, strlen(text), &l);
	if (d) {
		char *e = etcd_b64(d, l);
		if (strcmp(e, text))
			abort();
		free(e);
		free(d);
	}
	free(text);
	return 0;
}
