/*
 * Unit tests of source.c: plain and gzip input (magic bytes, multi-member, damage),
 * line splitting (CRLF, NUL bytes, no final newline, over-long lines) and checkpoints.
 * Every file is written by the test under $TMPDIR and removed afterwards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "buf.h"
#include "source.h"
#include "testlib.h"

struct fixture {
	char dir[256];
	char path[300];
	/* owned by the fixture, so a failing test leaks nothing */
	struct source *s;
	struct buf content, err;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	if (!fx || testlib_tmpdir("source", fx->dir, sizeof(fx->dir)) < 0) {
		free(fx);
		return -1;
	}
	snprintf(fx->path, sizeof(fx->path), "%s/input.log", fx->dir);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	source_close(fx->s);
	buf_free(&fx->content);
	buf_free(&fx->err);
	testlib_rmtree(fx->dir);
	free(fx);
	return 0;
}

static void write_bytes(const char *path, const void *p, size_t n)
{
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(p, 1, n, fp), n);
	assert_int_equal(fclose(fp), 0);
}

static void read_bytes(const char *path, struct buf *out)
{
	FILE *fp = fopen(path, "rb");
	char chunk[65536];
	size_t n;
	assert_non_null(fp);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_add(out, chunk, n);
	fclose(fp);
}

/* Run a shell command; it must succeed. */
static void run_ok(const char *cmd)
{
	int rc = system(cmd);
	if (rc != 0)
		fail_msg("%s: exit status %d", cmd, rc);
}

/*
 * One gzip member of P[0..N), made by gzip(1) (not by the library under test), appended to
 * OUT.
 */
static void gzip_member(const struct fixture *fx, const void *p, size_t n, struct buf *out)
{
	char plain[320], gz[320], cmd[800];
	snprintf(plain, sizeof(plain), "%s/member", fx->dir);
	snprintf(gz, sizeof(gz), "%s/member.gz", fx->dir);
	write_bytes(plain, p, n);
	snprintf(cmd, sizeof(cmd), "gzip -9 -n -c '%s' > '%s'", plain, gz);
	run_ok(cmd);
	read_bytes(gz, out);
	unlink(plain);
	unlink(gz);
}

/* N lines "line <i> <filler>\n" into OUT; returns nothing, OUT holds the content. */
static void make_lines(struct buf *out, int n)
{
	for (int i = 1; i <= n; i++)
		buf_printf(out, "line %d %s\n", i, i % 7 == 0 ? "with a somewhat longer tail to vary lengths" : "x");
}

static size_t count_lines_of(const struct buf *b)
{
	size_t n = 0;
	for (size_t i = 0; i < b->len; i++)
		n += b->data[i] == '\n';
	return n;
}

static struct source *open_ok(const char *path, size_t max_line)
{
	struct source *s = NULL;
	struct buf err = BUF_INIT;
	if (source_open(&s, path, max_line, &err) != 0)
		fail_msg("source_open(%s): %s", path, buf_str(&err));
	buf_free(&err);
	return s;
}

/* Read every line into OUT joined with "\n" (each followed by "\n"); returns the count. */
static int read_all(struct source *s, struct buf *out)
{
	struct source_line l;
	struct buf err = BUF_INIT;
	int rc, n = 0;
	while ((rc = source_next_line(s, &l, &err)) == 1) {
		n++;
		assert_int_equal(l.number, (uint64_t)n);
		assert_false(l.too_long);
		buf_add(out, l.p, l.n);
		buf_addc(out, '\n');
	}
	if (rc != 0)
		fail_msg("source_next_line: %s", buf_str(&err));
	buf_free(&err);
	return n;
}

/* ---- plain files ---- */

static void test_plain_file_lines_are_read_in_order(void **state)
{
	struct fixture *fx = *state;
	struct buf content = BUF_INIT, got = BUF_INIT;
	make_lines(&content, 50000); /* more than the first 1 MiB buffer */
	write_bytes(fx->path, content.data, content.len);
	struct source *s = open_ok(fx->path, 0);
	assert_false(source_is_gzip(s));
	assert_int_equal(read_all(s, &got), 50000);
	assert_int_equal(got.len, content.len);
	assert_memory_equal(got.data, content.data, content.len);
	assert_int_equal(source_offset(s), content.len);
	assert_int_equal(source_size(s), content.len);
	source_close(s);
	buf_free(&content);
	buf_free(&got);
}

static void test_source_name_is_the_path(void **state)
{
	struct fixture *fx = *state;
	write_bytes(fx->path, "a\n", 2);
	struct source *s = open_ok(fx->path, 0);
	assert_string_equal(source_name(s), fx->path);
	source_close(s);
}

static void test_crlf_line_endings_are_stripped(void **state)
{
	struct fixture *fx = *state;
	const char text[] = "first\r\nsecond\r\n\r\nlast\r\n";
	struct source_line l;
	struct buf err = BUF_INIT;
	write_bytes(fx->path, text, sizeof(text) - 1);
	struct source *s = open_ok(fx->path, 0);
	const char *want[] = { "first", "second", "", "last" };
	for (int i = 0; i < 4; i++) {
		assert_int_equal(source_next_line(s, &l, &err), 1);
		assert_int_equal(l.n, strlen(want[i]));
		assert_memory_equal(l.p, want[i], l.n);
	}
	assert_int_equal(source_next_line(s, &l, &err), 0);
	/* the checkpoint counts the "\r\n" bytes */
	assert_int_equal(source_offset(s), sizeof(text) - 1);
	source_close(s);
	buf_free(&err);
}

static void test_final_line_without_newline_is_returned(void **state)
{
	struct fixture *fx = *state;
	struct source_line l;
	struct buf err = BUF_INIT;
	write_bytes(fx->path, "one\ntwo", 7);
	struct source *s = open_ok(fx->path, 0);
	assert_int_equal(source_next_line(s, &l, &err), 1);
	assert_int_equal(source_next_line(s, &l, &err), 1);
	assert_int_equal(l.number, 2);
	assert_int_equal(l.n, 3);
	assert_memory_equal(l.p, "two", 3);
	assert_int_equal(source_next_line(s, &l, &err), 0);
	assert_int_equal(source_offset(s), 7);
	source_close(s);
	buf_free(&err);
}

static void test_empty_file_has_no_lines(void **state)
{
	struct fixture *fx = *state;
	struct source_line l;
	struct buf err = BUF_INIT;
	size_t hn = 99;
	write_bytes(fx->path, "", 0);
	struct source *s = open_ok(fx->path, 0);
	source_head(s, &hn);
	assert_int_equal(hn, 0);
	assert_int_equal(source_next_line(s, &l, &err), 0);
	assert_int_equal(source_offset(s), 0);
	assert_false(source_is_gzip(s));
	source_close(s);
	buf_free(&err);
}

static void test_nul_bytes_stay_inside_the_line(void **state)
{
	struct fixture *fx = *state;
	const char text[] = "a\0b\0c\nnext\n";
	struct source_line l;
	struct buf err = BUF_INIT;
	write_bytes(fx->path, text, sizeof(text) - 1);
	struct source *s = open_ok(fx->path, 0);
	assert_int_equal(source_next_line(s, &l, &err), 1);
	assert_int_equal(l.n, 5);
	assert_memory_equal(l.p, "a\0b\0c", 5);
	assert_int_equal(source_next_line(s, &l, &err), 1);
	assert_int_equal(l.n, 4);
	assert_memory_equal(l.p, "next", 4);
	source_close(s);
	buf_free(&err);
}

static void test_single_byte_file_is_one_line(void **state)
{
	struct fixture *fx = *state;
	struct source_line l;
	struct buf err = BUF_INIT;
	write_bytes(fx->path, "\x1f", 1); /* half a gzip magic: still plain */
	struct source *s = open_ok(fx->path, 0);
	assert_false(source_is_gzip(s));
	assert_int_equal(source_next_line(s, &l, &err), 1);
	assert_int_equal(l.n, 1);
	assert_int_equal((unsigned char)l.p[0], 0x1f);
	assert_int_equal(source_next_line(s, &l, &err), 0);
	source_close(s);
	buf_free(&err);
}

/* Above SOURCE_RAW_BUF (256 KiB), so these tests do not depend on the small-limit case below. */
#define MAX_LINE 300000

static void test_line_longer_than_max_line_is_reported_too_long(void **state)
{
	struct fixture *fx = *state;
	const size_t big = 700000;
	struct source_line l;
	buf_adds(&fx->content, "before\n");
	for (size_t i = 0; i < big; i++)
		buf_addc(&fx->content, (char)('a' + i % 26));
	buf_adds(&fx->content, "\nafter 1\nafter 2\n");
	write_bytes(fx->path, fx->content.data, fx->content.len);

	fx->s = open_ok(fx->path, MAX_LINE);
	assert_int_equal(source_next_line(fx->s, &l, &fx->err), 1);
	assert_memory_equal(l.p, "before", 6);
	assert_int_equal(source_next_line(fx->s, &l, &fx->err), 1);
	assert_true(l.too_long);
	assert_int_equal(l.number, 2);
	assert_int_equal(l.full_len, big);
	assert_true(l.n > 0 && l.n < big);
	assert_memory_equal(l.p, fx->content.data + 7, l.n); /* its beginning */
	assert_int_equal(source_next_line(fx->s, &l, &fx->err), 1);
	assert_false(l.too_long);
	assert_int_equal(l.number, 3);
	assert_int_equal(l.n, 7);
	assert_memory_equal(l.p, "after 1", 7);
	assert_int_equal(source_next_line(fx->s, &l, &fx->err), 1);
	assert_int_equal(l.number, 4);
	assert_memory_equal(l.p, "after 2", 7);
	assert_int_equal(source_next_line(fx->s, &l, &fx->err), 0);
	assert_int_equal(source_offset(fx->s), fx->content.len);
}

static void test_too_long_last_line_without_newline_is_reported(void **state)
{
	struct fixture *fx = *state;
	struct source_line l;
	buf_adds(&fx->content, "ok\n");
	for (int i = 0; i < 650000; i++)
		buf_addc(&fx->content, 'z');
	write_bytes(fx->path, fx->content.data, fx->content.len);
	fx->s = open_ok(fx->path, MAX_LINE);
	assert_int_equal(source_next_line(fx->s, &l, &fx->err), 1);
	assert_int_equal(source_next_line(fx->s, &l, &fx->err), 1);
	assert_true(l.too_long);
	assert_int_equal(l.number, 2);
	assert_int_equal(l.full_len, 650000);
	assert_int_equal(source_next_line(fx->s, &l, &fx->err), 0);
}

static void test_line_of_exactly_max_line_bytes_is_kept_whole(void **state)
{
	struct fixture *fx = *state;
	struct source_line l;
	for (size_t i = 0; i < MAX_LINE; i++)
		buf_addc(&fx->content, 'q');
	buf_adds(&fx->content, "\nnext\n");
	write_bytes(fx->path, fx->content.data, fx->content.len);
	fx->s = open_ok(fx->path, MAX_LINE);
	assert_int_equal(source_next_line(fx->s, &l, &fx->err), 1);
	/* source.h: MAX_LINE is the longest line kept whole; only longer lines are cut */
	assert_false(l.too_long);
	assert_int_equal(l.n, MAX_LINE);
	assert_int_equal(source_next_line(fx->s, &l, &fx->err), 1);
	assert_memory_equal(l.p, "next", 4);
}

static void test_small_max_line_reports_long_lines_within_its_buffer(void **state)
{
	struct fixture *fx = *state;
	struct source_line l;
	/* A limit below SOURCE_RAW_BUF: the first read must still fit the (small) line buffer. */
	buf_adds(&fx->content, "before\n");
	for (int i = 0; i < 10000; i++)
		buf_addc(&fx->content, 'k');
	buf_adds(&fx->content, "\nafter\n");
	write_bytes(fx->path, fx->content.data, fx->content.len);
	fx->s = open_ok(fx->path, 4096);
	assert_int_equal(source_next_line(fx->s, &l, &fx->err), 1);
	assert_memory_equal(l.p, "before", 6);
	assert_int_equal(source_next_line(fx->s, &l, &fx->err), 1);
	assert_true(l.too_long);
	assert_int_equal(l.full_len, 10000);
	assert_int_equal(source_next_line(fx->s, &l, &fx->err), 1);
	assert_false(l.too_long);
	assert_int_equal(l.n, 5);
	assert_memory_equal(l.p, "after", 5);
	assert_int_equal(source_next_line(fx->s, &l, &fx->err), 0);
}

static void test_head_holds_the_first_bytes(void **state)
{
	struct fixture *fx = *state;
	struct buf content = BUF_INIT;
	size_t hn;
	make_lines(&content, 2000);
	assert_true(content.len > SOURCE_HEAD_MAX);
	write_bytes(fx->path, content.data, content.len);
	struct source *s = open_ok(fx->path, 0);
	const char *h = source_head(s, &hn);
	assert_int_equal(hn, SOURCE_HEAD_MAX);
	assert_memory_equal(h, content.data, SOURCE_HEAD_MAX);
	source_close(s);
	buf_free(&content);
}

static void test_missing_file_is_an_error_naming_it(void **state)
{
	struct fixture *fx = *state;
	struct source *s = (struct source *)1;
	struct buf err = BUF_INIT;
	char path[320];
	snprintf(path, sizeof(path), "%s/does-not-exist.log", fx->dir);
	assert_int_equal(source_open(&s, path, 0, &err), -1);
	assert_null(s);
	assert_non_null(strstr(buf_str(&err), path));
	buf_free(&err);
}

static void test_directory_is_an_error_naming_it(void **state)
{
	struct fixture *fx = *state;
	struct source *s = NULL;
	struct buf err = BUF_INIT;
	assert_int_equal(source_open(&s, fx->dir, 0, &err), -1);
	assert_non_null(strstr(buf_str(&err), fx->dir));
	buf_free(&err);
}

/* ---- gzip ---- */

static void test_gzip_is_detected_and_inflated(void **state)
{
	struct fixture *fx = *state;
	struct buf content = BUF_INIT, gz = BUF_INIT, got = BUF_INIT;
	make_lines(&content, 60000); /* more than one inflate buffer */
	gzip_member(fx, content.data, content.len, &gz);
	write_bytes(fx->path, gz.data, gz.len);
	struct source *s = open_ok(fx->path, 0);
	assert_true(source_is_gzip(s));
	assert_int_equal(read_all(s, &got), 60000);
	assert_int_equal(got.len, content.len);
	assert_memory_equal(got.data, content.data, content.len);
	assert_int_equal(source_offset(s), content.len);
	assert_int_equal(source_raw_offset(s), gz.len);
	assert_int_equal(source_size(s), gz.len);
	source_close(s);
	buf_free(&content);
	buf_free(&gz);
	buf_free(&got);
}

static void test_gzip_is_detected_whatever_the_name(void **state)
{
	struct fixture *fx = *state;
	struct buf gz = BUF_INIT, got = BUF_INIT;
	gzip_member(fx, "hello\nworld\n", 12, &gz);
	write_bytes(fx->path, gz.data, gz.len); /* named input.log */
	struct source *s = open_ok(fx->path, 0);
	assert_true(source_is_gzip(s));
	assert_int_equal(read_all(s, &got), 2);
	assert_string_equal(buf_str(&got), "hello\nworld\n");
	source_close(s);
	buf_free(&gz);
	buf_free(&got);
}

static void test_plain_file_named_gz_is_read_plain(void **state)
{
	struct fixture *fx = *state;
	char path[320];
	struct buf got = BUF_INIT;
	snprintf(path, sizeof(path), "%s/plain.log.gz", fx->dir);
	write_bytes(path, "not\ncompressed\n", 15);
	struct source *s = open_ok(path, 0);
	assert_false(source_is_gzip(s));
	assert_int_equal(read_all(s, &got), 2);
	assert_string_equal(buf_str(&got), "not\ncompressed\n");
	source_close(s);
	unlink(path);
	buf_free(&got);
}

static void test_gzip_head_is_decompressed_content(void **state)
{
	struct fixture *fx = *state;
	struct buf content = BUF_INIT, gz = BUF_INIT;
	size_t hn;
	make_lines(&content, 2000);
	gzip_member(fx, content.data, content.len, &gz);
	write_bytes(fx->path, gz.data, gz.len);
	struct source *s = open_ok(fx->path, 0);
	const char *h = source_head(s, &hn);
	assert_int_equal(hn, SOURCE_HEAD_MAX);
	assert_memory_equal(h, content.data, SOURCE_HEAD_MAX);
	source_close(s);
	buf_free(&content);
	buf_free(&gz);
}

static void test_multi_member_gzip_is_read_to_the_end(void **state)
{
	struct fixture *fx = *state;
	struct buf gz = BUF_INIT, got = BUF_INIT;
	gzip_member(fx, "a1\na2\n", 6, &gz);
	gzip_member(fx, "b1\nb2\n", 6, &gz);
	gzip_member(fx, "c1\n", 3, &gz);
	write_bytes(fx->path, gz.data, gz.len);
	struct source *s = open_ok(fx->path, 0);
	assert_true(source_is_gzip(s));
	assert_int_equal(read_all(s, &got), 5);
	assert_string_equal(buf_str(&got), "a1\na2\nb1\nb2\nc1\n");
	source_close(s);
	buf_free(&gz);
	buf_free(&got);
}

static void test_line_split_across_gzip_members_is_joined(void **state)
{
	struct fixture *fx = *state;
	struct buf gz = BUF_INIT, got = BUF_INIT;
	gzip_member(fx, "first\nhalf of ", 14, &gz);
	gzip_member(fx, "", 0, &gz); /* an empty member in between */
	gzip_member(fx, "a line\nlast\n", 12, &gz);
	write_bytes(fx->path, gz.data, gz.len);
	struct source *s = open_ok(fx->path, 0);
	assert_int_equal(read_all(s, &got), 3);
	assert_string_equal(buf_str(&got), "first\nhalf of a line\nlast\n");
	source_close(s);
	buf_free(&gz);
	buf_free(&got);
}

static void test_large_multi_member_gzip_keeps_every_line(void **state)
{
	struct fixture *fx = *state;
	struct buf c1 = BUF_INIT, c2 = BUF_INIT, gz = BUF_INIT, got = BUF_INIT, all = BUF_INIT;
	make_lines(&c1, 40000);
	for (int i = 0; i < 30000; i++)
		buf_printf(&c2, "second member %d\n", i);
	gzip_member(fx, c1.data, c1.len, &gz);
	gzip_member(fx, c2.data, c2.len, &gz);
	buf_add(&all, c1.data, c1.len);
	buf_add(&all, c2.data, c2.len);
	write_bytes(fx->path, gz.data, gz.len);
	struct source *s = open_ok(fx->path, 0);
	assert_int_equal(read_all(s, &got), 70000);
	assert_int_equal(got.len, all.len);
	assert_memory_equal(got.data, all.data, all.len);
	source_close(s);
	buf_free(&c1);
	buf_free(&c2);
	buf_free(&gz);
	buf_free(&got);
	buf_free(&all);
}

static void test_gzip_crlf_and_missing_final_newline(void **state)
{
	struct fixture *fx = *state;
	struct buf gz = BUF_INIT, got = BUF_INIT;
	gzip_member(fx, "x\r\ny", 4, &gz);
	write_bytes(fx->path, gz.data, gz.len);
	struct source *s = open_ok(fx->path, 0);
	assert_int_equal(read_all(s, &got), 2);
	assert_string_equal(buf_str(&got), "x\ny\n");
	source_close(s);
	buf_free(&gz);
	buf_free(&got);
}

static void test_empty_gzip_has_no_lines(void **state)
{
	struct fixture *fx = *state;
	struct buf gz = BUF_INIT, err = BUF_INIT;
	struct source_line l;
	gzip_member(fx, "", 0, &gz);
	write_bytes(fx->path, gz.data, gz.len);
	struct source *s = open_ok(fx->path, 0);
	assert_true(source_is_gzip(s));
	assert_int_equal(source_next_line(s, &l, &err), 0);
	assert_int_equal(buf_str(&err)[0], '\0');
	source_close(s);
	buf_free(&gz);
	buf_free(&err);
}

/*
 * Count the complete lines gzip(1) inflates from a damaged file at PATH (the independent
 * check: it writes out what it could inflate before it complains).
 */
static int complete_lines_gzip_can_read(const char *path)
{
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "gzip -dc '%s' 2>/dev/null", path);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	int lines = 0, c;
	while ((c = getc(p)) != EOF)
		lines += c == '\n';
	pclose(p); /* fails: the file is damaged */
	return lines;
}

static void test_truncated_gzip_returns_complete_lines_then_names_file_and_offset(void **state)
{
	struct fixture *fx = *state;
	struct buf content = BUF_INIT, gz = BUF_INIT, err = BUF_INIT;
	struct source_line l;
	int rc, n = 0;
	make_lines(&content, 30000);
	gzip_member(fx, content.data, content.len, &gz);
	gz.len = gz.len / 2; /* cut the member in the middle */
	write_bytes(fx->path, gz.data, gz.len);
	int want = complete_lines_gzip_can_read(fx->path);
	assert_true(want > 0);

	struct source *s = open_ok(fx->path, 0);
	const char *p = content.data;
	while ((rc = source_next_line(s, &l, &err)) == 1) {
		const char *nl = memchr(p, '\n', (size_t)(content.data + content.len - p));
		n++;
		assert_non_null(nl);
		assert_int_equal(l.n, (size_t)(nl - p));
		assert_memory_equal(l.p, p, l.n); /* complete and intact */
		p = nl + 1;
	}
	assert_int_equal(rc, -1);
	assert_int_equal(n, want);
	const char *msg = buf_str(&err);
	assert_non_null(strstr(msg, fx->path));
	assert_non_null(strstr(msg, "truncated"));
	const char *at = strstr(msg, "at byte ");
	assert_non_null(at);
	assert_int_equal(strtoull(at + 8, NULL, 10), gz.len);
	source_close(s);
	buf_free(&content);
	buf_free(&gz);
	buf_free(&err);
}

static void test_corrupt_gzip_returns_lines_before_damage_then_says_corrupt(void **state)
{
	struct fixture *fx = *state;
	struct buf good = BUF_INIT, gz = BUF_INIT, err = BUF_INIT, got = BUF_INIT;
	struct source_line l;
	int rc;
	make_lines(&good, 1000);
	gzip_member(fx, good.data, good.len, &gz);
	size_t first_len = gz.len;
	gzip_member(fx, "never\nseen\n", 11, &gz);
	/* The first deflate byte of the second member (after its 10-byte header): BTYPE 11 is
	 * reserved, so inflate must fail there. */
	((unsigned char *)gz.data)[first_len + 10] = 0xff;
	write_bytes(fx->path, gz.data, gz.len);

	struct source *s = open_ok(fx->path, 0);
	int n = 0;
	while ((rc = source_next_line(s, &l, &err)) == 1) {
		buf_add(&got, l.p, l.n);
		buf_addc(&got, '\n');
		n++;
	}
	assert_int_equal(rc, -1);
	assert_int_equal(n, 1000);
	assert_int_equal(got.len, good.len);
	assert_memory_equal(got.data, good.data, good.len);
	const char *msg = buf_str(&err);
	assert_non_null(strstr(msg, fx->path));
	assert_non_null(strstr(msg, "corrupt"));
	const char *at = strstr(msg, "at byte ");
	assert_non_null(at);
	unsigned long long off = strtoull(at + 8, NULL, 10);
	assert_true(off >= first_len && off <= gz.len);
	source_close(s);
	buf_free(&good);
	buf_free(&gz);
	buf_free(&err);
	buf_free(&got);
}

static void test_garbage_after_gzip_magic_is_corrupt(void **state)
{
	struct fixture *fx = *state;
	const unsigned char bad[] = { 0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 0x03, 0xff, 0xff, 0xff, 0xff };
	struct buf err = BUF_INIT;
	struct source_line l;
	struct source *s = NULL;
	write_bytes(fx->path, bad, sizeof(bad));
	/* The error may come when opening (reading the head) or on the first line. */
	int rc = source_open(&s, fx->path, 0, &err);
	if (rc == 0) {
		assert_true(source_is_gzip(s));
		rc = source_next_line(s, &l, &err);
		source_close(s);
	}
	assert_int_equal(rc, -1);
	assert_non_null(strstr(buf_str(&err), fx->path));
	assert_non_null(strstr(buf_str(&err), "corrupt"));
	buf_free(&err);
}

/* ---- checkpoints ---- */

static void check_skip(struct fixture *fx, bool gzip, int total, int skip_lines)
{
	struct buf content = BUF_INIT, gz = BUF_INIT, err = BUF_INIT;
	struct source_line l;
	make_lines(&content, total);
	/* offset after SKIP_LINES lines, computed from the content */
	uint64_t off = 0;
	for (int i = 0; i < skip_lines; i++)
		off = (uint64_t)((const char *)memchr(content.data + off, '\n', content.len - off) - content.data) + 1;
	if (gzip) {
		gzip_member(fx, content.data, content.len, &gz);
		write_bytes(fx->path, gz.data, gz.len);
	} else {
		write_bytes(fx->path, content.data, content.len);
	}
	struct source *s = open_ok(fx->path, 0);
	assert_int_equal(source_is_gzip(s), gzip);
	assert_int_equal(source_skip(s, off, (uint64_t)skip_lines, NULL, &err), 0);
	assert_int_equal(source_offset(s), off);
	int n = skip_lines;
	const char *p = content.data + off;
	while (source_next_line(s, &l, &err) == 1) {
		const char *nl = memchr(p, '\n', (size_t)(content.data + content.len - p));
		n++;
		assert_int_equal(l.number, (uint64_t)n);
		assert_int_equal(l.n, (size_t)(nl - p));
		assert_memory_equal(l.p, p, l.n);
		p = nl + 1;
	}
	assert_int_equal(n, total);
	assert_int_equal(source_offset(s), content.len);
	assert_int_equal(buf_str(&err)[0], '\0');
	source_close(s);
	buf_free(&content);
	buf_free(&gz);
	buf_free(&err);
}

static void test_skip_within_head_of_plain_file_continues_line_numbers(void **state)
{
	check_skip(*state, false, 500, 40);
}

static void test_skip_far_into_plain_file_continues_line_numbers(void **state)
{
	check_skip(*state, false, 100000, 77777);
}

static void test_skip_into_gzip_continues_line_numbers(void **state)
{
	check_skip(*state, true, 100000, 77777);
}

static void test_skip_within_head_of_gzip_continues_line_numbers(void **state)
{
	check_skip(*state, true, 500, 3);
}

static void test_skip_to_the_end_leaves_no_lines(void **state)
{
	struct fixture *fx = *state;
	struct buf err = BUF_INIT;
	struct source_line l;
	write_bytes(fx->path, "a\nb\n", 4);
	struct source *s = open_ok(fx->path, 0);
	assert_int_equal(source_skip(s, 4, 2, NULL, &err), 0);
	assert_int_equal(source_next_line(s, &l, &err), 0);
	source_close(s);
	buf_free(&err);
}

static void test_skip_beyond_the_end_returns_1(void **state)
{
	struct fixture *fx = *state;
	struct buf content = BUF_INIT, gz = BUF_INIT, err = BUF_INIT;
	make_lines(&content, 20000);
	write_bytes(fx->path, content.data, content.len);
	struct source *s = open_ok(fx->path, 0);
	assert_int_equal(source_skip(s, content.len + 100, 1, NULL, &err), 1);
	source_close(s);

	gzip_member(fx, content.data, content.len, &gz);
	write_bytes(fx->path, gz.data, gz.len);
	s = open_ok(fx->path, 0);
	assert_int_equal(source_skip(s, content.len + 100, 1, NULL, &err), 1);
	source_close(s);
	buf_free(&content);
	buf_free(&gz);
	buf_free(&err);
}

/* ---- damaged gzip members ---- */

/* Every line until source_next_line stops; each must be the next line of WANT. Returns the rc. */
static int read_matching(struct source *s, const struct buf *want, int *n, struct buf *err)
{
	struct source_line l;
	const char *p = want->data, *end = want->data + want->len;
	int rc;
	*n = 0;
	while ((rc = source_next_line(s, &l, err)) == 1) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		++*n;
		assert_non_null(nl);
		assert_int_equal(l.number, (uint64_t)*n);
		assert_int_equal(l.n, (size_t)(nl - p));
		assert_memory_equal(l.p, p, l.n);
		p = nl + 1;
	}
	return rc;
}

/* What gzip(1) says when it tests the file at PATH (its complaints, on stderr). */
static void gzip_test_says(const char *path, struct buf *out)
{
	char cmd[400], chunk[512];
	size_t n;
	snprintf(cmd, sizeof(cmd), "gzip -t '%s' 2>&1", path);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		buf_add(out, chunk, n);
	pclose(p);
}

/*
 * GZ holds a good member of C1 (FIRST_LEN bytes) and a damaged second one: reading returns
 * every line of C1, then SOURCE_BAD_MEMBER, which points at the second member.
 */
static void check_second_member_is_bad(struct fixture *fx, const struct buf *gz, size_t first_len,
				       const struct buf *c1, const char *gzip_says)
{
	struct buf said = BUF_INIT, err = BUF_INIT;
	struct source_member m;
	struct source_line l;
	int n;
	write_bytes(fx->path, gz->data, gz->len);
	gzip_test_says(fx->path, &said); /* the damage is the kind meant */
	if (!strstr(buf_str(&said), gzip_says))
		fail_msg("gzip -t says '%s', not '%s'", buf_str(&said), gzip_says);

	fx->s = open_ok(fx->path, 0);
	assert_int_equal(read_matching(fx->s, c1, &n, &err), SOURCE_BAD_MEMBER);
	assert_int_equal(n, (int)count_lines_of(c1));
	assert_int_equal(source_offset(fx->s), c1->len);
	assert_non_null(strstr(buf_str(&err), fx->path));
	assert_non_null(strstr(buf_str(&err), "CRC-32 or length"));
	assert_int_equal(source_member_start(fx->s, &m), 0);
	assert_int_equal(m.raw_offset, first_len);
	assert_int_equal(m.offset, c1->len);
	assert_int_equal(m.line, (uint64_t)n + 1);
	assert_int_equal(m.line_offset, c1->len);
	/* it stays failed */
	buf_reset(&err);
	assert_int_equal(source_next_line(fx->s, &l, &err), SOURCE_BAD_MEMBER);
	assert_non_null(strstr(buf_str(&err), "CRC-32"));
	buf_free(&said);
	buf_free(&err);
}

static void test_member_with_a_bad_crc_is_reported_after_the_lines_before_it(void **state)
{
	struct fixture *fx = *state;
	struct buf c1 = BUF_INIT;
	make_lines(&c1, 1000);
	gzip_member(fx, c1.data, c1.len, &fx->content);
	size_t first_len = fx->content.len;
	gzip_member(fx, "b1\nb2\nb3\n", 9, &fx->content);
	fx->content.data[fx->content.len - 8] ^= 0x01; /* the second member's CRC-32 */
	check_second_member_is_bad(fx, &fx->content, first_len, &c1, "crc error");
	buf_free(&c1);
}

static void test_member_with_a_bad_length_is_reported_after_the_lines_before_it(void **state)
{
	struct fixture *fx = *state;
	struct buf c1 = BUF_INIT;
	make_lines(&c1, 1000);
	gzip_member(fx, c1.data, c1.len, &fx->content);
	size_t first_len = fx->content.len;
	gzip_member(fx, "b1\nb2\nb3\n", 9, &fx->content);
	fx->content.data[fx->content.len - 1] ^= 0x40; /* the second member's ISIZE */
	check_second_member_is_bad(fx, &fx->content, first_len, &c1, "length error");
	buf_free(&c1);
}

/* Bytes that do not compress: gzip(1) stores them as they are, with a "\n" now and then. */
static void random_lines(struct buf *out, size_t n)
{
	uint32_t x = 2463534242u; /* xorshift32 */
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf_addc(out, i % 61 == 60 ? '\n' : (char)(x & 0xff) == '\n' ? 'n' : (char)(x & 0xff));
	}
}

static void test_member_whose_data_is_damaged_but_inflates_is_reported_after_the_lines_before_it(void **state)
{
	struct fixture *fx = *state;
	struct buf c1 = BUF_INIT, c2 = BUF_INIT;
	make_lines(&c1, 1000);
	random_lines(&c2, 6100);
	gzip_member(fx, c1.data, c1.len, &fx->content);
	size_t first_len = fx->content.len;
	gzip_member(fx, c2.data, c2.len, &fx->content);
	/* a byte in the middle of the second member's (stored) deflate data */
	fx->content.data[first_len + (fx->content.len - first_len) / 2] ^= 0x20;
	check_second_member_is_bad(fx, &fx->content, first_len, &c1, "crc error");
	buf_free(&c1);
	buf_free(&c2);
}

static void test_small_members_before_a_bad_one_are_returned_whole(void **state)
{
	struct fixture *fx = *state;
	struct buf c1 = BUF_INIT;
	buf_adds(&c1, "a1\na2\n"); /* all of it read with the head, the damage too */
	gzip_member(fx, c1.data, c1.len, &fx->content);
	size_t first_len = fx->content.len;
	gzip_member(fx, "b1\n", 3, &fx->content);
	fx->content.data[fx->content.len - 5] ^= 0x80;
	check_second_member_is_bad(fx, &fx->content, first_len, &c1, "crc error");
	buf_free(&c1);
}

static void test_small_gzip_with_a_bad_crc_fails_to_open(void **state)
{
	struct fixture *fx = *state;
	struct source *s = NULL;
	gzip_member(fx, "only\ngarbage\n", 13, &fx->content);
	fx->content.data[fx->content.len - 8] ^= 0x01;
	write_bytes(fx->path, fx->content.data, fx->content.len);
	/* nothing of it may be returned, and it is not an empty file */
	assert_int_equal(source_open(&s, fx->path, 0, &fx->err), -1);
	assert_null(s);
	assert_non_null(strstr(buf_str(&fx->err), fx->path));
	assert_non_null(strstr(buf_str(&fx->err), "CRC-32"));
}

static void test_bad_member_of_several_buffers_gives_the_line_it_began_in(void **state)
{
	struct fixture *fx = *state;
	struct buf c1 = BUF_INIT, c2 = BUF_INIT, all = BUF_INIT, err = BUF_INIT;
	struct source_member m;
	int n;
	buf_adds(&c1, "x\nhalf"); /* the first member ends inside a line */
	buf_adds(&c2, " of a line\n");
	make_lines(&c2, 200000); /* ~3.6 MB: lines of it are returned before its end is reached */
	buf_add(&all, c1.data, c1.len);
	buf_add(&all, c2.data, c2.len);
	gzip_member(fx, c1.data, c1.len, &fx->content);
	size_t first_len = fx->content.len;
	gzip_member(fx, c2.data, c2.len, &fx->content);
	fx->content.data[fx->content.len - 6] ^= 0x01;
	write_bytes(fx->path, fx->content.data, fx->content.len);

	fx->s = open_ok(fx->path, 0);
	assert_int_equal(read_matching(fx->s, &all, &n, &err), SOURCE_BAD_MEMBER);
	assert_true(n > 1000);       /* from the bad member, before its check */
	assert_true(n < 200000 + 2); /* but not those still buffered at its end */
	assert_int_equal(source_member_start(fx->s, &m), 0);
	assert_int_equal(m.raw_offset, first_len);
	assert_int_equal(m.offset, 6);
	assert_int_equal(m.line, 2);        /* "half of a line" */
	assert_int_equal(m.line_offset, 2); /* after "x\n" */
	buf_free(&c1);
	buf_free(&c2);
	buf_free(&all);
	buf_free(&err);
}

/* Offset just after line LINES of P[0..N). */
static uint64_t offset_after_line(const char *p, size_t n, uint64_t lines)
{
	uint64_t off = 0;
	for (uint64_t i = 0; i < lines; i++) {
		const char *nl = memchr(p + off, '\n', n - off);
		assert_non_null(nl);
		off = (uint64_t)(nl - p) + 1;
	}
	return off;
}

static void test_bad_member_skipped_into_gives_the_line_it_began_in(void **state)
{
	struct fixture *fx = *state;
	struct buf c1 = BUF_INIT, c2 = BUF_INIT, all = BUF_INIT, err = BUF_INIT;
	struct source_member m;
	struct source_line l;
	make_lines(&c1, 100);
	size_t whole_lines = c1.len;
	buf_adds(&c1, "partial");
	buf_adds(&c2, " rest\n");
	make_lines(&c2, 200000);
	buf_add(&all, c1.data, c1.len);
	buf_add(&all, c2.data, c2.len);
	gzip_member(fx, c1.data, c1.len, &fx->content);
	size_t first_len = fx->content.len;
	gzip_member(fx, c2.data, c2.len, &fx->content);
	fx->content.data[fx->content.len - 7] ^= 0x01;
	write_bytes(fx->path, fx->content.data, fx->content.len);

	fx->s = open_ok(fx->path, 0);
	/* a checkpoint well into the second member: line 101 is "partial rest" */
	uint64_t off = offset_after_line(all.data, all.len, 5100);
	assert_int_equal(source_skip(fx->s, off, 5100, NULL, &err), 0);
	int rc;
	while ((rc = source_next_line(fx->s, &l, &err)) == 1)
		;
	assert_int_equal(rc, SOURCE_BAD_MEMBER);
	assert_int_equal(source_member_start(fx->s, &m), 0);
	assert_int_equal(m.raw_offset, first_len);
	assert_int_equal(m.offset, c1.len);
	assert_int_equal(m.line, 101);
	assert_int_equal(m.line_offset, whole_lines);
	buf_free(&c1);
	buf_free(&c2);
	buf_free(&all);
	buf_free(&err);
}

static void test_zero_padding_after_the_last_member_is_accepted(void **state)
{
	struct fixture *fx = *state;
	struct buf c = BUF_INIT, got = BUF_INIT;
	make_lines(&c, 500);
	gzip_member(fx, c.data, c.len, &fx->content);
	for (int i = 0; i < 1000; i++)
		buf_addc(&fx->content, '\0');
	write_bytes(fx->path, fx->content.data, fx->content.len);
	fx->s = open_ok(fx->path, 0);
	assert_int_equal(read_all(fx->s, &got), 500);
	assert_int_equal(got.len, c.len);
	assert_memory_equal(got.data, c.data, c.len);
	buf_free(&c);
	buf_free(&got);
}

static void test_data_after_the_zero_padding_is_an_error(void **state)
{
	struct fixture *fx = *state;
	struct buf c = BUF_INIT;
	int n;
	make_lines(&c, 500);
	gzip_member(fx, c.data, c.len, &fx->content);
	for (int i = 0; i < 1000; i++)
		buf_addc(&fx->content, '\0');
	size_t at = fx->content.len;
	buf_adds(&fx->content, "xyz");
	write_bytes(fx->path, fx->content.data, fx->content.len);
	fx->s = open_ok(fx->path, 0);
	assert_int_equal(read_matching(fx->s, &c, &n, &fx->err), SOURCE_ERROR);
	assert_int_equal(n, 500);
	assert_non_null(strstr(buf_str(&fx->err), "data after the zero padding"));
	const char *p = strstr(buf_str(&fx->err), "at byte ");
	assert_non_null(p);
	assert_int_equal(strtoull(p + 8, NULL, 10), at);
	buf_free(&c);
}

/* ---- inputs that cannot be read twice ---- */

/* A child process that writes P[0..N) into the FIFO at PATH, then exits. */
static pid_t fifo_writer(const char *path, const void *p, size_t n)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(path, O_WRONLY);
		size_t done = 0;
		while (fd >= 0 && done < n) {
			ssize_t w = write(fd, (const char *)p + done, n - done);
			if (w <= 0)
				_exit(1);
			done += (size_t)w;
		}
		_exit(fd >= 0 && close(fd) == 0 ? 0 : 1);
	}
	return pid;
}

static void wait_ok(pid_t pid)
{
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* The fingerprint of P[0..N), made here with libsodium as source.h says. */
static void blake2b_128_hex(const void *p, size_t n, char hex[33])
{
	unsigned char h[16];
	crypto_generichash(h, sizeof(h), p, n, NULL, 0);
	sodium_bin2hex(hex, 33, h, sizeof(h));
}

static void test_regular_file_is_rereadable(void **state)
{
	struct fixture *fx = *state;
	write_bytes(fx->path, "a\nb\n", 4);
	fx->s = open_ok(fx->path, 0);
	assert_true(source_is_rereadable(fx->s));
}

static void test_fifo_is_read_but_not_rereadable(void **state)
{
	struct fixture *fx = *state;
	struct buf got = BUF_INIT, want = BUF_INIT;
	char name[400];
	make_lines(&fx->content, 100000); /* far more than a pipe holds */
	unlink(fx->path);
	assert_int_equal(mkfifo(fx->path, 0600), 0);
	pid_t pid = fifo_writer(fx->path, fx->content.data, fx->content.len);
	fx->s = open_ok(fx->path, 0);
	assert_false(source_is_rereadable(fx->s));
	snprintf(name, sizeof(name), "%s (pipe)", fx->path);
	assert_string_equal(source_name(fx->s), name);
	assert_int_equal(source_size(fx->s), 0);
	assert_int_equal(source_age(fx->s), -1);
	char hex[33];
	blake2b_128_hex(fx->content.data, 100, hex);
	struct source_tail t = { 100, hex, 100 };
	assert_int_equal(source_check_tail(fx->s, &t), -1); /* as for stdin */
	assert_int_equal(read_all(fx->s, &got), 100000);
	assert_int_equal(got.len, fx->content.len);
	assert_memory_equal(got.data, fx->content.data, got.len);
	wait_ok(pid);
	buf_free(&got);
	buf_free(&want);
}

/*
 * A child that writes P[0..N) into the FIFO at PATH in two parts, the second after a pause,
 * so that a reader gets the first part alone.
 */
static pid_t fifo_writer_in_two(const char *path, const void *p, size_t n, size_t first)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(path, O_WRONLY);
		bool ok = fd >= 0 && write(fd, p, first) == (ssize_t)first;
		struct timespec pause = { 0, 300 * 1000 * 1000 };
		nanosleep(&pause, NULL);
		ok = ok && write(fd, (const char *)p + first, n - first) == (ssize_t)(n - first);
		_exit(ok && close(fd) == 0 ? 0 : 1);
	}
	return pid;
}

static void test_bad_member_begun_in_an_earlier_read_returns_none_of_its_lines(void **state)
{
	struct fixture *fx = *state;
	struct buf c1 = BUF_INIT, c2 = BUF_INIT;
	struct source_member m;
	int n;
	buf_adds(&c1, "a1\na2\n");
	random_lines(&c2, 3000); /* stored: inflated as far as it has arrived */
	gzip_member(fx, c1.data, c1.len, &fx->content);
	size_t first_len = fx->content.len;
	gzip_member(fx, c2.data, c2.len, &fx->content);
	fx->content.data[fx->content.len - 8] ^= 0x01;
	unlink(fx->path);
	assert_int_equal(mkfifo(fx->path, 0600), 0);
	/* the first read ends inside the second member, after whole lines of it */
	pid_t pid = fifo_writer_in_two(fx->path, fx->content.data, fx->content.len, first_len + 1500);
	fx->s = open_ok(fx->path, 0);
	assert_int_equal(read_matching(fx->s, &c1, &n, &fx->err), SOURCE_BAD_MEMBER);
	assert_int_equal(n, 2);
	assert_int_equal(source_member_start(fx->s, &m), 0);
	assert_int_equal(m.offset, c1.len);
	assert_int_equal(m.line, 3);
	wait_ok(pid);
	buf_free(&c1);
	buf_free(&c2);
}

/* Skip far into a FIFO with TAIL taken from the real content or not. */
static void check_fifo_skip(struct fixture *fx, bool right_tail)
{
	struct source_line l;
	char hex[33];
	make_lines(&fx->content, 100000);
	uint64_t off = offset_after_line(fx->content.data, fx->content.len, 77777);
	blake2b_128_hex(fx->content.data + off - 4096 - (right_tail ? 0 : 1), 4096, hex);
	struct source_tail t = { off, hex, 4096 };
	unlink(fx->path);
	assert_int_equal(mkfifo(fx->path, 0600), 0);
	pid_t pid = fifo_writer(fx->path, fx->content.data, fx->content.len);
	fx->s = open_ok(fx->path, 0);
	int rc = source_skip(fx->s, off, 77777, &t, &fx->err);
	if (rc < 0)
		fail_msg("source_skip: %s", buf_str(&fx->err));
	assert_int_equal(rc, right_tail ? 0 : 2);
	if (right_tail) {
		assert_int_equal(source_next_line(fx->s, &l, &fx->err), 1);
		assert_int_equal(l.number, 77778);
		assert_memory_equal(l.p, "line 77778 ", 11);
	}
	while (source_next_line(fx->s, &l, &fx->err) == 1) /* let the writer finish */
		;
	wait_ok(pid);
}

static void test_fifo_skip_reads_on_instead_of_seeking(void **state)
{
	check_fifo_skip(*state, true);
}

static void test_fifo_skip_with_another_tail_says_other_content(void **state)
{
	check_fifo_skip(*state, false);
}

static void test_stdin_from_a_regular_file_is_not_rereadable(void **state)
{
	struct fixture *fx = *state;
	struct buf got = BUF_INIT;
	make_lines(&fx->content, 300);
	write_bytes(fx->path, fx->content.data, fx->content.len);
	int saved = dup(0), fd = open(fx->path, O_RDONLY);
	assert_true(saved >= 0 && fd >= 0);
	assert_int_equal(dup2(fd, 0), 0);
	close(fd);
	fx->s = open_ok("-", 0);
	bool rereadable = source_is_rereadable(fx->s);
	char hex[33];
	blake2b_128_hex(fx->content.data, 100, hex);
	struct source_tail t = { 100, hex, 100 };
	int checked = source_check_tail(fx->s, &t);
	int n = read_all(fx->s, &got);
	source_close(fx->s);
	fx->s = NULL;
	assert_int_equal(dup2(saved, 0), 0);
	close(saved);
	assert_false(rereadable);
	assert_int_equal(checked, -1);
	assert_int_equal(n, 300);
	buf_free(&got);
}

/* ---- a plain file truncated while it is read (copytruncate) ---- */

/* Open a file of 50000 lines and read its first 100; what was written is in fx->content. */
static void open_and_read_100(struct fixture *fx)
{
	struct source_line l;
	make_lines(&fx->content, 50000); /* ~1 MB: more than was read when the head was */
	write_bytes(fx->path, fx->content.data, fx->content.len);
	fx->s = open_ok(fx->path, 0);
	for (int i = 0; i < 100; i++)
		assert_int_equal(source_next_line(fx->s, &l, &fx->err), 1);
}

/* Read on after the truncation: only old lines, then SOURCE_TRUNCATED at a line end. */
static void check_stops_at_old_content(struct fixture *fx)
{
	struct source_line l;
	int rc, n = 100;
	const char *p = fx->content.data + offset_after_line(fx->content.data, fx->content.len, 100);
	const char *end = fx->content.data + fx->content.len;
	while ((rc = source_next_line(fx->s, &l, &fx->err)) == 1) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		n++;
		assert_non_null(nl);
		assert_int_equal(l.number, (uint64_t)n);
		assert_int_equal(l.n, (size_t)(nl - p)); /* whole old lines, nothing of the new */
		assert_memory_equal(l.p, p, l.n);
		p = nl + 1;
	}
	assert_int_equal(rc, SOURCE_TRUNCATED);
	assert_true(source_was_truncated(fx->s));
	assert_true(n < 50000);
	assert_int_equal(source_offset(fx->s), (uint64_t)(p - fx->content.data));
	assert_non_null(strstr(buf_str(&fx->err), fx->path));
	assert_non_null(strstr(buf_str(&fx->err), "truncated"));
	buf_reset(&fx->err);
	assert_int_equal(source_next_line(fx->s, &l, &fx->err), SOURCE_TRUNCATED);
}

static void test_truncated_file_stops_after_the_last_line_read_before(void **state)
{
	struct fixture *fx = *state;
	open_and_read_100(fx);
	write_bytes(fx->path, "new 1\nnew 2\n", 12); /* truncates the same file, as copytruncate */
	assert_int_equal(source_offset(fx->s), offset_after_line(fx->content.data, fx->content.len, 100));
	check_stops_at_old_content(fx);
}

static void test_truncation_message_gives_the_size_now(void **state)
{
	struct fixture *fx = *state;
	struct source_line l;
	open_and_read_100(fx);
	write_bytes(fx->path, "new 1\nnew 2\n", 12);
	while (source_next_line(fx->s, &l, &fx->err) == 1)
		;
	assert_non_null(strstr(buf_str(&fx->err), "(12 bytes now"));
}

static void test_truncated_file_written_past_the_read_offset_is_noticed(void **state)
{
	struct fixture *fx = *state;
	struct buf fresh = BUF_INIT;
	open_and_read_100(fx);
	for (int i = 0; i < 100000; i++) /* new content longer than what was read */
		buf_printf(&fresh, "new content %d\n", i);
	write_bytes(fx->path, fresh.data, fresh.len);
	check_stops_at_old_content(fx);
	buf_free(&fresh);
}

static void test_file_growing_while_read_is_read_whole(void **state)
{
	struct fixture *fx = *state;
	struct source_line l;
	int rc, n = 100;
	open_and_read_100(fx);
	FILE *fp = fopen(fx->path, "ab");
	assert_non_null(fp);
	for (int i = 1; i <= 1000; i++)
		fprintf(fp, "appended %d\n", i);
	assert_int_equal(fclose(fp), 0);
	while ((rc = source_next_line(fx->s, &l, &fx->err)) == 1)
		n++;
	assert_int_equal(rc, 0);
	assert_int_equal(n, 51000);
	assert_memory_equal(l.p, "appended 1000", 13);
	assert_false(source_was_truncated(fx->s));
}

static void test_close_accepts_null(void **state)
{
	(void)state;
	source_close(NULL);
	assert_true(1); /* no crash is the behaviour */
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_plain_file_lines_are_read_in_order),
		T(test_source_name_is_the_path),
		T(test_crlf_line_endings_are_stripped),
		T(test_final_line_without_newline_is_returned),
		T(test_empty_file_has_no_lines),
		T(test_nul_bytes_stay_inside_the_line),
		T(test_single_byte_file_is_one_line),
		T(test_line_longer_than_max_line_is_reported_too_long),
		T(test_too_long_last_line_without_newline_is_reported),
		T(test_line_of_exactly_max_line_bytes_is_kept_whole),
		T(test_head_holds_the_first_bytes),
		T(test_missing_file_is_an_error_naming_it),
		T(test_directory_is_an_error_naming_it),
		T(test_gzip_is_detected_and_inflated),
		T(test_gzip_is_detected_whatever_the_name),
		T(test_plain_file_named_gz_is_read_plain),
		T(test_gzip_head_is_decompressed_content),
		T(test_multi_member_gzip_is_read_to_the_end),
		T(test_line_split_across_gzip_members_is_joined),
		T(test_large_multi_member_gzip_keeps_every_line),
		T(test_gzip_crlf_and_missing_final_newline),
		T(test_empty_gzip_has_no_lines),
		T(test_truncated_gzip_returns_complete_lines_then_names_file_and_offset),
		T(test_corrupt_gzip_returns_lines_before_damage_then_says_corrupt),
		T(test_garbage_after_gzip_magic_is_corrupt),
		T(test_skip_within_head_of_plain_file_continues_line_numbers),
		T(test_skip_far_into_plain_file_continues_line_numbers),
		T(test_skip_into_gzip_continues_line_numbers),
		T(test_skip_within_head_of_gzip_continues_line_numbers),
		T(test_skip_to_the_end_leaves_no_lines),
		T(test_skip_beyond_the_end_returns_1),
		T(test_member_with_a_bad_crc_is_reported_after_the_lines_before_it),
		T(test_member_with_a_bad_length_is_reported_after_the_lines_before_it),
		T(test_member_whose_data_is_damaged_but_inflates_is_reported_after_the_lines_before_it),
		T(test_small_members_before_a_bad_one_are_returned_whole),
		T(test_small_gzip_with_a_bad_crc_fails_to_open),
		T(test_bad_member_of_several_buffers_gives_the_line_it_began_in),
		T(test_bad_member_skipped_into_gives_the_line_it_began_in),
		T(test_zero_padding_after_the_last_member_is_accepted),
		T(test_data_after_the_zero_padding_is_an_error),
		T(test_regular_file_is_rereadable),
		T(test_fifo_is_read_but_not_rereadable),
		T(test_fifo_skip_reads_on_instead_of_seeking),
		T(test_fifo_skip_with_another_tail_says_other_content),
		T(test_stdin_from_a_regular_file_is_not_rereadable),
		T(test_bad_member_begun_in_an_earlier_read_returns_none_of_its_lines),
		T(test_truncation_message_gives_the_size_now),
		T(test_truncated_file_stops_after_the_last_line_read_before),
		T(test_truncated_file_written_past_the_read_offset_is_noticed),
		T(test_file_growing_while_read_is_read_whole),
		T(test_close_accepts_null),
		/* last: without the fix it overruns the heap and may take the process down */
		T(test_small_max_line_reports_long_lines_within_its_buffer),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
