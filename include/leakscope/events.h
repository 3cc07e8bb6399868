/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Event layouts shared by the BPF programs (bpf/ *.bpf.c) and userspace (src/).
 *
 * Rules (see docs/design.md): only __u8..__u64, largest fields first, no pointers, no bool.
 * Every event starts with struct ls_event_header; events that carry a user stack end with
 * struct ls_stack, of which only the first `nframes` frames are sent (the event's `size`
 * says how many bytes arrived).  The same bytes are what a recording file stores, so a
 * layout change here is a format change: bump LS_EVENT_ABI.
 */
#ifndef LEAKSCOPE_EVENTS_H
#define LEAKSCOPE_EVENTS_H

#define LS_EVENT_ABI 3

/* User stacks: frame-pointer walk in BPF. 64 frames covers node's deepest native+JS stacks seen
 * in practice (a require() chain is ~40). */
#define LS_MAX_FRAMES 64
/* Dentry name of an fd's file: basename for files, "[eventfd]"-style names for anon inodes. */
#define LS_NAME_LEN 56
/* open fds reported at exec: the first LS_EXEC_FD_WORDS*64 fds of the new image. */
#define LS_EXEC_FD_WORDS 8
#define LS_COMM_LEN 16

enum ls_event_type {
	LS_EV_FD_OPEN = 1,	/* struct ls_fd_open_event */
	LS_EV_FD_CLOSE = 2,	/* struct ls_fd_close_event */
	LS_EV_FD_CLOSE_RANGE = 3, /* struct ls_fd_close_event, fd..last_fd */
	LS_EV_HANDLE_INIT = 4,	/* struct ls_handle_event with stack */
	LS_EV_HANDLE_CLOSE = 5, /* struct ls_handle_event, no stack */
	LS_EV_FS_REQUEST = 6,	/* struct ls_handle_event: an async uv_fs_open, with stack */
	LS_EV_EXEC = 7,		/* struct ls_exec_event */
	LS_EV_EXIT = 8,		/* struct ls_proc_event: last thread of a process exited */
	LS_EV_FORK = 9,		/* struct ls_proc_event: a traced process forked `child_pid` */
	LS_EV_HANDLE_FD = 10,	/* struct ls_handle_fd_event: a stream handle owns this fd */
	LS_EV_GC = 11,		/* struct ls_gc_event: one V8 garbage collection ended */
	LS_EV_MEM = 12,		/* struct ls_mem_event: mmap, munmap, mremap, mprotect, brk */
	LS_EV_BUFFER_ALLOC = 13, /* struct ls_buffer_event with stack */
	LS_EV_BUFFER_FREE = 14,	/* struct ls_buffer_event, no stack */
	LS_EV_HANDLE_ACCEPTED = 15, /* struct ls_handle_fd_event: a stream handle born for the
				     * connection just accepted on `fd`: it has that fd's stack */
	LS_EV_TYPE_MAX,		/* one past the last: keep last */
};

/* One frame of a user stack.  `slot` is the word at fp-16 of the frame that this return
 * address belongs to: for V8 JavaScript frames it holds the JSFunction (V8 frame layout,
 * src/execution/frame-constants.h, StandardFrameConstants::kFunctionOffset), which a later
 * stage uses to name JS frames of processes started without --perf-basic-prof. */
struct ls_frame {
	__u64 ip;
	__u64 slot;
};

struct ls_stack {
	__u32 nframes;
	__u32 flags; /* LS_STACK_* */
	struct ls_frame frames[LS_MAX_FRAMES];
};

#define LS_STACK_TRUNCATED 1 /* the walk stopped at LS_MAX_FRAMES */
#define LS_STACK_ENTRY	   2 /* frames[0] is a function entry (uprobe), frames[1] its caller */

struct ls_event_header {
	__u64 ts_ns; /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u32 pid;   /* thread group id */
	__u32 tid;
	__u16 type;  /* enum ls_event_type */
	__u16 size;  /* bytes of the whole event as sent */
	__u32 cpu;
};

/* An fd-creating syscall returned.  For pipe/pipe2/socketpair both fds come in one event. */
struct ls_fd_open_event {
	struct ls_event_header h;
	__u64 enter_ts_ns; /* when the syscall started: orders it against a racing close */
	__u64 fs_req;	   /* uv_fs_t* whose threadpool work opened this fd, or 0 */
	__s32 fd;
	__s32 fd2;	/* second fd of pipe/socketpair, else -1 */
	__u32 syscall;	/* x86_64 syscall number */
	__u32 i_mode;	/* inode mode of the new file (S_IFMT bits tell the kind) */
	__u32 open_flags; /* O_* / SOCK_* flags given to the syscall, when it has them */
	__u16 family;	/* socket address family, for sockets */
	__u16 sock_type; /* SOCK_STREAM, SOCK_DGRAM, ... for sockets */
	char name[LS_NAME_LEN]; /* dentry name of the file */
	struct ls_stack stack;
};

struct ls_fd_close_event {
	struct ls_event_header h;
	__s32 fd;      /* close: the fd; close_range: first */
	__s32 last_fd; /* close_range: last; close: same as fd */
	__u32 syscall;
	__u32 flags;   /* close_range flags */
};

/* libuv handle type numbers: enum uv_handle_type, include/uv.h of libuv 1.x (stable ABI). */
enum ls_uv_type {
	LS_UV_ASYNC = 1,
	LS_UV_CHECK = 2,
	LS_UV_FS_EVENT = 3,
	LS_UV_FS_POLL = 4,
	LS_UV_HANDLE = 5,
	LS_UV_IDLE = 6,
	LS_UV_NAMED_PIPE = 7,
	LS_UV_POLL = 8,
	LS_UV_PREPARE = 9,
	LS_UV_PROCESS = 10,
	LS_UV_STREAM = 11,
	LS_UV_TCP = 12,
	LS_UV_TIMER = 13,
	LS_UV_TTY = 14,
	LS_UV_UDP = 15,
	LS_UV_SIGNAL = 16,
	LS_UV_TYPE_MAX = 17,
};

/* Offsets into libuv structures, x86_64, libuv 1.x (ABI-stable: fields are never moved).
 * tests/unit/test_uv_layout.c checks them against <uv.h>. */
#define LS_UV_FS_TYPE_OFFSET 64	     /* offsetof(uv_fs_t, fs_type) */
#define LS_UV_FS_WORK_REQ_OFFSET 336 /* offsetof(uv_fs_t, work_req) */
#define LS_UV_FS_OPEN 1		     /* UV_FS_OPEN in enum uv_fs_type */
#define LS_UV_STREAM_FD_OFFSET 184   /* offsetof(uv_tcp_t / uv_pipe_t / uv_tty_t, io_watcher.fd) */
#define LS_UV_HANDLE_TYPE_OFFSET 16  /* offsetof(uv_handle_t, type) */
#define LS_UV_HANDLE_FLAGS_OFFSET 88 /* offsetof(uv_handle_t, flags) */
/* UV_HANDLE_CLOSING | UV_HANDLE_CLOSED: libuv-internal (src/uv-common.h), unchanged in 1.x;
 * node 20's uv_close tests exactly these bits: `test $0x3, 0x58(%rdi)`. */
#define LS_UV_HANDLE_CLOSING_BITS 3

struct ls_handle_event {
	struct ls_event_header h;
	__u64 handle;  /* uv_handle_t* (or uv_fs_t* for LS_EV_FS_REQUEST) */
	__u32 uv_type; /* enum ls_uv_type, or LS_UV_FS_OPEN for a request */
	__u32 probe;   /* which hook fired: enum ls_handle_probe */
	struct ls_stack stack;
};

/*
 * Stream handles (tcp, pipe, tty) are released through their fd, not a uprobe: uv_close of a
 * stream closes its fd synchronously (libuv src/unix/stream.c, uv__stream_close), and a
 * uprobe per connection costs ~6 us.  BPF reads the handle's io_watcher.fd at the process's
 * next traced syscall and sends this pairing; the fd's close then releases the handle.
 */
struct ls_handle_fd_event {
	struct ls_event_header h;
	__u64 handle;
	__s32 fd;
	__u32 uv_type;
};

/*
 * LS_EV_HANDLE_ACCEPTED: a server's libuv loop accepts a connection (accept4, traced with its
 * stack) and node's OnConnection creates its handle (uv_tcp_init / uv_pipe_init) before any
 * other fd is made on that thread.  The handle's stack is then the accept's: BPF skips the
 * stack walk (~25 frames through V8's construct path, ~2.5 us a connection) and sends the
 * fd instead.  Same layout as struct ls_handle_fd_event.
 */

/* Stream handles of one process still waiting to learn their fd (map stream_pending).  A
 * burst of more than LS_PENDING_SLOTS inits before any of them has a socket overflows it:
 * counted (LS_CNT_PENDING_OVERFLOW) and reported, those handles are then never released. */
#define LS_PENDING_SLOTS 32
struct ls_pending_set {
	__u64 handle[LS_PENDING_SLOTS];
	__u8 uv_type[LS_PENDING_SLOTS];
	__u32 used;
	__u32 pad;
};

enum ls_handle_probe {
	LS_HP_INIT = 1,	 /* uv_*_init / uv_spawn entry */
	LS_HP_CLOSE = 2, /* uv_close entry: the handle is closing and will never be used again */
	LS_HP_FS_OPEN = 3,
};

struct ls_exec_event {
	struct ls_event_header h;
	__u64 open_fds[LS_EXEC_FD_WORDS]; /* bitmap of fds open after exec closed CLOEXEC ones */
	__u32 max_fds;			  /* size of the fd table after exec */
	__u32 stopped;			  /* 1: the BPF program stopped the process (SIGSTOP) */
	char comm[LS_COMM_LEN];
};

struct ls_proc_event {
	struct ls_event_header h;
	__u32 child_pid; /* LS_EV_FORK */
	__s32 exit_code; /* LS_EV_EXIT: task->exit_code */
};

/* V8's enum GarbageCollector (src/common/globals.h, V8 11.x-12.x: node 20-22); later V8s
 * rename MINOR_MARK_COMPACTOR to MINOR_MARK_SWEEPER with the same value. */
enum ls_gc_collector {
	LS_GC_SCAVENGER = 0,
	LS_GC_MARK_COMPACTOR = 1,
	LS_GC_MINOR_MARK_COMPACTOR = 2,
	LS_GC_COLLECTOR_MAX = 3,
};

/* Heap::PerformGarbageCollection(collector, reason, ...), entry to return. */
struct ls_gc_event {
	struct ls_event_header h; /* ts_ns: when it ended */
	__u64 start_ns;
	__u64 pause_ns;
	__u64 heap_after; /* bytes of live objects after it (Heap::SizeOfObjects), 0: unknown */
	__u32 collector; /* enum ls_gc_collector */
	__u32 reason;	 /* V8's enum GarbageCollectionReason */
	/* the process's resident memory when it ended, bytes, from the kernel's mm counters
	 * (struct ls_rss_offsets); 0 and 0: unknown.  file counts shmem too, as /proc statm's
	 * "shared" does. */
	__u64 rss_anon, rss_file;
};

/*
 * Where task_struct->mm's RSS counters are, for the gc object, which has no CO-RE (no kernel
 * BTF parse: bpf/common.bpf.h, struct ls_uregs).  The fds object computes it with CO-RE
 * (bpf/fds.bpf.c, rss_layout) and userspace hands it to the gc object before its load.
 * Counter i (MM_FILEPAGES, ...) is the s64 at mm + rss_stat + i * stride + count, in pages.
 * stride 0: not known on this kernel.
 */
struct ls_rss_offsets {
	__u32 task_mm;	/* offsetof(struct task_struct, mm) */
	__u32 rss_stat; /* offsetof(struct mm_struct, rss_stat) */
	__u32 stride;	/* bytes from one counter to the next */
	__u32 count;	/* offset of the s64 value in one counter */
};

/*
 * Bytes of user stack copied from sp with each memory event that can allocate, for userspace
 * to unwind glibc's frames (no frame pointers) with DWARF CFI, as `perf --call-graph dwarf`
 * does.  malloc -> sysmalloc -> mmap takes < 1 KiB; the rest lets the frame-pointer chain of
 * node's own frames continue in the copy (docs/design.md, "Native memory").  The copy starts
 * at sp rounded down to its page and holds whole pages, as many as are mapped.
 */
#define LS_USTACK_BYTES 16384

/*
 * A memory syscall of a target returned successfully.  Arguments as the syscall took them
 * (x86_64 order: mmap addr,len,prot,flags,fd; munmap addr,len; mremap old,old_len,new_len,
 * flags,new_addr; mprotect addr,len,prot; brk addr).  Events that cannot add usable memory
 * (munmap, mprotect to PROT_NONE, mremap that shrinks, brk(0), any PROT_NONE or file-backed
 * mmap) end before `stack`; the others carry the frame-pointer walk (all LS_MAX_FRAMES slots
 * sent) and `ustack_len` bytes of user stack.  File-backed mmaps are sent only with
 * MAP_FIXED (they may replace anonymous memory).
 */
struct ls_mem_event {
	struct ls_event_header h;
	__u64 args[5];
	__u64 ret;
	__u64 ip, sp, bp; /* user registers at the syscall */
	__u32 syscall;
	__u32 ustack_len; /* bytes of ustack[] sent: user memory from (sp & ~4095) on */
	struct ls_stack stack;
	__u8 ustack[LS_USTACK_BYTES];
};

/*
 * An ArrayBuffer's memory (every Buffer's), opt-in (--probes +buffers): a uretprobe on
 * v8::internal::BackingStore::Allocate (returns std::unique_ptr<BackingStore> through the
 * hidden pointer in rdi, handed back in rax) and a uprobe on ~BackingStore.  `bytes`: the
 * store's byte_length_, at offset 8 after buffer_start_ (V8 11.3, src/objects/backing-store.h;
 * node 20's ~BackingStore passes 0x8(%rdi) and (%rdi) to the allocator's Free).
 */
#define LS_V8_BACKING_STORE_LENGTH_OFFSET 8
struct ls_buffer_event {
	struct ls_event_header h;
	__u64 store; /* v8::internal::BackingStore* */
	__u64 bytes; /* LS_EV_BUFFER_ALLOC */
	struct ls_stack stack;
};

/* Per-CPU counters the BPF side keeps; userspace sums them into the report. */
enum ls_counter {
	LS_CNT_LOST_EVENTS = 0,	 /* ring buffer full: event dropped */
	LS_CNT_SYSCALL_HITS = 1, /* traced syscalls of target processes */
	LS_CNT_UPROBE_HITS = 2,	 /* libuv uprobe hits in target processes */
	LS_CNT_STACK_ERRORS = 3, /* stack walks that faulted before the first frame */
	LS_CNT_PENDING_OVERFLOW = 4, /* stream handles that could not wait for their fd */
	LS_CNT_GC_HITS = 5,	 /* GC uprobe and uretprobe hits (not in UPROBE_HITS) */
	LS_CNT_MEM_HITS = 6,	 /* memory syscalls of targets (also in SYSCALL_HITS) */
	LS_CNT_USTACK_ERRORS = 7, /* memory events whose user stack could not be copied */
	LS_CNT_BUFFER_HITS = 8,	 /* BackingStore uprobe and uretprobe hits */
	LS_CNT_MAX = 16,
};

/* Flags in the `targets` map value. */
#define LS_TARGET_TRACED 1
#define LS_TARGET_FOLLOW 2 /* also trace processes it forks */
#define LS_TARGET_STOP_ON_EXEC 4 /* SIGSTOP at exec so userspace can attach uprobes first */

#endif /* LEAKSCOPE_EVENTS_H */
