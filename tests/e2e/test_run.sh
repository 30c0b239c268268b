#!/bin/sh
# tokstat run, the nightly job, over a folder of logs that logrotate rotates between nights,
# with and without delaycompress (access.log, access.log.1, access.log.2.gz; or access.log,
# access.log.1.gz, access.log.2.gz), the live file growing during a day: after each night the
# totals are those of one ingest of everything written so far, and a second run adds nothing.
# Also: the day's reports, the exit status (the alerts'), prune inside the run, a second run
# stopped by the lock of a running one, --dry-run changing nothing, a failing step is exit 3.
. "$(dirname "$0")/lib.sh"

gzip -dc "$SAMPLES/api-gateway.log.2.gz" > "$WORK/c1" # the oldest day's log
C2=$SAMPLES/api-gateway.log.1
C3=$SAMPLES/api-gateway.log
DAY=2025-10-12

# conf DIR DB OUT [MORE]: a config whose [run] reads DIR/access.log*
conf() {
	printf '[run]\nlogs = %s/access.log*\ndatabase = %s\nreports = html, json, csv, text\noutput_dir = %s\n%s' \
		"$1" "$2" "$3" "${4:-}" > "$WORK/run.conf"
}

# night WHAT [STATUS]: one run for DAY; its exit status must be STATUS (default 2: the samples'
# last day is CRITICAL once its log is read; before, the day has no usage and no alert)
night() {
	run "$TOKSTAT" run --config "$WORK/run.conf" --date "$DAY"
	assert_rc "run: $1" "${2:-2}" >/dev/null
	set -- "$1" "${2:-2}" "$(echo OK WARNING CRITICAL | cut -d' ' -f$((${2:-2} + 1)))"
	grep -q "^tokstat run: done: $3 (exit $2)\$" "$WORK/out" || fail "$1: no done line: $(cat "$WORK/out")"
	cp "$WORK/out" "$WORK/night.out"
	echo "ok: $1"
}

# the totals of one plain ingest of FILES into a new database
reference() {
	rm -f "$WORK/ref.db"*
	"$TOKSTAT" --db "$WORK/ref.db" ingest -q "$@" || fail "reference ingest"
	totals "$WORK/ref.db"
}

# -- with delaycompress: .1 stays plain for a night, then becomes .2.gz
L=$WORK/delay
mkdir -p "$L"
conf "$L" "$WORK/delay.db" "$WORK/reports"
DB=$WORK/delay.db
head -n 500 "$WORK/c1" > "$L/access.log"
night "delaycompress, night 1: half a day's log" 0
assert_eq "night 1 totals" "$(reference "$L/access.log")" "$(totals "$DB")"
tail -n +501 "$WORK/c1" >> "$L/access.log"
night "delaycompress, the log grew" 0
assert_contains "the grown log is read on" "$WORK/out" "resumed after line 500"
mv "$L/access.log" "$L/access.log.1"
cp "$C2" "$L/access.log"
night "delaycompress, rotated once" 0
gzip -c "$L/access.log.1" > "$L/access.log.2.gz" && rm "$L/access.log.1"
mv "$L/access.log" "$L/access.log.1"
cp "$C3" "$L/access.log"
ls "$L" > "$WORK/layout"
assert_eq "the delaycompress layout" "access.log access.log.1 access.log.2.gz" "$(tr '\n' ' ' < "$WORK/layout" | sed 's/ $//')"
night "delaycompress, rotated twice"
expected=$(reference "$WORK/c1" "$C2" "$C3")
assert_eq "totals are those of one ingest of the three logs" "$expected" "$(totals "$DB")"
night "delaycompress, the same night again"
assert_eq "a second run adds nothing" "$expected" "$(totals "$DB")"
assert_eq "the second run read nothing new" 3 "$(grep -c 'nothing new' "$WORK/out")"
verify_ok
# independent of tokstat: every line of the three logs is an event or a reject
lines=$(cat "$WORK/c1" "$C2" "$C3" | wc -l)
assert_eq "events + rejects = the logs' lines" "$lines" "$(q "SELECT sum(events) + sum(rejected) FROM files")"

# -- without delaycompress: .1.gz at once
L=$WORK/nodelay
mkdir -p "$L"
conf "$L" "$WORK/nodelay.db" "$WORK/reports2"
DB=$WORK/nodelay.db
cp "$WORK/c1" "$L/access.log"
night "no delaycompress, night 1" 0
gzip -c "$L/access.log" > "$L/access.log.1.gz" && rm "$L/access.log"
cp "$C2" "$L/access.log"
night "no delaycompress, rotated once" 0
mv "$L/access.log.1.gz" "$L/access.log.2.gz"
gzip -c "$L/access.log" > "$L/access.log.1.gz" && rm "$L/access.log"
cp "$C3" "$L/access.log"
ls "$L" > "$WORK/layout"
assert_eq "the layout without delaycompress" "access.log access.log.1.gz access.log.2.gz" \
	"$(tr '\n' ' ' < "$WORK/layout" | sed 's/ $//')"
night "no delaycompress, rotated twice"
assert_eq "totals are those of one ingest of the three logs" "$expected" "$(totals "$DB")"
night "no delaycompress, the same night again"
assert_eq "a second run adds nothing" "$expected" "$(totals "$DB")"
verify_ok

# -- the day's reports, written by the last run
R=$WORK/reports2/$DAY
for f in report.html report.json report.csv report.txt; do
	[ -s "$R/$f" ] || fail "no $R/$f"
done
echo "ok: the four reports of $DAY exist"
ls -a "$R" | grep -q 'tmp' && fail "a temporary file is left in $R: $(ls -a "$R")"
python3 - "$R/report.json" "$(q "SELECT sum(requests) FROM daily_usage WHERE day = '$DAY'")" <<'PY' || fail "report.json"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["period"] == {"from": "2025-10-12", "to": "2025-10-12", "days": 1}, r["period"]
assert r["sections"]["summary"]["rows"][0]["requests"] == int(sys.argv[2]), r["sections"]["summary"]["rows"][0]
print("ok: report.json is the report of 2025-10-12 with", sys.argv[2], "requests")
PY
grep -q '</html>' "$R/report.html" || fail "report.html is not a whole page"
assert_contains "report.txt names its period" "$R/report.txt" "tokstat report, 2025-10-12 (UTC)"
head -n 1 "$R/report.csv" | grep -q '^"day","requests",' || fail "report.csv starts with its header: $(head -n 1 "$R/report.csv")"
echo "ok: html, text and csv reports"
assert_contains "the report step names its files" "$WORK/night.out" "tokstat run: report: $DAY: $R/report.html, $R/report.json"

# -- the exit status is the alerts': the same as tokstat alerts on the same data
cp "$WORK/ref.db" "$WORK/alerts.db"
run "$TOKSTAT" --db "$WORK/alerts.db" alerts --date "$DAY" --format nagios
assert_rc "tokstat alerts on the same logs says CRITICAL" 2
assert_contains "the run's alerts step says what alerts said" "$WORK/out" "TOKSTAT CRITICAL"
assert_contains "the run said CRITICAL too" "$WORK/night.out" "tokstat run: alerts: tokstat alerts for $DAY: CRITICAL"

# -- --dry-run: the steps, and nothing changed (not the database, not the report folders)
sum_before=$(cat "$DB" "$DB-wal" 2>/dev/null | cksum)
run "$TOKSTAT" run --config "$WORK/run.conf" --date 2025-10-11 --dry-run
assert_rc "run --dry-run" 0
for step in lock ingest prune alerts report mail; do
	grep -q "^tokstat run: $step: " "$WORK/out" || fail "dry run: no $step line: $(cat "$WORK/out")"
done
assert_contains "the dry run lists the files" "$WORK/out" "tokstat run: ingest: would read $L/access.log.2.gz"
assert_contains "the dry run names the report paths" "$WORK/out" "would write 2025-10-11: $WORK/reports2/2025-10-11/report.html"
assert_eq "the dry run changed the database in nothing" "$sum_before" "$(cat "$DB" "$DB-wal" 2>/dev/null | cksum)"
[ ! -e "$WORK/reports2/2025-10-11" ] || fail "the dry run made a report folder"
rm -rf "$WORK/fresh" && mkdir "$WORK/fresh"
conf "$L" "$WORK/fresh/new.db" "$WORK/fresh/reports"
run "$TOKSTAT" run --config "$WORK/run.conf" --dry-run
assert_rc "a dry run before the first run" 0
assert_contains "it says the database is new" "$WORK/out" "would read 3 files into a new database"
[ -z "$(ls "$WORK/fresh")" ] || fail "the dry run made files: $(ls "$WORK/fresh")"

# -- prune inside the run: keep the days from 2025-10-09 on
keep=$(python3 -c 'import datetime, time; print(datetime.date.fromtimestamp(time.time() // 86400 * 86400).toordinal() - datetime.date(2025, 10, 9).toordinal())')
conf "$L" "$WORK/nodelay.db" "$WORK/reports2" "keep_days = $keep
"
gone=$(q "SELECT count(*) FROM events WHERE day < '2025-10-09'")
daily_before=$(q "SELECT day, sum(requests), sum(total_tokens) FROM daily_usage GROUP BY day")
night "a run that prunes"
assert_contains "the prune step says what went" "$WORK/out" "tokstat run: prune: keep $keep days: removed $gone raw events of 4 days"
assert_eq "daily totals unchanged" "$daily_before" "$(q "SELECT day, sum(requests), sum(total_tokens) FROM daily_usage GROUP BY day")"
verify_ok
night "the next run after the prune"
assert_contains "the next prune finds nothing older" "$WORK/out" "tokstat run: prune: keep $keep days: nothing to prune"
assert_eq "totals unchanged but for the pruned raw events" "$daily_before" \
	"$(q "SELECT day, sum(requests), sum(total_tokens) FROM daily_usage GROUP BY day")"
verify_ok

# -- the lock: a second run while the first is in its mail step exits 3 and names it
cat > "$WORK/slowmail.sh" <<EOF
cat > "$WORK/held.eml"
touch "$WORK/in-mail"
while [ ! -e "$WORK/go" ]; do sleep 0.1; done
EOF
conf "$L" "$WORK/nodelay.db" "$WORK/reports2" "mail_to = ops@example.com
mail_command = sh $WORK/slowmail.sh
"
"$TOKSTAT" run --config "$WORK/run.conf" --date "$DAY" > "$WORK/first.out" 2> "$WORK/first.err" &
first=$!
trap 'touch "$WORK/go"; kill "$first" 2>/dev/null; wait "$first" 2>/dev/null' EXIT INT TERM
i=0
until [ -e "$WORK/in-mail" ]; do
	i=$((i + 1))
	[ "$i" -lt 300 ] || fail "the first run did not reach its mail step: $(cat "$WORK/first.out" "$WORK/first.err")"
	sleep 0.1
done
run "$TOKSTAT" run --config "$WORK/run.conf" --date "$DAY"
assert_rc "a second run while the first holds the lock" 3
assert_contains "it names the lock, the pid and since when" "$WORK/err" \
	"another tokstat run holds $WORK/nodelay.db.run.lock (pid $first since "
assert_contains "and says it did nothing" "$WORK/out" "tokstat run: lock: not taken: nothing done"
assert_not_contains "it ran no step" "$WORK/out" "ingest:"
touch "$WORK/go"
rc=0
wait "$first" || rc=$?
trap - EXIT INT TERM
[ "$rc" = 2 ] || fail "the first run ends as usual (exit 2), not $rc: $(cat "$WORK/first.out" "$WORK/first.err")"
grep -q '^Subject: tokstat report 2025-10-12' "$WORK/held.eml" || fail "the mail command got the email report"
echo "ok: the first run finished and mailed"
run "$TOKSTAT" run --config "$WORK/run.conf" --dry-run --date "$DAY"
assert_contains "a dry run after it finds the lock free" "$WORK/out" "nodelay.db.run.lock is free"

# -- a step that fails: the others still run, and the exit status is 3
conf "$L" "$WORK/nodelay.db" "$WORK/reports2" "mail_to = ops@example.com
mail_command = exit 7
"
run "$TOKSTAT" run --config "$WORK/run.conf" --date "$DAY"
assert_rc "a failing mail command" 3
assert_contains "the error names the command and its status" "$WORK/err" "mail_command 'exit 7' failed (exit status 7)"
assert_contains "the steps before it ran" "$WORK/out" "tokstat run: report: $DAY"
assert_contains "the done line says a step failed" "$WORK/out" "tokstat run: done: a step failed (exit 3)"
gzip -c "$C3" | head -c 3000 > "$L/access.log.9.gz"
conf "$L" "$WORK/nodelay.db" "$WORK/reports2"
run "$TOKSTAT" run --config "$WORK/run.conf" --date "$DAY"
assert_rc "a truncated gzip among the logs" 3
assert_contains "the damaged file is named" "$WORK/err" "access.log.9.gz"
assert_contains "the reports were still written" "$WORK/out" "tokstat run: report: $DAY"
