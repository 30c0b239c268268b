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
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>
#include <zlib.h>

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

/* One gzip member of P[0..N), made with zlib's gzopen/gzwrite, appended to OUT. */
static void gzip_member(const struct fixture *fx, const void *p, size_t n, struct buf *out)
{
	char tmp[320];
	snprintf(tmp, sizeof(tmp), "%s/member.gz", fx->dir);
	gzFile gz = gzopen(tmp, "wb9");
	assert_non_null(gz);
	if (n)
		assert_int_equal(gzwrite(gz, p, (unsigned)n), (int)n);
	assert_int_equal(gzclose(gz), Z_OK);
	read_bytes(tmp, out);
	unlink(tmp);
}

/* N lines "line <i> <filler>\n" into OUT; returns nothing, OUT holds the content. */
static void make_lines(struct buf *out, int n)
{
	for (int i = 1; i <= n; i++)
		buf_printf(out, "line %d %s\n", i, i % 7 == 0 ? "with a somewhat longer tail to vary lengths" : "x");
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

/* Count the complete lines zlib itself can inflate from a damaged GZ (the independent check). */
static int complete_lines_zlib_can_read(const struct buf *gz)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
	unsigned char out[65536];
	int lines = 0, rc;
	z.next_in = (unsigned char *)gz->data;
	z.avail_in = (uInt)gz->len;
	do {
		z.next_out = out;
		z.avail_out = sizeof(out);
		rc = inflate(&z, Z_SYNC_FLUSH);
		for (size_t i = 0; i < sizeof(out) - z.avail_out; i++)
			lines += out[i] == '\n';
	} while (rc == Z_OK && (z.avail_in > 0 || z.avail_out == 0));
	inflateEnd(&z);
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
	int want = complete_lines_zlib_can_read(&gz);
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
		T(test_close_accepts_null),
		/* last: without the fix it overruns the heap and may take the process down */
		T(test_small_max_line_reports_long_lines_within_its_buffer),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
