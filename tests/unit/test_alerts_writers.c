/*
 * Unit tests of the writers of alert findings: the monitoring-plugin line (out_nagios), the
 * Prometheus textfile (out_prom) and the nginx blocklist (out_nginx).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "out_nagios.h"
#include "out_nginx.h"
#include "out_prom.h"

#define DAY 20376 /* 2025-10-15 */

static void add(struct alerts_findings *f, enum alerts_rule rule, enum alerts_severity sev,
		enum alerts_subject_kind kind, const char *subject, bool is_hard)
{
	f->v = realloc(f->v, (f->n + 1) * sizeof(*f->v));
	struct alerts_finding *a = &f->v[f->n++];
	memset(a, 0, sizeof(*a));
	a->rule = rule;
	a->severity = sev;
	a->kind = kind;
	a->subject = strdup(subject);
	a->is_hard = is_hard;
	if (kind == ALERTS_CREDENTIAL)
		snprintf(a->fp, sizeof(a->fp), "904415b35d8a");
	f->cap = f->n;
}

static struct alerts_day day(void)
{
	struct alerts_day d = { .day = DAY, .requests = 503, .errors = 42, .tokens = 3950332, .cost_usd = 4.3219 };
	return d;
}

static void test_nagios_line_counts_and_perfdata(void **state)
{
	(void)state;
	struct alerts_findings f = { 0 };
	struct buf out = BUF_INIT;
	struct alerts_day d = day();
	add(&f, ALERTS_DAILY_LIMIT, ALERTS_CRITICAL, ALERTS_USER, "alice", true);
	add(&f, ALERTS_BURST_LIMIT, ALERTS_CRITICAL, ALERTS_USER, "bob|x=1", false);
	add(&f, ALERTS_ERROR_RATE, ALERTS_WARNING, ALERTS_CREDENTIAL, "sk-proj-...dmuY", false);
	add(&f, ALERTS_ANOMALY, ALERTS_WARNING, ALERTS_USER, "acked", false);
	f.v[3].is_acked = true;
	out_nagios_line(&out, &f, &d);
	assert_string_equal(buf_str(&out),
			    "TOKSTAT CRITICAL - 2 critical, 1 warning on 2025-10-15 | critical=2;;;0 warning=1;;;0 "
			    "daily_limit=1;;;0 monthly_limit=0;;;0 monthly_projection=0;;;0 cost_threshold=0;;;0 "
			    "burst_limit=1;;;0 error_rate=1;;;0 rate_limit_low=0;;;0 credential_invalid=0;;;0 "
			    "anomaly=0;;;0 requests=503;;;0 errors=42;;;0 tokens=3950332;;;0 cost_usd=4.32;;;0\n");
	assert_true(out.len < OUT_NAGIOS_MAX_LINE);
	/* nothing from a log is in the line: "bob|x=1" would break its grammar */
	assert_null(strstr(buf_str(&out), "bob"));
	assert_true(strchr(buf_str(&out), '|') == strrchr(buf_str(&out), '|'));
	alerts_findings_free(&f);
	buf_free(&out);
}

static void test_nagios_line_ok_when_nothing_found(void **state)
{
	(void)state;
	struct alerts_findings f = { 0 };
	struct buf out = BUF_INIT;
	struct alerts_day d = day();
	out_nagios_line(&out, &f, &d);
	const char *want = "TOKSTAT OK - 0 critical, 0 warning on 2025-10-15 | critical=0;;;0 warning=0;;;0 ";
	assert_memory_equal(buf_str(&out), want, strlen(want));
	buf_free(&out);
}

static void test_nagios_unknown_is_one_line(void **state)
{
	(void)state;
	struct buf out = BUF_INIT;
	out_nagios_unknown(&out, "t.conf:3: bad | value\nsecond line");
	assert_string_equal(buf_str(&out), "TOKSTAT UNKNOWN - t.conf:3: bad / value\\x0Asecond line\n");
	buf_free(&out);
}

static void test_nagios_unknown_fits_80_characters(void **state)
{
	(void)state;
	struct buf out = BUF_INIT;
	out_nagios_unknown(&out, "/etc/tokstat/tokstat.conf:12: unknown key 'daily_tokenz' in [limits] (known: "
				 "daily_tokens, monthly_tokens, burst_tokens_per_minute)");
	assert_string_equal(buf_str(&out), "TOKSTAT UNKNOWN - tokstat.conf:12: unknown key 'daily_tokenz' in [limits] (k...\n");
	assert_true(out.len - 1 <= OUT_NAGIOS_MAX_TEXT);
	buf_free(&out);
}

static void test_prometheus_has_every_series(void **state)
{
	(void)state;
	struct alerts_findings f = { 0 };
	struct buf out = BUF_INIT;
	struct alerts_day d = day();
	add(&f, ALERTS_DAILY_LIMIT, ALERTS_CRITICAL, ALERTS_USER, "alice", true);
	add(&f, ALERTS_DAILY_LIMIT, ALERTS_CRITICAL, ALERTS_USER, "bob", true);
	add(&f, ALERTS_ANOMALY, ALERTS_WARNING, ALERTS_USER, "carol", false);
	add(&f, ALERTS_ERROR_RATE, ALERTS_WARNING, ALERTS_USER, "acked", false);
	f.v[3].is_acked = true;
	out_prom_metrics(&out, &f, &d, 1760500000);
	const char *s = buf_str(&out);
	assert_non_null(strstr(s, "# TYPE tokstat_alerts gauge\n"));
	assert_non_null(strstr(s, "tokstat_alerts{rule=\"daily_limit\",severity=\"critical\"} 2\n"));
	assert_non_null(strstr(s, "tokstat_alerts{rule=\"anomaly\",severity=\"warning\"} 1\n"));
	assert_non_null(strstr(s, "tokstat_alerts{rule=\"error_rate\",severity=\"warning\"} 0\n"));
	assert_non_null(strstr(s, "tokstat_day_tokens 3950332\n"));
	assert_non_null(strstr(s, "tokstat_day_cost_usd 4.321900\n"));
	assert_non_null(strstr(s, "tokstat_alerts_day_timestamp_seconds 1760486400\n"));
	/* bounded labels: 2 severities x 9 rules, no user anywhere */
	int series = 0;
	for (const char *p = s; (p = strstr(p, "\ntokstat_alerts{")); p++)
		series++;
	assert_int_equal(series, 2 * ALERTS_RULE_N);
	assert_null(strstr(s, "alice"));
	alerts_findings_free(&f);
	buf_free(&out);
}

static void test_nginx_mask_is_eight_dots_four(void **state)
{
	(void)state;
	assert_true(out_nginx_is_nginx_mask("sk-proj-...dmuY"));
	assert_true(out_nginx_is_nginx_mask("ghp_HCTh...rdK4"));
	assert_false(out_nginx_is_nginx_mask("ghp_ab...wxyz")); /* tokstat's shorter mask */
	assert_false(out_nginx_is_nginx_mask("****"));
	assert_false(out_nginx_is_nginx_mask("sk-proj-***dmuY"));
	assert_false(out_nginx_is_nginx_mask("sk-proj- ...dmu"));
}

static void test_nginx_blocklist_holds_hard_limits_only(void **state)
{
	(void)state;
	struct alerts_findings f = { 0 };
	struct buf out = BUF_INIT, skipped = BUF_INIT;
	struct alerts_day d = day();
	add(&f, ALERTS_DAILY_LIMIT, ALERTS_CRITICAL, ALERTS_CREDENTIAL, "sk-proj-...dmuY", true);
	add(&f, ALERTS_MONTHLY_LIMIT, ALERTS_CRITICAL, ALERTS_CREDENTIAL, "sk-proj-...dmuY", true); /* once */
	add(&f, ALERTS_DAILY_LIMIT, ALERTS_CRITICAL, ALERTS_USER, "alice", true);
	add(&f, ALERTS_DAILY_LIMIT, ALERTS_CRITICAL, ALERTS_USER, "bob", false);  /* at 95%: not blocked */
	add(&f, ALERTS_BURST_LIMIT, ALERTS_CRITICAL, ALERTS_USER, "carol", false);
	add(&f, ALERTS_MONTHLY_LIMIT, ALERTS_CRITICAL, ALERTS_USER, "acked", true);
	f.v[5].is_acked = true; /* an acknowledgement does not lift a limit */
	int n = out_nginx_blocklist(&out, &f, &d, "$tokstat_token", "$http_x_user_id", &skipped);
	assert_int_equal(n, 3);
	const char *s = buf_str(&out);
	assert_non_null(strstr(s, "map $tokstat_token $tokstat_blocked_token {\n    default 0;\n"
				  "    \"sk-proj-...dmuY\" 1;  # daily_limit 904415b35d8a\n}\n"));
	assert_non_null(strstr(s, "map $http_x_user_id $tokstat_blocked_user {\n    default 0;\n"
				  "    \"alice\" 1;  # daily_limit\n    \"acked\" 1;  # monthly_limit\n}\n"));
	assert_non_null(strstr(s, "map \"$tokstat_blocked_token$tokstat_blocked_user\" $tokstat_blocked {\n"
				  "    default 1;\n    \"00\" 0;\n}\n"));
	assert_null(strstr(s, "bob"));
	assert_null(strstr(s, "carol"));
	assert_int_equal(skipped.len, 0);
	alerts_findings_free(&f);
	buf_free(&out);
	buf_free(&skipped);
}

static void test_nginx_keys_are_escaped_or_skipped(void **state)
{
	(void)state;
	struct alerts_findings f = { 0 };
	struct buf out = BUF_INIT, skipped = BUF_INIT;
	struct alerts_day d = day();
	add(&f, ALERTS_DAILY_LIMIT, ALERTS_CRITICAL, ALERTS_USER, "a\"b\\c", true);
	add(&f, ALERTS_DAILY_LIMIT, ALERTS_CRITICAL, ALERTS_USER, "~regex.*", true);
	add(&f, ALERTS_DAILY_LIMIT, ALERTS_CRITICAL, ALERTS_USER, "default", true);
	add(&f, ALERTS_DAILY_LIMIT, ALERTS_CRITICAL, ALERTS_USER, "tab\there", true);
	add(&f, ALERTS_DAILY_LIMIT, ALERTS_CRITICAL, ALERTS_CREDENTIAL, "ghp_ab...wxyz", true);
	int n = out_nginx_blocklist(&out, &f, &d, "$tokstat_token", "$http_x_user_id", &skipped);
	assert_int_equal(n, 3);
	const char *s = buf_str(&out);
	assert_non_null(strstr(s, "    \"a\\\"b\\\\c\" 1;"));
	assert_non_null(strstr(s, "    \"\\\\~regex.*\" 1;")); /* a literal, not a regex */
	assert_non_null(strstr(s, "    \"\\\\default\" 1;"));  /* a key, not the default */
	assert_null(strstr(s, "tab"));
	assert_null(strstr(s, "ghp_ab"));
	assert_non_null(strstr(buf_str(&skipped), "user tab\\x09here: holds control characters"));
	assert_non_null(strstr(buf_str(&skipped), "credential ghp_ab...wxyz: not masked as nginx masks it"));
	alerts_findings_free(&f);
	buf_free(&out);
	buf_free(&skipped);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nagios_line_counts_and_perfdata),
		cmocka_unit_test(test_nagios_line_ok_when_nothing_found),
		cmocka_unit_test(test_nagios_unknown_is_one_line),
		cmocka_unit_test(test_nagios_unknown_fits_80_characters),
		cmocka_unit_test(test_prometheus_has_every_series),
		cmocka_unit_test(test_nginx_mask_is_eight_dots_four),
		cmocka_unit_test(test_nginx_blocklist_holds_hard_limits_only),
		cmocka_unit_test(test_nginx_keys_are_escaped_or_skipped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
