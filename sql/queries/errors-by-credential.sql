-- name: errors-by-credential
-- description: Failed requests by credential and HTTP status in the period, with when they began and ended
-- param: from = NULL   start (--from DAY|TIME; default: no start)
-- param: to = NULL     end (--to DAY|TIME; default: no end)
-- param: limit = 100   rows shown
--
-- Read by `tokstat query errors-by-credential`. A failure is what the aggregates count as an
-- error: status 400 or above, or a log that said the call failed (failed = 1, status may be
-- NULL then). From the raw events, to the second: a range on epoch (indexed) limits the rows
-- read. Requests without a credential are the row whose token is NULL.
SELECT token, token_fp, status, count(*) AS errors,
	min(ts) AS first_ts, max(ts) AS last_ts,
	count(DISTINCT endpoint) AS endpoints, count(DISTINCT user) AS users
FROM events
WHERE epoch >= coalesce(unixepoch(:from), 0) AND epoch < coalesce(unixepoch(:to), 253402300800)
  AND (status >= 400 OR failed = 1)
GROUP BY token_fp, status
ORDER BY errors DESC, token_fp, status
LIMIT :limit;
