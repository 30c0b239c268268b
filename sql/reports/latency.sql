-- Response times per endpoint and per model, per UTC day of the period: the requests that
-- logged a latency (those without one are not counted, not taken as 0 ms), their average, their
-- 95th percentile and their maximum, in ms. The percentile is read from the daily aggregates'
-- histogram (sql/migrate/009-latency.sql), never from raw events, by latency_p95 in
-- src/latency.c: the nearest-rank 95th
-- percentile (the ceil(0.95 n)-th smallest latency) lies in bucket K, whose edges are
-- L = 2^(K-1) ms (0 for K = 0) and U = 2^K ms, lowered to the maximum when that is smaller
-- (always in the last, open bucket, from 2^18 ms on); p95_ms interpolates linearly between them
-- by the rank's place among the bucket's events: L + (U - L) * (rank - events below) / events in
-- the bucket. It is an estimate within its bucket (a factor of 2 wide), never outside it.
-- Top {top} endpoints and models of each day by requests timed (the cut is made there too).
-- Read by: src/report.c (`tokstat report`, section latency; --by latency), from
-- temp.report_latency (latency_report_table in src/latency.c: the period's sums and p95).
-- title: Latency per day (UTC), top {top} endpoints and models by requests timed
-- shape: list
-- column: dim | per | text
-- column: name | name | text
-- column: day | day | date
-- column: requests | requests timed | int | requests
-- column: avg_ms | average | real | ms
-- column: p95_ms | p95 | real | ms
-- column: max_ms | max | int | ms
SELECT l.dim, d.value AS name, date(l.day * 86400, 'unixepoch') AS day, l.n AS requests,
	1.0 * l.total / l.n AS avg_ms, l.p95 AS p95_ms, l.top AS max_ms, l.total_rows AS _total
FROM temp.report_latency l LEFT JOIN dict d ON d.id = l.id
ORDER BY l.dim, l.day, l.n DESC, d.value
