-- Per provider in the period: requests, errors, tokens and cost per provider.
-- Read by: src/report.c (`tokstat report`, --by provider).
-- title: Providers (top {top} by requests)
-- shape: list
-- column: provider | provider | text
-- column: requests | requests | int | requests
-- column: errors | errors | int | requests
-- column: error_rate | error rate | real | percent
-- column: total_tokens | tokens | int | tokens
-- column: cost_usd | cost | real | usd
-- column: unpriced_tokens | unpriced tokens | int | tokens
WITH g AS (
	SELECT provider, sum(requests) AS requests, sum(errors) AS errors, sum(total_tokens) AS total_tokens,
		sum(cost_usd) AS cost_usd,
		sum(CASE WHEN cost_usd IS NULL AND total_tokens > 0 THEN total_tokens ELSE 0 END) AS unpriced_tokens
	FROM daily_usage WHERE day_number BETWEEN :from_day AND :to_day
	GROUP BY provider)
SELECT provider, requests, errors, 100.0 * errors / nullif(requests, 0) AS error_rate, total_tokens, cost_usd,
	unpriced_tokens, count(*) OVER () AS _total
FROM g ORDER BY requests DESC, provider LIMIT :top
