/*
 * Event to row: what ingest stores for a parsed event. Text becomes dictionary ids (with a
 * memo of the last value of each dimension, as consecutive lines often repeat it), the
 * credential an id and a masked display form, free text is scrubbed of credentials and made
 * valid UTF-8, a de-duplication key is checked across files of the format, configured
 * estimates fill events that logged no tokens, and an event whose log names no provider gets
 * the one its model or endpoint tells (provider.h), stored as if logged. Rejected lines are masked and cut the same way.
 */
#ifndef TOKSTAT_ENCODE_H
#define TOKSTAT_ENCODE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "batch.h"
#include "buf.h"
#include "credential.h"
#include "dict.h"
#include "event.h"
#include "hashmap.h"
#include "provider.h"
#include "store.h"

#define ENCODE_REJECT_TEXT_MAX 1000 /* bytes of a rejected line kept in the database */

/* Tokens assumed for an event that logged none, by operation ("*": any operation). */
struct encode_estimate {
	char *operation;
	int64_t tokens;
};

/*
 * Parse "OP=TOKENS[,OP=TOKENS...]" and append to *LIST. Returns 0, or -1 with ERR set.
 * The caller frees the list with encode_estimates_free().
 */
int encode_estimates_parse(const char *spec, struct encode_estimate **list, size_t *n, struct buf *err);
void encode_estimates_free(struct encode_estimate *list, size_t n);

/* The last value and id of one dimension. */
struct encode_memo {
	struct buf value;
	int64_t id;
	bool valid;
};

struct encoder {
	struct dict dict;
	struct credential_scrubber *scrub;
	struct encode_memo memo[BATCH_DIM_N]; /* the token's holds a full secret: wiped when forgotten */
	struct hashmap raw_values; /* a text dimension's value as logged -> id: one scrub per value */
	const struct encode_estimate *estimates;
	size_t n_estimates;
	struct provider_rules *providers; /* sql/providers.sql */
	struct hashmap inferred; /* 'm' model or 'e' endpoint as logged -> its provider (a rules string), 0: none */
	struct buf clean, tmp, scrubbed, infer;
	/* after encode_event returned 2: the event it replaced, and whether that was a row of
	 * the same batch (dropped there) rather than one committed before (in batch.replaced) */
	int64_t replaced;
	bool is_replaced_in_batch;
};

/*
 * Start from what ST holds, with caches of at most CACHE_BYTES and the estimates
 * (borrowed: they must outlive the encoder). Returns 0, or -1 with ERR set.
 */
int encode_init(struct encoder *e, struct store *st, size_t cache_bytes, const struct encode_estimate *estimates,
		size_t n_estimates, struct buf *err);
void encode_free(struct encoder *e);

/*
 * Encode EV, line LINE of file FILE_ID read with format FORMAT, into a row of B (with its
 * sums), applying the estimates. Returns 0 stored, 1 a duplicate of an event counted before
 * (nothing stored), 2 stored in place of the event counted before for its de-duplication key
 * (a later line of the record with larger figures: e->replaced names that event, now a
 * duplicate), or -1 with ERR set when a database lookup failed.
 */
int encode_event(struct encoder *e, struct batch *b, int64_t file_id, const char *format, uint64_t line,
		 struct event *ev, struct buf *err);

/* Add rejected LINE, its text P[0..N) and reason WHY[0..WHY_N), to B: masked, cleaned, cut. */
void encode_reject(struct encoder *e, struct batch *b, uint64_t line, const char *p, size_t n, const char *why,
		   size_t why_n);

/* Are the caches past their limit? Then commit every batch, and call encode_forget. */
bool encode_is_full(const struct encoder *e);
/* Drop the caches and memos. Only call when every batch handed to the writer is committed. */
void encode_forget(struct encoder *e);

#endif
