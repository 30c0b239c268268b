/*
 * The ingest pipeline: files -> source -> format -> event -> batch -> store.
 * The calling thread reads, inflates, parses and encodes; a second thread commits batches,
 * so SQLite's inserts run beside the parsing on a two-core machine.
 */
#ifndef TOKSTAT_INGEST_H
#define TOKSTAT_INGEST_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format.h"
#include "store.h"

/* Tokens assumed for an event that logged none, by operation ("*": any operation). */
struct ingest_estimate {
	char *operation;
	int64_t tokens;
};

struct ingest_options {
	const char *format;       /* a format name, or NULL/"auto" to detect per file */
	bool single_thread;       /* parse on the calling thread only */
	double max_reject_rate;   /* percent; < 0: no limit */
	bool quiet;               /* no progress, no per-file summary */
	bool progress;            /* a live progress line on stderr (a terminal) */
	bool wait;                /* wait for another ingest instead of failing */
	bool complete;            /* the files are finished: an unterminated last line is read */
	size_t max_line;          /* 0: SOURCE_MAX_LINE_DEFAULT */
	size_t batch_rows;        /* 0: INGEST_BATCH_ROWS */
	size_t cache_bytes;       /* 0: INGEST_CACHE_BYTES */
	const struct ingest_estimate *estimates; /* off when n_estimates is 0 */
	size_t n_estimates;
};

/*
 * Parse "OP=TOKENS[,OP=TOKENS...]" and append to *LIST. Returns 0, or -1 with ERR set.
 * The caller frees the list with ingest_estimates_free().
 */
int ingest_estimates_parse(const char *spec, struct ingest_estimate **list, size_t *n, struct buf *err);
void ingest_estimates_free(struct ingest_estimate *list, size_t n);

#define INGEST_BATCH_ROWS 32768          /* rows per transaction: large for SQLite, bounded for memory */
#define INGEST_CACHE_BYTES (48u << 20)   /* dictionary caches; keeps peak memory under 100 MB */

struct ingest_totals {
	uint64_t files, failed_files, lines, events, rejected, skipped, duplicates, bytes;
};

/*
 * Ingest every path in FILES ("-" is stdin) into ST with the formats in SET.
 * Problems with one file are reported on stderr and the next file is read.
 * Returns 0 when every file was read completely, 1 when any failed, -1 when the run
 * itself could not continue (the database failed); *TOTALS is filled either way.
 */
int ingest_run(struct store *st, const struct format_set *set, const struct ingest_options *opt,
	       char *const *files, size_t n_files, struct ingest_totals *totals);

#endif
