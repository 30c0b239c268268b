/*
 * Alerts: rules over one UTC day's usage that find who is about to run out of a limit or to
 * overspend, which credential is dead or exhausted, and whose usage jumped.
 *
 * alerts_read() fills small structs from the views (and, until the store has a per-minute
 * aggregate, from raw events); alerts_evaluate() runs the rules, pure functions of those
 * structs and the config, into findings. Alert state (new, worse, ongoing) is the store's
 * (store_alerts.h).
 */
#ifndef TOKSTAT_ALERTS_H
#define TOKSTAT_ALERTS_H
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "config.h"

/* Severities equal the monitoring-plugin exit statuses (0 OK, 1 WARNING, 2 CRITICAL). */
enum alerts_severity { ALERTS_OK = 0, ALERTS_WARNING = 1, ALERTS_CRITICAL = 2 };
#define ALERTS_UNKNOWN 3 /* the exit status when the rules could not be evaluated */

enum alerts_rule {
	ALERTS_DAILY_LIMIT,
	ALERTS_MONTHLY_LIMIT,
	ALERTS_MONTHLY_PROJECTION,
	ALERTS_COST_THRESHOLD,
	ALERTS_BURST_LIMIT,
	ALERTS_ERROR_RATE,
	ALERTS_RATE_LIMIT_LOW,
	ALERTS_CREDENTIAL_INVALID,
	ALERTS_ANOMALY,
	ALERTS_RULE_N
};

enum alerts_subject_kind { ALERTS_USER, ALERTS_CREDENTIAL };

/* What a finding's value and limit count. */
enum alerts_unit {
	ALERTS_TOKENS,
	ALERTS_USD,
	ALERTS_TOKENS_PER_MINUTE,
	ALERTS_PERCENT,
	ALERTS_REMAINING,  /* rate-limit requests remaining */
	ALERTS_RESPONSES,  /* 401 responses in a row */
	ALERTS_UNIT_N
};

/* "daily_limit", ...; "critical", ...; "tokens", ... */
const char *alerts_rule_name(enum alerts_rule r);
const char *alerts_severity_name(enum alerts_severity s);
const char *alerts_unit_name(enum alerts_unit u);

/* One condition found on the day. The strings belong to the finding. */
struct alerts_finding {
	enum alerts_rule rule;
	enum alerts_severity severity;
	enum alerts_subject_kind kind;
	char *subject;         /* the user, or the credential's masked display form */
	char fp[13];           /* credentials: first 12 hex digits of the fingerprint; "" for users */
	enum alerts_unit unit; /* anomaly: tokens or USD; fixed for every other rule */
	double value, limit;   /* limit: what value was compared with (the limit itself, not 80% of it) */
	char period[24];       /* "YYYY-MM-DD", "YYYY-MM" or the minute "YYYY-MM-DDTHH:MMZ" */
	char *detail;          /* a sentence for people, or NULL */
	bool is_hard;          /* at or over a hard token limit (daily, monthly): for the blocklist */
	bool lower_is_worse;   /* rate-limit remaining: a lower value is worse */
	bool worse_by_value;   /* a worse value makes it worse (not for a count of 401s: dead is dead) */
	bool is_acked;         /* set from the alert state: acknowledged, so not counted or shown */
};

struct alerts_findings {
	struct alerts_finding *v;
	size_t n, cap;
};

void alerts_findings_free(struct alerts_findings *f);

/* Days of history the anomaly rule can look at (config anomaly_days is at most this). */
#define ALERTS_HISTORY 28

/* One user or credential: its usage on the day and before, and the limits that apply to it. */
struct alerts_subject {
	enum alerts_subject_kind kind;
	char *name;                /* user name, or masked display */
	char fp[13];               /* credentials */
	struct config_limits lim;  /* users: config_user_limits; credentials: config_credential_limits */

	/* tokens and cost: [0] on the day, [i] i days before; a day without usage is 0 */
	int64_t tokens[ALERTS_HISTORY + 1];
	double cost_usd[ALERTS_HISTORY + 1];
	uint32_t cost_incomplete;  /* bit i: day i had tokens without a price, so cost_usd[i] is a floor */
	int64_t month_tokens;      /* the month to date, through the day */
	int64_t requests, errors;  /* on the day (errors: status >= 400 or failed) */

	/* its busiest minute of the day: exact sums over every file and run */
	bool has_peak;
	int64_t peak_tokens, peak_minute; /* minute: epoch / 60 */

	/* credentials: the rate-limit readings of the day */
	bool has_rl;
	int64_t rl_min, rl_min_at;        /* the lowest remaining and when (epoch) it was first read */
	int zero_times;                   /* how often it reached the critical level */
	int64_t zero_at, zero_until;      /* the first time: from, until the next higher reading */
	int64_t zero_seconds;             /* time spent there in all */
	bool zero_open;                   /* still there at the day's last reading */

	/* credentials: the 401 responses that end the day (after its last other response) */
	int64_t trailing_401, since_401;
};

/* The day evaluated, and the figures the monitoring outputs show. */
struct alerts_day {
	int64_t day;           /* days since 1970-01-01 */
	int64_t month_first;   /* the first day of its month */
	int month_days;        /* days in its month */
	int64_t data_first;    /* the first day the database has usage for; -1: none */
	int64_t requests, errors, tokens, unpriced_tokens;
	double cost_usd;       /* priced usage only */
};

struct alerts_input {
	struct alerts_day day;
	struct alerts_subject *users, *creds;
	size_t n_users, n_creds;
};

void alerts_input_free(struct alerts_input *in);

/*
 * Read what the rules need for DAY (days since 1970-01-01) from DB: every user and credential
 * with usage from the first day of the month (or anomaly_days before DAY, when earlier)
 * through DAY, with limits from C. Per-minute token sums, rate-limit readings and 401s come
 * from the raw events of DAY (alerts_read_minutes in alerts.c, the one place that reads raw
 * events), read on a second connection and thread while the aggregates are read on DB.
 * IN is overwritten. Returns 0, or -1 with ERR (IN is then empty).
 */
int alerts_read(sqlite3 *db, const struct config *c, int64_t day, struct alerts_input *in, struct buf *err);

/* The severity of VALUE against LIMIT: critical at or above critical_pct of it, warning at
 * or above warning_pct, else OK. A LIMIT < 0 is no limit (OK); a LIMIT of 0 is used up by any use. */
enum alerts_severity alerts_level(const struct config *c, double value, double limit);

/*
 * The rules. Each appends what it finds about subject S on day D to OUT. Pure functions:
 * no I/O, nothing but their arguments.
 */
void alerts_rule_daily_limit(const struct config *c, const struct alerts_day *d, const struct alerts_subject *s,
			     struct alerts_findings *out);
void alerts_rule_monthly_limit(const struct config *c, const struct alerts_day *d, const struct alerts_subject *s,
			       struct alerts_findings *out);
/* Month to date plus the daily average (since the month's or the data's first day) times the
 * days left passes the monthly limit, while the month to date has not reached it yet. */
void alerts_rule_monthly_projection(const struct config *c, const struct alerts_day *d,
				    const struct alerts_subject *s, struct alerts_findings *out);
void alerts_rule_cost_threshold(const struct config *c, const struct alerts_day *d, const struct alerts_subject *s,
				struct alerts_findings *out);
void alerts_rule_burst_limit(const struct config *c, const struct alerts_day *d, const struct alerts_subject *s,
			     struct alerts_findings *out);
/* More than error_rate_pct of at least error_rate_min_requests requests failed. */
void alerts_rule_error_rate(const struct config *c, const struct alerts_day *d, const struct alerts_subject *s,
			    struct alerts_findings *out);
/* Rate-limit remaining under rate_limit_warning (warning) or at rate_limit_critical (critical). */
void alerts_rule_rate_limit_low(const struct config *c, const struct alerts_day *d, const struct alerts_subject *s,
				struct alerts_findings *out);
/* At least invalid_after 401 responses end the credential's day. */
void alerts_rule_credential_invalid(const struct config *c, const struct alerts_day *d,
				    const struct alerts_subject *s, struct alerts_findings *out);
/*
 * The day's tokens (or cost) above anomaly_factor times the median of the anomaly_days days
 * before, when it is at least anomaly_min_tokens (anomaly_min_cost_usd), the database covers
 * those days, and the subject used something in them (a new user is not an anomaly).
 */
void alerts_rule_anomaly(const struct config *c, const struct alerts_day *d, const struct alerts_subject *s,
			 struct alerts_findings *out);

/* Every rule over every subject of IN, into OUT (most severe first, then by rule and subject). */
void alerts_evaluate(const struct config *c, const struct alerts_input *in, struct alerts_findings *out);

/* ---- one evaluation, as `tokstat alerts` and `tokstat run` make it ---- */

struct store;

/* "OK", "WARNING", "CRITICAL" or "UNKNOWN" for an exit status 0..3. */
const char *alerts_status_name(int status);

/* How alerts_check delivers. Zeroed: as the config says. */
struct alerts_check_options {
	const char *prometheus, *blocklist; /* files to write in place of the config's; NULL: its */
	bool no_webhook;                    /* do not post to [alerts] webhook this time */
	/* Called with each failed delivery's message (the evaluation goes on); may be NULL. */
	void (*on_error)(void *ctx, const char *msg);
	void *ctx;
};

/* What an evaluation found and did. alerts_check_free releases it. */
struct alerts_check {
	int64_t day;                 /* days since 1970-01-01 */
	char day_text[16];           /* YYYY-MM-DD */
	struct alerts_input in;      /* what the rules read (in.day: the figures of the day) */
	struct alerts_findings f;    /* the findings, each is_acked from the alert state */
	int64_t run;                 /* the evaluation's id in the alert state (store_alerts.h) */
	int severity;                /* the worst unacknowledged finding: ALERTS_OK..ALERTS_CRITICAL */
	int critical, warning;       /* unacknowledged findings of each severity */
	int changed;                 /* ... of which new or worse */
	bool delivered;              /* every delivery (files, webhook) and the run's record worked */
	int status;                  /* the exit status: SEVERITY, but UNKNOWN when it is OK and
					something was not delivered */
	struct buf title;            /* "tokstat alerts for DAY: STATUS - N critical, M warning" */
};

/*
 * Evaluate the rules for DAY on ST (opened READ_WRITE) with the settings C, as `tokstat alerts`
 * does: read (alerts_read), evaluate, record the findings in the alert state (new, worse,
 * ongoing, resolved: store_alerts_record), write the Prometheus file and the nginx blocklist
 * when configured (O may replace them), post the new and worse alerts to the webhook, and store
 * the run's exit status. A failed delivery is said through O->on_error and leaves *OUT->status
 * UNKNOWN when there was nothing to alert on. OUT (uninitialized) is filled and must be freed
 * with alerts_check_free, whatever this returns. Returns 0, or -1 with ERR when the rules could
 * not be evaluated (the run is UNKNOWN).
 */
int alerts_check(struct store *st, const struct config *c, int64_t day, const struct alerts_check_options *o,
		 struct alerts_check *out, struct buf *err);
void alerts_check_free(struct alerts_check *ck);

/* Write CONTENT to PATH atomically: a temporary file in the same directory, then rename(2), so
 * a reader (node_exporter, nginx) sees the old file or the new one, never half of one. 0/-1. */
int alerts_write_file(const char *path, const char *content, size_t n, struct buf *err);

/* DAY as "YYYY-MM-DD" into OUT; and the reverse (0, or -1 when S is no such date). */
void alerts_format_day(int64_t day, char out[16]);
int alerts_parse_day(const char *s, int64_t *day);

#endif
