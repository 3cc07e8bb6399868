// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "hashmap.h"

/* Values are never NULL (NULL marks an empty slot): encode key k as k + 1. */
#define VAL(k) ((void *)(uintptr_t)((k) + 1))

static void hashmap__get__empty_map__null(void **state)
{
	struct hashmap m = HASHMAP_INIT;
	size_t it = 0;
	__u64 key;
	void *v;

	(void)state;
	assert_null(hashmap__get(&m, 0));
	assert_null(hashmap__get(&m, 42));
	assert_null(hashmap__remove(&m, 42));
	assert_int_equal(hashmap__next(&m, &it, &key, &v), 0);
	assert_int_equal(m.len, 0);
}

static void hashmap__set__new_key__found_and_old_null(void **state)
{
	struct hashmap m = HASHMAP_INIT;
	void *old = VAL(99);

	(void)state;
	assert_int_equal(hashmap__set(&m, 7, VAL(7), &old), 0);
	assert_null(old);
	assert_ptr_equal(hashmap__get(&m, 7), VAL(7));
	assert_null(hashmap__get(&m, 8));
	assert_int_equal(m.len, 1);
	/* the extremes of the key space are ordinary keys */
	assert_int_equal(hashmap__set(&m, 0, VAL(0), NULL), 0);
	assert_int_equal(hashmap__set(&m, UINT64_MAX, VAL(1), NULL), 0);
	assert_ptr_equal(hashmap__get(&m, 0), VAL(0));
	assert_ptr_equal(hashmap__get(&m, UINT64_MAX), VAL(1));
	assert_int_equal(m.len, 3);
	hashmap__clear(&m);
}

static void hashmap__set__existing_key__replaced_old_returned(void **state)
{
	struct hashmap m = HASHMAP_INIT;
	void *old = NULL;

	(void)state;
	assert_int_equal(hashmap__set(&m, 5, VAL(100), NULL), 0);
	assert_int_equal(hashmap__set(&m, 5, VAL(200), &old), 0);
	assert_ptr_equal(old, VAL(100));
	assert_ptr_equal(hashmap__get(&m, 5), VAL(200));
	assert_int_equal(m.len, 1);
	hashmap__clear(&m);
}

/* Insert n keys, remove every other one, and check the survivors are all still reachable through
 * their probe runs (backward-shift deletion moved them) and the removed ones are gone. */
static void remove_every_other(__u64 (*key_of)(size_t), size_t n)
{
	struct hashmap m = HASHMAP_INIT;

	for (size_t i = 0; i < n; i++)
		assert_int_equal(hashmap__set(&m, key_of(i), VAL(i), NULL), 0);
	assert_int_equal(m.len, n);
	for (size_t i = 0; i < n; i += 2)
		assert_ptr_equal(hashmap__remove(&m, key_of(i)), VAL(i));
	assert_int_equal(m.len, n / 2);
	for (size_t i = 0; i < n; i++) {
		if (i % 2)
			assert_ptr_equal(hashmap__get(&m, key_of(i)), VAL(i));
		else
			assert_null(hashmap__get(&m, key_of(i)));
	}
	/* removing again finds nothing and changes nothing */
	for (size_t i = 0; i < n; i += 2)
		assert_null(hashmap__remove(&m, key_of(i)));
	assert_int_equal(m.len, n / 2);
	/* the rest can be removed one by one, each exactly once */
	for (size_t i = 1; i < n; i += 2)
		assert_ptr_equal(hashmap__remove(&m, key_of(i)), VAL(i));
	assert_int_equal(m.len, 0);
	for (size_t i = 0; i < n; i++)
		assert_null(hashmap__get(&m, key_of(i)));
	hashmap__clear(&m);
}

static __u64 sequential_key(size_t i)
{
	return i;
}

static __u64 pointer_key(size_t i)
{
	return 0x55d0c0a00000ULL + (__u64)i * 64; /* malloc'd objects: same low bits */
}

static __u64 high_bits_key(size_t i)
{
	return (__u64)i << 32; /* all low 32 bits equal */
}

static void hashmap__remove__sequential_every_other__rest_reachable(void **state)
{
	(void)state;
	remove_every_other(sequential_key, 10000);
}

static void hashmap__remove__pointer_like_every_other__rest_reachable(void **state)
{
	(void)state;
	remove_every_other(pointer_key, 10000);
}

static void hashmap__remove__high_bit_keys_every_other__rest_reachable(void **state)
{
	(void)state;
	remove_every_other(high_bits_key, 4096);
}

/* A model check: random sets and removes over a small key space, so probe runs are long, wrap
 * around the end of the table and get deleted from in every position; after every step the map
 * agrees with a plain array. */
static void hashmap__random_ops__matches_model(void **state)
{
	enum { KEYS = 96, STEPS = 20000 };
	struct hashmap m = HASHMAP_INIT;
	void *model[KEYS] = { NULL };
	size_t live = 0;
	unsigned int seed = 12345;

	(void)state;
	for (int step = 0; step < STEPS; step++) {
		__u64 k = (__u64)rand_r(&seed) % KEYS;
		void *old = VAL(999999);

		if (rand_r(&seed) % 3) {
			void *v = VAL(k * 1000 + (__u64)step);

			assert_int_equal(hashmap__set(&m, k, v, &old), 0);
			assert_ptr_equal(old, model[k]);
			if (!model[k])
				live++;
			model[k] = v;
		} else {
			assert_ptr_equal(hashmap__remove(&m, k), model[k]);
			if (model[k])
				live--;
			model[k] = NULL;
		}
		assert_int_equal(m.len, live);
		if (step % 97 == 0)
			for (__u64 j = 0; j < KEYS; j++)
				assert_ptr_equal(hashmap__get(&m, j), model[j]);
	}
	for (__u64 j = 0; j < KEYS; j++)
		assert_ptr_equal(hashmap__get(&m, j), model[j]);
	hashmap__clear(&m);
}

static void hashmap__next__full_map__visits_each_once(void **state)
{
	enum { N = 1000 };
	struct hashmap m = HASHMAP_INIT;
	unsigned char seen[N] = { 0 };
	size_t it = 0, visits = 0;
	__u64 key;
	void *v;

	(void)state;
	for (size_t i = 0; i < N; i++)
		assert_int_equal(hashmap__set(&m, pointer_key(i), VAL(i), NULL), 0);
	/* some removed, so the walk passes holes left by deletion */
	for (size_t i = 0; i < N; i += 3)
		assert_non_null(hashmap__remove(&m, pointer_key(i)));
	while (hashmap__next(&m, &it, &key, &v)) {
		size_t i = (size_t)((uintptr_t)v - 1);

		assert_true(i < N);
		assert_int_equal(key, pointer_key(i));
		assert_int_not_equal(i % 3, 0);
		assert_int_equal(seen[i], 0);
		seen[i] = 1;
		visits++;
	}
	assert_int_equal(visits, m.len);
	for (size_t i = 0; i < N; i++)
		assert_int_equal(seen[i], i % 3 != 0);
	/* the walk stays finished */
	assert_int_equal(hashmap__next(&m, &it, &key, &v), 0);
	hashmap__clear(&m);
}

static void hashmap__clear__filled_map__empty_and_reusable(void **state)
{
	struct hashmap m = HASHMAP_INIT;
	size_t it = 0;
	__u64 key;
	void *v;

	(void)state;
	for (__u64 i = 0; i < 100; i++)
		assert_int_equal(hashmap__set(&m, i, VAL(i), NULL), 0);
	hashmap__clear(&m);
	assert_int_equal(m.len, 0);
	assert_int_equal(m.cap, 0);
	assert_null(m.slots);
	assert_null(hashmap__get(&m, 5));
	assert_int_equal(hashmap__next(&m, &it, &key, &v), 0);
	assert_int_equal(hashmap__set(&m, 5, VAL(5), NULL), 0);
	assert_ptr_equal(hashmap__get(&m, 5), VAL(5));
	assert_int_equal(m.len, 1);
	hashmap__clear(&m);
	hashmap__clear(&m); /* twice is harmless */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hashmap__get__empty_map__null),
		cmocka_unit_test(hashmap__set__new_key__found_and_old_null),
		cmocka_unit_test(hashmap__set__existing_key__replaced_old_returned),
		cmocka_unit_test(hashmap__remove__sequential_every_other__rest_reachable),
		cmocka_unit_test(hashmap__remove__pointer_like_every_other__rest_reachable),
		cmocka_unit_test(hashmap__remove__high_bit_keys_every_other__rest_reachable),
		cmocka_unit_test(hashmap__random_ops__matches_model),
		cmocka_unit_test(hashmap__next__full_map__visits_each_once),
		cmocka_unit_test(hashmap__clear__filled_map__empty_and_reusable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
