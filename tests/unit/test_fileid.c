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

#include <unistd.h>

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

/* Commit what identifying F asks the batch to record: a new file's row, a new name or head. */
static void record(struct fixture *fx, const struct fileid *id, const char *name)
{
	struct batch b;
	batch_init(&b);
	if (id->sf.is_new || id->is_claimed) {
		struct batch_file *f = batch_file(&b, id->sf.id);
		f->is_new = id->sf.is_new;
		f->is_claimed = id->is_claimed;
		f->name_len = (uint32_t)strlen(name);
		f->name_off = batch_text(&b, name, f->name_len);
		f->head_len = id->sf.head_len;
		memcpy(f->fingerprint, id->sf.fingerprint, sizeof(f->fingerprint));
		if (store_write_batch(fx->st, &b, &fx->err) != 0)
			fail_msg("store_write_batch: %s", buf_str(&fx->err));
	}
	batch_free(&b);
}

/* Identify the source opened from PATH, in a run of its own, and record it. 0, or fileid's status. */
static int identify_path(struct fixture *fx, const char *path, struct fileid *id)
{
	struct fileid_run run;
	if (fileid_run_init(&run, fx->st, &fx->err) != 0)
		fail_msg("fileid_run_init: %s", buf_str(&fx->err));
	int rc = fileid_identify(fx->st, &run, &fx->src, path, 0, id, &fx->err);
	fileid_run_free(&run);
	if (rc == 0)
		record(fx, id, source_name(fx->src));
	return rc;
}

static void open_source(struct fixture *fx, const char *path)
{
	source_close(fx->src);
	fx->src = NULL;
	if (source_open(&fx->src, path, 0, &fx->err) < 0)
		fail_msg("source_open: %s", buf_str(&fx->err));
}

/* Write NAME with TEXT and identify it; its source stays open in fx->src. */
static struct fileid identify(struct fixture *fx, const char *name, const char *text)
{
	char path[320];
	struct fileid id;
	testlib_path(fx->dir, name, path, sizeof(path));
	testlib_write_file(path, text, strlen(text));
	open_source(fx, path);
	if (identify_path(fx, path, &id) != 0)
		fail_msg("fileid_identify: %s", buf_str(&fx->err));
	return id;
}

/*
 * A pipe holding TEXT (it must fit the pipe's buffer), opened by its /dev/fd path as a shell's
 * <(...) is: input that cannot be read again. Its source is fx->src.
 */
static void open_pipe(struct fixture *fx, const char *text, char *path, size_t n)
{
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], text, strlen(text)), (ssize_t)strlen(text));
	close(fds[1]);
	snprintf(path, n, "/dev/fd/%d", fds[0]);
	open_source(fx, path);
	close(fds[0]); /* the source has its own descriptor */
	assert_false(source_is_rereadable(fx->src));
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
	struct batch_file *f = batch_file(&b, id->sf.id);
	f->has_checkpoint = true;
	f->offset = source_offset(fx->src);
	f->lines = lines;
	if (fileid_tail_hash(fx->src, f->offset, f->tail_hash) == 0)
		f->tail_offset = f->offset;
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

/* Two texts with the same first SOURCE_HEAD_MAX bytes (the head), then other lines. */
static void lookalikes(struct buf *a, struct buf *b)
{
	for (int i = 0; a->len <= SOURCE_HEAD_MAX; i++)
		buf_printf(a, "common line %d\n", i);
	buf_add(b, a->data, a->len);
	for (int i = 0; i < 400; i++) { /* past a tail of STORE_TAIL_BYTES after the head */
		buf_printf(a, "then this %d\n", i);
		buf_printf(b, "then that %d, and more\n", i);
	}
}

/* PATH.gz made from PATH by gzip(1), not by the code under test. */
static void gzip_file(const char *path)
{
	char cmd[800];
	snprintf(cmd, sizeof(cmd), "gzip -n -k -f '%s'", path);
	assert_int_equal(system(cmd), 0);
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
	lookalikes(&a, &b);
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

/* Write NAME with TEXT, identify it as a new file and read it to its end. */
static struct fileid read_new(struct fixture *fx, const char *name, const char *text)
{
	struct fileid id = identify(fx, name, text);
	assert_true(id.sf.is_new);
	read_to_the_end(fx, &id);
	return id;
}

static void test_gzip_copy_of_the_second_of_two_lookalikes_is_that_one(void **state)
{
	struct fixture *fx = *state;
	struct buf a = BUF_INIT, b = BUF_INIT;
	char path[320], gz[330];
	lookalikes(&a, &b);
	read_new(fx, "a.log", buf_str(&a));
	struct fileid second = read_new(fx, "b.log", buf_str(&b));
	/* b rotated and compressed: its head matches both files; only b's tail matches */
	testlib_path(fx->dir, "b.log", path, sizeof(path));
	gzip_file(path);
	snprintf(gz, sizeof(gz), "%s.gz", path);
	open_source(fx, gz);
	struct fileid id;
	assert_int_equal(identify_path(fx, gz, &id), 0);
	assert_int_equal(id.sf.id, second.sf.id);
	assert_true(id.is_resumed);
	assert_false(id.is_lookalike);
	struct source_line l;
	assert_int_equal(source_next_line(fx->src, &l, &fx->err), 0); /* at b's checkpoint: its end */
	buf_free(&a);
	buf_free(&b);
}

static void test_pipe_of_the_second_of_two_lookalikes_grown_is_read_on(void **state)
{
	struct fixture *fx = *state;
	struct buf a = BUF_INIT, b = BUF_INIT;
	char path[64], line[64];
	lookalikes(&a, &b);
	read_new(fx, "a.log", buf_str(&a));
	struct fileid second = read_new(fx, "b.log", buf_str(&b));
	buf_adds(&b, "a new line\n");
	open_pipe(fx, buf_str(&b), path, sizeof(path));
	struct fileid id;
	assert_int_equal(identify_path(fx, path, &id), 0);
	assert_int_equal(id.sf.id, second.sf.id);
	assert_true(id.is_resumed);
	next_line(fx, line, sizeof(line));
	assert_string_equal(line, "a new line");
	buf_free(&a);
	buf_free(&b);
}

static void test_pipe_that_is_another_file_fails_naming_it_a_pipe(void **state)
{
	struct fixture *fx = *state;
	struct buf a = BUF_INIT, b = BUF_INIT;
	char path[64];
	lookalikes(&a, &b);
	read_new(fx, "a.log", buf_str(&a));
	/* b through a pipe after only a was read: what was read of b to tell is gone */
	open_pipe(fx, buf_str(&b), path, sizeof(path));
	struct fileid id;
	assert_int_equal(identify_path(fx, path, &id), 1);
	assert_non_null(strstr(buf_str(&fx->err), "(pipe)"));
	assert_non_null(strstr(buf_str(&fx->err), "save it to a file"));
	assert_sql_int(store_db(fx->st), "SELECT count(*) FROM files", 1); /* nothing recorded for it */
	buf_free(&a);
	buf_free(&b);
}

static void test_file_of_this_run_is_known_before_its_batch_commits(void **state)
{
	struct fixture *fx = *state;
	struct fileid_run run;
	struct fileid first, copy;
	char a[320], b[320];
	const char *text = "one\ntwo\n";
	assert_int_equal(fileid_run_init(&run, fx->st, &fx->err), 0);
	testlib_path(fx->dir, "a.log", a, sizeof(a));
	testlib_path(fx->dir, "copy.log", b, sizeof(b));
	testlib_write_file(a, text, strlen(text));
	testlib_write_file(b, text, strlen(text));
	open_source(fx, a);
	assert_int_equal(fileid_identify(fx->st, &run, &fx->src, a, 0, &first, &fx->err), 0);
	assert_true(first.sf.is_new);
	/* read to the end; the checkpoint is only in the run, as while its batch is queued */
	while (source_next_line(fx->src, &(struct source_line){ 0 }, &fx->err) > 0)
		;
	first.sf.bytes = source_offset(fx->src);
	first.sf.lines = 2;
	assert_int_equal(fileid_tail_hash(fx->src, first.sf.bytes, first.sf.tail_hash), 0);
	first.sf.tail_offset = first.sf.bytes;
	fileid_run_update(&run, &first.sf, a, "proxy");
	open_source(fx, b);
	assert_int_equal(fileid_identify(fx->st, &run, &fx->src, b, 0, &copy, &fx->err), 0);
	assert_int_equal(copy.sf.id, first.sf.id);
	assert_true(copy.is_resumed);
	assert_false(copy.is_claimed); /* seen in this run first as a.log: keeps that name */
	assert_string_equal(fileid_run_name(&run, copy.sf.id), a);
	assert_string_equal(fileid_run_format(&run, copy.sf.id), "proxy");
	assert_sql_int(store_db(fx->st), "SELECT count(*) FROM files", 0);
	fileid_run_free(&run);
}

static void test_known_file_under_its_name_asks_for_no_record(void **state)
{
	struct fixture *fx = *state;
	struct fileid first = read_new(fx, "same.log", "same\n");
	struct fileid again = identify(fx, "same.log", "same\n");
	assert_int_equal(again.sf.id, first.sf.id);
	assert_false(again.sf.is_new);
	assert_false(again.is_claimed);
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
		T(test_gzip_copy_of_the_second_of_two_lookalikes_is_that_one),
		T(test_pipe_of_the_second_of_two_lookalikes_grown_is_read_on),
		T(test_pipe_that_is_another_file_fails_naming_it_a_pipe),
		T(test_file_of_this_run_is_known_before_its_batch_commits),
		T(test_known_file_under_its_name_asks_for_no_record),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
