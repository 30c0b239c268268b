/* The ingest pipeline: read, parse, encode on this thread; commit on the writer thread. */
#include "ingest.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "credential.h"
#include "dict.h"
#include "fileid.h"
#include "source.h"
#include "store_write.h"
#include "utf8.h"

#define INGEST_NBATCH 3            /* one being filled, one queued, one being written */
#define DETECT_LINES 32            /* lines read to pick a format */
#define DETECT_BYTES (4u << 20)    /* ... but no more than this much text */
#define REJECT_TEXT_MAX 1000       /* bytes of a rejected line kept in the database */
#define BATCH_TEXT_MAX (32u << 20) /* a batch is also full when its text is this large */
/*
 * A plain file changed this recently is still being written: an unterminated last line is
 * half a line, left for the next run. An older file's last line is complete without "\n".
 */
#define INGEST_SETTLE_SECONDS 60

/* ---- the writer thread and its queue of batches ---- */

struct pipeline {
	struct store *st;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct batch batches[INGEST_NBATCH];
	struct batch *free_q[INGEST_NBATCH], *todo_q[INGEST_NBATCH];
	size_t n_free, n_todo;
	bool busy, stop, failed;
	struct buf err;
};

static void *writer_main(void *arg)
{
	struct pipeline *p = arg;
	struct buf err = BUF_INIT;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->n_todo && !p->stop)
			pthread_cond_wait(&p->cv, &p->mu);
		if (!p->n_todo)
			break;
		struct batch *b = p->todo_q[0];
		memmove(p->todo_q, p->todo_q + 1, --p->n_todo * sizeof(*p->todo_q));
		p->busy = true;
		bool skip = p->failed;
		pthread_mutex_unlock(&p->mu);
		int rc = skip ? 0 : store_write_batch(p->st, b, &err);
		pthread_mutex_lock(&p->mu);
		if (rc < 0 && !p->failed) {
			p->failed = true;
			buf_add(&p->err, err.data, err.len);
		}
		p->busy = false;
		p->free_q[p->n_free++] = b;
		pthread_cond_broadcast(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
	buf_free(&err);
	return NULL;
}

static int pipeline_start(struct pipeline *p, struct store *st)
{
	memset(p, 0, sizeof(*p));
	p->st = st;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	for (int i = 0; i < INGEST_NBATCH; i++) {
		batch_init(&p->batches[i]);
		p->free_q[p->n_free++] = &p->batches[i];
	}
	return pthread_create(&p->thread, NULL, writer_main, p) == 0 ? 0 : -1;
}

/* A batch to fill, or NULL when the writer failed. */
static struct batch *pipeline_get(struct pipeline *p)
{
	struct batch *b = NULL;
	pthread_mutex_lock(&p->mu);
	while (!p->n_free && !p->failed)
		pthread_cond_wait(&p->cv, &p->mu);
	if (!p->failed)
		b = p->free_q[--p->n_free];
	pthread_mutex_unlock(&p->mu);
	if (b)
		batch_reset(b);
	return b;
}

static void pipeline_submit(struct pipeline *p, struct batch *b)
{
	pthread_mutex_lock(&p->mu);
	p->todo_q[p->n_todo++] = b;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

/* Wait until every submitted batch is committed. Returns -1 when the writer failed. */
static int pipeline_drain(struct pipeline *p)
{
	pthread_mutex_lock(&p->mu);
	while (p->n_todo || p->busy)
		pthread_cond_wait(&p->cv, &p->mu);
	int rc = p->failed ? -1 : 0;
	pthread_mutex_unlock(&p->mu);
	return rc;
}

/* The writer's error message (under the lock: the writer sets it). */
static void pipeline_error(struct pipeline *p, struct buf *out)
{
	pthread_mutex_lock(&p->mu);
	if (p->failed)
		buf_add(out, p->err.data ? p->err.data : "the database writer failed",
			p->err.data ? p->err.len : strlen("the database writer failed"));
	pthread_mutex_unlock(&p->mu);
}

static void pipeline_stop(struct pipeline *p)
{
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	pthread_join(p->thread, NULL);
	for (int i = 0; i < INGEST_NBATCH; i++)
		batch_free(&p->batches[i]);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	buf_free(&p->err);
}

/* ---- one run ---- */

/* The last value and id of one dimension: consecutive lines often repeat it. */
struct memo {
	struct buf value;
	int64_t id;
	bool valid;
};

#define POOL_WORKERS 2
#define POOL_CHUNKS (2 * POOL_WORKERS + 1)
#define CHUNK_LINES 1024
#define CHUNK_BYTES (1u << 20) /* a chunk is also full past this much text (one long line fits) */

enum chunk_state { CHUNK_FREE, CHUNK_QUEUED, CHUNK_BUSY, CHUNK_DONE };

struct chunk_line {
	uint32_t off;                       /* the line in chunk text */
	struct source_line l;               /* p is set when the chunk is stored */
	uint64_t end_offset;
	int rc;
	struct event ev;                    /* slices rebuilt from the offsets below when stored */
	uint32_t text_off[EV_TEXT_N], dedup_off; /* in chunk arena, plus one; 0: NULL */
	uint32_t why_off, why_len;
};

struct chunk {
	enum chunk_state state;
	const char *format;                 /* its name: each worker has its own instance */
	struct buf text, arena;
	struct chunk_line *lines;
	size_t n, cap;
};

struct pool {
	bool started, stop;
	pthread_t threads[POOL_WORKERS];
	struct format_set sets[POOL_WORKERS];
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct chunk chunks[POOL_CHUNKS];
	uint64_t filled, stored; /* chunk sequence numbers: [stored, filled) are in flight */
};

struct worker_arg {
	struct pool *pool;
	int index;
};

struct ingest {
	struct store *st;
	const struct format_set *set;
	const struct ingest_options *opt;
	struct pipeline pipe;
	struct dict dict;
	struct credential_scrubber *scrub;
	struct batch *b; /* being filled */
	struct buf reason, clean, tmp, scrubbed;
	struct buf db_err; /* what a failed database lookup said */
	struct memo memo[BATCH_DIM_N];
	struct hashmap raw_endpoints; /* endpoint as logged -> id: scrubbing runs once per value */
	struct pool pool;     /* parser threads, started for the first file that can use them */
	struct ingest_totals *totals;
	double t_start, t_progress;
};

struct file_state {
	const char *path;
	struct source *src;
	struct store_file sf;
	struct format *fmt;
	size_t detect_matched, detect_tried;
	bool detected, resumed;
	bool held_back; /* its unterminated last line was left for the next run */
	bool lookalike; /* began like a file read before, but is another one */
	bool is_stdin;
	uint64_t open_record; /* first line of a record that goes on (CSV), 0: none */
	uint64_t seen_line;   /* the last line handed to store_line */
	uint64_t lines, events, rejected, skipped, duplicates; /* this run */
	uint64_t b_events, b_rejected, b_skipped, b_duplicates; /* since the last batch */
	uint64_t last_line, last_offset;                       /* processed so far */
	int64_t rejects_total;                                   /* in the database and this run */
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Text from a log as valid UTF-8 without control characters: each invalid byte and each
 * control character but tab and newline (a quoted CSV field may hold line breaks) becomes
 * U+FFFD. Returns P itself when nothing changes.
 */
static const char *clean_text(struct buf *out, const char *p, size_t n, size_t *out_n)
{
	size_t i = 0;
	for (; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c >= 0x80 || (c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
			break;
	}
	if (i == n) {
		*out_n = n;
		return p;
	}
	buf_reset(out);
	buf_add(out, p, i);
	while (i < n) {
		uint32_t cp = 0;
		size_t len = utf8_decode((const unsigned char *)p + i, n - i, &cp);
		if (len && (cp >= 0x20 || cp == '\t' || cp == '\n') && cp != 0x7f) {
			buf_add(out, p + i, len);
			i += len;
		} else {
			buf_add(out, "\xef\xbf\xbd", 3);
			i++;
		}
	}
	*out_n = out->len;
	return out->data;
}

static void progress(struct ingest *in, struct file_state *fs, bool force)
{
	double t = now();
	if (!force && t - in->t_progress < 0.25)
		return;
	in->t_progress = t;
	double elapsed = t - in->t_start;
	uint64_t lines = in->totals->lines + fs->lines;
	double rate = elapsed > 0 ? (double)lines / elapsed : 0;
	uint64_t at = source_raw_offset(fs->src), size = source_size(fs->src);
	fprintf(stderr, "\r\033[K%s: %.1f MB", source_name(fs->src), (double)at / 1e6);
	if (size) {
		fprintf(stderr, " of %.1f MB", (double)size / 1e6);
		double frac = (double)at / (double)size;
		if (frac > 0.01 && frac < 1) {
			double file_elapsed = elapsed; /* a fair estimate for the usual one-file run */
			fprintf(stderr, ", ETA %.0f s", file_elapsed / frac * (1 - frac));
		}
	}
	fprintf(stderr, ", %llu lines, %.0f lines/s", (unsigned long long)lines, rate);
	fflush(stderr);
}

static void memo_forget(struct ingest *in);

/* Hand the batch being filled to the writer with the file's checkpoint; take a fresh one. */
static int flush_batch(struct ingest *in, struct file_state *fs)
{
	struct batch *b = in->b;
	b->file_id = fs->sf.id;
	b->offset = fs->last_offset;
	b->lines = fs->last_line;
	b->events = (int64_t)fs->b_events;
	b->rejected = (int64_t)fs->b_rejected;
	b->skipped = (int64_t)fs->b_skipped;
	b->duplicates = (int64_t)fs->b_duplicates;
	b->format = fs->fmt ? fs->fmt->name : NULL;
	/* The content just before the checkpoint, to tell this file from a lookalike later. */
	if (fs->last_offset && source_tail_hash(fs->src, fs->last_offset, STORE_TAIL_BYTES, b->tail_hash) == 0)
		b->tail_offset = fs->last_offset;
	b->is_checkpoint = true;
	fs->b_events = fs->b_rejected = fs->b_skipped = fs->b_duplicates = 0;
	pipeline_submit(&in->pipe, b);
	in->b = NULL;
	if (dict_is_full(&in->dict) || hashmap_bytes(&in->raw_endpoints) > in->dict.max_bytes / 4) {
		/* bounded memory: commit everything, then forget */
		if (pipeline_drain(&in->pipe) < 0)
			return -1;
		dict_forget(&in->dict);
		memo_forget(in);
	}
	in->b = pipeline_get(&in->pipe);
	return in->b ? 0 : -1;
}

static void add_reject(struct ingest *in, struct file_state *fs, uint64_t line, const char *p, size_t n,
		       const char *why, size_t why_n)
{
	fs->rejected++;
	fs->b_rejected++;
	if (fs->rejects_total++ >= STORE_MAX_REJECTS_KEPT)
		return;
	size_t tn;
	struct buf reason = BUF_INIT;
	/* A reason may quote the line ("bad time ..."): masked like the line itself. */
	buf_reset(&in->tmp);
	credential_scrub(in->scrub, why_n ? why : "rejected", why_n ? why_n : 8, &in->tmp);
	const char *r = clean_text(&in->clean, in->tmp.data, in->tmp.len, &tn);
	buf_add(&reason, r, tn); /* a copy: in->clean is used again for the text */
	/* Mask the whole line (bounded by --max-line) before cutting it, so a cut never
	 * leaves part of a secret in the clear. */
	buf_reset(&in->tmp);
	credential_scrub(in->scrub, p, n, &in->tmp);
	const char *text = clean_text(&in->clean, in->tmp.data ? in->tmp.data : "", in->tmp.len, &tn);
	if (tn > REJECT_TEXT_MAX) {
		tn = REJECT_TEXT_MAX;
		while (tn > 0 && ((unsigned char)text[tn] & 0xc0) == 0x80) /* whole characters only */
			tn--;
	}
	batch_add_reject(in->b, line, reason.data, reason.len, text, tn);
	buf_free(&reason);
}

/*
 * Text that may carry a credential by accident (an error message quoting the key, a key in
 * a URL path) is masked like a rejected line before it is stored.
 */
static const char *scrubbed(struct ingest *in, const char *p, size_t n, size_t *out_n)
{
	buf_reset(&in->scrubbed);
	credential_scrub(in->scrub, p, n, &in->scrubbed);
	return clean_text(&in->clean, in->scrubbed.data ? in->scrubbed.data : "", in->scrubbed.len, out_n);
}

static int64_t memo_get(struct memo *m, const char *p, size_t n)
{
	if (m->valid && m->value.len == n && memcmp(m->value.data, p, n) == 0)
		return m->id;
	return 0;
}

static void memo_set(struct memo *m, const char *p, size_t n, int64_t id)
{
	buf_reset(&m->value);
	buf_add(&m->value, p, n);
	m->id = id;
	m->valid = id > 0;
}

static int64_t text_id(struct ingest *in, enum batch_dim dim, const struct slice *s)
{
	size_t n;
	int64_t id;
	if (!s->p)
		return 0;
	if ((id = memo_get(&in->memo[dim], s->p, s->n)))
		return id;
	if (dim == BATCH_DIM_ENDPOINT) {
		uint64_t *slot = hashmap_get(&in->raw_endpoints, s->p, s->n);
		if (slot) {
			id = (int64_t)*slot;
		} else {
			const char *p = scrubbed(in, s->p, s->n, &n);
			if ((id = dict_value_id(&in->dict, in->b, p, n, &in->db_err)) < 0)
				return -1;
			*hashmap_put(&in->raw_endpoints, s->p, s->n, NULL) = (uint64_t)id;
		}
	} else {
		const char *p = clean_text(&in->clean, s->p, s->n, &n);
		id = dict_value_id(&in->dict, in->b, p, n, &in->db_err);
	}
	memo_set(&in->memo[dim], s->p, s->n, id);
	return id;
}

static int64_t credential_id(struct ingest *in, const char *p, size_t n)
{
	int64_t id;
	if ((id = memo_get(&in->memo[BATCH_DIM_TOKEN], p, n)))
		return id;
	id = dict_credential_id(&in->dict, in->b, p, n, &in->db_err);
	memo_set(&in->memo[BATCH_DIM_TOKEN], p, n, id);
	return id;
}

/* Forget the memos (with the dictionary caches, or at the end: one holds a secret). */
static void memo_forget(struct ingest *in)
{
	hashmap_free(&in->raw_endpoints); /* its memory too: see dict_forget */
	for (int i = 0; i < BATCH_DIM_N; i++) {
		if (in->memo[i].value.data)
			sodium_memzero(in->memo[i].value.data, in->memo[i].value.cap);
		buf_reset(&in->memo[i].value);
		in->memo[i].valid = false;
	}
}

static uint32_t free_text(struct ingest *in, const struct slice *s, bool scrub, uint32_t *len)
{
	size_t n;
	if (!s->p) {
		*len = 0;
		return 0;
	}
	const char *p = scrub ? scrubbed(in, s->p, s->n, &n) : clean_text(&in->clean, s->p, s->n, &n);
	*len = (uint32_t)n;
	return batch_text(in->b, p, n);
}

/* Store one parsed event. Returns 0, or -1 when the database failed. */
static int add_event(struct ingest *in, struct file_state *fs, uint64_t line, struct event *ev)
{
	static const enum batch_dim dims[] = { BATCH_DIM_USER, BATCH_DIM_ENDPOINT, BATCH_DIM_METHOD,
					       BATCH_DIM_MODEL, BATCH_DIM_PROVIDER, BATCH_DIM_OPERATION,
					       BATCH_DIM_PROJECT, BATCH_DIM_SESSION };
	static const enum event_text texts[] = { EV_USER, EV_ENDPOINT, EV_METHOD, EV_MODEL, EV_PROVIDER,
						 EV_OPERATION, EV_PROJECT, EV_SESSION };
	unsigned char key[16];
	bool has_dedup = false;

	if (ev->dedup.p) {
		/* Keys are compared across files (a session's lines recur in its subagent files)
		 * but never across formats: the format's name is part of the hash. */
		crypto_generichash_state h;
		crypto_generichash_init(&h, NULL, 0, sizeof(key));
		crypto_generichash_update(&h, (const unsigned char *)fs->fmt->name, strlen(fs->fmt->name) + 1);
		crypto_generichash_update(&h, (const unsigned char *)ev->dedup.p, ev->dedup.n);
		crypto_generichash_final(&h, key, sizeof(key));
		int seen = dict_seen(&in->dict, key, &in->db_err);
		if (seen < 0)
			return -1;
		if (seen) {
			fs->duplicates++;
			fs->b_duplicates++;
			return 0;
		}
		has_dedup = true;
	}
	struct batch_row *r = batch_add_row(in->b);
	r->id = store_event_id(fs->sf.id, line);
	r->epoch = ev->epoch;
	if (ev->text[EV_TOKEN].p) {
		const char *p = ev->text[EV_TOKEN].p;
		size_t n = ev->text[EV_TOKEN].n;
		credential_strip_scheme(&p, &n);
		if (n && !(n == 1 && *p == '-') && (r->dim[BATCH_DIM_TOKEN] = credential_id(in, p, n)) < 0)
			return -1;
	}
	for (size_t i = 0; i < sizeof(dims) / sizeof(dims[0]); i++)
		if ((r->dim[dims[i]] = text_id(in, dims[i], &ev->text[texts[i]])) < 0)
			return -1;
	memcpy(r->num, ev->num, sizeof(r->num));
	r->num_set = ev->num_set;
	r->request_id_off = free_text(in, &ev->text[EV_REQUEST_ID], false, &r->request_id_len);
	r->error_off = free_text(in, &ev->text[EV_ERROR], true, &r->error_len);
	r->failed = ev->failed;
	r->estimated = ev->estimated;
	if (has_dedup) {
		r->has_dedup = true;
		memcpy(r->dedup, key, sizeof(key));
	}
	batch_aggregate(in->b, r);
	fs->events++;
	fs->b_events++;
	return 0;
}

int ingest_estimates_parse(const char *spec, struct ingest_estimate **list, size_t *n, struct buf *err)
{
	const char *p = spec;
	while (*p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		int64_t tokens;
		if (!eq || eq == p || event_parse_int(eq + 1, len - (size_t)(eq + 1 - p), &tokens) < 0 || tokens < 0) {
			buf_printf(err, "bad estimate '%.*s': expected OPERATION=TOKENS, like chat=500", (int)len, p);
			return -1;
		}
		*list = xrealloc(*list, (*n + 1) * sizeof(**list));
		(*list)[*n].operation = xstrndup(p, (size_t)(eq - p));
		(*list)[*n].tokens = tokens;
		(*n)++;
		p += len + (end != NULL);
	}
	return 0;
}

void ingest_estimates_free(struct ingest_estimate *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(list[i].operation);
	free(list);
}

/*
 * An event that logged no token count at all gets the configured estimate for its
 * operation as total_tokens (kinds stay NULL) and is marked estimated: never silent.
 */
static void estimate(const struct ingest_options *opt, struct event *ev)
{
	if (!opt->n_estimates || event_has(ev, EV_TOTAL_TOKENS))
		return;
	const struct slice *op = &ev->text[EV_OPERATION];
	const struct ingest_estimate *any = NULL;
	for (size_t i = 0; i < opt->n_estimates; i++) {
		const struct ingest_estimate *e = &opt->estimates[i];
		if (strcmp(e->operation, "*") == 0)
			any = e;
		else if (op->p && strlen(e->operation) == op->n && memcmp(e->operation, op->p, op->n) == 0) {
			any = e;
			break;
		}
	}
	if (any) {
		event_set_num(ev, EV_TOTAL_TOKENS, any->tokens);
		ev->estimated = true;
	}
}

/*
 * Parse one line: 0 an event (finished), 1 not a record, -1 rejected with REASON.
 * No side effects on the run, so the parser threads call it too.
 */
static int parse_line(struct format *fmt, const struct source_line *l, struct event *ev, struct buf *reason)
{
	event_clear(ev);
	if (l->number >= ((uint64_t)1 << STORE_LINE_BITS)) {
		buf_printf(reason, "line number beyond 2^%d", STORE_LINE_BITS);
		return -1;
	}
	if (l->too_long) {
		buf_printf(reason, "line of %llu bytes is longer than the limit", (unsigned long long)l->full_len);
		return -1;
	}
	int rc = format_parse(fmt, l->p, l->n, ev, reason);
	if (rc == 0)
		event_finish(ev);
	return rc;
}

/* Store what parse_line made of line L (in line order). Returns 0, or -1 when the database failed. */
static int store_line(struct ingest *in, struct file_state *fs, const struct source_line *l, uint64_t end_offset,
		      int rc, struct event *ev, const char *why, size_t why_n)
{
	fs->lines++;
	fs->seen_line = l->number;
	if (rc == FORMAT_CONTINUES) { /* the checkpoint stays before the record's first line */
		if (!fs->open_record)
			fs->open_record = l->number;
		return 0;
	}
	fs->open_record = 0;
	fs->last_line = l->number;
	fs->last_offset = end_offset;
	if (rc == 1) {
		fs->skipped++;
		fs->b_skipped++;
	} else if (rc < 0) {
		add_reject(in, fs, l->number, l->p, l->n, why, why_n);
	} else {
		estimate(in->opt, ev);
		if (add_event(in, fs, l->number, ev) < 0)
			return -1;
	}
	if (in->b->nrows >= (in->opt->batch_rows ? in->opt->batch_rows : INGEST_BATCH_ROWS) ||
	    in->b->text.len >= BATCH_TEXT_MAX)
		return flush_batch(in, fs);
	return 0;
}

/* Parse and store one line on this thread. Returns 0, or -1 when the database failed. */
static int process_line(struct ingest *in, struct file_state *fs, const struct source_line *l, uint64_t end_offset)
{
	struct event ev;
	buf_reset(&in->reason);
	int rc = parse_line(fs->fmt, l, &ev, &in->reason);
	return store_line(in, fs, l, end_offset, rc, &ev, in->reason.data, in->reason.len);
}

/*
 * ---- parser threads ----
 * Formats whose kind is CPU-bound per line (json: SQLite's JSON functions) parse on
 * POOL_WORKERS threads, each with its own instances of the formats. This thread cuts the
 * input into chunks of lines, hands them out, and stores the results chunk by chunk in
 * input order, so ids, checkpoints and aggregates stay exactly as on one thread.
 */
static uint32_t arena_add(struct buf *arena, const char *p, size_t n)
{
	uint32_t off = (uint32_t)arena->len + 1;
	buf_add(arena, p, n);
	return off;
}

static void parse_chunk(struct chunk *c, struct format_set *set, struct buf *why)
{
	struct format *fmt = format_find(set, c->format);
	buf_reset(&c->arena);
	for (size_t i = 0; i < c->n; i++) {
		struct chunk_line *cl = &c->lines[i];
		cl->l.p = c->text.data + cl->off;
		buf_reset(why);
		if (fmt) {
			cl->rc = parse_line(fmt, &cl->l, &cl->ev, why);
		} else { /* its definition vanished from --parsers while running */
			event_clear(&cl->ev);
			buf_printf(why, "format %s is not available to the parser threads", c->format);
			cl->rc = -1;
		}
		cl->why_off = arena_add(&c->arena, buf_str(why), why->len);
		cl->why_len = (uint32_t)why->len;
		/* The event's text points into the parser's scratch: keep a copy. */
		for (int k = 0; k < EV_TEXT_N; k++)
			cl->text_off[k] = cl->rc == 0 && cl->ev.text[k].p
					  ? arena_add(&c->arena, cl->ev.text[k].p, cl->ev.text[k].n) : 0;
		cl->dedup_off = cl->rc == 0 && cl->ev.dedup.p ? arena_add(&c->arena, cl->ev.dedup.p, cl->ev.dedup.n) : 0;
	}
}

static void *worker_main(void *varg)
{
	struct worker_arg *arg = varg;
	struct pool *p = arg->pool;
	struct buf why = BUF_INIT;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		struct chunk *c = NULL;
		for (uint64_t seq = p->stored; seq < p->filled && !c; seq++)
			if (p->chunks[seq % POOL_CHUNKS].state == CHUNK_QUEUED)
				c = &p->chunks[seq % POOL_CHUNKS];
		if (!c) {
			if (p->stop)
				break;
			pthread_cond_wait(&p->cv, &p->mu);
			continue;
		}
		c->state = CHUNK_BUSY;
		pthread_mutex_unlock(&p->mu);
		parse_chunk(c, &p->sets[arg->index], &why);
		pthread_mutex_lock(&p->mu);
		c->state = CHUNK_DONE;
		pthread_cond_broadcast(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
	buf_free(&why);
	free(arg);
	return NULL;
}

static int pool_start(struct pool *p, const struct format_set *set, struct buf *err)
{
	memset(p, 0, sizeof(*p));
	for (int i = 0; i < POOL_WORKERS; i++)
		if (format_set_copy(&p->sets[i], set, err) < 0)
			return -1;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	for (int i = 0; i < POOL_WORKERS; i++) {
		struct worker_arg *arg = xmalloc(sizeof(*arg));
		*arg = (struct worker_arg){ p, i };
		if (pthread_create(&p->threads[i], NULL, worker_main, arg) != 0) {
			free(arg);
			buf_printf(err, "cannot start a parser thread");
			p->stop = true;
			for (int k = 0; k < i; k++)
				pthread_join(p->threads[k], NULL);
			return -1;
		}
	}
	p->started = true;
	return 0;
}

static void pool_stop(struct pool *p)
{
	if (p->started) {
		pthread_mutex_lock(&p->mu);
		p->stop = true;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		for (int i = 0; i < POOL_WORKERS; i++)
			pthread_join(p->threads[i], NULL);
		pthread_mutex_destroy(&p->mu);
		pthread_cond_destroy(&p->cv);
	}
	for (int i = 0; i < POOL_WORKERS; i++)
		format_set_free(&p->sets[i]);
	for (int i = 0; i < POOL_CHUNKS; i++) { /* twice is harmless: after a failed start, and at the end */
		buf_free(&p->chunks[i].text);
		buf_free(&p->chunks[i].arena);
		free(p->chunks[i].lines);
		p->chunks[i].lines = NULL;
		p->chunks[i].n = p->chunks[i].cap = 0;
	}
	p->started = false;
}

/* Store the oldest chunk in flight once it is parsed. Returns 0, or -1 when the database failed. */
static int pool_store_oldest(struct ingest *in, struct file_state *fs)
{
	struct pool *p = &in->pool;
	struct chunk *c = &p->chunks[p->stored % POOL_CHUNKS];
	int rc = 0;
	pthread_mutex_lock(&p->mu);
	while (c->state != CHUNK_DONE)
		pthread_cond_wait(&p->cv, &p->mu);
	pthread_mutex_unlock(&p->mu);
	for (size_t i = 0; i < c->n && rc == 0; i++) {
		struct chunk_line *cl = &c->lines[i];
		for (int k = 0; k < EV_TEXT_N; k++)
			cl->ev.text[k] = cl->text_off[k] ? (struct slice){ c->arena.data + cl->text_off[k] - 1,
									   cl->ev.text[k].n } : (struct slice){ NULL, 0 };
		if (cl->dedup_off)
			cl->ev.dedup.p = c->arena.data + cl->dedup_off - 1;
		rc = store_line(in, fs, &cl->l, cl->end_offset, cl->rc, &cl->ev, c->arena.data + cl->why_off - 1,
				cl->why_len);
	}
	pthread_mutex_lock(&p->mu);
	c->state = CHUNK_FREE;
	c->n = 0;
	buf_reset(&c->text);
	p->stored++;
	pthread_mutex_unlock(&p->mu);
	return rc;
}

static int pool_submit(struct ingest *in)
{
	struct pool *p = &in->pool;
	pthread_mutex_lock(&p->mu);
	p->chunks[p->filled % POOL_CHUNKS].state = CHUNK_QUEUED;
	p->filled++;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	return 0;
}

static int pool_finish(struct ingest *in, struct file_state *fs);

/* Queue line L for the parser threads; store finished chunks on the way. 0, or -1. */
static int pool_add(struct ingest *in, struct file_state *fs, const struct source_line *l, uint64_t end_offset)
{
	struct pool *p = &in->pool;
	if (l->n > CHUNK_BYTES) {
		/* A very long line is parsed here, after what is queued before it: chunks stay
		 * small, so the threads' memory is bounded by chunks, not by --max-line. */
		return pool_finish(in, fs) < 0 ? -1 : process_line(in, fs, l, end_offset);
	}
	struct chunk *c = &p->chunks[p->filled % POOL_CHUNKS]; /* always FREE: see below */
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 256;
		c->lines = xrealloc(c->lines, c->cap * sizeof(*c->lines));
	}
	struct chunk_line *cl = &c->lines[c->n++];
	c->format = fs->fmt->name;
	cl->off = (uint32_t)c->text.len;
	cl->l = *l;
	cl->l.p = NULL;
	cl->end_offset = end_offset;
	buf_add(&c->text, l->p, l->n);
	if (c->n == CHUNK_LINES || c->text.len >= CHUNK_BYTES) {
		pool_submit(in);
		/* Keep the chunk at 'filled' free: when every chunk is in flight, store the oldest. */
		if (p->filled - p->stored == POOL_CHUNKS && pool_store_oldest(in, fs) < 0)
			return -1;
	}
	return 0;
}

/* Parse what is queued and store it all. Returns 0, or -1 when the database failed. */
static int pool_finish(struct ingest *in, struct file_state *fs)
{
	struct pool *p = &in->pool;
	if (p->chunks[p->filled % POOL_CHUNKS].n) /* the free chunk being filled, if it has lines */
		pool_submit(in);
	while (p->stored < p->filled)
		if (pool_store_oldest(in, fs) < 0)
			return -1;
	return 0;
}

/* Was the file changed so recently that its end is still being written (unless --complete)? */
static bool still_written(const struct ingest *in, struct file_state *fs)
{
	if (in->opt->complete)
		return false;
	long age = source_age(fs->src);
	return age >= 0 && age < INGEST_SETTLE_SECONDS;
}

/*
 * The file ended inside a record (a CSV quote never closed). While the file is still being
 * written that is the writer's next line to come: left for the next run. Otherwise the
 * record is rejected, and the checkpoint moves to the end so it is not rejected again.
 */
static int end_open_record(struct ingest *in, struct file_state *fs, uint64_t end_offset)
{
	if (still_written(in, fs)) {
		fs->held_back = true;
		return 0;
	}
	buf_reset(&in->reason);
	buf_printf(&in->reason, "quoted field open from line %llu to the end of the file",
		   (unsigned long long)fs->open_record);
	add_reject(in, fs, fs->open_record, "", 0, in->reason.data, in->reason.len);
	fs->last_line = fs->seen_line;
	fs->last_offset = end_offset;
	fs->open_record = 0;
	return 0;
}

struct detect_line {
	size_t off, n;
	uint64_t number, end_offset, full_len;
	bool too_long, unterminated;
};

/*
 * Is an unterminated last line half a line that the writer is still finishing? Then it is
 * not read this time. Asked at the end of the file, so a file written to during the run
 * counts as changed.
 */
static bool hold_back(const struct ingest *in, struct file_state *fs, bool unterminated)
{
	if (unterminated)
		fs->held_back = still_written(in, fs);
	return fs->held_back;
}

/*
 * Read the first lines, pick the format (unless given or known from an earlier run), then
 * parse those lines and the rest. Returns 0 done, 1 the file failed, -1 the run failed.
 */
static int read_file(struct ingest *in, struct file_state *fs, struct buf *err)
{
	struct buf text = BUF_INIT;
	struct detect_line *dl = xcalloc(DETECT_LINES, sizeof(*dl));
	struct slice lines[DETECT_LINES];
	struct source_line l;
	size_t n = 0;
	int rc = 0, ret = 1;

	while (n < DETECT_LINES && text.len < DETECT_BYTES && (rc = source_next_line(fs->src, &l, err)) > 0) {
		dl[n] = (struct detect_line){ text.len, l.n, l.number, source_offset(fs->src), l.full_len,
					      l.too_long, l.unterminated };
		buf_add(&text, l.p, l.n);
		n++;
	}
	bool read_error = n < DETECT_LINES && text.len < DETECT_BYTES && rc < 0;
	for (size_t i = 0; i < n; i++)
		lines[i] = (struct slice){ text.data + dl[i].off, dl[i].n };
	if (!fs->fmt) {
		fs->fmt = format_detect(in->set, lines, n, &fs->detect_matched);
		fs->detect_tried = n;
		fs->detected = true;
		if (!fs->fmt) {
			if (n == 0 && !read_error) { /* nothing new past the checkpoint */
				ret = 0;
				goto out;
			}
			if (!read_error) {
				buf_printf(err, "%s: cannot tell the format from its first %zu lines; name it with --format "
						"(see 'tokstat formats')", source_name(fs->src), n);
				goto out;
			}
		}
	}
	if (fs->fmt && fs->resumed && fs->fmt->ops->resume) {
		size_t head_n;
		const char *head = source_head(fs->src, &head_n);
		if (fs->fmt->ops->resume(fs->fmt, head, head_n, err) < 0) {
			struct buf msg = BUF_INIT;
			buf_printf(&msg, "%s: %s", source_name(fs->src), buf_str(err));
			buf_reset(err);
			buf_add(err, msg.data, msg.len);
			buf_free(&msg);
			goto out;
		}
	} else if (fs->fmt && fs->fmt->ops->reset) {
		fs->fmt->ops->reset(fs->fmt);
	}
	for (size_t i = 0; fs->fmt && i < n; i++) {
		struct source_line dline = { lines[i].p, lines[i].n, dl[i].number, dl[i].too_long,
					     dl[i].unterminated, dl[i].full_len };
		if (hold_back(in, fs, dline.unterminated))
			break;
		if (process_line(in, fs, &dline, dl[i].end_offset) < 0) {
			ret = -1;
			goto out;
		}
	}
	if (read_error)
		goto out;
	if (fs->held_back) { /* all there is so far, but a half line: fine, the next run reads it */
		ret = 0;
		goto out;
	}
	bool threads = fs->fmt->ops->parallel && !in->opt->single_thread;
	if (threads && !in->pool.started && pool_start(&in->pool, in->set, err) < 0) {
		pool_stop(&in->pool);
		ret = -1;
		goto out;
	}
	uint64_t n_read = 0;
	while ((rc = source_next_line(fs->src, &l, err)) > 0) {
		if (hold_back(in, fs, l.unterminated))
			break;
		if ((threads ? pool_add(in, fs, &l, source_offset(fs->src))
			     : process_line(in, fs, &l, source_offset(fs->src))) < 0) {
			ret = -1;
			goto out;
		}
		if (in->opt->progress && (++n_read & 8191) == 0)
			progress(in, fs, false);
	}
	/* Lines before a read error are stored too: finish what the threads hold. */
	if (threads && pool_finish(in, fs) < 0) {
		ret = -1;
		goto out;
	}
	if (rc == 0 && fs->open_record && !fs->held_back && end_open_record(in, fs, source_offset(fs->src)) < 0) {
		ret = -1;
		goto out;
	}
	ret = rc < 0 ? 1 : 0;
out:
	buf_free(&text);
	free(dl);
	return ret;
}

static void summary(struct ingest *in, struct file_state *fs, double seconds)
{
	struct buf s = BUF_INIT;
	if (in->opt->progress)
		fputs("\r\033[K", stderr);
	if (in->opt->quiet)
		return;
	buf_printf(&s, "tokstat: %s: ", fs->path);
	if (fs->resumed && fs->lines == 0)
		buf_printf(&s, "nothing new (already read to line %llu)", (unsigned long long)fs->sf.lines);
	else {
		buf_printf(&s, "%llu %slines, %llu events, %llu rejected", (unsigned long long)fs->lines,
			   fs->resumed ? "new " : "", (unsigned long long)fs->events, (unsigned long long)fs->rejected);
		if (fs->skipped)
			buf_printf(&s, ", %llu skipped", (unsigned long long)fs->skipped);
		if (fs->duplicates)
			buf_printf(&s, ", %llu duplicates", (unsigned long long)fs->duplicates);
		if (fs->resumed)
			buf_printf(&s, ", resumed after line %llu", (unsigned long long)fs->sf.lines);
	}
	if (fs->held_back)
		buf_printf(&s, "; last line unfinished (no newline yet): left for the next run");
	if (fs->lookalike)
		buf_printf(&s, "; begins like a file read before but is another one: read as new");
	if (fs->fmt) {
		buf_printf(&s, "; format %s", fs->fmt->name);
		if (fs->detected)
			buf_printf(&s, " (detected: %zu of %zu lines)", fs->detect_matched, fs->detect_tried);
	}
	buf_printf(&s, "; %.2f s\n", seconds);
	fputs(s.data, stdout);
	fflush(stdout);
	buf_free(&s);
}

/*
 * Which stored file is this? One whose first bytes match and whose content at its tail
 * check matches too; it is read on from its checkpoint. Another file that only starts the
 * same way (a copy that went its own way) is a new file, read from the start.
 * Returns 0, 1 when the file failed (ERR set), -1 when the database failed.
 */
static int identify(struct ingest *in, struct file_state *fs, const char *head, size_t head_n, struct buf *err)
{
	struct store_file *list = NULL;
	const struct store_file *pick = NULL;
	size_t n = 0;
	int rc = -1, checked = 0;

	if (fileid_candidates(in->st, head, head_n, &list, &n, err) < 0)
		goto out;
	for (size_t i = 0; i < n && !pick; i++) {
		struct source_tail t = { list[i].tail_offset, list[i].tail_hash, STORE_TAIL_BYTES };
		/* a plain file is checked here (1: same); gzip and stdin while skipping (-1) */
		checked = list[i].bytes && list[i].tail_offset ? source_check_tail(fs->src, &t) : -1;
		if (checked != 0)
			pick = &list[i];
	}
	fs->lookalike = n > 0 && !pick;
	if (pick && pick->bytes > 0) {
		struct source_tail t = { pick->tail_offset, pick->tail_hash, STORE_TAIL_BYTES };
		int skip = source_skip(fs->src, pick->bytes, pick->lines, checked == 1 ? NULL : &t, err);
		if (skip < 0) {
			rc = 1;
			goto out;
		}
		if (skip > 0) { /* shorter than the checkpoint, or other content: another file */
			pick = NULL;
			fs->lookalike = true;
			if (fs->is_stdin) { /* what was read of it is gone */
				buf_printf(err, "%s: starts like a file read before but is another one; "
						"save it to a file and ingest that", source_name(fs->src));
				rc = 1;
				goto out;
			}
			/* read it again from the start */
			source_close(fs->src);
			fs->src = NULL;
			if (source_open(&fs->src, fs->path, in->opt->max_line, err) < 0) {
				rc = 1;
				goto out;
			}
			head = source_head(fs->src, &head_n);
		}
	}
	if (pick) {
		fs->sf = *pick;
		fs->resumed = pick->bytes > 0;
		rc = fileid_claim(in->st, &fs->sf, fs->path, head, head_n, err);
	} else {
		rc = fileid_create(in->st, fs->path, head, head_n, &fs->sf, err);
	}
out:
	free(list);
	return rc;
}

/* One file. Returns 0 ok, 1 the file failed (reported), -1 the run must stop. */
static int ingest_file(struct ingest *in, const char *path)
{
	struct file_state fs = { .path = path };
	struct buf err = BUF_INIT;
	size_t head_n;
	double t0 = now();
	int ret = 1;

	if (source_open(&fs.src, path, in->opt->max_line, &err) < 0)
		goto out;
	if (strcmp(path, "-") == 0) {
		fs.path = source_name(fs.src);
		fs.is_stdin = true;
	}
	const char *head = source_head(fs.src, &head_n);
	if (head_n == 0) { /* an empty file: nothing to identify it by, nothing to count */
		if (!in->opt->quiet)
			printf("tokstat: %s: empty\n", fs.path);
		ret = 0;
		goto out;
	}
	/* The writer must be idle while the file is looked up and recorded. */
	if (pipeline_drain(&in->pipe) < 0) {
		ret = -1;
		goto out;
	}
	if ((ret = identify(in, &fs, head, head_n, &err)) != 0)
		goto out;
	ret = 1;
	fs.rejects_total = fs.sf.rejected;
	if (in->opt->format && strcmp(in->opt->format, "auto") != 0)
		fs.fmt = format_find(in->set, in->opt->format);
	if (fs.resumed && !fs.fmt) {
		char *known = NULL;
		if (store_file_format(in->st, fs.sf.id, &known, &err) < 0) {
			ret = -1;
			goto out;
		}
		if (known)
			fs.fmt = format_find(in->set, known);
		free(known);
	}
	fs.last_offset = fs.sf.bytes;
	fs.last_line = fs.sf.lines;
	ret = read_file(in, &fs, &err);
	if (ret >= 0 && flush_batch(in, &fs) < 0)
		ret = -1;
	if (ret >= 0 && (fs.fmt || ret == 0))
		summary(in, &fs, now() - t0);
	if (ret == 0 && in->opt->max_reject_rate >= 0 && fs.lines > fs.skipped) {
		double pct = 100.0 * (double)fs.rejected / (double)(fs.lines - fs.skipped);
		if (pct > in->opt->max_reject_rate) {
			buf_printf(&err, "%s: %.1f%% of lines rejected, more than --max-reject-rate %g%% "
					 "(see the rejects view)", fs.path, pct, in->opt->max_reject_rate);
			ret = 1;
		}
	}
out:
	if (ret == -1) {
		pipeline_error(&in->pipe, &err);
		buf_add(&err, in->db_err.data, in->db_err.len);
	}
	if (ret != 0 && err.len)
		fprintf(stderr, "tokstat: %s\n", err.data);
	in->totals->files++;
	in->totals->failed_files += ret != 0;
	in->totals->lines += fs.lines;
	in->totals->events += fs.events;
	in->totals->rejected += fs.rejected;
	in->totals->skipped += fs.skipped;
	in->totals->duplicates += fs.duplicates;
	if (fs.src)
		in->totals->bytes += source_offset(fs.src);
	source_close(fs.src);
	buf_free(&err);
	return ret;
}

int ingest_run(struct store *st, const struct format_set *set, const struct ingest_options *opt,
	       char *const *files, size_t n_files, struct ingest_totals *totals)
{
	struct ingest in = { .st = st, .set = set, .opt = opt, .totals = totals };
	struct buf err = BUF_INIT;
	int status = 0;

	memset(totals, 0, sizeof(*totals));
	in.t_start = now();
	if (dict_init(&in.dict, st, opt->cache_bytes ? opt->cache_bytes : INGEST_CACHE_BYTES, &err) < 0) {
		fprintf(stderr, "tokstat: %s\n", err.data);
		buf_free(&err);
		dict_free(&in.dict);
		return -1;
	}
	in.scrub = credential_scrubber_new();
	hashmap_init(&in.raw_endpoints);
	if (pipeline_start(&in.pipe, st) < 0) {
		fprintf(stderr, "tokstat: cannot start the writer thread\n");
		status = -1;
		goto out;
	}
	in.b = pipeline_get(&in.pipe);
	for (size_t i = 0; i < n_files; i++) {
		int rc = ingest_file(&in, files[i]);
		if (rc < 0) {
			status = -1;
			break;
		}
		if (rc > 0)
			status = 1;
	}
	if (pipeline_drain(&in.pipe) < 0 && status >= 0) {
		pipeline_error(&in.pipe, &err);
		fprintf(stderr, "tokstat: %s\n", buf_str(&err));
		status = -1;
	}
	pipeline_stop(&in.pipe);
out:
	pool_stop(&in.pool);
	credential_scrubber_free(in.scrub);
	memo_forget(&in); /* frees raw_endpoints too */
	for (int i = 0; i < BATCH_DIM_N; i++)
		buf_free(&in.memo[i].value);
	dict_free(&in.dict);
	buf_free(&in.reason);
	buf_free(&in.clean);
	buf_free(&in.tmp);
	buf_free(&in.scrubbed);
	buf_free(&in.db_err);
	buf_free(&err);
	return status;
}
