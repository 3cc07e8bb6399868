/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Pairs opens with closes: which fds and libuv handles of each traced process are open right
 * now, who opened them (stack id) and when.  Fed raw events (the bytes BPF sent, the same that a
 * recording stores), so live and offline runs take one path.  Knows nothing of libbpf.
 */
#ifndef LEAKSCOPE_TRACKER_H
#define LEAKSCOPE_TRACKER_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "hashmap.h"
#include "leakscope/events.h"
#include "memmap.h"
#include "stacks.h"

enum leak_kind {
	LEAK_FD = 1,
	LEAK_HANDLE = 2,
	LEAK_MMAP = 3, /* anonymous private mappings (struct memmap, MEM_MMAP) */
	LEAK_BRK = 4,  /* brk heap growth (MEM_BRK) */
	LEAK_BUFFER = 5, /* a V8 BackingStore (ArrayBuffer memory), --probes +buffers */
};

/* One fd, handle or ArrayBuffer backing store that is open. */
struct open_item {
	__u64 open_ts;
	__u64 bytes; /* LEAK_BUFFER */
	__u32 stack_id;
	__u16 kind;   /* enum leak_kind */
	__u16 type;   /* enum fd_type or enum ls_uv_type */
	__u16 family; /* sockets */
	__u16 syscall;
};

#define PROBE_STATUS_LEN 160

/* Process memory, sampled by userspace from /proc/PID/statm (at least once a second). */
struct rss_sample {
	__u64 ts_ns;
	__u64 anon, file; /* bytes */
};

/* One collection, in the order they ended. */
struct gc_point {
	__u64 ts_ns;	  /* when it ended */
	__u64 pause_ns;
	__u64 heap_after; /* live bytes after it, 0: unknown */
	__u64 rss_anon, rss_file; /* the process's RSS then (BPF, mm counters), 0 and 0: unknown */
	__u32 reason;	  /* V8 GarbageCollectionReason */
	int full;	  /* a mark-compact */
};

/* V8 garbage collections of one process (struct ls_gc_event). */
struct gc_stats {
	__u64 count[3]; /* enum ls_gc_collector */
	__u64 other;	/* a collector number this version does not know */
	__u64 pause_total_ns;
	__u64 pause_max_ns;
	struct gc_point *points; /* every collection, for percentiles and memory samples */
	size_t npoints, cap;
};

struct proc_state {
	__u32 pid;
	__u32 parent_pid; /* a traced process that forked it, or 0 */
	char comm[16];
	char exe[256];
	bool exited;
	bool execed; /* its image changed during the recording */
	int exit_code;
	__u64 exit_ts;
	struct hashmap fds;	       /* fd -> struct open_item */
	struct hashmap handles;	       /* uv_handle_t* -> struct open_item */
	struct hashmap fs_requests;    /* uv_fs_t* -> stack id (as a pointer-sized number) */
	struct hashmap pending_closes; /* fd -> close ts + 1, a close with no open seen yet */
	struct hashmap handle_fds;     /* fd -> the stream handle that owns it */
	struct hashmap buffers;	       /* BackingStore* -> struct open_item */
	__u64 preexisting_fds;	       /* open when tracing began */
	__u64 preexisting_fds_closed;  /* closes of fds opened before tracing began */
	__u64 preexisting_handles_closed;
	char probe_fds[PROBE_STATUS_LEN];
	char probe_handles[PROBE_STATUS_LEN];
	char probe_gc[PROBE_STATUS_LEN];
	char probe_buffers[PROBE_STATUS_LEN];
	struct gc_stats gc;
	struct memmap mem; /* anonymous memory mapped while tracing */
	__u64 brk_top;	   /* the program break as last seen, 0: not known yet */
	struct rss_sample *rss;
	size_t nrss, rss_cap;
};

struct tracker;

/* Called once per new distinct stack, while its process most likely still lives. */
typedef void (*tracker_stack_cb)(void *ctx, struct stack_entry *stack);

/*
 * Unwinds a memory event's copied user stack (DWARF CFI through frames without frame
 * pointers, src/unwind.c) into out[LS_MAX_FRAMES].  0, or -errno: the tracker then keeps the
 * frame-pointer walk BPF sent.  ustack_len: bytes of e->ustack that arrived.
 */
typedef int (*tracker_unwind_cb)(void *ctx, __u32 pid, const struct ls_mem_event *e,
				 size_t ustack_len, struct ls_stack *out);

struct tracker *tracker__new(tracker_stack_cb on_new_stack, void *ctx);
void tracker__set_unwinder(struct tracker *t, tracker_unwind_cb unwind, void *ctx);
/* Memory events whose stack was unwound from the copy, and those left with the FP walk. */
void tracker__unwind_stats(const struct tracker *t, __u64 *unwound, __u64 *failed);
void tracker__free(struct tracker *t);

/* One event as BPF sent it.  0, or -EINVAL for a malformed one (counted, skipped). */
int tracker__on_event(struct tracker *t, const void *data, size_t size);

struct proc_state *tracker__proc(struct tracker *t, __u32 pid, bool create);
/* Walks processes in the order they were first seen. */
struct proc_state *tracker__proc_at(const struct tracker *t, size_t i);
size_t tracker__proc_count(const struct tracker *t);
struct stack_table *tracker__stacks(const struct tracker *t);
__u64 tracker__events(const struct tracker *t);
__u64 tracker__bad_events(const struct tracker *t);
/*
 * An anonymous private PROT_NONE mapping that existed before tracing began (-p): a later
 * mprotect that makes part of it accessible commits memory (glibc thread arenas grow so).
 * 0 or -ENOMEM.
 */
int tracker__add_reservation(struct tracker *t, __u32 pid, __u64 start, __u64 end);
/* A memory sample of a live process.  0 or -ENOMEM. */
int tracker__add_rss(struct tracker *t, __u32 pid, __u64 ts_ns, __u64 anon, __u64 file);

#endif
