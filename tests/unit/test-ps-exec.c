/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-ps-exec: hnvctl ps's executor against the in-memory fake agent
 * (ps-fake.h): the requests each cmdlet sends (checked in the fake's
 * log), pipeline input, variables, where filters, the stop at the first
 * refused request, warnings, transport errors, and the Format-* layouts.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctl/client.h"
/* Tests internals: ps-int.h, not only the API in ps.h. */
#include "ctl/ps/ps-int.h"
#include "tests/unit/harness.h"
#include "tests/unit/ps-fake.h"

static int
run(struct fake *fk, const char *src, char **out)
{
	return fake_run(fk, "t.ps1", src, strlen(src), out);
}

/* Request 'i' of the log as "cmd {sorted compact args}"; i < 0 counts
 * from the end. */
static char *
req(const struct fake *fk, long i)
{
	size_t n = json_array_size(fk->log);
	json_t *e;
	char *args, *s;

	if (i < 0)
		i += (long)n;
	if (i < 0 || (size_t)i >= n)
		return xstrdup("(none)");
	e = json_array_get(fk->log, (size_t)i);
	args = json_dumps(json_object_get(e, "args"),
	                  JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	s = xasprintf("%s %s", json_string_value(json_object_get(e, "cmd")),
	              args);
	free(args);
	return s;
}

#define CHECK_REQ(fk, i, want)                                                 \
	do {                                                                   \
		char *r_ = req(fk, i);                                         \
		CHECK_STR(r_, want);                                           \
		free(r_);                                                      \
	} while (0)

static const char setup[] =
    "New-VMSwitch HNVSwitch -NetAdapterName Ethernet\n"
    "New-VM -Name BlueVM1 -SwitchName HNVSwitch\n"
    "Set-VMNetworkAdapter -VMName BlueVM1 -StaticMacAddress 101010101105\n";

static void
test_new_requests(void)
{
	struct fake *fk = fake_create();
	char *out = NULL;

	CHECK_EQ(run(fk,
	             "New-NetVirtualizationLookupRecord -CustomerAddress "
	             "\"10.1.1.11\" -ProviderAddress \"192.168.1.10\" "
	             "-VirtualSubnetID \"6001\" -MACAddress \"101010101105\" "
	             "-Rule \"TranslationMethodEncap\"\n"
	             "New-NetVirtualizationCustomerRoute -RoutingDomainID "
	             "\"{11111111-2222-3333-4444-000000000000}\" "
	             "-VirtualSubnetID \"6001\" -DestinationPrefix "
	             "\"10.1.1.0/24\" -NextHop \"0.0.0.0\" -Metric 255\n"
	             "New-NetVirtualizationProviderRoute -InterfaceIndex 2 "
	             "-DestinationPrefix \"0.0.0.0/0\" -NextHop "
	             "\"192.168.1.1\"\n",
	             &out),
	         0);
	CHECK_STR(out, "");
	CHECK_REQ(fk, 0,
	          "lookup-record.add {\"ca\":\"10.1.1.11\",\"mac\":"
	          "\"10:10:10:10:11:05\",\"pa\":\"192.168.1.10\",\"rule\":"
	          "\"encap\",\"type\":\"static\",\"vsid\":6001}");
	CHECK_REQ(fk, 1,
	          "customer-route.add {\"metric\":255,\"nexthop\":\"0.0.0.0\","
	          "\"prefix\":\"10.1.1.0/24\",\"rdid\":"
	          "\"{11111111-2222-3333-4444-000000000000}\",\"vsid\":6001}");
	CHECK_REQ(fk, 2,
	          "provider-route.add {\"ifindex\":2,\"nexthop\":"
	          "\"192.168.1.1\",\"prefix\":\"0.0.0.0/0\"}");
	free(out);
	fake_destroy(fk);
}

static void
test_hyperv_requests(void)
{
	struct fake *fk = fake_create();
	char *out = NULL;
	char *src = xasprintf(
	    "%s"
	    "Get-VMNetworkAdapter -VMName BlueVM1 | where {$_.MacAddress -eq "
	    "\"101010101105\"} | Set-VMNetworkAdapter -VirtualSubnetID 6001\n"
	    "Add-VMNetworkAdapter -VMName BlueVM1 -SwitchName HNVSwitch\n",
	    setup);

	CHECK_EQ(run(fk, src, &out), 0);
	CHECK_STR(out, "");
	CHECK_REQ(fk, 0,
	          "switch.add {\"name\":\"HNVSwitch\",\"netadapter\":"
	          "\"Ethernet\"}");
	CHECK_REQ(fk, 1, "vm.add {\"vm\":\"BlueVM1\"}");
	CHECK_REQ(fk, 2,
	          "vm-adapter.add {\"name\":\"eth0\",\"switch\":"
	          "\"HNVSwitch\",\"vm\":\"BlueVM1\"}");
	CHECK_REQ(fk, 3, "vm-adapter.get {\"vm\":\"BlueVM1\"}");
	CHECK_REQ(fk, 4,
	          "vm-adapter.set {\"mac\":\"10:10:10:10:11:05\",\"name\":"
	          "\"eth0\",\"switch\":\"HNVSwitch\",\"vm\":\"BlueVM1\","
	          "\"vsid\":0}");
	CHECK_REQ(fk, 5, "vm-adapter.get {\"vm\":\"BlueVM1\"}");
	CHECK_REQ(fk, 6,
	          "vm-adapter.set {\"mac\":\"10:10:10:10:11:05\",\"name\":"
	          "\"eth0\",\"switch\":\"HNVSwitch\",\"vm\":\"BlueVM1\","
	          "\"vsid\":6001}");
	/* the next free interface name */
	CHECK_REQ(fk, 8,
	          "vm-adapter.add {\"name\":\"eth1\",\"switch\":"
	          "\"HNVSwitch\",\"vm\":\"BlueVM1\"}");
	free(out);
	free(src);
	fake_destroy(fk);
}

static void
test_where_filters(void)
{
	struct fake *fk = fake_create();
	char *out = NULL;
	char *src = xasprintf(
	    "%s"
	    "Get-VMNetworkAdapter -VMName BlueVM1 | where {$_.MacAddress -eq "
	    "\"999999999999\"} | Set-VMNetworkAdapter -VirtualSubnetID 6001\n"
	    "Get-VMNetworkAdapter * | ? MacAddress -like 1010*05 | fl Name\n"
	    "Get-VMNetworkAdapter * | ? { $_.VirtualSubnetId -lt 10 -and "
	    "$_.Name -ne 'eth0' } | fl Name\n"
	    "Get-VMNetworkAdapter * | ? { $_.VirtualSubnetId -gt 9 -or "
	    "$_.SwitchName -eq 'hnvswitch' } | fl VMName\n",
	    setup);

	CHECK_EQ(run(fk, src, &out), 0);
	/* no match: no set request between the two gets */
	CHECK_REQ(fk, 5, "vm-adapter.get {\"vm\":\"BlueVM1\"}");
	CHECK_REQ(fk, 6, "vm-adapter.get {}");
	CHECK_STR(out, "\nName : eth0\n\n\nVMName : BlueVM1\n\n");
	free(out);
	free(src);
	fake_destroy(fk);
}

static void
test_variables(void)
{
	struct fake *fk = fake_create();
	char *out = NULL;

	CHECK_EQ(run(fk,
	             "$NIC = Get-NetAdapter Ethernet\n"
	             "New-NetVirtualizationProviderAddress -InterfaceIndex "
	             "$NIC.InterfaceIndex -ProviderAddress \"192.168.1.10\" "
	             "-PrefixLength 24\n"
	             "$idx = $NIC.ifIndex\n$idx\n$NIC.Name\n",
	             &out),
	         0);
	CHECK_REQ(fk, 0, "interface.get {\"name\":\"Ethernet\"}");
	CHECK_REQ(fk, 1,
	          "provider-address.add {\"ifindex\":12,\"pa\":"
	          "\"192.168.1.10\",\"prefix_len\":24}");
	CHECK_STR(out, "12\nEthernet\n");
	free(out);
	fake_destroy(fk);
}

static void
test_variable_errors(void)
{
	struct fake *fk = fake_create();
	char *out = NULL;
	char *src = xasprintf(
	    "%sNew-VM -Name Two -SwitchName HNVSwitch\n"
	    "$a = Get-VMNetworkAdapter -All\n"
	    "New-NetVirtualizationProviderAddress -InterfaceIndex "
	    "$a.VirtualSubnetId -ProviderAddress 1.2.3.4 -PrefixLength 24\n",
	    setup);

	CHECK_EQ(run(fk, src, &out), 1);
	CHECK_STR(out, "t.ps1:6: New-NetVirtualizationProviderAddress: "
	               "-InterfaceIndex: $a.VirtualSubnetId has 2 values, not "
	               "one\nstopped: 5 of 6 commands ran\n");
	free(out);
	free(src);
	fake_destroy(fk);
}

static void
test_runtime_stop(void)
{
	struct fake *fk = fake_create();
	char *out = NULL;

	fk->fail_cmd = "customer-route.add";
	fk->fail_msg = "customer route 10.0.1.0/24: field 'vsid': 6000 "
	               "belongs to routing domain {...}";
	CHECK_EQ(
	    run(fk,
	        "New-VMSwitch S -NetAdapterName Ethernet\n"
	        "New-NetVirtualizationCustomerRoute\n"
	        "  -RoutingDomainID {12345678-1000-2000-3000-123456780001}"
	        "\n  -VirtualSubnetID 6000 -DestinationPrefix 10.0.1.0/24\n"
	        "Get-VMSwitch\n",
	        &out),
	    1);
	CHECK_STR(out, "t.ps1:2: New-NetVirtualizationCustomerRoute: "
	               "customer route 10.0.1.0/24: field 'vsid': 6000 "
	               "belongs to routing domain {...}\n"
	               "stopped: 1 of 3 commands ran\n");
	CHECK_EQ(json_array_size(fk->log), 2); /* Get-VMSwitch never ran */
	free(out);
	fake_destroy(fk);
}

static void
test_set_and_remove(void)
{
	struct fake *fk = fake_create();
	char *out = NULL;

	CHECK_EQ(run(fk,
	             "New-NetVirtualizationLookupRecord -CustomerAddress "
	             "10.0.1.5 -VirtualSubnetID 6000 -MACAddress 600060000105 "
	             "-ProviderAddress 192.168.0.22\n"
	             "Set-NetVirtualizationLookupRecord -CustomerAddress "
	             "10.0.1.5 -VirtualSubnetID 6000 -ProviderAddress "
	             "192.168.0.33\n"
	             "New-NetVirtualizationLookupRecord -VirtualSubnetID 6000 "
	             "-MACAddress 600060000106 -ProviderAddress 192.168.0.33 "
	             "-Type L2Only\n"
	             "Get-NetVirtualizationLookupRecord -Type L2Only | "
	             "Remove-NetVirtualizationLookupRecord\n"
	             "Remove-NetVirtualizationLookupRecord -VMName ''\n",
	             &out),
	         0);
	CHECK_REQ(fk, 1,
	          "lookup-record.get {\"ca\":\"10.0.1.5\",\"vsid\":6000}");
	CHECK_REQ(fk, 2,
	          "lookup-record.set {\"ca\":\"10.0.1.5\",\"mac\":"
	          "\"60:00:60:00:01:05\",\"pa\":\"192.168.0.33\",\"rule\":"
	          "\"encap\",\"type\":\"static\",\"vsid\":6000}");
	CHECK_REQ(fk, 3,
	          "lookup-record.add {\"mac\":\"60:00:60:00:01:06\",\"pa\":"
	          "\"192.168.0.33\",\"type\":\"l2only\",\"vsid\":6000}");
	CHECK_REQ(fk, 4, "lookup-record.get {\"type\":\"l2only\"}");
	/* an L2Only record is identified by VSID and MAC */
	CHECK_REQ(fk, 5,
	          "lookup-record.remove {\"mac\":\"60:00:60:00:01:06\","
	          "\"vsid\":6000}");
	/* VMName is filtered here: get everything, remove one by one */
	CHECK_REQ(fk, 6, "lookup-record.get {}");
	CHECK_REQ(fk, 7,
	          "lookup-record.remove {\"ca\":\"10.0.1.5\",\"vsid\":6000}");
	CHECK_STR(out, "");
	free(out);
	fake_destroy(fk);
}

static void
test_set_no_match(void)
{
	struct fake *fk = fake_create();
	char *out = NULL;

	CHECK_EQ(run(fk,
	             "Set-NetVirtualizationProviderAddress -ProviderAddress "
	             "192.168.0.9 -VlanID 5\n",
	             &out),
	         1);
	CHECK_STR(out, "t.ps1:1: Set-NetVirtualizationProviderAddress: no "
	               "provider address matches ProviderAddress "
	               "192.168.0.9\nstopped: 0 of 1 commands ran\n");
	free(out);
	fake_destroy(fk);
}

static int
warn_call(void *ctx, const char *cmd, json_t *args, json_t **result,
          char **error, json_t **warnings)
{
	int r = fake_call(ctx, cmd, args, result, error, warnings);

	*warnings = json_pack("[s]", "PA 192.168.0.33 is not a local PA");
	return r;
}

static int
broken_call(void *ctx, const char *cmd, json_t *args, json_t **result,
            char **error, json_t **warnings)
{
	*result = NULL;
	*error = xstrdup("the agent closed the connection");
	return -ECONNRESET;
}

static void
test_backend_messages(void)
{
	static const char src[] =
	    "Install-WindowsFeature -Name Hyper-V\n"
	    "New-VMSwitch S -NetAdapterName Ethernet\nGet-VMSwitch\n";
	struct fake *fk = fake_create();
	struct ps_backend warn = {warn_call, fk, NULL},
	                  broken = {broken_call, fk, NULL};
	struct ps_script *s = ps_parse("t.ps1", src, strlen(src));
	char *out = NULL;
	size_t n;
	FILE *f = open_memstream(&out, &n);

	CHECK_EQ(ps_exec(s, &warn, f, f), 0);
	fclose(f);
	CHECK_STR(out, "t.ps1:2: New-VMSwitch: WARNING: PA 192.168.0.33 is "
	               "not a local PA\n"
	               "t.ps1:3: Get-VMSwitch: WARNING: PA 192.168.0.33 is "
	               "not a local PA\n"
	               "\nName SwitchType NetAdapterInterfaceDescription\n"
	               "---- ---------- ------------------------------\n"
	               "S    External   Ethernet\n\n");
	free(out);
	f = open_memstream(&out, &n);
	CHECK_EQ(ps_exec(s, &broken, f, f), -ECANCELED);
	fclose(f);
	CHECK_STR(out, "t.ps1:2: New-VMSwitch: the agent closed the "
	               "connection\nstopped: 1 of 3 commands ran\n");
	free(out);
	ps_script_destroy(s);
	fake_destroy(fk);
}

static void
test_unsupported_and_errors(void)
{
	struct fake *fk = fake_create();
	struct ps_backend be = fake_backend(fk);
	struct ps_script *s = ps_parse("t.ps1", "Nope-Nope", 9);
	char *out = NULL;

	CHECK_EQ(ps_exec(s, &be, stdout, stdout), -EINVAL);
	ps_script_destroy(s);
	CHECK_EQ(run(fk,
	             "Add-VmNetworkAdapterRoutingDomainMapping -VMName MT-GW "
	             "-RoutingDomainID \"{0}\"\n",
	             &out),
	         1);
	CHECK_STR(out, "t.ps1:1: Add-VMNetworkAdapterRoutingDomainMapping: "
	               "not supported yet (multi-tenant gateway: a later "
	               "release)\nstopped: 0 of 1 commands ran\n");
	free(out);
	fake_destroy(fk);
}

static void
test_format(void)
{
	struct ps_objs os = {0};
	json_t *props = json_pack("[ss]", "Dest*", "metric");
	char *out = NULL;
	size_t n;
	FILE *f;

	ps_objs_push(&os, PS_O_PR,
	             json_pack("{sssssisi}", "prefix", "0.0.0.0/0", "nexthop",
	                       "192.168.1.1", "ifindex", 12, "metric", 255));
	ps_objs_push(&os, PS_O_PR,
	             json_pack("{sssssi}", "prefix", "2001:db8::/32", "nexthop",
	                       "fe80::1", "ifindex", 3));
	f = open_memstream(&out, &n);
	ps_format_list(f, &os, props);
	ps_format_table(f, &os, NULL);
	ps_format_default(f, &os);
	fclose(f);
	CHECK_STR(out,
	          "\nDestinationPrefix : 0.0.0.0/0\nMetric            : "
	          "255\n\nDestinationPrefix : 2001:db8::/32\nMetric      "
	          "      : 0\n\n"
	          "\nDestinationPrefix InterfaceIndex NextHop     "
	          "Metric\n----------------- -------------- -------     "
	          "------\n0.0.0.0/0                     12 192.168.1.1    "
	          "255\n2001:db8::/32                  3 fe80::1          "
	          "0\n\n"
	          "\nDestinationPrefix : 0.0.0.0/0\nInterfaceIndex    : "
	          "12\nNextHop           : 192.168.1.1\nMetric            "
	          ": 255\n\nDestinationPrefix : 2001:db8::/32\n"
	          "InterfaceIndex    : 3\nNextHop           : fe80::1\n"
	          "Metric            : 0\n\n");
	free(out);
	json_decref(props);
	ps_objs_clear(&os);
}

static void
test_obj_format(void)
{
	json_t *o = json_pack("{sssssssbss}", "ca", "10.0.1.1", "mac",
	                      "60-00-60-00-01-00", "customer_id",
	                      "12345678-AAAA-2000-3000-123456780001",
	                      "use_vm_mac", 1, "type", "gateway-wildcard");
	struct ps_obj obj = {PS_O_LR, o, NULL};
	bool num;
	char *s;

	s = ps_obj_get(&obj, "macaddress", &num);
	CHECK_STR(s, "600060000100");
	CHECK(!num);
	free(s);
	s = ps_obj_get(&obj, "CustomerID", NULL);
	CHECK_STR(s, "{12345678-aaaa-2000-3000-123456780001}");
	free(s);
	s = ps_obj_get(&obj, "UseVmMACAddress", NULL);
	CHECK_STR(s, "True");
	free(s);
	s = ps_obj_get(&obj, "Type", NULL);
	CHECK_STR(s, "GatewayWildcard");
	free(s);
	s = ps_obj_get(&obj, "Rule", NULL);
	CHECK_STR(s, "TranslationMethodEncap");
	free(s);
	s = ps_obj_get(&obj, "VirtualSubnetID", &num);
	CHECK_STR(s, "0");
	CHECK(num);
	free(s);
	CHECK(ps_obj_get(&obj, "NoSuch", NULL) == NULL);
	json_decref(o);
}

static const char records[] =
    "New-NetVirtualizationLookupRecord -CustomerAddress 10.0.1.102 "
    "-VirtualSubnetID 6000 -MACAddress 600060000102 -ProviderAddress "
    "192.168.0.22\n"
    "New-NetVirtualizationLookupRecord -CustomerAddress 10.0.1.101 "
    "-VirtualSubnetID 6000 -MACAddress 600060000101 -ProviderAddress "
    "192.168.0.33\n"
    "New-NetVirtualizationLookupRecord -CustomerAddress 10.0.2.101 "
    "-VirtualSubnetID 6001 -MACAddress 600060000201 -ProviderAddress "
    "192.168.0.22\n";

static void
test_select(void)
{
	struct fake *fk = fake_create();
	char *out = NULL;
	char *src = xasprintf(
	    "%s"
	    "Get-NetVirtualizationLookupRecord | select CustomerAddress, "
	    "ProviderAddress -First 2\n"
	    "Get-NetVirtualizationLookupRecord | select -Last 1 -exp "
	    "VirtualSubnetID\n"
	    "Get-NetVirtualizationLookupRecord | select -Skip 1 "
	    "-ExpandProperty MACAddress\n"
	    "Get-NetVirtualizationLookupRecord | select ProviderAddress "
	    "-Unique\n"
	    "Get-NetVirtualizationLookupRecord -VirtualSubnetID 6001 | select "
	    "CustomerAddress, VirtualSubnetID, MACAddress, ProviderAddress, "
	    "Rule\n"
	    "$s = Get-NetVirtualizationLookupRecord | select CustomerA*, "
	    "VirtualSubnetID -First 1\n$s\n$s.CustomerAddress\n"
	    "$s | select *\n",
	    records);

	CHECK_EQ(run(fk, src, &out), 0);
	CHECK_EQ(json_array_size(fk->log), 9); /* 3 adds, 6 gets */
	CHECK_STR(out, "\nCustomerAddress ProviderAddress\n"
	               "--------------- ---------------\n"
	               "10.0.1.102      192.168.0.22\n"
	               "10.0.1.101      192.168.0.33\n\n"
	               "6001\n"
	               "600060000101\n600060000201\n"
	               "\nProviderAddress\n---------------\n"
	               "192.168.0.22\n192.168.0.33\n\n"
	               "\nCustomerAddress : 10.0.2.101\n"
	               "VirtualSubnetID : 6001\n"
	               "MACAddress      : 600060000201\n"
	               "ProviderAddress : 192.168.0.22\n"
	               "Rule            : TranslationMethodEncap\n\n"
	               "\nCustomerAddress VirtualSubnetID\n"
	               "--------------- ---------------\n"
	               "10.0.1.102                 6000\n\n"
	               "10.0.1.102\n"
	               "\nCustomerAddress VirtualSubnetID\n"
	               "--------------- ---------------\n"
	               "10.0.1.102                 6000\n\n");
	free(out);
	free(src);
	fake_destroy(fk);
}

static void
test_sort_measure(void)
{
	struct fake *fk = fake_create();
	char *out = NULL;
	char *src = xasprintf(
	    "%s"
	    "Get-NetVirtualizationLookupRecord | sort CustomerAddress | ft "
	    "CustomerAddress\n"
	    "Get-NetVirtualizationLookupRecord | sort VirtualSubnetID, "
	    "ProviderAddress -Descending | ft CustomerA*\n"
	    "Get-NetVirtualizationLookupRecord | sort ProviderAddress -Unique "
	    "| select -exp ProviderAddress\n"
	    "10, 9, 100 | sort\n"
	    "Get-NetVirtualizationLookupRecord | measure\n"
	    "$m = Get-NetVirtualizationLookupRecord | measure -Property "
	    "VirtualSubnetID -Sum -Average -Maximum -Minimum\n"
	    "$m | fl\n\"$($m.Count) $($m.Average)\"\n",
	    records);

	CHECK_EQ(run(fk, src, &out), 0);
	CHECK_STR(out, "\nCustomerAddress\n---------------\n10.0.1.101\n"
	               "10.0.1.102\n10.0.2.101\n\n"
	               "\nCustomerAddress\n---------------\n10.0.2.101\n"
	               "10.0.1.101\n10.0.1.102\n\n"
	               "192.168.0.22\n192.168.0.33\n"
	               "9\n10\n100\n"
	               "\nCount    : 3\nAverage  :\nSum      :\n"
	               "Maximum  :\nMinimum  :\nProperty :\n\n"
	               "\nCount    : 3\nAverage  : 6000.33333333333\n"
	               "Sum      : 18001\nMaximum  : 6001\n"
	               "Minimum  : 6000\nProperty : VirtualSubnetID\n\n"
	               "3 6000.33333333333\n");
	free(out);
	fake_destroy(fk);
	fk = fake_create();
	CHECK_EQ(run(fk,
	             "Get-NetAdapter Ethernet | measure -Property Name -Sum\n",
	             &out),
	         1);
	CHECK_STR(out, "t.ps1:1: Measure-Object: input object \"Ethernet\" is "
	               "not numeric\nstopped: 0 of 1 commands ran\n");
	free(out);
	free(src);
	fake_destroy(fk);
}

static void
test_write_and_expand(void)
{
	struct fake *fk = fake_create();
	char *out = NULL;

	CHECK_EQ(run(fk,
	             "$nic = Get-NetAdapter Ethernet\n"
	             "$i = 7\n"
	             "Write-Host \"index:\" $nic.ifIndex \"of $($nic.Name) "
	             "on Web$i\"\n"
	             "Write-Host a b -Separator ',' -NoNewline\n"
	             "Write-Host '$i' \"`$i\" \"$i.Name\" \"${i}x\"\n"
	             "Write-Output $i \"x$i\" | ft\n"
	             "echo $nic | ft Name\n"
	             "\"nic: $nic\"\n"
	             "$nic | Write-Host\n"
	             "New-VM -Name \"Web$i\"\n",
	             &out),
	         0);
	CHECK_STR(out, "index: 12 of Ethernet on Web7\n"
	               "a,b$i $i 7.Name 7x\n"
	               "7\nx7\n"
	               "\nName\n----\nEthernet\n\n"
	               "nic: NetAdapter (Name = 'Ethernet')\n"
	               "NetAdapter (Name = 'Ethernet')\n");
	CHECK_REQ(fk, -1, "vm.add {\"vm\":\"Web7\"}");
	free(out);
	fake_destroy(fk);
}

static void
test_whatif(void)
{
	struct fake *fk = fake_create();
	char *out = NULL;
	char *src = xasprintf(
	    "%s"
	    "Remove-VM -Name BlueVM1 -WhatIf\n"
	    "New-NetVirtualizationLookupRecord -CustomerAddress 10.0.1.5 "
	    "-VirtualSubnetID 6000 -MACAddress 600060000105 -ProviderAddress "
	    "192.168.0.22 -WhatIf\n"
	    "Set-NetVirtualizationCustomerRoute -Metric 5 -WhatIf\n"
	    "Get-VMNetworkAdapter -VMName BlueVM1 | Set-VMNetworkAdapter "
	    "-VirtualSubnetId 6000 -WhatIf\n"
	    "$r = New-VMSwitch S2 -NetAdapterName eth2 -WhatIf\n"
	    "Remove-VMSwitch HNVSwitch -WhatIf:$false\n",
	    setup);
	size_t n;

	CHECK_EQ(run(fk, src, &out), 0);
	CHECK_STR(out,
	          "What if: Performing the operation \"Remove\" on target "
	          "\"VirtualMachine (Name = 'BlueVM1')\".\n"
	          "What if: Performing the operation \"New\" on target "
	          "\"NetVirtualizationLookupRecord (CustomerAddress = "
	          "'10.0.1.5', VirtualSubnetID = 6000, MACAddress = "
	          "'600060000105', ProviderAddress = '192.168.0.22')\".\n"
	          "What if: Performing the operation \"Set\" on target "
	          "\"every NetVirtualizationCustomerRoute\".\n"
	          "What if: Performing the operation \"Set\" on target "
	          "\"VMNetworkAdapter (Name = 'eth0', VMName = 'BlueVM1')\".\n"
	          "What if: Performing the operation \"New\" on target "
	          "\"VMSwitch (Name = 'S2', NetAdapterInterfaceDescription = "
	          "'eth2')\".\n");
	/* setup: 5 requests; then only the gets and the last remove */
	n = json_array_size(fk->log);
	CHECK_EQ(n, 8);
	CHECK_REQ(fk, 5, "vm-adapter.get {\"vm\":\"BlueVM1\"}");
	CHECK_REQ(fk, 6, "switch.get {}");
	CHECK_REQ(fk, 7, "switch.remove {\"name\":\"HNVSwitch\"}");
	free(out);
	free(src);
	fake_destroy(fk);
}

static void
test_error_action(void)
{
	struct fake *fk = fake_create();
	char *out = NULL;

	CHECK_EQ(run(fk,
	             "Get-VM -Name Nope -ErrorAction SilentlyContinue "
	             "-ErrorVariable e\n"
	             "\"[$e]\"\n"
	             "Get-VM Nope -ea Ignore -ev e2\n"
	             "\"[$e2]\"\n"
	             "Get-VM Nope -ErrorAction Continue -OutVariable vms | "
	             "Remove-VM\n"
	             "\"vms: [$vms]\"\n"
	             "New-VM Blue -ov +vms\n"
	             "$vms.Name\n"
	             "$ErrorActionPreference = 'SilentlyContinue'\n"
	             "Remove-VM Nope\n"
	             "Remove-VM Nope -ErrorAction Stop\n"
	             "\"not reached\"\n",
	             &out),
	         1);
	CHECK_STR(out, "[no VM named 'Nope']\n"
	               "[]\n"
	               "t.ps1:5: Get-VM: no VM named 'Nope'\n"
	               "vms: []\n"
	               "Blue\n"
	               "t.ps1:11: Remove-VM: no VM matches {\"vm\":\"Nope\"}\n"
	               "stopped: 10 of 12 commands ran\n");
	free(out);
	fake_destroy(fk);
}

static void
test_warning_action(void)
{
	static const char src[] =
	    "New-VMSwitch S -NetAdapterName Ethernet -WarningAction "
	    "SilentlyContinue -WarningVariable w\n"
	    "\"warned: $w\"\n"
	    "Get-VMSwitch -wa Ignore -wv w2\n"
	    "\"[$w2]\"\n"
	    "Get-VMSwitch -WarningAction Stop\n";
	struct fake *fk = fake_create();
	struct ps_backend warn = {warn_call, fk, NULL};
	struct ps_script *s = ps_parse("t.ps1", src, strlen(src));
	char *out = NULL;
	size_t n;
	FILE *f = open_memstream(&out, &n);

	CHECK_EQ(ps_script_n_errors(s), 0);
	CHECK_EQ(ps_exec(s, &warn, f, f), -ECANCELED);
	fclose(f);
	CHECK_STR(out, "warned: PA 192.168.0.33 is not a local PA\n"
	               "\nName SwitchType NetAdapterInterfaceDescription\n"
	               "---- ---------- ------------------------------\n"
	               "S    External   Ethernet\n\n"
	               "[]\n"
	               "t.ps1:5: Get-VMSwitch: WARNING: PA 192.168.0.33 is not "
	               "a local PA\n"
	               "t.ps1:5: Get-VMSwitch: the running command stopped "
	               "because -WarningAction is Stop: PA 192.168.0.33 is not "
	               "a local PA\n"
	               "stopped: 4 of 5 commands ran\n");
	free(out);
	ps_script_destroy(s);
	fake_destroy(fk);
}

static void
test_vm_cmdlets(void)
{
	struct fake *fk = fake_create();
	char *out = NULL;
	char *src = xasprintf(
	    "%s"
	    "New-VM -Name Red\n"
	    "Add-VMNetworkAdapter -VMName Green -SwitchName HNVSwitch\n"
	    "Get-VM\n"
	    "Get-VM -Name bluevm1 | Get-VMNetworkAdapter | ft VMName, Name\n"
	    "Get-VM r* | Add-VMNetworkAdapter -SwitchName HNVSwitch -Name "
	    "eth5\n"
	    "Stop-VM -Name Red -Force -TurnOff\n"
	    "Get-VM Gr* | Restart-VM -PassThru | ft Name, Status\n"
	    "Remove-VM Red -Force\n"
	    "Get-VM | Remove-VM -Force\n"
	    "Get-VM\n"
	    "Start-VM -Name Red\n",
	    setup);

	CHECK_EQ(run(fk, src, &out), 1);
	CHECK_STR(out,
	          "\nName    State   CPUUsage(%) MemoryAssigned(M) Uptime   "
	          "Status             Version\n"
	          "----    -----   ----------- ----------------- ------   "
	          "------             -------\n"
	          "BlueVM1 Running 0           0                 00:00:00 "
	          "Operating normally 9.0\n"
	          "Red     Running 0           0                 00:00:00 "
	          "Operating normally 9.0\n"
	          "Green   Running 0           0                 00:00:00 "
	          "Operating normally 9.0\n\n"
	          "\nVMName  Name\n------  ----\nBlueVM1 eth0\n\n"
	          "\nName  Status\n----  ------\n"
	          "Green Operating normally\n\n"
	          "t.ps1:14: Start-VM: no VM named 'Red'\n"
	          "stopped: 13 of 14 commands ran\n");
	CHECK_REQ(fk, 5, "vm.add {\"vm\":\"Red\"}");
	CHECK_REQ(fk, 8, "vm.get {}");
	CHECK_REQ(fk, 9, "vm.get {\"vm\":\"bluevm1\"}");
	CHECK_REQ(fk, 10, "vm-adapter.get {\"vm\":\"BlueVM1\"}");
	CHECK_REQ(fk, 12,
	          "vm-adapter.add {\"name\":\"eth5\",\"switch\":"
	          "\"HNVSwitch\",\"vm\":\"Red\"}");
	CHECK_REQ(fk, 13, "vm.get {\"vm\":\"Red\"}");
	CHECK_REQ(fk, 15, "vm.remove {\"vm\":\"Red\"}");
	CHECK_REQ(fk, 17, "vm.remove {\"vm\":\"BlueVM1\"}");
	CHECK_REQ(fk, 18, "vm.remove {\"vm\":\"Green\"}");
	/* the adapters went with their VMs */
	CHECK_EQ(json_array_size(json_object_get(fk->tables, "vm-adapter")), 0);
	free(out);
	free(src);
	fake_destroy(fk);
}

static void
s_check_string(const struct ps_obj *o)
{
	char *s = ps_obj_string(o);

	CHECK_STR(s, "@{Status=Operating normally; Name=A}");
	free(s);
}

static void
test_format_views(void)
{
	struct ps_objs os = {0};
	char *out = NULL;
	size_t n;
	FILE *f;

	ps_objs_push(&os, PS_O_VM, json_pack("{ss}", "vm", "A"));
	os.v[0].view = json_pack("[ss]", "Status", "Name");
	ps_objs_push(&os, PS_O_VM, json_pack("{ss}", "vm", "B"));
	os.v[1].view = json_pack("[sssss]", "Name", "State", "Uptime",
	                         "Version", "CPUUsage");
	f = open_memstream(&out, &n);
	ps_format_default(f, &os);
	fclose(f);
	CHECK_STR(out, "\nStatus             Name\n------             ----\n"
	               "Operating normally A\n\n"
	               "\nName     : B\nState    : Running\nUptime   : "
	               "00:00:00\nVersion  : 9.0\nCPUUsage : 0\n\n");
	s_check_string(&os.v[0]);
	free(out);
	ps_objs_clear(&os);
}

/* A scripted agent in a child process: answers each request line with the
 * next of 'replies' (a NULL entry closes the connection). */
static pid_t
scripted_agent(const char *path, const char *const *replies)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	pid_t pid;

	strlcpy_(sun.sun_path, path, sizeof(sun.sun_path));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    listen(fd, 1) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		int c = accept(fd, NULL, NULL);
		char buf[4096];
		size_t i = 0;

		for (; c >= 0; i++) {
			ssize_t n;
			size_t len = 0;

			/* one request line, then its reply (or close) */
			while ((n = read(c, buf + len, 1)) == 1 &&
			       buf[len] != '\n' && len < sizeof(buf) - 1)
				len++;
			if (n != 1 || !replies[i] ||
			    write(c, replies[i], strlen(replies[i])) < 0)
				break;
		}
		_exit(0);
	}
	close(fd);
	return pid;
}

static void
test_socket_backend(void)
{
	static const char *const replies[] = {
	    "{\"ok\": true, \"result\": {\"name\": \"S\", \"netadapter\": "
	    "\"Ethernet\"}, \"warnings\": [\"w1\"]}\n",
	    "{\"ok\": false, \"error\": \"switch S: already exists\"}\n"
	    "{\"ok\": true}\n", /* two replies in one write */
	    "{\"ok\": true}\n",
	    "not json\n",
	    "{\"result\": 1}\n",
	    NULL,
	};
	char dir[] = "/tmp/test-ps-exec.XXXXXX", *path, *error = NULL;
	struct client *cl = NULL;
	json_t *res = NULL, *warn = NULL, *args = json_object();
	pid_t pid;
	int status;

	CHECK(mkdtemp(dir) != NULL);
	path = xasprintf("%s/agent.sock", dir);
	CHECK_EQ(client_open(path, &cl), -ENOENT);
	pid = scripted_agent(path, replies);
	CHECK(pid > 0);
	CHECK_EQ(client_open(path, &cl), 0);
	if (!cl)
		goto out;
	CHECK_EQ(client_call(cl, "switch.add", args, &res, &error, &warn), 0);
	CHECK_STR(json_string_value(json_object_get(res, "name")), "S");
	CHECK_STR(json_string_value(json_array_get(warn, 0)), "w1");
	json_decref(res);
	json_decref(warn);
	CHECK_EQ(client_call(cl, "switch.add", args, &res, &error, &warn),
	         -EINVAL);
	CHECK_STR(error, "switch S: already exists");
	free(error);
	/* the second reply of the same write is kept for the next call */
	CHECK_EQ(client_call(cl, "status", NULL, &res, &error, NULL), 0);
	CHECK(json_is_null(res));
	json_decref(res);
	CHECK_EQ(client_call(cl, "status", NULL, &res, &error, NULL), 0);
	json_decref(res);
	CHECK_EQ(client_call(cl, "status", NULL, &res, &error, NULL), -EPROTO);
	CHECK(error && strstr(error, "not JSON"));
	free(error);
	CHECK_EQ(client_call(cl, "status", NULL, &res, &error, NULL), -EPROTO);
	CHECK_STR(error, "the agent's reply has no \"ok\"");
	free(error);
	/* closed: EPIPE on the send or ECONNRESET on the read */
	CHECK(client_call(cl, "status", NULL, &res, &error, NULL) < 0);
	CHECK_STR(error, "the agent closed the connection");
	free(error);
	client_close(cl);
out:
	if (pid > 0)
		waitpid(pid, &status, 0);
	unlink(path);
	rmdir(dir);
	free(path);
	json_decref(args);
}

/* A backend with hosts: each request is logged with the host set for
 * it ("cmd@host", "cmd@-" for the default). */
struct hosted {
	struct fake *fk;
	char *host;
	json_t *log;
};

static void
hosted_set_host(void *ctx, const char *host)
{
	struct hosted *h = ctx;

	free(h->host);
	h->host = host ? xstrdup(host) : NULL;
}

static int
hosted_call(void *ctx, const char *cmd, json_t *args, json_t **result,
            char **error, json_t **warnings)
{
	struct hosted *h = ctx;

	json_array_append_new(
	    h->log, json_sprintf("%s@%s", cmd, h->host ? h->host : "-"));
	return fake_call(h->fk, cmd, args, result, error, warnings);
}

static void
test_computer_name(void)
{
	static const char src[] =
	    "New-VMSwitch S -NetAdapterName Ethernet -ComputerName Host2\n"
	    "Get-VMSwitch -CimSession Host3 | Out-Null\n"
	    "Get-VMSwitch -ComputerName localhost | Out-Null\n"
	    "Get-NetVirtualizationLookupRecord -cn Host4\n"
	    "$s = 'Host5'\n"
	    "New-VM -Name (Get-VMSwitch -ComputerName $s).Name -ComputerName "
	    "Host6\n"
	    "Get-VM\n";
	struct hosted h = {fake_create(), NULL, json_array()};
	struct ps_backend be = {hosted_call, &h, hosted_set_host};
	struct ps_script *s = ps_parse("t.ps1", src, strlen(src));
	char *out = NULL, *log;
	size_t n;
	FILE *f = open_memstream(&out, &n);

	CHECK_EQ(ps_script_n_errors(s), 0);
	CHECK_EQ(ps_exec(s, &be, f, f), 0);
	fclose(f);
	log = json_dumps(h.log, JSON_COMPACT);
	/* Each cmdlet's own host, the nested ( ) one's inside it, and the
	 * default again after. */
	CHECK_STR(log, "[\"switch.add@Host2\",\"switch.get@Host3\","
	               "\"switch.get@-\",\"lookup-record.get@Host4\","
	               "\"switch.get@Host5\",\"vm.add@Host6\","
	               "\"vm.get@-\"]");
	free(log);
	free(out);
	ps_script_destroy(s);

	/* The agent's socket is one host: another name is an error. */
	out = NULL;
	CHECK_EQ(fake_run(h.fk, "t.ps1",
	                  "Get-VMSwitch -ComputerName localhost\n"
	                  "Get-VMSwitch -ComputerName Host2\n",
	                  strlen("Get-VMSwitch -ComputerName localhost\n"
	                         "Get-VMSwitch -ComputerName Host2\n"),
	                  &out),
	         1);
	CHECK(out && strstr(out, "t.ps1:2: Get-VMSwitch: -ComputerName Host2: "
	                         "the agent's socket reaches this host only"));
	free(out);
	/* Only the cmdlets that send requests take it. */
	s = ps_parse("t.ps1", "Write-Host x -ComputerName H\n",
	             strlen("Write-Host x -ComputerName H\n"));
	CHECK_EQ(ps_script_n_errors(s), 1);
	ps_script_destroy(s);
	fake_destroy(h.fk);
	free(h.host);
	json_decref(h.log);
}

const struct test_case tests[] = {
    TEST(test_new_requests),
    TEST(test_hyperv_requests),
    TEST(test_where_filters),
    TEST(test_variables),
    TEST(test_variable_errors),
    TEST(test_runtime_stop),
    TEST(test_set_and_remove),
    TEST(test_set_no_match),
    TEST(test_backend_messages),
    TEST(test_unsupported_and_errors),
    TEST(test_format),
    TEST(test_obj_format),
    TEST(test_socket_backend),
    TEST(test_select),
    TEST(test_sort_measure),
    TEST(test_write_and_expand),
    TEST(test_whatif),
    TEST(test_error_action),
    TEST(test_warning_action),
    TEST(test_vm_cmdlets),
    TEST(test_format_views),
    TEST(test_computer_name),
    {0},
};
