/*
 * Unit tests of encode.c: estimates from --estimate, de-duplication across files, rejected
 * lines masked and cut, and free text cleaned, against a real store in a temporary directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "batch.h"
#include "buf.h"
#include "encode.h"
#include "event.h"
#include "store.h"
#include "testlib.h"

/* 2024-03-10T13:55:36Z */
#define T0 1710078936

struct fixture {
	char dir[256];
	struct store *st;
	struct encoder enc;
	struct batch b;
	struct buf err;
	struct encode_estimate *est;
	size_t n_est;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	if (!fx || testlib_tmpdir("encode", fx->dir, sizeof(fx->dir)) < 0) {
		free(fx);
		return -1;
	}
	fx->st = testlib_store(fx->dir, "t.db", STORE_READ_WRITE);
	batch_init(&fx->b);
	if (encode_estimates_parse("chat=500,*=10", &fx->est, &fx->n_est, &fx->err) < 0 ||
	    encode_init(&fx->enc, fx->st, 1 << 20, fx->est, fx->n_est, &fx->err) < 0) {
		fprintf(stderr, "setup: %s\n", buf_str(&fx->err));
		return -1;
	}
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	encode_free(&fx->enc);
	encode_estimates_free(fx->est, fx->n_est);
	batch_free(&fx->b);
	store_close(fx->st);
	testlib_rmtree(fx->dir);
	buf_free(&fx->err);
	free(fx);
	return 0;
}

/* An event at T0 with operation OP (NULL: none) and dedup key KEY (NULL: none). */
static struct event make_event(const char *op, const char *key)
{
	struct event ev;
	event_clear(&ev);
	ev.epoch = T0;
	ev.has_time = true;
	if (op)
		ev.text[EV_OPERATION] = (struct slice){ op, strlen(op) };
	if (key)
		ev.dedup = (struct slice){ key, strlen(key) };
	return ev;
}

static int encode(struct fixture *fx, const char *format, uint64_t line, struct event *ev)
{
	return encode_event(&fx->enc, &fx->b, 1, format, line, ev, &fx->err);
}

static const struct batch_row *last_row(const struct fixture *fx)
{
	assert_true(fx->b.nrows > 0);
	return &fx->b.rows[fx->b.nrows - 1];
}

static void test_estimates_parse_rejects_a_bad_spec(void **state)
{
	(void)state;
	const char *bad[] = { "chat", "=5", "chat=x", "chat=-1", "chat=500,,*=1" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct buf err = BUF_INIT;
		struct encode_estimate *est = NULL;
		size_t n = 0;
		if (encode_estimates_parse(bad[i], &est, &n, &err) != -1)
			fail_msg("'%s' accepted", bad[i]);
		assert_true(err.len > 0);
		encode_estimates_free(est, n);
		buf_free(&err);
	}
}

static void test_estimate_of_the_operation_beats_the_default(void **state)
{
	struct fixture *fx = *state;
	struct event chat = make_event("chat", NULL), other = make_event("embed", NULL), none = make_event(NULL, NULL);
	assert_int_equal(encode(fx, "t", 1, &chat), 0);
	assert_int_equal(last_row(fx)->num[EV_TOTAL_TOKENS], 500);
	assert_true(last_row(fx)->estimated);
	assert_int_equal(encode(fx, "t", 2, &other), 0);
	assert_int_equal(last_row(fx)->num[EV_TOTAL_TOKENS], 10);
	assert_int_equal(encode(fx, "t", 3, &none), 0);
	assert_int_equal(last_row(fx)->num[EV_TOTAL_TOKENS], 10);
	int64_t estimated = 0; /* three daily groups: one per operation */
	for (size_t i = 0; i < fx->b.n_daily; i++)
		estimated += fx->b.daily[i].s.estimated;
	assert_int_equal(estimated, 3);
}

static void test_logged_tokens_are_never_estimated(void **state)
{
	struct fixture *fx = *state;
	struct event ev = make_event("chat", NULL);
	event_set_num(&ev, EV_OUTPUT_TOKENS, 0);
	event_finish(&ev); /* total 0 from the kinds: logged, so no estimate */
	assert_int_equal(encode(fx, "t", 1, &ev), 0);
	assert_false(last_row(fx)->estimated);
	assert_int_equal(last_row(fx)->num[EV_TOTAL_TOKENS], 0);
}

static void test_same_key_is_a_duplicate_within_a_format_only(void **state)
{
	struct fixture *fx = *state;
	struct event a = make_event(NULL, "msg_1|req_1"), b = make_event(NULL, "msg_1|req_1"),
		     c = make_event(NULL, "msg_1|req_1");
	assert_int_equal(encode(fx, "claude_code", 1, &a), 0);
	assert_int_equal(encode(fx, "claude_code", 2, &b), 1); /* not stored */
	assert_int_equal(encode(fx, "other", 3, &c), 0);      /* another format's key */
	assert_int_equal(fx->b.nrows, 2);
	batch_aggregate_pending(&fx->b); /* rows with a key are summed when the batch is written */
	assert_int_equal(fx->b.daily[0].s.requests, 2);
}

/* A line of message KEY with OUTPUT output tokens (and 100 input). */
static struct event streamed(const char *key, int64_t output)
{
	struct event ev = make_event(NULL, key);
	event_set_num(&ev, EV_INPUT_TOKENS, 100);
	event_set_num(&ev, EV_OUTPUT_TOKENS, output);
	event_finish(&ev);
	return ev;
}

static void test_larger_later_line_replaces_the_row_in_its_batch(void **state)
{
	struct fixture *fx = *state;
	struct event a = streamed("msg_1|req_1", 5), b = streamed("msg_1|req_1", 9), c = streamed("msg_1|req_1", 40);
	assert_int_equal(encode(fx, "claude_code", 1, &a), 0);
	assert_int_equal(encode(fx, "claude_code", 2, &b), 2);
	assert_int_equal(fx->enc.replaced, store_event_id(1, 1));
	assert_true(fx->enc.is_replaced_in_batch);
	assert_int_equal(encode(fx, "claude_code", 3, &c), 2);
	assert_int_equal(fx->enc.replaced, store_event_id(1, 2));
	assert_true(fx->b.rows[0].is_dropped && fx->b.rows[1].is_dropped && !fx->b.rows[2].is_dropped);
	assert_int_equal(fx->b.n_replaced, 0); /* nothing committed to take back */
	batch_aggregate_pending(&fx->b);
	assert_int_equal(fx->b.n_daily, 1);
	assert_int_equal(fx->b.daily[0].s.requests, 1);
	assert_int_equal(fx->b.daily[0].s.tokens[1], 40); /* output */
	assert_int_equal(fx->b.daily[0].s.tokens[0], 100); /* input, once */
}

static void test_smaller_or_equal_later_line_is_a_duplicate(void **state)
{
	struct fixture *fx = *state;
	struct event a = streamed("msg_1|req_1", 30), b = streamed("msg_1|req_1", 7), c = streamed("msg_1|req_1", 30);
	assert_int_equal(encode(fx, "claude_code", 1, &a), 0);
	assert_int_equal(encode(fx, "claude_code", 2, &b), 1); /* smaller: the larger stays */
	assert_int_equal(encode(fx, "claude_code", 3, &c), 1); /* a tie keeps the first */
	assert_int_equal(fx->b.nrows, 1);
	assert_false(fx->b.rows[0].is_dropped);
}

static void test_same_output_and_larger_total_replaces(void **state)
{
	struct fixture *fx = *state;
	struct event a = streamed("msg_1|req_1", 30), b = make_event(NULL, "msg_1|req_1");
	event_set_num(&b, EV_INPUT_TOKENS, 101);
	event_set_num(&b, EV_OUTPUT_TOKENS, 30);
	event_finish(&b);
	assert_int_equal(encode(fx, "claude_code", 1, &a), 0);
	assert_int_equal(encode(fx, "claude_code", 2, &b), 2);
}

static void test_larger_line_after_its_batch_lists_the_event_to_take_back(void **state)
{
	struct fixture *fx = *state;
	struct event a = streamed("msg_1|req_1", 5), b = streamed("msg_1|req_1", 9);
	assert_int_equal(encode(fx, "claude_code", 1, &a), 0);
	batch_reset(&fx->b); /* the batch went to the writer; this is the next one */
	assert_int_equal(encode_event(&fx->enc, &fx->b, 2, "claude_code", 1, &b, &fx->err), 2);
	assert_false(fx->enc.is_replaced_in_batch);
	assert_int_equal(fx->b.n_replaced, 1);
	assert_int_equal(fx->b.replaced[0], store_event_id(1, 1));
	assert_int_equal(fx->b.nrows, 1);
}

static void test_ids_of_a_row_are_its_file_and_line(void **state)
{
	struct fixture *fx = *state;
	struct event ev = make_event(NULL, NULL);
	ev.text[EV_USER] = (struct slice){ "alice", 5 };
	assert_int_equal(encode_event(&fx->enc, &fx->b, 3, "t", 77, &ev, &fx->err), 0);
	assert_int_equal(last_row(fx)->id, store_event_id(3, 77));
	assert_true(last_row(fx)->dim[BATCH_DIM_USER] > 0);
	assert_int_equal(last_row(fx)->dim[BATCH_DIM_MODEL], 0); /* NULL */
}

static void test_rejected_line_is_masked_and_cut_at_a_character(void **state)
{
	struct fixture *fx = *state;
	struct buf line = BUF_INIT;
	const char secret[] = "sk-test-SECRETSECRETSECRETSECRET00";
	buf_printf(&line, "token=%s ", secret);
	while (line.len < ENCODE_REJECT_TEXT_MAX - 1)
		buf_addc(&line, 'x');
	buf_adds(&line, "\xc3\xa9\xc3\xa9 tail"); /* a 2-byte character across the cut */
	encode_reject(&fx->enc, &fx->b, 5, line.data, line.len, "bad line", 8);
	assert_int_equal(fx->b.n_rejects, 1);
	const struct batch_reject *r = &fx->b.rejects[0];
	assert_true(r->text_len <= ENCODE_REJECT_TEXT_MAX);
	assert_int_not_equal((unsigned char)fx->b.text.data[r->text_off + r->text_len - 1], 0xc3);
	assert_null(memmem(fx->b.text.data + r->text_off, r->text_len, "SECRETSECRET", 12));
	assert_memory_equal(fx->b.text.data + r->reason_off, "bad line", 8);
	buf_free(&line);
}

int main(void)
{
	if (testlib_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		cmocka_unit_test(test_estimates_parse_rejects_a_bad_spec),
		T(test_estimate_of_the_operation_beats_the_default),
		T(test_logged_tokens_are_never_estimated),
		T(test_same_key_is_a_duplicate_within_a_format_only),
		T(test_larger_later_line_replaces_the_row_in_its_batch),
		T(test_smaller_or_equal_later_line_is_a_duplicate),
		T(test_same_output_and_larger_total_replaces),
		T(test_larger_line_after_its_batch_lists_the_event_to_take_back),
		T(test_ids_of_a_row_are_its_file_and_line),
		T(test_rejected_line_is_masked_and_cut_at_a_character),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
