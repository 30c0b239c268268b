/*
 * File identity: a file is known by its content, not its name, so a renamed, rotated or
 * compressed file is not read twice. Its first bytes (the head) are fingerprinted; a file that
 * grew still starts with what was fingerprinted then. A second check, the hash of the content
 * just before the checkpoint (the tail), tells the file from a lookalike that only starts the
 * same way (a copy that went its own way). Every stored file whose head matches is checked,
 * and the one with the furthest checkpoint that matches wins.
 *
 * The files of a run are known in memory (struct fileid_run) as the run left them: their
 * checkpoints go to the database in batches that may still be queued, so a second copy of a
 * file in the same run is recognized without waiting for them. Nothing here writes the
 * database: the caller records new files and new names in its batches.
 */
#ifndef TOKSTAT_FILEID_H
#define TOKSTAT_FILEID_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "source.h"
#include "store.h"

/* A file of this run, as the run left it. */
struct fileid_known {
	struct store_file sf; /* its checkpoint, head, rejects and failure as of the run's last batch */
	char *name;           /* the name it was last recorded under */
	char *format;         /* the format its lines were read with in this run; NULL: none yet */
};

/* The files of one ingest run, and the ids of new ones (assigned here, as dict ids are). */
struct fileid_run {
	struct fileid_known *files;
	size_t n, cap;
	int64_t next_id;
};

/* Start a run on ST: new files take ids after the largest stored. Returns 0, or -1 with ERR. */
int fileid_run_init(struct fileid_run *r, struct store *st, struct buf *err);
void fileid_run_free(struct fileid_run *r);
/* Remember F as it is now, recorded under NAME, read with FORMAT (NULL: keep what is known). */
void fileid_run_update(struct fileid_run *r, const struct store_file *f, const char *name, const char *format);
/* The format file ID was read with in this run, or NULL. Valid until the next update. */
const char *fileid_run_format(const struct fileid_run *r, int64_t id);
/* The name file ID has in this run (the first it was seen under), or NULL when not seen yet. */
const char *fileid_run_name(const struct fileid_run *r, int64_t id);

struct fileid {
	struct store_file sf; /* the file: stored (or of this run) and where it stopped, or new */
	bool is_resumed;      /* read before: *SRC is now at the checkpoint */
	bool is_lookalike;    /* began like a file read before, but is another one: read as new */
	bool is_claimed;      /* known, but under another name or with a shorter head: sf holds
				 the head now (head_len, fingerprint), to record with the name.
				 A file seen earlier in the run keeps the name it was first seen
				 under (fileid_run_name) */
};

/*
 * Which known file is *SRC, opened from PATH, among those of the database and of RUN? One
 * whose first bytes match and whose content at its checkpoint (tail, and for input that is
 * read through, line count) matches too; of several, the one with the furthest checkpoint.
 * *SRC is then at that checkpoint. Otherwise a new file (with the next id of RUN). A plain
 * file is checked by reading at the tails; gzip and input that cannot be read again (stdin,
 * a pipe: source_is_rereadable) are read through, every candidate checked on the way, and a
 * rereadable input is opened again (with MAX_LINE) when it was read past where it is to
 * start. Input that cannot be read again and that turns out to be another file after part of
 * it was read fails: that part is gone. Returns 0 with *OUT filled, 1 when the file failed
 * (ERR set), -1 when the database failed (ERR set).
 */
int fileid_identify(struct store *st, struct fileid_run *run, struct source **src, const char *path,
		    size_t max_line, struct fileid *out, struct buf *err);

/*
 * The tail to record with a checkpoint at decompressed OFFSET of SRC: its hash into HEX.
 * Returns 0, or -1 when those bytes are no longer at hand (the checkpoint keeps its old tail).
 */
int fileid_tail_hash(const struct source *src, uint64_t offset, char hex[33]);

#endif
