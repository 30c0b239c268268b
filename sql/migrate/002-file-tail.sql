-- Migration 2: a second check of a file's identity (schema version 2).
-- Run by src/store_migrate.c after 001-base.sql; read by the store's file lookups (fileid).
-- tail_hash is the BLAKE2b of the up to 4096 bytes of content (STORE_TAIL_BYTES in
-- include/store.h) that end at tail_offset, a line boundary an earlier run read. A file whose
-- first bytes match but whose content there differs is another file.

ALTER TABLE file ADD COLUMN tail_offset INTEGER;
ALTER TABLE file ADD COLUMN tail_hash TEXT;
