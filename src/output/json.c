// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * JSON report, schema "leakscope-report/1" (docs/report-json.md).  A contract: later versions
 * add keys, never remove or change one.
 */
#include <errno.h>
#include "output/json_writer.h"
#include "report.h"

static void write_frame(struct json_writer *w, const struct report_frame *f)
{
	char addr[32];

	json__begin_object(w, NULL);
	json__string(w, "frame", f->name);
	json__string(w, "kind", f->kind);
	json__string(w, "module", f->module);
	if (f->line) {
		json__u64(w, "line", f->line);
		if (f->column)
			json__u64(w, "column", f->column);
	}
	snprintf(addr, sizeof(addr), "0x%llx", (unsigned long long)f->addr);
	json__string(w, "addr", addr);
	json__end_object(w);
}

static void write_leak(struct json_writer *w, const struct report_leak *l)
{
	json__begin_object(w, NULL);
	json__string(w, "kind", l->kind);
	json__string(w, "type", l->type);
	if (l->family)
		json__string(w, "family", l->family);
	json__u64(w, "count", l->count);
	json__u64(w, "bytes", l->bytes);
	json__double(w, "oldest_age_s", l->oldest_age_s, 3);
	json__double(w, "rate_per_s", l->rate_per_s, 3);
	json__bool(w, "growing", l->growing);
	json__begin_array(w, "stack");
	for (size_t i = 0; i < l->nframes; i++)
		write_frame(w, &l->frames[i]);
	json__end_array(w);
	json__end_object(w);
}

/* Collection ends (heap_used after each, and the RSS then) and statm samples (rss), in time
 * order: docs/report-json.md. */
static void write_memory(struct json_writer *w, const struct report_process *p)
{
	json__begin_object(w, "memory");
	json__begin_array(w, "samples");
	for (size_t i = 0; i < p->nmem; i++) {
		const struct report_mem_sample *m = &p->mem[i];

		json__begin_object(w, NULL);
		json__double(w, "t_s", m->t_s, 3);
		json__string(w, "source", m->gc_end ? "gc" : "statm");
		if (m->gc_end) {
			if (m->heap_used)
				json__u64(w, "heap_used", m->heap_used);
			json__bool(w, "mark_compact", m->full);
			json__u64(w, "reason", m->reason);
		}
		if (m->rss_anon || m->rss_file) {
			json__u64(w, "rss", m->rss_anon + m->rss_file);
			json__u64(w, "rss_anon", m->rss_anon);
			json__u64(w, "rss_file", m->rss_file);
		}
		json__end_object(w);
	}
	json__end_array(w);
	json__double(w, "post_gc_floor_slope_bytes_per_s", p->floor_slope_bytes_per_s, 0);
	json__string(w, "verdict", p->verdict);
	json__string(w, "evidence", p->evidence);
	json__end_object(w);
}

static void write_process(struct json_writer *w, const struct report_process *p)
{
	json__begin_object(w, NULL);
	json__u64(w, "pid", p->pid);
	if (p->parent_pid)
		json__u64(w, "parent_pid", p->parent_pid);
	json__string(w, "comm", p->comm);
	json__string(w, "exe", p->exe[0] ? p->exe : NULL);
	json__bool(w, "exited", p->exited);
	if (p->exited)
		json__i64(w, "exit_code", p->exit_code);
	json__begin_object(w, "probes");
	json__string(w, "fds", p->probe_fds);
	json__string(w, "handles", p->probe_handles);
	json__string(w, "gc", p->probe_gc);
	json__string(w, "buffers", p->probe_buffers);
	json__end_object(w);
	if (p->has_gc) {
		json__begin_object(w, "gc");
		json__begin_object(w, "collections");
		json__u64(w, "scavenge", p->gc_count[0]);
		json__u64(w, "mark_compact", p->gc_count[1]);
		json__u64(w, "minor_mark_compact", p->gc_count[2]);
		if (p->gc_other)
			json__u64(w, "other", p->gc_other);
		json__end_object(w);
		json__double(w, "pause_total_ms", p->gc_pause_total_ms, 3);
		json__double(w, "pause_max_ms", p->gc_pause_max_ms, 3);
		json__double(w, "pause_p99_ms", p->gc_pause_p99_ms, 3);
		json__end_object(w);
		write_memory(w, p);
	}
	json__begin_object(w, "preexisting");
	json__u64(w, "fds", p->preexisting_fds);
	json__u64(w, "fds_closed", p->preexisting_fds_closed);
	json__u64(w, "handles_closed", p->preexisting_handles_closed);
	json__end_object(w);
	json__begin_object(w, "open_at_end");
	json__u64(w, "fds", p->open_fds);
	json__u64(w, "handles", p->open_handles);
	json__u64(w, "mapped_bytes", p->mapped_bytes);
	json__u64(w, "brk_bytes", p->brk_bytes);
	json__u64(w, "buffers", p->open_buffers);
	json__end_object(w);
	json__begin_array(w, "leaks");
	for (size_t i = 0; i < p->nleaks; i++)
		write_leak(w, &p->leaks[i]);
	json__end_array(w);
	json__end_object(w);
}

int output__json(FILE *f, const struct report *r)
{
	struct json_writer w;

	json__init(&w, f, true);
	json__begin_object(&w, NULL);
	json__string(&w, "schema", "leakscope-report/1");
	json__double(&w, "duration_s", r->duration_s, 3);
	json__double(&w, "min_age_s", r->min_age_s, 3);
	json__u64(&w, "lost_events", r->lost_events);
	json__begin_object(&w, "stats");
	json__u64(&w, "events", r->events);
	json__u64(&w, "bad_events", r->bad_events);
	json__u64(&w, "syscall_hits", r->syscall_hits);
	json__u64(&w, "uprobe_hits", r->uprobe_hits);
	json__u64(&w, "gc_hits", r->gc_hits);
	json__u64(&w, "unpaired_stream_handles", r->unpaired_stream_handles);
	json__u64(&w, "mem_hits", r->mem_hits);
	json__u64(&w, "buffer_hits", r->buffer_hits);
	json__u64(&w, "ustack_errors", r->ustack_errors);
	json__u64(&w, "unwound_stacks", r->unwound_stacks);
	json__u64(&w, "unwind_failures", r->unwind_failures);
	json__u64(&w, "stacks", r->stacks);
	json__u64(&w, "js_frames_named", r->js_named);
	json__begin_object(&w, "js_frames_unnamed");
	for (int i = 0; i < JS_UNNAMED_MAX; i++)
		json__u64(&w, jsnames__reason_name(i), r->js_unnamed[i]);
	json__end_object(&w);
	/* what naming costs: once per distinct stack, in microseconds; a process's first stack
	 * (which also loads its binary's metadata and symbols) apart */
	json__begin_object(&w, "js_resolve_us");
	json__u64(&w, "stacks", r->js_stacks);
	json__double(&w, "total", r->js_ns_total / 1e3, 1);
	json__double(&w, "mean", r->js_stacks ? r->js_ns_total / 1e3 / r->js_stacks : 0, 1);
	json__double(&w, "max", r->js_ns_max / 1e3, 1);
	json__double(&w, "first", r->js_ns_first / 1e3, 1);
	json__end_object(&w);
	json__end_object(&w);
	json__begin_array(&w, "processes");
	for (size_t i = 0; i < r->nprocs; i++)
		write_process(&w, &r->procs[i]);
	json__end_array(&w);
	json__end_object(&w);
	return fflush(f) || ferror(f) ? -EIO : 0;
}
