-- name: rate-limited
-- description: Credentials with a rate-limit reading, the limited ones first: remaining now and when it resets
-- param: limit = 50   rows shown
--
-- Read by `tokstat query rate-limited`. From the credentials view: its latest reading (by
-- time) and its status, as tokstat summary shows them. reset_at is rl_reset as a time;
-- seconds_to_reset counts from now (negative: the window has reset since).
SELECT token, token_fp, status, rl_remaining, rl_limit,
	round(100.0 * rl_remaining / nullif(rl_limit, 0), 1) AS remaining_pct,
	strftime('%Y-%m-%dT%H:%M:%SZ', rl_reset, 'unixepoch') AS reset_at,
	rl_reset - unixepoch('now') AS seconds_to_reset, last_seen
FROM credentials
WHERE rl_remaining IS NOT NULL OR rl_limit IS NOT NULL OR status = 'rate_limited'
ORDER BY status = 'rate_limited' DESC, 1.0 * rl_remaining / nullif(rl_limit, 0), token_fp
LIMIT :limit;
