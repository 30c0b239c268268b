/*
 * Text from logs made safe in the formats tokstat writes for programs: a JSON string and a
 * CSV field. One rule each, shared by the report writers (out_json.c, out_csv.c) and the
 * query writers (query_out.c). For a terminal, see utf8_escape in utf8.h.
 */
#ifndef TOKSTAT_ESCAPE_H
#define TOKSTAT_ESCAPE_H
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/*
 * Append S[0..N) as a quoted JSON string. What a viewer would act on or not show (C0 and C1
 * controls, DEL, bidirectional and other invisible format characters, the line separators
 * JavaScript reads as line ends) and '<', '>', '&' (safe inside HTML) become \uXXXX escapes;
 * bytes that are not UTF-8 become U+FFFD. A JSON parser reads back the text, unchanged.
 */
void escape_json(struct buf *out, const char *s, size_t n);

/*
 * Append S[0..N) as one RFC 4180 field (libcsv's quoting). A field that starts with '=', '+',
 * '-', '@', a tab or CR, which a spreadsheet would run as a formula (OWASP's list), gets a
 * leading "'". The field is quoted when QUOTE is set or when it holds a comma, a quote or a
 * line end.
 */
void escape_csv(struct buf *out, const char *s, size_t n, bool quote);

#endif
