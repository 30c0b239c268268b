-- Per UTC day of the period: requests, errors, tokens by kind, the share of requests whose
-- tokens are estimates (never silent), cost, and the tokens that have no price (cost_usd sums
-- what has one). Drawn as bars of tokens and cost in HTML.
-- Read by: src/report.c (`tokstat report`, section daily; --by day; `tokstat summary`), from
-- temp.report_days (prepare.sql).
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
SELECT day, requests, errors, input_tokens AS input, output_tokens AS output, cache_read_tokens AS cache_read,
	cache_write_tokens AS cache_write, total_tokens AS total,
	CASE WHEN estimated > 0 THEN 100.0 * estimated / requests END AS estimated, cost_usd, unpriced_tokens
FROM temp.report_days WHERE day_number BETWEEN :from_day AND :to_day ORDER BY day_number
