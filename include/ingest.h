/*
 * The ingest of a run's files: source -> format -> event -> encode -> batch -> store, file by
 * file, returning each file's result (what was read, how the format was found, what went
 * wrong) to a callback. It prints nothing: the command says what it returns.
 * The calling thread reads, inflates, parses and encodes; the writer thread commits batches
 * and the parser pool parses json lines (see ingest_thread.h).
 */
#ifndef TOKSTAT_INGEST_H
#define TOKSTAT_INGEST_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "encode.h"
#include "format.h"
#include "store.h"

#define INGEST_BATCH_ROWS 32768          /* rows per transaction: large for SQLite, bounded for memory */
#define INGEST_CACHE_BYTES (20u << 20)   /* dictionary caches, raw values included; keeps peak RSS under 100 MB (tests/bench/cardinal_bench.sh) */

/* What one file gave. Strings are valid during the callback only. */
struct ingest_file_result {
	const char *path;        /* as given; "(stdin)" for - */
	int status;              /* 0 read completely, 1 the file failed, -1 the run cannot go on */
	const char *error;       /* when status != 0, what went wrong (text from the system and the
				    file's name: escape it on output); NULL when nothing was said */
	const char *warning;     /* when status == 0, what the user should still know (the file was
				    truncated while being read); NULL when nothing */
	bool is_empty;           /* the file had no content: nothing else below is meaningful */
	bool is_counted;         /* the counts say what was read, also of a file that failed midway */
	uint64_t lines, events, rejected, skipped, duplicates; /* this run */
	bool is_resumed;         /* read on from where an earlier run stopped ... */
	uint64_t resumed_after;  /* ... after this line */
	bool is_held_back;       /* its unterminated last line was left for the next run */
	bool is_lookalike;       /* began like a file read before but is another one: read as new */
	bool is_truncated;       /* truncated while being read (logrotate's copytruncate): read up to
				    its last good line, its checkpoint, from which the rotated copy
				    is read on (not a failure) ... */
	uint64_t truncated_after; /* ... which is this line */
	const char *format;      /* the format it was read with; NULL when none was found */
	bool is_detected;        /* the format was detected ... */
	size_t detect_matched, detect_tried; /* ... from this many of the first lines */
	double seconds;
};

/* Where a long file is, for a progress line. */
struct ingest_progress {
	const char *path;
	uint64_t at, size;       /* bytes of the file read so far, and its size (0: unknown) */
	uint64_t lines;          /* lines read in the whole run so far */
	double seconds;          /* since the run started */
};

struct ingest_options {
	const char *format;       /* a format name, or NULL/"auto" to detect per file */
	bool single_thread;       /* parse on the calling thread only */
	double max_reject_rate;   /* percent; < 0: no limit */
	bool complete;            /* the files are finished: an unterminated last line is read */
	size_t max_line;          /* 0: SOURCE_MAX_LINE_DEFAULT */
	size_t batch_rows;        /* 0: INGEST_BATCH_ROWS */
	size_t cache_bytes;       /* 0: INGEST_CACHE_BYTES */
	const struct encode_estimate *estimates; /* off when n_estimates is 0 */
	size_t n_estimates;
	/* Called once per file when it is done (or failed); may be NULL. */
	void (*on_file)(void *ctx, const struct ingest_file_result *r);
	/* Called now and then while a file is read; may be NULL. */
	void (*on_progress)(void *ctx, const struct ingest_progress *p);
	void *ctx;
};

struct ingest_totals {
	uint64_t files, failed_files, lines, events, rejected, skipped, duplicates, bytes;
};

/*
 * Ingest every path in FILES ("-" is stdin) into ST (opened with store_open_ingest) with the
 * formats in SET. A file that fails is reported through on_file and the next one is read.
 * Files share batches, each file's checkpoint committed with its rows; a file that gives
 * nothing new under its recorded name writes nothing, so a run that finds nothing new
 * commits no transaction.
 * Returns 0 when every file was read completely, 1 when any failed, -1 when the run itself
 * could not go on (the database failed: said through on_file, or in ERR when no file's
 * result said it). *TOTALS is filled either way.
 */
int ingest_run(struct store *st, const struct format_set *set, const struct ingest_options *opt,
	       char *const *files, size_t n_files, struct ingest_totals *totals, struct buf *err);

#endif
