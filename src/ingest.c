/*
 * The ingest of a run's files: per file, identify it, pick its format, read its lines into
 * batches with their checkpoints, and return what it gave. See ingest.h.
 */
#include "ingest.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fileid.h"
#include "ingest_thread.h"
#include "source.h"

#define DETECT_LINES 32            /* lines read to pick a format */
#define DETECT_BYTES (4u << 20)    /* ... but no more than this much text */
/*
 * A batch is also full when the memory it holds passes this: rows (about 220 bytes each),
 * text and the aggregate maps, which grow with every new group (traffic where each line is a
 * new credential, user and endpoint: about 800 bytes a line, so some 8,000 lines a batch).
 * Three batches are in flight, so whatever the cardinality they hold about 3 x 6 MiB (plus
 * what their arrays round up to); with the caches (INGEST_CACHE_BYTES) and SQLite's page cache
 * that keeps the peak under 100 MB (tests/bench/cardinal_bench.sh). Ordinary traffic, few
 * groups, fills a batch with about 28,000 rows.
 */
#define BATCH_MEMORY_MAX (6u << 20)
#define PROGRESS_LINES 8192        /* lines between two progress reports */
/* Files recorded in one batch at most: tiny files share a transaction, a bounded one. */
#define INGEST_BATCH_FILES 4096
/*
 * A plain file changed this recently is still being written: an unterminated last line is
 * half a line, left for the next run. An older file's last line is complete without "\n".
 */
#define INGEST_SETTLE_SECONDS 60

struct file_state;

struct ingest {
	struct store *st;
	const struct format_set *set;
	const struct ingest_options *opt;
	struct ingest_writer *writer;
	struct encoder enc;
	struct batch *b;            /* being filled */
	struct buf reason;
	struct ingest_pool *pool;   /* parser threads, started for the first file that can use them */
	struct ingest_sink sink;    /* where the pool's lines and file ends go: store_line, end_line */
	struct file_state *fs;      /* the file being read */
	/*
	 * Files read to their end whose last lines are still in the pool, oldest first: each is
	 * ended (end_file) when its last line is stored. At most one a chunk in flight.
	 */
	struct file_state *pending, **pending_tail;
	bool failed;                /* the run cannot go on */
	bool failure_told;          /* a file's result says why (the writer's error is told once) */
	struct ingest_totals *totals;
	struct fileid_run run;      /* the files of this run, ahead of the database */
	double t_start;
};

struct file_state {
	const char *path;
	struct source *src;
	struct buf err;       /* what went wrong with it */
	struct file_state *next; /* in the run's pending files */
	double t0;            /* when it was opened */
	int status;           /* 0 read, 1 it failed, -1 the run failed: how read_file ended, until end_file */
	bool is_read;         /* it got as far as being read: its checkpoint is recorded */
	bool is_counted, is_empty; /* see ingest_file_result */
	bool in_pool;         /* some of its lines went to the parser threads */
	struct store_file sf;
	struct format *fmt;
	size_t detect_matched, detect_tried;
	bool detected, resumed;
	bool held_back; /* its unterminated last line was left for the next run */
	bool lookalike; /* began like a file read before, but is another one */
	bool truncated; /* truncated while being read (copytruncate): stopped at its last good line */
	uint64_t resumed_after; /* the line it was read to before this run */
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

static void progress(struct ingest *in, struct file_state *fs)
{
	struct ingest_progress p = { fs->path, source_raw_offset(fs->src), source_size(fs->src),
				     in->totals->lines + fs->lines, now() - in->t_start };
	in->opt->on_progress(in->opt->ctx, &p);
}

/*
 * About the bytes of memory batch B's content takes: rows, text, and per aggregate group its
 * entry, its map slot (32 bytes at a load under 3/4) and its key. From what it holds, not from
 * what it allocated: a batch keeps its memory when reset, and what one batch grew to must not
 * make the next one full from its first line.
 */
static size_t batch_memory(const struct batch *b)
{
	return b->nrows * sizeof(*b->rows) + b->text.len +
	       b->n_daily * (sizeof(*b->daily) + 48 + sizeof(b->daily->key)) +
	       b->n_hourly * (sizeof(*b->hourly) + 48 + sizeof(b->hourly->key)) +
	       b->n_cred * (sizeof(*b->cred) + 48 + sizeof(int64_t)) +
	       (b->n_new_dict + b->n_new_cred) * sizeof(*b->new_dict) + b->n_rejects * sizeof(*b->rejects) +
	       b->n_files * sizeof(*b->files);
}

/* Hand the batch being filled to the writer (when it holds anything) and take a fresh one. */
static int flush_batch(struct ingest *in)
{
	if (!batch_is_empty(in->b)) {
		ingest_writer_submit(in->writer, in->b);
		in->b = NULL;
	}
	if (encode_is_full(&in->enc)) {
		/* bounded memory: commit everything, then forget */
		if (ingest_writer_drain(in->writer) < 0)
			return -1;
		encode_forget(&in->enc);
	}
	if (!in->b) {
		in->b = ingest_writer_get(in->writer);
		/* one very long line's text must not stay allocated in the batch for the whole run */
		if (in->b && in->b->text.cap > BATCH_MEMORY_MAX)
			buf_free(&in->b->text);
	}
	return in->b ? 0 : -1;
}

/*
 * Record in the batch being filled where FS is now: its checkpoint (with the hash of the
 * content just before it, to tell this file from a lookalike later) and what its lines since
 * the last one added. The run remembers it too, for a later copy of the file in this run.
 */
static void checkpoint(struct ingest *in, struct file_state *fs)
{
	struct batch_file *f = batch_file(in->b, fs->sf.id);
	char hex[33];
	f->has_checkpoint = true;
	f->offset = fs->last_offset;
	f->lines = fs->last_line;
	f->events += (int64_t)fs->b_events;
	f->rejected += (int64_t)fs->b_rejected;
	f->skipped += (int64_t)fs->b_skipped;
	f->duplicates += (int64_t)fs->b_duplicates;
	/* the format the lines were read with; a run that read nothing keeps the stored one */
	if (fs->fmt && fs->lines)
		f->format = fs->fmt->name;
	if (fs->last_offset && fileid_tail_hash(fs->src, fs->last_offset, hex) == 0) {
		f->tail_offset = fs->last_offset;
		memcpy(f->tail_hash, hex, sizeof(hex));
		fs->sf.tail_offset = fs->last_offset;
		memcpy(fs->sf.tail_hash, hex, sizeof(hex));
	}
	fs->b_events = fs->b_rejected = fs->b_skipped = fs->b_duplicates = 0;
	fs->sf.bytes = fs->last_offset;
	fs->sf.lines = fs->last_line;
	fs->sf.rejected = fs->rejects_total;
	fileid_run_update(&in->run, &fs->sf, fileid_run_name(&in->run, fs->sf.id), f->format);
}

/* A batch is full: its file's checkpoint goes with it. */
static int batch_full(struct ingest *in, struct file_state *fs)
{
	checkpoint(in, fs);
	return flush_batch(in);
}

static void add_reject(struct ingest *in, struct file_state *fs, uint64_t line, const char *p, size_t n,
		       const char *why, size_t why_n)
{
	fs->rejected++;
	fs->b_rejected++;
	if (fs->rejects_total++ < STORE_MAX_REJECTS_KEPT) {
		in->b->file_id = fs->sf.id; /* the file being read may be a later one */
		encode_reject(&in->enc, in->b, line, p, n, why, why_n);
	}
}

/*
 * The event encode_event just replaced is a duplicate now: its file counts one event less and
 * one duplicate more. One of this batch's rows: in the counters the batch carries (the file
 * being read, or one read earlier in the batch); one committed before: the writer counts it
 * (store_write.c). The run's own counts of the file being read follow either way.
 */
static void count_replaced(struct ingest *in, struct file_state *fs)
{
	int64_t file = in->enc.replaced >> STORE_LINE_BITS;
	if (file == fs->sf.id) {
		fs->events--;
		fs->duplicates++;
	}
	if (!in->enc.is_replaced_in_batch)
		return;
	if (file == fs->sf.id) {
		fs->b_events--;
		fs->b_duplicates++;
	} else {
		struct batch_file *f = batch_file(in->b, file);
		f->events--;
		f->duplicates++;
	}
}

/* Put the file's name before what ERR says (the format's messages do not know it). */
static void name_file(const struct file_state *fs, struct buf *err)
{
	struct buf msg = BUF_INIT;
	buf_printf(&msg, "%s: %s", source_name(fs->src), buf_str(err));
	buf_reset(err);
	buf_add(err, msg.data, msg.len);
	buf_free(&msg);
}

/*
 * Store what ingest_parse_line made of line L of file OWNER (in line order). Returns 0, or
 * -1 when the database failed or the format could not be compiled (FS's error says so). The
 * parser pool's sink.
 */
static int store_line(void *ctx, void *owner, const struct source_line *l, uint64_t end_offset, int rc,
		      struct event *ev, const char *why, size_t why_n)
{
	struct ingest *in = ctx;
	struct file_state *fs = owner;
	if (rc == FORMAT_FAILED) { /* the format cannot be compiled: no line of it can be read */
		buf_add(&fs->err, why, why_n);
		name_file(fs, &fs->err);
		return -1;
	}
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
		int stored = encode_event(&in->enc, in->b, fs->sf.id, fs->fmt->name, l->number, ev, &fs->err);
		if (stored < 0)
			return -1;
		if (stored == 1) {
			fs->duplicates++;
			fs->b_duplicates++;
		} else {
			fs->events++;
			fs->b_events++;
		}
		if (stored == 2)
			count_replaced(in, fs);
	}
	if (in->b->nrows >= (in->opt->batch_rows ? in->opt->batch_rows : INGEST_BATCH_ROWS) ||
	    batch_memory(in->b) >= BATCH_MEMORY_MAX)
		return batch_full(in, fs);
	return 0;
}

/* Parse and store one line on this thread. Returns 0, or -1 when the database failed. */
static int process_line(struct ingest *in, const struct source_line *l, uint64_t end_offset)
{
	struct event ev;
	buf_reset(&in->reason);
	int rc = ingest_parse_line(in->fs->fmt, l, &ev, &in->reason);
	if (rc == FORMAT_RECORD_BROKEN) { /* rejected where it began; L is read afresh */
		struct file_state *fs = in->fs;
		add_reject(in, fs, fs->open_record ? fs->open_record : l->number, "", 0, in->reason.data,
			   in->reason.len);
		fs->open_record = 0;
		buf_reset(&in->reason);
		rc = ingest_parse_line(fs->fmt, l, &ev, &in->reason);
	}
	return store_line(in, in->fs, l, end_offset, rc, &ev, in->reason.data, in->reason.len);
}

/*
 * Store what the parser threads hold, earlier files' ends included: before anything is stored
 * here. Returns 0, or -1 when the run failed.
 */
static int finish_pool(struct ingest *in)
{
	return in->pool ? ingest_pool_finish(in->pool, &in->sink) : 0;
}

/*
 * Parse and store line L: on the parser threads when THREADS, else here, after what the
 * threads hold. The threads load their own formats: started at the first line they get, so
 * a run that finds nothing new never pays for them. Returns 0, or -1 when the run failed
 * (ERR set when the threads could not start).
 */
static int take_line(struct ingest *in, bool threads, const struct source_line *l, uint64_t end_offset,
		     struct buf *err)
{
	if (!threads)
		return finish_pool(in) < 0 ? -1 : process_line(in, l, end_offset);
	if (!in->pool && !(in->pool = ingest_pool_start(in->set, err)))
		return -1;
	in->fs->in_pool = true;
	return ingest_pool_add(in->pool, in->fs->fmt, in->fs, l, end_offset, &in->sink);
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
	/* Truncated under us (copytruncate): every line returned is good, and the rest is in
	 * the rotated copy, which is read on from this checkpoint. Not a failure of the file. */
	fs->truncated = read_error && rc == SOURCE_TRUNCATED;
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
	/* reset and resume need the format compiled (parsing compiles it too: format_parse, and
	 * a format that cannot be compiled stops the run there too: no file can be read with it) */
	if (fs->fmt && (fs->fmt->ops->reset || fs->fmt->ops->resume) && format_compile(fs->fmt, err) < 0) {
		name_file(fs, err);
		ret = -1;
		goto out;
	}
	if (fs->fmt && fs->resumed && fs->fmt->ops->resume) {
		size_t head_n;
		const char *head = source_head(fs->src, &head_n);
		if (fs->fmt->ops->resume(fs->fmt, head, head_n, err) < 0) {
			name_file(fs, err);
			goto out;
		}
	} else if (fs->fmt && fs->fmt->ops->reset) {
		fs->fmt->ops->reset(fs->fmt);
	}
	bool threads = fs->fmt && fs->fmt->ops->parallel && !in->opt->single_thread;
	/* The first lines go to the threads too when more follow: a file of no more lines than
	 * that is parsed here, without a hand-over per file. */
	bool more_follow = !read_error && (n == DETECT_LINES || text.len >= DETECT_BYTES);
	for (size_t i = 0; fs->fmt && i < n; i++) {
		struct source_line dline = { lines[i].p, lines[i].n, dl[i].number, dl[i].too_long,
					     dl[i].unterminated, dl[i].full_len };
		if (hold_back(in, fs, dline.unterminated))
			break;
		if (take_line(in, threads && more_follow, &dline, dl[i].end_offset, err) < 0) {
			ret = -1;
			goto out;
		}
	}
	uint64_t n_read = 0;
	while (!read_error && !fs->held_back && (rc = source_next_line(fs->src, &l, err)) > 0) {
		if (hold_back(in, fs, l.unterminated))
			break;
		if (take_line(in, threads, &l, source_offset(fs->src), err) < 0) {
			ret = -1;
			goto out;
		}
		if (in->opt->on_progress && ++n_read % PROGRESS_LINES == 0)
			progress(in, fs);
	}
	/* Lines before a read error are stored too: what the threads hold is stored before the
	 * file ends (end_file). */
	if (read_error) {
		ret = fs->truncated ? 0 : 1;
		goto out;
	}
	if (fs->held_back) { /* all there is so far, but a half line: fine, the next run reads it */
		ret = 0;
		goto out;
	}
	fs->truncated = rc == SOURCE_TRUNCATED;
	if (rc == 0 && fs->open_record && !fs->held_back && end_open_record(in, fs, source_offset(fs->src)) < 0) {
		ret = -1;
		goto out;
	}
	ret = rc < 0 && !fs->truncated ? 1 : 0;
out:
	buf_free(&text);
	free(dl);
	return ret;
}

/* Tell the caller what file FS gave. */
static void report(struct ingest *in, struct file_state *fs)
{
	if (!in->opt->on_file)
		return;
	int status = fs->status;
	struct ingest_file_result r = {
		.path = fs->path, .status = status, .error = status != 0 && fs->err.len ? fs->err.data : NULL,
		.warning = status == 0 && fs->truncated && fs->err.len ? fs->err.data : NULL,
		.is_empty = fs->is_empty, .is_counted = fs->is_counted,
		.lines = fs->lines, .events = fs->events, .rejected = fs->rejected, .skipped = fs->skipped,
		.duplicates = fs->duplicates, .is_resumed = fs->resumed, .resumed_after = fs->resumed_after,
		.is_held_back = fs->held_back, .is_lookalike = fs->lookalike, .is_truncated = fs->truncated,
		.truncated_after = fs->last_line,
		.format = fs->fmt ? fs->fmt->name : NULL, .is_detected = fs->fmt && fs->detected,
		.detect_matched = fs->detect_matched, .detect_tried = fs->detect_tried, .seconds = now() - fs->t0,
	};
	in->opt->on_file(in->opt->ctx, &r);
}

/*
 * Which known file FS is (see fileid.h), and what the batch must record of it now: a new
 * file's row, a known file's new name or longer head. A known file under the same name
 * records nothing unless it gives something new. 0, 1 the file failed, -1 the database failed.
 */
static int identify(struct ingest *in, struct file_state *fs, const char *path)
{
	struct fileid id;
	int rc = fileid_identify(in->st, &in->run, &fs->src, path, in->opt->max_line, &id, &fs->err);
	if (rc != 0)
		return rc;
	fs->sf = id.sf;
	fs->resumed = id.is_resumed;
	fs->resumed_after = id.sf.lines;
	fs->lookalike = id.is_lookalike;
	if (id.sf.is_new || id.is_claimed) {
		/* a file new in this batch stays new: its row is inserted under the latest name */
		struct batch_file *f = batch_file(in->b, fs->sf.id);
		f->is_new |= id.sf.is_new;
		f->is_claimed = !f->is_new;
		const char *name = fileid_run_name(&in->run, fs->sf.id);
		if (!name)
			name = fs->path;
		f->name_len = (uint32_t)strlen(name);
		f->name_off = batch_text(in->b, name, f->name_len);
		f->head_len = fs->sf.head_len;
		memcpy(f->fingerprint, fs->sf.fingerprint, sizeof(f->fingerprint));
	}
	/* the run knows it from now on, under the name it was first seen under in the run */
	const char *run_name = fileid_run_name(&in->run, fs->sf.id);
	fileid_run_update(&in->run, &fs->sf, run_name ? run_name : fs->path, NULL);
	return 0;
}

/*
 * --max-reject-rate: the lines this run read of FS, or when it read none, the failure an
 * earlier run recorded. A failure is recorded with the file's checkpoint (F, in the batch)
 * and said again by every later run with a limit it exceeds, until a run reads new lines of
 * the file within its limit. Returns 1 when the file fails (ERR set), else 0.
 */
static int check_reject_rate(struct ingest *in, struct file_state *fs, struct buf *err)
{
	double limit = in->opt->max_reject_rate;
	uint64_t counted = fs->lines - fs->skipped;
	if (limit < 0)
		return 0;
	if (counted == 0) {
		if (!fs->sf.has_failure || fs->sf.failure_rate <= limit)
			return 0;
		buf_printf(err, "%s: %.1f%% of its lines were rejected when it was read, more than --max-reject-rate "
				"%g%%, and nothing new was read since (see the files and rejects views)", fs->path,
			   fs->sf.failure_rate, limit);
		return 1;
	}
	double pct = 100.0 * (double)fs->rejected / (double)counted;
	struct batch_file *f = batch_file(in->b, fs->sf.id);
	if (pct <= limit) {
		if (fs->sf.has_failure) { /* it gained lines within the limit: the failure is over */
			f->set_failure = -1;
			fs->sf.has_failure = false;
			fileid_run_update(&in->run, &fs->sf, fileid_run_name(&in->run, fs->sf.id), NULL);
		}
		return 0;
	}
	struct buf what = BUF_INIT;
	buf_printf(&what, "%.1f%% of lines rejected, more than --max-reject-rate %g%%", pct, limit);
	buf_printf(err, "%s: %s (see the rejects view)", fs->path, what.data);
	f->set_failure = 1;
	f->failure_rate = pct;
	f->failure_len = (uint32_t)what.len;
	f->failure_off = batch_text(in->b, what.data, what.len);
	fs->sf.has_failure = true;
	fs->sf.failure_rate = pct;
	fileid_run_update(&in->run, &fs->sf, fileid_run_name(&in->run, fs->sf.id), NULL);
	buf_free(&what);
	return 1;
}

/*
 * The end of file FS, once its last line is stored: its checkpoint, its reject rate, its
 * report and its counts in the run's totals. Frees FS. Returns 0, or -1 when the run failed.
 */
static int end_file(struct ingest *in, struct file_state *fs)
{
	if (fs->status >= 0 && fs->is_read) {
		/* A file that gave nothing new under its stored name records nothing: no write at all. */
		if (fs->lines || fs->sf.is_new)
			checkpoint(in, fs);
		if (fs->status == 0)
			fs->status = check_reject_rate(in, fs, &fs->err);
		if (in->b->n_files >= INGEST_BATCH_FILES && flush_batch(in) < 0)
			fs->status = -1;
	}
	if (fs->status == -1) {
		/* The run stopped: with this file (its own error, or the writer's), or with a file
		 * before it that said why (a pending file's last lines failed while this was read). */
		if (!in->failure_told)
			ingest_writer_error(in->writer, &fs->err);
		if (!fs->err.len)
			buf_printf(&fs->err, "%s: not read to its end: the run stopped", fs->path);
		in->failure_told = true;
		in->failed = true;
		fs->is_counted = false; /* part of what it read may be committed, part not */
	}
	report(in, fs);
	in->totals->files++;
	in->totals->failed_files += fs->status != 0;
	in->totals->lines += fs->lines;
	in->totals->events += fs->events;
	in->totals->rejected += fs->rejected;
	in->totals->skipped += fs->skipped;
	in->totals->duplicates += fs->duplicates;
	if (fs->src)
		in->totals->bytes += source_offset(fs->src);
	int rc = fs->status < 0 ? -1 : 0;
	source_close(fs->src);
	buf_free(&fs->err);
	free(fs);
	return rc;
}

/* The pool's sink: the oldest pending file's last line is stored. */
static int end_line(void *ctx, void *owner)
{
	struct ingest *in = ctx;
	struct file_state *fs = in->pending;
	if (fs != owner) /* the pool hands files back in the order they were read */
		abort();
	if (!(in->pending = fs->next))
		in->pending_tail = &in->pending;
	return end_file(in, fs);
}

/*
 * The run failed while files were pending (their last lines were not all stored): each is
 * reported as failed, in the order they were read, the first with the reason (end_file).
 */
static void abandon_pending(struct ingest *in)
{
	while (in->pending) {
		struct file_state *fs = in->pending;
		in->pending = fs->next;
		fs->status = -1;
		end_file(in, fs);
	}
	in->pending_tail = &in->pending;
}

/*
 * Could the file whose head is HEAD[0..N) be one of the pending files, or begin like one?
 * Then it is identified only once they are ended: the run must know their checkpoints
 * (the same file twice in a run, a copy, a lookalike).
 */
static bool like_pending(const struct ingest *in, const char *head, size_t n)
{
	for (const struct file_state *p = in->pending; p; p = p->next) {
		size_t pn;
		const char *ph = source_head(p->src, &pn);
		if (memcmp(head, ph, n < pn ? n : pn) == 0)
			return true;
	}
	return false;
}

/*
 * One file: open, identify, read. Its end (end_file) follows at once, or, while the parser
 * threads still hold its last lines, once they are stored: the next file is read meanwhile.
 * Every file is reported either way; a failure that stops the run sets in->failed.
 */
static void ingest_file(struct ingest *in, const char *path)
{
	struct file_state *fs = xcalloc(1, sizeof(*fs));
	size_t head_n;
	int ret = 1;

	fs->path = path;
	fs->t0 = now();
	if (source_open(&fs->src, path, in->opt->max_line, &fs->err) < 0)
		goto out;
	/* What cannot be read again is named for what it is ("(stdin)", "/dev/fd/63 (pipe)"). */
	if (!source_is_rereadable(fs->src))
		fs->path = source_name(fs->src);
	const char *head = source_head(fs->src, &head_n);
	/* Empty, or blank lines only: nothing to identify it by, nothing to count. */
	if (head_n < SOURCE_HEAD_MAX && format_text_is_blank(head, head_n)) {
		fs->is_empty = true;
		ret = 0;
		goto out;
	}
	if (like_pending(in, head, head_n) && finish_pool(in) < 0) {
		ret = -1;
		goto out;
	}
	in->fs = fs;
	if ((ret = identify(in, fs, path)) != 0)
		goto out;
	ret = 1;
	fs->rejects_total = fs->sf.rejected;
	if (in->opt->format && strcmp(in->opt->format, "auto") != 0)
		fs->fmt = format_find(in->set, in->opt->format);
	if (fs->resumed && !fs->fmt) {
		const char *run_format = fileid_run_format(&in->run, fs->sf.id);
		char *known = NULL;
		if (!run_format && store_file_format(in->st, fs->sf.id, &known, &fs->err) < 0) {
			ret = -1;
			goto out;
		}
		if (run_format || known)
			fs->fmt = format_find(in->set, run_format ? run_format : known);
		free(known);
	}
	fs->last_offset = fs->sf.bytes;
	fs->last_line = fs->sf.lines;
	ret = read_file(in, fs, &fs->err);
	if (ret >= 0) {
		fs->is_read = true;
		fs->is_counted = fs->fmt || ret == 0;
	}
out:
	in->fs = NULL;
	fs->status = ret;
	if (ret >= 0 && fs->in_pool) {
		/* Its end is called when its last chunk, the newest, is stored: not inside this call,
		 * which stores the oldest chunk at most, so FS is queued in time. */
		int pending = ingest_pool_end(in->pool, fs, &in->sink);
		if (pending > 0) {
			*in->pending_tail = fs;
			in->pending_tail = &fs->next;
			return;
		}
		if (pending < 0)
			fs->status = -1;
	}
	/* ended here, after the files before it */
	if (fs->status >= 0 && finish_pool(in) < 0)
		fs->status = -1;
	if (fs->status < 0)
		abandon_pending(in);
	end_file(in, fs);
}

int ingest_run(struct store *st, const struct format_set *set, const struct ingest_options *opt,
	       char *const *files, size_t n_files, struct ingest_totals *totals, struct buf *err)
{
	struct ingest in = { .st = st, .set = set, .opt = opt, .totals = totals };
	int status = -1;

	memset(totals, 0, sizeof(*totals));
	in.t_start = now();
	in.sink = (struct ingest_sink){ store_line, end_line, &in };
	in.pending_tail = &in.pending;
	if (fileid_run_init(&in.run, st, err) < 0)
		goto out;
	if (encode_init(&in.enc, st, opt->cache_bytes ? opt->cache_bytes : INGEST_CACHE_BYTES, opt->estimates,
			opt->n_estimates, err) < 0)
		goto out;
	if (!(in.writer = ingest_writer_start(st, err)))
		goto out;
	in.b = ingest_writer_get(in.writer);
	for (size_t i = 0; i < n_files && !in.failed; i++)
		ingest_file(&in, files[i]);
	/* the files still pending end, unless the run failed */
	if (!in.failed && finish_pool(&in) < 0)
		in.failed = true;
	abandon_pending(&in);
	status = in.failed ? -1 : totals->failed_files ? 1 : 0;
	/* the last files' checkpoints, unless the run failed (then they are not exact) */
	if (status >= 0 && in.b && !batch_is_empty(in.b)) {
		ingest_writer_submit(in.writer, in.b);
		in.b = NULL;
	}
	if (ingest_writer_drain(in.writer) < 0 && status >= 0) {
		ingest_writer_error(in.writer, err);
		status = -1;
	}
out:
	ingest_writer_stop(in.writer);
	ingest_pool_stop(in.pool);
	encode_free(&in.enc);
	fileid_run_free(&in.run);
	buf_free(&in.reason);
	return status;
}
