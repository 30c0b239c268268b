-- Per credential used in the period: its masked form and fingerprint prefix, its status,
-- uses, successes, errors and success rate in the period, its latest rate-limit reading and
-- how much is left, when it was last used, and the 5 endpoints it called most.
-- Read by: src/report.c (`tokstat report`, section credentials; --by token).
-- From temp.report_groups and temp.report_credentials (prepare.sql): the period's groups,
-- named, and the credentials view indexed by fingerprint.
--
-- rl_level thresholds on rate-limit remaining: above 1000 'fine', 100 to 1000 'watch', under
-- 100 'low', 0 'exhausted'. Source: the report's requirements (tokstat issue "output
-- layer"), scaled to GitHub's 5,000-an-hour REST limit: 1000 left is a fifth of the hour.
-- A reading whose reset time has passed (the view's rl_holds = 0) says nothing about now: its
-- level is 'reset' (the limit's window began again), as the view's status is then no longer
-- rate_limited (sql/views.sql, the one place of that rule).
-- title: Credentials (top {top} by uses)
-- shape: list
-- column: token | credential | text
-- column: token_fp | fingerprint | text
-- column: status | status | badge
-- column: uses | uses | int | requests
-- column: successes | successes | int | requests
-- column: errors | errors | int | requests
-- column: success_rate | success rate | real | percent
-- column: rl_remaining | limit remaining | int | requests
-- column: rl_limit | limit | int | requests
-- column: rl_reset | limit resets | time
-- column: rl_level | limit state | badge
-- column: last_used | last used | time
-- column: top_endpoints | top endpoints | text
WITH all_u AS (
	SELECT token_fp, token, sum(requests) AS uses, sum(errors) AS errors
	FROM temp.report_groups WHERE token_fp IS NOT NULL
	GROUP BY token_fp, token),
u AS (SELECT *, count(*) OVER () AS total FROM all_u ORDER BY uses DESC, token_fp LIMIT :top)
SELECT u.token, u.token_fp, c.status, u.uses, u.uses - u.errors AS successes, u.errors,
	100.0 * (u.uses - u.errors) / nullif(u.uses, 0) AS success_rate,
	c.rl_remaining, c.rl_limit, strftime('%Y-%m-%dT%H:%M:%SZ', c.rl_reset, 'unixepoch') AS rl_reset,
	CASE WHEN c.rl_remaining IS NULL THEN NULL WHEN c.rl_holds = 0 THEN 'reset' WHEN c.rl_remaining = 0 THEN 'exhausted'
	     WHEN c.rl_remaining < 100 THEN 'low' WHEN c.rl_remaining <= 1000 THEN 'watch' ELSE 'fine' END AS rl_level,
	c.last_seen AS last_used,
	-- its 5 busiest endpoints: a range of the index on report_groups(token_fp, endpoint)
	(SELECT group_concat(coalesce(endpoint, '-') || ' (' || n || ')', ', ')
	 FROM (SELECT endpoint, sum(requests) AS n FROM temp.report_groups g
	       WHERE g.token_fp = u.token_fp AND g.token = u.token
	       GROUP BY endpoint ORDER BY n DESC, endpoint LIMIT 5)) AS top_endpoints,
	u.total AS _total
FROM u LEFT JOIN temp.report_credentials c ON c.token_fp = u.token_fp AND c.token = u.token
ORDER BY u.uses DESC, u.token_fp
