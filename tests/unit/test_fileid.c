/*
 * Unit tests of fileid.c: which stored file a file is, by its content. Files are written to
 * a temporary directory, identified, read to their end and checkpointed as ingest does, then
 * identified again after being renamed, grown, or replaced by a lookalike.
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
#include "fileid.h"
#include "source.h"
#include "store.h"
#include "store_write.h"
#include "testlib.h"

struct fixture {
	char dir[256];
	struct store *st;
	struct source *src;
	struct buf err;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	if (!fx || testlib_tmpdir("fileid", fx->dir, sizeof(fx->dir)) < 0) {
		free(fx);
		return -1;
	}
	fx->st = testlib_store(fx->dir, "t.db", STORE_READ_WRITE);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	source_close(fx->src);
	store_close(fx->st);
	testlib_rmtree(fx->dir);
	buf_free(&fx->err);
	free(fx);
	return 0;
}

/* Write NAME with TEXT and identify it; its source stays open in fx->src. */
static struct fileid identify(struct fixture *fx, const char *name, const char *text)
{
	char path[320];
	struct fileid id;
	testlib_path(fx->dir, name, path, sizeof(path));
	testlib_write_file(path, text, strlen(text));
	source_close(fx->src);
	fx->src = NULL;
	if (source_open(&fx->src, path, 0, &fx->err) < 0)
		fail_msg("source_open: %s", buf_str(&fx->err));
	if (fileid_identify(fx->st, &fx->src, path, false, 0, &id, &fx->err) != 0)
		fail_msg("fileid_identify: %s", buf_str(&fx->err));
	return id;
}

/* Read what is left of fx->src and record the checkpoint at its end, with its tail. */
static void read_to_the_end(struct fixture *fx, const struct fileid *id)
{
	struct source_line l;
	struct batch b;
	uint64_t lines = id->sf.lines;
	int rc;
	while ((rc = source_next_line(fx->src, &l, &fx->err)) > 0)
		lines = l.number;
	assert_int_equal(rc, 0);
	batch_init(&b);
	b.file_id = id->sf.id;
	b.offset = source_offset(fx->src);
	b.lines = lines;
	b.is_checkpoint = true;
	if (fileid_tail_hash(fx->src, b.offset, b.tail_hash) == 0)
		b.tail_offset = b.offset;
	if (store_write_batch(fx->st, &b, &fx->err) != 0)
		fail_msg("store_write_batch: %s", buf_str(&fx->err));
	batch_free(&b);
}

/* The next line of fx->src, copied into LINE. */
static void next_line(struct fixture *fx, char *line, size_t n)
{
	struct source_line l;
	assert_int_equal(source_next_line(fx->src, &l, &fx->err), 1);
	snprintf(line, n, "%.*s", (int)l.n, l.p);
}

static void test_new_content_is_a_new_file(void **state)
{
	struct fixture *fx = *state;
	struct fileid id = identify(fx, "x.log", "hello\n");
	assert_true(id.sf.is_new);
	assert_true(id.sf.id > 0);
	assert_false(id.is_resumed);
	assert_false(id.is_lookalike);
	assert_int_equal(id.sf.bytes, 0);
}

static void test_renamed_file_is_the_same_file_with_nothing_new(void **state)
{
	struct fixture *fx = *state;
	struct fileid first = identify(fx, "a.log", "first line\nsecond line\n");
	read_to_the_end(fx, &first);
	struct fileid again = identify(fx, "a.log.1", "first line\nsecond line\n");
	assert_false(again.sf.is_new);
	assert_int_equal(again.sf.id, first.sf.id);
	assert_true(again.is_resumed);
	assert_int_equal(again.sf.lines, 2);
	struct source_line l;
	assert_int_equal(source_next_line(fx->src, &l, &fx->err), 0); /* at the checkpoint: the end */
	/* one file, and its name follows the latest path */
	assert_sql_text(store_db(fx->st), "SELECT count(*) || ' ' || (file LIKE '%/a.log.1') FROM files", "1 1");
}

static void test_grown_file_is_read_on_from_its_checkpoint(void **state)
{
	struct fixture *fx = *state;
	char line[64];
	struct fileid first = identify(fx, "g.log", "line one\n");
	read_to_the_end(fx, &first);
	struct fileid grown = identify(fx, "g.log", "line one\nline two\nline three\n");
	assert_int_equal(grown.sf.id, first.sf.id);
	assert_true(grown.is_resumed);
	next_line(fx, line, sizeof(line));
	assert_string_equal(line, "line two");
	read_to_the_end(fx, &grown);
	/* once more after it grew again: the head recorded is now the longer one */
	struct fileid again = identify(fx, "g.log", "line one\nline two\nline three\nline four\n");
	assert_int_equal(again.sf.id, first.sf.id);
	next_line(fx, line, sizeof(line));
	assert_string_equal(line, "line four");
	assert_sql_int(store_db(fx->st), "SELECT count(*) FROM files", 1);
}

static void test_copy_that_went_its_own_way_is_a_lookalike(void **state)
{
	struct fixture *fx = *state;
	struct buf a = BUF_INIT, b = BUF_INIT;
	/* the same first SOURCE_HEAD_MAX bytes (the head), then other lines before the checkpoint */
	for (int i = 0; a.len <= SOURCE_HEAD_MAX; i++)
		buf_printf(&a, "common line %d\n", i);
	buf_add(&b, a.data, a.len);
	buf_adds(&a, "then this\n");
	buf_adds(&b, "then that\nand more\n");
	struct fileid first = identify(fx, "c.log", buf_str(&a));
	read_to_the_end(fx, &first);
	struct fileid copy = identify(fx, "c2.log", buf_str(&b));
	buf_free(&a);
	buf_free(&b);
	assert_true(copy.sf.is_new);
	assert_int_not_equal(copy.sf.id, first.sf.id);
	assert_true(copy.is_lookalike);
	assert_false(copy.is_resumed);
}

static void test_other_content_under_the_same_name_is_a_new_file(void **state)
{
	struct fixture *fx = *state;
	struct fileid monday = identify(fx, "same-name.log", "monday\n");
	struct fileid tuesday = identify(fx, "same-name.log", "tuesday\n");
	assert_true(tuesday.sf.is_new);
	assert_int_not_equal(tuesday.sf.id, monday.sf.id);
	assert_false(tuesday.is_lookalike);
	assert_sql_int(store_db(fx->st), "SELECT count(*) FROM files", 2);
}

static void test_shorter_file_with_other_content_is_not_a_match(void **state)
{
	struct fixture *fx = *state;
	struct fileid a = identify(fx, "a.log", "abc\n");
	/* longer, but its first 4 bytes differ: not a grown a.log */
	struct fileid b = identify(fx, "b.log", "abd\nmore\n");
	assert_true(b.sf.is_new);
	assert_int_not_equal(b.sf.id, a.sf.id);
}

static void test_empty_file_of_an_older_run_matches_nothing(void **state)
{
	struct fixture *fx = *state;
	struct store_file empty;
	char fp[33];
	source_fingerprint("", 0, fp);
	assert_int_equal(store_file_create(fx->st, "empty.log", 0, fp, &empty, &fx->err), 0);
	struct fileid full = identify(fx, "full.log", "content\n");
	assert_true(full.sf.is_new);
	assert_int_not_equal(full.sf.id, empty.id);
}

int main(void)
{
	if (testlib_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_new_content_is_a_new_file),
		T(test_renamed_file_is_the_same_file_with_nothing_new),
		T(test_grown_file_is_read_on_from_its_checkpoint),
		T(test_copy_that_went_its_own_way_is_a_lookalike),
		T(test_other_content_under_the_same_name_is_a_new_file),
		T(test_shorter_file_with_other_content_is_not_a_match),
		T(test_empty_file_of_an_older_run_matches_nothing),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
