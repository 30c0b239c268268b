/* The writer thread and the parser pool of an ingest run. See ingest_thread.h. */
#include "ingest_thread.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "store_write.h"

#define WRITER_BATCHES 3 /* one being filled, one queued, one being written */

/*
 * One worker per core but the calling thread's, which parses too whenever it would wait:
 * more threads than cores only wait their turn, and each hand-over between two threads costs
 * a wake-up (tens of microseconds on a VM). At most POOL_WORKERS_MAX.
 */
#define POOL_WORKERS_MAX 8
#define POOL_CHUNKS_PER_THREAD 4 /* chunks in flight: a slow chunk does not stop the others */
#define POOL_CHUNKS_MAX (POOL_CHUNKS_PER_THREAD * (POOL_WORKERS_MAX + 1))
#define CHUNK_LINES 1024
#define CHUNK_BYTES (1u << 20) /* the longest line a chunk takes; a longer one is parsed by the caller */
/*
 * A chunk is full past this much text. Small, so that a file of a few hundred KB (a Claude
 * Code session) spans several chunks, parsed by several threads while the caller reads on.
 */
#define CHUNK_FULL (64u << 10)

int ingest_parse_line(struct format *fmt, const struct source_line *l, struct event *ev, struct buf *reason)
{
	event_clear(ev);
	if (l->number > STORE_MAX_LINE) { /* the line number must fit in the event id */
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

/* ---- the writer thread and its queue of batches ---- */

/*
 * Shared by the calling thread and the writer thread. MU guards every field below it; CV is
 * signalled whenever one of them changes. ST's writer connection belongs to the writer thread
 * while BUSY or N_TODO > 0 (see ingest_writer_drain).
 */
struct ingest_writer {
	struct store *st;         /* set before the thread starts, then read only */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct batch batches[WRITER_BATCHES]; /* each is in FREE_Q, in TODO_Q, being written or being filled */
	struct batch *free_q[WRITER_BATCHES]; /* guarded by MU */
	struct batch *todo_q[WRITER_BATCHES]; /* guarded by MU: in submission order */
	size_t n_free, n_todo;                /* guarded by MU */
	bool busy;                            /* guarded by MU: a batch is being written */
	bool stop;                            /* guarded by MU: no more batches will come */
	bool failed;                          /* guarded by MU: a commit failed; later batches are skipped */
	struct buf err;                       /* guarded by MU: the first failure's message */
};

static void *writer_main(void *arg)
{
	struct ingest_writer *w = arg;
	struct buf err = BUF_INIT;
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->n_todo && !w->stop)
			pthread_cond_wait(&w->cv, &w->mu);
		if (!w->n_todo)
			break;
		struct batch *b = w->todo_q[0];
		memmove(w->todo_q, w->todo_q + 1, --w->n_todo * sizeof(*w->todo_q));
		w->busy = true;
		bool skip = w->failed;
		pthread_mutex_unlock(&w->mu);
		int rc = skip ? 0 : store_write_batch(w->st, b, &err);
		pthread_mutex_lock(&w->mu);
		if (rc < 0 && !w->failed) {
			w->failed = true;
			buf_add(&w->err, err.data, err.len);
		}
		w->busy = false;
		w->free_q[w->n_free++] = b;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	buf_free(&err);
	return NULL;
}

static void writer_free(struct ingest_writer *w)
{
	for (int i = 0; i < WRITER_BATCHES; i++)
		batch_free(&w->batches[i]);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	buf_free(&w->err);
	free(w);
}

struct ingest_writer *ingest_writer_start(struct store *st, struct buf *err)
{
	struct ingest_writer *w = xcalloc(1, sizeof(*w));
	w->st = st;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	for (int i = 0; i < WRITER_BATCHES; i++) {
		batch_init(&w->batches[i]);
		w->free_q[w->n_free++] = &w->batches[i];
	}
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
		buf_printf(err, "cannot start the writer thread");
		writer_free(w);
		return NULL;
	}
	return w;
}

struct batch *ingest_writer_get(struct ingest_writer *w)
{
	struct batch *b = NULL;
	pthread_mutex_lock(&w->mu);
	while (!w->n_free && !w->failed)
		pthread_cond_wait(&w->cv, &w->mu);
	if (!w->failed)
		b = w->free_q[--w->n_free];
	pthread_mutex_unlock(&w->mu);
	if (b)
		batch_reset(b);
	return b;
}

void ingest_writer_submit(struct ingest_writer *w, struct batch *b)
{
	pthread_mutex_lock(&w->mu);
	w->todo_q[w->n_todo++] = b;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

int ingest_writer_drain(struct ingest_writer *w)
{
	pthread_mutex_lock(&w->mu);
	while (w->n_todo || w->busy)
		pthread_cond_wait(&w->cv, &w->mu);
	int rc = w->failed ? -1 : 0;
	pthread_mutex_unlock(&w->mu);
	return rc;
}

void ingest_writer_error(struct ingest_writer *w, struct buf *out)
{
	pthread_mutex_lock(&w->mu);
	if (w->failed)
		buf_adds(out, w->err.len ? w->err.data : "the database writer failed");
	pthread_mutex_unlock(&w->mu);
}

void ingest_writer_stop(struct ingest_writer *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	writer_free(w);
}

/*
 * ---- the parser pool ----
 * The calling thread cuts the input into chunks of lines, the workers parse them, and the
 * calling thread hands the results to the sink chunk by chunk in input order.
 */

enum chunk_state { CHUNK_FREE, CHUNK_QUEUED, CHUNK_BUSY, CHUNK_DONE };

struct chunk_line {
	uint32_t off;                       /* the line in chunk text */
	struct source_line l;               /* p is set when the chunk is parsed and stored */
	uint64_t end_offset;
	int rc;
	struct event ev;                    /* slices rebuilt from the offsets below when stored */
	uint32_t text_off[EV_TEXT_N], dedup_off; /* in chunk arena, plus one; 0: NULL */
	uint32_t why_off, why_len;
};

/*
 * A chunk belongs to whoever its STATE says: FREE and DONE to the calling thread, QUEUED to
 * whichever thread claims it (under the pool's MU: a worker, or the calling thread when it
 * would wait), BUSY to that thread alone. Only STATE is read across threads, under MU; the
 * rest is handed over with it.
 */
struct chunk {
	enum chunk_state state;             /* guarded by the pool's MU */
	const char *format;                 /* its name: each worker has its own instance */
	void *owner;                        /* the caller's file its lines are of (one file a chunk) */
	bool ends_owner;                    /* its last line is the owner's last: the sink's END follows */
	struct buf text, arena;
	struct chunk_line *lines;
	size_t n, cap;
};

/*
 * MU guards STOP, FILLED, STORED and every chunk's STATE; CV is signalled when any of them
 * changes. The workers read SETS[i] (their own) and the chunks they claimed; everything else
 * is the calling thread's.
 */
struct ingest_pool {
	pthread_t threads[POOL_WORKERS_MAX];
	int n_threads;                       /* started */
	int n_workers;                       /* to start */
	struct format_set sets[POOL_WORKERS_MAX];
	const struct format_set *caller_set; /* the calling thread's formats, for the chunks it parses */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;                           /* guarded by MU */
	struct chunk chunks[POOL_CHUNKS_MAX];
	uint64_t n_chunks;                   /* used of them: chunk number i is chunks[i % n_chunks] */
	uint64_t filled, stored;             /* guarded by MU: chunk numbers [stored, filled) are in flight */
	struct buf why;                      /* the calling thread's reason for a line parsed here */
};

struct worker_arg {
	struct ingest_pool *pool;
	int index;
};

static uint32_t arena_add(struct buf *arena, const char *p, size_t n)
{
	uint32_t off = (uint32_t)arena->len + 1;
	buf_add(arena, p, n);
	return off;
}

static void parse_chunk(struct chunk *c, const struct format_set *set, struct buf *why)
{
	struct format *fmt = format_find(set, c->format);
	buf_reset(&c->arena);
	for (size_t i = 0; i < c->n; i++) {
		struct chunk_line *cl = &c->lines[i];
		cl->l.p = c->text.data + cl->off;
		buf_reset(why);
		if (fmt) {
			cl->rc = ingest_parse_line(fmt, &cl->l, &cl->ev, why);
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

/*
 * Claim the oldest chunk queued and parse it with SET, outside the pool's MU (held by the
 * caller, and again on return); then mark it DONE and tell the threads waiting. False when
 * no chunk is queued.
 */
static bool parse_queued(struct ingest_pool *p, const struct format_set *set, struct buf *why)
{
	struct chunk *c = NULL;
	for (uint64_t seq = p->stored; seq < p->filled && !c; seq++)
		if (p->chunks[seq % p->n_chunks].state == CHUNK_QUEUED)
			c = &p->chunks[seq % p->n_chunks];
	if (!c)
		return false;
	c->state = CHUNK_BUSY;
	pthread_mutex_unlock(&p->mu);
	parse_chunk(c, set, why);
	pthread_mutex_lock(&p->mu);
	c->state = CHUNK_DONE;
	pthread_cond_broadcast(&p->cv);
	return true;
}

static void *worker_main(void *varg)
{
	struct worker_arg *arg = varg;
	struct ingest_pool *p = arg->pool;
	struct buf why = BUF_INIT;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		if (parse_queued(p, &p->sets[arg->index], &why))
			continue;
		if (p->stop) /* only once nothing is queued */
			break;
		pthread_cond_wait(&p->cv, &p->mu);
	}
	pthread_mutex_unlock(&p->mu);
	buf_free(&why);
	free(arg);
	return NULL;
}

/* The workers to start: one per core this process may run on, but one. */
static int pool_workers(void)
{
	cpu_set_t cpus;
	int n = sched_getaffinity(0, sizeof(cpus), &cpus) == 0 ? CPU_COUNT(&cpus) : 2;
	return n <= 2 ? 1 : n - 1 < POOL_WORKERS_MAX ? n - 1 : POOL_WORKERS_MAX;
}

struct ingest_pool *ingest_pool_start(const struct format_set *set, struct buf *err)
{
	struct ingest_pool *p = xcalloc(1, sizeof(*p));
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	p->caller_set = set;
	p->n_workers = pool_workers();
	p->n_chunks = POOL_CHUNKS_PER_THREAD * (uint64_t)(p->n_workers + 1);
	for (int i = 0; i < p->n_workers; i++) {
		if (format_set_copy(&p->sets[i], set, err) < 0) {
			ingest_pool_stop(p);
			return NULL;
		}
	}
	for (int i = 0; i < p->n_workers; i++) {
		struct worker_arg *arg = xmalloc(sizeof(*arg));
		*arg = (struct worker_arg){ p, i };
		if (pthread_create(&p->threads[i], NULL, worker_main, arg) != 0) {
			free(arg);
			buf_printf(err, "cannot start a parser thread");
			ingest_pool_stop(p); /* stops, under the lock and with a broadcast, those started */
			return NULL;
		}
		p->n_threads++;
	}
	return p;
}

void ingest_pool_stop(struct ingest_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (int i = 0; i < p->n_threads; i++)
		pthread_join(p->threads[i], NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	for (int i = 0; i < POOL_WORKERS_MAX; i++)
		format_set_free(&p->sets[i]);
	for (int i = 0; i < POOL_CHUNKS_MAX; i++) {
		buf_free(&p->chunks[i].text);
		buf_free(&p->chunks[i].arena);
		free(p->chunks[i].lines);
	}
	buf_free(&p->why);
	free(p);
}

/* Hand the oldest chunk in flight to SINK once it is parsed. Returns 0, or -1 when SINK stopped. */
static int store_oldest(struct ingest_pool *p, const struct ingest_sink *sink)
{
	pthread_mutex_lock(&p->mu);
	struct chunk *c = &p->chunks[p->stored % p->n_chunks];
	/* rather than wait for it, parse a chunk queued after it */
	while (c->state != CHUNK_DONE)
		if (!parse_queued(p, p->caller_set, &p->why))
			pthread_cond_wait(&p->cv, &p->mu);
	pthread_mutex_unlock(&p->mu);
	int rc = 0;
	for (size_t i = 0; i < c->n && rc == 0; i++) {
		struct chunk_line *cl = &c->lines[i];
		for (int k = 0; k < EV_TEXT_N; k++)
			cl->ev.text[k] = cl->text_off[k] ? (struct slice){ c->arena.data + cl->text_off[k] - 1,
									   cl->ev.text[k].n } : (struct slice){ NULL, 0 };
		if (cl->dedup_off)
			cl->ev.dedup.p = c->arena.data + cl->dedup_off - 1;
		rc = sink->store(sink->ctx, c->owner, &cl->l, cl->end_offset, cl->rc, &cl->ev,
				 c->arena.data + cl->why_off - 1, cl->why_len);
	}
	if (rc == 0 && c->ends_owner)
		rc = sink->end(sink->ctx, c->owner);
	pthread_mutex_lock(&p->mu);
	c->state = CHUNK_FREE;
	c->n = 0;
	c->owner = NULL;
	c->ends_owner = false;
	buf_reset(&c->text);
	p->stored++;
	pthread_mutex_unlock(&p->mu);
	return rc;
}

/*
 * Queue the chunk being filled for the workers. Then keep the chunk at 'filled' free: when
 * every chunk is in flight, store the oldest. FILLED and STORED change only on this thread:
 * reading them here needs no lock. Returns 0, or -1 when SINK stopped.
 */
static int submit(struct ingest_pool *p, const struct ingest_sink *sink)
{
	pthread_mutex_lock(&p->mu);
	p->chunks[p->filled % p->n_chunks].state = CHUNK_QUEUED;
	p->filled++;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	if (p->filled - p->stored == p->n_chunks)
		return store_oldest(p, sink);
	return 0;
}

int ingest_pool_add(struct ingest_pool *p, struct format *fmt, void *owner, const struct source_line *l,
		    uint64_t end_offset, const struct ingest_sink *sink)
{
	if (l->n > CHUNK_BYTES) {
		/* A very long line is parsed here, after what is queued before it: chunks stay
		 * small, so the threads' memory is bounded by chunks, not by --max-line. */
		struct event ev;
		if (ingest_pool_finish(p, sink) < 0)
			return -1;
		buf_reset(&p->why);
		int rc = ingest_parse_line(fmt, l, &ev, &p->why);
		return sink->store(sink->ctx, owner, l, end_offset, rc, &ev, buf_str(&p->why), p->why.len);
	}
	/* The chunk at 'filled' is always FREE (see submit), and only this thread touches it. */
	struct chunk *c = &p->chunks[p->filled % p->n_chunks];
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 256;
		c->lines = xrealloc(c->lines, c->cap * sizeof(*c->lines));
	}
	struct chunk_line *cl = &c->lines[c->n++];
	c->format = fmt->name;
	c->owner = owner;
	cl->off = (uint32_t)c->text.len;
	cl->l = *l;
	cl->l.p = NULL;
	cl->end_offset = end_offset;
	buf_add(&c->text, l->p, l->n);
	if (c->n == CHUNK_LINES || c->text.len >= CHUNK_FULL)
		return submit(p, sink);
	return 0;
}

int ingest_pool_end(struct ingest_pool *p, void *owner, const struct ingest_sink *sink)
{
	struct chunk *c = &p->chunks[p->filled % p->n_chunks];
	if (c->n) { /* the chunk being filled holds OWNER's last lines (one file a chunk) */
		c->ends_owner = true;
		return submit(p, sink) < 0 ? -1 : 1;
	}
	/* The chunk submitted last, when it is still in flight and OWNER's. */
	c = &p->chunks[(p->filled + p->n_chunks - 1) % p->n_chunks];
	if (p->filled > p->stored && c->owner == owner) {
		c->ends_owner = true;
		return 1;
	}
	return 0;
}

int ingest_pool_finish(struct ingest_pool *p, const struct ingest_sink *sink)
{
	if (p->chunks[p->filled % p->n_chunks].n && /* the free chunk being filled, if it has lines */
	    submit(p, sink) < 0)
		return -1;
	while (p->stored < p->filled)
		if (store_oldest(p, sink) < 0)
			return -1;
	return 0;
}
