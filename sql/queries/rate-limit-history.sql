-- name: rate-limit-history
-- description: One credential's rate limit hour by hour: requests, 429s, the lowest remaining, the reset
-- param: credential:text   a mask (ghp_abc1...xyz1) or a fingerprint prefix (token_fp)
-- param: from = NULL       start (--from DAY|TIME; default: no start)
-- param: to = NULL         end (--to DAY|TIME; default: no end)
--
-- Read by `tokstat query rate-limit-history`. From the raw events (a range on epoch), one
-- row per credential and UTC hour with a request: throttled counts the 429 responses,
-- min_remaining is the lowest rl_remaining logged that hour (NULL: no reading), reset_at
-- the latest rl_reset logged as a time.
WITH cred AS (
	SELECT token_fp FROM credentials
	WHERE token = :credential
	   OR (length(:credential) >= 4
	       AND substr(token_fp, 1, min(length(:credential), 12)) = lower(substr(:credential, 1, 12))))
SELECT strftime('%Y-%m-%dT%H', epoch, 'unixepoch') AS hour, token, token_fp,
	count(*) AS requests, sum(status = 429) AS throttled,
	min(rl_remaining) AS min_remaining, max(rl_limit) AS rl_limit,
	strftime('%Y-%m-%dT%H:%M:%SZ', max(rl_reset), 'unixepoch') AS reset_at
FROM events
WHERE epoch >= coalesce(unixepoch(:from), 0) AND epoch < coalesce(unixepoch(:to), 253402300800)
  AND token_fp IN (SELECT token_fp FROM cred)
GROUP BY epoch / 3600, token_fp
ORDER BY epoch / 3600, token_fp;
