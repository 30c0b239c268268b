-- Why lines were rejected, most frequent reason first, over every file. Only the first 1000
-- rejected lines of each file are kept with their reason (files.rejected counts them all).
-- Read by: src/report.c (`tokstat report`, section rejects).
-- title: Rejected lines by reason (top {top}; the first 1000 of each file are kept)
-- shape: list
-- column: reason | reason | text
-- column: lines | lines | int
-- column: example | first example | text
SELECT reason, count(*) AS lines, min(file || ':' || line) AS example, count(*) OVER () AS _total
FROM rejects GROUP BY reason ORDER BY lines DESC, reason LIMIT :top
