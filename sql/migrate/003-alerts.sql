-- Migration 3: the alert state of `tokstat alerts` (schema version 3).
-- Run by src/store_migrate.c after 002-file-tail.sql; read and written only by
-- src/store_alerts.c (what an evaluation found, since when, how bad at worst, what it last
-- printed and what the webhook last accepted). Everyone else reads the `alerts` view
-- (sql/views.sql). Self-contained: it may be renumbered when migrations are merged.
-- IF NOT EXISTS: a database that an earlier build of the alerts gave these tables (made on
-- first use, before they were a migration) takes this migration as it is.
-- Days are day numbers (days since 1970-01-01 UTC), times epoch seconds.

-- One row per episode of a condition: (rule, subject, unit) while it holds. When its last day
-- (or a later one) is evaluated without it, the episode ends (resolved); if it comes back,
-- that is a new row.
CREATE TABLE IF NOT EXISTS alert (
	id                INTEGER PRIMARY KEY,
	rule              TEXT NOT NULL,               -- daily_limit, monthly_limit, ...
	subject_kind      TEXT NOT NULL,               -- 'user' or 'credential'
	subject           TEXT NOT NULL,               -- the user, or the credential's masked form
	subject_fp        TEXT NOT NULL DEFAULT '',    -- credential: 12 hex digits of its fingerprint
	unit              TEXT NOT NULL,               -- tokens, usd, tokens/min, percent, remaining, responses
	severity          INTEGER NOT NULL,            -- latest finding: 1 warning, 2 critical
	value             REAL NOT NULL,               -- latest finding
	limit_value       REAL NOT NULL,
	period            TEXT NOT NULL,               -- latest finding: YYYY-MM-DD, YYYY-MM or a minute
	detail            TEXT,
	lower_is_worse    INTEGER NOT NULL DEFAULT 0,  -- rate-limit remaining: lower is worse
	is_hard           INTEGER NOT NULL DEFAULT 0,  -- latest finding reached a hard token limit
	first_seen        INTEGER NOT NULL,            -- day numbers
	last_seen         INTEGER NOT NULL,
	worst_severity    INTEGER NOT NULL,
	worst_value       REAL NOT NULL,
	reported_severity INTEGER NOT NULL,            -- what a run last printed as new or worse
	reported_value    REAL NOT NULL,
	change            TEXT NOT NULL,               -- 'new' or 'worse': why changed_run printed it
	changed_run       INTEGER NOT NULL,            -- alert_run.id
	seen_run          INTEGER NOT NULL,            -- the last run that found it
	notified_severity INTEGER,                     -- what the webhook last accepted; NULL: never
	notified_value    REAL,
	notified_at       INTEGER,
	acked_at          INTEGER,                     -- NULL: not acknowledged
	resolved          INTEGER                      -- first day evaluated without it; NULL: active
);
CREATE UNIQUE INDEX IF NOT EXISTS alert_active ON alert(rule, subject_kind, subject_fp, subject, unit)
	WHERE resolved IS NULL;

-- One row per evaluation: which day, when, and the exit status it gave.
CREATE TABLE IF NOT EXISTS alert_run (
	id       INTEGER PRIMARY KEY,
	day      INTEGER NOT NULL,
	at       INTEGER NOT NULL,
	findings INTEGER NOT NULL,
	status   INTEGER                                -- 0 OK, 1 WARNING, 2 CRITICAL; NULL while running
);
