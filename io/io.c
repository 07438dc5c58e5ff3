/* SPDX-License-Identifier: Apache-2.0 */
/*
 * io: what all backends share.  Each backend (tap.c, afpacket.c, mem.c)
 * embeds a struct io_port as its first member and fills in a static
 * struct io_class; the generic calls are inline in io.h, except
 * destruction, which lives here so that io_destroy(NULL) is one place.
 */
#include "io/io.h"

#include <stddef.h>

void
io_destroy(struct io_port *p)
{
	if (p)
		p->cls->destroy(p);
}
