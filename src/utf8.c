/* UTF-8 decoding (see utf8.h). */
#include "utf8.h"

#include <stdbool.h>

size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	static const uint32_t min[4] = { 0, 0x80, 0x800, 0x10000 };
	size_t len = s[0] < 0x80 ? 1 : (s[0] & 0xE0) == 0xC0 ? 2 : (s[0] & 0xF0) == 0xE0 ? 3
		   : (s[0] & 0xF8) == 0xF0 ? 4 : 0;
	if (len == 0 || len > n)
		return 0;
	uint32_t c = len == 1 ? s[0] : s[0] & (0x7Fu >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3Fu);
	}
	if (c < min[len - 1] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}

/*
 * Would CP act on a terminal, or pass unseen? Controls, and Unicode's invisible format
 * characters: with them "al<U+200B>ice" would print exactly like "alice".
 */
static bool is_hidden(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)     /* C0, DEL, C1 (CSI is U+009B) */
	       || cp == 0xAD || cp == 0x061C || cp == 0x180E /* soft hyphen, Arabic mark, Mongolian */
	       || (cp >= 0x200B && cp <= 0x200F)             /* zero-width space, joiners, marks */
	       || (cp >= 0x2028 && cp <= 0x202E)             /* separators, bidi embeddings, overrides */
	       || (cp >= 0x2060 && cp <= 0x206F)             /* word joiner, invisible operators, isolates */
	       || cp == 0xFEFF                               /* byte order mark */
	       || (cp >= 0xFFF9 && cp <= 0xFFFB)             /* interlinear annotation */
	       || (cp >= 0xE0000 && cp <= 0xE007F);          /* tag characters */
}

size_t utf8_escape(struct buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t width = 0, i = 0;
	while (i < n) {
		size_t start = i, run;
		uint32_t cp = 0;
		/* the common case: a run of printable ASCII, copied at once */
		while (i < n && p[i] >= 0x20 && p[i] < 0x7F && p[i] != '\\')
			i++;
		if (i > start) {
			buf_add(out, s + start, i - start);
			width += i - start;
			continue;
		}
		if (p[i] == '\\') { /* doubled, so a logged "\\x1B" never reads as an escaped ESC */
			buf_adds(out, "\\\\");
			width += 2;
			i++;
			continue;
		}
		run = utf8_decode(p + i, n - i, &cp);
		if (run == 0) {
			buf_printf(out, "\\x%02X", p[i]);
			width += 4;
			i++;
		} else if (is_hidden(cp)) {
			size_t before = out->len;
			if (cp < 0x100)
				buf_printf(out, "\\x%02X", (unsigned)cp);
			else
				buf_printf(out, "\\u{%04X}", (unsigned)cp);
			width += out->len - before;
			i += run;
		} else {
			buf_add(out, s + i, run);
			width++;
			i += run;
		}
	}
	return width;
}

size_t utf8_cut(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}
