// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "memmap.h"

void memmap__free(struct memmap *m)
{
	free(m->r);
	memset(m, 0, sizeof(*m));
}

/* index of the first range that ends after addr */
static size_t first_after(const struct memmap *m, __u64 addr)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->r[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int reserve(struct memmap *m, size_t more)
{
	size_t cap;
	struct mem_range *r;

	if (m->n + more <= m->cap)
		return 0;
	cap = m->cap ? m->cap * 2 : 64;
	while (cap < m->n + more)
		cap *= 2;
	r = realloc(m->r, cap * sizeof(*r));
	if (!r)
		return -ENOMEM;
	m->r = r;
	m->cap = cap;
	return 0;
}

/* Split the range holding addr strictly inside it, so that a range boundary falls on addr. */
static int split_at(struct memmap *m, __u64 addr)
{
	size_t i = first_after(m, addr);

	if (i == m->n || m->r[i].start >= addr)
		return 0;
	if (reserve(m, 1))
		return -ENOMEM;
	memmove(&m->r[i + 1], &m->r[i], (m->n - i) * sizeof(*m->r));
	m->n++;
	m->r[i].end = addr;
	m->r[i + 1].start = addr;
	return 0;
}

/* After splitting at start and end: the ranges inside [start, end) are [*i, *j). */
static int slice(struct memmap *m, __u64 start, __u64 end, size_t *i, size_t *j)
{
	if (split_at(m, start) || split_at(m, end))
		return -ENOMEM;
	*i = first_after(m, start);
	*j = *i;
	while (*j < m->n && m->r[*j].start < end)
		(*j)++;
	return 0;
}

int memmap__remove(struct memmap *m, __u64 start, __u64 end)
{
	size_t i, j;

	if (end <= start)
		return 0;
	if (slice(m, start, end, &i, &j))
		return -ENOMEM;
	memmove(&m->r[i], &m->r[j], (m->n - j) * sizeof(*m->r));
	m->n -= j - i;
	return 0;
}

int memmap__insert(struct memmap *m, const struct mem_range *r)
{
	size_t i;

	if (r->end <= r->start)
		return 0;
	if (memmap__remove(m, r->start, r->end) || reserve(m, 1))
		return -ENOMEM;
	i = first_after(m, r->start);
	memmove(&m->r[i + 1], &m->r[i], (m->n - i) * sizeof(*m->r));
	m->r[i] = *r;
	m->n++;
	return 0;
}

int memmap__protect(struct memmap *m, __u64 start, __u64 end, bool accessible, __u32 stack_id,
		    __u64 ts)
{
	size_t i, j;

	if (end <= start)
		return 0;
	if (slice(m, start, end, &i, &j))
		return -ENOMEM;
	for (; i < j; i++) {
		struct mem_range *r = &m->r[i];

		if (!accessible) {
			r->flags |= MEM_NOACCESS;
		} else if (r->flags & MEM_NOACCESS) {
			r->flags &= ~MEM_NOACCESS;
			r->stack_id = stack_id;
			r->ts = ts;
		}
	}
	return 0;
}

int memmap__move(struct memmap *m, __u64 old, __u64 old_len, __u64 new, __u64 new_len,
		 bool keep_old, __u32 stack_id, __u64 ts)
{
	__u64 keep = old_len < new_len ? old_len : new_len;
	struct mem_range *moved = NULL, tail;
	size_t i, j, n = 0;
	bool tracked;
	int err = 0;

	if (slice(m, old, old + old_len, &i, &j))
		return -ENOMEM;
	tracked = j > i;
	if (tracked) {
		moved = malloc((j - i) * sizeof(*moved));
		if (!moved)
			return -ENOMEM;
		for (size_t k = i; k < j; k++) {
			struct mem_range r = m->r[k];

			if (r.start >= old + keep)
				continue;
			if (r.end > old + keep)
				r.end = old + keep;
			r.start = r.start - old + new;
			r.end = r.end - old + new;
			moved[n++] = r;
		}
		tail = m->r[j - 1];
	}
	if (!keep_old || new == old)
		err = memmap__remove(m, old, old + old_len);
	for (size_t k = 0; k < n && !err; k++)
		err = memmap__insert(m, &moved[k]);
	if (!err && tracked && new_len > old_len) {
		tail.start = new + old_len;
		tail.end = new + new_len;
		tail.stack_id = stack_id;
		tail.ts = ts;
		err = memmap__insert(m, &tail);
	}
	free(moved);
	return err;
}

__u64 memmap__bytes(const struct memmap *m, __u16 kind)
{
	__u64 sum = 0;

	for (size_t i = 0; i < m->n; i++)
		if (!(m->r[i].flags & MEM_NOACCESS) && (!kind || m->r[i].kind == kind))
			sum += m->r[i].end - m->r[i].start;
	return sum;
}
