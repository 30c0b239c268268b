/* The normalized event: field names for format definitions, value conversion, finishing. */
#include "event.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "timefmt.h"

const struct event_field event_fields[] = {
	{ "time", EVF_TIME, 0 },
	{ "request", EVF_REQUEST, 0 },
	{ "path", EVF_PATH, EV_ENDPOINT },
	{ "endpoint", EVF_PATH, EV_ENDPOINT },
	{ "token", EVF_TEXT, EV_TOKEN },
	{ "user", EVF_TEXT, EV_USER },
	{ "remote_user", EVF_TEXT, EV_REMOTE_USER },
	{ "method", EVF_TEXT, EV_METHOD },
	{ "model", EVF_TEXT, EV_MODEL },
	{ "provider", EVF_TEXT, EV_PROVIDER },
	{ "operation", EVF_TEXT, EV_OPERATION },
	{ "project", EVF_TEXT, EV_PROJECT },
	{ "session", EVF_TEXT, EV_SESSION },
	{ "request_id", EVF_TEXT, EV_REQUEST_ID },
	{ "error", EVF_TEXT, EV_ERROR },
	{ "status", EVF_NUM, EV_STATUS },
	{ "input_tokens", EVF_NUM, EV_INPUT_TOKENS },
	{ "prompt_tokens", EVF_PROMPT, 0 },
	{ "output_tokens", EVF_NUM, EV_OUTPUT_TOKENS },
	{ "cache_read_tokens", EVF_NUM, EV_CACHE_READ_TOKENS },
	{ "cache_write_tokens", EVF_NUM, EV_CACHE_WRITE_TOKENS },
	{ "total_tokens", EVF_NUM, EV_TOTAL_TOKENS },
	{ "latency_ms", EVF_NUM, EV_LATENCY_MS },
	{ "rt", EVF_SECONDS, EV_LATENCY_MS },
	{ "latency_s", EVF_SECONDS, EV_LATENCY_MS },
	{ "urt", EVF_SECONDS, EV_UPSTREAM_MS },
	{ "bytes", EVF_NUM, EV_BYTES },
	{ "rl_remaining", EVF_RATE, EV_RL_REMAINING },
	{ "rl_limit", EVF_RATE, EV_RL_LIMIT },
	{ "rl_reset", EVF_RESET, EV_RL_RESET },
	{ "rl_tokens_remaining", EVF_RATE, EV_RL_TOKENS_REMAINING },
	{ "rl_tokens_limit", EVF_RATE, EV_RL_TOKENS_LIMIT },
	{ "rl_tokens_reset", EVF_RESET, EV_RL_TOKENS_RESET },
	{ "cache_write_1h_tokens", EVF_NUM, EV_CACHE_WRITE_1H_TOKENS },
	{ "service_tier", EVF_TEXT, EV_SERVICE_TIER },
	{ "batch", EVF_BATCH, 0 },
	{ "success", EVF_SUCCESS, 0 },
	{ "ignore", EVF_IGNORE, 0 },
	{ NULL, EVF_IGNORE, 0 },
};

const struct event_field *event_field_find(const char *name)
{
	for (const struct event_field *f = event_fields; f->name; f++)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

void event_clear(struct event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->failed = -1;
}

int event_failure_word(const char *p, size_t n)
{
	static const char *const ok[] = { "true", "success", "succeeded", "ok", "completed", "yes", "1", NULL };
	static const char *const bad[] = { "false", "failure", "failed", "error", "fail", "no", "0", NULL };
	for (int i = 0; ok[i]; i++)
		if (strlen(ok[i]) == n && strncasecmp(p, ok[i], n) == 0)
			return 0;
	for (int i = 0; bad[i]; i++)
		if (strlen(bad[i]) == n && strncasecmp(p, bad[i], n) == 0)
			return 1;
	return -1;
}

int event_set_outcome(struct event *ev, const struct event_field *f, const char *p, size_t n, struct buf *reason)
{
	int64_t v;
	if (event_text_is_null(p, n))
		return 0;
	if (f->kind == EVF_NUM) {
		if (event_parse_int(p, n, &v) == 0)
			return event_set_number(ev, f, v, reason);
		if ((p[0] >= '0' && p[0] <= '9') || p[0] == '-' || p[0] == '+') {
			buf_printf(reason, "bad number for %s", f->name);
			return -1;
		}
	}
	int failed = event_failure_word(p, n);
	if (failed >= 0)
		ev->failed = (int8_t)failed;
	else if (f->kind == EVF_SUCCESS) {
		buf_printf(reason, "success is neither true nor false");
		return -1;
	}
	return 0;
}

bool event_text_is_null(const char *p, size_t n)
{
	return !p || n == 0 || (n == 1 && p[0] == '-');
}

int event_parse_int(const char *p, size_t n, int64_t *out)
{
	size_t i = 0;
	bool neg = false;
	uint64_t v = 0;

	if (i < n && (p[i] == '-' || p[i] == '+'))
		neg = p[i++] == '-';
	if (i == n)
		return -1;
	size_t start = i;
	for (; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	if (i == start)
		return -1;
	if (i < n && p[i] == '.') { /* "59200.0": accepted only when the fraction is zero */
		for (i++; i < n && p[i] == '0'; i++)
			;
	}
	if (i != n || v > INT64_MAX)
		return -1;
	*out = neg ? -(int64_t)v : (int64_t)v;
	return 0;
}

/*
 * DIGITS / SCALE seconds times 10^exponent (the exponent's text in P[0..N)) to whole
 * milliseconds, rounded. DIGITS < 10^18 (at most 10^11 whole seconds and 6 fraction digits).
 */
static int seconds_with_exponent_ms(int64_t digits, int64_t scale, const char *p, size_t n, int64_t *out)
{
	int64_t e = 0;
	bool neg = false;
	size_t i = 0;
	if (i < n && (p[i] == '+' || p[i] == '-'))
		neg = p[i++] == '-';
	if (i == n)
		return -1;
	for (; i < n && p[i] >= '0' && p[i] <= '9'; i++)
		if ((e = e * 10 + (p[i] - '0')) > 40)
			return -1; /* beyond any latency in either direction */
	if (i != n)
		return -1;
	/* ms = digits * 10^(3 + exponent) / scale */
	int64_t k = 3 + (neg ? -e : e);
	int64_t den = scale;
	for (; k > 0 && den >= 10; k--) /* both powers of ten: exact */
		den /= 10;
	for (; k > 0; k--) {
		if (digits > EVENT_MAX_NUMBER)
			return -1; /* den is 1: the result only grows */
		digits *= 10;
	}
	for (; k < 0; k++) {
		if (den > INT64_MAX / 10) {
			*out = 0; /* far below a millisecond */
			return 0;
		}
		den *= 10;
	}
	int64_t ms = digits / den + (digits % den >= den - digits % den ? 1 : 0);
	if (ms > EVENT_MAX_NUMBER)
		return -1;
	*out = ms;
	return 0;
}

/*
 * Seconds with a fraction ("0.123") to whole milliseconds, rounded. An exponent is read
 * too ("1.2345e-05"): SQLite writes a small JSON number so (Caddy's "duration").
 */
static int parse_seconds_ms(const char *p, size_t n, int64_t *out)
{
	int64_t whole = 0, frac = 0, scale = 1;
	size_t i = 0;
	if (i == n || p[i] < '0' || p[i] > '9')
		return -1;
	for (; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
		if (whole > EVENT_MAX_NUMBER / 10000) /* ms must stay within EVENT_MAX_NUMBER */
			return -1;
		whole = whole * 10 + (p[i] - '0');
	}
	if (i < n && p[i] == '.') {
		for (i++; i < n && p[i] >= '0' && p[i] <= '9'; i++)
			if (scale < 1000000) {
				frac = frac * 10 + (p[i] - '0');
				scale *= 10;
			}
	}
	if (i < n && (p[i] == 'e' || p[i] == 'E'))
		return seconds_with_exponent_ms(whole * scale + frac, scale, p + i + 1, n - i - 1, out);
	if (i != n)
		return -1;
	*out = whole * 1000 + (frac * 1000 + scale / 2) / scale;
	return 0;
}

/*
 * nginx's $upstream_response_time lists one time per upstream tried ("0.010, 0.020 : 0.030");
 * the request waited for all of them, so they are summed.
 */
static int parse_upstream_ms(const char *p, size_t n, int64_t *out)
{
	int64_t sum = 0, v;
	size_t i = 0;
	bool any = false;
	while (i < n) {
		while (i < n && (p[i] == ' ' || p[i] == ',' || p[i] == ':'))
			i++;
		size_t s = i;
		while (i < n && p[i] != ' ' && p[i] != ',' && p[i] != ':')
			i++;
		if (i == s)
			break;
		if (i - s == 1 && p[s] == '-')
			continue;
		if (parse_seconds_ms(p + s, i - s, &v) < 0 || sum > EVENT_MAX_NUMBER - v)
			return -1;
		sum += v;
		any = true;
	}
	if (!any)
		return 1;
	*out = sum;
	return 0;
}

/*
 * Optional values: rate-limit readings are extras beside the record, often read from
 * headers a provider changes at will, so one that cannot be read is dropped with a
 * warning and the record is kept. The value stays as it was (an earlier alias may have
 * set it); the first warning is kept for the message.
 */
static int warn(struct event *ev, const struct event_field *f, enum event_warning w)
{
	if (ev->warnings == 0) {
		ev->warning = (uint8_t)w;
		ev->warning_field = f->name;
	}
	if (ev->warnings < UINT16_MAX)
		ev->warnings++;
	return 0;
}

/* A reset: a time is stored now, a delay waits for the event's time in event_finish. */
static void set_reset(struct event *ev, enum event_num i, int64_t value, bool is_delay)
{
	event_set_num(ev, i, value);
	if (is_delay) {
		ev->num_set &= ~(1u << i);
		ev->num_delay |= 1u << i;
	}
}

static int set_optional(struct event *ev, const struct event_field *f, const char *p, size_t n)
{
	int64_t v;
	bool is_delay;
	if (f->kind == EVF_RESET) {
		if (timefmt_parse_reset(p, n, &v, &is_delay) < 0)
			return warn(ev, f, EV_WARN_BAD_RESET);
		set_reset(ev, f->index, v, is_delay);
		return 0;
	}
	if (event_parse_int(p, n, &v) < 0)
		return warn(ev, f, EV_WARN_BAD_NUMBER);
	if (v < 0 || v > EVENT_MAX_NUMBER)
		return warn(ev, f, EV_WARN_OUT_OF_RANGE);
	event_set_num(ev, f->index, v);
	return 0;
}

/* A reset a JSON log gave as a number: the bare-number rule of timefmt_parse_reset. */
static int set_reset_number(struct event *ev, const struct event_field *f, int64_t v)
{
	if (v < 0)
		return warn(ev, f, EV_WARN_OUT_OF_RANGE);
	if (v < TIMEFMT_DELAY_MAX) {
		set_reset(ev, f->index, v * 1000, true);
		return 0;
	}
	if (v > 100000000000LL) /* milliseconds, as timefmt_parse_auto reads them */
		v /= 1000;
	if (v > TIMEFMT_MAX_EPOCH)
		return warn(ev, f, EV_WARN_OUT_OF_RANGE);
	set_reset(ev, f->index, v, false);
	return 0;
}

void event_warning_text(const struct event *ev, struct buf *out)
{
	const char *name = ev->warning_field ? ev->warning_field : "a field";
	switch ((enum event_warning)ev->warning) {
	case EV_WARN_NONE:
		return;
	case EV_WARN_BAD_NUMBER:
		buf_printf(out, "bad number for %s", name);
		break;
	case EV_WARN_OUT_OF_RANGE:
		buf_printf(out, "%s out of range", name);
		break;
	case EV_WARN_BAD_RESET:
		buf_printf(out, "bad reset time for %s", name);
		break;
	case EV_WARN_RESET_NO_TIME:
		buf_printf(out, "%s is a delay but the record has no time", name);
		break;
	case EV_WARN_RESET_RANGE:
		buf_printf(out, "%s is beyond 9999", name);
		break;
	}
	if (ev->warnings > 1)
		buf_printf(out, " (and %u more)", (unsigned)(ev->warnings - 1));
}

int event_set_number(struct event *ev, const struct event_field *f, int64_t v, struct buf *reason)
{
	if (f->kind == EVF_RESET)
		return set_reset_number(ev, f, v);
	if (f->kind == EVF_RATE && (v < 0 || v > EVENT_MAX_NUMBER))
		return warn(ev, f, EV_WARN_OUT_OF_RANGE);
	if (v < 0 || v > EVENT_MAX_NUMBER) {
		buf_printf(reason, "%s out of range (%s)", f->name, v < 0 ? "negative" : "above 10^15");
		return -1;
	}
	if (f->kind == EVF_PROMPT) {
		ev->prompt = v;
		ev->has_prompt = true;
	} else {
		event_set_num(ev, f->index, v);
	}
	return 0;
}

static void set_path(struct event *ev, const char *p, size_t n)
{
	const char *q = memchr(p, '?', n);
	if (q)
		n = (size_t)(q - p);
	if (n)
		ev->text[EV_ENDPOINT] = (struct slice){ p, n };
}

/*
 * A credential a server redacted before logging it ("REDACTED": Caddy's Authorization
 * without log_credentials; "[REDACTED]", "<redacted>"): there is no credential to count,
 * and all such values as one credential would be a false one.
 */
static bool is_redacted(const char *p, size_t n)
{
	if (n >= 2 && ((p[0] == '[' && p[n - 1] == ']') || (p[0] == '<' && p[n - 1] == '>'))) {
		p++;
		n -= 2;
	}
	return n == 8 && strncasecmp(p, "redacted", 8) == 0;
}

int event_set(struct event *ev, const struct event_field *f, const char *p, size_t n,
	      const char *time_format, struct buf *reason)
{
	int64_t v;

	if (f->kind == EVF_IGNORE)
		return 0;
	if (f->kind != EVF_REQUEST && event_text_is_null(p, n))
		return 0;
	switch (f->kind) {
	case EVF_TEXT:
		if (f->index == EV_TOKEN && is_redacted(p, n))
			return 0;
		ev->text[f->index] = (struct slice){ p, n };
		return 0;
	case EVF_PATH:
		set_path(ev, p, n);
		return 0;
	case EVF_REQUEST: {
		/* "GET /path HTTP/1.1"; "" and garbage keep the event with NULL method and path. */
		const char *sp = memchr(p, ' ', n);
		if (!sp || sp == p)
			return 0;
		ev->text[EV_METHOD] = (struct slice){ p, (size_t)(sp - p) };
		const char *path = sp + 1, *end = p + n;
		const char *sp2 = memchr(path, ' ', (size_t)(end - path));
		set_path(ev, path, (size_t)((sp2 ? sp2 : end) - path));
		return 0;
	}
	case EVF_RATE:
	case EVF_RESET:
		return set_optional(ev, f, p, n);
	case EVF_NUM:
	case EVF_PROMPT:
		if (event_parse_int(p, n, &v) < 0)
			goto bad_number;
		return event_set_number(ev, f, v, reason);
	case EVF_SECONDS: {
		int rc = f->index == EV_UPSTREAM_MS ? parse_upstream_ms(p, n, &v) : parse_seconds_ms(p, n, &v);
		if (rc < 0)
			goto bad_number;
		return rc == 0 ? event_set_number(ev, f, v, reason) : 0;
	}
	case EVF_SUCCESS: {
		int failed = event_failure_word(p, n);
		if (failed < 0) {
			buf_printf(reason, "success is neither true nor false");
			return -1;
		}
		ev->failed = (int8_t)failed;
		return 0;
	}
	case EVF_BATCH:
		/* "true", "yes", a custom_id: a batch; "false", "no", "0": not one */
		if (event_failure_word(p, n) != 1)
			ev->is_batch = true;
		return 0;
	case EVF_TIME: {
		int rc;
		if (!time_format || strcmp(time_format, "auto") == 0)
			rc = timefmt_parse_auto(p, n, &v);
		else if (strcmp(time_format, "iso8601") == 0)
			rc = timefmt_parse_iso8601(p, n, &v);
		else if (strcmp(time_format, "epoch") == 0)
			rc = timefmt_parse_epoch(p, n, 0, &v);
		else if (strcmp(time_format, "epoch_ms") == 0)
			rc = timefmt_parse_epoch(p, n, 1, &v);
		else
			rc = timefmt_parse(time_format, p, n, &v);
		if (rc < 0) {
			/* Whole (the line bounds it): ingest masks a reason before it cuts it. */
			buf_adds(reason, "bad time \"");
			buf_add(reason, p, n);
			buf_addc(reason, '"');
			return -1;
		}
		ev->epoch = v;
		ev->has_time = true;
		return 0;
	}
	case EVF_IGNORE:
		return 0;
	}
	return 0;

bad_number:
	/* Numbers are not secrets, but a credential in the wrong column might be: no quote. */
	buf_printf(reason, "bad number for %s", f->name);
	return -1;
}

/* Delays to times: the event's time is known only once the whole line is read. */
static void finish_delays(struct event *ev)
{
	for (int i = 0; ev->num_delay && i < EV_NUM_N; i++) {
		if (!(ev->num_delay & (1u << i)))
			continue;
		const struct event_field *f = event_fields;
		while (f->name && !(f->kind == EVF_RESET && f->index == i))
			f++;
		int64_t secs = (ev->num[i] + 999) / 1000; /* not reset before then: round up */
		ev->num_delay &= ~(1u << i);
		if (!ev->has_time)
			warn(ev, f, EV_WARN_RESET_NO_TIME);
		else if (ev->epoch > TIMEFMT_MAX_EPOCH - secs)
			warn(ev, f, EV_WARN_RESET_RANGE);
		else
			event_set_num(ev, i, ev->epoch + secs);
	}
}

void event_finish(struct event *ev)
{
	finish_delays(ev);
	if (ev->has_prompt && !event_has(ev, EV_INPUT_TOKENS)) {
		int64_t cached = event_has(ev, EV_CACHE_READ_TOKENS) ? ev->num[EV_CACHE_READ_TOKENS] : 0;
		/* A prompt smaller than its cache reads cannot include them: keep it as logged. */
		event_set_num(ev, EV_INPUT_TOKENS, ev->prompt >= cached ? ev->prompt - cached : ev->prompt);
	}
	/* 1-hour cache writes are a part of cache_write_tokens (as Anthropic's
	 * cache_creation_input_tokens holds both TTLs), never more than it. */
	if (event_has(ev, EV_CACHE_WRITE_1H_TOKENS)) {
		if (!event_has(ev, EV_CACHE_WRITE_TOKENS))
			event_set_num(ev, EV_CACHE_WRITE_TOKENS, ev->num[EV_CACHE_WRITE_1H_TOKENS]);
		else if (ev->num[EV_CACHE_WRITE_1H_TOKENS] > ev->num[EV_CACHE_WRITE_TOKENS])
			ev->num[EV_CACHE_WRITE_1H_TOKENS] = ev->num[EV_CACHE_WRITE_TOKENS];
	}
	if (ev->is_batch) /* a Batch API record: whatever tier its body names, it was billed as batch */
		ev->text[EV_SERVICE_TIER] = (struct slice){ "batch", 5 };
	static const enum event_num kinds[] = { EV_INPUT_TOKENS, EV_OUTPUT_TOKENS,
						EV_CACHE_READ_TOKENS, EV_CACHE_WRITE_TOKENS };
	int64_t sum = 0;
	bool any = false;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (event_has(ev, kinds[i])) {
			sum += ev->num[kinds[i]];
			any = true;
		}
	if (any) /* the kinds decide; a logged total is only kept when no kind is known */
		event_set_num(ev, EV_TOTAL_TOKENS, sum);
	if (!event_has(ev, EV_LATENCY_MS) && event_has(ev, EV_UPSTREAM_MS))
		event_set_num(ev, EV_LATENCY_MS, ev->num[EV_UPSTREAM_MS]);
	if (!ev->text[EV_USER].p && !ev->text[EV_TOKEN].p && ev->text[EV_REMOTE_USER].p)
		ev->text[EV_USER] = ev->text[EV_REMOTE_USER];
}
