#!/bin/sh
# Reads that must not scan a big table, by SQLite's own plans (EXPLAIN QUERY PLAN): every
# database has the event_by_epoch index (migration 4), and the reads of a time range use it
# (the alerts' raw-event pass, its SQL taken from src/alerts.c, and the report's last 20
# requests, sql/reports/recent.sql); the usage_span view takes its first and last day from
# the daily aggregates' primary key, not from a scan of every daily row.
. "$(dirname "$0")/lib.sh"

ingest_ok "$SAMPLES"/*
assert_eq "the index is on event(epoch)" "epoch" "$(q "SELECT name FROM pragma_index_info('event_by_epoch')")"

# plan QUERY: the lines of EXPLAIN QUERY PLAN that read the event table
plan() { sqlite3 -batch "$DB" "EXPLAIN QUERY PLAN $1" | grep -E '(SCAN|SEARCH) (event|e)( |$)'; }

alerts_sql=$(python3 - "$ROOT/src/alerts.c" <<'PY'
import re, sys
src = open(sys.argv[1]).read()
body = src[src.index("static int alerts_read_minutes("):]
m = re.search(r'static const char sql\[\] =\s*((?:"[^"]*"\s*)+);', body)
print("".join(re.findall(r'"([^"]*)"', m.group(1))))
PY
)
case $alerts_sql in *"FROM event "*) ;; *) fail "no raw-event query found in src/alerts.c: $alerts_sql" ;; esac
day0=$(q "SELECT min(epoch) / 86400 * 86400 FROM event")
alerts_plan=$(plan "$(echo "$alerts_sql" | sed "s/?1/$day0/; s/?2/$((day0 + 86400))/")")
assert_eq "alerts' raw-event pass: a range of the index" \
	"\`--SEARCH event USING INDEX event_by_epoch (epoch>? AND epoch<?)" "$alerts_plan"

recent=$(sed "s/:from_epoch/$day0/; s/:to_epoch/$((day0 + 86400))/" "$ROOT/sql/reports/recent.sql")
case $(plan "$recent") in
*"SEARCH e USING INDEX event_by_epoch (epoch>? AND epoch<?)"*) echo "ok: the report's last 20 requests use the index" ;;
*) fail "recent.sql does not use event_by_epoch: $(plan "$recent")" ;;
esac

# the alerts of a day read its events only: the same findings as before the index, by hand
# (the samples' busiest day, its events counted here)
busiest=$(q "SELECT day FROM events GROUP BY day ORDER BY count(*) DESC, day LIMIT 1")
n=$(q "SELECT count(*) FROM event WHERE epoch >= unixepoch('$busiest') AND epoch < unixepoch('$busiest', '+1 day')")
assert_eq "the index range holds the day's events" \
	"$(q "SELECT count(*) FROM event NOT INDEXED WHERE date(epoch, 'unixepoch') = '$busiest'")" "$n"

# usage_span: two searches of the primary key, no scan; the days as min() and max() say
assert_eq "usage_span: the first and last day" \
	"$(q "SELECT min(day), max(day) FROM daily")" "$(q "SELECT first_day, last_day FROM usage_span")"
span_plan=$(sqlite3 -batch "$DB" "EXPLAIN QUERY PLAN SELECT * FROM usage_span" | grep -E 'daily')
assert_eq "usage_span: one step down the primary key each" \
	"$(printf '%s\n%s' '|  |  `--SEARCH daily USING PRIMARY KEY' '|     `--SEARCH daily USING PRIMARY KEY')" "$span_plan"
