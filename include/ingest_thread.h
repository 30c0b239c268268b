/*
 * The threads of an ingest run: the writer, which commits batches while the caller fills the
 * next one (SQLite's inserts beside the parsing on a two-core machine), and the parser pool,
 * which parses CPU-bound formats (json) on a worker per further core and on the calling
 * thread when it would wait, and hands the results back in input order, so ids, checkpoints
 * and aggregates are exactly what one thread would make. A file's last lines may still be
 * parsed while the next file is read: its end follows them (ingest_pool_end).
 * Used by ingest.c only; every function is called from the ingest's own (calling) thread.
 */
#ifndef TOKSTAT_INGEST_THREAD_H
#define TOKSTAT_INGEST_THREAD_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "batch.h"
#include "buf.h"
#include "event.h"
#include "format.h"
#include "source.h"
#include "store.h"

/*
 * Parse line L with FMT into EV: 0 an event (finished), 1 not a record (skipped),
 * FORMAT_CONTINUES (the record goes on), FORMAT_RECORD_BROKEN (see format_ops), -1 rejected
 * with REASON, FORMAT_FAILED the format could not be compiled (REASON: the run stops). No
 * side effects on the run, so the parser threads call it too.
 */
int ingest_parse_line(struct format *fmt, const struct source_line *l, struct event *ev, struct buf *reason);

/* ---- the writer ---- */

struct ingest_writer;

/* Start the writer thread for ST with its batches. NULL, with ERR set, when it cannot start. */
struct ingest_writer *ingest_writer_start(struct store *st, struct buf *err);
/* A reset batch to fill, or NULL when the writer failed (see ingest_writer_error). */
struct batch *ingest_writer_get(struct ingest_writer *w);
/* Hand B (from ingest_writer_get) to the writer, to commit in the order submitted. */
void ingest_writer_submit(struct ingest_writer *w, struct batch *b);
/* Wait until every submitted batch is committed. Returns 0, or -1 when the writer failed. */
int ingest_writer_drain(struct ingest_writer *w);
/* Append the writer's error message to OUT (nothing when it has not failed). */
void ingest_writer_error(struct ingest_writer *w, struct buf *out);
/* Commit what is queued, stop the thread, free everything. NULL-safe. */
void ingest_writer_stop(struct ingest_writer *w);

/* ---- the parser pool ---- */

/*
 * Where parsed lines go, in input order: STORE gets what ingest_parse_line made of line L of
 * the caller's file OWNER (its RC, event and reason); END follows OWNER's last line when
 * ingest_pool_end deferred it. Both return 0, or -1 to stop (the database failed).
 */
struct ingest_sink {
	int (*store)(void *ctx, void *owner, const struct source_line *l, uint64_t end_offset, int rc,
		     struct event *ev, const char *why, size_t why_n);
	int (*end)(void *ctx, void *owner);
	void *ctx;
};

struct ingest_pool;

/*
 * Start the parser threads, each with its own copy of the formats in SET (the calling thread
 * parses with SET itself). NULL with ERR set.
 */
struct ingest_pool *ingest_pool_start(const struct format_set *set, struct buf *err);
/*
 * Queue line L (ending at decompressed END_OFFSET) of file OWNER, read with FMT; parsed lines
 * go to SINK on the way, in order, with earlier files' ends. A line too long for a chunk is
 * parsed here, after everything queued before it. Returns 0, or -1 when SINK stopped.
 */
int ingest_pool_add(struct ingest_pool *p, struct format *fmt, void *owner, const struct source_line *l,
		    uint64_t end_offset, const struct ingest_sink *sink);
/*
 * OWNER's lines are all added. 1: some are still in flight, and SINK's end is called for
 * OWNER after the last of them is stored, while the caller reads on (the next file). 0:
 * none is held; the caller ends OWNER itself, once what is in flight of earlier files is
 * stored (ingest_pool_finish). -1 when SINK stopped.
 */
int ingest_pool_end(struct ingest_pool *p, void *owner, const struct ingest_sink *sink);
/* Parse what is queued and hand it all to SINK, ends included. Returns 0, or -1 when SINK stopped. */
int ingest_pool_finish(struct ingest_pool *p, const struct ingest_sink *sink);
/* Stop the threads and free everything (what is still queued is dropped). NULL-safe. */
void ingest_pool_stop(struct ingest_pool *p);

#endif
