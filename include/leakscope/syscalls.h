/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Syscall numbers both sides need: the BPF programs select the fd-creating syscalls by number
 * (raw sys_enter/sys_exit tracepoints carry only the number), userspace names and classifies
 * them.  vmlinux.h has no macros, hence this table (arch/x86/entry/syscalls/syscall_64.tbl).
 */
#ifndef LEAKSCOPE_SYSCALLS_H
#define LEAKSCOPE_SYSCALLS_H

#if defined(__TARGET_ARCH_x86) || defined(__x86_64__)
#define LS_NR_read 0
#define LS_NR_open 2
#define LS_NR_close 3
#define LS_NR_mmap 9
#define LS_NR_mprotect 10
#define LS_NR_munmap 11
#define LS_NR_brk 12
#define LS_NR_pipe 22
#define LS_NR_mremap 25
#define LS_NR_dup 32
#define LS_NR_dup2 33
#define LS_NR_socket 41
#define LS_NR_accept 43
#define LS_NR_socketpair 53
#define LS_NR_fcntl 72
#define LS_NR_creat 85
#define LS_NR_epoll_create 213
#define LS_NR_inotify_init 253
#define LS_NR_openat 257
#define LS_NR_signalfd 282
#define LS_NR_timerfd_create 283
#define LS_NR_eventfd 284
#define LS_NR_accept4 288
#define LS_NR_signalfd4 289
#define LS_NR_eventfd2 290
#define LS_NR_epoll_create1 291
#define LS_NR_dup3 292
#define LS_NR_pipe2 293
#define LS_NR_inotify_init1 294
#define LS_NR_fanotify_init 300
#define LS_NR_open_by_handle_at 304
#define LS_NR_memfd_create 319
#define LS_NR_userfaultfd 323
#define LS_NR_io_uring_setup 425
#define LS_NR_pidfd_open 434
#define LS_NR_close_range 436
#define LS_NR_openat2 437
#define LS_NR_pidfd_getfd 438
/* Above every number we trace: sizes the BPF lookup table. */
#define LS_NR_MAX 448

/* mmap flags and protections both sides test (include/uapi/asm-generic/mman-common.h) */
#define LS_PROT_NONE 0
#define LS_MAP_SHARED 0x01
#define LS_MAP_PRIVATE 0x02
#define LS_MAP_FIXED 0x10
#define LS_MAP_ANONYMOUS 0x20
#define LS_MREMAP_MAYMOVE 1
#define LS_MREMAP_FIXED 2
#define LS_MREMAP_DONTUNMAP 4
#else
#error "leakscope: syscall table only for x86_64 so far"
#endif

/* fcntl commands that create an fd (include/uapi/linux/fcntl.h) */
#define LS_F_DUPFD 0
#define LS_F_DUPFD_CLOEXEC 1030

#endif /* LEAKSCOPE_SYSCALLS_H */
