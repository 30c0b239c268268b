-- The period's tables, made empty here and filled by src/report_scan.c in one pass over the
-- period's daily aggregates with their cost (sql/reports/period_rows.sql):
--   temp.report_days: per UTC day;
--   temp.report_group_ids: per group (credential, user, endpoint, model, provider, operation,
--     project: ids; the days summed), named by prepare_groups.sql into temp.report_groups;
--   temp.report_user_peak: each user's busiest day of the period (its tokens);
--   temp.report_latency: the response times (latency.h; made by latency_sums_table).
-- The sections read these few rows instead of the aggregates again. A sum is NULL when every
-- value summed is (SQL's sum()); unpriced_tokens, the tokens of rows without a cost.
-- Summing in C, not with GROUP BY: SQL sorted every aggregate row once per table, 1.1 s of a
-- year's report for 10,000 credentials; a hash per row costs a tenth of that.
-- Columns have no declared type, as CREATE TABLE AS gave them: values stay as summed.
-- Read by: src/report.c (report_build, before the sections of `tokstat report`; `summary`
-- needs only the days: :groups is 0 there).
DROP TABLE IF EXISTS temp.report_days;
DROP TABLE IF EXISTS temp.report_group_ids;
DROP TABLE IF EXISTS temp.report_groups;
DROP TABLE IF EXISTS temp.report_user_peak;
CREATE TEMP TABLE report_days (day_number, day, requests, errors, input_tokens, output_tokens, cache_read_tokens,
	cache_write_tokens, total_tokens, estimated, cost_usd, unpriced_tokens);
CREATE TEMP TABLE report_group_ids (token_id, user_id, endpoint_id, model_id, provider_id, operation_id, project_id,
	requests, errors, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, total_tokens, cost_usd,
	unpriced_tokens);
CREATE TEMP TABLE report_user_peak (user_id, peak_tokens);
