-- Migration 5: a file that failed --max-reject-rate keeps its failure (schema version 5).
-- Run by src/store_migrate.c after the earlier files of sql/migrate/; written by
-- src/store_write.c with a file's checkpoint, read by src/store.c (the file lookups of
-- ingest, which report the failure again) and by the files view (sql/views.sql).
-- The failure stays until a later run reads new lines of the file within its limit.

ALTER TABLE file ADD COLUMN failure TEXT;       -- what failed, in words; NULL: nothing failed
ALTER TABLE file ADD COLUMN failure_rate REAL;  -- percent of the lines read then that were rejected
ALTER TABLE file ADD COLUMN failed_at INTEGER;  -- epoch seconds
