#!/bin/sh
# Alerts over a big database: every rule for one day of 2,000,000 raw events, over a year of
# daily aggregates for 10,000 users (3.65M rows), written straight into the physical tables
# (as tests/bench/cost_bench.sh does). The day has 50 users with a burst over the limit, 20
# credentials that reach 0 rate-limit remaining and 10 that end the day on 401s, so every
# read of raw events runs. The raw events of the EARLIER days before it (1,000,000 a day,
# default 3) are kept too, as a database that prunes raw events after some days holds them:
# the day's pass reads its own events (the event_by_epoch index), not the whole table. Prints
# seconds; the target (alerts issue): under 1 second.
# Usage: tests/bench/alerts_bench.sh   (TOKSTAT=path overrides the binary, EARLIER=N the
# earlier days of raw events, BENCH_OUT=DIR where the database goes; needs sqlite3)
set -eu
cd "$(dirname "$0")/../.."
TOKSTAT=${TOKSTAT:-$PWD/tokstat}
out=${BENCH_OUT:-$PWD/bench-out}
mkdir -p "$out"
db=$out/alerts_bench.db
DAY=20453 # 2025-12-31: the last of 365 days from 20089
EARLIER=${EARLIER:-3}
if [ ! -s "$db" ] || [ "$(sqlite3 "$db" 'SELECT count(*) FROM event' 2>/dev/null)" != $((2015000 + EARLIER * 1000000)) ]; then
	rm -f "$db" "$db-wal" "$db-shm"
	# A real database (schema, prices, views) from one ingested line.
	printf '%s\n' '127.0.0.1 - - [01/Jan/2025:00:00:00 +0000] "POST /v1/chat/completions HTTP/1.1" 200 1 "-" "bench" model=gpt-4o-mini input_tokens=1 output_tokens=1' \
		> "$out/alerts_bench.log"
	"$TOKSTAT" --db "$db" ingest -q "$out/alerts_bench.log"
	echo "building the database (about a minute)..."
	sqlite3 "$db" > /dev/null <<SQL
PRAGMA journal_mode = WAL;
BEGIN;
DELETE FROM daily; DELETE FROM hourly; DELETE FROM event;
-- 10,000 users (dict 100000 + k) with one credential each (id k + 1)
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 9999)
INSERT INTO dict(id, value) SELECT 100000 + i, 'user-' || i FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
INSERT OR IGNORE INTO credential(id, fingerprint, display)
SELECT i, lower(hex(randomblob(16))), printf('sk-bench%04d...%04d', i, i) FROM n;
-- a year of daily aggregates before the day: 364 days x 10,000 users
WITH RECURSIVE d(day) AS (SELECT $DAY - 364 UNION ALL SELECT day + 1 FROM d WHERE day < $DAY - 1),
u(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM u WHERE k < 9999)
INSERT INTO daily(day, token, user, endpoint, model, provider, operation, project, requests, errors,
	input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, total_tokens, estimated)
SELECT day, 1 + k, 100000 + k, 0, (SELECT id FROM dict WHERE value = 'gpt-4o-mini'), 0, 0, 0,
	200, k % 5, 5000 + k % 1000, 1000, NULL, NULL, 6000 + k % 1000, 0
FROM d, u;
-- the day: 2,000,000 events spread over the day, one user and credential each
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 1999999)
INSERT INTO event(id, epoch, token, user, status, model, input_tokens, output_tokens, total_tokens,
	rl_remaining, rl_limit)
SELECT (1 << 40) + i, $DAY * 86400 + (i * 43) / 1000, 1 + (i * 7919) % 10000, 100000 + (i * 7919) % 10000,
	CASE WHEN (i * 7919) % 10000 BETWEEN 20 AND 29 AND i > 1900000 THEN 401 WHEN i % 50 = 0 THEN 429 ELSE 200 END,
	(SELECT id FROM dict WHERE value = 'gpt-4o-mini'), 25, 5, 30,
	CASE WHEN (i * 7919) % 10000 < 20 AND i % 1009 < 20 THEN 0 ELSE 5000 - i % 4000 END, 5000
FROM n;
-- 50 users with a burst: 300 events of 50 tokens in one minute each
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 14999)
INSERT INTO event(id, epoch, token, user, status, model, input_tokens, output_tokens, total_tokens)
SELECT (2 << 40) + i, $DAY * 86400 + 1800 * (i / 300) + (i % 60), 1 + (i / 300) * 37, 100000 + (i / 300) * 37,
	200, (SELECT id FROM dict WHERE value = 'gpt-4o-mini'), 40, 10, 50
FROM n;
INSERT OR IGNORE INTO file(id, fingerprint, head_len, name) VALUES (2, 'bench2', 0, 'bench2');
-- the EARLIER days before: 1,000,000 events a day, as files read on those days (their daily
-- aggregates are the year's above)
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $EARLIER * 1000000 - 1)
INSERT INTO event(id, epoch, token, user, status, model, input_tokens, output_tokens, total_tokens,
	rl_remaining, rl_limit)
SELECT ((3 + i / 1000000) << 40) + i % 1000000, ($DAY - $EARLIER + i / 1000000) * 86400 + (i % 1000000) * 86 / 1000,
	1 + (i * 7919) % 10000, 100000 + (i * 7919) % 10000, 200,
	(SELECT id FROM dict WHERE value = 'gpt-4o-mini'), 25, 5, 30, 5000 - i % 4000, 5000
FROM n WHERE $EARLIER > 0;
WITH RECURSIVE n(i) AS (SELECT 3 UNION ALL SELECT i + 1 FROM n WHERE i < 2 + $EARLIER)
INSERT OR IGNORE INTO file(id, fingerprint, head_len, name) SELECT i, 'bench' || i, 0, 'bench' || i FROM n WHERE $EARLIER > 0;
-- the day's aggregates, from its events
INSERT INTO daily(day, token, user, endpoint, model, provider, operation, project, requests, errors,
	input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, total_tokens, estimated)
SELECT epoch / 86400, token, user, 0, model, 0, 0, 0, count(*), sum(status >= 400), sum(input_tokens),
	sum(output_tokens), NULL, NULL, sum(total_tokens), 0
FROM event WHERE epoch >= $DAY * 86400 GROUP BY 1, 2, 3, 5;
INSERT INTO hourly(hour, token, user, model, requests, errors, input_tokens, output_tokens,
	cache_read_tokens, cache_write_tokens, total_tokens)
SELECT epoch / 3600, token, user, model, count(*), sum(status >= 400), sum(input_tokens), sum(output_tokens),
	NULL, NULL, sum(total_tokens)
FROM event WHERE epoch >= $DAY * 86400 GROUP BY 1, 2, 3, 4;
COMMIT;
SQL
fi

rows=$(sqlite3 "$db" 'SELECT count(*) FROM daily')
events=$(sqlite3 "$db" 'SELECT count(*) FROM event')
day_events=$(sqlite3 "$db" "SELECT count(*) FROM event WHERE epoch >= $DAY * 86400")
echo "alerts bench: $day_events events on the day ($events in all), $rows daily aggregate rows (10,000 users x 365 days)"
# once untimed: a database made by an older tokstat is migrated first (its index built)
"$TOKSTAT" --db "$db" alerts --date 2025-12-31 --format nagios > /dev/null || true
# Wall time depends on what else runs on the machine: CPU time (user + sys, both threads) is
# printed beside it.
for run in 1 2 3; do
	# a fresh alert state each time, so every run records every finding as new
	sqlite3 "$db" 'DELETE FROM alert; DELETE FROM alert_run'
	rc=0
	/usr/bin/time -f '%e %U %S' -o "$out/alerts_bench.time" \
		"$TOKSTAT" --db "$db" alerts --date 2025-12-31 --format nagios > "$out/alerts_bench.out" || rc=$?
	# the last line: time(1) puts "Command exited with non-zero status N" before it
	tail -1 "$out/alerts_bench.time" | awk -v r="$run" -v rc="$rc" '{ w = $1; u = $2; s = $3 } END {
		printf "tokstat alerts, every rule, run %d: %5.2f s wall, %5.2f s CPU (exit %d)\n", r, w, u + s, rc }'
done
cut -c1-200 "$out/alerts_bench.out"
