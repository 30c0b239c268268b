-- Per UTC hour (hours with usage only): requests, errors, tokens. The hourly aggregates have
-- no provider, so no price applies to them: cost stays per day. Drawn as bars in HTML.
-- Read by: src/report.c (`tokstat report`, section hourly over the period's last day;
-- --by hour over the whole period).
-- Reads the hourly table itself: hourly_usage has no hour number, so a range on it compares
-- text on every row of the history (5 s over a year of hourly groups); a view column like
-- daily_usage.day_number would let this read the view. No names are needed here.
-- title: Per hour (UTC)
-- shape: series
-- column: hour | hour | time
-- column: requests | requests | int | requests
-- column: errors | errors | int | requests
-- column: input | input | int | tokens
-- column: output | output | int | tokens
-- column: cache_read | cache_read | int | tokens
-- column: cache_write | cache_write | int | tokens
-- column: total | total | int | tokens
SELECT strftime('%Y-%m-%dT%H', hour * 3600, 'unixepoch') AS hour, sum(requests) AS requests, sum(errors) AS errors,
	sum(input_tokens) AS input, sum(output_tokens) AS output, sum(cache_read_tokens) AS cache_read,
	sum(cache_write_tokens) AS cache_write, sum(total_tokens) AS total
FROM hourly WHERE hour >= :from_epoch / 3600 AND hour < :to_epoch / 3600
GROUP BY hourly.hour ORDER BY hourly.hour
