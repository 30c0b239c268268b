/* File identity by content: head fingerprints, tail hashes, lookalikes. See fileid.h. */
#include "fileid.h"

#include <stdlib.h>
#include <string.h>

int fileid_run_init(struct fileid_run *r, struct store *st, struct buf *err)
{
	int64_t max_id = 0;
	memset(r, 0, sizeof(*r));
	if (store_file_max_id(st, &max_id, err) < 0)
		return -1;
	r->next_id = max_id + 1;
	return 0;
}

void fileid_run_free(struct fileid_run *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->files[i].name);
		free(r->files[i].format);
	}
	free(r->files);
	memset(r, 0, sizeof(*r));
}

static struct fileid_known *run_find(const struct fileid_run *r, int64_t id)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->files[i].sf.id == id)
			return &r->files[i];
	return NULL;
}

void fileid_run_update(struct fileid_run *r, const struct store_file *f, const char *name, const char *format)
{
	struct fileid_known *k = run_find(r, f->id);
	if (!k) {
		if (r->n == r->cap) {
			r->cap = r->cap ? r->cap * 2 : 16;
			r->files = xrealloc(r->files, r->cap * sizeof(*r->files));
		}
		k = &r->files[r->n++];
		memset(k, 0, sizeof(*k));
	}
	k->sf = *f;
	k->sf.is_new = false; /* recorded now: for a later copy it is a known file */
	if (!k->name || strcmp(k->name, name) != 0) {
		free(k->name);
		k->name = xstrdup(name);
	}
	if (format && (!k->format || strcmp(k->format, format) != 0)) {
		free(k->format);
		k->format = xstrdup(format);
	}
}

const char *fileid_run_format(const struct fileid_run *r, int64_t id)
{
	const struct fileid_known *k = run_find(r, id);
	return k ? k->format : NULL;
}

const char *fileid_run_name(const struct fileid_run *r, int64_t id)
{
	const struct fileid_known *k = run_find(r, id);
	return k ? k->name : NULL;
}

/*
 * The known files whose content starts like HEAD[0..HEAD_N) (their first bytes, or all of
 * them when they were shorter then): those of the database, with the run's newer state in
 * place of theirs, and the run's own. *LIST is the caller's to free; FP gets the head's
 * fingerprint.
 */
static int candidates(struct store *st, const struct fileid_run *run, const char *name, const char *head,
		      size_t head_n, char fp[33], struct store_file **list, size_t *n, struct buf *err)
{
	char cand[33];
	size_t kept = 0, n_db;

	source_fingerprint(head, head_n, fp);
	if (store_file_candidates(st, head_n, fp, name, list, n, err) < 0)
		return -1;
	n_db = *n;
	for (size_t k = 0; k < run->n; k++) {
		const struct fileid_known *f = &run->files[k];
		size_t i = 0;
		while (i < n_db && (*list)[i].id != f->sf.id)
			i++;
		if (i == n_db) {
			if (!(f->sf.head_len < head_n || (f->sf.head_len == head_n && strcmp(f->sf.fingerprint, fp) == 0)))
				continue;
			*list = xrealloc(*list, (*n + 1) * sizeof(**list));
			i = (*n)++;
		}
		(*list)[i] = f->sf;
		/* Seen earlier in this run: it keeps the name it was first seen under, so that two
		 * copies named in every run do not rename it back and forth (a write per run). */
		(*list)[i].is_same_name = true;
	}
	/* The same first bytes, or a file that was shorter then and has grown since: its whole
	 * content at the time must be a prefix of what we see now. */
	for (size_t i = 0; i < *n; i++) {
		const struct store_file *f = &(*list)[i];
		if (f->head_len == 0 && head_n > 0)
			continue; /* an empty file is a prefix of everything: never a match */
		if (f->head_len != head_n) /* of the whole head: FP (the usual case, not hashed again) */
			source_fingerprint(head, (size_t)f->head_len, cand);
		if (strcmp(f->head_len != head_n ? cand : fp, f->fingerprint) == 0)
			(*list)[kept++] = *f;
	}
	*n = kept;
	return 0;
}

int fileid_tail_hash(const struct source *src, uint64_t offset, char hex[33])
{
	return source_tail_hash(src, offset, STORE_TAIL_BYTES, hex);
}

/* The candidate with the furthest checkpoint of those marked OK, or -1 (an unread one: 0 bytes). */
static long furthest(const struct store_file *list, const bool *ok, size_t n)
{
	long best = -1;
	for (size_t i = 0; i < n; i++)
		if (ok[i] && (best < 0 || list[i].bytes > list[best].bytes))
			best = (long)i;
	return best;
}

/*
 * A plain file that can be read anywhere: each candidate's tail is read where it lies. A
 * candidate matches when the file reaches its checkpoint and the tail is the same (or none
 * was recorded: databases of schema 1); one never read (0 bytes) matches on its head alone.
 */
static long pick_plain(const struct source *src, const struct store_file *list, size_t n, bool *ok)
{
	uint64_t size = source_size(src);
	for (size_t i = 0; i < n; i++) {
		const struct store_file *f = &list[i];
		struct source_tail t = { f->tail_offset, f->tail_hash, STORE_TAIL_BYTES };
		ok[i] = f->bytes == 0 || (f->bytes <= size && (!f->tail_offset || source_check_tail(src, &t) == 1));
	}
	return furthest(list, ok, n);
}

/*
 * Gzip, or input that cannot be read again: read it through, line by line, as far as the
 * furthest checkpoint, checking each candidate on the way: its tail when the read reaches
 * the tail's end (the read buffer still holds the bytes before the line just returned: see
 * source_tail_hash), then, at its checkpoint, that this is the end of its line LINES. A
 * candidate whose offset falls inside a line is another file. So the work is one read and
 * one hash per candidate, however many there are. STOP_AT_FIRST: stop at the first candidate
 * that matches (what is read past it could not be read again). *PICK gets the candidate or
 * -1; *AT_PICK whether SRC is now at its checkpoint. Returns 0, or a source_status with ERR
 * set when the input failed before any candidate matched.
 */
static int pick_by_reading(struct source *src, const struct store_file *list, size_t n, bool stop_at_first,
			   bool *ok, long *pick, bool *at_pick, struct buf *err)
{
	bool *alive = xcalloc(n ? n : 1, sizeof(*alive)), *tail_seen = xcalloc(n ? n : 1, sizeof(*tail_seen));
	struct buf damage = BUF_INIT; /* said only when nothing matched before it */
	size_t n_alive = 0;
	long best = -1;
	struct source_line l;
	char hex[33];
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		ok[i] = list[i].bytes == 0;
		alive[i] = list[i].bytes > 0;
		n_alive += alive[i];
	}
	while (n_alive && (rc = source_next_line(src, &l, &damage)) > 0) {
		uint64_t off = source_offset(src);
		for (size_t i = 0; i < n; i++) {
			const struct store_file *f = &list[i];
			if (!alive[i])
				continue;
			if (f->tail_offset && !tail_seen[i] && f->tail_offset <= off) {
				tail_seen[i] = true;
				if (f->tail_offset != off || fileid_tail_hash(src, off, hex) < 0 || strcmp(hex, f->tail_hash) != 0) {
					alive[i] = false;
					n_alive--;
					continue;
				}
			}
			if (f->bytes <= off) {
				ok[i] = f->bytes == off && l.number == f->lines;
				alive[i] = false;
				n_alive--;
				if (ok[i] && (best < 0 || f->bytes > list[best].bytes))
					best = (long)i;
			}
		}
		if (best >= 0 && (stop_at_first || !n_alive))
			break;
	}
	*pick = best >= 0 ? best : furthest(list, ok, n); /* else one never read, if any */
	*at_pick = best >= 0 && source_offset(src) == list[best].bytes;
	if (rc < 0 && best < 0)
		buf_add(err, damage.data, damage.len);
	else
		rc = 0;
	buf_free(&damage);
	free(alive);
	free(tail_seen);
	return rc;
}

int fileid_identify(struct store *st, struct fileid_run *run, struct source **src, const char *path,
		    size_t max_line, struct fileid *out, struct buf *err)
{
	struct store_file *list = NULL;
	bool *ok = NULL;
	const char *name = source_name(*src);
	size_t n = 0, head_n;
	const char *head = source_head(*src, &head_n);
	bool rereadable = source_is_rereadable(*src), at_start = true, at_pick = false;
	long pick;
	char fp[33];
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (candidates(st, run, name, head, head_n, fp, &list, &n, err) < 0)
		goto out;
	ok = xcalloc(n ? n : 1, sizeof(*ok));
	if (!source_is_gzip(*src) && rereadable) {
		pick = pick_plain(*src, list, n, ok);
	} else {
		bool any_read = false;
		for (size_t i = 0; i < n; i++) {
			ok[i] = list[i].bytes == 0;
			any_read |= list[i].bytes > 0;
		}
		pick = furthest(list, ok, n);
		if (any_read && pick_by_reading(*src, list, n, !rereadable, ok, &pick, &at_pick, err) < 0) {
			rc = 1;
			goto out;
		}
		at_start = !any_read;
	}
	if (pick >= 0 && list[pick].bytes > 0 && !at_pick && !source_is_gzip(*src) && rereadable) {
		int skip = source_skip(*src, list[pick].bytes, list[pick].lines, NULL, err);
		if (skip < 0) {
			rc = 1;
			goto out;
		}
		if (skip > 0) /* shorter than it was a moment ago: another file after all */
			pick = -1;
		at_start = false;
		at_pick = skip == 0;
	}
	out->is_lookalike = n > 0 && pick < 0;
	/* Start where the pick says, or at the beginning: what was read past it is gone, unless
	 * the input can be opened again. */
	bool need_start = pick < 0 || list[pick].bytes == 0;
	if ((need_start && !at_start) || (pick >= 0 && list[pick].bytes > 0 && !at_pick)) {
		if (!rereadable) {
			buf_printf(err, "%s: starts like a file read before but is another one, and what was read of it "
					"to tell cannot be read again; save it to a file and ingest that", name);
			rc = 1;
			goto out;
		}
		source_close(*src);
		*src = NULL;
		if (source_open(src, path, max_line, err) < 0) {
			rc = 1;
			goto out;
		}
		head = source_head(*src, &head_n);
		source_fingerprint(head, head_n, fp); /* the file as opened again */
		if (!need_start && source_skip(*src, list[pick].bytes, list[pick].lines, NULL, err) != 0) {
			if (!err->len)
				buf_printf(err, "%s: changed while being identified", name);
			rc = 1;
			goto out;
		}
	}
	if (pick >= 0) {
		out->sf = list[pick];
		out->is_resumed = out->sf.bytes > 0;
		out->is_claimed = !out->sf.is_same_name || head_n > out->sf.head_len;
		if (head_n > out->sf.head_len) {
			out->sf.head_len = head_n;
			memcpy(out->sf.fingerprint, fp, sizeof(fp));
		}
	} else {
		/* the file id takes the bits of an event id above the line number: see store_event_id */
		if (run->next_id >= ((int64_t)1 << (63 - STORE_LINE_BITS))) {
			buf_printf(err, "%s: too many files for one database", store_path(st));
			goto out;
		}
		out->sf.id = run->next_id++;
		out->sf.is_new = true;
		out->sf.head_len = head_n;
		memcpy(out->sf.fingerprint, fp, sizeof(fp));
	}
	rc = 0;
out:
	free(ok);
	free(list);
	return rc;
}
