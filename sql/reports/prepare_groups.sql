-- After src/report_scan.c filled the tables of prepare.sql: the groups named as in
-- daily_usage, into temp.report_groups. Groups first, names after: daily_usage joins seven
-- dictionary names per aggregate row, three quarters of its cost over a year; here they are
-- joined once per group. That needs the dictionary and credential tables, which only views.sql
-- reads otherwise: a view that names ids (or daily_cost's ids beside daily_usage's names) would
-- keep this on the views.
-- Read by: src/report.c (report_build, after report_scan; `summary` has no groups: :groups 0).
CREATE TEMP TABLE report_groups AS
SELECT c.display AS token, substr(c.fingerprint, 1, 12) AS token_fp, du.value AS user, de.value AS endpoint,
	dmo.value AS model, dp.value AS provider, dop.value AS operation, dpr.value AS project, g.*
FROM temp.report_group_ids g
LEFT JOIN credential c ON c.id = g.token_id
LEFT JOIN dict du  ON du.id  = g.user_id
LEFT JOIN dict de  ON de.id  = g.endpoint_id
LEFT JOIN dict dmo ON dmo.id = g.model_id
LEFT JOIN dict dp  ON dp.id  = g.provider_id
LEFT JOIN dict dop ON dop.id = g.operation_id
LEFT JOIN dict dpr ON dpr.id = g.project_id
WHERE :groups;
DROP TABLE temp.report_group_ids;
-- The credentials view, indexed by fingerprint prefix, for the credentials section's join.
DROP TABLE IF EXISTS temp.report_credentials;
CREATE TEMP TABLE report_credentials AS SELECT * FROM credentials WHERE :groups;
CREATE INDEX temp.report_credentials_fp ON report_credentials(token_fp);
-- For each credential's busiest endpoints.
CREATE INDEX temp.report_groups_fp ON report_groups(token_fp, endpoint);
