#!/bin/sh
# A database last written by an older tokstat keeps that tokstat's views. Reading commands
# open it read-only and cannot replace them in the file: they read this binary's views from
# the connection's temp schema instead, and leave the file as it was. Simulated here by
# putting back a daily_usage view without day_number and forgetting the views' hash.
set -eu
: "${TOKSTAT:?}" "${WORK:?}"
. "$(dirname "$0")/lib.sh"
DB=$WORK/t.db
cd "$(dirname "$0")/../.."
ingest_ok samples/proxy/api-gateway.log
sqlite3 "$DB" "DROP VIEW daily_usage;
	CREATE VIEW daily_usage AS SELECT date(day * 86400, 'unixepoch') AS day, requests, errors,
		input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, total_tokens,
		estimated AS estimated_requests, NULL AS cost_usd FROM daily;
	UPDATE meta SET value = zeroblob(16) WHERE key = 'views_hash';"
before=$(sqlite3 "$DB" "SELECT sql FROM sqlite_master WHERE name = 'daily_usage'")

run "$TOKSTAT" --db "$DB" summary --days 2
assert_rc "summary over the older views" 0
# the last two days' requests, from the physical aggregates (verify checks those elsewhere)
assert_eq "summary: the last two days' requests" \
	"$(q "SELECT group_concat(d || ' ' || r, ',') FROM (SELECT * FROM (SELECT date(day * 86400, 'unixepoch') AS d,
		sum(requests) AS r FROM daily GROUP BY day ORDER BY day DESC LIMIT 2) ORDER BY d)")" \
	"$(awk '/^20[0-9][0-9]-/ && NF >= 11 { print $1, $2 }' "$WORK/out" | sort | paste -sd, -)"
assert_eq "the file's own view is untouched" "$before" \
	"$(sqlite3 "$DB" "SELECT sql FROM sqlite_master WHERE name = 'daily_usage'")"
assert_eq "sqlite3 still sees the older view" "" \
	"$(sqlite3 "$DB" "SELECT name FROM pragma_table_info('daily_usage') WHERE name = 'day_number'")"
