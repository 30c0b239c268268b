-- Migration 6: reserved. Other branches add migrations 5 and 6; the numbers are given when
-- they are merged, and this file then gives way to the one that takes its number. Run by
-- src/store_migrate.c in order like every migration: it changes nothing.
SELECT 1;
