/*
 * Model prices (sql/pricing.sql) and the cost figures derived from them (the cost views in
 * sql/views.sql). Costs are never stored: every figure is computed from the token sums and
 * the price in force on the day, so an imported or changed price re-prices history.
 */
#ifndef TOKSTAT_PRICING_H
#define TOKSTAT_PRICING_H
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "report.h"
#include "store.h"

enum pricing_kind { PRICING_INPUT, PRICING_OUTPUT, PRICING_CACHE_READ, PRICING_CACHE_WRITE,
		    PRICING_CACHE_WRITE_1H, /* the 1-hour part of the cache writes */
		    PRICING_KINDS };

/*
 * A price in force: USD per 1M tokens of each kind. The cache rates fall back to the input
 * rate, the 1-hour cache-write rate to the cache-write rate.
 */
struct pricing_price {
	struct buf provider;  /* the price row's provider ("" when it applies to any) */
	struct buf model;     /* the price key that matched: an id or a 'family*' */
	char effective_from[11];
	double rate[PRICING_KINDS];
	bool has_rate[PRICING_KINDS];
};

void pricing_price_free(struct pricing_price *p);

/*
 * The standard price the cost views use for MODEL (a model name in the stored usage, i.e. in
 * the dictionary) logged with PROVIDER (NULL: none) and no service tier on DAY (YYYY-MM-DD). Fills *OUT (free with
 * pricing_price_free). Returns 1 found, 0 no price in force, -1 with ERR set.
 */
int pricing_match(sqlite3 *db, const char *model, const char *provider, const char *day,
		  struct pricing_price *out, struct buf *err);

struct pricing_import_stats {
	int64_t added, changed, unchanged;
	bool is_litellm; /* the file was LiteLLM's model_prices_and_context_window.json */
};

/*
 * Load prices from PATH into ST (opened read-write) in one transaction: a CSV with header
 * provider,model,input_per_mtok,output_per_mtok,cache_read_per_mtok,cache_write_per_mtok,effective_from
 * and optionally cache_write_1h_per_mtok and tier (empty cells NULL; the order is free), or
 * LiteLLM's JSON (told by a leading '{'), whose *_batches, *_flex and *_priority costs become
 * prices of the batch, flex and priority tiers. A price without a date gets
 * DEFAULT_FROM (YYYY-MM-DD). A price equal to the one already in force on its day adds nothing,
 * so importing the same file again changes nothing. Returns 0, or -1 with ERR set and nothing
 * imported.
 */
int pricing_import(struct store *st, const char *path, const char *default_from,
		   struct pricing_import_stats *stats, struct buf *err);

/* Is S a valid date YYYY-MM-DD (of the proleptic Gregorian calendar, see timefmt.h)? */
bool pricing_is_date(const char *s);

/* Add the price table (rows whose model contains FILTER; NULL: all) to R. 0, or -1 with ERR set. */
int pricing_list(sqlite3 *db, const char *filter, struct report *r, struct buf *err);

/* Add the models with tokens but no cost to R. Returns how many, or -1 with ERR set. */
int pricing_missing(sqlite3 *db, struct report *r, struct buf *err);

#endif
