/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* From what is open at the end to leak groups: same kind, type and stack; largest first. */
#ifndef LEAKSCOPE_AGGREGATE_H
#define LEAKSCOPE_AGGREGATE_H

#include <stddef.h>
#include <linux/types.h>
#include "tracker.h"

struct leak_group {
	__u16 kind;   /* enum leak_kind */
	__u16 type;   /* enum fd_type or enum ls_uv_type */
	__u16 family; /* sockets */
	__u32 stack_id;
	__u32 count;	     /* open at the end and older than min_age; memory: ranges */
	__u64 bytes;	     /* memory kinds: bytes retained */
	__u64 first_open_ts; /* of those counted */
	__u64 last_open_ts;
	double oldest_age_s;
	double rate_per_s;
	int growing;
};

struct aggregate_opts {
	__u64 start_ns;	  /* when tracing began */
	__u64 end_ns;	  /* when it ended (for an exited process: its exit) */
	__u64 min_age_ns; /* younger items are not counted */
};

/* Groups of one process, sorted: fds and handles by count, then oldest first; memory groups
 * (retained anonymous mappings and brk growth, by the stack that made them usable) after them,
 * by bytes; none for a process that exited.  *out is malloc'd. 0 or -ENOMEM. */
int aggregate__groups(const struct proc_state *p, const struct aggregate_opts *o,
		      struct leak_group **out, size_t *n);

/* The growth rate and "growing" verdict of one group (docs/report.md): exposed for tests. */
void aggregate__rate(struct leak_group *g, const struct aggregate_opts *o);

#endif
