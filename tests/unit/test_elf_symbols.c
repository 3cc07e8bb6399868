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
#include "elf_symbols.h"

#define NODE "/usr/bin/node"

/* gamma_local is static: a LOCAL symbol, only in .symtab, like most of V8 in node. */
static const char prog_c[] = "int alpha(int x) { return x + 1; }\n"
			     "int beta(int x) { return alpha(x) * 2; }\n"
			     "static int gamma_local(int x) { return beta(x) - 1; }\n"
			     "int main(int argc, char **argv)\n"
			     "{ (void)argv; return gamma_local(argc); }\n";
static const char *const funcs[] = { "alpha", "beta", "gamma_local", "main" };
#define NR_FUNCS 4

static char dir[] = "/tmp/test_elf_symbols.XXXXXX";
static char nopie[64], pie[64], stripped[64], truncated[64], notelf[64], empty[64];
static bool have_cc;

static int sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static int setup(void **state)
{
	char src[64];
	FILE *f;

	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(nopie, sizeof(nopie), "%s/nopie", dir);
	snprintf(pie, sizeof(pie), "%s/pie", dir);
	snprintf(stripped, sizeof(stripped), "%s/stripped", dir);
	snprintf(truncated, sizeof(truncated), "%s/truncated", dir);
	snprintf(notelf, sizeof(notelf), "%s/notelf", dir);
	snprintf(empty, sizeof(empty), "%s/empty", dir);
	f = fopen(notelf, "w");
	if (!f)
		return -1;
	fputs("#!/bin/sh\necho not an ELF file\n", f);
	fclose(f);
	fclose(fopen(empty, "w"));
	snprintf(src, sizeof(src), "%s/prog.c", dir);
	f = fopen(src, "w");
	if (!f)
		return -1;
	fputs(prog_c, f);
	fclose(f);
	have_cc = !sh("cd %s && cc -O0 -fno-inline -no-pie -o nopie prog.c 2>/dev/null && "
		      "cc -O0 -fno-inline -fPIE -pie -o pie prog.c && "
		      "cp pie stripped && strip stripped && "
		      "head -c $(($(stat -c %%s pie) / 2)) pie > truncated",
		      dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sh("rm -rf %s", dir);
	return 0;
}

/* Addresses as nm prints them, 0 where it has none. */
static void nm_addrs(const char *file, const char *const *names, int n, __u64 *addrs)
{
	char cmd[256], line[1024], name[512], type;
	unsigned long long addr;
	FILE *p;
	int i;

	memset(addrs, 0, n * sizeof(*addrs));
	snprintf(cmd, sizeof(cmd), "nm %s 2>/dev/null", file);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p))
		if (sscanf(line, "%llx %c %511s", &addr, &type, name) == 3)
			for (i = 0; i < n; i++)
				if (!strcmp(name, names[i]))
					addrs[i] = addr;
	pclose(p);
}

static void check_binary(const char *path, bool want_pie)
{
	__u64 offs[NR_FUNCS + 1], nm[NR_FUNCS], vaddr, off;
	const char *names[NR_FUNCS + 1];
	struct elf_symbols *syms;
	int i;

	if (!have_cc)
		skip();
	memcpy(names, funcs, sizeof(funcs));
	names[NR_FUNCS] = "no_such_function";
	assert_int_equal(elf_symbols__find_offsets(path, names, NR_FUNCS + 1, offs), NR_FUNCS);
	assert_int_equal(offs[NR_FUNCS], 0);
	nm_addrs(path, funcs, NR_FUNCS, nm);
	assert_int_equal(elf_symbols__load(path, &syms), 0);
	assert_false(elf_symbols__is_stripped(syms));
	for (i = 0; i < NR_FUNCS; i++) {
		assert_true(offs[i] != 0);
		assert_int_equal(elf_symbols__vaddr_of_file_offset(syms, offs[i], &vaddr), 0);
		assert_int_equal(vaddr, nm[i]);
		/* non-PIE text is linked at 0x400000 and up, away from its file offset */
		if (!want_pie)
			assert_true(vaddr >= 0x400000 && vaddr != offs[i]);
		assert_string_equal(elf_symbols__lookup(syms, vaddr, &off), funcs[i]);
		assert_int_equal(off, 0);
		assert_string_equal(elf_symbols__lookup(syms, vaddr + 1, &off), funcs[i]);
		assert_int_equal(off, 1);
	}
	assert_null(elf_symbols__lookup(syms, 0, &off));
	assert_null(elf_symbols__lookup(syms, ~0ULL, &off));
	assert_int_equal(elf_symbols__vaddr_of_file_offset(syms, 1ULL << 40, &vaddr), -ENOENT);
	elf_symbols__free(syms);
}

static void elf_symbols__load__non_pie__functions_match_nm(void **state)
{
	(void)state;
	check_binary(nopie, false);
}

static void elf_symbols__load__pie__functions_match_nm(void **state)
{
	(void)state;
	check_binary(pie, true);
}

static void elf_symbols__load__stripped__enodata(void **state)
{
	struct elf_symbols *syms = NULL;
	const char *name = "alpha";
	__u64 vaddr, off;

	(void)state;
	if (!have_cc)
		skip();
	assert_int_equal(elf_symbols__load(stripped, &syms), -ENODATA);
	assert_null(syms);
	assert_int_equal(elf_symbols__find_offsets(stripped, &name, 1, &off), -ENODATA);
	/* the load segments are still there to convert addresses */
	assert_int_equal(elf_symbols__load_segments(stripped, &syms), 0);
	assert_true(elf_symbols__is_stripped(syms));
	assert_int_equal(elf_symbols__vaddr_of_file_offset(syms, 0, &vaddr), 0);
	assert_null(elf_symbols__lookup(syms, vaddr, NULL));
	elf_symbols__free(syms);
}

static void elf_symbols__load__bad_files__errno(void **state)
{
	struct elf_symbols *syms = NULL;
	const char *name = "alpha";
	__u64 off;

	(void)state;
	assert_int_equal(elf_symbols__load("/nonexistent/file", &syms), -ENOENT);
	assert_int_equal(elf_symbols__find_offsets("/nonexistent/file", &name, 1, &off), -ENOENT);
	assert_int_equal(elf_symbols__load(notelf, &syms), -ENOEXEC);
	assert_int_equal(elf_symbols__load(empty, &syms), -ENOEXEC);
	assert_int_equal(elf_symbols__load(dir, &syms), -ENOEXEC);
	if (have_cc) {
		assert_int_equal(elf_symbols__load(truncated, &syms), -ENOEXEC);
		assert_int_equal(elf_symbols__find_offsets(truncated, &name, 1, &off), -ENOEXEC);
	}
	assert_null(syms);
}

static void elf_symbols__find_offsets__node__uprobe_targets_match_nm(void **state)
{
	static const char *const names[] = { "uv_tcp_init", "uv_close", "uv__fs_work" };
	__u64 offs[3], nm[3], vaddr, off;
	struct elf_symbols *syms;
	struct timespec t0, t1;
	int i;

	(void)state;
	if (access(NODE, R_OK))
		skip();
	assert_int_equal(elf_symbols__find_offsets(NODE, names, 3, offs), 3);
	nm_addrs(NODE, names, 3, nm);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(elf_symbols__load(NODE, &syms), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	print_message("    %s symbols loaded in %.1f ms\n", NODE,
		      (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
	for (i = 0; i < 3; i++) {
		assert_true(offs[i] != 0);
		assert_int_equal(elf_symbols__vaddr_of_file_offset(syms, offs[i], &vaddr), 0);
		assert_int_equal(vaddr, nm[i]);
		assert_string_equal(elf_symbols__lookup(syms, vaddr + 4, &off), names[i]);
		assert_int_equal(off, 4);
	}
	elf_symbols__free(syms);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(elf_symbols__load__non_pie__functions_match_nm),
		cmocka_unit_test(elf_symbols__load__pie__functions_match_nm),
		cmocka_unit_test(elf_symbols__load__stripped__enodata),
		cmocka_unit_test(elf_symbols__load__bad_files__errno),
		cmocka_unit_test(elf_symbols__find_offsets__node__uprobe_targets_match_nm),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
