/*
 * The "csv" parser kind: CSV (or TSV) records mapped to event fields by header names,
 * split by libcsv. The first record of a file is its header. A quoted field may hold line
 * breaks: the physical lines of such a record are fed to libcsv one by one, the record
 * becomes an event at its last line and the lines before it count as skipped.
 *
 * Definition keys (README, "CSV formats", has the full text):
 *   columns     {field: name | [name...]}: the first name the header has feeds the field
 *               (names match without regard to case or surrounding spaces)
 *   delimiter   one character ("\t" for TSV; default ","), or "auto": tab, comma or
 *               semicolon, whichever the header line holds most of
 *   detect      [name | [name...], ...]: header names that must all be present (a nested
 *               list: any of); default: a time column and one token column
 *   require_any [field...]: rows where all of these are empty are not usage records
 *               (skipped); default: model and the token fields
 *   defaults    {text field: "value"}: used when the row leaves the field empty
 */
#include <csv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "format.h"

/*
 * How far an open quote may run (README, "Formats", says the rule). A quoted field may span
 * lines, but a record still open when one of these holds is rejected at the line where it
 * began, and reading goes on afresh from the line that ended it, so no row is swallowed:
 * - the next line is a whole record by itself (strict CSV, as many fields as the header);
 * - the record has CSV_MAX_RECORD_LINES lines, or would pass CSV_MAX_RECORD_BYTES.
 * A first line whose quote is broken under strict CSV ("ab"c, a closing quote followed by
 * text) is rejected at once. Bounds: a multi-line field in a usage export is an error
 * message or a prompt, far below both; they also bound what libcsv buffers.
 */
#define CSV_MAX_RECORD_LINES 1000
#define CSV_MAX_RECORD_BYTES (1u << 20)

struct csv_map {
	const struct event_field *field;
	char **names; /* header names, first match wins */
	size_t n_names;
	int col;      /* in the current file's header; -1: absent */
};

/* Header names of which any must be present. */
struct csv_need {
	char **names;
	size_t n;
};

struct csv_format {
	struct csv_parser p;
	unsigned char delim;
	bool auto_delim;    /* "delimiter": "auto": chosen from each file's header line */
	struct csv_map *maps;
	size_t n_maps;
	struct csv_need *detect;
	size_t n_detect;
	const struct event_field **require; /* require_any */
	size_t n_require;
	struct format_defaults defaults;
	/* the current file */
	bool have_header, header_ok;
	char **header;
	size_t n_header;
	/* the record being read: field i is rec.data[off[i]..off[i]+len[i]) */
	struct buf rec;
	size_t *off, *len;
	size_t n_fields, cap_fields;
	int records;     /* records completed by the last csv_parse call */
	int lines;       /* physical lines of the record so far */
	size_t bytes;    /* ... and their bytes */
	/* a strict parser, to ask whether one line is a whole record by itself */
	struct csv_parser strict;
	size_t strict_fields;
	int strict_records;
};

static void free_strings(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* ---- libcsv callbacks: collect the fields of one record ---- */

static void on_field(void *s, size_t n, void *data)
{
	struct csv_format *cf = data;
	if (cf->records) /* a second record on one physical line (a bare CR): noted, rejected */
		cf->records++;
	if (cf->n_fields == cf->cap_fields) {
		cf->cap_fields = cf->cap_fields ? cf->cap_fields * 2 : 32;
		cf->off = xrealloc(cf->off, cf->cap_fields * sizeof(*cf->off));
		cf->len = xrealloc(cf->len, cf->cap_fields * sizeof(*cf->len));
	}
	cf->off[cf->n_fields] = cf->rec.len;
	cf->len[cf->n_fields++] = n;
	buf_add(&cf->rec, s ? s : "", s ? n : 0);
}

static void on_record(int c, void *data)
{
	struct csv_format *cf = data;
	(void)c;
	cf->records++;
}

/* Only the space is trimmed around unquoted fields: a tab may be the delimiter. */
static int is_space(unsigned char c)
{
	return c == ' ';
}

static void record_reset(struct csv_format *cf)
{
	buf_reset(&cf->rec);
	cf->n_fields = 0;
	cf->records = 0;
	cf->lines = 0;
	cf->bytes = 0;
}

static void on_strict_field(void *s, size_t n, void *data)
{
	struct csv_format *cf = data;
	(void)s;
	(void)n;
	if (!cf->strict_records)
		cf->strict_fields++;
}

static void on_strict_record(int c, void *data)
{
	struct csv_format *cf = data;
	(void)c;
	cf->strict_records++;
}

/*
 * LINE parsed alone under strict CSV: 1 a whole record with as many fields as the header,
 * 0 not that, -1 a quote that strict CSV refuses before the line's end (*AT: its byte).
 */
static int strict_check(struct csv_format *cf, const char *line, size_t n, size_t *at)
{
	int rc = 0;
	cf->strict_fields = 0;
	cf->strict_records = 0;
	csv_init(&cf->strict, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL);
	csv_set_delim(&cf->strict, cf->delim);
	csv_set_space_func(&cf->strict, is_space);
	size_t done = csv_parse(&cf->strict, line, n, on_strict_field, on_strict_record, cf);
	if (done != n) {
		*at = done;
		rc = -1;
	} else if (csv_fini(&cf->strict, on_strict_field, on_strict_record, cf) == 0 && cf->strict_records == 1 &&
		   cf->n_header > 1 && cf->strict_fields == cf->n_header) {
		rc = 1;
	}
	csv_free(&cf->strict);
	return rc;
}

static void parser_init(struct csv_format *cf)
{
	/* REPALL_NL: a blank line is reported as an empty record, not silently joined. */
	csv_init(&cf->p, CSV_APPEND_NULL | CSV_REPALL_NL);
	csv_set_delim(&cf->p, cf->delim);
	csv_set_space_func(&cf->p, is_space);
}

/* ---- the header ---- */

/* NAME without surrounding spaces and a UTF-8 byte order mark, lowercased by comparison. */
static void trim(const char **p, size_t *n)
{
	if (*n >= 3 && memcmp(*p, "\xef\xbb\xbf", 3) == 0)
		*p += 3, *n -= 3;
	while (*n && ((*p)[0] == ' ' || (*p)[0] == '\t'))
		(*p)++, (*n)--;
	while (*n && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t' || (*p)[*n - 1] == '\r'))
		(*n)--;
}

static int header_find(const struct csv_format *cf, const char *name)
{
	for (size_t i = 0; i < cf->n_header; i++)
		if (strcasecmp(cf->header[i], name) == 0)
			return (int)i;
	return -1;
}

/* Remember the header record and map the definition's columns onto it. */
static void read_header(struct csv_format *cf)
{
	free_strings(cf->header, cf->n_header);
	cf->header = xcalloc(cf->n_fields ? cf->n_fields : 1, sizeof(*cf->header));
	cf->n_header = cf->n_fields;
	for (size_t i = 0; i < cf->n_fields; i++) {
		const char *p = cf->rec.data + cf->off[i];
		size_t n = cf->len[i];
		trim(&p, &n);
		cf->header[i] = xstrndup(p, n);
	}
	for (size_t m = 0; m < cf->n_maps; m++) {
		cf->maps[m].col = -1;
		for (size_t k = 0; k < cf->maps[m].n_names && cf->maps[m].col < 0; k++)
			cf->maps[m].col = header_find(cf, cf->maps[m].names[k]);
	}
	cf->header_ok = true;
	for (size_t i = 0; i < cf->n_detect && cf->header_ok; i++) {
		bool any = false;
		for (size_t k = 0; k < cf->detect[i].n && !any; k++)
			any = header_find(cf, cf->detect[i].names[k]) >= 0;
		cf->header_ok = any;
	}
	cf->have_header = true;
}

/* Start afresh: the parser may be stuck inside a quote. */
static void parser_restart(struct csv_format *cf)
{
	csv_free(&cf->p);
	parser_init(cf);
	record_reset(cf);
}

/*
 * A record open since an earlier line (a quoted field with a line break): does LINE end it
 * as broken (see CSV_MAX_RECORD_LINES)? Then REASON says why and the parser starts afresh.
 */
static bool open_record_breaks(struct csv_format *cf, const char *line, size_t n, struct buf *reason)
{
	size_t at;
	if (cf->have_header && strict_check(cf, line, n, &at) == 1)
		buf_printf(reason, "CSV: the quote opened on this line is still open %d line%s later, where a line is "
				   "a whole record by itself: rejected up to there, read on from there",
			   cf->lines, cf->lines == 1 ? "" : "s");
	else if (cf->lines >= CSV_MAX_RECORD_LINES || cf->bytes + n + 1 > CSV_MAX_RECORD_BYTES)
		buf_printf(reason, "CSV: the quote opened on this line is still open after %d lines and %zu bytes "
				   "(at most %d lines, %u bytes): rejected up to there",
			   cf->lines, cf->bytes, CSV_MAX_RECORD_LINES, CSV_MAX_RECORD_BYTES);
	else
		return false;
	parser_restart(cf);
	return true;
}

/*
 * Feed one physical line. Returns 1 when a record is complete, 0 when it continues on the
 * next line (inside quotes), -1 with REASON when it cannot be read.
 */
static int feed(struct csv_format *cf, const char *line, size_t n, struct buf *reason)
{
	if (cf->records)
		record_reset(cf);
	cf->lines++;
	cf->bytes += n + 1;
	if (csv_parse(&cf->p, line, n, on_field, on_record, cf) != n ||
	    csv_parse(&cf->p, "\n", 1, on_field, on_record, cf) != 1) {
		buf_printf(reason, "CSV: %s", csv_strerror(csv_error(&cf->p)));
		goto reject;
	}
	if (cf->records > 1) {
		buf_printf(reason, "CSV: more than one record on a line");
		goto reject;
	}
	if (cf->records == 1)
		return 1;
	size_t at;
	if (cf->lines == 1 && strict_check(cf, line, n, &at) < 0) {
		buf_printf(reason, "CSV: broken quote at byte %zu (a quote inside a field, or text after a closing quote)",
			   at + 1);
		goto reject;
	}
	return 0;
reject:
	parser_restart(cf); /* the next line starts afresh */
	return -1;
}

/*
 * "delimiter": "auto" picks, per file, the one of tab, comma and semicolon that the header
 * line holds most of (header names rarely contain any of them).
 */
static void choose_delimiter(struct csv_format *cf, const char *line, size_t n)
{
	static const char cands[] = "\t,;";
	size_t best = 0;
	if (!cf->auto_delim)
		return;
	cf->delim = ',';
	for (const char *c = cands; *c; c++) {
		size_t k = 0;
		for (size_t i = 0; i < n; i++)
			k += line[i] == *c;
		if (k > best) {
			best = k;
			cf->delim = (unsigned char)*c;
		}
	}
	csv_set_delim(&cf->p, cf->delim);
}

/* ---- formats ---- */

static void csv_fmt_reset(struct format *f)
{
	struct csv_format *cf = f->impl;
	csv_free(&cf->p);
	parser_init(cf);
	record_reset(cf);
	free_strings(cf->header, cf->n_header);
	cf->header = NULL;
	cf->n_header = 0;
	cf->have_header = cf->header_ok = false;
}

static int csv_parse_line(struct format *f, const char *line, size_t n, struct event *ev, struct buf *reason);

/*
 * A file read on from a checkpoint: its header is the first record of HEAD, which is fed
 * again so the columns are known; the lines after the checkpoint follow.
 */
static int csv_fmt_resume(struct format *f, const char *head, size_t n, struct buf *err)
{
	struct csv_format *cf = f->impl;
	struct buf reason = BUF_INIT;
	struct event ev;
	size_t pos = 0;
	int rc = -1;

	csv_fmt_reset(f);
	while (pos < n && !cf->have_header) {
		const char *nl = memchr(head + pos, '\n', n - pos);
		if (!nl)
			break; /* the header goes on past the head */
		size_t len = (size_t)(nl - (head + pos));
		if (len && head[pos + len - 1] == '\r')
			len--;
		event_clear(&ev);
		buf_reset(&reason);
		if (csv_parse_line(f, head + pos, len, &ev, &reason) < 0)
			break;
		pos = (size_t)(nl - head) + 1;
	}
	if (cf->have_header)
		rc = 0;
	else
		buf_printf(err, "cannot read the CSV header again from the file's first %zu bytes", n);
	buf_free(&reason);
	return rc;
}

static bool csv_detect(struct format *f, const char *line, size_t n)
{
	struct csv_format *cf = f->impl;
	struct buf reason = BUF_INIT;
	if (!cf->have_header) {
		/* Only a header on one line tells the format (detection reads whole lines). */
		choose_delimiter(cf, line, n);
		int rc = feed(cf, line, n, &reason);
		if (rc == 1 && cf->n_fields > 0)
			read_header(cf);
		else if (rc != 1)
			cf->have_header = true;
	}
	buf_free(&reason);
	return cf->header_ok;
}

static const char *field_text(const struct csv_format *cf, int col, size_t *n)
{
	if (col < 0 || (size_t)col >= cf->n_fields) {
		*n = 0;
		return NULL;
	}
	*n = cf->len[col];
	return cf->rec.data + cf->off[col];
}

static int csv_parse_line(struct format *f, const char *line, size_t n, struct event *ev, struct buf *reason)
{
	struct csv_format *cf = f->impl;
	if (cf->lines > 0 && !cf->records && open_record_breaks(cf, line, n, reason))
		return FORMAT_RECORD_BROKEN;
	if (!cf->have_header && (cf->lines == 0 || cf->records)) /* a record starts here */
		choose_delimiter(cf, line, n);
	int rc = feed(cf, line, n, reason);
	if (rc <= 0) /* a line inside a quoted field: the record goes on */
		return rc < 0 ? -1 : FORMAT_CONTINUES;
	if (cf->n_fields == 0 || (cf->n_fields == 1 && cf->len[0] == 0))
		return 1; /* a blank line */
	if (!cf->have_header) {
		read_header(cf);
		return 1;
	}
	if (!cf->header_ok) {
		buf_printf(reason, "the header names none of the columns the format needs");
		return -1;
	}
	bool any = false;
	for (size_t i = 0; i < cf->n_require && !any; i++)
		for (size_t m = 0; m < cf->n_maps && !any; m++) {
			size_t len = 0;
			const char *p = cf->maps[m].field == cf->require[i] ? field_text(cf, cf->maps[m].col, &len) : NULL;
			any = !event_text_is_null(p, len);
		}
	if (!any)
		return 1;
	for (size_t m = 0; m < cf->n_maps; m++) {
		const struct event_field *ef = cf->maps[m].field;
		size_t len = 0;
		const char *p = field_text(cf, cf->maps[m].col, &len);
		if (event_text_is_null(p, len))
			continue;
		trim(&p, &len);
		int rc2 = ef->kind == EVF_SUCCESS || (ef->kind == EVF_NUM && ef->index == EV_STATUS)
				  ? event_set_outcome(ev, ef, p, len, reason) /* as JSON's: one reading */
				  : event_set(ev, ef, p, len, f->time_format, reason);
		if (rc2 < 0)
			return -1;
	}
	format_defaults_apply(&cf->defaults, ev);
	if (!ev->has_time) {
		buf_printf(reason, "no time");
		return -1;
	}
	return 0;
}

/* ---- loading a definition ---- */

struct load_ctx {
	struct csv_format *cf;
	struct format_def *d;
	struct buf *err;
	const char *what;
};

/* A name or a list of names at PATH into NAMES. */
static int read_names(struct load_ctx *c, const char *path, char ***names, size_t *n)
{
	int rc = format_def_strings(c->d, path, names, n);
	if (rc == FORMAT_DEF_NOT_ALL_STRINGS)
		buf_printf(c->err, "%s: %s must list header names (strings)", format_def_where(c->d), c->what);
	else if (rc != 0)
		buf_printf(c->err, "%s: %s must be a header name or a list of them", format_def_where(c->d), c->what);
	return rc ? -1 : 0;
}

static int add_column(void *vctx, const char *name, const char *value, const char *type)
{
	struct load_ctx *c = vctx;
	struct csv_format *cf = c->cf;
	const struct event_field *ef = event_field_find(name);
	struct buf path = BUF_INIT, what = BUF_INIT;
	int rc;
	(void)value;
	(void)type;
	if (!ef) {
		buf_printf(c->err, "%s: columns: unknown event field \"%s\"", format_def_where(c->d), name);
		return 1;
	}
	cf->maps = xrealloc(cf->maps, (cf->n_maps + 1) * sizeof(*cf->maps));
	struct csv_map *m = &cf->maps[cf->n_maps++];
	memset(m, 0, sizeof(*m));
	m->field = ef;
	m->col = -1;
	buf_printf(&path, "$.columns.\"%s\"", name);
	buf_printf(&what, "columns.%s", name);
	c->what = what.data;
	rc = read_names(c, path.data, &m->names, &m->n_names);
	buf_free(&path);
	buf_free(&what);
	return rc ? 1 : 0;
}

static int add_need(void *vctx, const char *key, const char *value, const char *type)
{
	struct load_ctx *c = vctx;
	struct csv_format *cf = c->cf;
	struct buf path = BUF_INIT;
	int rc;
	(void)key;
	(void)value;
	(void)type;
	buf_printf(&path, "$.detect[%zu]", cf->n_detect);
	cf->detect = xrealloc(cf->detect, (cf->n_detect + 1) * sizeof(*cf->detect));
	memset(&cf->detect[cf->n_detect], 0, sizeof(*cf->detect));
	c->what = "detect";
	rc = read_names(c, path.data, &cf->detect[cf->n_detect].names, &cf->detect[cf->n_detect].n);
	cf->n_detect++;
	buf_free(&path);
	return rc ? 1 : 0;
}

static int add_require(void *vctx, const char *key, const char *value, const char *type)
{
	struct load_ctx *c = vctx;
	struct csv_format *cf = c->cf;
	const struct event_field *ef = strcmp(type, "text") == 0 ? event_field_find(value) : NULL;
	(void)key;
	if (!ef) {
		buf_printf(c->err, "%s: require_any lists event fields", format_def_where(c->d));
		return 1;
	}
	cf->require = xrealloc(cf->require, (cf->n_require + 1) * sizeof(*cf->require));
	cf->require[cf->n_require++] = ef;
	return 0;
}

static bool is_token_field(const struct event_field *ef)
{
	return ef->kind == EVF_PROMPT || (ef->kind == EVF_NUM && ef->index >= EV_INPUT_TOKENS && ef->index <= EV_TOTAL_TOKENS);
}

/* Without "detect": a time column and one token column. Without "require_any": model and tokens. */
static void default_rules(struct csv_format *cf, bool need_detect, bool need_require)
{
	struct csv_need time = { 0 }, tokens = { 0 };
	for (size_t m = 0; m < cf->n_maps; m++) {
		const struct event_field *ef = cf->maps[m].field;
		struct csv_need *to = ef->kind == EVF_TIME ? &time : is_token_field(ef) ? &tokens : NULL;
		if (need_require && (is_token_field(ef) || (ef->kind == EVF_TEXT && ef->index == EV_MODEL))) {
			cf->require = xrealloc(cf->require, (cf->n_require + 1) * sizeof(*cf->require));
			cf->require[cf->n_require++] = ef;
		}
		for (size_t k = 0; to && need_detect && k < cf->maps[m].n_names; k++) {
			to->names = xrealloc(to->names, (to->n + 1) * sizeof(*to->names));
			to->names[to->n++] = xstrdup(cf->maps[m].names[k]);
		}
	}
	if (need_detect) {
		cf->detect = xcalloc(2, sizeof(*cf->detect));
		cf->detect[cf->n_detect++] = time;
		cf->detect[cf->n_detect++] = tokens;
	}
}

static void csv_fmt_free(struct format *f)
{
	struct csv_format *cf = f->impl;
	if (!cf)
		return;
	csv_free(&cf->p);
	for (size_t m = 0; m < cf->n_maps; m++)
		free_strings(cf->maps[m].names, cf->maps[m].n_names);
	free(cf->maps);
	for (size_t i = 0; i < cf->n_detect; i++)
		free_strings(cf->detect[i].names, cf->detect[i].n);
	free(cf->detect);
	free(cf->require);
	format_defaults_free(&cf->defaults);
	free_strings(cf->header, cf->n_header);
	buf_free(&cf->rec);
	free(cf->off);
	free(cf->len);
	free(cf);
	f->impl = NULL;
}

static int csv_load(struct format *f, struct format_def *d, struct buf *err)
{
	struct csv_format *cf = xcalloc(1, sizeof(*cf));
	struct load_ctx c = { cf, d, err, NULL };
	char *delim = format_def_text(d, "$.delimiter");
	char *type = format_def_type(d, "$.columns");
	int rc = -1;

	f->impl = cf;
	cf->delim = ',';
	if (delim && strcmp(delim, "auto") == 0) {
		cf->auto_delim = true;
	} else if (delim) {
		if (strlen(delim) != 1) {
			buf_printf(err, "%s: \"delimiter\" must be one character or \"auto\"", format_def_where(d));
			goto out;
		}
		cf->delim = (unsigned char)delim[0];
	}
	parser_init(cf);
	if (!type || strcmp(type, "object") != 0) {
		buf_printf(err, "%s: \"columns\" must be an object {event field: header names}", format_def_where(d));
		goto out;
	}
	if (format_def_each(d, "$.columns", add_column, &c) != 0)
		goto out;
	free(type);
	type = format_def_type(d, "$.detect");
	bool need_detect = !type;
	if (type && (strcmp(type, "array") != 0 || format_def_each(d, "$.detect", add_need, &c) != 0)) {
		if (!err->len)
			buf_printf(err, "%s: \"detect\" must list header names", format_def_where(d));
		goto out;
	}
	free(type);
	type = format_def_type(d, "$.require_any");
	bool need_require = !type;
	if (type && (strcmp(type, "array") != 0 || format_def_each(d, "$.require_any", add_require, &c) != 0)) {
		if (!err->len)
			buf_printf(err, "%s: \"require_any\" must list event fields", format_def_where(d));
		goto out;
	}
	free(type);
	type = NULL;
	if (format_def_defaults(d, &cf->defaults, err) < 0)
		goto out;
	default_rules(cf, need_detect, need_require);
	rc = 0;
out:
	free(delim);
	free(type);
	if (rc < 0)
		csv_fmt_free(f);
	return rc;
}

const struct format_ops parse_csv_ops = {
	.kind = "csv",
	.load = csv_load,
	.detect = csv_detect,
	.parse = csv_parse_line,
	.reset = csv_fmt_reset,
	.resume = csv_fmt_resume,
	.free = csv_fmt_free,
};
