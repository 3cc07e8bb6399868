// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fdtype.h"
#include "leakscope/events.h"
#include "leakscope/syscalls.h"
#include "tracker.h"

struct tracker {
	struct hashmap procs; /* pid -> proc_state */
	struct proc_state **order;
	size_t nprocs, cap;
	struct stack_table *stacks;
	tracker_stack_cb on_new_stack;
	void *ctx;
	tracker_unwind_cb unwind;
	void *unwind_ctx;
	__u64 events, bad_events;
	__u64 unwound, unwind_failed;
};

#define CLOSE_RANGE_CLOEXEC (1U << 2) /* include/uapi/linux/close_range.h */

struct tracker *tracker__new(tracker_stack_cb on_new_stack, void *ctx)
{
	struct tracker *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->stacks = stack_table__new();
	if (!t->stacks) {
		free(t);
		return NULL;
	}
	t->on_new_stack = on_new_stack;
	t->ctx = ctx;
	return t;
}

void tracker__set_unwinder(struct tracker *t, tracker_unwind_cb unwind, void *ctx)
{
	t->unwind = unwind;
	t->unwind_ctx = ctx;
}

void tracker__unwind_stats(const struct tracker *t, __u64 *unwound, __u64 *failed)
{
	*unwound = t->unwound;
	*failed = t->unwind_failed;
}

static void free_items(struct hashmap *m, bool values_are_items)
{
	size_t it = 0;
	__u64 key;
	void *v;

	while (values_are_items && hashmap__next(m, &it, &key, &v))
		free(v);
	hashmap__clear(m);
}

void tracker__free(struct tracker *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nprocs; i++) {
		struct proc_state *p = t->order[i];

		free_items(&p->fds, true);
		free_items(&p->handles, true);
		free_items(&p->fs_requests, false);
		free_items(&p->pending_closes, false);
		free_items(&p->handle_fds, false);
		free_items(&p->buffers, true);
		free(p->gc.points);
		memmap__free(&p->mem);
		free(p->rss);
		free(p);
	}
	free(t->order);
	hashmap__clear(&t->procs);
	stack_table__free(t->stacks);
	free(t);
}

struct proc_state *tracker__proc(struct tracker *t, __u32 pid, bool create)
{
	struct proc_state *p = hashmap__get(&t->procs, pid);

	if (p || !create)
		return p;
	if (t->nprocs == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		struct proc_state **o = realloc(t->order, cap * sizeof(*o));

		if (!o)
			return NULL;
		t->order = o;
		t->cap = cap;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->pid = pid;
	if (hashmap__set(&t->procs, pid, p, NULL)) {
		free(p);
		return NULL;
	}
	t->order[t->nprocs++] = p;
	return p;
}

struct proc_state *tracker__proc_at(const struct tracker *t, size_t i)
{
	return i < t->nprocs ? t->order[i] : NULL;
}

size_t tracker__proc_count(const struct tracker *t)
{
	return t->nprocs;
}

struct stack_table *tracker__stacks(const struct tracker *t)
{
	return t->stacks;
}

__u64 tracker__events(const struct tracker *t)
{
	return t->events;
}

__u64 tracker__bad_events(const struct tracker *t)
{
	return t->bad_events;
}

static int intern_stack(struct tracker *t, __u32 pid, const struct ls_stack *st, size_t avail,
			__u32 *id)
{
	__u32 n = st->nframes;
	bool is_new;
	int err;

	/* trust the bytes that arrived over the frame count the event claims */
	if (n > LS_MAX_FRAMES || n * sizeof(struct ls_frame) > avail)
		return -EINVAL;
	err = stack_table__intern(t->stacks, pid, st->frames, n, st->flags, id, &is_new);
	if (!err && is_new && t->on_new_stack)
		t->on_new_stack(t->ctx, stack_table__get(t->stacks, *id));
	return err;
}

/* Start tracking `key` in `map`; an entry already there was released without our seeing it
 * (dup2 over an open fd, a handle whose memory was freed and reused): replace it. */
static int track(struct hashmap *map, __u64 key, const struct open_item *item)
{
	struct open_item *copy = malloc(sizeof(*copy));
	void *old;

	if (!copy)
		return -ENOMEM;
	*copy = *item;
	if (hashmap__set(map, key, copy, &old)) {
		free(copy);
		return -ENOMEM;
	}
	free(old);
	return 0;
}

/* A stream handle's fd closed: so did the handle (struct ls_handle_fd_event). */
static void release_fd_handle(struct proc_state *p, __u64 fd)
{
	void *h = hashmap__remove(&p->handle_fds, fd);

	if (h)
		free(hashmap__remove(&p->handles, (uintptr_t)h));
}

static void close_fd(struct proc_state *p, __s32 fd, __u64 ts)
{
	void *item = hashmap__remove(&p->fds, (__u64)fd);

	release_fd_handle(p, (__u64)fd);
	if (item) {
		free(item);
		return;
	}
	/* Not opened while we watched: opened before tracing began, or its open event is still
	 * behind us (another thread closed it between the kernel installing it and the opener's
	 * sys_exit).  Remember when, to tell the two apart when such an open arrives. */
	p->preexisting_fds_closed++;
	hashmap__set(&p->pending_closes, (__u64)fd, (void *)(uintptr_t)(ts + 1), NULL);
}

/* true when this open was already undone by a close we saw first */
static bool closed_before_seen(struct proc_state *p, __s32 fd, __u64 enter_ts)
{
	void *v = hashmap__remove(&p->pending_closes, (__u64)fd);
	__u64 close_ts;

	if (!v)
		return false;
	close_ts = (uintptr_t)v - 1;
	if (close_ts < enter_ts)
		return false; /* that close was of an older fd with the same number */
	p->preexisting_fds_closed--;
	return true;
}

static int on_fd_open(struct tracker *t, struct proc_state *p, const struct ls_fd_open_event *e,
		      size_t size)
{
	size_t stack_bytes = size - offsetof(struct ls_fd_open_event, stack.frames);
	struct open_item item = {
		.open_ts = e->h.ts_ns,
		.kind = LEAK_FD,
		.family = e->family,
		.syscall = e->syscall,
	};
	char name[LS_NAME_LEN + 1];
	__s32 fds[2] = { e->fd, e->fd2 };
	int err;

	memcpy(name, e->name, LS_NAME_LEN);
	name[LS_NAME_LEN] = 0;
	item.type = fdtype__classify(e->syscall, e->i_mode, name);

	/* A file a libuv worker opened for an async fs request belongs to whoever asked. */
	if (e->fs_req) {
		void *id = hashmap__remove(&p->fs_requests, e->fs_req);

		item.stack_id = (__u32)(uintptr_t)id;
	}
	if (!item.stack_id) {
		err = intern_stack(t, p->pid, &e->stack, stack_bytes, &item.stack_id);
		if (err)
			return err;
	}
	for (int i = 0; i < 2; i++) {
		if (fds[i] < 0 || closed_before_seen(p, fds[i], e->enter_ts_ns))
			continue;
		err = track(&p->fds, (__u64)fds[i], &item);
		if (err)
			return err;
	}
	return 0;
}

static void on_fd_close(struct proc_state *p, const struct ls_fd_close_event *e)
{
	size_t it = 0;
	__u64 fd;
	void *v;

	if (e->h.type == LS_EV_FD_CLOSE) {
		close_fd(p, e->fd, e->h.ts_ns);
		return;
	}
	/* close_range(first, last, CLOSE_RANGE_CLOEXEC) only marks them: exec tells the rest */
	if (e->flags & CLOSE_RANGE_CLOEXEC)
		return;
again:
	while (hashmap__next(&p->fds, &it, &fd, &v)) {
		if ((__s64)fd >= e->fd && (__s64)fd <= e->last_fd) {
			free(hashmap__remove(&p->fds, fd));
			it = 0; /* the map changed under the walk */
			goto again;
		}
	}
	it = 0;
again_handles:
	while (hashmap__next(&p->handle_fds, &it, &fd, &v)) {
		if ((__s64)fd >= e->fd && (__s64)fd <= e->last_fd) {
			release_fd_handle(p, fd);
			it = 0;
			goto again_handles;
		}
	}
}

static int on_handle(struct tracker *t, struct proc_state *p, const struct ls_handle_event *e,
		     size_t size)
{
	size_t stack_bytes = size - offsetof(struct ls_handle_event, stack.frames);
	struct open_item item = { .open_ts = e->h.ts_ns, .kind = LEAK_HANDLE, .type = e->uv_type };
	void *old;
	int err;

	switch (e->h.type) {
	case LS_EV_HANDLE_CLOSE:
		old = hashmap__remove(&p->handles, e->handle);
		if (old)
			free(old);
		else
			p->preexisting_handles_closed++;
		return 0;
	case LS_EV_FS_REQUEST:
		if (size < sizeof(struct ls_event_header) + 16 + offsetof(struct ls_stack, frames))
			return -EINVAL;
		err = intern_stack(t, p->pid, &e->stack, stack_bytes, &item.stack_id);
		if (err)
			return err;
		return hashmap__set(&p->fs_requests, e->handle, (void *)(uintptr_t)item.stack_id,
				    NULL);
	default:
		if (e->uv_type == 0 || e->uv_type >= LS_UV_TYPE_MAX)
			return -EINVAL;
		err = intern_stack(t, p->pid, &e->stack, stack_bytes, &item.stack_id);
		if (err)
			return err;
		return track(&p->handles, e->handle, &item);
	}
}

/* A connection's handle, created right after its accept: it takes the accepted fd's stack. */
static int on_handle_accepted(struct proc_state *p, const struct ls_handle_fd_event *e)
{
	struct open_item item = { .open_ts = e->h.ts_ns, .kind = LEAK_HANDLE, .type = e->uv_type };
	const struct open_item *fd = hashmap__get(&p->fds, (__u64)e->fd);
	int err;

	if (e->uv_type == 0 || e->uv_type >= LS_UV_TYPE_MAX || !e->handle || e->fd < 0)
		return -EINVAL;
	/* its accept unseen (the fd predates tracing): an unknown stack, still a handle */
	item.stack_id = fd ? fd->stack_id : 0;
	err = track(&p->handles, e->handle, &item);
	/* and released with that fd, as a stream handle paired through LS_EV_HANDLE_FD is */
	return err ?: hashmap__set(&p->handle_fds, (__u64)e->fd, (void *)(uintptr_t)e->handle,
				   NULL);
}

static void on_exec(struct proc_state *p, const struct ls_exec_event *e)
{
	__u64 open = 0;

	p->execed = true;
	memcpy(p->comm, e->comm, sizeof(p->comm) - 1);
	/* A new program starts here: the old image's handles went with its memory, and the fds it
	 * inherits (stdio set up by the parent between fork and exec, say) were not opened by it.
	 * Close-on-exec fds are already gone; what is left counts as pre-existing. */
	free_items(&p->handles, true);
	free_items(&p->fs_requests, false);
	free_items(&p->fds, true);
	free_items(&p->pending_closes, false);
	free_items(&p->handle_fds, false);
	free_items(&p->buffers, true);
	memmap__free(&p->mem);
	p->brk_top = 0;
	for (int i = 0; i < LS_EXEC_FD_WORDS; i++)
		open += __builtin_popcountll(e->open_fds[i]);
	p->preexisting_fds = open;
	p->preexisting_fds_closed = 0;
	p->preexisting_handles_closed = 0;
}

#define PAGE_UP(x) (((x) + 4095) & ~4095ULL)

/* The stack of a memory event that can add memory: unwound from the copied user stack when
 * an unwinder is set and succeeds, else the frame-pointer walk BPF sent. */
static int mem_stack(struct tracker *t, struct proc_state *p, const struct ls_mem_event *e,
		     size_t size, __u32 *id)
{
	size_t ustack = size - offsetof(struct ls_mem_event, ustack);
	struct ls_stack *st;
	int err;

	if (ustack > e->ustack_len)
		ustack = e->ustack_len;
	if (t->unwind && ustack) {
		st = malloc(sizeof(*st));
		if (!st)
			return -ENOMEM;
		if (!t->unwind(t->unwind_ctx, p->pid, e, ustack, st) && st->nframes) {
			t->unwound++;
			err = intern_stack(t, p->pid, st, sizeof(st->frames), id);
			free(st);
			return err;
		}
		free(st);
	}
	if (t->unwind)
		t->unwind_failed++;
	return intern_stack(t, p->pid, &e->stack, sizeof(e->stack.frames), id);
}

static void on_brk(struct proc_state *p, __u64 top, __u32 stack_id, __u64 ts)
{
	struct mem_range r = { .start = p->brk_top, .end = top, .ts = ts, .stack_id = stack_id,
			       .kind = MEM_BRK };

	/* the first break we see is where the heap stood: its growth before that is not ours */
	if (p->brk_top && top > p->brk_top)
		memmap__insert(&p->mem, &r);
	else if (p->brk_top && top < p->brk_top)
		memmap__remove(&p->mem, top, p->brk_top);
	p->brk_top = top;
}

static int on_mem(struct tracker *t, struct proc_state *p, const struct ls_mem_event *e,
		  size_t size)
{
	const __u64 *a = e->args;
	struct mem_range r = { .ts = e->h.ts_ns, .kind = MEM_MMAP };
	__u32 stack_id = 0;
	int err = 0;

	if (size >= offsetof(struct ls_mem_event, ustack)) {
		err = mem_stack(t, p, e, size, &stack_id);
		if (err)
			return err;
	}
	switch (e->syscall) {
	case LS_NR_mmap:
		if (!(a[3] & LS_MAP_ANONYMOUS) || (a[3] & LS_MAP_SHARED))
			return memmap__remove(&p->mem, e->ret, e->ret + PAGE_UP(a[1]));
		r.start = e->ret;
		r.end = e->ret + PAGE_UP(a[1]);
		r.stack_id = stack_id;
		r.flags = a[2] == LS_PROT_NONE ? MEM_NOACCESS : 0;
		return memmap__insert(&p->mem, &r);
	case LS_NR_munmap:
		return memmap__remove(&p->mem, a[0], a[0] + PAGE_UP(a[1]));
	case LS_NR_mprotect:
		return memmap__protect(&p->mem, a[0], a[0] + PAGE_UP(a[1]), a[2] != LS_PROT_NONE,
				       stack_id, e->h.ts_ns);
	case LS_NR_mremap:
		return memmap__move(&p->mem, a[0], PAGE_UP(a[1]), e->ret, PAGE_UP(a[2]),
				    a[3] & LS_MREMAP_DONTUNMAP, stack_id, e->h.ts_ns);
	case LS_NR_brk:
		on_brk(p, e->ret, stack_id, e->h.ts_ns);
		return 0;
	}
	return -EINVAL;
}

static int on_buffer(struct tracker *t, struct proc_state *p, const struct ls_buffer_event *e,
		     size_t size)
{
	struct open_item item = { .open_ts = e->h.ts_ns, .bytes = e->bytes, .kind = LEAK_BUFFER };
	int err;

	if (e->h.type == LS_EV_BUFFER_FREE) {
		free(hashmap__remove(&p->buffers, e->store));
		return 0;
	}
	if (size < offsetof(struct ls_buffer_event, stack.frames) || !e->store)
		return -EINVAL;
	err = intern_stack(t, p->pid, &e->stack, size - offsetof(struct ls_buffer_event,
								  stack.frames), &item.stack_id);
	return err ? err : track(&p->buffers, e->store, &item);
}

static int on_gc(struct gc_stats *g, const struct ls_gc_event *e)
{
	if (e->collector < LS_GC_COLLECTOR_MAX)
		g->count[e->collector]++;
	else
		g->other++;
	g->pause_total_ns += e->pause_ns;
	if (e->pause_ns > g->pause_max_ns)
		g->pause_max_ns = e->pause_ns;
	if (g->npoints == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 64;
		struct gc_point *n = realloc(g->points, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		g->points = n;
		g->cap = cap;
	}
	g->points[g->npoints++] = (struct gc_point){
		.ts_ns = e->h.ts_ns,
		.pause_ns = e->pause_ns,
		.heap_after = e->heap_after,
		.rss_anon = e->rss_anon,
		.rss_file = e->rss_file,
		.reason = e->reason,
		.full = e->collector == LS_GC_MARK_COMPACTOR,
	};
	return 0;
}

int tracker__on_event(struct tracker *t, const void *data, size_t size)
{
	const struct ls_event_header *h = data;
	struct proc_state *p;
	int err = 0;

	t->events++;
	if (size < sizeof(*h) || h->size > size) {
		t->bad_events++;
		return -EINVAL;
	}
	if (h->type < LS_EV_FD_OPEN || h->type >= LS_EV_TYPE_MAX) {
		t->bad_events++;
		return -EINVAL;
	}
	p = tracker__proc(t, h->pid, true);
	if (!p)
		return -ENOMEM;
	switch (h->type) {
	case LS_EV_FD_OPEN:
		err = size >= offsetof(struct ls_fd_open_event, stack.frames)
			      ? on_fd_open(t, p, data, size)
			      : -EINVAL;
		break;
	case LS_EV_FD_CLOSE:
	case LS_EV_FD_CLOSE_RANGE:
		if (size < sizeof(struct ls_fd_close_event))
			err = -EINVAL;
		else
			on_fd_close(p, data);
		break;
	case LS_EV_HANDLE_INIT:
	case LS_EV_FS_REQUEST:
		err = size >= offsetof(struct ls_handle_event, stack.frames)
			      ? on_handle(t, p, data, size)
			      : -EINVAL;
		break;
	case LS_EV_HANDLE_CLOSE:
		err = size >= offsetof(struct ls_handle_event, stack) ? on_handle(t, p, data, size)
								       : -EINVAL;
		break;
	case LS_EV_EXEC:
		if (size < sizeof(struct ls_exec_event))
			err = -EINVAL;
		else
			on_exec(p, data);
		break;
	case LS_EV_EXIT:
		if (size < sizeof(struct ls_proc_event)) {
			err = -EINVAL;
			break;
		}
		/* What is open now stays as it was at exit: those were the leaks. */
		p->exited = true;
		p->exit_ts = h->ts_ns;
		p->exit_code = ((const struct ls_proc_event *)data)->exit_code;
		break;
	case LS_EV_HANDLE_FD: {
		const struct ls_handle_fd_event *e = data;

		if (size < sizeof(*e) || e->fd < 0 || !e->handle) {
			err = -EINVAL;
			break;
		}
		/* only a handle we saw born can be released through its fd */
		if (hashmap__get(&p->handles, e->handle))
			err = hashmap__set(&p->handle_fds, (__u64)e->fd,
					   (void *)(uintptr_t)e->handle, NULL);
		break;
	}
	case LS_EV_HANDLE_ACCEPTED:
		err = size >= sizeof(struct ls_handle_fd_event) ? on_handle_accepted(p, data)
								 : -EINVAL;
		break;
	case LS_EV_GC:
		err = size >= sizeof(struct ls_gc_event) ? on_gc(&p->gc, data) : -EINVAL;
		break;
	case LS_EV_MEM:
		err = size >= offsetof(struct ls_mem_event, stack) ? on_mem(t, p, data, size)
								    : -EINVAL;
		break;
	case LS_EV_BUFFER_ALLOC:
	case LS_EV_BUFFER_FREE:
		err = size >= offsetof(struct ls_buffer_event, stack) ? on_buffer(t, p, data, size)
								      : -EINVAL;
		break;
	case LS_EV_FORK: {
		const struct ls_proc_event *e = data;
		struct proc_state *c;

		if (size < sizeof(*e)) {
			err = -EINVAL;
			break;
		}
		c = tracker__proc(t, e->child_pid, true);
		if (c) {
			c->parent_pid = h->pid;
			memcpy(c->comm, p->comm, sizeof(c->comm));
			memcpy(c->exe, p->exe, sizeof(c->exe));
		}
		break;
	}
	default:
		err = -EINVAL;
	}
	if (err == -EINVAL)
		t->bad_events++;
	return err;
}

int tracker__add_reservation(struct tracker *t, __u32 pid, __u64 start, __u64 end)
{
	struct proc_state *p = tracker__proc(t, pid, false);
	struct mem_range r = { .start = start, .end = end, .kind = MEM_MMAP,
			       .flags = MEM_NOACCESS };

	return p ? memmap__insert(&p->mem, &r) : 0;
}

int tracker__add_rss(struct tracker *t, __u32 pid, __u64 ts_ns, __u64 anon, __u64 file)
{
	struct proc_state *p = tracker__proc(t, pid, false);

	if (!p || p->exited)
		return 0;
	if (p->nrss == p->rss_cap) {
		size_t cap = p->rss_cap ? p->rss_cap * 2 : 64;
		struct rss_sample *n = realloc(p->rss, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		p->rss = n;
		p->rss_cap = cap;
	}
	p->rss[p->nrss++] = (struct rss_sample){ .ts_ns = ts_ns, .anon = anon, .file = file };
	return 0;
}
