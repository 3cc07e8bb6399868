// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The DWARF unwinder on this very process: an event built from our own registers and stack, as
 * BPF would send it, unwound through functions compiled without frame pointers (-O2: gcc
 * omits them) back to the test.  Needs no root. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <linux/types.h>
#include "leakscope/events.h"
#include "procmaps.h"
#include "unwind.h"

static struct ls_mem_event *ev;
static __u64 level_ret[2]; /* where level1 and level2 return to */

/* The top of our stack mapping: the copy must not read past it. */
static __u64 stack_top(__u64 sp)
{
	const struct procmap_entry *e;
	struct procmaps *maps;
	__u64 top = 0;

	assert_int_equal(procmaps__load_pid(getpid(), &maps), 0);
	e = procmaps__find(maps, sp);
	assert_non_null(e);
	top = e->end;
	procmaps__free(maps);
	return top;
}

/* What the sys_exit program does, from here: rip, rsp, rbp and whole pages of stack. */
static __attribute__((noinline)) void capture(void)
{
	__u64 sp, bp, ip, page, top, len;

	__asm__ volatile("mov %%rsp, %0\n\tmov %%rbp, %1\n\tlea 0(%%rip), %2"
			 : "=r"(sp), "=r"(bp), "=r"(ip));
	page = sp & ~4095ULL;
	top = stack_top(sp);
	len = top - page < LS_USTACK_BYTES ? top - page : LS_USTACK_BYTES;
	ev->ip = ip;
	ev->sp = sp;
	ev->bp = bp;
	ev->ustack_len = len;
	memcpy(ev->ustack, (void *)page, len);
	ev->stack.nframes = 0;
}

static __attribute__((noinline)) int level1(int x)
{
	capture();
	level_ret[0] = (__u64)__builtin_return_address(0);
	return x + 1;
}

static __attribute__((noinline)) int level2(int x)
{
	int r = level1(x * 3);

	level_ret[1] = (__u64)__builtin_return_address(0);
	return r + 2;
}

static bool has_ip(const struct ls_stack *st, __u64 ip)
{
	for (__u32 i = 0; i < st->nframes; i++)
		if (st->frames[i].ip == ip)
			return true;
	return false;
}

static void unwinder__own_stack__reaches_the_callers(void **state)
{
	struct unwinder *u = unwinder__new();
	struct ls_stack *out = calloc(1, sizeof(*out));
	volatile int sink;

	(void)state;
	ev = calloc(1, sizeof(*ev));
	assert_non_null(u);
	assert_non_null(out);
	assert_non_null(ev);
	sink = level2(7);
	(void)sink;
	assert_int_equal(unwinder__unwind(u, getpid(), ev, ev->ustack_len, out), 0);
	assert_true(out->nframes >= 4);
	assert_int_equal(out->frames[0].ip, ev->ip);
	/* level1's and level2's callers, found through CFI (no frame pointers here) */
	assert_true(has_ip(out, level_ret[0]));
	assert_true(has_ip(out, level_ret[1]));
	unwinder__free(u);
	free(out);
	free(ev);
}

static void unwinder__process_gone__error(void **state)
{
	struct unwinder *u = unwinder__new();
	struct ls_stack out;

	(void)state;
	ev = calloc(1, sizeof(*ev));
	assert_non_null(ev);
	ev->ip = 0x401000;
	ev->sp = 0x7ffc00000000;
	assert_int_not_equal(unwinder__unwind(u, 0x7ffffff0, ev, 0, &out), 0);
	unwinder__free(u);
	free(ev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unwinder__own_stack__reaches_the_callers),
		cmocka_unit_test(unwinder__process_gone__error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
