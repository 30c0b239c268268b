-- Week over week: the cost of the 7 days ending on :last_day (the last day with usage) and of
-- the 7 before, and the change (a range on daily_cost.day: the aggregates' key).
-- Read by: src/report.c (`tokstat cost`, and `tokstat report`, section cost_week).
--
-- The rule for "too little data": the change is NULL, and a note says why, when the 7 days
-- before had fewer than 100 requests or cost less than $1.00. A week that starts from
-- nothing would otherwise print +46429%. Source: tokstat's own choice (a percentage of a
-- base under a dollar or under a hundred calls says nothing about growth).
-- title: Week over week (the 7 days ending on the last day with usage, and the 7 before)
-- shape: list
-- column: to | to | date
-- column: last_7d_usd | last_7d_usd | real | usd
-- column: previous_7d_usd | previous_7d_usd | real | usd
-- column: change_pct | change_pct | real | percent
WITH w AS (
	SELECT sum(CASE WHEN day > :last_day - 7 THEN cost_usd END) AS last_usd,
		sum(CASE WHEN day <= :last_day - 7 THEN cost_usd END) AS prev_usd,
		coalesce(sum(CASE WHEN day <= :last_day - 7 THEN requests END), 0) AS prev_requests
	FROM daily_cost WHERE day > :last_day - 14 AND day <= :last_day)
SELECT date(:last_day * 86400, 'unixepoch') AS "to", last_usd AS last_7d_usd, prev_usd AS previous_7d_usd,
	CASE WHEN prev_requests >= 100 AND prev_usd >= 1.0 THEN 100.0 * (last_usd - prev_usd) / prev_usd END AS change_pct,
	CASE WHEN NOT (prev_requests >= 100 AND coalesce(prev_usd, 0) >= 1.0) THEN
		printf('Too little data for a weekly change: the 7 days before had %d requests and $%.2f '
		       || '(a change needs at least 100 requests and $1.00 there).', prev_requests, coalesce(prev_usd, 0)) END AS _warning
FROM w
