-- The first of the last :top days that hold data (the period of `tokstat summary --days N`).
-- Read by: src/report.c (report_build for summary), never shown.
-- shape: record
-- column: from_day | first day | int
-- column: to_day | last day | int
SELECT (SELECT day_number FROM cost_daily ORDER BY day_number DESC LIMIT 1 OFFSET :top - 1) AS from_day,
	(SELECT last_day FROM usage_span) AS to_day
