/*
 * The "regex" parser kind: a PCRE2 pattern (JIT-compiled) whose named groups are event
 * fields, plus an optional group of trailing key=value pairs with key aliases.
 * Definition keys: pattern, fields {group: field}, pairs (group name), keys {field: [key...]},
 * skip (pattern of lines that are not records), detect (pattern; default: the pattern).
 */
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

struct rx_format {
	pcre2_code *re, *skip, *detect;
	pcre2_match_data *md, *md_aux;
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
	if (detect && !(rx->detect = compile(detect, "detect", d, err)))
		goto out;
	rx->md = pcre2_match_data_create_from_pattern(rx->re, NULL);
	rx->md_aux = pcre2_match_data_create(1, NULL);

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
	free(detect);
	free(pairs);
	free(keys_type);
	return rc;
}

static int match(pcre2_code *re, const char *p, size_t n, pcre2_match_data *md)
{
	return pcre2_match(re, (PCRE2_SPTR)p, n, 0, 0, md, NULL);
}

static bool rx_detect(struct format *f, const char *line, size_t n)
{
	struct rx_format *rx = f->impl;
	if (rx->skip && match(rx->skip, line, n, rx->md_aux) >= 0)
		return false;
	return match(rx->detect ? rx->detect : rx->re, line, n, rx->md) >= 0;
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
	int rc = match(rx->re, line, n, rx->md);
	if (rc < 0) {
		if (rx->skip && match(rx->skip, line, n, rx->md_aux) >= 0)
			return 1;
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
	pcre2_code_free(rx->detect);
	pcre2_match_data_free(rx->md);
	pcre2_match_data_free(rx->md_aux);
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
