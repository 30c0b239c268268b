/*
 * Input: a file, a pipe or stdin, plain or gzip (told by magic bytes, multi-member included,
 * inflated with ISA-L), read as lines of decompressed content with their line numbers and
 * byte offsets. Memory stays bounded: a line longer than the limit is reported, not buffered.
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

/*
 * What source_open, source_skip and source_next_line return when they fail; ERR then names
 * the file and the byte offset. Every complete line before the failure was returned first.
 */
enum source_status {
	SOURCE_ERROR = -1,      /* cannot read, or gzip data that is corrupt or cut short */
	/*
	 * A gzip member failed its CRC-32 or length (ISIZE) check: what was inflated from it is
	 * garbage. That is only known at the member's end, after lines from it may have been
	 * returned (a member can be a whole file); source_member_start() says from which line on.
	 * Lines of the member still buffered are not returned, nor is any later member read.
	 */
	SOURCE_BAD_MEMBER = -2,
	/*
	 * A plain file was truncated while being read (logrotate's copytruncate): it is now
	 * shorter than what was read of it, or the bytes just before the read offset changed.
	 * Reading stopped after the last line whose "\n" was read before that was seen; the
	 * unfinished line after it, and whatever the failing read returned, are not returned.
	 * source_offset() is then the end of that last good line.
	 */
	SOURCE_TRUNCATED = -3,
};

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
 * the file in ERR. MAX_LINE 0 means SOURCE_MAX_LINE_DEFAULT. Damage found after some content
 * was read for the head is not an error here: the lines before it are returned first, then
 * source_next_line() reports it.
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
 * yes, 0 no (also when the file is shorter), -1 when it cannot be read that way (gzip, and
 * whatever source_is_rereadable() says no to: stdin, a pipe, a FIFO, a device).
 */
int source_check_tail(const struct source *s, const struct source_tail *tail);

/*
 * Whether the input can be read again: only a regular file opened by its path (plain or
 * gzip). What was read of anything else (stdin, even when redirected from a file; a FIFO or
 * a process substitution like <(zcat x.gz), which are opened by a path too) is gone: opening
 * its path again would give what comes after, not the content from the start.
 */
bool source_is_rereadable(const struct source *s);

/*
 * Skip to decompressed byte OFFSET (a line boundary from an earlier run) whose line number
 * is LINES, checking TAIL (when given) on the way. Returns 0, 1 when the content is shorter
 * than OFFSET, 2 when TAIL does not match (another file), or a source_status with ERR set.
 * Only a rereadable plain file seeks; anything else is read (and inflated) up to OFFSET, so
 * after 1 or 2 what was read is gone unless source_is_rereadable() says it can be opened again.
 */
int source_skip(struct source *s, uint64_t offset, uint64_t lines, const struct source_tail *tail,
		struct buf *err);

/*
 * The next line. Returns 1 with *LINE filled, 0 at the end, or a source_status (ERR names the
 * file and byte offset; lines before the damage were all returned). Once it failed, it
 * fails again the same way.
 */
int source_next_line(struct source *s, struct source_line *line, struct buf *err);

/*
 * Where a gzip member begins. Members are told apart by the decompressed offset of their
 * first byte, which can fall inside a line (gzip(1) does not cut at line ends): that line is
 * the first one with content from the member.
 */
struct source_member {
	uint64_t raw_offset;  /* offset of its gzip header in the file */
	uint64_t offset;      /* decompressed offset of its first byte */
	uint64_t line;        /* number of the first line with content from it (1-based); 0 when
				 not known: the reading failed while skipping to a checkpoint */
	uint64_t line_offset; /* decompressed offset where that line begins: the LINE - 1 lines
				 before it, and only they, lie entirely in earlier members */
};

/*
 * The gzip member being inflated: after SOURCE_BAD_MEMBER, the damaged one, whose lines from
 * M->line on are garbage (to take back if they were stored: source_next_line() returned
 * lines LINE.. up to the last one before it failed). Also exact after a checkpoint skip
 * into the member. Returns 0, or -1 when the input is not gzip or no member began yet.
 */
int source_member_start(const struct source *s, struct source_member *m);

/* Whether reading stopped because the file was truncated under it (SOURCE_TRUNCATED). */
bool source_was_truncated(const struct source *s);

/* Decompressed bytes up to the end of the last line returned: the checkpoint. */
uint64_t source_offset(const struct source *s);
/* Bytes read from the file itself (compressed when gzip), for progress. */
uint64_t source_raw_offset(const struct source *s);
/*
 * Seconds since the file was last modified, for a plain file that is rereadable and can
 * still grow in place; -1 for gzip, stdin and pipes (their content is final once read).
 */
long source_age(const struct source *s);

/* Size on disk, or 0 when unknown (pipes, stdin unless redirected from a file). */
uint64_t source_size(const struct source *s);
bool source_is_gzip(const struct source *s);
/*
 * The name for messages: the path of a regular file; "(stdin)"; the path followed by what it
 * is for anything else, "/dev/fd/63 (pipe)", since such a path means nothing once read.
 */
const char *source_name(const struct source *s);

void source_close(struct source *s);

#endif
