/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-ps: `hnvctl ps [--check] FILE|-` runs a PowerShell script of HNV
 * cmdlets against the agent, or the controller (ctl/ps/ps.h).  The whole
 * script is checked first; nothing runs if it has errors.  --check stops
 * after the check and needs neither.  Under --controller, a cmdlet's
 * -ComputerName (or -CimSession) picks the host of its host-scoped
 * objects, else --host does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"
#include "ctl/ps/ps.h"

#define MAX_SCRIPT (16u << 20)

static void
usage(FILE *f)
{
	fprintf(f,
	        "usage: hnvctl [--agent PATH] ps [--check] FILE|-\n"
	        "       hnvctl --controller URL [--host NAME] [--agent PATH] "
	        "ps FILE|-\n"
	        "Runs a PowerShell script of Hyper-V Network Virtualization "
	        "cmdlets (the\nbooks' and blogs' scripts, unchanged) against "
	        "hnv-agent, or hnv-controller.\nThe script is checked first: "
	        "unknown cmdlets or parameters, bad values\nand unsupported "
	        "constructs are reported as FILE:LINE: CMDLET: message,\nand "
	        "nothing runs.  At the first request refused, the script "
	        "stops.\nUnder --controller, -ComputerName NAME (or "
	        "-CimSession NAME) on a cmdlet\nchooses the host of its "
	        "provider addresses and routes, switches, VMs and\nadapters "
	        "(else --host); Get-NetAdapter asks --agent if given, else "
	        "gives\nInterfaceIndex 0, the host's uplink to the "
	        "controller.\n"
	        "  --check  only check the script (no agent needed)\n"
	        "Cmdlets: New/Get/Set/Remove-NetVirtualization{LookupRecord,"
	        "CustomerRoute,\n  ProviderAddress,ProviderRoute}; "
	        "New/Get/Remove-VMSwitch; New/Get/Remove-VM,\n  "
	        "Start/Stop/Restart-VM; Add/Get/Set/Remove-VMNetworkAdapter; "
	        "Get-NetAdapter;\n  Where-Object, ForEach-Object, "
	        "Select-Object, Sort-Object, Measure-Object,\n  "
	        "Format-List, Format-Table, Out-Null, Write-Host, "
	        "Write-Output;\n  Install-WindowsFeature, "
	        "Enable-NetAdapterBinding, Import-Module (accepted,\n  "
	        "do nothing).  Also $x = ..., $x.Prop, \"$x\" strings, "
	        "(pipeline).Prop,\n  foreach ($x in ...) { }, -WhatIf, "
	        "-ErrorAction and the other common\n  parameters.  See "
	        "hnvctl(8).\n");
}

static char *
read_script(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	char *buf = NULL;
	size_t cap = 0, n = 0, r;

	if (!f)
		return NULL;
	do {
		if (n + 65536 > cap) {
			cap = cap ? 2 * cap : 131072;
			buf = xrealloc(buf, cap);
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
	} while (r > 0 && n <= MAX_SCRIPT);
	if (ferror(f) || n > MAX_SCRIPT) {
		int err = ferror(f) ? errno : EFBIG;

		if (f != stdin)
			fclose(f);
		free(buf);
		errno = err;
		return NULL;
	}
	if (f != stdin)
		fclose(f);
	*len = n;
	return buf;
}

int
cmd_ps_main(struct ctl *ctl, int argc, char **argv)
{
	const char *path = NULL;
	bool check = false;
	struct ps_script *s;
	struct ps_backend be;
	size_t len;
	char *text;
	int r;

	for (int i = 1; i < argc; i++) {
		if (ctl_is_help(argv[i])) {
			usage(stdout);
			return CTL_EXIT_OK;
		}
		if (!strcmp(argv[i], "--check") || !strcmp(argv[i], "-n"))
			check = true;
		else if (path)
			return ctl_usage("ps: one script at a time ('%s')",
			                 argv[i]);
		else
			path = argv[i];
	}
	if (!path) {
		usage(stderr);
		return CTL_EXIT_USAGE;
	}
	text = read_script(path, &len);
	if (!text) {
		fprintf(stderr, "hnvctl: %s: %s\n", path, strerror(errno));
		return CTL_EXIT_FAIL;
	}
	s = ps_parse(strcmp(path, "-") ? path : "<stdin>", text, len);
	free(text);
	if (ps_script_n_errors(s)) {
		ps_script_print_errors(s, stderr);
		ps_script_destroy(s);
		return CTL_EXIT_FAIL;
	}
	if (check) {
		printf("%s: %zu commands, no errors\n", path,
		       ps_script_n_statements(s));
		ps_script_destroy(s);
		return CTL_EXIT_OK;
	}
	r = ctl_backend(ctl, &be);
	if (r) {
		ps_script_destroy(s);
		return r;
	}
	r = ps_exec(s, &be, stdout, stderr) < 0 ? CTL_EXIT_FAIL : CTL_EXIT_OK;
	ps_script_destroy(s);
	return r;
}
