// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "perfmap.h"

static char map_path[] = "/tmp/test_perfmap.XXXXXX";

static struct perfmap *load_text(const char *text)
{
	struct perfmap *map = NULL;
	FILE *f;

	f = fopen(map_path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(perfmap__load(map_path, &map), 0);
	return map;
}

static int setup(void **state)
{
	int fd = mkstemp(map_path);

	(void)state;
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(map_path);
	return 0;
}

static void check_js(const struct perfmap_entry *e, const char *name, const char *script,
		     __u32 line, __u32 column, char tier)
{
	assert_non_null(e);
	assert_int_equal(e->kind, PERFMAP_JS);
	assert_string_equal(e->name, name);
	if (script)
		assert_string_equal(e->script, script);
	else
		assert_null(e->script);
	assert_int_equal(e->line, line);
	assert_int_equal(e->column, column);
	assert_int_equal(e->tier, tier);
}

static void perfmap__lookup__node20_lines__name_script_position(void **state)
{
	/* lines of node 20.20's perf map */
	struct perfmap *map = load_text("3ff3ff58b1d6 1d JS:~processFile /tmp/pm.js:1:21\n"
					"3ff3ff58a6ce 36 JS:~ /tmp/pm.js:1:1\n"
					"7fc778006b40 80 JS:*get x /tmp/pm.js:1:16\n"
					"30d6a564b3c6 2d JS:~prep node:internal/process/pre:52:36\n"
					"25526c0cd89e 3 JS:~evald :1:15\n"
					"25526c0ca106 5 Eval:~ /tmp/pm.js:1:1\n");

	(void)state;
	check_js(perfmap__lookup(map, 0x3ff3ff58b1d6), "processFile", "/tmp/pm.js", 1, 21, '~');
	check_js(perfmap__lookup(map, 0x3ff3ff58b1d6 + 0x1c), "processFile", "/tmp/pm.js", 1, 21,
		 '~');
	check_js(perfmap__lookup(map, 0x3ff3ff58a6ce), "(anonymous)", "/tmp/pm.js", 1, 1, '~');
	/* getters are named "get x": the name has a space */
	check_js(perfmap__lookup(map, 0x7fc778006b40), "get x", "/tmp/pm.js", 1, 16, '*');
	check_js(perfmap__lookup(map, 0x30d6a564b3c6), "prep", "node:internal/process/pre", 52, 36,
		 '~');
	/* eval'd code has no script name */
	check_js(perfmap__lookup(map, 0x25526c0cd89e), "evald", NULL, 1, 15, '~');
	check_js(perfmap__lookup(map, 0x25526c0ca106), "(anonymous)", "/tmp/pm.js", 1, 1, '~');
	perfmap__free(map);
}

static void perfmap__lookup__tier_markers__tier_and_name(void **state)
{
	struct perfmap *map = load_text("1000 10 JS:~f /a.js:1:1\n"
					"2000 10 JS:^f /a.js:1:1\n"
					"3000 10 JS:+f /a.js:1:1\n"
					"4000 10 JS:*f /a.js:1:1\n");

	(void)state;
	check_js(perfmap__lookup(map, 0x1000), "f", "/a.js", 1, 1, '~');
	check_js(perfmap__lookup(map, 0x2000), "f", "/a.js", 1, 1, '^');
	check_js(perfmap__lookup(map, 0x3000), "f", "/a.js", 1, 1, '+');
	check_js(perfmap__lookup(map, 0x4000), "f", "/a.js", 1, 1, '*');
	perfmap__free(map);
}

static void perfmap__lookup__older_v8_forms__parsed(void **state)
{
	struct perfmap *map = load_text("1000 10 LazyCompile:*processFile /srv/app.js:12\n"
					"2000 10 Function:~foo file:///x.mjs:3:5\n"
					"3000 10 Script:~ /x.js\n"
					"4000 10 LazyCompile:~bar /home/me/My Project/b.js:7\n"
					"5000 10 JS:~noscript\n");

	(void)state;
	check_js(perfmap__lookup(map, 0x1000), "processFile", "/srv/app.js", 12, 0, '*');
	check_js(perfmap__lookup(map, 0x2000), "foo", "file:///x.mjs", 3, 5, '~');
	check_js(perfmap__lookup(map, 0x3000), "(anonymous)", "/x.js", 0, 0, '~');
	check_js(perfmap__lookup(map, 0x4000), "bar", "/home/me/My Project/b.js", 7, 0, '~');
	check_js(perfmap__lookup(map, 0x5000), "noscript", NULL, 0, 0, '~');
	perfmap__free(map);
}

static void perfmap__lookup__non_js__kind_and_name(void **state)
{
	struct perfmap *map = load_text("18c4680 aa0 Builtin:RecordWriteSaveFP\n"
					"1a07700 18 BytecodeHandler:ExtraWide\n"
					"3000 10 RegExp:^a+b$\n"
					"4000 10 Stub:CEntryStub\n"
					"5000 10 Handler:foo\n"
					"6000 10 some plain name\n");
	const struct perfmap_entry *e;

	(void)state;
	e = perfmap__lookup(map, 0x18c4680 + 0xa9f);
	assert_non_null(e);
	assert_int_equal(e->kind, PERFMAP_BUILTIN);
	assert_string_equal(e->name, "RecordWriteSaveFP");
	assert_null(e->script);
	e = perfmap__lookup(map, 0x1a07700);
	assert_int_equal(e->kind, PERFMAP_BUILTIN);
	assert_string_equal(e->name, "BytecodeHandler:ExtraWide");
	e = perfmap__lookup(map, 0x3000);
	assert_int_equal(e->kind, PERFMAP_OTHER);
	assert_string_equal(e->name, "RegExp:^a+b$");
	assert_string_equal(perfmap__lookup(map, 0x4000)->name, "Stub:CEntryStub");
	assert_string_equal(perfmap__lookup(map, 0x5000)->name, "Handler:foo");
	assert_string_equal(perfmap__lookup(map, 0x6000)->name, "some plain name");
	assert_int_equal(perfmap__lookup(map, 0x6000)->tier, 0);
	perfmap__free(map);
}

static void perfmap__lookup__reused_code_space__last_line_wins(void **state)
{
	struct perfmap *map = load_text("1000 100 JS:~old /a.js:1:1\n"
					"1040 20 JS:~newer /a.js:2:1\n"
					"1000 10 JS:~newest /a.js:3:1\n"
					"1048 4 JS:~inner /a.js:4:1\n");

	(void)state;
	assert_string_equal(perfmap__lookup(map, 0x1000)->name, "newest");
	assert_string_equal(perfmap__lookup(map, 0x1010)->name, "old");
	assert_string_equal(perfmap__lookup(map, 0x1040)->name, "newer");
	assert_string_equal(perfmap__lookup(map, 0x104a)->name, "inner");
	assert_string_equal(perfmap__lookup(map, 0x104c)->name, "newer");
	assert_string_equal(perfmap__lookup(map, 0x1060)->name, "old");
	assert_string_equal(perfmap__lookup(map, 0x10ff)->name, "old");
	assert_null(perfmap__lookup(map, 0x1100));
	assert_null(perfmap__lookup(map, 0xfff));
	perfmap__free(map);
}

static void perfmap__load__truncated_last_line__ignored(void **state)
{
	struct perfmap *map = load_text("1000 10 JS:~done /a.js:1:1\n"
					"2000 10 JS:~half /a.j");

	(void)state;
	assert_string_equal(perfmap__lookup(map, 0x1000)->name, "done");
	assert_null(perfmap__lookup(map, 0x2000));
	perfmap__free(map);
}

static void perfmap__load__junk_lines__skipped(void **state)
{
	struct perfmap *map = load_text("\n"
					"zzz 10 JS:~bad /a.js:1:1\n"
					"1000 JS:~nosize\n"
					"2000 10\n"
					"3000 10 JS:~good /a.js:1:1\n");

	(void)state;
	assert_null(perfmap__lookup(map, 0x1000));
	assert_null(perfmap__lookup(map, 0x2000));
	assert_string_equal(perfmap__lookup(map, 0x3000)->name, "good");
	perfmap__free(map);
}

static void perfmap__load__missing_file__enoent(void **state)
{
	struct perfmap *map = NULL;

	(void)state;
	assert_int_equal(perfmap__load("/nonexistent/perf-1.map", &map), -ENOENT);
	assert_null(map);
}

static void perfmap__load__100k_lines__fast(void **state)
{
	struct perfmap *map = NULL;
	struct timespec t0, t1;
	double ms;
	FILE *f;
	int i;

	(void)state;
	f = fopen(map_path, "w");
	assert_non_null(f);
	for (i = 0; i < 100000; i++)
		fprintf(f, "%x %x JS:*fn%d /srv/app/lib/module%d.js:%d:%d\n", 0x100000 + i * 0x40,
			0x40, i, i % 100, i + 1, 7);
	fclose(f);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(perfmap__load(map_path, &map), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
	print_message("    100k-line perf map loaded in %.1f ms\n", ms);
	/* generous: valgrind runs this too */
	assert_true(ms < 5000);
	check_js(perfmap__lookup(map, 0x100000 + 54321 * 0x40 + 3), "fn54321",
		 "/srv/app/lib/module21.js", 54322, 7, '*');
	perfmap__free(map);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(perfmap__lookup__node20_lines__name_script_position),
		cmocka_unit_test(perfmap__lookup__tier_markers__tier_and_name),
		cmocka_unit_test(perfmap__lookup__older_v8_forms__parsed),
		cmocka_unit_test(perfmap__lookup__non_js__kind_and_name),
		cmocka_unit_test(perfmap__lookup__reused_code_space__last_line_wins),
		cmocka_unit_test(perfmap__load__truncated_last_line__ignored),
		cmocka_unit_test(perfmap__load__junk_lines__skipped),
		cmocka_unit_test(perfmap__load__missing_file__enoent),
		cmocka_unit_test(perfmap__load__100k_lines__fast),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
