/* SPDX-License-Identifier: Apache-2.0 */
/*
 * compartment: applying a tenant's compartment on the gateway host
 * (gw/compartment.c).  Single-threaded: it switches the calling thread's
 * network namespace (io/netns.h).
 */
#ifndef GW_COMPARTMENT_H
#define GW_COMPARTMENT_H

#include <jansson.h>
#include <stdbool.h>

#include "gw/gw.h"

/* Makes compartment 'cp' (namespace 'ns') what it says; 'healthy' as for
 * gw_render_nft(); 'announce': send gratuitous ARP for the external
 * addresses (it just became active).  0, or -1 with the first problem in
 * err (the steps after it still ran). */
int gw_comp_apply(const struct gw_config *c, const struct gw_comp *cp,
                  const char *ns, bool *const *healthy, bool announce,
                  char *err, size_t len);
/* Undoes a compartment: its veth, its table, and its namespace when
 * 'delete_ns' (a standby's, which this daemon made). */
void gw_comp_remove(const char *id, const char *ns, bool delete_ns);

/* One nftables script in namespace ns (one transaction). */
int gw_nft_apply(const char *ns, const char *ruleset, char *err, size_t len);
/* {"counter name": packets, ...} of the compartment's table. */
json_t *gw_nft_counters(const char *ns);
/* Is there an interface 'dev' in namespace ns? */
bool ip_link_in(const char *ns, const char *dev);
/* Runs argv in namespace ns (NULL: here); stdout into *out when out is
 * not NULL; 0 if it exited 0, else -1 with its stderr in err. */
int gw_run(const char *ns, char *const argv[], char **out, char *err,
           size_t len);

#endif
