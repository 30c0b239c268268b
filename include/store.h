/*
 * The SQLite store: the only module that knows the physical tables (sql/schema.sql).
 * Everyone else reads the views (sql/views.sql) or calls these functions.
 *
 * Ingest writes in batches: the producer fills a struct store_batch (rows already
 * dictionary-encoded, aggregates summed in memory) and store_write_batch() commits rows,
 * aggregates, new dictionary entries, rejects and the file checkpoint in one transaction,
 * so a run killed at any moment resumes with nothing lost and nothing counted twice.
 */
#ifndef TOKSTAT_STORE_H
#define TOKSTAT_STORE_H
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "credential.h"
#include "event.h"
#include "hashmap.h"

#define STORE_SCHEMA_VERSION 2
#define STORE_LINE_BITS 40 /* event id = file id << 40 | line */
#define STORE_MAX_REJECTS_KEPT 1000 /* per file; the rest are only counted */

enum store_dim {
	STORE_DIM_TOKEN, /* credential id */
	STORE_DIM_USER,
	STORE_DIM_ENDPOINT,
	STORE_DIM_METHOD,
	STORE_DIM_MODEL,
	STORE_DIM_PROVIDER,
	STORE_DIM_OPERATION,
	STORE_DIM_PROJECT,
	STORE_DIM_SESSION,
	STORE_DIM_N
};

struct store_row {
	int64_t id, epoch;
	int64_t dim[STORE_DIM_N]; /* 0: NULL */
	int64_t num[EV_NUM_N];
	uint32_t num_set;
	uint32_t request_id_off, request_id_len; /* in batch text; len 0: NULL */
	uint32_t error_off, error_len;
	int8_t failed;
	bool estimated;
	bool has_dedup;
	unsigned char dedup[16];
};

/* Sums of one aggregate group; a token sum stays NULL (bit clear) until some event has it. */
struct store_sums {
	int64_t requests, errors, estimated;
	int64_t tokens[5]; /* input, output, cache read, cache write, total */
	uint8_t tokens_set;
};

struct store_daily {
	int64_t key[8]; /* day, token, user, endpoint, model, provider, operation, project */
	struct store_sums s;
};

struct store_hourly {
	int64_t key[4]; /* hour, token, user, model */
	struct store_sums s;
};

/* What a batch learned about one credential; merged by time, so order does not matter. */
struct store_cred {
	int64_t id;
	int64_t first_seen, last_seen, requests, errors;
	int64_t last_status, last_status_at; /* last_status_at < 0: none */
	int64_t rl_remaining, rl_limit, rl_reset, rl_at; /* rl_at < 0: no reading */
	uint8_t rl_set; /* bit 0: limit known, bit 1: reset known */
	int64_t last_429_at; /* < 0: none */
};

struct store_new_text {
	int64_t id;
	uint32_t off, len; /* value in batch text */
	char fingerprint[CREDENTIAL_FP_HEX]; /* credentials only */
};

struct store_reject {
	uint64_t line;
	uint32_t reason_off, reason_len, text_off, text_len;
};

struct store_batch {
	int64_t file_id;
	struct store_row *rows;
	size_t nrows, rows_cap;
	struct buf text; /* request ids, errors, reject texts, new dictionary values */

	struct store_new_text *new_dict, *new_cred;
	size_t n_new_dict, n_new_cred, new_dict_cap, new_cred_cap;

	struct hashmap daily_map, hourly_map, cred_map; /* key -> index */
	struct store_daily *daily;
	struct store_hourly *hourly;
	struct store_cred *cred;
	size_t n_daily, n_hourly, n_cred, daily_cap, hourly_cap, cred_cap;

	struct store_reject *rejects;
	size_t n_rejects, rejects_cap;

	/* the checkpoint this batch reaches, and what it adds to the file's counters */
	uint64_t offset, lines;
	uint64_t tail_offset; /* 0: keep the file's tail */
	char tail_hash[33];
	int64_t events, rejected, skipped, duplicates;
	const char *format;
	bool is_checkpoint; /* false: nothing to commit but rows */
};

struct store;

enum store_mode { STORE_READ_ONLY, STORE_READ_WRITE };

/* Configure the SQLite library; call once at start, before any other store function. */
void store_library_init(void);

/*
 * Open (and in write mode create and migrate) the database at PATH. Returns 0, or -1 with
 * ERR set. The views are (re)created on every write-mode open.
 */
int store_open(struct store **out, const char *path, enum store_mode mode, struct buf *err);
void store_close(struct store *st);

/* The connection, for read-only queries over the views (report, query). */
sqlite3 *store_db(struct store *st);
const char *store_path(const struct store *st);

/*
 * Take the ingest lock (one writer per database for a whole run). When another ingest holds
 * it, WAIT says whether to wait (with a message) or fail at once with "busy". Returns 0/-1.
 */
int store_lock_ingest(struct store *st, bool wait, bool quiet, struct buf *err);

/* The key for credential fingerprints (random, made when the database was created). */
const unsigned char *store_credential_key(const struct store *st);

/*
 * Dictionary and credential lookups for the ingest producer. The *_find functions use
 * their own read connection (committed data only) and return 1 found (*ID set), 0 not
 * found, -1 error; the others return 0 or -1.
 */
/* The largest dict id, the number of values and their total length in bytes. */
int store_dict_max_id(struct store *st, int64_t *max_id, int64_t *count);
int store_dict_bytes(struct store *st, int64_t *bytes);
int store_dict_find(struct store *st, const char *p, size_t n, int64_t *id);
/* Call ADD for every stored value. */
int store_dict_load(struct store *st, void (*add)(void *ctx, const char *p, size_t n, int64_t id), void *ctx);
int store_cred_max_id(struct store *st, int64_t *max_id);
int store_cred_find(struct store *st, const char *fingerprint, int64_t *id);
/* Is this de-duplication key stored already? Returns 1 yes, 0 no, -1 error. */
int store_seen(struct store *st, const unsigned char key[16]);
/* *ANY = 1 when some de-duplication key is stored, else 0. */
int store_seen_any(struct store *st, int64_t *any);

/* The bytes before a checkpoint whose hash confirms a file's identity (see schema.sql). */
#define STORE_TAIL_BYTES 4096

struct store_file {
	int64_t id;
	uint64_t bytes, lines; /* where the last run stopped */
	int64_t rejected;      /* rejected so far (only the first STORE_MAX_REJECTS_KEPT are kept) */
	uint64_t tail_offset;  /* 0: no tail recorded */
	char tail_hash[33];
	bool is_new;
};

/*
 * Every file whose content starts like HEAD[0..HEAD_N) (its first bytes, or all of them
 * when it was shorter then): the longest head first. The caller checks each one's tail and
 * then claims it or creates a new file. *LIST is the caller's to free. Returns 0/-1.
 */
int store_file_candidates(struct store *st, const char *head, size_t head_n, struct store_file **list,
			  size_t *n, struct buf *err);
/* Record that file F was seen again under NAME with this head (it may have grown). 0/-1. */
int store_file_claim(struct store *st, const struct store_file *f, const char *name, const char *head,
		     size_t head_n, struct buf *err);
/* A new file starting with HEAD. Returns 0/-1. */
int store_file_create(struct store *st, const char *name, const char *head, size_t head_n,
		      struct store_file *f, struct buf *err);
/* The format a file was read with (NULL when never recorded). Caller frees *NAME. */
int store_file_format(struct store *st, int64_t file_id, char **name);

/* A batch's life: init once, reset before each fill, free at the end (NULL-safe fields). */
void store_batch_init(struct store_batch *b);
void store_batch_reset(struct store_batch *b);
void store_batch_free(struct store_batch *b);
/* A dictionary value P[0..N) first used in this batch gets id ID. */
void store_batch_add_value(struct store_batch *b, int64_t id, const char *p, size_t n);
/* A credential first seen in this batch: its id, fingerprint and masked DISPLAY[0..N). */
void store_batch_add_credential(struct store_batch *b, int64_t id, const char *fingerprint, const char *display,
				size_t n);
/* A rejected LINE with its REASON and (masked, cut) TEXT, all copied. */
void store_batch_add_reject(struct store_batch *b, uint64_t line, const char *reason, size_t reason_n,
			    const char *text, size_t text_n);
/* Add a stored row's contribution to the batch's daily, hourly and credential sums. */
void store_batch_aggregate(struct store_batch *b, const struct store_row *r);
/* Room for one more row; returns it zeroed. */
struct store_row *store_batch_add_row(struct store_batch *b);
/* Append BYTES to the batch text and return its offset. */
uint32_t store_batch_text(struct store_batch *b, const char *p, size_t n);

/* Commit one batch in one transaction (see top). Returns 0/-1 with ERR set. */
int store_write_batch(struct store *st, struct store_batch *b, struct buf *err);

/*
 * Check that every daily and hourly aggregate equals the sums over its raw events and that
 * SQLite's integrity check passes. Writes findings to OUT. Returns the number of problems,
 * or -1 with ERR set.
 */
int store_verify(struct store *st, struct buf *out, struct buf *err);

#endif
