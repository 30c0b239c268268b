-- Per endpoint in the period: requests, errors, tokens and cost per endpoint.
-- Read by: src/report.c (`tokstat report`, section endpoints; --by endpoint).
-- From temp.report_groups (prepare.sql): the period's groups, named.
-- title: Endpoints (top {top} by requests)
-- shape: list
-- column: endpoint | endpoint | text
-- column: requests | requests | int | requests
-- column: errors | errors | int | requests
-- column: error_rate | error rate | real | percent
-- column: total_tokens | tokens | int | tokens
-- column: cost_usd | cost | real | usd
-- column: unpriced_tokens | unpriced tokens | int | tokens
WITH g AS (
	SELECT endpoint, sum(requests) AS requests, sum(errors) AS errors, sum(total_tokens) AS total_tokens,
		sum(cost_usd) AS cost_usd,
		sum(unpriced_tokens) AS unpriced_tokens
	FROM temp.report_groups
	GROUP BY endpoint)
SELECT endpoint, requests, errors, 100.0 * errors / nullif(requests, 0) AS error_rate, total_tokens, cost_usd,
	unpriced_tokens, count(*) OVER () AS _total
FROM g ORDER BY requests DESC, endpoint LIMIT :top
