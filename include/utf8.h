/* UTF-8 decoding, strict: what ingest stores and what the text writer shows are checked alike. */
#ifndef TOKSTAT_UTF8_H
#define TOKSTAT_UTF8_H
#include <stddef.h>
#include <stdint.h>

/*
 * Decode the UTF-8 sequence at S (N > 0 bytes). Returns its length (1-4) and sets *CP, or 0
 * when the bytes there are not UTF-8: a stray continuation byte, a truncated sequence, an
 * overlong form, a surrogate or a value past U+10FFFF.
 */
size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

#endif
