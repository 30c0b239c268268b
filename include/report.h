/*
 * The report model: what `summary`, `cost` and `pricing` show, as titled tables of typed
 * values filled from the views. Writers (out_text) render a model and never query SQLite, so
 * one set of figures can later be written as text, CSV, JSON or HTML alike.
 */
#ifndef TOKSTAT_REPORT_H
#define TOKSTAT_REPORT_H
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum report_kind { REPORT_NULL, REPORT_INT, REPORT_REAL, REPORT_TEXT };

/* One cell. TEXT values live in their table's arena: read them with report_text(). */
struct report_value {
	enum report_kind kind;
	int64_t i;
	double r;
	size_t off, len;
};

struct report_table {
	char *title;        /* NULL: none */
	char *note;         /* NULL, or a line shown after the rows (e.g. what was not counted) */
	bool is_figures;    /* one row of named figures, shown as "name  value" lines */
	int decimals;       /* digits shown for REAL values (default 2) */
	size_t ncols, nrows;
	char **names;       /* ncols column names */
	struct report_value *cells; /* nrows * ncols, row after row */
	struct buf text;    /* the TEXT values, each NUL-terminated */
};

struct report {
	char *title;        /* NULL: none */
	struct report_table **tables;
	size_t ntables;
};

/* A parameter of a report query: TEXT when text is non-NULL, else the integer NUM. */
struct report_bind {
	const char *text;
	int64_t num;
};

/* Set the report's title (copied). */
void report_set_title(struct report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Run SQL with BINDS (?1..?N) on DB and append its rows as a table titled TITLE (NULL: none).
 * The rows are held in memory: the queries behind reports are aggregates and top-N lists.
 * Returns the new table, or NULL with ERR set (the report is unchanged).
 */
struct report_table *report_add_query(struct report *r, sqlite3 *db, const char *title, const char *sql,
				      const struct report_bind *binds, int nbinds, struct buf *err);

/* Set a table's note (copied; replaces an earlier one). */
void report_set_note(struct report_table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The cell at ROW, COL (both in range). */
const struct report_value *report_cell(const struct report_table *t, size_t row, size_t col);

/* The text of a TEXT value ("" for any other kind). */
const char *report_text(const struct report_table *t, const struct report_value *v);

/* Free everything the report holds and leave it empty. Accepts an empty report. */
void report_free(struct report *r);

#endif
