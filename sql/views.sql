-- tokstat's query surface: the stable views that reports, alerts, `tokstat query` and any
-- SQLite client read. Recreated by src/store_migrate.c when this file changed (its hash is in
-- meta), so they follow the tables; a read-only open uses them from its temp schema instead.
-- Plain SQL only: no tokstat-only functions, so `sqlite3 tokstat.db` can read them.

-- ---- cost (owned by the pricing issue; see sql/pricing.sql for the price table and the rule) ----
-- A price key K matches usage model M when M = K, M = K-latest, M = K then '-' or '@' and three
-- or more digits (a dated release), or K ends in '*' and M starts with the rest of K. Among the
-- matches: a tier's own rows first (for usage of that tier), then provider-specific rows, then the
-- longest K, then an exact K over a family.
-- Each model is resolved once here, against the dictionary (index range on dict.value per key),
-- so the per-row cost is one equality join, not a scan of the prices per aggregate row.

DROP VIEW IF EXISTS prices;
CREATE VIEW prices AS
SELECT nullif(provider, '') AS provider, model, effective_from,
	lead(effective_from) OVER (PARTITION BY provider, model, tier ORDER BY effective_from) AS effective_until,
	input_per_mtok, output_per_mtok, cache_read_per_mtok, cache_write_per_mtok, source,
	nullif(tier, '') AS tier,  -- NULL: the standard price
	cache_write_1h_per_mtok    -- NULL: 1-hour cache writes at cache_write_per_mtok
FROM price;

-- Every dictionary value that a price key matches (dict holds all model names), with its rank.
DROP VIEW IF EXISTS price_match;
CREATE VIEW price_match AS
SELECT d.id AS model_id, d.value AS model, k.provider AS provider, k.model AS price_model,
	(k.provider <> '') * 1000000 + 2 * length(k.stem) + (NOT k.is_family) AS rank
FROM (SELECT DISTINCT provider, model, substr(model, -1) = '*' AS is_family,
	     CASE WHEN substr(model, -1) = '*' THEN substr(model, 1, length(model) - 1) ELSE model END AS stem
      FROM price) k
JOIN dict d ON d.value >= k.stem AND d.value <= k.stem || char(1114111)
WHERE k.is_family OR d.value = k.stem OR d.value = k.stem || '-latest'
   OR substr(d.value, length(k.stem) + 1, 4) GLOB '[-@][0-9][0-9][0-9]';

-- Dictionary ids of the providers some price row is specific to.
DROP VIEW IF EXISTS priced_provider;
CREATE VIEW priced_provider AS
SELECT id, value FROM dict WHERE value IN (SELECT provider FROM price WHERE provider <> '');

-- Dictionary ids of the service tiers some price row is for (batch, flex, priority, ...).
DROP VIEW IF EXISTS priced_tier;
CREATE VIEW priced_tier AS
SELECT id, value FROM dict WHERE value IN (SELECT tier FROM price WHERE tier <> '');

-- The tier names that mean the standard price: what OpenAI ("default", "auto") and Anthropic
-- ("standard") report for usage billed at list price. Any other tier a log names and the price
-- table lacks is priced at the standard price and listed by `tokstat pricing missing`.
DROP VIEW IF EXISTS standard_tier;
CREATE VIEW standard_tier AS
SELECT id, value FROM dict WHERE value IN ('default', 'standard', 'auto');

-- The price of each (model id, provider id, tier id) as non-overlapping day ranges
-- [from_day, to_day): provider_id is 0 (any provider) or a priced_provider id, tier_id 0 (the
-- standard price) or a priced_tier id, whose ranges hold the tier's own price where one is in
-- force and the standard price elsewhere (price_tier says which). Day numbers count from
-- 1970-01-01. Cache rates fall back to the input rate when a price has none (no discount
-- known); the 1-hour cache-write rate to the cache-write rate.
DROP VIEW IF EXISTS model_price_periods;
CREATE VIEW model_price_periods AS
WITH period AS (
	SELECT provider, model, tier, effective_from,
		CAST(julianday(effective_from) - 2440587.5 AS INTEGER) AS from_day,
		coalesce(CAST(julianday(lead(effective_from) OVER (PARTITION BY provider, model, tier
			ORDER BY effective_from)) - 2440587.5 AS INTEGER), 1000000000) AS to_day,
		input_per_mtok, output_per_mtok, cache_read_per_mtok, cache_write_per_mtok,
		cache_write_1h_per_mtok
	FROM price),
-- The usage keys: (provider 0 or a priced provider) x (tier 0 or a priced tier).
usage_key AS (
	SELECT 0 AS provider_id, '' AS provider, 0 AS tier_id, '' AS tier
	UNION ALL SELECT id, value, 0, '' FROM priced_provider
	UNION ALL SELECT 0, '', id, value FROM priced_tier
	UNION ALL SELECT pp.id, pp.value, pt.id, pt.value FROM priced_provider pp, priced_tier pt),
-- A tier's own price ranks above every standard one (3000000 > any provider rank + length).
cand AS (
	SELECT m.model_id, u.provider_id, u.tier_id, m.rank + (p.tier <> '') * 3000000 AS rank, p.*
	FROM usage_key u JOIN price_match m ON m.provider IN ('', u.provider)
	JOIN period p ON p.provider = m.provider AND p.model = m.price_model AND p.tier IN ('', u.tier)),
-- For each boundary (a candidate's from_day) the candidate in force there with the best rank.
-- Duplicate boundaries give empty ranges [d, d). Written with row_number(), not GROUP BY or
-- DISTINCT: SQLite caps its row estimate of those so low that it scans this view per aggregate
-- row instead of building an automatic index (3x slower over a year of aggregates).
pick AS (
	SELECT b.model_id, b.provider_id, b.tier_id, b.from_day AS at_day, c.provider, c.model, c.tier,
		c.effective_from, c.input_per_mtok, c.output_per_mtok, c.cache_read_per_mtok,
		c.cache_write_per_mtok, c.cache_write_1h_per_mtok,
		row_number() OVER (PARTITION BY b.model_id, b.provider_id, b.tier_id, b.provider, b.model,
			b.tier, b.from_day ORDER BY c.rank DESC) AS rn
	FROM cand b JOIN cand c ON c.model_id = b.model_id AND c.provider_id = b.provider_id
		AND c.tier_id = b.tier_id AND c.from_day <= b.from_day AND b.from_day < c.to_day)
SELECT model_id, provider_id, tier_id, at_day AS from_day,
	coalesce(lead(at_day) OVER (PARTITION BY model_id, provider_id, tier_id ORDER BY at_day), 1000000000) AS to_day,
	provider AS price_provider, model AS price_model, tier AS price_tier, effective_from,
	input_per_mtok, output_per_mtok,
	coalesce(cache_read_per_mtok, input_per_mtok) AS cache_read_per_mtok,
	coalesce(cache_write_per_mtok, input_per_mtok) AS cache_write_per_mtok,
	coalesce(cache_write_1h_per_mtok, cache_write_per_mtok, input_per_mtok) AS cache_write_1h_per_mtok
FROM pick WHERE rn = 1;

-- The daily aggregates with the price in force on their day and their cost in USD.
-- cost_usd is NULL (never 0) when no price is in force, when the price lacks the rate of a
-- logged token kind, or when only total_tokens was logged (kinds unknown).
-- tokens: the row's total, or the sum of its kinds when that is larger (or no total was logged).
-- unpriced_tokens, unpriced_requests: the row's tokens and requests when it has tokens but no
-- cost, else 0. This is the one definition of "unpriced": every view, summary and the cost
-- report sum these columns; cost_usd sums leave those rows out.
-- cache_write_tokens counts every cache write: its 1-hour part (cache_write_1h_tokens) is billed
-- at the 1-hour rate, the rest at the cache-write rate.
-- standard_for_tier: 1 when the row's tier (not a standard one) has no price of its own in
-- force, so the standard price was used; `tokstat pricing missing` lists those rows.
-- Keep the cost expression in step with the one in the events view.
DROP VIEW IF EXISTS daily_cost;
CREATE VIEW daily_cost AS
SELECT c.*,
	CASE WHEN c.cost_usd IS NULL AND c.tokens > 0 THEN c.tokens ELSE 0 END AS unpriced_tokens,
	CASE WHEN c.cost_usd IS NULL AND c.tokens > 0 THEN c.requests ELSE 0 END AS unpriced_requests
FROM (SELECT a.*, nullif(mp.price_provider, '') AS price_provider, mp.price_model,
	CASE WHEN a.service_tier <> 0 AND mp.model_id IS NOT NULL AND mp.price_tier = ''
	      AND a.service_tier NOT IN (SELECT id FROM standard_tier) THEN 1 ELSE 0 END AS standard_for_tier,
	max(coalesce(a.total_tokens, 0), coalesce(a.input_tokens, 0) + coalesce(a.output_tokens, 0)
		+ coalesce(a.cache_read_tokens, 0) + coalesce(a.cache_write_tokens, 0)) AS tokens,
	CASE WHEN coalesce(a.input_tokens, a.output_tokens, a.cache_read_tokens, a.cache_write_tokens) IS NULL
	     THEN NULL
	     ELSE (CASE WHEN a.input_tokens > 0 THEN a.input_tokens * mp.input_per_mtok ELSE 0 END
		 + CASE WHEN a.output_tokens > 0 THEN a.output_tokens * mp.output_per_mtok ELSE 0 END
		 + CASE WHEN a.cache_read_tokens > 0 THEN a.cache_read_tokens * mp.cache_read_per_mtok ELSE 0 END
		 + CASE WHEN a.cache_write_tokens > 0
			THEN (a.cache_write_tokens - coalesce(a.cache_write_1h_tokens, 0)) * mp.cache_write_per_mtok
			   + coalesce(a.cache_write_1h_tokens, 0) * mp.cache_write_1h_per_mtok ELSE 0 END
		 ) / 1e6 + (CASE WHEN mp.model_id IS NULL THEN NULL ELSE 0 END)
	END AS cost_usd
FROM daily a
LEFT JOIN model_price_periods mp ON mp.model_id = a.model
	AND mp.provider_id = CASE WHEN a.provider IN (SELECT id FROM priced_provider) THEN a.provider ELSE 0 END
	AND mp.tier_id = CASE WHEN a.service_tier IN (SELECT id FROM priced_tier) THEN a.service_tier ELSE 0 END
	AND a.day >= mp.from_day AND a.day < mp.to_day) c;

-- The first and last day with usage (day numbers and dates; NULL when there is none): cheap,
-- one step down the primary key each. Two subqueries, not min(day), max(day) in one SELECT:
-- SQLite answers a lone min() or max() from the index, but both together scan every daily
-- row (0.2 s for a year of 10,000 users). Read by sql/reports/ (period, cost, summary_days)
-- and sql/queries/new-credentials.sql.
DROP VIEW IF EXISTS usage_span;
CREATE VIEW usage_span AS
SELECT first_day, last_day, date(first_day * 86400, 'unixepoch') AS first_date,
	date(last_day * 86400, 'unixepoch') AS last_date
FROM (SELECT (SELECT min(day) FROM daily) AS first_day, (SELECT max(day) FROM daily) AS last_day);
-- ---- end of cost helpers ----

DROP VIEW IF EXISTS events;
CREATE VIEW events AS
SELECT
	strftime('%Y-%m-%dT%H:%M:%SZ', e.epoch, 'unixepoch') AS ts,
	e.epoch                                              AS epoch,
	date(e.epoch, 'unixepoch')                           AS day,
	c.display                                            AS token,
	substr(c.fingerprint, 1, 12)                         AS token_fp,
	du.value AS user,
	de.value AS endpoint,
	dm.value AS method,
	e.status AS status,
	dmo.value AS model,
	dp.value AS provider,
	dop.value AS operation,
	dpr.value AS project,
	ds.value AS session,
	e.request_id AS request_id,
	e.input_tokens, e.output_tokens, e.cache_read_tokens, e.cache_write_tokens,
	e.total_tokens,
	e.latency_ms, e.bytes,
	e.rl_remaining, e.rl_limit, e.rl_reset,
	e.error AS error,
	e.failed AS failed,
	coalesce(e.estimated, 0) AS estimated,
	f.name AS file,
	-- event id = file id << 40 | line: the 40 is STORE_LINE_BITS in include/store.h
	e.id & 1099511627775 AS line,  -- (1 << 40) - 1
	-- cost: as in daily_cost, with the price in force on the event's day (epochs are >= 0)
	CASE WHEN coalesce(e.input_tokens, e.output_tokens, e.cache_read_tokens, e.cache_write_tokens) IS NULL
	     THEN NULL
	     ELSE (CASE WHEN e.input_tokens > 0 THEN e.input_tokens * mp.input_per_mtok ELSE 0 END
		 + CASE WHEN e.output_tokens > 0 THEN e.output_tokens * mp.output_per_mtok ELSE 0 END
		 + CASE WHEN e.cache_read_tokens > 0 THEN e.cache_read_tokens * mp.cache_read_per_mtok ELSE 0 END
		 + CASE WHEN e.cache_write_tokens > 0
			THEN (e.cache_write_tokens - coalesce(e.cache_write_1h_tokens, 0)) * mp.cache_write_per_mtok
			   + coalesce(e.cache_write_1h_tokens, 0) * mp.cache_write_1h_per_mtok ELSE 0 END
		 ) / 1e6 + (CASE WHEN mp.model_id IS NULL THEN NULL ELSE 0 END)
	END AS cost_usd,
	e.cache_write_1h_tokens,  -- the part of cache_write_tokens written for 1 hour
	dst.value AS service_tier -- as the log said it: batch, flex, priority, default, ...
FROM event e
LEFT JOIN credential c ON c.id = e.token
LEFT JOIN dict du  ON du.id  = e.user
LEFT JOIN dict de  ON de.id  = e.endpoint
LEFT JOIN dict dm  ON dm.id  = e.method
LEFT JOIN dict dmo ON dmo.id = e.model
LEFT JOIN dict dp  ON dp.id  = e.provider
LEFT JOIN dict dop ON dop.id = e.operation
LEFT JOIN dict dpr ON dpr.id = e.project
LEFT JOIN dict ds  ON ds.id  = e.session
LEFT JOIN dict dst ON dst.id = e.service_tier
LEFT JOIN file f   ON f.id   = e.id >> 40  -- STORE_LINE_BITS, as above
LEFT JOIN model_price_periods mp ON mp.model_id = e.model  -- cost
	AND mp.provider_id = CASE WHEN e.provider IN (SELECT id FROM priced_provider) THEN e.provider ELSE 0 END
	AND mp.tier_id = CASE WHEN e.service_tier IN (SELECT id FROM priced_tier) THEN e.service_tier ELSE 0 END
	AND e.epoch / 86400 >= mp.from_day AND e.epoch / 86400 < mp.to_day;

DROP VIEW IF EXISTS daily_usage;
CREATE VIEW daily_usage AS
SELECT
	date(a.day * 86400, 'unixepoch') AS day,
	c.display AS token,
	substr(c.fingerprint, 1, 12) AS token_fp,
	du.value AS user,
	de.value AS endpoint,
	dmo.value AS model,
	dp.value AS provider,
	dop.value AS operation,
	dpr.value AS project,
	a.requests, a.errors,
	a.input_tokens, a.output_tokens, a.cache_read_tokens, a.cache_write_tokens,
	a.total_tokens,
	a.estimated AS estimated_requests,
	a.cost_usd AS cost_usd,  -- cost: daily_cost is daily plus the cost columns
	a.day AS day_number,     -- days since 1970-01-01: a range on it reads the aggregates' key
	a.unpriced_tokens AS unpriced_tokens, -- tokens without a cost (daily_cost says when)
	a.cache_write_1h_tokens,  -- the part of cache_write_tokens written for 1 hour
	dst.value AS service_tier, -- as the log said it; NULL: none logged
	-- latency (sql/migrate/009-latency.sql): events that logged one, their sum and maximum in ms
	a.latency_n AS latency_requests, a.latency_sum AS latency_ms_sum, a.latency_max AS latency_ms_max
FROM daily_cost a
LEFT JOIN credential c ON c.id = a.token
LEFT JOIN dict du  ON du.id  = a.user
LEFT JOIN dict de  ON de.id  = a.endpoint
LEFT JOIN dict dmo ON dmo.id = a.model
LEFT JOIN dict dp  ON dp.id  = a.provider
LEFT JOIN dict dop ON dop.id = a.operation
LEFT JOIN dict dpr ON dpr.id = a.project
LEFT JOIN dict dst ON dst.id = a.service_tier;

DROP VIEW IF EXISTS hourly_usage;
CREATE VIEW hourly_usage AS
SELECT
	strftime('%Y-%m-%dT%H', a.hour * 3600, 'unixepoch') AS hour,
	c.display AS token,
	substr(c.fingerprint, 1, 12) AS token_fp,
	du.value AS user,
	dmo.value AS model,
	a.requests, a.errors,
	a.input_tokens, a.output_tokens, a.cache_read_tokens, a.cache_write_tokens,
	a.total_tokens
FROM hourly a
LEFT JOIN credential c ON c.id = a.token
LEFT JOIN dict du  ON du.id  = a.user
LEFT JOIN dict dmo ON dmo.id = a.model;

-- status, now (the time of the query): 'invalid' when the latest response is a 401;
-- 'rate_limited' when the latest rate-limit reading says 0 remaining, or a 429 came at or
-- after that reading (or is the latest response when no reading exists), and in either case
-- only until the reading's reset time (rl_reset, epoch) has passed: then the limit's window
-- has begun again and the credential is 'active'. A reset before the 429 says nothing about
-- it (the 429 holds); no reset time known: it holds.
-- rl_holds: does the latest reading still hold now (1: its reset is later, or not known; 0:
-- its reset has passed; NULL: no reading)? The one place of that rule: the report's badges
-- (sql/reports/credentials.sql) read these columns, and alerts (credential_reading_holds in
-- src/credential.c, for the readings of a day) restate it.
DROP VIEW IF EXISTS credentials;
CREATE VIEW credentials AS
SELECT
	c.display AS token,
	substr(c.fingerprint, 1, 12) AS token_fp,
	strftime('%Y-%m-%dT%H:%M:%SZ', c.first_seen, 'unixepoch') AS first_seen,
	strftime('%Y-%m-%dT%H:%M:%SZ', c.last_seen, 'unixepoch') AS last_seen,
	c.requests, c.errors,
	CASE
		WHEN c.last_status = 401 THEN 'invalid'
		WHEN c.rl_remaining = 0 AND (c.rl_reset IS NULL OR c.rl_reset > n.now) THEN 'rate_limited'
		WHEN c.last_429_at IS NOT NULL AND (c.rl_at IS NULL OR c.last_429_at >= c.rl_at)
		     AND (c.rl_at IS NOT NULL OR c.last_status = 429)
		     AND (c.rl_reset IS NULL OR c.rl_reset < c.last_429_at OR c.rl_reset > n.now) THEN 'rate_limited'
		ELSE 'active'
	END AS status,
	c.rl_remaining, c.rl_limit, c.rl_reset,
	CASE WHEN c.rl_at IS NULL THEN NULL WHEN c.rl_reset IS NULL OR c.rl_reset > n.now THEN 1 ELSE 0 END AS rl_holds
FROM credential c, (SELECT CAST(strftime('%s', 'now') AS INTEGER) AS now) n;

DROP VIEW IF EXISTS files;
CREATE VIEW files AS
SELECT
	name AS file, fingerprint, format, bytes, lines, events, rejected, skipped, duplicates,
	strftime('%Y-%m-%dT%H:%M:%SZ', last_ingested, 'unixepoch') AS last_ingested,
	-- a --max-reject-rate failure, kept until a run reads new lines within the limit
	failure, failure_rate, strftime('%Y-%m-%dT%H:%M:%SZ', failed_at, 'unixepoch') AS failed_at
FROM file;

DROP VIEW IF EXISTS rejects;
CREATE VIEW rejects AS
SELECT f.name AS file, r.line, r.reason, r.text
FROM reject r JOIN file f ON f.id = r.file;

-- Every alert episode of `tokstat alerts` (tables: sql/migrate/003-alerts.sql, written by
-- src/store_alerts.c); read by `tokstat query`, the report's alerts section
-- (sql/reports/alerts.sql) and the alerts e2e tests. status: active, acked or resolved;
-- first_seen, last_seen: the first and last day (UTC) the condition was found; resolved: the
-- first day evaluated without it. No order: ORDER BY what you need.
DROP VIEW IF EXISTS alerts;
CREATE VIEW alerts AS
SELECT
	id,
	CASE WHEN resolved IS NOT NULL THEN 'resolved' WHEN acked_at IS NOT NULL THEN 'acked'
	     ELSE 'active' END AS status,
	CASE severity WHEN 2 THEN 'critical' ELSE 'warning' END AS severity,
	rule, subject_kind, subject,
	nullif(subject_fp, '') AS token_fp,
	value, limit_value, unit, period, detail,
	date(first_seen * 86400, 'unixepoch') AS first_seen,
	date(last_seen * 86400, 'unixepoch') AS last_seen,
	CASE worst_severity WHEN 2 THEN 'critical' ELSE 'warning' END AS worst_severity,
	worst_value,
	strftime('%Y-%m-%dT%H:%M:%SZ', acked_at, 'unixepoch') AS acked_at,
	date(resolved * 86400, 'unixepoch') AS resolved,
	strftime('%Y-%m-%dT%H:%M:%SZ', notified_at, 'unixepoch') AS notified_at
FROM alert;

-- ---- cost reports (owned by the pricing issue; read by src/pricing.c, `tokstat cost`) ----
-- unpriced_*: sums of daily_cost's unpriced_* columns (rows with tokens whose cost_usd is NULL);
-- those rows are left out of every cost_usd sum.

DROP VIEW IF EXISTS cost_daily;
CREATE VIEW cost_daily AS
SELECT date(day * 86400, 'unixepoch') AS day, day AS day_number,
	sum(requests) AS requests, sum(errors) AS errors,
	sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
	sum(cache_read_tokens) AS cache_read_tokens, sum(cache_write_tokens) AS cache_write_tokens,
	sum(total_tokens) AS total_tokens,
	sum(cost_usd) AS cost_usd,
	sum(unpriced_requests) AS unpriced_requests, sum(unpriced_tokens) AS unpriced_tokens
FROM daily_cost
GROUP BY day;

-- Per month: month to date, the daily average over the days from the month's first day (or the
-- first day the database has) to its last day with data, and the month end projected from it.
DROP VIEW IF EXISTS cost_month;
CREATE VIEW cost_month AS
WITH m AS (
	SELECT substr(day, 1, 7) AS month, max(day_number) AS last_day,
		sum(requests) AS requests, sum(cost_usd) AS cost_usd,
		sum(unpriced_requests) AS unpriced_requests, sum(unpriced_tokens) AS unpriced_tokens
	FROM cost_daily GROUP BY 1),
b AS (
	SELECT m.*,
		max(CAST(julianday(month || '-01') - 2440587.5 AS INTEGER), (SELECT min(day) FROM daily)) AS first_day,
		CAST(julianday(month || '-01', '+1 month') - 2440587.5 AS INTEGER) AS next_month
	FROM m)
SELECT month,
	date(first_day * 86400, 'unixepoch') AS from_day, date(last_day * 86400, 'unixepoch') AS to_day,
	last_day - first_day + 1 AS days,
	requests, cost_usd AS month_to_date_usd,
	cost_usd / (last_day - first_day + 1) AS daily_average_usd,
	cost_usd + cost_usd / (last_day - first_day + 1) * (next_month - 1 - last_day) AS projected_usd,
	1000.0 * cost_usd / nullif(requests, 0) AS cost_per_1k_requests,
	unpriced_requests, unpriced_tokens
FROM b;

-- For each day with data: the cost of the 7 days ending that day, of the 7 before, the change.
-- NULL (not 0) where no priced usage falls in the 7 days.
DROP VIEW IF EXISTS cost_week_over_week;
CREATE VIEW cost_week_over_week AS
SELECT day, last_7d_usd, previous_7d_usd,
	100.0 * (last_7d_usd - previous_7d_usd) / nullif(previous_7d_usd, 0) AS change_pct
FROM (SELECT day,
	sum(cost_usd) OVER (ORDER BY day_number RANGE BETWEEN 6 PRECEDING AND CURRENT ROW) AS last_7d_usd,
	sum(cost_usd) OVER (ORDER BY day_number RANGE BETWEEN 13 PRECEDING AND 7 PRECEDING) AS previous_7d_usd
      FROM cost_daily);

-- Per month and model / credential / user / endpoint. Summed per day first, so the month
-- (a string function) is computed once per day and group, not per aggregate row.
DROP VIEW IF EXISTS cost_by_model;
CREATE VIEW cost_by_model AS
SELECT strftime('%Y-%m', g.day * 86400, 'unixepoch') AS month, dm.value AS model, dp.value AS provider,
	sum(g.requests) AS requests, sum(g.input_tokens) AS input_tokens, sum(g.output_tokens) AS output_tokens,
	sum(g.cache_read_tokens) AS cache_read_tokens, sum(g.cache_write_tokens) AS cache_write_tokens,
	sum(g.tokens) AS tokens, sum(g.cost_usd) AS cost_usd,
	1000.0 * sum(g.cost_usd) / nullif(sum(g.requests), 0) AS cost_per_1k_requests,
	sum(g.unpriced_tokens) AS unpriced_tokens
FROM (SELECT day, model, provider, sum(requests) AS requests, sum(input_tokens) AS input_tokens,
	sum(output_tokens) AS output_tokens, sum(cache_read_tokens) AS cache_read_tokens,
	sum(cache_write_tokens) AS cache_write_tokens,
	sum(tokens) AS tokens, sum(cost_usd) AS cost_usd, sum(unpriced_tokens) AS unpriced_tokens
      FROM daily_cost GROUP BY day, model, provider) g
LEFT JOIN dict dm ON dm.id = g.model
LEFT JOIN dict dp ON dp.id = g.provider
GROUP BY 1, g.model, g.provider;

DROP VIEW IF EXISTS cost_by_credential;
CREATE VIEW cost_by_credential AS
SELECT strftime('%Y-%m', g.day * 86400, 'unixepoch') AS month, c.display AS token,
	substr(c.fingerprint, 1, 12) AS token_fp,
	sum(g.requests) AS requests, sum(g.cost_usd) AS cost_usd,
	1000.0 * sum(g.cost_usd) / nullif(sum(g.requests), 0) AS cost_per_1k_requests,
	sum(g.unpriced_requests) AS unpriced_requests
FROM (SELECT day, token, sum(requests) AS requests, sum(cost_usd) AS cost_usd,
	sum(unpriced_requests) AS unpriced_requests
      FROM daily_cost GROUP BY day, token) g
LEFT JOIN credential c ON c.id = g.token
GROUP BY 1, g.token;

DROP VIEW IF EXISTS cost_by_user;
CREATE VIEW cost_by_user AS
SELECT strftime('%Y-%m', g.day * 86400, 'unixepoch') AS month, du.value AS user,
	sum(g.requests) AS requests, sum(g.cost_usd) AS cost_usd,
	1000.0 * sum(g.cost_usd) / nullif(sum(g.requests), 0) AS cost_per_1k_requests,
	sum(g.unpriced_requests) AS unpriced_requests
FROM (SELECT day, user, sum(requests) AS requests, sum(cost_usd) AS cost_usd,
	sum(unpriced_requests) AS unpriced_requests
      FROM daily_cost GROUP BY day, user) g
LEFT JOIN dict du ON du.id = g.user
GROUP BY 1, g.user;

DROP VIEW IF EXISTS cost_by_endpoint;
CREATE VIEW cost_by_endpoint AS
SELECT strftime('%Y-%m', g.day * 86400, 'unixepoch') AS month, de.value AS endpoint,
	sum(g.requests) AS requests, sum(g.cost_usd) AS cost_usd,
	1000.0 * sum(g.cost_usd) / nullif(sum(g.requests), 0) AS cost_per_1k_requests,
	sum(g.unpriced_requests) AS unpriced_requests
FROM (SELECT day, endpoint, sum(requests) AS requests, sum(cost_usd) AS cost_usd,
	sum(unpriced_requests) AS unpriced_requests
      FROM daily_cost GROUP BY day, endpoint) g
LEFT JOIN dict de ON de.id = g.endpoint
GROUP BY 1, g.endpoint;

-- Usage with tokens but no cost, per model, provider and tier, with why (`tokstat pricing
-- missing`); and usage of a tier without a price of its own, which has the standard price's cost.
DROP VIEW IF EXISTS unpriced_usage;
CREATE VIEW unpriced_usage AS
SELECT dm.value AS model, dp.value AS provider, g.reason,
	date(g.first_day * 86400, 'unixepoch') AS first_day, date(g.last_day * 86400, 'unixepoch') AS last_day,
	g.requests, g.input_tokens, g.output_tokens, g.cache_read_tokens, g.cache_write_tokens, g.total_tokens,
	dt.value AS service_tier
FROM (SELECT model, provider, service_tier,
	CASE WHEN coalesce(input_tokens, output_tokens, cache_read_tokens, cache_write_tokens) IS NULL
		THEN 'only total tokens logged'
	     WHEN price_model IS NOT NULL THEN 'price lacks a rate for a logged token kind'
	     WHEN model IN (SELECT model_id FROM price_match) THEN 'no price in force on these days'
	     ELSE 'no price' END AS reason,
	min(day) AS first_day, max(day) AS last_day, sum(requests) AS requests,
	sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
	sum(cache_read_tokens) AS cache_read_tokens, sum(cache_write_tokens) AS cache_write_tokens,
	sum(total_tokens) AS total_tokens
      FROM daily_cost
      WHERE unpriced_tokens > 0
      GROUP BY model, provider, service_tier, reason
      UNION ALL
      SELECT model, provider, service_tier, 'no price for this tier: standard price used',
	min(day), max(day), sum(requests), sum(input_tokens), sum(output_tokens), sum(cache_read_tokens),
	sum(cache_write_tokens), sum(total_tokens)
      FROM daily_cost
      WHERE standard_for_tier = 1
      GROUP BY model, provider, service_tier) g
LEFT JOIN dict dm ON dm.id = g.model
LEFT JOIN dict dp ON dp.id = g.provider
LEFT JOIN dict dt ON dt.id = g.service_tier;
-- ---- end of cost reports ----
