/* Plain and gzip input split into lines, with offsets for checkpoints; see source.h. */
#include "source.h"

#include <errno.h>
#include <sodium.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define SOURCE_BUF_INIT (1u << 20)  /* decompressed buffer; grows up to the line limit */
#define SOURCE_RAW_BUF (256u << 10) /* compressed input chunk */
#define SOURCE_LONG_KEEP 1024       /* bytes kept of a line that is too long */
/*
 * Allocated beyond the buffer's capacity and never used. PCRE2's JIT may scan a subject with
 * aligned SIMD loads, and upstream fixed a first load at the subject's end that read the
 * next page when the subject ended on a page boundary (PCRE2Project/pcre2#985). Aligned loads
 * never cross a page, so one byte after the last line is enough; a struct buf always has its
 * NUL there. Whether Debian's 10.42 has that scan at all is not checked: this is cheap.
 */
#define SOURCE_SLACK 64

struct source {
	char *name;
	int fd;
	bool is_stdin, is_gzip, is_regular;
	uint64_t size;

	/* gzip only */
	z_stream z;
	bool z_ready, raw_eof;
	bool zero_padded; /* zero bytes followed the last member */
	unsigned char *raw;
	uint64_t raw_read; /* bytes read from fd */

	/* decompressed content: buf[start..end) is unread; offset of buf[0] is base */
	char *buf;
	size_t cap, start, end, scan;
	uint64_t base;
	bool eof;
	size_t max_line, buf_limit;
	struct buf pending_err; /* damage found after some output: reported on the next read */
	bool has_pending_err;

	uint64_t line_no;
	bool discarding; /* inside a line longer than max_line */
	uint64_t long_len;
	struct buf long_head;

	char head[SOURCE_HEAD_MAX];
	size_t head_n;
};

static int read_fd(struct source *s, void *p, size_t n, struct buf *err)
{
	for (;;) {
		ssize_t r = read(s->fd, p, n);
		if (r >= 0)
			return (int)r;
		if (errno == EINTR)
			continue;
		buf_printf(err, "%s: read error at byte %llu: %s", s->name,
			   (unsigned long long)s->raw_read, strerror(errno));
		return -1;
	}
}

/* Inflate into buf[end..cap). Returns bytes added, 0 at the end, -1 on damage. */
static long fill_gzip(struct source *s, struct buf *err)
{
	if (s->has_pending_err) {
		buf_add(err, s->pending_err.data, s->pending_err.len);
		return -1;
	}
	size_t want = s->cap - s->end;
	s->z.next_out = (unsigned char *)s->buf + s->end;
	s->z.avail_out = (uInt)(want > UINT32_MAX ? UINT32_MAX : want);
	while (s->z.avail_out == want) {
		if (s->z.avail_in == 0 && !s->raw_eof) {
			int r = read_fd(s, s->raw, SOURCE_RAW_BUF, err);
			if (r < 0)
				return -1;
			if (r == 0)
				s->raw_eof = true;
			s->raw_read += (uint64_t)r;
			s->z.next_in = s->raw;
			s->z.avail_in = (uInt)r;
		}
		uint64_t at = s->raw_read - s->z.avail_in;
		if (s->z.avail_in == 0 && s->raw_eof) {
			if (!s->z_ready) /* ended cleanly after a complete member */
				return 0;
			buf_printf(err, "%s: truncated gzip data at byte %llu", s->name, (unsigned long long)at);
			return -1;
		}
		if (!s->z_ready) { /* the next member of a multi-member file */
			/* gzip(1) ignores zero bytes after the last member (block padding) */
			while (s->z.avail_in && *s->z.next_in == 0) {
				s->z.next_in++;
				s->z.avail_in--;
				s->zero_padded = true;
			}
			if (!s->z.avail_in)
				continue; /* more padding, or the end */
			if (s->zero_padded) {
				buf_printf(err, "%s: data after the zero padding that ends the gzip data, at byte %llu",
					   s->name, (unsigned long long)(s->raw_read - s->z.avail_in));
				return -1;
			}
			if (inflateReset(&s->z) != Z_OK)
				goto corrupt;
			s->z_ready = true;
		}
		int rc = inflate(&s->z, Z_NO_FLUSH);
		if (rc == Z_STREAM_END) {
			s->z_ready = false;
			continue;
		}
		if (rc == Z_BUF_ERROR && s->z.avail_in == 0)
			continue; /* needs more input */
		if (rc != Z_OK) {
			at = s->raw_read - s->z.avail_in;
			if (s->z.avail_out == want) {
				buf_printf(err, "%s: corrupt gzip data at byte %llu (%s)", s->name,
					   (unsigned long long)at, s->z.msg ? s->z.msg : "inflate failed");
				return -1;
			}
			/* This call inflated good data before the damage: hand that out first. */
			buf_printf(&s->pending_err, "%s: corrupt gzip data at byte %llu (%s)", s->name,
				   (unsigned long long)at, s->z.msg ? s->z.msg : "inflate failed");
			s->has_pending_err = true;
			break;
		}
	}
	return (long)(want - s->z.avail_out);
corrupt:
	buf_printf(err, "%s: corrupt gzip data at byte %llu", s->name,
		   (unsigned long long)(s->raw_read - s->z.avail_in));
	return -1;
}

static long fill(struct source *s, struct buf *err)
{
	if (s->is_gzip)
		return fill_gzip(s, err);
	int r = read_fd(s, s->buf + s->end, s->cap - s->end > (1u << 30) ? (1u << 30) : s->cap - s->end, err);
	if (r > 0)
		s->raw_read += (uint64_t)r;
	return r;
}

/* Read more content, making room first. Returns >0, 0 at the end, -1 on error. */
static long more(struct source *s, struct buf *err)
{
	if (s->eof)
		return 0;
	if (s->start > 0 && s->end == s->cap) {
		memmove(s->buf, s->buf + s->start, s->end - s->start);
		s->base += s->start;
		s->scan -= s->start;
		s->end -= s->start;
		s->start = 0;
	}
	if (s->end == s->cap) {
		size_t cap = s->cap * 2 < s->buf_limit ? s->cap * 2 : s->buf_limit;
		if (cap <= s->cap) { /* a line longer than the limit: keep its head, drop the rest */
			if (!s->discarding) {
				s->discarding = true;
				s->long_len = 0;
				buf_reset(&s->long_head);
				buf_add(&s->long_head, s->buf + s->start, SOURCE_LONG_KEEP);
			}
			s->long_len += s->end - s->start;
			s->base += s->end;
			s->start = s->end = s->scan = 0;
		} else {
			s->buf = xrealloc(s->buf, cap + SOURCE_SLACK);
			s->cap = cap;
		}
	}
	long r = fill(s, err);
	if (r < 0)
		return -1;
	if (r == 0)
		s->eof = true;
	s->end += (size_t)r;
	return r;
}

int source_open(struct source **out, const char *path, size_t max_line, struct buf *err)
{
	struct source *s = xcalloc(1, sizeof(*s));
	struct stat st;
	int rc = -1;

	s->is_stdin = strcmp(path, "-") == 0;
	s->name = xstrdup(s->is_stdin ? "(stdin)" : path);
	s->max_line = max_line ? max_line : SOURCE_MAX_LINE_DEFAULT;
	s->fd = s->is_stdin ? 0 : open(path, O_RDONLY | O_CLOEXEC);
	if (s->fd < 0) {
		buf_printf(err, "%s: cannot open: %s", path, strerror(errno));
		goto out;
	}
	if (fstat(s->fd, &st) < 0) {
		buf_printf(err, "%s: cannot stat: %s", s->name, strerror(errno));
		goto out;
	}
	if (S_ISREG(st.st_mode)) {
		s->size = (uint64_t)st.st_size;
		s->is_regular = true;
	} else if (S_ISDIR(st.st_mode)) {
		buf_printf(err, "%s: is a directory", s->name);
		goto out;
	}
	/* Room for the head (the fingerprint needs it whatever the line limit) and for one
	 * longest line with its "\r\n"; the too-long test itself compares lengths. */
	s->buf_limit = s->max_line + 2 > 2 * SOURCE_HEAD_MAX ? s->max_line + 2 : 2 * SOURCE_HEAD_MAX;
	s->cap = SOURCE_BUF_INIT < s->buf_limit ? SOURCE_BUF_INIT : s->buf_limit;
	s->buf = xmalloc(s->cap + SOURCE_SLACK);

	/* Magic bytes decide, not the name: read the first two raw bytes. What is read here
	 * becomes compressed input when they say gzip, so it must fit that buffer. */
	while (s->end < 2) {
		int r = read_fd(s, s->buf + s->end, (s->cap < SOURCE_RAW_BUF ? s->cap : SOURCE_RAW_BUF) - s->end, err);
		if (r < 0)
			goto out;
		if (r == 0)
			break;
		s->end += (size_t)r;
		s->raw_read += (uint64_t)r;
	}
	if (s->end >= 2 && (unsigned char)s->buf[0] == 0x1f && (unsigned char)s->buf[1] == 0x8b) {
		s->is_gzip = true;
		s->raw = xmalloc(SOURCE_RAW_BUF);
		memcpy(s->raw, s->buf, s->end);
		s->z.next_in = s->raw;
		s->z.avail_in = (uInt)s->end;
		s->end = 0;
		if (inflateInit2(&s->z, 15 + 16) != Z_OK) {
			buf_printf(err, "%s: cannot start gzip decoder", s->name);
			goto out;
		}
		s->z_ready = true;
	}
	while (s->end < SOURCE_HEAD_MAX) {
		long r = more(s, err);
		if (r < 0)
			goto out;
		if (r == 0)
			break;
	}
	s->head_n = s->end < SOURCE_HEAD_MAX ? s->end : SOURCE_HEAD_MAX;
	memcpy(s->head, s->buf, s->head_n);
	rc = 0;
out:
	if (rc < 0) {
		source_close(s);
		s = NULL;
	}
	*out = s;
	return rc;
}

const char *source_head(const struct source *s, size_t *n)
{
	*n = s->head_n;
	return s->head;
}

void source_fingerprint(const void *p, size_t n, char hex[33])
{
	unsigned char h[16];
	crypto_generichash(h, sizeof(h), p, n, NULL, 0);
	sodium_bin2hex(hex, 33, h, sizeof(h));
}

int source_tail_hash(const struct source *s, uint64_t offset, size_t len, char hex[33])
{
	uint64_t from = offset > len ? offset - len : 0;
	if (from < s->base || offset > s->base + s->end)
		return -1;
	source_fingerprint(s->buf + (from - s->base), (size_t)(offset - from), hex);
	return 0;
}

int source_check_tail(const struct source *s, const struct source_tail *tail)
{
	if (s->is_gzip || s->is_stdin || !s->is_regular)
		return -1;
	uint64_t from = tail->offset > tail->len ? tail->offset - tail->len : 0;
	size_t n = (size_t)(tail->offset - from), got = 0;
	char *p = xmalloc(n ? n : 1), hex[33];
	while (got < n) {
		ssize_t r = pread(s->fd, p + got, n - got, (off_t)(from + got));
		if (r <= 0 && !(r < 0 && errno == EINTR))
			break;
		if (r > 0)
			got += (size_t)r;
	}
	int same = 0;
	if (got == n) {
		source_fingerprint(p, n, hex);
		same = strcmp(hex, tail->hash) == 0;
	}
	free(p);
	return same;
}

/* Feed the part of TAIL's bytes that lies in buf[0..end) into H. */
static void hash_tail_part(const struct source *s, const struct source_tail *tail, uint64_t from,
			   crypto_generichash_state *h)
{
	uint64_t lo = from > s->base ? from : s->base;
	uint64_t hi = tail->offset < s->base + s->end ? tail->offset : s->base + s->end;
	if (lo < hi)
		crypto_generichash_update(h, (const unsigned char *)s->buf + (lo - s->base), hi - lo);
}

int source_skip(struct source *s, uint64_t offset, uint64_t lines, const struct source_tail *tail,
		struct buf *err)
{
	bool check = tail && tail->offset && tail->offset <= offset && tail->hash;
	uint64_t from = check && tail->offset > tail->len ? tail->offset - tail->len : 0;
	crypto_generichash_state h;

	if (!s->is_gzip && !s->is_stdin && offset > s->base + s->end) {
		if (s->size && offset > s->size)
			return 1;
		if (check && source_check_tail(s, tail) != 1)
			return 2;
		check = false;
		if (lseek(s->fd, (off_t)offset, SEEK_SET) == (off_t)-1) {
			buf_printf(err, "%s: cannot seek to byte %llu: %s", s->name,
				   (unsigned long long)offset, strerror(errno));
			return -1;
		}
		s->base = offset;
		s->start = s->end = s->scan = 0;
		s->raw_read = offset;
	}
	if (check)
		crypto_generichash_init(&h, NULL, 0, 16);
	while (s->base + s->end < offset) {
		if (check)
			hash_tail_part(s, tail, from, &h);
		s->base += s->end; /* discard what is buffered */
		s->start = s->end = s->scan = 0;
		long r = more(s, err);
		if (r < 0)
			return -1;
		if (r == 0)
			return 1;
	}
	if (check) {
		unsigned char out[16];
		char hex[33];
		hash_tail_part(s, tail, from, &h);
		crypto_generichash_final(&h, out, sizeof(out));
		sodium_bin2hex(hex, sizeof(hex), out, sizeof(out));
		if (strcmp(hex, tail->hash) != 0)
			return 2;
	}
	s->start = s->scan = (size_t)(offset - s->base);
	s->line_no = lines;
	return 0;
}

int source_next_line(struct source *s, struct source_line *line, struct buf *err)
{
	for (;;) {
		char *nl = memchr(s->buf + s->scan, '\n', s->end - s->scan);
		if (nl || (s->eof && (s->start < s->end || s->discarding))) {
			size_t stop = nl ? (size_t)(nl - s->buf) : s->end;
			const char *p = s->buf + s->start;
			size_t n = stop - s->start;
			s->start = s->scan = nl ? stop + 1 : stop;
			s->line_no++;
			line->number = s->line_no;
			line->unterminated = !nl;
			if (s->discarding) {
				s->discarding = false;
				line->too_long = true;
				line->full_len = s->long_len + n;
				line->p = s->long_head.data;
				line->n = s->long_head.len;
				return 1;
			}
			if (n && p[n - 1] == '\r')
				n--;
			line->p = p;
			line->full_len = n;
			line->too_long = n > s->max_line; /* fits the buffer only with its line end */
			line->n = line->too_long && n > SOURCE_LONG_KEEP ? SOURCE_LONG_KEEP : n;
			return 1;
		}
		s->scan = s->end;
		if (s->eof)
			return 0;
		if (more(s, err) < 0)
			return -1;
	}
}

uint64_t source_offset(const struct source *s)
{
	return s->base + s->start;
}

uint64_t source_raw_offset(const struct source *s)
{
	return s->is_gzip ? s->raw_read - s->z.avail_in : s->base + s->start;
}

long source_age(const struct source *s)
{
	struct stat st;
	if (s->is_gzip || s->is_stdin || !s->is_regular || fstat(s->fd, &st) < 0)
		return -1;
	time_t now = time(NULL);
	return now > st.st_mtime ? (long)(now - st.st_mtime) : 0;
}

uint64_t source_size(const struct source *s)
{
	return s->size;
}

bool source_is_gzip(const struct source *s)
{
	return s->is_gzip;
}

const char *source_name(const struct source *s)
{
	return s->name;
}

void source_close(struct source *s)
{
	if (!s)
		return;
	if (s->is_gzip)
		inflateEnd(&s->z);
	if (!s->is_stdin && s->fd >= 0)
		close(s->fd);
	free(s->raw);
	free(s->buf);
	free(s->name);
	buf_free(&s->long_head);
	buf_free(&s->pending_err);
	free(s);
}
