/*
 * The commit of a batch: dictionary entries, raw events, aggregates, credential state,
 * rejects and the file checkpoint in one transaction on the writer. See store_write.h.
 */
#include "store_write.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "event.h"
#include "latency.h"
#include "store_int.h"
#include "timefmt.h"

enum {
	S_INSERT_EVENT,
	S_UPSERT_DAILY,
	S_UPSERT_HOURLY,
	S_INSERT_DICT,
	S_INSERT_CRED,
	S_UPDATE_CRED,
	S_INSERT_REJECT,
	S_INSERT_FILE,
	S_CLAIM_FILE,
	S_UPDATE_FILE,
	S_UPSERT_SEEN,
	S_FILE_COUNTS,
	S_DELETE_EVENT,
	S_TAKE_DAILY,
	S_DROP_DAILY,
	S_TAKE_HOURLY,
	S_DROP_HOURLY,
	S_TAKE_CRED,
	S_TAKE_FILE,
	S_N
};

static const char *const writer_sql[S_N] = {
	/* One statement appends the whole batch: see the batch virtual table below. */
	[S_INSERT_EVENT] = "INSERT INTO event(id, epoch, token, user, endpoint, method, status, model, "
			   "provider, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, "
			   "total_tokens, latency_ms, bytes, rl_remaining, rl_limit, rl_reset, request_id, "
			   "operation, project, session, error, failed, estimated, cache_write_1h_tokens, "
			   "service_tier) "
			   "SELECT id, epoch, token, user, endpoint, method, status, model, "
			   "provider, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, "
			   "total_tokens, latency_ms, bytes, rl_remaining, rl_limit, rl_reset, request_id, "
			   "operation, project, session, error, failed, estimated, cache_write_1h_tokens, "
			   "service_tier FROM temp.tokstat_batch",
	/* Sums merge with NULL meaning "no event logged it": coalesce(a + b, a, b). */
	/* Latency (sql/migrate/009-latency.sql): stored NULLs mean "not known" and stay NULL. */
	[S_UPSERT_DAILY] =
		"INSERT INTO daily(day, token, user, endpoint, model, provider, operation, project, service_tier, "
		"requests, errors, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, total_tokens, "
		"cache_write_1h_tokens, estimated, latency_n, latency_sum, latency_max, "
		"latency_b00, latency_b01, latency_b02, latency_b03, latency_b04, latency_b05, latency_b06, "
		"latency_b07, latency_b08, latency_b09, latency_b10, latency_b11, latency_b12, latency_b13, "
		"latency_b14, latency_b15, latency_b16, latency_b17, latency_b18, latency_b19"
		") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
		"ON CONFLICT DO UPDATE SET requests = requests + excluded.requests, "
		"errors = errors + excluded.errors, estimated = estimated + excluded.estimated, "
		"cache_write_1h_tokens = coalesce(cache_write_1h_tokens + excluded.cache_write_1h_tokens, "
		"cache_write_1h_tokens, excluded.cache_write_1h_tokens), "
		"input_tokens = coalesce(input_tokens + excluded.input_tokens, input_tokens, excluded.input_tokens), "
		"output_tokens = coalesce(output_tokens + excluded.output_tokens, output_tokens, excluded.output_tokens), "
		"cache_read_tokens = coalesce(cache_read_tokens + excluded.cache_read_tokens, cache_read_tokens, excluded.cache_read_tokens), "
		"cache_write_tokens = coalesce(cache_write_tokens + excluded.cache_write_tokens, cache_write_tokens, excluded.cache_write_tokens), "
		"total_tokens = coalesce(total_tokens + excluded.total_tokens, total_tokens, excluded.total_tokens), "
		"latency_n = latency_n + excluded.latency_n, "
		"latency_sum = CASE WHEN latency_n IS NOT NULL THEN coalesce(latency_sum + excluded.latency_sum, latency_sum, excluded.latency_sum) END, "
		"latency_max = CASE WHEN latency_n IS NOT NULL THEN max(coalesce(latency_max, excluded.latency_max), coalesce(excluded.latency_max, latency_max)) END, "
		"latency_b00 = latency_b00 + excluded.latency_b00, latency_b01 = latency_b01 + excluded.latency_b01, latency_b02 = latency_b02 + excluded.latency_b02, "
		"latency_b03 = latency_b03 + excluded.latency_b03, latency_b04 = latency_b04 + excluded.latency_b04, latency_b05 = latency_b05 + excluded.latency_b05, "
		"latency_b06 = latency_b06 + excluded.latency_b06, latency_b07 = latency_b07 + excluded.latency_b07, latency_b08 = latency_b08 + excluded.latency_b08, "
		"latency_b09 = latency_b09 + excluded.latency_b09, latency_b10 = latency_b10 + excluded.latency_b10, latency_b11 = latency_b11 + excluded.latency_b11, "
		"latency_b12 = latency_b12 + excluded.latency_b12, latency_b13 = latency_b13 + excluded.latency_b13, latency_b14 = latency_b14 + excluded.latency_b14, "
		"latency_b15 = latency_b15 + excluded.latency_b15, latency_b16 = latency_b16 + excluded.latency_b16, latency_b17 = latency_b17 + excluded.latency_b17, "
		"latency_b18 = latency_b18 + excluded.latency_b18, latency_b19 = latency_b19 + excluded.latency_b19",
	[S_UPSERT_HOURLY] =
		"INSERT INTO hourly VALUES (?,?,?,?,?,?,?,?,?,?,?) "
		"ON CONFLICT DO UPDATE SET requests = requests + excluded.requests, "
		"errors = errors + excluded.errors, "
		"input_tokens = coalesce(input_tokens + excluded.input_tokens, input_tokens, excluded.input_tokens), "
		"output_tokens = coalesce(output_tokens + excluded.output_tokens, output_tokens, excluded.output_tokens), "
		"cache_read_tokens = coalesce(cache_read_tokens + excluded.cache_read_tokens, cache_read_tokens, excluded.cache_read_tokens), "
		"cache_write_tokens = coalesce(cache_write_tokens + excluded.cache_write_tokens, cache_write_tokens, excluded.cache_write_tokens), "
		"total_tokens = coalesce(total_tokens + excluded.total_tokens, total_tokens, excluded.total_tokens)",
	[S_INSERT_DICT] = "INSERT INTO dict(id, value) VALUES (?, ?)",
	[S_INSERT_CRED] = "INSERT INTO credential(id, fingerprint, display) VALUES (?, ?, ?)",
	/* Every SET expression reads the old row, so the CASEs compare against stored times.
	 * Ties go to the later batch, as they go to the later line within a batch. */
	[S_UPDATE_CRED] =
		"UPDATE credential SET "
		"first_seen = CASE WHEN first_seen IS NULL OR ?2 < first_seen THEN ?2 ELSE first_seen END, "
		"last_seen = CASE WHEN last_seen IS NULL OR ?3 > last_seen THEN ?3 ELSE last_seen END, "
		"requests = requests + ?4, errors = errors + ?5, "
		"last_status = CASE WHEN ?7 IS NOT NULL AND (last_status_at IS NULL OR ?7 >= last_status_at) THEN ?6 ELSE last_status END, "
		"last_status_at = CASE WHEN ?7 IS NOT NULL AND (last_status_at IS NULL OR ?7 >= last_status_at) THEN ?7 ELSE last_status_at END, "
		"rl_remaining = CASE WHEN ?11 IS NOT NULL AND (rl_at IS NULL OR ?11 >= rl_at) THEN ?8 ELSE rl_remaining END, "
		"rl_limit = CASE WHEN ?11 IS NOT NULL AND (rl_at IS NULL OR ?11 >= rl_at) THEN ?9 ELSE rl_limit END, "
		"rl_reset = CASE WHEN ?11 IS NOT NULL AND (rl_at IS NULL OR ?11 >= rl_at) THEN ?10 ELSE rl_reset END, "
		"rl_at = CASE WHEN ?11 IS NOT NULL AND (rl_at IS NULL OR ?11 >= rl_at) THEN ?11 ELSE rl_at END, "
		"last_429_at = CASE WHEN ?12 IS NOT NULL AND (last_429_at IS NULL OR ?12 > last_429_at) THEN ?12 ELSE last_429_at END "
		"WHERE id = ?1",
	[S_INSERT_REJECT] = "INSERT OR IGNORE INTO reject(file, line, reason, text) VALUES (?, ?, ?, ?)",
	[S_INSERT_FILE] = "INSERT INTO file(id, fingerprint, head_len, name) VALUES (?1, ?2, ?3, ?4)",
	/* seen again: under its latest name, and with the longer head once it grew past the old one */
	[S_CLAIM_FILE] = "UPDATE file SET name = ?2, head_len = max(head_len, ?3), "
			 "fingerprint = CASE WHEN ?3 > head_len THEN ?4 ELSE fingerprint END WHERE id = ?1",
	/* ?12 says what to do with the --max-reject-rate failure: 1 record it, -1 clear it, 0 keep it */
	[S_UPDATE_FILE] =
		"UPDATE file SET bytes = ?2, lines = ?3, events = events + ?4, rejected = rejected + ?5, "
		"skipped = skipped + ?6, duplicates = duplicates + ?7, format = coalesce(?8, format), "
		"last_ingested = ?9, tail_offset = coalesce(?10, tail_offset), "
		"tail_hash = CASE WHEN ?10 IS NULL THEN tail_hash ELSE ?11 END, "
		"failure = CASE ?12 WHEN 1 THEN ?13 WHEN -1 THEN NULL ELSE failure END, "
		"failure_rate = CASE ?12 WHEN 1 THEN ?14 WHEN -1 THEN NULL ELSE failure_rate END, "
		"failed_at = CASE ?12 WHEN 1 THEN ?9 WHEN -1 THEN NULL ELSE failed_at END WHERE id = ?1",
	/* A key counted before, whose later line this batch stores, points at the new event. */
	[S_UPSERT_SEEN] = "INSERT INTO seen(key, event, output_tokens, total_tokens) "
			  "SELECT dedup, id, output_tokens, total_tokens FROM temp.tokstat_batch WHERE dedup IS NOT NULL "
			  "ON CONFLICT(key) DO UPDATE SET event = excluded.event, "
			  "output_tokens = excluded.output_tokens, total_tokens = excluded.total_tokens",
	/* what a file's lines of the batch changed when the batch holds no checkpoint of it */
	[S_FILE_COUNTS] = "UPDATE file SET events = events + ?2, duplicates = duplicates + ?3 WHERE id = ?1",
	/*
	 * Taking back a replaced event (see write_replaced): the row goes, and what it added to
	 * its daily and hourly groups, its credential's counters and its file's events. A sum
	 * the event did not log (NULL) is left as it is.
	 */
	[S_DELETE_EVENT] = "DELETE FROM event WHERE id = ?1 RETURNING epoch, coalesce(token, 0), coalesce(user, 0), "
			   "coalesce(endpoint, 0), coalesce(model, 0), coalesce(provider, 0), coalesce(operation, 0), "
			   "coalesce(project, 0), status, failed, estimated, input_tokens, output_tokens, "
			   "cache_read_tokens, cache_write_tokens, total_tokens, coalesce(service_tier, 0), "
			   "cache_write_1h_tokens, latency_ms",
	[S_TAKE_DAILY] =
		"UPDATE daily SET requests = requests - 1, errors = errors - ?9, estimated = estimated - ?10, "
		"input_tokens = input_tokens - coalesce(?11, 0), output_tokens = output_tokens - coalesce(?12, 0), "
		"cache_read_tokens = cache_read_tokens - coalesce(?13, 0), "
		"cache_write_tokens = cache_write_tokens - coalesce(?14, 0), total_tokens = total_tokens - coalesce(?15, 0), "
		"cache_write_1h_tokens = cache_write_1h_tokens - coalesce(?17, 0) "
		"WHERE day = ?1 AND token = ?2 AND user = ?3 AND endpoint = ?4 AND model = ?5 AND provider = ?6 "
		"AND operation = ?7 AND project = ?8 AND service_tier = ?16 RETURNING requests, input_tokens, "
		"output_tokens, cache_read_tokens, cache_write_tokens, total_tokens, cache_write_1h_tokens",
	[S_DROP_DAILY] = "DELETE FROM daily WHERE day = ?1 AND token = ?2 AND user = ?3 AND endpoint = ?4 AND model = ?5 "
			 "AND provider = ?6 AND operation = ?7 AND project = ?8 AND service_tier = ?9",
	[S_TAKE_HOURLY] =
		"UPDATE hourly SET requests = requests - 1, errors = errors - ?5, "
		"input_tokens = input_tokens - coalesce(?6, 0), output_tokens = output_tokens - coalesce(?7, 0), "
		"cache_read_tokens = cache_read_tokens - coalesce(?8, 0), "
		"cache_write_tokens = cache_write_tokens - coalesce(?9, 0), total_tokens = total_tokens - coalesce(?10, 0) "
		"WHERE hour = ?1 AND token = ?2 AND user = ?3 AND model = ?4 RETURNING requests, input_tokens, "
		"output_tokens, cache_read_tokens, cache_write_tokens, total_tokens",
	[S_DROP_HOURLY] = "DELETE FROM hourly WHERE hour = ?1 AND token = ?2 AND user = ?3 AND model = ?4",
	[S_TAKE_CRED] = "UPDATE credential SET requests = requests - 1, errors = errors - ?2 WHERE id = ?1",
	[S_TAKE_FILE] = "UPDATE file SET events = events - 1, duplicates = duplicates + 1 WHERE id = ?1",
};

struct store_writer {
	sqlite3_stmt *w[S_N];
	const struct batch *batch; /* what tokstat_batch shows while a batch is written */
	bool registered;           /* the tokstat_batch module, whose aux pointer is this struct */
};

static void bind_opt(sqlite3_stmt *q, int col, bool set, int64_t v)
{
	if (set)
		sqlite3_bind_int64(q, col, v);
	else
		sqlite3_bind_null(q, col);
}

static int step_reset(sqlite3_stmt *q)
{
	int rc = sqlite3_step(q);
	sqlite3_reset(q);
	return rc == SQLITE_DONE ? 0 : -1;
}


/*
 * tokstat_batch: an eponymous virtual table over the rows of the batch being written, so
 * "INSERT INTO event SELECT ... FROM tokstat_batch" appends a whole batch in one statement
 * instead of one bind/step/reset round per row (the writer's largest cost).
 */
enum batch_col {
	BC_ID, BC_EPOCH, BC_TOKEN, BC_USER, BC_ENDPOINT, BC_METHOD, BC_STATUS, BC_MODEL, BC_PROVIDER,
	BC_INPUT, BC_OUTPUT, BC_CACHE_READ, BC_CACHE_WRITE, BC_TOTAL, BC_LATENCY, BC_BYTES,
	BC_RL_REMAINING, BC_RL_LIMIT, BC_RL_RESET, BC_REQUEST_ID, BC_OPERATION, BC_PROJECT, BC_SESSION,
	BC_ERROR, BC_FAILED, BC_ESTIMATED, BC_DEDUP, BC_CACHE_WRITE_1H, BC_SERVICE_TIER
};

struct batch_vtab {
	sqlite3_vtab base;
	struct store_writer *w;
};

struct batch_cursor {
	sqlite3_vtab_cursor base;
	size_t i;
};

static int batch_connect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **out, char **err)
{
	(void)argc, (void)argv, (void)err;
	int rc = sqlite3_declare_vtab(db, "CREATE TABLE x(id, epoch, token, user, endpoint, method, status, model, "
					  "provider, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, "
					  "total_tokens, latency_ms, bytes, rl_remaining, rl_limit, rl_reset, request_id, "
					  "operation, project, session, error, failed, estimated, dedup, "
					  "cache_write_1h_tokens, service_tier)");
	if (rc != SQLITE_OK)
		return rc;
	struct batch_vtab *v = sqlite3_malloc(sizeof(*v));
	if (!v)
		return SQLITE_NOMEM;
	memset(v, 0, sizeof(*v));
	v->w = aux;
	*out = &v->base;
	return SQLITE_OK;
}

static int batch_disconnect(sqlite3_vtab *v)
{
	sqlite3_free(v);
	return SQLITE_OK;
}

static int batch_best_index(sqlite3_vtab *v, sqlite3_index_info *info)
{
	(void)v;
	info->estimatedCost = 1000;
	return SQLITE_OK;
}

static int batch_open(sqlite3_vtab *v, sqlite3_vtab_cursor **out)
{
	(void)v;
	struct batch_cursor *c = sqlite3_malloc(sizeof(*c));
	if (!c)
		return SQLITE_NOMEM;
	memset(c, 0, sizeof(*c));
	*out = &c->base;
	return SQLITE_OK;
}

static int batch_close(sqlite3_vtab_cursor *c)
{
	sqlite3_free(c);
	return SQLITE_OK;
}

static const struct batch *cursor_batch(sqlite3_vtab_cursor *c)
{
	return ((struct batch_vtab *)c->pVtab)->w->batch;
}

/* On from row I to the first that is stored: a dropped row (replaced in its batch) is not. */
static void skip_dropped(sqlite3_vtab_cursor *c, size_t i)
{
	const struct batch *b = cursor_batch(c);
	while (b && i < b->nrows && b->rows[i].is_dropped)
		i++;
	((struct batch_cursor *)c)->i = i;
}

static int batch_filter(sqlite3_vtab_cursor *c, int idx, const char *idx_str, int argc, sqlite3_value **argv)
{
	(void)idx, (void)idx_str, (void)argc, (void)argv;
	skip_dropped(c, 0);
	return SQLITE_OK;
}

static int batch_next(sqlite3_vtab_cursor *c)
{
	skip_dropped(c, ((struct batch_cursor *)c)->i + 1);
	return SQLITE_OK;
}

static int batch_eof(sqlite3_vtab_cursor *c)
{
	const struct batch *b = cursor_batch(c);
	return !b || ((struct batch_cursor *)c)->i >= b->nrows;
}

static int batch_rowid(sqlite3_vtab_cursor *c, sqlite3_int64 *rowid)
{
	*rowid = (sqlite3_int64)((struct batch_cursor *)c)->i;
	return SQLITE_OK;
}

static void result_opt(sqlite3_context *ctx, bool set, int64_t v)
{
	if (set)
		sqlite3_result_int64(ctx, v);
}

static int batch_column(sqlite3_vtab_cursor *c, sqlite3_context *ctx, int col)
{
	const struct batch *b = cursor_batch(c);
	const struct batch_row *r = &b->rows[((struct batch_cursor *)c)->i];
	static const enum event_num nums[] = {
		[BC_STATUS] = EV_STATUS, [BC_INPUT] = EV_INPUT_TOKENS, [BC_OUTPUT] = EV_OUTPUT_TOKENS,
		[BC_CACHE_READ] = EV_CACHE_READ_TOKENS, [BC_CACHE_WRITE] = EV_CACHE_WRITE_TOKENS,
		[BC_TOTAL] = EV_TOTAL_TOKENS, [BC_LATENCY] = EV_LATENCY_MS, [BC_BYTES] = EV_BYTES,
		[BC_RL_REMAINING] = EV_RL_REMAINING, [BC_RL_LIMIT] = EV_RL_LIMIT, [BC_RL_RESET] = EV_RL_RESET,
		[BC_CACHE_WRITE_1H] = EV_CACHE_WRITE_1H_TOKENS,
	};
	static const enum batch_dim dims[] = {
		[BC_TOKEN] = BATCH_DIM_TOKEN, [BC_USER] = BATCH_DIM_USER, [BC_ENDPOINT] = BATCH_DIM_ENDPOINT,
		[BC_METHOD] = BATCH_DIM_METHOD, [BC_MODEL] = BATCH_DIM_MODEL, [BC_PROVIDER] = BATCH_DIM_PROVIDER,
		[BC_OPERATION] = BATCH_DIM_OPERATION, [BC_PROJECT] = BATCH_DIM_PROJECT, [BC_SESSION] = BATCH_DIM_SESSION,
		[BC_SERVICE_TIER] = BATCH_DIM_SERVICE_TIER,
	};
	switch (col) {
	case BC_ID:
		sqlite3_result_int64(ctx, r->id);
		break;
	case BC_EPOCH:
		sqlite3_result_int64(ctx, r->epoch);
		break;
	case BC_TOKEN: case BC_USER: case BC_ENDPOINT: case BC_METHOD: case BC_MODEL: case BC_PROVIDER:
	case BC_OPERATION: case BC_PROJECT: case BC_SESSION: case BC_SERVICE_TIER:
		result_opt(ctx, r->dim[dims[col]] != 0, r->dim[dims[col]]);
		break;
	case BC_STATUS: case BC_INPUT: case BC_OUTPUT: case BC_CACHE_READ: case BC_CACHE_WRITE: case BC_TOTAL:
	case BC_LATENCY: case BC_BYTES: case BC_RL_REMAINING: case BC_RL_LIMIT: case BC_RL_RESET:
	case BC_CACHE_WRITE_1H:
		result_opt(ctx, r->num_set & (1u << nums[col]), r->num[nums[col]]);
		break;
	case BC_REQUEST_ID:
		if (r->request_id_len)
			sqlite3_result_text(ctx, b->text.data + r->request_id_off, (int)r->request_id_len, SQLITE_STATIC);
		break;
	case BC_ERROR:
		if (r->error_len)
			sqlite3_result_text(ctx, b->text.data + r->error_off, (int)r->error_len, SQLITE_STATIC);
		break;
	case BC_FAILED:
		result_opt(ctx, r->failed >= 0, r->failed);
		break;
	case BC_ESTIMATED:
		result_opt(ctx, r->estimated, 1);
		break;
	case BC_DEDUP:
		if (r->has_dedup)
			sqlite3_result_blob(ctx, r->dedup, 16, SQLITE_STATIC);
		break;
	}
	return SQLITE_OK;
}

static const sqlite3_module batch_module = {
	.iVersion = 0,
	.xCreate = NULL, /* eponymous only: exists in every schema without CREATE VIRTUAL TABLE */
	.xConnect = batch_connect,
	.xBestIndex = batch_best_index,
	.xDisconnect = batch_disconnect,
	.xOpen = batch_open,
	.xClose = batch_close,
	.xFilter = batch_filter,
	.xNext = batch_next,
	.xEof = batch_eof,
	.xColumn = batch_column,
	.xRowid = batch_rowid,
};

/* The writer's statements and the batch table, made on the first batch. 0, or -1 with ERR. */
static int prepare_writer(struct store *st, struct buf *err)
{
	if (!st->writer)
		st->writer = xcalloc(1, sizeof(*st->writer));
	struct store_writer *w = st->writer;
	if (!w->registered) {
		if (sqlite3_create_module(st->db, "tokstat_batch", &batch_module, w) != SQLITE_OK)
			return store_sql_error(st->path, st->db, err, "cannot register the batch table");
		w->registered = true;
	}
	for (int i = 0; i < S_N; i++) {
		if (w->w[i])
			continue;
		if (sqlite3_prepare_v3(st->db, writer_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &w->w[i], NULL) != SQLITE_OK)
			return store_sql_error(st->path, st->db, err, "cannot prepare");
	}
	return 0;
}

void store_write_free(struct store_writer *w)
{
	if (!w)
		return;
	for (int i = 0; i < S_N; i++)
		sqlite3_finalize(w->w[i]);
	free(w);
}

static int write_rows(struct store_writer *w, struct batch *b)
{
	int rc = 0;
	w->batch = b;
	if (b->nrows && step_reset(w->w[S_INSERT_EVENT]) < 0)
		rc = -1;
	if (rc == 0 && b->nrows && step_reset(w->w[S_UPSERT_SEEN]) < 0)
		rc = -1;
	w->batch = NULL;
	return rc;
}

/* From COL: requests, errors, the first N_TOKENS token sums, then (WITH_ESTIMATED) estimated. */
static void bind_sums(sqlite3_stmt *q, int col, const struct batch_sums *s, int n_tokens, bool with_estimated)
{
	sqlite3_bind_int64(q, col, s->requests);
	sqlite3_bind_int64(q, col + 1, s->errors);
	for (int i = 0; i < n_tokens; i++)
		bind_opt(q, col + 2 + i, s->tokens_set & (1u << i), s->tokens[i]);
	if (with_estimated)
		sqlite3_bind_int64(q, col + 2 + n_tokens, s->estimated);
}

/* A daily group's latency figures from column COL on: n, sum, max, then the buckets. */
static void bind_latency(sqlite3_stmt *q, int col, const struct batch_latency *l)
{
	sqlite3_bind_int64(q, col, l->n);
	bind_opt(q, col + 1, l->n > 0, l->sum);
	bind_opt(q, col + 2, l->n > 0, l->max);
	for (int k = 0; k < LATENCY_BUCKETS; k++)
		sqlite3_bind_int64(q, col + 3 + k, l->bucket[k]);
}

static int write_aggregates(struct store_writer *w, struct batch *b)
{
	sqlite3_stmt *q = w->w[S_UPSERT_DAILY];
	for (size_t i = 0; i < b->n_daily; i++) {
		for (int k = 0; k < 9; k++)
			sqlite3_bind_int64(q, k + 1, b->daily[i].key[k]);
		bind_sums(q, 10, &b->daily[i].s, BATCH_TOKENS, true);
		bind_latency(q, 19, &b->daily[i].lat);
		if (step_reset(q) < 0)
			return -1;
	}
	q = w->w[S_UPSERT_HOURLY];
	for (size_t i = 0; i < b->n_hourly; i++) {
		for (int k = 0; k < 4; k++)
			sqlite3_bind_int64(q, k + 1, b->hourly[i].key[k]);
		bind_sums(q, 5, &b->hourly[i].s, BATCH_HOURLY_TOKENS, false);
		if (step_reset(q) < 0)
			return -1;
	}
	q = w->w[S_UPDATE_CRED];
	for (size_t i = 0; i < b->n_cred; i++) {
		const struct batch_cred *c = &b->cred[i];
		sqlite3_bind_int64(q, 1, c->id);
		sqlite3_bind_int64(q, 2, c->first_seen);
		sqlite3_bind_int64(q, 3, c->last_seen);
		sqlite3_bind_int64(q, 4, c->requests);
		sqlite3_bind_int64(q, 5, c->errors);
		bind_opt(q, 6, c->last_status_at >= 0, c->last_status);
		bind_opt(q, 7, c->last_status_at >= 0, c->last_status_at);
		bind_opt(q, 8, c->rl_at >= 0, c->rl_remaining);
		bind_opt(q, 9, c->rl_at >= 0 && (c->rl_set & 1), c->rl_limit);
		bind_opt(q, 10, c->rl_at >= 0 && (c->rl_set & 2), c->rl_reset);
		bind_opt(q, 11, c->rl_at >= 0, c->rl_at);
		bind_opt(q, 12, c->last_429_at >= 0, c->last_429_at);
		if (step_reset(q) < 0)
			return -1;
	}
	return 0;
}

/* The daily key after its day, in the order the statements above bind it (?2..?9). */
static const char *const daily_dims[] = { "token", "user", "endpoint", "model", "provider", "operation",
					  "project", "service_tier" };

/* The token sums of daily and hourly, in the order the statements above read and return them;
 * hourly has the first SUMS_HOURLY, daily all SUMS_DAILY. */
enum { SUMS_HOURLY = 5, SUMS_DAILY = 6 };
static const char *const sum_columns[SUMS_DAILY] = { "input_tokens", "output_tokens", "cache_read_tokens",
						     "cache_write_tokens", "total_tokens", "cache_write_1h_tokens" };

/*
 * A group that lost a replaced event and whose sum of column COL is 0 now: is it a sum of
 * zeros, or of nothing (NULL, as verify computes it)? Only raw events can tell, and only of a
 * day that is not pruned (older days may lack raw events that had the column): the group's
 * raw events, found by the time index, are asked for one with a value. TABLE is daily or
 * hourly, KEY its key (day or hour first), N its length. 0, or -1 (the SQLite error is set).
 */
static int settle_null(sqlite3 *db, const char *table, const int64_t *key, int n, int col, int64_t pruned_day)
{
	static const char *const hourly_dims[] = { "token", "user", "model" };
	bool is_daily = strcmp(table, "daily") == 0;
	int64_t span = is_daily ? 86400 : 3600;
	if (key[0] * span < pruned_day * 86400)
		return 0;
	const char *const *dims = is_daily ? daily_dims : hourly_dims;
	struct buf sql = BUF_INIT;
	sqlite3_stmt *q = NULL;
	int rc = -1;
	buf_printf(&sql, "SELECT EXISTS (SELECT 1 FROM event WHERE epoch >= ?1 AND epoch < ?1 + %lld",
		   (long long)span);
	for (int i = 1; i < n; i++)
		buf_printf(&sql, " AND coalesce(%s, 0) = ?%d", dims[i - 1], i + 1);
	buf_printf(&sql, " AND %s IS NOT NULL)", sum_columns[col]);
	if (sqlite3_prepare_v2(db, sql.data, -1, &q, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_int64(q, 1, key[0] * span);
	for (int i = 1; i < n; i++)
		sqlite3_bind_int64(q, i + 1, key[i]);
	if (sqlite3_step(q) != SQLITE_ROW)
		goto out;
	bool has_value = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	q = NULL;
	if (!has_value) {
		buf_reset(&sql);
		buf_printf(&sql, "UPDATE %s SET %s = NULL WHERE %s = ?1", table, sum_columns[col], is_daily ? "day" : "hour");
		for (int i = 1; i < n; i++)
			buf_printf(&sql, " AND %s = ?%d", dims[i - 1], i + 1);
		if (sqlite3_prepare_v2(db, sql.data, -1, &q, NULL) != SQLITE_OK)
			goto out;
		for (int i = 0; i < n; i++)
			sqlite3_bind_int64(q, i + 1, key[i]);
		if (sqlite3_step(q) != SQLITE_DONE)
			goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(q);
	buf_free(&sql);
	return rc;
}

/*
 * Take a replaced event's latency of MS milliseconds out of its daily group (KEY, the 9
 * columns of the daily key): its count, sum and bucket; the maximum, when it was the one, is
 * found again among the group's raw events (the day is not pruned: the event was there). A
 * group whose latency is not known (NULL, sql/migrate/009-latency.sql) stays so.
 */
static int take_latency(struct store *st, const int64_t key[9], int64_t ms)
{
	struct buf sql = BUF_INIT;
	sqlite3_stmt *q = NULL;
	int rc = -1, b = latency_bucket(ms);
	buf_printf(&sql, "UPDATE daily SET latency_n = latency_n - 1, "
		   "latency_sum = CASE WHEN latency_n > 1 THEN latency_sum - ?10 END, "
		   "latency_b%02d = latency_b%02d - 1, "
		   "latency_max = CASE WHEN latency_max > ?10 THEN latency_max ELSE (SELECT max(latency_ms) FROM event "
		   "WHERE epoch >= ?1 * 86400 AND epoch < ?1 * 86400 + 86400", b, b);
	for (int i = 0; i < 8; i++)
		buf_printf(&sql, " AND coalesce(%s, 0) = ?%d", daily_dims[i], i + 2);
	buf_adds(&sql, ") END WHERE day = ?1");
	for (int i = 0; i < 8; i++)
		buf_printf(&sql, " AND %s = ?%d", daily_dims[i], i + 2);
	buf_adds(&sql, " AND latency_n > 0");
	if (sqlite3_prepare_v2(st->db, sql.data, -1, &q, NULL) != SQLITE_OK)
		goto out;
	for (int i = 0; i < 9; i++)
		sqlite3_bind_int64(q, i + 1, key[i]);
	sqlite3_bind_int64(q, 10, ms);
	if (sqlite3_step(q) == SQLITE_DONE)
		rc = 0;
out:
	sqlite3_finalize(q);
	buf_free(&sql);
	return rc;
}

/*
 * Take the replaced event's part out of one aggregate group: TAKE (its key bound, the event's
 * figures after it) returns the group as it is now; a group left with no request goes (DROP),
 * a sum the event had that is 0 now is settled (settle_null). HAD: the event's token kinds
 * that were set, bit i for sum_columns[i].
 */
static int take_group(struct store *st, sqlite3_stmt *take, sqlite3_stmt *drop, const char *table,
		      const int64_t *key, int n, unsigned had, int64_t pruned_day)
{
	int sums_n = strcmp(table, "daily") == 0 ? SUMS_DAILY : SUMS_HOURLY;
	int64_t sums[SUMS_DAILY];
	unsigned zero = 0;
	int rc = sqlite3_step(take);
	if (rc != SQLITE_ROW) { /* no group: nothing to take back (verify reports such a database) */
		sqlite3_reset(take);
		return rc == SQLITE_DONE ? 0 : -1;
	}
	int64_t requests = sqlite3_column_int64(take, 0);
	for (int i = 0; i < sums_n; i++) {
		sums[i] = sqlite3_column_int64(take, i + 1);
		if ((had & (1u << i)) && sqlite3_column_type(take, i + 1) != SQLITE_NULL && sums[i] == 0)
			zero |= 1u << i;
	}
	if (step_reset(take) < 0)
		return -1;
	if (requests == 0) {
		for (int i = 0; i < n; i++)
			sqlite3_bind_int64(drop, i + 1, key[i]);
		return step_reset(drop);
	}
	for (int i = 0; i < sums_n; i++)
		if ((zero & (1u << i)) && settle_null(st->db, table, key, n, i, pruned_day) < 0)
			return -1;
	return 0;
}

/*
 * The events this batch's rows replace (batch.replaced: a larger later line of their record,
 * keep-last): each is deleted and its part taken out of the aggregates, its credential's
 * counters and its file's events (which counts it as a duplicate now), after this batch's own
 * rows and sums are in, in the same transaction. The credential's first and last seen and
 * latest status stay: the new line is the same call, logged moments later.
 */
static int write_replaced(struct store *st, struct store_writer *w, struct batch *b)
{
	int64_t pruned_day = 0;
	if (!b->n_replaced)
		return 0;
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(st->db, "SELECT value FROM meta WHERE key = 'pruned_before'", -1, &q, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(q) == SQLITE_ROW)
		pruned_day = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	for (size_t i = 0; i < b->n_replaced; i++) {
		sqlite3_stmt *del = w->w[S_DELETE_EVENT];
		int64_t key[9], v[SUMS_DAILY]; /* the daily key; the sums of sum_columns */
		unsigned had = 0;
		sqlite3_bind_int64(del, 1, b->replaced[i]);
		int rc = sqlite3_step(del);
		if (rc == SQLITE_DONE) { /* gone already: nothing of it is counted */
			sqlite3_reset(del);
			continue;
		}
		if (rc != SQLITE_ROW) {
			sqlite3_reset(del);
			return -1;
		}
		int64_t epoch = sqlite3_column_int64(del, 0);
		for (int k = 1; k < 8; k++)
			key[k] = sqlite3_column_int64(del, k);
		bool has_status = sqlite3_column_type(del, 8) != SQLITE_NULL;
		int8_t failed = sqlite3_column_type(del, 9) == SQLITE_NULL ? -1 : (int8_t)sqlite3_column_int(del, 9);
		bool is_error = event_is_error_values(failed, has_status, sqlite3_column_int64(del, 8));
		int64_t estimated = sqlite3_column_int64(del, 10);
		for (int k = 0; k < SUMS_HOURLY; k++) {
			v[k] = sqlite3_column_int64(del, 11 + k);
			if (sqlite3_column_type(del, 11 + k) != SQLITE_NULL)
				had |= 1u << k;
		}
		key[8] = sqlite3_column_int64(del, 16); /* service_tier */
		v[5] = sqlite3_column_int64(del, 17);   /* cache_write_1h_tokens */
		if (sqlite3_column_type(del, 17) != SQLITE_NULL)
			had |= 1u << 5;
		bool has_latency = sqlite3_column_type(del, 18) != SQLITE_NULL;
		int64_t latency = sqlite3_column_int64(del, 18);
		if (step_reset(del) < 0)
			return -1;

		key[0] = timefmt_day(epoch);
		if (has_latency && take_latency(st, key, latency) < 0)
			return -1;
		q = w->w[S_TAKE_DAILY];
		for (int k = 0; k < 8; k++)
			sqlite3_bind_int64(q, k + 1, key[k]);
		sqlite3_bind_int64(q, 9, is_error);
		sqlite3_bind_int64(q, 10, estimated);
		for (int k = 0; k < SUMS_HOURLY; k++)
			bind_opt(q, 11 + k, had & (1u << k), v[k]);
		sqlite3_bind_int64(q, 16, key[8]);
		bind_opt(q, 17, had & (1u << 5), v[5]);
		if (take_group(st, q, w->w[S_DROP_DAILY], "daily", key, 9, had, pruned_day) < 0)
			return -1;

		int64_t hkey[4] = { timefmt_hour(epoch), key[1], key[2], key[4] };
		q = w->w[S_TAKE_HOURLY];
		for (int k = 0; k < 4; k++)
			sqlite3_bind_int64(q, k + 1, hkey[k]);
		sqlite3_bind_int64(q, 5, is_error);
		for (int k = 0; k < SUMS_HOURLY; k++)
			bind_opt(q, 6 + k, had & (1u << k), v[k]);
		if (take_group(st, q, w->w[S_DROP_HOURLY], "hourly", hkey, 4, had, pruned_day) < 0)
			return -1;

		if (key[1]) {
			q = w->w[S_TAKE_CRED];
			sqlite3_bind_int64(q, 1, key[1]);
			sqlite3_bind_int64(q, 2, is_error);
			if (step_reset(q) < 0)
				return -1;
		}
		q = w->w[S_TAKE_FILE];
		sqlite3_bind_int64(q, 1, b->replaced[i] >> STORE_LINE_BITS);
		if (step_reset(q) < 0)
			return -1;
	}
	return 0;
}

static int write_dimensions(struct store_writer *w, struct batch *b)
{
	sqlite3_stmt *q = w->w[S_INSERT_DICT];
	for (size_t i = 0; i < b->n_new_dict; i++) {
		sqlite3_bind_int64(q, 1, b->new_dict[i].id);
		sqlite3_bind_text(q, 2, b->text.data + b->new_dict[i].off, (int)b->new_dict[i].len, SQLITE_STATIC);
		if (step_reset(q) < 0)
			return -1;
	}
	q = w->w[S_INSERT_CRED];
	for (size_t i = 0; i < b->n_new_cred; i++) {
		sqlite3_bind_int64(q, 1, b->new_cred[i].id);
		sqlite3_bind_text(q, 2, b->new_cred[i].fingerprint, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 3, b->text.data + b->new_cred[i].off, (int)b->new_cred[i].len, SQLITE_STATIC);
		if (step_reset(q) < 0)
			return -1;
	}
	return 0;
}

static int write_rejects(struct store_writer *w, struct batch *b)
{
	sqlite3_stmt *q = w->w[S_INSERT_REJECT];
	for (size_t i = 0; i < b->n_rejects; i++) {
		const struct batch_reject *r = &b->rejects[i];
		sqlite3_bind_int64(q, 1, r->file_id);
		sqlite3_bind_int64(q, 2, (int64_t)r->line);
		sqlite3_bind_text(q, 3, b->text.data + r->reason_off, (int)r->reason_len, SQLITE_STATIC);
		sqlite3_bind_text(q, 4, b->text.data + r->text_off, (int)r->text_len, SQLITE_STATIC);
		if (step_reset(q) < 0)
			return -1;
	}
	return 0;
}

/* The checkpoint of file F. */
static int write_checkpoint(sqlite3_stmt *q, const struct batch *b, const struct batch_file *f, int64_t now)
{
	sqlite3_bind_int64(q, 1, f->id);
	sqlite3_bind_int64(q, 2, (int64_t)f->offset);
	sqlite3_bind_int64(q, 3, (int64_t)f->lines);
	sqlite3_bind_int64(q, 4, f->events);
	sqlite3_bind_int64(q, 5, f->rejected);
	sqlite3_bind_int64(q, 6, f->skipped);
	sqlite3_bind_int64(q, 7, f->duplicates);
	if (f->format)
		sqlite3_bind_text(q, 8, f->format, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(q, 8);
	sqlite3_bind_int64(q, 9, now);
	if (f->tail_offset) {
		sqlite3_bind_int64(q, 10, (int64_t)f->tail_offset);
		sqlite3_bind_text(q, 11, f->tail_hash, -1, SQLITE_STATIC);
	} else {
		sqlite3_bind_null(q, 10);
		sqlite3_bind_null(q, 11);
	}
	sqlite3_bind_int(q, 12, f->set_failure);
	if (f->set_failure > 0) {
		sqlite3_bind_text(q, 13, b->text.data + f->failure_off, (int)f->failure_len, SQLITE_STATIC);
		sqlite3_bind_double(q, 14, f->failure_rate);
	} else {
		sqlite3_bind_null(q, 13);
		sqlite3_bind_null(q, 14);
	}
	return step_reset(q);
}

/* The files the batch records: new rows, new names and heads, checkpoints. */
static int write_files(struct store_writer *w, struct batch *b)
{
	int64_t now = (int64_t)time(NULL);
	for (size_t i = 0; i < b->n_files; i++) {
		const struct batch_file *f = &b->files[i];
		sqlite3_stmt *q;
		if (f->is_new || f->is_claimed) {
			q = w->w[f->is_new ? S_INSERT_FILE : S_CLAIM_FILE];
			sqlite3_bind_int64(q, 1, f->id);
			if (f->is_new) {
				sqlite3_bind_text(q, 2, f->fingerprint, -1, SQLITE_STATIC);
				sqlite3_bind_int64(q, 3, (int64_t)f->head_len);
				sqlite3_bind_text(q, 4, b->text.data + f->name_off, (int)f->name_len, SQLITE_STATIC);
			} else {
				sqlite3_bind_text(q, 2, b->text.data + f->name_off, (int)f->name_len, SQLITE_STATIC);
				sqlite3_bind_int64(q, 3, (int64_t)f->head_len);
				sqlite3_bind_text(q, 4, f->fingerprint, -1, SQLITE_STATIC);
			}
			if (step_reset(q) < 0)
				return -1;
		}
		if (f->has_checkpoint && write_checkpoint(w->w[S_UPDATE_FILE], b, f, now) < 0)
			return -1;
		if (!f->has_checkpoint && (f->events || f->duplicates)) {
			q = w->w[S_FILE_COUNTS];
			sqlite3_bind_int64(q, 1, f->id);
			sqlite3_bind_int64(q, 2, f->events);
			sqlite3_bind_int64(q, 3, f->duplicates);
			if (step_reset(q) < 0)
				return -1;
		}
	}
	return 0;
}

int store_write_batch(struct store *st, struct batch *b, struct buf *err)
{
	struct store_writer *w;
	if (prepare_writer(st, err) < 0)
		return -1;
	w = st->writer;
	if (store_exec(st->path, st->db, "BEGIN IMMEDIATE", err) < 0)
		return -1;
	batch_aggregate_pending(b);
	if (write_dimensions(w, b) < 0 || write_rows(w, b) < 0 || write_aggregates(w, b) < 0 ||
	    write_replaced(st, w, b) < 0 || write_rejects(w, b) < 0 || write_files(w, b) < 0) {
		store_sql_error(st->path, st->db, err, "cannot write a batch");
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return store_exec(st->path, st->db, "COMMIT", err);
}
