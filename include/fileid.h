/*
 * File identity: a file is known by its content, not its name. Its first bytes (the head)
 * are fingerprinted; a file that grew still starts with what was fingerprinted then. A second
 * check, the hash of the content just before the checkpoint (the tail), tells a file from a
 * lookalike that only starts the same way (a copy that went its own way).
 */
#ifndef TOKSTAT_FILEID_H
#define TOKSTAT_FILEID_H
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "store.h"

/*
 * The stored files whose content starts like HEAD[0..HEAD_N) (their first bytes, or all of
 * them when they were shorter then): the longest head first. The caller checks each one's
 * tail and then claims it or creates a new file. *LIST is the caller's to free. 0/-1 with ERR.
 */
int fileid_candidates(struct store *st, const char *head, size_t head_n, struct store_file **list, size_t *n,
		      struct buf *err);
/* Record that F was seen again under NAME with this head (it may have grown). 0/-1 with ERR. */
int fileid_claim(struct store *st, const struct store_file *f, const char *name, const char *head, size_t head_n,
		 struct buf *err);
/* A new file starting with HEAD. Fills *F. 0/-1 with ERR. */
int fileid_create(struct store *st, const char *name, const char *head, size_t head_n, struct store_file *f,
		  struct buf *err);

#endif
