/*
 * Unit tests of format.c: loading the built-in definitions and a user's directory,
 * rejecting bad definitions with a message naming the file, and detecting a file's format.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "buf.h"
#include "event.h"
#include "format.h"
#include "testlib.h"

struct fixture {
	char dir[256];
	char files[8][320];
	int n_files;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	if (!fx || testlib_tmpdir("format", fx->dir, sizeof(fx->dir)) < 0) {
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	testlib_rmtree(fx->dir);
	free(fx);
	return 0;
}

/* Write NAME in the fixture's directory; returns its path. */
static const char *write_def(struct fixture *fx, const char *name, const char *text)
{
	assert_true(fx->n_files < 8);
	char *path = fx->files[fx->n_files++];
	struct buf b = BUF_INIT;
	buf_printf(&b, "%s/%s", fx->dir, name);
	assert_true(b.len < sizeof(fx->files[0]));
	memcpy(path, b.data, b.len + 1);
	buf_free(&b);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
	return path;
}

static void load_ok(struct format_set *set, const char *dir)
{
	struct buf err = BUF_INIT;
	if (format_set_load(set, dir, &err) != 0)
		fail_msg("format_set_load: %s", buf_str(&err));
	buf_free(&err);
}

/* Loading DIR must fail, leaving the set empty, with a message containing WANT1 and WANT2. */
static void load_fails_saying(const char *dir, const char *want1, const char *want2)
{
	struct format_set set;
	struct buf err = BUF_INIT;
	assert_int_equal(format_set_load(&set, dir, &err), -1);
	assert_int_equal(set.n, 0);
	assert_null(set.v);
	if (!strstr(buf_str(&err), want1))
		fail_msg("message \"%s\" lacks \"%s\"", buf_str(&err), want1);
	if (want2 && !strstr(buf_str(&err), want2))
		fail_msg("message \"%s\" lacks \"%s\"", buf_str(&err), want2);
	buf_free(&err);
}

static size_t count_named(const struct format_set *set, const char *name)
{
	size_t n = 0;
	for (size_t i = 0; i < set->n; i++)
		n += strcmp(set->v[i]->name, name) == 0;
	return n;
}

static const char PROXY_LINE[] =
	"203.0.113.7 - - [10/Mar/2024:13:55:36 +0000] \"POST /v1/chat/completions HTTP/1.1\" 200 512 \"-\" "
	"\"python-requests/2.31\" token=ghp_abc model=gpt-4o input_tokens=10 output_tokens=2 rt=0.120";
static const char COMBINED_LINE[] =
	"203.0.113.7 - - [10/Mar/2024:13:55:36 +0000] \"GET /index.html HTTP/1.1\" 200 512 \"-\" \"curl/8.0\"";
static const char COMMON_LINE[] =
	"203.0.113.7 - alice [10/Mar/2024:13:55:36 +0000] \"GET /index.html HTTP/1.1\" 200 512";

/* ---- built-in formats ---- */

static void test_builtin_formats_exist(void **state)
{
	(void)state;
	struct format_set set;
	load_ok(&set, NULL);
	assert_true(set.n >= 3);
	assert_non_null(format_find(&set, "combined"));
	assert_non_null(format_find(&set, "common"));
	assert_non_null(format_find(&set, "proxy"));
	assert_null(format_find(&set, "no-such-format"));
	format_set_free(&set);
}

static void test_builtin_formats_are_regex_kind_from_built_in(void **state)
{
	(void)state;
	struct format_set set;
	const char *names[] = { "combined", "common", "proxy" };
	load_ok(&set, NULL);
	for (size_t i = 0; i < 3; i++) {
		struct format *f = format_find(&set, names[i]);
		assert_non_null(f);
		assert_ptr_equal(f->ops, &parse_regex_ops);
		assert_string_equal(f->ops->kind, "regex");
		assert_string_equal(f->origin, "built-in");
		assert_string_equal(f->time_format, "%d/%b/%Y:%H:%M:%S %z");
		assert_non_null(f->description);
	}
	format_set_free(&set);
}

static void test_builtin_priorities_prefer_the_more_specific_format(void **state)
{
	(void)state;
	struct format_set set;
	load_ok(&set, NULL);
	assert_true(format_find(&set, "proxy")->priority > format_find(&set, "combined")->priority);
	assert_true(format_find(&set, "combined")->priority > format_find(&set, "common")->priority);
	format_set_free(&set);
}

static void test_format_names_are_unique(void **state)
{
	(void)state;
	struct format_set set;
	load_ok(&set, NULL);
	for (size_t i = 0; i < set.n; i++)
		assert_int_equal(count_named(&set, set.v[i]->name), 1);
	format_set_free(&set);
}

static void test_empty_directory_adds_nothing(void **state)
{
	struct fixture *fx = *state;
	struct format_set a, b;
	load_ok(&a, NULL);
	load_ok(&b, fx->dir);
	assert_int_equal(a.n, b.n);
	format_set_free(&a);
	format_set_free(&b);
}

static void test_set_free_empties_the_set(void **state)
{
	(void)state;
	struct format_set set;
	load_ok(&set, NULL);
	format_set_free(&set);
	assert_int_equal(set.n, 0);
	assert_null(set.v);
}

static void test_every_builtin_format_compiles(void **state)
{
	(void)state;
	struct format_set set;
	struct buf err = BUF_INIT;
	load_ok(&set, NULL);
	for (size_t i = 0; i < set.n; i++)
		if (format_compile(set.v[i], &err) != 0)
			fail_msg("%s: %s", set.v[i]->name, buf_str(&err));
	format_set_free(&set);
	buf_free(&err);
}

static void test_builtin_format_is_compiled_at_its_first_use_only(void **state)
{
	(void)state;
	struct format_set set;
	struct buf reason = BUF_INIT;
	struct event ev;
	load_ok(&set, NULL);
	for (size_t i = 0; i < set.n; i++)
		assert_false(set.v[i]->is_compiled);
	struct format *f = format_find(&set, "common");
	event_clear(&ev);
	assert_int_equal(format_parse(f, COMMON_LINE, strlen(COMMON_LINE), &ev, &reason), 0);
	assert_true(f->is_compiled);
	assert_false(format_find(&set, "combined")->is_compiled);
	format_set_free(&set);
	buf_free(&reason);
}

/* ---- user directories ---- */

static void test_user_directory_adds_a_format(void **state)
{
	struct fixture *fx = *state;
	struct format_set base, set;
	struct event ev;
	struct buf reason = BUF_INIT;
	const char *path = write_def(fx, "mine.json",
		"{\"name\": \"mine\", \"kind\": \"regex\", \"description\": \"test format\", \"priority\": 5,"
		" \"time_format\": \"iso8601\","
		" \"pattern\": \"^(?<time>\\\\S+) (?<status>\\\\d+) (?<path>\\\\S+) (?<who>\\\\S+)$\","
		" \"fields\": {\"who\": \"user\"}}");
	write_def(fx, "README.txt", "not a definition: ignored");
	load_ok(&base, NULL);
	load_ok(&set, fx->dir);
	assert_int_equal(set.n, base.n + 1);
	struct format *f = format_find(&set, "mine");
	assert_non_null(f);
	assert_string_equal(f->origin, path);
	assert_string_equal(f->description, "test format");
	assert_string_equal(f->time_format, "iso8601");
	assert_int_equal(f->priority, 5);

	const char line[] = "2015-05-17T10:05:03Z 404 /a/b?q=1 bob";
	event_clear(&ev);
	assert_int_equal(format_parse(f, line, strlen(line), &ev, &reason), 0);
	assert_int_equal(ev.epoch, 1431857103);
	assert_int_equal(ev.num[EV_STATUS], 404);
	assert_int_equal(ev.text[EV_ENDPOINT].n, 4);
	assert_memory_equal(ev.text[EV_ENDPOINT].p, "/a/b", 4);
	assert_int_equal(ev.text[EV_USER].n, 3);
	assert_memory_equal(ev.text[EV_USER].p, "bob", 3);
	format_set_free(&base);
	format_set_free(&set);
	buf_free(&reason);
}

static void test_user_format_replaces_builtin_of_same_name(void **state)
{
	struct fixture *fx = *state;
	struct format_set base, set;
	const char *path = write_def(fx, "combined.json",
		"{\"name\": \"combined\", \"kind\": \"regex\", \"description\": \"my combined\","
		" \"pattern\": \"^(?<time>\\\\d+)$\", \"time_format\": \"epoch\"}");
	load_ok(&base, NULL);
	load_ok(&set, fx->dir);
	assert_int_equal(set.n, base.n);
	assert_int_equal(count_named(&set, "combined"), 1);
	struct format *f = format_find(&set, "combined");
	assert_string_equal(f->origin, path);
	assert_string_equal(f->description, "my combined");
	assert_string_equal(f->time_format, "epoch");
	assert_string_equal(format_find(&set, "common")->origin, "built-in");
	format_set_free(&base);
	format_set_free(&set);
}

static void test_user_format_is_compiled_when_loaded(void **state)
{
	struct fixture *fx = *state;
	struct format_set set, copy;
	struct buf err = BUF_INIT;
	write_def(fx, "mine.json", "{\"name\": \"mine\", \"kind\": \"regex\", \"pattern\": \"^(?<time>\\\\d+)$\"}");
	load_ok(&set, fx->dir);
	assert_true(format_find(&set, "mine")->is_compiled);
	/* a copy's definitions were checked when the set was: compiled at their first use */
	assert_int_equal(format_set_copy(&copy, &set, &err), 0);
	assert_false(format_find(&copy, "mine")->is_compiled);
	format_set_free(&set);
	format_set_free(&copy);
	buf_free(&err);
}

static void test_copy_loads_the_same_definitions_not_the_disk(void **state)
{
	struct fixture *fx = *state;
	struct format_set set, copy;
	struct buf err = BUF_INIT;
	const char *path = write_def(fx, "combined.json",
		"{\"name\": \"combined\", \"kind\": \"regex\", \"description\": \"my combined\","
		" \"pattern\": \"^(?<time>\\\\d+)$\", \"time_format\": \"epoch\"}");
	load_ok(&set, fx->dir);
	/* the definition changes on disk after the run loaded it: the copy keeps the loaded one */
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("{\"name\": \"combined\", \"kind\": \"regex\", \"description\": \"edited\", \"pattern\": \"^x$\"}", fp);
	fclose(fp);
	assert_int_equal(format_set_copy(&copy, &set, &err), 0);
	assert_int_equal(copy.n, set.n);
	for (size_t i = 0; i < set.n; i++) {
		assert_string_equal(copy.v[i]->name, set.v[i]->name);
		assert_string_equal(copy.v[i]->origin, set.v[i]->origin);
		assert_ptr_not_equal(copy.v[i], set.v[i]);
	}
	struct format *f = format_find(&copy, "combined");
	assert_string_equal(f->description, "my combined");
	struct event ev;
	struct buf reason = BUF_INIT;
	event_clear(&ev);
	assert_int_equal(format_parse(f, "1431857103", 10, &ev, &reason), 0);
	assert_int_equal(ev.epoch, 1431857103);
	format_set_free(&set);
	format_set_free(&copy);
	buf_free(&reason);
	buf_free(&err);
}

static void test_missing_directory_is_an_error_naming_it(void **state)
{
	struct fixture *fx = *state;
	char dir[320];
	snprintf(dir, sizeof(dir), "%s/nope", fx->dir);
	load_fails_saying(dir, dir, NULL);
}

/* ---- bad definitions ---- */

static void test_invalid_json_is_rejected_naming_the_file(void **state)
{
	struct fixture *fx = *state;
	const char *path = write_def(fx, "bad.json", "{\"name\": \"bad\", \"kind\": ");
	load_fails_saying(fx->dir, path, "JSON");
}

static void test_json_array_is_rejected_naming_the_file(void **state)
{
	struct fixture *fx = *state;
	const char *path = write_def(fx, "array.json", "[1, 2, 3]");
	load_fails_saying(fx->dir, path, "JSON object");
}

static void test_missing_name_is_rejected_naming_the_file(void **state)
{
	struct fixture *fx = *state;
	const char *path = write_def(fx, "noname.json", "{\"kind\": \"regex\", \"pattern\": \"^x$\"}");
	load_fails_saying(fx->dir, path, "\"name\"");
}

static void test_unknown_kind_is_rejected_naming_the_file(void **state)
{
	struct fixture *fx = *state;
	const char *path = write_def(fx, "xml.json", "{\"name\": \"x\", \"kind\": \"xml\", \"pattern\": \"^x$\"}");
	load_fails_saying(fx->dir, path, "\"kind\"");
}

static void test_missing_kind_is_rejected_naming_the_file(void **state)
{
	struct fixture *fx = *state;
	const char *path = write_def(fx, "nokind.json", "{\"name\": \"x\", \"pattern\": \"^x$\"}");
	load_fails_saying(fx->dir, path, "\"kind\"");
}

static void test_bad_pattern_is_rejected_naming_the_file(void **state)
{
	struct fixture *fx = *state;
	const char *path = write_def(fx, "badre.json", "{\"name\": \"x\", \"kind\": \"regex\", \"pattern\": \"^(unclosed\"}");
	load_fails_saying(fx->dir, path, "pattern");
}

static void test_missing_pattern_is_rejected_naming_the_file(void **state)
{
	struct fixture *fx = *state;
	const char *path = write_def(fx, "nore.json", "{\"name\": \"x\", \"kind\": \"regex\"}");
	load_fails_saying(fx->dir, path, "pattern");
}

static void test_keys_of_unknown_field_are_rejected_naming_the_file(void **state)
{
	struct fixture *fx = *state;
	const char *path = write_def(fx, "keys.json",
		"{\"name\": \"x\", \"kind\": \"regex\", \"pattern\": \"^(?<p>.*)$\", \"pairs\": \"p\","
		" \"keys\": {\"no_such_field\": [\"nsf\"]}}");
	load_fails_saying(fx->dir, path, "no_such_field");
}

static void test_keys_that_are_not_a_list_are_rejected_naming_the_file(void **state)
{
	struct fixture *fx = *state;
	const char *path = write_def(fx, "keys2.json",
		"{\"name\": \"x\", \"kind\": \"regex\", \"pattern\": \"^(?<p>.*)$\", \"pairs\": \"p\","
		" \"keys\": {\"user\": \"u\"}}");
	load_fails_saying(fx->dir, path, "keys.user");
}

static void test_pairs_naming_a_missing_group_is_rejected_naming_the_file(void **state)
{
	struct fixture *fx = *state;
	const char *path = write_def(fx, "pairs.json",
		"{\"name\": \"x\", \"kind\": \"regex\", \"pattern\": \"^(?<p>.*)$\", \"pairs\": \"kv\"}");
	load_fails_saying(fx->dir, path, "kv");
}

/* ---- detection ---- */

static struct format *detect(const struct format_set *set, const char *const *lines, size_t n, size_t *matched)
{
	struct slice s[16];
	assert_true(n <= 16);
	for (size_t i = 0; i < n; i++)
		s[i] = (struct slice){ lines[i], strlen(lines[i]) };
	return format_detect(set, s, n, matched);
}

static void test_detect_picks_proxy_for_proxy_lines(void **state)
{
	(void)state;
	struct format_set set;
	const char *lines[] = { PROXY_LINE, PROXY_LINE, PROXY_LINE };
	size_t matched = 0;
	load_ok(&set, NULL);
	struct format *f = detect(&set, lines, 3, &matched);
	assert_non_null(f);
	assert_string_equal(f->name, "proxy");
	assert_int_equal(matched, 3);
	format_set_free(&set);
}

static void test_detect_picks_combined_for_combined_lines(void **state)
{
	(void)state;
	struct format_set set;
	const char *lines[] = { COMBINED_LINE, COMBINED_LINE };
	size_t matched = 0;
	load_ok(&set, NULL);
	struct format *f = detect(&set, lines, 2, &matched);
	assert_non_null(f);
	assert_string_equal(f->name, "combined");
	assert_int_equal(matched, 2);
	format_set_free(&set);
}

static void test_detect_picks_common_for_common_lines(void **state)
{
	(void)state;
	struct format_set set;
	const char *lines[] = { COMMON_LINE, COMMON_LINE, COMMON_LINE, COMMON_LINE };
	size_t matched = 0;
	load_ok(&set, NULL);
	struct format *f = detect(&set, lines, 4, &matched);
	assert_non_null(f);
	assert_string_equal(f->name, "common");
	assert_int_equal(matched, 4);
	format_set_free(&set);
}

static void test_detect_returns_null_for_garbage(void **state)
{
	(void)state;
	struct format_set set;
	const char *lines[] = { "garbage", "more garbage here", "" };
	size_t matched = 99;
	load_ok(&set, NULL);
	assert_null(detect(&set, lines, 3, &matched));
	assert_int_equal(matched, 0);
	format_set_free(&set);
}

static void test_detect_returns_null_for_no_lines(void **state)
{
	(void)state;
	struct format_set set;
	size_t matched = 99;
	load_ok(&set, NULL);
	assert_null(format_detect(&set, NULL, 0, &matched));
	assert_int_equal(matched, 0);
	format_set_free(&set);
}

static void test_detect_goes_by_the_majority_of_lines(void **state)
{
	(void)state;
	struct format_set set;
	/* common parses 3 lines; combined and proxy only the proxy line */
	const char *lines[] = { COMMON_LINE, "garbage", PROXY_LINE, COMMON_LINE, COMMON_LINE };
	size_t matched = 0;
	load_ok(&set, NULL);
	struct format *f = detect(&set, lines, 5, &matched);
	assert_non_null(f);
	assert_string_equal(f->name, "common");
	assert_int_equal(matched, 3);
	format_set_free(&set);
}

static void test_detect_ignores_comment_lines(void **state)
{
	(void)state;
	struct format_set set;
	const char *lines[] = { "# written by nginx", COMBINED_LINE };
	size_t matched = 0;
	load_ok(&set, NULL);
	struct format *f = detect(&set, lines, 2, &matched);
	assert_non_null(f);
	assert_string_equal(f->name, "combined");
	assert_int_equal(matched, 1);
	format_set_free(&set);
}

static void test_detect_finds_a_user_format(void **state)
{
	struct fixture *fx = *state;
	struct format_set set;
	write_def(fx, "epochs.json",
		"{\"name\": \"epochs\", \"kind\": \"regex\", \"time_format\": \"epoch\","
		" \"pattern\": \"^(?<time>\\\\d{10}) (?<status>\\\\d{3})$\"}");
	const char *lines[] = { "1431857103 200", "1431857104 500" };
	size_t matched = 0;
	load_ok(&set, fx->dir);
	struct format *f = detect(&set, lines, 2, &matched);
	assert_non_null(f);
	assert_string_equal(f->name, "epochs");
	assert_int_equal(matched, 2);
	format_set_free(&set);
}

static void test_detect_picks_elb_for_tcp_listener_entries_only(void **state)
{
	(void)state;
	struct format_set set;
	/* filebeat's aws/elb/test/elb-tcp.log: TCP entries carry no request, yet they are ELB's */
	const char *lines[] = {
		"2019-10-17T13:22:51.758784Z filebeat-aws-elb-test-elb 77.227.156.41:51600 10.0.0.47:80 0.000943 "
		"0.00001 0.000015 - - 134 859 \"- - - \" \"-\" - -",
		"2019-10-17T13:23:07.523763Z filebeat-aws-elb-test-elb 77.227.156.41:51726 10.0.1.184:80 0.000501 "
		"0.00001 0.000015 - - 134 859 \"- - - \" \"-\" - -",
		"",
	};
	size_t matched = 0;
	load_ok(&set, NULL);
	struct format *f = detect(&set, lines, 3, &matched);
	assert_non_null(f);
	assert_string_equal(f->name, "elb");
	assert_int_equal(matched, 2);
	format_set_free(&set);
}

static void test_detect_picks_combined_for_mostly_combined_mixed_lines(void **state)
{
	(void)state;
	struct format_set set;
	const char *lines[] = { COMMON_LINE, COMBINED_LINE, COMBINED_LINE };
	size_t matched = 0;
	load_ok(&set, NULL);
	struct format *f = detect(&set, lines, 3, &matched);
	assert_non_null(f);
	assert_string_equal(f->name, "combined");
	assert_int_equal(matched, 2); /* detection counts the lines of the format proper */
	struct event ev;
	struct buf reason = BUF_INIT;
	for (size_t i = 0; i < 3; i++) { /* ... and the parse reads all of them */
		event_clear(&ev);
		assert_int_equal(format_parse(f, lines[i], strlen(lines[i]), &ev, &reason), 0);
	}
	buf_free(&reason);
	format_set_free(&set);
}

static void test_regex_match_error_is_reported_as_a_failed_match(void **state)
{
	struct fixture *fx = *state;
	struct format_set set;
	/* (*LIMIT_MATCH=1): PCRE2 gives up (match limit exceeded, -47) instead of saying no */
	write_def(fx, "limited.json",
		"{\"name\": \"limited\", \"kind\": \"regex\", \"time_format\": \"epoch\","
		" \"pattern\": \"(*LIMIT_MATCH=1)^(?<time>\\\\d{10}) (a|ab)*c$\"}");
	load_ok(&set, fx->dir);
	struct format *f = format_find(&set, "limited");
	assert_non_null(f);
	const char line[] = "1710078936 abababababababababababababababababababXc";
	struct event ev;
	struct buf reason = BUF_INIT;
	event_clear(&ev);
	assert_int_equal(format_parse(f, line, strlen(line), &ev, &reason), -1);
	if (!strstr(buf_str(&reason), "pattern match failed: match limit exceeded"))
		fail_msg("reason \"%s\"", buf_str(&reason));
	buf_reset(&reason);
	event_clear(&ev);
	assert_int_equal(format_parse(f, "x", 1, &ev, &reason), -1);
	assert_string_equal(buf_str(&reason), "does not match format limited");
	buf_free(&reason);
	format_set_free(&set);
}

static void test_text_of_line_breaks_and_spaces_only_is_blank(void **state)
{
	(void)state;
	assert_true(format_text_is_blank("", 0));
	assert_true(format_text_is_blank("\n", 1));
	assert_true(format_text_is_blank("\r\n \t\n\n", 6));
	assert_false(format_text_is_blank("\n\n-\n", 4));
	assert_false(format_text_is_blank("\n\0\n", 3)); /* a NUL byte is content */
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_builtin_formats_exist),
		T(test_builtin_formats_are_regex_kind_from_built_in),
		T(test_builtin_priorities_prefer_the_more_specific_format),
		T(test_format_names_are_unique),
		T(test_empty_directory_adds_nothing),
		T(test_set_free_empties_the_set),
		T(test_every_builtin_format_compiles),
		T(test_builtin_format_is_compiled_at_its_first_use_only),
		T(test_user_directory_adds_a_format),
		T(test_user_format_replaces_builtin_of_same_name),
		T(test_user_format_is_compiled_when_loaded),
		T(test_copy_loads_the_same_definitions_not_the_disk),
		T(test_missing_directory_is_an_error_naming_it),
		T(test_invalid_json_is_rejected_naming_the_file),
		T(test_json_array_is_rejected_naming_the_file),
		T(test_missing_name_is_rejected_naming_the_file),
		T(test_unknown_kind_is_rejected_naming_the_file),
		T(test_missing_kind_is_rejected_naming_the_file),
		T(test_bad_pattern_is_rejected_naming_the_file),
		T(test_missing_pattern_is_rejected_naming_the_file),
		T(test_keys_of_unknown_field_are_rejected_naming_the_file),
		T(test_keys_that_are_not_a_list_are_rejected_naming_the_file),
		T(test_pairs_naming_a_missing_group_is_rejected_naming_the_file),
		T(test_detect_picks_proxy_for_proxy_lines),
		T(test_detect_picks_combined_for_combined_lines),
		T(test_detect_picks_common_for_common_lines),
		T(test_detect_returns_null_for_garbage),
		T(test_detect_returns_null_for_no_lines),
		T(test_detect_goes_by_the_majority_of_lines),
		T(test_detect_ignores_comment_lines),
		T(test_detect_finds_a_user_format),
		T(test_detect_picks_elb_for_tcp_listener_entries_only),
		T(test_detect_picks_combined_for_mostly_combined_mixed_lines),
		T(test_regex_match_error_is_reported_as_a_failed_match),
		T(test_text_of_line_breaks_and_spaces_only_is_blank),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
