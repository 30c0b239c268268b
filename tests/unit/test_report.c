/*
 * Unit tests of the report model (tables filled from queries on an in-memory SQLite) and of
 * the text writer: alignment, NULLs, figures, notes and the escaping of text from logs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "out_text.h"
#include "report.h"

static sqlite3 *open_db(void)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
		"CREATE TABLE t(name TEXT, n INTEGER, cost REAL);"
		"INSERT INTO t VALUES ('alpha', 12, 1.5), ('b', NULL, 0.125), (NULL, 3000, NULL);",
		NULL, NULL, NULL), SQLITE_OK);
	return db;
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
	assert_string_equal(t->names[1], "n");
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

static void test_columns_align_numbers_right_and_show_null(void **state)
{
	(void)state;
	sqlite3 *db = open_db();
	struct report r = { 0 };
	struct buf err = BUF_INIT, out = BUF_INIT;
	report_set_title(&r, "Report of %d", 3);
	assert_non_null(report_add_query(&r, db, "Rows", "SELECT name, n, cost FROM t ORDER BY rowid", NULL, 0, &err));
	out_text_report(&out, &r);
	assert_string_equal(buf_str(&out),
			    "Report of 3\n"
			    "\nRows\n"
			    "name      n  cost\n"
			    "alpha    12  1.50\n"
			    "b         -  0.12\n"
			    "-      3000     -\n");
	report_free(&r);
	buf_free(&err);
	buf_free(&out);
	sqlite3_close(db);
}

static void test_empty_table_says_none(void **state)
{
	(void)state;
	sqlite3 *db = open_db();
	struct report r = { 0 };
	struct buf err = BUF_INIT, out = BUF_INIT;
	assert_non_null(report_add_query(&r, db, NULL, "SELECT name FROM t WHERE 0", NULL, 0, &err));
	out_text_report(&out, &r);
	assert_string_equal(buf_str(&out), "name\n(none)\n");
	report_free(&r);
	buf_free(&err);
	buf_free(&out);
	sqlite3_close(db);
}

static void test_figures_are_name_value_lines_with_note(void **state)
{
	(void)state;
	sqlite3 *db = open_db();
	struct report r = { 0 };
	struct buf err = BUF_INIT, out = BUF_INIT;
	struct report_table *t = report_add_query(&r, db, NULL,
		"SELECT 'x .. y' AS days, 1234.5678 AS 'month to date', NULL AS 'per 1,000 requests'", NULL, 0, &err);
	assert_non_null(t);
	t->is_figures = true;
	report_set_note(t, "  NOT COUNTED: %d", 7);
	out_text_table(&out, t);
	assert_string_equal(buf_str(&out),
			    "  days                x .. y\n"
			    "  month to date       1234.57\n"
			    "  per 1,000 requests  -\n"
			    "  NOT COUNTED: 7\n");
	report_free(&r);
	buf_free(&err);
	buf_free(&out);
	sqlite3_close(db);
}

static void test_escape_keeps_plain_text_and_utf8(void **state)
{
	(void)state;
	struct buf out = BUF_INIT;
	const char *s = "/v1/chat — café ü";
	assert_int_equal(out_text_escape(&out, s, strlen(s)), 17);
	assert_string_equal(buf_str(&out), s);
	buf_free(&out);
}

static void test_escape_shows_terminal_controls(void **state)
{
	(void)state;
	struct buf out = BUF_INIT;
	/* ESC [2J (clear screen), a bell, a newline, DEL, C1 CSI, a right-to-left override */
	const char s[] = "a\033[2J\a\n\x7f\xc2\x9b\xe2\x80\xae" "b";
	size_t w = out_text_escape(&out, s, sizeof(s) - 1);
	assert_string_equal(buf_str(&out), "a\\x1B[2J\\x07\\x0A\\x7F\\x9B\\u{202E}b");
	assert_int_equal(w, strlen(buf_str(&out)));
	buf_free(&out);
}

static void test_escape_shows_bytes_that_are_not_utf8(void **state)
{
	(void)state;
	struct buf out = BUF_INIT;
	/* a lone continuation byte, an overlong '/', a truncated sequence, a surrogate, a NUL */
	const char s[] = "\x80|\xc0\xaf|\xe2\x82|\xed\xa0\x80|\0";
	out_text_escape(&out, s, sizeof(s) - 1);
	assert_string_equal(buf_str(&out), "\\x80|\\xC0\\xAF|\\xE2\\x82|\\xED\\xA0\\x80|\\x00");
	buf_free(&out);
}

static void test_escaped_cells_keep_columns_aligned(void **state)
{
	(void)state;
	sqlite3 *db;
	struct report r = { 0 };
	struct buf err = BUF_INIT, out = BUF_INIT;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_non_null(report_add_query(&r, db, NULL,
		"SELECT 'é' AS u, 1 AS n UNION ALL SELECT char(27), 22", NULL, 0, &err));
	out_text_report(&out, &r);
	assert_string_equal(buf_str(&out), "u      n\né      1\n\\x1B  22\n");
	report_free(&r);
	buf_free(&err);
	buf_free(&out);
	sqlite3_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_keeps_kinds_and_values),
		cmocka_unit_test(test_query_binds_text_and_numbers),
		cmocka_unit_test(test_bad_query_sets_error_and_adds_nothing),
		cmocka_unit_test(test_columns_align_numbers_right_and_show_null),
		cmocka_unit_test(test_empty_table_says_none),
		cmocka_unit_test(test_figures_are_name_value_lines_with_note),
		cmocka_unit_test(test_escape_keeps_plain_text_and_utf8),
		cmocka_unit_test(test_escape_shows_terminal_controls),
		cmocka_unit_test(test_escape_shows_bytes_that_are_not_utf8),
		cmocka_unit_test(test_escaped_cells_keep_columns_aligned),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
