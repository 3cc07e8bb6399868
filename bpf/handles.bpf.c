// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libuv handles, from uprobes on the node binary (libuv is linked into it statically; a node
 * linked against libuv.so works the same way, probed in the library).  Entry probes only:
 * a uretprobe costs ~27 us here against ~6 us for a uprobe, and these fire per connection.
 * Attached per process (perf_event pid filter), so no target lookup is needed here.
 * Arguments come from UREGS() (bpf/common.bpf.h): no CO-RE in this object.
 */
#include "common.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

static __always_inline int emit_handle(struct pt_regs *ctx, __u16 type, __u64 handle,
				       __u32 uv_type, __u32 probe, int with_stack)
{
	struct ls_handle_event *e = scratch_event();

	count(LS_CNT_UPROBE_HITS);
	if (!e)
		return 0;
	fill_header(&e->h, type);
	e->handle = handle;
	e->uv_type = uv_type;
	e->probe = probe;
	if (!with_stack) {
		emit(e, offsetof(struct ls_handle_event, stack));
		return 0;
	}
	walk_user_stack(&e->stack, UREGS(ctx)->ip, UREGS(ctx)->sp, UREGS(ctx)->bp, 1);
	emit_with_stack(e, offsetof(struct ls_handle_event, stack), &e->stack);
	return 0;
}

/* Remember a new stream handle until its fd shows (fds.bpf.c, sweep_pending).  cmpxchg: a
 * worker_threads Worker has its own loop on its own thread, in the same process. */
static __always_inline void add_pending(__u64 handle, __u32 type)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct ls_pending_set *set = bpf_map_lookup_elem(&stream_pending, &tgid);

	if (!set) {
		struct ls_pending_set empty = {};

		bpf_map_update_elem(&stream_pending, &tgid, &empty, BPF_NOEXIST);
		set = bpf_map_lookup_elem(&stream_pending, &tgid);
		if (!set)
			return;
	}
	for (int i = 0; i < LS_PENDING_SLOTS; i++) {
		if (set->handle[i] == 0 &&
		    __sync_val_compare_and_swap(&set->handle[i], 0, handle) == 0) {
			set->uv_type[i] = type;
			__sync_fetch_and_add(&set->used, 1);
			return;
		}
	}
	count(LS_CNT_PENDING_OVERFLOW);
}

/* uv_<type>_init(loop, handle, ...) and uv_spawn(loop, process, options): the handle is the
 * second argument; the attach cookie is its enum uv_handle_type. */
SEC("uprobe")
int handle_init(struct pt_regs *ctx)
{
	__u64 handle = UREGS(ctx)->si;
	__u32 type = bpf_get_attach_cookie(ctx);
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__s32 *accepted_fd;

	/* The connection just accepted on this thread: libuv's accept loop hands exactly that fd
	 * to the stream handle node creates next (uv__server_io -> OnConnection -> uv_accept), so
	 * the handle is paired with it here, with no stack walk and no pending slot. */
	accepted_fd = type == LS_UV_TCP || type == LS_UV_NAMED_PIPE
			      ? bpf_map_lookup_elem(&accepted, &tid)
			      : NULL;
	if (accepted_fd) {
		struct ls_handle_fd_event e = {};

		count(LS_CNT_UPROBE_HITS);
		fill_header(&e.h, LS_EV_HANDLE_ACCEPTED);
		e.handle = handle;
		e.fd = *accepted_fd;
		e.uv_type = type;
		bpf_map_delete_elem(&accepted, &tid);
		emit(&e, sizeof(e));
		return 0;
	}
	if (type == LS_UV_TCP || type == LS_UV_NAMED_PIPE || type == LS_UV_TTY) {
		/* make room: earlier handles may have their fd by now, or be closed already */
		sweep_pending(bpf_get_current_pid_tgid() >> 32);
		add_pending(handle, type);
	}
	return emit_handle(ctx, LS_EV_HANDLE_INIT, handle, type, LS_HP_INIT, 1);
}

/* uv_close(handle, cb), or the per-type uv__<type>_close(handle) it calls when those have
 * symbols (then stream types are left to their fds): the handle is closing and can never be
 * used again. */
SEC("uprobe")
int handle_close(struct pt_regs *ctx)
{
	return emit_handle(ctx, LS_EV_HANDLE_CLOSE, UREGS(ctx)->di, 0, LS_HP_CLOSE, 0);
}

/* uv_fs_open(loop, req, path, flags, mode, cb): with a callback the open runs on a worker
 * thread; remember who asked. */
SEC("uprobe")
int fs_open_enter(struct pt_regs *ctx)
{
	/* cb is the 6th argument (r9) */
	if (!UREGS(ctx)->r9)
		return 0;
	return emit_handle(ctx, LS_EV_FS_REQUEST, UREGS(ctx)->si, LS_UV_FS_OPEN,
			   LS_HP_FS_OPEN, 1);
}

/* uv__fs_work(struct uv__work *w) runs a request on a worker thread; w is req->work_req. */
SEC("uprobe")
int fs_work_enter(struct pt_regs *ctx)
{
	__u64 req = UREGS(ctx)->di - LS_UV_FS_WORK_REQ_OFFSET;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__s32 fs_type = 0;

	count(LS_CNT_UPROBE_HITS);
	if (bpf_probe_read_user(&fs_type, sizeof(fs_type), (void *)(req + LS_UV_FS_TYPE_OFFSET)))
		return 0;
	if (fs_type == LS_UV_FS_OPEN)
		bpf_map_update_elem(&worker_req, &tid, &req, BPF_ANY);
	else
		bpf_map_delete_elem(&worker_req, &tid); /* never credit a stale request */
	return 0;
}
