/*
 * The schema of a store's database, as this binary knows it: the ordered migrations in
 * sql/migrate/NNN-name.sql (PRAGMA user_version is the number of the last one applied), the
 * price table (sql/pricing.sql) and the views (sql/views.sql), both re-run when their
 * embedded text changed (a hash in meta). Used by store.c only.
 *
 * Adding a migration is adding a file sql/migrate/NNN-name.sql with the next number: it is
 * embedded with the other SQL files and run in order on every older database.
 */
#ifndef TOKSTAT_STORE_MIGRATE_H
#define TOKSTAT_STORE_MIGRATE_H
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/*
 * Is the database on DB (read-write) already what store_migrate() would make it: WAL, the
 * latest schema, price table and views current? Reads only. Sets *IS_CURRENT; 0, or -1 with ERR.
 */
int store_migrate_is_current(sqlite3 *db, const char *path, bool *is_current, struct buf *err);

/*
 * Bring DB (read-write) up to this binary in one transaction: WAL, the migrations the
 * database lacks in order (all of them on a new database: *IS_NEW is then set, else
 * cleared), then the price table and the views when they changed. A database
 * whose version is newer than this binary's (the number of its last migration file) is
 * refused, as are embedded migrations not numbered 1, 2, ... without gaps (a build mistake).
 * The caller holds the ingest lock. Returns 0, or -1 with ERR set.
 */
int store_migrate(sqlite3 *db, const char *path, bool *is_new, struct buf *err);

/*
 * For a read-only connection: check that DB is a tokstat database and, when the views stored
 * in it are another tokstat's, create this binary's in the connection's temp schema (which
 * SQLite searches first), leaving the file as it is. Returns 0, or -1 with ERR set.
 */
/* (returns 1, with ERR saying so, for a database of an older schema, unless AS_IT_IS: then
 * this binary's views are put over its tables as they are; see open_store) */
int store_migrate_read_only(sqlite3 *db, const char *path, bool as_it_is, struct buf *err);

/*
 * The N-byte value of meta KEY into OUT: 0, 1 when there is none (or not of N bytes), -1 when
 * it cannot be read (SQLite's error on DB).
 */
int store_meta_get(sqlite3 *db, const char *key, void *out, size_t n);
/* Set meta KEY to P[0..N), or delete it when P is NULL. 0, or -1 (SQLite's error on DB). */
int store_meta_set(sqlite3 *db, const char *key, const void *p, size_t n);

#endif
