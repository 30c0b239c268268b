/*
 * Unit tests of ingest.c through ingest_run(): small logs written to a temporary directory
 * are ingested into temporary databases and read back through the views, and the per-file
 * results ingest_run hands to its caller. Expected values come from how each test builds
 * its input, never from tokstat itself.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "buf.h"
#include "format.h"
#include "ingest.h"
#include "store.h"
#include "testlib.h"
#include "verify.h"

/* 2025-10-10T00:00:00Z (`date -u -d 2025-10-10 +%s`) */
#define DAY0 1760054400

#define MAX_DBS 2

struct fixture {
	char dir[256];
	struct format_set set;
	struct store *st[MAX_DBS];
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct buf err = BUF_INIT;
	if (!fx || testlib_tmpdir("ingest", fx->dir, sizeof(fx->dir)) < 0) {
		free(fx);
		return -1;
	}
	if (format_set_load(&fx->set, NULL, &err) != 0) {
		fprintf(stderr, "format_set_load: %s\n", buf_str(&err));
		testlib_rmtree(fx->dir);
		buf_free(&err);
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

/* Close the databases and remove everything the test wrote (databases, WALs, logs). */
static int teardown(void **state)
{
	struct fixture *fx = *state;
	for (int i = 0; i < MAX_DBS; i++)
		store_close(fx->st[i]);
	format_set_free(&fx->set);
	testlib_rmtree(fx->dir);
	free(fx);
	return 0;
}

static void path_in(const struct fixture *fx, const char *name, char *out, size_t n)
{
	testlib_path(fx->dir, name, out, n);
}

/* Database I (0 or 1), opened for writing with the ingest lock held, as `tokstat ingest` does. */
static struct store *open_db(struct fixture *fx, int i, const char *name)
{
	char path[512];
	struct buf err = BUF_INIT;
	struct store_lock lock = { .wait = true };
	path_in(fx, name, path, sizeof(path));
	if (store_open_ingest(&fx->st[i], path, &lock, &err) != 0)
		fail_msg("open %s: %s", path, buf_str(&err));
	buf_free(&err);
	return fx->st[i];
}

static void write_file(const struct fixture *fx, const char *name, const struct buf *text)
{
	char path[512];
	path_in(fx, name, path, sizeof(path));
	testlib_write_file(path, text->data, text->len);
}

static struct ingest_options default_options(void)
{
	return (struct ingest_options){ .max_reject_rate = -1 };
}

/* Ingest the named files of the test directory into ST; returns ingest_run's status. */
static int ingest(struct fixture *fx, struct store *st, const struct ingest_options *opt, const char *const *names,
		  size_t n, struct ingest_totals *totals)
{
	char *paths[8];
	assert_true(n <= 8);
	for (size_t i = 0; i < n; i++) {
		paths[i] = xmalloc(512);
		path_in(fx, names[i], paths[i], 512);
	}
	struct buf err = BUF_INIT;
	int rc = ingest_run(st, &fx->set, opt, paths, n, totals, &err);
	if (rc < 0 && err.len)
		fprintf(stderr, "ingest_run: %s\n", buf_str(&err));
	buf_free(&err);
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	return rc;
}

static void ingest_ok(struct fixture *fx, struct store *st, const struct ingest_options *opt, const char *name,
		      struct ingest_totals *totals)
{
	assert_int_equal(ingest(fx, st, opt, &name, 1, totals), 0);
}

/* ---- reading the database ---- */

static void assert_same_dump(struct store *a, struct store *b, const char *sql, size_t min_rows)
{
	struct buf da = BUF_INIT, db = BUF_INIT;
	sql_dump(store_db(a), sql, &da);
	sql_dump(store_db(b), sql, &db);
	size_t rows = 0;
	for (size_t i = 0; i < da.len; i++)
		rows += da.data[i] == '\n';
	if (rows < min_rows)
		fail_msg("%s: %zu rows, want at least %zu", sql, rows, min_rows);
	if (da.len != db.len || memcmp(da.data, db.data, da.len) != 0) {
		size_t i = 0;
		while (i < da.len && i < db.len && da.data[i] == db.data[i])
			i++;
		size_t from = i > 80 ? i - 80 : 0;
		fail_msg("%s differs at byte %zu:\n  first:  %.160s\n  second: %.160s", sql, i,
			 from < da.len ? da.data + from : "", from < db.len ? db.data + from : "");
	}
	buf_free(&da);
	buf_free(&db);
}

static void assert_verify_clean(struct store *st)
{
	struct buf out = BUF_INIT, err = BUF_INIT;
	int problems = verify_database(st, &out, &err);
	if (problems != 0)
		fail_msg("store_verify: %d: %s%s", problems, buf_str(&out), buf_str(&err));
	buf_free(&out);
	buf_free(&err);
}

/* Does the file at PATH hold the bytes of S anywhere? (a database and its WAL, raw) */
static bool file_contains(const char *path, const char *s)
{
	struct buf data = BUF_INIT;
	bool found = testlib_read_file(path, &data) && data.len && memmem(data.data, data.len, s, strlen(s)) != NULL;
	buf_free(&data);
	return found;
}

/* ---- building inputs ---- */

static void iso_time(int64_t epoch, char *out, size_t n)
{
	time_t t = (time_t)epoch;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void clf_time(int64_t epoch, char *out, size_t n)
{
	time_t t = (time_t)epoch;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, n, "%d/%b/%Y:%H:%M:%S +0000", &tm);
}

/* One line of the proxy format (combined log plus key=value pairs); PAIRS may be "". */
static void proxy_line(struct buf *out, int64_t epoch, const char *path, int status, const char *pairs)
{
	char t[64];
	clf_time(epoch, t, sizeof(t));
	buf_printf(out, "10.0.0.1 - - [%s] \"POST %s HTTP/1.1\" %d 5 \"-\" \"c\"%s%s\n", t, path, status,
		   *pairs ? " " : "", pairs);
}

static const char SECRET_A[] = "sk-test-aaaaaaaaaaaaaaaaaaaaaaaa";
static const char SECRET_B[] = "sk-test-bbbbbbbbbbbbbbbbbbbbbbbb";

/* ---- tests ---- */

struct day_sums {
	int64_t requests, errors, input, output;
};

static void test_proxy_file_gives_the_events_and_daily_sums(void **state)
{
	struct fixture *fx = *state;
	struct buf text = BUF_INIT, pairs = BUF_INIT;
	struct day_sums want[2] = { { 0 } };
	const int n = 40;
	/* lines 1..20 on 2025-10-10, 21..40 on 2025-10-11; every fifth line a 500 */
	for (int i = 0; i < n; i++) {
		int day = i / 20, status = i % 5 == 4 ? 500 : 200, input = i + 1, output = 2 * i + 1;
		buf_reset(&pairs);
		buf_printf(&pairs, "token=%s user=u%d model=m%d input_tokens=%d output_tokens=%d",
			   i % 2 ? SECRET_B : SECRET_A, i % 3, i % 2, input, output);
		proxy_line(&text, DAY0 + day * 86400 + (i % 24) * 3600 + i * 60, "/v1/chat", status, pairs.data);
		want[day].requests++;
		want[day].errors += status >= 400;
		want[day].input += input;
		want[day].output += output;
	}
	write_file(fx, "proxy.log", &text);
	struct store *st = open_db(fx, 0, "a.db");
	struct ingest_options opt = default_options();
	struct ingest_totals totals;
	opt.format = "proxy";
	ingest_ok(fx, st, &opt, "proxy.log", &totals);

	assert_int_equal(totals.files, 1);
	assert_int_equal(totals.failed_files, 0);
	assert_int_equal(totals.lines, n);
	assert_int_equal(totals.events, n);
	assert_int_equal(totals.rejected, 0);
	assert_int_equal(totals.bytes, text.len);
	assert_sql_int(store_db(st), "SELECT count(*) FROM events", n);

	/* line 1: i = 0 */
	assert_sql_text(store_db(st), "SELECT ts FROM events WHERE line = 1", "2025-10-10T00:00:00Z");
	assert_sql_text(store_db(st), "SELECT method FROM events WHERE line = 1", "POST");
	assert_sql_text(store_db(st), "SELECT endpoint FROM events WHERE line = 1", "/v1/chat");
	assert_sql_int(store_db(st), "SELECT status FROM events WHERE line = 1", 200);
	assert_sql_int(store_db(st), "SELECT bytes FROM events WHERE line = 1", 5);
	assert_sql_text(store_db(st), "SELECT user FROM events WHERE line = 1", "u0");
	assert_sql_text(store_db(st), "SELECT model FROM events WHERE line = 1", "m0");
	assert_sql_int(store_db(st), "SELECT input_tokens FROM events WHERE line = 1", 1);
	assert_sql_int(store_db(st), "SELECT output_tokens FROM events WHERE line = 1", 1);
	assert_sql_int(store_db(st), "SELECT total_tokens FROM events WHERE line = 1", 2);
	assert_sql_null(store_db(st), "SELECT cache_read_tokens FROM events WHERE line = 1");
	/* line 22: i = 21, day 1, hour 21, minute 21 */
	assert_sql_text(store_db(st), "SELECT ts FROM events WHERE line = 22", "2025-10-11T21:21:00Z");
	assert_sql_int(store_db(st), "SELECT input_tokens FROM events WHERE line = 22", 22);
	assert_sql_int(store_db(st), "SELECT output_tokens FROM events WHERE line = 22", 43);
	char path[512], sql[768];
	path_in(fx, "proxy.log", path, sizeof(path));
	assert_sql_text(store_db(st), "SELECT file FROM events WHERE line = 22", path);

	const char *days[2] = { "2025-10-10", "2025-10-11" };
	for (int d = 0; d < 2; d++) {
		snprintf(sql, sizeof(sql), "SELECT sum(requests) FROM daily_usage WHERE day = '%s'", days[d]);
		assert_sql_int(store_db(st), sql, want[d].requests);
		snprintf(sql, sizeof(sql), "SELECT sum(errors) FROM daily_usage WHERE day = '%s'", days[d]);
		assert_sql_int(store_db(st), sql, want[d].errors);
		snprintf(sql, sizeof(sql), "SELECT sum(input_tokens) FROM daily_usage WHERE day = '%s'", days[d]);
		assert_sql_int(store_db(st), sql, want[d].input);
		snprintf(sql, sizeof(sql), "SELECT sum(output_tokens) FROM daily_usage WHERE day = '%s'", days[d]);
		assert_sql_int(store_db(st), sql, want[d].output);
		snprintf(sql, sizeof(sql), "SELECT sum(total_tokens) FROM daily_usage WHERE day = '%s'", days[d]);
		assert_sql_int(store_db(st), sql, want[d].input + want[d].output);
	}
	assert_sql_int(store_db(st), "SELECT count(DISTINCT day) FROM daily_usage", 2);

	/* two credentials, shown masked */
	assert_sql_int(store_db(st), "SELECT count(*) FROM credentials", 2);
	assert_sql_int(store_db(st), "SELECT sum(requests) FROM credentials", n);
	assert_sql_int(store_db(st), "SELECT count(*) FROM events WHERE token IS NULL", 0);
	assert_sql_int(store_db(st), "SELECT count(*) FROM events WHERE token LIKE '%aaaaaaaaaaaa%' "
			   "OR token LIKE '%bbbbbbbbbbbb%'", 0);
	assert_sql_int(store_db(st), "SELECT count(DISTINCT token) FROM events", 2);
	buf_free(&text);
	buf_free(&pairs);
}

/* The OpenAI API key of group K: K's own letter and four digits, so masks differ too. */
static void api_key(int k, char *out, size_t n)
{
	char body[21];
	memset(body, 'A' + k, 20);
	body[20] = 0;
	snprintf(out, n, "sk-proj-%s%04d", body, k * 1111);
}

struct json_expect {
	int64_t events, bad, input, output, cache_read, total;
};

/*
 * N lines of OpenAI chat.completion objects with a timestamp, one every 37 s from DAY0, with
 * an invalid line every 997th and a line without usage every 1499th.
 */
static void openai_lines(struct buf *out, int n, struct json_expect *want)
{
	char t[64], key[64];
	memset(want, 0, sizeof(*want));
	for (int i = 0; i < n; i++) {
		if (i % 997 == 996) {
			buf_printf(out, "{\"timestamp\": \"broken %d\n", i);
			want->bad++;
			continue;
		}
		if (i % 1499 == 1498) {
			buf_printf(out, "{\"object\":\"list\",\"data\":[]}\n");
			want->bad++;
			continue;
		}
		int prompt = 100 + i % 50, cached = i % 7, completion = i % 13;
		iso_time(DAY0 + (int64_t)i * 37, t, sizeof(t));
		api_key(i % 5, key, sizeof(key));
		buf_printf(out,
			   "{\"timestamp\":\"%s\",\"object\":\"chat.completion\",\"id\":\"chatcmpl-%d\","
			   "\"model\":\"gpt-4o%s\",\"user\":\"u%d\",\"api_key\":\"%s\","
			   "\"usage\":{\"prompt_tokens\":%d,\"completion_tokens\":%d,\"total_tokens\":%d,"
			   "\"prompt_tokens_details\":{\"cached_tokens\":%d}}}\n",
			   t, i, i % 3 ? "" : "-mini", i % 7, key, prompt, completion, prompt + completion, cached);
		want->events++;
		/* prompt_tokens includes the cached ones: input is the uncached part */
		want->input += prompt - cached;
		want->cache_read += cached;
		want->output += completion;
		want->total += prompt + completion;
	}
}

static void assert_json_totals(struct store *st, const struct json_expect *want)
{
	assert_sql_int(store_db(st), "SELECT count(*) FROM events", want->events);
	assert_sql_int(store_db(st), "SELECT sum(input_tokens) FROM events", want->input);
	assert_sql_int(store_db(st), "SELECT sum(cache_read_tokens) FROM events", want->cache_read);
	assert_sql_int(store_db(st), "SELECT sum(output_tokens) FROM events", want->output);
	assert_sql_int(store_db(st), "SELECT sum(total_tokens) FROM events", want->total);
	assert_sql_int(store_db(st), "SELECT sum(total_tokens) FROM daily_usage", want->total);
	assert_sql_int(store_db(st), "SELECT count(DISTINCT token) FROM events", 5);
}

static const char EVENTS_DUMP[] =
	"SELECT file, line, ts, token, user, endpoint, method, status, model, provider, operation, project, "
	"session, request_id, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, total_tokens, "
	"latency_ms, bytes, error, failed, estimated FROM events ORDER BY file, line";
static const char DAILY_DUMP[] =
	"SELECT day, token, user, endpoint, model, provider, operation, project, requests, errors, input_tokens, "
	"output_tokens, cache_read_tokens, cache_write_tokens, total_tokens, estimated_requests FROM daily_usage "
	"ORDER BY day, token, user, endpoint, model, provider, operation, project";
static const char HOURLY_DUMP[] =
	"SELECT hour, token, user, model, requests, errors, input_tokens, output_tokens, cache_read_tokens, "
	"cache_write_tokens, total_tokens FROM hourly_usage ORDER BY hour, token, user, model";
static const char CREDENTIALS_DUMP[] =
	"SELECT token, first_seen, last_seen, requests, errors, status, rl_remaining FROM credentials ORDER BY token";
static const char FILES_DUMP[] =
	"SELECT file, format, bytes, lines, events, rejected, skipped, duplicates FROM files ORDER BY file";
static const char REJECTS_DUMP[] = "SELECT file, line, reason, text FROM rejects ORDER BY file, line";

static void test_parser_threads_store_the_same_events_as_one_thread(void **state)
{
	struct fixture *fx = *state;
	struct buf text = BUF_INIT;
	struct json_expect want;
	const int n = 5000; /* several 1024-line chunks, and a partial one at the end */
	openai_lines(&text, n, &want);
	write_file(fx, "openai.jsonl", &text);
	struct ingest_options one = default_options(), threads = default_options();
	struct ingest_totals t1, t2;
	one.format = threads.format = "openai";
	one.single_thread = true;
	ingest_ok(fx, open_db(fx, 0, "one.db"), &one, "openai.jsonl", &t1);
	ingest_ok(fx, open_db(fx, 1, "threads.db"), &threads, "openai.jsonl", &t2);

	for (int i = 0; i < 2; i++) {
		assert_json_totals(fx->st[i], &want);
		assert_verify_clean(fx->st[i]);
	}
	assert_int_equal(t1.lines, n);
	assert_int_equal(t2.lines, n);
	assert_int_equal(t1.events, want.events);
	assert_int_equal(t2.events, want.events);
	assert_int_equal(t1.rejected + t1.skipped, want.bad);
	assert_int_equal(t2.rejected, t1.rejected);
	assert_int_equal(t2.skipped, t1.skipped);
	assert_same_dump(fx->st[0], fx->st[1], EVENTS_DUMP, (size_t)want.events);
	assert_same_dump(fx->st[0], fx->st[1], DAILY_DUMP, 3);
	assert_same_dump(fx->st[0], fx->st[1], HOURLY_DUMP, 50);
	assert_same_dump(fx->st[0], fx->st[1], CREDENTIALS_DUMP, 5);
	assert_same_dump(fx->st[0], fx->st[1], FILES_DUMP, 1);
	assert_same_dump(fx->st[0], fx->st[1], REJECTS_DUMP, 0);
	/* the line numbers are the file's: the first invalid line is line 997 */
	assert_sql_int(store_db(fx->st[1]), "SELECT count(*) FROM events WHERE line = 997", 0);
	assert_sql_text(store_db(fx->st[1]), "SELECT request_id FROM events WHERE line = 998", "chatcmpl-997");
	assert_sql_text(store_db(fx->st[1]), "SELECT request_id FROM events WHERE line = 5000", "chatcmpl-4999");
	buf_free(&text);
}

/* A secret of group K for the proxy logs: masks differ by the last four characters. */
static void proxy_secret(int k, char *out, size_t n)
{
	snprintf(out, n, "sk-test-q%019dz%03d", k * 7919, k);
}

struct cc_expect {
	int64_t events, duplicates, input, output, cache_write, cache_read;
};

/*
 * Claude Code transcript lines: line i repeats API message i % DISTINCT, so every line after
 * the first DISTINCT is a duplicate of an earlier one (the same message id and request id).
 */
static void claude_code_lines(struct buf *out, int n, int distinct, struct cc_expect *want)
{
	char t[64];
	memset(want, 0, sizeof(*want));
	for (int i = 0; i < n; i++) {
		int k = i % distinct;
		iso_time(DAY0 + (int64_t)k * 900, t, sizeof(t));
		buf_printf(out,
			   "{\"type\":\"assistant\",\"sessionId\":\"s%d\",\"uuid\":\"uu-%d\",\"timestamp\":\"%s\","
			   "\"requestId\":\"req_%d\",\"cwd\":\"/p%d\",\"message\":{\"id\":\"msg_%d\",\"model\":\"claude-%d\","
			   "\"usage\":{\"input_tokens\":%d,\"output_tokens\":%d,\"cache_creation_input_tokens\":%d,"
			   "\"cache_read_input_tokens\":%d}}}\n",
			   k % 4, i, t, k, k % 2, k, k % 3, k + 1, 2 * k, k % 5, k % 9);
		if (i >= distinct) {
			want->duplicates++;
			continue;
		}
		want->events++;
		want->input += k + 1;
		want->output += 2 * k;
		want->cache_write += k % 5;
		want->cache_read += k % 9;
	}
}

struct proxy_expect {
	int64_t events, errors, input, output;
};

/* N proxy lines cycling through 17 users, 5 models, 11 credentials and 3 endpoints. */
static void proxy_lines(struct buf *out, int n, struct proxy_expect *want)
{
	struct buf pairs = BUF_INIT;
	char secret[64];
	memset(want, 0, sizeof(*want));
	for (int i = 0; i < n; i++) {
		char path[32];
		int status = i % 13 == 12 ? 429 : 200, input = i % 50 + 1, output = i % 7;
		proxy_secret(i % 11, secret, sizeof(secret));
		snprintf(path, sizeof(path), "/v1/e%d", i % 3);
		buf_reset(&pairs);
		buf_printf(&pairs, "token=%s user=u%d model=m%d input_tokens=%d output_tokens=%d%s", secret, i % 17,
			   i % 5, input, output, i % 2 ? " op=chat" : "");
		proxy_line(out, DAY0 + (int64_t)i * 600, path, status, pairs.data);
		want->events++;
		want->errors += status >= 400;
		want->input += input;
		want->output += output;
	}
	buf_free(&pairs);
}

static void assert_mixed_totals(struct store *st, const struct proxy_expect *p, const struct cc_expect *c)
{
	assert_sql_int(store_db(st), "SELECT count(*) FROM events", p->events + c->events);
	assert_sql_int(store_db(st), "SELECT sum(requests) FROM daily_usage WHERE provider IS NULL", p->events);
	assert_sql_int(store_db(st), "SELECT sum(errors) FROM daily_usage WHERE provider IS NULL", p->errors);
	assert_sql_int(store_db(st), "SELECT sum(input_tokens) FROM daily_usage WHERE provider IS NULL", p->input);
	assert_sql_int(store_db(st), "SELECT sum(output_tokens) FROM daily_usage WHERE provider IS NULL", p->output);
	assert_sql_int(store_db(st), "SELECT sum(requests) FROM daily_usage WHERE provider = 'anthropic'", c->events);
	assert_sql_int(store_db(st), "SELECT sum(input_tokens) FROM daily_usage WHERE provider = 'anthropic'", c->input);
	assert_sql_int(store_db(st), "SELECT sum(output_tokens) FROM daily_usage WHERE provider = 'anthropic'", c->output);
	assert_sql_int(store_db(st), "SELECT sum(cache_write_tokens) FROM daily_usage WHERE provider = 'anthropic'", c->cache_write);
	assert_sql_int(store_db(st), "SELECT sum(cache_read_tokens) FROM daily_usage WHERE provider = 'anthropic'", c->cache_read);
	assert_sql_int(store_db(st), "SELECT sum(duplicates) FROM files", c->duplicates);
	assert_sql_int(store_db(st), "SELECT count(*) FROM credentials", 11);
	assert_sql_int(store_db(st), "SELECT count(DISTINCT user) FROM events", 17);
	assert_sql_int(store_db(st), "SELECT count(DISTINCT model) FROM events", 5 + 3);
	assert_sql_int(store_db(st), "SELECT count(DISTINCT endpoint) FROM events", 3);
}

static void test_tiny_cache_and_small_batches_give_the_same_totals(void **state)
{
	struct fixture *fx = *state;
	struct buf proxy = BUF_INIT, cc = BUF_INIT;
	struct proxy_expect pw;
	struct cc_expect cw;
	const char *files[] = { "proxy.log", "session.jsonl" };
	proxy_lines(&proxy, 300, &pw);
	claude_code_lines(&cc, 200, 120, &cw);
	write_file(fx, files[0], &proxy);
	write_file(fx, files[1], &cc);
	struct ingest_options dflt = default_options(), tiny = default_options();
	struct ingest_totals t1, t2;
	tiny.cache_bytes = 1;  /* full after every batch: drain, forget, look up in the database */
	tiny.batch_rows = 7;   /* the duplicates come many batches after their first line */
	assert_int_equal(ingest(fx, open_db(fx, 0, "default.db"), &dflt, files, 2, &t1), 0);
	assert_int_equal(ingest(fx, open_db(fx, 1, "tiny.db"), &tiny, files, 2, &t2), 0);

	for (int i = 0; i < 2; i++) {
		assert_mixed_totals(fx->st[i], &pw, &cw);
		assert_verify_clean(fx->st[i]);
	}
	assert_int_equal(t1.events, pw.events + cw.events);
	assert_int_equal(t2.events, pw.events + cw.events);
	assert_int_equal(t1.duplicates, cw.duplicates);
	assert_int_equal(t2.duplicates, cw.duplicates);
	assert_int_equal(t2.lines, t1.lines);
	assert_same_dump(fx->st[0], fx->st[1], EVENTS_DUMP, (size_t)(pw.events + cw.events));
	assert_same_dump(fx->st[0], fx->st[1], DAILY_DUMP, 10);
	assert_same_dump(fx->st[0], fx->st[1], HOURLY_DUMP, 50);
	assert_same_dump(fx->st[0], fx->st[1], CREDENTIALS_DUMP, 11);
	assert_same_dump(fx->st[0], fx->st[1], FILES_DUMP, 2);
	buf_free(&proxy);
	buf_free(&cc);
}

static void test_ingesting_the_same_file_twice_adds_nothing(void **state)
{
	struct fixture *fx = *state;
	struct buf text = BUF_INIT, first = BUF_INIT, second = BUF_INIT;
	struct proxy_expect pw;
	proxy_lines(&text, 30, &pw);
	write_file(fx, "again.log", &text);
	struct store *st = open_db(fx, 0, "a.db");
	struct ingest_options opt = default_options();
	struct ingest_totals t;
	ingest_ok(fx, st, &opt, "again.log", &t);
	assert_int_equal(t.events, pw.events);
	sql_dump(store_db(st), DAILY_DUMP, &first);

	ingest_ok(fx, st, &opt, "again.log", &t);
	assert_int_equal(t.files, 1);
	assert_int_equal(t.failed_files, 0);
	assert_int_equal(t.lines, 0);
	assert_int_equal(t.events, 0);
	assert_int_equal(t.rejected, 0);
	assert_sql_int(store_db(st), "SELECT count(*) FROM events", pw.events);
	assert_sql_int(store_db(st), "SELECT sum(requests) FROM daily_usage", pw.events);
	assert_sql_int(store_db(st), "SELECT sum(input_tokens) FROM daily_usage", pw.input);
	assert_sql_int(store_db(st), "SELECT sum(requests) FROM credentials", pw.events);
	assert_sql_int(store_db(st), "SELECT count(*) FROM files", 1);
	assert_sql_int(store_db(st), "SELECT events FROM files", pw.events);
	assert_sql_int(store_db(st), "SELECT lines FROM files", 30);
	sql_dump(store_db(st), DAILY_DUMP, &second);
	assert_string_equal(buf_str(&first), buf_str(&second));
	assert_verify_clean(st);
	buf_free(&text);
	buf_free(&first);
	buf_free(&second);
}

static void test_estimates_apply_only_to_events_without_tokens(void **state)
{
	struct fixture *fx = *state;
	struct buf text = BUF_INIT, err = BUF_INIT;
	struct encode_estimate *est = NULL;
	size_t n_est = 0;
	/* line: operation, logged tokens -> expected total, estimated */
	proxy_line(&text, DAY0 + 1, "/v1/chat", 200, "model=m op=chat");                          /* 500, 1 */
	proxy_line(&text, DAY0 + 2, "/v1/emb", 200, "model=m op=embed");                          /* 10, 1 */
	proxy_line(&text, DAY0 + 3, "/v1/x", 200, "model=m");                                     /* 10, 1 */
	proxy_line(&text, DAY0 + 4, "/v1/chat", 200, "model=m op=chat input_tokens=3 output_tokens=4"); /* 7, 0 */
	proxy_line(&text, DAY0 + 5, "/v1/emb", 200, "model=m op=embed total_tokens=9");           /* 9, 0 */
	proxy_line(&text, DAY0 + 6, "/v1/chat", 200, "model=m op=chat output_tokens=0");          /* 0, 0 */
	write_file(fx, "est.log", &text);
	assert_int_equal(encode_estimates_parse("chat=500,*=10", &est, &n_est, &err), 0);
	assert_int_equal(n_est, 2);
	struct store *st = open_db(fx, 0, "a.db");
	struct ingest_options opt = default_options();
	struct ingest_totals t;
	opt.format = "proxy";
	opt.estimates = est;
	opt.n_estimates = n_est;
	ingest_ok(fx, st, &opt, "est.log", &t);
	assert_int_equal(t.events, 6);

	const int64_t total[6] = { 500, 10, 10, 7, 9, 0 };
	const int estimated[6] = { 1, 1, 1, 0, 0, 0 };
	char sql[128];
	for (int i = 0; i < 6; i++) {
		snprintf(sql, sizeof(sql), "SELECT total_tokens FROM events WHERE line = %d", i + 1);
		assert_sql_int(store_db(st), sql, total[i]);
		snprintf(sql, sizeof(sql), "SELECT estimated FROM events WHERE line = %d", i + 1);
		assert_sql_int(store_db(st), sql, estimated[i]);
	}
	/* an estimate is a total only: the kinds stay unknown */
	assert_sql_int(store_db(st), "SELECT count(*) FROM events WHERE estimated = 1 AND coalesce(input_tokens, "
			   "output_tokens, cache_read_tokens, cache_write_tokens) IS NOT NULL", 0);
	assert_sql_int(store_db(st), "SELECT sum(estimated_requests) FROM daily_usage", 3);
	assert_sql_int(store_db(st), "SELECT sum(total_tokens) FROM daily_usage", 536);
	assert_verify_clean(st);
	encode_estimates_free(est, n_est);
	buf_free(&text);
	buf_free(&err);
}

static void test_rejected_line_stores_credentials_masked(void **state)
{
	struct fixture *fx = *state;
	struct buf text = BUF_INIT;
	static const char *secrets[] = { SECRET_A, "sk-test-SECRETSECRETSECRETSECRET00",
					 "sk-test-HIDDENHIDDENHIDDENHIDDEN11", "abcdefghijklmnopqrstuvwxyz0123456789",
					 "JSONKEYJSONKEYJSONKEYJSONKEY" };
	char pairs[128];
	snprintf(pairs, sizeof(pairs), "token=%s model=m input_tokens=1", secrets[0]);
	proxy_line(&text, DAY0, "/v1/chat", 200, pairs);
	buf_printf(&text, "this is not a log line token=%s and more\n", secrets[1]);
	buf_printf(&text, "10.0.0.1 - - [99/Foo/2025:10:00:00 +0000] \"POST /v1/chat HTTP/1.1\" 200 5 \"-\" \"c\" "
			  "api_key=%s model=m\n", secrets[2]);
	buf_printf(&text, "garbage Authorization: Bearer %s\n", secrets[3]);
	buf_printf(&text, "{\"api_key\": \"%s\", \"model\": \"m\"\n", secrets[4]);
	write_file(fx, "rej.log", &text);
	struct store *st = open_db(fx, 0, "rej.db");
	struct ingest_options opt = default_options();
	struct ingest_totals t;
	opt.format = "proxy";
	ingest_ok(fx, st, &opt, "rej.log", &t);
	assert_int_equal(t.events, 1);
	assert_int_equal(t.rejected, 4);

	assert_sql_int(store_db(st), "SELECT count(*) FROM rejects", 4);
	assert_sql_int(store_db(st), "SELECT count(*) FROM rejects WHERE text IS NULL OR reason IS NULL", 0);
	/* the rest of the line is kept, so a reader can see what was wrong */
	assert_sql_int(store_db(st), "SELECT count(*) FROM rejects WHERE line = 2 AND text LIKE 'this is not a log line %'", 1);
	assert_sql_int(store_db(st), "SELECT count(*) FROM rejects WHERE line = 4 AND text LIKE 'garbage %'", 1);
	assert_sql_int(store_db(st), "SELECT count(*) FROM rejects WHERE line = 5 AND text LIKE '{\"api_key\": %'", 1);
	char sql[256], part[16], path[512], wal[600];
	for (size_t i = 0; i < 5; i++) {
		/* a run of the secret that no mask shows (masks show at most 8 + 4 characters) */
		memcpy(part, secrets[i] + 10, 12);
		part[12] = 0;
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM rejects WHERE instr(text, '%s') OR instr(reason, '%s')",
			 part, part);
		assert_sql_int(store_db(st), sql, 0);
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM events WHERE instr(token, '%s')", part);
		assert_sql_int(store_db(st), sql, 0);
	}
	/* nowhere in the database's bytes either, committed or in the WAL */
	path_in(fx, "rej.db", path, sizeof(path));
	snprintf(wal, sizeof(wal), "%s-wal", path);
	for (size_t i = 0; i < 5; i++) {
		if (file_contains(path, secrets[i]) || file_contains(wal, secrets[i]))
			fail_msg("secret %zu found in the database file", i);
	}
	buf_free(&text);
}

/* What on_file is given: kept as text, one line per file, so a test can compare it whole. */
struct seen_files {
	struct buf text;
	sqlite3 *damage_after_first; /* a connection to run DAMAGE on once the first file is done */
	const char *damage;
};

static void collect(void *ctx, const struct ingest_file_result *r)
{
	struct seen_files *sf = ctx;
	const char *name = strrchr(r->path, '/') ? strrchr(r->path, '/') + 1 : r->path;
	buf_printf(&sf->text, "%s status=%d empty=%d counted=%d lines=%llu events=%llu rejected=%llu skipped=%llu "
		   "duplicates=%llu resumed=%d after=%llu format=%s detected=%d %zu/%zu error=%s\n", name, r->status,
		   r->is_empty, r->is_counted, (unsigned long long)r->lines, (unsigned long long)r->events,
		   (unsigned long long)r->rejected, (unsigned long long)r->skipped, (unsigned long long)r->duplicates,
		   r->is_resumed, (unsigned long long)(r->is_resumed ? r->resumed_after : 0), r->format ? r->format : "-",
		   r->is_detected, r->detect_matched, r->detect_tried, r->error ? "yes" : "no");
	if (sf->damage_after_first) {
		testlib_exec(sf->damage_after_first, sf->damage);
		sf->damage_after_first = NULL;
	}
}

static void test_results_say_what_each_file_gave(void **state)
{
	struct fixture *fx = *state;
	struct buf text = BUF_INIT, none = BUF_INIT;
	struct proxy_expect pw;
	struct seen_files sf = { BUF_INIT, NULL, NULL };
	const char *files[] = { "p.log", "empty.log", "p.log", "missing.log" };
	proxy_lines(&text, 40, &pw);
	buf_adds(&text, "not a log line\n");
	write_file(fx, "p.log", &text);
	write_file(fx, "empty.log", &none);
	struct store *st = open_db(fx, 0, "a.db");
	struct ingest_options opt = default_options();
	struct ingest_totals t;
	opt.on_file = collect;
	opt.ctx = &sf;
	assert_int_equal(ingest(fx, st, &opt, files, 4, &t), 1);
	assert_string_equal(buf_str(&sf.text),
		/* 41 lines: the proxy format is detected from the first 32, all of them proxy lines */
		"p.log status=0 empty=0 counted=1 lines=41 events=40 rejected=1 skipped=0 duplicates=0 resumed=0 "
		"after=0 format=proxy detected=1 32/32 error=no\n"
		"empty.log status=0 empty=1 counted=0 lines=0 events=0 rejected=0 skipped=0 duplicates=0 resumed=0 "
		"after=0 format=- detected=0 0/0 error=no\n"
		/* the second time: read before, to line 41; its format is the one recorded */
		"p.log status=0 empty=0 counted=1 lines=0 events=0 rejected=0 skipped=0 duplicates=0 resumed=1 "
		"after=41 format=proxy detected=0 0/0 error=no\n"
		"missing.log status=1 empty=0 counted=0 lines=0 events=0 rejected=0 skipped=0 duplicates=0 resumed=0 "
		"after=0 format=- detected=0 0/0 error=yes\n");
	assert_int_equal(t.files, 4);
	assert_int_equal(t.failed_files, 1);
	buf_free(&text);
	buf_free(&sf.text);
}

/* ingest_run returns what happened; it writes nothing to stdout or stderr itself. */
static void test_ingest_prints_nothing(void **state)
{
	struct fixture *fx = *state;
	struct buf text = BUF_INIT, out = BUF_INIT;
	struct proxy_expect pw;
	char path[512];
	const char *files[] = { "p.log", "missing.log" };
	proxy_lines(&text, 10, &pw);
	write_file(fx, "p.log", &text);
	struct store *st = open_db(fx, 0, "a.db");
	struct ingest_options opt = default_options();
	struct ingest_totals t;
	path_in(fx, "captured", path, sizeof(path));
	fflush(stdout);
	fflush(stderr);
	int saved_out = dup(1), saved_err = dup(2);
	FILE *cap = fopen(path, "w");
	assert_non_null(cap);
	dup2(fileno(cap), 1);
	dup2(fileno(cap), 2);
	int rc = ingest(fx, st, &opt, files, 2, &t);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);
	fclose(cap);
	assert_int_equal(rc, 1);
	assert_true(testlib_read_file(path, &out));
	assert_int_equal(out.len, 0);
	buf_free(&text);
	buf_free(&out);
}

/* A database lookup that fails mid-run ends the run with a message naming the database. */
static void test_failed_lookup_stops_the_run_with_a_message(void **state)
{
	struct fixture *fx = *state;
	struct buf a = BUF_INIT, b = BUF_INIT, c = BUF_INIT;
	struct cc_expect cw;
	char db_path[512];
	/* the second run looks its de-duplication keys up in the database (the first stored some) */
	claude_code_lines(&a, 20, 20, &cw);
	claude_code_lines(&b, 30, 30, &cw);
	claude_code_lines(&c, 40, 40, &cw);
	write_file(fx, "a.jsonl", &a);
	write_file(fx, "b.jsonl", &b);
	write_file(fx, "c.jsonl", &c);
	struct store *st = open_db(fx, 0, "a.db");
	struct ingest_options opt = default_options();
	struct ingest_totals t;
	opt.format = "claude_code";
	ingest_ok(fx, st, &opt, "a.jsonl", &t);
	path_in(fx, "a.db", db_path, sizeof(db_path));
	struct seen_files sf = { BUF_INIT, testlib_sql_open(db_path), "DROP TABLE seen" };
	sqlite3 *damage = sf.damage_after_first;
	const char *files[] = { "b.jsonl", "c.jsonl" };
	opt.on_file = collect;
	opt.ctx = &sf;
	assert_int_equal(ingest(fx, st, &opt, files, 2, &t), -1);
	/* b.jsonl was read; c.jsonl failed on its first lookup and said so */
	assert_non_null(strstr(buf_str(&sf.text), "b.jsonl status=0"));
	assert_non_null(strstr(buf_str(&sf.text), "c.jsonl status=-1"));
	assert_non_null(strstr(buf_str(&sf.text), "error=yes"));
	sqlite3_close(damage);
	buf_free(&a);
	buf_free(&b);
	buf_free(&c);
	buf_free(&sf.text);
}

/* What on_file is given of one file: its status and its error message. */
struct file_error {
	int status;
	struct buf error;
};

static void keep_error(void *ctx, const struct ingest_file_result *r)
{
	struct file_error *fe = ctx;
	fe->status = r->status;
	buf_adds(&fe->error, r->error ? r->error : "(none)");
}

/*
 * A format compiles at its first use (format_compile). If that fails (out of memory), no line
 * of the file is the line's fault: the run stops with the reason, rejecting nothing.
 */
static void test_format_that_cannot_compile_stops_the_run(void **state)
{
	struct fixture *fx = *state;
	struct buf text = BUF_INIT;
	struct json_expect want;
	openai_lines(&text, 5, &want);
	write_file(fx, "openai.jsonl", &text);
	struct format *f = format_find(&fx->set, "openai");
	assert_non_null(f);
	assert_false(f->is_compiled); /* built-in: compiled at its first use */
	free(f->definition);
	f->definition = xstrdup("{\"name\": \"openai\", \"kind\": "); /* what compiling it will fail on */
	struct store *st = open_db(fx, 0, "a.db");
	struct ingest_options opt = default_options();
	struct file_error fe = { 0, BUF_INIT };
	struct ingest_totals t;
	opt.format = "openai";
	opt.single_thread = true;
	opt.on_file = keep_error;
	opt.ctx = &fe;
	assert_int_equal(ingest(fx, st, &opt, (const char *const[]){ "openai.jsonl" }, 1, &t), -1);
	assert_int_equal(fe.status, -1);
	if (!strstr(buf_str(&fe.error), "openai.jsonl: openai (built-in)"))
		fail_msg("error \"%s\"", buf_str(&fe.error));
	assert_int_equal(t.rejected, 0);
	assert_int_equal(t.events, 0);
	buf_free(&fe.error);
	buf_free(&text);
}

int main(void)
{
	if (testlib_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_proxy_file_gives_the_events_and_daily_sums),
		T(test_parser_threads_store_the_same_events_as_one_thread),
		T(test_tiny_cache_and_small_batches_give_the_same_totals),
		T(test_ingesting_the_same_file_twice_adds_nothing),
		T(test_estimates_apply_only_to_events_without_tokens),
		T(test_rejected_line_stores_credentials_masked),
		T(test_results_say_what_each_file_gave),
		T(test_ingest_prints_nothing),
		T(test_failed_lookup_stops_the_run_with_a_message),
		T(test_format_that_cannot_compile_stops_the_run),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
