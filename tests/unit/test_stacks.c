// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <cmocka.h>
#include "stacks.h"

static int setup(void **state)
{
	*state = stack_table__new();
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	stack_table__free(*state);
	return 0;
}

static __u32 intern(struct stack_table *t, __u32 pid, const struct ls_frame *f, __u32 n,
		    bool want_new)
{
	bool is_new = !want_new;
	__u32 id = 0;

	assert_int_equal(stack_table__intern(t, pid, f, n, 0, &id, &is_new), 0);
	assert_int_equal(is_new, want_new);
	assert_int_not_equal(id, 0);
	return id;
}

static void stack_table__new__empty__get_zero_null(void **state)
{
	struct stack_table *t = *state;

	assert_int_equal(stack_table__count(t), 0);
	assert_null(stack_table__get(t, 0));
	assert_null(stack_table__get(t, 1));
}

static void stack_table__intern__first_stack__id_one_and_copied(void **state)
{
	struct stack_table *t = *state;
	struct ls_frame f[3] = { { 0x1000, 0xa }, { 0x2000, 0xb }, { 0x3000, 0xc } };
	struct stack_entry *e;
	bool is_new = false;
	__u32 id = 0;

	assert_int_equal(stack_table__intern(t, 42, f, 3, LS_STACK_TRUNCATED, &id, &is_new), 0);
	assert_true(is_new);
	assert_int_equal(id, 1);
	assert_null(stack_table__get(t, 0));
	e = stack_table__get(t, 1);
	assert_non_null(e);
	/* the table keeps its own copy: the event buffer is reused */
	f[0].ip = 0xdead;
	assert_int_equal(e->id, 1);
	assert_int_equal(e->pid, 42);
	assert_int_equal(e->nframes, 3);
	assert_int_equal(e->flags, LS_STACK_TRUNCATED);
	assert_int_equal(e->frames[0].ip, 0x1000);
	assert_int_equal(e->frames[0].slot, 0xa);
	assert_int_equal(e->frames[2].ip, 0x3000);
	assert_null(e->locs);
	assert_int_equal(stack_table__count(t), 1);
	assert_null(stack_table__get(t, 2));
}

static void stack_table__intern__same_ips_other_slots__same_id(void **state)
{
	struct stack_table *t = *state;
	struct ls_frame a[2] = { { 0x1000, 0x111 }, { 0x2000, 0x222 } };
	struct ls_frame b[2] = { { 0x1000, 0x999 }, { 0x2000, 0x888 } }; /* V8 moved the closures */
	__u32 ia = intern(t, 7, a, 2, true);

	assert_int_equal(intern(t, 7, b, 2, false), ia);
	assert_int_equal(intern(t, 7, a, 2, false), ia);
	assert_int_equal(stack_table__count(t), 1);
}

/* the key of a frame's function: slot / 0x100, as if slots were JSFunctions of an SFI */
static int key_of_slot(void *ctx, __u32 pid, __u64 slot, __u64 *key)
{
	(void)ctx;
	(void)pid;
	if (slot == 0xbad)
		return -EFAULT;
	*key = slot / 0x100;
	return 0;
}

static void stack_table__intern__same_ips_other_function__other_id(void **state)
{
	struct stack_table *t = *state;
	/* interpreted frames: one trampoline address, the function differs */
	struct ls_frame a[2] = { { 0x1000, 0x111 }, { 0x2000, 0x222 } };
	struct ls_frame a2[2] = { { 0x1000, 0x1ff }, { 0x2000, 0x333 } }; /* another closure */
	struct ls_frame b[2] = { { 0x1000, 0x511 }, { 0x2000, 0x222 } };
	struct ls_frame bad[2] = { { 0x1000, 0xbad }, { 0x2000, 0x222 } };
	struct stack_entry *e;
	__u32 ia, ib, id;

	stack_table__set_key_fn(t, key_of_slot, NULL);
	ia = intern(t, 7, a, 2, true);
	e = stack_table__get(t, ia);
	e->fn_keys = calloc(2, sizeof(*e->fn_keys));
	assert_non_null(e->fn_keys);
	e->fn_keys[0] = 0x1; /* frame 1 keeps no key: its address is enough */
	assert_int_equal(intern(t, 7, a2, 2, false), ia);
	ib = intern(t, 7, b, 2, true);
	assert_int_not_equal(ib, ia);
	e = stack_table__get(t, ib);
	e->fn_keys = calloc(2, sizeof(*e->fn_keys));
	assert_non_null(e->fn_keys);
	e->fn_keys[0] = 0x5;
	assert_int_equal(intern(t, 7, b, 2, false), ib);
	/* the function cannot be read: not the same stack */
	id = intern(t, 7, bad, 2, true);
	assert_int_not_equal(id, ia);
	e = stack_table__get(t, id);
	e->fn_keys = calloc(2, sizeof(*e->fn_keys));
	assert_non_null(e->fn_keys);
	e->fn_keys[0] = STACK_KEY_NEVER; /* as jsnames marks a function it could not read */
	id = intern(t, 7, bad, 2, true);
	e = stack_table__get(t, id);
	e->fn_keys = calloc(2, sizeof(*e->fn_keys));
	assert_non_null(e->fn_keys);
	e->fn_keys[0] = STACK_KEY_NEVER;
	/* a mark-compact: keys are stale, the same function makes a new stack */
	stack_table__expire_fn_keys(t, 7);
	assert_int_not_equal(intern(t, 7, a2, 2, true), ia);
	assert_int_equal(stack_table__count(t), 5);
}

static void stack_table__intern__other_pid__other_id(void **state)
{
	struct stack_table *t = *state;
	struct ls_frame f[2] = { { 0x1000, 0 }, { 0x2000, 0 } };
	__u32 a = intern(t, 7, f, 2, true), b = intern(t, 8, f, 2, true);

	assert_int_not_equal(a, b);
	assert_int_equal(stack_table__get(t, a)->pid, 7);
	assert_int_equal(stack_table__get(t, b)->pid, 8);
	assert_int_equal(intern(t, 8, f, 2, false), b);
	assert_int_equal(stack_table__count(t), 2);
}

static void stack_table__intern__prefix_or_order__other_id(void **state)
{
	struct stack_table *t = *state;
	struct ls_frame f[3] = { { 0x1000, 0 }, { 0x2000, 0 }, { 0x3000, 0 } };
	struct ls_frame r[3] = { { 0x3000, 0 }, { 0x2000, 0 }, { 0x1000, 0 } };
	__u32 ids[5];

	ids[0] = intern(t, 1, f, 3, true);
	ids[1] = intern(t, 1, f, 2, true);
	ids[2] = intern(t, 1, f, 1, true);
	ids[3] = intern(t, 1, f, 0, true); /* no frames: the walk failed at once */
	ids[4] = intern(t, 1, r, 3, true);
	for (int i = 0; i < 5; i++)
		for (int j = i + 1; j < 5; j++)
			assert_int_not_equal(ids[i], ids[j]);
	assert_int_equal(intern(t, 1, f, 0, false), ids[3]);
	assert_int_equal(stack_table__get(t, ids[3])->nframes, 0);
}

/* The table's hash, FNV-1a over pid and ips (stacks.c), to build two stacks that collide. */
static __u64 fnv_step(__u64 h, __u64 ip)
{
	return (h ^ ip) * 0x100000001b3ULL;
}

static void stack_table__intern__hash_collision__distinct_ids(void **state)
{
	struct stack_table *t = *state;
	const __u64 h0 = 0xcbf29ce484222325ULL ^ 5;
	struct ls_frame a[2] = { { 0x1000, 0 }, { 0x2000, 0 } };
	struct ls_frame b[2] = { { 0x5000, 0 }, { 0 } };
	__u32 ia, ib;

	/* pick b's second ip so that both walks reach the same hash */
	b[1].ip = fnv_step(h0, a[0].ip) ^ a[1].ip ^ fnv_step(h0, b[0].ip);
	assert_int_equal(fnv_step(fnv_step(h0, a[0].ip), a[1].ip),
			 fnv_step(fnv_step(h0, b[0].ip), b[1].ip));
	ia = intern(t, 5, a, 2, true);
	ib = intern(t, 5, b, 2, true);
	assert_int_not_equal(ia, ib);
	assert_int_equal(stack_table__get(t, ia)->hash, stack_table__get(t, ib)->hash);
	/* both stay findable through the chain */
	assert_int_equal(intern(t, 5, a, 2, false), ia);
	assert_int_equal(intern(t, 5, b, 2, false), ib);
	assert_int_equal(stack_table__get(t, ia)->frames[0].ip, 0x1000);
	assert_int_equal(stack_table__get(t, ib)->frames[0].ip, 0x5000);
	assert_int_equal(stack_table__count(t), 2);
}

static void stack_table__intern__1000_stacks__table_grows(void **state)
{
	enum { N = 1000 };
	struct stack_table *t = *state;
	__u32 ids[N];

	for (__u32 i = 0; i < N; i++) {
		struct ls_frame f[2] = { { 0x400000 + i * 16, 0 }, { 0x7f0000001000ULL, 0 } };

		ids[i] = intern(t, 100, f, 2, true);
		assert_int_equal(ids[i], i + 1); /* dense, in order of first sight */
	}
	assert_int_equal(stack_table__count(t), N);
	for (__u32 i = 0; i < N; i++) {
		struct ls_frame f[2] = { { 0x400000 + i * 16, 1 }, { 0x7f0000001000ULL, 2 } };
		struct stack_entry *e = stack_table__get(t, ids[i]);

		assert_non_null(e);
		assert_int_equal(e->id, ids[i]);
		assert_int_equal(e->nframes, 2);
		assert_int_equal(e->frames[0].ip, 0x400000 + i * 16);
		assert_int_equal(e->frames[1].ip, 0x7f0000001000ULL);
		assert_int_equal(intern(t, 100, f, 2, false), ids[i]);
	}
	assert_null(stack_table__get(t, N + 1));
	assert_int_equal(stack_table__count(t), N);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(stack_table__new__empty__get_zero_null, setup,
						teardown),
		cmocka_unit_test_setup_teardown(stack_table__intern__first_stack__id_one_and_copied,
						setup, teardown),
		cmocka_unit_test_setup_teardown(stack_table__intern__same_ips_other_slots__same_id,
						setup, teardown),
		cmocka_unit_test_setup_teardown(stack_table__intern__same_ips_other_function__other_id,
						setup, teardown),
		cmocka_unit_test_setup_teardown(stack_table__intern__other_pid__other_id, setup,
						teardown),
		cmocka_unit_test_setup_teardown(stack_table__intern__prefix_or_order__other_id,
						setup, teardown),
		cmocka_unit_test_setup_teardown(stack_table__intern__hash_collision__distinct_ids,
						setup, teardown),
		cmocka_unit_test_setup_teardown(stack_table__intern__1000_stacks__table_grows,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
