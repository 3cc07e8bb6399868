// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "fdtype.h"
#include "leakscope/syscalls.h"

/* Anonymous inodes carry no S_IFMT bits up to Linux 6.14; 6.15 ("anon_inode: use a proper mode
 * internally") gives them S_IFREG.  BPF reads the raw i_mode, so both must classify alike. */
#define ANON_MODE_OLD 0600
#define ANON_MODE_NEW (S_IFREG | 0600)

static void fdtype__classify__creating_syscall__type_of_syscall(void **state)
{
	static const struct {
		__u32 nr;
		enum fd_type want;
	} cases[] = {
		{ LS_NR_eventfd, FD_EVENTFD },	      { LS_NR_eventfd2, FD_EVENTFD },
		{ LS_NR_epoll_create, FD_EPOLL },     { LS_NR_epoll_create1, FD_EPOLL },
		{ LS_NR_pipe, FD_PIPE },	      { LS_NR_pipe2, FD_PIPE },
		{ LS_NR_socket, FD_SOCKET },	      { LS_NR_socketpair, FD_SOCKET },
		{ LS_NR_accept, FD_SOCKET },	      { LS_NR_accept4, FD_SOCKET },
		{ LS_NR_memfd_create, FD_MEMFD },     { LS_NR_inotify_init, FD_INOTIFY },
		{ LS_NR_inotify_init1, FD_INOTIFY },  { LS_NR_timerfd_create, FD_TIMERFD },
		{ LS_NR_signalfd, FD_SIGNALFD },      { LS_NR_signalfd4, FD_SIGNALFD },
		{ LS_NR_pidfd_open, FD_PIDFD },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* the syscall wins over whatever BPF read of the file (or failed to) */
		assert_int_equal(fdtype__classify(cases[i].nr, 0, NULL), cases[i].want);
		assert_int_equal(fdtype__classify(cases[i].nr, ANON_MODE_NEW, "whatever"),
				 cases[i].want);
	}
	/* a memfd is a shmem file (S_IFREG): still a memfd, not a file */
	assert_int_equal(fdtype__classify(LS_NR_memfd_create, S_IFREG | 0777, "memfd:cache"),
			 FD_MEMFD);
}

static void fdtype__classify__dup_by_mode__type_of_inode(void **state)
{
	static const __u32 dups[] = {
		LS_NR_dup, LS_NR_dup2, LS_NR_dup3, LS_NR_fcntl, LS_NR_openat,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(dups) / sizeof(dups[0]); i++) {
		__u32 nr = dups[i];

		assert_int_equal(fdtype__classify(nr, S_IFSOCK | 0777, "TCP"), FD_SOCKET);
		assert_int_equal(fdtype__classify(nr, S_IFIFO | 0600, "pipe:[123]"), FD_PIPE);
		assert_int_equal(fdtype__classify(nr, S_IFDIR | 0755, "src"), FD_DIR);
		assert_int_equal(fdtype__classify(nr, S_IFREG | 0644, "app.js"), FD_FILE);
		assert_int_equal(fdtype__classify(nr, S_IFCHR | 0666, "null"), FD_FILE);
		assert_int_equal(fdtype__classify(nr, S_IFBLK | 0660, "sda"), FD_FILE);
		/* without a name too: what BPF sends when the dentry read failed */
		assert_int_equal(fdtype__classify(nr, S_IFREG | 0644, NULL), FD_FILE);
		assert_int_equal(fdtype__classify(nr, S_IFSOCK, NULL), FD_SOCKET);
	}
}

static void fdtype__classify__dup_of_anon_inode__type_of_name(void **state)
{
	static const struct {
		const char *name;
		enum fd_type want;
	} cases[] = {
		{ "[eventfd]", FD_EVENTFD },   { "[eventpoll]", FD_EPOLL },
		{ "[timerfd]", FD_TIMERFD },   { "[signalfd]", FD_SIGNALFD },
		{ "inotify", FD_INOTIFY },     { "memfd:x", FD_MEMFD },
		{ "[pidfd]", FD_PIDFD },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(fdtype__classify(LS_NR_dup, ANON_MODE_OLD, cases[i].name),
				 cases[i].want);
		assert_int_equal(fdtype__classify(LS_NR_fcntl, ANON_MODE_NEW, cases[i].name),
				 cases[i].want);
	}
	/* "memfd:" is a prefix (memfd_create's name follows it); the others are exact */
	assert_int_equal(fdtype__classify(LS_NR_dup, ANON_MODE_OLD, "memfd:"), FD_MEMFD);
	assert_int_equal(fdtype__classify(LS_NR_dup, ANON_MODE_OLD, "memfd:node (deleted)"),
			 FD_MEMFD);
	assert_int_equal(fdtype__classify(LS_NR_dup, ANON_MODE_OLD, "[eventfd]x"), FD_OTHER);
	assert_int_equal(fdtype__classify(LS_NR_dup, ANON_MODE_OLD, "eventfd"), FD_OTHER);
	assert_int_equal(fdtype__classify(LS_NR_dup, ANON_MODE_OLD, "memfd"), FD_OTHER);
}

static void fdtype__classify__unknown__other(void **state)
{
	(void)state;
	assert_int_equal(fdtype__classify(LS_NR_dup, 0, NULL), FD_OTHER);
	assert_int_equal(fdtype__classify(LS_NR_dup, 0, ""), FD_OTHER);
	assert_int_equal(fdtype__classify(LS_NR_dup, ANON_MODE_OLD, "[io_uring]"), FD_OTHER);
	assert_int_equal(fdtype__classify(LS_NR_userfaultfd, ANON_MODE_OLD, "[userfaultfd]"),
			 FD_OTHER);
	assert_int_equal(fdtype__classify(9999, 0, NULL), FD_OTHER);
}

static void fdtype__name__every_type__distinct_names(void **state)
{
	(void)state;
	assert_string_equal(fdtype__name(FD_OTHER), "other");
	assert_string_equal(fdtype__name(FD_FILE), "file");
	assert_string_equal(fdtype__name(FD_DIR), "dir");
	assert_string_equal(fdtype__name(FD_SOCKET), "socket");
	assert_string_equal(fdtype__name(FD_PIPE), "pipe");
	assert_string_equal(fdtype__name(FD_EVENTFD), "eventfd");
	assert_string_equal(fdtype__name(FD_EPOLL), "epoll");
	assert_string_equal(fdtype__name(FD_TIMERFD), "timerfd");
	assert_string_equal(fdtype__name(FD_SIGNALFD), "signalfd");
	assert_string_equal(fdtype__name(FD_INOTIFY), "inotify");
	assert_string_equal(fdtype__name(FD_MEMFD), "memfd");
	assert_string_equal(fdtype__name(FD_PIDFD), "pidfd");
	for (int a = 0; a < FD_TYPE_MAX; a++)
		for (int b = a + 1; b < FD_TYPE_MAX; b++)
			assert_string_not_equal(fdtype__name(a), fdtype__name(b));
	/* out of range (a recording from a newer version) */
	assert_string_equal(fdtype__name(FD_TYPE_MAX), "other");
	assert_string_equal(fdtype__name((enum fd_type)1000), "other");
}

static void fdtype__family_name__known_families__names(void **state)
{
	(void)state;
	assert_string_equal(fdtype__family_name(1), "unix");
	assert_string_equal(fdtype__family_name(2), "inet");
	assert_string_equal(fdtype__family_name(10), "inet6");
	assert_string_equal(fdtype__family_name(16), "netlink");
	assert_string_equal(fdtype__family_name(17), "packet");
	assert_null(fdtype__family_name(0));
	assert_null(fdtype__family_name(3));
	assert_null(fdtype__family_name(0xffff));
}

static void fdtype__syscall_name__numbers__names(void **state)
{
	(void)state;
	assert_string_equal(fdtype__syscall_name(LS_NR_openat), "openat");
	assert_string_equal(fdtype__syscall_name(LS_NR_accept4), "accept4");
	assert_string_equal(fdtype__syscall_name(LS_NR_pipe2), "pipe2");
	assert_string_equal(fdtype__syscall_name(LS_NR_close_range), "close_range");
	assert_string_equal(fdtype__syscall_name(LS_NR_read), "?");
	assert_string_equal(fdtype__syscall_name(100000), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fdtype__classify__creating_syscall__type_of_syscall),
		cmocka_unit_test(fdtype__classify__dup_by_mode__type_of_inode),
		cmocka_unit_test(fdtype__classify__dup_of_anon_inode__type_of_name),
		cmocka_unit_test(fdtype__classify__unknown__other),
		cmocka_unit_test(fdtype__name__every_type__distinct_names),
		cmocka_unit_test(fdtype__family_name__known_families__names),
		cmocka_unit_test(fdtype__syscall_name__numbers__names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
