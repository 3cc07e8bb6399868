/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A u64 -> pointer hash map (open addressing, linear probing, backward-shift deletion).
 * fds, handles, stacks and requests are all keyed by a 64-bit number. */
#ifndef LEAKSCOPE_HASHMAP_H
#define LEAKSCOPE_HASHMAP_H

#include <stddef.h>
#include <linux/types.h>

struct hashmap_slot {
	__u64 key;
	void *value; /* NULL: empty */
};

struct hashmap {
	struct hashmap_slot *slots;
	size_t cap; /* power of two, or 0 */
	size_t len;
};

#define HASHMAP_INIT { NULL, 0, 0 }

void *hashmap__get(const struct hashmap *map, __u64 key);
/* Inserts or replaces; *old (if given) receives the replaced value or NULL. 0 or -ENOMEM. */
int hashmap__set(struct hashmap *map, __u64 key, void *value, void **old);
/* Removes and returns the value, or NULL. */
void *hashmap__remove(struct hashmap *map, __u64 key);
void hashmap__clear(struct hashmap *map);

/* for (i = 0; hashmap__next(map, &i, &key, &value);) visits every entry; the map must not
 * change during the walk. */
int hashmap__next(const struct hashmap *map, size_t *iter, __u64 *key, void **value);

#endif
