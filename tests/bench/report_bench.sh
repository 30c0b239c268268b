#!/bin/sh
# tokstat report speed (not a test: it prints numbers). Two databases, made by tokstat (schema,
# prices, views) from one ingested line and then filled straight into the physical tables:
#  1. a year of aggregates: 365 days x 1,000 daily groups drawn from 10,000 credentials (each
#     with its user among 1,000, its model among 50, its endpoint among 200: a credential is
#     used the same way day after day, as in real traffic), and 365 x 24 x 100 hourly groups;
#     the HTML report over the whole year (target: under 1 s and under 100 KB);
#  2. 10,000,000 raw events (BENCH_EVENTS overrides) over 100 days, 500 credentials, 100
#     users, 50 endpoints, 20 models, with their daily and hourly aggregates; the text report
#     of the last day, the cron case (target: under 1 s). Its "last 20 requests" is a range of
#     the store's index on event(epoch) (event_by_epoch): 20 rows read, not a scan.
# Usage: tests/bench/report_bench.sh   (TOKSTAT=path overrides the binary; needs sqlite3)
set -eu
cd "$(dirname "$0")/../.."
TOKSTAT=${TOKSTAT:-$PWD/tokstat}
EVENTS=${BENCH_EVENTS:-10000000}
out=${BENCH_OUT:-$PWD/bench-out}
mkdir -p "$out"

now() { date +%s.%N; }
t() { # label, command... (stdout to $out/last)
	label=$1; shift
	s=$(now); "$@" > "$out/last"; e=$(now)
	printf '%-58s %6.3f s\n' "$label" "$(echo "$e - $s" | bc)"
}
fresh() { # DB: a tokstat-made database with its schema, prices and views, emptied
	rm -f "$1" "$1-wal" "$1-shm"
	printf '%s\n' '127.0.0.1 - - [01/Jan/2025:00:00:00 +0000] "POST /v1/chat/completions HTTP/1.1" 200 1 "-" "bench" model=gpt-4o-mini input_tokens=1 output_tokens=1' \
		> "$out/report_bench.log"
	"$TOKSTAT" --db "$1" ingest -q "$out/report_bench.log"
	sqlite3 "$1" "DELETE FROM daily; DELETE FROM hourly; DELETE FROM event; DELETE FROM credential;"
}
# dict: 50 models (ids 1000..), 1,000 users (2000..), 200 endpoints (4000..), 3 providers (5000..)
DICT="WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 49)
INSERT OR IGNORE INTO dict(id, value) SELECT 1000 + i, CASE WHEN i < 10 THEN json_extract(
	'[\"gpt-4o-2024-08-06\",\"gpt-4o-mini\",\"gpt-4.1\",\"gpt-5\",\"o3\",\"claude-opus-4-6\",\"claude-sonnet-4-5-20250929\",\"claude-haiku-4-5-20251001\",\"gemini-2.5-pro\",\"gemini-2.0-flash\"]',
	'\$[' || i || ']') ELSE 'model-' || i END FROM n;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 999)
INSERT OR IGNORE INTO dict(id, value) SELECT 2000 + i, 'user-' || i FROM n;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 199)
INSERT OR IGNORE INTO dict(id, value) SELECT 4000 + i, '/v1/endpoint/' || i FROM n;
INSERT OR IGNORE INTO dict(id, value) VALUES (5000, 'openai'), (5001, 'anthropic'), (5002, 'google');
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
INSERT INTO credential(id, fingerprint, display, first_seen, last_seen, requests, errors, last_status,
	last_status_at, rl_remaining, rl_limit, rl_reset, rl_at)
SELECT i, lower(hex(randomblob(16))), 'sk-bench...' || printf('%04d', i), 0, 1735689600 + i, 100 + i % 900, i % 37,
	CASE WHEN i % 97 = 0 THEN 401 WHEN i % 89 = 0 THEN 429 ELSE 200 END, 1735689600 + i,
	(i * 37) % 5000, 5000, 1735693200 + i, 1735689600 + i FROM n;"

# ---- 1. a year of aggregates ----
db=$out/report_year.db
fresh "$db"
sqlite3 "$db" > /dev/null <<SQL
PRAGMA journal_mode = WAL;
BEGIN;
$DICT
WITH RECURSIVE d(day) AS (SELECT 20089 UNION ALL SELECT day + 1 FROM d WHERE day < 20089 + 364),
g(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM g WHERE k < 999),
dg(day, k, c) AS (SELECT day, k, (k * 7 + day * 131) % 10000 FROM d, g)
-- latency: every request timed, in the 256-511, 512-1023 and 1024-2047 ms buckets
INSERT INTO daily(day, token, user, endpoint, model, provider, operation, project, requests, errors,
	input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, total_tokens, estimated,
	latency_n, latency_sum, latency_max, latency_b00, latency_b01, latency_b02, latency_b03, latency_b04, latency_b05, latency_b06, latency_b07, latency_b08, latency_b09, latency_b10, latency_b11, latency_b12, latency_b13, latency_b14, latency_b15, latency_b16, latency_b17, latency_b18, latency_b19)
SELECT day, 1 + c, 2000 + c % 1000, 4000 + c % 200, 1000 + c % 50, 5000 + c % 3, 0, 0, 1 + k % 9, (k + day) % 4 = 0, 900 * (1 + k % 13), 300 * (1 + k % 5), 200 * (k % 4),
	50 * (k % 2), 900 * (1 + k % 13) + 300 * (1 + k % 5) + 200 * (k % 4) + 50 * (k % 2), 0,
	1 + k % 9, 700 * (1 + k % 9), 1100 + 100 * (k % 9), 0, 0, 0, 0, 0, 0, 0, 0, 0,
	(1 + k % 9) / 3, (1 + k % 9) - (1 + k % 9) / 3 - (1 + k % 9) / 4, (1 + k % 9) / 4, 0, 0, 0, 0, 0, 0, 0, 0
FROM dg;
WITH RECURSIVE h(hour) AS (SELECT 20089 * 24 UNION ALL SELECT hour + 1 FROM h WHERE hour < (20089 + 365) * 24 - 1),
g(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM g WHERE k < 99)
INSERT INTO hourly(hour, token, user, model, requests, errors, input_tokens, output_tokens, cache_read_tokens,
	cache_write_tokens, total_tokens)
SELECT hour, 1 + (k * 101 + hour) % 10000, 2000 + (k + hour) % 1000, 1000 + k % 50, 1 + k % 5, k % 7 = 0,
	900 * (1 + k % 13), 300, 0, 0, 900 * (1 + k % 13) + 300 FROM h, g;
COMMIT;
SQL
echo "report bench 1: $(sqlite3 "$db" 'SELECT count(*) FROM daily') daily and $(sqlite3 "$db" 'SELECT count(*) FROM hourly') hourly aggregate rows (365 days; 10,000 credentials, 1,000 users, 50 models)"
t "html report over the year (--from 2025-01-01 --days 365)" "$TOKSTAT" --db "$db" report --from 2025-01-01 --days 365 --format html
echo "  html size: $(wc -c < "$out/last") bytes"
t "text report over the year" "$TOKSTAT" --db "$db" report --from 2025-01-01 --days 365
t "html report of the year's last day (the cron case)" "$TOKSTAT" --db "$db" report --from 2025-12-31 --format html
t "json report over the year (every row)" "$TOKSTAT" --db "$db" report --from 2025-01-01 --days 365 --format json

# ---- 2. raw events ----
db=$out/report_events.db
fresh "$db"
sqlite3 "$db" > /dev/null <<SQL
PRAGMA journal_mode = WAL;
BEGIN;
$DICT
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $EVENTS - 1)
INSERT INTO event(id, epoch, token, user, endpoint, method, status, model, provider, input_tokens, output_tokens,
	total_tokens, latency_ms)
SELECT (1 << 40) | (i + 1), 1735689600 + i * 8640000 / $EVENTS, 1 + i % 500, 2000 + i % 100, 4000 + i % 50, 0,
	CASE WHEN i % 50 = 0 THEN 500 ELSE 200 END, 1000 + i % 20, 5000 + i % 3, 100 + i % 900, 10 + i % 90,
	110 + i % 900 + i % 90, 100 + i % 2000 FROM n;
INSERT INTO daily(day, token, user, endpoint, model, provider, operation, project, requests, errors,
	input_tokens, output_tokens, total_tokens, estimated, latency_n, latency_sum, latency_max, latency_b00, latency_b01, latency_b02, latency_b03, latency_b04, latency_b05, latency_b06, latency_b07, latency_b08, latency_b09, latency_b10, latency_b11, latency_b12, latency_b13, latency_b14, latency_b15, latency_b16, latency_b17, latency_b18, latency_b19)
SELECT epoch / 86400, token, user, endpoint, model, provider, 0, 0, count(*), sum(status >= 400),
	sum(input_tokens), sum(output_tokens), sum(total_tokens), 0, count(latency_ms), sum(latency_ms), max(latency_ms),
	sum(latency_ms < 1), sum(latency_ms >= 1 AND latency_ms < 2), sum(latency_ms >= 2 AND latency_ms < 4), sum(latency_ms >= 4 AND latency_ms < 8),
	sum(latency_ms >= 8 AND latency_ms < 16), sum(latency_ms >= 16 AND latency_ms < 32), sum(latency_ms >= 32 AND latency_ms < 64), sum(latency_ms >= 64 AND latency_ms < 128),
	sum(latency_ms >= 128 AND latency_ms < 256), sum(latency_ms >= 256 AND latency_ms < 512), sum(latency_ms >= 512 AND latency_ms < 1024), sum(latency_ms >= 1024 AND latency_ms < 2048),
	sum(latency_ms >= 2048 AND latency_ms < 4096), sum(latency_ms >= 4096 AND latency_ms < 8192), sum(latency_ms >= 8192 AND latency_ms < 16384), sum(latency_ms >= 16384 AND latency_ms < 32768),
	sum(latency_ms >= 32768 AND latency_ms < 65536), sum(latency_ms >= 65536 AND latency_ms < 131072), sum(latency_ms >= 131072 AND latency_ms < 262144), sum(latency_ms >= 262144)
FROM event GROUP BY 1, 2, 3, 4, 5, 6;
INSERT INTO hourly(hour, token, user, model, requests, errors, input_tokens, output_tokens, total_tokens)
SELECT epoch / 3600, token, user, model, count(*), sum(status >= 400), sum(input_tokens), sum(output_tokens),
	sum(total_tokens) FROM event GROUP BY 1, 2, 3, 4;
COMMIT;
SQL
last=$(sqlite3 "$db" "SELECT last_date FROM usage_span")
echo "report bench 2: $(sqlite3 "$db" 'SELECT count(*) FROM event') events over 100 days, $(sqlite3 "$db" 'SELECT count(*) FROM daily') daily and $(sqlite3 "$db" 'SELECT count(*) FROM hourly') hourly rows"
t "text report of the last day" "$TOKSTAT" --db "$db" report --from "$last"
t "html report of the last day" "$TOKSTAT" --db "$db" report --from "$last" --format html
