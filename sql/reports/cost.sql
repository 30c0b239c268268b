-- The cost of the month of the period's last day: month to date, the daily average over the
-- days from the month's first day (or the first day the database has) to its last day with
-- usage, the month end projected from that average, and the cost per 1,000 requests. What had
-- no price is not counted and is said (a warning note).
-- Read by: src/report.c (`tokstat cost`, and `tokstat report`, section cost).
-- A range on daily_cost.day, so SQLite reads one month through the aggregates' key (through
-- cost_daily it grouped the whole history first); the figures are those of the cost_month
-- and cost_daily views; unpriced_* are daily_cost's columns (the one definition).
-- shape: record
-- column: days | days | text
-- column: requests | requests | int | requests
-- column: month_to_date_usd | month to date | real | usd
-- column: daily_average_usd | daily average | real | usd
-- column: projected_usd | projected month end | real | usd
-- column: per_1k_requests_usd | per 1,000 requests | real | usd
WITH s AS (
	SELECT max(day) AS hi, sum(requests) AS r, sum(cost_usd) AS c,
		sum(unpriced_requests) AS ur,
		sum(unpriced_tokens) AS ut
	FROM daily_cost WHERE day >= :month_lo AND day < :month_hi),
b AS (SELECT s.*, max(:month_lo, (SELECT first_day FROM usage_span)) AS first FROM s WHERE hi IS NOT NULL)
SELECT printf('%s .. %s (%d days)', date(first * 86400, 'unixepoch'), date(hi * 86400, 'unixepoch'),
	hi - first + 1) AS days, r AS requests, c AS month_to_date_usd, c / (hi - first + 1) AS daily_average_usd,
	c + c / (hi - first + 1) * (:month_hi - 1 - hi) AS projected_usd,
	1000.0 * c / nullif(r, 0) AS per_1k_requests_usd,
	CASE WHEN ur > 0 THEN printf('NOT COUNTED: %d requests with %d tokens have no price (see ''tokstat pricing missing'')',
		ur, ut) END AS _warning
FROM b
