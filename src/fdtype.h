/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What kind of file an fd is, from the syscall that made it and what BPF saw of the file. */
#ifndef LEAKSCOPE_FDTYPE_H
#define LEAKSCOPE_FDTYPE_H

#include <linux/types.h>

enum fd_type {
	FD_OTHER = 0,
	FD_FILE,
	FD_DIR,
	FD_SOCKET,
	FD_PIPE,
	FD_EVENTFD,
	FD_EPOLL,
	FD_TIMERFD,
	FD_SIGNALFD,
	FD_INOTIFY,
	FD_MEMFD,
	FD_PIDFD,
	FD_TYPE_MAX,
};

enum fd_type fdtype__classify(__u32 syscall, __u32 i_mode, const char *dentry_name);
const char *fdtype__name(enum fd_type type);
/* "inet", "inet6", "unix", "netlink", or NULL for an unknown family */
const char *fdtype__family_name(__u16 family);
const char *fdtype__syscall_name(__u32 syscall);

#endif
