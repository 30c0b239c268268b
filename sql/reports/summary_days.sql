-- The first of the last :top days that hold data (the period of `tokstat summary --days N`).
-- Read by: src/report.c (report_build for summary), never shown.
-- shape: record
-- column: from_day | first day | int
-- column: to_day | last day | int
-- One seek on the aggregates' key per day, back from the last: not a scan of the history.
WITH RECURSIVE d(day, n) AS (
	SELECT last_day, 1 FROM usage_span WHERE last_day IS NOT NULL
	UNION ALL
	SELECT (SELECT day FROM daily_cost WHERE day < d.day ORDER BY day DESC LIMIT 1), n + 1 FROM d
	WHERE n < :top AND d.day IS NOT NULL)
SELECT (SELECT day FROM d WHERE n = :top) AS from_day, (SELECT last_day FROM usage_span) AS to_day
