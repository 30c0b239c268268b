/* The text writer: reports as aligned, escaped columns (see out_text.h). */
#include "out_text.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

/* Append V as text to OUT; returns its width. */
static size_t format_value(struct buf *out, const struct report_table *t, const struct report_value *v)
{
	size_t before = out->len;
	switch (v->kind) {
	case REPORT_NULL:
		buf_addc(out, '-');
		break;
	case REPORT_INT:
		buf_printf(out, "%lld", (long long)v->i);
		break;
	case REPORT_REAL:
		buf_printf(out, "%.*f", t->decimals, v->r);
		break;
	case REPORT_TEXT:
		return utf8_escape(out, report_text(t, v), v->len);
	}
	return out->len - before;
}

static void pad(struct buf *out, size_t n)
{
	while (n--)
		buf_addc(out, ' ');
}

static void write_figures(struct buf *out, const struct report_table *t)
{
	struct buf cell = BUF_INIT;
	size_t name_width = 0;
	for (size_t c = 0; c < t->ncols; c++) {
		buf_reset(&cell);
		size_t w = utf8_escape(&cell, t->names[c], strlen(t->names[c]));
		if (w > name_width)
			name_width = w;
	}
	for (size_t c = 0; c < t->ncols && t->nrows > 0; c++) {
		buf_adds(out, "  ");
		size_t w = utf8_escape(out, t->names[c], strlen(t->names[c]));
		pad(out, name_width - w + 2);
		format_value(out, t, report_cell(t, 0, c));
		buf_addc(out, '\n');
	}
	buf_free(&cell);
}

static void write_columns(struct buf *out, const struct report_table *t)
{
	size_t ncells = (t->nrows + 1) * t->ncols;
	size_t *off = xcalloc(ncells + 1, sizeof(*off)), *cw = xcalloc(ncells ? ncells : 1, sizeof(*cw));
	size_t *width = xcalloc(t->ncols ? t->ncols : 1, sizeof(*width));
	bool *has_text = xcalloc(t->ncols ? t->ncols : 1, sizeof(*has_text));
	struct buf cells = BUF_INIT;

	/* every cell escaped once, header first; a column without text is right-aligned (numbers,
	 * or only NULLs: a day whose costs are all unknown keeps the layout of the others) */
	for (size_t i = 0; i < ncells; i++) {
		size_t row = i / t->ncols, c = i % t->ncols;
		off[i] = cells.len;
		if (row == 0) {
			cw[i] = utf8_escape(&cells, t->names[c], strlen(t->names[c]));
		} else {
			const struct report_value *v = report_cell(t, row - 1, c);
			cw[i] = format_value(&cells, t, v);
			if (v->kind == REPORT_TEXT)
				has_text[c] = true;
		}
		if (cw[i] > width[c])
			width[c] = cw[i];
	}
	off[ncells] = cells.len;
	for (size_t i = 0; i < ncells; i++) {
		size_t c = i % t->ncols;
		bool last = c == t->ncols - 1;
		if (!has_text[c])
			pad(out, width[c] - cw[i]);
		buf_add(out, cells.data + off[i], off[i + 1] - off[i]);
		if (has_text[c] && !last)
			pad(out, width[c] - cw[i]);
		buf_adds(out, last ? "\n" : "  ");
	}
	if (t->nrows == 0)
		buf_adds(out, "(none)\n");
	buf_free(&cells);
	free(off);
	free(cw);
	free(width);
	free(has_text);
}

static void write_table(struct buf *out, const struct report_table *t)
{
	if (t->title)
		buf_printf(out, "\n%s\n", t->title);
	if (t->ncols == 0)
		return;
	if (t->is_figures)
		write_figures(out, t);
	else
		write_columns(out, t);
	if (t->note)
		buf_printf(out, "%s\n", t->note);
}

void out_text_report(struct buf *out, const struct report *r)
{
	if (r->title)
		buf_printf(out, "%s\n", r->title);
	for (size_t i = 0; i < r->ntables; i++)
		write_table(out, r->tables[i]);
}
