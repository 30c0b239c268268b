/*
 * Unit tests of hashmap.c: byte-string keys (NUL bytes included) to 64-bit values,
 * growth, clearing and iteration.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "hashmap.h"

static void test_get_on_empty_map_returns_null(void **state)
{
	(void)state;
	struct hashmap m;
	hashmap_init(&m);
	assert_null(hashmap_get(&m, "a", 1));
	assert_int_equal(m.count, 0);
	hashmap_free(&m);
}

static void test_put_inserts_a_new_key_with_value_zero(void **state)
{
	(void)state;
	struct hashmap m;
	bool is_new = false;
	hashmap_init(&m);
	uint64_t *v = hashmap_put(&m, "alpha", 5, &is_new);
	assert_non_null(v);
	assert_true(is_new);
	assert_int_equal(*v, 0);
	assert_int_equal(m.count, 1);
	hashmap_free(&m);
}

static void test_get_returns_the_value_put(void **state)
{
	(void)state;
	struct hashmap m;
	hashmap_init(&m);
	*hashmap_put(&m, "alpha", 5, NULL) = 17;
	*hashmap_put(&m, "beta", 4, NULL) = 42;
	assert_int_equal(*hashmap_get(&m, "alpha", 5), 17);
	assert_int_equal(*hashmap_get(&m, "beta", 4), 42);
	assert_null(hashmap_get(&m, "gamma", 5));
	hashmap_free(&m);
}

static void test_put_of_existing_key_returns_its_slot(void **state)
{
	(void)state;
	struct hashmap m;
	bool is_new = true;
	hashmap_init(&m);
	*hashmap_put(&m, "alpha", 5, NULL) = 17;
	uint64_t *v = hashmap_put(&m, "alpha", 5, &is_new);
	assert_false(is_new);
	assert_int_equal(*v, 17);
	assert_int_equal(m.count, 1);
	hashmap_free(&m);
}

static void test_keys_are_copied_into_the_map(void **state)
{
	(void)state;
	struct hashmap m;
	char key[8] = "mutable";
	hashmap_init(&m);
	*hashmap_put(&m, key, 7, NULL) = 5;
	memcpy(key, "changed", 7);
	assert_int_equal(*hashmap_get(&m, "mutable", 7), 5);
	assert_null(hashmap_get(&m, "changed", 7));
	hashmap_free(&m);
}

static void test_keys_differing_only_in_length_are_distinct(void **state)
{
	(void)state;
	struct hashmap m;
	hashmap_init(&m);
	*hashmap_put(&m, "abc", 3, NULL) = 3;
	*hashmap_put(&m, "abc", 2, NULL) = 2;
	*hashmap_put(&m, "", 0, NULL) = 9;
	assert_int_equal(m.count, 3);
	assert_int_equal(*hashmap_get(&m, "abc", 3), 3);
	assert_int_equal(*hashmap_get(&m, "ab", 2), 2);
	assert_int_equal(*hashmap_get(&m, "", 0), 9);
	hashmap_free(&m);
}

static void test_binary_keys_with_nul_bytes_are_distinct(void **state)
{
	(void)state;
	struct hashmap m;
	hashmap_init(&m);
	*hashmap_put(&m, "a\0b", 3, NULL) = 1;
	*hashmap_put(&m, "a\0c", 3, NULL) = 2;
	*hashmap_put(&m, "a", 1, NULL) = 3;
	*hashmap_put(&m, "a\0", 2, NULL) = 4;
	int64_t k1[2] = { 0, 1 }, k2[2] = { 0, 2 };
	*hashmap_put(&m, k1, sizeof(k1), NULL) = 5;
	*hashmap_put(&m, k2, sizeof(k2), NULL) = 6;
	assert_int_equal(m.count, 6);
	assert_int_equal(*hashmap_get(&m, "a\0b", 3), 1);
	assert_int_equal(*hashmap_get(&m, "a\0c", 3), 2);
	assert_int_equal(*hashmap_get(&m, "a", 1), 3);
	assert_int_equal(*hashmap_get(&m, "a\0", 2), 4);
	assert_int_equal(*hashmap_get(&m, k1, sizeof(k1)), 5);
	assert_int_equal(*hashmap_get(&m, k2, sizeof(k2)), 6);
	hashmap_free(&m);
}

static void test_many_keys_survive_growth(void **state)
{
	(void)state;
	struct hashmap m;
	char key[32];
	const int n = 200000;
	hashmap_init(&m);
	for (int i = 0; i < n; i++) {
		int len = snprintf(key, sizeof(key), "key-%d", i);
		bool is_new = false;
		*hashmap_put(&m, key, (size_t)len, &is_new) = (uint64_t)i * 3 + 1;
		assert_true(is_new);
	}
	assert_int_equal(m.count, (size_t)n);
	assert_true(m.cap >= (size_t)n);
	assert_int_equal(m.cap & (m.cap - 1), 0); /* a power of two */
	assert_true(m.count * 4 < m.cap * 3);      /* load stays under 3/4 */
	for (int i = 0; i < n; i++) {
		int len = snprintf(key, sizeof(key), "key-%d", i);
		uint64_t *v = hashmap_get(&m, key, (size_t)len);
		assert_non_null(v);
		assert_int_equal(*v, (uint64_t)i * 3 + 1);
	}
	assert_null(hashmap_get(&m, "key-200000", 10));
	hashmap_free(&m);
}

static void test_iteration_visits_every_entry_once(void **state)
{
	(void)state;
	struct hashmap m;
	char key[32];
	const int n = 5000;
	unsigned char *seen = calloc((size_t)n, 1);
	hashmap_init(&m);
	for (int i = 0; i < n; i++) {
		int len = snprintf(key, sizeof(key), "k%d", i);
		*hashmap_put(&m, key, (size_t)len, NULL) = (uint64_t)i;
	}
	size_t pos = 0, visits = 0, kn;
	const char *k;
	uint64_t v;
	while (hashmap_next(&m, &pos, &k, &kn, &v)) {
		assert_true(v < (uint64_t)n);
		int len = snprintf(key, sizeof(key), "k%d", (int)v);
		assert_int_equal(kn, (size_t)len);
		assert_memory_equal(k, key, kn);
		assert_int_equal(seen[v], 0);
		seen[v] = 1;
		visits++;
	}
	assert_int_equal(visits, (size_t)n);
	free(seen);
	hashmap_free(&m);
}

static void test_iteration_of_empty_map_ends_at_once(void **state)
{
	(void)state;
	struct hashmap m;
	size_t pos = 0, kn;
	const char *k;
	uint64_t v;
	hashmap_init(&m);
	assert_false(hashmap_next(&m, &pos, &k, &kn, &v));
	hashmap_free(&m);
}

static void test_clear_removes_every_entry_and_keeps_memory(void **state)
{
	(void)state;
	struct hashmap m;
	char key[32];
	hashmap_init(&m);
	for (int i = 0; i < 1000; i++) {
		int len = snprintf(key, sizeof(key), "k%d", i);
		*hashmap_put(&m, key, (size_t)len, NULL) = (uint64_t)i;
	}
	size_t bytes = hashmap_bytes(&m), cap = m.cap;
	hashmap_clear(&m);
	assert_int_equal(m.count, 0);
	assert_int_equal(m.cap, cap);
	assert_int_equal(hashmap_bytes(&m), bytes);
	assert_null(hashmap_get(&m, "k1", 2));
	size_t pos = 0, kn;
	const char *k;
	uint64_t v;
	assert_false(hashmap_next(&m, &pos, &k, &kn, &v));
	hashmap_free(&m);
}

static void test_map_is_usable_after_clear(void **state)
{
	(void)state;
	struct hashmap m;
	bool is_new = false;
	hashmap_init(&m);
	*hashmap_put(&m, "old", 3, NULL) = 1;
	hashmap_clear(&m);
	*hashmap_put(&m, "new", 3, &is_new) = 2;
	assert_true(is_new);
	assert_int_equal(*hashmap_get(&m, "new", 3), 2);
	assert_null(hashmap_get(&m, "old", 3));
	*hashmap_put(&m, "old", 3, &is_new) = 3;
	assert_true(is_new);
	assert_int_equal(*hashmap_get(&m, "old", 3), 3);
	assert_int_equal(m.count, 2);
	hashmap_free(&m);
}

static void test_bytes_grow_with_the_map(void **state)
{
	(void)state;
	struct hashmap m;
	char key[32];
	hashmap_init(&m);
	assert_int_equal(hashmap_bytes(&m), 0);
	*hashmap_put(&m, "a", 1, NULL) = 1;
	size_t small = hashmap_bytes(&m);
	assert_true(small > 0);
	for (int i = 0; i < 10000; i++) {
		int len = snprintf(key, sizeof(key), "a-much-longer-key-%d", i);
		*hashmap_put(&m, key, (size_t)len, NULL) = (uint64_t)i;
	}
	assert_true(hashmap_bytes(&m) > small);
	assert_true(hashmap_bytes(&m) >= m.cap * sizeof(struct hashmap_slot) + m.keys_len);
	hashmap_free(&m);
}

static void test_free_leaves_an_empty_map(void **state)
{
	(void)state;
	struct hashmap m;
	hashmap_init(&m);
	*hashmap_put(&m, "a", 1, NULL) = 1;
	hashmap_free(&m);
	assert_null(m.slots);
	assert_null(m.keys);
	assert_int_equal(m.count, 0);
	assert_null(hashmap_get(&m, "a", 1));
	/* and it can be filled again */
	*hashmap_put(&m, "b", 1, NULL) = 2;
	assert_int_equal(*hashmap_get(&m, "b", 1), 2);
	hashmap_free(&m);
}

static void test_two_maps_hash_with_different_seeds(void **state)
{
	(void)state;
	struct hashmap a, b;
	hashmap_init(&a);
	hashmap_init(&b);
	assert_memory_not_equal(a.seed, b.seed, sizeof(a.seed));
	hashmap_free(&a);
	hashmap_free(&b);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_on_empty_map_returns_null),
		cmocka_unit_test(test_put_inserts_a_new_key_with_value_zero),
		cmocka_unit_test(test_get_returns_the_value_put),
		cmocka_unit_test(test_put_of_existing_key_returns_its_slot),
		cmocka_unit_test(test_keys_are_copied_into_the_map),
		cmocka_unit_test(test_keys_differing_only_in_length_are_distinct),
		cmocka_unit_test(test_binary_keys_with_nul_bytes_are_distinct),
		cmocka_unit_test(test_many_keys_survive_growth),
		cmocka_unit_test(test_iteration_visits_every_entry_once),
		cmocka_unit_test(test_iteration_of_empty_map_ends_at_once),
		cmocka_unit_test(test_clear_removes_every_entry_and_keeps_memory),
		cmocka_unit_test(test_map_is_usable_after_clear),
		cmocka_unit_test(test_bytes_grow_with_the_map),
		cmocka_unit_test(test_free_leaves_an_empty_map),
		cmocka_unit_test(test_two_maps_hash_with_different_seeds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
