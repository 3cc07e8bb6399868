/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * User-space addresses to frames, in two phases because the traced process may be gone by
 * report time: symbolizer__locate() while it lives (its maps are needed), symbolizer__name()
 * whenever (only files are needed: the modules and /tmp/perf-PID.map).
 */
#ifndef LEAKSCOPE_SYMBOLIZE_H
#define LEAKSCOPE_SYMBOLIZE_H

#include <linux/types.h>

enum sym_frame_kind {
	SYM_UNKNOWN = 0,
	SYM_NATIVE,	/* code of a file; also V8 builtins and stubs named by the perf map */
	SYM_JS,		/* located: anonymous memory, V8 JIT code; named: a JavaScript function */
	SYM_KERNEL,
};

struct sym_location {
	const char *module;	/* SYM_NATIVE: path of the file or "[vdso]"; else NULL */
	__u64 vaddr;		/* SYM_NATIVE: ELF virtual address in module (the file offset if
				 * module is unreadable); else the address */
	enum sym_frame_kind kind;
	/* a JavaScript function read from the process's heap while it lived (jsnames.c), or
	 * NULL: named from the perf map or the module at report time */
	const char *js_name;	/* interned, like the strings below */
	const char *js_script;	/* path or URL, NULL if unknown */
	__u32 js_line, js_column; /* of the function's start, 1-based; 0 if unknown */
};

struct sym_frame {
	const char *name;	/* demangled function name, or NULL: print module+0xoffset */
	const char *module;	/* SYM_NATIVE: module path (NULL for V8 builtins and stubs named by
				 * the perf map); SYM_JS: script path or URL, NULL for eval */
	__u64 offset;		/* into the function, or into the module when name is NULL */
	__u32 line, column;	/* SYM_JS: 1-based, 0 if unknown */
	enum sym_frame_kind kind;
};

struct symbolizer;

/* NULL and errno set on failure. */
struct symbolizer *symbolizer__new(void);
void symbolizer__free(struct symbolizer *sym);
/* Where /tmp/perf-PID.map files are looked for ("/tmp" by default).  0 or -ENOMEM. */
int symbolizer__set_perfmap_dir(struct symbolizer *sym, const char *dir);

/* 0 (an address in no mapping is SYM_UNKNOWN, not an error) or -errno, e.g. -ENOENT when the
 * process is gone.  Strings are owned by sym and valid until symbolizer__free(). */
int symbolizer__locate(struct symbolizer *sym, __u32 pid, __u64 addr, struct sym_location *loc);
/* How many times the maps of a process were read (src/maps_cache.h says when). */
unsigned long symbolizer__maps_reads(const struct symbolizer *sym);
/* 0 or -ENOMEM; a frame that cannot be named has name NULL. */
int symbolizer__name(struct symbolizer *sym, __u32 pid, const struct sym_location *loc,
		     struct sym_frame *out);
/* Names a located frame as the JavaScript function read from the process (any kind: an
 * interpreted frame's ip is in a builtin of node).  0 or -ENOMEM. */
int symbolizer__set_js(struct symbolizer *sym, struct sym_location *loc, const char *name,
		       const char *script, __u32 line, __u32 column);
/* Drops the cached maps of a process that exited; names can still be found. */
void symbolizer__forget_pid(struct symbolizer *sym, __u32 pid);

#endif
