/*
 * Unit tests of batch.c: the in-memory sums of a batch (daily, hourly, credential), built
 * from rows as the encoder makes them. Expected values are counted by hand per test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "batch.h"
#include "event.h"
#include "testlib.h"

/* 2024-03-10T13:55:36Z */
#define T0 1710078936

static struct batch_row *row(struct batch *b, int64_t epoch, int8_t failed, bool has_status, int64_t status)
{
	struct batch_row *r = batch_add_row(b);
	r->epoch = epoch;
	r->failed = failed;
	r->dim[BATCH_DIM_TOKEN] = 1;
	if (has_status) {
		r->num[EV_STATUS] = status;
		r->num_set |= 1u << EV_STATUS;
	}
	return r;
}

/* Every combination of a logged failure and a status counts as an error exactly when
 * event_is_error says so for an event with the same fields. */
static void test_errors_follow_the_event_rule(void **state)
{
	(void)state;
	static const int8_t failed[] = { -1, 0, 1 };
	static const int64_t status[] = { 200, 399, 400, 429, 500 };
	struct batch b;
	int64_t want = 0, n = 0;
	batch_init(&b);
	for (size_t f = 0; f < 3; f++) {
		for (size_t s = 0; s <= 5; s++) {
			bool has_status = s < 5;
			struct event ev;
			event_clear(&ev);
			ev.failed = failed[f];
			if (has_status)
				event_set_num(&ev, EV_STATUS, status[s]);
			want += event_is_error(&ev);
			batch_aggregate(&b, row(&b, T0, failed[f], has_status, has_status ? status[s] : 0));
			n++;
		}
	}
	assert_int_equal(want, 2 * 3 + 6); /* 400, 429 and 500 when failed is -1 or 0; all 6 when it is 1 */
	assert_int_equal(b.n_daily, 1);
	assert_int_equal(b.daily[0].s.requests, n);
	assert_int_equal(b.daily[0].s.errors, want);
	assert_int_equal(b.hourly[0].s.errors, want);
	assert_int_equal(b.n_cred, 1);
	assert_int_equal(b.cred[0].errors, want);
	batch_free(&b);
}

static void test_token_sum_stays_null_until_a_row_has_the_kind(void **state)
{
	(void)state;
	struct batch b;
	batch_init(&b);
	batch_aggregate(&b, row(&b, T0, -1, false, 0));
	assert_int_equal(b.daily[0].s.tokens_set, 0);
	struct batch_row *r = row(&b, T0 + 1, -1, false, 0);
	r->num[EV_OUTPUT_TOKENS] = 0;
	r->num_set |= 1u << EV_OUTPUT_TOKENS;
	batch_aggregate(&b, r);
	assert_int_equal(b.daily[0].s.tokens_set, 1u << 1); /* output only, and 0 is a value */
	assert_int_equal(b.daily[0].s.tokens[1], 0);
	batch_free(&b);
}

static void test_rows_an_hour_apart_share_the_day_not_the_hour(void **state)
{
	(void)state;
	struct batch b;
	batch_init(&b);
	batch_aggregate(&b, row(&b, T0, -1, true, 200));
	batch_aggregate(&b, row(&b, T0 + 3600, -1, true, 200));
	assert_int_equal(b.n_daily, 1);
	assert_int_equal(b.n_hourly, 2);
	assert_int_equal(b.cred[0].first_seen, T0);
	assert_int_equal(b.cred[0].last_seen, T0 + 3600);
	batch_reset(&b);
	assert_int_equal(b.n_daily + b.n_hourly + b.n_cred + b.nrows, 0);
	batch_free(&b);
}

/* Latency: a row without one is neither counted nor 0 ms; the others fill count, sum, max, buckets. */
static void test_latency_counts_only_rows_that_logged_one(void **state)
{
	(void)state;
	static const int64_t ms[] = { 0, 1, 3, 1024, 300000 };
	struct batch b;
	batch_init(&b);
	batch_aggregate(&b, row(&b, T0, -1, true, 200)); /* no latency */
	for (size_t i = 0; i < sizeof(ms) / sizeof(ms[0]); i++) {
		struct batch_row *r = row(&b, T0, -1, true, 200);
		r->num[EV_LATENCY_MS] = ms[i];
		r->num_set |= 1u << EV_LATENCY_MS;
		batch_aggregate(&b, r);
	}
	const struct batch_latency *l = &b.daily[0].lat;
	assert_int_equal(b.daily[0].s.requests, 6);
	assert_int_equal(l->n, 5);
	assert_int_equal(l->sum, 0 + 1 + 3 + 1024 + 300000);
	assert_int_equal(l->max, 300000);
	/* 0 ms: bucket 0; 1: 1; 3: [2, 4) = 2; 1024: [1024, 2048) = 11; 300 s: the open bucket 19 */
	int64_t want[LATENCY_BUCKETS] = { 0 };
	want[0] = want[1] = want[2] = want[11] = want[19] = 1;
	assert_memory_equal(l->bucket, want, sizeof(want));
	batch_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errors_follow_the_event_rule),
		cmocka_unit_test(test_token_sum_stays_null_until_a_row_has_the_kind),
		cmocka_unit_test(test_rows_an_hour_apart_share_the_day_not_the_hour),
		cmocka_unit_test(test_latency_counts_only_rows_that_logged_one),
	};
	if (testlib_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
