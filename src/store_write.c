/*
 * The commit of a batch: dictionary entries, raw events, aggregates, credential state,
 * rejects and the file checkpoint in one transaction on the writer. See store_write.h.
 */
#include "store_write.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store_int.h"

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
	S_INSERT_SEEN,
	S_N
};

static const char *const writer_sql[S_N] = {
	/* One statement appends the whole batch: see the batch virtual table below. */
	[S_INSERT_EVENT] = "INSERT INTO event SELECT id, epoch, token, user, endpoint, method, status, model, "
			   "provider, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, "
			   "total_tokens, latency_ms, bytes, rl_remaining, rl_limit, rl_reset, request_id, "
			   "operation, project, session, error, failed, estimated FROM temp.tokstat_batch",
	/* Sums merge with NULL meaning "no event logged it": coalesce(a + b, a, b). */
	/* Latency (sql/migrate/009-latency.sql): stored NULLs mean "not known" and stay NULL. */
	[S_UPSERT_DAILY] =
		"INSERT INTO daily(day, token, user, endpoint, model, provider, operation, project, requests, errors, "
		"input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, total_tokens, estimated, "
		"latency_n, latency_sum, latency_max, "
		"latency_b00, latency_b01, latency_b02, latency_b03, latency_b04, latency_b05, latency_b06, "
		"latency_b07, latency_b08, latency_b09, latency_b10, latency_b11, latency_b12, latency_b13, "
		"latency_b14, latency_b15, latency_b16, latency_b17, latency_b18, latency_b19"
		") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
		"ON CONFLICT DO UPDATE SET requests = requests + excluded.requests, "
		"errors = errors + excluded.errors, estimated = estimated + excluded.estimated, "
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
	[S_INSERT_SEEN] = "INSERT INTO seen(key) SELECT dedup FROM temp.tokstat_batch WHERE dedup IS NOT NULL",
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
	BC_ERROR, BC_FAILED, BC_ESTIMATED, BC_DEDUP
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
					  "operation, project, session, error, failed, estimated, dedup)");
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

static int batch_filter(sqlite3_vtab_cursor *c, int idx, const char *idx_str, int argc, sqlite3_value **argv)
{
	(void)idx, (void)idx_str, (void)argc, (void)argv;
	((struct batch_cursor *)c)->i = 0;
	return SQLITE_OK;
}

static const struct batch *cursor_batch(sqlite3_vtab_cursor *c)
{
	return ((struct batch_vtab *)c->pVtab)->w->batch;
}

static int batch_next(sqlite3_vtab_cursor *c)
{
	((struct batch_cursor *)c)->i++;
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
	};
	static const enum batch_dim dims[] = {
		[BC_TOKEN] = BATCH_DIM_TOKEN, [BC_USER] = BATCH_DIM_USER, [BC_ENDPOINT] = BATCH_DIM_ENDPOINT,
		[BC_METHOD] = BATCH_DIM_METHOD, [BC_MODEL] = BATCH_DIM_MODEL, [BC_PROVIDER] = BATCH_DIM_PROVIDER,
		[BC_OPERATION] = BATCH_DIM_OPERATION, [BC_PROJECT] = BATCH_DIM_PROJECT, [BC_SESSION] = BATCH_DIM_SESSION,
	};
	switch (col) {
	case BC_ID:
		sqlite3_result_int64(ctx, r->id);
		break;
	case BC_EPOCH:
		sqlite3_result_int64(ctx, r->epoch);
		break;
	case BC_TOKEN: case BC_USER: case BC_ENDPOINT: case BC_METHOD: case BC_MODEL: case BC_PROVIDER:
	case BC_OPERATION: case BC_PROJECT: case BC_SESSION:
		result_opt(ctx, r->dim[dims[col]] != 0, r->dim[dims[col]]);
		break;
	case BC_STATUS: case BC_INPUT: case BC_OUTPUT: case BC_CACHE_READ: case BC_CACHE_WRITE: case BC_TOTAL:
	case BC_LATENCY: case BC_BYTES: case BC_RL_REMAINING: case BC_RL_LIMIT: case BC_RL_RESET:
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
	if (rc == 0 && b->nrows && step_reset(w->w[S_INSERT_SEEN]) < 0)
		rc = -1;
	w->batch = NULL;
	return rc;
}

static void bind_sums(sqlite3_stmt *q, int col, const struct batch_sums *s, bool with_estimated)
{
	sqlite3_bind_int64(q, col, s->requests);
	sqlite3_bind_int64(q, col + 1, s->errors);
	for (int i = 0; i < 5; i++)
		bind_opt(q, col + 2 + i, s->tokens_set & (1u << i), s->tokens[i]);
	if (with_estimated)
		sqlite3_bind_int64(q, col + 7, s->estimated);
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
		for (int k = 0; k < 8; k++)
			sqlite3_bind_int64(q, k + 1, b->daily[i].key[k]);
		bind_sums(q, 9, &b->daily[i].s, true);
		bind_latency(q, 17, &b->daily[i].lat);
		if (step_reset(q) < 0)
			return -1;
	}
	q = w->w[S_UPSERT_HOURLY];
	for (size_t i = 0; i < b->n_hourly; i++) {
		for (int k = 0; k < 4; k++)
			sqlite3_bind_int64(q, k + 1, b->hourly[i].key[k]);
		bind_sums(q, 5, &b->hourly[i].s, false);
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
	if (write_dimensions(w, b) < 0 || write_rows(w, b) < 0 || write_aggregates(w, b) < 0 ||
	    write_rejects(w, b) < 0 || write_files(w, b) < 0) {
		store_sql_error(st->path, st->db, err, "cannot write a batch");
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return store_exec(st->path, st->db, "COMMIT", err);
}
