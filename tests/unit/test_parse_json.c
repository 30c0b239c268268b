/*
 * Unit tests of parse_json.c: the built-in JSON shapes (token normalization included),
 * detection, filters, de-dup keys and the definition language. Expected numbers are
 * worked out by hand from the lines below (see the comment at each assertion).
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

struct parsed {
	int rc;
	struct event ev;
	char reason[256];
};

/* Parse LINE with built-in format NAME and finish the event as ingest does. */
static struct parsed parse(const char *name, const char *line)
{
	struct parsed r;
	struct buf reason = BUF_INIT;
	struct format *f = format_find(&testlib_formats, name);
	if (!f)
		fail_msg("no built-in format %s", name);
	event_clear(&r.ev);
	r.rc = format_parse(f, line, strlen(line), &r.ev, &reason);
	if (r.rc == 0)
		event_finish(&r.ev);
	snprintf(r.reason, sizeof(r.reason), "%s", buf_str(&reason));
	buf_free(&reason);
	return r;
}

static struct parsed parse_ok(const char *name, const char *line)
{
	struct parsed r = parse(name, line);
	if (r.rc != 0)
		fail_msg("%s rejected or skipped (%d: %s): %s", name, r.rc, r.reason, line);
	return r;
}

static int64_t num(const struct parsed *r, enum event_num i)
{
	if (!event_has(&r->ev, i))
		fail_msg("number %d is NULL", (int)i);
	return r->ev.num[i];
}

static void assert_text(const struct parsed *r, enum event_text i, const char *want)
{
	const struct slice *s = &r->ev.text[i];
	if (!want) {
		assert_null(s->p);
		return;
	}
	assert_non_null(s->p);
	assert_int_equal(s->n, strlen(want));
	assert_memory_equal(s->p, want, s->n);
}

/* Load one user definition TEXT (as if from --parsers DIR); returns 0 or -1 with ERR. */
static int load_user(const char *text, struct format_set *set, struct buf *err)
{
	return testlib_load_definition(text, set, err);
}

/* ---- Claude Code ---- */

static const char CC_ASSISTANT[] =
	"{\"parentUuid\":\"a\",\"cwd\":\"/home/u/proj\",\"sessionId\":\"s-1\",\"type\":\"assistant\","
	"\"message\":{\"model\":\"claude-opus-4-6\",\"id\":\"msg_01\",\"type\":\"message\",\"role\":\"assistant\","
	"\"usage\":{\"input_tokens\":3,\"cache_creation_input_tokens\":13835,\"cache_read_input_tokens\":11515,"
	"\"output_tokens\":13,\"service_tier\":\"standard\"}},\"requestId\":\"req_01\",\"uuid\":\"u-2\","
	"\"timestamp\":\"2026-02-10T21:11:59.186Z\"}";

static void test_claude_code_assistant_line_maps_the_four_kinds(void **state)
{
	(void)state;
	struct parsed r = parse_ok("claude_code", CC_ASSISTANT);
	assert_int_equal(num(&r, EV_INPUT_TOKENS), 3);
	assert_int_equal(num(&r, EV_CACHE_WRITE_TOKENS), 13835);
	assert_int_equal(num(&r, EV_CACHE_READ_TOKENS), 11515);
	assert_int_equal(num(&r, EV_OUTPUT_TOKENS), 13);
	assert_int_equal(num(&r, EV_TOTAL_TOKENS), 3 + 13835 + 11515 + 13);
	assert_int_equal(r.ev.epoch, 1770757919); /* date -u -d 2026-02-10T21:11:59Z +%s */
	assert_text(&r, EV_MODEL, "claude-opus-4-6");
	assert_text(&r, EV_SESSION, "s-1");
	assert_text(&r, EV_PROJECT, "/home/u/proj");
	assert_text(&r, EV_PROVIDER, "anthropic");
}

static void test_claude_code_user_line_is_skipped(void **state)
{
	(void)state;
	struct parsed r = parse("claude_code", "{\"type\":\"user\",\"sessionId\":\"s-1\",\"uuid\":\"u-1\","
					       "\"message\":{\"role\":\"user\",\"content\":\"hi\"},\"timestamp\":\"2026-02-10T21:11:56Z\"}");
	assert_int_equal(r.rc, 1);
}

static void test_claude_code_dedup_key_is_message_id_and_request_id(void **state)
{
	(void)state;
	struct parsed r = parse_ok("claude_code", CC_ASSISTANT);
	assert_non_null(r.ev.dedup.p);
	assert_int_equal(r.ev.dedup.n, strlen("msg_01\x1freq_01"));
	assert_memory_equal(r.ev.dedup.p, "msg_01\x1freq_01", r.ev.dedup.n);
}

static void test_claude_code_line_without_request_id_has_no_dedup_key(void **state)
{
	(void)state;
	struct parsed r = parse_ok("claude_code", "{\"type\":\"assistant\",\"sessionId\":\"s\",\"timestamp\":\"2026-02-10T21:11:59Z\","
						  "\"message\":{\"id\":\"msg_01\",\"model\":\"m\",\"usage\":{\"input_tokens\":1,\"output_tokens\":2}}}");
	assert_null(r.ev.dedup.p);
}

static void test_detect_takes_claude_code_whose_first_lines_are_not_assistant(void **state)
{
	(void)state;
	const char *l[] = {
		"{\"type\":\"file-history-snapshot\",\"messageId\":\"m\",\"snapshot\":{\"messageId\":\"m\"},\"isSnapshotUpdate\":false}",
		"{\"type\":\"progress\",\"sessionId\":\"s\",\"uuid\":\"u1\",\"timestamp\":\"2026-02-10T21:11:52Z\",\"data\":{}}",
		"{\"type\":\"user\",\"sessionId\":\"s\",\"uuid\":\"u2\",\"timestamp\":\"2026-02-10T21:11:56Z\",\"message\":{}}",
	};
	struct slice lines[3];
	size_t matched;
	for (int i = 0; i < 3; i++)
		lines[i] = (struct slice){ l[i], strlen(l[i]) };
	struct format *f = format_detect(&testlib_formats, lines, 3, &matched);
	assert_non_null(f);
	assert_string_equal(f->name, "claude_code");
	assert_int_equal(matched, 3);
}

/* ---- OpenAI ---- */

static const char OAI_CHAT[] =
	"{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1748902365,\"model\":\"gpt-4o\","
	"\"choices\":[],\"usage\":{\"prompt_tokens\":1000,\"completion_tokens\":50,\"total_tokens\":1050,"
	"\"prompt_tokens_details\":{\"cached_tokens\":800},\"completion_tokens_details\":{\"reasoning_tokens\":20}}}";

static void test_openai_chat_input_is_prompt_minus_cached(void **state)
{
	(void)state;
	struct parsed r = parse_ok("openai", OAI_CHAT);
	assert_int_equal(num(&r, EV_INPUT_TOKENS), 200);     /* 1000 prompt - 800 cached */
	assert_int_equal(num(&r, EV_CACHE_READ_TOKENS), 800);
	assert_int_equal(num(&r, EV_OUTPUT_TOKENS), 50);     /* reasoning is inside completion_tokens */
	assert_int_equal(num(&r, EV_TOTAL_TOKENS), 1050);
	assert_false(event_has(&r.ev, EV_CACHE_WRITE_TOKENS));
	assert_int_equal(r.ev.epoch, 1748902365);
	assert_text(&r, EV_PROVIDER, "openai");
	assert_text(&r, EV_REQUEST_ID, "chatcmpl-1");
}

static void test_openai_responses_input_tokens_include_cached(void **state)
{
	(void)state;
	struct parsed r = parse_ok("openai", "{\"id\":\"resp_1\",\"object\":\"response\",\"created_at\":1763595668,"
					     "\"status\":\"completed\",\"model\":\"gpt-5\",\"user\":null,\"error\":null,"
					     "\"usage\":{\"input_tokens\":329,\"input_tokens_details\":{\"cached_tokens\":129},"
					     "\"output_tokens\":12,\"output_tokens_details\":{\"reasoning_tokens\":8},\"total_tokens\":341}}");
	assert_int_equal(num(&r, EV_INPUT_TOKENS), 200); /* 329 - 129 */
	assert_int_equal(num(&r, EV_CACHE_READ_TOKENS), 129);
	assert_int_equal(num(&r, EV_OUTPUT_TOKENS), 12);
	assert_int_equal(num(&r, EV_TOTAL_TOKENS), 341);
	assert_int_equal(r.ev.epoch, 1763595668);
	assert_int_equal(r.ev.failed, 0); /* status "completed" */
	assert_null(r.ev.text[EV_ERROR].p);
}

static void test_openai_responses_without_usage_is_skipped(void **state)
{
	(void)state;
	struct parsed r = parse("openai", "{\"id\":\"resp_1\",\"object\":\"response\",\"created_at\":1763595668,"
					  "\"status\":\"queued\",\"usage\":null}");
	assert_int_equal(r.rc, 1);
}

static void test_openai_in_envelope_takes_the_envelope_fields(void **state)
{
	(void)state;
	struct parsed r = parse_ok("openai", "{\"timestamp\":\"2025-10-01T12:00:00+02:00\",\"user_id\":\"alice\","
					     "\"endpoint\":\"/v1/chat/completions?x=1\",\"status_code\":200,\"duration_ms\":1234.6,"
					     "\"api_key\":\"sk-proj-abcdefghijklmnopqrstuvwxyz012345\",\"session_id\":\"sess\","
					     "\"project\":\"proj\",\"operation\":\"summarize\",\"request_id\":\"req-9\","
					     "\"response\":{\"id\":\"chatcmpl-2\",\"created\":1,\"model\":\"gpt-4o-mini\","
					     "\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5}}}");
	assert_int_equal(r.ev.epoch, 1759312800); /* 10:00:00Z: the envelope's time wins over "created" */
	assert_text(&r, EV_USER, "alice");
	assert_text(&r, EV_ENDPOINT, "/v1/chat/completions");
	assert_text(&r, EV_TOKEN, "sk-proj-abcdefghijklmnopqrstuvwxyz012345");
	assert_text(&r, EV_SESSION, "sess");
	assert_text(&r, EV_PROJECT, "proj");
	assert_text(&r, EV_OPERATION, "summarize");
	assert_text(&r, EV_REQUEST_ID, "req-9");
	assert_text(&r, EV_MODEL, "gpt-4o-mini");
	assert_int_equal(num(&r, EV_STATUS), 200);
	assert_int_equal(num(&r, EV_LATENCY_MS), 1235); /* a fraction of a millisecond is rounded */
	assert_int_equal(num(&r, EV_INPUT_TOKENS), 10);
	assert_int_equal(num(&r, EV_TOTAL_TOKENS), 15);
}

static void test_openai_batch_output_reads_response_body(void **state)
{
	(void)state;
	struct parsed r = parse_ok("openai", "{\"id\":\"batch_req_1\",\"custom_id\":\"c1\",\"response\":{\"status_code\":200,"
					     "\"request_id\":\"req-b\",\"body\":{\"id\":\"chatcmpl-3\",\"object\":\"chat.completion\","
					     "\"created\":1711652795,\"model\":\"gpt-4o\",\"usage\":{\"prompt_tokens\":22,"
					     "\"completion_tokens\":2,\"total_tokens\":24}}},\"error\":null}");
	assert_int_equal(num(&r, EV_INPUT_TOKENS), 22);
	assert_int_equal(num(&r, EV_OUTPUT_TOKENS), 2);
	assert_int_equal(num(&r, EV_STATUS), 200);
	assert_text(&r, EV_REQUEST_ID, "req-b");
	assert_int_equal(r.ev.epoch, 1711652795);
}

static void test_envelope_error_without_usage_is_an_event(void **state)
{
	(void)state;
	struct parsed r = parse_ok("openai", "{\"timestamp\":1759312800123,\"user\":\"bob\",\"status_code\":429,"
					     "\"error\":\"rate limited\"}");
	assert_int_equal(r.ev.epoch, 1759312800); /* epoch milliseconds */
	assert_int_equal(num(&r, EV_STATUS), 429);
	assert_text(&r, EV_ERROR, "rate limited");
	assert_false(event_has(&r.ev, EV_TOTAL_TOKENS));
	assert_true(event_is_error(&r.ev));
}

/* ---- Anthropic ---- */

static void test_anthropic_raw_message_without_time_is_rejected(void **state)
{
	(void)state;
	struct parsed r = parse("anthropic", "{\"id\":\"msg_1\",\"type\":\"message\",\"model\":\"claude-sonnet-4-5\","
					     "\"usage\":{\"input_tokens\":10,\"output_tokens\":3,\"cache_creation_input_tokens\":0,"
					     "\"cache_read_input_tokens\":0}}");
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.reason, "no time");
}

static void test_anthropic_in_envelope_keeps_kinds_disjoint(void **state)
{
	(void)state;
	struct parsed r = parse_ok("anthropic", "{\"ts\":1759312800,\"user\":\"carol\",\"latency_ms\":900,"
						"\"data\":{\"id\":\"msg_2\",\"type\":\"message\",\"model\":\"claude-opus-4-6\","
						"\"usage\":{\"input_tokens\":7,\"output_tokens\":40,\"cache_creation_input_tokens\":500,"
						"\"cache_read_input_tokens\":9000}}}");
	assert_int_equal(num(&r, EV_INPUT_TOKENS), 7); /* uncached already: nothing subtracted */
	assert_int_equal(num(&r, EV_CACHE_WRITE_TOKENS), 500);
	assert_int_equal(num(&r, EV_CACHE_READ_TOKENS), 9000);
	assert_int_equal(num(&r, EV_OUTPUT_TOKENS), 40);
	assert_int_equal(num(&r, EV_TOTAL_TOKENS), 9547);
	assert_int_equal(num(&r, EV_LATENCY_MS), 900);
	assert_text(&r, EV_REQUEST_ID, "msg_2");
	assert_text(&r, EV_PROVIDER, "anthropic");
}

static void test_detect_tells_anthropic_from_openai_responses(void **state)
{
	(void)state;
	const char *anth = "{\"id\":\"m\",\"type\":\"message\",\"model\":\"c\",\"usage\":{\"input_tokens\":1,"
			   "\"output_tokens\":1,\"cache_read_input_tokens\":0}}";
	const char *resp = "{\"id\":\"r\",\"object\":\"response\",\"created_at\":1,\"usage\":{\"input_tokens\":1,"
			   "\"input_tokens_details\":{\"cached_tokens\":0},\"output_tokens\":1}}";
	struct slice a = { anth, strlen(anth) }, b = { resp, strlen(resp) };
	size_t matched;
	assert_string_equal(format_detect(&testlib_formats, &a, 1, &matched)->name, "anthropic");
	assert_string_equal(format_detect(&testlib_formats, &b, 1, &matched)->name, "openai");
}

/* ---- Gemini ---- */

static void test_gemini_thoughts_count_as_output_and_cache_is_split_off(void **state)
{
	(void)state;
	struct parsed r = parse_ok("gemini", "{\"modelVersion\":\"gemini-2.5-flash\",\"responseId\":\"g1\","
					     "\"createTime\":\"2026-07-22T23:37:37.029264Z\",\"usageMetadata\":{"
					     "\"promptTokenCount\":1000,\"cachedContentTokenCount\":600,\"candidatesTokenCount\":10,"
					     "\"thoughtsTokenCount\":61,\"totalTokenCount\":1071}}");
	assert_int_equal(num(&r, EV_INPUT_TOKENS), 400);  /* 1000 - 600 */
	assert_int_equal(num(&r, EV_CACHE_READ_TOKENS), 600);
	assert_int_equal(num(&r, EV_OUTPUT_TOKENS), 71); /* 10 + 61 */
	assert_int_equal(num(&r, EV_TOTAL_TOKENS), 1071);
	assert_int_equal(r.ev.epoch, 1784763457);         /* date -u -d 2026-07-22T23:37:37Z +%s */
	assert_text(&r, EV_MODEL, "gemini-2.5-flash");
	assert_text(&r, EV_PROVIDER, "google");
}

static void test_gemini_tool_use_prompt_is_input(void **state)
{
	(void)state;
	struct parsed r = parse_ok("gemini", "{\"time\":\"2025-10-01T00:00:00Z\",\"modelVersion\":\"gemini-2.0-flash\","
					     "\"usageMetadata\":{\"promptTokenCount\":13,\"toolUsePromptTokenCount\":289,"
					     "\"candidatesTokenCount\":194,\"totalTokenCount\":496}}");
	assert_int_equal(num(&r, EV_INPUT_TOKENS), 302); /* 13 + 289 */
	assert_int_equal(num(&r, EV_TOTAL_TOKENS), 496);
}

/* ---- LiteLLM and in-house records ---- */

static void test_litellm_row_status_failure_marks_the_call_failed(void **state)
{
	(void)state;
	struct parsed r = parse_ok("litellm", "{\"request_id\":\"chatcmpl-9\",\"call_type\":\"acompletion\",\"api_key\":\"88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b\","
					      "\"spend\":0.000123,\"total_tokens\":30,\"prompt_tokens\":20,\"completion_tokens\":10,"
					      "\"startTime\":\"2025-10-01T08:00:00.123000Z\",\"endTime\":\"2025-10-01T08:00:01Z\","
					      "\"model\":\"gpt-4o\",\"custom_llm_provider\":\"openai\",\"user\":\"dave\",\"team_id\":\"t1\","
					      "\"status\":\"failure\",\"metadata\":{\"additional_usage_values\":{\"cache_read_input_tokens\":5}}}");
	assert_int_equal(r.ev.failed, 1);
	assert_int_equal(num(&r, EV_INPUT_TOKENS), 15); /* 20 prompt - 5 cached */
	assert_int_equal(num(&r, EV_CACHE_READ_TOKENS), 5);
	assert_int_equal(num(&r, EV_TOTAL_TOKENS), 30);
	assert_text(&r, EV_OPERATION, "acompletion");
	assert_text(&r, EV_PROJECT, "t1");
	assert_int_equal(r.ev.epoch, 1759305600);
}

static void test_usage_record_snake_case_total_only_keeps_kinds_null(void **state)
{
	(void)state;
	struct parsed r = parse_ok("usage_record", "{\"user_id\":\"u7\",\"endpoint\":\"/api/chat\",\"operation_type\":\"chat\","
						   "\"tokens_used\":1500,\"success\":true,\"response_time_ms\":321,"
						   "\"timestamp\":\"2025-10-01T00:00:00.000Z\"}");
	assert_int_equal(num(&r, EV_TOTAL_TOKENS), 1500);
	assert_false(event_has(&r.ev, EV_INPUT_TOKENS));
	assert_false(event_has(&r.ev, EV_OUTPUT_TOKENS));
	assert_false(event_has(&r.ev, EV_CACHE_READ_TOKENS));
	assert_false(event_has(&r.ev, EV_CACHE_WRITE_TOKENS));
	assert_int_equal(r.ev.failed, 0);
	assert_int_equal(num(&r, EV_LATENCY_MS), 321);
	assert_text(&r, EV_OPERATION, "chat");
	assert_text(&r, EV_USER, "u7");
}

static void test_usage_record_camel_case_maps_every_field(void **state)
{
	(void)state;
	struct parsed r = parse_ok("usage_record_camel", "{\"inputTokens\":120,\"outputTokens\":30,\"totalTokens\":150,"
						   "\"timestamp\":1759276800000,\"userId\":\"u8\",\"projectId\":\"p1\","
						   "\"sessionId\":\"s9\",\"analysisType\":\"summary\",\"provider\":\"anthropic\","
						   "\"model\":\"claude-sonnet-4-5\",\"responseTime\":2500,\"success\":false,"
						   "\"errorMessage\":\"overloaded\"}");
	assert_int_equal(num(&r, EV_INPUT_TOKENS), 120);
	assert_int_equal(num(&r, EV_OUTPUT_TOKENS), 30);
	assert_int_equal(num(&r, EV_TOTAL_TOKENS), 150);
	assert_int_equal(r.ev.epoch, 1759276800);
	assert_text(&r, EV_USER, "u8");
	assert_text(&r, EV_PROJECT, "p1");
	assert_text(&r, EV_SESSION, "s9");
	assert_text(&r, EV_OPERATION, "summary");
	assert_text(&r, EV_PROVIDER, "anthropic");
	assert_int_equal(num(&r, EV_LATENCY_MS), 2500);
	assert_int_equal(r.ev.failed, 1);
	assert_text(&r, EV_ERROR, "overloaded");
}

/* ---- counts: whole numbers, as in every other log ---- */

#define USAGE_HEAD "{\"timestamp\":\"2025-10-01T00:00:00Z\",\"user_id\":\"u7\","

static void test_fractional_token_count_is_rejected_naming_the_field(void **state)
{
	(void)state;
	struct parsed r = parse("usage_record", USAGE_HEAD "\"input_tokens\":1.5,\"output_tokens\":2}");
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.reason, "bad number for input_tokens"); /* as a proxy line's input_tokens=1.5 */
	r = parse("openai", "{\"created\":1711652795,\"model\":\"gpt-4o\",\"usage\":{\"prompt_tokens\":10,"
			    "\"completion_tokens\":2.5}}");
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.reason, "bad number for output_tokens");
}

static void test_boolean_token_count_is_rejected_naming_the_field(void **state)
{
	(void)state;
	struct parsed r = parse("usage_record", USAGE_HEAD "\"tokens_used\":true}");
	assert_int_equal(r.rc, -1); /* json_extract reads true as 1 */
	assert_string_equal(r.reason, "bad number for total_tokens");
	r = parse("usage_record", USAGE_HEAD "\"input_tokens\":false,\"output_tokens\":3}");
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.reason, "bad number for input_tokens");
}

static void test_boolean_term_of_a_sum_is_rejected(void **state)
{
	(void)state;
	/* gemini's output_tokens sums candidates and thoughts */
	struct parsed r = parse("gemini", "{\"timestamp\":\"2025-10-01T00:00:00Z\",\"modelVersion\":\"gemini-2.5-pro\","
					  "\"usageMetadata\":{\"promptTokenCount\":10,\"candidatesTokenCount\":5,"
					  "\"thoughtsTokenCount\":true}}");
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.reason, "bad number for output_tokens");
	r = parse_ok("gemini", "{\"timestamp\":\"2025-10-01T00:00:00Z\",\"modelVersion\":\"gemini-2.5-pro\","
			       "\"usageMetadata\":{\"promptTokenCount\":10,\"candidatesTokenCount\":5,"
			       "\"thoughtsTokenCount\":2.0}}");
	assert_int_equal(num(&r, EV_OUTPUT_TOKENS), 7);
}

static void test_whole_number_written_as_fraction_or_string_is_a_count(void **state)
{
	(void)state;
	struct parsed r = parse_ok("usage_record", USAGE_HEAD "\"input_tokens\":1500.0,\"output_tokens\":\"20\","
						   "\"cache_read_tokens\":1e2}");
	assert_int_equal(num(&r, EV_INPUT_TOKENS), 1500);
	assert_int_equal(num(&r, EV_OUTPUT_TOKENS), 20);
	assert_int_equal(num(&r, EV_CACHE_READ_TOKENS), 100);
}

static void test_null_and_dash_counts_are_null(void **state)
{
	(void)state;
	struct parsed r = parse_ok("usage_record", USAGE_HEAD "\"input_tokens\":null,\"output_tokens\":\"-\","
						   "\"total_tokens\":7}");
	assert_false(event_has(&r.ev, EV_INPUT_TOKENS));
	assert_false(event_has(&r.ev, EV_OUTPUT_TOKENS));
	assert_int_equal(num(&r, EV_TOTAL_TOKENS), 7);
}

static void test_object_as_count_is_rejected(void **state)
{
	(void)state;
	struct parsed r = parse("usage_record", USAGE_HEAD "\"input_tokens\":{\"n\":1},\"output_tokens\":3}");
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.reason, "bad number for input_tokens");
}

static void test_status_as_number_word_or_boolean(void **state)
{
	(void)state;
	struct parsed r = parse_ok("usage_record", USAGE_HEAD "\"tokens_used\":1,\"status_code\":\"429\"}");
	assert_int_equal(num(&r, EV_STATUS), 429);
	r = parse_ok("usage_record", USAGE_HEAD "\"tokens_used\":1,\"status_code\":\"failure\"}");
	assert_false(event_has(&r.ev, EV_STATUS));
	assert_int_equal(r.ev.failed, 1);
	r = parse_ok("usage_record", USAGE_HEAD "\"tokens_used\":1,\"status_code\":true}");
	assert_false(event_has(&r.ev, EV_STATUS));
	assert_int_equal(r.ev.failed, 0);
	r = parse_ok("usage_record", USAGE_HEAD "\"tokens_used\":1,\"status_code\":\"queued\"}");
	assert_false(event_has(&r.ev, EV_STATUS));
	assert_int_equal(r.ev.failed, -1);
	r = parse("usage_record", USAGE_HEAD "\"tokens_used\":1,\"status_code\":200.5}");
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.reason, "bad number for status");
}

/* ---- nesting ---- */

static void test_json_nested_deeper_than_sqlite_reads_says_so(void **state)
{
	(void)state;
	struct buf l = BUF_INIT;
	buf_adds(&l, USAGE_HEAD "\"tokens_used\":1,\"extra\":");
	for (int i = 0; i < 3000; i++)
		buf_addc(&l, '[');
	for (int i = 0; i < 3000; i++)
		buf_addc(&l, ']');
	buf_addc(&l, '}'); /* valid JSON (python's json.loads reads it): 3001 levels */
	struct parsed r = parse("usage_record", l.data);
	assert_int_equal(r.rc, -1);
	if (!strstr(r.reason, "JSON nested 3001 levels deep"))
		fail_msg("reason: %s", r.reason);
	buf_free(&l);
}

static void test_broken_deep_json_within_the_limit_is_invalid_json(void **state)
{
	(void)state;
	struct buf l = BUF_INIT;
	buf_adds(&l, USAGE_HEAD "\"tokens_used\":1,\"extra\":");
	for (int i = 0; i < 500; i++)
		buf_addc(&l, '[');
	buf_addc(&l, '}');
	struct parsed r = parse("usage_record", l.data);
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.reason, "invalid JSON");
	buf_free(&l);
}

/* ---- lines that are not records ---- */

static void test_broken_json_is_rejected_as_invalid(void **state)
{
	(void)state;
	struct parsed r = parse("usage_record", "{\"tokens_used\":15,\"timestamp\":1759276800");
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.reason, "invalid JSON");
}

static void test_json_that_is_not_an_object_is_rejected(void **state)
{
	(void)state;
	struct parsed r = parse("usage_record", " [1, 2]");
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.reason, "not a JSON object");
}

static void test_blank_line_is_skipped(void **state)
{
	(void)state;
	assert_int_equal(parse("openai", "  \t").rc, 1);
}

static void test_bad_number_reason_does_not_quote_the_value(void **state)
{
	(void)state;
	struct parsed r = parse("usage_record", "{\"tokens_used\":\"sk-proj-secretsecretsecret\",\"timestamp\":1759276800}");
	assert_int_equal(r.rc, -1);
	assert_null(strstr(r.reason, "secret"));
}

static void test_byte_order_mark_before_the_first_line_is_ignored(void **state)
{
	(void)state;
	struct parsed r = parse_ok("usage_record", "\xef\xbb\xbf{\"tokens_used\":5,\"timestamp\":1759276800}");
	assert_int_equal(num(&r, EV_TOTAL_TOKENS), 5);
}

/* ---- the definition language ---- */

static const char USER_DEF[] =
	"{\"name\":\"t\",\"kind\":\"json\",\"time_format\":\"epoch\","
	"\"filter\":[\"$.kind != \\\"heartbeat\\\"\",[\"$.n\",\"$.m\"],\"!$.ignore\"],"
	"\"detect\":[\"$.t\"],"
	"\"fields\":{\"time\":\"$.t\",\"output_tokens\":{\"sum\":[\"$.n\",[\"$.m\",\"$.m2\"]]},"
	"\"user\":[\"$.u\",\"$.v\"]},\"defaults\":{\"user\":\"nobody\",\"provider\":\"acme\"}}";

static struct parsed parse_user(const char *line)
{
	struct format_set set;
	struct buf err = BUF_INIT, reason = BUF_INIT;
	struct parsed r;
	if (load_user(USER_DEF, &set, &err) < 0)
		fail_msg("%s", err.data);
	event_clear(&r.ev);
	r.rc = format_parse(format_find(&set, "t"), line, strlen(line), &r.ev, &reason);
	if (r.rc == 0)
		event_finish(&r.ev);
	snprintf(r.reason, sizeof(r.reason), "%s", buf_str(&reason));
	/* text slices point into the format: keep only numbers and copies past here */
	if (r.rc == 0 && r.ev.text[EV_USER].p) {
		static char user[64];
		snprintf(user, sizeof(user), "%.*s", (int)r.ev.text[EV_USER].n, r.ev.text[EV_USER].p);
		r.ev.text[EV_USER].p = user;
	}
	r.ev.text[EV_PROVIDER] = (struct slice){ NULL, 0 };
	format_set_free(&set);
	buf_free(&err);
	buf_free(&reason);
	return r;
}

static void test_sum_adds_the_terms_that_are_present(void **state)
{
	(void)state;
	struct parsed r = parse_user("{\"t\":100,\"n\":3,\"m2\":4}");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.ev.num[EV_OUTPUT_TOKENS], 7); /* 3 + (m absent, m2 = 4) */
}

static void test_sum_of_absent_terms_is_null(void **state)
{
	(void)state;
	struct parsed r = parse_user("{\"t\":100,\"m\":null,\"u\":\"x\",\"n\":null,\"m2\":null,\"z\":1}");
	/* the filter needs $.n or $.m: both null, so not a record */
	assert_int_equal(r.rc, 1);
}

static void test_not_equal_condition_skips_the_named_value(void **state)
{
	(void)state;
	assert_int_equal(parse_user("{\"t\":100,\"n\":1,\"kind\":\"heartbeat\"}").rc, 1);
	assert_int_equal(parse_user("{\"t\":100,\"n\":1,\"kind\":\"call\"}").rc, 0);
}

static void test_absent_condition_skips_lines_that_have_the_path(void **state)
{
	(void)state;
	assert_int_equal(parse_user("{\"t\":100,\"n\":1,\"ignore\":true}").rc, 1);
}

static void test_first_non_null_alternative_wins(void **state)
{
	(void)state;
	struct parsed r = parse_user("{\"t\":100,\"n\":1,\"u\":null,\"v\":\"second\"}");
	assert_int_equal(r.rc, 0);
	assert_memory_equal(r.ev.text[EV_USER].p, "second", 6);
}

static void test_default_fills_only_a_missing_value(void **state)
{
	(void)state;
	struct parsed a = parse_user("{\"t\":100,\"n\":1}");
	assert_memory_equal(a.ev.text[EV_USER].p, "nobody", 6);
	struct parsed b = parse_user("{\"t\":100,\"n\":1,\"u\":\"me\"}");
	assert_int_equal(b.ev.text[EV_USER].n, 2);
}

static void expect_load_error(const char *def, const char *needle)
{
	struct format_set set;
	struct buf err = BUF_INIT;
	assert_int_equal(load_user(def, &set, &err), -1);
	if (!strstr(buf_str(&err), needle))
		fail_msg("error \"%s\" does not mention \"%s\"", buf_str(&err), needle);
	buf_free(&err);
}

static void test_definition_with_an_unknown_field_is_refused(void **state)
{
	(void)state;
	expect_load_error("{\"name\":\"t\",\"kind\":\"json\",\"fields\":{\"tokenz\":\"$.a\"}}", "tokenz");
}

static void test_definition_with_a_bad_path_is_refused(void **state)
{
	(void)state;
	expect_load_error("{\"name\":\"t\",\"kind\":\"json\",\"fields\":{\"user\":\"$a\"}}", "bad JSON path");
	expect_load_error("{\"name\":\"t\",\"kind\":\"json\",\"fields\":{\"user\":\"a.b\"}}", "must start with $ or @");
}

static void test_definition_with_a_bad_condition_is_refused(void **state)
{
	(void)state;
	expect_load_error("{\"name\":\"t\",\"kind\":\"json\",\"fields\":{\"user\":\"$.a\"},\"filter\":[\"$.a == nope\"]}",
			  "must be a JSON string, number or boolean");
}

static void test_sum_of_a_text_field_is_refused(void **state)
{
	(void)state;
	expect_load_error("{\"name\":\"t\",\"kind\":\"json\",\"fields\":{\"user\":{\"sum\":[\"$.a\",\"$.b\"]}}}", "number field");
}

static void test_body_without_has_is_refused(void **state)
{
	(void)state;
	expect_load_error("{\"name\":\"t\",\"kind\":\"json\",\"body\":{\"at\":[\"$\"]},\"fields\":{\"user\":\"@.a\"}}", "\"body\"");
}

/* ---- prefilter ---- */

static const char PREFILTER_DEF[] =
	"{\"name\":\"pf\",\"kind\":\"json\",\"time_format\":\"auto\",\"prefilter\":\"\\\"usage\\\"\","
	"\"filter\":[\"$.usage\"],\"fields\":{\"time\":\"$.ts\",\"output_tokens\":\"$.usage.out\"}}";

static int parse_prefiltered(const char *line, struct buf *reason)
{
	struct format_set set = { 0 };
	struct buf err = BUF_INIT;
	struct event ev;
	if (load_user(PREFILTER_DEF, &set, &err) < 0)
		fail_msg("%s", err.data);
	event_clear(&ev);
	int rc = format_parse(format_find(&set, "pf"), line, strlen(line), &ev, reason);
	format_set_free(&set);
	buf_free(&err);
	return rc;
}

static void test_prefilter_skips_a_whole_line_without_its_bytes(void **state)
{
	(void)state;
	struct buf reason = BUF_INIT;
	/* invalid JSON inside, but whole and without "usage": skipped unparsed */
	assert_int_equal(parse_prefiltered("{\"ts\":1760000000,\"x\":[1,2,,]}", &reason), 1);
	assert_int_equal(parse_prefiltered("  {\"ts\":1760000000,\"type\":\"user\"}\r", &reason), 1);
	buf_free(&reason);
}

static void test_prefilter_still_parses_lines_with_its_bytes(void **state)
{
	(void)state;
	struct buf reason = BUF_INIT;
	assert_int_equal(parse_prefiltered("{\"ts\":1760000000,\"usage\":{\"out\":7}}", &reason), 0);
	/* holds the bytes but is no record by the filter: skipped after parsing */
	assert_int_equal(parse_prefiltered("{\"ts\":1760000000,\"text\":\"\\\"usage\\\"\"}", &reason), 1);
	buf_free(&reason);
}

static void test_prefilter_leaves_a_cut_line_to_be_rejected(void **state)
{
	(void)state;
	struct buf reason = BUF_INIT;
	/* no "usage" in it, but cut short: parsed, and rejected as invalid JSON */
	assert_int_equal(parse_prefiltered("{\"ts\":1760000000,\"type\":\"us", &reason), -1);
	assert_string_equal(buf_str(&reason), "invalid JSON");
	buf_reset(&reason);
	assert_int_equal(parse_prefiltered("[1,2]", &reason), -1);
	buf_free(&reason);
}

static void test_prefilter_must_name_bytes(void **state)
{
	(void)state;
	struct format_set set = { 0 };
	struct buf err = BUF_INIT;
	assert_int_equal(load_user("{\"name\":\"pf\",\"kind\":\"json\",\"prefilter\":[\"\"],"
				   "\"fields\":{\"time\":\"$.ts\"}}", &set, &err), -1);
	assert_non_null(strstr(buf_str(&err), "prefilter"));
	format_set_free(&set);
	buf_free(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefilter_skips_a_whole_line_without_its_bytes),
		cmocka_unit_test(test_prefilter_still_parses_lines_with_its_bytes),
		cmocka_unit_test(test_prefilter_leaves_a_cut_line_to_be_rejected),
		cmocka_unit_test(test_prefilter_must_name_bytes),
		cmocka_unit_test(test_claude_code_assistant_line_maps_the_four_kinds),
		cmocka_unit_test(test_claude_code_user_line_is_skipped),
		cmocka_unit_test(test_claude_code_dedup_key_is_message_id_and_request_id),
		cmocka_unit_test(test_claude_code_line_without_request_id_has_no_dedup_key),
		cmocka_unit_test(test_detect_takes_claude_code_whose_first_lines_are_not_assistant),
		cmocka_unit_test(test_openai_chat_input_is_prompt_minus_cached),
		cmocka_unit_test(test_openai_responses_input_tokens_include_cached),
		cmocka_unit_test(test_openai_responses_without_usage_is_skipped),
		cmocka_unit_test(test_openai_in_envelope_takes_the_envelope_fields),
		cmocka_unit_test(test_openai_batch_output_reads_response_body),
		cmocka_unit_test(test_envelope_error_without_usage_is_an_event),
		cmocka_unit_test(test_anthropic_raw_message_without_time_is_rejected),
		cmocka_unit_test(test_anthropic_in_envelope_keeps_kinds_disjoint),
		cmocka_unit_test(test_detect_tells_anthropic_from_openai_responses),
		cmocka_unit_test(test_gemini_thoughts_count_as_output_and_cache_is_split_off),
		cmocka_unit_test(test_gemini_tool_use_prompt_is_input),
		cmocka_unit_test(test_litellm_row_status_failure_marks_the_call_failed),
		cmocka_unit_test(test_usage_record_snake_case_total_only_keeps_kinds_null),
		cmocka_unit_test(test_usage_record_camel_case_maps_every_field),
		cmocka_unit_test(test_fractional_token_count_is_rejected_naming_the_field),
		cmocka_unit_test(test_boolean_token_count_is_rejected_naming_the_field),
		cmocka_unit_test(test_boolean_term_of_a_sum_is_rejected),
		cmocka_unit_test(test_whole_number_written_as_fraction_or_string_is_a_count),
		cmocka_unit_test(test_null_and_dash_counts_are_null),
		cmocka_unit_test(test_object_as_count_is_rejected),
		cmocka_unit_test(test_status_as_number_word_or_boolean),
		cmocka_unit_test(test_json_nested_deeper_than_sqlite_reads_says_so),
		cmocka_unit_test(test_broken_deep_json_within_the_limit_is_invalid_json),
		cmocka_unit_test(test_broken_json_is_rejected_as_invalid),
		cmocka_unit_test(test_json_that_is_not_an_object_is_rejected),
		cmocka_unit_test(test_blank_line_is_skipped),
		cmocka_unit_test(test_bad_number_reason_does_not_quote_the_value),
		cmocka_unit_test(test_byte_order_mark_before_the_first_line_is_ignored),
		cmocka_unit_test(test_sum_adds_the_terms_that_are_present),
		cmocka_unit_test(test_sum_of_absent_terms_is_null),
		cmocka_unit_test(test_not_equal_condition_skips_the_named_value),
		cmocka_unit_test(test_absent_condition_skips_lines_that_have_the_path),
		cmocka_unit_test(test_first_non_null_alternative_wins),
		cmocka_unit_test(test_default_fills_only_a_missing_value),
		cmocka_unit_test(test_definition_with_an_unknown_field_is_refused),
		cmocka_unit_test(test_definition_with_a_bad_path_is_refused),
		cmocka_unit_test(test_definition_with_a_bad_condition_is_refused),
		cmocka_unit_test(test_sum_of_a_text_field_is_refused),
		cmocka_unit_test(test_body_without_has_is_refused),
	};
	return cmocka_run_group_tests(tests, testlib_formats_setup, testlib_formats_teardown);
}
