/*
 * Fixtures shared by the unit tests (linked into every test binary by the Makefile):
 * temporary directories and files, stores in them, in-memory databases, the built-in
 * formats, and assertions over SQL results. They fail the running test (cmocka's fail_msg)
 * instead of returning errors. Include after <cmocka.h>.
 */
#ifndef TOKSTAT_TESTLIB_H
#define TOKSTAT_TESTLIB_H
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "format.h"
#include "store.h"

/* What every test's main() calls first: libsodium and the SQLite library. 0, or -1. */
int testlib_init(void);

/*
 * A new directory $TMPDIR/tokstat-NAME-XXXXXX (TMPDIR defaults to /tmp), its path in OUT
 * (N bytes). Returns 0, or -1 (for setup functions, which may not fail a test).
 */
int testlib_tmpdir(const char *name, char *out, size_t n);
/* Remove DIR and everything in it. NULL-safe and quiet: for teardown. */
void testlib_rmtree(const char *dir);
/* DIR/NAME into OUT (N bytes). */
void testlib_path(const char *dir, const char *name, char *out, size_t n);
/* Write P[0..N) to PATH, replacing it. */
void testlib_write_file(const char *path, const void *p, size_t n);
/* The whole content of PATH appended to OUT; false when it cannot be opened. */
bool testlib_read_file(const char *path, struct buf *out);

/* Open (creating) the store DIR/NAME in MODE; fails the test when it cannot. */
struct store *testlib_store(const char *dir, const char *name, enum store_mode mode);
/*
 * A read-write connection of the test's own on PATH (created when missing): what only a test
 * does to a database, seeding or damaging its tables. Closed with sqlite3_close.
 */
sqlite3 *testlib_sql_open(const char *path);
/* Run SQL on DB; fails the test with SQLite's message. */
void testlib_exec(sqlite3 *db, const char *sql);
/* A new in-memory database after running SQL on it. Closed with sqlite3_close. */
sqlite3 *testlib_memory_db(const char *sql);

/*
 * Load the built-in formats plus one user definition TEXT (a JSON file written to a temporary
 * directory, as if from --parsers DIR). Returns format_set_load's result, ERR set on -1.
 */
int testlib_load_definition(const char *text, struct format_set *set, struct buf *err);
/* The built-in formats, for tests of parsers: group setup and teardown (cmocka). */
extern struct format_set testlib_formats;
int testlib_formats_setup(void **state);
int testlib_formats_teardown(void **state);

/* The one value of SQL on DB, or NULL_VALUE when it is NULL; fails without a row. */
int64_t sql_int_or(sqlite3 *db, const char *sql, int64_t null_value);
/* Assertions on the one value of SQL: an integer, NULL, a text. */
void assert_sql_int(sqlite3 *db, const char *sql, int64_t want);
void assert_sql_null(sqlite3 *db, const char *sql);
void assert_sql_text(sqlite3 *db, const char *sql, const char *want);
/* Every row of SQL as text, one line each, "|" between columns and "~" for NULL, into OUT. */
void sql_dump(sqlite3 *db, const char *sql, struct buf *out);

#endif
