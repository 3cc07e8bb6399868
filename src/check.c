// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* leakscope check: can tracing work here?  Each line says what is there, or what is missing and
 * how to get it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "cli.h"
#include "elf_symbols.h"
#include "probes.h"
#include "uprobe_links.h"

static int ok_count, bad_count;

static void result(bool ok, const char *what, const char *detail)
{
	printf("%-5s %-28s %s\n", ok ? "ok" : "MISS", what, detail);
	if (ok)
		ok_count++;
	else
		bad_count++;
}

static int ignore_event(void *ctx, const void *data, size_t size)
{
	(void)ctx;
	(void)data;
	(void)size;
	return 0;
}

static void check_node(void)
{
	static const char *const names[] = { "uv_tcp_init", "uv_close", "uv__fs_work" };
	const char *node = "/usr/bin/node";
	__u64 off[3];
	char detail[160];
	int n;

	if (access(node, R_OK)) {
		result(true, "node binary", "no /usr/bin/node here: libuv probes are found per process");
		return;
	}
	n = elf_symbols__find_offsets(node, names, 3, off);
	snprintf(detail, sizeof(detail), "%s: %s", node,
		 n == 3	  ? "libuv symbols found"
		 : n > 0  ? "some libuv symbols missing (stripped?): fewer handle probes"
			  : "no libuv symbols: handle probes will be skipped");
	result(n > 0, "node libuv symbols", detail);
}

int do_check(int argc, char **argv)
{
	struct probes_opts po = { .ringbuf_bytes = 1 << 20, .on_event = ignore_event };
	struct probes *p = NULL;
	const char *why = NULL;
	struct utsname u;
	char detail[160];
	int err;

	(void)argv;
	if (argc > 1) {
		p_err("check takes no arguments");
		return EXIT_USAGE;
	}
	uname(&u);
	snprintf(detail, sizeof(detail), "%s %s", u.sysname, u.release);
	result(true, "kernel", detail);
	result(has_tracing_privileges(), "privileges",
	       has_tracing_privileges() ? "root or CAP_BPF+CAP_PERFMON+CAP_SYS_PTRACE"
					: "not root: run with sudo");
	result(access("/sys/kernel/btf/vmlinux", R_OK) == 0, "kernel BTF",
	       access("/sys/kernel/btf/vmlinux", R_OK) == 0
		       ? "/sys/kernel/btf/vmlinux"
		       : "missing: needs a kernel built with CONFIG_DEBUG_INFO_BTF=y");
	result(access("/sys/bus/event_source/devices/uprobe/type", R_OK) == 0, "uprobe PMU",
	       access("/sys/bus/event_source/devices/uprobe/type", R_OK) == 0
		       ? "uprobes attach without tracefs"
		       : "missing: needs CONFIG_UPROBE_EVENTS=y");
	if (has_tracing_privileges())
		/* optional: without them each probe is its own perf event, slower to remove */
		result(true, "uprobe_multi links",
		       uprobe_links__multi_supported()
			       ? "yes: one link per program, detached in one grace period"
			       : "no (kernel < 6.6): one perf event per uprobe, ~0.1 s each to detach");
	if (has_tracing_privileges()) {
		err = probes__open(&po, &p, &why);
		if (err)
			snprintf(detail, sizeof(detail), "%s: %s", why, strerror(-err));
		else
			snprintf(detail, sizeof(detail),
				 "loaded and attached (tp_btf sys_exit, sched_process_*)");
		result(!err, "BPF programs", detail);
		/* optional: /proc statm still gives the RSS once a second */
		if (!err)
			result(true, "RSS at GC ends",
			       probes__has_gc_rss(p)
				       ? "yes: the kernel's mm counters, read in BPF"
				       : "no (mm counters not found in this kernel's BTF): RSS from "
					 "/proc statm once a second only");
		probes__close(p);
	} else {
		result(false, "BPF programs", "not tried: needs root");
	}
	check_node();
	printf("\n%d ok, %d missing\n", ok_count, bad_count);
	return bad_count ? EXIT_FAILURE_OTHER : EXIT_OK;
}
