/*
 * Credentials: the only place a full secret is seen. It leaves as a masked display form
 * ("ghp_abc1...xyz1") and a keyed fingerprint (BLAKE2b, 128 bits, hex) that tells apart two
 * secrets with the same mask. Nothing here stores or prints the secret.
 */
#ifndef TOKSTAT_CREDENTIAL_H
#define TOKSTAT_CREDENTIAL_H
#include <stddef.h>

#include "buf.h"

#define CREDENTIAL_KEY_BYTES 32
#define CREDENTIAL_FP_HEX 33 /* 32 hex digits and a NUL */

/* Drop an auth scheme ("Bearer ", "token ", "Basic ") and surrounding spaces/quotes. */
void credential_strip_scheme(const char **p, size_t *n);

/*
 * Append the display form of secret P[0..N) to OUT: up to 8 leading and 4 trailing
 * characters, never more than a quarter of the secret; short secrets show only "****".
 * A value that arrives masked already (it holds "..." or "***", at most 32 bytes) is kept.
 */
void credential_mask(const char *p, size_t n, struct buf *out);

/* Keyed fingerprint of P[0..N) as 32 hex digits into HEX. */
void credential_fingerprint(const unsigned char key[CREDENTIAL_KEY_BYTES], const char *p, size_t n,
			    char hex[CREDENTIAL_FP_HEX]);

/*
 * Copy TEXT[0..N) to OUT with anything that looks like a credential masked: values after
 * auth schemes and credential keys (token=, api_key=, Authorization:), well-known token
 * prefixes (ghp_, sk-, AIza, xox?-, ...) and long unbroken runs of key characters.
 * Used for rejected lines, whose fields could not be told apart.
 */
struct credential_scrubber;
struct credential_scrubber *credential_scrubber_new(void);
void credential_scrub(struct credential_scrubber *s, const char *text, size_t n, struct buf *out);
void credential_scrubber_free(struct credential_scrubber *s);

#endif
