-- name: rejects-by-reason
-- description: Rejected lines by reason: how many were kept, in how many files, and the first one
-- param: limit = 50   rows shown
--
-- Read by `tokstat query rejects-by-reason`. From the rejects view, which keeps the first
-- 1000 rejected lines of each file (files.rejected counts them all): kept_lines counts the
-- kept ones. The example is the first kept line of the reason (its text has credentials
-- masked, as stored).
SELECT reason, count(*) AS kept_lines, count(DISTINCT file) AS files,
	(SELECT file FROM rejects r2 WHERE r2.reason = r.reason ORDER BY file, line LIMIT 1) AS example_file,
	(SELECT line FROM rejects r2 WHERE r2.reason = r.reason ORDER BY file, line LIMIT 1) AS example_line,
	(SELECT substr(text, 1, 200) FROM rejects r2 WHERE r2.reason = r.reason ORDER BY file, line LIMIT 1) AS example_text
FROM rejects r
GROUP BY reason
ORDER BY kept_lines DESC, reason
LIMIT :limit;
