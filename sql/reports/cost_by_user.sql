-- The month's cost per user, the top :top by cost: requests, cost, cost per 1,000 requests and
-- the tokens without a price.
-- Read by: src/report.c (`tokstat cost`).
-- title: By user (top {top} by cost)
-- shape: list
-- column: user | user | text
-- column: requests | requests | int | requests
-- column: cost_usd | cost_usd | real | usd
-- column: per_1k_requests | per_1k_requests | real | usd
-- column: unpriced_tokens | unpriced_tokens | int | tokens
SELECT user, sum(requests) AS requests, sum(cost_usd) AS cost_usd,
	1000.0 * sum(cost_usd) / nullif(sum(requests), 0) AS per_1k_requests,
	sum(unpriced_tokens) AS unpriced_tokens,
	count(*) OVER () AS _total
FROM daily_usage WHERE day_number >= :month_lo AND day_number < :month_hi GROUP BY user
ORDER BY cost_usd DESC NULLS LAST, requests DESC LIMIT :top
