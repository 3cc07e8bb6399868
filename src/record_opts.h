/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The command line of `leakscope record`, parsed (pure: unit-tested without root). */
#ifndef LEAKSCOPE_RECORD_OPTS_H
#define LEAKSCOPE_RECORD_OPTS_H

#include <linux/types.h>

#define RECORD_MAX_PIDS 64

enum format { FORMAT_TEXT, FORMAT_JSON };

#include "probes.h" /* enum probe_family */

struct record_opts {
	__u32 pids[RECORD_MAX_PIDS];
	int npids;
	double duration_s; /* 0: until Ctrl-C or the targets exit */
	double min_age_s;
	enum format format;
	const char *output; /* NULL: stdout */
	__u32 buffer_mb;
	__u32 probes; /* PROBE_* families to attach */
	char **command; /* NULL-terminated, inside argv; NULL: none */
	int no_heap_names; /* --no-heap-names: JS frames only from perf maps */
};

/* 0; 1 when help was printed; -EINVAL after printing a one-line error. */
int record_opts__parse(struct record_opts *o, int argc, char **argv);

#endif
