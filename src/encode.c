/* Event to row: ids, memos, scrubbing, de-duplication, estimates. See encode.h. */
#include "encode.h"

#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

int encode_estimates_parse(const char *spec, struct encode_estimate **list, size_t *n, struct buf *err)
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

void encode_estimates_free(struct encode_estimate *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(list[i].operation);
	free(list);
}

int encode_init(struct encoder *e, struct store *st, size_t cache_bytes, const struct encode_estimate *estimates,
		size_t n_estimates, struct buf *err)
{
	memset(e, 0, sizeof(*e));
	hashmap_init(&e->raw_values);
	hashmap_init(&e->inferred);
	e->estimates = estimates;
	e->n_estimates = n_estimates;
	e->scrub = credential_scrubber_new();
	if (provider_rules_load(&e->providers, err) < 0)
		return -1;
	return dict_init(&e->dict, st, cache_bytes, err);
}

void encode_free(struct encoder *e)
{
	encode_forget(e); /* wipes the secrets, frees raw_values */
	for (int i = 0; i < BATCH_DIM_N; i++)
		buf_free(&e->memo[i].value);
	dict_free(&e->dict);
	credential_scrubber_free(e->scrub);
	provider_rules_free(e->providers);
	buf_free(&e->infer);
	buf_free(&e->clean);
	buf_free(&e->tmp);
	buf_free(&e->scrubbed);
}

bool encode_is_full(const struct encoder *e)
{
	/* The raw-value cache counts against the same cap as the dictionary's caches. */
	const struct dict *d = &e->dict;
	return hashmap_bytes(&d->values) + hashmap_bytes(&d->secrets) + hashmap_bytes(&d->fps) +
	       hashmap_bytes(&d->seen) + d->seen_cap * sizeof(*d->seen_v) + hashmap_bytes(&e->raw_values) +
	       hashmap_bytes(&e->inferred) > d->max_bytes;
}

void encode_forget(struct encoder *e)
{
	dict_forget(&e->dict);
	hashmap_free(&e->raw_values); /* its memory too: see dict_forget */
	hashmap_free(&e->inferred);
	for (int i = 0; i < BATCH_DIM_N; i++) {
		if (e->memo[i].value.data)
			sodium_memzero(e->memo[i].value.data, e->memo[i].value.cap);
		buf_reset(&e->memo[i].value);
		e->memo[i].valid = false;
	}
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

/*
 * Every text field may carry a credential by accident (an error message quoting the key, a
 * key in a URL path, a token logged as the user): it is masked like a rejected line before
 * it is stored. An identifier (IS_ID: the request id) is random by design: known shapes only.
 */
static const char *scrubbed(struct encoder *e, const char *p, size_t n, bool is_id, size_t *out_n)
{
	buf_reset(&e->scrubbed);
	(is_id ? credential_scrub_id : credential_scrub)(e->scrub, p, n, &e->scrubbed);
	return clean_text(&e->clean, e->scrubbed.data ? e->scrubbed.data : "", e->scrubbed.len, out_n);
}

void encode_reject(struct encoder *e, struct batch *b, uint64_t line, const char *p, size_t n, const char *why,
		   size_t why_n)
{
	size_t tn;
	struct buf reason = BUF_INIT;
	/* A reason may quote the line ("bad time ..."): masked like the line itself. */
	buf_reset(&e->tmp);
	credential_scrub(e->scrub, why_n ? why : "rejected", why_n ? why_n : 8, &e->tmp);
	const char *r = clean_text(&e->clean, e->tmp.data, e->tmp.len, &tn);
	/* A reason may quote a whole value (up to --max-line): cut only after masking. */
	tn = utf8_cut(r, tn, ENCODE_REJECT_TEXT_MAX);
	buf_add(&reason, r, tn); /* a copy: e->clean is used again for the text */
	/* Mask the whole line (bounded by --max-line) before cutting it, so a cut never
	 * leaves part of a secret in the clear. */
	buf_reset(&e->tmp);
	credential_scrub(e->scrub, p, n, &e->tmp);
	const char *text = clean_text(&e->clean, e->tmp.data ? e->tmp.data : "", e->tmp.len, &tn);
	tn = utf8_cut(text, tn, ENCODE_REJECT_TEXT_MAX);
	batch_add_reject(b, line, reason.data, reason.len, text, tn);
	buf_free(&reason);
}

static int64_t memo_get(struct encode_memo *m, const char *p, size_t n)
{
	if (m->valid && m->value.len == n && memcmp(m->value.data, p, n) == 0)
		return m->id;
	return 0;
}

static void memo_set(struct encode_memo *m, const char *p, size_t n, int64_t id)
{
	buf_reset(&m->value);
	buf_add(&m->value, p, n);
	m->id = id;
	m->valid = id > 0;
}

/* The dict id of text S of dimension DIM (0: NULL), or -1 with ERR set. */
static int64_t text_id(struct encoder *e, struct batch *b, enum batch_dim dim, const struct slice *s,
		       struct buf *err)
{
	size_t n;
	int64_t id;
	if (!s->p)
		return 0;
	if ((id = memo_get(&e->memo[dim], s->p, s->n)))
		return id;
	/* Values share one dictionary whatever their dimension, so one cache serves them all. */
	uint64_t *slot = hashmap_get(&e->raw_values, s->p, s->n);
	if (slot) {
		id = (int64_t)*slot;
	} else {
		const char *p = scrubbed(e, s->p, s->n, false, &n);
		if ((id = dict_value_id(&e->dict, b, p, n, err)) < 0)
			return -1;
		*hashmap_put(&e->raw_values, s->p, s->n, NULL) = (uint64_t)id;
	}
	memo_set(&e->memo[dim], s->p, s->n, id);
	return id;
}

static int64_t credential_id(struct encoder *e, struct batch *b, const char *p, size_t n, struct buf *err)
{
	int64_t id;
	if ((id = memo_get(&e->memo[BATCH_DIM_TOKEN], p, n)))
		return id;
	id = dict_credential_id(&e->dict, b, p, n, err);
	memo_set(&e->memo[BATCH_DIM_TOKEN], p, n, id);
	return id;
}

static uint32_t free_text(struct encoder *e, struct batch *b, const struct slice *s, bool is_id, uint32_t *len)
{
	size_t n;
	if (!s->p) {
		*len = 0;
		return 0;
	}
	const char *p = scrubbed(e, s->p, s->n, is_id, &n);
	*len = (uint32_t)n;
	return batch_text(b, p, n);
}

/*
 * An event that logged no token count at all gets the configured estimate for its
 * operation as total_tokens (kinds stay NULL) and is marked estimated: never silent.
 */
static void estimate(const struct encoder *e, struct event *ev)
{
	if (!e->n_estimates || event_has(ev, EV_TOTAL_TOKENS))
		return;
	const struct slice *op = &ev->text[EV_OPERATION];
	const struct encode_estimate *any = NULL;
	for (size_t i = 0; i < e->n_estimates; i++) {
		const struct encode_estimate *est = &e->estimates[i];
		if (strcmp(est->operation, "*") == 0)
			any = est;
		else if (op->p && strlen(est->operation) == op->n && memcmp(est->operation, op->p, op->n) == 0) {
			any = est;
			break;
		}
	}
	if (any) {
		event_set_num(ev, EV_TOTAL_TOKENS, any->tokens);
		ev->estimated = true;
	}
}

/* A figure de-duplication compares (see sql/migrate/006-keep-last.sql): STORE_SEEN_NONE when unset. */
static int64_t figure(const struct event *ev, enum event_num n)
{
	return event_has(ev, n) ? ev->num[n] : STORE_SEEN_NONE;
}

/* The provider of one field's value (KIND 'm' model, 'e' endpoint), remembered per value. */
static const char *inferred_by(struct encoder *e, char kind, const struct slice *s)
{
	static const struct slice none = { NULL, 0 };
	bool is_new;
	if (!s->p)
		return NULL;
	buf_reset(&e->infer);
	buf_addc(&e->infer, kind);
	buf_add(&e->infer, s->p, s->n);
	uint64_t *slot = hashmap_put(&e->inferred, e->infer.data, e->infer.len, &is_new);
	if (is_new) {
		const char *p = provider_infer(e->providers, kind == 'm' ? s : &none, kind == 'e' ? s : &none,
					       &e->infer);
		*slot = (uint64_t)(uintptr_t)p;
	}
	return (const char *)(uintptr_t)*slot;
}

/* A provider from the model's family, else from the endpoint (sql/providers.sql), when one matches. */
static void infer_provider(struct encoder *e, struct event *ev)
{
	const char *p = inferred_by(e, 'm', &ev->text[EV_MODEL]);
	if (!p)
		p = inferred_by(e, 'e', &ev->text[EV_ENDPOINT]);
	if (p)
		ev->text[EV_PROVIDER] = (struct slice){ p, strlen(p) };
}

int encode_event(struct encoder *e, struct batch *b, int64_t file_id, const char *format, uint64_t line,
		 struct event *ev, struct buf *err)
{
	static const enum batch_dim dims[] = { BATCH_DIM_USER, BATCH_DIM_ENDPOINT, BATCH_DIM_METHOD,
					       BATCH_DIM_MODEL, BATCH_DIM_PROVIDER, BATCH_DIM_OPERATION,
					       BATCH_DIM_PROJECT, BATCH_DIM_SESSION, BATCH_DIM_SERVICE_TIER };
	static const enum event_text texts[] = { EV_USER, EV_ENDPOINT, EV_METHOD, EV_MODEL, EV_PROVIDER,
						 EV_OPERATION, EV_PROJECT, EV_SESSION, EV_SERVICE_TIER };
	unsigned char key[16];
	size_t seen_at = 0;
	bool has_dedup = false;
	int stored = 0;

	estimate(e, ev);
	e->replaced = 0;
	e->is_replaced_in_batch = false;
	if (ev->dedup.p) {
		/* Keys are compared across files (a session's lines recur in its subagent files)
		 * but never across formats: the format's name is part of the hash. */
		crypto_generichash_state h;
		crypto_generichash_init(&h, NULL, 0, sizeof(key));
		crypto_generichash_update(&h, (const unsigned char *)format, strlen(format) + 1);
		crypto_generichash_update(&h, (const unsigned char *)ev->dedup.p, ev->dedup.n);
		crypto_generichash_final(&h, key, sizeof(key));
		struct dict_seen *ds;
		int seen = dict_seen(&e->dict, key, &ds, err);
		if (seen < 0)
			return -1;
		seen_at = (size_t)(ds - e->dict.seen_v);
		if (seen) {
			/* Keep-last: a record's later line counts instead when its figures are larger
			 * (a streamed message's output grows line by line); a tie keeps the first. An
			 * event pruned since (event 0) stays counted as it was. */
			int64_t out = figure(ev, EV_OUTPUT_TOKENS), total = figure(ev, EV_TOTAL_TOKENS);
			if (!ds->s.event || out < ds->s.output_tokens ||
			    (out == ds->s.output_tokens && total <= ds->s.total_tokens))
				return 1;
			e->replaced = ds->s.event;
			if (ds->batch == b && ds->serial == b->serial) {
				b->rows[ds->row].is_dropped = true; /* not summed yet: see batch_row */
				e->is_replaced_in_batch = true;
			} else {
				batch_add_replaced(b, ds->s.event);
			}
			stored = 2;
		}
		has_dedup = true;
	}
	if (!ev->text[EV_PROVIDER].p) /* stored, so every report groups by it and prices see it */
		infer_provider(e, ev);
	struct batch_row *r = batch_add_row(b);
	r->id = store_event_id(file_id, line);
	r->epoch = ev->epoch;
	if (ev->text[EV_TOKEN].p) {
		const char *p = ev->text[EV_TOKEN].p;
		size_t n = ev->text[EV_TOKEN].n;
		credential_strip_scheme(&p, &n);
		if (n && !(n == 1 && *p == '-') && (r->dim[BATCH_DIM_TOKEN] = credential_id(e, b, p, n, err)) < 0)
			return -1;
	}
	for (size_t i = 0; i < sizeof(dims) / sizeof(dims[0]); i++)
		if ((r->dim[dims[i]] = text_id(e, b, dims[i], &ev->text[texts[i]], err)) < 0)
			return -1;
	memcpy(r->num, ev->num, sizeof(r->num));
	r->num_set = ev->num_set;
	r->request_id_off = free_text(e, b, &ev->text[EV_REQUEST_ID], true, &r->request_id_len);
	r->error_off = free_text(e, b, &ev->text[EV_ERROR], false, &r->error_len);
	r->failed = ev->failed;
	r->estimated = ev->estimated;
	if (has_dedup) {
		struct dict_seen *ds = &e->dict.seen_v[seen_at];
		r->has_dedup = true;
		memcpy(r->dedup, key, sizeof(key));
		r->is_pending = true; /* summed when the batch is written, unless a later line drops it */
		ds->s.event = r->id;
		ds->s.output_tokens = figure(ev, EV_OUTPUT_TOKENS);
		ds->s.total_tokens = figure(ev, EV_TOTAL_TOKENS);
		ds->batch = b;
		ds->serial = b->serial;
		ds->row = b->nrows - 1;
		return stored;
	}
	batch_aggregate(b, r);
	return 0;
}
