/* JSON strings and CSV fields from logged text (see escape.h). */
#include "escape.h"

#include <csv.h>
#include <stdint.h>
#include <string.h>

#include "utf8.h"

/* Code points written as \u escapes although JSON allows them raw. */
static bool json_escapes(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || cp == 0xad || (cp >= 0x200b && cp <= 0x200f) ||
	       (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x206f) || cp == 0xfeff ||
	       (cp >= 0xfff9 && cp <= 0xfffb) || (cp >= 0xe0000 && cp <= 0xe007f) || cp == '<' || cp == '>' ||
	       cp == '&';
}

static void add_u(struct buf *out, uint32_t cp)
{
	if (cp >= 0x10000) { /* a surrogate pair */
		cp -= 0x10000;
		buf_printf(out, "\\u%04x\\u%04x", 0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
	} else {
		buf_printf(out, "\\u%04x", cp);
	}
}

void escape_json(struct buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	buf_addc(out, '"');
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t len = utf8_decode(p + i, n - i, &cp);
		if (len == 0) { /* not UTF-8: JSON text must be (ingest stores U+FFFD for it too) */
			buf_adds(out, "\\ufffd");
			i++;
			continue;
		}
		switch (cp) {
		case '"': buf_adds(out, "\\\""); break;
		case '\\': buf_adds(out, "\\\\"); break;
		case '\n': buf_adds(out, "\\n"); break;
		case '\r': buf_adds(out, "\\r"); break;
		case '\t': buf_adds(out, "\\t"); break;
		default:
			if (json_escapes(cp))
				add_u(out, cp);
			else
				buf_add(out, s + i, len);
		}
		i += len;
	}
	buf_addc(out, '"');
}

void escape_csv(struct buf *out, const char *s, size_t n, bool quote)
{
	struct buf field = BUF_INIT;
	if (n > 0 && s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL) {
		buf_addc(&field, '\'');
		buf_add(&field, s, n);
		s = buf_str(&field);
		n = field.len;
	}
	for (size_t i = 0; i < n && !quote; i++)
		quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
	if (quote) {
		size_t need = csv_write(NULL, 0, s, n);
		buf_grow(out, need + 1);
		csv_write(out->data + out->len, need, s, n);
		out->len += need;
		out->data[out->len] = '\0';
	} else {
		buf_add(out, s, n);
	}
	buf_free(&field);
}
