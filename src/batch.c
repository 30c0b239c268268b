/* The in-memory batch and its aggregates; see batch.h. */
#include "batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timefmt.h"

void batch_init(struct batch *b)
{
	memset(b, 0, sizeof(*b));
	hashmap_init(&b->daily_map);
	hashmap_init(&b->hourly_map);
	hashmap_init(&b->cred_map);
}

void batch_reset(struct batch *b)
{
	b->nrows = b->n_new_dict = b->n_new_cred = b->n_daily = b->n_hourly = b->n_cred = b->n_rejects = 0;
	b->n_files = 0;
	b->n_replaced = 0;
	b->serial++;
	b->file_id = 0;
	buf_reset(&b->text);
	hashmap_clear(&b->daily_map);
	hashmap_clear(&b->hourly_map);
	hashmap_clear(&b->cred_map);
}

void batch_free(struct batch *b)
{
	free(b->rows);
	buf_free(&b->text);
	free(b->new_dict);
	free(b->new_cred);
	hashmap_free(&b->daily_map);
	hashmap_free(&b->hourly_map);
	hashmap_free(&b->cred_map);
	free(b->daily);
	free(b->hourly);
	free(b->cred);
	free(b->rejects);
	free(b->files);
	free(b->replaced);
	memset(b, 0, sizeof(*b));
}

#define GROW(arr, n, cap) do { \
	if ((n) == (cap)) { \
		(cap) = (cap) ? (cap) * 2 : 256; \
		(arr) = xrealloc((arr), (cap) * sizeof(*(arr))); \
	} \
} while (0)

struct batch_file *batch_file(struct batch *b, int64_t id)
{
	/* the file being read is the last one added: look from the end */
	for (size_t i = b->n_files; i-- > 0;)
		if (b->files[i].id == id)
			return &b->files[i];
	GROW(b->files, b->n_files, b->files_cap);
	struct batch_file *f = &b->files[b->n_files++];
	memset(f, 0, sizeof(*f));
	f->id = id;
	return f;
}

bool batch_is_empty(const struct batch *b)
{
	return !b->nrows && !b->n_rejects && !b->n_files && !b->n_new_dict && !b->n_new_cred && !b->n_replaced;
}

struct batch_row *batch_add_row(struct batch *b)
{
	GROW(b->rows, b->nrows, b->rows_cap);
	struct batch_row *r = &b->rows[b->nrows++];
	memset(r, 0, sizeof(*r));
	return r;
}

uint32_t batch_text(struct batch *b, const char *p, size_t n)
{
	uint32_t off = (uint32_t)b->text.len;
	buf_add(&b->text, p, n);
	return off;
}

void batch_add_value(struct batch *b, int64_t id, const char *p, size_t n)
{
	GROW(b->new_dict, b->n_new_dict, b->new_dict_cap);
	struct batch_new_text *t = &b->new_dict[b->n_new_dict++];
	t->id = id;
	t->off = batch_text(b, p, n);
	t->len = (uint32_t)n;
}

void batch_add_credential(struct batch *b, int64_t id, const char *fingerprint, const char *display,
				size_t n)
{
	GROW(b->new_cred, b->n_new_cred, b->new_cred_cap);
	struct batch_new_text *t = &b->new_cred[b->n_new_cred++];
	t->id = id;
	t->off = batch_text(b, display, n);
	t->len = (uint32_t)n;
	snprintf(t->fingerprint, sizeof(t->fingerprint), "%s", fingerprint);
}

void batch_add_reject(struct batch *b, uint64_t line, const char *reason, size_t reason_n,
			    const char *text, size_t text_n)
{
	GROW(b->rejects, b->n_rejects, b->rejects_cap);
	struct batch_reject *r = &b->rejects[b->n_rejects++];
	r->file_id = b->file_id;
	r->line = line;
	r->reason_off = batch_text(b, reason, reason_n);
	r->reason_len = (uint32_t)reason_n;
	r->text_off = batch_text(b, text, text_n);
	r->text_len = (uint32_t)text_n;
}

static void sums_add(struct batch_sums *s, const struct batch_row *r, bool is_error)
{
	static const enum event_num kinds[BATCH_TOKENS] = { EV_INPUT_TOKENS, EV_OUTPUT_TOKENS,
							    EV_CACHE_READ_TOKENS, EV_CACHE_WRITE_TOKENS,
							    EV_TOTAL_TOKENS, EV_CACHE_WRITE_1H_TOKENS };
	s->requests++;
	s->errors += is_error;
	s->estimated += r->estimated;
	for (int i = 0; i < BATCH_TOKENS; i++)
		if (r->num_set & (1u << kinds[i])) {
			s->tokens[i] += r->num[kinds[i]];
			s->tokens_set |= (uint8_t)(1u << i);
		}
}

static void latency_add(struct batch_latency *l, const struct batch_row *r)
{
	int64_t ms = r->num[EV_LATENCY_MS];
	if (!(r->num_set & (1u << EV_LATENCY_MS)))
		return; /* no latency logged: not 0 ms, and not counted */
	if (l->n == 0 || ms > l->max)
		l->max = ms;
	l->n++;
	l->sum += ms;
	l->bucket[latency_bucket(ms)]++;
}

void batch_aggregate(struct batch *b, const struct batch_row *r)
{
	bool is_new;
	bool has_status = r->num_set & (1u << EV_STATUS);
	bool is_error = event_is_error_values(r->failed, has_status, r->num[EV_STATUS]);
	int64_t day = timefmt_day(r->epoch), hour = timefmt_hour(r->epoch);

	int64_t dkey[9] = { day, r->dim[BATCH_DIM_TOKEN], r->dim[BATCH_DIM_USER], r->dim[BATCH_DIM_ENDPOINT],
			    r->dim[BATCH_DIM_MODEL], r->dim[BATCH_DIM_PROVIDER], r->dim[BATCH_DIM_OPERATION],
			    r->dim[BATCH_DIM_PROJECT], r->dim[BATCH_DIM_SERVICE_TIER] };
	uint64_t *slot = hashmap_put(&b->daily_map, dkey, sizeof(dkey), &is_new);
	if (is_new) {
		GROW(b->daily, b->n_daily, b->daily_cap);
		memset(&b->daily[b->n_daily], 0, sizeof(b->daily[0]));
		memcpy(b->daily[b->n_daily].key, dkey, sizeof(dkey));
		*slot = b->n_daily++;
	}
	sums_add(&b->daily[*slot].s, r, is_error);
	latency_add(&b->daily[*slot].lat, r);

	int64_t hkey[4] = { hour, r->dim[BATCH_DIM_TOKEN], r->dim[BATCH_DIM_USER], r->dim[BATCH_DIM_MODEL] };
	slot = hashmap_put(&b->hourly_map, hkey, sizeof(hkey), &is_new);
	if (is_new) {
		GROW(b->hourly, b->n_hourly, b->hourly_cap);
		memset(&b->hourly[b->n_hourly], 0, sizeof(b->hourly[0]));
		memcpy(b->hourly[b->n_hourly].key, hkey, sizeof(hkey));
		*slot = b->n_hourly++;
	}
	sums_add(&b->hourly[*slot].s, r, is_error);

	int64_t tok = r->dim[BATCH_DIM_TOKEN];
	if (!tok)
		return;
	slot = hashmap_put(&b->cred_map, &tok, sizeof(tok), &is_new);
	if (is_new) {
		GROW(b->cred, b->n_cred, b->cred_cap);
		struct batch_cred *c = &b->cred[b->n_cred];
		memset(c, 0, sizeof(*c));
		c->id = tok;
		c->first_seen = c->last_seen = r->epoch;
		c->last_status_at = c->rl_at = c->last_429_at = -1;
		*slot = b->n_cred++;
	}
	struct batch_cred *c = &b->cred[*slot];
	if (r->epoch < c->first_seen)
		c->first_seen = r->epoch;
	if (r->epoch > c->last_seen)
		c->last_seen = r->epoch;
	c->requests++;
	c->errors += is_error;
	if (has_status) {
		if (c->last_status_at < 0 || r->epoch >= c->last_status_at) {
			c->last_status = r->num[EV_STATUS];
			c->last_status_at = r->epoch;
		}
		if (r->num[EV_STATUS] == 429 && r->epoch > c->last_429_at)
			c->last_429_at = r->epoch;
	}
	if ((r->num_set & (1u << EV_RL_REMAINING)) && (c->rl_at < 0 || r->epoch >= c->rl_at)) {
		c->rl_at = r->epoch;
		c->rl_remaining = r->num[EV_RL_REMAINING];
		c->rl_limit = r->num[EV_RL_LIMIT];
		c->rl_reset = r->num[EV_RL_RESET];
		c->rl_set = (uint8_t)(((r->num_set >> EV_RL_LIMIT) & 1) | (((r->num_set >> EV_RL_RESET) & 1) << 1));
	}
}

void batch_aggregate_pending(struct batch *b)
{
	for (size_t i = 0; i < b->nrows; i++) {
		struct batch_row *r = &b->rows[i];
		if (r->is_pending && !r->is_dropped)
			batch_aggregate(b, r);
		r->is_pending = false;
	}
}

void batch_add_replaced(struct batch *b, int64_t id)
{
	GROW(b->replaced, b->n_replaced, b->replaced_cap);
	b->replaced[b->n_replaced++] = id;
}
