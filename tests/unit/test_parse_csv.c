/*
 * Unit tests of parse_csv.c: headers, delimiters, quoted fields across lines, skipped rows
 * and the built-in CSV formats. Expected numbers are worked out by hand from the rows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "format.h"
#include "testlib.h"

/* A format read line by line as ingest does: reset at the start of the file. */
struct reader {
	struct format *f;
	struct event ev;
	char reason[256];
};

static struct reader start(const char *name)
{
	struct reader r = { format_find(&testlib_formats, name), { 0 }, "" };
	if (!r.f)
		fail_msg("no built-in format %s", name);
	struct buf err = BUF_INIT;
	if (format_compile(r.f, &err) < 0)
		fail_msg("%s", buf_str(&err));
	buf_free(&err);
	r.f->ops->reset(r.f);
	return r;
}

static int feed(struct reader *r, const char *line)
{
	struct buf reason = BUF_INIT;
	event_clear(&r->ev);
	int rc = format_parse(r->f, line, strlen(line), &r->ev, &reason);
	if (rc == 0)
		event_finish(&r->ev);
	snprintf(r->reason, sizeof(r->reason), "%s", buf_str(&reason));
	buf_free(&reason);
	return rc;
}

static int64_t num(const struct reader *r, enum event_num i)
{
	if (!event_has(&r->ev, i))
		fail_msg("number %d is NULL", (int)i);
	return r->ev.num[i];
}

static void assert_text(const struct reader *r, enum event_text i, const char *want)
{
	const struct slice *s = &r->ev.text[i];
	assert_non_null(s->p);
	assert_int_equal(s->n, strlen(want));
	assert_memory_equal(s->p, want, s->n);
}

/* The OpenAI usage export (openai-usage-export-guardian/model_usage.derived.tsv), shortened. */
static const char GUARDIAN_HEADER[] =
	"start_time\tend_time\tstart_time_iso\tend_time_iso\tproject_id\tnum_model_requests\tuser_id\t"
	"api_key_id\tmodel\tbatch\tservice_tier\tinput_tokens\toutput_tokens\tinput_cached_tokens\t"
	"input_uncached_tokens";
static const char GUARDIAN_ROW[] =
	"1759622400\t1759708800\t2025-10-05T00:00:00+00:00\t2025-10-06T00:00:00+00:00\tproj_1\t10.0\t"
	"user-1\tkey_1\tgpt-4o-2024-08-06\tFALSE\tdefault\t59200.0\t10646.0\t5760.0\t53440.0";

static void test_header_line_is_skipped(void **state)
{
	(void)state;
	struct reader r = start("usage_csv");
	assert_int_equal(feed(&r, GUARDIAN_HEADER), 1);
}

static void test_usage_export_row_splits_cached_input(void **state)
{
	(void)state;
	struct reader r = start("usage_csv");
	feed(&r, GUARDIAN_HEADER);
	assert_int_equal(feed(&r, GUARDIAN_ROW), 0);
	assert_int_equal(r.ev.epoch, 1759622400);
	assert_int_equal(num(&r, EV_INPUT_TOKENS), 53440); /* 59200 - 5760 */
	assert_int_equal(num(&r, EV_CACHE_READ_TOKENS), 5760);
	assert_int_equal(num(&r, EV_OUTPUT_TOKENS), 10646);
	assert_int_equal(num(&r, EV_TOTAL_TOKENS), 53440 + 5760 + 10646);
	assert_text(&r, EV_MODEL, "gpt-4o-2024-08-06");
	assert_text(&r, EV_PROJECT, "proj_1");
	assert_text(&r, EV_USER, "user-1");
}

static void test_row_with_no_model_and_no_tokens_is_skipped(void **state)
{
	(void)state;
	struct reader r = start("usage_csv");
	feed(&r, GUARDIAN_HEADER);
	assert_int_equal(feed(&r, "1759881600\t1759968000\t2025-10-08T00:00:00+00:00\t2025-10-09T00:00:00+00:00"
				  "\t\t\t\t\t\t\t\t\t\t\t"), 1);
}

static void test_reset_forgets_the_header(void **state)
{
	(void)state;
	struct reader r = start("usage_csv");
	feed(&r, GUARDIAN_HEADER);
	r.f->ops->reset(r.f);
	/* the next file's first line is its header, even if it looks like a row */
	assert_int_equal(feed(&r, "timestamp,model,total_tokens"), 1);
	assert_int_equal(feed(&r, "2025-10-01T00:00:00Z,gpt-4o,42"), 0);
	assert_int_equal(num(&r, EV_TOTAL_TOKENS), 42);
	assert_false(event_has(&r.ev, EV_INPUT_TOKENS));
}

static void test_header_names_match_without_case_or_spaces(void **state)
{
	(void)state;
	struct reader r = start("usage_csv");
	assert_int_equal(feed(&r, "\xef\xbb\xbf Timestamp , MODEL,Output_Tokens"), 1);
	assert_int_equal(feed(&r, "1759276800,m,7"), 0);
	assert_int_equal(num(&r, EV_OUTPUT_TOKENS), 7);
	assert_text(&r, EV_MODEL, "m");
}

static void test_semicolon_delimiter_is_found_from_the_header(void **state)
{
	(void)state;
	struct reader r = start("usage_csv");
	feed(&r, "timestamp;model;prompt_tokens;completion_tokens");
	assert_int_equal(feed(&r, "1759276800;m;100;5"), 0);
	assert_int_equal(num(&r, EV_INPUT_TOKENS), 100);
	assert_int_equal(num(&r, EV_OUTPUT_TOKENS), 5);
}

static void test_quoted_field_with_a_line_break_spans_two_lines(void **state)
{
	(void)state;
	struct reader r = start("usage_csv");
	feed(&r, "timestamp,model,total_tokens,error");
	assert_int_equal(feed(&r, "1759276800,m,10,\"first line"), FORMAT_CONTINUES); /* not a record yet */
	assert_int_equal(feed(&r, "second \"\"line\"\"\""), 0);
	assert_text(&r, EV_ERROR, "first line\nsecond \"line\"");
	assert_int_equal(num(&r, EV_TOTAL_TOKENS), 10);
	assert_int_equal(feed(&r, "1759276801,m,11,"), 0); /* and the next record is whole again */
	assert_int_equal(num(&r, EV_TOTAL_TOKENS), 11);
}

/* ---- quotes that do not close: never a silent loss of the rows after them ---- */

#define Q_HEADER "timestamp,model,input_tokens,output_tokens"

static void test_text_after_a_closing_quote_rejects_that_line_only(void **state)
{
	(void)state;
	struct reader r = start("usage_csv");
	feed(&r, Q_HEADER);
	/* libcsv, not strict, would keep the field open after "gpt"4o and swallow the rows; the 4 is byte 26 */
	assert_int_equal(feed(&r, "2025-10-11 10:00:02,\"gpt\"4o,3,3"), -1);
	if (!strstr(r.reason, "broken quote at byte 26"))
		fail_msg("reason: %s", r.reason);
	assert_int_equal(feed(&r, "2025-10-11 10:00:03,gpt-4o,4,4"), 0);
	assert_int_equal(num(&r, EV_INPUT_TOKENS), 4);
}

static void test_quote_inside_an_unquoted_field_is_text(void **state)
{
	(void)state;
	struct reader r = start("usage_csv");
	feed(&r, Q_HEADER);
	assert_int_equal(feed(&r, "2025-10-11 10:00:01,ab\"c,2,2"), 0);
	assert_text(&r, EV_MODEL, "ab\"c");
	assert_int_equal(feed(&r, "2025-10-11 10:00:03,gpt-4o,4,4"), 0);
	assert_int_equal(num(&r, EV_INPUT_TOKENS), 4);
}

static void test_unbalanced_opening_quote_ends_at_the_next_whole_record(void **state)
{
	(void)state;
	struct reader r = start("usage_csv");
	feed(&r, Q_HEADER);
	assert_int_equal(feed(&r, "2025-10-11 10:00:00,\"gpt-4o,1,1"), FORMAT_CONTINUES);
	const char next[] = "2025-10-11 10:00:01,gpt-4o,2,1";
	assert_int_equal(feed(&r, next), FORMAT_RECORD_BROKEN);
	if (!strstr(r.reason, "still open 1 line later, where a line is a whole record by itself"))
		fail_msg("reason: %s", r.reason);
	assert_int_equal(feed(&r, next), 0); /* ingest reads the line again, afresh */
	assert_int_equal(num(&r, EV_INPUT_TOKENS), 2);
	for (int i = 0; i < 1000; i++) { /* and every row after it */
		char line[64];
		snprintf(line, sizeof(line), "2025-10-11 10:00:02,gpt-4o,%d,1", i);
		assert_int_equal(feed(&r, line), 0);
		assert_int_equal(num(&r, EV_INPUT_TOKENS), i);
	}
}

static void test_open_quote_over_free_text_ends_at_the_line_bound(void **state)
{
	(void)state;
	struct reader r = start("usage_csv");
	feed(&r, "timestamp,model,input_tokens,error");
	assert_int_equal(feed(&r, "2025-10-11 10:00:00,gpt-4o,1,\"trace:"), FORMAT_CONTINUES);
	for (int i = 1; i < 1000; i++) /* lines 2..1000 of the record: no whole record among them */
		assert_int_equal(feed(&r, "  at frame"), FORMAT_CONTINUES);
	assert_int_equal(feed(&r, "  at frame"), FORMAT_RECORD_BROKEN);
	if (!strstr(r.reason, "still open after 1000 lines"))
		fail_msg("reason: %s", r.reason);
}

static void test_quoted_field_over_three_lines_with_commas_is_one_record(void **state)
{
	(void)state;
	struct reader r = start("usage_csv");
	feed(&r, "timestamp,model,input_tokens,error");
	assert_int_equal(feed(&r, "2025-10-11 10:00:00,gpt-4o,7,\"upstream said:"), FORMAT_CONTINUES);
	assert_int_equal(feed(&r, "rate limited, retry in 2s, \"\"soon\"\""), FORMAT_CONTINUES); /* 3 commas, a quote */
	assert_int_equal(feed(&r, "bye\""), 0);
	assert_text(&r, EV_ERROR, "upstream said:\nrate limited, retry in 2s, \"soon\"\nbye");
	assert_int_equal(num(&r, EV_INPUT_TOKENS), 7);
}

static void test_row_without_time_is_rejected(void **state)
{
	(void)state;
	struct reader r = start("usage_csv");
	feed(&r, "timestamp,model,total_tokens");
	assert_int_equal(feed(&r, ",m,10"), -1);
	assert_string_equal(r.reason, "no time");
}

static void test_blank_line_is_skipped(void **state)
{
	(void)state;
	struct reader r = start("usage_csv");
	feed(&r, "timestamp,model,total_tokens");
	assert_int_equal(feed(&r, ""), 1);
	assert_int_equal(feed(&r, "1759276800,m,3"), 0);
}

static void test_litellm_export_failure_status_marks_the_call_failed(void **state)
{
	(void)state;
	struct reader r = start("litellm_csv");
	assert_int_equal(feed(&r, "request_id,call_type,api_key,spend,total_tokens,prompt_tokens,completion_tokens,"
				  "startTime,endTime,model,user,team_id,status"), 1);
	assert_int_equal(feed(&r, "chatcmpl-1,acompletion,88dc28d0f030c55e,0.0001,30,20,10,"
				  "2025-10-01 08:00:00.123,2025-10-01 08:00:01,gpt-4o,dave,t1,failure"), 0);
	assert_int_equal(r.ev.failed, 1);
	assert_int_equal(r.ev.epoch, 1759305600);
	assert_int_equal(num(&r, EV_INPUT_TOKENS), 20);
	assert_int_equal(num(&r, EV_OUTPUT_TOKENS), 10);
	assert_text(&r, EV_REQUEST_ID, "chatcmpl-1");
	assert_text(&r, EV_OPERATION, "acompletion");
	assert_text(&r, EV_PROJECT, "t1");
}

static void test_status_column_reads_as_a_json_status_does(void **state)
{
	(void)state;
	struct reader r = start("usage_csv");
	assert_int_equal(feed(&r, "timestamp,model,input_tokens,status"), 1);
	assert_int_equal(feed(&r, "2025-10-01 08:00:00,gpt-4o,1,429"), 0);
	assert_int_equal(num(&r, EV_STATUS), 429);
	assert_int_equal(feed(&r, "2025-10-01 08:00:00,gpt-4o,1,failure"), 0);
	assert_false(event_has(&r.ev, EV_STATUS));
	assert_int_equal(r.ev.failed, 1);
	/* a status word nobody maps to success or failure: the event stays, status NULL */
	assert_int_equal(feed(&r, "2025-10-01 08:00:00,gpt-4o,1,queued"), 0);
	assert_false(event_has(&r.ev, EV_STATUS));
	assert_int_equal(r.ev.failed, -1);
	assert_int_equal(feed(&r, "2025-10-01 08:00:00,gpt-4o,1,200.5"), -1);
	assert_string_equal(r.reason, "bad number for status");
}

static void test_detect_needs_the_header_columns(void **state)
{
	(void)state;
	const char *usage[] = { "start_time,model,input_tokens", "1759276800,m,1" };
	const char *costs[] = { "start_time,amount_value,line_item", "1759276800,0.5,x" };
	const char *litellm[] = { "request_id,startTime,spend,model,prompt_tokens", "r,2025-10-01,0.1,m,1" };
	struct slice a[2], b[2], c[2];
	size_t matched;
	for (int i = 0; i < 2; i++) {
		a[i] = (struct slice){ usage[i], strlen(usage[i]) };
		b[i] = (struct slice){ costs[i], strlen(costs[i]) };
		c[i] = (struct slice){ litellm[i], strlen(litellm[i]) };
	}
	assert_string_equal(format_detect(&testlib_formats, a, 2, &matched)->name, "usage_csv");
	assert_int_equal(matched, 2);
	assert_null(format_detect(&testlib_formats, b, 2, &matched)); /* costs, no token column */
	assert_string_equal(format_detect(&testlib_formats, c, 2, &matched)->name, "litellm_csv");
}

/* A user definition with a tab delimiter and require_any, loaded as from --parsers DIR. */
static void test_user_definition_with_tab_delimiter(void **state)
{
	(void)state;
	struct format_set set;
	struct buf err = BUF_INIT, reason = BUF_INIT;
	struct event ev;
	assert_int_equal(testlib_load_definition(
		"{\"name\":\"t\",\"kind\":\"csv\",\"delimiter\":\"\\t\",\"time_format\":\"epoch\","
		"\"columns\":{\"time\":\"when\",\"total_tokens\":[\"n\",\"count\"],\"user\":\"who\"},"
		"\"require_any\":[\"total_tokens\"],\"defaults\":{\"provider\":\"acme\"}}", &set, &err), 0);
	struct format *f = format_find(&set, "t");
	f->ops->reset(f);
	event_clear(&ev);
	assert_int_equal(format_parse(f, "when\tcount\twho", 14, &ev, &reason), 1);
	assert_int_equal(format_parse(f, "100\t\tann", 8, &ev, &reason), 1); /* no total: skipped */
	assert_int_equal(format_parse(f, "100\t5,5\tann", 11, &ev, &reason), -1); /* a comma is data */
	event_clear(&ev);
	assert_int_equal(format_parse(f, "100\t55\tann", 10, &ev, &reason), 0);
	assert_int_equal(ev.num[EV_TOTAL_TOKENS], 55);
	assert_memory_equal(ev.text[EV_PROVIDER].p, "acme", 4);
	format_set_free(&set);
	buf_free(&err);
	buf_free(&reason);
}

static void test_definition_with_a_long_delimiter_is_refused(void **state)
{
	(void)state;
	struct format_set set;
	struct buf err = BUF_INIT;
	assert_int_equal(testlib_load_definition(
		"{\"name\":\"t\",\"kind\":\"csv\",\"delimiter\":\"||\",\"columns\":{\"time\":\"when\"}}", &set, &err), -1);
	assert_non_null(strstr(buf_str(&err), "delimiter"));
	buf_free(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_line_is_skipped),
		cmocka_unit_test(test_usage_export_row_splits_cached_input),
		cmocka_unit_test(test_row_with_no_model_and_no_tokens_is_skipped),
		cmocka_unit_test(test_reset_forgets_the_header),
		cmocka_unit_test(test_header_names_match_without_case_or_spaces),
		cmocka_unit_test(test_semicolon_delimiter_is_found_from_the_header),
		cmocka_unit_test(test_quoted_field_with_a_line_break_spans_two_lines),
		cmocka_unit_test(test_text_after_a_closing_quote_rejects_that_line_only),
		cmocka_unit_test(test_quote_inside_an_unquoted_field_is_text),
		cmocka_unit_test(test_unbalanced_opening_quote_ends_at_the_next_whole_record),
		cmocka_unit_test(test_open_quote_over_free_text_ends_at_the_line_bound),
		cmocka_unit_test(test_quoted_field_over_three_lines_with_commas_is_one_record),
		cmocka_unit_test(test_row_without_time_is_rejected),
		cmocka_unit_test(test_blank_line_is_skipped),
		cmocka_unit_test(test_litellm_export_failure_status_marks_the_call_failed),
		cmocka_unit_test(test_status_column_reads_as_a_json_status_does),
		cmocka_unit_test(test_detect_needs_the_header_columns),
		cmocka_unit_test(test_user_definition_with_tab_delimiter),
		cmocka_unit_test(test_definition_with_a_long_delimiter_is_refused),
	};
	return cmocka_run_group_tests(tests, testlib_formats_setup, testlib_formats_teardown);
}
