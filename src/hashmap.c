/* Open-addressing hash map with a key arena; see hashmap.h. */
#include "hashmap.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

static uint64_t hash_key(const struct hashmap *m, const void *key, size_t n)
{
	unsigned char out[crypto_shorthash_BYTES];
	uint64_t h;
	crypto_shorthash(out, key, n, m->seed);
	memcpy(&h, out, sizeof(h));
	return h ? h : 1; /* 0 marks an empty slot */
}

void hashmap_init(struct hashmap *m)
{
	memset(m, 0, sizeof(*m));
	randombytes_buf(m->seed, sizeof(m->seed));
}

static struct hashmap_slot *find(struct hashmap *m, uint64_t h, const void *key, size_t n)
{
	size_t mask = m->cap - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct hashmap_slot *s = &m->slots[i];
		if (!s->hash)
			return s;
		if (s->hash == h && s->key_len == n && memcmp(m->keys + s->key_off, key, n) == 0)
			return s;
	}
}

static void rehash(struct hashmap *m, size_t cap)
{
	struct hashmap_slot *old = m->slots;
	size_t old_cap = m->cap;
	m->slots = xcalloc(cap, sizeof(*m->slots));
	m->cap = cap;
	for (size_t i = 0; i < old_cap; i++) {
		if (!old[i].hash)
			continue;
		size_t j = old[i].hash & (cap - 1);
		while (m->slots[j].hash)
			j = (j + 1) & (cap - 1);
		m->slots[j] = old[i];
	}
	free(old);
}

uint64_t *hashmap_get(struct hashmap *m, const void *key, size_t n)
{
	if (!m->count)
		return NULL;
	struct hashmap_slot *s = find(m, hash_key(m, key, n), key, n);
	return s->hash ? &s->value : NULL;
}

uint64_t *hashmap_put(struct hashmap *m, const void *key, size_t n, bool *is_new)
{
	if ((m->count + 1) * 4 >= m->cap * 3) /* keep the load under 3/4 */
		rehash(m, m->cap ? m->cap * 2 : 64);
	uint64_t h = hash_key(m, key, n);
	struct hashmap_slot *s = find(m, h, key, n);
	if (s->hash) {
		if (is_new)
			*is_new = false;
		return &s->value;
	}
	if (m->keys_len + n > m->keys_cap) {
		size_t cap = m->keys_cap ? m->keys_cap : 4096;
		while (cap < m->keys_len + n)
			cap *= 2;
		m->keys = xrealloc(m->keys, cap);
		m->keys_cap = cap;
	}
	if (n)
		memcpy(m->keys + m->keys_len, key, n);
	s->hash = h;
	s->key_off = m->keys_len;
	s->key_len = (uint32_t)n;
	s->value = 0;
	m->keys_len += n;
	m->count++;
	if (is_new)
		*is_new = true;
	return &s->value;
}

bool hashmap_next(const struct hashmap *m, size_t *pos, const char **key, size_t *n, uint64_t *value)
{
	for (; *pos < m->cap; (*pos)++) {
		const struct hashmap_slot *s = &m->slots[*pos];
		if (!s->hash)
			continue;
		*key = m->keys + s->key_off;
		*n = s->key_len;
		*value = s->value;
		(*pos)++;
		return true;
	}
	return false;
}

size_t hashmap_bytes(const struct hashmap *m)
{
	return m->cap * sizeof(*m->slots) + m->keys_cap;
}

void hashmap_clear(struct hashmap *m)
{
	if (m->slots)
		memset(m->slots, 0, m->cap * sizeof(*m->slots));
	m->count = 0;
	m->keys_len = 0;
}

void hashmap_free(struct hashmap *m)
{
	free(m->slots);
	free(m->keys);
	m->slots = NULL;
	m->keys = NULL;
	m->cap = m->count = m->keys_len = m->keys_cap = 0;
}
