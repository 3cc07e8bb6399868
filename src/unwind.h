/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * User stacks of memory events, unwound in userspace as `perf --call-graph dwarf` does: BPF
 * sends rip, rsp, rbp and the top LS_USTACK_BYTES of the stack; frames of code with DWARF CFI
 * (.eh_frame: glibc, libstdc++, node's C++) are stepped with it (elfutils libdw), frames
 * without (V8 builtins and JIT code, which keep rbp as a frame pointer) through rbp.  Where the
 * copy ends, the frame-pointer walk BPF did is spliced on at the first return address both
 * share.  Needs the process alive (its maps), as the stack locator does.
 */
#ifndef LEAKSCOPE_UNWIND_H
#define LEAKSCOPE_UNWIND_H

#include <stddef.h>
#include <linux/types.h>
#include "leakscope/events.h"

struct unwinder;

struct unwinder *unwinder__new(void);
void unwinder__free(struct unwinder *u);
/* 0 with out filled (leaf first), or -errno: -ENOENT process gone, -EINVAL nothing useful. */
int unwinder__unwind(struct unwinder *u, __u32 pid, const struct ls_mem_event *e,
		     size_t ustack_len, struct ls_stack *out);
/* Drop a process's cached maps (it exited or exec'd). */
void unwinder__forget_pid(struct unwinder *u, __u32 pid);

#endif
