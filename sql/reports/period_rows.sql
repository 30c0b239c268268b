-- The period's daily aggregate rows with their cost (daily_cost: the price of each row's day
-- applied), in day order (the aggregates' key order: no sort), summed by src/report_scan.c into
-- the tables of prepare.sql. Columns by position, as report_scan.c reads them: the day, the
-- seven ids, the figures, the cost, the unpriced tokens, then latency_n, latency_sum,
-- latency_max and the 20 buckets (latency.h).
-- unpriced_tokens: the tokens of a row without a cost (cost_usd sums the rest).
-- Read by: src/report_scan.c (report_scan, for `tokstat report` and `summary`).
SELECT day, token, user, endpoint, model, provider, operation, project,
	requests, errors, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, total_tokens, estimated,
	cost_usd, CASE WHEN cost_usd IS NULL AND total_tokens > 0 THEN total_tokens ELSE 0 END AS unpriced_tokens,
	latency_n, latency_sum, latency_max, latency_b00, latency_b01, latency_b02, latency_b03, latency_b04,
	latency_b05, latency_b06, latency_b07, latency_b08, latency_b09, latency_b10, latency_b11, latency_b12,
	latency_b13, latency_b14, latency_b15, latency_b16, latency_b17, latency_b18, latency_b19
FROM daily_cost WHERE day BETWEEN :from_day AND :to_day ORDER BY day
