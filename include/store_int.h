/*
 * Private to the store's own files (store.c, store_write.c, store_migrate.c, store_alerts.c,
 * store_prune.c): the struct behind struct store and the helpers they share. No other module
 * includes this header.
 */
#ifndef TOKSTAT_STORE_INT_H
#define TOKSTAT_STORE_INT_H
#include <sqlite3.h>

#include "buf.h"
#include "credential.h"
#include "store.h"

struct store_writer; /* store_write.c's prepared statements and batch table */

/*
 * Connections are opened without SQLite's per-call mutex: each is used by one thread at a
 * time. During an ingest the writer thread owns DB while a batch is written; the producer
 * uses DB only after draining the writer (file lookups and records), and RDB always.
 */
struct store {
	char *path;
	enum store_mode mode;
	sqlite3 *db;  /* the writer; NULL in a read-only store */
	sqlite3 *rdb; /* read-only: store_db() and the producer's lookups (opened on first use) */
	sqlite3_stmt *dict_find, *cred_find, *seen_find;        /* on rdb */
	sqlite3_stmt *file_find, *format_find;                  /* on rdb: once per file of a run */
	sqlite3_stmt *price_find, *price_insert, *price_update; /* on db, prepared on first use */
	struct store_writer *writer;                            /* NULL until the first batch */
	int lock_fd; /* the ingest lock (flock), -1 when not held */
	struct store_lock lock; /* an ingest's: how to wait for the database's write lock */
	bool said_busy;         /* on_wait was called for another program's write lock */
	unsigned char cred_key[CREDENTIAL_KEY_BYTES]; /* valid when HAS_KEY (see store_key_load) */
	bool has_key;
};

/* Append "PATH: WHAT: <SQLite's message on DB>" (and store_explain's words) to ERR. Returns -1. */
int store_sql_error(const char *path, sqlite3 *db, struct buf *err, const char *what);
/*
 * Append why SQLite's last error on DB happened, in words to act on, when it is one of those
 * a user meets: " (the disk is full: ...)", a file size limit, a quota, another program's
 * write lock, a read-only directory, or the system's error text. Nothing otherwise.
 */
void store_explain(const char *path, sqlite3 *db, struct buf *err);
/* Run SQL (any number of statements) on DB. Returns 0, or -1 with "PATH: <message>" in ERR. */
int store_exec(const char *path, sqlite3 *db, const char *sql, struct buf *err);

/* Finalize what store_write.c prepared. NULL-safe. */
void store_write_free(struct store_writer *w);

#endif
