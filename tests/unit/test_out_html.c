/* Unit tests of the HTML writer: escaping, badges with words, the size cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "out.h"
#include "report.h"

static void test_markup_and_overrides_from_logs_are_escaped(void **state)
{
	(void)state;
	sqlite3 *db;
	struct report r = { 0 };
	struct buf err = BUF_INIT, out = BUF_INIT;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	report_set_title(&r, "<b>title</b>");
	assert_non_null(report_add_query(&r, db, "T", "SELECT '<script>alert(\"x\")</script>&' AS s, 'a' || char(8238) || 'b' AS o",
					 NULL, 0, &err));
	assert_int_equal(out_html_write(&out, &r, NULL, &err), 0);
	assert_null(strstr(buf_str(&out), "<script"));
	assert_null(strstr(buf_str(&out), "<b>"));
	assert_non_null(strstr(buf_str(&out), "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;"));
	assert_non_null(strstr(buf_str(&out), "a\\u{202E}b"));
	assert_null(strstr(buf_str(&out), "\xe2\x80\xae"));
	report_free(&r);
	buf_free(&err);
	buf_free(&out);
	sqlite3_close(db);
}

static void test_a_badge_has_its_word_and_a_symbol(void **state)
{
	(void)state;
	sqlite3 *db;
	struct report r = { 0 };
	struct buf err = BUF_INIT, out = BUF_INIT;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	struct report_table *t = report_add_query(&r, db, NULL, "SELECT 'invalid' AS status", NULL, 0, &err);
	t->cols[0].type = REPORT_TYPE_BADGE;
	assert_int_equal(out_html_write(&out, &r, NULL, &err), 0);
	assert_non_null(strstr(buf_str(&out), "\xe2\x9c\x97 invalid</span>")); /* ✗ invalid */
	report_free(&r);
	buf_free(&err);
	buf_free(&out);
	sqlite3_close(db);
}

static void test_a_huge_list_is_cut_to_fit_under_100_kb(void **state)
{
	(void)state;
	sqlite3 *db;
	struct report r = { 0 };
	struct buf err = BUF_INIT, out = BUF_INIT;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	for (int i = 0; i < 20; i++)
		assert_non_null(report_add_query(&r, db, "Long",
			"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300) "
			"SELECT printf('%.*c', 2000, 'x') || i AS name, i AS a, i * 2 AS b, i * 3 AS c FROM n", NULL, 0, &err));
	assert_int_equal(out_html_write(&out, &r, NULL, &err), 0);
	assert_true(out.len < 100 * 1024);
	assert_non_null(strstr(buf_str(&out), "more</td>"));
	assert_non_null(strstr(buf_str(&out), "</html>"));
	report_free(&r);
	buf_free(&err);
	buf_free(&out);
	sqlite3_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_markup_and_overrides_from_logs_are_escaped),
		cmocka_unit_test(test_a_badge_has_its_word_and_a_symbol),
		cmocka_unit_test(test_a_huge_list_is_cut_to_fit_under_100_kb),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
