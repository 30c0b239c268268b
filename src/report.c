/* The report model: tables of typed values filled from the views (see report.h). */
#include "report.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static char *vformat(const char *fmt, va_list ap)
{
	struct buf b = BUF_INIT;
	buf_vprintf(&b, fmt, ap);
	char *s = xstrdup(buf_str(&b));
	buf_free(&b);
	return s;
}

void report_set_title(struct report *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	free(r->title);
	r->title = vformat(fmt, ap);
	va_end(ap);
}

void report_set_note(struct report_table *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	free(t->note);
	t->note = vformat(fmt, ap);
	va_end(ap);
}

static void table_free(struct report_table *t)
{
	if (!t)
		return;
	for (size_t c = 0; c < t->ncols; c++)
		free(t->names[c]);
	free(t->names);
	free(t->cells);
	free(t->title);
	free(t->note);
	buf_free(&t->text);
	free(t);
}

/* Copy the current row of Q into the cells of T (which has room for it). */
static void take_row(struct report_table *t, sqlite3_stmt *q)
{
	struct report_value *row = t->cells + t->nrows * t->ncols;
	for (size_t c = 0; c < t->ncols; c++) {
		struct report_value *v = &row[c];
		memset(v, 0, sizeof(*v));
		switch (sqlite3_column_type(q, (int)c)) {
		case SQLITE_NULL:
			v->kind = REPORT_NULL;
			break;
		case SQLITE_INTEGER:
			v->kind = REPORT_INT;
			v->i = sqlite3_column_int64(q, (int)c);
			break;
		case SQLITE_FLOAT:
			v->kind = REPORT_REAL;
			v->r = sqlite3_column_double(q, (int)c);
			break;
		default: { /* TEXT, or a BLOB shown as its bytes */
			const void *p = sqlite3_column_blob(q, (int)c);
			v->kind = REPORT_TEXT;
			v->len = (size_t)sqlite3_column_bytes(q, (int)c);
			v->off = t->text.len;
			buf_add(&t->text, p ? p : "", v->len);
			buf_addc(&t->text, '\0');
		}
		}
	}
	t->nrows++;
}

struct report_table *report_add_query(struct report *r, sqlite3 *db, const char *title, const char *sql,
				      const struct report_bind *binds, int nbinds, struct buf *err)
{
	struct report_table *t = xcalloc(1, sizeof(*t));
	sqlite3_stmt *q = NULL;
	size_t cap = 0;
	int step;

	t->decimals = 2;
	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
		goto fail;
	for (int i = 0; i < nbinds; i++) {
		if (binds[i].text)
			sqlite3_bind_text(q, i + 1, binds[i].text, -1, SQLITE_STATIC);
		else
			sqlite3_bind_int64(q, i + 1, binds[i].num);
	}
	t->ncols = (size_t)sqlite3_column_count(q);
	t->names = xcalloc(t->ncols ? t->ncols : 1, sizeof(*t->names));
	for (size_t c = 0; c < t->ncols; c++)
		t->names[c] = xstrdup(sqlite3_column_name(q, (int)c));
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		if (t->nrows == cap) {
			cap = cap ? cap * 2 : 16;
			t->cells = xrealloc(t->cells, cap * (t->ncols ? t->ncols : 1) * sizeof(*t->cells));
		}
		take_row(t, q);
	}
	if (step != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(q);
	if (title)
		t->title = xstrdup(title);
	r->tables = xrealloc(r->tables, (r->ntables + 1) * sizeof(*r->tables));
	r->tables[r->ntables++] = t;
	return t;
fail:
	buf_printf(err, "cannot query: %s", sqlite3_errmsg(db));
	sqlite3_finalize(q);
	table_free(t);
	return NULL;
}

const struct report_value *report_cell(const struct report_table *t, size_t row, size_t col)
{
	return &t->cells[row * t->ncols + col];
}

const char *report_text(const struct report_table *t, const struct report_value *v)
{
	return v->kind == REPORT_TEXT ? t->text.data + v->off : "";
}

void report_free(struct report *r)
{
	for (size_t i = 0; i < r->ntables; i++)
		table_free(r->tables[i]);
	free(r->tables);
	free(r->title);
	memset(r, 0, sizeof(*r));
}
