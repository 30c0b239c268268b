/* Unit tests of query: refusals, parameters, periods, timeouts, temp views, query files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "query.h"

static char db_path[64];

/* A file database with a physical table and a view over it, like tokstat's. */
static int setup(void **state)
{
	(void)state;
	sqlite3 *db;
	snprintf(db_path, sizeof(db_path), "/tmp/test_query_%d.db", (int)getpid());
	unlink(db_path);
	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
		"CREATE TABLE event(id INTEGER PRIMARY KEY, epoch INTEGER, user TEXT);"
		"INSERT INTO event VALUES (1, 100, 'alice'), (2, 200, 'bob'), (3, 300, NULL);"
		"CREATE INDEX event_epoch ON event(epoch);"
		"CREATE VIEW events AS SELECT id, epoch, user FROM event;",
		NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(db_path);
	return 0;
}

static struct query *open_query(void)
{
	struct query *q = NULL;
	struct buf err = BUF_INIT;
	assert_int_equal(query_open(&q, db_path, NULL, &err), 0);
	buf_free(&err);
	return q;
}

/* Prepare SQL; returns 0 or -1 and leaves the message in ERR. */
static int prepare(struct query *q, const char *sql, struct buf *err)
{
	buf_reset(err);
	return query_prepare(q, sql, err);
}

static long count_rows(void)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	long n;
	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM event", -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	n = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return n;
}

static void test_select_from_view_streams_rows(void **state)
{
	(void)state;
	struct query *q = open_query();
	struct buf err = BUF_INIT;
	struct query_value row[2];
	assert_int_equal(prepare(q, "SELECT epoch, user FROM events ORDER BY id", &err), 0);
	assert_int_equal(query_ncols(q), 2);
	assert_string_equal(query_col_name(q, 1), "user");
	assert_int_equal(query_step(q, row, &err), 1);
	assert_int_equal(row[0].type, QUERY_INT);
	assert_int_equal(row[0].i, 100);
	assert_int_equal(row[1].type, QUERY_TEXT);
	assert_memory_equal(row[1].p, "alice", 5);
	assert_int_equal(query_step(q, row, &err), 1);
	assert_int_equal(query_step(q, row, &err), 1);
	assert_int_equal(row[1].type, QUERY_NULL);
	assert_int_equal(query_step(q, row, &err), 0);
	query_close(q);
	buf_free(&err);
}

static void test_writes_are_refused_before_running(void **state)
{
	(void)state;
	static const char *const writes[] = {
		"INSERT INTO event VALUES (9, 9, 'x')", "UPDATE event SET user = 'x'", "DELETE FROM event",
		"DELETE FROM events", "CREATE TABLE t(a)", "CREATE TEMP TABLE t(a)", "DROP VIEW events",
		"CREATE INDEX i ON event(epoch)", "CREATE TEMP VIEW v AS SELECT 1", "ALTER TABLE event ADD COLUMN x",
		"WITH c AS (SELECT 1) DELETE FROM event", "REPLACE INTO event VALUES (1, 1, 'x')",
		"VACUUM", "REINDEX", "ANALYZE", "BEGIN", "SAVEPOINT s", "DETACH main",
		"CREATE TRIGGER tr AFTER INSERT ON event BEGIN SELECT 1; END",
	};
	struct query *q = open_query();
	struct buf err = BUF_INIT;
	for (size_t i = 0; i < sizeof(writes) / sizeof(writes[0]); i++) {
		if (prepare(q, writes[i], &err) == 0)
			fail_msg("not refused: %s", writes[i]);
		assert_true(err.len > 0);
	}
	assert_int_equal(count_rows(), 3);
	query_close(q);
	buf_free(&err);
}

static void test_refusal_says_why(void **state)
{
	(void)state;
	struct query *q = open_query();
	struct buf err = BUF_INIT;
	assert_int_equal(prepare(q, "UPDATE event SET user = 'x'", &err), -1);
	assert_non_null(strstr(buf_str(&err), "refused: UPDATE"));
	assert_non_null(strstr(buf_str(&err), "nothing was run"));
	assert_int_equal(prepare(q, "CREATE TABLE t(a)", &err), -1);
	assert_non_null(strstr(buf_str(&err), "change the schema"));
	query_close(q);
	buf_free(&err);
}

static void test_attach_and_vacuum_into_are_refused_and_create_no_file(void **state)
{
	(void)state;
	struct query *q = open_query();
	struct buf err = BUF_INIT, sql = BUF_INIT, path = BUF_INIT;
	struct stat sb;
	buf_printf(&path, "%s.attached", db_path);
	unlink(buf_str(&path));
	buf_printf(&sql, "ATTACH '%s' AS a", buf_str(&path));
	assert_int_equal(prepare(q, buf_str(&sql), &err), -1);
	assert_non_null(strstr(buf_str(&err), "ATTACH"));
	buf_reset(&sql);
	buf_printf(&sql, "VACUUM INTO '%s'", buf_str(&path));
	assert_int_equal(prepare(q, buf_str(&sql), &err), -1);
	assert_int_equal(stat(buf_str(&path), &sb), -1);
	query_close(q);
	buf_free(&err);
	buf_free(&sql);
	buf_free(&path);
}

static void test_pragmas_that_read_pass_and_others_are_refused(void **state)
{
	(void)state;
	struct query *q = open_query();
	struct buf err = BUF_INIT;
	assert_int_equal(prepare(q, "PRAGMA table_info(events)", &err), 0);
	assert_int_equal(prepare(q, "PRAGMA user_version", &err), 0);
	assert_int_equal(prepare(q, "SELECT name FROM pragma_table_info('events')", &err), 0);
	assert_int_equal(prepare(q, "PRAGMA user_version = 7", &err), -1);
	assert_non_null(strstr(buf_str(&err), "user_version"));
	assert_int_equal(prepare(q, "PRAGMA journal_mode = DELETE", &err), -1);
	assert_int_equal(prepare(q, "PRAGMA writable_schema = ON", &err), -1);
	assert_int_equal(prepare(q, "PRAGMA query_only = OFF", &err), -1);
	query_close(q);
	buf_free(&err);
}

static void test_functions_reaching_outside_are_refused(void **state)
{
	(void)state;
	struct query *q = open_query();
	struct buf err = BUF_INIT;
	assert_int_equal(prepare(q, "SELECT load_extension('/tmp/x.so')", &err), -1);
	assert_non_null(strstr(buf_str(&err), "load_extension"));
	assert_int_equal(prepare(q, "SELECT value FROM json_each('[1, 2]')", &err), 0);
	query_close(q);
	buf_free(&err);
}

static void test_physical_tables_are_read_through_views_only(void **state)
{
	(void)state;
	struct query *q = open_query();
	struct buf err = BUF_INIT;
	assert_int_equal(prepare(q, "SELECT user FROM event", &err), -1);
	assert_non_null(strstr(buf_str(&err), "event is a physical table"));
	assert_int_equal(prepare(q, "SELECT user FROM events", &err), 0);
	assert_int_equal(prepare(q, "SELECT name FROM sqlite_master", &err), 0);
	query_close(q);
	buf_free(&err);
}

static void test_second_statement_is_refused_and_none_runs(void **state)
{
	(void)state;
	struct query *q = open_query();
	struct buf err = BUF_INIT;
	assert_int_equal(prepare(q, "SELECT 1; SELECT 2", &err), -1);
	assert_non_null(strstr(buf_str(&err), "more than one statement"));
	assert_int_equal(prepare(q, "SELECT 1; DELETE FROM event", &err), -1);
	assert_int_equal(prepare(q, "SELECT 1; -- only a comment\n ; ", &err), 0);
	assert_int_equal(prepare(q, "-- nothing", &err), -1);
	assert_int_equal(count_rows(), 3);
	query_close(q);
	buf_free(&err);
}

static void test_named_parameters_bind_every_prefix(void **state)
{
	(void)state;
	struct query *q = open_query();
	struct buf err = BUF_INIT;
	struct query_param p[2];
	struct query_value row[3];
	query_param_set(&p[0], "user", "it's", false);
	query_param_set(&p[1], "n", "42", false);
	assert_int_equal(prepare(q, "SELECT :user, @user || $user, :n + 1", &err), 0);
	assert_int_equal(query_bind(q, p, 2, &err), 0);
	assert_int_equal(query_step(q, row, &err), 1);
	assert_int_equal(row[0].n, 4);
	assert_memory_equal(row[0].p, "it's", 4);
	assert_memory_equal(row[1].p, "it'sit's", 8);
	assert_int_equal(row[2].type, QUERY_INT);
	assert_int_equal(row[2].i, 43);
	query_param_free(&p[0]);
	query_param_free(&p[1]);
	query_close(q);
	buf_free(&err);
}

static void test_bind_wants_every_value_and_no_other(void **state)
{
	(void)state;
	struct query *q = open_query();
	struct buf err = BUF_INIT;
	struct query_param p;
	query_param_set(&p, "other", "1", false);
	assert_int_equal(prepare(q, "SELECT :user", &err), 0);
	assert_int_equal(query_bind(q, NULL, 0, &err), -1);
	assert_non_null(strstr(buf_str(&err), "no value for :user"));
	assert_int_equal(prepare(q, "SELECT 1", &err), 0);
	buf_reset(&err);
	assert_int_equal(query_bind(q, &p, 1, &err), -1);
	assert_non_null(strstr(buf_str(&err), ":other"));
	assert_int_equal(prepare(q, "SELECT ?", &err), 0);
	buf_reset(&err);
	assert_int_equal(query_bind(q, NULL, 0, &err), -1);
	assert_non_null(strstr(buf_str(&err), "positional"));
	query_param_free(&p);
	query_close(q);
	buf_free(&err);
}

static void test_parameter_types_are_inferred_and_text_forced(void **state)
{
	(void)state;
	static const struct {
		const char *value;
		enum query_type type;
	} cases[] = {
		{ "42", QUERY_INT }, { "-7", QUERY_INT }, { "0", QUERY_INT }, { "1.5", QUERY_REAL },
		{ "2e3", QUERY_REAL }, { "-0.25", QUERY_REAL }, { "007", QUERY_TEXT }, { "+1", QUERY_TEXT },
		{ "0x10", QUERY_TEXT }, { "1e999", QUERY_TEXT }, { "99999999999999999999", QUERY_TEXT },
		{ "1.", QUERY_TEXT }, { " 1", QUERY_TEXT }, { "alice", QUERY_TEXT }, { "", QUERY_NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct query_param p;
		query_param_set(&p, "x", cases[i].value, false);
		if (p.type != cases[i].type)
			fail_msg("'%s': type %d, expected %d", cases[i].value, p.type, cases[i].type);
		query_param_free(&p);
	}
	struct query_param p;
	struct buf err = BUF_INIT;
	assert_int_equal(query_param_parse("user:text=123", &p, &err), 0);
	assert_string_equal(p.name, "user");
	assert_int_equal(p.type, QUERY_TEXT);
	assert_string_equal(p.value, "123");
	query_param_free(&p);
	assert_int_equal(query_param_parse("q=a=b", &p, &err), 0);
	assert_string_equal(p.value, "a=b");
	query_param_free(&p);
	assert_int_equal(query_param_parse("novalue", &p, &err), -1);
	assert_int_equal(query_param_parse("bad-name=1", &p, &err), -1);
	buf_free(&err);
}

static void test_parse_error_does_not_show_the_value(void **state)
{
	(void)state;
	struct query_param p;
	struct buf err = BUF_INIT;
	assert_int_equal(query_param_parse("to ken=ghp_secretvalue1234567890", &p, &err), -1);
	assert_null(strstr(buf_str(&err), "ghp_secret"));
	buf_free(&err);
}

static void test_period_day_as_end_includes_the_day(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	int64_t t;
	assert_int_equal(query_period_bound("2025-10-12", false, &b, &t), 0);
	assert_string_equal(buf_str(&b), "2025-10-12T00:00:00Z");
	buf_reset(&b);
	assert_int_equal(query_period_bound("2025-10-12", true, &b, &t), 0);
	assert_string_equal(buf_str(&b), "2025-10-13T00:00:00Z");
	buf_reset(&b);
	assert_int_equal(query_period_bound("2025-10-12T03:00+02:00", true, &b, &t), 0);
	assert_string_equal(buf_str(&b), "2025-10-12T01:00:00Z");
	assert_int_equal(query_period_bound("yesterday", false, &b, &t), -1);
	assert_int_equal(query_period_bound("2025-02-30", false, &b, &t), -1);
	buf_free(&b);
}

static void test_timeout_stops_a_runaway_query(void **state)
{
	(void)state;
	struct query *q = open_query();
	struct buf err = BUF_INIT;
	struct query_value row[1];
	assert_int_equal(prepare(q, "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 1e12) "
				    "SELECT count(*) FROM c", &err), 0);
	query_set_timeout(q, 0.2);
	assert_int_equal(query_step(q, row, &err), -1);
	assert_int_equal(query_stopped(q), QUERY_TIMED_OUT);
	assert_non_null(strstr(buf_str(&err), "--timeout"));
	query_close(q);
	buf_free(&err);
}

static void test_interrupt_stops_the_query(void **state)
{
	(void)state;
	struct query *q = open_query();
	struct buf err = BUF_INIT;
	struct query_value row[1];
	assert_int_equal(prepare(q, "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c) SELECT i FROM c", &err), 0);
	assert_int_equal(query_step(q, row, &err), 1);
	query_interrupt(q);
	assert_int_equal(query_step(q, row, &err), -1);
	assert_int_equal(query_stopped(q), QUERY_INTERRUPTED);
	query_close(q);
	buf_free(&err);
}

static void test_temp_views_of_the_store_connection_are_copied(void **state)
{
	(void)state;
	sqlite3 *store;
	struct query *q = NULL;
	struct buf err = BUF_INIT;
	struct query_value row[1];
	assert_int_equal(sqlite3_open_v2(db_path, &store, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(store, "CREATE TEMP VIEW events AS SELECT 'newer' AS user FROM event LIMIT 1",
				      NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(query_open(&q, db_path, store, &err), 0);
	assert_int_equal(prepare(q, "SELECT user FROM events", &err), 0);
	assert_int_equal(query_step(q, row, &err), 1);
	assert_memory_equal(row[0].p, "newer", 5);
	query_close(q);
	sqlite3_close(store);
	buf_free(&err);
}

static const char query_file[] =
	"-- name: by-user\n"
	"-- description: Requests of one user\n"
	"-- A line of prose: param: is not a declaration here.\n"
	"-- param: user:text            the user (required)\n"
	"-- param: from = NULL          start\n"
	"-- param: limit = 20           rows\n"
	"-- param: label = 'it''s here' a quoted default\n"
	"SELECT :user, :from, :limit, :label;\n";

static void test_query_file_header_gives_name_and_parameters(void **state)
{
	(void)state;
	struct query_def d;
	struct buf err = BUF_INIT;
	assert_int_equal(query_def_parse(&d, "x/by-user.sql", "by-user", query_file, strlen(query_file), &err), 0);
	assert_string_equal(d.name, "by-user");
	assert_string_equal(d.description, "Requests of one user");
	assert_int_equal(d.nparams, 4);
	assert_string_equal(d.params[0].name, "user");
	assert_true(d.params[0].is_text);
	assert_null(d.params[0].def);
	assert_string_equal(d.params[0].help, "the user (required)");
	assert_true(d.params[1].def_is_null);
	assert_string_equal(d.params[2].def, "20");
	assert_false(d.params[2].def_is_null);
	assert_string_equal(d.params[3].def, "it's here");
	assert_string_equal(d.params[3].help, "a quoted default");
	assert_non_null(query_def_param(&d, "limit"));
	assert_null(query_def_param(&d, "nope"));
	query_def_free(&d);
	buf_free(&err);
}

static void test_query_file_errors_name_file_and_line(void **state)
{
	(void)state;
	struct query_def d;
	struct buf err = BUF_INIT;
	assert_int_equal(query_def_parse(&d, "x/other.sql", "other", query_file, strlen(query_file), &err), -1);
	assert_non_null(strstr(buf_str(&err), "x/other.sql"));
	buf_reset(&err);
	static const char no_desc[] = "-- name: a\nSELECT 1;\n";
	assert_int_equal(query_def_parse(&d, "a.sql", "a", no_desc, strlen(no_desc), &err), -1);
	assert_non_null(strstr(buf_str(&err), "description"));
	buf_reset(&err);
	static const char bad_param[] = "-- name: a\n-- description: d\n-- param: 9x = 1\nSELECT 1;\n";
	assert_int_equal(query_def_parse(&d, "a.sql", "a", bad_param, strlen(bad_param), &err), -1);
	assert_non_null(strstr(buf_str(&err), "a.sql:3"));
	buf_free(&err);
}

static void test_catalog_has_the_builtins_and_a_directory_replaces_one(void **state)
{
	(void)state;
	struct query_catalog c;
	struct buf err = BUF_INIT, path = BUF_INIT, dir = BUF_INIT;
	assert_int_equal(query_catalog_load(&c, NULL, &err), 0);
	const struct query_def *t = query_catalog_find(&c, "timeline");
	assert_non_null(t);
	assert_string_equal(t->origin, "built-in");
	assert_non_null(query_def_param(t, "credential"));
	size_t builtins = c.n;
	query_catalog_free(&c);

	buf_printf(&dir, "/tmp/test_query_dir_%d", (int)getpid());
	mkdir(buf_str(&dir), 0700);
	buf_printf(&path, "%s/timeline.sql", buf_str(&dir));
	FILE *f = fopen(buf_str(&path), "w");
	assert_non_null(f);
	fputs("-- name: timeline\n-- description: mine\nSELECT 1;\n", f);
	fclose(f);
	assert_int_equal(query_catalog_load(&c, buf_str(&dir), &err), 0);
	assert_int_equal(c.n, builtins);
	t = query_catalog_find(&c, "timeline");
	assert_string_equal(t->description, "mine");
	assert_string_equal(t->origin, buf_str(&path));
	query_catalog_free(&c);
	unlink(buf_str(&path));
	rmdir(buf_str(&dir));
	buf_free(&err);
	buf_free(&path);
	buf_free(&dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_select_from_view_streams_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writes_are_refused_before_running, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusal_says_why, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attach_and_vacuum_into_are_refused_and_create_no_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pragmas_that_read_pass_and_others_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_functions_reaching_outside_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_physical_tables_are_read_through_views_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_statement_is_refused_and_none_runs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_named_parameters_bind_every_prefix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_wants_every_value_and_no_other, setup, teardown),
		cmocka_unit_test(test_parameter_types_are_inferred_and_text_forced),
		cmocka_unit_test(test_parse_error_does_not_show_the_value),
		cmocka_unit_test(test_period_day_as_end_includes_the_day),
		cmocka_unit_test_setup_teardown(test_timeout_stops_a_runaway_query, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interrupt_stops_the_query, setup, teardown),
		cmocka_unit_test_setup_teardown(test_temp_views_of_the_store_connection_are_copied, setup, teardown),
		cmocka_unit_test(test_query_file_header_gives_name_and_parameters),
		cmocka_unit_test(test_query_file_errors_name_file_and_line),
		cmocka_unit_test(test_catalog_has_the_builtins_and_a_directory_replaces_one),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
