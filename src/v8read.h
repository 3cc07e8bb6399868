/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Reading V8 objects out of another process: from the JSFunction a JS frame keeps at fp-16 to
 * its name, script and start position.  Every object is read through an injectable reader
 * (process_vm_readv for a live process, a buffer in the unit tests), every read is bounded,
 * and every object's map is checked to have the instance type expected before it is trusted:
 * garbage in gives an error, never a crash or a wrong name.  Layouts come from the binary's
 * postmortem metadata (v8meta.h), except ScopeInfo's, which the metadata does not describe.
 */
#ifndef LEAKSCOPE_V8READ_H
#define LEAKSCOPE_V8READ_H

#include <stddef.h>
#include <linux/types.h>
#include "v8meta.h"

/* Reads len bytes at addr of the target: 0, or -errno (-EFAULT: not all of it is mapped). */
typedef int (*v8_read_fn)(void *ctx, __u64 addr, void *buf, size_t len);

struct v8_mem {
	v8_read_fn read;
	void *ctx;
};

/* process_vm_readv of the process whose pid is (uintptr_t)ctx. */
int v8_mem__read_pid(void *ctx, __u64 addr, void *buf, size_t len);

#define V8_NAME_MAX 256
#define V8_SCRIPT_MAX 512

struct v8_function_info {
	char name[V8_NAME_MAX];	    /* "" when V8 has none: the caller prints "(anonymous)" */
	char script_name[V8_SCRIPT_MAX]; /* Script.name: a path or URL; "" when unknown (eval) */
	__u64 script;		    /* the Script (tagged), 0 if none: for v8read__line_starts */
	__s32 start_pos;	    /* of the function in its script's source, -1 if unknown */
};

/* The SharedFunctionInfo of a JSFunction.  -EINVAL: not a JSFunction (or not one any more). */
int v8read__function_shared(const struct v8meta *m, const struct v8_mem *mem, __u64 function,
			    __u64 *shared);
/* Name, script and start of a SharedFunctionInfo.  0 or -errno: -EFAULT unreadable, -EINVAL an
 * object of the wrong type, -ENOTSUP a string representation this reader does not decode. */
int v8read__shared_info(const struct v8meta *m, const struct v8_mem *mem, __u64 shared,
			struct v8_function_info *out);
/* A String as UTF-8 (two-byte strings are converted; cons, sliced and thin strings followed),
 * NUL-terminated, cut at cap-1 bytes.  0 or -errno. */
int v8read__string(const struct v8meta *m, const struct v8_mem *mem, __u64 str, char *out,
		   size_t cap);
/* Where each line of a Script's source starts: (*starts)[0] = 0, then the position after each
 * '\n', in UTF-16 code units as V8 counts positions.  malloc'd; 0 or -errno. */
int v8read__line_starts(const struct v8meta *m, const struct v8_mem *mem, __u64 script,
			__u32 **starts, size_t *n);
/* 1-based line and column of a position, from line starts. */
void v8read__line_column(const __u32 *starts, size_t n, __u32 pos, __u32 *line, __u32 *column);

#endif
