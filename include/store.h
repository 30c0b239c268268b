/*
 * The SQLite store: the only module that knows the physical tables (sql/migrate/NNN-name.sql).
 * Everyone else reads the views (sql/views.sql) through store_db() or calls these functions.
 * Its files: store.c (open, lock, lookups, files, prices), store_migrate.c (the schema),
 * store_write.c (the commit of a batch), store_prune.c (old raw events deleted),
 * store_alerts.c (alert episodes), verify.c (aggregates against raw events).
 *
 * A store opened for writing has two connections: the writer, which only the store's own
 * functions use, and a read-only one for queries over the views and the ingest producer's
 * lookups. A store opened read-only has only the read-only one.
 */
#ifndef TOKSTAT_STORE_H
#define TOKSTAT_STORE_H
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "buf.h"

/*
 * An event's id is its file's id << STORE_LINE_BITS | its line number, so a line can never be
 * stored twice and file and line cost no column. The SQL files restate the split (views.sql:
 * events.line and events.file; verify.sql binds it) and name this constant.
 */
#define STORE_LINE_BITS 40
#define STORE_MAX_LINE (((uint64_t)1 << STORE_LINE_BITS) - 1) /* the largest line number */
#define STORE_MAX_REJECTS_KEPT 1000 /* per file; the rest are only counted */

static inline int64_t store_event_id(int64_t file_id, uint64_t line)
{
	return (int64_t)((uint64_t)file_id << STORE_LINE_BITS | line);
}

struct store;

enum store_mode { STORE_READ_ONLY, STORE_READ_WRITE };

/* Configure the SQLite library; call once at start, before any other store function. */
void store_library_init(void);

/*
 * Open the database at PATH. READ_ONLY: it must exist; this binary's views are used (in the
 * connection's temp schema when the file holds another tokstat's). READ_WRITE: created when
 * missing, set up (WAL, migrations, price table, views) under the ingest lock when anything
 * is not current, so it never races an ingest doing the same. A database made by a newer
 * tokstat is refused. Returns 0, or -1 with ERR set (*OUT is NULL then).
 */
int store_open(struct store **out, const char *path, enum store_mode mode, struct buf *err);

/*
 * How store_open_ingest waits for another ingest (the ingest lock), and the ingest for
 * another program's write lock on the database (SQLite's).
 */
struct store_lock {
	bool wait; /* wait for it, else fail at once with "busy" */
	/* Called once before waiting for each kind of lock, WHO saying who holds it (to tell the
	 * user); may be NULL. From the writer thread too: only write to stderr. */
	void (*on_wait)(void *ctx, const char *path, const char *who);
	void *ctx;
	/* The credential key file: NULL for $TOKSTAT_KEY_FILE, else PATH.key (see store_key_load). */
	const char *key_file;
};

/*
 * Open PATH for an ingest run: READ_WRITE, with the ingest lock (one writer per database for
 * a whole run) taken first, before anything is written (WAL setup, migrations), and held
 * until store_close; then the credential key from LOCK->key_file (see store_key_load): made
 * for a database without credentials, moved out of meta for an older database. A database
 * with credentials and no key file is refused: a new key would split each credential in two.
 * Returns 0, or -1 with ERR set.
 */
int store_open_ingest(struct store **out, const char *path, const struct store_lock *lock, struct buf *err);

/* Close both connections and drop the lock. NULL-safe. */
void store_close(struct store *st);

/*
 * The read-only connection, for queries over the views (reports, verify, tests): it sees
 * committed data only. The writer's connection is never handed out. NULL when it cannot be
 * opened (a write-mode store opens it on first use).
 */
sqlite3 *store_db(struct store *st);
const char *store_path(const struct store *st);

/*
 * The key for credential fingerprints (random, made with the database's first ingest or
 * write), kept in a file of its own, never in the database: see keyfile.h. NULL when it is not
 * loaded: store_open_ingest always loads it (or fails); store_open(READ_WRITE) loads it when it
 * can; a read-only store loads it with store_key_load.
 */
const unsigned char *store_credential_key(const struct store *st);

/*
 * Load the credential key of ST's database from KEY_FILE (NULL: $TOKSTAT_KEY_FILE, else
 * PATH.key), checked against the key id the database records; a database of an older tokstat
 * that keeps its key in meta gives that one until an ingest moves it to the file. Returns 0,
 * or -1 with ERR naming the key file (missing, readable by others, not this database's key).
 */
int store_key_load(struct store *st, const char *key_file, struct buf *err);

/*
 * Lookups for the ingest producer, on the read-only connection (committed data only). Each
 * returns 0 (the *_find and seen functions: 1 found, 0 not found) or -1 with ERR set.
 */
/* The largest dict id and the number of values. */
int store_dict_max_id(struct store *st, int64_t *max_id, int64_t *count, struct buf *err);
/* The total length of the stored values in bytes. */
int store_dict_bytes(struct store *st, int64_t *bytes, struct buf *err);
int store_dict_find(struct store *st, const char *p, size_t n, int64_t *id, struct buf *err);
/* Call ADD for every stored value. */
int store_dict_load(struct store *st, void (*add)(void *ctx, const char *p, size_t n, int64_t id), void *ctx,
		    struct buf *err);
int store_cred_max_id(struct store *st, int64_t *max_id, struct buf *err);
int store_cred_find(struct store *st, const char *fingerprint, int64_t *id, struct buf *err);
/*
 * What the store holds for a de-duplication key (sql/migrate/006-keep-last.sql): the event
 * counted for it (0: none any more, pruned or stored before keep-last) and the figures a
 * later line of the record is compared with (STORE_SEEN_NONE: the event had none).
 */
struct store_seen {
	int64_t event;
	int64_t output_tokens, total_tokens;
};
#define STORE_SEEN_NONE INT64_MIN
/* Is this de-duplication key stored already? 1 yes (*OUT filled), 0 no, -1 error. */
int store_seen(struct store *st, const unsigned char key[16], struct store_seen *out, struct buf *err);
/* *ANY = 1 when some de-duplication key is stored, else 0. */
int store_seen_any(struct store *st, int64_t *any, struct buf *err);

/* The bytes before a checkpoint whose hash confirms a file's identity (see fileid.h). */
#define STORE_TAIL_BYTES 4096

/* A file as stored: identified by the fingerprint of its first HEAD_LEN bytes. */
struct store_file {
	int64_t id;
	uint64_t head_len;
	char fingerprint[33];
	uint64_t bytes, lines; /* where the last run stopped */
	int64_t rejected;      /* rejected so far (only the first STORE_MAX_REJECTS_KEPT are kept) */
	uint64_t tail_offset;  /* 0: no tail recorded */
	char tail_hash[33];
	bool is_new;
	bool is_same_name;     /* stored under the name it is looked up with */
	bool has_failure;      /* it failed --max-reject-rate ... */
	double failure_rate;   /* ... with this percentage of its lines rejected */
};

/*
 * The files that may be the one whose first HEAD_N bytes have fingerprint FP: those with the
 * same head, and every file whose head was shorter (it may have grown; the caller checks
 * its fingerprint against the new head), the longest head first; is_same_name compares
 * their names with NAME. On the read-only connection: committed files only (the ingest keeps
 * what its queued batches change, see fileid.h). *LIST is the caller's to free. 0/-1 with ERR.
 */
int store_file_candidates(struct store *st, uint64_t head_n, const char *fp, const char *name,
			  struct store_file **list, size_t *n, struct buf *err);
/* The largest file id (0: none yet): new files of an ingest run take the ids after it. 0/-1 with ERR. */
int store_file_max_id(struct store *st, int64_t *max_id, struct buf *err);
/*
 * Record a new file at once, in a transaction of its own (an ingest run records its files in
 * its batches instead). Fills *F. Returns 0/-1 with ERR.
 */
int store_file_create(struct store *st, const char *name, uint64_t head_n, const char *fp, struct store_file *f,
		      struct buf *err);
/* The format a file was read with (*NAME NULL when never recorded; caller frees). On the
 * read-only connection. 0/-1 with ERR. */
int store_file_format(struct store *st, int64_t file_id, char **name, struct buf *err);

/* One transaction on the writer, for a series of writes that stand or fall together. */
int store_begin(struct store *st, struct buf *err);
int store_commit(struct store *st, struct buf *err);
void store_rollback(struct store *st);

/* A model price (the price table, sql/pricing.sql): USD per 1M tokens of each kind. */
#define STORE_PRICE_RATES 5 /* input, output, cache read, cache write, 1-hour cache write */
struct store_price {
	const char *provider;       /* "" for any provider */
	const char *tier;           /* "" or NULL: the standard price; else "batch", "flex", ... */
	const char *model, *effective_from, *source;
	double rate[STORE_PRICE_RATES];
	bool has_rate[STORE_PRICE_RATES];
};

enum store_price_result { STORE_PRICE_ADDED, STORE_PRICE_CHANGED, STORE_PRICE_UNCHANGED };

/*
 * Put price P: one with the same provider, model, tier and day but other rates is changed; one
 * equal to the price in force on its day is unchanged (so re-imports add nothing, also with
 * a later default date); anything else is added. *RESULT says which. Returns 0/-1 with ERR.
 */
int store_price_upsert(struct store *st, const struct store_price *p, enum store_price_result *result,
		       struct buf *err);

#endif
