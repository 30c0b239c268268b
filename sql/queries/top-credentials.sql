-- name: top-credentials
-- description: Credentials by requests in the period, with errors, tokens, cost and their status now
-- param: from = NULL   start (--from DAY|TIME; default: the first day with data)
-- param: to = NULL     end (--to DAY|TIME; default: the last day with data)
-- param: limit = 20    rows shown
--
-- Read by `tokstat query top-credentials`. Sums the daily aggregates (daily_usage), never the
-- raw events: a range on day_number reads only those days' rows. So a period is whole UTC
-- days: a --from or --to time inside a day counts that day whole.
WITH usage AS (
	SELECT token, token_fp, sum(requests) AS requests, sum(errors) AS errors,
		sum(total_tokens) AS tokens, sum(cost_usd) AS cost_usd,
		min(day) AS first_day, max(day) AS last_day
	FROM daily_usage
	WHERE day_number >= coalesce(unixepoch(:from) / 86400, 0)
	  AND day_number < coalesce((unixepoch(:to) + 86399) / 86400, 1000000000)
	  AND token_fp IS NOT NULL
	GROUP BY token_fp)
SELECT u.token, u.token_fp, u.requests, u.errors,
	round(100.0 * u.errors / u.requests, 1) AS error_pct,
	u.tokens, round(u.cost_usd, 4) AS cost_usd, u.first_day, u.last_day,
	c.status, c.last_seen
FROM usage u LEFT JOIN credentials c ON c.token_fp = u.token_fp
ORDER BY u.requests DESC, u.token_fp
LIMIT :limit;
