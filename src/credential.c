/* Masking, keyed fingerprints and scrubbing of credentials; see credential.h. */
#include "credential.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdbool.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void credential_strip_scheme(const char **p, size_t *n)
{
	static const char *const schemes[] = { "bearer ", "token ", "basic ", "apikey ", NULL };
	const char *s = *p;
	size_t len = *n;

	while (len && (*s == ' ' || *s == '"' || *s == '\''))
		s++, len--;
	while (len && (s[len - 1] == ' ' || s[len - 1] == '"' || s[len - 1] == '\''))
		len--;
	for (int i = 0; schemes[i]; i++) {
		size_t k = strlen(schemes[i]);
		if (len == k - 1 && strncasecmp(s, schemes[i], k - 1) == 0) {
			len = 0; /* "Bearer" and nothing after it: no credential at all */
			break;
		}
		if (len > k && strncasecmp(s, schemes[i], k) == 0) {
			s += k;
			len -= k;
			while (len && *s == ' ')
				s++, len--;
			break;
		}
	}
	*p = s;
	*n = len;
}

/* A value masked before it reached the log ("sk-proj-...wxyz", "ghp_****abcd"). */
static bool is_masked(const char *p, size_t n)
{
	return memmem(p, n, "...", 3) || memmem(p, n, "***", 3) || memmem(p, n, "\xe2\x80\xa6", 3);
}

/* Only printable ASCII is shown: a stray byte in a token must not reach a TEXT column. */
static void add_printable(struct buf *out, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf_addc(out, p[i] > ' ' && p[i] < 0x7f ? p[i] : '?');
}

void credential_mask(const char *p, size_t n, struct buf *out)
{
	if (is_masked(p, n) && n <= 32) { /* masked upstream (see README's nginx map): keep it */
		add_printable(out, p, n);
		return;
	}
	/* At most a quarter of the secret is shown; 8 + 4 characters for a 40-character token. */
	size_t head = n / 4 < 8 ? n / 4 : 8;
	size_t tail = n / 8 < 4 ? n / 8 : 4;
	if (n < 12) {
		buf_adds(out, "****");
		return;
	}
	add_printable(out, p, head);
	buf_adds(out, "...");
	add_printable(out, p + n - tail, tail);
}

void credential_fingerprint(const unsigned char key[CREDENTIAL_KEY_BYTES], const char *p, size_t n,
			    char hex[CREDENTIAL_FP_HEX])
{
	unsigned char h[16];
	crypto_generichash(h, sizeof(h), (const unsigned char *)p, n, key, CREDENTIAL_KEY_BYTES);
	sodium_bin2hex(hex, CREDENTIAL_FP_HEX, h, sizeof(h));
}

/*
 * Group 1 is kept as is (a key name or scheme), group 2 is the secret.
 * The last alternative catches unnamed secrets: 24+ characters of the base64/hex alphabet
 * mixing letters and digits, which is what API keys look like and words do not.
 */
static const char scrub_pattern[] =
	"((?i:authorization|x-api-key|api[_-]?key|apikey|token|tok|key|secret|password|passwd)"
	"[\"']?\\s*[=:]\\s*[\"']?(?:(?i:bearer|token|basic)\\s+)?|(?<![\\w/])(?i:bearer|basic)\\s+)"
	"([^\\s\"'&,;]{4,})"
	"|()((?:ghp|gho|ghu|ghs|ghr|github_pat|glpat|sk|pk|rk|xox[abposr]|AIza)[-_][A-Za-z0-9_\\-]{8,}"
	"|AIza[A-Za-z0-9_\\-]{20,}"
	"|(?=[A-Za-z_\\-]*[0-9])(?=[0-9_\\-]*[A-Za-z])[A-Za-z0-9_\\-+/=]{24,})";

struct credential_scrubber {
	pcre2_code *re;
	pcre2_match_data *md;
};

struct credential_scrubber *credential_scrubber_new(void)
{
	struct credential_scrubber *s = xcalloc(1, sizeof(*s));
	int err;
	PCRE2_SIZE off;
	s->re = pcre2_compile((PCRE2_SPTR)scrub_pattern, PCRE2_ZERO_TERMINATED, 0, &err, &off, NULL);
	if (!s->re)
		abort(); /* a constant pattern: a failure here is a bug caught by the unit tests */
	pcre2_jit_compile(s->re, PCRE2_JIT_COMPLETE);
	s->md = pcre2_match_data_create_from_pattern(s->re, NULL);
	return s;
}

void credential_scrub(struct credential_scrubber *s, const char *text, size_t n, struct buf *out)
{
	size_t pos = 0;
	while (pos < n) {
		int rc = pcre2_match(s->re, (PCRE2_SPTR)text, n, pos, 0, s->md, NULL);
		if (rc < 0)
			break;
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
		/* Either groups 1+2 (key + value) or group 4 (a bare secret) matched. */
		size_t sec_start, sec_end;
		if (rc >= 3 && ov[4] != PCRE2_UNSET) {
			sec_start = ov[4];
			sec_end = ov[5];
		} else {
			sec_start = ov[8];
			sec_end = ov[9];
		}
		buf_add(out, text + pos, sec_start - pos);
		credential_mask(text + sec_start, sec_end - sec_start, out);
		pos = sec_end > pos ? sec_end : pos + 1; /* the secret ends every match */
	}
	if (pos < n)
		buf_add(out, text + pos, n - pos);
}

void credential_scrubber_free(struct credential_scrubber *s)
{
	if (!s)
		return;
	pcre2_match_data_free(s->md);
	pcre2_code_free(s->re);
	free(s);
}
