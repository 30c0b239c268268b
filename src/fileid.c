/* File identity by content: head fingerprints, tail hashes, lookalikes. See fileid.h. */
#include "fileid.h"

#include <stdlib.h>
#include <string.h>

#include "source.h"

int fileid_candidates(struct store *st, const char *head, size_t head_n, struct store_file **list, size_t *n,
		      struct buf *err)
{
	char fp[33], cand[33];
	size_t kept = 0;

	source_fingerprint(head, head_n, fp);
	if (store_file_candidates(st, head_n, fp, list, n, err) < 0)
		return -1;
	/* The same first bytes, or a file that was shorter then and has grown since: its whole
	 * content at the time must be a prefix of what we see now. */
	for (size_t i = 0; i < *n; i++) {
		const struct store_file *f = &(*list)[i];
		if (f->head_len == 0 && head_n > 0)
			continue; /* an empty file is a prefix of everything: never a match */
		source_fingerprint(head, (size_t)f->head_len, cand);
		if (strcmp(cand, f->fingerprint) == 0)
			(*list)[kept++] = *f;
	}
	*n = kept;
	return 0;
}

int fileid_claim(struct store *st, const struct store_file *f, const char *name, const char *head, size_t head_n,
		 struct buf *err)
{
	char fp[33];
	source_fingerprint(head, head_n, fp);
	return store_file_claim(st, f->id, name, head_n, fp, err);
}

int fileid_create(struct store *st, const char *name, const char *head, size_t head_n, struct store_file *f,
		  struct buf *err)
{
	char fp[33];
	source_fingerprint(head, head_n, fp);
	return store_file_create(st, name, head_n, fp, f, err);
}
