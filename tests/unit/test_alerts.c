/*
 * Unit tests of the alert rules (alerts.c): each rule at, just under and just over each of
 * its thresholds, with tiers and overrides; pure functions over hand-made structs (no SQLite).
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

#include "alerts.h"
#include "timefmt.h"

/* 2025-10-15 (a Wednesday in a 31-day month): day 20376 */
#define DAY 20376
#define OCT1 20362

static struct config cfg;

static int setup_each(void **state)
{
	(void)state;
	config_init(&cfg);
	return 0;
}

static int teardown_each(void **state)
{
	(void)state;
	config_free(&cfg);
	return 0;
}

static struct alerts_day day_of(int64_t day)
{
	struct alerts_day d = { 0 };
	int64_t y;
	unsigned m, dd;
	d.day = day;
	timefmt_civil_from_days(day, &y, &m, &dd);
	d.month_first = timefmt_days_from_civil(y, m, 1);
	d.month_days = (int)(timefmt_days_from_civil(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) - d.month_first);
	d.data_first = d.month_first - 60;
	return d;
}

static struct alerts_subject user(const char *name)
{
	struct alerts_subject s;
	memset(&s, 0, sizeof(s));
	s.kind = ALERTS_USER;
	s.name = (char *)name;
	config_user_limits(&cfg, name, &s.lim);
	s.peak_minute = -1;
	return s;
}

static struct alerts_subject credential(const char *display, const char *fp)
{
	struct alerts_subject s;
	memset(&s, 0, sizeof(s));
	s.kind = ALERTS_CREDENTIAL;
	s.name = (char *)display;
	snprintf(s.fp, sizeof(s.fp), "%s", fp);
	config_credential_limits(&cfg, display, fp, &s.lim);
	return s;
}

typedef void (*rule_fn)(const struct config *, const struct alerts_day *, const struct alerts_subject *,
			struct alerts_findings *);

/* Run RULE on S for day D; returns the severity of its one finding (OK when none), *F if wanted. */
static enum alerts_severity run_rule(rule_fn rule, const struct alerts_day *d, const struct alerts_subject *s,
				     struct alerts_finding *f)
{
	struct alerts_findings out = { 0 };
	rule(&cfg, d, s, &out);
	assert_true(out.n <= 1);
	enum alerts_severity sev = out.n ? out.v[0].severity : ALERTS_OK;
	if (f && out.n) {
		*f = out.v[0];
		f->subject = NULL;
		f->detail = NULL;
	}
	alerts_findings_free(&out);
	return sev;
}

/* The one finding's detail (caller frees), or NULL. */
static char *detail_of(rule_fn rule, const struct alerts_day *d, const struct alerts_subject *s)
{
	struct alerts_findings out = { 0 };
	rule(&cfg, d, s, &out);
	char *detail = out.n && out.v[0].detail ? strdup(out.v[0].detail) : NULL;
	alerts_findings_free(&out);
	return detail;
}

static void test_level_at_under_and_over_thresholds(void **state)
{
	(void)state;
	assert_int_equal(alerts_level(&cfg, 799999, 1000000), ALERTS_OK);
	assert_int_equal(alerts_level(&cfg, 800000, 1000000), ALERTS_WARNING);  /* at 80% */
	assert_int_equal(alerts_level(&cfg, 800001, 1000000), ALERTS_WARNING);
	assert_int_equal(alerts_level(&cfg, 899999, 1000000), ALERTS_WARNING);
	assert_int_equal(alerts_level(&cfg, 900000, 1000000), ALERTS_CRITICAL); /* at 90% */
	assert_int_equal(alerts_level(&cfg, 900001, 1000000), ALERTS_CRITICAL);
	assert_int_equal(alerts_level(&cfg, 5000000, 1000000), ALERTS_CRITICAL);
	assert_int_equal(alerts_level(&cfg, 1e12, CONFIG_NO_LIMIT), ALERTS_OK);
	assert_int_equal(alerts_level(&cfg, 0, 0), ALERTS_OK);       /* a zero limit, nothing used */
	assert_int_equal(alerts_level(&cfg, 1, 0), ALERTS_CRITICAL); /* a zero limit, any use */
	assert_int_equal(alerts_level(&cfg, 7.99, 10), ALERTS_OK);   /* dollars: exact at 8.00 */
	assert_int_equal(alerts_level(&cfg, 8.0, 10), ALERTS_WARNING);
	assert_int_equal(alerts_level(&cfg, 9.0, 10), ALERTS_CRITICAL);
}

static void test_daily_limit_thresholds_and_hard_limit(void **state)
{
	(void)state;
	struct alerts_day d = day_of(DAY);
	struct alerts_subject s = user("alice");
	struct alerts_finding f;
	s.tokens[0] = 799999;
	assert_int_equal(run_rule(alerts_rule_daily_limit, &d, &s, NULL), ALERTS_OK);
	s.tokens[0] = 800000;
	assert_int_equal(run_rule(alerts_rule_daily_limit, &d, &s, &f), ALERTS_WARNING);
	assert_false(f.is_hard);
	assert_string_equal(f.period, "2025-10-15");
	assert_int_equal(f.rule, ALERTS_DAILY_LIMIT);
	assert_true(f.value == 800000 && f.limit == 1000000);
	s.tokens[0] = 899999;
	assert_int_equal(run_rule(alerts_rule_daily_limit, &d, &s, NULL), ALERTS_WARNING);
	s.tokens[0] = 900000;
	assert_int_equal(run_rule(alerts_rule_daily_limit, &d, &s, NULL), ALERTS_CRITICAL);
	s.tokens[0] = 999999;
	assert_int_equal(run_rule(alerts_rule_daily_limit, &d, &s, &f), ALERTS_CRITICAL);
	assert_false(f.is_hard); /* just under the limit: not blocked */
	s.tokens[0] = 1000000;
	assert_int_equal(run_rule(alerts_rule_daily_limit, &d, &s, &f), ALERTS_CRITICAL);
	assert_true(f.is_hard); /* at the limit: none left */
	s.tokens[0] = 1000001;
	assert_int_equal(run_rule(alerts_rule_daily_limit, &d, &s, &f), ALERTS_CRITICAL);
	assert_true(f.is_hard);
	s.tokens[1] = 5000000; /* yesterday's usage is not today's */
	s.tokens[0] = 0;
	assert_int_equal(run_rule(alerts_rule_daily_limit, &d, &s, NULL), ALERTS_OK);
}

static void test_monthly_limit_thresholds(void **state)
{
	(void)state;
	struct alerts_day d = day_of(DAY);
	struct alerts_subject s = user("alice");
	struct alerts_finding f;
	s.month_tokens = 23999999;
	assert_int_equal(run_rule(alerts_rule_monthly_limit, &d, &s, NULL), ALERTS_OK);
	s.month_tokens = 24000000;
	assert_int_equal(run_rule(alerts_rule_monthly_limit, &d, &s, &f), ALERTS_WARNING);
	assert_string_equal(f.period, "2025-10");
	s.month_tokens = 26999999;
	assert_int_equal(run_rule(alerts_rule_monthly_limit, &d, &s, NULL), ALERTS_WARNING);
	s.month_tokens = 27000000;
	assert_int_equal(run_rule(alerts_rule_monthly_limit, &d, &s, NULL), ALERTS_CRITICAL);
	s.month_tokens = 29999999;
	assert_int_equal(run_rule(alerts_rule_monthly_limit, &d, &s, &f), ALERTS_CRITICAL);
	assert_false(f.is_hard);
	s.month_tokens = 30000000;
	assert_int_equal(run_rule(alerts_rule_monthly_limit, &d, &s, &f), ALERTS_CRITICAL);
	assert_true(f.is_hard);
}

static void test_tier_sets_the_monthly_limit(void **state)
{
	(void)state;
	struct alerts_day d = day_of(DAY);
	const char *tmp = getenv("TMPDIR");
	char path[256];
	struct buf err = BUF_INIT;
	snprintf(path, sizeof(path), "%s/tokstat-alerts-tier-%d.conf", tmp && *tmp ? tmp : "/tmp", (int)getpid());
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("[user:freddy]\ntier = free\n[user:paula]\ntier = pro\nmonthly_tokens = 1000\n", fp);
	fclose(fp);
	config_free(&cfg);
	config_init(&cfg);
	assert_int_equal(config_load(&cfg, path, &err), 0);
	unlink(path);
	struct alerts_subject s = user("freddy");
	s.month_tokens = 7999;
	assert_int_equal(run_rule(alerts_rule_monthly_limit, &d, &s, NULL), ALERTS_OK);
	s.month_tokens = 8000; /* 80% of the free tier's 10,000 */
	assert_int_equal(run_rule(alerts_rule_monthly_limit, &d, &s, NULL), ALERTS_WARNING);
	s.month_tokens = 9000;
	assert_int_equal(run_rule(alerts_rule_monthly_limit, &d, &s, NULL), ALERTS_CRITICAL);
	/* an override in the user's section beats its tier */
	struct alerts_subject p = user("paula");
	p.month_tokens = 899;
	assert_int_equal(run_rule(alerts_rule_monthly_limit, &d, &p, NULL), ALERTS_WARNING);
	p.month_tokens = 900;
	assert_int_equal(run_rule(alerts_rule_monthly_limit, &d, &p, NULL), ALERTS_CRITICAL);
	/* a user without a tier keeps the default 30,000,000 */
	struct alerts_subject o = user("other");
	o.month_tokens = 9000;
	assert_int_equal(run_rule(alerts_rule_monthly_limit, &d, &o, NULL), ALERTS_OK);
	buf_free(&err);
}

static void test_monthly_projection_passes_the_limit(void **state)
{
	(void)state;
	/* On 2025-10-15: 15 days elapsed, 16 left of 31. Projection = mtd * 31 / 15. */
	struct alerts_day d = day_of(DAY);
	struct alerts_subject s = user("alice");
	s.lim.monthly_tokens = 31000;
	struct alerts_finding f;
	s.month_tokens = 15000; /* projected exactly 31,000: at the limit, not past it */
	assert_int_equal(run_rule(alerts_rule_monthly_projection, &d, &s, NULL), ALERTS_OK);
	s.month_tokens = 14999; /* just under */
	assert_int_equal(run_rule(alerts_rule_monthly_projection, &d, &s, NULL), ALERTS_OK);
	s.month_tokens = 15001; /* just over: 31,002.07 */
	assert_int_equal(run_rule(alerts_rule_monthly_projection, &d, &s, &f), ALERTS_WARNING);
	assert_true(f.value == 31002 && f.limit == 31000);
	assert_string_equal(f.period, "2025-10");
	s.month_tokens = 31000; /* already at the limit: monthly_limit says so, not a projection */
	assert_int_equal(run_rule(alerts_rule_monthly_projection, &d, &s, NULL), ALERTS_OK);
	/* the average counts from the database's first day when that is later in the month */
	d.data_first = OCT1 + 10; /* 5 days of data: projected = mtd + mtd / 5 * 16 */
	s.month_tokens = 7380;    /* 7380 * 21 / 5 = 30,996 */
	assert_int_equal(run_rule(alerts_rule_monthly_projection, &d, &s, NULL), ALERTS_OK);
	s.month_tokens = 7381; /* 31,000.2 */
	assert_int_equal(run_rule(alerts_rule_monthly_projection, &d, &s, NULL), ALERTS_WARNING);
	/* the month's last day has no days left to project */
	d = day_of(OCT1 + 30);
	s.month_tokens = 30999;
	assert_int_equal(run_rule(alerts_rule_monthly_projection, &d, &s, NULL), ALERTS_OK);
}

static void test_cost_threshold_in_dollars(void **state)
{
	(void)state;
	struct alerts_day d = day_of(DAY);
	struct alerts_subject s = user("alice");
	struct alerts_finding f;
	s.cost_usd[0] = 7.9999;
	assert_int_equal(run_rule(alerts_rule_cost_threshold, &d, &s, NULL), ALERTS_OK);
	s.cost_usd[0] = 8.0;
	assert_int_equal(run_rule(alerts_rule_cost_threshold, &d, &s, &f), ALERTS_WARNING);
	assert_int_equal(f.unit, ALERTS_USD);
	s.cost_usd[0] = 8.9999;
	assert_int_equal(run_rule(alerts_rule_cost_threshold, &d, &s, NULL), ALERTS_WARNING);
	s.cost_usd[0] = 9.0;
	assert_int_equal(run_rule(alerts_rule_cost_threshold, &d, &s, &f), ALERTS_CRITICAL);
	assert_false(f.is_hard); /* a cost threshold alerts; it blocks no one */
	s.cost_usd[0] = 10.01;
	s.cost_incomplete = 1;
	char *detail = detail_of(alerts_rule_cost_threshold, &d, &s);
	assert_non_null(strstr(detail, "not counting tokens without a price"));
	free(detail);
	/* COST_ALERT_THRESHOLD=none turns it off */
	s.lim.daily_cost_usd = CONFIG_NO_LIMIT;
	assert_int_equal(run_rule(alerts_rule_cost_threshold, &d, &s, NULL), ALERTS_OK);
}

static void test_burst_limit_per_minute(void **state)
{
	(void)state;
	struct alerts_day d = day_of(DAY);
	struct alerts_subject s = user("alice");
	struct alerts_finding f;
	s.has_peak = true;
	s.peak_minute = DAY * 1440 + 14 * 60 + 2; /* 14:02 */
	s.peak_tokens = 7999;
	assert_int_equal(run_rule(alerts_rule_burst_limit, &d, &s, NULL), ALERTS_OK);
	s.peak_tokens = 8000;
	assert_int_equal(run_rule(alerts_rule_burst_limit, &d, &s, &f), ALERTS_WARNING);
	assert_string_equal(f.period, "2025-10-15T14:02Z");
	assert_int_equal(f.unit, ALERTS_TOKENS_PER_MINUTE);
	s.peak_tokens = 8999;
	assert_int_equal(run_rule(alerts_rule_burst_limit, &d, &s, NULL), ALERTS_WARNING);
	s.peak_tokens = 9000;
	assert_int_equal(run_rule(alerts_rule_burst_limit, &d, &s, NULL), ALERTS_CRITICAL);
	s.peak_tokens = 10001;
	assert_int_equal(run_rule(alerts_rule_burst_limit, &d, &s, &f), ALERTS_CRITICAL);
	assert_false(f.is_hard); /* a burst passes: no block for the day */
	s.has_peak = false;      /* no events with tokens */
	assert_int_equal(run_rule(alerts_rule_burst_limit, &d, &s, NULL), ALERTS_OK);
}

static void test_error_rate_above_five_percent_of_twenty(void **state)
{
	(void)state;
	struct alerts_day d = day_of(DAY);
	struct alerts_subject s = credential("sk-proj-...dmuY", "904415b35d8a");
	struct alerts_finding f;
	s.requests = 20;
	s.errors = 1; /* 5.0%: at the threshold, not above */
	assert_int_equal(run_rule(alerts_rule_error_rate, &d, &s, NULL), ALERTS_OK);
	s.errors = 2; /* 10% */
	assert_int_equal(run_rule(alerts_rule_error_rate, &d, &s, &f), ALERTS_WARNING);
	assert_true(f.value == 10.0 && f.limit == 5.0);
	s.requests = 1000;
	s.errors = 50; /* 5.0% */
	assert_int_equal(run_rule(alerts_rule_error_rate, &d, &s, NULL), ALERTS_OK);
	s.errors = 51; /* 5.1%: just over */
	assert_int_equal(run_rule(alerts_rule_error_rate, &d, &s, NULL), ALERTS_WARNING);
	s.requests = 19; /* just under the minimum of requests: too few to judge */
	s.errors = 19;
	assert_int_equal(run_rule(alerts_rule_error_rate, &d, &s, NULL), ALERTS_OK);
	s.requests = 20; /* at the minimum */
	assert_int_equal(run_rule(alerts_rule_error_rate, &d, &s, NULL), ALERTS_WARNING);
}

static void test_rate_limit_under_100_and_at_0(void **state)
{
	(void)state;
	struct alerts_day d = day_of(DAY);
	struct alerts_subject s = credential("ghp_abcd...wxyz", "68a450c7099b");
	struct alerts_finding f;
	s.has_rl = true;
	s.rl_min_at = DAY * 86400 + 9 * 3600 + 30 * 60;
	s.rl_min = 100; /* not under 100 */
	assert_int_equal(run_rule(alerts_rule_rate_limit_low, &d, &s, NULL), ALERTS_OK);
	s.rl_min = 99;
	assert_int_equal(run_rule(alerts_rule_rate_limit_low, &d, &s, &f), ALERTS_WARNING);
	assert_true(f.lower_is_worse);
	assert_true(f.limit == 100);
	char *detail = detail_of(alerts_rule_rate_limit_low, &d, &s);
	assert_string_equal(detail, "lowest 99 remaining at 09:30 UTC");
	free(detail);
	s.rl_min = 1; /* just over 0 */
	assert_int_equal(run_rule(alerts_rule_rate_limit_low, &d, &s, NULL), ALERTS_WARNING);
	s.rl_min = 0;
	s.zero_times = 2;
	s.zero_at = DAY * 86400 + 14 * 3600 + 2 * 60;
	s.zero_until = DAY * 86400 + 14 * 3600 + 37 * 60;
	s.zero_seconds = 41 * 60;
	assert_int_equal(run_rule(alerts_rule_rate_limit_low, &d, &s, &f), ALERTS_CRITICAL);
	detail = detail_of(alerts_rule_rate_limit_low, &d, &s);
	assert_string_equal(detail, "at 0 remaining from 14:02 to 14:37 UTC (35 min); 2 times, 41 min in all");
	free(detail);
	s.zero_times = 1;
	s.zero_open = true;
	s.zero_until = DAY * 86400 + 23 * 3600 + 59 * 60;
	detail = detail_of(alerts_rule_rate_limit_low, &d, &s);
	assert_string_equal(detail, "at 0 remaining from 14:02 UTC, still at the day's last reading (23:59)");
	free(detail);
	s.has_rl = false; /* no readings: nothing to say */
	assert_int_equal(run_rule(alerts_rule_rate_limit_low, &d, &s, NULL), ALERTS_OK);
}

static void test_rate_limit_warning_per_credential(void **state)
{
	(void)state;
	struct alerts_day d = day_of(DAY);
	struct alerts_subject s = credential("sk-proj-...dmuY", "904415b35d8a");
	s.lim.rate_limit_warning = 10; /* as a [credential:...] section sets it */
	s.has_rl = true;
	s.rl_min = 10;
	assert_int_equal(run_rule(alerts_rule_rate_limit_low, &d, &s, NULL), ALERTS_OK);
	s.rl_min = 9;
	assert_int_equal(run_rule(alerts_rule_rate_limit_low, &d, &s, NULL), ALERTS_WARNING);
}

static void test_credential_invalid_after_its_401s(void **state)
{
	(void)state;
	struct alerts_day d = day_of(DAY);
	struct alerts_subject s = credential("sk-ant-a...lnAA", "f25c438ce7ab");
	struct alerts_finding f;
	s.since_401 = DAY * 86400 + 17 * 3600 + 33 * 60;
	s.trailing_401 = 0; /* its latest response was no 401 */
	assert_int_equal(run_rule(alerts_rule_credential_invalid, &d, &s, NULL), ALERTS_OK);
	s.trailing_401 = 1;
	assert_int_equal(run_rule(alerts_rule_credential_invalid, &d, &s, &f), ALERTS_CRITICAL);
	assert_false(f.worse_by_value); /* more 401s of a dead key are not news */
	char *detail = detail_of(alerts_rule_credential_invalid, &d, &s);
	assert_string_equal(detail, "every response since 17:33 UTC was a 401 (1)");
	free(detail);
	cfg.invalid_after = 3;
	s.trailing_401 = 2;
	assert_int_equal(run_rule(alerts_rule_credential_invalid, &d, &s, NULL), ALERTS_OK);
	s.trailing_401 = 3;
	assert_int_equal(run_rule(alerts_rule_credential_invalid, &d, &s, NULL), ALERTS_CRITICAL);
}

/* A user with tokens T on the day and H on each of the 7 days before. */
static struct alerts_subject steady(int64_t today, int64_t before)
{
	struct alerts_subject s = user("alice");
	s.tokens[0] = today;
	for (int i = 1; i <= 7; i++)
		s.tokens[i] = before;
	return s;
}

static void test_anomaly_above_three_times_the_median(void **state)
{
	(void)state;
	struct alerts_day d = day_of(DAY);
	struct alerts_subject s = steady(300000, 100000);
	struct alerts_finding f;
	assert_int_equal(run_rule(alerts_rule_anomaly, &d, &s, NULL), ALERTS_OK); /* at 3x: not above */
	s = steady(299999, 100000);
	assert_int_equal(run_rule(alerts_rule_anomaly, &d, &s, NULL), ALERTS_OK);
	s = steady(300001, 100000);
	assert_int_equal(run_rule(alerts_rule_anomaly, &d, &s, &f), ALERTS_WARNING);
	assert_true(f.limit == 300000);
	assert_int_equal(f.unit, ALERTS_TOKENS);
	/* the median, not the mean: one big day before does not raise the bar */
	s = steady(400000, 100000);
	s.tokens[3] = 10000000;
	assert_int_equal(run_rule(alerts_rule_anomaly, &d, &s, NULL), ALERTS_WARNING);
	/* even count of days: the mean of the middle two */
	cfg.anomaly_days = 4;
	s = steady(0, 0);
	s.tokens[1] = 10000, s.tokens[2] = 20000, s.tokens[3] = 40000, s.tokens[4] = 50000; /* median 30,000 */
	s.tokens[0] = 99999; /* over 3 x 30,000, but under the minimum volume */
	assert_int_equal(run_rule(alerts_rule_anomaly, &d, &s, NULL), ALERTS_OK);
	cfg.anomaly_min_tokens = 1;
	s.tokens[0] = 90000;
	assert_int_equal(run_rule(alerts_rule_anomaly, &d, &s, NULL), ALERTS_OK);
	s.tokens[0] = 90001;
	assert_int_equal(run_rule(alerts_rule_anomaly, &d, &s, NULL), ALERTS_WARNING);
}

static void test_anomaly_needs_a_minimum_volume(void **state)
{
	(void)state;
	struct alerts_day d = day_of(DAY);
	/* 10x a small user's median, but under 100,000 tokens: pages no one */
	struct alerts_subject s = steady(99999, 1000);
	assert_int_equal(run_rule(alerts_rule_anomaly, &d, &s, NULL), ALERTS_OK);
	s = steady(100000, 1000); /* at the minimum */
	assert_int_equal(run_rule(alerts_rule_anomaly, &d, &s, NULL), ALERTS_WARNING);
}

static void test_anomaly_ignores_steady_growth(void **state)
{
	(void)state;
	struct alerts_day d = day_of(DAY);
	struct alerts_subject s = user("alice");
	double v = 1000000;
	for (int i = 7; i >= 0; i--) { /* 10% a day: today is 1.1^4 = 1.46x the median */
		s.tokens[i] = (int64_t)v;
		v *= 1.1;
	}
	assert_int_equal(run_rule(alerts_rule_anomaly, &d, &s, NULL), ALERTS_OK);
}

static void test_anomaly_needs_history(void **state)
{
	(void)state;
	struct alerts_day d = day_of(DAY);
	struct alerts_subject s = steady(5000000, 0); /* nothing before: a new user, not a spike */
	assert_int_equal(run_rule(alerts_rule_anomaly, &d, &s, NULL), ALERTS_OK);
	s = steady(5000000, 100000);
	d.data_first = DAY - 6; /* the database holds 6 of the 7 days before: no baseline */
	assert_int_equal(run_rule(alerts_rule_anomaly, &d, &s, NULL), ALERTS_OK);
	d.data_first = DAY - 7;
	assert_int_equal(run_rule(alerts_rule_anomaly, &d, &s, NULL), ALERTS_WARNING);
}

static void test_anomaly_on_cost(void **state)
{
	(void)state;
	struct alerts_day d = day_of(DAY);
	struct alerts_subject s = user("alice");
	struct alerts_finding f;
	for (int i = 1; i <= 7; i++)
		s.cost_usd[i] = 1.0;
	s.cost_usd[0] = 3.0;
	assert_int_equal(run_rule(alerts_rule_anomaly, &d, &s, NULL), ALERTS_OK);
	s.cost_usd[0] = 3.01;
	assert_int_equal(run_rule(alerts_rule_anomaly, &d, &s, &f), ALERTS_WARNING);
	assert_int_equal(f.unit, ALERTS_USD);
	s.cost_incomplete = 1u << 3; /* a day with unpriced tokens: no baseline in dollars */
	assert_int_equal(run_rule(alerts_rule_anomaly, &d, &s, NULL), ALERTS_OK);
	s.cost_incomplete = 0;
	s.cost_usd[0] = 0.99; /* 10x a tiny baseline, under the $1 minimum */
	for (int i = 1; i <= 7; i++)
		s.cost_usd[i] = 0.01;
	assert_int_equal(run_rule(alerts_rule_anomaly, &d, &s, NULL), ALERTS_OK);
}

static void test_credential_limits_only_where_configured(void **state)
{
	(void)state;
	struct alerts_day d = day_of(DAY);
	struct alerts_input in = { 0 };
	struct alerts_findings out = { 0 };
	struct alerts_subject c = credential("sk-proj-...dmuY", "904415b35d8a");
	c.tokens[0] = 50000000; /* far over the per-user default, but credentials have none */
	in.day = d;
	in.creds = &c;
	in.n_creds = 1;
	alerts_evaluate(&cfg, &in, &out);
	assert_int_equal(out.n, 0);
	c.lim.daily_tokens = 40000000; /* as [credential:sk-proj-...dmuY] daily_tokens sets it */
	alerts_evaluate(&cfg, &in, &out);
	assert_int_equal(out.n, 1);
	assert_int_equal(out.v[0].kind, ALERTS_CREDENTIAL);
	assert_string_equal(out.v[0].fp, "904415b35d8a");
	assert_true(out.v[0].is_hard);
	alerts_findings_free(&out);
}

static void test_evaluate_puts_the_most_severe_first(void **state)
{
	(void)state;
	struct alerts_day d = day_of(DAY);
	struct alerts_input in = { 0 };
	struct alerts_findings out = { 0 };
	struct alerts_subject u[2] = { user("bob"), user("alice") };
	u[0].tokens[0] = 850000;  /* warning */
	u[1].tokens[0] = 950000;  /* critical */
	u[1].cost_usd[0] = 8.5;   /* warning */
	in.day = d;
	in.users = u;
	in.n_users = 2;
	alerts_evaluate(&cfg, &in, &out);
	assert_int_equal(out.n, 3);
	assert_int_equal(out.v[0].severity, ALERTS_CRITICAL);
	assert_string_equal(out.v[0].subject, "alice");
	assert_int_equal(out.v[1].rule, ALERTS_DAILY_LIMIT); /* then by rule, then subject */
	assert_string_equal(out.v[1].subject, "bob");
	assert_int_equal(out.v[2].rule, ALERTS_COST_THRESHOLD);
	alerts_findings_free(&out);
}

static void test_parse_day_is_strict(void **state)
{
	(void)state;
	int64_t day;
	char text[16];
	assert_int_equal(alerts_parse_day("2025-10-15", &day), 0);
	assert_int_equal(day, DAY);
	alerts_format_day(day, text);
	assert_string_equal(text, "2025-10-15");
	assert_int_equal(alerts_parse_day("2025-02-30", &day), -1);
	assert_int_equal(alerts_parse_day("2025-10-15x", &day), -1);
	assert_int_equal(alerts_parse_day("25-10-15", &day), -1);
	assert_int_equal(alerts_parse_day("2025-1-15", &day), -1);
}

static void test_write_file_replaces_whole(void **state)
{
	(void)state;
	const char *tmp = getenv("TMPDIR");
	char path[256], got[64] = "";
	struct buf err = BUF_INIT;
	snprintf(path, sizeof(path), "%s/tokstat-alerts-file-%d", tmp && *tmp ? tmp : "/tmp", (int)getpid());
	assert_int_equal(alerts_write_file(path, "old\n", 4, &err), 0);
	assert_int_equal(alerts_write_file(path, "new content\n", 12, &err), 0);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	assert_int_equal(fread(got, 1, sizeof(got) - 1, f), 12);
	fclose(f);
	assert_string_equal(got, "new content\n");
	unlink(path);
	assert_int_equal(alerts_write_file("/nonexistent-dir/x.prom", "x", 1, &err), -1);
	assert_non_null(strstr(buf_str(&err), "/nonexistent-dir/x.prom: cannot create a temporary file"));
	buf_free(&err);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup_each, teardown_each)
	const struct CMUnitTest tests[] = {
		T(test_level_at_under_and_over_thresholds),
		T(test_daily_limit_thresholds_and_hard_limit),
		T(test_monthly_limit_thresholds),
		T(test_tier_sets_the_monthly_limit),
		T(test_monthly_projection_passes_the_limit),
		T(test_cost_threshold_in_dollars),
		T(test_burst_limit_per_minute),
		T(test_error_rate_above_five_percent_of_twenty),
		T(test_rate_limit_under_100_and_at_0),
		T(test_rate_limit_warning_per_credential),
		T(test_credential_invalid_after_its_401s),
		T(test_anomaly_above_three_times_the_median),
		T(test_anomaly_needs_a_minimum_volume),
		T(test_anomaly_ignores_steady_growth),
		T(test_anomaly_needs_history),
		T(test_anomaly_on_cost),
		T(test_credential_limits_only_where_configured),
		T(test_evaluate_puts_the_most_severe_first),
		T(test_parse_day_is_strict),
		T(test_write_file_replaces_whole),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
