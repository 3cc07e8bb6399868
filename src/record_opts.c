// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "record_opts.h"

static const char record_usage[] =
	"Usage: leakscope record [options] (-p PID[,PID...] | [--] COMMAND [ARGS...])\n"
	"\n"
	"Trace fds and libuv handles of running processes, or of a command and the processes it\n"
	"starts, and report those opened while tracing that are still open at the end.\n"
	"\n"
	"Options:\n"
	"  -p, --pid PID[,PID]    processes to attach to\n"
	"  -d, --duration SECS    stop after SECS seconds (default: Ctrl-C or the targets exit)\n"
	"      --min-age SECS     count only what has been open this long at the end (default 1)\n"
	"  -f, --format FMT       text (default) or json\n"
	"  -o, --output FILE      write the report to FILE instead of stdout\n"
	"      --buffer-mb N      ring buffer size in MiB, a power of two (default 16)\n"
	"      --probes LIST      probe families: fds,handles,gc,mem (the default; fds always on),\n"
	"                         buffers (opt-in: ~33 us per Buffer); +NAME,... adds to the default\n"
	"      --no-heap-names    name JS frames only from /tmp/perf-PID.map, not from the heap\n"
	"  -h, --help             this text\n"
	"\n"
	"Examples:\n"
	"  sudo leakscope record -p 4242 -d 30\n"
	"  sudo leakscope record -- node server.js\n"
	"  sudo leakscope record -p 4242 --format json -o report.json\n";

static int parse_seconds(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	/* strtod takes "nan" and "inf"; a day-long bound also keeps seconds*1e9 inside a u64 */
	return errno || end == s || *end || !isfinite(*out) || *out < 0 || *out > 1e9 ? -EINVAL : 0;
}

static int parse_pids(struct record_opts *o, char *list)
{
	for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
		char *end;
		long v;

		errno = 0;
		v = strtol(tok, &end, 10);
		if (errno || end == tok || *end || v <= 0 || v > INT_MAX)
			return -EINVAL;
		if (o->npids == RECORD_MAX_PIDS)
			return -E2BIG;
		o->pids[o->npids++] = v;
	}
	return 0;
}

/* "fds,handles,gc,mem,buffers": the families to attach; fds cannot be turned off (they carry the process
 * lifecycle every other family needs).  "+x,y": the default and x, y (for opt-in families). */
static int parse_probes(struct record_opts *o, char *list)
{
	o->probes = PROBE_FDS;
	if (list[0] == '+') {
		o->probes = PROBE_DEFAULT;
		list++;
	}
	for (char *tok = strtok(list, ",+"); tok; tok = strtok(NULL, ",+")) {
		if (!strcmp(tok, "fds"))
			o->probes |= PROBE_FDS;
		else if (!strcmp(tok, "handles"))
			o->probes |= PROBE_HANDLES;
		else if (!strcmp(tok, "gc"))
			o->probes |= PROBE_GC;
		else if (!strcmp(tok, "mem"))
			o->probes |= PROBE_MEM;
		else if (!strcmp(tok, "buffers"))
			o->probes |= PROBE_BUFFERS;
		else
			return -EINVAL;
	}
	return 0;
}

int record_opts__parse(struct record_opts *o, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "duration", required_argument, NULL, 'd' },
		{ "min-age", required_argument, NULL, 'm' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "buffer-mb", required_argument, NULL, 'b' },
		{ "probes", required_argument, NULL, 'P' },
		{ "no-heap-names", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->min_age_s = 1;
	o->buffer_mb = 16;
	o->probes = PROBE_DEFAULT;
	opterr = 0;
	optind = 0; /* glibc: start afresh (tests parse several command lines) */
	/* '+': stop at the command's first word, its options are its own */
	while ((c = getopt_long(argc, argv, "+p:d:f:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (parse_pids(o, optarg)) {
				p_err("invalid PID list '%s'", optarg);
				return -EINVAL;
			}
			break;
		case 'd':
			if (parse_seconds(optarg, &o->duration_s) || o->duration_s <= 0) {
				p_err("invalid duration '%s': give a number of seconds above 0",
				      optarg);
				return -EINVAL;
			}
			break;
		case 'm':
			if (parse_seconds(optarg, &o->min_age_s)) {
				p_err("invalid --min-age '%s'", optarg);
				return -EINVAL;
			}
			break;
		case 'f':
			if (!strcmp(optarg, "text")) {
				o->format = FORMAT_TEXT;
			} else if (!strcmp(optarg, "json")) {
				o->format = FORMAT_JSON;
			} else {
				p_err("unknown format '%s' (text or json)", optarg);
				return -EINVAL;
			}
			break;
		case 'o':
			o->output = optarg;
			break;
		case 'b': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);

			if (*end || !v || v > 1024 || (v & (v - 1))) {
				p_err("invalid --buffer-mb '%s': a power of two, 1 to 1024", optarg);
				return -EINVAL;
			}
			o->buffer_mb = v;
			break;
		}
		case 'P':
			if (parse_probes(o, optarg)) {
				p_err("invalid --probes '%s': a list of fds, handles, gc, mem, buffers", optarg);
				return -EINVAL;
			}
			break;
		case 'N':
			o->no_heap_names = 1;
			break;
		case 'h':
			fputs(record_usage, stdout);
			return 1;
		default:
			p_err("unknown or incomplete option '%s' (try: leakscope record -h)",
			      argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind < argc)
		o->command = &argv[optind];
	if (!o->npids && !o->command) {
		p_err("nothing to trace: give -p PID or a command (try: leakscope record -h)");
		return -EINVAL;
	}
	if (o->npids && o->command) {
		p_err("give -p PID or a command, not both");
		return -EINVAL;
	}
	return 0;
}

