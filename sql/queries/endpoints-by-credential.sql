-- name: endpoints-by-credential
-- description: Each credential's top endpoints in the period: requests, errors, tokens, cost
-- param: credential:text = NULL  a mask (ghp_abc1...xyz1) or a fingerprint prefix (token_fp); default: every credential
-- param: from = NULL             start (--from DAY|TIME; default: the first day with data)
-- param: to = NULL               end (--to DAY|TIME; default: the last day with data)
-- param: per_credential = 5      endpoints shown per credential
--
-- Read by `tokstat query endpoints-by-credential`. From the daily aggregates (whole UTC
-- days). Credentials come in the order of their requests; a mask two secrets share matches
-- both (token_fp tells them apart).
WITH cred AS (
	SELECT token_fp FROM credentials
	WHERE :credential IS NULL OR token = :credential
	   OR (length(:credential) >= 4
	       AND substr(token_fp, 1, min(length(:credential), 12)) = lower(substr(:credential, 1, 12)))),
g AS (
	SELECT token, token_fp, endpoint, sum(requests) AS requests, sum(errors) AS errors,
		sum(total_tokens) AS tokens, sum(cost_usd) AS cost_usd
	FROM daily_usage
	WHERE day_number >= coalesce(unixepoch(:from) / 86400, 0)
	  AND day_number < coalesce((unixepoch(:to) + 86399) / 86400, 1000000000)
	  AND token_fp IN (SELECT token_fp FROM cred)
	GROUP BY token_fp, endpoint),
ranked AS (
	SELECT *, row_number() OVER (PARTITION BY token_fp ORDER BY requests DESC, endpoint) AS rank,
		sum(requests) OVER (PARTITION BY token_fp) AS credential_requests
	FROM g)
SELECT token, token_fp, rank, endpoint, requests, errors, tokens, round(cost_usd, 4) AS cost_usd,
	round(100.0 * requests / credential_requests, 1) AS share_pct
FROM ranked
WHERE rank <= :per_credential
ORDER BY credential_requests DESC, token_fp, rank;
