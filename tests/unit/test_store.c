/*
 * Unit tests of the store (store.c, store_migrate.c, store_write.c, batch.c, verify.c):
 * batches written in one transaction and read back through the views on the store's
 * read-only connection (values and NULLs), aggregates merged across batches, the ordered
 * migrations, the lock, lookups that say what failed, prices and verify_database.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "batch.h"
#include "buf.h"
#include "credential.h"
#include "embedded.h"
#include "event.h"
#include "source.h"
#include "store.h"
#include "store_write.h"
#include "testlib.h"
#include "verify.h"

/* 2024-03-10T13:55:36Z and 2024-03-10T14:05:00Z (`date -u -d ... +%s`) */
#define T0 1710078936
#define T1 1710079500

static const char SECRET_A[] = "ghp_abc1DEFGHIJKLMNOPQRSTUVWXYZ01234wxyz";
static const char SECRET_B[] = "ghp_abc1ZZZZZZZZZZZZZZZZZZZZZZZZZZZZwxyz"; /* the same mask as A */

struct fixture {
	char dir[256];
	char db[300];
	struct store *st;
	sqlite3 *rw; /* the test's own read-write connection, to damage tables */
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	if (!fx || testlib_tmpdir("store", fx->dir, sizeof(fx->dir)) < 0) {
		free(fx);
		return -1;
	}
	snprintf(fx->db, sizeof(fx->db), "%s/test.db", fx->dir);
	fx->st = testlib_store(fx->dir, "test.db", STORE_READ_WRITE);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	if (fx->rw)
		sqlite3_close(fx->rw);
	store_close(fx->st);
	testlib_rmtree(fx->dir);
	free(fx);
	return 0;
}

/* The store's read-only connection: what any SQLite client would see. */
static sqlite3 *reader(struct fixture *fx)
{
	sqlite3 *db = store_db(fx->st);
	assert_non_null(db);
	return db;
}

/* Run SQL on the test's own read-write connection. */
static void damage(struct fixture *fx, const char *sql)
{
	if (!fx->rw)
		fx->rw = testlib_sql_open(fx->db);
	testlib_exec(fx->rw, sql);
}

/* ---- building batches by hand, as the ingest producer does ---- */

static void add_dict(struct batch *b, int64_t id, const char *value)
{
	if (b->n_new_dict == b->new_dict_cap) {
		b->new_dict_cap = b->new_dict_cap ? b->new_dict_cap * 2 : 16;
		b->new_dict = xrealloc(b->new_dict, b->new_dict_cap * sizeof(*b->new_dict));
	}
	struct batch_new_text *t = &b->new_dict[b->n_new_dict++];
	memset(t, 0, sizeof(*t));
	t->id = id;
	t->len = (uint32_t)strlen(value);
	t->off = batch_text(b, value, t->len);
}

static void add_cred(struct fixture *fx, struct batch *b, int64_t id, const char *secret)
{
	if (b->n_new_cred == b->new_cred_cap) {
		b->new_cred_cap = b->new_cred_cap ? b->new_cred_cap * 2 : 16;
		b->new_cred = xrealloc(b->new_cred, b->new_cred_cap * sizeof(*b->new_cred));
	}
	struct batch_new_text *t = &b->new_cred[b->n_new_cred++];
	struct buf display = BUF_INIT;
	memset(t, 0, sizeof(*t));
	t->id = id;
	credential_mask(secret, strlen(secret), &display);
	t->len = (uint32_t)display.len;
	t->off = batch_text(b, display.data, display.len);
	credential_fingerprint(store_credential_key(fx->st), secret, strlen(secret), t->fingerprint);
	buf_free(&display);
}

struct row_spec {
	uint64_t line;
	int64_t epoch;
	int64_t token, user, endpoint, method, model, provider;
	int64_t status, input, output, cache_read, cache_write, latency, bytes, rl_remaining, rl_limit, rl_reset;
	uint32_t set; /* bits of enum event_num that are known */
};

#define BIT(i) (1u << (i))

static void add_row(struct batch *b, const struct row_spec *s)
{
	struct batch_row *r = batch_add_row(b);
	r->id = store_event_id(b->file_id, s->line);
	r->epoch = s->epoch;
	r->dim[BATCH_DIM_TOKEN] = s->token;
	r->dim[BATCH_DIM_USER] = s->user;
	r->dim[BATCH_DIM_ENDPOINT] = s->endpoint;
	r->dim[BATCH_DIM_METHOD] = s->method;
	r->dim[BATCH_DIM_MODEL] = s->model;
	r->dim[BATCH_DIM_PROVIDER] = s->provider;
	r->num[EV_STATUS] = s->status;
	r->num[EV_INPUT_TOKENS] = s->input;
	r->num[EV_OUTPUT_TOKENS] = s->output;
	r->num[EV_CACHE_READ_TOKENS] = s->cache_read;
	r->num[EV_CACHE_WRITE_TOKENS] = s->cache_write;
	r->num[EV_LATENCY_MS] = s->latency;
	r->num[EV_BYTES] = s->bytes;
	r->num[EV_RL_REMAINING] = s->rl_remaining;
	r->num[EV_RL_LIMIT] = s->rl_limit;
	r->num[EV_RL_RESET] = s->rl_reset;
	r->num_set = s->set;
	/* the total is the sum of the known kinds, as event_finish makes it */
	int64_t total = 0;
	bool any = false;
	const enum event_num kinds[] = { EV_INPUT_TOKENS, EV_OUTPUT_TOKENS, EV_CACHE_READ_TOKENS, EV_CACHE_WRITE_TOKENS };
	for (int i = 0; i < 4; i++)
		if (s->set & BIT(kinds[i])) {
			total += r->num[kinds[i]];
			any = true;
		}
	if (any) {
		r->num[EV_TOTAL_TOKENS] = total;
		r->num_set |= BIT(EV_TOTAL_TOKENS);
	}
	r->failed = -1;
	batch_aggregate(b, r);
	struct batch_file *f = batch_file(b, b->file_id);
	f->events++;
	if (s->line > f->lines)
		f->lines = s->line;
}

/* A new file whose first bytes are HEAD (file identity itself is tested in test_fileid.c). */
static int64_t open_file(struct fixture *fx, const char *name, const char *head)
{
	struct store_file f;
	struct buf err = BUF_INIT;
	char fp[33];
	source_fingerprint(head, strlen(head), fp);
	if (store_file_create(fx->st, name, strlen(head), fp, &f, &err) != 0)
		fail_msg("store_file_create: %s", buf_str(&err));
	buf_free(&err);
	return f.id;
}

static void write_batch(struct fixture *fx, struct batch *b)
{
	struct buf err = BUF_INIT;
	struct batch_file *f = batch_file(b, b->file_id);
	f->has_checkpoint = true;
	if (f->format == NULL)
		f->format = "proxy";
	if (store_write_batch(fx->st, b, &err) != 0)
		fail_msg("store_write_batch: %s", buf_str(&err));
	buf_free(&err);
}

/* One file, one batch: two events of credential A on 2024-03-10, one of them an error. */
static int64_t write_sample(struct fixture *fx)
{
	struct batch b;
	batch_init(&b);
	b.file_id = open_file(fx, "a.log", "first line\nsecond line\n");
	add_cred(fx, &b, 1, SECRET_A);
	add_dict(&b, 1, "alice");
	add_dict(&b, 2, "/v1/chat/completions");
	add_dict(&b, 3, "POST");
	add_dict(&b, 4, "gpt-4o");
	add_row(&b, &(struct row_spec){ .line = 7, .epoch = T0, .token = 1, .user = 1, .endpoint = 2, .method = 3,
					 .model = 4, .status = 200, .input = 100, .output = 20, .latency = 250,
					 .bytes = 512, .rl_remaining = 4999, .rl_limit = 5000, .rl_reset = T0 + 3600,
					 .set = BIT(EV_STATUS) | BIT(EV_INPUT_TOKENS) | BIT(EV_OUTPUT_TOKENS) |
						BIT(EV_LATENCY_MS) | BIT(EV_BYTES) | BIT(EV_RL_REMAINING) |
						BIT(EV_RL_LIMIT) | BIT(EV_RL_RESET) });
	add_row(&b, &(struct row_spec){ .line = 8, .epoch = T0 + 10, .token = 1, .user = 1, .endpoint = 2,
					 .method = 3, .model = 4, .status = 500, .input = 1, .cache_read = 4,
					 .set = BIT(EV_STATUS) | BIT(EV_INPUT_TOKENS) | BIT(EV_CACHE_READ_TOKENS) });
	batch_file(&b, b.file_id)->offset = 1000;
	write_batch(fx, &b);
	int64_t id = b.file_id;
	batch_free(&b);
	return id;
}

/* ---- schema ---- */

static void test_open_creates_the_views(void **state)
{
	struct fixture *fx = *state;
	const char *views[] = { "events", "daily_usage", "hourly_usage", "credentials", "files", "rejects" };
	for (size_t i = 0; i < 6; i++) {
		char sql[160];
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM sqlite_master WHERE type = 'view' AND name = '%s'", views[i]);
		assert_sql_int(reader(fx), sql, 1);
	}
}

static void test_reopen_keeps_the_credential_key(void **state)
{
	struct fixture *fx = *state;
	unsigned char key[CREDENTIAL_KEY_BYTES];
	struct buf err = BUF_INIT;
	memcpy(key, store_credential_key(fx->st), sizeof(key));
	store_close(fx->st);
	assert_int_equal(store_open(&fx->st, fx->db, STORE_READ_WRITE, &err), 0);
	assert_memory_equal(store_credential_key(fx->st), key, sizeof(key));
	buf_free(&err);
}

static void test_read_only_open_of_missing_database_names_it(void **state)
{
	struct fixture *fx = *state;
	struct store *st = NULL;
	struct buf err = BUF_INIT;
	char path[320];
	snprintf(path, sizeof(path), "%s/missing.db", fx->dir);
	assert_int_equal(store_open(&st, path, STORE_READ_ONLY, &err), -1);
	assert_null(st);
	assert_non_null(strstr(buf_str(&err), path));
	assert_int_equal(access(path, F_OK), -1);
	buf_free(&err);
}

/* ---- the events view ---- */

static void test_events_view_shows_the_stored_values(void **state)
{
	struct fixture *fx = *state;
	write_sample(fx);
	sqlite3 *db = reader(fx);
	assert_sql_int(db, "SELECT count(*) FROM events", 2);
	assert_sql_text(db, "SELECT ts FROM events WHERE line = 7", "2024-03-10T13:55:36Z");
	assert_sql_int(db, "SELECT epoch FROM events WHERE line = 7", T0);
	assert_sql_text(db, "SELECT day FROM events WHERE line = 7", "2024-03-10");
	assert_sql_text(db, "SELECT token FROM events WHERE line = 7", "ghp_abc1...wxyz");
	assert_sql_text(db, "SELECT user FROM events WHERE line = 7", "alice");
	assert_sql_text(db, "SELECT endpoint FROM events WHERE line = 7", "/v1/chat/completions");
	assert_sql_text(db, "SELECT method FROM events WHERE line = 7", "POST");
	assert_sql_text(db, "SELECT model FROM events WHERE line = 7", "gpt-4o");
	assert_sql_int(db, "SELECT status FROM events WHERE line = 7", 200);
	assert_sql_int(db, "SELECT input_tokens FROM events WHERE line = 7", 100);
	assert_sql_int(db, "SELECT output_tokens FROM events WHERE line = 7", 20);
	assert_sql_int(db, "SELECT total_tokens FROM events WHERE line = 7", 120);
	assert_sql_int(db, "SELECT latency_ms FROM events WHERE line = 7", 250);
	assert_sql_int(db, "SELECT bytes FROM events WHERE line = 7", 512);
	assert_sql_int(db, "SELECT rl_remaining FROM events WHERE line = 7", 4999);
	assert_sql_int(db, "SELECT rl_limit FROM events WHERE line = 7", 5000);
	assert_sql_int(db, "SELECT rl_reset FROM events WHERE line = 7", T0 + 3600);
	assert_sql_text(db, "SELECT file FROM events WHERE line = 7", "a.log");
}

static void test_events_view_unknown_values_are_null(void **state)
{
	struct fixture *fx = *state;
	write_sample(fx);
	sqlite3 *db = reader(fx);
	assert_sql_null(db, "SELECT provider FROM events WHERE line = 7");
	assert_sql_null(db, "SELECT cache_read_tokens FROM events WHERE line = 7");
	assert_sql_null(db, "SELECT cache_write_tokens FROM events WHERE line = 7");
	assert_sql_null(db, "SELECT request_id FROM events WHERE line = 7");
	assert_sql_null(db, "SELECT output_tokens FROM events WHERE line = 8");
	assert_sql_null(db, "SELECT latency_ms FROM events WHERE line = 8");
	assert_sql_null(db, "SELECT bytes FROM events WHERE line = 8");
	assert_sql_null(db, "SELECT rl_remaining FROM events WHERE line = 8");
	assert_sql_int(db, "SELECT cache_read_tokens FROM events WHERE line = 8", 4);
}

static void test_full_secret_is_not_stored(void **state)
{
	struct fixture *fx = *state;
	write_sample(fx);
	sqlite3 *db = reader(fx);
	assert_sql_int(db, "SELECT count(*) FROM credential WHERE display LIKE '%DEFGHIJK%' OR fingerprint LIKE '%DEFGHIJK%'", 0);
	assert_sql_int(db, "SELECT length(fingerprint) FROM credential", 32);
}

/* ---- aggregates ---- */

static void test_daily_usage_sums_the_batch(void **state)
{
	struct fixture *fx = *state;
	write_sample(fx);
	sqlite3 *db = reader(fx);
	assert_sql_int(db, "SELECT count(*) FROM daily_usage", 1);
	assert_sql_text(db, "SELECT day FROM daily_usage", "2024-03-10");
	assert_sql_text(db, "SELECT token FROM daily_usage", "ghp_abc1...wxyz");
	assert_sql_text(db, "SELECT user FROM daily_usage", "alice");
	assert_sql_text(db, "SELECT endpoint FROM daily_usage", "/v1/chat/completions");
	assert_sql_text(db, "SELECT model FROM daily_usage", "gpt-4o");
	assert_sql_int(db, "SELECT requests FROM daily_usage", 2);
	assert_sql_int(db, "SELECT errors FROM daily_usage", 1);
	assert_sql_int(db, "SELECT input_tokens FROM daily_usage", 101);
	assert_sql_int(db, "SELECT output_tokens FROM daily_usage", 20);
	assert_sql_int(db, "SELECT cache_read_tokens FROM daily_usage", 4);
	assert_sql_null(db, "SELECT cache_write_tokens FROM daily_usage");
	assert_sql_int(db, "SELECT total_tokens FROM daily_usage", 125);
}

static void test_hourly_usage_groups_by_hour(void **state)
{
	struct fixture *fx = *state;
	struct batch b;
	batch_init(&b);
	b.file_id = open_file(fx, "h.log", "hourly\n");
	add_dict(&b, 1, "m");
	add_row(&b, &(struct row_spec){ .line = 1, .epoch = T0, .model = 1, .input = 1, .set = BIT(EV_INPUT_TOKENS) });
	add_row(&b, &(struct row_spec){ .line = 2, .epoch = T1, .model = 1, .input = 2, .set = BIT(EV_INPUT_TOKENS) });
	write_batch(fx, &b);
	batch_free(&b);
	sqlite3 *db = reader(fx);
	assert_sql_int(db, "SELECT count(*) FROM hourly_usage", 2);
	assert_sql_int(db, "SELECT input_tokens FROM hourly_usage WHERE hour = '2024-03-10T13'", 1);
	assert_sql_int(db, "SELECT input_tokens FROM hourly_usage WHERE hour = '2024-03-10T14'", 2);
	assert_sql_null(db, "SELECT token FROM hourly_usage WHERE hour = '2024-03-10T14'");
	assert_sql_int(db, "SELECT count(*) FROM daily_usage", 1);
	assert_sql_int(db, "SELECT requests FROM daily_usage", 2);
}

static void test_aggregates_merge_across_batches(void **state)
{
	struct fixture *fx = *state;
	struct batch b;
	batch_init(&b);
	b.file_id = open_file(fx, "m.log", "merge\n");
	add_dict(&b, 1, "bob");
	add_row(&b, &(struct row_spec){ .line = 1, .epoch = T0, .user = 1, .input = 10, .set = BIT(EV_INPUT_TOKENS) });
	batch_file(&b, b.file_id)->offset = 10;
	write_batch(fx, &b);
	int64_t file_id = b.file_id;
	batch_reset(&b);
	b.file_id = file_id;
	add_row(&b, &(struct row_spec){ .line = 2, .epoch = T0 + 60, .user = 1, .input = 5, .cache_write = 7,
					 .status = 429, .set = BIT(EV_INPUT_TOKENS) | BIT(EV_CACHE_WRITE_TOKENS) | BIT(EV_STATUS) });
	batch_file(&b, b.file_id)->offset = 20;
	write_batch(fx, &b);
	batch_free(&b);

	sqlite3 *db = reader(fx);
	assert_sql_int(db, "SELECT count(*) FROM daily_usage", 1);
	assert_sql_int(db, "SELECT requests FROM daily_usage WHERE user = 'bob'", 2);
	assert_sql_int(db, "SELECT errors FROM daily_usage WHERE user = 'bob'", 1);
	assert_sql_int(db, "SELECT input_tokens FROM daily_usage WHERE user = 'bob'", 15);
	assert_sql_int(db, "SELECT cache_write_tokens FROM daily_usage WHERE user = 'bob'", 7);
	assert_sql_null(db, "SELECT output_tokens FROM daily_usage WHERE user = 'bob'");
	assert_sql_int(db, "SELECT total_tokens FROM daily_usage WHERE user = 'bob'", 22);
	assert_sql_int(db, "SELECT requests FROM hourly_usage WHERE user = 'bob'", 2);
	assert_sql_int(db, "SELECT total_tokens FROM hourly_usage WHERE user = 'bob'", 22);
	assert_sql_int(db, "SELECT bytes FROM files WHERE file = 'm.log'", 20);
	assert_sql_int(db, "SELECT events FROM files WHERE file = 'm.log'", 2);
}

static void test_events_before_1970_land_on_their_utc_day(void **state)
{
	struct fixture *fx = *state;
	struct batch b;
	struct buf out = BUF_INIT, err = BUF_INIT;
	batch_init(&b);
	b.file_id = open_file(fx, "old.log", "old\n");
	add_row(&b, &(struct row_spec){ .line = 1, .epoch = -1, .input = 3, .set = BIT(EV_INPUT_TOKENS) });
	add_row(&b, &(struct row_spec){ .line = 2, .epoch = -86401, .input = 4, .set = BIT(EV_INPUT_TOKENS) });
	write_batch(fx, &b);
	batch_free(&b);
	sqlite3 *db = reader(fx);
	assert_sql_int(db, "SELECT input_tokens FROM daily_usage WHERE day = '1969-12-31'", 3);
	assert_sql_int(db, "SELECT input_tokens FROM daily_usage WHERE day = '1969-12-30'", 4);
	assert_sql_text(db, "SELECT hour FROM hourly_usage WHERE input_tokens = 3", "1969-12-31T23");
	assert_int_equal(verify_database(fx->st, &out, &err), 0);
	buf_free(&out);
	buf_free(&err);
}

/* ---- credentials ---- */

static void test_credentials_with_the_same_mask_stay_apart(void **state)
{
	struct fixture *fx = *state;
	struct batch b;
	batch_init(&b);
	b.file_id = open_file(fx, "c.log", "creds\n");
	add_cred(fx, &b, 1, SECRET_A);
	add_cred(fx, &b, 2, SECRET_B);
	add_row(&b, &(struct row_spec){ .line = 1, .epoch = T0, .token = 1, .status = 200, .set = BIT(EV_STATUS) });
	add_row(&b, &(struct row_spec){ .line = 2, .epoch = T0, .token = 2, .status = 200, .set = BIT(EV_STATUS) });
	add_row(&b, &(struct row_spec){ .line = 3, .epoch = T0, .token = 2, .status = 200, .set = BIT(EV_STATUS) });
	write_batch(fx, &b);
	batch_free(&b);
	sqlite3 *db = reader(fx);
	assert_sql_int(db, "SELECT count(*) FROM credentials WHERE token = 'ghp_abc1...wxyz'", 2);
	assert_sql_int(db, "SELECT count(DISTINCT token_fp) FROM credentials", 2);
	assert_sql_int(db, "SELECT count(*) FROM daily_usage", 2);
	assert_sql_int(db, "SELECT max(requests) FROM daily_usage", 2);
}

static void test_credentials_view_reports_first_last_and_counts(void **state)
{
	struct fixture *fx = *state;
	write_sample(fx);
	sqlite3 *db = reader(fx);
	assert_sql_text(db, "SELECT first_seen FROM credentials", "2024-03-10T13:55:36Z");
	assert_sql_text(db, "SELECT last_seen FROM credentials", "2024-03-10T13:55:46Z");
	assert_sql_int(db, "SELECT requests FROM credentials", 2);
	assert_sql_int(db, "SELECT errors FROM credentials", 1);
	assert_sql_int(db, "SELECT rl_remaining FROM credentials", 4999);
	assert_sql_int(db, "SELECT rl_limit FROM credentials", 5000);
	assert_sql_text(db, "SELECT status FROM credentials", "active");
}

static void test_credential_with_zero_remaining_is_rate_limited(void **state)
{
	struct fixture *fx = *state;
	struct batch b;
	batch_init(&b);
	b.file_id = open_file(fx, "rl.log", "rl\n");
	add_cred(fx, &b, 1, SECRET_A);
	add_row(&b, &(struct row_spec){ .line = 1, .epoch = T0, .token = 1, .status = 200, .rl_remaining = 3,
					 .set = BIT(EV_STATUS) | BIT(EV_RL_REMAINING) });
	add_row(&b, &(struct row_spec){ .line = 2, .epoch = T0 + 5, .token = 1, .status = 200, .rl_remaining = 0,
					 .set = BIT(EV_STATUS) | BIT(EV_RL_REMAINING) });
	write_batch(fx, &b);
	batch_free(&b);
	sqlite3 *db = reader(fx);
	assert_sql_text(db, "SELECT status FROM credentials", "rate_limited");
	assert_sql_int(db, "SELECT rl_remaining FROM credentials", 0);
	assert_sql_null(db, "SELECT rl_limit FROM credentials");
}

static void test_credential_whose_latest_response_is_401_is_invalid(void **state)
{
	struct fixture *fx = *state;
	struct batch b;
	batch_init(&b);
	b.file_id = open_file(fx, "inv.log", "inv\n");
	add_cred(fx, &b, 1, SECRET_A);
	add_row(&b, &(struct row_spec){ .line = 1, .epoch = T0 + 100, .token = 1, .status = 401, .set = BIT(EV_STATUS) });
	write_batch(fx, &b);
	batch_reset(&b);
	/* an older success read later must not hide the newer 401 */
	add_row(&b, &(struct row_spec){ .line = 2, .epoch = T0, .token = 1, .status = 200, .set = BIT(EV_STATUS) });
	write_batch(fx, &b);
	batch_free(&b);
	sqlite3 *db = reader(fx);
	assert_sql_text(db, "SELECT status FROM credentials", "invalid");
	assert_sql_int(db, "SELECT requests FROM credentials", 2);
	assert_sql_int(db, "SELECT errors FROM credentials", 1);
	assert_sql_text(db, "SELECT first_seen FROM credentials", "2024-03-10T13:55:36Z");
}

/* ---- files and rejects ---- */

static void test_files_view_shows_the_checkpoint(void **state)
{
	struct fixture *fx = *state;
	write_sample(fx);
	sqlite3 *db = reader(fx);
	assert_sql_int(db, "SELECT count(*) FROM files", 1);
	assert_sql_text(db, "SELECT file FROM files", "a.log");
	assert_sql_text(db, "SELECT format FROM files", "proxy");
	assert_sql_int(db, "SELECT bytes FROM files", 1000);
	assert_sql_int(db, "SELECT lines FROM files", 8);
	assert_sql_int(db, "SELECT events FROM files", 2);
	assert_sql_int(db, "SELECT rejected FROM files", 0);
	assert_sql_int(db, "SELECT length(fingerprint) FROM files", 32);
}

static void test_rejects_view_keeps_line_reason_and_text(void **state)
{
	struct fixture *fx = *state;
	struct batch b;
	batch_init(&b);
	b.file_id = open_file(fx, "r.log", "rejects\n");
	b.rejects = xcalloc(1, sizeof(*b.rejects));
	b.rejects_cap = 1;
	b.n_rejects = 1;
	b.rejects[0].file_id = b.file_id;
	b.rejects[0].line = 3;
	b.rejects[0].reason_off = batch_text(&b, "does not match format proxy", 27);
	b.rejects[0].reason_len = 27;
	b.rejects[0].text_off = batch_text(&b, "garbage line", 12);
	b.rejects[0].text_len = 12;
	batch_file(&b, b.file_id)->rejected = 1;
	batch_file(&b, b.file_id)->lines = 3;
	write_batch(fx, &b);
	batch_free(&b);
	sqlite3 *db = reader(fx);
	assert_sql_int(db, "SELECT count(*) FROM rejects", 1);
	assert_sql_text(db, "SELECT file FROM rejects", "r.log");
	assert_sql_int(db, "SELECT line FROM rejects", 3);
	assert_sql_text(db, "SELECT reason FROM rejects", "does not match format proxy");
	assert_sql_text(db, "SELECT text FROM rejects", "garbage line");
	assert_sql_int(db, "SELECT rejected FROM files WHERE file = 'r.log'", 1);
}

/* ---- verify ---- */

static void test_verify_finds_nothing_in_a_consistent_database(void **state)
{
	struct fixture *fx = *state;
	struct buf out = BUF_INIT, err = BUF_INIT;
	write_sample(fx);
	assert_int_equal(verify_database(fx->st, &out, &err), 0);
	assert_int_equal(out.len, 0);
	buf_free(&out);
	buf_free(&err);
}

static void test_verify_finds_a_corrupted_daily_aggregate(void **state)
{
	struct fixture *fx = *state;
	struct buf out = BUF_INIT, err = BUF_INIT;
	write_sample(fx);
	damage(fx, "UPDATE daily SET requests = requests + 1");
	int n = verify_database(fx->st, &out, &err);
	assert_true(n > 0);
	assert_non_null(strstr(buf_str(&out), "daily"));
	buf_free(&out);
	buf_free(&err);
}

static void test_verify_finds_a_daily_token_sum_set_to_null(void **state)
{
	struct fixture *fx = *state;
	struct buf out = BUF_INIT, err = BUF_INIT;
	write_sample(fx);
	damage(fx, "UPDATE daily SET output_tokens = NULL");
	assert_true(verify_database(fx->st, &out, &err) > 0);
	buf_free(&out);
	buf_free(&err);
}

static void test_verify_finds_a_corrupted_hourly_aggregate(void **state)
{
	struct fixture *fx = *state;
	struct buf out = BUF_INIT, err = BUF_INIT;
	write_sample(fx);
	damage(fx, "UPDATE hourly SET input_tokens = input_tokens + 1");
	assert_true(verify_database(fx->st, &out, &err) > 0);
	assert_non_null(strstr(buf_str(&out), "hourly"));
	buf_free(&out);
	buf_free(&err);
}

static void test_verify_finds_a_raw_event_missing_from_aggregates(void **state)
{
	struct fixture *fx = *state;
	struct buf out = BUF_INIT, err = BUF_INIT;
	write_sample(fx);
	damage(fx, "DELETE FROM event WHERE id = (SELECT id FROM event ORDER BY id LIMIT 1 OFFSET 1)");
	assert_true(verify_database(fx->st, &out, &err) > 0);
	buf_free(&out);
	buf_free(&err);
}

/* ---- migrations ---- */

/* The number of migration files compiled in: sql/migrate/001-... to NNN-... */
static int migration_files(void)
{
	int n = 0;
	for (const struct embedded_file *f = embedded_files; f->path; f++)
		n += strncmp(f->path, "sql/migrate/", 12) == 0;
	return n;
}

static void test_new_database_has_the_version_of_the_last_migration(void **state)
{
	struct fixture *fx = *state;
	int latest = migration_files();
	assert_true(latest >= 2);
	assert_sql_int(reader(fx), "PRAGMA user_version", latest);
	/* 002-file-tail.sql ran after 001-base.sql */
	assert_sql_int(reader(fx), "SELECT count(*) FROM pragma_table_info('file') WHERE name IN ('tail_offset', 'tail_hash')", 2);
}

static void test_version_1_database_gets_the_later_migrations(void **state)
{
	struct fixture *fx = *state;
	char path[320];
	struct store *st = NULL;
	struct buf err = BUF_INIT;
	/* a version-1 database: 001-base.sql only, as the first tokstat made it, with a file */
	testlib_path(fx->dir, "v1.db", path, sizeof(path));
	sqlite3 *db = testlib_sql_open(path);
	testlib_exec(db, embedded_find("sql/migrate/001-base.sql")->data);
	testlib_exec(db, "INSERT INTO meta VALUES ('credential_key', zeroblob(32)); PRAGMA user_version = 1;"
			 "INSERT INTO file(fingerprint, head_len, name) VALUES ('ab', 2, 'old.log')");
	sqlite3_close(db);
	assert_int_equal(store_open(&st, path, STORE_READ_WRITE, &err), 0);
	assert_sql_int(store_db(st), "PRAGMA user_version", migration_files());
	assert_sql_null(store_db(st), "SELECT tail_hash FROM file WHERE name = 'old.log'");
	assert_sql_text(store_db(st), "SELECT file FROM files", "old.log");
	store_close(st);
	buf_free(&err);
}

static void test_database_from_a_newer_tokstat_is_refused(void **state)
{
	struct fixture *fx = *state;
	struct store *st = NULL;
	struct buf err = BUF_INIT, sql = BUF_INIT;
	buf_printf(&sql, "PRAGMA user_version = %d", migration_files() + 1);
	damage(fx, buf_str(&sql));
	store_close(fx->st);
	fx->st = NULL;
	assert_int_equal(store_open(&st, fx->db, STORE_READ_WRITE, &err), -1);
	assert_null(st);
	assert_non_null(strstr(buf_str(&err), "newer tokstat"));
	buf_free(&err);
	buf_free(&sql);
}

/* ---- connections and the lock ---- */

static void test_store_db_is_read_only(void **state)
{
	struct fixture *fx = *state;
	sqlite3 *db = reader(fx);
	assert_int_equal(sqlite3_db_readonly(db, "main"), 1);
	assert_int_not_equal(sqlite3_exec(db, "DELETE FROM dict", NULL, NULL, NULL), SQLITE_OK);
}

static void test_read_only_store_refuses_writes(void **state)
{
	struct fixture *fx = *state;
	struct store *st = NULL;
	struct buf err = BUF_INIT;
	write_sample(fx);
	assert_int_equal(store_open(&st, fx->db, STORE_READ_ONLY, &err), 0);
	assert_sql_int(store_db(st), "SELECT count(*) FROM events", 2);
	assert_int_not_equal(sqlite3_exec(store_db(st), "DELETE FROM event", NULL, NULL, NULL), SQLITE_OK);
	store_close(st);
	assert_sql_int(reader(fx), "SELECT count(*) FROM events", 2);
	buf_free(&err);
}

static void test_ingest_open_fails_busy_while_another_holds_the_lock(void **state)
{
	struct fixture *fx = *state;
	struct store *st = NULL;
	struct store_lock lock = { .wait = false };
	struct buf err = BUF_INIT;
	assert_int_equal(store_open_ingest(&st, fx->db, &lock, &err), 0);
	struct store *second = NULL;
	assert_int_equal(store_open_ingest(&second, fx->db, &lock, &err), -1);
	assert_null(second);
	assert_non_null(strstr(buf_str(&err), "busy"));
	store_close(st);
	buf_reset(&err);
	assert_int_equal(store_open_ingest(&second, fx->db, &lock, &err), 0); /* released on close */
	store_close(second);
	buf_free(&err);
}

static void test_ingest_open_takes_the_lock_before_writing_anything(void **state)
{
	struct fixture *fx = *state;
	char path[320];
	struct store *st = NULL;
	struct store_lock lock = { .wait = false };
	struct buf err = BUF_INIT, content = BUF_INIT;
	/* another ingest holds the lock on a database that is still empty */
	testlib_path(fx->dir, "new.db", path, sizeof(path));
	int fd = open(path, O_RDONLY | O_CREAT, 0644);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	assert_int_equal(store_open_ingest(&st, path, &lock, &err), -1);
	assert_non_null(strstr(buf_str(&err), "busy"));
	assert_true(testlib_read_file(path, &content));
	assert_int_equal(content.len, 0); /* no header, no schema */
	char wal[330];
	snprintf(wal, sizeof(wal), "%s-wal", path);
	assert_int_equal(access(wal, F_OK), -1); /* no WAL setup */
	close(fd);
	buf_free(&err);
	buf_free(&content);
}

/* ---- lookups say what failed ---- */

static void test_failed_lookup_names_the_database(void **state)
{
	struct fixture *fx = *state;
	struct buf err = BUF_INIT;
	int64_t id, max, count;
	damage(fx, "DROP TABLE dict; DROP TABLE seen");
	assert_int_equal(store_dict_find(fx->st, "x", 1, &id, &err), -1);
	assert_non_null(strstr(buf_str(&err), fx->db));
	buf_reset(&err);
	assert_int_equal(store_dict_max_id(fx->st, &max, &count, &err), -1);
	assert_non_null(strstr(buf_str(&err), "dictionary"));
	buf_reset(&err);
	unsigned char key[16] = { 0 };
	struct store_seen got;
	assert_int_equal(store_seen(fx->st, key, &got, &err), -1);
	assert_true(err.len > 0);
	buf_free(&err);
}

static void test_file_format_reports_a_failed_read(void **state)
{
	struct fixture *fx = *state;
	struct buf err = BUF_INIT;
	char *name = NULL;
	int64_t id = write_sample(fx);
	assert_int_equal(store_file_format(fx->st, id, &name, &err), 0);
	assert_string_equal(name, "proxy");
	free(name);
	damage(fx, "ALTER TABLE file RENAME TO file_gone");
	assert_int_equal(store_file_format(fx->st, id, &name, &err), -1);
	assert_null(name);
	assert_non_null(strstr(buf_str(&err), "format"));
	buf_free(&err);
}

/* ---- prices ---- */

static void test_price_upsert_adds_changes_and_keeps(void **state)
{
	struct fixture *fx = *state;
	struct buf err = BUF_INIT;
	enum store_price_result res;
	struct store_price p = { .provider = "", .model = "test-model", .effective_from = "2025-01-01",
				 .source = "test", .rate = { 1, 2 }, .has_rate = { true, true } };
	assert_int_equal(store_begin(fx->st, &err), 0);
	assert_int_equal(store_price_upsert(fx->st, &p, &res, &err), 0);
	assert_int_equal(res, STORE_PRICE_ADDED);
	assert_int_equal(store_price_upsert(fx->st, &p, &res, &err), 0);
	assert_int_equal(res, STORE_PRICE_UNCHANGED);
	p.effective_from = "2025-02-01"; /* the same rates later: the one in force already says so */
	assert_int_equal(store_price_upsert(fx->st, &p, &res, &err), 0);
	assert_int_equal(res, STORE_PRICE_UNCHANGED);
	p.rate[1] = 3;
	assert_int_equal(store_price_upsert(fx->st, &p, &res, &err), 0);
	assert_int_equal(res, STORE_PRICE_ADDED);
	assert_int_equal(store_price_upsert(fx->st, &(struct store_price){ .provider = "", .model = "test-model",
		.effective_from = "2025-02-01", .source = "t", .rate = { 1, 4 }, .has_rate = { true, true } }, &res, &err), 0);
	assert_int_equal(res, STORE_PRICE_CHANGED);
	assert_int_equal(store_commit(fx->st, &err), 0);
	assert_sql_int(reader(fx), "SELECT count(*) FROM prices WHERE model = 'test-model'", 2);
	assert_sql_int(reader(fx), "SELECT output_per_mtok FROM prices WHERE model = 'test-model' AND effective_from = '2025-02-01'", 4);
	assert_sql_null(reader(fx), "SELECT cache_read_per_mtok FROM prices WHERE model = 'test-model' LIMIT 1");
	buf_free(&err);
}

static void test_rollback_drops_the_prices(void **state)
{
	struct fixture *fx = *state;
	struct buf err = BUF_INIT;
	enum store_price_result res;
	struct store_price p = { .provider = "", .model = "gone-model", .effective_from = "2025-01-01", .source = "t" };
	assert_int_equal(store_begin(fx->st, &err), 0);
	assert_int_equal(store_price_upsert(fx->st, &p, &res, &err), 0);
	store_rollback(fx->st);
	assert_sql_int(reader(fx), "SELECT count(*) FROM prices WHERE model = 'gone-model'", 0);
	buf_free(&err);
}

int main(void)
{
	if (testlib_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_open_creates_the_views),
		T(test_reopen_keeps_the_credential_key),
		T(test_read_only_open_of_missing_database_names_it),
		T(test_events_view_shows_the_stored_values),
		T(test_events_view_unknown_values_are_null),
		T(test_full_secret_is_not_stored),
		T(test_daily_usage_sums_the_batch),
		T(test_hourly_usage_groups_by_hour),
		T(test_aggregates_merge_across_batches),
		T(test_events_before_1970_land_on_their_utc_day),
		T(test_credentials_with_the_same_mask_stay_apart),
		T(test_credentials_view_reports_first_last_and_counts),
		T(test_credential_with_zero_remaining_is_rate_limited),
		T(test_credential_whose_latest_response_is_401_is_invalid),
		T(test_files_view_shows_the_checkpoint),
		T(test_rejects_view_keeps_line_reason_and_text),
		T(test_verify_finds_nothing_in_a_consistent_database),
		T(test_verify_finds_a_corrupted_daily_aggregate),
		T(test_verify_finds_a_daily_token_sum_set_to_null),
		T(test_verify_finds_a_corrupted_hourly_aggregate),
		T(test_verify_finds_a_raw_event_missing_from_aggregates),
		T(test_new_database_has_the_version_of_the_last_migration),
		T(test_version_1_database_gets_the_later_migrations),
		T(test_database_from_a_newer_tokstat_is_refused),
		T(test_store_db_is_read_only),
		T(test_read_only_store_refuses_writes),
		T(test_ingest_open_fails_busy_while_another_holds_the_lock),
		T(test_ingest_open_takes_the_lock_before_writing_anything),
		T(test_failed_lookup_names_the_database),
		T(test_file_format_reports_a_failed_read),
		T(test_price_upsert_adds_changes_and_keeps),
		T(test_rollback_drops_the_prices),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
