/* Unit tests of the text writer: alignment, NULLs, figures, notes, escaped cells. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "out.h"
#include "report.h"
#include "testlib.h"

static sqlite3 *open_db(void)
{
	return testlib_memory_db("CREATE TABLE t(name TEXT, n INTEGER, cost REAL);"
				 "INSERT INTO t VALUES ('alpha', 12, 1.5), ('b', NULL, 0.125), (NULL, 3000, NULL);");
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
	t->shape = REPORT_RECORD;
	report_table_note(t, REPORT_LEVEL_WATCH, "NOT COUNTED: %d", 7);
	out_text_report(&out, &r);
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
		cmocka_unit_test(test_columns_align_numbers_right_and_show_null),
		cmocka_unit_test(test_empty_table_says_none),
		cmocka_unit_test(test_figures_are_name_value_lines_with_note),
		cmocka_unit_test(test_escaped_cells_keep_columns_aligned),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
