/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The report, as every output format sees it: plain data, names already resolved.  Built once
 * from the tracker and the symbolizer at the end of a recording (report.c); the writers in
 * output/ only print it.
 */
#ifndef LEAKSCOPE_REPORT_H
#define LEAKSCOPE_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include "jsnames.h"
#include "leakscope/events.h"

struct tracker;
struct symbolizer;

struct report_frame {
	char *name;   /* function, or "[JIT] 0x..." / "module+0x..." when unnamed */
	char *module; /* binary or library path; script path or URL for JS; may be NULL */
	__u32 line;   /* 0: unknown */
	__u32 column;
	const char *kind; /* "js", "native", "kernel" */
	__u64 addr;
};

struct report_leak {
	const char *kind; /* "fd", "handle", "mmap", "brk", "heap" (V8 heap pages: an mmap),
			   * "buffer" (V8 BackingStores) */
	const char *type; /* "file", "socket", "tcp", ... */
	const char *family; /* sockets: "inet", "unix", ...; else NULL */
	__u32 count; /* memory kinds: mapped ranges (or pieces of them) */
	__u64 bytes; /* memory kinds: bytes retained */
	double oldest_age_s;
	double rate_per_s;
	bool growing;
	struct report_frame *frames; /* leaf first */
	size_t nframes;
};

/* A collection's end (gc_end: heap and RSS as it ended, both from BPF), or a /proc statm
 * sample of the RSS (recorder, once a second). */
struct report_mem_sample {
	double t_s;
	int gc_end;	 /* a collection ended here */
	__u64 heap_used; /* after that collection; 0: unknown */
	int full;	 /* that collection was a mark-compact */
	__u32 reason;
	__u64 rss_anon, rss_file; /* 0 and 0: unknown */
};

struct report_process {
	__u32 pid;
	__u32 parent_pid;
	char comm[16];
	char exe[256];
	bool exited;
	int exit_code;
	char probe_fds[160];
	char probe_handles[160];
	char probe_gc[160];
	char probe_buffers[160];
	bool has_gc;		  /* the GC probes were attached */
	__u64 gc_count[3];	  /* scavenge, mark_compact, minor_mark_compact */
	__u64 gc_other;
	double gc_pause_total_ms, gc_pause_max_ms, gc_pause_p99_ms;
	/* memory: samples relative to the start of tracing, and the heap verdict */
	struct report_mem_sample *mem;
	size_t nmem;
	const char *verdict; /* "leak", "growing", "stable", "unknown" */
	double floor_slope_bytes_per_s;
	char evidence[256];
	__u64 preexisting_fds, preexisting_fds_closed, preexisting_handles_closed;
	__u64 open_fds, open_handles; /* everything open at the end, of any age */
	__u64 mapped_bytes, brk_bytes; /* anonymous memory retained at the end, of any age */
	__u64 open_buffers;	       /* BackingStores made while tracing and alive at the end */
	struct report_leak *leaks;
	size_t nleaks;
};

struct report {
	double duration_s;
	double min_age_s;
	__u64 lost_events;
	__u64 events;
	__u64 bad_events;
	__u64 syscall_hits;
	__u64 uprobe_hits;
	__u64 gc_hits;
	__u64 unpaired_stream_handles; /* overflowed the pending set: never released */
	__u64 mem_hits;		 /* memory syscalls of targets */
	__u64 buffer_hits;	 /* BackingStore uprobe hits */
	__u64 ustack_errors;	 /* memory events whose user stack BPF could not copy */
	__u64 unwound_stacks;	 /* memory stacks unwound with DWARF CFI */
	__u64 unwind_failures;	 /* memory stacks left with the frame-pointer walk */
	__u64 stacks;
	/* JavaScript frames named from the target's heap (jsnames.c), and the cost of it */
	__u64 js_named;
	__u64 js_unnamed[JS_UNNAMED_MAX];
	__u64 js_stacks, js_ns_total, js_ns_max, js_ns_first;
	struct report_process *procs;
	size_t nprocs;
};

struct report_opts {
	__u64 start_ns, end_ns, min_age_ns;
	double duration_s;
	__u64 counters[LS_CNT_MAX]; /* enum ls_counter, summed over CPUs */
	const struct jsnames_stats *js; /* NULL: JS frames were not read from the heap */
};

int report__build(struct report *r, struct tracker *t, struct symbolizer *sym,
		  const struct report_opts *o);
void report__free(struct report *r);

/* output/json.c, output/text.c: 0 or -errno (EIO when the stream failed) */
int output__json(FILE *f, const struct report *r);
int output__text(FILE *f, const struct report *r);

#endif
