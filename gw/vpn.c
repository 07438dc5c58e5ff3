/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vpn: a compartment's strongSwan (design in vpn.h and doc/gateway.md,
 * "VPN").  Three parts: the renderer (pure: JSON -> strongswan.conf,
 * swanctl.conf, certificate and key), the process side (charon in the
 * compartment's namespaces, swanctl to load), and status over vici.
 *
 * What goes into swanctl.conf is either checked and re-rendered from
 * parsed values (addresses, prefixes), hex-encoded (secrets: "0x..."), or
 * quoted with escapes after control characters were refused (EAP user
 * names); connection names are made of [A-Za-z0-9_-] only.  So no input
 * can end a string, a section or a line.
 */
#include "gw/vpn.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gw/vpn-vici.h"
#include "lib/addr.h"
#include "lib/util.h"

#define VPN_CHARON_DEFAULT "/usr/lib/ipsec/charon"
#define VPN_SWANCTL_DEFAULT "/usr/sbin/swanctl"
#define VPN_IP_DEFAULT "/usr/sbin/ip"
#define VPN_MAX_NAME 255
#define VPN_P2S_CONN "p2s"
#define VPN_S2S_PREFIX "s2s-"

/* ------------------------------------------------------------------ */
/* A growing string */

struct sbuf {
	char *s;
	size_t len, cap;
};

static void PRINTF_FMT(2, 3) sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		size_t room = b->cap - b->len;

		va_start(ap, fmt);
		n = vsnprintf(b->s ? b->s + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0)
			abort();
		if ((size_t)n < room) {
			b->len += n;
			return;
		}
		b->cap = MAX(b->cap * 2, b->len + n + 256);
		b->s = xrealloc(b->s, b->cap);
	}
}

static char *
sb_steal(struct sbuf *b)
{
	char *s = b->s ? b->s : xstrdup("");

	b->s = NULL;
	b->len = b->cap = 0;
	return s;
}

/* "0x" and the bytes of 's' in hex: swanctl reads secrets so prefixed as
 * hex, whatever the bytes are. */
static void
sb_hex(struct sbuf *b, const char *s)
{
	sb_printf(b, "0x");
	for (; *s; s++)
		sb_printf(b, "%02x", (unsigned char)*s);
}

/* A double-quoted string for swanctl.conf; 's' has no control
 * characters (checked by the caller). */
static void
sb_quoted(struct sbuf *b, const char *s)
{
	sb_printf(b, "\"");
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			sb_printf(b, "\\");
		sb_printf(b, "%c", *s);
	}
	sb_printf(b, "\"");
}

/* ------------------------------------------------------------------ */
/* Names */

char *
gw_vpn_conn_name(const char *id)
{
	struct sbuf b = {0};
	const char *p;

	sb_printf(&b, "%s", VPN_S2S_PREFIX);
	for (p = id; *p; p++) {
		unsigned char c = *p;

		if (isascii(c) && (isalnum(c) || c == '-'))
			sb_printf(&b, "%c", c);
		else
			sb_printf(&b, "_%02x", c);
	}
	return sb_steal(&b);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

char *
gw_vpn_conn_resource_id(const char *name)
{
	struct sbuf b = {0};
	const char *p;

	if (strncmp(name, VPN_S2S_PREFIX, strlen(VPN_S2S_PREFIX)))
		return NULL;
	sb_printf(&b, "%s", "");
	for (p = name + strlen(VPN_S2S_PREFIX); *p; p++) {
		if (*p == '_') {
			int hi = p[1] ? hexval(p[1]) : -1;
			int lo = hi >= 0 && p[2] ? hexval(p[2]) : -1;

			if (lo < 0 || (hi == 0 && lo == 0)) {
				free(sb_steal(&b));
				return NULL;
			}
			sb_printf(&b, "%c", hi << 4 | lo);
			p += 2;
		} else {
			sb_printf(&b, "%c", *p);
		}
	}
	return sb_steal(&b);
}

/* ------------------------------------------------------------------ */
/* Validation */

struct verr {
	char *buf;
	size_t len;
};

static int PRINTF_FMT(2, 3) verr_set(struct verr *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->buf, e->len, fmt, ap);
	va_end(ap);
	return -1;
}

/* A string member: NULL (and an error unless optional) when absent. */
static int
get_str(const json_t *obj, const char *key, const char *where, bool optional,
        const char **out, struct verr *e)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v || json_is_null(v)) {
		if (optional)
			return 0;
		return verr_set(e, "%s.%s: missing", where, key);
	}
	if (!json_is_string(v))
		return verr_set(e, "%s.%s: not a string", where, key);
	*out = json_string_value(v);
	if (strlen(*out) != json_string_length(v))
		return verr_set(e, "%s.%s: contains a NUL byte", where, key);
	return 0;
}

static bool
has_ctrl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* Renders the prefix list 'key' of 'obj' canonically ("a/n,b/m") into
 * 'b'; empty lists are refused; 'missing_ok': absent is fine (returns 1,
 * nothing rendered). */
static int
render_prefixes(struct sbuf *b, const json_t *obj, const char *key,
                const char *where, bool missing_ok, struct verr *e)
{
	json_t *arr = json_object_get(obj, key), *v;
	size_t i;

	if (!arr || json_is_null(arr)) {
		if (missing_ok)
			return 1;
		return verr_set(e, "%s.%s: missing", where, key);
	}
	if (!json_is_array(arr))
		return verr_set(e, "%s.%s: not an array of prefixes", where,
		                key);
	if (json_array_size(arr) == 0)
		return verr_set(e, "%s.%s: empty", where, key);
	json_array_foreach(arr, i, v)
	{
		char buf[IP_ADDR_STRLEN + 4];
		struct in6_addr pfx;
		int plen;

		if (!json_is_string(v))
			return verr_set(e, "%s.%s[%zu]: not a string", where,
			                key, i);
		if (prefix_parse(json_string_value(v), &pfx, &plen) < 0)
			return verr_set(e,
			                "%s.%s[%zu]: \"%.64s\" is not a prefix "
			                "(address/length, host bits zero)",
			                where, key, i, json_string_value(v));
		sb_printf(b, "%s%s", i ? "," : "", prefix_fmt(&pfx, plen, buf));
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* The renderer */

/* Plugins charon loads (no modular loading: /etc/strongswan.d is not
 * read).  openssl does the crypto; gcrypt brings MD4 and DES for
 * MSCHAPv2, which OpenSSL 3 keeps in its legacy provider. */
#define VPN_PLUGINS                                                            \
	"random nonce openssl gcrypt aes sha1 sha2 hmac kdf gcm curve25519 "   \
	"pem pkcs1 pkcs8 x509 pubkey revocation constraints "                  \
	"eap-identity eap-mschapv2 socket-default vici"

static char *
render_strongswan_conf(bool libipsec)
{
	struct sbuf b = {0};

	sb_printf(&b,
	          "# strongSwan settings of one hnv-gateway compartment "
	          "(generated by hnv-gateway).\n"
	          "# charon runs with this directory's run/ mounted over "
	          "/run.\n"
	          "charon {\n"
	          "\tload_modular = no\n"
	          "\tload = %s%s kernel-netlink\n"
	          "\tinstall_routes = yes\n"
	          "\tinstall_virtual_ip = yes\n"
	          "\tretransmit_tries = 4\n"
	          "\tplugins {\n"
	          "\t\tvici {\n"
	          "\t\t\tsocket = unix:///run/charon.vici\n"
	          "\t\t}\n"
	          "\t}\n"
	          "\tfilelog {\n"
	          "\t\tcharon {\n"
	          "\t\t\tpath = /run/charon.log\n"
	          "\t\t\ttime_format = %%F %%T\n"
	          "\t\t\tappend = no\n"
	          "\t\t\tdefault = 1\n"
	          "\t\t}\n"
	          "\t}\n"
	          "\tsyslog {\n"
	          "\t\tdaemon {\n"
	          "\t\t\tdefault = -1\n"
	          "\t\t}\n"
	          "\t\tauth {\n"
	          "\t\t\tdefault = -1\n"
	          "\t\t}\n"
	          "\t}\n"
	          "}\n",
	          VPN_PLUGINS, libipsec ? " kernel-libipsec" : "");
	return sb_steal(&b);
}

struct s2s_seen {
	struct in6_addr peer;
	char *name;
};

static int
render_s2s(struct sbuf *conns, struct sbuf *secrets, const json_t *list,
           const char *local, bool libipsec, struct verr *e)
{
	struct s2s_seen *seen;
	size_t i, n, j;
	json_t *ent;
	int r = -1;

	if (!json_is_array(list))
		return verr_set(e, "siteToSite: not an array");
	n = json_array_size(list);
	seen = xcalloc(n + 1, sizeof(*seen));
	json_array_foreach(list, i, ent)
	{
		char where[48], peer_s[IP_ADDR_STRLEN];
		const char *id, *peer, *psk;
		json_t *props;
		struct in6_addr pa;
		char *name;

		snprintf(where, sizeof(where), "siteToSite[%zu]", i);
		if (!json_is_object(ent))
			goto bad_obj;
		/* {resourceId, properties: {...}} as in the controller's
		 * resources, or the properties inline (the gateway config). */
		props = json_object_get(ent, "properties");
		if (!props)
			props = ent;
		if (!json_is_object(props)) {
			verr_set(e, "%s.properties: not an object", where);
			goto out;
		}
		if (get_str(ent, "resourceId", where, false, &id, e) < 0)
			goto out;
		if (!*id || strlen(id) > 64) {
			verr_set(e, "%s.resourceId: must be 1 to 64 bytes",
			         where);
			goto out;
		}
		if (get_str(props, "peerAddress", where, false, &peer, e) < 0)
			goto out;
		if (ip_parse(peer, &pa) < 0 || ip_is_unspec(&pa)) {
			verr_set(e,
			         "%s.peerAddress: \"%.64s\" is not an "
			         "address",
			         where, peer);
			goto out;
		}
		if (get_str(props, "psk", where, false, &psk, e) < 0)
			goto out;
		if (!*psk) {
			verr_set(e, "%s.psk: empty", where);
			goto out;
		}
		name = gw_vpn_conn_name(id);
		for (j = 0; j < i; j++) {
			if (!strcmp(seen[j].name, name)) {
				verr_set(e,
				         "%s.resourceId: \"%s\" also in "
				         "siteToSite[%zu]",
				         where, id, j);
				free(name);
				goto out;
			}
			if (ip_equal(&seen[j].peer, &pa)) {
				verr_set(e,
				         "%s.peerAddress: %s also in "
				         "siteToSite[%zu]",
				         where, peer, j);
				free(name);
				goto out;
			}
		}
		seen[i].name = name;
		seen[i].peer = pa;
		ip_fmt(&pa, peer_s);

		sb_printf(conns,
		          "\t%s {\n"
		          "\t\tversion = 2\n"
		          "\t\tlocal_addrs = %s\n"
		          "\t\tremote_addrs = %s\n"
		          "\t\tencap = %s\n"
		          "\t\tmobike = no\n"
		          "\t\tdpd_delay = 10s\n"
		          "\t\tkeyingtries = 0\n"
		          "\t\tlocal {\n"
		          "\t\t\tauth = psk\n"
		          "\t\t\tid = %s\n"
		          "\t\t}\n"
		          "\t\tremote {\n"
		          "\t\t\tauth = psk\n"
		          "\t\t\tid = %s\n"
		          "\t\t}\n"
		          "\t\tchildren {\n"
		          "\t\t\t%s {\n"
		          "\t\t\t\tlocal_ts = ",
		          name, local, peer_s, libipsec ? "yes" : "no", local,
		          peer_s, name);
		snprintf(where, sizeof(where), "siteToSite[%zu]", i);
		if (render_prefixes(conns, props, "localPrefixes", where, false,
		                    e) < 0)
			goto out;
		sb_printf(conns, "\n\t\t\t\tremote_ts = ");
		if (render_prefixes(conns, props, "remotePrefixes", where,
		                    false, e) < 0)
			goto out;
		sb_printf(conns, "\n"
		                 "\t\t\t\tstart_action = start\n"
		                 "\t\t\t\tdpd_action = restart\n"
		                 "\t\t\t\tclose_action = start\n"
		                 "\t\t\t}\n"
		                 "\t\t}\n"
		                 "\t}\n");
		sb_printf(secrets,
		          "\tike-%s {\n"
		          "\t\tid = %s\n"
		          "\t\tsecret = ",
		          name, peer_s);
		sb_hex(secrets, psk);
		sb_printf(secrets, "\n\t}\n");
	}
	r = 0;
	goto out;
bad_obj:
	verr_set(e, "siteToSite[%zu]: not an object", i);
out:
	for (j = 0; j < n; j++)
		free(seen[j].name);
	free(seen);
	return r;
}

static int
check_pem(const char *pem, const char *what, const char *where, struct verr *e)
{
	char begin[64];

	snprintf(begin, sizeof(begin), "-----BEGIN %s", what);
	if (!strstr(pem, begin) || !strstr(pem, "-----END "))
		return verr_set(e, "%s: not a PEM %s", where, what);
	return 0;
}

static int
render_p2s(struct sbuf *conns, struct sbuf *pools, struct sbuf *secrets,
           const json_t *p2s, const char *local, bool libipsec,
           struct gw_vpn_files *out, struct verr *e)
{
	const char *cert, *key;
	json_t *users, *u;
	size_t i, j;
	int r;

	if (!json_is_object(p2s))
		return verr_set(e, "pointToSite: not an object");
	if (get_str(p2s, "serverCertificate", "pointToSite", false, &cert, e) <
	        0 ||
	    check_pem(cert, "CERTIFICATE", "pointToSite.serverCertificate", e) <
	        0)
		return -1;
	if (get_str(p2s, "serverKey", "pointToSite", false, &key, e) < 0 ||
	    check_pem(key, "", "pointToSite.serverKey", e) < 0 ||
	    !strstr(key, "PRIVATE KEY-----"))
		return verr_set(e, "pointToSite.serverKey: %s",
		                key ? "not a PEM private key" : "missing");

	sb_printf(pools, "\tp2s-pool {\n\t\taddrs = ");
	{
		json_t *pool = json_object_get(p2s, "addressPool");
		char buf[IP_ADDR_STRLEN + 4];
		struct in6_addr pfx;
		int plen;

		if (!pool)
			return verr_set(e, "pointToSite.addressPool: missing");
		if (!json_is_string(pool) ||
		    prefix_parse(json_string_value(pool), &pfx, &plen) < 0)
			return verr_set(e,
			                "pointToSite.addressPool: not a prefix "
			                "(address/length, host bits zero)");
		if (plen > (ip_is_v4(&pfx) ? 30 : 126))
			return verr_set(e,
			                "pointToSite.addressPool: %s is "
			                "too small",
			                json_string_value(pool));
		sb_printf(pools, "%s\n\t}\n", prefix_fmt(&pfx, plen, buf));
	}

	sb_printf(conns,
	          "\t%s {\n"
	          "\t\tversion = 2\n"
	          "\t\tlocal_addrs = %s\n"
	          "\t\tremote_addrs = %%any\n"
	          "\t\tencap = %s\n"
	          "\t\tpools = p2s-pool\n"
	          "\t\tsend_certreq = no\n"
	          "\t\tdpd_delay = 30s\n"
	          "\t\tlocal {\n"
	          "\t\t\tauth = pubkey\n"
	          "\t\t\tcerts = server.pem\n"
	          "\t\t\tid = %s\n"
	          "\t\t}\n"
	          "\t\tremote {\n"
	          "\t\t\tauth = eap-mschapv2\n"
	          "\t\t\teap_id = %%any\n"
	          "\t\t}\n"
	          "\t\tchildren {\n"
	          "\t\t\t%s {\n"
	          "\t\t\t\tlocal_ts = ",
	          VPN_P2S_CONN, local, libipsec ? "yes" : "no", local,
	          VPN_P2S_CONN);
	/* What clients reach: the tenant's prefixes when the controller
	 * gives them, else anything (clients narrow it down). */
	r = render_prefixes(conns, p2s, "localPrefixes", "pointToSite", true,
	                    e);
	if (r < 0)
		return -1;
	if (r == 1)
		sb_printf(conns, "0.0.0.0/0,::/0");
	sb_printf(conns, "\n"
	                 "\t\t\t\tdpd_action = clear\n"
	                 "\t\t\t}\n"
	                 "\t\t}\n"
	                 "\t}\n");

	users = json_object_get(p2s, "users");
	if (!users)
		return verr_set(e, "pointToSite.users: missing");
	if (!json_is_array(users))
		return verr_set(e, "pointToSite.users: not an array");
	json_array_foreach(users, i, u)
	{
		char where[48];
		const char *name, *pw;

		snprintf(where, sizeof(where), "pointToSite.users[%zu]", i);
		if (!json_is_object(u))
			return verr_set(e, "%s: not an object", where);
		if (get_str(u, "name", where, false, &name, e) < 0 ||
		    get_str(u, "password", where, false, &pw, e) < 0)
			return -1;
		if (!*name || strlen(name) > VPN_MAX_NAME)
			return verr_set(e, "%s.name: must be 1 to %d bytes",
			                where, VPN_MAX_NAME);
		if (has_ctrl(name))
			return verr_set(e,
			                "%s.name: contains a control "
			                "character",
			                where);
		if (!*pw)
			return verr_set(e, "%s.password: empty", where);
		for (j = 0; j < i; j++) {
			json_t *o = json_array_get(users, j);

			if (!strcmp(
			        json_string_value(json_object_get(o, "name")),
			        name))
				return verr_set(e,
				                "%s.name: \"%s\" also in "
				                "pointToSite.users[%zu]",
				                where, name, j);
		}
		sb_printf(secrets, "\teap-u%zu {\n\t\tid = ", i);
		sb_quoted(secrets, name);
		sb_printf(secrets, "\n\t\tsecret = ");
		sb_hex(secrets, pw);
		sb_printf(secrets, "\n\t}\n");
	}
	out->server_cert = xstrdup(cert);
	out->server_key = xstrdup(key);
	return 0;
}

void
gw_vpn_files_uninit(struct gw_vpn_files *f)
{
	if (!f)
		return;
	free(f->strongswan_conf);
	free(f->swanctl_conf);
	free(f->server_cert);
	free(f->server_key);
	memset(f, 0, sizeof(*f));
}

/* Does 'vpn' ask for anything? */
static bool
vpn_wanted(const json_t *vpn)
{
	json_t *s2s, *p2s;

	if (!vpn || json_is_null(vpn))
		return false;
	s2s = json_object_get(vpn, "siteToSite");
	p2s = json_object_get(vpn, "pointToSite");
	return (s2s && !(json_is_array(s2s) && json_array_size(s2s) == 0) &&
	        !json_is_null(s2s)) ||
	       (p2s && !json_is_null(p2s));
}

int
gw_vpn_render(const char *local_addr, const json_t *vpn, bool libipsec,
              struct gw_vpn_files *out, char *err, size_t errlen)
{
	struct sbuf conns = {0}, pools = {0}, secrets = {0}, all = {0};
	struct verr e = {err, errlen};
	char local[IP_ADDR_STRLEN];
	struct in6_addr la;
	const char *key;
	json_t *v;
	int r = -1;

	memset(out, 0, sizeof(*out));
	err[0] = '\0';
	if (vpn && !json_is_object(vpn) && !json_is_null(vpn))
		return verr_set(&e, "vpn: not an object");
	if (vpn && json_is_object(vpn)) {
		json_object_foreach((json_t *)vpn, key, v)
		{
			if (strcmp(key, "siteToSite") &&
			    strcmp(key, "pointToSite"))
				return verr_set(&e,
				                "vpn.%.40s: unknown "
				                "member",
				                key);
		}
	}
	if (!vpn_wanted(vpn))
		return 1;
	if (!local_addr || ip_parse(local_addr, &la) < 0 || ip_is_unspec(&la))
		return verr_set(&e, "local address \"%.64s\": not an address",
		                local_addr ? local_addr : "");
	ip_fmt(&la, local);

	v = json_object_get(vpn, "siteToSite");
	if (v && !json_is_null(v) &&
	    render_s2s(&conns, &secrets, v, local, libipsec, &e) < 0)
		goto out;
	v = json_object_get(vpn, "pointToSite");
	if (v && !json_is_null(v) &&
	    render_p2s(&conns, &pools, &secrets, v, local, libipsec, out, &e) <
	        0)
		goto out;

	sb_printf(&all,
	          "# Connections of one hnv-gateway compartment "
	          "(generated by hnv-gateway).\n"
	          "connections {\n%s}\n"
	          "pools {\n%s}\n"
	          "secrets {\n%s}\n",
	          conns.s ? conns.s : "", pools.s ? pools.s : "",
	          secrets.s ? secrets.s : "");
	out->swanctl_conf = sb_steal(&all);
	out->strongswan_conf = render_strongswan_conf(libipsec);
	r = 0;
out:
	if (r < 0)
		gw_vpn_files_uninit(out);
	free(conns.s);
	free(pools.s);
	free(secrets.s);
	return r;
}

/* ------------------------------------------------------------------ */
/* Files */

static char *
path_join(const char *dir, const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

static int
mkdir_p(const char *path, mode_t mode)
{
	char *p = xstrdup(path), *s;
	int r = 0;

	for (s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			r = -errno;
		*s = '/';
		if (r < 0)
			break;
	}
	if (!r && mkdir(p, mode) < 0 && errno != EEXIST)
		r = -errno;
	if (!r && chmod(p, mode) < 0)
		r = -errno;
	free(p);
	return r;
}

/* The whole file, or NULL. */
static char *
read_text(const char *path)
{
	struct sbuf b = {0};
	char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	sb_printf(&b, "%s", "");
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (memchr(buf, '\0', n)) {
			close(fd);
			free(b.s);
			return NULL;
		}
		sb_printf(&b, "%.*s", (int)n, buf);
	}
	close(fd);
	return sb_steal(&b);
}

/* Writes 'text' to 'path' (mode 'mode', atomically) unless it holds that
 * already: 1 if written, 0 if unchanged, negative errno. */
static int
write_text(const char *path, const char *text, mode_t mode)
{
	char *old = read_text(path), *tmp;
	size_t len = strlen(text), off = 0;
	int fd, r = 1;

	if (old && !strcmp(old, text)) {
		free(old);
		return 0;
	}
	free(old);
	tmp = xasprintf("%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	if (fchmod(fd, mode) < 0)
		r = -errno;
	while (r > 0 && off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			r = -errno;
		else
			off += n;
	}
	if (close(fd) < 0 && r > 0)
		r = -errno;
	if (r > 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
out:
	free(tmp);
	return r;
}

/* ------------------------------------------------------------------ */
/* Processes */

static const char *
env_or(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v && *v ? v : def;
}

/* The charon of 'dir': its pid when the pid file names a running charon,
 * else 0. */
static pid_t
charon_pid(const char *dir)
{
	char *path = path_join(dir, "run/charon.pid"), *txt, *comm;
	char proc[64];
	long pid = 0;

	txt = read_text(path);
	free(path);
	if (!txt)
		return 0;
	pid = strtol(txt, NULL, 10);
	free(txt);
	if (pid <= 1 || pid > INT_MAX)
		return 0;
	snprintf(proc, sizeof(proc), "/proc/%ld/stat", pid);
	txt = read_text(proc);
	if (!txt)
		return 0;
	/* "pid (comm) S ...": a zombie is gone. */
	comm = strrchr(txt, ')');
	if (!strstr(txt, "(charon)") || !comm || comm[1] != ' ' ||
	    comm[2] == 'Z')
		pid = 0;
	free(txt);
	return pid;
}

static bool
pid_gone(pid_t pid)
{
	char proc[64], *txt, *p;
	bool gone;

	snprintf(proc, sizeof(proc), "/proc/%d/stat", (int)pid);
	txt = read_text(proc);
	if (!txt)
		return true;
	p = strrchr(txt, ')');
	gone = !p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X';
	free(txt);
	return gone;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Runs argv (with 'envp' when not NULL, added to a clean environment)
 * and collects its output (stdout and stderr) into 'out'; returns the
 * exit status, or -1. */
static int
run_cmd(char *const argv[], char *const envp[], char **out)
{
	int pfd[2], status;
	struct sbuf b = {0};
	char buf[1024];
	ssize_t n;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		int fd = open("/dev/null", O_RDONLY);

		if (fd >= 0)
			dup2(fd, 0);
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		if (envp)
			execve(argv[0], argv, envp);
		else
			execv(argv[0], argv);
		dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	sb_printf(&b, "%s", "");
	while ((n = read(pfd[0], buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if (b.len < 64 * 1024)
			sb_printf(&b, "%.*s", (int)n, buf);
	}
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (out)
		*out = sb_steal(&b);
	else
		free(b.s);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool
gw_vpn_kernel_esp(const char *netns)
{
	const char *ip = env_or("HNV_GW_IP", VPN_IP_DEFAULT);
	char *add[] = {(char *)ip,
	               "-n",
	               (char *)netns,
	               "xfrm",
	               "state",
	               "add",
	               "src",
	               "192.0.2.1",
	               "dst",
	               "192.0.2.2",
	               "proto",
	               "esp",
	               "spi",
	               "0x4e560001",
	               "mode",
	               "tunnel",
	               "enc",
	               "cbc(aes)",
	               "0x000102030405060708090a0b0c0d0e0f",
	               "auth-trunc",
	               "hmac(sha256)",
	               "0x000102030405060708090a0b0c0d0e0f"
	               "101112131415161718191a1b1c1d1e1f",
	               "128",
	               NULL};
	char *del[] = {(char *)ip, "-n",         (char *)netns, "xfrm",
	               "state",    "delete",     "src",         "192.0.2.1",
	               "dst",      "192.0.2.2",  "proto",       "esp",
	               "spi",      "0x4e560001", NULL};
	int r = run_cmd(add, NULL, NULL);

	if (r == 0)
		run_cmd(del, NULL, NULL);
	return r == 0;
}

/* Last non-empty lines of 'text', on one line, into 'err'. */
static void
tail_into(char *err, size_t errlen, const char *prefix, const char *text)
{
	const char *p = text + strlen(text);
	int lines = 0;

	while (p > text && lines < 3) {
		p--;
		if (*p == '\n' && p[1] && p[1] != '\n')
			lines++;
	}
	if (*p == '\n')
		p++;
	snprintf(err, errlen, "%s: %s", prefix, p);
	for (char *c = err; *c; c++)
		if (*c == '\n')
			*c = *(c + 1) ? ';' : '\0';
}

/* The plugins of VPN_PLUGINS that Debian ships in packages of their own:
 * charon, not loading one, would start and then fail every IKE or EAP
 * exchange that needs it with nothing but a line in its log.  Checked
 * in the plugin directory next to charon (/usr/lib/ipsec/plugins), when
 * there is one. */
static int
charon_plugins_check(const char *charon, char *err, size_t errlen)
{
	static const struct {
		const char *name, *pkg;
	} need[] = {
	    {"openssl", "libstrongswan-standard-plugins"},
	    {"gcrypt", "libstrongswan-extra-plugins"},
	    {"eap-mschapv2", "libcharon-extauth-plugins"},
	};
	const char *slash = strrchr(charon, '/');
	char dir[PATH_MAX], so[PATH_MAX + 64];
	struct stat st;

	if (!slash || (size_t)(slash - charon) >= sizeof(dir) - 9)
		return 0;
	snprintf(dir, sizeof(dir), "%.*s/plugins", (int)(slash - charon),
	         charon);
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return 0;
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		snprintf(so, sizeof(so), "%s/libstrongswan-%s.so", dir,
		         need[i].name);
		if (access(so, R_OK) < 0) {
			snprintf(err, errlen,
			         "strongSwan plugin %s missing (%s): install "
			         "%s (scripts/deps does)",
			         need[i].name, so, need[i].pkg);
			return -1;
		}
	}
	return 0;
}

/* Starts charon in namespace 'netns' with 'dir'/run over /run.  Double
 * fork: charon is nobody's child here, gw_vpn_stop finds it by its pid
 * file.  Errors of the child before exec come back through a pipe. */
static int
charon_start(const char *netns, const char *dir, char *err, size_t errlen)
{
	const char *charon = env_or("HNV_GW_CHARON", VPN_CHARON_DEFAULT);
	char *nspath = xasprintf("/run/netns/%s", netns);
	char *rundir = path_join(dir, "run");
	char *envp[] = {"STRONGSWAN_CONF=/run/strongswan.conf",
	                "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL};
	char *argv[] = {(char *)charon, NULL};
	char msg[256] = "";
	int pfd[2], nsfd, status, r = -1;
	ssize_t n;
	pid_t pid;

	if (access(charon, X_OK) < 0) {
		snprintf(err, errlen, "strongSwan charon %s: %s", charon,
		         strerror(errno));
		goto out_free;
	}
	if (charon_plugins_check(charon, err, errlen) < 0)
		goto out_free;
	nsfd = open(nspath, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0) {
		snprintf(err, errlen, "namespace %s: %s", netns,
		         strerror(errno));
		goto out_free;
	}
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		close(nsfd);
		goto out_free;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		close(nsfd);
		goto out_free;
	}
	if (pid == 0) {
		const char *what = "fork";
		int fd;

		if (setsid() < 0 || fork() != 0)
			_exit(0);
		/* Only system calls from here on (async-signal-safe). */
		what = "setns";
		if (setns(nsfd, CLONE_NEWNET) < 0)
			goto child_fail;
		what = "unshare(CLONE_NEWNS)";
		if (unshare(CLONE_NEWNS) < 0)
			goto child_fail;
		what = "mount --make-rslave /";
		if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
			goto child_fail;
		what = "mount --bind run /run";
		if (mount(rundir, "/run", NULL, MS_BIND, NULL) < 0)
			goto child_fail;
		/* /sys of the namespace, as `ip netns exec` does. */
		if (umount2("/sys", MNT_DETACH) == 0)
			mount("sysfs", "/sys", "sysfs", 0, NULL);
		fd = open("/dev/null", O_RDWR);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
		}
		what = "exec";
		execve(charon, argv, envp);
	child_fail:;
		int e = errno;
		(void)!write(pfd[1], what, strlen(what));
		(void)!write(pfd[1], ": ", 2);
		(void)!write(pfd[1], strerror(e), strlen(strerror(e)));
		_exit(127);
	}
	close(pfd[1]);
	close(nsfd);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	while ((n = read(pfd[0], msg, sizeof(msg) - 1)) < 0 && errno == EINTR)
		;
	close(pfd[0]);
	if (n > 0) {
		msg[n] = '\0';
		snprintf(err, errlen, "starting charon in %s: %s", netns, msg);
		goto out_free;
	}
	r = 0;
out_free:
	free(nspath);
	free(rundir);
	return r;
}

/* Waits up to 'ms' for charon's vici socket to answer. */
static int
charon_wait(const char *dir, int ms, char *err, size_t errlen)
{
	char *sock = path_join(dir, "run/charon.vici");
	char *log = path_join(dir, "run/charon.log");
	int waited = 0, r = -1;

	for (;;) {
		struct vpn_vici *v = vpn_vici_connect(sock, 2000, err, errlen);

		if (v) {
			json_t *resp = vpn_vici_call(v, "version", NULL, NULL,
			                             NULL, err, errlen);

			vpn_vici_close(v);
			if (resp) {
				json_decref(resp);
				r = 0;
				break;
			}
		}
		if (waited >= ms) {
			char *txt = read_text(log);

			tail_into(err, errlen, "charon did not start (log)",
			          txt ? txt : "no log");
			free(txt);
			break;
		}
		sleep_ms(50);
		waited += 50;
	}
	free(sock);
	free(log);
	return r;
}

static void
charon_kill(const char *dir)
{
	pid_t pid = charon_pid(dir);
	int i;

	if (!pid)
		return;
	kill(pid, SIGTERM);
	for (i = 0; i < 60 && !pid_gone(pid); i++)
		sleep_ms(50);
	if (!pid_gone(pid)) {
		kill(pid, SIGKILL);
		for (i = 0; i < 60 && !pid_gone(pid); i++)
			sleep_ms(50);
	}
}

/* swanctl --load-all against the compartment's charon. */
static int
swanctl_load(const char *dir, char *err, size_t errlen)
{
	const char *swanctl = env_or("HNV_GW_SWANCTL", VPN_SWANCTL_DEFAULT);
	char *uri = xasprintf("unix://%s/run/charon.vici", dir);
	char *envdir = xasprintf("SWANCTL_DIR=%s", dir);
	char *argv[] = {(char *)swanctl, "--load-all", "--noprompt",
	                "--uri",         uri,          NULL};
	char *envp[] = {envdir, "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL};
	char *out = NULL;
	int r = run_cmd(argv, envp, &out);

	if (r != 0) {
		/* Drop the "opening directory ... failed" noise. */
		struct sbuf b = {0};
		char *line, *save = NULL;

		sb_printf(&b, "%s", "");
		for (line = strtok_r(out ? out : "", "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save))
			if (!strstr(line, "opening directory"))
				sb_printf(&b, "%s\n", line);
		tail_into(err, errlen, "swanctl --load-all failed", b.s);
		free(b.s);
	}
	free(out);
	free(uri);
	free(envdir);
	return r == 0 ? 0 : -1;
}

/* ------------------------------------------------------------------ */
/* Apply and stop */

static const char *const vpn_files[] = {
    "swanctl.conf",
    "x509/server.pem",
    "private/server.key",
    "run/strongswan.conf",
    "run/charon.log",
    "run/charon.vici",
    "run/charon.pid",
    "esp",
    NULL,
};
static const char *const vpn_dirs[] = {"x509", "private", "run", NULL};

void
gw_vpn_stop(const char *netns, const char *dir)
{
	int i;

	if (!dir)
		return;
	charon_kill(dir);
	for (i = 0; vpn_files[i]; i++) {
		char *p = path_join(dir, vpn_files[i]);

		unlink(p);
		free(p);
	}
	for (i = 0; vpn_dirs[i]; i++) {
		char *p = path_join(dir, vpn_dirs[i]);

		rmdir(p);
		free(p);
	}
	rmdir(dir);
}

/* "libipsec" or "xfrm": forced by HNV_GW_IPSEC, else the probe's (once
 * per compartment directory: the answer is kept in 'dir'/esp). */
static bool
use_libipsec(const char *netns, const char *dir)
{
	const char *force = getenv("HNV_GW_IPSEC");
	char *path, *txt;
	bool lib;

	path = path_join(dir, "esp");
	txt = read_text(path);
	if (force && !strcmp(force, "libipsec"))
		lib = true;
	else if (force && !strcmp(force, "xfrm"))
		lib = false;
	else if (txt && (!strcmp(txt, "xfrm\n") || !strcmp(txt, "libipsec\n")))
		lib = !strcmp(txt, "libipsec\n");
	else
		lib = !gw_vpn_kernel_esp(netns);
	write_text(path, lib ? "libipsec\n" : "xfrm\n", 0600);
	free(txt);
	free(path);
	return lib;
}

/* Terminates the IKE_SAs of connections that are no longer configured
 * (swanctl unloads them; this makes sure their SAs go at once). */
static void
terminate_stale(const char *dir, const struct gw_vpn_files *f)
{
	char *sock = path_join(dir, "run/charon.vici");
	char err[256];
	struct vpn_vici *v = vpn_vici_connect(sock, 3000, err, sizeof(err));
	json_t *events = NULL, *resp, *ev;
	size_t i;

	free(sock);
	if (!v)
		return;
	resp = vpn_vici_call(v, "list-sas", NULL, "list-sa", &events, err,
	                     sizeof(err));
	json_decref(resp);
	json_array_foreach(events, i, ev)
	{
		const char *ike;
		json_t *sa;

		json_object_foreach(ev, ike, sa)
		{
			char *needle = xasprintf("\n\t%s {\n", ike);
			json_t *req, *r2;

			if (strstr(f->swanctl_conf, needle)) {
				free(needle);
				continue;
			}
			free(needle);
			req = json_pack(
			    "{s:s, s:s, s:s}", "ike-id",
			    json_string_value(json_object_get(sa, "uniqueid"))
			        ?: "0",
			    "timeout", "-1", "force", "yes");
			r2 = vpn_vici_call(v, "terminate", req, NULL, NULL, err,
			                   sizeof(err));
			json_decref(r2);
			json_decref(req);
		}
	}
	json_decref(events);
	vpn_vici_close(v);
}

int
gw_vpn_apply(const char *netns, const char *dir, const char *local_addr,
             const json_t *vpn, char *err, size_t errlen)
{
	struct gw_vpn_files f;
	bool libipsec, changed = false, restart = false;
	char *p;
	int r, i;
	static const char *const subdirs[] = {"x509", "private", "run", NULL};

	if (!netns || !*netns || strchr(netns, '/')) {
		snprintf(err, errlen, "vpn: bad namespace name \"%.64s\"",
		         netns ? netns : "");
		return -1;
	}
	if (!dir || dir[0] != '/') {
		snprintf(err, errlen,
		         "vpn: directory \"%.64s\" is not absolute",
		         dir ? dir : "");
		return -1;
	}
	/* Validate before touching anything. */
	r = gw_vpn_render(local_addr, vpn, true, &f, err, errlen);
	if (r < 0)
		return -1;
	if (r == 1) {
		gw_vpn_stop(netns, dir);
		return 0;
	}
	gw_vpn_files_uninit(&f);

	if ((r = mkdir_p(dir, 0700)) < 0) {
		snprintf(err, errlen, "vpn: directory %s: %s", dir,
		         strerror(-r));
		return -1;
	}
	for (i = 0; subdirs[i]; i++) {
		p = path_join(dir, subdirs[i]);
		r = mkdir_p(p, 0700);
		free(p);
		if (r < 0) {
			snprintf(err, errlen, "vpn: directory %s/%s: %s", dir,
			         subdirs[i], strerror(-r));
			return -1;
		}
	}
	libipsec = use_libipsec(netns, dir);
	if (gw_vpn_render(local_addr, vpn, libipsec, &f, err, errlen) != 0)
		return -1;

	/* strongswan.conf changes need a new charon; the rest a reload. */
	p = path_join(dir, "run/strongswan.conf");
	r = write_text(p, f.strongswan_conf, 0600);
	free(p);
	if (r < 0)
		goto write_fail;
	restart = r > 0;
	p = path_join(dir, "swanctl.conf");
	r = write_text(p, f.swanctl_conf, 0600);
	free(p);
	if (r < 0)
		goto write_fail;
	changed = r > 0;
	p = path_join(dir, "x509/server.pem");
	if (f.server_cert) {
		r = write_text(p, f.server_cert, 0644);
		changed |= r > 0;
	} else {
		r = unlink(p) < 0 && errno != ENOENT ? -errno : 0;
	}
	free(p);
	if (r < 0)
		goto write_fail;
	p = path_join(dir, "private/server.key");
	if (f.server_key) {
		r = write_text(p, f.server_key, 0600);
		changed |= r > 0;
	} else {
		r = unlink(p) < 0 && errno != ENOENT ? -errno : 0;
	}
	free(p);
	if (r < 0)
		goto write_fail;

	if (restart || !charon_pid(dir)) {
		charon_kill(dir);
		if (charon_start(netns, dir, err, errlen) < 0 ||
		    charon_wait(dir, 5000, err, errlen) < 0)
			goto fail;
		changed = true;
	} else if (!changed) {
		/* The same config and a live charon: nothing to do. */
		gw_vpn_files_uninit(&f);
		return 0;
	}
	if (swanctl_load(dir, err, errlen) < 0)
		goto fail;
	terminate_stale(dir, &f);
	gw_vpn_files_uninit(&f);
	return 0;

write_fail:
	snprintf(err, errlen, "vpn: writing in %s: %s", dir, strerror(-r));
fail:
	/* Forget what was written: the next apply loads again. */
	p = path_join(dir, "swanctl.conf");
	unlink(p);
	free(p);
	gw_vpn_files_uninit(&f);
	return -1;
}

/* ------------------------------------------------------------------ */
/* Status */

static json_t *
jnum(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return json_integer(s ? strtoll(s, NULL, 10) : 0);
}

static json_t *
jstr(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return json_string(s ? s : "");
}

static json_t *
child_status(const json_t *children)
{
	json_t *arr = json_array(), *c;
	const char *k;

	json_object_foreach((json_t *)children, k, c)
	{
		json_t *lts = json_object_get(c, "local-ts");
		json_t *rts = json_object_get(c, "remote-ts");

		json_array_append_new(
		    arr, json_pack(
		             "{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, "
		             "s:o, s:o}",
		             "name", jstr(c, "name"), "uniqueId",
		             jnum(c, "uniqueid"), "state", jstr(c, "state"),
		             "spiIn", jstr(c, "spi-in"), "spiOut",
		             jstr(c, "spi-out"), "bytesIn", jnum(c, "bytes-in"),
		             "bytesOut", jnum(c, "bytes-out"), "packetsIn",
		             jnum(c, "packets-in"), "packetsOut",
		             jnum(c, "packets-out"), "localTs",
		             lts ? json_incref(lts) : json_array(), "remoteTs",
		             rts ? json_incref(rts) : json_array()));
	}
	return arr;
}

/* ESTABLISHED beats CONNECTING beats anything else. */
static int
state_rank(const char *s)
{
	if (!strcmp(s, "ESTABLISHED"))
		return 2;
	if (!strcmp(s, "CONNECTING"))
		return 1;
	return 0;
}

json_t *
gw_vpn_status(const char *dir)
{
	json_t *st = json_object(), *conns = json_array(),
	       *users = json_array();
	json_t *events = NULL, *resp, *ev, *cevents = NULL;
	char err[256], *sock, *esp;
	struct vpn_vici *v;
	pid_t pid = charon_pid(dir);
	size_t i;

	json_object_set_new(st, "running", json_boolean(pid != 0));
	json_object_set_new(st, "pid", json_integer(pid));
	esp = path_join(dir, "esp");
	{
		char *txt = read_text(esp);

		json_object_set_new(st, "esp",
		                    json_string(!txt ? "unknown"
		                                : !strcmp(txt, "libipsec\n")
		                                    ? "kernel-libipsec"
		                                    : "xfrm"));
		free(txt);
	}
	free(esp);
	json_object_set_new(st, "connections", conns);
	if (!pid)
		return st;
	sock = path_join(dir, "run/charon.vici");
	v = vpn_vici_connect(sock, 3000, err, sizeof(err));
	free(sock);
	if (!v) {
		json_object_set_new(st, "error", json_string(err));
		return st;
	}
	/* The configured connections first (all DOWN), then the SAs. */
	resp = vpn_vici_call(v, "list-conns", NULL, "list-conn", &cevents, err,
	                     sizeof(err));
	json_decref(resp);
	if (resp)
		resp = vpn_vici_call(v, "list-sas", NULL, "list-sa", &events,
		                     err, sizeof(err));
	json_decref(resp);
	vpn_vici_close(v);
	if (!resp) {
		json_object_set_new(st, "error", json_string(err));
		json_decref(cevents);
		json_decref(events);
		return st;
	}
	json_array_foreach(cevents, i, ev)
	{
		const char *name;
		json_t *c;

		json_object_foreach(ev, name, c)
		{
			char *rid = gw_vpn_conn_resource_id(name);
			json_t *ra = json_object_get(c, "remote_addrs");

			if (!strcmp(name, VPN_P2S_CONN)) {
				json_t *p = json_pack("{s:s, s:o}", "state",
				                      "LOADED", "users", users);

				json_object_set_new(st, "pointToSite", p);
				users = NULL;
			}
			if (!rid)
				continue;
			json_array_append_new(
			    conns,
			    json_pack(
			        "{s:s, s:s, s:s, s:s, s:i, s:[]}", "name", rid,
			        "type", "siteToSite", "peerAddress",
			        json_string_value(json_array_get(ra, 0)) ?: "",
			        "state", "DOWN", "uniqueId", 0, "childSas"));
			free(rid);
		}
	}
	json_array_foreach(events, i, ev)
	{
		const char *name;
		json_t *sa;

		json_object_foreach(ev, name, sa)
		{
			const char *state =
			    json_string_value(json_object_get(sa, "state"))
			        ?: "";
			json_t *kids = json_object_get(sa, "child-sas");
			json_t *p2s = json_object_get(st, "pointToSite");
			char *rid = gw_vpn_conn_resource_id(name);
			size_t j;
			json_t *c;

			if (!strcmp(name, VPN_P2S_CONN) && p2s) {
				json_t *vips =
				    json_object_get(sa, "remote-vips");
				json_t *eap =
				    json_object_get(sa, "remote-eap-id");

				json_array_append_new(
				    json_object_get(p2s, "users"),
				    json_pack(
				        "{s:o, s:o, s:o, s:o, s:s, s:o}",
				        "name",
				        eap ? jstr(sa, "remote-eap-id")
				            : jstr(sa, "remote-id"),
				        "virtualIps",
				        vips ? json_incref(vips) : json_array(),
				        "remoteHost", jstr(sa, "remote-host"),
				        "uniqueId", jnum(sa, "uniqueid"),
				        "state", state, "childSas",
				        child_status(kids)));
				continue;
			}
			if (!rid)
				continue;
			json_array_foreach(conns, j, c)
			{
				const char *cn = json_string_value(
				    json_object_get(c, "name"));
				const char *cs = json_string_value(
				    json_object_get(c, "state"));

				if (strcmp(cn, rid))
					continue;
				/* Several IKE_SAs (a rekey, both ends
				 * initiating): the best one. */
				if (state_rank(state) < state_rank(cs))
					break;
				json_object_set_new(
				    c, "state",
				    json_string(state_rank(state) ? state
				                                  : "DOWN"));
				json_object_set_new(c, "uniqueId",
				                    jnum(sa, "uniqueid"));
				json_object_set_new(c, "childSas",
				                    child_status(kids));
				break;
			}
			free(rid);
		}
	}
	json_decref(users);
	json_decref(cevents);
	json_decref(events);
	return st;
}
