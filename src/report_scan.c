/*
 * The report's period read once; see report_scan.h. One pass over the period's aggregate rows
 * (sql/reports/period_rows.sql) in day order, each row added to its day, its group (a hash of
 * its seven ids), its user's current day and its latency sums; the sums then go into the temp
 * tables in the order GROUP BY gave them (days, groups by their ids, users by id).
 */
#include "report_scan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "embedded.h"
#include "hashmap.h"

/* A group's ids, in the order of period_rows.sql: token, user, endpoint, model, provider,
 * operation, project. */
enum { ID_TOKEN, ID_USER, ID_ENDPOINT, ID_MODEL, ID_PROVIDER, ID_OPERATION, ID_PROJECT, NIDS };
/* The token sums: input, output, cache read, cache write, total. */
enum { TOK_INPUT, TOK_OUTPUT, TOK_CACHE_READ, TOK_CACHE_WRITE, TOK_TOTAL, NSUMS };

/* Columns of sql/reports/period_rows.sql. */
enum {
	COL_DAY,
	COL_IDS, /* NIDS of them */
	COL_REQUESTS = COL_IDS + NIDS,
	COL_ERRORS,
	COL_INPUT, /* NSUMS of them */
	COL_ESTIMATED = COL_INPUT + NSUMS,
	COL_COST,
	COL_UNPRICED,
	COL_LATENCY /* latency_n, then latency.h's columns */
};

/* An integer sum, NULL while nothing non-NULL was added (SQL's sum()). */
struct isum {
	int64_t v;
	bool has;
};

/* A sum of reals, compensated (Neumaier): the cost of a year's rows without drift. */
struct fsum {
	double s, c;
	bool has;
};

struct sums {
	int64_t requests, errors, estimated;
	struct isum tok[NSUMS], unpriced;
	struct fsum cost;
};

struct group {
	int64_t ids[NIDS];
	struct sums s;
};

struct day {
	int64_t day;
	struct sums s;
};

/* A user's busiest day so far, and the day being summed. */
struct user {
	int64_t id, day;
	struct isum today, peak;
};

/* One row of period_rows.sql, read once: each column read is a call into SQLite. */
struct row {
	int64_t day, ids[NIDS], requests, errors, estimated;
	struct isum tok[NSUMS], unpriced;
	bool has_cost;
	double cost;
	struct latency_row latency;
};

static struct isum column_isum(sqlite3_stmt *q, int col)
{
	sqlite3_value *v = sqlite3_column_value(q, col);
	if (sqlite3_value_type(v) == SQLITE_NULL)
		return (struct isum){ 0 };
	return (struct isum){ sqlite3_value_int64(v), true };
}

static void read_row(sqlite3_stmt *q, struct row *r)
{
	struct isum n = column_isum(q, COL_LATENCY);
	r->day = sqlite3_column_int64(q, COL_DAY);
	for (int i = 0; i < NIDS; i++)
		r->ids[i] = sqlite3_column_int64(q, COL_IDS + i);
	r->requests = sqlite3_column_int64(q, COL_REQUESTS);
	r->errors = sqlite3_column_int64(q, COL_ERRORS);
	r->estimated = sqlite3_column_int64(q, COL_ESTIMATED);
	for (int i = 0; i < NSUMS; i++)
		r->tok[i] = column_isum(q, COL_INPUT + i);
	r->unpriced = column_isum(q, COL_UNPRICED);
	sqlite3_value *cost = sqlite3_column_value(q, COL_COST);
	r->has_cost = sqlite3_value_type(cost) != SQLITE_NULL;
	r->cost = r->has_cost ? sqlite3_value_double(cost) : 0;
	r->latency = (struct latency_row){ .is_known = n.has, .n = n.v };
	if (n.has && n.v != 0) { /* the sums and buckets count nothing otherwise */
		r->latency.sum = sqlite3_column_int64(q, COL_LATENCY + 1);
		r->latency.max = sqlite3_column_int64(q, COL_LATENCY + 2);
		for (int k = 0; k < LATENCY_BUCKETS; k++)
			r->latency.bucket[k] = sqlite3_column_int64(q, COL_LATENCY + 3 + k);
	}
}

static void isum_add(struct isum *a, const struct isum *x)
{
	if (!x->has)
		return;
	a->v += x->v;
	a->has = true;
}

static void fsum_add(struct fsum *a, double x)
{
	double t = a->s + x;
	a->c += fabs(a->s) >= fabs(x) ? (a->s - t) + x : (x - t) + a->s;
	a->s = t;
	a->has = true;
}

static void sums_add(struct sums *s, const struct row *r)
{
	s->requests += r->requests;
	s->errors += r->errors;
	s->estimated += r->estimated;
	for (int i = 0; i < NSUMS; i++)
		isum_add(&s->tok[i], &r->tok[i]);
	isum_add(&s->unpriced, &r->unpriced);
	if (r->has_cost)
		fsum_add(&s->cost, r->cost);
}

static void bind_isum(sqlite3_stmt *q, int i, const struct isum *a)
{
	if (a->has)
		sqlite3_bind_int64(q, i, a->v);
	else
		sqlite3_bind_null(q, i);
}

/* Bind S from parameter I on: requests, errors, the token sums, then (ESTIMATED) estimated,
 * cost and unpriced. The next parameter's number. */
static int bind_sums(sqlite3_stmt *q, int i, const struct sums *s, bool estimated)
{
	sqlite3_bind_int64(q, i++, s->requests);
	sqlite3_bind_int64(q, i++, s->errors);
	for (int k = 0; k < NSUMS; k++)
		bind_isum(q, i++, &s->tok[k]);
	if (estimated)
		sqlite3_bind_int64(q, i++, s->estimated);
	if (s->cost.has)
		sqlite3_bind_double(q, i++, s->cost.s + s->cost.c);
	else
		sqlite3_bind_null(q, i++);
	bind_isum(q, i++, &s->unpriced);
	return i;
}

/* The user's day done: its sum against the peak (max() leaves NULL sums out). */
static void user_close_day(struct user *u)
{
	if (u->today.has && (!u->peak.has || u->today.v > u->peak.v))
		u->peak = u->today;
	u->today = (struct isum){ 0 };
}

static int group_cmp(const void *pa, const void *pb)
{
	const struct group *a = pa, *b = pb;
	for (int i = 0; i < NIDS; i++)
		if (a->ids[i] != b->ids[i])
			return a->ids[i] < b->ids[i] ? -1 : 1;
	return 0;
}

static int user_cmp(const void *pa, const void *pb)
{
	const struct user *a = pa, *b = pb;
	return a->id < b->id ? -1 : a->id > b->id;
}

/* Grow *V (of *CAP elements of SIZE) to hold N + 1. */
static void *grow(void *v, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return v;
	*cap = *cap ? *cap * 2 : 64;
	return xrealloc(v, *cap * size);
}

struct scan {
	struct day *days;
	size_t ndays, days_cap;
	struct group *groups;
	size_t ngroups, groups_cap;
	struct user *users;
	size_t nusers, users_cap;
	struct hashmap group_map, user_map;
	struct latency_sums latency;
};

static void scan_row(struct scan *s, const struct row *r, bool groups)
{
	bool is_new;
	if (s->ndays == 0 || s->days[s->ndays - 1].day != r->day) {
		s->days = grow(s->days, &s->days_cap, s->ndays, sizeof(*s->days));
		s->days[s->ndays++] = (struct day){ .day = r->day };
	}
	sums_add(&s->days[s->ndays - 1].s, r);
	if (!groups)
		return;

	uint64_t *slot = hashmap_put(&s->group_map, r->ids, sizeof(r->ids), &is_new);
	if (is_new) {
		s->groups = grow(s->groups, &s->groups_cap, s->ngroups, sizeof(*s->groups));
		s->groups[s->ngroups] = (struct group){ 0 };
		memcpy(s->groups[s->ngroups].ids, r->ids, sizeof(r->ids));
		*slot = s->ngroups++;
	}
	sums_add(&s->groups[*slot].s, r);

	if (r->ids[ID_USER] != 0) {
		slot = hashmap_put(&s->user_map, &r->ids[ID_USER], sizeof(r->ids[ID_USER]), &is_new);
		if (is_new) {
			s->users = grow(s->users, &s->users_cap, s->nusers, sizeof(*s->users));
			s->users[s->nusers] = (struct user){ .id = r->ids[ID_USER], .day = r->day };
			*slot = s->nusers++;
		}
		struct user *u = &s->users[*slot];
		if (u->day != r->day) { /* rows come in day order: its last day is done */
			user_close_day(u);
			u->day = r->day;
		}
		isum_add(&u->today, &r->tok[TOK_TOTAL]);
	}
	latency_sums_add(&s->latency, r->day, r->ids[ID_ENDPOINT], r->ids[ID_MODEL], &r->latency);
}

/* Step the prepared INSERT Q, reset for the next row. */
static int insert(sqlite3_stmt *q)
{
	int rc = sqlite3_step(q);
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int write_tables(sqlite3 *db, struct scan *s, bool groups)
{
	static const char days_sql[] = "INSERT INTO temp.report_days VALUES "
				       "(?1, date(?1 * 86400, 'unixepoch'), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
	static const char groups_sql[] = "INSERT INTO temp.report_group_ids VALUES "
					 "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	static const char users_sql[] = "INSERT INTO temp.report_user_peak VALUES (?, ?)";
	sqlite3_stmt *q = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(db, days_sql, -1, &q, NULL) != SQLITE_OK)
		goto out;
	for (size_t i = 0; i < s->ndays; i++) {
		sqlite3_bind_int64(q, 1, s->days[i].day);
		bind_sums(q, 2, &s->days[i].s, true);
		if (insert(q) < 0)
			goto out;
	}
	sqlite3_finalize(q);
	q = NULL;
	if (!groups) {
		rc = 0;
		goto out;
	}

	if (s->ngroups)
		qsort(s->groups, s->ngroups, sizeof(*s->groups), group_cmp);
	if (sqlite3_prepare_v2(db, groups_sql, -1, &q, NULL) != SQLITE_OK)
		goto out;
	for (size_t i = 0; i < s->ngroups; i++) {
		for (int k = 0; k < NIDS; k++)
			sqlite3_bind_int64(q, 1 + k, s->groups[i].ids[k]);
		bind_sums(q, 1 + NIDS, &s->groups[i].s, false);
		if (insert(q) < 0)
			goto out;
	}
	sqlite3_finalize(q);
	q = NULL;

	if (s->nusers)
		qsort(s->users, s->nusers, sizeof(*s->users), user_cmp);
	if (sqlite3_prepare_v2(db, users_sql, -1, &q, NULL) != SQLITE_OK)
		goto out;
	for (size_t i = 0; i < s->nusers; i++) {
		user_close_day(&s->users[i]);
		sqlite3_bind_int64(q, 1, s->users[i].id);
		bind_isum(q, 2, &s->users[i].peak);
		if (insert(q) < 0)
			goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(q);
	return rc;
}

int report_scan(sqlite3 *db, int64_t from_day, int64_t to_day, bool groups, int64_t top,
		struct latency_unknown *unknown, struct buf *err)
{
	const struct embedded_file *f = embedded_find("sql/reports/period_rows.sql");
	struct scan s = { 0 };
	sqlite3_stmt *q = NULL;
	bool in_savepoint = false;
	int rc = -1, step;

	hashmap_init(&s.group_map);
	hashmap_init(&s.user_map);
	latency_sums_init(&s.latency);
	if (!f) {
		buf_printf(err, "sql/reports/period_rows.sql: not compiled in");
		goto out;
	}
	if (sqlite3_prepare_v2(db, f->data, -1, &q, NULL) != SQLITE_OK)
		goto sql_error;
	sqlite3_bind_int64(q, sqlite3_bind_parameter_index(q, ":from_day"), from_day);
	sqlite3_bind_int64(q, sqlite3_bind_parameter_index(q, ":to_day"), to_day);
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		struct row row;
		read_row(q, &row);
		scan_row(&s, &row, groups);
	}
	if (step != SQLITE_DONE)
		goto sql_error;
	sqlite3_finalize(q);
	q = NULL;

	/* one transaction for the rows, not one each (the temp database's journal per insert) */
	if (sqlite3_exec(db, "SAVEPOINT report_scan", NULL, NULL, NULL) != SQLITE_OK)
		goto sql_error;
	in_savepoint = true;
	if (write_tables(db, &s, groups) < 0 || sqlite3_exec(db, "RELEASE report_scan", NULL, NULL, NULL) != SQLITE_OK)
		goto sql_error;
	in_savepoint = false;
	if (groups && latency_sums_table(db, &s.latency, top, unknown, err) < 0)
		goto out;
	rc = 0;
	goto out;
sql_error:
	buf_printf(err, "sql/reports/period_rows.sql: %s", sqlite3_errmsg(db));
	if (in_savepoint)
		sqlite3_exec(db, "ROLLBACK TO report_scan; RELEASE report_scan", NULL, NULL, NULL);
out:
	sqlite3_finalize(q);
	hashmap_free(&s.group_map);
	hashmap_free(&s.user_map);
	latency_sums_free(&s.latency);
	free(s.days);
	free(s.groups);
	free(s.users);
	return rc;
}
