-- Migration 8: reserved. Another branch adds migration 8; the number is given when it is
-- merged, and this file then gives way to the one that takes its number. Run by
-- src/store_migrate.c in order like every migration: it changes nothing.
SELECT 1;
