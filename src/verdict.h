/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Is the JS heap leaking?  The test an engineer runs by hand — "after a full GC, does the heap
 * come back down?" — run on the heap sizes V8 reports after each collection: a healthy heap
 * is a sawtooth whose floor stays put, a leak is a floor that keeps rising (docs/verdict.md).
 */
#ifndef LEAKSCOPE_VERDICT_H
#define LEAKSCOPE_VERDICT_H

#include <stddef.h>
#include <linux/types.h>

enum verdict {
	VERDICT_UNKNOWN = 0, /* too few collections, or too short, to judge: never a guess */
	VERDICT_STABLE,
	VERDICT_GROWING, /* the floor rose, but not steadily enough to call it a leak */
	VERDICT_LEAK,
};

struct heap_point {
	__u64 ts_ns;
	__u64 heap_after; /* bytes live after a collection, 0: unknown */
	int full;	  /* a mark-compact: only those free old-generation garbage */
};

struct verdict_result {
	enum verdict verdict;
	double slope_bytes_per_s; /* of the post-GC floor, least squares */
	double first_floor, last_floor;
	double span_s;
	int steps, rises;	  /* between consecutive floors */
	int full;		  /* judged on full (mark-compact) collections only */
	char evidence[256];	  /* a sentence a human can check */
};

/* points in time order.  Always fills *out. */
void verdict__judge(const struct heap_point *points, size_t n, struct verdict_result *out);
const char *verdict__name(enum verdict v);

#endif
