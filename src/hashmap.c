// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include "hashmap.h"

static size_t slot_of(__u64 key, size_t cap)
{
	/* fds are small consecutive numbers and pointers share their low bits: mix first */
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdULL;
	key ^= key >> 33;
	return key & (cap - 1);
}

void *hashmap__get(const struct hashmap *map, __u64 key)
{
	size_t i;

	if (!map->cap)
		return NULL;
	for (i = slot_of(key, map->cap); map->slots[i].value; i = (i + 1) & (map->cap - 1))
		if (map->slots[i].key == key)
			return map->slots[i].value;
	return NULL;
}

static int grow(struct hashmap *map)
{
	size_t cap = map->cap ? map->cap * 2 : 16, i;
	struct hashmap_slot *old = map->slots, *slots;

	slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (i = 0; i < map->cap; i++) {
		size_t j;

		if (!old[i].value)
			continue;
		for (j = slot_of(old[i].key, cap); slots[j].value; j = (j + 1) & (cap - 1))
			;
		slots[j] = old[i];
	}
	free(old);
	map->slots = slots;
	map->cap = cap;
	return 0;
}

int hashmap__set(struct hashmap *map, __u64 key, void *value, void **old)
{
	size_t i;

	if (old)
		*old = NULL;
	if ((map->len + 1) * 4 > map->cap * 3 && grow(map))
		return -ENOMEM;
	for (i = slot_of(key, map->cap); map->slots[i].value; i = (i + 1) & (map->cap - 1)) {
		if (map->slots[i].key == key) {
			if (old)
				*old = map->slots[i].value;
			map->slots[i].value = value;
			return 0;
		}
	}
	map->slots[i].key = key;
	map->slots[i].value = value;
	map->len++;
	return 0;
}

void *hashmap__remove(struct hashmap *map, __u64 key)
{
	size_t mask = map->cap - 1, i, j;
	void *value;

	if (!map->cap)
		return NULL;
	for (i = slot_of(key, map->cap); map->slots[i].value; i = (i + 1) & mask)
		if (map->slots[i].key == key)
			break;
	if (!map->slots[i].value)
		return NULL;
	value = map->slots[i].value;
	/* backward-shift: move later members of the probe run into the hole */
	for (j = (i + 1) & mask; map->slots[j].value; j = (j + 1) & mask) {
		size_t home = slot_of(map->slots[j].key, map->cap);

		if (((j - home) & mask) >= ((j - i) & mask)) {
			map->slots[i] = map->slots[j];
			i = j;
		}
	}
	map->slots[i].value = NULL;
	map->len--;
	return value;
}

void hashmap__clear(struct hashmap *map)
{
	free(map->slots);
	map->slots = NULL;
	map->cap = map->len = 0;
}

int hashmap__next(const struct hashmap *map, size_t *iter, __u64 *key, void **value)
{
	for (; *iter < map->cap; (*iter)++) {
		if (map->slots[*iter].value) {
			*key = map->slots[*iter].key;
			*value = map->slots[*iter].value;
			(*iter)++;
			return 1;
		}
	}
	return 0;
}
