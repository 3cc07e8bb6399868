/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* /tmp/perf-PID.map, where node --perf-basic-prof names the code V8 generates. */
#ifndef LEAKSCOPE_PERFMAP_H
#define LEAKSCOPE_PERFMAP_H

#include <linux/types.h>

enum perfmap_kind {
	PERFMAP_OTHER = 0,	/* stubs, handlers, regexps, plain names: name is the whole line */
	PERFMAP_JS,		/* JavaScript function or script */
	PERFMAP_BUILTIN,	/* V8 builtin or bytecode handler; name without the prefix */
};

struct perfmap_entry {
	__u64 start, size;
	const char *name;	/* "(anonymous)" when V8 has none */
	const char *script;	/* path or URL, NULL if unknown */
	__u32 line, column;	/* 1-based, 0 if unknown */
	enum perfmap_kind kind;
	char tier;		/* '~' ignition, '^' sparkplug, '+' maglev, '*' turbofan, 0 */
};

struct perfmap;

/* 0 or -errno.  An unterminated last line (node still writing it) is ignored. */
int perfmap__load(const char *path, struct perfmap **out);
/* The entry written last among those that cover addr, or NULL. */
const struct perfmap_entry *perfmap__lookup(const struct perfmap *map, __u64 addr);
void perfmap__free(struct perfmap *map);

#endif
