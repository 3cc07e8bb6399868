// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * File descriptors: every fd-creating syscall and every release, from the raw sys_exit
 * tracepoint (tp_btf: no tracefs needed, unlike syscalls:sys_exit_* whose ids live in
 * tracefs), plus process fork/exec/exit from the sched tracepoints.
 */
#include "common.bpf.h"
#include "leakscope/syscalls.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define S_IFMT 00170000
#define S_IFSOCK 0140000

#define BIT(nr) (1ULL << ((nr) & 63))
#define WORD(nr) ((nr) >> 6)

/* Bit nr set: syscall nr creates or releases fds, or maps or unmaps memory.  One load and a
 * mask instead of a chain of compares: this test runs for every syscall of every process on
 * the machine. */
#define IN(w, nr) (WORD(nr) == (w) ? BIT(nr) : 0)
#define TRACED_IN(w) ( \
	IN(w, LS_NR_open) | IN(w, LS_NR_openat) | IN(w, LS_NR_openat2) | IN(w, LS_NR_creat) | \
	IN(w, LS_NR_socket) | IN(w, LS_NR_socketpair) | IN(w, LS_NR_accept) | IN(w, LS_NR_accept4) | \
	IN(w, LS_NR_pipe) | IN(w, LS_NR_pipe2) | IN(w, LS_NR_dup) | IN(w, LS_NR_dup2) | \
	IN(w, LS_NR_dup3) | IN(w, LS_NR_fcntl) | IN(w, LS_NR_eventfd) | IN(w, LS_NR_eventfd2) | \
	IN(w, LS_NR_epoll_create) | IN(w, LS_NR_epoll_create1) | IN(w, LS_NR_timerfd_create) | IN(w, LS_NR_signalfd) | \
	IN(w, LS_NR_signalfd4) | IN(w, LS_NR_inotify_init) | IN(w, LS_NR_inotify_init1) | IN(w, LS_NR_memfd_create) | \
	IN(w, LS_NR_pidfd_open) | IN(w, LS_NR_pidfd_getfd) | IN(w, LS_NR_userfaultfd) | IN(w, LS_NR_fanotify_init) | \
	IN(w, LS_NR_open_by_handle_at) | IN(w, LS_NR_io_uring_setup) | IN(w, LS_NR_close) | IN(w, LS_NR_close_range) | \
	IN(w, LS_NR_mmap) | IN(w, LS_NR_munmap) | IN(w, LS_NR_mremap) | IN(w, LS_NR_mprotect) | IN(w, LS_NR_brk))

static const __u64 traced_bits[LS_NR_MAX / 64 + 1] = {
	TRACED_IN(0), TRACED_IN(1), TRACED_IN(2), TRACED_IN(3),
	TRACED_IN(4), TRACED_IN(5), TRACED_IN(6),
};

static __always_inline int is_traced_syscall(long nr)
{
	if (nr < 0 || nr >= LS_NR_MAX)
		return 0;
	return (traced_bits[WORD(nr)] & BIT(nr)) != 0;
}

/* The flags argument of the syscalls that take one, for O_CLOEXEC and friends. */
static __always_inline __u32 open_flags_of(__u32 nr, const __u64 *args)
{
	switch (nr) {
	case LS_NR_open: return args[1];
	case LS_NR_openat: return args[2];
	case LS_NR_socket: return args[1];
	case LS_NR_accept4: return args[3];
	case LS_NR_pipe2: return args[1];
	case LS_NR_dup3: return args[2];
	case LS_NR_eventfd2: case LS_NR_epoll_create1: case LS_NR_inotify_init1:
		return args[0];
	case LS_NR_timerfd_create: return args[1];
	case LS_NR_signalfd4: return args[3];
	case LS_NR_memfd_create: return args[1];
	}
	return 0;
}

/* What kind of file `fd` is: inode mode, dentry name, socket family/type. */
static __always_inline void describe_fd(struct ls_fd_open_event *e, int fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds = BPF_CORE_READ(fdt, fd);
	unsigned int max_fds = BPF_CORE_READ(fdt, max_fds);
	struct file *f = NULL;
	const unsigned char *name;

	if (fd < 0 || (unsigned int)fd >= max_fds)
		return;
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) || !f)
		return;
	e->i_mode = BPF_CORE_READ(f, f_inode, i_mode);
	name = BPF_CORE_READ(f, f_path.dentry, d_name.name);
	if (name)
		bpf_probe_read_kernel_str(e->name, sizeof(e->name), name);
	if ((e->i_mode & S_IFMT) == S_IFSOCK) {
		struct socket *sock = BPF_CORE_READ(f, private_data);

		e->sock_type = BPF_CORE_READ(sock, type);
		e->family = BPF_CORE_READ(sock, sk, __sk_common.skc_family);
	}
}

static __always_inline void emit_close(__u32 nr, int fd, int last, __u32 flags)
{
	struct ls_fd_close_event e = {};

	fill_header(&e.h, nr == LS_NR_close_range ? LS_EV_FD_CLOSE_RANGE : LS_EV_FD_CLOSE);
	e.fd = fd;
	e.last_fd = last;
	e.syscall = nr;
	e.flags = flags;
	emit(&e, sizeof(e));
}

/* The memory family (record --probes): set by userspace before load. */
const volatile __u32 trace_mem = 1;

static __always_inline int is_mem_syscall(long nr)
{
	return nr == LS_NR_mmap || nr == LS_NR_munmap || nr == LS_NR_mremap ||
	       nr == LS_NR_mprotect || nr == LS_NR_brk;
}

/* Whether this call can have added usable memory: only those pay for a stack and its copy. */
static __always_inline int mem_adds(long nr, const __u64 *a)
{
	switch (nr) {
	case LS_NR_mmap:
		return (a[3] & LS_MAP_ANONYMOUS) && !(a[3] & LS_MAP_SHARED) && a[2] != LS_PROT_NONE;
	case LS_NR_mremap: return a[2] > a[1];
	case LS_NR_mprotect: return a[2] != LS_PROT_NONE;
	case LS_NR_brk: return a[0] != 0;
	}
	return 0;
}

/*
 * A memory syscall of a target.  glibc has no frame pointers, so the walk from rbp is usually
 * junk here: the user stack itself goes with the event for userspace to unwind with DWARF CFI
 * (src/unwind.c).  bpf_probe_read_user fails as a whole when the range crosses the top of the
 * stack mapping: hence page by page.
 */
static __always_inline void emit_mem(struct pt_regs *regs, long nr, const __u64 *a, long ret)
{
	struct ls_mem_event *e;
	__u64 page;
	__u32 len = 0;

	/* a file mapping matters only when it replaces anonymous memory (MAP_FIXED) */
	if (nr == LS_NR_mmap && !(a[3] & LS_MAP_ANONYMOUS) && !(a[3] & LS_MAP_FIXED))
		return;
	if (nr == LS_NR_brk && a[0] == 0 && ret == 0)
		return;
	e = scratch_event();
	if (!e)
		return;
	fill_header(&e->h, LS_EV_MEM);
	for (int i = 0; i < 5; i++)
		e->args[i] = a[i];
	e->ret = ret;
	e->ip = regs->ip;
	e->sp = regs->sp;
	e->bp = regs->bp;
	e->syscall = nr;
	e->ustack_len = 0;
	if (!mem_adds(nr, a)) {
		emit(e, offsetof(struct ls_mem_event, stack));
		return;
	}
	walk_user_stack(&e->stack, regs->ip, regs->sp, regs->bp, 0);
	/* whole pages from sp's own, while they are mapped: the main thread's stack has only a
	 * few KiB above sp at node's event loop, so one read of it all would fail */
	page = regs->sp & ~4095ULL;
	for (int i = 0; i < LS_USTACK_BYTES / 4096; i++) {
		if (bpf_probe_read_user(e->ustack + i * 4096, 4096, (void *)(page + i * 4096)))
			break;
		len += 4096;
	}
	if (!len)
		count(LS_CNT_USTACK_ERRORS);
	e->ustack_len = len;
	emit(e, offsetof(struct ls_mem_event, ustack) + len);
}

/*
 * Only sys_exit, no sys_enter: both run for every syscall of every process once attached, and
 * the arguments are still in the saved user registers at exit (pt_regs is written only by
 * exec and sigreturn, which we do not trace).  The cheapest test comes first: the syscall
 * number (a switch), then the target lookup.
 */
SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	struct ls_fd_open_event *e;
	__u64 args[5], id, *req, fs_req;
	int fds[2] = { -1, -1 };
	long nr = regs->orig_ax;
	__u32 tid;

	if (!is_traced_syscall(nr))
		return 0;
	/* a load-time constant: with the memory family off the verifier drops this whole path */
	if (!trace_mem && is_mem_syscall(nr))
		return 0;
	id = bpf_get_current_pid_tgid();
	if (!target_flags(id >> 32))
		return 0;
	count(LS_CNT_SYSCALL_HITS);
	tid = (__u32)id;
	args[0] = regs->di;
	args[1] = regs->si;
	args[2] = regs->dx;
	args[3] = regs->r10;
	if (is_mem_syscall(nr)) {
		if (ret >= 0) {
			count(LS_CNT_MEM_HITS);
			args[4] = regs->r8;
			emit_mem(regs, nr, args, ret);
		}
		return 0;
	}
	/* the worker's request ends with its first open, failed or not */
	fs_req = 0;
	if (nr == LS_NR_open || nr == LS_NR_openat || nr == LS_NR_openat2) {
		req = bpf_map_lookup_elem(&worker_req, &tid);
		if (req) {
			fs_req = *req;
			bpf_map_delete_elem(&worker_req, &tid);
		}
	}
	if (ret < 0)
		return 0;
	switch (nr) {
	case LS_NR_close: case LS_NR_close_range: case LS_NR_socket: case LS_NR_accept:
	case LS_NR_accept4: case LS_NR_socketpair: case LS_NR_pipe: case LS_NR_pipe2:
		sweep_pending(id >> 32);
	}
	/* fcntl creates an fd only for F_DUPFD*; dup2(fd, fd) changes nothing */
	if (nr == LS_NR_fcntl && args[1] != LS_F_DUPFD && args[1] != LS_F_DUPFD_CLOEXEC)
		return 0;
	if ((nr == LS_NR_dup2 || nr == LS_NR_dup3) && args[0] == args[1])
		return 0;
	if (nr == LS_NR_close) {
		emit_close(nr, args[0], args[0], 0);
		return 0;
	}
	if (nr == LS_NR_close_range) {
		emit_close(nr, args[0], args[1] > 0x7fffffff ? 0x7fffffff : args[1], args[2]);
		return 0;
	}
	/* a handle created before this thread's next fd is the accepted connection's */
	if (nr == LS_NR_accept || nr == LS_NR_accept4) {
		__s32 fd = ret;

		bpf_map_update_elem(&accepted, &tid, &fd, BPF_ANY);
	} else {
		bpf_map_delete_elem(&accepted, &tid);
	}
	if (nr == LS_NR_pipe || nr == LS_NR_pipe2)
		bpf_probe_read_user(fds, sizeof(fds), (void *)args[0]);
	else if (nr == LS_NR_socketpair)
		bpf_probe_read_user(fds, sizeof(fds), (void *)args[3]);
	else
		fds[0] = ret;

	e = scratch_event();
	if (!e)
		return 0;
	fill_header(&e->h, LS_EV_FD_OPEN);
	/* when the syscall started is not known without a sys_enter probe: the exit time stands
	 * in (docs/design.md, "A close seen before its open") */
	e->enter_ts_ns = e->h.ts_ns;
	e->fd = fds[0];
	e->fd2 = fds[1];
	e->syscall = nr;
	e->open_flags = open_flags_of(nr, args);
	e->i_mode = 0;
	e->family = 0;
	e->sock_type = 0;
	e->name[0] = 0;
	describe_fd(e, fds[0]);
	/* An open run by a libuv worker for an async fs request: userspace attributes it to the
	 * stack that issued the request (see handles.bpf.c, fs_work_enter). */
	e->fs_req = fs_req;
	walk_user_stack(&e->stack, regs->ip, regs->sp, regs->bp, 0);
	emit_with_stack(e, offsetof(struct ls_fd_open_event, stack), &e->stack);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(sched_process_fork, struct task_struct *parent, struct task_struct *child)
{
	struct ls_proc_event e = {};
	__u32 ptgid = BPF_CORE_READ(parent, tgid);
	__u32 ctgid = BPF_CORE_READ(child, tgid);
	__u32 flags;

	if (ptgid == ctgid) /* a new thread */
		return 0;
	flags = target_flags(ptgid);
	if (!(flags & LS_TARGET_FOLLOW))
		return 0;
	bpf_map_update_elem(&targets, &ctgid, &flags, BPF_ANY);
	fill_header(&e.h, LS_EV_FORK);
	e.child_pid = ctgid;
	emit(&e, sizeof(e));
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(sched_process_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	struct ls_exec_event *e;
	struct fdtable *fdt;
	unsigned long *open_fds;
	__u32 flags = target_flags(BPF_CORE_READ(task, tgid));

	if (!flags)
		return 0;
	e = scratch_event();
	if (!e)
		return 0;
	fill_header(&e->h, LS_EV_EXEC);
	/* CLOEXEC fds are already closed here (begin_new_exec): report what is left. */
	fdt = BPF_CORE_READ(task, files, fdt);
	e->max_fds = BPF_CORE_READ(fdt, max_fds);
	open_fds = BPF_CORE_READ(fdt, open_fds);
	__builtin_memset(e->open_fds, 0, sizeof(e->open_fds));
	/* the bitmap has max_fds bits (a multiple of 64): read no more than it holds */
	bpf_probe_read_kernel(e->open_fds,
			      e->max_fds >= 512 ? sizeof(e->open_fds) : ((e->max_fds / 8) & 63),
			      open_fds);
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->stopped = 0;
	/* Stop the new image before its first instruction so userspace can attach uprobes to it;
	 * userspace sends SIGCONT once attached (attach.c). */
	if ((flags & LS_TARGET_STOP_ON_EXEC) && bpf_send_signal(19 /* SIGSTOP */) == 0)
		e->stopped = 1;
	emit(e, sizeof(*e));
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(sched_process_exit, struct task_struct *task)
{
	struct ls_proc_event e = {};
	__u32 tgid = BPF_CORE_READ(task, tgid);

	if (!target_flags(tgid))
		return 0;
	/* fires per thread: only the last one ends the process (do_exit: group_dead) */
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	bpf_map_delete_elem(&stream_pending, &tgid);
	fill_header(&e.h, LS_EV_EXIT);
	e.exit_code = BPF_CORE_READ(task, exit_code);
	emit(&e, sizeof(e));
	bpf_map_delete_elem(&targets, &tgid);
	return 0;
}

/*
 * The RSS counters' layout, for gc_exit (bpf/gc.bpf.c), which has no CO-RE of its own (events.h,
 * struct ls_rss_offsets).  Run once by userspace (bpf_prog_test_run) after this object's load,
 * the one load that parses the kernel's BTF anyway; the answer comes back in ctx.
 * Since 6.2 (commit f1a7941243c1, "mm: convert mm's rss stats into percpu_counter") rss_stat
 * is struct percpu_counter[NR_MM_COUNTERS], whose `count` is what get_mm_counter() returns
 * (per-CPU parts not folded in yet aside); before, struct mm_rss_stat { atomic_long_t
 * count[NR_MM_COUNTERS]; }.  Each flavor's
 * rss_stat matches only the kernel with that layout (an array is not a struct to CO-RE).
 */
struct mm_struct___pcpu {
	struct percpu_counter rss_stat[NR_MM_COUNTERS];
} __attribute__((preserve_access_index));

struct mm_rss_stat___old {
	atomic_long_t count[NR_MM_COUNTERS];
} __attribute__((preserve_access_index));

struct mm_struct___old {
	struct mm_rss_stat___old rss_stat;
} __attribute__((preserve_access_index));

SEC("syscall")
int rss_layout(struct ls_rss_offsets *o)
{
	o->task_mm = bpf_core_field_offset(struct task_struct, mm);
	if (bpf_core_field_exists(struct mm_struct___pcpu, rss_stat)) {
		o->rss_stat = bpf_core_field_offset(struct mm_struct___pcpu, rss_stat);
		o->stride = bpf_core_type_size(struct percpu_counter);
		o->count = bpf_core_field_offset(struct percpu_counter, count);
	} else if (bpf_core_field_exists(struct mm_struct___old, rss_stat)) {
		o->rss_stat = bpf_core_field_offset(struct mm_struct___old, rss_stat) +
			      bpf_core_field_offset(struct mm_rss_stat___old, count);
		o->stride = sizeof(atomic_long_t);
		o->count = 0;
	} else {
		o->stride = 0;
	}
	return 0;
}
