-- Migration 8: 1-hour cache writes and service tiers, priced on their own (schema version 8).
-- Run by src/store_migrate.c after the migrations before it, and before sql/pricing.sql, which
-- then finds the price table in its new shape (on a new database this makes it). Written by
-- src/store_write.c (event, daily) and src/store.c (price); read by the views (sql/views.sql)
-- and sql/verify.sql. Self-contained: it may be renumbered when migrations are merged.
--
-- cache_write_1h_tokens: the part of cache_write_tokens written for 1 hour (Anthropic's
--   usage.cache_creation.ephemeral_1h_input_tokens), billed at its own rate. cache_write_tokens
--   still counts every cache write (5-minute and 1-hour), so totals stay comparable with older
--   databases and with ccusage. NULL when the log gave no split (all at the cache-write rate).
-- service_tier: a dict id, the tier the provider served as the log says it ('batch', 'flex',
--   'priority', 'default', 'standard'); NULL in event, 0 in daily, when the log names none.
--   It is part of the daily key, so each tier's tokens are priced at that tier's price.
-- price.tier: '' is the standard price; a tier's price (LiteLLM's *_batches, *_flex, *_priority)
--   applies to usage of that tier. price.cache_write_1h_per_mtok: the rate of 1-hour cache
--   writes (Anthropic: twice the input rate); NULL: the cache-write rate.

ALTER TABLE event ADD COLUMN cache_write_1h_tokens INTEGER;
ALTER TABLE event ADD COLUMN service_tier INTEGER;

-- A WITHOUT ROWID table takes a new key only as a copy. legacy_alter_table: the renames leave
-- the views as they are (they name the new tables again; views.sql is run after this file).
PRAGMA legacy_alter_table = ON;

ALTER TABLE daily RENAME TO daily_v7;
CREATE TABLE daily (
	day                INTEGER NOT NULL,   -- days since 1970-01-01 (UTC)
	token              INTEGER NOT NULL,   -- 0: none
	user               INTEGER NOT NULL,
	endpoint           INTEGER NOT NULL,
	model              INTEGER NOT NULL,
	provider           INTEGER NOT NULL,
	operation          INTEGER NOT NULL,
	project            INTEGER NOT NULL,
	requests           INTEGER NOT NULL,
	errors             INTEGER NOT NULL,
	input_tokens       INTEGER,
	output_tokens      INTEGER,
	cache_read_tokens  INTEGER,
	cache_write_tokens INTEGER,            -- every cache write, 1-hour ones included
	total_tokens       INTEGER,
	estimated          INTEGER NOT NULL DEFAULT 0,  -- requests whose tokens were estimated
	service_tier       INTEGER NOT NULL DEFAULT 0,  -- dict id; 0: none logged
	cache_write_1h_tokens INTEGER,         -- the part of cache_write_tokens written for 1 hour
	PRIMARY KEY (day, token, user, endpoint, model, provider, operation, project, service_tier)
) WITHOUT ROWID;
INSERT INTO daily(day, token, user, endpoint, model, provider, operation, project, requests, errors,
	input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, total_tokens, estimated)
SELECT day, token, user, endpoint, model, provider, operation, project, requests, errors,
	input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, total_tokens, estimated
FROM daily_v7;
DROP TABLE daily_v7;

-- The price table of sql/pricing.sql as it was, when this database has none yet.
CREATE TABLE IF NOT EXISTS price (
	provider             TEXT NOT NULL DEFAULT '',
	model                TEXT NOT NULL,
	effective_from       TEXT NOT NULL,
	input_per_mtok       REAL,
	output_per_mtok      REAL,
	cache_read_per_mtok  REAL,
	cache_write_per_mtok REAL,
	source               TEXT,
	PRIMARY KEY (provider, model, effective_from)
) WITHOUT ROWID;
ALTER TABLE price RENAME TO price_v7;
CREATE TABLE price (
	provider             TEXT NOT NULL DEFAULT '',  -- '' any provider; else only usage logged with it
	model                TEXT NOT NULL,             -- model id, or family prefix ending in '*'
	effective_from       TEXT NOT NULL CHECK (date(effective_from) IS effective_from),  -- YYYY-MM-DD, UTC
	input_per_mtok       REAL CHECK (input_per_mtok >= 0),        -- USD per 1M uncached input tokens
	output_per_mtok      REAL CHECK (output_per_mtok >= 0),
	cache_read_per_mtok  REAL CHECK (cache_read_per_mtok >= 0),   -- NULL: billed as input
	cache_write_per_mtok REAL CHECK (cache_write_per_mtok >= 0),  -- NULL: billed as input
	source               TEXT,                      -- 'seed: ...' or the file it was imported from
	cache_write_1h_per_mtok REAL CHECK (cache_write_1h_per_mtok >= 0),  -- NULL: billed as cache write
	tier                 TEXT NOT NULL DEFAULT '',  -- '' the standard price; else 'batch', 'flex', ...
	PRIMARY KEY (provider, model, tier, effective_from)
) WITHOUT ROWID;
INSERT INTO price(provider, model, effective_from, input_per_mtok, output_per_mtok, cache_read_per_mtok,
	cache_write_per_mtok, source)
SELECT provider, model, effective_from, input_per_mtok, output_per_mtok, cache_read_per_mtok,
	cache_write_per_mtok, source
FROM price_v7;
DROP TABLE price_v7;

PRAGMA legacy_alter_table = OFF;
