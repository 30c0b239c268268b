-- Per UTC hour (hours with usage only): requests, errors, tokens. The hourly aggregates have
-- no provider, so no price applies to them: cost stays per day. Drawn as bars in HTML.
-- Read by: src/report.c (`tokstat report`, section hourly over the period's last day;
-- --by hour over the whole period).
-- hourly_usage has no hour number, so this range compares text per row; a view column like
-- daily_usage.day_number would let it read only the period's keys.
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
SELECT hour, sum(requests) AS requests, sum(errors) AS errors, sum(input_tokens) AS input,
	sum(output_tokens) AS output, sum(cache_read_tokens) AS cache_read,
	sum(cache_write_tokens) AS cache_write, sum(total_tokens) AS total
FROM hourly_usage
WHERE hour >= strftime('%Y-%m-%dT%H', :from_epoch, 'unixepoch') AND hour < strftime('%Y-%m-%dT%H', :to_epoch, 'unixepoch')
GROUP BY hour ORDER BY hour
