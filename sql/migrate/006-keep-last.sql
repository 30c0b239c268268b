-- Migration 6: de-duplication keeps the largest line of a record (schema version 6).
-- Run by src/store_migrate.c after the migrations before it. Written by src/store_write.c (in
-- the same transaction as the events of each batch) and src/store_prune.c; read by the ingest
-- producer (src/store.c, store_seen) and sql/verify.sql.
-- A Claude Code message is written as several lines whose output count grows while it streams:
-- the event counted for a key is the one with the largest figures (output tokens, then total
-- tokens; a tie keeps the first). A later, larger line replaces it: the old event is deleted
-- and its aggregates taken back in the transaction that stores the new one.
-- event: the counted event's id (event.id), NULL once `tokstat prune` deleted it, and for the
-- keys of databases made before this migration (whose event is not known): such a key is a
-- duplicate for good, as before. output_tokens, total_tokens: that event's, NULL when it had none.

ALTER TABLE seen ADD COLUMN event INTEGER;
ALTER TABLE seen ADD COLUMN output_tokens INTEGER;
ALTER TABLE seen ADD COLUMN total_tokens INTEGER;
-- prune finds the keys of the events it deletes
CREATE INDEX seen_by_event ON seen(event) WHERE event IS NOT NULL;
