/* The SQLite store: schema, batches in one transaction, file identity, verify. See store.h. */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "embedded.h"
#include "source.h"
#include "timefmt.h"

enum {
	S_INSERT_EVENT,
	S_UPSERT_DAILY,
	S_UPSERT_HOURLY,
	S_INSERT_DICT,
	S_INSERT_CRED,
	S_UPDATE_CRED,
	S_INSERT_REJECT,
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
	[S_UPSERT_DAILY] =
		"INSERT INTO daily VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
		"ON CONFLICT DO UPDATE SET requests = requests + excluded.requests, "
		"errors = errors + excluded.errors, estimated = estimated + excluded.estimated, "
		"input_tokens = coalesce(input_tokens + excluded.input_tokens, input_tokens, excluded.input_tokens), "
		"output_tokens = coalesce(output_tokens + excluded.output_tokens, output_tokens, excluded.output_tokens), "
		"cache_read_tokens = coalesce(cache_read_tokens + excluded.cache_read_tokens, cache_read_tokens, excluded.cache_read_tokens), "
		"cache_write_tokens = coalesce(cache_write_tokens + excluded.cache_write_tokens, cache_write_tokens, excluded.cache_write_tokens), "
		"total_tokens = coalesce(total_tokens + excluded.total_tokens, total_tokens, excluded.total_tokens)",
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
	[S_UPDATE_FILE] =
		"UPDATE file SET bytes = ?2, lines = ?3, events = events + ?4, rejected = rejected + ?5, "
		"skipped = skipped + ?6, duplicates = duplicates + ?7, format = coalesce(?8, format), "
		"last_ingested = ?9, tail_offset = coalesce(?10, tail_offset), "
		"tail_hash = CASE WHEN ?10 IS NULL THEN tail_hash ELSE ?11 END WHERE id = ?1",
	[S_INSERT_SEEN] = "INSERT INTO seen(key) SELECT dedup FROM temp.tokstat_batch WHERE dedup IS NOT NULL",
};

struct store {
	char *path;
	sqlite3 *db;  /* the writer */
	sqlite3 *rdb; /* the producer's lookups (read only, opened on first use) */
	sqlite3_stmt *w[S_N];
	sqlite3_stmt *dict_find, *cred_find, *seen_find;
	int lock_fd;
	unsigned char cred_key[CREDENTIAL_KEY_BYTES];
	const struct store_batch *batch; /* what tokstat_batch shows while a batch is written */
};

static int sql_error(struct store *st, sqlite3 *db, struct buf *err, const char *what)
{
	buf_printf(err, "%s: %s: %s", st->path, what, sqlite3_errmsg(db));
	return -1;
}

static int exec(struct store *st, const char *sql, struct buf *err)
{
	char *msg = NULL;
	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		buf_printf(err, "%s: %s", st->path, msg ? msg : "SQL error");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int meta_get_blob(struct store *st, const char *key, void *out, size_t n)
{
	sqlite3_stmt *q;
	int rc = -1;
	if (sqlite3_prepare_v2(st->db, "SELECT value FROM meta WHERE key = ?", -1, &q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW && (size_t)sqlite3_column_bytes(q, 0) == n) {
		memcpy(out, sqlite3_column_blob(q, 0), n);
		rc = 0;
	}
	sqlite3_finalize(q);
	return rc;
}

static int meta_set_blob(struct store *st, const char *key, const void *p, size_t n)
{
	sqlite3_stmt *q;
	int rc;
	if (sqlite3_prepare_v2(st->db, "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", -1, &q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_blob(q, 2, p, (int)n, SQLITE_STATIC);
	rc = sqlite3_step(q) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(q);
	return rc;
}

/*
 * Does meta KEY hold the hash of embedded file F, i.e. was F run on this database as it is in
 * this binary? HASH gets F's hash, to store once F has run.
 */
static bool is_current(struct store *st, const char *key, const struct embedded_file *f, unsigned char hash[16])
{
	unsigned char stored[16];
	crypto_generichash(hash, 16, (const unsigned char *)f->data, f->size, NULL, 0);
	return meta_get_blob(st, key, stored, sizeof(stored)) == 0 && memcmp(stored, hash, 16) == 0;
}

/* Create the schema on a new database; refuse one made by a newer tokstat. */
static int migrate(struct store *st, struct buf *err)
{
	sqlite3_stmt *q;
	int version = 0;
	const struct embedded_file *schema = embedded_find("sql/schema.sql");
	const struct embedded_file *views = embedded_find("sql/views.sql");
	const struct embedded_file *pricing = embedded_find("sql/pricing.sql");
	unsigned char views_hash[16], pricing_hash[16];
	int has_price = 0;

	if (exec(st, "BEGIN IMMEDIATE", err) < 0)
		return -1;
	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &q, NULL) != SQLITE_OK)
		goto sql_fail;
	if (sqlite3_step(q) == SQLITE_ROW)
		version = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	if (version > STORE_SCHEMA_VERSION) {
		buf_printf(err, "%s: made by a newer tokstat (schema %d; this one knows %d)", st->path,
			   version, STORE_SCHEMA_VERSION);
		goto fail;
	}
	if (version == 1) { /* version 2 added the file's tail check */
		if (exec(st, "ALTER TABLE file ADD COLUMN tail_offset INTEGER; "
			     "ALTER TABLE file ADD COLUMN tail_hash TEXT; PRAGMA user_version = 2", err) < 0)
			goto fail;
	}
	if (version == 0) {
		if (exec(st, schema->data, err) < 0)
			goto fail;
		randombytes_buf(st->cred_key, sizeof(st->cred_key));
		if (meta_set_blob(st, "credential_key", st->cred_key, sizeof(st->cred_key)) < 0)
			goto sql_fail;
		char pragma[64];
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", STORE_SCHEMA_VERSION);
		if (exec(st, pragma, err) < 0)
			goto fail;
	}
	/* The price table exists in every database, old ones too, without a schema version: its
	 * file is CREATE TABLE IF NOT EXISTS plus INSERT OR IGNORE seeds, so running it again keeps
	 * the prices a user imported or changed. It runs when it changed (new seeds) or the table
	 * is missing, and before the views, which read it. */
	if (sqlite3_prepare_v2(st->db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'price'",
			       -1, &q, NULL) != SQLITE_OK)
		goto sql_fail;
	if (sqlite3_step(q) == SQLITE_ROW)
		has_price = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	if (!is_current(st, "pricing_hash", pricing, pricing_hash) || !has_price) {
		if (exec(st, pricing->data, err) < 0)
			goto fail;
		if (meta_set_blob(st, "pricing_hash", pricing_hash, sizeof(pricing_hash)) < 0)
			goto sql_fail;
	}
	/* Views follow the binary: recreate them when sql/views.sql changed. */
	if (!is_current(st, "views_hash", views, views_hash)) {
		if (exec(st, views->data, err) < 0)
			goto fail;
		if (meta_set_blob(st, "views_hash", views_hash, sizeof(views_hash)) < 0)
			goto sql_fail;
	}
	return exec(st, "COMMIT", err);
sql_fail:
	sql_error(st, st->db, err, "cannot create the schema");
fail:
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/*
 * A database opened read-only keeps the views of the tokstat that last wrote it. When they
 * are not this binary's, this binary's views go into the connection's temp schema, which
 * SQLite searches first, so reading commands see the columns they expect. 0, or -1 with ERR.
 */
static int temp_views(struct store *st, struct buf *err)
{
	const struct embedded_file *views = embedded_find("sql/views.sql");
	unsigned char views_hash[16];
	struct buf sql = BUF_INIT;
	int rc = 0;

	if (is_current(st, "views_hash", views, views_hash))
		return 0;
	for (const char *p = views->data, *end = p + views->size; p < end;) {
		static const char *const from[] = { "DROP VIEW IF EXISTS ", "CREATE VIEW " };
		static const char *const to[] = { "DROP VIEW IF EXISTS temp.", "CREATE TEMP VIEW " };
		const char *next = end;
		int which = -1;
		for (int i = 0; i < 2; i++) {
			const char *hit = strstr(p, from[i]);
			if (hit && hit < next) {
				next = hit;
				which = i;
			}
		}
		buf_add(&sql, p, (size_t)(next - p));
		if (which < 0)
			break;
		buf_adds(&sql, to[which]);
		p = next + strlen(from[which]);
	}
	if (exec(st, buf_str(&sql), err) < 0) {
		buf_printf(err, " (the database was written by another tokstat: any writing command, such as "
			   "'tokstat pricing list', updates it)");
		rc = -1;
	}
	buf_free(&sql);
	return rc;
}

void store_library_init(void)
{
	/* SQLite's allocation statistics take a global mutex on every malloc: off. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int store_open(struct store **out, const char *path, enum store_mode mode, struct buf *err)
{
	struct store *st = xcalloc(1, sizeof(*st));
	int flags = mode == STORE_READ_ONLY ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	int rc = -1;

	st->path = xstrdup(path);
	st->lock_fd = -1;
	if (mode == STORE_READ_ONLY && access(path, F_OK) != 0) {
		buf_printf(err, "%s: no such database (run 'tokstat ingest' first)", path);
		goto out;
	}
	/* No per-call mutex: the writer thread and the producer never use one connection at
	 * the same time (the producer touches it only after pipeline_drain). */
	if (sqlite3_open_v2(path, &st->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		sql_error(st, st->db, err, "cannot open database");
		goto out;
	}
	sqlite3_busy_timeout(st->db, 60000);
	sqlite3_extended_result_codes(st->db, 1);
	if (mode == STORE_READ_WRITE) {
		/* WAL: readers never block the writer. NORMAL sync is durable across a killed
		 * process (the WAL is in the OS cache); only power loss can lose the last commits. */
if (exec(st, "PRAGMA journal_mode = WAL; "
			     "PRAGMA temp_store = MEMORY; PRAGMA cache_size = -16384; ", err) < 0)
			goto out;
		if (migrate(st, err) < 0)
			goto out;
		if (meta_get_blob(st, "credential_key", st->cred_key, sizeof(st->cred_key)) < 0) {
			buf_printf(err, "%s: the credential key is missing from meta", path);
			goto out;
		}
	} else {
		sqlite3_stmt *q;
		int version = 0;
		if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &q, NULL) != SQLITE_OK) {
			sql_error(st, st->db, err, "not a tokstat database");
			goto out;
		}
		if (sqlite3_step(q) == SQLITE_ROW)
			version = sqlite3_column_int(q, 0);
		sqlite3_finalize(q);
		if (version == 0) {
			buf_printf(err, "%s: not a tokstat database", path);
			goto out;
		}
		if (temp_views(st, err) < 0)
			goto out;
	}
	rc = 0;
out:
	if (rc < 0) {
		store_close(st);
		st = NULL;
	}
	*out = st;
	return rc;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	for (int i = 0; i < S_N; i++)
		sqlite3_finalize(st->w[i]);
	sqlite3_finalize(st->dict_find);
	sqlite3_finalize(st->cred_find);
	sqlite3_finalize(st->seen_find);
	sqlite3_close(st->rdb);
	sqlite3_close(st->db);
	/* Only now: closing any descriptor of the file drops SQLite's POSIX locks on it. */
	if (st->lock_fd >= 0)
		close(st->lock_fd);
	sodium_memzero(st->cred_key, sizeof(st->cred_key));
	free(st->path);
	free(st);
}

sqlite3 *store_db(struct store *st)
{
	return st->db;
}

const char *store_path(const struct store *st)
{
	return st->path;
}

const unsigned char *store_credential_key(const struct store *st)
{
	return st->cred_key;
}

int store_lock_ingest(struct store *st, bool wait, bool quiet, struct buf *err)
{
	/* flock() locks are separate from the POSIX locks SQLite takes, so they do not interfere. */
	st->lock_fd = open(st->path, O_RDONLY | O_CLOEXEC);
	if (st->lock_fd < 0) {
		buf_printf(err, "%s: cannot open for locking: %s", st->path, strerror(errno));
		return -1;
	}
	if (flock(st->lock_fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	if (errno != EWOULDBLOCK) {
		buf_printf(err, "%s: cannot lock: %s", st->path, strerror(errno));
		return -1;
	}
	if (!wait) {
		buf_printf(err, "%s: busy: another tokstat ingest is writing to it", st->path);
		return -1;
	}
	if (!quiet)
		fprintf(stderr, "tokstat: %s: another ingest is running; waiting for it to finish\n", st->path);
	while (flock(st->lock_fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			buf_printf(err, "%s: cannot lock: %s", st->path, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* ---- the producer's read connection ---- */

static int reader(struct store *st)
{
	if (st->rdb)
		return 0;
	if (sqlite3_open_v2(st->path, &st->rdb, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		return -1;
	sqlite3_busy_timeout(st->rdb, 60000);
	if (sqlite3_prepare_v2(st->rdb, "SELECT id FROM dict WHERE value = ?", -1, &st->dict_find, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->rdb, "SELECT id FROM credential WHERE fingerprint = ?", -1, &st->cred_find, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->rdb, "SELECT 1 FROM seen WHERE key = ?", -1, &st->seen_find, NULL) != SQLITE_OK)
		return -1;
	return 0;
}

static int scalar_pair(sqlite3 *db, const char *sql, int64_t *a, int64_t *b)
{
	sqlite3_stmt *q;
	int rc = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(q) == SQLITE_ROW) {
		*a = sqlite3_column_int64(q, 0);
		if (b)
			*b = sqlite3_column_int64(q, 1);
		rc = 0;
	}
	sqlite3_finalize(q);
	return rc;
}

int store_dict_max_id(struct store *st, int64_t *max_id, int64_t *count)
{
	return scalar_pair(st->db, "SELECT coalesce(max(id), 0), count(*) FROM dict", max_id, count);
}

int store_seen_any(struct store *st, int64_t *any)
{
	return scalar_pair(st->db, "SELECT EXISTS (SELECT 1 FROM seen)", any, NULL);
}

int store_dict_bytes(struct store *st, int64_t *bytes)
{
	return scalar_pair(st->db, "SELECT coalesce(sum(length(CAST(value AS BLOB))), 0) FROM dict", bytes, NULL);
}

int store_cred_max_id(struct store *st, int64_t *max_id)
{
	return scalar_pair(st->db, "SELECT coalesce(max(id), 0) FROM credential", max_id, NULL);
}

int store_dict_load(struct store *st, void (*add)(void *ctx, const char *p, size_t n, int64_t id), void *ctx)
{
	sqlite3_stmt *q;
	int rc;
	if (sqlite3_prepare_v2(st->db, "SELECT id, value FROM dict", -1, &q, NULL) != SQLITE_OK)
		return -1;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		add(ctx, (const char *)sqlite3_column_text(q, 1), (size_t)sqlite3_column_bytes(q, 1),
		    sqlite3_column_int64(q, 0));
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int find_id(sqlite3_stmt *q, int64_t *id)
{
	int rc = sqlite3_step(q);
	int ret = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
	if (ret == 1)
		*id = sqlite3_column_int64(q, 0);
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	return ret;
}

int store_dict_find(struct store *st, const char *p, size_t n, int64_t *id)
{
	if (reader(st) < 0)
		return -1;
	sqlite3_bind_text(st->dict_find, 1, p, (int)n, SQLITE_STATIC);
	return find_id(st->dict_find, id);
}

int store_cred_find(struct store *st, const char *fingerprint, int64_t *id)
{
	if (reader(st) < 0)
		return -1;
	sqlite3_bind_text(st->cred_find, 1, fingerprint, -1, SQLITE_STATIC);
	return find_id(st->cred_find, id);
}

int store_seen(struct store *st, const unsigned char key[16])
{
	int64_t one;
	if (reader(st) < 0)
		return -1;
	sqlite3_bind_blob(st->seen_find, 1, key, 16, SQLITE_STATIC);
	return find_id(st->seen_find, &one);
}

/* ---- files ---- */

int store_file_candidates(struct store *st, const char *head, size_t head_n, struct store_file **list,
			  size_t *n, struct buf *err)
{
	sqlite3_stmt *q = NULL;
	char fp[33], cand[33];
	int step;

	*list = NULL;
	*n = 0;
	source_fingerprint(head, head_n, fp);
	/* The same first bytes, or a file that was shorter then and has grown since: its whole
	 * content at the time must be a prefix of what we see now. */
	if (sqlite3_prepare_v2(st->db,
			       "SELECT id, head_len, fingerprint, bytes, lines, rejected, tail_offset, tail_hash "
			       "FROM file WHERE (head_len = ?1 AND fingerprint = ?2) OR head_len < ?1 "
			       "ORDER BY head_len DESC, id", -1, &q, NULL) != SQLITE_OK)
		return sql_error(st, st->db, err, "cannot look up the file");
	sqlite3_bind_int64(q, 1, (int64_t)head_n);
	sqlite3_bind_text(q, 2, fp, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		size_t len = (size_t)sqlite3_column_int64(q, 1);
		if (len == 0 && head_n > 0)
			continue; /* an empty file is a prefix of everything: never a match */
		source_fingerprint(head, len, cand);
		if (strcmp(cand, (const char *)sqlite3_column_text(q, 2)) != 0)
			continue;
		*list = xrealloc(*list, (*n + 1) * sizeof(**list));
		struct store_file *f = &(*list)[(*n)++];
		memset(f, 0, sizeof(*f));
		f->id = sqlite3_column_int64(q, 0);
		f->bytes = (uint64_t)sqlite3_column_int64(q, 3);
		f->lines = (uint64_t)sqlite3_column_int64(q, 4);
		f->rejected = sqlite3_column_int64(q, 5);
		if (sqlite3_column_type(q, 7) == SQLITE_TEXT) {
			f->tail_offset = (uint64_t)sqlite3_column_int64(q, 6);
			snprintf(f->tail_hash, sizeof(f->tail_hash), "%s", (const char *)sqlite3_column_text(q, 7));
		}
	}
	sqlite3_finalize(q);
	if (step != SQLITE_DONE) {
		free(*list);
		*list = NULL;
		*n = 0;
		return sql_error(st, st->db, err, "cannot look up the file");
	}
	return 0;
}

int store_file_claim(struct store *st, const struct store_file *f, const char *name, const char *head,
		     size_t head_n, struct buf *err)
{
	sqlite3_stmt *q;
	char fp[33];
	int rc;
	source_fingerprint(head, head_n, fp);
	if (sqlite3_prepare_v2(st->db, "UPDATE file SET name = ?2, head_len = max(head_len, ?3), "
				       "fingerprint = CASE WHEN ?3 > head_len THEN ?4 ELSE fingerprint END "
				       "WHERE id = ?1", -1, &q, NULL) != SQLITE_OK)
		return sql_error(st, st->db, err, "cannot record the file");
	sqlite3_bind_int64(q, 1, f->id);
	sqlite3_bind_text(q, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, (int64_t)head_n);
	sqlite3_bind_text(q, 4, fp, -1, SQLITE_STATIC);
	rc = sqlite3_step(q) == SQLITE_DONE ? 0 : sql_error(st, st->db, err, "cannot record the file");
	sqlite3_finalize(q);
	return rc;
}

int store_file_create(struct store *st, const char *name, const char *head, size_t head_n,
		      struct store_file *f, struct buf *err)
{
	sqlite3_stmt *q;
	char fp[33];
	int rc = -1;
	memset(f, 0, sizeof(*f));
	f->is_new = true;
	source_fingerprint(head, head_n, fp);
	if (sqlite3_prepare_v2(st->db, "INSERT INTO file(fingerprint, head_len, name) VALUES (?, ?, ?)", -1, &q,
			       NULL) != SQLITE_OK)
		return sql_error(st, st->db, err, "cannot record the file");
	sqlite3_bind_text(q, 1, fp, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, (int64_t)head_n);
	sqlite3_bind_text(q, 3, name, -1, SQLITE_STATIC);
	if (sqlite3_step(q) != SQLITE_DONE) {
		sql_error(st, st->db, err, "cannot record the file");
		goto out;
	}
	f->id = sqlite3_last_insert_rowid(st->db);
	if (f->id >= ((int64_t)1 << (63 - STORE_LINE_BITS))) {
		buf_printf(err, "%s: too many files for one database", st->path);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(q);
	return rc;
}

int store_file_format(struct store *st, int64_t file_id, char **name)
{
	sqlite3_stmt *q;
	*name = NULL;
	if (sqlite3_prepare_v2(st->db, "SELECT format FROM file WHERE id = ?", -1, &q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(q, 1, file_id);
	if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_type(q, 0) == SQLITE_TEXT)
		*name = xstrdup((const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	return 0;
}

/* ---- batches ---- */

void store_batch_init(struct store_batch *b)
{
	memset(b, 0, sizeof(*b));
	hashmap_init(&b->daily_map);
	hashmap_init(&b->hourly_map);
	hashmap_init(&b->cred_map);
}

void store_batch_reset(struct store_batch *b)
{
	b->nrows = b->n_new_dict = b->n_new_cred = b->n_daily = b->n_hourly = b->n_cred = b->n_rejects = 0;
	buf_reset(&b->text);
	hashmap_clear(&b->daily_map);
	hashmap_clear(&b->hourly_map);
	hashmap_clear(&b->cred_map);
	b->events = b->rejected = b->skipped = b->duplicates = 0;
	b->tail_offset = 0;
	b->is_checkpoint = false;
	b->format = NULL;
}

void store_batch_free(struct store_batch *b)
{
	free(b->rows);
	buf_free(&b->text);
	free(b->new_dict);
	free(b->new_cred);
	hashmap_free(&b->daily_map);
	hashmap_free(&b->hourly_map);
	hashmap_free(&b->cred_map);
	free(b->daily);
	free(b->hourly);
	free(b->cred);
	free(b->rejects);
	memset(b, 0, sizeof(*b));
}

#define GROW(arr, n, cap) do { \
	if ((n) == (cap)) { \
		(cap) = (cap) ? (cap) * 2 : 256; \
		(arr) = xrealloc((arr), (cap) * sizeof(*(arr))); \
	} \
} while (0)

struct store_row *store_batch_add_row(struct store_batch *b)
{
	GROW(b->rows, b->nrows, b->rows_cap);
	struct store_row *r = &b->rows[b->nrows++];
	memset(r, 0, sizeof(*r));
	return r;
}

uint32_t store_batch_text(struct store_batch *b, const char *p, size_t n)
{
	uint32_t off = (uint32_t)b->text.len;
	buf_add(&b->text, p, n);
	return off;
}

void store_batch_add_value(struct store_batch *b, int64_t id, const char *p, size_t n)
{
	GROW(b->new_dict, b->n_new_dict, b->new_dict_cap);
	struct store_new_text *t = &b->new_dict[b->n_new_dict++];
	t->id = id;
	t->off = store_batch_text(b, p, n);
	t->len = (uint32_t)n;
}

void store_batch_add_credential(struct store_batch *b, int64_t id, const char *fingerprint, const char *display,
				size_t n)
{
	GROW(b->new_cred, b->n_new_cred, b->new_cred_cap);
	struct store_new_text *t = &b->new_cred[b->n_new_cred++];
	t->id = id;
	t->off = store_batch_text(b, display, n);
	t->len = (uint32_t)n;
	snprintf(t->fingerprint, sizeof(t->fingerprint), "%s", fingerprint);
}

void store_batch_add_reject(struct store_batch *b, uint64_t line, const char *reason, size_t reason_n,
			    const char *text, size_t text_n)
{
	GROW(b->rejects, b->n_rejects, b->rejects_cap);
	struct store_reject *r = &b->rejects[b->n_rejects++];
	r->line = line;
	r->reason_off = store_batch_text(b, reason, reason_n);
	r->reason_len = (uint32_t)reason_n;
	r->text_off = store_batch_text(b, text, text_n);
	r->text_len = (uint32_t)text_n;
}

static void sums_add(struct store_sums *s, const struct store_row *r, bool is_error)
{
	static const enum event_num kinds[5] = { EV_INPUT_TOKENS, EV_OUTPUT_TOKENS, EV_CACHE_READ_TOKENS,
						 EV_CACHE_WRITE_TOKENS, EV_TOTAL_TOKENS };
	s->requests++;
	s->errors += is_error;
	s->estimated += r->estimated;
	for (int i = 0; i < 5; i++)
		if (r->num_set & (1u << kinds[i])) {
			s->tokens[i] += r->num[kinds[i]];
			s->tokens_set |= (uint8_t)(1u << i);
		}
}

void store_batch_aggregate(struct store_batch *b, const struct store_row *r)
{
	bool is_new;
	bool has_status = r->num_set & (1u << EV_STATUS);
	bool is_error = r->failed == 1 || (has_status && r->num[EV_STATUS] >= 400);
	int64_t day = timefmt_day(r->epoch), hour = timefmt_hour(r->epoch);

	int64_t dkey[8] = { day, r->dim[STORE_DIM_TOKEN], r->dim[STORE_DIM_USER], r->dim[STORE_DIM_ENDPOINT],
			    r->dim[STORE_DIM_MODEL], r->dim[STORE_DIM_PROVIDER], r->dim[STORE_DIM_OPERATION],
			    r->dim[STORE_DIM_PROJECT] };
	uint64_t *slot = hashmap_put(&b->daily_map, dkey, sizeof(dkey), &is_new);
	if (is_new) {
		GROW(b->daily, b->n_daily, b->daily_cap);
		memset(&b->daily[b->n_daily], 0, sizeof(b->daily[0]));
		memcpy(b->daily[b->n_daily].key, dkey, sizeof(dkey));
		*slot = b->n_daily++;
	}
	sums_add(&b->daily[*slot].s, r, is_error);

	int64_t hkey[4] = { hour, r->dim[STORE_DIM_TOKEN], r->dim[STORE_DIM_USER], r->dim[STORE_DIM_MODEL] };
	slot = hashmap_put(&b->hourly_map, hkey, sizeof(hkey), &is_new);
	if (is_new) {
		GROW(b->hourly, b->n_hourly, b->hourly_cap);
		memset(&b->hourly[b->n_hourly], 0, sizeof(b->hourly[0]));
		memcpy(b->hourly[b->n_hourly].key, hkey, sizeof(hkey));
		*slot = b->n_hourly++;
	}
	sums_add(&b->hourly[*slot].s, r, is_error);

	int64_t tok = r->dim[STORE_DIM_TOKEN];
	if (!tok)
		return;
	slot = hashmap_put(&b->cred_map, &tok, sizeof(tok), &is_new);
	if (is_new) {
		GROW(b->cred, b->n_cred, b->cred_cap);
		struct store_cred *c = &b->cred[b->n_cred];
		memset(c, 0, sizeof(*c));
		c->id = tok;
		c->first_seen = c->last_seen = r->epoch;
		c->last_status_at = c->rl_at = c->last_429_at = -1;
		*slot = b->n_cred++;
	}
	struct store_cred *c = &b->cred[*slot];
	if (r->epoch < c->first_seen)
		c->first_seen = r->epoch;
	if (r->epoch > c->last_seen)
		c->last_seen = r->epoch;
	c->requests++;
	c->errors += is_error;
	if (has_status) {
		if (c->last_status_at < 0 || r->epoch >= c->last_status_at) {
			c->last_status = r->num[EV_STATUS];
			c->last_status_at = r->epoch;
		}
		if (r->num[EV_STATUS] == 429 && r->epoch > c->last_429_at)
			c->last_429_at = r->epoch;
	}
	if ((r->num_set & (1u << EV_RL_REMAINING)) && (c->rl_at < 0 || r->epoch >= c->rl_at)) {
		c->rl_at = r->epoch;
		c->rl_remaining = r->num[EV_RL_REMAINING];
		c->rl_limit = r->num[EV_RL_LIMIT];
		c->rl_reset = r->num[EV_RL_RESET];
		c->rl_set = (uint8_t)(((r->num_set >> EV_RL_LIMIT) & 1) | (((r->num_set >> EV_RL_RESET) & 1) << 1));
	}
}

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
	struct store *st;
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
	v->st = aux;
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

static const struct store_batch *cursor_batch(sqlite3_vtab_cursor *c)
{
	return ((struct batch_vtab *)c->pVtab)->st->batch;
}

static int batch_next(sqlite3_vtab_cursor *c)
{
	((struct batch_cursor *)c)->i++;
	return SQLITE_OK;
}

static int batch_eof(sqlite3_vtab_cursor *c)
{
	const struct store_batch *b = cursor_batch(c);
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
	const struct store_batch *b = cursor_batch(c);
	const struct store_row *r = &b->rows[((struct batch_cursor *)c)->i];
	static const enum event_num nums[] = {
		[BC_STATUS] = EV_STATUS, [BC_INPUT] = EV_INPUT_TOKENS, [BC_OUTPUT] = EV_OUTPUT_TOKENS,
		[BC_CACHE_READ] = EV_CACHE_READ_TOKENS, [BC_CACHE_WRITE] = EV_CACHE_WRITE_TOKENS,
		[BC_TOTAL] = EV_TOTAL_TOKENS, [BC_LATENCY] = EV_LATENCY_MS, [BC_BYTES] = EV_BYTES,
		[BC_RL_REMAINING] = EV_RL_REMAINING, [BC_RL_LIMIT] = EV_RL_LIMIT, [BC_RL_RESET] = EV_RL_RESET,
	};
	static const enum store_dim dims[] = {
		[BC_TOKEN] = STORE_DIM_TOKEN, [BC_USER] = STORE_DIM_USER, [BC_ENDPOINT] = STORE_DIM_ENDPOINT,
		[BC_METHOD] = STORE_DIM_METHOD, [BC_MODEL] = STORE_DIM_MODEL, [BC_PROVIDER] = STORE_DIM_PROVIDER,
		[BC_OPERATION] = STORE_DIM_OPERATION, [BC_PROJECT] = STORE_DIM_PROJECT, [BC_SESSION] = STORE_DIM_SESSION,
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

static int prepare_writer(struct store *st, struct buf *err)
{
	if (!st->w[0] && sqlite3_create_module(st->db, "tokstat_batch", &batch_module, st) != SQLITE_OK)
		return sql_error(st, st->db, err, "cannot register the batch table");
	for (int i = 0; i < S_N; i++) {
		if (st->w[i])
			continue;
		if (sqlite3_prepare_v3(st->db, writer_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &st->w[i], NULL) != SQLITE_OK)
			return sql_error(st, st->db, err, "cannot prepare");
	}
	return 0;
}

static int write_rows(struct store *st, struct store_batch *b)
{
	int rc = 0;
	st->batch = b;
	if (b->nrows && step_reset(st->w[S_INSERT_EVENT]) < 0)
		rc = -1;
	if (rc == 0 && b->nrows && step_reset(st->w[S_INSERT_SEEN]) < 0)
		rc = -1;
	st->batch = NULL;
	return rc;
}

static void bind_sums(sqlite3_stmt *q, int col, const struct store_sums *s, bool with_estimated)
{
	sqlite3_bind_int64(q, col, s->requests);
	sqlite3_bind_int64(q, col + 1, s->errors);
	for (int i = 0; i < 5; i++)
		bind_opt(q, col + 2 + i, s->tokens_set & (1u << i), s->tokens[i]);
	if (with_estimated)
		sqlite3_bind_int64(q, col + 7, s->estimated);
}

static int write_aggregates(struct store *st, struct store_batch *b)
{
	sqlite3_stmt *q = st->w[S_UPSERT_DAILY];
	for (size_t i = 0; i < b->n_daily; i++) {
		for (int k = 0; k < 8; k++)
			sqlite3_bind_int64(q, k + 1, b->daily[i].key[k]);
		bind_sums(q, 9, &b->daily[i].s, true);
		if (step_reset(q) < 0)
			return -1;
	}
	q = st->w[S_UPSERT_HOURLY];
	for (size_t i = 0; i < b->n_hourly; i++) {
		for (int k = 0; k < 4; k++)
			sqlite3_bind_int64(q, k + 1, b->hourly[i].key[k]);
		bind_sums(q, 5, &b->hourly[i].s, false);
		if (step_reset(q) < 0)
			return -1;
	}
	q = st->w[S_UPDATE_CRED];
	for (size_t i = 0; i < b->n_cred; i++) {
		const struct store_cred *c = &b->cred[i];
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

static int write_dimensions(struct store *st, struct store_batch *b)
{
	sqlite3_stmt *q = st->w[S_INSERT_DICT];
	for (size_t i = 0; i < b->n_new_dict; i++) {
		sqlite3_bind_int64(q, 1, b->new_dict[i].id);
		sqlite3_bind_text(q, 2, b->text.data + b->new_dict[i].off, (int)b->new_dict[i].len, SQLITE_STATIC);
		if (step_reset(q) < 0)
			return -1;
	}
	q = st->w[S_INSERT_CRED];
	for (size_t i = 0; i < b->n_new_cred; i++) {
		sqlite3_bind_int64(q, 1, b->new_cred[i].id);
		sqlite3_bind_text(q, 2, b->new_cred[i].fingerprint, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 3, b->text.data + b->new_cred[i].off, (int)b->new_cred[i].len, SQLITE_STATIC);
		if (step_reset(q) < 0)
			return -1;
	}
	return 0;
}

static int write_rejects(struct store *st, struct store_batch *b)
{
	sqlite3_stmt *q = st->w[S_INSERT_REJECT];
	for (size_t i = 0; i < b->n_rejects; i++) {
		const struct store_reject *r = &b->rejects[i];
		sqlite3_bind_int64(q, 1, b->file_id);
		sqlite3_bind_int64(q, 2, (int64_t)r->line);
		sqlite3_bind_text(q, 3, b->text.data + r->reason_off, (int)r->reason_len, SQLITE_STATIC);
		sqlite3_bind_text(q, 4, b->text.data + r->text_off, (int)r->text_len, SQLITE_STATIC);
		if (step_reset(q) < 0)
			return -1;
	}
	return 0;
}

static int write_checkpoint(struct store *st, struct store_batch *b)
{
	sqlite3_stmt *q = st->w[S_UPDATE_FILE];
	sqlite3_bind_int64(q, 1, b->file_id);
	sqlite3_bind_int64(q, 2, (int64_t)b->offset);
	sqlite3_bind_int64(q, 3, (int64_t)b->lines);
	sqlite3_bind_int64(q, 4, b->events);
	sqlite3_bind_int64(q, 5, b->rejected);
	sqlite3_bind_int64(q, 6, b->skipped);
	sqlite3_bind_int64(q, 7, b->duplicates);
	if (b->format)
		sqlite3_bind_text(q, 8, b->format, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(q, 8);
	sqlite3_bind_int64(q, 9, (int64_t)time(NULL));
	if (b->tail_offset) {
		sqlite3_bind_int64(q, 10, (int64_t)b->tail_offset);
		sqlite3_bind_text(q, 11, b->tail_hash, -1, SQLITE_STATIC);
	} else {
		sqlite3_bind_null(q, 10);
		sqlite3_bind_null(q, 11);
	}
	return step_reset(q);
}

int store_write_batch(struct store *st, struct store_batch *b, struct buf *err)
{
	if (prepare_writer(st, err) < 0)
		return -1;
	if (exec(st, "BEGIN IMMEDIATE", err) < 0)
		return -1;
	if (write_dimensions(st, b) < 0 || write_rows(st, b) < 0 || write_aggregates(st, b) < 0 ||
	    write_rejects(st, b) < 0 || write_checkpoint(st, b) < 0) {
		sql_error(st, st->db, err, "cannot write a batch");
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return exec(st, "COMMIT", err);
}

/* ---- verify ---- */

/* Each query returns the rows where the aggregates and the raw events disagree. */
static const char verify_daily[] =
	"WITH raw AS (SELECT (epoch - ((epoch % 86400) + 86400) % 86400) / 86400 AS day, "
	"coalesce(token, 0) AS token, coalesce(user, 0) AS user, coalesce(endpoint, 0) AS endpoint, "
	"coalesce(model, 0) AS model, coalesce(provider, 0) AS provider, "
	"coalesce(operation, 0) AS operation, coalesce(project, 0) AS project, count(*) AS requests, "
	"sum(CASE WHEN failed = 1 OR status >= 400 THEN 1 ELSE 0 END) AS errors, "
	"sum(input_tokens) AS i, sum(output_tokens) AS o, sum(cache_read_tokens) AS cr, "
	"sum(cache_write_tokens) AS cw, sum(total_tokens) AS t, sum(coalesce(estimated, 0)) AS est "
	"FROM event GROUP BY 1, 2, 3, 4, 5, 6, 7, 8), "
	"agg AS (SELECT day, token, user, endpoint, model, provider, operation, project, requests, errors, "
	"input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, total_tokens, estimated FROM daily) "
	"SELECT 'daily aggregate differs from raw events', * FROM (SELECT * FROM agg EXCEPT SELECT * FROM raw) "
	"UNION ALL SELECT 'raw events missing from daily aggregates', * FROM (SELECT * FROM raw EXCEPT SELECT * FROM agg) "
	"LIMIT 20";

static const char verify_hourly[] =
	"WITH raw AS (SELECT (epoch - ((epoch % 3600) + 3600) % 3600) / 3600 AS hour, "
	"coalesce(token, 0) AS token, coalesce(user, 0) AS user, coalesce(model, 0) AS model, count(*), "
	"sum(CASE WHEN failed = 1 OR status >= 400 THEN 1 ELSE 0 END), sum(input_tokens), sum(output_tokens), "
	"sum(cache_read_tokens), sum(cache_write_tokens), sum(total_tokens) FROM event GROUP BY 1, 2, 3, 4), "
	"agg AS (SELECT * FROM hourly) "
	"SELECT 'hourly aggregate differs from raw events', * FROM (SELECT * FROM agg EXCEPT SELECT * FROM raw) "
	"UNION ALL SELECT 'raw events missing from hourly aggregates', * FROM (SELECT * FROM raw EXCEPT SELECT * FROM agg) "
	"LIMIT 20";

static const char verify_credentials[] =
	"SELECT 'credential counters differ from raw events', c.id, c.requests, c.errors, r.n, r.e "
	"FROM credential c LEFT JOIN (SELECT token, count(*) AS n, "
	"sum(CASE WHEN failed = 1 OR status >= 400 THEN 1 ELSE 0 END) AS e FROM event WHERE token IS NOT NULL GROUP BY token) r "
	"ON r.token = c.id WHERE c.requests != coalesce(r.n, 0) OR c.errors != coalesce(r.e, 0) LIMIT 20";

static const char verify_files[] =
	"SELECT 'file event count differs from raw events', f.name, f.events, "
	"(SELECT count(*) FROM event WHERE id >= f.id << 40 AND id < (f.id + 1) << 40) AS n "
	"FROM file f WHERE f.events != n LIMIT 20";

static int verify_query(struct store *st, const char *sql, struct buf *out, struct buf *err)
{
	sqlite3_stmt *q;
	int problems = 0, rc;
	if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) != SQLITE_OK)
		return sql_error(st, st->db, err, "cannot verify");
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		int n = sqlite3_column_count(q);
		for (int i = 0; i < n; i++) {
			const unsigned char *v = sqlite3_column_text(q, i);
			buf_printf(out, "%s%s", i == 0 ? "" : i == 1 ? ": " : " ", v ? (const char *)v : "NULL");
		}
		buf_addc(out, '\n');
		problems++;
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return sql_error(st, st->db, err, "cannot verify");
	return problems;
}

int store_verify(struct store *st, struct buf *out, struct buf *err)
{
	const char *const checks[] = { verify_daily, verify_hourly, verify_credentials, verify_files };
	int problems = 0, n;
	sqlite3_stmt *q;

	if (exec(st, "BEGIN", err) < 0) /* one snapshot for every check */
		return -1;
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		if ((n = verify_query(st, checks[i], out, err)) < 0)
			goto fail;
		problems += n;
	}
	if (sqlite3_prepare_v2(st->db, "PRAGMA integrity_check", -1, &q, NULL) != SQLITE_OK) {
		sql_error(st, st->db, err, "cannot verify");
		goto fail;
	}
	while (sqlite3_step(q) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(q, 0);
		if (v && strcmp(v, "ok") != 0) {
			buf_printf(out, "integrity check: %s\n", v);
			problems++;
		}
	}
	sqlite3_finalize(q);
	sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	return problems;
fail:
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}
