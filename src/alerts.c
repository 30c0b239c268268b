/*
 * Alerts: the rules (pure functions over struct alerts_subject) and the reads that fill those
 * structs from the database (see alerts.h). Every SQL statement here says what it reads.
 */
#include "alerts.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "credential.h"
#include "hashmap.h"
#include "out_nginx.h"
#include "out_prom.h"
#include "store_alerts.h"
#include "timefmt.h"
#include "webhook.h"

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
	f->worse_by_value = true;
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
	char a[32], b[32], c2[32], end[16];
	period_month(f->period, d->day);
	timefmt_format_day(d->month_first + d->month_days - 1, end);
	set_detail(f, "%s so far, %s a day over %lld day%s: %s by %s", grouped(s->month_tokens, a),
		   grouped(s->month_tokens / elapsed, b), (long long)elapsed, elapsed == 1 ? "" : "s",
		   grouped((int64_t)projected, c2), end);
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
	f->worse_by_value = false;
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

/* Ids below this are indexed by a plain array (4 bytes an id: at most 4 MiB), the rest hashed:
 * credential ids are dense from 1, dictionary ids nearly so, and a lookup per aggregate row
 * and event is the hot path. */
#define ID_DIRECT (1 << 20)

/* Store ids (user dict ids, credential ids) to dense slots 0, 1, 2, ... in order of arrival. */
struct id_index {
	uint32_t *direct; /* id -> slot + 1 (0: none), for ids < ID_DIRECT */
	size_t direct_n;
	struct hashmap big; /* larger id -> slot */
	size_t n;         /* slots given */
};

static void id_index_init(struct id_index *x)
{
	memset(x, 0, sizeof(*x));
	hashmap_init(&x->big);
}

static void id_index_free(struct id_index *x)
{
	free(x->direct);
	hashmap_free(&x->big);
}

/* The slot of ID; a new one (the next number) when it had none, and *IS_NEW says so. */
static size_t id_index_get(struct id_index *x, int64_t id, bool *is_new)
{
	if (id >= 0 && id < ID_DIRECT) {
		if ((size_t)id >= x->direct_n) {
			size_t n = x->direct_n ? x->direct_n : 1024;
			while (n <= (size_t)id)
				n *= 2;
			x->direct = xrealloc(x->direct, n * sizeof(*x->direct));
			memset(x->direct + x->direct_n, 0, (n - x->direct_n) * sizeof(*x->direct));
			x->direct_n = n;
		}
		*is_new = !x->direct[id];
		if (*is_new)
			x->direct[id] = (uint32_t)++x->n;
		return x->direct[id] - 1;
	}
	uint64_t *slot = hashmap_put(&x->big, &id, sizeof(id), is_new);
	if (*is_new)
		*slot = x->n++;
	return (size_t)*slot;
}

/* Subjects of one kind while reading, by the store's id (user dict id, credential id). */
struct subjects {
	struct alerts_subject **v;
	size_t *n, cap;
	struct id_index index; /* id -> index into *v */
	int64_t *ids;          /* parallel to *v */
	enum alerts_subject_kind kind;
};

static void subjects_init(struct subjects *s, struct alerts_subject **v, size_t *n, enum alerts_subject_kind kind)
{
	memset(s, 0, sizeof(*s));
	s->v = v;
	s->n = n;
	s->kind = kind;
	id_index_init(&s->index);
}

static void subjects_free(struct subjects *s)
{
	id_index_free(&s->index);
	free(s->ids);
}

/* The subject with store id ID, added (nameless until named) when new. */
static struct alerts_subject *subject_get(struct subjects *s, int64_t id)
{
	bool is_new;
	size_t slot = id_index_get(&s->index, id, &is_new);
	if (!is_new)
		return &(*s->v)[slot];
	if (*s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 256;
		*s->v = xrealloc(*s->v, s->cap * sizeof(**s->v));
		s->ids = xrealloc(s->ids, s->cap * sizeof(*s->ids));
	}
	s->ids[*s->n] = id;
	struct alerts_subject *x = &(*s->v)[(*s->n)++];
	memset(x, 0, sizeof(*x));
	x->kind = s->kind;
	x->peak_minute = -1;
	return x;
}

static void sql_fail(sqlite3 *db, const char *what, struct buf *err)
{
	buf_printf(err, "%s: %s", what, sqlite3_errmsg(db));
}

/* The first day with usage, or -1. */
static int read_first_day(sqlite3 *db, int64_t *first, struct buf *err)
{
	sqlite3_stmt *q;
	*first = -1;
	/* alerts.c: is the anomaly rule's history inside what the database holds? One step down
	 * the daily aggregates' primary key (see the usage_span view). */
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
 * DAY, summed per subject in memory: one pass in key order, no GROUP BY sort. It reads
 * daily_cost, the daily aggregates with their cost (views.sql), by dictionary and credential
 * id: daily_usage's seven dictionary joins per row cost more than everything else here
 * (1.2 s for a month of 10,000 users); names are looked up once per subject instead.
 */
static int read_days(sqlite3 *db, int64_t from, struct alerts_input *in, struct subjects *users,
		     struct subjects *creds, struct buf *err)
{
	/* alerts.c (alerts_read): the usage the limit, projection and anomaly rules look at */
	static const char sql[] =
		"SELECT day, user, token, total_tokens, cost_usd, requests, errors, "
		"cost_usd IS NULL AND total_tokens > 0 "
		"FROM daily_cost WHERE day BETWEEN ?1 AND ?2";
	struct alerts_day *d = &in->day;
	sqlite3_stmt *q;
	int rc;
	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) {
		sql_fail(db, "cannot read daily_cost", err);
		return -1;
	}
	sqlite3_bind_int64(q, 1, from);
	sqlite3_bind_int64(q, 2, d->day);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		int64_t i = d->day - sqlite3_column_int64(q, 0);
		int64_t user = sqlite3_column_int64(q, 1), token = sqlite3_column_int64(q, 2); /* 0: none */
		int64_t tokens = sqlite3_column_int64(q, 3); /* NULL: no count logged, adds 0 */
		double cost = sqlite3_column_double(q, 4);
		int64_t requests = sqlite3_column_int64(q, 5), errors = sqlite3_column_int64(q, 6);
		bool unpriced = sqlite3_column_int(q, 7);
		bool in_month = sqlite3_column_int64(q, 0) >= d->month_first;
		struct alerts_subject *s[2] = { user ? subject_get(users, user) : NULL,
						token ? subject_get(creds, token) : NULL };
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
		sql_fail(db, "cannot read daily_cost", err);
		return -1;
	}
	return 0;
}

/* Name every subject: user names from the dictionary, credentials' mask and fingerprint prefix. */
static int name_subjects(sqlite3 *db, struct subjects *users, struct subjects *creds, struct buf *err)
{
	/* alerts.c: the user of a dictionary id; the masked form and fingerprint of a credential id */
	static const char user_sql[] = "SELECT value FROM dict WHERE id = ?1";
	static const char cred_sql[] = "SELECT display, substr(fingerprint, 1, 12) FROM credential WHERE id = ?1";
	sqlite3_stmt *uq = NULL, *cq = NULL;
	int rc = -1;
	if (sqlite3_prepare_v2(db, user_sql, -1, &uq, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, cred_sql, -1, &cq, NULL) != SQLITE_OK) {
		sql_fail(db, "cannot read names", err);
		goto out;
	}
	for (size_t i = 0; i < *users->n; i++) {
		struct alerts_subject *s = &(*users->v)[i];
		sqlite3_reset(uq);
		sqlite3_bind_int64(uq, 1, users->ids[i]);
		if (sqlite3_step(uq) != SQLITE_ROW) {
			buf_printf(err, "user id %lld of the aggregates is not in the dictionary", (long long)users->ids[i]);
			goto out;
		}
		s->name = xstrdup((const char *)sqlite3_column_text(uq, 0));
	}
	for (size_t i = 0; i < *creds->n; i++) {
		struct alerts_subject *s = &(*creds->v)[i];
		sqlite3_reset(cq);
		sqlite3_bind_int64(cq, 1, creds->ids[i]);
		if (sqlite3_step(cq) != SQLITE_ROW) {
			buf_printf(err, "credential id %lld of the aggregates is missing", (long long)creds->ids[i]);
			goto out;
		}
		s->name = xstrdup((const char *)sqlite3_column_text(cq, 0));
		snprintf(s->fp, sizeof(s->fp), "%s", (const char *)sqlite3_column_text(cq, 1));
	}
	rc = 0;
out:
	sqlite3_finalize(uq);
	sqlite3_finalize(cq);
	return rc;
}

/* ---- the day's minutes, from raw events ---- */

#define DAY_MINUTES 1440

/* A credential's minutes on the day, while the events are read (in no particular order). */
struct cred_minutes {
	bool has_rl, has_ok, has_401, has_low;
	int64_t rl_min, rl_min_at;        /* lowest remaining, and its first time */
	int64_t low_at, last_reading;     /* first reading at the critical level; latest reading */
	int64_t *low_reset;               /* per minute with a low bit: the reset of its latest low
					   * reading (epoch; -1: not known): the level holds until then */
	int64_t *low_reset_at;            /* and that reading's time */
	int64_t ok_at, ok_id;             /* latest response other than 401 (time, then event id) */
	int64_t last_401_at, last_401_id; /* latest 401 */
	uint8_t *low, *high;              /* bit per minute: a reading at/under critical; above it */
	int64_t high_minute;              /* the minute whose high bit was set last (-1: none) */
	uint32_t *n401;                   /* 401s per minute */
};

/* One subject's tokens per minute, for the (subject, hour) pairs whose hour could hold a burst. */
#define BURST_FILTER_BITS 65536

struct burst {
	bool active;
	struct hashmap hours;   /* subject id -> bit mask of candidate hours */
	uint32_t any_hours;     /* every hour some subject is a candidate in */
	uint8_t filter[BURST_FILTER_BITS / 8]; /* bit (id % BURST_FILTER_BITS): maybe a candidate */
	struct hashmap minutes; /* (subject id, minute) -> tokens */
};

static bool later(int64_t at, int64_t id, int64_t than_at, int64_t than_id)
{
	return at > than_at || (at == than_at && id > than_id);
}

/*
 * Step 1 of the burst rule: the hourly aggregates bound every minute's sum by its hour's, so
 * only (subject, hour) pairs whose hour holds at least LEVEL tokens (the lowest burst
 * warning level) can hold such a minute: those are summed per minute from the raw events.
 */
static int burst_candidates(sqlite3 *db, bool by_credential, int64_t level, int64_t day, struct burst *b,
			    struct buf *err)
{
	/* alerts.c (alerts_read_minutes): tokens per (user or credential, hour) on the day, summed
	 * here (no GROUP BY sort): one subject's hour can span several rows (models, credentials) */
	static const char user_sql[] =
		"SELECT user, hour, total_tokens FROM hourly WHERE hour >= ?1 AND hour < ?2 AND user <> 0 "
		"AND total_tokens > 0";
	static const char token_sql[] =
		"SELECT token, hour, total_tokens FROM hourly WHERE hour >= ?1 AND hour < ?2 AND token <> 0 "
		"AND total_tokens > 0";
	struct id_index ids;   /* subject id -> slot */
	int64_t *sums = NULL;  /* slot * 24 + hour -> tokens */
	int64_t *slot_id = NULL;
	size_t cap = 0;
	sqlite3_stmt *q;
	int step, rc = -1;
	id_index_init(&ids);
	hashmap_init(&b->hours);
	hashmap_init(&b->minutes);
	b->active = true;
	if (sqlite3_prepare_v2(db, by_credential ? token_sql : user_sql, -1, &q, NULL) != SQLITE_OK)
		goto sql_error;
	sqlite3_bind_int64(q, 1, day * 24);
	sqlite3_bind_int64(q, 2, day * 24 + 24);
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(q, 0), hour = sqlite3_column_int64(q, 1) - day * 24;
		bool is_new;
		size_t slot = id_index_get(&ids, id, &is_new);
		if (slot >= cap) {
			size_t n = cap ? 2 * cap : 1024;
			sums = xrealloc(sums, n * 24 * sizeof(*sums));
			memset(sums + cap * 24, 0, (n - cap) * 24 * sizeof(*sums));
			slot_id = xrealloc(slot_id, n * sizeof(*slot_id));
			cap = n;
		}
		slot_id[slot] = id;
		sums[slot * 24 + (size_t)hour] += sqlite3_column_int64(q, 2);
	}
	if (step != SQLITE_DONE)
		goto sql_error;
	for (size_t slot = 0; slot < ids.n; slot++)
		for (int hour = 0; hour < 24; hour++) {
			int64_t id = slot_id[slot];
			bool is_new;
			if (sums[slot * 24 + (size_t)hour] < level)
				continue;
			*hashmap_put(&b->hours, &id, sizeof(id), &is_new) |= 1u << hour;
			b->any_hours |= 1u << hour;
			b->filter[(uint64_t)id % BURST_FILTER_BITS / 8] |= (uint8_t)(1u << ((uint64_t)id % 8));
		}
	rc = 0;
	goto out;
sql_error:
	sql_fail(db, "cannot read hourly", err);
out:
	sqlite3_finalize(q);
	id_index_free(&ids);
	free(sums);
	free(slot_id);
	return rc;
}

static void burst_add(struct burst *b, int64_t id, int64_t minute_of_day, int64_t tokens)
{
	uint32_t hour_bit = 1u << (minute_of_day / 60);
	/* most events are no candidate's: tell them without hashing */
	if (!(b->any_hours & hour_bit) || !(b->filter[(uint64_t)id % BURST_FILTER_BITS / 8] >> ((uint64_t)id % 8) & 1))
		return;
	const uint64_t *mask = hashmap_get(&b->hours, &id, sizeof(id));
	if (!mask || !(*mask & hour_bit))
		return;
	int64_t key[2] = { id, minute_of_day };
	bool is_new;
	*hashmap_put(&b->minutes, key, sizeof(key), &is_new) += (uint64_t)tokens;
}

/* Each candidate's busiest minute onto its subject. */
static void burst_finish(struct burst *b, struct subjects *subjects, int64_t day)
{
	size_t pos = 0, n;
	const char *key;
	uint64_t tokens;
	while (hashmap_next(&b->minutes, &pos, &key, &n, &tokens)) {
		int64_t k[2];
		memcpy(k, key, sizeof(k));
		struct alerts_subject *s = subject_get(subjects, k[0]);
		int64_t minute = day * DAY_MINUTES + k[1];
		if (!s->has_peak || (int64_t)tokens > s->peak_tokens ||
		    ((int64_t)tokens == s->peak_tokens && minute < s->peak_minute)) {
			s->has_peak = true;
			s->peak_tokens = (int64_t)tokens;
			s->peak_minute = minute;
		}
	}
}

static void burst_free(struct burst *b)
{
	if (!b->active)
		return;
	hashmap_free(&b->hours);
	hashmap_free(&b->minutes);
}

/* The lowest burst level (warning_pct of a burst limit) any subject of that kind has; -1: none. */
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

static void set_bit(uint8_t **bits, int64_t minute)
{
	if (!*bits)
		*bits = xcalloc(DAY_MINUTES / 8, 1);
	(*bits)[minute / 8] |= (uint8_t)(1u << (minute % 8));
}

static bool has_bit(const uint8_t *bits, int64_t minute)
{
	return bits && (bits[minute / 8] >> (minute % 8)) & 1;
}

/* An episode at the critical level from SINCE ends at UNTIL. */
static void episode_end(struct alerts_subject *s, int64_t since, int64_t until)
{
	s->zero_seconds += until - since;
	if (s->zero_times == 1)
		s->zero_until = until;
}

/* A credential's rate-limit episodes and closing 401s from its minutes, onto its subject. */
static void cred_finish(const struct cred_minutes *m, struct alerts_subject *s, int64_t day)
{
	int64_t start = day * 86400;
	if (m->has_rl) {
		s->has_rl = true;
		s->rl_min = m->rl_min;
		s->rl_min_at = m->rl_min_at;
	}
	if (m->has_low) {
		/* Episodes by minute: one starts in a minute with a reading at the critical level and
		 * ends in the first later minute whose readings are all above it, or at the reset
		 * time of its latest low reading, when that comes first (credential_reading_holds:
		 * the limit's window begins again). */
		bool in = false;
		int64_t since = 0, reset = -1;
		for (int64_t i = 0; i < DAY_MINUTES; i++) {
			bool low = has_bit(m->low, i), high = has_bit(m->high, i);
			int64_t at = start + i * 60;
			if (in && !credential_reading_holds(reset, at)) {
				in = false;
				episode_end(s, since, reset > since ? reset : since);
			}
			if (low && !in) {
				in = true;
				since = s->zero_times ? at : m->low_at;
				if (!s->zero_times++)
					s->zero_at = m->low_at;
			} else if (high && !low && in) {
				in = false;
				episode_end(s, since, at);
			}
			if (low)
				reset = m->low_reset[i];
		}
		if (in && !credential_reading_holds(reset, start + 86400)) {
			episode_end(s, since, reset > since ? reset : since); /* reset later in the day */
		} else if (in) {
			s->zero_open = true;
			s->zero_seconds += m->last_reading - since;
			if (s->zero_times == 1)
				s->zero_until = m->last_reading;
		}
	}
	/* The latest response is a 401 (by time, then event id): count the 401s of the minutes
	 * after the last other response's minute (minute resolution, as an aggregate will give). */
	if (m->has_401 && (!m->has_ok || later(m->last_401_at, m->last_401_id, m->ok_at, m->ok_id))) {
		int64_t after = m->has_ok ? (m->ok_at - start) / 60 : -1;
		s->trailing_401 = 0;
		s->since_401 = m->last_401_at;
		for (int64_t i = DAY_MINUTES - 1; i > after; i--)
			if (m->n401 && m->n401[i]) {
				s->trailing_401 += m->n401[i];
				s->since_401 = start + i * 60;
			}
		if (!s->trailing_401)
			s->trailing_401 = 1; /* all in the minute of the last other response: the latest one */
	}
}

/*
 * The day's per-minute figures from its raw events, in one pass over a range of the
 * event_by_epoch index (sql/migrate/004-event-epoch.sql): the day's events only, never a
 * scan of every day the table holds. Tokens per minute of the burst candidates, and per
 * credential its rate-limit readings (lowest, minutes at the critical level) and its
 * responses (latest 401 and latest other, 401s per minute). Memory is bounded by subjects x minutes, not by events.
 * The one place that reads raw events: when the store keeps a per-minute aggregate (minute,
 * token, user: tokens, 401 and other responses, lowest and highest rate-limit reading), only
 * this function changes.
 */
static int alerts_read_minutes(sqlite3 *db, const struct config *c, int64_t day, struct subjects *users,
			       struct subjects *creds, struct buf *err)
{
	/* alerts.c (alerts_read_minutes): every event of the day, by the event_by_epoch index */
	/* Plain columns: coalesce() per column costs more here than type checks in C (a third of
	 * the pass). A NULL user, credential or token count reads as 0, which means "none" for
	 * all three; status and rate-limit reading are checked, as 0 is a value for them. */
	static const char sql[] =
		"SELECT id, epoch, user, token, total_tokens, status, rl_remaining, rl_reset FROM event "
		"WHERE epoch >= ?1 AND epoch < ?2";
	int64_t start = day * 86400;
	struct burst by_user = { 0 }, by_cred = { 0 };
	struct id_index cred_ids;          /* credential id -> slot in cred */
	struct cred_minutes *cred = NULL;
	int64_t *cred_id = NULL;
	size_t cred_cap = 0;
	sqlite3_stmt *q = NULL;
	int rc = -1, step;

	id_index_init(&cred_ids);
	int64_t level = lowest_burst_level(c, false);
	if (level >= 0 && burst_candidates(db, false, level, day, &by_user, err) < 0)
		goto out;
	level = lowest_burst_level(c, true);
	if (level >= 0 && burst_candidates(db, true, level, day, &by_cred, err) < 0)
		goto out;

	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
		goto sql_error;
	sqlite3_bind_int64(q, 1, start);
	sqlite3_bind_int64(q, 2, start + 86400);
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(q, 0), epoch = sqlite3_column_int64(q, 1);
		int64_t user = sqlite3_column_int64(q, 2), token = sqlite3_column_int64(q, 3);
		int64_t minute = (epoch - start) / 60;
		int64_t tokens = sqlite3_column_int64(q, 4);
		int64_t status = sqlite3_column_type(q, 5) == SQLITE_NULL ? -1 : sqlite3_column_int64(q, 5);
		int64_t rem = sqlite3_column_type(q, 6) == SQLITE_NULL ? -1 : sqlite3_column_int64(q, 6);
		if (tokens > 0) {
			if (by_user.active && user)
				burst_add(&by_user, user, minute, tokens);
			if (by_cred.active && token)
				burst_add(&by_cred, token, minute, tokens);
		}
		if (token <= 0)
			continue;
		bool is_new;
		size_t slot = id_index_get(&cred_ids, token, &is_new);
		if (slot >= cred_cap) {
			cred_cap = cred_cap ? 2 * cred_cap : 256;
			cred = xrealloc(cred, cred_cap * sizeof(*cred));
			cred_id = xrealloc(cred_id, cred_cap * sizeof(*cred_id));
		}
		struct cred_minutes *m = &cred[slot];
		if (is_new) {
			memset(m, 0, sizeof(*m));
			m->high_minute = -1;
			cred_id[slot] = token;
		}
		if (status >= 0) {
			if (status == 401) {
				if (!m->n401)
					m->n401 = xcalloc(DAY_MINUTES, sizeof(*m->n401));
				m->n401[minute]++;
				if (!m->has_401 || later(epoch, id, m->last_401_at, m->last_401_id)) {
					m->last_401_at = epoch;
					m->last_401_id = id;
				}
				m->has_401 = true;
			} else if (!m->has_ok || later(epoch, id, m->ok_at, m->ok_id)) {
				m->ok_at = epoch;
				m->ok_id = id;
				m->has_ok = true;
			}
		}
		if (rem >= 0) {
			if (!m->has_rl || rem < m->rl_min || (rem == m->rl_min && epoch < m->rl_min_at)) {
				m->rl_min = rem;
				m->rl_min_at = epoch;
			}
			if (!m->has_rl || epoch > m->last_reading)
				m->last_reading = epoch;
			m->has_rl = true;
			if (rem <= c->rate_limit_critical) {
				int64_t reset = sqlite3_column_type(q, 7) == SQLITE_NULL ? -1 : sqlite3_column_int64(q, 7);
				if (!m->low_reset) {
					m->low_reset = xcalloc(DAY_MINUTES, sizeof(*m->low_reset));
					m->low_reset_at = xcalloc(DAY_MINUTES, sizeof(*m->low_reset_at));
				}
				/* the minute's latest low reading gives the reset (ties: the later line) */
				if (!has_bit(m->low, minute) || epoch >= m->low_reset_at[minute]) {
					m->low_reset[minute] = reset;
					m->low_reset_at[minute] = epoch;
				}
				set_bit(&m->low, minute);
				if (!m->has_low || epoch < m->low_at)
					m->low_at = epoch;
				m->has_low = true;
			} else if (minute != m->high_minute) { /* readings come in runs of one minute */
				set_bit(&m->high, minute);
				m->high_minute = minute;
			}
		}
	}
	if (step != SQLITE_DONE)
		goto sql_error;
	if (by_user.active)
		burst_finish(&by_user, users, day);
	if (by_cred.active)
		burst_finish(&by_cred, creds, day);
	for (size_t i = 0; i < cred_ids.n; i++)
		if (cred[i].has_rl || cred[i].has_401)
			cred_finish(&cred[i], subject_get(creds, cred_id[i]), day);
	rc = 0;
	goto out;
sql_error:
	sql_fail(db, "cannot read events", err);
out:
	sqlite3_finalize(q);
	for (size_t i = 0; i < cred_ids.n; i++) {
		free(cred[i].low);
		free(cred[i].high);
		free(cred[i].n401);
		free(cred[i].low_reset);
		free(cred[i].low_reset_at);
	}
	free(cred);
	free(cred_id);
	id_index_free(&cred_ids);
	burst_free(&by_user);
	burst_free(&by_cred);
	return rc;
}

/* The largest map of the database file SQLite may use while alerts read it. */
#define ALERTS_MMAP_BYTES "1073741824"

/* Copy what the minutes of FROM found onto the subjects of INTO with the same store ids. */
static void merge_minutes(struct subjects *into, struct subjects *from)
{
	for (size_t i = 0; i < *from->n; i++) {
		const struct alerts_subject *m = &(*from->v)[i];
		struct alerts_subject *s = subject_get(into, from->ids[i]);
		s->has_peak = m->has_peak;
		s->peak_tokens = m->peak_tokens;
		s->peak_minute = m->peak_minute;
		s->has_rl = m->has_rl;
		s->rl_min = m->rl_min;
		s->rl_min_at = m->rl_min_at;
		s->zero_times = m->zero_times;
		s->zero_at = m->zero_at;
		s->zero_until = m->zero_until;
		s->zero_seconds = m->zero_seconds;
		s->zero_open = m->zero_open;
		s->trailing_401 = m->trailing_401;
		s->since_401 = m->since_401;
	}
}

/*
 * The raw-event pass, on its own connection and thread while the aggregates are read on the
 * caller's: the two passes take about the same time, and neither needs the other. Shared with
 * the caller: nothing while it runs (every field below is the thread's until pthread_join).
 */
struct minutes_job {
	const char *path;          /* the database file */
	const struct config *c;
	int64_t day;
	struct alerts_subject *users_v, *creds_v;
	size_t users_n, creds_n;
	struct subjects users, creds;
	struct buf err;
	int rc;
};

static void *minutes_thread(void *arg)
{
	struct minutes_job *j = arg;
	sqlite3 *db = NULL;
	j->rc = -1;
	if (sqlite3_open_v2(j->path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		buf_printf(&j->err, "%s: cannot open: %s", j->path, db ? sqlite3_errmsg(db) : "out of memory");
		goto out;
	}
	sqlite3_busy_timeout(db, 60000);
	sqlite3_exec(db, "PRAGMA mmap_size = " ALERTS_MMAP_BYTES, NULL, NULL, NULL);
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		sql_fail(db, "cannot read", &j->err);
		goto out;
	}
	j->rc = alerts_read_minutes(db, j->c, j->day, &j->users, &j->creds, &j->err);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
out:
	sqlite3_close(db);
	return NULL;
}


/* The integer a pragma returns, or -1. */
static int64_t pragma_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *q;
	int64_t v = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return v;
}

int alerts_read(sqlite3 *db, const struct config *c, int64_t day, struct alerts_input *in, struct buf *err)
{
	struct subjects users, creds;
	int64_t mmap_before = -1;
	int64_t y;
	unsigned m, dd;
	int rc = -1;

	memset(in, 0, sizeof(*in));
	in->day.day = day;
	timefmt_civil_from_days(day, &y, &m, &dd);
	in->day.month_first = timefmt_days_from_civil(y, m, 1);
	in->day.month_days = (int)(timefmt_days_from_civil(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) -
				   in->day.month_first);
	subjects_init(&users, &in->users, &in->n_users, ALERTS_USER);
	subjects_init(&creds, &in->creds, &in->n_creds, ALERTS_CREDENTIAL);
	int64_t days = c->anomaly_days < ALERTS_HISTORY ? c->anomaly_days : ALERTS_HISTORY;
	int64_t from = in->day.month_first < day - days ? in->day.month_first : day - days;
	/* Memory-mapped reads for the scans below (a third less CPU than read() copies over a
	 * day of raw events); the connection's own setting is restored after. */
	mmap_before = pragma_int(db, "PRAGMA mmap_size");
	sqlite3_exec(db, "PRAGMA mmap_size = " ALERTS_MMAP_BYTES, NULL, NULL, NULL);
	/* One read transaction, so every part sees the same data even while an ingest commits. */
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		sql_fail(db, "cannot read", err);
		goto out;
	}
	struct minutes_job job = { .c = c, .day = day };
	pthread_t thread;
	bool threaded = false;
	subjects_init(&job.users, &job.users_v, &job.users_n, ALERTS_USER);
	subjects_init(&job.creds, &job.creds_v, &job.creds_n, ALERTS_CREDENTIAL);
	job.path = sqlite3_db_filename(db, "main");
	if (job.path && *job.path) /* not an in-memory database */
		threaded = pthread_create(&thread, NULL, minutes_thread, &job) == 0;
	int read_rc = read_first_day(db, &in->day.data_first, err) < 0 || read_days(db, from, in, &users, &creds, err) < 0
			      ? -1 : 0;
	if (threaded) {
		pthread_join(thread, NULL);
	} else if (read_rc == 0) {
		job.rc = alerts_read_minutes(db, c, day, &job.users, &job.creds, &job.err);
	}
	if (read_rc == 0 && job.rc < 0)
		buf_adds(err, buf_str(&job.err));
	if (read_rc == 0 && job.rc == 0) {
		merge_minutes(&users, &job.users);
		merge_minutes(&creds, &job.creds);
		read_rc = name_subjects(db, &users, &creds, err);
	} else {
		read_rc = -1;
	}
	for (size_t i = 0; i < job.users_n; i++)
		free(job.users_v[i].name);
	for (size_t i = 0; i < job.creds_n; i++)
		free(job.creds_v[i].name);
	free(job.users_v);
	free(job.creds_v);
	subjects_free(&job.users);
	subjects_free(&job.creds);
	buf_free(&job.err);
	sqlite3_exec(db, read_rc < 0 ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL);
	if (read_rc < 0)
		goto out;
	for (size_t i = 0; i < in->n_users; i++)
		config_user_limits(c, in->users[i].name, &in->users[i].lim);
	for (size_t i = 0; i < in->n_creds; i++)
		config_credential_limits(c, in->creds[i].name, in->creds[i].fp, &in->creds[i].lim);
	rc = 0;
out:
	if (mmap_before >= 0) {
		char pragma[64];
		snprintf(pragma, sizeof(pragma), "PRAGMA mmap_size = %lld", (long long)mmap_before);
		sqlite3_exec(db, pragma, NULL, NULL, NULL);
	}
	subjects_free(&users);
	subjects_free(&creds);
	if (rc < 0)
		alerts_input_free(in);
	return rc;
}

/* ---- one evaluation: rules, alert state, deliveries ---- */

const char *alerts_status_name(int status)
{
	static const char *const names[] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };
	return names[status >= 0 && status <= 3 ? status : 3];
}

static void say(const struct alerts_check_options *o, const char *msg)
{
	if (o->on_error)
		o->on_error(o->ctx, msg);
}

/* The webhook: tell it what it has not been told. Returns 0, or -1 (said) on failure. */
static int notify(struct store *st, const struct config *c, const struct alerts_check_options *o,
		  const char *headline)
{
	struct buf body = BUF_INIT, err = BUF_INIT;
	int64_t *ids = NULL;
	size_t n = 0;
	int rc = -1;
	if (store_alerts_pending(st, c->worse_pct, headline, &body, &ids, &n, &err) < 0)
		goto fail;
	if (n && webhook_post(c->webhook, body.data, body.len, c->webhook_timeout, &err) < 0) {
		buf_printf(&err, "; %zu alert%s left unsent, for the next run to send", n, n == 1 ? "" : "s");
		goto fail;
	}
	if (n && store_alerts_mark_notified(st, ids, n, &err) < 0)
		goto fail;
	rc = 0;
	goto out;
fail:
	say(o, buf_str(&err));
out:
	free(ids);
	buf_free(&body);
	buf_free(&err);
	return rc;
}

/* The monitoring files: written whole or not at all. Returns 0, or -1 (said). */
static int write_outputs(const struct config *c, const struct alerts_check_options *o, const struct alerts_check *ck)
{
	struct buf text = BUF_INIT, skipped = BUF_INIT, err = BUF_INIT;
	const char *prom = o->prometheus ? o->prometheus : c->prometheus;
	const char *block = o->blocklist ? o->blocklist : c->blocklist;
	int rc = 0;
	if (prom) {
		out_prom_metrics(&text, &ck->f, &ck->in.day, (int64_t)time(NULL));
		if (alerts_write_file(prom, text.data, text.len, &err) < 0) {
			say(o, buf_str(&err));
			rc = -1;
		}
	}
	if (block) {
		buf_reset(&text);
		buf_reset(&err);
		out_nginx_blocklist(&text, &ck->f, &ck->in.day, c->blocklist_token_variable, c->blocklist_user_variable,
				    &skipped);
		for (const char *p = buf_str(&skipped); *p;) {
			const char *nl = strchr(p, '\n');
			struct buf msg = BUF_INIT;
			buf_printf(&msg, "%s: left out %.*s", block, (int)(nl - p), p);
			say(o, buf_str(&msg));
			buf_free(&msg);
			p = nl + 1;
		}
		if (alerts_write_file(block, text.data, text.len, &err) < 0) {
			say(o, buf_str(&err));
			rc = -1;
		}
	}
	buf_free(&text);
	buf_free(&skipped);
	buf_free(&err);
	return rc;
}

int alerts_check(struct store *st, const struct config *c, int64_t day, const struct alerts_check_options *o,
		 struct alerts_check *ck, struct buf *err)
{
	static const struct alerts_check_options defaults = { 0 };
	struct store_alerts_outcome *outcome = NULL;
	struct buf msg = BUF_INIT;
	int rc = -1;

	if (!o)
		o = &defaults;
	memset(ck, 0, sizeof(*ck));
	ck->day = day;
	ck->status = ALERTS_UNKNOWN;
	alerts_format_day(day, ck->day_text);
	if (alerts_read(store_db(st), c, day, &ck->in, err) < 0)
		goto out;
	alerts_evaluate(c, &ck->in, &ck->f);
	outcome = xcalloc(ck->f.n ? ck->f.n : 1, sizeof(*outcome));
	if (store_alerts_record(st, day, &ck->f, c->worse_pct, outcome, &ck->run, err) < 0)
		goto out;
	ck->severity = ALERTS_OK;
	for (size_t i = 0; i < ck->f.n; i++) {
		struct alerts_finding *x = &ck->f.v[i];
		x->is_acked = outcome[i].is_acked;
		if (x->is_acked)
			continue;
		if (x->severity == ALERTS_CRITICAL)
			ck->critical++;
		else if (x->severity == ALERTS_WARNING)
			ck->warning++;
		ck->changed += outcome[i].change != STORE_ALERTS_ONGOING;
		if ((int)x->severity > ck->severity)
			ck->severity = (int)x->severity;
	}
	/* Deliveries first, so their failures are known before the status is final. */
	ck->delivered = write_outputs(c, o, ck) == 0;
	buf_printf(&ck->title, "tokstat alerts for %s: %s - %d critical, %d warning", ck->day_text,
		   alerts_status_name(ck->severity), ck->critical, ck->warning);
	if (c->webhook && !o->no_webhook)
		ck->delivered &= notify(st, c, o, buf_str(&ck->title)) == 0;
	/* A failed delivery with nothing to alert on must not read as OK. */
	ck->status = !ck->delivered && ck->severity == ALERTS_OK ? ALERTS_UNKNOWN : ck->severity;
	if (store_alerts_finish(st, ck->run, ck->status, &msg) < 0) {
		say(o, buf_str(&msg));
		ck->delivered = false;
		if (ck->status == ALERTS_OK)
			ck->status = ALERTS_UNKNOWN;
	}
	rc = 0;
out:
	free(outcome);
	buf_free(&msg);
	return rc;
}

void alerts_check_free(struct alerts_check *ck)
{
	if (!ck)
		return;
	alerts_findings_free(&ck->f);
	alerts_input_free(&ck->in);
	buf_free(&ck->title);
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
