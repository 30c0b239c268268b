/*
 * One batch of ingest work in memory: rows already dictionary-encoded, the daily, hourly and
 * credential sums over them, new dictionary entries, rejects, and the files it records with
 * the checkpoints the batch reaches. The producer fills it; store_write_batch() commits it in one transaction.
 */
#ifndef TOKSTAT_BATCH_H
#define TOKSTAT_BATCH_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "credential.h"
#include "event.h"
#include "hashmap.h"
#include "latency.h"

/* The text dimensions of a row, each a dictionary id (the token: a credential id). */
enum batch_dim {
	BATCH_DIM_TOKEN, /* credential id */
	BATCH_DIM_USER,
	BATCH_DIM_ENDPOINT,
	BATCH_DIM_METHOD,
	BATCH_DIM_MODEL,
	BATCH_DIM_PROVIDER,
	BATCH_DIM_OPERATION,
	BATCH_DIM_PROJECT,
	BATCH_DIM_SESSION,
	BATCH_DIM_SERVICE_TIER,
	BATCH_DIM_N
};

/* One event as stored. */
struct batch_row {
	int64_t id, epoch;        /* id: store_event_id(file, line) */
	int64_t dim[BATCH_DIM_N]; /* 0: NULL */
	int64_t num[EV_NUM_N];
	uint32_t num_set;
	uint32_t request_id_off, request_id_len; /* in batch text; len 0: NULL */
	uint32_t error_off, error_len;
	int8_t failed;
	bool estimated;
	bool has_dedup;
	/* A row with a de-duplication key is summed when its batch is written, not when it is
	 * added: until then a later line of its record in the same batch may drop it. */
	bool is_pending;         /* not summed yet (batch_aggregate_pending sums it) */
	bool is_dropped;         /* replaced by a later row of the batch: neither stored nor summed */
	unsigned char dedup[16];
};

/* The token sums of an aggregate: the hourly one keeps the first BATCH_HOURLY_TOKENS. */
#define BATCH_TOKENS 6
#define BATCH_HOURLY_TOKENS 5

/* Sums of one aggregate group; a token sum stays NULL (bit clear) until some event has it. */
struct batch_sums {
	int64_t requests, errors, estimated;
	int64_t tokens[BATCH_TOKENS]; /* input, output, cache read, cache write, total, 1h cache write */
	uint8_t tokens_set;
};

/*
 * Response times of one daily group (sql/migrate/009-latency.sql): the events that logged a
 * latency, their sum and maximum in ms (meaningful while n > 0), and their histogram
 * (latency_bucket in latency.h).
 */
struct batch_latency {
	int64_t n, sum, max;
	int64_t bucket[LATENCY_BUCKETS];
};

struct batch_daily {
	int64_t key[9]; /* day, token, user, endpoint, model, provider, operation, project, service tier */
	struct batch_sums s;
	struct batch_latency lat;
};

struct batch_hourly {
	int64_t key[4]; /* hour, token, user, model */
	struct batch_sums s;
};

/* What a batch learned about one credential; merged by time, so order does not matter. */
struct batch_cred {
	int64_t id;
	int64_t first_seen, last_seen, requests, errors;
	int64_t last_status, last_status_at; /* last_status_at < 0: none */
	int64_t rl_remaining, rl_limit, rl_reset, rl_at; /* rl_at < 0: no reading */
	uint8_t rl_set; /* bit 0: limit known, bit 1: reset known */
	int64_t last_429_at; /* < 0: none */
};

struct batch_new_text {
	int64_t id;
	uint32_t off, len; /* value in batch text */
	char fingerprint[CREDENTIAL_FP_HEX]; /* credentials only */
};

struct batch_reject {
	int64_t file_id;  /* the batch's file_id when it was added */
	uint64_t line;
	uint32_t reason_off, reason_len, text_off, text_len;
};

/*
 * What a batch records about one file: its row when it is new, its name and head when they
 * changed (a renamed or grown file), and the checkpoint its lines in this batch reach, with
 * what they add to its counters. Several files share a batch (small files share one
 * transaction); each file's checkpoint stays exact, since it commits with its rows.
 */
struct batch_file {
	int64_t id;
	bool is_new;           /* INSERT its row (the producer assigned the id) */
	bool is_claimed;       /* UPDATE name and head: seen again under NAME, or with a longer head */
	uint32_t name_off, name_len; /* in batch text */
	uint64_t head_len;
	char fingerprint[33];
	bool has_checkpoint;   /* the fields below are set */
	uint64_t offset, lines;
	uint64_t tail_offset;  /* 0: keep the file's tail */
	char tail_hash[33];
	int64_t events, rejected, skipped, duplicates; /* added by this batch */
	const char *format;    /* NULL: keep the stored one (nothing was read with a format) */
	/* --max-reject-rate (sql/migrate/005-files.sql): 1 record FAILURE, -1 clear it, 0 keep */
	int set_failure;
	double failure_rate;   /* percent of lines rejected when it failed */
	uint32_t failure_off, failure_len; /* in batch text: what failed, in words */
};

struct batch {
	int64_t file_id; /* the file whose lines are being added: rejects are its */
	uint64_t serial; /* raised by every batch_reset: tells one filling of the batch from the next */
	struct batch_row *rows;
	size_t nrows, rows_cap;
	struct buf text; /* request ids, errors, reject texts, new dictionary values */

	struct batch_new_text *new_dict, *new_cred;
	size_t n_new_dict, n_new_cred, new_dict_cap, new_cred_cap;

	struct hashmap daily_map, hourly_map, cred_map; /* key -> index */
	struct batch_daily *daily;
	struct batch_hourly *hourly;
	struct batch_cred *cred;
	size_t n_daily, n_hourly, n_cred, daily_cap, hourly_cap, cred_cap;

	struct batch_reject *rejects;
	size_t n_rejects, rejects_cap;

	/* events committed before whose records this batch's rows replace (larger later lines):
	 * the writer deletes them and takes back what they added, in the batch's transaction */
	int64_t *replaced;
	size_t n_replaced, replaced_cap;

	/* the files it records, each once, in the order they were added */
	struct batch_file *files;
	size_t n_files, files_cap;
};

/* A batch's life: init once, reset before each fill, free at the end. */
void batch_init(struct batch *b);
void batch_reset(struct batch *b);
void batch_free(struct batch *b);
/* A dictionary value P[0..N) first used in this batch gets id ID. */
void batch_add_value(struct batch *b, int64_t id, const char *p, size_t n);
/* A credential first seen in this batch: its id, fingerprint and masked DISPLAY[0..N). */
void batch_add_credential(struct batch *b, int64_t id, const char *fingerprint, const char *display, size_t n);
/* A rejected LINE of the batch's file_id with its REASON and (masked, cut) TEXT, all copied. */
void batch_add_reject(struct batch *b, uint64_t line, const char *reason, size_t reason_n, const char *text,
		      size_t text_n);
/*
 * The record of file ID in B, added (zeroed but for its id) when B has none yet. Valid until
 * the next call.
 */
struct batch_file *batch_file(struct batch *b, int64_t id);
/* Is there anything to commit: rows, rejects, new values or files? */
bool batch_is_empty(const struct batch *b);
/* Room for one more row; returns it zeroed. Valid until the next call. */
struct batch_row *batch_add_row(struct batch *b);
/* Add a filled row's contribution to the batch's daily, hourly and credential sums. */
void batch_aggregate(struct batch *b, const struct batch_row *r);
/* Sum the rows still pending (is_pending), but the dropped ones. Called before B is written. */
void batch_aggregate_pending(struct batch *b);
/* Event ID, committed before, is replaced by a row of B (see batch.replaced). */
void batch_add_replaced(struct batch *b, int64_t id);
/* Append P[0..N) to the batch text and return its offset. */
uint32_t batch_text(struct batch *b, const char *p, size_t n);

#endif
