/* Unit tests of the report model: tables of typed values filled from queries (in-memory SQLite). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_keeps_kinds_and_values),
		cmocka_unit_test(test_query_binds_text_and_numbers),
		cmocka_unit_test(test_bad_query_sets_error_and_adds_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
