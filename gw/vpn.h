/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vpn: the IPsec VPNs of a gateway compartment (doc/gateway.md, "VPN"),
 * with strongSwan.  Each compartment runs its own charon inside its
 * network namespace and in a private mount namespace in which the
 * compartment's directory 'dir'/run is mounted over /run: charon's fixed
 * paths (/run/charon.pid, and the vici socket, log and strongswan.conf we
 * put there) are per compartment, so any number of compartments run their
 * charon at once.  Connections and secrets are rendered into
 * 'dir'/swanctl.conf and loaded with `swanctl --load-all` over the
 * compartment's vici socket; status is read over vici (gw/vpn-vici.h).
 *
 * ESP: with the kernel's (a probe adds and deletes an ESP state in the
 * namespace, gw_vpn_kernel_esp()) charon installs xfrm states and
 * policies; without, charon's kernel-libipsec plugin does ESP in user
 * space over a TUN device (ipsec0) and every SA is UDP-encapsulated
 * (port 4500).  HNV_GW_IPSEC=xfrm|libipsec in the environment forces one.
 *
 * The calls are synchronous (fork/exec of charon and swanctl, vici with
 * timeouts of a few seconds); not thread-safe for one 'dir'.
 */
#ifndef GW_VPN_H
#define GW_VPN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Makes the compartment's IPsec what 'vpn' says (the "vpn" object of a
 * compartment in doc/gateway.md: siteToSite, pointToSite; NULL or {}:
 * none, stop charon).  netns: the compartment's namespace name (under
 * /run/netns); dir: a directory private to this compartment (absolute path,
 * created if missing, mode 0700); local_addr: the compartment's external
 * address (the IKE endpoint, already on ext0).  Starts charon when needed,
 * (re)loads connections and secrets, and site-to-site children are initiated
 * (start_action = start).  Idempotent: unchanged config does nothing (no
 * SA is touched).  0, or -1 with a message in err. */
int gw_vpn_apply(const char *netns, const char *dir, const char *local_addr,
                 const json_t *vpn, char *err, size_t errlen);

/* Stops the compartment's charon (by the pid in 'dir'/run/charon.pid,
 * SIGTERM then SIGKILL) and removes the files gw_vpn_apply wrote (secrets
 * included).  'netns' is not needed (kept for symmetry). */
void gw_vpn_stop(const char *netns, const char *dir);

/* {"running": bool, "pid": N, "esp": "kernel-libipsec"|"xfrm",
 *  "connections": [{"name": resourceId, "type": "siteToSite",
 *    "peerAddress", "state": "ESTABLISHED"|"CONNECTING"|"DOWN",
 *    "uniqueId", "childSas": [{"name", "uniqueId", "state", "spiIn",
 *    "spiOut", "bytesIn", "bytesOut", "packetsIn", "packetsOut",
 *    "localTs": [P], "remoteTs": [P]}]}],
 *  "pointToSite": {"state": "LOADED"|"DOWN", "users": [{"name",
 *    "virtualIps": [ip], "remoteHost", "uniqueId", "childSas": [...]}]},
 *  "error": "..." (when charon does not answer)}
 * Never NULL. */
json_t *gw_vpn_status(const char *dir);

/* The pure part: the files gw_vpn_apply writes, from the same inputs. */
struct gw_vpn_files {
	char *strongswan_conf; /* charon's settings (paths in its /run) */
	char *swanctl_conf;    /* connections, pools, secrets: mode 0600 */
	char *server_cert;     /* x509/server.pem, or NULL (no pointToSite) */
	char *server_key;      /* private/server.key, or NULL */
};

/* Validates 'vpn' and renders the files ('libipsec': charon's ESP in user
 * space, UDP-encapsulated; else the kernel's).  A 'vpn' with no
 * connection renders nothing and returns 1.  0 on success, -1 with a
 * message naming the field ("siteToSite[1].psk: missing") in err. */
int gw_vpn_render(const char *local_addr, const json_t *vpn, bool libipsec,
                  struct gw_vpn_files *out, char *err, size_t errlen);
void gw_vpn_files_uninit(struct gw_vpn_files *);

/* The connection name for a siteToSite resourceId ("s2s-" + the id with
 * every byte outside [A-Za-z0-9-] as "_xx"), and back (NULL if 'name' is
 * not one).  Both return malloc'ed strings. */
char *gw_vpn_conn_name(const char *resource_id);
char *gw_vpn_conn_resource_id(const char *name);

/* Does the kernel of namespace 'netns' do ESP (xfrm)?  Adds a throwaway
 * ESP state with `ip xfrm` and deletes it. */
bool gw_vpn_kernel_esp(const char *netns);

#endif
