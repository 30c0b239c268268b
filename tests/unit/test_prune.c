/*
 * Unit tests of store_prune.c on a temporary store seeded through SQL: what a prune removes
 * and keeps, its batches, its record of what went (meta pruned_before, file.pruned), that
 * verify passes after it and still finds a difference, the plan of a dry run, and giving the
 * space back (incremental auto-vacuum, switched by one VACUUM on an older database).
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

#include "store_prune.h"
#include "testlib.h"
#include "verify.h"

#define DAY 20376 /* 2025-10-15 */

struct fixture {
	char dir[256], path[300];
	struct store *st;
};

/*
 * Events of file 1 (credential 1, user 'alice') at noon of days DAY-4 .. DAY, PER_DAY each
 * (one of them a 429), and the daily, hourly, credential and file rows they make: the
 * database is what an ingest would leave (verify passes).
 */
static void seed(const char *path, int per_day)
{
	sqlite3 *db = testlib_sql_open(path);
	char sql[512];
	testlib_exec(db, "INSERT INTO dict(id, value) VALUES (1, 'alice');"
			 "INSERT INTO credential(id, fingerprint, display) VALUES (1, 'ab', 'sk-proj-...abcd');"
			 "INSERT INTO file(id, fingerprint, head_len, name) VALUES (1, 'f', 10, 'a.log')");
	for (int d = DAY - 4; d <= DAY; d++)
		for (int i = 0; i < per_day; i++) {
			snprintf(sql, sizeof(sql),
				 "INSERT INTO event(id, epoch, token, user, status, input_tokens, output_tokens) "
				 "VALUES ((1 << 40) | %d, %lld, 1, 1, %d, 100, 10)",
				 (d - DAY + 4) * per_day + i + 1, (long long)d * 86400 + 43200 + i, i == 0 ? 429 : 200);
			testlib_exec(db, sql);
		}
	testlib_exec(db,
		     "INSERT INTO daily(day, token, user, endpoint, model, provider, operation, project, requests, errors,"
		     " input_tokens, output_tokens, estimated) SELECT epoch / 86400, token, user, 0, 0, 0, 0, 0, count(*),"
		     " sum(status >= 400), sum(input_tokens), sum(output_tokens), 0 FROM event GROUP BY 1;"
		     "INSERT INTO hourly(hour, token, user, model, requests, errors, input_tokens, output_tokens)"
		     " SELECT epoch / 3600, token, user, 0, count(*), sum(status >= 400), sum(input_tokens),"
		     " sum(output_tokens) FROM event GROUP BY 1;"
		     /* no event logged a latency: 0 of them, in no bucket (sql/migrate/009-latency.sql) */
		     "UPDATE daily SET latency_n = 0, "
		     "latency_b00 = 0, latency_b01 = 0, latency_b02 = 0, latency_b03 = 0, latency_b04 = 0, latency_b05 = 0, "
		     "latency_b06 = 0, latency_b07 = 0, latency_b08 = 0, latency_b09 = 0, latency_b10 = 0, latency_b11 = 0, "
		     "latency_b12 = 0, latency_b13 = 0, latency_b14 = 0, latency_b15 = 0, latency_b16 = 0, latency_b17 = 0, "
		     "latency_b18 = 0, latency_b19 = 0;"
		     "UPDATE credential SET requests = (SELECT count(*) FROM event),"
		     " errors = (SELECT count(*) FROM event WHERE status >= 400);"
		     "UPDATE file SET events = (SELECT count(*) FROM event), lines = (SELECT count(*) FROM event)");
	sqlite3_close(db);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	if (!fx || testlib_tmpdir("prune", fx->dir, sizeof(fx->dir)) < 0) {
		free(fx);
		return -1;
	}
	testlib_path(fx->dir, "t.db", fx->path, sizeof(fx->path));
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

/* verify's findings on the store (0: consistent). */
static int problems(struct fixture *fx, struct buf *out)
{
	struct buf err = BUF_INIT;
	int n = verify_database(fx->st, out, &err);
	if (n < 0)
		fail_msg("verify: %s", buf_str(&err));
	buf_free(&err);
	return n;
}

static void test_prune_removes_raw_events_before_the_day_only(void **state)
{
	struct fixture *fx = *state;
	struct store_prune_result r;
	struct buf err = BUF_INIT;
	seed(fx->path, 3);
	assert_int_equal(store_prune(fx->st, DAY - 1, 0, &r, &err), 0);
	assert_int_equal(r.plan.events, 9);
	assert_int_equal(r.plan.days, 3);
	assert_int_equal(r.plan.first_day, DAY - 4);
	assert_int_equal(r.plan.last_day, DAY - 2);
	sqlite3 *db = store_db(fx->st);
	assert_sql_int(db, "SELECT count(*) FROM event", 6);
	assert_sql_int(db, "SELECT min(epoch) / 86400 FROM event", DAY - 1);
	/* every aggregate and counter stays */
	assert_sql_int(db, "SELECT sum(requests) FROM daily", 15);
	assert_sql_int(db, "SELECT count(*) FROM daily", 5);
	assert_sql_int(db, "SELECT sum(requests) FROM hourly", 15);
	assert_sql_int(db, "SELECT requests FROM credential", 15);
	assert_sql_int(db, "SELECT events FROM file", 15);
	assert_sql_int(db, "SELECT pruned FROM file", 9);
	assert_sql_int(db, "SELECT value FROM meta WHERE key = 'pruned_before'", DAY - 1);
	buf_free(&err);
}

static void test_verify_passes_after_prune_and_still_finds_differences(void **state)
{
	struct fixture *fx = *state;
	struct store_prune_result r;
	struct buf err = BUF_INIT, out = BUF_INIT;
	seed(fx->path, 3);
	assert_int_equal(problems(fx, &out), 0);
	assert_int_equal(store_prune(fx->st, DAY - 1, 0, &r, &err), 0);
	assert_int_equal(problems(fx, &out), 0);
	/* a kept day's aggregate that differs is found as before */
	sqlite3 *db = testlib_sql_open(fx->path);
	testlib_exec(db, "UPDATE daily SET input_tokens = input_tokens + 1 WHERE day = " "20375");
	assert_true(problems(fx, &out) > 0);
	assert_non_null(strstr(buf_str(&out), "daily aggregate differs"));
	testlib_exec(db, "UPDATE daily SET input_tokens = input_tokens - 1 WHERE day = 20375");
	/* a pruned day's requests still count in the credential's counters */
	buf_reset(&out);
	testlib_exec(db, "UPDATE daily SET requests = requests + 1 WHERE day = 20372");
	assert_true(problems(fx, &out) > 0);
	assert_non_null(strstr(buf_str(&out), "credential counters differ"));
	testlib_exec(db, "UPDATE daily SET requests = requests - 1 WHERE day = 20372");
	/* and a file's pruned count must match what went */
	buf_reset(&out);
	testlib_exec(db, "UPDATE file SET pruned = pruned - 1");
	assert_true(problems(fx, &out) > 0);
	assert_non_null(strstr(buf_str(&out), "file event count differs"));
	sqlite3_close(db);
	buf_free(&err);
	buf_free(&out);
}

static void test_prune_deletes_in_batches(void **state)
{
	struct fixture *fx = *state;
	struct store_prune_result r;
	struct buf err = BUF_INIT, out = BUF_INIT;
	seed(fx->path, 3);
	assert_int_equal(store_prune(fx->st, DAY - 1, 4, &r, &err), 0);
	assert_int_equal(r.plan.events, 9);
	assert_int_equal(r.batches, 3); /* 4 + 4 + 1 */
	assert_sql_int(store_db(fx->st), "SELECT count(*) FROM event", 6);
	assert_sql_int(store_db(fx->st), "SELECT pruned FROM file", 9);
	assert_int_equal(problems(fx, &out), 0);
	buf_free(&err);
	buf_free(&out);
}

static void test_a_killed_prune_leaves_a_consistent_database(void **state)
{
	struct fixture *fx = *state;
	struct buf err = BUF_INIT, out = BUF_INIT;
	seed(fx->path, 3);
	/* what the first batch of a prune before DAY commits, and nothing after it */
	sqlite3 *db = testlib_sql_open(fx->path);
	testlib_exec(db, "BEGIN; INSERT INTO meta VALUES ('pruned_before', 20376);"
			 "UPDATE file SET pruned = 2; DELETE FROM event WHERE id IN "
			 "(SELECT id FROM event ORDER BY epoch LIMIT 2); COMMIT");
	sqlite3_close(db);
	assert_int_equal(problems(fx, &out), 0);
	buf_free(&err);
	buf_free(&out);
}

static void test_plan_changes_nothing_and_reads_read_only(void **state)
{
	struct fixture *fx = *state;
	struct store_prune_plan p;
	struct store *ro = NULL;
	struct buf err = BUF_INIT;
	seed(fx->path, 2);
	assert_int_equal(store_open(&ro, fx->path, STORE_READ_ONLY, &err), 0);
	assert_int_equal(store_prune_plan(ro, DAY, &p, &err), 0);
	assert_int_equal(p.events, 8);
	assert_int_equal(p.days, 4);
	assert_int_equal(p.pruned_before, 0);
	assert_false(p.needs_vacuum); /* a new database is made in incremental auto-vacuum */
	store_close(ro);
	assert_sql_int(store_db(fx->st), "SELECT count(*) FROM event", 10);
	assert_sql_int(store_db(fx->st), "SELECT count(*) FROM meta WHERE key = 'pruned_before'", 0);
	buf_free(&err);
}

static void test_nothing_to_prune_writes_nothing(void **state)
{
	struct fixture *fx = *state;
	struct store_prune_result r;
	struct buf err = BUF_INIT;
	seed(fx->path, 2);
	assert_int_equal(store_prune(fx->st, DAY - 10, 0, &r, &err), 0);
	assert_int_equal(r.plan.events, 0);
	assert_int_equal(r.batches, 0);
	assert_sql_int(store_db(fx->st), "SELECT count(*) FROM meta WHERE key = 'pruned_before'", 0);
	assert_sql_int(store_db(fx->st), "SELECT count(*) FROM event", 10);
	buf_free(&err);
}

static void test_pruned_before_never_goes_back(void **state)
{
	struct fixture *fx = *state;
	struct store_prune_result r;
	struct buf err = BUF_INIT, out = BUF_INIT;
	seed(fx->path, 2);
	assert_int_equal(store_prune(fx->st, DAY - 1, 0, &r, &err), 0);
	/* a late file brings an event of a pruned day: it is in that day's aggregates */
	sqlite3 *db = testlib_sql_open(fx->path);
	testlib_exec(db, "INSERT INTO event(id, epoch, token, user, status, input_tokens, output_tokens) "
			 "VALUES ((1 << 40) | 99, 20373 * 86400 + 60, 1, 1, 200, 5, 5);"
			 "UPDATE daily SET requests = requests + 1, input_tokens = input_tokens + 5,"
			 " output_tokens = output_tokens + 5 WHERE day = 20373;"
			 "INSERT INTO hourly VALUES (20373 * 24, 1, 1, 0, 1, 0, 5, 5, NULL, NULL, NULL);"
			 "UPDATE credential SET requests = requests + 1; UPDATE file SET events = events + 1");
	sqlite3_close(db);
	assert_int_equal(problems(fx, &out), 0);
	/* a prune with a longer keep removes it, and does not lower pruned_before */
	assert_int_equal(store_prune(fx->st, DAY - 2, 0, &r, &err), 0);
	assert_int_equal(r.plan.events, 1);
	assert_int_equal(r.plan.pruned_before, DAY - 1);
	assert_sql_int(store_db(fx->st), "SELECT value FROM meta WHERE key = 'pruned_before'", DAY - 1);
	assert_int_equal(problems(fx, &out), 0);
	buf_free(&err);
	buf_free(&out);
}

static void test_prune_switches_an_older_database_to_incremental_vacuum(void **state)
{
	struct fixture *fx = *state;
	struct store_prune_result r;
	struct buf err = BUF_INIT, out = BUF_INIT;
	seed(fx->path, 400);
	/* a database made before incremental auto-vacuum */
	sqlite3 *db = testlib_sql_open(fx->path);
	testlib_exec(db, "PRAGMA auto_vacuum = NONE; VACUUM");
	assert_int_equal(sql_int_or(db, "PRAGMA auto_vacuum", -1), 0);
	sqlite3_close(db);
	assert_int_equal(store_prune(fx->st, DAY, 0, &r, &err), 0);
	assert_true(r.plan.needs_vacuum);
	assert_true(r.vacuumed);
	assert_true(r.bytes_after < r.bytes_before);
	db = testlib_sql_open(fx->path); /* a new connection reads the mode from the file */
	assert_int_equal(sql_int_or(db, "PRAGMA auto_vacuum", -1), 2);
	assert_int_equal(problems(fx, &out), 0);
	/* the next prune gives space back without a VACUUM */
	assert_int_equal(store_prune(fx->st, DAY + 1, 0, &r, &err), 0);
	assert_int_equal(r.plan.events, 400);
	assert_false(r.vacuumed);
	assert_true(r.bytes_after < r.bytes_before);
	assert_int_equal(sql_int_or(db, "PRAGMA freelist_count", -1), 0);
	sqlite3_close(db);
	buf_free(&err);
	buf_free(&out);
}

static void test_prune_refuses_a_read_only_store(void **state)
{
	struct fixture *fx = *state;
	struct store_prune_result r;
	struct store *ro = NULL;
	struct buf err = BUF_INIT;
	seed(fx->path, 1);
	assert_int_equal(store_open(&ro, fx->path, STORE_READ_ONLY, &err), 0);
	assert_int_equal(store_prune(ro, DAY, 0, &r, &err), -1);
	assert_non_null(strstr(buf_str(&err), "read-only"));
	store_close(ro);
	assert_sql_int(store_db(fx->st), "SELECT count(*) FROM event", 5);
	buf_free(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_prune_removes_raw_events_before_the_day_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify_passes_after_prune_and_still_finds_differences, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_prune_deletes_in_batches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_killed_prune_leaves_a_consistent_database, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plan_changes_nothing_and_reads_read_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nothing_to_prune_writes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pruned_before_never_goes_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prune_switches_an_older_database_to_incremental_vacuum, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_prune_refuses_a_read_only_store, setup, teardown),
	};
	if (testlib_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
