// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "hashmap.h"
#include "stacks.h"

struct stack_table {
	struct hashmap by_hash; /* hash -> first stack_entry with that hash */
	struct stack_entry **entries; /* by id; id 0 is never used */
	__u32 len, cap;
	stack_key_fn key_fn;
	void *key_ctx;
};

void stack_table__expire_fn_keys(struct stack_table *t, __u32 pid)
{
	for (__u32 id = 1; id < t->len; id++) {
		struct stack_entry *e = t->entries[id];

		if (e->pid != pid || !e->fn_keys)
			continue;
		for (__u32 i = 0; i < e->nframes; i++)
			if (e->fn_keys[i])
				e->fn_keys[i] = STACK_KEY_NEVER;
	}
}

void stack_table__set_key_fn(struct stack_table *t, stack_key_fn fn, void *ctx)
{
	t->key_fn = fn;
	t->key_ctx = ctx;
}

struct stack_table *stack_table__new(void)
{
	struct stack_table *t = calloc(1, sizeof(*t));

	if (t)
		t->len = 1;
	return t;
}

void stack_table__free(struct stack_table *t)
{
	if (!t)
		return;
	for (__u32 i = 1; i < t->len; i++) {
		free(t->entries[i]->frames);
		free(t->entries[i]->locs);
		free(t->entries[i]->fn_keys);
		free(t->entries[i]);
	}
	free(t->entries);
	hashmap__clear(&t->by_hash);
	free(t);
}

/* FNV-1a over the pid and return addresses; slots vary as V8 moves objects, so they are not
 * part of a stack's identity. */
static __u64 stack_hash(__u32 pid, const struct ls_frame *frames, __u32 n)
{
	__u64 h = 0xcbf29ce484222325ULL ^ pid;

	for (__u32 i = 0; i < n; i++) {
		h ^= frames[i].ip;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static bool same_stack(const struct stack_table *t, const struct stack_entry *e, __u32 pid,
		       const struct ls_frame *frames, __u32 n)
{
	if (e->pid != pid || e->nframes != n)
		return false;
	for (__u32 i = 0; i < n; i++)
		if (e->frames[i].ip != frames[i].ip)
			return false;
	if (!e->fn_keys || !t->key_fn)
		return true;
	for (__u32 i = 0; i < n; i++) {
		__u64 key = 0;

		if (!e->fn_keys[i])
			continue;
		if (e->fn_keys[i] == STACK_KEY_NEVER)
			return false;
		/* same slot, same function object: no need to ask */
		if (frames[i].slot == e->frames[i].slot)
			continue;
		if (t->key_fn(t->key_ctx, pid, frames[i].slot, &key) || key != e->fn_keys[i])
			return false;
	}
	return true;
}

int stack_table__intern(struct stack_table *t, __u32 pid, const struct ls_frame *frames,
			__u32 nframes, __u32 flags, __u32 *id, bool *is_new)
{
	__u64 h = stack_hash(pid, frames, nframes);
	struct stack_entry *first = hashmap__get(&t->by_hash, h), *e;

	for (e = first; e; e = e->next_same_hash) {
		if (same_stack(t, e, pid, frames, nframes)) {
			*id = e->id;
			*is_new = false;
			return 0;
		}
	}
	if (t->len >= t->cap) {
		__u32 cap = t->cap ? t->cap * 2 : 256;
		struct stack_entry **n = realloc(t->entries, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		t->entries = n;
		t->cap = cap;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->frames = malloc((nframes ? nframes : 1) * sizeof(*frames));
	if (!e->frames) {
		free(e);
		return -ENOMEM;
	}
	memcpy(e->frames, frames, nframes * sizeof(*frames));
	e->id = t->len;
	e->pid = pid;
	e->nframes = nframes;
	e->flags = flags;
	e->hash = h;
	e->next_same_hash = first;
	if (hashmap__set(&t->by_hash, h, e, NULL)) {
		free(e->frames);
		free(e);
		return -ENOMEM;
	}
	t->entries[t->len++] = e;
	*id = e->id;
	*is_new = true;
	return 0;
}

struct stack_entry *stack_table__get(const struct stack_table *t, __u32 id)
{
	return id && id < t->len ? t->entries[id] : NULL;
}

__u32 stack_table__count(const struct stack_table *t)
{
	return t->len - 1;
}
