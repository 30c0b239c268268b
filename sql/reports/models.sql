-- Per model in the period: requests, tokens by kind, cost, average tokens per request and
-- the model's share of the period's tokens (drawn as a bar in HTML).
-- Read by: src/report.c (`tokstat report`, section models; --by model).
-- From temp.report_groups (prepare.sql): the period's groups, named.
-- title: Models (top {top} by tokens)
-- shape: list
-- column: model | model | text
-- column: provider | provider | text
-- column: requests | requests | int | requests
-- column: input_tokens | input | int | tokens
-- column: output_tokens | output | int | tokens
-- column: cache_read_tokens | cache read | int | tokens
-- column: cache_write_tokens | cache write | int | tokens
-- column: total_tokens | total | int | tokens
-- column: cost_usd | cost | real | usd
-- column: avg_tokens | tokens per request | real | tokens
-- column: share | share of tokens | real | share
WITH m AS (
	SELECT model, provider, sum(requests) AS requests, sum(input_tokens) AS input_tokens,
		sum(output_tokens) AS output_tokens, sum(cache_read_tokens) AS cache_read_tokens,
		sum(cache_write_tokens) AS cache_write_tokens, sum(total_tokens) AS total_tokens,
		sum(cost_usd) AS cost_usd
	FROM temp.report_groups WHERE model IS NOT NULL
	GROUP BY model, provider)
SELECT model, provider, requests, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,
	total_tokens, cost_usd, 1.0 * total_tokens / nullif(requests, 0) AS avg_tokens,
	100.0 * total_tokens / nullif(sum(total_tokens) OVER (), 0) AS share, count(*) OVER () AS _total
FROM m ORDER BY total_tokens DESC NULLS LAST, requests DESC, model LIMIT :top
