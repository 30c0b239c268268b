/* Unit tests of provider.c: the rules of sql/providers.sql, model first, then endpoint. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "provider.h"

static const char *infer(const struct provider_rules *r, const char *model, const char *endpoint)
{
	static struct buf tmp = BUF_INIT;
	struct slice m = { model, model ? strlen(model) : 0 }, e = { endpoint, endpoint ? strlen(endpoint) : 0 };
	const char *p = provider_infer(r, &m, &e, &tmp);
	buf_free(&tmp);
	return p ? p : "(none)";
}

static void test_model_family_names_the_provider(void **state)
{
	const struct provider_rules *r = *state;
	assert_string_equal(infer(r, "gpt-4o-mini", NULL), "openai");
	assert_string_equal(infer(r, "o3-mini-2025-01-31", NULL), "openai");
	assert_string_equal(infer(r, "o1", NULL), "openai");
	assert_string_equal(infer(r, "Claude-Opus-4-6", NULL), "anthropic");
	assert_string_equal(infer(r, "gemini-2.0-flash", NULL), "google");
	assert_string_equal(infer(r, "o10-something", NULL), "(none)");
}

static void test_model_wins_over_endpoint(void **state)
{
	const struct provider_rules *r = *state;
	assert_string_equal(infer(r, "deepseek-chat", "/v1/chat/completions"), "deepseek");
	assert_string_equal(infer(r, "my-finetune", "/v1/chat/completions"), "openai");
}

static void test_endpoint_names_the_provider(void **state)
{
	const struct provider_rules *r = *state;
	assert_string_equal(infer(r, NULL, "/v1/responses"), "openai");
	assert_string_equal(infer(r, NULL, "/v1/messages"), "anthropic");
	assert_string_equal(infer(r, NULL, "/v1/messages/count_tokens"), "anthropic");
	assert_string_equal(infer(r, NULL, "/v1beta/models/gemini-2.5-pro:streamGenerateContent"), "google");
	assert_string_equal(infer(r, NULL, "/repos/octo-org/octo-repo/pulls/1"), "github");
	assert_string_equal(infer(r, NULL, "/index.html"), "(none)");
	assert_string_equal(infer(r, NULL, NULL), "(none)");
}

static int setup(void **state)
{
	struct provider_rules *r;
	struct buf err = BUF_INIT;
	int rc = provider_rules_load(&r, &err);
	buf_free(&err);
	*state = r;
	return rc;
}

static int teardown(void **state)
{
	provider_rules_free(*state);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model_family_names_the_provider),
		cmocka_unit_test(test_model_wins_over_endpoint),
		cmocka_unit_test(test_endpoint_names_the_provider),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
