// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <cmocka.h>
#include "symbolize.h"

struct fixture {
	struct symbolizer *sym;
	char dir[64];
	char map[96];
	char exe[4096];
};

int symbolize_test_target(int x);
__attribute__((noinline)) int symbolize_test_target(int x)
{
	return x * 3 + 1;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	ssize_t n;

	if (!f)
		return -1;
	strcpy(f->dir, "/tmp/test_symbolize.XXXXXX");
	n = readlink("/proc/self/exe", f->exe, sizeof(f->exe) - 1);
	f->sym = symbolizer__new();
	if (n <= 0 || !mkdtemp(f->dir) || !f->sym || symbolizer__set_perfmap_dir(f->sym, f->dir))
		return -1;
	snprintf(f->map, sizeof(f->map), "%s/perf-%d.map", f->dir, getpid());
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	symbolizer__free(f->sym);
	unlink(f->map);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void append_map(struct fixture *f, const char *fmt, ...)
{
	va_list ap;
	FILE *m;

	m = fopen(f->map, "a");
	assert_non_null(m);
	va_start(ap, fmt);
	vfprintf(m, fmt, ap);
	va_end(ap);
	fclose(m);
}

static void symbolizer__name__own_function__native_name_and_offset(void **state)
{
	struct fixture *f = *state;
	__u64 addr = (uintptr_t)symbolize_test_target;
	struct sym_location loc;
	struct sym_frame fr;

	assert_int_equal(symbolizer__locate(f->sym, getpid(), addr, &loc), 0);
	assert_int_equal(loc.kind, SYM_NATIVE);
	assert_string_equal(loc.module, f->exe);
	assert_int_equal(symbolizer__name(f->sym, getpid(), &loc, &fr), 0);
	assert_int_equal(fr.kind, SYM_NATIVE);
	assert_string_equal(fr.name, "symbolize_test_target");
	assert_string_equal(fr.module, f->exe);
	assert_int_equal(fr.offset, 0);

	assert_int_equal(symbolizer__locate(f->sym, getpid(), addr + 1, &loc), 0);
	assert_int_equal(symbolizer__name(f->sym, getpid(), &loc, &fr), 0);
	assert_string_equal(fr.name, "symbolize_test_target");
	assert_int_equal(fr.offset, 1);
}

static void symbolizer__name__shared_library_cxx__demangled(void **state)
{
	struct fixture *f = *state;
	struct sym_location loc;
	struct sym_frame fr;
	void *fn;

	/* libstdc++ is loaded for __cxa_demangle; a shared library, so a PIE-style module */
	fn = dlsym(RTLD_DEFAULT, "_ZNSt9exceptionD2Ev");
	if (!fn)
		skip();
	assert_int_equal(symbolizer__locate(f->sym, getpid(), (uintptr_t)fn, &loc), 0);
	assert_int_equal(loc.kind, SYM_NATIVE);
	assert_non_null(strstr(loc.module, "libstdc++"));
	assert_int_equal(symbolizer__name(f->sym, getpid(), &loc, &fr), 0);
	assert_string_equal(fr.name, "std::exception::~exception()");
	assert_int_equal(fr.offset, 0);
}

static void symbolizer__name__jit_address__perf_map_js_frame(void **state)
{
	struct fixture *f = *state;
	struct sym_location loc;
	struct sym_frame fr;
	__u64 code;
	void *mem;

	mem = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(mem != MAP_FAILED);
	code = (uintptr_t)mem;
	append_map(f, "%llx 40 JS:*processFile /tmp/pm.js:1:21\n", (unsigned long long)code);

	/* the maps cached by earlier tests predate this mapping */
	assert_int_equal(symbolizer__locate(f->sym, getpid(), code + 0x10, &loc), 0);
	assert_int_equal(loc.kind, SYM_JS);
	assert_null(loc.module);
	assert_int_equal(loc.vaddr, code + 0x10);
	assert_int_equal(symbolizer__name(f->sym, getpid(), &loc, &fr), 0);
	assert_int_equal(fr.kind, SYM_JS);
	assert_string_equal(fr.name, "processFile");
	assert_string_equal(fr.module, "/tmp/pm.js");
	assert_int_equal(fr.line, 1);
	assert_int_equal(fr.column, 21);
	assert_int_equal(fr.offset, 0x10);

	/* node appends as it compiles: a miss reads the map again */
	append_map(f, "%llx 20 JS:~ /tmp/other.js:7:3\n%llx 20 Builtin:CallFunction\n",
		   (unsigned long long)code + 0x100, (unsigned long long)code + 0x200);
	assert_int_equal(symbolizer__locate(f->sym, getpid(), code + 0x101, &loc), 0);
	assert_int_equal(symbolizer__name(f->sym, getpid(), &loc, &fr), 0);
	assert_string_equal(fr.name, "(anonymous)");
	assert_string_equal(fr.module, "/tmp/other.js");
	assert_int_equal(fr.line, 7);
	assert_int_equal(symbolizer__locate(f->sym, getpid(), code + 0x200, &loc), 0);
	assert_int_equal(symbolizer__name(f->sym, getpid(), &loc, &fr), 0);
	assert_int_equal(fr.kind, SYM_NATIVE);
	assert_string_equal(fr.name, "CallFunction");

	/* named from the heap while the process lived: wins over the perf map */
	assert_int_equal(symbolizer__locate(f->sym, getpid(), code + 0x10, &loc), 0);
	assert_int_equal(symbolizer__set_js(f->sym, &loc, "fromHeap", "/tmp/heap.js", 4, 2), 0);
	assert_int_equal(symbolizer__name(f->sym, getpid(), &loc, &fr), 0);
	assert_int_equal(fr.kind, SYM_JS);
	assert_string_equal(fr.name, "fromHeap");
	assert_string_equal(fr.module, "/tmp/heap.js");
	assert_int_equal(fr.line, 4);
	assert_int_equal(fr.column, 2);

	/* JIT memory the map does not know */
	assert_int_equal(symbolizer__locate(f->sym, getpid(), code + 0x800, &loc), 0);
	assert_int_equal(loc.kind, SYM_JS);
	assert_int_equal(symbolizer__name(f->sym, getpid(), &loc, &fr), 0);
	assert_null(fr.name);
	munmap(mem, 4096);
}

static void symbolizer__locate__unmapped_and_kernel__no_name(void **state)
{
	struct fixture *f = *state;
	struct sym_location loc;
	struct sym_frame fr;

	unsigned long reads;

	/* below mmap_min_addr: never mapped */
	assert_int_equal(symbolizer__locate(f->sym, getpid(), 0x1000, &loc), 0);
	assert_int_equal(loc.kind, SYM_UNKNOWN);
	/* the same junk address again, as in every stack of one call path: the maps are not
	 * read again for it; a new page is looked for at once */
	reads = symbolizer__maps_reads(f->sym);
	assert_int_equal(symbolizer__locate(f->sym, getpid(), 0x1008, &loc), 0);
	assert_int_equal(loc.kind, SYM_UNKNOWN);
	assert_int_equal(symbolizer__maps_reads(f->sym), reads);
	assert_int_equal(symbolizer__locate(f->sym, getpid(), 0x2000, &loc), 0);
	assert_int_equal(symbolizer__maps_reads(f->sym), reads + 1);
	assert_int_equal(symbolizer__name(f->sym, getpid(), &loc, &fr), 0);
	assert_int_equal(fr.kind, SYM_UNKNOWN);
	assert_null(fr.name);

	assert_int_equal(symbolizer__locate(f->sym, getpid(), 0xffffffff81000000ULL, &loc), 0);
	assert_int_equal(loc.kind, SYM_KERNEL);
	assert_int_equal(symbolizer__name(f->sym, getpid(), &loc, &fr), 0);
	assert_int_equal(fr.kind, SYM_KERNEL);
	assert_null(fr.name);
}

static void symbolizer__name__after_exit__still_named(void **state)
{
	struct fixture *f = *state;
	struct sym_location loc, loc2;
	struct symbolizer *offline;
	struct sym_frame fr;
	pid_t child;

	child = fork();
	assert_true(child >= 0);
	if (!child) {
		/* bounded, should an assert below skip the kill */
		alarm(30);
		pause();
		_exit(0);
	}
	/* fork keeps the layout: the child's address of our function is ours */
	assert_int_equal(symbolizer__locate(f->sym, child,
					    (uintptr_t)symbolize_test_target + 2, &loc), 0);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	symbolizer__forget_pid(f->sym, child);
	assert_int_equal(symbolizer__locate(f->sym, child, (uintptr_t)symbolize_test_target, &loc2),
			 -ENOENT);

	assert_int_equal(symbolizer__name(f->sym, child, &loc, &fr), 0);
	assert_string_equal(fr.name, "symbolize_test_target");
	assert_int_equal(fr.offset, 2);

	/* a report from a recording: another symbolizer, that never saw the process */
	offline = symbolizer__new();
	assert_non_null(offline);
	assert_int_equal(symbolizer__name(offline, child, &loc, &fr), 0);
	assert_string_equal(fr.name, "symbolize_test_target");
	assert_string_equal(fr.module, f->exe);
	symbolizer__free(offline);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(symbolizer__name__own_function__native_name_and_offset),
		cmocka_unit_test(symbolizer__name__shared_library_cxx__demangled),
		cmocka_unit_test(symbolizer__name__jit_address__perf_map_js_frame),
		cmocka_unit_test(symbolizer__locate__unmapped_and_kernel__no_name),
		cmocka_unit_test(symbolizer__name__after_exit__still_named),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
