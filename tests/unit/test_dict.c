/*
 * Unit tests of dict.c: the ingest producer's id caches for text values, credentials and
 * de-duplication keys, checked against a real store in a temporary directory: ids, what
 * goes into a batch, and lookups that fall back to the database after dict_forget.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "buf.h"
#include "credential.h"
#include "dict.h"
#include "store.h"
#include "store_write.h"
#include "testlib.h"

/* 2024-03-10T13:55:36Z */
#define T0 1710078936

static const char SECRET_A[] = "ghp_abc1DEFGHIJKLMNOPQRSTUVWXYZ01234wxyz";
static const char SECRET_B[] = "ghp_abc1ZZZZZZZZZZZZZZZZZZZZZZZZZZZZwxyz"; /* the same mask as A */
static const char SECRET_A_MIDDLE[] = "DEFGHIJKLMNOPQRSTUVWXYZ"; /* never shown by a mask */

struct fixture {
	char dir[256];
	struct store *st;
	int64_t file_id;
	uint64_t next_line;
	struct dict d;
	bool has_dict;
	struct batch b;
	struct buf err; /* what a failed lookup said */
	struct dict_seen entry; /* what seen() found last */
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct store_file f;
	if (!fx || testlib_tmpdir("dict", fx->dir, sizeof(fx->dir)) < 0) {
		free(fx);
		return -1;
	}
	fx->st = testlib_store(fx->dir, "test.db", STORE_READ_WRITE);
	if (store_file_create(fx->st, "d.log", 5, "00000000000000000000000000000000", &f, &fx->err) != 0) {
		fprintf(stderr, "setup: %s\n", buf_str(&fx->err));
		store_close(fx->st);
		testlib_rmtree(fx->dir);
		free(fx);
		return -1;
	}
	fx->file_id = f.id;
	fx->next_line = 1;
	batch_init(&fx->b);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	if (fx->has_dict)
		dict_free(&fx->d);
	batch_free(&fx->b);
	store_close(fx->st);
	testlib_rmtree(fx->dir);
	buf_free(&fx->err);
	free(fx);
	return 0;
}

static void init_dict(struct fixture *fx, size_t max_bytes)
{
	struct buf err = BUF_INIT;
	if (dict_init(&fx->d, fx->st, max_bytes, &err) != 0)
		fail_msg("dict_init: %s", buf_str(&err));
	fx->has_dict = true;
	buf_free(&err);
}

/* Free the dict and start a new one on what the database holds now. */
static void reinit_dict(struct fixture *fx, size_t max_bytes)
{
	dict_free(&fx->d);
	fx->has_dict = false;
	init_dict(fx, max_bytes);
}

static int64_t value_id(struct fixture *fx, const char *s)
{
	/* a private copy: the dict must compare contents, not pointers */
	char *copy = s ? xstrdup(s) : NULL;
	int64_t id = dict_value_id(&fx->d, &fx->b, copy, s ? strlen(s) : 0, &fx->err);
	free(copy);
	return id;
}

static int64_t cred_id(struct fixture *fx, const char *secret)
{
	char *copy = xstrdup(secret);
	int64_t id = dict_credential_id(&fx->d, &fx->b, copy, strlen(copy), &fx->err);
	free(copy);
	return id;
}

static void make_key(unsigned char key[16], int n)
{
	memset(key, 0, 16);
	snprintf((char *)key, 16, "key-%d", n);
}

/* A row that carries dedup KEY, so committing the batch stores the key in the database. */
static void add_keyed_row(struct fixture *fx, const unsigned char key[16])
{
	struct batch_row *r = batch_add_row(&fx->b);
	r->id = store_event_id(fx->file_id, fx->next_line);
	r->epoch = T0;
	r->failed = -1;
	r->has_dedup = true;
	memcpy(r->dedup, key, 16);
	batch_aggregate(&fx->b, r);
	batch_file(&fx->b, fx->file_id)->events++;
	batch_file(&fx->b, fx->file_id)->lines = fx->next_line++;
}

/* dict_seen of KEY: 1 seen, 0 new; the entry is remembered in fx->entry. */
static int seen(struct fixture *fx, const unsigned char key[16])
{
	struct dict_seen *e = NULL;
	int rc = dict_seen(&fx->d, key, &e, &fx->err);
	if (rc >= 0)
		fx->entry = *e;
	return rc;
}

/* Commit the batch as the writer thread would, and start an empty one. */
static void commit(struct fixture *fx)
{
	struct buf err = BUF_INIT;
	fx->b.file_id = fx->file_id;
	batch_file(&fx->b, fx->file_id)->format = "test";
	batch_file(&fx->b, fx->file_id)->has_checkpoint = true;
	if (store_write_batch(fx->st, &fx->b, &err) != 0)
		fail_msg("store_write_batch: %s", buf_str(&err));
	batch_reset(&fx->b);
	buf_free(&err);
}

static bool batch_text_has(const struct batch *b, const char *s)
{
	return b->text.len && memmem(b->text.data, b->text.len, s, strlen(s)) != NULL;
}

static bool new_text_is(const struct batch *b, const struct batch_new_text *t, const char *s)
{
	return t->len == strlen(s) && memcmp(b->text.data + t->off, s, t->len) == 0;
}

static int64_t sql_int(struct fixture *fx, const char *sql)
{
	return sql_int_or(store_db(fx->st), sql, -1);
}

/* ---- text values ---- */

static void test_ids_start_at_one_in_an_empty_database(void **state)
{
	struct fixture *fx = *state;
	init_dict(fx, 1 << 20);
	assert_int_equal(value_id(fx, "alice"), 1);
	assert_int_equal(value_id(fx, "bob"), 2);
}

static void test_new_ids_follow_the_largest_stored_id(void **state)
{
	struct fixture *fx = *state;
	/* ids 5 and 9 in the database (gaps included): the next one is 10 */
	struct batch_new_text t[2] = { { .id = 5 }, { .id = 9 } };
	t[0].off = batch_text(&fx->b, "five", 4);
	t[0].len = 4;
	t[1].off = batch_text(&fx->b, "nine", 4);
	t[1].len = 4;
	fx->b.new_dict = xmalloc(sizeof(t));
	memcpy(fx->b.new_dict, t, sizeof(t));
	fx->b.n_new_dict = fx->b.new_dict_cap = 2;
	commit(fx);
	init_dict(fx, 1 << 20);
	assert_int_equal(value_id(fx, "ten"), 10);
	assert_int_equal(value_id(fx, "eleven"), 11);
}

static void test_same_text_gets_the_same_id(void **state)
{
	struct fixture *fx = *state;
	init_dict(fx, 1 << 20);
	int64_t a = value_id(fx, "gpt-4o");
	int64_t b = value_id(fx, "gpt-4o-mini");
	assert_true(a > 0);
	assert_true(b > 0);
	assert_int_not_equal(a, b);
	assert_int_equal(value_id(fx, "gpt-4o"), a);
	assert_int_equal(value_id(fx, "gpt-4o-mini"), b);
	/* a prefix is another value: lengths count */
	assert_int_equal(dict_value_id(&fx->d, &fx->b, "gpt-4o-mini", 6, &fx->err), a);
}

static void test_null_value_is_id_zero(void **state)
{
	struct fixture *fx = *state;
	init_dict(fx, 1 << 20);
	assert_int_equal(dict_value_id(&fx->d, &fx->b, NULL, 0, &fx->err), 0);
	assert_int_equal(dict_value_id(&fx->d, &fx->b, NULL, 7, &fx->err), 0);
	assert_int_equal(fx->b.n_new_dict, 0);
	/* and 0 is not handed out to a real value */
	assert_int_equal(value_id(fx, "x"), 1);
}

static void test_new_value_is_added_to_the_batch_once(void **state)
{
	struct fixture *fx = *state;
	init_dict(fx, 1 << 20);
	int64_t model = value_id(fx, "gpt-4o");
	value_id(fx, "gpt-4o");
	int64_t user = value_id(fx, "alice");
	value_id(fx, "gpt-4o");
	value_id(fx, "alice");
	assert_int_equal(fx->b.n_new_dict, 2);
	assert_int_equal(fx->b.new_dict[0].id, model);
	assert_true(new_text_is(&fx->b, &fx->b.new_dict[0], "gpt-4o"));
	assert_int_equal(fx->b.new_dict[1].id, user);
	assert_true(new_text_is(&fx->b, &fx->b.new_dict[1], "alice"));
	/* a value known from an earlier batch is not added to the next one */
	commit(fx);
	assert_int_equal(value_id(fx, "gpt-4o"), model);
	assert_int_equal(fx->b.n_new_dict, 0);
}

/* ---- credentials ---- */

static void test_same_secret_gets_the_same_credential_id(void **state)
{
	struct fixture *fx = *state;
	init_dict(fx, 1 << 20);
	int64_t a = cred_id(fx, SECRET_A);
	assert_true(a > 0);
	assert_int_equal(cred_id(fx, SECRET_A), a);
	assert_int_equal(fx->b.n_new_cred, 1);
}

static void test_secrets_with_the_same_mask_get_different_ids(void **state)
{
	struct fixture *fx = *state;
	struct buf ma = BUF_INIT, mb = BUF_INIT;
	credential_mask(SECRET_A, strlen(SECRET_A), &ma);
	credential_mask(SECRET_B, strlen(SECRET_B), &mb);
	assert_string_equal(buf_str(&ma), buf_str(&mb)); /* the premise of this test */
	init_dict(fx, 1 << 20);
	int64_t a = cred_id(fx, SECRET_A);
	int64_t b = cred_id(fx, SECRET_B);
	assert_int_not_equal(a, b);
	assert_int_equal(cred_id(fx, SECRET_A), a);
	assert_int_equal(cred_id(fx, SECRET_B), b);
	assert_int_equal(fx->b.n_new_cred, 2);
	assert_string_not_equal(fx->b.new_cred[0].fingerprint, fx->b.new_cred[1].fingerprint);
	buf_free(&ma);
	buf_free(&mb);
}

static void test_new_credential_in_the_batch_is_masked_never_the_secret(void **state)
{
	struct fixture *fx = *state;
	struct buf mask = BUF_INIT;
	char fp[CREDENTIAL_FP_HEX];
	init_dict(fx, 1 << 20);
	int64_t id = cred_id(fx, SECRET_A);
	assert_int_equal(fx->b.n_new_cred, 1);
	const struct batch_new_text *t = &fx->b.new_cred[0];
	assert_int_equal(t->id, id);
	credential_mask(SECRET_A, strlen(SECRET_A), &mask);
	assert_true(new_text_is(&fx->b, t, buf_str(&mask)));
	credential_fingerprint(store_credential_key(fx->st), SECRET_A, strlen(SECRET_A), fp);
	assert_string_equal(t->fingerprint, fp);
	assert_false(batch_text_has(&fx->b, SECRET_A));
	assert_false(batch_text_has(&fx->b, SECRET_A_MIDDLE));
	/* credentials are not text values: nothing in the dictionary */
	assert_int_equal(fx->b.n_new_dict, 0);
	buf_free(&mask);
}

static void test_credential_ids_and_value_ids_are_separate(void **state)
{
	struct fixture *fx = *state;
	init_dict(fx, 1 << 20);
	assert_int_equal(cred_id(fx, SECRET_A), 1);
	assert_int_equal(value_id(fx, "alice"), 1);
	assert_int_equal(cred_id(fx, SECRET_B), 2);
}

/* ---- de-duplication keys ---- */

static void test_seen_returns_0_then_1_for_the_same_key(void **state)
{
	struct fixture *fx = *state;
	unsigned char k1[16], k2[16];
	make_key(k1, 1);
	make_key(k2, 2);
	init_dict(fx, 1 << 20);
	assert_int_equal(seen(fx, k1), 0);
	assert_int_equal(seen(fx, k1), 1);
	assert_int_equal(seen(fx, k2), 0);
	assert_int_equal(seen(fx, k2), 1);
	assert_int_equal(seen(fx, k1), 1);
}

/* ---- after dict_forget: the database answers ---- */

static void test_forget_falls_back_to_the_database_for_values(void **state)
{
	struct fixture *fx = *state;
	init_dict(fx, 1 << 20);
	int64_t a = value_id(fx, "alice"), m = value_id(fx, "gpt-4o");
	commit(fx);
	dict_forget(&fx->d);
	assert_int_equal(value_id(fx, "gpt-4o"), m);
	assert_int_equal(value_id(fx, "alice"), a);
	assert_int_equal(fx->b.n_new_dict, 0); /* stored already: not added again */
	int64_t n = value_id(fx, "new");
	assert_true(n > a && n > m);
	assert_int_equal(fx->b.n_new_dict, 1);
	commit(fx); /* a duplicate id or value would violate the dict table's constraints */
	assert_int_equal(sql_int(fx, "SELECT count(*) FROM dict"), 3);
}

static void test_forget_falls_back_to_the_database_for_credentials(void **state)
{
	struct fixture *fx = *state;
	init_dict(fx, 1 << 20);
	int64_t a = cred_id(fx, SECRET_A), b = cred_id(fx, SECRET_B);
	commit(fx);
	dict_forget(&fx->d);
	assert_int_equal(cred_id(fx, SECRET_B), b);
	assert_int_equal(cred_id(fx, SECRET_A), a);
	assert_int_equal(fx->b.n_new_cred, 0);
	int64_t c = cred_id(fx, "sk-proj-0123456789abcdefghijklmnop");
	assert_true(c > a && c > b);
	commit(fx);
	assert_int_equal(sql_int(fx, "SELECT count(*) FROM credential"), 3);
}

static void test_forget_falls_back_to_the_database_for_seen_keys(void **state)
{
	struct fixture *fx = *state;
	unsigned char k1[16], k2[16], k3[16];
	make_key(k1, 1);
	make_key(k2, 2);
	make_key(k3, 3);
	init_dict(fx, 1 << 20);
	assert_int_equal(seen(fx, k1), 0);
	add_keyed_row(fx, k1);
	assert_int_equal(seen(fx, k2), 0);
	add_keyed_row(fx, k2);
	commit(fx);
	dict_forget(&fx->d);
	assert_int_equal(seen(fx, k2), 1);
	assert_int_equal(seen(fx, k1), 1);
	assert_int_equal(seen(fx, k3), 0);
	assert_int_equal(seen(fx, k3), 1);
}

/* Keep-last needs, for a key counted in an earlier run, its event and the figures to beat. */
static void test_seen_key_from_the_database_gives_its_event_and_figures(void **state)
{
	struct fixture *fx = *state;
	unsigned char k1[16];
	make_key(k1, 1);
	init_dict(fx, 1 << 20);
	assert_int_equal(seen(fx, k1), 0);
	add_keyed_row(fx, k1);
	struct batch_row *r = &fx->b.rows[fx->b.nrows - 1];
	r->num[EV_OUTPUT_TOKENS] = 42;
	r->num_set |= 1u << EV_OUTPUT_TOKENS; /* total_tokens stays NULL */
	int64_t id = r->id;
	commit(fx);
	dict_forget(&fx->d);
	assert_int_equal(seen(fx, k1), 1);
	assert_int_equal(fx->entry.s.event, id);
	assert_int_equal(fx->entry.s.output_tokens, 42);
	assert_true(fx->entry.s.total_tokens == STORE_SEEN_NONE);
	assert_null(fx->entry.batch); /* committed: not in a batch being filled */
}

static void test_init_on_a_database_with_values_returns_the_stored_ids(void **state)
{
	struct fixture *fx = *state;
	unsigned char k1[16], k2[16];
	make_key(k1, 1);
	make_key(k2, 2);
	init_dict(fx, 1 << 20);
	int64_t a = value_id(fx, "alice"), m = value_id(fx, "gpt-4o");
	int64_t c = cred_id(fx, SECRET_A);
	assert_int_equal(seen(fx, k1), 0);
	add_keyed_row(fx, k1);
	commit(fx);

	reinit_dict(fx, 1 << 20);
	assert_int_equal(value_id(fx, "gpt-4o"), m);
	assert_int_equal(value_id(fx, "alice"), a);
	assert_int_equal(cred_id(fx, SECRET_A), c);
	assert_int_equal(seen(fx, k1), 1);
	assert_int_equal(seen(fx, k2), 0);
	assert_int_equal(fx->b.n_new_dict, 0);
	assert_int_equal(fx->b.n_new_cred, 0);
	/* new entries continue after the stored ones */
	int64_t n = value_id(fx, "bob");
	assert_true(n > a && n > m);
	int64_t c2 = cred_id(fx, SECRET_B);
	assert_true(c2 > c);
	commit(fx);
	assert_int_equal(sql_int(fx, "SELECT count(*) FROM dict"), 3);
	assert_int_equal(sql_int(fx, "SELECT count(*) FROM credential"), 2);
}

/* ---- memory bound ---- */

static void test_is_full_turns_true_with_a_tiny_limit(void **state)
{
	struct fixture *fx = *state;
	init_dict(fx, 64);
	assert_false(dict_is_full(&fx->d));
	value_id(fx, "alice");
	assert_true(dict_is_full(&fx->d));
}

static void test_is_full_stays_false_under_a_large_limit(void **state)
{
	struct fixture *fx = *state;
	unsigned char k[16];
	make_key(k, 1);
	init_dict(fx, 64u << 20);
	value_id(fx, "alice");
	cred_id(fx, SECRET_A);
	seen(fx, k);
	assert_false(dict_is_full(&fx->d));
}

/*
 * dict_forget is how the caller makes room (ingest's flush_batch: full -> drain -> forget);
 * when the dict still reports full afterwards, every later batch waits for the writer and
 * starts with empty caches.
 */
static void test_forget_makes_a_full_dict_not_full(void **state)
{
	struct fixture *fx = *state;
	char v[32];
	init_dict(fx, 16384);
	for (int i = 0; !dict_is_full(&fx->d); i++) {
		assert_true(i < 100000);
		snprintf(v, sizeof(v), "value-%d", i);
		value_id(fx, v);
	}
	commit(fx);
	dict_forget(&fx->d);
	assert_false(dict_is_full(&fx->d));
}

/* A lookup that fails (here: the table is gone) is an error with a message, never a new id. */
static void test_failed_lookup_is_an_error_with_a_message(void **state)
{
	struct fixture *fx = *state;
	char path[320];
	init_dict(fx, 1 << 20);
	value_id(fx, "alice");
	commit(fx);
	dict_forget(&fx->d);
	testlib_path(fx->dir, "test.db", path, sizeof(path));
	sqlite3 *db = testlib_sql_open(path);
	testlib_exec(db, "DROP TABLE dict");
	sqlite3_close(db);
	buf_reset(&fx->err);
	assert_int_equal(value_id(fx, "bob"), -1);
	assert_non_null(strstr(buf_str(&fx->err), path));
}

int main(void)
{
	if (testlib_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_ids_start_at_one_in_an_empty_database),
		T(test_new_ids_follow_the_largest_stored_id),
		T(test_same_text_gets_the_same_id),
		T(test_null_value_is_id_zero),
		T(test_new_value_is_added_to_the_batch_once),
		T(test_same_secret_gets_the_same_credential_id),
		T(test_secrets_with_the_same_mask_get_different_ids),
		T(test_new_credential_in_the_batch_is_masked_never_the_secret),
		T(test_credential_ids_and_value_ids_are_separate),
		T(test_seen_returns_0_then_1_for_the_same_key),
		T(test_forget_falls_back_to_the_database_for_values),
		T(test_forget_falls_back_to_the_database_for_credentials),
		T(test_forget_falls_back_to_the_database_for_seen_keys),
		T(test_seen_key_from_the_database_gives_its_event_and_figures),
		T(test_init_on_a_database_with_values_returns_the_stored_ids),
		T(test_is_full_turns_true_with_a_tiny_limit),
		T(test_is_full_stays_false_under_a_large_limit),
		T(test_forget_makes_a_full_dict_not_full),
		T(test_failed_lookup_is_an_error_with_a_message),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
