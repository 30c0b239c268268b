/*
 * Unit tests of credential.c: masked display forms, auth scheme stripping, keyed
 * fingerprints and the scrubbing of text: every known shape and random-looking keys are
 * masked, what is not a secret is kept, and the work is linear in the input.
 * No full secret may leave the module. The random secrets below were made with python3's
 * random module (seed 2024) in the shapes their issuers document.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
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

/* ---- scrubbing: known shapes ---- */

static const char *const SHAPES[] = {
	"ghp_ElULtm4UAWTWqIpO0VFwAHUN9ntITvHeUX3n",
	"gho_SWUD7T13PjIn3AdXwOADhUViWuyvwYmuBAuK",
	"ghu_n53AoncVoWb3q2GuX9KZTANhv2PMXopDximx",
	"ghs_FM1OjqyNvv8TTD3kRSX3iv7nLReg81la5jCT",
	"ghr_pwofmZspSDMqEH4BQAm1ettriKQUqHgFn5mY",
	"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",
	"sk-nPmDlEurUDOC1TZ0nzL3C3AMSi4nktzmWlwDRahvRaXoWGAQ",
	"sk-proj-eB7_g3QbRGuCn3irwdRNG_uU73-PueppU2xmg3dIDpOrBn3nI3uDapzW05wFLJT5oZYKODETD17NKy7gGWAH0rOKrlC7JLFXKx9U",
	"sk-svcacct-dWirm2PyjGeHy3vy8Ii7pmIqXmCEvLrXnqR0QQEcJWrIvGBq2yqqDGdo21e8tJU7SL95eKxX_U-UuiIz",
	"sk-ant-api03-x47Paso2gKkk97ADOM-LhB8FNOGQfrHSStgSbOOzxK6gum9HYg0zrrUb5U1FpR5Pa04zqo0_Y_5Cf5jIoVUiP98J0WGocAA",
	"AIzaF2utybbIhnQuDEJjtfGTkVvnUGb35FesTIa",
	"AKIA5PX4DJNVEH5FFOAF",
	"ASIAK5NMO62F2YRJPXMJ",
	"9cqJ0E3ZuXW4pIHsPpUkS/pyqr6nZ704+POEwC0d", /* an AWS secret access key */
	"xoxb-878504294339-9675817845093-VE9nPsCBG9fjEPJAtrGUvYfj",
	"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",
	"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",
	"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvIiwiaWF0IjoxNTE2MjM5MDIyfQ."
	"0O3YikwOHqmV_DcWxWVrhXxUkCEJrNa9V31TgbJf-gy",
};

/* Is SECRET in TEXT (put there with %s) masked in scrub(TEXT), the text around it kept? */
static int masked_in(const char *fmt, const char *secret, bool id)
{
	char line[1024], before[256], after[256];
	snprintf(line, sizeof(line), fmt, secret);
	const char *pct = strstr(fmt, "%s");
	snprintf(before, sizeof(before), "%.*s", (int)(pct - fmt), fmt);
	snprintf(after, sizeof(after), "%s", pct + 2);
	struct credential_scrubber *sc = credential_scrubber_new();
	struct buf b = BUF_INIT;
	(id ? credential_scrub_id : credential_scrub)(sc, line, strlen(line), &b);
	const char *out = buf_str(&b);
	int ok = !leaks_more_than(out, secret, 11) && strncmp(out, before, strlen(before)) == 0 &&
		 strlen(out) >= strlen(after) && strcmp(out + strlen(out) - strlen(after), after) == 0;
	if (!ok)
		print_error("%s\n  scrubbed to: %s\n", line, out);
	buf_free(&b);
	credential_scrubber_free(sc);
	return ok;
}

static void test_scrub_masks_every_known_shape_in_a_message(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(SHAPES) / sizeof(SHAPES[0]); i++)
		assert_true(masked_in("upstream said: invalid credential %s (401)", SHAPES[i], false));
}

static void test_scrub_masks_every_known_shape_in_a_path(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(SHAPES) / sizeof(SHAPES[0]); i++)
		assert_true(masked_in("/v1/keys/%s/usage", SHAPES[i], false));
}

static void test_scrub_masks_every_known_shape_as_a_whole_value(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(SHAPES) / sizeof(SHAPES[0]); i++)
		assert_true(masked_in("%s", SHAPES[i], false));
}

static void test_scrub_id_masks_every_known_shape(void **state)
{
	(void)state;
	/* a request id field holding a credential: known shapes are masked there too */
	for (size_t i = 0; i < sizeof(SHAPES) / sizeof(SHAPES[0]); i++)
		assert_true(masked_in("%s", SHAPES[i], true));
}

static void test_scrub_masks_bearer_values(void **state)
{
	(void)state;
	const char key[] = "Xk29fLq0Zp7wRt5vNb3m";
	assert_true(masked_in("curl -H 'Authorization: Bearer %s' https://api.example.com", key, false));
	assert_true(masked_in("got bearer %s from the cache", key, false));
	assert_true(masked_in("Bearer %s", key, true));
}

static void test_scrub_masks_key_parameters(void **state)
{
	(void)state;
	const char key[] = "Xk29fLq0Zp7wRt5vNb3m";
	const char *fmts[] = {
		"GET /v1/models?key=%s&alt=json", "/oauth?access_token=%s", "/cb?client_secret=%s&x=1",
		"?token=%s", "secret=%s", "OPENAI_API_KEY=%s", "{\"api_key\": \"%s\"}", "{\"apiKey\":\"%s\"}",
		"{\\\"accessToken\\\":\\\"%s\\\"}", "x-api-key: %s", "X-Goog-Api-Key: %s",
		"Authorization: token %s", "password=%s;", "X-Amz-Signature=%s",
	};
	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++)
		assert_true(masked_in(fmts[i], key, false));
}

static void test_scrub_masks_a_hex_token_after_a_key(void **state)
{
	(void)state;
	/* GitHub's tokens before 2021 were 40 hex digits: after a key, hex is a secret too */
	const char old[] = "3f786850e387550fdab836ed7e6dc881de23001b";
	assert_true(masked_in("Authorization: token %s", old, false));
	assert_true(masked_in("?access_token=%s", old, false));
}

/* ---- scrubbing: randomness ---- */

static void test_scrub_masks_a_random_base64url_key_in_a_path(void **state)
{
	(void)state;
	assert_true(masked_in("/hooks/%s/send", "YHvyXAcmMgw6-hqfk8IeEzx-0CQcIK8q", false));
}

static void test_scrub_masks_a_random_alnum_key_in_a_message(void **state)
{
	(void)state;
	assert_true(masked_in("auth failed for %s, retrying", "gcBqXOfQgZ1K0PBGY4X6XM1c5EEDhyyH", false));
}

static void test_scrub_masks_a_random_standard_base64_key_with_slashes(void **state)
{
	(void)state;
	assert_true(masked_in("key rejected: %s end", "SGDCWv9MZ2wYl5jJC+O4DvwcBpKlQrtv4A9AmWXLiW7k", false));
	assert_true(masked_in("key rejected: %s end", "r5Tq/8uZbN2xLw+Kc9Vp3Hy7Gd1Mf4Js/Qa6Ue0Wo==", false));
}

static void test_scrub_masks_the_random_part_of_a_telegram_bot_path(void **state)
{
	(void)state;
	char *s = scrub("/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage");
	assert_string_equal(s, "/bot123456789:AAHdqTcv...Dsaw/sendMessage");
	free(s);
}

/* ---- scrubbing: what is no secret stays ---- */

static void assert_unchanged(const char *const *texts, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *s = scrub(texts[i]);
		int same = strcmp(s, texts[i]) == 0;
		if (!same)
			print_error("%s\n  scrubbed to: %s\n", texts[i], s);
		free(s);
		assert_true(same);
	}
}
#define UNCHANGED(...)                                                                                                 \
	do {                                                                                                           \
		const char *const t_[] = { __VA_ARGS__ };                                                              \
		assert_unchanged(t_, sizeof(t_) / sizeof(t_[0]));                                                      \
	} while (0)

static void test_scrub_keeps_slugs_with_numbers(void **state)
{
	(void)state;
	UNCHANGED("/blog/how-to-install-python-3-on-ubuntu-20-04", "/blog/how-to-install-nodejs-18-on-ubuntu-20-04",
		  "/products/iPhone-XS-256GB", "/p/Akhavan-Single-Bowl-Sink-308", "/year-in-review-2011.html",
		  "/qwen3-coder-480b-a35b-v1/invoke");
}

static void test_scrub_keeps_dates_and_times(void **state)
{
	(void)state;
	UNCHANGED("2025-10-10T13:55:36.123456Z", "10/Oct/2025:13:55:36 +0000", "/archive/2024/07/18/", "20251010T135536Z",
		  "1760104536123");
}

static void test_scrub_keeps_uuids(void **state)
{
	(void)state;
	/* A UUID is an id (a session, a resource in a REST path), not a secret: hex, one case. */
	UNCHANGED("4d5611e5-241a-462a-8d15-5122611a9569", "/v1/projects/4D5611E5-241A-462A-8D15-5122611A9569/usage",
		  "chatcmpl-175bff47-ce89-4fad-bead-62a14f787c49");
}

static void test_scrub_keeps_version_strings(void **state)
{
	(void)state;
	UNCHANGED("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0.6099.109 Safari/537.36",
		  "/dist/logstash-1.1.0beta6-monolithic.jar", "v2.20101014.3063", "openai-python/1.54.4");
}

static void test_scrub_keeps_file_names(void **state)
{
	(void)state;
	UNCHANGED("/images/apple-touch-icon-120x120-precomposed.png", "/css/ui-bg_highlight-soft_25_327E04_1x100.png",
		  "/static/fontawesome-webfont.woff2", "/files/lumberjack_0.0.24_amd64.deb", "report-2025-10-12.csv");
}

static void test_scrub_keeps_long_english_words(void **state)
{
	(void)state;
	UNCHANGED("internationalization", "Pneumonoultramicroscopicsilicovolcanoconiosis",
		  "/docs/installing-windows-8-consumer-preview.html", "getElementsByTagNameNS", "WideCharToMultiByte",
		  "the quick brown fox jumps over the lazy dog");
}

static void test_scrub_keeps_commit_shas_in_paths(void **state)
{
	(void)state;
	/* A bare hex run is a commit, a digest or a trace id; a secret in hex (GitHub's tokens
	 * before 2021) arrives in the token field or after a key, where it is masked anyway. */
	UNCHANGED("/repos/octo/app/commits/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b",
		  "/repos/octo/app/git/trees/3F786850E387550FDAB836ED7E6DC881DE23001B",
		  "/blobs/sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		  "etag 5d41402abc4b2a76b9719d911017c592");
}

static void test_scrub_keeps_model_names(void **state)
{
	(void)state;
	UNCHANGED("claude-sonnet-4-5-20250929", "gpt-4o-mini-2024-07-18", "anthropic.claude-3-5-sonnet-20241022-v2:0",
		  "ft:gpt-4o-mini-2024-07-18:my-org:custom:9yZZ2u7k", "mixtral-8x22b-instruct", "qwen2p5-coder-1p5b-instruct",
		  "deepseek-v3p1-terminus", "gemini-2.0-flash-001");
}

static void test_scrub_keeps_public_api_ids(void **state)
{
	(void)state;
	UNCHANGED("chatcmpl-BDpZplWguNLn40wA5mIpCR3OIzvYP", "msg_01XFDUDYJgAACzvnptvVoYEL", "req_011CUabcXYZ2kLmn9PqRsTuv",
		  "toolu_01A09q90qw90lq917835lq9", "call_4hrT4QP9jfojtK69vGiFCFjG");
}

static void test_scrub_keeps_prose_after_key_words(void **state)
{
	(void)state;
	UNCHANGED("token: expired", "Invalid API key: Unauthorized", "missing key: model", "Basic usage of the API",
		  "the bearer of bad news", "POST /oauth/token HTTP/1.1", "max_tokens=512 input_tokens=100", "token=-");
}

static void test_scrub_id_keeps_random_request_ids(void **state)
{
	(void)state;
	/* request ids are random by design: CloudFront's x-edge-request-id, a Gemini responseId */
	const char *ids[] = { "MRVMF7KydIvxMWfJIglgwHQwZsbG2IhRJ07sn9AkKUFSHS9EXAMPLE==", "3SE-aKjdCcCEz7IPxpqjCA",
			      "0123456789abcdef0123456789abcdef" };
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		struct credential_scrubber *sc = credential_scrubber_new();
		struct buf b = BUF_INIT;
		credential_scrub_id(sc, ids[i], strlen(ids[i]), &b);
		int same = strcmp(buf_str(&b), ids[i]) == 0;
		buf_free(&b);
		credential_scrubber_free(sc);
		assert_true(same);
	}
}

/* ---- Basic credentials ---- */

static void test_mask_of_basic_credentials_shows_the_user_and_no_password(void **state)
{
	(void)state;
	/* base64("alice:s3cretpassw0rd"): its last characters encode the password */
	char *m = mask("YWxpY2U6czNjcmV0cGFzc3cwcmQ=", 28);
	assert_string_equal(m, "alice:****");
	free(m);
}

static void test_mask_of_basic_credentials_hides_a_key_used_as_user(void **state)
{
	(void)state;
	/* Stripe's curl -u sk_live_...: sends the key as the user name with an empty password */
	const char user[] = "sk_live_mfIOJcLRFRn2ZPVkkfqzj59W:";
	char b64[128];
	sodium_bin2base64(b64, sizeof(b64), (const unsigned char *)user, strlen(user), sodium_base64_VARIANT_ORIGINAL);
	char *m = mask(b64, strlen(b64));
	assert_string_equal(m, "****:****");
	free(m);
}

static void test_mask_of_a_random_base64_token_is_not_basic(void **state)
{
	(void)state;
	/* decodes to bytes that are no "user:password" text: the usual head...tail */
	char *m = mask("SGDCWv9MZ2wYl5jJC+O4DvwcBpKlQrtv4A9AmWXLiW7k", 44);
	assert_string_equal(m, "SGDCWv9M...iW7k");
	free(m);
}

static void test_scrub_masks_basic_values_showing_only_the_user(void **state)
{
	(void)state;
	char *s = scrub("Authorization: Basic YWxpY2U6czNjcmV0cGFzc3cwcmQ= next");
	assert_string_equal(s, "Authorization: Basic alice:**** next");
	free(s);
	s = scrub("curl sent basic YWxpY2U6czNjcmV0cGFzc3cwcmQ=");
	assert_string_equal(s, "curl sent basic alice:****");
	free(s);
}

/* ---- linear time ---- */

/* Steps the scrubber takes per byte on N bytes of PATTERN repeated (or random alnum). */
static double steps_per_byte(const char *pattern, size_t n)
{
	char *text = xmalloc(n);
	uint32_t x = 2463534242u;
	for (size_t i = 0; i < n; i++) {
		if (pattern) {
			text[i] = pattern[i % strlen(pattern)];
		} else {
			x ^= x << 13, x ^= x >> 17, x ^= x << 5; /* xorshift32: a deterministic random run */
			text[i] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"[x % 62];
		}
	}
	struct credential_scrubber *sc = credential_scrubber_new();
	struct buf b = BUF_INIT;
	credential_scrub(sc, text, n, &b);
	double r = (double)credential_scrub_steps(sc) / (double)n;
	buf_free(&b);
	credential_scrubber_free(sc);
	free(text);
	return r;
}

/*
 * Linearity, proved by counting: the scrubber counts every byte each of its loops looks
 * at. A quadratic scan (the old pattern's look-aheads from every start) would take about
 * n/2 steps per byte, 500,000 at 1 MB; a linear one takes the same few steps per byte at
 * 1 MB and at 2 MB.
 */
static void assert_linear(const char *pattern)
{
	double one = steps_per_byte(pattern, 1 << 20), two = steps_per_byte(pattern, 2 << 20);
	if (one > 16 || two > 16 || two > one * 1.01 + 0.01)
		print_error("'%s': %.2f steps per byte at 1 MB, %.2f at 2 MB\n", pattern ? pattern : "random", one, two);
	assert_true(one <= 16);
	assert_true(two <= one * 1.01 + 0.01);
}

static void test_scrub_is_linear_on_a_run_of_dashes(void **state)
{
	(void)state;
	assert_linear("-");
}

static void test_scrub_is_linear_on_a_random_alnum_run(void **state)
{
	(void)state;
	assert_linear(NULL);
}

static void test_scrub_is_linear_on_repeated_assignments(void **state)
{
	(void)state;
	assert_linear("a=");
}

static void test_scrub_is_linear_on_repeated_prefixes_and_keys(void **state)
{
	(void)state;
	const char *patterns[] = { "sk-", "a/", "/+", "Ab1/", "key=", "token: ", "Bearer ", "eyJhbGciOiJ.", "ghp_a",
				   "AKIA", "x-api-key:", "Basic YWxpY2U6 " };
	for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++)
		assert_linear(patterns[i]);
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
		cmocka_unit_test(test_scrub_masks_every_secret_in_a_line),
		cmocka_unit_test(test_scrub_leaves_ordinary_words_and_ips_alone),
		cmocka_unit_test(test_scrub_leaves_a_request_to_a_token_endpoint_alone),
		cmocka_unit_test(test_scrub_keeps_bytes_after_a_nul),
		cmocka_unit_test(test_scrub_masks_every_known_shape_in_a_message),
		cmocka_unit_test(test_scrub_masks_every_known_shape_in_a_path),
		cmocka_unit_test(test_scrub_masks_every_known_shape_as_a_whole_value),
		cmocka_unit_test(test_scrub_id_masks_every_known_shape),
		cmocka_unit_test(test_scrub_masks_bearer_values),
		cmocka_unit_test(test_scrub_masks_key_parameters),
		cmocka_unit_test(test_scrub_masks_a_hex_token_after_a_key),
		cmocka_unit_test(test_scrub_masks_a_random_base64url_key_in_a_path),
		cmocka_unit_test(test_scrub_masks_a_random_alnum_key_in_a_message),
		cmocka_unit_test(test_scrub_masks_a_random_standard_base64_key_with_slashes),
		cmocka_unit_test(test_scrub_masks_the_random_part_of_a_telegram_bot_path),
		cmocka_unit_test(test_scrub_keeps_slugs_with_numbers),
		cmocka_unit_test(test_scrub_keeps_dates_and_times),
		cmocka_unit_test(test_scrub_keeps_uuids),
		cmocka_unit_test(test_scrub_keeps_version_strings),
		cmocka_unit_test(test_scrub_keeps_file_names),
		cmocka_unit_test(test_scrub_keeps_long_english_words),
		cmocka_unit_test(test_scrub_keeps_commit_shas_in_paths),
		cmocka_unit_test(test_scrub_keeps_model_names),
		cmocka_unit_test(test_scrub_keeps_public_api_ids),
		cmocka_unit_test(test_scrub_keeps_prose_after_key_words),
		cmocka_unit_test(test_scrub_id_keeps_random_request_ids),
		cmocka_unit_test(test_mask_of_basic_credentials_shows_the_user_and_no_password),
		cmocka_unit_test(test_mask_of_basic_credentials_hides_a_key_used_as_user),
		cmocka_unit_test(test_mask_of_a_random_base64_token_is_not_basic),
		cmocka_unit_test(test_scrub_masks_basic_values_showing_only_the_user),
		cmocka_unit_test(test_scrub_is_linear_on_a_run_of_dashes),
		cmocka_unit_test(test_scrub_is_linear_on_a_random_alnum_run),
		cmocka_unit_test(test_scrub_is_linear_on_repeated_assignments),
		cmocka_unit_test(test_scrub_is_linear_on_repeated_prefixes_and_keys),
		cmocka_unit_test(test_scrubber_free_accepts_null),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
