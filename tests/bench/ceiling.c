/*
 * make bench: SQLite's own ceiling for tokstat's raw-event row. Appends ROWS rows to the
 * event table of DB (a database tokstat made, with its real schema) with one prepared
 * INSERT, BATCH rows per transaction, under the PRAGMAs given, and nothing else: no
 * parsing, no dictionary, no aggregates. What tokstat's ingest of the same number of rows
 * is measured against (its parsing runs on the other core, so it can come close).
 *
 * Usage: ceiling DB ROWS [PRAGMA...]   e.g. ceiling x.db 2000000 "cache_size = -16384"
 * The batch is tokstat's, INGEST_BATCH_ROWS. Prints "ROWS rows in S s (BATCH rows a
 * transaction)" on stdout; S runs from the open to the close (its checkpoint) included.
 *
 * The rows go after the ones the table holds (their file is one past its last), so DB may
 * hold events already: an ingest into a database with history, measured the same way.
 *
 * The values have the shape of tokstat's rows from tests/bench/gen_proxy.py's log: ids
 * file << 40 | line, epochs over 30 days, small dictionary ids, 200 credentials, 9 lines in
 * 10 GitHub calls (rate-limit readings, no tokens) and 1 in 10 LLM calls (model and token
 * counts, no rate limit), a 16-hex-digit request id, and NULL where that log has nothing.
 * Making them costs little (a xorshift, no printf), so the time is SQLite's.
 * Columns the event table has beyond those known here are left NULL (and named on stderr).
 */
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ingest.h" /* INGEST_BATCH_ROWS */
#include "store.h"  /* STORE_LINE_BITS: an event id is file << STORE_LINE_BITS | line */

#define STR_(x) #x
#define STR(x) STR_(x)
#define STORE_LINE_BITS_STR STR(STORE_LINE_BITS)

enum col {
	C_NULL, C_ID, C_EPOCH, C_TOKEN, C_USER, C_ENDPOINT, C_METHOD, C_STATUS, C_MODEL, C_INPUT, C_OUTPUT,
	C_CACHE_READ, C_TOTAL, C_LATENCY, C_BYTES, C_RL_REMAINING, C_RL_LIMIT, C_RL_RESET, C_REQUEST_ID
};

/* The columns tokstat fills from a proxy log; every other one is NULL there (provider too). */
static const struct {
	const char *name;
	enum col col;
} known[] = {
	{ "id", C_ID }, { "epoch", C_EPOCH }, { "token", C_TOKEN }, { "user", C_USER },
	{ "endpoint", C_ENDPOINT }, { "method", C_METHOD }, { "status", C_STATUS }, { "model", C_MODEL },
	{ "input_tokens", C_INPUT }, { "output_tokens", C_OUTPUT }, { "cache_read_tokens", C_CACHE_READ },
	{ "total_tokens", C_TOTAL }, { "latency_ms", C_LATENCY }, { "bytes", C_BYTES },
	{ "rl_remaining", C_RL_REMAINING }, { "rl_limit", C_RL_LIMIT }, { "rl_reset", C_RL_RESET },
	{ "request_id", C_REQUEST_ID },
};

static const char *const nulls_in_proxy[] = {
	"provider", "cache_write_tokens", "operation", "project", "session", "error", "failed", "estimated",
};

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t rng(void) /* xorshift64*: cheap, so the ceiling measures SQLite, not this */
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717u;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "ceiling: %s: %s\n", sql, msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* Bind row I's value of column kind C to parameter P. */
static void bind(sqlite3_stmt *q, int p, enum col c, int64_t file, int64_t i, int64_t rows, bool llm, char *reqid)
{
	int64_t day = i * 30 / rows;
	switch (c) {
	case C_NULL: sqlite3_bind_null(q, p); break;
	case C_ID: sqlite3_bind_int64(q, p, (file << STORE_LINE_BITS) | (i + 1)); break;
	case C_EPOCH: sqlite3_bind_int64(q, p, 1759276800 + day * 86400 + (i * 7919) % 86400); break;
	case C_TOKEN: sqlite3_bind_int64(q, p, llm ? 51 + (int64_t)(rng() % 150) : 1 + (int64_t)(rng() % 50)); break;
	case C_USER: sqlite3_bind_int64(q, p, 1 + (int64_t)(rng() % 170)); break;
	case C_ENDPOINT: sqlite3_bind_int64(q, p, 2 + (int64_t)(rng() % 45)); break;
	case C_METHOD: sqlite3_bind_int64(q, p, llm ? 4 : 3); break;
	case C_STATUS: sqlite3_bind_int64(q, p, rng() % 20 ? 200 : 429); break;
	case C_MODEL: if (llm) sqlite3_bind_int64(q, p, 180 + (int64_t)(rng() % 10)); else sqlite3_bind_null(q, p); break;
	case C_INPUT: case C_TOTAL:
		if (llm) sqlite3_bind_int64(q, p, 10 + (int64_t)(rng() % 4000)); else sqlite3_bind_null(q, p);
		break;
	case C_OUTPUT: if (llm) sqlite3_bind_int64(q, p, 1 + (int64_t)(rng() % 2000)); else sqlite3_bind_null(q, p); break;
	case C_CACHE_READ: if (llm) sqlite3_bind_int64(q, p, (int64_t)(rng() % 1000)); else sqlite3_bind_null(q, p); break;
	case C_LATENCY: sqlite3_bind_int64(q, p, (int64_t)(rng() % (llm ? 3000 : 1000))); break;
	case C_BYTES: sqlite3_bind_int64(q, p, 200 + (int64_t)(rng() % 8800)); break;
	case C_RL_REMAINING: if (!llm) sqlite3_bind_int64(q, p, (int64_t)(rng() % 5001)); else sqlite3_bind_null(q, p); break;
	case C_RL_LIMIT: if (!llm) sqlite3_bind_int64(q, p, 5000); else sqlite3_bind_null(q, p); break;
	case C_RL_RESET: if (!llm) sqlite3_bind_int64(q, p, 1759280400 + day * 86400); else sqlite3_bind_null(q, p); break;
	case C_REQUEST_ID: { /* 16 hex digits, without printf's cost; the buffer outlives the step */
		uint64_t v = rng();
		for (int k = 15; k >= 0; k--, v >>= 4)
			reqid[k] = "0123456789abcdef"[v & 15];
		sqlite3_bind_text(q, p, reqid, 16, SQLITE_STATIC);
		break;
	}
	}
}

int main(int argc, char **argv)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL, *info = NULL;
	enum col cols[64];
	int ncols = 0, rc = 1;
	int64_t file = 1;
	char reqid[17];
	char sql[4096];
	size_t len;

	if (argc < 3) {
		fprintf(stderr, "usage: ceiling DB ROWS [PRAGMA...]\n");
		return 2;
	}
	int64_t rows = strtoll(argv[2], NULL, 10), batch = INGEST_BATCH_ROWS;
	if (rows <= 0) {
		fprintf(stderr, "ceiling: ROWS is a positive number\n");
		return 2;
	}
	double t0 = now();
	/* as tokstat does (store_library_init): no global mutex on every allocation */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		fprintf(stderr, "ceiling: %s: %s\n", argv[1], sqlite3_errmsg(db));
		goto out;
	}
	if (exec(db, "PRAGMA journal_mode = WAL") < 0)
		goto out;
	for (int k = 3; k < argc; k++) {
		snprintf(sql, sizeof(sql), "PRAGMA %s", argv[k]);
		if (exec(db, sql) < 0)
			goto out;
	}
	/* The event table's own columns, in its order: the INSERT names them all. */
	len = (size_t)snprintf(sql, sizeof(sql), "INSERT INTO event VALUES (");
	if (sqlite3_prepare_v2(db, "SELECT name FROM pragma_table_info('event') ORDER BY cid", -1, &info, NULL) != SQLITE_OK)
		goto out;
	while (sqlite3_step(info) == SQLITE_ROW && ncols < 64) {
		const char *name = (const char *)sqlite3_column_text(info, 0);
		enum col c = C_NULL;
		bool is_known_null = false;
		for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
			if (strcmp(known[k].name, name) == 0)
				c = known[k].col;
		for (size_t k = 0; k < sizeof(nulls_in_proxy) / sizeof(nulls_in_proxy[0]); k++)
			if (strcmp(nulls_in_proxy[k], name) == 0)
				is_known_null = true;
		if (c == C_NULL && !is_known_null)
			fprintf(stderr, "ceiling: event.%s is new here: left NULL\n", name);
		cols[ncols++] = c;
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, "%s?", ncols > 1 ? "," : "");
	}
	snprintf(sql + len, sizeof(sql) - len, ")");
	if (ncols == 0 || ncols == 64) {
		fprintf(stderr, "ceiling: %s: no event table of up to 63 columns\n", argv[1]);
		goto out;
	}
	sqlite3_finalize(info);
	if (sqlite3_prepare_v2(db, "SELECT coalesce(max(id), 0) >> " STORE_LINE_BITS_STR " FROM event", -1, &info, NULL)
		    != SQLITE_OK || sqlite3_step(info) != SQLITE_ROW) {
		fprintf(stderr, "ceiling: %s: %s\n", argv[1], sqlite3_errmsg(db));
		goto out;
	}
	file = sqlite3_column_int64(info, 0) + 1;
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &q, NULL) != SQLITE_OK) {
		fprintf(stderr, "ceiling: %s: %s\n", sql, sqlite3_errmsg(db));
		goto out;
	}
	for (int64_t i = 0; i < rows; i++) {
		if (i % batch == 0 && exec(db, "BEGIN IMMEDIATE") < 0)
			goto out;
		/* gen_proxy.py's credential draw sends about 9 lines in 10 to the 50 GitHub tokens */
		bool llm = rng() % 10 == 0;
		for (int k = 0; k < ncols; k++)
			bind(q, k + 1, cols[k], file, i, rows, llm, reqid);
		if (sqlite3_step(q) != SQLITE_DONE) {
			fprintf(stderr, "ceiling: row %" PRId64 ": %s\n", i, sqlite3_errmsg(db));
			goto out;
		}
		sqlite3_reset(q);
		if ((i + 1 == rows || (i + 1) % batch == 0) && exec(db, "COMMIT") < 0)
			goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(info);
	sqlite3_finalize(q);
	if (sqlite3_close(db) != SQLITE_OK)
		rc = 1;
	if (rc == 0)
		printf("%" PRId64 " rows in %.3f s (%" PRId64 " rows a transaction)\n", rows, now() - t0, batch);
	return rc;
}
