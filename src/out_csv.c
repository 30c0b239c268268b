/*
 * The CSV writer: RFC 4180 through libcsv (csv_write quotes every text field), one table per
 * --by with a header row of column keys, numbers unformatted, NULL as an empty field. Tables
 * are separated by an empty line. Line ends are CRLF, as RFC 4180 says.
 *
 * Spreadsheet formula injection: a text cell that starts with '=', '+', '-', '@', a tab or a
 * CR would be run as a formula by Excel, LibreOffice or Google Sheets. Such a cell gets a
 * leading apostrophe (OWASP's advice), which spreadsheets show as text. Numbers are written as
 * numbers, never as text, so a negative number stays a number.
 */
#include <csv.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "escape.h"
#include "out.h"

static void csv_value(struct buf *out, const struct report_table *t, const struct report_value *v)
{
	switch (v->kind) {
	case REPORT_NULL:
		break;
	case REPORT_INT:
		buf_printf(out, "%lld", (long long)v->i);
		break;
	case REPORT_REAL:
		if (isfinite(v->r))
			out_format_real(out, v->r);
		break;
	case REPORT_TEXT:
		escape_csv(out, report_text(t, v), v->len, true);
		break;
	}
}

static void csv_table(struct buf *out, const struct report_table *t)
{
	for (size_t c = 0; c < t->ncols; c++) {
		if (c)
			buf_addc(out, ',');
		escape_csv(out, t->cols[c].key, strlen(t->cols[c].key), true);
	}
	buf_adds(out, "\r\n");
	for (size_t row = 0; row < t->nrows; row++) {
		for (size_t c = 0; c < t->ncols; c++) {
			if (c)
				buf_addc(out, ',');
			csv_value(out, t, report_cell(t, row, c));
		}
		buf_adds(out, "\r\n");
	}
}

int out_csv_write(struct buf *out, const struct report *r, const struct out_options *o, struct buf *err)
{
	(void)err;
	size_t written = 0;
	for (size_t i = 0; i < r->ntables; i++) {
		const struct report_table *t = r->tables[i];
		bool wanted = !o || !o->csv_tables ? t->shape != REPORT_RECORD : false;
		for (size_t k = 0; o && o->csv_tables && k < o->n_csv_tables; k++)
			if (t->key && strcmp(t->key, o->csv_tables[k]) == 0)
				wanted = true;
		if (!wanted || t->ncols == 0)
			continue;
		if (written++)
			buf_adds(out, "\r\n");
		csv_table(out, t);
	}
	return 0;
}
