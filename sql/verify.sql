-- `tokstat verify`: each statement returns the rows where the stored aggregates and the raw
-- events disagree (none in a consistent database). Read by src/verify.c, which runs them in
-- order in one read transaction and prints each row: the first column, ": ", the others.
--
-- Two rules are restated here and must stay in step with the C that writes the aggregates:
--   errors: an event is an error when failed = 1 or status >= 400 (event_is_error_values in
--     include/event.h, which src/batch.c calls for every row it sums);
--   latency buckets: under 1 ms, then [2^(K-1), 2^K) ms for K = 1..18, then 2^18 ms and more
--     (latency_bucket in src/latency.c; sql/migrate/009-latency.sql documents them);
--   days and hours: floor division of epoch seconds, also before 1970 (timefmt_day and
--     timefmt_hour in include/timefmt.h).
-- :line_bits is STORE_LINE_BITS (include/store.h), bound by verify.c: event id = file << it | line.
--
-- After `tokstat prune` (src/store_prune.c), the raw events before meta 'pruned_before' (a day
-- number; none: 0) are gone and their aggregates stay: the aggregates are compared with raw
-- events from that day on only; a credential's counters are the pruned days' daily aggregates
-- plus its raw events from that day on; a file's events are its raw events plus its pruned ones
-- (file.pruned). Raw events older than that day (a late file ingested after a prune) are in
-- those days' aggregates, so they are counted there, not as raw events.

WITH pruned AS (SELECT coalesce((SELECT value FROM meta WHERE key = 'pruned_before'), 0) AS day),
raw AS (SELECT (epoch - ((epoch % 86400) + 86400) % 86400) / 86400 AS day,
		coalesce(token, 0) AS token, coalesce(user, 0) AS user, coalesce(endpoint, 0) AS endpoint,
		coalesce(model, 0) AS model, coalesce(provider, 0) AS provider,
		coalesce(operation, 0) AS operation, coalesce(project, 0) AS project,
		coalesce(service_tier, 0) AS service_tier, count(*) AS requests,
		sum(CASE WHEN failed = 1 OR status >= 400 THEN 1 ELSE 0 END) AS errors,
		sum(input_tokens) AS i, sum(output_tokens) AS o, sum(cache_read_tokens) AS cr,
		sum(cache_write_tokens) AS cw, sum(total_tokens) AS t, sum(coalesce(estimated, 0)) AS est,
		sum(cache_write_1h_tokens) AS cw1h,
		count(latency_ms), sum(latency_ms), max(latency_ms),
		coalesce(sum(latency_ms < 1), 0),
		coalesce(sum(latency_ms >= 1 AND latency_ms < 2), 0),
		coalesce(sum(latency_ms >= 2 AND latency_ms < 4), 0),
		coalesce(sum(latency_ms >= 4 AND latency_ms < 8), 0),
		coalesce(sum(latency_ms >= 8 AND latency_ms < 16), 0),
		coalesce(sum(latency_ms >= 16 AND latency_ms < 32), 0),
		coalesce(sum(latency_ms >= 32 AND latency_ms < 64), 0),
		coalesce(sum(latency_ms >= 64 AND latency_ms < 128), 0),
		coalesce(sum(latency_ms >= 128 AND latency_ms < 256), 0),
		coalesce(sum(latency_ms >= 256 AND latency_ms < 512), 0),
		coalesce(sum(latency_ms >= 512 AND latency_ms < 1024), 0),
		coalesce(sum(latency_ms >= 1024 AND latency_ms < 2048), 0),
		coalesce(sum(latency_ms >= 2048 AND latency_ms < 4096), 0),
		coalesce(sum(latency_ms >= 4096 AND latency_ms < 8192), 0),
		coalesce(sum(latency_ms >= 8192 AND latency_ms < 16384), 0),
		coalesce(sum(latency_ms >= 16384 AND latency_ms < 32768), 0),
		coalesce(sum(latency_ms >= 32768 AND latency_ms < 65536), 0),
		coalesce(sum(latency_ms >= 65536 AND latency_ms < 131072), 0),
		coalesce(sum(latency_ms >= 131072 AND latency_ms < 262144), 0),
		coalesce(sum(latency_ms >= 262144), 0)
	FROM event WHERE epoch >= (SELECT day FROM pruned) * 86400 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9),
agg AS (SELECT day, token, user, endpoint, model, provider, operation, project, service_tier, requests,
		errors, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, total_tokens, estimated,
		cache_write_1h_tokens,
		latency_n, latency_sum, latency_max, latency_b00, latency_b01, latency_b02, latency_b03, latency_b04,
		latency_b05, latency_b06, latency_b07, latency_b08, latency_b09, latency_b10, latency_b11, latency_b12,
		latency_b13, latency_b14, latency_b15, latency_b16, latency_b17, latency_b18, latency_b19
	FROM daily WHERE day >= (SELECT day FROM pruned))
SELECT 'daily aggregate differs from raw events', * FROM (SELECT * FROM agg EXCEPT SELECT * FROM raw)
UNION ALL SELECT 'raw events missing from daily aggregates', * FROM (SELECT * FROM raw EXCEPT SELECT * FROM agg)
LIMIT 20;

WITH pruned AS (SELECT coalesce((SELECT value FROM meta WHERE key = 'pruned_before'), 0) AS day),
raw AS (SELECT (epoch - ((epoch % 3600) + 3600) % 3600) / 3600 AS hour,
		coalesce(token, 0) AS token, coalesce(user, 0) AS user, coalesce(model, 0) AS model, count(*),
		sum(CASE WHEN failed = 1 OR status >= 400 THEN 1 ELSE 0 END), sum(input_tokens), sum(output_tokens),
		sum(cache_read_tokens), sum(cache_write_tokens), sum(total_tokens)
	FROM event WHERE epoch >= (SELECT day FROM pruned) * 86400 GROUP BY 1, 2, 3, 4),
agg AS (SELECT * FROM hourly WHERE hour >= (SELECT day FROM pruned) * 24)
SELECT 'hourly aggregate differs from raw events', * FROM (SELECT * FROM agg EXCEPT SELECT * FROM raw)
UNION ALL SELECT 'raw events missing from hourly aggregates', * FROM (SELECT * FROM raw EXCEPT SELECT * FROM agg)
LIMIT 20;

WITH pruned AS (SELECT coalesce((SELECT value FROM meta WHERE key = 'pruned_before'), 0) AS day),
counted AS (SELECT token, count(*) AS n, sum(CASE WHEN failed = 1 OR status >= 400 THEN 1 ELSE 0 END) AS e
	FROM event WHERE token IS NOT NULL AND epoch >= (SELECT day FROM pruned) * 86400 GROUP BY token
	UNION ALL SELECT token, sum(requests), sum(errors)
	FROM daily WHERE day < (SELECT day FROM pruned) AND token != 0 GROUP BY token)
SELECT 'credential counters differ from raw events', c.id, c.requests, c.errors, r.n, r.e
FROM credential c LEFT JOIN (SELECT token, sum(n) AS n, sum(e) AS e FROM counted GROUP BY token) r
	ON r.token = c.id
WHERE c.requests != coalesce(r.n, 0) OR c.errors != coalesce(r.e, 0) LIMIT 20;

SELECT 'file event count differs from raw events', f.name, f.events, f.pruned,
	(SELECT count(*) FROM event WHERE id >= f.id << :line_bits AND id < (f.id + 1) << :line_bits) AS n
FROM file f WHERE f.events != n + f.pruned LIMIT 20;

-- A de-duplication key points at the event counted for it, or at none (pruned, or stored
-- before sql/migrate/006-keep-last.sql), never at a deleted one; each event has one key at most.
SELECT 'de-duplication key points at no event', hex(s.key), s.event
FROM seen s WHERE s.event IS NOT NULL AND NOT EXISTS (SELECT 1 FROM event e WHERE e.id = s.event) LIMIT 20;

SELECT 'event counted for several de-duplication keys', event, count(*)
FROM seen WHERE event IS NOT NULL GROUP BY event HAVING count(*) > 1 LIMIT 20;

SELECT 'integrity check', integrity_check FROM pragma_integrity_check WHERE integrity_check != 'ok';
