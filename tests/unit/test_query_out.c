/* Unit tests of the query writers: each format's cells and layout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "escape.h"
#include "query_out.h"

static struct query_value text(const char *s)
{
	return (struct query_value){ .type = QUERY_TEXT, .p = s, .n = strlen(s) };
}

static struct query_value integer(int64_t i)
{
	return (struct query_value){ .type = QUERY_INT, .i = i };
}

static struct query_value real(double r)
{
	return (struct query_value){ .type = QUERY_REAL, .r = r };
}

static const struct query_value null_value = { .type = QUERY_NULL };

static void test_csv_neutralizes_formulas_but_not_numbers(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	static const char *const formulas[] = { "=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx" };
	for (size_t i = 0; i < sizeof(formulas) / sizeof(formulas[0]); i++) {
		buf_reset(&b);
		struct query_value v = text(formulas[i]);
		query_out_csv_cell(&b, &v, false);
		if (b.data[0] != '\'' && !(b.data[0] == '"' && b.data[1] == '\''))
			fail_msg("'%s' written as '%s'", formulas[i], buf_str(&b));
	}
	buf_reset(&b);
	struct query_value v = integer(-5);
	query_out_csv_cell(&b, &v, false);
	assert_string_equal(buf_str(&b), "-5");
	buf_reset(&b);
	v = real(-0.5);
	query_out_csv_cell(&b, &v, false);
	assert_string_equal(buf_str(&b), "-0.5");
	buf_free(&b);
}

static void test_csv_quotes_only_what_needs_it_and_null_is_empty(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	struct query_value v = text("a,b \"c\"\nd");
	query_out_csv_cell(&b, &v, false);
	assert_string_equal(buf_str(&b), "\"a,b \"\"c\"\"\nd\"");
	buf_reset(&b);
	v = text("plain text");
	query_out_csv_cell(&b, &v, false);
	assert_string_equal(buf_str(&b), "plain text");
	buf_reset(&b);
	query_out_csv_cell(&b, &null_value, false);
	assert_string_equal(buf_str(&b), "");
	buf_reset(&b);
	v = text("=HYPERLINK(\"x\",\"y\")");
	query_out_csv_cell(&b, &v, false);
	assert_string_equal(buf_str(&b), "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\"");
	buf_reset(&b);
	escape_csv(&b, "\0=x", 3, false); /* a NUL is not a formula's first character */
	assert_memory_equal(b.data, "\0=x", 3);
	assert_int_equal(b.len, 3);
	buf_free(&b);
}

static void test_csv_to_a_terminal_escapes_controls(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	struct query_value v = text("a\x1b[2Jb");
	query_out_csv_cell(&b, &v, true);
	assert_string_equal(buf_str(&b), "a\\x1B[2Jb");
	buf_free(&b);
}

static void test_json_string_escapes_controls_separators_and_bad_bytes(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	static const char in[] = "q\"b\\\n\t\x01\x7f\xc2\x9b x\xe2\x80\xa8y\xe2\x80\xa9\xff\xe2\x80\xaez\xc3\xa9";
	escape_json(&b, in, sizeof(in) - 1);
	assert_string_equal(buf_str(&b),
			    "\"q\\\"b\\\\\\n\\t\\u0001\\u007f\\u009b x\\u2028y\\u2029\\ufffd\\u202ez\xc3\xa9\"");
	buf_free(&b);
}

static void test_json_values_null_numbers_infinity(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	query_out_json_value(&b, &null_value);
	buf_addc(&b, ' ');
	struct query_value v = integer(-9007199254740993LL);
	query_out_json_value(&b, &v);
	buf_addc(&b, ' ');
	v = real(0.1);
	query_out_json_value(&b, &v);
	buf_addc(&b, ' ');
	v = real(1.0 / 0.0);
	query_out_json_value(&b, &v);
	assert_string_equal(buf_str(&b), "null -9007199254740993 0.1 1e999");
	buf_free(&b);
}

static void test_real_is_shortest_exact_form(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	query_out_real(&b, 0.1 + 0.2);
	assert_string_equal(buf_str(&b), "0.30000000000000004");
	buf_reset(&b);
	query_out_real(&b, 1234.5);
	assert_string_equal(buf_str(&b), "1234.5");
	buf_free(&b);
}

static void test_markdown_escapes_pipes_and_formatting(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	struct query_value v = text("a|b *c* <i>\x1b");
	query_out_markdown_cell(&b, &v);
	assert_string_equal(buf_str(&b), "a\\|b \\*c\\* \\<i\\>\\x1B");
	buf_free(&b);
}

static void test_table_cell_is_escaped_and_cut_with_ellipsis(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	struct query_value v = text("abcdefghij");
	assert_int_equal(query_out_table_cell(&b, &v, 6), 6);
	assert_string_equal(buf_str(&b), "abcde\xe2\x80\xa6");
	buf_reset(&b);
	v = text("ab\x1b" "cdef");
	assert_int_equal(query_out_table_cell(&b, &v, 6), 3);
	assert_string_equal(buf_str(&b), "ab\xe2\x80\xa6"); /* \x1B is kept whole or not at all */
	buf_reset(&b);
	v = integer(1234567890);
	assert_int_equal(query_out_table_cell(&b, &v, 4), 10); /* numbers are never cut */
	buf_reset(&b);
	assert_int_equal(query_out_table_cell(&b, &null_value, 4), 1);
	assert_string_equal(buf_str(&b), "-");
	buf_free(&b);
}

static void test_table_aligns_numbers_right_and_says_none(void **state)
{
	(void)state;
	static const char *const names[] = { "user", "n" };
	struct query_out_options opt = { .format = QUERY_FORMAT_TABLE, .header = true };
	struct buf b = BUF_INIT;
	struct query_out *o = query_out_new(&opt, 2, names);
	struct query_value r1[2] = { text("alice"), integer(5) }, r2[2] = { null_value, integer(1234) };
	query_out_row(o, r1, &b);
	query_out_row(o, r2, &b);
	assert_string_equal(buf_str(&b), ""); /* held back to size the columns */
	query_out_end(o, &b);
	assert_string_equal(buf_str(&b), "user      n\nalice     5\n-      1234\n");
	query_out_free(o);
	buf_reset(&b);
	o = query_out_new(&opt, 2, names);
	query_out_end(o, &b);
	assert_string_equal(buf_str(&b), "user  n\n(none)\n");
	query_out_free(o);
	buf_free(&b);
}

static void test_table_rows_after_the_sample_keep_its_widths(void **state)
{
	(void)state;
	static const char *const names[] = { "v", "w" };
	struct query_out_options opt = { .format = QUERY_FORMAT_TABLE, .header = false };
	struct buf b = BUF_INIT;
	struct query_out *o = query_out_new(&opt, 2, names);
	struct query_value row[2] = { text("abc"), text("x") };
	for (int i = 0; i < QUERY_OUT_SAMPLE_ROWS; i++)
		query_out_row(o, row, &b);
	assert_true(b.len > 0); /* the sample is out */
	buf_reset(&b);
	struct query_value wide[2] = { text("abcdefgh"), text("x") };
	query_out_row(o, wide, &b);
	assert_string_equal(buf_str(&b), "ab\xe2\x80\xa6  x\n");
	query_out_free(o);
	buf_free(&b);
}

static void test_json_is_one_array_and_jsonl_one_object_a_line(void **state)
{
	(void)state;
	static const char *const names[] = { "a", "a" };
	struct query_out_options opt = { .format = QUERY_FORMAT_JSON, .header = true };
	struct buf b = BUF_INIT;
	struct query_value row[2] = { integer(1), null_value };
	struct query_out *o = query_out_new(&opt, 2, names);
	query_out_row(o, row, &b);
	query_out_row(o, row, &b);
	query_out_end(o, &b);
	assert_string_equal(buf_str(&b), "[\n{\"a\":1,\"a_2\":null},\n{\"a\":1,\"a_2\":null}\n]\n");
	query_out_free(o);
	buf_reset(&b);
	o = query_out_new(&opt, 2, names);
	query_out_end(o, &b);
	assert_string_equal(buf_str(&b), "[]\n");
	query_out_free(o);
	buf_reset(&b);
	opt.format = QUERY_FORMAT_JSONL;
	opt.header = false;
	o = query_out_new(&opt, 2, names);
	query_out_row(o, row, &b);
	query_out_end(o, &b);
	assert_string_equal(buf_str(&b), "[1,null]\n");
	query_out_free(o);
	buf_free(&b);
}

static void test_csv_and_markdown_layout(void **state)
{
	(void)state;
	static const char *const names[] = { "=x", "n" };
	struct query_out_options opt = { .format = QUERY_FORMAT_CSV, .header = true };
	struct buf b = BUF_INIT;
	struct query_value row[2] = { text("a|b"), real(2.5) };
	struct query_out *o = query_out_new(&opt, 2, names);
	query_out_row(o, row, &b);
	query_out_end(o, &b);
	assert_string_equal(buf_str(&b), "'=x,n\r\na|b,2.5\r\n");
	query_out_free(o);
	buf_reset(&b);
	opt.format = QUERY_FORMAT_MARKDOWN;
	o = query_out_new(&opt, 2, names);
	query_out_row(o, row, &b);
	query_out_end(o, &b);
	assert_string_equal(buf_str(&b), "| =x | n |\n|---|---|\n| a\\|b | 2.5 |\n");
	query_out_free(o);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_neutralizes_formulas_but_not_numbers),
		cmocka_unit_test(test_csv_quotes_only_what_needs_it_and_null_is_empty),
		cmocka_unit_test(test_csv_to_a_terminal_escapes_controls),
		cmocka_unit_test(test_json_string_escapes_controls_separators_and_bad_bytes),
		cmocka_unit_test(test_json_values_null_numbers_infinity),
		cmocka_unit_test(test_real_is_shortest_exact_form),
		cmocka_unit_test(test_markdown_escapes_pipes_and_formatting),
		cmocka_unit_test(test_table_cell_is_escaped_and_cut_with_ellipsis),
		cmocka_unit_test(test_table_aligns_numbers_right_and_says_none),
		cmocka_unit_test(test_table_rows_after_the_sample_keep_its_widths),
		cmocka_unit_test(test_json_is_one_array_and_jsonl_one_object_a_line),
		cmocka_unit_test(test_csv_and_markdown_layout),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
