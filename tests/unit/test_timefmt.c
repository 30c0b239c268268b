/*
 * Unit tests of timefmt.c: log timestamps to epoch seconds UTC, and back to text.
 * Expected epochs were computed independently with `date -u -d ... +%s` and are hard-coded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "timefmt.h"

#define CLF "%d/%b/%Y:%H:%M:%S %z"

/* Parse S with FMT; returns the epoch, failing the test when S is rejected. */
static int64_t parse_ok(const char *fmt, const char *s)
{
	int64_t epoch = INT64_MIN;
	int rc = timefmt_parse(fmt, s, strlen(s), &epoch);
	if (rc != 0)
		fail_msg("timefmt_parse(\"%s\", \"%s\") rejected a valid time", fmt, s);
	return epoch;
}

static int parse_rc(const char *fmt, const char *s)
{
	int64_t epoch;
	return timefmt_parse(fmt, s, strlen(s), &epoch);
}

static int64_t iso_ok(const char *s)
{
	int64_t epoch = INT64_MIN;
	if (timefmt_parse_iso8601(s, strlen(s), &epoch) != 0)
		fail_msg("timefmt_parse_iso8601(\"%s\") rejected a valid time", s);
	return epoch;
}

static int iso_rc(const char *s)
{
	int64_t epoch;
	return timefmt_parse_iso8601(s, strlen(s), &epoch);
}

/* ---- CLF: %d/%b/%Y:%H:%M:%S %z ---- */

static void test_clf_utc_offset_is_taken_as_is(void **state)
{
	(void)state;
	assert_int_equal(parse_ok(CLF, "10/Mar/2024:13:55:36 +0000"), 1710078936);
}

static void test_clf_negative_offset_is_added_to_reach_utc(void **state)
{
	(void)state;
	/* 13:55:36 at -07:00 is 20:55:36 UTC */
	assert_int_equal(parse_ok(CLF, "10/Mar/2024:13:55:36 -0700"), 1710104136);
}

static void test_clf_half_hour_offset_is_subtracted_to_reach_utc(void **state)
{
	(void)state;
	/* 13:55:36 at +05:30 is 08:25:36 UTC */
	assert_int_equal(parse_ok(CLF, "10/Mar/2024:13:55:36 +0530"), 1710059136);
}

static void test_clf_offset_moves_time_to_previous_utc_day(void **state)
{
	(void)state;
	int64_t e = parse_ok(CLF, "01/Jan/2024:00:30:00 +0200"); /* 2023-12-31T22:30:00Z */
	char day[16];
	assert_int_equal(e, 1704061800);
	timefmt_format_day(timefmt_day(e), day);
	assert_string_equal(day, "2023-12-31");
}

static void test_clf_month_name_is_case_insensitive(void **state)
{
	(void)state;
	assert_int_equal(parse_ok(CLF, "10/mar/2024:13:55:36 +0000"), 1710078936);
	assert_int_equal(parse_ok(CLF, "10/MAR/2024:13:55:36 +0000"), 1710078936);
}

static void test_clf_known_apache_example(void **state)
{
	(void)state;
	/* The timestamp of the well-known Apache example log, 2015-05-17T10:05:03Z. */
	assert_int_equal(parse_ok(CLF, "17/May/2015:10:05:03 +0000"), 1431857103);
}

static void test_clf_unknown_month_name_is_rejected(void **state)
{
	(void)state;
	assert_int_equal(parse_rc(CLF, "10/Foo/2024:13:55:36 +0000"), -1);
}

static void test_clf_missing_offset_is_rejected(void **state)
{
	(void)state;
	assert_int_equal(parse_rc(CLF, "10/Mar/2024:13:55:36"), -1);
}

static void test_clf_trailing_junk_is_rejected(void **state)
{
	(void)state;
	assert_int_equal(parse_rc(CLF, "10/Mar/2024:13:55:36 +0000 x"), -1);
	assert_int_equal(parse_rc(CLF, "10/Mar/2024:13:55:36 +0000]"), -1);
}

static void test_clf_impossible_offset_is_rejected(void **state)
{
	(void)state;
	assert_int_equal(parse_rc(CLF, "10/Mar/2024:13:55:36 +2400"), -1);
	assert_int_equal(parse_rc(CLF, "10/Mar/2024:13:55:36 +0560"), -1);
}

/* ---- other strptime-like directives ---- */

static void test_two_digit_year_below_69_is_this_century(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("%d/%m/%y", "17/05/15"), 1431820800);
	assert_int_equal(parse_ok("%d/%m/%y", "01/01/68"), 3092601600LL);
}

static void test_two_digit_year_70_and_above_is_last_century(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("%d/%m/%y", "01/01/70"), 0);
	assert_int_equal(parse_ok("%d/%m/%y %T", "31/12/99 23:59:59"), 946684799);
	/* 69 is 1969: before 1970, so not a log time */
	assert_int_equal(parse_rc("%d/%m/%y", "01/01/69"), -1);
}

static void test_t_directive_reads_hours_minutes_seconds(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("%Y-%m-%d %T", "2015-05-17 10:05:03"), 1431857103);
}

static void test_space_in_format_matches_any_run_of_spaces(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("%Y-%m-%d %H:%M:%S", "2015-05-17    10:05:03"), 1431857103);
}

static void test_e_directive_accepts_space_padded_day(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("%b %e %Y %T", "Mar  1 2000 00:00:00"), 951868800);
}

static void test_fraction_directive_is_read_and_dropped(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("%Y-%m-%dT%H:%M:%S.%fZ", "2015-05-17T10:05:03.999999Z"), 1431857103);
}

static void test_percent_s_reads_epoch_seconds(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("%s", "1431857103"), 1431857103);
	assert_int_equal(parse_rc("%s", "-1"), -1); /* before 1970 */
}

static void test_literal_percent_must_match(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("%%%s", "%1431857103"), 1431857103);
	assert_int_equal(parse_rc("%%%s", "1431857103"), -1);
}

static void test_literal_characters_must_match(void **state)
{
	(void)state;
	assert_int_equal(parse_rc("%Y-%m-%d", "2015/05/17"), -1);
}

static void test_unknown_directive_is_rejected(void **state)
{
	(void)state;
	assert_int_equal(parse_rc("%Q", "x"), -1);
}

/* ---- ISO-8601 ---- */

static void test_iso_with_z_is_utc(void **state)
{
	(void)state;
	assert_int_equal(iso_ok("2015-05-17T10:05:03Z"), 1431857103);
	assert_int_equal(iso_ok("2015-05-17t10:05:03z"), 1431857103);
}

static void test_iso_with_colon_offset_is_converted_to_utc(void **state)
{
	(void)state;
	assert_int_equal(iso_ok("2015-05-17T12:05:03+02:00"), 1431857103);
	assert_int_equal(iso_ok("2015-05-17T03:05:03-07:00"), 1431857103);
}

static void test_iso_with_compact_offset_is_converted_to_utc(void **state)
{
	(void)state;
	assert_int_equal(iso_ok("2015-05-17T12:05:03+0200"), 1431857103);
	assert_int_equal(iso_ok("2015-05-17T12:05:03+02"), 1431857103);
}

static void test_iso_fractional_seconds_are_dropped(void **state)
{
	(void)state;
	assert_int_equal(iso_ok("2015-05-17T10:05:03.123Z"), 1431857103);
	assert_int_equal(iso_ok("2015-05-17T10:05:03,5+00:00"), 1431857103);
	assert_int_equal(iso_ok("2015-05-17T10:05:03.123456789012345678901234Z"), 1431857103);
}

static void test_iso_date_only_is_midnight_utc(void **state)
{
	(void)state;
	assert_int_equal(iso_ok("2015-05-17"), 1431820800);
}

static void test_iso_space_separator_is_accepted(void **state)
{
	(void)state;
	assert_int_equal(iso_ok("2015-05-17 10:05:03"), 1431857103);
	assert_int_equal(iso_ok("2015-05-17 10:05:03 +00:00"), 1431857103);
}

static void test_iso_without_zone_is_utc(void **state)
{
	(void)state;
	assert_int_equal(iso_ok("2015-05-17T10:05:03"), 1431857103);
}

static void test_iso_without_seconds_is_accepted(void **state)
{
	(void)state;
	assert_int_equal(iso_ok("2015-05-17T10:05Z"), 1431857100);
}

static void test_iso_leap_second_is_the_next_second(void **state)
{
	(void)state;
	assert_int_equal(iso_ok("2016-12-31T23:59:60Z"), 1483228800);
}

static void test_iso_trailing_junk_is_rejected(void **state)
{
	(void)state;
	assert_int_equal(iso_rc("2015-05-17T10:05:03Zjunk"), -1);
	assert_int_equal(iso_rc("2015-05-17T10:05:03 x"), -1);
	assert_int_equal(iso_rc("2015-05-17x"), -1);
	assert_int_equal(iso_rc("2015-05-17T"), -1);
	assert_int_equal(iso_rc("2015-05-17T10:05:03."), -1);
}

static void test_iso_garbage_is_rejected(void **state)
{
	(void)state;
	assert_int_equal(iso_rc("garbage"), -1);
	assert_int_equal(iso_rc(""), -1);
	assert_int_equal(iso_rc("2015-5-17"), -1);
	assert_int_equal(iso_rc("15-05-17"), -1);
}

/* ---- calendar validity ---- */

static void test_feb_29_of_a_leap_year_is_accepted(void **state)
{
	(void)state;
	assert_int_equal(iso_ok("2024-02-29"), 1709164800);
	assert_int_equal(parse_ok(CLF, "29/Feb/2024:12:00:00 +0000"), 1709208000);
}

static void test_feb_29_of_a_common_year_is_rejected(void **state)
{
	(void)state;
	assert_int_equal(iso_rc("2023-02-29"), -1);
	assert_int_equal(parse_rc(CLF, "29/Feb/2023:12:00:00 +0000"), -1);
}

static void test_feb_29_follows_the_century_rules(void **state)
{
	(void)state;
	assert_int_equal(iso_ok("2000-02-29"), 951782400); /* divisible by 400: leap */
	assert_int_equal(iso_rc("1900-02-29"), -1);      /* divisible by 100 only: not leap */
}

static void test_month_13_is_rejected(void **state)
{
	(void)state;
	assert_int_equal(iso_rc("2024-13-01"), -1);
	assert_int_equal(iso_rc("2024-00-10"), -1);
	assert_int_equal(parse_rc("%Y-%m-%d", "2024-13-01"), -1);
}

static void test_day_beyond_month_end_is_rejected(void **state)
{
	(void)state;
	assert_int_equal(iso_rc("2024-04-31"), -1);
	assert_int_equal(iso_rc("2024-01-32"), -1);
	assert_int_equal(iso_rc("2024-01-00"), -1);
}

static void test_impossible_time_of_day_is_rejected(void **state)
{
	(void)state;
	assert_int_equal(iso_rc("2024-01-01T25:00:00Z"), -1);
	assert_int_equal(iso_rc("2024-01-01T10:60:00Z"), -1);
	assert_int_equal(iso_rc("2024-01-01T10:00:61Z"), -1);
	assert_int_equal(parse_rc(CLF, "10/Mar/2024:13:61:36 +0000"), -1);
}

/* ---- epoch numbers ---- */

static void test_epoch_seconds_are_read(void **state)
{
	(void)state;
	int64_t e = 0;
	assert_int_equal(timefmt_parse_epoch("1431857103", 10, 0, &e), 0);
	assert_int_equal(e, 1431857103);
}

static void test_epoch_seconds_fraction_is_dropped(void **state)
{
	(void)state;
	int64_t e = 0;
	assert_int_equal(timefmt_parse_epoch("1431857103.75", 13, 0, &e), 0);
	assert_int_equal(e, 1431857103);
}

static void test_epoch_milliseconds_are_scaled_to_seconds(void **state)
{
	(void)state;
	int64_t e = 0;
	assert_int_equal(timefmt_parse_epoch("1431857103999", 13, 1, &e), 0);
	assert_int_equal(e, 1431857103);
}

static void test_times_outside_1970_to_9999_are_rejected(void **state)
{
	(void)state;
	int64_t e = 0;
	assert_int_equal(timefmt_parse_epoch("-86400", 6, 0, &e), -1);
	assert_int_equal(timefmt_parse_epoch("253402300799", 12, 0, &e), 0);
	assert_int_equal(e, 253402300799LL);
	assert_int_equal(timefmt_parse_epoch("253402300800", 12, 0, &e), -1);
	assert_int_equal(timefmt_parse_iso8601("1969-12-31T23:59:59Z", 20, &e), -1);
	assert_int_equal(timefmt_parse_iso8601("1970-01-01T00:00:00Z", 20, &e), 0);
	assert_int_equal(e, 0);
}

static void test_hour_24_is_only_the_end_of_a_day(void **state)
{
	(void)state;
	int64_t e = 0;
	assert_int_equal(timefmt_parse_iso8601("2025-10-10T24:00:00Z", 20, &e), 0);
	assert_int_equal(e, 1760140800); /* 2025-10-11T00:00:00Z, date -u -d 2025-10-11 +%s */
	assert_int_equal(timefmt_parse_iso8601("2025-10-10T24:59:60Z", 20, &e), -1);
	assert_int_equal(timefmt_parse_iso8601("2025-10-10T24:00:01Z", 20, &e), -1);
}

static void test_auto_refuses_a_bare_date_as_epoch_seconds(void **state)
{
	(void)state;
	int64_t e = 0;
	assert_int_equal(timefmt_parse_auto("20251010", 8, &e), -1);
	assert_int_equal(timefmt_parse_auto("1760090400", 10, &e), 0);
	assert_int_equal(e, 1760090400);
	assert_int_equal(timefmt_parse_auto("1760090400123", 13, &e), 0);
	assert_int_equal(e, 1760090400);
}

static void test_epoch_garbage_is_rejected(void **state)
{
	(void)state;
	int64_t e;
	assert_int_equal(timefmt_parse_epoch("", 0, 0, &e), -1);
	assert_int_equal(timefmt_parse_epoch("-", 1, 0, &e), -1);
	assert_int_equal(timefmt_parse_epoch("12a", 3, 0, &e), -1);
	assert_int_equal(timefmt_parse_epoch("1e9", 3, 0, &e), -1);
	assert_int_equal(timefmt_parse_epoch("12.", 3, 0, &e), -1);
}

static void test_epoch_only_reads_the_given_length(void **state)
{
	(void)state;
	int64_t e = 0;
	assert_int_equal(timefmt_parse_epoch("1431857103xyz", 10, 0, &e), 0);
	assert_int_equal(e, 1431857103);
}

/* ---- auto ---- */

static void test_auto_reads_epoch_seconds(void **state)
{
	(void)state;
	int64_t e = 0;
	assert_int_equal(timefmt_parse_auto("1431857103", 10, &e), 0);
	assert_int_equal(e, 1431857103);
}

static void test_auto_treats_large_numbers_as_milliseconds(void **state)
{
	(void)state;
	int64_t e = 0;
	assert_int_equal(timefmt_parse_auto("1431857103123", 13, &e), 0);
	assert_int_equal(e, 1431857103);
}

static void test_auto_reads_iso8601(void **state)
{
	(void)state;
	int64_t e = 0;
	const char *s = "2015-05-17T12:05:03+02:00";
	assert_int_equal(timefmt_parse_auto(s, strlen(s), &e), 0);
	assert_int_equal(e, 1431857103);
}

static void test_auto_rejects_garbage(void **state)
{
	(void)state;
	int64_t e;
	assert_int_equal(timefmt_parse_auto("yesterday", 9, &e), -1);
	assert_int_equal(timefmt_parse_auto("", 0, &e), -1);
	assert_int_equal(timefmt_parse_auto("12:00", 5, &e), -1);
}

/* ---- day and hour numbers ---- */

static void test_day_floors_positive_epochs(void **state)
{
	(void)state;
	assert_int_equal(timefmt_day(0), 0);
	assert_int_equal(timefmt_day(86399), 0);
	assert_int_equal(timefmt_day(86400), 1);
	assert_int_equal(timefmt_day(1710115199), 19792); /* 2024-03-10T23:59:59Z */
	assert_int_equal(timefmt_day(1710115200), 19793);
}

static void test_day_floors_negative_epochs(void **state)
{
	(void)state;
	assert_int_equal(timefmt_day(-1), -1);
	assert_int_equal(timefmt_day(-86400), -1);
	assert_int_equal(timefmt_day(-86401), -2);
}

static void test_hour_floors_negative_epochs(void **state)
{
	(void)state;
	assert_int_equal(timefmt_hour(3599), 0);
	assert_int_equal(timefmt_hour(3600), 1);
	assert_int_equal(timefmt_hour(-1), -1);
	assert_int_equal(timefmt_hour(-3600), -1);
	assert_int_equal(timefmt_hour(-3601), -2);
}

/* ---- civil dates ---- */

static void test_days_from_civil_known_dates(void **state)
{
	(void)state;
	assert_int_equal(timefmt_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(timefmt_days_from_civil(1970, 1, 2), 1);
	assert_int_equal(timefmt_days_from_civil(1969, 12, 31), -1);
	assert_int_equal(timefmt_days_from_civil(2000, 3, 1), 951868800 / 86400);
	assert_int_equal(timefmt_days_from_civil(2024, 3, 10), 1710028800 / 86400);
	assert_int_equal(timefmt_days_from_civil(1900, 3, 1), -2203891200LL / 86400);
}

static void test_civil_from_days_inverts_days_from_civil(void **state)
{
	(void)state;
	for (int64_t z = -1000000; z <= 1000000; z += 37) {
		int64_t y;
		unsigned m, d;
		timefmt_civil_from_days(z, &y, &m, &d);
		assert_in_range(m, 1, 12);
		assert_in_range(d, 1, 31);
		assert_int_equal(timefmt_days_from_civil(y, m, d), z);
	}
}

/* ---- formatting ---- */

static void test_format_iso_writes_utc_with_z(void **state)
{
	(void)state;
	char out[32];
	timefmt_format_iso(1431857103, out);
	assert_string_equal(out, "2015-05-17T10:05:03Z");
	timefmt_format_iso(0, out);
	assert_string_equal(out, "1970-01-01T00:00:00Z");
	timefmt_format_iso(2147483648LL, out);
	assert_string_equal(out, "2038-01-19T03:14:08Z");
}

static void test_format_iso_handles_negative_epochs(void **state)
{
	(void)state;
	char out[32];
	timefmt_format_iso(-1, out);
	assert_string_equal(out, "1969-12-31T23:59:59Z");
	timefmt_format_iso(-14182940, out);
	assert_string_equal(out, "1969-07-20T20:17:40Z");
}

static void test_format_iso_round_trips_through_parse(void **state)
{
	(void)state;
	char out[32];
	for (int64_t e = 0; e < 8000000000LL; e += 98765431) {
		int64_t back = INT64_MIN;
		timefmt_format_iso(e, out);
		assert_int_equal(timefmt_parse_iso8601(out, strlen(out), &back), 0);
		assert_int_equal(back, e);
	}
}

static void test_format_day_writes_the_date(void **state)
{
	(void)state;
	char out[16];
	timefmt_format_day(timefmt_day(1709208000), out);
	assert_string_equal(out, "2024-02-29");
	timefmt_format_day(-1, out);
	assert_string_equal(out, "1969-12-31");
	timefmt_format_day(0, out);
	assert_string_equal(out, "1970-01-01");
}

/* ---- durations (OpenAI's x-ratelimit-reset-*) ---- */

static int64_t duration_ok(const char *s)
{
	int64_t ms = INT64_MIN;
	if (timefmt_parse_duration_ms(s, strlen(s), &ms) != 0)
		fail_msg("timefmt_parse_duration_ms(\"%s\") rejected a valid duration", s);
	return ms;
}

static int duration_rc(const char *s)
{
	int64_t ms;
	return timefmt_parse_duration_ms(s, strlen(s), &ms);
}

static void test_duration_reads_minutes_and_seconds(void **state)
{
	(void)state;
	assert_int_equal(duration_ok("6m0s"), 360000);
	assert_int_equal(duration_ok("1s"), 1000);
	assert_int_equal(duration_ok("0s"), 0);
}

static void test_duration_reads_milliseconds(void **state)
{
	(void)state;
	assert_int_equal(duration_ok("20ms"), 20);
	assert_int_equal(duration_ok("1m20ms"), 60020); /* "ms" is not "m" and then "s" */
}

static void test_duration_reads_hours_and_a_fraction(void **state)
{
	(void)state;
	assert_int_equal(duration_ok("1h2m3.5s"), 3723500);
	assert_int_equal(duration_ok("59.727s"), 59727);
	assert_int_equal(duration_ok("1.5h"), 5400000);
	assert_int_equal(duration_ok("2d"), 172800000);
}

static void test_duration_rounds_a_part_of_a_millisecond_up(void **state)
{
	(void)state;
	assert_int_equal(duration_ok("300us"), 1);
	assert_int_equal(duration_ok("1\xc2\xb5s"), 1); /* micro sign */
	assert_int_equal(duration_ok("1\xce\xbcs"), 1); /* Greek mu */
	assert_int_equal(duration_ok("2000000ns"), 2);
	assert_int_equal(duration_ok("2000001ns"), 3);
	assert_int_equal(duration_ok("1.0001ms"), 2);
}

static void test_duration_rejects_numbers_without_units_and_garbage(void **state)
{
	(void)state;
	assert_int_equal(duration_rc(""), -1);
	assert_int_equal(duration_rc("30"), -1);
	assert_int_equal(duration_rc("6m0"), -1);
	assert_int_equal(duration_rc("-1s"), -1);
	assert_int_equal(duration_rc("+1s"), -1);
	assert_int_equal(duration_rc("s"), -1);
	assert_int_equal(duration_rc(".s"), -1);
	assert_int_equal(duration_rc("1 s"), -1);
	assert_int_equal(duration_rc("1x"), -1);
	assert_int_equal(duration_rc("1sec"), -1);
}

static void test_duration_refuses_31_years_or_more(void **state)
{
	(void)state;
	assert_int_equal(duration_ok("999999999s"), 999999999000LL);
	assert_int_equal(duration_rc("1000000000s"), -1);
	assert_int_equal(duration_rc("999999999s1s"), -1);
	assert_int_equal(duration_rc("99999999999999999999h"), -1);
	assert_int_equal(duration_rc("9223372036854775807ns9223372036854775807ns"), -1);
}

static void test_duration_reads_only_the_given_length(void **state)
{
	(void)state;
	int64_t ms;
	assert_int_equal(timefmt_parse_duration_ms("6m0sXX", 4, &ms), 0);
	assert_int_equal(ms, 360000);
}

/* ---- rate-limit resets in every form ---- */

static int64_t reset_ok(const char *s, bool want_delay)
{
	int64_t v = INT64_MIN;
	bool is_delay = !want_delay;
	if (timefmt_parse_reset(s, strlen(s), &v, &is_delay) != 0)
		fail_msg("timefmt_parse_reset(\"%s\") rejected a valid reset", s);
	if (is_delay != want_delay)
		fail_msg("timefmt_parse_reset(\"%s\"): %s, expected %s", s, is_delay ? "a delay" : "a time",
			 want_delay ? "a delay" : "a time");
	return v;
}

static int reset_rc(const char *s)
{
	int64_t v;
	bool is_delay;
	return timefmt_parse_reset(s, strlen(s), &v, &is_delay);
}

static void test_reset_epoch_seconds_are_a_time(void **state)
{
	(void)state;
	assert_int_equal(reset_ok("1760090460", false), 1760090460); /* GitHub's x-ratelimit-reset */
	assert_int_equal(reset_ok("1760090460.75", false), 1760090460);
	assert_int_equal(reset_ok("1000000000", false), 1000000000); /* the first epoch, 2001-09-09 */
}

static void test_reset_epoch_milliseconds_are_scaled(void **state)
{
	(void)state;
	assert_int_equal(reset_ok("1760090460123", false), 1760090460);
}

static void test_reset_number_below_1e9_is_delay_seconds(void **state)
{
	(void)state;
	assert_int_equal(reset_ok("30", true), 30000); /* retry-after */
	assert_int_equal(reset_ok("0", true), 0);
	assert_int_equal(reset_ok("1.5", true), 1500);
	assert_int_equal(reset_ok("0.0001", true), 1); /* rounded up */
	assert_int_equal(reset_ok("999999999", true), 999999999000LL);
}

static void test_reset_duration_is_a_delay(void **state)
{
	(void)state;
	assert_int_equal(reset_ok("6m0s", true), 360000);
	assert_int_equal(reset_ok("1s", true), 1000);
	assert_int_equal(reset_ok("20ms", true), 20);
	assert_int_equal(reset_ok("1h2m3.5s", true), 3723500);
}

static void test_reset_rfc3339_is_a_time(void **state)
{
	(void)state;
	/* `date -u -d 2025-10-10T10:01:00Z +%s` */
	assert_int_equal(reset_ok("2025-10-10T10:01:00Z", false), 1760090460);
	assert_int_equal(reset_ok("2025-10-10T10:01:00.5+02:00", false), 1760083260);
}

static void test_reset_http_date_is_a_time(void **state)
{
	(void)state;
	/* `date -u -d "Wed, 21 Oct 2015 07:28:00 GMT" +%s` */
	assert_int_equal(reset_ok("Wed, 21 Oct 2015 07:28:00 GMT", false), 1445412480);
}

static void test_reset_rejects_garbage_and_signs(void **state)
{
	(void)state;
	assert_int_equal(reset_rc(""), -1);
	assert_int_equal(reset_rc("-30"), -1);
	assert_int_equal(reset_rc("soon"), -1);
	assert_int_equal(reset_rc("6 minutes"), -1);
	assert_int_equal(reset_rc("2025-13-01T00:00:00Z"), -1);
	assert_int_equal(reset_rc("Wed, 21 Oct 2015 07:28:00 PST"), -1);
	assert_int_equal(reset_rc("99999999999999999"), -1); /* epoch ms beyond 9999 */
	assert_int_equal(reset_rc("1234567890123456789012"), -1);
}

static void test_percent_a_reads_a_day_name(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("%a %d %b %Y %T %z", "Sun 10 Mar 2024 13:55:36 +0000"), 1710078936);
	assert_int_equal(parse_rc("%a %d %b %Y %T %z", "10 Mar 2024 13:55:36 +0000"), -1);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clf_utc_offset_is_taken_as_is),
		cmocka_unit_test(test_clf_negative_offset_is_added_to_reach_utc),
		cmocka_unit_test(test_clf_half_hour_offset_is_subtracted_to_reach_utc),
		cmocka_unit_test(test_clf_offset_moves_time_to_previous_utc_day),
		cmocka_unit_test(test_clf_month_name_is_case_insensitive),
		cmocka_unit_test(test_clf_known_apache_example),
		cmocka_unit_test(test_clf_unknown_month_name_is_rejected),
		cmocka_unit_test(test_clf_missing_offset_is_rejected),
		cmocka_unit_test(test_clf_trailing_junk_is_rejected),
		cmocka_unit_test(test_clf_impossible_offset_is_rejected),
		cmocka_unit_test(test_two_digit_year_below_69_is_this_century),
		cmocka_unit_test(test_two_digit_year_70_and_above_is_last_century),
		cmocka_unit_test(test_t_directive_reads_hours_minutes_seconds),
		cmocka_unit_test(test_space_in_format_matches_any_run_of_spaces),
		cmocka_unit_test(test_e_directive_accepts_space_padded_day),
		cmocka_unit_test(test_fraction_directive_is_read_and_dropped),
		cmocka_unit_test(test_percent_s_reads_epoch_seconds),
		cmocka_unit_test(test_literal_percent_must_match),
		cmocka_unit_test(test_literal_characters_must_match),
		cmocka_unit_test(test_unknown_directive_is_rejected),
		cmocka_unit_test(test_iso_with_z_is_utc),
		cmocka_unit_test(test_iso_with_colon_offset_is_converted_to_utc),
		cmocka_unit_test(test_iso_with_compact_offset_is_converted_to_utc),
		cmocka_unit_test(test_iso_fractional_seconds_are_dropped),
		cmocka_unit_test(test_iso_date_only_is_midnight_utc),
		cmocka_unit_test(test_iso_space_separator_is_accepted),
		cmocka_unit_test(test_iso_without_zone_is_utc),
		cmocka_unit_test(test_iso_without_seconds_is_accepted),
		cmocka_unit_test(test_iso_leap_second_is_the_next_second),
		cmocka_unit_test(test_iso_trailing_junk_is_rejected),
		cmocka_unit_test(test_iso_garbage_is_rejected),
		cmocka_unit_test(test_feb_29_of_a_leap_year_is_accepted),
		cmocka_unit_test(test_feb_29_of_a_common_year_is_rejected),
		cmocka_unit_test(test_feb_29_follows_the_century_rules),
		cmocka_unit_test(test_month_13_is_rejected),
		cmocka_unit_test(test_day_beyond_month_end_is_rejected),
		cmocka_unit_test(test_impossible_time_of_day_is_rejected),
		cmocka_unit_test(test_epoch_seconds_are_read),
		cmocka_unit_test(test_epoch_seconds_fraction_is_dropped),
		cmocka_unit_test(test_epoch_milliseconds_are_scaled_to_seconds),
		cmocka_unit_test(test_times_outside_1970_to_9999_are_rejected),
		cmocka_unit_test(test_hour_24_is_only_the_end_of_a_day),
		cmocka_unit_test(test_auto_refuses_a_bare_date_as_epoch_seconds),
		cmocka_unit_test(test_epoch_garbage_is_rejected),
		cmocka_unit_test(test_epoch_only_reads_the_given_length),
		cmocka_unit_test(test_auto_reads_epoch_seconds),
		cmocka_unit_test(test_auto_treats_large_numbers_as_milliseconds),
		cmocka_unit_test(test_auto_reads_iso8601),
		cmocka_unit_test(test_auto_rejects_garbage),
		cmocka_unit_test(test_day_floors_positive_epochs),
		cmocka_unit_test(test_day_floors_negative_epochs),
		cmocka_unit_test(test_hour_floors_negative_epochs),
		cmocka_unit_test(test_days_from_civil_known_dates),
		cmocka_unit_test(test_civil_from_days_inverts_days_from_civil),
		cmocka_unit_test(test_format_iso_writes_utc_with_z),
		cmocka_unit_test(test_format_iso_handles_negative_epochs),
		cmocka_unit_test(test_format_iso_round_trips_through_parse),
		cmocka_unit_test(test_format_day_writes_the_date),
		cmocka_unit_test(test_duration_reads_minutes_and_seconds),
		cmocka_unit_test(test_duration_reads_milliseconds),
		cmocka_unit_test(test_duration_reads_hours_and_a_fraction),
		cmocka_unit_test(test_duration_rounds_a_part_of_a_millisecond_up),
		cmocka_unit_test(test_duration_rejects_numbers_without_units_and_garbage),
		cmocka_unit_test(test_duration_refuses_31_years_or_more),
		cmocka_unit_test(test_duration_reads_only_the_given_length),
		cmocka_unit_test(test_reset_epoch_seconds_are_a_time),
		cmocka_unit_test(test_reset_epoch_milliseconds_are_scaled),
		cmocka_unit_test(test_reset_number_below_1e9_is_delay_seconds),
		cmocka_unit_test(test_reset_duration_is_a_delay),
		cmocka_unit_test(test_reset_rfc3339_is_a_time),
		cmocka_unit_test(test_reset_http_date_is_a_time),
		cmocka_unit_test(test_reset_rejects_garbage_and_signs),
		cmocka_unit_test(test_percent_a_reads_a_day_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
