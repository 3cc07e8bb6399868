// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// v8meta against the real node binaries (/usr/bin/node, and the official ones of
// build/node-cache/ when scripts/fetch-node.sh fetched them) and against small ELF files.
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
#include "v8meta.h"

#define NODE "/usr/bin/node"

/* What the heap reader relies on, as found in each V8 by hand (nm + the file's bytes) and by
 * reading live node processes: node 18.20 (V8 10.2), 20.20 (11.3), 22.23 (12.4), 24.21 (13.6). */
static const struct expect {
	__u32 major;
	__u32 js_function, sfi, shared, name_or_scope_info, script;
} expects[] = {
	{ 10, 2065, 257, 24, 16, 32 },
	{ 11, 2066, 262, 24, 16, 32 },
	{ 12, 2066, 274, 32, 16, 32 },
	{ 13, 2065, 282, 32, 24, 40 },
};

static int count_nm(const char *path)
{
	char cmd[512];
	int n = -1;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "nm %s 2>/dev/null | grep -c ' [bBdDrR] v8dbg_'", path);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%d", &n) != 1)
		n = -1;
	pclose(f);
	return n;
}

static void check_binary(const char *path)
{
	struct v8meta m;
	int err = v8meta__load(path, &m);

	print_message("    %s: V8 %u.%u, %d v8dbg_ symbols\n", path, m.v8_major, m.v8_minor, m.found);
	assert_int_equal(err, 0);
	assert_int_equal(m.missing, 0);
	/* every v8dbg_ data symbol nm lists was read */
	assert_int_equal(m.found, count_nm(path));
	assert_int_equal(m.heap_object_tag, 1);
	assert_int_equal(m.heap_object_tag_mask, 3);
	assert_int_equal(m.smi_shift, 32);
	assert_int_equal(m.off_map, 0);
	assert_int_equal(m.off_map_instance_type, 12);
	assert_int_equal(m.fp_function, -16);
	assert_int_equal(m.fp_context, -8);
	assert_int_equal(m.first_nonstring_type, 128);
	assert_int_equal(m.seq_tag, 0);	      /* a .bss value */
	assert_int_equal(m.one_byte_tag, 8);
	/* JSFunction's subtypes (16 of them in these versions) are inside the range */
	assert_true(m.type_js_function_end >= m.type_js_function_first + 16);
	assert_true(m.v8_major >= 10);
	for (size_t i = 0; i < sizeof(expects) / sizeof(expects[0]); i++) {
		if (expects[i].major != m.v8_major)
			continue;
		assert_int_equal(m.type_js_function_first, expects[i].js_function);
		assert_int_equal(m.type_shared_function_info, expects[i].sfi);
		assert_int_equal(m.off_function_shared, expects[i].shared);
		assert_int_equal(m.off_sfi_name_or_scope_info, expects[i].name_or_scope_info);
		assert_int_equal(m.off_sfi_script, expects[i].script);
		return;
	}
	fail_msg("V8 %u: no expectations for this version", m.v8_major);
}

static void v8meta__load__usr_bin_node__values_as_found_by_hand(void **state)
{
	(void)state;
	if (access(NODE, R_OK))
		skip();
	check_binary(NODE);
}

static void v8meta__load__fetched_official_nodes__values_as_found_by_hand(void **state)
{
	static const char *const majors[] = { "18", "22", "24" };
	char path[128];
	int n = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(majors) / sizeof(majors[0]); i++) {
		snprintf(path, sizeof(path), "build/node-cache/%s/bin/node", majors[i]);
		if (access(path, R_OK))
			continue;
		check_binary(path);
		n++;
	}
	print_message("    %d fetched binaries checked (scripts/fetch-node.sh fetches them)\n", n);
}

static char dir[] = "/tmp/test_v8meta.XXXXXX";

static int build(const char *name, const char *src, char *out, size_t cap)
{
	char cmd[1024];
	FILE *f;

	snprintf(out, cap, "%s/%s", dir, name);
	snprintf(cmd, sizeof(cmd), "%s.c", out);
	f = fopen(cmd, "w");
	if (!f)
		return -1;
	fputs(src, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "cc -c -o %s %s.c 2>/dev/null", out, out);
	return system(cmd);
}

static void v8meta__load__partial_metadata__eproto_and_values_read(void **state)
{
	/* .data and .bss values, and a V8 12 style class field with its type suffix */
	static const char src[] = "int v8dbg_HeapObjectTag = 1;\n"
				  "int v8dbg_SeqStringTag = 0;\n"
				  "int v8dbg_class_Map__instance_type__uint16_t = 12;\n"
				  "int v8dbg_class_JSFunction__shared__Tagged_SharedFunctionInfo_ = 32;\n"
				  "long v8dbg_SmiTagMask = 1;\n";
	struct v8meta m;
	char obj[128];

	(void)state;
	if (build("partial.o", src, obj, sizeof(obj)))
		skip();
	assert_int_equal(v8meta__load(obj, &m), -EPROTO);
	assert_int_equal(m.found, 5);
	assert_true(m.missing > 0);
	assert_true(!strncmp(m.first_missing, "v8dbg_", 6));
	assert_int_equal(m.heap_object_tag, 1);
	assert_int_equal(m.off_map_instance_type, 12);
	assert_int_equal(m.off_function_shared, 32);
	assert_int_equal(m.smi_tag_mask, 1);
}

static void v8meta__load__no_metadata__enodata(void **state)
{
	struct v8meta m;
	char obj[128];

	(void)state;
	if (build("none.o", "int not_v8 = 3;\n", obj, sizeof(obj)))
		skip();
	assert_int_equal(v8meta__load(obj, &m), -ENODATA);
	assert_int_equal(v8meta__load("/nonexistent/node", &m), -ENOENT);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[64];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? -1 : 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(v8meta__load__usr_bin_node__values_as_found_by_hand),
		cmocka_unit_test(v8meta__load__fetched_official_nodes__values_as_found_by_hand),
		cmocka_unit_test(v8meta__load__partial_metadata__eproto_and_values_read),
		cmocka_unit_test(v8meta__load__no_metadata__enodata),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
