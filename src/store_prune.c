/*
 * Pruning raw events: the plan (what would go), the deletes in bounded transactions with the
 * record of what went, and giving the space back. See store_prune.h.
 */
#include "store_prune.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "store_int.h"

/* The day of an epoch, floor division as timefmt_day (and sql/verify.sql) compute it. */
#define DAY_OF_EPOCH "((epoch - ((epoch % 86400) + 86400) % 86400) / 86400)"

/* The database file and its WAL, in bytes (what the file system gets back). */
static int64_t file_bytes(const char *path)
{
	struct stat sb;
	struct buf wal = BUF_INIT;
	int64_t n = stat(path, &sb) == 0 ? (int64_t)sb.st_size : 0;
	buf_printf(&wal, "%s-wal", path);
	if (stat(buf_str(&wal), &sb) == 0)
		n += (int64_t)sb.st_size;
	buf_free(&wal);
	return n;
}

/* The first integer column of the one row of SQL on DB (DEF when there is none). 0, or -1. */
static int scalar(sqlite3 *db, const char *sql, int64_t def, int64_t *out)
{
	sqlite3_stmt *q = NULL;
	int step = SQLITE_ERROR;
	*out = def;
	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK) {
		step = sqlite3_step(q);
		if (step == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL)
			*out = sqlite3_column_int64(q, 0);
	}
	sqlite3_finalize(q);
	return step == SQLITE_ROW || step == SQLITE_DONE ? 0 : -1;
}

/*
 * The auto-vacuum mode of the file on DB (0 none, 1 full, 2 incremental). SQLite answers the
 * pragma from what the connection read with the file's first page, which it reads again only
 * in a transaction: one that reads the schema first, so that a VACUUM by another connection
 * since is seen. 0, or -1.
 */
static int auto_vacuum_mode(sqlite3 *db, int64_t *mode)
{
	int64_t n;
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	int rc = scalar(db, "SELECT count(*) FROM sqlite_master", 0, &n) == 0 &&
			 scalar(db, "PRAGMA auto_vacuum", 0, mode) == 0 ? 0 : -1;
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	return rc;
}

int store_prune_plan(struct store *st, int64_t before_day, struct store_prune_plan *plan, struct buf *err)
{
	sqlite3 *db = store_db(st);
	sqlite3_stmt *q = NULL;
	int64_t mode = 0;
	int rc = -1;

	memset(plan, 0, sizeof(*plan));
	plan->before_day = before_day;
	plan->first_day = plan->last_day = -1;
	if (!db) {
		buf_printf(err, "%s: cannot open the database for reading", st->path);
		return -1;
	}
	/* epoch < ?1 is a range of the time index (event_by_epoch), which also holds the epoch */
	if (sqlite3_prepare_v2(db, "SELECT count(*), min(" DAY_OF_EPOCH "), max(" DAY_OF_EPOCH "), "
			       "count(DISTINCT " DAY_OF_EPOCH ") FROM event WHERE epoch < ?1", -1, &q, NULL) != SQLITE_OK)
		goto sql_fail;
	sqlite3_bind_int64(q, 1, before_day * 86400);
	if (sqlite3_step(q) != SQLITE_ROW)
		goto sql_fail;
	plan->events = sqlite3_column_int64(q, 0);
	if (plan->events) {
		plan->first_day = sqlite3_column_int64(q, 1);
		plan->last_day = sqlite3_column_int64(q, 2);
		plan->days = sqlite3_column_int64(q, 3);
	}
	if (scalar(db, "SELECT value FROM meta WHERE key = 'pruned_before'", 0, &plan->pruned_before) < 0 ||
	    auto_vacuum_mode(db, &mode) < 0)
		goto sql_fail;
	plan->needs_vacuum = mode != 2; /* 0 none, 1 full, 2 incremental */
	rc = 0;
	goto out;
sql_fail:
	store_sql_error(st->path, db, err, "cannot read the raw events to prune");
out:
	sqlite3_finalize(q);
	return rc;
}

/*
 * One batch in one transaction: up to N of the oldest raw events before BEFORE (epoch seconds)
 * into temp.prune_ids, their files' pruned counts raised, their de-duplication keys pointed
 * at no event, the events deleted. The first batch
 * also raises meta pruned_before to BEFORE_DAY, before anything is deleted, so that verify
 * never compares a partly pruned day. *DONE: how many went (0: none left). 0, or -1 with ERR.
 */
static int prune_batch(struct store *st, int64_t before_day, int64_t n, bool is_first, int64_t *done,
		       struct buf *err)
{
	sqlite3_stmt *q = NULL;
	int rc = -1;

	*done = 0;
	if (store_begin(st, err) < 0)
		return -1;
	if (is_first) {
		if (sqlite3_prepare_v2(st->db, "INSERT OR REPLACE INTO meta(key, value) VALUES ('pruned_before', "
				       "max(?1, coalesce((SELECT value FROM meta WHERE key = 'pruned_before'), 0)))",
				       -1, &q, NULL) != SQLITE_OK)
			goto sql_fail;
		sqlite3_bind_int64(q, 1, before_day);
		if (sqlite3_step(q) != SQLITE_DONE)
			goto sql_fail;
		sqlite3_finalize(q);
		q = NULL;
	}
	if (store_exec(st->path, st->db, "DELETE FROM temp.prune_ids", err) < 0)
		goto out;
	if (sqlite3_prepare_v2(st->db, "INSERT INTO temp.prune_ids SELECT id FROM event WHERE epoch < ?1 "
			       "ORDER BY epoch LIMIT ?2", -1, &q, NULL) != SQLITE_OK)
		goto sql_fail;
	sqlite3_bind_int64(q, 1, before_day * 86400);
	sqlite3_bind_int64(q, 2, n);
	if (sqlite3_step(q) != SQLITE_DONE)
		goto sql_fail;
	*done = sqlite3_changes64(st->db);
	sqlite3_finalize(q);
	q = NULL;
	/* an event's id is its file's id << STORE_LINE_BITS | its line (store_event_id) */
	if (sqlite3_prepare_v2(st->db, "UPDATE file SET pruned = pruned + b.n FROM (SELECT id >> ?1 AS f, count(*) AS n "
			       "FROM temp.prune_ids GROUP BY 1) AS b WHERE file.id = b.f", -1, &q, NULL) != SQLITE_OK)
		goto sql_fail;
	sqlite3_bind_int(q, 1, STORE_LINE_BITS);
	if (sqlite3_step(q) != SQLITE_DONE)
		goto sql_fail;
	/* A de-duplication key whose event goes stays, pointing at none (seen_by_event finds
	 * it): a later copy of the record, or a larger later line of it, is then a duplicate,
	 * so a pruned day read again is never counted twice (sql/migrate/006-keep-last.sql). */
	if (store_exec(st->path, st->db, "UPDATE seen SET event = NULL WHERE event IN (SELECT id FROM temp.prune_ids)",
		       err) < 0 ||
	    store_exec(st->path, st->db, "DELETE FROM event WHERE id IN (SELECT id FROM temp.prune_ids)", err) < 0)
		goto out;
	if (store_commit(st, err) < 0)
		goto out;
	rc = 0;
	goto out;
sql_fail:
	store_sql_error(st->path, st->db, err, "cannot prune raw events");
out:
	sqlite3_finalize(q);
	if (rc < 0)
		store_rollback(st);
	return rc;
}

int store_prune(struct store *st, int64_t before_day, size_t batch_rows, struct store_prune_result *r,
		struct buf *err)
{
	int64_t n = batch_rows ? (int64_t)batch_rows : STORE_PRUNE_BATCH_ROWS, done = 0;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	if (!st->db) {
		buf_printf(err, "%s: opened read-only: cannot prune", st->path);
		return -1;
	}
	r->bytes_before = r->bytes_after = file_bytes(st->path);
	if (store_prune_plan(st, before_day, &r->plan, err) < 0)
		return -1;
	if (r->plan.events == 0)
		return 0;
	/* The mode as the writer sees it (the plan read it on the other connection). */
	int64_t mode = 0;
	if (auto_vacuum_mode(st->db, &mode) < 0)
		return store_sql_error(st->path, st->db, err, "cannot read the auto-vacuum mode");
	r->plan.needs_vacuum = mode != 2;
	if (store_exec(st->path, st->db, "CREATE TEMP TABLE IF NOT EXISTS prune_ids(id INTEGER PRIMARY KEY)", err) < 0)
		return -1;
	do {
		if (prune_batch(st, before_day, n, r->batches == 0, &done, err) < 0)
			goto out;
		r->batches++;
	} while (done == n);
	/* The pages the events held are free now; give them back to the file system. A database
	 * made before incremental auto-vacuum needs one VACUUM to switch (it rewrites the file:
	 * once, and on what is left after the deletes). The checkpoint moves the shrunken database
	 * from the WAL into the file and truncates the WAL. */
	if (r->plan.needs_vacuum) {
		if (store_exec(st->path, st->db, "DROP TABLE temp.prune_ids; PRAGMA auto_vacuum = INCREMENTAL; VACUUM",
			       err) < 0)
			goto out;
		r->vacuumed = true;
	} else if (store_exec(st->path, st->db, "DROP TABLE temp.prune_ids; PRAGMA incremental_vacuum", err) < 0) {
		goto out;
	}
	if (store_exec(st->path, st->db, "PRAGMA wal_checkpoint(TRUNCATE)", err) < 0)
		goto out;
	rc = 0;
out:
	r->bytes_after = file_bytes(st->path);
	return rc;
}
