/* Unit tests of the JSON writer: valid JSON (SQLite's json_valid), exact values read back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "out.h"
#include "report.h"

/* json_extract(DOC, PATH) as text, via SQLite, into OUT. */
static void extract(sqlite3 *db, const char *doc, const char *path, struct buf *out)
{
	sqlite3_stmt *q;
	buf_reset(out);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT json_valid(?1), json_type(?1, ?2), json_extract(?1, ?2)", -1, &q, NULL),
			 SQLITE_OK);
	sqlite3_bind_text(q, 1, doc, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, path, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(q, 0), 1);
	buf_printf(out, "%s:", sqlite3_column_text(q, 1) ? (const char *)sqlite3_column_text(q, 1) : "(none)");
	if (sqlite3_column_text(q, 2))
		buf_adds(out, (const char *)sqlite3_column_text(q, 2));
	sqlite3_finalize(q);
}

static void test_values_keep_their_types_and_null_is_null(void **state)
{
	(void)state;
	sqlite3 *db;
	struct report r = { 0 };
	struct buf err = BUF_INIT, out = BUF_INIT, v = BUF_INIT;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	struct report_table *t = report_add_query(&r, db, NULL, "SELECT 12 AS n, 0.1 AS x, NULL AS z, 'a' AS s", NULL, 0, &err);
	t->key = xstrdup("t");
	assert_int_equal(out_json_write(&out, &r, NULL, &err), 0);
	extract(db, buf_str(&out), "$.sections.t.rows[0].n", &v);
	assert_string_equal(buf_str(&v), "integer:12");
	extract(db, buf_str(&out), "$.sections.t.rows[0].x", &v);
	assert_string_equal(buf_str(&v), "real:0.1");
	extract(db, buf_str(&out), "$.sections.t.rows[0].z", &v);
	assert_string_equal(buf_str(&v), "null:");
	extract(db, buf_str(&out), "$.sections.t.columns[3].type", &v);
	assert_string_equal(buf_str(&v), "text:text");
	extract(db, buf_str(&out), "$.period", &v);
	assert_string_equal(buf_str(&v), "null:");
	assert_non_null(strstr(buf_str(&out), "\"x\": 0.1,")); /* the shortest digits, not 0.10000000000000001 */
	report_free(&r);
	buf_free(&err);
	buf_free(&out);
	buf_free(&v);
	sqlite3_close(db);
}

static void test_text_from_logs_is_escaped_and_reads_back_exactly(void **state)
{
	(void)state;
	sqlite3 *db;
	struct report r = { 0 };
	struct buf err = BUF_INIT, out = BUF_INIT, v = BUF_INIT;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	struct report_table *t = report_add_query(&r, db, NULL,
		"SELECT '<script>\"x\\' || char(10) || char(27) || char(8238) || 'y' AS s, CAST(x'ff41' AS TEXT) AS b",
		NULL, 0, &err);
	t->key = xstrdup("t");
	assert_int_equal(out_json_write(&out, &r, NULL, &err), 0);
	assert_non_null(strstr(buf_str(&out), "\"\\u003cscript\\u003e\\\"x\\\\\\n\\u001b\\u202ey\""));
	assert_null(strstr(buf_str(&out), "\xe2\x80\xae")); /* no raw override */
	extract(db, buf_str(&out), "$.sections.t.rows[0].s", &v);
	assert_string_equal(buf_str(&v), "text:<script>\"x\\\n\x1b\xe2\x80\xaey");
	extract(db, buf_str(&out), "$.sections.t.rows[0].b", &v);
	assert_string_equal(buf_str(&v), "text:\xef\xbf\xbd" "A"); /* a byte that is not UTF-8: U+FFFD */
	report_free(&r);
	buf_free(&err);
	buf_free(&out);
	buf_free(&v);
	sqlite3_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values_keep_their_types_and_null_is_null),
		cmocka_unit_test(test_text_from_logs_is_escaped_and_reads_back_exactly),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
