/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What every leakscope BPF object shares: the maps userspace hands from one object to the
 * next (bpf_map__reuse_fd), the user-stack walk and the event emitter.
 */
#ifndef LEAKSCOPE_COMMON_BPF_H
#define LEAKSCOPE_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "leakscope/events.h"

/*
 * Registers at a uprobe, read at fixed offsets: x86_64's pt_regs is user ABI (struct
 * user_regs_struct, arch/x86/include/uapi/asm/ptrace.h; the kernel's struct pt_regs has the
 * same layout).  Through vmlinux.h's struct pt_regs every access would be a CO-RE relocation,
 * and one relocation makes libbpf parse the kernel's whole BTF for that object (~90 ms here):
 * the uprobe-only objects (handles, gc) need none.
 */
struct ls_uregs {
	__u64 r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	__u64 ax, cx, dx, si, di, orig_ax, ip, cs, flags, sp, ss;
};
#define UREGS(ctx) ((const struct ls_uregs *)(ctx))

/* Processes to trace (tgid -> LS_TARGET_* flags). Userspace fills it; fork follows it. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u32);
} targets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20); /* resized by userspace (--buffer-mb) */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LS_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/* Events are built here, not on the 512-byte BPF stack, then copied out with only the frames
 * that were filled (bpf_ringbuf_output takes a variable size, reserve does not). */
union ls_any_event {
	struct ls_fd_open_event fd_open;
	struct ls_handle_event handle;
	struct ls_exec_event exec;
	struct ls_mem_event mem;
	struct ls_buffer_event buffer;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, union ls_any_event);
} scratch SEC(".maps");

/* Worker thread -> the uv_fs_t open request it is running (see handles.bpf.c, fds.bpf.c). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u64);
} worker_req SEC(".maps");

/* Thread -> the fd its last accept returned, until its next fd-creating syscall or stream
 * handle init (events.h, LS_EV_HANDLE_ACCEPTED). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __s32);
} accepted SEC(".maps");

/* Wake the reader only once this much is queued: a wakeup per event (an IPI in a VM) cost a
 * traced HTTP server more than the probes themselves.  Userspace also drains the buffer on
 * its poll timeout, so nothing waits longer than that.  Set by userspace before load. */
const volatile __u64 wakeup_bytes = 1 << 18;

static __always_inline __u64 wakeup_flag(void)
{
	return bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes ? BPF_RB_FORCE_WAKEUP
									       : BPF_RB_NO_WAKEUP;
}

/* Per process, the stream handles whose fd is not known yet: see struct ls_handle_fd_event. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct ls_pending_set);
} stream_pending SEC(".maps");

static __always_inline void count(__u32 which)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &which);

	if (v)
		*v += 1;
}

static __always_inline __u32 target_flags(__u32 tgid)
{
	__u32 *flags = bpf_map_lookup_elem(&targets, &tgid);

	return flags ? *flags : 0;
}

static __always_inline void *scratch_event(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&scratch, &zero);
}

static __always_inline void fill_header(struct ls_event_header *h, __u16 type)
{
	__u64 id = bpf_get_current_pid_tgid();

	h->ts_ns = bpf_ktime_get_ns();
	h->pid = id >> 32;
	h->tid = (__u32)id;
	h->type = type;
	h->cpu = bpf_get_smp_processor_id();
}

/*
 * Walk the user stack through frame pointers.  node, libuv and V8's generated code keep rbp as
 * a frame pointer (V8: src/execution/frame-constants.h), so [fp] is the caller's fp and [fp+8]
 * the return address.  One 32-byte read per frame also picks up fp-16, where V8 frames keep the
 * JSFunction, for naming JS frames without --perf-basic-prof later.
 *
 * at_entry: a uprobe on a function's first instruction, before `push rbp`: the return address
 * is at [sp] and rbp is still the caller's frame.  At a syscall, the leaf is inside libc, which
 * keeps no frame pointer, so the caller of the libc wrapper is not seen (docs/design.md).
 */
struct walk_state {
	struct ls_stack *st;
	__u64 fp;
	__u32 n;
};

/* One frame: a bpf_loop callback, so the verifier checks it once instead of once per
 * iteration of an inline loop (that cost ~100 ms of load time per program that walks). */
static long walk_one_frame(__u64 i, void *data)
{
	struct walk_state *w = data;
	struct ls_stack *st = w->st;
	__u32 n = w->n;
	__u64 v[4];

	if (!w->fp || n == 0 || n > LS_MAX_FRAMES ||
	    bpf_probe_read_user(v, sizeof(v), (void *)(w->fp - 16)))
		return 1;
	/* v[0] = [fp-16]: slot of the frame whose base is fp (the last one added) */
	st->frames[(n - 1) & (LS_MAX_FRAMES - 1)].slot = v[0];
	if (!v[3] || n >= LS_MAX_FRAMES) {
		if (n >= LS_MAX_FRAMES && v[3])
			st->flags |= LS_STACK_TRUNCATED;
		return 1;
	}
	st->frames[n & (LS_MAX_FRAMES - 1)].ip = v[3];
	st->frames[n & (LS_MAX_FRAMES - 1)].slot = 0;
	w->n = n + 1;
	/* stacks grow down: a caller's frame is always above; anything else is junk */
	if (v[2] <= w->fp)
		return 1;
	w->fp = v[2];
	return 0;
}

static __always_inline void walk_user_stack(struct ls_stack *st, __u64 ip, __u64 sp, __u64 fp,
					    int at_entry)
{
	struct walk_state w = { .st = st, .fp = fp, .n = 1 };

	st->flags = 0;
	st->frames[0].ip = ip;
	st->frames[0].slot = 0;
	if (at_entry) {
		__u64 ra = 0;

		st->flags |= LS_STACK_ENTRY;
		if (bpf_probe_read_user(&ra, sizeof(ra), (void *)sp) == 0 && ra) {
			st->frames[1].ip = ra;
			st->frames[1].slot = 0;
			w.n = 2;
		}
	}
	bpf_loop(LS_MAX_FRAMES, walk_one_frame, &w, 0);
	st->nframes = w.n;
}

/* Send an event whose last member is a struct ls_stack, with only the used frames. */
static __always_inline void emit_with_stack(void *e, __u32 stack_offset, struct ls_stack *st)
{
	__u32 n = st->nframes;
	__u64 size;

	if (n > LS_MAX_FRAMES)
		n = LS_MAX_FRAMES;
	size = stack_offset + offsetof(struct ls_stack, frames) + (__u64)n * sizeof(struct ls_frame);
	if (size > sizeof(union ls_any_event))
		size = sizeof(union ls_any_event);
	((struct ls_event_header *)e)->size = size;
	if (bpf_ringbuf_output(&events, e, size, wakeup_flag()))
		count(LS_CNT_LOST_EVENTS);
}

static __always_inline void emit(void *e, __u32 size)
{
	((struct ls_event_header *)e)->size = size;
	if (bpf_ringbuf_output(&events, e, size, wakeup_flag()))
		count(LS_CNT_LOST_EVENTS);
}

/*
 * Pair this process's new stream handles with their fds.  Runs before a close is sent: a
 * stream's own close(fd) happens while its io_watcher.fd still holds the fd (uv__stream_close
 * resets it after), so a handle is always paired by the time its fd closes.  A pending handle
 * that is closing already (closed before it ever had a socket: a failed DNS lookup, say), or
 * whose memory no longer holds a handle of its type, is released here instead.  Costs one map
 * lookup while no handle is pending, a few user reads when some are.
 */
struct sweep_state {
	struct ls_pending_set *set;
	__u32 left; /* occupied slots not visited yet: the walk stops at the last one */
};

/* One slot of the set: a bpf_loop callback (checked once by the verifier, see walk_one_frame). */
static long sweep_slot(__u64 i, struct sweep_state *s)
{
	struct ls_pending_set *set = s->set;
	struct ls_handle_fd_event e = {};
	struct ls_handle_event *c;
	__u32 type = 0, flags = 0;
	__s32 fd = -1;
	int released;
	__u64 h;

	if (i >= LS_PENDING_SLOTS)
		return 1;
	h = set->handle[i];
	if (!h)
		return 0;
	/* slots fill lowest first: with one handle pending, one iteration (a racing thread can
	 * make `left` stale; what is missed now is swept at the next syscall) */
	if (s->left-- <= 1)
		s->left = 0;
	if (bpf_probe_read_user(&type, sizeof(type), (void *)(h + LS_UV_HANDLE_TYPE_OFFSET)) ||
	    bpf_probe_read_user(&flags, sizeof(flags), (void *)(h + LS_UV_HANDLE_FLAGS_OFFSET)) ||
	    bpf_probe_read_user(&fd, sizeof(fd), (void *)(h + LS_UV_STREAM_FD_OFFSET)))
		return 0;
	released = type != set->uv_type[i] || (flags & LS_UV_HANDLE_CLOSING_BITS);
	if (!released && fd < 0)
		return 0;
	if (__sync_val_compare_and_swap(&set->handle[i], h, 0) != h)
		return 0; /* another thread took it */
	__sync_fetch_and_add(&set->used, -1);
	if (released) {
		/* the scratch event: too big for the stack, and free until the open below */
		c = scratch_event();
		if (!c)
			return 0;
		fill_header(&c->h, LS_EV_HANDLE_CLOSE);
		c->handle = h;
		c->uv_type = 0;
		c->probe = LS_HP_CLOSE;
		emit(c, offsetof(struct ls_handle_event, stack));
		return 0;
	}
	fill_header(&e.h, LS_EV_HANDLE_FD);
	e.handle = h;
	e.fd = fd;
	emit(&e, sizeof(e));
	return 0;
}

/* A bpf_loop callback (checked once by the verifier, see walk_one_frame). */
static long sweep_one_slot(__u64 i, void *data)
{
	struct sweep_state *s = data;

	sweep_slot(i, s);
	return s->left == 0;
}

static __always_inline void sweep_pending(__u32 tgid)
{
	struct ls_pending_set *set = bpf_map_lookup_elem(&stream_pending, &tgid);

	struct sweep_state s;

	if (!set || !set->used)
		return;
	s.set = set;
	s.left = set->used;
	bpf_loop(LS_PENDING_SLOTS, sweep_one_slot, &s, 0);
}

#endif /* LEAKSCOPE_COMMON_BPF_H */
