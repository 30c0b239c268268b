-- name: timeline
-- description: One credential's requests in a time window, in order (what did this key do between 02:00 and 03:00?)
-- param: credential:text   a mask (ghp_abc1...xyz1) or a fingerprint prefix (token_fp, from 'tokstat credential -')
-- param: from = NULL       start (--from DAY|TIME; default: no start)
-- param: to = NULL         end (--to DAY|TIME, exclusive for a time; default: no end)
-- param: limit = 1000      rows shown
--
-- Read by `tokstat query timeline`. From the raw events: the window is a range on epoch, so
-- an index on the events' epoch reads only the window's rows. A mask two secrets share
-- matches both (token_fp tells them apart). The token kinds and the rest are in the events
-- view: 'tokstat query --show timeline' is the SQL to start from.
WITH cred AS (
	SELECT token_fp FROM credentials
	WHERE token = :credential
	   OR (length(:credential) >= 4
	       AND substr(token_fp, 1, min(length(:credential), 12)) = lower(substr(:credential, 1, 12))))
SELECT ts, token, token_fp, user, method, endpoint, status, model, total_tokens, latency_ms,
	rl_remaining, round(cost_usd, 6) AS cost_usd, error, request_id, file, line
FROM events
WHERE epoch >= coalesce(unixepoch(:from), 0) AND epoch < coalesce(unixepoch(:to), 253402300800)
  AND token_fp IN (SELECT token_fp FROM cred)
ORDER BY epoch, file, line
LIMIT :limit;
