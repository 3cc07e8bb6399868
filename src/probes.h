/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The BPF side as userspace sees it: load the probe families, attach the tracepoints once, the
 * uprobes per traced process, and hand events to one callback.  The only file besides check.c
 * that speaks libbpf.
 */
#ifndef LEAKSCOPE_PROBES_H
#define LEAKSCOPE_PROBES_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct probes;

/* Probe families (record --probes). */
enum probe_family {
	PROBE_FDS = 1 << 0,	/* syscall tracepoints: always on */
	PROBE_HANDLES = 1 << 1, /* libuv uprobes */
	PROBE_GC = 1 << 2,	/* V8 garbage collection uprobes */
	PROBE_MEM = 1 << 3,	/* mmap/munmap/mremap/mprotect/brk in the same sys_exit program */
	PROBE_BUFFERS = 1 << 4, /* V8 BackingStore uprobes: opt-in, ~33 us per Buffer */
};
#define PROBE_DEFAULT (PROBE_FDS | PROBE_HANDLES | PROBE_GC | PROBE_MEM)

typedef int (*probes_event_cb)(void *ctx, const void *data, size_t size);

struct probes_opts {
	__u32 ringbuf_bytes; /* power of two */
	int trace_mem;	     /* PROBE_MEM: send memory syscalls of targets */
	probes_event_cb on_event;
	void *ctx;
};

/* Loads every family and attaches the tracepoints.  0 or -errno; *why gets a short reason. */
int probes__open(const struct probes_opts *o, struct probes **out, const char **why);
void probes__close(struct probes *p);

/* Start tracing a process's fds (and, with LS_TARGET_FOLLOW, the processes it forks). */
int probes__add_target(struct probes *p, __u32 pid, __u32 flags);
void probes__remove_target(struct probes *p, __u32 pid);

/*
 * Attach the uprobes of `families` (PROBE_HANDLES, PROBE_GC, PROBE_BUFFERS) to the program that `pid` runs
 * now: libuv and V8 are found in it, or libuv in a mapped libuv.so.  Each status gets a few
 * words ("attached", "skipped: ...").  0, or -ESRCH when the process is gone.
 */
int probes__attach_node(struct probes *p, __u32 pid, unsigned int families, char *handles_status,
			char *gc_status, char *buffers_status, size_t status_len);
/* Drop a process's uprobes (it exited, or exec'd another program). */
void probes__detach_node(struct probes *p, __u32 pid);

/* Wait up to timeout_ms for events and deliver them; returns how many, or -errno. */
int probes__poll(struct probes *p, int timeout_ms);
/* Per-CPU counters summed: enum ls_counter. */
void probes__counters(struct probes *p, __u64 *out, int n);
/* Collections carry the process's RSS: the kernel's mm counters were found (bpf/fds.bpf.c,
 * rss_layout). */
bool probes__has_gc_rss(const struct probes *p);

#endif
