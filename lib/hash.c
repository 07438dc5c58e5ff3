/* SPDX-License-Identifier: Apache-2.0 */
/* hash: MurmurHash3-style hashing of byte strings (see hash.h). */
#include "lib/hash.h"

#include <ctype.h>
#include <string.h>

uint32_t
hash_bytes(const void *p_, size_t n, uint32_t basis)
{
	const uint8_t *p = p_;
	uint32_t hash = basis;
	size_t i;

	for (i = 0; i + 4 <= n; i += 4) {
		uint32_t w;

		memcpy(&w, p + i, 4);
		hash = hash_add(hash, w);
	}
	if (i < n) {
		uint32_t w = 0;

		memcpy(&w, p + i, n - i);
		hash = hash_add(hash, w);
	}
	return hash_finish(hash, (uint32_t)n);
}

uint32_t
hash_string(const char *s, uint32_t basis)
{
	return hash_bytes(s, strlen(s), basis);
}

uint32_t
hash_string_nocase(const char *s, uint32_t basis)
{
	uint32_t hash = basis, w = 0;
	size_t n = 0;

	for (; *s; s++, n++) {
		w |= (uint32_t)(uint8_t)tolower((unsigned char)*s)
		     << (8 * (n & 3));
		if ((n & 3) == 3) {
			hash = hash_add(hash, w);
			w = 0;
		}
	}
	if (n & 3)
		hash = hash_add(hash, w);
	return hash_finish(hash, (uint32_t)n);
}
