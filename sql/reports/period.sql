-- The facts a report needs about its period before it runs its sections: the last day with
-- usage in it (NULL: none), and the first and last day the database holds. A seek on the
-- aggregates' key, not a scan of the period.
-- Read by: src/report.c (report_build), never shown.
-- shape: record
-- column: last_day | last day with usage | int
-- column: first_date | first day with data | date
-- column: latest_date | latest day with data | date
SELECT (SELECT day FROM daily_cost WHERE day BETWEEN :from_day AND :to_day ORDER BY day DESC LIMIT 1) AS last_day,
	(SELECT first_date FROM usage_span) AS first_date,
	(SELECT last_date FROM usage_span) AS latest_date
