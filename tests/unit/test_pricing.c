/*
 * Unit tests of price matching: exact ids, dated ids, '*' families, longest match, providers
 * and effective dates, through pricing_match() over a real store (the same views the cost
 * columns use), plus the date check and an idempotent CSV import.
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

#include "buf.h"
#include "pricing.h"
#include "store.h"
#include "testlib.h"

struct fx {
	char dir[256];
	struct buf path;
	struct store *st;
};

/* A fresh database whose prices are only the test's own, and whose dictionary holds the models. */
static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	if (testlib_tmpdir("pricing", f->dir, sizeof(f->dir)) < 0) {
		free(f);
		return -1;
	}
	buf_printf(&f->path, "%s/t.db", f->dir);
	f->st = testlib_store(f->dir, "t.db", STORE_READ_WRITE);
	sqlite3 *db = testlib_sql_open(buf_str(&f->path));
	testlib_exec(db,
		"DELETE FROM price;"
		"INSERT INTO price(provider, model, effective_from, input_per_mtok, output_per_mtok, cache_read_per_mtok) VALUES"
		" ('', 'gpt-4o', '2024-05-13', 5, 15, NULL),"
		" ('', 'gpt-4o', '2024-10-02', 2.5, 10, 1.25),"
		" ('', 'gpt-4o-mini', '2024-07-18', 0.15, 0.6, 0.075),"
		" ('', 'claude-opus-4', '2025-05-14', 15, 75, 1.5),"
		" ('', 'claude-opus-4-6', '2026-02-05', 5, 25, 0.5),"
		" ('', 'llama-*', '2025-01-01', 0.2, 0.2, NULL),"
		" ('', 'llama-3-70b*', '2025-01-01', 0.9, 0.9, NULL),"
		" ('', 'gemini-2.0-flash', '2025-01-01', 0.1, 0.4, 0.025),"
		" ('azure', 'gpt-4o-mini', '2025-01-01', 0.165, 0.66, NULL);"
		"INSERT INTO dict(value) VALUES ('gpt-4o'), ('gpt-4o-2024-08-06'), ('gpt-4o-mini'),"
		" ('gpt-4o-mini-2024-07-18'), ('gpt-4o-realtime-preview'), ('claude-opus-4-20250514'),"
		" ('claude-opus-4-6'), ('claude-opus-4-7'), ('llama-3-70b-instruct'), ('llama-3-8b'),"
		" ('gemini-2.0-flash-001'), ('gemini-2.0-flash-latest'), ('gemini-2.0-flash@20250101'), ('azure')");
	sqlite3_close(db);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	store_close(f->st);
	testlib_rmtree(f->dir);
	buf_free(&f->path);
	free(f);
	return 0;
}

/* The price key and input rate that MODEL (with PROVIDER) gets on DAY; key "" when none. */
static void expect(void **state, const char *model, const char *provider, const char *day,
		   const char *key, double input)
{
	struct fx *f = *state;
	struct pricing_price p;
	struct buf err = BUF_INIT;
	int rc = pricing_match(store_db(f->st), model, provider, day, &p, &err);
	assert_int_not_equal(rc, -1);
	if (!*key) {
		assert_int_equal(rc, 0);
	} else {
		assert_int_equal(rc, 1);
		assert_string_equal(buf_str(&p.model), key);
		assert_true(p.has_rate[PRICING_INPUT]);
		assert_true(p.rate[PRICING_INPUT] == input);
	}
	pricing_price_free(&p);
	buf_free(&err);
}

static void test_exact_id_matches(void **state)
{
	expect(state, "gpt-4o-mini", NULL, "2025-01-01", "gpt-4o-mini", 0.15);
	expect(state, "claude-opus-4-6", NULL, "2026-03-01", "claude-opus-4-6", 5);
}

static void test_dated_id_matches_its_model(void **state)
{
	expect(state, "gpt-4o-mini-2024-07-18", NULL, "2025-01-01", "gpt-4o-mini", 0.15);
	expect(state, "gpt-4o-2024-08-06", NULL, "2025-01-01", "gpt-4o", 2.5);
	expect(state, "claude-opus-4-20250514", NULL, "2025-06-01", "claude-opus-4", 15);
	expect(state, "gemini-2.0-flash-001", NULL, "2025-06-01", "gemini-2.0-flash", 0.1);
	expect(state, "gemini-2.0-flash-latest", NULL, "2025-06-01", "gemini-2.0-flash", 0.1);
	expect(state, "gemini-2.0-flash@20250101", NULL, "2025-06-01", "gemini-2.0-flash", 0.1);
}

static void test_other_model_of_same_stem_is_unpriced(void **state)
{
	/* gpt-4o-realtime-preview is not a release of gpt-4o; claude-opus-4-7 not one of claude-opus-4 */
	expect(state, "gpt-4o-realtime-preview", NULL, "2025-01-01", "", 0);
	expect(state, "claude-opus-4-7", NULL, "2026-03-01", "", 0);
}

static void test_family_prefix_matches(void **state)
{
	expect(state, "llama-3-8b", NULL, "2025-06-01", "llama-*", 0.2);
}

static void test_longest_match_wins(void **state)
{
	expect(state, "llama-3-70b-instruct", NULL, "2025-06-01", "llama-3-70b*", 0.9);
	expect(state, "gpt-4o-mini-2024-07-18", NULL, "2025-01-01", "gpt-4o-mini", 0.15);
}

static void test_price_applies_from_its_day_until_the_next(void **state)
{
	expect(state, "gpt-4o", NULL, "2024-05-12", "", 0);
	expect(state, "gpt-4o", NULL, "2024-05-13", "gpt-4o", 5);
	expect(state, "gpt-4o", NULL, "2024-10-01", "gpt-4o", 5);
	expect(state, "gpt-4o", NULL, "2024-10-02", "gpt-4o", 2.5);
	expect(state, "gpt-4o-2024-08-06", NULL, "2024-09-01", "gpt-4o", 5);
	expect(state, "claude-opus-4-6", NULL, "2026-02-04", "", 0);
}

static void test_provider_specific_price_wins_for_its_provider(void **state)
{
	expect(state, "gpt-4o-mini", "azure", "2025-02-01", "gpt-4o-mini", 0.165);
	expect(state, "gpt-4o-mini-2024-07-18", "azure", "2025-02-01", "gpt-4o-mini", 0.165);
	expect(state, "gpt-4o-mini", "azure", "2024-12-31", "gpt-4o-mini", 0.15);
	expect(state, "gpt-4o-mini", "openai", "2025-02-01", "gpt-4o-mini", 0.15);
	expect(state, "gpt-4o-mini", NULL, "2025-02-01", "gpt-4o-mini", 0.15);
}

static void test_dates_are_checked(void **state)
{
	(void)state;
	assert_true(pricing_is_date("2024-02-29"));
	assert_false(pricing_is_date("2023-02-29"));
	assert_false(pricing_is_date("2024-13-01"));
	assert_false(pricing_is_date("2024-1-01"));
	assert_false(pricing_is_date("2024-01-01x"));
	assert_true(pricing_is_date("2000-02-29"));  /* divisible by 400: a leap year */
	assert_false(pricing_is_date("1900-02-29")); /* by 100 only: not one */
	assert_false(pricing_is_date("2025-04-31"));
}

static void test_match_refuses_a_day_that_is_not_a_date(void **state)
{
	struct fx *f = *state;
	struct pricing_price p;
	struct buf err = BUF_INIT;
	assert_int_equal(pricing_match(store_db(f->st), "gpt-4o", NULL, "2025-02-30", &p, &err), -1);
	assert_non_null(strstr(buf_str(&err), "2025-02-30"));
	pricing_price_free(&p);
	buf_free(&err);
}

static void test_csv_import_is_idempotent_and_counts_changes(void **state)
{
	struct fx *f = *state;
	struct pricing_import_stats s;
	struct buf err = BUF_INIT, csv = BUF_INIT;
	buf_printf(&csv, "%s/p.csv", f->dir);
	FILE *o = fopen(buf_str(&csv), "w");
	assert_non_null(o);
	fputs("provider,model,input_per_mtok,output_per_mtok,cache_read_per_mtok,cache_write_per_mtok,effective_from\n"
	      ",my-model,1,2,,,2025-01-01\n"
	      "OpenAI,gpt-4o-mini,0.15,0.6,0.075,,2024-07-18\n", o);
	fclose(o);
	assert_int_equal(pricing_import(f->st, buf_str(&csv), "2025-06-01", &s, &err), 0);
	assert_int_equal(s.added, 2); /* my-model, and gpt-4o-mini for provider openai */
	assert_int_equal(pricing_import(f->st, buf_str(&csv), "2025-06-02", &s, &err), 0);
	assert_int_equal(s.added + s.changed, 0);
	assert_int_equal(s.unchanged, 2);
	o = fopen(buf_str(&csv), "w");
	fputs("model,input_per_mtok,output_per_mtok,effective_from\nmy-model,1.5,2,2025-01-01\n", o);
	fclose(o);
	assert_int_equal(pricing_import(f->st, buf_str(&csv), "2025-06-01", &s, &err), 0);
	assert_int_equal(s.changed, 1);
	o = fopen(buf_str(&csv), "w");
	fputs("model,input_per_mtok\nmy-model,-1\n", o);
	fclose(o);
	assert_int_equal(pricing_import(f->st, buf_str(&csv), "2025-06-01", &s, &err), -1);
	assert_non_null(strstr(buf_str(&err), "line 2"));
	buf_free(&err);
	buf_free(&csv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_exact_id_matches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dated_id_matches_its_model, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_model_of_same_stem_is_unpriced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_family_prefix_matches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_longest_match_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_price_applies_from_its_day_until_the_next, setup, teardown),
		cmocka_unit_test_setup_teardown(test_provider_specific_price_wins_for_its_provider, setup, teardown),
		cmocka_unit_test(test_dates_are_checked),
		cmocka_unit_test_setup_teardown(test_match_refuses_a_day_that_is_not_a_date, setup, teardown),
		cmocka_unit_test_setup_teardown(test_csv_import_is_idempotent_and_counts_changes, setup, teardown),
	};
	if (testlib_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
