/*
 * Pruning: the store gives up raw events older than a day and keeps everything else, so a
 * database's size follows the days it keeps, not its whole history. The daily and hourly
 * aggregates, credentials, files and their checkpoints, de-duplication keys, rejects and alerts
 * all stay: reports over old days read the aggregates, a pruned file is still recognized (and
 * re-ingesting it adds nothing), a line seen before stays seen. Part of the store: every
 * statement is in store_prune.c (tables: sql/migrate/007-prune.sql).
 *
 * What was pruned is recorded: meta 'pruned_before' (the first day whose raw events are all
 * kept) and each file's count of pruned events, so that `tokstat verify` compares aggregates
 * with raw events only on days that still have theirs (sql/verify.sql).
 */
#ifndef TOKSTAT_STORE_PRUNE_H
#define TOKSTAT_STORE_PRUNE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "store.h"

/* Raw events deleted per transaction: each commit is short, so readers and a waiting ingest
 * are held up for a fraction of a second, and a killed prune loses at most one batch. Our
 * choice, measured: 1,000,000 events took 2.5 s in 21 batches on the 2-core development
 * machine, about 0.12 s a batch. */
#define STORE_PRUNE_BATCH_ROWS 50000

/* What a prune before one day would remove (and, after store_prune, did remove). */
struct store_prune_plan {
	int64_t before_day;     /* raw events before this day (days since 1970-01-01 UTC) go */
	int64_t events;         /* how many raw events that is */
	int64_t first_day, last_day; /* the days of the first and last of them (-1: none) */
	int64_t days;           /* the days that have any of them */
	int64_t pruned_before;  /* what earlier prunes recorded (0: never pruned) */
	bool needs_vacuum;      /* the database is not in incremental auto-vacuum yet: the prune
				   switches it with one VACUUM (the first prune of an older database) */
};

/*
 * What store_prune would remove from ST before BEFORE_DAY, read on the read-only connection (a
 * store opened read-only is enough: `--dry-run`). One pass over the time index of the events
 * concerned. Returns 0, or -1 with ERR.
 */
int store_prune_plan(struct store *st, int64_t before_day, struct store_prune_plan *plan, struct buf *err);

struct store_prune_result {
	struct store_prune_plan plan; /* what was removed */
	int64_t batches;              /* transactions it took */
	int64_t bytes_before, bytes_after; /* the database file with its WAL, before and after */
	bool vacuumed;                /* switched to incremental auto-vacuum with a VACUUM */
};

/*
 * Delete the raw events of ST (opened READ_WRITE; hold the ingest lock, store_open_ingest, so
 * no ingest interleaves) before BEFORE_DAY in transactions of BATCH_ROWS (0:
 * STORE_PRUNE_BATCH_ROWS), each also adding to its files' pruned counts and, the first,
 * raising meta pruned_before: the database is consistent (verify passes) after every commit.
 * Then give the space back: PRAGMA incremental_vacuum (or, on a database not in incremental
 * mode yet, switch it with one VACUUM), and a WAL checkpoint that truncates, so the file
 * shrinks. Nothing to delete: nothing is written. Returns 0, or -1 with ERR (the batches
 * committed before stay committed).
 */
int store_prune(struct store *st, int64_t before_day, size_t batch_rows, struct store_prune_result *r,
		struct buf *err);

#endif
