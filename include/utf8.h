/*
 * UTF-8, strictly: decoding (what ingest stores and what is shown are checked alike) and the
 * escaping of text from logs on its way to a terminal or a message.
 */
#ifndef TOKSTAT_UTF8_H
#define TOKSTAT_UTF8_H
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/*
 * Decode the UTF-8 sequence at S (N > 0 bytes). Returns its length (1-4) and sets *CP, or 0
 * when the bytes there are not UTF-8: a stray continuation byte, a truncated sequence, an
 * overlong form, a surrogate or a value past U+10FFFF.
 */
size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/*
 * Append S (N bytes) to OUT with everything a terminal would act on, or that would not show,
 * made visible: C0 and C1 controls, DEL, bidirectional and other invisible format characters
 * and bytes that are not UTF-8 become \xNN or \u{NNNN}, and a backslash is doubled, so an
 * escape is never mistaken for logged text. Returns the width of what was appended in
 * characters (one per code point: no wide-character layout).
 */
size_t utf8_escape(struct buf *out, const char *s, size_t n);

/*
 * The length of S[0..N) cut to at most MAX bytes on a character boundary: never inside a
 * multi-byte sequence (S is valid UTF-8, as cleaned text is). N when N <= MAX.
 */
size_t utf8_cut(const char *s, size_t n, size_t max);

#endif
