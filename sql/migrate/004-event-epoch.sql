-- Migration 4: raw events by time (schema version 4).
-- Run by src/store_migrate.c after the migrations before it. Self-contained: it may be
-- renumbered when migrations are merged.
-- Serves every read of raw events over a time range, which would otherwise scan the whole
-- event table: `tokstat query timeline` (sql/queries/timeline.sql), the report's last 20
-- requests (sql/reports/recent.sql) and the alerts' raw-event pass (alerts_read_minutes in
-- src/alerts.c: the events of one day).
-- IF NOT EXISTS: an index of this name made by hand (README's speed notes suggested one) is
-- the same index, and is kept.
CREATE INDEX IF NOT EXISTS event_by_epoch ON event(epoch);
