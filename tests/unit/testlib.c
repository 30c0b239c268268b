/* Fixtures shared by the unit tests; see testlib.h. */
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "testlib.h"

struct format_set testlib_formats;

int testlib_init(void)
{
	if (sodium_init() < 0)
		return -1;
	store_library_init();
	return 0;
}

int testlib_tmpdir(const char *name, char *out, size_t n)
{
	const char *tmp = getenv("TMPDIR");
	int len = snprintf(out, n, "%s/tokstat-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", name);
	return len > 0 && (size_t)len < n && mkdtemp(out) ? 0 : -1;
}

static int remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	remove(path);
	return 0;
}

void testlib_rmtree(const char *dir)
{
	if (dir && *dir)
		nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

void testlib_path(const char *dir, const char *name, char *out, size_t n)
{
	int len = snprintf(out, n, "%s/%s", dir, name);
	if (len < 0 || (size_t)len >= n)
		fail_msg("path %s/%s is longer than %zu bytes", dir, name, n);
}

void testlib_write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		fail_msg("cannot write %s", path);
	if (n)
		assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

bool testlib_read_file(const char *path, struct buf *out)
{
	FILE *f = fopen(path, "rb");
	char chunk[65536];
	size_t n;
	if (!f)
		return false;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(out, chunk, n);
	fclose(f);
	return true;
}

struct store *testlib_store(const char *dir, const char *name, enum store_mode mode)
{
	char path[512];
	struct store *st = NULL;
	struct buf err = BUF_INIT;
	testlib_path(dir, name, path, sizeof(path));
	if (store_open(&st, path, mode, &err) != 0)
		fail_msg("store_open %s: %s", path, buf_str(&err));
	buf_free(&err);
	return st;
}

sqlite3 *testlib_sql_open(const char *path)
{
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
		fail_msg("open %s: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
	sqlite3_busy_timeout(db, 10000);
	return db;
}

void testlib_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		char copy[512];
		snprintf(copy, sizeof(copy), "%s", msg ? msg : "?");
		sqlite3_free(msg);
		fail_msg("%s: %s", sql, copy);
	}
}

sqlite3 *testlib_memory_db(const char *sql)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	if (sql)
		testlib_exec(db, sql);
	return db;
}

int testlib_load_definition(const char *text, struct format_set *set, struct buf *err)
{
	char dir[256], path[320];
	if (testlib_tmpdir("def", dir, sizeof(dir)) < 0)
		fail_msg("cannot make a temporary directory");
	testlib_path(dir, "user.json", path, sizeof(path));
	testlib_write_file(path, text, strlen(text));
	int rc = format_set_load(set, dir, err);
	testlib_rmtree(dir);
	return rc;
}

int testlib_formats_setup(void **state)
{
	struct buf err = BUF_INIT;
	(void)state;
	int rc = format_set_load(&testlib_formats, NULL, &err);
	if (rc < 0)
		fprintf(stderr, "%s\n", buf_str(&err));
	buf_free(&err);
	return rc;
}

int testlib_formats_teardown(void **state)
{
	(void)state;
	format_set_free(&testlib_formats);
	return 0;
}

/* SQL prepared and stepped to its first row; fails the test when there is none. */
static sqlite3_stmt *first_row(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
		fail_msg("prepare %s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(q) != SQLITE_ROW) {
		sqlite3_finalize(q);
		fail_msg("no row from %s", sql);
	}
	return q;
}

int64_t sql_int_or(sqlite3 *db, const char *sql, int64_t null_value)
{
	sqlite3_stmt *q = first_row(db, sql);
	int64_t v = sqlite3_column_type(q, 0) == SQLITE_NULL ? null_value : sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return v;
}

void assert_sql_int(sqlite3 *db, const char *sql, int64_t want)
{
	sqlite3_stmt *q = first_row(db, sql);
	bool is_null = sqlite3_column_type(q, 0) == SQLITE_NULL;
	int64_t got = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	if (is_null)
		fail_msg("%s: NULL, want %lld", sql, (long long)want);
	if (got != want)
		fail_msg("%s: %lld, want %lld", sql, (long long)got, (long long)want);
}

void assert_sql_null(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *q = first_row(db, sql);
	bool is_null = sqlite3_column_type(q, 0) == SQLITE_NULL;
	char got[256];
	snprintf(got, sizeof(got), "%s", is_null ? "" : (const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	if (!is_null)
		fail_msg("%s: \"%s\", want NULL", sql, got);
}

void assert_sql_text(sqlite3 *db, const char *sql, const char *want)
{
	sqlite3_stmt *q = first_row(db, sql);
	const char *got = (const char *)sqlite3_column_text(q, 0);
	char copy[512];
	snprintf(copy, sizeof(copy), "%s", got ? got : "NULL");
	sqlite3_finalize(q);
	if (!got || strcmp(copy, want) != 0)
		fail_msg("%s: \"%s\", want \"%s\"", sql, copy, want);
}

void sql_dump(sqlite3 *db, const char *sql, struct buf *out)
{
	sqlite3_stmt *q;
	int rc;
	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
		fail_msg("prepare %s: %s", sql, sqlite3_errmsg(db));
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		for (int i = 0; i < sqlite3_column_count(q); i++) {
			const unsigned char *v = sqlite3_column_text(q, i);
			buf_printf(out, "%s%s", i ? "|" : "", v ? (const char *)v : "~");
		}
		buf_addc(out, '\n');
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
}
