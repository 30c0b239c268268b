/* File identity by content: head fingerprints, tail hashes, lookalikes. See fileid.h. */
#include "fileid.h"

#include <stdlib.h>
#include <string.h>

/*
 * The stored files whose content starts like HEAD[0..HEAD_N) (their first bytes, or all of
 * them when they were shorter then): the longest head first. *LIST is the caller's to free.
 */
static int candidates(struct store *st, const char *head, size_t head_n, struct store_file **list, size_t *n,
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

int fileid_tail_hash(const struct source *src, uint64_t offset, char hex[33])
{
	return source_tail_hash(src, offset, STORE_TAIL_BYTES, hex);
}

int fileid_identify(struct store *st, struct source **src, const char *path, bool is_stdin, size_t max_line,
		    struct fileid *out, struct buf *err)
{
	struct store_file *list = NULL;
	const struct store_file *pick = NULL;
	size_t n = 0, head_n;
	const char *head = source_head(*src, &head_n);
	char fp[33];
	int rc = -1, checked = 0;

	memset(out, 0, sizeof(*out));
	if (candidates(st, head, head_n, &list, &n, err) < 0)
		goto out;
	for (size_t i = 0; i < n && !pick; i++) {
		struct source_tail t = { list[i].tail_offset, list[i].tail_hash, STORE_TAIL_BYTES };
		/* a plain file is checked here (1: same); gzip and stdin while skipping (-1) */
		checked = list[i].bytes && list[i].tail_offset ? source_check_tail(*src, &t) : -1;
		if (checked != 0)
			pick = &list[i];
	}
	out->is_lookalike = n > 0 && !pick;
	if (pick && pick->bytes > 0) {
		struct source_tail t = { pick->tail_offset, pick->tail_hash, STORE_TAIL_BYTES };
		int skip = source_skip(*src, pick->bytes, pick->lines, checked == 1 ? NULL : &t, err);
		if (skip < 0) {
			rc = 1;
			goto out;
		}
		if (skip > 0) { /* shorter than the checkpoint, or other content: another file */
			pick = NULL;
			out->is_lookalike = true;
			if (is_stdin) { /* what was read of it is gone */
				buf_printf(err, "%s: starts like a file read before but is another one; "
						"save it to a file and ingest that", source_name(*src));
				rc = 1;
				goto out;
			}
			/* read it again from the start */
			source_close(*src);
			*src = NULL;
			if (source_open(src, path, max_line, err) < 0) {
				rc = 1;
				goto out;
			}
			head = source_head(*src, &head_n);
		}
	}
	source_fingerprint(head, head_n, fp);
	if (pick) {
		out->sf = *pick;
		out->is_resumed = pick->bytes > 0;
		rc = store_file_claim(st, pick->id, path, head_n, fp, err);
	} else {
		rc = store_file_create(st, path, head_n, fp, &out->sf, err);
	}
out:
	free(list);
	return rc;
}
