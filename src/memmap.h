/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The anonymous memory of one process that was mapped while we watched: sorted,
 * non-overlapping address ranges, each with the stack that made it usable.  munmap, MAP_FIXED,
 * mremap and mprotect split, move and retag ranges; what is left accessible at the end is
 * retained.  Plain C, no libbpf.
 */
#ifndef LEAKSCOPE_MEMMAP_H
#define LEAKSCOPE_MEMMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

enum mem_kind {
	MEM_MMAP = 1, /* anonymous private mapping */
	MEM_BRK = 2,  /* growth of the brk heap */
};

#define MEM_NOACCESS 1 /* PROT_NONE: a reservation, holds no data */

struct mem_range {
	__u64 start, end; /* [start, end) */
	__u64 ts;	  /* when it became usable (or was reserved) */
	__u32 stack_id;	  /* 0: none (a reservation) */
	__u16 kind;	  /* enum mem_kind */
	__u16 flags;	  /* MEM_* */
};

struct memmap {
	struct mem_range *r;
	size_t n, cap;
};

void memmap__free(struct memmap *m);
/* Forget [start, end): munmap, or what a new mapping replaces.  0 or -ENOMEM. */
int memmap__remove(struct memmap *m, __u64 start, __u64 end);
/* A new mapping: replaces whatever overlapped it (MAP_FIXED).  0 or -ENOMEM. */
int memmap__insert(struct memmap *m, const struct mem_range *r);
/*
 * mprotect over tracked ranges (untracked gaps are left alone: they may be file mappings).
 * A range that becomes accessible from PROT_NONE is committed now, by `stack_id`.
 */
int memmap__protect(struct memmap *m, __u64 start, __u64 end, bool accessible, __u32 stack_id,
		    __u64 ts);
/*
 * mremap: the pieces of [old, old+old_len) move to new (the first min(old_len, new_len)
 * bytes); growth beyond old_len is new memory of `stack_id`, tracked only when something of
 * the old range was.  keep_old: MREMAP_DONTUNMAP (the old range stays mapped, emptied).
 */
int memmap__move(struct memmap *m, __u64 old, __u64 old_len, __u64 new, __u64 new_len,
		 bool keep_old, __u32 stack_id, __u64 ts);
/* Bytes of accessible ranges (of `kind`, or any kind when 0). */
__u64 memmap__bytes(const struct memmap *m, __u16 kind);

#endif
