// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The human report: per process, its leak groups largest first, each with its stack. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include "report.h"

/* Memory groups smaller than this are summed in one line (the JSON lists them all): glibc and
 * V8 map many small ranges that live as long as the process. */
#define TEXT_MIN_MEM_BYTES (1 << 20)

/* Stacks of node run 30-50 frames deep; the leak is nearly always in the first ones. */
#define TEXT_MAX_FRAMES 16

/* Names come from the traced program: no control character reaches the terminal. */
static void print_safe(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
}

static void print_frame(FILE *f, size_t i, const struct report_frame *fr)
{
	fprintf(f, "      #%-2zu ", i);
	print_safe(f, fr->name);
	if (fr->module) {
		fputs(" (", f);
		print_safe(f, fr->module);
		if (fr->line)
			fprintf(f, ":%u", fr->line);
		if (fr->line && fr->column)
			fprintf(f, ":%u", fr->column);
		fputc(')', f);
	}
	fputc('\n', f);
}

/* 1536 -> "1.5 KiB": binary units, as /proc and free(1) count memory */
static const char *human_bytes(char *buf, size_t len, __u64 b)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = b;
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", v, units[u]);
	return buf;
}

static bool is_memory(const struct report_leak *l)
{
	return !strcmp(l->kind, "mmap") || !strcmp(l->kind, "brk") || !strcmp(l->kind, "heap") ||
	       !strcmp(l->kind, "buffer");
}

/* Leading frames of the allocator (glibc's malloc and mmap wrappers): a memory stack starts
 * with 4-6 of them before the caller that matters. */
static size_t allocator_frames(const struct report_leak *l)
{
	size_t n = 0;

	while (n < l->nframes && l->frames[n].module && strstr(l->frames[n].module, "/libc.so"))
		n++;
	return n;
}

static void print_leak(FILE *f, const struct report_leak *l)
{
	size_t first = 0, shown = 0;
	char size[32];

	if (is_memory(l)) {
		fprintf(f, "  %10s %-4s in %u range%s  oldest %.1f s  %+.2f/s%s\n",
			human_bytes(size, sizeof(size), l->bytes), l->kind, l->count,
			l->count == 1 ? "" : "s", l->oldest_age_s, l->rate_per_s,
			l->growing ? "  GROWING" : "");
		if (!strcmp(l->kind, "heap"))
			fprintf(f, "      (V8 heap pages: where the heap grew, not what holds it)\n");
		first = allocator_frames(l);
		if (first > 2) {
			print_frame(f, 0, &l->frames[0]);
			fprintf(f, "      ... %zu frames in libc\n", first - 2);
			first--;
		} else {
			first = 0;
		}
	} else {
		fprintf(f, "  %6u %-6s %s%s%s  oldest %.1f s  %+.2f/s%s\n", l->count, l->kind,
			l->type, l->family ? "/" : "", l->family ? l->family : "", l->oldest_age_s,
			l->rate_per_s, l->growing ? "  GROWING" : "");
	}
	for (size_t i = first; i < l->nframes && shown < TEXT_MAX_FRAMES; i++, shown++)
		print_frame(f, i, &l->frames[i]);
	if (l->nframes > first + shown)
		fprintf(f, "      ... %zu more frames (--format json has them all)\n",
			l->nframes - first - shown);
	fputc('\n', f);
}

/* The heap after each collection as one line of block characters: a sawtooth is healthy, a
 * ramp is a leak. */
static void print_sparkline(FILE *f, const struct report_process *p)
{
	static const char *const bars[] = { "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" };
	__u64 lo = 0, hi = 0;
	size_t n = 0, shown = 0, step;

	for (size_t i = 0; i < p->nmem; i++) {
		__u64 v = p->mem[i].heap_used;

		if (!v)
			continue;
		lo = !n || v < lo ? v : lo;
		hi = v > hi ? v : hi;
		n++;
	}
	if (n < 2)
		return;
	step = (n + 59) / 60; /* at most 60 characters */
	fprintf(f, "  heap after GC %.1f..%.1f MB: ", lo / 1048576.0, hi / 1048576.0);
	for (size_t i = 0; i < p->nmem; i++) {
		__u64 v = p->mem[i].heap_used;

		if (!v || shown++ % step)
			continue;
		fputs(bars[hi > lo ? (v - lo) * 7 / (hi - lo) : 0], f);
	}
	fputc('\n', f);
}

static void print_process(FILE *f, const struct report_process *p, double min_age)
{
	size_t singles = 0, small = 0;
	bool mem_header = false, fd_header = false;
	char size[32];

	fprintf(f, "pid %u %s (%s)%s", p->pid, p->comm, p->exe[0] ? p->exe : "?",
		p->exited ? " exited" : "");
	if (p->exited)
		fprintf(f, " with code %d", p->exit_code);
	if (p->parent_pid)
		fprintf(f, ", child of %u", p->parent_pid);
	fprintf(f, "\n  probes: fds %s; handles %s; gc %s", p->probe_fds, p->probe_handles,
		p->probe_gc);
	/* opt-in: named only when asked for */
	if (p->probe_buffers[0] && strncmp(p->probe_buffers, "off", 3) &&
	    strcmp(p->probe_buffers, "not attached"))
		fprintf(f, "; buffers %s", p->probe_buffers);
	fputc('\n', f);
	if (p->has_gc)
		fprintf(f, "  gc: %llu scavenges, %llu mark-compacts, %llu minor mark-compacts; "
			   "paused %.1f ms in all, %.2f ms at most, p99 %.2f ms\n",
			(unsigned long long)p->gc_count[0], (unsigned long long)p->gc_count[1],
			(unsigned long long)p->gc_count[2], p->gc_pause_total_ms,
			p->gc_pause_max_ms, p->gc_pause_p99_ms);
	if (p->has_gc) {
		fprintf(f, "  heap: %s: %s\n", p->verdict, p->evidence);
		print_sparkline(f, p);
	}
	fprintf(f, "  before tracing: %llu fds open (%llu closed since), %llu handles closed\n",
		(unsigned long long)p->preexisting_fds,
		(unsigned long long)p->preexisting_fds_closed,
		(unsigned long long)p->preexisting_handles_closed);
	fprintf(f, "  opened while tracing and open at the %s: %llu fds, %llu handles\n",
		p->exited ? "exit" : "end", (unsigned long long)p->open_fds,
		(unsigned long long)p->open_handles);
	if (p->exited) {
		fprintf(f, "  memory: none retained, the process exited (record a running one, "
			   "with -d, to see what it holds)\n");
	} else {
		fprintf(f, "  mapped while tracing and still mapped at the end: %s anonymous",
			human_bytes(size, sizeof(size), p->mapped_bytes));
		fprintf(f, ", %s of brk heap\n", human_bytes(size, sizeof(size), p->brk_bytes));
	}
	if (!p->nleaks) {
		fprintf(f, "  no fd or handle older than %.1f s left open\n\n", min_age);
		return;
	}
	/* fds and handles come first in the report (report.c, cmp_leaks), memory after */
	for (size_t i = 0; i < p->nleaks; i++) {
		if (is_memory(&p->leaks[i]))
			continue;
		/* one-offs (node's own startup handles, a listening socket) after the rest, as a
		 * count: the JSON report lists them all */
		if (p->leaks[i].count == 1 && !p->leaks[i].growing) {
			singles++;
			continue;
		}
		if (!fd_header)
			fprintf(f, "  still open, by the stack that opened them (older than %.1f s):\n\n",
				min_age);
		fd_header = true;
		print_leak(f, &p->leaks[i]);
	}
	if (singles)
		fprintf(f, "  and %zu more fds or handles open once each, at distinct stacks "
			   "(--format json lists them)\n\n", singles);
	for (size_t i = 0; i < p->nleaks; i++) {
		if (!is_memory(&p->leaks[i]))
			continue;
		if (p->leaks[i].bytes < TEXT_MIN_MEM_BYTES) {
			small++;
			continue;
		}
		if (!mem_header)
			fprintf(f, "  memory still mapped (or Buffers alive) at the end, older than %.1f s, "
				   "by the stack that made it usable:\n\n", min_age);
		mem_header = true;
		print_leak(f, &p->leaks[i]);
	}
	if (small)
		fprintf(f, "  and %zu more memory groups under 1 MiB each (--format json lists "
			   "them)\n\n", small);
}

int output__text(FILE *f, const struct report *r)
{
	fprintf(f, "leakscope: recorded %.1f s, %zu process%s, %llu events, %llu lost\n\n",
		r->duration_s, r->nprocs, r->nprocs == 1 ? "" : "es",
		(unsigned long long)r->events, (unsigned long long)r->lost_events);
	if (r->lost_events)
		fprintf(f, "WARNING: %llu events were lost (ring buffer full): counts may be off; "
			   "try --buffer-mb\n\n",
			(unsigned long long)r->lost_events);
	if (r->unpaired_stream_handles)
		fprintf(f, "WARNING: %llu tcp/pipe/tty handles were created faster than they got "
			   "sockets and could not be paired with their fds: they may show as open\n\n",
			(unsigned long long)r->unpaired_stream_handles);
	if (r->unwind_failures || r->ustack_errors)
		fprintf(f, "note: %llu memory stacks could not be unwound with DWARF CFI (%llu stacks "
			   "not copied): they show the frame-pointer walk, whose callers of glibc may "
			   "be missing\n\n",
			(unsigned long long)r->unwind_failures, (unsigned long long)r->ustack_errors);
	for (size_t i = 0; i < r->nprocs; i++)
		print_process(f, &r->procs[i], r->min_age_s);
	if (r->js_stacks || r->js_named) {
		__u64 unnamed = 0;

		for (int i = 0; i < JS_UNNAMED_MAX; i++)
			unnamed += r->js_unnamed[i];
		fprintf(f, "JS frames named from the heap: %llu (%llu not), %.1f us per new stack "
			   "(max %.1f)\n",
			(unsigned long long)r->js_named, (unsigned long long)unnamed,
			r->js_stacks ? r->js_ns_total / 1e3 / r->js_stacks : 0, r->js_ns_max / 1e3);
	}
	return fflush(f) || ferror(f) ? -EIO : 0;
}
