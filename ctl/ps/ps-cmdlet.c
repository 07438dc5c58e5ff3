/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ps-cmdlet: the cmdlets hnvctl ps knows, their parameters, and binding of
 * parameter values.  The tables follow the Windows cmdlets (names,
 * positions, mandatory parameters) and map each parameter to the JSON key
 * of policy/json.h that carries it to the agent.
 *
 * Binding converts what the user typed to the agent's form, so that type
 * errors are found before anything runs: numbers (decimal or 0x) with the
 * ranges of their fields, addresses and prefixes in canonical form, MACs
 * in colon form, GUIDs braced lower-case, rules and types by their short
 * native names.
 *
 * Parameter names resolve as in PowerShell: case-insensitive, exact name
 * or alias first, else a unique prefix (-Virt for -VirtualSubnetID).
 */
#include "ctl/ps/ps-int.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/addr.h"
#include "lib/util.h"

#define END                                                                    \
	{                                                                      \
		NULL, 0, NULL, -1, 0, NULL                                     \
	}
#define MAND PS_F_MANDATORY
#define PMAND (PS_F_MANDATORY | PS_F_PIPED_OPT)
#define FILT PS_F_FILTER
#define IDENT PS_F_IDENT

/* NetVirtualizationLookupRecord */
static const struct ps_param lr_new[] = {
    {"CustomerAddress", PS_P_IP, "ca", -1, 0, NULL},
    {"VirtualSubnetID", PS_P_VSID, "vsid", -1, MAND, NULL},
    {"MACAddress", PS_P_MAC, "mac", -1, MAND, NULL},
    {"ProviderAddress", PS_P_IP, "pa", -1, MAND, NULL},
    {"Rule", PS_P_RULE, "rule", -1, 0, NULL},
    {"Type", PS_P_LRTYPE, "type", -1, 0, NULL},
    {"CustomerID", PS_P_GUID, "customer_id", -1, 0, NULL},
    {"VMName", PS_P_STRING, "vm_name", -1, 0, NULL},
    {"Context", PS_P_STRING, "context", -1, 0, NULL},
    {"UseVmMACAddress", PS_P_BOOL, "use_vm_mac", -1, 0, NULL},
    END,
};
static const struct ps_param lr_get[] = {
    {"CustomerAddress", PS_P_IP, "ca", -1, FILT, NULL},
    {"VirtualSubnetID", PS_P_UINT32, "vsid", -1, FILT, NULL},
    {"MACAddress", PS_P_MAC, "mac", -1, FILT, NULL},
    {"ProviderAddress", PS_P_IP, "pa", -1, FILT, NULL},
    {"Type", PS_P_LRTYPE, "type", -1, FILT, NULL},
    {"Rule", PS_P_RULE, "rule", -1, 0, NULL},
    {"CustomerID", PS_P_GUID, "customer_id", -1, 0, NULL},
    {"VMName", PS_P_STRING, "vm_name", -1, 0, NULL},
    {"UseVmMACAddress", PS_P_BOOL, "use_vm_mac", -1, 0, NULL},
    END,
};
/* Set-*: as in Windows, some parameters select the objects (all of them
 * when none is given) and the others are what changes. */
static const struct ps_param lr_set[] = {
    {"CustomerAddress", PS_P_IP, "ca", -1, IDENT, NULL},
    {"VirtualSubnetID", PS_P_UINT32, "vsid", -1, IDENT, NULL},
    {"MACAddress", PS_P_MAC, "mac", -1, IDENT, NULL},
    {"ProviderAddress", PS_P_IP, "pa", -1, 0, NULL},
    {"Rule", PS_P_RULE, "rule", -1, 0, NULL},
    {"CustomerID", PS_P_GUID, "customer_id", -1, 0, NULL},
    {"VMName", PS_P_STRING, "vm_name", -1, 0, NULL},
    {"Context", PS_P_STRING, "context", -1, 0, NULL},
    {"UseVmMACAddress", PS_P_BOOL, "use_vm_mac", -1, 0, NULL},
    END,
};

/* NetVirtualizationCustomerRoute */
static const struct ps_param cr_new[] = {
    {"RoutingDomainID", PS_P_GUID, "rdid", -1, MAND, NULL},
    {"VirtualSubnetID", PS_P_VSID, "vsid", -1, MAND, NULL},
    {"DestinationPrefix", PS_P_PREFIX, "prefix", -1, MAND, NULL},
    {"NextHop", PS_P_IP, "nexthop", -1, 0, NULL},
    {"Metric", PS_P_UINT32, "metric", -1, 0, NULL},
    END,
};
static const struct ps_param cr_get[] = {
    {"RoutingDomainID", PS_P_GUID, "rdid", -1, FILT, NULL},
    {"VirtualSubnetID", PS_P_UINT32, "vsid", -1, FILT, NULL},
    {"DestinationPrefix", PS_P_PREFIX, "prefix", -1, FILT, NULL},
    {"NextHop", PS_P_IP, "nexthop", -1, FILT, NULL},
    {"Metric", PS_P_UINT32, "metric", -1, 0, NULL},
    END,
};
static const struct ps_param cr_set[] = {
    {"RoutingDomainID", PS_P_GUID, "rdid", -1, IDENT, NULL},
    {"VirtualSubnetID", PS_P_UINT32, "vsid", -1, IDENT, NULL},
    {"DestinationPrefix", PS_P_PREFIX, "prefix", -1, IDENT, NULL},
    {"NextHop", PS_P_IP, "nexthop", -1, IDENT, NULL},
    {"Metric", PS_P_UINT32, "metric", -1, 0, NULL},
    END,
};

/* NetVirtualizationProviderAddress */
static const struct ps_param pa_new[] = {
    {"ProviderAddress", PS_P_IP, "pa", -1, MAND, NULL},
    {"InterfaceIndex", PS_P_UINT32, "ifindex", -1, MAND, NULL},
    {"PrefixLength", PS_P_PLEN, "prefix_len", -1, MAND, NULL},
    {"VlanID", PS_P_VLAN, "vlan", -1, 0, NULL},
    {"MACAddress", PS_P_MAC, "mac", -1, 0, NULL},
    {"AddressState", PS_P_IGNORE, NULL, -1, 0, NULL},
    END,
};
static const struct ps_param pa_get[] = {
    {"ProviderAddress", PS_P_IP, "pa", -1, FILT, NULL},
    {"InterfaceIndex", PS_P_UINT32, "ifindex", -1, FILT, NULL},
    {"PrefixLength", PS_P_PLEN, "prefix_len", -1, 0, NULL},
    {"VlanID", PS_P_VLAN, "vlan", -1, 0, NULL},
    {"MACAddress", PS_P_MAC, "mac", -1, 0, NULL},
    {"AddressState", PS_P_IGNORE, NULL, -1, 0, NULL},
    END,
};
static const struct ps_param pa_set[] = {
    {"ProviderAddress", PS_P_IP, "pa", -1, IDENT, NULL},
    {"InterfaceIndex", PS_P_UINT32, "ifindex", -1, IDENT, NULL},
    {"PrefixLength", PS_P_PLEN, "prefix_len", -1, 0, NULL},
    {"VlanID", PS_P_VLAN, "vlan", -1, 0, NULL},
    {"MACAddress", PS_P_MAC, "mac", -1, 0, NULL},
    {"AddressState", PS_P_IGNORE, NULL, -1, 0, NULL},
    END,
};

/* NetVirtualizationProviderRoute */
static const struct ps_param pr_new[] = {
    {"DestinationPrefix", PS_P_PREFIX, "prefix", -1, MAND, NULL},
    {"InterfaceIndex", PS_P_UINT32, "ifindex", -1, MAND, NULL},
    {"NextHop", PS_P_IP, "nexthop", -1, MAND, NULL},
    {"Metric", PS_P_UINT32, "metric", -1, 0, NULL},
    END,
};
static const struct ps_param pr_get[] = {
    {"DestinationPrefix", PS_P_PREFIX, "prefix", -1, FILT, NULL},
    {"InterfaceIndex", PS_P_UINT32, "ifindex", -1, FILT, NULL},
    {"NextHop", PS_P_IP, "nexthop", -1, FILT, NULL},
    {"Metric", PS_P_UINT32, "metric", -1, 0, NULL},
    END,
};
static const struct ps_param pr_set[] = {
    {"DestinationPrefix", PS_P_PREFIX, "prefix", -1, IDENT, NULL},
    {"NextHop", PS_P_IP, "nexthop", -1, IDENT, NULL},
    {"InterfaceIndex", PS_P_UINT32, "ifindex", -1, IDENT, NULL},
    {"Metric", PS_P_UINT32, "metric", -1, 0, NULL},
    END,
};

/* Hyper-V */
static const struct ps_param switch_new[] = {
    {"Name", PS_P_NAME, "name", 0, MAND, "SwitchName"},
    {"NetAdapterName", PS_P_IFNAME, "netadapter", -1, MAND, NULL},
    {"AllowManagementOS", PS_P_BOOL, NULL, -1, 0, NULL},
    {"Notes", PS_P_IGNORE, NULL, -1, 0, NULL},
    {"EnableIov", PS_P_IGNORE, NULL, -1, 0, NULL},
    {"MinimumBandwidthMode", PS_P_IGNORE, NULL, -1, 0, NULL},
    END,
};
static const struct ps_param switch_get[] = {
    {"Name", PS_P_WILD, "name", 0, 0, "SwitchName"},
    END,
};
static const struct ps_param switch_remove[] = {
    {"Name", PS_P_WILD, "name", 0, PMAND, "SwitchName"},
    {"Force", PS_P_IGNORE_SWITCH, NULL, -1, 0, NULL},
    END,
};
static const struct ps_param vm_new[] = {
    {"Name", PS_P_NAME, "vm", 0, MAND, "VMName"},
    {"SwitchName", PS_P_NAME, "switch", -1, 0, NULL},
    {"VHDPath", PS_P_IGNORE, NULL, -1, 0, NULL},
    {"Generation", PS_P_IGNORE, NULL, -1, 0, NULL},
    {"MemoryStartupBytes", PS_P_IGNORE, NULL, -1, 0, NULL},
    {"Path", PS_P_IGNORE, NULL, -1, 0, NULL},
    {"NewVHDPath", PS_P_IGNORE, NULL, -1, 0, NULL},
    {"NewVHDSizeBytes", PS_P_IGNORE, NULL, -1, 0, NULL},
    {"BootDevice", PS_P_IGNORE, NULL, -1, 0, NULL},
    {"Version", PS_P_IGNORE, NULL, -1, 0, NULL},
    {"NoVHD", PS_P_IGNORE_SWITCH, NULL, -1, 0, NULL},
    END,
};
static const struct ps_param vmna_add[] = {
    {"VMName", PS_P_NAME, "vm", 0, PMAND, NULL},
    {"Name", PS_P_IFNAME, "name", -1, 0, "VMNetworkAdapterName"},
    {"SwitchName", PS_P_NAME, "switch", -1, MAND, NULL},
    {"StaticMacAddress", PS_P_MAC, "mac", -1, 0, NULL},
    {"IsLegacy", PS_P_IGNORE, NULL, -1, 0, NULL},
    {"DynamicMacAddress", PS_P_IGNORE_SWITCH, NULL, -1, 0, NULL},
    END,
};
static const struct ps_param vmna_get[] = {
    {"VMName", PS_P_WILD, "vm", 0, 0, NULL},
    {"Name", PS_P_WILD, "name", -1, 0, "VMNetworkAdapterName"},
    {"All", PS_P_SWITCH, NULL, -1, 0, NULL},
    END,
};
static const struct ps_param vmna_set[] = {
    {"VMName", PS_P_WILD, "vm", 0, PMAND, NULL},
    {"Name", PS_P_WILD, "name", -1, 0, "VMNetworkAdapterName"},
    {"StaticMacAddress", PS_P_MAC, "mac", -1, 0, NULL},
    {"VirtualSubnetId", PS_P_VSID0, "vsid", -1, 0, NULL},
    END,
};
static const struct ps_param vmna_remove[] = {
    {"VMName", PS_P_WILD, "vm", 0, PMAND, NULL},
    {"Name", PS_P_WILD, "name", -1, 0, "VMNetworkAdapterName"},
    END,
};
static const struct ps_param netadapter_get[] = {
    {"Name", PS_P_WILD, "name", 0, 0, "ifAlias"},
    {"InterfaceDescription", PS_P_WILD, "description", -1, 0, NULL},
    END,
};
static const struct ps_param vm_get[] = {
    {"Name", PS_P_WILD, "vm", 0, 0, "VMName"},
    END,
};
static const struct ps_param vm_remove[] = {
    {"Name", PS_P_WILD, "vm", 0, PMAND, "VMName"},
    {"Force", PS_P_IGNORE_SWITCH, NULL, -1, 0, NULL},
    END,
};
/* VMs are network namespaces: they always run, so these only check that
 * the VMs exist. */
static const struct ps_param vm_start[] = {
    {"Name", PS_P_WILD, "vm", 0, PMAND, "VMName"},
    END,
};
static const struct ps_param vm_stop[] = {
    {"Name", PS_P_WILD, "vm", 0, PMAND, "VMName"},
    {"Force", PS_P_IGNORE_SWITCH, NULL, -1, 0, NULL},
    {"TurnOff", PS_P_IGNORE_SWITCH, NULL, -1, 0, NULL},
    END,
};
static const struct ps_param vm_restart[] = {
    {"Name", PS_P_WILD, "vm", 0, PMAND, "VMName"},
    {"Force", PS_P_IGNORE_SWITCH, NULL, -1, 0, NULL},
    {"Wait", PS_P_IGNORE_SWITCH, NULL, -1, 0, NULL},
    {"For", PS_P_IGNORE, NULL, -1, 0, NULL},
    END,
};

/* Utility cmdlets */
#define OP(n)                                                                  \
	{                                                                      \
		n, PS_P_SWITCH, NULL, -1, PS_F_OP, NULL                        \
	}
static const struct ps_param where_params[] = {
    {"FilterScript", PS_P_BLOCK, NULL, 0, 0, NULL},
    {"Property", PS_P_STRING, NULL, 0, 0, NULL},
    {"Value", PS_P_VALUE, NULL, 1, 0, NULL},
    OP("EQ"),
    OP("NE"),
    OP("Like"),
    OP("NotLike"),
    OP("GT"),
    OP("GE"),
    OP("LT"),
    OP("LE"),
    OP("IEQ"),
    OP("INE"),
    OP("ILike"),
    OP("INotLike"),
    OP("CEQ"),
    OP("CNE"),
    OP("CLike"),
    OP("CNotLike"),
    END,
};
static const struct ps_param foreach_params[] = {
    {"Process", PS_P_SCRIPT, NULL, 0, 0, NULL},
    {"MemberName", PS_P_STRING, NULL, 0, 0, NULL},
    END,
};
static const struct ps_param fl_params[] = {
    {"Property", PS_P_PROPS, NULL, 0, 0, NULL},
    END,
};
static const struct ps_param ft_params[] = {
    {"Property", PS_P_PROPS, NULL, 0, 0, NULL},
    {"AutoSize", PS_P_IGNORE_SWITCH, NULL, -1, 0, NULL},
    {"Wrap", PS_P_IGNORE_SWITCH, NULL, -1, 0, NULL},
    END,
};
static const struct ps_param select_params[] = {
    {"Property", PS_P_PROPS, NULL, 0, 0, NULL},
    {"ExpandProperty", PS_P_PROPS, NULL, -1, 0, NULL},
    {"First", PS_P_UINT32, NULL, -1, 0, NULL},
    {"Last", PS_P_UINT32, NULL, -1, 0, NULL},
    {"Skip", PS_P_UINT32, NULL, -1, 0, NULL},
    {"Unique", PS_P_SWITCH, NULL, -1, 0, NULL},
    END,
};
static const struct ps_param sort_params[] = {
    {"Property", PS_P_PROPS, NULL, 0, 0, NULL},
    {"Descending", PS_P_SWITCH, NULL, -1, 0, NULL},
    {"Unique", PS_P_SWITCH, NULL, -1, 0, NULL},
    {"CaseSensitive", PS_P_SWITCH, NULL, -1, 0, NULL},
    END,
};
static const struct ps_param measure_params[] = {
    {"Property", PS_P_PROPS, NULL, 0, 0, NULL},
    {"Sum", PS_P_SWITCH, NULL, -1, 0, NULL},
    {"Average", PS_P_SWITCH, NULL, -1, 0, NULL},
    {"Maximum", PS_P_SWITCH, NULL, -1, 0, NULL},
    {"Minimum", PS_P_SWITCH, NULL, -1, 0, NULL},
    END,
};
static const struct ps_param write_host_params[] = {
    {"Object", PS_P_OBJECTS, NULL, 0, PS_F_REMAINING, NULL},
    {"NoNewline", PS_P_SWITCH, NULL, -1, 0, NULL},
    {"Separator", PS_P_STRING, NULL, -1, 0, NULL},
    {"ForegroundColor", PS_P_IGNORE, NULL, -1, 0, NULL},
    {"BackgroundColor", PS_P_IGNORE, NULL, -1, 0, NULL},
    END,
};
static const struct ps_param write_output_params[] = {
    {"InputObject", PS_P_OBJECTS, NULL, 0, PS_F_REMAINING, NULL},
    {"NoEnumerate", PS_P_IGNORE_SWITCH, NULL, -1, 0, NULL},
    END,
};
static const struct ps_param no_params[] = {END};

/* PowerShell's common parameters, accepted by every cmdlet: -Verbose and
 * -Debug say nothing more; -Confirm never prompts (scripts run
 * non-interactively); the others are carried out by the executor. */
static const struct ps_param common_params[] = {
    {"Verbose", PS_P_IGNORE_SWITCH, NULL, -1, 0, "vb"},
    {"Debug", PS_P_IGNORE_SWITCH, NULL, -1, 0, "db"},
    {"Confirm", PS_P_IGNORE_SWITCH, NULL, -1, 0, "cf"},
    {"WhatIf", PS_P_SWITCH, NULL, -1, 0, "wi"},
    {"ErrorAction", PS_P_ACTION, NULL, -1, 0, "ea"},
    {"WarningAction", PS_P_ACTION, NULL, -1, 0, "wa"},
    {"ErrorVariable", PS_P_VARNAME, NULL, -1, 0, "ev"},
    {"WarningVariable", PS_P_VARNAME, NULL, -1, 0, "wv"},
    {"OutVariable", PS_P_VARNAME, NULL, -1, 0, "ov"},
    END,
};
/* The cmdlets that send requests take the host they run on: Hyper-V's
 * -ComputerName, the CIM cmdlets' -CimSession (a computer name here).
 * Under hnvctl --controller it picks the host of host-scoped objects
 * (ps-exec.c). */
static const struct ps_param remote_params[] = {
    {"ComputerName", PS_P_STRING, NULL, -1, 0, "cn"},
    {"CimSession", PS_P_STRING, NULL, -1, 0, "Session"},
    END,
};
/* Cmdlets whose output is not printed take -PassThru to print it. */
static const struct ps_param passthru_params[] = {
    {"PassThru", PS_P_SWITCH, NULL, -1, 0, NULL},
    END,
};

#define NV(verb, noun, id, t, p, fl)                                           \
	{                                                                      \
		verb "-NetVirtualization" noun, id, t, fl, p                   \
	}
#define Q PS_CF_QUIET
#define PIN PS_CF_PIPE_IN
#define ANY PS_CF_ANY_ARGS
#define CHG PS_CF_CHANGES

static const struct ps_cmdlet cmdlets[] = {
    NV("New", "LookupRecord", PS_C_NV_NEW, PS_O_LR, lr_new, Q | CHG),
    NV("Get", "LookupRecord", PS_C_NV_GET, PS_O_LR, lr_get, 0),
    NV("Set", "LookupRecord", PS_C_NV_SET, PS_O_LR, lr_set, Q | PIN | CHG),
    NV("Remove", "LookupRecord", PS_C_NV_REMOVE, PS_O_LR, lr_get, PIN | CHG),
    NV("New", "CustomerRoute", PS_C_NV_NEW, PS_O_CR, cr_new, Q | CHG),
    NV("Get", "CustomerRoute", PS_C_NV_GET, PS_O_CR, cr_get, 0),
    NV("Set", "CustomerRoute", PS_C_NV_SET, PS_O_CR, cr_set, Q | PIN | CHG),
    NV("Remove", "CustomerRoute", PS_C_NV_REMOVE, PS_O_CR, cr_get, PIN | CHG),
    NV("New", "ProviderAddress", PS_C_NV_NEW, PS_O_PA, pa_new, Q | CHG),
    NV("Get", "ProviderAddress", PS_C_NV_GET, PS_O_PA, pa_get, 0),
    NV("Set", "ProviderAddress", PS_C_NV_SET, PS_O_PA, pa_set, Q | PIN | CHG),
    NV("Remove", "ProviderAddress", PS_C_NV_REMOVE, PS_O_PA, pa_get, PIN | CHG),
    NV("New", "ProviderRoute", PS_C_NV_NEW, PS_O_PR, pr_new, Q | CHG),
    NV("Get", "ProviderRoute", PS_C_NV_GET, PS_O_PR, pr_get, 0),
    NV("Set", "ProviderRoute", PS_C_NV_SET, PS_O_PR, pr_set, Q | PIN | CHG),
    NV("Remove", "ProviderRoute", PS_C_NV_REMOVE, PS_O_PR, pr_get, PIN | CHG),
    {"New-VMSwitch", PS_C_SWITCH_NEW, PS_O_SWITCH, Q | CHG, switch_new},
    {"Get-VMSwitch", PS_C_SWITCH_GET, PS_O_SWITCH, 0, switch_get},
    {"Remove-VMSwitch", PS_C_SWITCH_REMOVE, PS_O_SWITCH, PIN | CHG,
     switch_remove},
    {"New-VM", PS_C_VM_NEW, PS_O_VM, Q | CHG, vm_new},
    {"Get-VM", PS_C_VM_GET, PS_O_VM, 0, vm_get},
    {"Remove-VM", PS_C_VM_REMOVE, PS_O_VM, PIN | CHG, vm_remove},
    {"Start-VM", PS_C_VM_STATE, PS_O_VM, Q | PIN | CHG, vm_start},
    {"Stop-VM", PS_C_VM_STATE, PS_O_VM, Q | PIN | CHG, vm_stop},
    {"Restart-VM", PS_C_VM_STATE, PS_O_VM, Q | PIN | CHG, vm_restart},
    {"Add-VMNetworkAdapter", PS_C_VMNA_ADD, PS_O_VMNA, Q | PIN | CHG, vmna_add},
    {"Get-VMNetworkAdapter", PS_C_VMNA_GET, PS_O_VMNA, PIN, vmna_get},
    {"Set-VMNetworkAdapter", PS_C_VMNA_SET, PS_O_VMNA, Q | PIN | CHG, vmna_set},
    {"Remove-VMNetworkAdapter", PS_C_VMNA_REMOVE, PS_O_VMNA, PIN | CHG,
     vmna_remove},
    {"Get-NetAdapter", PS_C_NETADAPTER_GET, PS_O_NETADAPTER, 0, netadapter_get},
    {"Where-Object", PS_C_WHERE, PS_O_ANY, PIN, where_params},
    {"ForEach-Object", PS_C_FOREACH, PS_O_ANY, PIN, foreach_params},
    {"Select-Object", PS_C_SELECT, PS_O_ANY, PIN, select_params},
    {"Sort-Object", PS_C_SORT, PS_O_ANY, PIN, sort_params},
    {"Measure-Object", PS_C_MEASURE, PS_O_MEASURE, PIN, measure_params},
    {"Write-Host", PS_C_WRITE_HOST, PS_O_NONE, PIN, write_host_params},
    {"Write-Output", PS_C_WRITE_OUTPUT, PS_O_ANY, PIN, write_output_params},
    {"Format-List", PS_C_FORMAT_LIST, PS_O_NONE, PIN, fl_params},
    {"Format-Table", PS_C_FORMAT_TABLE, PS_O_NONE, PIN, ft_params},
    {"Out-Null", PS_C_OUT_NULL, PS_O_NONE, PIN, no_params},
    {"Install-WindowsFeature", PS_C_NOOP, PS_O_NONE, ANY | PIN, no_params},
    {"Enable-NetAdapterBinding", PS_C_NOOP, PS_O_NONE, ANY | PIN, no_params},
    {"Import-Module", PS_C_NOOP, PS_O_NONE, ANY | PIN, no_params},
    {"Set-VMNetworkAdapterIsolation", PS_C_UNSUPPORTED, PS_O_NONE, ANY | PIN,
     no_params},
    {"Get-VMNetworkAdapterIsolation", PS_C_UNSUPPORTED, PS_O_NONE, ANY | PIN,
     no_params},
    {"Add-VMNetworkAdapterRoutingDomainMapping", PS_C_UNSUPPORTED, PS_O_NONE,
     ANY | PIN, no_params},
    {"Get-VMNetworkAdapterRoutingDomainMapping", PS_C_UNSUPPORTED, PS_O_NONE,
     ANY | PIN, no_params},
    {"Set-VMNetworkAdapterRoutingDomainMapping", PS_C_UNSUPPORTED, PS_O_NONE,
     ANY | PIN, no_params},
    {"Remove-VMNetworkAdapterRoutingDomainMapping", PS_C_UNSUPPORTED, PS_O_NONE,
     ANY | PIN, no_params},
};

static const char *const aliases[][2] = {
    {"fl", "Format-List"},
    {"ft", "Format-Table"},
    {"where", "Where-Object"},
    {"?", "Where-Object"},
    {"foreach", "ForEach-Object"},
    {"%", "ForEach-Object"},
    {"select", "Select-Object"},
    {"sort", "Sort-Object"},
    {"measure", "Measure-Object"},
    {"echo", "Write-Output"},
    {"write", "Write-Output"},
    {"Add-WindowsFeature", "Install-WindowsFeature"},
};

const struct ps_cmdlet *
ps_cmdlet_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(aliases); i++)
		if (!strcasecmp(name, aliases[i][0]))
			name = aliases[i][1];
	for (size_t i = 0; i < ARRAY_SIZE(cmdlets); i++)
		if (!strcasecmp(name, cmdlets[i].name))
			return &cmdlets[i];
	return NULL;
}

enum ps_otype
ps_cmdlet_input(const struct ps_cmdlet *cl)
{
	switch (cl->id) {
	case PS_C_VMNA_GET: /* Get-VM X | Get-VMNetworkAdapter */
	case PS_C_VMNA_ADD:
		return PS_O_VM;
	case PS_C_WHERE:
	case PS_C_SELECT:
	case PS_C_SORT:
	case PS_C_MEASURE:
	case PS_C_WRITE_HOST:
	case PS_C_WRITE_OUTPUT:
		return PS_O_ANY;
	default:
		return cl->otype;
	}
}

/* Case-insensitive edit distance with transpositions (optimal string
 * alignment: "Nmae" is one edit from "Name"), or a large number for long
 * strings. */
static size_t
edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t r0[65], r1[65], r2[65], *pp = r0, *prev = r1, *cur = r2;

	if (la > 64 || lb > 64)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t *tmp;

		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			int ca = tolower((unsigned char)a[i - 1]);
			int cb = tolower((unsigned char)b[j - 1]);
			size_t best = prev[j - 1] + (ca != cb);

			best = MIN(best, prev[j] + 1);
			best = MIN(best, cur[j - 1] + 1);
			if (i > 1 && j > 1 &&
			    ca == tolower((unsigned char)b[j - 2]) &&
			    cb == tolower((unsigned char)a[i - 2]))
				best = MIN(best, pp[j - 2] + 1);
			cur[j] = best;
		}
		tmp = pp;
		pp = prev;
		prev = cur;
		cur = tmp;
	}
	return prev[lb];
}

/* Close enough to be a typo: at most 2 edits, fewer for short names. */
bool
ps_cmdlet_is_typo(const char *typed, const char *name)
{
	size_t lt = strlen(typed), ln = strlen(name), d;

	if (lt + 2 < ln || ln + 2 < lt)
		return false; /* cheap: most words are nowhere near */
	d = edit_distance(typed, name);

	return d <= (strlen(name) < 6 ? 1 : 2);
}

const char *
ps_cmdlet_suggest(const char *name)
{
	const char *best = NULL;
	size_t best_d = SIZE_MAX;

	for (size_t i = 0; i < ARRAY_SIZE(cmdlets); i++) {
		size_t d;

		if (!ps_cmdlet_is_typo(name, cmdlets[i].name))
			continue;
		d = edit_distance(name, cmdlets[i].name);
		if (d < best_d) {
			best = cmdlets[i].name;
			best_d = d;
		}
	}
	return best;
}

static bool
name_is(const struct ps_param *p, const char *name)
{
	return !strcasecmp(p->name, name) ||
	       (p->alias && !strcasecmp(p->alias, name));
}

/* The name or alias of 'p' that 'name' is a prefix of, or NULL. */
static const char *
name_starts(const struct ps_param *p, const char *name)
{
	size_t n = strlen(name);

	if (!strncasecmp(p->name, name, n))
		return p->name;
	if (p->alias && !strncasecmp(p->alias, name, n))
		return p->alias;
	return NULL;
}

bool
ps_cmdlet_remote(const struct ps_cmdlet *c)
{
	return c->id <= PS_C_VM_STATE;
}

int
ps_cmdlet_param(const struct ps_cmdlet *c, const char *name,
                const struct ps_param **out, char **msg)
{
	const struct ps_param *lists[4] = {c->params, common_params, NULL,
	                                   NULL};
	const struct ps_param *hit = NULL, *near = NULL;
	char *amb = NULL;
	size_t n_hits = 0;

	if (c->flags & PS_CF_QUIET)
		lists[2] = passthru_params;
	if (ps_cmdlet_remote(c))
		lists[3] = remote_params;
	for (size_t l = 0; l < 4; l++)
		for (const struct ps_param *p = lists[l]; p && p->name; p++)
			if (name_is(p, name)) {
				*out = p;
				return 0;
			}
	for (size_t l = 0; l < 4; l++) {
		for (const struct ps_param *p = lists[l]; p && p->name; p++) {
			const char *as = name_starts(p, name);

			if (as) {
				char *s = xasprintf("%s%s-%s", amb ? amb : "",
				                    amb ? ", " : "", as);

				free(amb);
				amb = s;
				hit = p;
				n_hits++;
			} else if (!near && ps_cmdlet_is_typo(name, p->name)) {
				near = p;
			}
		}
	}
	if (n_hits == 1 && *name) {
		free(amb);
		*out = hit;
		return 0;
	}
	if (n_hits > 1 && *name) {
		*msg = xasprintf("parameter -%s is ambiguous: %s", name, amb);
		free(amb);
		return -EINVAL;
	}
	free(amb);
	if (near)
		*msg = xasprintf("unknown parameter -%s (did you mean -%s?)",
		                 name, near->name);
	else
		*msg = xasprintf("unknown parameter -%s", name);
	return -ENOENT;
}

bool
ps_cmdlet_parse_uint(const char *s, unsigned long long max,
                     unsigned long long *out)
{
	unsigned long long v;
	char *end;
	int base = 10;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!isxdigit((unsigned char)*s) ||
	    (base == 10 && !isdigit((unsigned char)*s)))
		return false;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

static int
bind_uint(const char *text, unsigned long long lo, unsigned long long hi,
          bool zero_ok, json_t **out, char **msg)
{
	unsigned long long v;

	if (!ps_cmdlet_parse_uint(text, UINT32_MAX, &v)) {
		*msg = xasprintf("'%s' is not a number", text);
		return -EINVAL;
	}
	if ((v < lo || v > hi) && !(zero_ok && v == 0)) {
		*msg = xasprintf("%llu is outside %s%llu..%llu", v,
		                 zero_ok ? "0 or " : "", lo, hi);
		return -EINVAL;
	}
	*out = json_integer((json_int_t)v);
	return 0;
}

static int
bind_enum(const char *text, const char *const (*tab)[2], size_t n, json_t **out,
          char **msg)
{
	for (size_t i = 0; i < n; i++)
		if (!strcasecmp(text, tab[i][0]) ||
		    !strcasecmp(text, tab[i][1])) {
			*out = json_string(tab[i][0]);
			return 0;
		}
	*msg = xasprintf("'%s' is not one of ", text);
	for (size_t i = 0; i < n; i++) {
		char *s = xasprintf("%s%s%s", *msg, i ? ", " : "", tab[i][1]);

		free(*msg);
		*msg = s;
	}
	return -EINVAL;
}

static bool
has_ctrl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

int
ps_cmdlet_bind(const struct ps_param *p, const char *text, bool quoted,
               json_t **out, char **msg)
{
	static const char *const rules[][2] = {
	    {"encap", "TranslationMethodEncap"},
	    {"nat", "TranslationMethodNat"},
	    {"none", "TranslationMethodNone"},
	};
	static const char *const types[][2] = {
	    {"static", "Static"},
	    {"dynamic", "Dynamic"},
	    {"l2only", "L2Only"},
	    {"gateway-wildcard", "GatewayWildcard"},
	};
	/* ActionPreference, by name or number (Inquire and Suspend: no) */
	static const char *const actions[][2] = {
	    {"stop", "Stop"},
	    {"continue", "Continue"},
	    {"silentlycontinue", "SilentlyContinue"},
	    {"ignore", "Ignore"},
	};
	static const char *const action_nums[] = {"1", "2", "0", "4"};
	size_t len = strlen(text);

	*out = NULL;
	switch (p->type) {
	case PS_P_ACTION:
		for (size_t i = 0; i < ARRAY_SIZE(action_nums); i++)
			if (!strcmp(text, action_nums[i]))
				text = actions[i][0];
		if (!strcasecmp(text, "Inquire") || !strcmp(text, "3")) {
			*msg =
			    xasprintf("'%s' prompts, and scripts run "
			              "non-interactively: use Stop, Continue, "
			              "SilentlyContinue or Ignore",
			              text);
			return -EINVAL;
		}
		return bind_enum(text, actions, ARRAY_SIZE(actions), out, msg);
	case PS_P_VARNAME: {
		const char *n = text + (*text == '+');

		if (!*n || strspn(n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN"
		                     "OPQRSTUVWXYZ0123456789_") != strlen(n)) {
			*msg = xasprintf("'%s' is not a variable name", text);
			return -EINVAL;
		}
		break;
	}
	case PS_P_UINT32:
		return bind_uint(text, 0, UINT32_MAX, false, out, msg);
	case PS_P_PLEN:
		return bind_uint(text, 0, 128, false, out, msg);
	case PS_P_VLAN:
		return bind_uint(text, 0, 4094, false, out, msg);
	case PS_P_VSID:
		return bind_uint(text, 4096, 16777214, false, out, msg);
	case PS_P_VSID0:
		return bind_uint(text, 4096, 16777214, true, out, msg);
	case PS_P_BOOL:
	case PS_P_SWITCH:
		if (!strcasecmp(text, "true") || !strcmp(text, "1")) {
			*out = json_true();
		} else if (!strcasecmp(text, "false") || !strcmp(text, "0")) {
			*out = json_false();
		} else {
			*msg = xasprintf("'%s' is not a boolean ($true, "
			                 "$false, 1 or 0)",
			                 text);
			return -EINVAL;
		}
		return 0;
	case PS_P_IP: {
		struct in6_addr a;
		char buf[IP_ADDR_STRLEN];

		if (ip_parse(text, &a) < 0) {
			*msg = xasprintf("'%s' is not an IP address", text);
			return -EINVAL;
		}
		*out = json_string(ip_fmt(&a, buf));
		return 0;
	}
	case PS_P_PREFIX: {
		struct in6_addr a;
		char buf[IP_ADDR_STRLEN + 4];
		int plen;

		if (prefix_parse(text, &a, &plen) < 0) {
			*msg = xasprintf("'%s' is not a prefix (address/length"
			                 ", no host bits set)",
			                 text);
			return -EINVAL;
		}
		*out = json_string(prefix_fmt(&a, plen, buf));
		return 0;
	}
	case PS_P_MAC: {
		struct eth_addr e;
		char buf[ETH_ADDR_STRLEN];

		if (eth_parse(text, &e) < 0) {
			*msg = xasprintf("'%s' is not a MAC address", text);
			return -EINVAL;
		}
		*out = json_string(eth_fmt(&e, buf));
		return 0;
	}
	case PS_P_GUID: {
		struct guid g;
		char buf[GUID_STRLEN];

		if (guid_parse(text, &g) < 0) {
			*msg = xasprintf("'%s' is not a GUID", text);
			return -EINVAL;
		}
		*out = json_string(guid_fmt(&g, buf));
		return 0;
	}
	case PS_P_RULE:
		return bind_enum(text, rules, ARRAY_SIZE(rules), out, msg);
	case PS_P_LRTYPE:
		return bind_enum(text, types, ARRAY_SIZE(types), out, msg);
	case PS_P_NAME:
		if (!len || len > 63 || has_ctrl(text)) {
			*msg = xasprintf("'%s' is not a valid name (1 to 63 "
			                 "characters)",
			                 text);
			return -EINVAL;
		}
		break;
	case PS_P_IFNAME:
		if (!len || len > 15 || strpbrk(text, "/: \t") ||
		    has_ctrl(text) || !strcmp(text, ".") ||
		    !strcmp(text, "..")) {
			*msg = xasprintf("'%s' is not a Linux interface name "
			                 "(1 to 15 characters, no spaces, '/' "
			                 "or ':')",
			                 text);
			return -EINVAL;
		}
		break;
	default:
		break;
	}
	(void)quoted;
	*out = json_string(text);
	if (!*out) {
		*msg = xstrdup("value is not valid UTF-8");
		return -EINVAL;
	}
	return 0;
}
