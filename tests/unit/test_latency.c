/*
 * Unit tests of latency.c: the histogram's buckets and the 95th percentile read from them.
 * Expected values are worked out by hand in each test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "latency.h"
#include "testlib.h"

static void test_bucket_edges_double_from_one_ms(void **state)
{
	(void)state;
	assert_int_equal(latency_bucket(-5), 0);
	assert_int_equal(latency_bucket(0), 0);
	assert_int_equal(latency_bucket(1), 1);
	assert_int_equal(latency_bucket(2), 2);
	assert_int_equal(latency_bucket(3), 2);
	assert_int_equal(latency_bucket(4), 3);
	assert_int_equal(latency_bucket(1023), 10);
	assert_int_equal(latency_bucket(1024), 11);
	assert_int_equal(latency_bucket(262143), 18);
	assert_int_equal(latency_bucket(262144), 19);
	assert_int_equal(latency_bucket(INT64_MAX), 19);
}

static void test_p95_of_nothing_is_not_a_number(void **state)
{
	(void)state;
	int64_t b[LATENCY_BUCKETS] = { 0 };
	double p95 = -1;
	assert_false(latency_p95(b, 0, &p95));
	assert_true(p95 == -1);
}

/*
 * 100 events: 90 in [64, 128), 10 in [256, 512), the largest 511. Rank 95 is the 5th of the 10:
 * 256 + (511 - 256) * 5/10.
 */
static void test_p95_interpolates_inside_its_bucket(void **state)
{
	(void)state;
	int64_t b[LATENCY_BUCKETS] = { 0 };
	double p95;
	b[7] = 90;
	b[9] = 10;
	assert_true(latency_p95(b, 511, &p95));
	assert_float_equal(p95, 383.5, 1e-9);
	/* a maximum below the bucket's upper edge lowers that edge: 256 + (300 - 256) * 5/10 */
	assert_true(latency_p95(b, 300, &p95));
	assert_float_equal(p95, 278.0, 1e-9);
}

/* One event: its rank is 1, the whole of its bucket: the upper edge, here lowered to the maximum. */
static void test_p95_of_one_event_is_that_event_when_it_is_the_maximum(void **state)
{
	(void)state;
	int64_t b[LATENCY_BUCKETS] = { 0 };
	double p95;
	b[latency_bucket(700)] = 1;
	assert_true(latency_p95(b, 700, &p95));
	assert_float_equal(p95, 700.0, 1e-9);
	memset(b, 0, sizeof(b));
	b[0] = 3; /* 0 ms: the bucket [0, 1), maximum 0 */
	assert_true(latency_p95(b, 0, &p95));
	assert_float_equal(p95, 0.0, 1e-9);
}

/* The open last bucket ends at the maximum: 20 events, rank 19 of 20 there: 2^18 + (10^6 - 2^18) * 19/20. */
static void test_p95_in_the_open_bucket_ends_at_the_maximum(void **state)
{
	(void)state;
	int64_t b[LATENCY_BUCKETS] = { 0 };
	double p95;
	b[19] = 20;
	assert_true(latency_p95(b, 1000000, &p95));
	assert_float_equal(p95, 262144.0 + (1000000.0 - 262144.0) * 19.0 / 20.0, 1e-6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bucket_edges_double_from_one_ms),
		cmocka_unit_test(test_p95_of_nothing_is_not_a_number),
		cmocka_unit_test(test_p95_interpolates_inside_its_bucket),
		cmocka_unit_test(test_p95_of_one_event_is_that_event_when_it_is_the_maximum),
		cmocka_unit_test(test_p95_in_the_open_bucket_ends_at_the_maximum),
	};
	if (testlib_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
