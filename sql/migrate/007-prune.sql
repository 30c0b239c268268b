-- Migration 7: what `tokstat prune` removed (schema version 7). Self-contained: it may be
-- renumbered when migrations are merged.
-- Run by src/store_migrate.c after the migrations before it. Written by src/store_prune.c in
-- the same transaction as each batch of raw events it deletes; read by sql/verify.sql, which
-- checks a file's events against its stored raw events plus the ones pruned.
-- The day before which raw events were pruned is meta 'pruned_before' (a day number, days since
-- 1970-01-01 UTC): verify compares aggregates with raw events only from that day on.

ALTER TABLE file ADD COLUMN pruned INTEGER NOT NULL DEFAULT 0; -- raw events of the file pruned
