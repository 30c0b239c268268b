/*
 * Input: a file or stdin, plain or gzip (told by magic bytes, multi-member included),
 * read as lines of decompressed content with their line numbers and byte offsets.
 * Memory stays bounded: a line longer than the limit is reported, not buffered.
 */
#ifndef TOKSTAT_SOURCE_H
#define TOKSTAT_SOURCE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Bytes of content that identify a file (its fingerprint covers at most this much). */
#define SOURCE_HEAD_MAX 4096
/* The longest line kept whole by default; longer lines are rejected (16 MiB). */
#define SOURCE_MAX_LINE_DEFAULT (16u << 20)

struct source;

struct source_line {
	const char *p;     /* the line without its "\n" (a "\r" before it is dropped too) */
	size_t n;
	uint64_t number;   /* 1-based line number in the decompressed content */
	bool too_long;     /* longer than the limit: p/n hold only its beginning */
	bool unterminated; /* the last line, with no "\n" after it (yet) */
	uint64_t full_len; /* the whole length, also when too long */
};

/*
 * Open PATH ("-" for stdin) and read its head. On error returns -1 with a message naming
 * the file in ERR. MAX_LINE 0 means SOURCE_MAX_LINE_DEFAULT.
 */
int source_open(struct source **out, const char *path, size_t max_line, struct buf *err);

/* The first bytes of decompressed content (at most SOURCE_HEAD_MAX; fewer for a short file). */
const char *source_head(const struct source *s, size_t *n);

/* BLAKE2b-128 of P[0..N) as 32 hex digits: how file content is fingerprinted. */
void source_fingerprint(const void *p, size_t n, char hex[33]);

/* A part of the content an earlier run read, to check it is the same content again. */
struct source_tail {
	uint64_t offset;     /* where the part ends; 0: nothing to check */
	const char *hash;    /* source_fingerprint of the up to TAIL bytes before OFFSET */
	size_t len;          /* TAIL: the bytes before OFFSET that were hashed (fewer near 0) */
};

/*
 * The fingerprint of the LEN bytes (fewer when OFFSET < LEN) that end at decompressed
 * OFFSET, when they are still in the read buffer. Returns 0, or -1 when they are not.
 */
int source_tail_hash(const struct source *s, uint64_t offset, size_t len, char hex[33]);

/*
 * For a plain file that can be read at any offset: does its content match TAIL? Returns 1
 * yes, 0 no (also when the file is shorter), -1 when it cannot be read that way (gzip, stdin).
 */
int source_check_tail(const struct source *s, const struct source_tail *tail);

/*
 * Skip to decompressed byte OFFSET (a line boundary from an earlier run) whose line number
 * is LINES, checking TAIL (when given) on the way. Returns 0, 1 when the content is shorter
 * than OFFSET, 2 when TAIL does not match (another file), or -1 with ERR set.
 */
int source_skip(struct source *s, uint64_t offset, uint64_t lines, const struct source_tail *tail,
		struct buf *err);

/*
 * The next line. Returns 1 with *LINE filled, 0 at the end, -1 on a read or gzip error
 * (ERR names the file and byte offset; lines before the damage were all returned).
 */
int source_next_line(struct source *s, struct source_line *line, struct buf *err);

/* Decompressed bytes up to the end of the last line returned: the checkpoint. */
uint64_t source_offset(const struct source *s);
/* Bytes read from the file itself (compressed when gzip), for progress. */
uint64_t source_raw_offset(const struct source *s);
/*
 * Seconds since the file was last modified, for a plain regular file that can still grow
 * in place; -1 for gzip, stdin and pipes (their content is final once read).
 */
long source_age(const struct source *s);

/* Size on disk, or 0 when unknown (stdin, pipes). */
uint64_t source_size(const struct source *s);
bool source_is_gzip(const struct source *s);
const char *source_name(const struct source *s);

void source_close(struct source *s);

#endif
