-- Per UTC day of the period: requests, errors, tokens by kind, the share of requests whose
-- tokens are estimates (never silent), cost, and the tokens that have no price (cost_usd sums
-- what has one). Drawn as bars of tokens and cost in HTML.
-- Read by: src/report.c (`tokstat report`, section daily; --by day; `tokstat summary`).
-- title: Per day (UTC)
-- shape: series
-- column: day | day | date
-- column: requests | requests | int | requests
-- column: errors | errors | int | requests
-- column: input | input | int | tokens
-- column: output | output | int | tokens
-- column: cache_read | cache_read | int | tokens
-- column: cache_write | cache_write | int | tokens
-- column: total | total | int | tokens
-- column: estimated | estimated | real | percent
-- column: cost_usd | cost_usd | real | usd
-- column: unpriced_tokens | unpriced_tokens | int | tokens
SELECT day, sum(requests) AS requests, sum(errors) AS errors, sum(input_tokens) AS input,
	sum(output_tokens) AS output, sum(cache_read_tokens) AS cache_read,
	sum(cache_write_tokens) AS cache_write, sum(total_tokens) AS total,
	CASE WHEN sum(estimated_requests) > 0 THEN 100.0 * sum(estimated_requests) / sum(requests) END AS estimated,
	sum(cost_usd) AS cost_usd,
	sum(CASE WHEN cost_usd IS NULL AND total_tokens > 0 THEN total_tokens ELSE 0 END) AS unpriced_tokens
FROM daily_usage WHERE day_number BETWEEN :from_day AND :to_day
GROUP BY day ORDER BY day
