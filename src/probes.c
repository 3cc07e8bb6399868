// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "elf_symbols.h"
/* before the skeletons: gc's rodata holds a struct ls_rss_offsets */
#include "leakscope/events.h"
#include "fds.skel.h"
#include "buffers.skel.h"
#include "gc.skel.h"
#include "handles.skel.h"
#include "hashmap.h"
#include "probes.h"
#include "procmaps.h"
#include "uprobe_links.h"

enum hook {
	HOOK_INIT,
	HOOK_CLOSE,	 /* uv_close: every type */
	HOOK_TYPE_CLOSE, /* uv__<type>_close: one type, not streams */
	HOOK_FS_OPEN,
	HOOK_FS_WORK,
};

/*
 * The libuv functions we probe (libuv 1.x, src/unix/).  uv_udp_init and uv_udp_init_ex both
 * end in the internal uv__udp_init_ex (libuv >= 1.40): probe that one when the symbol table
 * has it, else the two public ones.  A handle seen twice at one address is one handle.
 */
static const struct uv_probe {
	const char *symbol;
	enum hook hook;
	__u32 uv_type;
	const char *unless; /* skip when this symbol was found */
} uv_probes[] = {
	{ "uv_tcp_init", HOOK_INIT, LS_UV_TCP, NULL },
	{ "uv_tcp_init_ex", HOOK_INIT, LS_UV_TCP, NULL },
	{ "uv__udp_init_ex", HOOK_INIT, LS_UV_UDP, NULL },
	{ "uv_udp_init", HOOK_INIT, LS_UV_UDP, "uv__udp_init_ex" },
	{ "uv_udp_init_ex", HOOK_INIT, LS_UV_UDP, "uv__udp_init_ex" },
	{ "uv_pipe_init", HOOK_INIT, LS_UV_NAMED_PIPE, NULL },
	{ "uv_tty_init", HOOK_INIT, LS_UV_TTY, NULL },
	{ "uv_poll_init", HOOK_INIT, LS_UV_POLL, NULL },
	{ "uv_poll_init_socket", HOOK_INIT, LS_UV_POLL, NULL },
	{ "uv_timer_init", HOOK_INIT, LS_UV_TIMER, NULL },
	{ "uv_prepare_init", HOOK_INIT, LS_UV_PREPARE, NULL },
	{ "uv_check_init", HOOK_INIT, LS_UV_CHECK, NULL },
	{ "uv_idle_init", HOOK_INIT, LS_UV_IDLE, NULL },
	{ "uv_async_init", HOOK_INIT, LS_UV_ASYNC, NULL },
	{ "uv_signal_init", HOOK_INIT, LS_UV_SIGNAL, NULL },
	{ "uv_fs_event_init", HOOK_INIT, LS_UV_FS_EVENT, NULL },
	{ "uv_fs_poll_init", HOOK_INIT, LS_UV_FS_POLL, NULL },
	{ "uv_spawn", HOOK_INIT, LS_UV_PROCESS, NULL },
	/* Release: the per-type close functions uv_close dispatches to (libuv src/unix/core.c),
	 * all but the stream ones, which are released through their fds (events.h,
	 * struct ls_handle_fd_event); uv_close itself when any of them has no symbol. */
	{ "uv__timer_close", HOOK_TYPE_CLOSE, 0, NULL },
	{ "uv__fs_event_close", HOOK_TYPE_CLOSE, 0, NULL },
	{ "uv__process_close", HOOK_TYPE_CLOSE, 0, NULL },
	{ "uv__signal_close", HOOK_TYPE_CLOSE, 0, NULL },
	{ "uv__async_close", HOOK_TYPE_CLOSE, 0, NULL },
	{ "uv__idle_close", HOOK_TYPE_CLOSE, 0, NULL },
	{ "uv__check_close", HOOK_TYPE_CLOSE, 0, NULL },
	{ "uv__prepare_close", HOOK_TYPE_CLOSE, 0, NULL },
	{ "uv__fs_poll_close", HOOK_TYPE_CLOSE, 0, NULL },
	{ "uv__udp_close", HOOK_TYPE_CLOSE, 0, NULL },
	{ "uv__poll_close", HOOK_TYPE_CLOSE, 0, NULL },
	{ "uv_close", HOOK_CLOSE, 0, NULL },
	{ "uv_fs_open", HOOK_FS_OPEN, 0, NULL },
	{ "uv__fs_work", HOOK_FS_WORK, 0, NULL },
};

#define N_UV_PROBES (sizeof(uv_probes) / sizeof(uv_probes[0]))

/* V8's collector entry point, by the mangled prefix of its name: its argument list changes
 * between V8 versions (a fourth argument in older ones). */
#define GC_SYMBOL "_ZN2v88internal4Heap24PerformGarbageCollectionE*"
#define HEAP_SIZE_SYMBOL "_ZN2v88internal4Heap13SizeOfObjectsEv"
/* ArrayBuffer memory (--probes +buffers), V8 11.3: Allocate's arguments are mangled in; the
 * complete-object destructor (D1) and base-object one (D2) are one function in node 20. */
#define BS_ALLOCATE_SYMBOL "_ZN2v88internal12BackingStore8AllocateE*"
#define BS_DTOR1_SYMBOL "_ZN2v88internal12BackingStoreD1Ev"
#define BS_DTOR2_SYMBOL "_ZN2v88internal12BackingStoreD2Ev"

/* V8 symbols, after the libuv ones in one lookup */
enum v8_symbol { V8_GC, V8_HEAP_SIZE, V8_BS_ALLOCATE, V8_BS_DTOR1, V8_BS_DTOR2, V8_NSYMS };

/* Symbol offsets of one program file, found in one pass however many processes run it. */
struct uv_offsets {
	dev_t dev;
	ino_t ino;
	int found;
	__u64 off[N_UV_PROBES];
	__u64 v8_off[V8_NSYMS];
};

/* A process's uprobes: uprobe_multi link fds (one per BPF program), or, on kernels without
 * those links, one perf-event link per probed function. */
struct pid_links {
	struct bpf_link *links[N_UV_PROBES + 5]; /* + GC uprobe and uretprobes, BackingStore */
	int n;
	int fds[16];
	int nfds;
};

struct probes {
	struct fds_bpf *fds;
	struct handles_bpf *handles;
	struct gc_bpf *gc;
	struct buffers_bpf *buffers;
	struct ring_buffer *rb;
	bool multi;		   /* uprobe_multi links: see src/uprobe_links.c */
	struct hashmap pid_links;  /* pid -> struct pid_links */
	struct hashmap offsets;	   /* dev ^ ino -> struct uv_offsets */
	probes_event_cb on_event;
	void *ctx;
	struct ls_rss_offsets rss; /* handed to the gc object; stride 0: not found */
};

static void pid_links__free(struct pid_links *l)
{
	uprobe_links__close_all(l->fds, l->nfds);
	for (int i = 0; i < l->n; i++)
		bpf_link__destroy(l->links[i]);
	free(l);
}

/* Undo the last attach_group() of one offset. */
static void pid_links__drop_last(struct pid_links *l)
{
	if (l->nfds)
		uprobe_links__close_all(&l->fds[--l->nfds], 1);
	else if (l->n)
		bpf_link__destroy(l->links[--l->n]);
}

static int on_ringbuf(void *ctx, void *data, size_t size)
{
	struct probes *p = ctx;

	return p->on_event(p->ctx, data, size);
}

/* One ring buffer, one target set, one worker and one pending map for all families: every
 * object but the first reuses the first one's maps of bpf/common.bpf.h. */
static int share_common_maps(struct probes *p, struct bpf_object *obj)
{
	static const char *const names[] = { "events", "targets", "counters", "worker_req",
					     "stream_pending", "accepted" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct bpf_map *dst = bpf_object__find_map_by_name(obj, names[i]);
		struct bpf_map *src = bpf_object__find_map_by_name(p->fds->obj, names[i]);
		int err;

		if (!dst || !src)
			return -ENOENT;
		err = bpf_map__reuse_fd(dst, bpf_map__fd(src));
		if (err)
			return err;
	}
	return 0;
}

/* Every program of obj is a uprobe: loaded for uprobe_multi links, the only way they attach. */
static void multi_attach_type(struct bpf_object *obj)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj)
		bpf_program__set_expected_attach_type(
			prog, (enum bpf_attach_type)LS_BPF_TRACE_UPROBE_MULTI);
}

/*
 * The RSS counters' offsets in this kernel (struct ls_rss_offsets), from the fds object's
 * rss_layout program, which CO-RE relocated at its load: the gc object then reads them with no
 * BTF parse of its own.  All zero (rss unknown in GC events) when the program did not load or
 * run.
 */
static struct ls_rss_offsets rss_offsets(struct probes *p)
{
	struct ls_rss_offsets o = {};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &o, .ctx_size_in = sizeof(o));
	int fd = bpf_program__fd(p->fds->progs.rss_layout);

	/* a syscall program's ctx is copied back to ctx_in (kernel bpf_prog_test_run_syscall) */
	if (fd < 0 || bpf_prog_test_run_opts(fd, &opts) || opts.retval)
		return (struct ls_rss_offsets){};
	return o;
}

static int silent_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* libbpf's own messages only with LEAKSCOPE_DEBUG=1: errors reach the user once, from
	 * the verb, in our words */
	if (level == LIBBPF_DEBUG || !getenv("LEAKSCOPE_DEBUG"))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

int probes__open(const struct probes_opts *o, struct probes **out, const char **why)
{
	struct probes *p = calloc(1, sizeof(*p));
	int err;

	*why = NULL;
	if (!p)
		return -ENOMEM;
	libbpf_set_print(silent_print);
	p->on_event = o->on_event;
	p->ctx = o->ctx;

	p->fds = fds_bpf__open();
	if (!p->fds) {
		err = -errno;
		*why = "cannot open the fd probes";
		goto fail;
	}
	bpf_map__set_max_entries(p->fds->maps.events, o->ringbuf_bytes);
	/* an eighth full: the reader wakes well before the buffer could overflow */
	p->fds->rodata->wakeup_bytes = o->ringbuf_bytes / 8;
	p->fds->rodata->trace_mem = o->trace_mem;
	/* syscall programs: kernel 5.14, below the 5.17 we need; probed all the same, since
	 * without it the whole object would fail to load */
	if (libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_SYSCALL, NULL) != 1)
		bpf_program__set_autoload(p->fds->progs.rss_layout, false);
	err = fds_bpf__load(p->fds);
	if (err) {
		*why = "cannot load the fd probes into the kernel";
		goto fail;
	}
	p->handles = handles_bpf__open();
	if (!p->handles) {
		err = -errno;
		*why = "cannot open the libuv probes";
		goto fail;
	}
	p->handles->rodata->wakeup_bytes = o->ringbuf_bytes / 8;
	p->multi = uprobe_links__multi_supported();
	if (p->multi)
		multi_attach_type(p->handles->obj);
	err = share_common_maps(p, p->handles->obj) ?: handles_bpf__load(p->handles);
	if (err) {
		*why = "cannot load the libuv probes into the kernel";
		goto fail;
	}
	p->gc = gc_bpf__open();
	if (!p->gc) {
		err = -errno;
		*why = "cannot open the garbage collection probes";
		goto fail;
	}
	p->gc->rodata->wakeup_bytes = o->ringbuf_bytes / 8;
	p->gc->rodata->rss = p->rss = rss_offsets(p);
	p->gc->rodata->page_size = sysconf(_SC_PAGESIZE);
	if (p->multi)
		multi_attach_type(p->gc->obj);
	err = share_common_maps(p, p->gc->obj) ?: gc_bpf__load(p->gc);
	if (err) {
		*why = "cannot load the garbage collection probes into the kernel";
		goto fail;
	}
	p->buffers = buffers_bpf__open();
	if (!p->buffers) {
		err = -errno;
		*why = "cannot open the Buffer probes";
		goto fail;
	}
	p->buffers->rodata->wakeup_bytes = o->ringbuf_bytes / 8;
	if (p->multi)
		multi_attach_type(p->buffers->obj);
	err = share_common_maps(p, p->buffers->obj) ?: buffers_bpf__load(p->buffers);
	if (err) {
		*why = "cannot load the Buffer probes into the kernel";
		goto fail;
	}
	/* tp_btf programs: attached through BPF links, no tracefs needed */
	err = fds_bpf__attach(p->fds);
	if (err) {
		*why = "cannot attach to the syscall and sched tracepoints";
		goto fail;
	}
	p->rb = ring_buffer__new(bpf_map__fd(p->fds->maps.events), on_ringbuf, p, NULL);
	if (!p->rb) {
		err = -errno;
		*why = "cannot open the ring buffer";
		goto fail;
	}
	*out = p;
	return 0;
fail:
	probes__close(p);
	return err < 0 ? err : -EINVAL;
}

void probes__close(struct probes *p)
{
	size_t it = 0;
	__u64 key;
	void *v;

	if (!p)
		return;
	while (hashmap__next(&p->pid_links, &it, &key, &v)) {
		pid_links__free(v);
	}
	hashmap__clear(&p->pid_links);
	it = 0;
	while (hashmap__next(&p->offsets, &it, &key, &v))
		free(v);
	hashmap__clear(&p->offsets);
	ring_buffer__free(p->rb);
	buffers_bpf__destroy(p->buffers);
	gc_bpf__destroy(p->gc);
	handles_bpf__destroy(p->handles);
	fds_bpf__destroy(p->fds);
	free(p);
}

int probes__add_target(struct probes *p, __u32 pid, __u32 flags)
{
	int err = bpf_map__update_elem(p->fds->maps.targets, &pid, sizeof(pid), &flags,
				       sizeof(flags), BPF_ANY);

	return err ? -errno : 0;
}

void probes__remove_target(struct probes *p, __u32 pid)
{
	bpf_map__delete_elem(p->fds->maps.targets, &pid, sizeof(pid), 0);
}

static int find_uv_offsets(struct probes *p, const char *path, struct uv_offsets **out)
{
	const char *names[N_UV_PROBES + V8_NSYMS];
	__u64 offs[N_UV_PROBES + V8_NSYMS];
	struct uv_offsets *o;
	struct stat st;
	int n;

	if (stat(path, &st))
		return -errno;
	o = hashmap__get(&p->offsets, st.st_dev ^ ((__u64)st.st_ino << 16));
	if (o && o->dev == st.st_dev && o->ino == st.st_ino) {
		*out = o;
		return 0;
	}
	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	for (size_t i = 0; i < N_UV_PROBES; i++)
		names[i] = uv_probes[i].symbol;
	names[N_UV_PROBES + V8_GC] = GC_SYMBOL;
	names[N_UV_PROBES + V8_HEAP_SIZE] = HEAP_SIZE_SYMBOL;
	names[N_UV_PROBES + V8_BS_ALLOCATE] = BS_ALLOCATE_SYMBOL;
	names[N_UV_PROBES + V8_BS_DTOR1] = BS_DTOR1_SYMBOL;
	names[N_UV_PROBES + V8_BS_DTOR2] = BS_DTOR2_SYMBOL;
	n = elf_symbols__find_offsets(path, names, N_UV_PROBES + V8_NSYMS, offs);
	if (n < 0) {
		free(o);
		return n;
	}
	memcpy(o->off, offs, sizeof(o->off));
	memcpy(o->v8_off, offs + N_UV_PROBES, sizeof(o->v8_off));
	o->found = n;
	o->dev = st.st_dev;
	o->ino = st.st_ino;
	hashmap__set(&p->offsets, st.st_dev ^ ((__u64)st.st_ino << 16), o, NULL);
	*out = o;
	return 0;
}

static __u64 offset_of(const struct uv_offsets *o, const char *symbol)
{
	for (size_t i = 0; i < N_UV_PROBES; i++)
		if (!strcmp(uv_probes[i].symbol, symbol))
			return o->off[i];
	return 0;
}

/* libuv inside the executable (node's official builds), else a mapped libuv.so (distribution
 * builds of node link it dynamically). */
static int find_libuv(struct probes *p, __u32 pid, char *path, size_t len,
		      struct uv_offsets **out, __u64 *v8_off)
{
	const struct procmap_entry *e;
	struct procmaps *maps;
	bool stripped;
	size_t n;
	int err;

	snprintf(path, len, "/proc/%u/exe", pid);
	err = find_uv_offsets(p, path, out);
	if (err == -ENOENT || err == -ESRCH)
		return -ESRCH;
	if (!err)
		memcpy(v8_off, (*out)->v8_off, V8_NSYMS * sizeof(*v8_off));
	if (!err && offset_of(*out, "uv_close"))
		return 0;
	stripped = err == -ENODATA;
	if (procmaps__load_pid(pid, &maps))
		return -ENOENT;
	e = procmaps__entries(maps, &n);
	err = -ENOENT;
	for (size_t i = 0; i < n; i++) {
		if (!e[i].exec || !e[i].path || !strstr(e[i].path, "/libuv"))
			continue;
		snprintf(path, len, "/proc/%u/root%s", pid, e[i].path);
		if (!find_uv_offsets(p, path, out) && offset_of(*out, "uv_close")) {
			err = 0;
			break;
		}
	}
	procmaps__free(maps);
	return err == -ENOENT && stripped ? -ENODATA : err;
}

/* uv_close dispatches to one close function per type; probing those (but the streams') saves
 * a uprobe per connection.  All or nothing: a missing one would leave its type never closed. */
static bool has_per_type_close(const struct uv_offsets *o)
{
	for (size_t i = 0; i < N_UV_PROBES; i++)
		if (uv_probes[i].hook == HOOK_TYPE_CLOSE && !o->off[i])
			return false;
	return true;
}

static struct bpf_program *program_of(struct probes *p, enum hook hook)
{
	switch (hook) {
	case HOOK_INIT: return p->handles->progs.handle_init;
	case HOOK_CLOSE:
	case HOOK_TYPE_CLOSE: return p->handles->progs.handle_close;
	case HOOK_FS_OPEN: return p->handles->progs.fs_open_enter;
	case HOOK_FS_WORK: return p->handles->progs.fs_work_enter;
	}
	return NULL;
}

/*
 * Attach prog at offs[0..n) of path, for pid: one uprobe_multi link when the kernel has them,
 * else one perf-event link per offset.  Returns how many offsets are probed.
 */
static int attach_group(struct probes *p, struct bpf_program *prog, __u32 pid, const char *path,
			const __u64 *offs, const __u64 *cookies, int n, bool retprobe,
			struct pid_links *l)
{
	int attached = 0;

	if (!n)
		return 0;
	if (p->multi) {
		int fd = l->nfds < (int)(sizeof(l->fds) / sizeof(l->fds[0]))
				 ? uprobe_links__attach_multi(bpf_program__fd(prog), path, pid,
							      offs, cookies, n, retprobe)
				 : -E2BIG;

		if (fd < 0)
			return 0;
		l->fds[l->nfds++] = fd;
		return n;
	}
	for (int i = 0; i < n; i++) {
		LIBBPF_OPTS(bpf_uprobe_opts, opts, .bpf_cookie = cookies ? cookies[i] : 0,
			    .retprobe = retprobe);
		struct bpf_link *link = bpf_program__attach_uprobe_opts(prog, pid, path, offs[i],
									&opts);

		if (link) {
			l->links[l->n++] = link;
			attached++;
		}
	}
	return attached;
}

static int attach_uv(struct probes *p, __u32 pid, const char *path, const struct uv_offsets *o,
		     struct pid_links *l, char *status, size_t status_len)
{
	static const enum hook hooks[] = { HOOK_INIT, HOOK_CLOSE, HOOK_FS_OPEN, HOOK_FS_WORK };
	bool per_type = has_per_type_close(o);
	int attached = 0, wanted = 0;

	/* one group per BPF program (uv_close and the per-type closes share one) */
	for (size_t h = 0; h < sizeof(hooks) / sizeof(hooks[0]); h++) {
		__u64 offs[N_UV_PROBES], cookies[N_UV_PROBES];
		int n = 0;

		for (size_t i = 0; i < N_UV_PROBES; i++) {
			enum hook hook = uv_probes[i].hook;

			if (hook == HOOK_TYPE_CLOSE)
				hook = HOOK_CLOSE;
			if (hook != hooks[h] || !o->off[i] ||
			    (uv_probes[i].unless && offset_of(o, uv_probes[i].unless)))
				continue;
			if ((uv_probes[i].hook == HOOK_TYPE_CLOSE && !per_type) ||
			    (uv_probes[i].hook == HOOK_CLOSE && per_type))
				continue;
			offs[n] = o->off[i];
			cookies[n++] = uv_probes[i].uv_type;
		}
		wanted += n;
		attached += attach_group(p, program_of(p, hooks[h]), pid, path, offs, cookies, n,
					 false, l);
	}
	if (!attached)
		snprintf(status, status_len, "failed: no uprobe could be attached to %s", path);
	else if (attached < wanted)
		snprintf(status, status_len, "attached %d of %d uprobes", attached, wanted);
	else if (!offset_of(o, "uv__fs_work"))
		snprintf(status, status_len,
			 "attached (no uv__fs_work symbol: async fs opens show the worker's stack)");
	else
		snprintf(status, status_len, "attached");
	return attached ? 0 : -EPERM;
}

/* Heap::PerformGarbageCollection: entry and return (the pause). */
static int attach_gc(struct probes *p, __u32 pid, __u64 off, __u64 heap_size_off,
		     struct pid_links *l, char *status, size_t status_len)
{
	char exe[64];
	bool size;

	if (!off) {
		snprintf(status, status_len,
			 "skipped: no v8::internal::Heap::PerformGarbageCollection symbol (not node, "
			 "or stripped)");
		return -ENOENT;
	}
	snprintf(exe, sizeof(exe), "/proc/%u/exe", pid);
	if (!attach_group(p, p->gc->progs.gc_enter, pid, exe, &off, NULL, 1, false, l)) {
		snprintf(status, status_len, "failed: cannot attach to the V8 collector");
		return -EPERM;
	}
	if (!attach_group(p, p->gc->progs.gc_exit, pid, exe, &off, NULL, 1, true, l)) {
		/* an entry without its return would leave every collection open */
		pid_links__drop_last(l);
		snprintf(status, status_len, "failed: cannot attach to the V8 collector");
		return -EPERM;
	}
	/* the heap after each collection: without it, counts and pauses still come */
	size = heap_size_off &&
	       attach_group(p, p->gc->progs.heap_size_exit, pid, exe, &heap_size_off, NULL, 1,
			    true, l);
	snprintf(status, status_len, "%s",
		 size ? "attached" : "attached (no Heap::SizeOfObjects: no heap size after GC)");
	return 0;
}

/* BackingStore::Allocate (return) and ~BackingStore (entry), in the executable. */
static int attach_buffers(struct probes *p, __u32 pid, const __u64 *v8_off, struct pid_links *l,
			  char *status, size_t status_len)
{
	__u64 dtor = v8_off[V8_BS_DTOR2] ? v8_off[V8_BS_DTOR2] : v8_off[V8_BS_DTOR1];
	char exe[64];

	if (!v8_off[V8_BS_ALLOCATE] || !dtor) {
		snprintf(status, status_len, "skipped: no v8::internal::BackingStore::Allocate or "
					     "~BackingStore symbol (not node, or stripped)");
		return -ENOENT;
	}
	snprintf(exe, sizeof(exe), "/proc/%u/exe", pid);
	if (!attach_group(p, p->buffers->progs.backing_store_allocate_exit, pid, exe,
			  &v8_off[V8_BS_ALLOCATE], NULL, 1, true, l)) {
		snprintf(status, status_len, "failed: cannot attach to V8's BackingStore");
		return -EPERM;
	}
	/* an allocation never freed would be a leak that is not */
	if (!attach_group(p, p->buffers->progs.backing_store_free, pid, exe, &dtor, NULL, 1, false,
			  l)) {
		pid_links__drop_last(l);
		snprintf(status, status_len, "failed: cannot attach to V8's BackingStore");
		return -EPERM;
	}
	snprintf(status, status_len, "attached");
	return 0;
}

int probes__attach_node(struct probes *p, __u32 pid, unsigned int families, char *handles_status,
			char *gc_status, char *buffers_status, size_t status_len)
{
	char path[PATH_MAX];
	struct uv_offsets *o = NULL;
	struct pid_links *l;
	__u64 v8_off[V8_NSYMS] = {};
	int err;

	probes__detach_node(p, pid);
	snprintf(handles_status, status_len, "off (--probes)");
	snprintf(gc_status, status_len, "off (--probes)");
	snprintf(buffers_status, status_len, "off (--probes)");
	err = find_libuv(p, pid, path, sizeof(path), &o, v8_off);
	if (err == -ESRCH) {
		snprintf(handles_status, status_len, "skipped: process gone");
		snprintf(gc_status, status_len, "skipped: process gone");
		snprintf(buffers_status, status_len, "skipped: process gone");
		return -ESRCH;
	}
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	if (families & PROBE_HANDLES) {
		if (err)
			snprintf(handles_status, status_len, "%s",
				 err == -ENODATA ? "skipped: the program is stripped (no symbol "
						   "table), libuv cannot be found"
						 : "skipped: no libuv in this program (not node?)");
		else
			attach_uv(p, pid, path, o, l, handles_status, status_len);
	}
	if (families & PROBE_GC)
		attach_gc(p, pid, v8_off[V8_GC], v8_off[V8_HEAP_SIZE], l, gc_status, status_len);
	if (families & PROBE_BUFFERS)
		attach_buffers(p, pid, v8_off, l, buffers_status, status_len);
	hashmap__set(&p->pid_links, pid, l, NULL);
	return 0;
}

void probes__detach_node(struct probes *p, __u32 pid)
{
	struct pid_links *l = hashmap__remove(&p->pid_links, pid);

	if (l)
		pid_links__free(l);
}

int probes__poll(struct probes *p, int timeout_ms)
{
	int n = ring_buffer__poll(p->rb, timeout_ms), c;

	if (n == -EINTR)
		n = 0;
	if (n < 0)
		return n;
	/* events queued without a wakeup (see wakeup_bytes in bpf/common.bpf.h) */
	c = ring_buffer__consume(p->rb);
	return c < 0 ? c : n + c;
}

void probes__counters(struct probes *p, __u64 *out, int n)
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 *vals;

	memset(out, 0, n * sizeof(*out));
	if (ncpu <= 0)
		return;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return;
	for (__u32 k = 0; k < (__u32)n && k < LS_CNT_MAX; k++) {
		if (bpf_map__lookup_elem(p->fds->maps.counters, &k, sizeof(k), vals,
					 ncpu * sizeof(*vals), 0))
			continue;
		for (int c = 0; c < ncpu; c++)
			out[k] += vals[c];
	}
	free(vals);
}

bool probes__has_gc_rss(const struct probes *p)
{
	return p->rss.stride != 0;
}
