/*
 * Alerts: the rules (pure functions over struct alerts_subject) and the reads that fill those
 * structs from the database (see alerts.h). Every SQL statement here says what it reads.
 */
#include "alerts.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hashmap.h"
#include "timefmt.h"

static const char *const rule_names[ALERTS_RULE_N] = {
	"daily_limit", "monthly_limit", "monthly_projection", "cost_threshold", "burst_limit",
	"error_rate", "rate_limit_low", "credential_invalid", "anomaly",
};

static const char *const unit_names[ALERTS_UNIT_N] = {
	"tokens", "usd", "tokens/min", "percent", "remaining", "responses",
};

const char *alerts_rule_name(enum alerts_rule r)
{
	return r < ALERTS_RULE_N ? rule_names[r] : "?";
}

const char *alerts_severity_name(enum alerts_severity s)
{
	return s == ALERTS_CRITICAL ? "critical" : s == ALERTS_WARNING ? "warning" : "ok";
}

const char *alerts_unit_name(enum alerts_unit u)
{
	return u < ALERTS_UNIT_N ? unit_names[u] : "?";
}

void alerts_format_day(int64_t day, char out[16])
{
	timefmt_format_day(day, out);
}

int alerts_parse_day(const char *s, int64_t *day)
{
	unsigned y, m, d;
	int n = 0;
	char back[16];
	if (strlen(s) != 10 || sscanf(s, "%4u-%2u-%2u%n", &y, &m, &d, &n) != 3 || n != 10 || m < 1 || m > 12 ||
	    d < 1 || d > 31 || y < 1970)
		return -1;
	*day = timefmt_days_from_civil(y, m, d);
	timefmt_format_day(*day, back);
	return strcmp(back, s) == 0 ? 0 : -1; /* 2025-02-30 is no day */
}

/* ---- findings ---- */

void alerts_findings_free(struct alerts_findings *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].subject);
		free(f->v[i].detail);
	}
	free(f->v);
	memset(f, 0, sizeof(*f));
}

/* Append a finding about S; its period and detail are set by the caller (detail via add_detail). */
static struct alerts_finding *add(struct alerts_findings *out, enum alerts_rule rule, enum alerts_severity sev,
				  const struct alerts_subject *s, enum alerts_unit unit, double value, double limit)
{
	if (out->n == out->cap) {
		out->cap = out->cap ? 2 * out->cap : 16;
		out->v = xrealloc(out->v, out->cap * sizeof(*out->v));
	}
	struct alerts_finding *f = &out->v[out->n++];
	memset(f, 0, sizeof(*f));
	f->rule = rule;
	f->severity = sev;
	f->kind = s->kind;
	f->subject = xstrdup(s->name);
	memcpy(f->fp, s->fp, sizeof(f->fp));
	f->unit = unit;
	f->value = value;
	f->limit = limit;
	return f;
}

__attribute__((format(printf, 2, 3))) static void set_detail(struct alerts_finding *f, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	free(f->detail);
	f->detail = xstrdup(buf_str(&b));
	buf_free(&b);
}

/* 1234567 -> "1,234,567" into OUT (room for any int64). */
static const char *grouped(int64_t v, char out[32])
{
	char digits[24];
	int n = snprintf(digits, sizeof(digits), "%lld", (long long)(v < 0 ? -v : v)), o = 0;
	if (v < 0)
		out[o++] = '-';
	for (int i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = digits[i];
	}
	out[o] = '\0';
	return out;
}

static void period_day(char out[24], int64_t day)
{
	char d[16];
	timefmt_format_day(day, d);
	snprintf(out, 24, "%s", d);
}

static void period_month(char out[24], int64_t day)
{
	char d[16];
	timefmt_format_day(day, d);
	snprintf(out, 24, "%.7s", d);
}

/* "HH:MM" of EPOCH (UTC). */
static const char *clock_of(int64_t epoch, char out[8])
{
	int64_t s = epoch - timefmt_day(epoch) * 86400;
	snprintf(out, 8, "%02d:%02d", (int)(s / 3600), (int)(s / 60 % 60));
	return out;
}

enum alerts_severity alerts_level(const struct config *c, double value, double limit)
{
	if (limit < 0)
		return ALERTS_OK;
	/* Compared as value * 100 >= pct * limit: no division, so a limit of 0 and the exact
	 * thresholds (80% of 1,000,000 is 800,000) are decided without rounding. */
	if (value * 100 >= c->critical_pct * limit && (limit > 0 || value > 0))
		return ALERTS_CRITICAL;
	if (value * 100 >= c->warning_pct * limit && (limit > 0 || value > 0))
		return ALERTS_WARNING;
	return ALERTS_OK;
}

/* ---- the rules ---- */

/* A token limit rule: the severity of VALUE against LIMIT, hard when VALUE reached LIMIT. */
static struct alerts_finding *token_limit(const struct config *c, enum alerts_rule rule, const struct alerts_subject *s,
					  int64_t value, int64_t limit, struct alerts_findings *out)
{
	enum alerts_severity sev = alerts_level(c, (double)value, (double)limit);
	if (sev == ALERTS_OK)
		return NULL;
	struct alerts_finding *f = add(out, rule, sev, s, ALERTS_TOKENS, (double)value, (double)limit);
	f->is_hard = value >= limit;
	return f;
}

void alerts_rule_daily_limit(const struct config *c, const struct alerts_day *d, const struct alerts_subject *s,
			     struct alerts_findings *out)
{
	struct alerts_finding *f = token_limit(c, ALERTS_DAILY_LIMIT, s, s->tokens[0], s->lim.daily_tokens, out);
	if (!f)
		return;
	period_day(f->period, d->day);
	set_detail(f, "%.0f%% of the daily limit", f->limit > 0 ? 100.0 * f->value / f->limit : 100.0);
}

void alerts_rule_monthly_limit(const struct config *c, const struct alerts_day *d, const struct alerts_subject *s,
			       struct alerts_findings *out)
{
	struct alerts_finding *f = token_limit(c, ALERTS_MONTHLY_LIMIT, s, s->month_tokens, s->lim.monthly_tokens, out);
	if (!f)
		return;
	char day[16];
	period_month(f->period, d->day);
	timefmt_format_day(d->day, day);
	set_detail(f, "%.0f%% of the monthly limit by %s", f->limit > 0 ? 100.0 * f->value / f->limit : 100.0, day);
}

void alerts_rule_monthly_projection(const struct config *c, const struct alerts_day *d,
				    const struct alerts_subject *s, struct alerts_findings *out)
{
	(void)c;
	int64_t limit = s->lim.monthly_tokens;
	if (limit < 0 || s->month_tokens >= limit)
		return; /* no limit, or it is reached: monthly_limit says so */
	int64_t first = d->data_first > d->month_first ? d->data_first : d->month_first;
	int64_t elapsed = d->day - first + 1;
	int64_t left = d->month_first + d->month_days - 1 - d->day;
	if (elapsed < 1 || left < 1)
		return;
	/* In integers: projected > limit  <=>  mtd * (elapsed + left) > limit * elapsed */
	double projected = (double)s->month_tokens + (double)s->month_tokens / (double)elapsed * (double)left;
	if ((double)s->month_tokens * (double)(elapsed + left) <= (double)limit * (double)elapsed)
		return;
	struct alerts_finding *f = add(out, ALERTS_MONTHLY_PROJECTION, ALERTS_WARNING, s, ALERTS_TOKENS,
				       floor(projected), (double)limit);
	char a[32], b[32], end[16];
	period_month(f->period, d->day);
	timefmt_format_day(d->month_first + d->month_days - 1, end);
	set_detail(f, "%s so far, %s a day over %lld days: %s by %s", grouped(s->month_tokens, a),
		   grouped(s->month_tokens / elapsed, b), (long long)elapsed, grouped((int64_t)projected, a), end);
}

void alerts_rule_cost_threshold(const struct config *c, const struct alerts_day *d, const struct alerts_subject *s,
				struct alerts_findings *out)
{
	enum alerts_severity sev = alerts_level(c, s->cost_usd[0], s->lim.daily_cost_usd);
	if (sev == ALERTS_OK)
		return;
	struct alerts_finding *f = add(out, ALERTS_COST_THRESHOLD, sev, s, ALERTS_USD, s->cost_usd[0],
				       s->lim.daily_cost_usd);
	period_day(f->period, d->day);
	set_detail(f, "%.0f%% of the daily cost threshold%s",
		   f->limit > 0 ? 100.0 * f->value / f->limit : 100.0,
		   (s->cost_incomplete & 1) ? ", not counting tokens without a price" : "");
}

void alerts_rule_burst_limit(const struct config *c, const struct alerts_day *d, const struct alerts_subject *s,
			     struct alerts_findings *out)
{
	(void)d;
	if (!s->has_peak)
		return;
	enum alerts_severity sev = alerts_level(c, (double)s->peak_tokens, (double)s->lim.burst_tokens);
	if (sev == ALERTS_OK)
		return;
	struct alerts_finding *f = add(out, ALERTS_BURST_LIMIT, sev, s, ALERTS_TOKENS_PER_MINUTE,
				       (double)s->peak_tokens, (double)s->lim.burst_tokens);
	char iso[32], hm[8];
	timefmt_format_iso(s->peak_minute * 60, iso);
	snprintf(f->period, sizeof(f->period), "%.16sZ", iso);
	set_detail(f, "busiest minute %s UTC", clock_of(s->peak_minute * 60, hm));
}

void alerts_rule_error_rate(const struct config *c, const struct alerts_day *d, const struct alerts_subject *s,
			    struct alerts_findings *out)
{
	if (s->requests < c->error_rate_min_requests || s->requests <= 0)
		return;
	/* errors / requests > pct / 100, in integers where it matters */
	if ((double)s->errors * 100 <= c->error_rate_pct * (double)s->requests)
		return;
	struct alerts_finding *f = add(out, ALERTS_ERROR_RATE, ALERTS_WARNING, s, ALERTS_PERCENT,
				       100.0 * (double)s->errors / (double)s->requests, c->error_rate_pct);
	char a[32], b[32];
	period_day(f->period, d->day);
	set_detail(f, "%s of %s requests failed", grouped(s->errors, a), grouped(s->requests, b));
}

void alerts_rule_rate_limit_low(const struct config *c, const struct alerts_day *d, const struct alerts_subject *s,
				struct alerts_findings *out)
{
	if (!s->has_rl)
		return;
	struct alerts_finding *f;
	char a[8], b[8];
	if (s->rl_min <= c->rate_limit_critical) {
		f = add(out, ALERTS_RATE_LIMIT_LOW, ALERTS_CRITICAL, s, ALERTS_REMAINING, (double)s->rl_min,
			(double)c->rate_limit_critical);
		if (s->zero_times == 1 && s->zero_open)
			set_detail(f, "at %lld remaining from %s UTC, still at the day's last reading (%s)",
				   (long long)s->rl_min, clock_of(s->zero_at, a), clock_of(s->zero_until, b));
		else
			set_detail(f, "at %lld remaining from %s to %s UTC (%lld min); %d time%s, %lld min in all%s",
				   (long long)s->rl_min, clock_of(s->zero_at, a), clock_of(s->zero_until, b),
				   (long long)((s->zero_until - s->zero_at) / 60), s->zero_times,
				   s->zero_times == 1 ? "" : "s", (long long)(s->zero_seconds / 60),
				   s->zero_open ? ", still there at the day's last reading" : "");
	} else if (s->rl_min < s->lim.rate_limit_warning) {
		f = add(out, ALERTS_RATE_LIMIT_LOW, ALERTS_WARNING, s, ALERTS_REMAINING, (double)s->rl_min,
			(double)s->lim.rate_limit_warning);
		set_detail(f, "lowest %lld remaining at %s UTC", (long long)s->rl_min, clock_of(s->rl_min_at, a));
	} else {
		return;
	}
	f->lower_is_worse = true;
	period_day(f->period, d->day);
}

void alerts_rule_credential_invalid(const struct config *c, const struct alerts_day *d,
				    const struct alerts_subject *s, struct alerts_findings *out)
{
	if (s->trailing_401 < c->invalid_after)
		return;
	struct alerts_finding *f = add(out, ALERTS_CREDENTIAL_INVALID, ALERTS_CRITICAL, s, ALERTS_RESPONSES,
				       (double)s->trailing_401, (double)c->invalid_after);
	char a[8], n[32];
	period_day(f->period, d->day);
	set_detail(f, "every response since %s UTC was a 401 (%s)", clock_of(s->since_401, a), grouped(s->trailing_401, n));
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The median of V[0..N) (N > 0; V is reordered). */
static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void alerts_rule_anomaly(const struct config *c, const struct alerts_day *d, const struct alerts_subject *s,
			 struct alerts_findings *out)
{
	int64_t days = c->anomaly_days < ALERTS_HISTORY ? c->anomaly_days : ALERTS_HISTORY;
	double hist[ALERTS_HISTORY];
	if (days < 1 || d->data_first < 0 || d->data_first > d->day - days)
		return; /* the database does not cover the days before: no baseline */
	for (int metric = 0; metric < 2; metric++) {
		bool is_cost = metric == 1;
		double today = is_cost ? s->cost_usd[0] : (double)s->tokens[0];
		double minimum = is_cost ? c->anomaly_min_cost_usd : (double)c->anomaly_min_tokens;
		bool any = false;
		if (today < minimum || today <= 0)
			continue;
		if (is_cost && (s->cost_incomplete & ((2u << days) - 1)))
			continue; /* a cost with unpriced tokens in it is no baseline, nor a spike */
		for (int64_t i = 0; i < days; i++) {
			hist[i] = is_cost ? s->cost_usd[i + 1] : (double)s->tokens[i + 1];
			any |= hist[i] > 0;
		}
		if (!any)
			continue;
		double m = median(hist, (size_t)days);
		double bar = c->anomaly_factor * m;
		if (today <= bar)
			continue;
		struct alerts_finding *f = add(out, ALERTS_ANOMALY, ALERTS_WARNING, s, is_cost ? ALERTS_USD : ALERTS_TOKENS,
					       today, bar);
		period_day(f->period, d->day);
		if (is_cost)
			set_detail(f, "%.1fx the median of the %lld days before ($%.2f)", m > 0 ? today / m : INFINITY,
				   (long long)days, m);
		else
			set_detail(f, "%.1fx the median of the %lld days before (%.0f tokens)", m > 0 ? today / m : INFINITY,
				   (long long)days, m);
	}
}

static int cmp_finding(const void *a, const void *b)
{
	const struct alerts_finding *x = a, *y = b;
	if (x->severity != y->severity)
		return x->severity > y->severity ? -1 : 1;
	if (x->rule != y->rule)
		return x->rule < y->rule ? -1 : 1;
	int c = strcmp(x->subject, y->subject);
	if (c)
		return c;
	c = strcmp(x->fp, y->fp);
	return c ? c : (int)x->unit - (int)y->unit;
}

void alerts_evaluate(const struct config *c, const struct alerts_input *in, struct alerts_findings *out)
{
	for (size_t i = 0; i < in->n_users; i++) {
		const struct alerts_subject *s = &in->users[i];
		alerts_rule_daily_limit(c, &in->day, s, out);
		alerts_rule_monthly_limit(c, &in->day, s, out);
		alerts_rule_monthly_projection(c, &in->day, s, out);
		alerts_rule_cost_threshold(c, &in->day, s, out);
		alerts_rule_burst_limit(c, &in->day, s, out);
		alerts_rule_anomaly(c, &in->day, s, out);
	}
	for (size_t i = 0; i < in->n_creds; i++) {
		const struct alerts_subject *s = &in->creds[i];
		/* token and cost limits only where a [credential:...] section sets them (their
		 * limits are CONFIG_NO_LIMIT otherwise) */
		alerts_rule_daily_limit(c, &in->day, s, out);
		alerts_rule_monthly_limit(c, &in->day, s, out);
		alerts_rule_monthly_projection(c, &in->day, s, out);
		alerts_rule_cost_threshold(c, &in->day, s, out);
		alerts_rule_burst_limit(c, &in->day, s, out);
		alerts_rule_error_rate(c, &in->day, s, out);
		alerts_rule_rate_limit_low(c, &in->day, s, out);
		alerts_rule_credential_invalid(c, &in->day, s, out);
	}
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), cmp_finding);
}

/* ---- reading ---- */

void alerts_input_free(struct alerts_input *in)
{
	for (size_t i = 0; i < in->n_users; i++)
		free(in->users[i].name);
	for (size_t i = 0; i < in->n_creds; i++)
		free(in->creds[i].name);
	free(in->users);
	free(in->creds);
	memset(in, 0, sizeof(*in));
}

/* Subjects by name (users) or fingerprint prefix (credentials), while reading. */
struct subjects {
	struct alerts_subject **v;
	size_t *n, cap;
	struct hashmap index;
	enum alerts_subject_kind kind;
};

static struct alerts_subject *subject_get(struct subjects *s, const char *key, size_t key_n, const char *name)
{
	bool is_new;
	uint64_t *slot = hashmap_put(&s->index, key, key_n, &is_new);
	if (!is_new)
		return &(*s->v)[*slot];
	if (*s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 256;
		*s->v = xrealloc(*s->v, s->cap * sizeof(**s->v));
	}
	*slot = *s->n;
	struct alerts_subject *x = &(*s->v)[(*s->n)++];
	memset(x, 0, sizeof(*x));
	x->kind = s->kind;
	x->name = xstrdup(name);
	if (s->kind == ALERTS_CREDENTIAL)
		snprintf(x->fp, sizeof(x->fp), "%.*s", (int)key_n, key);
	x->peak_minute = -1;
	return x;
}

static void sql_fail(sqlite3 *db, const char *what, struct buf *err)
{
	buf_printf(err, "%s: %s", what, sqlite3_errmsg(db));
}

/* The first day with usage (usage_span view), or -1. */
static int read_first_day(sqlite3 *db, int64_t *first, struct buf *err)
{
	sqlite3_stmt *q;
	*first = -1;
	/* alerts.c: is the anomaly rule's history inside what the database holds? */
	if (sqlite3_prepare_v2(db, "SELECT first_day FROM usage_span", -1, &q, NULL) != SQLITE_OK) {
		sql_fail(db, "cannot read usage_span", err);
		return -1;
	}
	if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL)
		*first = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return 0;
}

/*
 * Every user's and credential's tokens, cost, requests and errors per day, from FROM through
 * DAY (daily_usage view), summed per subject in memory: one pass, no GROUP BY sort.
 */
static int read_days(sqlite3 *db, int64_t from, struct alerts_input *in, struct subjects *users,
		     struct subjects *creds, struct buf *err)
{
	/* alerts.c (alerts_read): the usage the limit, projection and anomaly rules look at */
	static const char sql[] =
		"SELECT day_number, user, token, token_fp, total_tokens, cost_usd, requests, errors, "
		"cost_usd IS NULL AND total_tokens > 0 "
		"FROM daily_usage WHERE day_number BETWEEN ?1 AND ?2";
	struct alerts_day *d = &in->day;
	sqlite3_stmt *q;
	int rc;
	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) {
		sql_fail(db, "cannot read daily_usage", err);
		return -1;
	}
	sqlite3_bind_int64(q, 1, from);
	sqlite3_bind_int64(q, 2, d->day);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		int64_t i = d->day - sqlite3_column_int64(q, 0);
		int64_t tokens = sqlite3_column_int64(q, 4); /* NULL: no count logged, adds 0 */
		double cost = sqlite3_column_double(q, 5);
		int64_t requests = sqlite3_column_int64(q, 6), errors = sqlite3_column_int64(q, 7);
		bool unpriced = sqlite3_column_int(q, 8);
		bool in_month = sqlite3_column_int64(q, 0) >= d->month_first;
		struct alerts_subject *s[2] = { NULL, NULL };
		if (sqlite3_column_type(q, 1) != SQLITE_NULL) {
			const char *name = (const char *)sqlite3_column_text(q, 1);
			s[0] = subject_get(users, name, (size_t)sqlite3_column_bytes(q, 1), name);
		}
		if (sqlite3_column_type(q, 3) != SQLITE_NULL) {
			const char *fp = (const char *)sqlite3_column_text(q, 3);
			const char *display = (const char *)sqlite3_column_text(q, 2);
			s[1] = subject_get(creds, fp, (size_t)sqlite3_column_bytes(q, 3), display ? display : "****");
		}
		for (int k = 0; k < 2; k++) {
			if (!s[k])
				continue;
			if (in_month)
				s[k]->month_tokens += tokens;
			if (i <= ALERTS_HISTORY) {
				s[k]->tokens[i] += tokens;
				s[k]->cost_usd[i] += cost;
				if (unpriced)
					s[k]->cost_incomplete |= 1u << i;
			}
			if (i == 0) {
				s[k]->requests += requests;
				s[k]->errors += errors;
			}
		}
		if (i == 0) {
			d->requests += requests;
			d->errors += errors;
			d->tokens += tokens;
			d->cost_usd += cost;
			if (unpriced)
				d->unpriced_tokens += tokens;
		}
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		sql_fail(db, "cannot read daily_usage", err);
		return -1;
	}
	return 0;
}

/* ---- raw events: what the aggregates do not hold yet ---- */

/* What the raw reads learn per credential id before they know its subject. */
struct cred_raw {
	int64_t id;
	bool has_rl, needs_detail;
	int64_t rl_min, rl_min_at;
	struct alerts_subject *s;
};

/* The subject of credential ID (credential table: display and fingerprint prefix). */
static struct alerts_subject *cred_subject(sqlite3 *db, struct subjects *creds, int64_t id, struct buf *err)
{
	sqlite3_stmt *q;
	struct alerts_subject *s = NULL;
	/* alerts.c: the display and fingerprint prefix of a credential id found in raw events */
	if (sqlite3_prepare_v2(db, "SELECT display, substr(fingerprint, 1, 12) FROM credential WHERE id = ?1", -1, &q,
			       NULL) != SQLITE_OK) {
		sql_fail(db, "cannot read credentials", err);
		return NULL;
	}
	sqlite3_bind_int64(q, 1, id);
	if (sqlite3_step(q) == SQLITE_ROW) {
		const char *fp = (const char *)sqlite3_column_text(q, 1);
		s = subject_get(creds, fp, (size_t)sqlite3_column_bytes(q, 1), (const char *)sqlite3_column_text(q, 0));
	} else {
		buf_printf(err, "credential %lld of an event is missing", (long long)id);
	}
	sqlite3_finalize(q);
	return s;
}

/* The json array "[a,b,...]" of IDS, for `IN (SELECT value FROM json_each(?))`. */
static void json_ids(struct buf *b, const int64_t *ids, size_t n)
{
	buf_addc(b, '[');
	for (size_t i = 0; i < n; i++)
		buf_printf(b, "%s%lld", i ? "," : "", (long long)ids[i]);
	buf_addc(b, ']');
}

/*
 * Rate-limit readings and 401 responses of the day, from raw events (event table by epoch
 * range). A first pass keeps only the rows that matter (a reading under some warning level,
 * a 401); a second pass, in time order, reads the credentials that reached the critical level
 * or got a 401, to tell when and for how long, and whether 401s end their day.
 */
static int read_credential_events(sqlite3 *db, const struct config *c, struct alerts_input *in,
				  struct subjects *creds, struct buf *err)
{
	/* alerts.c: credentials with a low rate-limit reading or a 401 on the day */
	static const char pass1[] =
		"SELECT token, epoch, status, rl_remaining FROM event "
		"WHERE epoch >= ?1 AND epoch < ?2 AND token IS NOT NULL "
		"AND (status = 401 OR rl_remaining < ?3)";
	/* alerts.c: every response of those credentials on the day, in time order */
	static const char pass2[] =
		"SELECT token, epoch, status, rl_remaining FROM event "
		"WHERE epoch >= ?1 AND epoch < ?2 AND token IN (SELECT value FROM json_each(?3)) "
		"ORDER BY token, epoch, id";
	int64_t start = in->day.day * 86400, end = start + 86400;
	int64_t warn = c->limits.rate_limit_warning;
	struct hashmap by_id;
	struct cred_raw *raw = NULL;
	size_t n_raw = 0, cap_raw = 0;
	int64_t *detail_ids = NULL;
	size_t n_detail = 0;
	struct buf ids = BUF_INIT;
	sqlite3_stmt *q = NULL;
	int rc = -1, step;

	for (size_t i = 0; i < c->n_credentials; i++)
		if ((c->credentials[i].set & CONFIG_SET_RATE_LIMIT) && c->credentials[i].lim.rate_limit_warning > warn)
			warn = c->credentials[i].lim.rate_limit_warning;
	hashmap_init(&by_id);
	if (sqlite3_prepare_v2(db, pass1, -1, &q, NULL) != SQLITE_OK)
		goto sql_error;
	sqlite3_bind_int64(q, 1, start);
	sqlite3_bind_int64(q, 2, end);
	sqlite3_bind_int64(q, 3, warn);
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(q, 0), epoch = sqlite3_column_int64(q, 1);
		bool is_new;
		uint64_t *slot = hashmap_put(&by_id, &id, sizeof(id), &is_new);
		if (is_new) {
			if (n_raw == cap_raw) {
				cap_raw = cap_raw ? 2 * cap_raw : 64;
				raw = xrealloc(raw, cap_raw * sizeof(*raw));
			}
			*slot = n_raw;
			raw[n_raw++] = (struct cred_raw){ .id = id };
		}
		struct cred_raw *r = &raw[*slot];
		if (sqlite3_column_type(q, 2) != SQLITE_NULL && sqlite3_column_int64(q, 2) == 401)
			r->needs_detail = true;
		if (sqlite3_column_type(q, 3) != SQLITE_NULL) {
			int64_t rem = sqlite3_column_int64(q, 3);
			if (!r->has_rl || rem < r->rl_min || (rem == r->rl_min && epoch < r->rl_min_at)) {
				r->rl_min = rem;
				r->rl_min_at = epoch;
			}
			r->has_rl = true;
			if (rem <= c->rate_limit_critical)
				r->needs_detail = true;
		}
	}
	if (step != SQLITE_DONE)
		goto sql_error;
	sqlite3_finalize(q);
	q = NULL;

	detail_ids = xcalloc(n_raw ? n_raw : 1, sizeof(*detail_ids));
	for (size_t i = 0; i < n_raw; i++) {
		struct cred_raw *r = &raw[i];
		if (!(r->s = cred_subject(db, creds, r->id, err)))
			goto out;
		if (r->has_rl) {
			r->s->has_rl = true;
			r->s->rl_min = r->rl_min;
			r->s->rl_min_at = r->rl_min_at;
		}
		if (r->needs_detail)
			detail_ids[n_detail++] = r->id;
	}
	if (!n_detail) {
		rc = 0;
		goto out;
	}

	json_ids(&ids, detail_ids, n_detail);
	if (sqlite3_prepare_v2(db, pass2, -1, &q, NULL) != SQLITE_OK)
		goto sql_error;
	sqlite3_bind_int64(q, 1, start);
	sqlite3_bind_int64(q, 2, end);
	sqlite3_bind_text(q, 3, ids.data, (int)ids.len, SQLITE_STATIC);
	int64_t cur = -1, run = 0, run_since = 0, at_level_since = 0, last_reading = 0;
	bool at_level = false;
	struct alerts_subject *s = NULL;
	for (;;) {
		step = sqlite3_step(q);
		if (step != SQLITE_ROW && step != SQLITE_DONE)
			goto sql_error;
		int64_t id = step == SQLITE_ROW ? sqlite3_column_int64(q, 0) : -1;
		if (id != cur && s) { /* the previous credential is complete */
			s->trailing_401 = run;
			s->since_401 = run_since;
			if (at_level) {
				s->zero_open = true;
				s->zero_seconds += last_reading - at_level_since;
				if (s->zero_times == 1)
					s->zero_until = last_reading;
			}
		}
		if (step == SQLITE_DONE)
			break;
		if (id != cur) {
			cur = id;
			s = raw[*hashmap_get(&by_id, &id, sizeof(id))].s;
			run = 0;
			at_level = false;
		}
		int64_t epoch = sqlite3_column_int64(q, 1);
		if (sqlite3_column_type(q, 2) != SQLITE_NULL) {
			if (sqlite3_column_int64(q, 2) == 401) {
				if (!run++)
					run_since = epoch;
			} else {
				run = 0;
			}
		}
		if (sqlite3_column_type(q, 3) != SQLITE_NULL) {
			int64_t rem = sqlite3_column_int64(q, 3);
			last_reading = epoch;
			if (rem <= c->rate_limit_critical && !at_level) {
				at_level = true;
				at_level_since = epoch;
				if (!s->zero_times++)
					s->zero_at = epoch;
			} else if (rem > c->rate_limit_critical && at_level) {
				at_level = false;
				s->zero_seconds += epoch - at_level_since;
				if (s->zero_times == 1)
					s->zero_until = epoch;
			}
		}
	}
	rc = 0;
	goto out;
sql_error:
	sql_fail(db, "cannot read events", err);
out:
	sqlite3_finalize(q);
	hashmap_free(&by_id);
	free(raw);
	free(detail_ids);
	buf_free(&ids);
	return rc;
}

/* One (id, hour) whose tokens could hold a minute over a burst level. */
struct peak_candidate {
	int64_t id, hour;
};

/*
 * The per-minute peaks of one kind of subject (users, or credentials). Step 1: the hourly
 * aggregates bound every minute's sum by its hour's, so only (id, hour) pairs whose hour holds
 * at least LEVEL tokens can have a minute at LEVEL. Step 2 sums those pairs' raw events per
 * minute. Exact: every event of the minute is summed, whatever file or run stored it.
 */
static int minute_peaks(sqlite3 *db, bool by_credential, int64_t level, struct alerts_input *in,
			struct subjects *subjects, struct buf *err)
{
	/* alerts_read_minute_peaks, step 1: tokens per (user or credential, hour) on the day */
	static const char hours_user[] =
		"SELECT user, hour, sum(total_tokens) FROM hourly WHERE hour >= ?1 AND hour < ?2 AND user <> 0 "
		"GROUP BY hour, user HAVING sum(total_tokens) >= ?3";
	static const char hours_token[] =
		"SELECT token, hour, sum(total_tokens) FROM hourly WHERE hour >= ?1 AND hour < ?2 AND token <> 0 "
		"GROUP BY hour, token HAVING sum(total_tokens) >= ?3";
	/* step 2: the busiest minute of each candidate, from the raw events */
	static const char minutes_user[] =
		"SELECT user, minute, max(tokens) FROM (SELECT user, epoch / 60 AS minute, sum(total_tokens) AS tokens "
		"FROM event WHERE epoch >= ?1 AND epoch < ?2 AND total_tokens IS NOT NULL "
		"AND user * 24 + (epoch - ?1) / 3600 IN (SELECT value FROM json_each(?3)) "
		"GROUP BY user, minute) GROUP BY user";
	static const char minutes_token[] =
		"SELECT token, minute, max(tokens) FROM (SELECT token, epoch / 60 AS minute, sum(total_tokens) AS tokens "
		"FROM event WHERE epoch >= ?1 AND epoch < ?2 AND total_tokens IS NOT NULL "
		"AND token * 24 + (epoch - ?1) / 3600 IN (SELECT value FROM json_each(?3)) "
		"GROUP BY token, minute) GROUP BY token";
	/* alerts.c: the user name of a dictionary id found in raw events */
	static const char user_name[] = "SELECT value FROM dict WHERE id = ?1";
	int64_t start = in->day.day * 86400;
	sqlite3_stmt *q = NULL, *name_q = NULL;
	struct buf keys = BUF_INIT;
	size_t n = 0;
	int rc = -1, step;

	if (sqlite3_prepare_v2(db, by_credential ? hours_token : hours_user, -1, &q, NULL) != SQLITE_OK)
		goto sql_error;
	sqlite3_bind_int64(q, 1, in->day.day * 24);
	sqlite3_bind_int64(q, 2, in->day.day * 24 + 24);
	sqlite3_bind_int64(q, 3, level);
	buf_addc(&keys, '[');
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(q, 0), hour = sqlite3_column_int64(q, 1) - in->day.day * 24;
		buf_printf(&keys, "%s%lld", n++ ? "," : "", (long long)(id * 24 + hour));
	}
	buf_addc(&keys, ']');
	if (step != SQLITE_DONE)
		goto sql_error;
	sqlite3_finalize(q);
	q = NULL;
	if (!n) {
		rc = 0;
		goto out;
	}

	if (sqlite3_prepare_v2(db, by_credential ? minutes_token : minutes_user, -1, &q, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, user_name, -1, &name_q, NULL) != SQLITE_OK)
		goto sql_error;
	sqlite3_bind_int64(q, 1, start);
	sqlite3_bind_int64(q, 2, start + 86400);
	sqlite3_bind_text(q, 3, keys.data, (int)keys.len, SQLITE_STATIC);
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(q, 0);
		struct alerts_subject *s;
		if (by_credential) {
			if (!(s = cred_subject(db, subjects, id, err)))
				goto out;
		} else {
			sqlite3_reset(name_q);
			sqlite3_bind_int64(name_q, 1, id);
			if (sqlite3_step(name_q) != SQLITE_ROW) {
				buf_printf(err, "user %lld of an event is missing", (long long)id);
				goto out;
			}
			const char *name = (const char *)sqlite3_column_text(name_q, 0);
			s = subject_get(subjects, name, (size_t)sqlite3_column_bytes(name_q, 0), name);
		}
		s->has_peak = true;
		s->peak_minute = sqlite3_column_int64(q, 1);
		s->peak_tokens = sqlite3_column_int64(q, 2);
	}
	if (step != SQLITE_DONE)
		goto sql_error;
	rc = 0;
	goto out;
sql_error:
	sql_fail(db, "cannot read events", err);
out:
	sqlite3_finalize(q);
	sqlite3_finalize(name_q);
	buf_free(&keys);
	return rc;
}

/* The lowest burst level (warning_pct of a burst limit) any subject of that kind has. */
static int64_t lowest_burst_level(const struct config *c, bool by_credential)
{
	double lowest = -1;
	if (!by_credential && c->limits.burst_tokens >= 0)
		lowest = (double)c->limits.burst_tokens;
	const struct config_override *v = by_credential ? c->credentials : c->users;
	size_t n = by_credential ? c->n_credentials : c->n_users;
	for (size_t i = 0; i < n; i++)
		if ((v[i].set & CONFIG_SET_BURST) && v[i].lim.burst_tokens >= 0 &&
		    (lowest < 0 || v[i].lim.burst_tokens < lowest))
			lowest = (double)v[i].lim.burst_tokens;
	if (lowest < 0)
		return -1;
	return (int64_t)floor(lowest * c->warning_pct / 100);
}

/* The state of reading: both kinds of subjects while they are being collected. */
struct reader {
	struct subjects users, creds;
};

static void reader_init(struct reader *r, struct alerts_input *in)
{
	memset(r, 0, sizeof(*r));
	r->users.v = &in->users;
	r->users.n = &in->n_users;
	r->users.kind = ALERTS_USER;
	r->creds.v = &in->creds;
	r->creds.n = &in->n_creds;
	r->creds.kind = ALERTS_CREDENTIAL;
	hashmap_init(&r->users.index);
	hashmap_init(&r->creds.index);
}

static void reader_free(struct reader *r)
{
	hashmap_free(&r->users.index);
	hashmap_free(&r->creds.index);
}

/*
 * The busiest minute of the day of each user (and of each credential when some
 * [credential:...] section sets a burst limit), summed exactly from the raw events, into
 * has_peak/peak_tokens/peak_minute. The one place that reads per-minute sums: when the store
 * keeps a per-minute aggregate, only this changes.
 */
static int alerts_read_minute_peaks(sqlite3 *db, const struct config *c, struct alerts_input *in, struct reader *r,
				    struct buf *err)
{
	int64_t level = lowest_burst_level(c, false);
	if (level >= 0 && minute_peaks(db, false, level, in, &r->users, err) < 0)
		return -1;
	level = lowest_burst_level(c, true);
	if (level >= 0 && minute_peaks(db, true, level, in, &r->creds, err) < 0)
		return -1;
	return 0;
}

int alerts_read(sqlite3 *db, const struct config *c, int64_t day, struct alerts_input *in, struct buf *err)
{
	struct reader r;
	int64_t y;
	unsigned m, dd;
	int rc = -1;

	memset(in, 0, sizeof(*in));
	in->day.day = day;
	timefmt_civil_from_days(day, &y, &m, &dd);
	in->day.month_first = timefmt_days_from_civil(y, m, 1);
	in->day.month_days = (int)(timefmt_days_from_civil(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) -
				   in->day.month_first);
	reader_init(&r, in);
	if (read_first_day(db, &in->day.data_first, err) < 0)
		goto out;
	int64_t days = c->anomaly_days < ALERTS_HISTORY ? c->anomaly_days : ALERTS_HISTORY;
	int64_t from = in->day.month_first < day - days ? in->day.month_first : day - days;
	/* One read transaction, so every part sees the same data even while an ingest commits. */
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		sql_fail(db, "cannot read", err);
		goto out;
	}
	if (read_days(db, from, in, &r.users, &r.creds, err) < 0 || alerts_read_minute_peaks(db, c, in, &r, err) < 0 ||
	    read_credential_events(db, c, in, &r.creds, err) < 0) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		goto out;
	}
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	for (size_t i = 0; i < in->n_users; i++)
		config_user_limits(c, in->users[i].name, &in->users[i].lim);
	for (size_t i = 0; i < in->n_creds; i++)
		config_credential_limits(c, in->creds[i].name, in->creds[i].fp, &in->creds[i].lim);
	rc = 0;
out:
	reader_free(&r);
	if (rc < 0)
		alerts_input_free(in);
	return rc;
}

/* ---- files ---- */

int alerts_write_file(const char *path, const char *content, size_t n, struct buf *err)
{
	struct buf tmp = BUF_INIT;
	int fd = -1, rc = -1;
	buf_printf(&tmp, "%s.tmp.XXXXXX", path);
	fd = mkstemp(tmp.data);
	if (fd < 0) {
		buf_printf(err, "%s: cannot create a temporary file beside it: %s", path, strerror(errno));
		goto out;
	}
	/* readable by the collector or nginx's workers, like a file they would read from /etc */
	if (fchmod(fd, 0644) < 0)
		goto io_error;
	for (size_t off = 0; off < n;) {
		ssize_t w = write(fd, content + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			goto io_error;
		off += (size_t)w;
	}
	if (fsync(fd) < 0)
		goto io_error;
	if (close(fd) < 0) {
		fd = -1;
		goto io_error;
	}
	fd = -1;
	if (rename(tmp.data, path) < 0)
		goto io_error;
	rc = 0;
	goto out;
io_error:
	buf_printf(err, "%s: cannot write: %s", path, strerror(errno));
	unlink(tmp.data);
out:
	if (fd >= 0) {
		close(fd);
		unlink(tmp.data);
	}
	buf_free(&tmp);
	return rc;
}
