/*
 * A hash map from byte strings to 64-bit values (open addressing, linear probing).
 * Keys are copied into the map. Hashing is keyed SipHash (libsodium) with a random
 * key per map, so input crafted to collide cannot slow ingest down.
 */
#ifndef TOKSTAT_HASHMAP_H
#define TOKSTAT_HASHMAP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hashmap_slot {
	uint64_t hash;  /* 0 marks an empty slot */
	size_t key_off; /* into keys */
	uint32_t key_len;
	uint64_t value;
};

struct hashmap {
	struct hashmap_slot *slots;
	size_t cap;     /* a power of two */
	size_t count;
	char *keys;     /* key arena */
	size_t keys_len, keys_cap;
	unsigned char seed[16];
};

void hashmap_init(struct hashmap *m);
/* The value slot of KEY, or NULL when absent. Valid until the next insert. */
uint64_t *hashmap_get(struct hashmap *m, const void *key, size_t n);
/* The value slot of KEY, inserted with value 0 when absent (*is_new tells which). */
uint64_t *hashmap_put(struct hashmap *m, const void *key, size_t n, bool *is_new);
/* Iterate: start with *pos = 0; returns false at the end. */
bool hashmap_next(const struct hashmap *m, size_t *pos, const char **key, size_t *n, uint64_t *value);
/* Bytes of memory held, to keep caches bounded. */
size_t hashmap_bytes(const struct hashmap *m);
/* Remove every entry, keeping the memory. */
void hashmap_clear(struct hashmap *m);
/* Give the memory back. The map stays usable: the next insert allocates again. */
void hashmap_free(struct hashmap *m);

#endif
