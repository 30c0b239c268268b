/*
 * Unit tests of parse_regex.c through format_parse() with the built-in formats:
 * combined and common lines (clients, requests, quoting) and the proxy format's
 * key=value pairs with every key alias of issue 3.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "buf.h"
#include "credential.h"
#include "event.h"
#include "format.h"

/* 10/Mar/2024:13:55:36 +0000, from `date -u -d '2024-03-10 13:55:36' +%s` */
#define T0 1710078936

#define PROXY_HEAD "203.0.113.7 - - [10/Mar/2024:13:55:36 +0000] \"POST /v1/chat/completions HTTP/1.1\" 200 512 \"-\" \"python-requests/2.31\" "

static struct format_set set;
static struct buf line_buf, reason;
static struct event ev;

static int setup(void **state)
{
	(void)state;
	struct buf err = BUF_INIT;
	int rc = format_set_load(&set, NULL, &err);
	buf_free(&err);
	return rc;
}

static int teardown(void **state)
{
	(void)state;
	format_set_free(&set);
	buf_free(&line_buf);
	buf_free(&reason);
	return 0;
}

/* Parse LINE with FORMAT into the global ev (finished when it parsed); returns format_parse's result. */
static int parse(const char *format, const char *line)
{
	struct format *f = format_find(&set, format);
	assert_non_null(f);
	buf_reset(&reason);
	buf_reset(&line_buf);
	buf_adds(&line_buf, line); /* the event points into it: keep it alive */
	event_clear(&ev);
	int rc = format_parse(f, line_buf.data, line_buf.len, &ev, &reason);
	if (rc == 0)
		event_finish(&ev);
	return rc;
}

/* Parse PROXY_HEAD followed by PAIRS with the proxy format; it must parse. */
static void parse_pairs(const char *pairs)
{
	struct buf l = BUF_INIT;
	buf_printf(&l, "%s%s", PROXY_HEAD, pairs);
	int rc = parse("proxy", l.data);
	if (rc != 0)
		fail_msg("proxy line rejected (%d: %s): %s", rc, buf_str(&reason), l.data);
	buf_free(&l);
}

static void parse_ok(const char *format, const char *line)
{
	int rc = parse(format, line);
	if (rc != 0)
		fail_msg("%s line rejected (%d: %s): %s", format, rc, buf_str(&reason), line);
}

#define assert_text(i, want) do { \
	assert_non_null(ev.text[i].p); \
	assert_int_equal(ev.text[i].n, strlen(want)); \
	assert_memory_equal(ev.text[i].p, (want), strlen(want)); \
} while (0)

#define assert_no_text(i) assert_null(ev.text[i].p)

#define assert_num(i, want) do { \
	assert_true(event_has(&ev, (i))); \
	assert_int_equal(ev.num[i], (want)); \
} while (0)

#define assert_no_num(i) assert_false(event_has(&ev, (i)))

/* ---- combined ---- */

static void test_combined_line_fills_time_request_status_bytes(void **state)
{
	(void)state;
	parse_ok("combined", "203.0.113.7 - - [10/Mar/2024:13:55:36 +0000] \"GET /v1/models HTTP/1.1\" 200 1234 \"-\" \"curl/8.0\"");
	assert_true(ev.has_time);
	assert_int_equal(ev.epoch, T0);
	assert_text(EV_METHOD, "GET");
	assert_text(EV_ENDPOINT, "/v1/models");
	assert_num(EV_STATUS, 200);
	assert_num(EV_BYTES, 1234);
	assert_no_text(EV_USER);
	assert_no_text(EV_REMOTE_USER);
	assert_no_text(EV_TOKEN);
	assert_no_num(EV_TOTAL_TOKENS);
	assert_no_num(EV_LATENCY_MS);
}

static void test_combined_time_offset_is_converted_to_utc(void **state)
{
	(void)state;
	parse_ok("combined", "203.0.113.7 - - [10/Mar/2024:06:55:36 -0700] \"GET / HTTP/1.1\" 200 1 \"-\" \"-\"");
	assert_int_equal(ev.epoch, T0);
}

static void test_combined_ipv6_client_is_accepted(void **state)
{
	(void)state;
	parse_ok("combined", "2001:db8::8a2e:370:7334 - - [10/Mar/2024:13:55:36 +0000] \"GET /v1/models HTTP/2.0\" 200 10 \"-\" \"curl/8.0\"");
	assert_int_equal(ev.epoch, T0);
	assert_text(EV_ENDPOINT, "/v1/models");
	assert_num(EV_STATUS, 200);
}

static void test_combined_forwarded_for_client_list_is_accepted(void **state)
{
	(void)state;
	parse_ok("combined", "203.0.113.7, 10.0.0.1, 2001:db8::1 - bob [10/Mar/2024:13:55:36 +0000] \"GET /a HTTP/1.1\" 201 10 \"-\" \"curl\"");
	assert_text(EV_REMOTE_USER, "bob");
	assert_text(EV_ENDPOINT, "/a");
	assert_num(EV_STATUS, 201);
}

static void test_combined_quoted_forwarded_for_is_accepted(void **state)
{
	(void)state;
	parse_ok("combined", "\"203.0.113.7, 10.0.0.1\" - - [10/Mar/2024:13:55:36 +0000] \"GET /a HTTP/1.1\" 200 10 \"-\" \"curl\"");
	assert_int_equal(ev.epoch, T0);
	assert_num(EV_STATUS, 200);
}

static void test_combined_vhost_prefix_is_accepted(void **state)
{
	(void)state;
	parse_ok("combined", "api.example.com 203.0.113.7 - alice [10/Mar/2024:13:55:36 +0000] \"GET /a HTTP/1.1\" 200 10 \"-\" \"curl\"");
	assert_text(EV_REMOTE_USER, "alice");
	assert_text(EV_ENDPOINT, "/a");
}

static void test_combined_empty_request_has_null_method_and_endpoint(void **state)
{
	(void)state;
	parse_ok("combined", "203.0.113.7 - - [10/Mar/2024:13:55:36 +0000] \"\" 400 0 \"-\" \"-\"");
	assert_no_text(EV_METHOD);
	assert_no_text(EV_ENDPOINT);
	assert_num(EV_STATUS, 400);
	assert_num(EV_BYTES, 0);
}

static void test_combined_dash_request_has_null_method_and_endpoint(void **state)
{
	(void)state;
	parse_ok("combined", "203.0.113.7 - - [10/Mar/2024:13:55:36 +0000] \"-\" 408 0 \"-\" \"-\"");
	assert_no_text(EV_METHOD);
	assert_no_text(EV_ENDPOINT);
	assert_num(EV_STATUS, 408);
}

static void test_combined_escaped_quotes_in_user_agent_are_accepted(void **state)
{
	(void)state;
	parse_ok("combined", "203.0.113.7 - - [10/Mar/2024:13:55:36 +0000] \"GET /a HTTP/1.1\" 200 10 \"-\" \"Mozilla \\\"quoted\\\" agent\"");
	assert_num(EV_STATUS, 200);
	assert_num(EV_BYTES, 10);
	assert_text(EV_ENDPOINT, "/a");
}

static void test_combined_escaped_quote_in_request_is_accepted(void **state)
{
	(void)state;
	parse_ok("combined", "203.0.113.7 - - [10/Mar/2024:13:55:36 +0000] \"GET /a\\\"b HTTP/1.1\" 404 10 \"-\" \"curl\"");
	assert_num(EV_STATUS, 404);
	assert_text(EV_METHOD, "GET");
}

static void test_combined_dash_bytes_are_null_not_zero(void **state)
{
	(void)state;
	parse_ok("combined", "203.0.113.7 - - [10/Mar/2024:13:55:36 +0000] \"GET /a HTTP/1.1\" 304 - \"-\" \"curl\"");
	assert_no_num(EV_BYTES);
	assert_num(EV_STATUS, 304);
}

static void test_combined_query_string_is_dropped_from_endpoint(void **state)
{
	(void)state;
	parse_ok("combined", "203.0.113.7 - - [10/Mar/2024:13:55:36 +0000] \"GET /search?q=secret&token=x HTTP/1.1\" 200 10 \"-\" \"curl\"");
	assert_text(EV_ENDPOINT, "/search");
}

static void test_combined_remote_user_becomes_the_user(void **state)
{
	(void)state;
	parse_ok("combined", "203.0.113.7 - alice [10/Mar/2024:13:55:36 +0000] \"GET /a HTTP/1.1\" 200 10 \"-\" \"curl\"");
	assert_text(EV_REMOTE_USER, "alice");
	assert_text(EV_USER, "alice");
}

static void test_combined_request_without_protocol_has_endpoint(void **state)
{
	(void)state;
	parse_ok("combined", "203.0.113.7 - - [10/Mar/2024:13:55:36 +0000] \"GET /old\" 200 10 \"-\" \"curl\"");
	assert_text(EV_METHOD, "GET");
	assert_text(EV_ENDPOINT, "/old");
}

static void test_combined_accepts_extra_trailing_fields(void **state)
{
	(void)state;
	parse_ok("combined", "203.0.113.7 - - [10/Mar/2024:13:55:36 +0000] \"GET /a HTTP/1.1\" 200 10 \"-\" \"curl\" \"203.0.113.9\" 0.123");
	assert_num(EV_STATUS, 200);
}

static void test_combined_malformed_line_is_rejected_with_a_reason(void **state)
{
	(void)state;
	assert_int_equal(parse("combined", "this is not an access log line"), -1);
	assert_non_null(strstr(buf_str(&reason), "combined"));
}

static void test_combined_bad_time_is_rejected_with_a_reason(void **state)
{
	(void)state;
	assert_int_equal(parse("combined", "203.0.113.7 - - [10/Foo/2024:13:55:36 +0000] \"GET /a HTTP/1.1\" 200 10 \"-\" \"curl\""), -1);
	assert_non_null(strstr(buf_str(&reason), "time"));
}

static void test_bad_time_reason_quotes_the_whole_value(void **state)
{
	(void)state;
	/* A cut before masking could leave part of a secret that the whole value would show
	 * masked: the parser quotes all of it and ingest masks, then cuts. */
	struct buf l = BUF_INIT, want = BUF_INIT;
	buf_adds(&want, "10/Mar/2024:13:55:36 +0000 ");
	for (int i = 0; i < 10; i++)
		buf_adds(&want, "sk-proj-0123456789");
	buf_printf(&l, "203.0.113.7 - - [%s] \"GET /a HTTP/1.1\" 200 10", want.data);
	assert_int_equal(parse("common", l.data), -1);
	struct buf r = BUF_INIT;
	buf_printf(&r, "bad time \"%s\"", want.data);
	assert_string_equal(buf_str(&reason), r.data);
	buf_free(&r);
	buf_free(&l);
	buf_free(&want);
}

static void test_combined_comment_line_is_skipped(void **state)
{
	(void)state;
	assert_int_equal(parse("combined", "# log started"), 1);
	assert_int_equal(parse("combined", "   # indented comment"), 1);
}

static void test_combined_blank_line_is_skipped(void **state)
{
	(void)state;
	assert_int_equal(parse("combined", ""), 1);
	assert_int_equal(parse("combined", "   "), 1);
}

static void test_combined_repeated_timestamp_gives_the_same_epoch(void **state)
{
	(void)state;
	/* the parser caches the last timestamp: the next line with another time must not reuse it */
	parse_ok("combined", "1.2.3.4 - - [10/Mar/2024:13:55:36 +0000] \"GET /a HTTP/1.1\" 200 1 \"-\" \"-\"");
	assert_int_equal(ev.epoch, T0);
	parse_ok("combined", "1.2.3.4 - - [10/Mar/2024:13:55:36 +0000] \"GET /a HTTP/1.1\" 200 1 \"-\" \"-\"");
	assert_int_equal(ev.epoch, T0);
	parse_ok("combined", "1.2.3.4 - - [10/Mar/2024:13:55:37 +0000] \"GET /a HTTP/1.1\" 200 1 \"-\" \"-\"");
	assert_int_equal(ev.epoch, T0 + 1);
}

/* ---- common ---- */

static void test_common_line_is_parsed(void **state)
{
	(void)state;
	parse_ok("common", "203.0.113.7 - carol [10/Mar/2024:13:55:36 +0000] \"DELETE /v1/files/abc?x=1 HTTP/1.1\" 204 -");
	assert_int_equal(ev.epoch, T0);
	assert_text(EV_METHOD, "DELETE");
	assert_text(EV_ENDPOINT, "/v1/files/abc");
	assert_num(EV_STATUS, 204);
	assert_no_num(EV_BYTES);
	assert_text(EV_USER, "carol");
}

static void test_common_reads_a_combined_line_of_the_same_file(void **state)
{
	(void)state;
	parse_ok("common", "203.0.113.7 - - [10/Mar/2024:13:55:36 +0000] \"GET /a HTTP/1.1\" 200 10 \"-\" \"curl\"");
	assert_text(EV_ENDPOINT, "/a");
	assert_num(EV_STATUS, 200);
	assert_num(EV_BYTES, 10);
}

static void test_combined_reads_a_common_line_of_the_same_file(void **state)
{
	(void)state;
	/* Apache's own test log mixes them: line 3 of filebeat's apache/access/test/test.log */
	parse_ok("combined", "::1 - - [26/Dec/2016:16:16:48 +0200] \"-\" 408 -");
	assert_num(EV_STATUS, 408);
	assert_no_num(EV_BYTES);
	assert_no_text(EV_ENDPOINT);
	assert_int_equal(ev.epoch, 1482761808); /* date -u -d '2016-12-26 14:16:48' +%s */
}

static void test_combined_line_with_garbage_after_bytes_is_still_rejected(void **state)
{
	(void)state;
	assert_int_equal(parse("combined", "203.0.113.7 - - [10/Mar/2024:13:55:36 +0000] \"GET /a HTTP/1.1\" 200 10 garbage"), -1);
	assert_int_equal(parse("common", "203.0.113.7 - - [10/Mar/2024:13:55:36 +0000] \"GET /a HTTP/1.1\" 200 10 \"-\""), -1);
}

/* ---- long lines: the JIT's stack ---- */

/* A combined line whose request path, referer and agent are each LEN bytes long. */
static void long_line(struct buf *l, size_t len)
{
	buf_adds(l, "203.0.113.7 - - [10/Mar/2024:13:55:36 +0000] \"GET /");
	for (size_t i = 0; i < len; i++)
		buf_addc(l, 'a' + (char)(i % 26));
	buf_adds(l, " HTTP/1.1\" 200 10 \"");
	for (size_t i = 0; i < len; i++)
		buf_addc(l, i % 7 ? 'r' : '\\'), buf_addc(l, 'x'); /* escapes too: each is a turn of the group */
	buf_adds(l, "\" \"");
	for (size_t i = 0; i < len; i++)
		buf_addc(l, 'u');
	buf_addc(l, '"');
}

static void test_combined_16_kib_request_is_parsed(void **state)
{
	(void)state;
	struct buf l = BUF_INIT;
	long_line(&l, 16384); /* PCRE2's default JIT stack ran out at about 1,340 bytes */
	parse_ok("combined", l.data);
	assert_int_equal(ev.text[EV_ENDPOINT].n, 16385);
	assert_num(EV_STATUS, 200);
	buf_free(&l);
}

static void test_proxy_and_common_read_a_1_mib_request(void **state)
{
	(void)state;
	struct buf l = BUF_INIT;
	long_line(&l, 1 << 20);
	parse_ok("common", l.data);
	assert_int_equal(ev.text[EV_ENDPOINT].n, (1 << 20) + 1);
	buf_addc(&l, ' ');
	buf_adds(&l, "model=gpt-4o input_tokens=3");
	parse_ok("proxy", l.data); /* a pattern whose groups repeat per character: the stack grows */
	assert_num(EV_INPUT_TOKENS, 3);
	buf_free(&l);
}

/* ---- AWS load balancers ---- */

#define ALB_HEAD "http 2018-11-30T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 - -1 -1 -1 400 - 0 0 "
#define ALB_TAIL " \"-\" - - - \"-\" \"-\" \"-\" 0 2018-11-30T22:22:48.364000Z \"-\" \"-\" \"-\""

static void test_alb_malformed_request_is_an_event_with_its_status(void **state)
{
	(void)state;
	/* lines 8 and 9 of filebeat's aws/elb/test/example-alb-http.log: its expected.json says 400 */
	static const char *const requests[] = { "\"- http://www.example.com:80- -\"", "\"- - -\"" };
	for (size_t i = 0; i < 2; i++) {
		struct buf l = BUF_INIT;
		buf_printf(&l, "%s%s%s", ALB_HEAD, requests[i], ALB_TAIL);
		parse_ok("alb", l.data);
		assert_num(EV_STATUS, 400);
		assert_num(EV_BYTES, 0);
		assert_no_text(EV_METHOD);
		assert_no_text(EV_ENDPOINT);
		assert_int_equal(ev.epoch, 1543616580); /* date -u -d '2018-11-30 22:23:00' +%s */
		buf_free(&l);
	}
}

static void test_alb_request_still_gives_method_and_path(void **state)
{
	(void)state;
	parse_ok("alb", "http 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 "
			"10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 \"GET http://www.example.com:80/a?b=1 HTTP/1.1\" "
			"\"curl/7.46.0\" - - arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067");
	assert_text(EV_METHOD, "GET");
	assert_text(EV_ENDPOINT, "/a");
	assert_num(EV_BYTES, 366);
	assert_num(EV_LATENCY_MS, 1);
}

static void test_alb_nlb_and_connection_log_lines_are_skipped(void **state)
{
	(void)state;
	/* lines 3 and 7 of elastic/integrations' aws elb_logs test-alb.log */
	assert_int_equal(parse("alb", "tls 2.0 2018-12-20T02:59:40 net/my-network-loadbalancer/c6e77e28c25b2234 "
				      "g3d4b5e8bb8464cd 192.168.131.39:2817 10.0.0.1:80 5 2 98 246 - "
				      "arn:aws:acm:us-east-2:671290407336:certificate/2a108f19 - ECDHE-RSA-AES128-SHA tlsv12 - "
				      "my-network-loadbalancer-c6e77e28c25b2234.elb.us-east-2.amazonaws.com - - - 2018-12-20T02:59:30"), 1);
	assert_int_equal(parse("alb", "2024-10-04T17:05:15.514108Z 192.168.131.39 36280 443 TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256 "
				      "4.036 \"CN=amazondomains.com,O=endEntity\" NotBefore=2023-09-21T22:43:21Z FEF257372D5C14D4 Success"), 1);
	assert_int_equal(parse("alb", "2024-11-29T13:45:24.599544Z 172.31.43.26 58206 80 - - - \"-\" - - - TID_16132ed0b4112148"), 1);
	assert_int_equal(parse("alb", "2024-11-29T13:45:24.599544Z garbage"), -1);
}

static void test_elb_tcp_and_ssl_entries_are_skipped(void **state)
{
	(void)state;
	/* filebeat's aws/elb/test/elb-tcp.log line 1 and example-ssl.log */
	assert_int_equal(parse("elb", "2019-10-17T13:22:51.758784Z filebeat-aws-elb-test-elb 77.227.156.41:51600 10.0.0.47:80 "
				      "0.000943 0.00001 0.000015 - - 134 859 \"- - - \" \"-\" - -"), 1);
	assert_int_equal(parse("elb", "2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 "
				      "0.001065 0.000015 0.000023 - - 57 502 \"- - - \" \"-\" ECDHE-ECDSA-AES128-GCM-SHA256 TLSv1.2"), 1);
}

/* ---- proxy: the combined part ---- */

static void test_proxy_line_without_pairs_still_parses(void **state)
{
	(void)state;
	parse_ok("proxy", "203.0.113.7 - - [10/Mar/2024:13:55:36 +0000] \"GET /a HTTP/1.1\" 200 10 \"-\" \"curl\"");
	assert_int_equal(ev.epoch, T0);
	assert_no_text(EV_TOKEN);
	assert_no_num(EV_TOTAL_TOKENS);
}

static void test_proxy_full_line_fills_every_field(void **state)
{
	(void)state;
	parse_pairs("token=ghp_abc123 user=alice model=gpt-4o provider=openai input_tokens=100 output_tokens=20 "
		    "cache_read_tokens=5 cache_write_tokens=3 rt=0.250 urt=\"0.240\" rl_remaining=4999 "
		    "rl_limit=5000 rl_reset=1710082536 request_id=abc123def");
	assert_int_equal(ev.epoch, T0);
	assert_text(EV_METHOD, "POST");
	assert_text(EV_ENDPOINT, "/v1/chat/completions");
	assert_num(EV_STATUS, 200);
	assert_num(EV_BYTES, 512);
	assert_text(EV_TOKEN, "ghp_abc123");
	assert_text(EV_USER, "alice");
	assert_text(EV_MODEL, "gpt-4o");
	assert_text(EV_PROVIDER, "openai");
	assert_num(EV_INPUT_TOKENS, 100);
	assert_num(EV_OUTPUT_TOKENS, 20);
	assert_num(EV_CACHE_READ_TOKENS, 5);
	assert_num(EV_CACHE_WRITE_TOKENS, 3);
	assert_num(EV_TOTAL_TOKENS, 128);
	assert_num(EV_LATENCY_MS, 250);
	assert_num(EV_UPSTREAM_MS, 240);
	assert_num(EV_RL_REMAINING, 4999);
	assert_num(EV_RL_LIMIT, 5000);
	assert_num(EV_RL_RESET, 1710082536);
	assert_text(EV_REQUEST_ID, "abc123def");
}

/* ---- proxy: key aliases ---- */

static void test_proxy_token_aliases(void **state)
{
	(void)state;
	const char *keys[] = { "token", "tok", "key", "api_key" };
	for (size_t i = 0; i < 4; i++) {
		char pairs[64];
		snprintf(pairs, sizeof(pairs), "%s=sk-secret%zu", keys[i], i);
		parse_pairs(pairs);
		char want[32];
		snprintf(want, sizeof(want), "sk-secret%zu", i);
		assert_text(EV_TOKEN, want);
	}
}

static void test_proxy_user_aliases(void **state)
{
	(void)state;
	const char *keys[] = { "user", "user_id", "uid" };
	for (size_t i = 0; i < 3; i++) {
		char pairs[64];
		snprintf(pairs, sizeof(pairs), "%s=u%zu", keys[i], i);
		parse_pairs(pairs);
		char want[8];
		snprintf(want, sizeof(want), "u%zu", i);
		assert_text(EV_USER, want);
	}
}

static void test_proxy_input_tokens_key(void **state)
{
	(void)state;
	parse_pairs("input_tokens=42");
	assert_num(EV_INPUT_TOKENS, 42);
	assert_num(EV_TOTAL_TOKENS, 42);
}

static void test_proxy_prompt_token_aliases_are_input(void **state)
{
	(void)state;
	parse_pairs("prompt_tokens=42");
	assert_num(EV_INPUT_TOKENS, 42);
	parse_pairs("pt=43");
	assert_num(EV_INPUT_TOKENS, 43);
}

static void test_proxy_prompt_tokens_include_cache_reads(void **state)
{
	(void)state;
	/* OpenAI's prompt_tokens count cached tokens too: uncached input is the difference */
	parse_pairs("pt=100 cached_tokens=30 ct=7");
	assert_num(EV_INPUT_TOKENS, 70);
	assert_num(EV_CACHE_READ_TOKENS, 30);
	assert_num(EV_OUTPUT_TOKENS, 7);
	assert_num(EV_TOTAL_TOKENS, 107);
}

static void test_proxy_input_tokens_win_over_prompt_tokens(void **state)
{
	(void)state;
	parse_pairs("input_tokens=60 prompt_tokens=100 cache_read_tokens=30");
	assert_num(EV_INPUT_TOKENS, 60);
	assert_num(EV_TOTAL_TOKENS, 90);
}

static void test_proxy_output_token_aliases(void **state)
{
	(void)state;
	const char *keys[] = { "output_tokens", "completion_tokens", "ct" };
	for (size_t i = 0; i < 3; i++) {
		char pairs[64];
		snprintf(pairs, sizeof(pairs), "%s=%zu", keys[i], 10 + i);
		parse_pairs(pairs);
		assert_num(EV_OUTPUT_TOKENS, (int64_t)(10 + i));
		assert_no_num(EV_INPUT_TOKENS);
	}
}

static void test_proxy_cache_read_aliases(void **state)
{
	(void)state;
	parse_pairs("cache_read_tokens=11");
	assert_num(EV_CACHE_READ_TOKENS, 11);
	parse_pairs("cached_tokens=12");
	assert_num(EV_CACHE_READ_TOKENS, 12);
}

static void test_proxy_cache_write_key(void **state)
{
	(void)state;
	parse_pairs("cache_write_tokens=13");
	assert_num(EV_CACHE_WRITE_TOKENS, 13);
	assert_num(EV_TOTAL_TOKENS, 13);
}

static void test_proxy_request_time_aliases_are_seconds_to_milliseconds(void **state)
{
	(void)state;
	parse_pairs("rt=0.250");
	assert_num(EV_LATENCY_MS, 250);
	parse_pairs("request_time=1.5");
	assert_num(EV_LATENCY_MS, 1500);
	parse_pairs("rt=2");
	assert_num(EV_LATENCY_MS, 2000);
}

static void test_proxy_request_time_is_rounded_to_milliseconds(void **state)
{
	(void)state;
	parse_pairs("rt=0.0006");
	assert_num(EV_LATENCY_MS, 1);
	parse_pairs("rt=0.0004");
	assert_num(EV_LATENCY_MS, 0);
}

static void test_proxy_upstream_time_is_latency_when_rt_is_absent(void **state)
{
	(void)state;
	parse_pairs("urt=0.120");
	assert_num(EV_UPSTREAM_MS, 120);
	assert_num(EV_LATENCY_MS, 120);
	parse_pairs("upstream_response_time=0.300");
	assert_num(EV_LATENCY_MS, 300);
}

static void test_proxy_upstream_time_list_is_summed(void **state)
{
	(void)state;
	parse_pairs("urt=\"0.010, 0.020\"");
	assert_num(EV_UPSTREAM_MS, 30);
	assert_num(EV_LATENCY_MS, 30);
	parse_pairs("urt=\"0.010, 0.020 : 0.030\"");
	assert_num(EV_UPSTREAM_MS, 60);
}

static void test_proxy_request_time_wins_over_upstream_time(void **state)
{
	(void)state;
	parse_pairs("urt=\"0.010, 0.020\" rt=0.500");
	assert_num(EV_LATENCY_MS, 500);
	assert_num(EV_UPSTREAM_MS, 30);
}

static void test_proxy_dash_upstream_time_is_null(void **state)
{
	(void)state;
	parse_pairs("urt=-");
	assert_no_num(EV_UPSTREAM_MS);
	assert_no_num(EV_LATENCY_MS);
	parse_pairs("urt=\"-, 0.015\"");
	assert_num(EV_UPSTREAM_MS, 15);
}

static void test_proxy_rate_limit_remaining_aliases(void **state)
{
	(void)state;
	const char *keys[] = { "rl_remaining", "rl_rem", "x_ratelimit_remaining" };
	for (size_t i = 0; i < 3; i++) {
		char pairs[64];
		snprintf(pairs, sizeof(pairs), "%s=%zu", keys[i], 100 + i);
		parse_pairs(pairs);
		assert_num(EV_RL_REMAINING, (int64_t)(100 + i));
	}
}

static void test_proxy_rate_limit_limit_aliases(void **state)
{
	(void)state;
	const char *keys[] = { "rl_limit", "rl_lim", "x_ratelimit_limit" };
	for (size_t i = 0; i < 3; i++) {
		char pairs[64];
		snprintf(pairs, sizeof(pairs), "%s=%zu", keys[i], 5000 + i);
		parse_pairs(pairs);
		assert_num(EV_RL_LIMIT, (int64_t)(5000 + i));
	}
}

static void test_proxy_rate_limit_reset_aliases(void **state)
{
	(void)state;
	parse_pairs("rl_reset=1710082536");
	assert_num(EV_RL_RESET, 1710082536);
	parse_pairs("x_ratelimit_reset=1710082537");
	assert_num(EV_RL_RESET, 1710082537);
}

static void test_proxy_rate_limit_zero_is_a_value(void **state)
{
	(void)state;
	parse_pairs("rl_remaining=0");
	assert_num(EV_RL_REMAINING, 0);
}

static void test_proxy_request_id_aliases(void **state)
{
	(void)state;
	parse_pairs("request_id=7f9c2ba4e88f827d");
	assert_text(EV_REQUEST_ID, "7f9c2ba4e88f827d");
	parse_pairs("req_id=r-2");
	assert_text(EV_REQUEST_ID, "r-2");
}

/* ---- proxy: values ---- */

static void test_proxy_quoted_values_may_hold_spaces(void **state)
{
	(void)state;
	parse_pairs("model=\"gpt-4o mini\" provider=\"openai\" user=\"alice smith\"");
	assert_text(EV_MODEL, "gpt-4o mini");
	assert_text(EV_PROVIDER, "openai");
	assert_text(EV_USER, "alice smith");
}

static void test_proxy_escaped_quote_in_value_does_not_end_it(void **state)
{
	(void)state;
	parse_pairs("model=\"a \\\"b\\\" c\" provider=anthropic");
	assert_non_null(ev.text[EV_MODEL].p);
	assert_non_null(memmem(ev.text[EV_MODEL].p, ev.text[EV_MODEL].n, "c", 1));
	assert_text(EV_PROVIDER, "anthropic");
}

static void test_proxy_dash_values_are_null_not_zero(void **state)
{
	(void)state;
	parse_pairs("token=- user=- model=- input_tokens=- output_tokens=- rt=- rl_remaining=- request_id=-");
	assert_no_text(EV_TOKEN);
	assert_no_text(EV_USER);
	assert_no_text(EV_MODEL);
	assert_no_text(EV_REQUEST_ID);
	assert_no_num(EV_INPUT_TOKENS);
	assert_no_num(EV_OUTPUT_TOKENS);
	assert_no_num(EV_TOTAL_TOKENS);
	assert_no_num(EV_LATENCY_MS);
	assert_no_num(EV_RL_REMAINING);
}

static void test_proxy_empty_values_are_null_not_zero(void **state)
{
	(void)state;
	parse_pairs("model= input_tokens= user=\"\" rl_limit=\"\" output_tokens=5");
	assert_no_text(EV_MODEL);
	assert_no_text(EV_USER);
	assert_no_num(EV_INPUT_TOKENS);
	assert_no_num(EV_RL_LIMIT);
	assert_num(EV_OUTPUT_TOKENS, 5);
}

static void test_proxy_quoted_dash_is_null(void **state)
{
	(void)state;
	parse_pairs("model=\"-\" input_tokens=\"-\"");
	assert_no_text(EV_MODEL);
	assert_no_num(EV_INPUT_TOKENS);
}

static void test_proxy_unknown_keys_are_ignored(void **state)
{
	(void)state;
	parse_pairs("foo=bar x.y-z=\"1 2\" model=gpt-4o 203.0.113.9 bare_word input_tokens=3");
	assert_text(EV_MODEL, "gpt-4o");
	assert_num(EV_INPUT_TOKENS, 3);
	assert_no_text(EV_TOKEN);
}

static void test_proxy_keys_are_matched_whole(void **state)
{
	(void)state;
	/* "tokens" and "my_token" are not "token"; "userx" is not "user" */
	parse_pairs("tokens=abc my_token=def userx=ghi");
	assert_no_text(EV_TOKEN);
	assert_no_text(EV_USER);
}

static void test_proxy_token_keeps_its_auth_scheme(void **state)
{
	(void)state;
	/* The parser stores what was logged; ingest strips the scheme (credential_strip_scheme). */
	parse_pairs("token=\"Bearer ghp_abc123\"");
	assert_text(EV_TOKEN, "Bearer ghp_abc123");
	const char *p = ev.text[EV_TOKEN].p;
	size_t n = ev.text[EV_TOKEN].n;
	credential_strip_scheme(&p, &n);
	assert_int_equal(n, 10);
	assert_memory_equal(p, "ghp_abc123", 10);
}

static void test_proxy_float_with_zero_fraction_is_an_integer(void **state)
{
	(void)state;
	parse_pairs("rl_reset=1710082536.0 input_tokens=7.00");
	assert_num(EV_RL_RESET, 1710082536);
	assert_num(EV_INPUT_TOKENS, 7);
}

/* ---- proxy: who is the user ---- */

static void test_proxy_remote_user_is_user_without_token_or_user(void **state)
{
	(void)state;
	parse_ok("proxy", "203.0.113.7 - dave [10/Mar/2024:13:55:36 +0000] \"GET /a HTTP/1.1\" 200 1 \"-\" \"-\" model=m");
	assert_text(EV_USER, "dave");
}

static void test_proxy_remote_user_is_not_user_when_a_token_is_logged(void **state)
{
	(void)state;
	parse_ok("proxy", "203.0.113.7 - dave [10/Mar/2024:13:55:36 +0000] \"GET /a HTTP/1.1\" 200 1 \"-\" \"-\" token=ghp_x1");
	assert_no_text(EV_USER);
	assert_text(EV_REMOTE_USER, "dave");
	assert_text(EV_TOKEN, "ghp_x1");
}

static void test_proxy_user_key_wins_over_remote_user(void **state)
{
	(void)state;
	parse_ok("proxy", "203.0.113.7 - dave [10/Mar/2024:13:55:36 +0000] \"GET /a HTTP/1.1\" 200 1 \"-\" \"-\" user=erin");
	assert_text(EV_USER, "erin");
}

/* ---- proxy: totals ---- */

static void test_proxy_total_is_the_sum_of_the_kinds(void **state)
{
	(void)state;
	parse_pairs("input_tokens=1 output_tokens=20 cache_read_tokens=300 cache_write_tokens=4000");
	assert_num(EV_TOTAL_TOKENS, 4321);
}

static void test_proxy_logged_total_gives_way_to_the_kinds(void **state)
{
	(void)state;
	parse_pairs("total_tokens=999 input_tokens=10 output_tokens=5");
	assert_num(EV_TOTAL_TOKENS, 15);
}

static void test_proxy_logged_total_is_kept_without_kinds(void **state)
{
	(void)state;
	parse_pairs("total_tokens=999");
	assert_num(EV_TOTAL_TOKENS, 999);
	assert_no_num(EV_INPUT_TOKENS);
}

/* ---- proxy: rejects and skips ---- */

static void test_proxy_bad_number_is_rejected_without_quoting_it(void **state)
{
	(void)state;
	struct buf l = BUF_INIT;
	buf_printf(&l, "%s%s", PROXY_HEAD, "input_tokens=ghp_notanumber123");
	assert_int_equal(parse("proxy", l.data), -1);
	assert_non_null(strstr(buf_str(&reason), "input_tokens"));
	assert_null(strstr(buf_str(&reason), "ghp_notanumber123"));
	buf_free(&l);
}

static void test_proxy_bad_seconds_are_rejected(void **state)
{
	(void)state;
	struct buf l = BUF_INIT;
	buf_printf(&l, "%s%s", PROXY_HEAD, "rt=fast");
	assert_int_equal(parse("proxy", l.data), -1);
	assert_true(reason.len > 0);
	buf_free(&l);
}

static void test_proxy_malformed_line_is_rejected_with_a_reason(void **state)
{
	(void)state;
	assert_int_equal(parse("proxy", "203.0.113.7 - - [10/Mar/2024:13:55:36 +0000] \"GET /a HTTP/1.1\" abc"), -1);
	assert_non_null(strstr(buf_str(&reason), "proxy"));
}

static void test_proxy_comment_line_is_skipped(void **state)
{
	(void)state;
	assert_int_equal(parse("proxy", "# nginx log_format proxy"), 1);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_combined_line_fills_time_request_status_bytes),
		cmocka_unit_test(test_combined_time_offset_is_converted_to_utc),
		cmocka_unit_test(test_combined_ipv6_client_is_accepted),
		cmocka_unit_test(test_combined_forwarded_for_client_list_is_accepted),
		cmocka_unit_test(test_combined_quoted_forwarded_for_is_accepted),
		cmocka_unit_test(test_combined_vhost_prefix_is_accepted),
		cmocka_unit_test(test_combined_empty_request_has_null_method_and_endpoint),
		cmocka_unit_test(test_combined_dash_request_has_null_method_and_endpoint),
		cmocka_unit_test(test_combined_escaped_quotes_in_user_agent_are_accepted),
		cmocka_unit_test(test_combined_escaped_quote_in_request_is_accepted),
		cmocka_unit_test(test_combined_dash_bytes_are_null_not_zero),
		cmocka_unit_test(test_combined_query_string_is_dropped_from_endpoint),
		cmocka_unit_test(test_combined_remote_user_becomes_the_user),
		cmocka_unit_test(test_combined_request_without_protocol_has_endpoint),
		cmocka_unit_test(test_combined_accepts_extra_trailing_fields),
		cmocka_unit_test(test_combined_malformed_line_is_rejected_with_a_reason),
		cmocka_unit_test(test_combined_bad_time_is_rejected_with_a_reason),
		cmocka_unit_test(test_bad_time_reason_quotes_the_whole_value),
		cmocka_unit_test(test_combined_comment_line_is_skipped),
		cmocka_unit_test(test_combined_blank_line_is_skipped),
		cmocka_unit_test(test_combined_repeated_timestamp_gives_the_same_epoch),
		cmocka_unit_test(test_common_line_is_parsed),
		cmocka_unit_test(test_common_reads_a_combined_line_of_the_same_file),
		cmocka_unit_test(test_combined_reads_a_common_line_of_the_same_file),
		cmocka_unit_test(test_combined_line_with_garbage_after_bytes_is_still_rejected),
		cmocka_unit_test(test_combined_16_kib_request_is_parsed),
		cmocka_unit_test(test_proxy_and_common_read_a_1_mib_request),
		cmocka_unit_test(test_alb_malformed_request_is_an_event_with_its_status),
		cmocka_unit_test(test_alb_request_still_gives_method_and_path),
		cmocka_unit_test(test_alb_nlb_and_connection_log_lines_are_skipped),
		cmocka_unit_test(test_elb_tcp_and_ssl_entries_are_skipped),
		cmocka_unit_test(test_proxy_line_without_pairs_still_parses),
		cmocka_unit_test(test_proxy_full_line_fills_every_field),
		cmocka_unit_test(test_proxy_token_aliases),
		cmocka_unit_test(test_proxy_user_aliases),
		cmocka_unit_test(test_proxy_input_tokens_key),
		cmocka_unit_test(test_proxy_prompt_token_aliases_are_input),
		cmocka_unit_test(test_proxy_prompt_tokens_include_cache_reads),
		cmocka_unit_test(test_proxy_input_tokens_win_over_prompt_tokens),
		cmocka_unit_test(test_proxy_output_token_aliases),
		cmocka_unit_test(test_proxy_cache_read_aliases),
		cmocka_unit_test(test_proxy_cache_write_key),
		cmocka_unit_test(test_proxy_request_time_aliases_are_seconds_to_milliseconds),
		cmocka_unit_test(test_proxy_request_time_is_rounded_to_milliseconds),
		cmocka_unit_test(test_proxy_upstream_time_is_latency_when_rt_is_absent),
		cmocka_unit_test(test_proxy_upstream_time_list_is_summed),
		cmocka_unit_test(test_proxy_request_time_wins_over_upstream_time),
		cmocka_unit_test(test_proxy_dash_upstream_time_is_null),
		cmocka_unit_test(test_proxy_rate_limit_remaining_aliases),
		cmocka_unit_test(test_proxy_rate_limit_limit_aliases),
		cmocka_unit_test(test_proxy_rate_limit_reset_aliases),
		cmocka_unit_test(test_proxy_rate_limit_zero_is_a_value),
		cmocka_unit_test(test_proxy_request_id_aliases),
		cmocka_unit_test(test_proxy_quoted_values_may_hold_spaces),
		cmocka_unit_test(test_proxy_escaped_quote_in_value_does_not_end_it),
		cmocka_unit_test(test_proxy_dash_values_are_null_not_zero),
		cmocka_unit_test(test_proxy_empty_values_are_null_not_zero),
		cmocka_unit_test(test_proxy_quoted_dash_is_null),
		cmocka_unit_test(test_proxy_unknown_keys_are_ignored),
		cmocka_unit_test(test_proxy_keys_are_matched_whole),
		cmocka_unit_test(test_proxy_token_keeps_its_auth_scheme),
		cmocka_unit_test(test_proxy_float_with_zero_fraction_is_an_integer),
		cmocka_unit_test(test_proxy_remote_user_is_user_without_token_or_user),
		cmocka_unit_test(test_proxy_remote_user_is_not_user_when_a_token_is_logged),
		cmocka_unit_test(test_proxy_user_key_wins_over_remote_user),
		cmocka_unit_test(test_proxy_total_is_the_sum_of_the_kinds),
		cmocka_unit_test(test_proxy_logged_total_gives_way_to_the_kinds),
		cmocka_unit_test(test_proxy_logged_total_is_kept_without_kinds),
		cmocka_unit_test(test_proxy_bad_number_is_rejected_without_quoting_it),
		cmocka_unit_test(test_proxy_bad_seconds_are_rejected),
		cmocka_unit_test(test_proxy_malformed_line_is_rejected_with_a_reason),
		cmocka_unit_test(test_proxy_comment_line_is_skipped),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
