-- The period read once: its daily aggregates with their cost (daily_cost: one pass over the
-- aggregates' key range, the price of each row's day applied) into temp.report_rows, then
-- summed per UTC day into temp.report_days, per group (credential, user, endpoint, model,
-- provider, operation, project; the days summed) into temp.report_groups, named as in
-- daily_usage, and each user's busiest day into temp.report_user_peak. The sections read
-- these few rows instead of the aggregates again.
-- Read by: src/report.c (report_build, before the sections of `tokstat report`; `summary`
-- needs only the days: :groups is 0 there).
-- unpriced_tokens: the tokens of rows without a cost (cost_usd sums the rest).
--
-- Groups first, names after: daily_usage joins seven dictionary names per aggregate row,
-- three quarters of its cost over a year; here they are joined once per group. That needs
-- the dictionary and credential tables, which only views.sql reads otherwise: a view that
-- names ids (or daily_cost's ids beside daily_usage's names) would keep this on the views.
DROP TABLE IF EXISTS temp.report_rows;
DROP TABLE IF EXISTS temp.report_days;
DROP TABLE IF EXISTS temp.report_groups;
DROP TABLE IF EXISTS temp.report_user_peak;
CREATE TEMP TABLE report_rows AS
SELECT day, token, user, endpoint, model, provider, operation, project, requests, errors, input_tokens,
	output_tokens, cache_read_tokens, cache_write_tokens, total_tokens, estimated, cost_usd,
	CASE WHEN cost_usd IS NULL AND total_tokens > 0 THEN total_tokens ELSE 0 END AS unpriced_tokens
FROM daily_cost WHERE day BETWEEN :from_day AND :to_day;
CREATE TEMP TABLE report_days AS
SELECT day AS day_number, date(day * 86400, 'unixepoch') AS day, sum(requests) AS requests, sum(errors) AS errors,
	sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
	sum(cache_read_tokens) AS cache_read_tokens, sum(cache_write_tokens) AS cache_write_tokens,
	sum(total_tokens) AS total_tokens, sum(estimated) AS estimated, sum(cost_usd) AS cost_usd,
	sum(unpriced_tokens) AS unpriced_tokens
FROM temp.report_rows GROUP BY 1;
CREATE TEMP TABLE report_groups AS
SELECT c.display AS token, substr(c.fingerprint, 1, 12) AS token_fp, du.value AS user, de.value AS endpoint,
	dmo.value AS model, dp.value AS provider, dop.value AS operation, dpr.value AS project, g.*
FROM (SELECT token AS token_id, user AS user_id, endpoint AS endpoint_id, model AS model_id,
		provider AS provider_id, operation AS operation_id, project AS project_id,
		sum(requests) AS requests, sum(errors) AS errors,
		sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
		sum(cache_read_tokens) AS cache_read_tokens, sum(cache_write_tokens) AS cache_write_tokens,
		sum(total_tokens) AS total_tokens, sum(cost_usd) AS cost_usd, sum(unpriced_tokens) AS unpriced_tokens
	FROM temp.report_rows WHERE :groups
	GROUP BY token, user, endpoint, model, provider, operation, project) g
LEFT JOIN credential c ON c.id = g.token_id
LEFT JOIN dict du  ON du.id  = g.user_id
LEFT JOIN dict de  ON de.id  = g.endpoint_id
LEFT JOIN dict dmo ON dmo.id = g.model_id
LEFT JOIN dict dp  ON dp.id  = g.provider_id
LEFT JOIN dict dop ON dop.id = g.operation_id
LEFT JOIN dict dpr ON dpr.id = g.project_id;
-- Each user's busiest day of the period (its tokens), for the share of its daily limit that
-- the users section shows (by user id, as report_groups.user_id).
CREATE TEMP TABLE report_user_peak AS
SELECT user AS user_id, max(tokens) AS peak_tokens
FROM (SELECT user, day, sum(total_tokens) AS tokens FROM temp.report_rows WHERE :groups AND user <> 0
      GROUP BY user, day)
GROUP BY user;
DROP TABLE temp.report_rows;
-- The credentials view, indexed by fingerprint prefix, for the credentials section's join.
DROP TABLE IF EXISTS temp.report_credentials;
CREATE TEMP TABLE report_credentials AS SELECT * FROM credentials WHERE :groups;
CREATE INDEX temp.report_credentials_fp ON report_credentials(token_fp);
-- For each credential's busiest endpoints.
CREATE INDEX temp.report_groups_fp ON report_groups(token_fp, endpoint);
