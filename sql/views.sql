-- tokstat's query surface: the stable views that reports, alerts, `tokstat query` and any
-- SQLite client read. Recreated by store.c on every open, so they follow the tables.
-- Plain SQL only: no tokstat-only functions, so `sqlite3 tokstat.db` can read them.

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
	coalesce(e.estimated, 0) AS estimated,
	f.name AS file,
	e.id & 1099511627775 AS line
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
LEFT JOIN file f   ON f.id   = e.id >> 40;

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
	a.estimated AS estimated_requests
FROM daily a
LEFT JOIN credential c ON c.id = a.token
LEFT JOIN dict du  ON du.id  = a.user
LEFT JOIN dict de  ON de.id  = a.endpoint
LEFT JOIN dict dmo ON dmo.id = a.model
LEFT JOIN dict dp  ON dp.id  = a.provider
LEFT JOIN dict dop ON dop.id = a.operation
LEFT JOIN dict dpr ON dpr.id = a.project;

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

-- status: 'invalid' when the latest response is a 401; 'rate_limited' when the latest
-- rate-limit reading says 0 remaining, or a 429 came at or after that reading (or is the
-- latest response when no reading exists); otherwise 'active'.
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
		WHEN c.rl_remaining = 0 THEN 'rate_limited'
		WHEN c.last_429_at IS NOT NULL AND (c.rl_at IS NULL OR c.last_429_at >= c.rl_at)
		     AND (c.rl_at IS NOT NULL OR c.last_status = 429) THEN 'rate_limited'
		ELSE 'active'
	END AS status,
	c.rl_remaining, c.rl_limit, c.rl_reset
FROM credential c;

DROP VIEW IF EXISTS files;
CREATE VIEW files AS
SELECT
	name AS file, fingerprint, format, bytes, lines, events, rejected, skipped, duplicates,
	strftime('%Y-%m-%dT%H:%M:%SZ', last_ingested, 'unixepoch') AS last_ingested
FROM file;

DROP VIEW IF EXISTS rejects;
CREATE VIEW rejects AS
SELECT f.name AS file, r.line, r.reason, r.text
FROM reject r JOIN file f ON f.id = r.file;
