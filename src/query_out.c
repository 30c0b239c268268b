/* The writers of `tokstat query`: table, CSV, JSON, JSON lines, Markdown (see query_out.h). */
#include "query_out.h"

#include <csv.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "out.h"
#include "utf8.h"

struct query_out {
	struct query_out_options opt;
	size_t ncols;
	char **names; /* json: made unique, as object keys must be */
	size_t nrows;
	bool started; /* csv, json, markdown: the header or '[' is out */
	/* table: the header (row 0) and the first rows, formatted, until the widths are known */
	struct buf cells;
	size_t *off, *cw, ncells, cells_cap;
	size_t *width;
	bool *is_text;
	bool is_sized;
	struct buf tmp;
};

static const char ellipsis[] = "\xe2\x80\xa6"; /* U+2026, one character wide */

int query_format_parse(const char *name, enum query_format *f)
{
	static const char *const names[] = { "table", "csv", "json", "jsonl", "markdown" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(name, names[i]) == 0) {
			*f = (enum query_format)i;
			return 0;
		}
	}
	return -1;
}

void query_out_real(struct buf *out, double r)
{
	if (isinf(r))
		buf_adds(out, r > 0 ? "Inf" : "-Inf");
	else
		out_format_real(out, r);
}

static void add_hex(struct buf *out, const char *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		buf_addc(out, digits[(unsigned char)p[i] >> 4]);
		buf_addc(out, digits[(unsigned char)p[i] & 15]);
	}
}

/* ---- CSV ---- */

void query_out_csv_text(struct buf *out, const char *p, size_t n, bool escape)
{
	struct buf cell = BUF_INIT;
	if (escape) {
		utf8_escape(&cell, p, n);
		p = buf_str(&cell);
		n = cell.len;
	}
	escape_csv(out, p, n, false);
	buf_free(&cell);
}

void query_out_csv_cell(struct buf *out, const struct query_value *v, bool escape)
{
	switch (v->type) {
	case QUERY_NULL:
		break;
	case QUERY_INT:
		buf_printf(out, "%" PRId64, v->i);
		break;
	case QUERY_REAL:
		query_out_real(out, v->r);
		break;
	case QUERY_BLOB: {
		struct buf hex = BUF_INIT;
		add_hex(&hex, v->p, v->n);
		buf_add(out, buf_str(&hex), hex.len);
		buf_free(&hex);
		break;
	}
	case QUERY_TEXT:
		query_out_csv_text(out, v->p, v->n, escape);
	}
}

/* ---- JSON ---- */

void query_out_json_value(struct buf *out, const struct query_value *v)
{
	switch (v->type) {
	case QUERY_NULL:
		buf_adds(out, "null");
		break;
	case QUERY_INT:
		buf_printf(out, "%" PRId64, v->i);
		break;
	case QUERY_REAL:
		if (isinf(v->r))
			buf_adds(out, v->r > 0 ? "1e999" : "-1e999"); /* JSON has no infinity; this reads as one */
		else
			query_out_real(out, v->r);
		break;
	case QUERY_BLOB: {
		struct buf hex = BUF_INIT;
		add_hex(&hex, v->p, v->n);
		escape_json(out, buf_str(&hex), hex.len);
		buf_free(&hex);
		break;
	}
	case QUERY_TEXT:
		escape_json(out, v->p, v->n);
	}
}

/* ---- Markdown ---- */

void query_out_markdown_cell(struct buf *out, const struct query_value *v)
{
	struct buf cell = BUF_INIT;
	switch (v->type) {
	case QUERY_NULL:
		break;
	case QUERY_INT:
		buf_printf(out, "%" PRId64, v->i);
		break;
	case QUERY_REAL:
		query_out_real(out, v->r);
		break;
	case QUERY_BLOB:
		add_hex(out, v->p, v->n);
		break;
	case QUERY_TEXT:
		utf8_escape(&cell, v->p, v->n);
		for (size_t i = 0; i < cell.len; i++) {
			if (strchr("|<>*`[]~", cell.data[i]))
				buf_addc(out, '\\');
			buf_addc(out, cell.data[i]);
		}
	}
	buf_free(&cell);
}

/* ---- table ---- */

/* Append P[0..N) escaped, cut to MAX characters (0: whole); returns the width appended. */
static size_t add_cut(struct buf *out, const char *p, size_t n, size_t max)
{
	struct buf whole = BUF_INIT, one = BUF_INIT;
	size_t w = utf8_escape(&whole, p, n);
	if (max == 0 || w <= max) {
		buf_add(out, buf_str(&whole), whole.len);
		buf_free(&whole);
		return w;
	}
	/* character by character, so an escape (\x1B) is kept whole or left out, never cut */
	w = 0;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t k = utf8_decode((const unsigned char *)p + i, n - i, &cp);
		if (k == 0)
			k = 1;
		buf_reset(&one);
		size_t cw = utf8_escape(&one, p + i, k);
		if (w + cw + 1 > max)
			break;
		buf_add(out, buf_str(&one), one.len);
		w += cw;
		i += k;
	}
	buf_adds(out, ellipsis);
	buf_free(&whole);
	buf_free(&one);
	return w + 1;
}

size_t query_out_table_cell(struct buf *out, const struct query_value *v, size_t max)
{
	size_t before = out->len;
	switch (v->type) {
	case QUERY_NULL:
		buf_addc(out, '-');
		break;
	case QUERY_INT:
		buf_printf(out, "%" PRId64, v->i);
		break;
	case QUERY_REAL:
		query_out_real(out, v->r);
		break;
	case QUERY_BLOB: {
		struct buf hex = BUF_INIT;
		add_hex(&hex, v->p, v->n);
		size_t w = add_cut(out, buf_str(&hex), hex.len, max);
		buf_free(&hex);
		return w;
	}
	case QUERY_TEXT:
		return add_cut(out, v->p, v->n, max);
	}
	return out->len - before;
}

static void pad(struct buf *out, size_t have, size_t want)
{
	for (; have < want; have++)
		buf_addc(out, ' ');
}

/* One line of already formatted cells: numbers (columns without text) right-aligned. */
static void table_line(struct query_out *o, struct buf *out, const char *const *cell, const size_t *len,
		       const size_t *w)
{
	for (size_t c = 0; c < o->ncols; c++) {
		bool last = c + 1 == o->ncols;
		if (!o->is_text[c])
			pad(out, w[c], o->width[c]);
		buf_add(out, cell[c], len[c]);
		if (o->is_text[c] && !last)
			pad(out, w[c], o->width[c]);
		buf_adds(out, last ? "\n" : "  ");
	}
}

static void table_hold(struct query_out *o, const struct query_value *v, const char *name, size_t c)
{
	if (o->ncells == o->cells_cap) {
		o->cells_cap = o->cells_cap ? o->cells_cap * 2 : 64;
		o->off = xrealloc(o->off, (o->cells_cap + 1) * sizeof(*o->off));
		o->cw = xrealloc(o->cw, o->cells_cap * sizeof(*o->cw));
	}
	o->off[o->ncells] = o->cells.len;
	size_t w = v ? query_out_table_cell(&o->cells, v, o->opt.max_width)
		     : add_cut(&o->cells, name, strlen(name), o->opt.max_width);
	o->cw[o->ncells++] = w;
	o->off[o->ncells] = o->cells.len;
	if ((v || o->opt.header) && w > o->width[c])
		o->width[c] = w;
	if (v && (v->type == QUERY_TEXT || v->type == QUERY_BLOB))
		o->is_text[c] = true;
}

/* Write the held header and rows: from now on the widths are fixed. */
static void table_size(struct query_out *o, struct buf *out)
{
	const char **cell = xcalloc(o->ncols ? o->ncols : 1, sizeof(*cell));
	size_t *len = xcalloc(o->ncols ? o->ncols : 1, sizeof(*len));
	size_t first = o->opt.header ? 0 : o->ncols;

	o->is_sized = true;
	if (o->ncols == 0)
		goto out;
	for (size_t i = first; i < o->ncells; i += o->ncols) {
		for (size_t c = 0; c < o->ncols; c++) {
			cell[c] = o->cells.data + o->off[i + c];
			len[c] = o->off[i + c + 1] - o->off[i + c];
		}
		table_line(o, out, cell, len, o->cw + i);
	}
out:
	free(cell);
	free(len);
	buf_free(&o->cells);
	free(o->off);
	free(o->cw);
	o->off = o->cw = NULL;
}

static void table_row(struct query_out *o, const struct query_value *row, struct buf *out)
{
	if (!o->is_sized) {
		for (size_t c = 0; c < o->ncols; c++)
			table_hold(o, &row[c], NULL, c);
		if (o->nrows + 1 >= QUERY_OUT_SAMPLE_ROWS)
			table_size(o, out);
		return;
	}
	/* after the sample: text is cut to its column's width, so the columns stay aligned */
	const char **cell = xcalloc(o->ncols ? o->ncols : 1, sizeof(*cell));
	size_t *len = xcalloc(o->ncols ? o->ncols : 1, sizeof(*len)), *w = xcalloc(o->ncols ? o->ncols : 1, sizeof(*w));
	size_t *off = xcalloc(o->ncols + 1, sizeof(*off));
	buf_reset(&o->tmp);
	for (size_t c = 0; c < o->ncols; c++) {
		off[c] = o->tmp.len;
		w[c] = query_out_table_cell(&o->tmp, &row[c], o->width[c] > 0 ? o->width[c] : 1);
	}
	off[o->ncols] = o->tmp.len;
	for (size_t c = 0; c < o->ncols; c++) {
		cell[c] = o->tmp.data + off[c];
		len[c] = off[c + 1] - off[c];
	}
	table_line(o, out, cell, len, w);
	free(cell);
	free(len);
	free(w);
	free(off);
}

/* ---- the writer ---- */

struct query_out *query_out_new(const struct query_out_options *opt, size_t ncols, const char *const *names)
{
	struct query_out *o = xcalloc(1, sizeof(*o));
	o->opt = *opt;
	if (!o->opt.max_width)
		o->opt.max_width = QUERY_OUT_MAX_WIDTH;
	if (o->opt.max_width < 2)
		o->opt.max_width = 2;
	o->ncols = ncols;
	o->names = xcalloc(ncols ? ncols : 1, sizeof(*o->names));
	o->width = xcalloc(ncols ? ncols : 1, sizeof(*o->width));
	o->is_text = xcalloc(ncols ? ncols : 1, sizeof(*o->is_text));
	for (size_t c = 0; c < ncols; c++) {
		struct buf name = BUF_INIT;
		buf_adds(&name, names[c]);
		/* "SELECT a.token, b.token": JSON keys must differ, so the second is token_2 */
		bool is_json = opt->format == QUERY_FORMAT_JSON || opt->format == QUERY_FORMAT_JSONL;
		for (unsigned k = 2; is_json; k++) {
			size_t d = 0;
			while (d < c && strcmp(o->names[d], buf_str(&name)) != 0)
				d++;
			if (d == c)
				break;
			buf_reset(&name);
			buf_printf(&name, "%s_%u", names[c], k);
		}
		o->names[c] = xstrdup(buf_str(&name));
		buf_free(&name);
	}
	if (opt->format == QUERY_FORMAT_TABLE)
		for (size_t c = 0; c < ncols; c++)
			table_hold(o, NULL, o->names[c], c);
	return o;
}

static void start(struct query_out *o, struct buf *out)
{
	if (o->started)
		return;
	o->started = true;
	switch (o->opt.format) {
	case QUERY_FORMAT_CSV:
		if (!o->opt.header)
			break;
		for (size_t c = 0; c < o->ncols; c++) {
			if (c)
				buf_addc(out, ',');
			query_out_csv_text(out, o->names[c], strlen(o->names[c]), o->opt.to_terminal);
		}
		buf_adds(out, "\r\n");
		break;
	case QUERY_FORMAT_JSON:
		buf_addc(out, '[');
		break;
	case QUERY_FORMAT_MARKDOWN:
		for (size_t c = 0; c < o->ncols; c++) {
			struct query_value v = { .type = QUERY_TEXT, .p = o->names[c], .n = strlen(o->names[c]) };
			buf_adds(out, "| ");
			query_out_markdown_cell(out, &v);
			buf_addc(out, ' ');
		}
		buf_adds(out, "|\n");
		for (size_t c = 0; c < o->ncols; c++)
			buf_adds(out, "|---");
		buf_adds(out, "|\n");
		break;
	default:
		break;
	}
}

static void json_row(struct query_out *o, const struct query_value *row, struct buf *out)
{
	buf_addc(out, o->opt.header ? '{' : '[');
	for (size_t c = 0; c < o->ncols; c++) {
		if (c)
			buf_addc(out, ',');
		if (o->opt.header) {
			escape_json(out, o->names[c], strlen(o->names[c]));
			buf_addc(out, ':');
		}
		query_out_json_value(out, &row[c]);
	}
	buf_addc(out, o->opt.header ? '}' : ']');
}

void query_out_row(struct query_out *o, const struct query_value *row, struct buf *out)
{
	start(o, out);
	switch (o->opt.format) {
	case QUERY_FORMAT_TABLE:
		table_row(o, row, out);
		break;
	case QUERY_FORMAT_CSV:
		for (size_t c = 0; c < o->ncols; c++) {
			if (c)
				buf_addc(out, ',');
			query_out_csv_cell(out, &row[c], o->opt.to_terminal);
		}
		buf_adds(out, "\r\n");
		break;
	case QUERY_FORMAT_JSON:
		buf_adds(out, o->nrows ? ",\n" : "\n");
		json_row(o, row, out);
		break;
	case QUERY_FORMAT_JSONL:
		json_row(o, row, out);
		buf_addc(out, '\n');
		break;
	case QUERY_FORMAT_MARKDOWN:
		for (size_t c = 0; c < o->ncols; c++) {
			buf_adds(out, "| ");
			query_out_markdown_cell(out, &row[c]);
			buf_addc(out, ' ');
		}
		buf_adds(out, "|\n");
		break;
	}
	o->nrows++;
}

void query_out_end(struct query_out *o, struct buf *out)
{
	start(o, out);
	switch (o->opt.format) {
	case QUERY_FORMAT_TABLE:
		if (!o->is_sized)
			table_size(o, out);
		if (o->nrows == 0)
			buf_adds(out, "(none)\n");
		break;
	case QUERY_FORMAT_JSON:
		buf_adds(out, o->nrows ? "\n]\n" : "]\n");
		break;
	default:
		break;
	}
}

void query_out_free(struct query_out *o)
{
	if (!o)
		return;
	for (size_t c = 0; c < o->ncols; c++)
		free(o->names[c]);
	free(o->names);
	free(o->width);
	free(o->is_text);
	buf_free(&o->cells);
	free(o->off);
	free(o->cw);
	buf_free(&o->tmp);
	free(o);
}
