/* Unit tests of the CSV writer: libcsv reads back what it wrote; formulas are neutralized. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <csv.h>

#include "out.h"
#include "report.h"

#define MAX_FIELDS 64

struct fields {
	char *v[MAX_FIELDS];
	size_t n, rows;
};

static void on_field(void *s, size_t len, void *data)
{
	struct fields *f = data;
	if (f->n < MAX_FIELDS)
		f->v[f->n++] = xstrndup(s ? s : "", len);
}

static void on_row(int c, void *data)
{
	(void)c;
	((struct fields *)data)->rows++;
}

/* Parse OUT with libcsv into F. */
static void parse(const struct buf *out, struct fields *f)
{
	struct csv_parser p;
	assert_int_equal(csv_init(&p, CSV_STRICT | CSV_STRICT_FINI), 0);
	assert_int_equal(csv_parse(&p, out->data, out->len, on_field, on_row, f), out->len);
	assert_int_equal(csv_fini(&p, on_field, on_row, f), 0);
	csv_free(&p);
}

static void free_fields(struct fields *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->v[i]);
}

static void test_libcsv_reads_back_quotes_commas_newlines_and_nulls(void **state)
{
	(void)state;
	sqlite3 *db;
	struct report r = { 0 };
	struct buf err = BUF_INIT, out = BUF_INIT;
	struct fields f = { 0 };
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_non_null(report_add_query(&r, db, NULL,
		"SELECT 'a,b' AS t, 'say \"hi\"' AS q, 'one' || char(10) || 'two' AS nl, NULL AS n, 2.5 AS x, 42 AS i",
		NULL, 0, &err));
	assert_int_equal(out_csv_write(&out, &r, NULL, &err), 0);
	parse(&out, &f);
	assert_int_equal(f.rows, 2);
	assert_int_equal(f.n, 12);
	assert_string_equal(f.v[0], "t");
	assert_string_equal(f.v[6], "a,b");
	assert_string_equal(f.v[7], "say \"hi\"");
	assert_string_equal(f.v[8], "one\ntwo");
	assert_string_equal(f.v[9], "");
	assert_string_equal(f.v[10], "2.5");
	assert_string_equal(f.v[11], "42");
	/* numbers are written bare, text quoted */
	assert_non_null(strstr(buf_str(&out), ",,2.5,42\r\n"));
	free_fields(&f);
	report_free(&r);
	buf_free(&err);
	buf_free(&out);
	sqlite3_close(db);
}

static void test_formula_cells_get_an_apostrophe_and_numbers_stay_numbers(void **state)
{
	(void)state;
	sqlite3 *db;
	struct report r = { 0 };
	struct buf err = BUF_INIT, out = BUF_INIT;
	struct fields f = { 0 };
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_non_null(report_add_query(&r, db, NULL,
		"SELECT '=HYPERLINK(\"http://x\")' AS a, '+1' AS b, '-2' AS c, '@SUM(A1)' AS d, char(9) || 'x' AS e, "
		"char(13) || 'y' AS f, 'ok=1' AS g, -5 AS h, -0.5 AS i", NULL, 0, &err));
	assert_int_equal(out_csv_write(&out, &r, NULL, &err), 0);
	parse(&out, &f);
	assert_int_equal(f.n, 18);
	assert_string_equal(f.v[9], "'=HYPERLINK(\"http://x\")");
	assert_string_equal(f.v[10], "'+1");
	assert_string_equal(f.v[11], "'-2");
	assert_string_equal(f.v[12], "'@SUM(A1)");
	assert_string_equal(f.v[13], "'\tx");
	assert_string_equal(f.v[14], "'\ry");
	assert_string_equal(f.v[15], "ok=1");
	assert_string_equal(f.v[16], "-5");
	assert_string_equal(f.v[17], "-0.5");
	free_fields(&f);
	report_free(&r);
	buf_free(&err);
	buf_free(&out);
	sqlite3_close(db);
}

static void test_only_the_tables_asked_for_are_written(void **state)
{
	(void)state;
	sqlite3 *db;
	struct report r = { 0 };
	struct buf err = BUF_INIT, out = BUF_INIT;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	struct report_table *a = report_add_query(&r, db, NULL, "SELECT 1 AS a", NULL, 0, &err);
	struct report_table *b = report_add_query(&r, db, NULL, "SELECT 2 AS b", NULL, 0, &err);
	a->key = xstrdup("first");
	b->key = xstrdup("second");
	const char *const keys[] = { "second" };
	struct out_options o = { .csv_tables = keys, .n_csv_tables = 1 };
	assert_int_equal(out_csv_write(&out, &r, &o, &err), 0);
	assert_string_equal(buf_str(&out), "\"b\"\r\n2\r\n");
	report_free(&r);
	buf_free(&err);
	buf_free(&out);
	sqlite3_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_libcsv_reads_back_quotes_commas_newlines_and_nulls),
		cmocka_unit_test(test_formula_cells_get_an_apostrophe_and_numbers_stay_numbers),
		cmocka_unit_test(test_only_the_tables_asked_for_are_written),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
