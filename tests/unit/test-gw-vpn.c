/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-gw-vpn: the pure parts of gw/vpn.c (rendering strongswan.conf and
 * swanctl.conf from a compartment's "vpn" object, with validation) and of
 * gw/vpn-vici.c (the VICI message codec).  The rendered swanctl.conf is
 * read back with a small parser of strongSwan's settings syntax (sections,
 * key = value, double-quoted strings with backslash escapes), so the tests
 * check the structure swanctl would see, not substrings: hostile PSKs and
 * user names must come back as the same values and add no section or key.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "gw/vpn-vici.h"
#include "gw/vpn.h"
#include "tests/unit/harness.h"

/* ------------------------------------------------------------------ */
/* strongSwan settings syntax, read back into JSON objects */

struct rd {
	const char *p;
	int depth;
};

static void
rd_space(struct rd *r)
{
	for (;;) {
		while (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' ||
		       *r->p == '\r')
			r->p++;
		if (*r->p != '#')
			return;
		while (*r->p && *r->p != '\n')
			r->p++;
	}
}

static char *
rd_name(struct rd *r)
{
	const char *s = r->p;

	while (*r->p && !strchr(" \t\r\n{}=#\"", *r->p))
		r->p++;
	return r->p > s ? strndup(s, r->p - s) : NULL;
}

/* The value after '=': quoted (escapes resolved) or to the end of line. */
static char *
rd_value(struct rd *r)
{
	char *out = calloc(1, strlen(r->p) + 1), *o = out;

	while (*r->p == ' ' || *r->p == '\t')
		r->p++;
	if (*r->p == '"') {
		for (r->p++; *r->p != '"'; r->p++) {
			if (!*r->p) {
				free(out);
				return NULL;
			}
			if (*r->p == '\\') {
				r->p++;
				if (!*r->p) {
					free(out);
					return NULL;
				}
				*o++ = *r->p == 'n' ? '\n' : *r->p;
			} else {
				*o++ = *r->p;
			}
		}
		r->p++;
		while (*r->p == ' ' || *r->p == '\t')
			r->p++;
		if (*r->p && *r->p != '\n') {
			free(out);
			return NULL;
		}
	} else {
		while (*r->p && *r->p != '\n')
			*o++ = *r->p++;
		while (o > out && (o[-1] == ' ' || o[-1] == '\t'))
			*--o = '\0';
	}
	return out;
}

/* Fills 'obj' up to '}' (depth > 0) or the end; false on syntax errors
 * or a name twice in a section. */
static bool
rd_section(struct rd *r, json_t *obj)
{
	for (;;) {
		char *name, *val;

		rd_space(r);
		if (!*r->p)
			return r->depth == 0;
		if (*r->p == '}') {
			r->p++;
			return r->depth > 0;
		}
		if (!(name = rd_name(r)))
			return false;
		rd_space(r);
		if (json_object_get(obj, name)) {
			free(name);
			return false;
		}
		if (*r->p == '{') {
			json_t *sub = json_object();

			r->p++;
			json_object_set_new(obj, name, sub);
			free(name);
			r->depth++;
			if (!rd_section(r, sub))
				return false;
			r->depth--;
		} else if (*r->p == '=') {
			r->p++;
			val = rd_value(r);
			if (!val) {
				free(name);
				return false;
			}
			json_object_set_new(obj, name, json_string(val));
			free(name);
			free(val);
		} else {
			free(name);
			return false;
		}
	}
}

static json_t *
parse_conf(const char *text)
{
	struct rd r = {text, 0};
	json_t *obj;

	if (!text)
		return NULL;
	obj = json_object();

	if (!rd_section(&r, obj)) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

/* "a.b.c" in the parsed tree (names without dots). */
static const char *
conf_get(const json_t *conf, const char *path)
{
	char *p = strdup(path), *save = NULL, *tok;
	const json_t *v = conf;

	for (tok = strtok_r(p, ".", &save); tok && v;
	     tok = strtok_r(NULL, ".", &save))
		v = json_object_get(v, tok);
	free(p);
	return json_string_value(v);
}

/* ------------------------------------------------------------------ */

#define CERT "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
#define KEY "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n"
/* The same inside JSON text. */
#define CERT_J                                                                 \
	"-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----\\n"
#define KEY_J                                                                  \
	"-----BEGIN PRIVATE KEY-----\\nMIIE\\n-----END PRIVATE KEY-----\\n"

static json_t *
js(const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, JSON_ALLOW_NUL, &je);

	if (!j)
		fprintf(stderr, "bad test JSON: %s: %s\n", je.text, text);
	return j;
}

static json_t *
s2s_two(void)
{
	return js(
	    "{\"siteToSite\": ["
	    "{\"resourceId\": \"hq\", \"peerAddress\": \"198.51.100.2\","
	    " \"remotePrefixes\": [\"192.168.50.0/24\", \"192.168.51.0/24\"],"
	    " \"localPrefixes\": [\"10.0.0.0/16\"], \"psk\": \"s3cret\"},"
	    "{\"resourceId\": \"branch\", \"properties\": {"
	    " \"peerAddress\": \"2001:db8::2\","
	    " \"remotePrefixes\": [\"2001:db8:60::/48\"],"
	    " \"localPrefixes\": [\"fd00::/64\"], \"psk\": \"other\"}}]}");
}

static void
test_s2s(void)
{
	struct gw_vpn_files f;
	char err[256];
	json_t *vpn = s2s_two(), *conf;

	CHECK_EQ(gw_vpn_render("203.0.113.10", vpn, true, &f, err, sizeof(err)),
	         0);
	conf = parse_conf(f.swanctl_conf);
	CHECK(conf != NULL);
	/* One connection per entry, nothing else. */
	CHECK_EQ(json_object_size(json_object_get(conf, "connections")), 2);
	CHECK_STR(conf_get(conf, "connections.s2s-hq.version"), "2");
	CHECK_STR(conf_get(conf, "connections.s2s-hq.local_addrs"),
	          "203.0.113.10");
	CHECK_STR(conf_get(conf, "connections.s2s-hq.remote_addrs"),
	          "198.51.100.2");
	CHECK_STR(conf_get(conf, "connections.s2s-hq.encap"), "yes");
	CHECK_STR(conf_get(conf, "connections.s2s-hq.local.auth"), "psk");
	CHECK_STR(conf_get(conf, "connections.s2s-hq.local.id"),
	          "203.0.113.10");
	CHECK_STR(conf_get(conf, "connections.s2s-hq.remote.auth"), "psk");
	/* The peer's identity is its address. */
	CHECK_STR(conf_get(conf, "connections.s2s-hq.remote.id"),
	          "198.51.100.2");
	CHECK_STR(conf_get(conf, "connections.s2s-hq.children.s2s-hq.local_ts"),
	          "10.0.0.0/16");
	CHECK_STR(
	    conf_get(conf, "connections.s2s-hq.children.s2s-hq.remote_ts"),
	    "192.168.50.0/24,192.168.51.0/24");
	CHECK_STR(
	    conf_get(conf, "connections.s2s-hq.children.s2s-hq.start_action"),
	    "start");
	/* The properties form, IPv6. */
	CHECK_STR(conf_get(conf, "connections.s2s-branch.remote_addrs"),
	          "2001:db8::2");
	CHECK_STR(conf_get(conf, "connections.s2s-branch.children.s2s-branch."
	                         "remote_ts"),
	          "2001:db8:60::/48");
	/* PSKs hex-encoded, keyed by the peer's identity. */
	CHECK_STR(conf_get(conf, "secrets.ike-s2s-hq.id"), "198.51.100.2");
	CHECK_STR(conf_get(conf, "secrets.ike-s2s-hq.secret"),
	          "0x733363726574");
	CHECK_STR(conf_get(conf, "secrets.ike-s2s-branch.id"), "2001:db8::2");
	CHECK_EQ(json_object_size(json_object_get(conf, "pools")), 0);
	CHECK(f.server_cert == NULL && f.server_key == NULL);
	/* charon: libipsec loaded, vici on its private /run. */
	CHECK(strstr(f.strongswan_conf, " kernel-libipsec ") != NULL);
	CHECK(strstr(f.strongswan_conf, "unix:///run/charon.vici") != NULL);
	json_decref(conf);
	conf = parse_conf(f.strongswan_conf);
	CHECK(conf != NULL);
	json_decref(conf);
	gw_vpn_files_uninit(&f);

	/* With the kernel's ESP: no libipsec, no forced encapsulation. */
	CHECK_EQ(
	    gw_vpn_render("203.0.113.10", vpn, false, &f, err, sizeof(err)), 0);
	conf = parse_conf(f.swanctl_conf);
	CHECK_STR(conf_get(conf, "connections.s2s-hq.encap"), "no");
	CHECK(strstr(f.strongswan_conf, "libipsec") == NULL);
	json_decref(conf);
	gw_vpn_files_uninit(&f);
	json_decref(vpn);
}

static void
test_p2s(void)
{
	struct gw_vpn_files f;
	char err[256];
	json_t *vpn, *conf;

	vpn = js("{\"pointToSite\": {\"addressPool\": \"172.16.200.0/24\","
	         " \"users\": [{\"name\": \"alice\", \"password\": \"pw1\"},"
	         "  {\"name\": \"bob\", \"password\": \"pw2\"}],"
	         " \"serverCertificate\": \"" CERT_J "\","
	         " \"serverKey\": \"" KEY_J "\"}}");
	CHECK_EQ(gw_vpn_render("203.0.113.10", vpn, true, &f, err, sizeof(err)),
	         0);
	conf = parse_conf(f.swanctl_conf);
	CHECK(conf != NULL);
	CHECK_STR(conf_get(conf, "connections.p2s.remote.auth"),
	          "eap-mschapv2");
	CHECK_STR(conf_get(conf, "connections.p2s.local.auth"), "pubkey");
	CHECK_STR(conf_get(conf, "connections.p2s.local.certs"), "server.pem");
	CHECK_STR(conf_get(conf, "connections.p2s.local.id"), "203.0.113.10");
	CHECK_STR(conf_get(conf, "connections.p2s.pools"), "p2s-pool");
	CHECK_STR(conf_get(conf, "pools.p2s-pool.addrs"), "172.16.200.0/24");
	CHECK_STR(conf_get(conf, "connections.p2s.children.p2s.local_ts"),
	          "0.0.0.0/0,::/0");
	CHECK_STR(conf_get(conf, "secrets.eap-u0.id"), "alice");
	CHECK_STR(conf_get(conf, "secrets.eap-u0.secret"), "0x707731");
	CHECK_STR(conf_get(conf, "secrets.eap-u1.id"), "bob");
	CHECK_STR(f.server_cert, CERT);
	CHECK_STR(f.server_key, KEY);
	json_decref(conf);
	gw_vpn_files_uninit(&f);

	/* The tenant's prefixes when given. */
	json_object_set_new(json_object_get(vpn, "pointToSite"),
	                    "localPrefixes", js("[\"10.0.0.0/16\"]"));
	CHECK_EQ(gw_vpn_render("203.0.113.10", vpn, true, &f, err, sizeof(err)),
	         0);
	conf = parse_conf(f.swanctl_conf);
	CHECK_STR(conf_get(conf, "connections.p2s.children.p2s.local_ts"),
	          "10.0.0.0/16");
	json_decref(conf);
	gw_vpn_files_uninit(&f);
	json_decref(vpn);
}

static void
test_none(void)
{
	struct gw_vpn_files f;
	char err[256];
	json_t *v;

	CHECK_EQ(
	    gw_vpn_render("203.0.113.10", NULL, true, &f, err, sizeof(err)), 1);
	v = js("{}");
	CHECK_EQ(gw_vpn_render("203.0.113.10", v, true, &f, err, sizeof(err)),
	         1);
	json_decref(v);
	v = js("{\"siteToSite\": []}");
	CHECK_EQ(gw_vpn_render("203.0.113.10", v, true, &f, err, sizeof(err)),
	         1);
	json_decref(v);
	CHECK(f.swanctl_conf == NULL);
}

/* Each case: a "vpn" object, the start of the expected error. */
static const struct {
	const char *vpn;
	const char *err;
} bad_cases[] = {
    {"{\"siteToSite\": [{\"resourceId\": \"a\", \"peerAddress\": "
     "\"198.51.100.2\", \"remotePrefixes\": [\"192.168.50.0/24\"], "
     "\"localPrefixes\": [\"10.0.0.0/16\"]}]}",
     "siteToSite[0].psk: missing"},
    {"{\"siteToSite\": [{\"resourceId\": \"a\", \"peerAddress\": "
     "\"198.51.100.2\", \"remotePrefixes\": [\"192.168.50.0/24\"], "
     "\"localPrefixes\": [\"10.0.0.0/16\"], \"psk\": \"\"}]}",
     "siteToSite[0].psk: empty"},
    {"{\"siteToSite\": [{\"resourceId\": \"a\", \"peerAddress\": "
     "\"198.51.100.2\", \"remotePrefixes\": [\"192.168.50.1/24\"], "
     "\"localPrefixes\": [\"10.0.0.0/16\"], \"psk\": \"x\"}]}",
     "siteToSite[0].remotePrefixes[0]: \"192.168.50.1/24\" is not a "
     "prefix"},
    {"{\"siteToSite\": [{\"resourceId\": \"a\", \"peerAddress\": "
     "\"198.51.100.2\", \"remotePrefixes\": [\"10.0.0.0/33\"], "
     "\"localPrefixes\": [\"10.0.0.0/16\"], \"psk\": \"x\"}]}",
     "siteToSite[0].remotePrefixes[0]"},
    {"{\"siteToSite\": [{\"resourceId\": \"a\", \"peerAddress\": "
     "\"198.51.100.2\", \"remotePrefixes\": [\"192.168.50.0/24\"], "
     "\"localPrefixes\": [\"10.0.0.0/16\\n}\"], \"psk\": \"x\"}]}",
     "siteToSite[0].localPrefixes[0]"},
    {"{\"siteToSite\": [{\"resourceId\": \"a\", \"peerAddress\": "
     "\"198.51.100.2\", \"remotePrefixes\": [], "
     "\"localPrefixes\": [\"10.0.0.0/16\"], \"psk\": \"x\"}]}",
     "siteToSite[0].remotePrefixes: empty"},
    {"{\"siteToSite\": [{\"resourceId\": \"a\", \"peerAddress\": "
     "\"198.51.100.2\", \"localPrefixes\": [\"10.0.0.0/16\"], "
     "\"psk\": \"x\"}]}",
     "siteToSite[0].remotePrefixes: missing"},
    {"{\"siteToSite\": [{\"resourceId\": \"a\", \"peerAddress\": "
     "\"gw.example\", \"remotePrefixes\": [\"192.168.50.0/24\"], "
     "\"localPrefixes\": [\"10.0.0.0/16\"], \"psk\": \"x\"}]}",
     "siteToSite[0].peerAddress: \"gw.example\" is not an address"},
    {"{\"siteToSite\": [{\"peerAddress\": \"198.51.100.2\", "
     "\"remotePrefixes\": [\"192.168.50.0/24\"], "
     "\"localPrefixes\": [\"10.0.0.0/16\"], \"psk\": \"x\"}]}",
     "siteToSite[0].resourceId: missing"},
    {"{\"siteToSite\": ["
     "{\"resourceId\": \"a\", \"peerAddress\": \"198.51.100.2\", "
     "\"remotePrefixes\": [\"192.168.50.0/24\"], "
     "\"localPrefixes\": [\"10.0.0.0/16\"], \"psk\": \"x\"},"
     "{\"resourceId\": \"b\", \"peerAddress\": \"198.51.100.2\", "
     "\"remotePrefixes\": [\"192.168.60.0/24\"], "
     "\"localPrefixes\": [\"10.0.0.0/16\"], \"psk\": \"y\"}]}",
     "siteToSite[1].peerAddress: 198.51.100.2 also in siteToSite[0]"},
    {"{\"siteToSite\": ["
     "{\"resourceId\": \"a\", \"peerAddress\": \"198.51.100.2\", "
     "\"remotePrefixes\": [\"192.168.50.0/24\"], "
     "\"localPrefixes\": [\"10.0.0.0/16\"], \"psk\": \"x\"},"
     "{\"resourceId\": \"a\", \"peerAddress\": \"198.51.100.3\", "
     "\"remotePrefixes\": [\"192.168.60.0/24\"], "
     "\"localPrefixes\": [\"10.0.0.0/16\"], \"psk\": \"y\"}]}",
     "siteToSite[1].resourceId: \"a\" also in siteToSite[0]"},
    {"{\"siteToSite\": {}}", "siteToSite: not an array"},
    {"{\"siteToSite\": [42]}", "siteToSite[0]: not an object"},
    {"{\"siteTosite\": []}", "vpn.siteTosite: unknown member"},
    {"{\"pointToSite\": {\"addressPool\": \"172.16.200.0/24\", "
     "\"users\": [], \"serverCertificate\": \"" CERT_J "\"}}",
     "pointToSite.serverKey: missing"},
    {"{\"pointToSite\": {\"addressPool\": \"172.16.200.0/24\", "
     "\"users\": [], \"serverCertificate\": \"junk\", "
     "\"serverKey\": \"" KEY_J "\"}}",
     "pointToSite.serverCertificate: not a PEM CERTIFICATE"},
    {"{\"pointToSite\": {\"addressPool\": \"172.16.200.7/24\", "
     "\"users\": [], \"serverCertificate\": \"" CERT_J "\", "
     "\"serverKey\": \"" KEY_J "\"}}",
     "pointToSite.addressPool: not a prefix"},
    {"{\"pointToSite\": {\"users\": [], \"serverCertificate\": \"" CERT_J
     "\", \"serverKey\": \"" KEY_J "\"}}",
     "pointToSite.addressPool: missing"},
    {"{\"pointToSite\": {\"addressPool\": \"172.16.200.0/24\", "
     "\"users\": [{\"name\": \"a\\nb\", \"password\": \"x\"}], "
     "\"serverCertificate\": \"" CERT_J "\", \"serverKey\": \"" KEY_J "\"}}",
     "pointToSite.users[0].name: contains a control character"},
    {"{\"pointToSite\": {\"addressPool\": \"172.16.200.0/24\", "
     "\"users\": [{\"name\": \"a\"}], "
     "\"serverCertificate\": \"" CERT_J "\", \"serverKey\": \"" KEY_J "\"}}",
     "pointToSite.users[0].password: missing"},
    {"{\"pointToSite\": {\"addressPool\": \"172.16.200.0/24\", "
     "\"users\": [{\"name\": \"a\", \"password\": \"x\"}, "
     "{\"name\": \"a\", \"password\": \"y\"}], "
     "\"serverCertificate\": \"" CERT_J "\", \"serverKey\": \"" KEY_J "\"}}",
     "pointToSite.users[1].name: \"a\" also in pointToSite.users[0]"},
    {"{\"pointToSite\": {\"addressPool\": \"172.16.200.0/24\", "
     "\"users\": [{\"name\": \"a\\u0000b\", \"password\": \"x\"}], "
     "\"serverCertificate\": \"" CERT_J "\", \"serverKey\": \"" KEY_J "\"}}",
     "pointToSite.users[0].name: contains a NUL byte"},
};

static void
test_bad(void)
{
	struct gw_vpn_files f;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		json_t *v = js(bad_cases[i].vpn);

		CHECK(v != NULL);
		err[0] = '\0';
		CHECK_EQ(gw_vpn_render("203.0.113.10", v, true, &f, err,
		                       sizeof(err)),
		         -1);
		if (strncmp(err, bad_cases[i].err, strlen(bad_cases[i].err))) {
			fprintf(stderr, "case %zu: got \"%s\", want \"%s\"\n",
			        i, err, bad_cases[i].err);
			harness_failures++;
		}
		CHECK(f.swanctl_conf == NULL);
		json_decref(v);
	}
	/* The local address. */
	{
		json_t *v = s2s_two();

		CHECK_EQ(
		    gw_vpn_render("nowhere", v, true, &f, err, sizeof(err)),
		    -1);
		CHECK(strstr(err, "local address \"nowhere\"") != NULL);
		json_decref(v);
	}
}

/* Hostile PSKs, passwords, user names and resource ids: the parsed file
 * has exactly the expected sections and keys, and the values come back. */
static void
test_hostile(void)
{
	static const char *const evil[] = {
	    "a\" } secrets { x = \"y",
	    "}\nconnections { evil { remote_addrs = %any } }\n#",
	    "back\\slash\\",
	    "0s0x{}=#,\"'",
	    "tab\there",
	};
	struct gw_vpn_files f;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(evil) / sizeof(evil[0]); i++) {
		json_t *vpn = json_pack(
		    "{s:[{s:s, s:s, s:[s], s:[s], s:s}], s:{s:s, s:[{s:s, "
		    "s:s}], s:s, s:s}}",
		    "siteToSite", "resourceId", evil[i], "peerAddress",
		    "198.51.100.2", "remotePrefixes", "192.168.50.0/24",
		    "localPrefixes", "10.0.0.0/16", "psk", evil[i],
		    "pointToSite", "addressPool", "172.16.200.0/24", "users",
		    "name",
		    strchr(evil[i], '\n') || strchr(evil[i], '\t') ? "plain"
		                                                   : evil[i],
		    "password", evil[i], "serverCertificate", CERT, "serverKey",
		    KEY);
		json_t *conf, *secrets;
		char *name, *back, path[512];
		const char *sec;
		size_t k;
		struct {
			const char *p;
			size_t n;
		} want;

		CHECK_EQ(gw_vpn_render("203.0.113.10", vpn, true, &f, err,
		                       sizeof(err)),
		         0);
		conf = parse_conf(f.swanctl_conf);
		CHECK(conf != NULL);
		if (!conf) {
			fprintf(stderr, "unparsable:\n%s\n", f.swanctl_conf);
			gw_vpn_files_uninit(&f);
			json_decref(vpn);
			continue;
		}
		CHECK_EQ(json_object_size(conf), 3);
		CHECK_EQ(json_object_size(json_object_get(conf, "connections")),
		         2);
		secrets = json_object_get(conf, "secrets");
		CHECK_EQ(json_object_size(secrets), 2);
		name = gw_vpn_conn_name(evil[i]);
		back = gw_vpn_conn_resource_id(name);
		CHECK_STR(back, evil[i]);
		for (k = 0; name[k]; k++)
			CHECK(strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLM"
			             "NOPQRSTUVWXYZ0123456789-_",
			             name[k]) != NULL);
		snprintf(path, sizeof(path), "connections.%s.remote_addrs",
		         name);
		CHECK_STR(conf_get(conf, path), "198.51.100.2");
		snprintf(path, sizeof(path), "secrets.ike-%s.secret", name);
		sec = conf_get(conf, path);
		CHECK(sec && !strncmp(sec, "0x", 2));
		/* The hex is the PSK's bytes. */
		want.p = evil[i];
		want.n = strlen(evil[i]);
		CHECK_EQ(sec ? strlen(sec) : 0, 2 + 2 * want.n);
		for (k = 0; sec && k < want.n; k++) {
			char hx[3];

			snprintf(hx, sizeof(hx), "%02x",
			         (unsigned char)want.p[k]);
			CHECK(!strncmp(sec + 2 + 2 * k, hx, 2));
		}
		if (!strchr(evil[i], '\n') && !strchr(evil[i], '\t'))
			CHECK_STR(conf_get(conf, "secrets.eap-u0.id"), evil[i]);
		CHECK_EQ(json_object_size(json_object_get(secrets, "eap-u0")),
		         2);
		free(name);
		free(back);
		json_decref(conf);
		gw_vpn_files_uninit(&f);
		json_decref(vpn);
	}
}

static void
test_conn_names(void)
{
	char *n = gw_vpn_conn_name("hq");

	CHECK_STR(n, "s2s-hq");
	free(n);
	n = gw_vpn_conn_name("a.b_c d");
	CHECK_STR(n, "s2s-a_2eb_5fc_20d");
	free(n);
	n = gw_vpn_conn_resource_id("s2s-a_2eb_5fc_20d");
	CHECK_STR(n, "a.b_c d");
	free(n);
	CHECK(gw_vpn_conn_resource_id("p2s") == NULL);
	CHECK(gw_vpn_conn_resource_id("s2s-a_2") == NULL);
	CHECK(gw_vpn_conn_resource_id("s2s-a_zz") == NULL);
	CHECK(gw_vpn_conn_resource_id("s2s-a_00") == NULL);
}

static void
test_vici_codec(void)
{
	unsigned char buf[1024];
	json_t *msg, *back;
	int n;

	msg = js("{\"ike\": \"s2s-hq\", \"timeout\": \"-1\","
	         " \"sa\": {\"state\": \"ESTABLISHED\", \"child-sas\":"
	         " {\"c1\": {\"bytes-in\": \"42\"}}},"
	         " \"remote-vips\": [\"172.16.200.1\", \"172.16.200.2\"]}");
	n = vpn_vici_encode(msg, buf, sizeof(buf));
	CHECK(n > 0);
	back = vpn_vici_decode(buf, n);
	CHECK(back && json_equal(msg, back));
	json_decref(back);
	/* Every truncation is malformed or a prefix that decodes: never a
	 * crash, and the full length is the only one equal to 'msg'. */
	for (int len = 0; len < n; len++) {
		back = vpn_vici_decode(buf, len);
		CHECK(!back || !json_equal(msg, back));
		json_decref(back);
	}
	CHECK_EQ(vpn_vici_encode(msg, buf, 10), -1);
	json_decref(msg);
	/* Not encodable: numbers. */
	msg = js("{\"a\": 1}");
	CHECK_EQ(vpn_vici_encode(msg, buf, sizeof(buf)), -1);
	json_decref(msg);
	/* Malformed: unknown element, SECTION_END at the top, deep nesting,
	 * a value longer than the message, an unterminated list. */
	{
		static const unsigned char bad1[] = {9};
		static const unsigned char bad2[] = {2};
		static const unsigned char bad3[] = {3, 1, 'a', 0, 9, 'x'};
		static const unsigned char bad4[] = {4, 1, 'l', 5, 0, 1, 'x'};
		unsigned char deep[200];
		int i;

		CHECK(vpn_vici_decode(bad1, sizeof(bad1)) == NULL);
		CHECK(vpn_vici_decode(bad2, sizeof(bad2)) == NULL);
		CHECK(vpn_vici_decode(bad3, sizeof(bad3)) == NULL);
		CHECK(vpn_vici_decode(bad4, sizeof(bad4)) == NULL);
		for (i = 0; i + 3 <= (int)sizeof(deep); i += 3) {
			deep[i] = 1;
			deep[i + 1] = 1;
			deep[i + 2] = 's';
		}
		CHECK(vpn_vici_decode(deep, i) == NULL);
	}
}

const struct test_case tests[] = {
    TEST(test_s2s),        TEST(test_p2s),
    TEST(test_none),       TEST(test_bad),
    TEST(test_hostile),    TEST(test_conn_names),
    TEST(test_vici_codec), {0},
};
