/*
 * The writers: one report model (report.h) rendered as text, CSV, JSON, HTML or a MIME email.
 * A writer appends to a buffer and never queries SQLite; every text that came from a log is
 * escaped for its destination (terminal controls, HTML markup, spreadsheet formulas, JSON).
 */
#ifndef TOKSTAT_OUT_H
#define TOKSTAT_OUT_H
#include <stdint.h>

#include "buf.h"
#include "report.h"

/* What some writers need beyond the report. Zeroed: defaults. */
struct out_options {
	const char *mail_from;   /* email: From (default "tokstat <tokstat@HOST>") */
	const char *mail_to;     /* email: To (default "root") */
	const char *subject;     /* email: Subject (default: the period and the worst level) */
	int64_t now;             /* email: the Date header, epoch seconds */
	const char *hostname;    /* email: the Message-ID's domain (default "localhost") */
	const char *const *csv_tables; /* csv: the keys of the tables to write (NULL: every list) */
	size_t n_csv_tables;
};

struct out_writer {
	const char *name;      /* the --format name */
	const char *mime_type; /* of what it writes */
	/* Append R rendered to OUT. 0, or -1 with ERR set. */
	int (*write)(struct buf *out, const struct report *r, const struct out_options *o, struct buf *err);
};

/* The writer named NAME, or NULL. */
const struct out_writer *out_find(const char *name);

/* The names of every writer, "text|csv|..." (static). */
const char *out_names(void);

/*
 * Write DATA to PATH atomically: a temporary file beside it, then a rename, so a reader (a
 * web server, a mailer) sees the old file or the new one, never half of one. 0, or -1 with ERR.
 */
int out_write_file(const char *path, const struct buf *data, struct buf *err);

/*
 * Put DATA where a command's output goes: to PATH atomically (out_write_file), or when PATH is
 * NULL to STREAM (stdout), checking that it was written. 0, or -1 with ERR.
 */
int out_emit(const struct buf *data, const char *path, void *stream, struct buf *err);

/*
 * A number as people read it (shared by the text, HTML and email writers): NULL '-', an
 * integer as is, a real by unit (usd 2 decimals, usd_per_mtok 4, percent and share 1 with
 * '%', ms none, else 2). Text values are not handled here.
 */
void out_format_number(struct buf *out, const struct report_column *col, const struct report_value *v);

/* A finite double in the fewest digits that read back as the same value (CSV, JSON). */
void out_format_real(struct buf *out, double v);

/* The writers (out_text.c, out_csv.c, out_json.c, out_html.c, out_email.c). */
int out_text_write(struct buf *out, const struct report *r, const struct out_options *o, struct buf *err);
int out_csv_write(struct buf *out, const struct report *r, const struct out_options *o, struct buf *err);
int out_json_write(struct buf *out, const struct report *r, const struct out_options *o, struct buf *err);
int out_html_write(struct buf *out, const struct report *r, const struct out_options *o, struct buf *err);
int out_email_write(struct buf *out, const struct report *r, const struct out_options *o, struct buf *err);

/* The text writer without options: aligned columns, escaped (see out_text.c). */
void out_text_report(struct buf *out, const struct report *r);

/* The subject an email of R gets by default (out_email.c). */
void out_email_subject(struct buf *out, const struct report *r);

#endif
