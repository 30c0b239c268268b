/*
 * Prices: matching (through the cost views), import from CSV and LiteLLM JSON, and the tables
 * of the price and missing-price lists. See pricing.h; the rule is in sql/pricing.sql.
 */
#include "pricing.h"

#include <csv.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timefmt.h"
#include "utf8.h"

#define CSV_MAX_FIELDS 16
#define READ_CHUNK 65536

static const char *const csv_columns[] = {
	"provider", "model", "input_per_mtok", "output_per_mtok", "cache_read_per_mtok",
	"cache_write_per_mtok", "cache_write_1h_per_mtok", "effective_from", "tier",
};
enum { COL_PROVIDER, COL_MODEL, COL_RATE0, COL_FROM = COL_RATE0 + PRICING_KINDS, COL_TIER, COL_N };
_Static_assert(sizeof(csv_columns) / sizeof(csv_columns[0]) == COL_N, "a name per column");
_Static_assert(PRICING_KINDS == STORE_PRICE_RATES, "a price has one rate per token kind");

void pricing_price_free(struct pricing_price *p)
{
	if (!p)
		return;
	buf_free(&p->provider);
	buf_free(&p->model);
}

bool pricing_is_date(const char *s)
{
	int y, m, d, n = 0;
	if (!s || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10)
		return false;
	for (int i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? s[i] != '-' : !isdigit((unsigned char)s[i]))
			return false;
	return m >= 1 && m <= 12 && d >= 1 && (unsigned)d <= timefmt_days_in_month(y, (unsigned)m);
}

/* The day number (days since 1970-01-01) of DAY, a date YYYY-MM-DD. 0, or -1 with ERR set. */
static int day_number_of(const char *day, int64_t *out, struct buf *err)
{
	int y, m, d;
	if (!pricing_is_date(day) || sscanf(day, "%4d-%2d-%2d", &y, &m, &d) != 3) {
		buf_printf(err, "'%s' is not a date YYYY-MM-DD", day ? day : "");
		return -1;
	}
	*out = timefmt_days_from_civil(y, (unsigned)m, (unsigned)d);
	return 0;
}

static int db_error(sqlite3 *db, struct buf *err, const char *what)
{
	buf_printf(err, "%s: %s", what, sqlite3_errmsg(db));
	return -1;
}

/* ---- matching ---- */

int pricing_match(sqlite3 *db, const char *model, const char *provider, const char *day,
		  struct pricing_price *out, struct buf *err)
{
	/* The same lookup daily_cost makes, through the same views: the provider counts only when
	 * some price names it. */
	static const char sql[] =
		"SELECT mp.price_provider, mp.price_model, mp.effective_from, mp.input_per_mtok, "
		"mp.output_per_mtok, mp.cache_read_per_mtok, mp.cache_write_per_mtok, mp.cache_write_1h_per_mtok "
		"FROM model_price_periods mp "
		"WHERE mp.model_id IN (SELECT model_id FROM price_match WHERE model = ?1) "
		"AND mp.provider_id = coalesce((SELECT id FROM priced_provider WHERE value = ?2), 0) "
		"AND mp.tier_id = 0 "
		"AND ?3 >= mp.from_day AND ?3 < mp.to_day";
	sqlite3_stmt *q = NULL;
	int64_t day_number;
	int rc = -1, step;

	memset(out, 0, sizeof(*out));
	if (day_number_of(day, &day_number, err) < 0)
		goto out;
	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) {
		db_error(db, err, "cannot match a price");
		goto out;
	}
	sqlite3_bind_text(q, 1, model, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, provider, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, day_number);
	step = sqlite3_step(q);
	if (step == SQLITE_DONE) {
		rc = 0;
		goto out;
	}
	if (step != SQLITE_ROW) {
		db_error(db, err, "cannot match a price");
		goto out;
	}
	buf_adds(&out->provider, (const char *)sqlite3_column_text(q, 0));
	buf_adds(&out->model, (const char *)sqlite3_column_text(q, 1));
	snprintf(out->effective_from, sizeof(out->effective_from), "%s", (const char *)sqlite3_column_text(q, 2));
	for (int k = 0; k < PRICING_KINDS; k++) {
		out->has_rate[k] = sqlite3_column_type(q, 3 + k) != SQLITE_NULL;
		out->rate[k] = sqlite3_column_double(q, 3 + k);
	}
	rc = 1;
out:
	sqlite3_finalize(q);
	return rc;
}

/* ---- import ---- */

struct importer {
	struct store *st;
	const char *path, *default_from;
	struct pricing_import_stats *stats;
	struct buf *err;
	int failed;
	/* CSV state */
	struct buf field[CSV_MAX_FIELDS];
	bool field_null[CSV_MAX_FIELDS];
	int nfields, too_many;
	int colmap[COL_N]; /* column index of each known column, -1 absent */
	int64_t record;
};

/* Put one price (strings in the caller's storage) and count what it did. 0, or -1 with ERR. */
static int put_price(struct importer *im, struct store_price *r)
{
	enum store_price_result result;
	struct buf msg = BUF_INIT;
	r->source = im->path;
	if (store_price_upsert(im->st, r, &result, &msg) < 0) {
		buf_printf(im->err, "%s: %s", im->path, buf_str(&msg));
		buf_free(&msg);
		return -1;
	}
	if (result == STORE_PRICE_ADDED)
		im->stats->added++;
	else if (result == STORE_PRICE_CHANGED)
		im->stats->changed++;
	else
		im->stats->unchanged++;
	return 0;
}

static void trim(struct buf *b)
{
	size_t i = 0;
	while (b->len && isspace((unsigned char)b->data[b->len - 1]))
		b->data[--b->len] = '\0';
	while (i < b->len && isspace((unsigned char)b->data[i]))
		i++;
	if (i) {
		memmove(b->data, b->data + i, b->len - i + 1);
		b->len -= i;
	}
}

/*
 * The largest rate taken, in USD per 1M tokens: far above any real one (LiteLLM's copy peaks
 * at 540000, a data error there), low enough that a typo of many digits is refused.
 */
#define MAX_RATE 1e9

static bool is_rate(double v)
{
	return isfinite(v) && v >= 0 && v <= MAX_RATE;
}

/* A rate in USD per 1M tokens: a number from 0 to MAX_RATE and nothing else. */
static int parse_rate(const char *s, double *v)
{
	char *end;
	errno = 0;
	*v = strtod(s, &end);
	return end != s && !*end && errno == 0 && is_rate(*v) ? 0 : -1;
}

static void csv_record(struct importer *im)
{
	struct store_price r = { 0 };
	struct buf provider = BUF_INIT, tier = BUF_INIT;

	im->record++;
	if (im->failed)
		goto out;
	if (im->too_many) {
		buf_printf(im->err, "%s: line %lld: more than %d columns", im->path, (long long)im->record, CSV_MAX_FIELDS);
		im->failed = 1;
		goto out;
	}
	if (im->record == 1) { /* the header names the columns; their order is free */
		for (int c = 0; c < COL_N; c++)
			im->colmap[c] = -1;
		for (int i = 0; i < im->nfields; i++) {
			int c = 0;
			while (c < COL_N && strcmp(buf_str(&im->field[i]), csv_columns[c]) != 0)
				c++;
			if (c == COL_N || im->colmap[c] >= 0) {
				buf_printf(im->err, "%s: line 1: %s column '", im->path, c == COL_N ? "unknown" : "repeated");
				utf8_escape(im->err, buf_str(&im->field[i]), im->field[i].len);
				buf_adds(im->err, "' (the columns are");
				for (int k = 0; k < COL_N; k++)
					buf_printf(im->err, "%s%s", k ? "," : " ", csv_columns[k]);
				buf_adds(im->err, ")");
				im->failed = 1;
				goto out;
			}
			im->colmap[c] = i;
		}
		if (im->colmap[COL_MODEL] < 0) {
			buf_printf(im->err, "%s: line 1: no 'model' column", im->path);
			im->failed = 1;
		}
		goto out;
	}
	if (im->nfields == 1 && im->field_null[0])
		goto out; /* a blank line */
#define CELL(c) (im->colmap[c] >= 0 && im->colmap[c] < im->nfields && !im->field_null[im->colmap[c]] \
		 ? buf_str(&im->field[im->colmap[c]]) : NULL)
	r.model = CELL(COL_MODEL);
	if (!r.model) {
		buf_printf(im->err, "%s: line %lld: no model", im->path, (long long)im->record);
		im->failed = 1;
		goto out;
	}
	if (CELL(COL_PROVIDER))
		for (const char *p = CELL(COL_PROVIDER); *p; p++)
			buf_addc(&provider, (char)tolower((unsigned char)*p));
	r.provider = buf_str(&provider);
	if (CELL(COL_TIER)) /* tiers are lowercase, as providers log them */
		for (const char *p = CELL(COL_TIER); *p; p++)
			buf_addc(&tier, (char)tolower((unsigned char)*p));
	r.tier = buf_str(&tier);
	r.effective_from = CELL(COL_FROM) ? CELL(COL_FROM) : im->default_from;
	if (!pricing_is_date(r.effective_from)) {
		buf_printf(im->err, "%s: line %lld: effective_from '", im->path, (long long)im->record);
		utf8_escape(im->err, r.effective_from, strlen(r.effective_from));
		buf_adds(im->err, "' is not a date YYYY-MM-DD");
		im->failed = 1;
		goto out;
	}
	for (int k = 0; k < PRICING_KINDS; k++) {
		const char *cell = CELL(COL_RATE0 + k);
		r.has_rate[k] = cell != NULL;
		if (cell && parse_rate(cell, &r.rate[k]) < 0) {
			buf_printf(im->err, "%s: line %lld: %s '", im->path, (long long)im->record,
				   csv_columns[COL_RATE0 + k]);
			utf8_escape(im->err, cell, strlen(cell));
			buf_adds(im->err, "' is not a price (USD per 1M tokens, 0 to 1e9)");
			im->failed = 1;
			goto out;
		}
	}
#undef CELL
	if (put_price(im, &r) < 0)
		im->failed = 1;
out:
	for (int i = 0; i < im->nfields; i++)
		buf_reset(&im->field[i]);
	im->nfields = 0;
	im->too_many = 0;
	buf_free(&provider);
	buf_free(&tier);
}

static void csv_field_cb(void *s, size_t len, void *data)
{
	struct importer *im = data;
	if (im->nfields == CSV_MAX_FIELDS) {
		im->too_many = 1;
		return;
	}
	struct buf *b = &im->field[im->nfields];
	buf_reset(b);
	buf_add(b, s ? s : "", s ? len : 0);
	trim(b);
	im->field_null[im->nfields] = b->len == 0; /* empty cells are NULL */
	im->nfields++;
}

static void csv_record_cb(int c, void *data)
{
	(void)c;
	csv_record(data);
}

static int import_csv(struct importer *im, FILE *f, const char *head, size_t head_n)
{
	struct csv_parser p;
	char *chunk = xmalloc(READ_CHUNK);
	size_t n;
	int rc = -1;

	if (csv_init(&p, CSV_APPEND_NULL) != 0) {
		buf_printf(im->err, "%s: cannot start the CSV parser", im->path);
		free(chunk);
		return -1;
	}
	if (csv_parse(&p, head, head_n, csv_field_cb, csv_record_cb, im) != head_n)
		goto csv_fail;
	while (!im->failed && (n = fread(chunk, 1, READ_CHUNK, f)) > 0)
		if (csv_parse(&p, chunk, n, csv_field_cb, csv_record_cb, im) != n)
			goto csv_fail;
	if (ferror(f)) {
		buf_printf(im->err, "%s: %s", im->path, strerror(errno));
		goto out;
	}
	if (csv_fini(&p, csv_field_cb, csv_record_cb, im) != 0)
		goto csv_fail;
	if (!im->failed && im->record == 0) {
		buf_printf(im->err, "%s: empty file", im->path);
		goto out;
	}
	rc = im->failed ? -1 : 0;
	goto out;
csv_fail:
	buf_printf(im->err, "%s: line %lld: %s", im->path, (long long)im->record + 1, csv_strerror(csv_error(&p)));
out:
	csv_free(&p);
	free(chunk);
	return rc;
}

/*
 * LiteLLM: every top-level object with a per-token input or output cost is a price. A key
 * "route/model" (azure/gpt-4o, bedrock/..., gemini/gemini-2.0-flash) is the price of that route:
 * provider = the route, model = the rest. A bare key is the vendor's own list price and applies
 * to any provider. Costs per token x 1e6, rounded to 1e-9 USD per 1M tokens so that 1.5e-07
 * becomes exactly the 0.15 a CSV would say. The 1-hour cache write is
 * cache_creation_input_token_cost_above_1hr. An entry's *_batches, *_flex and *_priority input
 * or output costs make one more price each, of the tier batch, flex or priority, with that
 * tier's rates (a rate the tier lacks is NULL: its fallback, not the standard rate).
 */
static int import_litellm(struct importer *im, const struct buf *json)
{
	/* The CASEs guard every path lookup: SQLite may test the WHERE terms in any order, and a
	 * path into a non-object value (last_updated is a string) is "malformed JSON". */
#define COST(path) "CASE WHEN type = 'object' AND json_type(value, '" path "') IN ('integer', 'real') " \
		   "THEN round(json_extract(value, '" path "') * 1e6, 9) END"
#define TIER(name, sfx) \
	"SELECT key, '" name "' AS tier, " COST("$.input_cost_per_token" sfx) " AS i, " \
	COST("$.output_cost_per_token" sfx) " AS o, " COST("$.cache_read_input_token_cost" sfx) " AS cr, " \
	COST("$.cache_creation_input_token_cost" sfx) " AS cw, "
	static const char sql[] =
		"SELECT key, tier, i, o, cr, cw, cw1h FROM ("
		TIER("", "") COST("$.cache_creation_input_token_cost_above_1hr") " AS cw1h "
		"FROM json_each(?1) WHERE key NOT IN ('sample_spec', 'fallback_generalizations') UNION ALL "
		TIER("batch", "_batches") "NULL FROM json_each(?1) WHERE key NOT IN ('sample_spec', 'fallback_generalizations') UNION ALL "
		TIER("flex", "_flex") "NULL FROM json_each(?1) WHERE key NOT IN ('sample_spec', 'fallback_generalizations') UNION ALL "
		TIER("priority", "_priority") "NULL FROM json_each(?1) WHERE key NOT IN ('sample_spec', 'fallback_generalizations')) "
		"WHERE i IS NOT NULL OR o IS NOT NULL";
#undef TIER
#undef COST
	sqlite3 *db = store_db(im->st); /* SQLite's JSON functions only: no table is read */
	sqlite3_stmt *q = NULL;
	struct buf provider = BUF_INIT, model = BUF_INIT;
	int rc = -1, step;

	if (!db) {
		buf_printf(im->err, "%s: cannot open the database for reading", store_path(im->st));
		goto out;
	}
	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) {
		db_error(db, im->err, im->path);
		goto out;
	}
	sqlite3_bind_text(q, 1, json->data, (int)json->len, SQLITE_STATIC);
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(q, 0);
		const char *slash = strchr(key, '/');
		struct store_price r = { 0 };
		buf_reset(&provider);
		buf_reset(&model);
		if (slash && slash != key && slash[1]) {
			for (const char *p = key; p < slash; p++)
				buf_addc(&provider, (char)tolower((unsigned char)*p));
			buf_adds(&model, slash + 1);
		} else {
			buf_adds(&model, key);
		}
		r.provider = buf_str(&provider);
		r.model = buf_str(&model);
		r.tier = (const char *)sqlite3_column_text(q, 1);
		r.effective_from = im->default_from;
		for (int k = 0; k < PRICING_KINDS; k++) {
			r.has_rate[k] = sqlite3_column_type(q, 2 + k) != SQLITE_NULL;
			r.rate[k] = sqlite3_column_double(q, 2 + k);
			if (r.has_rate[k] && !is_rate(r.rate[k])) { /* 1e999 reads as infinity */
				static const char *const names[PRICING_KINDS] = {
					"input_cost_per_token", "output_cost_per_token",
					"cache_read_input_token_cost", "cache_creation_input_token_cost",
					"cache_creation_input_token_cost_above_1hr",
				};
				static const char *const suffix[][2] = {
					{ "batch", "_batches" }, { "flex", "_flex" }, { "priority", "_priority" },
				};
				const char *sfx = "";
				for (size_t t = 0; t < sizeof(suffix) / sizeof(suffix[0]); t++)
					if (strcmp(r.tier, suffix[t][0]) == 0)
						sfx = suffix[t][1];
				buf_printf(im->err, "%s: \"", im->path);
				utf8_escape(im->err, key, strlen(key));
				buf_printf(im->err, "\": %s%s %g USD per token is not a price (0 to 1e9 USD per "
					   "1M tokens)", names[k], sfx, r.rate[k] / 1e6);
				goto out;
			}
		}
		if (put_price(im, &r) < 0)
			goto out;
	}
	if (step != SQLITE_DONE) {
		db_error(db, im->err, im->path);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(q);
	buf_free(&provider);
	buf_free(&model);
	return rc;
}

int pricing_import(struct store *st, const char *path, const char *default_from,
		   struct pricing_import_stats *stats, struct buf *err)
{
	struct importer im = { 0 };
	struct buf json = BUF_INIT;
	char head[4096];
	size_t head_n, i = 0;
	FILE *f = NULL;
	int rc = -1;
	bool in_tx = false;

	memset(stats, 0, sizeof(*stats));
	im.st = st;
	im.path = path;
	im.default_from = default_from;
	im.stats = stats;
	im.err = err;
	if (!pricing_is_date(default_from)) {
		buf_printf(err, "'%s' is not a date YYYY-MM-DD", default_from);
		goto out;
	}
	if (!(f = fopen(path, "rb"))) {
		buf_printf(err, "%s: %s", path, strerror(errno));
		goto out;
	}
	head_n = fread(head, 1, sizeof(head), f);
	if (ferror(f)) {
		buf_printf(err, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (head_n >= 3 && memcmp(head, "\xEF\xBB\xBF", 3) == 0)
		i = 3; /* a UTF-8 byte order mark, as spreadsheets write */
	while (i < head_n && isspace((unsigned char)head[i]))
		i++;
	stats->is_litellm = i < head_n && head[i] == '{';
	if (store_begin(st, err) < 0)
		goto out;
	in_tx = true;
	if (stats->is_litellm) {
		size_t n;
		buf_add(&json, head + i, head_n - i);
		buf_grow(&json, READ_CHUNK);
		while ((n = fread(json.data + json.len, 1, json.cap - json.len - 1, f)) > 0) {
			json.len += n;
			json.data[json.len] = '\0';
			buf_grow(&json, READ_CHUNK);
		}
		if (ferror(f)) {
			buf_printf(err, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (import_litellm(&im, &json) < 0)
			goto out;
	} else if (import_csv(&im, f, head + i, head_n - i) < 0) {
		goto out;
	}
	if (store_commit(st, err) < 0)
		goto out;
	in_tx = false;
	rc = 0;
out:
	if (in_tx)
		store_rollback(st);
	if (rc < 0)
		stats->added = stats->changed = stats->unchanged = 0;
	for (int k = 0; k < CSV_MAX_FIELDS; k++)
		buf_free(&im.field[k]);
	buf_free(&json);
	if (f)
		fclose(f);
	return rc;
}

/* ---- the price and missing-price lists (the cost report is sql/reports/cost*.sql) ---- */

int pricing_list(sqlite3 *db, const char *filter, struct report *r, struct buf *err)
{
	struct report_bind b = { filter ? filter : "", 0 };
	struct report_table *t = report_add_query(r, db, NULL,
		"SELECT model, provider, tier, effective_from AS 'from', effective_until AS until, "
		"input_per_mtok AS input, output_per_mtok AS output, cache_read_per_mtok AS cache_read, "
		"cache_write_per_mtok AS cache_write, cache_write_1h_per_mtok AS cache_write_1h, source FROM prices "
		"WHERE instr(model, ?1) > 0 ORDER BY model, provider, tier, effective_from", &b, 1, err);
	if (!t)
		return -1;
	report_set_unit(t, NULL, "usd_per_mtok");
	return 0;
}

int pricing_missing(sqlite3 *db, struct report *r, struct buf *err)
{
	struct report_table *t = report_add_query(r, db, NULL,
		"SELECT model, provider, service_tier AS tier, reason, first_day, last_day, requests, "
		"input_tokens AS input, output_tokens AS output, cache_read_tokens AS cache_read, "
		"cache_write_tokens AS cache_write, total_tokens AS total FROM unpriced_usage "
		"ORDER BY coalesce(total_tokens, 0) + coalesce(input_tokens, 0) + coalesce(output_tokens, 0) DESC, model",
		NULL, 0, err);
	return t ? (int)t->nrows : -1;
}
