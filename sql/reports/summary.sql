-- The period at a glance: credentials and their state, requests, success and error rates,
-- tokens by kind, cost, and the request capacity the credentials' rate limits give.
-- Read by: src/report.c (`tokstat report`, section summary), from temp.report_days
-- (prepare.sql).
--
-- Thresholds (the word goes with the colour, so a plain-text or colour-blind reader gets it):
--   success rate above 95% is 'good', else 'below 95%'; error rate above 5% is 'warning',
--   else 'ok'. Source: the report's requirements (tokstat issue "output layer"), the levels
--   that API gateway dashboards use for a healthy upstream (95% success).
-- capacity_per_hour: the sum of the latest rate limits of the credentials that are not
--   invalid, each limit taken as per hour (GitHub's REST limit is 5,000 an hour; a provider
--   whose window is a minute is undercounted).
-- title: Summary
-- shape: record
-- column: credentials | credentials | int
-- column: active | active | int
-- column: rate_limited | rate limited | int
-- column: invalid | invalid | int
-- column: requests | requests | int | requests
-- column: successes | successes | int | requests
-- column: success_rate | success rate | real | percent
-- column: success_level | success | badge
-- column: errors | errors | int | requests
-- column: error_rate | error rate | real | percent
-- column: error_level | error level | badge
-- column: input_tokens | input tokens | int | tokens
-- column: output_tokens | output tokens | int | tokens
-- column: cache_read_tokens | cache-read tokens | int | tokens
-- column: cache_write_tokens | cache-write tokens | int | tokens
-- column: total_tokens | total tokens | int | tokens
-- column: cost_usd | cost | real | usd
-- column: unpriced_tokens | unpriced tokens | int | tokens
-- column: capacity_per_hour | API request capacity per hour | int | requests
WITH u AS (
	SELECT sum(requests) AS requests, sum(errors) AS errors,
		sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
		sum(cache_read_tokens) AS cache_read_tokens, sum(cache_write_tokens) AS cache_write_tokens,
		sum(total_tokens) AS total_tokens, sum(cost_usd) AS cost_usd, sum(unpriced_tokens) AS unpriced_tokens
	FROM temp.report_days),
c AS (
	SELECT count(*) AS n, sum(status = 'active') AS active, sum(status = 'rate_limited') AS rate_limited,
		sum(status = 'invalid') AS invalid,
		sum(CASE WHEN status <> 'invalid' THEN rl_limit END) AS capacity
	FROM credentials),
r AS (SELECT u.*, 100.0 * (requests - errors) / nullif(requests, 0) AS success_rate,
	100.0 * errors / nullif(requests, 0) AS error_rate FROM u)
SELECT c.n AS credentials, coalesce(c.active, 0) AS active, coalesce(c.rate_limited, 0) AS rate_limited,
	coalesce(c.invalid, 0) AS invalid,
	coalesce(r.requests, 0) AS requests, r.requests - r.errors AS successes, r.success_rate,
	CASE WHEN r.success_rate > 95 THEN 'good' WHEN r.success_rate IS NOT NULL THEN 'below 95%' END AS success_level,
	r.errors, r.error_rate,
	CASE WHEN r.error_rate > 5 THEN 'warning' WHEN r.error_rate IS NOT NULL THEN 'ok' END AS error_level,
	r.input_tokens, r.output_tokens, r.cache_read_tokens, r.cache_write_tokens, r.total_tokens,
	r.cost_usd, r.unpriced_tokens, c.capacity AS capacity_per_hour
FROM r, c
