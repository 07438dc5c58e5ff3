/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-ctl-rest: hnvctl's translation of agent requests to hnv-controller
 * REST calls and of the replies back (ctl/rest.h), without a network:
 * method, path, query and body of each request; results, pages,
 * warnings and every kind of error of the replies; a set's find and
 * PATCH; batches.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/rest.h"
#include "tests/unit/harness.h"

/* Builds the request of 'cmd' with 'args' (JSON text). */
static int
build(const char *cmd, const char *args, const char *host, struct rest_req *req,
      char **error)
{
	json_t *a = args ? json_loads(args, 0, NULL) : NULL;
	int r;

	*error = NULL;
	r = rest_request(cmd, a, host, req, error);
	json_decref(a);
	return r;
}

/* 'v' as compact text with sorted keys, for comparisons (malloc'd). */
static char *
dump(const json_t *v)
{
	return v ? json_dumps(v,
	                      JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY)
	         : strdup("(null)");
}

#define CHECK_JSON(v, text)                                                    \
	do {                                                                   \
		char *s_ = dump(v);                                            \
		CHECK_STR(s_, text);                                           \
		free(s_);                                                      \
	} while (0)

/* The reply 'body' with 'status' to 'req'. */
static int
reply(const struct rest_req *req, long status, const char *body,
      json_t **result, json_t **warnings, char **next, char **error)
{
	return rest_reply(req, status, body, body ? strlen(body) : 0, result,
	                  warnings, next, error);
}

static void
test_add(void)
{
	struct rest_req req;
	json_t *res, *w;
	char *err, *next;

	CHECK_EQ(build("lookup-record.add",
	               "{\"ca\": \"10.0.1.101\", \"vsid\": 6000, \"mac\": "
	               "\"600060000101\", \"pa\": \"192.168.0.22\", "
	               "\"use_vm_mac\": false}",
	               NULL, &req, &err),
	         0);
	CHECK_EQ(req.op, REST_ADD);
	CHECK_STR(req.method, "POST");
	CHECK_STR(req.path, "/v1/lookup-records");
	CHECK_JSON(req.body,
	           "{\"customerAddress\":\"10.0.1.101\",\"macAddress\":"
	           "\"600060000101\",\"providerAddress\":\"192.168.0.22\","
	           "\"useVmMacAddress\":false,\"virtualSubnetId\":6000}");
	/* 201 + the stored object, with id, revision and a warning. */
	CHECK_EQ(reply(&req, 201,
	               "{\"id\": \"17\", \"revision\": 4, \"customerAddress\": "
	               "\"10.0.1.101\", \"virtualSubnetId\": 6000, "
	               "\"macAddress\": \"60:00:60:00:01:01\", "
	               "\"providerAddress\": \"192.168.0.22\", \"rule\": "
	               "\"encap\", \"type\": \"static\", \"warnings\": "
	               "[\"PA 192.168.0.22 is not any host's yet\"]}",
	               &res, &w, &next, &err),
	         0);
	CHECK_JSON(res, "{\"ca\":\"10.0.1.101\",\"mac\":\"60:00:60:00:01:01\","
	                "\"pa\":\"192.168.0.22\",\"rule\":\"encap\",\"type\":"
	                "\"static\",\"vsid\":6000}");
	CHECK_JSON(w, "[\"PA 192.168.0.22 is not any host's yet\"]");
	CHECK(next == NULL);
	json_decref(res);
	json_decref(w);
	/* 200: an identical object exists; the same result. */
	CHECK_EQ(reply(&req, 200,
	               "{\"id\": \"17\", \"revision\": 4, \"customerAddress\": "
	               "\"10.0.1.101\", \"virtualSubnetId\": 6000}",
	               &res, &w, &next, &err),
	         0);
	CHECK_JSON(res, "{\"ca\":\"10.0.1.101\",\"vsid\":6000}");
	CHECK(w == NULL);
	json_decref(res);
	rest_req_uninit(&req);

	/* Unknown keys are refused before anything is sent. */
	CHECK_EQ(build("lookup-record.add",
	               "{\"ca\": \"10.0.1.1\", \"bogus\": 1}", NULL, &req,
	               &err),
	         -EINVAL);
	CHECK_STR(err, "lookup record: unknown field 'bogus'");
	free(err);
	rest_req_uninit(&req);

	/* Customer routes are the datacenter's: no host needed. */
	CHECK_EQ(build("customer-route.add",
	               "{\"rdid\": \"{12345678-1000-2000-3000-123456780001}\", "
	               "\"vsid\": 6000, \"prefix\": \"10.0.1.0/24\"}",
	               NULL, &req, &err),
	         0);
	CHECK_STR(req.path, "/v1/customer-routes");
	CHECK_JSON(req.body, "{\"destinationPrefix\":\"10.0.1.0/24\","
	                     "\"routingDomainId\":\"{12345678-1000-2000-3000-"
	                     "123456780001}\",\"virtualSubnetId\":6000}");
	rest_req_uninit(&req);
}

static void
test_host_scoped(void)
{
	struct rest_req req;
	char *err;

	CHECK_EQ(build("provider-address.add",
	               "{\"pa\": \"192.168.0.22\", \"prefix_len\": 24}", NULL,
	               &req, &err),
	         -EINVAL);
	CHECK_STR(err, "provider-address: this object belongs to a host: give "
	               "--host NAME (or -ComputerName in hnvctl ps)");
	free(err);
	rest_req_uninit(&req);

	CHECK_EQ(
	    build("provider-address.add",
	          "{\"pa\": \"192.168.0.22\", \"prefix_len\": 24, "
	          "\"ifindex\": 0, \"vlan\": 5, \"mac\": \"334455667788\"}",
	          "Host 1/x", &req, &err),
	    0);
	CHECK_STR(req.path, "/v1/hosts/Host%201%2Fx/provider-addresses");
	CHECK_JSON(req.body, "{\"interfaceIndex\":0,\"macAddress\":"
	                     "\"334455667788\",\"prefixLength\":24,"
	                     "\"providerAddress\":\"192.168.0.22\","
	                     "\"vlanId\":5}");
	rest_req_uninit(&req);

	static const char *const cases[][3] = {
	    {"provider-route.get", "/v1/hosts/H1/provider-routes", "{}"},
	    {"switch.get", "/v1/hosts/H1/switches?name=HNVSwitch",
	     "{\"name\": \"HNVSwitch\"}"},
	    {"vm.get", "/v1/hosts/H1/vms?vmName=Contoso1",
	     "{\"vm\": \"Contoso1\"}"},
	    {"vm-adapter.get",
	     "/v1/hosts/H1/vm-adapters?vmName=Contoso1&name=eth0",
	     "{\"vm\": \"Contoso1\", \"name\": \"eth0\"}"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_EQ(build(cases[i][0], cases[i][2], "H1", &req, &err), 0);
		CHECK_STR(req.method, "GET");
		CHECK_STR(req.path, cases[i][1]);
		CHECK(req.body == NULL);
		rest_req_uninit(&req);
	}

	CHECK_EQ(build("vm.add", "{\"vm\": \"Contoso1\"}", "H1", &req, &err),
	         0);
	CHECK_STR(req.method, "POST");
	CHECK_STR(req.path, "/v1/hosts/H1/vms");
	CHECK_JSON(req.body, "{\"vmName\":\"Contoso1\"}");
	rest_req_uninit(&req);
	CHECK_EQ(build("vm.remove", "{\"vm\": \"Contoso1\"}", "H1", &req, &err),
	         0);
	CHECK_STR(req.method, "DELETE");
	CHECK_STR(req.path, "/v1/hosts/H1/vms?vmName=Contoso1");
	rest_req_uninit(&req);
}

static void
test_get_and_pages(void)
{
	struct rest_req req;
	json_t *res, *w;
	char *err, *next;

	CHECK_EQ(build("customer-route.get",
	               "{\"rdid\": \"{12345678-1000-2000-3000-123456780001}\", "
	               "\"vsid\": 6001, \"prefix\": \"0.0.0.0/0\"}",
	               NULL, &req, &err),
	         0);
	CHECK_STR(req.path,
	          "/v1/customer-routes?routingDomainId=%7B12345678-1000-2000-"
	          "3000-123456780001%7D&virtualSubnetId=6001&"
	          "destinationPrefix=0.0.0.0%2F0");
	rest_req_uninit(&req);

	CHECK_EQ(build("lookup-record.get",
	               "{\"vsid\": 6000, \"use_vm_mac\": true, \"limit\": 10}",
	               NULL, &req, &err),
	         0);
	CHECK_STR(req.path, "/v1/lookup-records?virtualSubnetId=6000&"
	                    "useVmMacAddress=true&limit=10");
	CHECK_EQ(reply(&req, 200,
	               "{\"items\": [{\"id\": \"1\", \"revision\": 2, "
	               "\"customerAddress\": \"10.0.1.101\", "
	               "\"virtualSubnetId\": 6000}, {\"id\": \"2\", "
	               "\"revision\": 3, \"customerAddress\": \"10.0.1.102\", "
	               "\"virtualSubnetId\": 6000}], \"next\": "
	               "\"/v1/lookup-records?virtualSubnetId=6000&after=2\"}",
	               &res, &w, &next, &err),
	         0);
	CHECK_JSON(res, "[{\"ca\":\"10.0.1.101\",\"vsid\":6000},{\"ca\":"
	                "\"10.0.1.102\",\"vsid\":6000}]");
	CHECK_STR(next, "/v1/lookup-records?virtualSubnetId=6000&after=2");
	free(next);
	json_decref(res);
	/* The last page: next null. */
	CHECK_EQ(reply(&req, 200, "{\"items\": [], \"next\": null}", &res, &w,
	               &next, &err),
	         0);
	CHECK_JSON(res, "[]");
	CHECK(next == NULL);
	json_decref(res);
	/* A field the agent's keys do not have: the reply is not the API's. */
	CHECK_EQ(reply(&req, 200,
	               "{\"items\": [{\"id\": \"1\", \"customerAdress\": "
	               "\"10.0.1.101\"}], \"next\": null}",
	               &res, &w, &next, &err),
	         -EPROTO);
	CHECK(err && strstr(err, "field 'customerAdress' is unknown"));
	CHECK(res == NULL);
	free(err);
	CHECK_EQ(reply(&req, 200, "{\"objects\": []}", &res, &w, &next, &err),
	         -EPROTO);
	CHECK(err && strstr(err, "has no \"items\" array"));
	free(err);
	rest_req_uninit(&req);

	CHECK_EQ(
	    build("lookup-record.get", "{\"vsid\": [1]}", NULL, &req, &err),
	    -EINVAL);
	CHECK(err && strstr(err, "field 'vsid'"));
	free(err);
	rest_req_uninit(&req);

	char *u = rest_next_url("http://c:8470", "/v1/x?after=2");
	CHECK_STR(u, "http://c:8470/v1/x?after=2");
	free(u);
	u = rest_next_url("http://c:8470", "https://d/v1/x?after=2");
	CHECK_STR(u, "https://d/v1/x?after=2");
	free(u);
	u = rest_escape("{a b}/c:d~_.-");
	CHECK_STR(u, "%7Ba%20b%7D%2Fc%3Ad~_.-");
	free(u);
}

static void
test_set(void)
{
	struct rest_req find, patch;
	json_t *items;
	char *err;

	CHECK_EQ(build("lookup-record.set",
	               "{\"ca\": \"10.0.1.101\", \"vsid\": 6000, \"pa\": "
	               "\"192.168.0.33\"}",
	               NULL, &find, &err),
	         0);
	CHECK_EQ(find.op, REST_FIND);
	CHECK_STR(find.method, "GET");
	/* Only the key (VSID, CA) selects: the PA is what changes. */
	CHECK_STR(find.path, "/v1/lookup-records?virtualSubnetId=6000&"
	                     "customerAddress=10.0.1.101");

	items = json_loads("[{\"id\": \"a/7\", \"customerAddress\": "
	                   "\"10.0.1.101\", \"providerAddress\": "
	                   "\"192.168.0.22\"}]",
	                   0, NULL);
	CHECK_EQ(rest_patch(&find, items, &patch, &err), 0);
	CHECK_STR(patch.method, "PATCH");
	CHECK_STR(patch.path, "/v1/lookup-records/a%2F7");
	CHECK_JSON(patch.body, "{\"customerAddress\":\"10.0.1.101\","
	                       "\"providerAddress\":\"192.168.0.33\","
	                       "\"virtualSubnetId\":6000}");
	rest_req_uninit(&patch);
	json_decref(items);

	items = json_array();
	CHECK_EQ(rest_patch(&find, items, &patch, &err), -ENOENT);
	CHECK_STR(err, "lookup record: no such object");
	free(err);
	rest_req_uninit(&patch);
	json_decref(items);
	rest_req_uninit(&find);

	/* The default gateway's records, one per host PA: the PA picks. */
	CHECK_EQ(build("lookup-record.set",
	               "{\"ca\": \"10.0.1.1\", \"vsid\": 6000, \"pa\": "
	               "\"192.168.0.33\", \"mac\": \"60:00:60:00:02:01\"}",
	               NULL, &find, &err),
	         0);
	items = json_loads("[{\"id\": \"1\", \"providerAddress\": "
	                   "\"192.168.0.22\"}, {\"id\": \"2\", "
	                   "\"providerAddress\": \"192.168.0.33\"}]",
	                   0, NULL);
	CHECK_EQ(rest_patch(&find, items, &patch, &err), 0);
	CHECK_STR(patch.path, "/v1/lookup-records/2");
	rest_req_uninit(&patch);
	json_decref(items);
	items = json_loads("[{\"id\": \"1\", \"providerAddress\": "
	                   "\"192.168.0.33\"}, {\"id\": \"2\", "
	                   "\"providerAddress\": \"192.168.0.33\"}]",
	                   0, NULL);
	CHECK_EQ(rest_patch(&find, items, &patch, &err), -ENOENT);
	CHECK_STR(err, "lookup record: more than one object matches");
	free(err);
	rest_req_uninit(&patch);
	json_decref(items);
	items =
	    json_loads("[{\"providerAddress\": \"192.168.0.33\"}]", 0, NULL);
	CHECK_EQ(rest_patch(&find, items, &patch, &err), -EPROTO);
	CHECK(err && strstr(err, "no \"id\""));
	free(err);
	rest_req_uninit(&patch);
	json_decref(items);
	rest_req_uninit(&find);

	/* An L2Only record is named by its MAC. */
	CHECK_EQ(build("lookup-record.set",
	               "{\"vsid\": 6000, \"mac\": \"600060000101\", \"pa\": "
	               "\"192.168.0.33\"}",
	               NULL, &find, &err),
	         0);
	CHECK_STR(find.path, "/v1/lookup-records?virtualSubnetId=6000&"
	                     "macAddress=600060000101");
	rest_req_uninit(&find);

	CHECK_EQ(build("vm-adapter.set",
	               "{\"vm\": \"Contoso1\", \"name\": \"eth0\", \"vsid\": "
	               "6000}",
	               "Host1", &find, &err),
	         0);
	CHECK_STR(find.path,
	          "/v1/hosts/Host1/vm-adapters?vmName=Contoso1&name=eth0");
	rest_req_uninit(&find);

	CHECK_EQ(build("switch.set", "{\"name\": \"S\"}", "Host1", &find, &err),
	         -EINVAL);
	CHECK_STR(err, "switch: set is not supported; remove and add");
	free(err);
	rest_req_uninit(&find);
	CHECK_EQ(
	    build("customer-route.set", "{\"metric\": 5}", NULL, &find, &err),
	    -EINVAL);
	CHECK_STR(err, "customer route: set needs field 'rdid'");
	free(err);
	rest_req_uninit(&find);
}

static void
test_remove(void)
{
	struct rest_req req;
	json_t *res, *w;
	char *err, *next;

	CHECK_EQ(build("lookup-record.remove", "{}", NULL, &req, &err),
	         -EINVAL);
	CHECK_STR(err, "lookup record: remove needs a filter");
	free(err);
	rest_req_uninit(&req);

	CHECK_EQ(build("lookup-record.remove",
	               "{\"vsid\": 6000, \"ca\": \"10.0.1.7\"}", NULL, &req,
	               &err),
	         0);
	CHECK_STR(req.method, "DELETE");
	CHECK_STR(req.path,
	          "/v1/lookup-records?virtualSubnetId=6000&customerAddress="
	          "10.0.1.7");
	CHECK_EQ(reply(&req, 200, "{\"removed\": 2}", &res, &w, &next, &err),
	         0);
	CHECK_JSON(res, "{\"removed\":2}");
	json_decref(res);
	/* None matched: the agent's words. */
	CHECK_EQ(reply(&req, 404,
	               "{\"error\": {\"status\": 404, \"message\": \"no "
	               "match\"}}",
	               &res, &w, &next, &err),
	         -ENOENT);
	CHECK_STR(
	    err,
	    "no lookup record matches {\"vsid\":6000,\"ca\":\"10.0.1.7\"}");
	free(err);
	CHECK_EQ(reply(&req, 200, "{\"removed\": 0}", &res, &w, &next, &err),
	         -ENOENT);
	CHECK_STR(
	    err,
	    "no lookup record matches {\"vsid\":6000,\"ca\":\"10.0.1.7\"}");
	free(err);
	rest_req_uninit(&req);

	CHECK_EQ(build("switch.remove", "{\"name\": \"S\"}", "H2", &req, &err),
	         0);
	CHECK_EQ(reply(&req, 404, NULL, &res, &w, &next, &err), -ENOENT);
	CHECK_STR(err, "no switch matches {\"name\":\"S\"} on host H2");
	free(err);
	rest_req_uninit(&req);
}

static void
test_errors(void)
{
	struct rest_req req;
	json_t *res, *w;
	char *err, *next;

	CHECK_EQ(build("lookup-record.add", "{\"vsid\": 70}", NULL, &req, &err),
	         0);
	CHECK_EQ(reply(&req, 400,
	               "{\"error\": {\"status\": 400, \"message\": \"lookup "
	               "record: field 'virtualSubnetId': 70 is outside "
	               "4096..16777214\", \"field\": \"virtualSubnetId\"}}",
	               &res, &w, &next, &err),
	         -EINVAL);
	CHECK_STR(err, "lookup record: field 'virtualSubnetId': 70 is outside "
	               "4096..16777214");
	CHECK(res == NULL && w == NULL);
	free(err);
	CHECK_EQ(reply(&req, 409,
	               "{\"error\": {\"status\": 409, \"message\": \"taken\"}}",
	               &res, &w, &next, &err),
	         -EEXIST);
	CHECK_STR(err, "taken");
	free(err);

	/* 401 without a token says how to give one; with one, that it was
	 * refused. */
	CHECK_EQ(reply(&req, 401,
	               "{\"error\": {\"status\": 401, \"message\": \"no "
	               "token\"}}",
	               &res, &w, &next, &err),
	         -EACCES);
	CHECK(err && strstr(err, "(no token)") &&
	      strstr(err, "--token-file PATH") &&
	      strstr(err, "HNV_TOKEN_FILE"));
	free(err);
	req.token = true;
	CHECK_EQ(reply(&req, 401, NULL, &res, &w, &next, &err), -EACCES);
	CHECK(err && strstr(err, "refused the token") &&
	      strstr(err, "HTTP 401"));
	free(err);

	CHECK_EQ(reply(&req, 500,
	               "{\"error\": {\"status\": 500, \"message\": \"disk "
	               "full\"}}",
	               &res, &w, &next, &err),
	         -EREMOTEIO);
	CHECK_STR(err, "the controller failed (HTTP 500): disk full");
	free(err);
	CHECK_EQ(reply(&req, 502, "<html>\nBad Gateway\n</html>\n", &res, &w,
	               &next, &err),
	         -EREMOTEIO);
	CHECK_STR(err, "the controller's reply to POST /v1/lookup-records: "
	               "HTTP 502: <html> Bad Gateway </html>");
	free(err);
	CHECK_EQ(reply(&req, 201, "<html>", &res, &w, &next, &err), -EPROTO);
	CHECK(err && strstr(err, "is not JSON"));
	free(err);
	CHECK_EQ(reply(&req, 201, NULL, &res, &w, &next, &err), -EPROTO);
	CHECK(err && strstr(err, "is empty"));
	free(err);
	rest_req_uninit(&req);

	/* What only an agent answers. */
	static const char *const agent_only[] = {
	    "status",     "stats",        "trace",      "interface.get",
	    "policy.get", "policy.clear", "stats.clear"};
	for (size_t i = 0; i < sizeof(agent_only) / sizeof(agent_only[0]);
	     i++) {
		CHECK(rest_agent_only(agent_only[i]) != NULL);
		CHECK_EQ(build(agent_only[i], NULL, "H", &req, &err),
		         -EOPNOTSUPP);
		CHECK(err && strstr(err, "needs an agent (--agent PATH): the "
		                         "controller does not"));
		free(err);
		rest_req_uninit(&req);
	}
	CHECK(rest_agent_only("lookup-record.get") == NULL);
	CHECK_EQ(build("frobnicate", NULL, NULL, &req, &err), -EINVAL);
	CHECK_STR(err, "the controller has no equivalent of 'frobnicate'");
	free(err);
	rest_req_uninit(&req);
	CHECK_EQ(build("lookup-record.frob", NULL, NULL, &req, &err), -EINVAL);
	free(err);
	rest_req_uninit(&req);
}

static void
test_hosts(void)
{
	struct rest_req req;
	json_t *res, *w;
	char *err, *next;

	CHECK_EQ(build("host.get", NULL, NULL, &req, &err), 0);
	CHECK_STR(req.path, "/v1/hosts");
	CHECK_EQ(reply(&req, 200,
	               "{\"items\": [{\"name\": \"Host1\", \"agent\": "
	               "{\"connected\": true, \"revision\": 7}}], \"next\": "
	               "null}",
	               &res, &w, &next, &err),
	         0);
	/* As the controller gives them. */
	CHECK_JSON(res, "[{\"agent\":{\"connected\":true,\"revision\":7},"
	                "\"name\":\"Host1\"}]");
	json_decref(res);
	rest_req_uninit(&req);
	CHECK_EQ(build("host.add", "{\"name\": \"Host1\"}", NULL, &req, &err),
	         0);
	CHECK_STR(req.method, "POST");
	CHECK_JSON(req.body, "{\"name\":\"Host1\"}");
	rest_req_uninit(&req);
	CHECK_EQ(
	    build("host.remove", "{\"name\": \"Host 1\"}", NULL, &req, &err),
	    0);
	CHECK_STR(req.method, "DELETE");
	CHECK_STR(req.path, "/v1/hosts/Host%201");
	CHECK_EQ(reply(&req, 204, NULL, &res, &w, &next, &err), 0);
	CHECK_JSON(res, "{\"removed\":1}");
	json_decref(res);
	CHECK_EQ(reply(&req, 404,
	               "{\"error\": {\"message\": \"no host named 'Host 1'\"}}",
	               &res, &w, &next, &err),
	         -ENOENT);
	CHECK_STR(err, "no host named 'Host 1'");
	free(err);
	rest_req_uninit(&req);
	CHECK_EQ(build("host.add", "{}", NULL, &req, &err), -EINVAL);
	CHECK(err && strstr(err, "'name'"));
	free(err);
	rest_req_uninit(&req);
	CHECK_EQ(build("health", NULL, NULL, &req, &err), 0);
	CHECK_STR(req.path, "/v1/health");
	rest_req_uninit(&req);
}

static void
test_batch(void)
{
	json_t *ops = json_loads(
	    "[{\"cmd\": \"lookup-record.add\", \"args\": {\"ca\": "
	    "\"10.0.1.5\", "
	    "\"vsid\": 6000, \"mac\": \"600060000105\", \"pa\": "
	    "\"192.168.0.22\"}},"
	    " {\"cmd\": \"lookup-record.set\", \"args\": {\"ca\": "
	    "\"10.0.1.6\", "
	    "\"vsid\": 6000, \"pa\": \"192.168.0.33\"}},"
	    " {\"cmd\": \"lookup-record.remove\", \"args\": {\"ca\": "
	    "\"10.0.1.7\", \"vsid\": 6000}},"
	    " {\"cmd\": \"lookup-record.get\", \"args\": {}},"
	    " {\"args\": {}}]",
	    0, NULL);
	struct rest_req req, batch;
	json_t *conv = json_array(), *res, *w, *e;
	char *err, *next;

	CHECK_EQ(rest_batch_op(0, json_array_get(ops, 0), NULL, &req, &err), 0);
	e = rest_batch_entry(&req);
	CHECK_JSON(e, "{\"body\":{\"customerAddress\":\"10.0.1.5\","
	              "\"macAddress\":\"600060000105\",\"providerAddress\":"
	              "\"192.168.0.22\",\"virtualSubnetId\":6000},\"method\":"
	              "\"POST\",\"path\":\"/v1/lookup-records\"}");
	json_array_append_new(conv, e);
	rest_req_uninit(&req);
	/* A set needs its find first (http.c runs it). */
	CHECK_EQ(rest_batch_op(1, json_array_get(ops, 1), NULL, &req, &err), 0);
	CHECK_EQ(req.op, REST_FIND);
	rest_req_uninit(&req);
	json_array_append_new(conv, json_pack("{ssss}", "method", "PATCH",
	                                      "path", "/v1/lookup-records/9"));
	CHECK_EQ(rest_batch_op(2, json_array_get(ops, 2), NULL, &req, &err), 0);
	e = rest_batch_entry(&req);
	CHECK_JSON(e, "{\"method\":\"DELETE\",\"path\":\"/v1/lookup-records?"
	              "customerAddress=10.0.1.7&virtualSubnetId=6000\"}");
	json_array_append_new(conv, e);
	rest_req_uninit(&req);
	CHECK_EQ(rest_batch_op(3, json_array_get(ops, 3), NULL, &req, &err),
	         -EINVAL);
	CHECK_STR(err, "ops[3] (lookup-record.get): a batch takes add, set and "
	               "remove ops only");
	free(err);
	rest_req_uninit(&req);
	CHECK_EQ(rest_batch_op(4, json_array_get(ops, 4), NULL, &req, &err),
	         -EINVAL);
	CHECK(err && !strncmp(err, "ops[4]: ", 8));
	free(err);
	rest_req_uninit(&req);
	json_t *pa = json_loads("{\"cmd\": \"provider-address.add\", \"args\": "
	                        "{\"pa\": \"192.168.0.22\"}}",
	                        0, NULL);
	CHECK_EQ(rest_batch_op(5, pa, NULL, &req, &err), -EINVAL);
	CHECK(err && strstr(err, "ops[5] (provider-address.add): "
	                         "provider-address: this object belongs"));
	free(err);
	rest_req_uninit(&req);
	json_decref(pa);

	rest_batch_request(conv, &batch);
	CHECK_STR(batch.method, "POST");
	CHECK_STR(batch.path, "/v1/batch");
	CHECK_EQ(json_array_size(json_object_get(batch.body, "ops")), 3);
	CHECK_EQ(
	    reply(&batch, 200, "{\"revision\": 12}", &res, &w, &next, &err), 0);
	CHECK_JSON(res, "{\"added\":1,\"ops\":3,\"removed\":1,\"revision\":12,"
	                "\"set\":1}");
	json_decref(res);
	/* The controller's own count of what a remove matched wins. */
	CHECK_EQ(reply(&batch, 200, "{\"removed\": 4}", &res, &w, &next, &err),
	         0);
	CHECK_JSON(res, "{\"added\":1,\"ops\":3,\"removed\":4,\"set\":1}");
	json_decref(res);
	CHECK_EQ(reply(&batch, 409,
	               "{\"error\": {\"message\": \"ops[1]: lookup record "
	               "10.0.1.6 vsid 6000: MAC taken\"}}",
	               &res, &w, &next, &err),
	         -EEXIST);
	CHECK_STR(err, "ops[1]: lookup record 10.0.1.6 vsid 6000: MAC taken");
	free(err);
	rest_req_uninit(&batch);
	json_decref(ops);
}

const struct test_case tests[] = {
    TEST(test_add),   TEST(test_host_scoped), TEST(test_get_and_pages),
    TEST(test_set),   TEST(test_remove),      TEST(test_errors),
    TEST(test_hosts), TEST(test_batch),       {0},
};
