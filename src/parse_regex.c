/*
 * The "regex" parser kind: a PCRE2 pattern (JIT-compiled) whose named groups are event
 * fields, plus an optional group of trailing key=value pairs with key aliases.
 * Definition keys: pattern, fields {group: field}, pairs (group name), keys {field: [key...]},
 * skip (pattern of lines that are not records), skip_own (lines of the format that are not
 * records, such as ELB's TCP entries: skipped, but detection counts them as the format's),
 * detect (pattern; default: the pattern).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "format.h"

struct rx_group {
	int number;
	const struct event_field *field;
};

struct rx_key {
	char *key;
	size_t len;
	const struct event_field *field;
};

/*
 * The JIT's stack: PCRE2's default (32 KiB) runs out on a line whose request, referer or
 * agent is longer than about 1,340 bytes when a group repeats per character, as in
 * (?:[^"\\]|\\.)* (measured: about 24 bytes of stack a character, up to 64 on other
 * patterns). A match that runs out is tried again with a stack 16 times larger, up to
 * RX_JIT_STACK_LIMIT: enough for such a pattern over a 16 MiB line (--max-line's default).
 * Linux commits a stack's pages only as the match touches them; one larger than
 * RX_JIT_STACK_START is dropped after the match that needed it.
 */
#define RX_JIT_STACK_START (1u << 20)
#define RX_JIT_STACK_LIMIT (1u << 30)

struct rx_format {
	pcre2_code *re, *skip, *skip_own, *detect;
	pcre2_match_data *md, *md_aux;
	pcre2_match_context *mctx;
	pcre2_jit_stack *stack;
	size_t stack_max;   /* the largest size STACK may grow to */
	struct rx_group *groups;
	size_t n_groups;
	int pairs_group; /* -1: none */
	struct rx_key *keys;
	size_t n_keys;
	/* consecutive lines often share a timestamp: parse it once */
	char last_time[64];
	size_t last_time_n;
	int64_t last_epoch;
};

static pcre2_code *compile(const char *pattern, const char *what, struct format_def *d, struct buf *err)
{
	int code;
	PCRE2_SIZE off;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, 0, &code, &off, NULL);
	if (!re) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(code, msg, sizeof(msg));
		buf_printf(err, "%s: bad \"%s\" pattern at offset %zu: %s", format_def_where(d), what, (size_t)off, msg);
		return NULL;
	}
	pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* without JIT support, matching still works */
	return re;
}

struct load_ctx {
	struct format *f;
	struct rx_format *rx;
	struct format_def *d;
	struct buf *err;
};

static int add_field_keys(void *vctx, const char *field, const char *value, const char *type)
{
	struct load_ctx *c = vctx;
	(void)value;
	if (!event_field_find(field)) {
		buf_printf(c->err, "%s: keys: unknown event field \"%s\"", format_def_where(c->d), field);
		return -1;
	}
	struct buf path = BUF_INIT;
	int rc;
	if (strcmp(type, "array") != 0) {
		buf_printf(c->err, "%s: keys.%s must be an array", format_def_where(c->d), field);
		return -1;
	}
	buf_printf(&path, "$.keys.\"%s\"", field);
	char **keys = NULL;
	size_t n = 0;
	rc = format_def_strings(c->d, path.data, &keys, &n);
	buf_free(&path);
	if (rc < 0)
		buf_printf(c->err, "%s: keys.%s must list strings", format_def_where(c->d), field);
	for (size_t i = 0; i < n; i++) { /* the keys take the strings over */
		c->rx->keys = xrealloc(c->rx->keys, (c->rx->n_keys + 1) * sizeof(*c->rx->keys));
		struct rx_key *k = &c->rx->keys[c->rx->n_keys++];
		k->key = keys[i];
		k->len = strlen(keys[i]);
		k->field = event_field_find(field);
	}
	free(keys);
	return rc < 0 ? -1 : 0;
}

/* The field a group feeds: "fields" in the definition, else the group's own name. */
static const struct event_field *group_field(struct format_def *d, const char *name)
{
	struct buf path = BUF_INIT;
	buf_printf(&path, "$.fields.\"%s\"", name);
	char *mapped = format_def_text(d, path.data);
	const struct event_field *f = event_field_find(mapped ? mapped : name);
	free(mapped);
	buf_free(&path);
	return f;
}

static int rx_load(struct format *f, struct format_def *d, struct buf *err)
{
	struct rx_format *rx = xcalloc(1, sizeof(*rx));
	char *pattern = format_def_text(d, "$.pattern");
	char *skip = format_def_text(d, "$.skip");
	char *skip_own = format_def_text(d, "$.skip_own");
	char *detect = format_def_text(d, "$.detect");
	char *pairs = format_def_text(d, "$.pairs");
	char *keys_type = format_def_type(d, "$.keys");
	int rc = -1;

	f->impl = rx;
	rx->pairs_group = -1;
	if (!pattern) {
		buf_printf(err, "%s: \"pattern\" is missing", format_def_where(d));
		goto out;
	}
	if (!(rx->re = compile(pattern, "pattern", d, err)))
		goto out;
	if (skip && !(rx->skip = compile(skip, "skip", d, err)))
		goto out;
	if (skip_own && !(rx->skip_own = compile(skip_own, "skip_own", d, err)))
		goto out;
	if (detect && !(rx->detect = compile(detect, "detect", d, err)))
		goto out;
	rx->md = pcre2_match_data_create_from_pattern(rx->re, NULL);
	rx->md_aux = pcre2_match_data_create(1, NULL);
	rx->mctx = pcre2_match_context_create(NULL);

	uint32_t count, entry;
	PCRE2_SPTR table;
	pcre2_pattern_info(rx->re, PCRE2_INFO_NAMECOUNT, &count);
	pcre2_pattern_info(rx->re, PCRE2_INFO_NAMEENTRYSIZE, &entry);
	pcre2_pattern_info(rx->re, PCRE2_INFO_NAMETABLE, &table);
	rx->groups = xcalloc(count ? count : 1, sizeof(*rx->groups));
	for (uint32_t i = 0; i < count; i++) {
		PCRE2_SPTR e = table + i * entry;
		int number = (e[0] << 8) | e[1];
		const char *name = (const char *)e + 2;
		if (pairs && strcmp(name, pairs) == 0) {
			rx->pairs_group = number;
			continue;
		}
		const struct event_field *ef = group_field(d, name);
		if (!ef)
			continue; /* client, referer, agent ...: not part of an event */
		rx->groups[rx->n_groups].number = number;
		rx->groups[rx->n_groups++].field = ef;
	}
	if (pairs && rx->pairs_group < 0) {
		buf_printf(err, "%s: \"pairs\" names a group the pattern does not have: %s", format_def_where(d), pairs);
		goto out;
	}
	if (keys_type) {
		struct load_ctx c = { f, rx, d, err };
		if (strcmp(keys_type, "object") != 0) {
			buf_printf(err, "%s: \"keys\" must be an object", format_def_where(d));
			goto out;
		}
		if (format_def_each(d, "$.keys", add_field_keys, &c) != 0)
			goto out;
	}
	rc = 0;
out:
	free(pattern);
	free(skip);
	free(skip_own);
	free(detect);
	free(pairs);
	free(keys_type);
	return rc;
}

/* Give the JIT a stack that may grow to MAX bytes. Returns 0, or -1 when it cannot be made. */
static int set_stack(struct rx_format *rx, size_t max)
{
	pcre2_jit_stack *js = pcre2_jit_stack_create(32 * 1024, max, NULL);
	if (!js)
		return -1;
	pcre2_jit_stack_free(rx->stack);
	rx->stack = js;
	rx->stack_max = max;
	pcre2_jit_stack_assign(rx->mctx, NULL, js);
	return 0;
}

/*
 * Match P[0..N): the rc of pcre2_match. A JIT stack that runs out grows (see
 * RX_JIT_STACK_LIMIT) and the match is tried again. An error (rc < -1) says nothing
 * about whether the line is of the format: callers report it as what it is.
 */
static int match(struct rx_format *rx, pcre2_code *re, const char *p, size_t n, pcre2_match_data *md)
{
	if (!rx->stack && set_stack(rx, RX_JIT_STACK_START) < 0)
		return PCRE2_ERROR_NOMEMORY;
	int rc = pcre2_match(re, (PCRE2_SPTR)p, n, 0, 0, md, rx->mctx);
	while (rc == PCRE2_ERROR_JIT_STACKLIMIT && rx->stack_max < RX_JIT_STACK_LIMIT &&
	       set_stack(rx, rx->stack_max * 16 < RX_JIT_STACK_LIMIT ? rx->stack_max * 16 : RX_JIT_STACK_LIMIT) == 0)
		rc = pcre2_match(re, (PCRE2_SPTR)p, n, 0, 0, md, rx->mctx);
	if (rx->stack_max > RX_JIT_STACK_START)
		set_stack(rx, RX_JIT_STACK_START); /* on failure the large one stays: still a valid stack */
	return rc;
}

/* "pattern match failed: <PCRE2's words for RC>" into REASON. */
static void match_failed(struct buf *reason, const char *what, int rc)
{
	PCRE2_UCHAR msg[256];
	if (pcre2_get_error_message(rc, msg, sizeof(msg)) < 0)
		snprintf((char *)msg, sizeof(msg), "error %d", rc);
	buf_printf(reason, "%s match failed: %s", what, (const char *)msg);
}

static bool rx_detect(struct format *f, const char *line, size_t n)
{
	struct rx_format *rx = f->impl;
	if (rx->skip && match(rx, rx->skip, line, n, rx->md_aux) >= 0)
		return false;
	if (rx->skip_own && match(rx, rx->skip_own, line, n, rx->md_aux) >= 0)
		return true;
	return match(rx, rx->detect ? rx->detect : rx->re, line, n, rx->md) >= 0;
}

static const struct event_field *find_key(const struct rx_format *rx, const char *k, size_t n)
{
	for (size_t i = 0; i < rx->n_keys; i++)
		if (rx->keys[i].len == n && rx->keys[i].key[0] == k[0] && memcmp(rx->keys[i].key, k, n) == 0)
			return rx->keys[i].field;
	return NULL;
}

static bool is_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

/* key=value pairs separated by spaces; values bare or "quoted" (with \" escapes). */
static int parse_pairs(struct format *f, const char *p, size_t n, struct event *ev, struct buf *reason)
{
	struct rx_format *rx = f->impl;
	size_t i = 0;
	while (i < n) {
		while (i < n && p[i] == ' ')
			i++;
		size_t ks = i;
		while (i < n && is_key_char(p[i]))
			i++;
		size_t klen = i - ks;
		bool is_pair = klen > 0 && i < n && p[i] == '=';
		if (is_pair)
			i++;
		const char *v = p + i;
		size_t vlen;
		if (i < n && p[i] == '"') {
			size_t vs = ++i;
			while (i < n && p[i] != '"')
				i += p[i] == '\\' && i + 1 < n ? 2 : 1;
			v = p + vs;
			vlen = i - vs;
			if (i < n)
				i++;
		} else {
			size_t vs = i;
			while (i < n && p[i] != ' ')
				i++;
			vlen = i - vs;
		}
		if (!is_pair)
			continue; /* a field that is not key=value, like an appended "$http_x_forwarded_for" */
		const struct event_field *ef = find_key(rx, p + ks, klen);
		if (ef && event_set(ev, ef, v, vlen, f->time_format, reason) < 0)
			return -1;
	}
	return 0;
}

static int rx_parse(struct format *f, const char *line, size_t n, struct event *ev, struct buf *reason)
{
	struct rx_format *rx = f->impl;
	int rc = match(rx, rx->re, line, n, rx->md);
	if (rc < PCRE2_ERROR_NOMATCH) { /* not "no": the match could not be made */
		match_failed(reason, "pattern", rc);
		return -1;
	}
	if (rc < 0) {
		int skip = rx->skip ? match(rx, rx->skip, line, n, rx->md_aux) : PCRE2_ERROR_NOMATCH;
		if (skip == PCRE2_ERROR_NOMATCH && rx->skip_own)
			skip = match(rx, rx->skip_own, line, n, rx->md_aux);
		if (skip >= 0)
			return 1;
		if (skip < PCRE2_ERROR_NOMATCH)
			match_failed(reason, "skip pattern", skip);
		else
			buf_printf(reason, "does not match format %s", f->name);
		return -1;
	}
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(rx->md);
	for (size_t i = 0; i < rx->n_groups; i++) {
		int g = rx->groups[i].number;
		if (g >= rc || ov[2 * g] == PCRE2_UNSET)
			continue;
		const char *v = line + ov[2 * g];
		size_t vlen = ov[2 * g + 1] - ov[2 * g];
		const struct event_field *ef = rx->groups[i].field;
		if (ef->kind == EVF_TIME && vlen == rx->last_time_n && vlen && memcmp(v, rx->last_time, vlen) == 0) {
			ev->epoch = rx->last_epoch;
			ev->has_time = true;
			continue;
		}
		if (event_set(ev, ef, v, vlen, f->time_format, reason) < 0)
			return -1;
		if (ef->kind == EVF_TIME && ev->has_time && vlen <= sizeof(rx->last_time)) {
			memcpy(rx->last_time, v, vlen);
			rx->last_time_n = vlen;
			rx->last_epoch = ev->epoch;
		}
	}
	int g = rx->pairs_group;
	if (g >= 0 && g < rc && ov[2 * g] != PCRE2_UNSET &&
	    parse_pairs(f, line + ov[2 * g], ov[2 * g + 1] - ov[2 * g], ev, reason) < 0)
		return -1;
	if (!ev->has_time) {
		buf_printf(reason, "no time");
		return -1;
	}
	return 0;
}

static void rx_free(struct format *f)
{
	struct rx_format *rx = f->impl;
	if (!rx)
		return;
	pcre2_code_free(rx->re);
	pcre2_code_free(rx->skip);
	pcre2_code_free(rx->skip_own);
	pcre2_code_free(rx->detect);
	pcre2_match_data_free(rx->md);
	pcre2_match_data_free(rx->md_aux);
	pcre2_match_context_free(rx->mctx);
	pcre2_jit_stack_free(rx->stack);
	for (size_t i = 0; i < rx->n_keys; i++)
		free(rx->keys[i].key);
	free(rx->keys);
	free(rx->groups);
	free(rx);
}

const struct format_ops parse_regex_ops = {
	.kind = "regex",
	.load = rx_load,
	.detect = rx_detect,
	.parse = rx_parse,
	.reset = NULL,
	.free = rx_free,
};
