/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Names the JavaScript frames of a new stack by reading the target's heap (v8read.c) while it
 * lives: once per distinct stack, right after it is located, never per event.  The result
 * lands in the stack's locations (symbolizer__set_js), so the report names them after the
 * process exited.  Per process: the metadata of the binary it runs and a cache by
 * SharedFunctionInfo, dropped at each mark-compact (objects move).
 */
#ifndef LEAKSCOPE_JSNAMES_H
#define LEAKSCOPE_JSNAMES_H

#include <linux/types.h>

struct symbolizer;
struct stack_entry;

/* Why a frame that looked like JavaScript got no name (report: stats.js_frames_unnamed). */
enum js_unnamed_reason {
	JS_UNNAMED_NO_METADATA = 0, /* the binary has no (usable) v8dbg_ metadata */
	JS_UNNAMED_NOT_FUNCTION,    /* fp-16 holds no JSFunction: a stub, or not a JS frame */
	JS_UNNAMED_UNREADABLE,	    /* the process's memory could not be read (it exited?) */
	JS_UNNAMED_BAD_OBJECT,	    /* an object of an unexpected type on the way */
	JS_UNNAMED_UNSUPPORTED,	    /* a string this reader does not decode (external) */
	JS_UNNAMED_MAX,
};

struct jsnames_stats {
	__u64 named;			/* frames named from the heap */
	__u64 unnamed[JS_UNNAMED_MAX];
	__u64 stacks;			/* stacks resolved, but the first of each process */
	__u64 ns_total, ns_max;		/* time spent resolving them */
	__u64 ns_first_max;		/* the first stack of a process: it also loads the
					 * binary's metadata and symbols */
	__u64 cache_hits, cache_drops;
};

struct jsnames;

struct jsnames *jsnames__new(struct symbolizer *sym);
void jsnames__free(struct jsnames *j);
/* Names what it can of st (already located).  0 or -ENOMEM; frames it cannot name are
 * counted, not errors. */
int jsnames__resolve(struct jsnames *j, struct stack_entry *st);
/* stack_key_fn: the SharedFunctionInfo of the JSFunction at slot, unchecked (a compare key). */
int jsnames__function_key(void *j, __u32 pid, __u64 slot, __u64 *key);
/* A mark-compact moved objects: what was cached by address for pid is stale. */
void jsnames__forget_objects(struct jsnames *j, __u32 pid);
/* The process exec'd or exited: forget its binary too. */
void jsnames__forget_pid(struct jsnames *j, __u32 pid);
const struct jsnames_stats *jsnames__stats(const struct jsnames *j);
const char *jsnames__reason_name(enum js_unnamed_reason r);

#endif
