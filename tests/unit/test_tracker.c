// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <linux/types.h>
#include "leakscope/events.h"
#include "leakscope/syscalls.h"
#include "fdtype.h"
#include "tracker.h"

#define PID 100
#define CLOSE_RANGE_UNSHARE 2
#define CLOSE_RANGE_CLOEXEC 4

struct fixture {
	struct tracker *t;
	int new_stacks;
	__u32 last_new_id;
	__u64 last_new_ip;
};

static void on_new_stack(void *ctx, struct stack_entry *st)
{
	struct fixture *f = ctx;

	f->new_stacks++;
	f->last_new_id = st->id;
	f->last_new_ip = st->nframes ? st->frames[0].ip : 0;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->t = tracker__new(on_new_stack, f);
	if (!f->t) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	tracker__free(f->t);
	free(f);
	return 0;
}

/* Hand the tracker exactly the bytes that were "sent", in a buffer of that size, so that a read
 * past them is a valgrind error rather than a read of zeroes. */
static int send(struct tracker *t, const void *ev, size_t size)
{
	void *copy = malloc(size ? size : 1);
	int err;

	assert_non_null(copy);
	memcpy(copy, ev, size);
	err = tracker__on_event(t, copy, size);
	free(copy);
	return err;
}

static void fill_header(struct ls_event_header *h, __u16 type, __u32 pid, __u64 ts, size_t size)
{
	h->type = type;
	h->pid = pid;
	h->tid = pid;
	h->ts_ns = ts;
	h->size = size;
}

/* A stack of n frames whose leaf is `ip`: ip, ip + 0x10, ... */
static void fill_stack(struct ls_stack *st, __u64 ip, __u32 n)
{
	st->nframes = n;
	for (__u32 i = 0; i < n && i < LS_MAX_FRAMES; i++) {
		st->frames[i].ip = ip + i * 0x10;
		st->frames[i].slot = 0x5000 + i; /* ignored by stack identity */
	}
}

#define OPEN_SIZE(n) \
	(offsetof(struct ls_fd_open_event, stack.frames) + (n) * sizeof(struct ls_frame))
#define HANDLE_SIZE(n) \
	(offsetof(struct ls_handle_event, stack.frames) + (n) * sizeof(struct ls_frame))

/* Zero means "default" for every field but fd. */
struct open_args {
	__u64 ts, enter_ts, fs_req, ip;
	int fd, fd2;
	bool pair; /* fd2 is meaningful (pipe, socketpair) */
	__u32 pid, nr, mode, nframes;
	__u16 family;
	const char *name;
};

static void build_open(struct ls_fd_open_event *e, const struct open_args *a)
{
	__u32 n = a->nframes ? a->nframes : 3;

	memset(e, 0, sizeof(*e));
	fill_header(&e->h, LS_EV_FD_OPEN, a->pid ? a->pid : PID, a->ts, OPEN_SIZE(n));
	e->enter_ts_ns = a->enter_ts ? a->enter_ts : a->ts - 1;
	e->fs_req = a->fs_req;
	e->fd = a->fd;
	e->fd2 = a->pair ? a->fd2 : -1;
	e->syscall = a->nr ? a->nr : LS_NR_openat;
	e->i_mode = a->mode ? a->mode : S_IFREG | 0644;
	e->family = a->family;
	strncpy(e->name, a->name ? a->name : "data.txt", LS_NAME_LEN);
	fill_stack(&e->stack, a->ip ? a->ip : 0x1000, n);
}

static int send_open(struct tracker *t, const struct open_args *a)
{
	struct ls_fd_open_event e;

	build_open(&e, a);
	return send(t, &e, e.h.size);
}

#define OPEN(t, ...) send_open((t), &(struct open_args){ __VA_ARGS__ })

static int send_close_range(struct tracker *t, __u32 pid, __u64 ts, int first, int last,
			    __u32 flags)
{
	struct ls_fd_close_event e = { 0 };

	fill_header(&e.h, LS_EV_FD_CLOSE_RANGE, pid, ts, sizeof(e));
	e.fd = first;
	e.last_fd = last;
	e.syscall = LS_NR_close_range;
	e.flags = flags;
	return send(t, &e, sizeof(e));
}

static int send_close(struct tracker *t, __u32 pid, __u64 ts, int fd)
{
	struct ls_fd_close_event e = { 0 };

	fill_header(&e.h, LS_EV_FD_CLOSE, pid, ts, sizeof(e));
	e.fd = fd;
	e.last_fd = fd;
	e.syscall = LS_NR_close;
	return send(t, &e, sizeof(e));
}

/* type: LS_EV_HANDLE_INIT, LS_EV_HANDLE_CLOSE (sent without a stack) or LS_EV_FS_REQUEST */
static int send_handle(struct tracker *t, __u16 type, __u64 ts, __u64 addr, __u32 uv_type,
		       __u64 ip)
{
	struct ls_handle_event e;
	size_t size = type == LS_EV_HANDLE_CLOSE ? offsetof(struct ls_handle_event, stack)
						 : HANDLE_SIZE(4);

	memset(&e, 0, sizeof(e));
	fill_header(&e.h, type, PID, ts, size);
	e.handle = addr;
	e.uv_type = uv_type;
	e.probe = type == LS_EV_HANDLE_CLOSE ? LS_HP_CLOSE
		  : type == LS_EV_FS_REQUEST  ? LS_HP_FS_OPEN
					      : LS_HP_INIT;
	fill_stack(&e.stack, ip, 4);
	return send(t, &e, size);
}

static int send_proc(struct tracker *t, __u16 type, __u32 pid, __u64 ts, __u32 child, int code)
{
	struct ls_proc_event e = { 0 };

	fill_header(&e.h, type, pid, ts, sizeof(e));
	e.child_pid = child;
	e.exit_code = code;
	return send(t, &e, sizeof(e));
}

static struct proc_state *proc(struct fixture *f)
{
	struct proc_state *p = tracker__proc(f->t, PID, false);

	assert_non_null(p);
	return p;
}

static const struct open_item *fd_item(struct fixture *f, int fd)
{
	return hashmap__get(&proc(f)->fds, (__u64)fd);
}

static const struct open_item *handle_item(struct fixture *f, __u64 addr)
{
	return hashmap__get(&proc(f)->handles, addr);
}

/* The leaf ip of stack `id`. */
static __u64 leaf_ip(struct fixture *f, __u32 id)
{
	struct stack_entry *st = stack_table__get(tracker__stacks(f->t), id);

	assert_non_null(st);
	assert_true(st->nframes > 0);
	return st->frames[0].ip;
}

static void tracker__open_then_close__nothing_open(void **state)
{
	struct fixture *f = *state;
	const struct open_item *it;

	assert_int_equal(OPEN(f->t, .ts = 100, .fd = 5), 0);
	it = fd_item(f, 5);
	assert_non_null(it);
	assert_int_equal(it->kind, LEAK_FD);
	assert_int_equal(it->type, FD_FILE);
	assert_int_equal(it->open_ts, 100);
	assert_int_equal(it->syscall, LS_NR_openat);
	assert_int_equal(leaf_ip(f, it->stack_id), 0x1000);

	assert_int_equal(send_close(f->t, PID, 200, 5), 0);
	assert_int_equal(proc(f)->fds.len, 0);
	assert_null(fd_item(f, 5));
	assert_int_equal(proc(f)->preexisting_fds_closed, 0);
	assert_int_equal(proc(f)->pending_closes.len, 0);
	assert_int_equal(tracker__events(f->t), 2);
	assert_int_equal(tracker__bad_events(f->t), 0);
}

static void tracker__fd_reused__second_stack_kept(void **state)
{
	struct fixture *f = *state;
	const struct open_item *it;

	assert_int_equal(OPEN(f->t, .ts = 100, .fd = 5, .ip = 0xa000), 0);
	assert_int_equal(send_close(f->t, PID, 200, 5), 0);
	assert_int_equal(OPEN(f->t, .ts = 300, .fd = 5, .ip = 0xb000), 0);
	assert_int_equal(proc(f)->fds.len, 1);
	it = fd_item(f, 5);
	assert_non_null(it);
	assert_int_equal(it->open_ts, 300);
	assert_int_equal(leaf_ip(f, it->stack_id), 0xb000);
	assert_int_equal(proc(f)->preexisting_fds_closed, 0);
}

static void tracker__open_over_open_fd__replaced(void **state)
{
	struct fixture *f = *state;
	const struct open_item *it;

	assert_int_equal(OPEN(f->t, .ts = 100, .fd = 7, .ip = 0xa000), 0);
	/* dup2(sock, 7): the kernel closed the old 7 without a close syscall */
	assert_int_equal(OPEN(f->t, .ts = 200, .fd = 7, .ip = 0xb000, .nr = LS_NR_dup2,
			      .mode = S_IFSOCK | 0777, .family = 2, .name = "TCP"),
			 0);
	assert_int_equal(proc(f)->fds.len, 1);
	it = fd_item(f, 7);
	assert_non_null(it);
	assert_int_equal(it->type, FD_SOCKET);
	assert_int_equal(it->family, 2);
	assert_int_equal(it->open_ts, 200);
	assert_int_equal(leaf_ip(f, it->stack_id), 0xb000);
	assert_int_equal(send_close(f->t, PID, 300, 7), 0);
	assert_int_equal(proc(f)->fds.len, 0);
	assert_int_equal(proc(f)->preexisting_fds_closed, 0);
}

static void tracker__pipe_event__both_fds_tracked(void **state)
{
	struct fixture *f = *state;
	const struct open_item *a, *b;

	assert_int_equal(OPEN(f->t, .ts = 100, .fd = 3, .fd2 = 4, .pair = true, .nr = LS_NR_pipe2,
			      .mode = S_IFIFO | 0600, .name = "pipe:[9]"),
			 0);
	assert_int_equal(proc(f)->fds.len, 2);
	a = fd_item(f, 3);
	b = fd_item(f, 4);
	assert_non_null(a);
	assert_non_null(b);
	assert_ptr_not_equal(a, b);
	assert_int_equal(a->type, FD_PIPE);
	assert_int_equal(b->type, FD_PIPE);
	assert_int_equal(a->stack_id, b->stack_id);
	assert_int_equal(send_close(f->t, PID, 200, 3), 0);
	assert_null(fd_item(f, 3));
	assert_non_null(fd_item(f, 4));
	assert_int_equal(proc(f)->fds.len, 1);
}

static void tracker__close_range__closes_only_range(void **state)
{
	struct fixture *f = *state;

	for (int fd = 2; fd <= 12; fd++)
		assert_int_equal(OPEN(f->t, .ts = 100 + fd, .fd = fd), 0);
	assert_int_equal(send_close_range(f->t, PID, 200, 3, 10, 0), 0);
	assert_int_equal(proc(f)->fds.len, 3);
	assert_non_null(fd_item(f, 2));
	for (int fd = 3; fd <= 10; fd++)
		assert_null(fd_item(f, fd));
	assert_non_null(fd_item(f, 11));
	assert_non_null(fd_item(f, 12));
	/* CLOSE_RANGE_UNSHARE still closes */
	assert_int_equal(send_close_range(f->t, PID, 300, 11, 11, CLOSE_RANGE_UNSHARE), 0);
	assert_null(fd_item(f, 11));
	assert_int_equal(proc(f)->fds.len, 2);
}

static void tracker__close_range_cloexec__closes_nothing(void **state)
{
	struct fixture *f = *state;

	for (int fd = 3; fd <= 6; fd++)
		assert_int_equal(OPEN(f->t, .ts = 100 + fd, .fd = fd), 0);
	assert_int_equal(send_close_range(f->t, PID, 200, 0, 0x7fffffff, CLOSE_RANGE_CLOEXEC), 0);
	assert_int_equal(proc(f)->fds.len, 4);
	for (int fd = 3; fd <= 6; fd++)
		assert_non_null(fd_item(f, fd));
}

static void tracker__exec__clears_and_counts_inherited(void **state)
{
	struct fixture *f = *state;
	struct ls_exec_event e = { 0 };
	struct proc_state *p;

	assert_int_equal(OPEN(f->t, .ts = 100, .fd = 3), 0);
	assert_int_equal(OPEN(f->t, .ts = 101, .fd = 4), 0);
	assert_int_equal(send_handle(f->t, LS_EV_HANDLE_INIT, 102, 0xaa00, LS_UV_TCP, 0x2000), 0);
	assert_int_equal(send_handle(f->t, LS_EV_FS_REQUEST, 103, 0xf000, LS_UV_FS_OPEN, 0x3000),
			 0);
	assert_int_equal(send_close(f->t, PID, 104, 9), 0);	/* unknown fd */
	assert_int_equal(send_handle(f->t, LS_EV_HANDLE_CLOSE, 105, 0xbb00, 0, 0), 0);
	p = proc(f);
	assert_int_equal(p->preexisting_fds_closed, 1);
	assert_int_equal(p->preexisting_handles_closed, 1);

	fill_header(&e.h, LS_EV_EXEC, PID, 200, sizeof(e));
	e.open_fds[0] = 0x7;		/* stdio */
	e.open_fds[1] = 0x1;		/* fd 64 */
	e.open_fds[7] = 1ULL << 63;	/* fd 511 */
	e.max_fds = 512;
	memcpy(e.comm, "node", 5);
	assert_int_equal(send(f->t, &e, sizeof(e)), 0);

	p = proc(f);
	assert_true(p->execed);
	assert_string_equal(p->comm, "node");
	assert_int_equal(p->fds.len, 0);
	assert_int_equal(p->handles.len, 0);
	assert_int_equal(p->fs_requests.len, 0);
	assert_int_equal(p->pending_closes.len, 0);
	assert_int_equal(p->preexisting_fds, 5);
	assert_int_equal(p->preexisting_fds_closed, 0);
	assert_int_equal(p->preexisting_handles_closed, 0);
	/* the new image's inherited stdio is pre-existing */
	assert_int_equal(send_close(f->t, PID, 300, 1), 0);
	assert_int_equal(p->preexisting_fds_closed, 1);
	assert_false(p->exited);
}

static void tracker__exit__marks_exited_keeps_open(void **state)
{
	struct fixture *f = *state;
	struct proc_state *p;

	assert_int_equal(OPEN(f->t, .ts = 100, .fd = 3), 0);
	assert_int_equal(OPEN(f->t, .ts = 101, .fd = 4), 0);
	assert_int_equal(send_close(f->t, PID, 102, 4), 0);
	assert_int_equal(send_handle(f->t, LS_EV_HANDLE_INIT, 103, 0xaa00, LS_UV_TIMER, 0x2000), 0);
	assert_int_equal(send_proc(f->t, LS_EV_EXIT, PID, 500, 0, 3), 0);
	p = proc(f);
	assert_true(p->exited);
	assert_int_equal(p->exit_ts, 500);
	assert_int_equal(p->exit_code, 3);
	assert_int_equal(p->fds.len, 1);
	assert_non_null(fd_item(f, 3));
	assert_int_equal(p->handles.len, 1);
	assert_non_null(handle_item(f, 0xaa00));
}

static void tracker__close_before_open__later_close__open_not_tracked(void **state)
{
	struct fixture *f = *state;

	/* thread B closed fd 5 at 150, after thread A's open entered (140) and got fd 5, before
	 * A's sys_exit event (160) was sent */
	assert_int_equal(send_close(f->t, PID, 150, 5), 0);
	assert_int_equal(proc(f)->preexisting_fds_closed, 1);
	assert_int_equal(OPEN(f->t, .ts = 160, .enter_ts = 140, .fd = 5), 0);
	assert_null(fd_item(f, 5));
	assert_int_equal(proc(f)->fds.len, 0);
	assert_int_equal(proc(f)->preexisting_fds_closed, 0);
	assert_int_equal(proc(f)->pending_closes.len, 0);
	/* that close is used up: the next open of 5 is tracked */
	assert_int_equal(OPEN(f->t, .ts = 260, .enter_ts = 140, .fd = 5), 0);
	assert_non_null(fd_item(f, 5));
	assert_int_equal(proc(f)->preexisting_fds_closed, 0);
}

static void tracker__close_before_open__earlier_close__open_tracked(void **state)
{
	struct fixture *f = *state;

	/* the close at 100 was of an older fd 5, opened before tracing began */
	assert_int_equal(send_close(f->t, PID, 100, 5), 0);
	assert_int_equal(OPEN(f->t, .ts = 160, .enter_ts = 140, .fd = 5), 0);
	assert_non_null(fd_item(f, 5));
	assert_int_equal(proc(f)->fds.len, 1);
	assert_int_equal(proc(f)->preexisting_fds_closed, 1);
	assert_int_equal(proc(f)->pending_closes.len, 0);
}

static void tracker__close_before_pipe__only_other_end_tracked(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(send_close(f->t, PID, 150, 4), 0);
	assert_int_equal(OPEN(f->t, .ts = 160, .enter_ts = 140, .fd = 3, .fd2 = 4, .pair = true,
			      .nr = LS_NR_pipe2, .mode = S_IFIFO | 0600),
			 0);
	assert_non_null(fd_item(f, 3));
	assert_null(fd_item(f, 4));
	assert_int_equal(proc(f)->preexisting_fds_closed, 0);
}

static void tracker__close_unknown_fd__counts_preexisting(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(send_close(f->t, PID, 100, 0), 0);
	assert_int_equal(send_close(f->t, PID, 101, 1), 0);
	assert_int_equal(send_close(f->t, PID, 102, 17), 0);
	assert_int_equal(proc(f)->preexisting_fds_closed, 3);
	assert_int_equal(proc(f)->fds.len, 0);
	assert_int_equal(tracker__bad_events(f->t), 0);
}

static void tracker__handle_init_close__paired_by_address(void **state)
{
	struct fixture *f = *state;
	const struct open_item *it;

	assert_int_equal(send_handle(f->t, LS_EV_HANDLE_INIT, 100, 0xaa00, LS_UV_TCP, 0x2000), 0);
	assert_int_equal(send_handle(f->t, LS_EV_HANDLE_INIT, 101, 0xbb00, LS_UV_TIMER, 0x3000), 0);
	assert_int_equal(proc(f)->handles.len, 2);
	assert_int_equal(send_handle(f->t, LS_EV_HANDLE_CLOSE, 200, 0xaa00, 0, 0), 0);
	assert_int_equal(proc(f)->handles.len, 1);
	assert_null(handle_item(f, 0xaa00));
	it = handle_item(f, 0xbb00);
	assert_non_null(it);
	assert_int_equal(it->kind, LEAK_HANDLE);
	assert_int_equal(it->type, LS_UV_TIMER);
	assert_int_equal(it->open_ts, 101);
	assert_int_equal(leaf_ip(f, it->stack_id), 0x3000);
	assert_int_equal(proc(f)->preexisting_handles_closed, 0);
	/* handles and fds are apart: no fd was closed */
	assert_int_equal(proc(f)->preexisting_fds_closed, 0);
}

static int send_handle_fd(struct tracker *t, __u16 type, __u64 ts, __u64 addr, int fd)
{
	struct ls_handle_fd_event e;

	memset(&e, 0, sizeof(e));
	fill_header(&e.h, type, PID, ts, sizeof(e));
	e.handle = addr;
	e.fd = fd;
	e.uv_type = LS_UV_TCP;
	return send(t, &e, sizeof(e));
}

static void tracker__accepted_handle__takes_accept_stack_released_by_fd(void **state)
{
	struct fixture *f = *state;
	const struct open_item *h;

	assert_int_equal(OPEN(f->t, .ts = 100, .fd = 9, .nr = LS_NR_accept4, .ip = 0x7000,
			      .mode = S_IFSOCK | 0777),
			 0);
	assert_int_equal(send_handle_fd(f->t, LS_EV_HANDLE_ACCEPTED, 110, 0xbb00, 9), 0);
	h = handle_item(f, 0xbb00);
	assert_non_null(h);
	assert_int_equal(h->type, LS_UV_TCP);
	assert_int_equal(h->stack_id, fd_item(f, 9)->stack_id);
	assert_int_equal(leaf_ip(f, h->stack_id), 0x7000);
	/* paired with the accepted fd by the event itself: released with it */
	assert_int_equal(send_close(f->t, PID, 130, 9), 0);
	assert_null(handle_item(f, 0xbb00));
	assert_null(fd_item(f, 9));
}

static void tracker__accepted_handle_fd_unseen__no_stack(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(send_handle_fd(f->t, LS_EV_HANDLE_ACCEPTED, 110, 0xbb00, 9), 0);
	assert_non_null(handle_item(f, 0xbb00));
	assert_int_equal(handle_item(f, 0xbb00)->stack_id, 0);
}

static void tracker__handle_close_unknown__counts_preexisting(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(send_handle(f->t, LS_EV_HANDLE_INIT, 100, 0xaa00, LS_UV_TCP, 0x2000), 0);
	assert_int_equal(send_handle(f->t, LS_EV_HANDLE_CLOSE, 200, 0xcc00, 0, 0), 0);
	assert_int_equal(send_handle(f->t, LS_EV_HANDLE_CLOSE, 201, 0xdd00, 0, 0), 0);
	assert_int_equal(proc(f)->preexisting_handles_closed, 2);
	assert_int_equal(proc(f)->handles.len, 1);
	assert_non_null(handle_item(f, 0xaa00));
}

static void tracker__handle_init_twice__one_item(void **state)
{
	struct fixture *f = *state;
	const struct open_item *it;

	/* the memory of a closed handle reused for a new one whose close we missed */
	assert_int_equal(send_handle(f->t, LS_EV_HANDLE_INIT, 100, 0xaa00, LS_UV_TCP, 0x2000), 0);
	assert_int_equal(send_handle(f->t, LS_EV_HANDLE_INIT, 200, 0xaa00, LS_UV_TIMER, 0x3000), 0);
	assert_int_equal(proc(f)->handles.len, 1);
	it = handle_item(f, 0xaa00);
	assert_non_null(it);
	assert_int_equal(it->type, LS_UV_TIMER);
	assert_int_equal(it->open_ts, 200);
	assert_int_equal(leaf_ip(f, it->stack_id), 0x3000);
}

static void tracker__open_with_fs_request__request_stack_used(void **state)
{
	struct fixture *f = *state;
	const struct open_item *it;

	/* fs.open() on the main thread, the open(2) on a libuv worker */
	assert_int_equal(send_handle(f->t, LS_EV_FS_REQUEST, 100, 0xf000, LS_UV_FS_OPEN, 0x7000),
			 0);
	assert_int_equal(proc(f)->handles.len, 0); /* a request is no handle */
	assert_int_equal(OPEN(f->t, .ts = 150, .fd = 21, .fs_req = 0xf000, .ip = 0x9000), 0);
	it = fd_item(f, 21);
	assert_non_null(it);
	assert_int_equal(leaf_ip(f, it->stack_id), 0x7000);
	assert_int_equal(it->type, FD_FILE);
	assert_int_equal(it->open_ts, 150);
}

static void tracker__open_with_unknown_fs_request__own_stack(void **state)
{
	struct fixture *f = *state;
	const struct open_item *it;

	assert_int_equal(send_handle(f->t, LS_EV_FS_REQUEST, 100, 0xf000, LS_UV_FS_OPEN, 0x7000),
			 0);
	assert_int_equal(OPEN(f->t, .ts = 150, .fd = 22, .fs_req = 0xe000, .ip = 0x9000), 0);
	it = fd_item(f, 22);
	assert_non_null(it);
	assert_int_equal(leaf_ip(f, it->stack_id), 0x9000);
}

static void tracker__fork__child_with_parent_pid(void **state)
{
	struct fixture *f = *state;
	struct ls_exec_event e = { 0 };
	struct proc_state *c;

	fill_header(&e.h, LS_EV_EXEC, PID, 50, sizeof(e));
	memcpy(e.comm, "node", 5);
	assert_int_equal(send(f->t, &e, sizeof(e)), 0);
	assert_int_equal(OPEN(f->t, .ts = 100, .fd = 3), 0);
	assert_int_equal(send_proc(f->t, LS_EV_FORK, PID, 200, 300, 0), 0);
	assert_int_equal(tracker__proc_count(f->t), 2);
	assert_ptr_equal(tracker__proc_at(f->t, 0), proc(f));
	c = tracker__proc(f->t, 300, false);
	assert_non_null(c);
	assert_ptr_equal(tracker__proc_at(f->t, 1), c);
	assert_null(tracker__proc_at(f->t, 2));
	assert_int_equal(c->pid, 300);
	assert_int_equal(c->parent_pid, PID);
	assert_string_equal(c->comm, "node");
	assert_false(c->exited);
	/* inherited fds were not opened by the child */
	assert_int_equal(c->fds.len, 0);
	assert_int_equal(proc(f)->parent_pid, 0);
	assert_int_equal(proc(f)->fds.len, 1);
}

static void expect_bad(struct fixture *f, const void *ev, size_t size, __u64 *bad)
{
	assert_int_equal(send(f->t, ev, size), -EINVAL);
	assert_int_equal(tracker__bad_events(f->t), ++*bad);
}

static void tracker__malformed_events__einval_counted(void **state)
{
	struct fixture *f = *state;
	struct ls_fd_open_event o;
	struct ls_handle_event h;
	struct ls_fd_close_event c = { 0 };
	struct ls_exec_event x = { 0 };
	__u64 bad = 0;

	build_open(&o, &(struct open_args){ .ts = 100, .fd = 5 });
	/* shorter than a header */
	expect_bad(f, &o, sizeof(struct ls_event_header) - 1, &bad);
	expect_bad(f, &o, 1, &bad);
	/* the header claims more than arrived */
	o.h.size = OPEN_SIZE(3) + 1;
	expect_bad(f, &o, OPEN_SIZE(3), &bad);
	o.h.size = OPEN_SIZE(3);
	/* unknown types: 0 and one from a newer version */
	o.h.type = 0;
	expect_bad(f, &o, OPEN_SIZE(3), &bad);
	o.h.type = 99;
	expect_bad(f, &o, OPEN_SIZE(3), &bad);
	o.h.type = LS_EV_FD_OPEN;
	/* more frames than a stack holds */
	build_open(&o, &(struct open_args){ .ts = 100, .fd = 5, .nframes = LS_MAX_FRAMES });
	o.stack.nframes = LS_MAX_FRAMES + 1;
	expect_bad(f, &o, sizeof(o), &bad);
	o.stack.nframes = 0xffffffff;
	expect_bad(f, &o, sizeof(o), &bad);
	{
		/* 65 frames that all arrived: still more than any stack holds */
		unsigned char big[OPEN_SIZE(LS_MAX_FRAMES + 1)] = { 0 };

		o.stack.nframes = LS_MAX_FRAMES + 1;
		o.h.size = sizeof(big);
		memcpy(big, &o, sizeof(o));
		expect_bad(f, big, sizeof(big), &bad);
	}
	/* more frames claimed than bytes sent */
	build_open(&o, &(struct open_args){ .ts = 100, .fd = 5, .nframes = 1 });
	o.stack.nframes = 3;
	expect_bad(f, &o, OPEN_SIZE(1), &bad);
	/* cut before the stack */
	build_open(&o, &(struct open_args){ .ts = 100, .fd = 5 });
	o.h.size = offsetof(struct ls_fd_open_event, name);
	expect_bad(f, &o, o.h.size, &bad);
	assert_null(hashmap__get(&proc(f)->fds, 5));

	/* handles: too many frames, frames missing, no type */
	memset(&h, 0, sizeof(h));
	fill_header(&h.h, LS_EV_HANDLE_INIT, PID, 100, sizeof(h));
	h.handle = 0xaa00;
	h.uv_type = LS_UV_TCP;
	fill_stack(&h.stack, 0x2000, LS_MAX_FRAMES);
	h.stack.nframes = LS_MAX_FRAMES + 1;
	expect_bad(f, &h, sizeof(h), &bad);
	h.stack.nframes = 2;
	h.h.size = HANDLE_SIZE(1);
	expect_bad(f, &h, HANDLE_SIZE(1), &bad);
	h.h.type = LS_EV_FS_REQUEST;
	expect_bad(f, &h, HANDLE_SIZE(1), &bad);
	h.h.type = LS_EV_HANDLE_INIT;
	h.stack.nframes = 1;
	h.uv_type = 0;
	expect_bad(f, &h, HANDLE_SIZE(1), &bad);
	h.uv_type = LS_UV_TYPE_MAX;
	expect_bad(f, &h, HANDLE_SIZE(1), &bad);
	h.h.type = LS_EV_HANDLE_CLOSE;
	h.h.size = offsetof(struct ls_handle_event, uv_type);
	expect_bad(f, &h, h.h.size, &bad);

	/* fixed-size events cut short */
	fill_header(&c.h, LS_EV_FD_CLOSE, PID, 100, offsetof(struct ls_fd_close_event, flags));
	expect_bad(f, &c, c.h.size, &bad);
	fill_header(&x.h, LS_EV_EXEC, PID, 100, sizeof(x) - 1);
	expect_bad(f, &x, x.h.size, &bad);
	fill_header(&c.h, LS_EV_EXIT, PID, 100, sizeof(struct ls_event_header) + 4);
	expect_bad(f, &c, c.h.size, &bad);
	fill_header(&c.h, LS_EV_FORK, PID, 100, sizeof(struct ls_event_header) + 4);
	expect_bad(f, &c, c.h.size, &bad);

	assert_int_equal(tracker__events(f->t), bad);
	if (tracker__proc(f->t, PID, false)) {
		assert_int_equal(proc(f)->fds.len, 0);
		assert_int_equal(proc(f)->handles.len, 0);
		assert_int_equal(proc(f)->fs_requests.len, 0);
		assert_false(proc(f)->exited);
		assert_false(proc(f)->execed);
	}
	assert_null(tracker__proc(f->t, 0, false)); /* no fork child made from a cut event */
	assert_int_equal(f->new_stacks, 0);
	/* and the tracker goes on */
	assert_int_equal(OPEN(f->t, .ts = 200, .fd = 5), 0);
	assert_non_null(fd_item(f, 5));
	assert_int_equal(tracker__bad_events(f->t), bad);
	assert_int_equal(tracker__events(f->t), bad + 1);
}

static void tracker__same_stack_twice__callback_once(void **state)
{
	struct fixture *f = *state;
	struct ls_fd_open_event e;
	__u32 first;

	assert_int_equal(OPEN(f->t, .ts = 100, .fd = 3, .ip = 0xa000), 0);
	assert_int_equal(f->new_stacks, 1);
	assert_int_equal(f->last_new_ip, 0xa000);
	first = f->last_new_id;
	assert_int_equal(fd_item(f, 3)->stack_id, first);

	/* same ips, other slots (V8 moved the functions): the same stack */
	build_open(&e, &(struct open_args){ .ts = 101, .fd = 4, .ip = 0xa000 });
	for (int i = 0; i < 3; i++)
		e.stack.frames[i].slot ^= 0xffff;
	assert_int_equal(send(f->t, &e, e.h.size), 0);
	assert_int_equal(f->new_stacks, 1);
	assert_int_equal(fd_item(f, 4)->stack_id, first);

	/* handles share the table */
	assert_int_equal(send_handle(f->t, LS_EV_HANDLE_INIT, 102, 0xaa00, LS_UV_TCP, 0xa000), 0);
	assert_int_equal(f->new_stacks, 2); /* 4 frames, not 3: another stack */
	assert_int_equal(send_handle(f->t, LS_EV_HANDLE_INIT, 103, 0xbb00, LS_UV_TCP, 0xa000), 0);
	assert_int_equal(f->new_stacks, 2);

	/* another process, same ips: its own stack */
	assert_int_equal(OPEN(f->t, .pid = PID + 1, .ts = 104, .fd = 3, .ip = 0xa000), 0);
	assert_int_equal(f->new_stacks, 3);
	assert_int_not_equal(f->last_new_id, first);

	assert_int_equal(OPEN(f->t, .ts = 105, .fd = 5, .ip = 0xc000), 0);
	assert_int_equal(f->new_stacks, 4);
	assert_int_equal(f->last_new_ip, 0xc000);
	assert_int_equal(stack_table__count(tracker__stacks(f->t)), 4);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(tracker__open_then_close__nothing_open),
		T(tracker__fd_reused__second_stack_kept),
		T(tracker__open_over_open_fd__replaced),
		T(tracker__pipe_event__both_fds_tracked),
		T(tracker__close_range__closes_only_range),
		T(tracker__close_range_cloexec__closes_nothing),
		T(tracker__exec__clears_and_counts_inherited),
		T(tracker__exit__marks_exited_keeps_open),
		T(tracker__close_before_open__later_close__open_not_tracked),
		T(tracker__close_before_open__earlier_close__open_tracked),
		T(tracker__close_before_pipe__only_other_end_tracked),
		T(tracker__close_unknown_fd__counts_preexisting),
		T(tracker__handle_init_close__paired_by_address),
		T(tracker__handle_close_unknown__counts_preexisting),
		T(tracker__accepted_handle__takes_accept_stack_released_by_fd),
		T(tracker__accepted_handle_fd_unseen__no_stack),
		T(tracker__handle_init_twice__one_item),
		T(tracker__open_with_fs_request__request_stack_used),
		T(tracker__open_with_unknown_fs_request__own_stack),
		T(tracker__fork__child_with_parent_pid),
		T(tracker__malformed_events__einval_counted),
		T(tracker__same_stack_twice__callback_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
