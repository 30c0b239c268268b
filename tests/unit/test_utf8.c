/* Unit tests of strict UTF-8 decoding (every length, each kind of bad sequence) and escaping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "utf8.h"

static size_t decode(const char *s, size_t n, uint32_t *cp)
{
	*cp = 0xFFFFFFFF;
	return utf8_decode((const unsigned char *)s, n, cp);
}

static void test_decodes_each_length(void **state)
{
	(void)state;
	uint32_t cp;
	assert_int_equal(decode("A", 1, &cp), 1);
	assert_int_equal(cp, 0x41);
	assert_int_equal(decode("\xc3\xa9", 2, &cp), 2); /* é */
	assert_int_equal(cp, 0xE9);
	assert_int_equal(decode("\xe2\x80\xae", 3, &cp), 3); /* U+202E */
	assert_int_equal(cp, 0x202E);
	assert_int_equal(decode("\xf0\x9f\x98\x80", 4, &cp), 4); /* U+1F600 */
	assert_int_equal(cp, 0x1F600);
	assert_int_equal(decode("\xf4\x8f\xbf\xbf", 4, &cp), 4); /* U+10FFFF, the last */
	assert_int_equal(cp, 0x10FFFF);
}

static void test_decodes_only_the_first_sequence(void **state)
{
	(void)state;
	uint32_t cp;
	assert_int_equal(decode("\xc3\xa9xyz", 5, &cp), 2);
	assert_int_equal(cp, 0xE9);
}

static void test_rejects_bad_sequences(void **state)
{
	(void)state;
	uint32_t cp;
	assert_int_equal(decode("\x80", 1, &cp), 0);             /* a stray continuation byte */
	assert_int_equal(decode("\xc3", 1, &cp), 0);             /* cut short by the end */
	assert_int_equal(decode("\xe2\x80", 2, &cp), 0);
	assert_int_equal(decode("\xc3(", 2, &cp), 0);            /* not followed by a continuation */
	assert_int_equal(decode("\xc0\xaf", 2, &cp), 0);         /* overlong '/' */
	assert_int_equal(decode("\xe0\x80\xaf", 3, &cp), 0);     /* overlong, three bytes */
	assert_int_equal(decode("\xed\xa0\x80", 3, &cp), 0);     /* a surrogate */
	assert_int_equal(decode("\xf4\x90\x80\x80", 4, &cp), 0); /* past U+10FFFF */
	assert_int_equal(decode("\xf8\x88\x80\x80\x80", 5, &cp), 0); /* five-byte forms */
	assert_int_equal(decode("\xff", 1, &cp), 0);
	assert_int_equal(cp, 0xFFFFFFFF); /* untouched on failure */
}

static void test_escape_keeps_plain_text_and_utf8(void **state)
{
	(void)state;
	struct buf out = BUF_INIT;
	const char *s = "/v1/chat — café ü";
	assert_int_equal(utf8_escape(&out, s, strlen(s)), 17);
	assert_string_equal(buf_str(&out), s);
	buf_free(&out);
}

static void test_escape_shows_terminal_controls(void **state)
{
	(void)state;
	struct buf out = BUF_INIT;
	/* ESC [2J (clear screen), a bell, a newline, DEL, C1 CSI, a right-to-left override */
	const char s[] = "a\033[2J\a\n\x7f\xc2\x9b\xe2\x80\xae" "b";
	size_t w = utf8_escape(&out, s, sizeof(s) - 1);
	assert_string_equal(buf_str(&out), "a\\x1B[2J\\x07\\x0A\\x7F\\x9B\\u{202E}b");
	assert_int_equal(w, strlen(buf_str(&out)));
	buf_free(&out);
}

static void test_escape_shows_bytes_that_are_not_utf8(void **state)
{
	(void)state;
	struct buf out = BUF_INIT;
	/* a lone continuation byte, an overlong '/', a truncated sequence, a surrogate, a NUL */
	const char s[] = "\x80|\xc0\xaf|\xe2\x82|\xed\xa0\x80|\0";
	utf8_escape(&out, s, sizeof(s) - 1);
	assert_string_equal(buf_str(&out), "\\x80|\\xC0\\xAF|\\xE2\\x82|\\xED\\xA0\\x80|\\x00");
	buf_free(&out);
}

static void test_escape_doubles_backslashes_and_shows_invisible_characters(void **state)
{
	(void)state;
	struct buf out = BUF_INIT;
	/* a logged backslash sequence, a zero-width space, a BOM, a soft hyphen, a tag character */
	const char s[] = "bob\\x1B|al\xe2\x80\x8bice|\xef\xbb\xbf|\xc2\xad|\xf3\xa0\x80\x81";
	size_t w = utf8_escape(&out, s, sizeof(s) - 1);
	assert_string_equal(buf_str(&out), "bob\\\\x1B|al\\u{200B}ice|\\u{FEFF}|\\xAD|\\u{E0001}");
	assert_int_equal(w, strlen(buf_str(&out)));
	buf_free(&out);
}

static void test_cut_never_splits_a_character(void **state)
{
	(void)state;
	const char *s = "ab\xc3\xa9\xe2\x82\xac"; /* a b é € : 2 + 2 + 3 bytes */
	assert_int_equal(utf8_cut(s, 7, 10), 7); /* short enough: whole */
	assert_int_equal(utf8_cut(s, 7, 7), 7);
	assert_int_equal(utf8_cut(s, 7, 6), 4); /* inside the euro sign: before it */
	assert_int_equal(utf8_cut(s, 7, 5), 4);
	assert_int_equal(utf8_cut(s, 7, 4), 4);
	assert_int_equal(utf8_cut(s, 7, 3), 2); /* inside the e acute */
	assert_int_equal(utf8_cut(s, 7, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decodes_each_length),
		cmocka_unit_test(test_decodes_only_the_first_sequence),
		cmocka_unit_test(test_rejects_bad_sequences),
		cmocka_unit_test(test_escape_keeps_plain_text_and_utf8),
		cmocka_unit_test(test_escape_shows_terminal_controls),
		cmocka_unit_test(test_escape_shows_bytes_that_are_not_utf8),
		cmocka_unit_test(test_escape_doubles_backslashes_and_shows_invisible_characters),
		cmocka_unit_test(test_cut_never_splits_a_character),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
