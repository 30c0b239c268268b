/*
 * The text writer: a report as aligned columns for a terminal, a pipe or a cron mail. Every
 * text that came from a log is escaped on the way out (utf8_escape), so a user name or an
 * endpoint cannot move the cursor, recolour the terminal or reorder its line. Levels are
 * words already (a badge column shows "rate_limited"); no colour is written.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "out.h"
#include "utf8.h"

static bool is_text(enum report_type t)
{
	return t == REPORT_TYPE_TEXT || t == REPORT_TYPE_DATE || t == REPORT_TYPE_TIME || t == REPORT_TYPE_BADGE;
}

/* Append V as text to OUT; returns its width. */
static size_t format_value(struct buf *out, const struct report_table *t, size_t col, const struct report_value *v)
{
	size_t before = out->len;
	if (v->kind == REPORT_TEXT)
		return utf8_escape(out, report_text(t, v), v->len);
	out_format_number(out, &t->cols[col], v);
	return out->len - before;
}

static void pad(struct buf *out, size_t n)
{
	while (n--)
		buf_addc(out, ' ');
}

static size_t escaped(struct buf *out, const char *s)
{
	return utf8_escape(out, s, strlen(s));
}

static void write_record(struct buf *out, const struct report_table *t)
{
	struct buf cell = BUF_INIT;
	size_t name_width = 0;
	for (size_t c = 0; c < t->ncols; c++) {
		buf_reset(&cell);
		size_t w = escaped(&cell, t->cols[c].label);
		if (w > name_width)
			name_width = w;
	}
	for (size_t c = 0; c < t->ncols && t->nrows > 0; c++) {
		buf_adds(out, "  ");
		size_t w = escaped(out, t->cols[c].label);
		pad(out, name_width - w + 2);
		format_value(out, t, c, report_cell(t, 0, c));
		buf_addc(out, '\n');
	}
	buf_free(&cell);
}

static void write_columns(struct buf *out, const struct report_table *t)
{
	size_t ncells = (t->nrows + 1) * t->ncols;
	size_t *off = xcalloc(ncells + 1, sizeof(*off)), *cw = xcalloc(ncells ? ncells : 1, sizeof(*cw));
	size_t *width = xcalloc(t->ncols ? t->ncols : 1, sizeof(*width));
	struct buf cells = BUF_INIT;

	/* every cell escaped once, header first; text columns left-aligned, numbers right */
	for (size_t i = 0; i < ncells; i++) {
		size_t row = i / t->ncols, c = i % t->ncols;
		off[i] = cells.len;
		if (row == 0)
			cw[i] = escaped(&cells, t->cols[c].label);
		else
			cw[i] = format_value(&cells, t, c, report_cell(t, row - 1, c));
		if (cw[i] > width[c])
			width[c] = cw[i];
	}
	off[ncells] = cells.len;
	for (size_t i = 0; i < ncells; i++) {
		size_t c = i % t->ncols;
		bool last = c == t->ncols - 1, left = is_text(t->cols[c].type);
		if (!left)
			pad(out, width[c] - cw[i]);
		buf_add(out, cells.data + off[i], off[i + 1] - off[i]);
		if (left && !last)
			pad(out, width[c] - cw[i]);
		buf_adds(out, last ? "\n" : "  ");
	}
	if (t->nrows == 0)
		buf_adds(out, "(none)\n");
	else if (t->total_rows > (int64_t)t->nrows)
		buf_printf(out, "... and %lld more\n", (long long)(t->total_rows - (int64_t)t->nrows));
	buf_free(&cells);
	free(off);
	free(cw);
	free(width);
}

static void write_note(struct buf *out, const struct report_note *n, const char *indent)
{
	buf_adds(out, indent);
	escaped(out, n->text);
	buf_addc(out, '\n');
}

static void write_table(struct buf *out, const struct report_table *t)
{
	if (t->title) {
		buf_addc(out, '\n');
		escaped(out, t->title);
		buf_addc(out, '\n');
	}
	if (t->ncols == 0)
		return;
	if (t->shape == REPORT_RECORD)
		write_record(out, t);
	else
		write_columns(out, t);
	/* a record's notes line up with its figures */
	for (size_t i = 0; i < t->nnotes; i++)
		write_note(out, &t->notes[i], t->shape == REPORT_RECORD ? "  " : "");
}

void out_text_report(struct buf *out, const struct report *r)
{
	if (r->title) {
		escaped(out, r->title);
		buf_addc(out, '\n');
	}
	for (size_t i = 0; i < r->nnotes; i++)
		write_note(out, &r->notes[i], "");
	for (size_t i = 0; i < r->ntables; i++)
		write_table(out, r->tables[i]);
}

int out_text_write(struct buf *out, const struct report *r, const struct out_options *o, struct buf *err)
{
	(void)o;
	(void)err;
	out_text_report(out, r);
	return 0;
}
