// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "procmaps.h"

/* Lines as fs/proc/task_mmu.c prints them, out of order on purpose, with one line of junk. */
static const char maps_text[] =
	"7ffd00100000-7ffd00102000 r-xp 00000000 00:00 0                          [vdso]\n"
	"00400000-00b6f000 r--p 00000000 fd:01 1234                               /usr/bin/node\n"
	"00b72000-025fe000 r-xp 00772000 fd:01 1234                               /usr/bin/node\n"
	"7f0000000000-7f0000010000 rwxp 00000000 00:00 0 \n"
	"not a mapping\n"
	"7f1000000000-7f1000001000 r-xp 00001000 fd:01 99    /opt/my app/x.so (deleted)\n"
	"7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]\n"
	"7f2000000000-7f2000001000 r-xp 00000000 00:00 0                          [anon:v8]\n"
	"7f4000000000-7f4008000000 ---p 00000000 00:00 0 \n"
	"7f5000000000-7f5000001000 ---s 00000000 00:05 77                         /dev/zero (deleted)\n"
	"7f3000000000-7f3000001000 r-xp 00000000 00:00 0";

static int setup(void **state)
{
	char path[] = "/tmp/test_procmaps.XXXXXX";
	struct procmaps *maps;
	int fd, err;

	fd = mkstemp(path);
	if (fd < 0 || write(fd, maps_text, strlen(maps_text)) != (ssize_t)strlen(maps_text))
		return -1;
	close(fd);
	err = procmaps__load_file(path, &maps);
	unlink(path);
	if (err)
		return -1;
	*state = maps;
	return 0;
}

static int teardown(void **state)
{
	procmaps__free(*state);
	return 0;
}

static void procmaps__find__file_backed_exec__path_and_offset(void **state)
{
	const struct procmap_entry *e = procmaps__find(*state, 0xb72000 + 0x1234);

	assert_non_null(e);
	assert_string_equal(e->path, "/usr/bin/node");
	assert_int_equal(e->start, 0xb72000);
	assert_int_equal(e->end, 0x25fe000);
	assert_int_equal(e->file_offset, 0x772000);
	assert_true(e->exec);
	assert_false(e->deleted);
	assert_false(procmap_entry__is_anon(e));
	assert_false(procmap_entry__is_pseudo(e));

	e = procmaps__find(*state, 0x400000);
	assert_non_null(e);
	assert_false(e->exec);
}

static void procmaps__find__anon_exec__null_path(void **state)
{
	const struct procmap_entry *e = procmaps__find(*state, 0x7f0000000010);

	assert_non_null(e);
	assert_null(e->path);
	assert_true(e->exec);
	assert_true(procmap_entry__is_anon(e));

	/* a last line without newline is complete for maps */
	e = procmaps__find(*state, 0x7f3000000000);
	assert_non_null(e);
	assert_null(e->path);
}

static void procmaps__find__named_anon__is_anon(void **state)
{
	const struct procmap_entry *e = procmaps__find(*state, 0x7f2000000100);

	assert_non_null(e);
	assert_string_equal(e->path, "[anon:v8]");
	assert_true(procmap_entry__is_anon(e));
}

static void procmaps__find__deleted_file__suffix_removed(void **state)
{
	const struct procmap_entry *e = procmaps__find(*state, 0x7f1000000fff);

	assert_non_null(e);
	assert_string_equal(e->path, "/opt/my app/x.so");
	assert_true(e->deleted);
	assert_int_equal(e->file_offset, 0x1000);
}

static void procmaps__find__pseudo_paths__flagged(void **state)
{
	const struct procmap_entry *e = procmaps__find(*state, 0x7ffd00100000);

	assert_non_null(e);
	assert_string_equal(e->path, "[vdso]");
	assert_true(procmap_entry__is_pseudo(e));
	assert_false(procmap_entry__is_anon(e));

	e = procmaps__find(*state, 0x7ffd00000000);
	assert_non_null(e);
	assert_string_equal(e->path, "[stack]");
	assert_false(e->exec);
}

/* A glibc arena or V8 reservation: PROT_NONE, private, anonymous (the mem family's seed). */
static void procmaps__find__prot_none__no_access_private(void **state)
{
	const struct procmap_entry *e = procmaps__find(*state, 0x7f4000001000);

	assert_non_null(e);
	assert_true(e->no_access);
	assert_false(e->shared);
	assert_true(procmap_entry__is_anon(e));
	e = procmaps__find(*state, 0x7f5000000000);
	assert_non_null(e);
	assert_true(e->no_access);
	assert_true(e->shared);
	e = procmaps__find(*state, 0x7f0000000000);
	assert_false(e->no_access);
}

static void procmaps__find__unmapped__null(void **state)
{
	assert_null(procmaps__find(*state, 0));
	assert_null(procmaps__find(*state, 0xb6f000));	/* end is exclusive */
	assert_null(procmaps__find(*state, 0xb71fff));
	assert_null(procmaps__find(*state, ~0ULL));
}

static void procmaps__entries__unsorted_input__sorted(void **state)
{
	const struct procmap_entry *e;
	size_t cnt, i;

	e = procmaps__entries(*state, &cnt);
	assert_int_equal(cnt, 10);
	for (i = 1; i < cnt; i++)
		assert_true(e[i - 1].end <= e[i].start);
}

static void procmaps__load_file__missing__enoent(void **state)
{
	struct procmaps *maps = NULL;

	(void)state;
	assert_int_equal(procmaps__load_file("/nonexistent/maps", &maps), -ENOENT);
	assert_null(maps);
}

int procmaps_test_target(void);
int procmaps_test_target(void)
{
	return 42;
}

static void procmaps__load_pid__self__finds_own_code(void **state)
{
	const struct procmap_entry *e;
	struct procmaps *maps;
	char exe[4096];
	ssize_t n;

	(void)state;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	assert_true(n > 0);
	exe[n] = '\0';
	assert_int_equal(procmaps__load_pid(getpid(), &maps), 0);
	e = procmaps__find(maps, (uintptr_t)procmaps_test_target);
	assert_non_null(e);
	assert_true(e->exec);
	assert_string_equal(e->path, exe);
	procmaps__free(maps);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(procmaps__find__file_backed_exec__path_and_offset),
		cmocka_unit_test(procmaps__find__anon_exec__null_path),
		cmocka_unit_test(procmaps__find__prot_none__no_access_private),
		cmocka_unit_test(procmaps__find__named_anon__is_anon),
		cmocka_unit_test(procmaps__find__deleted_file__suffix_removed),
		cmocka_unit_test(procmaps__find__pseudo_paths__flagged),
		cmocka_unit_test(procmaps__find__unmapped__null),
		cmocka_unit_test(procmaps__entries__unsorted_input__sorted),
		cmocka_unit_test(procmaps__load_file__missing__enoent),
		cmocka_unit_test(procmaps__load_pid__self__finds_own_code),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
