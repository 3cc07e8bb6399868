// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* leakscope: fd, handle and memory leaks of running Node.js processes, with eBPF. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"

static const char usage[] =
	"Usage: leakscope <command> [options]\n"
	"\n"
	"Commands:\n"
	"  record   trace processes, then report what they left open   (leakscope record -h)\n"
	"  check    tell whether tracing can work on this machine\n"
	"\n"
	"Examples:\n"
	"  sudo leakscope record -p 4242 -d 30          # a running node process, 30 s\n"
	"  sudo leakscope record -- node server.js      # a command, until it exits\n"
	"  sudo leakscope record -p 4242 --format json -o report.json\n"
	"  leakscope check\n";

static void vprint(const char *fmt, va_list ap)
{
	fputs("leakscope: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void p_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint(fmt, ap);
	va_end(ap);
}

/* Same channel as errors (stdout carries the report), kept apart for a future --quiet. */
void p_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint(fmt, ap);
	va_end(ap);
}

bool has_tracing_privileges(void)
{
	unsigned long long eff = 0;
	char line[256];
	FILE *f;

	if (geteuid() == 0)
		return true;
	f = fopen("/proc/self/status", "r");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			break;
	fclose(f);
	/* CAP_BPF 39, CAP_PERFMON 38, CAP_SYS_PTRACE 19 (to read other processes' maps) */
	return (eff >> 39 & 1) && (eff >> 38 & 1) && (eff >> 19 & 1);
}

static const struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
} cmds[] = {
	{ "record", do_record },
	{ "check", do_check },
};

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	p_err("unknown command '%s' (try: leakscope --help)", argv[1]);
	return EXIT_USAGE;
}
