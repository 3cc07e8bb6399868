// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>
#include <sys/stat.h>
#include "fdtype.h"
#include "leakscope/syscalls.h"

static const char *const type_names[FD_TYPE_MAX] = {
	[FD_OTHER] = "other",	  [FD_FILE] = "file",	    [FD_DIR] = "dir",
	[FD_SOCKET] = "socket",	  [FD_PIPE] = "pipe",	    [FD_EVENTFD] = "eventfd",
	[FD_EPOLL] = "epoll",	  [FD_TIMERFD] = "timerfd", [FD_SIGNALFD] = "signalfd",
	[FD_INOTIFY] = "inotify", [FD_MEMFD] = "memfd",	    [FD_PIDFD] = "pidfd",
};

const char *fdtype__name(enum fd_type type)
{
	return type < FD_TYPE_MAX ? type_names[type] : "other";
}

/* Anonymous-inode files all share one inode; their dentry names tell them apart
 * (fs/anon_inodes.c callers: "[eventfd]", "[eventpoll]", "[timerfd]", ...). */
static enum fd_type from_anon_name(const char *name)
{
	static const struct {
		const char *name;
		enum fd_type type;
	} names[] = {
		{ "[eventfd]", FD_EVENTFD },   { "[eventpoll]", FD_EPOLL },
		{ "[timerfd]", FD_TIMERFD },   { "[signalfd]", FD_SIGNALFD },
		{ "inotify", FD_INOTIFY },     { "[pidfd]", FD_PIDFD },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i].name))
			return names[i].type;
	if (!strncmp(name, "memfd:", 6))
		return FD_MEMFD;
	return FD_OTHER;
}

enum fd_type fdtype__classify(__u32 syscall, __u32 i_mode, const char *dentry_name)
{
	enum fd_type t;

	switch (syscall) {
	case LS_NR_eventfd: case LS_NR_eventfd2: return FD_EVENTFD;
	case LS_NR_epoll_create: case LS_NR_epoll_create1: return FD_EPOLL;
	case LS_NR_timerfd_create: return FD_TIMERFD;
	case LS_NR_signalfd: case LS_NR_signalfd4: return FD_SIGNALFD;
	case LS_NR_inotify_init: case LS_NR_inotify_init1: return FD_INOTIFY;
	case LS_NR_memfd_create: return FD_MEMFD;
	case LS_NR_pidfd_open: return FD_PIDFD;
	case LS_NR_pipe: case LS_NR_pipe2: return FD_PIPE;
	case LS_NR_socket: case LS_NR_socketpair: case LS_NR_accept: case LS_NR_accept4:
		return FD_SOCKET;
	}
	/* dup, fcntl(F_DUPFD), open of /proc/self/fd/N, ...: the file itself tells */
	switch (i_mode & S_IFMT) {
	case S_IFSOCK: return FD_SOCKET;
	case S_IFIFO: return FD_PIPE;
	case S_IFDIR: return FD_DIR;
	case S_IFCHR: case S_IFBLK: return FD_FILE;
	}
	t = dentry_name ? from_anon_name(dentry_name) : FD_OTHER;
	if (t != FD_OTHER)
		return t;
	if ((i_mode & S_IFMT) == S_IFREG || (i_mode & S_IFMT) == S_IFLNK)
		return FD_FILE;
	return FD_OTHER;
}

const char *fdtype__family_name(__u16 family)
{
	switch (family) {
	case 1: return "unix";	    /* AF_UNIX */
	case 2: return "inet";	    /* AF_INET */
	case 10: return "inet6";    /* AF_INET6 */
	case 16: return "netlink";  /* AF_NETLINK */
	case 17: return "packet";   /* AF_PACKET */
	}
	return NULL;
}

const char *fdtype__syscall_name(__u32 nr)
{
	switch (nr) {
	case LS_NR_open: return "open";
	case LS_NR_openat: return "openat";
	case LS_NR_openat2: return "openat2";
	case LS_NR_creat: return "creat";
	case LS_NR_socket: return "socket";
	case LS_NR_socketpair: return "socketpair";
	case LS_NR_accept: return "accept";
	case LS_NR_accept4: return "accept4";
	case LS_NR_pipe: return "pipe";
	case LS_NR_pipe2: return "pipe2";
	case LS_NR_dup: return "dup";
	case LS_NR_dup2: return "dup2";
	case LS_NR_dup3: return "dup3";
	case LS_NR_fcntl: return "fcntl";
	case LS_NR_eventfd: return "eventfd";
	case LS_NR_eventfd2: return "eventfd2";
	case LS_NR_epoll_create: return "epoll_create";
	case LS_NR_epoll_create1: return "epoll_create1";
	case LS_NR_timerfd_create: return "timerfd_create";
	case LS_NR_signalfd: return "signalfd";
	case LS_NR_signalfd4: return "signalfd4";
	case LS_NR_inotify_init: return "inotify_init";
	case LS_NR_inotify_init1: return "inotify_init1";
	case LS_NR_memfd_create: return "memfd_create";
	case LS_NR_pidfd_open: return "pidfd_open";
	case LS_NR_pidfd_getfd: return "pidfd_getfd";
	case LS_NR_userfaultfd: return "userfaultfd";
	case LS_NR_fanotify_init: return "fanotify_init";
	case LS_NR_open_by_handle_at: return "open_by_handle_at";
	case LS_NR_io_uring_setup: return "io_uring_setup";
	case LS_NR_close: return "close";
	case LS_NR_close_range: return "close_range";
	}
	return "?";
}
