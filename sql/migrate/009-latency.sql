-- Migration 9: response times in the daily aggregates (schema version 9). Self-contained: it
-- may be renumbered when migrations are merged.
-- Run by src/store_migrate.c after the migrations before it. Written by src/store_write.c with
-- the other daily sums (summed per batch by src/batch.c); read by the report's latency section
-- (sql/reports/prepare.sql, latency.sql) and checked against the raw events by sql/verify.sql.
--
-- latency_n counts the group's events that logged a latency (event.latency_ms not NULL: an
-- event without one is not 0 ms and is not counted); latency_sum and latency_max are their sum
-- and largest value in ms, NULL while latency_n is 0. latency_bKK is a histogram of those
-- events in 20 log-spaced buckets, KK = 00..19: b00 holds latencies under 1 ms, bK (K = 1..18)
-- those from 2^(K-1) up to but excluding 2^K ms (b01 1 ms, b02 2-3 ms, b03 4-7 ms, ...,
-- b18 131072-262143 ms), b19 those of 2^18 ms (262.144 s) and more. A percentile is read from
-- the buckets, never from raw events. The bounds are restated in src/latency.c
-- (latency_bucket) and sql/verify.sql.
--
-- All of them NULL: not known. A day whose raw events were pruned (meta 'pruned_before')
-- before this migration ran cannot be rebuilt, and stays unknown even when later lines add to
-- it (NULL + n is NULL); every other existing row is rebuilt here from its raw events.

ALTER TABLE daily ADD COLUMN latency_n INTEGER;
ALTER TABLE daily ADD COLUMN latency_sum INTEGER;
ALTER TABLE daily ADD COLUMN latency_max INTEGER;
ALTER TABLE daily ADD COLUMN latency_b00 INTEGER;
ALTER TABLE daily ADD COLUMN latency_b01 INTEGER;
ALTER TABLE daily ADD COLUMN latency_b02 INTEGER;
ALTER TABLE daily ADD COLUMN latency_b03 INTEGER;
ALTER TABLE daily ADD COLUMN latency_b04 INTEGER;
ALTER TABLE daily ADD COLUMN latency_b05 INTEGER;
ALTER TABLE daily ADD COLUMN latency_b06 INTEGER;
ALTER TABLE daily ADD COLUMN latency_b07 INTEGER;
ALTER TABLE daily ADD COLUMN latency_b08 INTEGER;
ALTER TABLE daily ADD COLUMN latency_b09 INTEGER;
ALTER TABLE daily ADD COLUMN latency_b10 INTEGER;
ALTER TABLE daily ADD COLUMN latency_b11 INTEGER;
ALTER TABLE daily ADD COLUMN latency_b12 INTEGER;
ALTER TABLE daily ADD COLUMN latency_b13 INTEGER;
ALTER TABLE daily ADD COLUMN latency_b14 INTEGER;
ALTER TABLE daily ADD COLUMN latency_b15 INTEGER;
ALTER TABLE daily ADD COLUMN latency_b16 INTEGER;
ALTER TABLE daily ADD COLUMN latency_b17 INTEGER;
ALTER TABLE daily ADD COLUMN latency_b18 INTEGER;
ALTER TABLE daily ADD COLUMN latency_b19 INTEGER;

-- The raw events' latency figures per daily key (days by floor division, as timefmt_day).
CREATE TEMP TABLE latency_rebuild AS
SELECT (epoch - ((epoch % 86400) + 86400) % 86400) / 86400 AS day,
	coalesce(token, 0) AS token, coalesce(user, 0) AS user, coalesce(endpoint, 0) AS endpoint,
	coalesce(model, 0) AS model, coalesce(provider, 0) AS provider,
	coalesce(operation, 0) AS operation, coalesce(project, 0) AS project,
	coalesce(service_tier, 0) AS service_tier,
	count(latency_ms) AS n, sum(latency_ms) AS total, max(latency_ms) AS top,
	sum(latency_ms < 1) AS b00,
	sum(latency_ms >= 1 AND latency_ms < 2) AS b01,
	sum(latency_ms >= 2 AND latency_ms < 4) AS b02,
	sum(latency_ms >= 4 AND latency_ms < 8) AS b03,
	sum(latency_ms >= 8 AND latency_ms < 16) AS b04,
	sum(latency_ms >= 16 AND latency_ms < 32) AS b05,
	sum(latency_ms >= 32 AND latency_ms < 64) AS b06,
	sum(latency_ms >= 64 AND latency_ms < 128) AS b07,
	sum(latency_ms >= 128 AND latency_ms < 256) AS b08,
	sum(latency_ms >= 256 AND latency_ms < 512) AS b09,
	sum(latency_ms >= 512 AND latency_ms < 1024) AS b10,
	sum(latency_ms >= 1024 AND latency_ms < 2048) AS b11,
	sum(latency_ms >= 2048 AND latency_ms < 4096) AS b12,
	sum(latency_ms >= 4096 AND latency_ms < 8192) AS b13,
	sum(latency_ms >= 8192 AND latency_ms < 16384) AS b14,
	sum(latency_ms >= 16384 AND latency_ms < 32768) AS b15,
	sum(latency_ms >= 32768 AND latency_ms < 65536) AS b16,
	sum(latency_ms >= 65536 AND latency_ms < 131072) AS b17,
	sum(latency_ms >= 131072 AND latency_ms < 262144) AS b18,
	sum(latency_ms >= 262144) AS b19
FROM event WHERE latency_ms IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9;
CREATE UNIQUE INDEX temp.latency_rebuild_key
	ON latency_rebuild(day, token, user, endpoint, model, provider, operation, project, service_tier);

UPDATE daily SET latency_n = 0;
UPDATE daily SET latency_n = r.n, latency_sum = r.total, latency_max = r.top,
	latency_b00 = coalesce(r.b00, 0),
	latency_b01 = coalesce(r.b01, 0),
	latency_b02 = coalesce(r.b02, 0),
	latency_b03 = coalesce(r.b03, 0),
	latency_b04 = coalesce(r.b04, 0),
	latency_b05 = coalesce(r.b05, 0),
	latency_b06 = coalesce(r.b06, 0),
	latency_b07 = coalesce(r.b07, 0),
	latency_b08 = coalesce(r.b08, 0),
	latency_b09 = coalesce(r.b09, 0),
	latency_b10 = coalesce(r.b10, 0),
	latency_b11 = coalesce(r.b11, 0),
	latency_b12 = coalesce(r.b12, 0),
	latency_b13 = coalesce(r.b13, 0),
	latency_b14 = coalesce(r.b14, 0),
	latency_b15 = coalesce(r.b15, 0),
	latency_b16 = coalesce(r.b16, 0),
	latency_b17 = coalesce(r.b17, 0),
	latency_b18 = coalesce(r.b18, 0),
	latency_b19 = coalesce(r.b19, 0)
FROM temp.latency_rebuild r
WHERE r.day = daily.day AND r.token = daily.token AND r.user = daily.user AND r.endpoint = daily.endpoint
	AND r.model = daily.model AND r.provider = daily.provider AND r.operation = daily.operation
	AND r.project = daily.project AND r.service_tier = daily.service_tier;
UPDATE daily SET latency_b00 = 0, latency_b01 = 0, latency_b02 = 0, latency_b03 = 0, latency_b04 = 0, latency_b05 = 0, latency_b06 = 0, latency_b07 = 0, latency_b08 = 0, latency_b09 = 0, latency_b10 = 0, latency_b11 = 0, latency_b12 = 0, latency_b13 = 0, latency_b14 = 0, latency_b15 = 0, latency_b16 = 0, latency_b17 = 0, latency_b18 = 0, latency_b19 = 0
WHERE latency_n = 0;
UPDATE daily SET latency_n = NULL, latency_b00 = NULL, latency_b01 = NULL, latency_b02 = NULL, latency_b03 = NULL, latency_b04 = NULL, latency_b05 = NULL, latency_b06 = NULL, latency_b07 = NULL, latency_b08 = NULL, latency_b09 = NULL, latency_b10 = NULL, latency_b11 = NULL, latency_b12 = NULL, latency_b13 = NULL, latency_b14 = NULL, latency_b15 = NULL, latency_b16 = NULL, latency_b17 = NULL, latency_b18 = NULL, latency_b19 = NULL
WHERE day < coalesce((SELECT value FROM meta WHERE key = 'pruned_before'), 0);
DROP TABLE temp.latency_rebuild;
