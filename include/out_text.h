/*
 * The text writer: a report as aligned columns for a terminal, a pipe or a cron mail.
 * Every text that came from a log is escaped on the way out (utf8_escape), so a user name or
 * an endpoint cannot move the cursor, recolour the terminal or reorder its line.
 */
#ifndef TOKSTAT_OUT_TEXT_H
#define TOKSTAT_OUT_TEXT_H
#include "buf.h"
#include "report.h"

/*
 * Append the report: its title line, then every table: its title, a header line and one line
 * per row (text left-aligned; columns without text right-aligned; NULL as '-'; reals with the
 * table's decimals; "(none)" when it has no rows), or for a figures table "  name  value"
 * lines; then its note, if any. Text is escaped with utf8_escape().
 */
void out_text_report(struct buf *out, const struct report *r);

#endif
