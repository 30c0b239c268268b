/* The schema: ordered migrations, the price table and the views. See store_migrate.h. */
#include "store_migrate.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credential.h"
#include "embedded.h"
#include "store_int.h"

#define MIGRATE_DIR "sql/migrate/"
#define MIGRATE_MAX 999 /* NNN: three digits */

int store_meta_get(sqlite3 *db, const char *key, void *out, size_t n)
{
	sqlite3_stmt *q;
	int rc = -1, step;
	if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = ?", -1, &q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	step = sqlite3_step(q);
	if (step == SQLITE_ROW && (size_t)sqlite3_column_bytes(q, 0) == n) {
		memcpy(out, sqlite3_column_blob(q, 0), n);
		rc = 0;
	} else if (step == SQLITE_ROW || step == SQLITE_DONE) {
		rc = 1;
	}
	sqlite3_finalize(q);
	return rc;
}

static int meta_get_blob(sqlite3 *db, const char *key, void *out, size_t n)
{
	return store_meta_get(db, key, out, n) == 0 ? 0 : -1;
}

int store_meta_set(sqlite3 *db, const char *key, const void *p, size_t n)
{
	sqlite3_stmt *q;
	int rc;
	if (!p) {
		if (sqlite3_prepare_v2(db, "DELETE FROM meta WHERE key = ?", -1, &q, NULL) != SQLITE_OK)
			return -1;
	} else if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", -1, &q, NULL) !=
		   SQLITE_OK) {
		return -1;
	}
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	if (p)
		sqlite3_bind_blob(q, 2, p, (int)n, SQLITE_STATIC);
	rc = sqlite3_step(q) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(q);
	return rc;
}

static int meta_set_blob(sqlite3 *db, const char *key, const void *p, size_t n)
{
	return store_meta_set(db, key, p, n);
}

/*
 * Does meta KEY hold the hash of embedded file F, i.e. was F run on this database as it is in
 * this binary? HASH gets F's hash, to store once F has run.
 */
static bool is_current(sqlite3 *db, const char *key, const struct embedded_file *f, unsigned char hash[16])
{
	unsigned char stored[16];
	crypto_generichash(hash, 16, (const unsigned char *)f->data, f->size, NULL, 0);
	return meta_get_blob(db, key, stored, sizeof(stored)) == 0 && memcmp(stored, hash, 16) == 0;
}

/* The first column of the one row of SQL as an integer (0 when there is no row). 0, or -1. */
static int scalar_int(sqlite3 *db, const char *sql, int *out)
{
	sqlite3_stmt *q;
	int step;
	*out = 0;
	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
		return -1;
	if ((step = sqlite3_step(q)) == SQLITE_ROW)
		*out = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	return step == SQLITE_ROW || step == SQLITE_DONE ? 0 : -1;
}

/* The migration number of PATH ("sql/migrate/NNN-name.sql"), or 0 when it is not one. */
static int migration_number(const char *path)
{
	size_t dir = strlen(MIGRATE_DIR), len = strlen(path);
	int number = 0, digits = 0;
	if (strncmp(path, MIGRATE_DIR, dir) != 0 || len < dir + 4 || strcmp(path + len - 4, ".sql") != 0)
		return 0;
	for (const char *p = path + dir; *p >= '0' && *p <= '9'; p++, digits++)
		number = number * 10 + (*p - '0');
	return digits == 3 && path[dir + 3] == '-' ? number : 0;
}

/*
 * The embedded migrations by number: LIST[i] is migration i + 1. Returns how many, or -1 with
 * ERR set when they are not numbered 1..N without gaps or repeats (a build mistake).
 */
static int migrations(const struct embedded_file *list[MIGRATE_MAX], struct buf *err)
{
	int n = 0;
	memset(list, 0, MIGRATE_MAX * sizeof(*list));
	for (const struct embedded_file *f = embedded_files; f->path; f++) {
		int number = migration_number(f->path);
		if (number == 0)
			continue;
		if (list[number - 1]) {
			buf_printf(err, "two migrations numbered %03d: %s and %s", number, list[number - 1]->path, f->path);
			return -1;
		}
		list[number - 1] = f;
		if (number > n)
			n = number;
	}
	for (int i = 0; i < n; i++) {
		if (!list[i]) {
			buf_printf(err, "no migration numbered %03d before %s", i + 1, list[n - 1]->path);
			return -1;
		}
	}
	if (n == 0)
		buf_printf(err, "no migrations in %s", MIGRATE_DIR);
	return n ? n : -1;
}

/* The schema version this binary writes: the number of its last migration. -1 with ERR. */
static int latest_version(struct buf *err)
{
	const struct embedded_file *list[MIGRATE_MAX];
	return migrations(list, err);
}

int store_migrate_is_current(sqlite3 *db, const char *path, bool *out, struct buf *err)
{
	const struct embedded_file *views = embedded_find("sql/views.sql");
	const struct embedded_file *pricing = embedded_find("sql/pricing.sql");
	unsigned char hash[16];
	sqlite3_stmt *q;
	int version, has_price, latest = latest_version(err);
	bool is_wal = false;

	*out = false;
	if (latest < 0)
		return -1;
	if (sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, NULL) != SQLITE_OK)
		return store_sql_error(path, db, err, "cannot read the journal mode");
	if (sqlite3_step(q) == SQLITE_ROW)
		is_wal = sqlite3_column_text(q, 0) && strcmp((const char *)sqlite3_column_text(q, 0), "wal") == 0;
	sqlite3_finalize(q);
	if (scalar_int(db, "PRAGMA user_version", &version) < 0 ||
	    scalar_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'price'", &has_price) < 0)
		return store_sql_error(path, db, err, "cannot read the schema version");
	*out = is_wal && version == latest && has_price && is_current(db, "pricing_hash", pricing, hash) &&
	       is_current(db, "views_hash", views, hash);
	return 0;
}

/* Run the migrations after VERSION in order, each recording its number. 0, or -1 with ERR. */
static int run_migrations(sqlite3 *db, const char *path, int version, struct buf *err)
{
	const struct embedded_file *list[MIGRATE_MAX];
	int latest = migrations(list, err);

	if (latest < 0)
		return -1;
	if (version > latest) {
		buf_printf(err, "%s: made by a newer tokstat (schema %d; this one knows %d)", path, version, latest);
		return -1;
	}
	for (int i = version; i < latest; i++) {
		char pragma[64];
		if (store_exec(path, db, list[i]->data, err) < 0) {
			buf_printf(err, " (in %s)", list[i]->path);
			return -1;
		}
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", i + 1);
		if (store_exec(path, db, pragma, err) < 0)
			return -1;
	}
	return 0;
}

int store_migrate(sqlite3 *db, const char *path, bool *is_new, struct buf *err)
{
	const struct embedded_file *views = embedded_find("sql/views.sql");
	const struct embedded_file *pricing = embedded_find("sql/pricing.sql");
	unsigned char views_hash[16], pricing_hash[16];
	int version = 0, has_price = 0;

	*is_new = false;
	/* WAL: readers never block the writer. NORMAL sync is durable across a killed process
	 * (the WAL is in the OS cache); only power loss can lose the last commits.
	 * Incremental auto-vacuum, so that `tokstat prune` can give space back: it takes effect only
	 * on a new, empty file, and only when set before WAL writes the file's first page (an older
	 * database is switched by its first prune, with one VACUUM: store_prune.c). */
	if (store_exec(path, db, "PRAGMA auto_vacuum = INCREMENTAL; PRAGMA journal_mode = WAL", err) < 0)
		return -1;
	if (store_exec(path, db, "BEGIN IMMEDIATE", err) < 0)
		return -1;
	if (scalar_int(db, "PRAGMA user_version", &version) < 0)
		goto sql_fail;
	if (run_migrations(db, path, version, err) < 0)
		goto fail;
	/* a new database: its credential key is made by store.c, in a file of its own */
	*is_new = version == 0;
	/* The price table exists in every database, old ones too, without a schema version: its
	 * file is CREATE TABLE IF NOT EXISTS plus INSERT OR IGNORE seeds, so running it again keeps
	 * the prices a user imported or changed. It runs when it changed (new seeds) or the table
	 * is missing, and before the views, which read it. */
	if (scalar_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'price'", &has_price) < 0)
		goto sql_fail;
	if (!is_current(db, "pricing_hash", pricing, pricing_hash) || !has_price) {
		if (store_exec(path, db, pricing->data, err) < 0)
			goto fail;
		if (meta_set_blob(db, "pricing_hash", pricing_hash, sizeof(pricing_hash)) < 0)
			goto sql_fail;
	}
	/* Views follow the binary: recreate them when sql/views.sql changed. */
	if (!is_current(db, "views_hash", views, views_hash)) {
		if (store_exec(path, db, views->data, err) < 0)
			goto fail;
		if (meta_set_blob(db, "views_hash", views_hash, sizeof(views_hash)) < 0)
			goto sql_fail;
	}
	return store_exec(path, db, "COMMIT", err);
sql_fail:
	store_sql_error(path, db, err, "cannot create the schema");
fail:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/*
 * This binary's views in the connection's temp schema: sql/views.sql with every
 * "DROP VIEW IF EXISTS " and "CREATE VIEW " made temp. 0, or -1 with ERR.
 */
static int temp_views(sqlite3 *db, const char *path, struct buf *err)
{
	const struct embedded_file *views = embedded_find("sql/views.sql");
	unsigned char views_hash[16];
	struct buf sql = BUF_INIT;
	int rc = 0;

	if (is_current(db, "views_hash", views, views_hash))
		return 0;
	for (const char *p = views->data, *end = p + views->size; p < end;) {
		static const char *const from[] = { "DROP VIEW IF EXISTS ", "CREATE VIEW " };
		static const char *const to[] = { "DROP VIEW IF EXISTS temp.", "CREATE TEMP VIEW " };
		const char *next = end;
		int which = -1;
		for (int i = 0; i < 2; i++) {
			const char *hit = strstr(p, from[i]);
			if (hit && hit < next) {
				next = hit;
				which = i;
			}
		}
		buf_add(&sql, p, (size_t)(next - p));
		if (which < 0)
			break;
		buf_adds(&sql, to[which]);
		p = next + strlen(from[which]);
	}
	if (store_exec(path, db, buf_str(&sql), err) < 0) {
		buf_printf(err, " (the database was written by another tokstat: a writing command, 'tokstat ingest' "
			   "or 'tokstat pricing import', updates it)");
		rc = -1;
	}
	buf_free(&sql);
	return rc;
}

int store_migrate_read_only(sqlite3 *db, const char *path, bool as_it_is, struct buf *err)
{
	int version = 0;
	if (scalar_int(db, "PRAGMA user_version", &version) < 0)
		/* not a database at all, or one that cannot be read here (a read-only directory) */
		return store_sql_error(path, db, err, (sqlite3_errcode(db) & 0xff) == SQLITE_NOTADB
					       ? "not a tokstat database" : "cannot read the database");
	if (version == 0) {
		buf_printf(err, "%s: not a tokstat database", path);
		return -1;
	}
	int latest = latest_version(err);
	if (latest < 0)
		return -1;
	if (version < latest && !as_it_is) { /* its tables may lack what this binary's views read */
		buf_printf(err, "%s: written by an older tokstat (schema %d; this one writes %d)", path, version, latest);
		return 1;
	}
	return temp_views(db, path, err);
}
