/* Unit tests of the email writer: headers, an RFC 2047 subject, two parts, short lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "out.h"
#include "report.h"

static void test_message_has_headers_two_parts_and_short_lines(void **state)
{
	(void)state;
	sqlite3 *db;
	struct report r = { 0 };
	struct buf err = BUF_INIT, out = BUF_INIT;
	struct out_options o = { .mail_to = "ops@example.com", .now = 1760248800, .hostname = "example.org" };
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	report_set_title(&r, "T");
	assert_non_null(report_add_query(&r, db, NULL, "SELECT printf('%.*c', 5000, 'x') AS long_line", NULL, 0, &err));
	assert_int_equal(out_email_write(&out, &r, &o, &err), 0);
	const char *m = buf_str(&out);
	assert_non_null(strstr(m, "From: tokstat <tokstat@example.org>\n"));
	assert_non_null(strstr(m, "To: ops@example.com\n"));
	assert_non_null(strstr(m, "\nDate: Sun, 12 Oct 2025 06:00:00 +0000\n"));
	assert_non_null(strstr(m, "@example.org>\nMIME-Version: 1.0\n"));
	assert_non_null(strstr(m, "Content-Type: multipart/alternative; boundary="));
	assert_non_null(strstr(m, "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n"));
	assert_non_null(strstr(m, "Content-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n"));
	size_t longest = 0;
	for (const char *p = m; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		if (n > longest)
			longest = n;
		p += n + (nl != NULL);
	}
	assert_true(longest <= 998);
	report_free(&r);
	buf_free(&err);
	buf_free(&out);
	sqlite3_close(db);
}

static void test_subject_that_is_not_ascii_is_an_encoded_word(void **state)
{
	(void)state;
	struct report r = { 0 };
	struct buf err = BUF_INIT, out = BUF_INIT;
	struct out_options o = { .subject = "Coût ✓", .now = 1 };
	assert_int_equal(out_email_write(&out, &r, &o, &err), 0);
	/* base64 of "Coût ✓" in UTF-8 */
	assert_non_null(strstr(buf_str(&out), "\nSubject: =?UTF-8?B?Q2/Du3Qg4pyT?=\n"));
	report_free(&r);
	buf_free(&err);
	buf_free(&out);
}

static void test_default_subject_names_the_period_and_the_worst_level(void **state)
{
	(void)state;
	struct report r = { 0 };
	struct buf s = BUF_INIT;
	r.has_period = true;
	strcpy(r.from, "2025-10-06");
	strcpy(r.to, "2025-10-12");
	r.days = 7;
	report_add_note(&r, REPORT_LEVEL_WATCH, "careful");
	out_email_subject(&s, &r);
	assert_string_equal(buf_str(&s), "tokstat report 2025-10-06 .. 2025-10-12: warning");
	report_free(&r);
	buf_free(&s);
}

static void test_default_subject_names_the_worst_alert(void **state)
{
	(void)state;
	sqlite3 *db;
	struct report r = { 0 };
	struct buf s = BUF_INIT, err = BUF_INIT;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	r.has_period = true;
	strcpy(r.from, "2025-10-10");
	strcpy(r.to, "2025-10-10");
	r.days = 1;
	report_add_note(&r, REPORT_LEVEL_BAD, "a credential is invalid"); /* worse than the alerts */
	/* the alerts section lists the most severe first */
	struct report_table *t =
		report_add_query(&r, db, NULL, "SELECT 'warning' AS severity UNION ALL SELECT 'warning'", NULL, 0, &err);
	assert_non_null(t);
	t->key = strdup("alerts");
	t->cols[0].type = REPORT_TYPE_BADGE;
	t->total_rows = 3; /* one more than shown */
	out_email_subject(&s, &r);
	assert_string_equal(buf_str(&s), "tokstat report 2025-10-10: WARNING, 3 alerts");
	/* no alerts: the worst level of the report, as before */
	t->nrows = 0;
	buf_reset(&s);
	out_email_subject(&s, &r);
	assert_string_equal(buf_str(&s), "tokstat report 2025-10-10: critical");
	report_free(&r);
	buf_free(&s);
	buf_free(&err);
	sqlite3_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_message_has_headers_two_parts_and_short_lines),
		cmocka_unit_test(test_subject_that_is_not_ascii_is_an_encoded_word),
		cmocka_unit_test(test_default_subject_names_the_period_and_the_worst_level),
		cmocka_unit_test(test_default_subject_names_the_worst_alert),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
