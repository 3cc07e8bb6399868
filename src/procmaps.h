/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The memory mappings of a process, from /proc/PID/maps (or a file in that format). */
#ifndef LEAKSCOPE_PROCMAPS_H
#define LEAKSCOPE_PROCMAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct procmap_entry {
	__u64 start, end;	/* [start, end) */
	__u64 file_offset;
	char *path;		/* NULL: anonymous; "[vdso]", "[anon:name]": pseudo */
	bool exec;
	bool no_access;		/* ---p or ---s: a reservation, nothing can be read */
	bool shared;		/* s, not p */
	bool deleted;		/* the file was unlinked; path has " (deleted)" removed */
};

struct procmaps;

/* Both return 0 or -errno (-ENOENT: no such process or file). */
int procmaps__load_pid(__u32 pid, struct procmaps **out);
int procmaps__load_file(const char *path, struct procmaps **out);
/* The mapping that contains addr, or NULL. */
const struct procmap_entry *procmaps__find(const struct procmaps *maps, __u64 addr);
/* All mappings, sorted by address. */
const struct procmap_entry *procmaps__entries(const struct procmaps *maps, size_t *cnt);
void procmaps__free(struct procmaps *maps);

/* Anonymous memory, including regions named with PR_SET_VMA_ANON_NAME (Linux 5.17+):
 * where V8 puts the code it generates. */
static inline bool procmap_entry__is_anon(const struct procmap_entry *e)
{
	return !e->path || !__builtin_strncmp(e->path, "[anon:", 6);
}

/* [vdso], [stack], [heap]...: no file behind the path. */
static inline bool procmap_entry__is_pseudo(const struct procmap_entry *e)
{
	return e->path && e->path[0] == '[';
}

#endif
