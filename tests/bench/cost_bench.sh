#!/bin/sh
# Cost over a year of daily aggregates: builds a database with 365 days x 500 groups written
# straight into the physical daily table (and dict), then times the cost queries a report runs
# and `tokstat cost`. Prints seconds. The target (issue 5): well under a second.
# Usage: tests/bench/cost_bench.sh   (TOKSTAT=path overrides the binary; needs sqlite3)
set -eu
cd "$(dirname "$0")/../.."
TOKSTAT=${TOKSTAT:-$PWD/tokstat}
out=${BENCH_OUT:-$PWD/bench-out}
mkdir -p "$out"
db=$out/cost_bench.db
rm -f "$db" "$db-wal" "$db-shm"

# A real database (schema, prices, views) from one ingested line.
printf '%s\n' '127.0.0.1 - - [01/Jan/2025:00:00:00 +0000] "POST /v1/chat/completions HTTP/1.1" 200 1 "-" "bench" model=gpt-4o-mini input_tokens=1 output_tokens=1' \
	> "$out/cost_bench.log"
"$TOKSTAT" --db "$db" ingest -q "$out/cost_bench.log"

# 20 models (3 without a price), 25 users, 10 endpoints, 40 credentials; 500 groups a day.
sqlite3 "$db" > /dev/null <<'SQL'
PRAGMA journal_mode = WAL;
BEGIN;
DELETE FROM daily; DELETE FROM hourly; DELETE FROM event;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 99)
INSERT OR IGNORE INTO dict(id, value)
SELECT 1000 + i, CASE
	WHEN i < 20 THEN json_extract('["gpt-4o-2024-08-06","gpt-4o-mini","gpt-4o-mini-2024-07-18","gpt-4.1","gpt-4.1-mini-2025-04-14","gpt-5","gpt-5-mini","o3","o4-mini","claude-opus-4-6","claude-sonnet-4-5-20250929","claude-haiku-4-5-20251001","claude-3-5-haiku-20241022","claude-opus-4-1-20250805","gemini-2.0-flash","gemini-2.5-pro","gemini-2.5-flash","llama-3-70b","mistral-large","my-finetune"]', '$[' || i || ']')
	WHEN i < 45 THEN 'user-' || i
	WHEN i < 55 THEN '/v1/endpoint/' || i
	ELSE 'provider-' || i END
FROM n;
WITH RECURSIVE d(day) AS (SELECT 20089 UNION ALL SELECT day + 1 FROM d WHERE day < 20089 + 364),
g(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM g WHERE k < 499)
INSERT INTO daily(day, token, user, endpoint, model, provider, operation, project, requests, errors,
	input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, total_tokens, estimated)
SELECT day, 1 + k % 40, 1020 + k % 25, 1045 + k % 10, 1000 + k % 20, 0, 0, k / 20,
	10 + k % 7, k % 3, 1000 * (1 + k % 13), 300 * (1 + k % 5), 200 * (k % 4), 50 * (k % 2),
	1000 * (1 + k % 13) + 300 * (1 + k % 5) + 200 * (k % 4) + 50 * (k % 2), 0
FROM d, g;
INSERT OR IGNORE INTO credential(id, fingerprint, display)
SELECT DISTINCT token, printf('%032x', token), 'sk-bench...' || token FROM daily;
COMMIT;
SQL

now() { date +%s.%N; }
t() { # label, command...
	label=$1; shift
	s=$(now); "$@" > /dev/null; e=$(now)
	printf '%-44s %6.3f s\n' "$label" "$(echo "$e - $s" | bc)"
}
rows=$(sqlite3 "$db" 'SELECT count(*) FROM daily')
echo "cost bench: $rows daily aggregate rows (365 days x 500 groups)"
t "sum(cost_usd) over daily_usage (a year)" sqlite3 "$db" 'SELECT sum(cost_usd) FROM daily_usage'
t "cost_month (every month)" sqlite3 "$db" 'SELECT * FROM cost_month'
t "cost_by_model (one month)" sqlite3 "$db" "SELECT * FROM cost_by_model WHERE month = '2025-06'"
t "cost_by_model (a year)" sqlite3 "$db" 'SELECT * FROM cost_by_model'
t "tokstat cost --month 2025-06" "$TOKSTAT" --db "$db" cost --month 2025-06
t "tokstat cost (latest month)" "$TOKSTAT" --db "$db" cost
