/* Unit tests of the report model: tables of typed values filled from queries (in-memory SQLite). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report.h"
#include "testlib.h"

static sqlite3 *open_db(void)
{
	return testlib_memory_db("CREATE TABLE t(name TEXT, n INTEGER, cost REAL);"
				 "INSERT INTO t VALUES ('alpha', 12, 1.5), ('b', NULL, 0.125), (NULL, 3000, NULL);");
}

static void test_query_keeps_kinds_and_values(void **state)
{
	(void)state;
	sqlite3 *db = open_db();
	struct report r = { 0 };
	struct buf err = BUF_INIT;
	struct report_table *t = report_add_query(&r, db, "T", "SELECT name, n, cost FROM t ORDER BY rowid", NULL, 0, &err);
	assert_non_null(t);
	assert_int_equal(r.ntables, 1);
	assert_int_equal(t->ncols, 3);
	assert_int_equal(t->nrows, 3);
	assert_string_equal(t->cols[1].key, "n");
	assert_int_equal(t->cols[0].type, REPORT_TYPE_TEXT);
	assert_int_equal(t->cols[2].type, REPORT_TYPE_REAL);
	assert_int_equal(report_cell(t, 0, 0)->kind, REPORT_TEXT);
	assert_string_equal(report_text(t, report_cell(t, 0, 0)), "alpha");
	assert_int_equal(report_cell(t, 1, 1)->kind, REPORT_NULL);
	assert_int_equal(report_cell(t, 2, 1)->i, 3000);
	assert_true(report_cell(t, 1, 2)->r == 0.125);
	assert_int_equal(report_cell(t, 2, 0)->kind, REPORT_NULL);
	assert_string_equal(report_text(t, report_cell(t, 2, 0)), "");
	report_free(&r);
	assert_int_equal(r.ntables, 0);
	buf_free(&err);
	sqlite3_close(db);
}

static void test_query_binds_text_and_numbers(void **state)
{
	(void)state;
	sqlite3 *db = open_db();
	struct report r = { 0 };
	struct buf err = BUF_INIT;
	struct report_bind b[2] = { { "alpha", 0 }, { NULL, 100 } };
	struct report_table *t = report_add_query(&r, db, NULL, "SELECT count(*) FROM t WHERE name = ?1 OR n > ?2", b, 2, &err);
	assert_non_null(t);
	assert_int_equal(report_cell(t, 0, 0)->i, 2);
	report_free(&r);
	buf_free(&err);
	sqlite3_close(db);
}

static void test_bad_query_sets_error_and_adds_nothing(void **state)
{
	(void)state;
	sqlite3 *db = open_db();
	struct report r = { 0 };
	struct buf err = BUF_INIT;
	assert_null(report_add_query(&r, db, "x", "SELECT nope FROM t", NULL, 0, &err));
	assert_int_equal(r.ntables, 0);
	assert_non_null(strstr(buf_str(&err), "no such column: nope"));
	report_free(&r);
	buf_free(&err);
	sqlite3_close(db);
}

static void test_header_gives_title_shape_and_typed_columns(void **state)
{
	(void)state;
	char *title;
	enum report_shape shape;
	struct report_column *cols;
	size_t n;
	struct buf err = BUF_INIT;
	const char *sql = "-- What it is.\n-- read by: nobody\n-- title: Top {top}\n-- shape: record\n"
			  "-- column: cost_usd | cost | real | usd\n-- column: day |  | date\n\nSELECT 1 -- column: x | x | int\n";
	assert_int_equal(report_parse_header(sql, &title, &shape, &cols, &n, &err), 0);
	assert_string_equal(title, "Top {top}");
	assert_int_equal(shape, REPORT_RECORD);
	assert_int_equal(n, 2); /* the header ends at the first line that is not a comment */
	assert_string_equal(cols[0].key, "cost_usd");
	assert_string_equal(cols[0].label, "cost");
	assert_int_equal(cols[0].type, REPORT_TYPE_REAL);
	assert_string_equal(cols[0].unit, "usd");
	assert_string_equal(cols[1].label, "day"); /* an empty label is the key */
	assert_int_equal(cols[1].type, REPORT_TYPE_DATE);
	assert_null(cols[1].unit);
	report_columns_free(cols, n);
	free(title);
	buf_free(&err);
}

static void test_header_refuses_an_unknown_type(void **state)
{
	(void)state;
	char *title;
	enum report_shape shape;
	struct report_column *cols;
	size_t n;
	struct buf err = BUF_INIT;
	assert_int_equal(report_parse_header("-- column: a | a | money\nSELECT 1", &title, &shape, &cols, &n, &err), -1);
	assert_non_null(strstr(buf_str(&err), "unknown type 'money'"));
	assert_null(cols);
	buf_free(&err);
}

static void test_period_defaults_to_yesterday(void **state)
{
	(void)state;
	int64_t lo, hi, now = 20373 * 86400LL + 3600; /* 2025-10-12T01:00Z */
	struct buf err = BUF_INIT;
	assert_int_equal(report_period(NULL, NULL, 0, NULL, now, &lo, &hi, &err), 0);
	assert_int_equal(lo, 20372);
	assert_int_equal(hi, 20372);
	assert_int_equal(report_period(NULL, NULL, 7, NULL, now, &lo, &hi, &err), 0);
	assert_int_equal(lo, 20366);
	assert_int_equal(hi, 20372);
	buf_free(&err);
}

static void test_period_of_from_and_days_and_month(void **state)
{
	(void)state;
	int64_t lo, hi;
	struct buf err = BUF_INIT;
	assert_int_equal(report_period("2025-10-08", NULL, 3, NULL, 0, &lo, &hi, &err), 0);
	assert_int_equal(lo, 20369);
	assert_int_equal(hi, 20371);
	assert_int_equal(report_period(NULL, NULL, 0, "2024-02", 0, &lo, &hi, &err), 0);
	assert_int_equal(hi - lo + 1, 29); /* a leap year's February */
	assert_int_equal(report_period("2025-10-12", "2025-10-01", 0, NULL, 0, &lo, &hi, &err), -1);
	assert_non_null(strstr(buf_str(&err), "starts after it ends"));
	buf_reset(&err);
	assert_int_equal(report_period("2025-02-29", NULL, 0, NULL, 0, &lo, &hi, &err), -1);
	assert_non_null(strstr(buf_str(&err), "--from wants a day"));
	buf_reset(&err);
	assert_int_equal(report_period("2025-10-01", NULL, 0, "2025-10", 0, &lo, &hi, &err), -1);
	buf_free(&err);
}

static void test_section_types_its_columns(void **state)
{
	(void)state;
	sqlite3 *db;
	struct report r = { 0 };
	struct buf err = BUF_INIT;
	struct report_params p = { .from_day = 20372, .to_day = 20372, .top = 10 };
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	/* the files view is all the files section reads */
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE files(file, lines, events, rejected, skipped, duplicates);"
				      "INSERT INTO files VALUES ('a', 10, 9, 1, 0, 0), ('b', 5, 5, 0, 0, 2);",
				      NULL, NULL, NULL), SQLITE_OK);
	struct report_table *t = report_add_section(&r, db, "files", "Files read", &p, &err);
	assert_non_null(t);
	assert_string_equal(t->key, "files");
	assert_string_equal(t->title, "Files read");
	assert_int_equal(t->ncols, 6);
	assert_int_equal(t->cols[1].type, REPORT_TYPE_INT);
	assert_int_equal(report_cell(t, 0, 1)->i, 15);
	assert_int_equal(report_cell(t, 0, 5)->i, 2);
	report_free(&r);
	buf_free(&err);
	sqlite3_close(db);
}

static void test_section_total_counts_rows_before_the_cut(void **state)
{
	(void)state;
	sqlite3 *db;
	struct report r = { 0 };
	struct buf err = BUF_INIT;
	struct report_params p = { .top = 1 };
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE rejects(file, line, reason, text);"
				      "INSERT INTO rejects VALUES ('a', 1, 'x', ''), ('a', 2, 'x', ''), ('a', 3, 'y', '');",
				      NULL, NULL, NULL), SQLITE_OK);
	struct report_table *t = report_add_section(&r, db, "rejects", NULL, &p, &err);
	assert_non_null(t);
	assert_int_equal(t->nrows, 1);
	assert_int_equal(t->total_rows, 2); /* _total: two reasons, one shown */
	assert_int_equal(t->ncols, 3);      /* _total is not a column */
	assert_string_equal(report_text(t, report_cell(t, 0, 0)), "x");
	assert_string_equal(t->title, "Rejected lines by reason (top 1; the first 1000 of each file are kept)");
	report_free(&r);
	buf_free(&err);
	sqlite3_close(db);
}

static void test_section_error_names_its_file(void **state)
{
	(void)state;
	sqlite3 *db;
	struct report r = { 0 };
	struct buf err = BUF_INIT;
	struct report_params p = { 0 };
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_null(report_add_section(&r, db, "files", NULL, &p, &err));
	assert_non_null(strstr(buf_str(&err), "sql/reports/files.sql: no such table: files"));
	assert_int_equal(r.ntables, 0);
	buf_reset(&err);
	assert_null(report_add_section(&r, db, "nope", NULL, &p, &err));
	assert_non_null(strstr(buf_str(&err), "sql/reports/nope.sql: no such report section"));
	report_free(&r);
	buf_free(&err);
	sqlite3_close(db);
}

static void test_badges_have_levels_and_the_worst_wins(void **state)
{
	(void)state;
	sqlite3 *db = open_db();
	struct report r = { 0 };
	struct buf err = BUF_INIT;
	assert_int_equal(report_badge_level("active"), REPORT_LEVEL_GOOD);
	assert_int_equal(report_badge_level("watch"), REPORT_LEVEL_WATCH);
	assert_int_equal(report_badge_level("exhausted"), REPORT_LEVEL_BAD);
	assert_int_equal(report_badge_level("reset"), REPORT_LEVEL_GOOD); /* the reading's reset has passed */
	assert_int_equal(report_badge_level("whatever"), REPORT_LEVEL_NONE);
	/* an alert's severity (sql/reports/alerts.sql) */
	assert_int_equal(report_badge_level("critical"), REPORT_LEVEL_BAD);
	assert_int_equal(report_badge_level("warning"), REPORT_LEVEL_WATCH);
	struct report_table *t = report_add_query(&r, db, NULL, "SELECT 'active' AS s UNION ALL SELECT 'watch'", NULL, 0, &err);
	assert_int_equal(report_worst_level(&r), REPORT_LEVEL_NONE); /* a text column is no badge */
	t->cols[0].type = REPORT_TYPE_BADGE;
	assert_int_equal(report_worst_level(&r), REPORT_LEVEL_WATCH);
	report_table_note(t, REPORT_LEVEL_BAD, "bad %d", 1);
	assert_int_equal(report_worst_level(&r), REPORT_LEVEL_BAD);
	report_free(&r);
	buf_free(&err);
	sqlite3_close(db);
}

static void test_by_names_their_sections(void **state)
{
	(void)state;
	assert_string_equal(report_by_section("token"), "credentials");
	assert_string_equal(report_by_section("day"), "daily");
	assert_string_equal(report_by_section("project"), "projects");
	assert_string_equal(report_by_section("latency"), "latency");
	assert_null(report_by_section("nothing"));
}

/* A table a command fills: cells row after row, a row counted once it is complete. */
static void test_a_table_is_filled_cell_by_cell(void **state)
{
	(void)state;
	static const struct report_column cols[] = {
		{ "name", "name", REPORT_TYPE_TEXT, NULL },
		{ "n", "count", REPORT_TYPE_INT, "requests" },
		{ "s", NULL, REPORT_TYPE_REAL, NULL },
	};
	struct report r = { 0 };
	struct report_table *t = report_add_table(&r, "things", "Things", REPORT_LIST, cols, 3);
	assert_int_equal(r.ntables, 1);
	report_add_text(t, "a");
	report_add_int(t, 7);
	assert_int_equal(t->nrows, 0); /* a row being added is not counted yet */
	report_add_real(t, 0.5);
	report_add_text(t, NULL);
	report_add_null(t);
	report_add_int(t, -1);
	assert_int_equal(t->nrows, 2);
	assert_int_equal(t->total_rows, 2);
	assert_string_equal(t->key, "things");
	assert_string_equal(t->cols[1].label, "count");
	assert_string_equal(t->cols[1].unit, "requests");
	assert_string_equal(t->cols[2].label, "s"); /* no label: the key */
	assert_string_equal(report_text(t, report_cell(t, 0, 0)), "a");
	assert_int_equal(report_cell(t, 0, 1)->i, 7);
	assert_true(report_cell(t, 0, 2)->kind == REPORT_REAL && report_cell(t, 0, 2)->r == 0.5);
	assert_int_equal(report_cell(t, 1, 0)->kind, REPORT_NULL);
	assert_int_equal(report_cell(t, 1, 1)->kind, REPORT_NULL);
	assert_int_equal(report_cell(t, 1, 2)->kind, REPORT_INT);
	report_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_keeps_kinds_and_values),
		cmocka_unit_test(test_a_table_is_filled_cell_by_cell),
		cmocka_unit_test(test_query_binds_text_and_numbers),
		cmocka_unit_test(test_bad_query_sets_error_and_adds_nothing),
		cmocka_unit_test(test_header_gives_title_shape_and_typed_columns),
		cmocka_unit_test(test_header_refuses_an_unknown_type),
		cmocka_unit_test(test_period_defaults_to_yesterday),
		cmocka_unit_test(test_period_of_from_and_days_and_month),
		cmocka_unit_test(test_section_types_its_columns),
		cmocka_unit_test(test_section_total_counts_rows_before_the_cut),
		cmocka_unit_test(test_section_error_names_its_file),
		cmocka_unit_test(test_badges_have_levels_and_the_worst_wins),
		cmocka_unit_test(test_by_names_their_sections),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
