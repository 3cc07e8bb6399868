/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The memory maps of live processes, kept between lookups and read again when an address
 * falls outside them (a library or JIT region newer than our copy), except for an address on
 * a page that such a reading already missed in the last few seconds: a stack walk ends on a
 * junk address now and then, the same one in every stack of a call path, and reading and
 * parsing node's maps takes about a millisecond.
 */
#ifndef LEAKSCOPE_MAPS_CACHE_H
#define LEAKSCOPE_MAPS_CACHE_H

#include <linux/types.h>
#include "procmaps.h"

struct maps_cache;

struct maps_cache *maps_cache__new(void);
void maps_cache__free(struct maps_cache *c);
/* The mapping of addr in process pid, or NULL in *out.  0 or -errno from reading the maps
 * (-ENOENT: the process is gone). */
int maps_cache__find(struct maps_cache *c, __u32 pid, __u64 addr,
		     const struct procmap_entry **out);
/* The maps as last read (read now if never), or NULL: 0 or -errno. */
int maps_cache__get(struct maps_cache *c, __u32 pid, const struct procmaps **out);
/* Drops what is kept of pid: it exited, or runs another program now. */
void maps_cache__forget_pid(struct maps_cache *c, __u32 pid);
/* How many times maps were read, all processes together. */
unsigned long maps_cache__reads(const struct maps_cache *c);

#endif
