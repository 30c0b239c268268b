-- Migration 4: reserved, as 003-reserved.sql (the numbers are given when branches are
-- merged). Run by src/store_migrate.c in order like every migration: it changes nothing.
SELECT 1;
