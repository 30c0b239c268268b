-- Migration 4: raw events by time (schema version 4).
-- Run by src/store_migrate.c after the migrations before it. Self-contained: it may be
-- renumbered when migrations are merged.
-- Serves every read of raw events over a time range, which would otherwise scan the whole
-- event table: `tokstat query timeline` (sql/queries/timeline.sql), the report's last 20
-- requests (sql/reports/recent.sql) and the alerts' raw-event pass (alerts_read_minutes in
-- src/alerts.c: the events of one day).
CREATE INDEX event_by_epoch ON event(epoch);
