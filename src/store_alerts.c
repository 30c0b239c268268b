/*
 * The store's alert state in the tables of sql/migrate/003-alerts.sql (see store_alerts.h):
 * every statement that reads or writes them is in this file. Writes on the writer connection
 * (st->db), reads for printing on the read-only one (store_db).
 */
#include "store_alerts.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store_int.h"

/* Alerts named in the webhook's text; the rest are counted ("... and 12 more"). */
#define STORE_ALERTS_TEXT_LINES 50

#define WRITE_FAIL "cannot write the alert state"
#define READ_FAIL "cannot read the alert state"

/* The writer, or NULL with ERR set for a store opened read-only. */
static sqlite3 *writer(struct store *st, struct buf *err)
{
	if (!st->db)
		buf_printf(err, "%s: %s: the database was opened read-only", st->path, WRITE_FAIL);
	return st->db;
}

/* The read-only connection, or NULL with ERR set. */
static sqlite3 *reader(struct store *st, struct buf *err)
{
	sqlite3 *db = store_db(st);
	if (!db)
		buf_printf(err, "%s: %s: cannot open it for reading", st->path, READ_FAIL);
	return db;
}

/* Is VALUE worse than REPORTED by more than PCT percent? */
static bool is_worse_value(double value, double reported, bool lower_is_worse, double pct)
{
	return lower_is_worse ? value < reported * (1 - pct / 100) : value > reported * (1 + pct / 100);
}

int store_alerts_record(struct store *st, int64_t day, const struct alerts_findings *f, double worse_pct,
			struct store_alerts_outcome *out, int64_t *run, struct buf *err)
{
	/* store_alerts.c: the active episode of a finding's (rule, subject, unit) */
	static const char find_sql[] =
		"SELECT id, reported_severity, reported_value, acked_at IS NOT NULL FROM alert "
		"WHERE resolved IS NULL AND rule = ?1 AND subject_kind = ?2 AND subject_fp = ?3 AND subject = ?4 "
		"AND unit = ?5";
	static const char insert_sql[] =
		"INSERT INTO alert(rule, subject_kind, subject_fp, subject, unit, severity, value, limit_value, period, "
		"detail, lower_is_worse, is_hard, first_seen, last_seen, worst_severity, worst_value, "
		"reported_severity, reported_value, change, changed_run, seen_run) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13, ?6, ?7, ?6, ?7, 'new', ?14, ?14)";
	/* The latest finding (by day) describes the episode; the worst one is kept beside it. */
	static const char update_sql[] =
		"UPDATE alert SET "
		"severity = CASE WHEN ?2 >= last_seen THEN ?3 ELSE severity END, "
		"value = CASE WHEN ?2 >= last_seen THEN ?4 ELSE value END, "
		"limit_value = CASE WHEN ?2 >= last_seen THEN ?5 ELSE limit_value END, "
		"period = CASE WHEN ?2 >= last_seen THEN ?6 ELSE period END, "
		"detail = CASE WHEN ?2 >= last_seen THEN ?7 ELSE detail END, "
		"is_hard = CASE WHEN ?2 >= last_seen THEN ?8 ELSE is_hard END, "
		"first_seen = min(first_seen, ?2), last_seen = max(last_seen, ?2), "
		"worst_severity = max(worst_severity, ?3), "
		"worst_value = CASE WHEN lower_is_worse THEN min(worst_value, ?4) ELSE max(worst_value, ?4) END, "
		"reported_severity = CASE WHEN ?9 THEN ?3 ELSE reported_severity END, "
		"reported_value = CASE WHEN ?9 THEN ?4 ELSE reported_value END, "
		"change = CASE WHEN ?9 THEN 'worse' ELSE change END, "
		"changed_run = CASE WHEN ?9 THEN ?10 ELSE changed_run END, "
		"acked_at = CASE WHEN ?9 THEN NULL ELSE acked_at END, seen_run = ?10 "
		"WHERE id = ?1";
	/* Episodes last found on DAY or before, and not found now, are over: the day's usage only
	 * grows, so what is not found on it any more went away with a changed limit. Episodes
	 * found on later days are left alone when an earlier day is evaluated again. */
	static const char resolve_sql[] =
		"UPDATE alert SET resolved = ?1 WHERE resolved IS NULL AND last_seen <= ?1 AND seen_run <> ?2";
	static const char run_sql[] = "INSERT INTO alert_run(day, at, findings) VALUES (?1, ?2, ?3)";
	sqlite3_stmt *find = NULL, *ins = NULL, *upd = NULL, *q = NULL;
	sqlite3 *db = writer(st, err);
	int rc = -1;

	if (!db || store_begin(st, err) < 0)
		return -1;
	if (sqlite3_prepare_v2(db, find_sql, -1, &find, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, insert_sql, -1, &ins, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, update_sql, -1, &upd, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, run_sql, -1, &q, NULL) != SQLITE_OK)
		goto sql_error;
	sqlite3_bind_int64(q, 1, day);
	sqlite3_bind_int64(q, 2, (int64_t)time(NULL));
	sqlite3_bind_int64(q, 3, (int64_t)f->n);
	if (sqlite3_step(q) != SQLITE_DONE)
		goto sql_error;
	*run = sqlite3_last_insert_rowid(db);

	for (size_t i = 0; i < f->n; i++) {
		const struct alerts_finding *a = &f->v[i];
		const char *kind = a->kind == ALERTS_USER ? "user" : "credential";
		const char *unit = alerts_unit_name(a->unit);
		out[i] = (struct store_alerts_outcome){ 0 };
		sqlite3_reset(find);
		sqlite3_bind_text(find, 1, alerts_rule_name(a->rule), -1, SQLITE_STATIC);
		sqlite3_bind_text(find, 2, kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(find, 3, a->fp, -1, SQLITE_STATIC);
		sqlite3_bind_text(find, 4, a->subject, -1, SQLITE_STATIC);
		sqlite3_bind_text(find, 5, unit, -1, SQLITE_STATIC);
		int step = sqlite3_step(find);
		if (step == SQLITE_ROW) {
			int64_t id = sqlite3_column_int64(find, 0);
			int reported = sqlite3_column_int(find, 1);
			double reported_value = sqlite3_column_double(find, 2);
			bool acked = sqlite3_column_int(find, 3);
			bool rises = (int)a->severity > reported;
			bool changed = rises || (!acked && a->worse_by_value &&
						 is_worse_value(a->value, reported_value, a->lower_is_worse, worse_pct));
			sqlite3_reset(find);
			sqlite3_reset(upd);
			sqlite3_bind_int64(upd, 1, id);
			sqlite3_bind_int64(upd, 2, day);
			sqlite3_bind_int(upd, 3, (int)a->severity);
			sqlite3_bind_double(upd, 4, a->value);
			sqlite3_bind_double(upd, 5, a->limit);
			sqlite3_bind_text(upd, 6, a->period, -1, SQLITE_STATIC);
			if (a->detail)
				sqlite3_bind_text(upd, 7, a->detail, -1, SQLITE_STATIC);
			else
				sqlite3_bind_null(upd, 7);
			sqlite3_bind_int(upd, 8, a->is_hard);
			sqlite3_bind_int(upd, 9, changed);
			sqlite3_bind_int64(upd, 10, *run);
			if (sqlite3_step(upd) != SQLITE_DONE)
				goto sql_error;
			out[i].id = id;
			out[i].change = changed ? STORE_ALERTS_WORSE : STORE_ALERTS_ONGOING;
			out[i].is_acked = acked && !changed;
		} else if (step == SQLITE_DONE) {
			sqlite3_reset(find);
			sqlite3_reset(ins);
			sqlite3_bind_text(ins, 1, alerts_rule_name(a->rule), -1, SQLITE_STATIC);
			sqlite3_bind_text(ins, 2, kind, -1, SQLITE_STATIC);
			sqlite3_bind_text(ins, 3, a->fp, -1, SQLITE_STATIC);
			sqlite3_bind_text(ins, 4, a->subject, -1, SQLITE_STATIC);
			sqlite3_bind_text(ins, 5, unit, -1, SQLITE_STATIC);
			sqlite3_bind_int(ins, 6, (int)a->severity);
			sqlite3_bind_double(ins, 7, a->value);
			sqlite3_bind_double(ins, 8, a->limit);
			sqlite3_bind_text(ins, 9, a->period, -1, SQLITE_STATIC);
			if (a->detail)
				sqlite3_bind_text(ins, 10, a->detail, -1, SQLITE_STATIC);
			else
				sqlite3_bind_null(ins, 10);
			sqlite3_bind_int(ins, 11, a->lower_is_worse);
			sqlite3_bind_int(ins, 12, a->is_hard);
			sqlite3_bind_int64(ins, 13, day);
			sqlite3_bind_int64(ins, 14, *run);
			if (sqlite3_step(ins) != SQLITE_DONE)
				goto sql_error;
			out[i].id = sqlite3_last_insert_rowid(db);
			out[i].change = STORE_ALERTS_NEW;
		} else {
			goto sql_error;
		}
	}
	sqlite3_finalize(q);
	if (sqlite3_prepare_v2(db, resolve_sql, -1, &q, NULL) != SQLITE_OK)
		goto sql_error;
	sqlite3_bind_int64(q, 1, day);
	sqlite3_bind_int64(q, 2, *run);
	if (sqlite3_step(q) != SQLITE_DONE)
		goto sql_error;
	if (store_commit(st, err) < 0)
		goto fail;
	rc = 0;
	goto out;
sql_error:
	store_sql_error(st->path, db, err, WRITE_FAIL);
fail:
	store_rollback(st);
out:
	sqlite3_finalize(find);
	sqlite3_finalize(ins);
	sqlite3_finalize(upd);
	sqlite3_finalize(q);
	return rc;
}

int store_alerts_finish(struct store *st, int64_t run, int status, struct buf *err)
{
	sqlite3_stmt *q = NULL;
	sqlite3 *db = writer(st, err);
	int rc = -1;
	if (!db)
		return -1;
	/* store_alerts.c: the exit status a run gave */
	if (sqlite3_prepare_v2(db, "UPDATE alert_run SET status = ?2 WHERE id = ?1", -1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(q, 1, run);
		sqlite3_bind_int(q, 2, status);
		rc = sqlite3_step(q) == SQLITE_DONE ? 0 : -1;
	}
	sqlite3_finalize(q);
	if (rc < 0)
		store_sql_error(st->path, db, err, WRITE_FAIL);
	return rc;
}

/* A value with its unit, for people: "1,200,000 tokens", "$12.50", "7.5%". */
#define FMT(v) \
	"CASE unit WHEN 'usd' THEN printf('$%.2f', " v ") WHEN 'percent' THEN printf('%.1f%%', " v ") " \
	"ELSE printf('%,d', CAST(round(" v ") AS INTEGER)) || ' ' || unit END"

/* The WHERE clause of a selection; ?1 is the run. */
static const char *where_of(enum store_alerts_select sel)
{
	switch (sel) {
	case STORE_ALERTS_SELECT_CHANGED:
		return "changed_run = ?1 AND acked_at IS NULL AND resolved IS NULL";
	case STORE_ALERTS_SELECT_ACTIVE:
		return "resolved IS NULL";
	default:
		return "?1 IS NOT NULL";
	}
}

/* Qualified: the report's own severity column (a name) must not be what is sorted. */
#define ORDER                                                                                      \
	" ORDER BY alert.resolved IS NOT NULL, alert.severity DESC, alert.rule, alert.subject, alert.subject_fp, " \
	"alert.unit, alert.id"

int store_alerts_report(struct store *st, enum store_alerts_select sel, int64_t run, const char *title,
			struct report *r, struct buf *err)
{
	struct buf sql = BUF_INIT;
	struct report_bind bind = { NULL, run };
	sqlite3 *db = reader(st, err);
	if (!db)
		return -1;
	/* store_alerts.c: the alerts a run prints, `tokstat alerts --all` and `tokstat alerts list` */
	buf_adds(&sql,
		   "SELECT id, CASE severity WHEN 2 THEN 'critical' ELSE 'warning' END AS severity, rule, "
		   "subject || CASE WHEN subject_fp <> '' THEN ' (' || subject_fp || ')' ELSE '' END AS subject, "
		   FMT("value") " AS value, " FMT("limit_value") " AS \"limit\", period, "
		   "date(first_seen * 86400, 'unixepoch') AS since, date(last_seen * 86400, 'unixepoch') AS last_seen, "
		   "CASE WHEN resolved IS NOT NULL THEN 'resolved' WHEN acked_at IS NOT NULL THEN 'acked' "
		   "WHEN changed_run = ?1 THEN change ELSE 'ongoing' END AS status, detail "
		   "FROM alert WHERE ");
	buf_adds(&sql, where_of(sel));
	buf_adds(&sql, ORDER);
	struct report_table *t = report_add_query(r, db, title, buf_str(&sql), &bind, 1, err);
	buf_free(&sql);
	return t ? 0 : -1;
}

/* One alert as a JSON object (numbers of whole units as integers); CHANGE: its 'change'. */
#define JSON_ALERT(change) \
	"json_object('id', id, 'severity', CASE severity WHEN 2 THEN 'critical' ELSE 'warning' END, " \
	"'rule', rule, 'subject_kind', subject_kind, 'subject', subject, 'token_fp', nullif(subject_fp, ''), " \
	"'value', CASE WHEN unit IN ('usd', 'percent') THEN value ELSE CAST(value AS INTEGER) END, " \
	"'limit', CASE WHEN unit IN ('usd', 'percent') THEN limit_value ELSE CAST(limit_value AS INTEGER) END, " \
	"'unit', unit, 'period', period, 'detail', detail, " \
	"'first_seen', date(first_seen * 86400, 'unixepoch'), 'last_seen', date(last_seen * 86400, 'unixepoch'), " \
	"'worst_value', worst_value, " \
	"'status', CASE WHEN resolved IS NOT NULL THEN 'resolved' WHEN acked_at IS NOT NULL THEN 'acked' " \
	"ELSE 'active' END, " \
	"'change', " change ")"
/* A run's change: new or worse in run ?1, else ongoing. */
#define RUN_CHANGE "CASE WHEN changed_run = ?1 AND acked_at IS NULL THEN change ELSE 'ongoing' END"
/* The webhook's change: never told (new), or told when it was better (worse). */
#define NOTIFY_CHANGE "CASE WHEN notified_severity IS NULL THEN 'new' ELSE 'worse' END"

/* Run SQL (one row, one text column) with its binds done by the caller; append the text to OUT. */
static int scalar_text(struct store *st, sqlite3 *db, sqlite3_stmt *q, struct buf *out, struct buf *err)
{
	int rc = -1;
	if (sqlite3_step(q) == SQLITE_ROW) {
		buf_add(out, sqlite3_column_text(q, 0), (size_t)sqlite3_column_bytes(q, 0));
		rc = 0;
	} else {
		store_sql_error(st->path, db, err, READ_FAIL);
	}
	return rc;
}

int store_alerts_json(struct store *st, enum store_alerts_select sel, int64_t run, const char *day_text,
		      const char *status_name, int critical, int warning, struct buf *out, struct buf *err)
{
	struct buf sql = BUF_INIT;
	sqlite3_stmt *q = NULL;
	sqlite3 *db = reader(st, err);
	int rc = -1;
	if (!db)
		return -1;
	/* store_alerts.c: `tokstat alerts --format json` */
	buf_adds(&sql, "SELECT json_object('day', ?2, 'status', ?3, 'critical', ?4, 'warning', ?5, 'alerts', "
		       "(SELECT json_group_array(json(a)) FROM (SELECT " JSON_ALERT(RUN_CHANGE) " AS a FROM alert WHERE ");
	buf_adds(&sql, where_of(sel));
	buf_adds(&sql, ORDER ")))");
	if (sqlite3_prepare_v2(db, buf_str(&sql), -1, &q, NULL) != SQLITE_OK) {
		store_sql_error(st->path, db, err, READ_FAIL);
		goto out;
	}
	sqlite3_bind_int64(q, 1, run);
	sqlite3_bind_text(q, 2, day_text, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, status_name, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 4, critical);
	sqlite3_bind_int(q, 5, warning);
	rc = scalar_text(st, db, q, out, err);
out:
	sqlite3_finalize(q);
	buf_free(&sql);
	return rc;
}

/* Not yet told to the webhook, or told when it was better; ?1 is worse_pct. */
#define PENDING                                                                                       \
	"resolved IS NULL AND acked_at IS NULL AND (notified_severity IS NULL OR severity > notified_severity " \
	"OR CASE WHEN lower_is_worse THEN value < notified_value * (1 - ?1 / 100.0) "                \
	"ELSE value > notified_value * (1 + ?1 / 100.0) END)"

/* Text for Slack-style mrkdwn: &, < and > are its markup (<!channel> pings everyone). */
#define MRKDWN(x) "replace(replace(replace(" x ", '&', '&amp;'), '<', '&lt;'), '>', '&gt;')"

int store_alerts_pending(struct store *st, double worse_pct, const char *headline, struct buf *body, int64_t **ids,
			 size_t *n, struct buf *err)
{
	/* store_alerts.c: which alerts the webhook is to be told about */
	static const char ids_sql[] = "SELECT id FROM alert WHERE " PENDING ORDER;
	/* store_alerts.c: the webhook's message: a Slack-compatible text and the alerts as JSON */
	/* The text names the first ?3 alerts, the most severe first, and counts the rest: chat
	 * services cut long messages (Slack at 40,000 characters); the alerts array has them all. */
	static const char body_sql[] =
		"SELECT json_object('text', " MRKDWN("?2") " || group_concat(CASE WHEN n <= ?3 THEN line END, '') "
		"|| CASE WHEN count(*) > ?3 THEN char(10) || '… and ' || (count(*) - ?3) || ' more' ELSE '' END, "
		"'alerts', json_group_array(json(a))) FROM (SELECT row_number() OVER () AS n, * FROM (SELECT "
		"char(10) || '• ' || CASE severity WHEN 2 THEN 'critical' ELSE 'warning' END || ' ' || rule || ' ' || "
		MRKDWN("subject") " || ': ' || " FMT("value") " || ' (limit ' || " FMT("limit_value") " || ', ' || period || ')' "
		"|| coalesce(': ' || " MRKDWN("detail") ", '') AS line, "
		JSON_ALERT(NOTIFY_CHANGE) " AS a FROM alert WHERE " PENDING ORDER "))";
	sqlite3_stmt *q = NULL;
	sqlite3 *db;
	size_t cap = 0;
	int rc = -1, step;

	*ids = NULL;
	*n = 0;
	if (!(db = reader(st, err)))
		return -1;
	if (sqlite3_prepare_v2(db, ids_sql, -1, &q, NULL) != SQLITE_OK)
		goto sql_error;
	sqlite3_bind_double(q, 1, worse_pct);
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			*ids = xrealloc(*ids, cap * sizeof(**ids));
		}
		(*ids)[(*n)++] = sqlite3_column_int64(q, 0);
	}
	if (step != SQLITE_DONE)
		goto sql_error;
	sqlite3_finalize(q);
	q = NULL;
	if (!*n) {
		rc = 0;
		goto out;
	}
	if (sqlite3_prepare_v2(db, body_sql, -1, &q, NULL) != SQLITE_OK)
		goto sql_error;
	sqlite3_bind_double(q, 1, worse_pct);
	sqlite3_bind_text(q, 2, headline, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 3, STORE_ALERTS_TEXT_LINES);
	rc = scalar_text(st, db, q, body, err);
	goto out;
sql_error:
	store_sql_error(st->path, db, err, READ_FAIL);
out:
	sqlite3_finalize(q);
	if (rc < 0) {
		free(*ids);
		*ids = NULL;
		*n = 0;
	}
	return rc;
}

int store_alerts_mark_notified(struct store *st, const int64_t *ids, size_t n, struct buf *err)
{
	sqlite3_stmt *q = NULL;
	sqlite3 *db = writer(st, err);
	int rc = -1;
	if (!db || store_begin(st, err) < 0)
		return -1;
	/* store_alerts.c: what the webhook accepted */
	if (sqlite3_prepare_v2(db,
			       "UPDATE alert SET notified_severity = severity, notified_value = value, notified_at = ?2 "
			       "WHERE id = ?1",
			       -1, &q, NULL) != SQLITE_OK)
		goto sql_error;
	for (size_t i = 0; i < n; i++) {
		sqlite3_reset(q);
		sqlite3_bind_int64(q, 1, ids[i]);
		sqlite3_bind_int64(q, 2, (int64_t)time(NULL));
		if (sqlite3_step(q) != SQLITE_DONE)
			goto sql_error;
	}
	sqlite3_finalize(q);
	q = NULL;
	if (store_commit(st, err) < 0)
		goto fail;
	rc = 0;
	goto out;
sql_error:
	store_sql_error(st->path, db, err, WRITE_FAIL);
fail:
	store_rollback(st);
out:
	sqlite3_finalize(q);
	return rc;
}

int store_alerts_ack(struct store *st, int64_t id, struct buf *err)
{
	sqlite3_stmt *q;
	sqlite3 *db = writer(st, err);
	int rc = -1;
	if (!db)
		return -1;
	/* store_alerts.c: `tokstat alerts ack ID` (acknowledging twice keeps the first time) */
	if (sqlite3_prepare_v2(db, "UPDATE alert SET acked_at = coalesce(acked_at, ?2) WHERE id = ?1 AND resolved IS NULL",
			       -1, &q, NULL) != SQLITE_OK)
		return store_sql_error(st->path, db, err, WRITE_FAIL);
	sqlite3_bind_int64(q, 1, id);
	sqlite3_bind_int64(q, 2, (int64_t)time(NULL));
	if (sqlite3_step(q) == SQLITE_DONE)
		rc = sqlite3_changes(db) > 0;
	else
		store_sql_error(st->path, db, err, WRITE_FAIL);
	sqlite3_finalize(q);
	return rc;
}
