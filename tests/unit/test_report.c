// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* report.c from a tracker fed raw events: the memory samples of a process. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <linux/types.h>
#include "leakscope/events.h"
#include "report.h"
#include "tracker.h"

#define PID 100
#define S 1000000000ULL
#define MB (1ULL << 20)

static void gc_end(struct tracker *t, __u64 ts, __u32 collector, __u64 heap, __u64 anon,
		   __u64 file)
{
	struct ls_gc_event e = {
		.h = { .ts_ns = ts, .pid = PID, .tid = PID, .type = LS_EV_GC, .size = sizeof(e) },
		.start_ns = ts - 1000000,
		.pause_ns = 1000000,
		.heap_after = heap,
		.collector = collector,
		.reason = 21,
		.rss_anon = anon,
		.rss_file = file,
	};

	assert_int_equal(tracker__on_event(t, &e, sizeof(e)), 0);
}

static struct tracker *gc_tracker(void)
{
	struct tracker *t = tracker__new(NULL, NULL);
	struct proc_state *p;

	assert_non_null(t);
	p = tracker__proc(t, PID, true);
	assert_non_null(p);
	snprintf(p->probe_gc, sizeof(p->probe_gc), "attached");
	return t;
}

/* GC events reach userspace up to a poll later than they happened, so a statm sample taken
 * after a collection is often added before it: the report still lists them by time. */
static void report__gc_ends_and_statm__time_order_rss_on_both(void **state)
{
	struct report_opts o = { .start_ns = 10 * S, .end_ns = 20 * S };
	struct tracker *t = gc_tracker();
	const struct report_mem_sample *m;
	struct report r;

	(void)state;
	assert_int_equal(tracker__add_rss(t, PID, 11 * S, 30 * MB, 20 * MB), 0);
	gc_end(t, 10 * S + S / 2, LS_GC_SCAVENGER, 5 * MB, 29 * MB, 20 * MB);
	assert_int_equal(tracker__add_rss(t, PID, 12 * S, 31 * MB, 20 * MB), 0);
	gc_end(t, 11 * S + S / 2, LS_GC_MARK_COMPACTOR, 4 * MB, 31 * MB, 21 * MB);
	gc_end(t, 13 * S, LS_GC_SCAVENGER, 6 * MB, 0, 0); /* a kernel whose counters we cannot read */
	assert_int_equal(report__build(&r, t, NULL, &o), 0);
	assert_int_equal(r.nprocs, 1);
	assert_int_equal(r.procs[0].nmem, 5);
	m = r.procs[0].mem;
	for (size_t i = 1; i < r.procs[0].nmem; i++)
		assert_true(m[i].t_s >= m[i - 1].t_s);
	/* 10.5 s: a collection's end, with the heap and the RSS BPF read then */
	assert_true(m[0].gc_end);
	assert_int_equal(m[0].heap_used, 5 * MB);
	assert_int_equal(m[0].rss_anon, 29 * MB);
	assert_int_equal(m[0].rss_file, 20 * MB);
	/* 11 s: statm */
	assert_false(m[1].gc_end);
	assert_int_equal(m[1].heap_used, 0);
	assert_int_equal(m[1].rss_anon, 30 * MB);
	/* 11.5 s: the mark-compact */
	assert_true(m[2].gc_end);
	assert_true(m[2].full);
	assert_int_equal(m[2].rss_file, 21 * MB);
	assert_false(m[3].gc_end);
	/* 13 s: RSS unknown */
	assert_true(m[4].gc_end);
	assert_int_equal(m[4].heap_used, 6 * MB);
	assert_int_equal(m[4].rss_anon + m[4].rss_file, 0);
	report__free(&r);
	tracker__free(t);
}

/* Drop the writer's whitespace (no string in these reports holds any). */
static void squeeze(char *s)
{
	char *d = s;

	for (; *s; s++)
		if (*s != ' ' && *s != '\n')
			*d++ = *s;
	*d = 0;
}

/* JSON: "source" says which is which; rss only where it is known. */
static void report__gc_end_sample__json_has_heap_and_rss(void **state)
{
	struct report_opts o = { .start_ns = 10 * S, .end_ns = 20 * S };
	struct tracker *t = gc_tracker();
	char *buf = NULL;
	size_t len = 0;
	struct report r;
	FILE *f;

	(void)state;
	gc_end(t, 10 * S + S / 2, LS_GC_MARK_COMPACTOR, 5 * MB, 3 * MB, 2 * MB);
	assert_int_equal(tracker__add_rss(t, PID, 11 * S, 4 * MB, 2 * MB), 0);
	gc_end(t, 12 * S, LS_GC_SCAVENGER, 6 * MB, 0, 0);
	assert_int_equal(report__build(&r, t, NULL, &o), 0);
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(output__json(f, &r), 0);
	assert_int_equal(fclose(f), 0);
	squeeze(buf);
	assert_non_null(strstr(buf, "{\"t_s\":0.500,\"source\":\"gc\",\"heap_used\":5242880,"
				    "\"mark_compact\":true,\"reason\":21,\"rss\":5242880,"
				    "\"rss_anon\":3145728,\"rss_file\":2097152}"));
	assert_non_null(strstr(buf, "{\"t_s\":1.000,\"source\":\"statm\",\"rss\":6291456,"
				    "\"rss_anon\":4194304,\"rss_file\":2097152}"));
	assert_non_null(strstr(buf, "{\"t_s\":2.000,\"source\":\"gc\",\"heap_used\":6291456,"
				    "\"mark_compact\":false,\"reason\":21}"));
	free(buf);
	report__free(&r);
	tracker__free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(report__gc_ends_and_statm__time_order_rss_on_both),
		cmocka_unit_test(report__gc_end_sample__json_has_heap_and_rss),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
