-- name: top-users
-- description: Users by requests in the period: errors, tokens, cost, how many credentials and models
-- param: from = NULL   start (--from DAY|TIME; default: the first day with data)
-- param: to = NULL     end (--to DAY|TIME; default: the last day with data)
-- param: limit = 20    rows shown
--
-- Read by `tokstat query top-users`. From the daily aggregates (whole UTC days, as in
-- top-credentials). Requests that carried no user are the row whose user is NULL.
SELECT user, sum(requests) AS requests, sum(errors) AS errors,
	sum(total_tokens) AS tokens, round(sum(cost_usd), 4) AS cost_usd,
	count(DISTINCT token_fp) AS credentials, count(DISTINCT model) AS models,
	min(day) AS first_day, max(day) AS last_day
FROM daily_usage
WHERE day_number >= coalesce(unixepoch(:from) / 86400, 0)
  AND day_number < coalesce((unixepoch(:to) + 86399) / 86400, 1000000000)
GROUP BY user
ORDER BY requests DESC, user
LIMIT :limit;
