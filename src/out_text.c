/* The text writer: reports as aligned, escaped columns (see out_text.h). */
#include "out_text.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

/* Would a terminal act on CP instead of showing it? */
static bool is_active(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)     /* C0, DEL, C1 (CSI is U+009B) */
	       || (cp >= 0x202A && cp <= 0x202E)             /* bidirectional embeddings, overrides */
	       || (cp >= 0x2066 && cp <= 0x2069)             /* bidirectional isolates */
	       || cp == 0x200E || cp == 0x200F || cp == 0x061C /* direction marks */
	       || cp == 0x2028 || cp == 0x2029;              /* line and paragraph separators */
}

size_t out_text_escape(struct buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t width = 0, i = 0;
	while (i < n) {
		size_t start = i, run;
		uint32_t cp = 0;
		/* the common case: a run of printable ASCII, copied at once */
		while (i < n && p[i] >= 0x20 && p[i] < 0x7F)
			i++;
		if (i > start) {
			buf_add(out, s + start, i - start);
			width += i - start;
			continue;
		}
		run = utf8_decode(p + i, n - i, &cp);
		if (run == 0) {
			buf_printf(out, "\\x%02X", p[i]);
			width += 4;
			i++;
		} else if (is_active(cp)) {
			size_t before = out->len;
			if (cp < 0x100)
				buf_printf(out, "\\x%02X", (unsigned)cp);
			else
				buf_printf(out, "\\u{%04X}", (unsigned)cp);
			width += out->len - before;
			i += run;
		} else {
			buf_add(out, s + i, run);
			width++;
			i += run;
		}
	}
	return width;
}

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
		return out_text_escape(out, report_text(t, v), v->len);
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
		size_t w = out_text_escape(&cell, t->names[c], strlen(t->names[c]));
		if (w > name_width)
			name_width = w;
	}
	for (size_t c = 0; c < t->ncols && t->nrows > 0; c++) {
		buf_adds(out, "  ");
		size_t w = out_text_escape(out, t->names[c], strlen(t->names[c]));
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
	bool *right = xcalloc(t->ncols ? t->ncols : 1, sizeof(*right));
	struct buf cells = BUF_INIT;

	/* every cell escaped once, header first; a column is right-aligned when it holds numbers */
	for (size_t i = 0; i < ncells; i++) {
		size_t row = i / t->ncols, c = i % t->ncols;
		off[i] = cells.len;
		if (row == 0) {
			cw[i] = out_text_escape(&cells, t->names[c], strlen(t->names[c]));
		} else {
			const struct report_value *v = report_cell(t, row - 1, c);
			cw[i] = format_value(&cells, t, v);
			if (v->kind == REPORT_INT || v->kind == REPORT_REAL)
				right[c] = true;
		}
		if (cw[i] > width[c])
			width[c] = cw[i];
	}
	off[ncells] = cells.len;
	for (size_t i = 0; i < ncells; i++) {
		size_t c = i % t->ncols;
		bool last = c == t->ncols - 1;
		if (right[c])
			pad(out, width[c] - cw[i]);
		buf_add(out, cells.data + off[i], off[i + 1] - off[i]);
		if (!right[c] && !last)
			pad(out, width[c] - cw[i]);
		buf_adds(out, last ? "\n" : "  ");
	}
	if (t->nrows == 0)
		buf_adds(out, "(none)\n");
	buf_free(&cells);
	free(off);
	free(cw);
	free(width);
	free(right);
}

void out_text_table(struct buf *out, const struct report_table *t)
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
		out_text_table(out, r->tables[i]);
}
