/* Plain and gzip input split into lines, with offsets for checkpoints; see source.h. */
#include "source.h"

#include <errno.h>
#include <fcntl.h>
#include <isa-l/igzip_lib.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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
/*
 * Bytes before the read offset of a plain file compared with the file again after every read,
 * to notice a truncation that the file outgrew again before we looked (copytruncate under a
 * busy writer). 4 KiB spans several log lines, timestamps included, so new content at the
 * same offsets does not pass for the old; one pread of it per read (up to 1 MiB) costs little.
 * As many bytes of returned lines stay buffered when the buffer is shifted, for this and for
 * source_tail_hash (the store hashes the 4 KiB before a checkpoint: STORE_TAIL_BYTES).
 */
#define SOURCE_TRUNC_WINDOW 4096

struct source {
	char *name;
	int fd;
	bool is_stdin, is_gzip, is_regular, is_rereadable;
	uint64_t size;
	uint64_t raw_read; /* bytes read from fd; for plain input always base + end */

	/* gzip only */
	struct inflate_state *z;
	bool in_member, raw_eof;
	bool zero_padded; /* zero bytes followed the last member */
	unsigned char *raw;
	/*
	 * The member begun last. Its line is known ("resolved") once the lines before its first
	 * byte were counted: when source_next_line returns the line holding that byte, at once
	 * when it begins where the next line does, or by counting back from a checkpoint's line
	 * number when source_skip passes it.
	 */
	struct source_member member;
	bool has_member, member_resolved;
	bool skipping;          /* inside source_skip: line_no is not yet the line count */
	uint64_t member_nl;     /* while skipping: "\n" passed since the member began */
	uint64_t skip_line_off; /* while skipping: where the line being passed over begins */

	/* decompressed content: buf[start..end) is unread; offset of buf[0] is base */
	char *buf;
	size_t cap, start, end, scan;
	uint64_t base;
	bool eof;
	size_t max_line, buf_limit;
	/* The first failure: returned, with its message, once the lines before it were. */
	int fail_rc;
	struct buf fail_msg;
	bool truncated;

	uint64_t line_no;
	bool discarding;    /* inside a line longer than max_line */
	uint64_t long_len;
	uint64_t long_start; /* offset where that line begins */
	struct buf long_head;

	char head[SOURCE_HEAD_MAX];
	size_t head_n;
};

/* Record the first failure; returns its code (source_status). */
__attribute__((format(printf, 3, 4))) static int fail(struct source *s, int rc, const char *fmt, ...)
{
	if (s->fail_rc)
		return s->fail_rc;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&s->fail_msg, fmt, ap);
	va_end(ap);
	s->fail_rc = rc;
	return rc;
}

/* read(2) of up to N bytes. Returns bytes read (0 at the end), or SOURCE_ERROR. */
static long read_fd(struct source *s, void *p, size_t n)
{
	for (;;) {
		ssize_t r = read(s->fd, p, n);
		if (r >= 0)
			return (long)r;
		if (errno == EINTR)
			continue;
		return fail(s, SOURCE_ERROR, "%s: read error at byte %llu: %s", s->name,
			    (unsigned long long)s->raw_read, strerror(errno));
	}
}

static uint64_t count_newlines(const char *p, size_t n)
{
	uint64_t c = 0;
	for (const char *e = p + n; (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++)
		c++;
	return c;
}

/*
 * The complete lines in buf[start..lim) that source_next_line has still to return: how many
 * line numbers that makes in all (*LINE) and where the next line then begins (*OFF).
 */
static void lines_ahead(const struct source *s, size_t lim, uint64_t *line, uint64_t *off)
{
	const char *p = s->buf + s->start, *e = s->buf + lim, *nl;
	*line = s->line_no;
	*off = s->discarding ? s->long_start : s->base + s->start;
	while (p < e && (nl = memchr(p, '\n', (size_t)(e - p))) != NULL) {
		++*line;
		*off = s->base + (uint64_t)(nl + 1 - s->buf);
		p = nl + 1;
	}
}

/* The line holding the member's first byte, when buf[start..lim) is content up to it. */
static void member_locate(const struct source *s, size_t lim, struct source_member *m)
{
	uint64_t at = m->offset > s->base + s->start ? m->offset - s->base : s->start;
	lines_ahead(s, at < lim ? (size_t)at : lim, &m->line, &m->line_offset);
	m->line++;
}

/* A member begins: its header at RAW, its content at decompressed offset AT. */
static void member_begin(struct source *s, uint64_t raw, uint64_t at)
{
	s->member = (struct source_member){ .raw_offset = raw, .offset = at };
	s->has_member = true;
	s->member_resolved = false;
	s->member_nl = 0;
	if (!s->skipping && !s->discarding && at == s->base + s->start) {
		/* where the next line begins: known without counting */
		s->member.line = s->line_no + 1;
		s->member.line_offset = at;
		s->member_resolved = true;
	}
}

static const char *isal_error(int rc)
{
	switch (rc) {
	case ISAL_INVALID_BLOCK:
		return "invalid deflate block";
	case ISAL_INVALID_SYMBOL:
		return "invalid deflate code";
	case ISAL_INVALID_LOOKBACK:
		return "invalid distance too far back";
	case ISAL_INVALID_WRAPPER:
		return "not a gzip header";
	case ISAL_UNSUPPORTED_METHOD:
		return "unknown compression method";
	default:
		return "inflate failed";
	}
}

/*
 * The member just inflated (GOT bytes of it in buf[end..)) failed its CRC-32 or ISIZE check.
 * Keep what came before the member, not one byte of it: lines already returned from it are
 * for the caller to take back (source_member_start). Returns the bytes to add, or the failure.
 */
static long bad_member(struct source *s, uint32_t got)
{
	uint64_t out_at = s->base + s->end; /* offset of buf[end], where this call's output began */
	uint64_t m = s->member.offset;
	size_t keep = m > out_at ? (size_t)(m - out_at < got ? m - out_at : got) : 0;
	if (m < out_at) { /* the member began in what was buffered: drop that part */
		size_t cut = m > s->base + s->start ? (size_t)(m - s->base) : s->start;
		s->end = cut;
		if (s->scan > cut)
			s->scan = cut;
	}
	if (!s->member_resolved && !s->skipping) {
		member_locate(s, s->end + keep, &s->member);
		s->member_resolved = true;
	}
	if (s->member_resolved)
		fail(s, SOURCE_BAD_MEMBER, "%s: corrupt gzip data: the member at byte %llu fails its CRC-32 or length "
		     "check, so its content (from line %llu, byte %llu of the content) is damaged", s->name,
		     (unsigned long long)s->member.raw_offset, (unsigned long long)s->member.line,
		     (unsigned long long)s->member.offset);
	else
		fail(s, SOURCE_BAD_MEMBER, "%s: corrupt gzip data: the member at byte %llu fails its CRC-32 or length "
		     "check, so its content (from byte %llu of the content) is damaged", s->name,
		     (unsigned long long)s->member.raw_offset, (unsigned long long)s->member.offset);
	return keep ? (long)keep : s->fail_rc;
}

/*
 * Inflate into buf[end..cap). Returns bytes added, 0 at the end, or a failure (source_status);
 * damage found after this call inflated good data is recorded and returned by the next call.
 */
static long fill_gzip(struct source *s)
{
	struct inflate_state *z = s->z;
	size_t room = s->cap - s->end;
	uint32_t want = room > UINT32_MAX ? UINT32_MAX : (uint32_t)room;
	z->next_out = (uint8_t *)s->buf + s->end;
	z->avail_out = want;
	while (z->avail_out == want) {
		if (z->avail_in == 0 && !s->raw_eof) {
			long r = read_fd(s, s->raw, SOURCE_RAW_BUF);
			if (r < 0)
				return r;
			if (r == 0)
				s->raw_eof = true;
			s->raw_read += (uint64_t)r;
			z->next_in = s->raw;
			z->avail_in = (uint32_t)r;
		}
		if (!s->in_member) { /* the first member, or the next one of a multi-member file */
			/* gzip(1) ignores zero bytes after the last member (block padding) */
			while (z->avail_in && *z->next_in == 0) {
				z->next_in++;
				z->avail_in--;
				s->zero_padded = true;
			}
			if (!z->avail_in) {
				if (s->raw_eof) /* ended cleanly after a complete member */
					return 0;
				continue; /* more padding, or the end */
			}
			if (s->zero_padded)
				return fail(s, SOURCE_ERROR, "%s: data after the zero padding that ends the gzip data, at byte %llu",
					    s->name, (unsigned long long)(s->raw_read - z->avail_in));
			isal_inflate_reset(z); /* keeps crc_flag: the header is parsed, the trailer checked */
			s->in_member = true;
			member_begin(s, s->raw_read - z->avail_in, s->base + (uint64_t)((char *)z->next_out - s->buf));
		}
		uint32_t in_before = z->avail_in;
		int rc = isal_inflate(z);
		uint32_t got = want - z->avail_out;
		if (rc == ISAL_INCORRECT_CHECKSUM)
			return bad_member(s, got);
		if (rc < 0 || rc == ISAL_NEED_DICT) { /* a preset dictionary: not gzip */
			/* Good data this call inflated before the damage is handed out first. */
			fail(s, SOURCE_ERROR, "%s: corrupt gzip data at byte %llu (%s)", s->name,
			     (unsigned long long)(s->raw_read - z->avail_in), isal_error(rc));
			return got ? (long)got : s->fail_rc;
		}
		if (z->block_state == ISAL_BLOCK_FINISH) { /* trailer checked: the member is whole */
			s->in_member = false;
			continue;
		}
		if (got)
			break;
		/* Nothing out, and no member end, though all input was given: it is cut short. */
		if (z->avail_in == 0 && s->raw_eof)
			return fail(s, SOURCE_ERROR, "%s: truncated gzip data at byte %llu", s->name,
				    (unsigned long long)s->raw_read);
		if (z->avail_in && z->avail_in == in_before) /* never seen; would loop forever */
			return fail(s, SOURCE_ERROR, "%s: corrupt gzip data at byte %llu (inflate is stuck)", s->name,
				    (unsigned long long)(s->raw_read - z->avail_in));
	}
	return (long)(want - z->avail_out);
}

/*
 * After a read of N bytes from a regular plain file at offset base + end (into buf[end..)):
 * was the file truncated under us? Yes when it is now shorter than what was read, or when the
 * bytes before this read are no longer what was read there (it outgrew the truncation again).
 * Then what this read returned may already be the new content: it is not kept, and reading
 * stops after the last line whose "\n" an earlier read returned.
 */
static bool truncated_under(struct source *s, size_t n)
{
	struct stat st;
	uint64_t at = s->base + s->end;
	unsigned char old[SOURCE_TRUNC_WINDOW];
	size_t w = s->end < sizeof(old) ? s->end : sizeof(old);
	bool shrank = false, changed = false;

	if (fstat(s->fd, &st) < 0)
		return false; /* cannot tell: read on as before */
	if ((uint64_t)st.st_size < at + n) {
		shrank = true;
	} else if (w) {
		size_t got = 0;
		while (got < w) {
			ssize_t r = pread(s->fd, old + got, w - got, (off_t)(at - w + got));
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			got += (size_t)r;
		}
		changed = got < w || memcmp(old, s->buf + s->end - w, w) != 0;
	}
	if (!shrank && !changed)
		return false;
	uint64_t line, off;
	lines_ahead(s, s->end, &line, &off);
	s->truncated = true;
	if (shrank)
		fail(s, SOURCE_TRUNCATED, "%s: truncated while being read (%llu bytes now, %llu read): "
		     "stopped after line %llu (byte %llu), the last one read before", s->name,
		     (unsigned long long)st.st_size, (unsigned long long)(at + n), (unsigned long long)line,
		     (unsigned long long)off);
	else
		fail(s, SOURCE_TRUNCATED, "%s: truncated and written again while being read (the bytes before "
		     "byte %llu changed): stopped after line %llu (byte %llu), the last one read before", s->name,
		     (unsigned long long)at, (unsigned long long)line, (unsigned long long)off);
	return true;
}

static long fill_plain(struct source *s)
{
	size_t room = s->cap - s->end;
	long r = read_fd(s, s->buf + s->end, room > (1u << 30) ? (1u << 30) : room);
	if (r < 0)
		return r;
	if (s->is_regular && truncated_under(s, (size_t)r))
		return s->fail_rc;
	s->raw_read += (uint64_t)r;
	return r;
}

/* Read more content, making room first. Returns >0, 0 at the end, or a source_status. */
static long more(struct source *s, struct buf *err)
{
	if (s->fail_rc)
		goto failed;
	if (s->eof)
		return 0;
	if (s->start > 0 && s->end == s->cap) {
		/* Keep the last bytes of returned lines, unless that frees nothing: a line may have
		 * the whole buffer before it counts as too long. */
		size_t from = s->start > SOURCE_TRUNC_WINDOW ? s->start - SOURCE_TRUNC_WINDOW : s->start;
		memmove(s->buf, s->buf + from, s->end - from);
		s->base += from;
		s->start -= from;
		s->scan -= from;
		s->end -= from;
	}
	if (s->end == s->cap) {
		size_t cap = s->cap * 2 < s->buf_limit ? s->cap * 2 : s->buf_limit;
		if (cap <= s->cap) { /* a line longer than the limit: keep its head, drop the rest */
			if (!s->discarding) {
				s->discarding = true;
				s->long_len = 0;
				s->long_start = s->base + s->start;
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
	long r = s->is_gzip ? fill_gzip(s) : fill_plain(s);
	if (r < 0)
		goto failed;
	if (r == 0)
		s->eof = true;
	s->end += (size_t)r;
	return r;
failed:
	buf_add(err, s->fail_msg.data, s->fail_msg.len);
	return s->fail_rc;
}

/* For non-regular inputs: what to call them, since their path means little once read. */
static const char *file_kind(mode_t mode)
{
	if (S_ISFIFO(mode))
		return "pipe";
	if (S_ISSOCK(mode))
		return "socket";
	if (S_ISCHR(mode) || S_ISBLK(mode))
		return "device";
	return "not a regular file";
}

int source_open(struct source **out, const char *path, size_t max_line, struct buf *err)
{
	struct source *s = xcalloc(1, sizeof(*s));
	struct buf damage = BUF_INIT;
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
		s->is_rereadable = !s->is_stdin;
	} else if (S_ISDIR(st.st_mode)) {
		buf_printf(err, "%s: is a directory", s->name);
		goto out;
	} else if (!s->is_stdin) {
		free(s->name);
		struct buf name = BUF_INIT;
		buf_printf(&name, "%s (%s)", path, file_kind(st.st_mode));
		s->name = name.data;
	}
	/* Room for the head (the fingerprint needs it whatever the line limit) and for one
	 * longest line with its "\r\n"; the too-long test itself compares lengths. */
	s->buf_limit = s->max_line + 2 > 2 * SOURCE_HEAD_MAX ? s->max_line + 2 : 2 * SOURCE_HEAD_MAX;
	s->cap = SOURCE_BUF_INIT < s->buf_limit ? SOURCE_BUF_INIT : s->buf_limit;
	s->buf = xmalloc(s->cap + SOURCE_SLACK);

	/* Magic bytes decide, not the name: read the first two raw bytes. What is read here
	 * becomes compressed input when they say gzip, so it must fit that buffer. No more than
	 * the head is read (it was 256 KiB): a plain file known up to its end is identified by
	 * its head and its tail, and a rerun that finds nothing new reads no more of it. */
	while (s->end < 2) {
		long r = read_fd(s, s->buf + s->end, SOURCE_HEAD_MAX - s->end);
		if (r < 0) {
			buf_add(err, s->fail_msg.data, s->fail_msg.len);
			goto out;
		}
		if (r == 0)
			break;
		s->end += (size_t)r;
		s->raw_read += (uint64_t)r;
	}
	if (s->end >= 2 && (unsigned char)s->buf[0] == 0x1f && (unsigned char)s->buf[1] == 0x8b) {
		s->is_gzip = true;
		s->raw = xmalloc(SOURCE_RAW_BUF);
		memcpy(s->raw, s->buf, s->end);
		/* The first chunk of compressed input as one read of SOURCE_RAW_BUF gives it: where
		 * the chunks end decides how much of a damaged member is inflated (and returned)
		 * before its check fails. */
		if (s->end == SOURCE_HEAD_MAX) {
			long r = read_fd(s, s->raw + s->end, SOURCE_RAW_BUF - s->end);
			if (r < 0) {
				buf_add(err, s->fail_msg.data, s->fail_msg.len);
				goto out;
			}
			s->end += (size_t)r;
			s->raw_read += (uint64_t)r;
		}
		s->z = xmalloc(sizeof(*s->z));
		isal_inflate_init(s->z);
		s->z->crc_flag = ISAL_GZIP; /* parse each member's header, check its CRC-32 and ISIZE */
		s->z->next_in = s->raw;
		s->z->avail_in = (uint32_t)s->end;
		s->end = 0;
	}
	while (s->end < SOURCE_HEAD_MAX) {
		long r = more(s, &damage);
		if (r < 0 && s->end == 0) { /* nothing to return before the damage */
			buf_add(err, damage.data, damage.len);
			goto out;
		}
		if (r <= 0) /* damage: the lines before it first, then source_next_line reports it */
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
	buf_free(&damage);
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

bool source_is_rereadable(const struct source *s)
{
	return s->is_rereadable;
}

int source_check_tail(const struct source *s, const struct source_tail *tail)
{
	if (s->is_gzip || !s->is_rereadable)
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

/*
 * source_skip passes over buf[from..to) of gzip content: count what the current member's line
 * needs, the "\n" from its first byte on (its line is found back from the checkpoint's line
 * number), and where the line holding that byte begins. Single-member files count nothing.
 */
static void skip_pass(struct source *s, size_t from, size_t to)
{
	if (!s->is_gzip || from >= to)
		return;
	uint64_t lo = s->base + from, m = s->member.offset;
	if (s->has_member && !s->member_resolved && m < s->base + to) {
		size_t p = m > lo ? (size_t)(m - s->base) : from;
		if (m >= lo) {
			const char *nl = memrchr(s->buf + from, '\n', p - from);
			s->member.line_offset = nl ? s->base + (uint64_t)(nl + 1 - s->buf) : s->skip_line_off;
		}
		s->member_nl += count_newlines(s->buf + p, to - p);
	}
	const char *nl = memrchr(s->buf + from, '\n', to - from);
	if (nl)
		s->skip_line_off = s->base + (uint64_t)(nl + 1 - s->buf);
}

int source_skip(struct source *s, uint64_t offset, uint64_t lines, const struct source_tail *tail,
		struct buf *err)
{
	bool check = tail && tail->offset && tail->offset <= offset && tail->hash;
	uint64_t from = check && tail->offset > tail->len ? tail->offset - tail->len : 0;
	crypto_generichash_state h;
	int rc = 0;

	if (!s->is_gzip && s->is_rereadable && offset > s->base + s->end) {
		if (s->size && offset > s->size)
			return 1;
		if (check && source_check_tail(s, tail) != 1)
			return 2;
		check = false;
		if (lseek(s->fd, (off_t)offset, SEEK_SET) == (off_t)-1) {
			buf_printf(err, "%s: cannot seek to byte %llu: %s", s->name,
				   (unsigned long long)offset, strerror(errno));
			return SOURCE_ERROR;
		}
		s->base = offset;
		s->start = s->end = s->scan = 0;
		s->raw_read = offset;
	}
	if (check)
		crypto_generichash_init(&h, NULL, 0, 16);
	s->skipping = true;
	s->skip_line_off = s->base + s->start;
	while (s->base + s->end < offset) {
		if (check)
			hash_tail_part(s, tail, from, &h);
		skip_pass(s, s->start, s->end);
		s->base += s->end; /* discard what is buffered */
		s->start = s->end = s->scan = 0;
		long r = more(s, err);
		if (r < 0) {
			rc = (int)r;
			goto out;
		}
		if (r == 0) {
			rc = 1;
			goto out;
		}
	}
	skip_pass(s, s->start, (size_t)(offset - s->base));
	if (check) {
		unsigned char sum[16];
		char hex[33];
		hash_tail_part(s, tail, from, &h);
		crypto_generichash_final(&h, sum, sizeof(sum));
		sodium_bin2hex(hex, sizeof(hex), sum, sizeof(sum));
		if (strcmp(hex, tail->hash) != 0) {
			rc = 2;
			goto out;
		}
	}
	s->start = s->scan = (size_t)(offset - s->base);
	s->line_no = lines;
	if (s->has_member && !s->member_resolved && s->member.offset < offset) {
		/* OFFSET ends line LINES; the member's "\n" before it end its last lines */
		s->member.line = lines + 1 > s->member_nl ? lines + 1 - s->member_nl : 1;
		s->member_resolved = true;
	}
out:
	if (rc < 0 && s->has_member && !s->member_resolved) {
		/* Failed before reaching OFFSET: where the member's line begins is known, its
		 * number is not (that would take counting every line skipped). */
		skip_pass(s, s->start, s->end);
		if (s->member.offset >= s->base + s->end)
			s->member.line_offset = s->skip_line_off;
		s->member.line = 0;
		s->member_resolved = true;
	}
	s->skipping = false;
	return rc;
}

int source_next_line(struct source *s, struct source_line *line, struct buf *err)
{
	for (;;) {
		char *nl = memchr(s->buf + s->scan, '\n', s->end - s->scan);
		if (nl || (s->eof && (s->start < s->end || s->discarding))) {
			size_t stop = nl ? (size_t)(nl - s->buf) : s->end;
			const char *p = s->buf + s->start;
			size_t n = stop - s->start;
			if (s->has_member && !s->member_resolved) {
				uint64_t line_end = s->base + stop + (nl ? 1 : 0);
				if (s->member.offset < line_end) { /* this line holds its first byte */
					s->member.line = s->line_no + 1;
					s->member.line_offset = s->discarding ? s->long_start : s->base + s->start;
					s->member_resolved = true;
				}
			}
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
		long r = more(s, err);
		if (r < 0)
			return (int)r;
	}
}

int source_member_start(const struct source *s, struct source_member *m)
{
	if (!s->is_gzip || !s->has_member)
		return -1;
	*m = s->member;
	if (!s->member_resolved)
		member_locate(s, s->end, m);
	return 0;
}

bool source_was_truncated(const struct source *s)
{
	return s->truncated;
}

uint64_t source_offset(const struct source *s)
{
	return s->base + s->start;
}

uint64_t source_raw_offset(const struct source *s)
{
	return s->is_gzip ? s->raw_read - s->z->avail_in : s->base + s->start;
}

long source_age(const struct source *s)
{
	struct stat st;
	if (s->is_gzip || !s->is_rereadable || fstat(s->fd, &st) < 0)
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
	if (!s->is_stdin && s->fd >= 0)
		close(s->fd);
	free(s->z);
	free(s->raw);
	free(s->buf);
	free(s->name);
	buf_free(&s->long_head);
	buf_free(&s->fail_msg);
	free(s);
}
