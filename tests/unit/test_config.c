/*
 * Unit tests of config.c: defaults, the INI file (values, strictness with file and line),
 * the environment over the file, flags over both, tiers (config and CSV) and overrides.
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

#include "config.h"

static char dir[256];

static const char *const env_vars[] = { "TOKSTAT_CONFIG", "TOKSTAT_DB", "TOKSTAT_PARSERS", "TOKSTAT_ESTIMATES",
					"TOKSTAT_QUERIES",
					"DAILY_TOKEN_LIMIT", "MONTHLY_TOKEN_LIMIT", "BURST_TOKEN_LIMIT",
					"COST_ALERT_THRESHOLD" };

static int setup(void **state)
{
	(void)state;
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/tokstat-config-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return -1;
	for (size_t i = 0; i < sizeof(env_vars) / sizeof(env_vars[0]); i++)
		unsetenv(env_vars[i]);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Write TEXT to DIR/NAME; returns the path (static buffer, one at a time per name slot). */
static const char *write_file(const char *name, const char *text)
{
	static char path[2][320];
	static int slot;
	char *p = path[slot++ % 2];
	snprintf(p, 320, "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return p;
}

/* Load TEXT as a config file; returns config_load's result, ERR holds the message. */
static int load(struct config *c, const char *text, struct buf *err)
{
	config_init(c);
	return config_load(c, write_file("t.conf", text), err);
}

static void test_defaults_name_their_values(void **state)
{
	(void)state;
	struct config c;
	struct buf err = BUF_INIT;
	config_init(&c);
	assert_int_equal(config_load(&c, NULL, &err), 0);
	assert_null(c.file);
	assert_int_equal(c.limits.daily_tokens, 1000000);
	assert_int_equal(c.limits.monthly_tokens, 30000000);
	assert_int_equal(c.limits.burst_tokens, 10000);
	assert_true(c.limits.daily_cost_usd == 10.0);
	assert_true(c.warning_pct == 80 && c.critical_pct == 90);
	assert_true(c.error_rate_pct == 5);
	assert_int_equal(c.error_rate_min_requests, 20);
	assert_int_equal(c.limits.rate_limit_warning, 100);
	assert_int_equal(c.rate_limit_critical, 0);
	assert_int_equal(c.invalid_after, 1);
	assert_true(c.anomaly_factor == 3);
	assert_int_equal(c.anomaly_days, 7);
	assert_int_equal(config_find_tier(&c, "free")->monthly_tokens, 10000);
	assert_int_equal(config_find_tier(&c, "basic")->monthly_tokens, 50000);
	assert_int_equal(config_find_tier(&c, "pro")->monthly_tokens, 200000);
	assert_int_equal(config_find_tier(&c, "enterprise")->monthly_tokens, 1000000);
	assert_string_equal(config_get_db_path(&c, NULL), "tokstat.db");
	assert_null(config_get_parsers(&c, NULL));
	config_free(&c);
	buf_free(&err);
}

static void test_file_sets_every_section(void **state)
{
	(void)state;
	struct config c;
	struct buf err = BUF_INIT;
	int rc = load(&c,
		      "; a comment\n# another\n"
		      "[limits]\ndaily_tokens = 2_000_000\nmonthly_tokens = none\ndaily_cost_usd = 12.5\n"
		      "warning_pct = 70\ncritical_pct = 95\n"
		      "[alerts]\nerror_rate_pct = 2.5\nwebhook = \"http://127.0.0.1:9/hook?a=1;b=2\"\n"
		      "anomaly_days = 14\n"
		      "[ingest]\nparsers = /etc/tokstat/parsers\n"
		      "[run]\nlogs = /var/log/nginx/api.log*\nlogs = /var/log/app/*.jsonl\ndatabase = /var/lib/t.db\n"
		      "keep_days = 90\nreports = html, json\nreports = csv\noutput_dir = /var/lib/r\n"
		      "mail_to = ops@example.com\n"
		      "mail_command = /usr/sbin/sendmail -t ; -oi\n",
		      &err);
	assert_int_equal(rc, 0);
	assert_int_equal(c.limits.daily_tokens, 2000000);
	assert_int_equal(c.limits.monthly_tokens, CONFIG_NO_LIMIT);
	assert_true(c.limits.daily_cost_usd == 12.5);
	assert_true(c.warning_pct == 70 && c.critical_pct == 95);
	assert_true(c.error_rate_pct == 2.5);
	assert_string_equal(c.webhook, "http://127.0.0.1:9/hook?a=1;b=2");
	assert_int_equal(c.anomaly_days, 14);
	assert_string_equal(c.parsers, "/etc/tokstat/parsers");
	assert_int_equal(c.n_logs, 2);
	assert_string_equal(c.logs[1], "/var/log/app/*.jsonl");
	assert_int_equal(c.keep_days, 90);
	assert_int_equal(c.n_reports, 3);
	assert_string_equal(c.reports[0], "html");
	assert_string_equal(c.reports[1], "json");
	assert_string_equal(c.reports[2], "csv");
	assert_string_equal(c.mail_command, "/usr/sbin/sendmail -t ; -oi"); /* ';' is no comment */
	assert_string_equal(config_get_db_path(&c, NULL), "/var/lib/t.db");
	assert_non_null(strstr(c.file, "t.conf"));
	config_free(&c);
	buf_free(&err);
}

static void test_unknown_key_names_file_and_line(void **state)
{
	(void)state;
	struct config c;
	struct buf err = BUF_INIT;
	assert_int_equal(load(&c, "[limits]\ndaily_tokens = 5\n\ndaily_tokenz = 6\n", &err), -1);
	assert_non_null(strstr(buf_str(&err), "t.conf:4: unknown key 'daily_tokenz' in [limits]"));
	assert_non_null(strstr(buf_str(&err), "known: daily_tokens"));
	config_free(&c);
	buf_free(&err);
}

static void test_unknown_section_names_its_line(void **state)
{
	(void)state;
	struct config c;
	struct buf err = BUF_INIT;
	assert_int_equal(load(&c, "[limits]\ndaily_tokens = 5\n[alert]\nwebhook = x\n", &err), -1);
	assert_non_null(strstr(buf_str(&err), "t.conf:4: unknown section [alert]"));
	config_free(&c);
	buf_free(&err);
}

static void test_key_set_twice_is_an_error(void **state)
{
	(void)state;
	struct config c;
	struct buf err = BUF_INIT;
	assert_int_equal(load(&c, "[alerts]\nanomaly_factor = 3\nanomaly_factor = 4\n", &err), -1);
	assert_non_null(strstr(buf_str(&err), "t.conf:3: anomaly_factor is set twice in [alerts] (first on line 2)"));
	config_free(&c);
	buf_free(&err);
}

static void test_bad_values_name_key_and_line(void **state)
{
	(void)state;
	struct config c;
	struct buf err = BUF_INIT;
	assert_int_equal(load(&c, "[limits]\ndaily_tokens = 10k\n", &err), -1);
	assert_non_null(strstr(buf_str(&err), "t.conf:2: daily_tokens wants a whole number or 'none', not '10k'"));
	config_free(&c);
	buf_reset(&err);
	assert_int_equal(load(&c, "[alerts]\nerror_rate_pct = 101\n", &err), -1);
	assert_non_null(strstr(buf_str(&err), "t.conf:2: error_rate_pct must be from 0 to 100"));
	config_free(&c);
	buf_reset(&err);
	assert_int_equal(load(&c, "[limits]\ndaily_tokens = -5\n", &err), -1);
	assert_non_null(strstr(buf_str(&err), "t.conf:2:"));
	config_free(&c);
	buf_reset(&err);
	assert_int_equal(load(&c, "[limits]\ndaily_tokens = 1 ; a comment\n", &err), -1);
	config_free(&c);
	buf_reset(&err);
	assert_int_equal(load(&c, "[alerts]\nblocklist_user_variable = http_x_user\n", &err), -1);
	assert_non_null(strstr(buf_str(&err), "wants an nginx variable"));
	config_free(&c);
	buf_free(&err);
}

static void test_line_that_is_no_key_names_its_line(void **state)
{
	(void)state;
	struct config c;
	struct buf err = BUF_INIT;
	assert_int_equal(load(&c, "[limits]\ndaily_tokens = 5\njust words\n", &err), -1);
	assert_non_null(strstr(buf_str(&err), "t.conf:3: not a [section], a 'key = value' line or a comment"));
	config_free(&c);
	buf_reset(&err);
	/* a continuation line is not a continuation here: an error, not a silent append */
	assert_int_equal(load(&c, "[run]\nlogs = /a\n  /b\n", &err), -1);
	assert_non_null(strstr(buf_str(&err), "t.conf:3:"));
	config_free(&c);
	buf_free(&err);
}

static void test_long_line_is_read_whole(void **state)
{
	(void)state;
	struct config c;
	struct buf text = BUF_INIT, err = BUF_INIT;
	buf_adds(&text, "[alerts]\nwebhook = https://hooks.example.com/");
	for (int i = 0; i < 500; i++)
		buf_addc(&text, 'a' + i % 26);
	buf_adds(&text, "\n[limits]\nbogus = 1\n");
	assert_int_equal(load(&c, buf_str(&text), &err), -1);
	/* the line after the long one is still line 3: nothing was split */
	assert_non_null(strstr(buf_str(&err), "t.conf:4: unknown key 'bogus'"));
	assert_int_equal(strlen(c.webhook), strlen("https://hooks.example.com/") + 500);
	config_free(&c);
	buf_free(&text);
	buf_free(&err);
}

static void test_warning_must_be_below_critical(void **state)
{
	(void)state;
	struct config c;
	struct buf err = BUF_INIT;
	assert_int_equal(load(&c, "[limits]\nwarning_pct = 90\n", &err), -1);
	assert_non_null(strstr(buf_str(&err), "warning_pct (90) must be below critical_pct (90)"));
	config_free(&c);
	buf_free(&err);
}

static void test_environment_overrides_file(void **state)
{
	(void)state;
	struct config c;
	struct buf err = BUF_INIT;
	setenv("DAILY_TOKEN_LIMIT", "500", 1);
	setenv("MONTHLY_TOKEN_LIMIT", "none", 1);
	setenv("BURST_TOKEN_LIMIT", "42", 1);
	setenv("COST_ALERT_THRESHOLD", "2.5", 1);
	setenv("TOKSTAT_DB", "/env/t.db", 1);
	assert_int_equal(load(&c, "[limits]\ndaily_tokens = 7\nburst_tokens_per_minute = 8\n[run]\ndatabase = /f.db\n",
			      &err), 0);
	assert_int_equal(c.limits.daily_tokens, 500);
	assert_int_equal(c.limits.monthly_tokens, CONFIG_NO_LIMIT);
	assert_int_equal(c.limits.burst_tokens, 42);
	assert_true(c.limits.daily_cost_usd == 2.5);
	assert_string_equal(config_get_db_path(&c, NULL), "/env/t.db");
	assert_string_equal(config_get_db_path(&c, "/flag.db"), "/flag.db"); /* flags over all */
	config_free(&c);
	for (size_t i = 0; i < sizeof(env_vars) / sizeof(env_vars[0]); i++)
		unsetenv(env_vars[i]);
	buf_free(&err);
}

static void test_settings_take_flag_then_environment_then_file(void **state)
{
	(void)state;
	struct config c;
	struct buf err = BUF_INIT, origin = BUF_INIT;
	setenv("TOKSTAT_QUERIES", "/env/queries", 1);
	assert_int_equal(load(&c, "[ingest]\nparsers = /f/parsers\nestimates = *=5\n[query]\ndir = /f/queries\n", &err),
			 0);
	assert_string_equal(config_get_queries(&c, NULL), "/env/queries");
	assert_string_equal(config_get_queries(&c, "/flag/q"), "/flag/q");
	assert_string_equal(config_get_parsers(&c, NULL), "/f/parsers");
	assert_string_equal(config_get_estimates(&c, NULL), "*=5");
	assert_string_equal(config_get_db_path(&c, NULL), "tokstat.db"); /* the default */
	config_origin(&c, CONFIG_QUERIES, &origin);
	assert_string_equal(buf_str(&origin), "$TOKSTAT_QUERIES");
	buf_reset(&origin);
	config_origin(&c, CONFIG_ESTIMATES, &origin);
	assert_non_null(strstr(buf_str(&origin), ".conf: [ingest] estimates"));
	buf_reset(&origin);
	config_origin(&c, CONFIG_DATABASE, &origin);
	assert_string_equal(buf_str(&origin), "the default");
	config_free(&c);
	unsetenv("TOKSTAT_QUERIES");
	assert_int_equal(load(&c, "[query]\ndir = /f/queries\n", &err), 0);
	assert_string_equal(config_get_queries(&c, NULL), "/f/queries");
	assert_null(config_get_parsers(&c, NULL));
	config_free(&c);
	buf_free(&err);
	buf_free(&origin);
}

static void test_bad_environment_value_names_variable(void **state)
{
	(void)state;
	struct config c;
	struct buf err = BUF_INIT;
	setenv("COST_ALERT_THRESHOLD", "ten", 1);
	assert_int_equal(load(&c, "[limits]\n", &err), -1);
	assert_non_null(strstr(buf_str(&err), "COST_ALERT_THRESHOLD wants a number or 'none', not 'ten'"));
	unsetenv("COST_ALERT_THRESHOLD");
	config_free(&c);
	buf_free(&err);
}

static void test_config_file_from_environment(void **state)
{
	(void)state;
	struct config c;
	struct buf err = BUF_INIT;
	setenv("TOKSTAT_CONFIG", write_file("env.conf", "[limits]\ndaily_tokens = 321\n"), 1);
	config_init(&c);
	assert_int_equal(config_load(&c, NULL, &err), 0);
	assert_int_equal(c.limits.daily_tokens, 321);
	config_free(&c);
	/* --config wins over $TOKSTAT_CONFIG */
	config_init(&c);
	assert_int_equal(config_load(&c, write_file("flag.conf", "[limits]\ndaily_tokens = 654\n"), &err), 0);
	assert_int_equal(c.limits.daily_tokens, 654);
	config_free(&c);
	unsetenv("TOKSTAT_CONFIG");
	buf_free(&err);
}

static void test_user_tier_and_override(void **state)
{
	(void)state;
	struct config c;
	struct config_limits lim;
	struct buf err = BUF_INIT;
	assert_int_equal(load(&c,
			      "[tiers]\nteam = 5000000\npro = 250000\n"
			      "[user:alice]\ntier = pro\n"
			      "[user:bob]\ntier = team\nmonthly_tokens = 123\ndaily_tokens = none\n"
			      "[user:carol]\nburst_tokens_per_minute = 99\n",
			      &err), 0);
	config_user_limits(&c, "alice", &lim);
	assert_int_equal(lim.monthly_tokens, 250000); /* [tiers] changed pro's limit */
	assert_int_equal(lim.daily_tokens, 1000000);  /* the rest are the defaults */
	config_user_limits(&c, "bob", &lim);
	assert_int_equal(lim.monthly_tokens, 123);    /* the user's own section over its tier */
	assert_int_equal(lim.daily_tokens, CONFIG_NO_LIMIT);
	config_user_limits(&c, "carol", &lim);
	assert_int_equal(lim.burst_tokens, 99);
	assert_int_equal(lim.monthly_tokens, 30000000);
	config_user_limits(&c, "nobody", &lim);
	assert_int_equal(lim.monthly_tokens, 30000000);
	config_free(&c);
	buf_free(&err);
}

static void test_unknown_tier_names_its_line(void **state)
{
	(void)state;
	struct config c;
	struct buf err = BUF_INIT;
	assert_int_equal(load(&c, "[user:alice]\ndaily_tokens = 5\ntier = gold\n", &err), -1);
	assert_non_null(strstr(buf_str(&err), "t.conf:3: [user:alice] unknown tier 'gold'"));
	config_free(&c);
	buf_free(&err);
}

static void test_tier_csv_assigns_users(void **state)
{
	(void)state;
	struct config c;
	struct config_limits lim;
	struct buf err = BUF_INIT;
	write_file("tiers.csv", "user,tier\nalice,free\n\"bob, the builder\",enterprise\ncarol , basic\n");
	assert_int_equal(load(&c, "[limits]\nuser_tiers = tiers.csv\n[user:carol]\ntier = pro\n", &err), 0);
	config_user_limits(&c, "alice", &lim);
	assert_int_equal(lim.monthly_tokens, 10000);
	config_user_limits(&c, "bob, the builder", &lim);
	assert_int_equal(lim.monthly_tokens, 1000000);
	config_user_limits(&c, "carol", &lim);
	assert_int_equal(lim.monthly_tokens, 200000); /* the config file's tier over the CSV's */
	config_free(&c);
	buf_free(&err);
}

static void test_tier_csv_errors_name_line(void **state)
{
	(void)state;
	struct config c;
	struct buf err = BUF_INIT;
	write_file("bad.csv", "alice,free\nbob,platinum\n");
	assert_int_equal(load(&c, "[limits]\nuser_tiers = bad.csv\n", &err), -1);
	assert_non_null(strstr(buf_str(&err), "bad.csv:2: unknown tier 'platinum'"));
	config_free(&c);
	buf_reset(&err);
	write_file("bad.csv", "alice,free\nbob\n");
	assert_int_equal(load(&c, "[limits]\nuser_tiers = bad.csv\n", &err), -1);
	assert_non_null(strstr(buf_str(&err), "bad.csv:2: wants 2 fields (user,tier), not 1"));
	config_free(&c);
	buf_reset(&err);
	write_file("bad.csv", "alice,free\nalice,pro\n");
	assert_int_equal(load(&c, "[limits]\nuser_tiers = bad.csv\n", &err), -1);
	assert_non_null(strstr(buf_str(&err), "bad.csv:2: user 'alice' has a tier already"));
	config_free(&c);
	buf_free(&err);
}

static void test_credential_override_by_mask_or_fingerprint(void **state)
{
	(void)state;
	struct config c;
	struct config_limits lim;
	struct buf err = BUF_INIT;
	assert_int_equal(load(&c,
			      "[credential:sk-proj-...dmuY]\ndaily_tokens = 500\n"
			      "[credential:904415B3]\nrate_limit_warning = 10\nburst_tokens_per_minute = 77\n",
			      &err), 0);
	assert_true(config_credential_limits(&c, "sk-proj-...dmuY", "aaaaaaaaaaaa", &lim));
	assert_int_equal(lim.daily_tokens, 500);
	assert_int_equal(lim.monthly_tokens, CONFIG_NO_LIMIT); /* only what the section sets */
	assert_int_equal(lim.rate_limit_warning, 100);
	assert_true(config_credential_limits(&c, "ghp_abcd...wxyz", "904415b35d8a", &lim));
	assert_int_equal(lim.rate_limit_warning, 10);
	assert_int_equal(lim.burst_tokens, 77);
	assert_int_equal(lim.daily_tokens, CONFIG_NO_LIMIT);
	assert_false(config_credential_limits(&c, "ghp_abcd...wxyz", "904415c0ffee", &lim));
	assert_int_equal(lim.daily_tokens, CONFIG_NO_LIMIT);
	assert_true(config_any_credential_sets(&c, CONFIG_SET_BURST));
	assert_false(config_any_credential_sets(&c, CONFIG_SET_MONTHLY));
	config_free(&c);
	buf_free(&err);
}

static void test_credential_section_needs_mask_or_hex(void **state)
{
	(void)state;
	struct config c;
	struct buf err = BUF_INIT;
	assert_int_equal(load(&c, "[credential:sk-proj-abcdefgh]\ndaily_tokens = 5\n", &err), -1);
	assert_non_null(strstr(buf_str(&err), "t.conf:2: [credential:sk-proj-abcdefgh]: a credential is named by its mask"));
	config_free(&c);
	buf_free(&err);
}

static void test_missing_file_is_an_error(void **state)
{
	(void)state;
	struct config c;
	struct buf err = BUF_INIT;
	config_init(&c);
	assert_int_equal(config_load(&c, "/nonexistent/tokstat.conf", &err), -1);
	assert_non_null(strstr(buf_str(&err), "/nonexistent/tokstat.conf: cannot open"));
	config_free(&c);
	buf_free(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_name_their_values),
		cmocka_unit_test(test_file_sets_every_section),
		cmocka_unit_test(test_unknown_key_names_file_and_line),
		cmocka_unit_test(test_unknown_section_names_its_line),
		cmocka_unit_test(test_key_set_twice_is_an_error),
		cmocka_unit_test(test_bad_values_name_key_and_line),
		cmocka_unit_test(test_line_that_is_no_key_names_its_line),
		cmocka_unit_test(test_long_line_is_read_whole),
		cmocka_unit_test(test_warning_must_be_below_critical),
		cmocka_unit_test(test_environment_overrides_file),
		cmocka_unit_test(test_settings_take_flag_then_environment_then_file),
		cmocka_unit_test(test_bad_environment_value_names_variable),
		cmocka_unit_test(test_config_file_from_environment),
		cmocka_unit_test(test_user_tier_and_override),
		cmocka_unit_test(test_unknown_tier_names_its_line),
		cmocka_unit_test(test_tier_csv_assigns_users),
		cmocka_unit_test(test_tier_csv_errors_name_line),
		cmocka_unit_test(test_credential_override_by_mask_or_fingerprint),
		cmocka_unit_test(test_credential_section_needs_mask_or_hex),
		cmocka_unit_test(test_missing_file_is_an_error),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
