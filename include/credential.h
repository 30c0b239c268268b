/*
 * Credentials: the only place a full secret is seen. It leaves as a masked display form
 * ("ghp_abc1...xyz1") and a keyed fingerprint (BLAKE2b, 128 bits, hex) that tells apart two
 * secrets with the same mask. Nothing here stores or prints the secret.
 */
#ifndef TOKSTAT_CREDENTIAL_H
#define TOKSTAT_CREDENTIAL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define CREDENTIAL_KEY_BYTES 32
#define CREDENTIAL_FP_HEX 33 /* 32 hex digits and a NUL */

/* Drop an auth scheme ("Bearer ", "token ", "Basic ") and surrounding spaces/quotes. */
void credential_strip_scheme(const char **p, size_t *n);

/*
 * Append the display form of secret P[0..N) to OUT: up to 8 leading and 4 trailing
 * characters, never more than a quarter of the secret; short secrets show only "****".
 * HTTP Basic credentials (base64 of printable "user:password") show "user:****" instead,
 * since the tail of the base64 encodes the password; "****:****" when the user name is
 * longer than 32 characters, unprintable, or itself looks like a key.
 * A value that arrives masked already (it holds "..." or "***", at most 32 bytes) is kept.
 */
void credential_mask(const char *p, size_t n, struct buf *out);

/* Keyed fingerprint of P[0..N) as 32 hex digits into HEX. */
void credential_fingerprint(const unsigned char key[CREDENTIAL_KEY_BYTES], const char *p, size_t n,
			    char hex[CREDENTIAL_FP_HEX]);

/*
 * Append TEXT[0..N) to OUT with every credential in it replaced by its display form
 * (credential_mask). Recognized: values of credential keys ("token=", "api_key": "...",
 * "Authorization: Bearer ...", "x-api-key: ..."), Bearer and Basic values, known shapes
 * (ghp_, github_pat_, sk-, sk-ant-, AIza, AKIA/ASIA, AWS secret keys, xox?-, sk_live_,
 * rk_live_, JWTs, ...) and, by randomness (how often letter case and digits change), runs
 * of 16+ base64 characters that look random. Not masked: words, slugs, dates, versions,
 * file names, model names, and hex runs (commit SHAs, digests, UUIDs) outside a key.
 * Time and memory are linear in N. The scrubber holds no secret; one per thread.
 */
struct credential_scrubber;
struct credential_scrubber *credential_scrubber_new(void);
void credential_scrub(struct credential_scrubber *s, const char *text, size_t n, struct buf *out);
/*
 * The same for a value that is random by design, such as a request id (nginx's 32 hex
 * digits, CloudFront's 56 base64 characters): known shapes and keys only, no randomness.
 */
void credential_scrub_id(struct credential_scrubber *s, const char *text, size_t n, struct buf *out);
/* Bytes examined by S's scans so far: what the linearity test counts. */
uint64_t credential_scrub_steps(const struct credential_scrubber *s);
void credential_scrubber_free(struct credential_scrubber *s);

/*
 * Does a rate-limit reading whose reset time is RESET (epoch seconds; < 0: not known) still
 * hold at time T? Only until its reset: then the limit's window begins again, and a reading of
 * 0 remaining no longer makes the credential rate-limited. The credentials view (status and
 * rl_holds, sql/views.sql) states the same rule for the time of the query; alerts apply it to
 * the readings of a day.
 */
bool credential_reading_holds(int64_t reset, int64_t t);

#endif
