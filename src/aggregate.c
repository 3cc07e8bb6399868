// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include "aggregate.h"
#include "hashmap.h"

/* A group survives if it has at least this many members spread over a quarter of the window:
 * three fds opened in one burst at startup are a pool, not a leak. */
#define GROWING_MIN_COUNT 3
#define GROWING_MIN_SPREAD 0.25

void aggregate__rate(struct leak_group *g, const struct aggregate_opts *o)
{
	double window = (double)(o->end_ns - o->start_ns) / 1e9;
	double since_first = (double)(o->end_ns - g->first_open_ts) / 1e9;
	double spread = (double)(g->last_open_ts - g->first_open_ts) / 1e9;

	g->oldest_age_s = since_first;
	/* net accumulation since the group's first survivor: survivors / time they had to pile up */
	g->rate_per_s = since_first > 0 ? g->count / since_first : 0;
	g->growing = g->count >= GROWING_MIN_COUNT && window > 0 &&
		     spread >= GROWING_MIN_SPREAD * window;
}

static __u64 group_key(const struct open_item *it)
{
	return (__u64)it->stack_id << 32 | (__u64)it->kind << 24 | (__u64)it->type << 16 |
	       it->family;
}

static bool is_mem_kind(__u16 kind)
{
	return kind == LEAK_MMAP || kind == LEAK_BRK || kind == LEAK_BUFFER;
}

static int cmp_groups(const void *a, const void *b)
{
	const struct leak_group *x = a, *y = b;

	if (is_mem_kind(x->kind) != is_mem_kind(y->kind))
		return is_mem_kind(x->kind) ? 1 : -1;
	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	if (x->first_open_ts != y->first_open_ts)
		return x->first_open_ts < y->first_open_ts ? -1 : 1;
	return x->stack_id < y->stack_id ? -1 : x->stack_id > y->stack_id;
}

static struct leak_group *group_of(__u64 key, const struct leak_group *proto,
				   struct hashmap *index, struct leak_group **groups, size_t *n,
				   size_t *cap)
{
	void *slot = hashmap__get(index, key);

	if (slot)
		return &(*groups)[(uintptr_t)slot - 1];
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 32;
		struct leak_group *ng = realloc(*groups, c * sizeof(*ng));

		if (!ng)
			return NULL;
		*groups = ng;
		*cap = c;
	}
	(*groups)[*n] = *proto;
	(*n)++;
	if (hashmap__set(index, key, (void *)(uintptr_t)*n, NULL))
		return NULL;
	return &(*groups)[*n - 1];
}

/* Accessible ranges mapped while tracing, by kind and stack: bytes and pieces retained. */
static int add_memory(const struct memmap *m, const struct aggregate_opts *o,
		      struct hashmap *index, struct leak_group **groups, size_t *n, size_t *cap)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct mem_range *r = &m->r[i];
		__u16 kind = r->kind == MEM_BRK ? LEAK_BRK : LEAK_MMAP;
		struct leak_group proto = { .kind = kind, .stack_id = r->stack_id,
					    .first_open_ts = r->ts, .last_open_ts = r->ts };
		struct leak_group *g;

		if ((r->flags & MEM_NOACCESS) || r->ts > o->end_ns ||
		    o->end_ns - r->ts < o->min_age_ns)
			continue;
		g = group_of((__u64)r->stack_id << 32 | (__u64)kind << 24, &proto, index, groups,
			     n, cap);
		if (!g)
			return -ENOMEM;
		g->count++;
		g->bytes += r->end - r->start;
		if (r->ts < g->first_open_ts)
			g->first_open_ts = r->ts;
		if (r->ts > g->last_open_ts)
			g->last_open_ts = r->ts;
	}
	return 0;
}

static int add_items(const struct hashmap *items, const struct aggregate_opts *o,
		     struct hashmap *index, struct leak_group **groups, size_t *n, size_t *cap)
{
	size_t it = 0;
	__u64 key;
	void *v;

	while (hashmap__next(items, &it, &key, &v)) {
		const struct open_item *item = v;
		struct leak_group *g;
		void *slot;

		if (item->open_ts > o->end_ns || o->end_ns - item->open_ts < o->min_age_ns)
			continue;
		slot = hashmap__get(index, group_key(item));
		if (slot) {
			g = &(*groups)[(uintptr_t)slot - 1];
		} else {
			if (*n == *cap) {
				size_t c = *cap ? *cap * 2 : 32;
				struct leak_group *ng = realloc(*groups, c * sizeof(*ng));

				if (!ng)
					return -ENOMEM;
				*groups = ng;
				*cap = c;
			}
			g = &(*groups)[(*n)++];
			*g = (struct leak_group){
				.kind = item->kind,
				.type = item->type,
				.family = item->family,
				.stack_id = item->stack_id,
				.first_open_ts = item->open_ts,
				.last_open_ts = item->open_ts,
			};
			if (hashmap__set(index, group_key(item), (void *)(uintptr_t)*n, NULL))
				return -ENOMEM;
		}
		g->count++;
		g->bytes += item->bytes;
		if (item->open_ts < g->first_open_ts)
			g->first_open_ts = item->open_ts;
		if (item->open_ts > g->last_open_ts)
			g->last_open_ts = item->open_ts;
	}
	return 0;
}

int aggregate__groups(const struct proc_state *p, const struct aggregate_opts *o,
		      struct leak_group **out, size_t *n)
{
	struct hashmap index = HASHMAP_INIT;
	struct leak_group *groups = NULL;
	size_t len = 0, cap = 0;
	int err;

	err = add_items(&p->fds, o, &index, &groups, &len, &cap);
	if (!err)
		err = add_items(&p->handles, o, &index, &groups, &len, &cap);
	/* An exited process retains no memory: the kernel took all of it back, and no program
	 * unmaps everything before it exits (node even frees its Buffers at exit).  Its open fds
	 * and handles still say what it never closed. */
	if (!err && !p->exited)
		err = add_items(&p->buffers, o, &index, &groups, &len, &cap);
	if (!err && !p->exited)
		err = add_memory(&p->mem, o, &index, &groups, &len, &cap);
	hashmap__clear(&index);
	if (err) {
		free(groups);
		return err;
	}
	for (size_t i = 0; i < len; i++)
		aggregate__rate(&groups[i], o);
	if (len)
		qsort(groups, len, sizeof(*groups), cmp_groups);
	*out = groups;
	*n = len;
	return 0;
}
