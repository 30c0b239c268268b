/*
 * Unit tests of event.c: field names, value conversion (NULL rules, numbers, seconds,
 * times, requests) and event_finish's normalization.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "buf.h"
#include "event.h"

static int set(struct event *ev, const char *field, const char *value, const char *time_format, struct buf *reason)
{
	const struct event_field *f = event_field_find(field);
	assert_non_null(f);
	return event_set(ev, f, value, strlen(value), time_format, reason);
}

static void set_ok(struct event *ev, const char *field, const char *value)
{
	struct buf reason = BUF_INIT;
	if (set(ev, field, value, NULL, &reason) != 0)
		fail_msg("event_set(%s, \"%s\"): %s", field, value, buf_str(&reason));
	buf_free(&reason);
}

static void assert_slice(struct slice s, const char *want)
{
	assert_non_null(s.p);
	assert_int_equal(s.n, strlen(want));
	assert_memory_equal(s.p, want, s.n);
}

/* ---- field table ---- */

static void test_field_find_knows_every_documented_name(void **state)
{
	(void)state;
	const char *names[] = { "time", "request", "path", "endpoint", "token", "user", "remote_user", "method",
				"model", "provider", "operation", "project", "session", "request_id", "error",
				"status", "input_tokens", "prompt_tokens", "output_tokens", "cache_read_tokens",
				"cache_write_tokens", "total_tokens", "latency_ms", "rt", "latency_s", "urt", "bytes",
				"rl_remaining", "rl_limit", "rl_reset", "rl_tokens_remaining", "rl_tokens_limit",
				"rl_tokens_reset", "success", "ignore" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct event_field *f = event_field_find(names[i]);
		assert_non_null(f);
		assert_string_equal(f->name, names[i]);
	}
}

static void test_field_find_returns_null_for_unknown_names(void **state)
{
	(void)state;
	assert_null(event_field_find("no_such_field"));
	assert_null(event_field_find(""));
	assert_null(event_field_find("Token"));
}

static void test_field_kinds_and_indexes_match_the_event(void **state)
{
	(void)state;
	assert_int_equal(event_field_find("token")->kind, EVF_TEXT);
	assert_int_equal(event_field_find("token")->index, EV_TOKEN);
	assert_int_equal(event_field_find("status")->kind, EVF_NUM);
	assert_int_equal(event_field_find("status")->index, EV_STATUS);
	assert_int_equal(event_field_find("rt")->kind, EVF_SECONDS);
	assert_int_equal(event_field_find("rt")->index, EV_LATENCY_MS);
	assert_int_equal(event_field_find("urt")->index, EV_UPSTREAM_MS);
	assert_int_equal(event_field_find("prompt_tokens")->kind, EVF_PROMPT);
	assert_int_equal(event_field_find("path")->kind, EVF_PATH);
	assert_int_equal(event_field_find("time")->kind, EVF_TIME);
}

static void test_field_table_ends_with_a_null_name(void **state)
{
	(void)state;
	size_t n = 0;
	while (event_fields[n].name)
		n++;
	assert_true(n >= 30);
}

/* ---- clearing ---- */

static void test_clear_leaves_everything_null(void **state)
{
	(void)state;
	struct event ev;
	memset(&ev, 0xab, sizeof(ev));
	event_clear(&ev);
	assert_int_equal(ev.num_set, 0);
	assert_false(ev.has_time);
	assert_false(ev.has_prompt);
	assert_false(ev.estimated);
	assert_int_equal(ev.failed, -1);
	assert_null(ev.dedup.p);
	for (int i = 0; i < EV_TEXT_N; i++)
		assert_null(ev.text[i].p);
}

/* ---- integers ---- */

static void test_parse_int_reads_signed_decimals(void **state)
{
	(void)state;
	int64_t v = 0;
	assert_int_equal(event_parse_int("123", 3, &v), 0);
	assert_int_equal(v, 123);
	assert_int_equal(event_parse_int("-5", 2, &v), 0);
	assert_int_equal(v, -5);
	assert_int_equal(event_parse_int("+7", 2, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(event_parse_int("0", 1, &v), 0);
	assert_int_equal(v, 0);
}

static void test_parse_int_accepts_a_zero_fraction(void **state)
{
	(void)state;
	int64_t v = 0;
	assert_int_equal(event_parse_int("59200.0", 7, &v), 0);
	assert_int_equal(v, 59200);
	assert_int_equal(event_parse_int("3.", 2, &v), 0);
	assert_int_equal(v, 3);
}

static void test_parse_int_rejects_a_real_fraction(void **state)
{
	(void)state;
	int64_t v = 42;
	assert_int_equal(event_parse_int("59200.5", 7, &v), -1);
	assert_int_equal(v, 42);
}

static void test_parse_int_rejects_garbage(void **state)
{
	(void)state;
	int64_t v;
	assert_int_equal(event_parse_int("", 0, &v), -1);
	assert_int_equal(event_parse_int("-", 1, &v), -1);
	assert_int_equal(event_parse_int("12a", 3, &v), -1);
	assert_int_equal(event_parse_int(" 12", 3, &v), -1);
	assert_int_equal(event_parse_int("1e3", 3, &v), -1);
	assert_int_equal(event_parse_int(".5", 2, &v), -1);
}

static void test_parse_int_limits_to_int64(void **state)
{
	(void)state;
	int64_t v = 0;
	assert_int_equal(event_parse_int("9223372036854775807", 19, &v), 0);
	assert_int_equal(v, INT64_MAX);
	assert_int_equal(event_parse_int("9223372036854775808", 19, &v), -1);
	assert_int_equal(event_parse_int("99999999999999999999999", 23, &v), -1);
}

static void test_parse_int_reads_only_the_given_length(void **state)
{
	(void)state;
	int64_t v = 0;
	assert_int_equal(event_parse_int("12345", 2, &v), 0);
	assert_int_equal(v, 12);
}

/* ---- event_set ---- */

static void test_set_dash_and_empty_leave_fields_null(void **state)
{
	(void)state;
	struct event ev;
	event_clear(&ev);
	const char *fields[] = { "token", "user", "model", "status", "input_tokens", "rt", "urt", "bytes", "path", "time",
				 "prompt_tokens", "success" };
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		set_ok(&ev, fields[i], "-");
		set_ok(&ev, fields[i], "");
	}
	assert_int_equal(ev.num_set, 0);
	assert_false(ev.has_time);
	assert_false(ev.has_prompt);
	assert_int_equal(ev.failed, -1);
	for (int i = 0; i < EV_TEXT_N; i++)
		assert_null(ev.text[i].p);
}

static void test_set_text_points_into_the_value(void **state)
{
	(void)state;
	struct event ev;
	const char v[] = "gpt-4o";
	event_clear(&ev);
	set_ok(&ev, "model", v);
	assert_ptr_equal(ev.text[EV_MODEL].p, v);
	assert_int_equal(ev.text[EV_MODEL].n, 6);
}

static void test_set_number_marks_it_known(void **state)
{
	(void)state;
	struct event ev;
	event_clear(&ev);
	set_ok(&ev, "output_tokens", "0");
	assert_true(event_has(&ev, EV_OUTPUT_TOKENS));
	assert_int_equal(ev.num[EV_OUTPUT_TOKENS], 0);
	assert_false(event_has(&ev, EV_INPUT_TOKENS));
}

static void test_set_bad_number_names_the_field_not_the_value(void **state)
{
	(void)state;
	struct event ev;
	struct buf reason = BUF_INIT;
	event_clear(&ev);
	assert_int_equal(set(&ev, "status", "sk-secretvalue", NULL, &reason), -1);
	assert_non_null(strstr(buf_str(&reason), "status"));
	assert_null(strstr(buf_str(&reason), "sk-secretvalue"));
	assert_false(event_has(&ev, EV_STATUS));
	buf_free(&reason);
}

static void test_set_seconds_become_rounded_milliseconds(void **state)
{
	(void)state;
	struct event ev;
	event_clear(&ev);
	set_ok(&ev, "rt", "0.1235");
	assert_int_equal(ev.num[EV_LATENCY_MS], 124);
	set_ok(&ev, "latency_s", "12");
	assert_int_equal(ev.num[EV_LATENCY_MS], 12000);
	set_ok(&ev, "rt", "0.0001234567");
	assert_int_equal(ev.num[EV_LATENCY_MS], 0);
}

static void test_set_negative_seconds_are_rejected(void **state)
{
	(void)state;
	struct event ev;
	struct buf reason = BUF_INIT;
	event_clear(&ev);
	assert_int_equal(set(&ev, "rt", "-0.5", NULL, &reason), -1);
	assert_false(event_has(&ev, EV_LATENCY_MS));
	buf_free(&reason);
}

static void test_set_upstream_times_are_summed(void **state)
{
	(void)state;
	struct event ev;
	event_clear(&ev);
	set_ok(&ev, "urt", "0.010, 0.020 : 0.030");
	assert_int_equal(ev.num[EV_UPSTREAM_MS], 60);
}

static void test_set_upstream_times_of_only_dashes_are_null(void **state)
{
	(void)state;
	struct event ev;
	event_clear(&ev);
	set_ok(&ev, "urt", "-, -");
	assert_false(event_has(&ev, EV_UPSTREAM_MS));
}

static void test_set_path_drops_the_query_string(void **state)
{
	(void)state;
	struct event ev;
	event_clear(&ev);
	set_ok(&ev, "path", "/v1/x?key=secret");
	assert_slice(ev.text[EV_ENDPOINT], "/v1/x");
}

static void test_set_path_of_only_a_query_is_null(void **state)
{
	(void)state;
	struct event ev;
	event_clear(&ev);
	set_ok(&ev, "path", "?a=b");
	assert_null(ev.text[EV_ENDPOINT].p);
}

static void test_set_request_splits_method_and_path(void **state)
{
	(void)state;
	struct event ev;
	event_clear(&ev);
	set_ok(&ev, "request", "PATCH /v1/items/7?x=1 HTTP/1.1");
	assert_slice(ev.text[EV_METHOD], "PATCH");
	assert_slice(ev.text[EV_ENDPOINT], "/v1/items/7");
}

static void test_set_garbage_request_keeps_method_and_path_null(void **state)
{
	(void)state;
	struct event ev;
	event_clear(&ev);
	set_ok(&ev, "request", "\\x16\\x03\\x01");
	assert_null(ev.text[EV_METHOD].p);
	assert_null(ev.text[EV_ENDPOINT].p);
	set_ok(&ev, "request", " leading-space");
	assert_null(ev.text[EV_METHOD].p);
}

static void test_set_success_reads_booleans(void **state)
{
	(void)state;
	struct event ev;
	event_clear(&ev);
	set_ok(&ev, "success", "true");
	assert_int_equal(ev.failed, 0);
	set_ok(&ev, "success", "false");
	assert_int_equal(ev.failed, 1);
	set_ok(&ev, "success", "1");
	assert_int_equal(ev.failed, 0);
	set_ok(&ev, "success", "0");
	assert_int_equal(ev.failed, 1);
}

static void test_set_success_rejects_other_words(void **state)
{
	(void)state;
	struct event ev;
	struct buf reason = BUF_INIT;
	event_clear(&ev);
	assert_int_equal(set(&ev, "success", "maybe", NULL, &reason), -1);
	assert_true(reason.len > 0);
	assert_int_equal(ev.failed, -1);
	buf_free(&reason);
}

static void test_set_time_uses_the_time_format(void **state)
{
	(void)state;
	struct event ev;
	struct buf reason = BUF_INIT;
	event_clear(&ev);
	assert_int_equal(set(&ev, "time", "17/May/2015:12:05:03 +0200", "%d/%b/%Y:%H:%M:%S %z", &reason), 0);
	assert_true(ev.has_time);
	assert_int_equal(ev.epoch, 1431857103);
	assert_int_equal(set(&ev, "time", "2015-05-17T10:05:04Z", "iso8601", &reason), 0);
	assert_int_equal(ev.epoch, 1431857104);
	assert_int_equal(set(&ev, "time", "1431857105", "epoch", &reason), 0);
	assert_int_equal(ev.epoch, 1431857105);
	assert_int_equal(set(&ev, "time", "1431857106000", "epoch_ms", &reason), 0);
	assert_int_equal(ev.epoch, 1431857106);
	assert_int_equal(set(&ev, "time", "1431857107", "auto", &reason), 0);
	assert_int_equal(ev.epoch, 1431857107);
	assert_int_equal(set(&ev, "time", "2015-05-17T10:05:08Z", NULL, &reason), 0);
	assert_int_equal(ev.epoch, 1431857108);
	buf_free(&reason);
}

static void test_set_bad_time_is_rejected_with_a_reason(void **state)
{
	(void)state;
	struct event ev;
	struct buf reason = BUF_INIT;
	event_clear(&ev);
	assert_int_equal(set(&ev, "time", "yesterday", "iso8601", &reason), -1);
	assert_false(ev.has_time);
	assert_non_null(strstr(buf_str(&reason), "time"));
	buf_free(&reason);
}

static void test_set_ignore_field_changes_nothing(void **state)
{
	(void)state;
	struct event ev, before;
	event_clear(&ev);
	memcpy(&before, &ev, sizeof(ev));
	set_ok(&ev, "ignore", "anything at all");
	assert_memory_equal(&ev, &before, sizeof(ev));
}

/* ---- event_finish ---- */

static void test_finish_subtracts_cache_reads_from_prompt(void **state)
{
	(void)state;
	struct event ev;
	event_clear(&ev);
	set_ok(&ev, "prompt_tokens", "100");
	set_ok(&ev, "cache_read_tokens", "40");
	event_finish(&ev);
	assert_int_equal(ev.num[EV_INPUT_TOKENS], 60);
	assert_int_equal(ev.num[EV_TOTAL_TOKENS], 100);
}

static void test_finish_keeps_a_prompt_smaller_than_its_cache_reads(void **state)
{
	(void)state;
	struct event ev;
	event_clear(&ev);
	set_ok(&ev, "prompt_tokens", "10");
	set_ok(&ev, "cache_read_tokens", "40");
	event_finish(&ev);
	assert_int_equal(ev.num[EV_INPUT_TOKENS], 10);
}

static void test_finish_without_any_token_count_leaves_total_null(void **state)
{
	(void)state;
	struct event ev;
	event_clear(&ev);
	set_ok(&ev, "status", "200");
	event_finish(&ev);
	assert_false(event_has(&ev, EV_TOTAL_TOKENS));
	assert_false(event_has(&ev, EV_INPUT_TOKENS));
}

static void test_finish_total_counts_zero_kinds(void **state)
{
	(void)state;
	struct event ev;
	event_clear(&ev);
	set_ok(&ev, "input_tokens", "0");
	event_finish(&ev);
	assert_true(event_has(&ev, EV_TOTAL_TOKENS));
	assert_int_equal(ev.num[EV_TOTAL_TOKENS], 0);
}

static void test_finish_falls_back_to_upstream_latency(void **state)
{
	(void)state;
	struct event ev;
	event_clear(&ev);
	set_ok(&ev, "urt", "0.250");
	event_finish(&ev);
	assert_int_equal(ev.num[EV_LATENCY_MS], 250);
}

static void test_finish_makes_remote_user_the_user_only_without_token_or_user(void **state)
{
	(void)state;
	struct event ev;
	event_clear(&ev);
	set_ok(&ev, "remote_user", "frank");
	event_finish(&ev);
	assert_slice(ev.text[EV_USER], "frank");

	event_clear(&ev);
	set_ok(&ev, "remote_user", "frank");
	set_ok(&ev, "token", "ghp_x");
	event_finish(&ev);
	assert_null(ev.text[EV_USER].p);

	event_clear(&ev);
	set_ok(&ev, "remote_user", "frank");
	set_ok(&ev, "user", "gina");
	event_finish(&ev);
	assert_slice(ev.text[EV_USER], "gina");
}

/* ---- errors ---- */

static void test_is_error_from_status_or_failure(void **state)
{
	(void)state;
	struct event ev;
	event_clear(&ev);
	assert_false(event_is_error(&ev));
	event_set_num(&ev, EV_STATUS, 399);
	assert_false(event_is_error(&ev));
	event_set_num(&ev, EV_STATUS, 400);
	assert_true(event_is_error(&ev));
	event_set_num(&ev, EV_STATUS, 200);
	ev.failed = 1;
	assert_true(event_is_error(&ev));
	ev.failed = 0;
	assert_false(event_is_error(&ev));
}

static void test_unset_num_makes_it_null_again(void **state)
{
	(void)state;
	struct event ev;
	event_clear(&ev);
	event_set_num(&ev, EV_BYTES, 5);
	event_unset_num(&ev, EV_BYTES);
	assert_false(event_has(&ev, EV_BYTES));
}

/* ---- rate limits: optional values, resets in every form, token limits ---- */

/* An event with a time (2025-10-10T10:00:00Z), as a parser leaves it before finishing. */
static void clear_at(struct event *ev, int64_t epoch)
{
	event_clear(ev);
	ev->epoch = epoch;
	ev->has_time = true;
}

#define T_EVENT 1760090400 /* `date -u -d 2025-10-10T10:00:00Z +%s` */

static void test_token_limit_fields_are_their_own_numbers(void **state)
{
	(void)state;
	struct event ev;
	clear_at(&ev, T_EVENT);
	set_ok(&ev, "rl_remaining", "59");
	set_ok(&ev, "rl_limit", "60");
	set_ok(&ev, "rl_tokens_remaining", "149984");
	set_ok(&ev, "rl_tokens_limit", "150000");
	set_ok(&ev, "rl_tokens_reset", "6ms");
	set_ok(&ev, "rl_reset", "1s");
	event_finish(&ev);
	assert_int_equal(ev.num[EV_RL_REMAINING], 59);
	assert_int_equal(ev.num[EV_RL_LIMIT], 60);
	assert_int_equal(ev.num[EV_RL_TOKENS_REMAINING], 149984);
	assert_int_equal(ev.num[EV_RL_TOKENS_LIMIT], 150000);
	assert_int_equal(ev.num[EV_RL_RESET], T_EVENT + 1);
	assert_int_equal(ev.num[EV_RL_TOKENS_RESET], T_EVENT + 1);
	assert_int_equal(ev.warnings, 0);
	assert_int_equal(event_field_find("rl_tokens_reset")->index, EV_RL_TOKENS_RESET);
}

static void test_new_numbers_come_after_the_stored_ones(void **state)
{
	(void)state;
	/* the store maps EV_STATUS..EV_UPSTREAM_MS by number: new fields only append */
	assert_int_equal(EV_UPSTREAM_MS, 11);
	assert_true(EV_RL_TOKENS_REMAINING > EV_UPSTREAM_MS);
	assert_true(EV_RL_TOKENS_LIMIT > EV_UPSTREAM_MS);
	assert_true(EV_RL_TOKENS_RESET > EV_UPSTREAM_MS);
	assert_true(EV_NUM_N <= 32); /* num_set and num_delay are 32-bit masks */
}

static void test_reset_epoch_seconds_are_stored_as_given(void **state)
{
	(void)state;
	struct event ev;
	clear_at(&ev, T_EVENT);
	set_ok(&ev, "rl_reset", "1760094000");
	assert_true(event_has(&ev, EV_RL_RESET)); /* a time is known before finishing */
	event_finish(&ev);
	assert_int_equal(ev.num[EV_RL_RESET], 1760094000);
}

static void test_reset_duration_counts_from_the_event_time(void **state)
{
	(void)state;
	struct event ev;
	clear_at(&ev, T_EVENT);
	set_ok(&ev, "rl_reset", "6m0s");
	assert_false(event_has(&ev, EV_RL_RESET)); /* not a time until the event's time is added */
	event_finish(&ev);
	assert_int_equal(ev.num[EV_RL_RESET], T_EVENT + 360);
	clear_at(&ev, T_EVENT);
	set_ok(&ev, "rl_reset", "1h2m3.5s");
	event_finish(&ev);
	assert_int_equal(ev.num[EV_RL_RESET], T_EVENT + 3724); /* 3723.5 s, rounded up */
	clear_at(&ev, T_EVENT);
	set_ok(&ev, "rl_reset", "20ms");
	event_finish(&ev);
	assert_int_equal(ev.num[EV_RL_RESET], T_EVENT + 1);
	clear_at(&ev, T_EVENT);
	set_ok(&ev, "rl_reset", "0s");
	event_finish(&ev);
	assert_int_equal(ev.num[EV_RL_RESET], T_EVENT);
}

static void test_reset_time_set_after_the_delay_is_kept(void **state)
{
	(void)state;
	struct event ev;
	struct buf reason = BUF_INIT;
	event_clear(&ev);
	/* the time comes last on the line, as the delay only finds out in event_finish */
	set_ok(&ev, "rl_reset", "30");
	assert_int_equal(set(&ev, "time", "2025-10-10T10:00:00Z", "iso8601", &reason), 0);
	event_finish(&ev);
	assert_int_equal(ev.num[EV_RL_RESET], T_EVENT + 30);
	buf_free(&reason);
}

static void test_reset_bare_number_below_1e9_is_delay_seconds(void **state)
{
	(void)state;
	struct event ev;
	clear_at(&ev, T_EVENT);
	set_ok(&ev, "rl_reset", "30"); /* retry-after: 30 */
	event_finish(&ev);
	assert_int_equal(ev.num[EV_RL_RESET], T_EVENT + 30);
	clear_at(&ev, T_EVENT);
	set_ok(&ev, "rl_reset", "1000000000");
	event_finish(&ev);
	assert_int_equal(ev.num[EV_RL_RESET], 1000000000);
}

static void test_reset_rfc3339_and_http_date_are_times(void **state)
{
	(void)state;
	struct event ev;
	clear_at(&ev, T_EVENT);
	set_ok(&ev, "rl_tokens_reset", "2025-10-10T10:01:00Z");
	set_ok(&ev, "rl_reset", "Fri, 10 Oct 2025 10:00:05 GMT");
	event_finish(&ev);
	assert_int_equal(ev.num[EV_RL_TOKENS_RESET], T_EVENT + 60);
	assert_int_equal(ev.num[EV_RL_RESET], T_EVENT + 5);
}

static void test_reset_time_after_a_delay_replaces_it(void **state)
{
	(void)state;
	struct event ev;
	clear_at(&ev, T_EVENT);
	set_ok(&ev, "rl_reset", "6m0s");
	set_ok(&ev, "rl_reset", "1760094000"); /* a second alias on the line: the last one wins */
	event_finish(&ev);
	assert_int_equal(ev.num[EV_RL_RESET], 1760094000);
	clear_at(&ev, T_EVENT);
	set_ok(&ev, "rl_reset", "1760094000");
	set_ok(&ev, "rl_reset", "1s");
	event_finish(&ev);
	assert_int_equal(ev.num[EV_RL_RESET], T_EVENT + 1);
}

static void test_reset_delay_without_event_time_is_null_with_a_warning(void **state)
{
	(void)state;
	struct event ev;
	struct buf w = BUF_INIT;
	event_clear(&ev);
	set_ok(&ev, "rl_reset", "6m0s");
	event_finish(&ev);
	assert_false(event_has(&ev, EV_RL_RESET));
	assert_int_equal(ev.warnings, 1);
	event_warning_text(&ev, &w);
	assert_string_equal(buf_str(&w), "rl_reset is a delay but the record has no time");
	buf_free(&w);
}

static void test_reset_delay_beyond_9999_is_null_with_a_warning(void **state)
{
	(void)state;
	struct event ev;
	clear_at(&ev, 253402300000LL); /* 9999-12-31T23:46:40Z */
	set_ok(&ev, "rl_reset", "1h");
	event_finish(&ev);
	assert_false(event_has(&ev, EV_RL_RESET));
	assert_int_equal(ev.warnings, 1);
	assert_int_equal(ev.warning, EV_WARN_RESET_RANGE);
}

static void test_unreadable_rate_values_are_null_with_warnings_not_rejects(void **state)
{
	(void)state;
	struct event ev;
	struct buf reason = BUF_INIT;
	clear_at(&ev, T_EVENT);
	set_ok(&ev, "input_tokens", "12");
	assert_int_equal(set(&ev, "rl_remaining", "lots", NULL, &reason), 0);
	assert_int_equal(set(&ev, "rl_limit", "-5", NULL, &reason), 0);
	assert_int_equal(set(&ev, "rl_reset", "soon", NULL, &reason), 0);
	assert_int_equal(set(&ev, "rl_tokens_remaining", "1000000000000001", NULL, &reason), 0);
	assert_string_equal(buf_str(&reason), ""); /* no reject reason */
	event_finish(&ev);
	assert_false(event_has(&ev, EV_RL_REMAINING));
	assert_false(event_has(&ev, EV_RL_LIMIT));
	assert_false(event_has(&ev, EV_RL_RESET));
	assert_false(event_has(&ev, EV_RL_TOKENS_REMAINING));
	assert_int_equal(ev.num[EV_INPUT_TOKENS], 12); /* the record keeps its tokens */
	assert_int_equal(ev.warnings, 4);
	assert_int_equal(ev.warning, EV_WARN_BAD_NUMBER);
	assert_string_equal(ev.warning_field, "rl_remaining");
	buf_free(&reason);
}

static void test_unreadable_rate_value_keeps_an_earlier_alias(void **state)
{
	(void)state;
	struct event ev;
	clear_at(&ev, T_EVENT);
	set_ok(&ev, "rl_remaining", "17");
	set_ok(&ev, "rl_remaining", "n/a");
	assert_int_equal(ev.num[EV_RL_REMAINING], 17);
	assert_int_equal(ev.warnings, 1);
}

static void test_warning_text_names_the_field_and_counts_the_rest(void **state)
{
	(void)state;
	struct event ev;
	struct buf w = BUF_INIT;
	clear_at(&ev, T_EVENT);
	event_warning_text(&ev, &w);
	assert_string_equal(buf_str(&w), ""); /* no warning: nothing */
	set_ok(&ev, "rl_reset", "sk-proj-secretvalue1234");
	set_ok(&ev, "rl_limit", "x");
	set_ok(&ev, "rl_remaining", "-1");
	event_warning_text(&ev, &w);
	assert_string_equal(buf_str(&w), "bad reset time for rl_reset (and 2 more)");
	assert_null(strstr(buf_str(&w), "secret"));
	buf_free(&w);
	clear_at(&ev, T_EVENT);
	set_ok(&ev, "rl_limit", "-1");
	event_warning_text(&ev, &w);
	assert_string_equal(buf_str(&w), "rl_limit out of range");
	buf_free(&w);
}

static void test_warnings_saturate(void **state)
{
	(void)state;
	struct event ev;
	clear_at(&ev, T_EVENT);
	for (int i = 0; i < 70000; i++)
		set_ok(&ev, "rl_limit", "x");
	assert_int_equal(ev.warnings, UINT16_MAX);
}

static void test_clear_forgets_warnings_and_delays(void **state)
{
	(void)state;
	struct event ev;
	clear_at(&ev, T_EVENT);
	set_ok(&ev, "rl_reset", "1s");
	set_ok(&ev, "rl_limit", "x");
	event_clear(&ev);
	assert_int_equal(ev.warnings, 0);
	assert_int_equal(ev.num_delay, 0);
	assert_null(ev.warning_field);
}

static void test_set_number_reads_a_reset_like_a_bare_number(void **state)
{
	(void)state;
	struct event ev;
	struct buf reason = BUF_INIT;
	const struct event_field *f = event_field_find("rl_reset");
	clear_at(&ev, T_EVENT);
	assert_int_equal(event_set_number(&ev, f, 60, &reason), 0); /* a JSON number: delay */
	event_finish(&ev);
	assert_int_equal(ev.num[EV_RL_RESET], T_EVENT + 60);
	clear_at(&ev, T_EVENT);
	assert_int_equal(event_set_number(&ev, f, 1760094000, &reason), 0);
	event_finish(&ev);
	assert_int_equal(ev.num[EV_RL_RESET], 1760094000);
	clear_at(&ev, T_EVENT);
	assert_int_equal(event_set_number(&ev, f, 1760094000123LL, &reason), 0); /* milliseconds */
	event_finish(&ev);
	assert_int_equal(ev.num[EV_RL_RESET], 1760094000);
	clear_at(&ev, T_EVENT);
	assert_int_equal(event_set_number(&ev, f, -1, &reason), 0);
	assert_int_equal(event_set_number(&ev, event_field_find("rl_limit"), -1, &reason), 0);
	event_finish(&ev);
	assert_false(event_has(&ev, EV_RL_RESET));
	assert_false(event_has(&ev, EV_RL_LIMIT));
	assert_int_equal(ev.warnings, 2);
	assert_string_equal(buf_str(&reason), "");
	buf_free(&reason);
}

static void test_bad_token_count_is_still_a_reject(void **state)
{
	(void)state;
	struct event ev;
	struct buf reason = BUF_INIT;
	clear_at(&ev, T_EVENT);
	/* tokens are the record itself, not an optional extra */
	assert_int_equal(set(&ev, "output_tokens", "lots", NULL, &reason), -1);
	assert_int_equal(ev.warnings, 0);
	buf_free(&reason);
}

static void test_set_seconds_read_an_exponent(void **state)
{
	(void)state;
	struct event ev;
	struct buf reason = BUF_INIT;
	event_clear(&ev);
	set_ok(&ev, "latency_s", "1.2345e-05"); /* how SQLite writes Caddy's duration 0.000012345 */
	assert_int_equal(ev.num[EV_LATENCY_MS], 0);
	set_ok(&ev, "latency_s", "6.5e-04");
	assert_int_equal(ev.num[EV_LATENCY_MS], 1);
	set_ok(&ev, "latency_s", "1.5E+01");
	assert_int_equal(ev.num[EV_LATENCY_MS], 15000);
	set_ok(&ev, "latency_s", "2e3");
	assert_int_equal(ev.num[EV_LATENCY_MS], 2000000);
	set_ok(&ev, "latency_s", "1.2345e-1");
	assert_int_equal(ev.num[EV_LATENCY_MS], 123);
	set_ok(&ev, "latency_s", "1e-40");
	assert_int_equal(ev.num[EV_LATENCY_MS], 0);
	assert_int_equal(set(&ev, "latency_s", "1e", NULL, &reason), -1);
	assert_int_equal(set(&ev, "latency_s", "1e-", NULL, &reason), -1);
	assert_int_equal(set(&ev, "latency_s", "1e99", NULL, &reason), -1);
	assert_int_equal(set(&ev, "latency_s", "1e13", NULL, &reason), -1); /* 10^16 ms */
	assert_int_equal(set(&ev, "latency_s", "1e5x", NULL, &reason), -1);
	buf_free(&reason);
}

static void test_set_redacted_token_is_no_credential(void **state)
{
	(void)state;
	struct event ev;
	event_clear(&ev);
	set_ok(&ev, "token", "REDACTED");
	set_ok(&ev, "token", "[REDACTED]");
	set_ok(&ev, "token", "<redacted>");
	assert_null(ev.text[EV_TOKEN].p);
	set_ok(&ev, "token", "REDACTED1");
	assert_slice(ev.text[EV_TOKEN], "REDACTED1");
	set_ok(&ev, "user", "redacted"); /* only credentials */
	assert_slice(ev.text[EV_USER], "redacted");
}

/* ---- 1-hour cache writes and batch markers ---- */

static void test_finish_keeps_1h_cache_writes_a_part_of_cache_writes(void **state)
{
	(void)state;
	struct event ev;
	event_clear(&ev);
	set_ok(&ev, "cache_write_tokens", "1000");
	set_ok(&ev, "cache_write_1h_tokens", "600");
	set_ok(&ev, "input_tokens", "5");
	event_finish(&ev);
	assert_int_equal(ev.num[EV_CACHE_WRITE_TOKENS], 1000);
	assert_int_equal(ev.num[EV_CACHE_WRITE_1H_TOKENS], 600);
	assert_int_equal(ev.num[EV_TOTAL_TOKENS], 1005); /* the 1h part is not counted twice */

	event_clear(&ev);
	set_ok(&ev, "cache_write_1h_tokens", "70");
	event_finish(&ev);
	assert_true(event_has(&ev, EV_CACHE_WRITE_TOKENS));
	assert_int_equal(ev.num[EV_CACHE_WRITE_TOKENS], 70);
	assert_int_equal(ev.num[EV_TOTAL_TOKENS], 70);

	event_clear(&ev);
	set_ok(&ev, "cache_write_tokens", "10");
	set_ok(&ev, "cache_write_1h_tokens", "25");
	event_finish(&ev);
	assert_int_equal(ev.num[EV_CACHE_WRITE_TOKENS], 10);
	assert_int_equal(ev.num[EV_CACHE_WRITE_1H_TOKENS], 10);
}

static void test_batch_marker_makes_the_tier_batch(void **state)
{
	(void)state;
	static const char *const yes[] = { "true", "TRUE", "1", "yes", "row-17" };
	static const char *const no[] = { "false", "FALSE", "0", "no" };
	struct event ev;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		event_clear(&ev);
		set_ok(&ev, "service_tier", "default");
		set_ok(&ev, "batch", yes[i]);
		event_finish(&ev);
		assert_slice(ev.text[EV_SERVICE_TIER], "batch");
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		event_clear(&ev);
		set_ok(&ev, "service_tier", "flex");
		set_ok(&ev, "batch", no[i]);
		event_finish(&ev);
		assert_slice(ev.text[EV_SERVICE_TIER], "flex");
	}
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_field_find_knows_every_documented_name),
		cmocka_unit_test(test_field_find_returns_null_for_unknown_names),
		cmocka_unit_test(test_field_kinds_and_indexes_match_the_event),
		cmocka_unit_test(test_field_table_ends_with_a_null_name),
		cmocka_unit_test(test_clear_leaves_everything_null),
		cmocka_unit_test(test_parse_int_reads_signed_decimals),
		cmocka_unit_test(test_parse_int_accepts_a_zero_fraction),
		cmocka_unit_test(test_parse_int_rejects_a_real_fraction),
		cmocka_unit_test(test_parse_int_rejects_garbage),
		cmocka_unit_test(test_parse_int_limits_to_int64),
		cmocka_unit_test(test_parse_int_reads_only_the_given_length),
		cmocka_unit_test(test_set_dash_and_empty_leave_fields_null),
		cmocka_unit_test(test_set_text_points_into_the_value),
		cmocka_unit_test(test_set_number_marks_it_known),
		cmocka_unit_test(test_set_bad_number_names_the_field_not_the_value),
		cmocka_unit_test(test_set_seconds_become_rounded_milliseconds),
		cmocka_unit_test(test_set_negative_seconds_are_rejected),
		cmocka_unit_test(test_set_upstream_times_are_summed),
		cmocka_unit_test(test_set_upstream_times_of_only_dashes_are_null),
		cmocka_unit_test(test_set_path_drops_the_query_string),
		cmocka_unit_test(test_set_path_of_only_a_query_is_null),
		cmocka_unit_test(test_set_request_splits_method_and_path),
		cmocka_unit_test(test_set_garbage_request_keeps_method_and_path_null),
		cmocka_unit_test(test_set_success_reads_booleans),
		cmocka_unit_test(test_set_success_rejects_other_words),
		cmocka_unit_test(test_set_time_uses_the_time_format),
		cmocka_unit_test(test_set_bad_time_is_rejected_with_a_reason),
		cmocka_unit_test(test_set_ignore_field_changes_nothing),
		cmocka_unit_test(test_finish_subtracts_cache_reads_from_prompt),
		cmocka_unit_test(test_finish_keeps_a_prompt_smaller_than_its_cache_reads),
		cmocka_unit_test(test_finish_without_any_token_count_leaves_total_null),
		cmocka_unit_test(test_finish_total_counts_zero_kinds),
		cmocka_unit_test(test_finish_falls_back_to_upstream_latency),
		cmocka_unit_test(test_finish_makes_remote_user_the_user_only_without_token_or_user),
		cmocka_unit_test(test_is_error_from_status_or_failure),
		cmocka_unit_test(test_unset_num_makes_it_null_again),
		cmocka_unit_test(test_set_seconds_read_an_exponent),
		cmocka_unit_test(test_set_redacted_token_is_no_credential),
		cmocka_unit_test(test_token_limit_fields_are_their_own_numbers),
		cmocka_unit_test(test_new_numbers_come_after_the_stored_ones),
		cmocka_unit_test(test_reset_epoch_seconds_are_stored_as_given),
		cmocka_unit_test(test_reset_duration_counts_from_the_event_time),
		cmocka_unit_test(test_reset_time_set_after_the_delay_is_kept),
		cmocka_unit_test(test_reset_bare_number_below_1e9_is_delay_seconds),
		cmocka_unit_test(test_reset_rfc3339_and_http_date_are_times),
		cmocka_unit_test(test_reset_time_after_a_delay_replaces_it),
		cmocka_unit_test(test_reset_delay_without_event_time_is_null_with_a_warning),
		cmocka_unit_test(test_reset_delay_beyond_9999_is_null_with_a_warning),
		cmocka_unit_test(test_unreadable_rate_values_are_null_with_warnings_not_rejects),
		cmocka_unit_test(test_unreadable_rate_value_keeps_an_earlier_alias),
		cmocka_unit_test(test_warning_text_names_the_field_and_counts_the_rest),
		cmocka_unit_test(test_warnings_saturate),
		cmocka_unit_test(test_clear_forgets_warnings_and_delays),
		cmocka_unit_test(test_set_number_reads_a_reset_like_a_bare_number),
		cmocka_unit_test(test_bad_token_count_is_still_a_reject),
		cmocka_unit_test(test_finish_keeps_1h_cache_writes_a_part_of_cache_writes),
		cmocka_unit_test(test_batch_marker_makes_the_tier_batch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
