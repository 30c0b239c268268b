/*
 * Masking, keyed fingerprints and scrubbing of credentials; see credential.h.
 * The scrubber is one left-to-right scan over character classes: known shapes are a table,
 * unknown secrets are told by randomness, and every byte is examined a bounded number of
 * times, so its cost is linear in the input whatever the input (see credential_scrub_steps).
 */
#include "credential.h"

#include <stdbool.h>
#include <stdint.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct credential_scrubber {
	uint64_t steps; /* bytes examined by every loop of the scan: the linearity test reads it */
};

static inline bool is_upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
static inline bool is_lower(unsigned char c) { return c >= 'a' && c <= 'z'; }
static inline bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static inline bool is_alpha(unsigned char c) { return is_upper(c) || is_lower(c); }
static inline bool is_alnum(unsigned char c) { return is_alpha(c) || is_digit(c); }
/* Identifier and base64url characters: a WORD run is what a known shape can span. */
static inline bool is_word(unsigned char c) { return is_alnum(c) || c == '-' || c == '_'; }
/* A run that may hold one random secret: base64 (standard and url-safe) characters. */
static inline bool is_run(unsigned char c) { return is_word(c) || c == '+' || c == '/' || c == '='; }
static inline bool is_space(unsigned char c) { return c == ' ' || c == '\t'; }
static inline bool is_quote(unsigned char c) { return c == '"' || c == '\'' || c == '`'; }
/* Between the segments of one base64 run, and the '=' of a query parameter. */
static inline bool is_joiner(unsigned char c) { return c == '/' || c == '+' || c == '='; }

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

/* ---- randomness ---- */

/*
 * What tells a random string from a name: split into "tokens" the way identifiers are read
 * (at letter/digit changes and at camelCase humps: "getHTTPServer2" is get|HTTP|Server|2),
 * random characters make many short tokens, words make few long ones; a run of three or more
 * letters without a vowel counts twice.
 */
struct stats {
	size_t alnum, upper, lower, digit;
	size_t tokens; /* identifier tokens, see above */
	size_t parts;  /* maximal alphanumeric runs (between '-', '_', ...) */
	size_t wordy;  /* characters in parts that are a word or a number: "coder", "CHROME", "2024" */
	bool hex;      /* every part is hex digits of one case: a digest, a commit, a UUID */
};

static bool is_vowel(unsigned char c)
{
	return c && strchr("aeiouyAEIOUY", c) != NULL;
}

static void stats_scan(struct credential_scrubber *s, struct stats *st, const char *p, size_t n)
{
	bool in_part = false, hex_lower = false, hex_upper = false;
	size_t part_len = 0, part_upper = 0, part_lower = 0, part_digit = 0;
	bool part_cap = false; /* only its first letter is upper case */
	size_t tok_len = 0;
	bool tok_alpha = false, tok_vowel = false;
	for (size_t i = 0; i <= n; i++) {
		s->steps++;
		unsigned char c = i < n ? (unsigned char)p[i] : 0;
		bool starts = false;
		if (!is_alnum(c)) {
			if (in_part) {
				if (hex_lower && hex_upper)
					st->hex = false; /* "deadBEEF" is no digest */
				bool word = (part_lower >= 4 && part_lower + part_cap == part_len) ||
					    (part_upper >= 4 && part_upper == part_len) ||
					    (part_digit >= 4 && part_digit == part_len);
				if (word)
					st->wordy += part_len;
			}
			in_part = false;
		} else if (!in_part) {
			in_part = true;
			hex_lower = hex_upper = false;
			part_len = part_upper = part_lower = part_digit = 0;
			part_cap = is_upper(c);
			st->parts++;
			starts = true;
		} else {
			unsigned char pc = (unsigned char)p[i - 1];
			starts = is_digit(c) != is_digit(pc) || (is_upper(c) && is_lower(pc)) ||
				 (is_upper(c) && is_upper(pc) && i + 1 < n && is_lower((unsigned char)p[i + 1]));
		}
		if (starts || !in_part) {
			/* "Dlkr", "tnwlv": letters without a vowel are no word, an extra token */
			if (tok_len >= 3 && tok_alpha && !tok_vowel)
				st->tokens++;
			tok_len = 0;
			tok_alpha = true;
			tok_vowel = false;
		}
		if (!in_part)
			continue;
		if (starts)
			st->tokens++;
		tok_len++;
		tok_alpha &= !is_digit(c);
		tok_vowel |= is_vowel(c);
		st->alnum++;
		part_len++;
		if (is_digit(c))
			st->digit++, part_digit++;
		else if (is_upper(c))
			st->upper++, part_upper++, hex_upper = true, st->hex &= c <= 'F';
		else
			st->lower++, part_lower++, hex_lower = true, st->hex &= c <= 'f';
	}
}

static void stats_sum(struct stats *to, const struct stats *st)
{
	to->alnum += st->alnum;
	to->upper += st->upper;
	to->lower += st->lower;
	to->digit += st->digit;
	to->tokens += st->tokens;
	to->parts += st->parts;
	to->wordy += st->wordy;
	to->hex &= st->hex;
}

/*
 * Shortest random string told by randomness alone: 16 characters (about 90 bits of base62).
 * Shorter ones look like product codes and short ids; keys are longer.
 */
#define RANDOM_MIN_CHARS 16

/*
 * Token densities (tokens per character), measured on random strings and on names: 1% of
 * random 16-character base62 strings fall under 0.36, 0.2% of 32-character ones; 8% of
 * base36 ones (one case and digits) under 0.30. Over the 5,300 identifiers of 16+ characters in
 * CPython's library, the 2,200 paths of the corpus's access logs and LiteLLM's 2,600 model
 * names, only random strings reach these (camelCase names stay under 0.32, names with
 * digits such as "logstash-scale11x" or "urlsafe_b64encode" under 0.26).
 */
#define DENSITY_MIXED_CASE 36 /* percent */
#define DENSITY_ONE_CASE 30

static bool dense(const struct stats *st)
{
	int classes = (st->upper > 0) + (st->lower > 0) + (st->digit > 0);
	if (classes < 2)
		return false; /* one class: a word, a number */
	if (st->upper && st->lower)
		return st->tokens * 100 >= st->alnum * DENSITY_MIXED_CASE;
	return st->tokens * 100 >= st->alnum * DENSITY_ONE_CASE;
}

static bool stats_random(const struct stats *st)
{
	if (!st->parts || st->hex || st->alnum < RANDOM_MIN_CHARS)
		return false;
	/* Random strings have few separators ('-' and '_' are 2 of 64 base64url characters) and
	 * no words between them; slugs and model names ("qwen2p5-coder-1p5b", "mixtral-8x22b-
	 * instruct", "how-to-install-python-3") have both. */
	if (st->parts > 1 + st->alnum / 6 || st->wordy * 4 >= st->alnum)
		return false;
	return dense(st);
}

/* ---- masking ---- */

/* The largest Basic value decoded for its display form; a longer one is masked as a token. */
#define BASIC_MAX 512
/* The longest user name a Basic display form shows. */
#define BASIC_USER_MAX 32

static bool plain_user(const char *p, size_t n)
{
	if (n == 0 || n > BASIC_USER_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (p[i] <= ' ' || p[i] >= 0x7f || p[i] == '*' || p[i] == '.')
			return false;
	struct credential_scrubber s = { 0 };
	struct buf b = BUF_INIT;
	credential_scrub(&s, p, n, &b); /* a key as user name (Stripe's "sk_live_...:") is no name */
	bool same = b.len == n && memcmp(b.data, p, n) == 0;
	buf_free(&b);
	return same;
}

/*
 * HTTP Basic credentials are base64 of "user:password": its last characters encode the
 * password, so the usual head...tail would show part of it. Shown instead: "user:****", or
 * "****:****" when the user name is long, unprintable or itself looks like a key.
 * Returns false when P[0..N) is not base64 of printable text holding a ':'.
 */
static bool mask_basic(const char *p, size_t n, struct buf *out)
{
	unsigned char bin[BASIC_MAX];
	size_t len = 0;
	bool ok = false;
	if (n < 4 || n > BASIC_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_alnum((unsigned char)p[i]) && p[i] != '+' && p[i] != '/' && p[i] != '=')
			return false;
	int variant = p[n - 1] == '=' ? sodium_base64_VARIANT_ORIGINAL : sodium_base64_VARIANT_ORIGINAL_NO_PADDING;
	if (sodium_base642bin(bin, sizeof(bin), p, n, NULL, &len, NULL, variant) != 0 || len == 0)
		goto out;
	const unsigned char *colon = memchr(bin, ':', len);
	if (!colon)
		goto out;
	for (size_t i = 0; i < len; i++)
		if (bin[i] < 0x20 || bin[i] >= 0x7f)
			goto out; /* random bytes, not text: a token that happens to be base64 */
	size_t user = (size_t)(colon - bin);
	if (plain_user((const char *)bin, user))
		buf_add(out, bin, user);
	else
		buf_adds(out, "****");
	buf_adds(out, ":****");
	ok = true;
out:
	sodium_memzero(bin, sizeof(bin));
	return ok;
}

void credential_mask(const char *p, size_t n, struct buf *out)
{
	if (is_masked(p, n) && n <= 32) { /* masked upstream (see README's nginx map): keep it */
		add_printable(out, p, n);
		return;
	}
	if (mask_basic(p, n, out))
		return;
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

/* ---- known shapes ---- */

enum body { BODY_ALNUM, BODY_WORD, BODY_UPPER_DIGIT };

/*
 * Credentials with a published prefix. The body is the longest run of its characters after
 * the prefix; EXACT > 0: it must be exactly that long. MIXED: the body must mix two of upper
 * case, lower case and digits (so "sk-doo-snowmobiles" is no OpenAI key). Longer prefixes come
 * first where one prefix begins another.
 */
#define P(s) s, sizeof(s) - 1

static const struct shape {
	const char *prefix;
	size_t len;
	enum body body;
	unsigned min, exact;
	bool mixed;
} shapes[] = {
	{ P("github_pat_"), BODY_WORD, 30, 0, true },   /* GitHub fine-grained token */
	{ P("ghp_"), BODY_ALNUM, 30, 0, true },         /* GitHub classic token, OAuth, user, server, refresh */
	{ P("gho_"), BODY_ALNUM, 30, 0, true },
	{ P("ghu_"), BODY_ALNUM, 30, 0, true },
	{ P("ghs_"), BODY_ALNUM, 30, 0, true },
	{ P("ghr_"), BODY_ALNUM, 30, 0, true },
	{ P("glpat-"), BODY_WORD, 20, 0, true },        /* GitLab */
	{ P("sk-"), BODY_WORD, 20, 0, true },           /* OpenAI sk-, sk-proj-, sk-svcacct-; Anthropic sk-ant- */
	{ P("sk_live_"), BODY_ALNUM, 16, 0, true },     /* Stripe secret and restricted keys */
	{ P("sk_test_"), BODY_ALNUM, 16, 0, true },
	{ P("rk_live_"), BODY_ALNUM, 16, 0, true },
	{ P("rk_test_"), BODY_ALNUM, 16, 0, true },
	{ P("whsec_"), BODY_ALNUM, 16, 0, true },       /* Stripe webhook secret */
	{ P("xoxa-"), BODY_WORD, 10, 0, false },        /* Slack */
	{ P("xoxb-"), BODY_WORD, 10, 0, false },
	{ P("xoxe-"), BODY_WORD, 10, 0, false },
	{ P("xoxo-"), BODY_WORD, 10, 0, false },
	{ P("xoxp-"), BODY_WORD, 10, 0, false },
	{ P("xoxr-"), BODY_WORD, 10, 0, false },
	{ P("xoxs-"), BODY_WORD, 10, 0, false },
	{ P("xapp-"), BODY_WORD, 10, 0, false },
	{ P("AIza"), BODY_WORD, 0, 35, false },         /* Google API key */
	{ P("AKIA"), BODY_UPPER_DIGIT, 0, 16, false },  /* AWS access key id, long-term */
	{ P("ASIA"), BODY_UPPER_DIGIT, 0, 16, false },  /* AWS access key id, temporary */
	{ P("hf_"), BODY_ALNUM, 30, 0, true },          /* Hugging Face */
	{ P("gsk_"), BODY_ALNUM, 30, 0, true },         /* Groq */
	{ P("xai-"), BODY_ALNUM, 30, 0, true },         /* xAI */
	{ P("pplx-"), BODY_ALNUM, 30, 0, true },        /* Perplexity */
	{ P("r8_"), BODY_ALNUM, 30, 0, true },          /* Replicate */
	{ P("npm_"), BODY_ALNUM, 30, 0, true },         /* npm */
};

static bool in_body(enum body b, unsigned char c)
{
	switch (b) {
	case BODY_ALNUM:
		return is_alnum(c);
	case BODY_WORD:
		return is_word(c);
	case BODY_UPPER_DIGIT:
		return is_upper(c) || is_digit(c);
	}
	return false;
}

/* A known shape starting at P: its end, or 0. */
static size_t shape_at(struct credential_scrubber *s, const char *t, size_t n, size_t p)
{
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		const struct shape *sh = &shapes[i];
		size_t k = sh->len;
		if (t[p] != sh->prefix[0] || n - p <= k || memcmp(t + p, sh->prefix, k) != 0)
			continue;
		size_t e = p + k;
		bool up = false, lo = false, dg = false;
		while (e < n && in_body(sh->body, (unsigned char)t[e])) {
			s->steps++;
			unsigned char c = (unsigned char)t[e++];
			up |= is_upper(c), lo |= is_lower(c), dg |= is_digit(c);
		}
		size_t len = e - p - k;
		if (sh->exact ? len != sh->exact || (e < n && is_alnum((unsigned char)t[e])) : len < sh->min)
			return 0;
		if (sh->mixed && up + lo + dg < 2)
			return 0;
		return e; /* the first prefix that matches decides: a longer one is listed before */
	}
	return 0;
}

static size_t word_end(struct credential_scrubber *s, const char *t, size_t n, size_t i)
{
	while (i < n && is_word((unsigned char)t[i]))
		s->steps++, i++;
	return i;
}

/* A JSON Web Token at P: "eyJ" header "." "eyJ" payload "." signature. Its end, or 0. */
static size_t jwt_at(struct credential_scrubber *s, const char *t, size_t n, size_t p, size_t we)
{
	if (we - p < 10 || memcmp(t + p, "eyJ", 3) != 0 || we >= n || t[we] != '.')
		return 0;
	size_t p2 = we + 1;
	if (n - p2 < 10 || memcmp(t + p2, "eyJ", 3) != 0)
		return 0;
	size_t e2 = word_end(s, t, n, p2);
	if (e2 - p2 < 10 || e2 >= n || t[e2] != '.')
		return 0;
	return word_end(s, t, n, e2 + 1);
}

/* ---- key = value ---- */

/* Names whose value is a secret, as the last part of a key ("x-api-key", "accessToken"). */
static const char *const key_parts[] = { "token", "key", "apikey", "secret", "password", "passwd", "pwd",
					 "authorization", "auth", "credential", "credentials", "signature",
					 "cookie", NULL };
/* Names that are keys only as a whole word ("tok=" in proxy logs, "sig=" in Azure SAS URLs). */
static const char *const key_words[] = { "tok", "sig", "pass", "pw", NULL };
/* Schemes before a value ("Authorization: Bearer ..."); kept in the clear. */
static const char *const schemes[] = { "bearer", "token", "basic", "apikey", "digest", NULL };

static bool word_in(const char *p, size_t n, const char *const *list)
{
	if (n == 0)
		return false;
	for (int i = 0; list[i]; i++)
		if ((p[0] | 0x20) == list[i][0] && strlen(list[i]) == n && strncasecmp(p, list[i], n) == 0)
			return true;
	return false;
}

/* "Invalid", "expired": a value that is a plain word after "token:" is prose, not a key. */
static bool plain_word(const char *p, size_t n)
{
	size_t i = n && is_upper((unsigned char)p[0]) ? 1 : 0;
	if (i == n)
		return false;
	for (; i < n; i++)
		if (!is_lower((unsigned char)p[i]))
			return false;
	return true;
}

static bool ends_value(unsigned char c)
{
	if (is_alnum(c))
		return false; /* the usual case, first */
	return c <= ' ' || c == 0x7f || is_quote(c) || (c && strchr("\\&,;<>()[]{}|", c) != NULL);
}

/*
 * Is word P[0..WE) a credential key followed by '=' or ':'? Then [*V0, *V1) is its value
 * (after quotes and a scheme, which stay). Returns false for no key, or a value that is
 * empty, "-", "null", or (after ':' and unquoted) a plain word.
 */
static bool key_value(struct credential_scrubber *s, const char *t, size_t n, size_t p, size_t we, size_t *v0,
		      size_t *v1)
{
	/* the last part of the word: after '-' or '_', or at a camelCase hump */
	size_t j = we;
	while (j > p && is_alnum((unsigned char)t[j - 1])) {
		s->steps++;
		j--;
		if (is_upper((unsigned char)t[j]) && j > p && is_lower((unsigned char)t[j - 1]))
			break;
	}
	if (!(word_in(t + j, we - j, key_parts) || (j == p && word_in(t + p, we - p, key_words))))
		return false;
	size_t k = we;
	if (k < n && t[k] == '\\')
		k++;
	if (k < n && is_quote((unsigned char)t[k]))
		k++;
	while (k < n && is_space((unsigned char)t[k]))
		s->steps++, k++;
	if (k >= n || (t[k] != '=' && t[k] != ':'))
		return false;
	bool colon = t[k] == ':';
	if (colon && n - k >= 3 && t[k + 1] == '/' && t[k + 2] == '/')
		return false; /* "token://": a URL scheme */
	k++;
	while (k < n && is_space((unsigned char)t[k]))
		s->steps++, k++;
	if (k < n && t[k] == '\\')
		k++;
	bool quoted = k < n && is_quote((unsigned char)t[k]);
	if (quoted)
		k++;
	size_t w = word_end(s, t, n, k);
	if (w < n && is_space((unsigned char)t[w]) && word_in(t + k, w - k, schemes)) {
		k = w;
		while (k < n && is_space((unsigned char)t[k]))
			s->steps++, k++;
	}
	size_t e = k;
	while (e < n && !ends_value((unsigned char)t[e]))
		s->steps++, e++;
	size_t len = e - k;
	if (len == 0 || (len == 1 && t[k] == '-') || (len == 4 && strncasecmp(t + k, "null", 4) == 0) ||
	    word_in(t + k, len, schemes) || /* token="Bearer": a scheme and no credential */
	    (colon && !quoted && plain_word(t + k, len)))
		return false;
	*v0 = k;
	*v1 = e;
	return true;
}

/* "Bearer X" or "Basic X" outside a key: the value after the scheme. */
static bool scheme_value(struct credential_scrubber *s, const char *t, size_t n, size_t p, size_t we, size_t *v0,
			 size_t *v1)
{
	if (!(we - p == 6 && strncasecmp(t + p, "bearer", 6) == 0) && !(we - p == 5 && strncasecmp(t + p, "basic", 5) == 0))
		return false;
	if (p > 0 && t[p - 1] == '/')
		return false; /* a path: "/docs/bearer tokens" */
	size_t k = we;
	while (k < n && is_space((unsigned char)t[k]))
		s->steps++, k++;
	if (k == we)
		return false;
	size_t e = k;
	while (e < n && (is_alnum((unsigned char)t[e]) || (t[e] && strchr("-._~+/", t[e]) != NULL)))
		s->steps++, e++;
	while (e < n && t[e] == '=')
		s->steps++, e++;
	if (e - k < 8 || plain_word(t + k, e - k))
		return false; /* "Basic usage", "bearer authentication" */
	*v0 = k;
	*v1 = e;
	return true;
}

/* ---- the scan ---- */

struct scan {
	struct credential_scrubber *s;
	const char *t;
	size_t n;
	bool text; /* randomness too (text), or known shapes only (identifiers) */
	size_t copied; /* T[0..copied) is in OUT */
	struct buf *out;
};

static void emit_mask(struct scan *sc, size_t a, size_t b)
{
	buf_add(sc->out, sc->t + sc->copied, a - sc->copied);
	credential_mask(sc->t + a, b - a, sc->out);
	sc->copied = b;
}

/*
 * Identifiers that are random by design and public: OpenAI's and Anthropic's request,
 * message, response and tool-call ids ("req_011CU...", "chatcmpl-B9x...").
 */
static const char *const id_prefixes[] = { "req_", "msg_", "msgbatch_", "chatcmpl-", "resp_", "call_", "toolu_",
					   "srvtoolu_", "batch_", "file-", "run_", "thread_", "asst_", "step_", NULL };

static bool is_public_id(const char *p, size_t n)
{
	for (int i = 0; id_prefixes[i]; i++) {
		size_t k = strlen(id_prefixes[i]);
		if (n > k && memcmp(p, id_prefixes[i], k) == 0)
			return true;
	}
	return false;
}

/* Do the 40 standard base64 characters at A mix cases and digits like an AWS secret key? */
#define AWS_SECRET_CHARS 40

static bool aws_secret_at(struct scan *sc, size_t a)
{
	struct stats st = { .hex = true };
	stats_scan(sc->s, &st, sc->t + a, AWS_SECRET_CHARS);
	/* no word in it: "v1/keys/9cqJ0E3Z..." is a path before a key, not the key */
	return st.upper && st.lower && st.digit && !st.wordy && st.tokens * 100 >= st.alnum * DENSITY_MIXED_CASE;
}

/*
 * A chain: segments of one run joined by single '/' or '+' (standard base64 has both, so a
 * key may span "path segments"). It is masked whole when one of its segments is random,
 * or when together they are.
 */
struct chain {
	size_t start, end, segments;
	bool has_random;
	struct stats st;
};

static void chain_close(struct scan *sc, struct chain *ch)
{
	if (sc->text && ch->segments && (ch->has_random || (ch->segments > 1 && stats_random(&ch->st))))
		emit_mask(sc, ch->start, ch->end);
	memset(ch, 0, sizeof(*ch));
	ch->st.hex = true;
}

/* One segment [A, B) of a run: random, a short piece that may belong to a key, or neither. */
static void segment(struct scan *sc, struct chain *ch, size_t a, size_t b)
{
	struct stats st = { .hex = true };
	stats_scan(sc->s, &st, sc->t + a, b - a);
	bool random = stats_random(&st) && !is_public_id(sc->t + a, b - a);
	/* a piece of a base64 key ("K7MDENG", "ab", "VloinWyWf"), not a word ("usage", "HTTP",
	 * "2024") nor a name ("sendMessage") */
	bool fits = st.alnum && st.parts == 1 && st.alnum < RANDOM_MIN_CHARS && !st.wordy &&
		    (st.alnum <= 6 || st.tokens * 100 >= st.alnum * 25);
	if (!random && !fits) {
		chain_close(sc, ch);
		return;
	}
	if (!ch->segments)
		ch->start = a;
	ch->end = b;
	ch->segments++;
	ch->has_random |= random;
	stats_sum(&ch->st, &st);
}

/* The segments of run [A, B) that no AWS secret took. */
static void scan_chains(struct scan *sc, size_t a, size_t b)
{
	const char *t = sc->t;
	struct chain ch = { .st.hex = true };
	size_t seg = a;
	size_t i = a;
	while (i < b) {
		sc->s->steps++;
		unsigned char c = (unsigned char)t[i];
		if (c == '/' || c == '+') {
			if (i > seg)
				segment(sc, &ch, seg, i);
			else if (c == '/' && i > a && t[i - 1] == '/')
				chain_close(sc, &ch); /* "//" is a path's, "+/" and "++" are base64's */
			seg = ++i;
		} else if (c == '=') {
			size_t e = i;
			while (e < b && t[e] == '=')
				sc->s->steps++, e++;
			if (e == b || t[e] == '/' || t[e] == '+') { /* padding ends the segment */
				i = e;
				continue;
			}
			if (i > seg)
				segment(sc, &ch, seg, i); /* "key=value": '=' separates */
			chain_close(sc, &ch);
			seg = i = e;
		} else {
			i++;
		}
	}
	if (b > seg)
		segment(sc, &ch, seg, b);
	chain_close(sc, &ch);
}

/*
 * A maximal run [A, B) of base64 characters that no known shape took. First AWS secret
 * keys, whose '/' would cut them into path segments: 40 characters from a segment start to
 * a segment end (at most 40 characters examined per segment start: linear). Then randomness.
 */
static void scan_run(struct scan *sc, size_t a, size_t b)
{
	const char *t = sc->t;
	size_t from = a;
	size_t bad = a; /* no character of [i, bad) is outside the AWS alphabet; bad is, or is B */
	for (size_t i = a; i + AWS_SECRET_CHARS <= b; i++) {
		sc->s->steps++;
		size_t e = i + AWS_SECRET_CHARS;
		if (bad < i)
			bad = i;
		while (bad < e && (is_alnum((unsigned char)t[bad]) || t[bad] == '+' || t[bad] == '/'))
			sc->s->steps++, bad++; /* moves forward only: linear over the run */
		if (bad >= e && is_alnum((unsigned char)t[i]) && is_alnum((unsigned char)t[e - 1]) &&
		    (i == a || is_joiner((unsigned char)t[i - 1])) && (e == b || is_joiner((unsigned char)t[e])) &&
		    aws_secret_at(sc, i)) {
			scan_chains(sc, from, i);
			emit_mask(sc, i, e);
			from = e;
			i = e; /* the loop's i++ steps over the joiner after it */
		}
	}
	scan_chains(sc, from, b);
}

/* Text [A, B) that no key, scheme or known shape took: each base64 run is looked at. */
static void scan_rest(struct scan *sc, size_t a, size_t b)
{
	size_t i = a;
	while (i < b) {
		sc->s->steps++;
		if (!is_run((unsigned char)sc->t[i])) {
			i++;
			continue;
		}
		size_t e = i;
		while (e < b && is_run((unsigned char)sc->t[e]))
			sc->s->steps++, e++;
		scan_run(sc, i, e);
		i = e;
	}
}

/* Shortest text that can hold anything masked without '=' or ':': "Bearer " and 8. */
#define SCRUB_MIN_PLAIN 15

/*
 * Hex digits of one case and '-' (a UUID, nginx's $request_id, a digest): no shape, key or
 * random run can be in it. The fast path for request ids, which differ on every line.
 */
static bool is_hex_id(struct credential_scrubber *s, const char *t, size_t n)
{
	bool lower = false, upper = false;
	for (size_t i = 0; i < n; i++) {
		s->steps++;
		unsigned char c = (unsigned char)t[i];
		if (c >= 'a' && c <= 'f')
			lower = true;
		else if (c >= 'A' && c <= 'F')
			upper = true;
		else if (!is_digit(c) && c != '-')
			return false;
	}
	return !(lower && upper);
}

static void scrub(struct credential_scrubber *s, const char *t, size_t n, bool text, struct buf *out)
{
	struct scan sc = { s, t, n, text, 0, out };
	if ((n < SCRUB_MIN_PLAIN && !memchr(t, '=', n) && !memchr(t, ':', n)) || is_hex_id(s, t, n)) {
		buf_add(out, t, n); /* the fast path: "gpt-4o", "alice", "GET", a UUID */
		return;
	}
	size_t pending = 0; /* T[pending..) is still to be looked at for randomness */
	size_t i = 0;
	while (i < n) {
		s->steps++;
		if (!is_word((unsigned char)t[i])) {
			i++;
			continue;
		}
		/* a WORD run starts at i; rules look at its first alphanumeric character */
		size_t we = word_end(s, t, n, i);
		size_t p = i;
		while (p < we && !is_alnum((unsigned char)t[p]))
			p++;
		size_t v0 = p, v1 = 0;
		bool hit = false;
		if (p < we) {
			if (key_value(s, t, n, p, we, &v0, &v1) || scheme_value(s, t, n, p, we, &v0, &v1))
				hit = true;
			else if (p == i && ((v1 = jwt_at(s, t, n, p, we)) || (v1 = shape_at(s, t, n, p))))
				hit = true, v0 = p;
		}
		if (hit) {
			scan_rest(&sc, pending, v0);
			emit_mask(&sc, v0, v1);
			pending = i = v1;
			continue;
		}
		i = we;
	}
	scan_rest(&sc, pending, n);
	buf_add(out, t + sc.copied, n - sc.copied);
}

struct credential_scrubber *credential_scrubber_new(void)
{
	return xcalloc(1, sizeof(struct credential_scrubber));
}

void credential_scrub(struct credential_scrubber *s, const char *text, size_t n, struct buf *out)
{
	scrub(s, text, n, true, out);
}

void credential_scrub_id(struct credential_scrubber *s, const char *text, size_t n, struct buf *out)
{
	scrub(s, text, n, false, out);
}

uint64_t credential_scrub_steps(const struct credential_scrubber *s)
{
	return s->steps;
}

void credential_scrubber_free(struct credential_scrubber *s)
{
	free(s);
}

bool credential_reading_holds(int64_t reset, int64_t t)
{
	return reset < 0 || t < reset;
}
