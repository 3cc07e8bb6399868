// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The maps cache against this process's own maps: when it reads them again, and when not. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>
#include "maps_cache.h"

static void maps_cache__find__own_code__read_once(void **state)
{
	struct maps_cache *c = maps_cache__new();
	const struct procmap_entry *e;

	(void)state;
	assert_non_null(c);
	assert_int_equal(maps_cache__find(c, getpid(), (uintptr_t)&maps_cache__new, &e), 0);
	assert_non_null(e);
	assert_true(e->exec);
	assert_int_equal(maps_cache__reads(c), 1);
	assert_int_equal(maps_cache__find(c, getpid(), (uintptr_t)&maps_cache__free, &e), 0);
	assert_non_null(e);
	assert_int_equal(maps_cache__reads(c), 1);
	maps_cache__free(c);
}

static void maps_cache__find__new_mapping__read_again(void **state)
{
	struct maps_cache *c = maps_cache__new();
	const struct procmap_entry *e;
	void *mem;

	(void)state;
	assert_int_equal(maps_cache__find(c, getpid(), (uintptr_t)&maps_cache__new, &e), 0);
	mem = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(mem != MAP_FAILED);
	/* newer than the copy: found by reading the maps again */
	assert_int_equal(maps_cache__find(c, getpid(), (uintptr_t)mem + 8, &e), 0);
	assert_non_null(e);
	assert_true(procmap_entry__is_anon(e));
	assert_int_equal(maps_cache__reads(c), 2);
	munmap(mem, 4096);
	maps_cache__free(c);
}

static void maps_cache__find__junk_address__not_read_again_for_its_page(void **state)
{
	struct maps_cache *c = maps_cache__new();
	const struct procmap_entry *e;

	(void)state;
	/* below mmap_min_addr: never mapped, like the junk a stack walk ends on */
	assert_int_equal(maps_cache__find(c, getpid(), 0x1000, &e), 0);
	assert_null(e);
	assert_int_equal(maps_cache__reads(c), 1);
	assert_int_equal(maps_cache__find(c, getpid(), 0x1008, &e), 0);
	assert_null(e);
	assert_int_equal(maps_cache__reads(c), 1);
	/* another page that was never looked for is */
	assert_int_equal(maps_cache__find(c, getpid(), 0x2000, &e), 0);
	assert_null(e);
	assert_int_equal(maps_cache__reads(c), 2);
	/* forgotten with its process */
	maps_cache__forget_pid(c, getpid());
	assert_int_equal(maps_cache__find(c, getpid(), 0x1000, &e), 0);
	assert_int_equal(maps_cache__reads(c), 3);
	maps_cache__free(c);
}

static void maps_cache__find__no_such_process__enoent(void **state)
{
	struct maps_cache *c = maps_cache__new();
	const struct procmap_entry *e;

	(void)state;
	/* above pid_max's ceiling (4M): no process has it */
	assert_int_equal(maps_cache__find(c, 0x7ffffff0, 0x400000, &e), -ENOENT);
	assert_null(e);
	maps_cache__free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(maps_cache__find__own_code__read_once),
		cmocka_unit_test(maps_cache__find__new_mapping__read_again),
		cmocka_unit_test(maps_cache__find__junk_address__not_read_again_for_its_page),
		cmocka_unit_test(maps_cache__find__no_such_process__enoent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
