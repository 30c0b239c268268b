/*
 * File identity: a file is known by its content, not its name, so a renamed, rotated or
 * compressed file is not read twice. Its first bytes (the head) are fingerprinted; a file that
 * grew still starts with what was fingerprinted then. A second check, the hash of the content
 * just before the checkpoint (the tail), tells the file from a lookalike that only starts the
 * same way (a copy that went its own way).
 */
#ifndef TOKSTAT_FILEID_H
#define TOKSTAT_FILEID_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "source.h"
#include "store.h"

struct fileid {
	struct store_file sf; /* the stored file: its id, and where the last run stopped */
	bool is_resumed;      /* read before: *SRC is now at the checkpoint */
	bool is_lookalike;    /* began like a file read before, but is another one: read as new */
};

/*
 * Which stored file is *SRC, opened from PATH (IS_STDIN: from stdin, which cannot be read
 * again)? One whose first bytes match and whose tail matches too: *SRC is moved to its
 * checkpoint and the file is claimed under PATH. Otherwise a new file is recorded; when the
 * check needed reading past what turned out to be another file, *SRC is opened again (with
 * MAX_LINE) to read it from the start. Call while no batch is being written. Returns 0 with
 * *OUT filled, 1 when the file failed (ERR set), -1 when the database failed (ERR set).
 */
int fileid_identify(struct store *st, struct source **src, const char *path, bool is_stdin, size_t max_line,
		    struct fileid *out, struct buf *err);

/*
 * The tail to record with a checkpoint at decompressed OFFSET of SRC: its hash into HEX.
 * Returns 0, or -1 when those bytes are no longer at hand (the checkpoint keeps its old tail).
 */
int fileid_tail_hash(const struct source *src, uint64_t offset, char hex[33]);

#endif
