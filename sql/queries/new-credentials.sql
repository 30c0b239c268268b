-- name: new-credentials
-- description: Credentials first seen in the period, newest first, with their requests, status and users
-- param: from = NULL   start (--from DAY|TIME; default: the last 7 days with data)
-- param: to = NULL     end (--to DAY|TIME; default: no end)
-- param: limit = 50    rows shown
--
-- Read by `tokstat query new-credentials`. first_seen is the credential's first event (from
-- the credentials view, to the second); users lists who used it (daily aggregates).
WITH span AS (
	SELECT coalesce(:from, (SELECT strftime('%Y-%m-%dT%H:%M:%SZ', last_date, '-6 days') FROM usage_span)) AS since,
		coalesce(:to, '9999') AS until),
new AS (
	SELECT c.* FROM credentials c, span
	WHERE c.first_seen >= span.since AND c.first_seen < span.until)
SELECT n.token, n.token_fp, n.first_seen, n.last_seen, n.requests, n.errors, n.status,
	(SELECT group_concat(user, ', ') FROM (SELECT DISTINCT user FROM daily_usage d
		WHERE d.token_fp = n.token_fp AND d.user IS NOT NULL ORDER BY user)) AS users
FROM new n
ORDER BY n.first_seen DESC, n.token_fp
LIMIT :limit;
