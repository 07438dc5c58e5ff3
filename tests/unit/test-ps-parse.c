/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-ps-parse: hnvctl ps's lexer, parameter binding and parser, table
 * driven: token streams, scripts that must parse (with their statement
 * counts), scripts that must fail (with their first error message), value
 * binding, parameter-name resolution and -like wildcards.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Tests internals: ps-int.h, not only the API in ps.h. */
#include "ctl/ps/ps-int.h"
#include "lib/util.h"
#include "tests/unit/harness.h"

/* ---- lexer ---- */

/* Kinds and texts of the tokens of 'src' as "KIND:text KIND:text ...". */
static char *
lex_dump(const char *src)
{
	struct ps_toks toks;
	char *out = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&out, &n);

	ps_lex(src, strlen(src), &toks);
	for (size_t i = 0; i < toks.n; i++) {
		static const char *const k[] = {
		    "EOF", "NL", "SEMI",  "PIPE", "COMMA", "ASSIGN",
		    "LB",  "RB", "LP",    "RP",   "W",     "S",
		    "P",   "V",  "OTHER", "ERR",
		};
		const struct ps_tok *t = &toks.v[i];

		if (t->kind == PS_T_EOF)
			break;
		fprintf(f, "%s%s", i ? " " : "", k[t->kind]);
		if (t->kind >= PS_T_WORD)
			fprintf(f, ":%s", t->text);
		for (size_t j = 0; j < t->n_props; j++)
			fprintf(f, ".%s", t->props[j]);
		if (t->colon)
			fprintf(f, ":");
	}
	fclose(f);
	ps_lex_free(&toks);
	return out;
}

static void
test_lex(void)
{
	static const struct {
		const char *src, *want;
	} cases[] = {
	    {"New-VM -Name \"Contoso1\"", "W:New-VM P:Name S:Contoso1"},
	    {"Get-X -A:$true", "W:Get-X P:A: V:true"},
	    /* en dash and typographic quotes, as pasted from a blog */
	    {"New-X \xe2\x80\x93Name \xe2\x80\x9c"
	     "a b\xe2\x80\x9d",
	     "W:New-X P:Name S:a b"},
	    {"'it''s' \"say \"\"hi\"\"\"", "S:it's S:say \"hi\""},
	    {"\"a`tb`\"c\"", "S:a\tb\"c"},
	    {"a # comment\nb", "W:a NL W:b"},
	    {"a <# block\ncomment #> b", "W:a W:b"},
	    {"a `\n-b", "W:a P:b"},
	    {"a `\r\n-b", "W:a P:b"},
	    {"$NIC.InterfaceIndex", "V:NIC.InterfaceIndex"},
	    {"$_.MacAddress -eq 5", "V:_.MacAddress P:eq W:5"},
	    {"fl A,B", "W:fl W:A COMMA W:B"},
	    {"x | y; z", "W:x PIPE W:y SEMI W:z"},
	    {"$x = 5", "V:x ASSIGN W:5"},
	    {"{$_.A -eq \"b\"}", "LB V:_.A P:eq S:b RB"},
	    {"10.0.1.0/24 -5 * 0x10", "W:10.0.1.0/24 W:-5 W:* W:0x10"},
	    {"(a)", "LP W:a RP"},
	    {"(Get-X a).Index", "LP W:Get-X W:a RP.Index"},
	    {"((a).B.C)", "LP LP W:a RP.B.C RP"},
	    {"(a) .B", "LP W:a RP W:.B"},
	    {"(a).B()", "LP W:a RP.B OTHER:method calls RP"},
	    {"(a)(b)", "LP W:a RP LP W:b RP"},
	    {"$(x)", "OTHER:$(...) subexpressions W:x RP"},
	    {"$x.Go()", "V:x.Go OTHER:method calls RP"},
	    {"a && b", "W:a OTHER:the && operator W:b"},
	    {"$env:PATH", "OTHER:scoped variables ($env:) W:PATH"},
	    {"${vm}.Name", "V:vm.Name"},
	    {"${a:b}", "OTHER:${...} variable names other than ${name} W:a:b "
	               "RB"},
	    {"ab\"c d\"e", "S:abc de"},
	    {"\"abc", "ERR:unterminated string"},
	    {"'abc", "ERR:unterminated string"},
	    {"<# abc", "ERR:unterminated comment <#"},
	    {"$", "W:$"},
	    {"\xef\xbb\xbfGet-X", "W:Get-X"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *got = lex_dump(cases[i].src);

		CHECK_STR(got, cases[i].want);
		free(got);
	}
}

/* The parts of expandable strings and words, as "lit|$var.Prop|lit",
 * or "!message" for an unsupported expansion. */
static char *
parts_dump(const char *src)
{
	struct ps_toks toks;
	char *out = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&out, &n);

	ps_lex(src, strlen(src), &toks);
	for (size_t i = 0; i < toks.n; i++) {
		const struct ps_tok *t = &toks.v[i];

		if (!t->expands)
			continue;
		if (t->bad_expansion) {
			fprintf(f, "!%s", t->bad_expansion);
			continue;
		}
		for (size_t j = 0; j < t->n_parts; j++) {
			const struct ps_part *pt = &t->parts[j];

			fprintf(f, "%s%s%s", j ? "|" : "",
			        pt->is_var ? "$" : "", pt->text);
			for (size_t k = 0; k < pt->n_props; k++)
				fprintf(f, ".%s", pt->props[k]);
		}
	}
	fclose(f);
	ps_lex_free(&toks);
	return out;
}

static void
test_lex_expand(void)
{
	static const struct {
		const char *src, *want;
	} cases[] = {
	    {"\"a $x b\"", "a |$x| b"},
	    {"\"$x.Name\"", "$x|.Name"}, /* PowerShell: $x, then ".Name" */
	    {"\"$($x.Name) up\"", "$x.Name| up"},
	    {"\"$( $vm )\"", "$vm"},
	    {"\"${a}b\"", "$a|b"},
	    {"Web$i", "Web|$i"},
	    {"\"`$x $y\"", "$x |$y"},
	    {"'$x'\"$y\"", "$x|$y"},
	    {"\"cost: $\" '$x'", ""},
	    {"\"$(Get-Date)\"",
	     "!$(...) is expanded only as $($name) or $($name.Property)"},
	    {"\"$env:PATH\"", "!scoped variables ($env:) are not supported"},
	    {"\"$vm: up\"", "!\"$vm:\" reads as a scoped variable (PowerShell "
	                    "rejects it): write ${vm}:"},
	    {"\"$?\"", "!'$?' is not expanded: write `$ for a literal $"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *got = parts_dump(cases[i].src);

		CHECK_STR(got, cases[i].want);
		free(got);
	}
}

static void
test_lex_lines(void)
{
	static const char src[] = "a\n\"b\nc\"\n<#\n#> d `\ne\n";
	struct ps_toks toks;

	ps_lex(src, strlen(src), &toks);
	CHECK_EQ(toks.n, 8); /* a NL "b c" NL d e NL EOF */
	CHECK_EQ(toks.v[0].line, 1);
	CHECK_EQ(toks.v[2].line, 2); /* the string starts on line 2 */
	CHECK_EQ(toks.v[4].line, 5); /* d */
	CHECK_EQ(toks.v[5].line, 6); /* e, after the continuation */
	ps_lex_free(&toks);
}

static void
test_lex_nul(void)
{
	static const char src[] = "a\0b";
	struct ps_toks toks;

	ps_lex(src, 3, &toks);
	CHECK_EQ(toks.v[1].kind, PS_T_ERROR);
	CHECK_EQ(toks.v[2].kind, PS_T_EOF);
	ps_lex_free(&toks);
}

/* ---- parser ---- */

static void
test_parse_ok(void)
{
	static const struct {
		const char *src;
		size_t stmts;
	} cases[] = {
	    {"", 0},
	    {"# nothing\n\n<# at all #>\n", 0},
	    {"New-VMSwitch \"HNVSwitch\"\n\n-NetAdapterName \"Ethernet\""
	     "\n\n-AllowManagementOS 1\n",
	     1},
	    {"New-VM\n# the name\n-Name A\n\n\n-SwitchName S\nNew-VM B", 2},
	    {"Install-WindowsFeature\n-Name Hyper-V\n-ComputerName local "
	     "host\n-IncludeManagementTools\n-Restart",
	     1},
	    {"Enable-NetAdapterBinding Ethernet -ComponentID ms_netwnv", 1},
	    {"$NIC = Get-NetAdapter Ethernet\n"
	     "New-NetVirtualizationProviderAddress -InterfaceIndex "
	     "$NIC.InterfaceIndex -ProviderAddress \"192.168.1.10\" "
	     "-PrefixLength 24",
	     2},
	    {"Get-VMNetworkAdapter -VMName BlueVM1 | where "
	     "{$_.MacAddress -eq \"101010101105\"} | Set-VMNetworkAdapter "
	     "-VirtualSubnetID 6001",
	     1},
	    {"Get-VMNetworkAdapter * | fl VMName,MacAddress,"
	     "VirtualSubnetId,SwitchName",
	     1},
	    {"get-vmnetworkadapter * |\n  FL *", 1},
	    {"Get-VMNetworkAdapter *\n| ft Name", 1},
	    {"Get-VMNetworkAdapter | Where-Object VMName -like web*", 1},
	    {"Get-VMNetworkAdapter | ? { $_.VirtualSubnetId -ge 4096 "
	     "-and\n $PSItem.Name -cne 'x' -or 5 -lt $_.VirtualSubnetId }",
	     1},
	    {"New-NetVirtualizationLookupRecord -CustomerAddress 0.0.0.0 "
	     "-VirtualSubnetID 6000 -MACAddress 600060000106 "
	     "-ProviderAddress 192.168.0.33 -Type L2Only",
	     1},
	    {"New-NetVirtualizationLookupRecord -VirtualSubnetID 6000 "
	     "-MACAddress 600060000106 -ProviderAddress 192.168.0.33 -Type "
	     "L2Only",
	     1},
	    {"New-NetVirtualizationLookupRecord -virt 6000 -mac "
	     "60-00-60-00-01-06 -pro 192.168.0.33 -customera 10.0.0.5 -R "
	     "tRaNsLaTiOnMeThOdNaT",
	     1},
	    {"Get-NetVirtualizationLookupRecord | "
	     "Remove-NetVirtualizationLookupRecord -Confirm:$false",
	     1},
	    {"$x = 5; $x; \"text\"; 42", 4},
	    {"$x =\n\nGet-VMSwitch", 1},
	    {"New-NetVirtualizationCustomerRoute -RoutingDomainID "
	     "{11111111-2222-3333-4444-000000000000} -VirtualSubnetID "
	     "\"6001\" -DestinationPrefix \"10.1.1.0/24\" -NextHop "
	     "\"0.0.0.0\" -Metric 255 ",
	     1},
	    {"Set-VMNetworkAdapterIsolation -VMName MT-GW "
	     "-IsolationModeNativeVirtualSubnet",
	     1},
	    {"New-VM -Name X -MemoryStartupBytes 1GB -Generation 2 "
	     "-NoVHD",
	     1},
	    /* the idioms: Select-Object, Sort-Object, Measure-Object */
	    {"Get-NetVirtualizationLookupRecord | select CustomerAddress, "
	     "MACAddress",
	     1},
	    {"Get-NetVirtualizationLookupRecord | Select-Object -Property * "
	     "-First 2 | Format-List",
	     1},
	    {"Get-VMNetworkAdapter -All | select -exp MacAddress -Unique", 1},
	    {"Get-VM | select Name, State | where { $_.Name -like 'c*' } | "
	     "sort Name -Descending | ft Name",
	     1},
	    {"$x = Get-VM | select Name\n$x.Name\n$x | fl N*", 3},
	    {"Get-NetVirtualizationLookupRecord | sort VirtualSubnetID, "
	     "CustomerAddress -desc -Unique",
	     1},
	    {"$m = Get-VM | measure\n$m.Count\nGet-VMNetworkAdapter * | "
	     "Measure-Object -Property VirtualSubnetId -Sum -Average "
	     "-Maximum -Minimum",
	     3},
	    {"3, 1, 2 | sort | select -Last 2 -Skip 0", 1},
	    /* Write-Host, Write-Output, values, expansion */
	    {"$vm = Get-VM Contoso1\nWrite-Host \"VM:\" $vm.Name "
	     "-ForegroundColor Green\nWrite-Host \"$($vm.Name) is "
	     "$($vm.State)\" -NoNewline\necho $vm | ft\nwrite 42, 'x'\n"
	     "$vm\n\"Name: ${vm}\"",
	     7},
	    {"$i = 1\nNew-VM -Name \"Web$i\"\nNew-VM Web$i", 3},
	    /* common parameters */
	    {"Remove-VM -Name A -Force -WhatIf -Confirm:$false -Verbose "
	     "-Debug",
	     1},
	    {"Get-VM -Name A -ErrorAction SilentlyContinue -ErrorVariable "
	     "e\n$e\nGet-VM -ea 0 -ev +e -wa Ignore -wv w -ov vms\n$vms | "
	     "Remove-VM\n\"$w\"",
	     5},
	    {"New-NetVirtualizationLookupRecord -CustomerAddress 10.0.1.5 "
	     "-VirtualSubnetID 6000 -MACAddress 600060000105 "
	     "-ProviderAddress 192.168.0.22 -OutVariable r -WhatIf:$false\n"
	     "$r.MACAddress",
	     2},
	    {"$ErrorActionPreference = 'Continue'\nGet-VM", 2},
	    /* Hyper-V VM cmdlets */
	    {"Get-VM\nGet-VM *\nGet-VM -Name Contoso1 | "
	     "Get-VMNetworkAdapter\nGet-VM | Remove-VM -Force\nStart-VM "
	     "-Name A\nStop-VM A -Force -TurnOff\nRestart-VM -VMName A "
	     "-Force -Wait -For Heartbeat\nGet-VM c* | Stop-VM -PassThru\n"
	     "Get-VM A | Add-VMNetworkAdapter -SwitchName S",
	     9},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct ps_script *s =
		    ps_parse("t.ps1", cases[i].src, strlen(cases[i].src));

		if (ps_script_n_errors(s))
			fprintf(stderr, "case %zu: %s\n", i,
			        ps_script_error(s, 0));
		CHECK_EQ(ps_script_n_errors(s), 0);
		CHECK_EQ(ps_script_n_statements(s), cases[i].stmts);
		ps_script_destroy(s);
	}
}

static void
test_parse_errors(void)
{
	static const struct {
		const char *src, *want;
	} cases[] = {
	    {"Instal1-WindowsFeature -Name Hyper-V",
	     "t.ps1:1: Instal1-WindowsFeature: unknown cmdlet (did you "
	     "mean Install-WindowsFeature?)"},
	    {"\n\nping 10.0.1.1", "t.ps1:3: ping: unknown cmdlet"},
	    {"New-VM\n\n-Nmae X",
	     "t.ps1:3: New-VM: unknown parameter -Nmae (did you mean "
	     "-Name?)"},
	    {"Set-VMNetworkAdapter -VMName A -V 6000",
	     "t.ps1:1: Set-VMNetworkAdapter: parameter -V is ambiguous: "
	     "-VMName, -VMNetworkAdapterName, -VirtualSubnetId, -Verbose"},
	    {"Set-VMNetworkAdapter -VMName A -VirtualSubnetID abc",
	     "t.ps1:1: Set-VMNetworkAdapter: -VirtualSubnetId: 'abc' is "
	     "not a number"},
	    {"Set-VMNetworkAdapter -VMName A -VirtualSubnetID 4095",
	     "t.ps1:1: Set-VMNetworkAdapter: -VirtualSubnetId: 4095 is "
	     "outside 0 or 4096..16777214"},
	    {"New-VM -Name \"A\n\n", "t.ps1:1: New-VM: unterminated string"},
	    {"New-VM -Name A -SwitchName",
	     "t.ps1:1: New-VM: missing a value for -SwitchName"},
	    {"New-NetVirtualizationProviderAddress -ProviderAddress 1.2.3.4 "
	     "-PrefixLength 24",
	     "t.ps1:1: New-NetVirtualizationProviderAddress: missing "
	     "mandatory parameter -InterfaceIndex"},
	    {"foreach ($a Get-VM) { }",
	     "t.ps1:1: foreach: expected 'in' after $a"},
	    {"foreach ($a in Get-VM) { New-VM -Name $a.Nmae }",
	     "t.ps1:1: New-VM: VirtualMachine objects have no property "
	     "'Nmae' (did you mean Name?)"},
	    {"Get-VM | % { New-VM -Name $_.Nmae }",
	     "t.ps1:1: New-VM: VirtualMachine objects have no property "
	     "'Nmae' (did you mean Name?)"},
	    {"Get-VM | % { Get-VM\n", "t.ps1:1: ForEach-Object: missing "
	                              "'}' to close the script block"},
	    {"ForEach-Object { Get-VM }",
	     "t.ps1:1: ForEach-Object: needs pipeline input (foreach ($x in "
	     "$list) { ... } loops over a list)"},
	    {"New-VM -Name $_.Name",
	     "t.ps1:1: New-VM: $_ is only defined inside Where-Object { ... } "
	     "and ForEach-Object { ... }"},
	    {"New-VM -Name (Get-NetAdapter Ethernet).Nmae",
	     "t.ps1:1: New-VM: NetAdapter objects have no property 'Nmae' "
	     "(did you mean Name?)"},
	    {"New-VM -Name (Get-NetAdapter -Nmae Ethernet).Name",
	     "t.ps1:1: Get-NetAdapter: unknown parameter -Nmae (did you mean "
	     "-Name?)"},
	    {"New-VM -Name (Get-NetAdapter Ethernet", "t.ps1:1: New-VM: "
	                                              "missing ')'"},
	    {"New-VM -Name ()", "t.ps1:1: New-VM: empty ( )"},
	    {"$x = (Get-VM).Name.Length",
	     "t.ps1:1: only one level of properties ((Get-VM).Name) is "
	     "supported"},
	    {"(Get-VM).Name).Count", "t.ps1:1: unexpected ')'"},
	    {"Get-VMSwitch | Set-VMNetworkAdapter -VirtualSubnetId 6000",
	     "t.ps1:1: Set-VMNetworkAdapter: takes VMNetworkAdapter "
	     "objects, not VMSwitch objects"},
	    {"Get-VMSwitch | where { $_.Nmae -eq \"x\" }",
	     "t.ps1:1: Where-Object: VMSwitch objects have no property "
	     "'Nmae' (did you mean Name?)"},
	    {"Get-VMSwitch | where { $_.Name -match \"x\" }",
	     "t.ps1:1: Where-Object: unsupported operator -match "
	     "(supported: -eq, -ne, -like, -notlike, -gt, -ge, -lt, -le)"},
	    {"Get-VMSwitch | where { \"x\" -eq \"y\" }",
	     "t.ps1:1: Where-Object: a comparison must test a property of "
	     "the pipeline object: { $_.Property -eq value }"},
	    {"Get-VMSwitch | where { $_.Name -eq \"x\"",
	     "t.ps1:1: Where-Object: missing '}' to close the script "
	     "block"},
	    {"Get-VMSwitch | where", "t.ps1:1: Where-Object: missing the "
	                             "condition: { $_.Property -eq value }"},
	    {"Get-VMSwitch |", "t.ps1:1: missing a cmdlet after '|'"},
	    {"New-VM -Name $vm", "t.ps1:1: New-VM: variable $vm is not set"},
	    {"$n = Get-NetAdapter Ethernet\nNew-VM -Name $n.Nmae",
	     "t.ps1:2: New-VM: NetAdapter objects have no property 'Nmae' "
	     "(did you mean Name?)"},
	    {"$n = 5\nNew-VM -Name $n.Length",
	     "t.ps1:2: New-VM: $n holds a plain value: it has no property "
	     "'Length'"},
	    {"-Name A", "t.ps1:1: -Name: a parameter with no cmdlet before "
	                "it"},
	    {"Get-VMSwitch A B", "t.ps1:1: Get-VMSwitch: unexpected "
	                         "argument 'B' (no positional parameter "
	                         "takes it)"},
	    {"New-VM -Name A -Name B",
	     "t.ps1:1: New-VM: parameter -Name is given twice"},
	    {"New-VM -Name A,B",
	     "t.ps1:1: New-VM: -Name takes one value, not a list"},
	    {"New-VM -Name \"Web$i\"",
	     "t.ps1:1: New-VM: variable $i is not set"},
	    {"New-VM -Name \"$(Get-Date)\"",
	     "t.ps1:1: New-VM: in \"$(Get-Date)\": $(...) is expanded only "
	     "as $($name) or $($name.Property)"},
	    {"$n = Get-NetAdapter Ethernet\nWrite-Host \"$($n.Nmae)\"",
	     "t.ps1:2: Write-Host: NetAdapter objects have no property "
	     "'Nmae' (did you mean Name?)"},
	    {"Get-VMSwitch | where { $_.Name -eq \"$_\" }",
	     "t.ps1:1: Where-Object: $_ inside a string is not supported"},
	    /* Select-Object and the others */
	    {"Get-VM | select Nmae",
	     "t.ps1:1: Select-Object: VirtualMachine objects have no property "
	     "'Nmae' (did you mean Name?)"},
	    {"Get-VM | select Name | ft State",
	     "t.ps1:1: Format-Table: Selected.VirtualMachine objects have no "
	     "property 'State' (Select-Object kept Name)"},
	    {"$v = Get-VM | select Name, Status\n$v.State",
	     "t.ps1:2: Selected.VirtualMachine objects have no property "
	     "'State' (Select-Object kept Name, Status)"},
	    {"Get-VM | select Name -ExpandProperty Name",
	     "t.ps1:1: Select-Object: give -Property or -ExpandProperty, not "
	     "both"},
	    {"Get-VM | select -ExpandProperty N*",
	     "t.ps1:1: Select-Object: -ExpandProperty takes one property "
	     "name, without wildcards"},
	    {"5 | select Name",
	     "t.ps1:1: Select-Object: plain values have no property 'Name'"},
	    {"5 | select \"\xff\"",
	     "t.ps1:1: Select-Object: -Property: '\xff' is not a property "
	     "name (not UTF-8)"},
	    {"Get-VM | select -First many",
	     "t.ps1:1: Select-Object: -First: 'many' is not a number"},
	    {"Get-VM | sort -Property Stat",
	     "t.ps1:1: Sort-Object: VirtualMachine objects have no property "
	     "'Stat' (did you mean State?)"},
	    {"Get-VM | measure -Line",
	     "t.ps1:1: Measure-Object: unknown parameter -Line"},
	    {"Get-VM | Measure-Object | Remove-VM",
	     "t.ps1:1: Remove-VM: takes VirtualMachine objects, not "
	     "GenericMeasureInfo objects"},
	    {"Write-Host { $_.Name -eq 1 }",
	     "t.ps1:1: Write-Host: -Object: script blocks are only "
	     "supported in Where-Object"},
	    /* common parameters */
	    {"Get-VM -ErrorAction Inquire",
	     "t.ps1:1: Get-VM: -ErrorAction: 'Inquire' prompts, and scripts "
	     "run non-interactively: use Stop, Continue, SilentlyContinue or "
	     "Ignore"},
	    {"Get-VM -WarningAction Suspend",
	     "t.ps1:1: Get-VM: -WarningAction: 'Suspend' is not one of Stop, "
	     "Continue, SilentlyContinue, Ignore"},
	    {"$e = 1\nGet-VM -ErrorVariable $e",
	     "t.ps1:2: Get-VM: -ErrorVariable takes a variable name, without "
	     "'$' (-ErrorVariable e)"},
	    {"Get-VM -OutVariable null",
	     "t.ps1:1: Get-VM: -OutVariable: that variable cannot be set"},
	    {"Get-VM -OutVariable 'a b'",
	     "t.ps1:1: Get-VM: -OutVariable: 'a b' is not a variable name"},
	    {"Get-VM -E Stop", "t.ps1:1: Get-VM: parameter -E is ambiguous: "
	                       "-ErrorAction, -ErrorVariable"},
	    {"Get-VM -ov x\n$y.Name", "t.ps1:2: variable $y is not set"},
	    /* VM cmdlets */
	    {"Remove-VM", "t.ps1:1: Remove-VM: missing mandatory parameter "
	                  "-Name"},
	    {"Stop-VM -Name A -Save",
	     "t.ps1:1: Stop-VM: unknown parameter -Save"},
	    {"Get-VM | Get-VMNetworkAdapter -VMName A",
	     "t.ps1:1: Get-VMNetworkAdapter: -VMName cannot be combined with "
	     "pipeline input (the VMs)"},
	    {"Get-VMSwitch | Get-VMNetworkAdapter",
	     "t.ps1:1: Get-VMNetworkAdapter: takes VirtualMachine objects, "
	     "not VMSwitch objects"},
	    {"Get-VMNetworkAdapter -All | Stop-VM",
	     "t.ps1:1: Stop-VM: takes VirtualMachine objects, not "
	     "VMNetworkAdapter objects"},
	    {"Get-VMSwitch | New-VM -Name A",
	     "t.ps1:1: New-VM: takes no pipeline input"},
	    {"$true = 1", "t.ps1:1: $true cannot be assigned"},
	    {"Get-VMSwitch > x", "t.ps1:1: Get-VMSwitch: unsupported "
	                         "construct: redirection (hnvctl ps runs "
	                         "cmdlets, pipelines and $variable "
	                         "assignments)"},
	    {"Get-NetVirtualizationLookupRecord | "
	     "Set-NetVirtualizationLookupRecord -CustomerAddress 10.0.0.1 "
	     "-ProviderAddress 1.2.3.4",
	     "t.ps1:1: Set-NetVirtualizationLookupRecord: -CustomerAddress "
	     "selects objects: it cannot be combined with pipeline input"},
	    {"Set-NetVirtualizationLookupRecord -Type L2Only",
	     "t.ps1:1: Set-NetVirtualizationLookupRecord: unknown parameter "
	     "-Type"},
	    {"a\0b", "t.ps1:1: a: unknown cmdlet"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		size_t len = strlen(cases[i].src);
		struct ps_script *s;

		if (!strcmp(cases[i].src, "a"))
			len = 3; /* the NUL case */
		s = ps_parse("t.ps1", cases[i].src, len);
		CHECK(ps_script_n_errors(s) > 0);
		CHECK_STR(ps_script_error(s, 0), cases[i].want);
		ps_script_destroy(s);
	}
}

/* Every error of a script is reported, not just the first. */
static void
test_parse_all_errors(void)
{
	static const char src[] = "Bad-One\nNew-VM -Name A\nBad-Two -x\n"
	                          "-Continued 1\nNew-VM -Name 'ok'\n"
	                          "Bad-Three";
	struct ps_script *s = ps_parse("t.ps1", src, strlen(src));

	CHECK_EQ(ps_script_n_errors(s), 3);
	CHECK_STR(ps_script_error(s, 1), "t.ps1:3: Bad-Two: unknown cmdlet");
	CHECK_STR(ps_script_error(s, 2), "t.ps1:6: Bad-Three: unknown cmdlet");
	ps_script_destroy(s);
}

static void
test_parse_binding(void)
{
	static const char src[] =
	    "New-NetVirtualizationLookupRecord -CustomerAddress 10.0.1.101 "
	    "-VirtualSubnetID \"6000\" -MACAddress 600060000101 "
	    "-ProviderAddress 192.168.0.22 -Rule \"TranslationMethodEncap\" "
	    "-CustomerID {12345678-AAAA-2000-3000-123456780001} "
	    "-UseVmMACAddress $true";
	struct ps_script *s = ps_parse("t.ps1", src, strlen(src));
	const struct ps_cmd *c;

	CHECK_EQ(ps_script_n_errors(s), 0);
	if (ps_script_n_errors(s)) {
		ps_script_destroy(s);
		return;
	}
	c = &s->stmts[0].elems[0].cmd;
	CHECK_EQ(json_integer_value(ps_parse_arg(c, "VirtualSubnetID")->bound),
	         6000);
	CHECK_STR(json_string_value(ps_parse_arg(c, "MACAddress")->bound),
	          "60:00:60:00:01:01");
	CHECK_STR(json_string_value(ps_parse_arg(c, "Rule")->bound), "encap");
	CHECK_STR(json_string_value(ps_parse_arg(c, "CustomerID")->bound),
	          "{12345678-aaaa-2000-3000-123456780001}");
	CHECK(json_is_true(ps_parse_arg(c, "UseVmMACAddress")->bound));
	ps_script_destroy(s);
}

static void
test_bind(void)
{
	static const struct {
		enum ps_ptype type;
		const char *in, *want; /* want NULL: error */
	} cases[] = {
	    {PS_P_UINT32, "12", "12"},
	    {PS_P_UINT32, "0x10", "16"},
	    {PS_P_UINT32, "4294967296", NULL},
	    {PS_P_UINT32, "-1", NULL},
	    {PS_P_UINT32, "", NULL},
	    {PS_P_VSID, "4096", "4096"},
	    {PS_P_VSID, "16777215", NULL},
	    {PS_P_VSID0, "0", "0"},
	    {PS_P_PLEN, "129", NULL},
	    {PS_P_VLAN, "4095", NULL},
	    {PS_P_BOOL, "True", "true"},
	    {PS_P_BOOL, "0", "false"},
	    {PS_P_BOOL, "yes", NULL},
	    {PS_P_IP, "10.0.1.1", "\"10.0.1.1\""},
	    {PS_P_IP, "2001:DB8::1", "\"2001:db8::1\""},
	    {PS_P_IP, "10.1.3.2.0.1", NULL},
	    {PS_P_PREFIX, "0.0.0.0/0", "\"0.0.0.0/0\""},
	    {PS_P_PREFIX, "10.0.1.0/33", NULL},
	    {PS_P_MAC, "60-00-60-00-01-01", "\"60:00:60:00:01:01\""},
	    {PS_P_MAC, "6000600001", NULL},
	    {PS_P_GUID, "12345678-1000-2000-3000-123456780001",
	     "\"{12345678-1000-2000-3000-123456780001}\""},
	    {PS_P_RULE, "TranslationMethodNone", "\"none\""},
	    {PS_P_LRTYPE, "l2only", "\"l2only\""},
	    {PS_P_LRTYPE, "GatewayWildcard", "\"gateway-wildcard\""},
	    {PS_P_LRTYPE, "Learnt", NULL},
	    {PS_P_IFNAME, "eth0", "\"eth0\""},
	    {PS_P_IFNAME, "Network Adapter", NULL},
	    {PS_P_IFNAME, "sixteen-chars-xx", NULL},
	    {PS_P_NAME, "", NULL},
	    {PS_P_STRING, "\xff", NULL},
	    {PS_P_ACTION, "silentlycontinue", "\"silentlycontinue\""},
	    {PS_P_ACTION, "Stop", "\"stop\""},
	    {PS_P_ACTION, "4", "\"ignore\""},
	    {PS_P_ACTION, "Inquire", NULL},
	    {PS_P_ACTION, "3", NULL},
	    {PS_P_ACTION, "Break", NULL},
	    {PS_P_VARNAME, "nics", "\"nics\""},
	    {PS_P_VARNAME, "+errs", "\"+errs\""},
	    {PS_P_VARNAME, "$x", NULL},
	    {PS_P_VARNAME, "+", NULL},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct ps_param p = {"P", cases[i].type, "p", -1, 0, NULL};
		json_t *out = NULL;
		char *msg = NULL, *got;
		int r = ps_cmdlet_bind(&p, cases[i].in, false, &out, &msg);

		if (!cases[i].want) {
			CHECK(r < 0);
			CHECK(msg != NULL);
			free(msg);
			json_decref(out);
			continue;
		}
		CHECK_EQ(r, 0);
		got = out ? json_dumps(out, JSON_ENCODE_ANY) : NULL;
		CHECK_STR(got, cases[i].want);
		free(got);
		free(msg);
		json_decref(out);
	}
}

static void
test_param_names(void)
{
	const struct ps_cmdlet *c =
	    ps_cmdlet_find("new-netvirtualizationlookuprecord");
	const struct ps_param *p;
	char *msg = NULL;

	CHECK(c != NULL);
	if (!c)
		return;
	CHECK_EQ(ps_cmdlet_param(c, "virtualsubnetid", &p, &msg), 0);
	CHECK_STR(p->name, "VirtualSubnetID");
	CHECK_EQ(ps_cmdlet_param(c, "MacAddress", &p, &msg), 0);
	CHECK_STR(p->name, "MACAddress");
	CHECK_EQ(ps_cmdlet_param(c, "Prov", &p, &msg), 0);
	CHECK_STR(p->name, "ProviderAddress");
	CHECK_EQ(ps_cmdlet_param(c, "C", &p, &msg), -EINVAL);
	free(msg);
	msg = NULL;
	CHECK_EQ(ps_cmdlet_param(c, "Foo", &p, &msg), -ENOENT);
	free(msg);
	CHECK(ps_cmdlet_find("fl") == ps_cmdlet_find("Format-List"));
	CHECK(ps_cmdlet_find("?") == ps_cmdlet_find("where-object"));
	CHECK(ps_cmdlet_find("Get-Nothing") == NULL);
	CHECK_STR(ps_cmdlet_suggest("Get-VMNetworkAdaptor"),
	          "Get-VMNetworkAdapter");
	CHECK(ps_cmdlet_suggest("ping") == NULL);
	CHECK(ps_cmdlet_find("select") == ps_cmdlet_find("Select-Object"));
	CHECK(ps_cmdlet_find("SORT") == ps_cmdlet_find("Sort-Object"));
	CHECK(ps_cmdlet_find("measure") == ps_cmdlet_find("Measure-Object"));
	CHECK(ps_cmdlet_find("echo") == ps_cmdlet_find("Write-Output"));
	CHECK(ps_cmdlet_find("write") == ps_cmdlet_find("Write-Output"));
	/* the common parameters, their aliases and prefixes */
	msg = NULL;
	CHECK_EQ(ps_cmdlet_param(c, "ea", &p, &msg), 0);
	CHECK_STR(p->name, "ErrorAction");
	CHECK_EQ(ps_cmdlet_param(c, "WhatI", &p, &msg), 0);
	CHECK_STR(p->name, "WhatIf");
	CHECK_EQ(ps_cmdlet_param(c, "ov", &p, &msg), 0);
	CHECK_STR(p->name, "OutVariable");
	CHECK_EQ(ps_cmdlet_param(c, "WarningV", &p, &msg), 0);
	CHECK_STR(p->name, "WarningVariable");
	c = ps_cmdlet_find("Select-Object");
	CHECK_EQ(ps_cmdlet_param(c, "exp", &p, &msg), 0);
	CHECK_STR(p->name, "ExpandProperty");
}

static void
test_like(void)
{
	static const struct {
		const char *pat, *s;
		bool cs, want;
	} cases[] = {
	    {"*", "", false, true},
	    {"*", "abc", false, true},
	    {"a*", "ABC", false, true},
	    {"a*", "ABC", true, false},
	    {"*c", "abc", false, true},
	    {"a?c", "abc", false, true},
	    {"a?c", "ac", false, false},
	    {"[a-c]x", "bx", false, true},
	    {"[a-c]x", "dx", false, false},
	    {"web*", "Web1", false, true},
	    {"*1*01", "101010101101", false, true},
	    {"a`*", "a*", false, true},
	    {"a`*", "ab", false, false},
	    {"[ab", "[ab", false, true},
	    {"**a", "ba", false, true},
	    {"a", "ab", false, false},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		CHECK_EQ(ps_obj_like(cases[i].pat, cases[i].s, cases[i].cs),
		         cases[i].want);
}

const struct test_case tests[] = {
    TEST(test_lex),
    TEST(test_lex_expand),
    TEST(test_lex_lines),
    TEST(test_lex_nul),
    TEST(test_parse_ok),
    TEST(test_parse_errors),
    TEST(test_parse_all_errors),
    TEST(test_parse_binding),
    TEST(test_bind),
    TEST(test_param_names),
    TEST(test_like),
    {0},
};
