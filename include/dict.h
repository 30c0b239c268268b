/*
 * The ingest producer's caches of the store's id spaces: text values -> dict ids,
 * credentials -> credential ids, and de-duplication keys already counted. Ids are assigned
 * here (one ingest runs per database at a time, see store_open_ingest) and new entries are
 * handed to the writer inside the batch that first uses them. Memory is bounded: when the
 * caches pass their limit the caller waits for the writer to commit, then calls
 * dict_forget(), and later misses are looked up in the database.
 */
#ifndef TOKSTAT_DICT_H
#define TOKSTAT_DICT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "batch.h"
#include "hashmap.h"
#include "store.h"

/*
 * A de-duplication key counted in this run, or read from the store: the figures of the event
 * counted for it, and where that event's row is while it is in a batch being filled (BATCH
 * and SERIAL as batch_reset left them; NULL: committed or on its way to the writer).
 */
struct dict_seen {
	struct store_seen s;
	const struct batch *batch;
	uint64_t serial;
	size_t row;
};

struct dict {
	struct store *st;
	struct hashmap values;  /* text -> dict id */
	struct hashmap secrets; /* full secret -> credential id; memory only, never stored */
	struct hashmap fps;     /* fingerprint -> credential id */
	struct hashmap seen;    /* de-duplication key -> index into seen_v */
	struct dict_seen *seen_v;
	size_t n_seen, seen_cap;
	int64_t next_value_id, next_cred_id;
	bool values_complete, creds_complete, seen_complete; /* no database lookup needed on a miss */
	size_t max_bytes;
	struct buf tmp;
};

/* Start from what the database holds. Returns 0, or -1 with ERR set. */
int dict_init(struct dict *d, struct store *st, size_t max_bytes, struct buf *err);

/*
 * The id of text P[0..N) (0 for NULL: P == NULL); a new value is added to B. -1 with ERR set
 * when the database lookup failed.
 */
int64_t dict_value_id(struct dict *d, struct batch *b, const char *p, size_t n, struct buf *err);

/* The id of the credential SECRET[0..N); a new one goes to B masked with its fingerprint. -1 with ERR. */
int64_t dict_credential_id(struct dict *d, struct batch *b, const char *secret, size_t n, struct buf *err);

/*
 * Has KEY been counted before (1), or is it new (0, and now remembered, its entry zeroed)?
 * *OUT is its entry either way, for the caller to read and update; valid until the next
 * call. -1 with ERR set.
 */
int dict_seen(struct dict *d, const unsigned char key[16], struct dict_seen **out, struct buf *err);

bool dict_is_full(const struct dict *d);
/* Drop the caches. Only call when every batch handed to the writer is committed. */
void dict_forget(struct dict *d);
void dict_free(struct dict *d);

#endif
