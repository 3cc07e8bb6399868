/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Distinct user stacks, interned: a leak group refers to a stack by id, and a stack is located
 * (module + offset, while its process lives) and named (at report time) once, not per event. */
#ifndef LEAKSCOPE_STACKS_H
#define LEAKSCOPE_STACKS_H

#include <stdbool.h>
#include <linux/types.h>
#include "leakscope/events.h"

struct sym_location;

struct stack_entry {
	__u32 id;
	__u32 pid;
	__u32 nframes;
	__u32 flags; /* LS_STACK_* */
	__u64 hash;
	struct ls_frame *frames;
	struct sym_location *locs; /* one per frame once located (malloc'd by the locator), or NULL */
	/* one per frame, or NULL: what a frame runs when its return address does not say it.
	 * Every interpreted JS function returns into the same Builtins_InterpreterEntryTrampoline,
	 * so two stacks of the same addresses may run different functions; jsnames.c sets the
	 * SharedFunctionInfo of such frames here, and a stack matches only with the same ones. */
	__u64 *fn_keys;
	struct stack_entry *next_same_hash;
};

struct stack_table;

/* A fn_keys value that matches no frame: a stack whose function could not be read, or whose
 * keys went stale, is never reused. */
#define STACK_KEY_NEVER (~0ULL)
/* The key (see fn_keys) of the function a frame with this slot runs: 0 or -errno. */
typedef int (*stack_key_fn)(void *ctx, __u32 pid, __u64 slot, __u64 *key);

struct stack_table *stack_table__new(void);
/* The functions' keys of pid's stacks are stale (a mark-compact moved them): those stacks match
 * no new event any more (which then makes a new stack, named again). */
void stack_table__expire_fn_keys(struct stack_table *t, __u32 pid);
/* Without one (offline, unit tests), stacks are told apart by their addresses only. */
void stack_table__set_key_fn(struct stack_table *t, stack_key_fn fn, void *ctx);
void stack_table__free(struct stack_table *t);
/* Returns the id of the stack (new or known); *is_new says which.  0 or -errno. */
int stack_table__intern(struct stack_table *t, __u32 pid, const struct ls_frame *frames,
			__u32 nframes, __u32 flags, __u32 *id, bool *is_new);
struct stack_entry *stack_table__get(const struct stack_table *t, __u32 id);
__u32 stack_table__count(const struct stack_table *t);

#endif
