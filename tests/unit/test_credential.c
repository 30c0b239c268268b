/*
 * Unit tests of credential.c: masked display forms, auth scheme stripping, keyed
 * fingerprints and the scrubbing of rejected lines. No full secret may leave the module.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "buf.h"
#include "credential.h"

/* A GitHub-style token: "ghp_" and 36 characters, 40 in all. */
static const char GHP40[] = "ghp_abc1DEFGHIJKLMNOPQRSTUVWXYZ01234wxyz";

static char *mask(const char *s, size_t n)
{
	struct buf b = BUF_INIT;
	credential_mask(s, n, &b);
	char *r = xstrdup(buf_str(&b));
	buf_free(&b);
	return r;
}

static char *strip(const char *s)
{
	const char *p = s;
	size_t n = strlen(s);
	credential_strip_scheme(&p, &n);
	return xstrndup(p, n);
}

static char *scrub(const char *s)
{
	struct credential_scrubber *sc = credential_scrubber_new();
	struct buf b = BUF_INIT;
	credential_scrub(sc, s, strlen(s), &b);
	char *r = xstrdup(buf_str(&b));
	buf_free(&b);
	credential_scrubber_free(sc);
	return r;
}

/* Does OUT contain any run of more than MAX consecutive characters of SECRET? */
static int leaks_more_than(const char *out, const char *secret, size_t max)
{
	size_t n = strlen(secret);
	for (size_t i = 0; i + max + 1 <= n; i++)
		if (memmem(out, strlen(out), secret + i, max + 1))
			return 1;
	return 0;
}

/* ---- masking ---- */

static void test_mask_keeps_prefix_and_suffix(void **state)
{
	(void)state;
	assert_int_equal(strlen(GHP40), 40);
	char *m = mask(GHP40, 40);
	assert_string_equal(m, "ghp_abc1...wxyz");
	free(m);
}

static void test_mask_never_shows_more_than_a_quarter_on_each_side(void **state)
{
	(void)state;
	char secret[200];
	for (size_t i = 0; i < sizeof(secret); i++)
		secret[i] = (char)('a' + i % 26);
	for (size_t n = 12; n <= sizeof(secret); n++) {
		char *m = mask(secret, n);
		const char *dots = strstr(m, "...");
		assert_non_null(dots);
		size_t head = (size_t)(dots - m), tail = strlen(dots + 3);
		assert_true(head <= 8 && head <= n / 4);
		assert_true(tail <= 4 && tail <= n / 4);
		assert_true(head + tail < n / 2);
		assert_memory_equal(m, secret, head);
		assert_memory_equal(dots + 3, secret + n - tail, tail);
		free(m);
	}
}

static void test_mask_of_short_secret_is_only_stars(void **state)
{
	(void)state;
	for (size_t n = 0; n < 12; n++) {
		char *m = mask("abcdefghijkl", n);
		assert_string_equal(m, "****");
		free(m);
	}
}

static void test_mask_appends_to_the_buffer(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	buf_adds(&b, "key: ");
	credential_mask(GHP40, 40, &b);
	assert_string_equal(buf_str(&b), "key: ghp_abc1...wxyz");
	buf_free(&b);
}

/* ---- scheme stripping ---- */

static void test_strip_scheme_drops_bearer(void **state)
{
	(void)state;
	char *s = strip("Bearer ghp_secret123");
	assert_string_equal(s, "ghp_secret123");
	free(s);
}

static void test_strip_scheme_is_case_insensitive(void **state)
{
	(void)state;
	char *s = strip("bearer abc123");
	assert_string_equal(s, "abc123");
	free(s);
	s = strip("BEARER abc123");
	assert_string_equal(s, "abc123");
	free(s);
}

static void test_strip_scheme_drops_token_and_basic(void **state)
{
	(void)state;
	char *s = strip("token ghp_secret123");
	assert_string_equal(s, "ghp_secret123");
	free(s);
	s = strip("Basic dXNlcjpwYXNz");
	assert_string_equal(s, "dXNlcjpwYXNz");
	free(s);
}

static void test_strip_scheme_drops_quotes_and_spaces(void **state)
{
	(void)state;
	char *s = strip("\"Bearer   abc123\"");
	assert_string_equal(s, "abc123");
	free(s);
	s = strip("  'abc123'  ");
	assert_string_equal(s, "abc123");
	free(s);
}

static void test_strip_scheme_keeps_a_bare_secret(void **state)
{
	(void)state;
	char *s = strip("ghp_secret123");
	assert_string_equal(s, "ghp_secret123");
	free(s);
}

static void test_strip_scheme_needs_a_space_after_the_scheme(void **state)
{
	(void)state;
	char *s = strip("tokenabc123");
	assert_string_equal(s, "tokenabc123");
	free(s);
}

/* ---- fingerprints ---- */

static void test_fingerprint_is_32_lowercase_hex_digits(void **state)
{
	(void)state;
	unsigned char key[CREDENTIAL_KEY_BYTES] = { 1 };
	char hex[CREDENTIAL_FP_HEX];
	credential_fingerprint(key, GHP40, 40, hex);
	assert_int_equal(strlen(hex), 32);
	for (int i = 0; i < 32; i++)
		assert_true((hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f'));
}

static void test_fingerprint_is_deterministic_for_one_key(void **state)
{
	(void)state;
	unsigned char key[CREDENTIAL_KEY_BYTES];
	char a[CREDENTIAL_FP_HEX], b[CREDENTIAL_FP_HEX];
	randombytes_buf(key, sizeof(key));
	credential_fingerprint(key, GHP40, 40, a);
	credential_fingerprint(key, GHP40, 40, b);
	assert_string_equal(a, b);
}

static void test_fingerprint_is_keyed_blake2b_128(void **state)
{
	(void)state;
	unsigned char key[CREDENTIAL_KEY_BYTES], h[16];
	char hex[CREDENTIAL_FP_HEX], want[CREDENTIAL_FP_HEX];
	randombytes_buf(key, sizeof(key));
	crypto_generichash(h, sizeof(h), (const unsigned char *)GHP40, 40, key, sizeof(key));
	sodium_bin2hex(want, sizeof(want), h, sizeof(h));
	credential_fingerprint(key, GHP40, 40, hex);
	assert_string_equal(hex, want);
}

static void test_fingerprint_differs_with_another_key(void **state)
{
	(void)state;
	unsigned char k1[CREDENTIAL_KEY_BYTES] = { 1 }, k2[CREDENTIAL_KEY_BYTES] = { 2 };
	char a[CREDENTIAL_FP_HEX], b[CREDENTIAL_FP_HEX];
	credential_fingerprint(k1, GHP40, 40, a);
	credential_fingerprint(k2, GHP40, 40, b);
	assert_string_not_equal(a, b);
}

static void test_fingerprint_tells_apart_secrets_with_the_same_mask(void **state)
{
	(void)state;
	const char s1[] = "ghp_abc1AAAAAAAAAAAAAAAAAAAAAAAAAAAAwxyz";
	const char s2[] = "ghp_abc1BBBBBBBBBBBBBBBBBBBBBBBBBBBBwxyz";
	unsigned char key[CREDENTIAL_KEY_BYTES] = { 7 };
	char a[CREDENTIAL_FP_HEX], b[CREDENTIAL_FP_HEX];
	char *m1 = mask(s1, strlen(s1)), *m2 = mask(s2, strlen(s2));
	assert_string_equal(m1, m2);
	credential_fingerprint(key, s1, strlen(s1), a);
	credential_fingerprint(key, s2, strlen(s2), b);
	assert_string_not_equal(a, b);
	free(m1);
	free(m2);
}

static void test_fingerprint_does_not_contain_the_secret(void **state)
{
	(void)state;
	unsigned char key[CREDENTIAL_KEY_BYTES] = { 0 };
	char hex[CREDENTIAL_FP_HEX];
	credential_fingerprint(key, "abcd", 4, hex);
	assert_null(strstr(hex, "abcd"));
}

/* ---- scrubbing rejected lines ---- */

static void test_scrub_masks_token_key_value(void **state)
{
	(void)state;
	char line[256];
	snprintf(line, sizeof(line), "garbage token=%s model=gpt-4o", GHP40);
	char *s = scrub(line);
	assert_string_equal(s, "garbage token=ghp_abc1...wxyz model=gpt-4o");
	free(s);
}

static void test_scrub_masks_authorization_bearer_header(void **state)
{
	(void)state;
	const char secret[] = "sk-proj-Zq81mN3xVb7Lk2Pw9Rt4Yc6Hd0Jf5Ug";
	char line[256];
	snprintf(line, sizeof(line), "Authorization: Bearer %s trailing", secret);
	char *s = scrub(line);
	assert_null(strstr(s, secret));
	assert_false(leaks_more_than(s, secret, 8));
	assert_non_null(strstr(s, "Authorization: Bearer "));
	assert_non_null(strstr(s, " trailing"));
	free(s);
}

static void test_scrub_masks_quoted_api_key(void **state)
{
	(void)state;
	const char secret[] = "Zq81mN3xVb7Lk2Pw9Rt4";
	char line[256];
	snprintf(line, sizeof(line), "{\"api_key\": \"%s\", \"n\": 1}", secret);
	char *s = scrub(line);
	assert_null(strstr(s, secret));
	assert_false(leaks_more_than(s, secret, 8));
	assert_non_null(strstr(s, "\"api_key\": \""));
	assert_non_null(strstr(s, "\", \"n\": 1}"));
	free(s);

	snprintf(line, sizeof(line), "api_key=\"%s\" x", secret);
	s = scrub(line);
	assert_null(strstr(s, secret));
	free(s);
}

static void test_scrub_masks_short_key_values_entirely(void **state)
{
	(void)state;
	char *s = scrub("user=bob password=hunter2 ok");
	assert_string_equal(s, "user=bob password=**** ok");
	free(s);
}

static void test_scrub_masks_bare_github_token(void **state)
{
	(void)state;
	char line[256];
	snprintf(line, sizeof(line), "10.0.0.1 sent %s in the body", GHP40);
	char *s = scrub(line);
	assert_string_equal(s, "10.0.0.1 sent ghp_abc1...wxyz in the body");
	free(s);
}

static void test_scrub_masks_bare_openai_key(void **state)
{
	(void)state;
	const char secret[] = "sk-Zq81mN3xVb7Lk2Pw9Rt4Yc6Hd0Jf5UgAbCdEfGh";
	char line[256];
	snprintf(line, sizeof(line), "oops %s here", secret);
	char *s = scrub(line);
	assert_null(strstr(s, secret));
	assert_false(leaks_more_than(s, secret, 8));
	assert_memory_equal(s, "oops ", 5);
	assert_non_null(strstr(s, " here"));
	free(s);
}

static void test_scrub_masks_bare_google_api_key(void **state)
{
	(void)state;
	const char secret[] = "AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY";
	char line[256];
	snprintf(line, sizeof(line), "GET /maps?x=1 %s", secret);
	char *s = scrub(line);
	assert_null(strstr(s, secret));
	assert_false(leaks_more_than(s, secret, 8));
	assert_memory_equal(s, "GET /maps?x=1 ", 14);
	free(s);
}

static void test_scrub_masks_long_random_runs(void **state)
{
	(void)state;
	const char secret[] = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b";
	char line[256];
	snprintf(line, sizeof(line), "something %s else", secret);
	char *s = scrub(line);
	assert_null(strstr(s, secret));
	assert_false(leaks_more_than(s, secret, 8));
	assert_memory_equal(s, "something ", 10);
	free(s);
}

static void test_scrub_masks_every_secret_in_a_line(void **state)
{
	(void)state;
	const char s1[] = "ghp_abc1DEFGHIJKLMNOPQRSTUVWXYZ01234wxyz";
	const char s2[] = "sk-Zq81mN3xVb7Lk2Pw9Rt4Yc6Hd0Jf5UgAbCdEfGh";
	char line[256];
	snprintf(line, sizeof(line), "tok=%s key=%s", s1, s2);
	char *s = scrub(line);
	assert_null(strstr(s, s1));
	assert_null(strstr(s, s2));
	assert_false(leaks_more_than(s, s1, 8));
	assert_false(leaks_more_than(s, s2, 8));
	free(s);
}

static void test_scrub_leaves_ordinary_words_and_ips_alone(void **state)
{
	(void)state;
	const char *lines[] = {
		"203.0.113.7 - - [10/Mar/2024:13:55:36 +0000] \"GET /v1/models HTTP/1.1\" 200 512",
		"2001:db8::1 - alice [10/Mar/2024:13:55:36 -0700] \"POST /v1/chat/completions HTTP/2.0\" 429 -",
		"the quick brown fox jumps over the lazy dog",
		"model=gpt-4o provider=openai input_tokens=100 rt=0.250",
		"",
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		char *s = scrub(lines[i]);
		assert_string_equal(s, lines[i]);
		free(s);
	}
}

static void test_scrub_leaves_a_request_to_a_token_endpoint_alone(void **state)
{
	(void)state;
	/* OAuth token endpoints are ordinary paths: "token HTTP/1.1" is not a scheme and a secret */
	const char line[] = "203.0.113.7 - - [10/Mar/2024:13:55:36 +0000] \"POST /oauth/token HTTP/1.1\" 200 512";
	char *s = scrub(line);
	int same = strcmp(s, line) == 0;
	if (!same)
		print_error("scrubbed to: %s\n", s);
	free(s); /* before asserting: a failure must not leak */
	assert_true(same);
}

static void test_scrub_keeps_bytes_after_a_nul(void **state)
{
	(void)state;
	const char text[] = "a\0b token=Zq81mN3xVb7Lk2Pw9Rt4 c";
	size_t n = sizeof(text) - 1;
	struct credential_scrubber *sc = credential_scrubber_new();
	struct buf b = BUF_INIT;
	credential_scrub(sc, text, n, &b);
	assert_memory_equal(b.data, "a\0b token=", 10);
	assert_null(memmem(b.data, b.len, "Zq81mN3xVb7Lk2Pw9Rt4", 20));
	assert_memory_equal(b.data + b.len - 2, " c", 2);
	buf_free(&b);
	credential_scrubber_free(sc);
}

static void test_scrubber_free_accepts_null(void **state)
{
	(void)state;
	credential_scrubber_free(NULL);
	assert_true(1); /* reaching here without a crash is the behaviour */
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mask_keeps_prefix_and_suffix),
		cmocka_unit_test(test_mask_never_shows_more_than_a_quarter_on_each_side),
		cmocka_unit_test(test_mask_of_short_secret_is_only_stars),
		cmocka_unit_test(test_mask_appends_to_the_buffer),
		cmocka_unit_test(test_strip_scheme_drops_bearer),
		cmocka_unit_test(test_strip_scheme_is_case_insensitive),
		cmocka_unit_test(test_strip_scheme_drops_token_and_basic),
		cmocka_unit_test(test_strip_scheme_drops_quotes_and_spaces),
		cmocka_unit_test(test_strip_scheme_keeps_a_bare_secret),
		cmocka_unit_test(test_strip_scheme_needs_a_space_after_the_scheme),
		cmocka_unit_test(test_fingerprint_is_32_lowercase_hex_digits),
		cmocka_unit_test(test_fingerprint_is_deterministic_for_one_key),
		cmocka_unit_test(test_fingerprint_is_keyed_blake2b_128),
		cmocka_unit_test(test_fingerprint_differs_with_another_key),
		cmocka_unit_test(test_fingerprint_tells_apart_secrets_with_the_same_mask),
		cmocka_unit_test(test_fingerprint_does_not_contain_the_secret),
		cmocka_unit_test(test_scrub_masks_token_key_value),
		cmocka_unit_test(test_scrub_masks_authorization_bearer_header),
		cmocka_unit_test(test_scrub_masks_quoted_api_key),
		cmocka_unit_test(test_scrub_masks_short_key_values_entirely),
		cmocka_unit_test(test_scrub_masks_bare_github_token),
		cmocka_unit_test(test_scrub_masks_bare_openai_key),
		cmocka_unit_test(test_scrub_masks_bare_google_api_key),
		cmocka_unit_test(test_scrub_masks_long_random_runs),
		cmocka_unit_test(test_scrub_masks_every_secret_in_a_line),
		cmocka_unit_test(test_scrub_leaves_ordinary_words_and_ips_alone),
		cmocka_unit_test(test_scrub_leaves_a_request_to_a_token_endpoint_alone),
		cmocka_unit_test(test_scrub_keeps_bytes_after_a_nul),
		cmocka_unit_test(test_scrubber_free_accepts_null),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
