-- Migration 3: reserved. Other branches add migrations 3 and 4; the numbers are given when
-- they are merged, and this file then gives way to the one that takes its number. Run by
-- src/store_migrate.c in order like every migration: it changes nothing.
SELECT 1;
