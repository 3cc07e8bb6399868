/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The BPF side as userspace sees it: load the probe families, attach the tracepoints once, the
 * uprobes per traced process, and hand events to one callback.  The only file besides check.c
 * that speaks libbpf.
 */
#ifndef LEAKSCOPE_PROBES_H
#define LEAKSCOPE_PROBES_H

#include <stddef.h>
#include <linux/types.h>

struct probes;

typedef int (*probes_event_cb)(void *ctx, const void *data, size_t size);

struct probes_opts {
	__u32 ringbuf_bytes; /* power of two */
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
 * Attach the libuv uprobes to the program that `pid` runs now.  0 when attached; -ENOENT
 * when the program has no libuv (not node): `status` says so either way, in a few words.
 */
int probes__attach_handles(struct probes *p, __u32 pid, char *status, size_t status_len);
/* Drop a process's uprobes (it exited, or exec'd another program). */
void probes__detach_handles(struct probes *p, __u32 pid);

/* Wait up to timeout_ms for events and deliver them; returns how many, or -errno. */
int probes__poll(struct probes *p, int timeout_ms);
/* Per-CPU counters summed: enum ls_counter. */
void probes__counters(struct probes *p, __u64 *out, int n);

#endif
