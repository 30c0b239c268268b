-- Per user in the period: a leaderboard: who spent the most tokens (the share of a user's limit comes with alerts).
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
WITH g AS (
	SELECT user, sum(requests) AS requests, sum(errors) AS errors, sum(total_tokens) AS total_tokens,
		sum(cost_usd) AS cost_usd,
		sum(unpriced_tokens) AS unpriced_tokens
	FROM temp.report_groups
	GROUP BY user)
SELECT user, requests, errors, 100.0 * errors / nullif(requests, 0) AS error_rate, total_tokens, cost_usd,
	unpriced_tokens, count(*) OVER () AS _total
FROM g ORDER BY total_tokens DESC NULLS LAST, requests DESC, user LIMIT :top
