// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Retained anonymous memory, fed as BPF sends it: partial munmap, munmap over several maps,
 * MAP_FIXED overlay, mremap grow/shrink/move, mprotect commit, brk grow/shrink, exit; and
 * ArrayBuffer backing stores (--probes +buffers). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <linux/types.h>
#include "leakscope/events.h"
#include "leakscope/syscalls.h"
#include "aggregate.h"
#include "tracker.h"

#define PID 200
#define K 1024ULL
#define MiB (1ULL << 20)
#define RW 3

static __u64 clock_ns = 1000000000ULL;

/* One memory event; ip names the stack (a one-frame FP walk), 0: no stack sent. */
static void mem(struct tracker *t, __u32 nr, __u64 ret, __u64 ip, __u64 a0, __u64 a1, __u64 a2,
		__u64 a3, __u64 a4)
{
	struct ls_mem_event *e = calloc(1, sizeof(*e));
	size_t size = ip ? offsetof(struct ls_mem_event, ustack) : offsetof(struct ls_mem_event,
									      stack);

	assert_non_null(e);
	e->h.ts_ns = clock_ns;
	clock_ns += 10000000;
	e->h.pid = PID;
	e->h.tid = PID;
	e->h.type = LS_EV_MEM;
	e->h.size = size;
	e->syscall = nr;
	e->args[0] = a0;
	e->args[1] = a1;
	e->args[2] = a2;
	e->args[3] = a3;
	e->args[4] = a4;
	e->ret = ret;
	e->stack.nframes = 1;
	e->stack.frames[0].ip = ip;
	assert_int_equal(tracker__on_event(t, e, size), 0);
	free(e);
}

static void anon(struct tracker *t, __u64 addr, __u64 len, __u64 ip)
{
	mem(t, LS_NR_mmap, addr, ip, 0, len, RW, LS_MAP_PRIVATE | LS_MAP_ANONYMOUS, -1);
}

static struct proc_state *proc(struct tracker *t)
{
	return tracker__proc(t, PID, false);
}

static __u64 mapped(struct tracker *t)
{
	return memmap__bytes(&proc(t)->mem, MEM_MMAP);
}

static __u64 brk_bytes(struct tracker *t)
{
	return memmap__bytes(&proc(t)->mem, MEM_BRK);
}

static void memmap__partial_munmap__keeps_the_rest(void **state)
{
	struct tracker *t = tracker__new(NULL, NULL);

	(void)state;
	anon(t, 0x10000000, 1 * MiB, 0x401000);
	mem(t, LS_NR_munmap, 0, 0, 0x10000000 + 4 * K, 8 * K, 0, 0, 0); /* a hole inside */
	assert_int_equal(mapped(t), MiB - 8 * K);
	assert_int_equal(proc(t)->mem.n, 2);
	mem(t, LS_NR_munmap, 0, 0, 0x10000000, 100, 0, 0, 0); /* rounded up to a page */
	assert_int_equal(mapped(t), MiB - 12 * K);
	tracker__free(t);
}

static void memmap__munmap_over_several_maps__removes_all(void **state)
{
	struct tracker *t = tracker__new(NULL, NULL);

	(void)state;
	anon(t, 0x10000000, 16 * K, 0x401000);
	anon(t, 0x10004000, 16 * K, 0x402000);
	anon(t, 0x10010000, 16 * K, 0x403000);
	mem(t, LS_NR_munmap, 0, 0, 0x10002000, 0x10012000 - 0x10002000, 0, 0, 0);
	assert_int_equal(mapped(t), 8 * K + 8 * K);
	assert_int_equal(proc(t)->mem.n, 2);
	tracker__free(t);
}

static void memmap__map_fixed_overlay__replaces_and_file_removes(void **state)
{
	struct tracker *t = tracker__new(NULL, NULL);

	(void)state;
	anon(t, 0x10000000, 64 * K, 0x401000);
	/* an anonymous MAP_FIXED over the middle: a new owner for those pages */
	mem(t, LS_NR_mmap, 0x10004000, 0x402000, 0x10004000, 8 * K, RW,
	    LS_MAP_PRIVATE | LS_MAP_ANONYMOUS | LS_MAP_FIXED, -1);
	assert_int_equal(mapped(t), 64 * K);
	assert_int_equal(proc(t)->mem.n, 3);
	assert_int_equal(proc(t)->mem.r[1].end - proc(t)->mem.r[1].start, 8 * K);
	assert_int_not_equal(proc(t)->mem.r[1].stack_id, proc(t)->mem.r[0].stack_id);
	/* a file mapped over the tail: no longer anonymous memory */
	mem(t, LS_NR_mmap, 0x10008000, 0, 0x10008000, 32 * K, 1, LS_MAP_PRIVATE | LS_MAP_FIXED, 5);
	assert_int_equal(mapped(t), 32 * K);
	tracker__free(t);
}

static void memmap__mremap__grows_shrinks_and_moves(void **state)
{
	struct tracker *t = tracker__new(NULL, NULL);
	struct memmap *m;

	(void)state;
	anon(t, 0x10000000, 1 * MiB, 0x401000);
	/* grow in place: the tail belongs to the mremap's stack */
	mem(t, LS_NR_mremap, 0x10000000, 0x402000, 0x10000000, MiB, 2 * MiB, 0, 0);
	assert_int_equal(mapped(t), 2 * MiB);
	m = &proc(t)->mem;
	assert_int_equal(m->n, 2);
	assert_int_not_equal(m->r[0].stack_id, m->r[1].stack_id);
	/* move and shrink: both pieces follow, cut to the new length */
	mem(t, LS_NR_mremap, 0x20000000, 0, 0x10000000, 2 * MiB, MiB + 4 * K, LS_MREMAP_MAYMOVE, 0);
	assert_int_equal(mapped(t), MiB + 4 * K);
	assert_int_equal(m->r[0].start, 0x20000000);
	assert_int_equal(m->r[1].end, 0x20000000 + MiB + 4 * K);
	/* an untracked (pre-existing) mapping moved or grown stays untracked */
	mem(t, LS_NR_mremap, 0x30000000, 0x403000, 0x50000000, MiB, 2 * MiB, LS_MREMAP_MAYMOVE, 0);
	assert_int_equal(mapped(t), MiB + 4 * K);
	tracker__free(t);
}

static void memmap__prot_none_reservation__counts_when_committed(void **state)
{
	struct tracker *t = tracker__new(NULL, NULL);

	(void)state;
	/* V8's page allocation in node 20: reserve PROT_NONE, trim, mprotect RW */
	mem(t, LS_NR_mmap, 0x10000000, 0, 0, 508 * K, 0,
	    LS_MAP_PRIVATE | LS_MAP_ANONYMOUS, -1);
	assert_int_equal(mapped(t), 0);
	mem(t, LS_NR_munmap, 0, 0, 0x10040000, 252 * K, 0, 0, 0);
	mem(t, LS_NR_mprotect, 0, 0x404000, 0x10000000, 256 * K, RW, 0, 0);
	assert_int_equal(mapped(t), 256 * K);
	assert_int_not_equal(proc(t)->mem.r[0].stack_id, 0);
	/* freeing a page: PROT_NONE again */
	mem(t, LS_NR_mprotect, 0, 0, 0x10000000, 256 * K, 0, 0, 0);
	assert_int_equal(mapped(t), 0);
	/* mprotect of memory we never saw mapped (a file, say) is left alone */
	mem(t, LS_NR_mprotect, 0, 0x404000, 0x60000000, 256 * K, RW, 0, 0);
	assert_int_equal(mapped(t), 0);
	tracker__free(t);
}

static void memmap__reservation_found_at_attach__committed_by_mprotect(void **state)
{
	struct tracker *t = tracker__new(NULL, NULL);

	(void)state;
	assert_non_null(tracker__proc(t, PID, true));
	/* a glibc thread arena made before -p attached: 64 MiB of PROT_NONE */
	assert_int_equal(tracker__add_reservation(t, PID, 0x7f0000000000, 0x7f0004000000), 0);
	assert_int_equal(mapped(t), 0);
	mem(t, LS_NR_mprotect, 0, 0x405000, 0x7f0000021000, 132 * K, RW, 0, 0);
	assert_int_equal(mapped(t), 132 * K);
	tracker__free(t);
}

static void memmap__brk__grows_per_stack_and_shrink_releases_the_top(void **state)
{
	struct tracker *t = tracker__new(NULL, NULL);

	(void)state;
	mem(t, LS_NR_brk, 0x1000000, 0, 0, 0, 0, 0, 0); /* brk(0): where the heap stands */
	assert_int_equal(brk_bytes(t), 0);
	mem(t, LS_NR_brk, 0x1021000, 0x405000, 0x1021000, 0, 0, 0, 0);
	mem(t, LS_NR_brk, 0x1042000, 0x406000, 0x1042000, 0, 0, 0, 0);
	assert_int_equal(brk_bytes(t), 0x42000);
	assert_int_equal(proc(t)->mem.n, 2);
	mem(t, LS_NR_brk, 0x1030000, 0x407000, 0x1030000, 0, 0, 0, 0); /* trim */
	assert_int_equal(brk_bytes(t), 0x30000);
	assert_int_equal(proc(t)->mem.r[1].end, 0x1030000);
	tracker__free(t);
}

static void memmap__live_process__grouped_by_stack(void **state)
{
	struct tracker *t = tracker__new(NULL, NULL);
	struct aggregate_opts o = { .start_ns = 0, .min_age_ns = 0 };
	struct leak_group *g = NULL;
	size_t n = 0;

	(void)state;
	for (int i = 0; i < 5; i++)
		anon(t, 0x10000000 + i * 2 * MiB, MiB + 4 * K, 0x401000);
	anon(t, 0x40000000, 64 * K, 0x402000);
	o.end_ns = clock_ns;
	assert_int_equal(aggregate__groups(proc(t), &o, &g, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(g[0].kind, LEAK_MMAP);
	assert_int_equal(g[0].count, 5);
	assert_int_equal(g[0].bytes, 5 * (MiB + 4 * K));
	assert_int_equal(g[1].bytes, 64 * K);
	free(g);
	tracker__free(t);
}

static void memmap__exit__retains_nothing(void **state)
{
	struct tracker *t = tracker__new(NULL, NULL);
	struct ls_proc_event ex = { .h = { .pid = PID, .tid = PID, .type = LS_EV_EXIT,
					   .size = sizeof(ex) } };
	struct aggregate_opts o = { .start_ns = 0, .min_age_ns = 0 };
	struct leak_group *g = NULL;
	size_t n = 0;

	(void)state;
	anon(t, 0x10000000, MiB, 0x401000);
	ex.h.ts_ns = clock_ns;
	assert_int_equal(tracker__on_event(t, &ex, sizeof(ex)), 0);
	assert_true(proc(t)->exited);
	/* the map stays as it was at exit (open_at_end says so), but no memory group */
	assert_int_equal(mapped(t), MiB);
	o.end_ns = clock_ns;
	assert_int_equal(aggregate__groups(proc(t), &o, &g, &n), 0);
	assert_int_equal(n, 0);
	free(g);
	tracker__free(t);
}

static void buffer(struct tracker *t, __u16 type, __u64 store, __u64 bytes, __u64 ip)
{
	struct ls_buffer_event e = { .h = { .ts_ns = clock_ns, .pid = PID, .tid = PID,
					    .type = type } };
	size_t size = type == LS_EV_BUFFER_ALLOC
			      ? offsetof(struct ls_buffer_event, stack.frames) + sizeof(struct ls_frame)
			      : offsetof(struct ls_buffer_event, stack);

	clock_ns += 10000000;
	e.h.size = size;
	e.store = store;
	e.bytes = bytes;
	e.stack.nframes = 1;
	e.stack.frames[0].ip = ip;
	assert_int_equal(tracker__on_event(t, &e, size), 0);
}

static void buffers__alloc_and_free__bytes_of_the_live_ones(void **state)
{
	struct tracker *t = tracker__new(NULL, NULL);
	struct aggregate_opts o = { .start_ns = 0, .min_age_ns = 0 };
	struct leak_group *g = NULL;
	size_t n = 0;

	(void)state;
	buffer(t, LS_EV_BUFFER_ALLOC, 0x5000, MiB, 0x401000);
	buffer(t, LS_EV_BUFFER_ALLOC, 0x6000, MiB, 0x401000);
	buffer(t, LS_EV_BUFFER_ALLOC, 0x7000, 100, 0x402000);
	buffer(t, LS_EV_BUFFER_FREE, 0x6000, 0, 0);
	buffer(t, LS_EV_BUFFER_FREE, 0x9000, 0, 0); /* made before tracing: ignored */
	assert_int_equal(proc(t)->buffers.len, 2);
	o.end_ns = clock_ns;
	assert_int_equal(aggregate__groups(proc(t), &o, &g, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(g[0].kind, LEAK_BUFFER);
	assert_int_equal(g[0].bytes, MiB);
	assert_int_equal(g[0].count, 1);
	assert_int_equal(g[1].bytes, 100);
	free(g);
	tracker__free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(memmap__partial_munmap__keeps_the_rest),
		cmocka_unit_test(memmap__munmap_over_several_maps__removes_all),
		cmocka_unit_test(memmap__map_fixed_overlay__replaces_and_file_removes),
		cmocka_unit_test(memmap__mremap__grows_shrinks_and_moves),
		cmocka_unit_test(memmap__prot_none_reservation__counts_when_committed),
		cmocka_unit_test(memmap__reservation_found_at_attach__committed_by_mprotect),
		cmocka_unit_test(memmap__brk__grows_per_stack_and_shrink_releases_the_top),
		cmocka_unit_test(memmap__live_process__grouped_by_stack),
		cmocka_unit_test(memmap__exit__retains_nothing),
		cmocka_unit_test(buffers__alloc_and_free__bytes_of_the_live_ones),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
