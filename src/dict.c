/* Id caches for the ingest producer; see dict.h. */
#include "dict.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "credential.h"

/* Below this many entries the whole dictionary is loaded at start, so misses are new values. */
#define DICT_PRELOAD_MAX 200000

static void add_loaded(void *ctx, const char *p, size_t n, int64_t id)
{
	struct dict *d = ctx;
	*hashmap_put(&d->values, p, n, NULL) = (uint64_t)id;
}

int dict_init(struct dict *d, struct store *st, size_t max_bytes, struct buf *err)
{
	int64_t max_id = 0, count = 0, max_cred = 0, seen_any = 0, bytes = 0;
	memset(d, 0, sizeof(*d));
	d->st = st;
	d->max_bytes = max_bytes;
	hashmap_init(&d->values);
	hashmap_init(&d->secrets);
	hashmap_init(&d->fps);
	hashmap_init(&d->seen);
	if (store_dict_max_id(st, &max_id, &count, err) < 0 || store_cred_max_id(st, &max_cred, err) < 0 ||
	    store_seen_any(st, &seen_any, err) < 0 || store_dict_bytes(st, &bytes, err) < 0)
		return -1;
	d->next_value_id = max_id + 1;
	d->next_cred_id = max_cred + 1;
	d->values_complete = count == 0;
	/* Preload only what fits well inside the cap (a map entry costs about 3x its text). */
	if (count > 0 && count <= DICT_PRELOAD_MAX && (size_t)bytes * 3 + (size_t)count * 64 < max_bytes / 2) {
		if (store_dict_load(st, add_loaded, d, err) < 0)
			return -1;
		d->values_complete = true;
	}
	d->creds_complete = max_cred == 0;
	d->seen_complete = seen_any == 0;
	return 0;
}

int64_t dict_value_id(struct dict *d, struct batch *b, const char *p, size_t n, struct buf *err)
{
	if (!p)
		return 0;
	uint64_t *slot = hashmap_get(&d->values, p, n);
	if (slot)
		return (int64_t)*slot;
	int64_t id;
	int rc = d->values_complete ? 0 : store_dict_find(d->st, p, n, &id, err);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		id = d->next_value_id++;
		batch_add_value(b, id, p, n);
	}
	*hashmap_put(&d->values, p, n, NULL) = (uint64_t)id;
	return id;
}

int64_t dict_credential_id(struct dict *d, struct batch *b, const char *secret, size_t n, struct buf *err)
{
	uint64_t *slot = hashmap_get(&d->secrets, secret, n);
	if (slot)
		return (int64_t)*slot;
	char fp[CREDENTIAL_FP_HEX];
	int64_t id;
	credential_fingerprint(store_credential_key(d->st), secret, n, fp);
	slot = hashmap_get(&d->fps, fp, strlen(fp));
	if (slot) {
		id = (int64_t)*slot;
	} else {
		int rc = d->creds_complete ? 0 : store_cred_find(d->st, fp, &id, err);
		if (rc < 0)
			return -1;
		if (rc == 0) {
			id = d->next_cred_id++;
			buf_reset(&d->tmp);
			credential_mask(secret, n, &d->tmp);
			batch_add_credential(b, id, fp, d->tmp.data, d->tmp.len);
		}
		*hashmap_put(&d->fps, fp, strlen(fp), NULL) = (uint64_t)id;
	}
	*hashmap_put(&d->secrets, secret, n, NULL) = (uint64_t)id;
	return id;
}

int dict_seen(struct dict *d, const unsigned char key[16], struct dict_seen **out, struct buf *err)
{
	uint64_t *slot = hashmap_get(&d->seen, key, 16);
	if (slot) {
		*out = &d->seen_v[*slot];
		return 1;
	}
	struct store_seen stored = { 0, STORE_SEEN_NONE, STORE_SEEN_NONE };
	int rc = d->seen_complete ? 0 : store_seen(d->st, key, &stored, err);
	if (rc < 0)
		return -1;
	if (d->n_seen == d->seen_cap) {
		d->seen_cap = d->seen_cap ? d->seen_cap * 2 : 256;
		d->seen_v = xrealloc(d->seen_v, d->seen_cap * sizeof(*d->seen_v));
	}
	struct dict_seen *e = &d->seen_v[d->n_seen];
	memset(e, 0, sizeof(*e));
	e->s = stored;
	*hashmap_put(&d->seen, key, 16, NULL) = d->n_seen++;
	*out = e;
	return rc;
}

bool dict_is_full(const struct dict *d)
{
	return hashmap_bytes(&d->values) + hashmap_bytes(&d->secrets) + hashmap_bytes(&d->fps) +
	       hashmap_bytes(&d->seen) + d->seen_cap * sizeof(*d->seen_v) > d->max_bytes;
}

void dict_forget(struct dict *d)
{
	/* the secrets' arena held full credentials: wipe before giving the memory back */
	if (d->secrets.keys)
		sodium_memzero(d->secrets.keys, d->secrets.keys_cap);
	/* Freed, not cleared: a cleared map keeps its memory, and would stay "full". */
	hashmap_free(&d->values);
	hashmap_free(&d->secrets);
	hashmap_free(&d->fps);
	hashmap_free(&d->seen);
	free(d->seen_v);
	d->seen_v = NULL;
	d->n_seen = d->seen_cap = 0;
	d->values_complete = d->creds_complete = d->seen_complete = false;
}

void dict_free(struct dict *d)
{
	dict_forget(d); /* wipes the secrets, gives the maps' memory back */
	buf_free(&d->tmp);
}
