/*
 * The writers of `tokstat query`: rows as they come, in one of five formats. Each appends to a
 * struct buf that the command writes out, so rows stream and no result is held whole. Each
 * format's cell escaping is a small public function of its own (query_out_*_cell), so that
 * they can be tested alone and shared by other writers later.
 */
#ifndef TOKSTAT_QUERY_OUT_H
#define TOKSTAT_QUERY_OUT_H
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "query.h"

/* The table format sizes its columns on the first rows, then writes every row at those widths. */
#define QUERY_OUT_SAMPLE_ROWS 100
/* Default widest cell of the table format, in characters; longer text is cut with '…'. */
#define QUERY_OUT_MAX_WIDTH 60

enum query_format { QUERY_FORMAT_TABLE, QUERY_FORMAT_CSV, QUERY_FORMAT_JSON, QUERY_FORMAT_JSONL, QUERY_FORMAT_MARKDOWN };

struct query_out_options {
	enum query_format format;
	bool header;      /* table, csv, markdown: a header line; json, jsonl: objects (else arrays) */
	size_t max_width; /* table: widest text cell (0: QUERY_OUT_MAX_WIDTH) */
	bool to_terminal; /* csv: escape text as the table does, so no log text acts on a terminal */
};

/* "table", "csv", "json", "jsonl" or "markdown". Returns 0, or -1 for another name. */
int query_format_parse(const char *name, enum query_format *f);

struct query_out;

/* A writer for rows of NCOLS columns named NAMES (copied). Free with query_out_free. */
struct query_out *query_out_new(const struct query_out_options *opt, size_t ncols, const char *const *names);
/* Append ROW[ncols] (the table format holds the first QUERY_OUT_SAMPLE_ROWS rows back). */
void query_out_row(struct query_out *o, const struct query_value *row, struct buf *out);
/* Append what is left: the held rows, a closing ']', "(none)" for an empty table. */
void query_out_end(struct query_out *o, struct buf *out);
void query_out_free(struct query_out *o);

/* A REAL as the shortest decimal that reads back as the same double ("Inf", "-Inf" if infinite). */
void query_out_real(struct buf *out, double r);

/*
 * A CSV cell (RFC 4180): NULL is empty; numbers are written as numbers; text starting with
 * = + - @ tab or CR (a formula to a spreadsheet) gets a leading ' ; a cell holding a comma,
 * a quote, CR or LF is quoted by libcsv. ESCAPE: text goes through utf8_escape first.
 */
void query_out_csv_cell(struct buf *out, const struct query_value *v, bool escape);
void query_out_csv_text(struct buf *out, const char *p, size_t n, bool escape);

/* A JSON value: null, a number (an infinite REAL as 1e999 or -1e999), or a string
 * (escape_json in escape.h). */
void query_out_json_value(struct buf *out, const struct query_value *v);

/*
 * A Markdown table cell: escaped (utf8_escape), then | and the characters that format text
 * or make HTML (< > * ` [ ] ~) backslash-escaped; not _, which CommonMark leaves alone inside
 * a word (input_tokens). NULL is empty.
 */
void query_out_markdown_cell(struct buf *out, const struct query_value *v);

/* A table cell: escaped (utf8_escape), NULL as '-', text cut to MAX characters with '…'
 * (0: not cut). Numbers are never cut. Returns its width in characters. */
size_t query_out_table_cell(struct buf *out, const struct query_value *v, size_t max);

#endif
