// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "aggregate.h"
#include "fdtype.h"
#include "leakscope/events.h"
#include "leakscope/syscalls.h"
#include "tracker.h"

#define SEC 1000000000ULL
#define T0 (5000 * SEC) /* tracing began: CLOCK_MONOTONIC, hours after boot */
#define AT(s) (T0 + (__u64)((s) * (double)SEC))

/* A process built by hand: its items live in `items`, the maps point into it. */
struct fake_proc {
	struct proc_state p;
	struct open_item items[64];
	int n;
	__u64 next_key;
};

static void add(struct fake_proc *fp, __u16 kind, __u16 type, __u16 family, __u32 stack,
		double at_s)
{
	struct open_item *it;

	assert_true(fp->n < 64);
	it = &fp->items[fp->n++];
	*it = (struct open_item){
		.open_ts = AT(at_s),
		.stack_id = stack,
		.kind = kind,
		.type = type,
		.family = family,
	};
	/* fds by number, handles by a pointer-like address */
	if (kind == LEAK_FD) {
		assert_int_equal(hashmap__set(&fp->p.fds, fp->next_key++, it, NULL), 0);
	} else {
		__u64 addr = 0x55d000000000ULL + 64 * fp->next_key++;

		assert_int_equal(hashmap__set(&fp->p.handles, addr, it, NULL), 0);
	}
}

static void add_fd(struct fake_proc *fp, __u16 type, __u32 stack, double at_s)
{
	add(fp, LEAK_FD, type, 0, stack, at_s);
}

static void release(struct fake_proc *fp)
{
	hashmap__clear(&fp->p.fds);
	hashmap__clear(&fp->p.handles);
}

static const struct aggregate_opts window_100s = {
	.start_ns = T0,
	.end_ns = T0 + 100 * SEC,
	.min_age_ns = 0,
};

static void aggregate__groups__empty_process__no_groups(void **state)
{
	struct fake_proc fp = { 0 };
	struct leak_group *g = (void *)1;
	size_t n = 99;

	(void)state;
	assert_int_equal(aggregate__groups(&fp.p, &window_100s, &g, &n), 0);
	assert_int_equal(n, 0);
	free(g);
}

static void aggregate__groups__same_key__one_group(void **state)
{
	struct fake_proc fp = { 0 };
	struct leak_group *g = NULL;
	size_t n = 0;

	(void)state;
	add(&fp, LEAK_FD, FD_SOCKET, 2, 7, 30);
	add(&fp, LEAK_FD, FD_SOCKET, 2, 7, 10);
	add(&fp, LEAK_FD, FD_SOCKET, 2, 7, 20);
	assert_int_equal(aggregate__groups(&fp.p, &window_100s, &g, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(g[0].kind, LEAK_FD);
	assert_int_equal(g[0].type, FD_SOCKET);
	assert_int_equal(g[0].family, 2);
	assert_int_equal(g[0].stack_id, 7);
	assert_int_equal(g[0].count, 3);
	assert_int_equal(g[0].first_open_ts, AT(10));
	assert_int_equal(g[0].last_open_ts, AT(30));
	free(g);
	release(&fp);
}

static struct leak_group *find(struct leak_group *g, size_t n, __u16 kind, __u16 type,
			       __u16 family, __u32 stack)
{
	for (size_t i = 0; i < n; i++)
		if (g[i].kind == kind && g[i].type == type && g[i].family == family &&
		    g[i].stack_id == stack)
			return &g[i];
	return NULL;
}

static void aggregate__groups__same_stack_other_type__apart(void **state)
{
	struct fake_proc fp = { 0 };
	struct leak_group *g = NULL, *x;
	size_t n = 0;

	(void)state;
	/* one stack (a helper that opens all sorts), every part of the key varied once */
	add(&fp, LEAK_FD, FD_FILE, 0, 7, 10);
	add(&fp, LEAK_FD, FD_FILE, 0, 7, 11);
	add(&fp, LEAK_FD, FD_PIPE, 0, 7, 12);
	add(&fp, LEAK_FD, FD_SOCKET, 2, 7, 13);
	add(&fp, LEAK_FD, FD_SOCKET, 10, 7, 14);
	/* a handle type with the number of an fd type: FD_SOCKET == LS_UV_FS_EVENT */
	add(&fp, LEAK_HANDLE, LS_UV_FS_EVENT, 0, 7, 15);
	add(&fp, LEAK_HANDLE, LS_UV_TCP, 0, 7, 16);
	add(&fp, LEAK_HANDLE, LS_UV_TCP, 0, 7, 17);
	add(&fp, LEAK_FD, FD_FILE, 0, 8, 18);
	assert_int_equal(aggregate__groups(&fp.p, &window_100s, &g, &n), 0);
	assert_int_equal(n, 7);
	x = find(g, n, LEAK_FD, FD_FILE, 0, 7);
	assert_non_null(x);
	assert_int_equal(x->count, 2);
	x = find(g, n, LEAK_FD, FD_PIPE, 0, 7);
	assert_non_null(x);
	assert_int_equal(x->count, 1);
	x = find(g, n, LEAK_FD, FD_SOCKET, 2, 7);
	assert_non_null(x);
	assert_int_equal(x->count, 1);
	x = find(g, n, LEAK_FD, FD_SOCKET, 10, 7);
	assert_non_null(x);
	assert_int_equal(x->count, 1);
	x = find(g, n, LEAK_HANDLE, LS_UV_FS_EVENT, 0, 7);
	assert_non_null(x);
	assert_int_equal(x->count, 1);
	x = find(g, n, LEAK_HANDLE, LS_UV_TCP, 0, 7);
	assert_non_null(x);
	assert_int_equal(x->count, 2);
	x = find(g, n, LEAK_FD, FD_FILE, 0, 8);
	assert_non_null(x);
	assert_int_equal(x->count, 1);
	free(g);
	release(&fp);
}

static void aggregate__groups__sorted__count_desc_then_oldest(void **state)
{
	struct fake_proc fp = { 0 };
	struct leak_group *g = NULL;
	size_t n = 0;

	(void)state;
	/* stack 1: 2 items from 50 s; stack 2: 3 items; stack 3: 2 items from 10 s;
	 * stack 4: 1 item, the oldest of all */
	add_fd(&fp, FD_FILE, 1, 50);
	add_fd(&fp, FD_FILE, 1, 51);
	add_fd(&fp, FD_FILE, 2, 60);
	add_fd(&fp, FD_FILE, 2, 61);
	add_fd(&fp, FD_FILE, 2, 62);
	add_fd(&fp, FD_FILE, 3, 10);
	add_fd(&fp, FD_FILE, 3, 70);
	add_fd(&fp, FD_FILE, 4, 1);
	assert_int_equal(aggregate__groups(&fp.p, &window_100s, &g, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(g[0].stack_id, 2);
	assert_int_equal(g[0].count, 3);
	assert_int_equal(g[1].stack_id, 3);
	assert_int_equal(g[1].count, 2);
	assert_int_equal(g[2].stack_id, 1);
	assert_int_equal(g[2].count, 2);
	assert_int_equal(g[3].stack_id, 4);
	assert_int_equal(g[3].count, 1);
	free(g);
	release(&fp);
}

static void aggregate__groups__min_age__young_items_not_counted(void **state)
{
	const struct aggregate_opts o = {
		.start_ns = T0,
		.end_ns = AT(10),
		.min_age_ns = 2 * SEC,
	};
	struct fake_proc fp = { 0 };
	struct leak_group *g = NULL;
	size_t n = 0;

	(void)state;
	add_fd(&fp, FD_FILE, 1, 1);	/* 9 s old */
	add_fd(&fp, FD_FILE, 1, 7.9);	/* 2.1 s */
	add_fd(&fp, FD_FILE, 1, 8);	/* exactly min_age: not younger */
	add_fd(&fp, FD_FILE, 1, 8.5);	/* 1.5 s: too young */
	add_fd(&fp, FD_FILE, 1, 9.99);	/* too young */
	add_fd(&fp, FD_FILE, 1, 12);	/* after the end (an exited process's leftovers) */
	add_fd(&fp, FD_FILE, 2, 9);	/* a group of young items only: no group */
	add_fd(&fp, FD_FILE, 2, 9.5);
	assert_int_equal(aggregate__groups(&fp.p, &o, &g, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(g[0].stack_id, 1);
	assert_int_equal(g[0].count, 3);
	assert_int_equal(g[0].first_open_ts, AT(1));
	assert_int_equal(g[0].last_open_ts, AT(8)); /* of the counted ones */
	free(g);
	release(&fp);
}

static void aggregate__groups__rate__count_per_second_since_first(void **state)
{
	const struct aggregate_opts o = {
		.start_ns = T0,
		.end_ns = AT(100),
		.min_age_ns = 1 * SEC,
	};
	struct fake_proc fp = { 0 };
	struct leak_group *g = NULL;
	size_t n = 0;

	(void)state;
	add_fd(&fp, FD_SOCKET, 1, 92);
	add_fd(&fp, FD_SOCKET, 1, 94);
	add_fd(&fp, FD_SOCKET, 1, 96);
	add_fd(&fp, FD_SOCKET, 1, 98);
	add_fd(&fp, FD_SOCKET, 1, 99.5); /* too young: neither counted nor the rate's start */
	assert_int_equal(aggregate__groups(&fp.p, &o, &g, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(g[0].count, 4);
	assert_float_equal(g[0].oldest_age_s, 8.0, 1e-9);
	assert_float_equal(g[0].rate_per_s, 0.5, 1e-9);
	free(g);
	release(&fp);
}

static struct leak_group rate_of(__u32 count, double first_s, double last_s)
{
	struct leak_group g = {
		.count = count,
		.first_open_ts = AT(first_s),
		.last_open_ts = AT(last_s),
	};

	aggregate__rate(&g, &window_100s);
	return g;
}

static void aggregate__rate__spread_over_quarter__growing(void **state)
{
	struct leak_group g;

	(void)state;
	g = rate_of(3, 10, 40);
	assert_true(g.growing);
	assert_float_equal(g.rate_per_s, 3 / 90.0, 1e-9);
	assert_float_equal(g.oldest_age_s, 90.0, 1e-9);
	g = rate_of(3, 10, 35); /* exactly a quarter of the window */
	assert_true(g.growing);
	g = rate_of(50, 0, 99);
	assert_true(g.growing);
}

static void aggregate__rate__single_burst__not_growing(void **state)
{
	struct leak_group g;

	(void)state;
	g = rate_of(40, 10, 10.3); /* a pool opened at startup */
	assert_false(g.growing);
	assert_float_equal(g.rate_per_s, 40 / 90.0, 1e-9);
	g = rate_of(3, 10, 34.9); /* just under a quarter */
	assert_false(g.growing);
}

static void aggregate__rate__two_items__not_growing(void **state)
{
	struct leak_group g;

	(void)state;
	g = rate_of(2, 10, 90);
	assert_false(g.growing);
	g = rate_of(1, 10, 10);
	assert_false(g.growing);
	assert_float_equal(g.rate_per_s, 1 / 90.0, 1e-9);
}

static void aggregate__groups__growing__verdict_per_group(void **state)
{
	struct fake_proc fp = { 0 };
	struct leak_group *g = NULL, *x;
	size_t n = 0;

	(void)state;
	for (int i = 0; i < 5; i++)
		add_fd(&fp, FD_SOCKET, 1, 20 + 15 * i); /* 20 .. 80 s */
	for (int i = 0; i < 5; i++)
		add_fd(&fp, FD_FILE, 2, 5 + 0.01 * i); /* a burst */
	add_fd(&fp, FD_PIPE, 3, 10);
	add_fd(&fp, FD_PIPE, 3, 90);
	assert_int_equal(aggregate__groups(&fp.p, &window_100s, &g, &n), 0);
	assert_int_equal(n, 3);
	x = find(g, n, LEAK_FD, FD_SOCKET, 0, 1);
	assert_non_null(x);
	assert_true(x->growing);
	x = find(g, n, LEAK_FD, FD_FILE, 0, 2);
	assert_non_null(x);
	assert_false(x->growing);
	x = find(g, n, LEAK_FD, FD_PIPE, 0, 3);
	assert_non_null(x);
	assert_false(x->growing);
	free(g);
	release(&fp);
}

/* The same, through the tracker: what it leaves open is what aggregate groups. */
static void send_open(struct tracker *t, double at_s, int fd, __u64 leaf)
{
	struct ls_fd_open_event e;

	memset(&e, 0, sizeof(e));
	e.h.type = LS_EV_FD_OPEN;
	e.h.pid = 42;
	e.h.ts_ns = AT(at_s);
	e.h.size = offsetof(struct ls_fd_open_event, stack.frames) + 2 * sizeof(struct ls_frame);
	e.enter_ts_ns = e.h.ts_ns - 1000;
	e.fd = fd;
	e.fd2 = -1;
	e.syscall = LS_NR_socket;
	e.i_mode = 0140777;
	e.family = 2;
	e.stack.nframes = 2;
	e.stack.frames[0].ip = leaf;
	e.stack.frames[1].ip = 0x401000;
	assert_int_equal(tracker__on_event(t, &e, e.h.size), 0);
}

static void aggregate__groups__from_tracker__open_items_grouped(void **state)
{
	struct tracker *t = tracker__new(NULL, NULL);
	struct ls_fd_close_event c = { 0 };
	struct leak_group *g = NULL;
	struct proc_state *p;
	size_t n = 0;

	(void)state;
	assert_non_null(t);
	for (int i = 0; i < 4; i++)
		send_open(t, 10 + 20 * i, 10 + i, 0x7000); /* 10, 30, 50, 70 s */
	send_open(t, 20, 20, 0x8000);
	c.h.type = LS_EV_FD_CLOSE;
	c.h.pid = 42;
	c.h.ts_ns = AT(75);
	c.h.size = sizeof(c);
	c.fd = c.last_fd = 11; /* the one from 30 s */
	assert_int_equal(tracker__on_event(t, &c, sizeof(c)), 0);
	p = tracker__proc(t, 42, false);
	assert_non_null(p);
	assert_int_equal(aggregate__groups(p, &window_100s, &g, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(g[0].count, 3);
	assert_int_equal(g[0].kind, LEAK_FD);
	assert_int_equal(g[0].type, FD_SOCKET);
	assert_int_equal(g[0].family, 2);
	assert_int_equal(stack_table__get(tracker__stacks(t), g[0].stack_id)->frames[0].ip, 0x7000);
	assert_int_equal(g[0].first_open_ts, AT(10));
	assert_int_equal(g[0].last_open_ts, AT(70));
	assert_true(g[0].growing);
	assert_int_equal(g[1].count, 1);
	assert_int_equal(stack_table__get(tracker__stacks(t), g[1].stack_id)->frames[0].ip, 0x8000);
	free(g);
	tracker__free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(aggregate__groups__empty_process__no_groups),
		cmocka_unit_test(aggregate__groups__same_key__one_group),
		cmocka_unit_test(aggregate__groups__same_stack_other_type__apart),
		cmocka_unit_test(aggregate__groups__sorted__count_desc_then_oldest),
		cmocka_unit_test(aggregate__groups__min_age__young_items_not_counted),
		cmocka_unit_test(aggregate__groups__rate__count_per_second_since_first),
		cmocka_unit_test(aggregate__rate__spread_over_quarter__growing),
		cmocka_unit_test(aggregate__rate__single_burst__not_growing),
		cmocka_unit_test(aggregate__rate__two_items__not_growing),
		cmocka_unit_test(aggregate__groups__growing__verdict_per_group),
		cmocka_unit_test(aggregate__groups__from_tracker__open_items_grouped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
