/*
 * The store's alert state: the findings of each `tokstat alerts` evaluation kept as alert
 * episodes with first_seen, last_seen and the worst value, so a condition that goes on is
 * reported once, and again only when it gets worse; acknowledgements; what the webhook was
 * told. Part of the store: the tables are sql/migrate/003-alerts.sql, and every statement that
 * touches them is in store_alerts.c. Writes go through the store's writer connection (a store
 * opened READ_WRITE); reads for printing use the read-only one (store_db), which sees what
 * the writes committed. Everyone else reads the `alerts` view.
 */
#ifndef TOKSTAT_STORE_ALERTS_H
#define TOKSTAT_STORE_ALERTS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alerts.h"
#include "buf.h"
#include "report.h"
#include "store.h"

enum store_alerts_change { STORE_ALERTS_ONGOING, STORE_ALERTS_NEW, STORE_ALERTS_WORSE };

/* What recording did with one finding (parallel to the findings array). */
struct store_alerts_outcome {
	int64_t id;                      /* the alert episode */
	enum store_alerts_change change;
	bool is_acked;                   /* acknowledged: silent, and left out of the exit status */
};

/*
 * Record the findings F of evaluating DAY, in one transaction on the writer: a finding
 * continues the active episode of its (rule, subject, unit) or starts one; it is new or worse
 * (enum store_alerts_change) when its severity is above what was last reported, or its value
 * beyond the reported one by WORSE_PCT percent (lower for rate-limit remaining). An
 * acknowledged episode stays silent unless its severity rises (which clears the
 * acknowledgement). Active episodes last seen on DAY or before and not found now are resolved.
 * OUT (F->n entries, the caller's) gets each finding's outcome; *RUN the run's id. Returns 0,
 * or -1 with ERR (nothing recorded; also for a store opened read-only).
 */
int store_alerts_record(struct store *st, int64_t day, const struct alerts_findings *f, double worse_pct,
			struct store_alerts_outcome *out, int64_t *run, struct buf *err);

/* Store the exit status STATUS of RUN. 0/-1 with ERR. */
int store_alerts_finish(struct store *st, int64_t run, int status, struct buf *err);

/* Which alerts a listing shows. */
enum store_alerts_select {
	STORE_ALERTS_SELECT_CHANGED, /* new or worse in the run, not acknowledged */
	STORE_ALERTS_SELECT_ACTIVE,  /* every active episode (acknowledged ones too) */
	STORE_ALERTS_SELECT_EVERY,   /* every episode, resolved ones too */
};

/*
 * Add the alerts SEL picks (RUN: for STORE_ALERTS_SELECT_CHANGED) to R as a table titled
 * TITLE, most severe first: id, severity, rule, subject, value, limit, period, since,
 * last_seen, status, detail. On the read-only connection. Returns 0, or -1 with ERR.
 */
int store_alerts_report(struct store *st, enum store_alerts_select sel, int64_t run, const char *title,
			struct report *r, struct buf *err);

/*
 * The JSON document of the alerts SEL picks: {"day", "status", "critical", "warning",
 * "alerts": [{id, severity, rule, subject_kind, subject, token_fp, value, limit, unit, period,
 * detail, first_seen, last_seen, worst_value, status, change}]}, built by SQLite's JSON
 * functions on the read-only connection. DAY_TEXT and STATUS_NAME ("CRITICAL") describe the
 * run. Appended to OUT. 0/-1 with ERR.
 */
int store_alerts_json(struct store *st, enum store_alerts_select sel, int64_t run, const char *day_text,
		      const char *status_name, int critical, int warning, struct buf *out, struct buf *err);

/*
 * The webhook's message: the active, unacknowledged alerts the webhook has not accepted yet,
 * or accepted with a lower severity or a value WORSE_PCT better: {"text": Slack-style lines
 * (& < > escaped), "alerts": [...]} into BODY, their ids into *IDS (the caller frees), *N.
 * *N = 0: nothing to send. On the read-only connection. Returns 0, or -1 with ERR.
 */
int store_alerts_pending(struct store *st, double worse_pct, const char *headline, struct buf *body, int64_t **ids,
			 size_t *n, struct buf *err);

/* The webhook accepted the alerts IDS[0..N): remember what it was told. 0/-1 with ERR. */
int store_alerts_mark_notified(struct store *st, const int64_t *ids, size_t n, struct buf *err);

/* Acknowledge active alert ID. Returns 1 done, 0 no active alert has that id, -1 error. */
int store_alerts_ack(struct store *st, int64_t id, struct buf *err);

#endif
