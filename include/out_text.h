/*
 * The text writer: a report as aligned columns for a terminal, a pipe or a cron mail.
 * Every text that came from a log is escaped on the way out, so a user name or an endpoint
 * cannot move the cursor, recolour the terminal or reorder the line it is printed in.
 */
#ifndef TOKSTAT_OUT_TEXT_H
#define TOKSTAT_OUT_TEXT_H
#include <stddef.h>

#include "buf.h"
#include "report.h"

/*
 * Append S (N bytes) to OUT with everything a terminal would act on made visible: C0 and C1
 * control characters, DEL, bidirectional overrides and bytes that are not UTF-8 become
 * \xNN or \u{NNNN}; a backslash stays a backslash. Returns the width of what was appended in
 * characters (one per code point: a report has no wide-character layout).
 */
size_t out_text_escape(struct buf *out, const char *s, size_t n);

/*
 * Append table T: its title, a header line and one line per row, text left-aligned and numbers
 * right-aligned, NULL as '-', reals with the table's decimals; "(none)" when it has no rows.
 * A figures table is written as "  name  value" lines. Its note, if any, follows.
 */
void out_text_table(struct buf *out, const struct report_table *t);

/* Append the report: its title line, then every table. */
void out_text_report(struct buf *out, const struct report *r);

#endif
