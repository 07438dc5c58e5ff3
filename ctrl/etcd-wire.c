/* SPDX-License-Identifier: Apache-2.0 */
/*
 * etcd-wire: see etcd-wire.h.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctrl/etcd-wire.h"
#include "lib/util.h"

char *
etcd_b64(const void *p, size_t n)
{
	char *out = xmalloc(4 * ((n + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)out, p, (int)n);
	return out;
}

char *
etcd_unb64(const char *p, size_t n, size_t *len)
{
	if (n % 4 || n > (size_t)1 << 30)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		bool pad = c == '=' && i + 2 >= n;
		if (!pad && !(c >= 'A' && c <= 'Z') &&
		    !(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9') &&
		    c != '+' && c != '/')
			return NULL;
	}
	if (n >= 2 && p[n - 2] == '=' && p[n - 1] != '=')
		return NULL;
	unsigned char *out = xmalloc(n / 4 * 3 + 1);
	int m = n ? EVP_DecodeBlock(out, (const unsigned char *)p, (int)n) : 0;
	if (m < 0) {
		free(out);
		return NULL;
	}
	if (n && p[n - 1] == '=')
		m--;
	if (n > 1 && p[n - 2] == '=')
		m--;
	out[m] = '\0';
	/* canonical only (no stray bits before the padding): what etcd
	 * writes, and then a key decodes to one string only */
	if (n && p[n - 1] == '=') {
		char *e = etcd_b64(out, (size_t)m);
		bool same = !memcmp(e, p, n);
		free(e);
		if (!same) {
			free(out);
			return NULL;
		}
	}
	if (len)
		*len = (size_t)m;
	return (char *)out;
}

/* The string value of the next field 'name' at or after 'p', or NULL. */
static const char *
scan_str(const char *p, const char *name, size_t *len)
{
	char pat[32];
	snprintf(pat, sizeof(pat), "\"%s\":\"", name);
	const char *f = strstr(p, pat);
	if (!f)
		return NULL;
	f += strlen(pat);
	const char *q = strchr(f, '"');
	if (!q)
		return NULL;
	*len = (size_t)(q - f);
	return f;
}

int
etcd_scan_range(const char *text, int64_t *rev, bool *more, size_t *n,
                int (*cb)(const char *k, size_t kl, const char *v, size_t vl,
                          void *aux),
                void *aux)
{
	size_t l;
	const char *hdr = strstr(text, "\"header\":{");
	const char *r = hdr ? scan_str(hdr, "revision", &l) : NULL;
	const char *p = strstr(text, "\"kvs\":[");
	int rc = 0;

	*rev = r ? strtoll(r, NULL, 10) : 0;
	*more = strstr(text, "\"more\":true") != NULL;
	*n = 0;
	while (p && !rc) {
		size_t kl, vl = 0, dkl, dvl;
		const char *k = scan_str(p, "key", &kl);
		if (!k)
			break;
		const char *next = strstr(k + kl, "\"key\":\"");
		const char *v = scan_str(k + kl, "value", &vl);
		if (v && next && v > next)
			v = NULL, vl = 0;
		char *dk = etcd_unb64(k, kl, &dkl);
		char *dv = etcd_unb64(v ? v : "", vl, &dvl);
		if (!dk || !dv)
			rc = -1;
		else
			rc = cb(dk, dkl, dv, dvl, aux);
		free(dk);
		free(dv);
		(*n)++;
		p = next;
	}
	return rc;
}

int
etcd_obj_parse(const char *v, size_t len, char *kind, size_t kindlen,
               uint64_t *rev, uint64_t *owner, char *host, size_t hostlen,
               const char **json)
{
	const char *nl = memchr(v, '\n', len);
	char hdr[256], *f[4], *p = hdr, *end;
	int n = 0;

	if (!nl || (size_t)(nl - v) >= sizeof(hdr))
		return -1;
	memcpy(hdr, v, (size_t)(nl - v));
	hdr[nl - v] = '\0';
	/* strsep, not strtok: the host may be empty */
	while (n < 4 && (f[n] = strsep(&p, "\t")))
		n++;
	if (n != 4 || p || strlen(f[0]) >= kindlen || strlen(f[3]) >= hostlen ||
	    !f[1][0] || !f[2][0])
		return -1;
	*rev = strtoull(f[1], &end, 10);
	if (*end)
		return -1;
	*owner = strtoull(f[2], &end, 10);
	if (*end)
		return -1;
	snprintf(kind, kindlen, "%s", f[0]);
	snprintf(host, hostlen, "%s", f[3]);
	*json = nl + 1;
	return 0;
}
