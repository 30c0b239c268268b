-- Per user in the period: a leaderboard of who spent the most tokens, with the share of each
-- user's limits used: daily, its busiest day of the period (temp.report_user_peak) against its
-- daily token limit; monthly, the month to date (the month of the period's last day, from its
-- first day through the period's end) against its monthly token limit. The limits are the
-- settings' (config_user_limits: the [limits] defaults, the user's tier, its [user:NAME]
-- section), which src/report.c puts in temp.report_limits (NULL: no limit; a share of a limit
-- of 0 is NULL too). The same sums and limits as the alerts' daily_limit and monthly_limit.
-- Read by: src/report.c (`tokstat report`, section users; --by user).
-- From temp.report_groups (prepare.sql): the period's groups, named.
-- title: Users (top {top} by tokens)
-- shape: list
-- column: user | user | text
-- column: requests | requests | int | requests
-- column: errors | errors | int | requests
-- column: error_rate | error rate | real | percent
-- column: total_tokens | tokens | int | tokens
-- column: cost_usd | cost | real | usd
-- column: unpriced_tokens | unpriced tokens | int | tokens
-- column: daily_limit_share | daily limit used | real | percent
-- column: monthly_limit_share | monthly limit used | real | percent
WITH g AS (
	SELECT user, max(user_id) AS user_id, sum(requests) AS requests, sum(errors) AS errors,
		sum(total_tokens) AS total_tokens, sum(cost_usd) AS cost_usd, sum(unpriced_tokens) AS unpriced_tokens
	FROM temp.report_groups
	GROUP BY user),
top AS (
	SELECT g.*, count(*) OVER () AS _total FROM g
	ORDER BY total_tokens DESC NULLS LAST, requests DESC, user LIMIT :top),
-- the month to date of the users shown only: a range of the aggregates' key, filtered by user
month AS (
	SELECT user AS user_id, sum(total_tokens) AS tokens FROM daily_cost
	WHERE day BETWEEN :month_lo AND :to_day AND user IN (SELECT user_id FROM top WHERE user IS NOT NULL)
	GROUP BY user)
SELECT t.user, t.requests, t.errors, 100.0 * t.errors / nullif(t.requests, 0) AS error_rate, t.total_tokens,
	t.cost_usd, t.unpriced_tokens,
	100.0 * p.peak_tokens / nullif(l.daily_tokens, 0) AS daily_limit_share,
	100.0 * coalesce(m.tokens, CASE WHEN m.user_id IS NULL THEN 0 END) / nullif(l.monthly_tokens, 0)
		AS monthly_limit_share,
	t._total
FROM top t
LEFT JOIN temp.report_user_peak p ON p.user_id = t.user_id
LEFT JOIN month m ON m.user_id = t.user_id
LEFT JOIN temp.report_limits l ON l.user = t.user
ORDER BY t.total_tokens DESC NULLS LAST, t.requests DESC, t.user
