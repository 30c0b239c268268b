-- name: cost-by-model-day
-- description: Cost and tokens per UTC day and model in the period; tokens without a price are shown apart
-- param: from = NULL   start (--from DAY|TIME; default: the first day with data)
-- param: to = NULL     end (--to DAY|TIME; default: the last day with data)
--
-- Read by `tokstat query cost-by-model-day`. From the daily aggregates with their cost
-- (daily_usage): cost_usd is NULL, never 0, when no usage of that model had a price;
-- unpriced_tokens counts the tokens left out of cost_usd (see 'tokstat pricing missing').
SELECT day, model, provider, sum(requests) AS requests,
	sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
	sum(cache_read_tokens) AS cache_read_tokens, sum(cache_write_tokens) AS cache_write_tokens,
	round(sum(cost_usd), 4) AS cost_usd,
	sum(CASE WHEN cost_usd IS NULL THEN total_tokens ELSE 0 END) AS unpriced_tokens
FROM daily_usage
WHERE day_number >= coalesce(unixepoch(:from) / 86400, 0)
  AND day_number < coalesce((unixepoch(:to) + 86399) / 86400, 1000000000)
  AND model IS NOT NULL
GROUP BY day_number, model, provider
ORDER BY day_number, sum(cost_usd) DESC, model, provider;
