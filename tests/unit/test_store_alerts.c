/*
 * Unit tests of store_alerts.c on a temporary store: new, ongoing and worse alerts,
 * resolution, acknowledgement, what the webhook is told, the listings, and the schema that
 * the migration and the views give every write-mode open.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "store_alerts.h"
#include "testlib.h"

#define DAY 20376

struct fixture {
	char dir[256];
	struct store *st;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	if (!fx || testlib_tmpdir("store-alerts", fx->dir, sizeof(fx->dir)) < 0) {
		free(fx);
		return -1;
	}
	fx->st = testlib_store(fx->dir, "t.db", STORE_READ_WRITE);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	store_close(fx->st);
	testlib_rmtree(fx->dir);
	free(fx);
	return 0;
}

/* One finding: the user SUBJECT over RULE with VALUE against LIMIT. */
static struct alerts_findings one(enum alerts_rule rule, enum alerts_severity sev, const char *subject, double value,
				  double limit)
{
	struct alerts_findings f = { 0 };
	f.v = calloc(1, sizeof(*f.v));
	f.n = f.cap = 1;
	f.v[0].rule = rule;
	f.v[0].severity = sev;
	f.v[0].kind = ALERTS_USER;
	f.v[0].subject = strdup(subject);
	f.v[0].unit = rule == ALERTS_RATE_LIMIT_LOW ? ALERTS_REMAINING : ALERTS_TOKENS;
	f.v[0].value = value;
	f.v[0].limit = limit;
	f.v[0].worse_by_value = rule != ALERTS_CREDENTIAL_INVALID;
	f.v[0].lower_is_worse = rule == ALERTS_RATE_LIMIT_LOW;
	snprintf(f.v[0].period, sizeof(f.v[0].period), "2025-10-15");
	return f;
}

/* Record F for DAY; returns the outcome of its first finding. */
static struct store_alerts_outcome record(struct store *st, int64_t day, struct alerts_findings *f)
{
	struct store_alerts_outcome out[4];
	struct buf err = BUF_INIT;
	int64_t run;
	assert_int_equal(store_alerts_record(st, day, f, 10, out, &run, &err), 0);
	buf_free(&err);
	alerts_findings_free(f);
	return out[0];
}

/* The one integer of SQL, on the store's read-only connection (it sees what was committed). */
static int64_t scalar(struct store *st, const char *sql)
{
	sqlite3 *db = store_db(st);
	sqlite3_stmt *q;
	int64_t v = -1;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
	if (sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return v;
}

static void test_first_finding_is_new_then_ongoing(void **state)
{
	struct store *st = ((struct fixture *)*state)->st;
	struct alerts_findings f = one(ALERTS_DAILY_LIMIT, ALERTS_CRITICAL, "alice", 1200000, 1000000);
	struct store_alerts_outcome o = record(st, DAY, &f);
	assert_int_equal(o.change, STORE_ALERTS_NEW);
	int64_t id = o.id;
	f = one(ALERTS_DAILY_LIMIT, ALERTS_CRITICAL, "alice", 1200000, 1000000);
	o = record(st, DAY, &f); /* the same day again */
	assert_int_equal(o.change, STORE_ALERTS_ONGOING);
	assert_int_equal(o.id, id);
	f = one(ALERTS_DAILY_LIMIT, ALERTS_CRITICAL, "alice", 1100000, 1000000);
	o = record(st, DAY + 1, &f); /* goes on, a little better */
	assert_int_equal(o.change, STORE_ALERTS_ONGOING);
	assert_int_equal(scalar(st, "SELECT count(*) FROM alert"), 1);
	assert_int_equal(scalar(st, "SELECT first_seen FROM alert"), DAY);
	assert_int_equal(scalar(st, "SELECT last_seen FROM alert"), DAY + 1);
	assert_int_equal(scalar(st, "SELECT worst_value FROM alert"), 1200000);
	assert_int_equal(scalar(st, "SELECT value FROM alert"), 1100000); /* the latest */
}

static void test_worse_needs_ten_percent_past_what_was_reported(void **state)
{
	struct store *st = ((struct fixture *)*state)->st;
	struct alerts_findings f = one(ALERTS_DAILY_LIMIT, ALERTS_CRITICAL, "bob", 1000000, 1000000);
	record(st, DAY, &f);
	f = one(ALERTS_DAILY_LIMIT, ALERTS_CRITICAL, "bob", 1100000, 1000000); /* 10%: not past it */
	assert_int_equal(record(st, DAY + 1, &f).change, STORE_ALERTS_ONGOING);
	f = one(ALERTS_DAILY_LIMIT, ALERTS_CRITICAL, "bob", 1100001, 1000000); /* just past 10% */
	assert_int_equal(record(st, DAY + 2, &f).change, STORE_ALERTS_WORSE);
	/* measured against what was reported (1,100,001), not the worst seen */
	f = one(ALERTS_DAILY_LIMIT, ALERTS_CRITICAL, "bob", 1200000, 1000000);
	assert_int_equal(record(st, DAY + 3, &f).change, STORE_ALERTS_ONGOING);
	f = one(ALERTS_DAILY_LIMIT, ALERTS_CRITICAL, "bob", 1220000, 1000000);
	assert_int_equal(record(st, DAY + 4, &f).change, STORE_ALERTS_WORSE);
}

static void test_severity_rise_is_worse(void **state)
{
	struct store *st = ((struct fixture *)*state)->st;
	struct alerts_findings f = one(ALERTS_DAILY_LIMIT, ALERTS_WARNING, "carol", 850000, 1000000);
	record(st, DAY, &f);
	f = one(ALERTS_DAILY_LIMIT, ALERTS_CRITICAL, "carol", 900000, 1000000);
	assert_int_equal(record(st, DAY + 1, &f).change, STORE_ALERTS_WORSE);
	f = one(ALERTS_DAILY_LIMIT, ALERTS_WARNING, "carol", 850000, 1000000);
	assert_int_equal(record(st, DAY + 2, &f).change, STORE_ALERTS_ONGOING);
	/* back to critical: reported as critical already, so no news */
	f = one(ALERTS_DAILY_LIMIT, ALERTS_CRITICAL, "carol", 910000, 1000000);
	assert_int_equal(record(st, DAY + 3, &f).change, STORE_ALERTS_ONGOING);
}

static void test_lower_is_worse_for_rate_limit(void **state)
{
	struct store *st = ((struct fixture *)*state)->st;
	struct alerts_findings f = one(ALERTS_RATE_LIMIT_LOW, ALERTS_WARNING, "k", 50, 100);
	record(st, DAY, &f);
	f = one(ALERTS_RATE_LIMIT_LOW, ALERTS_WARNING, "k", 46, 100); /* 8% lower */
	assert_int_equal(record(st, DAY, &f).change, STORE_ALERTS_ONGOING);
	f = one(ALERTS_RATE_LIMIT_LOW, ALERTS_WARNING, "k", 44, 100); /* 12% lower */
	assert_int_equal(record(st, DAY, &f).change, STORE_ALERTS_WORSE);
	assert_int_equal(scalar(st, "SELECT worst_value FROM alert"), 44);
	f = one(ALERTS_RATE_LIMIT_LOW, ALERTS_WARNING, "k", 90, 100);
	record(st, DAY + 1, &f);
	assert_int_equal(scalar(st, "SELECT worst_value FROM alert"), 44); /* the worst is the lowest */
}

static void test_more_401s_are_not_worse(void **state)
{
	struct store *st = ((struct fixture *)*state)->st;
	struct alerts_findings f = one(ALERTS_CREDENTIAL_INVALID, ALERTS_CRITICAL, "key", 5, 1);
	record(st, DAY, &f);
	f = one(ALERTS_CREDENTIAL_INVALID, ALERTS_CRITICAL, "key", 500, 1);
	assert_int_equal(record(st, DAY + 1, &f).change, STORE_ALERTS_ONGOING);
}

static void test_missing_finding_resolves_and_return_is_new(void **state)
{
	struct store *st = ((struct fixture *)*state)->st;
	struct alerts_findings f = one(ALERTS_DAILY_LIMIT, ALERTS_CRITICAL, "dave", 1200000, 1000000);
	int64_t id = record(st, DAY, &f).id;
	struct alerts_findings none = { 0 };
	record(st, DAY + 1, &none);
	assert_int_equal(scalar(st, "SELECT resolved FROM alert"), DAY + 1);
	/* evaluating an earlier day again resolves nothing found later */
	f = one(ALERTS_DAILY_LIMIT, ALERTS_CRITICAL, "dave", 1200000, 1000000);
	struct store_alerts_outcome o = record(st, DAY + 2, &f);
	assert_int_equal(o.change, STORE_ALERTS_NEW);
	assert_true(o.id != id);
	record(st, DAY, &none);
	assert_int_equal(scalar(st, "SELECT count(*) FROM alert WHERE resolved IS NULL"), 1);
}

static void test_same_day_without_it_resolves(void **state)
{
	struct store *st = ((struct fixture *)*state)->st;
	/* the day evaluated again under a raised limit: what is not found any more is over */
	struct alerts_findings f = one(ALERTS_DAILY_LIMIT, ALERTS_CRITICAL, "gil", 1200000, 1000000);
	record(st, DAY, &f);
	f = one(ALERTS_BURST_LIMIT, ALERTS_CRITICAL, "gil", 12000, 10000);
	record(st, DAY, &f);
	assert_int_equal(scalar(st, "SELECT count(*) FROM alert WHERE resolved IS NULL"), 1);
	assert_int_equal(scalar(st, "SELECT count(*) FROM alert WHERE resolved = 20376 AND rule = 'daily_limit'"), 1);
}

static void test_ack_silences_until_severity_rises(void **state)
{
	struct store *st = ((struct fixture *)*state)->st;
	struct buf err = BUF_INIT;
	struct alerts_findings f = one(ALERTS_DAILY_LIMIT, ALERTS_WARNING, "erin", 850000, 1000000);
	int64_t id = record(st, DAY, &f).id;
	assert_int_equal(store_alerts_ack(st, id, &err), 1);
	assert_int_equal(store_alerts_ack(st, 9999, &err), 0);
	f = one(ALERTS_DAILY_LIMIT, ALERTS_WARNING, "erin", 890000, 1000000);
	struct store_alerts_outcome o = record(st, DAY + 1, &f);
	assert_int_equal(o.change, STORE_ALERTS_ONGOING);
	assert_true(o.is_acked);
	f = one(ALERTS_DAILY_LIMIT, ALERTS_CRITICAL, "erin", 950000, 1000000);
	o = record(st, DAY + 2, &f);
	assert_int_equal(o.change, STORE_ALERTS_WORSE);
	assert_false(o.is_acked);
	assert_int_equal(scalar(st, "SELECT acked_at IS NULL FROM alert"), 1);
	buf_free(&err);
}

static void test_webhook_is_told_once_and_again_when_worse(void **state)
{
	struct store *st = ((struct fixture *)*state)->st;
	struct buf body = BUF_INIT, err = BUF_INIT;
	int64_t *ids;
	size_t n;
	struct alerts_findings f = one(ALERTS_DAILY_LIMIT, ALERTS_CRITICAL, "<!channel> & co", 1200000, 1000000);
	record(st, DAY, &f);
	assert_int_equal(store_alerts_pending(st, 10, "TOKSTAT CRITICAL", &body, &ids, &n, &err), 0);
	assert_int_equal(n, 1);
	/* Slack markup in a name from a log is escaped; the JSON is SQLite's */
	assert_non_null(strstr(buf_str(&body), "&lt;!channel&gt; &amp; co"));
	assert_non_null(strstr(buf_str(&body), "\"text\":\"TOKSTAT CRITICAL\\n• critical daily_limit"));
	assert_non_null(strstr(buf_str(&body), "\"subject\":\"<!channel> & co\""));
	assert_non_null(strstr(buf_str(&body), "\"change\":\"new\""));
	/* a failed post marks nothing: still pending */
	free(ids);
	buf_reset(&body);
	assert_int_equal(store_alerts_pending(st, 10, "x", &body, &ids, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_alerts_mark_notified(st, ids, n, &err), 0);
	free(ids);
	buf_reset(&body);
	assert_int_equal(store_alerts_pending(st, 10, "x", &body, &ids, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(body.len, 0);
	f = one(ALERTS_DAILY_LIMIT, ALERTS_CRITICAL, "<!channel> & co", 1400000, 1000000);
	record(st, DAY + 1, &f);
	assert_int_equal(store_alerts_pending(st, 10, "x", &body, &ids, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_non_null(strstr(buf_str(&body), "\"change\":\"worse\""));
	free(ids);
	buf_free(&body);
	buf_free(&err);
}

static void test_webhook_text_names_fifty_and_counts_the_rest(void **state)
{
	struct store *st = ((struct fixture *)*state)->st;
	struct alerts_findings f = { 0 };
	struct store_alerts_outcome out[60];
	struct buf body = BUF_INIT, err = BUF_INIT;
	int64_t run, *ids;
	size_t n;
	f.v = calloc(60, sizeof(*f.v));
	f.n = f.cap = 60;
	for (int i = 0; i < 60; i++) {
		char name[32];
		snprintf(name, sizeof(name), "user-%02d", i);
		f.v[i] = (struct alerts_finding){ .rule = ALERTS_DAILY_LIMIT, .severity = ALERTS_CRITICAL,
						  .kind = ALERTS_USER, .subject = strdup(name), .unit = ALERTS_TOKENS,
						  .value = 2000000, .limit = 1000000, .worse_by_value = true };
	}
	assert_int_equal(store_alerts_record(st, DAY, &f, 10, out, &run, &err), 0);
	alerts_findings_free(&f);
	assert_int_equal(store_alerts_pending(st, 10, "x", &body, &ids, &n, &err), 0);
	assert_int_equal(n, 60);
	assert_non_null(strstr(buf_str(&body), "user-49:"));
	assert_null(strstr(buf_str(&body), "user-50:"));
	assert_non_null(strstr(buf_str(&body), "\\n… and 10 more\",\"alerts\""));
	assert_non_null(strstr(buf_str(&body), "\"subject\":\"user-59\"")); /* all in the data */
	free(ids);
	buf_free(&body);
	buf_free(&err);
}

static void test_listing_and_json_select_alerts(void **state)
{
	struct store *st = ((struct fixture *)*state)->st;
	struct report r = { 0 };
	struct buf out = BUF_INIT, err = BUF_INIT;
	struct alerts_findings f = one(ALERTS_DAILY_LIMIT, ALERTS_WARNING, "fay", 850000, 1000000);
	struct store_alerts_outcome o[4];
	int64_t run;
	assert_int_equal(store_alerts_record(st, DAY, &f, 10, o, &run, &err), 0);
	alerts_findings_free(&f);
	assert_int_equal(store_alerts_report(st, STORE_ALERTS_SELECT_CHANGED, run, "New", &r, &err), 0);
	assert_int_equal(r.tables[0]->nrows, 1);
	assert_string_equal(report_text(r.tables[0], report_cell(r.tables[0], 0, 4)), "850,000 tokens");
	assert_string_equal(report_text(r.tables[0], report_cell(r.tables[0], 0, 9)), "new");
	report_free(&r);
	/* a second run changes nothing: the changed listing is empty, the active one is not */
	f = one(ALERTS_DAILY_LIMIT, ALERTS_WARNING, "fay", 850000, 1000000);
	assert_int_equal(store_alerts_record(st, DAY, &f, 10, o, &run, &err), 0);
	alerts_findings_free(&f);
	assert_int_equal(store_alerts_report(st, STORE_ALERTS_SELECT_CHANGED, run, "New", &r, &err), 0);
	assert_int_equal(r.tables[0]->nrows, 0);
	assert_int_equal(store_alerts_report(st, STORE_ALERTS_SELECT_ACTIVE, run, "Active", &r, &err), 0);
	assert_int_equal(r.tables[1]->nrows, 1);
	assert_string_equal(report_text(r.tables[1], report_cell(r.tables[1], 0, 9)), "ongoing");
	report_free(&r);
	assert_int_equal(store_alerts_json(st, STORE_ALERTS_SELECT_ACTIVE, run, "2025-10-15", "WARNING", 0, 1, &out, &err), 0);
	assert_non_null(strstr(buf_str(&out), "{\"day\":\"2025-10-15\",\"status\":\"WARNING\",\"critical\":0,\"warning\":1,"));
	assert_non_null(strstr(buf_str(&out), "\"value\":850000,\"limit\":1000000,\"unit\":\"tokens\""));
	buf_reset(&out);
	assert_int_equal(store_alerts_json(st, STORE_ALERTS_SELECT_CHANGED, run, "2025-10-15", "OK", 0, 0, &out, &err), 0);
	assert_non_null(strstr(buf_str(&out), "\"alerts\":[]"));
	buf_free(&out);
	buf_free(&err);
}

static void test_alert_tables_and_view_come_with_every_write_open(void **state)
{
	struct store *st = ((struct fixture *)*state)->st;
	/* nothing recorded yet: the migration made the tables, views.sql the view */
	assert_int_equal(scalar(st, "SELECT count(*) FROM alerts"), 0);
	assert_int_equal(scalar(st, "SELECT count(*) FROM alert_run"), 0);
	assert_true(scalar(st, "PRAGMA user_version") >= 3);
	struct alerts_findings f = one(ALERTS_DAILY_LIMIT, ALERTS_CRITICAL, "hana", 1200000, 1000000);
	record(st, DAY, &f);
	assert_int_equal(scalar(st, "SELECT count(*) FROM alerts WHERE status = 'active' AND severity = 'critical' "
				    "AND rule = 'daily_limit' AND subject = 'hana' AND first_seen = '2025-10-15'"),
			 1);
}

static void test_read_only_store_refuses_writes_and_lists(void **state)
{
	struct fixture *fx = *state;
	struct alerts_findings f = one(ALERTS_DAILY_LIMIT, ALERTS_CRITICAL, "ivan", 1200000, 1000000);
	int64_t id = record(fx->st, DAY, &f).id;
	struct store *ro = testlib_store(fx->dir, "t.db", STORE_READ_ONLY);
	struct store_alerts_outcome out[1];
	struct buf err = BUF_INIT, json = BUF_INIT;
	int64_t run;
	f = one(ALERTS_DAILY_LIMIT, ALERTS_CRITICAL, "ivan", 1300000, 1000000);
	assert_int_equal(store_alerts_record(ro, DAY, &f, 10, out, &run, &err), -1);
	assert_non_null(strstr(buf_str(&err), "opened read-only"));
	alerts_findings_free(&f);
	buf_reset(&err);
	assert_int_equal(store_alerts_ack(ro, id, &err), -1);
	/* reading needs no writer */
	assert_int_equal(store_alerts_json(ro, STORE_ALERTS_SELECT_ACTIVE, 0, NULL, NULL, 0, 0, &json, &err), 0);
	assert_non_null(strstr(buf_str(&json), "\"subject\":\"ivan\""));
	store_close(ro);
	buf_free(&err);
	buf_free(&json);
}

int main(void)
{
	if (testlib_init() < 0)
		return 1;
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_alert_tables_and_view_come_with_every_write_open),
		T(test_read_only_store_refuses_writes_and_lists),
		T(test_first_finding_is_new_then_ongoing),
		T(test_worse_needs_ten_percent_past_what_was_reported),
		T(test_severity_rise_is_worse),
		T(test_lower_is_worse_for_rate_limit),
		T(test_more_401s_are_not_worse),
		T(test_missing_finding_resolves_and_return_is_new),
		T(test_same_day_without_it_resolves),
		T(test_ack_silences_until_severity_rises),
		T(test_webhook_is_told_once_and_again_when_worse),
		T(test_webhook_text_names_fifty_and_counts_the_rest),
		T(test_listing_and_json_select_alerts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
