-- The alerts of the period: every alert episode of `tokstat alerts` (the alerts view) that
-- was found on a day of the period, the most severe first. severity is the worst the episode
-- reached; value, limit, period and detail are its latest finding's. status: active, acked
-- (silenced with `tokstat alerts ack`) or resolved. value and limit are written as
-- `tokstat alerts` prints them, with their unit ("300,000 tokens", "$12.50", "7.5%"): one
-- column holds several units. The numbers are in the alerts view (`tokstat query`).
-- Read by: src/report.c (`tokstat report`, section alerts; its first row's severity is the
-- worst of the period, which out_email.c's default subject names).
-- title: Alerts (top {top}, the most severe first)
-- shape: list
-- column: severity | severity | badge
-- column: rule | rule | text
-- column: subject_kind | of | text
-- column: subject | subject | text
-- column: token_fp | fingerprint | text
-- column: value | value | text
-- column: limit_value | limit | text
-- column: period | period | text
-- column: first_seen | since | date
-- column: last_seen | last seen | date
-- column: status | status | text
-- column: detail | detail | text
SELECT worst_severity AS severity, rule, subject_kind, subject, token_fp,
	CASE unit WHEN 'usd' THEN printf('$%.2f', value) WHEN 'percent' THEN printf('%.1f%%', value)
	     ELSE printf('%,d', CAST(round(value) AS INTEGER)) || ' ' || unit END AS value,
	CASE unit WHEN 'usd' THEN printf('$%.2f', limit_value) WHEN 'percent' THEN printf('%.1f%%', limit_value)
	     ELSE printf('%,d', CAST(round(limit_value) AS INTEGER)) || ' ' || unit END AS limit_value,
	period, first_seen, last_seen, status, detail, count(*) OVER () AS _total
FROM alerts
WHERE first_seen <= date(:to_day * 86400, 'unixepoch') AND last_seen >= date(:from_day * 86400, 'unixepoch')
ORDER BY worst_severity = 'critical' DESC, status = 'resolved', rule, subject, token_fp, id
LIMIT :top
