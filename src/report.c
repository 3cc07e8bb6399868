// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "aggregate.h"
#include "fdtype.h"
#include "leakscope/events.h"
#include "report.h"
#include "symbolize.h"
#include "tracker.h"
#include "verdict.h"

static const char *const uv_type_names[LS_UV_TYPE_MAX] = {
	[LS_UV_ASYNC] = "async",     [LS_UV_CHECK] = "check",	   [LS_UV_FS_EVENT] = "fs_event",
	[LS_UV_FS_POLL] = "fs_poll", [LS_UV_HANDLE] = "handle",	   [LS_UV_IDLE] = "idle",
	[LS_UV_NAMED_PIPE] = "pipe", [LS_UV_POLL] = "poll",	   [LS_UV_PREPARE] = "prepare",
	[LS_UV_PROCESS] = "process", [LS_UV_STREAM] = "stream",	   [LS_UV_TCP] = "tcp",
	[LS_UV_TIMER] = "timer",     [LS_UV_TTY] = "tty",	   [LS_UV_UDP] = "udp",
	[LS_UV_SIGNAL] = "signal",
};

static char *xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int name_frame(struct symbolizer *sym, __u32 pid, const struct stack_entry *st, __u32 i,
		      struct report_frame *out)
{
	struct sym_frame f = {};
	char buf[64];

	out->addr = st->frames[i].ip;
	out->kind = "native";
	if (st->locs && sym && symbolizer__name(sym, pid, &st->locs[i], &f) == 0 && f.name) {
		out->name = strdup(f.name);
		out->module = xstrdup(f.module);
		out->line = f.line;
		out->column = f.column;
		out->kind = f.kind == SYM_JS ? "js" : f.kind == SYM_KERNEL ? "kernel" : "native";
		return out->name ? 0 : -ENOMEM;
	}
	if (st->locs && st->locs[i].kind == SYM_NATIVE && st->locs[i].module) {
		snprintf(buf, sizeof(buf), "+0x%llx", (unsigned long long)st->locs[i].vaddr);
		out->module = strdup(st->locs[i].module);
		out->name = malloc(strlen(st->locs[i].module) + strlen(buf) + 1);
		if (out->name)
			sprintf(out->name, "%s%s", strrchr(st->locs[i].module, '/')
					 ? strrchr(st->locs[i].module, '/') + 1 : st->locs[i].module, buf);
	} else if (st->locs && st->locs[i].kind == SYM_JS) {
		/* V8-generated code that no perf map names (node without --perf-basic-prof) */
		snprintf(buf, sizeof(buf), "[JIT] 0x%llx", (unsigned long long)out->addr);
		out->kind = "js";
		out->name = strdup(buf);
	} else {
		snprintf(buf, sizeof(buf), "[unknown] 0x%llx", (unsigned long long)out->addr);
		out->name = strdup(buf);
	}
	return out->name ? 0 : -ENOMEM;
}

static void free_frames(struct report_frame *frames, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		free(frames[k].name);
		free(frames[k].module);
	}
	free(frames);
}

/* V8's heap pages are mapped by its MemoryAllocator (src/heap/memory-allocator.cc, V8 11.3 in
 * node 20: AllocatePage, AllocateLargePage, both through AllocateAlignedMemory): such a stack
 * says where the heap grew, not what keeps it (docs/design.md, "V8 heap growth sites"). */
static bool is_v8_heap_page(const struct report_leak *l)
{
	for (size_t i = 0; i < l->nframes; i++)
		if (!strncmp(l->frames[i].name, "v8::internal::MemoryAllocator::", 31))
			return true;
	return false;
}

static int fill_leak(struct report_leak *l, const struct leak_group *g, struct tracker *t,
		     struct symbolizer *sym, __u32 pid)
{
	const struct stack_entry *st = stack_table__get(tracker__stacks(t), g->stack_id);

	l->kind = g->kind == LEAK_FD ? "fd" : g->kind == LEAK_HANDLE ? "handle"
		: g->kind == LEAK_MMAP ? "mmap" : g->kind == LEAK_BRK ? "brk" : "buffer";
	l->bytes = g->bytes;
	if (g->kind == LEAK_BUFFER) {
		l->type = "arraybuffer";
	} else if (g->kind == LEAK_MMAP || g->kind == LEAK_BRK) {
		l->type = g->kind == LEAK_MMAP ? "anon" : "heap";
	} else if (g->kind == LEAK_FD) {
		l->type = fdtype__name(g->type);
		l->family = g->type == FD_SOCKET ? fdtype__family_name(g->family) : NULL;
	} else {
		l->type = g->type < LS_UV_TYPE_MAX && uv_type_names[g->type] ? uv_type_names[g->type]
									   : "handle";
	}
	l->count = g->count;
	l->oldest_age_s = g->oldest_age_s;
	l->rate_per_s = g->rate_per_s;
	l->growing = g->growing;
	if (!st || !st->nframes)
		return 0;
	l->frames = calloc(st->nframes, sizeof(*l->frames));
	if (!l->frames)
		return -ENOMEM;
	for (__u32 i = 0; i < st->nframes; i++) {
		int err = name_frame(sym, pid, st, i, &l->frames[i]);

		l->nframes = i + 1;
		if (err)
			return err;
	}
	if (g->kind == LEAK_MMAP && is_v8_heap_page(l))
		l->kind = "heap", l->type = "v8";
	return 0;
}

/* V8 builtins between JS frames change as a function tiers up (an interpreted `new` goes
 * through Builtins_ConstructHandler, baseline code does not): not part of a stack's identity. */
static bool is_tier_frame(const struct report_frame *f)
{
	return !strncmp(f->name, "Builtins_", 9);
}

static bool same_frame(const struct report_frame *x, const struct report_frame *y)
{
	/* JIT code moves as V8 tiers a function up: compare what it names, not where */
	if (strcmp(x->name, y->name) || x->line != y->line ||
	    (x->module && y->module ? strcmp(x->module, y->module) : x->module != y->module))
		return false;
	return x->name[0] != '[' || x->addr == y->addr; /* unnamed: only the same address */
}

static bool same_frames(const struct report_leak *a, const struct report_leak *b)
{
	size_t i = 0, j = 0;

	if (a->kind != b->kind || a->type != b->type || a->family != b->family)
		return false;
	for (;;) {
		while (i < a->nframes && is_tier_frame(&a->frames[i]))
			i++;
		while (j < b->nframes && is_tier_frame(&b->frames[j]))
			j++;
		if (i == a->nframes || j == b->nframes)
			return i == a->nframes && j == b->nframes;
		if (!same_frame(&a->frames[i++], &b->frames[j++]))
			return false;
	}
}

/* Stacks that differ in raw addresses but name the same frames are one group for a reader. */
static size_t merge_same_stacks(struct report_leak *leaks, struct leak_group *groups, size_t n,
				const struct aggregate_opts *ao)
{
	size_t kept = 0;

	for (size_t i = 0; i < n; i++) {
		size_t j;

		for (j = 0; j < kept; j++)
			if (same_frames(&leaks[j], &leaks[i]))
				break;
		if (j == kept) {
			leaks[kept] = leaks[i];
			groups[kept++] = groups[i];
			continue;
		}
		groups[j].count += groups[i].count;
		groups[j].bytes += groups[i].bytes;
		if (groups[i].first_open_ts < groups[j].first_open_ts)
			groups[j].first_open_ts = groups[i].first_open_ts;
		if (groups[i].last_open_ts > groups[j].last_open_ts)
			groups[j].last_open_ts = groups[i].last_open_ts;
		free_frames(leaks[i].frames, leaks[i].nframes);
	}
	for (size_t i = 0; i < kept; i++) {
		aggregate__rate(&groups[i], ao);
		leaks[i].count = groups[i].count;
		leaks[i].bytes = groups[i].bytes;
		leaks[i].oldest_age_s = groups[i].oldest_age_s;
		leaks[i].rate_per_s = groups[i].rate_per_s;
		leaks[i].growing = groups[i].growing;
	}
	return kept;
}

static bool is_memory(const struct report_leak *l)
{
	return !strcmp(l->kind, "mmap") || !strcmp(l->kind, "brk") || !strcmp(l->kind, "heap") ||
	       !strcmp(l->kind, "buffer");
}

/* fds and handles by count, then memory by bytes (aggregate.h) */
static int cmp_leaks(const void *a, const void *b)
{
	const struct report_leak *x = a, *y = b;

	if (is_memory(x) != is_memory(y))
		return is_memory(x) ? 1 : -1;
	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return x->oldest_age_s < y->oldest_age_s ? 1 : x->oldest_age_s > y->oldest_age_s ? -1 : 0;
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

static void fill_gc(struct report_process *rp, const struct gc_stats *g)
{
	__u64 *sorted;

	memcpy(rp->gc_count, g->count, sizeof(rp->gc_count));
	rp->gc_other = g->other;
	rp->gc_pause_total_ms = g->pause_total_ns / 1e6;
	rp->gc_pause_max_ms = g->pause_max_ns / 1e6;
	if (!g->npoints)
		return;
	/* nearest-rank p99 */
	sorted = malloc(g->npoints * sizeof(*sorted));
	if (!sorted)
		return;
	for (size_t i = 0; i < g->npoints; i++)
		sorted[i] = g->points[i].pause_ns;
	qsort(sorted, g->npoints, sizeof(*sorted), cmp_u64);
	rp->gc_pause_p99_ms = sorted[(g->npoints * 99 + 99) / 100 - 1] / 1e6;
	free(sorted);
}

/*
 * Collections and memory samples, merged in time order, and the heap verdict.  A collection
 * carries the RSS BPF read as it ended (bpf/gc.bpf.c); the statm samples come in between.
 * Each series is in time order already: collections as the process ran them, statm samples as
 * the recorder took them.
 */
static int fill_memory(struct report_process *rp, const struct proc_state *p, __u64 start_ns)
{
	const struct gc_stats *g = &p->gc;
	struct verdict_result v;
	struct heap_point *pts;
	size_t i = 0, j = 0, n = 0;

	rp->mem = calloc(g->npoints + p->nrss + 1, sizeof(*rp->mem));
	pts = calloc(g->npoints + 1, sizeof(*pts));
	if (!rp->mem || !pts) {
		free(pts);
		return -ENOMEM;
	}
	while (i < g->npoints || j < p->nrss) {
		struct report_mem_sample *m = &rp->mem[n++];

		if (j == p->nrss || (i < g->npoints && g->points[i].ts_ns <= p->rss[j].ts_ns)) {
			const struct gc_point *c = &g->points[i++];

			m->t_s = (c->ts_ns - start_ns) / 1e9;
			m->gc_end = 1;
			m->heap_used = c->heap_after;
			m->full = c->full;
			m->reason = c->reason;
			m->rss_anon = c->rss_anon;
			m->rss_file = c->rss_file;
		} else {
			m->t_s = (p->rss[j].ts_ns - start_ns) / 1e9;
			m->rss_anon = p->rss[j].anon;
			m->rss_file = p->rss[j].file;
			j++;
		}
	}
	rp->nmem = n;
	for (i = 0; i < g->npoints; i++)
		pts[i] = (struct heap_point){ g->points[i].ts_ns, g->points[i].heap_after,
					      g->points[i].full };
	verdict__judge(pts, g->npoints, &v);
	free(pts);
	rp->verdict = verdict__name(v.verdict);
	rp->floor_slope_bytes_per_s = v.slope_bytes_per_s;
	snprintf(rp->evidence, sizeof(rp->evidence), "%s", v.evidence);
	return 0;
}

static int fill_process(struct report_process *rp, struct proc_state *p, struct tracker *t,
			struct symbolizer *sym, const struct report_opts *o)
{
	struct aggregate_opts ao = {
		.start_ns = o->start_ns,
		.end_ns = p->exited && p->exit_ts < o->end_ns ? p->exit_ts : o->end_ns,
		.min_age_ns = o->min_age_ns,
	};
	struct leak_group *groups = NULL;
	size_t n = 0;
	int err;

	rp->pid = p->pid;
	rp->parent_pid = p->parent_pid;
	memcpy(rp->comm, p->comm, sizeof(rp->comm));
	memcpy(rp->exe, p->exe, sizeof(rp->exe));
	rp->exited = p->exited;
	rp->exit_code = p->exit_code;
	snprintf(rp->probe_fds, sizeof(rp->probe_fds), "%s", p->probe_fds[0] ? p->probe_fds : "attached");
	snprintf(rp->probe_handles, sizeof(rp->probe_handles), "%s",
		 p->probe_handles[0] ? p->probe_handles : "not attached");
	snprintf(rp->probe_gc, sizeof(rp->probe_gc), "%s",
		 p->probe_gc[0] ? p->probe_gc : "not attached");
	snprintf(rp->probe_buffers, sizeof(rp->probe_buffers), "%s",
		 p->probe_buffers[0] ? p->probe_buffers : "not attached");
	rp->has_gc = !strncmp(p->probe_gc, "attached", 8);
	fill_gc(rp, &p->gc);
	if (rp->has_gc) {
		err = fill_memory(rp, p, o->start_ns);
		if (err)
			return err;
	}
	rp->preexisting_fds = p->preexisting_fds;
	rp->preexisting_fds_closed = p->preexisting_fds_closed;
	rp->preexisting_handles_closed = p->preexisting_handles_closed;
	rp->open_fds = p->fds.len;
	rp->open_handles = p->handles.len;
	rp->mapped_bytes = memmap__bytes(&p->mem, MEM_MMAP);
	rp->brk_bytes = memmap__bytes(&p->mem, MEM_BRK);
	rp->open_buffers = p->buffers.len;
	err = aggregate__groups(p, &ao, &groups, &n);
	if (err)
		return err;
	rp->leaks = calloc(n ? n : 1, sizeof(*rp->leaks));
	if (!rp->leaks) {
		free(groups);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n && !err; i++) {
		err = fill_leak(&rp->leaks[i], &groups[i], t, sym, p->pid);
		rp->nleaks = i + 1;
	}
	if (!err) {
		rp->nleaks = merge_same_stacks(rp->leaks, groups, n, &ao);
		qsort(rp->leaks, rp->nleaks, sizeof(*rp->leaks), cmp_leaks);
	}
	free(groups);
	return err;
}

int report__build(struct report *r, struct tracker *t, struct symbolizer *sym,
		  const struct report_opts *o)
{
	size_t n = tracker__proc_count(t);
	int err = 0;

	memset(r, 0, sizeof(*r));
	r->duration_s = o->duration_s;
	r->min_age_s = o->min_age_ns / 1e9;
	r->lost_events = o->counters[LS_CNT_LOST_EVENTS];
	r->syscall_hits = o->counters[LS_CNT_SYSCALL_HITS];
	r->uprobe_hits = o->counters[LS_CNT_UPROBE_HITS];
	r->gc_hits = o->counters[LS_CNT_GC_HITS];
	r->unpaired_stream_handles = o->counters[LS_CNT_PENDING_OVERFLOW];
	r->mem_hits = o->counters[LS_CNT_MEM_HITS];
	r->buffer_hits = o->counters[LS_CNT_BUFFER_HITS];
	r->ustack_errors = o->counters[LS_CNT_USTACK_ERRORS];
	tracker__unwind_stats(t, &r->unwound_stacks, &r->unwind_failures);
	r->events = tracker__events(t);
	r->bad_events = tracker__bad_events(t);
	r->stacks = stack_table__count(tracker__stacks(t));
	if (o->js) {
		r->js_named = o->js->named;
		memcpy(r->js_unnamed, o->js->unnamed, sizeof(r->js_unnamed));
		r->js_stacks = o->js->stacks;
		r->js_ns_total = o->js->ns_total;
		r->js_ns_max = o->js->ns_max;
		r->js_ns_first = o->js->ns_first_max;
	}
	r->procs = calloc(n ? n : 1, sizeof(*r->procs));
	if (!r->procs)
		return -ENOMEM;
	for (size_t i = 0; i < n && !err; i++) {
		err = fill_process(&r->procs[i], tracker__proc_at(t, i), t, sym, o);
		r->nprocs = i + 1;
	}
	return err;
}

void report__free(struct report *r)
{
	for (size_t i = 0; i < r->nprocs; i++) {
		struct report_process *p = &r->procs[i];

		for (size_t j = 0; j < p->nleaks; j++)
			free_frames(p->leaks[j].frames, p->leaks[j].nframes);
		free(p->leaks);
		free(p->mem);
	}
	free(r->procs);
	memset(r, 0, sizeof(*r));
}
